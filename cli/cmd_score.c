/*
 * cmd_score.c - `classify score`: score documents with a model and write
 * one result per input record, in input order, as JSON Lines or TSV.
 *
 * Records are read in batches, scored by N threads (each with its own
 * clf_scorer on the one shared model) and written in order. When the input
 * is a pipe or terminal the batch is one record and output is flushed after
 * each, so the command works as a streaming filter.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "classify.h"
#include "commands.h"
#include "corpus.h"
#include "out.h"
#include "util.h"

#define FORMAT_DOC 100 /* a whole file is one document */
#define MAX_THREADS 64
#define BATCH_PER_THREAD 256
#define BATCH_BYTES ((size_t)16 << 20) /* bounds memory whatever the documents' sizes */

typedef struct doc {
    char *id;
    char *text;
    size_t len;
    size_t line;
    const char *source;
    json_t *json;       /* JSONL input object to pass through, or NULL */
    int truncated;
    int abstain;           /* CLF_ABSTAIN_* of a scored document */
    int rc;             /* CLF_OK, or the error of this record */
    char *errmsg;
    int nflagged;
    clf_score_result *res;
    clf_explanation *ex;
    clf_spans *spans;   /* --spans */
    char *out;          /* the formatted output record (NULL: nothing to print) */
    size_t out_len;
} doc;

typedef struct score_opts {
    const char *model_path;
    int format;         /* clf_format or FORMAT_DOC */
    int tsv_out;
    int table;          /* --output table (the default on a terminal) */
    int output_set;
    int color;          /* --color: 0 auto, 1 always, -1 never */
    size_t explain;
    int explain_all;
    int spans;          /* --spans: 1 + CLF_SPAN_* unit, 0 off */
    size_t top_spans;
    int only_flagged;
    int threads;
    size_t max_bytes;
    int nthr;
    char thr_names[32][128];
    double thr_values[32];
} score_opts;

typedef struct job {
    clf_scorer *scorer;
    const clf_model *m;
    doc *docs;
    size_t from, to, step; /* documents from, from + step, ... below to */
    size_t explain;
    size_t ncat;
    int tsv_out;
    int only_flagged;
    int explain_all;
    const clf_cli_table *table; /* NULL unless --output table */
    int spans;
} job;

static void format_doc(doc *d, const job *j);

static void help(void)
{
    printf(
        "Usage: classify score [OPTIONS] [FILE...]\n\n"
        "Score documents for each category of a model (default: the shipped model)\n"
        "and print one result per input record, in input order.\n\n"
        "Input (stdin when no FILE is given):\n"
        "  --format F         text   one document per line\n"
        "                     tsv    id<TAB>labels<TAB>text (header line optional)\n"
        "                     jsonl  {\"id\":..., \"text\":...}; other fields pass through\n"
        "                     doc    each FILE is one document (articles)\n"
        "                     auto   (default) jsonl or tsv if the first line looks like\n"
        "                            it; otherwise a FILE is one document and stdin is\n"
        "                            one document per line\n"
        "  --max-bytes N      score at most the first N bytes of a document\n"
        "                     (default 1M; \"truncated\": true is added to the output)\n\n"
        "Model and decisions:\n"
        "  -m, --model M      model file (default: $CLF_MODEL or the shipped model)\n"
        "  -t, --threshold C=P  override category C's threshold (repeatable)\n\n"
        "Output (stdout):\n"
        "  --output F         jsonl  JSON Lines (the default in a pipe): {\"id\",\n"
        "                            \"scores\": {cat: p}, \"flagged\": [cats]}\n"
        "                     tsv    id, one column per category, flagged, abstain, error\n"
        "                     table  for people (the default on a terminal): one row per\n"
        "                            document with flagged categories, probabilities and\n"
        "                            an excerpt; with --explain the top words below\n"
        "  --color WHEN       table colours: auto (default: on a terminal, unless\n"
        "                     NO_COLOR is set), always, never\n"
        "  --explain K        add, per flagged category, the K words (as written, with\n"
        "                     their offsets) and the K n-gram features pushing its\n"
        "                     score up and down; each says its kind (word,\n"
        "                     punctuation, emoji, placeholder, hashtag)\n"
        "  --explain-all      explain every category, not only the flagged ones\n"
        "  --spans[=UNIT]     score each sentence (default) or paragraph too: \"spans\":\n"
        "                     [{start, end (bytes), cp_*, u16_*, scores, flagged}];\n"
        "                     the table lists the --top-spans N (default 3) best\n"
        "  --only-flagged     print only records with a flagged category (and errors)\n"
        "  -j, --threads N    score with N threads (default 1); order is kept\n"
        "  -h, --help         this help\n\n"
        "A bad record (invalid JSON or UTF-8, missing text) gives an error record in\n"
        "its place ({\"id\", \"line\", \"error\"}) and the run goes on.\n"
        "Exit status: 0 ok, 1 some records had errors, 2 usage, model or I/O error.\n");
}

enum { OPT_FORMAT = 256, OPT_OUTPUT, OPT_EXPLAIN, OPT_ONLY, OPT_MAXB, OPT_EXPLAIN_ALL, OPT_COLOR, OPT_SPANS, OPT_TOP_SPANS };

static int parse_args(int argc, char **argv, score_opts *o)
{
    static const struct option longopts[] = {
        {"model", required_argument, NULL, 'm'},
        {"threshold", required_argument, NULL, 't'},
        {"threads", required_argument, NULL, 'j'},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"output", required_argument, NULL, OPT_OUTPUT},
        {"explain", required_argument, NULL, OPT_EXPLAIN},
        {"explain-all", no_argument, NULL, OPT_EXPLAIN_ALL},
        {"color", required_argument, NULL, OPT_COLOR},
        {"spans", optional_argument, NULL, OPT_SPANS},
        {"top-spans", required_argument, NULL, OPT_TOP_SPANS},
        {"only-flagged", no_argument, NULL, OPT_ONLY},
        {"max-bytes", required_argument, NULL, OPT_MAXB},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    memset(o, 0, sizeof *o);
    o->threads = 1;
    o->max_bytes = CLF_NORM_DEFAULT_MAX_BYTES;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "hm:t:j:", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            help();
            return -1;
        case 'm':
            o->model_path = optarg;
            break;
        case 't':
            if (o->nthr == 32)
                return clf_cli_usage_error("score", "too many --threshold options");
            if (clf_cli_parse_threshold(optarg, o->thr_names[o->nthr], sizeof o->thr_names[0],
                                        &o->thr_values[o->nthr]))
                return clf_cli_usage_error("score", "--threshold: expected CATEGORY=P with P "
                                                    "in [0,1], got '%s'", optarg);
            o->nthr++;
            break;
        case 'j': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || v < 1 || v > MAX_THREADS)
                return clf_cli_usage_error("score", "--threads: 1..%d", MAX_THREADS);
            o->threads = (int)v;
            break;
        }
        case OPT_FORMAT:
            if (!strcmp(optarg, "doc"))
                o->format = FORMAT_DOC;
            else if ((o->format = clf_format_parse(optarg)) < 0 || o->format == CLF_FORMAT_FASTTEXT)
                return clf_cli_usage_error("score", "--format: auto, text, tsv, jsonl or doc");
            break;
        case OPT_OUTPUT:
            o->output_set = 1;
            o->tsv_out = o->table = 0;
            if (!strcmp(optarg, "tsv")) o->tsv_out = 1;
            else if (!strcmp(optarg, "table")) o->table = 1;
            else if (strcmp(optarg, "jsonl") != 0)
                return clf_cli_usage_error("score", "--output: jsonl, tsv or table");
            break;
        case OPT_EXPLAIN: {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || v < 0 || v > 1000)
                return clf_cli_usage_error("score", "--explain: 0..1000");
            o->explain = (size_t)v;
            break;
        }
        case OPT_ONLY:
            o->only_flagged = 1;
            break;
        case OPT_EXPLAIN_ALL:
            o->explain_all = 1;
            break;
        case OPT_SPANS:
            if (!optarg || !strcmp(optarg, "sentences"))
                o->spans = 1 + CLF_SPAN_SENTENCES;
            else if (!strcmp(optarg, "paragraphs"))
                o->spans = 1 + CLF_SPAN_PARAGRAPHS;
            else
                return clf_cli_usage_error("score", "--spans: sentences or paragraphs");
            break;
        case OPT_TOP_SPANS: {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || v < 1 || v > 1000)
                return clf_cli_usage_error("score", "--top-spans: 1..1000");
            o->top_spans = (size_t)v;
            break;
        }
        case OPT_COLOR:
            if (!strcmp(optarg, "auto")) o->color = 0;
            else if (!strcmp(optarg, "always")) o->color = 1;
            else if (!strcmp(optarg, "never")) o->color = -1;
            else return clf_cli_usage_error("score", "--color: auto, always or never");
            break;
        case OPT_MAXB:
            if (clf_cli_parse_size(optarg, &o->max_bytes))
                return clf_cli_usage_error("score", "--max-bytes: not a size: %s", optarg);
            break;
        default:
            return clf_cli_usage_error("score", "unknown option");
        }
    }
    return 0;
}

static void doc_clear(doc *d)
{
    free(d->id);
    free(d->text);
    free(d->errmsg);
    free(d->out);
    if (d->json)
        json_decref(d->json);
    clf_explanation_free(d->ex);
    clf_spans_free(d->spans);
    clf_score_result *res = d->res;
    memset(d, 0, sizeof *d);
    d->res = res;
}

static char *dup_mem(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

static void *score_range(void *arg)
{
    job *j = arg;
    for (size_t i = j->from; i < j->to; i += j->step) {
        doc *d = &j->docs[i];
        if (d->rc != CLF_OK)
            continue;
        if (j->explain) {
            d->rc = clf_explain(j->scorer, d->text, d->len, j->explain, &d->ex);
            if (d->rc == CLF_OK) {
                d->nflagged = 0;
                for (size_t k = 0; k < j->ncat; k++) {
                    d->res[k] = *clf_explanation_result(d->ex, k);
                    d->nflagged += d->res[k].flagged;
                }
                d->truncated |= clf_explanation_info(d->ex)->truncated;
                d->abstain = clf_explanation_info(d->ex)->abstain;
            }
        } else {
            clf_doc_info info = {0, 0, 0};
            int rc = clf_score(j->scorer, d->text, d->len, d->res, j->ncat, &info);
            d->rc = rc < 0 ? rc : CLF_OK;
            d->nflagged = rc < 0 ? 0 : rc;
            d->truncated |= info.truncated;
            d->abstain = info.abstain;
        }
        if (d->rc == CLF_OK && j->spans) {
            clf_span_options so = CLF_SPAN_OPTIONS_INIT;
            so.unit = j->spans - 1;
            d->rc = clf_score_spans(&d->spans, j->scorer, d->text, d->len, &so);
        }
        if (d->rc != CLF_OK)
            d->errmsg = strdup(clf_last_error());
    }
    /* formatting is as costly as scoring: the workers do it too */
    for (size_t i = j->from; i < j->to; i += j->step)
        format_doc(&j->docs[i], j);
    return NULL;
}

static void write_jsonl(FILE *out, const doc *d, const clf_model *m, int explain_all)
{
    json_t *o = d->json ? json_deep_copy(d->json) : json_object();
    if (!d->json || !json_object_get(o, "id"))
        json_object_set_new(o, "id", json_string(d->id));
    if (d->rc != CLF_OK) {
        json_object_set_new(o, "line", json_integer((json_int_t)d->line));
        if (d->source)
            json_object_set_new(o, "source", json_string(d->source));
        json_object_set_new(o, "error", json_string(d->errmsg ? d->errmsg : clf_strerror(d->rc)));
    } else {
        json_t *scores = json_object(), *flagged = json_array();
        for (size_t k = 0; k < clf_model_num_categories(m); k++) {
            const char *name = clf_model_category_name(m, k);
            /* 4 decimals is what a reader needs; keeps output short */
            json_object_set_new(scores, name, json_real((double)(long long)(d->res[k].probability * 1e4 + 0.5) / 1e4));
            if (d->res[k].flagged)
                json_array_append_new(flagged, json_string(name));
        }
        json_object_set_new(o, "scores", scores);
        json_object_set_new(o, "flagged", flagged);
        if (d->truncated)
            json_object_set_new(o, "truncated", json_true());
        if (d->abstain)
            json_object_set_new(o, "abstain", json_string(clf_abstain_name(d->abstain)));
        if (d->ex)
            json_object_set_new(o, "explanation", clf_cli_explanation_json(d->ex, m, explain_all));
        if (d->spans)
            json_object_set_new(o, "spans", clf_cli_spans_json(d->spans, m, d->text));
    }
    json_dumpf(o, out, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
    putc('\n', out);
    json_decref(o);
}

/* TSV fields must not contain tabs or newlines. */
static void put_tsv_field(FILE *out, const char *s)
{
    for (; *s; s++)
        putc(*s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s, out);
}

static void write_tsv(FILE *out, const doc *d, const clf_model *m)
{
    size_t K = clf_model_num_categories(m);
    put_tsv_field(out, d->id);
    for (size_t k = 0; k < K; k++) {
        if (d->rc == CLF_OK)
            fprintf(out, "\t%.4f", d->res[k].probability);
        else
            putc('\t', out);
    }
    putc('\t', out);
    int first = 1;
    for (size_t k = 0; d->rc == CLF_OK && k < K; k++)
        if (d->res[k].flagged) {
            fprintf(out, "%s%s", first ? "" : ",", clf_model_category_name(m, k));
            first = 0;
        }
    putc('\t', out);
    if (d->rc == CLF_OK && d->abstain)
        fputs(clf_abstain_name(d->abstain), out);
    putc('\t', out);
    if (d->rc != CLF_OK)
        put_tsv_field(out, d->errmsg ? d->errmsg : clf_strerror(d->rc));
    putc('\n', out);
}

/* Format one record into d->out; a filtered-out record gets no output. */
static void format_doc(doc *d, const job *j)
{
    if (d->rc == CLF_OK && j->only_flagged && d->nflagged == 0)
        return;
    FILE *f = open_memstream(&d->out, &d->out_len);
    if (!f)
        return; /* the writer reports the missing record as out of memory */
    if (j->table) {
        clf_cli_row row = {d->id, d->text, d->len, d->rc == CLF_OK ? d->res : NULL, d->truncated,
                           d->abstain, NULL, d->ex, d->spans};
        if (d->rc != CLF_OK)
            row.error = d->errmsg ? d->errmsg : clf_strerror(d->rc);
        clf_cli_table_row(f, j->table, j->m, &row);
    } else if (j->tsv_out)
        write_tsv(f, d, j->m);
    else
        write_jsonl(f, d, j->m, j->explain_all);
    if (fclose(f) != 0) {
        free(d->out);
        d->out = NULL;
    }
}

/* Detect the format of a named file from its first non-empty line. */
static int detect_file_format(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return CLF_FORMAT_TEXT; /* the reader reports the error */
    char buf[65536];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = buf;
    if (n >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
        p += 3;
    while (*p == '\n' || *p == '\r' || *p == ' ')
        p++;
    if (*p == '{')
        return CLF_FORMAT_JSONL;
    char *eol = strchr(p, '\n');
    size_t tabs = 0;
    for (char *q = p; *q && q != eol; q++)
        tabs += *q == '\t';
    if (tabs == 2)
        return CLF_FORMAT_TSV;
    return FORMAT_DOC;
}

/* Read a whole file as one document, keeping at most max bytes (+ a little
 * so that the normalizer decides where to cut). */
static int read_doc_file(const char *path, size_t max, doc *d)
{
    d->id = strdup(path);
    d->source = path;
    d->line = 1;
    FILE *f = fopen(path, "rb");
    if (!f) {
        d->rc = CLF_E_IO;
        char msg[4200];
        snprintf(msg, sizeof msg, "%s: %s", path, strerror(errno));
        d->errmsg = strdup(msg);
        return 0;
    }
    size_t cap = 1 << 16, len = 0;
    size_t limit = max ? max + 4 : (size_t)-1;
    char *buf = malloc(cap + 1);
    size_t got;
    while (buf && len < limit && (got = fread(buf + len, 1, (cap - len < limit - len ? cap - len : limit - len), f)) > 0) {
        len += got;
        if (len == cap && len < limit) {
            char *p = realloc(buf, cap * 2 + 1);
            if (!p) { free(buf); buf = NULL; break; }
            buf = p;
            cap *= 2;
        }
    }
    int more = len >= limit && fgetc(f) != EOF;
    int err = ferror(f);
    fclose(f);
    if (!buf || err) {
        free(buf);
        d->rc = buf ? CLF_E_IO : CLF_E_NOMEM;
        d->errmsg = strdup(buf ? "read error" : "out of memory");
        return 0;
    }
    buf[len] = '\0';
    d->text = buf;
    d->len = len;
    d->truncated = more;
    return 0;
}

static void fill_from_record(doc *d, const clf_record *rec, const char *source)
{
    d->id = strdup(rec->id ? rec->id : "");
    d->line = rec->line;
    d->source = source;
    d->truncated = rec->truncated;
    if (rec->json)
        d->json = json_incref((json_t *)rec->json);
    if (rec->error != CLF_OK) {
        d->rc = rec->error;
        d->errmsg = strdup(rec->error_msg && *rec->error_msg ? rec->error_msg
                                                              : clf_strerror(rec->error));
        return;
    }
    d->text = dup_mem(rec->text, rec->text_len);
    d->len = rec->text_len;
    if (!d->text) {
        d->rc = CLF_E_NOMEM;
        d->errmsg = strdup("out of memory");
    }
}

typedef struct run {
    score_opts *o;
    const clf_model *m;
    clf_scorer *scorers[MAX_THREADS];
    doc *docs;
    size_t cap, n;
    size_t bytes;       /* text held by the batch: flushed past BATCH_BYTES */
    int had_errors;
    clf_cli_table table;
} run;

static void flush_batch(run *r, int stream)
{
    int T = r->o->threads;
    job jobs[MAX_THREADS];
    pthread_t tids[MAX_THREADS];
    int started[MAX_THREADS] = {0};
    size_t K = clf_model_num_categories(r->m);
    /* interleaved, not in blocks: a batch often holds a run of long
     * documents (a corpus of articles), which blocks would give one thread */
    for (int t = 0; t < T; t++) {
        size_t from = (size_t)t < r->n ? (size_t)t : r->n;
        jobs[t] = (job){r->scorers[t], r->m, r->docs, from, r->n, (size_t)T, r->o->explain, K,
                        r->o->tsv_out, r->o->only_flagged, r->o->explain_all,
                        r->o->table ? &r->table : NULL, r->o->spans};
        if (t > 0 && from < r->n)
            started[t] = pthread_create(&tids[t], NULL, score_range, &jobs[t]) == 0;
        if (t > 0 && from < r->n && !started[t])
            score_range(&jobs[t]); /* could not start a thread: do it here */
    }
    score_range(&jobs[0]);
    for (int t = 1; t < T; t++)
        if (started[t])
            pthread_join(tids[t], NULL);
    for (size_t i = 0; i < r->n; i++) {
        doc *d = &r->docs[i];
        if (d->rc != CLF_OK)
            r->had_errors = 1;
        int filtered = d->rc == CLF_OK && r->o->only_flagged && d->nflagged == 0;
        if (d->out) {
            fwrite(d->out, 1, d->out_len, stdout);
        } else if (!filtered) {
            /* formatting failed: never drop a record silently */
            fprintf(stderr, "classify score: out of memory formatting record %zu\n", d->line);
            r->had_errors = 1;
        }
        if (stream)
            fflush(stdout);
        doc_clear(d);
    }
    r->n = 0;
    r->bytes = 0;
}

static int score_input(run *r, const char *path, int format)
{
    int stream = 0;
    if (format == FORMAT_DOC) {
        read_doc_file(path, r->o->max_bytes, &r->docs[r->n]);
        r->bytes += r->docs[r->n++].len;
        if (r->n == r->cap || r->bytes >= BATCH_BYTES)
            flush_batch(r, 0);
        return 0;
    }
    clf_reader *rd;
    clf_reader_options ro = CLF_READER_OPTIONS_INIT;
    ro.max_record_bytes = r->o->max_bytes ? r->o->max_bytes + 4 : (size_t)1 << 30;
    if (clf_reader_open(&rd, path, (clf_format)format, &ro) != CLF_OK) {
        fprintf(stderr, "classify score: %s\n", clf_last_error());
        return 2;
    }
    if (!strcmp(path, "-"))
        stream = clf_cli_is_stream(stdin);
    clf_record rec;
    int rc;
    const char *name = clf_reader_name(rd);
    while ((rc = clf_reader_next(rd, &rec)) == 1) {
        fill_from_record(&r->docs[r->n], &rec, name);
        r->bytes += r->docs[r->n++].len;
        if (stream || r->n == r->cap || r->bytes >= BATCH_BYTES)
            flush_batch(r, stream);
    }
    flush_batch(r, stream);
    clf_reader_close(rd);
    if (rc < 0) {
        fprintf(stderr, "classify score: %s\n", clf_last_error());
        return 2;
    }
    return 0;
}

int cmd_score(int argc, char **argv)
{
    score_opts o;
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (!o.model_path && !(o.model_path = clf_cli_default_model()))
        return 2;
    clf_model *m;
    if (clf_model_load(&m, o.model_path) != CLF_OK) {
        fprintf(stderr, "classify score: %s\n", clf_last_error());
        return 2;
    }
    run r;
    memset(&r, 0, sizeof r);
    r.o = &o;
    r.m = m;
    size_t K = clf_model_num_categories(m);
    int status = 0;
    for (int t = 0; t < o.threads; t++) {
        if (clf_scorer_new(&r.scorers[t], m) != CLF_OK) {
            fprintf(stderr, "classify score: %s\n", clf_last_error());
            status = 2;
            goto done;
        }
        clf_scorer_set_max_bytes(r.scorers[t], o.max_bytes);
        for (int i = 0; i < o.nthr; i++) {
            size_t k;
            if (clf_model_category_index(m, o.thr_names[i], &k) != CLF_OK) {
                status = clf_cli_usage_error("score", "--threshold: the model has no category '%s'",
                                             o.thr_names[i]);
                goto done;
            }
            clf_scorer_set_threshold(r.scorers[t], k, o.thr_values[i]);
        }
    }
    r.cap = (size_t)o.threads * BATCH_PER_THREAD;
    r.docs = calloc(r.cap, sizeof *r.docs);
    clf_score_result *results = calloc(r.cap * K, sizeof *results);
    if (!r.docs || !results) {
        fprintf(stderr, "classify score: out of memory\n");
        free(results);
        status = 2;
        goto done;
    }
    for (size_t i = 0; i < r.cap; i++)
        r.docs[i].res = results + i * K;

    if (!o.output_set && isatty(STDOUT_FILENO))
        o.table = 1; /* people at a terminal read a table; pipes get JSON Lines */
    if (o.table) {
        clf_cli_table_init(&r.table, o.color);
        r.table.top_words = o.explain ? o.explain : 3;
        r.table.explain_all = o.explain_all;
        if (o.top_spans)
            r.table.top_spans = o.top_spans;
        clf_cli_table_header(stdout, &r.table, m, r.scorers[0]);
    }
    if (o.tsv_out) {
        printf("id");
        for (size_t k = 0; k < K; k++)
            printf("\t%s", clf_model_category_name(m, k));
        printf("\tflagged\tabstain\terror\n");
    }
    int nfiles = argc - optind;
    for (int i = 0; i < (nfiles ? nfiles : 1) && status != 2; i++) {
        const char *path = nfiles ? argv[optind + i] : "-";
        int fmt = o.format;
        if (fmt == CLF_FORMAT_AUTO && strcmp(path, "-") != 0)
            fmt = detect_file_format(path);
        int s = score_input(&r, path, fmt);
        if (s)
            status = s;
    }
    if (r.n)
        flush_batch(&r, 0);
    if (status == 0 && r.had_errors)
        status = 1;
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "classify score: write error\n");
        status = 2;
    }
    free(results);
done:
    free(r.docs);
    for (int t = 0; t < o.threads; t++)
        clf_scorer_free(r.scorers[t]);
    clf_model_free(m);
    return status;
}
