/*
 * test_offsets.c - the normalizer's offset map (clf_normalizer_set_offsets,
 * clf_normalizer_tokens): for every evasion kind the token that the
 * obfuscated word becomes points at exactly the bytes the word occupies in
 * the input; the map does not change the output; kinds are right.
 *
 * The sentences are written for these tests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "testutil.h"

static clf_normalizer *mk(void)
{
    clf_normalizer *n = NULL;
    ck_assert_int_eq(clf_normalizer_new(&n, NULL), CLF_OK);
    ck_assert_int_eq(clf_normalizer_set_offsets(n, 1), CLF_OK);
    return n;
}

/*
 * Normalize in; the token whose normalized text is want_norm must be
 * unique, of kind `kind`, and cover exactly the bytes of want_src, which
 * must occur once in the input.
 */
static void expect_span(const char *in, const char *want_norm, const char *want_src,
                        unsigned int kind)
{
    clf_normalizer *n = mk();
    const char *out;
    size_t olen, nt;
    ck_assert_int_eq(clf_normalize(n, in, strlen(in), &out, &olen, NULL), CLF_OK);
    const clf_norm_token *t = clf_normalizer_tokens(n, &nt);
    ck_assert_ptr_nonnull(t);
    const char *src = strstr(in, want_src);
    ck_assert_msg(src && !strstr(src + 1, want_src), "test bug: '%s' not once in input", want_src);
    size_t hits = 0;
    for (size_t i = 0; i < nt; i++) {
        if (t[i].norm_len != strlen(want_norm) || memcmp(out + t[i].norm_offset, want_norm, t[i].norm_len))
            continue;
        hits++;
        ck_assert_msg(t[i].offset == (size_t)(src - in) && t[i].len == strlen(want_src),
                      "'%s' in \"%s\": span [%zu,+%zu) = \"%.*s\", want [%zu,+%zu)", want_norm, in,
                      t[i].offset, t[i].len, (int)t[i].len, in + t[i].offset,
                      (size_t)(src - in), strlen(want_src));
        ck_assert_msg(t[i].kind == kind, "'%s': kind %s, want %s", want_norm,
                      clf_token_kind_name(t[i].kind), clf_token_kind_name(kind));
    }
    ck_assert_msg(hits == 1, "'%s' found %zu times in \"%s\"", want_norm, hits, out);
    clf_normalizer_free(n);
}

#define W CLF_TOKEN_WORD

START_TEST(test_plain_words)
{
    expect_span("قال الجهاد حق", "الجهاد", "الجهاد", W);
    expect_span("قال الجهاد حق", "قال", "قال", W);
    expect_span("  قال   الجهاد\tحق\n", "حق", "حق", W);
    expect_span("Hello WORLD", "world", "WORLD", W);
}
END_TEST

START_TEST(test_tatweel)
{
    expect_span("نحن جـــهـــاد الآن", "جهاد", "جـــهـــاد", W);
    /* trailing tatweel is part of the word as written */
    expect_span("نحن جهاد\xd9\x80\xd9\x80 الآن", "جهاد", "جهاد\xd9\x80\xd9\x80", W);
}
END_TEST

START_TEST(test_diacritics_and_letters)
{
    expect_span("هذا جِهَادٌ كبير", "جهاد", "جِهَادٌ", W);
    expect_span("قالوا إرهابي", "ارهابي", "إرهابي", W);
    /* madda as a combining mark: the ICU path composes it */
    expect_span("x \xd8\xa7\xd9\x93\xd9\x85\xd9\x86 y", "امن", "\xd8\xa7\xd9\x93\xd9\x85\xd9\x86", W);
}
END_TEST

START_TEST(test_spaced_letters)
{
    expect_span("هذا ج ه ا د اليوم", "جهاد", "ج ه ا د", W);
    expect_span("هذا ج.ه.ا.د اليوم", "جهاد", "ج.ه.ا.د", W);
    expect_span("هذا ج - ه - ا - د اليوم", "جهاد", "ج - ه - ا - د", W);
}
END_TEST

START_TEST(test_invisible)
{
    /* ZWSP, ZWNJ, ZWJ and a bidi mark inside the word */
    expect_span("قال ج\xe2\x80\x8bه\xe2\x80\x8cا\xe2\x80\x8dد\xe2\x80\x8fي حق", "جهادي",
                "ج\xe2\x80\x8bه\xe2\x80\x8cا\xe2\x80\x8dد\xe2\x80\x8fي", W);
}
END_TEST

START_TEST(test_elongation)
{
    expect_span("يا جهااااااد يا", "جهاد", "جهااااااد", W);
    expect_span("yes soooo bad", "so", "soooo", W);
}
END_TEST

START_TEST(test_presentation_forms)
{
    /* ﺟﻬﺎﺩ (isolated/initial/medial/final forms) and the lam-alef ligature */
    expect_span("قال \xef\xba\x9f\xef\xbb\xac\xef\xba\x8e\xef\xba\xa9 حق", "جهاد",
                "\xef\xba\x9f\xef\xbb\xac\xef\xba\x8e\xef\xba\xa9", W);
    expect_span("قال \xef\xbb\xbb\xd8\xa8\xd8\xaf حق", "لابد", "\xef\xbb\xbb\xd8\xa8\xd8\xaf", W);
}
END_TEST

START_TEST(test_lookalikes_digits)
{
    expect_span("قال کافر حق", "كافر", "کافر", W);
    expect_span("عام ٢٠٢٤ م", "2024", "٢٠٢٤", W);
}
END_TEST

START_TEST(test_placeholders_hashtags)
{
    expect_span("شاهد https://example.com/a?b=1 الآن", "<url>", "https://example.com/a?b=1",
                CLF_TOKEN_PLACEHOLDER);
    expect_span("مرحبا @someone هنا", "<user>", "@someone", CLF_TOKEN_PLACEHOLDER);
    expect_span("اكتب a.b@example.org لنا", "<email>", "a.b@example.org", CLF_TOKEN_PLACEHOLDER);
    expect_span("ادعم #نصر_العرب اليوم", "#نصر_العرب", "#نصر_العرب", CLF_TOKEN_HASHTAG);
    expect_span("ادعم #نصر_العرب اليوم", "نصر", "نصر", W);
    expect_span("ادعم #نصر_العرب اليوم", "العرب", "العرب", W);
}
END_TEST

START_TEST(test_punctuation_emoji)
{
    expect_span("قال، ثم ذهب", "،", "،", CLF_TOKEN_PUNCT);
    expect_span("قال، ثم ذهب", "قال", "قال", W);
    expect_span("رائع \xf0\x9f\x94\xa5!", "\xf0\x9f\x94\xa5", "\xf0\x9f\x94\xa5", CLF_TOKEN_EMOJI);
    expect_span("رائع \xf0\x9f\x94\xa5!", "!", "!", CLF_TOKEN_PUNCT);
}
END_TEST

/* The map is a side output: the normalized text is the same with it, and
 * the tokens tile the output in order. */
START_TEST(test_map_does_not_change_output)
{
    static const char *const texts[] = {
        "",
        "   ",
        "قال الجهاد حق",
        "هذا ج ه ا د و ج.ه.ا.د #نصر_الله_أكبر https://t.co/x @u a@b.com ﻻ ٢٠٢٤ 😀👍🏽 ،؟",
        "جـــهـــاد\xe2\x80\x8b ااااا soooo URL link <url> <lf> 79.5 1,000 🇸🇦",
        "x \xd8\xa7\xd9\x93 \xd9\x84\xd9\x8e\xd9\x8e\xd9\x8e\xd9\x8e y",
    };
    clf_normalizer *plain = NULL;
    ck_assert_int_eq(clf_normalizer_new(&plain, NULL), CLF_OK);
    clf_normalizer *n = mk();
    for (size_t k = 0; k < sizeof texts / sizeof texts[0]; k++) {
        const char *a, *b;
        size_t al, bl, nt;
        ck_assert_int_eq(clf_normalize(plain, texts[k], strlen(texts[k]), &a, &al, NULL), CLF_OK);
        ck_assert_int_eq(clf_normalize(n, texts[k], strlen(texts[k]), &b, &bl, NULL), CLF_OK);
        ck_assert_str_eq(a, b);
        const clf_norm_token *t = clf_normalizer_tokens(n, &nt);
        size_t pos = 0;
        for (size_t i = 0; i < nt; i++) {
            ck_assert_uint_eq(t[i].norm_offset, pos);
            ck_assert_uint_gt(t[i].norm_len, 0);
            pos += t[i].norm_len;
            ck_assert(pos == bl || b[pos] == ' ');
            pos++;
            ck_assert_uint_le(t[i].offset + t[i].len, strlen(texts[k]));
            ck_assert_uint_gt(t[i].len, 0);
            if (i)
                ck_assert_uint_ge(t[i].offset, t[i - 1].offset);
        }
        ck_assert_uint_eq(nt ? pos - 1 : 0, bl);
    }
    /* off again: no tokens */
    size_t nt = 1;
    ck_assert_int_eq(clf_normalizer_set_offsets(n, 0), CLF_OK);
    const char *o;
    ck_assert_int_eq(clf_normalize(n, "a b", 3, &o, NULL, NULL), CLF_OK);
    ck_assert_ptr_null(clf_normalizer_tokens(n, &nt));
    ck_assert_uint_eq(nt, 0);
    ck_assert_int_eq(clf_normalizer_set_offsets(NULL, 1), CLF_E_INVALID_ARG);
    ck_assert_str_eq(clf_token_kind_name(99), "unknown");
    clf_normalizer_free(n);
    clf_normalizer_free(plain);
}
END_TEST

/* Texts over one block (4 MiB) are normalized in blocks: offsets stay absolute. */
START_TEST(test_offsets_across_blocks)
{
    size_t unit = strlen("كلمة "), reps = (5u << 20) / unit;
    size_t len = reps * unit + strlen("جـــهـــاد");
    char *s = malloc(len + 1);
    ck_assert_ptr_nonnull(s);
    for (size_t i = 0; i < reps; i++)
        memcpy(s + i * unit, "كلمة ", unit);
    strcpy(s + reps * unit, "جـــهـــاد");
    clf_norm_options o;
    clf_norm_options_init(&o);
    o.max_bytes = 0;
    clf_normalizer *n = NULL;
    ck_assert_int_eq(clf_normalizer_new(&n, &o), CLF_OK);
    clf_normalizer_set_offsets(n, 1);
    const char *out;
    size_t olen, nt;
    ck_assert_int_eq(clf_normalize(n, s, len, &out, &olen, NULL), CLF_OK);
    const clf_norm_token *t = clf_normalizer_tokens(n, &nt);
    ck_assert_uint_eq(nt, reps + 1);
    ck_assert_uint_eq(t[nt - 1].offset, reps * unit);
    ck_assert_uint_eq(t[nt - 1].len, strlen("جـــهـــاد"));
    ck_assert_uint_eq(t[reps / 2].offset, (reps / 2) * unit);
    clf_normalizer_free(n);
    free(s);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("offsets");
    TCase *tc = tcase_create("evasions");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_plain_words);
    tcase_add_test(tc, test_tatweel);
    tcase_add_test(tc, test_diacritics_and_letters);
    tcase_add_test(tc, test_spaced_letters);
    tcase_add_test(tc, test_invisible);
    tcase_add_test(tc, test_elongation);
    tcase_add_test(tc, test_presentation_forms);
    tcase_add_test(tc, test_lookalikes_digits);
    tcase_add_test(tc, test_placeholders_hashtags);
    tcase_add_test(tc, test_punctuation_emoji);
    tcase_add_test(tc, test_map_does_not_change_output);
    tcase_add_test(tc, test_offsets_across_blocks);
    suite_add_tcase(s, tc);
    return clf_test_run(s);
}
