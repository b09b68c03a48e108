/*
 * cmd_normalize.c - `classify normalize` and `classify features`: show what
 * the first stages of the pipeline make of each document, for inspection.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "classify.h"
#include "commands.h"
#include "corpus.h"
#include "util.h"

typedef struct text_opts {
    clf_norm_options nopts;
    clf_feature_options fopts;
    const char *model_path;
    int use_model;
} text_opts;

static void normalize_help(void)
{
    printf("Usage: classify normalize [OPTIONS] [FILE...]\n\n"
           "Print the normalized form of each document (one per input line; stdin\n"
           "when no FILE is given). Output has one line per input line.\n\n"
           "Options:\n"
           "  --norm SPEC        steps: \"default\", \"none\" or a list such as\n"
           "                     \"default,-spaced\" (names: nfkc casefold diacritics\n"
           "                     tatweel letters lookalikes digits invisible elongation\n"
           "                     placeholders hashtags spaced punct)\n"
           "  --max-bytes N      cut longer documents (default 1M; 0 = no limit)\n"
           "  -h, --help         this help\n\n"
           "Exit status: 0 ok, 1 some lines were invalid (an empty line is printed\n"
           "in their place and the error goes to stderr), 2 usage or I/O error.\n");
}

static void features_help(void)
{
    printf("Usage: classify features [OPTIONS] [FILE...]\n\n"
           "Print the features of each document (one per input line; stdin when no\n"
           "FILE is given) as TSV: line, family, bucket, count, weight, n-gram.\n\n"
           "Options:\n"
           "  --model M          use model M's options and IDF weights\n"
           "  --norm SPEC        normalization steps (see classify normalize --help)\n"
           "  --word-ngrams N    word n-grams 1..N (0 = off; default 2)\n"
           "  --char-ngrams A-B  char n-grams of A..B code points (0 = off; default 2-5)\n"
           "  --char-mode M      within | across | both (default within)\n"
           "  --no-stems         no Arabic stems\n"
           "  --hash-bits B      2^B buckets (default 20)\n"
           "  --seed S           hash seed (default 0)\n"
           "  --max-bytes N      cut longer documents (default 1M; 0 = no limit)\n"
           "  -h, --help         this help\n");
}

enum { OPT_NORM = 256, OPT_MAXB, OPT_MODEL, OPT_WORD, OPT_CHAR, OPT_CMODE, OPT_NOSTEM,
       OPT_BITS, OPT_SEED };

static int parse_opts(const char *cmd, int argc, char **argv, text_opts *o, int features)
{
    static const struct option longopts[] = {
        {"norm", required_argument, NULL, OPT_NORM},
        {"max-bytes", required_argument, NULL, OPT_MAXB},
        {"model", required_argument, NULL, OPT_MODEL},
        {"word-ngrams", required_argument, NULL, OPT_WORD},
        {"char-ngrams", required_argument, NULL, OPT_CHAR},
        {"char-mode", required_argument, NULL, OPT_CMODE},
        {"no-stems", no_argument, NULL, OPT_NOSTEM},
        {"hash-bits", required_argument, NULL, OPT_BITS},
        {"seed", required_argument, NULL, OPT_SEED},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    clf_norm_options_init(&o->nopts);
    clf_feature_options_init(&o->fopts);
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (!features && c >= OPT_MODEL)
            return clf_cli_usage_error(cmd, "unknown option");
        switch (c) {
        case 'h':
            features ? features_help() : normalize_help();
            return -1;
        case OPT_NORM:
            if (clf_norm_parse_flags(optarg, &o->nopts.flags) != CLF_OK)
                return clf_cli_usage_error(cmd, "--norm: %s", clf_last_error());
            break;
        case OPT_MAXB:
            if (clf_cli_parse_size(optarg, 0, (size_t)1 << 30, &o->nopts.max_bytes))
                return clf_cli_usage_error(cmd, "--max-bytes: a size up to 1G (0 = no limit), "
                                                "not '%s'", optarg);
            break;
        case OPT_MODEL:
            o->model_path = optarg;
            o->use_model = 1;
            break;
        case OPT_WORD:
            if (clf_cli_parse_uint(optarg, 0, CLF_MAX_WORD_NGRAM, &o->fopts.word_ngram_max))
                return clf_cli_usage_error(cmd, "--word-ngrams: 0..%d, not '%s'",
                                           CLF_MAX_WORD_NGRAM, optarg);
            break;
        case OPT_CHAR: {
            unsigned a = 0, b = 0;
            if (!strcmp(optarg, "0")) {
                o->fopts.char_ngram_max = 0;
            } else if (clf_cli_parse_range(optarg, 1, CLF_MAX_CHAR_NGRAM, &a, &b) == 0) {
                o->fopts.char_ngram_min = a;
                o->fopts.char_ngram_max = b;
            } else {
                return clf_cli_usage_error(cmd, "--char-ngrams: 0 or A-B with 1 <= A <= B <= %d, "
                                                "not '%s'", CLF_MAX_CHAR_NGRAM, optarg);
            }
            break;
        }
        case OPT_CMODE:
            if (!strcmp(optarg, "within")) o->fopts.char_mode = CLF_CHAR_WITHIN;
            else if (!strcmp(optarg, "across")) o->fopts.char_mode = CLF_CHAR_ACROSS;
            else if (!strcmp(optarg, "both")) o->fopts.char_mode = CLF_CHAR_BOTH;
            else return clf_cli_usage_error(cmd, "--char-mode: within, across or both");
            break;
        case OPT_NOSTEM:
            o->fopts.stems = 0;
            break;
        case OPT_BITS:
            if (clf_cli_parse_uint(optarg, CLF_MIN_HASH_BITS, CLF_MAX_HASH_BITS, &o->fopts.hash_bits))
                return clf_cli_usage_error(cmd, "--hash-bits: %d..%d, not '%s'", CLF_MIN_HASH_BITS,
                                           CLF_MAX_HASH_BITS, optarg);
            break;
        case OPT_SEED:
            if (clf_cli_parse_u64(optarg, 0, UINT64_MAX, &o->fopts.hash_seed))
                return clf_cli_usage_error(cmd, "--seed: an integer 0..2^64-1, not '%s'", optarg);
            break;
        default:
            return clf_cli_usage_error(cmd, "unknown option");
        }
    }
    return 0;
}

/* Runs fn over every line of every input; returns the exit status. */
static int for_each_line(const char *cmd, int argc, char **argv, size_t max_bytes,
                         int (*fn)(void *ctx, const clf_record *rec, const char *name),
                         void *ctx)
{
    int status = 0;
    int nfiles = argc - optind;
    for (int i = 0; i < (nfiles ? nfiles : 1); i++) {
        const char *path = nfiles ? argv[optind + i] : "-";
        clf_reader *r;
        clf_reader_options ro = CLF_READER_OPTIONS_INIT;
        ro.max_record_bytes = max_bytes ? max_bytes : (size_t)1 << 30;
        if (clf_reader_open(&r, path, CLF_FORMAT_TEXT, &ro) != CLF_OK) {
            fprintf(stderr, "classify %s: %s\n", cmd, clf_last_error());
            return 2;
        }
        clf_record rec;
        int rc;
        int stream = clf_cli_is_stream(stdout);
        while ((rc = clf_reader_next(r, &rec)) == 1) {
            if (fn(ctx, &rec, clf_reader_name(r)) != 0)
                status = 1;
            if (stream)
                fflush(stdout);
        }
        if (rc < 0) {
            fprintf(stderr, "classify %s: %s\n", cmd, clf_last_error());
            status = 2;
        }
        clf_reader_close(r);
        if (status == 2)
            break;
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "classify %s: write error\n", cmd);
        return 2;
    }
    return status;
}

static int normalize_one(void *ctx, const clf_record *rec, const char *name)
{
    clf_normalizer *n = ctx;
    const char *out;
    size_t len;
    int rc = rec->error;
    if (rc == CLF_OK)
        rc = clf_normalize(n, rec->text, rec->text_len, &out, &len, NULL);
    if (rc != CLF_OK) {
        if (rec->error)
            fprintf(stderr, "classify normalize: %s\n", rec->error_msg);
        else
            fprintf(stderr, "classify normalize: %s:%zu: %s\n", name, rec->line, clf_last_error());
        putchar('\n');
        return 1;
    }
    fwrite(out, 1, len, stdout);
    putchar('\n');
    return 0;
}

int cmd_normalize(int argc, char **argv)
{
    text_opts o;
    memset(&o, 0, sizeof o);
    int rc = parse_opts("normalize", argc, argv, &o, 0);
    if (rc)
        return rc < 0 ? 0 : rc;
    clf_normalizer *n;
    if (clf_normalizer_new(&n, &o.nopts) != CLF_OK) {
        fprintf(stderr, "classify normalize: %s\n", clf_last_error());
        return 2;
    }
    /* the reader cuts at max_bytes by the normalizer's rule (a character boundary) */
    rc = for_each_line("normalize", argc, argv, o.nopts.max_bytes, normalize_one, n);
    clf_normalizer_free(n);
    return rc;
}

typedef struct feat_ctx {
    clf_featurizer *f;
    const clf_model *model; /* weights and drops as this model does, or NULL */
} feat_ctx;

static int features_one(void *ctx, const clf_record *rec, const char *name)
{
    feat_ctx *c = ctx;
    const clf_feature_text *ft;
    size_t n;
    int rc = rec->error;
    if (rc == CLF_OK)
        rc = clf_featurize_text(c->f, rec->text, rec->text_len, c->model, &ft, &n);
    if (rc != CLF_OK) {
        if (rec->error)
            fprintf(stderr, "classify features: %s\n", rec->error_msg);
        else
            fprintf(stderr, "classify features: %s:%zu: %s\n", name, rec->line, clf_last_error());
        return 1;
    }
    for (size_t i = 0; i < n; i++)
        printf("%zu\t%s\t%u\t%u\t%.6f\t%s\n", rec->line, clf_family_name(ft[i].family),
               ft[i].index, ft[i].count, ft[i].value, ft[i].text);
    return 0;
}

int cmd_features(int argc, char **argv)
{
    text_opts o;
    memset(&o, 0, sizeof o);
    int rc = parse_opts("features", argc, argv, &o, 1);
    if (rc)
        return rc < 0 ? 0 : rc;
    clf_model *m = NULL;
    feat_ctx c = {NULL, NULL};
    if (o.use_model) {
        if (clf_model_load(&m, o.model_path) != CLF_OK) {
            fprintf(stderr, "classify features: %s\n", clf_last_error());
            return 2;
        }
        clf_model_options(m, &o.nopts, &o.fopts);
        c.model = m;
    }
    if (clf_featurizer_new(&c.f, &o.nopts, &o.fopts) != CLF_OK) {
        fprintf(stderr, "classify features: %s\n", clf_last_error());
        clf_model_free(m);
        return 2;
    }
    rc = for_each_line("features", argc, argv, o.nopts.max_bytes, features_one, &c);
    clf_featurizer_free(c.f);
    clf_model_free(m);
    return rc;
}
