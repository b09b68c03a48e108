/*
 * cmd_eval.c - `classify eval`: measure a model on labeled corpora (a
 * recipe's corpora or ad-hoc files), optionally against a second model or
 * by cross-validation of a recipe, and write the report as a terminal
 * table, JSON and a self-contained HTML page. See docs/eval.md.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "args.h"
#include "atomic.h"
#include "classify.h"
#include "commands.h"
#include "corpus.h"
#include "cv.h"
#include "evaluate.h"
#include "functional.h"
#include "recipe.h"
#include "util.h"

#define MAX_THRESHOLDS 64
#define MAX_CORPORA 64

typedef struct eval_args {
    const char *model, *compare, *recipe, *corpora, *split, *json, *html;
    const char *map, *annotates, *negatives;
    const char *functional, *compare_recipe;
    int gate, skip_bad_rows;
    int format;
    char *corpus_names[MAX_CORPORA];
    size_t n_corpus_names;
    size_t n_thr;
    char thr_names[MAX_THRESHOLDS][128];
    double thr_values[MAX_THRESHOLDS];
    clf_cli_thresholds flag;   /* --flag CAT (1), --report-only CAT (0): functional suites */
    clf_eval_options opts;
    size_t errors, explain;
    int verbose, quiet;
    unsigned int cv, threads;
    double min_f1, max_flag_rate;
} eval_args;

static void help(void)
{
    printf("Usage: classify eval [OPTIONS] --recipe RECIPE [--corpus NAME,...]\n"
           "       classify eval [OPTIONS] [--map LABEL=CAT[+CAT],...] FILE...\n"
           "       classify eval --cv K --recipe RECIPE [OPTIONS]\n"
           "       classify eval --functional SUITE [--gate] [-m MODEL] [OPTIONS]\n"
           "\n"
           "Score labeled corpora with a model and report, per corpus and pooled, per\n"
           "category: counts, precision, recall and F1 at the decision threshold with 95%%\n"
           "bootstrap intervals, average precision, ROC AUC, flag rate, precision at fixed\n"
           "recall and recall at fixed precision, a threshold sweep, calibration (reliability,\n"
           "ECE, Brier), micro and macro averages, and the top false positives and false\n"
           "negatives with the features behind them. A corpus without positives for a\n"
           "category (news for extremism) is judged by its flag rate. docs/eval.md defines\n"
           "every number.\n"
           "\n"
           "Data:\n"
           "  --recipe FILE        take corpora and label mapping from a training recipe\n"
           "  --corpus NAME,...    only these corpora of the recipe (repeatable; default all)\n"
           "  --split dev|train    which split of each recipe corpus (default dev)\n"
           "  --corpora DIR        folder of the recipe's plain relative paths (default\n"
           "                       $CLF_CORPORA, else the recipe's corpora_root, else its folder)\n"
           "  FILE...              labeled files (tsv, fasttext, jsonl), each its own corpus\n"
           "  --format FMT         auto (default), tsv, fasttext or jsonl for FILEs\n"
           "  --skip-bad-rows      skip and count malformed rows and unmapped labels\n"
           "                       (default: stop at the first, as classify train does)\n"
           "  --map L=C[+C],...    FILE labels to model categories (L= ignores a label,\n"
           "                       *=C maps any other label); default: labels are categories\n"
           "  --annotates C,...    categories the FILEs label (default: those --map names,\n"
           "                       or every model category without --map)\n"
           "  --negatives-for C,.. categories every FILE document is a negative of\n"
           "  --cv K               K-fold cross-validation of --recipe on its train splits:\n"
           "                       train on K-1 folds, score the held-out fold (slow)\n"
           "  --threads N          training threads for --cv (default: all CPUs)\n"
           "  --compare-recipe B   with --cv: cross-validate recipe B on the same folds and\n"
           "                       compare it with --recipe per corpus (paired bootstrap on\n"
           "                       the documents both scored; the others are counted)\n"
           "  --functional SUITE   run a functional test suite (eval/functional/*.json): per\n"
           "                       class the share flagged (benign) or recall (positive)\n"
           "  --gate               with --functional: exit 1 when a class misses the limit\n"
           "                       its suite sets (e.g. benign <= 2%% flagged)\n"
           "Models:\n"
           "  -m, --model FILE     the model (default: the shipped arabic-default model)\n"
           "  --compare FILE       a second model B: paired-bootstrap differences B - A\n"
           "  -t, --threshold C=P  override category C's threshold (both models; repeatable)\n"
           "  --flag C[,C...]      with --functional: count report-only category C as a flag\n"
           "  --report-only C[,C...]  with --functional: do not count category C as a flag\n"
           "Metrics:\n"
           "  --target-precision P report the threshold of highest recall with precision >= P\n"
           "  --target-recall R    report the threshold of highest precision with recall >= R\n"
           "  --levels L,...       levels for precision@recall and recall@precision\n"
           "                       (default 0.8,0.9,0.95)\n"
           "  --resamples N        bootstrap resamples (default 1000; 0 = no intervals)\n"
           "  --seed S             bootstrap seed (default 1)\n"
           "  --sweep-step S       threshold sweep step (default 0.05)\n"
           "  --errors K           false positives and negatives kept per category (default 5)\n"
           "  --explain K          features shown per error (default 5; 0 = none)\n"
           "Output:\n"
           "  --json FILE          the full report as JSON (schema libclassify-eval/1)\n"
           "  --html FILE          a self-contained HTML report with charts\n"
           "  -v, --verbose        print sweeps, operating points and errors on the terminal\n"
           "  -q, --quiet          print no table\n"
           "  --min-f1 F           exit 1 if a category with positives has F1 < F\n"
           "  --max-flag-rate R    exit 1 if a category without positives flags more than R\n"
           "\n"
           "Exit status: 0 success, 1 a --min-f1 / --max-flag-rate / --gate check failed,\n"
           "2 error.\n");
}

enum {
    OPT_COMPARE = 256, OPT_RECIPE, OPT_CORPUS, OPT_SPLIT, OPT_CORPORA, OPT_FORMAT, OPT_MAP,
    OPT_ANNOTATES, OPT_NEGATIVES, OPT_CV, OPT_THREADS, OPT_TP, OPT_TR, OPT_LEVELS, OPT_RESAMPLES,
    OPT_SEED, OPT_STEP, OPT_ERRORS, OPT_EXPLAIN, OPT_JSON, OPT_HTML, OPT_MINF1, OPT_MAXFR,
    OPT_FUNCTIONAL, OPT_GATE, OPT_SKIP, OPT_CMP_RECIPE, OPT_FLAG, OPT_REPORT_ONLY
};

static int parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
    uint64_t v;
    if (clf_cli_parse_u64(s, 0, max, &v))
        return -1;
    *out = (unsigned long)v;
    return 0;
}

static int parse_double(const char *s, double lo, double hi, double *out)
{
    return clf_cli_parse_double(s, lo, hi, out);
}

/* Returns 0 to go on, 1 after --help, 2 after a usage error (printed). */
static int parse_args(eval_args *a, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"model", required_argument, NULL, 'm'}, {"compare", required_argument, NULL, OPT_COMPARE},
        {"threshold", required_argument, NULL, 't'}, {"recipe", required_argument, NULL, OPT_RECIPE},
        {"corpus", required_argument, NULL, OPT_CORPUS}, {"split", required_argument, NULL, OPT_SPLIT},
        {"corpora", required_argument, NULL, OPT_CORPORA}, {"format", required_argument, NULL, OPT_FORMAT},
        {"map", required_argument, NULL, OPT_MAP}, {"annotates", required_argument, NULL, OPT_ANNOTATES},
        {"negatives-for", required_argument, NULL, OPT_NEGATIVES}, {"cv", required_argument, NULL, OPT_CV},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"target-precision", required_argument, NULL, OPT_TP},
        {"target-recall", required_argument, NULL, OPT_TR}, {"levels", required_argument, NULL, OPT_LEVELS},
        {"resamples", required_argument, NULL, OPT_RESAMPLES}, {"seed", required_argument, NULL, OPT_SEED},
        {"sweep-step", required_argument, NULL, OPT_STEP}, {"errors", required_argument, NULL, OPT_ERRORS},
        {"explain", required_argument, NULL, OPT_EXPLAIN}, {"json", required_argument, NULL, OPT_JSON},
        {"html", required_argument, NULL, OPT_HTML}, {"verbose", no_argument, NULL, 'v'},
        {"quiet", no_argument, NULL, 'q'}, {"min-f1", required_argument, NULL, OPT_MINF1},
        {"max-flag-rate", required_argument, NULL, OPT_MAXFR}, {"help", no_argument, NULL, 'h'},
        {"functional", required_argument, NULL, OPT_FUNCTIONAL}, {"gate", no_argument, NULL, OPT_GATE},
        {"skip-bad-rows", no_argument, NULL, OPT_SKIP},
        {"compare-recipe", required_argument, NULL, OPT_CMP_RECIPE},
        {"flag", required_argument, NULL, OPT_FLAG},
        {"report-only", required_argument, NULL, OPT_REPORT_ONLY},
        {NULL, 0, NULL, 0}};
    memset(a, 0, sizeof *a);
    a->split = "dev";
    a->format = CLF_FORMAT_AUTO;
    a->errors = 5;
    a->explain = 5;
    a->min_f1 = NAN;
    a->max_flag_rate = NAN;
    clf_eval_options_init(&a->opts);
    unsigned long u;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "hm:t:vq", longopts, NULL)) != -1) {
        switch (c) {
        case 'm': a->model = optarg; break;
        case OPT_COMPARE: a->compare = optarg; break;
        case 't': {
            clf_cli_thresholds t = {0};
            if (clf_cli_parse_thresholds(optarg, &t) || a->n_thr + t.n > MAX_THRESHOLDS)
                return clf_cli_usage_error("eval", "--threshold: expected CATEGORY=P[,CATEGORY=P...] "
                                                   "with P in [0,1], not '%s'", optarg);
            for (size_t i = 0; i < t.n; i++, a->n_thr++) {
                memcpy(a->thr_names[a->n_thr], t.names[i], sizeof t.names[i]);
                a->thr_values[a->n_thr] = t.values[i];
            }
            break;
        }
        case OPT_FLAG:
        case OPT_REPORT_ONLY:
            if (clf_cli_parse_category_list(optarg, c == OPT_FLAG, &a->flag))
                return clf_cli_usage_error("eval", "--%s: expected CATEGORY[,CATEGORY...], not '%s'",
                                           c == OPT_FLAG ? "flag" : "report-only", optarg);
            break;
        case OPT_RECIPE: a->recipe = optarg; break;
        case OPT_CORPUS:
            if (a->n_corpus_names == MAX_CORPORA)
                return clf_cli_usage_error("eval", "too many --corpus options");
            a->corpus_names[a->n_corpus_names++] = optarg;
            break;
        case OPT_SPLIT:
            if (strcmp(optarg, "dev") && strcmp(optarg, "train"))
                return clf_cli_usage_error("eval", "--split: dev or train");
            a->split = optarg;
            break;
        case OPT_CORPORA: a->corpora = optarg; break;
        case OPT_FORMAT:
            a->format = clf_format_parse(optarg);
            if (a->format < 0 || a->format == CLF_FORMAT_TEXT || a->format == CLF_FORMAT_DOC)
                return clf_cli_usage_error("eval", "--format: auto, tsv, fasttext or jsonl (labeled formats)");
            break;
        case OPT_MAP: a->map = optarg; break;
        case OPT_ANNOTATES: a->annotates = optarg; break;
        case OPT_NEGATIVES: a->negatives = optarg; break;
        case OPT_CV:
            if (parse_ulong(optarg, 20, &u) || u < 2)
                return clf_cli_usage_error("eval", "--cv: 2..20 folds");
            a->cv = (unsigned int)u;
            break;
        case OPT_THREADS:
            if (parse_ulong(optarg, 256, &u) || u < 1)
                return clf_cli_usage_error("eval", "--threads: 1..256");
            a->threads = (unsigned int)u;
            break;
        case OPT_TP:
            if (parse_double(optarg, 0, 1, &a->opts.target_precision))
                return clf_cli_usage_error("eval", "--target-precision: a number in [0,1]");
            break;
        case OPT_TR:
            if (parse_double(optarg, 0, 1, &a->opts.target_recall))
                return clf_cli_usage_error("eval", "--target-recall: a number in [0,1]");
            break;
        case OPT_LEVELS: {
            char buf[512];
            snprintf(buf, sizeof buf, "%s", optarg);
            a->opts.n_levels = 0;
            for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
                if (a->opts.n_levels == CLF_EVAL_MAX_LEVELS ||
                    parse_double(tok, 0, 1, &a->opts.levels[a->opts.n_levels]))
                    return clf_cli_usage_error("eval", "--levels: up to %d numbers in [0,1]", CLF_EVAL_MAX_LEVELS);
                a->opts.n_levels++;
            }
            break;
        }
        case OPT_RESAMPLES:
            if (parse_ulong(optarg, 100000, &u))
                return clf_cli_usage_error("eval", "--resamples: 0..100000");
            a->opts.resamples = (unsigned int)u;
            break;
        case OPT_SEED: {
            uint64_t v;
            if (clf_cli_parse_u64(optarg, 0, UINT64_MAX, &v))
                return clf_cli_usage_error("eval", "--seed: an integer 0..2^64-1");
            a->opts.seed = v;
            break;
        }
        case OPT_STEP:
            if (parse_double(optarg, 0.001, 0.5, &a->opts.sweep_step))
                return clf_cli_usage_error("eval", "--sweep-step: 0.001..0.5");
            break;
        case OPT_ERRORS:
            if (parse_ulong(optarg, 1000, &u))
                return clf_cli_usage_error("eval", "--errors: 0..1000");
            a->errors = u;
            break;
        case OPT_EXPLAIN:
            if (parse_ulong(optarg, 100, &u))
                return clf_cli_usage_error("eval", "--explain: 0..100");
            a->explain = u;
            break;
        case OPT_JSON: a->json = optarg; break;
        case OPT_HTML: a->html = optarg; break;
        case 'v': a->verbose = 1; break;
        case 'q': a->quiet = 1; break;
        case OPT_MINF1:
            if (parse_double(optarg, 0, 1, &a->min_f1))
                return clf_cli_usage_error("eval", "--min-f1: a number in [0,1]");
            break;
        case OPT_MAXFR:
            if (parse_double(optarg, 0, 1, &a->max_flag_rate))
                return clf_cli_usage_error("eval", "--max-flag-rate: a number in [0,1]");
            break;
        case OPT_FUNCTIONAL: a->functional = optarg; break;
        case OPT_GATE: a->gate = 1; break;
        case OPT_SKIP: a->skip_bad_rows = 1; break;
        case OPT_CMP_RECIPE: a->compare_recipe = optarg; break;
        case 'h': help(); return 1;
        default:
            return clf_cli_usage_error("eval", "unknown option or missing value: '%s'", argv[optind - 1]);
        }
    }
    int n_files = argc - optind;
    if (a->gate && !a->functional)
        return clf_cli_usage_error("eval", "--gate needs --functional SUITE");
    if (a->functional) {
        if (a->recipe || n_files > 0 || a->cv || a->compare || a->map || a->annotates || a->negatives)
            return clf_cli_usage_error("eval", "--functional runs a suite on its own: no --recipe, FILEs, "
                                               "--cv, --compare or label options");
        return 0;
    }
    if (!a->recipe && n_files == 0)
        return clf_cli_usage_error("eval", "no data: give --recipe RECIPE or labeled FILEs");
    if (a->recipe && n_files > 0)
        return clf_cli_usage_error("eval", "give either --recipe or FILEs, not both");
    if (a->recipe && (a->map || a->annotates || a->negatives))
        return clf_cli_usage_error("eval", "--map, --annotates and --negatives-for are for FILEs; a recipe "
                                           "has its own mapping");
    if (!a->recipe && a->n_corpus_names)
        return clf_cli_usage_error("eval", "--corpus needs --recipe");
    if (a->cv && !a->recipe)
        return clf_cli_usage_error("eval", "--cv needs --recipe");
    if (a->compare_recipe && !a->cv)
        return clf_cli_usage_error("eval", "--compare-recipe needs --cv K (use --compare for two models)");
    if (a->cv && (a->model || a->compare))
        return clf_cli_usage_error("eval", "--cv trains its own models: --model and --compare do not apply");
    if (a->quiet && a->verbose)
        return clf_cli_usage_error("eval", "--quiet and --verbose exclude each other");
    return 0;
}

/* Notes of the eval library (skipped rows, --cv progress) go to stderr. */
static void print_note(void *ctx, const char *msg)
{
    (void)ctx;
    fprintf(stderr, "classify eval: %s\n", msg);
}

/* The index of a model's category, or -1 when it has none of that name. */
static int category_index(const clf_model *m, const char *name)
{
    size_t k;
    return clf_model_category_index(m, name, &k) == CLF_OK ? (int)k : -1;
}

/* --corpora, else $CLF_CORPORA, else NULL (the recipe's own root); 2 when not a directory. */
static int corpora_dir(const eval_args *a, const char **dir)
{
    *dir = a->corpora;
    return clf_cli_corpora_dir("eval", dir);
}

/* Is recipe corpus `name` selected by the --corpus lists? */
static int corpus_selected(const eval_args *a, const char *name)
{
    if (a->n_corpus_names == 0)
        return 1;
    size_t len = strlen(name);
    for (size_t i = 0; i < a->n_corpus_names; i++)
        for (const char *p = a->corpus_names[i]; *p;) {
            size_t n = strcspn(p, ",");
            if (n == len && !strncmp(p, name, len))
                return 1;
            p += n + (p[n] == ',');
        }
    return 0;
}

/* Every --corpus name must exist in the recipe. */
static int check_corpus_names(const eval_args *a, const clf_recipe *r)
{
    for (size_t i = 0; i < a->n_corpus_names; i++)
        for (const char *p = a->corpus_names[i]; *p;) {
            size_t n = strcspn(p, ",");
            char name[CLF_RECIPE_MAX_NAME];
            snprintf(name, sizeof name, "%.*s", (int)n, p);
            if (clf_recipe_corpus_index(r, name) < 0) {
                fprintf(stderr, "classify eval: the recipe has no corpus '%s'\n", name);
                return -1;
            }
            p += n + (p[n] == ',');
        }
    return 0;
}

/* Translate a recipe category mask into a model category mask. */
static uint64_t to_model_mask(uint64_t rmask, const int *cat_map, size_t n)
{
    uint64_t m = 0;
    for (size_t k = 0; k < n && k < 64; k++)
        if ((rmask >> k & 1) && cat_map[k] >= 0)
            m |= (uint64_t)1 << cat_map[k];
    return m;
}

/* Report files go through the one atomic writer (io/atomic.h); one open at a time. */
static clf_atomic *out_writer;

static FILE *open_output(const char *path)
{
    if (clf_atomic_open(&out_writer, path) != CLF_OK) {
        fprintf(stderr, "classify eval: %s\n", clf_last_error());
        return NULL;
    }
    return clf_atomic_file(out_writer);
}

/* close_output - commit when the report was written (ok), else drop it; 0 or -1. */
static int close_output(int ok, const char *path)
{
    clf_atomic *a = out_writer;
    out_writer = NULL;
    if (!ok) {
        clf_atomic_abort(a);
        fprintf(stderr, "classify eval: could not write %s\n", path);
        return -1;
    }
    if (clf_atomic_commit(a) != CLF_OK) {
        fprintf(stderr, "classify eval: %s\n", clf_last_error());
        return -1;
    }
    return 0;
}

static int write_outputs(const eval_args *a, const clf_eval_report *rep)
{
    if (!a->quiet && (clf_eval_report_text(stdout, rep, a->verbose) != 0 ||
                      clf_eval_report_decision_text(stdout, rep) != 0)) {
        fprintf(stderr, "classify eval: writing to stdout failed\n");
        return 2;
    }
    fflush(stdout);
    const struct { const char *path; int (*write)(FILE *, const clf_eval_report *); } outs[] = {
        {a->json, clf_eval_report_json}, {a->html, clf_eval_report_html}};
    for (size_t i = 0; i < 2; i++) {
        if (!outs[i].path)
            continue;
        FILE *f = open_output(outs[i].path);
        if (!f || close_output(outs[i].write(f, rep) == 0, outs[i].path) != 0)
            return 2;
    }
    return 0;
}

/* --min-f1 / --max-flag-rate on the last group (the pool, or the only corpus). */
static int run_checks(const eval_args *a, const clf_eval_report *rep)
{
    if (rep->n_groups == 0 || (isnan(a->min_f1) && isnan(a->max_flag_rate)))
        return 0;
    int failed = 0;
    for (size_t g = 0; g < rep->n_groups; g++) {
        const clf_eval_group *gr = &rep->groups[g];
        for (size_t k = 0; k < rep->n_cats; k++) {
            const clf_eval_cat *c = &gr->cats[k];
            if (!c->judged)
                continue;
            if (c->has_positives && !isnan(a->min_f1) && !(c->f1.value >= a->min_f1)) {
                fprintf(stderr, "classify eval: check failed: %s %s F1 %.3f < %.3f\n", gr->name, c->name,
                        c->f1.value, a->min_f1);
                failed = 1;
            }
            if (!c->has_positives && !isnan(a->max_flag_rate) && c->flag_rate.value > a->max_flag_rate) {
                fprintf(stderr, "classify eval: check failed: %s %s flag rate %.3f > %.3f\n", gr->name,
                        c->name, c->flag_rate.value, a->max_flag_rate);
                failed = 1;
            }
        }
    }
    return failed;
}

static char *dupstr(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    return p ? memcpy(p, s, n) : NULL;
}

static const char *name_of_file(const char *path)
{
    return path;
}

/* What a holdout evaluation holds while it runs. */
typedef struct holdout {
    clf_model *ma, *mb;
    clf_scorer *sa, *sb;
    clf_recipe *recipe;
    clf_eval_data *data;
    clf_eval_label_map *map;
    size_t n_map, n_skipped, nc;
    const char *cats[CLF_EVAL_MAX_CATEGORIES];
    int bidx[CLF_EVAL_MAX_CATEGORIES]; /* model B's index of each of A's categories, or -1 */
    clf_eval_read_options ro;
} holdout;

static void holdout_free(holdout *h)
{
    clf_eval_data_free(h->data);
    clf_eval_map_free(h->map, h->n_map);
    clf_recipe_free(h->recipe);
    clf_scorer_free(h->sa);
    clf_scorer_free(h->sb);
    clf_model_free(h->mb);
    clf_model_free(h->ma);
}

/* The library's message for a failed call, or its code's. */
static int lib_error(int rc)
{
    fprintf(stderr, "classify eval: %s\n", clf_last_error()[0] ? clf_last_error() : clf_strerror(rc));
    return 2;
}

/* Models A (and B), their scorers with the --threshold overrides, and the empty data. */
static int holdout_models(holdout *h, const eval_args *a, const char *model_path)
{
    int rc;
    if ((rc = clf_model_load(&h->ma, model_path)) != CLF_OK)
        return lib_error(rc);
    h->nc = clf_model_num_categories(h->ma);
    if (h->nc > CLF_EVAL_MAX_CATEGORIES) {
        fprintf(stderr, "classify eval: %s has %zu categories; at most %d are supported\n", model_path, h->nc,
                CLF_EVAL_MAX_CATEGORIES);
        return 2;
    }
    if (a->compare && (rc = clf_model_load(&h->mb, a->compare)) != CLF_OK)
        return lib_error(rc);
    if (h->mb && clf_model_num_categories(h->mb) > 64) {
        fprintf(stderr, "classify eval: %s has too many categories\n", a->compare);
        return 2;
    }
    if ((rc = clf_scorer_new(&h->sa, h->ma)) != CLF_OK || (h->mb && (rc = clf_scorer_new(&h->sb, h->mb)) != CLF_OK))
        return lib_error(rc);
    for (size_t i = 0; i < a->n_thr; i++) {
        int ka = category_index(h->ma, a->thr_names[i]);
        int kb = h->mb ? category_index(h->mb, a->thr_names[i]) : -1;
        if (ka < 0 && kb < 0)
            return clf_cli_usage_error("eval", "--threshold: no model has a category '%s'", a->thr_names[i]);
        if (ka >= 0)
            clf_scorer_set_threshold(h->sa, (size_t)ka, a->thr_values[i]);
        if (kb >= 0)
            clf_scorer_set_threshold(h->sb, (size_t)kb, a->thr_values[i]);
    }
    double thr_a[CLF_EVAL_MAX_CATEGORIES], thr_b[CLF_EVAL_MAX_CATEGORIES];
    for (size_t k = 0; k < h->nc; k++) {
        h->cats[k] = clf_model_category_name(h->ma, k);
        thr_a[k] = clf_scorer_threshold(h->sa, k);
        h->bidx[k] = h->mb ? category_index(h->mb, h->cats[k]) : -1;
        thr_b[k] = h->bidx[k] >= 0 ? clf_scorer_threshold(h->sb, (size_t)h->bidx[k]) : NAN;
        if (h->mb && h->bidx[k] < 0)
            fprintf(stderr, "classify eval: note: %s has no category '%s': not compared\n", a->compare,
                    h->cats[k]);
    }
    if ((rc = clf_eval_data_new(&h->data, h->nc, h->cats, thr_a, h->mb ? thr_b : NULL, a->errors)) != CLF_OK)
        return lib_error(rc);
    return 0;
}

/* One labeled file as source `name`. */
static int holdout_file(holdout *h, const char *name, const char *path, clf_format fmt, uint64_t annotates,
                        uint64_t negatives, const clf_eval_mapping *m)
{
    int src = clf_eval_data_add_source(h->data, name, annotates, negatives);
    if (src < 0)
        return lib_error(src);
    clf_eval_file_stats st;
    int rc = clf_eval_score_file(h->data, (size_t)src, path, fmt, m, h->sa, h->sb, h->bidx, &h->ro, &st);
    if (rc != CLF_OK)
        return lib_error(rc);
    h->n_skipped += st.skipped;
    return 0;
}

/* The chosen split of every selected recipe corpus, mapped as the recipe maps it. */
static int holdout_recipe(holdout *h, const eval_args *a)
{
    const char *dir;
    if (corpora_dir(a, &dir) != 0)
        return 2;
    int rc;
    if ((rc = clf_recipe_load(&h->recipe, a->recipe)) != CLF_OK)
        return lib_error(rc);
    const clf_recipe *r = h->recipe;
    if (check_corpus_names(a, r) != 0)
        return 2;
    int cat_map[CLF_RECIPE_MAX_CATEGORIES];
    for (size_t k = 0; k < r->n_categories; k++) {
        cat_map[k] = category_index(h->ma, r->categories[k]);
        if (cat_map[k] < 0)
            fprintf(stderr, "classify eval: note: the model has no category '%s' of the recipe: not judged\n",
                    r->categories[k]);
    }
    for (size_t ci = 0; ci < r->n_corpora; ci++) {
        const clf_recipe_corpus *c = &r->corpora[ci];
        if (!corpus_selected(a, c->name))
            continue;
        const char *rel = !strcmp(a->split, "dev") ? c->dev : c->train;
        if (!rel) {
            fprintf(stderr, "classify eval: note: corpus %s has no %s split: skipped\n", c->name, a->split);
            continue;
        }
        char *path = clf_recipe_file(r, ci, !strcmp(a->split, "dev"), dir);
        if (!path) {
            fprintf(stderr, "classify eval: out of memory\n");
            return 2;
        }
        clf_eval_mapping m = {r, ci, cat_map, 0, NULL};
        int st = holdout_file(h, c->name, path, c->format, to_model_mask(c->annotates, cat_map, r->n_categories),
                              to_model_mask(c->negatives_for, cat_map, r->n_categories), &m);
        free(path);
        if (st)
            return st;
    }
    return 0;
}

/* Ad-hoc labeled FILEs, mapped by --map / --annotates / --negatives-for. */
static int holdout_files(holdout *h, const eval_args *a, int n_files, char **files)
{
    uint64_t annotates, negatives = 0, targets = 0;
    int rc;
    if (a->map && (rc = clf_eval_parse_map(a->map, h->nc, h->cats, &h->map, &h->n_map, &targets)) != CLF_OK)
        return lib_error(rc);
    annotates = a->map ? targets : (h->nc >= 64 ? UINT64_MAX : ((uint64_t)1 << h->nc) - 1);
    if (a->annotates && (rc = clf_eval_parse_cats(a->annotates, h->nc, h->cats, &annotates)) != CLF_OK)
        return lib_error(rc);
    if (a->negatives && (rc = clf_eval_parse_cats(a->negatives, h->nc, h->cats, &negatives)) != CLF_OK)
        return lib_error(rc);
    if (a->negatives && !a->annotates && !a->map)
        annotates = 0; /* a file of negatives only */
    clf_eval_mapping m = {NULL, 0, NULL, h->n_map, h->map};
    for (int i = 0; i < n_files; i++) {
        int st = holdout_file(h, name_of_file(files[i]), files[i], (clf_format)a->format, annotates, negatives, &m);
        if (st)
            return st;
    }
    return 0;
}

/* Holdout evaluation: score the data with model A (and B), report, check. */
static int run_holdout(const eval_args *a, int n_files, char **files)
{
    const char *model_path = a->model ? a->model : clf_cli_default_model();
    if (!model_path)
        return 2;
    holdout h;
    memset(&h, 0, sizeof h);
    h.ro = (clf_eval_read_options){a->skip_bad_rows, print_note, NULL};
    clf_eval_report *rep = NULL;
    int status = holdout_models(&h, a, model_path), rc;
    if (status == 0)
        status = a->recipe ? holdout_recipe(&h, a) : holdout_files(&h, a, n_files, files);
    if (status == 0 && clf_eval_data_docs(h.data) == 0) {
        fprintf(stderr, "classify eval: no documents were scored\n");
        status = 2;
    }
    if (status == 0 && (rc = clf_eval_compute(h.data, &a->opts, &rep)) != CLF_OK)
        status = lib_error(rc);
    if (status == 0) {
        rep->model = dupstr(model_path);
        rep->model_name = dupstr(clf_model_name(h.ma));
        if (h.mb) {
            rep->model_b = dupstr(a->compare);
            rep->model_b_name = dupstr(clf_model_name(h.mb));
        }
        rep->mode = dupstr("holdout");
        rep->split = dupstr(a->recipe ? a->split : "files");
        rep->n_skipped = h.n_skipped;
        if (a->explain && (rc = clf_eval_explain(rep, h.sa, h.ma, a->explain)) != CLF_OK)
            status = lib_error(rc);
    }
    if (status == 0 && h.mb && (rc = clf_eval_changes(rep, h.data, h.sa, h.sb, h.bidx)) != CLF_OK)
        status = lib_error(rc);
    if (status == 0)
        status = write_outputs(a, rep);
    if (status == 0)
        status = run_checks(a, rep);
    clf_eval_report_free(rep);
    holdout_free(&h);
    return status;
}

/* The out-of-fold data of recipe r, folds by fold_recipe (both recipes of a comparison use A's). */
static int cv_data(const eval_args *a, const char *dir, const clf_recipe *r, const clf_recipe *fold_recipe,
                   clf_eval_data **out)
{
    clf_eval_cv_options co;
    clf_eval_cv_options_init(&co);
    co.folds = a->cv;
    char *root = clf_recipe_root(r, dir); /* each recipe's own, unless --corpora */
    if (!root) {
        fprintf(stderr, "classify eval: out of memory\n");
        return 2;
    }
    co.corpora_root = root;
    co.threads = a->threads;
    co.errors_k = a->errors;
    co.note = a->quiet ? NULL : print_note;
    co.skip_bad_rows = a->skip_bad_rows;
    co.fold_recipe = fold_recipe;
    for (size_t i = 0; i < a->n_thr; i++) {
        co.thr_names[i] = a->thr_names[i];
        co.thr_values[i] = a->thr_values[i];
    }
    co.n_thr = a->n_thr;
    unsigned char *selected = calloc(r->n_corpora ? r->n_corpora : 1, 1);
    if (!selected) {
        fprintf(stderr, "classify eval: out of memory\n");
        free(root);
        return 2;
    }
    for (size_t ci = 0; ci < r->n_corpora; ci++)
        selected[ci] = (unsigned char)corpus_selected(a, r->corpora[ci].name);
    co.selected = selected;
    int rc = clf_eval_cv_run(r, &co, out);
    free(selected);
    free(root);
    if (rc != CLF_OK) {
        fprintf(stderr, "classify eval: %s\n", clf_last_error()[0] ? clf_last_error() : clf_strerror(rc));
        return 2;
    }
    return 0;
}

/* Cross-validation: out-of-fold scores of models trained on the other folds;
 * with --compare-recipe, of a second recipe on the same folds, paired. */
static int run_cv(const eval_args *a)
{
    const char *dir;
    if (corpora_dir(a, &dir) != 0)
        return 2;
    clf_recipe *recipe = NULL, *recipe_b = NULL;
    clf_eval_data *data = NULL, *data_b = NULL;
    clf_eval_report *rep = NULL;
    int status = 2, rc = clf_recipe_load(&recipe, a->recipe);
    if (rc == CLF_OK && a->compare_recipe)
        rc = clf_recipe_load(&recipe_b, a->compare_recipe);
    if (rc != CLF_OK) {
        fprintf(stderr, "classify eval: %s\n", clf_last_error());
        goto out;
    }
    if (check_corpus_names(a, recipe) != 0 || (recipe_b && check_corpus_names(a, recipe_b) != 0))
        goto out;
    if (cv_data(a, dir, recipe, recipe, &data) != 0 || (recipe_b && cv_data(a, dir, recipe_b, recipe, &data_b) != 0))
        goto out;
    if (data_b && (rc = clf_eval_data_pair(data, data_b)) != CLF_OK) {
        fprintf(stderr, "classify eval: --compare-recipe: %s (the recipes are paired on the documents both "
                        "scored: the same corpus name and document id)\n", clf_last_error());
        goto out;
    }
    if ((rc = clf_eval_compute(data, &a->opts, &rep)) != CLF_OK) {
        fprintf(stderr, "classify eval: %s\n", clf_last_error());
        goto out;
    }
    char mode[64];
    snprintf(mode, sizeof mode, "cross-validation (%u folds)", a->cv);
    rep->model = dupstr(a->recipe);
    rep->model_name = dupstr(recipe->name);
    if (recipe_b) {
        rep->model_b = dupstr(a->compare_recipe);
        rep->model_b_name = dupstr(recipe_b->name);
    }
    rep->mode = dupstr(mode);
    rep->split = dupstr("train, out of fold");
    status = write_outputs(a, rep);
    if (status == 0)
        status = run_checks(a, rep);
out:
    clf_eval_report_free(rep);
    clf_eval_data_free(data);
    clf_eval_data_free(data_b);
    clf_recipe_free(recipe);
    clf_recipe_free(recipe_b);
    return status;
}

static int write_functional(const eval_args *a, const clf_func_report *rep)
{
    if (!a->quiet && (clf_func_report_text(stdout, rep, a->verbose) != 0 || fflush(stdout) != 0)) {
        fprintf(stderr, "classify eval: writing to stdout failed\n");
        return 2;
    }
    const struct { const char *path; int (*write)(FILE *, const clf_func_report *); } outs[] = {
        {a->json, clf_func_report_json}, {a->html, clf_func_report_html}};
    for (size_t i = 0; i < 2; i++) {
        if (!outs[i].path)
            continue;
        FILE *f = open_output(outs[i].path);
        if (!f || close_output(outs[i].write(f, rep) == 0, outs[i].path) != 0)
            return 2;
    }
    return 0;
}

/* Functional tests: score every item of a suite and judge each class. */
static int run_functional(const eval_args *a)
{
    const char *model_path = a->model ? a->model : clf_cli_default_model();
    if (!model_path)
        return 2;
    clf_model *m = NULL;
    clf_scorer *sc = NULL;
    clf_func_suite *suite = NULL;
    clf_func_report *rep = NULL;
    int status = 2, rc;
    if ((rc = clf_model_load(&m, model_path)) != CLF_OK || (rc = clf_scorer_new(&sc, m)) != CLF_OK)
        goto fail;
    size_t nc = clf_model_num_categories(m);
    if (nc > CLF_FUNC_MAX_CATEGORIES) {
        fprintf(stderr, "classify eval: %s has %zu categories; at most %d are supported\n", model_path, nc,
                CLF_FUNC_MAX_CATEGORIES);
        goto out;
    }
    for (size_t i = 0; i < a->n_thr; i++) {
        size_t k;
        if (clf_model_category_index(m, a->thr_names[i], &k) != CLF_OK) {
            status = clf_cli_usage_error("eval", "--threshold: the model has no category '%s'", a->thr_names[i]);
            goto out;
        }
        clf_scorer_set_threshold(sc, k, a->thr_values[i]);
    }
    for (size_t i = 0; i < a->flag.n; i++) { /* in order: the last word wins */
        size_t k;
        if (clf_model_category_index(m, a->flag.names[i], &k) != CLF_OK) {
            status = clf_cli_usage_error("eval", "--%s: the model has no category '%s'",
                                         a->flag.values[i] ? "flag" : "report-only", a->flag.names[i]);
            goto out;
        }
        clf_scorer_set_flagging(sc, k, a->flag.values[i] != 0);
    }
    const char *cats[CLF_FUNC_MAX_CATEGORIES];
    for (size_t k = 0; k < nc; k++)
        cats[k] = clf_model_category_name(m, k);
    if ((rc = clf_func_suite_load(&suite, a->functional, nc, cats)) != CLF_OK ||
        (rc = clf_func_report_new(&rep, suite)) != CLF_OK || (rc = clf_func_score_all(rep, sc)) != CLF_OK)
        goto fail;
    rep->model = dupstr(clf_model_name(m));
    status = write_functional(a, rep);
    if (status == 0 && a->gate && !rep->gate_pass) {
        for (size_t c = 0; c < suite->n_classes; c++)
            if (rep->classes[c].gated && !rep->classes[c].gate_pass)
                fprintf(stderr, "classify eval: gate failed: %s %s %.1f%%\n", suite->classes[c].name,
                        suite->classes[c].positive ? "recall" : "flagged", 100 * rep->classes[c].value);
        status = 1;
    }
    goto out;
fail:
    fprintf(stderr, "classify eval: %s\n", clf_last_error()[0] ? clf_last_error() : clf_strerror(rc));
    status = 2;
out:
    clf_func_report_free(rep);
    clf_func_suite_free(suite);
    clf_scorer_free(sc);
    clf_model_free(m);
    return status;
}

int cmd_eval(int argc, char **argv)
{
    eval_args a;
    int rc = parse_args(&a, argc, argv);
    if (rc == 1)
        return 0;
    if (rc != 0)
        return rc;
    if (a.functional)
        return run_functional(&a);
    if (a.cv)
        return run_cv(&a);
    return run_holdout(&a, argc - optind, argv + optind);
}
