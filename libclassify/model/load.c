/*
 * load.c - opening, validating and mapping model files (layout: format.h,
 * docs/model-format.md), and the accessors of classify/model.h.
 *
 * Every byte of the file is distrusted until checked: the header bounds
 * first, then the checksum (so that random corruption is reported as a
 * checksum mismatch), then the section table and each section. Only then
 * is the compact row lookup built. Header fields and structs are read with
 * memcpy; arrays are used in place, which validation makes safe (sections
 * are 8-aligned and the file base is page- or malloc-aligned).
 */
/* MAP_ANONYMOUS and MADV_HUGEPAGE (the lookup tables) are not in POSIX 2008. */
#define _DEFAULT_SOURCE 1

#include <errno.h>
#include <float.h>
#include <fcntl.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "internal.h"
#include "format.h"
#include "model_internal.h"

/* The structs are copied to and from the file bytes: their layout is the format. */
_Static_assert(sizeof(clf__file_header) == CLF__HEADER_SIZE, "header is 64 bytes");
_Static_assert(offsetof(clf__file_header, checksum) == 32, "checksum at 32");
_Static_assert(sizeof(clf__section_entry) == CLF__SECTION_ENTRY_SIZE, "entry is 24 bytes");
_Static_assert(sizeof(clf__file_options) == 72, "OPTIONS is 72 bytes");
_Static_assert(offsetof(clf__file_options, hash_seed) == 48, "hash_seed at 48");
_Static_assert(sizeof(clf__file_category) == 56, "category is 56 bytes");
_Static_assert(offsetof(clf__file_category, threshold) == 8, "threshold at 8");
_Static_assert(sizeof(float) == 4 && sizeof(double) == 8, "IEEE-754 binary32/64");

#define CLF__CHECKSUM_OFFSET 32u
#define CLF__N_SECTION_IDS 9u

static const char *const section_names[CLF__N_SECTION_IDS + 1] = {
    "?", "OPTIONS", "CATEGORIES", "ROWS", "IDF", "WEIGHTS", "STRINGS", "META", "DEPS", "GATES"
};
_Static_assert(sizeof(clf__file_deps) == 96, "DEPS is 96 bytes");
_Static_assert(sizeof(clf__file_gate) == 56, "a gate is 56 bytes");

int clf__host_little_endian(void)
{
    const uint16_t one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 1;
}

/*
 * libxxhash built with its x86 dispatcher (Debian's is) exports
 * XXH3_64bits_update_dispatch, which picks AVX2 at run time: about 40%
 * faster on a big model than the SSE2 baseline. A weak reference uses it
 * when the library has it and falls back to the portable entry otherwise.
 */
#if defined(__x86_64__) && defined(__GNUC__) && defined(__ELF__)
#  define CLF__XXH_WEAK_DISPATCH 1
XXH_errorcode XXH3_64bits_update_dispatch(XXH3_state_t *state, const void *input, size_t len)
    __attribute__((weak));
#endif

static void xxh3_update(XXH3_state_t *st, const void *p, size_t n)
{
#ifdef CLF__XXH_WEAK_DISPATCH
    if (XXH3_64bits_update_dispatch) {
        XXH3_64bits_update_dispatch(st, p, n);
        return;
    }
#endif
    XXH3_64bits_update(st, p, n);
}

int clf__model_checksum(const unsigned char *file, size_t size, uint64_t *out)
{
    static const unsigned char zeros[8] = { 0 };
    XXH3_state_t *st = XXH3_createState();
    if (!st)
        return clf__error(CLF_E_NOMEM, "out of memory (checksum state)");
    XXH3_64bits_reset(st);
    xxh3_update(st, file, CLF__CHECKSUM_OFFSET);
    xxh3_update(st, zeros, sizeof zeros);
    xxh3_update(st, file + CLF__CHECKSUM_OFFSET + 8, size - CLF__CHECKSUM_OFFSET - 8);
    *out = XXH3_64bits_digest(st);
    XXH3_freeState(st);
    return CLF_OK;
}

int clf__model_check_options(const clf_norm_options *n, const clf_feature_options *f,
                             const char *where)
{
    if (n->flags & ~(unsigned int)CLF_NORM_ALL)
        return clf__error(CLF_E_MODEL_FORMAT, "%s: unknown normalization flag bits 0x%x",
                          where, n->flags & ~(unsigned int)CLF_NORM_ALL);
    if (f->word_ngram_max > CLF_MAX_WORD_NGRAM)
        return clf__error(CLF_E_MODEL_FORMAT, "%s: word_ngram_max %u is not in 0..%d", where,
                          f->word_ngram_max, CLF_MAX_WORD_NGRAM);
    if (f->char_ngram_max > CLF_MAX_CHAR_NGRAM)
        return clf__error(CLF_E_MODEL_FORMAT, "%s: char_ngram_max %u is not in 0..%d", where,
                          f->char_ngram_max, CLF_MAX_CHAR_NGRAM);
    /* char_ngram_min only matters when char n-grams are on. */
    if (f->char_ngram_max > 0 && (f->char_ngram_min < 1 || f->char_ngram_min > f->char_ngram_max))
        return clf__error(CLF_E_MODEL_FORMAT, "%s: char_ngram_min %u is not in 1..%u", where,
                          f->char_ngram_min, f->char_ngram_max);
    if (f->char_ngram_max == 0 && f->char_ngram_min > CLF_MAX_CHAR_NGRAM)
        return clf__error(CLF_E_MODEL_FORMAT, "%s: char_ngram_min %u is not in 0..%d", where,
                          f->char_ngram_min, CLF_MAX_CHAR_NGRAM);
    if (f->char_mode > CLF_CHAR_BOTH)
        return clf__error(CLF_E_MODEL_FORMAT, "%s: unknown char_mode %u", where, f->char_mode);
    if (f->stems > 1)
        return clf__error(CLF_E_MODEL_FORMAT, "%s: stems %u is not 0 or 1", where, f->stems);
    if (f->hash_bits < CLF_MIN_HASH_BITS || f->hash_bits > CLF_MAX_HASH_BITS)
        return clf__error(CLF_E_MODEL_FORMAT, "%s: hash_bits %u is not in %d..%d", where,
                          f->hash_bits, CLF_MIN_HASH_BITS, CLF_MAX_HASH_BITS);
    if (f->sublinear_tf > 1)
        return clf__error(CLF_E_MODEL_FORMAT, "%s: sublinear_tf %u is not 0 or 1", where,
                          f->sublinear_tf);
    if (f->l2_normalize > 1)
        return clf__error(CLF_E_MODEL_FORMAT, "%s: l2_normalize %u is not 0 or 1", where,
                          f->l2_normalize);
    /* 0: the newest (a writer's spec); a loaded model's comes from DEPS */
    if (f->feature_revision > CLF_FEATURE_REVISION ||
        (f->feature_revision != 0 && f->feature_revision < CLF_FEATURE_REVISION_MIN))
        return clf__error(CLF_E_MODEL_FORMAT, "%s: feature_revision %u is not in %d..%d", where,
                          f->feature_revision, CLF_FEATURE_REVISION_MIN, CLF_FEATURE_REVISION);
    return CLF_OK;
}

int clf__model_check_name(const char *s, size_t len, const char *what, const char *where)
{
    if (len < 1 || len > CLF__MAX_NAME)
        return clf__error(CLF_E_MODEL_FORMAT, "%s: %s is %zu bytes long, not 1..%u", where, what,
                          len, CLF__MAX_NAME);
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        int k = clf__utf8_decode(p + i, len - i, &cp);
        if (k == 0)
            return clf__error(CLF_E_MODEL_FORMAT, "%s: %s is not valid UTF-8 (byte %zu)", where,
                              what, i);
        /* Names end up in TSV and terminal output: no control characters. */
        if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0))
            return clf__error(CLF_E_MODEL_FORMAT, "%s: %s contains control character U+%04X",
                              where, what, (unsigned)cp);
        i += (size_t)k;
    }
    return CLF_OK;
}

/*
 * Whether any of n floats at p is Inf or NaN (exponent bits all ones).
 * Branch-free integer arithmetic, two floats per 64-bit word and four
 * independent accumulators: the weights are most of the file and a
 * per-float isfinite() branch cost more than the checksum. For one float,
 * (u & exp) + 2^23 reaches bit 31 only when the exponent is all ones, and
 * never carries into the next float's half.
 */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static int any_nonfinite(const unsigned char *p, size_t n)
{
    const uint64_t exp2 = 0x7F8000007F800000ull, one2 = 0x0080000000800000ull;
    uint64_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t u0, u1, u2, u3;
        memcpy(&u0, p + 4 * i, 8);
        memcpy(&u1, p + 4 * i + 8, 8);
        memcpy(&u2, p + 4 * i + 16, 8);
        memcpy(&u3, p + 4 * i + 24, 8);
        a0 |= (u0 & exp2) + one2;
        a1 |= (u1 & exp2) + one2;
        a2 |= (u2 & exp2) + one2;
        a3 |= (u3 & exp2) + one2;
    }
    uint64_t acc = a0 | a1 | a2 | a3;
    for (; i < n; i++) {
        uint32_t u;
        memcpy(&u, p + 4 * i, 4);
        acc |= (u & 0x7F800000u) + 0x00800000u;
    }
    return (acc & 0x8000000080000000ull) != 0;
}

/* A located, validated section. */
typedef struct section {
    uint64_t offset, size;
    int present;
} section;

static uint32_t rd32(const unsigned char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static int all_zero(const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return 0;
    return 1;
}

static int check_header(const unsigned char *p, size_t size, const char *label,
                        clf__file_header *h)
{
    static const char magic[8] = { 'C', 'L', 'F', 'M', 'O', 'D', 'E', 'L' };
    if (size == 0)
        return clf__error(CLF_E_MODEL_FORMAT, "%s: empty file, not a model", label);
    size_t cmp = size < 8 ? size : 8;
    if (memcmp(p, magic, cmp) != 0)
        return clf__error(CLF_E_MODEL_FORMAT,
                          "%s: not a libclassify model (no CLFMODEL magic at offset 0)", label);
    if (size < CLF__HEADER_SIZE)
        return clf__error(CLF_E_MODEL_FORMAT,
                          "%s: truncated: %zu bytes, shorter than the %u-byte header", label, size,
                          CLF__HEADER_SIZE);
    memcpy(h, p, sizeof *h);
    /* Only magic and version are fixed for all versions: check the version
     * before trusting anything else in the header. */
    if (h->format_version == 0)
        return clf__error(CLF_E_MODEL_FORMAT, "%s: format version 0 is invalid", label);
    if (h->format_version > CLF__FORMAT_VERSION)
        return clf__error(CLF_E_MODEL_VERSION,
                          "%s: format version %u is newer than this libclassify reads (up to %u): "
                          "upgrade libclassify",
                          label, h->format_version, CLF__FORMAT_VERSION);
    if (h->header_size != CLF__HEADER_SIZE)
        return clf__error(CLF_E_MODEL_FORMAT, "%s: header_size is %u, expected %u", label,
                          h->header_size, CLF__HEADER_SIZE);
    if (h->file_size > size)
        return clf__error(CLF_E_MODEL_FORMAT,
                          "%s: truncated: the header says %llu bytes but the file has %zu", label,
                          (unsigned long long)h->file_size, size);
    if (h->file_size < size)
        return clf__error(CLF_E_MODEL_FORMAT,
                          "%s: %zu bytes but the header says %llu: trailing data or a wrong size",
                          label, size, (unsigned long long)h->file_size);
    uint64_t sum;
    int rc = clf__model_checksum(p, size, &sum);
    if (rc != CLF_OK)
        return rc;
    if (sum != h->checksum)
        return clf__error(CLF_E_CHECKSUM,
                          "%s: checksum mismatch (stored %016llx, computed %016llx): the file is "
                          "corrupted",
                          label, (unsigned long long)h->checksum, (unsigned long long)sum);
    if (h->flags != 0)
        return clf__error(CLF_E_MODEL_FORMAT, "%s: unknown header flags 0x%x", label, h->flags);
    if (!all_zero(h->reserved, sizeof h->reserved))
        return clf__error(CLF_E_MODEL_FORMAT, "%s: reserved header bytes are not zero", label);
    return CLF_OK;
}

static int check_table(const unsigned char *p, size_t size, const char *label,
                       const clf__file_header *h, section *sec)
{
    if (h->n_sections < 1 || h->n_sections > CLF__MAX_SECTIONS)
        return clf__error(CLF_E_MODEL_FORMAT, "%s: %u sections, not 1..%u", label,
                          h->n_sections, CLF__MAX_SECTIONS);
    uint64_t table_end = (uint64_t)CLF__HEADER_SIZE + (uint64_t)h->n_sections * CLF__SECTION_ENTRY_SIZE;
    if (table_end > size)
        return clf__error(CLF_E_MODEL_FORMAT,
                          "%s: truncated: the section table ends at %llu but the file has %zu bytes",
                          label, (unsigned long long)table_end, size);
    uint32_t order[CLF__MAX_SECTIONS];
    uint32_t n = 0;
    for (uint32_t i = 0; i < h->n_sections; i++) {
        clf__section_entry e;
        memcpy(&e, p + CLF__HEADER_SIZE + (size_t)i * CLF__SECTION_ENTRY_SIZE, sizeof e);
        if (e.id < 1 || e.id > CLF__N_SECTION_IDS)
            return clf__error(CLF_E_MODEL_FORMAT, "%s: section %u has unknown id %u", label, i,
                              e.id);
        const char *nm = section_names[e.id];
        if (sec[e.id].present)
            return clf__error(CLF_E_MODEL_FORMAT, "%s: section %s appears twice", label, nm);
        if (e.flags != 0)
            return clf__error(CLF_E_MODEL_FORMAT, "%s: section %s has unknown flags 0x%x", label,
                              nm, e.flags);
        if (e.offset % 8 != 0)
            return clf__error(CLF_E_MODEL_FORMAT,
                              "%s: section %s starts at %llu, not a multiple of 8", label, nm,
                              (unsigned long long)e.offset);
        if (e.offset < table_end)
            return clf__error(CLF_E_MODEL_FORMAT,
                              "%s: section %s starts at %llu, inside the header or section table "
                              "(which ends at %llu)",
                              label, nm, (unsigned long long)e.offset,
                              (unsigned long long)table_end);
        if (e.offset > size || e.size > size - e.offset)
            return clf__error(CLF_E_MODEL_FORMAT,
                              "%s: truncated: section %s ends at %llu but the file has %zu bytes",
                              label, nm,
                              (unsigned long long)(e.offset > UINT64_MAX - e.size
                                                       ? UINT64_MAX
                                                       : e.offset + e.size),
                              size);
        sec[e.id].offset = e.offset;
        sec[e.id].size = e.size;
        sec[e.id].present = 1;
        /* insertion sort by offset, for the overlap check */
        uint32_t j = n++;
        while (j > 0 && sec[order[j - 1]].offset > e.offset) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = e.id;
    }
    for (uint32_t id = 1; id <= CLF__N_SECTION_IDS; id++) {
        /* DEPS came with format version 2, GATES (optional) with 3 */
        int wanted = id != CLF__SEC_DEPS || h->format_version >= 2;
        if (id == CLF__SEC_GATES) {
            if (sec[id].present && h->format_version < 3)
                return clf__error(CLF_E_MODEL_FORMAT,
                                  "%s: section %s is not part of format version %u", label,
                                  section_names[id], h->format_version);
            continue;
        }
        if (wanted && !sec[id].present)
            return clf__error(CLF_E_MODEL_FORMAT, "%s: section %s is missing", label,
                              section_names[id]);
        if (!wanted && sec[id].present)
            return clf__error(CLF_E_MODEL_FORMAT,
                              "%s: section %s is not part of format version %u", label,
                              section_names[id], h->format_version);
    }
    for (uint32_t i = 1; i < n; i++) {
        const section *a = &sec[order[i - 1]], *b = &sec[order[i]];
        if (a->offset + a->size > b->offset)
            return clf__error(CLF_E_MODEL_FORMAT,
                              "%s: sections %s [%llu, %llu) and %s [%llu, %llu) overlap", label,
                              section_names[order[i - 1]], (unsigned long long)a->offset,
                              (unsigned long long)(a->offset + a->size),
                              section_names[order[i]], (unsigned long long)b->offset,
                              (unsigned long long)(b->offset + b->size));
    }
    return CLF_OK;
}

/* A string (offset, len) of STRINGS, checked and copied NUL-terminated. */
/* A table section is an 8-byte head and n entries of `entry` bytes: its
 * size must say exactly that (what names the entries in the message). */
static int check_table_size(const char *label, const char *name, uint64_t size, uint32_t n,
                            size_t entry, const char *what)
{
    uint64_t want = 8 + (uint64_t)n * entry;
    if (size != want)
        return clf__error(CLF_E_MODEL_FORMAT, "%s: section %s is %llu bytes but %u %s need %llu",
                          label, name, (unsigned long long)size, n, what,
                          (unsigned long long)want);
    return CLF_OK;
}

static int take_string(const unsigned char *p, const section *strings, uint32_t off, uint32_t len,
                       const char *what, const char *label, char **out)
{
    if ((uint64_t)off + len > strings->size)
        return clf__error(CLF_E_MODEL_FORMAT,
                          "%s: %s [%u, +%u) lies outside the STRINGS section (%llu bytes)", label,
                          what, off, len, (unsigned long long)strings->size);
    const char *s = (const char *)(p + strings->offset + off);
    int rc = clf__model_check_name(s, len, what, label);
    if (rc != CLF_OK)
        return rc;
    char *c = malloc((size_t)len + 1);
    if (!c)
        return clf__error(CLF_E_NOMEM, "out of memory");
    memcpy(c, s, len);
    c[len] = '\0';
    *out = c;
    return CLF_OK;
}

static int parse_options(const unsigned char *p, const section *sec, const char *label,
                         clf_model *m)
{
    const section *so = &sec[CLF__SEC_OPTIONS];
    if (so->size != sizeof(clf__file_options))
        return clf__error(CLF_E_MODEL_FORMAT, "%s: section OPTIONS is %llu bytes, expected %zu",
                          label, (unsigned long long)so->size, sizeof(clf__file_options));
    clf__file_options o;
    memcpy(&o, p + so->offset, sizeof o);
    if (o.use_idf > 1)
        return clf__error(CLF_E_MODEL_FORMAT, "%s: OPTIONS use_idf %u is not 0 or 1", label,
                          o.use_idf);
    if (!all_zero(o.reserved1, sizeof o.reserved1))
        return clf__error(CLF_E_MODEL_FORMAT, "%s: reserved OPTIONS bytes are not zero", label);
    if (o.norm_max_bytes > SIZE_MAX)
        return clf__error(CLF_E_MODEL_FORMAT, "%s: norm_max_bytes %llu does not fit this host",
                          label, (unsigned long long)o.norm_max_bytes);
    m->nopts.version = CLF_NORM_OPTIONS_VERSION;
    m->nopts.flags = o.norm_flags;
    m->nopts.max_bytes = (size_t)o.norm_max_bytes;
    m->fopts.version = CLF_FEATURE_OPTIONS_VERSION;
    m->fopts.word_ngram_max = o.word_ngram_max;
    m->fopts.char_ngram_min = o.char_ngram_min;
    m->fopts.char_ngram_max = o.char_ngram_max;
    m->fopts.char_mode = o.char_mode;
    m->fopts.stems = o.stems;
    m->fopts.hash_bits = o.hash_bits;
    m->fopts.hash_seed = o.hash_seed;
    m->fopts.sublinear_tf = o.sublinear_tf;
    m->fopts.l2_normalize = o.l2_normalize;
    m->has_idf = (int)o.use_idf;
    int rc = clf__model_check_options(&m->nopts, &m->fopts, label);
    if (rc != CLF_OK)
        return rc;
    return take_string(p, &sec[CLF__SEC_STRINGS], o.name_offset, o.name_len, "model name", label,
                       &m->name);
}

static int parse_categories(const unsigned char *p, const section *sec, const char *label,
                            clf_model *m, uint32_t *weight_type, double *scales)
{
    const section *sc = &sec[CLF__SEC_CATEGORIES];
    if (sc->size < 8)
        return clf__error(CLF_E_MODEL_FORMAT, "%s: section CATEGORIES is %llu bytes, too short",
                          label, (unsigned long long)sc->size);
    const unsigned char *c = p + sc->offset;
    const uint32_t version = m->format_version;
    uint32_t n = rd32(c);
    *weight_type = rd32(c + 4);
    if (n < 1 || n > CLF__MAX_CATEGORIES)
        return clf__error(CLF_E_MODEL_FORMAT, "%s: %u categories, not 1..%u", label, n,
                          CLF__MAX_CATEGORIES);
    if (*weight_type != CLF__WEIGHTS_F32 && *weight_type != CLF__WEIGHTS_I16)
        return clf__error(CLF_E_MODEL_FORMAT, "%s: unknown weight_type %u", label, *weight_type);
    int trc = check_table_size(label, "CATEGORIES", sc->size, n, sizeof(clf__file_category),
                               "categories");
    if (trc != CLF_OK)
        return trc;
    m->cats = calloc(n, sizeof *m->cats);
    if (!m->cats)
        return clf__error(CLF_E_NOMEM, "out of memory");
    m->n_cats = n;
    for (uint32_t i = 0; i < n; i++) {
        clf__file_category fc;
        memcpy(&fc, c + 8 + (size_t)i * sizeof fc, sizeof fc);
        char what[64];
        snprintf(what, sizeof what, "category %u name", i);
        int rc = take_string(p, &sec[CLF__SEC_STRINGS], fc.name_offset, fc.name_len, what, label,
                             &m->cats[i].name);
        if (rc != CLF_OK)
            return rc;
        const char *nm = m->cats[i].name;
        if (!(fc.threshold >= 0.0 && fc.threshold <= 1.0)) /* also catches NaN */
            return clf__error(CLF_E_MODEL_FORMAT, "%s: category %s: threshold %g is not in [0,1]",
                              label, nm, fc.threshold);
        if (!isfinite(fc.calib_a) || !isfinite(fc.calib_b) || !isfinite(fc.bias))
            return clf__error(CLF_E_MODEL_FORMAT,
                              "%s: category %s: calibration (%g, %g) or bias %g is not finite",
                              label, nm, fc.calib_a, fc.calib_b, fc.bias);
        /* Training constrains Platt's A to <= 0 and the writer refuses A > 0:
         * a positive A (a hand-made or altered file) would give a probability
         * that falls as the evidence rises, a silent wrong answer. */
        if (fc.calib_a > 0.0)
            return clf__error(CLF_E_MODEL_FORMAT,
                              "%s: category %s: calibration A %g > 0: the probability would "
                              "fall as the margin rises", label, nm, fc.calib_a);
        /* The scorer multiplies by (float)weight_scale: check that value. A
         * scale that is 0, subnormal or infinite as a float, or whose
         * largest weight (32767 * scale) is not a finite float, would zero
         * a category or make scores non-finite. */
        float fs = (float)fc.weight_scale;
        if (*weight_type == CLF__WEIGHTS_F32 ? fc.weight_scale != 1.0
                                             : !(isfinite(fs) && fs >= FLT_MIN &&
                                                 (double)fs * 32767.0 <= FLT_MAX))
            return clf__error(CLF_E_MODEL_FORMAT, "%s: category %s: invalid weight_scale %g%s",
                              label, nm, fc.weight_scale,
                              *weight_type == CLF__WEIGHTS_F32
                                  ? " (must be 1 for f32 weights)"
                                  : " (as a float it must be normal, with 32767 * scale finite)");
        if ((version < 5 && fc.evidence_words != 0) || (version < 4 && fc.flags != 0))
            return clf__error(CLF_E_MODEL_FORMAT, "%s: category %s: reserved bytes are not zero",
                              label, nm);
        if (fc.flags & ~CLF__CAT_FLAGS_KNOWN)
            return clf__error(CLF_E_MODEL_FORMAT, "%s: category %s: unknown flags 0x%x", label, nm,
                              (unsigned)(fc.flags & ~CLF__CAT_FLAGS_KNOWN));
        if (fc.evidence_words > CLF__MAX_EVIDENCE_WORDS)
            return clf__error(CLF_E_MODEL_FORMAT,
                              "%s: category %s: evidence_words %u is more than %u", label, nm,
                              fc.evidence_words, CLF__MAX_EVIDENCE_WORDS);
        for (uint32_t j = 0; j < i; j++)
            if (strcmp(m->cats[j].name, nm) == 0)
                return clf__error(CLF_E_MODEL_FORMAT,
                                  "%s: categories %u and %u have the same name \"%s\"", label, j,
                                  i, nm);
        m->cats[i].threshold = fc.threshold;
        m->cats[i].calib_a = fc.calib_a;
        m->cats[i].calib_b = fc.calib_b;
        m->cats[i].bias = fc.bias;
        m->cats[i].report_only = (fc.flags & CLF__CAT_REPORT_ONLY) != 0;
        m->cats[i].evidence_words = fc.evidence_words;
        if (fc.evidence_words)
            m->shrinks = 1;
        scales[i] = fc.weight_scale;
    }
    return CLF_OK;
}

/* GATES (version 3, optional): each gate's name, category, bias, scale,
 * weight and tau; scales[] continues after the categories' scales. */
static int parse_gates(const unsigned char *p, const section *sec, const char *label,
                       clf_model *m, uint32_t weight_type, double *scales)
{
    m->n_cols = m->n_cats;
    const section *sg = &sec[CLF__SEC_GATES];
    if (!sg->present)
        return CLF_OK;
    if (sg->size < 8)
        return clf__error(CLF_E_MODEL_FORMAT, "%s: section GATES is %llu bytes, too short",
                          label, (unsigned long long)sg->size);
    const unsigned char *g = p + sg->offset;
    uint32_t n = rd32(g);
    if (n < 1 || n > CLF__MAX_GATES)
        return clf__error(CLF_E_MODEL_FORMAT, "%s: %u gates, not 1..%u", label, n,
                          CLF__MAX_GATES);
    if (rd32(g + 4) != 0)
        return clf__error(CLF_E_MODEL_FORMAT, "%s: reserved GATES field is not zero", label);
    int trc = check_table_size(label, "GATES", sg->size, n, sizeof(clf__file_gate), "gates");
    if (trc != CLF_OK)
        return trc;
    m->gates = calloc(n, sizeof *m->gates);
    if (!m->gates)
        return clf__error(CLF_E_NOMEM, "out of memory");
    m->n_gates = n;
    for (uint32_t i = 0; i < n; i++) {
        clf__file_gate fg;
        memcpy(&fg, g + 8 + (size_t)i * sizeof fg, sizeof fg);
        char what[64];
        snprintf(what, sizeof what, "gate %u name", i);
        int rc = take_string(p, &sec[CLF__SEC_STRINGS], fg.name_offset, fg.name_len, what, label,
                             &m->gates[i].name);
        if (rc != CLF_OK)
            return rc;
        const char *nm = m->gates[i].name;
        if (fg.category >= m->n_cats)
            return clf__error(CLF_E_MODEL_FORMAT, "%s: gate %s: category %u, the model has %zu",
                              label, nm, fg.category, m->n_cats);
        if (!isfinite(fg.bias) || !(isfinite(fg.weight) && fg.weight >= 0.0))
            return clf__error(CLF_E_MODEL_FORMAT,
                              "%s: gate %s: bias %g or weight %g is not finite (weight >= 0)",
                              label, nm, fg.bias, fg.weight);
        if (!(fg.tau >= 0.0 && fg.tau <= 1.0))
            return clf__error(CLF_E_MODEL_FORMAT, "%s: gate %s: tau %g is not in [0,1]", label,
                              nm, fg.tau);
        float fs = (float)fg.weight_scale;
        if (weight_type == CLF__WEIGHTS_F32 ? fg.weight_scale != 1.0
                                            : !(isfinite(fs) && fs >= FLT_MIN &&
                                                (double)fs * 32767.0 <= FLT_MAX))
            return clf__error(CLF_E_MODEL_FORMAT, "%s: gate %s: invalid weight_scale %g", label,
                              nm, fg.weight_scale);
        if (fg.reserved != 0 || !all_zero(fg.reserved2, sizeof fg.reserved2))
            return clf__error(CLF_E_MODEL_FORMAT, "%s: gate %s: reserved bytes are not zero",
                              label, nm);
        for (uint32_t j = 0; j < i; j++)
            if (m->gates[j].category == fg.category && strcmp(m->gates[j].name, nm) == 0)
                return clf__error(CLF_E_MODEL_FORMAT,
                                  "%s: gates %u and %u of category %s have the same name \"%s\"",
                                  label, j, i, m->cats[fg.category].name, nm);
        m->gates[i].category = fg.category;
        m->gates[i].bias = fg.bias;
        m->gates[i].weight = fg.weight;
        m->gates[i].tau = fg.tau;
        scales[m->n_cats + i] = fg.weight_scale;
    }
    m->n_cols = m->n_cats + n;
    return CLF_OK;
}

int clf__model_check_meta(const char *s, size_t n, const char *where)
{
    const unsigned char *t = (const unsigned char *)s;
    /* The runtime does not parse JSON: it only makes sure the text is what
     * the writer stores (a UTF-8 object), so printing it is safe. */
    if (n < 2 || t[0] != '{')
        return clf__error(CLF_E_MODEL_FORMAT, "%s: META is not a JSON object (no leading '{')",
                          where);
    size_t end = n;
    while (end > 0 && (t[end - 1] == ' ' || t[end - 1] == '\n' || t[end - 1] == '\t' ||
                       t[end - 1] == '\r'))
        end--;
    if (end < 2 || t[end - 1] != '}')
        return clf__error(CLF_E_MODEL_FORMAT, "%s: META is not a JSON object (no closing '}')",
                          where);
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        int k = clf__utf8_decode(t + i, n - i, &cp);
        if (k == 0 || cp == 0)
            return clf__error(CLF_E_MODEL_FORMAT, "%s: META has %s at byte %zu", where,
                              k == 0 ? "invalid UTF-8" : "a NUL byte", i);
        i += (size_t)k;
    }
    return CLF_OK;
}

static int parse_meta(const unsigned char *p, const section *sec, const char *label, clf_model *m)
{
    const section *s = &sec[CLF__SEC_META];
    const char *t = (const char *)(p + s->offset);
    size_t n = (size_t)s->size;
    int rc = clf__model_check_meta(t, n, label);
    if (rc != CLF_OK)
        return rc;
    m->meta = malloc(n + 1);
    if (!m->meta)
        return clf__error(CLF_E_NOMEM, "out of memory");
    memcpy(m->meta, t, n);
    m->meta[n] = '\0';
    return CLF_OK;
}

/*
 * The rows block and the file's bytes: filling them is first touch of
 * every page, the largest cost of loading a big model (4 KiB page faults;
 * on a virtual machine each first touch can cost ~20 us). Blocks of 2 MiB
 * and more are mapped 2 MiB-aligned and advised as huge pages where the
 * system offers them, which cuts that to a few faults; they come back
 * zeroed.
 */
#define CLF__HUGE ((size_t)2 << 20)

static void *big_alloc(size_t size, int *mapped)
{
    *mapped = 0;
#if defined(MAP_ANONYMOUS) && defined(MADV_HUGEPAGE)
    if (size >= CLF__HUGE && size <= SIZE_MAX - CLF__HUGE) {
        size_t span = size + CLF__HUGE;
        unsigned char *raw = mmap(NULL, span, PROT_READ | PROT_WRITE,
                                  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (raw != MAP_FAILED) {
            uintptr_t a = ((uintptr_t)raw + CLF__HUGE - 1) & ~(uintptr_t)(CLF__HUGE - 1);
            unsigned char *t = (unsigned char *)a;
            /* munmap takes whole pages: the tail starts at the page after t + size */
            long ps = sysconf(_SC_PAGESIZE);
            const size_t page = ps > 0 ? (size_t)ps : 4096;
            size_t keep = (size + page - 1) & ~(page - 1);
            size_t head = (size_t)(t - raw), tail = span - head - keep;
            if (head)
                munmap(raw, head);
            if (tail)
                munmap(t + keep, tail);
            (void)madvise(t, size, MADV_HUGEPAGE); /* advice: fine if refused */
#ifdef MADV_POPULATE_WRITE
            /* every page is written next: fault them all in one call
             * (Linux 5.14+; refused elsewhere, then they fault one by one) */
            (void)madvise(t, size, MADV_POPULATE_WRITE);
#endif
            *mapped = 1;
            return t;
        }
    }
#endif
    return calloc(1, size ? size : 1);
}

static void big_free(void *p, size_t size, int mapped)
{
    if (mapped)
        munmap(p, size);
    else
        free(p);
}

/* Check the sizes of ROWS, IDF and WEIGHTS against each other; *n = rows. */
static int check_row_sections(const unsigned char *p, const section *sec, const char *label,
                              const clf_model *m, uint32_t weight_type, uint32_t *n)
{
    const section *sr = &sec[CLF__SEC_ROWS];
    if (sr->size < 8)
        return clf__error(CLF_E_MODEL_FORMAT, "%s: section ROWS is %llu bytes, too short", label,
                          (unsigned long long)sr->size);
    *n = rd32(p + sr->offset);
    if (rd32(p + sr->offset + 4) != 0)
        return clf__error(CLF_E_MODEL_FORMAT, "%s: reserved ROWS field is not zero", label);
    int trc = check_table_size(label, "ROWS", sr->size, *n, 4, "rows");
    if (trc != CLF_OK)
        return trc;
    const uint64_t n_buckets = (uint64_t)1 << m->fopts.hash_bits;
    if (*n > n_buckets)
        return clf__error(CLF_E_MODEL_FORMAT, "%s: %u rows but only %llu buckets", label, *n,
                          (unsigned long long)n_buckets);
    const section *si = &sec[CLF__SEC_IDF];
    uint64_t idf_size = m->has_idf ? (uint64_t)*n * 4 : 0;
    if (si->size != idf_size)
        return clf__error(CLF_E_MODEL_FORMAT, "%s: section IDF is %llu bytes, expected %llu%s",
                          label, (unsigned long long)si->size, (unsigned long long)idf_size,
                          m->has_idf ? "" : " (the model has no IDF)");
    const section *sw = &sec[CLF__SEC_WEIGHTS];
    const uint64_t wsize = (uint64_t)*n * m->n_cols * (weight_type == CLF__WEIGHTS_F32 ? 4 : 2);
    if (sw->size != wsize) /* <= 2^26 * 320 * 4: no overflow */
        return clf__error(CLF_E_MODEL_FORMAT,
                          "%s: section WEIGHTS is %llu bytes but %u rows x %zu columns "
                          "(categories and gates) need %llu",
                          label, (unsigned long long)sw->size, *n, m->n_cols,
                          (unsigned long long)wsize);
    return CLF_OK;
}

/*
 * 1 when check_buckets() would pass, in one branch-free pass that the
 * compiler can vectorize (the per-row checks cost ~4 M instructions on the
 * default model, a fifth of a new process): strictly increasing buckets
 * are all below the last, and a float is finite and > 0 iff its bits,
 * minus one, are below those of FLT_MAX. check_buckets() then finds and
 * reports the first bad row, so a forged file is still named the same way.
 */
static int buckets_ok(const uint32_t *buckets, const unsigned char *idf, uint32_t n,
                      uint64_t n_buckets)
{
    if (n == 0)
        return 1;
    /* signed compares, which SSE2 has: with the first bucket below 2^31
     * and the last below n_buckets (<= 2^31), strictly increasing as signed
     * integers is strictly increasing as unsigned ones */
    const int32_t *b = (const int32_t *)(const void *)buckets;
    int32_t bad = buckets[0] >= 0x80000000u || buckets[n - 1] >= n_buckets;
    for (uint32_t r = 1; r < n; r++)
        bad |= b[r] <= b[r - 1];
    if (idf) {
        /* finite and > 0: the bits, as a signed integer, in 1..0x7F7FFFFF */
        const int32_t *u = (const int32_t *)(const void *)idf;
        for (uint32_t r = 0; r < n; r++)
            bad |= (u[r] < 1) | (u[r] > 0x7F7FFFFF);
    }
    return !bad;
}

/* Buckets strictly increasing and below 2^hash_bits; IDF finite and > 0. */
static int check_buckets(const uint32_t *buckets, const float *idfv, uint32_t n,
                         const char *label, const clf_model *m)
{
    const uint64_t n_buckets = (uint64_t)1 << m->fopts.hash_bits;
    for (uint32_t r = 0; r < n; r++) {
        uint32_t b = buckets[r];
        if (b >= n_buckets)
            return clf__error(CLF_E_MODEL_FORMAT,
                              "%s: row %u: bucket %u is not below 2^hash_bits = %llu", label, r,
                              b, (unsigned long long)n_buckets);
        if (r > 0 && b <= buckets[r - 1])
            return clf__error(CLF_E_MODEL_FORMAT,
                              "%s: row %u: buckets are not strictly increasing (%u after %u)",
                              label, r, b, buckets[r - 1]);
        if (idfv && !(isfinite(idfv[r]) && idfv[r] > 0.0f))
            return clf__error(CLF_E_MODEL_FORMAT, "%s: row %u: IDF %g is not finite and > 0",
                              label, r, (double)idfv[r]);
    }
    return CLF_OK;
}

/* f32 weights finite; i16 weights in -32767..32767. */
static int check_weights(const unsigned char *w, size_t n_weights, uint32_t weight_type,
                         const char *label, size_t K)
{
    if (weight_type == CLF__WEIGHTS_F32) {
        const float *f = (const float *)(const void *)w;
        if (any_nonfinite(w, n_weights))
            for (size_t i = 0; i < n_weights; i++)
                if (!isfinite(f[i]))
                    return clf__error(CLF_E_MODEL_FORMAT,
                                      "%s: row %zu, category %zu: weight is %g", label, i / K,
                                      i % K, (double)f[i]);
        return CLF_OK;
    }
    const int16_t *q = (const int16_t *)(const void *)w;
    /* the least weight, without branches: the compiler vectorizes it into
     * one pminsw per eight weights (an OR of compares took ~1.4
     * instructions per weight, ~1.2 M for the shipped model) */
    int16_t least = INT16_MAX;
    for (size_t j = 0; j < n_weights; j++)
        least = q[j] < least ? q[j] : least;
    if (least == INT16_MIN)
        for (size_t i = 0; i < n_weights; i++)
            if (q[i] == INT16_MIN)
                return clf__error(CLF_E_MODEL_FORMAT,
                                  "%s: row %zu, category %zu: i16 weight -32768 is out of range",
                                  label, i / K, i % K);
    return CLF_OK;
}

/* The lookup of model_internal.h: a bitmap when it costs at most 8 bytes
 * per row, else sorted keys with a directory. */
static int build_lookup(clf_model *m, const uint32_t *buckets, uint32_t n)
{
    const unsigned hb = m->fopts.hash_bits;
    const uint64_t n_blocks = ((uint64_t)1 << hb) / 64 + 1; /* hash_bits >= 8 */
    if (n_blocks * sizeof(clf__rank_block) <= (uint64_t)n * 8 + 4096) {
        m->lookup = CLF__LOOKUP_BITMAP;
        m->lookup_bytes = (size_t)n_blocks * sizeof *m->blocks;
        m->blocks = calloc((size_t)n_blocks, sizeof *m->blocks);
        if (!m->blocks)
            return clf__error(CLF_E_NOMEM, "out of memory (row lookup)");
        for (uint32_t r = 0; r < n; r++)
            m->blocks[buckets[r] >> 6].bits |= (uint64_t)1 << (buckets[r] & 63);
        uint32_t rank = 0;
        for (uint64_t b = 0; b < n_blocks; b++) {
            m->blocks[b].rank = rank;
            rank += clf__popcount64(m->blocks[b].bits);
        }
        return CLF_OK;
    }
    m->lookup = CLF__LOOKUP_SORTED;
    unsigned dir_bits = 0;
    while (dir_bits < hb && ((uint64_t)2 << dir_bits) <= n)
        dir_bits++; /* 2^dir_bits <= n rows: ranges hold one or two rows */
    m->dir_shift = hb - dir_bits;
    const size_t nd = ((size_t)1 << dir_bits) + 1;
    m->lookup_bytes = nd * sizeof *m->dir + (size_t)n * sizeof *m->keys;
    m->dir = malloc(nd * sizeof *m->dir);
    m->keys = malloc((n ? n : 1) * sizeof *m->keys);
    if (!m->dir || !m->keys)
        return clf__error(CLF_E_NOMEM, "out of memory (row lookup)");
    if (n)
        memcpy(m->keys, buckets, (size_t)n * sizeof *m->keys);
    uint32_t r = 0;
    for (size_t d = 0; d < nd; d++) {
        while (r < n && (buckets[r] >> m->dir_shift) < d)
            r++;
        m->dir[d] = r;
    }
    m->dir[nd - 1] = n;
    return CLF_OK;
}

/*
 * The rows of build_rows_compact() with table tab of 2^cap_log slots; K is
 * a constant in the shipped model's instantiation. Returns the rows done:
 * n, or fewer when the table would be more than half full.
 */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline uint32_t compact_rows(float *tab, unsigned cap_log, const float *idfv,
                                    const unsigned char *w, uint32_t n, unsigned char *rows,
                                    const size_t K)
{
    const size_t mask = ((size_t)1 << cap_log) - 1, limit = (mask + 1) / 2, rb = 2 + 2 * K;
    const unsigned shift = 32 - cap_log;
    size_t distinct = 0;
    uint32_t r = 0;
    for (; r < n; r++) {
        uint32_t key;
        memcpy(&key, &idfv[r], 4);
        size_t h = (size_t)((key * 0x9E3779B1u) >> shift);
        for (;;) {
            uint32_t slot;
            memcpy(&slot, &tab[h], sizeof slot);
            if (slot == key)
                break;
            if (slot == 0) { /* a new value */
                if (++distinct > limit)
                    return r;
                memcpy(&tab[h], &key, sizeof key);
                break;
            }
            h = (h + 1) & mask;
        }
        unsigned char *row = rows + (size_t)r * rb;
        const uint16_t i16 = (uint16_t)h;
        memcpy(row, &i16, 2);
        memcpy(row + 2, w + (size_t)r * K * 2, K * 2);
    }
    return r;
}

/*
 * Compact rows (model_internal.h): each row's IDF becomes a u16 index into
 * a table of the model's distinct values, an open-addressing hash table on
 * the float's bits (never 0: IDFs are checked > 0) whose slot number is
 * the index, so the table itself is idf_table. 2^13 slots (32 KB, in L1
 * while scoring) hold up to 4096 values at load 1/2 (the shipped model has
 * 2,284), 2^16 slots up to 32768; more, and the model keeps wide rows.
 * 0 done, 1 too many IDF values (nothing kept: use the wide rows), else an
 * error code.
 */
static int build_rows_compact(clf_model *m, const float *idfv, const unsigned char *w,
                              uint32_t n)
{
    const size_t K = m->n_cols, rb = 2 + 2 * K;
    const size_t bytes = (size_t)n * rb + CLF__ROWS_PAD;
    int mapped;
    unsigned char *rows = big_alloc(bytes, &mapped); /* zeroed */
    if (!rows)
        return clf__error(CLF_E_NOMEM, "out of memory (%u rows)", n);
    float *tab = NULL; /* slots hold the float bits, 0 = empty */
    size_t tab_len = 1;
    if (!idfv) {
        /* every index 0 (the rows come zeroed): idf 1 */
        const float one = 1.0f;
        tab = malloc(sizeof *tab);
        if (tab)
            tab[0] = one;
        unsigned char *row = rows + 2;
        for (uint32_t r = 0; r < n; r++, row += rb)
            memcpy(row, w + (size_t)r * K * 2, K * 2);
    }
    for (unsigned cap_log = 13; idfv && cap_log <= 16; cap_log += 3) {
        tab_len = (size_t)1 << cap_log;
        tab = calloc(tab_len, sizeof *tab);
        if (!tab)
            break;
        const uint32_t done = K == 5 ? compact_rows(tab, cap_log, idfv, w, n, rows, 5)
                                     : compact_rows(tab, cap_log, idfv, w, n, rows, K);
        if (done == n)
            break;
        free(tab); /* too many values for this table */
        tab = NULL;
    }
    if (!tab) {
        big_free(rows, bytes, mapped);
        return idfv && tab_len == ((size_t)1 << 16) ? 1
                                                     : clf__error(CLF_E_NOMEM, "out of memory");
    }
    m->idf_table = tab; /* the file's floats, bit for bit */
    m->idf_table_len = tab_len;
    m->rows = rows;
    m->rows_mapped = mapped;
    m->row_bytes = rb;
    m->rows_bytes = bytes;
    m->weights_offset = 2;
    return 0;
}

/* Interleave each row's idf and weights (see model_internal.h). */
static int build_rows(clf_model *m, const float *idfv, const unsigned char *w, uint32_t n,
                      uint32_t weight_type, const double *scales)
{
    const size_t K = m->n_cols, wb = weight_type == CLF__WEIGHTS_I16 ? 2 : 4;
    m->weight_type = weight_type;
    m->wscale = malloc(K * sizeof *m->wscale);
    if (!m->wscale)
        return clf__error(CLF_E_NOMEM, "out of memory");
    for (size_t k = 0; k < K; k++)
        m->wscale[k] = weight_type == CLF__WEIGHTS_I16 ? (float)scales[k] : 1.0f;
    if (wb == 2) {
        int rc = build_rows_compact(m, idfv, w, n);
        if (rc != 1)
            return rc;
    }
    m->weights_offset = 4;
    m->row_bytes = (4 + K * wb + 3) & ~(size_t)3; /* float-aligned rows */
    m->rows_bytes = (size_t)n * m->row_bytes + CLF__ROWS_PAD;
    m->rows = big_alloc(m->rows_bytes, &m->rows_mapped);
    if (!m->rows)
        return clf__error(CLF_E_NOMEM, "out of memory (%u rows)", n);
    if (wb == 2 && K == 5 && m->row_bytes == 16) { /* 5 categories, > 65536 IDF values */
        unsigned char *row = m->rows;
        const unsigned char *src = w, *end = w + (size_t)n * 10;
        const unsigned char *iv = (const unsigned char *)idfv; /* non-NULL here */
        for (; src < end; src += 10, row += 16, iv += 4) {
            memcpy(row, iv, 4);
            memcpy(row + 4, src, 8);
            memcpy(row + 12, src + 8, 2);
        }
        return CLF_OK;
    }
    for (uint32_t r = 0; r < n; r++) {
        unsigned char *row = m->rows + (size_t)r * m->row_bytes;
        const float idf = idfv ? idfv[r] : 1.0f;
        memcpy(row, &idf, 4);
        memcpy(row + 4, w + (size_t)r * K * wb, K * wb);
    }
    return CLF_OK;
}

static int parse_rows(const unsigned char *p, const section *sec, const char *label, clf_model *m,
                      uint32_t weight_type, const double *scales)
{
    uint32_t n = 0;
    int rc = check_row_sections(p, sec, label, m, weight_type, &n);
    if (rc != CLF_OK)
        return rc;
    const uint32_t *buckets = (const uint32_t *)(const void *)(p + sec[CLF__SEC_ROWS].offset + 8);
    const float *idfv =
        m->has_idf ? (const float *)(const void *)(p + sec[CLF__SEC_IDF].offset) : NULL;
    const unsigned char *w = p + sec[CLF__SEC_WEIGHTS].offset;
    const uint64_t n_buckets = (uint64_t)1 << m->fopts.hash_bits;
    if ((!buckets_ok(buckets, (const unsigned char *)idfv, n, n_buckets) &&
         (rc = check_buckets(buckets, idfv, n, label, m)) != CLF_OK) ||
        (rc = check_weights(w, (size_t)n * m->n_cols, weight_type, label, m->n_cols)) != CLF_OK ||
        (rc = build_lookup(m, buckets, n)) != CLF_OK ||
        (rc = build_rows(m, idfv, w, n, weight_type, scales)) != CLF_OK)
        return rc;
    m->n_rows = n;
    return CLF_OK;
}

/* A DEPS string field: printable ASCII, NUL-terminated, NUL-padded. */
static int take_dep(const char *field, size_t size, const char *what, const char *label,
                    char *out)
{
    size_t len = strnlen(field, size);
    if (len == 0 || len == size || !all_zero(field + len, size - len))
        return clf__error(CLF_E_MODEL_FORMAT, "%s: DEPS %s is not a NUL-padded string", label,
                          what);
    for (size_t i = 0; i < len; i++)
        if (field[i] < 0x20 || field[i] > 0x7E)
            return clf__error(CLF_E_MODEL_FORMAT, "%s: DEPS %s has a non-printable byte", label,
                              what);
    memcpy(out, field, len + 1);
    return CLF_OK;
}

static int parse_deps(const unsigned char *p, const section *sec, const char *label,
                      clf_model *m)
{
    clf_feature_deps *d = &m->deps;
    if (m->format_version < 2) {
        /* written before DEPS existed: the features of revision 1 */
        d->feature_revision = 1;
        strcpy(d->unicode_version, "unknown");
        strcpy(d->icu_version, "unknown");
        strcpy(d->stemmer, "unknown");
    } else {
        const section *sd = &sec[CLF__SEC_DEPS];
        if (sd->size != sizeof(clf__file_deps))
            return clf__error(CLF_E_MODEL_FORMAT, "%s: section DEPS is %llu bytes, expected %zu",
                              label, (unsigned long long)sd->size, sizeof(clf__file_deps));
        clf__file_deps fd;
        memcpy(&fd, p + sd->offset, sizeof fd);
        _Static_assert(sizeof fd.unicode_version == sizeof d->unicode_version, "sizes");
        _Static_assert(sizeof fd.stemmer == sizeof d->stemmer, "sizes");
        int rc;
        if (fd.reserved != 0)
            return clf__error(CLF_E_MODEL_FORMAT, "%s: reserved DEPS field is not zero", label);
        if ((rc = take_dep(fd.unicode_version, sizeof fd.unicode_version, "unicode_version",
                           label, d->unicode_version)) != CLF_OK ||
            (rc = take_dep(fd.icu_version, sizeof fd.icu_version, "icu_version", label,
                           d->icu_version)) != CLF_OK ||
            (rc = take_dep(fd.stemmer, sizeof fd.stemmer, "stemmer", label, d->stemmer)) !=
                CLF_OK)
            return rc;
        d->feature_revision = fd.feature_revision;
    }
    if (d->feature_revision < CLF_FEATURE_REVISION_MIN ||
        d->feature_revision > CLF_FEATURE_REVISION)
        return clf__error(CLF_E_MODEL_VERSION,
                          "%s: the model's features are revision %u but this libclassify "
                          "computes revisions %u..%u: its scores would be meaningless here; "
                          "retrain the model with this libclassify (or use one of revision %u)",
                          label, d->feature_revision, (unsigned)CLF_FEATURE_REVISION_MIN,
                          (unsigned)CLF_FEATURE_REVISION, d->feature_revision);
    /* scoring computes the model's revision (clf_model_options gives it) */
    m->fopts.feature_revision = d->feature_revision;
    return CLF_OK;
}

/*
 * Validate the file at p (8-aligned, size bytes) and fill m, which the
 * caller has zeroed and owns (freed with clf_model_free on failure).
 */
static int parse(clf_model *m, const unsigned char *p, size_t size, const char *label)
{
    if (!clf__host_little_endian())
        return clf__error(CLF_E_MODEL_FORMAT,
                          "%s: model files are little-endian and this host is big-endian: "
                          "not supported",
                          label);
    if (((uintptr_t)p & 7u) != 0)
        return clf__error(CLF_E_INTERNAL, "%s: model bytes are not 8-aligned", label);
    clf__file_header h;
    int rc = check_header(p, size, label, &h);
    if (rc != CLF_OK)
        return rc;
    section sec[CLF__N_SECTION_IDS + 1];
    memset(sec, 0, sizeof sec);
    if ((rc = check_table(p, size, label, &h, sec)) != CLF_OK)
        return rc;
    m->format_version = h.format_version;
    m->words_by_letters = h.format_version >= 6;
    m->checksum = h.checksum;
    uint32_t weight_type = 0;
    double scales[CLF__MAX_CATEGORIES + CLF__MAX_GATES];
    if ((rc = parse_deps(p, sec, label, m)) != CLF_OK ||
        (rc = parse_options(p, sec, label, m)) != CLF_OK ||
        (rc = parse_categories(p, sec, label, m, &weight_type, scales)) != CLF_OK ||
        (rc = parse_gates(p, sec, label, m, weight_type, scales)) != CLF_OK ||
        (rc = parse_meta(p, sec, label, m)) != CLF_OK ||
        (rc = parse_rows(p, sec, label, m, weight_type, scales)) != CLF_OK)
        return rc;
    /* the top 32 bits of the checksum name this exact file */
    snprintf(m->id, sizeof m->id, "%s@%08llx", m->name,
             (unsigned long long)(m->checksum >> 32));
    return CLF_OK;
}

size_t clf__model_memory(const clf_model *m)
{
    size_t n = sizeof *m + m->lookup_bytes + m->rows_bytes +
               m->idf_table_len * sizeof *m->idf_table + m->n_cats * sizeof *m->cats +
               m->n_gates * sizeof *m->gates + m->n_cols * sizeof *m->wscale +
               strlen(m->name) + 1 + strlen(m->meta) + 1;
    for (size_t i = 0; i < m->n_cats; i++)
        n += strlen(m->cats[i].name) + 1;
    for (size_t i = 0; i < m->n_gates; i++)
        n += strlen(m->gates[i].name) + 1;
    return n;
}

/* Release the file bytes (mapping or copy). */
static void release_bytes(clf_model *m)
{
    if (!m->base)
        return;
    if (m->mapped)
        big_free((void *)(uintptr_t)m->base, m->base_cap, 1);
    else
        free((void *)(uintptr_t)m->base);
    m->base = NULL;
    m->size = 0;
}

/* Validate m->base and build the model, then drop the file bytes: the
 * model keeps only what it built (memory proportional to its rows). */
static int finish(clf_model **out, clf_model *m, const char *label)
{
    int rc = parse(m, m->base, m->size, label);
    release_bytes(m);
    if (rc != CLF_OK) {
        clf_model_free(m);
        return rc;
    }
    *out = m;
    return CLF_OK;
}

static int io_error(const char *path, const char *what, int err)
{
    char msg[128];
    if (strerror_r(err, msg, sizeof msg) != 0)
        snprintf(msg, sizeof msg, "error %d", err);
    return clf__error(CLF_E_IO, "%s: %s: %s", path, what, msg);
}

/* Read up to n bytes (fewer only at end of file); *got receives the count. */
static int read_upto(int fd, const char *path, unsigned char *buf, size_t n, size_t *got)
{
    *got = 0;
    while (*got < n) {
        ssize_t k = read(fd, buf + *got, n - *got);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return io_error(path, "cannot read", errno);
        }
        if (k == 0)
            break;
        *got += (size_t)k;
    }
    return CLF_OK;
}

/*
 * Read a non-regular file (a pipe, a device): the header first, then
 * exactly the size it states and one byte more to detect trailing data, so
 * that an endless stream (/dev/zero, a FIFO that never closes) can neither
 * make the loader read forever nor grow memory beyond the stated size.
 * Whatever is malformed is left for check_header() to report.
 */
static int read_stream(int fd, const char *path, unsigned char **out, size_t *len)
{
    static const char magic[8] = { 'C', 'L', 'F', 'M', 'O', 'D', 'E', 'L' };
    size_t cap = CLF__HEADER_SIZE, n = 0;
    unsigned char *buf = malloc(cap);
    if (!buf)
        return clf__error(CLF_E_NOMEM, "out of memory");
    int rc = read_upto(fd, path, buf, CLF__HEADER_SIZE, &n);
    uint64_t want = 0;
    uint32_t version = 0;
    if (rc == CLF_OK && n == CLF__HEADER_SIZE && memcmp(buf, magic, 8) == 0) {
        memcpy(&version, buf + 8, 4);
        memcpy(&want, buf + 16, 8);
    }
    if (rc == CLF_OK && version >= 1 && version <= CLF__FORMAT_VERSION &&
        want > CLF__HEADER_SIZE) {
        if (want > SIZE_MAX - 1) {
            free(buf);
            return clf__error(CLF_E_TOO_LARGE, "%s: the header states %llu bytes", path,
                              (unsigned long long)want);
        }
        /* grow by doubling: memory follows what actually arrives */
        while (rc == CLF_OK && n < want) {
            size_t next = cap < (SIZE_MAX - 1) / 2 ? cap * 2 : SIZE_MAX - 1;
            if (next > want)
                next = (size_t)want;
            unsigned char *nb = realloc(buf, next + 1);
            if (!nb) {
                free(buf);
                return clf__error(CLF_E_NOMEM, "out of memory (%zu bytes)", next + 1);
            }
            buf = nb;
            cap = next;
            size_t ask = cap - n, got;
            rc = read_upto(fd, path, buf + n, ask, &got);
            n += got;
            if (got < ask)
                break; /* end of file before the stated size: truncated */
        }
        if (rc == CLF_OK && n == want) {
            size_t extra;
            rc = read_upto(fd, path, buf + n, 1, &extra);
            if (rc == CLF_OK && extra) {
                free(buf);
                return clf__error(CLF_E_MODEL_FORMAT,
                                  "%s: trailing data after the %llu bytes its header states",
                                  path, (unsigned long long)want);
            }
        }
    }
    if (rc != CLF_OK) {
        free(buf);
        return rc;
    }
    *out = buf;
    *len = n;
    return CLF_OK;
}

CLF_API int clf_model_load(clf_model **out, const char *path)
{
    if (!out || !path)
        return clf__error(CLF_E_INVALID_ARG, "clf_model_load: NULL %s", out ? "path" : "out");
    *out = NULL;
    int fd;
    do
        fd = open(path, O_RDONLY | O_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return io_error(path, "cannot open", errno);
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int err = errno;
        close(fd);
        return io_error(path, "cannot stat", err);
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        return clf__error(CLF_E_IO, "%s: is a directory, not a model file", path);
    }
    clf_model *m = calloc(1, sizeof *m);
    if (!m) {
        close(fd);
        return clf__error(CLF_E_NOMEM, "out of memory");
    }
    if (S_ISREG(st.st_mode) && st.st_size > 0) {
        if ((uintmax_t)st.st_size > SIZE_MAX) {
            close(fd);
            free(m);
            return clf__error(CLF_E_TOO_LARGE, "%s: %jd bytes do not fit in memory", path,
                              (intmax_t)st.st_size);
        }
        /* Read into whole huge pages rather than mmap the file: a mapping
         * touches the file's ~800 pages one by one (the checksum reads them
         * all), which costs a new process more than the copy; the bytes
         * are released after the load, so rounding up costs no memory. */
        size_t n = (size_t)st.st_size, cap = n;
        if (n >= CLF__HUGE && n <= SIZE_MAX - CLF__HUGE)
            cap = (n + CLF__HUGE - 1) & ~(CLF__HUGE - 1);
        int mapped;
        unsigned char *buf = big_alloc(cap, &mapped);
        if (!buf) {
            close(fd);
            free(m);
            return clf__error(CLF_E_NOMEM, "out of memory (%zu bytes)", n);
        }
        size_t got;
        int rc = read_upto(fd, path, buf, n, &got);
        if (rc != CLF_OK) {
            big_free(buf, cap, mapped);
            close(fd);
            free(m);
            return rc;
        }
        /* a file that shrank meanwhile is checked as it was read */
        m->base = buf;
        m->size = got;
        m->base_cap = cap;
        m->mapped = mapped;
    }
    if (!m->base) {
        /* empty or not regular: read it */
        unsigned char *buf = NULL;
        size_t len = 0;
        int rc = read_stream(fd, path, &buf, &len);
        if (rc != CLF_OK) {
            close(fd);
            free(m);
            return rc;
        }
        m->base = buf;
        m->size = len;
    }
    close(fd);
    return finish(out, m, path);
}

CLF_API int clf_model_load_buffer(clf_model **out, const void *data, size_t size)
{
    if (!out || (!data && size > 0))
        return clf__error(CLF_E_INVALID_ARG, "clf_model_load_buffer: NULL %s",
                          out ? "data" : "out");
    *out = NULL;
    clf_model *m = calloc(1, sizeof *m);
    /* malloc's alignment (>= 8) is what lets arrays be used in place. */
    unsigned char *copy = malloc(size ? size : 1);
    if (!m || !copy) {
        free(m);
        free(copy);
        return clf__error(CLF_E_NOMEM, "out of memory (%zu bytes)", size);
    }
    if (size)
        memcpy(copy, data, size);
    m->base = copy;
    m->size = size;
    return finish(out, m, "<model buffer>");
}

CLF_API void clf_model_free(clf_model *m)
{
    if (!m)
        return;
    if (m->cats)
        for (size_t i = 0; i < m->n_cats; i++)
            free(m->cats[i].name);
    free(m->cats);
    if (m->gates)
        for (size_t i = 0; i < m->n_gates; i++)
            free(m->gates[i].name);
    free(m->gates);
    free(m->name);
    free(m->meta);
    free(m->blocks);
    free(m->dir);
    free(m->keys);
    free(m->wscale);
    free(m->idf_table);
    if (m->rows)
        big_free(m->rows, m->rows_bytes, m->rows_mapped);
    release_bytes(m);
    free(m);
}

CLF_API size_t clf_model_num_categories(const clf_model *m)
{
    return m ? m->n_cats : 0;
}

CLF_API const char *clf_model_category_name(const clf_model *m, size_t i)
{
    return m && i < m->n_cats ? m->cats[i].name : NULL;
}

CLF_API int clf_model_category_index(const clf_model *m, const char *name, size_t *out)
{
    if (!m || !name || !out)
        return clf__error(CLF_E_INVALID_ARG, "clf_model_category_index: NULL argument");
    for (size_t i = 0; i < m->n_cats; i++)
        if (strcmp(m->cats[i].name, name) == 0) {
            *out = i;
            return CLF_OK;
        }
    return clf__error(CLF_E_NOT_FOUND, "model %s has no category \"%s\"", m->name, name);
}

CLF_API uint64_t clf_model_checksum(const clf_model *m)
{
    return m ? m->checksum : 0;
}

CLF_API const char *clf_model_id(const clf_model *m)
{
    return m ? m->id : NULL;
}

CLF_API double clf_model_threshold(const clf_model *m, size_t i)
{
    return m && i < m->n_cats ? m->cats[i].threshold : -1.0;
}

CLF_API int clf_model_category_flags_by_default(const clf_model *m, size_t i)
{
    return m && i < m->n_cats ? !m->cats[i].report_only : -1;
}

CLF_API int clf_model_category_evidence_words(const clf_model *m, size_t i)
{
    return m && i < m->n_cats ? (int)m->cats[i].evidence_words : -1;
}

CLF_API void clf_model_options(const clf_model *m, clf_norm_options *nopts,
                               clf_feature_options *fopts)
{
    if (!m)
        return;
    if (nopts)
        *nopts = m->nopts;
    if (fopts)
        *fopts = m->fopts;
}

CLF_API const char *clf_model_metadata(const clf_model *m)
{
    return m ? m->meta : NULL;
}

CLF_API const char *clf_model_name(const clf_model *m)
{
    return m ? m->name : NULL;
}

CLF_API uint32_t clf_model_format_version(const clf_model *m)
{
    return m ? m->format_version : 0;
}


CLF_API size_t clf_model_num_gates(const clf_model *m)
{
    return m ? m->n_gates : 0;
}

CLF_API int clf_model_gate(const clf_model *m, size_t i, clf_gate_info *out)
{
    if (!m || !out)
        return clf__error(CLF_E_INVALID_ARG, "clf_model_gate: NULL argument");
    if (i >= m->n_gates)
        return clf__error(CLF_E_INVALID_ARG, "clf_model_gate: gate %zu, the model has %zu", i,
                          m->n_gates);
    out->name = m->gates[i].name;
    out->category = m->gates[i].category;
    out->weight = m->gates[i].weight;
    out->tau = m->gates[i].tau;
    return CLF_OK;
}
