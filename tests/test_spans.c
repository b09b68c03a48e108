/*
 * test_spans.c - clf_score_spans(): where texts are cut, that offsets are
 * bytes of the original text (not of its normalized form), that each span
 * scores exactly like the same bytes passed to clf_score(), and bad input.
 * Uses the shipped model (any model would do: the checks are relative).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "testutil.h"

static clf_model *model;
static clf_scorer *scorer;

static void setup(void)
{
    ck_assert_int_eq(clf_model_load(&model, clf_test_source_path("models/arabic-default.clf")),
                     CLF_OK);
    ck_assert_int_eq(clf_scorer_new(&scorer, model), CLF_OK);
}

static void teardown(void)
{
    clf_scorer_free(scorer);
    clf_model_free(model);
}

/* The spans of text must be exactly the expected substrings, in order. */
static clf_spans *check_cut(const char *text, int unit, const char *const *want, size_t nwant)
{
    clf_span_options o = CLF_SPAN_OPTIONS_INIT;
    o.unit = unit;
    clf_spans *sp = NULL;
    ck_assert_int_eq(clf_score_spans(&sp, scorer, text, strlen(text), &o), CLF_OK);
    ck_assert_ptr_nonnull(sp);
    ck_assert_uint_eq(clf_spans_count(sp), nwant);
    for (size_t i = 0; i < nwant; i++) {
        const clf_span *s = clf_spans_get(sp, i);
        ck_assert_ptr_nonnull(s);
        ck_assert_uint_le(s->begin, s->end);
        ck_assert_uint_le(s->end, strlen(text));
        ck_assert_msg(s->end - s->begin == strlen(want[i]) &&
                          !memcmp(text + s->begin, want[i], strlen(want[i])),
                      "span %zu is '%.*s', expected '%s'", i, (int)(s->end - s->begin),
                      text + s->begin, want[i]);
    }
    ck_assert_ptr_null(clf_spans_get(sp, nwant));
    return sp;
}

START_TEST(sentences_are_cut_at_terminators_and_lines)
{
    const char *text = "  هذا خبر. هل هو صحيح؟ نعم!\nسطر جديد بلا نقطة\r\n\"قال: انتهى.\" ثم 3.5 كيلو...   ";
    const char *want[] = {"هذا خبر.", "هل هو صحيح؟", "نعم!", "سطر جديد بلا نقطة",
                          "\"قال: انتهى.\"", "ثم 3.5 كيلو..."};
    clf_spans_free(check_cut(text, CLF_SPAN_SENTENCES, want, 6));
}
END_TEST

START_TEST(paragraphs_are_cut_at_blank_lines)
{
    const char *text = "فقرة أولى. جملة ثانية.\nنفس الفقرة\n \t\nفقرة ثانية\n\n\n\nثالثة";
    const char *want[] = {"فقرة أولى. جملة ثانية.\nنفس الفقرة", "فقرة ثانية", "ثالثة"};
    clf_spans_free(check_cut(text, CLF_SPAN_PARAGRAPHS, want, 3));
}
END_TEST

START_TEST(offsets_are_in_the_original_text)
{
    /* tatweel, diacritics and a zero-width joiner change the normalized
     * text's length but not the offsets, which index the input bytes */
    const char *text = "الـــخـــلافـــة قادمة. \xe2\x80\x8d" "كِتَابٌ جديدٌ في المكتبة.";
    const char *want[] = {"الـــخـــلافـــة قادمة.", "\xe2\x80\x8d" "كِتَابٌ جديدٌ في المكتبة."};
    clf_spans *sp = check_cut(text, CLF_SPAN_SENTENCES, want, 2);
    clf_spans_free(sp);
}
END_TEST

START_TEST(each_span_scores_like_its_bytes)
{
    const char *text = "الخلافة باقية وتتمدد. كتاب جديد في المكتبة.\nيا حمار يا غبي";
    clf_spans *sp = NULL;
    ck_assert_int_eq(clf_score_spans(&sp, scorer, text, strlen(text), NULL), CLF_OK);
    size_t K = clf_model_num_categories(model);
    ck_assert_uint_eq(clf_spans_count(sp), 3);
    clf_score_result *res = calloc(K, sizeof *res);
    int differ = 0;
    for (size_t i = 0; i < clf_spans_count(sp); i++) {
        const clf_span *s = clf_spans_get(sp, i);
        int nf = clf_score(scorer, text + s->begin, s->end - s->begin, res, K, NULL);
        ck_assert_int_ge(nf, 0);
        ck_assert_int_eq(nf, s->nflagged);
        for (size_t k = 0; k < K; k++) {
            ck_assert_double_eq(res[k].probability, s->results[k].probability);
            ck_assert_int_eq(res[k].flagged, s->results[k].flagged);
        }
        if (i && s->results[0].probability != clf_spans_get(sp, 0)->results[0].probability)
            differ = 1;
    }
    ck_assert_msg(differ, "spans with different words scored the same: not scored per span");
    free(res);
    clf_spans_free(sp);
}
END_TEST

START_TEST(spans_without_arabic_abstain)
{
    const char *text = "hello there, 123. يا حمار يا غبي";
    clf_spans *sp = NULL;
    ck_assert_int_eq(clf_score_spans(&sp, scorer, text, strlen(text), NULL), CLF_OK);
    ck_assert_uint_eq(clf_spans_count(sp), 2);
    ck_assert_int_eq(clf_spans_get(sp, 0)->info.abstain, CLF_ABSTAIN_NO_ARABIC);
    ck_assert_int_eq(clf_spans_get(sp, 0)->nflagged, 0);
    ck_assert_int_eq(clf_spans_get(sp, 1)->info.abstain, CLF_ABSTAIN_NONE);
    ck_assert_uint_eq(clf_spans_get(sp, 1)->info.scored_bytes, strlen("يا حمار يا غبي"));
    clf_spans_free(sp);
}
END_TEST

START_TEST(blank_and_empty_texts_have_no_spans)
{
    clf_spans *sp = NULL;
    ck_assert_int_eq(clf_score_spans(&sp, scorer, "", 0, NULL), CLF_OK);
    ck_assert_uint_eq(clf_spans_count(sp), 0);
    ck_assert_ptr_null(clf_spans_get(sp, 0));
    clf_spans_free(sp);
    ck_assert_int_eq(clf_score_spans(&sp, scorer, NULL, 0, NULL), CLF_OK);
    ck_assert_uint_eq(clf_spans_count(sp), 0);
    clf_spans_free(sp);
    const char *blank = " \n\t\r\n\xc2\xa0 ";
    ck_assert_int_eq(clf_score_spans(&sp, scorer, blank, strlen(blank), NULL), CLF_OK);
    ck_assert_uint_eq(clf_spans_count(sp), 0);
    clf_spans_free(sp);
}
END_TEST

START_TEST(max_spans_bounds_the_count)
{
    const char *text = "أ. ب. ج. د. هـ.";
    clf_span_options o = CLF_SPAN_OPTIONS_INIT;
    o.max_spans = 2;
    clf_spans *sp = NULL;
    ck_assert_int_eq(clf_score_spans(&sp, scorer, text, strlen(text), &o), CLF_OK);
    ck_assert_uint_eq(clf_spans_count(sp), 2);
    const clf_span *last = clf_spans_get(sp, 1);
    ck_assert_uint_eq(last->begin, strlen("أ. "));
    ck_assert_uint_eq(last->end, strlen(text)); /* the rest of the text */
    clf_spans_free(sp);
}
END_TEST

START_TEST(bad_input_is_an_error)
{
    clf_spans *sp = (clf_spans *)&sp; /* must be reset to NULL on error */
    const char bad[] = "جملة صحيحة. \xff\xfe بعدها";
    ck_assert_int_eq(clf_score_spans(&sp, scorer, bad, sizeof bad - 1, NULL), CLF_E_UTF8);
    ck_assert_ptr_null(sp);
    char want[64];
    snprintf(want, sizeof want, "byte offset %zu", strlen("جملة صحيحة. "));
    ck_assert_ptr_nonnull(strstr(clf_last_error(), want));
    const char cutoff[] = "نص \xd8";
    ck_assert_int_eq(clf_score_spans(&sp, scorer, cutoff, sizeof cutoff - 1, NULL), CLF_E_UTF8);
    ck_assert_int_eq(clf_score_spans(NULL, scorer, "x", 1, NULL), CLF_E_INVALID_ARG);
    ck_assert_int_eq(clf_score_spans(&sp, NULL, "x", 1, NULL), CLF_E_INVALID_ARG);
    ck_assert_int_eq(clf_score_spans(&sp, scorer, NULL, 3, NULL), CLF_E_INVALID_ARG);
    clf_span_options o = CLF_SPAN_OPTIONS_INIT;
    o.version = 99;
    ck_assert_int_eq(clf_score_spans(&sp, scorer, "x", 1, &o), CLF_E_INVALID_ARG);
    o.version = CLF_SPAN_OPTIONS_VERSION;
    o.unit = 7;
    ck_assert_int_eq(clf_score_spans(&sp, scorer, "x", 1, &o), CLF_E_INVALID_ARG);
    ck_assert_ptr_null(sp);
    clf_spans_free(NULL);
    ck_assert_uint_eq(clf_spans_count(NULL), 0);
}
END_TEST

START_TEST(nul_bytes_stay_inside_a_span)
{
    const char text[] = "أول\0ثان. ثالث";
    clf_spans *sp = NULL;
    ck_assert_int_eq(clf_score_spans(&sp, scorer, text, sizeof text - 1, NULL), CLF_OK);
    ck_assert_uint_eq(clf_spans_count(sp), 2);
    ck_assert_uint_eq(clf_spans_get(sp, 0)->begin, 0);
    ck_assert_uint_eq(clf_spans_get(sp, 0)->end, strlen("أول") + 1 + strlen("ثان."));
    clf_spans_free(sp);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("spans");
    TCase *tc = tcase_create("spans");
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_add_test(tc, sentences_are_cut_at_terminators_and_lines);
    tcase_add_test(tc, paragraphs_are_cut_at_blank_lines);
    tcase_add_test(tc, offsets_are_in_the_original_text);
    tcase_add_test(tc, each_span_scores_like_its_bytes);
    tcase_add_test(tc, spans_without_arabic_abstain);
    tcase_add_test(tc, blank_and_empty_texts_have_no_spans);
    tcase_add_test(tc, max_spans_bounds_the_count);
    tcase_add_test(tc, bad_input_is_an_error);
    tcase_add_test(tc, nul_bytes_stay_inside_a_span);
    suite_add_tcase(s, tc);
    return clf_test_run(s);
}
