/*
 * corpus.c - the record reader of corpus.h: bounded-memory line reading and
 * the text, TSV, fastText, JSON Lines and whole-document formats
 * (docs/input-formats.md).
 *
 * Input is read in blocks with read(2) on the file descriptor (one call
 * returns what a pipe holds, so a streaming filter is not held back) and
 * lines are found with memchr; stdio's fread only for a FILE without a
 * descriptor (fmemopen). Format detection looks into the block without
 * consuming it, so the records come from the same bytes: nothing is read
 * twice, and pipes and FIFOs work. At most line_max bytes of a line (+1 to
 * see a CR) are kept; fields are split in place in the line buffer, so a
 * record points into it.
 */
#include "corpus.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#if defined(__SSE2__)
#  include <emmintrin.h>
#endif

#include "classify/normalize.h"
#include "internal.h"

/* Same default as the normalizer, so a record read is a record normalized whole. */
#define READER_DEFAULT_MAX ((size_t)CLF_NORM_DEFAULT_MAX_BYTES)
#define TSV_HEADER "id\tlabels\ttext"
#define FT_PREFIX "__label__"
#define FT_PREFIX_LEN (sizeof FT_PREFIX - 1)

struct clf_reader {
    FILE *f;                 /* read through fd, or with fread when it has none */
    int fd;
    int owns_file;
    int failed;              /* sticky negative code once reading failed */
    int eof;
    char *name;              /* as given at open */
    const char *display;     /* name used in messages ("<stdin>" for "-") */
    clf_format fmt;
    size_t max;              /* max_record_bytes: the limit on a record's text */
    size_t line_max;         /* the limit on a line kept in memory (format syntax included) */
    char *text_field, *id_field, *labels_field;

    /* Input block: bytes [bpos, bend) are read but not yet used. */
    unsigned char *buf;
    size_t bpos, bend, bcap;

    /* The current line: line_len content bytes (CR stripped), NUL-terminated. */
    char *line;
    size_t line_len, line_cap;   /* line_cap usable bytes; allocated line_cap + 1 */
    int line_trunc;
    size_t line_no;
    int doc_done;            /* doc format: the one record was returned */

    int seen_content;        /* a non-blank line was returned (TSV header check) */
    size_t skipped_blank;

    const char **labels;
    size_t n_labels, labels_cap;
    char id_buf[32];
    char *msg;
    size_t msg_cap;
    json_t *json;            /* the object lent to the last record */
};

static const char *const no_labels[1] = { NULL };

int clf_format_parse(const char *name)
{
    static const char *const names[] = { "auto", "text", "tsv", "fasttext", "jsonl", "doc" };
    if (!name)
        return -1;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i]) == 0)
            return (int)i;
    return -1;
}

const char *clf_format_name(clf_format f)
{
    switch (f) {
    case CLF_FORMAT_AUTO: return "auto";
    case CLF_FORMAT_TEXT: return "text";
    case CLF_FORMAT_TSV: return "tsv";
    case CLF_FORMAT_FASTTEXT: return "fasttext";
    case CLF_FORMAT_JSONL: return "jsonl";
    case CLF_FORMAT_DOC: return "doc";
    }
    return "unknown";
}

/* ---- helpers ------------------------------------------------------------ */

/* Bytes that start a one- or two-byte sequence: their length; 0 for the rest
 * (continuations, C0/C1 overlong leads, three- and four-byte leads). */
static const unsigned char short_len[256] = {
#define R16(v) v, v, v, v, v, v, v, v, v, v, v, v, v, v, v, v
    R16(1), R16(1), R16(1), R16(1), R16(1), R16(1), R16(1), R16(1),
    R16(0), R16(0), R16(0), R16(0),
    0, 0, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, R16(2),
    R16(0), R16(0),
#undef R16
};

/* utf8_check - offset of the first byte that is not well-formed UTF-8, or SIZE_MAX. */
static size_t utf8_check(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
#if defined(__SSE2__)
    /* 16 bytes at a time while they are ASCII and two-byte sequences
     * (Arabic text is): as signed bytes, continuations 0x80..0xBF are
     * < -64 and two-byte leads 0xC2..0xDF are -62..-33; the block is good
     * when nothing else has the high bit and the continuations are exactly
     * the bytes after the leads (a lead ending a block carries into the
     * next). Anything else stops at a character boundary and the loops
     * below take over from there; about 1 instruction a byte instead of ~6,
     * and the reader runs under classify score's reader lock. */
    {
        const __m128i c64 = _mm_set1_epi8(-64), c63 = _mm_set1_epi8(-63),
                      c32 = _mm_set1_epi8(-32);
        unsigned carry = 0;
        while (i + 16 <= n) {
            const __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
            const unsigned cont = (unsigned)_mm_movemask_epi8(_mm_cmplt_epi8(x, c64));
            const unsigned lead = (unsigned)_mm_movemask_epi8(
                _mm_and_si128(_mm_cmpgt_epi8(x, c63), _mm_cmplt_epi8(x, c32)));
            const unsigned high = (unsigned)_mm_movemask_epi8(x);
            if ((high & ~(cont | lead)) || (((lead << 1) | carry) & 0xFFFFu) != cont)
                break;
            carry = lead >> 15;
            i += 16;
        }
        i -= carry; /* back to the lead whose continuation is in the next block */
    }
#endif
    const size_t start = i;
    /* ASCII and two-byte sequences (Arabic) without a branch on which one
     * comes next (they alternate at every space): a bad continuation is
     * only noted, and the exact loop below finds where it is */
    unsigned bad = 0;
    while (i + 1 < n) {
        const unsigned l = short_len[p[i]];
        if (CLF_UNLIKELY(l == 0))
            break; /* three or four bytes, or invalid: the exact loop */
        bad |= (l >> 1) & ((p[i + 1] & 0xC0u) != 0x80u);
        i += l;
    }
    if (bad)
        i = start;
    while (i < n) {
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        uint32_t cp;
        int k = clf__utf8_decode(p + i, n - i, &cp);
        if (k == 0)
            return i;
        i += (size_t)k;
    }
    return SIZE_MAX;
}

/* utf8_cut - largest length <= n that does not end inside a UTF-8 sequence. */
static size_t utf8_cut(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = n;
    int back = 0;
    while (i > 0 && back < 3 && (p[i - 1] & 0xC0) == 0x80) {
        i--;
        back++;
    }
    if (i == 0)
        return n;
    unsigned char lead = p[i - 1];
    size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    return n - (i - 1) < need ? i - 1 : n;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r';
}

static int line_blank(const clf_reader *r)
{
    return r->line_len == 0 && !r->line_trunc;
}

static int grow_line(clf_reader *r, size_t limit)
{
    size_t cap = r->line_cap < 4096 ? 4096 : r->line_cap * 2;
    if (cap > limit || cap < r->line_cap)
        cap = limit;
    char *p = realloc(r->line, cap + 1);
    if (!p)
        return clf__error(CLF_E_NOMEM, "%s: out of memory for a %zu-byte line buffer",
                          r->display, cap + 1);
    r->line = p;
    r->line_cap = cap;
    return CLF_OK;
}

static int read_failed(clf_reader *r, int err)
{
    return r->failed = clf__error(CLF_E_IO, "%s: read error after line %zu: %s", r->display,
                                  r->line_no, strerror(err));
}

/*
 * fill - read more input after bend (compacting first when the block is
 * full). One read(2): on a pipe it returns what has arrived, so a record is
 * handled as soon as its line is complete. Returns bytes read, 0 at end of
 * input, or a negative code (sticky).
 */
static ssize_t fill(clf_reader *r)
{
    if (r->failed)
        return r->failed;
    if (r->eof)
        return 0;
    if (r->bpos == r->bend)
        r->bpos = r->bend = 0;
    if (r->bend == r->bcap && r->bpos > 0) {
        memmove(r->buf, r->buf + r->bpos, r->bend - r->bpos);
        r->bend -= r->bpos;
        r->bpos = 0;
    }
    if (r->bend == r->bcap)
        return 0; /* full: callers never ask for more than one block */
    size_t want = r->bcap - r->bend;
    ssize_t got;
    if (r->fd >= 0) {
        do
            got = read(r->fd, r->buf + r->bend, want);
        while (got < 0 && errno == EINTR);
        if (got < 0)
            return read_failed(r, errno);
    } else {
        got = (ssize_t)fread(r->buf + r->bend, 1, want, r->f);
        if (got == 0 && ferror(r->f))
            return read_failed(r, errno ? errno : EIO);
    }
    if (got == 0)
        r->eof = 1;
    r->bend += (size_t)got;
    return got;
}

/* peek - make at least n bytes (or all that is left) available from bpos. */
static int peek(clf_reader *r, size_t n)
{
    while (r->bend - r->bpos < n && !r->eof) {
        if (r->bcap - r->bpos < n) {  /* grow so that n bytes fit from bpos */
            size_t cap = r->bcap;
            while (cap - r->bpos < n)
                cap *= 2;
            unsigned char *p = realloc(r->buf, cap);
            if (!p)
                return r->failed = clf__error(CLF_E_NOMEM, "%s: out of memory", r->display);
            r->buf = p;
            r->bcap = cap;
        }
        ssize_t got = fill(r);
        if (got < 0)
            return (int)got;
    }
    return CLF_OK;
}

/*
 * take - the input from bpos up to the next '\n' (to_nl), or all the rest
 * (!to_nl), into r->line: at most keep_limit bytes are kept, the rest is
 * skipped without being held. *raw counts the bytes taken (without the
 * '\n'), *kept those kept, *last is the last of them (EOF: none). Returns 1
 * when a '\n' ended it, 0 at the end of input, or a negative code (sticky).
 */
static int take(clf_reader *r, size_t keep_limit, int to_nl, size_t *kept, size_t *raw, int *last)
{
    int rc;
    *kept = *raw = 0;
    *last = EOF;
    if (r->failed)
        return r->failed;
    if (!r->line && (rc = grow_line(r, keep_limit)) != CLF_OK)
        return r->failed = rc;
    for (;;) {
        if (r->bpos == r->bend) {
            ssize_t got = fill(r);
            if (got < 0)
                return (int)got;
            if (got == 0)
                return 0;
        }
        const unsigned char *p = r->buf + r->bpos;
        size_t avail = r->bend - r->bpos;
        const unsigned char *nl = to_nl ? memchr(p, '\n', avail) : NULL;
        size_t n = nl ? (size_t)(nl - p) : avail;
        size_t copy = n < keep_limit - *kept ? n : keep_limit - *kept;
        while (*kept + copy > r->line_cap)
            if ((rc = grow_line(r, keep_limit)) != CLF_OK)
                return r->failed = rc;
        memcpy(r->line + *kept, p, copy);
        *kept += copy;
        *raw += n;
        if (n)
            *last = p[n - 1];
        r->bpos += n + (nl != NULL);
        if (nl)
            return 1;
    }
}

/*
 * read_line - the next physical line into r->line: at most line_max bytes
 * (+1 to see a CR) are kept, the rest is skipped without being held.
 * Returns 1, 0 at end of input, or a negative code (sticky).
 */
static int read_line(clf_reader *r)
{
    size_t kept, raw;
    int last;
    int got_nl = take(r, r->line_max + 1, 1, &kept, &raw, &last); /* +1: to see a CR */
    if (got_nl < 0)
        return got_nl;
    if (!got_nl && raw == 0)
        return 0;

    r->line_no++;
    size_t content = raw - (last == '\r');
    if (content <= r->line_max) {
        r->line_len = content;
        r->line_trunc = 0;
    } else {
        r->line_len = utf8_cut(r->line, r->line_max);
        r->line_trunc = 1;
    }
    r->line[r->line_len] = '\0';
    return 1;
}

/*
 * read_doc - the whole rest of the input as one line (doc format): the
 * first max bytes are kept, cut at a character boundary.
 */
static int read_doc(clf_reader *r)
{
    size_t kept, raw;
    int last;
    int rc = take(r, r->max + 1, 0, &kept, &raw, &last); /* +1: to know there is more */
    if (rc < 0)
        return rc;
    r->line_no = 1;
    r->line_trunc = kept > r->max;
    r->line_len = r->line_trunc ? utf8_cut(r->line, r->max) : kept;
    r->line[r->line_len] = '\0';
    return 1;
}

/* detect - the format of the first non-empty line s[0..n). */
static clf_format detect(const char *s, size_t n, clf_format fallback)
{
    if (n > 0 && s[0] == '{')
        return CLF_FORMAT_JSONL;
    if (n >= FT_PREFIX_LEN && memcmp(s, FT_PREFIX, FT_PREFIX_LEN) == 0)
        return CLF_FORMAT_FASTTEXT;
    size_t tabs = 0;
    for (const char *p = s; (p = memchr(p, '\t', n - (size_t)(p - s))) != NULL; p++)
        tabs++;
    return tabs == 2 ? CLF_FORMAT_TSV : fallback;
}

/* ---- records ------------------------------------------------------------ */

/* The line number in decimal, as "%zu" gives it: snprintf took ~700
 * instructions per record, most of what `classify score` does under its
 * reader's lock besides copying the text. */
static void set_line_id(clf_reader *r, clf_record *rec)
{
    char tmp[24];
    size_t v = rec->line, n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        r->id_buf[i] = tmp[n - 1 - i];
    r->id_buf[n] = '\0';
    rec->id = r->id_buf;
}

static void reset_record(clf_record *rec)
{
    memset(rec, 0, sizeof *rec);
    rec->id = "";
    rec->text = "";
    rec->labels = no_labels;
    rec->error_msg = "";
}

static void fail(clf_reader *r, clf_record *rec, int code, const char *fmt, ...)
    CLF_PRINTF(4, 5);

/* fail - turn rec into an error record: "name:line: problem". Keeps the id. */
static void fail(clf_reader *r, clf_record *rec, int code, const char *fmt, ...)
{
    int n = snprintf(r->msg, r->msg_cap, "%s:%zu: ", r->display, rec->line);
    size_t used = n < 0 ? 0 : (size_t)n < r->msg_cap ? (size_t)n : r->msg_cap - 1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->msg + used, r->msg_cap - used, fmt, ap);
    va_end(ap);
    if (r->line_trunc) {
        used = strlen(r->msg);
        snprintf(r->msg + used, r->msg_cap - used,
                 " (the line is longer than the %zu bytes kept and was truncated)", r->line_max);
    }
    rec->error = code;
    rec->error_msg = r->msg;
    rec->text = "";
    rec->text_len = 0;
    rec->n_labels = 0;
    rec->labels = no_labels;
}

static int push_label(clf_reader *r, const char *name)
{
    if (r->n_labels + 1 >= r->labels_cap) {
        size_t cap = r->labels_cap ? r->labels_cap * 2 : 8;
        const char **p = realloc(r->labels, cap * sizeof *p);
        if (!p)
            return clf__error(CLF_E_NOMEM, "%s:%zu: out of memory for labels",
                              r->display, r->line_no);
        r->labels = p;
        r->labels_cap = cap;
    }
    r->labels[r->n_labels++] = name;
    r->labels[r->n_labels] = NULL;
    return CLF_OK;
}

static void use_labels(clf_reader *r, clf_record *rec)
{
    rec->n_labels = r->n_labels;
    rec->labels = r->n_labels ? (const char *const *)r->labels : no_labels;
}

/* check_utf8 - fail rec with CLF_E_UTF8 if s (at byte base of the line) is malformed. */
static int check_utf8(clf_reader *r, clf_record *rec, const char *s, size_t n,
                      size_t base, const char *what)
{
    size_t bad = utf8_check(s, n);
    if (bad == SIZE_MAX)
        return 1;
    fail(r, rec, CLF_E_UTF8, "invalid UTF-8 in the %s at byte offset %zu of the line",
         what, base + bad);
    return 0;
}

static void parse_text(clf_reader *r, clf_record *rec)
{
    if (!check_utf8(r, rec, r->line, r->line_len, 0, "text"))
        return;
    rec->text = r->line;
    rec->text_len = r->line_len;
}

static int parse_tsv(clf_reader *r, clf_record *rec)
{
    char *s = r->line, *end = r->line + r->line_len;
    char *t1 = memchr(s, '\t', r->line_len);
    char *t2 = t1 ? memchr(t1 + 1, '\t', (size_t)(end - t1 - 1)) : NULL;
    if (!t2 || memchr(t2 + 1, '\t', (size_t)(end - t2 - 1))) {
        size_t fields = 1;
        for (char *p = s; (p = memchr(p, '\t', (size_t)(end - p))) != NULL; p++)
            fields++;
        fail(r, rec, CLF_E_PARSE,
             "expected 3 tab-separated fields (id, labels, text), found %zu%s", fields,
             fields > 3 ? " (a text must not contain tabs)" : "");
        return CLF_OK;
    }

    size_t id_len = (size_t)(t1 - s);
    if (!check_utf8(r, rec, s, id_len, 0, "id"))
        return CLF_OK;
    if (memchr(s, '\0', id_len)) {
        fail(r, rec, CLF_E_PARSE, "NUL byte in the id");
        return CLF_OK;
    }
    *t1 = '\0';
    if (id_len > 0)  /* an empty id falls back to the line number */
        rec->id = s;

    char *ls = t1 + 1;
    size_t labels_len = (size_t)(t2 - ls);
    if (!check_utf8(r, rec, ls, labels_len, (size_t)(ls - s), "labels"))
        return CLF_OK;
    if (memchr(ls, '\0', labels_len)) {
        fail(r, rec, CLF_E_PARSE, "NUL byte in the labels");
        return CLF_OK;
    }
    *t2 = '\0';
    char *p = ls;
    while (p < t2 && is_space(*p))
        p++;
    if (p < t2) {  /* an empty or all-space field means no labels */
        for (size_t k = 1;; k++) {
            char *comma = memchr(p, ',', (size_t)(t2 - p));
            char *q = comma ? comma : t2;
            char *b = p, *e = q;
            while (b < e && is_space(*b))
                b++;
            while (e > b && is_space(e[-1]))
                e--;
            if (b == e) {
                fail(r, rec, CLF_E_PARSE, "label %zu in the labels field is empty", k);
                return CLF_OK;
            }
            *e = '\0';
            int rc = push_label(r, b);
            if (rc != CLF_OK)
                return rc;
            if (!comma)
                break;
            p = comma + 1;
        }
    }

    char *text = t2 + 1;
    size_t text_len = (size_t)(end - text);
    if (!check_utf8(r, rec, text, text_len, (size_t)(text - s), "text"))
        return CLF_OK;
    rec->text = text;
    rec->text_len = text_len;
    use_labels(r, rec);
    return CLF_OK;
}

static int parse_fasttext(clf_reader *r, clf_record *rec)
{
    char *s = r->line;
    size_t n = r->line_len, i = 0;
    if (!check_utf8(r, rec, s, n, 0, "line"))
        return CLF_OK;
    for (;;) {
        size_t j = i;
        while (j < n && is_space(s[j]))
            j++;
        if (n - j < FT_PREFIX_LEN || memcmp(s + j, FT_PREFIX, FT_PREFIX_LEN) != 0)
            break;
        size_t start = j + FT_PREFIX_LEN, stop = start;
        while (stop < n && !is_space(s[stop]))
            stop++;
        if (stop == start) {
            fail(r, rec, CLF_E_PARSE, "empty label name (\"%s\" alone) at byte offset %zu",
                 FT_PREFIX, j);
            return CLF_OK;
        }
        if (memchr(s + start, '\0', stop - start)) {
            fail(r, rec, CLF_E_PARSE, "NUL byte in a label at byte offset %zu", start);
            return CLF_OK;
        }
        /* The separator after a label is overwritten: the text starts later. */
        s[stop] = '\0';
        int rc = push_label(r, s + start);
        if (rc != CLF_OK)
            return rc;
        i = stop < n ? stop + 1 : stop;
    }
    /* Whitespace between the labels and the text is a separator, not text. */
    if (r->n_labels > 0)
        while (i < n && is_space(s[i]))
            i++;
    rec->text = s + i;
    rec->text_len = n - i;
    use_labels(r, rec);
    return CLF_OK;
}

static const char *json_type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a real number";
    case JSON_TRUE: return "true";
    case JSON_FALSE: return "false";
    case JSON_NULL: return "null";
    }
    return "unknown";
}

static int parse_jsonl(clf_reader *r, clf_record *rec)
{
    /* Checked here so that bad bytes are CLF_E_UTF8 in every format. */
    if (!check_utf8(r, rec, r->line, r->line_len, 0, "line"))
        return CLF_OK;
    json_error_t jerr;
    /* JSON_ALLOW_NUL: "\u0000" in a text is kept, as a NUL byte is in TSV and
     * text; text_len is authoritative. EOF check on: one object per line. */
    json_t *root = json_loadb(r->line, r->line_len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL,
                              &jerr);
    if (!root) {
        fail(r, rec, CLF_E_PARSE, "invalid JSON at column %d (byte offset %d): %s",
             jerr.column, jerr.position, jerr.text);
        return CLF_OK;
    }
    if (!json_is_object(root)) {
        fail(r, rec, CLF_E_PARSE, "expected a JSON object, found %s", json_type_name(root));
        json_decref(root);
        return CLF_OK;
    }
    r->json = root;
    rec->json = root;

    json_t *v = json_object_get(root, r->id_field);
    if (json_is_string(v) && json_string_length(v) > 0) {
        if (strlen(json_string_value(v)) != json_string_length(v)) {
            fail(r, rec, CLF_E_PARSE, "NUL character in the id field \"%s\"", r->id_field);
            return CLF_OK;
        }
        rec->id = json_string_value(v);
    } else if (json_is_integer(v)) {
        snprintf(r->id_buf, sizeof r->id_buf, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        rec->id = r->id_buf;
    }  /* else: the line number, already set */

    v = json_object_get(root, r->labels_field);
    if (v && !json_is_null(v)) {
        if (!json_is_array(v)) {
            fail(r, rec, CLF_E_PARSE, "labels field \"%s\" is %s, not an array of strings",
                 r->labels_field, json_type_name(v));
            return CLF_OK;
        }
        rec->has_labels = 1;
        for (size_t k = 0; k < json_array_size(v); k++) {
            json_t *e = json_array_get(v, k);
            if (!json_is_string(e)) {
                fail(r, rec, CLF_E_PARSE, "labels field \"%s\": element %zu is %s, not a string",
                     r->labels_field, k, json_type_name(e));
                return CLF_OK;
            }
            size_t len = json_string_length(e);
            if (len == 0 || strlen(json_string_value(e)) != len) {
                fail(r, rec, CLF_E_PARSE, "labels field \"%s\": element %zu is %s",
                     r->labels_field, k, len == 0 ? "empty" : "a string with a NUL character");
                return CLF_OK;
            }
            int rc = push_label(r, json_string_value(e));
            if (rc != CLF_OK)
                return rc;
        }
    }

    v = json_object_get(root, r->text_field);
    if (!v) {
        fail(r, rec, CLF_E_PARSE, "missing text field \"%s\"", r->text_field);
        return CLF_OK;
    }
    if (!json_is_string(v)) {
        fail(r, rec, CLF_E_PARSE, "text is not a string: field \"%s\" is %s", r->text_field,
             json_type_name(v));
        return CLF_OK;
    }
    rec->text = json_string_value(v);
    rec->text_len = json_string_length(v);
    use_labels(r, rec);
    return CLF_OK;
}

/*
 * set_line_max - how much of a line is kept: the text limit plus room for
 * the format's syntax (ids, labels; JSON escapes take up to 6 bytes per
 * text byte), so that a text is cut by the one rule of cut_text and not by
 * where its line happened to end.
 */
static void set_line_max(clf_reader *r)
{
    const size_t slack = (size_t)64 << 10;
    switch (r->fmt) {
    case CLF_FORMAT_TSV:
    case CLF_FORMAT_FASTTEXT:
        r->line_max = r->max + slack;
        break;
    case CLF_FORMAT_JSONL:
        r->line_max = r->max * 6 + slack;
        break;
    default:
        r->line_max = r->max;
        break;
    }
}

/* cut_text - the one truncation rule: a text keeps its first max bytes,
 * cut back to a character boundary. */
static void cut_text(clf_reader *r, clf_record *rec)
{
    if (rec->error != CLF_OK || rec->text_len <= r->max)
        return;
    size_t n = utf8_cut(rec->text, r->max);
    if (r->json) {
        /* a jansson string is not ours to cut: replace it (rare, so the copy is fine) */
        json_t *cut = json_stringn_nocheck(rec->text, n);
        if (!cut || json_object_set_new(r->json, r->text_field, cut) != 0) {
            rec->error = CLF_E_NOMEM;
            rec->error_msg = "out of memory";
            rec->text = "";
            rec->text_len = 0;
            return;
        }
        rec->text = json_string_value(cut);
    } else {
        ((char *)rec->text)[n] = '\0';  /* points into the line buffer */
    }
    rec->text_len = n;
    rec->truncated = 1;
}

int clf_reader_next(clf_reader *r, clf_record *rec)
{
    if (!r || !rec)
        return clf__error(CLF_E_INVALID_ARG, "clf_reader_next: NULL %s", r ? "record" : "reader");
    reset_record(rec);
    if (r->json) {
        json_decref(r->json);
        r->json = NULL;
    }
    r->n_labels = 0;

    if (r->fmt == CLF_FORMAT_DOC) {
        if (r->doc_done)
            return r->failed ? r->failed : 0;
        int rc = read_doc(r);
        if (rc < 0)
            return rc;
        r->doc_done = 1;
        rec->line = 1;
        rec->truncated = r->line_trunc;
        rec->id = r->name;
        parse_text(r, rec);
        return 1;
    }
    for (;;) {
        int rc = read_line(r);
        if (rc <= 0)
            return rc;
        if (r->fmt != CLF_FORMAT_TEXT && line_blank(r)) {
            r->skipped_blank++;
            continue;
        }
        if (r->fmt == CLF_FORMAT_TSV && !r->seen_content && !r->line_trunc &&
            r->line_len == sizeof TSV_HEADER - 1 && memcmp(r->line, TSV_HEADER, r->line_len) == 0) {
            r->seen_content = 1;
            continue;
        }
        r->seen_content = 1;
        break;
    }

    rec->line = r->line_no;
    rec->truncated = r->line_trunc;
    set_line_id(r, rec);
    int rc = CLF_OK;
    switch (r->fmt) {
    case CLF_FORMAT_TSV:
        rec->has_labels = 1;
        rc = parse_tsv(r, rec);
        break;
    case CLF_FORMAT_FASTTEXT:
        rec->has_labels = 1;
        rc = parse_fasttext(r, rec);
        break;
    case CLF_FORMAT_JSONL:
        rc = parse_jsonl(r, rec);
        break;
    case CLF_FORMAT_TEXT:
    case CLF_FORMAT_DOC:   /* never: handled above */
    case CLF_FORMAT_AUTO:  /* never: AUTO is resolved at open */
        parse_text(r, rec);
        break;
    }
    if (rc != CLF_OK) {
        reset_record(rec);
        return rc;
    }
    cut_text(r, rec);
    return 1;
}

/* ---- lifecycle ---------------------------------------------------------- */

static char *dup_or(const char *s, const char *fallback)
{
    const char *src = s ? s : fallback;
    size_t n = strlen(src) + 1;
    char *p = malloc(n);
    if (p)
        memcpy(p, src, n);
    return p;
}

/* Bytes of the first non-empty line that detection looks at. */
#define DETECT_WINDOW ((size_t)64 << 10)
/* How far detection looks past leading blank lines before it gives up. */
#define DETECT_LIMIT ((size_t)1 << 20)

/*
 * detect_format - AUTO: look at the first non-empty line in the input
 * block without consuming anything, so the records are read from the same
 * bytes (a pipe cannot be read twice).
 */
static int detect_format(clf_reader *r, clf_format fallback)
{
    size_t off = 0;  /* start of the current line, from bpos */
    for (;;) {
        int rc = peek(r, off + DETECT_WINDOW);
        if (rc != CLF_OK)
            return rc;
        const char *s = (const char *)r->buf + r->bpos + off;
        size_t avail = r->bend - r->bpos - off;
        if (avail == 0) {  /* nothing but blank lines (or nothing) */
            r->fmt = fallback;
            return CLF_OK;
        }
        const char *nl = memchr(s, '\n', avail);
        size_t n = nl ? (size_t)(nl - s) : avail;
        size_t content = n - (n > 0 && s[n - 1] == '\r');
        if (content > 0 || !nl || off + n + 1 > DETECT_LIMIT) {
            r->fmt = detect(s, content, fallback);
            return CLF_OK;
        }
        off += n + 1;
    }
}

int clf_reader_open_file(clf_reader **out, FILE *f, const char *name, clf_format fmt,
                         const clf_reader_options *opts)
{
    if (!out)
        return clf__error(CLF_E_INVALID_ARG, "clf_reader_open_file: out is NULL");
    *out = NULL;
    if (!f)
        return clf__error(CLF_E_INVALID_ARG, "clf_reader_open_file: FILE is NULL");
    if ((int)fmt < CLF_FORMAT_AUTO || (int)fmt > CLF_FORMAT_DOC)
        return clf__error(CLF_E_INVALID_ARG, "clf_reader_open_file: unknown format %d", (int)fmt);
    clf_format fallback = opts && opts->auto_fallback == CLF_FORMAT_DOC ? CLF_FORMAT_DOC
                                                                        : CLF_FORMAT_TEXT;
    size_t max = opts && opts->max_record_bytes ? opts->max_record_bytes : READER_DEFAULT_MAX;
    if (max > SIZE_MAX / 16)
        return clf__error(CLF_E_INVALID_ARG, "max_record_bytes %zu is too large", max);

    clf_reader *r = calloc(1, sizeof *r);
    if (!r)
        return clf__error(CLF_E_NOMEM, "out of memory for a reader");
    r->f = f;
    r->fd = fileno(f);
    r->fmt = fmt;
    r->max = max;
    r->name = dup_or(name, "<input>");
    r->text_field = dup_or(opts ? opts->text_field : NULL, "text");
    r->id_field = dup_or(opts ? opts->id_field : NULL, "id");
    r->labels_field = dup_or(opts ? opts->labels_field : NULL, "labels");
    r->bcap = (size_t)64 << 10;
    r->buf = malloc(r->bcap);
    if (r->name) {
        r->display = strcmp(r->name, "-") == 0 ? "<stdin>" : r->name;
        r->msg_cap = strlen(r->display) + 512;
        r->msg = malloc(r->msg_cap);
    }
    if (!r->name || !r->text_field || !r->id_field || !r->labels_field || !r->msg || !r->buf) {
        clf_reader_close(r);
        return clf__error(CLF_E_NOMEM, "out of memory for a reader");
    }
    /* A BOM is dropped; anything else stays for the records. */
    int rc = peek(r, 3);
    if (rc == CLF_OK && r->bend - r->bpos >= 3 && memcmp(r->buf + r->bpos, "\xEF\xBB\xBF", 3) == 0)
        r->bpos += 3;
    if (rc == CLF_OK && fmt == CLF_FORMAT_AUTO)
        rc = detect_format(r, fallback);
    if (rc != CLF_OK && (fmt == CLF_FORMAT_AUTO || rc != CLF_E_IO)) {
        clf_reader_close(r);
        return rc;
    }
    /* Other formats report a read error from clf_reader_next (it is sticky). */
    set_line_max(r);
    *out = r;
    return CLF_OK;
}

int clf_reader_open(clf_reader **out, const char *path, clf_format fmt,
                    const clf_reader_options *opts)
{
    if (!out)
        return clf__error(CLF_E_INVALID_ARG, "clf_reader_open: out is NULL");
    *out = NULL;
    if (!path)
        return clf__error(CLF_E_INVALID_ARG, "clf_reader_open: path is NULL");
    if (strcmp(path, "-") == 0)
        return clf_reader_open_file(out, stdin, path, fmt, opts);
    FILE *f = fopen(path, "rb");
    if (!f)
        return clf__error(CLF_E_IO, "%s: %s", path, strerror(errno));
    int rc = clf_reader_open_file(out, f, path, fmt, opts);
    if (rc != CLF_OK) {
        fclose(f);
        return rc;
    }
    (*out)->owns_file = 1;
    return CLF_OK;
}

clf_format clf_reader_format(const clf_reader *r)
{
    return r ? r->fmt : CLF_FORMAT_AUTO;
}

size_t clf_reader_skipped_blank(const clf_reader *r)
{
    return r ? r->skipped_blank : 0;
}

size_t clf_reader_buffered(const clf_reader *r)
{
    return r ? r->bend - r->bpos : 0;
}

const char *clf_reader_name(const clf_reader *r)
{
    return r && r->name ? r->name : "";
}

void clf_reader_close(clf_reader *r)
{
    if (!r)
        return;
    if (r->json)
        json_decref(r->json);
    if (r->owns_file)
        fclose(r->f);
    free(r->line);
    free(r->buf);
    free((void *)r->labels);
    free(r->msg);
    free(r->name);
    free(r->text_field);
    free(r->id_field);
    free(r->labels_field);
    free(r);
}
