/*
 * train_input.c - `classify train --input FILE`: a recipe made from one
 * labeled file and label-mapping flags, for first experiments (the way
 * `fasttext supervised -input` works). The recipe is an ordinary one, built
 * as JSON and parsed by clf_recipe_parse, so it trains exactly as a written
 * recipe would; --save-recipe keeps it for the day it needs editing.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "corpus.h"
#include "recipe.h"
#include "train_input.h"

/* A recipe name: letters, digits, '_', '-', '.'; anything else becomes '_'. */
static void sanitize(const char *s, char *out, size_t size)
{
    size_t n = 0;
    for (; *s && n + 1 < size && n < 64; s++) {
        char c = *s;
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '_' || c == '-' || c == '.';
        out[n++] = ok ? c : '_';
    }
    if (n == 0 && size > 1)
        out[n++] = '_';
    out[n] = '\0';
}

static const char *mapped(const clf_cli_train_input *in, const char *label)
{
    for (size_t i = 0; i < in->n_map; i++) {
        const char *eq = strrchr(in->map[i], '=');
        if (eq && (size_t)(eq - in->map[i]) == strlen(label) &&
            !memcmp(in->map[i], label, strlen(label)))
            return eq + 1;
    }
    return NULL;
}

static int is_negative(const clf_cli_train_input *in, const char *label)
{
    for (size_t i = 0; i < in->n_negative; i++)
        if (!strcmp(in->negative[i], label))
            return 1;
    return 0;
}

/* Add the distinct labels of path to the object labels {label: [category]}. */
static int scan_labels(const clf_cli_train_input *in, const char *path, json_t *labels,
                       json_t *cats, char *err, size_t errsize)
{
    clf_reader *rd;
    if (clf_reader_open(&rd, path, CLF_FORMAT_AUTO, NULL) != CLF_OK) {
        snprintf(err, errsize, "%s", clf_last_error());
        return -1;
    }
    clf_record rec;
    int rc, any_labels = 0;
    size_t rows = 0;
    while ((rc = clf_reader_next(rd, &rec)) == 1) {
        if (rec.error != CLF_OK)
            continue; /* training reports bad rows with their line */
        rows++;
        any_labels |= rec.has_labels;
        for (size_t i = 0; i < rec.n_labels; i++) {
            const char *l = rec.labels[i];
            if (json_object_get(labels, l))
                continue;
            json_t *targets = json_array();
            if (!is_negative(in, l)) {
                const char *cat = mapped(in, l);
                char name[80];
                sanitize(cat ? cat : l, name, sizeof name);
                int seen = 0;
                for (size_t k = 0; k < json_array_size(cats); k++)
                    seen |= !strcmp(json_string_value(json_array_get(cats, k)), name);
                if (!seen)
                    json_array_append_new(cats, json_string(name));
                json_array_append_new(targets, json_string(name));
            }
            json_object_set_new(labels, l, targets);
        }
    }
    clf_format fmt = clf_reader_format(rd);
    clf_reader_close(rd);
    if (rc < 0) {
        snprintf(err, errsize, "%s", clf_last_error());
        return -1;
    }
    if (!any_labels || fmt == CLF_FORMAT_TEXT) {
        snprintf(err, errsize, "%s: no labels: --input needs labeled rows (TSV "
                               "id<TAB>labels<TAB>text, fastText \"__label__X text\", or JSON "
                               "Lines with a \"labels\" field)", path);
        return -1;
    }
    if (rows == 0) {
        snprintf(err, errsize, "%s: no rows", path);
        return -1;
    }
    return 0;
}

/* The file's absolute path: the recipe made from it works from any folder. */
static char *absolute(const char *path, char *err, size_t errsize)
{
    char *abs = realpath(path, NULL);
    if (!abs)
        snprintf(err, errsize, "%s: cannot open: %s", path, strerror(errno));
    return abs;
}

int clf_cli_train_input_recipe(const clf_cli_train_input *in, clf_recipe **out, char **json,
                               char *err, size_t errsize)
{
    *out = NULL;
    if (json)
        *json = NULL;
    for (size_t i = 0; i < in->n_map; i++)
        if (!strrchr(in->map[i], '=') || strrchr(in->map[i], '=') == in->map[i] ||
            !strrchr(in->map[i], '=')[1]) {
            snprintf(err, errsize, "--label: expected LABEL=CATEGORY, got '%s'", in->map[i]);
            return -1;
        }
    json_t *labels = json_object(), *cats = json_array();
    char *train = NULL, *dev = NULL;
    int rc = -1;
    if (scan_labels(in, in->input, labels, cats, err, errsize) != 0 ||
        (in->dev && scan_labels(in, in->dev, labels, cats, err, errsize) != 0))
        goto done;
    if (json_array_size(cats) == 0) {
        snprintf(err, errsize, "%s: every label is --negative: nothing to learn", in->input);
        goto done;
    }
    if (json_array_size(cats) > CLF_RECIPE_MAX_CATEGORIES) {
        snprintf(err, errsize, "%s: %zu distinct labels; at most %d categories (map labels "
                               "together with --label, or mark them --negative)",
                 in->input, json_array_size(cats), CLF_RECIPE_MAX_CATEGORIES);
        goto done;
    }
    if (!(train = absolute(in->input, err, errsize)) ||
        (in->dev && !(dev = absolute(in->dev, err, errsize))))
        goto done;
    char name[80];
    sanitize(in->name ? in->name : "quick", name, sizeof name);
    json_t *corpus = json_pack("{sssssO}", "name", "input", "train", train, "annotates", cats);
    if (dev)
        json_object_set_new(corpus, "dev", json_string(dev));
    json_object_set(corpus, "labels", labels);
    json_t *recipe = json_pack("{sssssOs[o]}", "name", name, "description",
                               "made by classify train --input", "categories", cats, "corpora",
                               corpus);
    char *text = recipe ? json_dumps(recipe, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(recipe);
    if (!text) {
        snprintf(err, errsize, "out of memory");
        goto done;
    }
    if (clf_recipe_parse(out, text, strlen(text), "--input") != CLF_OK) {
        snprintf(err, errsize, "%s", clf_last_error());
        free(text);
        goto done;
    }
    if (json)
        *json = text;
    else
        free(text);
    rc = 0;
done:
    json_decref(labels);
    json_decref(cats);
    free(train);
    free(dev);
    return rc;
}
