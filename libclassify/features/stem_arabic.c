/*
 * stem_arabic.c - the Snowball Arabic stemmer (libstemmer's "arabic",
 * Snowball 2.2), written out over code points instead of interpreted from
 * its generated UTF-8 string tables: about 10x fewer instructions per word,
 * and the stem cache misses on a fifth of a stream's tokens.
 *
 * It must give libstemmer's stem for every token: the stem family's buckets
 * are part of the model format. tests/test_corpus_stem.c compares the two on
 * every token of the shared corpora (raw and normalized) and on generated
 * words that reach every rule; what it cannot handle (invalid UTF-8, code
 * points above U+FFFF, very long tokens) it hands back to libstemmer.
 *
 * The algorithm's own names are kept (Checks1, Prefix_Step1, ...), and so
 * are Snowball's rules that matter for exactness: an `among` takes the
 * longest matching string, and a failed condition on it fails the routine
 * (no shorter string is tried); the cursor stays where a successful
 * routine left it (the prefix steps run one after the other from there);
 * a failed alternative's deletions stay.
 */
#include <string.h>

#include "features/stem_internal.h"

#define MAXW 128 /* code points; longer tokens go to libstemmer */

enum {
    HAMZA = 0x0621, A_MADDA = 0x0622, A_HAMZA = 0x0623, W_HAMZA = 0x0624,
    A_HAMZA_B = 0x0625, Y_HAMZA = 0x0626, ALEF = 0x0627, BEH = 0x0628,
    TEH_M = 0x0629, TEH = 0x062A, SEEN = 0x0633, FEH = 0x0641, KAF = 0x0643,
    LAM = 0x0644, MEEM = 0x0645, NOON = 0x0646, HEH = 0x0647, WAW = 0x0648,
    A_MAKSURA = 0x0649, YEH = 0x064A
};

typedef struct sb {
    uint32_t w[2 * MAXW + 2]; /* ligatures can double the length */
    int l, c;
    int is_noun, is_verb, is_defined;
} sb;

/* ---- primitives ---------------------------------------------------------- */

/* Forward: does w[c..) start with s[0..n)? */
static int at(const sb *z, int c, const uint32_t *s, int n)
{
    if (c + n > z->l)
        return 0;
    for (int i = 0; i < n; i++)
        if (z->w[c + i] != s[i])
            return 0;
    return 1;
}

/* Backward: does w[..c) end with s[0..n)? */
static int ends(const sb *z, const uint32_t *s, int n)
{
    if (z->c - n < 0)
        return 0;
    for (int i = 0; i < n; i++)
        if (z->w[z->c - n + i] != s[i])
            return 0;
    return 1;
}

/* Replace w[bra..ket) with s[0..n); the cursor moves as Snowball moves it. */
static void replace(sb *z, int bra, int ket, const uint32_t *s, int n)
{
    int d = n - (ket - bra);
    memmove(z->w + bra + n, z->w + ket, (size_t)(z->l - ket) * sizeof *z->w);
    if (n)
        memcpy(z->w + bra, s, (size_t)n * sizeof *z->w);
    z->l += d;
    if (z->c >= ket)
        z->c += d;
    else if (z->c > bra)
        z->c = bra;
}

#define S(...) ((const uint32_t[]){__VA_ARGS__})
#define N(...) ((int)(sizeof((const uint32_t[]){__VA_ARGS__}) / sizeof(uint32_t)))
/* the suffix/prefix literal and its length */
#define ENDS(...) ends(z, S(__VA_ARGS__), N(__VA_ARGS__))
#define AT(...) at(z, z->c, S(__VA_ARGS__), N(__VA_ARGS__))

/* Backward: delete the n code points before the cursor if cond. */
static int del_b(sb *z, int n, int cond)
{
    if (!cond)
        return 0;
    z->c -= n; /* [substring] leaves the cursor at the slice's start */
    replace(z, z->c, z->c + n, NULL, 0);
    return 1;
}

/* Forward: replace the n code points after the cursor with s[0..m) if cond. */
static int rep_f(sb *z, int n, const uint32_t *s, int m, int cond)
{
    if (!cond)
        return 0;
    int bra = z->c;
    z->c += n; /* [substring] leaves the cursor at the slice's end */
    replace(z, bra, bra + n, s, m);
    return 1;
}

/* ---- normalization ------------------------------------------------------- */

/* Presentation forms B that Normalize_pre maps, by range. */
static const struct { uint16_t lo, hi, to; } shaped[] = {
    {0xFE80, 0xFE80, HAMZA}, {0xFE81, 0xFE82, A_MADDA}, {0xFE83, 0xFE84, A_HAMZA},
    {0xFE85, 0xFE86, W_HAMZA}, {0xFE87, 0xFE88, A_HAMZA_B}, {0xFE89, 0xFE8C, Y_HAMZA},
    {0xFE8D, 0xFE8E, ALEF}, {0xFE8F, 0xFE92, BEH}, {0xFE93, 0xFE94, TEH_M},
    {0xFE95, 0xFE98, TEH}, {0xFE99, 0xFE9C, 0x062B}, {0xFE9D, 0xFEA0, 0x062C},
    {0xFEA1, 0xFEA4, 0x062D}, {0xFEA5, 0xFEA8, 0x062E}, {0xFEA9, 0xFEAA, 0x062F},
    {0xFEAB, 0xFEAC, 0x0630}, {0xFEAD, 0xFEAE, 0x0631}, {0xFEAF, 0xFEB0, 0x0632},
    {0xFEB1, 0xFEB4, SEEN}, {0xFEB5, 0xFEB8, 0x0634}, {0xFEB9, 0xFEBC, 0x0635},
    {0xFEBD, 0xFEC0, 0x0636}, {0xFEC1, 0xFEC4, 0x0637}, {0xFEC5, 0xFEC8, 0x0638},
    {0xFEC9, 0xFECC, 0x0639}, {0xFECD, 0xFED0, 0x063A}, {0xFED1, 0xFED4, FEH},
    {0xFED5, 0xFED8, 0x0642}, {0xFED9, 0xFEDC, KAF}, {0xFEDD, 0xFEE0, LAM},
    {0xFEE1, 0xFEE4, MEEM}, {0xFEE5, 0xFEE8, NOON}, {0xFEE9, 0xFEEC, HEH},
    {0xFEED, 0xFEEE, WAW}, {0xFEEF, 0xFEF0, A_MAKSURA}, {0xFEF1, 0xFEF4, YEH},
};

/* Normalize_pre: every code point once, left to right (a deletion does not
 * move the cursor but uses up one of the loop's `len` turns, so each
 * original code point gets exactly one turn). */
static void normalize_pre(sb *z)
{
    uint32_t out[2 * MAXW + 2];
    int k = 0;
    for (int i = 0; i < z->l; i++) {
        uint32_t c = z->w[i];
        if (c < 0x0640) {
            out[k++] = c;
        } else if (c == 0x0640 || (c >= 0x064B && c <= 0x0652)) {
            /* tatweel, vocalization: deleted */
        } else if (c >= 0x0660 && c <= 0x0669) {
            out[k++] = '0' + (c - 0x0660);
        } else if (c >= 0xFEF5 && c <= 0xFEFC) {
            static const uint32_t second[4] = {A_MADDA, A_HAMZA, A_HAMZA_B, ALEF};
            out[k++] = LAM;
            out[k++] = second[(c - 0xFEF5) / 2];
        } else if (c >= 0xFE80 && c <= 0xFEF4) {
            uint32_t to = c;
            for (size_t r = 0; r < sizeof shaped / sizeof shaped[0]; r++)
                if (c >= shaped[r].lo && c <= shaped[r].hi) {
                    to = shaped[r].to;
                    break;
                }
            out[k++] = to;
        } else {
            out[k++] = c;
        }
    }
    memcpy(z->w, out, (size_t)k * sizeof *out);
    z->l = k;
}

static void normalize_post(sb *z)
{
    /* the last hamza carrier becomes a hamza, then the others their letter */
    if (z->l > 0) {
        uint32_t c = z->w[z->l - 1];
        if (c == A_HAMZA || c == A_HAMZA_B || c == A_MADDA || c == W_HAMZA || c == Y_HAMZA)
            z->w[z->l - 1] = HAMZA;
    }
    for (int i = 0; i < z->l; i++) {
        uint32_t c = z->w[i];
        if (c == A_HAMZA || c == A_HAMZA_B || c == A_MADDA)
            z->w[i] = ALEF;
        else if (c == W_HAMZA)
            z->w[i] = WAW;
        else if (c == Y_HAMZA)
            z->w[i] = YEH;
    }
}

static void checks1(sb *z)
{
    int defined = 0;
    if (AT(BEH, ALEF, LAM) || AT(KAF, ALEF, LAM))
        defined = z->l > 4;
    else if (AT(LAM, LAM) || AT(ALEF, LAM))
        defined = z->l > 3;
    if (defined) {
        z->is_noun = 1;
        z->is_verb = 0;
        z->is_defined = 1;
    }
}

/* ---- prefixes (forward, from the cursor) ---------------------------------- */

static int prefix_step1(sb *z)
{
    int L = z->l;
    if (AT(A_HAMZA, A_HAMZA)) return rep_f(z, 2, S(A_HAMZA), 1, L > 3);
    if (AT(A_HAMZA, A_MADDA)) return rep_f(z, 2, S(A_MADDA), 1, L > 3);
    if (AT(A_HAMZA, W_HAMZA)) return rep_f(z, 2, S(A_HAMZA), 1, L > 3);
    if (AT(A_HAMZA, ALEF)) return rep_f(z, 2, S(ALEF), 1, L > 3);
    if (AT(A_HAMZA, A_HAMZA_B)) return rep_f(z, 2, S(A_HAMZA_B), 1, L > 3);
    return 0;
}

static int prefix_step2(sb *z)
{
    int L = z->l;
    if (AT(FEH, ALEF) || AT(WAW, ALEF))
        return 0; /* not '{f}{a}' not '{w}{a}' */
    if (AT(FEH) || AT(WAW))
        return rep_f(z, 1, NULL, 0, L > 3);
    return 0;
}

static int prefix_step3a_noun(sb *z)
{
    int L = z->l;
    if (AT(BEH, ALEF, LAM) || AT(KAF, ALEF, LAM)) return rep_f(z, 3, NULL, 0, L > 5);
    if (AT(LAM, LAM) || AT(ALEF, LAM)) return rep_f(z, 2, NULL, 0, L > 4);
    return 0;
}

static int prefix_step3b_noun(sb *z)
{
    int L = z->l;
    if (AT(BEH, ALEF))
        return 0; /* not '{b}{a}': an exception */
    if (AT(BEH, BEH)) return rep_f(z, 2, S(BEH), 1, L > 3);
    if (AT(KAF, KAF)) return rep_f(z, 2, S(KAF), 1, L > 3);
    if (AT(BEH)) return rep_f(z, 1, NULL, 0, L > 3);
    return 0;
}

static int prefix_step3_verb(sb *z)
{
    int L = z->l;
    if (AT(SEEN, YEH)) return rep_f(z, 2, S(YEH), 1, L > 4);
    if (AT(SEEN, TEH)) return rep_f(z, 2, S(TEH), 1, L > 4);
    if (AT(SEEN, NOON)) return rep_f(z, 2, S(NOON), 1, L > 4);
    if (AT(SEEN, A_HAMZA)) return rep_f(z, 2, S(A_HAMZA), 1, L > 4);
    return 0;
}

static int prefix_step4_verb(sb *z)
{
    if ((AT(YEH, SEEN, TEH) || AT(NOON, SEEN, TEH) || AT(TEH, SEEN, TEH)) && z->l > 4) {
        z->is_verb = 1;
        z->is_noun = 0;
        return rep_f(z, 3, S(ALEF, SEEN, TEH), 3, 1);
    }
    return 0;
}

/* ---- suffixes (backward, before the cursor) -------------------------------- */

static int suffix_noun_step1a(sb *z)
{
    int L = z->l;
    if (ENDS(KAF, MEEM, ALEF) || ENDS(HEH, MEEM, ALEF)) return del_b(z, 3, L >= 6);
    if (ENDS(NOON, ALEF) || ENDS(KAF, MEEM) || ENDS(HEH, ALEF) || ENDS(HEH, NOON) ||
        ENDS(HEH, MEEM))
        return del_b(z, 2, L >= 5);
    if (ENDS(YEH) || ENDS(KAF) || ENDS(HEH)) return del_b(z, 1, L >= 4);
    return 0;
}

static int suffix_noun_step1b(sb *z)
{
    return ENDS(NOON) ? del_b(z, 1, z->l > 5) : 0;
}

static int suffix_noun_step2a(sb *z)
{
    return (ENDS(ALEF) || ENDS(YEH) || ENDS(WAW)) ? del_b(z, 1, z->l > 4) : 0;
}

static int suffix_noun_step2b(sb *z)
{
    return ENDS(ALEF, TEH) ? del_b(z, 2, z->l >= 5) : 0;
}

static int suffix_noun_step2c1(sb *z)
{
    return ENDS(TEH) ? del_b(z, 1, z->l >= 4) : 0;
}

static int suffix_noun_step2c2(sb *z)
{
    return ENDS(TEH_M) ? del_b(z, 1, z->l >= 4) : 0;
}

static int suffix_noun_step3(sb *z)
{
    return ENDS(YEH) ? del_b(z, 1, z->l >= 3) : 0;
}

static int suffix_verb_step1(sb *z)
{
    int L = z->l;
    if (ENDS(HEH, MEEM, ALEF) || ENDS(KAF, MEEM, ALEF) || ENDS(KAF, MEEM, WAW))
        return del_b(z, 3, L >= 6);
    if (ENDS(NOON, YEH) || ENDS(NOON, ALEF) || ENDS(HEH, ALEF) || ENDS(HEH, MEEM) ||
        ENDS(HEH, NOON) || ENDS(KAF, MEEM) || ENDS(KAF, NOON))
        return del_b(z, 2, L >= 5);
    if (ENDS(HEH) || ENDS(KAF)) return del_b(z, 1, L >= 4);
    return 0;
}

static int suffix_verb_step2a(sb *z)
{
    int L = z->l;
    if (ENDS(TEH, MEEM, ALEF)) return del_b(z, 3, L >= 6);
    if (ENDS(NOON, ALEF) || ENDS(TEH, ALEF) || ENDS(TEH, NOON)) return del_b(z, 2, L >= 5);
    if (ENDS(ALEF, NOON) || ENDS(WAW, NOON) || ENDS(YEH, NOON)) return del_b(z, 2, L > 5);
    if (ENDS(TEH) || ENDS(ALEF) || ENDS(NOON) || ENDS(YEH)) return del_b(z, 1, L >= 4);
    return 0;
}

static int suffix_verb_step2b(sb *z)
{
    return (ENDS(WAW, ALEF) || ENDS(TEH, MEEM)) ? del_b(z, 2, z->l >= 5) : 0;
}

static int suffix_verb_step2c(sb *z)
{
    int L = z->l;
    if (ENDS(TEH, MEEM, WAW)) return del_b(z, 3, L >= 6);
    if (ENDS(WAW)) return del_b(z, 1, L >= 4);
    return 0;
}

static int suffix_all_alef_maqsura(sb *z)
{
    if (!ENDS(A_MAKSURA))
        return 0;
    z->w[z->c - 1] = YEH;
    z->c -= 1;
    return 1;
}

/* `next` going backward. */
static int prev(sb *z)
{
    if (z->c <= 0)
        return 0;
    z->c--;
    return 1;
}

/* The suffix part (`backwards ( do ( ... ) )`): the cursor starts at the end,
 * and an alternative that fails leaves it at the end again (Snowball keeps
 * it as a distance from the end). */
static void suffixes(sb *z)
{
    z->c = z->l;
    if (z->is_verb) {
        int n = 0;
        while (suffix_verb_step1(z))
            n++;
        if (n > 0) {
            if (suffix_verb_step2a(z) || (z->c = z->l, suffix_verb_step2c(z)) ||
                (z->c = z->l, prev(z)))
                return;
        }
        z->c = z->l;
        if (suffix_verb_step2b(z))
            return;
        z->c = z->l;
        if (suffix_verb_step2a(z))
            return;
    }
    if (z->is_noun) {
        z->c = z->l;
        int ok = suffix_noun_step2c2(z);
        if (!ok && !z->is_defined) {
            z->c = z->l;
            if (suffix_noun_step1a(z)) {
                ok = 1;
                if (!(suffix_noun_step2a(z) || (z->c = z->l, suffix_noun_step2b(z)) ||
                      (z->c = z->l, suffix_noun_step2c1(z)) || (z->c = z->l, prev(z))))
                    ok = 0; /* never: the word is not empty */
            }
        }
        if (!ok) {
            z->c = z->l;
            if (suffix_noun_step1b(z))
                ok = suffix_noun_step2a(z) || (z->c = z->l, suffix_noun_step2b(z)) ||
                     (z->c = z->l, suffix_noun_step2c1(z));
        }
        if (!ok && !z->is_defined) {
            z->c = z->l;
            ok = suffix_noun_step2a(z);
        }
        if (!ok) {
            z->c = z->l;
            ok = suffix_noun_step2b(z);
        }
        if (!ok)
            z->c = z->l; /* try: back to the end */
        if (suffix_noun_step3(z))
            return;
    }
    z->c = z->l;
    suffix_all_alef_maqsura(z);
}

static void prefixes(sb *z)
{
    z->c = 0;
    int save = z->c;
    if (!prefix_step1(z))
        z->c = save;
    save = z->c;
    if (!prefix_step2(z))
        z->c = save;
    save = z->c;
    if (prefix_step3a_noun(z))
        return;
    z->c = save;
    if (z->is_noun && prefix_step3b_noun(z))
        return;
    z->c = save;
    if (z->is_verb) {
        if (!prefix_step3_verb(z))
            z->c = save;
        prefix_step4_verb(z);
    }
}

/* ---- UTF-8 ------------------------------------------------------------------ */

static int decode(const unsigned char *s, size_t len, uint32_t *w)
{
    int n = 0;
    for (size_t i = 0; i < len;) {
        if (n == MAXW)
            return -1;
        unsigned char b = s[i];
        if (b < 0x80) {
            w[n++] = b;
            i++;
        } else if (b >= 0xC2 && b < 0xE0 && i + 1 < len && (s[i + 1] & 0xC0) == 0x80) {
            w[n++] = ((uint32_t)(b & 0x1F) << 6) | (s[i + 1] & 0x3Fu);
            i += 2;
        } else if (b >= 0xE0 && b < 0xF0 && i + 2 < len && (s[i + 1] & 0xC0) == 0x80 &&
                   (s[i + 2] & 0xC0) == 0x80) {
            uint32_t c = ((uint32_t)(b & 0x0F) << 12) | ((uint32_t)(s[i + 1] & 0x3F) << 6) |
                         (s[i + 2] & 0x3Fu);
            if (c < 0x800 || (c >= 0xD800 && c <= 0xDFFF))
                return -1;
            w[n++] = c;
            i += 3;
        } else {
            return -1; /* invalid, or above U+FFFF: libstemmer's business */
        }
    }
    return n;
}

int clf__stem_arabic(const char *in, size_t len, char *out, size_t cap, size_t *out_len)
{
    sb z;
    int n = decode((const unsigned char *)in, len, z.w);
    if (n < 0)
        return -1;
    z.l = n;
    z.c = 0;
    z.is_noun = 1;
    z.is_verb = 1;
    z.is_defined = 0;
    checks1(&z);
    normalize_pre(&z);
    suffixes(&z);
    prefixes(&z);
    normalize_post(&z);
    size_t k = 0;
    for (int i = 0; i < z.l; i++) {
        uint32_t c = z.w[i];
        if (k + 3 > cap)
            return -1;
        if (c < 0x80) {
            out[k++] = (char)c;
        } else if (c < 0x800) {
            out[k++] = (char)(0xC0 | (c >> 6));
            out[k++] = (char)(0x80 | (c & 0x3F));
        } else {
            out[k++] = (char)(0xE0 | (c >> 12));
            out[k++] = (char)(0x80 | ((c >> 6) & 0x3F));
            out[k++] = (char)(0x80 | (c & 0x3F));
        }
    }
    *out_len = k;
    return 0;
}
