/*
 * norm_internal.h - what normalize.c (the character stage, the only file
 * that includes ICU) shares with norm_lex.c (tokens: placeholders,
 * hashtags, punctuation, spaced letters, elongation, output). Not installed.
 */
#ifndef CLF_NORM_INTERNAL_H
#define CLF_NORM_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "common/internal.h"
#include "classify/normalize.h"

/*
 * Per-character tables cover the BMP and U+1F000..U+1FFFF (emoji), the
 * code points tweets are made of; anything else takes the ICU path.
 */
#define CLF__NTAB_SIZE (0x10000 + 0x1000)
/* The tables are built lazily, a page of code points at a time (normalize.c). */
#define CLF__NTAB_PAGE 256
#define CLF__NTAB_PAGES (CLF__NTAB_SIZE / CLF__NTAB_PAGE)

static inline int32_t clf__ntab_index(uint32_t c)
{
    if (c < 0x10000)
        return (int32_t)c;
    if (c - 0x1F000u < 0x1000u)
        return (int32_t)(0x10000 + (c - 0x1F000u));
    return -1;
}

/* Token classes of a code point as it appears after the character stage. */
enum {
    CLF__K_SPACE = 0,  /* ' ' (every separator has become one) */
    CLF__K_LETTER,     /* a letter that may be joined to its neighbour (spaced letters) */
    CLF__K_LETTER_NJ,  /* a letter that composes with the one before it (Hangul V/T jamo) */
    CLF__K_DIGIT,      /* general category Nd */
    CLF__K_MARK,       /* combining marks and kept invisibles: stick to what precedes them */
    CLF__K_WORD,       /* other word characters: No, Nl, Co, Cn, Cf */
    CLF__K_PUNCT,      /* punctuation and symbols (P*, S*) */
    CLF__K_EMOJI,      /* Extended_Pictographic */
    CLF__K_RI          /* regional indicator (two make a flag) */
};

/* A 32-bit growable array of code points. */
typedef struct clf__u32buf {
    uint32_t *p;
    size_t len, cap;
} clf__u32buf;

int clf__u32_reserve(clf__u32buf *b, size_t total);

/* Per code point of a stage: the input bytes [s[i], e[i]) of its block it
 * comes from (a character that a step merged covers all it merged). */
typedef struct clf__omap {
    clf__u32buf s, e;
} clf__omap;

int clf__omap_reserve(clf__omap *m, size_t total);

/* One token of the lexer (norm_lex.c). */
typedef struct clf__ntok {
    uint32_t start; /* first code point in the character-stage output */
    uint32_t len;   /* code points */
    uint32_t end;   /* CLF__T_JOINED: index of the token after the run */
    uint8_t kind;   /* CLF__T_* */
    uint8_t flags;  /* CLF__TF_* */
} clf__ntok;

struct clf_normalizer {
    unsigned int flags;
    size_t max_bytes;
    const void *nfkc;        /* const UNormalizer2 *, NULL when CLF_NORM_NFKC is off */
    const uint32_t *ent;     /* CLF__NTAB_SIZE character-stage entries (normalize.c) */
    const uint8_t *cls;      /* CLF__NTAB_SIZE token classes */
    const uint32_t *mpool;   /* outputs of fast characters that map to several */
    size_t mpool_len, mpool_cap;
    /* The tables above are the build's (norm_prebuilt.h, every page built)
     * or these, built here a page at a time. */
    uint32_t *ent_w, *mpool_w;
    uint8_t *cls_w;
    uint8_t page_built[CLF__NTAB_PAGES]; /* pages of ent and cls built so far */
    int reference;           /* 1: whole-string ICU path (tests compare the two) */
    int slow_hit;            /* the last pass took the ICU path somewhere */

    clf__u32buf dec;         /* decoded input of the current block */
    clf__u32buf pass_a, pass_b;
    uint16_t *u16a, *u16b;   /* ICU scratch */
    int32_t u16a_cap, u16b_cap;

    clf__ntok *toks;
    size_t ntok, tokcap;
    clf__u32buf join;        /* scratch for a rejoined word */
    clf__buf out;

    /* Offset map (clf_normalizer_set_offsets), off on the scoring path: for
     * every code point of a stage, the byte range [s, e) of the block's
     * input it comes from; the token list maps each output token back. */
    int offsets;
    clf__omap dmap, amap, bmap; /* decoded input, pass_a, pass_b */
    size_t blk_off;             /* byte offset of the current block in the input */
    clf_norm_token *tmap;
    size_t ntmap, tmapcap;
};

/*
 * Every code point the lexer and the table path look up is in a built page:
 * decoding builds the pages of the input, and building a page builds the
 * pages of its outputs (so do the ICU path's outputs).
 */

/* clf__norm_class_slow - the token class of a code point outside the tables. */
unsigned int clf__norm_class_slow(const clf_normalizer *n, uint32_t c);

static inline unsigned int clf__norm_class(const clf_normalizer *n, uint32_t c)
{
    int32_t i = clf__ntab_index(c);
    return i >= 0 ? n->cls[i] : clf__norm_class_slow(n, c);
}

/*
 * clf__norm_lex - split the character-stage output y[0..m) into tokens,
 * apply placeholders, hashtags, punctuation split, elongation and spaced
 * letters, and append the tokens to n->out (space-separated; a space is
 * put first when n->out is not empty). y is modified (elongation).
 * map is NULL unless offsets are kept: then it holds y's offset map
 * (compacted along with y) and each token is appended to n->tmap.
 */
int clf__norm_lex(clf_normalizer *n, uint32_t *y, size_t m, clf__omap *map);

/*
 * clf__normalizer_set_reference - 1 makes n use the plain ICU path (whole
 * string NFKC and case folding, no tables); for tests that check that the
 * fast path gives byte-identical output.
 */
void clf__normalizer_set_reference(clf_normalizer *n, int on);

/* clf__normalizer_set_max_bytes - change n's input limit (0 = none); the
 * scorer's per-scorer limit (clf_scorer_set_max_bytes). */
void clf__normalizer_set_max_bytes(clf_normalizer *n, size_t max_bytes);
size_t clf__normalizer_max_bytes(const clf_normalizer *n);

/* clf__normalizer_flags - the CLF_NORM_* steps n applies. */
unsigned int clf__normalizer_flags(const clf_normalizer *n);

/*
 * clf__is_arabic_letter - 1 if code point c is an alphabetic character of
 * the Arabic script (ICU): what makes a token an Arabic word for the
 * featurizer's word count (clf__featurizer_arabic_words) and abstention.
 */
int clf__is_arabic_letter(uint32_t c);

/*
 * clf__normalizer_build_all - build every page of n's run-time tables, in
 * page order (a no-op for a normalizer on the prebuilt tables). For the
 * build's table generator and for the test that compares the two.
 */
int clf__normalizer_build_all(clf_normalizer *n);

/* clf__normalizer_prebuilt - 1 if n runs off the tables generated at build time. */
int clf__normalizer_prebuilt(const clf_normalizer *n);

/*
 * clf__norm_base_prop - the option-independent property byte of every table
 * code point as built at run time (valid for the pages built so far: all
 * of them after clf__normalizer_build_all). For the generator and tests.
 */
const uint8_t *clf__norm_base_prop(void);

/*
 * clf__norm_set_runtime_tables - 1: normalizers created from now on build
 * their tables at run time even where the prebuilt ones fit (tests compare
 * the two). The environment variable CLF_NORM_RUNTIME_TABLES=1 does the
 * same for a whole process, from its first normalizer on.
 */
void clf__norm_set_runtime_tables(int on);

/* clf__icu_versions - the Unicode and ICU versions of the linked ICU, as
 * "15.0" and "72.1" (NUL-terminated, cut to size). */
void clf__icu_versions(char *unicode, char *icu, size_t size);

#endif /* CLF_NORM_INTERNAL_H */
