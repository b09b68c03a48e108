/*
 * test_eval_cli.c - `classify eval` end to end: a tiny generated corpus
 * (made-up sentences, no corpus text), a model trained on it with
 * `classify train`, then eval through a recipe, ad-hoc files with --map,
 * --negatives-for, --compare, --cv, the checks and the error exits, with
 * the JSON report read back and the HTML page inspected.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "../eval/bootstrap.h"
#include "../eval/cv.h"
#include "../eval/eval_internal.h"
#include "recipe.h"
#include "testutil.h"

static char dir[512], recipe[600], model[600];

/* Run a shell command; returns its exit status, stderr kept in dir/stderr.txt. */
static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...)
{
    char args[4096], cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' %s > stdout.txt 2> stderr.txt", dir, CLF_CLI_PATH, args);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static char *read_in_dir(const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return clf_test_read_file(path, NULL);
}

static json_t *load_json(const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    json_error_t err;
    json_t *j = json_load_file(path, 0, &err);
    ck_assert_msg(j != NULL, "%s: %s", name, err.text);
    return j;
}

static const char *const NEUTRAL[] = {"البيت", "الشمس", "كتاب", "مدرسة", "سيارة", "قهوة", "صباح",
                                      "مدينة", "الطريق", "جميل", "اليوم", "نلعب", "الكرة", "المطر"};
static const char *const RUDE[] = {"غبي", "حقير", "تافه", "وقح"};
static const char *const EXTREME[] = {"بيعة", "الخلافة", "مجاهدين", "غزوة"};

/* One made-up sentence: kind 0 neutral, 1 rude, 2 extreme. */
static void sentence(FILE *f, clf_rng *r, int kind)
{
    size_t n = 5 + clf_rng_below(r, 5);
    for (size_t i = 0; i < n; i++) {
        const char *w = NEUTRAL[clf_rng_below(r, 14)];
        if (i == 2 && kind == 1)
            w = RUDE[clf_rng_below(r, 4)];
        if (i == 3 && kind == 2)
            w = EXTREME[clf_rng_below(r, 4)];
        fprintf(f, "%s%s", i ? " " : "", w);
    }
}

/* A labeled TSV: every 7th label is flipped, so no model is perfect. */
static void write_corpus(const char *name, size_t n, uint64_t seed, int with_extreme, int negatives_only)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    clf_rng r;
    clf_rng_seed(&r, seed);
    fputs("id\tlabels\ttext\n", f);
    for (size_t i = 0; i < n; i++) {
        int kind = negatives_only ? 0 : (int)clf_rng_below(&r, with_extreme ? 3 : 2);
        int label = kind;
        if (!negatives_only && i % 7 == 3)
            label = kind ? 0 : 1;
        const char *lab = negatives_only ? "" : label == 1 ? "rude" : label == 2 ? "pro_extreme" : "";
        fprintf(f, "d%zu\t%s\t", i, lab);
        sentence(f, &r, kind);
        fputc('\n', f);
    }
    fclose(f);
}

static void setup(void)
{
    snprintf(dir, sizeof dir, "%s/evalcli", clf_test_tmpdir());
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
    write_corpus("synth-train.tsv", 240, 1, 1, 0);
    write_corpus("synth-dev.tsv", 90, 2, 1, 0);
    write_corpus("news-train.tsv", 60, 3, 0, 1);
    write_corpus("news-dev.tsv", 40, 4, 0, 1);
    write_corpus("adhoc.tsv", 80, 5, 0, 0);
    snprintf(recipe, sizeof recipe, "%s/recipe.json", dir);
    clf_test_write_file(dir, "recipe.json",
          "{\"name\": \"tiny\", \"categories\": [\"offensive\", \"extremism\"],\n"
          " \"features\": {\"word_ngram_max\": 1, \"char_ngram_max\": 3, \"hash_bits\": 12, \"min_df\": 1},\n"
          " \"training\": {\"folds\": 2, \"c_grid\": [1, 4]},\n"
          " \"corpora\": [\n"
          "  {\"name\": \"synth\", \"train\": \"synth-train.tsv\", \"dev\": \"synth-dev.tsv\",\n"
          "   \"annotates\": [\"offensive\", \"extremism\"],\n"
          "   \"labels\": {\"rude\": [\"offensive\"], \"pro_extreme\": [\"extremism\"]}},\n"
          "  {\"name\": \"news\", \"train\": \"news-train.tsv\", \"dev\": \"news-dev.tsv\",\n"
          "   \"negatives_for\": [\"extremism\"]}]}\n");
    snprintf(model, sizeof model, "%s/tiny.clf", dir);
    int st = run("train --recipe recipe.json --out tiny.clf --corpora . --quiet");
    char *err = read_in_dir("stderr.txt");
    ck_assert_msg(st == 0, "classify train failed (%d): %s", st, err ? err : "");
    free(err);
}

START_TEST(test_recipe_eval)
{
    setup();
    int st = run("eval --model tiny.clf --recipe recipe.json --corpora . --resamples 100 "
                 "--target-recall 0.9 --json r.json --html r.html");
    char *err = read_in_dir("stderr.txt");
    ck_assert_msg(st == 0, "eval failed (%d): %s", st, err);
    free(err);
    char *out = read_in_dir("stdout.txt");
    ck_assert_ptr_nonnull(strstr(out, "== pooled"));
    ck_assert_ptr_nonnull(strstr(out, "flag rate"));
    free(out);

    json_t *j = load_json("r.json");
    ck_assert_str_eq(json_string_value(json_object_get(j, "schema")), "libclassify-eval/1");
    ck_assert_int_eq(json_integer_value(json_object_get(j, "records")), 130);
    json_t *groups = json_object_get(j, "groups");
    ck_assert_uint_eq(json_array_size(groups), 3);
    json_t *synth = json_object_get(json_array_get(groups, 0), "categories");
    json_t *off = json_object_get(synth, "offensive");
    json_t *counts = json_object_get(off, "counts");
    json_int_t total = 0;
    const char *key;
    json_t *v;
    json_object_foreach(counts, key, v) total += json_integer_value(v);
    ck_assert_int_eq(total, 90);
    ck_assert(json_is_true(json_object_get(off, "has_positives")));
    ck_assert(json_is_object(json_object_get(off, "target_recall")));
    ck_assert_uint_eq(json_array_size(json_object_get(off, "sweep")), 19);
    /* news: no positives, extremism only, flag rate instead of precision */
    json_t *news = json_object_get(json_array_get(groups, 1), "categories");
    ck_assert_ptr_null(json_object_get(news, "offensive"));
    json_t *ext = json_object_get(news, "extremism");
    ck_assert(json_is_false(json_object_get(ext, "has_positives")));
    ck_assert(json_is_null(json_object_get(json_object_get(ext, "recall"), "value")));
    ck_assert(json_is_number(json_object_get(json_object_get(ext, "flag_rate"), "value")));
    /* error analysis carries explanations */
    json_t *fps = json_object_get(off, "false_positives"), *fns = json_object_get(off, "false_negatives");
    ck_assert(json_array_size(fps) + json_array_size(fns) > 0);
    json_t *e = json_array_size(fps) ? json_array_get(fps, 0) : json_array_get(fns, 0);
    ck_assert(json_is_string(json_object_get(e, "text")));
    ck_assert(json_array_size(json_object_get(e, "up")) + json_array_size(json_object_get(e, "down")) > 0);
    json_decref(j);

    char *html = read_in_dir("r.html");
    ck_assert_ptr_nonnull(html);
    ck_assert_ptr_nonnull(strstr(html, "<svg"));
    ck_assert_ptr_nonnull(strstr(html, "dir=\"rtl\""));
    ck_assert_ptr_null(strstr(html, "<script"));
    ck_assert_ptr_null(strstr(html, "https:"));
    free(html);

    /* F1 of 1 is out of reach with flipped labels: the check fails with 1. */
    ck_assert_int_eq(run("eval --model tiny.clf --recipe recipe.json --corpora . --resamples 0 -q --min-f1 1"), 1);
    /* one corpus only */
    ck_assert_int_eq(run("eval --model tiny.clf --recipe recipe.json --corpora . --corpus news --resamples 0 "
                         "--json n.json -q"), 0);
    j = load_json("n.json");
    ck_assert_uint_eq(json_array_size(json_object_get(j, "groups")), 1);
    json_decref(j);
    ck_assert_int_eq(run("eval --model tiny.clf --recipe recipe.json --corpora . --corpus nosuch -q"), 2);
}
END_TEST

START_TEST(test_files_and_compare)
{
    setup();
    /* ad-hoc file: its label "rude" judged against the model's offensive */
    int st = run("eval --model tiny.clf --map rude=offensive --resamples 50 --json a.json adhoc.tsv");
    char *err = read_in_dir("stderr.txt");
    ck_assert_msg(st == 0, "eval failed (%d): %s", st, err);
    free(err);
    json_t *j = load_json("a.json");
    json_t *cats = json_object_get(json_array_get(json_object_get(j, "groups"), 0), "categories");
    ck_assert_ptr_nonnull(json_object_get(cats, "offensive"));
    ck_assert_ptr_null(json_object_get(cats, "extremism"));
    json_decref(j);

    /* without --map the label must be a category: a clear error */
    ck_assert_int_eq(run("eval --model tiny.clf adhoc.tsv"), 2);
    err = read_in_dir("stderr.txt");
    ck_assert_msg(strstr(err, "rude") && strstr(err, "adhoc.tsv:"), "unhelpful error: %s", err);
    free(err);
    ck_assert_int_eq(run("eval --model tiny.clf --map rude=nosuch adhoc.tsv"), 2);
    ck_assert_int_eq(run("eval --model tiny.clf --bogus adhoc.tsv"), 2);

    /* a file of negatives, judged by flag rate */
    ck_assert_int_eq(run("eval --model tiny.clf --negatives-for extremism --json neg.json -q news-dev.tsv"), 0);
    j = load_json("neg.json");
    json_t *ext = json_object_get(json_object_get(json_array_get(json_object_get(j, "groups"), 0), "categories"),
                                  "extremism");
    ck_assert(json_is_false(json_object_get(ext, "has_positives")));
    json_decref(j);

    /* a model compared with itself: no difference, B never better */
    ck_assert_int_eq(run("eval --model tiny.clf --compare tiny.clf --recipe recipe.json --corpora . "
                         "--resamples 100 --json c.json --html c.html -q"), 0);
    j = load_json("c.json");
    json_t *off = json_object_get(json_object_get(json_array_get(json_object_get(j, "groups"), 0), "categories"),
                                  "offensive");
    json_t *d = json_object_get(json_object_get(off, "comparison"), "f1");
    ck_assert(fabs(json_number_value(json_object_get(d, "diff"))) < 1e-12);
    ck_assert(fabs(json_number_value(json_object_get(d, "fraction_b_better"))) < 1e-12);
    json_decref(j);
}
END_TEST

START_TEST(test_cross_validation)
{
    setup();
    int st = run("eval --cv 2 --recipe recipe.json --corpora . --resamples 50 --json cv.json -q");
    char *err = read_in_dir("stderr.txt");
    ck_assert_msg(st == 0, "eval --cv failed (%d): %s", st, err);
    free(err);
    json_t *j = load_json("cv.json");
    ck_assert(!strncmp(json_string_value(json_object_get(j, "mode")), "cross-validation", 16));
    /* every train document is scored once, out of fold */
    ck_assert_int_eq(json_integer_value(json_object_get(j, "records")), 300);
    json_decref(j);
    ck_assert_int_eq(run("eval --cv 2 --model tiny.clf --recipe recipe.json"), 2);
}
END_TEST

/* Write dir/name: recipe.json with each (from, to) of the NULL-terminated
 * pairs replaced (first occurrence). */
static void recipe_variant(const char *name, const char *const *pairs)
{
    char *text = read_in_dir("recipe.json");
    ck_assert_ptr_nonnull(text);
    for (size_t i = 0; pairs[i]; i += 2) {
        char *at = strstr(text, pairs[i]);
        ck_assert_msg(at != NULL, "test bug: %s", pairs[i]);
        size_t n = strlen(text) - strlen(pairs[i]) + strlen(pairs[i + 1]) + 1;
        char *t = malloc(n);
        ck_assert_ptr_nonnull(t);
        snprintf(t, n, "%.*s%s%s", (int)(at - text), text, pairs[i + 1], at + strlen(pairs[i]));
        free(text);
        text = t;
    }
    clf_test_write_file(dir, name, text);
    free(text);
}

/* The "categories" of every group of a report, as one array. */
static json_t *group_figures(const char *file)
{
    json_t *j = load_json(file), *out = json_array();
    json_t *groups = json_object_get(j, "groups");
    ck_assert(json_array_size(groups) > 0);
    for (size_t i = 0; i < json_array_size(groups); i++)
        json_array_append(out, json_object_get(json_array_get(groups, i), "categories"));
    json_decref(j);
    return out;
}

/*
 * A corpus's recipe "rewrite" rules apply in eval as in training: a corpus
 * whose files spell the rude word غبي as QQQ, with the rule QQQ -> غبي, gives
 * exactly the figures of the original files, held out (eval --recipe) and
 * out of fold (eval --cv, whose fold models train on the rewritten texts and
 * whose held-out folds must be scored on them too). Without the rule the
 * held-out figures differ (the model never saw QQQ).
 */
START_TEST(test_rewrite_in_eval)
{
    setup();
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "cd '%s' && sed 's/غبي/QQQ/g' synth-dev.tsv > synth-dev-q.tsv && "
             "sed 's/غبي/QQQ/g' synth-train.tsv > synth-train-q.tsv && grep -q QQQ synth-dev-q.tsv && "
             "grep -q QQQ synth-train-q.tsv", dir);
    ck_assert_int_eq(system(cmd), 0);
    static const char *const rw[] = {
        "\"synth-train.tsv\"", "\"synth-train-q.tsv\"", "\"synth-dev.tsv\"",
        "\"synth-dev-q.tsv\", \"rewrite\": [[\"QQQ\", \"غبي\"]]", NULL};
    static const char *const norw[] = {"\"synth-train.tsv\"", "\"synth-train-q.tsv\"",
                                       "\"synth-dev.tsv\"", "\"synth-dev-q.tsv\"", NULL};
    recipe_variant("recipe-rw.json", rw);
    recipe_variant("recipe-norw.json", norw);
    const char *const recipes[] = {"recipe.json", "recipe-rw.json", "recipe-norw.json"};
    for (int i = 0; i < 3; i++) {
        int st = run("eval --model tiny.clf --recipe %s --corpora . --resamples 0 --json h%d.json -q",
                     recipes[i], i);
        char *err = read_in_dir("stderr.txt");
        ck_assert_msg(st == 0, "eval --recipe %s failed (%d): %s", recipes[i], st, err);
        free(err);
    }
    json_t *h0 = group_figures("h0.json"), *h1 = group_figures("h1.json"), *h2 = group_figures("h2.json");
    ck_assert_msg(json_equal(h0, h1), "eval with the rewrite rule differs from the original texts");
    ck_assert_msg(!json_equal(h0, h2), "without the rule the texts should score differently");
    json_decref(h0);
    json_decref(h1);
    json_decref(h2);
    for (int i = 0; i < 2; i++) {
        int st = run("eval --cv 2 --recipe %s --corpora . --resamples 0 --json c%d.json -q", recipes[i], i);
        char *err = read_in_dir("stderr.txt");
        ck_assert_msg(st == 0, "eval --cv --recipe %s failed (%d): %s", recipes[i], st, err);
        free(err);
    }
    json_t *c0 = group_figures("c0.json"), *c1 = group_figures("c1.json");
    ck_assert_msg(json_equal(c0, c1), "eval --cv with the rewrite rule differs from the original texts");
    json_decref(c0);
    json_decref(c1);
}
END_TEST

/* Issue 8 finding 18: eval treats bad rows as train does. */
START_TEST(test_bad_rows)
{
    setup();
    clf_test_write_file(dir, "bad-rows.tsv",
                        "id\tlabels\ttext\n1\trude\tأنت غبي\n2\t\tالبيت جميل\n3\tonly two fields\n"
                        "4\t\tالشمس\n5\t\t\xff\xfe\n6\trude\tحقير\n");
    /* default: stop at the first bad row, naming it and the option, exit 2 */
    ck_assert_int_eq(run("eval --model tiny.clf --map rude=offensive --resamples 0 -q bad-rows.tsv"), 2);
    char *err = read_in_dir("stderr.txt");
    ck_assert_msg(strstr(err, "bad-rows.tsv:4") && strstr(err, "--skip-bad-rows"), "%s", err);
    free(err);
    /* --skip-bad-rows: skipped, counted, named on stderr, the rest scored */
    ck_assert_int_eq(run("eval --model tiny.clf --map rude=offensive --resamples 0 -q --skip-bad-rows "
                         "--json b.json bad-rows.tsv"), 0);
    err = read_in_dir("stderr.txt");
    ck_assert_msg(strstr(err, "skipped 2 bad rows"), "%s", err);
    free(err);
    json_t *j = load_json("b.json");
    ck_assert_int_eq(json_integer_value(json_object_get(j, "records")), 4);
    ck_assert_int_eq(json_integer_value(json_object_get(j, "skipped")), 2);
    json_decref(j);
    /* an unmapped label is a bad row too: stops, or is skipped with the option */
    ck_assert_int_eq(run("eval --model tiny.clf --map rude=offensive,*= --resamples 0 -q adhoc.tsv"), 0);
    ck_assert_int_eq(run("eval --model tiny.clf --map other=offensive --resamples 0 -q adhoc.tsv"), 2);
    ck_assert_int_eq(run("eval --model tiny.clf --map other=offensive --resamples 0 -q --skip-bad-rows "
                         "--json c.json adhoc.tsv"), 0);
    j = load_json("c.json");
    ck_assert_int_gt(json_integer_value(json_object_get(j, "skipped")), 0);
    json_decref(j);
}
END_TEST

static size_t n_notes;
static void count_note(void *ctx, const char *msg)
{
    (void)ctx;
    ck_assert_ptr_null(strchr(msg, '\n'));
    n_notes++;
}

/* Library code never writes to stderr: --cv progress comes through the callback. */
START_TEST(test_cv_quiet_library)
{
    setup();
    clf_recipe *r = NULL;
    ck_assert_int_eq(clf_recipe_load(&r, recipe), CLF_OK);
    clf_eval_cv_options o;
    clf_eval_cv_options_init(&o);
    o.folds = 2;
    o.corpora_root = dir;
    o.threads = 1;
    o.note = count_note;
    char path[1024];
    snprintf(path, sizeof path, "%s/cv-stderr.txt", dir);
    fflush(stderr);
    int saved = dup(2);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    dup2(fileno(f), 2);
    clf_eval_data *d = NULL;
    int rc = clf_eval_cv_run(r, &o, &d);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    fclose(f);
    ck_assert_msg(rc == CLF_OK, "%s", clf_last_error());
    ck_assert_uint_eq(clf_eval_data_docs(d), 300);
    ck_assert_uint_ge(n_notes, 4); /* corpora read, folds trained, thresholds */
    size_t len = 0;
    char *text = clf_test_read_file(path, &len);
    ck_assert_msg(len == 0, "clf_eval_cv_run wrote to stderr: %s", text);
    free(text);
    clf_eval_data_free(d);
    clf_recipe_free(r);
}
END_TEST

/* Issue 9 section 6: two recipes compared per corpus on the same folds. */
START_TEST(test_cv_compare_recipe)
{
    setup();
    /* B: another C grid; A against itself must differ by exactly nothing */
    char *text = clf_test_read_file(recipe, NULL);
    ck_assert_ptr_nonnull(text);
    char *p = strstr(text, "\"c_grid\": [1, 4]");
    ck_assert_ptr_nonnull(p);
    memcpy(p, "\"c_grid\": [64,8]", strlen("\"c_grid\": [1, 4]")); /* same length */
    p = strstr(text, "\"tiny\"");
    memcpy(p, "\"tinb\"", 6);
    clf_test_write_file(dir, "recipe-b.json", text);
    free(text);
    int st = run("eval --cv 2 --recipe recipe.json --compare-recipe recipe.json --corpora . --resamples 50 "
                 "--json self.json -q");
    char *err = read_in_dir("stderr.txt");
    ck_assert_msg(st == 0, "eval --cv --compare-recipe failed (%d): %s", st, err);
    free(err);
    json_t *j = load_json("self.json");
    json_t *groups = json_object_get(j, "groups");
    size_t checked = 0;
    for (size_t g = 0; g < json_array_size(groups); g++) {
        const char *key;
        json_t *c;
        json_object_foreach(json_object_get(json_array_get(groups, g), "categories"), key, c) {
            json_t *cmp = json_object_get(c, "comparison");
            ck_assert_msg(json_is_object(cmp), "no comparison for %s", key);
            int pos = json_is_true(json_object_get(c, "has_positives"));
            json_t *d = json_object_get(cmp, pos ? "average_precision" : "flag_rate");
            ck_assert(json_is_number(json_object_get(d, "diff")));
            ck_assert(fabs(json_number_value(json_object_get(d, "diff"))) < 1e-12);
            /* the very same scores: no resample can tell them apart */
            ck_assert(fabs(json_number_value(json_object_get(d, "fraction_b_better"))) < 1e-12);
            checked++;
        }
    }
    ck_assert_uint_ge(checked, 4);
    /* the same scores: no decision changed */
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(j, "changed_decisions"), "count")), 0);
    json_decref(j);

    st = run("eval --cv 2 --recipe recipe.json --compare-recipe recipe-b.json --corpora . --resamples 50 "
             "--json cmp.json");
    err = read_in_dir("stderr.txt");
    ck_assert_msg(st == 0, "eval --cv --compare-recipe failed (%d): %s", st, err);
    free(err);
    char *out = read_in_dir("stdout.txt");
    ck_assert_ptr_nonnull(strstr(out, "== by corpus: tinb (B) minus tiny (A) =="));
    ck_assert_ptr_nonnull(strstr(out, "constraints: flag rate on hard-negative corpora"));
    ck_assert_ptr_nonnull(strstr(out, "news "));
    free(out);
    j = load_json("cmp.json");
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "compare_model"), "name")), "tinb");
    ck_assert_int_eq(json_integer_value(json_object_get(j, "records")), 300);
    json_t *synth_off = json_object_get(json_object_get(json_array_get(json_object_get(j, "groups"), 0),
                                                        "categories"), "offensive");
    json_t *dap = json_object_get(json_object_get(synth_off, "comparison"), "average_precision");
    ck_assert(json_is_array(json_object_get(dap, "ci")));
    ck_assert(json_is_number(json_object_get(dap, "diff")));
    ck_assert(json_is_number(json_object_get(dap, "b")));
    json_decref(j);

    /* C: offensive and extremism swapped, so decisions change: they are counted (not listed: no
     * model pair is kept), at least as many documents as a category's true or false positives
     * move by in any group (each such move is a changed document), at most all */
    text = clf_test_read_file(recipe, NULL);
    ck_assert_ptr_nonnull(text);
    p = strstr(text, "{\"rude\": [\"offensive\"], \"pro_extreme\": [\"extremism\"]}");
    ck_assert_ptr_nonnull(p);
    memcpy(p, "{\"rude\": [\"extremism\"], \"pro_extreme\": [\"offensive\"]}",
           strlen("{\"rude\": [\"extremism\"], \"pro_extreme\": [\"offensive\"]}")); /* same length */
    clf_test_write_file(dir, "recipe-c.json", text);
    free(text);
    st = run("eval --cv 2 --recipe recipe.json --compare-recipe recipe-c.json --corpora . --resamples 0 "
             "--json swap.json");
    err = read_in_dir("stderr.txt");
    ck_assert_msg(st == 0, "eval --cv --compare-recipe (swapped) failed (%d): %s", st, err);
    free(err);
    j = load_json("swap.json");
    long most = 0;
    groups = json_object_get(j, "groups");
    for (size_t g = 0; g < json_array_size(groups); g++) {
        const char *key;
        json_t *c;
        json_object_foreach(json_object_get(json_array_get(groups, g), "categories"), key, c) {
            json_t *ca = json_object_get(c, "counts");
            json_t *cb = json_object_get(json_object_get(c, "comparison"), "counts_b");
            ck_assert(json_is_object(ca) && json_is_object(cb));
            const char *fields[] = {"tp", "fp"};
            for (int i = 0; i < 2; i++) {
                long d = (long)(json_integer_value(json_object_get(ca, fields[i])) -
                                json_integer_value(json_object_get(cb, fields[i])));
                if (labs(d) > most)
                    most = labs(d);
            }
        }
    }
    json_t *chg = json_object_get(j, "changed_decisions");
    long n_changed = (long)json_integer_value(json_object_get(chg, "count"));
    ck_assert_msg(most > 0, "the swapped recipe flags as many true and false positives: no test");
    ck_assert_msg(n_changed >= most && n_changed <= 300, "changed decisions %ld, counts move by %ld",
                  n_changed, most);
    ck_assert_int_eq(json_integer_value(json_object_get(chg, "listed")), 0);
    out = read_in_dir("stdout.txt");
    char want[160];
    snprintf(want, sizeof want, "decisions changed (A -> B): %ld of 300 documents (counted, not listed", n_changed);
    ck_assert_msg(strstr(out, want) != NULL, "no \"%s\" in the report", want);
    free(out);
    json_decref(j);
    ck_assert_int_eq(run("eval --recipe recipe.json --compare-recipe recipe-b.json --corpora ."), 2);
}
END_TEST

/* The pairing entry of corpus `name` in a report's "pairing". */
static json_t *pairing_of(json_t *j, const char *name)
{
    json_t *corpora = json_object_get(json_object_get(j, "pairing"), "corpora");
    for (size_t i = 0; i < json_array_size(corpora); i++)
        if (!strcmp(json_string_value(json_object_get(json_array_get(corpora, i), "corpus")), name))
            return json_array_get(corpora, i);
    ck_abort_msg("no pairing entry for %s", name);
    return NULL;
}

static long jint(json_t *o, const char *key)
{
    ck_assert_msg(json_is_integer(json_object_get(o, key)), "no integer %s", key);
    return (long)json_integer_value(json_object_get(o, key));
}

/* A two-category recipe: corpus synth read from `train` (with `synth_extra` keys), then `more` corpora. */
static void write_pair_recipe(const char *file, const char *name, const char *train, const char *synth_extra,
                              const char *more)
{
    char buf[4096];
    snprintf(buf, sizeof buf,
             "{\"name\": \"%s\", \"categories\": [\"offensive\", \"extremism\"],\n"
             " \"features\": {\"word_ngram_max\": 1, \"char_ngram_max\": 3, \"hash_bits\": 12, \"min_df\": 1},\n"
             " \"training\": {\"folds\": 2, \"c_grid\": [1, 4]},\n"
             " \"corpora\": [\n"
             "  {\"name\": \"synth\", \"train\": \"%s\", \"annotates\": [\"offensive\", \"extremism\"],\n"
             "   \"labels\": {\"rude\": [\"offensive\"], \"pro_extreme\": [\"extremism\"]}%s}%s]}\n",
             name, train, synth_extra, more);
    clf_test_write_file(dir, file, buf);
}

/*
 * Two recipes whose held-out sets differ are paired on the documents both
 * scored: B reads a shorter synth file (its first 200 of 240 rows: 40 only
 * in A) and adds the news corpus (60 only in B). A rewrites every rude and
 * extreme word to a neutral one, so it sees the classes only through how
 * often that word occurs: B must be better on offensive AP (here by about
 * 0.2), with an interval above 0. A labelling corpus with no
 * shared document, or one only B has, is refused.
 */
START_TEST(test_cv_compare_recipe_unpaired)
{
    setup();
    write_corpus("synth-200.tsv", 200, 1, 1, 0); /* the same rng from the same seed: synth-train's first 200 */
    char *full = read_in_dir("synth-train.tsv"), *part = read_in_dir("synth-200.tsv");
    ck_assert_ptr_nonnull(full);
    ck_assert_ptr_nonnull(part);
    ck_assert_msg(!strncmp(full, part, strlen(part)), "synth-200.tsv is not a prefix of synth-train.tsv");
    free(full);
    free(part);
    const char *blind = ", \"rewrite\": [[\"غبي\", \"البيت\"], [\"حقير\", \"البيت\"], [\"تافه\", \"البيت\"], "
                        "[\"وقح\", \"البيت\"], [\"بيعة\", \"كتاب\"], [\"الخلافة\", \"كتاب\"], "
                        "[\"مجاهدين\", \"كتاب\"], [\"غزوة\", \"كتاب\"]]";
    const char *news = ",\n  {\"name\": \"news\", \"train\": \"news-train.tsv\", \"negatives_for\": [\"extremism\"]}";
    const char *extra = ",\n  {\"name\": \"more\", \"train\": \"adhoc.tsv\", \"annotates\": [\"offensive\"],"
                        " \"labels\": {\"rude\": [\"offensive\"]}}";
    write_pair_recipe("pair-a.json", "blind", "synth-train.tsv", blind, "");
    write_pair_recipe("pair-b.json", "seeing", "synth-200.tsv", "", news);

    int st = run("eval --cv 2 --recipe pair-a.json --compare-recipe pair-b.json --corpora . --resamples 200 "
                 "--json pair.json --html pair.html");
    char *err = read_in_dir("stderr.txt");
    ck_assert_msg(st == 0, "eval --cv --compare-recipe (unpaired documents) failed (%d): %s", st, err);
    free(err);
    json_t *j = load_json("pair.json");
    ck_assert_int_eq(jint(j, "records"), 200);
    json_t *pr = json_object_get(j, "pairing");
    ck_assert_int_eq(jint(pr, "paired"), 200);
    ck_assert_int_eq(jint(pr, "only_a"), 40);
    ck_assert_int_eq(jint(pr, "only_b"), 60);
    json_t *ps = pairing_of(j, "synth"), *pn = pairing_of(j, "news");
    ck_assert_int_eq(jint(ps, "a"), 240);
    ck_assert_int_eq(jint(ps, "b"), 200);
    ck_assert_int_eq(jint(ps, "paired"), 200);
    ck_assert_int_eq(jint(ps, "only_a"), 40);
    ck_assert_int_eq(jint(ps, "only_b"), 0);
    ck_assert(json_is_true(json_object_get(ps, "annotates")));
    ck_assert_int_eq(jint(pn, "a"), 0);
    ck_assert_int_eq(jint(pn, "b"), 60);
    ck_assert_int_eq(jint(pn, "paired"), 0);
    ck_assert_int_eq(jint(pn, "only_b"), 60);
    ck_assert(json_is_false(json_object_get(pn, "annotates")));
    /* the figures are on the paired documents only: one group, synth's 200, news nowhere */
    json_t *groups = json_object_get(j, "groups");
    ck_assert_uint_eq(json_array_size(groups), 1);
    json_t *g = json_array_get(groups, 0);
    ck_assert_str_eq(json_string_value(json_object_get(g, "name")), "synth");
    ck_assert_int_eq(jint(g, "documents"), 200);
    json_t *off = json_object_get(json_object_get(g, "categories"), "offensive");
    json_t *dap = json_object_get(json_object_get(off, "comparison"), "average_precision");
    double diff = json_number_value(json_object_get(dap, "diff"));
    json_t *ci = json_object_get(dap, "ci");
    ck_assert_msg(diff > 0.1, "the recipe that sees the rude words gains only %.3f offensive AP", diff);
    ck_assert_msg(json_is_array(ci) && json_number_value(json_array_get(ci, 0)) > 0,
                  "the interval of the offensive AP gain does not exclude 0");
    json_decref(j);
    char *out = read_in_dir("stdout.txt");
    ck_assert_ptr_nonnull(strstr(out, "paired by document (corpus and id): 200 documents scored by both runs; "
                                      "40 only by A and 60 only by B are left out of every figure:"));
    ck_assert_ptr_nonnull(strstr(out, "synth                      200 paired, 40 only in A, 0 only in B\n"));
    ck_assert_ptr_nonnull(strstr(out, "news                       0 paired, 0 only in A, 60 only in B (a corpus "
                                      "of B only)\n"));
    ck_assert_ptr_nonnull(strstr(out, "left out: synth 40 only in A, 0 only in B; news 0 only in A, 60 only in B\n"));
    free(out);
    char *html = read_in_dir("pair.html");
    ck_assert_ptr_nonnull(strstr(html, "<td>synth</td><td>240</td><td>200</td><td>200</td><td>40</td><td>0</td>"));
    free(html);

    /* the same ids nowhere in a labelling corpus: refused, named */
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "cd '%s' && sed 's/^d/x/' synth-200.tsv > synth-renamed.tsv", dir);
    ck_assert_int_eq(system(cmd), 0);
    write_pair_recipe("pair-c.json", "renamed", "synth-renamed.tsv", "", news);
    ck_assert_int_eq(run("eval --cv 2 --recipe pair-a.json --compare-recipe pair-c.json --corpora . -q"), 2);
    err = read_in_dir("stderr.txt");
    ck_assert_msg(strstr(err, "corpus synth: run A scored 240 documents, run B 200, and only 0 are the same "
                              "documents") != NULL, "%s", err);
    free(err);
    /* a labelling corpus only B has: nothing to pair it with */
    write_pair_recipe("pair-d.json", "more", "synth-train.tsv", "", extra);
    ck_assert_int_eq(run("eval --cv 2 --recipe pair-a.json --compare-recipe pair-d.json --corpora . -q"), 2);
    err = read_in_dir("stderr.txt");
    ck_assert_msg(strstr(err, "corpus more labels documents but only run B scored it (80 documents)") != NULL,
                  "%s", err);
    free(err);
}
END_TEST

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/*
 * Issue 8 finding 16: eval --cv folds by training's rule, a hash of the
 * normalized text. Each document comes twice, once with tatweel: the two
 * normalize alike, so they must share a fold and get the very same
 * out-of-fold score from the one fold model that saw neither.
 */
START_TEST(test_cv_folds_normalized)
{
    setup();
    char path[1024];
    snprintf(path, sizeof path, "%s/dup-train.tsv", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("id\tlabels\ttext\n", f);
    clf_rng r;
    clf_rng_seed(&r, 11);
    for (int i = 0; i < 60; i++) {
        int kind = (int)clf_rng_below(&r, 2);
        char buf[512];
        FILE *m = fmemopen(buf, sizeof buf, "w");
        fprintf(m, "%d ", i); /* a number of its own: no two pairs alike */
        sentence(m, &r, kind);
        fclose(m);
        fprintf(f, "a%d\t%s\t%s\n", i, kind ? "rude" : "", buf);
        /* the same text with a kashida after the first letter of each word */
        fprintf(f, "b%d\t%s\t", i, kind ? "rude" : "");
        for (const char *p = buf; *p; p++) {
            fputc(*p, f);
            if ((unsigned char)*p >= 0xD8 && (p == buf || p[-1] == ' ')) {
                fputc(p[1], f);
                p++;
                if ((unsigned char)p[1] >= 0xD8)
                    fputs("\xd9\x80", f);
            }
        }
        fputc('\n', f);
    }
    fclose(f);
    snprintf(path, sizeof path, "%s/dup-recipe.json", dir);
    clf_test_write_file(dir, "dup-recipe.json",
          "{\"name\": \"dup\", \"categories\": [\"offensive\"],\n"
          " \"features\": {\"word_ngram_max\": 1, \"char_ngram_max\": 3, \"hash_bits\": 12, \"min_df\": 1},\n"
          " \"training\": {\"folds\": 2, \"c_grid\": [1]},\n"
          " \"corpora\": [{\"name\": \"dup\", \"train\": \"dup-train.tsv\", \"annotates\": [\"offensive\"],\n"
          "   \"labels\": {\"rude\": [\"offensive\"]}}]}\n");
    clf_recipe *rc_ = NULL;
    ck_assert_int_eq(clf_recipe_load(&rc_, path), CLF_OK);
    clf_eval_cv_options o;
    clf_eval_cv_options_init(&o);
    o.folds = 4;
    o.corpora_root = dir;
    o.threads = 1;
    clf_eval_data *d = NULL;
    int rc = clf_eval_cv_run(rc_, &o, &d);
    ck_assert_msg(rc == CLF_OK, "%s", clf_last_error());
    ck_assert_uint_eq(d->n_docs, 120);
    double *v = malloc(d->n_docs * sizeof *v);
    for (size_t i = 0; i < d->n_docs; i++)
        v[i] = d->sa[i * d->n_cats];
    qsort(v, d->n_docs, sizeof *v, cmp_dbl);
    /* every score appears an even number of times: pairs scored by one model */
    size_t runs_odd = 0;
    for (size_t i = 0; i < d->n_docs;) {
        size_t j = i;
        while (j < d->n_docs && v[j] == v[i])
            j++;
        runs_odd += (j - i) % 2;
        i = j;
    }
    ck_assert_msg(runs_odd == 0, "%zu scores without their twin: duplicates fell on both sides of a fold",
                  runs_odd);
    free(v);
    clf_eval_data_free(d);
    clf_recipe_free(rc_);
}
END_TEST

static void write_suite(const char *name, int with_positive)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("{\"schema\": \"libclassify-functional/1\", \"name\": \"tiny-functional\",\n"
          " \"slots\": {\"W\": [\"البيت\", \"الشمس\", \"المطر\"]},\n"
          " \"classes\": [\n"
          "  {\"name\": \"neutral\", \"kind\": \"benign\", \"must_not\": [\"*\"],\n"
          "   \"gate\": {\"max_flag_rate\": 0.02},\n"
          "   \"items\": [\"كتاب جميل\"], \"templates\": [\"{W} جميل اليوم\"]}", f);
    if (with_positive)
        fputs(",\n  {\"name\": \"rude\", \"kind\": \"positive\", \"must\": [\"offensive\"],\n"
              "   \"gate\": {\"min_recall\": 0.9}, \"items\": [\"أنت غبي وحقير\", \"تافه ووقح\"]},\n"
              "  {\"name\": \"rude-obf\", \"kind\": \"positive\", \"must\": [\"offensive\"],\n"
              "   \"from\": [\"rude\"], \"transforms\": [\"tatweel\", \"spaced\"]}", f);
    fputs("]}\n", f);
    fclose(f);
}

START_TEST(test_functional)
{
    setup();
    write_suite("suite.json", 1);
    /* thresholds 0: everything flagged, so positives pass and the benign class fails */
    int st = run("eval --functional suite.json --model tiny.clf -t offensive=0,extremism=0 --gate "
                 "--json f.json --html f.html");
    ck_assert_int_eq(st, 1);
    char *err = read_in_dir("stderr.txt");
    ck_assert_ptr_nonnull(strstr(err, "gate failed: neutral"));
    ck_assert_ptr_null(strstr(err, "gate failed: rude"));
    free(err);
    char *out = read_in_dir("stdout.txt");
    ck_assert_ptr_nonnull(strstr(out, "gate: FAILED (1 of 2 gated classes failed)"));
    free(out);
    json_t *j = load_json("f.json");
    ck_assert_str_eq(json_string_value(json_object_get(j, "schema")), "libclassify-functional-report/1");
    ck_assert(json_is_false(json_object_get(json_object_get(j, "gate"), "passed")));
    json_t *classes = json_object_get(j, "classes");
    ck_assert_uint_eq(json_array_size(classes), 3);
    json_t *neutral = json_array_get(classes, 0), *rude = json_array_get(classes, 1);
    ck_assert_int_eq(json_integer_value(json_object_get(neutral, "items")), 4);
    ck_assert_int_eq(json_integer_value(json_object_get(neutral, "flagged")), 4);
    ck_assert(fabs(json_number_value(json_object_get(rude, "value")) - 1.0) < 1e-12);
    ck_assert_str_eq(json_string_value(json_object_get(rude, "measure")), "recall");
    ck_assert_uint_eq(json_array_size(json_object_get(j, "items")), 8);
    json_t *obf = json_array_get(json_object_get(j, "items"), 7);
    ck_assert_str_eq(json_string_value(json_object_get(obf, "transform")), "spaced");
    json_decref(j);
    char *html = read_in_dir("f.html");
    ck_assert_ptr_nonnull(strstr(html, "Functional tests"));
    ck_assert_ptr_nonnull(strstr(html, "FAIL"));
    ck_assert_ptr_null(strstr(html, "<script"));
    free(html);

    /* without --gate the same run reports and exits 0 */
    ck_assert_int_eq(run("eval --functional suite.json --model tiny.clf -t offensive=0,extremism=0 -q"), 0);
    /* thresholds 1: nothing flagged; a benign-only suite passes its gate */
    write_suite("benign.json", 0);
    ck_assert_int_eq(run("eval --functional benign.json --model tiny.clf -t offensive=1,extremism=1 --gate -q"),
                     0);
    /* ... and the positive classes fail theirs */
    ck_assert_int_eq(run("eval --functional suite.json --model tiny.clf -t offensive=1,extremism=1 --gate -q"),
                     1);
    /* the model's own thresholds: the figures are those of its scores */
    ck_assert_int_eq(run("eval --functional suite.json --model tiny.clf --json g.json -q"), 0);
    j = load_json("g.json");
    json_t *items = json_object_get(j, "items");
    size_t flagged = 0;
    for (size_t i = 0; i < 4; i++)
        flagged += json_array_size(json_object_get(json_array_get(items, i), "flagged")) > 0;
    ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(json_object_get(j, "classes"), 0),
                                                        "flagged")), (json_int_t)flagged);
    json_decref(j);

    /* errors: a category the model lacks, a missing file, --gate alone, --functional with --recipe */
    clf_test_write_file(dir, "bad.json",
                        "{\"schema\": \"libclassify-functional/1\", \"classes\": [{\"name\": \"x\","
                        " \"kind\": \"positive\", \"must\": [\"incitement\"], \"items\": [\"a\"]}]}");
    ck_assert_int_eq(run("eval --functional bad.json --model tiny.clf"), 2);
    err = read_in_dir("stderr.txt");
    ck_assert_ptr_nonnull(strstr(err, "incitement"));
    free(err);
    ck_assert_int_eq(run("eval --functional nosuch.json --model tiny.clf"), 2);
    ck_assert_int_eq(run("eval --gate --model tiny.clf --recipe recipe.json"), 2);
    ck_assert_int_eq(run("eval --functional suite.json --recipe recipe.json"), 2);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("eval_cli");
    TCase *tc = tcase_create("cli");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_recipe_eval);
    tcase_add_test(tc, test_files_and_compare);
    tcase_add_test(tc, test_cross_validation);
    tcase_add_test(tc, test_functional);
    tcase_add_test(tc, test_bad_rows);
    tcase_add_test(tc, test_cv_quiet_library);
    tcase_add_test(tc, test_cv_folds_normalized);
    tcase_add_test(tc, test_cv_compare_recipe);
    tcase_add_test(tc, test_cv_compare_recipe_unpaired);
    tcase_add_test(tc, test_rewrite_in_eval);
    suite_add_tcase(s, tc);
    return clf_test_run(s);
}
