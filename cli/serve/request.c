/*
 * request.c - parsing and validating request bodies into plain structs.
 * No I/O and no scoring: every rule a body can break is checked here, so
 * that one fuzz target (fuzz/fuzz_serve_request.c) covers all of them.
 *
 * Like Google's APIs, unknown field names are errors (a typo such as
 * "requestedAtributes" must not silently score nothing), wrong types are
 * errors, and each message names the field.
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "serve.h"

/* Perspective's attribute names, mapped (approximately: documented in the
 * README) onto the categories of libclassify's Arabic model. */
const char *const srv_aliases[][2] = {
    {"TOXICITY", "offensive"},
    {"SEVERE_TOXICITY", "offensive"},
    {"INSULT", "offensive"},
    {"PROFANITY", "offensive"},
    {"IDENTITY_ATTACK", "hate"},
    {"THREAT", "incitement"},
    {NULL, NULL},
};

int srv_fail(srv_error *e, int http, const char *status, const char *fmt, ...)
{
    e->http = http;
    e->status = status;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
    return http;
}

json_t *srv_error_json(srv_error *e, int openai)
{
    json_t *o = json_pack("{s:i, s:s, s:s}", "code", e->http, "message", e->message, "status",
                          e->status);
    if (openai) /* OpenAI clients read error.message and error.type */
        json_object_set_new(o, "type", json_string(e->http >= 500 ? "server_error"
                                                                  : "invalid_request_error"));
    if (e->details) {
        json_object_set_new(o, "details", e->details);
        e->details = NULL;
    }
    return json_pack("{s:o}", "error", o);
}

static const char *type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    default: return "null";
    }
}

static int bad_type(srv_error *e, const char *field, const char *want, const json_t *v)
{
    return srv_fail(e, 400, "INVALID_ARGUMENT",
                    "Invalid value at '%s': expected %s, got %s", field, want, type_name(v));
}

static json_t *load(const char *body, size_t len, srv_error *e)
{
    json_error_t je;
    if (len == 0) {
        srv_fail(e, 400, "INVALID_ARGUMENT", "Invalid JSON payload received: empty body");
        return NULL;
    }
    json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
    if (!root) {
        srv_fail(e, 400, "INVALID_ARGUMENT",
                 "Invalid JSON payload received: %s (line %d, column %d, byte %d)", je.text,
                 je.line, je.column, je.position);
        return NULL;
    }
    if (!json_is_object(root)) {
        srv_fail(e, 400, "INVALID_ARGUMENT",
                 "Invalid JSON payload received: expected an object, got %s", type_name(root));
        json_decref(root);
        return NULL;
    }
    return root;
}

/* Every key of o must be in names (NULL-terminated). */
static int known_fields(const json_t *o, const char *where, const char *const *names,
                        srv_error *e)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v) {
        size_t i = 0;
        while (names[i] && strcmp(names[i], k))
            i++;
        if (!names[i])
            return srv_fail(e, 400, "INVALID_ARGUMENT",
                            "Invalid JSON payload received. Unknown name \"%s\"%s%s: Cannot "
                            "find field.",
                            k, where[0] ? " at " : "", where);
    }
    return 0;
}

/* Optional field of a given JSON type: 0 (absent or right type) or the error. */
static int opt_field(const json_t *o, const char *key, const char *path, json_type t,
                     const json_t **out, srv_error *e)
{
    const json_t *v = json_object_get(o, key);
    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    int ok = t == JSON_TRUE ? json_is_boolean(v) : t == JSON_REAL ? json_is_number(v)
                                                                   : json_typeof(v) == t;
    if (!ok)
        return bad_type(e, path, t == JSON_TRUE ? "a boolean" : t == JSON_REAL ? "a number"
                                  : t == JSON_STRING ? "a string" : t == JSON_ARRAY ? "an array"
                                                                                    : "an object",
                        v);
    *out = v;
    return 0;
}

int srv_attr_resolve(const clf_model *m, const char *name, size_t *cat)
{
    char lower[64];
    size_t n = strlen(name);
    if (n == 0 || n >= sizeof lower)
        return -1;
    for (size_t i = 0; i <= n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c && !(isupper(c) || isdigit(c) || c == '_'))
            return -1; /* attribute names are written in capitals */
        lower[i] = (char)tolower(c);
    }
    for (size_t i = 0; srv_aliases[i][0]; i++)
        if (!strcmp(srv_aliases[i][0], name)) {
            snprintf(lower, sizeof lower, "%s", srv_aliases[i][1]);
            break;
        }
    return clf_model_category_index(m, lower, cat) == CLF_OK ? 0 : -1;
}

/* "comment": {"text": ..., "type": "PLAIN_TEXT"} */
static int parse_comment(const json_t *root, size_t max_doc, const char **text, size_t *len,
                         srv_error *e)
{
    const json_t *c;
    if (opt_field(root, "comment", "comment", JSON_OBJECT, &c, e))
        return e->http;
    if (!c)
        return srv_fail(e, 400, "INVALID_ARGUMENT", "comment.text is required");
    static const char *const names[] = {"text", "type", NULL};
    if (known_fields(c, "'comment'", names, e))
        return e->http;
    const json_t *t, *type;
    if (opt_field(c, "text", "comment.text", JSON_STRING, &t, e) ||
        opt_field(c, "type", "comment.type", JSON_STRING, &type, e))
        return e->http;
    if (!t)
        return srv_fail(e, 400, "INVALID_ARGUMENT", "comment.text is required");
    if (type && strcmp(json_string_value(type), "PLAIN_TEXT"))
        return srv_fail(e, 400, "INVALID_ARGUMENT",
                        "comment.type \"%s\" is not supported: only PLAIN_TEXT",
                        json_string_value(type));
    *text = json_string_value(t);
    *len = json_string_length(t);
    if (*len == 0)
        return srv_fail(e, 400, "INVALID_ARGUMENT", "Comment must be non-empty.");
    if (*len > max_doc)
        return srv_fail(e, 400, "INVALID_ARGUMENT",
                        "Comment text too long: %zu bytes, the limit is %zu bytes", *len,
                        max_doc);
    return 0;
}

/* The model is Arabic: every requested language must be Arabic (ar, ar-EG,
 * ar_SA, ...), as Perspective requires all requested languages supported. */
static int parse_languages(const json_t *root, const char *first_attr, json_t **out,
                           srv_error *e)
{
    const json_t *l;
    *out = NULL;
    if (opt_field(root, "languages", "languages", JSON_ARRAY, &l, e))
        return e->http;
    if (!l)
        return 0;
    size_t i;
    const json_t *v;
    json_array_foreach(l, i, v) {
        if (!json_is_string(v))
            return bad_type(e, "languages[]", "a string", v);
        const char *s = json_string_value(v);
        if (strncasecmp(s, "ar", 2) || (s[2] && s[2] != '-' && s[2] != '_')) {
            e->details = json_pack("[{s:s, s:s, s:{s:[], s:s, s:O}}]", "@type",
                                   "type.googleapis.com/google.commentanalyzer.v1alpha1.Error",
                                   "errorType", "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE",
                                   "languageNotSupportedByAttributeError", "detectedLanguages",
                                   "attribute", first_attr ? first_attr : "", "requestedLanguages",
                                   l);
            return srv_fail(e, 400, "INVALID_ARGUMENT",
                            "Attribute %s does not support request languages: %s",
                            first_attr ? first_attr : "(any)", s);
        }
    }
    *out = (json_t *)l;
    return 0;
}

static int parse_opt_string(const json_t *root, const char *key, const char **out, srv_error *e)
{
    const json_t *v;
    if (opt_field(root, key, key, JSON_STRING, &v, e))
        return e->http;
    *out = v ? json_string_value(v) : NULL;
    return 0;
}

static int check_common(const json_t *root, srv_error *e)
{
    const json_t *v;
    const char *s;
    if (parse_opt_string(root, "sessionId", &s, e) || parse_opt_string(root, "communityId", &s, e) ||
        opt_field(root, "context", "context", JSON_OBJECT, &v, e) ||
        opt_field(root, "doNotStore", "doNotStore", JSON_TRUE, &v, e))
        return e->http;
    return 0;
}

/* "libclassify": {"explain": K, "spanUnit": "sentence"|"paragraph"} */
static int parse_extras(const json_t *root, srv_analyze_req *r, srv_error *e)
{
    const json_t *x;
    if (opt_field(root, "libclassify", "libclassify", JSON_OBJECT, &x, e))
        return e->http;
    if (!x)
        return 0;
    static const char *const names[] = {"explain", "spanUnit", NULL};
    if (known_fields(x, "'libclassify'", names, e))
        return e->http;
    const json_t *k = json_object_get(x, "explain"), *u;
    if (k && !json_is_null(k)) {
        if (!json_is_integer(k) || json_integer_value(k) < 0 || json_integer_value(k) > 100)
            return srv_fail(e, 400, "INVALID_ARGUMENT",
                            "libclassify.explain: expected an integer in 0..100");
        r->explain = (size_t)json_integer_value(k);
    }
    if (opt_field(x, "spanUnit", "libclassify.spanUnit", JSON_STRING, &u, e))
        return e->http;
    if (u) {
        const char *s = json_string_value(u);
        if (!strcmp(s, "sentence"))
            r->span_unit = CLF_SPAN_SENTENCES;
        else if (!strcmp(s, "paragraph"))
            r->span_unit = CLF_SPAN_PARAGRAPHS;
        else
            return srv_fail(e, 400, "INVALID_ARGUMENT",
                            "libclassify.spanUnit: \"sentence\" or \"paragraph\", got \"%s\"", s);
    }
    return 0;
}

int srv_parse_analyze(srv_analyze_req *r, const char *body, size_t len, const clf_model *m,
                      size_t max_doc, srv_error *e)
{
    memset(r, 0, sizeof *r);
    r->span_unit = CLF_SPAN_SENTENCES;
    if (!(r->root = load(body, len, e)))
        return e->http;
    static const char *const names[] = {
        "comment", "context", "requestedAttributes", "languages", "doNotStore", "clientToken",
        "sessionId", "communityId", "spanAnnotations", "dropUnsupportedAttributes",
        "libclassify", NULL};
    const json_t *ra, *v;
    if (known_fields(r->root, "", names, e) || parse_comment(r->root, max_doc, &r->text, &r->len, e) ||
        check_common(r->root, e) || parse_opt_string(r->root, "clientToken", &r->client_token, e) ||
        opt_field(r->root, "requestedAttributes", "requestedAttributes", JSON_OBJECT, &ra, e) ||
        opt_field(r->root, "dropUnsupportedAttributes", "dropUnsupportedAttributes", JSON_TRUE,
                  &v, e) ||
        parse_extras(r->root, r, e))
        goto fail;
    if ((v = json_object_get(r->root, "spanAnnotations")) && !json_is_null(v)) {
        if (!json_is_boolean(v)) {
            bad_type(e, "spanAnnotations", "a boolean", v);
            goto fail;
        }
        r->spans = json_is_true(v);
    }
    if (!ra || json_object_size(ra) == 0) {
        srv_fail(e, 400, "INVALID_ARGUMENT", "requestedAttributes must not be empty");
        goto fail;
    }
    if (json_object_size(ra) > SRV_MAX_ATTRS) {
        srv_fail(e, 400, "INVALID_ARGUMENT", "too many requestedAttributes (at most %d)",
                 SRV_MAX_ATTRS);
        goto fail;
    }
    const char *name;
    json_t *p;
    json_object_foreach((json_t *)ra, name, p) {
        srv_attr *a = &r->attrs[r->nattrs];
        a->name = name;
        if (srv_attr_resolve(m, name, &a->cat)) {
            srv_fail(e, 400, "INVALID_ARGUMENT",
                     "Unknown attribute: %s (this model knows its categories in capitals "
                     "and the aliases listed in GET /status)",
                     name);
            goto fail;
        }
        if (!json_is_object(p) && !json_is_null(p)) {
            bad_type(e, "requestedAttributes.*", "an object", p);
            goto fail;
        }
        if (json_is_object(p)) {
            static const char *const pnames[] = {"scoreType", "scoreThreshold", NULL};
            const json_t *st, *th;
            if (known_fields(p, "'requestedAttributes'", pnames, e) ||
                opt_field(p, "scoreType", "scoreType", JSON_STRING, &st, e) ||
                opt_field(p, "scoreThreshold", "scoreThreshold", JSON_REAL, &th, e))
                goto fail;
            if (st && strcmp(json_string_value(st), "PROBABILITY")) {
                srv_fail(e, 400, "INVALID_ARGUMENT",
                         "scoreType \"%s\" of %s is not supported: only PROBABILITY",
                         json_string_value(st), name);
                goto fail;
            }
            if (th) {
                double t = json_number_value(th);
                if (!(t >= 0.0 && t <= 1.0)) {
                    srv_fail(e, 400, "INVALID_ARGUMENT",
                             "scoreThreshold of %s must be in [0, 1]", name);
                    goto fail;
                }
                a->threshold = t;
            }
        }
        r->nattrs++;
    }
    if (parse_languages(r->root, r->attrs[0].name, &r->languages, e))
        goto fail;
    return 0;
fail:
    srv_analyze_req_free(r);
    return e->http;
}

void srv_analyze_req_free(srv_analyze_req *r)
{
    json_decref(r->root);
    r->root = NULL;
}

int srv_parse_moderation(srv_moderation_req *r, const char *body, size_t len, size_t max_doc,
                         size_t max_inputs, srv_error *e)
{
    memset(r, 0, sizeof *r);
    if (!(r->root = load(body, len, e)))
        return e->http;
    static const char *const names[] = {"input", "model", NULL};
    const json_t *model;
    if (known_fields(r->root, "", names, e) ||
        opt_field(r->root, "model", "model", JSON_STRING, &model, e))
        goto fail;
    json_t *in = json_object_get(r->root, "input");
    if (!in || json_is_null(in)) {
        srv_fail(e, 400, "INVALID_ARGUMENT", "input is required");
        goto fail;
    }
    if (!json_is_string(in) && !json_is_array(in)) {
        bad_type(e, "input", "a string or an array of strings", in);
        goto fail;
    }
    r->n = json_is_string(in) ? 1 : json_array_size(in);
    if (r->n == 0) {
        srv_fail(e, 400, "INVALID_ARGUMENT", "input must not be an empty array");
        goto fail;
    }
    if (r->n > max_inputs) {
        srv_fail(e, 400, "INVALID_ARGUMENT", "input has %zu items, the limit is %zu", r->n,
                 max_inputs);
        goto fail;
    }
    r->texts = malloc(r->n * sizeof *r->texts);
    r->lens = malloc(r->n * sizeof *r->lens);
    if (!r->texts || !r->lens) {
        srv_fail(e, 500, "INTERNAL", "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < r->n; i++) {
        json_t *v = json_is_string(in) ? in : json_array_get(in, i);
        /* the multi-modal form {"type": "text", "text": ...} is accepted too */
        if (json_is_object(v)) {
            json_t *ty = json_object_get(v, "type"), *tx = json_object_get(v, "text");
            if (!json_is_string(ty) || strcmp(json_string_value(ty), "text") || !json_is_string(tx) ||
                json_object_size(v) != 2) {
                srv_fail(e, 400, "INVALID_ARGUMENT",
                         "input[%zu]: only {\"type\": \"text\", \"text\": ...} objects are "
                         "supported",
                         i);
                goto fail;
            }
            v = tx;
        }
        if (!json_is_string(v)) {
            char where[48];
            snprintf(where, sizeof where, "input[%zu]", i);
            bad_type(e, where, "a string", v);
            goto fail;
        }
        r->texts[i] = json_string_value(v);
        r->lens[i] = json_string_length(v);
        if (r->lens[i] > max_doc) {
            srv_fail(e, 400, "INVALID_ARGUMENT",
                     "input[%zu] is %zu bytes, the limit is %zu bytes", i, r->lens[i], max_doc);
            goto fail;
        }
    }
    return 0;
fail:
    srv_moderation_req_free(r);
    return e->http;
}

void srv_moderation_req_free(srv_moderation_req *r)
{
    free(r->texts);
    free(r->lens);
    json_decref(r->root);
    memset(r, 0, sizeof *r);
}

int srv_parse_suggest(srv_suggest_req *r, const char *body, size_t len, const clf_model *m,
                      size_t max_doc, srv_error *e)
{
    memset(r, 0, sizeof *r);
    if (!(r->root = load(body, len, e)))
        return e->http;
    static const char *const names[] = {"comment", "context", "attributeScores", "languages",
                                        "clientToken", "sessionId", "communityId", NULL};
    const json_t *as, *l;
    if (known_fields(r->root, "", names, e) ||
        parse_comment(r->root, max_doc, &r->text, &r->len, e) || check_common(r->root, e) ||
        parse_opt_string(r->root, "clientToken", &r->client_token, e) ||
        opt_field(r->root, "languages", "languages", JSON_ARRAY, &l, e) ||
        opt_field(r->root, "attributeScores", "attributeScores", JSON_OBJECT, &as, e))
        goto fail;
    if (!as || json_object_size(as) == 0) {
        srv_fail(e, 400, "INVALID_ARGUMENT", "attributeScores must not be empty");
        goto fail;
    }
    if (json_object_size(as) > SRV_MAX_ATTRS) {
        srv_fail(e, 400, "INVALID_ARGUMENT", "too many attributeScores");
        goto fail;
    }
    const char *name;
    json_t *p;
    json_object_foreach((json_t *)as, name, p) {
        srv_attr *a = &r->attrs[r->nattrs];
        a->name = name;
        if (srv_attr_resolve(m, name, &a->cat)) {
            srv_fail(e, 400, "INVALID_ARGUMENT", "Unknown attribute: %s", name);
            goto fail;
        }
        json_t *ss = json_is_object(p) ? json_object_get(p, "summaryScore") : NULL;
        json_t *val = json_is_object(ss) ? json_object_get(ss, "value") : NULL;
        if (!json_is_number(val) || !(json_number_value(val) >= 0.0 && json_number_value(val) <= 1.0)) {
            srv_fail(e, 400, "INVALID_ARGUMENT",
                     "attributeScores.%s.summaryScore.value must be a number in [0, 1]", name);
            goto fail;
        }
        json_t *ty = json_object_get(ss, "type");
        if (ty && !json_is_null(ty) &&
            (!json_is_string(ty) || strcmp(json_string_value(ty), "PROBABILITY"))) {
            srv_fail(e, 400, "INVALID_ARGUMENT",
                     "attributeScores.%s.summaryScore.type: only PROBABILITY", name);
            goto fail;
        }
        r->values[r->nattrs] = json_number_value(val);
        r->nattrs++;
    }
    return 0;
fail:
    srv_suggest_req_free(r);
    return e->http;
}

void srv_suggest_req_free(srv_suggest_req *r)
{
    json_decref(r->root);
    r->root = NULL;
}

size_t srv_utf16_units(const char *text, size_t off)
{
    size_t u = 0;
    for (size_t i = 0; i < off; i++) {
        unsigned char c = (unsigned char)text[i];
        if ((c & 0xC0) != 0x80)
            u += c >= 0xF0 ? 2 : 1; /* a 4-byte sequence is a surrogate pair */
    }
    return u;
}
