/*
 * test_train_select.c - the recipe options for model selection and
 * corpus roles, on tiny synthetic corpora: per-corpus weights (rows
 * repeated after fold assignment), flag-rate caps on hard negatives,
 * the C grid extension, in-domain selection, the solver per category, dropped source artefacts,
 * per-corpus rewrites and corpus files relative to the recipe.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <jansson.h>

#include "classify.h"
#include "recipe.h"
#include "train.h"
#include "testutil.h"
#include "train_fixture.h"

#define NFILL 18 /* this file's rows use the first 18 filler words */

static const char *dir_of(const char *sub)
{
    return clf_test_dir(sub);
}

/* n rows; every third one positive with the word `marker` (and `extra`
 * appended to positives when not NULL); a negative gets `neg_extra` on
 * every `neg_every`-th row when not NULL. Five filler words a row. */
static void write_rows(const char *dir, const char *name, size_t n, const char *label,
                       const char *marker, const char *extra, const char *neg_extra,
                       size_t neg_every, uint32_t seed)
{
    const char *const markers[] = {marker};
    clf_test_rows spec = {.n = n, .label = label, .markers = marker ? markers : NULL,
                          .n_markers = 1, .pos_extra = extra, .neg_extra = neg_extra,
                          .neg_every = neg_every, .words = 5, .n_filler = NFILL, .seed = seed};
    clf_test_write_rows(dir, name, &spec);
}

/* The corpora of the later tests in dir: ca.tsv, 120 rows, positives
 * marked سيف (then `extra` when not NULL), and hn.tsv, 60 rows without a
 * marker, written with seeds seed and seed + 1. */
static void write_ca_hn(const char *dir, const char *extra, uint32_t seed)
{
    write_rows(dir, "ca.tsv", 120, "a", "سيف", extra, NULL, 0, seed);
    write_rows(dir, "hn.tsv", 60, "", NULL, NULL, NULL, 0, seed + 1);
}

/* tmpl with its "@@" replaced by arg. */
static void fill(char *buf, size_t size, const char *tmpl, const char *arg)
{
    const char *at = strstr(tmpl, "@@");
    ck_assert_ptr_nonnull(at);
    int n = snprintf(buf, size, "%.*s%s%s", (int)(at - tmpl), tmpl, arg, at + 2);
    ck_assert(n > 0 && (size_t)n < size);
}

/* The corpora most recipes here end with: ca (positives of alpha) and hn (its hard negatives). */
#define CA_HN_CORPORA                                                                     \
    "  {\"name\": \"ca\", \"train\": \"ca.tsv\", \"annotates\": [\"alpha\"],\n"               \
    "   \"labels\": {\"a\": [\"alpha\"]}},\n"                                                \
    "  {\"name\": \"hn\", \"train\": \"hn.tsv\", \"negatives_for\": [\"alpha\"]}\n"          \
    " ]}\n"

static int train_text(const char *text, const char *source, const char *root, const char *out)
{
    clf_recipe *r;
    int rc = clf_recipe_parse(&r, text, strlen(text), source);
    ck_assert_msg(rc == CLF_OK, "%s", clf_last_error());
    clf_train_options o = CLF_TRAIN_OPTIONS_INIT;
    o.corpora_root = root;
    o.threads = 2;
    rc = clf_train(r, &o, out, NULL);
    clf_recipe_free(r);
    return rc;
}

/* tmpl with "@@" replaced by arg, trained into out (which must succeed). */
static void train_ok(const char *tmpl, const char *arg, const char *source, const char *root,
                     const char *out)
{
    char text[4096];
    fill(text, sizeof text, tmpl, arg);
    ck_assert_msg(train_text(text, source, root, out) == CLF_OK, "%s: %s", out, clf_last_error());
}

static const char *out_path(const char *name)
{
    return clf_test_tmp_path(name);
}

/* Category 0's probability of text under model file path. */
static double prob(const char *path, const char *text)
{
    clf_model *m;
    ck_assert_int_eq(clf_model_load(&m, path), CLF_OK);
    clf_scorer *s;
    ck_assert_int_eq(clf_scorer_new(&s, m), CLF_OK);
    clf_score_result r[4];
    ck_assert_int_ge(clf_score(s, text, strlen(text), r, 4, NULL), 0);
    double p = r[0].probability;
    clf_scorer_free(s);
    clf_model_free(m);
    return p;
}

/* The model's metadata, parsed. */
static json_t *metadata(const char *path)
{
    clf_model *m;
    ck_assert_int_eq(clf_model_load(&m, path), CLF_OK);
    json_error_t e;
    json_t *j = json_loads(clf_model_metadata(m), 0, &e);
    clf_model_free(m);
    ck_assert_ptr_nonnull(j);
    return j;
}

/* ---- weights ---- */

static const char *weight_recipe =
    "{\"name\": \"w\", \"categories\": [\"alpha\"],\n"
    " \"features\": {\"hash_bits\": 16, \"min_df\": 1, \"char_ngram_max\": 0, \"stems\": false},\n"
    " \"training\": {\"folds\": 3, \"c_grid\": [4], \"threshold\": \"best_f1\"},\n"
    " \"corpora\": [\n"
    "  {\"name\": \"ca\", \"train\": \"ca.tsv\", \"annotates\": [\"alpha\"],\n"
    "   \"labels\": {\"a\": [\"alpha\"]}},\n"
    "  {\"name\": \"hn\", \"train\": \"hn.tsv\", \"negatives_for\": [\"alpha\"], \"weight\": @@}\n"
    " ]}\n";

START_TEST(test_weight_repeats_rows)
{
    const char *dir = dir_of("weights");
    /* the marker سيف is a positive sign in ca, but hn (hard negatives)
     * uses it on every other row */
    write_rows(dir, "ca.tsv", 90, "a", "سيف", NULL, NULL, 0, 1);
    write_rows(dir, "hn.tsv", 40, "", NULL, NULL, NULL, 0, 2);
    char path[8192];
    snprintf(path, sizeof path, "%s/hn.tsv", dir);
    FILE *f = fopen(path, "ab");
    ck_assert_ptr_nonnull(f);
    for (int i = 0; i < 20; i++)
        fprintf(f, "x%d\t\tسيف %s %s\n", i, clf_test_filler[i % NFILL],
                clf_test_filler[(i * 7 + 3) % NFILL]);
    fclose(f);

    char text[2048];
    const char *m1 = out_path("w1.clf"), *m10 = out_path("w10.clf");
    train_ok(weight_recipe, "1", "w.json", dir, m1);
    train_ok(weight_recipe, "10", "w.json", dir, m10);
    /* ten copies of every hard negative weigh more against the marker */
    double p1 = prob(m1, "سيف الماء"), p10 = prob(m10, "سيف الماء");
    ck_assert_msg(p10 < p1, "weight 10: p %g, weight 1: p %g", p10, p1);

    /* the fits see the repeated rows: 90 + 10 * 60 examples in the final fit */
    char rpath[8192], cmd[20000], out[65536];
    snprintf(rpath, sizeof rpath, "%s/w10.json", dir);
    f = fopen(rpath, "w");
    ck_assert_ptr_nonnull(f);
    fill(text, sizeof text, weight_recipe, "10");
    fputs(text, f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "'%s' train --recipe '%s' --out '%s' --corpora '%s' --verbose 2>&1",
             CLF_CLI_PATH, rpath, out_path("wcli.clf"), dir);
    ck_assert_int_eq(clf_test_run_cmd(cmd, out, sizeof out), 0);
    ck_assert_msg(strstr(out, "final fit, C=4, on 690 examples"), "%s", out);

    /* weight must be an integer >= 1 */
    fill(text, sizeof text, weight_recipe, "0");
    clf_recipe *r;
    ck_assert_int_eq(clf_recipe_parse(&r, text, strlen(text), "w.json"), CLF_E_PARSE);
    ck_assert_msg(strstr(clf_last_error(), "weight"), "%s", clf_last_error());
}
END_TEST

/* Per-category weights: {"alpha": 10, "*": 1} repeats hn's rows in alpha's fits only. */
static const char *cat_weight_recipe =
    "{\"name\": \"w\", \"categories\": [\"alpha\", \"beta\"],\n"
    " \"features\": {\"hash_bits\": 16, \"min_df\": 1, \"char_ngram_max\": 0, \"stems\": false},\n"
    " \"training\": {\"folds\": 3, \"c_grid\": [4], \"threshold\": \"best_f1\"},\n"
    " \"corpora\": [\n"
    "  {\"name\": \"ca\", \"train\": \"ca.tsv\", \"annotates\": [\"alpha\", \"beta\"],\n"
    "   \"labels\": {\"a\": [\"alpha\", \"beta\"]}},\n"
    "  {\"name\": \"hn\", \"train\": \"hn.tsv\", \"negatives_for\": [\"alpha\", \"beta\"],\n"
    "   \"weight\": @@}\n"
    " ]}\n";

/* Both categories' probabilities of text under model file path. */
static void probs2(const char *path, const char *text, double *pa, double *pb)
{
    clf_model *m;
    ck_assert_int_eq(clf_model_load(&m, path), CLF_OK);
    clf_scorer *s;
    ck_assert_int_eq(clf_scorer_new(&s, m), CLF_OK);
    clf_score_result r[2];
    ck_assert_int_ge(clf_score(s, text, strlen(text), r, 2, NULL), 0);
    *pa = r[0].probability;
    *pb = r[1].probability;
    clf_scorer_free(s);
    clf_model_free(m);
}

START_TEST(test_weight_per_category)
{
    const char *dir = dir_of("catweights");
    write_rows(dir, "ca.tsv", 90, "a", "سيف", NULL, NULL, 0, 1);
    write_rows(dir, "hn.tsv", 40, "", NULL, NULL, NULL, 0, 2);
    char path[8192];
    snprintf(path, sizeof path, "%s/hn.tsv", dir);
    FILE *f = fopen(path, "ab");
    ck_assert_ptr_nonnull(f);
    for (int i = 0; i < 20; i++)
        fprintf(f, "x%d\t\tسيف %s %s\n", i, clf_test_filler[i % NFILL],
                clf_test_filler[(i * 7 + 3) % NFILL]);
    fclose(f);

    const char *m1 = out_path("cw1.clf"), *ma = out_path("cwa.clf"), *mn = out_path("cwn.clf");
    train_ok(cat_weight_recipe, "1", "w.json", dir, m1);
    train_ok(cat_weight_recipe, "{\"alpha\": 10, \"*\": 1}", "w.json", dir, ma);
    train_ok(cat_weight_recipe, "{\"alpha\": 10}", "w.json", dir, mn); /* "*" defaults to 1 */
    double a1, b1, aa, ba, an, bn;
    probs2(m1, "سيف الماء", &a1, &b1);
    probs2(ma, "سيف الماء", &aa, &ba);
    probs2(mn, "سيف الماء", &an, &bn);
    /* alpha's fits saw ten copies of hn: its marker weighs less; beta's fits are unchanged */
    ck_assert_msg(aa < a1, "alpha: weight 10 p %g, weight 1 p %g", aa, a1);
    ck_assert_msg(ba == b1, "beta: p %.17g with alpha's weight, %.17g without", ba, b1);
    ck_assert_msg(an == aa && bn == ba, "\"*\" should default to 1");

    /* the metadata records the weights in force per category */
    json_t *j = metadata(ma);
    json_t *cats = json_object_get(j, "categories");
    ck_assert_ptr_nonnull(cats);
    json_t *ca = json_object_get(cats, "alpha"), *cb = json_object_get(cats, "beta");
    ck_assert_ptr_nonnull(ca);
    ck_assert_ptr_nonnull(cb);
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(ca, "corpus_weights"), "hn")), 10);
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(cb, "corpus_weights"), "hn")), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(cb, "corpus_weights"), "ca")), 1);
    json_decref(j);

    /* the final fits: alpha 90 + 10 * 60 examples, beta 90 + 60 */
    char rpath[8192], cmd[20000], out[65536], text[4096];
    snprintf(rpath, sizeof rpath, "%s/cw.json", dir);
    f = fopen(rpath, "w");
    ck_assert_ptr_nonnull(f);
    fill(text, sizeof text, cat_weight_recipe, "{\"alpha\": 10}");
    fputs(text, f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "'%s' train --recipe '%s' --out '%s' --corpora '%s' --verbose 2>&1",
             CLF_CLI_PATH, rpath, out_path("cwcli.clf"), dir);
    ck_assert_int_eq(clf_test_run_cmd(cmd, out, sizeof out), 0);
    ck_assert_msg(strstr(out, "alpha: final fit, C=4, on 690 examples"), "%s", out);
    ck_assert_msg(strstr(out, "beta: final fit, C=4, on 150 examples"), "%s", out);

    /* errors name the problem */
    static const struct { const char *w, *msg; } bad[] = {
        {"{\"gamma\": 2}", "unknown category \"gamma\""},
        {"{\"alpha\": 0}", "weight.alpha: expected an integer in [1, 1000]"},
        {"{\"alpha\": 2.5}", "weight.alpha: expected an integer in [1, 1000]"},
        {"{\"*\": 1001}", "weight.*: expected an integer in [1, 1000]"},
        {"\"3\"", "weight: expected an integer in [1, 1000]"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fill(text, sizeof text, cat_weight_recipe, bad[i].w);
        clf_recipe *r;
        ck_assert_int_eq(clf_recipe_parse(&r, text, strlen(text), "w.json"), CLF_E_PARSE);
        ck_assert_msg(strstr(clf_last_error(), bad[i].msg), "%s: %s", bad[i].w, clf_last_error());
    }
    /* a category the corpus gives no examples for */
    static const char *one_cat =
        "{\"name\": \"w\", \"categories\": [\"alpha\", \"beta\"],\n"
        " \"corpora\": [\n"
        "  {\"name\": \"ca\", \"train\": \"ca.tsv\", \"annotates\": [\"alpha\", \"beta\"],\n"
        "   \"labels\": {\"a\": [\"alpha\"]}},\n"
        "  {\"name\": \"hn\", \"train\": \"hn.tsv\", \"negatives_for\": [\"alpha\"],\n"
        "   \"weight\": {\"beta\": 3}}\n"
        " ]}\n";
    clf_recipe *r;
    ck_assert_int_eq(clf_recipe_parse(&r, one_cat, strlen(one_cat), "w.json"), CLF_E_PARSE);
    ck_assert_msg(strstr(clf_last_error(), "category \"beta\" gets no examples from this corpus"),
                  "%s", clf_last_error());
}
END_TEST

/* ---- flag-rate caps ---- */

static const char *cap_recipe =
    "{\"name\": \"cap\", \"categories\": [\"alpha\"],\n"
    " \"features\": {\"hash_bits\": 16, \"min_df\": 1, \"char_ngram_max\": 0, \"stems\": false},\n"
    " \"training\": {\"folds\": 3, \"c_grid\": [4], \"threshold\": \"best_f1\",\n"
    "              \"select_on\": \"in_domain\"@@},\n"
    " \"corpora\": [\n"
    CA_HN_CORPORA;

static double oof_rate(json_t *meta, const char *corpus)
{
    json_t *e = json_object_get(
        json_object_get(json_object_get(json_object_get(meta, "categories"), "alpha"),
                        "out_of_fold_by_corpus"),
        corpus);
    ck_assert_ptr_nonnull(e);
    return json_real_value(json_object_get(e, "flag_rate"));
}

START_TEST(test_flag_rate_cap)
{
    const char *dir = dir_of("caps");
    /* positives: marker سيف (and درع); a third of the hard negatives have سيف too */
    write_rows(dir, "ca.tsv", 120, "a", "سيف", "درع", NULL, 0, 3);
    write_rows(dir, "hn.tsv", 90, "", NULL, NULL, "سيف درع", 3, 4);
    char text[2048];
    const char *free_m = out_path("nocap.clf"), *cap_m = out_path("cap.clf");
    train_ok(cap_recipe, "", "cap.json", dir, free_m);
    train_ok(cap_recipe, ", \"max_flag_rate\": {\"hn\": 0.02}", "cap.json", dir, cap_m);
    json_t *a = metadata(free_m), *b = metadata(cap_m);
    double ra = oof_rate(a, "hn"), rb = oof_rate(b, "hn");
    /* floor(0.02 * 90) = 1 row of hn may be flagged out-of-fold */
    ck_assert_msg(rb <= 1.0 / 90 + 1e-12, "capped: %g of hn flagged out-of-fold", rb);
    ck_assert_msg(ra > rb, "uncapped %g, capped %g", ra, rb);
    json_t *cat = json_object_get(json_object_get(b, "categories"), "alpha");
    double floor_ = json_real_value(json_object_get(cat, "threshold_floor"));
    double thr = json_real_value(json_object_get(json_object_get(cat, "threshold"), "value"));
    ck_assert_msg(thr > floor_, "threshold %g floor %g", thr, floor_);
    json_decref(a);
    json_decref(b);

    /* an unknown corpus name or a rate outside [0, 1] is an error */
    clf_recipe *r;
    fill(text, sizeof text, cap_recipe, ", \"max_flag_rate\": {\"nosuch\": 0.02}");
    ck_assert_int_eq(clf_recipe_parse(&r, text, strlen(text), "cap.json"), CLF_E_PARSE);
    ck_assert_msg(strstr(clf_last_error(), "nosuch"), "%s", clf_last_error());
    fill(text, sizeof text, cap_recipe, ", \"max_flag_rate\": 1.5");
    ck_assert_int_eq(clf_recipe_parse(&r, text, strlen(text), "cap.json"), CLF_E_PARSE);
}
END_TEST

/* threshold_caps false: the caps no longer bound the threshold (a report-only
 * category's signal keeps its in-domain recall), and the metadata says so */
START_TEST(test_threshold_caps_off)
{
    const char *dir = dir_of("capsoff");
    write_rows(dir, "ca.tsv", 120, "a", "سيف", "درع", NULL, 0, 3);
    write_rows(dir, "hn.tsv", 90, "", NULL, NULL, "سيف درع", 3, 4);
    char text[2048];
    const char *free_m = out_path("capsoff-free.clf"), *cap_m = out_path("capsoff-cap.clf");
    const char *off_m = out_path("capsoff-off.clf");
    train_ok(cap_recipe, "", "capsoff.json", dir, free_m);
    train_ok(cap_recipe, ", \"max_flag_rate\": {\"hn\": 0.02}", "capsoff.json", dir, cap_m);
    train_ok(cap_recipe, ", \"max_flag_rate\": {\"hn\": 0.02}, \"threshold_caps\": {\"alpha\": false}",
             "capsoff.json", dir, off_m);
    json_t *a = metadata(free_m), *b = metadata(cap_m), *o = metadata(off_m);
    json_t *ca = json_object_get(json_object_get(a, "categories"), "alpha");
    json_t *cb = json_object_get(json_object_get(b, "categories"), "alpha");
    json_t *co = json_object_get(json_object_get(o, "categories"), "alpha");
    double ta = json_real_value(json_object_get(json_object_get(ca, "threshold"), "value"));
    double tb = json_real_value(json_object_get(json_object_get(cb, "threshold"), "value"));
    double to = json_real_value(json_object_get(json_object_get(co, "threshold"), "value"));
    /* the caps raise the threshold; without their bound it is the uncapped one */
    ck_assert_msg(tb > ta, "capped %g, uncapped %g", tb, ta);
    ck_assert_msg(to == ta, "threshold_caps false: %g, uncapped %g, capped %g", to, ta, tb);
    ck_assert_msg(oof_rate(o, "hn") > 1.0 / 90 + 1e-12, "hn flagged %g", oof_rate(o, "hn"));
    ck_assert(json_is_true(json_object_get(cb, "threshold_caps")));
    ck_assert(json_is_false(json_object_get(co, "threshold_caps")));
    ck_assert(json_is_null(json_object_get(co, "threshold_floor")));
    /* the cap is still reported beside the corpus's flag rate */
    json_t *e = json_object_get(json_object_get(co, "out_of_fold_by_corpus"), "hn");
    ck_assert(json_real_value(json_object_get(e, "max_flag_rate")) == 0.02);
    json_decref(a);
    json_decref(b);
    json_decref(o);

    clf_recipe *r;
    fill(text, sizeof text, cap_recipe, ", \"threshold_caps\": {\"nosuch\": false}");
    ck_assert_int_eq(clf_recipe_parse(&r, text, strlen(text), "capsoff.json"), CLF_E_PARSE);
    ck_assert_msg(strstr(clf_last_error(), "threshold_caps: unknown category \"nosuch\""), "%s",
                  clf_last_error());
    fill(text, sizeof text, cap_recipe, ", \"threshold_caps\": {\"alpha\": 0}");
    ck_assert_int_eq(clf_recipe_parse(&r, text, strlen(text), "capsoff.json"), CLF_E_PARSE);
    ck_assert_msg(strstr(clf_last_error(), "threshold_caps.alpha"), "%s", clf_last_error());
    fill(text, sizeof text, cap_recipe, ", \"threshold_caps\": \"no\"");
    ck_assert_int_eq(clf_recipe_parse(&r, text, strlen(text), "capsoff.json"), CLF_E_PARSE);
}
END_TEST

/* select_metric "capped_average_precision": each C's AP above the caps'
 * floor is what chooses C; it is the AP itself when no cap binds */
static const char *capsel_recipe =
    "{\"name\": \"capsel\", \"categories\": [\"alpha\"],\n"
    " \"features\": {\"hash_bits\": 16, \"min_df\": 1, \"char_ngram_max\": 0, \"stems\": false},\n"
    " \"training\": {\"folds\": 3, \"c_grid\": [0.01, 1, 100], \"threshold\": \"best_f1\",\n"
    "              \"select_on\": \"in_domain\"@@},\n"
    " \"corpora\": [\n"
    CA_HN_CORPORA;

START_TEST(test_select_capped_ap)
{
    const char *dir = dir_of("capsel");
    write_rows(dir, "ca.tsv", 120, "a", "سيف", "درع", NULL, 0, 5);
    write_rows(dir, "hn.tsv", 90, "", NULL, NULL, "سيف درع", 3, 6);
    const char *plain_m = out_path("capsel-plain.clf"), *capped_m = out_path("capsel-capped.clf");
    const char *loose_m = out_path("capsel-loose.clf");
    train_ok(capsel_recipe, ", \"max_flag_rate\": {\"hn\": 0.02}", "capsel.json", dir, plain_m);
    train_ok(capsel_recipe,
             ", \"max_flag_rate\": {\"hn\": 0.02}, \"select_metric\": {\"alpha\": "
             "\"capped_average_precision\"}", "capsel.json", dir, capped_m);
    train_ok(capsel_recipe,
             ", \"max_flag_rate\": {\"hn\": 1}, \"select_metric\": \"capped_average_precision\"",
             "capsel.json", dir, loose_m);
    json_t *a = metadata(plain_m), *b = metadata(capped_m), *l = metadata(loose_m);
    json_t *ca = json_object_get(json_object_get(a, "categories"), "alpha");
    json_t *cb = json_object_get(json_object_get(b, "categories"), "alpha");
    json_t *cl = json_object_get(json_object_get(l, "categories"), "alpha");
    ck_assert_str_eq(json_string_value(json_object_get(ca, "select_metric")), "average_precision");
    ck_assert_str_eq(json_string_value(json_object_get(cb, "select_metric")),
                     "capped_average_precision");
    ck_assert_ptr_null(json_object_get(json_array_get(json_object_get(ca, "cv"), 0),
                                       "capped_average_precision"));
    /* the chosen C has the best capped AP; a binding cap lowers some C's AP */
    size_t i;
    json_t *e;
    double best = -1, chosen = json_real_value(json_object_get(cb, "C"));
    double chosen_capped = -1;
    int lowered = 0;
    json_array_foreach(json_object_get(cb, "cv"), i, e) {
        double ap = json_real_value(json_object_get(e, "average_precision"));
        double cap = json_real_value(json_object_get(e, "capped_average_precision"));
        ck_assert_msg(cap <= ap + 1e-12, "capped %g above AP %g", cap, ap);
        lowered |= cap < ap - 1e-6;
        if (cap > best)
            best = cap;
        if (json_real_value(json_object_get(e, "C")) == chosen)
            chosen_capped = cap;
        /* the same folds and fits: the plain AP is the plain recipe's */
        ck_assert(ap == json_real_value(json_object_get(
                            json_array_get(json_object_get(ca, "cv"), i), "average_precision")));
    }
    ck_assert_msg(lowered, "no cap binds: the test data does not test the floor");
    ck_assert_msg(chosen_capped == best, "chosen C %g: capped AP %g, best %g", chosen,
                  chosen_capped, best);
    /* a cap that cannot bind: the capped AP is the AP */
    json_array_foreach(json_object_get(cl, "cv"), i, e)
        ck_assert_msg(fabs(json_real_value(json_object_get(e, "capped_average_precision")) -
                           json_real_value(json_object_get(e, "average_precision"))) < 1e-9,
                      "C %g", json_real_value(json_object_get(e, "C")));
    json_decref(a);
    json_decref(b);
    json_decref(l);

    char text[2048];
    clf_recipe *r;
    fill(text, sizeof text, capsel_recipe, ", \"select_metric\": \"f1\"");
    ck_assert_int_eq(clf_recipe_parse(&r, text, strlen(text), "capsel.json"), CLF_E_PARSE);
    ck_assert_msg(strstr(clf_last_error(), "training.select_metric"), "%s", clf_last_error());
    fill(text, sizeof text, capsel_recipe, ", \"select_metric\": {\"nosuch\": \"average_precision\"}");
    ck_assert_int_eq(clf_recipe_parse(&r, text, strlen(text), "capsel.json"), CLF_E_PARSE);
    ck_assert_msg(strstr(clf_last_error(), "nosuch"), "%s", clf_last_error());
}
END_TEST

/* ---- C grid extension, in-domain selection ---- */

START_TEST(test_grid_extend)
{
    const char *dir = dir_of("grid");
    write_ca_hn(dir, NULL, 5);
    const char *tmpl =
        "{\"name\": \"g\", \"categories\": [\"alpha\"],\n"
        " \"features\": {\"hash_bits\": 16, \"min_df\": 1},\n"
        " \"training\": {\"folds\": 3, \"c_grid\": [1, 4], \"select_on\": \"in_domain\"@@},\n"
        " \"corpora\": [\n"
        CA_HN_CORPORA;
    const char *m0 = out_path("g0.clf"), *m1 = out_path("g1.clf"), *m2 = out_path("g2.clf");
    train_ok(tmpl, "", "g.json", dir, m0);
    /* separable data: every C ranks perfectly, the best (ties: the smallest)
     * sits at the bottom edge */
    train_ok(tmpl, ", \"c_grid_extend\": true, \"c_grid_extend_gain\": 0", "g.json", dir, m1);
    /* with the default minimum gain a flat curve is not extended */
    train_ok(tmpl, ", \"c_grid_extend\": true", "g.json", dir, m2);
    json_t *a = metadata(m0), *b = metadata(m1), *c = metadata(m2);
    json_t *ca = json_object_get(json_object_get(a, "categories"), "alpha");
    json_t *cb = json_object_get(json_object_get(b, "categories"), "alpha");
    json_t *cc = json_object_get(json_object_get(c, "categories"), "alpha");
    ck_assert_uint_eq(json_array_size(json_object_get(ca, "cv")), 2);
    ck_assert_uint_eq(json_array_size(json_object_get(cc, "cv")), 2);
    /* it grows down at the grid's ratio (4): 1/4, then 1/16, 1/64 while
     * the smallest C stays the best, at most three steps */
    json_t *cv = json_object_get(cb, "cv");
    size_t n = json_array_size(cv);
    ck_assert_msg(n >= 3 && n <= 5, "%zu values of C", n);
    const double want[] = {1, 4, 0.25, 0.0625, 0.015625};
    double lo = 1e9, hi = 0, best = json_real_value(json_object_get(cb, "C"));
    for (size_t i = 0; i < n; i++) {
        double got = json_real_value(json_object_get(json_array_get(cv, i), "C"));
        ck_assert_msg(fabs(got - want[i]) < 1e-12, "C[%zu] = %g", i, got);
        lo = got < lo ? got : lo;
        hi = got > hi ? got : hi;
    }
    /* it stops when the best C is inside the grid, or after three steps */
    ck_assert_msg((best != lo && best != hi) || n == 5, "best C %g of %zu", best, n);
    json_decref(a);
    json_decref(b);
    json_decref(c);
}
END_TEST

/* ---- artefacts and rewrites ---- */

START_TEST(test_drop_artefacts)
{
    const char *dir = dir_of("artefacts");
    /* every positive ends with a link, an exclamation mark and an emoji:
     * a corpus artefact */
    write_ca_hn(dir, "https://t.co/x ! 😀", 7);
    /* 2^20 buckets: the exact comparisons below fail if any added feature
     * merely collides with a row (about 1% per feature at 2^16) */
    const char *tmpl =
        "{\"name\": \"art\", \"categories\": [\"alpha\"],\n"
        " \"features\": {\"hash_bits\": 20, \"min_df\": 1, \"drop_artefacts\": @@},\n"
        " \"training\": {\"folds\": 3, \"c_grid\": [4]},\n"
        " \"corpora\": [\n"
        CA_HN_CORPORA;
    const char *keep = out_path("keep.clf"), *drop = out_path("drop.clf");
    train_ok(tmpl, "false", "art.json", dir, keep);
    train_ok(tmpl, "true", "art.json", dir, drop);
    /* a text with no Arabic word abstains; next to an ordinary word, an
     * artefact adds nothing once dropped, and something when kept */
    const char *bare[] = {"https://example.org/page", "!", "😀", "@someone", "! 😀 http://a.b"};
    const char *word = "الماء";
    char text2[256];
    double w_keep = prob(keep, word), w_drop = prob(drop, word);
    snprintf(text2, sizeof text2, "%s %s", word, bare[0]);
    ck_assert_msg(prob(keep, text2) > 3 * w_keep, "link %g without %g", prob(keep, text2),
                  w_keep);
    for (size_t i = 0; i < sizeof bare / sizeof bare[0]; i++) {
        snprintf(text2, sizeof text2, "%s %s", word, bare[i]);
        ck_assert_msg(prob(drop, text2) == w_drop, "'%s': %g, without %g", text2,
                      prob(drop, text2), w_drop);
    }
    double empty_drop = prob(drop, "");
    /* the content word still counts */
    ck_assert_msg(prob(drop, "سيف") > empty_drop + 0.2, "%g", prob(drop, "سيف"));
    json_t *m = metadata(drop);
    json_int_t n = json_integer_value(
        json_object_get(json_object_get(m, "features"), "artefact_rows_dropped"));
    ck_assert_msg(n > 0, "%lld rows dropped", (long long)n);
    json_decref(m);
}
END_TEST

START_TEST(test_rewrite_and_recipe_paths)
{
    /* corpus files next to the recipe ("./" paths), in a folder that is not
     * the corpora root */
    const char *dir = dir_of("rroot/data");
    write_ca_hn(dir, "ZZMARK", 9);
    /* 2^20 buckets: see test_drop_artefacts */
    const char *tmpl =
        "{\"name\": \"rw\", \"categories\": [\"alpha\"],\n"
        " \"features\": {\"hash_bits\": 20, \"min_df\": 1},\n"
        " \"training\": {\"folds\": 3, \"c_grid\": [4]},\n"
        " \"corpora\": [\n"
        "  {\"name\": \"ca\", \"train\": \"./data/ca.tsv\",\n"
        "   \"annotates\": [\"alpha\"], \"labels\": {\"a\": [\"alpha\"]}@@},\n"
        "  {\"name\": \"hn\", \"train\": \"./data/hn.tsv\",\n"
        "   \"negatives_for\": [\"alpha\"]}\n"
        " ]}\n";
    char text[2048], source[4200];
    snprintf(source, sizeof source, "%s/rroot/rw.json", clf_test_tmpdir());
    const char *plain = out_path("rw0.clf"), *rw = out_path("rw1.clf");
    /* the corpora root is elsewhere: paths resolve against the recipe */
    train_ok(tmpl, "", source, "/nonexistent", plain);
    train_ok(tmpl, ", \"rewrite\": [[\"ZZMARK\", \"\"]]", source, "/nonexistent", rw);
    /* without the rewrite the marker is learnt; with it, it has no row */
    ck_assert_msg(prob(plain, "الماء ZZMARK") > prob(plain, "الماء") + 0.05, "%g vs %g",
                  prob(plain, "الماء ZZMARK"), prob(plain, "الماء"));
    ck_assert_msg(prob(rw, "الماء ZZMARK") == prob(rw, "الماء"), "%g vs %g",
                  prob(rw, "الماء ZZMARK"), prob(rw, "الماء"));

    clf_recipe *r;
    fill(text, sizeof text, tmpl, ", \"rewrite\": [[\"\", \"x\"]]");
    ck_assert_int_eq(clf_recipe_parse(&r, text, strlen(text), source), CLF_E_PARSE);
    ck_assert_msg(strstr(clf_last_error(), "rewrite"), "%s", clf_last_error());
    const char *bad_root =
        "{\"name\": \"x\", \"categories\": [\"a\"], \"corpora\": [{\"name\": \"c\", "
        "\"root\": \"recipe\", \"train\": \"t.tsv\", \"annotates\": [\"a\"]}]}";
    ck_assert_int_eq(clf_recipe_parse(&r, bad_root, strlen(bad_root), "x.json"), CLF_E_PARSE);
    /* the per-corpus "root" of old is refused, pointing at "./" */
    ck_assert_msg(strstr(clf_last_error(), ".root: no longer exists") &&
                      strstr(clf_last_error(), "\"./\""),
                  "%s", clf_last_error());
}
END_TEST

/* training.solver per category: "svm" fits liblinear's L2R_L2LOSS_SVC for
 * that category only; the others keep logistic regression, unchanged. */
static const char *solver_recipe =
    "{\"name\": \"s\", \"categories\": [\"alpha\", \"beta\"],\n"
    " \"features\": {\"hash_bits\": 16, \"min_df\": 1, \"char_ngram_max\": 0, \"stems\": false},\n"
    " \"training\": {\"folds\": 3, \"c_grid\": [1, 4], \"threshold\": \"best_f1\", \"solver\": @@},\n"
    " \"corpora\": [\n"
    "  {\"name\": \"ca\", \"train\": \"ca.tsv\", \"annotates\": [\"alpha\", \"beta\"],\n"
    "   \"labels\": {\"a\": [\"alpha\", \"beta\"]}},\n"
    "  {\"name\": \"hn\", \"train\": \"hn.tsv\", \"negatives_for\": [\"alpha\", \"beta\"]}\n"
    " ]}\n";

static const char *meta_solver(json_t *j, const char *cat)
{
    json_t *c = json_object_get(json_object_get(j, "categories"), cat);
    ck_assert_ptr_nonnull(c);
    const char *s = json_string_value(json_object_get(c, "solver"));
    ck_assert_ptr_nonnull(s);
    return s;
}

START_TEST(test_solver_per_category)
{
    const char *dir = dir_of("solver");
    write_rows(dir, "ca.tsv", 120, "a", "سيف", NULL, "سيف", 9, 5);
    write_rows(dir, "hn.tsv", 60, "", NULL, NULL, NULL, 0, 6);
    const char *ml = out_path("sv_lr.clf"), *mm = out_path("sv_mixed.clf"),
               *ms = out_path("sv_svm.clf");
    train_ok(solver_recipe, "\"logreg\"", "s.json", dir, ml);
    train_ok(solver_recipe, "{\"alpha\": \"svm\", \"*\": \"logreg\"}", "s.json", dir, mm);
    train_ok(solver_recipe, "\"svm\"", "s.json", dir, ms);
    const char *text = "سيف الماء";
    double la, lb, xa, xb, sa, sb;
    probs2(ml, text, &la, &lb);
    probs2(mm, text, &xa, &xb);
    probs2(ms, text, &sa, &sb);
    /* same data for both categories: with one solver they agree */
    ck_assert_msg(la == lb, "logreg: alpha %.17g beta %.17g", la, lb);
    ck_assert_msg(sa == sb, "svm: alpha %.17g beta %.17g", sa, sb);
    /* the per-category choice: alpha is the svm fit, beta the logreg one */
    ck_assert_msg(xb == lb, "beta should keep logreg: %.17g vs %.17g", xb, lb);
    ck_assert_msg(xa == sa, "alpha should be the svm fit: %.17g vs %.17g", xa, sa);
    ck_assert_msg(xa != la, "svm and logreg gave the same alpha %.17g", xa);

    json_t *j = metadata(mm);
    ck_assert_str_eq(meta_solver(j, "alpha"), "svm");
    ck_assert_str_eq(meta_solver(j, "beta"), "logreg");
    json_t *tr = json_object_get(json_object_get(j, "training"), "solver");
    ck_assert(json_is_object(tr));
    ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(tr, "alpha")), "L2R_L2LOSS_SVC"));
    ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(tr, "beta")), "L2R_LR"));
    json_decref(j);
    j = metadata(ml);
    ck_assert(json_is_string(json_object_get(json_object_get(j, "training"), "solver")));
    ck_assert_str_eq(meta_solver(j, "alpha"), "logreg");
    json_decref(j);

    static const struct { const char *v, *msg; } bad[] = {
        {"\"sgd\"", "training.solver: expected \"logreg\""},
        {"3", "training.solver: expected \"logreg\""},
        {"{\"gamma\": \"svm\"}", "training.solver: unknown category \"gamma\""},
        {"{\"alpha\": \"SVM\"}", "training.solver.alpha: expected"},
        {"{\"*\": true}", "training.solver.*: expected"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char t[4096];
        fill(t, sizeof t, solver_recipe, bad[i].v);
        clf_recipe *r;
        ck_assert_int_eq(clf_recipe_parse(&r, t, strlen(t), "s.json"), CLF_E_PARSE);
        ck_assert_msg(strstr(clf_last_error(), bad[i].msg), "%s: %s", bad[i].v, clf_last_error());
    }
}
END_TEST

static Suite *select_suite(void)
{
    Suite *s = suite_create("train_select");
    TCase *tc = tcase_create("train_select");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_weight_repeats_rows);
    tcase_add_test(tc, test_weight_per_category);
    tcase_add_test(tc, test_solver_per_category);
    tcase_add_test(tc, test_flag_rate_cap);
    tcase_add_test(tc, test_threshold_caps_off);
    tcase_add_test(tc, test_select_capped_ap);
    tcase_add_test(tc, test_grid_extend);
    tcase_add_test(tc, test_drop_artefacts);
    tcase_add_test(tc, test_rewrite_and_recipe_paths);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return clf_test_run(select_suite());
}
