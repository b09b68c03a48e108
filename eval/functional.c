/*
 * functional.c - loading and expanding functional test suites, recording
 * outcomes, class figures and the gate (see functional.h).
 */
#include "functional.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <xxhash.h>

#include "internal.h"
#include "metrics.h"

#define MAX_ITEMS 100000
#define MAX_DEPTH 8
#define DEFAULT_MAX_PER_TEMPLATE 12

static const char *const TRANSFORMS[] = {"tatweel", "diacritics", "zw", "lookalike", "spaced"};
#define N_TRANSFORMS (sizeof TRANSFORMS / sizeof TRANSFORMS[0])

/* ---- growing string ------------------------------------------------------ */

typedef struct sbuf {
    char *p;
    size_t n, cap;
    int oom;
} sbuf;

static void sb_put(sbuf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->n + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static void sb_cp(sbuf *b, uint32_t cp)
{
    char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | cp >> 6);
        u[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | cp >> 12);
        u[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (char)(0xF0 | cp >> 18);
        u[1] = (char)(0x80 | (cp >> 12 & 0x3F));
        u[2] = (char)(0x80 | (cp >> 6 & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    sb_put(b, u, n);
}

/* ---- obfuscation --------------------------------------------------------- */

/* Decode the code point at s (valid UTF-8 from jansson); *len = its bytes. */
static uint32_t decode(const unsigned char *s, size_t *len)
{
    if (s[0] < 0x80) {
        *len = 1;
        return s[0];
    }
    if ((s[0] & 0xE0) == 0xC0) {
        *len = 2;
        return (uint32_t)(s[0] & 0x1F) << 6 | (s[1] & 0x3F);
    }
    if ((s[0] & 0xF0) == 0xE0) {
        *len = 3;
        return (uint32_t)(s[0] & 0x0F) << 12 | (uint32_t)(s[1] & 0x3F) << 6 | (s[2] & 0x3F);
    }
    *len = 4;
    return (uint32_t)(s[0] & 0x07) << 18 | (uint32_t)(s[1] & 0x3F) << 12 |
           (uint32_t)(s[2] & 0x3F) << 6 | (s[3] & 0x3F);
}

static int is_letter(uint32_t c)
{
    return c >= 0x0621 && c <= 0x064A;
}

/* Letters that do not join to the following letter: a kashida after them is
 * not something a writer can type. */
static int joins_next(uint32_t c)
{
    static const uint32_t non[] = {0x0621, 0x0622, 0x0623, 0x0624, 0x0625, 0x0627, 0x0629,
                                   0x062F, 0x0630, 0x0631, 0x0632, 0x0648, 0x0649};
    for (size_t i = 0; i < sizeof non / sizeof non[0]; i++)
        if (c == non[i])
            return 0;
    return is_letter(c);
}

static uint32_t lookalike(uint32_t c)
{
    switch (c) {
    case 0x0643: return 0x06A9; /* ك -> ک */
    case 0x064A: return 0x06CC; /* ي -> ی */
    case 0x0649: return 0x06CC; /* ى -> ی */
    case 0x0647: return 0x06C1; /* ه -> ہ */
    default: return c;
    }
}

int clf_func_transform(char **out, const char *text, const char *name)
{
    size_t t = 0;
    while (t < N_TRANSFORMS && strcmp(TRANSFORMS[t], name))
        t++;
    if (t == N_TRANSFORMS)
        return clf__error(CLF_E_NOT_FOUND, "unknown transform \"%s\" (tatweel, diacritics, zw, "
                          "lookalike, spaced)", name);
    static const uint32_t harakat[] = {0x064E, 0x064F, 0x0650, 0x0652};
    const unsigned char *s = (const unsigned char *)text;
    size_t n = strlen(text);
    sbuf b = {0};
    /* spaced: find the longest Arabic word (in letters) first */
    size_t best_at = (size_t)-1, best_letters = 0;
    if (!strcmp(name, "spaced")) {
        size_t at = 0, letters = 0, start = 0;
        for (size_t i = 0; i < n; i += at) {
            uint32_t c = decode(s + i, &at);
            if (is_letter(c)) {
                if (letters++ == 0)
                    start = i;
                if (letters > best_letters) {
                    best_letters = letters;
                    best_at = start;
                }
            } else {
                letters = 0;
            }
        }
    }
    size_t k = 0, len;
    int in_spaced = 0;
    for (size_t i = 0; i < n; i += len) {
        uint32_t c = decode(s + i, &len);
        uint32_t next = 0;
        if (i + len < n) {
            size_t l2;
            next = decode(s + i + len, &l2);
        }
        int letter = is_letter(c), next_letter = is_letter(next);
        switch (t) {
        case 0: /* tatweel */
            sb_put(&b, text + i, len);
            if (joins_next(c) && next_letter)
                sb_cp(&b, 0x0640);
            break;
        case 1: /* diacritics (not on alef forms, where nobody writes them) */
            sb_put(&b, text + i, len);
            if (letter && c != 0x0627 && c != 0x0622 && c != 0x0623 && c != 0x0625 && c != 0x0649)
                sb_cp(&b, harakat[k++ % 4]);
            break;
        case 2: /* zw */
            sb_put(&b, text + i, len);
            if (letter && next_letter && (k++ % 2) == 1)
                sb_cp(&b, 0x200C);
            break;
        case 3: /* lookalike */
            sb_cp(&b, lookalike(c));
            break;
        default: /* spaced */
            if (i == best_at && best_letters >= 3)
                in_spaced = 1;
            sb_put(&b, text + i, len);
            if (in_spaced) {
                if (next_letter)
                    sb_put(&b, " ", 1);
                else
                    in_spaced = 0;
            }
            break;
        }
    }
    if (b.n == 0)
        sb_put(&b, "", 0);
    if (b.oom) {
        free(b.p);
        return clf__error(CLF_E_NOMEM, "out of memory");
    }
    *out = b.p;
    return CLF_OK;
}

/* ---- suite parsing ------------------------------------------------------- */

typedef struct parser {
    clf_func_suite *s;
    json_t *slots;
    const char *source;
    size_t cap_items;
    size_t max_per_template;
} parser;

void clf_func_suite_free(clf_func_suite *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_items; i++) {
        free(s->items[i].id);
        free(s->items[i].text);
        free(s->items[i].origin);
    }
    free(s->items);
    for (size_t c = 0; c < s->n_classes; c++) {
        free(s->classes[c].name);
        free(s->classes[c].description);
    }
    free(s->classes);
    for (size_t k = 0; k < s->n_cats; k++)
        free(s->cats[k]);
    free(s->cats);
    free(s->name);
    free(s->source);
    free(s);
}

static int bad(const parser *P, const char *cls, const char *fmt, ...) CLF_PRINTF(3, 4);
static int bad(const parser *P, const char *cls, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (cls)
        return clf__error(CLF_E_PARSE, "%s: class \"%s\": %s", P->source, cls, msg);
    return clf__error(CLF_E_PARSE, "%s: %s", P->source, msg);
}

/* A category list (array of names; "*" = every category not in `except`). */
static int cat_mask(const parser *P, const char *cls, json_t *arr, const char *key, uint64_t except,
                    uint64_t *out)
{
    *out = 0;
    if (!arr)
        return CLF_OK;
    if (!json_is_array(arr))
        return bad(P, cls, "\"%s\" must be an array of category names", key);
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) {
        const char *name = json_string_value(v);
        if (!name)
            return bad(P, cls, "\"%s\" must be an array of category names", key);
        if (!strcmp(name, "*")) {
            uint64_t all = P->s->n_cats >= 64 ? UINT64_MAX : ((uint64_t)1 << P->s->n_cats) - 1;
            *out |= all & ~except;
            continue;
        }
        size_t k = 0;
        while (k < P->s->n_cats && strcmp(P->s->cats[k], name))
            k++;
        if (k == P->s->n_cats)
            return clf__error(CLF_E_NOT_FOUND, "%s: class \"%s\": \"%s\" names category \"%s\", "
                              "which the model does not have", P->source, cls, key, name);
        *out |= (uint64_t)1 << k;
    }
    return CLF_OK;
}

static int add_item(parser *P, size_t cls, const char *text, uint64_t must, uint64_t must_not,
                    int must_abstain, const char *origin, const char *transform)
{
    clf_func_suite *s = P->s;
    if (s->n_items >= MAX_ITEMS)
        return clf__error(CLF_E_TOO_LARGE, "%s: more than %d items", P->source, MAX_ITEMS);
    if (s->n_items == P->cap_items) {
        size_t cap = P->cap_items ? P->cap_items * 2 : 256;
        clf_func_item *p = realloc(s->items, cap * sizeof *p);
        if (!p)
            return clf__error(CLF_E_NOMEM, "out of memory");
        s->items = p;
        P->cap_items = cap;
    }
    clf_func_item *it = &s->items[s->n_items];
    memset(it, 0, sizeof *it);
    size_t nth = 0;
    for (size_t i = 0; i < s->n_items; i++)
        nth += s->items[i].cls == cls;
    char id[300];
    snprintf(id, sizeof id, "%s/%zu", s->classes[cls].name, nth + 1);
    it->id = strdup(id);
    it->text = strdup(text);
    it->origin = origin ? strdup(origin) : NULL;
    it->cls = cls;
    it->must = must;
    it->must_not = must_not & ~must;
    it->must_abstain = must_abstain;
    it->transform = transform;
    s->n_items++;
    if (!it->id || !it->text || (origin && !it->origin))
        return clf__error(CLF_E_NOMEM, "out of memory");
    return CLF_OK;
}

/* A template's expansions, collected before sampling. */
typedef struct strlist {
    char **v;
    size_t n, cap;
} strlist;

static void strlist_free(strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
}

/*
 * Fill the first {SLOT} of text with each of its fillers and recurse, so a
 * template yields every combination (fillers may hold slots too, up to
 * MAX_DEPTH levels).
 */
static int expand(const parser *P, const char *cls, const char *text, int depth, strlist *out)
{
    const char *open = strchr(text, '{');
    const char *close = open ? strchr(open, '}') : NULL;
    if (!open || !close) {
        if (out->n >= MAX_ITEMS)
            return clf__error(CLF_E_TOO_LARGE, "%s: class \"%s\": a template expands to more than "
                              "%d items", P->source, cls, MAX_ITEMS);
        if (out->n == out->cap) {
            size_t cap = out->cap ? out->cap * 2 : 16;
            char **v = realloc(out->v, cap * sizeof *v);
            if (!v)
                return clf__error(CLF_E_NOMEM, "out of memory");
            out->v = v;
            out->cap = cap;
        }
        if (!(out->v[out->n] = strdup(text)))
            return clf__error(CLF_E_NOMEM, "out of memory");
        out->n++;
        return CLF_OK;
    }
    if (depth >= MAX_DEPTH)
        return bad(P, cls, "slots nest deeper than 8 levels in \"%s\"", text);
    char slot[128];
    size_t sl = (size_t)(close - open - 1);
    if (sl == 0 || sl >= sizeof slot)
        return bad(P, cls, "bad slot in template \"%s\"", text);
    memcpy(slot, open + 1, sl);
    slot[sl] = '\0';
    json_t *fillers = json_object_get(P->slots, slot);
    if (!json_is_array(fillers) || json_array_size(fillers) == 0) {
        char what[200];
        snprintf(what, sizeof what, "unknown or empty slot {%s}", slot);
        return bad(P, cls, "%s", what);
    }
    size_t i;
    json_t *f;
    json_array_foreach(fillers, i, f) {
        const char *fill = json_string_value(f);
        if (!fill)
            return bad(P, cls, "slot {%s} has a filler that is not a string", slot);
        size_t pre = (size_t)(open - text), fl = strlen(fill), post = strlen(close + 1);
        char *t = malloc(pre + fl + post + 1);
        if (!t)
            return clf__error(CLF_E_NOMEM, "out of memory");
        memcpy(t, text, pre);
        memcpy(t + pre, fill, fl);
        memcpy(t + pre + fl, close + 1, post + 1);
        int rc = expand(P, cls, t, depth + 1, out);
        free(t);
        if (rc != CLF_OK)
            return rc;
    }
    return CLF_OK;
}

typedef struct ranked {
    uint64_t h;
    size_t i;
} ranked;

static int cmp_ranked(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->h != y->h)
        return x->h < y->h ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

/*
 * Keep at most max of a template's expansions: those with the smallest
 * hash of their text, in expansion order. A fixed, seedless choice, so a
 * suite always expands to the same items, and not a stride through the
 * product (which would keep the first filler of the outer slot together
 * with few of the inner ones).
 */
static int sample(strlist *l, size_t max, unsigned char **keep)
{
    *keep = malloc(l->n ? l->n : 1);
    if (!*keep)
        return clf__error(CLF_E_NOMEM, "out of memory");
    memset(*keep, 1, l->n);
    if (l->n <= max)
        return CLF_OK;
    ranked *r = malloc(l->n * sizeof *r);
    if (!r)
        return clf__error(CLF_E_NOMEM, "out of memory");
    for (size_t i = 0; i < l->n; i++) {
        r[i].h = XXH3_64bits(l->v[i], strlen(l->v[i]));
        r[i].i = i;
    }
    qsort(r, l->n, sizeof *r, cmp_ranked);
    memset(*keep, 0, l->n);
    for (size_t i = 0; i < max; i++)
        (*keep)[r[i].i] = 1;
    free(r);
    return CLF_OK;
}

static int get_limit(const parser *P, const char *cls, json_t *obj, const char *key, double *out)
{
    *out = NAN;
    json_t *v = json_object_get(obj, key);
    if (!v)
        return CLF_OK;
    if (!json_is_number(v) || json_number_value(v) < 0 || json_number_value(v) > 1)
        return bad(P, cls, "gate \"%s\" must be a number in [0,1]", key);
    *out = json_number_value(v);
    return CLF_OK;
}

/* The literal items and templates of class c. */
static int class_items(parser *P, size_t c, json_t *jc, uint64_t must, uint64_t must_not)
{
    clf_func_class *cl = &P->s->classes[c];
    json_t *items = json_object_get(jc, "items"), *tpls = json_object_get(jc, "templates");
    if ((items && !json_is_array(items)) || (tpls && !json_is_array(tpls)))
        return bad(P, cl->name, "%s", "\"items\" and \"templates\" must be arrays");
    size_t i;
    json_t *v;
    int rc = CLF_OK;
    json_array_foreach(items, i, v) {
        uint64_t m = must, mn = must_not;
        int ab = cl->must_abstain;
        const char *text = json_string_value(v);
        if (json_is_object(v)) {
            /* an item with its own specification */
            text = json_string_value(json_object_get(v, "text"));
            json_t *jm = json_object_get(v, "must"), *jn = json_object_get(v, "must_not");
            if (jm && (rc = cat_mask(P, cl->name, jm, "must", 0, &m)) != CLF_OK)
                return rc;
            if (jn && (rc = cat_mask(P, cl->name, jn, "must_not", m, &mn)) != CLF_OK)
                return rc;
            json_t *ja = json_object_get(v, "must_abstain");
            if (ja)
                ab = json_is_true(ja);
        }
        if (!text)
            return bad(P, cl->name, "%s", "an item is neither a string nor an object with \"text\"");
        if ((rc = add_item(P, c, text, m, mn, ab, NULL, NULL)) != CLF_OK)
            return rc;
    }
    json_array_foreach(tpls, i, v) {
        const char *tpl = json_string_value(v);
        if (!tpl)
            return bad(P, cl->name, "%s", "a template is not a string");
        strlist l = {0};
        unsigned char *keep = NULL;
        rc = expand(P, cl->name, tpl, 0, &l);
        if (rc == CLF_OK)
            rc = sample(&l, P->max_per_template, &keep);
        for (size_t j = 0; j < l.n && rc == CLF_OK; j++)
            if (keep[j])
                rc = add_item(P, c, l.v[j], must, must_not, cl->must_abstain, tpl, NULL);
        free(keep);
        strlist_free(&l);
        if (rc != CLF_OK)
            return rc;
    }
    return CLF_OK;
}

/* Class c derived from the (earlier, not derived) classes listed in "from". */
static int class_derived(parser *P, size_t c, json_t *jc, uint64_t must, uint64_t must_not)
{
    clf_func_class *cl = &P->s->classes[c];
    json_t *from = json_object_get(jc, "from"), *tr = json_object_get(jc, "transforms");
    if (!json_is_array(from) || !json_is_array(tr) || json_array_size(tr) == 0)
        return bad(P, cl->name, "%s", "a derived class needs \"from\" (class names) and a non-empty "
                   "\"transforms\" array");
    const char *names[N_TRANSFORMS * 4];
    size_t nt = 0, i;
    json_t *v;
    json_array_foreach(tr, i, v) {
        const char *t = json_string_value(v);
        size_t k = 0;
        while (t && k < N_TRANSFORMS && strcmp(TRANSFORMS[k], t))
            k++;
        if (!t || k == N_TRANSFORMS)
            return bad(P, cl->name, "unknown transform \"%s\" (tatweel, diacritics, zw, lookalike, "
                       "spaced)", t ? t : "?");
        if (nt == sizeof names / sizeof names[0])
            return bad(P, cl->name, "%s", "too many transforms");
        names[nt++] = TRANSFORMS[k];
    }
    size_t rot = 0;
    json_array_foreach(from, i, v) {
        const char *src = json_string_value(v);
        size_t sc = 0;
        while (src && sc < c && strcmp(P->s->classes[sc].name, src))
            sc++;
        if (!src || sc == c)
            return bad(P, cl->name, "\"from\" names \"%s\", which is not a class defined before it",
                       src ? src : "?");
        size_t n = P->s->n_items; /* the items of this class are appended after */
        for (size_t j = 0; j < n; j++) {
            const clf_func_item *it = &P->s->items[j];
            if (it->cls != sc)
                continue;
            if (it->transform)
                return bad(P, cl->name, "\"from\" names the derived class \"%s\"", src);
            const char *t = names[rot++ % nt];
            char *text = NULL;
            int rc = clf_func_transform(&text, it->text, t);
            char origin[300];
            snprintf(origin, sizeof origin, "from:%s", it->id);
            if (rc == CLF_OK)
                rc = add_item(P, c, text, must, must_not, cl->must_abstain, origin, t);
            free(text);
            if (rc != CLF_OK)
                return rc;
        }
    }
    return CLF_OK;
}

static int parse_class(parser *P, size_t c, json_t *jc)
{
    clf_func_suite *s = P->s;
    clf_func_class *cl = &s->classes[c];
    const char *name = json_string_value(json_object_get(jc, "name"));
    if (!json_is_object(jc) || !name || !*name)
        return bad(P, NULL, "%s", "every class needs a \"name\"");
    for (size_t k = 0; k < c; k++)
        if (!strcmp(s->classes[k].name, name))
            return bad(P, name, "%s", "duplicate class name");
    const char *kind = json_string_value(json_object_get(jc, "kind"));
    const char *desc = json_string_value(json_object_get(jc, "description"));
    cl->name = strdup(name);
    cl->description = strdup(desc ? desc : "");
    if (!cl->name || !cl->description)
        return clf__error(CLF_E_NOMEM, "out of memory");
    if (!kind || (strcmp(kind, "benign") && strcmp(kind, "positive")))
        return bad(P, name, "%s", "\"kind\" must be \"benign\" or \"positive\"");
    cl->positive = !strcmp(kind, "positive");
    cl->must_abstain = json_is_true(json_object_get(jc, "must_abstain"));
    uint64_t must = 0, must_not = 0;
    int rc = cat_mask(P, name, json_object_get(jc, "must"), "must", 0, &must);
    if (rc == CLF_OK)
        rc = cat_mask(P, name, json_object_get(jc, "must_not"), "must_not", must, &must_not);
    if (rc != CLF_OK)
        return rc;
    if (cl->positive && !must)
        return bad(P, name, "%s", "a positive class needs \"must\" categories");
    if (!cl->positive && must)
        return bad(P, name, "%s", "a benign class cannot have \"must\" categories");
    if (!cl->positive && !must_not && !cl->must_abstain)
        return bad(P, name, "%s", "a benign class needs \"must_not\" categories or \"must_abstain\"");
    json_t *gate = json_object_get(jc, "gate");
    if (gate && !json_is_object(gate))
        return bad(P, name, "%s", "\"gate\" must be an object");
    if ((rc = get_limit(P, name, gate, "max_flag_rate", &cl->max_flag_rate)) != CLF_OK ||
        (rc = get_limit(P, name, gate, "min_recall", &cl->min_recall)) != CLF_OK ||
        (rc = get_limit(P, name, gate, "min_abstain_rate", &cl->min_abstain_rate)) != CLF_OK)
        return rc;
    if ((cl->positive && !isnan(cl->max_flag_rate)) || (!cl->positive && !isnan(cl->min_recall)))
        return bad(P, name, "%s", "gate: max_flag_rate is for benign classes, min_recall for positive ones");
    size_t before = s->n_items;
    if (json_object_get(jc, "from"))
        rc = class_derived(P, c, jc, must, must_not);
    else
        rc = class_items(P, c, jc, must, must_not);
    if (rc == CLF_OK && s->n_items == before)
        return bad(P, name, "%s", "the class has no items");
    return rc;
}

int clf_func_suite_parse(clf_func_suite **out, const char *json, size_t len, const char *source,
                         size_t n_cats, const char *const *cats)
{
    if (!out || !json || !cats || n_cats == 0 || n_cats > CLF_FUNC_MAX_CATEGORIES)
        return clf__error(CLF_E_INVALID_ARG, "functional suite: bad arguments");
    *out = NULL;
    if (!source)
        source = "functional suite";
    json_error_t jerr;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return clf__error(CLF_E_PARSE, "%s:%d: %s", source, jerr.line, jerr.text);
    clf_func_suite *s = calloc(1, sizeof *s);
    parser P = {s, NULL, source, 0, DEFAULT_MAX_PER_TEMPLATE};
    int rc = CLF_OK;
    if (!s) {
        json_decref(root);
        return clf__error(CLF_E_NOMEM, "out of memory");
    }
    const char *schema = json_string_value(json_object_get(root, "schema"));
    json_t *classes = json_object_get(root, "classes");
    json_t *mpt = json_object_get(root, "max_per_template");
    P.slots = json_object_get(root, "slots");
    s->cats = calloc(n_cats, sizeof *s->cats);
    s->name = strdup(json_string_value(json_object_get(root, "name")) ?
                     json_string_value(json_object_get(root, "name")) : "functional");
    s->source = strdup(source);
    if (!s->cats || !s->name || !s->source) {
        rc = clf__error(CLF_E_NOMEM, "out of memory");
        goto out;
    }
    for (size_t k = 0; k < n_cats; k++) {
        if (!(s->cats[k] = strdup(cats[k]))) {
            rc = clf__error(CLF_E_NOMEM, "out of memory");
            goto out;
        }
        s->n_cats = k + 1;
    }
    if (!schema || strcmp(schema, "libclassify-functional/1")) {
        rc = bad(&P, NULL, "%s", "\"schema\" must be \"libclassify-functional/1\"");
        goto out;
    }
    if (P.slots && !json_is_object(P.slots)) {
        rc = bad(&P, NULL, "%s", "\"slots\" must be an object of string arrays");
        goto out;
    }
    if (mpt) {
        if (!json_is_integer(mpt) || json_integer_value(mpt) < 1 || json_integer_value(mpt) > MAX_ITEMS) {
            rc = bad(&P, NULL, "%s", "\"max_per_template\" must be an integer >= 1");
            goto out;
        }
        P.max_per_template = (size_t)json_integer_value(mpt);
    }
    if (!json_is_array(classes) || json_array_size(classes) == 0) {
        rc = bad(&P, NULL, "%s", "\"classes\" must be a non-empty array");
        goto out;
    }
    s->classes = calloc(json_array_size(classes), sizeof *s->classes);
    if (!s->classes) {
        rc = clf__error(CLF_E_NOMEM, "out of memory");
        goto out;
    }
    for (size_t c = 0; c < json_array_size(classes) && rc == CLF_OK; c++) {
        json_t *jc = json_array_get(classes, c);
        s->n_classes = c + 1;
        size_t saved = P.max_per_template;
        json_t *cm = json_object_get(jc, "max_per_template");
        if (cm && json_is_integer(cm) && json_integer_value(cm) >= 1)
            P.max_per_template = (size_t)json_integer_value(cm);
        else if (cm) {
            rc = bad(&P, NULL, "%s", "a class's \"max_per_template\" must be an integer >= 1");
            break;
        }
        rc = parse_class(&P, c, jc);
        P.max_per_template = saved;
    }
out:
    json_decref(root);
    if (rc != CLF_OK) {
        clf_func_suite_free(s);
        return rc;
    }
    *out = s;
    return CLF_OK;
}

int clf_func_suite_load(clf_func_suite **out, const char *path, size_t n_cats,
                        const char *const *cats)
{
    if (!out || !path)
        return clf__error(CLF_E_INVALID_ARG, "functional suite: bad arguments");
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return clf__error(CLF_E_IO, "%s: %s", path, strerror(errno));
    sbuf b = {0};
    char buf[8192];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0) {
        sb_put(&b, buf, got);
        if (b.n > (size_t)64 << 20)
            break;
    }
    int err = ferror(f);
    fclose(f);
    if (b.oom || err || b.n > (size_t)64 << 20) {
        free(b.p);
        return b.oom ? clf__error(CLF_E_NOMEM, "out of memory")
                     : clf__error(err ? CLF_E_IO : CLF_E_TOO_LARGE, "%s: %s", path,
                                  err ? "read error" : "larger than 64 MiB");
    }
    int rc = clf_func_suite_parse(out, b.p ? b.p : "", b.n, path, n_cats, cats);
    free(b.p);
    return rc;
}

/* ---- outcomes, figures, gate --------------------------------------------- */

int clf_func_report_new(clf_func_report **out, const clf_func_suite *s)
{
    if (!out || !s)
        return clf__error(CLF_E_INVALID_ARG, "functional report: bad arguments");
    clf_func_report *r = calloc(1, sizeof *r);
    if (r) {
        r->suite = s;
        r->items = calloc(s->n_items ? s->n_items : 1, sizeof *r->items);
        r->classes = calloc(s->n_classes ? s->n_classes : 1, sizeof *r->classes);
        for (size_t k = 0; k < CLF_FUNC_MAX_CATEGORIES; k++)
            r->thresholds[k] = NAN;
    }
    if (!r || !r->items || !r->classes) {
        clf_func_report_free(r);
        return clf__error(CLF_E_NOMEM, "out of memory");
    }
    *out = r;
    return CLF_OK;
}

void clf_func_report_free(clf_func_report *r)
{
    if (!r)
        return;
    free(r->items);
    free(r->classes);
    free(r->model);
    free(r);
}

int clf_func_report_set(clf_func_report *r, size_t i, const double *prob, uint64_t flagged,
                        int abstain)
{
    if (!r || i >= r->suite->n_items || !prob)
        return clf__error(CLF_E_INVALID_ARG, "functional report: bad item");
    clf_func_outcome *o = &r->items[i];
    const clf_func_item *it = &r->suite->items[i];
    size_t nc = r->suite->n_cats;
    uint64_t all = nc >= 64 ? UINT64_MAX : ((uint64_t)1 << nc) - 1;
    o->scored = 1;
    o->abstain = abstain;
    o->flagged = abstain ? 0 : flagged & all; /* abstained: nothing is flagged */
    for (size_t k = 0; k < nc; k++)
        o->prob[k] = prob[k];
    o->pass = (o->flagged & it->must) == it->must && !(o->flagged & it->must_not) &&
              (!it->must_abstain || abstain);
    return CLF_OK;
}

void clf_func_report_finish(clf_func_report *r)
{
    const clf_func_suite *s = r->suite;
    memset(r->classes, 0, s->n_classes * sizeof *r->classes);
    for (size_t i = 0; i < s->n_items; i++) {
        const clf_func_item *it = &s->items[i];
        const clf_func_outcome *o = &r->items[i];
        clf_func_class_result *c = &r->classes[it->cls];
        c->n++;
        if (!o->scored) {
            /* an error counts against the class either way */
            c->n_unscored++;
            c->n_flagged += !s->classes[it->cls].positive;
            continue;
        }
        c->n_flagged += (o->flagged & it->must_not) != 0;
        c->n_hit += it->must && (o->flagged & it->must) == it->must;
        c->n_abstained += o->abstain != 0;
        c->n_pass += o->pass != 0;
        for (size_t k = 0; k < s->n_cats; k++)
            c->by_cat[k] += (o->flagged >> k & 1) != 0;
    }
    r->gate_pass = 1;
    r->n_gated = r->n_gate_failed = 0;
    for (size_t k = 0; k < s->n_classes; k++) {
        const clf_func_class *cl = &s->classes[k];
        clf_func_class_result *c = &r->classes[k];
        size_t num = cl->positive ? c->n_hit : c->n_flagged;
        c->value = c->n ? (double)num / (double)c->n : NAN;
        clf_wilson_interval(num, c->n, &c->ci.lo, &c->ci.hi);
        c->ci.n_valid = c->n;
        c->abstain_rate = c->n ? (double)c->n_abstained / (double)c->n : NAN;
        c->gated = !isnan(cl->max_flag_rate) || !isnan(cl->min_recall) || !isnan(cl->min_abstain_rate);
        c->gate_pass = 1;
        /* the gate compares counts, so that 2% of 50 items means "at most 1" exactly */
        if (!isnan(cl->max_flag_rate) && (double)c->n_flagged > cl->max_flag_rate * (double)c->n + 1e-9)
            c->gate_pass = 0;
        if (!isnan(cl->min_recall) && (double)c->n_hit < cl->min_recall * (double)c->n - 1e-9)
            c->gate_pass = 0;
        if (!isnan(cl->min_abstain_rate) &&
            (double)c->n_abstained < cl->min_abstain_rate * (double)c->n - 1e-9)
            c->gate_pass = 0;
        if (c->gated) {
            r->n_gated++;
            if (!c->gate_pass) {
                r->n_gate_failed++;
                r->gate_pass = 0;
            }
        }
    }
}

int clf_func_score_all(clf_func_report *r, clf_scorer *sc)
{
    if (!r || !sc)
        return clf__error(CLF_E_INVALID_ARG, "functional: bad arguments");
    const clf_func_suite *s = r->suite;
    size_t nc = s->n_cats;
    clf_score_result res[CLF_FUNC_MAX_CATEGORIES];
    double prob[CLF_FUNC_MAX_CATEGORIES];
    for (size_t k = 0; k < nc; k++)
        r->thresholds[k] = clf_scorer_threshold(sc, k);
    for (size_t i = 0; i < s->n_items; i++) {
        const char *text = s->items[i].text;
        clf_doc_info info;
        int rc = clf_score(sc, text, strlen(text), res, CLF_FUNC_MAX_CATEGORIES, &info);
        if (rc == CLF_E_NOMEM)
            return rc;
        if (rc < 0)
            continue; /* left unscored: a failure of its class */
        uint64_t flagged = 0;
        for (size_t k = 0; k < nc; k++) {
            prob[k] = res[k].probability;
            if (res[k].flagged)
                flagged |= (uint64_t)1 << k;
        }
        if ((rc = clf_func_report_set(r, i, prob, flagged, info.abstain)) != CLF_OK)
            return rc;
    }
    clf_func_report_finish(r);
    return CLF_OK;
}

const char *clf_func_abstain_name(int reason)
{
    const char *n = clf_abstain_name(reason);
    return n ? n : "abstained";
}
