/*
 * test_normalize.c - the normalizer (classify/normalize.h): every evasion
 * kind folds a plain sentence's variants onto byte-identical output, each
 * step really is skipped when its flag is off, the input rules (invalid
 * UTF-8, NUL, CRLF, BOM, truncation, huge inputs) hold, tokens come out as
 * documented (case, emoji, placeholders, hashtags, punctuation), and the
 * table path gives exactly what the plain ICU path gives.
 *
 * The sentences are written for these tests; nothing is copied from the
 * corpora (which are only read, when present, to check idempotence).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "normalize/norm_internal.h"
#include "normalize/norm_prebuilt.h"
#include "testutil.h"

/* ---- helpers ---------------------------------------------------------- */

static clf_normalizer *mk(unsigned int flags, size_t max_bytes)
{
    clf_norm_options o;
    clf_norm_options_init(&o);
    o.flags = flags;
    o.max_bytes = max_bytes;
    clf_normalizer *n = NULL;
    int rc = clf_normalizer_new(&n, &o);
    ck_assert_msg(rc == CLF_OK, "clf_normalizer_new: %s", clf_last_error());
    return n;
}

/* Normalize len bytes with n; returns a malloc'ed copy of the output. */
static char *norm_len(clf_normalizer *n, const char *s, size_t len)
{
    const char *out = NULL;
    size_t olen = 0;
    int rc = clf_normalize(n, s, len, &out, &olen, NULL);
    ck_assert_msg(rc == CLF_OK, "clf_normalize(\"%.*s\"): %s", (int)len, s, clf_last_error());
    ck_assert_uint_eq(strlen(out), olen);
    char *copy = malloc(olen + 1);
    ck_assert_ptr_nonnull(copy);
    memcpy(copy, out, olen + 1);
    return copy;
}

static char *norm_with(unsigned int flags, const char *s)
{
    clf_normalizer *n = mk(flags, 0);
    char *r = norm_len(n, s, strlen(s));
    clf_normalizer_free(n);
    return r;
}

#define ALL CLF_NORM_ALL

/* ck_assert the normalized form of s under flags. */
static void expect(unsigned int flags, const char *s, const char *want)
{
    char *got = norm_with(flags, s);
    ck_assert_msg(strcmp(got, want) == 0, "normalize(flags 0x%x, \"%s\")\n  got  \"%s\"\n  want \"%s\"",
                  flags, s, got, want);
    free(got);
}

/* ---- code point strings, for building evasions -------------------------- */

typedef struct cps {
    uint32_t c[1024];
    size_t n;
} cps;

static void cps_from(cps *v, const char *s)
{
    v->n = 0;
    const unsigned char *p = (const unsigned char *)s;
    size_t len = strlen(s);
    for (size_t i = 0; i < len;) {
        uint32_t c;
        int k = clf__utf8_decode(p + i, len - i, &c);
        ck_assert_int_gt(k, 0);
        ck_assert_uint_lt(v->n, 1024);
        v->c[v->n++] = c;
        i += (size_t)k;
    }
}

static void cps_push(cps *v, uint32_t c)
{
    ck_assert_uint_lt(v->n, 1024);
    v->c[v->n++] = c;
}

static char *cps_utf8(const cps *v)
{
    char *s = malloc(v->n * 4 + 1), *o = s;
    ck_assert_ptr_nonnull(s);
    for (size_t i = 0; i < v->n; i++)
        o += clf__utf8_encode(v->c[i], o);
    *o = '\0';
    return s;
}

static int ar_letter(uint32_t c)
{
    return (c >= 0x0621 && c <= 0x063A) || (c >= 0x0641 && c <= 0x064A);
}

/* Letters that join the letter after them (dual-joining). */
static int joins_next(uint32_t c)
{
    static const uint32_t right_only[] = {0x0621, 0x0622, 0x0623, 0x0624, 0x0625, 0x0627,
                                          0x0629, 0x062F, 0x0630, 0x0631, 0x0632, 0x0648,
                                          0x0649};
    if (!ar_letter(c))
        return 0;
    for (size_t i = 0; i < sizeof right_only / sizeof right_only[0]; i++)
        if (c == right_only[i])
            return 0;
    return 1;
}

/* An evasion: rewrites one word (code points w[0..n)) into out. */
typedef void (*evasion)(const uint32_t *w, size_t n, cps *out, unsigned int seed);

static void ev_tatweel(const uint32_t *w, size_t n, cps *out, unsigned int seed)
{
    for (size_t i = 0; i < n; i++) {
        cps_push(out, w[i]);
        if (i + 1 < n && joins_next(w[i]))
            for (unsigned int k = 0; k < 1 + (seed + i) % 3; k++)
                cps_push(out, 0x0640);
    }
}

static void ev_diacritics(const uint32_t *w, size_t n, cps *out, unsigned int seed)
{
    static const uint32_t harakat[] = {0x064E, 0x064F, 0x0650, 0x0652, 0x0651,
                                       0x064B, 0x064C, 0x064D, 0x0670, 0x0618};
    for (size_t i = 0; i < n; i++) {
        cps_push(out, w[i]);
        if (ar_letter(w[i])) {
            cps_push(out, harakat[(seed + i) % 10]);
            if ((seed + i) % 4 == 0)
                cps_push(out, 0x0651);
        }
    }
}

static void ev_zerowidth(const uint32_t *w, size_t n, cps *out, unsigned int seed)
{
    static const uint32_t zw[] = {0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD, 0x034F};
    for (size_t i = 0; i < n; i++) {
        cps_push(out, w[i]);
        if (i + 1 < n)
            cps_push(out, zw[(seed + i) % 7]);
    }
}

static void ev_bidi(const uint32_t *w, size_t n, cps *out, unsigned int seed)
{
    static const uint32_t marks[] = {0x200E, 0x200F, 0x061C, 0x202B, 0x202C, 0x2067, 0x2069,
                                     0x202E, 0x2066};
    cps_push(out, 0x2067); /* RLI ... PDI around the word */
    for (size_t i = 0; i < n; i++) {
        cps_push(out, w[i]);
        if (i + 1 < n && (seed + i) % 2 == 0)
            cps_push(out, marks[(seed + i) % 9]);
    }
    cps_push(out, 0x2069);
}

static void ev_persian(const uint32_t *w, size_t n, cps *out, unsigned int seed)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t c = w[i];
        switch (c) {
        case 0x0643: c = (seed + i) % 2 ? 0x06A9 : 0x06AA; break; /* ك -> ک ڪ */
        case 0x064A: c = (seed + i) % 2 ? 0x06CC : 0x06CE; break; /* ي -> ی ێ */
        case 0x0649: c = 0x06CC; break;                           /* ى -> ی */
        case 0x0647: c = (seed + i) % 3 == 0 ? 0x06C1 : (seed + i) % 3 == 1 ? 0x06D5 : 0x06BE; break;
        case 0x0629: c = 0x06C3; break;                           /* ة -> ۃ */
        default: break;
        }
        cps_push(out, c);
    }
}

/* Arabic Presentation Forms-B: the isolated form of each letter, and how
 * many forms it has (2: isolated, final; 4: + initial, medial). */
static int pres_base(uint32_t c, uint32_t *iso, int *forms)
{
    static const struct { uint32_t letter, iso; int forms; } t[] = {
        {0x0621, 0xFE80, 1}, {0x0622, 0xFE81, 2}, {0x0623, 0xFE83, 2}, {0x0624, 0xFE85, 2},
        {0x0625, 0xFE87, 2}, {0x0626, 0xFE89, 4}, {0x0627, 0xFE8D, 2}, {0x0628, 0xFE8F, 4},
        {0x0629, 0xFE93, 2}, {0x062A, 0xFE95, 4}, {0x062B, 0xFE99, 4}, {0x062C, 0xFE9D, 4},
        {0x062D, 0xFEA1, 4}, {0x062E, 0xFEA5, 4}, {0x062F, 0xFEA9, 2}, {0x0630, 0xFEAB, 2},
        {0x0631, 0xFEAD, 2}, {0x0632, 0xFEAF, 2}, {0x0633, 0xFEB1, 4}, {0x0634, 0xFEB5, 4},
        {0x0635, 0xFEB9, 4}, {0x0636, 0xFEBD, 4}, {0x0637, 0xFEC1, 4}, {0x0638, 0xFEC5, 4},
        {0x0639, 0xFEC9, 4}, {0x063A, 0xFECD, 4}, {0x0641, 0xFED1, 4}, {0x0642, 0xFED5, 4},
        {0x0643, 0xFED9, 4}, {0x0644, 0xFEDD, 4}, {0x0645, 0xFEE1, 4}, {0x0646, 0xFEE5, 4},
        {0x0647, 0xFEE9, 4}, {0x0648, 0xFEED, 2}, {0x0649, 0xFEEF, 2}, {0x064A, 0xFEF1, 4}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (t[i].letter == c) {
            *iso = t[i].iso;
            *forms = t[i].forms;
            return 1;
        }
    return 0;
}

static void ev_presentation(const uint32_t *w, size_t n, cps *out, unsigned int seed)
{
    (void)seed;
    for (size_t i = 0; i < n; i++) {
        uint32_t c = w[i], iso;
        int forms;
        /* previous and next letters, skipping marks */
        size_t j = i;
        while (j > 0 && !ar_letter(w[j - 1]) && w[j - 1] != 0x0640)
            j--;
        int joined_prev = j > 0 && (joins_next(w[j - 1]) || w[j - 1] == 0x0640);
        size_t k = i + 1;
        while (k < n && !ar_letter(w[k]) && w[k] != 0x0640)
            k++;
        int joins = joins_next(c) && k < n;
        if (c == 0x0644 && i + 1 < n && (w[i + 1] == 0x0627 || w[i + 1] == 0x0623 ||
                                         w[i + 1] == 0x0625 || w[i + 1] == 0x0622)) {
            /* lam-alef ligatures: FEF5 (آ) FEF7 (أ) FEF9 (إ) FEFB (ا), +1 final */
            uint32_t lig = w[i + 1] == 0x0622 ? 0xFEF5 : w[i + 1] == 0x0623 ? 0xFEF7
                         : w[i + 1] == 0x0625 ? 0xFEF9 : 0xFEFB;
            cps_push(out, lig + (joined_prev ? 1 : 0));
            i++;
            continue;
        }
        if (!pres_base(c, &iso, &forms)) {
            cps_push(out, c);
            continue;
        }
        uint32_t f = iso; /* isolated */
        if (forms >= 2 && joined_prev && !(joins && forms == 4))
            f = iso + 1; /* final */
        else if (forms == 4 && joins && !joined_prev)
            f = iso + 2; /* initial */
        else if (forms == 4 && joins && joined_prev)
            f = iso + 3; /* medial */
        cps_push(out, f);
    }
}

/* Repeat a letter that has no identical neighbour (else the word changes:
 * "الله" stretched on its lam is ambiguous). */
static void ev_elongate(const uint32_t *w, size_t n, cps *out, unsigned int seed)
{
    size_t pick = n;
    for (size_t i = 0; i < n; i++) {
        int alone = (i == 0 || w[i - 1] != w[i]) && (i + 1 == n || w[i + 1] != w[i]);
        if (ar_letter(w[i]) && alone) {
            pick = i;
            if (w[i] == 0x0627 || w[i] == 0x0648 || w[i] == 0x064A)
                break; /* long vowels, as people write them */
        }
    }
    for (size_t i = 0; i < n; i++) {
        cps_push(out, w[i]);
        if (i == pick)
            for (unsigned int k = 0; k < 2 + seed % 5; k++)
                cps_push(out, w[i]);
    }
}

static void ev_alef(const uint32_t *w, size_t n, cps *out, unsigned int seed)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t c = w[i];
        if (c == 0x0627 && i == 0)
            c = (seed % 3 == 0) ? 0x0623 : (seed % 3 == 1) ? 0x0625 : 0x0622;
        else if (c == 0x0627 && (seed + i) % 3 == 0)
            c = 0x0671;
        else if (c == 0x0623 || c == 0x0625)
            c = 0x0627;
        else if (c == 0x064A && i + 1 == n)
            c = 0x0649;
        else if (c == 0x0647 && i + 1 == n)
            c = 0x0629;
        cps_push(out, c);
    }
}

static void ev_digits(const uint32_t *w, size_t n, cps *out, unsigned int seed)
{
    uint32_t base = seed % 2 ? 0x0660 : 0x06F0; /* Arabic-Indic, Eastern Arabic-Indic */
    for (size_t i = 0; i < n; i++)
        cps_push(out, w[i] >= '0' && w[i] <= '9' ? base + (w[i] - '0') : w[i]);
}

/* Letters separated by spaces or by a punctuation mark. */
static void ev_spaced(const uint32_t *w, size_t n, cps *out, unsigned int seed)
{
    static const uint32_t sep[] = {' ', '.', '-', '_', '*', '|'};
    uint32_t s = sep[seed % 6];
    for (size_t i = 0; i < n; i++) {
        if (i) {
            cps_push(out, s);
            if (s != ' ' && seed % 4 == 0)
                cps_push(out, ' ');
        }
        cps_push(out, w[i]);
    }
}

/* Apply evasions (in order) to every word of s, or only to word `only`
 * (-1: all), never to word `skip` (-1: none). */
static char *evade(const char *s, const evasion *evs, size_t nev, int only, int skip,
                   unsigned int seed)
{
    cps in, cur, nxt;
    cps_from(&in, s);
    cur.n = 0;
    int word = 0;
    for (size_t i = 0; i < in.n;) {
        if (in.c[i] == ' ') {
            cps_push(&cur, ' ');
            i++;
            continue;
        }
        size_t j = i;
        while (j < in.n && in.c[j] != ' ')
            j++;
        if ((only < 0 || only == word) && word != skip) {
            cps w;
            w.n = 0;
            for (size_t k = i; k < j; k++)
                cps_push(&w, in.c[k]);
            for (size_t e = 0; e < nev; e++) {
                nxt.n = 0;
                evs[e](w.c, w.n, &nxt, seed + (unsigned int)(word * 7 + e));
                w = nxt;
            }
            for (size_t k = 0; k < w.n; k++)
                cps_push(&cur, w.c[k]);
        } else {
            for (size_t k = i; k < j; k++)
                cps_push(&cur, in.c[k]);
        }
        word++;
        i = j;
    }
    return cps_utf8(&cur);
}

/* Plain sentences (written for these tests) and their normalized forms. */
static const struct {
    const char *plain, *normal;
    int spaced_word; /* a word whose neighbours are not single letters */
} sentences[] = {
    {"قال القائد إن الجهاد في سبيل الله فرض على كل مسلم قادر",
     "قال القايد ان الجهاد في سبيل الله فرض علي كل مسلم قادر", 3},
    {"هذه رسالة للإخوة في الدولة الإسلامية انضموا إلينا الآن",
     "هذه رساله للاخوه في الدوله الاسلاميه انضموا الينا الان", 6},
    {"الكلاب الخونة يستحقون الموت هم وأهلهم جميعا",
     "الكلاب الخونه يستحقون الموت هم واهلهم جميعا", 1},
    {"بيان رقم 17 من المكتب الإعلامي بتاريخ 2024",
     "بيان رقم 17 من المكتب الاعلامي بتاريخ 2024", 4},
    {"مرحبا بكم في قناتنا الجديدة تابعونا لمزيد من الأخبار",
     "مرحبا بكم في قناتنا الجديده تابعونا لمزيد من الاخبار", 5},
};
#define N_SENTENCES (sizeof sentences / sizeof sentences[0])

/* Every sentence, evaded with evs on every word, gives the plain output. */
static void check_evasion(const char *what, const evasion *evs, size_t nev)
{
    clf_normalizer *n = mk(ALL, CLF_NORM_DEFAULT_MAX_BYTES);
    size_t changed = 0;
    for (size_t i = 0; i < N_SENTENCES; i++) {
        char *plain = norm_len(n, sentences[i].plain, strlen(sentences[i].plain));
        ck_assert_msg(strcmp(plain, sentences[i].normal) == 0, "plain sentence %zu: \"%s\"", i,
                      plain);
        for (unsigned int seed = 0; seed < 6; seed++) {
            char *ev = evade(sentences[i].plain, evs, nev, -1, -1, seed);
            changed += strcmp(ev, sentences[i].plain) != 0;
            char *got = norm_len(n, ev, strlen(ev));
            ck_assert_msg(strcmp(got, plain) == 0,
                          "%s (seed %u): \"%s\"\n  normalizes to \"%s\"\n  want         \"%s\"", what,
                          seed, ev, got, plain);
            free(got);
            free(ev);
        }
        free(plain);
    }
    clf_normalizer_free(n);
    ck_assert_msg(changed > 0, "%s: the evasion changed no sentence", what);
}

/* ---- options, names --------------------------------------------------------- */

START_TEST(test_options_and_lifecycle)
{
    clf_norm_options o;
    clf_norm_options_init(&o);
    ck_assert_uint_eq(o.version, CLF_NORM_OPTIONS_VERSION);
    ck_assert_uint_eq(o.flags, CLF_NORM_DEFAULT);
    ck_assert_uint_eq(o.max_bytes, CLF_NORM_DEFAULT_MAX_BYTES);
    clf_norm_options init = CLF_NORM_OPTIONS_INIT;
    ck_assert(init.version == o.version && init.flags == o.flags && init.max_bytes == o.max_bytes);

    clf_normalizer *n = NULL;
    ck_assert_int_eq(clf_normalizer_new(NULL, NULL), CLF_E_INVALID_ARG);
    ck_assert_int_eq(clf_normalizer_new(&n, NULL), CLF_OK);
    ck_assert_ptr_nonnull(n);
    clf_normalizer_free(n);
    clf_normalizer_free(NULL);

    o.version = 99;
    n = (clf_normalizer *)&o;
    ck_assert_int_eq(clf_normalizer_new(&n, &o), CLF_E_INVALID_ARG);
    ck_assert_ptr_null(n);
    ck_assert(strstr(clf_last_error(), "version") != NULL);
    clf_norm_options_init(&o);
    o.flags = CLF_NORM_ALL | (1u << 20);
    ck_assert_int_eq(clf_normalizer_new(&n, &o), CLF_E_INVALID_ARG);

    n = mk(ALL, 0);
    const char *out;
    size_t len;
    ck_assert_int_eq(clf_normalize(NULL, "a", 1, &out, &len, NULL), CLF_E_INVALID_ARG);
    ck_assert_int_eq(clf_normalize(n, "a", 1, NULL, &len, NULL), CLF_E_INVALID_ARG);
    ck_assert_int_eq(clf_normalize(n, NULL, 1, &out, &len, NULL), CLF_E_INVALID_ARG);
    ck_assert_int_eq(clf_normalize(n, NULL, 0, &out, &len, NULL), CLF_OK);
    ck_assert_str_eq(out, "");
    ck_assert_uint_eq(len, 0);
    /* the buffer is reused: a second call replaces the first result */
    ck_assert_int_eq(clf_normalize(n, "Hello", 5, &out, &len, NULL), CLF_OK);
    ck_assert_str_eq(out, "hello");
    ck_assert_int_eq(clf_normalize(n, "x", 1, &out, NULL, NULL), CLF_OK);
    ck_assert_str_eq(out, "x");
    clf_normalizer_free(n);
}
END_TEST

START_TEST(test_flag_names_round_trip)
{
    char buf[256];
    for (unsigned int f = 0; f <= CLF_NORM_ALL; f++) {
        size_t need = clf_norm_flag_names(f, buf, sizeof buf);
        ck_assert_uint_eq(need, strlen(buf));
        unsigned int back = 12345;
        ck_assert_msg(clf_norm_parse_flags(buf, &back) == CLF_OK, "%s: %s", buf, clf_last_error());
        ck_assert_msg(back == f, "0x%x -> \"%s\" -> 0x%x", f, buf, back);
    }
    clf_norm_flag_names(CLF_NORM_ALL, buf, sizeof buf);
    ck_assert_str_eq(buf, "nfkc,casefold,diacritics,tatweel,letters,lookalikes,digits,invisible,"
                          "elongation,placeholders,hashtags,spaced,punct");
    clf_norm_flag_names(0, buf, sizeof buf);
    ck_assert_str_eq(buf, "none");

    /* truncation: the full length is returned, the buffer stays terminated */
    size_t need = clf_norm_flag_names(CLF_NORM_ALL, buf, 5);
    ck_assert_uint_gt(need, 5);
    ck_assert_str_eq(buf, "nfkc");
    ck_assert_uint_eq(clf_norm_flag_names(CLF_NORM_ALL, NULL, 0), need);

    unsigned int f = 0;
    ck_assert_int_eq(clf_norm_parse_flags("default", &f), CLF_OK);
    ck_assert_uint_eq(f, CLF_NORM_DEFAULT);
    ck_assert_int_eq(clf_norm_parse_flags("default,-spaced", &f), CLF_OK);
    ck_assert_uint_eq(f, CLF_NORM_DEFAULT & ~CLF_NORM_SPACED);
    ck_assert_int_eq(clf_norm_parse_flags("none", &f), CLF_OK);
    ck_assert_uint_eq(f, 0);
    ck_assert_int_eq(clf_norm_parse_flags("none, nfkc ,casefold", &f), CLF_OK);
    ck_assert_uint_eq(f, CLF_NORM_NFKC | CLF_NORM_CASEFOLD);
    ck_assert_int_eq(clf_norm_parse_flags("all,-punct,-digits", &f), CLF_OK);
    ck_assert_uint_eq(f, CLF_NORM_ALL & ~(CLF_NORM_PUNCT_SPLIT | CLF_NORM_DIGITS));
    f = 7;
    ck_assert_int_eq(clf_norm_parse_flags("default,bogus", &f), CLF_E_INVALID_ARG);
    ck_assert(strstr(clf_last_error(), "bogus") != NULL);
    ck_assert_uint_eq(f, 7); /* untouched on error */
    ck_assert_int_eq(clf_norm_parse_flags("", &f), CLF_E_INVALID_ARG);
    ck_assert_int_eq(clf_norm_parse_flags("nfkc,", &f), CLF_E_INVALID_ARG);
    ck_assert_int_eq(clf_norm_parse_flags(NULL, &f), CLF_E_INVALID_ARG);
    ck_assert_int_eq(clf_norm_parse_flags("nfkc", NULL), CLF_E_INVALID_ARG);
}
END_TEST

/* ---- evasions: one test per kind, then all mixed ------------------------------ */

START_TEST(test_evasion_tatweel)
{
    static const evasion e[] = {ev_tatweel};
    check_evasion("tatweel", e, 1);
    expect(ALL, "جـــهـــاد", "جهاد");
}
END_TEST

START_TEST(test_evasion_diacritics)
{
    static const evasion e[] = {ev_diacritics};
    check_evasion("diacritics", e, 1);
    expect(ALL, "جِهَادٌ فِي سَبِيلِ ٱللَّٰهِ", "جهاد في سبيل الله");
}
END_TEST

START_TEST(test_evasion_zero_width)
{
    static const evasion e[] = {ev_zerowidth};
    check_evasion("zero-width", e, 1);
    /* deleted, not turned into spaces */
    expect(ALL, "جـ\u200Bهاد", "جهاد");
    expect(ALL, "ج\u200Cه\u200Dا\u2060د\uFEFF", "جهاد");
}
END_TEST

START_TEST(test_evasion_bidi)
{
    static const evasion e[] = {ev_bidi};
    check_evasion("bidi controls", e, 1);
    expect(ALL, "\u202Bج\u200Fه\u061Cا\u200Eد\u202C", "جهاد");
}
END_TEST

START_TEST(test_evasion_lookalikes)
{
    static const evasion e[] = {ev_persian};
    check_evasion("Persian look-alikes", e, 1);
    expect(ALL, "کافر ڪافر یوم ێوم ہذہ ەذە ھذھ ۃ ے", "كافر كافر يوم يوم هذه هذه هذه ه ي");
}
END_TEST

START_TEST(test_evasion_presentation_forms)
{
    static const evasion e[] = {ev_presentation};
    check_evasion("presentation forms", e, 1);
    /* ﺟﻬﺎﺩ: initial, medial, final, final; ﻻ and ﷲ ligatures */
    expect(ALL, "\uFE9F\uFEEC\uFE8E\uFEAA \uFEFB \uFDF2", "جهاد لا الله");
    /* isolated harakat forms do not split the word they sit in */
    expect(ALL, "ج\uFE72هاد", "جهاد");
}
END_TEST

START_TEST(test_evasion_elongation)
{
    static const evasion e[] = {ev_elongate};
    check_evasion("elongation", e, 1);
    expect(ALL, "جهاااااااد يااا", "جهاد يا");
    expect(ALL, "جهااد", "جهااد"); /* two is spelling, not elongation */
}
END_TEST

START_TEST(test_evasion_alef_hamza)
{
    static const evasion e[] = {ev_alef};
    check_evasion("alef and hamza variants", e, 1);
    expect(ALL, "أحمد إسلام آمن ٱلله مسؤول شيئ مستشفى مدرسة", "احمد اسلام امن الله مسوول شيي مستشفي مدرسه");
    /* decomposed hamza (alef + U+0654) is the same letter */
    expect(ALL, "\u0627\u0654حمد", "احمد");
}
END_TEST

START_TEST(test_evasion_digits)
{
    static const evasion e[] = {ev_digits};
    check_evasion("Arabic-Indic digits", e, 1);
    expect(ALL, "٤٠٪ ۱۲۳ ١٢٣٤ ５ १", "40 ٪ 123 1234 5 1");
}
END_TEST

START_TEST(test_evasion_spaced)
{
    clf_normalizer *n = mk(ALL, 0);
    for (size_t i = 0; i < N_SENTENCES; i++) {
        for (unsigned int seed = 0; seed < 12; seed++) {
            static const evasion e[] = {ev_spaced};
            char *ev = evade(sentences[i].plain, e, 1, sentences[i].spaced_word, -1, seed);
            char *got = norm_len(n, ev, strlen(ev));
            ck_assert_msg(strcmp(got, sentences[i].normal) == 0,
                          "spaced (seed %u): \"%s\"\n  normalizes to \"%s\"", seed, ev, got);
            free(got);
            free(ev);
        }
    }
    clf_normalizer_free(n);
    expect(ALL, "ج ه ا د", "جهاد");
    expect(ALL, "ج.ه.ا.د", "جهاد");
    expect(ALL, "ج-ه-ا-د في", "جهاد في");
    expect(ALL, "k i l l them", "kill them");
    expect(ALL, "و الله", "و الله");         /* fewer than 3: left alone */
    expect(ALL, "ا ب ، ج", "ا ب ، ج");       /* a comma is not a joiner */
}
END_TEST

START_TEST(test_evasion_mixed)
{
    /* every character-level evasion stacked on every word */
    static const evasion e[] = {ev_alef, ev_persian, ev_digits, ev_elongate, ev_diacritics,
                                ev_tatweel, ev_presentation, ev_zerowidth, ev_bidi};
    check_evasion("all evasions stacked", e, sizeof e / sizeof e[0]);
    /* and one word spaced out, with marks and invisibles on its letters (as
     * bench/obfuscate.py does it: spaced words are not also stretched) */
    clf_normalizer *n = mk(ALL, 0);
    for (size_t i = 0; i < N_SENTENCES; i++) {
        static const evasion sp[] = {ev_spaced, ev_diacritics, ev_zerowidth, ev_bidi};
        int w = sentences[i].spaced_word;
        char *stacked = evade(sentences[i].plain, e, sizeof e / sizeof e[0], -1, w, 3);
        char *both = evade(stacked, sp, 4, w, -1, (unsigned int)i);
        char *got = norm_len(n, both, strlen(both));
        ck_assert_msg(strcmp(got, sentences[i].normal) == 0, "mixed: \"%s\"\n  -> \"%s\"", both,
                      got);
        free(got);
        free(both);
        free(stacked);
    }
    clf_normalizer_free(n);
}
END_TEST

/* ---- each step switched off really is skipped ------------------------------ */

START_TEST(test_flags_off)
{
    static const struct {
        unsigned int flag;
        const char *in, *on, *off;
    } t[] = {
        {CLF_NORM_NFKC, "\uFE9F\uFEEC\uFE8E\uFEAA ＡＢＣ", "جهاد abc", "\uFE9F\uFEEC\uFE8E\uFEAA ａｂｃ"},
        {CLF_NORM_CASEFOLD, "Hello WORLD", "hello world", "Hello WORLD"},
        {CLF_NORM_DIACRITICS, "جِهَاد", "جهاد", "جِهَاد"},
        {CLF_NORM_TATWEEL, "جـهاد", "جهاد", "جـهاد"},
        {CLF_NORM_LETTERS, "أحمد مدرسة على", "احمد مدرسه علي", "أحمد مدرسة على"},
        {CLF_NORM_LOOKALIKES, "کتاب", "كتاب", "کتاب"},
        {CLF_NORM_DIGITS, "٤٠ ۱۲", "40 12", "٤٠ ۱۲"},
        {CLF_NORM_INVISIBLE, "ج\u200Bهاد", "جهاد", "ج\u200Bهاد"},
        {CLF_NORM_ELONGATION, "جهاااااد", "جهاد", "جهاااااد"},
        {CLF_NORM_PLACEHOLDERS, "@bob https://t.co/x", "<user> <url>",
         "@ bob https : / / t . co / x"},
        {CLF_NORM_HASHTAGS, "#حرية_الرأي", "#حريه_الراي حريه الراي", "# حريه _ الراي"},
        {CLF_NORM_SPACED, "ج ه ا د", "جهاد", "ج ه ا د"},
        {CLF_NORM_PUNCT_SPLIT, "مرحبا! (نعم)", "مرحبا ! ( نعم )", "مرحبا! (نعم)"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        expect(ALL, t[i].in, t[i].on);
        expect(ALL & ~t[i].flag, t[i].in, t[i].off);
    }
    /* with every step off only separators are touched */
    expect(0, " Hello\tجـِهاد\r\n#x_y  ", "Hello جـِهاد #x_y");
    /* skin tones go with punctuation splitting (emoji handling) */
    expect(ALL & ~CLF_NORM_PUNCT_SPLIT, "👍🏽", "👍🏽");
}
END_TEST

/* ---- input rules --------------------------------------------------------------- */

START_TEST(test_invalid_utf8)
{
    static const struct {
        const char *bytes;
        size_t len, offset;
    } t[] = {
        {"ab\xC0\x80", 4, 2},          /* overlong NUL */
        {"\xC1\xBF", 2, 0},            /* overlong */
        {"x\xE0\x80\xAF", 4, 1},       /* overlong 3-byte */
        {"\xF0\x80\x80\xAF", 4, 0},    /* overlong 4-byte */
        {"abc\xED\xA0\x80", 6, 3},     /* surrogate U+D800 */
        {"\xED\xBF\xBF", 3, 0},        /* surrogate U+DFFF */
        {"\xD8\xAC\xD8", 3, 2},        /* truncated 2-byte at the end */
        {"\xE2\x82", 2, 0},            /* truncated 3-byte */
        {"a\xE2\x82z", 4, 1},          /* truncated, then ASCII */
        {"\xF0\x9F\x98", 3, 0},        /* truncated 4-byte */
        {"\xF4\x90\x80\x80", 4, 0},    /* > U+10FFFF */
        {"\xF5\x80\x80\x80", 4, 0},    /* never a lead byte */
        {"ok \x80", 4, 3},             /* lone continuation byte */
        {"\xFE\xFF", 2, 0},
    };
    clf_normalizer *n = mk(ALL, 0);
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        const char *out = "unchanged";
        size_t len = 99;
        int rc = clf_normalize(n, t[i].bytes, t[i].len, &out, &len, NULL);
        ck_assert_msg(rc == CLF_E_UTF8, "case %zu: rc %d", i, rc);
        char want[64];
        snprintf(want, sizeof want, "offset %zu", t[i].offset);
        ck_assert_msg(strstr(clf_last_error(), want) != NULL, "case %zu: \"%s\" lacks \"%s\"", i,
                      clf_last_error(), want);
        ck_assert_ptr_null(out);
    }
    /* the normalizer still works after an error */
    char *ok = norm_len(n, "سلام", strlen("سلام"));
    ck_assert_str_eq(ok, "سلام");
    free(ok);
    clf_normalizer_free(n);
}
END_TEST

START_TEST(test_separators_nul_crlf_bom)
{
    clf_normalizer *n = mk(ALL, 0);
    char *r = norm_len(n, "ab\0cd\0\0ef", 10);
    ck_assert_str_eq(r, "ab cd ef");
    free(r);
    r = norm_len(n, "", 0);
    ck_assert_str_eq(r, "");
    free(r);
    r = norm_len(n, "\0\0\0", 3);
    ck_assert_str_eq(r, "");
    free(r);
    clf_normalizer_free(n);
    expect(ALL, " \t\r\n\v\f\u00A0\u2003\u3000\u2028\u2029\xC2\x85" "\u200B ", "");
    expect(ALL, "سطر\r\nسطر\rآخر\n", "سطر سطر اخر");
    expect(ALL, "\xEF\xBB\xBFسلام", "سلام");
    expect(0, "\xEF\xBB\xBFسلام", "سلام");           /* the BOM goes whatever the flags */
    expect(ALL & ~CLF_NORM_INVISIBLE, " \xEF\xBB\xBF x", "x");
    expect(ALL, "a\x01\x1F\x7F\xC2\x80\xC2\x9F" "b", "a b");
    expect(ALL, "  many   spaces\there  ", "many spaces here");
}
END_TEST

START_TEST(test_truncation)
{
    /* 2-, 3- and 4-byte characters: the cut never splits one */
    const char *text = "جهاد في €€ سبيل 😂😂 الله";
    size_t tl = strlen(text);
    clf_normalizer *whole = mk(ALL, 0);
    for (size_t max = 1; max <= tl + 1; max++) {
        clf_normalizer *n = mk(ALL, max);
        const char *out;
        size_t len;
        int truncated = -1;
        int rc = clf_normalize(n, text, tl, &out, &len, &truncated);
        ck_assert_msg(rc == CLF_OK, "max %zu: %s", max, clf_last_error());
        ck_assert_int_eq(truncated, tl > max);
        /* the kept prefix: the longest one of whole characters within max bytes */
        size_t keep = tl > max ? max : tl;
        while (keep > 0 && keep < tl && ((unsigned char)text[keep] & 0xC0) == 0x80)
            keep--;
        char *want = norm_len(whole, text, keep);
        ck_assert_msg(strcmp(out, want) == 0, "max %zu: \"%s\" != \"%s\"", max, out, want);
        free(want);
        clf_normalizer_free(n);
    }
    clf_normalizer_free(whole);
    /* exactly max_bytes: not truncated; NULL truncated pointer is fine */
    clf_normalizer *n = mk(ALL, 4);
    const char *out;
    size_t len;
    int truncated = -1;
    ck_assert_int_eq(clf_normalize(n, "abcd", 4, &out, &len, &truncated), CLF_OK);
    ck_assert_int_eq(truncated, 0);
    ck_assert_int_eq(clf_normalize(n, "abcdef", 6, &out, &len, NULL), CLF_OK);
    ck_assert_str_eq(out, "abcd");
    /* invalid bytes past the cut are never looked at */
    ck_assert_int_eq(clf_normalize(n, "abcd\xFF", 5, &out, &len, &truncated), CLF_OK);
    ck_assert_int_eq(truncated, 1);
    clf_normalizer_free(n);
}
END_TEST

START_TEST(test_huge_input)
{
    /* 100 MB with no limit: linear time and memory, no crash */
    static const char unit[] =
        "قال الـــقائد إن الجِهَاد ﻓﻲ سبيل ٱلله ٤٠ ج ه ا د #حرية_الرأي https://t.co/x @user 😂 ";
    size_t ul = sizeof unit - 1, total = (size_t)100 << 20, reps = total / ul;
    char *big = malloc(reps * ul + 1);
    ck_assert_ptr_nonnull(big);
    for (size_t i = 0; i < reps; i++)
        memcpy(big + i * ul, unit, ul);
    clf_normalizer *n = mk(ALL, 0);
    const char *out;
    size_t len;
    int truncated = -1;
    ck_assert_int_eq(clf_normalize(n, big, reps * ul, &out, &len, &truncated), CLF_OK);
    ck_assert_int_eq(truncated, 0);
    char *one = norm_len(n, unit, ul);
    size_t ol = strlen(one);
    ck_assert_uint_eq(len, reps * (ol + 1) - 1);
    ck_assert(memcmp(out, one, ol) == 0);
    ck_assert(out[len - 1] != ' ' && strstr(out, "  ") == NULL);
    free(one);
    /* pathological shapes stay linear too */
    static const char *const shapes[] = {"\xCC\x81\xCC\x96", "a.", "a@", "#_", "\xD8\xA8 ",
                                         "http://.", "\xEF\xB7\xBA"};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        size_t sl = strlen(shapes[s]), k = ((size_t)4 << 20) / sl;
        for (size_t i = 0; i < k; i++)
            memcpy(big + i * sl, shapes[s], sl);
        ck_assert_int_eq(clf_normalize(n, big, k * sl, &out, &len, NULL), CLF_OK);
    }
    clf_normalizer_free(n);
    free(big);
}
END_TEST

/* ---- tokens -------------------------------------------------------------------- */

START_TEST(test_casefold_latin)
{
    expect(ALL, "HELLO World ÀÉÎ Straße ΣΊΣΥΦΟΣ Привет", "hello world àéî strasse σίσυφοσ привет");
    expect(ALL, "ＡＢＣ ﬁne Ⅻ", "abc fine xii"); /* NFKC first */
}
END_TEST

START_TEST(test_emoji_tokens)
{
    expect(ALL, "😂😂👍🏽", "😂 😂 👍");
    expect(ALL, "حلو😂جدا", "حلو 😂 جدا");
    expect(ALL, "🇸🇦🇪🇬🇸", "🇸🇦 🇪🇬 🇸");
    expect(ALL, "♥️ ❤", "♥ ❤");
    expect(ALL, "👨‍👩‍👧", "👨 👩 👧");
}
END_TEST

START_TEST(test_punctuation_split)
{
    expect(ALL, "قال: \"لا\"؟!", "قال : \" لا \" ؟ !");
    expect(ALL, "نعم،لا؛ربما...", "نعم ، لا ؛ ربما . . .");
    expect(ALL, "«كلام» — 5$", "« كلام » — 5 $");
    /* numbers keep their decimal point and thousands separators */
    expect(ALL, "79.5٪ و 1,000 و ٣٫١٤ و 5. و .5 و a.5", "79.5 ٪ و 1,000 و 3٫14 و 5 . و . 5 و a . 5");
}
END_TEST

START_TEST(test_placeholders)
{
    expect(ALL, "شاهد https://t.co/AbC123 الآن", "شاهد <url> الان");
    expect(ALL, "(http://example.com/a?b=1).", "( <url> ) .");
    expect(ALL, "www.example.org و youtube.com/watch?v=x و bbc.co.uk", "<url> و <url> و <url>");
    expect(ALL, "راسلنا على info@example.com.", "راسلنا علي <email> .");
    /* a path may hold Arabic letters (an IRI): a bare link is content-free */
    expect(ALL, "https://ar.wikipedia.org/wiki/تنظيم_الدولة_الإسلامية", "<url>");
    expect(ALL, "www.aljazeera.net/news/الدولة-الإسلامية", "<url>");
    expect(ALL, "(http://x.com/مقال).", "( <url> ) .");
    /* ... from a delimiter on: glued to an ASCII letter or digit it is text */
    expect(ALL, "https://t.co/AbC123شاهد الآن", "<url> شاهد الان");
    /* Arabic punctuation and emoji end it, as spaces do */
    expect(ALL, "http://x.com/نص،نص", "<url> ، نص");
    expect(ALL, "http://x.com/a😀نص", "<url> 😀 نص");
    expect(ALL, "RT @USER: @some_one_1 مرحبا", "rt <user> : <user> مرحبا");
    expect(ALL, "رابط URL و LINK", "رابط <url> و <url>");
    expect(ALL, "سطر<LF>سطر آخر<LF>#وسم", "سطر سطر اخر #وسم وسم");
    /* not addresses */
    expect(ALL, "U.S then e.g then a@b", "u . s then e . g then a @ b");
    expect(ALL, "foo@bar", "foo @ bar");
    /* already normalized placeholders stay */
    expect(ALL, "<url> <user> <email>", "<url> <user> <email>");
}
END_TEST

START_TEST(test_hashtags)
{
    expect(ALL, "#a_b", "#a_b a b");
    expect(ALL, "#حرية_الرأي الآن", "#حريه_الراي حريه الراي الان");
    expect(ALL, "#جهاد", "#جهاد جهاد");
    expect(ALL, "#__x__y_ z", "#__x__y_ x y z");
    expect(ALL, "#2024", "#2024 2024");
    expect(ALL, "# #_ ##", "# # _ # #");
    expect(ALL, "C# and #", "c # and #");
    /* already expanded: not expanded twice (idempotence) */
    expect(ALL, "#a_b a b", "#a_b a b");
    expect(ALL, "#a_b a", "#a_b a b a");
    expect(ALL, "#url_x", "#url_x <url> x");
    /* parts are never rejoined as spaced letters */
    expect(ALL, "#a_b_c", "#a_b_c a b c");
    expect(ALL, "#x y z w", "#x x yzw");
}
END_TEST

START_TEST(test_idempotence_regressions)
{
    /* inputs the fuzzer found; each must be its own normal form after one pass */
    static const struct { unsigned int flags; const char *in; } t[] = {
        {ALL & ~CLF_NORM_PUNCT_SPLIT, "#ur@l_lin"},
        {CLF_NORM_NFKC | CLF_NORM_SPACED, " \xEF\xBB\xBF ##u"},
        {ALL, "e\u0640\u0301 \u0627\u200B\u0654 \u0627\u0640\u0653"},
        {ALL & ~CLF_NORM_DIACRITICS, "\u0627\u0640\u0653 \u0622\u0654"},
        {ALL, "ᄀ ᅡ ᄀ ㄱ ㅏ ㄱ"},
        {ALL, "u r l"},
        {ALL & ~CLF_NORM_PUNCT_SPLIT, "HHHHhttp://a\u062F"},
        {ALL & ~CLF_NORM_DIACRITICS, "\u0627\u0653\u0654\u0627\u0653\u0654\u0655\u0655\u0655\u0655"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        clf_normalizer *n = mk(t[i].flags, 0);
        char *once = norm_len(n, t[i].in, strlen(t[i].in));
        char *twice = norm_len(n, once, strlen(once));
        ck_assert_msg(strcmp(once, twice) == 0, "case %zu: \"%s\" -> \"%s\"", i, once, twice);
        free(once);
        free(twice);
        clf_normalizer_free(n);
    }
}
END_TEST

/* ---- the table path gives what plain ICU gives ------------------------------- */

static const uint32_t alphabet[] = {
    'a', 'B', 'z', 'E', 'e', ' ', '.', '-', '_', '#', '@', '/', ':', '<', '>', '1', '0', '\t',
    '\n', 0, 'h', 't', 'p', 'w', 'l', 'u', 'r',
    /* Arabic letters and variants */
    0x0627, 0x0628, 0x062C, 0x062F, 0x0631, 0x0633, 0x0644, 0x0645, 0x0646, 0x0647, 0x0648,
    0x064A, 0x0649, 0x0629, 0x0622, 0x0623, 0x0624, 0x0625, 0x0626, 0x0621, 0x0671,
    /* marks, tatweel */
    0x064B, 0x064E, 0x0650, 0x0651, 0x0652, 0x0653, 0x0654, 0x0655, 0x0670, 0x0610, 0x06D6,
    0x0640, 0x08F0,
    /* look-alikes, hamza forms */
    0x06A9, 0x06CC, 0x06C1, 0x06D5, 0x06C3, 0x06C2, 0x06C0, 0x06D3, 0x06D2, 0x0675, 0x0674,
    0x0677, 0x06BA,
    /* digits */
    0x0660, 0x0665, 0x06F3, 0x0967, 0xFF11, 0x1D7CE, 0x104A0,
    /* presentation forms and ligatures */
    0xFE8D, 0xFE8E, 0xFE9F, 0xFEA0, 0xFEDF, 0xFEFB, 0xFEFC, 0xFEF7, 0xFE70, 0xFE71, 0xFE72,
    0xFC5E, 0xFDF2, 0xFDFA, 0xFB8E, 0xFBFC, 0xFE80, 0xFE89,
    /* invisibles */
    0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2060, 0x061C, 0x202A, 0x202E, 0x2066, 0x2069,
    0xFEFF, 0x00AD, 0x034F, 0xFE0F, 0xE0041, 0x180E, 0x3164,
    /* whitespace */
    0x00A0, 0x2003, 0x3000, 0x2028, 0x0085,
    /* Latin, Greek and combining marks */
    0x00C0, 0x0301, 0x0316, 0x0327, 0x00DF, 0x0130, 0x03A3, 0x0390, 0x01F0, 0xFB01, 0x1E9E,
    0x2126, 0x212B, 0x030A, 0x0345, 0x0399,
    /* Hangul jamo and syllables */
    0x1100, 0x1161, 0x11A8, 0xAC00, 0x3131, 0x314F,
    /* emoji and symbols */
    0x1F602, 0x1F44D, 0x1F3FD, 0x1F1F8, 0x1F1E6, 0x2665, 0x1F468, 0x00A9, 0x2139,
    0x060C, 0x061F, 0x066A, 0x2026, 0x00AB, 0x0024,
    /* elsewhere: CJK, compatibility, Deseret (folds outside the tables), PUA, unassigned */
    0x4E00, 0xF900, 0x2F800, 0x10400, 0x1D400, 0xE000, 0xFFFD, 0x0378, 0x3300, 0x1D15E};
#define N_ALPHA (sizeof alphabet / sizeof alphabet[0])

START_TEST(test_fast_path_matches_icu)
{
    static const unsigned int sets[] = {
        ALL, 0, ALL & ~CLF_NORM_NFKC, ALL & ~CLF_NORM_CASEFOLD, ALL & ~CLF_NORM_DIACRITICS,
        ALL & ~CLF_NORM_INVISIBLE, CLF_NORM_NFKC | CLF_NORM_CASEFOLD,
        ALL & ~(CLF_NORM_LETTERS | CLF_NORM_DIACRITICS), ALL & ~CLF_NORM_PUNCT_SPLIT,
        CLF_NORM_NFKC, CLF_NORM_CASEFOLD | CLF_NORM_LETTERS | CLF_NORM_LOOKALIKES};
    uint64_t rng = 0x9E3779B97F4A7C15ull;
    char buf[4 * 80 + 1];
    for (size_t s = 0; s < sizeof sets / sizeof sets[0]; s++) {
        clf_normalizer *fast = mk(sets[s], 0), *ref = mk(sets[s], 0);
        clf__normalizer_set_reference(ref, 1);
        for (int iter = 0; iter < 3000; iter++) {
            rng = rng * 6364136223846793005ull + 1442695040888963407ull;
            size_t n = (size_t)(rng >> 58) + (size_t)(rng >> 60), len = 0; /* 0..78 */
            for (size_t i = 0; i < n; i++) {
                rng = rng * 6364136223846793005ull + 1442695040888963407ull;
                uint32_t c = alphabet[(rng >> 33) % N_ALPHA];
                len += (size_t)clf__utf8_encode(c, buf + len);
            }
            char *a = norm_len(fast, buf, len);
            char *b = norm_len(ref, buf, len);
            ck_assert_msg(strcmp(a, b) == 0, "flags 0x%x: \"%.*s\"\n  table: \"%s\"\n  ICU:   \"%s\"",
                          sets[s], (int)len, buf, a, b);
            char *c2 = norm_len(fast, a, strlen(a));
            ck_assert_msg(strcmp(a, c2) == 0, "flags 0x%x: not idempotent: \"%s\" -> \"%s\"",
                          sets[s], a, c2);
            free(a);
            free(b);
            free(c2);
        }
        clf_normalizer_free(fast);
        clf_normalizer_free(ref);
    }
}
END_TEST

/*
 * The tables are built a page at a time when a character first needs one:
 * two normalizers meeting the pages in opposite orders, on two threads at
 * once, give what the plain ICU path gives.
 */
#define LAZY_TEXTS 600
typedef struct lazy_job {
    char **texts;
    size_t *lens;
    char *out[LAZY_TEXTS];
    int backwards, rc;
} lazy_job;

static void *lazy_run(void *arg)
{
    lazy_job *j = arg;
    clf_norm_options o;
    clf_norm_options_init(&o);
    o.flags = ALL;
    clf_normalizer *n = NULL;
    if ((j->rc = clf_normalizer_new(&n, &o)) != CLF_OK)
        return NULL;
    for (size_t k = 0; k < LAZY_TEXTS; k++) {
        size_t i = j->backwards ? LAZY_TEXTS - 1 - k : k;
        const char *out;
        size_t olen;
        if ((j->rc = clf_normalize(n, j->texts[i], j->lens[i], &out, &olen, NULL)) != CLF_OK)
            break;
        j->out[i] = strdup(out);
    }
    clf_normalizer_free(n);
    return NULL;
}

START_TEST(test_lazy_tables_threads)
{
    /* the default steps' tables come built with the library: build them here */
    clf__norm_set_runtime_tables(1);
    static char *texts[LAZY_TEXTS];
    static size_t lens[LAZY_TEXTS];
    uint64_t rng = 0x2545F4914F6CDD1Dull;
    for (size_t t = 0; t < LAZY_TEXTS; t++) {
        char buf[4 * 8 + 1];
        size_t len = 0;
        for (int i = 0; i < 8; i++) {
            rng = rng * 6364136223846793005ull + 1442695040888963407ull;
            len += (size_t)clf__utf8_encode(alphabet[(rng >> 33) % N_ALPHA], buf + len);
        }
        texts[t] = malloc(len + 1);
        ck_assert_ptr_nonnull(texts[t]);
        memcpy(texts[t], buf, len);
        texts[t][len] = '\0';
        lens[t] = len;
    }
    static lazy_job jobs[2];
    pthread_t tid[2];
    for (int k = 0; k < 2; k++) {
        jobs[k] = (lazy_job){texts, lens, {NULL}, k, CLF_OK};
        ck_assert_int_eq(pthread_create(&tid[k], NULL, lazy_run, &jobs[k]), 0);
    }
    for (int k = 0; k < 2; k++)
        pthread_join(tid[k], NULL);
    clf_normalizer *ref = mk(ALL, 0);
    clf__normalizer_set_reference(ref, 1);
    /* each character as the first text of a new normalizer: the pages of
     * what it maps to were never decoded */
    static const uint32_t more[] = {0x00BD, 0x00BC, 0x2474, 0x3371, 0xFDFA, 0xFB8E, 0x1F100};
    for (size_t a = 0; a < N_ALPHA + sizeof more / sizeof more[0]; a++) {
        uint32_t c = a < N_ALPHA ? alphabet[a] : more[a - N_ALPHA];
        char buf[5];
        size_t len = (size_t)clf__utf8_encode(c, buf);
        clf_normalizer *fresh = mk(ALL, 0);
        char *x = norm_len(fresh, buf, len), *y = norm_len(ref, buf, len);
        ck_assert_msg(strcmp(x, y) == 0, "U+%04X alone: \"%s\", ICU \"%s\"", (unsigned)c, x,
                      y);
        free(x);
        free(y);
        clf_normalizer_free(fresh);
    }
    for (size_t t = 0; t < LAZY_TEXTS; t++) {
        char *b = norm_len(ref, texts[t], lens[t]);
        for (int k = 0; k < 2; k++) {
            ck_assert_msg(jobs[k].rc == CLF_OK, "thread %d: %s", k, clf_strerror(jobs[k].rc));
            ck_assert_msg(jobs[k].out[t] && strcmp(jobs[k].out[t], b) == 0,
                          "thread %d, \"%s\": \"%s\", ICU \"%s\"", k, texts[t],
                          jobs[k].out[t] ? jobs[k].out[t] : "(none)", b);
            free(jobs[k].out[t]);
        }
        free(b);
        free(texts[t]);
    }
    clf_normalizer_free(ref);
    clf__norm_set_runtime_tables(0);
}
END_TEST

/*
 * The tables generated at build time (tools/norm_tablegen.c) are what the
 * library builds at run time with the same ICU, entry for entry, and a
 * default normalizer runs off them (unless CLF_NORM_RUNTIME_TABLES=1, as
 * in the test_golden_runtime_tables run, which takes the fallback).
 */
START_TEST(test_prebuilt_tables)
{
    const char *env = getenv("CLF_NORM_RUNTIME_TABLES");
    int forced = env && !strcmp(env, "1");
    char uv[32], iv[32];
    clf__icu_versions(uv, iv, sizeof uv);
    ck_assert_str_eq(iv, clf__norm_pre_icu_version); /* the tests run with the build's ICU */
    ck_assert_str_eq(uv, clf__norm_pre_unicode_version);
    ck_assert_uint_eq(clf__norm_pre_flags, CLF_NORM_DEFAULT);
    clf_normalizer *pre = mk(CLF_NORM_DEFAULT, 0);
    ck_assert_int_eq(clf__normalizer_prebuilt(pre), !forced);
    clf_normalizer *other = mk(CLF_NORM_DEFAULT & ~CLF_NORM_DIGITS, 0);
    ck_assert_int_eq(clf__normalizer_prebuilt(other), 0); /* other steps: built here */
    clf__norm_set_runtime_tables(1);
    clf_normalizer *rt = mk(CLF_NORM_DEFAULT, 0);
    clf__norm_set_runtime_tables(0);
    ck_assert_int_eq(clf__normalizer_prebuilt(rt), 0);
    ck_assert_int_eq(clf__normalizer_build_all(rt), CLF_OK);
    ck_assert_int_eq(clf__normalizer_build_all(pre), CLF_OK); /* no-op unless forced */
    const uint8_t *prop = clf__norm_base_prop();
    for (int32_t i = 0; i < CLF__NTAB_SIZE; i++) {
        ck_assert_msg(rt->ent[i] == clf__norm_pre_ent[i], "entry %d: 0x%x built, 0x%x prebuilt",
                      (int)i, (unsigned)rt->ent[i], (unsigned)clf__norm_pre_ent[i]);
        ck_assert_msg(rt->cls[i] == clf__norm_pre_cls[i], "class %d: %u built, %u prebuilt",
                      (int)i, rt->cls[i], clf__norm_pre_cls[i]);
        ck_assert_msg(prop[i] == clf__norm_pre_prop[i], "property %d: %u built, %u prebuilt",
                      (int)i, prop[i], clf__norm_pre_prop[i]);
        ck_assert(pre->ent[i] == rt->ent[i] && pre->cls[i] == rt->cls[i]);
    }
    ck_assert_uint_eq(rt->mpool_len, clf__norm_pre_mpool_len);
    ck_assert(memcmp(rt->mpool, clf__norm_pre_mpool, rt->mpool_len * sizeof *rt->mpool) == 0);
    /* and the two give the same text (the paths test compares them with ICU) */
    static const char text[] = "\xef\xbb\xbf\xd8\xa3\xd9\x8e\xd9\x87\xd9\x84\xd8\xa7\xd9\x8b "
                               "\xef\xb7\xba #\xd8\xb3\xd9\x84\xd8\xa7\xd9\x85 \xf0\x9f\x98\x80\xf0\x9f\x8f\xbd";
    char *a = norm_len(pre, text, sizeof text - 1), *b = norm_len(rt, text, sizeof text - 1);
    ck_assert_str_eq(a, b);
    free(a);
    free(b);
    clf_normalizer_free(pre);
    clf_normalizer_free(other);
    clf_normalizer_free(rt);
}
END_TEST

#ifdef CLF_CORPUS_ONLY /* built as test_corpus_* (label corpus) */
/* The shared corpora, when present: both paths agree and one pass is enough. */
START_TEST(test_corpora_paths_and_idempotence)
{
    const char *dir = clf_test_corpora_dir();
    if (!dir)
        return;
    static const char *const names[] = {"alfifi-isis-eval2k", "araieval2023-task1-persuasion",
                                        "osact2020", "osact2022", "l-hsab", "t-hsab", "mlma-ar"};
    clf_normalizer *fast = mk(ALL, 0), *ref = mk(ALL, 0);
    clf__normalizer_set_reference(ref, 1);
    size_t docs = 0;
    for (size_t c = 0; c < sizeof names / sizeof names[0]; c++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s/dev.tsv", dir, names[c]);
        size_t len;
        char *data = clf_test_read_file(path, &len);
        if (!data)
            continue;
        char *line = strchr(data, '\n'); /* skip the header */
        while (line && *++line) {
            char *end = strchr(line, '\n');
            size_t ll = end ? (size_t)(end - line) : strlen(line);
            char *t1 = memchr(line, '\t', ll), *t2 = t1 ? memchr(t1 + 1, '\t', ll - (size_t)(t1 + 1 - line)) : NULL;
            if (t2) {
                const char *text = t2 + 1;
                size_t tl = ll - (size_t)(text - line);
                char *a = norm_len(fast, text, tl);
                char *b = norm_len(ref, text, tl);
                ck_assert_msg(strcmp(a, b) == 0, "%s: table and ICU paths differ:\n  %s\n  %s", path, a, b);
                char *again = norm_len(fast, a, strlen(a));
                ck_assert_msg(strcmp(a, again) == 0, "%s: not idempotent:\n  %s\n  %s", path, a, again);
                free(a);
                free(b);
                free(again);
                docs++;
            }
            line = end;
        }
        free(data);
    }
    clf_normalizer_free(fast);
    clf_normalizer_free(ref);
    fprintf(stderr, "test_normalize: %zu corpus documents checked\n", docs);
}
END_TEST
#endif

static Suite *normalize_suite(void)
{
    Suite *s = suite_create("normalize");
    TCase *api = tcase_create("api");
    tcase_add_test(api, test_options_and_lifecycle);
    tcase_add_test(api, test_flag_names_round_trip);
    suite_add_tcase(s, api);

    TCase *ev = tcase_create("evasions");
    tcase_add_test(ev, test_evasion_tatweel);
    tcase_add_test(ev, test_evasion_diacritics);
    tcase_add_test(ev, test_evasion_zero_width);
    tcase_add_test(ev, test_evasion_bidi);
    tcase_add_test(ev, test_evasion_lookalikes);
    tcase_add_test(ev, test_evasion_presentation_forms);
    tcase_add_test(ev, test_evasion_elongation);
    tcase_add_test(ev, test_evasion_alef_hamza);
    tcase_add_test(ev, test_evasion_digits);
    tcase_add_test(ev, test_evasion_spaced);
    tcase_add_test(ev, test_evasion_mixed);
    suite_add_tcase(s, ev);

    TCase *fl = tcase_create("flags");
    tcase_add_test(fl, test_flags_off);
    suite_add_tcase(s, fl);

    TCase *in = tcase_create("input");
    tcase_set_timeout(in, 600); /* 100 MB, also under the sanitizers */
    tcase_add_test(in, test_invalid_utf8);
    tcase_add_test(in, test_separators_nul_crlf_bom);
    tcase_add_test(in, test_truncation);
    tcase_add_test(in, test_huge_input);
    suite_add_tcase(s, in);

    TCase *tk = tcase_create("tokens");
    tcase_add_test(tk, test_casefold_latin);
    tcase_add_test(tk, test_emoji_tokens);
    tcase_add_test(tk, test_punctuation_split);
    tcase_add_test(tk, test_placeholders);
    tcase_add_test(tk, test_hashtags);
    tcase_add_test(tk, test_idempotence_regressions);
    suite_add_tcase(s, tk);

    TCase *paths = tcase_create("paths");
    tcase_set_timeout(paths, 600);
    tcase_add_test(paths, test_fast_path_matches_icu);
    tcase_add_test(paths, test_lazy_tables_threads);
    tcase_add_test(paths, test_prebuilt_tables);
    suite_add_tcase(s, paths);
    return s;
}

int main(void)
{
#ifdef CLF_CORPUS_ONLY
    /* test_corpus_normalize: the corpus-level check, labelled corpus */
    clf_test_corpora_or_skip();
    (void)normalize_suite;
    Suite *s = suite_create("normalize-corpus");
    TCase *tc = tcase_create("corpus");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_corpora_paths_and_idempotence);
    suite_add_tcase(s, tc);
    return clf_test_run(s);
#else
    return clf_test_run(normalize_suite());
#endif
}
