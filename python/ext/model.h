/*
 * model.h - the libclassify._Model type: one loaded model, its scorer pool,
 * and the bookkeeping that lets close() run while other threads score.
 */
#ifndef CLFPY_MODEL_H
#define CLFPY_MODEL_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <classify.h>
#include "pool.h"

typedef struct clfpy_model {
    PyObject_HEAD
    clf_model *model;     /* NULL before __init__ and once closed and idle */
    clfpy_pool pool;
    int pool_ready;
    PyObject *categories; /* tuple of str, in the model's order */
    PyObject *path;       /* str */
    size_t ncat;
    size_t max_bytes;     /* truncation limit of every scorer (0: none) */
    /* report-only categories (clf_model_category_flags_by_default() = 0):
     * their threshold in force, -1 for the categories that flag; NULL in
     * results when the model has none */
    double signal_thr[256];
    int has_signals;
    /* Calls that released the GIL while using model/pool; both fields are
     * only touched with the GIL held. close() with active > 0 defers the
     * free to the last such call. */
    size_t active;
    int closed;
} clfpy_model;

extern PyTypeObject clfpy_ModelType;

/* With the GIL: mark a call as using the model; -1 with ValueError set if
 * the model is closed or was never loaded. */
int clfpy_model_enter(clfpy_model *self);

/* With the GIL: end a call started by clfpy_model_enter. */
void clfpy_model_leave(clfpy_model *self);

/* Model.score_many (batch.c) and Model.explain (explain.c). */
PyObject *clfpy_score_many(clfpy_model *self, PyObject *args, PyObject *kwds);
PyObject *clfpy_explain(clfpy_model *self, PyObject *args, PyObject *kwds);

/* normalize(text) with the given options (module.c). */
PyObject *clfpy_normalize_with(PyObject *text, const clf_norm_options *opts);

#endif /* CLFPY_MODEL_H */
