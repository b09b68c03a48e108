/*
 * classify/normalize.h - Arabic-aware text normalization.
 *
 * Normalization folds the spellings that mean the same thing (and the
 * evasions moderation sees every day) onto one form, so that a word written
 * with stuffed tatweel, diacritics, zero-width characters, Persian look-alike
 * letters or presentation forms yields exactly the same features as the
 * plain word. Its output is the input of feature extraction: a model records
 * the options it was trained with and scoring reuses them.
 *
 * Output form: tokens separated by exactly one ASCII space, no leading or
 * trailing space. Punctuation marks and emoji are tokens of their own;
 * URLs, e-mail addresses and @mentions are replaced by the placeholder tokens
 * "<url>", "<email>" and "<user>"; a hashtag "#a_b" becomes "#a_b a b"
 * (unless its parts already follow it, which keeps normalization
 * idempotent). docs/normalization.md describes every step.
 */
#ifndef CLASSIFY_NORMALIZE_H
#define CLASSIFY_NORMALIZE_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Normalization steps (bits of clf_norm_options.flags). */
#define CLF_NORM_NFKC         (1u << 0)  /* Unicode NFKC: presentation forms, lam-alef ligatures, full-width */
#define CLF_NORM_CASEFOLD     (1u << 1)  /* Unicode case folding (Latin, Greek, Cyrillic) */
#define CLF_NORM_DIACRITICS   (1u << 2)  /* drop harakat U+064B-065F, U+0670, Quranic marks U+0610-061A, U+06D6-06ED,
                                            Arabic Extended marks, isolated harakat presentation forms */
#define CLF_NORM_TATWEEL      (1u << 3)  /* drop tatweel U+0640 */
#define CLF_NORM_LETTERS      (1u << 4)  /* alef variants -> ا, ى -> ي, ة -> ه, ؤ -> و, ئ -> ي;
                                            leftover hamza/madda marks U+0653-0655 and U+0674 dropped */
#define CLF_NORM_LOOKALIKES   (1u << 5)  /* Persian/Urdu look-alikes (ک ی ہ ۀ ...) -> Arabic letters */
#define CLF_NORM_DIGITS       (1u << 6)  /* every Unicode decimal digit (Arabic-Indic, Eastern
                                            Arabic-Indic, ...) -> 0-9 */
#define CLF_NORM_INVISIBLE    (1u << 7)  /* drop zero-width, bidi controls, BOM, other default-ignorables */
#define CLF_NORM_ELONGATION   (1u << 8)  /* a letter repeated 3+ times -> once ("جهاااد" -> "جهاد") */
#define CLF_NORM_PLACEHOLDERS (1u << 9)  /* URLs, e-mails, @mentions -> <url> <email> <user> */
#define CLF_NORM_HASHTAGS     (1u << 10) /* "#a_b" -> "#a_b a b" */
#define CLF_NORM_SPACED       (1u << 11) /* rejoin letters spaced out to evade filters ("ج ه ا د" -> "جهاد") */
#define CLF_NORM_PUNCT_SPLIT  (1u << 12) /* punctuation marks, symbols and emoji become tokens of
                                            their own (skin-tone modifiers dropped; "79.5" and
                                            "1,000" stay whole) */

/* Every step; the default. */
#define CLF_NORM_ALL          0x1FFFu
#define CLF_NORM_DEFAULT      CLF_NORM_ALL

#define CLF_NORM_OPTIONS_VERSION 1

/* Default maximum input size: longer texts are cut (see clf_normalize). */
#define CLF_NORM_DEFAULT_MAX_BYTES (1u << 20)

/*
 * Normalization options. Initialize with CLF_NORM_OPTIONS_INIT or
 * clf_norm_options_init() so that fields added later get their defaults.
 * Every version from 1 to CLF_NORM_OPTIONS_VERSION is accepted (a program
 * built against an older header keeps working).
 */
typedef struct clf_norm_options {
    unsigned int version;   /* CLF_NORM_OPTIONS_VERSION */
    unsigned int flags;     /* CLF_NORM_* bits */
    size_t max_bytes;       /* inputs longer than this are truncated (0 = no limit) */
} clf_norm_options;

#define CLF_NORM_OPTIONS_INIT \
    { CLF_NORM_OPTIONS_VERSION, CLF_NORM_DEFAULT, CLF_NORM_DEFAULT_MAX_BYTES }

/* clf_norm_options_init - fill *opts with the defaults. */
CLF_API void clf_norm_options_init(clf_norm_options *opts);

/* An opaque normalizer: ICU handles plus scratch buffers. */
typedef struct clf_normalizer clf_normalizer;

/*
 * clf_normalizer_new - create a normalizer.
 * opts may be NULL for the defaults; it is copied. On success *out owns a
 * new normalizer that the caller frees with clf_normalizer_free().
 * Errors: CLF_E_INVALID_ARG (out NULL, unknown version or flag bits),
 *         CLF_E_NOMEM, CLF_E_ICU.
 * Thread safety: a normalizer holds scratch state: use one per thread.
 */
CLF_API int clf_normalizer_new(clf_normalizer **out, const clf_norm_options *opts);

/* clf_normalizer_free - free a normalizer; NULL is a no-op. */
CLF_API void clf_normalizer_free(clf_normalizer *n);

/*
 * clf_normalize - normalize len bytes of UTF-8 text.
 *
 * On success *out points to the NUL-terminated normalized text and *out_len
 * to its length in bytes. The buffer belongs to the normalizer and stays
 * valid until the next call on it or its free.
 *
 * Input rules (documented results, never a crash):
 *  - invalid UTF-8 (including overlongs, surrogates, truncated sequences)
 *    returns CLF_E_UTF8 with the byte offset in clf_last_error();
 *  - every U+FEFF (BOM) is dropped; NUL and other control characters, CR and LF
 *    are whitespace; an empty or all-space input gives "" (length 0);
 *  - input longer than opts.max_bytes is cut at the last UTF-8 character
 *    boundary at or below the limit (the library's one truncation rule,
 *    the same in clf_score()) and *truncated (if non-NULL) is set to 1.
 * Time and memory are linear in min(len, max_bytes): texts over 4 MiB are
 * processed in 4 MiB blocks cut at ASCII whitespace, and more than 30
 * combining marks in a row are dropped (ICU's reordering of a long run of
 * marks would be quadratic). out_len and truncated may be NULL.
 * Errors: CLF_E_INVALID_ARG, CLF_E_UTF8, CLF_E_NOMEM, CLF_E_ICU.
 */
CLF_API int clf_normalize(clf_normalizer *n, const char *text, size_t len,
                          const char **out, size_t *out_len, int *truncated);

/* What a token of the normalized text is (clf_norm_token.kind). */
#define CLF_TOKEN_WORD        0  /* letters, digits and their marks */
#define CLF_TOKEN_PUNCT       1  /* a punctuation mark or symbol */
#define CLF_TOKEN_EMOJI       2  /* an emoji or a flag */
#define CLF_TOKEN_PLACEHOLDER 3  /* <url>, <email> or <user> standing for an address */
#define CLF_TOKEN_HASHTAG     4  /* "#a_b" itself (its parts that follow are words) */

/* clf_token_kind_name - "word", "punctuation", "emoji", "placeholder",
 * "hashtag"; "unknown" for any other value. Never NULL. */
CLF_API const char *clf_token_kind_name(unsigned int kind);

/*
 * One token of the normalized text and the input it comes from. The input
 * range runs from the first byte of the first character the token was made
 * of to the end of the last one, so it covers everything normalization
 * removed inside the token: tatweel, diacritics, invisible characters, the
 * spaces or dots between spaced-out letters. A hashtag's parts point into
 * the hashtag; a placeholder covers the whole address.
 */
typedef struct clf_norm_token {
    size_t norm_offset;  /* byte offset in the normalized text */
    size_t norm_len;     /* bytes in the normalized text */
    size_t offset;       /* byte offset in the input */
    size_t len;          /* bytes of the input */
    unsigned int kind;   /* CLF_TOKEN_* */
} clf_norm_token;

/*
 * clf_normalizer_set_offsets - on != 0 makes the following clf_normalize()
 * calls on n also record, for each output token, where it comes from in the
 * input (clf_normalizer_tokens). Off by default: it costs time and memory
 * that scoring does not need. Errors: CLF_E_INVALID_ARG (n NULL).
 */
CLF_API int clf_normalizer_set_offsets(clf_normalizer *n, int on);

/*
 * clf_normalizer_tokens - the tokens of the last clf_normalize() call, in
 * output order (the i-th space-separated token of the output is entry i),
 * when offsets were on for that call; otherwise NULL with *count = 0. The
 * array belongs to the normalizer and is valid until its next call or its
 * free. count may not be NULL.
 */
CLF_API const clf_norm_token *clf_normalizer_tokens(const clf_normalizer *n, size_t *count);

/*
 * clf_norm_flag_names - the comma-separated names of the steps in flags
 * ("nfkc,casefold,..."), written to buf (NUL-terminated, truncated to size).
 * Returns the length the full string needs, excluding the NUL.
 */
CLF_API size_t clf_norm_flag_names(unsigned int flags, char *buf, size_t size);

/*
 * clf_norm_parse_flags - parse "default", "none" or a comma-separated list of
 * step names, each optionally prefixed with '-' to remove it from the set
 * built so far ("default,-spaced"). Errors: CLF_E_INVALID_ARG on an unknown
 * name (named in clf_last_error()).
 */
CLF_API int clf_norm_parse_flags(const char *spec, unsigned int *flags);

#ifdef __cplusplus
}
#endif
#endif /* CLASSIFY_NORMALIZE_H */
