/*
 * normalize.c - the normalizer's front half: options, UTF-8 validation and
 * truncation, and the character stage (NFKC, case folding, Arabic folding,
 * digits, invisibles, separators). The only file of libclassify that
 * includes ICU. Tokens (placeholders, hashtags, punctuation, spaced
 * letters, elongation) are done by norm_lex.c. docs/normalization.md
 * describes every step.
 *
 * Speed: the character stage is defined as ICU would compute it on the
 * whole text (NFKC, then full case folding, then the Arabic map, repeated
 * until nothing changes), but runs off a per-normalizer table: a character
 * that starts an NFKC segment on its own (ICU "boundary before" on it and on
 * the next character) maps through the table; only the other segments
 * (presentation forms next to marks, decomposed letters, scripts outside
 * the table) go through ICU. tests/test_normalize.c checks that both paths
 * give byte-identical output. The tables of the default steps are generated
 * at build time from the build's ICU (norm_prebuilt.h) and used when the
 * running ICU is that one; otherwise (other steps, another ICU) they are
 * built a page at a time, when a text first needs one (a few for Arabic
 * text, instead of ~45 ms for all).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/uscript.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>

#include "norm_internal.h"
#ifndef CLF_NORM_NO_PREBUILT /* defined for the generator, which makes them */
#include "norm_prebuilt.h"
#endif

/* Inputs longer than this are normalized in blocks cut at ASCII whitespace:
 * NFKC expands some characters up to 18x (U+FDFA), so the scratch memory of
 * one block is bounded by ~18x its size, whatever the document's length
 * (see docs/normalization.md). */
#define CLF__NORM_BLOCK ((size_t)64 << 10)
/* The normalized text is kept within this many times the input's bytes (+
 * a little): real text shrinks or grows by a third at most (lam-alef
 * ligatures), so only expansion attacks hit it; they are cut, as truncated,
 * and the features and explanations built on the output stay bounded too. */
#define CLF__NORM_OUT_FACTOR 2
#define CLF__NORM_OUT_SLACK 256
/* The character stage is repeated until it changes nothing, at most this often. */
#define CLF__NORM_MAX_PASSES 4
/* At most this many non-starters in a row are kept (Unicode's Stream-Safe
 * Text Format, UAX #15): canonical reordering of an unbounded run of marks
 * is quadratic in ICU, and no real text has more than a handful. */
#define CLF__NORM_MAX_NONSTARTERS 30

#define MAP_DEL 0xFFFFFFFFu


/* ---- option-independent facts from ICU, shared by every normalizer ------- */

enum {
    BP_BB = 1,    /* NFKC boundary before: text can be normalized in pieces split here */
    BP_DI = 2,    /* Default_Ignorable_Code_Point */
    BP_SEP = 4,   /* White_Space or a control character: a separator */
    BP_EMOD = 8,  /* Emoji_Modifier (skin tones) */
    BP_QCYES = 16 /* NFKC_Quick_Check = Yes: never combines with what precedes it */
};
enum { G_OTHER, G_LETTER, G_MARK, G_DIGIT, G_PUNCT, G_EMOJI, G_RI, G_SEP };
enum { SEQ_N, SEQ_C, SEQ_CN, SEQ_COUNT }; /* NFKC(c), fold(c), fold(NFKC(c)) */

#define SEQ_SELF 0u          /* maps to itself */
#define SEQ_LONG 0xFFFFFFFFu /* longer than a table entry holds: ICU path */

/*
 * Built lazily, one page of CLF__NTAB_PAGE code points at a time, the first
 * time a normalizer meets a character of the page (a few pages for Arabic
 * text: building all of them costs ~50 ms, most of a process's start).
 * Pages are built under base_lock, by whichever thread needs them first,
 * from the ICU the process runs with.
 */
static struct {
    uint8_t prop[CLF__NTAB_SIZE];
    uint8_t gcls[CLF__NTAB_SIZE];
    uint32_t seq[SEQ_COUNT][CLF__NTAB_SIZE]; /* SEQ_SELF, SEQ_LONG or offset << 6 | length */
    uint8_t built[CLF__NTAB_PAGES];
    uint32_t *pool;
    size_t pool_len, pool_cap;
    const UNormalizer2 *nfkc;
    int ok;
    int pre_ok; /* the prebuilt tables are this ICU's: prop and the default tables */
    char err[128];
} base;
static int runtime_tables; /* clf__norm_set_runtime_tables */
static pthread_once_t base_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t base_lock = PTHREAD_MUTEX_INITIALIZER;

static uint32_t tab_cp(int32_t i)
{
    return i < 0x10000 ? (uint32_t)i : 0x1F000u + (uint32_t)(i - 0x10000);
}

static void icu_props(const UNormalizer2 *nf, UChar32 c, uint8_t *prop, uint8_t *g)
{
    uint8_t p = 0;
    if (unorm2_hasBoundaryBefore(nf, c))
        p |= BP_BB;
    if (u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT))
        p |= BP_DI;
    int8_t t = u_charType(c);
    if (t == U_CONTROL_CHAR || u_hasBinaryProperty(c, UCHAR_WHITE_SPACE))
        p |= BP_SEP;
    if (u_hasBinaryProperty(c, UCHAR_EMOJI_MODIFIER))
        p |= BP_EMOD;
    if (u_getIntPropertyValue(c, UCHAR_NFKC_QUICK_CHECK) == UNORM_YES)
        p |= BP_QCYES;
    *prop = p;
    if (p & BP_SEP)
        *g = G_SEP;
    else if (u_hasBinaryProperty(c, UCHAR_EXTENDED_PICTOGRAPHIC))
        *g = G_EMOJI;
    else if (u_hasBinaryProperty(c, UCHAR_REGIONAL_INDICATOR))
        *g = G_RI;
    else if (t >= U_UPPERCASE_LETTER && t <= U_OTHER_LETTER)
        *g = G_LETTER;
    else if (t == U_NON_SPACING_MARK || t == U_ENCLOSING_MARK || t == U_COMBINING_SPACING_MARK)
        *g = G_MARK;
    else if (t == U_DECIMAL_DIGIT_NUMBER)
        *g = G_DIGIT;
    else if ((t >= U_DASH_PUNCTUATION && t <= U_OTHER_SYMBOL) ||
             t == U_INITIAL_PUNCTUATION || t == U_FINAL_PUNCTUATION)
        *g = G_PUNCT;
    else
        *g = G_OTHER;
}

/* Store a UTF-16 mapping of c as a sequence of code points. */
static int base_store(int which, int32_t i, UChar32 c, const UChar *s, int32_t len)
{
    uint32_t cps[64];
    size_t n = 0;
    for (int32_t k = 0; k < len;) {
        UChar32 d;
        U16_NEXT(s, k, len, d);
        if (n == 63) {
            base.seq[which][i] = SEQ_LONG;
            return 0;
        }
        cps[n++] = (uint32_t)d;
    }
    if (n == 1 && cps[0] == (uint32_t)c) {
        base.seq[which][i] = SEQ_SELF;
        return 0;
    }
    if (base.pool_len + n > base.pool_cap) {
        size_t cap = base.pool_cap ? base.pool_cap * 2 : 16384;
        uint32_t *p = realloc(base.pool, cap * sizeof *p);
        if (!p)
            return -1;
        base.pool = p;
        base.pool_cap = cap;
    }
    memcpy(base.pool + base.pool_len, cps, n * sizeof *cps);
    base.seq[which][i] = (uint32_t)(base.pool_len << 6) | (uint32_t)n;
    base.pool_len += n;
    return 0;
}

static void base_init(void)
{
    UErrorCode ec = U_ZERO_ERROR;
    const UNormalizer2 *nf = unorm2_getNFKCInstance(&ec);
    if (U_FAILURE(ec)) {
        snprintf(base.err, sizeof base.err, "unorm2_getNFKCInstance: %s", u_errorName(ec));
        return;
    }
    base.nfkc = nf;
    base.ok = 1;
#ifndef CLF_NORM_NO_PREBUILT
    /* Tables made with another ICU could differ from what this one says
     * (new characters, changed decompositions): then they are built here. */
    char uv[32], iv[32];
    clf__icu_versions(uv, iv, sizeof uv);
    const char *env = getenv("CLF_NORM_RUNTIME_TABLES");
    base.pre_ok = !strcmp(iv, clf__norm_pre_icu_version) &&
                  !strcmp(uv, clf__norm_pre_unicode_version) && !(env && !strcmp(env, "1"));
#endif
}

/* Build page pg of the shared tables (base_lock held). */
static int base_page(int32_t pg)
{
    if (base.built[pg])
        return CLF_OK;
    const UNormalizer2 *nf = base.nfkc;
    for (int32_t i = pg * CLF__NTAB_PAGE; i < (pg + 1) * CLF__NTAB_PAGE; i++) {
        UChar32 c = (UChar32)tab_cp(i);
        if (c >= 0xD800 && c <= 0xDFFF) {
            /* never decoded; a harmless entry */
            base.prop[i] = BP_BB | BP_QCYES;
            base.gcls[i] = G_OTHER;
            continue;
        }
        UErrorCode ec = U_ZERO_ERROR;
        UChar src[2], nb[64], fb[64], cb[200];
        int32_t sl = 0;
        U16_APPEND_UNSAFE(src, sl, c);
        int32_t nl = unorm2_normalize(nf, src, sl, nb, 64, &ec);
        int32_t fl = u_strFoldCase(fb, 64, src, sl, U_FOLD_CASE_DEFAULT, &ec);
        int32_t cl = U_SUCCESS(ec) ? u_strFoldCase(cb, 200, nb, nl, U_FOLD_CASE_DEFAULT, &ec) : 0;
        if (U_FAILURE(ec))
            return clf__error(CLF_E_ICU, "normalizer: building tables at U+%04X: %s",
                              (unsigned)c, u_errorName(ec));
        if (base_store(SEQ_N, i, c, nb, nl) || base_store(SEQ_C, i, c, fb, fl) ||
            base_store(SEQ_CN, i, c, cb, cl))
            return clf__error(CLF_E_NOMEM, "out of memory (normalizer tables)");
        icu_props(nf, c, &base.prop[i], &base.gcls[i]);
    }
    base.built[pg] = 1;
    return CLF_OK;
}

/* The shared tables' page of c, when c is in them (base_lock held). */
static int base_need(uint32_t c)
{
    int32_t i = clf__ntab_index(c);
    return i < 0 ? CLF_OK : base_page(i / CLF__NTAB_PAGE);
}

static unsigned int props_of(uint32_t c)
{
    int32_t i = clf__ntab_index(c);
#ifndef CLF_NORM_NO_PREBUILT
    if (i >= 0 && base.pre_ok)
        return clf__norm_pre_prop[i]; /* base.prop may not have c's page */
#endif
    if (i >= 0)
        return base.prop[i];
    uint8_t p, g;
    icu_props(base.nfkc, (UChar32)c, &p, &g);
    return p;
}

/* ---- the Arabic map and the per-character map M ------------------------- */

static int is_diacritic(uint32_t c)
{
    return (c >= 0x0610 && c <= 0x061A) || (c >= 0x064B && c <= 0x065F) || c == 0x0670 ||
           (c >= 0x06D6 && c <= 0x06ED) ||
           /* Arabic Extended-A/B Quranic marks, same role */
           (c >= 0x0898 && c <= 0x089F) || (c >= 0x08CA && c <= 0x08E1) ||
           (c >= 0x08E3 && c <= 0x08FF);
}

/* Isolated presentation forms of harakat, which NFKC turns into SPACE + mark:
 * deleted before NFKC so that they do not split the word they were put in. */
static int is_spaced_haraka(uint32_t c)
{
    return (c >= 0xFE70 && c <= 0xFE7E && (c & 1) == 0 && c != 0xFE75) ||
           (c >= 0xFC5E && c <= 0xFC63);
}

/* Persian, Urdu, Kurdish and other letters that look like Arabic ones. */
static uint32_t lookalike(uint32_t c)
{
    switch (c) {
    case 0x06A9: case 0x06AA: case 0x06AB: case 0x063B: case 0x063C:
        return 0x0643; /* ک ڪ ګ ػ ؼ -> ك */
    case 0x06CC: case 0x06CE: case 0x06D0: case 0x06D2: case 0x06D3: case 0x063D:
    case 0x063E: case 0x063F: case 0x0620: case 0x06CD:
        return 0x064A; /* ی ێ ې ے ۓ ؽ ؾ ؿ ؠ ۍ -> ي */
    case 0x06C1: case 0x06C2: case 0x06C0: case 0x06D5: case 0x06BE: case 0x06FF:
        return 0x0647; /* ہ ۂ ۀ ە ھ ۿ -> ه */
    case 0x06C3:
        return 0x0629; /* ۃ -> ة */
    case 0x06C4: case 0x06C5: case 0x06C6: case 0x06C7: case 0x06C8: case 0x06C9:
    case 0x06CA: case 0x06CB: case 0x06CF:
        return 0x0648; /* ۄ ۅ ۆ ۇ ۈ ۉ ۊ ۋ ۏ -> و */
    case 0x06BA:
        return 0x0646; /* ں -> ن */
    default:
        return c;
    }
}

/* Orthographic variants: hamza carriers, alef maqsura, teh marbuta. */
static uint32_t letter_fold(uint32_t c)
{
    switch (c) {
    case 0x0622: case 0x0623: case 0x0625: case 0x0671: case 0x0672: case 0x0673: case 0x0675:
        return 0x0627; /* آ أ إ ٱ ٲ ٳ ٵ -> ا */
    case 0x0649: case 0x0626: case 0x0678:
        return 0x064A; /* ى ئ ٸ -> ي */
    case 0x0629:
        return 0x0647; /* ة -> ه */
    case 0x0624: case 0x0676: case 0x0677:
        return 0x0648; /* ؤ ٶ ٷ -> و */
    case 0x0674:
        return MAP_DEL; /* high hamza: what NFKC leaves of ٵ ٶ ٷ ٸ */
    default:
        return c;
    }
}

/*
 * map_m - the per-code-point map applied after NFKC and case folding:
 * separators -> ' ', then the deletions and foldings the flags ask for.
 * Returns the new code point or MAP_DEL. Idempotent: M(M(c)) == M(c).
 */
static uint32_t map_m(unsigned int f, uint32_t c)
{
    if (c < 0x80)
        return (c < 0x20 || c == 0x7F) ? ' ' : c;
    unsigned int p = props_of(c);
    if (p & BP_SEP)
        return ' ';
    if (c == 0xFEFF)
        return MAP_DEL; /* a BOM, wherever it is: see decode() */
    if ((p & BP_DI) && (f & CLF_NORM_INVISIBLE))
        return MAP_DEL;
    if ((p & BP_EMOD) && (f & CLF_NORM_PUNCT_SPLIT))
        return MAP_DEL;
    if (c >= 0x0600 && c <= 0x08FF) {
        if (c == 0x0640 && (f & CLF_NORM_TATWEEL))
            return MAP_DEL;
        if ((f & CLF_NORM_DIACRITICS) && is_diacritic(c))
            return MAP_DEL;
        /* NFKC has composed what it could (ا + ٔ -> أ); a madda or hamza
         * mark still left would compose with the ا that أ folds to on the
         * next pass, one mark per pass: with letters on it goes too */
        if ((f & CLF_NORM_LETTERS) && c >= 0x0653 && c <= 0x0655)
            return MAP_DEL;
        if (f & CLF_NORM_LOOKALIKES)
            c = lookalike(c);
        if (f & CLF_NORM_LETTERS)
            c = letter_fold(c);
        if (c == MAP_DEL)
            return MAP_DEL;
    }
    if ((f & CLF_NORM_DIGITS) && u_charType((UChar32)c) == U_DECIMAL_DIGIT_NUMBER) {
        int32_t v = u_charDigitValue((UChar32)c);
        if (v >= 0 && v <= 9)
            return (uint32_t)('0' + v);
    }
    return c;
}

/* ---- per-normalizer tables ------------------------------------------------ */

/* Entry bits of n->ent. */
#define E_VAL   0x001FFFFFu  /* the output code point, or an mpool offset with E_MULTI */
#define E_FAST  (1u << 21)   /* maps through the table when it is a segment of its own */
#define E_DEL   (1u << 22)   /* ... to nothing */
#define E_MULTI (1u << 23)   /* ... to mpool[E_VAL + 1 ..], mpool[E_VAL] of them */
#define E_BB    (1u << 24)   /* an NFKC segment may start here */
#define E_FDROP (1u << 25)   /* a mark that vanishes after any fast character */
#define E_PRE   (1u << 26)   /* deleted while decoding, before NFKC */

static const uint32_t *seq_of(unsigned int f, int32_t i, uint32_t c, uint32_t *self, size_t *len)
{
    int which = (f & CLF_NORM_NFKC) ? ((f & CLF_NORM_CASEFOLD) ? SEQ_CN : SEQ_N)
                                    : ((f & CLF_NORM_CASEFOLD) ? SEQ_C : -1);
    uint32_t v = which < 0 ? SEQ_SELF : base.seq[which][i];
    if (v == SEQ_SELF) {
        *self = c;
        *len = 1;
        return self;
    }
    if (v == SEQ_LONG) {
        *len = 0;
        return NULL;
    }
    *len = v & 63;
    return base.pool + (v >> 6);
}

/* A code point that the whole character stage leaves alone, whatever follows it. */
static int is_fixed(unsigned int f, uint32_t r)
{
    int32_t i = clf__ntab_index(r);
    if (i < 0)
        return 0;
    if ((f & CLF_NORM_NFKC) && !(base.prop[i] & BP_BB))
        return 0;
    uint32_t self;
    size_t len;
    const uint32_t *s = seq_of(f, i, r, &self, &len);
    return len == 1 && s[0] == r && map_m(f, r) == r;
}

static unsigned int class_of(unsigned int f, uint8_t p, uint8_t g)
{
    if (p & BP_SEP)
        return CLF__K_SPACE;
    if (p & (BP_DI | BP_EMOD))
        return CLF__K_MARK; /* kept invisibles and skin tones stick to their base */
    switch (g) {
    case G_EMOJI: return CLF__K_EMOJI;
    case G_RI: return CLF__K_RI;
    case G_LETTER:
        return ((f & CLF_NORM_NFKC) && !(p & BP_BB)) ? CLF__K_LETTER_NJ : CLF__K_LETTER;
    case G_MARK: return CLF__K_MARK;
    case G_DIGIT: return CLF__K_DIGIT;
    case G_PUNCT: return CLF__K_PUNCT;
    default: return CLF__K_WORD;
    }
}

unsigned int clf__norm_class_slow(const clf_normalizer *n, uint32_t c)
{
    uint8_t p, g;
    icu_props(base.nfkc, (UChar32)c, &p, &g);
    return class_of(n->flags, p, g);
}

static int mpool_add(clf_normalizer *n, const uint32_t *cps, size_t len, size_t *cap)
{
    if (n->mpool_len + len + 1 > *cap) {
        size_t nc = *cap ? *cap * 2 : 4096;
        while (nc < n->mpool_len + len + 1)
            nc *= 2;
        uint32_t *p = realloc(n->mpool_w, nc * sizeof *p);
        if (!p)
            return clf__error(CLF_E_NOMEM, "out of memory (normalizer tables)");
        n->mpool = n->mpool_w = p;
        *cap = nc;
    }
    n->mpool_w[n->mpool_len] = (uint32_t)len;
    memcpy(n->mpool_w + n->mpool_len + 1, cps, len * sizeof *cps);
    n->mpool_len += len + 1;
    return CLF_OK;
}

/* Build page pg of n's tables and the pages of their outputs (base_lock held). */
static int norm_page_locked(clf_normalizer *n, int32_t pg)
{
    if (n->page_built[pg])
        return CLF_OK;
    unsigned int f = n->flags;
    int rc = base_page(pg);
    if (rc)
        return rc;
    const int32_t i0 = pg * CLF__NTAB_PAGE, i1 = i0 + CLF__NTAB_PAGE;
    for (int32_t i = i0; i < i1; i++) {
        uint32_t c = tab_cp(i);
        uint8_t p = base.prop[i];
        uint32_t e = 0;
        n->cls_w[i] = (uint8_t)class_of(f, p, base.gcls[i]);
        if (c >= 0xD800 && c <= 0xDFFF) {
            n->ent_w[i] = E_BB;
            continue;
        }
        if (!(f & CLF_NORM_NFKC) || (p & BP_BB))
            e |= E_BB;
        if (((p & BP_DI) && (f & CLF_NORM_INVISIBLE)) || c == 0xFEFF ||
            (c == 0x0640 && (f & CLF_NORM_TATWEEL)) ||
            ((f & CLF_NORM_DIACRITICS) && is_spaced_haraka(c)))
            e |= E_PRE;
        uint32_t self;
        size_t len;
        const uint32_t *s = seq_of(f, i, c, &self, &len);
        if ((e & E_BB) && s) {
            uint32_t outs[64];
            size_t k = 0;
            int fast = 1;
            for (size_t j = 0; j < len && fast; j++) {
                if ((rc = base_need(s[j])))
                    return rc;
                uint32_t r = map_m(f, s[j]);
                if (r == MAP_DEL)
                    continue;
                if ((rc = base_need(r)))
                    return rc;
                if (!is_fixed(f, r))
                    fast = 0;
                else
                    outs[k++] = r;
            }
            if (fast && k > 1 && n->mpool_len > E_VAL)
                fast = 0; /* never happens: the pool holds a few thousand */
            if (fast) {
                if (k == 0) {
                    e |= E_FAST | E_DEL;
                } else if (k == 1) {
                    e |= E_FAST | outs[0];
                } else {
                    e |= E_FAST | E_MULTI | (uint32_t)n->mpool_len;
                    if ((rc = mpool_add(n, outs, k, &n->mpool_cap)))
                        return rc;
                }
            }
        }
        /* A mark that M deletes and that cannot compose with anything before
         * it disappears from any segment without changing the rest. */
        if ((f & CLF_NORM_NFKC) && (p & BP_QCYES) && s && len == 1 && s[0] == c &&
            map_m(f, c) == MAP_DEL)
            e |= E_FDROP;
        n->ent_w[i] = e;
    }
    n->page_built[pg] = 1;
    /* what the table path outputs is looked up in the tables too */
    for (int32_t i = i0; i < i1; i++) {
        uint32_t e = n->ent[i], outs[64];
        size_t k = 0;
        if (!(e & E_FAST) || (e & E_DEL))
            continue;
        if (e & E_MULTI) {
            /* copied: building a page may move the pool */
            k = n->mpool[e & E_VAL];
            memcpy(outs, n->mpool + (e & E_VAL) + 1, k * sizeof *outs);
        } else {
            outs[k++] = e & E_VAL;
        }
        for (size_t j = 0; j < k; j++) {
            int32_t t = clf__ntab_index(outs[j]);
            if (t >= 0 && (rc = norm_page_locked(n, t / CLF__NTAB_PAGE)))
                return rc;
        }
    }
    return CLF_OK;
}

/* Make sure page pg of n's tables is built. */
static int norm_page(clf_normalizer *n, int32_t pg)
{
    if (CLF_LIKELY(n->page_built[pg]))
        return CLF_OK;
    pthread_mutex_lock(&base_lock);
    int rc = norm_page_locked(n, pg);
    pthread_mutex_unlock(&base_lock);
    return rc;
}

/* The page of c, when c is in the tables. */
static inline int norm_need(clf_normalizer *n, uint32_t c)
{
    int32_t i = clf__ntab_index(c);
    return i < 0 ? CLF_OK : norm_page(n, i / CLF__NTAB_PAGE);
}

static int build_tables(clf_normalizer *n)
{
#ifndef CLF_NORM_NO_PREBUILT
    if (base.pre_ok && n->flags == clf__norm_pre_flags && !runtime_tables) {
        /* every page built, in the binary: nothing to build or to allocate */
        n->ent = clf__norm_pre_ent;
        n->cls = clf__norm_pre_cls;
        n->mpool = clf__norm_pre_mpool;
        n->mpool_len = clf__norm_pre_mpool_len;
        memset(n->page_built, 1, sizeof n->page_built);
        return CLF_OK;
    }
#endif
    /* zero pages from the system: only the pages built are ever touched */
    n->ent = n->ent_w = calloc(CLF__NTAB_SIZE, sizeof *n->ent_w);
    n->cls = n->cls_w = calloc(CLF__NTAB_SIZE, 1);
    if (!n->ent_w || !n->cls_w)
        return clf__error(CLF_E_NOMEM, "out of memory (normalizer tables)");
    return norm_page(n, 0); /* ASCII and Latin-1: decoding takes them as they come */
}

int clf__normalizer_build_all(clf_normalizer *n)
{
    for (int32_t pg = 0; pg < CLF__NTAB_PAGES; pg++) {
        int rc = norm_page(n, pg);
        if (rc)
            return rc;
    }
    return CLF_OK;
}

int clf__normalizer_prebuilt(const clf_normalizer *n)
{
    return n->ent_w == NULL;
}

const uint8_t *clf__norm_base_prop(void)
{
    return base.prop;
}

void clf__norm_set_runtime_tables(int on)
{
    runtime_tables = on != 0;
}

/* ---- scratch buffers ------------------------------------------------------ */

int clf__u32_reserve(clf__u32buf *b, size_t total)
{
    if (total <= b->cap)
        return CLF_OK;
    if (total > SIZE_MAX / 8)
        return clf__error(CLF_E_NOMEM, "buffer size overflow");
    size_t cap = b->cap ? b->cap : 256;
    while (cap < total)
        cap *= 2;
    uint32_t *p = realloc(b->p, cap * sizeof *p);
    if (!p)
        return clf__error(CLF_E_NOMEM, "out of memory (%zu code points)", cap);
    b->p = p;
    b->cap = cap;
    return CLF_OK;
}

int clf__omap_reserve(clf__omap *m, size_t total)
{
    int rc = clf__u32_reserve(&m->s, total);
    return rc ? rc : clf__u32_reserve(&m->e, total);
}

/* Outputs [k0, k1) of a pass come from its inputs [i, j): each covers all of them. */
static int omap_seg(clf__omap *om, size_t k0, size_t k1, const clf__omap *im, size_t i, size_t j)
{
    int rc = clf__omap_reserve(om, k1 + 1);
    if (rc)
        return rc;
    for (size_t k = k0; k < k1; k++) {
        om->s.p[k] = im->s.p[i];
        om->e.p[k] = im->e.p[j - 1];
    }
    return CLF_OK;
}

static void omap_free(clf__omap *m)
{
    free(m->s.p);
    free(m->e.p);
}

static int u16_reserve(uint16_t **p, int32_t *cap, size_t need)
{
    if (need > (size_t)INT32_MAX / 2)
        return clf__error(CLF_E_NOMEM, "text too long for ICU (%zu UTF-16 units)", need);
    if ((int32_t)need <= *cap)
        return CLF_OK;
    int32_t nc = *cap ? *cap : 256;
    while (nc < (int32_t)need)
        nc *= 2;
    uint16_t *q = realloc(*p, (size_t)nc * sizeof *q);
    if (!q)
        return clf__error(CLF_E_NOMEM, "out of memory (%d UTF-16 units)", (int)nc);
    *p = q;
    *cap = nc;
    return CLF_OK;
}

/* ---- the ICU path ---------------------------------------------------------- */

/*
 * icu_chain - NFKC and full case folding of seg[0..len) with ICU, as the
 * flags ask. The result is left in *res / *rlen (one of the u16 buffers).
 */
static int icu_chain(clf_normalizer *n, const uint32_t *seg, size_t len, const UChar **res,
                     int32_t *rlen)
{
    int rc = u16_reserve(&n->u16a, &n->u16a_cap, len * 2 + 1);
    if (rc)
        return rc;
    int32_t l = 0;
    for (size_t i = 0; i < len; i++)
        U16_APPEND_UNSAFE(n->u16a, l, (UChar32)seg[i]);
    UChar *cur = n->u16a, *other = n->u16b;
    int32_t *ocap = &n->u16b_cap;
    uint16_t **obuf = &n->u16b;
    for (int step = 0; step < 2; step++) {
        unsigned int bit = step == 0 ? CLF_NORM_NFKC : CLF_NORM_CASEFOLD;
        if (!(n->flags & bit) || l == 0)
            continue;
        for (;;) {
            UErrorCode ec = U_ZERO_ERROR;
            int32_t got = step == 0
                ? unorm2_normalize(n->nfkc, cur, l, other, *ocap, &ec)
                : u_strFoldCase(other, *ocap, cur, l, U_FOLD_CASE_DEFAULT, &ec);
            if (ec == U_BUFFER_OVERFLOW_ERROR ||
                (U_SUCCESS(ec) && got >= *ocap)) {
                rc = u16_reserve(obuf, ocap, (size_t)got + 1);
                if (rc)
                    return rc;
                other = *obuf;
                continue;
            }
            if (U_FAILURE(ec))
                return clf__error(CLF_E_ICU, "%s: %s",
                                  step == 0 ? "unorm2_normalize" : "u_strFoldCase",
                                  u_errorName(ec));
            l = got;
            break;
        }
        /* swap roles: the result becomes the input of the next step */
        if (obuf == &n->u16b) {
            cur = n->u16b;
            other = n->u16a;
            obuf = &n->u16a;
            ocap = &n->u16a_cap;
        } else {
            cur = n->u16a;
            other = n->u16b;
            obuf = &n->u16b;
            ocap = &n->u16b_cap;
        }
    }
    *res = cur;
    *rlen = l;
    return CLF_OK;
}

/* Append M of each code point of s[0..l) to ob (from ob->len on). */
static int map_append(clf_normalizer *n, const UChar *s, int32_t l, clf__u32buf *ob)
{
    int rc = clf__u32_reserve(ob, ob->len + (size_t)l + 1);
    if (rc)
        return rc;
    for (int32_t i = 0; i < l;) {
        UChar32 c;
        U16_NEXT(s, i, l, c);
        if ((rc = norm_need(n, (uint32_t)c)))
            return rc;
        uint32_t r = map_m(n->flags, (uint32_t)c);
        if (r == MAP_DEL)
            continue;
        if ((rc = norm_need(n, r)))
            return rc;
        ob->p[ob->len++] = r;
    }
    return CLF_OK;
}

/* The plain path: the whole text through ICU, then M. (For tests: with
 * offsets on, every output character covers the whole block.) */
static int reference_pass(clf_normalizer *n, const uint32_t *in, size_t m, clf__u32buf *ob,
                          const clf__omap *im, clf__omap *om)
{
    const UChar *s;
    int32_t l;
    ob->len = 0;
    int rc = icu_chain(n, in, m, &s, &l);
    if (rc)
        return rc;
    n->slow_hit = 1;
    rc = map_append(n, s, l, ob);
    if (rc == CLF_OK && om && m)
        rc = omap_seg(om, 0, ob->len, im, 0, m);
    return rc;
}

/* ---- the fast path ----------------------------------------------------------- */

static inline uint32_t ent_of(const uint32_t *ent, uint32_t c)
{
    if (CLF_LIKELY(c < 0x10000))
        return ent[c];
    int32_t i = clf__ntab_index(c);
    return i >= 0 ? ent[i] : 0; /* unknown: no boundary, not fast */
}

/* Can an NFKC segment start at c? Out-of-table code points ask ICU. */
static int has_bb(const clf_normalizer *n, uint32_t c)
{
    int32_t i = clf__ntab_index(c);
    if (i >= 0)
        return (n->ent[i] & E_BB) != 0;
    return !n->nfkc || unorm2_hasBoundaryBefore(n->nfkc, (UChar32)c);
}

/* Drop the non-starters past CLF__NORM_MAX_NONSTARTERS in a row, in place
 * (and in the offset map, if any). */
static size_t stream_safe(const clf_normalizer *n, uint32_t *y, size_t m, clf__omap *map)
{
    size_t w = 0, run = 0;
    for (size_t i = 0; i < m; i++) {
        if (has_bb(n, y[i]))
            run = 0;
        else if (++run > CLF__NORM_MAX_NONSTARTERS)
            continue;
        if (map) {
            map->s.p[w] = map->s.p[i];
            map->e.p[w] = map->e.p[i];
        }
        y[w++] = y[i];
    }
    return w;
}

/* One pass of the character stage over in[0..m). im/om: the offset maps of
 * the input and the output, both NULL unless offsets are kept. */
static int fast_pass(clf_normalizer *n, const uint32_t *in, size_t m, clf__u32buf *ob,
                     const clf__omap *im, clf__omap *om)
{
    const uint32_t *ent = n->ent;
    int rc = clf__u32_reserve(ob, m + 1);
    if (rc)
        return rc;
    uint32_t *o = ob->p;
    size_t k = 0, i = 0;
    uint32_t e = m ? ent_of(ent, in[0]) : 0;
    while (i < m) {
        if (e & E_FAST) {
            size_t j = i + 1;
            uint32_t ne = 0;
            while (j < m && ((ne = ent_of(ent, in[j])) & E_FDROP))
                j++;
            if (j == m || (ne & E_BB)) {
                size_t k0 = k;
                if (!(e & (E_DEL | E_MULTI))) {
                    o[k++] = e & E_VAL; /* k <= i: never past the reserve */
                } else if (e & E_MULTI) {
                    const uint32_t *mp = n->mpool + (e & E_VAL);
                    ob->len = k;
                    if ((rc = clf__u32_reserve(ob, k + mp[0] + (m - j) + 1)))
                        return rc;
                    o = ob->p;
                    memcpy(o + k, mp + 1, mp[0] * sizeof *o);
                    k += mp[0];
                }
                if (CLF_UNLIKELY(om != NULL) && k > k0 && (rc = omap_seg(om, k0, k, im, i, j)))
                    return rc;
                i = j;
                e = ne; /* the entry of in[j], already looked up */
                continue;
            }
        }
        /* An NFKC segment that needs ICU: up to the next boundary. */
        size_t j = i + 1;
        while (j < m && !(ent_of(ent, in[j]) & E_BB))
            j++;
        const UChar *s;
        int32_t l;
        if ((rc = icu_chain(n, in + i, j - i, &s, &l)))
            return rc;
        n->slow_hit = 1;
        ob->len = k;
        if ((rc = map_append(n, s, l, ob)))
            return rc;
        if (om && (rc = omap_seg(om, k, ob->len, im, i, j)))
            return rc;
        k = ob->len;
        if ((rc = clf__u32_reserve(ob, k + (m - j) + 1)))
            return rc;
        o = ob->p;
        i = j;
        e = i < m ? ent_of(ent, in[i]) : 0;
    }
    ob->len = k;
    return CLF_OK;
}

/* ---- decoding --------------------------------------------------------------- */

/*
 * decode - validate s[0..len) and decode it into n->dec, dropping what is
 * deleted before NFKC. off is the block's offset in the caller's text, for
 * the error message. U+FEFF is dropped wherever it is, whatever the flags:
 * a leading BOM must go, and one that text concatenation left in the middle
 * could otherwise become the first character of the output and be dropped
 * only when the output is normalized again.
 */
static int decode(clf_normalizer *n, const unsigned char *s, size_t len, size_t off)
{
    int rc = clf__u32_reserve(&n->dec, len + 1);
    if (rc)
        return rc;
    uint32_t *ms = NULL, *me = NULL; /* the offset map, when kept */
    uint32_t pend = UINT32_MAX;      /* start of dropped characters not yet given to a neighbour */
    if (n->offsets) {
        if ((rc = clf__omap_reserve(&n->dmap, len + 1)))
            return rc;
        ms = n->dmap.s.p;
        me = n->dmap.e.p;
    }
    uint32_t *o = n->dec.p;
    const uint32_t *ent = n->ent;
    int invisible = (n->flags & CLF_NORM_INVISIBLE) != 0;
    size_t m = 0, i = 0, run = 0;
    while (i < len) {
        unsigned char b = s[i];
        if (b < 0x80) {
            if (CLF_UNLIKELY(ms != NULL)) {
                ms[m] = pend != UINT32_MAX ? pend : (uint32_t)i;
                me[m] = (uint32_t)i + 1;
                pend = UINT32_MAX;
            }
            o[m++] = b;
            run = 0;
            i++;
            continue;
        }
        uint32_t c;
        size_t at = i;
        if (b >= 0xC2 && b < 0xE0 && i + 1 < len && (s[i + 1] & 0xC0) == 0x80) {
            /* two bytes (Arabic): the common case, inline */
            c = ((uint32_t)(b & 0x1F) << 6) | (s[i + 1] & 0x3Fu);
            i += 2;
        } else {
            int k = clf__utf8_decode(s + i, len - i, &c);
            if (!k)
                return clf__error(CLF_E_UTF8, "invalid UTF-8 at byte offset %zu", off + i);
            i += (size_t)k;
        }
        int32_t t = clf__ntab_index(c);
        if (t >= 0) {
            if (CLF_UNLIKELY(!n->page_built[t / CLF__NTAB_PAGE]) &&
                (rc = norm_page(n, t / CLF__NTAB_PAGE)))
                return rc;
            if (ent[t] & E_PRE)
                goto drop;
            if (ent[t] & E_BB)
                run = 0;
            else if (++run > CLF__NORM_MAX_NONSTARTERS)
                goto drop;
        } else {
            if (invisible && (props_of(c) & BP_DI))
                goto drop;
            if (has_bb(n, c))
                run = 0;
            else if (++run > CLF__NORM_MAX_NONSTARTERS)
                goto drop;
        }
        if (CLF_UNLIKELY(ms != NULL)) {
            ms[m] = pend != UINT32_MAX ? pend : (uint32_t)at;
            me[m] = (uint32_t)i;
            pend = UINT32_MAX;
        }
        o[m++] = c;
        continue;
    drop:
        /* A dropped character (tatweel, an invisible) belongs to the word it
         * touches: the character before it unless that is a separator, else
         * the one after it. */
        if (CLF_UNLIKELY(ms != NULL)) {
            if (m > 0 && me[m - 1] == (uint32_t)at && o[m - 1] > 0x20 &&
                !(props_of(o[m - 1]) & BP_SEP))
                me[m - 1] = (uint32_t)i;
            else if (pend == UINT32_MAX)
                pend = (uint32_t)at;
        }
    }
    n->dec.len = m;
    return CLF_OK;
}

/*
 * decode_map - decoding and one pass of the character stage in one loop,
 * for a block whose every character stays on the table path: each
 * character is mapped through its entry as soon as it is decoded, with no
 * decoded copy in between. It gives what decode() then fast_pass() give,
 * and stops (*done = 0, nothing else changed) at the first thing it does
 * not handle, for the caller to run those two from the start: invalid
 * UTF-8 (decode() reports it), a character outside the tables or whose
 * segment needs ICU, a mark that does not follow a table character.
 *
 * Why it is the same: decode() drops E_PRE characters first, so they are
 * skipped here without changing the state. Outside an ICU segment,
 * fast_pass() maps a fast character (E_FAST, a boundary E_BB before it)
 * through its entry once the E_FDROP marks after it end at a boundary or
 * at the end of the block, and drops those marks; any other character
 * after it (no boundary, not E_FDROP) makes the whole segment an ICU one,
 * which is where this loop stops. Marks past decode()'s limit of
 * CLF__NORM_MAX_NONSTARTERS are E_FDROP marks here (anything else stops
 * the loop), dropped either way. Table outputs are fixed points of the
 * stage, so the result needs no second pass.
 */
static int decode_map(clf_normalizer *n, const unsigned char *s, size_t len, clf__u32buf *ob,
                      int *done)
{
    *done = 0;
    int rc = clf__u32_reserve(ob, len + 1);
    if (rc)
        return rc;
    const uint32_t *ent = n->ent;
    uint32_t *o = ob->p;
    size_t k = 0, i = 0;
    int after_fast = 0; /* the last character kept was a fast one: an E_FDROP mark vanishes */
    while (i < len) {
        unsigned char b = s[i];
        uint32_t t;
        if (b < 0x80) {
            t = b; /* page 0 is built with the tables */
            i++;
        } else if (b >= 0xC2 && b < 0xE0 && i + 1 < len && (s[i + 1] & 0xC0) == 0x80) {
            t = ((uint32_t)(b & 0x1F) << 6) | (s[i + 1] & 0x3Fu);
            i += 2;
        } else {
            uint32_t c;
            int l = clf__utf8_decode(s + i, len - i, &c);
            int32_t ti = l ? clf__ntab_index(c) : -1;
            if (ti < 0)
                return CLF_OK; /* invalid, or outside the tables */
            t = (uint32_t)ti;
            i += (size_t)l;
        }
        if (CLF_UNLIKELY(!n->page_built[t / CLF__NTAB_PAGE]) &&
            (rc = norm_page(n, (int32_t)(t / CLF__NTAB_PAGE))))
            return rc;
        const uint32_t e = ent[t];
        if (CLF_LIKELY((e & (E_BB | E_FAST | E_DEL | E_MULTI | E_PRE)) == (E_BB | E_FAST))) {
            o[k++] = e & E_VAL;
            after_fast = 1;
        } else if (e & E_PRE) {
            /* deleted while decoding: as if it were not there */
        } else if ((e & (E_BB | E_FAST)) == (E_BB | E_FAST)) {
            if (e & E_MULTI) {
                const uint32_t *mp = n->mpool + (e & E_VAL);
                ob->len = k;
                if ((rc = clf__u32_reserve(ob, k + mp[0] + (len - i) + 1)))
                    return rc;
                o = ob->p;
                memcpy(o + k, mp + 1, mp[0] * sizeof *o);
                k += mp[0];
            }
            after_fast = 1; /* E_DEL: nothing to write */
        } else if (!(e & E_BB) && (e & E_FDROP) && after_fast) {
            /* a mark after a fast character: fast_pass drops it */
        } else {
            return CLF_OK; /* an ICU segment */
        }
    }
    ob->len = k;
    *done = 1;
    return CLF_OK;
}

/*
 * char_stage - apply the character stage to the decoded block until it is
 * stable: deleting an invisible or a mark can put two characters side by
 * side that NFKC composes, so one pass is not always a fixed point. A pass
 * that stayed on the table path is one by construction (every table output
 * is a character the stage leaves alone).
 */
static int char_stage(clf_normalizer *n, const unsigned char *s, size_t len, size_t off,
                      uint32_t **y, size_t *ylen, clf__omap **ymap)
{
    clf__u32buf *cur = &n->pass_a, *nxt = &n->pass_b;
    /* offset maps travel with the buffers they describe (NULL when off) */
    clf__omap *dm = NULL, *cm = NULL, *nm = NULL;
    if (n->offsets) {
        dm = &n->dmap;
        cm = &n->amap;
        nm = &n->bmap;
    }
    n->slow_hit = 0;
    if (!n->offsets && !n->reference) {
        int done, rc = decode_map(n, s, len, cur, &done);
        if (rc)
            return rc;
        if (done) {
            *y = cur->p;
            *ylen = cur->len;
            *ymap = NULL;
            return CLF_OK;
        }
    }
    int rc = decode(n, s, len, off);
    if (rc == CLF_OK)
        rc = n->reference ? reference_pass(n, n->dec.p, n->dec.len, cur, dm, cm)
                          : fast_pass(n, n->dec.p, n->dec.len, cur, dm, cm);
    if (rc)
        return rc;
    if (n->slow_hit) {
        for (int pass = 1; pass < CLF__NORM_MAX_PASSES; pass++) {
            rc = n->reference ? reference_pass(n, cur->p, cur->len, nxt, cm, nm)
                              : fast_pass(n, cur->p, cur->len, nxt, cm, nm);
            if (rc)
                return rc;
            clf__u32buf *t = cur;
            cur = nxt;
            nxt = t;
            clf__omap *tm = cm;
            cm = nm;
            nm = tm;
            if (cur->len == nxt->len && !memcmp(cur->p, nxt->p, cur->len * sizeof *cur->p))
                break;
        }
    }
    /* NFKC can add marks (a decomposition): keep the output stream-safe
     * too, so that normalizing it again drops nothing. Table outputs are
     * all starters, so only a pass that used ICU needs the check. */
    if (n->slow_hit && n->nfkc)
        cur->len = stream_safe(n, cur->p, cur->len, cm);
    *y = cur->p;
    *ylen = cur->len;
    *ymap = cm;
    return CLF_OK;
}

/* ---- public API ----------------------------------------------------------------- */

CLF_API void clf_norm_options_init(clf_norm_options *opts)
{
    if (!opts)
        return;
    opts->version = CLF_NORM_OPTIONS_VERSION;
    opts->flags = CLF_NORM_DEFAULT;
    opts->max_bytes = CLF_NORM_DEFAULT_MAX_BYTES;
}

CLF_API int clf_normalizer_new(clf_normalizer **out, const clf_norm_options *opts)
{
    if (!out)
        return clf__error(CLF_E_INVALID_ARG, "clf_normalizer_new: out is NULL");
    *out = NULL;
    /* the size of clf_norm_options in each version (libgit2's rule) */
    static const size_t sizes[CLF_NORM_OPTIONS_VERSION + 1] = { 0, sizeof(clf_norm_options) };
    clf_norm_options o;
    clf_norm_options_init(&o);
    if (opts && clf__opts_copy(&o, opts, opts->version, sizes, CLF_NORM_OPTIONS_VERSION) != 0)
        return clf__error(CLF_E_INVALID_ARG, "normalizer options: unknown version %u (1..%u)",
                          opts->version, (unsigned)CLF_NORM_OPTIONS_VERSION);
    o.version = CLF_NORM_OPTIONS_VERSION;
    if (o.flags & ~CLF_NORM_ALL)
        return clf__error(CLF_E_INVALID_ARG, "normalizer options: unknown flag bits 0x%x",
                          o.flags & ~CLF_NORM_ALL);
    pthread_once(&base_once, base_init);
    if (!base.ok)
        return clf__error(CLF_E_ICU, "normalizer: %s", base.err[0] ? base.err : "ICU failed");
    clf_normalizer *n = calloc(1, sizeof *n);
    if (!n)
        return clf__error(CLF_E_NOMEM, "out of memory (normalizer)");
    n->flags = o.flags;
    n->max_bytes = o.max_bytes;
    n->nfkc = (o.flags & CLF_NORM_NFKC) ? base.nfkc : NULL;
    int rc = build_tables(n);
    if (rc == CLF_OK)
        rc = clf__buf_reserve(&n->out, 1);
    if (rc) {
        clf_normalizer_free(n);
        return rc;
    }
    n->out.data[0] = '\0';
    *out = n;
    return CLF_OK;
}

CLF_API void clf_normalizer_free(clf_normalizer *n)
{
    if (!n)
        return;
    free(n->ent_w);
    free(n->cls_w);
    free(n->mpool_w);
    free(n->dec.p);
    free(n->pass_a.p);
    free(n->pass_b.p);
    free(n->u16a);
    free(n->u16b);
    free(n->toks);
    free(n->join.p);
    clf__buf_free(&n->out);
    omap_free(&n->dmap);
    omap_free(&n->amap);
    omap_free(&n->bmap);
    free(n->tmap);
    free(n);
}

CLF_API int clf_normalizer_set_offsets(clf_normalizer *n, int on)
{
    if (!n)
        return clf__error(CLF_E_INVALID_ARG, "clf_normalizer_set_offsets: normalizer is NULL");
    n->offsets = on != 0;
    n->ntmap = 0;
    return CLF_OK;
}

CLF_API const clf_norm_token *clf_normalizer_tokens(const clf_normalizer *n, size_t *count)
{
    if (count)
        *count = 0;
    if (!n || !n->offsets || !count)
        return NULL;
    *count = n->ntmap;
    return n->tmap ? n->tmap : (const clf_norm_token *)"";
}

CLF_API const char *clf_token_kind_name(unsigned int kind)
{
    static const char *const names[] = {"word", "punctuation", "emoji", "placeholder",
                                        "hashtag"};
    return kind < sizeof names / sizeof names[0] ? names[kind] : "unknown";
}

void clf__normalizer_set_reference(clf_normalizer *n, int on)
{
    if (n)
        n->reference = on != 0;
}

void clf__normalizer_set_max_bytes(clf_normalizer *n, size_t max_bytes)
{
    n->max_bytes = max_bytes;
}

size_t clf__normalizer_max_bytes(const clf_normalizer *n)
{
    return n->max_bytes;
}

unsigned int clf__normalizer_flags(const clf_normalizer *n)
{
    return n->flags;
}

void clf__icu_versions(char *unicode, char *icu, size_t size)
{
    UVersionInfo v;
    char buf[U_MAX_VERSION_STRING_LENGTH];
    u_getUnicodeVersion(v);
    u_versionToString(v, buf);
    snprintf(unicode, size, "%s", buf);
    u_getVersion(v);
    u_versionToString(v, buf);
    snprintf(icu, size, "%s", buf);
}

/* A letter of the Arabic script (general category L*, script Arabic):
 * harakat (Mn), tatweel (Common), Arabic digits and punctuation are not. */
/* An alphabetic character of the Arabic script (ICU): what an "Arabic
 * word" holds (the featurizer's word count, abstention). */
int clf__is_arabic_letter(uint32_t c)
{
    UErrorCode err = U_ZERO_ERROR;
    return u_isalpha((UChar32)c) && uscript_getScript((UChar32)c, &err) == USCRIPT_ARABIC &&
           U_SUCCESS(err);
}

/* Where to end a block of a long text: after the last ASCII whitespace in
 * its last quarter, else at a character boundary. */
static size_t block_cut(const unsigned char *s, size_t limit)
{
    for (size_t i = limit; i > limit - limit / 4; i--) {
        unsigned char b = s[i - 1];
        if (b == ' ' || b == '\n' || b == '\r' || b == '\t' || b == '\0')
            return i;
    }
    size_t i = limit;
    while (i > limit - 4 && (s[i] & 0xC0) == 0x80)
        i--;
    return i;
}

/* cut_output - keep the normalized text's tokens that end within cap bytes. */
static void cut_output(clf_normalizer *n, size_t cap)
{
    size_t end = cap;
    while (end > 0 && n->out.data[end] != ' ')
        end--;
    n->out.len = end;
    while (n->ntmap > 0 && n->tmap[n->ntmap - 1].norm_offset + n->tmap[n->ntmap - 1].norm_len > end)
        n->ntmap--;
}

CLF_API int clf_normalize(clf_normalizer *n, const char *text, size_t len, const char **out,
                          size_t *out_len, int *truncated)
{
    if (truncated)
        *truncated = 0;
    if (!n || !out || (!text && len))
        return clf__error(CLF_E_INVALID_ARG, "clf_normalize: NULL argument");
    *out = NULL;
    if (out_len)
        *out_len = 0;
    const unsigned char *s = (const unsigned char *)text;
    size_t use = clf__utf8_cut(text, len, n->max_bytes);
    if (truncated)
        *truncated = use < len;
    n->out.len = 0;
    n->ntmap = 0;
    int rc = CLF_OK;
    for (size_t pos = 0; pos < use;) {
        size_t blen = use - pos;
        if (blen > CLF__NORM_BLOCK)
            blen = block_cut(s + pos, CLF__NORM_BLOCK);
        uint32_t *y;
        size_t ylen;
        clf__omap *ymap;
        n->blk_off = pos;
        if ((rc = char_stage(n, s + pos, blen, pos, &y, &ylen, &ymap)) ||
            (rc = clf__norm_lex(n, y, ylen, ymap)))
            break;
        pos += blen;
        if (n->out.len > use * CLF__NORM_OUT_FACTOR + CLF__NORM_OUT_SLACK) {
            cut_output(n, use * CLF__NORM_OUT_FACTOR + CLF__NORM_OUT_SLACK);
            if (truncated)
                *truncated = 1;
            break;
        }
    }
    if (rc == CLF_OK)
        rc = clf__buf_reserve(&n->out, 1);
    if (rc) {
        n->out.len = 0;
        n->ntmap = 0;
        if (n->out.data)
            n->out.data[0] = '\0';
        return rc;
    }
    n->out.data[n->out.len] = '\0';
    *out = n->out.data;
    if (out_len)
        *out_len = n->out.len;
    return CLF_OK;
}

/* ---- flag names ------------------------------------------------------------------ */

static const struct {
    const char *name;
    unsigned int bit;
} flag_names[] = {
    {"nfkc", CLF_NORM_NFKC},
    {"casefold", CLF_NORM_CASEFOLD},
    {"diacritics", CLF_NORM_DIACRITICS},
    {"tatweel", CLF_NORM_TATWEEL},
    {"letters", CLF_NORM_LETTERS},
    {"lookalikes", CLF_NORM_LOOKALIKES},
    {"digits", CLF_NORM_DIGITS},
    {"invisible", CLF_NORM_INVISIBLE},
    {"elongation", CLF_NORM_ELONGATION},
    {"placeholders", CLF_NORM_PLACEHOLDERS},
    {"hashtags", CLF_NORM_HASHTAGS},
    {"spaced", CLF_NORM_SPACED},
    {"punct", CLF_NORM_PUNCT_SPLIT},
};
#define N_FLAG_NAMES (sizeof flag_names / sizeof flag_names[0])

CLF_API size_t clf_norm_flag_names(unsigned int flags, char *buf, size_t size)
{
    size_t need = 0;
    char tmp[256];
    tmp[0] = '\0';
    for (size_t i = 0; i < N_FLAG_NAMES; i++) {
        if (!(flags & flag_names[i].bit))
            continue;
        size_t l = strlen(flag_names[i].name);
        if (need)
            tmp[need++] = ',';
        memcpy(tmp + need, flag_names[i].name, l);
        need += l;
    }
    if (need == 0) {
        memcpy(tmp, "none", 4);
        need = 4;
    }
    tmp[need] = '\0';
    if (buf && size) {
        size_t c = need < size ? need : size - 1;
        memcpy(buf, tmp, c);
        buf[c] = '\0';
    }
    return need;
}

CLF_API int clf_norm_parse_flags(const char *spec, unsigned int *flags)
{
    if (!spec || !flags)
        return clf__error(CLF_E_INVALID_ARG, "clf_norm_parse_flags: NULL argument");
    unsigned int f = 0;
    const char *p = spec;
    int items = 0;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        const char *q = p;
        while (*q && *q != ',')
            q++;
        const char *e = q;
        while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        int remove = 0;
        if (p < e && (*p == '-' || *p == '+')) {
            remove = *p == '-';
            p++;
        }
        size_t l = (size_t)(e - p);
        unsigned int bits = 0;
        int found = 0;
        if (l == 7 && !memcmp(p, "default", 7)) {
            bits = CLF_NORM_DEFAULT;
            found = 1;
        } else if (l == 3 && !memcmp(p, "all", 3)) {
            bits = CLF_NORM_ALL;
            found = 1;
        } else if (l == 4 && !memcmp(p, "none", 4)) {
            found = 1;
        } else if (l == 11 && !memcmp(p, "punct_split", 11)) {
            bits = CLF_NORM_PUNCT_SPLIT;
            found = 1;
        } else {
            for (size_t i = 0; i < N_FLAG_NAMES; i++) {
                if (strlen(flag_names[i].name) == l && !memcmp(p, flag_names[i].name, l)) {
                    bits = flag_names[i].bit;
                    found = 1;
                    break;
                }
            }
        }
        if (!found || l == 0)
            return clf__error(CLF_E_INVALID_ARG, "unknown normalization step '%.*s' in \"%s\"",
                              (int)l, p, spec);
        if (l == 4 && !memcmp(p, "none", 4))
            f = remove ? f : 0;
        else if (remove)
            f &= ~bits;
        else
            f |= bits;
        items++;
        if (!*q)
            break;
        p = q + 1;
    }
    *flags = f;
    return CLF_OK;
}
