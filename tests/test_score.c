/*
 * test_score.c - scoring, thresholds, explanations and thread safety of
 * the public scoring API, on a small model built here with known weights.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "classify.h"
#include "model/format.h"
#include "model_write.h"
#include "testutil.h"

#define NRES(a) (sizeof(a) / sizeof *(a))

/* Words with a known weight in category 0 ("bad") and 1 ("good"). */
#define W_BAD "شرير"
#define W_GOOD "خير"
#define W_OTHER "كتاب"

static const char *vocab_docs[] = {
    W_BAD " " W_OTHER, W_GOOD " " W_OTHER, "الولد " W_BAD " جدا", "هذا " W_GOOD " كثير",
    "hello world 123", "كتاب جديد في المكتبة", "قف !",
};

static clf_model *model;
static char model_path[4096];

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* The bucket of a word unigram, found through the public inspection API. */
static uint32_t word_bucket(clf_featurizer *f, const char *word)
{
    const clf_feature_text *ft;
    size_t n;
    ck_assert_int_eq(clf_featurize_text(f, word, strlen(word), NULL, &ft, &n), CLF_OK);
    for (size_t i = 0; i < n; i++)
        if (ft[i].family == CLF_FAMILY_WORD && !strcmp(ft[i].text, word))
            return ft[i].index;
    ck_abort_msg("no word feature for %s", word);
    return 0;
}

/* The model of this file, with category "bad" report-only when ro. */
static clf_model *build_model_file(int ro, const char *file, unsigned ek)
{
    clf_norm_options no;
    clf_feature_options fo;
    clf_norm_options_init(&no);
    clf_feature_options_init(&fo);
    fo.hash_bits = 16;
    clf_featurizer *f;
    ck_assert_int_eq(clf_featurizer_new(&f, &no, &fo), CLF_OK);

    size_t cap = 4096, n = 0;
    uint32_t *buckets = malloc(cap * sizeof *buckets);
    for (size_t d = 0; d < sizeof vocab_docs / sizeof *vocab_docs; d++) {
        const clf_feature *vec;
        size_t k;
        ck_assert_int_eq(clf_featurize(f, vocab_docs[d], strlen(vocab_docs[d]), NULL, &vec, &k),
                         CLF_OK);
        for (size_t i = 0; i < k; i++) {
            ck_assert_uint_lt(n, cap);
            buckets[n++] = vec[i].index;
        }
    }
    qsort(buckets, n, sizeof *buckets, cmp_u32);
    size_t u = 0;
    for (size_t i = 0; i < n; i++)
        if (u == 0 || buckets[u - 1] != buckets[i])
            buckets[u++] = buckets[i];

    float *idf = malloc(u * sizeof *idf);
    float *w = calloc(u * 2, sizeof *w);
    uint32_t bb = word_bucket(f, W_BAD), bg = word_bucket(f, W_GOOD), bp = word_bucket(f, "!");
    for (size_t i = 0; i < u; i++) {
        idf[i] = 1.0f + (float)(i % 3) * 0.25f;
        if (buckets[i] == bb) { w[2 * i] = 4.0f; w[2 * i + 1] = -2.0f; }
        if (buckets[i] == bg) { w[2 * i] = -3.0f; w[2 * i + 1] = 5.0f; }
        if (buckets[i] == bp) { w[2 * i] = 2.0f; } /* a punctuation mark that "explains" */
    }
    clf_model_spec_category cats[2] = {
        {.name = "bad", .threshold = 0.5, .calib_a = -1.0, .calib_b = 0.0, .bias = -0.5,
         .report_only = ro, .evidence_words = ek},
        {.name = "good", .threshold = 0.6, .calib_a = -1.5, .calib_b = 0.2, .bias = -0.25},
    };
    clf_model_spec spec;
    clf_model_spec_init(&spec);
    spec.name = "test-score";
    spec.nopts = no;
    spec.fopts = fo;
    spec.n_cats = 2;
    spec.cats = cats;
    spec.n_rows = u;
    spec.buckets = buckets;
    spec.idf = idf;
    spec.weights = w;
    spec.meta = "{\"test\": true}";
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", clf_test_tmpdir(), file);
    ck_assert_int_eq(clf_model_write(path, &spec), CLF_OK);
    clf_model *m;
    ck_assert_int_eq(clf_model_load(&m, path), CLF_OK);
    free(buckets);
    free(idf);
    free(w);
    clf_featurizer_free(f);
    if (!ro && !ek)
        memcpy(model_path, path, sizeof path);
    return m;
}

static void build_model(void)
{
    model = build_model_file(0, "score.clf", 0);
}

static void setup(void)
{
    if (!model)
        build_model();
}

START_TEST(scores_follow_weights)
{
    clf_scorer *s;
    ck_assert_int_eq(clf_scorer_new(&s, model), CLF_OK);
    clf_score_result bad[2], good[2], neutral[2];
    const char *t1 = "الولد " W_BAD, *t2 = "الولد " W_GOOD, *t3 = "الولد";
    ck_assert_int_ge(clf_score(s, t1, strlen(t1), bad, NRES(bad), NULL), 0);
    ck_assert_int_ge(clf_score(s, t2, strlen(t2), good, NRES(good), NULL), 0);
    ck_assert_int_ge(clf_score(s, t3, strlen(t3), neutral, NRES(neutral), NULL), 0);
    ck_assert(bad[0].probability > neutral[0].probability);
    ck_assert(good[0].probability < neutral[0].probability);
    ck_assert(good[1].probability > neutral[1].probability);
    ck_assert(bad[1].probability < neutral[1].probability);
    for (int k = 0; k < 2; k++) {
        ck_assert(bad[k].probability >= 0 && bad[k].probability <= 1);
        /* calibration is the stored sigmoid of the margin */
        double a = k ? -1.5 : -1.0, b = k ? 0.2 : 0.0;
        ck_assert_double_eq_tol(bad[k].probability, 1.0 / (1.0 + exp(a * bad[k].margin + b)),
                                1e-12);
        ck_assert_int_eq(bad[k].flagged, bad[k].probability >= clf_model_threshold(model, k));
    }
    clf_scorer_free(s);
}
END_TEST

START_TEST(empty_text_scores_bias)
{
    clf_scorer *s;
    ck_assert_int_eq(clf_scorer_new(&s, model), CLF_OK);
    clf_score_result r[2];
    clf_doc_info info;
    ck_assert_int_eq(clf_score(s, "", 0, r, NRES(r), &info), 0);
    ck_assert_int_eq(info.abstain, CLF_ABSTAIN_NO_ARABIC);
    ck_assert_double_eq_tol(r[0].margin, -0.5, 1e-12);
    ck_assert_double_eq_tol(r[1].margin, -0.25, 1e-12);
    ck_assert_int_ge(clf_score(s, NULL, 0, r, NRES(r), NULL), 0);
    ck_assert_int_ge(clf_score(s, " \t\r\n", 4, r, NRES(r), NULL), 0);
    ck_assert_double_eq_tol(r[0].margin, -0.5, 1e-12);
    clf_scorer_free(s);
}
END_TEST

START_TEST(bad_input_is_an_error)
{
    clf_scorer *s;
    ck_assert_int_eq(clf_scorer_new(&s, model), CLF_OK);
    clf_score_result r[2];
    ck_assert_int_eq(clf_score(s, "ab\xff" "cd", 5, r, NRES(r), NULL), CLF_E_UTF8);
    ck_assert_str_ne(clf_last_error(), "");
    ck_assert_int_eq(clf_score(s, "\xed\xa0\x80", 3, r, NRES(r), NULL), CLF_E_UTF8); /* surrogate */
    ck_assert_int_eq(clf_score(NULL, "a", 1, r, NRES(r), NULL), CLF_E_INVALID_ARG);
    ck_assert_int_eq(clf_score(s, "a", 1, NULL, 2, NULL), CLF_E_INVALID_ARG);
    ck_assert_int_eq(clf_scorer_new(NULL, model), CLF_E_INVALID_ARG);
    /* a NUL byte inside the text is whitespace, not the end */
    const char nul[] = W_BAD "\0" W_GOOD;
    ck_assert_int_ge(clf_score(s, nul, sizeof nul - 1, r, NRES(r), NULL), 0);
    clf_scorer_free(s);
    clf_scorer_free(NULL);
    clf_model_free(NULL);
    clf_explanation_free(NULL);
}
END_TEST

/* A report-only category ("bad" here) is scored as before but never
 * flagged, until a scorer turns flagging on; thresholds stay independent. */
START_TEST(report_only_category)
{
    clf_model *ro = build_model_file(1, "score-ro.clf", 0);
    ck_assert_uint_eq(clf_model_format_version(ro), CLF__FORMAT_VERSION);
    ck_assert_int_eq(clf_model_category_flags_by_default(ro, 0), 0);
    ck_assert_int_eq(clf_model_category_flags_by_default(ro, 1), 1);
    ck_assert_int_eq(clf_model_category_flags_by_default(ro, 2), -1);
    ck_assert_int_eq(clf_model_category_flags_by_default(NULL, 0), -1);
    ck_assert_int_eq(clf_model_category_flags_by_default(model, 0), 1);
    clf_scorer *s, *s0;
    ck_assert_int_eq(clf_scorer_new(&s, ro), CLF_OK);
    ck_assert_int_eq(clf_scorer_new(&s0, model), CLF_OK);
    ck_assert_int_eq(clf_scorer_flagging(s, 0), 0);
    ck_assert_int_eq(clf_scorer_flagging(s, 1), 1);
    ck_assert_int_eq(clf_scorer_flagging(s, 2), -1);
    ck_assert_int_eq(clf_scorer_flagging(NULL, 0), -1);
    const char *t = "الولد " W_BAD " " W_GOOD;
    /* thresholds 0: every category reaches its threshold */
    for (size_t k = 0; k < 2; k++) {
        ck_assert_int_eq(clf_scorer_set_threshold(s, k, 0.0), CLF_OK);
        ck_assert_int_eq(clf_scorer_set_threshold(s0, k, 0.0), CLF_OK);
    }
    clf_score_result r[2], r0[2];
    ck_assert_int_eq(clf_score(s, t, strlen(t), r, NRES(r), NULL), 1); /* "good" only */
    ck_assert_int_eq(clf_score(s0, t, strlen(t), r0, NRES(r0), NULL), 2);
    ck_assert_int_eq(r[0].flagged, 0);
    ck_assert_int_eq(r[1].flagged, 1);
    ck_assert_int_eq(r0[0].flagged, 1);
    for (size_t k = 0; k < 2; k++) { /* the same scores */
        ck_assert(r[k].probability == r0[k].probability);
        ck_assert(r[k].margin == r0[k].margin);
    }
    ck_assert_double_eq(clf_scorer_threshold(s, 0), 0.0); /* the threshold still applies */
    /* explanations and spans follow the same rule */
    clf_explanation *e;
    ck_assert_int_eq(clf_explain(s, t, strlen(t), 3, &e), CLF_OK);
    ck_assert_int_eq(clf_explanation_result(e, 0)->flagged, 0);
    ck_assert_int_eq(clf_explanation_result(e, 1)->flagged, 1);
    clf_explanation_free(e);
    clf_spans *sp;
    ck_assert_int_eq(clf_score_spans(&sp, s, t, strlen(t), NULL), CLF_OK);
    ck_assert_uint_eq(clf_spans_count(sp), 1);
    ck_assert_int_eq(clf_spans_get(sp, 0)->nflagged, 1);
    ck_assert_int_eq(clf_spans_get(sp, 0)->results[0].flagged, 0);
    clf_spans_free(sp);
    /* turned on for this scorer, then back to the model's default */
    ck_assert_int_eq(clf_scorer_set_flagging(s, 0, 1), CLF_OK);
    ck_assert_int_eq(clf_scorer_flagging(s, 0), 1);
    ck_assert_int_eq(clf_score(s, t, strlen(t), r, NRES(r), NULL), 2);
    ck_assert_int_eq(r[0].flagged, 1);
    ck_assert_int_eq(clf_scorer_set_flagging(s, 0, -1), CLF_OK);
    ck_assert_int_eq(clf_scorer_flagging(s, 0), 0);
    /* a category that flags can be made report-only */
    ck_assert_int_eq(clf_scorer_set_flagging(s0, 1, 0), CLF_OK);
    ck_assert_int_eq(clf_score(s0, t, strlen(t), r0, NRES(r0), NULL), 1);
    ck_assert_int_eq(r0[1].flagged, 0);
    ck_assert_int_eq(clf_scorer_set_flagging(s, 2, 1), CLF_E_INVALID_ARG);
    ck_assert_int_eq(clf_scorer_set_flagging(NULL, 0, 1), CLF_E_INVALID_ARG);
    clf_scorer_free(s);
    clf_scorer_free(s0);
    clf_model_free(ro);
}
END_TEST

START_TEST(threshold_override)
{
    clf_scorer *s;
    ck_assert_int_eq(clf_scorer_new(&s, model), CLF_OK);
    clf_score_result r[2];
    const char *t = "الولد";
    ck_assert_double_eq(clf_scorer_threshold(s, 0), 0.5);
    ck_assert_int_eq(clf_scorer_set_threshold(s, 0, 0.0), CLF_OK);
    ck_assert_int_ge(clf_score(s, t, strlen(t), r, NRES(r), NULL), 1);
    ck_assert_int_eq(r[0].flagged, 1);
    ck_assert_int_eq(clf_scorer_set_threshold(s, 0, 1.0), CLF_OK);
    clf_score(s, t, strlen(t), r, NRES(r), NULL);
    ck_assert_int_eq(r[0].flagged, r[0].probability >= 1.0);
    ck_assert_int_eq(clf_scorer_set_threshold(s, 0, -1), CLF_OK);
    ck_assert_double_eq(clf_scorer_threshold(s, 0), 0.5);
    ck_assert_int_eq(clf_scorer_set_threshold(s, 2, 0.5), CLF_E_INVALID_ARG);
    ck_assert_int_eq(clf_scorer_set_threshold(s, 0, 1.5), CLF_E_INVALID_ARG);
    ck_assert_int_eq(clf_scorer_set_threshold(s, 0, NAN), CLF_E_INVALID_ARG);
    /* the model is untouched */
    ck_assert_double_eq(clf_model_threshold(model, 0), 0.5);
    clf_scorer_free(s);
}
END_TEST

/* Short-text shrinkage (format 5): with evidence_words k, a text of n
 * Arabic words has the margin bias + (w.x) n / (n + k) (n counted up to 64);
 * other categories are untouched; the explanation's contributions still add
 * up to the margin, and it gives back the unshrunk probability. */
START_TEST(short_text_shrinkage)
{
    clf_model *mk = build_model_file(0, "score-ek.clf", 3);
    ck_assert_int_eq(clf_model_category_evidence_words(mk, 0), 3);
    ck_assert_int_eq(clf_model_category_evidence_words(mk, 1), 0);
    ck_assert_int_eq(clf_model_category_evidence_words(mk, 2), -1);
    ck_assert_int_eq(clf_model_category_evidence_words(model, 0), 0);
    clf_scorer *s0, *sk;
    ck_assert_int_eq(clf_scorer_new(&s0, model), CLF_OK);
    ck_assert_int_eq(clf_scorer_new(&sk, mk), CLF_OK);
    char longt[4096] = "";
    for (int i = 0; i < 70; i++)
        strcat(longt, i % 7 ? "الولد " : W_BAD " ");
    /* text, Arabic words as counted (placeholders, Latin words, digits and
     * punctuation are not Arabic words) */
    struct { const char *t; double n; } cases[] = {
        { W_BAD, 1 }, { "الولد " W_BAD, 2 }, { W_BAD " http://x.y/z @someone 123 ! abc", 1 },
        { "الولد " W_BAD " و " W_GOOD " كتاب", 5 }, { longt, 64 },
        /* format 6: a token of L letters is 1 + (L - 1) / 10 words (24 letters: 3) */
        { "الولدالولدالولدالولدكتاب", 3 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *t = cases[i].t;
        clf_score_result r0[2], rk[2];
        ck_assert_int_ge(clf_score(s0, t, strlen(t), r0, NRES(r0), NULL), 0);
        ck_assert_int_ge(clf_score(sk, t, strlen(t), rk, NRES(rk), NULL), 0);
        double f = cases[i].n / (cases[i].n + 3.0);
        ck_assert_msg(fabs(rk[0].margin - (-0.5 + (r0[0].margin + 0.5) * f)) < 1e-9,
                      "case %zu: margin %.9f, want %.9f", i, rk[0].margin,
                      -0.5 + (r0[0].margin + 0.5) * f);
        ck_assert_double_eq(rk[1].margin, r0[1].margin);
        ck_assert(fabs(rk[0].margin + 0.5) < fabs(r0[0].margin + 0.5) || r0[0].margin == -0.5);
        clf_explanation *e;
        ck_assert_int_eq(clf_explain(sk, t, strlen(t), 100000, &e), CLF_OK);
        clf_evidence ev;
        ck_assert_int_eq(clf_explanation_evidence(e, 0, &ev), CLF_OK);
        ck_assert_uint_eq(ev.arabic_words, (size_t)cases[i].n);
        ck_assert_int_eq(ev.evidence_words, 3);
        ck_assert_double_eq_tol(ev.kept, f, 1e-12);
        ck_assert_double_eq_tol(ev.probability_unshrunk, r0[0].probability, 1e-9);
        ck_assert_int_eq(clf_explanation_evidence(e, 1, &ev), CLF_OK);
        ck_assert_double_eq(ev.kept, 1.0);
        ck_assert_double_eq(ev.probability_unshrunk, rk[1].probability);
        ck_assert_int_eq(clf_explanation_evidence(e, 2, &ev), CLF_E_INVALID_ARG);
        ck_assert_int_eq(clf_explanation_evidence(e, 0, NULL), CLF_E_INVALID_ARG);
        double sum = -0.5;
        for (int up = 0; up < 2; up++) {
            size_t n;
            const clf_contribution *c = clf_explanation_features(e, 0, up, &n);
            for (size_t j = 0; j < n; j++)
                sum += c[j].contribution;
        }
        ck_assert_double_eq_tol(sum, rk[0].margin, 1e-6);
        clf_explanation_free(e);
    }
    /* a text without Arabic words abstains at the bias, shrinkage or not */
    clf_score_result r[2];
    clf_doc_info info;
    ck_assert_int_eq(clf_score(sk, "hello 123", 9, r, NRES(r), &info), 0);
    ck_assert_int_eq(info.abstain, CLF_ABSTAIN_NO_ARABIC);
    ck_assert_double_eq_tol(r[0].margin, -0.5, 1e-12);
    /* the same file as format 5 counts every token as one word, as that
     * format's training did: the 24-letter token keeps 1 / (1 + 3) */
    size_t len;
    char path[4096];
    snprintf(path, sizeof path, "%s/score-ek.clf", clf_test_tmpdir());
    unsigned char *buf = (unsigned char *)clf_test_read_file(path, &len);
    ck_assert_ptr_nonnull(buf);
    uint32_t v5 = 5;
    memcpy(buf + 8, &v5, 4);
    memset(buf + 32, 0, 8);
    uint64_t h = XXH3_64bits(buf, len);
    memcpy(buf + 32, &h, 8);
    clf_model *m5;
    ck_assert_msg(clf_model_load_buffer(&m5, buf, len) == CLF_OK, "%s", clf_last_error());
    ck_assert_uint_eq(clf_model_format_version(m5), 5);
    clf_scorer *s5;
    ck_assert_int_eq(clf_scorer_new(&s5, m5), CLF_OK);
    const char *glued = "الولدالولدالولدالولدكتاب";
    clf_score_result r5[2], r6[2], rz[2];
    ck_assert_int_ge(clf_score(s5, glued, strlen(glued), r5, NRES(r5), NULL), 0);
    ck_assert_int_ge(clf_score(sk, glued, strlen(glued), r6, NRES(r6), NULL), 0);
    ck_assert_int_ge(clf_score(s0, glued, strlen(glued), rz, NRES(rz), NULL), 0);
    ck_assert_double_eq_tol(r5[0].margin, -0.5 + (rz[0].margin + 0.5) * 0.25, 1e-9);
    ck_assert_double_eq_tol(r6[0].margin, -0.5 + (rz[0].margin + 0.5) * 0.5, 1e-9);
    clf_scorer_free(s5);
    clf_model_free(m5);
    free(buf);
    clf_scorer_free(s0);
    clf_scorer_free(sk);
    clf_model_free(mk);
}
END_TEST

START_TEST(explanation_adds_up)
{
    clf_scorer *s;
    ck_assert_int_eq(clf_scorer_new(&s, model), CLF_OK);
    const char *t = "الولد " W_BAD " و " W_GOOD " كتاب";
    clf_explanation *e;
    ck_assert_int_eq(clf_explain(s, t, strlen(t), 100000, &e), CLF_OK);
    clf_score_result r[2];
    clf_score(s, t, strlen(t), r, NRES(r), NULL);
    for (size_t k = 0; k < 2; k++) {
        const clf_score_result *er = clf_explanation_result(e, k);
        ck_assert_double_eq(er->probability, r[k].probability);
        double sum = k ? -0.25 : -0.5;
        for (int up = 0; up < 2; up++) {
            size_t n;
            const clf_contribution *c = clf_explanation_features(e, k, up, &n);
            for (size_t i = 0; i < n; i++) {
                ck_assert(up ? c[i].contribution > 0 : c[i].contribution < 0);
                if (i)
                    ck_assert(up ? c[i].contribution <= c[i - 1].contribution
                                 : c[i].contribution >= c[i - 1].contribution);
                sum += c[i].contribution;
            }
        }
        ck_assert_double_eq_tol(sum, r[k].margin, 1e-6);
    }
    /* the strongest push up for "bad" is the bad word itself */
    size_t n;
    const clf_contribution *c = clf_explanation_features(e, 0, 1, &n);
    ck_assert_uint_ge(n, 1);
    ck_assert_str_eq(c[0].text, W_BAD);
    ck_assert_uint_eq(c[0].family, CLF_FAMILY_WORD);
    c = clf_explanation_features(e, 0, 0, &n);
    ck_assert_uint_ge(n, 1);
    ck_assert_str_eq(c[0].text, W_GOOD);
    ck_assert_ptr_null(clf_explanation_features(e, 2, 1, &n));
    ck_assert_uint_eq(n, 0);
    ck_assert_ptr_nonnull(clf_explanation_normalized(e));
    clf_explanation_free(e);

    ck_assert_int_eq(clf_explain(s, t, strlen(t), 1, &e), CLF_OK);
    clf_explanation_features(e, 0, 1, &n);
    ck_assert_uint_eq(n, 1);
    clf_explanation_free(e);
    ck_assert_int_eq(clf_explain(s, "\xc3", 1, 3, &e), CLF_E_UTF8);
    ck_assert_ptr_null(e);
    clf_scorer_free(s);
}
END_TEST

/* The word view adds up: words + word n-grams spanning words = margin - bias. */
START_TEST(word_explanations_add_up)
{
    clf_scorer *s;
    ck_assert_int_eq(clf_scorer_new(&s, model), CLF_OK);
    const char *t = "الولد " W_BAD " " W_BAD " و " W_GOOD " كتاب";
    clf_explanation *e;
    ck_assert_int_eq(clf_explain(s, t, strlen(t), 100000, &e), CLF_OK);
    for (size_t k = 0; k < 2; k++) {
        double words = 0, spanning = 0;
        for (int up = 0; up < 2; up++) {
            size_t n;
            const clf_contribution *c = clf_explanation_words(e, k, up, &n);
            for (size_t i = 0; i < n; i++) {
                ck_assert_ptr_null(strchr(c[i].text, ' '));
                words += c[i].contribution;
            }
            c = clf_explanation_features(e, k, up, &n);
            for (size_t i = 0; i < n; i++)
                if (c[i].family == CLF_FAMILY_WORD && strchr(c[i].text, ' '))
                    spanning += c[i].contribution;
        }
        double bias = k ? -0.25 : -0.5;
        ck_assert_double_eq_tol(words + spanning, clf_explanation_result(e, k)->margin - bias,
                                1e-6);
    }
    size_t n;
    const clf_contribution *c = clf_explanation_words(e, 0, 1, &n);
    ck_assert_uint_ge(n, 1);
    ck_assert_str_eq(c[0].text, W_BAD);
    ck_assert_double_eq(c[0].value, 2.0); /* two occurrences, one entry */
    c = clf_explanation_words(e, 1, 1, &n);
    ck_assert_str_eq(c[0].text, W_GOOD);
    ck_assert_ptr_null(clf_explanation_words(e, 5, 1, &n));
    clf_explanation_free(e);
    clf_scorer_free(s);
}
END_TEST

START_TEST(evasions_score_like_plain_text)
{
    clf_scorer *s;
    ck_assert_int_eq(clf_scorer_new(&s, model), CLF_OK);
    const char *plain = "الولد شرير جدا";
    const char *evasions[] = {
        "الـــولـــد شـــريـــر جـــدا",             /* stuffed tatweel */
        "الْوَلَدُ شِرِّيرٌ جِدًّا",                 /* diacritics */
        ("الو\xe2\x80\x8b" "لد ش\xe2\x80\x8c" "رير جد\xe2\x80\x8d" "ا"), /* zero-width */
        ("\xe2\x80\x8f" "الولد شرير جدا\xe2\x80\x8e"), /* bidi marks */
        "الولد شریر جدا",                           /* Persian yeh */
    };
    clf_score_result ref[2], r[2];
    clf_score(s, plain, strlen(plain), ref, NRES(ref), NULL);
    for (size_t i = 0; i < sizeof evasions / sizeof *evasions; i++) {
        ck_assert_int_ge(clf_score(s, evasions[i], strlen(evasions[i]), r, NRES(r), NULL), 0);
        for (int k = 0; k < 2; k++)
            ck_assert_msg(r[k].margin == ref[k].margin, "evasion %zu changes the score", i);
    }
    clf_scorer_free(s);
}
END_TEST

/* Byte, code point and UTF-16 offsets of the substring sub of t. */
static void expect_text_span(const clf_text_span *sp, const char *t, const char *sub)
{
    const char *at = strstr(t, sub);
    ck_assert_ptr_nonnull(at);
    size_t off = (size_t)(at - t), cps = 0, u16 = 0, ccp = 0, cu = 0;
    for (size_t i = 0; i < off; i++)
        if ((t[i] & 0xC0) != 0x80) {
            cps++;
            u16 += (unsigned char)t[i] >= 0xF0 ? 2 : 1;
        }
    for (size_t i = off; i < off + strlen(sub); i++)
        if ((t[i] & 0xC0) != 0x80) {
            ccp++;
            cu += (unsigned char)t[i] >= 0xF0 ? 2 : 1;
        }
    ck_assert_msg(sp->offset == off && sp->len == strlen(sub), "span [%zu,+%zu) want [%zu,+%zu) in %s",
                  sp->offset, sp->len, off, strlen(sub), t);
    ck_assert_uint_eq(sp->cp_offset, cps);
    ck_assert_uint_eq(sp->cp_len, ccp);
    ck_assert_uint_eq(sp->u16_offset, u16);
    ck_assert_uint_eq(sp->u16_len, cu);
}

/* The word that explains "bad" is reported as written, where it is. */
START_TEST(explained_words_are_the_input_as_written)
{
    clf_scorer *s;
    ck_assert_int_eq(clf_scorer_new(&s, model), CLF_OK);
    static const char *const forms[] = {
        W_BAD,
        "شـــريـــر",                                        /* tatweel */
        "ش ر ي ر",                                          /* spaced letters */
        "ش.ر.ي.ر",                                          /* dotted letters */
        NULL,                                               /* invisible characters: below */
        "شِرِّيرٌ",                                           /* diacritics */
        "شريييييير",                                        /* elongation */
        "\xef\xba\xb7\xef\xba\xae\xef\xbb\xb4\xef\xba\xae", /* presentation forms */
    };
    for (size_t i = 0; i < sizeof forms / sizeof *forms; i++) {
        const char *form = i == 4 ? "ش\xe2\x80\x8bر\xe2\x80\x8cي\xe2\x80\x8dر" : forms[i];
        char t[256];
        snprintf(t, sizeof t, "\xf0\x9f\x98\x80 الولد %s جدا", form); /* an emoji first: UTF-16 pairs */
        clf_explanation *e;
        ck_assert_int_eq(clf_explain(s, t, strlen(t), 5, &e), CLF_OK);
        size_t n;
        const clf_contribution *c = clf_explanation_words(e, 0, 1, &n);
        ck_assert_uint_ge(n, 1);
        ck_assert_str_eq(c[0].text, W_BAD);
        ck_assert_uint_eq(c[0].kind, CLF_TOKEN_WORD);
        ck_assert_ptr_nonnull(c[0].original);
        ck_assert_msg(!strcmp(c[0].original, form), "form %zu: original '%s'", i, c[0].original);
        expect_text_span(&c[0].span, t, form);
        size_t ns;
        const clf_text_span *sp = clf_explanation_word_spans(e, 0, 1, 0, &ns);
        ck_assert_uint_eq(ns, 1);
        expect_text_span(sp, t, form);
        clf_explanation_free(e);
    }
    /* every occurrence; the feature view has no spans */
    const char *t = W_BAD " ثم ش ر ي ر";
    clf_explanation *e;
    ck_assert_int_eq(clf_explain(s, t, strlen(t), 5, &e), CLF_OK);
    size_t n, ns;
    const clf_contribution *c = clf_explanation_words(e, 0, 1, &n);
    ck_assert_double_eq(c[0].value, 2.0);
    const clf_text_span *sp = clf_explanation_word_spans(e, 0, 1, 0, &ns);
    ck_assert_uint_eq(ns, 2);
    expect_text_span(&sp[0], t, W_BAD);
    expect_text_span(&sp[1], t, "ش ر ي ر");
    ck_assert_ptr_null(clf_explanation_word_spans(e, 0, 1, n, &ns));
    ck_assert_uint_eq(ns, 0);
    ck_assert_ptr_null(clf_explanation_word_spans(e, 9, 1, 0, &ns));
    c = clf_explanation_features(e, 0, 1, &n);
    for (size_t i = 0; i < n; i++) {
        ck_assert_ptr_null(c[i].original);
        ck_assert_uint_eq(c[i].span.len, 0);
    }
    clf_explanation_free(e);
    clf_scorer_free(s);
}
END_TEST

/* A punctuation mark that pushes a score is listed, and says what it is. */
START_TEST(punctuation_reasons_are_marked)
{
    clf_scorer *s;
    ck_assert_int_eq(clf_scorer_new(&s, model), CLF_OK);
    const char *t = "قف ! الآن";
    clf_explanation *e;
    ck_assert_int_eq(clf_explain(s, t, strlen(t), 10, &e), CLF_OK);
    int seen = 0;
    for (int view = 0; view < 2; view++) {
        size_t n;
        const clf_contribution *c = view ? clf_explanation_features(e, 0, 1, &n)
                                         : clf_explanation_words(e, 0, 1, &n);
        for (size_t i = 0; i < n; i++) {
            if (!strcmp(c[i].text, "!")) {
                ck_assert_uint_eq(c[i].kind, CLF_TOKEN_PUNCT);
                seen++;
            } else if (!strcmp(c[i].text, "قف")) {
                ck_assert_uint_eq(c[i].kind, CLF_TOKEN_WORD);
            }
        }
    }
    ck_assert_int_eq(seen, 2); /* in both views */
    ck_assert_str_eq(clf_token_kind_name(CLF_TOKEN_PUNCT), "punctuation");
    clf_explanation_free(e);
    clf_scorer_free(s);
}
END_TEST

START_TEST(batch_equals_single)
{
    clf_scorer *s;
    ck_assert_int_eq(clf_scorer_new(&s, model), CLF_OK);
    const char *texts[] = {"الولد " W_BAD, "", "bad \xff utf8", W_GOOD " " W_GOOD};
    size_t lens[4];
    for (int i = 0; i < 4; i++)
        lens[i] = strlen(texts[i]);
    clf_score_result br[8], r[2];
    int status[4];
    clf_doc_info infos[4], info;
    ck_assert_int_eq(clf_score_batch(s, texts, lens, 4, br, NRES(br), status, infos), CLF_OK);
    for (int i = 0; i < 4; i++) {
        int rc = clf_score(s, texts[i], lens[i], r, NRES(r), &info);
        ck_assert_int_eq(status[i], rc);
        if (rc >= 0) {
            for (int k = 0; k < 2; k++)
                ck_assert(br[i * 2 + k].margin == r[k].margin);
            ck_assert_int_eq(infos[i].abstain, info.abstain);
            ck_assert_uint_eq(infos[i].scored_bytes, info.scored_bytes);
        }
    }
    ck_assert_int_eq(status[2], CLF_E_UTF8);
    ck_assert_int_eq(infos[1].abstain, CLF_ABSTAIN_NO_ARABIC);
    ck_assert_int_eq(infos[0].abstain, CLF_ABSTAIN_NONE);
    /* room for 3.5 texts of 2 categories is too little for 4 */
    ck_assert_int_eq(clf_score_batch(s, texts, lens, 4, br, 7, status, NULL), CLF_E_BUFFER);
    ck_assert_int_eq(clf_score_batch(s, texts, lens, 4, br, 8, status, NULL), CLF_OK);
    clf_scorer_free(s);
}
END_TEST

/* Several threads, one shared model, each with its own scorer. */
#define NTHREADS 4
#define NTEXTS 64
static char *mt_texts[NTEXTS];
static double mt_ref[NTEXTS][2];

typedef struct mt_arg {
    int ok;
} mt_arg;

static void *mt_worker(void *p)
{
    mt_arg *a = p;
    clf_scorer *s;
    a->ok = clf_scorer_new(&s, model) == CLF_OK;
    for (int rep = 0; rep < 20 && a->ok; rep++)
        for (int i = 0; i < NTEXTS; i++) {
            clf_score_result r[2];
            clf_explanation *e = NULL;
            if (clf_score(s, mt_texts[i], strlen(mt_texts[i]), r, NRES(r), NULL) < 0 ||
                r[0].margin != mt_ref[i][0] || r[1].margin != mt_ref[i][1])
                a->ok = 0;
            if (rep == 0 && (clf_explain(s, mt_texts[i], strlen(mt_texts[i]), 3, &e) != CLF_OK ||
                             clf_explanation_result(e, 1)->margin != mt_ref[i][1]))
                a->ok = 0;
            clf_explanation_free(e);
        }
    clf_scorer_free(s);
    return NULL;
}

START_TEST(threads_share_one_model)
{
    const char *words[] = {W_BAD, W_GOOD, W_OTHER, "الولد", "hello", "😀", "123", "جدا"};
    clf_scorer *s;
    ck_assert_int_eq(clf_scorer_new(&s, model), CLF_OK);
    for (int i = 0; i < NTEXTS; i++) {
        char buf[512] = "";
        for (int j = 0; j < 1 + i % 7; j++) {
            strcat(buf, words[(i * 7 + j * 3) % 8]);
            strcat(buf, " ");
        }
        mt_texts[i] = strdup(buf);
        clf_score_result r[2];
        ck_assert_int_ge(clf_score(s, buf, strlen(buf), r, NRES(r), NULL), 0);
        mt_ref[i][0] = r[0].margin;
        mt_ref[i][1] = r[1].margin;
    }
    clf_scorer_free(s);
    pthread_t t[NTHREADS];
    mt_arg a[NTHREADS];
    for (int i = 0; i < NTHREADS; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, mt_worker, &a[i]), 0);
    for (int i = 0; i < NTHREADS; i++) {
        pthread_join(t[i], NULL);
        ck_assert_msg(a[i].ok, "thread %d saw a different score", i);
    }
    for (int i = 0; i < NTEXTS; i++)
        free(mt_texts[i]);
}
END_TEST

START_TEST(model_accessors)
{
    ck_assert_uint_eq(clf_model_num_categories(model), 2);
    ck_assert_str_eq(clf_model_category_name(model, 0), "bad");
    ck_assert_ptr_null(clf_model_category_name(model, 2));
    size_t idx = 7;
    ck_assert_int_eq(clf_model_category_index(model, "good", &idx), CLF_OK);
    ck_assert_uint_eq(idx, 1);
    ck_assert_int_eq(clf_model_category_index(model, "nope", &idx), CLF_E_NOT_FOUND);
    ck_assert_uint_eq(idx, 1); /* untouched */
    ck_assert_int_eq(clf_model_category_index(model, NULL, &idx), CLF_E_INVALID_ARG);
    /* the id is the name and the checksum's first 8 hex digits */
    char want[64];
    snprintf(want, sizeof want, "test-score@%08llx",
             (unsigned long long)(clf_model_checksum(model) >> 32));
    ck_assert_str_eq(clf_model_id(model), want);
    ck_assert(clf_model_checksum(model) != 0);
    ck_assert_str_eq(clf_model_name(model), "test-score");
    ck_assert_str_eq(clf_model_metadata(model), "{\"test\": true}");
    ck_assert_int_eq(clf_version_number(), CLF_VERSION_NUMBER);
    ck_assert_str_eq(clf_version_string(), CLF_VERSION_STRING);
    ck_assert_str_eq(clf_strerror(CLF_E_UTF8), "invalid UTF-8");
    ck_assert_str_eq(clf_strerror(12345), "unknown error");
}
END_TEST

START_TEST(long_text_is_bounded)
{
    clf_scorer *s;
    ck_assert_int_eq(clf_scorer_new(&s, model), CLF_OK);
    size_t len = 8u << 20; /* 8 MB, far over the 1 MiB default limit */
    char *big = malloc(len);
    for (size_t i = 0; i < len; i += 2) {
        big[i] = (char)0xd8;     /* "ب" = D8 A8 */
        big[i + 1] = (char)0xa8;
        if (i % 20 == 18) { big[i] = ' '; big[i + 1] = 'x'; }
    }
    clf_score_result r[2];
    clf_doc_info info;
    ck_assert_int_ge(clf_score(s, big, len, r, NRES(r), &info), 0);
    ck_assert_int_eq(info.truncated, 1);
    ck_assert_uint_eq(info.scored_bytes, CLF_NORM_DEFAULT_MAX_BYTES);
    free(big);
    clf_scorer_free(s);
}
END_TEST

START_TEST(capacity_is_checked)
{
    clf_scorer *s;
    ck_assert_int_eq(clf_scorer_new(&s, model), CLF_OK);
    clf_score_result r[3];
    memset(r, 0x5a, sizeof r);
    const char *t = "الولد " W_BAD;
    ck_assert_int_eq(clf_score(s, t, strlen(t), r, 1, NULL), CLF_E_BUFFER);
    ck_assert_int_eq(clf_score(s, t, strlen(t), r, 0, NULL), CLF_E_BUFFER);
    unsigned char *bytes = (unsigned char *)r;
    for (size_t i = 0; i < sizeof r; i++)
        ck_assert_uint_eq(bytes[i], 0x5a); /* nothing written */
    ck_assert_int_ge(clf_score(s, t, strlen(t), r, 2, NULL), 0);
    ck_assert_uint_eq(bytes[sizeof r - 1], 0x5a); /* nothing past K entries */
    ck_assert_int_ge(clf_score(s, t, strlen(t), r, 3, NULL), 0);
    ck_assert_str_eq(clf_strerror(CLF_E_BUFFER), "output buffer too small");
    clf_scorer_free(s);
}
END_TEST

START_TEST(abstains_without_arabic_letters)
{
    clf_scorer *s;
    ck_assert_int_eq(clf_scorer_new(&s, model), CLF_OK);
    /* flag everything that is scored, so abstention is what keeps flags off */
    ck_assert_int_eq(clf_scorer_set_threshold(s, 0, 0.0), CLF_OK);
    ck_assert_int_eq(clf_scorer_set_threshold(s, 1, 0.0), CLF_OK);
    clf_score_result empty[2], r[2];
    clf_doc_info info;
    ck_assert_int_eq(clf_score(s, "", 0, empty, 2, &info), 0);
    ck_assert_int_eq(info.abstain, CLF_ABSTAIN_NO_ARABIC);
    const char *none[] = {
        "hello world 123", "https://example.com/x @someone a@b.com", "😀😀 !!! ??? ...",
        "٣٤٥ ١٢", "،؛؟ «»", "ÙÙÙÙ", /* harakat and tatweel only */
        "#hashtag 42.5 <url>",
    };
    for (size_t i = 0; i < NRES(none); i++) {
        memset(&info, 0, sizeof info);
        ck_assert_int_eq(clf_score(s, none[i], strlen(none[i]), r, 2, &info), 0);
        ck_assert_msg(info.abstain == CLF_ABSTAIN_NO_ARABIC, "%s: abstain %d", none[i],
                      info.abstain);
        for (int k = 0; k < 2; k++) {
            ck_assert_int_eq(r[k].flagged, 0);
            ck_assert(r[k].probability == empty[k].probability);
            ck_assert(r[k].margin == empty[k].margin);
        }
        clf_explanation *e = NULL;
        ck_assert_int_eq(clf_explain(s, none[i], strlen(none[i]), 5, &e), CLF_OK);
        ck_assert_int_eq(clf_explanation_info(e)->abstain, CLF_ABSTAIN_NO_ARABIC);
        size_t n = 99;
        clf_explanation_features(e, 0, 1, &n);
        ck_assert_uint_eq(n, 0);
        ck_assert(clf_explanation_result(e, 0)->probability == empty[0].probability);
        ck_assert_int_eq(clf_explanation_result(e, 0)->flagged, 0);
        clf_explanation_free(e);
    }
    /* one Arabic letter anywhere is enough, even a presentation form or a hashtag */
    const char *some[] = {"hello " W_BAD, "#" W_OTHER, "ﻻ", "https://x.com " W_GOOD, "ب"};
    for (size_t i = 0; i < NRES(some); i++) {
        ck_assert_int_eq(clf_score(s, some[i], strlen(some[i]), r, 2, &info), 2);
        ck_assert_msg(info.abstain == CLF_ABSTAIN_NONE, "%s abstained", some[i]);
    }
    ck_assert_str_eq(clf_abstain_name(CLF_ABSTAIN_NONE), "none");
    ck_assert_str_eq(clf_abstain_name(CLF_ABSTAIN_NO_ARABIC), "no_arabic_text");
    ck_assert_str_eq(clf_abstain_name(-3), "unknown");
    clf_scorer_free(s);
}
END_TEST

START_TEST(max_bytes_cuts_at_a_character)
{
    clf_scorer *s;
    ck_assert_int_eq(clf_scorer_new(&s, model), CLF_OK);
    ck_assert_uint_eq(clf_scorer_max_bytes(s), CLF_NORM_DEFAULT_MAX_BYTES);
    const char *t = "الولد " W_BAD " " W_GOOD; /* 2-byte letters and spaces */
    size_t len = strlen(t);
    clf_score_result r[2], ref[2];
    clf_doc_info info;
    for (size_t lim = 1; lim <= len + 2; lim++) {
        ck_assert_int_eq(clf_scorer_set_max_bytes(s, lim), CLF_OK);
        int rc = clf_score(s, t, len, r, 2, &info);
        ck_assert_int_ge(rc, 0); /* a cut never makes valid UTF-8 invalid */
        size_t want = lim >= len ? len : lim;
        while (want < len && want > 0 && ((unsigned char)t[want] & 0xC0) == 0x80)
            want--;
        ck_assert_uint_eq(info.scored_bytes, want);
        ck_assert_uint_le(info.scored_bytes, lim);
        ck_assert_int_eq(info.truncated, want < len);
        /* the same as scoring the prefix with no limit */
        ck_assert_int_eq(clf_scorer_set_max_bytes(s, 0), CLF_OK);
        ck_assert_int_ge(clf_score(s, t, want, ref, 2, NULL), 0);
        ck_assert(ref[0].margin == r[0].margin && ref[1].margin == r[1].margin);
    }
    ck_assert_int_eq(clf_scorer_set_max_bytes(NULL, 3), CLF_E_INVALID_ARG);
    /* the limit is per scorer: another scorer keeps the model's */
    clf_scorer *s2;
    ck_assert_int_eq(clf_scorer_new(&s2, model), CLF_OK);
    ck_assert_uint_eq(clf_scorer_max_bytes(s2), CLF_NORM_DEFAULT_MAX_BYTES);
    clf_scorer_set_max_bytes(s, 4);
    clf_explanation *e;
    ck_assert_int_eq(clf_explain(s, t, len, 3, &e), CLF_OK);
    ck_assert_int_eq(clf_explanation_info(e)->truncated, 1);
    ck_assert_uint_eq(clf_explanation_info(e)->scored_bytes, 4);
    clf_explanation_free(e);
    clf_scorer_free(s2);
    clf_scorer_free(s);
}
END_TEST

/* Option structs: every version from 1 to the current one, nothing else. */
START_TEST(option_versions)
{
    clf_norm_options no = CLF_NORM_OPTIONS_INIT;
    clf_feature_options fo = CLF_FEATURE_OPTIONS_INIT;
    clf_normalizer *n = NULL;
    clf_featurizer *f = NULL;
    for (unsigned v = 1; v <= CLF_NORM_OPTIONS_VERSION; v++) {
        no.version = v;
        ck_assert_int_eq(clf_normalizer_new(&n, &no), CLF_OK);
        clf_normalizer_free(n);
    }
    for (unsigned v = 1; v <= CLF_FEATURE_OPTIONS_VERSION; v++) {
        fo.version = v;
        ck_assert_int_eq(clf_featurizer_new(&f, NULL, &fo), CLF_OK);
        clf_featurizer_free(f);
    }
    unsigned bad[] = {0, CLF_NORM_OPTIONS_VERSION + 1, 1000};
    for (size_t i = 0; i < NRES(bad); i++) {
        no.version = bad[i];
        ck_assert_int_eq(clf_normalizer_new(&n, &no), CLF_E_INVALID_ARG);
        fo.version = bad[i] == CLF_NORM_OPTIONS_VERSION + 1 ? CLF_FEATURE_OPTIONS_VERSION + 1
                                                            : bad[i];
        ck_assert_int_eq(clf_featurizer_new(&f, NULL, &fo), CLF_E_INVALID_ARG);
    }
}
END_TEST

static void teardown_all(void)
{
    clf_model_free(model);
    model = NULL;
}

int main(void)
{
    Suite *s = suite_create("score");
    TCase *tc = tcase_create("score");
    tcase_add_unchecked_fixture(tc, setup, teardown_all);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, scores_follow_weights);
    tcase_add_test(tc, empty_text_scores_bias);
    tcase_add_test(tc, bad_input_is_an_error);
    tcase_add_test(tc, threshold_override);
    tcase_add_test(tc, report_only_category);
    tcase_add_test(tc, explanation_adds_up);
    tcase_add_test(tc, short_text_shrinkage);
    tcase_add_test(tc, word_explanations_add_up);
    tcase_add_test(tc, evasions_score_like_plain_text);
    tcase_add_test(tc, explained_words_are_the_input_as_written);
    tcase_add_test(tc, punctuation_reasons_are_marked);
    tcase_add_test(tc, batch_equals_single);
    tcase_add_test(tc, threads_share_one_model);
    tcase_add_test(tc, model_accessors);
    tcase_add_test(tc, long_text_is_bounded);
    tcase_add_test(tc, capacity_is_checked);
    tcase_add_test(tc, abstains_without_arabic_letters);
    tcase_add_test(tc, max_bytes_cuts_at_a_character);
    tcase_add_test(tc, option_versions);
    suite_add_tcase(s, tc);
    return clf_test_run(s);
}
