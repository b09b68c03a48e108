/*
 * test_features.c - feature extraction: each family on its own with known
 * n-gram counts, the hashing rule, weighting (tf, idf, L2), determinism,
 * option validation, evasion variants, and the internal counting API the
 * scorer and training use.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "classify.h"
#include "features/featurize_internal.h"
#include "internal.h"
#include "features/stem_internal.h"
#include "model/format.h"
#include "normalize/norm_internal.h"
#include "model_write.h"
#include "testutil.h"


/* ---- helpers ------------------------------------------------------------ */

/* Options with only the given families on; hash_bits 20, raw tf, no L2. */
static clf_feature_options only(unsigned word_max, unsigned cmin, unsigned cmax,
                                unsigned mode, unsigned stems)
{
    clf_feature_options o;
    clf_feature_options_init(&o);
    o.word_ngram_max = word_max;
    o.char_ngram_min = cmin ? cmin : 1;
    o.char_ngram_max = cmax;
    o.char_mode = mode;
    o.stems = stems;
    o.sublinear_tf = 0;
    o.l2_normalize = 0;
    return o;
}

static clf_featurizer *make(const clf_feature_options *o)
{
    clf_featurizer *f = NULL;
    int rc = clf_featurizer_new(&f, NULL, o);
    ck_assert_msg(rc == CLF_OK, "clf_featurizer_new: %s", clf_last_error());
    return f;
}

static const clf_feature_text *texts(clf_featurizer *f, const char *s, size_t *n)
{
    const clf_feature_text *ft = NULL;
    int rc = clf_featurize_text(f, s, strlen(s), NULL, &ft, n);
    ck_assert_msg(rc == CLF_OK, "clf_featurize_text(%s): %s", s, clf_last_error());
    return ft;
}

/* The count of (family, text) in a clf_featurize_text() result, 0 if absent. */
static uint32_t count_of(const clf_feature_text *ft, size_t n, unsigned fam, const char *t)
{
    for (size_t i = 0; i < n; i++)
        if (ft[i].family == fam && !strcmp(ft[i].text, t))
            return ft[i].count;
    return 0;
}

static size_t family_size(const clf_feature_text *ft, size_t n, unsigned fam)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += ft[i].family == fam;
    return k;
}

static const clf_feature *vec_of(clf_featurizer *f, const char *s, const clf_model *m, size_t *n)
{
    const clf_feature *v = NULL;
    int rc = clf_featurize(f, s, strlen(s), m, &v, n);
    ck_assert_msg(rc == CLF_OK, "clf_featurize(%s): %s", s, clf_last_error());
    return v;
}

static void check_sorted_unique(const clf_feature *v, size_t n, unsigned bits)
{
    for (size_t i = 0; i < n; i++) {
        ck_assert_uint_lt(v[i].index, 1u << bits);
        ck_assert(isfinite(v[i].value));
        if (i)
            ck_assert_uint_lt(v[i - 1].index, v[i].index);
    }
}

static double norm2(const clf_feature *v, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += (double)v[i].value * v[i].value;
    return sqrt(s);
}

/* Copy a vector out of the featurizer's buffer. */
static clf_feature *dup_vec(const clf_feature *v, const size_t *np)
{
    size_t n = *np; /* by pointer: read after vec_of() has set it */
    clf_feature *c = malloc((n ? n : 1) * sizeof *c);
    ck_assert_ptr_nonnull(c);
    memcpy(c, v, n * sizeof *c);
    return c;
}

static int same_vec(const clf_feature *a, size_t na, const clf_feature *b, size_t nb)
{
    if (na != nb)
        return 0;
    for (size_t i = 0; i < na; i++)
        if (a[i].index != b[i].index || a[i].value != b[i].value)
            return 0;
    return 1;
}

/* XXH3_64bits_withSeed("hello", 5, 0x9E3779B97F4A7C15) >> 44, with xxHash 0.8 */
#define HELLO_BUCKET 0x37468u
/* revision 2: rev2_hash("hello", word family, seed 0) >> 44 */
#define HELLO_BUCKET_R2 0x1DE15u

/* Revision 2's rule as docs/features.md states it, written out independently
 * of featurize.c: s = seed_f; s = (s ^ c) * 0xC2B2AE3D27D4EB4F per code
 * point c; then h = (s ^ s >> 32) * 0x165667B19E3779F9. */
/* Encode code point c as UTF-8 at o; its length. */
static int utf8_put(uint32_t c, char *o)
{
    unsigned char *u = (unsigned char *)o;
    if (c < 0x80) {
        u[0] = (unsigned char)c;
        return 1;
    }
    if (c < 0x800) {
        u[0] = (unsigned char)(0xC0 | (c >> 6));
        u[1] = (unsigned char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        u[0] = (unsigned char)(0xE0 | (c >> 12));
        u[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
        u[2] = (unsigned char)(0x80 | (c & 0x3F));
        return 3;
    }
    u[0] = (unsigned char)(0xF0 | (c >> 18));
    u[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3F));
    u[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
    u[3] = (unsigned char)(0x80 | (c & 0x3F));
    return 4;
}

static clf_model *idf_model(const clf_feature_options *o, const uint32_t *b, size_t n,
                            int use_idf);

static uint64_t rev2_hash(const char *text, size_t len, uint64_t hash_seed, unsigned family)
{
    uint64_t st = hash_seed ^ (UINT64_C(0x9E3779B97F4A7C15) * (family + 1));
    const unsigned char *p = (const unsigned char *)text;
    for (size_t i = 0; i < len;) {
        uint32_t c = p[i];
        int l = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        if (l == 2)
            c &= 0x1F;
        else if (l == 3)
            c &= 0x0F;
        else if (l == 4)
            c &= 0x07;
        for (int k = 1; k < l; k++)
            c = (c << 6) | (p[i + (size_t)k] & 0x3Fu);
        st = (st ^ c) * UINT64_C(0xC2B2AE3D27D4EB4F);
        i += (size_t)l;
    }
    return (st ^ (st >> 32)) * UINT64_C(0x165667B19E3779F9);
}

static const char *TWEET =
    "قاتلوا الذين لا يؤمنون بالله #دولة_الخلافة 😂 http://x.com @someone 123, hello!";

/* ---- options ------------------------------------------------------------- */

START_TEST(test_defaults)
{
    clf_feature_options o, d = CLF_FEATURE_OPTIONS_INIT;
    memset(&o, 0xAB, sizeof o);
    clf_feature_options_init(&o);
    ck_assert_uint_eq(o.version, CLF_FEATURE_OPTIONS_VERSION);
    ck_assert_uint_eq(o.word_ngram_max, 2);
    ck_assert_uint_eq(o.char_ngram_min, 2);
    ck_assert_uint_eq(o.char_ngram_max, 5);
    ck_assert_uint_eq(o.char_mode, CLF_CHAR_WITHIN);
    ck_assert_uint_eq(o.stems, 1);
    ck_assert_uint_eq(o.hash_bits, 20);
    ck_assert(o.hash_seed == 0);
    ck_assert_uint_eq(o.sublinear_tf, 1);
    ck_assert_uint_eq(o.l2_normalize, 1);
    ck_assert_uint_eq(o.char_mode, d.char_mode);
    ck_assert_uint_eq(o.feature_revision, 0); /* the newest */
    ck_assert_uint_eq(d.feature_revision, 0);
    clf_feature_options_init(NULL); /* harmless */

    clf_featurizer *f = make(NULL);
    const clf_feature_options *fo = clf__featurizer_options(f);
    ck_assert_uint_eq(fo->word_ngram_max, 2);
    ck_assert_uint_eq(fo->char_ngram_max, 5);
    ck_assert_uint_eq(fo->hash_bits, 20);
    ck_assert_uint_eq(fo->stems, 1);
    ck_assert_uint_eq(fo->feature_revision, CLF_FEATURE_REVISION); /* resolved */
    clf_featurizer_free(f);
    clf_featurizer_free(NULL);

    /* a version-1 struct has no feature_revision: the newest, whatever
     * follows the struct in memory */
    struct {
        clf_feature_options o;
        unsigned char after[16];
    } v1;
    memset(&v1, 0x5A, sizeof v1);
    clf_feature_options_init(&v1.o);
    v1.o.version = 1;
    memset((char *)&v1.o + offsetof(clf_feature_options, feature_revision), 0x5A,
           sizeof v1.o.feature_revision);
    f = make(&v1.o);
    ck_assert_uint_eq(clf__featurizer_options(f)->feature_revision, CLF_FEATURE_REVISION);
    clf_featurizer_free(f);
    for (unsigned r = CLF_FEATURE_REVISION_MIN; r <= CLF_FEATURE_REVISION; r++) {
        clf_feature_options_init(&o);
        o.feature_revision = r;
        f = make(&o);
        ck_assert_uint_eq(clf__featurizer_options(f)->feature_revision, r);
        clf_featurizer_free(f);
    }
}
END_TEST

START_TEST(test_invalid_options)
{
    clf_feature_options o;
    clf_featurizer *f = (clf_featurizer *)&o; /* must be reset to NULL on failure */

#define EXPECT_BAD(stmt, needle)                                                      \
    do {                                                                              \
        clf_feature_options_init(&o);                                                 \
        stmt;                                                                         \
        f = (clf_featurizer *)&o;                                                     \
        ck_assert_int_eq(clf_featurizer_new(&f, NULL, &o), CLF_E_INVALID_ARG);        \
        ck_assert_ptr_null(f);                                                        \
        ck_assert_msg(strstr(clf_last_error(), needle), "message \"%s\" lacks \"%s\"", \
                      clf_last_error(), needle);                                      \
    } while (0)

    EXPECT_BAD(o.version = 99, "version");
    EXPECT_BAD(o.word_ngram_max = CLF_MAX_WORD_NGRAM + 1, "word_ngram_max");
    EXPECT_BAD(o.char_ngram_max = CLF_MAX_CHAR_NGRAM + 1, "char_ngram_max");
    EXPECT_BAD(o.char_ngram_min = 0, "char_ngram_min");
    EXPECT_BAD((o.char_ngram_min = 4, o.char_ngram_max = 3), "char_ngram_min");
    EXPECT_BAD(o.char_mode = 3, "char_mode");
    EXPECT_BAD(o.stems = 2, "stems");
    EXPECT_BAD(o.sublinear_tf = 7, "sublinear_tf");
    EXPECT_BAD(o.hash_bits = CLF_MIN_HASH_BITS - 1, "hash_bits");
    EXPECT_BAD(o.hash_bits = CLF_MAX_HASH_BITS + 1, "hash_bits");
    EXPECT_BAD((o.word_ngram_max = 0, o.char_ngram_max = 0, o.stems = 0), "off");
    EXPECT_BAD((o.char_ngram_max = 0, o.char_ngram_min = 9), "char_ngram_min");
    EXPECT_BAD(o.feature_revision = CLF_FEATURE_REVISION + 1, "feature_revision");
    EXPECT_BAD(o.feature_revision = 1000, "feature_revision");
#undef EXPECT_BAD

    ck_assert_int_eq(clf_featurizer_new(NULL, NULL, NULL), CLF_E_INVALID_ARG);

    /* the bounds themselves are valid; min is ignored when char n-grams are off */
    clf_feature_options_init(&o);
    o.hash_bits = CLF_MIN_HASH_BITS;
    o.word_ngram_max = CLF_MAX_WORD_NGRAM;
    o.char_ngram_min = 1;
    o.char_ngram_max = CLF_MAX_CHAR_NGRAM;
    f = make(&o);
    clf_featurizer_free(f);
    o.hash_bits = CLF_MAX_HASH_BITS;
    o.char_ngram_max = 0;
    o.char_ngram_min = 0;
    f = make(&o);
    clf_featurizer_free(f);
}
END_TEST

START_TEST(test_family_names)
{
    ck_assert_str_eq(clf_family_name(CLF_FAMILY_WORD), "word");
    ck_assert_str_eq(clf_family_name(CLF_FAMILY_CHAR), "char");
    ck_assert_str_eq(clf_family_name(CLF_FAMILY_CHAR_CROSS), "char_cross");
    ck_assert_str_eq(clf_family_name(CLF_FAMILY_STEM), "stem");
    ck_assert_str_eq(clf_family_name(4), "?");
    ck_assert_str_eq(clf_family_name(~0u), "?");
}
END_TEST

START_TEST(test_null_args)
{
    clf_featurizer *f = make(NULL);
    const clf_feature *v;
    const clf_feature_text *ft;
    const clf__count *c;
    size_t n;
    ck_assert_int_eq(clf_featurize(NULL, "x", 1, NULL, &v, &n), CLF_E_INVALID_ARG);
    ck_assert_int_eq(clf_featurize(f, NULL, 1, NULL, &v, &n), CLF_E_INVALID_ARG);
    ck_assert_int_eq(clf_featurize(f, "x", 1, NULL, NULL, &n), CLF_E_INVALID_ARG);
    ck_assert_int_eq(clf_featurize(f, "x", 1, NULL, &v, NULL), CLF_E_INVALID_ARG);
    ck_assert_int_eq(clf_featurize_text(NULL, "x", 1, NULL, &ft, &n), CLF_E_INVALID_ARG);
    ck_assert_int_eq(clf_featurize_text(f, "x", 1, NULL, NULL, &n), CLF_E_INVALID_ARG);
    ck_assert_int_eq(clf__featurize_counts(f, "x", 1, 0, NULL, &n, NULL), CLF_E_INVALID_ARG);
    /* NULL text with length 0 is the empty text */
    ck_assert_int_eq(clf_featurize(f, NULL, 0, NULL, &v, &n), CLF_OK);
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(clf__featurize_counts(f, NULL, 0, 1, &c, &n, NULL), CLF_OK);
    ck_assert_uint_eq(n, 0);
    clf_featurizer_free(f);
}
END_TEST

/* ---- families -------------------------------------------------------------- */

START_TEST(test_word_ngrams)
{
    clf_feature_options o = only(2, 0, 0, 0, 0);
    clf_featurizer *f = make(&o);
    size_t n;
    const clf_feature_text *ft = texts(f, "foo bar foo", &n);
    ck_assert_uint_eq(n, 4);
    ck_assert_uint_eq(count_of(ft, n, CLF_FAMILY_WORD, "foo"), 2);
    ck_assert_uint_eq(count_of(ft, n, CLF_FAMILY_WORD, "bar"), 1);
    ck_assert_uint_eq(count_of(ft, n, CLF_FAMILY_WORD, "foo bar"), 1);
    ck_assert_uint_eq(count_of(ft, n, CLF_FAMILY_WORD, "bar foo"), 1);
    /* order of first appearance */
    ck_assert_str_eq(ft[0].text, "foo");
    ck_assert_str_eq(ft[1].text, "bar");
    ck_assert_str_eq(ft[2].text, "foo bar");
    ck_assert_str_eq(ft[3].text, "bar foo");
    /* raw tf, no L2: the value is the bucket's count */
    ck_assert_float_eq(ft[0].value, 2.0f);
    ck_assert_float_eq(ft[1].value, 1.0f);
    clf_featurizer_free(f);

    /* trigrams; unigrams only */
    o.word_ngram_max = 3;
    f = make(&o);
    ft = texts(f, "foo bar baz qux", &n);
    ck_assert_uint_eq(n, 4 + 3 + 2);
    ck_assert_uint_eq(count_of(ft, n, CLF_FAMILY_WORD, "foo bar baz"), 1);
    ck_assert_uint_eq(count_of(ft, n, CLF_FAMILY_WORD, "bar baz qux"), 1);
    clf_featurizer_free(f);
    o.word_ngram_max = 1;
    f = make(&o);
    ft = texts(f, "foo bar baz qux", &n);
    ck_assert_uint_eq(n, 4);
    clf_featurizer_free(f);
}
END_TEST

START_TEST(test_punctuation_breaks_ngrams)
{
    clf_feature_options o = only(3, 0, 0, 0, 0);
    clf_featurizer *f = make(&o);
    size_t n;
    /* the normalizer splits "foo, bar" into "foo , bar" */
    const clf_feature_text *ft = texts(f, "foo bar, baz qux", &n);
    ck_assert_uint_eq(count_of(ft, n, CLF_FAMILY_WORD, ","), 1);
    ck_assert_uint_eq(count_of(ft, n, CLF_FAMILY_WORD, "foo bar"), 1);
    ck_assert_uint_eq(count_of(ft, n, CLF_FAMILY_WORD, "baz qux"), 1);
    ck_assert_uint_eq(count_of(ft, n, CLF_FAMILY_WORD, "bar ,"), 0);
    ck_assert_uint_eq(count_of(ft, n, CLF_FAMILY_WORD, ", baz"), 0);
    ck_assert_uint_eq(count_of(ft, n, CLF_FAMILY_WORD, "bar , baz"), 0);
    /* unigrams foo bar , baz qux + bigrams foo_bar baz_qux; no trigram */
    ck_assert_uint_eq(n, 7);
    clf_featurizer_free(f);
}
END_TEST

START_TEST(test_char_within)
{
    clf_feature_options o = only(0, 2, 3, CLF_CHAR_WITHIN, 0);
    clf_featurizer *f = make(&o);
    size_t n;
    const clf_feature_text *ft = texts(f, "ab", &n);
    /* " ab " -> 2-grams " a" "ab" "b ", 3-grams " ab" "ab " */
    ck_assert_uint_eq(n, 5);
    ck_assert_uint_eq(family_size(ft, n, CLF_FAMILY_CHAR), 5);
    ck_assert_uint_eq(count_of(ft, n, CLF_FAMILY_CHAR, " a"), 1);
    ck_assert_uint_eq(count_of(ft, n, CLF_FAMILY_CHAR, "ab"), 1);
    ck_assert_uint_eq(count_of(ft, n, CLF_FAMILY_CHAR, "b "), 1);
    ck_assert_uint_eq(count_of(ft, n, CLF_FAMILY_CHAR, " ab"), 1);
    ck_assert_uint_eq(count_of(ft, n, CLF_FAMILY_CHAR, "ab "), 1);

    /* n-grams stay inside tokens; repeated tokens count twice */
    ft = texts(f, "ab ab", &n);
    ck_assert_uint_eq(n, 5);
    ck_assert_uint_eq(count_of(ft, n, CLF_FAMILY_CHAR, "ab"), 2);
    ck_assert_uint_eq(count_of(ft, n, CLF_FAMILY_CHAR, "b a"), 0);
    clf_featurizer_free(f);

    /* code points, not bytes: "جهاد" padded has 6 code points */
    o = only(0, 2, 2, CLF_CHAR_WITHIN, 0);
    f = make(&o);
    ft = texts(f, "جهاد", &n);
    ck_assert_uint_eq(n, 5);
    ck_assert_uint_eq(count_of(ft, n, CLF_FAMILY_CHAR, " ج"), 1);
    ck_assert_uint_eq(count_of(ft, n, CLF_FAMILY_CHAR, "ها"), 1);
    ck_assert_uint_eq(count_of(ft, n, CLF_FAMILY_CHAR, "د "), 1);
    clf_featurizer_free(f);

    /* a token shorter than the n-grams counts once whole, as char_wb */
    o = only(0, 4, 5, CLF_CHAR_WITHIN, 0);
    f = make(&o);
    ft = texts(f, "x", &n);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(count_of(ft, n, CLF_FAMILY_CHAR, " x "), 1);
    /* and a token exactly as long as an n-gram once too, then no longer ones */
    o = only(0, 2, 5, CLF_CHAR_WITHIN, 0);
    clf_featurizer_free(f);
    f = make(&o);
    ft = texts(f, "ab", &n);
    ck_assert_uint_eq(n, 6); /* 3 + 2 + " ab " */
    ck_assert_uint_eq(count_of(ft, n, CLF_FAMILY_CHAR, " ab "), 1);
    clf_featurizer_free(f);
}
END_TEST

START_TEST(test_char_within_token_kinds)
{
    clf_feature_options o = only(1, 2, 2, CLF_CHAR_WITHIN, 0);
    clf_featurizer *f = make(&o);
    size_t n;
    const clf_feature_text *ft = texts(f, "http://example.com , #tag 😂", &n);
    /* placeholders and punctuation: word unigrams only */
    ck_assert_uint_eq(count_of(ft, n, CLF_FAMILY_WORD, "<url>"), 1);
    ck_assert_uint_eq(count_of(ft, n, CLF_FAMILY_WORD, ","), 1);
    ck_assert_uint_eq(count_of(ft, n, CLF_FAMILY_CHAR, "<u"), 0);
    ck_assert_uint_eq(count_of(ft, n, CLF_FAMILY_CHAR, " ,"), 0);
    /* hashtags and emoji get char n-grams */
    ck_assert_uint_eq(count_of(ft, n, CLF_FAMILY_CHAR, " #"), 1);
    ck_assert_uint_eq(count_of(ft, n, CLF_FAMILY_CHAR, " 😂"), 1);
    ck_assert_uint_eq(count_of(ft, n, CLF_FAMILY_CHAR, "😂 "), 1);
    clf_featurizer_free(f);
}
END_TEST

START_TEST(test_char_across)
{
    clf_feature_options o = only(0, 2, 3, CLF_CHAR_ACROSS, 0);
    clf_featurizer *f = make(&o);
    size_t n;
    const clf_feature_text *ft = texts(f, "ab cd", &n);
    /* 2-grams ab "b " " c" cd; 3-grams "ab " "b c" " cd"; no padding */
    ck_assert_uint_eq(n, 7);
    ck_assert_uint_eq(family_size(ft, n, CLF_FAMILY_CHAR_CROSS), 7);
    ck_assert_uint_eq(count_of(ft, n, CLF_FAMILY_CHAR_CROSS, "b c"), 1);
    ck_assert_uint_eq(count_of(ft, n, CLF_FAMILY_CHAR_CROSS, " a"), 0);
    ck_assert_uint_eq(count_of(ft, n, CLF_FAMILY_CHAR_CROSS, "d "), 0);
    /* shorter than every n-gram: nothing */
    ft = texts(f, "x", &n);
    ck_assert_uint_eq(n, 0);
    clf_featurizer_free(f);
}
END_TEST

START_TEST(test_char_both)
{
    clf_feature_options o = only(0, 2, 2, CLF_CHAR_BOTH, 0);
    clf_featurizer *f = make(&o);
    size_t n;
    const clf_feature_text *ft = texts(f, "ab", &n);
    /* within: " a" ab "b "; across: ab */
    ck_assert_uint_eq(n, 4);
    ck_assert_uint_eq(count_of(ft, n, CLF_FAMILY_CHAR, "ab"), 1);
    ck_assert_uint_eq(count_of(ft, n, CLF_FAMILY_CHAR_CROSS, "ab"), 1);
    /* separate hash domains: the same text lands in different buckets */
    uint32_t bw = 0, bx = 0;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(ft[i].text, "ab"))
            *(ft[i].family == CLF_FAMILY_CHAR ? &bw : &bx) = ft[i].index;
    ck_assert_uint_ne(bw, bx);
    clf_featurizer_free(f);
}
END_TEST

START_TEST(test_stems)
{
    clf_feature_options o = only(1, 0, 0, 0, 1);
    clf_featurizer *f = make(&o);
    size_t n;
    const clf_feature_text *ft = texts(f, "المشركين hello الخلافة 123 😂", &n);
    ck_assert_uint_eq(family_size(ft, n, CLF_FAMILY_STEM), 2);
    ck_assert_uint_eq(count_of(ft, n, CLF_FAMILY_STEM, "مشرك"), 1);
    /* the normalizer folds ة to ه before stemming */
    ck_assert_uint_eq(count_of(ft, n, CLF_FAMILY_STEM, "خلافه"), 1);
    ck_assert_uint_eq(count_of(ft, n, CLF_FAMILY_STEM, "hello"), 0);
    ck_assert_uint_eq(count_of(ft, n, CLF_FAMILY_STEM, "123"), 0);
    /* two words with one stem count twice */
    ft = texts(f, "الكتاب بالكتاب", &n);
    ck_assert_uint_eq(count_of(ft, n, CLF_FAMILY_STEM, "كتاب"), 2);
    ck_assert_uint_eq(family_size(ft, n, CLF_FAMILY_STEM), 1);
    clf_featurizer_free(f);

    /* stems off: none */
    o.stems = 0;
    f = make(&o);
    ft = texts(f, "المشركين الخلافة", &n);
    ck_assert_uint_eq(family_size(ft, n, CLF_FAMILY_STEM), 0);
    clf_featurizer_free(f);
}
END_TEST

START_TEST(test_families_on_off)
{
    static const struct { unsigned w, cmin, cmax, mode, stems; unsigned fams; } cases[] = {
        { 2, 0, 0, 0, 0, 1u << CLF_FAMILY_WORD },
        { 0, 2, 4, CLF_CHAR_WITHIN, 0, 1u << CLF_FAMILY_CHAR },
        { 0, 2, 4, CLF_CHAR_ACROSS, 0, 1u << CLF_FAMILY_CHAR_CROSS },
        { 0, 2, 4, CLF_CHAR_BOTH, 0, (1u << CLF_FAMILY_CHAR) | (1u << CLF_FAMILY_CHAR_CROSS) },
        { 0, 0, 0, 0, 1, 1u << CLF_FAMILY_STEM },
        { 2, 2, 5, CLF_CHAR_WITHIN, 1,
          (1u << CLF_FAMILY_WORD) | (1u << CLF_FAMILY_CHAR) | (1u << CLF_FAMILY_STEM) },
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        clf_feature_options o = only(cases[c].w, cases[c].cmin, cases[c].cmax, cases[c].mode,
                                     cases[c].stems);
        clf_featurizer *f = make(&o);
        size_t n;
        const clf_feature_text *ft = texts(f, TWEET, &n);
        for (unsigned fam = 0; fam < 4; fam++) {
            size_t k = family_size(ft, n, fam);
            if (cases[c].fams & (1u << fam))
                ck_assert_msg(k > 0, "case %zu: family %s missing", c, clf_family_name(fam));
            else
                ck_assert_msg(k == 0, "case %zu: family %s present", c, clf_family_name(fam));
        }
        clf_featurizer_free(f);
    }
}
END_TEST

/* ---- hashing --------------------------------------------------------------- */

START_TEST(test_hash_rule)
{
    /* revision 1: bucket = top hash_bits bits of XXH3_64bits_withSeed(text,
     * len, hash_seed ^ 0x9E3779B97F4A7C15 * (family + 1)): the model format */
    const uint64_t seeds[] = { 0, 12345 };
    for (size_t k = 0; k < 2; k++) {
        clf_feature_options o = only(1, 2, 2, CLF_CHAR_BOTH, 1);
        o.hash_seed = seeds[k];
        o.hash_bits = 18;
        o.feature_revision = 1;
        clf_featurizer *f = make(&o);
        size_t n;
        const clf_feature_text *ft = texts(f, "hello المشركين", &n);
        ck_assert_uint_gt(n, 10);
        for (size_t i = 0; i < n; i++) {
            uint64_t seed = seeds[k] ^ (UINT64_C(0x9E3779B97F4A7C15) * (ft[i].family + 1));
            uint64_t h = XXH3_64bits_withSeed(ft[i].text, strlen(ft[i].text), seed);
            ck_assert_uint_eq(ft[i].index, (uint32_t)(h >> (64 - 18)));
        }
        clf_featurizer_free(f);
    }
    /* pinned values: a change here breaks every trained model */
    clf_feature_options o = only(1, 0, 0, 0, 0);
    o.feature_revision = 1;
    clf_featurizer *f = make(&o);
    size_t n;
    const clf_feature_text *ft = texts(f, "hello", &n);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(ft[0].index, HELLO_BUCKET);
    ck_assert(clf__feature_hash(f, CLF_FAMILY_WORD, "hello", 5) ==
              XXH3_64bits_withSeed("hello", 5, UINT64_C(0x9E3779B97F4A7C15)));
    clf_featurizer_free(f);
}
END_TEST

START_TEST(test_hash_rule_rev2)
{
    /* revision 2: the code point chain of rev2_hash(), every family, with
     * n-grams of 1..8 code points and words of every kind */
    const uint64_t seeds[] = { 0, 12345, UINT64_C(0xFFFFFFFFFFFFFFFF) };
    const char *docs[] = {
        "hello المشركين", TWEET, "a", "ab cd, ef 😀 #وسم_طويل x", "Ωmega ñ 中文 𝒳 اَلْ",
    };
    for (size_t k = 0; k < 3; k++) {
        for (unsigned mode = 0; mode <= CLF_CHAR_BOTH; mode++) {
            clf_feature_options o = only(3, 1 + (unsigned)k, 8, mode, 1);
            o.hash_seed = seeds[k];
            o.hash_bits = 18;
            o.feature_revision = 2;
            clf_featurizer *f = make(&o);
            for (size_t d = 0; d < sizeof docs / sizeof *docs; d++) {
                size_t n;
                const clf_feature_text *ft = texts(f, docs[d], &n);
                ck_assert_uint_gt(n, 0);
                for (size_t i = 0; i < n; i++) {
                    size_t tl = strlen(ft[i].text);
                    uint64_t h = rev2_hash(ft[i].text, tl, seeds[k], ft[i].family);
                    ck_assert_msg(ft[i].index == (uint32_t)(h >> (64 - 18)),
                                  "%s '%s': bucket %u, rule %u", clf_family_name(ft[i].family),
                                  ft[i].text, ft[i].index, (unsigned)(h >> (64 - 18)));
                    ck_assert(clf__feature_hash(f, ft[i].family, ft[i].text, tl) == h);
                }
            }
            clf_featurizer_free(f);
        }
    }
    /* pinned values: a change here breaks every model of revision 2 */
    clf_feature_options o = only(1, 0, 0, 0, 0);
    clf_featurizer *f = make(&o); /* the default revision is 2 */
    size_t n;
    const clf_feature_text *ft = texts(f, "hello", &n);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(ft[0].index, HELLO_BUCKET_R2);
    ck_assert(rev2_hash("hello", 5, 0, CLF_FAMILY_WORD) == UINT64_C(0x1DE15722819C71ED));
    ck_assert(rev2_hash("\xd8\xa7", 2, 0, CLF_FAMILY_CHAR) == UINT64_C(0x887E7A71BF780F75));
    clf_featurizer_free(f);
}
END_TEST

/* (family, text, count) rows of a clf_featurize_text() result, sorted. */
typedef struct ftrow {
    unsigned fam;
    uint32_t count;
    char text[256];
} ftrow;

static int cmp_ftrow(const void *a, const void *b)
{
    const ftrow *x = a, *y = b;
    if (x->fam != y->fam)
        return x->fam < y->fam ? -1 : 1;
    int c = strcmp(x->text, y->text);
    return c ? c : (x->count > y->count) - (x->count < y->count);
}

static ftrow *ftrows(const clf_feature_text *ft, size_t n)
{
    ftrow *r = calloc(n ? n : 1, sizeof *r);
    ck_assert_ptr_nonnull(r);
    for (size_t i = 0; i < n; i++) {
        ck_assert_uint_lt(strlen(ft[i].text), sizeof r[i].text);
        r[i].fam = ft[i].family;
        r[i].count = ft[i].count;
        strcpy(r[i].text, ft[i].text);
    }
    qsort(r, n, sizeof *r, cmp_ftrow);
    return r;
}

START_TEST(test_revisions_same_features)
{
    /* revision 2 changes how texts are hashed and the order of char
     * n-grams, never which feature texts a document has or their counts */
    const char *docs[] = {
        TWEET, "a", "ab", "abc abc abc", "foo bar, baz qux", "ab cd, ef 😀 #وسم_طويل x",
        "الخلافة الخلافة قادمة!! 😂😂", "Ωmega ñ 中文 𝒳", "",
    };
    const unsigned cfg[][5] = {
        {2, 2, 5, CLF_CHAR_WITHIN, 1}, {5, 1, 8, CLF_CHAR_BOTH, 1}, {1, 3, 3, CLF_CHAR_ACROSS, 0},
        {3, 4, 6, CLF_CHAR_WITHIN, 1}, {0, 1, 1, CLF_CHAR_BOTH, 0}, {2, 0, 0, 0, 1},
    };
    for (size_t c = 0; c < sizeof cfg / sizeof *cfg; c++) {
        clf_feature_options o = only(cfg[c][0], cfg[c][1], cfg[c][2], cfg[c][3], cfg[c][4]);
        o.feature_revision = 1;
        clf_featurizer *f1 = make(&o);
        o.feature_revision = 2;
        clf_featurizer *f2 = make(&o);
        for (size_t d = 0; d < sizeof docs / sizeof *docs; d++) {
            size_t n1, n2;
            const clf_feature_text *t1 = texts(f1, docs[d], &n1);
            ftrow *r1 = ftrows(t1, n1);
            const clf_feature_text *t2 = texts(f2, docs[d], &n2);
            ftrow *r2 = ftrows(t2, n2);
            ck_assert_msg(n1 == n2, "config %zu doc %zu: %zu vs %zu texts", c, d, n1, n2);
            for (size_t i = 0; i < n1; i++)
                ck_assert_msg(cmp_ftrow(&r1[i], &r2[i]) == 0, "config %zu doc %zu: '%s' vs '%s'",
                              c, d, r1[i].text, r2[i].text);
            free(r1);
            free(r2);
        }
        clf_featurizer_free(f1);
        clf_featurizer_free(f2);
    }
}
END_TEST

/*
 * Distribution of revision 2's hash on generated texts, against what a
 * random function would give: every string of 1..3 symbols over 64 symbols
 * (Arabic letters, Latin, digits, space: the shape of char n-grams),
 * the numbers 0..199999 and Arabic words that differ in one to three
 * letters. For each set: no two texts share the 64-bit hash; the bucket
 * counts over 2^16 buckets pass a two-sided chi-square test (6 standard
 * deviations: a random function fails about once in 10^9); every bucket bit is set in half of
 * the texts (6 sigma); and one text's buckets in two families agree no
 * more often than chance.
 */
static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static void check_distribution(const char *what, uint64_t *h, const uint64_t *h2, size_t n)
{
    const unsigned bits = 16;
    const size_t B = (size_t)1 << bits;
    uint32_t *cnt = calloc(B, sizeof *cnt);
    ck_assert_ptr_nonnull(cnt);
    size_t ones[16] = {0}, same = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t b = (uint32_t)(h[i] >> (64 - bits));
        cnt[b]++;
        for (unsigned k = 0; k < bits; k++)
            ones[k] += (b >> k) & 1u;
        same += b == (uint32_t)(h2[i] >> (64 - bits));
    }
    const double e = (double)n / (double)B;
    double chi2 = 0;
    for (size_t b = 0; b < B; b++)
        chi2 += ((double)cnt[b] - e) * ((double)cnt[b] - e) / e;
    /* two-sided: too even a spread is structure too (sequential inputs
     * landing on a lattice, as plain multiplicative hashing does) */
    const double df = (double)(B - 1), lim = 6 * sqrt(2 * df);
    fprintf(stderr, "hash distribution, %s: %zu texts, chi2 %.0f (df %.0f, limit +-%.0f), "
                    "%zu same-bucket pairs across families (expected %.1f)\n",
            what, n, chi2, df, lim, same, e);
    ck_assert_msg(fabs(chi2 - df) < lim, "%s: chi2 %.0f over %zu buckets (df %.0f +- %.0f)",
                  what, chi2, B, df, lim);
    for (unsigned k = 0; k < bits; k++)
        ck_assert_msg(fabs((double)ones[k] - (double)n / 2) < 6 * sqrt((double)n) / 2,
                      "%s: bucket bit %u set in %zu of %zu", what, k, ones[k], n);
    ck_assert_msg((double)same < e + 6 * sqrt(e) + 1, "%s: %zu texts share their bucket "
                  "across families (expected %.1f)", what, same, e);
    qsort(h, n, sizeof *h, cmp_u64);
    for (size_t i = 1; i < n; i++)
        ck_assert_msg(h[i] != h[i - 1], "%s: two texts with hash %016llx", what,
                      (unsigned long long)h[i]);
    free(cnt);
}

START_TEST(test_hash_distribution)
{
    clf_feature_options o;
    clf_feature_options_init(&o);
    o.feature_revision = (unsigned)_i; /* both revisions must pass */
    clf_featurizer *f = make(&o);
    /* 64 symbols: 36 Arabic letters, a-z, 0 and space */
    uint32_t sym[64];
    size_t ns = 0;
    for (uint32_t c = 0x0621; c <= 0x064A && ns < 36; c++)
        if (c < 0x063B || c > 0x0640)
            sym[ns++] = c;
    for (uint32_t c = 'a'; c <= 'z'; c++)
        sym[ns++] = c;
    sym[ns++] = '0';
    sym[ns++] = ' ';
    ck_assert_uint_eq(ns, 64);
    const size_t max = 64 + 64 * 64 + 64 * 64 * 64 + 200000;
    uint64_t *h = malloc(max * sizeof *h), *h2 = malloc(max * sizeof *h2);
    ck_assert(h && h2);
    char buf[64];
    size_t n = 0;
    for (unsigned len = 1; len <= 3; len++) {
        size_t total = (size_t)1 << (6 * len);
        for (size_t v = 0; v < total; v++) {
            size_t x = v, bl = 0;
            for (unsigned k = 0; k < len; k++, x >>= 6)
                bl += (size_t)utf8_put(sym[x & 63], buf + bl);
            h[n] = clf__feature_hash(f, CLF_FAMILY_CHAR, buf, bl);
            h2[n++] = clf__feature_hash(f, CLF_FAMILY_WORD, buf, bl);
        }
    }
    check_distribution(_i == 1 ? "r1 1-3 symbols" : "r2 1-3 symbols", h, h2, n);
    n = 0;
    for (unsigned v = 0; v < 200000; v++) {
        int bl = snprintf(buf, sizeof buf, "%u", v);
        h[n] = clf__feature_hash(f, CLF_FAMILY_WORD, buf, (size_t)bl);
        h2[n++] = clf__feature_hash(f, CLF_FAMILY_STEM, buf, (size_t)bl);
    }
    check_distribution(_i == 1 ? "r1 numbers" : "r2 numbers", h, h2, n);
    n = 0;
    /* ال + two letters + ه, and و + the same: words that differ in one or two
     * code points, the hard case for a weak multiplicative hash */
    for (size_t a = 0; a < 36; a++)
        for (size_t b = 0; b < 36; b++)
            for (size_t c = 0; c < 36; c++)
                for (int pre = 0; pre < 2; pre++) {
                    size_t bl = 0;
                    if (pre) {
                        bl += (size_t)utf8_put(0x0648, buf + bl);
                    } else {
                        bl += (size_t)utf8_put(0x0627, buf + bl);
                        bl += (size_t)utf8_put(0x0644, buf + bl);
                    }
                    bl += (size_t)utf8_put(sym[a], buf + bl);
                    bl += (size_t)utf8_put(sym[b], buf + bl);
                    bl += (size_t)utf8_put(sym[c], buf + bl);
                    bl += (size_t)utf8_put(0x0647, buf + bl);
                    h[n] = clf__feature_hash(f, CLF_FAMILY_WORD, buf, bl);
                    h2[n++] = clf__feature_hash(f, CLF_FAMILY_CHAR, buf, bl);
                }
    check_distribution(_i == 1 ? "r1 words" : "r2 words", h, h2, n);
    free(h);
    free(h2);
    clf_featurizer_free(f);
}
END_TEST

START_TEST(test_model_revision)
{
    /* a model records the revision it was trained with; scoring computes
     * that one (clf_model_options gives it), and a featurizer of another
     * revision is refused with that model */
    for (unsigned r = CLF_FEATURE_REVISION_MIN; r <= CLF_FEATURE_REVISION; r++) {
        clf_feature_options o = only(1, 0, 0, 0, 0);
        o.feature_revision = r;
        clf_featurizer *f = make(&o);
        size_t n;
        const clf_feature *v = vec_of(f, "foo bar", NULL, &n);
        ck_assert_uint_eq(n, 2);
        uint32_t b[2] = { v[0].index, v[1].index };
        clf_model *m = idf_model(&o, b, 2, 1);
        clf_feature_deps d;
        ck_assert_int_eq(clf_model_feature_deps(m, &d), CLF_OK);
        ck_assert_uint_eq(d.feature_revision, r);
        clf_norm_options mn;
        clf_feature_options mo;
        clf_model_options(m, &mn, &mo);
        ck_assert_uint_eq(mo.feature_revision, r);
        clf_featurizer *g = NULL;
        ck_assert_int_eq(clf_featurizer_new(&g, &mn, &mo), CLF_OK);
        v = vec_of(g, "foo bar", m, &n);
        ck_assert_uint_eq(n, 2); /* both buckets known under the model's revision */
        /* the other revision's featurizer does not read this model */
        mo.feature_revision = r == 1 ? 2 : 1;
        clf_featurizer *h = NULL;
        ck_assert_int_eq(clf_featurizer_new(&h, &mn, &mo), CLF_OK);
        const clf_feature *vh;
        ck_assert_int_eq(clf_featurize(h, "foo bar", 7, m, &vh, &n), CLF_E_INVALID_ARG);
        clf_featurizer_free(h);
        clf_featurizer_free(g);
        clf_featurizer_free(f);
        clf_model_free(m);
    }
    /* the default (0) writes the newest revision */
    clf_feature_options o = only(1, 0, 0, 0, 0);
    uint32_t b[1] = { 5 };
    clf_model *m = idf_model(&o, b, 1, 1);
    clf_feature_deps d;
    ck_assert_int_eq(clf_model_feature_deps(m, &d), CLF_OK);
    ck_assert_uint_eq(d.feature_revision, CLF_FEATURE_REVISION);
    clf_model_free(m);
}
END_TEST

START_TEST(test_hash_bits_and_seed)
{
    for (unsigned bits = CLF_MIN_HASH_BITS; bits <= CLF_MAX_HASH_BITS; bits += 6) {
        clf_feature_options o;
        clf_feature_options_init(&o);
        o.hash_bits = bits;
        clf_featurizer *f = make(&o);
        size_t n;
        const clf_feature *v = vec_of(f, TWEET, NULL, &n);
        ck_assert_uint_gt(n, 0);
        check_sorted_unique(v, n, bits);
        clf_featurizer_free(f);
    }

    clf_feature_options o;
    clf_feature_options_init(&o);
    clf_featurizer *a = make(&o), *b = make(&o);
    o.hash_seed = 42;
    clf_featurizer *c = make(&o);
    size_t na, nb, nc;
    clf_feature *va = dup_vec(vec_of(a, TWEET, NULL, &na), &na);
    const clf_feature *vb = vec_of(b, TWEET, NULL, &nb);
    ck_assert(same_vec(va, na, vb, nb));
    /* and again on the same featurizer (stem cache warm, scratch reused) */
    vb = vec_of(a, TWEET, NULL, &nb);
    ck_assert(same_vec(va, na, vb, nb));
    const clf_feature *vc = vec_of(c, TWEET, NULL, &nc);
    ck_assert(!same_vec(va, na, vc, nc));
    free(va);
    clf_featurizer_free(a);
    clf_featurizer_free(b);
    clf_featurizer_free(c);
}
END_TEST

/* ---- weighting ------------------------------------------------------------- */

START_TEST(test_l2_and_sorted)
{
    clf_featurizer *f = make(NULL);
    size_t n;
    const clf_feature *v = vec_of(f, TWEET, NULL, &n);
    ck_assert_uint_gt(n, 50);
    check_sorted_unique(v, n, 20);
    ck_assert_double_eq_tol(norm2(v, n), 1.0, 1e-5);
    clf_featurizer_free(f);
}
END_TEST

START_TEST(test_tf_weights)
{
    clf_feature_options o = only(1, 0, 0, 0, 0);
    o.sublinear_tf = 1;
    clf_featurizer *f = make(&o);
    size_t n;
    const clf_feature *v = vec_of(f, "foo foo foo bar", NULL, &n);
    ck_assert_uint_eq(n, 2);
    float w3 = 0, w1 = 0;
    for (size_t i = 0; i < n; i++)
        if (v[i].value > 1.5f)
            w3 = v[i].value;
        else
            w1 = v[i].value;
    ck_assert_float_eq_tol(w3, 1.0f + logf(3.0f), 1e-6f);
    ck_assert_float_eq(w1, 1.0f);
    clf_featurizer_free(f);

    /* clf__tf_weight: raw and sublinear, across the table boundary */
    clf_feature_options raw = o, sub = o;
    raw.sublinear_tf = 0;
    for (uint32_t c = 1; c < 300; c++) {
        ck_assert_float_eq(clf__tf_weight(&raw, c), (float)c);
        float want = (float)(1.0 + log((double)c));
        ck_assert_msg(fabsf(clf__tf_weight(&sub, c) - want) <= 1e-6f * want,
                      "tf(%u) = %.9g, want %.9g", c, clf__tf_weight(&sub, c), want);
        if (c > 1)
            ck_assert(clf__tf_weight(&sub, c) > clf__tf_weight(&sub, c - 1));
    }
}
END_TEST

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* A one-category model with options o whose rows are the n buckets b[]
 * (any order), all with IDF 2.5 (or none when use_idf is 0). */
static clf_model *idf_model(const clf_feature_options *o, const uint32_t *b, size_t n,
                            int use_idf)
{
    uint32_t bs[16];
    float idf[16], w[16];
    ck_assert_uint_le(n, 16);
    memcpy(bs, b, n * sizeof *bs);
    qsort(bs, n, sizeof *bs, cmp_u32);
    for (size_t i = 0; i < n; i++) {
        idf[i] = 2.5f;
        w[i] = 0.0f;
    }
    clf_model_spec_category cat = {.name = "c", .threshold = 0.5, .calib_a = -1.0};
    clf_model_spec spec;
    clf_model_spec_init(&spec);
    spec.name = "idf";
    spec.fopts = *o;
    spec.n_cats = 1;
    spec.cats = &cat;
    spec.n_rows = n;
    spec.buckets = bs;
    spec.idf = use_idf ? idf : NULL;
    spec.weights = w;
    return clf_test_model_from_spec(&spec);
}

START_TEST(test_idf)
{
    clf_feature_options o = only(1, 0, 0, 0, 0);
    clf_featurizer *f = make(&o);
    size_t n;
    const clf_feature *v = vec_of(f, "foo foo bar baz", NULL, &n);
    ck_assert_uint_eq(n, 3);
    uint32_t all[3], drop = 0, keep[2];
    size_t nk = 0;
    for (size_t i = 0; i < n; i++) {
        all[i] = v[i].index;
        if (v[i].value == 1.0f)
            drop = v[i].index; /* bar or baz: tf 1 */
    }
    for (size_t i = 0; i < n; i++)
        if (all[i] != drop)
            keep[nk++] = all[i];
    ck_assert_uint_eq(nk, 2);
    o.l2_normalize = 0;
    clf_featurizer_free(f);
    f = make(&o);
    clf_model *m = idf_model(&o, all, 3, 1);
    v = vec_of(f, "foo foo bar baz", m, &n);
    ck_assert_uint_eq(n, 3);
    for (size_t i = 0; i < n; i++) /* tf 1 or 2, times idf 2.5 */
        ck_assert(v[i].value == 2.5f || v[i].value == 5.0f);
    clf_model_free(m);

    /* a bucket the model never saw is dropped, before L2 */
    m = idf_model(&o, keep, 2, 1);
    v = vec_of(f, "foo foo bar baz", m, &n);
    ck_assert_uint_eq(n, 2);
    for (size_t i = 0; i < n; i++)
        ck_assert_uint_ne(v[i].index, drop);
    /* a featurizer with other options cannot use this model's tables */
    clf_featurizer *other = make(NULL);
    const clf_feature *ov;
    ck_assert_int_eq(clf_featurize(other, "foo", 3, m, &ov, &n), CLF_E_INVALID_ARG);
    const clf_feature_text *oft;
    ck_assert_int_eq(clf_featurize_text(other, "foo", 3, m, &oft, &n), CLF_E_INVALID_ARG);
    clf_featurizer_free(other);
    clf_model_free(m);
    clf_featurizer_free(f);

    o.l2_normalize = 1;
    f = make(&o);
    m = idf_model(&o, keep, 2, 1);
    v = vec_of(f, "foo foo bar baz", m, &n);
    ck_assert_uint_eq(n, 2);
    ck_assert_double_eq_tol(norm2(v, n), 1.0, 1e-6);
    clf_model_free(m);
    /* a model without IDF: weight 1, unknown buckets still dropped */
    m = idf_model(&o, keep, 1, 0);
    v = vec_of(f, "foo foo bar baz", m, &n);
    ck_assert_uint_eq(n, 1);
    ck_assert_float_eq(v[0].value, 1.0f);
    clf_model_free(m);
    /* everything dropped: an empty vector, no NaN */
    m = idf_model(&o, &drop, 1, 1);
    v = vec_of(f, "foo foo", m, &n);
    ck_assert_uint_eq(n, 0);
    /* clf_featurize_text lists dropped features with value 0 */
    const clf_feature_text *ft;
    ck_assert_int_eq(clf_featurize_text(f, "foo", 3, m, &ft, &n), CLF_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_float_eq(ft[0].value, 0.0f);
    clf_model_free(m);
    clf_featurizer_free(f);
}
END_TEST

START_TEST(test_text_values_match_vector)
{
    clf_featurizer *f = make(NULL);
    size_t n, nt;
    clf_feature *v = dup_vec(vec_of(f, TWEET, NULL, &n), &n);
    const clf_feature_text *ft = texts(f, TWEET, &nt);
    ck_assert_uint_ge(nt, n);
    for (size_t i = 0; i < nt; i++) {
        size_t lo = 0, hi = n;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (v[mid].index < ft[i].index)
                lo = mid + 1;
            else
                hi = mid;
        }
        ck_assert_msg(lo < n && v[lo].index == ft[i].index, "%s not in the vector", ft[i].text);
        ck_assert_float_eq(v[lo].value, ft[i].value);
        ck_assert_uint_ge(ft[i].count, 1);
    }
    /* every index of the vector has a text */
    for (size_t j = 0; j < n; j++) {
        size_t i = 0;
        while (i < nt && ft[i].index != v[j].index)
            i++;
        ck_assert_uint_lt(i, nt);
    }
    free(v);
    clf_featurizer_free(f);
}
END_TEST

/* ---- inputs ------------------------------------------------------------------ */

START_TEST(test_empty_and_invalid)
{
    clf_featurizer *f = make(NULL);
    size_t n = 99;
    const clf_feature *v;
    ck_assert_int_eq(clf_featurize(f, "", 0, NULL, &v, &n), CLF_OK);
    ck_assert_uint_eq(n, 0);
    n = 99;
    ck_assert_int_eq(clf_featurize(f, "  \t\n ", 5, NULL, &v, &n), CLF_OK);
    ck_assert_uint_eq(n, 0);
    const clf_feature_text *ft;
    ck_assert_int_eq(clf_featurize_text(f, "", 0, NULL, &ft, &n), CLF_OK);
    ck_assert_uint_eq(n, 0);

    static const char *bad[] = { "ab\xff", "\xc3", "\xed\xa0\x80", "\xc0\xaf", "ok \xf4\x90\x80\x80" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        ck_assert_int_eq(clf_featurize(f, bad[i], strlen(bad[i]), NULL, &v, &n), CLF_E_UTF8);
        ck_assert_int_eq(clf_featurize_text(f, bad[i], strlen(bad[i]), NULL, &ft, &n), CLF_E_UTF8);
    }
    /* the featurizer is still usable */
    ck_assert_int_eq(clf_featurize(f, "ok", 2, NULL, &v, &n), CLF_OK);
    ck_assert_uint_gt(n, 0);

    /* the internal entry point checks UTF-8 itself */
    const clf__count *c;
    ck_assert_int_eq(clf__featurize_normalized(f, "a\x80", 2, 0, &c, &n), CLF_E_UTF8);
    clf_featurizer_free(f);
}
END_TEST

START_TEST(test_evasion_variants)
{
    /* tatweel, diacritics, zero-width characters, presentation forms and
     * elongation must not change a single feature */
    static const char *variants[] = {
        "الجهاد في سبيل الله",
        "الجـــهاد في سبيل الله",
        "الجِهَادُ فِي سَبِيلِ اللَّهِ",
        "الج\u200cهاد في\u200b سبيل الله",
        "الجهاااااد في سبيل الله",
        "  الجهاد   في سبيل\tالله ",
    };
    clf_featurizer *f = make(NULL);
    size_t n0, n;
    clf_feature *v0 = dup_vec(vec_of(f, variants[0], NULL, &n0), &n0);
    ck_assert_uint_gt(n0, 0);
    for (size_t i = 1; i < sizeof variants / sizeof *variants; i++) {
        const clf_feature *v = vec_of(f, variants[i], NULL, &n);
        ck_assert_msg(same_vec(v0, n0, v, n), "variant %zu differs (%zu vs %zu features)", i,
                      n, n0);
    }
    free(v0);
    clf_featurizer_free(f);
}
END_TEST

START_TEST(test_normalized_text)
{
    clf_featurizer *f = make(NULL);
    size_t n, len;
    const clf_feature *v;
    ck_assert_int_eq(clf_featurize(f, "Hello,  World", 13, NULL, &v, &n), CLF_OK);
    const char *s = clf__featurizer_normalized(f, &len);
    ck_assert_str_eq(s, "hello , world");
    ck_assert_uint_eq(len, strlen(s));
    clf_featurizer_free(f);
}
END_TEST

/* ---- the internal counting API ---------------------------------------------- */

static int cmp_count(const void *a, const void *b)
{
    const clf__count *x = a, *y = b;
    if (x->bucket != y->bucket)
        return x->bucket < y->bucket ? -1 : 1;
    return (x->count > y->count) - (x->count < y->count);
}

START_TEST(test_counts_sorted_unsorted)
{
    clf_featurizer *f = make(NULL);
    const clf__count *c;
    size_t nu, ns;
    int trunc = -1;
    ck_assert_int_eq(clf__featurize_counts(f, TWEET, strlen(TWEET), 0, &c, &nu, &trunc), CLF_OK);
    ck_assert_int_eq(trunc, 0);
    clf__count *u = malloc(nu * sizeof *u);
    memcpy(u, c, nu * sizeof *u);
    ck_assert_int_eq(clf__featurize_counts(f, TWEET, strlen(TWEET), 1, &c, &ns, NULL), CLF_OK);
    ck_assert_uint_eq(nu, ns);
    for (size_t i = 1; i < ns; i++)
        ck_assert_uint_lt(c[i - 1].bucket, c[i].bucket);
    qsort(u, nu, sizeof *u, cmp_count);
    ck_assert(memcmp(u, c, nu * sizeof *u) == 0);
    free(u);
    clf_featurizer_free(f);
}
END_TEST

START_TEST(test_counts_normalized_input)
{
    /* already-normalized strings go straight to extraction */
    clf_feature_options o = only(2, 0, 0, 0, 0);
    clf_featurizer *f = make(&o);
    const clf__count *c;
    size_t n;
    ck_assert_int_eq(clf__featurize_normalized(f, "a b a", 5, 1, &c, &n), CLF_OK);
    ck_assert_uint_eq(n, 4); /* a b "a b" "b a" */
    uint32_t total = 0, max = 0;
    for (size_t i = 0; i < n; i++) {
        total += c[i].count;
        if (c[i].count > max)
            max = c[i].count;
    }
    ck_assert_uint_eq(total, 5);
    ck_assert_uint_eq(max, 2);
    size_t len;
    ck_assert_str_eq(clf__featurizer_normalized(f, &len), "a b a");
    ck_assert_int_eq(clf__featurize_normalized(f, "", 0, 0, &c, &n), CLF_OK);
    ck_assert_uint_eq(n, 0);
    clf_featurizer_free(f);
}
END_TEST

/*
 * Counting (the fast paths: straight-line char n-grams, hashes chained
 * while tokenizing, the branch-free bigram) gives the distinct buckets in
 * the order in which clf_featurize_text() (the plain loops) first meets
 * them, with the same counts; the scorer sums in that order, so a change
 * of order would change the last bits of a score.
 */
START_TEST(test_counts_order_is_first_appearance)
{
    static const char *docs[] = {
        "و في من الى على قال ان هذا", /* tokens of one and two letters */
        "قاتلوا الذين لا يؤمنون بالله #دولة_الخلافة 😂 http://x.com @someone 123, hello!",
        "ا ب ت ، ث ج . ح خ د ذ ر ز س ش ص ض ط ظ ع غ ف ق ك ل م ن ه و ي",
        "الاستخباراتيه والمستشفيات!!! ؟؟ لا لا لا 😂😂 #a_b x y",
        "a", "ab", "abc ,", ", abc", "",
    };
    for (unsigned rev = 1; rev <= 2; rev++) {
        clf_feature_options o = CLF_FEATURE_OPTIONS_INIT;
        o.feature_revision = rev;
        clf_featurizer *f = make(&o), *g = make(&o);
        for (size_t d = 0; d < sizeof docs / sizeof *docs; d++) {
            size_t nt, nc;
            const clf_feature_text *ft = texts(f, docs[d], &nt);
            const clf__count *c;
            ck_assert_int_eq(clf__featurize_counts(g, docs[d], strlen(docs[d]), 0, &c, &nc, NULL),
                             CLF_OK);
            /* the distinct buckets of the texts, in order, with their counts */
            size_t j = 0;
            for (size_t i = 0; i < nt; i++) {
                size_t k = 0;
                while (k < i && ft[k].index != ft[i].index)
                    k++;
                if (k < i)
                    continue; /* this bucket came earlier */
                uint32_t count = 0;
                for (size_t q = 0; q < nt; q++)
                    count += ft[q].index == ft[i].index ? ft[q].count : 0;
                ck_assert_msg(j < nc, "rev %u, doc %zu: fewer buckets counted", rev, d);
                ck_assert_msg(c[j].bucket == ft[i].index && c[j].count == count,
                              "rev %u, doc %zu, bucket %zu: %u x%u, want %u x%u (%s)", rev, d, j,
                              c[j].bucket, c[j].count, ft[i].index, count, ft[i].text);
                j++;
            }
            ck_assert_uint_eq(j, nc);
        }
        clf_featurizer_free(f);
        clf_featurizer_free(g);
    }
}
END_TEST

START_TEST(test_long_document)
{
    /* far more features than the first table holds: it must grow, and
     * every occurrence must be counted exactly once */
    clf_feature_options o = only(2, 1, 3, CLF_CHAR_ACROSS, 0);
    o.hash_bits = 24;
    clf_featurizer *f = make(&o);
    size_t len = 1200000; /* over 1 MB: the next document trims the scratch */
    char *s = malloc(len + 1);
    unsigned x = 12345;
    size_t i = 0;
    while (i < len) {
        size_t wl = 2 + (x >> 16) % 7;
        for (size_t k = 0; k < wl && i < len; k++) {
            x = x * 1103515245u + 12345u;
            s[i++] = (char)('a' + (x >> 16) % 26);
        }
        if (i < len - 1)
            s[i++] = ' ';
        else
            break;
    }
    len = i;
    while (len && s[len - 1] == ' ')
        len--;
    s[len] = '\0';
    const clf__count *c;
    size_t n;
    ck_assert_int_eq(clf__featurize_normalized(f, s, len, 0, &c, &n), CLF_OK);
    uint64_t total = 0;
    for (size_t j = 0; j < n; j++)
        total += c[j].count;
    /* every token a unigram; a bigram per adjacent pair; char n-grams of
     * 1..3 code points over the text */
    size_t tokens = 1;
    for (size_t j = 0; j < len; j++)
        tokens += s[j] == ' ';
    uint64_t want = tokens + (tokens - 1) + len + (len - 1) + (len - 2);
    ck_assert_uint_eq(total, want);
    ck_assert_uint_gt(n, 100000);
    /* sorted as well */
    ck_assert_int_eq(clf__featurize_normalized(f, s, len, 1, &c, &n), CLF_OK);
    for (size_t j = 1; j < n; j++)
        ck_assert_uint_lt(c[j - 1].bucket, c[j].bucket);
    /* and a short document afterwards is unaffected by the big table */
    ck_assert_int_eq(clf__featurize_normalized(f, "a b a", 5, 0, &c, &n), CLF_OK);
    total = 0;
    for (size_t j = 0; j < n; j++)
        total += c[j].count;
    ck_assert_uint_eq(total, 3 + 2 + 5 + 4 + 3);
    free(s);
    clf_featurizer_free(f);
}
END_TEST

START_TEST(test_stem_cache_equivalence)
{
    /* the same words through a cold and a warm cache, and through the
     * uncached clf_featurize_text path, give the same stem buckets */
    clf_feature_options o = only(0, 0, 0, 0, 1);
    clf_featurizer *cold = make(&o), *warm = make(&o);
    static const char *docs[] = {
        "المشركين الخلافة والشام سيارة مفخخة",
        "وجدتموهم المشركين الكتاب والكتاب بالكتاب",
        "المشركين الخلافة والشام سيارة مفخخة وجدتموهم",
    };
    for (int rep = 0; rep < 3; rep++)
        for (size_t d = 0; d < 3; d++) {
            size_t n;
            const clf_feature *v = vec_of(warm, docs[d], NULL, &n);
            (void)v;
        }
    for (size_t d = 0; d < 3; d++) {
        size_t nc, nw, nt;
        clf_feature *vc = dup_vec(vec_of(cold, docs[d], NULL, &nc), &nc);
        const clf_feature *vw = vec_of(warm, docs[d], NULL, &nw);
        ck_assert(same_vec(vc, nc, vw, nw));
        const clf_feature_text *ft = texts(warm, docs[d], &nt);
        for (size_t i = 0; i < nt; i++) {
            size_t j = 0;
            while (j < nc && vc[j].index != ft[i].index)
                j++;
            ck_assert_msg(j < nc, "stem %s missing from the vector", ft[i].text);
        }
        free(vc);
    }
    clf_featurizer_free(cold);
    clf_featurizer_free(warm);
}
END_TEST

START_TEST(test_stem_cache_churn)
{
    /* tens of thousands of distinct words: cache hits, misses and
     * evictions must all give the stems the uncached path gives */
    clf_feature_options o = only(0, 0, 0, 0, 1);
    clf_featurizer *f = make(&o);
    static const char *letters[] = { "ا", "ل", "م", "ك", "ت", "ب", "و", "ن" };
    unsigned x = 7;
    char *doc = malloc(200 * 7 * 2 + 200);
    for (int d = 0; d < 200; d++) {
        size_t len = 0;
        for (int w = 0; w < 200; w++) {
            x = x * 1103515245u + 12345u;
            int wl = 2 + (int)((x >> 16) % 6);
            for (int k = 0; k < wl; k++) {
                x = x * 1103515245u + 12345u;
                const char *l = letters[(x >> 16) % 8];
                memcpy(doc + len, l, 2);
                len += 2;
            }
            doc[len++] = ' ';
        }
        doc[--len] = '\0';
        /* counts through the cache */
        const clf__count *c;
        size_t n;
        ck_assert_int_eq(clf__featurize_counts(f, doc, len, 1, &c, &n, NULL), CLF_OK);
        clf__count *cc = malloc((n + 1) * sizeof *cc);
        memcpy(cc, c, n * sizeof *cc);
        size_t nc = n;
        /* texts without it: every stem's bucket and count must match */
        const clf_feature_text *ft;
        ck_assert_int_eq(clf_featurize_text(f, doc, len, NULL, &ft, &n), CLF_OK);
        uint64_t tc = 0, cs = 0;
        for (size_t i = 0; i < n; i++) {
            size_t j = 0;
            while (j < nc && cc[j].bucket != ft[i].index)
                j++;
            ck_assert_msg(j < nc, "doc %d: stem %s not counted", d, ft[i].text);
            tc += ft[i].count;
        }
        for (size_t j = 0; j < nc; j++)
            cs += cc[j].count;
        ck_assert_uint_eq(tc, cs);
        ck_assert_uint_eq(cs, 200);
        free(cc);
    }
    free(doc);
    clf_featurizer_free(f);
}
END_TEST

#ifdef CLF_CORPUS_ONLY /* built as test_corpus_* (label corpus) */
START_TEST(test_corpus_sample)
{
    /* invariants on real texts: sorted unique indices, unit norm */
    const char *dir = clf_test_corpora_dir();
    if (!dir)
        return;
    char path[4096];
    snprintf(path, sizeof path, "%s/mlma-ar/train.tsv", dir);
    size_t len;
    char *data = clf_test_read_file(path, &len);
    if (!data)
        return;
    clf_featurizer *f = make(NULL);
    size_t docs = 0;
    char *line = strchr(data, '\n');
    while (line && docs < 500) {
        char *start = line + 1;
        line = strchr(start, '\n');
        size_t ll = line ? (size_t)(line - start) : strlen(start);
        char *tab = memchr(start, '\t', ll);
        tab = tab ? memchr(tab + 1, '\t', ll - (size_t)(tab + 1 - start)) : NULL;
        if (!tab)
            continue;
        const char *text = tab + 1;
        size_t tl = ll - (size_t)(text - start);
        const clf_feature *v;
        size_t n;
        ck_assert_int_eq(clf_featurize(f, text, tl, NULL, &v, &n), CLF_OK);
        check_sorted_unique(v, n, 20);
        if (n)
            ck_assert_double_eq_tol(norm2(v, n), 1.0, 1e-5);
        docs++;
    }
    ck_assert_uint_gt(docs, 100);
    clf_featurizer_free(f);
    free(data);
}
END_TEST
#endif

/*
 * The scorer takes the Arabic word count (short-text shrinkage, abstention)
 * from the featurizer's tokenizer, and so does training; both must give the
 * count the model format defines (ref_arabic_words below) on every text:
 * letters inside and outside U+0600..U+06FF, digits, tatweel and marks,
 * mixed tokens, hashtags and their parts, placeholders, other scripts.
 */
/* The word count as the model format defines it, written out plainly: the
 * space-separated tokens of the normalized text that hold an Arabic letter,
 * each one word, or with by_letters 1 + (L - 1) / per_word words for L
 * letters. The reference the tokenizer's count is checked against. */
static size_t ref_arabic_words(const char *text, size_t len, int by_letters, size_t per_word)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t n = 0, letters = 0, i = 0;
    for (;;) {
        if (i == len || s[i] == ' ') {
            if (letters)
                n += by_letters ? 1 + (letters - 1) / per_word : 1;
            letters = 0;
            if (i == len)
                return n;
            i++;
            continue;
        }
        uint32_t cp;
        int k = clf__utf8_decode(s + i, len - i, &cp);
        ck_assert_int_gt(k, 0); /* normalized text is valid UTF-8 */
        letters += cp >= 0x80 && clf__is_arabic_letter(cp);
        i += (size_t)k;
    }
}

static size_t words_both_ways(clf_featurizer *f, const char *text, size_t len, int by_letters)
{
    const clf__count *c;
    size_t n, nlen;
    ck_assert_int_eq(clf__featurize_counts(f, text, len, 0, &c, &n, NULL), CLF_OK);
    const char *norm = clf__featurizer_normalized(f, &nlen);
    size_t want = ref_arabic_words(norm, nlen, by_letters, CLF__EVIDENCE_WORD_LETTERS);
    size_t got = clf__featurizer_arabic_words(f, by_letters);
    ck_assert_msg(got == want, "\"%.*s\" (normalized \"%.*s\", by_letters %d): tokenizer %zu, "
                  "reference %zu", (int)len, text, (int)nlen, norm, by_letters, got,
                  want);
    return got;
}

START_TEST(test_arabic_word_count)
{
    static const struct {
        const char *text;
        size_t words, by_letters; /* tokens; format 6 (a hashtag of 11 letters is 2) */
    } cases[] = {
        {"", 0, 0},
        {"hello world 123", 0, 0},
        {"\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7 \xd8\xa8\xd9\x83\xd9\x85", 2, 2}, /* two words */
        {"abc\xd8\xaf xyz", 1, 1},                          /* a Latin-Arabic token */
        {"\xd9\x80\xd9\x80\xd9\x80 \xd9\xa1\xd9\xa2\xd9\xa3", 0, 0}, /* tatweel; Arabic-Indic digits */
        {"\xd9\x8e\xd9\x8f \xd8\x8c \xd8\x9f", 0, 0},       /* harakat, comma, question mark */
        {"\xda\xa9\xd8\xaa\xd8\xa7\xd8\xa8", 1, 1},         /* Persian keheh */
        {"\xdd\x90\xdd\x91", 1, 1},                         /* U+0750 U+0751 (Arabic Supplement) */
        {"\xef\xbb\xbb \xef\xba\x8d", 2, 2},                /* presentation forms */
        {"\xd9\xb1\xd9\x84\xd9\x84\xd9\x87", 1, 1},         /* alef wasla */
        {"#\xd8\xa7\xd9\x84\xd8\xac\xd9\x87\xd8\xa7\xd8\xaf_\xd8\xa7\xd9\x84\xd9\x8a\xd9\x88\xd9\x85", 3, 4},
        {"http://example.com/\xd8\xa7 @user_\xd8\xaf <url>", 1, 1}, /* "<url> <user> D <url>" */
        {"\xf0\x9f\x98\x80 \xf0\x9f\x98\x80\xd8\xaf \xe4\xb8\xad\xe6\x96\x87", 1, 1}, /* emoji, CJK */
        {"\xd8\xaf.\xd8\xaf,x \xd8\xaf!", 3, 3},            /* punctuation split off: "D . D , x D !" */
    };
    clf_featurizer *f = make(NULL);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        size_t got = words_both_ways(f, cases[i].text, strlen(cases[i].text), 0);
        ck_assert_msg(got == cases[i].words, "case %zu: %zu words, want %zu", i, got,
                      cases[i].words);
        ck_assert_uint_eq(words_both_ways(f, cases[i].text, strlen(cases[i].text), 1),
                          cases[i].by_letters);
    }
    /* more words than the shrinkage's cap: counted in full */
    char buf[70 * 7 + 1];
    size_t len = 0;
    for (int i = 0; i < 70; i++) {
        memcpy(buf + len, "\xd9\x83\xd8\xaa\xd8\xa8 ", 7);
        len += 7;
    }
    ck_assert_uint_eq(words_both_ways(f, buf, len, 0), 70);
    ck_assert_uint_eq(words_both_ways(f, buf, len, 1), 70);
    /* format 6: a token of L Arabic letters is 1 + (L - 1) / 10 words, so
     * that a slogan written without spaces, or spaced out letter by letter
     * (normalization rejoins it into one token), is not one word */
    static const struct {
        size_t letters, words;
    } lw[] = {{1, 1}, {10, 1}, {11, 2}, {20, 2}, {21, 3}, {22, 3}, {64, 7}};
    for (size_t i = 0; i < sizeof lw / sizeof *lw; i++) {
        len = 0;
        for (size_t j = 0; j < lw[i].letters; j++) { /* alternating so nothing collapses */
            memcpy(buf + len, j % 2 ? "\xd8\xa8" : "\xd9\x83", 2);
            len += 2;
        }
        memcpy(buf + len, " x", 2); /* and a token without Arabic */
        len += 2;
        ck_assert_uint_eq(words_both_ways(f, buf, len, 0), 1);
        ck_assert_msg(words_both_ways(f, buf, len, 1) == lw[i].words, "%zu letters: want %zu",
                      lw[i].letters, lw[i].words);
    }
    /* letters spaced out: rejoined into one token of 11 letters, 2 words */
    const char *spaced = "\xd8\xa8 \xd8\xa7 \xd9\x82 \xd9\x8a \xd8\xa9 \xd9\x88 "
                         "\xd8\xaa \xd8\xaa \xd9\x85 \xd8\xaf \xd8\xaf";
    ck_assert_uint_eq(words_both_ways(f, spaced, strlen(spaced), 0), 1);
    ck_assert_uint_eq(words_both_ways(f, spaced, strlen(spaced), 1), 2);
    clf_featurizer_free(f);
}
END_TEST

/*
 * A word stem_arabic.c gives back (more than 128 code points) is stemmed by
 * libstemmer, which the featurizer opens only then (stem_libstemmer.c):
 * the stem feature is libstemmer's stem of the normalized word.
 */
START_TEST(test_stem_libstemmer_fallback)
{
    char word[3 * 2 * 44 + 1];
    size_t len = 0;
    for (int i = 0; i < 44; i++) { /* "كتب" x 44: 132 letters */
        memcpy(word + len, "\xd9\x83\xd8\xaa\xd8\xa8", 6);
        len += 6;
    }
    word[len] = '\0';
    char sbuf[800];
    size_t sn;
    ck_assert_int_eq(clf__stem_arabic(word, len, sbuf, sizeof sbuf, &sn), -1);
    clf_feature_options o = only(0, 0, 0, 0, 1);
    clf_featurizer *f = make(&o);
    size_t n;
    const clf_feature_text *ft = texts(f, word, &n);
    size_t nlen;
    const char *norm = clf__featurizer_normalized(f, &nlen);
    ck_assert_uint_eq(nlen, len); /* nothing to normalize in it */
    struct sb_stemmer *st = clf__libstemmer_new();
    ck_assert_msg(st != NULL, "%s", clf_last_error());
    int rl;
    const sb_symbol *r = clf__libstemmer_stem(st, (const sb_symbol *)norm, (int)nlen, &rl);
    ck_assert_ptr_nonnull(r);
    ck_assert_int_gt(rl, 0);
    char *want = strndup((const char *)r, (size_t)rl);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(ft[0].family, CLF_FAMILY_STEM);
    ck_assert_str_eq(ft[0].text, want);
    free(want);
    clf__libstemmer_delete(st);
    clf_featurizer_free(f);
}
END_TEST

static Suite *features_suite(void)
{
    Suite *s = suite_create("features");
    TCase *tc = tcase_create("options");
    tcase_add_test(tc, test_defaults);
    tcase_add_test(tc, test_stem_libstemmer_fallback);
    tcase_add_test(tc, test_invalid_options);
    tcase_add_test(tc, test_family_names);
    tcase_add_test(tc, test_null_args);
    suite_add_tcase(s, tc);

    tc = tcase_create("families");
    tcase_add_test(tc, test_word_ngrams);
    tcase_add_test(tc, test_punctuation_breaks_ngrams);
    tcase_add_test(tc, test_char_within);
    tcase_add_test(tc, test_char_within_token_kinds);
    tcase_add_test(tc, test_char_across);
    tcase_add_test(tc, test_char_both);
    tcase_add_test(tc, test_stems);
    tcase_add_test(tc, test_families_on_off);
    suite_add_tcase(s, tc);

    tc = tcase_create("hashing");
    tcase_add_test(tc, test_hash_rule);
    tcase_add_test(tc, test_hash_rule_rev2);
    tcase_add_test(tc, test_revisions_same_features);
    tcase_add_test(tc, test_hash_bits_and_seed);
    suite_add_tcase(s, tc);

    tc = tcase_create("distribution");
    tcase_set_timeout(tc, 120); /* ~1 s of hashing, on a shared machine */
    tcase_add_loop_test(tc, test_hash_distribution, 1, 3);
    suite_add_tcase(s, tc);

    tc = tcase_create("weighting");
    tcase_add_test(tc, test_l2_and_sorted);
    tcase_add_test(tc, test_tf_weights);
    tcase_add_test(tc, test_idf);
    tcase_add_test(tc, test_text_values_match_vector);
    tcase_add_test(tc, test_model_revision);
    suite_add_tcase(s, tc);

    tc = tcase_create("inputs");
    tcase_add_test(tc, test_empty_and_invalid);
    tcase_add_test(tc, test_evasion_variants);
    tcase_add_test(tc, test_normalized_text);
    suite_add_tcase(s, tc);

    tc = tcase_create("counts");
    tcase_add_test(tc, test_counts_sorted_unsorted);
    tcase_add_test(tc, test_counts_normalized_input);
    tcase_add_test(tc, test_counts_order_is_first_appearance);
    tcase_add_test(tc, test_long_document);
    tcase_add_test(tc, test_stem_cache_equivalence);
    tcase_add_test(tc, test_stem_cache_churn);
    tcase_add_test(tc, test_arabic_word_count);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
#ifdef CLF_CORPUS_ONLY
    /* test_corpus_features: the corpus-level check, labelled corpus */
    clf_test_corpora_or_skip();
    (void)features_suite;
    Suite *s = suite_create("features-corpus");
    TCase *tc = tcase_create("corpus");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_corpus_sample);
    suite_add_tcase(s, tc);
    return clf_test_run(s);
#else
    return clf_test_run(features_suite());
#endif
}
