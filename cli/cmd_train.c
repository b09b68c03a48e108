/*
 * cmd_train.c - `classify train`: train a model from a recipe and the
 * labeled corpora it names, with progress on stderr and a summary of the
 * cross-validation and dev results on stdout.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "atomic.h"
#include "classify.h"
#include "commands.h"
#include "recipe.h"
#include "train.h"
#include "train_input.h"
#include "util.h"

static void train_help(void)
{
    printf("Usage: classify train --recipe FILE --out MODEL [OPTIONS]\n"
           "       classify train --input FILE [--dev FILE] [--label L=CAT]... [--negative L]...\n"
           "                      --out MODEL [OPTIONS]\n\n"
           "Train a model from a recipe (see docs/training.md) and the labeled corpora\n"
           "it names; write it to MODEL (atomically) and print the cross-validation and\n"
           "dev-split results.\n\n"
           "Options:\n"
           "  --recipe FILE      the recipe (JSON), e.g. training/recipes/arabic-default.json\n"
           "  --out MODEL        the model file to write\n"
           "  --corpora DIR      the folder of the recipe's plain relative paths (default:\n"
           "                     $CLF_CORPORA, else the recipe's corpora_root, else its\n"
           "                     folder); /abs, ./ and ../ paths do not use it\n"
           "  --input FILE       train from one labeled file without a recipe (TSV\n"
           "                     id<TAB>labels<TAB>text, fastText __label__X, JSONL): each\n"
           "                     distinct label is a category, rows without labels are\n"
           "                     negatives; thresholds from cross-validation\n"
           "  --dev FILE         with --input: a labeled dev file to report on\n"
           "  --label L=CAT      with --input: label L counts for category CAT (several\n"
           "                     labels may map to one category); repeatable\n"
           "  --negative L       with --input: label L means none of the categories\n"
           "  --name NAME        with --input: the model's name (default \"quick\")\n"
           "  --save-recipe F    with --input: also write the recipe it made to F\n"
           "  --threads N        worker threads (default: the number of CPUs); the\n"
           "                     model file is the same whatever N\n"
           "  --skip-bad-rows    skip malformed rows and rows with labels the recipe does\n"
           "                     not map, and print how many were skipped (default: stop\n"
           "                     at the first one, naming file and line)\n"
           "  --quiet            print nothing but errors\n"
           "  --verbose          also print each skipped row and each C's score\n"
           "  -h, --help         this help\n\n"
           "Exit status: 0 the model was written, 2 usage or training error.\n");
}

typedef struct display {
    int quiet, verbose, tty;
    int line_open;          /* a status line is on screen (tty) */
    const char *last_stage; /* pipe mode: print a line when the stage changes */
} display;

static void clear_line(display *d)
{
    if (d->line_open) {
        fputs("\r\033[K", stderr);
        d->line_open = 0;
    }
}

static void on_event(void *ud, const clf_train_event *ev)
{
    display *d = ud;
    if (d->quiet)
        return;
    if (ev->kind != CLF_TRAIN_PROGRESS) {
        if (ev->kind == CLF_TRAIN_DETAIL && !d->verbose)
            return;
        clear_line(d);
        fprintf(stderr, "%s\n", ev->message);
        return;
    }
    char line[256];
    int n = snprintf(line, sizeof line, "train: %s", ev->stage);
    if (n > 0 && ev->category)
        n += snprintf(line + n, sizeof line - (size_t)n, " %s", ev->category);
    if (n > 0 && (size_t)n < sizeof line && ev->fold >= 0)
        n += snprintf(line + n, sizeof line - (size_t)n, " fold %d", ev->fold + 1);
    if (n > 0 && (size_t)n < sizeof line && ev->total)
        snprintf(line + n, sizeof line - (size_t)n, " [%zu/%zu]", ev->done, ev->total);
    if (d->tty) {
        fprintf(stderr, "\r\033[K%s", line);
        d->line_open = 1;
    } else {
        /* in a pipe: one line per stage, and one per finished training job */
        int new_stage = !d->last_stage || strcmp(d->last_stage, ev->stage) != 0;
        int job = ev->category && ev->total;
        if (!new_stage && !job)
            return;
        d->last_stage = ev->stage;
        fprintf(stderr, "%s\n", line);
    }
    fflush(stderr);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void print_summary(const clf_recipe *r, const clf_train_result *res, const char *out,
                          double seconds)
{
    printf("model %s: %zu categories, %zu feature rows, %s weights, %zu bytes\n", out,
           res->n_categories, res->rows, res->weights_i16 ? "i16" : "f32", res->file_size);
    printf("documents: %zu (%zu train, %zu dev)", res->documents, res->train_documents,
           res->documents - res->train_documents);
    if (res->skipped_rows)
        printf(", %zu bad rows skipped", res->skipped_rows);
    /* the category column is as wide as the longest name (at least 12), so
     * that long names (persuasion techniques) keep the columns aligned */
    int nw = 12;
    for (size_t k = 0; k < res->n_categories; k++) {
        size_t l = strlen(res->categories[k].name);
        if (l > (size_t)nw)
            nw = l > 64 ? 64 : (int)l;
    }
    printf("\n\n%-*s %8s %7s %9s %7s %7s %7s %7s\n", nw, "category", "C", "cv-AP", "threshold",
           "dev-P", "dev-R", "dev-F1", "dev-AP");
    for (size_t k = 0; k < res->n_categories; k++) {
        const clf_train_category *c = &res->categories[k];
        printf("%-*s %8g %7.3f %9.3f %7.3f %7.3f %7.3f %7.3f%s\n", nw, c->name, c->C,
               c->cv_average_precision, c->threshold, c->dev.precision, c->dev.recall,
               c->dev.f1, c->dev.average_precision,
               c->threshold_target_reached ? "" : "  (precision target missed: best F1)");
    }
    /* The flag rate on corpora that only give negatives (news that reports
     * on terrorism) is the first thing to check. '*' marks the cells where
     * the corpus annotates the category, so flags there can be right. */
    printf("\ndev flag rate (share of each corpus's dev documents flagged; * = the corpus "
           "annotates the category)\n%-30s", "corpus");
    for (size_t k = 0; k < res->n_categories; k++)
        printf(" %11.11s", res->categories[k].name);
    printf("\n");
    for (size_t cc = 0; cc < res->n_corpora; cc++) {
        if (!r->corpora[cc].dev)
            continue;
        printf("%-30.30s", res->corpus_names[cc]);
        for (size_t k = 0; k < res->n_categories; k++)
            printf(" %10.3f%c", res->dev_flag_rate[k * res->n_corpora + cc],
                   (r->corpora[cc].annotates >> k) & 1 ? '*' : ' ');
        printf("\n");
    }
    printf("\ni16 vs f32 weights: max |dp| %.2e on the dev splits; dev F1 changes:",
           res->quant_max_abs_dp);
    int any = 0;
    for (size_t k = 0; k < res->n_categories; k++) {
        const clf_train_category *c = &res->categories[k];
        if (c->dev_f1_f32 != c->dev_f1_i16) {
            printf(" %s %+.4f", c->name, c->dev_f1_i16 - c->dev_f1_f32);
            any = 1;
        }
    }
    printf("%s\ntrained in %.1f s\n", any ? "" : " none", seconds);
}

enum { OPT_RECIPE = 256, OPT_OUT, OPT_CORPORA, OPT_THREADS, OPT_SKIP, OPT_QUIET, OPT_VERBOSE,
       OPT_INPUT, OPT_DEV, OPT_LABEL, OPT_NEGATIVE, OPT_NAME, OPT_SAVE_RECIPE };

int cmd_train(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"recipe", required_argument, NULL, OPT_RECIPE},
        {"out", required_argument, NULL, OPT_OUT},
        {"corpora", required_argument, NULL, OPT_CORPORA},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"skip-bad-rows", no_argument, NULL, OPT_SKIP},
        {"quiet", no_argument, NULL, OPT_QUIET},
        {"verbose", no_argument, NULL, OPT_VERBOSE},
        {"input", required_argument, NULL, OPT_INPUT},
        {"dev", required_argument, NULL, OPT_DEV},
        {"label", required_argument, NULL, OPT_LABEL},
        {"negative", required_argument, NULL, OPT_NEGATIVE},
        {"name", required_argument, NULL, OPT_NAME},
        {"save-recipe", required_argument, NULL, OPT_SAVE_RECIPE},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *recipe_path = NULL, *out = NULL, *corpora = NULL, *save_recipe = NULL;
    clf_cli_train_input in;
    memset(&in, 0, sizeof in);
    clf_train_options topt = CLF_TRAIN_OPTIONS_INIT;
    display disp;
    memset(&disp, 0, sizeof disp);
    int c;
    optind = 1;
    opterr = 0;
    /* the leading ':' makes a missing argument ':' rather than '?' */
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_RECIPE: recipe_path = optarg; break;
        case OPT_OUT: out = optarg; break;
        case OPT_CORPORA: corpora = optarg; break;
        case OPT_INPUT: in.input = optarg; break;
        case OPT_DEV: in.dev = optarg; break;
        case OPT_NAME: in.name = optarg; break;
        case OPT_SAVE_RECIPE: save_recipe = optarg; break;
        case OPT_LABEL:
            if (in.n_map == CLF_CLI_TRAIN_MAX_FLAGS)
                return clf_cli_usage_error("train", "too many --label options");
            in.map[in.n_map++] = optarg;
            break;
        case OPT_NEGATIVE:
            if (in.n_negative == CLF_CLI_TRAIN_MAX_FLAGS)
                return clf_cli_usage_error("train", "too many --negative options");
            in.negative[in.n_negative++] = optarg;
            break;
        case OPT_THREADS:
            if (clf_cli_parse_uint(optarg, 1, 256, &topt.threads))
                return clf_cli_usage_error("train", "--threads: expected 1..256, not '%s'",
                                           optarg);
            break;
        case OPT_SKIP: topt.skip_bad_rows = 1; break;
        case OPT_QUIET: disp.quiet = 1; break;
        case OPT_VERBOSE: disp.verbose = 1; break;
        case 'h': train_help(); return 0;
        case ':':
            return clf_cli_usage_error("train", "option '%s' needs an argument",
                                       argv[optind - 1]);
        default:
            return clf_cli_usage_error("train", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return clf_cli_usage_error("train", "unexpected argument '%s'", argv[optind]);
    if (recipe_path && in.input)
        return clf_cli_usage_error("train", "--recipe and --input exclude each other");
    if (!in.input && (in.dev || in.n_map || in.n_negative || in.name || save_recipe))
        return clf_cli_usage_error("train", "--dev, --label, --negative, --name and "
                                            "--save-recipe go with --input");
    if (!recipe_path && !in.input)
        return clf_cli_usage_error("train", "--recipe FILE (or --input FILE) is required");
    if (!out)
        return clf_cli_usage_error("train", "--out MODEL is required");
    if (disp.quiet && disp.verbose)
        return clf_cli_usage_error("train", "--quiet and --verbose exclude each other");
    if (in.input && corpora)
        return clf_cli_usage_error("train", "--corpora goes with --recipe, not --input");
    if (!in.input && clf_cli_corpora_dir("train", &corpora) != 0)
        return 2;

    /* fail now, not after an hour of training */
    if (clf_atomic_check(out) != CLF_OK) {
        fprintf(stderr, "classify train: --out: %s\n", clf_last_error());
        return 2;
    }

    clf_recipe *r;
    int rc;
    if (in.input) {
        char err[1024], *text = NULL;
        if (clf_cli_train_input_recipe(&in, &r, save_recipe ? &text : NULL, err, sizeof err)) {
            fprintf(stderr, "classify train: %s\n", err);
            return 2;
        }
        if (save_recipe) {
            clf_atomic *a = NULL;
            int ok = clf_atomic_open(&a, save_recipe) == CLF_OK;
            if (ok && (fputs(text, clf_atomic_file(a)) < 0 || fputc('\n', clf_atomic_file(a)) == EOF)) {
                clf_atomic_abort(a);
                ok = 0;
            } else if (ok) {
                ok = clf_atomic_commit(a) == CLF_OK;
            }
            free(text);
            if (!ok) {
                fprintf(stderr, "classify train: --save-recipe: %s\n", clf_last_error());
                clf_recipe_free(r);
                return 2;
            }
        }
    } else if ((rc = clf_recipe_load(&r, recipe_path)) != CLF_OK) {
        fprintf(stderr, "classify train: %s\n", clf_last_error());
        return 2;
    }
    disp.tty = isatty(fileno(stderr));
    char *root = clf_recipe_root(r, corpora); /* --input recipes: absolute paths only */
    if (!root) {
        fprintf(stderr, "classify train: out of memory\n");
        clf_recipe_free(r);
        return 2;
    }
    topt.corpora_root = root;
    topt.progress = on_event;
    topt.progress_ud = &disp;
    double t0 = now_seconds();
    clf_train_result *res = NULL;
    rc = clf_train(r, &topt, out, &res);
    double seconds = now_seconds() - t0;
    free(root);
    clear_line(&disp);
    if (rc != CLF_OK) {
        fprintf(stderr, "classify train: %s\n", clf_last_error());
        clf_recipe_free(r);
        return 2;
    }
    if (!disp.quiet)
        print_summary(r, res, out, seconds);
    clf_train_result_free(res);
    clf_recipe_free(r);
    return 0;
}
