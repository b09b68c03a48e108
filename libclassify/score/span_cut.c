/*
 * span_cut.c - where the sentences or paragraphs of a text begin and end:
 * the cut of clf_score_spans(), and of training's corpus "split" (a
 * corpus's training documents cut into sentences at load time), so that a
 * model trained on sentences saw the spans the scorer reports.
 *
 * The cut is rule-based rather than ICU's UAX #29 sentence iterator: those
 * rules lean on Latin capitalization, which Arabic does not have, and would
 * need a UTF-16 copy of every text and an offset map back; here a sentence
 * ends after . ! ? and their Arabic forms (؟ ۔) followed by a space, or at a
 * line break, which is how posts and comments are written.
 */
#include <stdlib.h>

#include "classify/score.h"
#include "internal.h"
#include "span_cut.h"

static int is_space(uint32_t c)
{
    return c == ' ' || (c >= '\t' && c <= '\r') || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200B) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
           c == 0x205F || c == 0x3000 || c == 0xFEFF || c == 0;
}

static int is_terminator(uint32_t c)
{
    /* . ! ? … ؟ (Arabic question mark) ۔ (Urdu full stop) ‼ ⁇ ⁈ ⁉ */
    return c == '.' || c == '!' || c == '?' || c == 0x2026 || c == 0x061F || c == 0x06D4 ||
           c == 0x203C || (c >= 0x2047 && c <= 0x2049);
}

static int is_closer(uint32_t c)
{
    /* quotes and brackets that close a sentence: ." ») ” ’ */
    return c == '"' || c == '\'' || c == ')' || c == ']' || c == 0xBB || c == 0x201D ||
           c == 0x2019 || c == 0xFD3E || c == 0xFD3F;
}

static int is_line_break(uint32_t c)
{
    return c == '\n' || c == '\r' || c == 0x2028 || c == 0x2029 || c == 0x85;
}

/* Append [b, e) trimmed of white space; empty spans are dropped. */
static int push(clf__cuts *c, const unsigned char *t, size_t b, size_t e)
{
    uint32_t cp = 0;
    while (b < e) {
        int k = clf__utf8_decode(t + b, e - b, &cp);
        if (!is_space(cp))
            break;
        b += (size_t)k;
    }
    while (e > b) {
        size_t p = e - 1;
        while (p > b && (t[p] & 0xC0) == 0x80)
            p--;
        clf__utf8_decode(t + p, e - p, &cp);
        if (!is_space(cp))
            break;
        e = p;
    }
    if (b == e)
        return CLF_OK;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        clf__cut *v = realloc(c->v, cap * sizeof *v);
        if (!v)
            return clf__error(CLF_E_NOMEM, "out of memory");
        c->v = v;
        c->cap = cap;
    }
    c->v[c->n].begin = b;
    c->v[c->n].end = e;
    c->n++;
    return CLF_OK;
}

/*
 * Find the span boundaries. A boundary is a position where the current span
 * ends; the white space around it is trimmed by push().
 */
int clf__span_cuts(clf__cuts *c, const unsigned char *t, size_t len, int unit, size_t max_spans)
{
    size_t start = 0, i = 0;
    while (i < len) {
        if (max_spans && c->n + 1 >= max_spans)
            break; /* the rest of the text is the last span */
        uint32_t cp = 0;
        int k = clf__utf8_decode(t + i, len - i, &cp);
        size_t next = i + (size_t)k;
        size_t cut_at = 0; /* 0: no boundary here */
        if (is_line_break(cp)) {
            if (unit == CLF_SPAN_SENTENCES) {
                cut_at = next;
            } else if (cp == 0x2029) {
                cut_at = next;
            } else {
                /* a paragraph ends at a line holding only white space */
                size_t j = next;
                if (cp == '\r' && j < len && t[j] == '\n')
                    j++;
                size_t q = j;
                while (q < len) {
                    uint32_t c2 = 0;
                    int k2 = clf__utf8_decode(t + q, len - q, &c2);
                    if (is_line_break(c2)) {
                        cut_at = q;
                        break;
                    }
                    if (!is_space(c2))
                        break;
                    q += (size_t)k2;
                }
                next = j;
            }
        } else if (unit == CLF_SPAN_SENTENCES && is_terminator(cp)) {
            /* a run of terminators and closing quotes, then a space or the end */
            size_t j = next;
            while (j < len) {
                uint32_t c2 = 0;
                int k2 = clf__utf8_decode(t + j, len - j, &c2);
                if (!is_terminator(c2) && !is_closer(c2))
                    break;
                j += (size_t)k2;
            }
            uint32_t c3 = ' ';
            if (j < len)
                clf__utf8_decode(t + j, len - j, &c3);
            if (j == len || is_space(c3))
                cut_at = j;
            next = j; /* "3.5" and "a...b" stay inside their sentence */
        }
        if (cut_at) {
            int rc = push(c, t, start, cut_at);
            if (rc != CLF_OK)
                return rc;
            start = cut_at;
            if (next < cut_at)
                next = cut_at;
        }
        i = next;
    }
    return push(c, t, start, len);
}
