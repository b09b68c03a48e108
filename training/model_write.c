/*
 * model_write.c - serializing a clf_model_spec into the model file format
 * (libclassify/model/format.h) and replacing a file atomically.
 *
 * The file is assembled in one zeroed buffer (so padding and reserved bytes
 * are zero and the output is deterministic), checksummed, loaded back with
 * the runtime loader as a self-check, and only then written.
 */
#include "model_write.h"

#include <errno.h>
#include <float.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic.h"
#include "internal.h"
#include "model/format.h"
#include "model/model_internal.h"

#define SPEC "model spec"

/* The section order of the files we write: small ones first, big arrays last. */
static const uint32_t write_order[] = {
    CLF__SEC_OPTIONS, CLF__SEC_DEPS, CLF__SEC_CATEGORIES, CLF__SEC_GATES, CLF__SEC_STRINGS,
    CLF__SEC_META,    CLF__SEC_ROWS, CLF__SEC_IDF,        CLF__SEC_WEIGHTS
};
#define N_ORDER (sizeof write_order / sizeof write_order[0])

void clf_model_spec_init(clf_model_spec *spec)
{
    if (!spec)
        return;
    memset(spec, 0, sizeof *spec);
    clf_norm_options n = CLF_NORM_OPTIONS_INIT;
    clf_feature_options f = CLF_FEATURE_OPTIONS_INIT;
    spec->nopts = n;
    spec->fopts = f;
    spec->weight_type = CLF_MODEL_WEIGHTS_F32;
}

/* The shared checks record a message and return CLF_E_MODEL_FORMAT; for a
 * spec the same message stands, with CLF_E_INVALID_ARG. */
#define SPEC_CHECK(call)                \
    do {                                \
        if ((call) != CLF_OK)           \
            return CLF_E_INVALID_ARG;   \
    } while (0)

static int check_spec(const clf_model_spec *s, const char **meta, size_t *meta_len)
{
    if (!s->name)
        return clf__error(CLF_E_INVALID_ARG, SPEC ": name is NULL");
    SPEC_CHECK(clf__model_check_name(s->name, strlen(s->name), "model name", SPEC));
    if (s->nopts.version != CLF_NORM_OPTIONS_VERSION ||
        s->fopts.version != CLF_FEATURE_OPTIONS_VERSION)
        return clf__error(CLF_E_INVALID_ARG,
                          SPEC ": unknown options version (norm %u, features %u): initialize "
                          "them with clf_model_spec_init()",
                          s->nopts.version, s->fopts.version);
    SPEC_CHECK(clf__model_check_options(&s->nopts, &s->fopts, SPEC));

    if (s->n_cats < 1 || s->n_cats > CLF__MAX_CATEGORIES)
        return clf__error(CLF_E_INVALID_ARG, SPEC ": %zu categories, not 1..%u", s->n_cats,
                          CLF__MAX_CATEGORIES);
    if (!s->cats)
        return clf__error(CLF_E_INVALID_ARG, SPEC ": cats is NULL");
    for (size_t i = 0; i < s->n_cats; i++) {
        const clf_model_spec_category *c = &s->cats[i];
        char what[64];
        snprintf(what, sizeof what, "category %zu name", i);
        if (!c->name)
            return clf__error(CLF_E_INVALID_ARG, SPEC ": %s is NULL", what);
        SPEC_CHECK(clf__model_check_name(c->name, strlen(c->name), what, SPEC));
        for (size_t j = 0; j < i; j++)
            if (strcmp(s->cats[j].name, c->name) == 0)
                return clf__error(CLF_E_INVALID_ARG,
                                  SPEC ": categories %zu and %zu have the same name \"%s\"", j,
                                  i, c->name);
        if (!(c->threshold >= 0.0 && c->threshold <= 1.0))
            return clf__error(CLF_E_INVALID_ARG,
                              SPEC ": category %s: threshold %g is not in [0,1]", c->name,
                              c->threshold);
        if (!isfinite(c->calib_a) || !isfinite(c->calib_b) || !isfinite(c->bias))
            return clf__error(CLF_E_INVALID_ARG,
                              SPEC ": category %s: calibration (%g, %g) or bias %g is not finite",
                              c->name, c->calib_a, c->calib_b, c->bias);
        if (c->calib_a > 0.0) /* training constrains A <= 0 (calibrate.h) */
            return clf__error(CLF_E_INVALID_ARG,
                              SPEC ": category %s: calibration A %g > 0: the probability would "
                              "fall as the margin rises", c->name, c->calib_a);
        if (c->report_only != 0 && c->report_only != 1)
            return clf__error(CLF_E_INVALID_ARG, SPEC ": category %s: report_only %d is not 0 or 1",
                              c->name, c->report_only);
        if (c->evidence_words > CLF__MAX_EVIDENCE_WORDS)
            return clf__error(CLF_E_INVALID_ARG, SPEC ": category %s: evidence_words %u is more "
                              "than %u", c->name, c->evidence_words, CLF__MAX_EVIDENCE_WORDS);
    }

    if (s->n_gates > CLF__MAX_GATES || (s->n_gates && !s->gates))
        return clf__error(CLF_E_INVALID_ARG, SPEC ": %zu gates (at most %u, gates non-NULL)",
                          s->n_gates, CLF__MAX_GATES);
    for (size_t i = 0; i < s->n_gates; i++) {
        const clf_model_spec_gate *g = &s->gates[i];
        char what[64];
        snprintf(what, sizeof what, "gate %zu name", i);
        if (!g->name)
            return clf__error(CLF_E_INVALID_ARG, SPEC ": %s is NULL", what);
        SPEC_CHECK(clf__model_check_name(g->name, strlen(g->name), what, SPEC));
        if (g->category >= s->n_cats)
            return clf__error(CLF_E_INVALID_ARG, SPEC ": gate %s: category %zu, there are %zu",
                              g->name, g->category, s->n_cats);
        if (!isfinite(g->bias) || !(isfinite(g->weight) && g->weight >= 0.0) ||
            !(g->tau >= 0.0 && g->tau <= 1.0))
            return clf__error(CLF_E_INVALID_ARG,
                              SPEC ": gate %s: bias %g, weight %g (finite, >= 0) or tau %g "
                              "(in [0,1]) out of range",
                              g->name, g->bias, g->weight, g->tau);
        for (size_t j = 0; j < i; j++)
            if (s->gates[j].category == g->category && strcmp(s->gates[j].name, g->name) == 0)
                return clf__error(CLF_E_INVALID_ARG,
                                  SPEC ": gates %zu and %zu of one category are both \"%s\"", j,
                                  i, g->name);
    }

    const uint64_t n_buckets = (uint64_t)1 << s->fopts.hash_bits;
    if ((uint64_t)s->n_rows > n_buckets)
        return clf__error(CLF_E_INVALID_ARG, SPEC ": %zu rows but only %llu buckets", s->n_rows,
                          (unsigned long long)n_buckets);
    if (s->n_rows > 0 && (!s->buckets || !s->weights))
        return clf__error(CLF_E_INVALID_ARG, SPEC ": %s is NULL with %zu rows",
                          s->buckets ? "weights" : "buckets", s->n_rows);
    for (size_t r = 0; r < s->n_rows; r++) {
        if (s->buckets[r] >= n_buckets)
            return clf__error(CLF_E_INVALID_ARG,
                              SPEC ": row %zu: bucket %u is not below 2^hash_bits = %llu", r,
                              s->buckets[r], (unsigned long long)n_buckets);
        if (r > 0 && s->buckets[r] <= s->buckets[r - 1])
            return clf__error(CLF_E_INVALID_ARG,
                              SPEC ": row %zu: buckets are not strictly increasing (%u after %u)",
                              r, s->buckets[r], s->buckets[r - 1]);
        if (s->idf && !(isfinite(s->idf[r]) && s->idf[r] > 0.0f))
            return clf__error(CLF_E_INVALID_ARG, SPEC ": row %zu: IDF %g is not finite and > 0",
                              r, (double)s->idf[r]);
    }
    const size_t NC = s->n_cats + s->n_gates;
    const size_t n_weights = s->n_rows * NC; /* <= 2^26 * 320 */
    for (size_t i = 0; i < n_weights; i++)
        if (!isfinite(s->weights[i]))
            return clf__error(CLF_E_INVALID_ARG, SPEC ": row %zu, column %zu: weight is %g",
                              i / NC, i % NC, (double)s->weights[i]);
    if (s->weight_type != CLF_MODEL_WEIGHTS_F32 && s->weight_type != CLF_MODEL_WEIGHTS_I16)
        return clf__error(CLF_E_INVALID_ARG, SPEC ": unknown weight_type %d",
                          (int)s->weight_type);

    *meta = s->meta ? s->meta : "{}";
    *meta_len = strlen(*meta);
    SPEC_CHECK(clf__model_check_meta(*meta, *meta_len, SPEC));
    return CLF_OK;
}

static uint64_t align8(uint64_t x)
{
    return (x + 7) & ~(uint64_t)7;
}

/* Per-category i16 scales: max|w| / 32767, or 1 for an all-zero column
 * (and for one whose scale would not be a normal float: its weights are
 * below 1e-33 and quantize to 0 either way). */
static void quant_scales(const clf_model_spec *s, double *scale)
{
    const size_t NC = s->n_cats + s->n_gates;
    for (size_t c = 0; c < NC; c++) {
        double mx = 0.0;
        for (size_t r = 0; r < s->n_rows; r++) {
            double a = fabs((double)s->weights[r * NC + c]);
            if (a > mx)
                mx = a;
        }
        scale[c] = mx > 0.0 && (float)(mx / 32767.0) >= FLT_MIN ? mx / 32767.0 : 1.0;
    }
}

/* The layout of a file: each section's size and offset, and the total. */
typedef struct layout {
    uint64_t sizes[CLF__SEC_GATES + 1], offs[CLF__SEC_GATES + 1];
    uint32_t order[N_ORDER];  /* the sections written, in file order */
    size_t n;
    uint64_t total;
} layout;

static void plan(const clf_model_spec *spec, size_t meta_len, layout *L)
{
    const size_t K = spec->n_cats, R = spec->n_rows, NC = K + spec->n_gates;
    size_t strings_len = strlen(spec->name);
    for (size_t i = 0; i < K; i++)
        strings_len += strlen(spec->cats[i].name);
    for (size_t i = 0; i < spec->n_gates; i++)
        strings_len += strlen(spec->gates[i].name);
    memset(L, 0, sizeof *L);
    /* GATES only when there are gates: a model without them has the
     * sections of version 2 */
    for (size_t i = 0; i < N_ORDER; i++)
        if (write_order[i] != CLF__SEC_GATES || spec->n_gates)
            L->order[L->n++] = write_order[i];
    L->sizes[CLF__SEC_GATES] = 8 + (uint64_t)spec->n_gates * sizeof(clf__file_gate);
    L->sizes[CLF__SEC_OPTIONS] = sizeof(clf__file_options);
    L->sizes[CLF__SEC_DEPS] = sizeof(clf__file_deps);
    L->sizes[CLF__SEC_CATEGORIES] = 8 + (uint64_t)K * sizeof(clf__file_category);
    L->sizes[CLF__SEC_STRINGS] = strings_len;
    L->sizes[CLF__SEC_META] = meta_len;
    L->sizes[CLF__SEC_ROWS] = 8 + (uint64_t)R * 4;
    L->sizes[CLF__SEC_IDF] = spec->idf ? (uint64_t)R * 4 : 0;
    L->sizes[CLF__SEC_WEIGHTS] =
        (uint64_t)R * NC * (spec->weight_type == CLF_MODEL_WEIGHTS_I16 ? 2 : 4);
    uint64_t pos = CLF__HEADER_SIZE + L->n * CLF__SECTION_ENTRY_SIZE;
    for (size_t i = 0; i < L->n; i++) {
        pos = align8(pos);
        L->offs[L->order[i]] = pos;
        pos += L->sizes[L->order[i]];
    }
    L->total = align8(pos);
}

/* Header and section table. */
static void put_header(unsigned char *buf, const layout *L)
{
    clf__file_header h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, CLF__MAGIC, 8);
    h.format_version = CLF__FORMAT_VERSION;
    h.header_size = CLF__HEADER_SIZE;
    h.file_size = L->total;
    h.n_sections = (uint32_t)L->n;
    memcpy(buf, &h, sizeof h);
    for (size_t i = 0; i < L->n; i++) {
        clf__section_entry e;
        memset(&e, 0, sizeof e);
        e.id = L->order[i];
        e.offset = L->offs[e.id];
        e.size = L->sizes[e.id];
        memcpy(buf + CLF__HEADER_SIZE + i * CLF__SECTION_ENTRY_SIZE, &e, sizeof e);
    }
}

/* OPTIONS and DEPS (what this library computes features with). */
static int put_options(unsigned char *buf, const layout *L, const clf_model_spec *spec)
{
    clf__file_options o;
    memset(&o, 0, sizeof o);
    o.norm_flags = spec->nopts.flags;
    o.use_idf = spec->idf ? 1 : 0;
    o.norm_max_bytes = (uint64_t)spec->nopts.max_bytes;
    o.word_ngram_max = spec->fopts.word_ngram_max;
    o.char_ngram_min = spec->fopts.char_ngram_min;
    o.char_ngram_max = spec->fopts.char_ngram_max;
    o.char_mode = spec->fopts.char_mode;
    o.stems = spec->fopts.stems;
    o.hash_bits = spec->fopts.hash_bits;
    o.sublinear_tf = spec->fopts.sublinear_tf;
    o.l2_normalize = spec->fopts.l2_normalize;
    o.hash_seed = spec->fopts.hash_seed;
    o.name_offset = 0; /* the model name opens STRINGS */
    o.name_len = (uint32_t)strlen(spec->name);
    memcpy(buf + L->offs[CLF__SEC_OPTIONS], &o, sizeof o);

    clf_feature_deps host;
    int rc = clf_runtime_feature_deps(&host);
    if (rc != CLF_OK)
        return rc;
    clf__file_deps d;
    memset(&d, 0, sizeof d);
    /* the revision the spec's features were computed with (0: the newest) */
    d.feature_revision = spec->fopts.feature_revision ? spec->fopts.feature_revision
                                                      : host.feature_revision;
    memcpy(d.unicode_version, host.unicode_version, strnlen(host.unicode_version, 15));
    memcpy(d.icu_version, host.icu_version, strnlen(host.icu_version, 15));
    memcpy(d.stemmer, host.stemmer, strnlen(host.stemmer, 55));
    memcpy(buf + L->offs[CLF__SEC_DEPS], &d, sizeof d);
    return CLF_OK;
}

/* CATEGORIES and STRINGS: the model name, then each category name, no separators. */
static void put_categories(unsigned char *buf, const layout *L, const clf_model_spec *spec,
                           const double *scale)
{
    const int i16 = spec->weight_type == CLF_MODEL_WEIGHTS_I16;
    const size_t K = spec->n_cats;
    unsigned char *str = buf + L->offs[CLF__SEC_STRINGS];
    size_t name_len = strlen(spec->name);
    memcpy(str, spec->name, name_len);
    uint32_t spos = (uint32_t)name_len;
    unsigned char *cat = buf + L->offs[CLF__SEC_CATEGORIES];
    const uint32_t n32 = (uint32_t)K, wt = i16 ? CLF__WEIGHTS_I16 : CLF__WEIGHTS_F32;
    memcpy(cat, &n32, 4);
    memcpy(cat + 4, &wt, 4);
    for (size_t i = 0; i < K; i++) {
        const clf_model_spec_category *c = &spec->cats[i];
        size_t nl = strlen(c->name);
        clf__file_category fc;
        memset(&fc, 0, sizeof fc);
        fc.name_offset = spos;
        fc.name_len = (uint32_t)nl;
        memcpy(str + spos, c->name, nl);
        spos += (uint32_t)nl;
        fc.threshold = c->threshold;
        fc.calib_a = c->calib_a;
        fc.calib_b = c->calib_b;
        fc.bias = c->bias;
        fc.weight_scale = i16 ? scale[i] : 1.0;
        fc.flags = c->report_only ? CLF__CAT_REPORT_ONLY : 0u;
        fc.evidence_words = c->evidence_words;
        memcpy(cat + 8 + i * sizeof fc, &fc, sizeof fc);
    }
    if (!spec->n_gates)
        return;
    unsigned char *gs = buf + L->offs[CLF__SEC_GATES];
    const uint32_t g32 = (uint32_t)spec->n_gates;
    memcpy(gs, &g32, 4);
    for (size_t i = 0; i < spec->n_gates; i++) {
        const clf_model_spec_gate *g = &spec->gates[i];
        size_t nl = strlen(g->name);
        clf__file_gate fg;
        memset(&fg, 0, sizeof fg);
        fg.name_offset = spos;
        fg.name_len = (uint32_t)nl;
        memcpy(str + spos, g->name, nl);
        spos += (uint32_t)nl;
        fg.category = (uint32_t)g->category;
        fg.bias = g->bias;
        fg.weight_scale = i16 ? scale[K + i] : 1.0;
        fg.weight = g->weight;
        fg.tau = g->tau;
        memcpy(gs + 8 + i * sizeof fg, &fg, sizeof fg);
    }
}

/* ROWS, IDF and WEIGHTS (quantized for i16). */
static void put_rows(unsigned char *buf, const layout *L, const clf_model_spec *spec,
                     const double *scale)
{
    const size_t K = spec->n_cats + spec->n_gates, R = spec->n_rows;
    unsigned char *rows = buf + L->offs[CLF__SEC_ROWS];
    const uint32_t r32 = (uint32_t)R;
    memcpy(rows, &r32, 4);
    if (R) {
        memcpy(rows + 8, spec->buckets, R * 4);
        if (spec->idf)
            memcpy(buf + L->offs[CLF__SEC_IDF], spec->idf, R * 4);
    }
    unsigned char *w = buf + L->offs[CLF__SEC_WEIGHTS];
    if (spec->weight_type != CLF_MODEL_WEIGHTS_I16) {
        if (R)
            memcpy(w, spec->weights, R * K * 4);
        return;
    }
    for (size_t r = 0, k = 0; r < R; r++)
        for (size_t c = 0; c < K; c++, k++) {
            /* lround: half away from zero, independent of the rounding mode */
            long q = lround((double)spec->weights[k] / scale[c]);
            if (q > 32767)
                q = 32767;
            if (q < -32767)
                q = -32767;
            int16_t q16 = (int16_t)q;
            memcpy(w + k * 2, &q16, 2);
        }
}

/* Checksum, then load the bytes back: what we write must load. */
static int seal(unsigned char *buf, size_t total)
{
    uint64_t sum;
    int rc = clf__model_checksum(buf, total, &sum);
    if (rc != CLF_OK)
        return rc;
    memcpy(buf + offsetof(clf__file_header, checksum), &sum, 8);
    clf_model *m = NULL;
    rc = clf_model_load_buffer(&m, buf, total);
    clf_model_free(m);
    if (rc != CLF_OK) {
        char why[512];
        snprintf(why, sizeof why, "%s", clf_last_error());
        return clf__error(CLF_E_INTERNAL, "model writer: the model does not load back (%s): %s",
                          clf_strerror(rc), why);
    }
    return CLF_OK;
}

int clf_model_write_buffer(unsigned char **out, size_t *len, const clf_model_spec *spec)
{
    if (!out || !len || !spec)
        return clf__error(CLF_E_INVALID_ARG, "clf_model_write_buffer: NULL argument");
    *out = NULL;
    *len = 0;
    if (!clf__host_little_endian())
        return clf__error(CLF_E_INTERNAL,
                          "model files are little-endian and this host is big-endian: "
                          "not supported");
    const char *meta = NULL;
    size_t meta_len = 0;
    int rc = check_spec(spec, &meta, &meta_len);
    if (rc != CLF_OK)
        return rc;

    layout L;
    plan(spec, meta_len, &L);
    if (L.total > SIZE_MAX)
        return clf__error(CLF_E_TOO_LARGE, SPEC ": a %llu-byte model does not fit in memory",
                          (unsigned long long)L.total);
    /* one zeroed buffer: padding and reserved bytes are zero, output deterministic */
    unsigned char *buf = calloc(1, (size_t)L.total);
    if (!buf)
        return clf__error(CLF_E_NOMEM, "out of memory (%llu bytes)", (unsigned long long)L.total);
    double scale[CLF__MAX_CATEGORIES + CLF__MAX_GATES];
    if (spec->weight_type == CLF_MODEL_WEIGHTS_I16)
        quant_scales(spec, scale);
    put_header(buf, &L);
    rc = put_options(buf, &L, spec);
    if (rc == CLF_OK) {
        put_categories(buf, &L, spec, scale);
        memcpy(buf + L.offs[CLF__SEC_META], meta, meta_len);
        put_rows(buf, &L, spec, scale);
        rc = seal(buf, (size_t)L.total);
    }
    if (rc != CLF_OK) {
        free(buf);
        return rc;
    }
    *out = buf;
    *len = (size_t)L.total;
    return CLF_OK;
}

int clf_model_write(const char *path, const clf_model_spec *spec)
{
    if (!path || !spec)
        return clf__error(CLF_E_INVALID_ARG, "clf_model_write: NULL %s", path ? "spec" : "path");
    unsigned char *buf;
    size_t len;
    int rc = clf_model_write_buffer(&buf, &len, spec);
    if (rc != CLF_OK)
        return rc;
    clf_atomic *a;
    rc = clf_atomic_open(&a, path);
    if (rc == CLF_OK) {
        if (fwrite(buf, 1, len, clf_atomic_file(a)) == len) {
            rc = clf_atomic_commit(a);
        } else {
            rc = clf__error(CLF_E_IO, "%s: cannot write: %s", path, strerror(errno));
            clf_atomic_abort(a);
        }
    }
    free(buf);
    return rc;
}
