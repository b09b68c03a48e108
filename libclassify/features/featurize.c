/*
 * featurize.c - feature extraction: split the normalized text into tokens,
 * hash word n-grams, char n-grams and Arabic stems into buckets, count the
 * distinct buckets, and weight them (tf, idf, L2) for clf_featurize().
 *
 * The hashing rule (docs/features.md) is part of the model format: a model
 * trained with one rule only scores correctly with the same rule. Change
 * nothing here that alters a bucket without a new feature revision
 * (CLF_FEATURE_REVISION); the older revisions stay computed for the models
 * that record them (enumerate() is revision 1, enumerate2() revision 2).
 *
 * Speed: every word n-gram and char n-gram is a contiguous substring of the
 * normalized text padded with one space on each side, so features are
 * hashed in place (no string building); buckets are counted in an
 * open-addressing table that holds the counts, of which only the slots a
 * document filled are emptied after it; stems of recent tokens are cached.
 */
#include <limits.h>
#include <stddef.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A private, inlinable copy of XXH3 (about 8% faster extraction than
 * calling libxxhash). The hash values are the library's: XXH3's output is
 * frozen since xxHash 0.8.0. */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "internal.h"
#include "features/featurize_internal.h"
#include "features/stem_internal.h"
#include "model/model_internal.h"
#include "normalize/norm_internal.h"

#if defined(__GNUC__)
#  define CLF__HOT static inline __attribute__((always_inline))
/* Stages called once per document stay functions of their own, so that
 * bench/run.sh can count their instructions (callgrind, per function). */
#  define CLF__STAGE static __attribute__((noinline))
#else
#  define CLF__HOT static inline
#  define CLF__STAGE static
#endif


/* ---- tokens ------------------------------------------------------------ */

/* Token kinds, decided from the token's code points (see tok_kind). */
enum {
    TK_WORD,        /* has a letter or digit, none Arabic */
    TK_ARABIC,      /* has an Arabic letter: stemmed */
    TK_HASHTAG,     /* '#' followed by anything */
    TK_PLACEHOLDER, /* <url> <email> <user> */
    TK_SYMBOL,      /* no letter or digit, some emoji or other symbol */
    TK_PUNCT        /* only punctuation marks */
};

/* Code point classes. */
enum { C_ALNUM = 1, C_ARABIC = 2, C_PUNCT = 4, C_SYMBOL = 8, C_MARK = 16 };
/* A bit beside the classes in arabic_class: an Arabic letter by
 * clf__is_arabic_letter, so that scan counts a token's Arabic letters
 * without asking ICU for U+0600..U+06FF. */
enum { C_AR_LETTER = 32 };
_Static_assert((C_ALNUM | C_ARABIC | C_PUNCT | C_SYMBOL | C_MARK) < C_AR_LETTER && C_AR_LETTER == 32,
               "arabic_class[c] >> 5 is the C_AR_LETTER bit");

static const unsigned char ascii_class[128] = {
#define P C_PUNCT
#define A C_ALNUM
    P, P, P, P, P, P, P, P, P, P, P, P, P, P, P, P,
    P, P, P, P, P, P, P, P, P, P, P, P, P, P, P, P,
    P, P, P, P, P, P, P, P, P, P, P, P, P, P, P, P,  /* space ! " # ... / */
    A, A, A, A, A, A, A, A, A, A, P, P, P, P, P, P,  /* 0-9 : ; < = > ? */
    P, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A,  /* @ A-O */
    A, A, A, A, A, A, A, A, A, A, A, P, P, P, P, P,  /* P-Z [ \ ] ^ _ */
    P, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A,  /* ` a-o */
    A, A, A, A, A, A, A, A, A, A, A, P, P, P, P, P,  /* p-z { | } ~ DEL */
#undef P
#undef A
};

/*
 * The class of a non-ASCII code point. Without ICU this is decided from
 * block ranges: exact for the Arabic blocks, coarse elsewhere (letters of
 * other scripts are "alnum", the symbol and emoji blocks are "symbol").
 */
static int cp_class(uint32_t c)
{
    if (c >= 0x0600 && c <= 0x06FF) {
        if ((c >= 0x0620 && c <= 0x063F) || (c >= 0x0641 && c <= 0x064A) ||
            c == 0x066E || c == 0x066F || (c >= 0x0671 && c <= 0x06D3) || c == 0x06D5 ||
            c == 0x06EE || c == 0x06EF || (c >= 0x06FA && c <= 0x06FC) || c == 0x06FF)
            return C_ALNUM | C_ARABIC;
        if ((c >= 0x0660 && c <= 0x0669) || (c >= 0x06F0 && c <= 0x06F9))
            return C_ALNUM; /* Arabic-Indic digits */
        if ((c >= 0x0610 && c <= 0x061A) || (c >= 0x064B && c <= 0x065F) || c == 0x0640 ||
            c == 0x0670 || (c >= 0x06D6 && c <= 0x06DC) || (c >= 0x06DF && c <= 0x06E8) ||
            (c >= 0x06EA && c <= 0x06ED))
            return C_MARK; /* harakat, Quranic marks, tatweel */
        return C_PUNCT;   /* ، ؛ ؟ ٪ ٫ ٬ ٭ ۔ and the number signs */
    }
    if (c < 0x00C0)
        return (c == 0xAA || c == 0xB5 || c == 0xBA) ? C_ALNUM : C_PUNCT;
    if (c == 0xD7 || c == 0xF7)
        return C_PUNCT;
    if (c < 0x2000) {
        /* Arabic Supplement, Extended-B and Extended-A */
        if ((c >= 0x0750 && c <= 0x077F) || (c >= 0x0870 && c <= 0x0887) ||
            (c >= 0x08A0 && c <= 0x08C9))
            return C_ALNUM | C_ARABIC;
        if ((c >= 0x0300 && c <= 0x036F) || (c >= 0x0898 && c <= 0x089F) ||
            (c >= 0x08CA && c <= 0x08FF))
            return C_MARK;
        return C_ALNUM; /* letters of the other scripts below U+2000 */
    }
    /* Arabic presentation forms (NFKC usually folds them away) */
    if ((c >= 0xFB50 && c <= 0xFDFF && c != 0xFD3E && c != 0xFD3F) ||
        (c >= 0xFE70 && c <= 0xFEFC))
        return C_ALNUM | C_ARABIC;
    if (c <= 0x206F || (c >= 0x2E00 && c <= 0x2E7F) || (c >= 0x3000 && c <= 0x303F) ||
        (c >= 0xFD3E && c <= 0xFD3F) || (c >= 0xFE10 && c <= 0xFE6F) ||
        (c >= 0xFF01 && c <= 0xFF0F) || (c >= 0xFF1A && c <= 0xFF20) ||
        (c >= 0xFF3B && c <= 0xFF40) || (c >= 0xFF5B && c <= 0xFF65))
        return C_PUNCT; /* general, supplemental, CJK and full-width punctuation */
    if ((c >= 0x2C00 && c <= 0x2DFF) || (c >= 0x3040 && c <= 0xD7FF) ||
        (c >= 0xF900 && c <= 0xFB4F) || (c >= 0xFF10 && c <= 0xFFDC) ||
        (c >= 0x10000 && c <= 0x1CFFF) || (c >= 0x20000 && c <= 0x3FFFF))
        return C_ALNUM; /* letters: Coptic..Ethiopic, kana, CJK, Hangul, historic scripts */
    return C_SYMBOL;    /* arrows, math, dingbats, emoji, private use, tags */
}

typedef struct clf__tok {
    uint32_t b0, b1;  /* bytes [b0, b1) of the padded text */
    uint32_t c0, c1;  /* code points [c0, c1) of the padded text */
    uint32_t kind;
    uint64_t h;       /* word-family hash of the token (see enumerate) */
    uint64_t hs;      /* revision 2: its unfinalized chain state (enumerate2) */
    uint64_t hs2;     /* revision 2: the state of the bigram ending at it (scan) */
} clf__tok;

/* ---- state -------------------------------------------------------------- */

/* A bucket-table slot: key = SLOT_LIVE | bucket and the bucket's count in
 * this document, or all zero (empty). The count is in the slot, so a
 * bucket is counted with one load and one store. */
typedef struct clf__slot {
    uint32_t key, cnt;
} clf__slot;
#define SLOT_LIVE 0x80000000u /* above every bucket (hash_bits <= 26) */

/*
 * Stem cache: token bytes -> stem bucket, 2-way set associative by token
 * hash. libstemmer's Arabic stemmer takes 0.3-1 us per word, most of the
 * cost of a tweet, and 20% of the tokens of a stream are words not seen
 * before, so the cache is large: 2^14 sets x 2 ways x 32 bytes = 1 MiB
 * (79% hits in one pass over the shared corpora). Its lines are prefetched
 * (enumerate), so the size costs little time. Tokens up to 22 bytes
 * (11 Arabic letters: 99% of Arabic tokens) are cached.
 */
#ifndef STEM_SET_BITS
#define STEM_SET_BITS 14
#endif
#define STEM_SET_MASK ((UINT64_C(1) << STEM_SET_BITS) - 1)
#define STEM_KEY_MAX 22
typedef struct clf__stem_entry {
    uint32_t h;       /* high half of the token's hash */
    uint32_t bucket;  /* of its stem */
    uint8_t len;      /* token length; 0 = empty entry */
    uint8_t has_stem; /* 0 when the stem is empty (no feature) */
    char key[STEM_KEY_MAX];
} clf__stem_entry;
_Static_assert(sizeof(clf__stem_entry) == 32, "two stem cache entries per cache line");

/* The stem cache set of a token hash: bits 16.. (revision 2's low bits are
 * weak; the tag is the high half). */
static inline size_t stem_set(uint64_t hk)
{
    return (size_t)(hk >> 16) & STEM_SET_MASK;
}

/* Buckets hashed per batch before they are counted (see count_chunk). */
#define CHUNK 1024

/* One distinct (family, text) of clf_featurize_text(). */
typedef struct clf__text_entry {
    uint64_t h;
    uint32_t family, bucket, count;
    uint32_t bucket_count; /* of its bucket, filled at the end */
    size_t off, len; /* text in f->arena */
} clf__text_entry;

struct clf_featurizer {
    clf_feature_options o;
    clf_normalizer *norm;
    struct sb_stemmer *stemmer;
    uint64_t seed[4];  /* per family, see family_seed() */
    unsigned shift;    /* 64 - hash_bits */
    unsigned rev;      /* feature revision computed (1 or 2) */
    unsigned char fam_char, fam_cross; /* char families on */

    const char *last_norm;
    size_t last_len;

    /* the text with one space before and after, and code point offsets */
    char *pad;
    size_t pad_cap;
    uint32_t *cpo;     /* cpo[k] = byte offset of code point k; cpo[ncp] = length */
    size_t cpo_cap, ncp;
    uint32_t *cps;     /* cps[k] = code point k (revision 2 hashes these) */
    size_t cps_cap;
    clf__tok *toks;
    size_t toks_cap, ntok;
    size_t nwords;     /* tokens with an Arabic letter (clf__featurizer_arabic_words) */
    size_t nwords_l;   /* the same, a token of L letters as 1 + (L - 1) / 10 words */
    int toks_hashed;   /* scan gave the tokens h, hs and hs2 (revision 2 counting) */

    /* distinct buckets of the current document */
    clf__slot *tab;
    size_t tab_cap;    /* slots allocated */
    uint32_t tab_mask, tab_bits;
    uint32_t *ord;     /* ord[j] = slot of the j-th distinct bucket (first appearance) */
    size_t ord_cap;
    size_t nlive;      /* live slots: ord[0..nlive), emptied at the next document */
    clf__count *counts; /* distinct buckets in order of first appearance */
    size_t counts_cap, ncounts, grow_at;
    clf__hit *hits;    /* clf__featurize_hits() */
    size_t hits_cap;
    int hw_popcount;   /* the CPU has POPCNT (the bitmap row lookup uses it) */
    uint32_t *chunk;   /* buckets hashed but not yet counted */
    size_t nb;
    clf__count *tmp;   /* radix sort scratch */
    size_t tmp_cap;
    clf_feature *vec;
    size_t vec_cap;

    clf__stem_entry *stem_cache; /* 64-byte aligned, inside stem_mem */
    void *stem_mem;
    float tf[64];
    unsigned char arabic_class[256]; /* cp_class() of U+0600..U+06FF */

    /* clf_featurize_text() */
    clf__text_entry *tents;
    size_t tents_cap, ntents;
    uint32_t *ttab;    /* index+1 into tents, 0 = empty */
    size_t ttab_size;
    clf__buf arena;
    clf_feature_text *ftext;
    size_t ftext_cap;
};

/*
 * The seed of a family's hash domain: part of the model format.
 * seed_f = hash_seed XOR (0x9E3779B97F4A7C15 * (family + 1)) mod 2^64.
 */
static uint64_t family_seed(uint64_t hash_seed, unsigned family)
{
    return hash_seed ^ (UINT64_C(0x9E3779B97F4A7C15) * (uint64_t)(family + 1));
}

/*
 * Revision 2's hash (part of the model format, docs/features.md): a chain
 * over the feature text's code points, s = (s XOR c) * H2_STEP from the
 * family's seed, then h = (s XOR s >> 32) * H2_FIN: folding the high half
 * into the low half before the multiply lets every state bit reach the top
 * bits (the bucket). Each step is a bijection of s, so an n-gram and its
 * one-longer extension are one more step: n-grams of every length from one
 * position cost one multiply each, instead of one XXH3 call each. The low
 * bits of h are weak (a product's low bits see only the factors' low
 * bits): only the top bits are buckets; the stem cache and the text table
 * index with middle bits.
 */
#define H2_STEP UINT64_C(0xC2B2AE3D27D4EB4F)
#define H2_FIN UINT64_C(0x165667B19E3779F9)

static inline uint64_t h2_step(uint64_t st, uint32_t c)
{
    return (st ^ c) * H2_STEP;
}

static inline uint64_t h2_fin(uint64_t st)
{
    return (st ^ (st >> 32)) * H2_FIN;
}

static inline uint64_t h2_chain(uint64_t st, const uint32_t *cp, size_t n)
{
    for (size_t k = 0; k < n; k++)
        st = h2_step(st, cp[k]);
    return st;
}

/* The chain over the code points of UTF-8 text (a stem); a byte that
 * does not start a well-formed sequence counts as its own value. */
static uint64_t h2_chain_utf8(uint64_t st, const unsigned char *p, size_t len)
{
    for (size_t i = 0; i < len;) {
        uint32_t c;
        int l = clf__utf8_decode(p + i, len - i, &c);
        if (!l) {
            c = p[i];
            l = 1;
        }
        st = h2_step(st, c);
        i += (size_t)l;
    }
    return st;
}

/*
 * grow_array - make the array whose pointer is at pp hold at least need
 * elements of size el (doubling). pp is the address of any object pointer,
 * read and written with memcpy so that no T ** is accessed as a void **.
 */
static int grow_array(void *pp, size_t *cap, size_t need, size_t el)
{
    if (need <= *cap)
        return CLF_OK;
    size_t c = *cap ? *cap : 16;
    while (c < need) {
        if (c > SIZE_MAX / 2 / el)
            return clf__error(CLF_E_NOMEM, "featurizer: buffer size overflow");
        c *= 2;
    }
    void *p;
    memcpy(&p, pp, sizeof p);
    void *q = realloc(p, c * el);
    if (!q)
        return clf__error(CLF_E_NOMEM, "featurizer: out of memory (%zu bytes)", c * el);
    memcpy(pp, &q, sizeof q);
    *cap = c;
    return CLF_OK;
}

#define GROW(arr, cap, need) grow_array(&(arr), &(cap), (need), sizeof *(arr))

/* ---- options and lifecycle ---------------------------------------------- */

CLF_API void clf_feature_options_init(clf_feature_options *opts)
{
    if (opts) {
        clf_feature_options d = CLF_FEATURE_OPTIONS_INIT;
        *opts = d;
    }
}

CLF_API const char *clf_family_name(unsigned int family)
{
    switch (family) {
    case CLF_FAMILY_WORD: return "word";
    case CLF_FAMILY_CHAR: return "char";
    case CLF_FAMILY_CHAR_CROSS: return "char_cross";
    case CLF_FAMILY_STEM: return "stem";
    default: return "?";
    }
}

static int check_options(const clf_feature_options *o)
{
    if (o->word_ngram_max > CLF_MAX_WORD_NGRAM)
        return clf__error(CLF_E_INVALID_ARG, "feature options: word_ngram_max %u not in 0..%d",
                          o->word_ngram_max, CLF_MAX_WORD_NGRAM);
    if (o->char_ngram_max > CLF_MAX_CHAR_NGRAM)
        return clf__error(CLF_E_INVALID_ARG, "feature options: char_ngram_max %u not in 0..%d",
                          o->char_ngram_max, CLF_MAX_CHAR_NGRAM);
    /* char_ngram_min only matters when char n-grams are on (0 is then fine) */
    if (o->char_ngram_max > 0 && (o->char_ngram_min < 1 || o->char_ngram_min > o->char_ngram_max))
        return clf__error(CLF_E_INVALID_ARG,
                          "feature options: char_ngram_min %u not in 1..char_ngram_max (%u)",
                          o->char_ngram_min, o->char_ngram_max);
    if (o->char_ngram_max == 0 && o->char_ngram_min > CLF_MAX_CHAR_NGRAM)
        return clf__error(CLF_E_INVALID_ARG, "feature options: char_ngram_min %u not in 0..%d",
                          o->char_ngram_min, CLF_MAX_CHAR_NGRAM);
    if (o->char_mode > CLF_CHAR_BOTH)
        return clf__error(CLF_E_INVALID_ARG, "feature options: char_mode %u not in 0..2",
                          o->char_mode);
    if (o->stems > 1 || o->sublinear_tf > 1 || o->l2_normalize > 1)
        return clf__error(CLF_E_INVALID_ARG,
                          "feature options: stems, sublinear_tf and l2_normalize must be 0 or 1");
    if (o->hash_bits < CLF_MIN_HASH_BITS || o->hash_bits > CLF_MAX_HASH_BITS)
        return clf__error(CLF_E_INVALID_ARG, "feature options: hash_bits %u not in %d..%d",
                          o->hash_bits, CLF_MIN_HASH_BITS, CLF_MAX_HASH_BITS);
    if (o->word_ngram_max == 0 && o->char_ngram_max == 0 && !o->stems)
        return clf__error(CLF_E_INVALID_ARG, "feature options: every feature family is off");
    if (o->feature_revision != 0 && (o->feature_revision < CLF_FEATURE_REVISION_MIN ||
                                     o->feature_revision > CLF_FEATURE_REVISION))
        return clf__error(CLF_E_INVALID_ARG,
                          "feature options: feature_revision %u not in 0 or %d..%d",
                          o->feature_revision, CLF_FEATURE_REVISION_MIN, CLF_FEATURE_REVISION);
    return CLF_OK;
}

CLF_API int clf_featurizer_new(clf_featurizer **out, const clf_norm_options *nopts,
                               const clf_feature_options *fopts)
{
    if (!out)
        return clf__error(CLF_E_INVALID_ARG, "clf_featurizer_new: out is NULL");
    *out = NULL;
    /* the size of clf_feature_options in each version (libgit2's rule) */
    static const size_t sizes[CLF_FEATURE_OPTIONS_VERSION + 1] = {
        0, offsetof(clf_feature_options, feature_revision), sizeof(clf_feature_options)
    };
    clf_feature_options o = CLF_FEATURE_OPTIONS_INIT;
    if (fopts &&
        clf__opts_copy(&o, fopts, fopts->version, sizes, CLF_FEATURE_OPTIONS_VERSION) != 0)
        return clf__error(CLF_E_INVALID_ARG, "feature options: unknown version %u (1..%u)",
                          fopts->version, (unsigned)CLF_FEATURE_OPTIONS_VERSION);
    o.version = CLF_FEATURE_OPTIONS_VERSION;
    int rc = check_options(&o);
    if (rc != CLF_OK)
        return rc;

    clf_featurizer *f = calloc(1, sizeof *f);
    if (!f)
        return clf__error(CLF_E_NOMEM, "out of memory");
    if (o.feature_revision == 0)
        o.feature_revision = CLF_FEATURE_REVISION;
    f->o = o;
    f->rev = o.feature_revision;
    for (unsigned fam = 0; fam < 4; fam++)
        f->seed[fam] = family_seed(o.hash_seed, fam);
    f->shift = 64 - o.hash_bits;
    f->fam_char = o.char_ngram_max > 0 && o.char_mode != CLF_CHAR_ACROSS;
    f->fam_cross = o.char_ngram_max > 0 && o.char_mode != CLF_CHAR_WITHIN;
    for (uint32_t c = 0; c < 64; c++)
        f->tf[c] = clf__tf_weight(&o, c);
    for (uint32_t c = 0; c < 256; c++)
        f->arabic_class[c] = (unsigned char)(cp_class(0x0600 + c) |
                                             (clf__is_arabic_letter(0x0600 + c) ? C_AR_LETTER : 0));
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
    f->hw_popcount = __builtin_cpu_supports("popcnt") != 0;
#endif

    f->chunk = malloc(CHUNK * sizeof *f->chunk);
    if (!f->chunk) {
        rc = clf__error(CLF_E_NOMEM, "out of memory");
        goto fail;
    }
    rc = clf_normalizer_new(&f->norm, nopts);
    if (rc != CLF_OK)
        goto fail;
    if (o.stems) {
        /* One set per 64-byte cache line. calloc, not aligned_alloc and
         * memset: a block this large comes zeroed from the system, so only
         * the sets a process uses are ever touched (a new process scoring
         * one text would otherwise fault in all 256 pages first). */
        size_t bytes = ((size_t)2 << STEM_SET_BITS) * sizeof *f->stem_cache;
        f->stem_mem = calloc(1, bytes + 63);
        if (!f->stem_mem) {
            rc = clf__error(CLF_E_NOMEM, "out of memory");
            goto fail;
        }
        f->stem_cache = (clf__stem_entry *)(((uintptr_t)f->stem_mem + 63) & ~(uintptr_t)63);
    }
    *out = f;
    return CLF_OK;
fail:
    clf_featurizer_free(f);
    return rc;
}

CLF_API void clf_featurizer_free(clf_featurizer *f)
{
    if (!f)
        return;
    clf_normalizer_free(f->norm);
    clf__libstemmer_delete(f->stemmer);
    free(f->stem_mem);
    free(f->pad);
    free(f->cpo);
    free(f->cps);
    free(f->toks);
    free(f->tab);
    free(f->ord);
    free(f->counts);
    free(f->hits);
    free(f->chunk);
    free(f->tmp);
    free(f->vec);
    free(f->tents);
    free(f->ttab);
    clf__buf_free(&f->arena);
    free(f->ftext);
    free(f);
}

const clf_feature_options *clf__featurizer_options(const clf_featurizer *f)
{
    return &f->o;
}

clf_normalizer *clf__featurizer_normalizer(clf_featurizer *f)
{
    return f->norm;
}

size_t clf__featurizer_arabic_words(const clf_featurizer *f, int by_letters)
{
    if (!f->last_norm)
        return 0;
    return by_letters ? f->nwords_l : f->nwords;
}

const char *clf__featurizer_normalized(const clf_featurizer *f, size_t *len)
{
    if (len)
        *len = f->last_norm ? f->last_len : 0;
    return f->last_norm ? f->last_norm : "";
}

/* (float)(1 + ln c) for c < 64, as hexadecimal literals so that the values
 * are exact and the same everywhere; larger counts call log(). */
static const float tf_table[64] = {
    0x0p+0, 0x1p+0, 0x1.b17218p+0, 0x1.0c9f54p+1,
    0x1.317218p+1, 0x1.4e021p+1, 0x1.65586p+1, 0x1.791396p+1,
    0x1.8a2b24p+1, 0x1.993ea8p+1, 0x1.a6bb1cp+1, 0x1.b2ee3cp+1,
    0x1.be116cp+1, 0x1.c85042p+1, 0x1.d1cca2p+1, 0x1.daa164p+1,
    0x1.e2e43p+1, 0x1.eaa6bcp+1, 0x1.f1f7b4p+1, 0x1.f8e36p+1,
    0x1.ff7428p+1, 0x1.02d974p+2, 0x1.05d3a4p+2, 0x1.08abfp+2,
    0x1.0b653cp+2, 0x1.0e021p+2, 0x1.1084a8p+2, 0x1.12eefep+2,
    0x1.1542d6p+2, 0x1.1781c6p+2, 0x1.19ad38p+2, 0x1.1bc672p+2,
    0x1.1dce9ep+2, 0x1.1fc6c8p+2, 0x1.21afe4p+2, 0x1.238ad2p+2,
    0x1.25586p+2, 0x1.271948p+2, 0x1.28ce36p+2, 0x1.2a77ccp+2,
    0x1.2c169ap+2, 0x1.2dab2ap+2, 0x1.2f35fap+2, 0x1.30b78p+2,
    0x1.32302ap+2, 0x1.33a05cp+2, 0x1.350876p+2, 0x1.3668d2p+2,
    0x1.37c1c2p+2, 0x1.391396p+2, 0x1.3a5e96p+2, 0x1.3ba308p+2,
    0x1.3ce12ep+2, 0x1.3e1944p+2, 0x1.3f4b84p+2, 0x1.407826p+2,
    0x1.419f5cp+2, 0x1.42c15ap+2, 0x1.43de4cp+2, 0x1.44f66p+2,
    0x1.4609bep+2, 0x1.47188ep+2, 0x1.4822f8p+2, 0x1.49291ep+2,
};

float clf__tf_weight(const clf_feature_options *o, uint32_t count)
{
    if (!o->sublinear_tf)
        return (float)count;
    if (count < 64)
        return tf_table[count];
    return (float)(1.0 + log((double)count));
}

/* ---- tokenizing ----------------------------------------------------------- */

static uint32_t tok_kind(const char *p, size_t len, unsigned cls)
{
    if (len >= 5 && p[0] == '<' && p[len - 1] == '>' &&
        ((len == 5 && !memcmp(p, "<url>", 5)) || (len == 6 && !memcmp(p, "<user>", 6)) ||
         (len == 7 && !memcmp(p, "<email>", 7))))
        return TK_PLACEHOLDER;
    if (p[0] == '#' && len > 1)
        return TK_HASHTAG;
    if (cls & C_ALNUM)
        return (cls & C_ARABIC) ? TK_ARABIC : TK_WORD;
    return (cls & C_SYMBOL) ? TK_SYMBOL : TK_PUNCT;
}

/*
 * After a very long document, give its scratch memory back rather than
 * keep it for the life of the featurizer (the bucket table of a 1 MB text
 * can reach tens of MB). Documents of ordinary size never get here.
 */
static void trim_scratch(clf_featurizer *f, size_t len)
{
    if (f->pad_cap <= ((size_t)1 << 18) || f->pad_cap / 16 <= len)
        return;
#define RELEASE(p, cap) (free(p), (p) = NULL, (cap) = 0)
    RELEASE(f->pad, f->pad_cap);
    RELEASE(f->cpo, f->cpo_cap);
    RELEASE(f->cps, f->cps_cap);
    RELEASE(f->toks, f->toks_cap);
    RELEASE(f->tab, f->tab_cap);
    RELEASE(f->ord, f->ord_cap);
    f->nlive = 0;
    RELEASE(f->counts, f->counts_cap);
    RELEASE(f->hits, f->hits_cap);
    RELEASE(f->tmp, f->tmp_cap);
    RELEASE(f->vec, f->vec_cap);
    RELEASE(f->tents, f->tents_cap);
    RELEASE(f->ftext, f->ftext_cap);
#undef RELEASE
    free(f->ttab);
    f->ttab = NULL;
    f->ttab_size = 0;
    f->ntents = 0;
    clf__buf_free(&f->arena);
}

/*
 * Copy the normalized text between two padding spaces, record the byte
 * offset (want_cpo) and the value (want_cps) of every code point and split
 * the tokens (runs of non-spaces). Constants in each instantiation:
 * revision 1 hashes bytes (offsets), revision 2's counting hashes code
 * points only, texts need both. want_h2 (revision 2 counting): also chain
 * each token's word hash and the state of the bigram ending at it as its
 * code points go by, and start loading the stem cache line of each Arabic
 * token; a loop over each token's code points of its own would
 * mispredict its exit once per token and chain.
 */
CLF__HOT int scan_impl(clf_featurizer *f, const char *norm, size_t len, const int want_cpo,
                       const int want_cps, const int want_h2)
{
    if (len > UINT32_MAX - 8)
        return clf__error(CLF_E_TOO_LARGE, "featurize: normalized text of %zu bytes", len);
    size_t plen = len + 2;
    int rc;
    trim_scratch(f, len);
    if ((rc = GROW(f->pad, f->pad_cap, plen + 1)) != CLF_OK ||
        (rc = GROW(f->cpo, f->cpo_cap, plen + 1)) != CLF_OK ||
        (rc = GROW(f->cps, f->cps_cap, plen + 1)) != CLF_OK ||
        (rc = GROW(f->toks, f->toks_cap, len / 2 + 1)) != CLF_OK)
        return rc;
    char *pad = f->pad;
    pad[0] = ' ';
    if (len)
        memcpy(pad + 1, norm, len);
    pad[plen - 1] = ' ';
    pad[plen] = '\0';

    const unsigned char *s = (const unsigned char *)pad;
    uint32_t *cpo = f->cpo, *cps = f->cps;
    clf__tok *toks = f->toks;
    size_t k = 0, nt = 0, i = 0, nw = 0, nwl = 0;
    unsigned cls = 0, letters = 0; /* the token's classes, its Arabic letters */
    int in = 0;
    const uint64_t wseed = f->seed[CLF_FAMILY_WORD];
    const int stems = f->o.stems != 0;
    uint64_t su = 0, sb = 0, prev = 0; /* want_h2: token chain, bigram chain, last token's */
    while (i < plen) {
        unsigned c = s[i];
        if (want_cpo)
            cpo[k] = (uint32_t)i;
        if (want_cps)
            cps[k] = c; /* ASCII; the other branches overwrite it */
        k++;
        if (c == ' ') {
            if (in) {
                clf__tok *t = &toks[nt++];
                t->b1 = (uint32_t)i;
                t->c1 = (uint32_t)(k - 1);
                t->kind = tok_kind(pad + t->b0, t->b1 - t->b0, cls);
                /* 1 + (L - 1) / 10 words for L > 0 is ceil(L / 10): no branch
                 * on the token's kind, which follows the text */
                nw += letters != 0;
                nwl += (letters + CLF__EVIDENCE_WORD_LETTERS - 1) / CLF__EVIDENCE_WORD_LETTERS;
                if (want_h2) {
                    t->hs = su;
                    t->h = h2_fin(su);
                    t->hs2 = sb;
                    prev = su;
#if defined(__GNUC__)
                    if (stems && t->kind == TK_ARABIC)
                        __builtin_prefetch(&f->stem_cache[2 * stem_set(t->h)]);
#endif
                }
                in = 0;
            }
            i++;
            continue;
        }
        if (!in) {
            clf__tok *t = &toks[nt];
            t->b0 = (uint32_t)i;
            t->c0 = (uint32_t)(k - 1);
            cls = 0;
            letters = 0;
            in = 1;
            if (want_h2) {
                su = wseed;
                sb = h2_step(prev, ' ');
            }
        }
        uint32_t u = c;
        if (c < 0x80) {
            cls |= ascii_class[c];
            i++;
        } else if (c >= 0xD8 && c <= 0xDB && (s[i + 1] & 0xC0) == 0x80) {
            /* U+0600..U+06FF, most of the text: decoded and classed inline
             * (s[i + 1] exists: the text ends with the padding space) */
            const unsigned lo = ((c & 3u) << 6) | (s[i + 1] & 0x3Fu);
            cls |= f->arabic_class[lo];
            letters += f->arabic_class[lo] >> 5; /* C_AR_LETTER, the top bit */
            u = 0x0600u + lo;
            if (want_cps)
                cps[k - 1] = u;
            i += 2;
        } else {
            uint32_t cp;
            int l = clf__utf8_decode(s + i, plen - i, &cp);
            if (!l)
                return clf__error(CLF_E_UTF8, "featurize: invalid UTF-8 at byte %zu", i - 1);
            cls |= (unsigned)cp_class(cp);
            if (cp >= 0x0600 && clf__is_arabic_letter(cp)) /* the Arabic script starts there */
                letters++;
            u = cp;
            if (want_cps)
                cps[k - 1] = cp;
            i += (size_t)l;
        }
        if (want_h2) {
            su = h2_step(su, u);
            sb = h2_step(sb, u);
        }
    }
    if (want_cpo)
        cpo[k] = (uint32_t)plen;
    f->ncp = k;
    f->ntok = nt;
    f->nwords = nw;
    f->nwords_l = nwl;
    return CLF_OK;
}

/* The scan a document needs: texts (clf_featurize_text) need byte
 * offsets in every revision. */
CLF__STAGE int scan(clf_featurizer *f, const char *norm, size_t len, int texts)
{
    f->toks_hashed = f->rev >= 2 && !texts;
    if (f->rev < 2)
        return scan_impl(f, norm, len, 1, 0, 0);
    return texts ? scan_impl(f, norm, len, 1, 1, 0) : scan_impl(f, norm, len, 0, 1, 1);
}

/* ---- counting buckets ------------------------------------------------------ */

/*
 * Extraction runs in two phases: enumerate() hashes features and appends
 * their buckets to a chunk buffer; count_chunk() then enters a chunk into
 * the table in a tight loop. Separating them keeps the hashing loop free of
 * table state and lets the table lookups of a chunk overlap in the CPU.
 */

/* Empty the slots the last document filled (ord lists them): cheaper than
 * clearing the table, and it leaves every empty slot all zero. */
static void tab_clear(clf_featurizer *f)
{
    clf__slot *const tab = f->tab;
    const uint32_t *const ord = f->ord;
    for (size_t j = 0; j < f->nlive; j++) {
        tab[ord[j]].key = 0;
        tab[ord[j]].cnt = 0;
    }
    f->nlive = 0;
}

/* Use 2^tbits slots for the document (all empty: tab_clear ran). */
static int tab_resize(clf_featurizer *f, unsigned tbits)
{
    size_t size = (size_t)1 << tbits;
    int rc;
    if (size > f->tab_cap) {
        size_t old = f->tab_cap;
        if ((rc = GROW(f->tab, f->tab_cap, size)) != CLF_OK)
            return rc;
        memset(f->tab + old, 0, (f->tab_cap - old) * sizeof *f->tab);
    }
    /* grow_at + 1 entries: count_chunk writes ord[n] for every bucket */
    if ((rc = GROW(f->counts, f->counts_cap, size / 2 + 1)) != CLF_OK ||
        (rc = GROW(f->ord, f->ord_cap, size / 2 + 1)) != CLF_OK)
        return rc;
    f->tab_mask = (uint32_t)(size - 1);
    f->tab_bits = tbits;
    f->grow_at = size / 2; /* load factor at most 1/2 */
    return CLF_OK;
}

/*
 * Bucket b's slot: the live one holding b, or the empty one to fill.
 * Buckets are the top bits of a hash, so their low bits index the table
 * as they are (no mixing multiply).
 */
static inline clf__slot *tab_find(const clf__slot *tab, uint32_t mask, uint32_t b)
{
    const uint32_t key = SLOT_LIVE | b;
    uint32_t i = b & mask;
    for (;;) {
        const clf__slot *s = &tab[i];
        if (s->key == key || s->key == 0)
            return (clf__slot *)s;
        i = (i + 1) & mask;
    }
}

/* The count of a bucket counted in this document. */
static uint32_t bucket_count(const clf_featurizer *f, uint32_t b)
{
    return tab_find(f->tab, f->tab_mask, b)->cnt;
}

/* The table reached its load limit: double it and re-enter the buckets
 * counted so far, in the same order. */
static int tab_grow(clf_featurizer *f)
{
    unsigned tbits = f->tab_bits + 1;
    if (tbits > 31)
        return clf__error(CLF_E_TOO_LARGE, "featurize: too many distinct features");
    const size_t n = f->nlive;
    const uint32_t live = (1u << f->o.hash_bits) - 1u;
    /* counts holds grow_at + 1 >= n entries */
    for (size_t j = 0; j < n; j++) {
        clf__slot *s = &f->tab[f->ord[j]];
        f->counts[j].bucket = s->key & live;
        f->counts[j].count = s->cnt;
    }
    tab_clear(f);
    int rc = tab_resize(f, tbits);
    if (rc != CLF_OK)
        return rc;
    for (size_t j = 0; j < n; j++) {
        const uint32_t b = f->counts[j].bucket;
        clf__slot *s = tab_find(f->tab, f->tab_mask, b);
        s->key = SLOT_LIVE | b;
        s->cnt = f->counts[j].count;
        f->ord[j] = (uint32_t)(s - f->tab);
    }
    f->nlive = n;
    return CLF_OK;
}

/* Enter the buffered buckets into the table. */
CLF__STAGE int count_chunk(clf_featurizer *f)
{
    const size_t nb = f->nb;
    f->nb = 0;
    size_t k = 0;
    while (k < nb) {
        uint32_t n = (uint32_t)f->nlive;
        const uint32_t grow_at = (uint32_t)f->grow_at;
        if (n >= grow_at) {
            /* at the load limit: double the table before the next bucket */
            int rc = tab_grow(f);
            if (rc != CLF_OK)
                return rc;
            continue;
        }
        /* At most grow_at - n more buckets can be new before the limit:
         * count that many with no check per bucket, and with no branch on
         * "seen before or new", which follows the text and mispredicted
         * about one bucket in three. An empty slot has count 0, so a new
         * bucket needs no case of its own: it gets count 1 and its slot
         * is recorded (ord[n] is written for every bucket, kept only for
         * a new one; ord holds grow_at + 1 entries). */
        const size_t end = nb - k <= (size_t)(grow_at - n) ? nb : k + (grow_at - n);
        clf__slot *const tab = f->tab;
        uint32_t *const ord = f->ord;
        const uint32_t mask = f->tab_mask;
        const uint32_t live = (1u << f->o.hash_bits) - 1u;
        const uint32_t *buf = f->chunk;
        for (; k < end; k++) {
            const uint32_t b = buf[k], key = SLOT_LIVE | b;
            /* One branch per probe, taken on a collision only (rare at
             * load <= 1/2): x = sk ^ key is 0 for this bucket, below
             * 2^hash_bits for another bucket, and at least SLOT_LIVE for
             * an empty slot, so "another bucket" is x - 1 < live. */
            uint32_t i = b & mask, sk = tab[i].key;
            while (((sk ^ key) - 1u) < live) {
                i = (i + 1) & mask;
                sk = tab[i].key;
            }
            const uint32_t c = tab[i].cnt;
            tab[i].key = key;
            tab[i].cnt = c + 1;
            ord[n] = i;
            n += c == 0;
        }
        f->nlive = n;
    }
    return CLF_OK;
}

/* The distinct buckets and their counts, in order of first appearance,
 * into f->counts; the slots are emptied on the way unless keep
 * (bucket_count needs them). */
static void finish_counts(clf_featurizer *f, const int keep)
{
    clf__slot *const tab = f->tab;
    const uint32_t *const ord = f->ord;
    clf__count *const counts = f->counts;
    const uint32_t live = (1u << f->o.hash_bits) - 1u;
    const size_t n = f->nlive;
    for (size_t j = 0; j < n; j++) {
        clf__slot *s = &tab[ord[j]];
        counts[j].bucket = s->key & live;
        counts[j].count = s->cnt;
        if (!keep) {
            s->key = 0;
            s->cnt = 0;
        }
    }
    f->ncounts = n;
    if (!keep)
        f->nlive = 0;
}

/* POPCNT when the CPU has it (baseline x86-64 does not: hw = 0 there). */
CLF__HOT uint32_t popcount(uint64_t x, const int hw)
{
#if defined(__GNUC__)
    if (hw)
        return (uint32_t)__builtin_popcountll(x);
#endif
    (void)hw;
    return clf__popcount64(x);
}

/*
 * The rows of the distinct buckets that a bitmap-lookup model knows, with
 * their counts, in order of first appearance, into f->hits; the slots are
 * emptied on the way. One pass from the table: no array of buckets is
 * written and read back. Branch-free: a bucket the model does not know
 * writes a hit that the next known one overwrites. Returns the hits.
 */
CLF__HOT size_t finish_hits_bitmap(clf_featurizer *f, const clf_model *m, const int hw)
{
    clf__slot *const tab = f->tab;
    const uint32_t *const ord = f->ord;
    const clf__rank_block *const blocks = m->blocks;
    clf__hit *const hits = f->hits;
    const uint32_t live = (1u << f->o.hash_bits) - 1u;
    const size_t n = f->nlive;
    size_t h = 0;
    for (size_t j = 0; j < n; j++) {
        clf__slot *s = &tab[ord[j]];
        const uint32_t b = s->key & live, c = s->cnt;
        s->key = 0;
        s->cnt = 0;
        const clf__rank_block *k = &blocks[b >> 6];
        const uint64_t bit = (uint64_t)1 << (b & 63);
        hits[h].row = k->rank + popcount(k->bits & (bit - 1), hw);
        hits[h].count = c;
        h += (k->bits & bit) != 0;
    }
    f->nlive = 0;
    return h;
}

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
__attribute__((target("popcnt")))
#endif
static size_t finish_hits_popcnt(clf_featurizer *f, const clf_model *m)
{
    return finish_hits_bitmap(f, m, 1);
}

static size_t finish_hits(clf_featurizer *f, const clf_model *m)
{
    if (m->lookup == CLF__LOOKUP_BITMAP)
        return f->hw_popcount ? finish_hits_popcnt(f, m) : finish_hits_bitmap(f, m, 0);
    finish_counts(f, 0);
    size_t h = 0;
    for (size_t j = 0; j < f->ncounts; j++) {
        uint32_t r = clf__model_row(m, f->counts[j].bucket);
        if (r) {
            f->hits[h].row = r - 1;
            f->hits[h].count = f->counts[j].count;
            h++;
        }
    }
    return h;
}

/* ---- clf_featurize_text(): distinct texts --------------------------------- */

/* The text table's slot of hash h: high bits folded in, since revision 2's
 * hashes have weak low bits. */
static inline size_t text_slot(uint64_t h, size_t size)
{
    return (size_t)(h ^ (h >> 29) ^ (h >> 47)) & (size - 1);
}

static int add_text(clf_featurizer *f, unsigned fam, uint64_t h, uint32_t bucket,
                    const char *p, size_t len)
{
    int rc;
    if (f->ntents * 2 >= f->ttab_size) {
        size_t size = f->ttab_size ? f->ttab_size * 2 : 256;
        uint32_t *t = calloc(size, sizeof *t);
        if (!t)
            return clf__error(CLF_E_NOMEM, "out of memory");
        for (size_t j = 0; j < f->ntents; j++) {
            size_t i = text_slot(f->tents[j].h, size);
            while (t[i])
                i = (i + 1) & (size - 1);
            t[i] = (uint32_t)(j + 1);
        }
        free(f->ttab);
        f->ttab = t;
        f->ttab_size = size;
    }
    size_t i = text_slot(h, f->ttab_size);
    for (; f->ttab[i]; i = (i + 1) & (f->ttab_size - 1)) {
        clf__text_entry *e = &f->tents[f->ttab[i] - 1];
        if (e->h == h && e->family == fam && e->len == len &&
            !memcmp(f->arena.data + e->off, p, len)) {
            e->count++;
            return CLF_OK;
        }
    }
    if ((rc = GROW(f->tents, f->tents_cap, f->ntents + 1)) != CLF_OK ||
        (rc = clf__buf_reserve(&f->arena, len + 1)) != CLF_OK)
        return rc;
    clf__text_entry *e = &f->tents[f->ntents++];
    e->h = h;
    e->family = fam;
    e->bucket = bucket;
    e->count = 1;
    e->off = f->arena.len;
    e->len = len;
    memcpy(f->arena.data + f->arena.len, p, len);
    f->arena.data[f->arena.len + len] = '\0';
    f->arena.len += len + 1;
    f->ttab[i] = (uint32_t)f->ntents;
    return CLF_OK;
}

/* ---- extraction ------------------------------------------------------------- */

/* Extraction modes (a constant in each instantiation of enumerate()). */
#define MODE_COUNT 0 /* buckets only */
#define MODE_TEXT 1  /* also collect distinct texts (clf_featurize_text) */

/* Count a feature whose text p[0..len) hashed to h in family fam. */
CLF__HOT int emit_hashed(clf_featurizer *f, const int mode, unsigned fam, uint64_t h,
                         const char *p, size_t len)
{
    uint32_t b = (uint32_t)(h >> f->shift);
    f->chunk[f->nb++] = b;
    if (CLF_UNLIKELY(f->nb == CHUNK)) {
        int rc = count_chunk(f);
        if (rc != CLF_OK)
            return rc;
    }
    if (mode == MODE_TEXT)
        return add_text(f, fam, h, b, p, len);
    return CLF_OK;
}

/* Hash a feature's text in its family's domain and count its bucket. */
CLF__HOT int emit(clf_featurizer *f, const int mode, unsigned fam, const char *p, size_t len)
{
    return emit_hashed(f, mode, fam, XXH3_64bits_withSeed(p, len, f->seed[fam]), p, len);
}

/*
 * The stem of an Arabic token p[0..len) whose word-family hash is hk.
 * Stemming is a pure function of the token, so a cache of recent tokens
 * (2-way set associative, whole token compared) gives exactly the same
 * buckets as calling libstemmer every time.
 */
CLF__HOT int emit_stem(clf_featurizer *f, const int mode, const char *p, size_t len, uint64_t hk)
{
    clf__stem_entry *set = NULL;
    const uint32_t h32 = (uint32_t)(hk >> 32);
    if (len > (size_t)INT_MAX)
        return CLF_OK; /* libstemmer takes an int length; no such token in practice */
    if (mode == MODE_COUNT && len <= STEM_KEY_MAX) {
        set = &f->stem_cache[2 * stem_set(hk)];
        for (int w = 0; w < 2; w++) {
            clf__stem_entry *e = &set[w];
            if (e->len == len && e->h == h32 && !memcmp(e->key, p, len)) {
                uint32_t bucket = e->bucket;
                int has = e->has_stem;
                if (w == 1) { /* most recent first */
                    clf__stem_entry x = set[0];
                    set[0] = set[1];
                    set[1] = x;
                }
                if (!has)
                    return CLF_OK;
                f->chunk[f->nb++] = bucket;
                return f->nb == CHUNK ? count_chunk(f) : CLF_OK;
            }
        }
    }
    /* stem_arabic.c gives libstemmer's stem in a tenth of the time; what
     * it does not handle goes to libstemmer */
    char sbuf[800];
    size_t sn;
    const sb_symbol *st = (const sb_symbol *)sbuf;
    int sl;
    if (clf__stem_arabic(p, len, sbuf, sizeof sbuf, &sn) == 0) {
        sl = (int)sn;
    } else {
        /* created at the first such word (stem_libstemmer.c) */
        if (!f->stemmer && !(f->stemmer = clf__libstemmer_new()))
            return CLF_E_STEMMER;
        st = clf__libstemmer_stem(f->stemmer, (const sb_symbol *)p, (int)len, &sl);
        if (!st)
            return clf__error(CLF_E_STEMMER, "libstemmer: out of memory");
    }
    uint64_t h = 0;
    int rc = CLF_OK;
    if (sl > 0) {
        h = f->rev >= 2
            ? h2_fin(h2_chain_utf8(f->seed[CLF_FAMILY_STEM], st, (size_t)sl))
            : XXH3_64bits_withSeed(st, (size_t)sl, f->seed[CLF_FAMILY_STEM]);
        rc = emit_hashed(f, mode, CLF_FAMILY_STEM, h, (const char *)st, (size_t)sl);
    }
    if (set) {
        set[1] = set[0];
        set[0].h = h32;
        set[0].len = (uint8_t)len;
        set[0].has_stem = sl > 0;
        set[0].bucket = (uint32_t)(h >> f->shift);
        memcpy(set[0].key, p, len);
    }
    return rc;
}

#define CHECK(call)                                         \
    do {                                                    \
        int rc_ = (call);                                   \
        if (CLF_UNLIKELY(rc_ != CLF_OK))                    \
            return rc_;                                     \
    } while (0)

/*
 * Emit every feature of the scanned text, in this order: for each token,
 * its word n-grams ending at it, its char n-grams, its stem; then the
 * char n-grams across the text. mode is a constant in each caller, so the
 * compiler builds a copy without the text bookkeeping for the common case.
 */
CLF__HOT int enumerate(clf_featurizer *f, const int mode)
{
    const char *pad = f->pad;
    const uint32_t *cpo = f->cpo;
    const clf__tok *toks = f->toks;
    const unsigned wmax = f->o.word_ngram_max;
    const unsigned cmin = f->o.char_ngram_min, cmax = f->o.char_ngram_max;
    const int within = f->fam_char, stems = f->o.stems != 0;
    const uint64_t wseed = f->seed[CLF_FAMILY_WORD];
    size_t run = 0; /* first token of the current run without punctuation */

    /* Hash every token first, and start loading the stem cache lines of the
     * Arabic ones: by the time each stem is looked up its line has arrived
     * (the cache is larger than the CPU's L2). */
    if (wmax || stems) {
        for (size_t i = 0; i < f->ntok; i++) {
            clf__tok *t = &f->toks[i];
            if (!wmax && t->kind != TK_ARABIC)
                continue;
            t->h = XXH3_64bits_withSeed(pad + t->b0, t->b1 - t->b0, wseed);
#if defined(__GNUC__)
            if (stems && t->kind == TK_ARABIC && mode == MODE_COUNT)
                __builtin_prefetch(&f->stem_cache[2 * stem_set(t->h)]);
#endif
        }
    }

    for (size_t i = 0; i < f->ntok; i++) {
        const clf__tok *t = &toks[i];
        const uint32_t kind = t->kind;
        const char *tp = pad + t->b0;
        const size_t tlen = t->b1 - t->b0;
        const uint64_t htok = t->h;
        if (wmax) {
            CHECK(emit_hashed(f, mode, CLF_FAMILY_WORD, htok, tp, tlen));
            if (kind == TK_PUNCT) {
                run = i + 1; /* n-grams do not span punctuation */
            } else {
                for (size_t n = 2; n <= wmax && n <= i - run + 1; n++) {
                    uint32_t b0 = toks[i - n + 1].b0;
                    CHECK(emit(f, mode, CLF_FAMILY_WORD, pad + b0, t->b1 - b0));
                }
            }
        }
        if (within && kind != TK_PUNCT && kind != TK_PLACEHOLDER) {
            /* the token with its two spaces: code points [s0, e0) */
            const uint32_t s0 = t->c0 - 1, e0 = t->c1 + 1, L = e0 - s0;
            for (uint32_t n = cmin; n <= cmax; n++) {
                if (n >= L) {
                    /* no longer n-grams: the whole padded token, once (as char_wb) */
                    CHECK(emit(f, mode, CLF_FAMILY_CHAR, pad + cpo[s0], cpo[e0] - cpo[s0]));
                    break;
                }
                for (uint32_t s = s0; s + n <= e0; s++)
                    CHECK(emit(f, mode, CLF_FAMILY_CHAR, pad + cpo[s], cpo[s + n] - cpo[s]));
            }
        }
        if (stems && kind == TK_ARABIC)
            CHECK(emit_stem(f, mode, tp, tlen, htok));
    }

    if (f->fam_cross && f->ncp > 2) {
        /* the text without its padding: code points [1, ncp - 1) */
        const uint32_t e0 = (uint32_t)f->ncp - 1;
        for (uint32_t n = cmin; n <= cmax; n++)
            for (uint32_t s = 1; s + n <= e0; s++)
                CHECK(emit(f, mode, CLF_FAMILY_CHAR_CROSS, pad + cpo[s], cpo[s + n] - cpo[s]));
    }
    return count_chunk(f);
}

/*
 * enumerate() for feature revision 2: the same features, hashed by the
 * code point chain (h2_*). A token's chain state is computed once; a word
 * n-gram continues the chain of the (n-1)-gram ending at the token before
 * it with ' ' and this token's code points; the char n-grams of one start
 * position are the prefixes of one chain. Order: for each token its word
 * n-grams (unigram first), its char n-grams by position then length, its
 * stem; then the char n-grams across the text, by position then length.
 */
CLF__HOT int enumerate2(clf_featurizer *f, const int mode)
{
    const char *pad = f->pad;
    const uint32_t *cpo = f->cpo, *cp = f->cps;
    clf__tok *const toks = f->toks;
    const size_t ntok = f->ntok;
    const unsigned wmax = f->o.word_ngram_max, shift = f->shift;
    const uint32_t cmin = f->o.char_ngram_min, cmax = f->o.char_ngram_max;
    const int within = f->fam_char, stems = f->o.stems != 0;
    const uint64_t wseed = f->seed[CLF_FAMILY_WORD], cseed = f->seed[CLF_FAMILY_CHAR];
    size_t run = 0; /* first token of the current run without punctuation */
    /* chain states of the word n-grams ending at the previous token, by n */
    uint64_t prev[CLF_MAX_WORD_NGRAM + 1] = {0}, cur[CLF_MAX_WORD_NGRAM + 1] = {0};
    /* MODE_COUNT appends buckets through a local pointer (kept in a
     * register), making room before each group of at most ROOM_MAX of them
     * instead of checking every feature */
    uint32_t *const chunk = f->chunk;
    uint32_t *o = chunk + f->nb;
    enum { ROOM_MAX = CLF_MAX_WORD_NGRAM + CLF_MAX_CHAR_NGRAM + 2 };
#define ROOM()                                                              \
    do {                                                                    \
        if (mode == MODE_COUNT && o > chunk + (CHUNK - ROOM_MAX)) {         \
            f->nb = (size_t)(o - chunk);                                    \
            CHECK(count_chunk(f));                                          \
            o = chunk;                                                      \
        }                                                                   \
    } while (0)
#define EMIT(fam, h, p, len)                                                \
    do {                                                                    \
        if (mode == MODE_COUNT) {                                           \
            *o++ = (uint32_t)((h) >> shift);                                \
        } else {                                                            \
            f->nb = (size_t)(o - chunk);                                    \
            CHECK(emit_hashed(f, mode, (fam), (h), (p), (len)));            \
            o = chunk + f->nb;                                              \
        }                                                                   \
    } while (0)

    if ((wmax || stems) && !f->toks_hashed) {
        for (size_t i = 0; i < ntok; i++) {
            clf__tok *t = &toks[i];
            if (!wmax && t->kind != TK_ARABIC)
                continue;
            t->hs = h2_chain(wseed, cp + t->c0, t->c1 - t->c0);
            t->h = h2_fin(t->hs);
#if defined(__GNUC__)
            if (stems && t->kind == TK_ARABIC && mode == MODE_COUNT)
                __builtin_prefetch(&f->stem_cache[2 * stem_set(t->h)]);
#endif
        }
    }

    for (size_t i = 0; i < ntok; i++) {
        const clf__tok *t = &toks[i];
        const uint32_t kind = t->kind;
        ROOM();
        if (mode == MODE_COUNT && wmax == 2 && f->toks_hashed) {
            /* the unigram, and the bigram ending here (scan chained it)
             * unless this or the token before is punctuation: written
             * always, kept or not without a branch (the room is there) */
            o[0] = (uint32_t)(t->h >> shift);
            o[1] = (uint32_t)(h2_fin(t->hs2) >> shift);
            const size_t isp = kind == TK_PUNCT;
            o += 1 + ((size_t)(i > run) & (isp ^ 1));
            run += (i + 1 - run) & (0 - isp); /* run = i + 1 after punctuation */
        } else if (wmax) {
            EMIT(CLF_FAMILY_WORD, t->h, pad + t->b0, t->b1 - t->b0);
            cur[1] = t->hs;
            if (kind == TK_PUNCT) {
                run = i + 1; /* n-grams do not span punctuation */
            } else {
                for (size_t n = 2; n <= wmax && n <= i - run + 1; n++) {
                    uint64_t st = h2_chain(h2_step(prev[n - 1], ' '), cp + t->c0, t->c1 - t->c0);
                    cur[n] = st;
                    uint32_t b0 = toks[i - n + 1].b0;
                    EMIT(CLF_FAMILY_WORD, h2_fin(st), pad + b0, t->b1 - b0);
                }
            }
            memcpy(prev, cur, sizeof prev);
        }
        if (within && kind != TK_PUNCT && kind != TK_PLACEHOLDER) {
            /* the token with its two spaces: code points [s0, e0) */
            const uint32_t s0 = t->c0 - 1, e0 = t->c1 + 1;
            if (e0 - s0 < cmin) {
                /* shorter than every n: the whole padded token, once (as char_wb) */
                uint64_t st = h2_chain(cseed, cp + s0, e0 - s0);
                EMIT(CLF_FAMILY_CHAR, h2_fin(st), pad + cpo[s0], cpo[e0] - cpo[s0]);
            }
            uint32_t s = s0;
            if (mode == MODE_COUNT && cmin == 2 && cmax == 5 && e0 - s0 >= 4) {
                /* The default n-grams (2..5) of a padded token of 4 or more
                 * code points, in the same order: straight-line code, with
                 * no loop over n whose length changes at the token's end
                 * (a mispredicted branch per position there). A token of
                 * two code points is the last three positions alone. */
#define FIN(st) ((uint32_t)(h2_fin(st) >> shift))
                for (; s + 5 <= e0; s++) {
                    ROOM();
                    const uint64_t x2 = h2_step(h2_step(cseed, cp[s]), cp[s + 1]);
                    const uint64_t x3 = h2_step(x2, cp[s + 2]);
                    const uint64_t x4 = h2_step(x3, cp[s + 3]);
                    const uint64_t x5 = h2_step(x4, cp[s + 4]);
                    o[0] = FIN(x2);
                    o[1] = FIN(x3);
                    o[2] = FIN(x4);
                    o[3] = FIN(x5);
                    o += 4;
                }
                /* the last three positions: n = 2..4, 2..3, 2 */
                ROOM();
                const uint64_t a2 = h2_step(h2_step(cseed, cp[s]), cp[s + 1]);
                const uint64_t a3 = h2_step(a2, cp[s + 2]);
                const uint64_t a4 = h2_step(a3, cp[s + 3]);
                const uint64_t b2 = h2_step(h2_step(cseed, cp[s + 1]), cp[s + 2]);
                const uint64_t b3 = h2_step(b2, cp[s + 3]);
                const uint64_t c2 = h2_step(h2_step(cseed, cp[s + 2]), cp[s + 3]);
                o[0] = FIN(a2);
                o[1] = FIN(a3);
                o[2] = FIN(a4);
                o[3] = FIN(b2);
                o[4] = FIN(b3);
                o[5] = FIN(c2);
                o += 6;
#undef FIN
                s = e0; /* done */
            }
            for (; s + cmin <= e0; s++) {
                ROOM();
                const uint32_t nn = e0 - s < cmax ? e0 - s : cmax;
                uint64_t st = h2_chain(cseed, cp + s, cmin - 1);
                for (uint32_t n = cmin; n <= nn; n++) {
                    st = h2_step(st, cp[s + n - 1]);
                    EMIT(CLF_FAMILY_CHAR, h2_fin(st), pad + cpo[s], cpo[s + n] - cpo[s]);
                }
            }
        }
        if (stems && kind == TK_ARABIC) {
            f->nb = (size_t)(o - chunk);
            CHECK(emit_stem(f, mode, pad + t->b0, t->b1 - t->b0, t->h));
            o = chunk + f->nb;
        }
    }

    if (f->fam_cross && f->ncp > 2) {
        /* the text without its padding: code points [1, ncp - 1) */
        const uint32_t e0 = (uint32_t)f->ncp - 1;
        const uint64_t xseed = f->seed[CLF_FAMILY_CHAR_CROSS];
        for (uint32_t s = 1; s + cmin <= e0; s++) {
            ROOM();
            const uint32_t nn = e0 - s < cmax ? e0 - s : cmax;
            uint64_t st = h2_chain(xseed, cp + s, cmin - 1);
            for (uint32_t n = cmin; n <= nn; n++) {
                st = h2_step(st, cp[s + n - 1]);
                EMIT(CLF_FAMILY_CHAR_CROSS, h2_fin(st), pad + cpo[s], cpo[s + n] - cpo[s]);
            }
        }
    }
#undef ROOM
#undef EMIT
    f->nb = (size_t)(o - chunk);
    return count_chunk(f);
}

/* Size the bucket table for this document from an upper bound of its
 * feature occurrences. */
static int begin_counts(clf_featurizer *f)
{
    const clf_feature_options *o = &f->o;
    size_t nr = o->char_ngram_max ? o->char_ngram_max - o->char_ngram_min + 1 : 0;
    size_t bound = f->ntok * (o->word_ngram_max + (size_t)o->stems);
    if (f->fam_char)
        bound += (f->ncp + 2 * f->ntok) * nr;
    if (f->fam_cross)
        bound += f->ncp * nr;
    /* 16 times the bound: a document-sized table never grows and stays
     * at most 1/16 full. Each collision costs count_chunk about two
     * mispredicted branches: at 4 times they were most of its
     * mispredictions (98 of 114 per document; 24 left at 16 times), and
     * the table's cache misses overlap, its branches do not. A long
     * document starts at 16 x CHUNK slots (128 KiB) and grows as it goes. */
    if (bound > CHUNK)
        bound = CHUNK;
    unsigned tbits = 6;
    while (((size_t)1 << tbits) < 16 * bound)
        tbits++;
    tab_clear(f);
    f->ncounts = 0;
    f->nb = 0;
    return tab_resize(f, tbits);
}

/* Count the features of the scanned text (no text bookkeeping); one
 * function per revision, so that each is compiled as it was alone. */
CLF__STAGE int extract_counts_r1(clf_featurizer *f)
{
    return enumerate(f, MODE_COUNT);
}

CLF__STAGE int extract_counts_r2(clf_featurizer *f)
{
    return enumerate2(f, MODE_COUNT);
}

static int extract_counts(clf_featurizer *f)
{
    return f->rev >= 2 ? extract_counts_r2(f) : extract_counts_r1(f);
}

/* Count the features and collect their distinct texts. */
static int extract_texts(clf_featurizer *f)
{
    int rc = f->rev >= 2 ? enumerate2(f, MODE_TEXT) : enumerate(f, MODE_TEXT);
    if (rc == CLF_OK)
        finish_counts(f, 1);
    return rc;
}

uint64_t clf__feature_hash(const clf_featurizer *f, unsigned int family, const char *text,
                           size_t len)
{
    const uint64_t seed = f->seed[family & 3u];
    if (f->rev >= 2)
        return h2_fin(h2_chain_utf8(seed, (const unsigned char *)text, len));
    return XXH3_64bits_withSeed(text, len, seed);
}

/* ---- sorting ------------------------------------------------------------------ */

/* Insertion sort by bucket: fast on short or nearly sorted arrays. */
static void insertion_sort(clf__count *a, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        clf__count x = a[i];
        size_t j = i;
        for (; j > 0 && a[j - 1].bucket > x.bucket; j--)
            a[j] = a[j - 1];
        a[j] = x;
    }
}

/*
 * Sort f->counts by bucket. Buckets are uniformly distributed hash bits,
 * so for a document-sized n one counting pass on the top ~log2(n) bits
 * leaves groups of about one element, which an insertion sort finishes.
 * Larger arrays take an LSD radix sort, linear whatever the keys.
 */
static int sort_counts(clf_featurizer *f)
{
    const size_t n = f->ncounts;
    if (n < 32) {
        insertion_sort(f->counts, n);
        return CLF_OK;
    }
    int rc = GROW(f->tmp, f->tmp_cap, n);
    if (rc != CLF_OK)
        return rc;
    const unsigned bits = f->o.hash_bits;
    uint32_t hist[1u << 11];
    clf__count *src = f->counts, *dst = f->tmp;
    if (n <= 4096) {
        unsigned k = 5;
        while (k < 11 && ((size_t)1 << k) < n)
            k++;
        if (k > bits)
            k = bits;
        const unsigned sh = bits - k;
        memset(hist, 0, ((size_t)1 << k) * sizeof *hist);
        for (size_t i = 0; i < n; i++)
            hist[src[i].bucket >> sh]++;
        uint32_t sum = 0;
        for (size_t g = 0; g < ((size_t)1 << k); g++) {
            uint32_t c = hist[g];
            hist[g] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            dst[hist[src[i].bucket >> sh]++] = src[i];
        insertion_sort(dst, n);
    } else {
        unsigned passes = (bits + 10) / 11;
        unsigned d = (bits + passes - 1) / passes;
        const uint32_t mask = (1u << d) - 1;
        for (unsigned p = 0; p < passes; p++) {
            unsigned sh = p * d;
            memset(hist, 0, ((size_t)mask + 1) * sizeof *hist);
            for (size_t i = 0; i < n; i++)
                hist[(src[i].bucket >> sh) & mask]++;
            uint32_t sum = 0;
            for (uint32_t g = 0; g <= mask; g++) {
                uint32_t c = hist[g];
                hist[g] = sum;
                sum += c;
            }
            for (size_t i = 0; i < n; i++)
                dst[hist[(src[i].bucket >> sh) & mask]++] = src[i];
            clf__count *x = src;
            src = dst;
            dst = x;
        }
        dst = src; /* the sorted array */
    }
    if (dst != f->counts) {
        /* swap the buffers rather than copy back */
        clf__count *x = f->counts;
        size_t cap = f->counts_cap;
        f->counts = dst;
        f->counts_cap = f->tmp_cap;
        f->tmp = x;
        f->tmp_cap = cap;
    }
    return CLF_OK;
}

/* ---- entry points --------------------------------------------------------------- */

int clf__featurize_normalized(clf_featurizer *f, const char *norm, size_t len, int sorted,
                              const clf__count **counts, size_t *n)
{
    if (!f || (!norm && len) || !counts || !n)
        return clf__error(CLF_E_INVALID_ARG, "clf__featurize_normalized: NULL argument");
    *counts = NULL;
    *n = 0;
    f->last_norm = norm ? norm : "";
    f->last_len = len;
    int rc = scan(f, norm, len, 0);
    if (rc == CLF_OK)
        rc = begin_counts(f);
    if (rc == CLF_OK)
        rc = extract_counts(f);
    if (rc == CLF_OK)
        finish_counts(f, 0);
    if (rc == CLF_OK && sorted)
        rc = sort_counts(f);
    if (rc != CLF_OK) {
        f->ncounts = 0;
        return rc;
    }
    *counts = f->counts;
    *n = f->ncounts;
    return CLF_OK;
}

static int normalize(clf_featurizer *f, const char *text, size_t len, const char **norm,
                     size_t *nlen, int *truncated)
{
    f->last_norm = NULL;
    f->last_len = 0;
    return clf_normalize(f->norm, text, len, norm, nlen, truncated);
}

int clf__featurize_counts(clf_featurizer *f, const char *text, size_t len, int sorted,
                          const clf__count **counts, size_t *n, int *truncated)
{
    if (!f || (!text && len) || !counts || !n)
        return clf__error(CLF_E_INVALID_ARG, "clf__featurize_counts: NULL argument");
    const char *norm;
    size_t nlen;
    int rc = normalize(f, text ? text : "", len, &norm, &nlen, truncated);
    if (rc != CLF_OK)
        return rc;
    return clf__featurize_normalized(f, norm, nlen, sorted, counts, n);
}

int clf__featurize_hits(clf_featurizer *f, const clf_model *m, const char *text, size_t len,
                        const clf__hit **hits, size_t *n, int *truncated)
{
    if (!f || !m || (!text && len) || !hits || !n)
        return clf__error(CLF_E_INVALID_ARG, "clf__featurize_hits: NULL argument");
    *hits = NULL;
    *n = 0;
    const char *norm;
    size_t nlen;
    int rc = normalize(f, text ? text : "", len, &norm, &nlen, truncated);
    if (rc != CLF_OK)
        return rc;
    f->last_norm = norm;
    f->last_len = nlen;
    f->ncounts = 0;
    if ((rc = scan(f, norm, nlen, 0)) != CLF_OK || (rc = begin_counts(f)) != CLF_OK ||
        (rc = extract_counts(f)) != CLF_OK ||
        (rc = GROW(f->hits, f->hits_cap, f->nlive + 1)) != CLF_OK)
        return rc;
    *n = finish_hits(f, m);
    *hits = f->hits;
    return CLF_OK;
}

/*
 * A model's tables only mean something to a featurizer that hashes and
 * normalizes exactly as the model's did: anything else would look up the
 * wrong rows silently. The input limit (max_bytes) may differ.
 */
static int check_model(const clf_featurizer *f, const clf_model *m, const char *fn)
{
    if (!m)
        return CLF_OK;
    const clf_feature_options *a = &f->o, *b = &m->fopts;
    if (a->word_ngram_max != b->word_ngram_max || a->char_ngram_min != b->char_ngram_min ||
        a->char_ngram_max != b->char_ngram_max || a->char_mode != b->char_mode ||
        a->stems != b->stems || a->hash_bits != b->hash_bits || a->hash_seed != b->hash_seed ||
        a->sublinear_tf != b->sublinear_tf || a->l2_normalize != b->l2_normalize ||
        a->feature_revision != b->feature_revision ||
        clf__normalizer_flags(f->norm) != m->nopts.flags)
        return clf__error(CLF_E_INVALID_ARG,
                          "%s: the featurizer was not built with model %s's options "
                          "(create it from clf_model_options())",
                          fn, m->name);
    return CLF_OK;
}

/* The IDF of a bucket under model m: 1 without a model, 0 for a bucket
 * the model never saw (dropped, exactly as in scoring). */
static inline float bucket_idf(const clf_model *m, uint32_t bucket)
{
    if (!m)
        return 1.0f;
    uint32_t r = clf__model_row(m, bucket);
    return r ? clf__model_row_idf(m, r - 1) : 0.0f;
}

/* The weight of count c before L2: tf times idf. Same arithmetic as the
 * scorer: the float tf weight times idf in double. */
static inline double raw_weight(const clf_featurizer *f, const clf__count *c, float idf)
{
    double w = c->count < 64 ? (double)f->tf[c->count] : (double)clf__tf_weight(&f->o, c->count);
    return w * (double)idf;
}

/* The factor that L2-normalizes the sorted counts of this document (1 when
 * normalization is off or nothing is left). */
static double l2_scale(const clf_featurizer *f, const clf_model *m)
{
    if (!f->o.l2_normalize)
        return 1.0;
    double norm2 = 0.0;
    for (size_t j = 0; j < f->ncounts; j++) {
        float idf = bucket_idf(m, f->counts[j].bucket);
        if (idf == 0.0f)
            continue;
        double w = raw_weight(f, &f->counts[j], idf);
        norm2 += w * w;
    }
    return norm2 > 0.0 ? 1.0 / sqrt(norm2) : 1.0;
}

CLF_API int clf_featurize(clf_featurizer *f, const char *text, size_t len,
                          const clf_model *model, const clf_feature **vec, size_t *n)
{
    if (!f || (!text && len) || !vec || !n)
        return clf__error(CLF_E_INVALID_ARG, "clf_featurize: NULL argument");
    *vec = NULL;
    *n = 0;
    int rc = check_model(f, model, "clf_featurize");
    if (rc != CLF_OK)
        return rc;
    const clf__count *c;
    size_t nc;
    rc = clf__featurize_counts(f, text, len, 1, &c, &nc, NULL);
    if (rc != CLF_OK)
        return rc;
    if ((rc = GROW(f->vec, f->vec_cap, nc + 1)) != CLF_OK)
        return rc;
    const double scale = l2_scale(f, model);
    clf_feature *v = f->vec;
    size_t m = 0;
    for (size_t j = 0; j < nc; j++) {
        float idf = bucket_idf(model, c[j].bucket);
        if (idf == 0.0f)
            continue;
        v[m].index = c[j].bucket;
        v[m].value = (float)(raw_weight(f, &c[j], idf) * scale);
        m++;
    }
    *vec = v;
    *n = m;
    return CLF_OK;
}

CLF_API int clf_featurize_text(clf_featurizer *f, const char *text, size_t len,
                               const clf_model *model, const clf_feature_text **feats,
                               size_t *n)
{
    if (!f || (!text && len) || !feats || !n)
        return clf__error(CLF_E_INVALID_ARG, "clf_featurize_text: NULL argument");
    *feats = NULL;
    *n = 0;
    int rc = check_model(f, model, "clf_featurize_text");
    if (rc != CLF_OK)
        return rc;
    const char *norm;
    size_t nlen;
    rc = normalize(f, text ? text : "", len, &norm, &nlen, NULL);
    if (rc != CLF_OK)
        return rc;
    f->last_norm = norm;
    f->last_len = nlen;
    f->ntents = 0;
    f->arena.len = 0;
    if (f->ttab)
        memset(f->ttab, 0, f->ttab_size * sizeof *f->ttab);
    if ((rc = scan(f, norm, nlen, 1)) != CLF_OK || (rc = begin_counts(f)) != CLF_OK ||
        (rc = extract_texts(f)) != CLF_OK)
        goto fail;

    /* the final weight of every bucket, as clf_featurize() computes it
     * (summing the L2 norm in the same, sorted, order) */
    for (size_t j = 0; j < f->ntents; j++)
        f->tents[j].bucket_count = bucket_count(f, f->tents[j].bucket);
    if ((rc = sort_counts(f)) != CLF_OK ||
        (rc = GROW(f->ftext, f->ftext_cap, f->ntents + 1)) != CLF_OK)
        goto fail;
    const double scale = l2_scale(f, model);
    for (size_t j = 0; j < f->ntents; j++) {
        const clf__text_entry *e = &f->tents[j];
        clf_feature_text *o = &f->ftext[j];
        clf__count c = { e->bucket, e->bucket_count };
        o->index = e->bucket;
        o->family = e->family;
        o->text = f->arena.data + e->off;
        o->count = e->count;
        float idf = bucket_idf(model, c.bucket);
        o->value = idf == 0.0f ? 0.0f : (float)(raw_weight(f, &c, idf) * scale);
    }
    *feats = f->ftext;
    *n = f->ntents;
    return CLF_OK;
fail:
    f->ntents = 0;
    return rc;
}

void clf__featurizer_set_max_bytes(clf_featurizer *f, size_t max_bytes)
{
    clf__normalizer_set_max_bytes(f->norm, max_bytes);
}

size_t clf__featurizer_max_bytes(const clf_featurizer *f)
{
    return clf__normalizer_max_bytes(f->norm);
}

/*
 * Words whose stems exercise the Arabic stemmer's prefix, suffix and
 * pattern rules; a stemmer that stems any of them differently gives a
 * different fingerprint. Written for this purpose (normalized spelling).
 */
static const char *const stem_probe[] = {
    "والمسلمون", "بالكتاب", "سيكتبون", "المدرسه", "كاتبات", "يستخدمونها", "فسيكفيكهم",
    "الاستقلال", "المعلمين", "وبالوالدين", "اجتماعات", "مكتبتنا", "يتعلمون", "الحكومات",
    "لاعبين", "فقالوا", "ساعدتهم", "المستشفيات", "تدريس", "كتبهما", "اخوانكم", "الجهاد",
    "المجاهدين", "الدوله", "الاسلاميه", "بيوتهن", "وسنكتب", "استغفر", "منتديات", "ب",
};

int clf__stemmer_fingerprint(char *out, size_t size)
{
    struct sb_stemmer *st = NULL; /* created if a probe needs it */
    XXH3_state_t state;
    XXH3_64bits_reset(&state);
    for (size_t i = 0; i < sizeof stem_probe / sizeof *stem_probe; i++) {
        /* the same path as emit_stem(): stem_arabic.c, else libstemmer */
        char sbuf[800];
        size_t sn;
        const size_t wl = strlen(stem_probe[i]);
        if (clf__stem_arabic(stem_probe[i], wl, sbuf, sizeof sbuf, &sn) == 0) {
            XXH3_64bits_update(&state, sbuf, sn);
        } else {
            if (!st && !(st = clf__libstemmer_new()))
                return CLF_E_STEMMER;
            int rl;
            const sb_symbol *r =
                clf__libstemmer_stem(st, (const sb_symbol *)stem_probe[i], (int)wl, &rl);
            if (!r) {
                clf__libstemmer_delete(st);
                return clf__error(CLF_E_NOMEM, "libstemmer: out of memory");
            }
            XXH3_64bits_update(&state, r, (size_t)rl);
        }
        XXH3_64bits_update(&state, "\n", 1);
    }
    clf__libstemmer_delete(st);
    snprintf(out, size, "snowball-arabic-utf8 stems:%08llx",
             (unsigned long long)(XXH3_64bits_digest(&state) >> 32));
    return CLF_OK;
}
