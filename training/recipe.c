/*
 * recipe.c - reading and validating training recipes (JSON, jansson).
 * Every key is checked: an unknown key is an error rather than a silent
 * default, because a misspelt "negatives_for" would quietly change a model.
 */
#include "recipe.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* The recipe being parsed, for error messages. */
typedef struct parser {
    const char *source;
    clf_recipe *r;
} parser;

static int perr(const parser *p, const char *fmt, ...) CLF_PRINTF(2, 3);
static int perr(const parser *p, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return clf__error(CLF_E_PARSE, "%s: %s", p->source, msg);
}

static char *dupstr(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* Names of categories and corpora: short identifiers, usable on a command
 * line ("hate=0.7") and in file names. */
static int valid_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > CLF_RECIPE_MAX_NAME)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.'))
            return 0;
    }
    return 1;
}

/* Every key of obj must be one of allowed (NULL-terminated). */
static int check_keys(const parser *p, json_t *obj, const char *where, const char *const *allowed)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        (void)v;
        int ok = 0;
        for (size_t i = 0; allowed[i]; i++)
            if (!strcmp(key, allowed[i])) {
                ok = 1;
                break;
            }
        if (!ok)
            return perr(p, "%s: unknown key \"%s\"", where, key);
    }
    return CLF_OK;
}

static int get_string(const parser *p, json_t *obj, const char *where, const char *key,
                      int required, const char **out)
{
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v) {
        if (required)
            return perr(p, "%s: missing \"%s\"", where, key);
        return CLF_OK;
    }
    if (!json_is_string(v))
        return perr(p, "%s.%s: expected a string", where, key);
    *out = json_string_value(v);
    return CLF_OK;
}

/* An unsigned integer in [lo, hi]. */
static int get_uint(const parser *p, json_t *obj, const char *where, const char *key,
                    uint64_t lo, uint64_t hi, uint64_t *out)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return CLF_OK; /* keep the default */
    if (!json_is_integer(v) || json_integer_value(v) < 0 ||
        (uint64_t)json_integer_value(v) < lo || (uint64_t)json_integer_value(v) > hi)
        return perr(p, "%s.%s: expected an integer in [%llu, %llu]", where, key,
                    (unsigned long long)lo, (unsigned long long)hi);
    *out = (uint64_t)json_integer_value(v);
    return CLF_OK;
}

static int get_bool(const parser *p, json_t *obj, const char *where, const char *key,
                    unsigned int *out)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return CLF_OK;
    if (!json_is_boolean(v))
        return perr(p, "%s.%s: expected true or false", where, key);
    *out = json_is_true(v) ? 1u : 0u;
    return CLF_OK;
}

/* A JSON array of category names (v, which is where.key) into a mask. */
static int categories_mask(const parser *p, json_t *v, const char *where, const char *key,
                           uint64_t *mask)
{
    *mask = 0;
    if (!json_is_array(v))
        return perr(p, "%s.%s: expected an array of category names", where, key);
    size_t i;
    json_t *e;
    json_array_foreach(v, i, e) {
        if (!json_is_string(e))
            return perr(p, "%s.%s[%zu]: expected a category name", where, key, i);
        int k = clf_recipe_category_index(p->r, json_string_value(e));
        if (k < 0)
            return perr(p, "%s.%s: unknown category \"%s\" (not in \"categories\")", where, key,
                        json_string_value(e));
        if (*mask & (UINT64_C(1) << k))
            return perr(p, "%s.%s: category \"%s\" listed twice", where, key,
                        json_string_value(e));
        *mask |= UINT64_C(1) << k;
    }
    return CLF_OK;
}

/* The optional list obj[key] of category names into a mask. */
static int get_categories(const parser *p, json_t *obj, const char *where, const char *key,
                          uint64_t *mask)
{
    json_t *v = json_object_get(obj, key);
    *mask = 0;
    return v ? categories_mask(p, v, where, key, mask) : CLF_OK;
}

static int parse_categories(parser *p, json_t *root)
{
    clf_recipe *r = p->r;
    json_t *v = json_object_get(root, "categories");
    if (!v)
        return perr(p, "missing \"categories\"");
    if (!json_is_array(v) || json_array_size(v) == 0)
        return perr(p, "categories: expected a non-empty array of names");
    if (json_array_size(v) > CLF_RECIPE_MAX_CATEGORIES)
        return perr(p, "categories: at most %d categories", CLF_RECIPE_MAX_CATEGORIES);
    r->categories = calloc(json_array_size(v), sizeof *r->categories);
    if (!r->categories)
        return clf__error(CLF_E_NOMEM, "out of memory");
    size_t i;
    json_t *e;
    json_array_foreach(v, i, e) {
        if (!json_is_string(e) || !valid_name(json_string_value(e)))
            return perr(p, "categories[%zu]: expected a name of letters, digits, '_', '-', '.'",
                        i);
        if (clf_recipe_category_index(r, json_string_value(e)) >= 0)
            return perr(p, "categories: \"%s\" listed twice", json_string_value(e));
        if (!(r->categories[i] = dupstr(json_string_value(e))))
            return clf__error(CLF_E_NOMEM, "out of memory");
        r->n_categories = i + 1;
    }
    r->thresholds = calloc(r->n_categories, sizeof *r->thresholds);
    if (!r->thresholds)
        return clf__error(CLF_E_NOMEM, "out of memory");
    for (size_t k = 0; k < r->n_categories; k++)
        r->thresholds[k].rule = CLF_THRESHOLD_BEST_F1;
    return CLF_OK;
}

static int parse_normalize(parser *p, json_t *root)
{
    const char *spec;
    int rc = get_string(p, root, "recipe", "normalize", 0, &spec);
    if (rc != CLF_OK || !spec)
        return rc;
    unsigned int flags = 0;
    rc = clf_norm_parse_flags(spec, &flags);
    if (rc != CLF_OK)
        return perr(p, "normalize: %s", clf_last_error());
    p->r->nopts.flags = flags;
    return CLF_OK;
}

static int parse_features(parser *p, json_t *root)
{
    static const char *const keys[] = {"word_ngram_max", "char_ngram_min", "char_ngram_max",
                                       "char_mode", "stems", "hash_bits", "hash_seed",
                                       "sublinear_tf", "l2_normalize", "min_df", "drop_artefacts",
                                       NULL};
    clf_recipe *r = p->r;
    clf_feature_options *fo = &r->fopts;
    json_t *obj = json_object_get(root, "features");
    if (!obj)
        return CLF_OK;
    if (!json_is_object(obj))
        return perr(p, "features: expected an object");
    int rc = check_keys(p, obj, "features", keys);
    uint64_t v;
    const char *s;
#define UINT_KEY(key, lo, hi, field)                                          \
    if (rc == CLF_OK) {                                                       \
        v = fo->field;                                                        \
        rc = get_uint(p, obj, "features", key, lo, hi, &v);                   \
        fo->field = (unsigned int)v;                                          \
    }
    UINT_KEY("word_ngram_max", 0, CLF_MAX_WORD_NGRAM, word_ngram_max)
    UINT_KEY("char_ngram_min", 1, CLF_MAX_CHAR_NGRAM, char_ngram_min)
    UINT_KEY("char_ngram_max", 0, CLF_MAX_CHAR_NGRAM, char_ngram_max)
    UINT_KEY("hash_bits", CLF_MIN_HASH_BITS, CLF_MAX_HASH_BITS, hash_bits)
#undef UINT_KEY
    if (rc == CLF_OK) {
        v = fo->hash_seed;
        rc = get_uint(p, obj, "features", "hash_seed", 0, UINT64_MAX, &v);
        fo->hash_seed = v;
    }
    if (rc == CLF_OK) {
        v = r->min_df;
        rc = get_uint(p, obj, "features", "min_df", 1, 1000000, &v);
        r->min_df = (uint32_t)v;
    }
    if (rc == CLF_OK)
        rc = get_bool(p, obj, "features", "stems", &fo->stems);
    if (rc == CLF_OK)
        rc = get_bool(p, obj, "features", "sublinear_tf", &fo->sublinear_tf);
    if (rc == CLF_OK)
        rc = get_bool(p, obj, "features", "l2_normalize", &fo->l2_normalize);
    if (rc == CLF_OK) {
        unsigned int drop = (unsigned int)r->drop_artefacts;
        rc = get_bool(p, obj, "features", "drop_artefacts", &drop);
        r->drop_artefacts = (int)drop;
    }
    if (rc == CLF_OK)
        rc = get_string(p, obj, "features", "char_mode", 0, &s);
    if (rc != CLF_OK)
        return rc;
    if (s) {
        if (!strcmp(s, "within"))
            fo->char_mode = CLF_CHAR_WITHIN;
        else if (!strcmp(s, "across"))
            fo->char_mode = CLF_CHAR_ACROSS;
        else if (!strcmp(s, "both"))
            fo->char_mode = CLF_CHAR_BOTH;
        else
            return perr(p, "features.char_mode: expected \"within\", \"across\" or \"both\"");
    }
    if (fo->char_ngram_max && fo->char_ngram_min > fo->char_ngram_max)
        return perr(p, "features: char_ngram_min (%u) > char_ngram_max (%u)", fo->char_ngram_min,
                    fo->char_ngram_max);
    if (!fo->word_ngram_max && !fo->char_ngram_max && !fo->stems)
        return perr(p, "features: every feature family is switched off");
    return CLF_OK;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int parse_rule(const parser *p, const char *where, const char *s,
                      clf_threshold_spec *out)
{
    if (!strcmp(s, "best_f1")) {
        out->rule = CLF_THRESHOLD_BEST_F1;
        out->precision = 0.0;
        return CLF_OK;
    }
    if (!strncmp(s, "precision:", 10)) {
        char *end;
        errno = 0;
        double v = strtod(s + 10, &end);
        if (end != s + 10 && !*end && errno == 0 && v > 0.0 && v <= 1.0) {
            out->rule = CLF_THRESHOLD_PRECISION;
            out->precision = v;
            return CLF_OK;
        }
    }
    return perr(p, "%s: expected \"best_f1\" or \"precision:P\" with 0 < P <= 1, not \"%s\"",
                where, s);
}

/* "threshold": a rule for every category, or {"category": rule, "*": rule}. */
static int parse_thresholds(const parser *p, json_t *v)
{
    clf_recipe *r = p->r;
    if (json_is_string(v)) {
        clf_threshold_spec spec;
        int rc = parse_rule(p, "training.threshold", json_string_value(v), &spec);
        for (size_t k = 0; k < r->n_categories && rc == CLF_OK; k++)
            r->thresholds[k] = spec;
        return rc;
    }
    if (!json_is_object(v))
        return perr(p, "training.threshold: expected a rule or an object {category: rule}");
    json_t *star = json_object_get(v, "*");
    if (star) {
        if (!json_is_string(star))
            return perr(p, "training.threshold.*: expected a rule");
        int rc = parse_thresholds(p, star); /* the default, before the overrides */
        if (rc != CLF_OK)
            return rc;
    }
    const char *key;
    json_t *e;
    json_object_foreach(v, key, e) {
        if (!strcmp(key, "*"))
            continue;
        int k = clf_recipe_category_index(r, key);
        if (k < 0)
            return perr(p, "training.threshold: unknown category \"%s\"", key);
        char where[CLF_RECIPE_MAX_NAME + 32];
        snprintf(where, sizeof where, "training.threshold.%s", key);
        if (!json_is_string(e))
            return perr(p, "%s: expected a rule", where);
        int rc = parse_rule(p, where, json_string_value(e), &r->thresholds[k]);
        if (rc != CLF_OK)
            return rc;
    }
    return CLF_OK;
}

/* One value of training.solver: "logreg" (the default) or "svm". */
static int solver_value(const parser *p, json_t *v, const char *where, unsigned char *out)
{
    const char *s = json_is_string(v) ? json_string_value(v) : NULL;
    if (s && !strcmp(s, "logreg"))
        *out = CLF_SOLVER_LOGREG;
    else if (s && !strcmp(s, "svm"))
        *out = CLF_SOLVER_SVM;
    else
        return perr(p, "%s: expected \"logreg\" (liblinear L2R_LR) or \"svm\" (liblinear "
                       "L2R_L2LOSS_SVC)", where);
    return CLF_OK;
}

/* Parses one value of a per-category option into *out, or fails naming where. */
typedef int (*category_value_fn)(const parser *p, json_t *v, const char *where,
                                 unsigned char *out);

/*
 * A per-category option tr.<name> (tr: the "training" object, or NULL): one
 * value for every category, or {category: value, "*": value}, "*" applied
 * first whatever the key order. *vals becomes one byte a category, 0 (the
 * default) where the option says nothing. Every error names the key it is
 * about (training.<name>.<category>).
 */
static int parse_per_category(const parser *p, json_t *tr, const char *name,
                              category_value_fn value, unsigned char **vals)
{
    const clf_recipe *r = p->r;
    char where[CLF_RECIPE_MAX_NAME + 48];
    unsigned char x = 0;
    int rc;
    if (!*vals && !(*vals = calloc(r->n_categories, 1)))
        return clf__error(CLF_E_NOMEM, "out of memory");
    unsigned char *out = *vals;
    json_t *v = json_is_object(tr) ? json_object_get(tr, name) : NULL;
    if (!v)
        return CLF_OK;
    if (!json_is_object(v)) {
        snprintf(where, sizeof where, "training.%s", name);
        if ((rc = value(p, v, where, &x)) != CLF_OK)
            return rc;
        memset(out, x, r->n_categories);
        return CLF_OK;
    }
    json_t *star = json_object_get(v, "*");
    if (star) {
        snprintf(where, sizeof where, "training.%s.*", name);
        if ((rc = value(p, star, where, &x)) != CLF_OK)
            return rc;
        memset(out, x, r->n_categories);
    }
    const char *key;
    json_t *e;
    json_object_foreach(v, key, e) {
        if (!strcmp(key, "*"))
            continue;
        int k = clf_recipe_category_index(r, key);
        if (k < 0)
            return perr(p, "training.%s: unknown category \"%s\"", name, key);
        snprintf(where, sizeof where, "training.%s.%s", name, key);
        if ((rc = value(p, e, where, &out[k])) != CLF_OK)
            return rc;
    }
    return CLF_OK;
}

/* One value of training.select_metric (default "average_precision"):
 * 1 = "capped_average_precision". */
static int select_metric_value(const parser *p, json_t *v, const char *where, unsigned char *out)
{
    const char *s = json_is_string(v) ? json_string_value(v) : NULL;
    if (s && !strcmp(s, "average_precision"))
        *out = 0;
    else if (s && !strcmp(s, "capped_average_precision"))
        *out = 1;
    else
        return perr(p, "%s: expected \"average_precision\" or \"capped_average_precision\"",
                    where);
    return CLF_OK;
}

static int parse_training(parser *p, json_t *root)
{
    static const char *const keys[] = {"solver", "folds", "c_grid", "select_metric", "threshold",
                                       "threshold_source", "seed", "eps", "class_weight",
                                       "weights", "c_grid_extend", "c_grid_extend_gain", "select_on",
                                       "max_flag_rate", "gates", "gate_weights", "gate_taus", "gate_max_ap_loss",
                                       "nb_scaling", "flag_by_default", "threshold_caps",
                                       "evidence_words", NULL};
    clf_recipe *r = p->r;
    json_t *obj = json_object_get(root, "training");
    if (!obj)
        return CLF_OK;
    if (!json_is_object(obj))
        return perr(p, "training: expected an object");
    int rc = check_keys(p, obj, "training", keys);
    const char *s = NULL;
    uint64_t v;
    /* per category; read after the categories */
    if (rc == CLF_OK)
        rc = parse_per_category(p, obj, "solver", solver_value, &r->solver);
    if (rc == CLF_OK)
        rc = parse_per_category(p, obj, "select_metric", select_metric_value, &r->select_capped);
    if (rc == CLF_OK) {
        v = r->folds;
        rc = get_uint(p, obj, "training", "folds", 2, CLF_RECIPE_MAX_FOLDS, &v);
        r->folds = (unsigned int)v;
    }
    if (rc == CLF_OK) {
        v = r->seed;
        rc = get_uint(p, obj, "training", "seed", 0, UINT64_MAX, &v);
        r->seed = v;
    }
    json_t *th = json_object_get(obj, "threshold");
    if (rc == CLF_OK && th)
        rc = parse_thresholds(p, th);
    if (rc == CLF_OK && (rc = get_string(p, obj, "training", "threshold_source", 0, &s)) ==
                            CLF_OK && s) {
        if (!strcmp(s, "oof"))
            r->threshold_source = CLF_THRESHOLD_SOURCE_OOF;
        else if (!strcmp(s, "dev"))
            r->threshold_source = CLF_THRESHOLD_SOURCE_DEV;
        else
            return perr(p, "training.threshold_source: expected \"oof\" or \"dev\"");
    }
    if (rc == CLF_OK && (rc = get_string(p, obj, "training", "class_weight", 0, &s)) == CLF_OK &&
        s) {
        if (!strcmp(s, "balanced"))
            r->balanced = 1;
        else if (!strcmp(s, "none"))
            r->balanced = 0;
        else
            return perr(p, "training.class_weight: expected \"balanced\" or \"none\"");
    }
    if (rc == CLF_OK) {
        unsigned int ext = (unsigned int)r->c_grid_extend;
        rc = get_bool(p, obj, "training", "c_grid_extend", &ext);
        r->c_grid_extend = (int)ext;
    }
    if (rc == CLF_OK && (rc = get_string(p, obj, "training", "select_on", 0, &s)) == CLF_OK &&
        s) {
        if (!strcmp(s, "in_domain"))
            r->select_in_domain = 1;
        else if (!strcmp(s, "all"))
            r->select_in_domain = 0;
        else
            return perr(p, "training.select_on: expected \"in_domain\" or \"all\"");
    }
    if (rc == CLF_OK && (rc = get_string(p, obj, "training", "weights", 0, &s)) == CLF_OK && s) {
        if (!strcmp(s, "f32"))
            r->weights = CLF_WEIGHTS_F32;
        else if (!strcmp(s, "i16"))
            r->weights = CLF_WEIGHTS_I16;
        else
            return perr(p, "training.weights: expected \"f32\" or \"i16\"");
    }
    if (rc != CLF_OK)
        return rc;

    json_t *loss = json_object_get(obj, "gate_max_ap_loss");
    if (loss) {
        if (!json_is_number(loss) || !(json_number_value(loss) >= 0.0) ||
            json_number_value(loss) > 1.0)
            return perr(p, "training.gate_max_ap_loss: expected a number in [0, 1]");
        r->gate_max_ap_loss = json_number_value(loss);
    }
    json_t *gain = json_object_get(obj, "c_grid_extend_gain");
    if (gain) {
        if (!json_is_number(gain) || !(json_number_value(gain) >= 0.0) ||
            json_number_value(gain) > 1.0)
            return perr(p, "training.c_grid_extend_gain: expected a number in [0, 1]");
        r->c_grid_extend_gain = json_number_value(gain);
    }
    json_t *e = json_object_get(obj, "eps");
    if (e) {
        if (!json_is_number(e) || !(json_number_value(e) > 0.0) || json_number_value(e) > 1.0)
            return perr(p, "training.eps: expected a number in (0, 1]");
        r->eps = json_number_value(e);
    }

    json_t *grid = json_object_get(obj, "c_grid");
    if (grid) {
        if (!json_is_array(grid) || json_array_size(grid) == 0 ||
            json_array_size(grid) > CLF_RECIPE_MAX_C)
            return perr(p, "training.c_grid: expected an array of 1..%d positive numbers",
                        CLF_RECIPE_MAX_C);
        double *c = malloc(json_array_size(grid) * sizeof *c);
        if (!c)
            return clf__error(CLF_E_NOMEM, "out of memory");
        free(r->c_grid);
        r->c_grid = c;
        size_t i;
        json_array_foreach(grid, i, e) {
            if (!json_is_number(e) || !(json_number_value(e) > 0.0) ||
                !isfinite(json_number_value(e)) || json_number_value(e) > 1e6)
                return perr(p, "training.c_grid[%zu]: expected a number in (0, 1e6]", i);
            c[i] = json_number_value(e);
        }
        size_t n = json_array_size(grid);
        /* Ascending order: cross-validation warm-starts each C from the
         * previous one, and ties in average precision go to the smaller C. */
        qsort(c, n, sizeof *c, cmp_double);
        size_t m = 0;
        for (size_t j = 0; j < n; j++)
            if (m == 0 || c[j] != c[m - 1])
                c[m++] = c[j];
        r->n_c = m;
    }
    return CLF_OK;
}

static int add_label(const parser *p, clf_recipe_corpus *c, const char *where, const char *label,
                     json_t *targets)
{
    clf_recipe_label *l = &c->labels[c->n_labels];
    if (!*label)
        return perr(p, "%s.labels: empty label name", where);
    if (!(l->name = dupstr(label)))
        return clf__error(CLF_E_NOMEM, "out of memory");
    c->n_labels++;
    char key[300];
    snprintf(key, sizeof key, "labels.%.256s", label);
    int rc = categories_mask(p, targets, where, key, &l->cats);
    if (rc != CLF_OK)
        return rc;
    uint64_t outside = l->cats & ~c->annotates;
    if (outside) {
        int k = 0;
        while (!(outside & (UINT64_C(1) << k)))
            k++;
        return perr(p, "%s.labels.%s: maps to \"%s\", which the corpus does not list in "
                       "\"annotates\"", where, label, p->r->categories[k]);
    }
    return CLF_OK;
}

/* One weight of a corpus: an integer in [1, 1000]. */
static int weight_value(const parser *p, json_t *v, const char *where, const char *key,
                        unsigned int *out)
{
    if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 1000)
        return perr(p, "%s.weight%s%s: expected an integer in [1, 1000]", where, key ? "." : "",
                    key ? key : "");
    *out = (unsigned int)json_integer_value(v);
    return CLF_OK;
}

/*
 * A corpus's "weight": a number for every category it gives examples for,
 * or {category: number, "*": number} ("*" = the others, default 1). A
 * category must be one the corpus gives examples for (annotates or
 * negatives_for): a weight for any other would do nothing.
 */
static int parse_corpus_weight(parser *p, json_t *obj, clf_recipe_corpus *c, const char *where)
{
    const clf_recipe *r = p->r;
    json_t *v = json_object_get(obj, "weight");
    unsigned int w = 1;
    int rc;
    if (!v)
        return CLF_OK;
    if (!json_is_object(v)) {
        if ((rc = weight_value(p, v, where, NULL, &w)) != CLF_OK)
            return rc;
        for (size_t k = 0; k < CLF_RECIPE_MAX_CATEGORIES; k++)
            c->weight[k] = w;
        return CLF_OK;
    }
    json_t *star = json_object_get(v, "*");
    if (star && (rc = weight_value(p, star, where, "*", &w)) != CLF_OK)
        return rc;
    for (size_t k = 0; k < CLF_RECIPE_MAX_CATEGORIES; k++)
        c->weight[k] = w;
    const char *key;
    json_t *e;
    json_object_foreach(v, key, e) {
        if (!strcmp(key, "*"))
            continue;
        int k = clf_recipe_category_index(r, key);
        if (k < 0)
            return perr(p, "%s.weight: unknown category \"%s\"", where, key);
        if (!((c->annotates | c->negatives_for) & (UINT64_C(1) << k)))
            return perr(p, "%s.weight: category \"%s\" gets no examples from this corpus (it is "
                           "in neither \"annotates\" nor \"negatives_for\")", where, key);
        if ((rc = weight_value(p, e, where, key, &c->weight[k])) != CLF_OK)
            return rc;
    }
    return CLF_OK;
}

static int parse_corpus(parser *p, json_t *obj, size_t idx)
{
    static const char *const keys[] = {"name",   "train",  "dev",       "format",
                                       "annotates", "negatives_for", "labels", "weight",
                                       "selection", "rewrite", "train_unit", "vocabulary",
                                       "rewritten_only", NULL};
    clf_recipe *r = p->r;
    clf_recipe_corpus *c = &r->corpora[idx];
    char where[CLF_RECIPE_MAX_NAME + 64];
    snprintf(where, sizeof where, "corpora[%zu]", idx);
    if (!json_is_object(obj))
        return perr(p, "%s: expected an object", where);
    /* the per-corpus "root" of recipes before the one path rule */
    if (json_object_get(obj, "root"))
        return perr(p, "%s.root: no longer exists: a path that starts with \"./\" or \"../\" is "
                       "relative to the recipe's folder (docs/training.md, \"Corpus paths\")", where);
    int rc = check_keys(p, obj, where, keys);
    const char *name = NULL, *train = NULL, *dev = NULL, *fmt = NULL, *unit = NULL;
    for (size_t k = 0; k < CLF_RECIPE_MAX_CATEGORIES; k++)
        c->weight[k] = 1;
    c->selection = 1;
    c->vocabulary = 1;
    c->max_flag_rate = NAN;
    if (rc == CLF_OK)
        rc = get_string(p, obj, where, "name", 1, &name);
    if (rc == CLF_OK) {
        unsigned int sel = 1;
        rc = get_bool(p, obj, where, "selection", &sel);
        c->selection = (int)sel;
    }
    if (rc == CLF_OK) {
        unsigned int voc = 1;
        rc = get_bool(p, obj, where, "vocabulary", &voc);
        c->vocabulary = (int)voc;
    }
    if (rc == CLF_OK) {
        unsigned int ro = 0;
        rc = get_bool(p, obj, where, "rewritten_only", &ro);
        c->rewritten_only = (int)ro;
    }
    if (rc == CLF_OK)
        rc = get_string(p, obj, where, "train", 0, &train);
    if (rc == CLF_OK)
        rc = get_string(p, obj, where, "dev", 0, &dev);
    if (rc == CLF_OK)
        rc = get_string(p, obj, where, "format", 0, &fmt);
    if (rc == CLF_OK)
        rc = get_string(p, obj, where, "train_unit", 0, &unit);
    if (rc != CLF_OK)
        return rc;
    if (!valid_name(name))
        return perr(p, "%s.name: expected a name of letters, digits, '_', '-', '.'", where);
    if (clf_recipe_corpus_index(r, name) >= 0)
        return perr(p, "%s.name: corpus \"%s\" listed twice", where, name);
    if (!(c->name = dupstr(name)))
        return clf__error(CLF_E_NOMEM, "out of memory");
    snprintf(where, sizeof where, "corpora[%zu] (%s)", idx, name);
    if (!train && !dev)
        return perr(p, "%s: needs \"train\" or \"dev\" (or both)", where);
    if ((train && !*train) || (dev && !*dev))
        return perr(p, "%s: \"train\" and \"dev\" are file paths, not empty strings", where);
    if ((train && !(c->train = dupstr(train))) || (dev && !(c->dev = dupstr(dev))))
        return clf__error(CLF_E_NOMEM, "out of memory");
    c->train_unit = CLF_RECIPE_UNIT_DOCUMENT;
    if (unit) {
        if (!strcmp(unit, "sentences"))
            c->train_unit = CLF_RECIPE_UNIT_SENTENCES;
        else if (!strcmp(unit, "paragraphs"))
            c->train_unit = CLF_RECIPE_UNIT_PARAGRAPHS;
        else if (strcmp(unit, "document"))
            return perr(p, "%s.train_unit: expected \"document\", \"sentences\" or "
                           "\"paragraphs\", not \"%s\"", where, unit);
        if (!train)
            return perr(p, "%s.train_unit: the corpus has no \"train\" file to cut", where);
    }
    c->format = CLF_FORMAT_AUTO;
    if (fmt) {
        int f = clf_format_parse(fmt);
        if (f < 0)
            return perr(p, "%s.format: unknown format \"%s\"", where, fmt);
        c->format = (clf_format)f;
    }
    if ((rc = get_categories(p, obj, where, "annotates", &c->annotates)) != CLF_OK ||
        (rc = get_categories(p, obj, where, "negatives_for", &c->negatives_for)) != CLF_OK)
        return rc;
    uint64_t both = c->annotates & c->negatives_for;
    if (both) {
        int k = 0;
        while (!(both & (UINT64_C(1) << k)))
            k++;
        return perr(p, "%s: category \"%s\" is in both \"annotates\" and \"negatives_for\"",
                    where, r->categories[k]);
    }
    if (!c->annotates && !c->negatives_for)
        return perr(p, "%s: gives no examples: list categories in \"annotates\" or "
                       "\"negatives_for\"", where);
    if ((rc = parse_corpus_weight(p, obj, c, where)) != CLF_OK)
        return rc;
    if (c->annotates && c->format == CLF_FORMAT_TEXT)
        return perr(p, "%s.format: \"text\" has no labels, so a corpus with \"annotates\" would "
                       "have no positives; use a labeled format or \"negatives_for\"", where);

    json_t *rw = json_object_get(obj, "rewrite");
    if (rw) {
        if (!json_is_array(rw))
            return perr(p, "%s.rewrite: expected an array of [from, to] pairs", where);
        size_t n = json_array_size(rw);
        c->rewrite_from = calloc(n ? n : 1, sizeof *c->rewrite_from);
        c->rewrite_to = calloc(n ? n : 1, sizeof *c->rewrite_to);
        if (!c->rewrite_from || !c->rewrite_to)
            return clf__error(CLF_E_NOMEM, "out of memory");
        size_t i;
        json_t *e;
        json_array_foreach(rw, i, e) {
            json_t *from = json_array_get(e, 0), *to = json_array_get(e, 1);
            if (!json_is_array(e) || json_array_size(e) != 2 || !json_is_string(from) ||
                !json_is_string(to) || !*json_string_value(from))
                return perr(p, "%s.rewrite[%zu]: expected [\"from\", \"to\"] with a non-empty "
                               "\"from\"", where, i);
            c->n_rewrites = i + 1;
            if (!(c->rewrite_from[i] = dupstr(json_string_value(from))) ||
                !(c->rewrite_to[i] = dupstr(json_string_value(to))))
                return clf__error(CLF_E_NOMEM, "out of memory");
        }
    }

    if (c->rewritten_only && !c->n_rewrites)
        return perr(p, "%s.rewritten_only: needs a \"rewrite\" to keep the rows it changed", where);

    json_t *labels = json_object_get(obj, "labels");
    if (labels) {
        if (!json_is_object(labels))
            return perr(p, "%s.labels: expected an object {label: [categories]}", where);
        c->labels = calloc(json_object_size(labels) + 1, sizeof *c->labels);
        if (!c->labels)
            return clf__error(CLF_E_NOMEM, "out of memory");
        const char *key;
        json_t *v;
        json_object_foreach(labels, key, v) {
            if ((rc = add_label(p, c, where, key, v)) != CLF_OK)
                return rc;
        }
    }
    return CLF_OK;
}

/* training.max_flag_rate: a number for every corpus, or {corpus: number,
 * "*": number}; read after the corpora, whose names it uses. */
static int parse_flag_rate_caps(parser *p, json_t *root)
{
    clf_recipe *r = p->r;
    json_t *tr = json_object_get(root, "training");
    json_t *v = json_is_object(tr) ? json_object_get(tr, "max_flag_rate") : NULL;
    if (!v)
        return CLF_OK;
    const char *where = "training.max_flag_rate";
    if (json_is_number(v)) {
        double x = json_number_value(v);
        if (!(x >= 0.0 && x <= 1.0))
            return perr(p, "%s: expected a number in [0, 1]", where);
        for (size_t c = 0; c < r->n_corpora; c++)
            r->corpora[c].max_flag_rate = x;
        return CLF_OK;
    }
    if (!json_is_object(v))
        return perr(p, "%s: expected a number in [0, 1] or {corpus: number}", where);
    json_t *star = json_object_get(v, "*");
    if (star) {
        if (!json_is_number(star) || !(json_number_value(star) >= 0.0) ||
            json_number_value(star) > 1.0)
            return perr(p, "%s.*: expected a number in [0, 1]", where);
        for (size_t c = 0; c < r->n_corpora; c++)
            r->corpora[c].max_flag_rate = json_number_value(star);
    }
    const char *key;
    json_t *x;
    json_object_foreach(v, key, x) {
        if (!strcmp(key, "*"))
            continue;
        int c = clf_recipe_corpus_index(r, key);
        if (c < 0)
            return perr(p, "%s: unknown corpus \"%s\"", where, key);
        if (!json_is_number(x) || !(json_number_value(x) >= 0.0) || json_number_value(x) > 1.0)
            return perr(p, "%s.%s: expected a number in [0, 1]", where, key);
        r->corpora[c].max_flag_rate = json_number_value(x);
    }
    return CLF_OK;
}

/* A grid of numbers in [lo, hi] (training.gate_weights, gate_taus). */
static int parse_grid(const parser *p, json_t *tr, const char *key, double lo, double hi,
                      double *out, size_t *n)
{
    json_t *v = json_is_object(tr) ? json_object_get(tr, key) : NULL;
    if (!v)
        return CLF_OK;
    if (!json_is_array(v) || json_array_size(v) == 0 ||
        json_array_size(v) > CLF_RECIPE_MAX_GATE_GRID)
        return perr(p, "training.%s: expected an array of 1..%d numbers", key,
                    CLF_RECIPE_MAX_GATE_GRID);
    size_t i;
    json_t *e;
    json_array_foreach(v, i, e) {
        if (!json_is_number(e) || !(json_number_value(e) >= lo && json_number_value(e) <= hi))
            return perr(p, "training.%s[%zu]: expected a number in [%g, %g]", key, i, lo, hi);
        out[i] = json_number_value(e);
    }
    *n = json_array_size(v);
    qsort(out, *n, sizeof *out, cmp_double);
    size_t m = 0;
    for (size_t j = 0; j < *n; j++)
        if (m == 0 || out[j] != out[m - 1])
            out[m++] = out[j];
    *n = m;
    return CLF_OK;
}

/* One gate {"name", "corpora", "C"} of category k. */
static int parse_gate(parser *p, json_t *g, size_t k, const char *where)
{
    static const char *const keys[] = {"name", "corpora", "C", "keep_in_fit", NULL};
    clf_recipe *r = p->r;
    if (!json_is_object(g))
        return perr(p, "%s: expected an object {\"name\", \"corpora\"}", where);
    int rc = check_keys(p, g, where, keys);
    const char *name = NULL;
    if (rc == CLF_OK)
        rc = get_string(p, g, where, "name", 1, &name);
    if (rc != CLF_OK)
        return rc;
    if (!valid_name(name))
        return perr(p, "%s.name: expected a name of letters, digits, '_', '-', '.'", where);
    for (size_t i = 0; i < r->n_gates; i++)
        if (r->gates[i].category == k && !strcmp(r->gates[i].name, name))
            return perr(p, "%s: category %s has two gates named \"%s\"", where,
                        r->categories[k], name);
    if (r->n_gates >= CLF_RECIPE_MAX_GATES)
        return perr(p, "%s: at most %d gates", where, CLF_RECIPE_MAX_GATES);
    clf_recipe_gate *gt = &r->gates[r->n_gates];
    memset(gt, 0, sizeof *gt);
    gt->category = k;
    gt->C = 1.0;
    if (!(gt->name = dupstr(name)))
        return clf__error(CLF_E_NOMEM, "out of memory");
    r->n_gates++;
    json_t *c = json_object_get(g, "C");
    if (c) {
        if (!json_is_number(c) || !(json_number_value(c) > 0.0) || json_number_value(c) > 1e6)
            return perr(p, "%s.C: expected a number in (0, 1e6]", where);
        gt->C = json_number_value(c);
    }
    unsigned int keep = 0;
    if ((rc = get_bool(p, g, where, "keep_in_fit", &keep)) != CLF_OK)
        return rc;
    gt->keep_in_fit = (int)keep;
    json_t *cs = json_object_get(g, "corpora");
    if (!json_is_array(cs) || json_array_size(cs) == 0)
        return perr(p, "%s.corpora: expected a non-empty array of corpus names", where);
    gt->corpora = calloc(json_array_size(cs), sizeof *gt->corpora);
    if (!gt->corpora)
        return clf__error(CLF_E_NOMEM, "out of memory");
    size_t i;
    json_t *e;
    json_array_foreach(cs, i, e) {
        int ci = json_is_string(e) ? clf_recipe_corpus_index(r, json_string_value(e)) : -1;
        if (ci < 0)
            return perr(p, "%s.corpora[%zu]: expected the name of a corpus of the recipe", where,
                        i);
        const clf_recipe_corpus *cp = &r->corpora[ci];
        if (!(cp->negatives_for & (UINT64_C(1) << k)))
            return perr(p, "%s.corpora: corpus %s is not a hard negative of %s (its "
                           "negatives_for does not list it): a gate learns what such a "
                           "corpus looks like",
                        where, cp->name, r->categories[k]);
        if (clf_recipe_gate_corpus(r, k, (size_t)ci))
            return perr(p, "%s.corpora: corpus %s is in two gates of %s", where, cp->name,
                        r->categories[k]);
        gt->corpora[gt->n_corpora++] = (size_t)ci;
    }
    return CLF_OK;
}

/* One value of training.nb_scaling, true or false (the default): whether
 * scaling helps is measured with eval --cv, per corpus */
static int nb_value(const parser *p, json_t *v, const char *where, unsigned char *out)
{
    *out = CLF_NB_OFF;
    if (!json_is_boolean(v))
        return perr(p, "%s: expected true or false (compare both with classify eval --cv "
                       "--compare-recipe)", where);
    *out = json_is_true(v) ? CLF_NB_ON : CLF_NB_OFF;
    return CLF_OK;
}

/*
 * One value of training.flag_by_default or training.threshold_caps, true
 * (the default) or false, stored inverted: false -> 1.
 * flag_by_default false: the category is report-only in the model (scored,
 * calibrated and thresholded, not flagged unless a scorer turns it on).
 * threshold_caps false: the max_flag_rate caps do not bound the category's
 * threshold (its rule runs on the in-domain rows alone); they still shape
 * its gate tuning and are reported. For a report-only category, whose
 * signal is never a flag.
 */
static int report_only_value(const parser *p, json_t *v, const char *where, unsigned char *out)
{
    if (!json_is_boolean(v))
        return perr(p, "%s: expected true or false", where);
    *out = !json_is_true(v);
    return CLF_OK;
}

/* One value of training.evidence_words: an integer k in 0..255 (a text of
 * n Arabic words keeps n / (n + k) of its evidence; 0: no shrinkage). */
static int evidence_value(const parser *p, json_t *v, const char *where, unsigned char *out)
{
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 255)
        return perr(p, "%s: expected an integer in [0, 255] (the Arabic words at which a text "
                       "keeps half of its evidence; 0: no shrinkage)", where);
    *out = (unsigned char)json_integer_value(v);
    return CLF_OK;
}

/* training.gates {category: [gate, ...]}, gate_weights, gate_taus, and the
 * per-category flag_by_default, threshold_caps and nb_scaling; read after
 * the corpora, whose names the gates use. */
static int parse_gates(parser *p, json_t *root)
{
    clf_recipe *r = p->r;
    json_t *tr = json_object_get(root, "training");
    int rc;
    if ((rc = parse_grid(p, tr, "gate_weights", 0.0, 1e4, r->gate_weights,
                         &r->n_gate_weights)) != CLF_OK ||
        (rc = parse_grid(p, tr, "gate_taus", 0.0, 1.0, r->gate_taus, &r->n_gate_taus)) != CLF_OK)
        return rc;
    if ((rc = parse_per_category(p, tr, "flag_by_default", report_only_value,
                                 &r->report_only)) != CLF_OK ||
        (rc = parse_per_category(p, tr, "threshold_caps", report_only_value,
                                 &r->uncapped_threshold)) != CLF_OK ||
        (rc = parse_per_category(p, tr, "nb_scaling", nb_value, &r->nb_scaling)) != CLF_OK ||
        (rc = parse_per_category(p, tr, "evidence_words", evidence_value,
                                 &r->evidence_words)) != CLF_OK)
        return rc;
    json_t *v = json_is_object(tr) ? json_object_get(tr, "gates") : NULL;
    if (!v)
        return CLF_OK;
    if (!json_is_object(v))
        return perr(p, "training.gates: expected {category: [{\"name\", \"corpora\"}, ...]}");
    r->gates = calloc(CLF_RECIPE_MAX_GATES, sizeof *r->gates);
    if (!r->gates)
        return clf__error(CLF_E_NOMEM, "out of memory");
    /* grouped by category, in the categories' order */
    for (size_t k = 0; k < r->n_categories; k++) {
        json_t *list = json_object_get(v, r->categories[k]);
        if (!list)
            continue;
        char where[CLF_RECIPE_MAX_NAME + 48];
        if (!json_is_array(list))
            return perr(p, "training.gates.%s: expected an array of gates", r->categories[k]);
        size_t i;
        json_t *g;
        json_array_foreach(list, i, g) {
            snprintf(where, sizeof where, "training.gates.%s[%zu]", r->categories[k], i);
            if ((rc = parse_gate(p, g, k, where)) != CLF_OK)
                return rc;
        }
    }
    const char *key;
    json_t *x;
    json_object_foreach(v, key, x) {
        (void)x;
        if (clf_recipe_category_index(r, key) < 0)
            return perr(p, "training.gates: unknown category \"%s\"", key);
    }
    return CLF_OK;
}

int clf_recipe_gate_corpus(const clf_recipe *r, size_t k, size_t c)
{
    for (size_t g = 0; g < r->n_gates; g++)
        if (r->gates[g].category == k)
            for (size_t i = 0; i < r->gates[g].n_corpora; i++)
                if (r->gates[g].corpora[i] == c)
                    return r->gates[g].keep_in_fit ? 2 : 1;
    return 0;
}

static void set_defaults(clf_recipe *r)
{
    clf_norm_options n = CLF_NORM_OPTIONS_INIT;
    clf_feature_options f = CLF_FEATURE_OPTIONS_INIT;
    r->nopts = n;
    r->fopts = f;
    r->min_df = 2;
    r->folds = 5;
    r->eps = 0.01; /* liblinear's default for L2R_LR */
    r->balanced = 1;
    r->threshold_source = CLF_THRESHOLD_SOURCE_OOF;
    r->seed = 1;
    r->weights = CLF_WEIGHTS_I16;
    r->c_grid_extend_gain = 0.002;
    r->gate_max_ap_loss = -1.0; /* no bound */
    /* a: 0 (no gate) up to a penalty that silences any score; tau: where
     * "reads like news" begins */
    static const double a[] = {0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 1024};
    static const double tau[] = {0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9};
    memcpy(r->gate_weights, a, sizeof a);
    r->n_gate_weights = sizeof a / sizeof *a;
    memcpy(r->gate_taus, tau, sizeof tau);
    r->n_gate_taus = sizeof tau / sizeof *tau;
}

static int parse_root(parser *p, json_t *root)
{
    static const char *const keys[] = {"name", "description", "categories", "normalize",
                                       "features", "training", "corpora_root", "corpora", NULL};
    clf_recipe *r = p->r;
    if (!json_is_object(root))
        return perr(p, "expected a JSON object");
    int rc = check_keys(p, root, "recipe", keys);
    const char *name = NULL, *desc = NULL, *croot = NULL;
    if (rc == CLF_OK)
        rc = get_string(p, root, "recipe", "name", 1, &name);
    if (rc == CLF_OK)
        rc = get_string(p, root, "recipe", "description", 0, &desc);
    if (rc == CLF_OK)
        rc = get_string(p, root, "recipe", "corpora_root", 0, &croot);
    if (rc != CLF_OK)
        return rc;
    if (!valid_name(name))
        return perr(p, "name: expected a name of letters, digits, '_', '-', '.'");
    if (croot && !*croot)
        return perr(p, "corpora_root: expected a folder, not an empty string");
    if (!(r->name = dupstr(name)) || !(r->description = dupstr(desc ? desc : "")) ||
        (croot && !(r->corpora_root = dupstr(croot))))
        return clf__error(CLF_E_NOMEM, "out of memory");

    static const double default_grid[] = {0.5, 1, 2, 4};
    r->c_grid = malloc(sizeof default_grid);
    if (!r->c_grid)
        return clf__error(CLF_E_NOMEM, "out of memory");
    memcpy(r->c_grid, default_grid, sizeof default_grid);
    r->n_c = sizeof default_grid / sizeof default_grid[0];

    if ((rc = parse_categories(p, root)) != CLF_OK || (rc = parse_normalize(p, root)) != CLF_OK ||
        (rc = parse_features(p, root)) != CLF_OK || (rc = parse_training(p, root)) != CLF_OK)
        return rc;

    json_t *corpora = json_object_get(root, "corpora");
    if (!corpora)
        return perr(p, "missing \"corpora\"");
    if (!json_is_array(corpora) || json_array_size(corpora) == 0)
        return perr(p, "corpora: expected a non-empty array");
    r->corpora = calloc(json_array_size(corpora), sizeof *r->corpora);
    if (!r->corpora)
        return clf__error(CLF_E_NOMEM, "out of memory");
    size_t i;
    json_t *e;
    json_array_foreach(corpora, i, e) {
        r->n_corpora = i + 1;
        if ((rc = parse_corpus(p, e, i)) != CLF_OK)
            return rc;
    }

    if ((rc = parse_flag_rate_caps(p, root)) != CLF_OK || (rc = parse_gates(p, root)) != CLF_OK)
        return rc;

    /* Every category needs a corpus that can give it positives. */
    uint64_t annotated = 0;
    for (size_t c = 0; c < r->n_corpora; c++)
        annotated |= r->corpora[c].annotates;
    for (size_t k = 0; k < r->n_categories; k++)
        if (!(annotated & (UINT64_C(1) << k)))
            return perr(p, "category \"%s\" is annotated by no corpus (no positives)",
                        r->categories[k]);
    if (r->threshold_source == CLF_THRESHOLD_SOURCE_DEV) {
        int any_dev = 0;
        for (size_t c = 0; c < r->n_corpora; c++)
            any_dev |= r->corpora[c].dev != NULL;
        if (!any_dev)
            return perr(p, "training.threshold_source is \"dev\" but no corpus has a dev split");
    }
    return CLF_OK;
}

int clf_recipe_parse(clf_recipe **out, const char *text, size_t len, const char *source)
{
    if (!out || (!text && len))
        return clf__error(CLF_E_INVALID_ARG, "clf_recipe_parse: NULL argument");
    *out = NULL;
    if (!source)
        source = "<recipe>";
    clf_recipe *r = calloc(1, sizeof *r);
    if (!r || !(r->source = dupstr(source))) {
        free(r);
        return clf__error(CLF_E_NOMEM, "out of memory");
    }
    set_defaults(r);
    parser p = {r->source, r};
    json_error_t jerr;
    json_t *root = json_loadb(text ? text : "", len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        int rc = clf__error(CLF_E_PARSE, "%s:%d:%d: invalid JSON: %s", source, jerr.line,
                            jerr.column, jerr.text);
        clf_recipe_free(r);
        return rc;
    }
    r->json = root;
    int rc = parse_root(&p, root);
    if (rc != CLF_OK) {
        clf_recipe_free(r);
        return rc;
    }
    *out = r;
    return CLF_OK;
}

int clf_recipe_load(clf_recipe **out, const char *path)
{
    if (!out || !path)
        return clf__error(CLF_E_INVALID_ARG, "clf_recipe_load: NULL argument");
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return clf__error(CLF_E_IO, "%s: cannot open recipe: %s", path, strerror(errno));
    clf__buf b = {0};
    int rc = CLF_OK;
    for (;;) {
        if ((rc = clf__buf_reserve(&b, 65536)) != CLF_OK)
            break;
        size_t got = fread(b.data + b.len, 1, b.cap - b.len, f);
        b.len += got;
        if (got == 0) {
            if (ferror(f))
                rc = clf__error(CLF_E_IO, "%s: read error: %s", path, strerror(errno));
            break;
        }
        if (b.len > (16u << 20)) {
            rc = clf__error(CLF_E_TOO_LARGE, "%s: a recipe is at most 16 MiB", path);
            break;
        }
    }
    fclose(f);
    if (rc == CLF_OK)
        rc = clf_recipe_parse(out, b.data, b.len, path);
    clf__buf_free(&b);
    return rc;
}

void clf_recipe_free(clf_recipe *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_categories; i++)
        free(r->categories[i]);
    free(r->categories);
    free(r->thresholds);
    free(r->nb_scaling);
    free(r->evidence_words);
    free(r->solver);
    free(r->report_only);
    free(r->uncapped_threshold);
    free(r->select_capped);
    for (size_t g = 0; g < r->n_gates; g++) {
        free(r->gates[g].name);
        free(r->gates[g].corpora);
    }
    free(r->gates);
    for (size_t c = 0; c < r->n_corpora; c++) {
        clf_recipe_corpus *cp = &r->corpora[c];
        free(cp->name);
        free(cp->train);
        free(cp->dev);
        for (size_t l = 0; l < cp->n_labels; l++)
            free(cp->labels[l].name);
        free(cp->labels);
        for (size_t i = 0; i < cp->n_rewrites; i++) {
            free(cp->rewrite_from[i]);
            free(cp->rewrite_to[i]);
        }
        free(cp->rewrite_from);
        free(cp->rewrite_to);
    }
    free(r->corpora);
    free(r->c_grid);
    free(r->name);
    free(r->description);
    free(r->source);
    free(r->corpora_root);
    if (r->json)
        json_decref(r->json);
    free(r);
}

int clf_recipe_category_index(const clf_recipe *r, const char *name)
{
    if (!r || !name)
        return -1;
    for (size_t i = 0; i < r->n_categories; i++)
        if (r->categories[i] && !strcmp(r->categories[i], name))
            return (int)i;
    return -1;
}

int clf_recipe_corpus_index(const clf_recipe *r, const char *name)
{
    if (!r || !name)
        return -1;
    for (size_t i = 0; i < r->n_corpora; i++)
        if (r->corpora[i].name && !strcmp(r->corpora[i].name, name))
            return (int)i;
    return -1;
}

uint64_t clf_recipe_uses(const clf_recipe *r, size_t c)
{
    if (!r || c >= r->n_corpora)
        return 0;
    return r->corpora[c].annotates | r->corpora[c].negatives_for;
}

int clf_recipe_map_labels(const clf_recipe *r, size_t c, const char *const *labels,
                          size_t n_labels, uint64_t *positive, const char **unknown)
{
    if (!r || c >= r->n_corpora || !positive || (n_labels && !labels))
        return clf__error(CLF_E_INVALID_ARG, "clf_recipe_map_labels: bad argument");
    const clf_recipe_corpus *cp = &r->corpora[c];
    const clf_recipe_label *star = NULL;
    for (size_t l = 0; l < cp->n_labels; l++)
        if (!strcmp(cp->labels[l].name, "*"))
            star = &cp->labels[l];
    uint64_t pos = 0;
    if (unknown)
        *unknown = NULL;
    for (size_t i = 0; i < n_labels; i++) {
        if (!labels[i] || !*labels[i])
            continue;
        const clf_recipe_label *hit = NULL;
        for (size_t l = 0; l < cp->n_labels && !hit; l++)
            if (!strcmp(cp->labels[l].name, labels[i]))
                hit = &cp->labels[l];
        if (!hit)
            hit = star;
        if (!hit) {
            if (unknown)
                *unknown = labels[i];
            *positive = 0;
            return CLF_E_LABEL;
        }
        pos |= hit->cats;
    }
    *positive = pos;
    return CLF_OK;
}

/* dir + "/" + rel, with dir's trailing slashes dropped (but "/" kept). */
static char *join(const char *dir, size_t dlen, const char *rel)
{
    while (!strncmp(rel, "./", 2)) /* "dir/./a.tsv" reads worse in messages than "dir/a.tsv" */
        for (rel += 2; *rel == '/'; rel++)
            ;
    while (dlen > 1 && dir[dlen - 1] == '/')
        dlen--;
    if (dlen == 1 && dir[0] == '.' && *rel)
        return dupstr(rel);
    size_t rlen = strlen(rel);
    char *path = malloc(dlen + rlen + 2);
    if (!path)
        return NULL;
    memcpy(path, dir, dlen);
    size_t at = dlen;
    if (!(dlen == 1 && dir[0] == '/'))
        path[at++] = '/';
    memcpy(path + at, rel, rlen + 1);
    return path;
}

/* The recipe's folder: its source name up to the last '/', else ".". */
static void recipe_folder(const clf_recipe *r, const char **dir, size_t *len)
{
    const char *src = r->source ? r->source : "";
    const char *slash = strrchr(src, '/');
    *dir = slash ? src : ".";
    *len = !slash ? 1 : slash == src ? 1 : (size_t)(slash - src);
}

/* Relative to the recipe's folder, whatever the corpora root. */
static int folder_relative(const char *rel)
{
    return !strncmp(rel, "./", 2) || !strncmp(rel, "../", 3) || !strcmp(rel, ".") ||
           !strcmp(rel, "..");
}

char *clf_recipe_root(const clf_recipe *r, const char *corpora)
{
    if (!r)
        return NULL;
    if (corpora)
        return dupstr(corpora);
    const char *dir;
    size_t len;
    recipe_folder(r, &dir, &len);
    if (!r->corpora_root) {
        char *copy = malloc(len + 1);
        if (copy) {
            memcpy(copy, dir, len);
            copy[len] = '\0';
        }
        return copy;
    }
    if (r->corpora_root[0] == '/')
        return dupstr(r->corpora_root);
    return join(dir, len, r->corpora_root);
}

char *clf_recipe_file(const clf_recipe *r, size_t c, int dev, const char *corpora)
{
    if (!r || c >= r->n_corpora)
        return NULL;
    const clf_recipe_corpus *cp = &r->corpora[c];
    const char *rel = dev ? cp->dev : cp->train;
    if (!rel)
        return NULL;
    if (rel[0] == '/')
        return dupstr(rel);
    if (folder_relative(rel)) {
        const char *dir;
        size_t len;
        recipe_folder(r, &dir, &len);
        return join(dir, len, rel);
    }
    char *root = clf_recipe_root(r, corpora);
    char *path = root ? join(root, strlen(root), rel) : NULL;
    free(root);
    return path;
}

void clf_recipe_threshold_name(const clf_recipe *r, size_t k, char *buf, size_t size)
{
    if (k < r->n_categories && r->thresholds[k].rule == CLF_THRESHOLD_PRECISION)
        snprintf(buf, size, "precision:%g", r->thresholds[k].precision);
    else
        snprintf(buf, size, "best_f1");
}

/* The first occurrence of needle (nl > 0 bytes) in h[0, hl), or NULL. */
static const char *find_bytes(const char *h, size_t hl, const char *needle, size_t nl)
{
    while (hl >= nl) {
        const char *p = memchr(h, needle[0], hl - nl + 1);
        if (!p)
            return NULL;
        if (memcmp(p, needle, nl) == 0)
            return p;
        hl -= (size_t)(p + 1 - h);
        h = p + 1;
    }
    return NULL;
}

int clf_recipe_rewrite(const clf_recipe_corpus *c, const char *text, size_t len, char **out,
                       size_t *out_len)
{
    char *cur = NULL;
    size_t cur_len = len;
    *out = NULL;
    *out_len = len;
    for (size_t i = 0; i < c->n_rewrites; i++) {
        const char *src = cur ? cur : text, *end = src + cur_len;
        const char *from = c->rewrite_from[i], *to = c->rewrite_to[i];
        size_t fl = strlen(from), tl = strlen(to), n = 0;
        for (const char *q = src; (q = find_bytes(q, (size_t)(end - q), from, fl)); q += fl)
            n++;
        if (n == 0)
            continue;
        size_t nl = cur_len - n * fl + n * tl;
        char *o = malloc(nl + 1), *w = o;
        if (!o) {
            free(cur);
            return clf__error(CLF_E_NOMEM, "out of memory");
        }
        const char *q = src, *hit;
        while ((hit = find_bytes(q, (size_t)(end - q), from, fl))) {
            memcpy(w, q, (size_t)(hit - q));
            w += hit - q;
            memcpy(w, to, tl);
            w += tl;
            q = hit + fl;
        }
        memcpy(w, q, (size_t)(end - q));
        w[end - q] = '\0';
        free(cur);
        cur = o;
        cur_len = nl;
    }
    *out = cur;
    *out_len = cur_len;
    return CLF_OK;
}
