/*
 * norm_lex.c - the normalizer's back half: collapse elongated letters, cut
 * the character-stage output into tokens (placeholders, hashtags,
 * punctuation, emoji, words), rejoin spaced-out letters and write the tokens
 * out, one ASCII space between them. No ICU here: classes come from the
 * tables normalize.c builds.
 *
 * Every rule is written so that normalizing the output again gives the
 * output (the fuzz target checks it): a token is cut by what it contains,
 * never by the token before it (the output puts a space between them), a
 * hashtag already followed by its parts is not expanded twice, and a word
 * that rejoining produces is checked against the same placeholder rules a
 * word of the input is.
 */
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#  include <emmintrin.h>
#endif

#include "norm_internal.h"

enum { T_WORD, T_PUNCT, T_URL, T_EMAIL, T_USER, T_TAG };
enum {
    TF_PROTECTED = 1, /* a hashtag's part: never rejoined with spaced letters */
    TF_EXPAND = 2,    /* a hashtag to be followed by its parts */
    TF_SKIP = 4,      /* inside a rejoined run: written by the run's first token */
    TF_JOINED = 8     /* the first token of a rejoined run of spaced letters */
};

static inline unsigned int cls(const clf_normalizer *n, uint32_t c)
{
    return c < 0x10000 ? n->cls[c] : clf__norm_class(n, c);
}

#define WORDISH_MASK ((1u << CLF__K_LETTER) | (1u << CLF__K_LETTER_NJ) | (1u << CLF__K_DIGIT) | \
                      (1u << CLF__K_MARK) | (1u << CLF__K_WORD))

static inline int is_wordish(unsigned int k)
{
    return (WORDISH_MASK >> k) & 1u;
}

static inline int is_letter(unsigned int k)
{
    return k == CLF__K_LETTER || k == CLF__K_LETTER_NJ;
}

static inline uint32_t lower(uint32_t c)
{
    return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

static inline int is_alnum(uint32_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline int is_alpha(uint32_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Does y[0..avail) start with lit (ASCII, lower case), ignoring ASCII case? */
static int ci_prefix(const uint32_t *y, size_t avail, const char *lit)
{
    size_t i = 0;
    for (; lit[i]; i++)
        if (i >= avail || lower(y[i]) != (uint32_t)(unsigned char)lit[i])
            return 0;
    return 1;
}

static int ci_equal(const uint32_t *y, size_t len, const char *lit)
{
    return strlen(lit) == len && ci_prefix(y, len, lit);
}

/* ---- placeholders ------------------------------------------------------ */

static int url_char(uint32_t c)
{
    return c > 0x20 && c < 0x7F && !strchr("<>\"`{}|\\^", (int)c);
}

static int url_trail(uint32_t c)
{
    return c < 0x80 && c && strchr(".,;:!?'\")]}*", (int)c);
}

/*
 * URL body from q on: URL characters, less trailing sentence punctuation.
 * A path may hold letters of any script (an IRI: a news site's or
 * Wikipedia's Arabic slug), or a bare link would leave its title as
 * words to judge. They may start only after a delimiter, not right
 * after an ASCII letter or digit: "https://t.co/Ab12شاهد" is a link
 * followed by a word.
 */
static size_t url_body(const clf_normalizer *n, const uint32_t *y, size_t q, size_t e)
{
    size_t b = q;
    while (q < e) {
        const uint32_t c = y[q];
        if (c < 0x80 ? !url_char(c)
                     : !is_wordish(cls(n, c)) || (q > b && y[q - 1] < 0x80 && is_alnum(y[q - 1])))
            break;
        q++;
    }
    while (q > b && url_trail(y[q - 1]))
        q--;
    return q;
}

/* Common top-level domains, for bare domains such as "example.com". */
static const char *const tlds[] = {
    "com", "net", "org", "edu", "gov", "mil", "int", "info", "biz", "io", "co", "me",
    "ly", "tv", "cc", "ai", "app", "dev", "xyz", "online", "site", "news", "blog",
    "live", "gl", "fm",
    "sa", "ae", "eg", "qa", "kw", "bh", "om", "jo", "lb", "sy", "iq", "ye", "ps", "ma",
    "dz", "tn", "sd", "ly", "mr", "so",
    "uk", "us", "de", "fr", "ru", "tr", "ir", "pk", "in", "cn", "it", "es", "nl", "ca",
    "au", "br"};

static int is_tld(const uint32_t *y, size_t len)
{
    for (size_t i = 0; i < sizeof tlds / sizeof tlds[0]; i++)
        if (ci_equal(y, len, tlds[i]))
            return 1;
    return 0;
}

typedef struct labels {
    size_t end;          /* after the last label */
    size_t count;
    size_t last_s, last_e, prev_s, prev_e;
} labels;

/* Dot-separated labels of [A-Za-z0-9-] from q on. */
static void scan_labels(const uint32_t *y, size_t q, size_t e, labels *l)
{
    memset(l, 0, sizeof *l);
    for (;;) {
        size_t s = q;
        while (q < e && (is_alnum(y[q]) || y[q] == '-'))
            q++;
        if (q == s)
            break;
        l->count++;
        l->prev_s = l->last_s;
        l->prev_e = l->last_e;
        l->last_s = s;
        l->last_e = q;
        if (q + 1 < e && y[q] == '.' && is_alnum(y[q + 1])) {
            q++;
            continue;
        }
        break;
    }
    l->end = q;
}

/* What follows an address must not continue it. */
static int address_ends(const clf_normalizer *n, const uint32_t *y, size_t q, size_t e)
{
    return q == e || (y[q] != '@' && !is_wordish(cls(n, y[q])));
}

static size_t match_url(const clf_normalizer *n, const uint32_t *y, size_t p, size_t e)
{
    size_t q;
    if (ci_prefix(y + p, e - p, "https://"))
        q = p + 8;
    else if (ci_prefix(y + p, e - p, "http://"))
        q = p + 7;
    else if (ci_prefix(y + p, e - p, "www.") && p + 4 < e && is_alnum(y[p + 4]))
        q = p + 4;
    else
        return 0;
    size_t end = url_body(n, y, q, e);
    return end > q ? end - p : 0;
}

/*
 * A failed scan from p fails from any later start up to where it stopped
 * (same last label, same end): *no_until remembers that, so that
 * "a.a.a.a..." costs linear time, not quadratic.
 */
static size_t match_domain(const clf_normalizer *n, const uint32_t *y, size_t p, size_t e,
                           size_t *no_until)
{
    if (!is_alnum(y[p]) || p < *no_until)
        return 0;
    labels l;
    scan_labels(y, p, e, &l);
    size_t q = l.end;
    if (l.count >= 2 && is_tld(y + l.last_s, l.last_e - l.last_s)) {
        if (q < e && y[q] == '/')
            return url_body(n, y, q, e) - p;
        /* "U.S" or "a.ma" are not addresses: want a name of 2+ characters */
        if (l.prev_e - l.prev_s >= 2 && address_ends(n, y, q, e))
            return q - p;
    }
    *no_until = q;
    return 0;
}

static size_t match_email(const clf_normalizer *n, const uint32_t *y, size_t p, size_t e,
                          size_t *no_until)
{
    if (p < *no_until)
        return 0;
    size_t q = p;
    while (q < e && (is_alnum(y[q]) || (y[q] < 0x80 && y[q] && strchr("._%+-", (int)y[q]))))
        q++;
    *no_until = q;
    if (q == p || q + 1 >= e || y[q] != '@')
        return 0;
    labels l;
    scan_labels(y, q + 1, e, &l);
    if (l.count < 2 || l.last_e - l.last_s < 2)
        return 0;
    for (size_t i = l.last_s; i < l.last_e; i++)
        if (!is_alpha(y[i]))
            return 0;
    if (!address_ends(n, y, l.end, e))
        return 0;
    *no_until = 0;
    return l.end - p;
}

static size_t match_mention(const uint32_t *y, size_t p, size_t e)
{
    size_t q = p + 1;
    while (q < e && (is_alnum(y[q]) || y[q] == '_'))
        q++;
    return q > p + 1 ? q - p : 0;
}

/* '#' and a run of word characters and '_' with a letter or digit in it. */
static size_t match_tag(const clf_normalizer *n, const uint32_t *y, size_t p, size_t e)
{
    size_t q = p + 1;
    int alnum = 0;
    while (q < e) {
        uint32_t c = y[q];
        if (c != '_') {
            unsigned int k = cls(n, c);
            if (!is_wordish(k))
                break;
            if (k != CLF__K_MARK && k != CLF__K_WORD)
                alnum = 1;
        }
        q++;
    }
    return alnum ? q - p : 0;
}

/* ---- tokens --------------------------------------------------------------- */

static inline int push(clf_normalizer *n, int kind, size_t start, size_t len)
{
    if (n->ntok == n->tokcap) {
        size_t cap = n->tokcap ? n->tokcap * 2 : 256;
        clf__ntok *t = realloc(n->toks, cap * sizeof *t);
        if (!t)
            return clf__error(CLF_E_NOMEM, "out of memory (%zu tokens)", cap);
        n->toks = t;
        n->tokcap = cap;
    }
    clf__ntok *t = &n->toks[n->ntok++];
    t->start = (uint32_t)start;
    t->len = (uint32_t)len;
    t->end = 0;
    t->kind = (uint8_t)kind;
    t->flags = 0;
    return CLF_OK;
}

/* Collapse each run of 3 or more of one letter to that letter, in place;
 * map (if not NULL) is compacted along, the kept letter covering its run. */
/* The first r with t[r] == t[r + 1] == t[r + 2], or len - 2 or more if
 * there is none: four positions per step with SSE2 (most texts have no
 * such run, and this scan was 5 instructions per code point). */
static uint32_t first_run3(const uint32_t *t, uint32_t len)
{
    uint32_t r = 0;
#if defined(__SSE2__)
    for (; r + 6 <= len; r += 4) { /* t[r .. r + 5] */
        const __m128i a = _mm_loadu_si128((const __m128i *)(const void *)(t + r));
        const __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(t + r + 1));
        const __m128i c = _mm_loadu_si128((const __m128i *)(const void *)(t + r + 2));
        const __m128i e = _mm_and_si128(_mm_cmpeq_epi32(a, b), _mm_cmpeq_epi32(a, c));
        const int mask = _mm_movemask_ps(_mm_castsi128_ps(e));
        if (mask)
            return r + (uint32_t)__builtin_ctz((unsigned)mask);
    }
#endif
    while (r + 2 < len && !(t[r] == t[r + 1] && t[r] == t[r + 2]))
        r++;
    return r;
}

static uint32_t elongate(const clf_normalizer *n, uint32_t *t, uint32_t len, clf__omap *map)
{
    uint32_t r = first_run3(t, len);
    if (r + 2 >= len)
        return len; /* no run of 3: the usual case */
    uint32_t w = r;
    while (r < len) {
        uint32_t c = t[r], run = 1;
        while (r + run < len && t[r + run] == c)
            run++;
        uint32_t keep = (run >= 3 && is_letter(cls(n, c))) ? 1 : run;
        for (uint32_t i = 0; i < keep; i++) {
            if (map) {
                map->s.p[w] = map->s.p[r + i];
                map->e.p[w] = map->e.p[keep == run ? r + i : r + run - 1];
            }
            t[w++] = c;
        }
        r += run;
    }
    return w;
}

/* The corpus artefacts "URL" and "LINK" stand for a link. */
static inline int is_link_word(const clf_normalizer *n, const uint32_t *y, size_t len)
{
    return (len == 3 || len == 4) && (n->flags & CLF_NORM_PLACEHOLDERS) &&
           (ci_equal(y, len, "url") || ci_equal(y, len, "link"));
}

static inline void close_word(clf_normalizer *n, const uint32_t *y, long *word)
{
    if (*word < 0)
        return;
    clf__ntok *t = &n->toks[*word];
    if (is_link_word(n, y + t->start, t->len))
        t->kind = T_URL;
    *word = -1;
}

/*
 * lex - tokens of y[0..e). Spaces end every token, so the matchers below
 * may look up to e: none of them crosses a space.
 */
static int lex(clf_normalizer *n, const uint32_t *y, size_t e, size_t *tags)
{
    unsigned int f = n->flags;
    long word = -1;
    size_t p = 0, no_domain = 0, no_email = 0;
    int rc;
    while (p < e) {
        uint32_t c = y[p];
        if (c == ' ') {
            close_word(n, y, &word);
            p++;
            continue;
        }
        unsigned int k = cls(n, c);
        if (word >= 0 && is_wordish(k)) {
            /* inside a word nothing special can start: take the whole run */
            size_t q = p + 1;
            while (q < e && is_wordish(cls(n, y[q])))
                q++;
            n->toks[word].len += (uint32_t)(q - p);
            p = q;
            continue;
        }
        size_t len = 0;
        int kind = T_WORD;
        if ((f & CLF_NORM_PLACEHOLDERS) && c < 0x80 && (c == '<' || c == '@' || is_alnum(c))) {
            if (c == '<') {
                if (ci_prefix(y + p, e - p, "<lf>")) { /* corpus artefact for a line break */
                    close_word(n, y, &word);
                    p += 4;
                    continue;
                }
                if (ci_prefix(y + p, e - p, "<url>"))
                    len = 5, kind = T_URL;
                else if (ci_prefix(y + p, e - p, "<user>"))
                    len = 6, kind = T_USER;
                else if (ci_prefix(y + p, e - p, "<email>"))
                    len = 7, kind = T_EMAIL;
            }
            /* an address starts a token: not in the middle of a word (the
             * output puts a space after every token, so what ended one
             * does not count) */
            if (!len && (word < 0 || !is_wordish(cls(n, y[p - 1])))) {
                if ((len = match_url(n, y, p, e)))
                    kind = T_URL;
                else if ((len = match_email(n, y, p, e, &no_email)))
                    kind = T_EMAIL;
                else if (c == '@' && (len = match_mention(y, p, e)))
                    kind = T_USER;
                else if ((len = match_domain(n, y, p, e, &no_domain)))
                    kind = T_URL;
            }
        }
        if (!len && c == '#' && (f & CLF_NORM_HASHTAGS) && (len = match_tag(n, y, p, e)))
            kind = T_TAG;
        if (len) {
            close_word(n, y, &word);
            if ((rc = push(n, kind, p, len)))
                return rc;
            if (kind == T_TAG)
                ++*tags;
            p += len;
            continue;
        }
        if (k == CLF__K_PUNCT && word >= 0 && (c == '.' || c == ',' || c == 0x066B || c == 0x066C) &&
            cls(n, y[p - 1]) == CLF__K_DIGIT && p + 1 < e && cls(n, y[p + 1]) == CLF__K_DIGIT) {
            /* a decimal point or thousands separator stays in its number: 79.5 */
            n->toks[word].len++;
            p++;
            continue;
        }
        if ((f & CLF_NORM_PUNCT_SPLIT) &&
            (k == CLF__K_PUNCT || k == CLF__K_EMOJI || k == CLF__K_RI)) {
            close_word(n, y, &word);
            len = 1;
            if (k == CLF__K_RI && p + 1 < e && cls(n, y[p + 1]) == CLF__K_RI)
                len = 2; /* a flag */
            while (p + len < e && cls(n, y[p + len]) == CLF__K_MARK)
                len++;
            if ((rc = push(n, T_PUNCT, p, len)))
                return rc;
            p += len;
            continue;
        }
        if (word < 0) {
            if ((rc = push(n, T_WORD, p, 0)))
                return rc;
            word = (long)n->ntok - 1;
        }
        n->toks[word].len++;
        p++;
    }
    close_word(n, y, &word);
    return CLF_OK;
}

/* ---- hashtags and spaced letters ------------------------------------------ */

/* The next '_'-separated part of a hashtag's text from *pos on (0 if none). */
static size_t next_part(const uint32_t *t, size_t len, size_t *pos, size_t *start)
{
    size_t i = *pos;
    while (i < len && t[i] == '_')
        i++;
    size_t s = i;
    while (i < len && t[i] != '_')
        i++;
    *pos = i;
    *start = s;
    return i - s;
}

/*
 * A hashtag is followed by its parts unless the very next tokens already are
 * those parts (then it was normalized before: keep it as it is).
 */
static void hashtags(clf_normalizer *n, const uint32_t *y)
{
    for (size_t t = 0; t < n->ntok; t++) {
        if (n->toks[t].kind != T_TAG)
            continue;
        const uint32_t *text = y + n->toks[t].start + 1;
        size_t tlen = n->toks[t].len - 1, pos = 0, ps, pl, j = t + 1;
        int match = 1;
        while ((pl = next_part(text, tlen, &pos, &ps)) > 0) {
            const clf__ntok *u = j < n->ntok ? &n->toks[j] : NULL;
            int pk = is_link_word(n, text + ps, pl) ? T_URL : T_WORD;
            if (!u || u->kind != pk ||
                (pk == T_WORD && (u->len != pl || memcmp(y + u->start, text + ps, pl * sizeof *y)))) {
                match = 0;
                break;
            }
            j++;
        }
        if (!match) {
            n->toks[t].flags |= TF_EXPAND;
            continue;
        }
        for (size_t i = t + 1; i < j; i++)
            n->toks[i].flags |= TF_PROTECTED;
        t = j - 1;
    }
}

static inline int is_single_letter(const clf_normalizer *n, const uint32_t *y, const clf__ntok *t)
{
    if (t->kind != T_WORD || t->len > 8 || (t->flags & TF_PROTECTED) || cls(n, y[t->start]) != CLF__K_LETTER)
        return 0;
    for (uint32_t i = 1; i < t->len; i++)
        if (cls(n, y[t->start + i]) != CLF__K_MARK)
            return 0;
    return 1;
}

/* Punctuation that evaders put between letters: "ج.ه.ا.د", "ج-ه-ا-د". */
static int is_joiner(const uint32_t *y, const clf__ntok *t)
{
    if (t->kind != T_PUNCT || t->len != 1)
        return 0;
    uint32_t c = y[t->start];
    return c == '.' || c == '-' || c == '_' || c == '*' || c == '|' || c == '/' || c == '+' ||
           c == '~' || c == 0x00B7 || c == 0x2022;
}

/* Runs of 3 or more single-letter tokens, with or without joiners between. */
static void spaced(clf_normalizer *n, const uint32_t *y)
{
    size_t t = 0;
    while (t < n->ntok) {
        if (!is_single_letter(n, y, &n->toks[t])) {
            t++;
            continue;
        }
        size_t last = t, count = 1, j = t + 1;
        for (;;) {
            size_t q = j;
            while (q < n->ntok && is_joiner(y, &n->toks[q]))
                q++;
            if (q >= n->ntok || !is_single_letter(n, y, &n->toks[q]))
                break;
            count++;
            last = q;
            j = q + 1;
        }
        if (count >= 3) {
            n->toks[t].flags |= TF_JOINED;
            n->toks[t].end = (uint32_t)(last + 1);
            for (size_t i = t + 1; i <= last; i++)
                n->toks[i].flags |= TF_SKIP;
        }
        t = last + 1;
    }
}

/* ---- output ------------------------------------------------------------------ */

/*
 * The output of a block is at most OUT_BOUND(m) bytes: 4 per code point,
 * 1 per token separator, and a hashtag's parts repeat its text (4 + 1 per
 * code point again); a placeholder is never longer than what it replaces.
 * clf__norm_lex reserves that much once, so the writers below do not check.
 */
#define OUT_BOUND(m) ((m) * 10 + 16)

static inline char *put_cps(char *o, const uint32_t *c, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (c[i] < 0x80)
            *o++ = (char)c[i];
        else
            o += clf__utf8_encode(c[i], o);
    }
    return o;
}

static char *put_kind(char *o, int kind)
{
    const char *s = kind == T_URL ? "<url>" : kind == T_EMAIL ? "<email>" : "<user>";
    size_t l = strlen(s);
    memcpy(o, s, l);
    return o + l;
}

/* A rejoined run: its letters (the joiners dropped), elongation collapsed. */
static int put_joined(clf_normalizer *n, const uint32_t *y, const clf__ntok *first, char **o)
{
    clf__u32buf *j = &n->join;
    j->len = 0;
    for (size_t i = (size_t)(first - n->toks); i < first->end; i++) {
        const clf__ntok *t = &n->toks[i];
        if (t->kind != T_WORD)
            continue; /* a joiner */
        int rc = clf__u32_reserve(j, j->len + t->len);
        if (rc)
            return rc;
        memcpy(j->p + j->len, y + t->start, t->len * sizeof *y);
        j->len += t->len;
    }
    if (n->flags & CLF_NORM_ELONGATION)
        j->len = elongate(n, j->p, (uint32_t)j->len, NULL);
    *o = is_link_word(n, j->p, j->len) ? put_kind(*o, T_URL) : put_cps(*o, j->p, j->len);
    return CLF_OK;
}

static char *put_token(const clf_normalizer *n, const uint32_t *y, const clf__ntok *t, char *o)
{
    if (t->kind == T_URL || t->kind == T_EMAIL || t->kind == T_USER)
        return put_kind(o, t->kind);
    o = put_cps(o, y + t->start, t->len);
    if (t->kind == T_TAG && (t->flags & TF_EXPAND)) {
        const uint32_t *text = y + t->start + 1;
        size_t pos = 0, ps, pl;
        while ((pl = next_part(text, t->len - 1, &pos, &ps)) > 0) {
            *o++ = ' ';
            o = is_link_word(n, text + ps, pl) ? put_kind(o, T_URL) : put_cps(o, text + ps, pl);
        }
    }
    return o;
}

/* Could any token start a run of spaced letters? */
static int has_single_letters(const clf_normalizer *n, const uint32_t *y)
{
    size_t count = 0;
    for (size_t t = 0; t < n->ntok; t++)
        if (n->toks[t].len <= 8 && is_single_letter(n, y, &n->toks[t]) && ++count == 3)
            return 1;
    return 0;
}

/* ---- the offset map ------------------------------------------------------------ */

static unsigned int token_kind(const clf_normalizer *n, const uint32_t *y, const clf__ntok *t)
{
    if (t->kind == T_URL || t->kind == T_EMAIL || t->kind == T_USER)
        return CLF_TOKEN_PLACEHOLDER;
    if (t->kind == T_TAG)
        return CLF_TOKEN_HASHTAG;
    if (t->kind == T_PUNCT) {
        unsigned int k = cls(n, y[t->start]);
        return k == CLF__K_EMOJI || k == CLF__K_RI ? CLF_TOKEN_EMOJI : CLF_TOKEN_PUNCT;
    }
    return CLF_TOKEN_WORD;
}

/* Record that the output bytes [o0, o1) come from y[a..b] (inclusive). */
static int map_token(clf_normalizer *n, const clf__omap *map, const char *o0, const char *o1,
                     size_t a, size_t b, unsigned int kind)
{
    if (n->ntmap == n->tmapcap) {
        size_t cap = n->tmapcap ? n->tmapcap * 2 : 64;
        clf_norm_token *t = realloc(n->tmap, cap * sizeof *t);
        if (!t)
            return clf__error(CLF_E_NOMEM, "out of memory (%zu token offsets)", cap);
        n->tmap = t;
        n->tmapcap = cap;
    }
    clf_norm_token *t = &n->tmap[n->ntmap++];
    t->norm_offset = (size_t)(o0 - n->out.data);
    t->norm_len = (size_t)(o1 - o0);
    t->offset = n->blk_off + map->s.p[a];
    t->len = n->blk_off + map->e.p[b] - t->offset;
    t->kind = kind;
    return CLF_OK;
}

/* The tokens a hashtag's expansion wrote in [p, end) (p = just past the tag). */
static int map_tag_parts(clf_normalizer *n, const clf__omap *map, const uint32_t *y,
                         const clf__ntok *t, const char *p, const char *end)
{
    const uint32_t *text = y + t->start + 1;
    size_t pos = 0, ps, pl;
    while (p < end && (pl = next_part(text, t->len - 1, &pos, &ps)) > 0) {
        p++; /* the space */
        const char *q = p;
        while (q < end && *q != ' ')
            q++;
        size_t a = t->start + 1 + ps;
        unsigned int kind = is_link_word(n, text + ps, pl) ? CLF_TOKEN_PLACEHOLDER : CLF_TOKEN_WORD;
        int rc = map_token(n, map, p, q, a, a + pl - 1, kind);
        if (rc)
            return rc;
        p = q;
    }
    return CLF_OK;
}

int clf__norm_lex(clf_normalizer *n, uint32_t *y, size_t m, clf__omap *map)
{
    int rc;
    size_t tags = 0;
    if (m > UINT32_MAX)
        return clf__error(CLF_E_INTERNAL, "normalizer block of %zu code points", m);
    n->ntok = 0;
    /* Collapse elongated letters before cutting tokens, not in each token
     * afterwards: the lexer must see the text a second pass would see
     * ("HHHhttp://x" is a URL once the h's are one). A run of one letter
     * never crosses a token boundary, so each token's text is what
     * collapsing that token alone would give. */
    if (n->flags & CLF_NORM_ELONGATION)
        m = elongate(n, y, (uint32_t)m, map);
    if ((rc = lex(n, y, m, &tags)))
        return rc;
    if (tags && (n->flags & CLF_NORM_HASHTAGS))
        hashtags(n, y);
    if ((n->flags & CLF_NORM_SPACED) && has_single_letters(n, y))
        spaced(n, y);
    if ((rc = clf__buf_reserve(&n->out, OUT_BOUND(m))))
        return rc;
    char *o = n->out.data + n->out.len;
    for (size_t t = 0; t < n->ntok; t++) {
        const clf__ntok *tok = &n->toks[t];
        if (tok->flags & TF_SKIP)
            continue;
        if (o != n->out.data)
            *o++ = ' ';
        char *o0 = o;
        if (tok->flags & TF_JOINED) {
            if ((rc = put_joined(n, y, tok, &o)))
                return rc;
            if (map) {
                const clf__ntok *last = &n->toks[tok->end - 1];
                int ph = o - o0 == 5 && !memcmp(o0, "<url>", 5);
                if ((rc = map_token(n, map, o0, o, tok->start, last->start + last->len - 1,
                                    ph ? CLF_TOKEN_PLACEHOLDER : CLF_TOKEN_WORD)))
                    return rc;
            }
        } else if (!map) {
            o = put_token(n, y, tok, o);
        } else {
            /* a hashtag's parts follow it: map the tag alone, then each part */
            o = put_token(n, y, tok, o);
            char *tag_end = o0;
            while (tag_end < o && *tag_end != ' ')
                tag_end++;
            if ((rc = map_token(n, map, o0, tag_end, tok->start, tok->start + tok->len - 1,
                                token_kind(n, y, tok))))
                return rc;
            if (tag_end < o && (rc = map_tag_parts(n, map, y, tok, tag_end, o)))
                return rc;
        }
    }
    n->out.len = (size_t)(o - n->out.data);
    return CLF_OK;
}
