/*
 * score.c - the scoring hot path: featurize, look up each bucket's row of
 * weights (all categories of one feature are adjacent, then the genre
 * gates', so gates cost no extra lookup), accumulate the margins, subtract
 * the gates' penalties, calibrate.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#if defined(__GNUC__) && defined(__x86_64__)
#  include <immintrin.h>
#  define CLF__HAVE_AVX2_PATH 1
#endif

#include "classify/score.h"
#include "features/featurize_internal.h"
#include "internal.h"
#include "model/model_internal.h"
#include "normalize/norm_internal.h"
#include "score_internal.h"

CLF_API int clf_scorer_new(clf_scorer **out, const clf_model *m)
{
    if (!out || !m)
        return clf__error(CLF_E_INVALID_ARG, "clf_scorer_new: NULL argument");
    *out = NULL;
    clf_scorer *s = calloc(1, sizeof *s);
    if (!s)
        return clf__error(CLF_E_NOMEM, "out of memory");
    s->model = m;
    s->thresholds = malloc(m->n_cats * sizeof *s->thresholds);
    s->flags = malloc(m->n_cats);
    s->acc = malloc(m->n_cols * sizeof *s->acc);
    s->gz = malloc((m->n_gates ? m->n_gates : 1) * sizeof *s->gz);
    if (!s->thresholds || !s->flags || !s->acc || !s->gz) {
        clf_scorer_free(s);
        return clf__error(CLF_E_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < m->n_cats; i++) {
        s->thresholds[i] = m->cats[i].threshold;
        s->flags[i] = !m->cats[i].report_only;
    }
    for (uint32_t c = 0; c < 64; c++)
        s->tf[c] = clf__tf_weight(&m->fopts, c);
    clf__scorer_set_simd(s, 1);
    int rc = clf_featurizer_new(&s->feat, &m->nopts, &m->fopts);
    if (rc != CLF_OK) {
        clf_scorer_free(s);
        return rc;
    }
    *out = s;
    return CLF_OK;
}

void clf__scorer_set_simd(clf_scorer *s, int on)
{
    s->hw_avx2 = 0;
#if defined(CLF__HAVE_AVX2_PATH)
    if (on)
        s->hw_avx2 = __builtin_cpu_supports("avx2") != 0;
#else
    (void)on;
#endif
}

CLF_API int clf_scorer_set_max_bytes(clf_scorer *s, size_t max_bytes)
{
    if (!s)
        return clf__error(CLF_E_INVALID_ARG, "clf_scorer_set_max_bytes: NULL scorer");
    clf__featurizer_set_max_bytes(s->feat, max_bytes);
    return CLF_OK;
}

CLF_API size_t clf_scorer_max_bytes(const clf_scorer *s)
{
    return s ? clf__featurizer_max_bytes(s->feat) : 0;
}

CLF_API const char *clf_abstain_name(int reason)
{
    switch (reason) {
    case CLF_ABSTAIN_NONE: return "none";
    case CLF_ABSTAIN_NO_ARABIC: return "no_arabic_text";
    default: return "unknown";
    }
}

CLF_API void clf_scorer_free(clf_scorer *s)
{
    if (!s)
        return;
    clf_featurizer_free(s->feat);
    free(s->thresholds);
    free(s->flags);
    free(s->acc);
    free(s->gz);
    free(s);
}

CLF_API int clf_scorer_set_threshold(clf_scorer *s, size_t i, double t)
{
    if (!s || i >= s->model->n_cats)
        return clf__error(CLF_E_INVALID_ARG, "threshold: category index out of range");
    if (isnan(t) || t > 1.0)
        return clf__error(CLF_E_INVALID_ARG, "threshold must be in [0,1]");
    s->thresholds[i] = t < 0 ? s->model->cats[i].threshold : t;
    return CLF_OK;
}

CLF_API double clf_scorer_threshold(const clf_scorer *s, size_t i)
{
    if (!s || i >= s->model->n_cats)
        return -1.0;
    return s->thresholds[i];
}

CLF_API int clf_scorer_set_flagging(clf_scorer *s, size_t i, int on)
{
    if (!s || i >= s->model->n_cats)
        return clf__error(CLF_E_INVALID_ARG, "flagging: category index out of range");
    s->flags[i] = on < 0 ? !s->model->cats[i].report_only : on != 0;
    return CLF_OK;
}

CLF_API int clf_scorer_flagging(const clf_scorer *s, size_t i)
{
    if (!s || i >= s->model->n_cats)
        return -1;
    return s->flags[i];
}

double clf__calibrate(const clf__category *c, double margin)
{
    double z = c->calib_a * margin + c->calib_b;
    /* exp() of a large z overflows to inf, which still gives p = 0 */
    return 1.0 / (1.0 + exp(z));
}

#if defined(__GNUC__)
#  define CLF__INLINE static inline __attribute__((always_inline))
#else
#  define CLF__INLINE static inline
#endif

/*
 * The featurizer gives the rows of a text's distinct known buckets with
 * their counts (clf__featurize_hits: looked up straight from its bucket
 * table); accumulate: acc[k] += v * w_k over those rows, norm2 += v^2,
 * with each row prefetched PF ahead, in loops simple enough for the
 * compiler to keep everything in registers.
 */
enum { PF = 12 };

/*
 * K and i16 are constants in the common instantiations, so the
 * accumulators live in registers and the category loop is unrolled; every
 * accumulator sees the same operations in the same order as in the generic
 * loop (bit-identical). i16 weights are summed as integers times the
 * feature value; the category's scale multiplies the sum once, at the end.
 */
CLF__INLINE double accumulate(const clf_scorer *s, const clf__hit *hits, size_t n,
                              const size_t K, const int i16, const int compact, double *acc)
{
    const clf_model *m = s->model;
    const clf_feature_options *fo = &m->fopts;
    const float *idf_table = m->idf_table;
    const size_t woff = compact ? 2 : 4;
    double norm2 = 0.0;
    for (size_t j = 0; j < n; j++) {
        if (j + PF < n)
            __builtin_prefetch(clf__model_row_ptr(m, hits[j + PF].row));
        const unsigned char *row = clf__model_row_ptr(m, hits[j].row);
        uint32_t c = hits[j].count;
        float idf;
        if (compact) {
            uint16_t i;
            memcpy(&i, row, sizeof i);
            idf = idf_table[i];
        } else {
            memcpy(&idf, row, sizeof idf);
        }
        double v = (double)(c < 64 ? s->tf[c] : clf__tf_weight(fo, c)) * (double)idf;
        norm2 += v * v;
        if (i16) {
            for (size_t k = 0; k < K; k++) {
                int16_t q;
                memcpy(&q, row + woff + 2 * k, sizeof q);
                acc[k] += v * (double)q;
            }
        } else {
            for (size_t k = 0; k < K; k++) {
                float w;
                memcpy(&w, row + woff + 4 * k, sizeof w);
                acc[k] += v * (double)w;
            }
        }
    }
    return norm2;
}

#if defined(CLF__HAVE_AVX2_PATH)
/*
 * accumulate() for 5 categories of i16 weights with AVX2: one 16-byte
 * load per row (rows_bytes has CLF__ROWS_PAD after the last row, so it
 * may run past a row), categories 0-3 in the four lanes of one vector,
 * category 4 on its own. Each lane does what the scalar loop does to its
 * accumulator (the exact int16 -> double conversion, one multiply, one
 * add, in the same order; no FMA), so the margins are bit-identical.
 * RB is the row size: 12 (compact: u16 idf index, 5 x i16) or 16 (wide:
 * f32 idf, 5 x i16, 2 bytes of padding).
 */
CLF__INLINE __attribute__((target("avx2"))) double
accumulate5_i16_avx2(const clf_scorer *s, const clf__hit *hits, size_t n, double *acc,
                     const size_t RB)
{
    const clf_model *m = s->model;
    const clf_feature_options *fo = &m->fopts;
    const unsigned char *rows = m->rows;
    const float *idf_table = m->idf_table;
    __m256d a03 = _mm256_setzero_pd();
    double a4 = 0.0, norm2 = 0.0;
    /* rows PF ahead are prefetched while there are: two loops, so that no
     * row tests whether there is one */
    const size_t npf = n > PF ? n - PF : 0;
    size_t j = 0;
#define CLF__ROW_STEP()                                                                      \
    do {                                                                                     \
        const unsigned char *row = rows + (size_t)hits[j].row * RB;                          \
        const uint32_t c = hits[j].count;                                                    \
        const __m128i x = _mm_loadu_si128((const __m128i *)(const void *)row);               \
        float idf;                                                                           \
        __m128i q;                                                                           \
        double q4;                                                                           \
        if (RB == 12) {                                                                      \
            idf = idf_table[(uint16_t)_mm_extract_epi16(x, 0)];                              \
            q = _mm_srli_si128(x, 2);                                                        \
            q4 = (double)(int16_t)_mm_extract_epi16(x, 5);                                   \
        } else {                                                                             \
            memcpy(&idf, row, sizeof idf);                                                   \
            q = _mm_srli_si128(x, 4);                                                        \
            q4 = (double)(int16_t)_mm_extract_epi16(x, 6);                                   \
        }                                                                                    \
        const double v = (double)(c < 64 ? s->tf[c] : clf__tf_weight(fo, c)) * (double)idf;  \
        norm2 += v * v;                                                                      \
        const __m256d w03 = _mm256_cvtepi32_pd(_mm_cvtepi16_epi32(q));                       \
        a03 = _mm256_add_pd(a03, _mm256_mul_pd(_mm256_set1_pd(v), w03));                     \
        a4 += v * q4;                                                                        \
    } while (0)
    for (; j < npf; j++) { /* both cache lines of a 12-byte row that straddles two */
        const unsigned char *next = rows + (size_t)hits[j + PF].row * RB;
        __builtin_prefetch(next);
        if (RB == 12)
            __builtin_prefetch(next + 11);
        CLF__ROW_STEP();
    }
    for (; j < n; j++)
        CLF__ROW_STEP();
#undef CLF__ROW_STEP
    _mm256_storeu_pd(acc, a03);
    acc[4] = a4;
    return norm2;
}

__attribute__((target("avx2"))) static double accumulate5_i16c_avx2(const clf_scorer *s,
                                                                    const clf__hit *hits,
                                                                    size_t n, double *acc)
{
    return accumulate5_i16_avx2(s, hits, n, acc, 12);
}

__attribute__((target("avx2"))) static double accumulate5_i16w_avx2(const clf_scorer *s,
                                                                    const clf__hit *hits,
                                                                    size_t n, double *acc)
{
    return accumulate5_i16_avx2(s, hits, n, acc, 16);
}
#endif

/* accumulate() with K and the row layout constant where they can be. */
CLF__INLINE double accumulate_any(const clf_scorer *s, const clf__hit *hits, size_t n,
                             const size_t K, double *acc)
{
    const clf_model *m = s->model;
    const int i16 = m->weight_type == CLF__WEIGHTS_I16, compact = m->idf_table != NULL;
#define CLF__ACC(KK) (compact ? accumulate(s, hits, n, KK, 1, 1, acc)                          \
                      : i16   ? accumulate(s, hits, n, KK, 1, 0, acc)                          \
                              : accumulate(s, hits, n, KK, 0, 0, acc))
    if (K == 5)
        return CLF__ACC(5);
    if (K == 7)
        return CLF__ACC(7);
    return CLF__ACC(K);
#undef CLF__ACC
}

int clf__score_margins(clf_scorer *s, const char *text, size_t len, double *margins,
                       clf_doc_info *info)
{
    const clf_model *m = s->model;
    const size_t K = m->n_cats, NC = m->n_cols;
    const clf__hit *hits;
    size_t n;
    int truncated = 0;
    int rc = clf__featurize_hits(s->feat, m, text, len, &hits, &n, &truncated);
    if (rc != CLF_OK)
        return rc;
    info->truncated = truncated;
    info->scored_bytes = truncated ? clf__utf8_cut(text, len, clf__featurizer_max_bytes(s->feat))
                                   : len;
    /* the tokenizer counted the Arabic words (no Arabic word is no Arabic
     * letter: abstention); the shrinkage counts at most the cap */
    size_t words = clf__featurizer_arabic_words(s->feat, m->words_by_letters);
    s->words = words < CLF__EVIDENCE_MAX_WORDS ? words : CLF__EVIDENCE_MAX_WORDS;
    int has_arabic = words > 0;
    info->abstain = has_arabic ? CLF_ABSTAIN_NONE : CLF_ABSTAIN_NO_ARABIC;
    if (info->abstain != CLF_ABSTAIN_NONE) {
        /* the empty text's margins: the bias alone */
        for (size_t k = 0; k < K; k++)
            margins[k] = m->cats[k].bias;
        for (size_t g = 0; g < m->n_gates; g++)
            s->gz[g] = m->gates[g].bias;
        clf__model_apply_gates(m, s->gz, margins);
        return CLF_OK;
    }

    double *acc = s->acc;
    double norm2;
    if (NC == 5) { /* the shipped model */
        double a[5] = {0.0, 0.0, 0.0, 0.0, 0.0};
#if defined(CLF__HAVE_AVX2_PATH)
        if (m->weight_type == CLF__WEIGHTS_I16 && s->hw_avx2 && m->idf_table)
            norm2 = accumulate5_i16c_avx2(s, hits, n, a);
        else if (m->weight_type == CLF__WEIGHTS_I16 && s->hw_avx2 && m->row_bytes == 16)
            norm2 = accumulate5_i16w_avx2(s, hits, n, a);
        else
#endif
        norm2 = accumulate_any(s, hits, n, 5, a);
        memcpy(acc, a, sizeof a);
    } else if (NC == 7) { /* five categories and two gates */
        double a[7] = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0};
        norm2 = accumulate_any(s, hits, n, 7, a);
        memcpy(acc, a, sizeof a);
    } else {
        memset(acc, 0, NC * sizeof *acc);
        norm2 = accumulate_any(s, hits, n, NC, acc);
    }
    const clf_feature_options *fo = &m->fopts;
    double scale = (fo->l2_normalize && norm2 > 0.0) ? 1.0 / sqrt(norm2) : 1.0;
    if (m->shrinks) { /* short-text shrinkage (format.h) */
        for (size_t k = 0; k < K; k++)
            margins[k] = acc[k] * (double)m->wscale[k] * scale *
                             clf__evidence_factor(m->cats[k].evidence_words, s->words) +
                         m->cats[k].bias;
    } else {
        for (size_t k = 0; k < K; k++)
            margins[k] = acc[k] * (double)m->wscale[k] * scale + m->cats[k].bias;
    }
    if (m->n_gates) {
        for (size_t g = 0; g < m->n_gates; g++)
            s->gz[g] = acc[K + g] * (double)m->wscale[K + g] * scale + m->gates[g].bias;
        clf__model_apply_gates(m, s->gz, margins);
    }
    return CLF_OK;
}

int clf__fill_results(const clf_scorer *s, const double *margins, const clf_doc_info *info,
                      clf_score_result *res, int *nflagged)
{
    int f = 0;
    for (size_t k = 0; k < s->model->n_cats; k++) {
        double p = clf__calibrate(&s->model->cats[k], margins[k]);
        /* the loader bounds every value so this cannot happen; a wrong
         * number must never reach a moderation decision silently */
        if (!isfinite(margins[k]) || !(p >= 0.0 && p <= 1.0))
            return clf__error(CLF_E_INTERNAL, "category %s: non-finite score (margin %g)",
                              s->model->cats[k].name, margins[k]);
        res[k].margin = margins[k];
        res[k].probability = p;
        res[k].flagged =
            info->abstain == CLF_ABSTAIN_NONE && s->flags[k] && p >= s->thresholds[k];
        f += res[k].flagged;
    }
    *nflagged = f;
    return CLF_OK;
}

CLF_API int clf_score(clf_scorer *s, const char *text, size_t len, clf_score_result *results,
                      size_t capacity, clf_doc_info *info)
{
    if (!s || !results || (!text && len))
        return clf__error(CLF_E_INVALID_ARG, "clf_score: NULL argument");
    const size_t K = s->model->n_cats;
    if (capacity < K)
        return clf__error(CLF_E_BUFFER, "clf_score: room for %zu results, the model has %zu "
                          "categories", capacity, K);
    if (!text)
        text = "";
    double stackm[16];
    double *margins = K <= 16 ? stackm : malloc(K * sizeof *margins);
    if (!margins)
        return clf__error(CLF_E_NOMEM, "out of memory");
    clf_doc_info di = {0, 0, 0};
    int rc = clf__score_margins(s, text, len, margins, &di);
    int nflagged = 0;
    if (rc == CLF_OK)
        rc = clf__fill_results(s, margins, &di, results, &nflagged);
    if (margins != stackm)
        free(margins);
    if (rc == CLF_OK && info)
        *info = di;
    return rc == CLF_OK ? nflagged : rc;
}

CLF_API int clf_score_batch(clf_scorer *s, const char *const *texts, const size_t *lens,
                            size_t n, clf_score_result *results, size_t capacity, int *status,
                            clf_doc_info *infos)
{
    if (!s || (n && (!texts || !lens || !results || !status)))
        return clf__error(CLF_E_INVALID_ARG, "clf_score_batch: NULL argument");
    const size_t K = s->model->n_cats;
    if (n > capacity / K)
        return clf__error(CLF_E_BUFFER,
                          "clf_score_batch: room for %zu results, %zu texts x %zu categories "
                          "need more",
                          capacity, n, K);
    for (size_t j = 0; j < n; j++)
        status[j] = clf_score(s, texts[j], lens[j], results + j * K, K, infos ? &infos[j] : NULL);
    return CLF_OK;
}
