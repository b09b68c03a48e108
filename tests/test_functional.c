/*
 * test_functional.c - functional test suites (eval/functional.h): template
 * expansion and sampling, derived obfuscated classes, the transforms,
 * specification errors, the class figures, abstention and the gate on
 * synthetic outcomes, and the Wilson interval against known values. The
 * shipped suite is loaded too, to check that it parses and expands.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../eval/functional.h"
#include "metrics.h"
#include "testutil.h"

static const char *const CATS[] = {"extremism", "hate", "incitement"};

static clf_func_suite *parse(const char *json)
{
    clf_func_suite *s = NULL;
    int rc = clf_func_suite_parse(&s, json, strlen(json), "test", 3, CATS);
    ck_assert_msg(rc == CLF_OK, "parse failed: %s", clf_last_error());
    return s;
}

static int parse_err(const char *json, const char *needle)
{
    clf_func_suite *s = NULL;
    int rc = clf_func_suite_parse(&s, json, strlen(json), "test", 3, CATS);
    ck_assert_ptr_null(s);
    ck_assert_msg(strstr(clf_last_error(), needle), "error \"%s\" lacks \"%s\"", clf_last_error(), needle);
    return rc;
}

#define HEAD "{\"schema\": \"libclassify-functional/1\", \"name\": \"t\", "

START_TEST(test_expansion)
{
    clf_func_suite *s = parse(HEAD "\"slots\": {\"A\": [\"a1\", \"a2\"], \"B\": [\"b1 {A}\", \"b2\", \"b3\"]},"
        "\"classes\": [{\"name\": \"ben\", \"kind\": \"benign\", \"must_not\": [\"*\"],"
        "  \"items\": [\"lit\", {\"text\": \"own\", \"must_not\": [\"hate\"]}],"
        "  \"templates\": [\"x {B} y {A}\"]},"
        " {\"name\": \"pos\", \"kind\": \"positive\", \"must\": [\"incitement\"], \"must_not\": [\"*\"],"
        "  \"gate\": {\"min_recall\": 0.9}, \"items\": [\"p\"]}]}");
    /* B has 3 fillers, one holding {A}: 4 ways, times A's 2 = 8, + 2 items */
    ck_assert_uint_eq(s->n_classes, 2);
    ck_assert_uint_eq(s->n_items, 11);
    ck_assert_str_eq(s->items[0].id, "ben/1");
    ck_assert_str_eq(s->items[0].text, "lit");
    ck_assert_uint_eq(s->items[0].must_not, 7);
    ck_assert_uint_eq(s->items[1].must_not, 2); /* the item's own list */
    int seen = 0;
    for (size_t i = 2; i < 10; i++) {
        ck_assert_str_eq(s->items[i].origin, "x {B} y {A}");
        seen += !strcmp(s->items[i].text, "x b1 a2 y a1");
        ck_assert_ptr_null(strchr(s->items[i].text, '{'));
    }
    ck_assert_int_eq(seen, 1);
    /* "*" in must_not of a positive class leaves out its must categories */
    ck_assert_uint_eq(s->items[10].must, 4);
    ck_assert_uint_eq(s->items[10].must_not, 3);
    ck_assert_str_eq(s->items[10].id, "pos/1");
    ck_assert(isnan(s->classes[0].max_flag_rate));
    ck_assert_double_eq(s->classes[1].min_recall, 0.9);
    clf_func_suite_free(s);
}
END_TEST

START_TEST(test_sampling)
{
    /* 6 x 6 = 36 combinations, at most 10 kept, the same ones every time */
    const char *json = HEAD "\"max_per_template\": 10, \"slots\": {\"A\": [\"1\",\"2\",\"3\",\"4\",\"5\",\"6\"],"
        "\"B\": [\"a\",\"b\",\"c\",\"d\",\"e\",\"f\"]},"
        "\"classes\": [{\"name\": \"c\", \"kind\": \"benign\", \"must_not\": [\"*\"], \"templates\": [\"{A}{B}\"]},"
        " {\"name\": \"d\", \"kind\": \"benign\", \"must_not\": [\"*\"], \"max_per_template\": 40,"
        "  \"templates\": [\"{A}{B}\"]}]}";
    clf_func_suite *s1 = parse(json), *s2 = parse(json);
    size_t n_c = 0, n_d = 0;
    for (size_t i = 0; i < s1->n_items; i++) {
        n_c += s1->items[i].cls == 0;
        n_d += s1->items[i].cls == 1;
        ck_assert_str_eq(s1->items[i].text, s2->items[i].text);
    }
    ck_assert_uint_eq(n_c, 10);
    ck_assert_uint_eq(n_d, 36); /* the class's own limit */
    /* no duplicates among the kept ones */
    for (size_t i = 0; i < 10; i++)
        for (size_t j = i + 1; j < 10; j++)
            ck_assert_str_ne(s1->items[i].text, s1->items[j].text);
    clf_func_suite_free(s1);
    clf_func_suite_free(s2);
}
END_TEST

START_TEST(test_derived)
{
    clf_func_suite *s = parse(HEAD "\"classes\": ["
        "{\"name\": \"a\", \"kind\": \"positive\", \"must\": [\"extremism\"], \"items\": [\"كتب\", \"سلم\", \"قلب\"]},"
        "{\"name\": \"b\", \"kind\": \"positive\", \"must\": [\"hate\"], \"items\": [\"درس\"]},"
        "{\"name\": \"o\", \"kind\": \"positive\", \"must\": [\"extremism\"], \"from\": [\"a\", \"b\"],"
        " \"transforms\": [\"tatweel\", \"lookalike\"]}]}");
    ck_assert_uint_eq(s->n_items, 8);
    /* item i of the sources gets transform i mod 2, keeps the derived class's spec */
    ck_assert_str_eq(s->items[4].id, "o/1");
    ck_assert_str_eq(s->items[4].transform, "tatweel");
    ck_assert_str_eq(s->items[4].text, "كـتـب");
    ck_assert_str_eq(s->items[4].origin, "from:a/1");
    ck_assert_str_eq(s->items[5].transform, "lookalike");
    ck_assert_str_eq(s->items[6].transform, "tatweel");
    ck_assert_str_eq(s->items[7].transform, "lookalike");
    ck_assert_str_eq(s->items[7].origin, "from:b/1");
    ck_assert_uint_eq(s->items[7].must, 1);
    clf_func_suite_free(s);
}
END_TEST

static void check_transform(const char *name, const char *in, const char *want)
{
    char *out = NULL;
    ck_assert_int_eq(clf_func_transform(&out, in, name), CLF_OK);
    ck_assert_msg(!strcmp(out, want), "%s(%s) = %s, want %s", name, in, out, want);
    free(out);
}

START_TEST(test_transforms)
{
    /* tatweel only after letters that join the next one, never at word end */
    check_transform("tatweel", "كتب دار", "كـتـب دار");
    check_transform("diacritics", "كتاب", "كَتُابِ"); /* none on the alef */
    check_transform("zw", "كتابة", "كت\u200cاب\u200cة");
    check_transform("lookalike", "كيف هو", "کیف ہو");
    check_transform("spaced", "في المدرسة اليوم", "في ا ل م د ر س ة اليوم");
    check_transform("tatweel", "abc 123", "abc 123"); /* nothing Arabic: unchanged */
    char *out = NULL;
    ck_assert_int_eq(clf_func_transform(&out, "x", "rot13"), CLF_E_NOT_FOUND);
    ck_assert_ptr_null(out);
}
END_TEST

START_TEST(test_errors)
{
    parse_err("{", "test:");
    parse_err("{\"schema\": \"other\", \"classes\": []}", "schema");
    parse_err(HEAD "\"classes\": []}", "classes");
    parse_err(HEAD "\"classes\": [{\"name\": \"c\", \"kind\": \"benign\", \"must_not\": [\"nosuch\"], "
              "\"items\": [\"x\"]}]}", "nosuch");
    parse_err(HEAD "\"classes\": [{\"name\": \"c\", \"kind\": \"positive\", \"items\": [\"x\"]}]}", "must");
    parse_err(HEAD "\"classes\": [{\"name\": \"c\", \"kind\": \"benign\", \"must_not\": [\"*\"], "
              "\"templates\": [\"{NOPE}\"]}]}", "{NOPE}");
    parse_err(HEAD "\"classes\": [{\"name\": \"c\", \"kind\": \"benign\", \"must_not\": [\"*\"], "
              "\"gate\": {\"max_flag_rate\": 2}, \"items\": [\"x\"]}]}", "max_flag_rate");
    parse_err(HEAD "\"classes\": [{\"name\": \"c\", \"kind\": \"benign\", \"must_not\": [\"*\"], "
              "\"gate\": {\"min_recall\": 0.5}, \"items\": [\"x\"]}]}", "min_recall");
    parse_err(HEAD "\"classes\": [{\"name\": \"c\", \"kind\": \"benign\", \"must_not\": [\"*\"], \"items\": [\"x\"]},"
              "{\"name\": \"c\", \"kind\": \"benign\", \"must_not\": [\"*\"], \"items\": [\"y\"]}]}", "duplicate");
    parse_err(HEAD "\"classes\": [{\"name\": \"c\", \"kind\": \"benign\", \"must_not\": [\"*\"], \"items\": []}]}",
              "no items");
    parse_err(HEAD "\"classes\": [{\"name\": \"o\", \"kind\": \"benign\", \"must_not\": [\"*\"], \"from\": [\"c\"],"
              "\"transforms\": [\"zw\"]}]}", "not a class defined before");
    parse_err(HEAD "\"classes\": [{\"name\": \"c\", \"kind\": \"benign\", \"must_not\": [\"*\"], \"items\": [\"x\"]},"
              "{\"name\": \"o\", \"kind\": \"benign\", \"must_not\": [\"*\"], \"from\": [\"c\"], \"transforms\": [\"zw\"]},"
              "{\"name\": \"p\", \"kind\": \"benign\", \"must_not\": [\"*\"], \"from\": [\"o\"], \"transforms\": [\"zw\"]}]}",
              "derived class");
    parse_err(HEAD "\"classes\": [{\"name\": \"c\", \"kind\": \"benign\", \"must_not\": [\"*\"], \"from\": [\"c\"],"
              "\"transforms\": [\"rot13\"]}]}", "rot13");
    /* a template whose expansion explodes is refused, not expanded */
    ck_assert_int_eq(parse_err(HEAD "\"slots\": {\"A\": [\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\",\"10\"]},"
                               "\"classes\": [{\"name\": \"c\", \"kind\": \"benign\", \"must_not\": [\"*\"],"
                               "\"templates\": [\"{A}{A}{A}{A}{A}{A}\"]}]}", "more than"),
                     CLF_E_TOO_LARGE);
    /* slots that refer to themselves stop at the depth limit */
    parse_err(HEAD "\"slots\": {\"A\": [\"{A}\"]}, \"classes\": [{\"name\": \"c\", \"kind\": \"benign\","
              "\"must_not\": [\"*\"], \"templates\": [\"{A}\"]}]}", "deeper");
}
END_TEST

static const double P0[3] = {0.1, 0.1, 0.1};
static const double P1[3] = {0.9, 0.9, 0.9};

START_TEST(test_gate)
{
    /* 50 benign items (gate 2%: at most 1 flagged), 10 positive (gate 90%), 4 content-free */
    char json[8192];
    size_t n = (size_t)snprintf(json, sizeof json, HEAD "\"classes\": ["
        "{\"name\": \"ben\", \"kind\": \"benign\", \"must_not\": [\"*\"], \"gate\": {\"max_flag_rate\": 0.02}, \"items\": [");
    for (int i = 0; i < 50; i++)
        n += (size_t)snprintf(json + n, sizeof json - n, "%s\"b%d\"", i ? "," : "", i);
    n += (size_t)snprintf(json + n, sizeof json - n, "]},"
        "{\"name\": \"pos\", \"kind\": \"positive\", \"must\": [\"extremism\", \"incitement\"], "
        "\"gate\": {\"min_recall\": 0.9}, \"items\": [\"p0\",\"p1\",\"p2\",\"p3\",\"p4\",\"p5\",\"p6\",\"p7\",\"p8\",\"p9\"]},"
        "{\"name\": \"empty\", \"kind\": \"benign\", \"must_not\": [\"*\"], \"must_abstain\": true,"
        " \"gate\": {\"max_flag_rate\": 0, \"min_abstain_rate\": 1}, \"items\": [\"e0\",\"e1\",\"e2\",\"e3\"]},"
        "{\"name\": \"free\", \"kind\": \"benign\", \"must_not\": [\"hate\"], \"items\": [\"f0\"]}]}");
    clf_func_suite *s = parse(json);
    ck_assert_uint_eq(s->n_items, 65);
    clf_func_report *r = NULL;
    ck_assert_int_eq(clf_func_report_new(&r, s), CLF_OK);
    /* benign: one flagged (allowed), one abstained with high probabilities (not flagged) */
    for (size_t i = 0; i < 50; i++)
        ck_assert_int_eq(clf_func_report_set(r, i, P0, 0, 0), CLF_OK);
    clf_func_report_set(r, 3, P1, 1, 0);
    clf_func_report_set(r, 4, P1, 7, 1);
    /* positive: 9 of 10 have both categories; one has only one of them */
    for (size_t i = 50; i < 60; i++)
        clf_func_report_set(r, i, P1, 5, 0);
    clf_func_report_set(r, 59, P1, 1, 0);
    /* content-free: all abstain */
    for (size_t i = 60; i < 64; i++)
        clf_func_report_set(r, i, P0, 0, 1);
    /* free: flagged as extremism, which its must_not does not list; no gate */
    clf_func_report_set(r, 64, P1, 1, 0);
    clf_func_report_finish(r);
    const clf_func_class_result *c = r->classes;
    ck_assert_uint_eq(c[0].n, 50);
    ck_assert_uint_eq(c[0].n_flagged, 1);
    ck_assert_uint_eq(c[0].n_abstained, 1);
    ck_assert_double_eq_tol(c[0].value, 0.02, 1e-12);
    ck_assert(c[0].gate_pass);
    ck_assert(!r->items[3].pass && r->items[4].pass);
    ck_assert_uint_eq(c[0].by_cat[0], 1);
    ck_assert_uint_eq(c[0].by_cat[1], 0); /* the abstained item flagged nothing */
    ck_assert_uint_eq(c[1].n_hit, 9);
    ck_assert_double_eq_tol(c[1].value, 0.9, 1e-12);
    ck_assert(c[1].gate_pass);
    ck_assert(c[2].gate_pass);
    ck_assert_double_eq(c[2].abstain_rate, 1.0);
    ck_assert_uint_eq(c[3].n_flagged, 0);
    ck_assert(!c[3].gated);
    ck_assert(r->gate_pass);
    ck_assert_uint_eq(r->n_gated, 3);

    /* one more flagged benign item, one more miss, one item that does not abstain: all three fail */
    clf_func_report_set(r, 5, P1, 4, 0);
    clf_func_report_set(r, 58, P1, 4, 0);
    clf_func_report_set(r, 60, P0, 0, 0);
    clf_func_report_finish(r);
    ck_assert(!c[0].gate_pass && !c[1].gate_pass && !c[2].gate_pass);
    ck_assert(!r->items[60].pass);
    ck_assert_uint_eq(r->n_gate_failed, 3);
    ck_assert(!r->gate_pass);

    /* an item left unscored counts as a failure on both sides */
    clf_func_report *r2 = NULL;
    ck_assert_int_eq(clf_func_report_new(&r2, s), CLF_OK);
    for (size_t i = 0; i < 65; i++)
        if (i != 0 && i != 50)
            clf_func_report_set(r2, i, P0, i >= 50 && i < 60 ? 5 : 0, i >= 60 && i < 64);
    clf_func_report_finish(r2);
    ck_assert_uint_eq(r2->classes[0].n_unscored, 1);
    ck_assert_uint_eq(r2->classes[0].n_flagged, 1);
    ck_assert_uint_eq(r2->classes[1].n_hit, 9);
    ck_assert_int_eq(clf_func_report_set(r2, 65, P0, 0, 0), CLF_E_INVALID_ARG);
    clf_func_report_free(r2);

    /* the writers run and say what failed */
    FILE *f = tmpfile();
    ck_assert_int_eq(clf_func_report_text(f, r, 1), 0);
    ck_assert_int_eq(clf_func_report_json(f, r), 0);
    ck_assert_int_eq(clf_func_report_html(f, r), 0);
    fclose(f);
    clf_func_report_free(r);
    clf_func_suite_free(s);
}
END_TEST

START_TEST(test_wilson)
{
    /* the closed form evaluated in Python (and 0/10, 5/10 as tabulated by
     * Newcombe 1998 to four places) */
    double lo, hi;
    clf_wilson_interval(5, 10, &lo, &hi);
    ck_assert_double_eq_tol(lo, 0.2365930905, 1e-8);
    ck_assert_double_eq_tol(hi, 0.7634069095, 1e-8);
    clf_wilson_interval(0, 10, &lo, &hi);
    ck_assert_double_eq(lo, 0.0);
    ck_assert_double_eq_tol(hi, 0.2775327999, 1e-8);
    clf_wilson_interval(1, 50, &lo, &hi);
    ck_assert_double_eq_tol(lo, 0.0035392593, 1e-8);
    ck_assert_double_eq_tol(hi, 0.1049544359, 1e-8);
    clf_wilson_interval(10, 10, &lo, &hi);
    ck_assert_double_eq(hi, 1.0);
    ck_assert_double_eq_tol(lo, 0.7224672001, 1e-8);
    clf_wilson_interval(0, 0, &lo, &hi);
    ck_assert(isnan(lo) && isnan(hi));
}
END_TEST

START_TEST(test_shipped_suite)
{
    /* The shipped suite parses against the default model's categories and
     * has every kind of class the issue asks for. */
    static const char *const cats[] = {"extremism", "propaganda", "hate", "offensive", "incitement"};
    clf_func_suite *s = NULL;
    int rc = clf_func_suite_load(&s, clf_test_source_path("eval/functional/arabic-functional.json"), 5, cats);
    ck_assert_msg(rc == CLF_OK, "%s", clf_last_error());
    ck_assert_uint_ge(s->n_items, 300);
    size_t benign = 0, positive = 0, derived = 0, abstain = 0;
    for (size_t c = 0; c < s->n_classes; c++) {
        benign += !s->classes[c].positive;
        positive += s->classes[c].positive;
        abstain += s->classes[c].must_abstain;
    }
    for (size_t i = 0; i < s->n_items; i++)
        derived += s->items[i].transform != NULL;
    ck_assert_uint_ge(benign, 10);
    ck_assert_uint_ge(positive, 6);
    ck_assert_uint_ge(abstain, 1);
    ck_assert_uint_ge(derived, 100);
    /* no item appears twice */
    for (size_t i = 0; i < s->n_items; i++)
        for (size_t j = i + 1; j < s->n_items; j++)
            ck_assert_msg(strcmp(s->items[i].text, s->items[j].text), "duplicate: %s and %s", s->items[i].id,
                          s->items[j].id);
    clf_func_suite_free(s);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("functional");
    TCase *tc = tcase_create("functional");
    tcase_add_test(tc, test_expansion);
    tcase_add_test(tc, test_sampling);
    tcase_add_test(tc, test_derived);
    tcase_add_test(tc, test_transforms);
    tcase_add_test(tc, test_errors);
    tcase_add_test(tc, test_gate);
    tcase_add_test(tc, test_wilson);
    tcase_add_test(tc, test_shipped_suite);
    suite_add_tcase(s, tc);
    return clf_test_run(s);
}
