/*
 * test_train.c - training on tiny synthetic corpora written to a temporary
 * directory: a separable task gives a model whose scores (through the
 * public API) rank positives above negatives; the model file is byte-
 * identical across runs and thread counts; unknown labels, bad rows and
 * one-class data give the documented errors; the CLI's train command; a
 * category whose out-of-fold margins fall with the label is refused, and
 * Platt's fit never returns a decreasing sigmoid.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "calibrate.h"
#include "classify.h"
#include "recipe.h"
#include "train.h"
#include "testutil.h"
#include "train_fixture.h"

static const char *const alpha_words[] = {"سيف", "رمح", "درع"};
static const char *const beta_words[] = {"نجم", "قمر"};

/* n rows, every third a positive with one of the markers (none without),
 * six filler words a row, extra_rows appended verbatim. */
static void write_corpus(const char *dir, const char *name, size_t n, const char *label,
                         const char *const *markers, size_t n_markers, uint32_t seed,
                         const char *extra_rows)
{
    clf_test_rows spec = {.n = n, .label = label, .markers = markers, .n_markers = n_markers,
                          .words = 6, .n_filler = CLF_TEST_NFILLER, .seed = seed,
                          .extra_rows = extra_rows};
    clf_test_write_rows(dir, name, &spec);
}

static const char *recipe_text =
    "{\"name\": \"synthetic\", \"categories\": [\"alpha\", \"beta\"],\n"
    " \"features\": {\"hash_bits\": 16, \"min_df\": 1, \"char_ngram_max\": 4},\n"
    " \"training\": {\"folds\": 3, \"c_grid\": [1, 8], \"threshold\": \"best_f1\"},\n"
    " \"corpora\": [\n"
    "  {\"name\": \"ca\", \"train\": \"ca_train.tsv\", \"dev\": \"ca_dev.tsv\",\n"
    "   \"annotates\": [\"alpha\"], \"labels\": {\"a\": [\"alpha\"]}},\n"
    "  {\"name\": \"cb\", \"train\": \"cb_train.tsv\", \"dev\": \"cb_dev.tsv\",\n"
    "   \"annotates\": [\"beta\"], \"labels\": {\"b\": [\"beta\"]}},\n"
    "  {\"name\": \"hn\", \"train\": \"hn_train.tsv\", \"negatives_for\": [\"alpha\"]}\n"
    " ]}\n";

static const char *data_dir(void)
{
    return clf_test_dir("train-data");
}

static void write_all(const char *ca_extra)
{
    const char *dir = data_dir();
    write_corpus(dir, "ca_train.tsv", 90, "a", alpha_words, 3, 1, ca_extra);
    write_corpus(dir, "ca_dev.tsv", 30, "a", alpha_words, 3, 2, NULL);
    write_corpus(dir, "cb_train.tsv", 90, "b", beta_words, 2, 3, NULL);
    write_corpus(dir, "cb_dev.tsv", 30, "b", beta_words, 2, 4, NULL);
    write_corpus(dir, "hn_train.tsv", 40, "", NULL, 0, 5, NULL);
}

static clf_recipe *recipe(const char *text)
{
    clf_recipe *r;
    int rc = clf_recipe_parse(&r, text, strlen(text), "synthetic.json");
    ck_assert_msg(rc == CLF_OK, "%s", clf_last_error());
    return r;
}

static int train_to(const char *text, const char *out, unsigned int threads, int skip,
                    clf_train_result **res)
{
    clf_recipe *r = recipe(text);
    clf_train_options o = CLF_TRAIN_OPTIONS_INIT;
    o.corpora_root = data_dir();
    o.threads = threads;
    o.skip_bad_rows = skip;
    int rc = clf_train(r, &o, out, res);
    /* the result borrows names from the recipe: check what is needed here */
    if (res && *res)
        for (size_t k = 0; k < (*res)->n_categories; k++)
            (*res)->categories[k].name = NULL;
    clf_recipe_free(r);
    return rc;
}

static const char *out_path(const char *name)
{
    return clf_test_tmp_path(name);
}

START_TEST(test_separable)
{
    write_all(NULL);
    const char *out = out_path("sep.clf");
    clf_train_result *res = NULL;
    int rc = train_to(recipe_text, out, 2, 0, &res);
    ck_assert_msg(rc == CLF_OK, "%s", clf_last_error());
    ck_assert_ptr_nonnull(res);
    ck_assert_uint_eq(res->n_categories, 2);
    ck_assert_uint_eq(res->skipped_rows, 0);
    for (size_t k = 0; k < 2; k++) {
        ck_assert_msg(res->categories[k].cv_average_precision > 0.95, "cv AP %g",
                      res->categories[k].cv_average_precision);
        ck_assert_msg(res->categories[k].dev.average_precision > 0.95, "dev AP %g",
                      res->categories[k].dev.average_precision);
        ck_assert(res->categories[k].threshold > 0.0 && res->categories[k].threshold < 1.0);
        /* Platt: probability increases with the margin */
        ck_assert(res->categories[k].calib_a < 0.0);
    }
    ck_assert_uint_gt(res->file_size, 0);
    clf_train_result_free(res);

    clf_model *m;
    rc = clf_model_load(&m, out);
    ck_assert_msg(rc == CLF_OK, "%s", clf_last_error());
    ck_assert_uint_eq(clf_model_num_categories(m), 2);
    ck_assert_str_eq(clf_model_category_name(m, 0), "alpha");
    ck_assert_str_eq(clf_model_name(m), "synthetic");
    const char *meta = clf_model_metadata(m);
    ck_assert_ptr_nonnull(strstr(meta, "\"recipe\""));
    ck_assert_ptr_nonnull(strstr(meta, "\"xxh3_64\""));
    ck_assert_ptr_nonnull(strstr(meta, "\"ca_train.tsv\""));

    clf_scorer *s;
    ck_assert_int_eq(clf_scorer_new(&s, m), CLF_OK);
    /* texts never seen in training */
    const char *pos_a[] = {"الشمس سيف الحديقة", "رمح في المدينة", "درع الصديق اليوم"};
    const char *neg[] = {"الشمس الحديقة القهوة", "في المدينة الكبيرة", "الصديق اليوم"};
    const char *pos_b[] = {"نجم الصباح", "قمر المساء والبيت"};
    clf_score_result r[2];
    double min_pos_a = 1, max_neg_a = 0, min_pos_b = 1, max_neg_b = 0;
    for (size_t i = 0; i < 3; i++) {
        ck_assert_int_ge(clf_score(s, pos_a[i], strlen(pos_a[i]), r, 2, NULL), 0);
        if (r[0].probability < min_pos_a)
            min_pos_a = r[0].probability;
        ck_assert_int_ge(clf_score(s, neg[i], strlen(neg[i]), r, 2, NULL), 0);
        if (r[0].probability > max_neg_a)
            max_neg_a = r[0].probability;
        if (r[1].probability > max_neg_b)
            max_neg_b = r[1].probability;
    }
    for (size_t i = 0; i < 2; i++) {
        ck_assert_int_ge(clf_score(s, pos_b[i], strlen(pos_b[i]), r, 2, NULL), 0);
        if (r[1].probability < min_pos_b)
            min_pos_b = r[1].probability;
    }
    ck_assert_msg(min_pos_a > max_neg_a, "alpha: positive %g <= negative %g", min_pos_a,
                  max_neg_a);
    ck_assert_msg(min_pos_b > max_neg_b, "beta: positive %g <= negative %g", min_pos_b,
                  max_neg_b);
    /* the shipped thresholds separate them too */
    ck_assert_int_ge(clf_score(s, pos_a[0], strlen(pos_a[0]), r, 2, NULL), 1);
    ck_assert_int_eq(r[0].flagged, 1);
    ck_assert_int_eq(clf_score(s, neg[0], strlen(neg[0]), r, 2, NULL), 0);
    clf_scorer_free(s);
    clf_model_free(m);
}
END_TEST

START_TEST(test_reproducible)
{
    write_all(NULL);
    const char *a = out_path("rep1.clf"), *b = out_path("rep2.clf"), *c = out_path("rep3.clf");
    ck_assert_int_eq(train_to(recipe_text, a, 1, 0, NULL), CLF_OK);
    ck_assert_int_eq(train_to(recipe_text, b, 2, 0, NULL), CLF_OK);
    ck_assert_int_eq(train_to(recipe_text, c, 2, 0, NULL), CLF_OK);
    size_t la, lb, lc;
    char *da = clf_test_read_file(a, &la), *db = clf_test_read_file(b, &lb),
         *dc = clf_test_read_file(c, &lc);
    ck_assert(da && db && dc);
    ck_assert_uint_eq(la, lb);
    ck_assert_uint_eq(la, lc);
    ck_assert_msg(memcmp(da, db, la) == 0, "--threads 1 and 2 give different files");
    ck_assert_msg(memcmp(db, dc, lb) == 0, "two runs give different files");
    free(da);
    free(db);
    free(dc);
}
END_TEST

START_TEST(test_unknown_label)
{
    write_all("91\tz\tالماء سيف\n");
    int rc = train_to(recipe_text, out_path("unk.clf"), 2, 0, NULL);
    ck_assert_int_eq(rc, CLF_E_LABEL);
    /* header is line 1, 90 rows, so the bad row is line 92 */
    ck_assert_msg(strstr(clf_last_error(), "ca_train.tsv:92") != NULL, "%s", clf_last_error());
    ck_assert_msg(strstr(clf_last_error(), "\"z\"") != NULL, "%s", clf_last_error());
}
END_TEST

START_TEST(test_skip_bad_rows)
{
    /* a row with two fields, a row with an unknown label */
    write_all("91\tالماء فقط\n92\tz\tالماء سيف\n");
    int rc = train_to(recipe_text, out_path("bad.clf"), 2, 0, NULL);
    ck_assert_int_eq(rc, CLF_E_PARSE);
    ck_assert_msg(strstr(clf_last_error(), "ca_train.tsv:92") != NULL, "%s", clf_last_error());
    clf_train_result *res = NULL;
    rc = train_to(recipe_text, out_path("bad.clf"), 2, 1, &res);
    ck_assert_msg(rc == CLF_OK, "%s", clf_last_error());
    ck_assert_uint_eq(res->skipped_rows, 2);
    clf_train_result_free(res);
}
END_TEST

START_TEST(test_one_class)
{
    write_all(NULL);
    /* corpus cb annotates beta, but its label is mapped to nothing */
    char *text = strdup(recipe_text);
    char *p = strstr(text, "\"b\": [\"beta\"]");
    ck_assert_ptr_nonnull(p);
    memcpy(p, "\"b\": [      ]", strlen("\"b\": [\"beta\"]"));
    int rc = train_to(text, out_path("one.clf"), 2, 0, NULL);
    ck_assert_int_eq(rc, CLF_E_TRAIN);
    ck_assert_msg(strstr(clf_last_error(), "beta") != NULL, "%s", clf_last_error());
    ck_assert_msg(strstr(clf_last_error(), "negative") != NULL, "%s", clf_last_error());
    ck_assert_msg(strstr(clf_last_error(), "cb") != NULL, "%s", clf_last_error());
    free(text);
}
END_TEST

/* Issue 8 finding 14: recipe mistakes that used to give a useless model, exit 0. */
static char *replace(const char *text, const char *from, const char *to)
{
    const char *p = strstr(text, from);
    ck_assert_ptr_nonnull(p);
    size_t a = (size_t)(p - text), fl = strlen(from), tl = strlen(to), n = strlen(text);
    char *out = malloc(n - fl + tl + 1);
    memcpy(out, text, a);
    memcpy(out + a, to, tl);
    memcpy(out + a + tl, p + fl, n - a - fl + 1);
    return out;
}

START_TEST(test_min_df_too_high)
{
    write_all(NULL);
    /* 260 training documents: no n-gram is in 100000 of them, so no feature is kept */
    char *text = replace(recipe_text, "\"min_df\": 1", "\"min_df\": 100000");
    const char *out = out_path("mindf.clf");
    remove(out);
    int rc = train_to(text, out, 2, 0, NULL);
    ck_assert_int_eq(rc, CLF_E_TRAIN);
    ck_assert_msg(strstr(clf_last_error(), "min_df") != NULL, "%s", clf_last_error());
    ck_assert_msg(strstr(clf_last_error(), "features") != NULL, "%s", clf_last_error());
    FILE *f = fopen(out, "rb");
    ck_assert_ptr_null(f); /* no model written */
    free(text);
}
END_TEST

START_TEST(test_unlabeled_annotating_corpus)
{
    write_all(NULL);
    /* declared as text: refused when the recipe is parsed, naming the key */
    char *text = replace(recipe_text, "\"train\": \"ca_train.tsv\",", "\"train\": \"ca_train.tsv\", \"format\": \"text\",");
    clf_recipe *r = NULL;
    int rc = clf_recipe_parse(&r, text, strlen(text), "synthetic.json");
    ck_assert_int_eq(rc, CLF_E_PARSE);
    ck_assert_ptr_null(r);
    ck_assert_msg(strstr(clf_last_error(), "corpora[0] (ca).format") != NULL, "%s", clf_last_error());
    ck_assert_msg(strstr(clf_last_error(), "annotates") != NULL, "%s", clf_last_error());
    free(text);
    /* detected as plain text (one sentence a line): refused when read */
    char path[8192];
    snprintf(path, sizeof path, "%s/plain.txt", data_dir());
    FILE *f = fopen(path, "w");
    for (int i = 0; i < 30; i++)
        fprintf(f, "الماء البيت سيف %d\n", i);
    fclose(f);
    text = replace(recipe_text, "\"train\": \"ca_train.tsv\"", "\"train\": \"plain.txt\"");
    rc = train_to(text, out_path("plain.clf"), 2, 0, NULL);
    ck_assert_int_eq(rc, CLF_E_PARSE);
    ck_assert_msg(strstr(clf_last_error(), "annotates") != NULL, "%s", clf_last_error());
    ck_assert_msg(strstr(clf_last_error(), "plain.txt") != NULL, "%s", clf_last_error());
    free(text);
}
END_TEST

START_TEST(test_cli)
{
    write_all(NULL);
    char recipe_path[4096], cmd[16384], out[8192];
    snprintf(recipe_path, sizeof recipe_path, "%s/synthetic.json", clf_test_tmpdir());
    FILE *f = fopen(recipe_path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(recipe_text, f);
    fclose(f);
    const char *model = out_path("cli.clf");

    /* without --corpora the recipe's plain paths are beside it (where the data
     * is not): the error names the file as resolved */
    snprintf(cmd, sizeof cmd, "env -u CLF_CORPORA '%s' train --recipe '%s' --out '%s' 2>&1",
             CLF_CLI_PATH, recipe_path, model);
    ck_assert_int_eq(clf_test_run_cmd(cmd, out, sizeof out), 2);
    char want[4200];
    snprintf(want, sizeof want, "%s/ca_train.tsv: cannot open", clf_test_tmpdir());
    ck_assert_msg(strstr(out, want), "%s", out);

    snprintf(cmd, sizeof cmd, "'%s' train --recipe '%s' 2>&1", CLF_CLI_PATH, recipe_path);
    ck_assert_int_eq(clf_test_run_cmd(cmd, out, sizeof out), 2);
    ck_assert_msg(strstr(out, "--out"), "%s", out);

    snprintf(cmd, sizeof cmd, "'%s' train --help", CLF_CLI_PATH);
    ck_assert_int_eq(clf_test_run_cmd(cmd, out, sizeof out), 0);
    ck_assert_msg(strstr(out, "--skip-bad-rows"), "%s", out);

    snprintf(cmd, sizeof cmd, "'%s' train --recipe '%s' --out '%s' --corpora '%s' --quiet 2>&1",
             CLF_CLI_PATH, recipe_path, model, data_dir());
    ck_assert_int_eq(clf_test_run_cmd(cmd, out, sizeof out), 0);
    ck_assert_str_eq(out, "");

    /* in a pipe: plain progress lines and the summary */
    snprintf(cmd, sizeof cmd,
             "CLF_CORPORA='%s' '%s' train --recipe '%s' --out '%s' --threads 2 2>&1",
             data_dir(), CLF_CLI_PATH, recipe_path, model);
    ck_assert_int_eq(clf_test_run_cmd(cmd, out, sizeof out), 0);
    ck_assert_msg(strstr(out, "cross-validate") && strstr(out, "dev-F1") &&
                      !strchr(out, '\r'),
                  "%s", out);

    write_all("91\tz\tالماء سيف\n");
    snprintf(cmd, sizeof cmd, "'%s' train --recipe '%s' --out '%s' --corpora '%s' 2>&1",
             CLF_CLI_PATH, recipe_path, model, data_dir());
    ck_assert_int_eq(clf_test_run_cmd(cmd, out, sizeof out), 2);
    ck_assert_msg(strstr(out, "ca_train.tsv:92"), "%s", out);
    snprintf(cmd, sizeof cmd,
             "'%s' train --recipe '%s' --out '%s' --corpora '%s' --skip-bad-rows 2>&1",
             CLF_CLI_PATH, recipe_path, model, data_dir());
    ck_assert_int_eq(clf_test_run_cmd(cmd, out, sizeof out), 0);
    ck_assert_msg(strstr(out, "skipped 1 bad row"), "%s", out);
}
END_TEST

/* Platt's fit is constrained to A <= 0: margins that rise with the label
 * give A < 0 (as without the constraint); margins that fall with it give
 * the flat sigmoid at the smoothed base rate, the constrained optimum. */
START_TEST(test_platt_constrained)
{
    double f[8] = {-2.0, -1.5, -1.0, -0.2, 0.3, 1.0, 1.4, 2.0};
    unsigned char up[8] = {0, 0, 1, 0, 0, 1, 1, 1};
    unsigned char down[8];
    for (size_t i = 0; i < 8; i++)
        down[i] = !up[i];
    double a, b, a_free;
    ck_assert_int_eq(clf_platt_fit(f, up, 8, &a, &b, &a_free), CLF_OK);
    ck_assert_msg(a < 0.0 && a == a_free, "A %g, unconstrained %g", a, a_free);
    ck_assert(clf_platt_prob(a, b, 2.0) > clf_platt_prob(a, b, -2.0));

    ck_assert_int_eq(clf_platt_fit(f, down, 8, &a, &b, &a_free), CLF_OK);
    ck_assert_msg(a_free > 0.0, "unconstrained A %g", a_free);
    ck_assert_msg(a == 0.0, "constrained A %g", a);
    /* 4 positives, 4 negatives: targets 5/6 and 1/6, mean 1/2, so B = 0 */
    ck_assert_msg(fabs(b) < 1e-12, "B %g", b);
    ck_assert(clf_platt_prob(a, b, 2.0) >= clf_platt_prob(a, b, -2.0));
    /* a NULL a_free is allowed */
    ck_assert_int_eq(clf_platt_fit(f, down, 8, &a, &b, NULL), CLF_OK);
    ck_assert(a == 0.0);

    /* unbalanced: 1 positive of 4, targets 2/3 and 1/5, so p = mean = 19/60 */
    double g[4] = {-1.0, 0.0, 1.0, 2.0};
    unsigned char y1[4] = {0, 1, 0, 0};
    ck_assert_int_eq(clf_platt_fit(g, y1, 4, &a, &b, &a_free), CLF_OK);
    ck_assert_msg(a_free > 0.0, "unconstrained A %g", a_free);
    ck_assert(a == 0.0);
    ck_assert_msg(fabs(clf_platt_prob(a, b, 0.0) - 19.0 / 60.0) < 1e-12, "p %g",
                  clf_platt_prob(a, b, 0.0));
}
END_TEST

/* The finding: six distinct texts, labels the features cannot predict,
 * each row repeated 20 times (copies share a fold). The out-of-fold margins
 * anti-correlate with the labels (measured: Platt's unconstrained A =
 * 13.49), which used to ship a model whose probability fell as the margin
 * rose. Training now stops, naming the category, and writes no model. */
static const char *const dup_train[6] = {
    "a\tالبيت الطريق الطريق المدينة", "\tالكتاب الصباح القهوة النافذة",
    "\tالشمس النافذة البيت الشارع",   "a\tالكتاب العمل الصديق اليوم",
    "\tالمدينة الغد السيارة اليوم",   "\tالقهوة البيت الماء المدينة"};
static const char *const dup_dev[6] = {
    "a\tاليوم النافذة العمل الحديقة", "\tالمدرسة المدرسة القهوة الطعام",
    "\tالمدرسة الشارع النافذة الطريق", "a\tالعمل اليوم البيت الحديقة",
    "\tالحديقة البيت العمل الماء",     "\tالشارع الغد المدرسة الشارع"};

static const char *dup_recipe =
    "{\"name\": \"dups\", \"categories\": [\"alpha\"],\n"
    " \"features\": {\"hash_bits\": 16, \"min_df\": 1, \"char_ngram_max\": 4},\n"
    " \"training\": {\"folds\": 3, \"c_grid\": [1, 8], \"threshold\": \"best_f1\"},\n"
    " \"corpora\": [\n"
    "  {\"name\": \"cd\", \"train\": \"dup_train.tsv\", \"dev\": \"dup_dev.tsv\",\n"
    "   \"annotates\": [\"alpha\"], \"labels\": {\"a\": [\"alpha\"]}}\n"
    " ]}\n";

static void write_dup(const char *name, const char *const *rows, size_t copies)
{
    char path[8192];
    snprintf(path, sizeof path, "%s/%s", data_dir(), name);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "id\tlabels\ttext\n");
    size_t id = 0;
    for (size_t i = 0; i < 6; i++)
        for (size_t c = 0; c < copies; c++)
            fprintf(f, "%zu\t%s\n", ++id, rows[i]);
    ck_assert_int_eq(fclose(f), 0);
}

START_TEST(test_inverted_calibration)
{
    write_dup("dup_train.tsv", dup_train, 20);
    write_dup("dup_dev.tsv", dup_dev, 1);
    const char *out = out_path("dup.clf");
    remove(out);
    clf_train_result *res = NULL;
    int rc = train_to(dup_recipe, out, 2, 0, &res);
    if (rc == CLF_OK)
        ck_abort_msg("trained: alpha calibration A = %g", res->categories[0].calib_a);
    ck_assert_int_eq(rc, CLF_E_TRAIN);
    ck_assert_ptr_null(res);
    const char *e = clf_last_error();
    ck_assert_msg(strstr(e, "degenerate calibration in 1 category: alpha (A = "), "%s", e);
    ck_assert_msg(strstr(e, "no model written"), "%s", e);
    FILE *f = fopen(out, "rb");
    ck_assert_ptr_null(f);

    /* the CLI: exit 2, a warning line per category, the error */
    char recipe_path[4096], cmd[16384], log[8192];
    snprintf(recipe_path, sizeof recipe_path, "%s/dups.json", clf_test_tmpdir());
    f = fopen(recipe_path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(dup_recipe, f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "'%s' train --recipe '%s' --out '%s' --corpora '%s' 2>&1",
             CLF_CLI_PATH, recipe_path, out, data_dir());
    ck_assert_int_eq(clf_test_run_cmd(cmd, log, sizeof log), 2);
    ck_assert_msg(strstr(log, "WARNING: alpha: degenerate calibration: out-of-fold margins "
                              "fall with the label"),
                  "%s", log);
    ck_assert_msg(strstr(log, "degenerate calibration in 1 category: alpha"), "%s", log);
    f = fopen(out, "rb");
    ck_assert_ptr_null(f);
}
END_TEST

static Suite *train_suite(void)
{
    Suite *s = suite_create("train");
    TCase *tc = tcase_create("train");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_separable);
    tcase_add_test(tc, test_reproducible);
    tcase_add_test(tc, test_unknown_label);
    tcase_add_test(tc, test_skip_bad_rows);
    tcase_add_test(tc, test_one_class);
    tcase_add_test(tc, test_min_df_too_high);
    tcase_add_test(tc, test_unlabeled_annotating_corpus);
    tcase_add_test(tc, test_cli);
    tcase_add_test(tc, test_platt_constrained);
    tcase_add_test(tc, test_inverted_calibration);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return clf_test_run(train_suite());
}
