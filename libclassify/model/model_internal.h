/*
 * model_internal.h - the in-memory form of a loaded model, read by the
 * scorer. All of the fields of this struct are private. Not installed.
 */
#ifndef CLF_MODEL_INTERNAL_H
#define CLF_MODEL_INTERNAL_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "classify/model.h"
#include "format.h"

enum { CLF__LOOKUP_BITMAP = 0, CLF__LOOKUP_SORTED = 1 };

/* 64 buckets of the BITMAP lookup. */
typedef struct clf__rank_block {
    uint64_t bits;   /* bit i: bucket 64 * block + i is a row */
    uint32_t rank;   /* rows in the blocks before this one */
    uint32_t unused;
} clf__rank_block;

typedef struct clf__category {
    char *name;                /* NUL-terminated copy */
    double threshold;
    double calib_a, calib_b;
    double bias;
    int report_only;           /* CLF__CAT_REPORT_ONLY: not flagged by default */
    uint32_t evidence_words;   /* k: short-text shrinkage n / (n + k); 0 = none (format.h) */
} clf__category;

/* A genre gate (format.h): lowers one category's margin by
 * weight * max(0, p - tau), p = sigmoid(v.x + bias) of its own column. */
typedef struct clf__gate {
    char *name;                /* NUL-terminated copy: the genre, "news" */
    size_t category;
    double bias, weight, tau;
} clf__gate;

struct clf_model {
    /* the file while loading, read into base_cap bytes from big_alloc
     * (mapped = 1) or malloc; released once the model is built */
    const unsigned char *base;
    size_t size, base_cap;
    int mapped;

    uint32_t format_version;
    uint64_t checksum;         /* the verified XXH3-64 of the file */
    char id[CLF__MAX_NAME + 24]; /* "name@1a2b3c4d" (clf_model_id) */
    char *name;
    char *meta;                /* NUL-terminated JSON */
    clf_norm_options nopts;
    clf_feature_options fopts;

    size_t n_cats;
    clf__category *cats;
    int shrinks;               /* some category has evidence_words > 0: count words */
    int words_by_letters;      /* format 6: long tokens count as several words (format.h) */
    size_t n_gates;            /* 0 unless the file has GATES (version 3) */
    clf__gate *gates;
    size_t n_cols;             /* weight columns per row: n_cats + n_gates */

    size_t n_rows;
    int has_idf;               /* 0: every row's idf is 1 */
    clf_feature_deps deps;     /* DEPS section, or revision 1 and "unknown" (version 1) */

    /*
     * Row lookup, bucket -> row + 1 (0 = a bucket the model never saw),
     * in memory proportional to the rows, never to 2^hash_bits:
     *  - BITMAP: one block per 64 buckets, a presence bit per bucket and
     *    the number of rows before the block (rank); the row of a present
     *    bucket is rank + popcount(bits below it). 16 bytes per 64
     *    buckets; used when that is at most 8 bytes per row.
     *  - SORTED: the rows' buckets in order (keys) and the first row of
     *    each of 2^dir_bits equal ranges of buckets (dir); a bucket is
     *    searched in its range. 4 bytes per row + 4 per range, ranges <= rows.
     */
    int lookup;                /* CLF__LOOKUP_* */
    clf__rank_block *blocks;   /* BITMAP */
    uint32_t *dir;             /* SORTED: 2^dir_bits + 1 entries */
    uint32_t *keys;            /* SORTED: n_rows buckets */
    unsigned dir_shift;        /* SORTED: hash_bits - dir_bits */
    size_t lookup_bytes;

    /*
     * Rows, built at load (the file is released after): row r is
     * row_bytes bytes at rows + r * row_bytes = { idf, n_cols weights:
     * the K categories' then the gates' },
     * the weights as stored in the file (f32, or i16 q with the weight
     * w = q * wscale[k]), so one lookup and one cache line give a feature
     * everything and i16 models keep their half size in memory. The idf
     * is either
     *  - wide (idf_table NULL): the f32 itself, rows 4-byte aligned
     *    (f32 weights, or i16 rows padded to a multiple of 4);
     *  - compact (idf_table set; i16 weights, at most 32768 distinct IDF
     *    values, which a model's IDFs, a function of document counts,
     *    are): a u16 index into idf_table, rows of 2 + 2 * n_cols bytes
     *    (12 for the shipped 5 categories: 25% less memory than 16, so the
     *    default model's rows nearly fit one 2 MiB huge page), unaligned.
     *    idf_table is the hash table (2^13 or 2^16 slots) that load.c
     *    finds the distinct values with: a row's index is its value's slot.
     * The idf_table entry is the file's float itself, so scores are the
     * same whichever layout is used. rows_bytes includes CLF__ROWS_PAD
     * bytes after the last row: SIMD loads of a row may read 16 bytes.
     */
    unsigned char *rows;
    size_t row_bytes, rows_bytes;
    size_t weights_offset;     /* where a row's weights begin: 4 (wide) or 2 (compact) */
    float *idf_table;          /* compact rows: the distinct IDF values, by slot */
    size_t idf_table_len;      /* its slots */
    int rows_mapped;           /* rows is an mmap (load.c, huge pages) */
    uint32_t weight_type;      /* CLF__WEIGHTS_F32 or CLF__WEIGHTS_I16 */
    float *wscale;             /* n_cols scales: 1 for f32 weights */
};

/* Bytes after the last row that a 16-byte load of any row may touch. */
#define CLF__ROWS_PAD 16u

/* Popcount without relying on the POPCNT instruction (baseline x86-64). */
static inline uint32_t clf__popcount64(uint64_t x)
{
    x = x - ((x >> 1) & 0x5555555555555555ull);
    x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
    x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0Full;
    return (uint32_t)((x * 0x0101010101010101ull) >> 56);
}

/* clf__model_row - row + 1 of a bucket the model knows, 0 otherwise. */
static inline uint32_t clf__model_row(const clf_model *m, uint32_t bucket)
{
    if (m->lookup == CLF__LOOKUP_BITMAP) {
        const clf__rank_block *k = &m->blocks[bucket >> 6];
        uint64_t bit = (uint64_t)1 << (bucket & 63);
        if (!(k->bits & bit))
            return 0;
        return k->rank + clf__popcount64(k->bits & (bit - 1)) + 1;
    }
    uint32_t h = bucket >> m->dir_shift;
    uint32_t lo = m->dir[h], hi = m->dir[h + 1];
    while (lo < hi) { /* binary search: ranges are short, but a file may say otherwise */
        uint32_t mid = lo + (hi - lo) / 2;
        if (m->keys[mid] < bucket)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < m->dir[h + 1] && m->keys[lo] == bucket ? lo + 1 : 0;
}

/* clf__model_prefetch - start loading what clf__model_row(m, bucket) reads. */
static inline void clf__model_prefetch(const clf_model *m, uint32_t bucket)
{
#if defined(__GNUC__)
    if (m->lookup == CLF__LOOKUP_BITMAP)
        __builtin_prefetch(&m->blocks[bucket >> 6]);
    else
        __builtin_prefetch(&m->dir[bucket >> m->dir_shift]);
#else
    (void)m;
    (void)bucket;
#endif
}

/* clf__model_row_ptr - the bytes of row r. */
static inline const unsigned char *clf__model_row_ptr(const clf_model *m, uint32_t r)
{
    return m->rows + (size_t)r * m->row_bytes;
}

/* clf__model_idf_at - the IDF of the row whose bytes begin at row. */
static inline float clf__model_idf_at(const clf_model *m, const unsigned char *row)
{
    if (m->idf_table) {
        uint16_t i;
        memcpy(&i, row, sizeof i);
        return m->idf_table[i];
    }
    float f;
    memcpy(&f, row, sizeof f);
    return f;
}

/* clf__model_row_idf - the IDF of row r (1 for a model without IDF). */
static inline float clf__model_row_idf(const clf_model *m, uint32_t r)
{
    return clf__model_idf_at(m, clf__model_row_ptr(m, r));
}

/* clf__model_row_weight - category k's weight of row r, as the scorer uses it. */
static inline float clf__model_row_weight(const clf_model *m, uint32_t r, size_t k)
{
    const unsigned char *p = clf__model_row_ptr(m, r) + m->weights_offset;
    if (m->weight_type == CLF__WEIGHTS_I16) {
        int16_t q;
        memcpy(&q, p + 2 * k, sizeof q);
        return (float)q * m->wscale[k];
    }
    float f;
    memcpy(&f, p + 4 * k, sizeof f);
    return f;
}

/* clf__gate_prob - a gate's probability for its raw margin v.x + bias. */
static inline double clf__gate_prob(double z)
{
    return 1.0 / (1.0 + exp(-z)); /* exp overflow gives 0, never NaN */
}

/* clf__gate_penalty - what gate g subtracts from its category's margin. */
static inline double clf__gate_penalty(const clf__gate *g, double z)
{
    double p = clf__gate_prob(z);
    return p > g->tau ? g->weight * (p - g->tau) : 0.0;
}

/* clf__model_apply_gates - margins[k] -= every penalty of category k's
 * gates, gz[g] being gate g's raw margin (v.x + bias). */
static inline void clf__model_apply_gates(const clf_model *m, const double *gz, double *margins)
{
    for (size_t g = 0; g < m->n_gates; g++)
        margins[m->gates[g].category] -= clf__gate_penalty(&m->gates[g], gz[g]);
}

/*
 * clf__evidence_factor - the share of its features' evidence (w.x) that a
 * text of n Arabic words keeps under evidence_words k: n / (n + k), n
 * capped at CLF__EVIDENCE_MAX_WORDS; 1 when k is 0. Training and scoring
 * both use this, so their margins agree.
 */
static inline double clf__evidence_factor(uint32_t k, size_t n)
{
    if (k == 0)
        return 1.0;
    if (n > CLF__EVIDENCE_MAX_WORDS)
        n = CLF__EVIDENCE_MAX_WORDS;
    return (double)n / ((double)n + (double)k);
}

/* clf__model_memory - bytes the loaded model holds (lookup, rows, names,
 * metadata): what "memory proportional to the rows" is measured on. */
size_t clf__model_memory(const clf_model *m);

/*
 * Checks shared by the loader and the writer (training/model_write.c), so
 * that the writer can never produce a file the loader rejects. Each returns
 * CLF_OK or records a message beginning with `where` and returns the code.
 */

/* clf__model_check_options - option values within features.h/normalize.h ranges. */
int clf__model_check_options(const clf_norm_options *n, const clf_feature_options *f,
                             const char *where);

/* clf__model_check_name - 1..CLF__MAX_NAME bytes of valid UTF-8 without
 * control characters; `what` names the string ("category 2 name"). */
int clf__model_check_name(const char *s, size_t len, const char *what, const char *where);

/* clf__model_check_meta - a JSON object as the runtime accepts it without
 * parsing: valid UTF-8 without NUL, '{' first, '}' last before trailing
 * whitespace. */
int clf__model_check_meta(const char *s, size_t len, const char *where);

/* clf__model_checksum - XXH3-64 of a size >= 64 byte file with the header's
 * checksum field taken as zero. CLF_OK or CLF_E_NOMEM. */
int clf__model_checksum(const unsigned char *file, size_t size, uint64_t *out);

/* clf__host_little_endian - 1 on little-endian hosts, the only ones that
 * read or write model files (a clear error elsewhere). */
int clf__host_little_endian(void);

#endif /* CLF_MODEL_INTERNAL_H */
