/*
 * format.h - the on-disk layout of a model file, shared by the loader
 * (libclassify/model/load.c) and the writer (training/model_write.c).
 *
 * All integers and floats are little-endian; every section starts at an
 * offset that is a multiple of 8 so that it can be used in place when the
 * file is memory-mapped.
 *
 *   [0, 64)            header (clf__file_header)
 *   [64, 64 + 24*n)    section table (n x clf__section_entry)
 *   ...                sections, 8-byte aligned, in any order, no overlap
 *
 * The checksum is XXH3-64 (seed 0) of the whole file with the 8 checksum
 * bytes of the header taken as zero.
 *
 * docs/model-format.md has the byte tables and every validation rule.
 *
 * Changes from the first draft (documented in docs/model-format.md):
 *  - OPTIONS.reserved0 became use_idf: 1 when the IDF section holds n_rows
 *    weights, 0 when the model was trained without IDF and the IDF section
 *    is empty.
 *  - i16 weights are -32767..32767 (-32768 is rejected: the writer never
 *    produces it, so it can only be corruption).
 *  - weight_scale is exactly 1 for f32 weights; for i16 weights it must
 *    stay a normal, finite float once cast, with 32767 * scale finite
 *    (the loader checks values as the scorer uses them).
 *
 * Format version 2 adds the DEPS section (required in version 2, absent
 * from version 1): what the features depend on, so that a model is never
 * used with features computed differently. Version-1 files still load;
 * they are taken as feature revision 1 with unknown dependencies.
 *
 * Sections (each required exactly once):
 *   OPTIONS     clf__file_options
 *   CATEGORIES  u32 n_cats, u32 weight_type, then n_cats x clf__file_category
 *   ROWS        u32 n_rows, u32 reserved(0), then n_rows x u32 bucket,
 *               strictly increasing, each < 2^hash_bits
 *   IDF         n_rows x f32, finite and > 0 (empty when use_idf is 0)
 *   WEIGHTS     n_rows x n_cats weights, row-major (all categories of one
 *               feature together): f32 when weight_type is CLF__WEIGHTS_F32,
 *               i16 (value = q * scale of its category) when CLF__WEIGHTS_I16
 *   STRINGS     UTF-8 bytes that names point into (offset, length)
 *   META        a JSON object, UTF-8, not NUL-terminated
 *   DEPS        clf__file_deps (version 2 and later)
 *   GATES       u32 n_gates, u32 reserved(0), then n_gates x clf__file_gate
 *               (version 3, optional: absent = no gates). With gates,
 *               WEIGHTS holds n_cats + n_gates columns per row: the gates'
 *               columns follow the categories'.
 *
 * Format version 3 adds GATES: "genre gates", linear models of a
 * hard-negative genre (news, tweets) whose probability, above a threshold
 * tau, is subtracted (times a weight a) from one category's margin before
 * calibration: margin = w.x + b - sum_g a_g * max(0, sigmoid(v_g.x + c_g) - tau_g).
 *
 * Format version 4 gives each category flags (the first u32 of what was
 * its reserved field): CLF__CAT_REPORT_ONLY marks a category that is
 * scored but not flagged by default. Files of versions 1-3 have zero there:
 * every category is flagged by default, as before.
 *
 * Format version 5 gives each category an evidence_words k (what was its
 * reserved u32): the short-text shrinkage. A text of n Arabic words
 * (clf__featurizer_arabic_words, n capped at CLF__EVIDENCE_MAX_WORDS) has the
 * margin b + (w.x) * n / (n + k) before its gates and calibration, so
 * that one or two words cannot carry the confidence of a sentence. k = 0
 * (every category of files of versions 1-4) leaves the margin as it was.
 *
 * Format version 6 changes only how n is counted: a token holding Arabic
 * letters counts as 1 + (L - 1) / CLF__EVIDENCE_WORD_LETTERS words, L its
 * Arabic letters, so that a text written without spaces (glued words,
 * spaced-out letters that normalization rejoins into one token) keeps the
 * weight of the words it holds instead of counting as one. Version 5
 * counts every such token as one word. The layout is the same.
 */
#ifndef CLF_MODEL_FORMAT_H
#define CLF_MODEL_FORMAT_H

#include <stdint.h>

#define CLF__MAGIC "CLFMODEL"          /* 8 bytes, no NUL */
#define CLF__FORMAT_VERSION 6u      /* what the writer writes; 1 to 6 are read */
#define CLF__HEADER_SIZE 64u
#define CLF__SECTION_ENTRY_SIZE 24u
#define CLF__MAX_SECTIONS 32u
#define CLF__MAX_CATEGORIES 256u
#define CLF__MAX_NAME 256u
#define CLF__MAX_GATES 64u
#define CLF__MAX_EVIDENCE_WORDS 1000u /* largest evidence_words k */
#define CLF__EVIDENCE_MAX_WORDS 64u   /* Arabic words counted (n is capped here) */
#define CLF__EVIDENCE_WORD_LETTERS 10u /* version 6: letters per word of a long token */

enum {
    CLF__SEC_OPTIONS = 1,
    CLF__SEC_CATEGORIES = 2,
    CLF__SEC_ROWS = 3,
    CLF__SEC_IDF = 4,
    CLF__SEC_WEIGHTS = 5,
    CLF__SEC_STRINGS = 6,
    CLF__SEC_META = 7,
    CLF__SEC_DEPS = 8,
    CLF__SEC_GATES = 9
};

enum { CLF__WEIGHTS_F32 = 0, CLF__WEIGHTS_I16 = 1 };

/* 64 bytes. */
typedef struct clf__file_header {
    char magic[8];
    uint32_t format_version;
    uint32_t header_size;      /* 64 */
    uint64_t file_size;        /* total bytes, must equal the real size */
    uint32_t n_sections;
    uint32_t flags;            /* 0 */
    uint64_t checksum;
    uint8_t reserved[24];      /* 0 */
} clf__file_header;

/* 24 bytes. */
typedef struct clf__section_entry {
    uint32_t id;
    uint32_t flags;            /* 0 */
    uint64_t offset;
    uint64_t size;
} clf__section_entry;

/* OPTIONS section: 72 bytes. */
typedef struct clf__file_options {
    uint32_t norm_flags;
    uint32_t use_idf;          /* 1 = IDF section holds n_rows weights, 0 = empty */
    uint64_t norm_max_bytes;
    uint32_t word_ngram_max;
    uint32_t char_ngram_min;
    uint32_t char_ngram_max;
    uint32_t char_mode;
    uint32_t stems;
    uint32_t hash_bits;
    uint32_t sublinear_tf;
    uint32_t l2_normalize;
    uint64_t hash_seed;
    uint32_t name_offset;      /* model name in STRINGS */
    uint32_t name_len;
    uint32_t reserved1[2];
} clf__file_options;

/* One category: 56 bytes. */
typedef struct clf__file_category {
    uint32_t name_offset;      /* in STRINGS */
    uint32_t name_len;         /* 1..CLF__MAX_NAME */
    double threshold;          /* [0,1] */
    double calib_a;            /* p = 1 / (1 + exp(calib_a * margin + calib_b)) */
    double calib_b;
    double bias;               /* added to w.x */
    double weight_scale;       /* for i16 weights; 1 for f32 */
    uint32_t flags;            /* CLF__CAT_* (version 4); 0 in versions 1-3 */
    uint32_t evidence_words;   /* k of the short-text shrinkage (version 5), 0..
                                  CLF__MAX_EVIDENCE_WORDS; 0 in versions 1-4 (reserved) */
} clf__file_category;

/* clf__file_category.flags (format version 4) */
#define CLF__CAT_REPORT_ONLY 1u    /* scored, calibrated, thresholded, but not flagged by
                                      default (an analyst signal) */
#define CLF__CAT_FLAGS_KNOWN CLF__CAT_REPORT_ONLY

/*
 * DEPS section: 96 bytes. Strings are printable ASCII, NUL-terminated
 * within their field and NUL-padded to its end.
 */
typedef struct clf__file_deps {
    uint32_t feature_revision; /* CLF_FEATURE_REVISION the features were computed with */
    uint32_t reserved;         /* 0 */
    char unicode_version[16];  /* Unicode version of the ICU that trained, "15.0" */
    char icu_version[16];      /* that ICU's version, "72.1" */
    char stemmer[56];          /* stemmer name and a fingerprint of its stems */
} clf__file_deps;

/* One gate: 56 bytes. */
typedef struct clf__file_gate {
    uint32_t name_offset;      /* the genre's name in STRINGS ("news") */
    uint32_t name_len;         /* 1..CLF__MAX_NAME */
    uint32_t category;         /* the category whose margin it lowers, < n_cats */
    uint32_t reserved;         /* 0 */
    double bias;               /* gate probability = 1 / (1 + exp(-(v.x + bias))) */
    double weight_scale;       /* as a category's: 1 for f32, the i16 scale otherwise */
    double weight;             /* a: finite, >= 0 */
    double tau;                /* [0, 1]: no penalty while the gate's probability is below */
    uint32_t reserved2[2];     /* 0 */
} clf__file_gate;

#endif /* CLF_MODEL_FORMAT_H */
