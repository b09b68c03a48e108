/*
 * cmd_score.c - `classify score`: score documents with a model and write
 * one result per input record, in input order, as JSON Lines or TSV.
 *
 * N threads (each with its own clf_scorer on the one shared model) take
 * turns at the reader (io/corpus.h): each reads a chunk of records, scores
 * and formats it (record.h) on its own, and whoever completes the oldest
 * chunk writes every completed chunk in input order, outside the lock that
 * the others take to hand in theirs. Reading and writing thus overlap with
 * scoring and no thread waits for a batch to end; at most 8N chunks exist
 * (2 for one thread), each of at most ~16 KB of text unless one document
 * is longer. When an input is not a regular file, a chunk ends
 * whenever the reader has nothing more buffered and is written and
 * flushed at once, so the command works as a streaming filter.
 *
 * This command uses the runtime, io/ and its own cli/ files only: nothing
 * from training/ or eval/ (the build checks it, see CMakeLists.txt).
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

#include "args.h"
#include "classify.h"
#include "commands.h"
#include "corpus.h"
#include "out.h"
#include "record.h"
#include "util.h"

#define MAX_THREADS 64
#define CHUNK_DOCS 64                      /* records read, scored and written together */
#define CHUNK_BYTES ((size_t)16 << 10)     /* a chunk ends past this much text (memory) */
#define MAX_TEXT_BYTES ((size_t)1 << 30)

typedef struct doc {
    char *id;           /* in the chunk's arena (set once the chunk is read) */
    char *text;         /* in the arena, NUL-terminated; NULL for an error record */
    size_t id_off, text_off;
    size_t len;
    size_t line;
    const char *source; /* printed, or NULL (owned by the run's argv) */
    json_t *json;       /* JSONL input object to pass through, or NULL */
    int truncated;
    int abstain;
    int rc;             /* CLF_OK, or the error of this record */
    char *errmsg;
    int nflagged;
    int oom;            /* formatting ran out of memory: reported, never dropped */
    clf_score_result *res;
    clf_explanation *ex;
    clf_spans *spans;   /* --spans */
} doc;

typedef struct score_opts {
    const char *model_path;
    int format;         /* clf_format */
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
    const char *id_field, *text_field;
    clf_cli_thresholds thr;
    clf_cli_thresholds flag; /* --flag CAT (value 1), --report-only CAT (value 0), in order */
} score_opts;

typedef struct job {
    clf_scorer *scorer;
    const clf_model *m;
    const score_opts *o;
    size_t ncat;
    const clf_cli_table *table; /* NULL unless --output table */
    const clf_cli_jsonl_names *names; /* the model's quoted names (JSON Lines) */
} job;

static void help(void)
{
    printf(
        "Usage: classify score [OPTIONS] [FILE...]\n\n"
        "Score documents for each category of a model (default: the shipped model)\n"
        "and print one result per input record, in input order.\n\n"
        "Input (stdin when no FILE is given; FILE may be a pipe or FIFO):\n"
        "  --format F         text   one document per line\n"
        "                     tsv    id<TAB>labels<TAB>text (header line optional)\n"
        "                     jsonl  {\"id\":..., \"text\":...}; other fields pass through\n"
        "                     doc    each FILE (or stdin) is one document (articles)\n"
        "                     auto   (default) jsonl or tsv if the first line looks like\n"
        "                            it; otherwise a FILE is one document and stdin is\n"
        "                            one document per line\n"
        "  --id-field NAME    jsonl: the field holding the id (default \"id\")\n"
        "  --text-field NAME  jsonl: the field holding the text (default \"text\")\n"
        "  --max-bytes N      score the first N bytes of each text, cut back to a\n"
        "                     character boundary, and mark it \"truncated\": true\n"
        "                     (default 1M, at most 1G; k, M, G suffixes)\n\n"
        "Model and decisions:\n"
        "  -m, --model M      model file (default: $CLF_MODEL or the shipped model)\n"
        "  -t, --threshold C=P[,C=P...]  override category C's threshold (repeatable);\n"
        "                     a report-only category stays report-only\n"
        "  --flag C[,C...]    flag report-only category C at its threshold (repeatable)\n"
        "  --report-only C[,C...]  never flag category C: list it under \"signals\"\n"
        "                     when it reaches its threshold (repeatable)\n\n"
        "Output (stdout):\n"
        "  --output F         jsonl  JSON Lines (the default in a pipe): {\"id\", \"model\",\n"
        "                            \"scores\": {cat: p}, \"flagged\": [cats]}; with a\n"
        "                            report-only category, \"signals\": [cats] too\n"
        "                     tsv    a \"# model:\" line, then id, one column per\n"
        "                            category, flagged, (signals,) abstain, error,\n"
        "                            truncated, source\n"
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
        "A bad record (invalid JSON or UTF-8, missing text) or a FILE that cannot be\n"
        "read gives an error record in its place ({\"id\", \"line\", \"source\", \"error\"})\n"
        "and the run goes on. Exit status: 0 ok, 1 some records had errors, 2 usage,\n"
        "model or output error.\n");
}

/* ---- options ------------------------------------------------------------- */

enum { OPT_FORMAT = 256, OPT_OUTPUT, OPT_EXPLAIN, OPT_ONLY, OPT_MAXB, OPT_IDF, OPT_TEXTF,
       OPT_EXPLAIN_ALL, OPT_COLOR, OPT_SPANS, OPT_TOP_SPANS, OPT_FLAG, OPT_REPORT_ONLY };

/* Each option group returns 0 (done), 2 (usage error, printed) or -1 (not its option). */
static int input_option(int c, const char *arg, score_opts *o)
{
    switch (c) {
    case OPT_FORMAT:
        if ((o->format = clf_format_parse(arg)) < 0 || o->format == CLF_FORMAT_FASTTEXT)
            return clf_cli_usage_error("score", "--format: auto, text, tsv, jsonl or doc");
        return 0;
    case OPT_IDF:
    case OPT_TEXTF:
        if (!*arg)
            return clf_cli_usage_error("score", "--%s-field: a field name", c == OPT_IDF ? "id" : "text");
        *(c == OPT_IDF ? &o->id_field : &o->text_field) = arg;
        return 0;
    case OPT_MAXB:
        return clf_cli_opt_size("score", "--max-bytes", arg, 1, MAX_TEXT_BYTES, &o->max_bytes);
    }
    return -1;
}

static int model_option(int c, const char *arg, score_opts *o)
{
    switch (c) {
    case 'm':
        o->model_path = arg;
        return 0;
    case 't':
        if (clf_cli_parse_thresholds(arg, &o->thr))
            return clf_cli_usage_error("score", "--threshold: expected CATEGORY=P[,CATEGORY=P...] "
                                                "with P in [0,1] (at most %d), not '%s'",
                                       CLF_CLI_MAX_THRESHOLDS, arg);
        return 0;
    case OPT_FLAG:
    case OPT_REPORT_ONLY:
        if (clf_cli_parse_category_list(arg, c == OPT_FLAG, &o->flag))
            return clf_cli_usage_error("score", "--%s: expected CATEGORY[,CATEGORY...] (at most %d), "
                                                "not '%s'", c == OPT_FLAG ? "flag" : "report-only",
                                       CLF_CLI_MAX_THRESHOLDS, arg);
        return 0;
    }
    return -1;
}

static int output_option(int c, const char *arg, score_opts *o)
{
    unsigned int v;
    switch (c) {
    case OPT_OUTPUT:
        o->output_set = 1;
        o->tsv_out = o->table = 0;
        if (!strcmp(arg, "tsv")) o->tsv_out = 1;
        else if (!strcmp(arg, "table")) o->table = 1;
        else if (strcmp(arg, "jsonl") != 0)
            return clf_cli_usage_error("score", "--output: jsonl, tsv or table");
        return 0;
    case OPT_COLOR:
        if (!strcmp(arg, "auto")) o->color = 0;
        else if (!strcmp(arg, "always")) o->color = 1;
        else if (!strcmp(arg, "never")) o->color = -1;
        else return clf_cli_usage_error("score", "--color: auto, always or never");
        return 0;
    case OPT_EXPLAIN_ALL:
        o->explain_all = 1;
        return 0;
    case OPT_SPANS:
        if (!arg || !strcmp(arg, "sentences"))
            o->spans = 1 + CLF_SPAN_SENTENCES;
        else if (!strcmp(arg, "paragraphs"))
            o->spans = 1 + CLF_SPAN_PARAGRAPHS;
        else
            return clf_cli_usage_error("score", "--spans: sentences or paragraphs");
        return 0;
    case OPT_TOP_SPANS:
    case OPT_EXPLAIN:
        if (clf_cli_opt_uint("score", c == OPT_EXPLAIN ? "--explain" : "--top-spans", arg,
                             c == OPT_EXPLAIN ? 0 : 1, 1000, NULL, &v))
            return 2;
        *(c == OPT_EXPLAIN ? &o->explain : &o->top_spans) = v;
        return 0;
    case OPT_ONLY:
        o->only_flagged = 1;
        return 0;
    case 'j':
        if (clf_cli_opt_uint("score", "--threads", arg, 1, MAX_THREADS, NULL, &v))
            return 2;
        o->threads = (int)v;
        return 0;
    }
    return -1;
}

/* Returns 0 to go on, -1 after --help, 2 after a usage error. */
static int parse_args(int argc, char **argv, score_opts *o)
{
    static const struct option longopts[] = {
        {"model", required_argument, NULL, 'm'},
        {"threshold", required_argument, NULL, 't'},
        {"flag", required_argument, NULL, OPT_FLAG},
        {"report-only", required_argument, NULL, OPT_REPORT_ONLY},
        {"threads", required_argument, NULL, 'j'},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"id-field", required_argument, NULL, OPT_IDF},
        {"text-field", required_argument, NULL, OPT_TEXTF},
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
    o->id_field = "id";
    o->text_field = "text";
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "hm:t:j:", longopts, NULL)) != -1) {
        if (c == 'h') {
            help();
            return -1;
        }
        int rc = input_option(c, optarg, o);
        if (rc < 0)
            rc = model_option(c, optarg, o);
        if (rc < 0)
            rc = output_option(c, optarg, o);
        if (rc < 0)
            return clf_cli_usage_error("score", "unknown option");
        if (rc)
            return rc;
    }
    return 0;
}

/* ---- scoring and formatting ------------------------------------------------ */

static void score_doc(doc *d, const job *j)
{
    clf_doc_info info = {0};
    if (j->o->explain) {
        d->rc = clf_explain(j->scorer, d->text, d->len, j->o->explain, &d->ex);
        if (d->rc == CLF_OK) {
            d->nflagged = 0;
            for (size_t k = 0; k < j->ncat; k++) {
                d->res[k] = *clf_explanation_result(d->ex, k);
                d->nflagged += d->res[k].flagged;
            }
            info = *clf_explanation_info(d->ex);
        }
    } else {
        int rc = clf_score(j->scorer, d->text, d->len, d->res, j->ncat, &info);
        d->rc = rc < 0 ? rc : CLF_OK;
        d->nflagged = rc < 0 ? 0 : rc;
    }
    if (d->rc != CLF_OK) {
        d->errmsg = strdup(clf_last_error());
        return;
    }
    d->truncated |= info.truncated;
    d->abstain = info.abstain;
    if (j->o->spans) {
        clf_span_options so = CLF_SPAN_OPTIONS_INIT;
        so.unit = j->o->spans - 1;
        if ((d->rc = clf_score_spans(&d->spans, j->scorer, d->text, d->len, &so)) != CLF_OK)
            d->errmsg = strdup(clf_last_error());
    }
}

static void format_table_row(clf_cli_buf *out, doc *d, const job *j)
{
    clf_cli_row row = {d->id, d->text, d->len, d->rc == CLF_OK ? d->res : NULL,
                       d->truncated, d->abstain, NULL, d->ex, d->spans, j->scorer};
    if (d->rc != CLF_OK)
        row.error = d->errmsg ? d->errmsg : clf_strerror(d->rc);
    char *p = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&p, &n);
    if (f) {
        clf_cli_table_row(f, j->table, j->m, &row);
        if (fclose(f) == 0)
            clf_cli_buf_put(out, p, n);
        else
            out->failed = 1;
    } else {
        out->failed = 1;
    }
    free(p);
}

/* Append d's output record to out; on allocation failure nothing of it stays
 * and d->oom says so. */
static void format_doc(clf_cli_buf *out, doc *d, const job *j)
{
    if (d->rc == CLF_OK && j->o->only_flagged && d->nflagged == 0)
        return;
    size_t mark = out->len;
    if (j->table) {
        format_table_row(out, d, j);
    } else {
        clf_cli_record r = {
            .id = d->id, .source = d->source, .line = d->line, .json = d->json,
            .id_field = j->o->id_field, .text_field = j->o->text_field, .rc = d->rc,
            .error = d->errmsg, .res = d->res, .truncated = d->truncated,
            .abstain = d->abstain, .ex = d->ex, .explain_all = j->o->explain_all,
            .spans = d->spans, .text = d->text, .scorer = j->scorer,
            .names = j->names};
        if (j->o->tsv_out)
            clf_cli_format_tsv(out, &r, j->m);
        else
            clf_cli_format_jsonl(out, &r, j->m);
    }
    if (out->failed) {
        out->failed = 0;
        out->len = mark;
        d->oom = 1;
    }
}

/* ---- chunks ---------------------------------------------------------------- */

typedef struct chunk {
    doc docs[CHUNK_DOCS];
    size_t n;
    size_t bytes;        /* text read into it */
    clf_cli_buf arena;   /* ids and texts, NUL-terminated */
    clf_cli_buf out;     /* the formatted records */
    size_t seq;          /* position in the output */
    int flush;           /* a stream waits for input after it: flush once written */
    struct chunk *next;  /* free list */
} chunk;

/*
 * The records' JSON objects are shared with the reader, which drops its own
 * reference on its next record, in whichever thread reads then; jansson's
 * json_decref reads the count without an atomic load, so every reference
 * of a record is dropped under in_lock (chunk_drop_json), never beside the
 * reader.
 */
static void chunk_drop_json(chunk *c)
{
    for (size_t i = 0; i < CHUNK_DOCS; i++) /* chunk_clear leaves them */
        if (c->docs[i].json) {
            json_decref(c->docs[i].json);
            c->docs[i].json = NULL;
        }
}

/* Empty c for reuse but for its JSON objects, which chunk_drop_json drops
 * after it, under in_lock. */
static void chunk_clear(chunk *c)
{
    for (size_t i = 0; i < c->n; i++) {
        doc *d = &c->docs[i];
        free(d->errmsg);
        clf_explanation_free(d->ex);
        clf_spans_free(d->spans);
        clf_score_result *res = d->res;
        json_t *json = d->json;
        memset(d, 0, sizeof *d);
        d->res = res;
        d->json = json;
    }
    c->n = 0;
    c->bytes = 0;
    c->flush = 0;
    c->arena.len = 0;
    c->out.len = 0;
    /* one long document must not keep its memory for the rest of the run */
    if (c->arena.cap > 4 * CHUNK_BYTES)
        clf_cli_buf_free(&c->arena);
    if (c->out.cap > 4 * CHUNK_BYTES)
        clf_cli_buf_free(&c->out);
}

/* ---- the run --------------------------------------------------------------- */

typedef struct run {
    score_opts *o;
    const clf_model *m;
    clf_scorer *scorers[MAX_THREADS];
    clf_cli_table table;
    clf_cli_jsonl_names names; /* quoted once for every record */
    char **paths;       /* the inputs; "-" when none were given */
    int npaths;
    int multi;          /* several inputs: every record names its source */
    chunk *chunks;      /* setup_chunks */
    size_t nchunks;

    /* reading, under in_lock */
    pthread_mutex_t in_lock;
    pthread_cond_t chunk_free;
    chunk *free_list;
    int next_path;
    clf_reader *rd;
    const char *rd_path;
    int rd_stream;
    int in_done;
    size_t next_seq;

    /* writing: handing in and taking out chunks under out_lock */
    pthread_mutex_t out_lock;
    chunk **ready;      /* completed chunks by seq % nchunks */
    size_t next_out;
    int writing;        /* a thread is writing (outside out_lock): it writes yours too */
    int had_errors;     /* only the writing thread touches it */
} run;

static doc *new_doc(chunk *c)
{
    doc *d = &c->docs[c->n++];
    d->id_off = d->text_off = SIZE_MAX;
    return d;
}

static size_t arena_put(chunk *c, const char *s, size_t n)
{
    size_t off = c->arena.len;
    clf_cli_buf_put(&c->arena, s, n);
    clf_cli_buf_put(&c->arena, "", 1);
    return off;
}

static void set_error(doc *d, int rc, const char *msg)
{
    d->rc = rc;
    free(d->errmsg);
    d->errmsg = strdup(msg && *msg ? msg : clf_strerror(rc));
}

/* An input that cannot be opened or read: one error record in its place. */
static void input_error(chunk *c, const char *path, size_t line)
{
    doc *d = new_doc(c);
    d->id_off = arena_put(c, path, strlen(path));
    d->source = path;
    d->line = line;
    set_error(d, CLF_E_IO, clf_last_error());
}

static void add_record(run *r, chunk *c, const clf_record *rec)
{
    doc *d = new_doc(c);
    d->id_off = arena_put(c, rec->id, strlen(rec->id));
    d->line = rec->line;
    d->source = r->multi || rec->error != CLF_OK ? r->rd_path : NULL;
    d->truncated = rec->truncated;
    if (rec->json)
        d->json = json_incref((json_t *)rec->json);
    if (rec->error != CLF_OK) {
        set_error(d, rec->error, rec->error_msg);
    } else {
        d->text_off = arena_put(c, rec->text, rec->text_len);
        d->len = rec->text_len;
        c->bytes += d->len;
    }
}

static int is_stream(const char *path)
{
    struct stat st;
    int ok = strcmp(path, "-") == 0 ? fstat(0, &st) == 0 : stat(path, &st) == 0;
    return !ok || !S_ISREG(st.st_mode);
}

/* Open the next input into r->rd; 0 when there is none left. An input that
 * cannot be opened becomes an error record of c. */
static int open_next(run *r, chunk *c)
{
    while (r->next_path < r->npaths) {
        const char *path = r->paths[r->next_path++];
        clf_reader_options ro = CLF_READER_OPTIONS_INIT;
        ro.max_record_bytes = r->o->max_bytes;
        ro.id_field = r->o->id_field;
        ro.text_field = r->o->text_field;
        /* auto: a named file that is not records is one document; stdin is lines */
        ro.auto_fallback = strcmp(path, "-") ? CLF_FORMAT_DOC : CLF_FORMAT_TEXT;
        if (clf_reader_open(&r->rd, path, (clf_format)r->o->format, &ro) != CLF_OK) {
            r->rd = NULL;
            input_error(c, path, 0);
            return 1; /* the error record is a record: the chunk may end here */
        }
        r->rd_path = path;
        r->rd_stream = is_stream(path);
        return 1;
    }
    return 0;
}

/* Fill c with the next records (in_lock held). */
static void fill_chunk(run *r, chunk *c)
{
    while (!r->in_done && c->n < CHUNK_DOCS && c->bytes < CHUNK_BYTES) {
        if (!r->rd) {
            if (!open_next(r, c))
                r->in_done = 1;
            continue;
        }
        clf_record rec;
        int rc = clf_reader_next(r->rd, &rec);
        if (rc == 1) {
            add_record(r, c, &rec);
            /* a stream: write what has arrived before waiting for more */
            if (r->rd_stream && clf_reader_buffered(r->rd) == 0) {
                c->flush = 1;
                break;
            }
            continue;
        }
        if (rc < 0) /* the records read so far stand; the rest of the input is one error */
            input_error(c, r->rd_path, rec.line);
        int was_stream = r->rd_stream;
        clf_reader_close(r->rd);
        r->rd = NULL;
        if (was_stream && c->n) { /* the end of a stream: out with it */
            c->flush = 1;
            break;
        }
    }
    for (size_t i = 0; i < c->n; i++) { /* the arena has stopped moving */
        doc *d = &c->docs[i];
        if (c->arena.failed) {
            if (d->rc == CLF_OK)
                set_error(d, CLF_E_NOMEM, "out of memory");
            d->id = (char *)"";
            d->text = NULL;
            d->len = 0;
            continue;
        }
        d->id = c->arena.p + d->id_off;
        d->text = d->text_off == SIZE_MAX ? NULL : c->arena.p + d->text_off;
    }
}

/* Take out the chunks to write next, in order, while the next one is
 * complete (out_lock held); the last one's next is NULL. */
static chunk *take_ready(run *r)
{
    chunk *first = NULL, **tail = &first, *c;
    while ((c = r->ready[r->next_out % r->nchunks]) && c->seq == r->next_out) {
        r->ready[r->next_out % r->nchunks] = NULL;
        r->next_out++;
        *tail = c;
        tail = &c->next;
    }
    *tail = NULL;
    return first;
}

/* Write the chunks of list (by the one thread that is writing). */
static void write_chunks(run *r, chunk *list)
{
    for (chunk *c = list; c; c = c->next) {
        for (size_t i = 0; i < c->n; i++) {
            doc *d = &c->docs[i];
            if (d->rc != CLF_OK)
                r->had_errors = 1;
            if (d->oom) { /* never drop a record silently */
                fprintf(stderr, "classify score: out of memory formatting record %zu\n", d->line);
                r->had_errors = 1;
            }
        }
        if (c->out.len)
            fwrite(c->out.p, 1, c->out.len, stdout);
        if (c->flush)
            fflush(stdout);
    }
}

/* Empty the written chunks of list and put them back on the free list. */
static void recycle(run *r, chunk *list)
{
    for (chunk *k = list; k; k = k->next)
        chunk_clear(k);
    pthread_mutex_lock(&r->in_lock);
    while (list) {
        chunk *k = list;
        list = k->next;
        chunk_drop_json(k);
        k->next = r->free_list;
        r->free_list = k;
    }
    pthread_cond_broadcast(&r->chunk_free);
    pthread_mutex_unlock(&r->in_lock);
}

/* Hand in the completed chunk c; unless another thread is writing (it will
 * write c too), write every chunk that has become writable, in order. */
static void hand_in(run *r, chunk *c)
{
    pthread_mutex_lock(&r->out_lock);
    r->ready[c->seq % r->nchunks] = c;
    if (r->writing) {
        pthread_mutex_unlock(&r->out_lock);
        return;
    }
    r->writing = 1;
    chunk *list;
    while ((list = take_ready(r))) {
        pthread_mutex_unlock(&r->out_lock);
        write_chunks(r, list);
        recycle(r, list);
        pthread_mutex_lock(&r->out_lock);
    }
    r->writing = 0;
    pthread_mutex_unlock(&r->out_lock);
}

/* One thread's loop: take a free chunk and the reader, read, score and
 * format on its own, then write whatever has become writable. */
static void work(run *r, const job *j)
{
    for (;;) {
        pthread_mutex_lock(&r->in_lock);
        while (!r->free_list && !r->in_done)
            pthread_cond_wait(&r->chunk_free, &r->in_lock);
        if (r->in_done) {
            pthread_mutex_unlock(&r->in_lock);
            return;
        }
        chunk *c = r->free_list;
        r->free_list = c->next;
        fill_chunk(r, c);
        c->seq = r->next_seq;
        if (c->n)
            r->next_seq++;
        else { /* nothing left to read */
            c->next = r->free_list;
            r->free_list = c;
            c = NULL;
        }
        if (r->in_done) /* wake the threads waiting for a chunk: they are done */
            pthread_cond_broadcast(&r->chunk_free);
        pthread_mutex_unlock(&r->in_lock);
        if (!c)
            return;

        for (size_t i = 0; i < c->n; i++) {
            doc *d = &c->docs[i];
            if (d->rc == CLF_OK)
                score_doc(d, j);
            format_doc(&c->out, d, j); /* as costly as scoring: no serial step */
        }

        hand_in(r, c);
    }
}

typedef struct worker {
    run *r;
    job j;
} worker;

static void *work_thread(void *arg)
{
    worker *w = arg;
    work(w->r, &w->j);
    return NULL;
}

/* Score every input with o->threads threads (this one included). */
static void score_all(run *r)
{
    int T = r->o->threads;
    size_t K = clf_model_num_categories(r->m);
    worker w[MAX_THREADS];
    pthread_t tids[MAX_THREADS];
    int started[MAX_THREADS] = {0};
    for (int t = 0; t < T; t++)
        w[t] = (worker){r, {r->scorers[t], r->m, r->o, K, r->o->table ? &r->table : NULL,
                            &r->names}};
    for (int t = 1; t < T; t++)
        started[t] = pthread_create(&tids[t], NULL, work_thread, &w[t]) == 0;
    work(r, &w[0].j); /* a thread that could not start leaves its share to the others */
    for (int t = 1; t < T; t++)
        if (started[t])
            pthread_join(tids[t], NULL);
}

static int setup_scorers(run *r, clf_model *m)
{
    for (int t = 0; t < r->o->threads; t++) {
        if (clf_scorer_new(&r->scorers[t], m) != CLF_OK ||
            clf_scorer_set_max_bytes(r->scorers[t], r->o->max_bytes) != CLF_OK) {
            fprintf(stderr, "classify score: %s\n", clf_last_error());
            return 2;
        }
        for (size_t i = 0; i < r->o->thr.n; i++) {
            size_t k;
            if (clf_model_category_index(m, r->o->thr.names[i], &k) != CLF_OK)
                return clf_cli_usage_error("score", "--threshold: the model has no category '%s'",
                                           r->o->thr.names[i]);
            clf_scorer_set_threshold(r->scorers[t], k, r->o->thr.values[i]);
        }
        for (size_t i = 0; i < r->o->flag.n; i++) { /* in order: the last word wins */
            size_t k;
            if (clf_model_category_index(m, r->o->flag.names[i], &k) != CLF_OK)
                return clf_cli_usage_error("score", "--%s: the model has no category '%s'",
                                           r->o->flag.values[i] ? "flag" : "report-only",
                                           r->o->flag.names[i]);
            clf_scorer_set_flagging(r->scorers[t], k, r->o->flag.values[i] != 0);
        }
    }
    return 0;
}

static int setup_chunks(run *r, clf_score_result **results)
{
    size_t K = clf_model_num_categories(r->m);
    /* Chunks are written in order: a thread whose chunks are all done but not
     * yet writable (another thread, maybe descheduled, holds the oldest) waits
     * for a free one. On 200,000 corpus lines and 2 threads that happened to
     * 269-348 of ~3,300 chunks with 2 per thread, 0-29 with 8 (load 8-10);
     * chunks of <= 16 KB of text keep 8 per thread within the peak RSS that 2
     * of up to 256 KB had. One thread never waits. */
    r->nchunks = r->o->threads > 1 ? 8 * (size_t)r->o->threads : 2;
    r->chunks = calloc(r->nchunks, sizeof *r->chunks);
    r->ready = calloc(r->nchunks, sizeof *r->ready);
    *results = calloc(r->nchunks * CHUNK_DOCS * K, sizeof **results);
    if (!r->chunks || !r->ready || !*results)
        return -1;
    for (size_t c = 0; c < r->nchunks; c++) {
        for (size_t i = 0; i < CHUNK_DOCS; i++)
            r->chunks[c].docs[i].res = *results + (c * CHUNK_DOCS + i) * K;
        r->chunks[c].next = r->free_list;
        r->free_list = &r->chunks[c];
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
    pthread_mutex_init(&r.in_lock, NULL);
    pthread_mutex_init(&r.out_lock, NULL);
    pthread_cond_init(&r.chunk_free, NULL);
    clf_score_result *results = NULL;
    int status = setup_scorers(&r, m);
    if (status)
        goto done;
    if (setup_chunks(&r, &results) != 0 || clf_cli_jsonl_names_init(&r.names, m) != 0) {
        fprintf(stderr, "classify score: out of memory\n");
        status = 2;
        goto done;
    }

    if (!o.output_set && isatty(STDOUT_FILENO))
        o.table = 1; /* people at a terminal read a table; pipes get JSON Lines */
    else
        setvbuf(stdout, NULL, _IOFBF, (size_t)64 << 10); /* fewer write calls */
    if (o.table) {
        clf_cli_table_init(&r.table, o.color);
        r.table.top_words = o.explain ? o.explain : 3;
        r.table.explain_all = o.explain_all;
        if (o.top_spans)
            r.table.top_spans = o.top_spans;
        clf_cli_table_header(stdout, &r.table, m, r.scorers[0]);
    } else if (o.tsv_out) {
        clf_cli_tsv_header(stdout, m, r.scorers[0]);
    }
    static char *stdin_only[] = {"-"};
    int nfiles = argc - optind;
    r.paths = nfiles ? argv + optind : stdin_only;
    r.npaths = nfiles ? nfiles : 1;
    r.multi = nfiles > 1;
    score_all(&r);
    status = r.had_errors ? 1 : 0;
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "classify score: write error on stdout: %s\n", strerror(errno));
        status = 2;
    }
done:
    for (size_t c = 0; c < r.nchunks && r.chunks; c++) {
        chunk_drop_json(&r.chunks[c]);
        chunk_clear(&r.chunks[c]);
        clf_cli_buf_free(&r.chunks[c].arena);
        clf_cli_buf_free(&r.chunks[c].out);
    }
    free(r.chunks);
    free(r.ready);
    clf_cli_jsonl_names_free(&r.names);
    free(results);
    for (int t = 0; t < o.threads; t++)
        clf_scorer_free(r.scorers[t]);
    pthread_mutex_destroy(&r.in_lock);
    pthread_mutex_destroy(&r.out_lock);
    pthread_cond_destroy(&r.chunk_free);
    clf_model_free(m);
    return status;
}
