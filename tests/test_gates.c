/*
 * test_gates.c - genre gates and Naive-Bayes feature scaling: the GATES
 * section (written, loaded, rejected when forged), the scorer's penalty
 * (checked against the same model without gates), explanations, the
 * recipe syntax, and training on tiny hand-written corpora where a news
 * corpus quotes the category's marker word.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "classify.h"
#include "gate.h"
#include "model/format.h"
#include "model/model_internal.h"
#include "model_write.h"
#include "recipe.h"
#include "testutil.h"
#include "train.h"

/* ---- a hand-made model over the buckets of a few words ---- */

#define MAXR 256

typedef struct gmodel {
    clf_model_spec spec;
    clf_model_spec_category cats[2];
    clf_model_spec_gate gates[2];
    uint32_t buckets[MAXR];
    float weights[MAXR * 4];
    size_t n_rows;
} gmodel;

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Rows: every bucket of the text "دعاية مراسل". Category 0 ("prop")
 * weighs the buckets of دعاية, category 1 ("other") is flat. Column 2
 * (gate "news" of prop) weighs the buckets of مراسل; column 3 (gate
 * "tweets" of prop) has weight 0 everywhere and only a bias. */
static void gmodel_init(gmodel *g, size_t n_gates, clf_model_weight_type wt)
{
    memset(g, 0, sizeof *g);
    clf_model_spec_init(&g->spec);
    g->spec.fopts.hash_bits = 18;
    clf_featurizer *fz;
    ck_assert_int_eq(clf_featurizer_new(&fz, &g->spec.nopts, &g->spec.fopts), CLF_OK);
    const char *words[2] = {"دعاية", "مراسل"};
    uint32_t own[2][MAXR];
    size_t n_own[2] = {0, 0};
    for (int w = 0; w < 2; w++) {
        const clf_feature_text *ft;
        size_t n;
        ck_assert_int_eq(clf_featurize_text(fz, words[w], strlen(words[w]), NULL, &ft, &n), CLF_OK);
        for (size_t i = 0; i < n && n_own[w] < MAXR; i++)
            own[w][n_own[w]++] = ft[i].index;
    }
    clf_featurizer_free(fz);
    size_t n = 0;
    for (int w = 0; w < 2; w++)
        for (size_t i = 0; i < n_own[w] && n < MAXR; i++)
            g->buckets[n++] = own[w][i];
    qsort(g->buckets, n, sizeof *g->buckets, cmp_u32);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (m == 0 || g->buckets[i] != g->buckets[m - 1])
            g->buckets[m++] = g->buckets[i];
    g->n_rows = m;
    const size_t NC = 2 + n_gates;
    for (size_t r = 0; r < m; r++) {
        int in0 = 0, in1 = 0;
        for (size_t i = 0; i < n_own[0]; i++)
            in0 |= own[0][i] == g->buckets[r];
        for (size_t i = 0; i < n_own[1]; i++)
            in1 |= own[1][i] == g->buckets[r];
        g->weights[r * NC + 0] = in0 ? 2.0f : 0.0f;
        g->weights[r * NC + 1] = 0.5f;
        if (n_gates > 0)
            g->weights[r * NC + 2] = in1 && !in0 ? 3.0f : 0.0f;
        if (n_gates > 1)
            g->weights[r * NC + 3] = 0.0f;
    }
    g->cats[0] = (clf_model_spec_category){
        .name = "prop", .threshold = 0.5, .calib_a = -1.0, .bias = -1.0};
    g->cats[1] = (clf_model_spec_category){
        .name = "other", .threshold = 0.5, .calib_a = -1.0, .bias = -0.5};
    g->gates[0] = (clf_model_spec_gate){"news", 0, -2.0, 4.0, 0.3};
    g->gates[1] = (clf_model_spec_gate){"tweets", 0, 2.0, 3.0, 0.5};
    g->spec.name = "gates-test";
    g->spec.n_cats = 2;
    g->spec.cats = g->cats;
    g->spec.n_gates = n_gates;
    g->spec.gates = n_gates ? g->gates : NULL;
    g->spec.n_rows = m;
    g->spec.buckets = g->buckets;
    g->spec.idf = NULL;
    g->spec.weights = g->weights;
    g->spec.weight_type = wt;
}

static clf_model *load_spec(const clf_model_spec *spec, unsigned char **bytes, size_t *len)
{
    unsigned char *buf;
    size_t n;
    int rc = clf_model_write_buffer(&buf, &n, spec);
    ck_assert_msg(rc == CLF_OK, "%s", clf_last_error());
    clf_model *m;
    rc = clf_model_load_buffer(&m, buf, n);
    ck_assert_msg(rc == CLF_OK, "%s", clf_last_error());
    if (bytes) {
        *bytes = buf;
        *len = n;
    } else {
        free(buf);
    }
    return m;
}

static void score1(clf_model *m, const char *text, clf_score_result *res)
{
    clf_scorer *s;
    ck_assert_int_eq(clf_scorer_new(&s, m), CLF_OK);
    ck_assert_int_ge(clf_score(s, text, strlen(text), res, 4, NULL), 0);
    clf_scorer_free(s);
}

static double sigmoid(double z)
{
    return 1.0 / (1.0 + exp(-z));
}

/* The gated margin is the ungated one less a * max(0, p - tau), p the
 * gate's probability: here the gates' margins are known in closed form
 * (gate "news" = 3 * the L2-normalized weight of مراسل's buckets - 2 in a
 * text without دعاية... computed from the "other" column instead, whose
 * weights are all 0.5). */
START_TEST(penalty_matches_definition)
{
    for (int wt = 0; wt < 2; wt++) {
        gmodel plain, gated;
        gmodel_init(&plain, 0, wt ? CLF_MODEL_WEIGHTS_I16 : CLF_MODEL_WEIGHTS_F32);
        gmodel_init(&gated, 2, wt ? CLF_MODEL_WEIGHTS_I16 : CLF_MODEL_WEIGHTS_F32);
        clf_model *m0 = load_spec(&plain.spec, NULL, NULL);
        clf_model *m2 = load_spec(&gated.spec, NULL, NULL);
        ck_assert_uint_eq(clf_model_num_gates(m0), 0);
        ck_assert_uint_eq(clf_model_num_gates(m2), 2);
        ck_assert_uint_eq(clf_model_format_version(m2), CLF__FORMAT_VERSION);
        clf_gate_info gi;
        ck_assert_int_eq(clf_model_gate(m2, 1, &gi), CLF_OK);
        ck_assert_str_eq(gi.name, "tweets");
        ck_assert_uint_eq(gi.category, 0);
        ck_assert(gi.weight == 3.0 && gi.tau == 0.5);
        ck_assert_int_eq(clf_model_gate(m2, 2, &gi), CLF_E_INVALID_ARG);

        /* "مراسل" alone: "other" = 0.5 * sum of its L2-normalized values,
         * so the sum s is known; news gate margin = 3 * s - 2 */
        const char *texts[] = {"مراسل", "دعاية", "دعاية مراسل", "كلمة"};
        for (size_t t = 0; t < 4; t++) {
            clf_score_result r0[4], r2[4];
            score1(m0, texts[t], r0);
            score1(m2, texts[t], r2);
            /* category 1 has no gate: untouched */
            ck_assert_double_eq(r0[1].margin, r2[1].margin);
            double sum = (r0[1].margin + 0.5) / 0.5; /* sum of the vector's values */
            /* gate news: 3 on مراسل's own buckets only; for the one-word
             * text that is its whole vector, elsewhere part of it */
            double tweets_pen = 3.0 * (sigmoid(2.0) - 0.5); /* bias only */
            double pen = r0[0].margin - r2[0].margin;
            ck_assert_msg(pen >= tweets_pen - 1e-4, "%s: penalty %g below the tweets gate's %g",
                          texts[t], pen, tweets_pen);
            if (t == 0) {
                double news = 4.0 * fmax(0.0, sigmoid(3.0 * sum - 2.0) - 0.3);
                ck_assert_msg(fabs(pen - tweets_pen - news) < 2e-3, "%s: penalty %g, want %g",
                              texts[t], pen, tweets_pen + news);
                ck_assert(news > 1.0);
            }
            if (t == 1 || t == 3) /* no مراسل: the news gate stays at sigmoid(-2) < 0.3 */
                ck_assert_msg(fabs(pen - tweets_pen) < 1e-3, "%s: penalty %g", texts[t], pen);
            ck_assert(r2[0].probability <= r0[0].probability);
        }
        clf_model_free(m0);
        clf_model_free(m2);
    }
}
END_TEST

START_TEST(explanation_reports_suppression)
{
    gmodel g;
    gmodel_init(&g, 2, CLF_MODEL_WEIGHTS_F32);
    clf_model *m = load_spec(&g.spec, NULL, NULL);
    clf_scorer *s;
    ck_assert_int_eq(clf_scorer_new(&s, m), CLF_OK);
    const char *text = "مراسل";
    clf_explanation *e;
    ck_assert_int_eq(clf_explain(s, text, strlen(text), 5, &e), CLF_OK);
    size_t n;
    const clf_suppression *sp = clf_explanation_suppressions(e, 0, &n);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(sp[0].gate, "news");
    ck_assert_str_eq(sp[1].gate, "tweets");
    ck_assert(sp[0].probability > 0.3 && sp[0].penalty > 1.0);
    ck_assert(fabs(sp[0].penalty - 4.0 * (sp[0].probability - 0.3)) < 1e-12);
    ck_assert(fabs(sp[1].probability - sigmoid(2.0)) < 1e-6);
    /* the explained margin is the scored one */
    clf_score_result r[4];
    ck_assert_int_ge(clf_score(s, text, strlen(text), r, 4, NULL), 0);
    ck_assert_double_eq(clf_explanation_result(e, 0)->margin, r[0].margin);
    /* a category without gates has none; out of range is NULL */
    ck_assert_ptr_null(clf_explanation_suppressions(e, 1, &n));
    ck_assert_uint_eq(n, 0);
    ck_assert_ptr_null(clf_explanation_suppressions(e, 2, &n));
    clf_explanation_free(e);
    /* a text without مراسل: the news gate does nothing */
    text = "دعاية";
    ck_assert_int_eq(clf_explain(s, text, strlen(text), 5, &e), CLF_OK);
    sp = clf_explanation_suppressions(e, 0, &n);
    ck_assert_uint_eq(n, 2);
    ck_assert(sp[0].penalty == 0.0 && sp[0].probability < 0.3);
    clf_explanation_free(e);
    clf_scorer_free(s);
    clf_model_free(m);
}
END_TEST

/* clf_explanation_ungated_probability: the probability the same model
 * without its gates gives the text (so a reader can tell whether the gates
 * kept the category under its threshold); with no penalty, the probability
 * itself; out of range NaN. */
START_TEST(explanation_ungated_probability)
{
    gmodel plain, gated;
    gmodel_init(&plain, 0, CLF_MODEL_WEIGHTS_F32);
    gmodel_init(&gated, 2, CLF_MODEL_WEIGHTS_F32);
    clf_model *m0 = load_spec(&plain.spec, NULL, NULL);
    clf_model *m2 = load_spec(&gated.spec, NULL, NULL);
    clf_scorer *s;
    ck_assert_int_eq(clf_scorer_new(&s, m2), CLF_OK);
    const char *texts[] = {"مراسل", "دعاية مراسل", "دعاية"};
    for (size_t t = 0; t < 3; t++) {
        clf_score_result r0[4];
        score1(m0, texts[t], r0);
        clf_explanation *e;
        ck_assert_int_eq(clf_explain(s, texts[t], strlen(texts[t]), 5, &e), CLF_OK);
        double pu = clf_explanation_ungated_probability(e, 0);
        ck_assert_msg(fabs(pu - r0[0].probability) < 1e-9, "%s: ungated %.12g, gateless model %.12g",
                      texts[t], pu, r0[0].probability);
        ck_assert(clf_explanation_result(e, 0)->probability < pu); /* the tweets gate always bites */
        /* category 1 has no gate: its own probability */
        ck_assert_double_eq(clf_explanation_ungated_probability(e, 1),
                            clf_explanation_result(e, 1)->probability);
        ck_assert(isnan(clf_explanation_ungated_probability(e, 2)));
        clf_explanation_free(e);
    }
    ck_assert(isnan(clf_explanation_ungated_probability(NULL, 0)));
    clf_scorer_free(s);
    clf_model_free(m0);
    clf_model_free(m2);
}
END_TEST

static void fix_checksum(unsigned char *b, size_t n)
{
    memset(b + 32, 0, 8);
    uint64_t sum;
    ck_assert_int_eq(clf__model_checksum(b, n, &sum), CLF_OK);
    memcpy(b + 32, &sum, 8);
}

static uint64_t gates_offset(const unsigned char *b)
{
    uint32_t ns;
    memcpy(&ns, b + 24, 4);
    for (uint32_t i = 0; i < ns; i++) {
        clf__section_entry e;
        memcpy(&e, b + 64 + 24 * i, sizeof e);
        if (e.id == CLF__SEC_GATES)
            return e.offset;
    }
    return 0;
}

START_TEST(forged_gates_rejected)
{
    gmodel g;
    gmodel_init(&g, 2, CLF_MODEL_WEIGHTS_I16);
    unsigned char *buf;
    size_t len;
    clf_model *m = load_spec(&g.spec, &buf, &len);
    clf_model_free(m);
    uint64_t off = gates_offset(buf);
    ck_assert_uint_ne(off, 0);
    const size_t G0 = (size_t)off + 8; /* the first gate */
    double nan = NAN, neg = -1.0, big = 1.5;
    uint32_t nine = 9, one = 1, zero = 0;
    struct {
        const char *what;
        size_t at;
        const void *bytes;
        size_t n;
        const char *msg;
    } cases[] = {
        {"category", G0 + 8, &nine, 4, "category 9"},
        {"reserved", G0 + 12, &one, 4, "reserved bytes"},
        {"bias", G0 + 16, &nan, 8, "not finite"},
        {"negative weight", G0 + 32, &neg, 8, "weight -1"},
        {"tau", G0 + 40, &big, 8, "tau 1.5"},
        {"count", (size_t)off, &zero, 4, "0 gates"},
        {"scale", G0 + 24, &nan, 8, "weight_scale"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        unsigned char *b = malloc(len);
        memcpy(b, buf, len);
        memcpy(b + cases[i].at, cases[i].bytes, cases[i].n);
        fix_checksum(b, len);
        int rc = clf_model_load_buffer(&m, b, len);
        ck_assert_msg(rc == CLF_E_MODEL_FORMAT, "%s: rc %d", cases[i].what, rc);
        ck_assert_msg(strstr(clf_last_error(), cases[i].msg), "%s: %s", cases[i].what,
                      clf_last_error());
        free(b);
    }
    /* GATES in a version-2 file */
    uint32_t v2 = 2;
    memcpy(buf + 8, &v2, 4);
    fix_checksum(buf, len);
    ck_assert_int_eq(clf_model_load_buffer(&m, buf, len), CLF_E_MODEL_FORMAT);
    ck_assert_ptr_nonnull(strstr(clf_last_error(), "GATES is not part of format version 2"));
    free(buf);

    /* the writer refuses what the loader would */
    gmodel_init(&g, 2, CLF_MODEL_WEIGHTS_F32);
    g.gates[1].category = 5;
    ck_assert_int_eq(clf_model_write_buffer(&buf, &len, &g.spec), CLF_E_INVALID_ARG);
    gmodel_init(&g, 2, CLF_MODEL_WEIGHTS_F32);
    g.gates[1].name = "news";
    ck_assert_int_eq(clf_model_write_buffer(&buf, &len, &g.spec), CLF_E_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(clf_last_error(), "\"news\""));
}
END_TEST

/* The shipped model loads with its gates, if any, well formed: each
 * lowers a report-only category (only propaganda is gated; the moderation
 * flags never are), with a weight >= 0 and tau in [0, 1] (format 4 or 5 since
 * propaganda is report-only); past the last gate is an error. */
START_TEST(shipped_model_gates)
{
    clf_model *m;
    int rc = clf_model_load(&m, clf_test_source_path("models/arabic-default.clf"));
    ck_assert_msg(rc == CLF_OK, "%s", clf_last_error());
    ck_assert_uint_le(clf_model_format_version(m), CLF__FORMAT_VERSION);
    const size_t G = clf_model_num_gates(m);
    ck_assert_uint_le(G, 4);
    clf_scorer *s;
    ck_assert_int_eq(clf_scorer_new(&s, m), CLF_OK);
    clf_gate_info gi;
    for (size_t g = 0; g < G; g++) {
        ck_assert_int_eq(clf_model_gate(m, g, &gi), CLF_OK);
        ck_assert_str_eq(clf_model_category_name(m, gi.category), "propaganda");
        ck_assert_int_eq(clf_scorer_flagging(s, gi.category), 0);
        ck_assert(gi.weight >= 0.0 && gi.tau >= 0.0 && gi.tau <= 1.0);
    }
    ck_assert_int_eq(clf_model_gate(m, G, &gi), CLF_E_INVALID_ARG);
    clf_scorer_free(s);
    clf_model_free(m);
}
END_TEST

/* ---- recipes and training ---- */

static const char *filler[] = {"الماء", "البيت", "الطريق", "السوق", "المدرسة", "الكتاب",
                               "الشمس", "الحديقة", "القهوة", "الصباح", "المساء", "المدينة",
                               "الصديق", "العمل", "السيارة", "الطعام", "اليوم", "الغد"};
#define NFILL (sizeof filler / sizeof filler[0])

static uint32_t lcg(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s >> 8;
}

/* n rows of five filler words; rows i % 3 == 0 get `marker` (and are
 * labelled `label` when label is not NULL); every row gets `tag`. */
static void write_rows(const char *path, size_t n, const char *label, const char *marker,
                       const char *tag, uint32_t seed)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "id\tlabels\ttext\n");
    for (size_t i = 0; i < n; i++) {
        int pos = i % 3 == 0;
        fprintf(f, "%zu\t%s\t", i + 1, pos && label ? label : "");
        for (int w = 0; w < 5; w++)
            fprintf(f, "%s%s", w ? " " : "", filler[lcg(&seed) % NFILL]);
        if (pos)
            fprintf(f, " %s", marker);
        if (tag)
            fprintf(f, " %s", tag);
        fprintf(f, "\n");
    }
    fclose(f);
}

#define RECIPE_FMT \
    "{\"name\": \"g\", \"categories\": [\"prop\"]," \
    " \"features\": {\"word_ngram_max\": 1, \"char_ngram_max\": 0, \"stems\": false," \
    "   \"hash_bits\": 16, \"min_df\": 1}," \
    " \"training\": {\"folds\": 3, \"c_grid\": [1, 4], \"select_on\": \"in_domain\"," \
    "   \"max_flag_rate\": {\"news\": 0.0}, \"weights\": \"f32\"%s}," \
    " \"corpora\": [" \
    "  {\"name\": \"persuasion\", \"train\": \"p.tsv\", \"annotates\": [\"prop\"]," \
    "   \"labels\": {\"p\": [\"prop\"]}}," \
    "  {\"name\": \"news\", \"train\": \"n.tsv\", \"dev\": \"nd.tsv\", \"negatives_for\": [\"prop\"]}]}"

static int parse_with(const char *extra, clf_recipe **r)
{
    char text[4096];
    snprintf(text, sizeof text, RECIPE_FMT, extra);
    return clf_recipe_parse(r, text, strlen(text), "test-recipe");
}

START_TEST(recipe_gates_syntax)
{
    clf_recipe *r;
    ck_assert_int_eq(parse_with(", \"gates\": {\"prop\": [{\"name\": \"news\", \"corpora\": "
                                "[\"news\"], \"C\": 2}]}, \"gate_taus\": [0.9, 0.5, 0.5]",
                                &r),
                     CLF_OK);
    ck_assert_uint_eq(r->n_gates, 1);
    ck_assert_str_eq(r->gates[0].name, "news");
    ck_assert(r->gates[0].C == 2.0);
    ck_assert_uint_eq(r->n_gate_taus, 2); /* sorted, de-duplicated */
    ck_assert(r->gate_taus[0] == 0.5 && r->gate_taus[1] == 0.9);
    ck_assert(clf_recipe_gate_corpus(r, 0, 1) == 1 && !clf_recipe_gate_corpus(r, 0, 0));
    ck_assert_uint_eq(r->nb_scaling[0], CLF_NB_OFF);
    clf_recipe_free(r);

    ck_assert_int_eq(parse_with(", \"gates\": {\"prop\": [{\"name\": \"news\", \"corpora\": "
                                "[\"news\"], \"keep_in_fit\": true}]}",
                                &r),
                     CLF_OK);
    ck_assert_int_eq(clf_recipe_gate_corpus(r, 0, 1), 2);
    clf_recipe_free(r);

    ck_assert_int_eq(parse_with(", \"nb_scaling\": {\"*\": false, \"prop\": true}", &r), CLF_OK);
    ck_assert_uint_eq(r->nb_scaling[0], CLF_NB_ON);
    clf_recipe_free(r);

    struct {
        const char *extra, *msg;
    } bad[] = {
        {", \"gates\": {\"prop\": [{\"name\": \"x\", \"corpora\": [\"persuasion\"]}]}",
         "not a hard negative"},
        {", \"gates\": {\"hate\": []}", "unknown category \"hate\""},
        {", \"gates\": {\"prop\": [{\"name\": \"x\", \"corpora\": [\"news\"]},"
         " {\"name\": \"x\", \"corpora\": [\"news\"]}]}",
         "two gates named"},
        {", \"gates\": {\"prop\": [{\"name\": \"a\", \"corpora\": [\"news\"]},"
         " {\"name\": \"b\", \"corpora\": [\"news\"]}]}",
         "in two gates"},
        {", \"gates\": {\"prop\": [{\"name\": \"x\", \"corpora\": [\"nope\"]}]}",
         "expected the name of a corpus"},
        {", \"gates\": {\"prop\": [{\"name\": \"x\", \"corpora\": [\"news\"], \"a\": 1}]}",
         "unknown key \"a\""},
        {", \"gate_weights\": [-1]", "gate_weights[0]"},
        {", \"nb_scaling\": \"yes\"", "nb_scaling"},
        {", \"nb_scaling\": {\"prop\": \"auto\"}", "training.nb_scaling.prop: expected true or false"},
        {", \"nb_scaling\": {\"hate\": true}", "unknown category \"hate\""},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        r = NULL;
        ck_assert_msg(parse_with(bad[i].extra, &r) == CLF_E_PARSE, "accepted: %s", bad[i].extra);
        ck_assert_msg(strstr(clf_last_error(), bad[i].msg), "%s: %s", bad[i].extra,
                      clf_last_error());
        ck_assert_ptr_null(r);
    }
}
END_TEST

/*
 * training.gate_max_ap_loss: a problem where the only way to lower the
 * caps' floor (a capped news corpus scoring above every in-domain text)
 * also sinks half of the in-domain positives, which read like news, below
 * the in-domain negatives. Unbounded, the tuning takes that gate (capped
 * AP 0 -> 0.5, in-domain AP 1 -> ~0.72); with a bound of 0.05 it must keep
 * the gate off, with a bound of 0.5 it may take it again.
 */
START_TEST(tuning_respects_max_ap_loss)
{
    enum { NA = 5, NB = 5, NN = 10, NC = 10, N = NA + NB + NN + NC };
    double margin[N], gz[N], s[N];
    unsigned char y[N], sel[N];
    size_t group[N];
    for (size_t i = 0; i < N; i++) {
        int in_a = i < NA, in_b = i >= NA && i < NA + NB, neg = i >= NA + NB && i < NA + NB + NN;
        margin[i] = in_a || in_b ? 2.0 : neg ? 1.0 : 3.0;
        gz[i] = in_a || i >= NA + NB + NN ? 4.6 : -4.6; /* news-like: A and the news */
        y[i] = in_a || in_b;
        sel[i] = i < NA + NB + NN;
        group[i] = i >= NA + NB + NN ? 0 : SIZE_MAX;
    }
    const double cap = 0.0;
    const double *gzs[1] = {gz};
    clf_gate_problem pb = {N, margin, y, sel, group, 1, &cap, 1, gzs};
    ck_assert_double_eq_tol(clf_gate_in_domain_ap(&pb, margin), 1.0, 1e-12);

    const char *extra[] = {"", ", \"gate_max_ap_loss\": 0.05", ", \"gate_max_ap_loss\": 0.5"};
    double a[3], tau[3], before[3], after[3], ap[3];
    for (int k = 0; k < 3; k++) {
        clf_recipe *r;
        ck_assert_int_eq(parse_with(extra[k], &r), CLF_OK);
        ck_assert(k == 0 ? r->gate_max_ap_loss < 0 : r->gate_max_ap_loss > 0);
        ck_assert_int_eq(clf_gate_tune(&pb, r, &a[k], &tau[k], s, &before[k], &after[k]), CLF_OK);
        ap[k] = clf_gate_in_domain_ap(&pb, s);
        clf_recipe_free(r);
    }
    /* unbounded: the gate is on and costs in-domain AP */
    ck_assert(a[0] > 0.0);
    ck_assert_double_eq_tol(before[0], 0.0, 1e-12);
    ck_assert_double_eq_tol(after[0], 0.5, 1e-12);
    ck_assert(ap[0] < 0.8);
    /* bound 0.05: no admissible setting lowers the floor, so no gate */
    ck_assert(a[1] == 0.0);
    ck_assert_double_eq_tol(ap[1], 1.0, 1e-12);
    ck_assert_double_eq_tol(after[1], 0.0, 1e-12);
    /* bound 0.5: the same gate as unbounded is admissible */
    ck_assert(a[2] > 0.0);
    ck_assert_double_eq_tol(after[2], 0.5, 1e-12);
    ck_assert(ap[2] >= 1.0 - 0.5);

    clf_recipe *r = NULL;
    ck_assert_int_eq(parse_with(", \"gate_max_ap_loss\": 2", &r), CLF_E_PARSE);
    ck_assert(strstr(clf_last_error(), "gate_max_ap_loss"));
    ck_assert_int_eq(parse_with(", \"gate_max_ap_loss\": \"small\"", &r), CLF_E_PARSE);
}
END_TEST

static const char *data_dir(void)
{
    static char dir[4096];
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "%s/gates-data", clf_test_tmpdir());
        char cmd[4200];
        snprintf(cmd, sizeof cmd, "mkdir -p '%s'", dir);
        ck_assert_int_eq(system(cmd), 0);
        char p[4200];
        /* the persuasion corpus: its positives say دعاية */
        snprintf(p, sizeof p, "%s/p.tsv", dir);
        write_rows(p, 240, "p", "دعاية", NULL, 7);
        /* news: every row says مراسل, and a third quote دعاية */
        snprintf(p, sizeof p, "%s/n.tsv", dir);
        write_rows(p, 240, NULL, "دعاية", "مراسل", 11);
        snprintf(p, sizeof p, "%s/nd.tsv", dir);
        write_rows(p, 60, NULL, "دعاية", "مراسل", 13);
        /* more news, for an entry that is gate data only: its own word صحيفة */
        snprintf(p, sizeof p, "%s/e.tsv", dir);
        write_rows(p, 120, NULL, "صحيفة", "مراسل", 17);
    }
    return dir;
}

static clf_model *train_with(const char *extra, const char *name)
{
    clf_recipe *r;
    int rc = parse_with(extra, &r);
    ck_assert_msg(rc == CLF_OK, "%s", clf_last_error());
    clf_train_options o = CLF_TRAIN_OPTIONS_INIT;
    o.corpora_root = data_dir();
    o.threads = 2;
    char out[4200];
    snprintf(out, sizeof out, "%s/%s.clf", clf_test_tmpdir(), name);
    rc = clf_train(r, &o, out, NULL);
    ck_assert_msg(rc == CLF_OK, "%s", clf_last_error());
    clf_recipe_free(r);
    clf_model *m;
    ck_assert_int_eq(clf_model_load(&m, out), CLF_OK);
    return m;
}

static double prob(clf_model *m, const char *text)
{
    clf_score_result r[1];
    clf_scorer *s;
    ck_assert_int_eq(clf_scorer_new(&s, m), CLF_OK);
    ck_assert_int_ge(clf_score(s, text, strlen(text), r, 1, NULL), 0);
    clf_scorer_free(s);
    return r[0].probability;
}

static json_t *prop_meta(clf_model *m)
{
    json_error_t je;
    json_t *root = json_loads(clf_model_metadata(m), 0, &je);
    ck_assert_ptr_nonnull(root);
    return root;
}

/*
 * Without a gate, the news rows that quote دعاية tie with the positives,
 * and a cap of 0% news flagged leaves nothing flaggable (capped AP 0).
 * The news gate learns مراسل and pushes those rows down: the tuning gains,
 * the model file has the gate, a news sentence quoting the word scores
 * below the same sentence without مراسل, and the explanation says why.
 */
START_TEST(training_learns_a_news_gate)
{
    clf_model *m = train_with(
        ", \"gates\": {\"prop\": [{\"name\": \"news\", \"corpora\": [\"news\"]}]}", "gated");
    ck_assert_uint_eq(clf_model_num_gates(m), 1);
    clf_gate_info gi;
    ck_assert_int_eq(clf_model_gate(m, 0, &gi), CLF_OK);
    ck_assert_str_eq(gi.name, "news");
    ck_assert(gi.weight > 0.0);
    json_t *root = prop_meta(m);
    json_t *c = json_object_get(json_object_get(root, "categories"), "prop");
    json_t *gt = json_object_get(c, "gate_tuning");
    double before = json_real_value(json_object_get(gt, "without_gates"));
    double after = json_real_value(json_object_get(gt, "with_gates"));
    ck_assert_msg(after > before + 0.5, "capped AP %g -> %g", before, after);
    /* news dev rows: none flagged (the cap is 0 out-of-fold) */
    double news_dev = json_real_value(json_object_get(json_object_get(c, "dev_flag_rate"), "news"));
    ck_assert_msg(news_dev == 0.0, "news dev flag rate %g", news_dev);
    json_decref(root);

    const char *quoted = "الماء البيت دعاية مراسل", *plain = "الماء البيت دعاية";
    ck_assert_msg(prob(m, quoted) < prob(m, plain) - 0.2, "%g vs %g", prob(m, quoted),
                  prob(m, plain));
    clf_scorer *s;
    ck_assert_int_eq(clf_scorer_new(&s, m), CLF_OK);
    clf_explanation *e;
    ck_assert_int_eq(clf_explain(s, quoted, strlen(quoted), 3, &e), CLF_OK);
    size_t n;
    const clf_suppression *sp = clf_explanation_suppressions(e, 0, &n);
    ck_assert_uint_eq(n, 1);
    ck_assert(sp[0].penalty > 0.0);
    clf_explanation_free(e);
    clf_scorer_free(s);
    const uint64_t gated_sum = clf_model_checksum(m);
    clf_model_free(m);

    /* keep_in_fit: the news rows stay in the category's fit as well: another model */
    clf_model *k = train_with(", \"gates\": {\"prop\": [{\"name\": \"news\", \"corpora\": "
                              "[\"news\"], \"keep_in_fit\": true}]}",
                              "kept");
    ck_assert_uint_eq(clf_model_num_gates(k), 1);
    ck_assert_uint_ne(clf_model_checksum(k), gated_sum);
    clf_model_free(k);

    /* the same recipe without the gate: no GATES, the news rows stay in the fit */
    m = train_with("", "plain");
    ck_assert_uint_eq(clf_model_num_gates(m), 0);
    root = prop_meta(m);
    c = json_object_get(json_object_get(root, "categories"), "prop");
    ck_assert_ptr_null(json_object_get(c, "gates"));
    json_decref(root);
    clf_model_free(m);
}
END_TEST

/* A model trained on the gated recipe, plus (when vocabulary is "true" or
 * "false") a second news entry e.tsv in the news gate. */
static clf_model *train_extra(const char *vocabulary, const char *name)
{
    char extra[512] = "";
    if (vocabulary)
        snprintf(extra, sizeof extra,
                 ", {\"name\": \"more\", \"train\": \"e.tsv\", \"negatives_for\": [\"prop\"], "
                 "\"vocabulary\": %s}",
                 vocabulary);
    char text[4096];
    snprintf(text, sizeof text,
             "{\"name\": \"g\", \"categories\": [\"prop\"],"
             " \"features\": {\"word_ngram_max\": 1, \"char_ngram_max\": 0, \"stems\": false,"
             "   \"hash_bits\": 16, \"min_df\": 1},"
             " \"training\": {\"folds\": 3, \"c_grid\": [1, 4], \"select_on\": \"in_domain\","
             "   \"weights\": \"f32\", \"gates\": {\"prop\": [{\"name\": \"news\", "
             "   \"corpora\": [\"news\"%s]}]}},"
             " \"corpora\": ["
             "  {\"name\": \"persuasion\", \"train\": \"p.tsv\", \"annotates\": [\"prop\"],"
             "   \"labels\": {\"p\": [\"prop\"]}},"
             "  {\"name\": \"news\", \"train\": \"n.tsv\", \"negatives_for\": [\"prop\"]}%s]}",
             vocabulary ? ", \"more\"" : "", extra);
    clf_recipe *r;
    ck_assert_msg(clf_recipe_parse(&r, text, strlen(text), "test-recipe") == CLF_OK, "%s",
                  clf_last_error());
    clf_train_options o = CLF_TRAIN_OPTIONS_INIT;
    o.corpora_root = data_dir();
    o.threads = 2;
    char out[4200];
    snprintf(out, sizeof out, "%s/%s.clf", clf_test_tmpdir(), name);
    ck_assert_msg(clf_train(r, &o, out, NULL) == CLF_OK, "%s", clf_last_error());
    clf_recipe_free(r);
    clf_model *m;
    ck_assert_int_eq(clf_model_load(&m, out), CLF_OK);
    return m;
}

static json_int_t feature_rows(clf_model *m)
{
    json_t *root = prop_meta(m);
    json_int_t n = json_integer_value(json_object_get(json_object_get(root, "features"), "rows"));
    json_decref(root);
    return n;
}

/* The contribution of دعاية to prop in a short text: weight x tf-idf value. */
static double contribution(clf_model *m)
{
    const char *text = "الماء البيت دعاية";
    clf_scorer *s;
    ck_assert_int_eq(clf_scorer_new(&s, m), CLF_OK);
    clf_explanation *e;
    ck_assert_int_eq(clf_explain(s, text, strlen(text), 5, &e), CLF_OK);
    size_t n;
    const clf_contribution *c = clf_explanation_words(e, 0, 1, &n);
    double v = NAN;
    for (size_t i = 0; i < n; i++)
        if (strcmp(c[i].text, "دعاية") == 0 || strcmp(c[i].text, "دعايه") == 0)
            v = c[i].contribution;
    clf_explanation_free(e);
    clf_scorer_free(s);
    ck_assert_msg(!isnan(v), "دعاية not among the words pushing prop up");
    return v;
}

/* A corpus entry with "vocabulary": false is gate data only: the feature
 * rows and their IDF are those of the recipe without it (so the category's
 * own fit, which the gate's corpora leave, is the same: the contribution of
 * دعاية is unchanged); with the default, its word صحيفة gets a row and the
 * IDF of the filler words moves. */
START_TEST(corpus_out_of_vocabulary)
{
    clf_model *base = train_extra(NULL, "voc-base");
    clf_model *off = train_extra("false", "voc-off");
    clf_model *on = train_extra("true", "voc-on");
    ck_assert_int_eq(feature_rows(off), feature_rows(base));
    ck_assert_int_eq(feature_rows(on), feature_rows(base) + 1);
    double cb = contribution(base), coff = contribution(off), con = contribution(on);
    ck_assert_msg(fabs(coff - cb) < 1e-9, "vocabulary false: %.12g, without the entry %.12g", coff, cb);
    ck_assert_msg(fabs(con - cb) > 1e-6, "vocabulary true: %.12g, without the entry %.12g", con, cb);
    clf_model_free(base);
    clf_model_free(off);
    clf_model_free(on);
    clf_recipe *r;
    const char *bad = "{\"name\": \"g\", \"categories\": [\"prop\"], \"corpora\": [{\"name\": \"x\", "
                      "\"train\": \"p.tsv\", \"annotates\": [\"prop\"], \"vocabulary\": 0}]}";
    ck_assert_int_ne(clf_recipe_parse(&r, bad, strlen(bad), "bad"), CLF_OK);
    ck_assert_ptr_nonnull(strstr(clf_last_error(), "vocabulary"));
}
END_TEST

/* NB scaling: recorded, changes the weights, still ranks the marker first. */
START_TEST(training_nb_scaling)
{
    clf_model *nb = train_with(", \"nb_scaling\": true", "nb");
    clf_model *plain = train_with(", \"nb_scaling\": false", "nonb");
    json_t *root = prop_meta(nb);
    json_t *c = json_object_get(json_object_get(root, "categories"), "prop");
    ck_assert(json_is_true(json_object_get(c, "nb_scaling")));
    json_decref(root);
    ck_assert_uint_ne(clf_model_checksum(nb), clf_model_checksum(plain));
    const char *pos = "الماء البيت دعاية", *neg = "الماء البيت الطريق";
    ck_assert(prob(nb, pos) > prob(nb, neg) + 0.3);
    /* the ratios are folded into the weights: the file's margin for the
     * marker differs from the plain model's */
    ck_assert(fabs(prob(nb, pos) - prob(plain, pos)) > 1e-6);
    clf_model_free(nb);
    clf_model_free(plain);
}
END_TEST

static Suite *gates_suite(void)
{
    Suite *s = suite_create("gates");
    TCase *tc = tcase_create("gates");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, penalty_matches_definition);
    tcase_add_test(tc, explanation_reports_suppression);
    tcase_add_test(tc, explanation_ungated_probability);
    tcase_add_test(tc, corpus_out_of_vocabulary);
    tcase_add_test(tc, forged_gates_rejected);
    tcase_add_test(tc, shipped_model_gates);
    tcase_add_test(tc, recipe_gates_syntax);
    tcase_add_test(tc, tuning_respects_max_ap_loss);
    tcase_add_test(tc, training_learns_a_news_gate);
    tcase_add_test(tc, training_nb_scaling);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return clf_test_run(gates_suite());
}
