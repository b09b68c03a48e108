/*
 * record.c - formatting the output records of `classify score` (record.h).
 */
#include "record.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "out.h"
#include "shortest.h"
#include "signals.h"

/* ---- buffer ------------------------------------------------------------- */

static int reserve(clf_cli_buf *b, size_t extra)
{
    if (b->failed)
        return -1;
    if (b->len + extra <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 512;
    while (cap < b->len + extra) {
        if (cap > SIZE_MAX / 2) {
            b->failed = 1;
            return -1;
        }
        cap *= 2;
    }
    char *p = realloc(b->p, cap);
    if (!p) {
        b->failed = 1;
        return -1;
    }
    b->p = p;
    b->cap = cap;
    return 0;
}

void clf_cli_buf_put(clf_cli_buf *b, const char *s, size_t n)
{
    if (reserve(b, n) == 0) {
        memcpy(b->p + b->len, s, n);
        b->len += n;
    }
}

static void put_str(clf_cli_buf *b, const char *s)
{
    clf_cli_buf_put(b, s, strlen(s));
}

void clf_cli_buf_free(clf_cli_buf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

/* utf8_len - length of the well-formed UTF-8 sequence at s (n > 0 bytes), 0 if none. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t need;
    unsigned char lo = 0x80, hi = 0xBF; /* the range of the second byte */
    if (c >= 0xC2 && c <= 0xDF) need = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        need = 3;
        if (c == 0xE0) lo = 0xA0;       /* no overlong forms */
        if (c == 0xED) hi = 0x9F;       /* no surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;       /* nothing above U+10FFFF */
    } else return 0;
    if (n < need || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < need; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    return need;
}

void clf_cli_buf_put_json_string(clf_cli_buf *b, const char *str, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)str;
    /* worst case 6 output bytes per input byte, plus the quotes */
    if (reserve(b, n * 6 + 2) != 0)
        return;
    char *o = b->p + b->len;
    *o++ = '"';
    for (size_t i = 0; i < n;) {
        unsigned char c = s[i];
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            *o++ = (char)c;
            i++;
        } else if (c < 0x80) {
            *o++ = '\\';
            switch (c) {
            case '"': *o++ = '"'; break;
            case '\\': *o++ = '\\'; break;
            case '\n': *o++ = 'n'; break;
            case '\r': *o++ = 'r'; break;
            case '\t': *o++ = 't'; break;
            case '\b': *o++ = 'b'; break;
            case '\f': *o++ = 'f'; break;
            default:
                *o++ = 'u'; *o++ = '0'; *o++ = '0';
                *o++ = hex[c >> 4]; *o++ = hex[c & 15];
            }
            i++;
        } else {
            size_t k = utf8_len(s + i, n - i);
            if (k) {
                memcpy(o, s + i, k);
                o += k;
                i += k;
            } else { /* not UTF-8: U+FFFD in its place, the field stays */
                memcpy(o, "\xEF\xBF\xBD", 3);
                o += 3;
                i++;
            }
        }
    }
    *o++ = '"';
    b->len = (size_t)(o - b->p);
}

static void put_jstr(clf_cli_buf *b, const char *s)
{
    clf_cli_buf_put_json_string(b, s, strlen(s));
}

static void put_double(clf_cli_buf *b, double v)
{
    char tmp[32];
    clf_cli_buf_put(b, tmp, clf_cli_format_double(v, tmp));
}

static void put_size(clf_cli_buf *b, size_t v)
{
    char tmp[24];
    int n = snprintf(tmp, sizeof tmp, "%zu", v);
    clf_cli_buf_put(b, tmp, (size_t)n);
}

/* ---- JSON Lines ------------------------------------------------------------ */

static const char *const reserved[] = {
    "id", "model", "scores", "flagged", "abstain", "truncated", "explanation", "error",
    "line", "source", "spans", "signals",
};

int clf_cli_reserved_field(const char *name)
{
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
        if (strcmp(name, reserved[i]) == 0)
            return 1;
    return 0;
}

static void put_json_value(clf_cli_buf *b, const json_t *v, size_t flags)
{
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER | flags);
    if (!s) {
        b->failed = 1;
        return;
    }
    put_str(b, s);
    free(s);
}

/* The input's other fields, in input order, minus the ones the tool writes. */
static void put_passthrough(clf_cli_buf *b, const clf_cli_record *r)
{
    const json_t *obj = r->json;
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v) {
        if (clf_cli_reserved_field(key) || strcmp(key, r->id_field) == 0 ||
            strcmp(key, r->text_field) == 0)
            continue;
        clf_cli_buf_put(b, ",", 1);
        put_jstr(b, key);
        clf_cli_buf_put(b, ":", 1);
        put_json_value(b, v, 0);
    }
}

int clf_cli_jsonl_names_init(clf_cli_jsonl_names *nm, const clf_model *m)
{
    memset(nm, 0, sizeof *nm);
    nm->ncat = clf_model_num_categories(m);
    nm->cat_off = malloc((nm->ncat + 1) * sizeof *nm->cat_off);
    if (!nm->cat_off)
        return -1;
    put_str(&nm->model, ",\"model\":");
    put_jstr(&nm->model, clf_model_id(m));
    for (size_t k = 0; k < nm->ncat; k++) {
        nm->cat_off[k] = nm->cats.len;
        put_jstr(&nm->cats, clf_model_category_name(m, k));
    }
    nm->cat_off[nm->ncat] = nm->cats.len;
    if (nm->model.failed || nm->cats.failed) {
        clf_cli_jsonl_names_free(nm);
        return -1;
    }
    return 0;
}

void clf_cli_jsonl_names_free(clf_cli_jsonl_names *nm)
{
    clf_cli_buf_free(&nm->model);
    clf_cli_buf_free(&nm->cats);
    free(nm->cat_off);
    memset(nm, 0, sizeof *nm);
}

/* Category k's name as a JSON string: from the run's quoted names when given. */
static void put_cat_name(clf_cli_buf *b, const clf_cli_record *r, const clf_model *m, size_t k)
{
    const clf_cli_jsonl_names *nm = r->names;
    if (nm && k < nm->ncat)
        clf_cli_buf_put(b, nm->cats.p + nm->cat_off[k], nm->cat_off[k + 1] - nm->cat_off[k]);
    else
        put_jstr(b, clf_model_category_name(m, k));
}

void clf_cli_format_jsonl(clf_cli_buf *b, const clf_cli_record *r, const clf_model *m)
{
    put_str(b, "{\"id\":");
    put_jstr(b, r->id);
    if (r->json)
        put_passthrough(b, r);
    if (r->names) {
        clf_cli_buf_put(b, r->names->model.p, r->names->model.len);
    } else {
        put_str(b, ",\"model\":");
        put_jstr(b, clf_model_id(m));
    }
    if (r->rc != CLF_OK) {
        put_str(b, ",\"line\":");
        put_size(b, r->line);
        if (r->source) {
            put_str(b, ",\"source\":");
            put_jstr(b, r->source);
        }
        put_str(b, ",\"error\":");
        put_jstr(b, r->error ? r->error : clf_strerror(r->rc));
        put_str(b, "}\n");
        return;
    }
    size_t K = clf_model_num_categories(m);
    put_str(b, ",\"scores\":{");
    for (size_t k = 0; k < K; k++) {
        if (k)
            clf_cli_buf_put(b, ",", 1);
        put_cat_name(b, r, m, k);
        clf_cli_buf_put(b, ":", 1);
        put_double(b, r->res[k].probability);
    }
    put_str(b, "},\"flagged\":[");
    int first = 1;
    for (size_t k = 0; k < K; k++)
        if (r->res[k].flagged) {
            if (!first)
                clf_cli_buf_put(b, ",", 1);
            put_cat_name(b, r, m, k);
            first = 0;
        }
    clf_cli_buf_put(b, "]", 1);
    if (clf_cli_has_report_only(r->scorer, K)) {
        put_str(b, ",\"signals\":[");
        first = 1;
        for (size_t k = 0; k < K; k++)
            if (clf_cli_signal(r->scorer, &r->res[k], k, r->abstain)) {
                if (!first)
                    clf_cli_buf_put(b, ",", 1);
                put_cat_name(b, r, m, k);
                first = 0;
            }
        clf_cli_buf_put(b, "]", 1);
    }
    if (r->abstain) {
        put_str(b, ",\"abstain\":");
        put_jstr(b, clf_abstain_name(r->abstain));
    }
    if (r->truncated)
        put_str(b, ",\"truncated\":true");
    if (r->source) {
        put_str(b, ",\"source\":");
        put_jstr(b, r->source);
    }
    if (r->ex) {
        json_t *ex = clf_cli_explanation_json(r->ex, m, r->scorer, r->explain_all);
        if (!ex) {
            b->failed = 1;
            return;
        }
        put_str(b, ",\"explanation\":");
        put_json_value(b, ex, JSON_REAL_PRECISION(6));
        json_decref(ex);
    }
    if (r->spans) {
        json_t *sp = clf_cli_spans_json(r->spans, m, r->scorer, r->text);
        if (!sp) {
            b->failed = 1;
            return;
        }
        put_str(b, ",\"spans\":");
        put_json_value(b, sp, 0);
        json_decref(sp);
    }
    put_str(b, "}\n");
}

/* ---- TSV ------------------------------------------------------------------- */

/* A TSV field holds no tab or newline (they become spaces) and only valid UTF-8. */
static void put_tsv_field(clf_cli_buf *b, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0, n = strlen(s); i < n;) {
        if (p[i] < 0x20 || p[i] == 0x7F) {
            clf_cli_buf_put(b, " ", 1);
            i++;
        } else if (p[i] < 0x80) {
            clf_cli_buf_put(b, s + i, 1);
            i++;
        } else {
            size_t k = utf8_len(p + i, n - i);
            if (k) {
                clf_cli_buf_put(b, s + i, k);
                i += k;
            } else {
                clf_cli_buf_put(b, "\xEF\xBF\xBD", 3);
                i++;
            }
        }
    }
}

void clf_cli_format_tsv(clf_cli_buf *b, const clf_cli_record *r, const clf_model *m)
{
    size_t K = clf_model_num_categories(m);
    put_tsv_field(b, r->id);
    for (size_t k = 0; k < K; k++) {
        clf_cli_buf_put(b, "\t", 1);
        if (r->rc == CLF_OK)
            put_double(b, r->res[k].probability);
    }
    clf_cli_buf_put(b, "\t", 1);
    int first = 1;
    for (size_t k = 0; r->rc == CLF_OK && k < K; k++)
        if (r->res[k].flagged) {
            if (!first)
                clf_cli_buf_put(b, ",", 1);
            put_str(b, clf_model_category_name(m, k));
            first = 0;
        }
    if (clf_cli_has_report_only(r->scorer, K)) {
        clf_cli_buf_put(b, "\t", 1);
        first = 1;
        for (size_t k = 0; r->rc == CLF_OK && k < K; k++)
            if (clf_cli_signal(r->scorer, &r->res[k], k, r->abstain)) {
                if (!first)
                    clf_cli_buf_put(b, ",", 1);
                put_str(b, clf_model_category_name(m, k));
                first = 0;
            }
    }
    clf_cli_buf_put(b, "\t", 1);
    if (r->rc == CLF_OK && r->abstain)
        put_str(b, clf_abstain_name(r->abstain));
    clf_cli_buf_put(b, "\t", 1);
    if (r->rc != CLF_OK)
        put_tsv_field(b, r->error ? r->error : clf_strerror(r->rc));
    clf_cli_buf_put(b, "\t", 1);
    if (r->rc == CLF_OK && r->truncated)
        put_str(b, "true");
    clf_cli_buf_put(b, "\t", 1);
    if (r->source)
        put_tsv_field(b, r->source);
    clf_cli_buf_put(b, "\n", 1);
}

void clf_cli_tsv_header(FILE *out, const clf_model *m, const clf_scorer *s)
{
    size_t K = clf_model_num_categories(m);
    fprintf(out, "# model: %s\nid", clf_model_id(m));
    for (size_t k = 0; k < K; k++)
        fprintf(out, "\t%s", clf_model_category_name(m, k));
    fprintf(out, "\tflagged%s\tabstain\terror\ttruncated\tsource\n",
            clf_cli_has_report_only(s, K) ? "\tsignals" : "");
}
