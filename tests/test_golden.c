/*
 * test_golden.c - the shipped model's scores on fixed inputs, compared
 * with tests/golden/arabic-default.tsv within a tolerance, so that a change
 * in normalization, features or scoring cannot slip by unnoticed.
 *
 * The inputs (tests/golden/inputs.txt, one text per line) were written for
 * this test; they are not corpus excerpts. When the model is retrained on
 * purpose, regenerate the file with one command and commit it:
 *     cmake --build build --target golden-update
 * (which runs `test_golden --regenerate`).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "score/score_internal.h"
#include "model_write.h"
#include "testutil.h"

#define MODEL_REL "models/arabic-default.clf"
#define INPUTS_REL "tests/golden/inputs.txt"
#define GOLDEN_REL "tests/golden/arabic-default.tsv"
#define REGEN "cmake --build build --target golden-update"
/* Scores are doubles computed the same way on every x86-64 build; the
 * tolerance leaves room for compiler and libm differences only. */
#define TOL_MARGIN 1e-6
#define TOL_PROB 1e-6

/* Checks that work both under Check and in --regenerate (no test running). */
static int regenerating;
#define REQUIRE(cond, ...)                                   \
    do {                                                     \
        if (!(cond)) {                                       \
            if (!regenerating)                               \
                ck_abort_msg(__VA_ARGS__);                   \
            fprintf(stderr, "test_golden: " __VA_ARGS__);    \
            fputc('\n', stderr);                             \
            exit(1);                                         \
        }                                                    \
    } while (0)

static char *next_line(char **p)
{
    char *s = *p;
    if (!*s)
        return NULL;
    char *e = strchr(s, '\n');
    if (e) {
        *e = '\0';
        *p = e + 1;
    } else {
        *p = s + strlen(s);
    }
    return s;
}

/* One line of the golden file for input line `no`. */
static void format_scores(char *out, size_t size, size_t no, clf_scorer *s,
                          const clf_model *m, const char *text)
{
    size_t K = clf_model_num_categories(m);
    clf_score_result r[64];
    clf_doc_info info;
    REQUIRE(K <= 64, "%zu categories", K);
    int rc = clf_score(s, text, strlen(text), r, 64, &info);
    REQUIRE(rc >= 0, "line %zu: %s", no, clf_last_error());
    int n = snprintf(out, size, "%zu\t%s", no, clf_abstain_name(info.abstain));
    for (size_t k = 0; k < K; k++)
        n += snprintf(out + n, size - (size_t)n, "\t%s:%.10g:%.10g:%d", clf_model_category_name(m, k),
                      r[k].margin, r[k].probability, r[k].flagged);
    REQUIRE((size_t)n < size, "line %zu: too long", no);
}

static void load(clf_model **m, clf_scorer **s, char **inputs)
{
    REQUIRE(clf_model_load(m, clf_test_source_path(MODEL_REL)) == CLF_OK, "%s",
            clf_last_error());
    REQUIRE(clf_scorer_new(s, *m) == CLF_OK, "%s", clf_last_error());
    size_t len;
    *inputs = clf_test_read_file(clf_test_source_path(INPUTS_REL), &len);
    REQUIRE(*inputs != NULL, "cannot read %s", INPUTS_REL);
}

/* Compare one "cat:margin:prob:flagged" field. */
static void compare_field(size_t no, const char *want, const char *got)
{
    char wn[300], gn[300];
    double wm, wp, gm, gp;
    int wf, gf;
    ck_assert_msg(sscanf(want, "%299[^:]:%lf:%lf:%d", wn, &wm, &wp, &wf) == 4,
                  "golden line %zu: bad field %s", no, want);
    ck_assert_int_eq(sscanf(got, "%299[^:]:%lf:%lf:%d", gn, &gm, &gp, &gf), 4);
    ck_assert_str_eq(wn, gn);
    ck_assert_msg(fabs(wm - gm) <= TOL_MARGIN * (1 + fabs(wm)),
                  "line %zu, %s: margin %.10g, golden %.10g", no, wn, gm, wm);
    ck_assert_msg(fabs(wp - gp) <= TOL_PROB, "line %zu, %s: probability %.10g, golden %.10g",
                  no, wn, gp, wp);
    ck_assert_msg(wf == gf, "line %zu, %s: flagged %d, golden %d", no, wn, gf, wf);
}

START_TEST(scores_match_golden)
{
    clf_model *m;
    clf_scorer *s;
    char *inputs;
    load(&m, &s, &inputs);
    size_t len;
    char *golden = clf_test_read_file(clf_test_source_path(GOLDEN_REL), &len);
    ck_assert_msg(golden != NULL, "no %s: create it with %s", GOLDEN_REL, REGEN);
    char *gp = golden, *ip = inputs;
    char *head = next_line(&gp);
    char want_head[512];
    snprintf(want_head, sizeof want_head, "# model %s", clf_model_id(m));
    ck_assert_msg(head && strcmp(head, want_head) == 0,
                  "%s is for another model (\"%s\", the shipped model is %s): if the model "
                  "was retrained on purpose, run %s and commit the file",
                  GOLDEN_REL, head ? head : "", clf_model_id(m), REGEN);
    size_t no = 0;
    char *text, line[4096];
    while ((text = next_line(&ip)) != NULL) {
        no++;
        char *g = next_line(&gp);
        ck_assert_msg(g != NULL, "%s has no line for input %zu: run %s", GOLDEN_REL, no, REGEN);
        format_scores(line, sizeof line, no, s, m, text);
        /* number and abstention exactly, then each category with a tolerance */
        char *gs = NULL, *ls = NULL;
        char *gt = strtok_r(g, "\t", &gs), *lt = strtok_r(line, "\t", &ls);
        ck_assert_str_eq(gt, lt);
        gt = strtok_r(NULL, "\t", &gs);
        lt = strtok_r(NULL, "\t", &ls);
        ck_assert_msg(gt && lt && strcmp(gt, lt) == 0, "line %zu: abstain %s, golden %s", no,
                      lt ? lt : "?", gt ? gt : "?");
        size_t fields = 0;
        while ((gt = strtok_r(NULL, "\t", &gs)) != NULL) {
            lt = strtok_r(NULL, "\t", &ls);
            ck_assert_msg(lt != NULL, "line %zu: fewer categories than the golden file", no);
            compare_field(no, gt, lt);
            fields++;
        }
        ck_assert_ptr_null(strtok_r(NULL, "\t", &ls));
        ck_assert_uint_eq(fields, clf_model_num_categories(m));
    }
    ck_assert_uint_ge(no, 30);
    ck_assert_msg(next_line(&gp) == NULL, "%s has more lines than the inputs: run %s",
                  GOLDEN_REL, REGEN);
    free(golden);
    free(inputs);
    clf_scorer_free(s);
    clf_model_free(m);
}
END_TEST

/* The margins of text from s and t, which must be equal bit for bit. */
static void same_margins(clf_scorer *s, clf_scorer *t, size_t K, const char *text, size_t len,
                         const char *what)
{
    clf_score_result a[64], b[64];
    ck_assert_int_ge(clf_score(s, text, len, a, 64, NULL), 0);
    ck_assert_int_ge(clf_score(t, text, len, b, 64, NULL), 0);
    for (size_t k = 0; k < K; k++)
        ck_assert_msg(memcmp(&a[k].margin, &b[k].margin, sizeof a[k].margin) == 0,
                      "%s, category %zu: margin %.17g with AVX2, %.17g scalar", what, k,
                      a[k].margin, b[k].margin);
}

/*
 * The AVX2 sum of the shipped model's rows (score.c) gives the scalar
 * loop's margins bit for bit: on every input line, on pairs and runs of
 * them (more features per text), and on a word repeated past the tf
 * table (counts of 64 and more). Where the CPU has no AVX2 both scorers
 * take the scalar loop and this only checks that it is deterministic.
 */
START_TEST(simd_margins_are_the_scalar_ones)
{
    clf_model *m;
    clf_scorer *s, *t;
    char *inputs;
    load(&m, &s, &inputs);
    ck_assert_int_eq(clf_scorer_new(&t, m), CLF_OK);
    clf__scorer_set_simd(t, 0);
    const size_t K = clf_model_num_categories(m);
    char *lines[256];
    size_t nl = 0;
    char *ip = inputs, *text;
    while (nl < 256 && (text = next_line(&ip)) != NULL)
        lines[nl++] = text;
    ck_assert_uint_ge(nl, 30);
    size_t cap = 1 << 16, len;
    char *buf = malloc(cap);
    ck_assert_ptr_nonnull(buf);
    for (size_t i = 0; i < nl; i++) {
        same_margins(s, t, K, lines[i], strlen(lines[i]), "an input line");
        /* this line and the next three, one text */
        len = 0;
        for (size_t j = 0; j < 4; j++) {
            const char *l = lines[(i + j) % nl];
            size_t ll = strlen(l);
            if (len + ll + 2 > cap)
                break;
            memcpy(buf + len, l, ll);
            len += ll;
            buf[len++] = ' ';
        }
        same_margins(s, t, K, buf, len, "four input lines");
    }
    /* every line in one text, then one word 200 times */
    len = 0;
    for (size_t i = 0; i < nl; i++) {
        size_t ll = strlen(lines[i]);
        if (len + ll + 2 > cap)
            break;
        memcpy(buf + len, lines[i], ll);
        len += ll;
        buf[len++] = ' ';
    }
    same_margins(s, t, K, buf, len, "all input lines");
    static const char word[] = "\xd9\x83\xd9\x84\xd8\xa8 "; /* a common word and a space */
    len = 0;
    for (int i = 0; i < 200; i++) {
        memcpy(buf + len, word, sizeof word - 1);
        len += sizeof word - 1;
    }
    same_margins(s, t, K, buf, len, "one word 200 times");
    free(buf);
    free(inputs);
    clf_scorer_free(t);
    clf_scorer_free(s);
    clf_model_free(m);
}
END_TEST

/*
 * A five-category i16 model with more than 65536 distinct IDF values keeps
 * the wide 16-byte rows (f32 idf; model_internal.h), the shipped model's
 * compact 12-byte ones are checked above: the AVX2 sum of wide rows gives
 * the scalar loop's margins bit for bit too, and the rows hold the file's
 * values.
 */
START_TEST(simd_margins_of_wide_rows)
{
    enum { K = 5, BITS = 17, N = 1 << BITS };
    uint32_t *buckets = malloc(N * sizeof *buckets);
    float *idf = malloc(N * sizeof *idf), *w = malloc((size_t)N * K * sizeof *w);
    ck_assert(buckets && idf && w);
    uint32_t x = 12345;
    for (uint32_t r = 0; r < N; r++) {
        buckets[r] = r;
        idf[r] = 1.0f + (float)r / (float)N; /* exact, all distinct */
        for (size_t k = 0; k < K; k++) {
            x = x * 1664525u + 1013904223u;
            w[(size_t)r * K + k] = (float)((int32_t)(x >> 8) - (1 << 23)) / (float)(1 << 23);
        }
    }
    clf_model_spec_category cats[K] = {
        {.name = "a", .threshold = 0.5, .calib_a = -1, .calib_b = 0, .bias = 0.1},
        {.name = "b", .threshold = 0.5, .calib_a = -1, .calib_b = 0, .bias = -0.2},
        {.name = "c", .threshold = 0.5, .calib_a = -1, .calib_b = 0, .bias = 0},
        {.name = "d", .threshold = 0.5, .calib_a = -1, .calib_b = 0, .bias = 0.3},
        {.name = "e", .threshold = 0.5, .calib_a = -1, .calib_b = 0, .bias = 0} };
    clf_model_spec spec;
    clf_model_spec_init(&spec);
    spec.name = "wide";
    spec.fopts.hash_bits = BITS;
    spec.n_cats = K;
    spec.cats = cats;
    spec.n_rows = N;
    spec.buckets = buckets;
    spec.idf = idf;
    spec.weights = w;
    spec.weight_type = CLF_MODEL_WEIGHTS_I16;
    clf_model *m = clf_test_model_from_spec(&spec);
    ck_assert_uint_eq(m->row_bytes, 16);
    ck_assert_ptr_null(m->idf_table);
    for (uint32_t r = 0; r < N; r += 997)
        ck_assert(clf__model_row_idf(m, r) == idf[r]);
    clf_scorer *s, *t;
    ck_assert_int_eq(clf_scorer_new(&s, m), CLF_OK);
    ck_assert_int_eq(clf_scorer_new(&t, m), CLF_OK);
    clf__scorer_set_simd(t, 0);
    size_t len;
    char *inputs = clf_test_read_file(clf_test_source_path(INPUTS_REL), &len);
    ck_assert_ptr_nonnull(inputs);
    char *ip = inputs, *text;
    size_t nl = 0;
    while ((text = next_line(&ip)) != NULL) {
        same_margins(s, t, K, text, strlen(text), "an input line (wide rows)");
        nl++;
    }
    ck_assert_uint_ge(nl, 30);
    free(inputs);
    clf_scorer_free(t);
    clf_scorer_free(s);
    clf_model_free(m);
    free(buckets);
    free(idf);
    free(w);
}
END_TEST

/* clf__featurize_hits(a) is clf__featurize_counts(b) with each bucket
 * looked up in m, the unknown ones dropped, in the same order. */
static void same_hits(clf_featurizer *a, clf_featurizer *b, const clf_model *m, const char *text,
                      size_t len, const char *what)
{
    const clf__hit *h;
    const clf__count *c;
    size_t nh, nc, j = 0;
    ck_assert_int_eq(clf__featurize_hits(a, m, text, len, &h, &nh, NULL), CLF_OK);
    ck_assert_int_eq(clf__featurize_counts(b, text, len, 0, &c, &nc, NULL), CLF_OK);
    for (size_t i = 0; i < nc; i++) {
        uint32_t r = clf__model_row(m, c[i].bucket);
        if (!r)
            continue;
        ck_assert_msg(j < nh, "%s: %zu hits, more known buckets", what, nh);
        ck_assert_msg(h[j].row == r - 1 && h[j].count == c[i].count,
                      "%s, hit %zu: row %u count %u, want row %u count %u", what, j, h[j].row,
                      h[j].count, r - 1, c[i].count);
        j++;
    }
    ck_assert_msg(j == nh, "%s: %zu hits, %zu known buckets", what, nh, j);
}

/*
 * The scorer's rows come straight from the featurizer's bucket table
 * (clf__featurize_hits): the same rows and counts, in the same order, as
 * looking up every distinct bucket; also on a text long enough to grow
 * the table, and after clf_featurize_text() left its slots filled.
 */
START_TEST(hits_are_the_known_counts)
{
    clf_model *m;
    clf_scorer *s;
    char *inputs;
    load(&m, &s, &inputs);
    clf_norm_options no;
    clf_feature_options fo;
    clf_model_options(m, &no, &fo);
    clf_featurizer *a, *b;
    ck_assert_int_eq(clf_featurizer_new(&a, &no, &fo), CLF_OK);
    ck_assert_int_eq(clf_featurizer_new(&b, &no, &fo), CLF_OK);
    size_t cap = 1 << 17, len = 0, lines = 0, distinct = 0;
    char *buf = malloc(cap);
    ck_assert_ptr_nonnull(buf);
    char *ip = inputs, *text;
    while ((text = next_line(&ip)) != NULL) {
        size_t tl = strlen(text);
        same_hits(a, b, m, text, tl, "an input line");
        const clf_feature_text *ft;
        size_t nft;
        if (lines++ % 3 == 0)
            ck_assert_int_eq(clf_featurize_text(a, text, tl, m, &ft, &nft), CLF_OK);
        if (len + tl + 2 <= cap) {
            memcpy(buf + len, text, tl);
            len += tl;
            buf[len++] = ' ';
        }
    }
    ck_assert_uint_ge(lines, 30);
    /* and 4,000 made-up four-letter words (U+0628..U+0637) */
    for (unsigned w = 0; w < 4000 && len + 10 <= cap; w++) {
        for (unsigned k = 0, x = w; k < 4; k++, x /= 16) {
            buf[len++] = '\xd8';
            buf[len++] = (char)(0xa8 + x % 16);
        }
        buf[len++] = ' ';
    }
    same_hits(a, b, m, buf, len, "all input lines");
    /* the table of all lines grew: past the 8,192 distinct buckets of the
     * first table (16 x 1,024 slots at load 1/2) */
    const clf__count *c;
    ck_assert_int_eq(clf__featurize_counts(b, buf, len, 0, &c, &distinct, NULL), CLF_OK);
    ck_assert_uint_gt(distinct, 8192);
    same_hits(a, b, m, "", 0, "the empty text");
    same_hits(a, b, m, inputs, strlen(inputs), "the first line again");
    free(buf);
    free(inputs);
    clf_featurizer_free(a);
    clf_featurizer_free(b);
    clf_scorer_free(s);
    clf_model_free(m);
}
END_TEST

/* --regenerate: write the golden file from the current build. */
static int regenerate(void)
{
    clf_model *m;
    clf_scorer *s;
    char *inputs;
    load(&m, &s, &inputs);
    const char *path = clf_test_source_path(GOLDEN_REL);
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        return 1;
    }
    fprintf(f, "# model %s\n", clf_model_id(m));
    char *ip = inputs, *text, line[4096];
    size_t no = 0;
    while ((text = next_line(&ip)) != NULL) {
        format_scores(line, sizeof line, ++no, s, m, text);
        fprintf(f, "%s\n", line);
    }
    int bad = fclose(f) != 0;
    printf("%s: %zu inputs scored by %s\n", path, no, clf_model_id(m));
    free(inputs);
    clf_scorer_free(s);
    clf_model_free(m);
    return bad;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--regenerate") == 0) {
        regenerating = 1;
        return regenerate();
    }
    Suite *su = suite_create("golden");
    TCase *tc = tcase_create("golden");
    tcase_add_test(tc, scores_match_golden);
    tcase_add_test(tc, simd_margins_are_the_scalar_ones);
    tcase_add_test(tc, simd_margins_of_wide_rows);
    tcase_add_test(tc, hits_are_the_known_counts);
    suite_add_tcase(su, tc);
    return clf_test_run(su);
}
