/*
 * out_table.c - `classify score --output table`: one row per document for
 * a person at a terminal (id, flagged categories with probabilities, an
 * excerpt; with --explain the words that made the decision underneath).
 *
 * Arabic text is wrapped in Unicode bidi isolates (FSI ... PDI) so that the
 * bidi algorithm of a terminal or browser cannot carry the numbers and
 * quotes next to it into the Arabic run (`"الله" +1.46` would otherwise show
 * as `1.46+ "الله"`); bidi controls inside the input are dropped from the
 * excerpt so that a text cannot break out of its isolate. Widths count
 * terminal columns: marks and invisible characters take none.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "out.h"
#include "signals.h"

#define FSI "\xE2\x81\xA8" /* U+2068 FIRST STRONG ISOLATE */
#define PDI "\xE2\x81\xA9" /* U+2069 POP DIRECTIONAL ISOLATE */

#define C_RESET "\033[0m"
#define C_BOLD "\033[1m"
#define C_DIM "\033[2m"
#define C_RED "\033[1;31m"
#define C_YELLOW "\033[33m"
#define C_CYAN "\033[36m"

/* Column widths: 24 and 30 on a wide terminal, less on a narrow one. */
#define ID_COLS (t->width >= 100 ? 24 : t->width / 5)
#define FLAG_COLS (t->width >= 100 ? 30 : t->width * 3 / 10)

void clf_cli_table_init(clf_cli_table *t, int color_mode)
{
    memset(t, 0, sizeof *t);
    const char *nc = getenv("NO_COLOR"); /* no-color.org: set and not empty */
    t->color = color_mode == 1 || (color_mode == 0 && isatty(STDOUT_FILENO) && !(nc && *nc));
    t->width = 0;
    struct winsize ws;
    if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        t->width = ws.ws_col;
    const char *cols = getenv("COLUMNS");
    if (!t->width && cols && atoi(cols) > 0)
        t->width = atoi(cols);
    if (!t->width)
        t->width = 80;
    if (t->width < 40)
        t->width = 40;
    t->top_words = 3;
    t->top_spans = 3;
}

/* ---- characters ----------------------------------------------------------- */

/* Decode one UTF-8 character of s[0..n) (input already validated by
 * scoring; a bad byte counts as U+FFFD). Returns its length. */
static size_t next_cp(const unsigned char *s, size_t n, uint32_t *c)
{
    unsigned char b = s[0];
    size_t len = b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
    if (len > n || (len > 1 && (b & 0xC0) != 0xC0)) {
        *c = 0xFFFD;
        return 1;
    }
    uint32_t v = len == 1 ? b : len == 2 ? (b & 0x1Fu) : len == 3 ? (b & 0x0Fu) : (b & 0x07u);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *c = 0xFFFD;
            return 1;
        }
        v = (v << 6) | (s[i] & 0x3Fu);
    }
    *c = v;
    return len;
}

static int is_rtl(uint32_t c)
{
    return (c >= 0x0590 && c <= 0x08FF) || (c >= 0xFB1D && c <= 0xFDFF) ||
           (c >= 0xFE70 && c <= 0xFEFE) || (c >= 0x10800 && c <= 0x10FFF) ||
           (c >= 0x1E800 && c <= 0x1EFFF);
}

/* Bidi controls: dropped from what we print, so input cannot reorder it. */
static int is_bidi_control(uint32_t c)
{
    return c == 0x200E || c == 0x200F || c == 0x061C || (c >= 0x202A && c <= 0x202E) ||
           (c >= 0x2066 && c <= 0x2069);
}

/* Terminal columns of c (a small wcwidth that needs no locale). */
static int cols_of(uint32_t c)
{
    if ((c >= 0x0300 && c <= 0x036F) || (c >= 0x0483 && c <= 0x0489) ||
        (c >= 0x0591 && c <= 0x05C7) || (c >= 0x0610 && c <= 0x061A) ||
        (c >= 0x064B && c <= 0x065F) || c == 0x0670 || (c >= 0x06D6 && c <= 0x06ED) ||
        (c >= 0x0898 && c <= 0x08FF) || (c >= 0x200B && c <= 0x200F) ||
        (c >= 0x2060 && c <= 0x2069) || (c >= 0xFE00 && c <= 0xFE0F) || c == 0xFEFF ||
        (c >= 0xFE20 && c <= 0xFE2F) || (c >= 0x1F3FB && c <= 0x1F3FF))
        return 0;
    if ((c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0xA4CF) ||
        (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) ||
        (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60) ||
        (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x1F300 && c <= 0x1F64F) ||
        (c >= 0x1F900 && c <= 0x1F9FF) || (c >= 0x20000 && c <= 0x3FFFD))
        return 2;
    return 1;
}

/*
 * Write s[0..n) in at most max columns: controls and line breaks become
 * spaces (runs of them one space), bidi controls are dropped, and an
 * ellipsis ends a cut text. Wrapped in FSI/PDI when it holds RTL letters.
 * Returns the columns used.
 */
static int put_text(FILE *out, const char *s, size_t n, int max)
{
    const unsigned char *u = (const unsigned char *)s;
    while (n > 0 && (u[n - 1] == ' ' || u[n - 1] == '\t' || u[n - 1] == '\n' || u[n - 1] == '\r'))
        n--;
    int rtl = 0;
    for (size_t i = 0; i < n && !rtl;) {
        uint32_t c;
        i += next_cp(u + i, n - i, &c);
        rtl = is_rtl(c);
    }
    if (rtl)
        fputs(FSI, out);
    int used = 0, space = 1;
    size_t i = 0;
    while (i < n && (u[i] == ' ' || u[i] == '\t' || u[i] == '\n' || u[i] == '\r'))
        i++;
    while (i < n) {
        uint32_t c;
        size_t l = next_cp(u + i, n - i, &c);
        if (is_bidi_control(c)) {
            i += l;
            continue;
        }
        int sp = c < 0x20 || c == 0x7F || (c >= 0x80 && c < 0xA0) || c == ' ' || c == 0x2028 ||
                 c == 0x2029;
        if (sp && space) {
            i += l;
            continue;
        }
        int w = sp ? 1 : cols_of(c);
        if (used + w > max - 1) {
            /* does the rest fit exactly? else cut here with an ellipsis */
            int rest = 0;
            for (size_t k = i; k < n && rest <= max - used;) {
                uint32_t d;
                k += next_cp(u + k, n - k, &d);
                rest += is_bidi_control(d) ? 0 : cols_of(d);
            }
            if (used + rest > max) {
                fputs("\xE2\x80\xA6", out); /* … */
                used++;
                break;
            }
        }
        if (sp)
            putc(' ', out);
        else
            fwrite(u + i, 1, l, out);
        used += w;
        space = sp;
        i += l;
    }
    if (rtl)
        fputs(PDI, out);
    return used;
}

static void pad(FILE *out, int n)
{
    for (; n > 0; n--)
        putc(' ', out);
}

/* A probability in 4 decimals, or, when that would show 0 or 1 for a value
 * that is neither, its distance from it ("1-2.9e-11"): a queue sorted by
 * what the table shows must not look tied. */
static int fmt_prob(char *buf, size_t size, double p)
{
    if (p > 0 && p < 0.00005)
        return snprintf(buf, size, "%.1e", p);
    if (p < 1 && p >= 0.99995)
        return snprintf(buf, size, "1-%.1e", 1 - p);
    return snprintf(buf, size, "%.4f", p);
}

/* ---- header and rows --------------------------------------------------------- */

/* Every category of the scorer is report-only (a model of analyst signals
 * such as models/arabic-persuasion.clf): the header says so once and the
 * rows do not repeat "(report-only)" after every signal. */
static int all_report_only(const clf_model *m, const clf_scorer *s)
{
    size_t K = clf_model_num_categories(m);
    if (!s || !K)
        return 0;
    for (size_t k = 0; k < K; k++)
        if (clf_scorer_flagging(s, k) != 0)
            return 0;
    return 1;
}

void clf_cli_table_header(FILE *out, const clf_cli_table *t, const clf_model *m,
                          const clf_scorer *s)
{
    if (t->color)
        fputs(C_DIM, out);
    int all_ro = all_report_only(m, s);
    int used = fprintf(out, "model %s  thresholds%s", clf_model_id(m),
                       all_ro ? " (all report-only)" : "");
    for (size_t k = 0; k < clf_model_num_categories(m); k++) {
        char item[160], p[32];
        fmt_prob(p, sizeof p, s ? clf_scorer_threshold(s, k) : clf_model_threshold(m, k));
        int l = snprintf(item, sizeof item, " %s>=%s%s", clf_model_category_name(m, k), p,
                         !all_ro && s && clf_scorer_flagging(s, k) == 0 ? " (report-only)" : "");
        if (used + l > t->width) { /* wrap under "thresholds" */
            used = fprintf(out, "\n%*s", 10, "") - 1;
        }
        used += fprintf(out, "%s", item);
    }
    fputs(t->color ? C_RESET "\n" C_BOLD : "\n", out);
    fprintf(out, "%-*s  %-*s  %s", ID_COLS, "ID", FLAG_COLS, "FLAGGED", "TEXT");
    fputs(t->color ? C_RESET "\n" : "\n", out);
}

/* The flagged column; returns the columns used on its last line and sets
 * *wrapped when it took more than one line. */
static int put_flags(FILE *out, const clf_cli_table *t, const clf_model *m, const clf_cli_row *r,
                     int *wrapped)
{
    int used = 0;
    *wrapped = 0;
    if (r->error) {
        if (t->color)
            fputs(C_RED, out);
        used = fprintf(out, "error") ;
        if (t->color)
            fputs(C_RESET, out);
        return used;
    }
    if (r->abstain) {
        if (t->color)
            fputs(C_YELLOW, out);
        used = fprintf(out, "abstained: %s", clf_abstain_name(r->abstain));
        if (t->color)
            fputs(C_RESET, out);
        return used;
    }
    size_t K = clf_model_num_categories(m), best = 0;
    /* flagged categories, then report-only signals ("- " first when nothing is
     * flagged); an item that would run past the line starts a new one under
     * the column, so that many flags never overflow the terminal */
    int lead = ID_COLS + 2, max = t->width - lead, any = 0;
    const char *ro = all_report_only(m, r->scorer) ? "" : " (report-only)";
    for (int pass = 0; pass < 2; pass++) {
        for (size_t k = 0; k < K; k++) {
            if (pass == 0 && r->res[k].probability > r->res[best].probability)
                best = k;
            if (pass == 0 ? !r->res[k].flagged
                          : !clf_cli_signal(r->scorer, &r->res[k], k, r->abstain))
                continue;
            char p[32], item[160];
            fmt_prob(p, sizeof p, r->res[k].probability);
            int l = snprintf(item, sizeof item, "%s %s%s", clf_model_category_name(m, k), p,
                             pass ? ro : "");
            const char *sep = any ? " " : pass ? "- " : "";
            int sl = (int)strlen(sep);
            if (used && used + sl + l > max) {
                fputc('\n', out);
                pad(out, lead);
                used = 0;
                sep = "";
                *wrapped = 1;
            }
            used += fprintf(out, "%s", sep);
            if (t->color)
                fputs(pass ? C_YELLOW : C_RED, out);
            if (pass)
                fputs(item, out);
            else
                fprintf(out, "%s", clf_model_category_name(m, k));
            if (t->color)
                fputs(C_RESET, out);
            if (!pass)
                fprintf(out, " %s", p);
            used += l;
            any = 1;
        }
    }
    if (!any && K) {
        char p[32];
        fmt_prob(p, sizeof p, r->res[best].probability);
        if (t->color)
            fputs(C_DIM, out);
        used = fprintf(out, "- (top %s %s)", clf_model_category_name(m, best), p);
        if (t->color)
            fputs(C_RESET, out);
    }
    return used;
}

/* "  propaganda:" indented under the row, the label in cyan on a terminal;
 * returns the columns printed */
static int put_cat_label(FILE *out, const clf_cli_table *t, const clf_model *m, size_t k)
{
    int used = fprintf(out, "%*s", ID_COLS + 2, "");
    if (t->color)
        fputs(C_CYAN, out);
    used += fprintf(out, "%s:", clf_model_category_name(m, k));
    if (t->color)
        fputs(C_RESET, out);
    return used;
}

/* "  why extremism: الخلافه +5.64, ..." for one category. */
static void put_why(FILE *out, const clf_cli_table *t, const clf_model *m, const clf_cli_row *r,
                    size_t k)
{
    size_t n;
    const clf_contribution *c = clf_explanation_words(r->ex, k, 1, &n);
    int used = put_cat_label(out, t, m, k);
    if (n == 0)
        used += fprintf(out, " (no word pushes it up)");
    for (size_t i = 0; i < n && i < t->top_words; i++) {
        const char *w = c[i].original ? c[i].original : c[i].text;
        char suffix[64];
        int sl = snprintf(suffix, sizeof suffix, "%s%s%s %+.2f",
                          c[i].kind != CLF_TOKEN_WORD && c[i].kind != CLF_TOKEN_HASHTAG ? " (" : "",
                          c[i].kind != CLF_TOKEN_WORD && c[i].kind != CLF_TOKEN_HASHTAG
                              ? clf_token_kind_name(c[i].kind) : "",
                          c[i].kind != CLF_TOKEN_WORD && c[i].kind != CLF_TOKEN_HASHTAG ? ")" : "",
                          c[i].contribution);
        int room = t->width - used - (i ? 2 : 1) - sl;
        if (room < 6)
            break;
        used += fprintf(out, "%s ", i ? "," : "");
        used += put_text(out, w, strlen(w), room > 24 ? 24 : room);
        used += fprintf(out, "%s", suffix);
    }
    putc('\n', out);
}

/* "  propaganda: suppressed: reads like news (news gate 0.97 over its
 * threshold 0.30, margin lowered by 43.52)" for each gate that lowered
 * category k's score: the gate's probability, its tau, and the penalty
 * a * (p - tau) it subtracted from the category's margin. */
static void put_suppressed(FILE *out, const clf_cli_table *t, const clf_model *m,
                           const clf_cli_row *r, size_t k)
{
    size_t n;
    const clf_suppression *sp = clf_explanation_suppressions(r->ex, k, &n);
    int any = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(sp[i].penalty > 0))
            continue;
        put_cat_label(out, t, m, k);
        fprintf(out,
                " suppressed: reads like %s (%s gate %.2f over its threshold %.2f, margin "
                "lowered by %.2f)\n",
                sp[i].gate, sp[i].gate, sp[i].probability, sp[i].tau, sp[i].penalty);
        any = 1;
    }
    if (!any)
        return;
    /* "  propaganda: 0.94 without the gates, 0.00 with them: kept under its
     * threshold 0.68 (not signalled)" - what the suppression changed */
    const clf_score_result *res = clf_explanation_result(r->ex, k);
    double pu = clf_explanation_ungated_probability(r->ex, k);
    double th = clf_scorer_threshold(r->scorer, k);
    const char *what = clf_scorer_flagging(r->scorer, k) ? "flagged" : "signalled";
    put_cat_label(out, t, m, k);
    if (res->probability < th && pu >= th)
        fprintf(out, " %.2f without the gates, %.2f with them: kept under its threshold %.2f "
                     "(not %s)\n", pu, res->probability, th, what);
    else
        fprintf(out, " %.2f without the gates, %.2f with them (threshold %.2f: %s%s either "
                     "way)\n", pu, res->probability, th, pu >= th ? "" : "not ", what);
}

/* Did category k's short-text shrinkage keep it under its threshold? */
static int shrink_kept_under(const clf_cli_row *r, size_t k)
{
    clf_evidence ev;
    if (clf_explanation_evidence(r->ex, k, &ev) != CLF_OK || ev.kept >= 1.0)
        return 0;
    double th = clf_scorer_threshold(r->scorer, k);
    return clf_explanation_result(r->ex, k)->probability < th && ev.probability_unshrunk >= th;
}

/* "  extremism: short text: 1 Arabic word, 11% of the evidence kept,
 * 0.98 with all of it, 0.12 with 11%, kept under its threshold 0.50 (not
 * flagged)", wrapped to the table's width, for a shown category that kept
 * at most half of its evidence or that the shrinkage kept unflagged: why
 * one strong word is not a flag. */
static void put_evidence(FILE *out, const clf_cli_table *t, const clf_model *m,
                         const clf_cli_row *r, size_t k)
{
    clf_evidence ev;
    if (clf_explanation_evidence(r->ex, k, &ev) != CLF_OK || ev.kept >= 1.0)
        return;
    int under = shrink_kept_under(r, k);
    if (ev.kept > 0.5 && !under)
        return;
    const clf_score_result *res = clf_explanation_result(r->ex, k);
    double th = clf_scorer_threshold(r->scorer, k);
    char part[4][128];
    snprintf(part[0], sizeof part[0], " short text: %zu Arabic word%s", ev.arabic_words,
             ev.arabic_words == 1 ? "" : "s");
    snprintf(part[1], sizeof part[1], " %.0f%% of the evidence kept", 100.0 * ev.kept);
    snprintf(part[2], sizeof part[2], " %.2f with all of it, %.2f with %.0f%%",
             ev.probability_unshrunk, res->probability, 100.0 * ev.kept);
    snprintf(part[3], sizeof part[3], " kept under its threshold %.2f (not %s)", th,
             clf_scorer_flagging(r->scorer, k) ? "flagged" : "signalled");
    int used = put_cat_label(out, t, m, k);
    const int n = under ? 4 : 3;
    for (int p = 0; p < n; p++) {
        /* a part is ", part"; room is kept for the comma after it */
        int l = (int)strlen(part[p]) + (p ? 1 : 0), tail = p + 1 < n;
        if (p && used + l + tail > t->width) {
            fputs(",\n", out);
            used = fprintf(out, "%*s", ID_COLS + 4, "");
            l--;
        } else if (p) {
            putc(',', out);
        }
        fputs(part[p], out);
        used += l;
    }
    putc('\n', out);
}

/* The span's highest probability among the categories that matter: those
 * the document is flagged for, or all when it is flagged for none. */
static double span_key(const clf_span *s, const clf_cli_row *r, size_t K, size_t *cat)
{
    int any = 0;
    for (size_t k = 0; k < K; k++)
        any |= r->res[k].flagged;
    double best = -1;
    for (size_t k = 0; k < K; k++)
        if ((!any || r->res[k].flagged) && s->results[k].probability > best) {
            best = s->results[k].probability;
            *cat = k;
        }
    return best;
}

/* "span 120-340  extremism 0.9812  excerpt" for the top spans, best first. */
static void put_spans(FILE *out, const clf_cli_table *t, const clf_model *m, const clf_cli_row *r)
{
    size_t n = clf_spans_count(r->spans), K = clf_model_num_categories(m);
    size_t show = n < t->top_spans ? n : t->top_spans;
    size_t *top = calloc(show ? show : 1, sizeof *top);
    if (!top)
        return;
    size_t got = 0;
    for (size_t i = 0; i < n; i++) { /* insertion into a short sorted list */
        size_t c;
        double key = span_key(clf_spans_get(r->spans, i), r, K, &c);
        size_t j = got < show ? got++ : show;
        while (j > 0 && span_key(clf_spans_get(r->spans, top[j - 1]), r, K, &c) < key) {
            if (j < show)
                top[j] = top[j - 1];
            j--;
        }
        if (j < show)
            top[j] = i;
    }
    for (size_t i = 0; i < got; i++) {
        const clf_span *s = clf_spans_get(r->spans, top[i]);
        size_t c = 0;
        span_key(s, r, K, &c);
        char p[32];
        fmt_prob(p, sizeof p, s->results[c].probability);
        int used = fprintf(out, "%*s", ID_COLS + 2, "");
        if (t->color)
            fputs(C_DIM, out);
        used += fprintf(out, "span %zu-%zu", s->begin, s->end);
        if (t->color)
            fputs(C_RESET, out);
        used += fprintf(out, "  ");
        if (t->color && s->results[c].flagged)
            fputs(C_RED, out);
        used += fprintf(out, "%s %s", clf_model_category_name(m, c), p);
        if (t->color && s->results[c].flagged)
            fputs(C_RESET, out);
        used += fprintf(out, "  ");
        int room = t->width - used;
        if (room > 8)
            put_text(out, r->text + s->begin, s->end - s->begin, room);
        putc('\n', out);
    }
    free(top);
}

void clf_cli_table_row(FILE *out, const clf_cli_table *t, const clf_model *m,
                       const clf_cli_row *r)
{
    int used = put_text(out, r->id ? r->id : "", r->id ? strlen(r->id) : 0, ID_COLS);
    pad(out, ID_COLS - used + 2);
    int wrapped;
    used = put_flags(out, t, m, r, &wrapped);
    int room = t->width - ID_COLS - 2 - (used > FLAG_COLS ? used : FLAG_COLS) - 2;
    if (room < 10 || wrapped) {
        /* the flags filled the line or took several (many signals): the
         * excerpt goes on a line of its own, not after the last of them */
        fputc('\n', out);
        pad(out, ID_COLS + 2);
        room = t->width - ID_COLS - 2;
        if (room < 10)
            room = 10;
    } else {
        pad(out, used < FLAG_COLS ? FLAG_COLS - used + 2 : 2);
    }
    if (r->error) {
        put_text(out, r->error, strlen(r->error), room);
    } else {
        int w = put_text(out, r->text ? r->text : "", r->text ? r->len : 0, room);
        if (r->truncated && w + 12 <= room)
            fputs(t->color ? C_DIM " [truncated]" C_RESET : " [truncated]", out);
    }
    putc('\n', out);
    if (r->error || r->abstain)
        return;
    for (size_t k = 0; r->ex && k < clf_model_num_categories(m); k++) {
        if (t->explain_all || r->res[k].flagged ||
            clf_cli_signal(r->scorer, &r->res[k], k, r->abstain) || shrink_kept_under(r, k)) {
            put_why(out, t, m, r, k);
            put_evidence(out, t, m, r, k);
        }
        put_suppressed(out, t, m, r, k);
    }
    if (r->spans)
        put_spans(out, t, m, r);
}
