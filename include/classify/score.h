/*
 * classify/score.h - scoring texts with a model, and explaining the scores.
 *
 * A clf_scorer is the per-thread half of scoring: it holds a featurizer
 * (normalizer, libstemmer object) and scratch buffers, and reads the shared,
 * immutable clf_model. Create one scorer per thread; every thread's scorer
 * may point at the same model.
 *
 * For each category the scorer computes the linear score s = w.x + b of the
 * featurized text, less the penalties of the category's genre gates if the
 * model has any (s -= weight * max(0, p_gate - tau), see classify/model.h),
 * the calibrated probability p = 1 / (1 + exp(A*s + B)) and the decision
 * p >= threshold. A category that is report-only for the scorer (see
 * clf_scorer_set_flagging) is scored the same way but never flagged: a
 * caller that shows analyst signals compares its probability with
 * clf_scorer_threshold() itself.
 */
#ifndef CLASSIFY_SCORE_H
#define CLASSIFY_SCORE_H

#include "common.h"
#include "model.h"
#include "normalize.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct clf_scorer clf_scorer;

/*
 * clf_scorer_new - create a scorer for model m. The model must outlive the
 * scorer. The scorer starts with the model's thresholds.
 * Errors: CLF_E_INVALID_ARG, CLF_E_NOMEM, CLF_E_ICU, CLF_E_STEMMER.
 * Thread safety: the returned scorer must be used by one thread at a time.
 */
CLF_API int clf_scorer_new(clf_scorer **out, const clf_model *m);

/* clf_scorer_free - free a scorer; NULL is a no-op. */
CLF_API void clf_scorer_free(clf_scorer *s);

/*
 * clf_scorer_set_threshold - override category i's threshold for this
 * scorer only (the model is untouched). A negative value restores the
 * model's threshold. Errors: CLF_E_INVALID_ARG (i out of range, t > 1 or NaN).
 */
CLF_API int clf_scorer_set_threshold(clf_scorer *s, size_t i, double t);

/* clf_scorer_threshold - the threshold in force for category i, or -1. */
CLF_API double clf_scorer_threshold(const clf_scorer *s, size_t i);

/*
 * clf_scorer_set_flagging - whether category i flags for this scorer only
 * (the model is untouched): on = 1 flags it at its threshold, on = 0 makes
 * it report-only (scored, never flagged), a negative value restores the
 * model's default (clf_model_category_flags_by_default()). The scorer
 * starts with the model's defaults. Thresholds are independent: setting a
 * threshold does not turn flagging on.
 * Errors: CLF_E_INVALID_ARG (s NULL, i out of range).
 * Thread safety: as every scorer call (one thread at a time per scorer).
 */
CLF_API int clf_scorer_set_flagging(clf_scorer *s, size_t i, int on);

/* clf_scorer_flagging - 1 if category i flags for this scorer, 0 if it is
 * report-only, -1 if s is NULL or i out of range. */
CLF_API int clf_scorer_flagging(const clf_scorer *s, size_t i);

/* One category's result. */
typedef struct clf_score_result {
    double probability; /* calibrated, in [0,1]; always finite */
    double margin;      /* linear score w.x + b, less any gate penalties (the value
                           calibrated); always finite */
    int flagged;        /* probability >= threshold and the category flags for the scorer
                           (clf_scorer_flagging(); a report-only category is never flagged);
                           never set when the document abstained */
} clf_score_result;

/*
 * Abstention reasons (clf_doc_info.abstain). Append only.
 *
 * A model trained on Arabic text has nothing to say about a text without a
 * single Arabic letter (English, emoji, links, numbers): its scores there
 * would be the bias plus noise from shared punctuation n-grams. Such a
 * document abstains: no category is flagged and each probability is the
 * one of the empty text (the model's base rate), so callers can route it
 * elsewhere instead of trusting a meaningless score.
 *
 * There is deliberately no "too short" reason: one Arabic word (a slur, a
 * group's name) is often all a post needs to be hateful, and abstaining on
 * short texts would let anyone evade the model by posting one word.
 */
#define CLF_ABSTAIN_NONE      0 /* the document was scored */
#define CLF_ABSTAIN_NO_ARABIC 1 /* no Arabic letter left once placeholders (<url>, <user>,
                                   <email>), punctuation, emoji and numbers are set aside */

/*
 * clf_abstain_name - a stable machine-readable name for an abstention
 * reason: "none", "no_arabic_text", or "unknown" for other values. Static,
 * never NULL. Thread safety: safe from any thread.
 */
CLF_API const char *clf_abstain_name(int reason);

/* What happened to one document besides its scores. */
typedef struct clf_doc_info {
    int truncated;       /* 1 if the text was longer than the scorer's limit and cut */
    size_t scored_bytes; /* bytes of the input actually scored (<= len) */
    int abstain;         /* CLF_ABSTAIN_* reason, CLF_ABSTAIN_NONE (0) when scored */
} clf_doc_info;

/*
 * clf_scorer_set_max_bytes - this scorer's input limit in bytes (0 = no
 * limit). It starts as the model's max_bytes. A longer text is scored on
 * its longest prefix of complete UTF-8 characters that fits in max_bytes
 * (the cut never splits a character) and clf_doc_info.truncated is set.
 * This is the library's one truncation rule: clf_normalize(), clf_score(),
 * clf_explain() and the classify command all apply it.
 * Errors: CLF_E_INVALID_ARG (s NULL).
 */
CLF_API int clf_scorer_set_max_bytes(clf_scorer *s, size_t max_bytes);

/* clf_scorer_max_bytes - the limit in force (0 = none); 0 if s is NULL. */
CLF_API size_t clf_scorer_max_bytes(const clf_scorer *s);

/*
 * clf_score - score len bytes of UTF-8 text.
 * results has room for `capacity` entries; it must be at least
 * clf_model_num_categories(), else CLF_E_BUFFER and nothing is written.
 * Entries come in the model's category order. info, if not NULL, receives
 * truncation and abstention (see clf_doc_info); it is filled on success.
 * Returns the number of flagged categories (>= 0, 0 when abstaining; report-only
 * categories never count) or a
 * negative error: CLF_E_INVALID_ARG (NULL s or results, NULL text with
 * len > 0), CLF_E_BUFFER, those of clf_normalize() (CLF_E_UTF8 for invalid
 * UTF-8), CLF_E_NOMEM. An empty text is valid: it abstains with the base
 * rate. Texts longer than the scorer's limit (clf_scorer_set_max_bytes)
 * are scored on their first bytes, cut at a character boundary.
 * Thread safety: one thread at a time per scorer.
 */
CLF_API int clf_score(clf_scorer *s, const char *text, size_t len,
                      clf_score_result *results, size_t capacity, clf_doc_info *info);

/*
 * clf_score_batch - score n texts. results has room for `capacity`
 * entries, at least n * num_categories (else CLF_E_BUFFER): text j's
 * results start at j * num_categories. status[j] receives the return
 * value clf_score() would give for text j; infos, if not NULL, has n
 * entries and infos[j] receives text j's clf_doc_info. Returns CLF_OK
 * unless an argument is invalid: per-text errors are reported in status
 * only.
 */
CLF_API int clf_score_batch(clf_scorer *s, const char *const *texts,
                            const size_t *lens, size_t n,
                            clf_score_result *results, size_t capacity,
                            int *status, clf_doc_info *infos);

/*
 * A range of the text that was explained, in the three units clients count
 * in: UTF-8 bytes (C, Python bytes), Unicode code points (Python str) and
 * UTF-16 code units (JavaScript, Java, browsers).
 */
typedef struct clf_text_span {
    size_t offset, len;         /* bytes */
    size_t cp_offset, cp_len;   /* code points */
    size_t u16_offset, u16_len; /* UTF-16 code units */
} clf_text_span;

/* One feature's (or word's) contribution to one category's score. */
typedef struct clf_contribution {
    const char *text;    /* n-gram (or word) after normalization; owned by the explanation */
    unsigned int family; /* CLF_FAMILY_* */
    double value;        /* feature weight in the vector; words: occurrences */
    double contribution; /* value * category weight: its share of the margin */
    unsigned int kind;   /* CLF_TOKEN_* (classify/normalize.h): CLF_TOKEN_PUNCT,
                            CLF_TOKEN_EMOJI or CLF_TOKEN_PLACEHOLDER when the text is
                            punctuation, an emoji or an address placeholder rather than
                            a word (a feature: when all of its tokens are) */
    const char *original; /* words only: the word as written in the input at its first
                             occurrence (before normalization: tatweel, spacing, invisible
                             characters included); NULL in the feature view */
    clf_text_span span;   /* words only: that first occurrence in the input; zero in the
                             feature view. All occurrences: clf_explanation_word_spans() */
} clf_contribution;

typedef struct clf_explanation clf_explanation;

/*
 * clf_explain - score a text and explain each category's score by its top_k
 * features pushing the score up (largest positive contributions) and top_k
 * pushing it down. On success *out owns a new explanation; free it with
 * clf_explanation_free(). The scores are those clf_score() gives; a
 * document that abstains has no contributions (see clf_explanation_info).
 * Errors: as clf_score() (except CLF_E_BUFFER).
 */
CLF_API int clf_explain(clf_scorer *s, const char *text, size_t len, size_t top_k,
                        clf_explanation **out);

/* clf_explanation_result - the score of category i, or NULL if out of range. */
CLF_API const clf_score_result *clf_explanation_result(const clf_explanation *e, size_t i);

/*
 * clf_explanation_features - category i's contributions pushing up
 * (up != 0, sorted by decreasing contribution) or down (sorted by
 * increasing contribution). *n receives the count (<= top_k). Returns NULL
 * with *n = 0 if i is out of range. Owned by the explanation.
 */
CLF_API const clf_contribution *clf_explanation_features(const clf_explanation *e,
                                                         size_t i, int up, size_t *n);

/*
 * clf_explanation_words - category i's contributions summed per word of the
 * normalized text: every feature that lies inside a word (its unigram, its
 * stem, its character n-grams) gives that word its share of the feature's
 * contribution (shares split by occurrence when a feature occurs in several
 * words); a word that occurs several times is listed once with its total,
 * and `value` holds the number of occurrences. Word n-grams (and character
 * n-grams across words) belong to no single word and are not included, so
 * these sums add up to the margin minus the bias minus those features,
 * plus any gate penalties (clf_explanation_suppressions()).
 * This is the view a moderator reads: "which words made this hate?".
 * Sorted like clf_explanation_features(); *n <= top_k. Owned by the
 * explanation; NULL with *n = 0 if i is out of range.
 */
CLF_API const clf_contribution *clf_explanation_words(const clf_explanation *e, size_t i,
                                                      int up, size_t *n);

/*
 * clf_explanation_word_spans - every occurrence in the input of the j-th
 * word of clf_explanation_words(e, i, up, ...), in text order; *n receives
 * their number (the word's `value`). The span of a word obfuscated by
 * tatweel, diacritics, invisible characters, elongation or spaced-out
 * letters covers all of it as written ("ج ه ا د" is one span). Owned by the
 * explanation; NULL with *n = 0 if i or j is out of range. n may not be NULL.
 */
CLF_API const clf_text_span *clf_explanation_word_spans(const clf_explanation *e, size_t i,
                                                        int up, size_t j, size_t *n);

/*
 * What one genre gate did to one category's score (models with gates only,
 * classify/model.h): the gate's probability that the text is of its genre
 * and the penalty subtracted from the margin, weight * max(0, probability -
 * tau). penalty > 0 means the score was suppressed ("reads like news").
 */
typedef struct clf_suppression {
    const char *gate;    /* the genre, "news"; owned by the explanation */
    double probability;  /* the gate's probability, in [0,1] */
    double tau;          /* the gate's threshold */
    double weight;       /* the gate's weight a */
    double penalty;      /* subtracted from the margin before calibration; >= 0 */
} clf_suppression;

/*
 * clf_explanation_suppressions - category i's gates, in model order, with
 * what each did to this text (penalty 0 when the gate stayed below tau).
 * *n receives their number (0 for a category without gates). Owned by the
 * explanation; NULL with *n = 0 if i is out of range or there are none. n
 * may not be NULL.
 */
CLF_API const clf_suppression *clf_explanation_suppressions(const clf_explanation *e, size_t i,
                                                            size_t *n);

/*
 * clf_explanation_ungated_probability - the probability category i would
 * have had if none of its gates had lowered its margin: the calibration of
 * the margin plus the penalties of clf_explanation_suppressions(). Equal to
 * clf_explanation_result(e, i)->probability when no gate took anything
 * (or the category has none). With the scorer's threshold it tells whether
 * the gates kept the category from being flagged or signalled. NaN if e is
 * NULL or i out of range.
 */
CLF_API double clf_explanation_ungated_probability(const clf_explanation *e, size_t i);

/* How much of its features' evidence a category kept for one text under
 * its short-text shrinkage (clf_model_category_evidence_words()). */
typedef struct clf_evidence {
    size_t arabic_words;   /* n, the text's Arabic words counted up to 64 (0 when the
                              model shrinks no category: words are then not counted) */
    int evidence_words;    /* k; 0: the category has no shrinkage */
    double kept;           /* n / (n + k), 1 when k is 0 */
    double probability_unshrunk; /* the probability with all of the evidence (kept = 1);
                              equal to the result's probability when k is 0 or n is 0 */
} clf_evidence;

/*
 * clf_explanation_evidence - *out = category i's short-text shrinkage for
 * the explained text. The contributions of clf_explanation_features() and
 * clf_explanation_words() are already multiplied by out->kept, so that they
 * still add up to the margin less the bias (and the gates' penalties).
 * Errors: CLF_E_INVALID_ARG (e or out NULL, i out of range; *out untouched).
 */
CLF_API int clf_explanation_evidence(const clf_explanation *e, size_t i, clf_evidence *out);

/* clf_explanation_info - truncation and abstention of the explained text
 * (never NULL for a non-NULL e). Owned by the explanation. */
CLF_API const clf_doc_info *clf_explanation_info(const clf_explanation *e);

/* clf_explanation_normalized - the normalized text that was scored. */
CLF_API const char *clf_explanation_normalized(const clf_explanation *e);

/* clf_explanation_free - free an explanation; NULL is a no-op. */
CLF_API void clf_explanation_free(clf_explanation *e);


/*
 * Span scores: the score of each sentence or paragraph of a text, with the
 * span's position in the original text, so that a moderator (or a
 * Perspective-style client) sees which part of a long comment scored high.
 */
#define CLF_SPAN_SENTENCES  0 /* after . ! ? and U+2026, U+061F, U+06D4 + space; at line breaks */
#define CLF_SPAN_PARAGRAPHS 1 /* at blank lines (and U+2029) */

/* Options of clf_score_spans(); initialize with CLF_SPAN_OPTIONS_INIT. */
typedef struct clf_span_options {
    unsigned int version; /* CLF_SPAN_OPTIONS_VERSION */
    int unit;             /* CLF_SPAN_SENTENCES (default) or CLF_SPAN_PARAGRAPHS */
    size_t max_spans;     /* 0: no limit; else the text after the (max_spans-1)th
                             span is one last span (bounds the work on huge texts) */
} clf_span_options;

#define CLF_SPAN_OPTIONS_VERSION 1
#define CLF_SPAN_OPTIONS_INIT {CLF_SPAN_OPTIONS_VERSION, CLF_SPAN_SENTENCES, 0}

/* One span of a text and its scores. */
typedef struct clf_span {
    size_t begin;                    /* byte offset of its first byte in the original text */
    size_t end;                      /* byte offset just past its last byte */
    int nflagged;                    /* flagged categories of this span */
    const clf_score_result *results; /* num_categories entries; owned by the clf_spans */
    clf_doc_info info;               /* the span's truncation and abstention */
} clf_span;

typedef struct clf_spans clf_spans;

/*
 * clf_score_spans - cut len bytes of UTF-8 text into sentences (or
 * paragraphs, per opts; NULL means the defaults) and score each span with
 * the scorer (its thresholds and truncation limit apply per span). Offsets
 * are bytes of the text as passed, never of its normalized form; white
 * space around a span is not part of it and spans holding only white space
 * are left out, so an empty or blank text gives zero spans. The cut happens
 * on code-point boundaries: a span is always valid UTF-8.
 * On success *out owns a new result; free it with clf_spans_free().
 * Errors: CLF_E_INVALID_ARG (NULL pointer, unknown options version or
 * unit), CLF_E_UTF8 (invalid UTF-8 anywhere in the text; detail in
 * clf_last_error()), CLF_E_NOMEM, and those of clf_score(). On error *out
 * is NULL.
 * Thread safety: as clf_score() (one thread per scorer at a time).
 */
CLF_API int clf_score_spans(clf_spans **out, clf_scorer *s, const char *text, size_t len,
                            const clf_span_options *opts);

/* clf_spans_count - the number of spans (0 for NULL). */
CLF_API size_t clf_spans_count(const clf_spans *sp);

/* clf_spans_get - span i in text order, or NULL if i is out of range.
 * Owned by sp. */
CLF_API const clf_span *clf_spans_get(const clf_spans *sp, size_t i);

/* clf_spans_free - free a span result; NULL is a no-op. */
CLF_API void clf_spans_free(clf_spans *sp);

#ifdef __cplusplus
}
#endif
#endif /* CLASSIFY_SCORE_H */
