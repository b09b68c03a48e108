/*
 * explain.c - Model.explain(): the words and n-grams behind each score, in
 * the shape of `classify score --explain K` records.
 */
#include "errors.h"
#include "model.h"

#include <string.h>
#include "result.h"
#include "text.h"

#define MAX_K 1000

static PyObject *str_of(const char *s)
{
    return PyUnicode_DecodeUTF8(s, (Py_ssize_t)strlen(s), "replace");
}

/* {"start", "end"} in bytes, {"cp_start", "cp_end"} in code points (Python
 * str indices), {"u16_start", "u16_end"} in UTF-16 units: as the CLI */
static PyObject *span_dict(const clf_text_span *s)
{
    return Py_BuildValue("{snsnsnsnsnsn}", "start", (Py_ssize_t)s->offset, "end",
                         (Py_ssize_t)(s->offset + s->len), "cp_start", (Py_ssize_t)s->cp_offset,
                         "cp_end", (Py_ssize_t)(s->cp_offset + s->cp_len), "u16_start",
                         (Py_ssize_t)s->u16_offset, "u16_end",
                         (Py_ssize_t)(s->u16_offset + s->u16_len));
}

/* {"word" (as written), "normalized", "kind", "count", "contribution",
 * "spans": every occurrence}, the keys of `classify score --explain` */
static PyObject *word_dict(const clf_explanation *ex, size_t k, int up, size_t i,
                           const clf_contribution *c)
{
    size_t ns;
    const clf_text_span *sp = clf_explanation_word_spans(ex, k, up, i, &ns);
    PyObject *spans = PyList_New((Py_ssize_t)ns);
    for (size_t j = 0; spans && j < ns; j++) {
        PyObject *d = span_dict(&sp[j]);
        if (!d)
            Py_CLEAR(spans);
        else
            PyList_SET_ITEM(spans, (Py_ssize_t)j, d);
    }
    if (!spans)
        return NULL;
    return Py_BuildValue("{sNsNsssnsdsN}", "word", str_of(c->original ? c->original : c->text),
                         "normalized", str_of(c->text), "kind", clf_token_kind_name(c->kind),
                         "count", (Py_ssize_t)c->value, "contribution", c->contribution,
                         "spans", spans);
}

static PyObject *feature_dict(const clf_contribution *c)
{
    return Py_BuildValue("{sNsssssd}", "feature", str_of(c->text), "family",
                         clf_family_name(c->family), "kind", clf_token_kind_name(c->kind),
                         "contribution", c->contribution);
}

static PyObject *contributions(const clf_explanation *ex, size_t k, int up, int words)
{
    size_t n;
    const clf_contribution *c = words ? clf_explanation_words(ex, k, up, &n)
                                      : clf_explanation_features(ex, k, up, &n);
    PyObject *list = PyList_New((Py_ssize_t)n);
    for (size_t i = 0; list && i < n; i++) {
        PyObject *d = words ? word_dict(ex, k, up, i, &c[i]) : feature_dict(&c[i]);
        if (!d)
            Py_CLEAR(list);
        else
            PyList_SET_ITEM(list, (Py_ssize_t)i, d);
    }
    return list;
}

/* {"words": {"up": [...], "down": [...]}, "features": {"up": [...], "down": [...]}} */
static PyObject *category_explanation(const clf_explanation *ex, size_t k)
{
    PyObject *cat = PyDict_New();
    for (int view = 0; cat && view < 2; view++) {
        PyObject *lists = PyDict_New();
        for (int up = 1; lists && up >= 0; up--) {
            PyObject *l = contributions(ex, k, up, view == 0);
            if (!l || PyDict_SetItemString(lists, up ? "up" : "down", l) < 0)
                Py_CLEAR(lists);
            Py_XDECREF(l);
        }
        if (!lists || PyDict_SetItemString(cat, view == 0 ? "words" : "features", lists) < 0)
            Py_CLEAR(cat);
        Py_XDECREF(lists);
    }
    return cat;
}

static PyObject *build(clfpy_model *self, const clf_explanation *ex)
{
    const clf_doc_info *info = clf_explanation_info(ex);
    clf_score_result res[64];
    for (size_t k = 0; k < self->ncat; k++)
        res[k] = *clf_explanation_result(ex, k);
    PyObject *d = clfpy_result_new(self->categories, res, info,
                                   self->has_signals ? self->signal_thr : NULL);
    if (!d)
        return NULL;
    const char *norm = clf_explanation_normalized(ex);
    PyObject *pnorm = PyUnicode_DecodeUTF8(norm, (Py_ssize_t)strlen(norm), "replace");
    PyObject *all = PyDict_New();
    int bad = !pnorm || !all || PyDict_SetItemString(d, "normalized", pnorm) < 0;
    for (size_t k = 0; !bad && k < self->ncat; k++) {
        PyObject *cat = category_explanation(ex, k);
        bad = !cat || PyDict_SetItem(all, PyTuple_GET_ITEM(self->categories, (Py_ssize_t)k), cat) < 0;
        Py_XDECREF(cat);
    }
    bad = bad || PyDict_SetItemString(d, "explanation", all) < 0;
    Py_XDECREF(pnorm);
    Py_XDECREF(all);
    if (bad)
        Py_CLEAR(d);
    return d;
}

PyObject *clfpy_explain(clfpy_model *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"text", "k", NULL};
    PyObject *text, *pk = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|O:explain", kwlist, &text, &pk))
        return NULL;
    long long k = 5;
    if (pk && clfpy_int_arg(pk, "k", 0, MAX_K, &k) < 0)
        return NULL;
    if (self->ncat > 64)
        return clfpy_raise(CLF_E_INTERNAL, "more than 64 categories");
    if (clfpy_model_enter(self) < 0)
        return NULL;
    clfpy_text t;
    if (clfpy_text_get(text, self->max_bytes, &t) < 0) {
        clfpy_model_leave(self);
        return NULL;
    }
    clf_explanation *ex = NULL;
    clfpy_err err;
    int rc;
    Py_BEGIN_ALLOW_THREADS
    clf_scorer *s;
    rc = clfpy_pool_get(&self->pool, &s);
    if (rc == CLF_OK) {
        rc = clf_explain(s, t.data, t.len, (size_t)k, &ex);
        clfpy_pool_put(&self->pool, s);
    }
    if (rc < 0)
        clfpy_err_capture(&err, rc);
    Py_END_ALLOW_THREADS
    clfpy_text_release(&t);
    PyObject *out = rc < 0 ? clfpy_err_raise(&err) : build(self, ex);
    clf_explanation_free(ex);
    clfpy_model_leave(self);
    return out;
}
