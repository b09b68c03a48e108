/*
 * model.c - the _Model type: loading, attributes, score(), close().
 *
 * The libclassify.Model class (src/libclassify/__init__.py) derives from it
 * to find the default model and to parse the metadata JSON.
 */
#include "model.h"

#include <math.h>
#include <string.h>

#include "errors.h"
#include "result.h"
#include "text.h"

#define CLOSED_MSG "the model is closed"

int clfpy_model_enter(clfpy_model *self)
{
    if (!self->model || self->closed) {
        PyErr_SetString(PyExc_ValueError, self->closed ? CLOSED_MSG : "the model is not loaded");
        return -1;
    }
    self->active++;
    return 0;
}

static void release(clfpy_model *self)
{
    if (self->pool_ready) {
        clfpy_pool_destroy(&self->pool);
        self->pool_ready = 0;
    }
    clf_model_free(self->model); /* after its scorers */
    self->model = NULL;
}

void clfpy_model_leave(clfpy_model *self)
{
    if (--self->active == 0 && self->closed)
        release(self);
}

static PyObject *model_close(clfpy_model *self, PyObject *unused)
{
    (void)unused;
    self->closed = 1;
    if (self->active == 0)
        release(self);
    Py_RETURN_NONE;
}

static void model_dealloc(clfpy_model *self)
{
    /* a call in progress holds a reference, so active is 0 here */
    release(self);
    Py_XDECREF(self->categories);
    Py_XDECREF(self->path);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* thresholds={"hate": 0.7, ...}: per-Model overrides for every scorer */
static int apply_thresholds(clfpy_model *self, PyObject *thresholds)
{
    if (thresholds == Py_None)
        return 0;
    if (!PyDict_Check(thresholds)) {
        PyErr_SetString(PyExc_TypeError, "thresholds must be a dict {category: probability}");
        return -1;
    }
    PyObject *key, *value;
    Py_ssize_t pos = 0;
    while (PyDict_Next(thresholds, &pos, &key, &value)) {
        if (!PyUnicode_Check(key)) {
            PyErr_SetString(PyExc_TypeError, "threshold keys must be category names (str)");
            return -1;
        }
        const char *name = PyUnicode_AsUTF8(key);
        if (!name)
            return -1;
        double t = PyFloat_AsDouble(value);
        if (t == -1.0 && PyErr_Occurred())
            return -1;
        if (!(t >= 0.0 && t <= 1.0)) {
            clfpy_input_error(CLF_E_INVALID_ARG, "threshold of '%s' must be in [0, 1], got %g", name, t);
            return -1;
        }
        size_t k;
        if (clf_model_category_index(self->model, name, &k) != CLF_OK) {
            clfpy_input_error(CLF_E_NOT_FOUND, "the model has no category '%s'", name);
            return -1;
        }
        if (clfpy_pool_set_threshold(&self->pool, k, t) != CLF_OK) {
            PyErr_NoMemory();
            return -1;
        }
    }
    return 0;
}

static int model_init(clfpy_model *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"path", "max_bytes", "thresholds", NULL};
    PyObject *path = NULL, *max_bytes = Py_None, *thresholds = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O&|$OO:Model", kwlist, PyUnicode_FSConverter,
                                     &path, &max_bytes, &thresholds))
        return -1;
    if (self->model || self->closed) {
        Py_DECREF(path);
        PyErr_SetString(PyExc_RuntimeError, "Model.__init__ called twice");
        return -1;
    }
    long long limit = -1;
    if (max_bytes != Py_None &&
        clfpy_int_arg(max_bytes, "max_bytes (0: no limit)", 0, PY_SSIZE_T_MAX, &limit) < 0) {
        Py_DECREF(path);
        return -1;
    }
    const char *cpath = PyBytes_AS_STRING(path);
    if (strlen(cpath) != (size_t)PyBytes_GET_SIZE(path)) {
        Py_DECREF(path);
        PyErr_SetString(PyExc_ValueError, "path contains a NUL byte");
        return -1;
    }
    clf_model *m = NULL;
    clfpy_err err;
    int rc;
    Py_BEGIN_ALLOW_THREADS
    rc = clf_model_load(&m, cpath);
    if (rc != CLF_OK)
        clfpy_err_capture(&err, rc);
    Py_END_ALLOW_THREADS
    if (rc != CLF_OK) {
        Py_DECREF(path);
        clfpy_err_raise(&err);
        return -1;
    }
    self->path = PyUnicode_DecodeFSDefault(cpath);
    Py_DECREF(path);
    self->model = m;
    self->ncat = clf_model_num_categories(m);
    if (limit < 0) {
        clf_norm_options nopts;
        clf_model_options(m, &nopts, NULL);
        self->max_bytes = nopts.max_bytes;
    } else {
        self->max_bytes = (size_t)limit;
    }
    if (clfpy_pool_init(&self->pool, m, self->max_bytes) != CLF_OK) {
        PyErr_NoMemory();
        return -1;
    }
    self->pool_ready = 1;
    self->categories = PyTuple_New((Py_ssize_t)self->ncat);
    if (!self->path || !self->categories)
        return -1;
    for (size_t k = 0; k < self->ncat; k++) {
        PyObject *name = PyUnicode_FromString(clf_model_category_name(m, k));
        if (!name)
            return -1;
        PyUnicode_InternInPlace(&name);
        PyTuple_SET_ITEM(self->categories, (Py_ssize_t)k, name);
    }
    if (apply_thresholds(self, thresholds) < 0)
        return -1;
    self->has_signals = 0;
    for (size_t k = 0; k < self->ncat && k < 256; k++) {
        double t = clf_model_threshold(m, k);
        for (size_t i = 0; i < self->pool.nthr; i++)
            if (self->pool.thr_index[i] == k)
                t = self->pool.thr_value[i]; /* the last override wins, as in the scorer */
        int ro = clf_model_category_flags_by_default(m, k) == 0;
        self->signal_thr[k] = ro ? t : -1.0;
        self->has_signals |= ro;
    }
    /* a scorer now, so that a bad max_bytes or a broken ICU fails here */
    clf_scorer *s = NULL;
    Py_BEGIN_ALLOW_THREADS
    rc = clfpy_pool_get(&self->pool, &s);
    if (rc != CLF_OK)
        clfpy_err_capture(&err, rc);
    Py_END_ALLOW_THREADS
    if (rc != CLF_OK) {
        clfpy_err_raise(&err);
        return -1;
    }
    clfpy_pool_put(&self->pool, s);
    return 0;
}

static PyObject *model_score(clfpy_model *self, PyObject *text)
{
    clf_score_result res[64];
    if (self->ncat > sizeof res / sizeof res[0])
        return clfpy_raise(CLF_E_INTERNAL, "more than 64 categories");
    clfpy_text t;
    if (clfpy_model_enter(self) < 0)
        return NULL;
    if (clfpy_text_get(text, self->max_bytes, &t) < 0) {
        clfpy_model_leave(self);
        return NULL;
    }
    clf_doc_info info;
    memset(&info, 0, sizeof info);
    clfpy_err err;
    int rc;
    Py_BEGIN_ALLOW_THREADS
    clf_scorer *s;
    rc = clfpy_pool_get(&self->pool, &s);
    if (rc == CLF_OK) {
        rc = clf_score(s, t.data, t.len, res, self->ncat, &info);
        clfpy_pool_put(&self->pool, s);
    }
    if (rc < 0)
        clfpy_err_capture(&err, rc);
    Py_END_ALLOW_THREADS
    clfpy_text_release(&t);
    clfpy_model_leave(self);
    if (rc < 0)
        return clfpy_err_raise(&err);
    return clfpy_result_new(self->categories, res, &info,
                            self->has_signals ? self->signal_thr : NULL);
}

static PyObject *model_category_index(clfpy_model *self, PyObject *name)
{
    if (!PyUnicode_Check(name))
        return PyErr_Format(PyExc_TypeError, "category name must be str, not %.100s",
                            Py_TYPE(name)->tp_name);
    if (clfpy_model_enter(self) < 0)
        return NULL;
    const char *s = PyUnicode_AsUTF8(name);
    size_t k = 0;
    int rc = s ? clf_model_category_index(self->model, s, &k) : CLF_E_INVALID_ARG;
    clfpy_model_leave(self);
    if (!s)
        return NULL;
    if (rc != CLF_OK)
        return clfpy_input_error(CLF_E_NOT_FOUND, "the model has no category '%s'", s);
    return PyLong_FromSize_t(k);
}

static PyObject *model_normalize(clfpy_model *self, PyObject *text)
{
    if (clfpy_model_enter(self) < 0)
        return NULL;
    clf_norm_options nopts;
    clf_model_options(self->model, &nopts, NULL);
    nopts.max_bytes = self->max_bytes;
    clfpy_model_leave(self);
    return clfpy_normalize_with(text, &nopts);
}

static PyObject *model_enter_ctx(clfpy_model *self, PyObject *unused)
{
    (void)unused;
    if (!self->model || self->closed) {
        PyErr_SetString(PyExc_ValueError, CLOSED_MSG);
        return NULL;
    }
    Py_INCREF(self);
    return (PyObject *)self;
}

static PyObject *model_exit_ctx(clfpy_model *self, PyObject *args)
{
    (void)args;
    return model_close(self, NULL);
}

/* ---- attributes ----------------------------------------------------------- */

static int check_open(clfpy_model *self)
{
    if (!self->model || self->closed) {
        PyErr_SetString(PyExc_ValueError, self->closed ? CLOSED_MSG : "the model is not loaded");
        return -1;
    }
    return 0;
}

static PyObject *get_categories(clfpy_model *self, void *c)
{
    (void)c;
    if (!self->categories)
        return PyErr_Format(PyExc_ValueError, "the model is not loaded");
    Py_INCREF(self->categories);
    return self->categories;
}

static PyObject *get_thresholds(clfpy_model *self, void *c)
{
    (void)c;
    if (check_open(self) < 0)
        return NULL;
    PyObject *d = PyDict_New();
    for (size_t k = 0; d && k < self->ncat; k++) {
        double t = clf_model_threshold(self->model, k);
        for (size_t i = 0; i < self->pool.nthr; i++)
            if (self->pool.thr_index[i] == k)
                t = self->pool.thr_value[i]; /* the last override wins, as in the scorer */
        PyObject *v = PyFloat_FromDouble(t);
        if (!v || PyDict_SetItem(d, PyTuple_GET_ITEM(self->categories, (Py_ssize_t)k), v) < 0) {
            Py_XDECREF(v);
            Py_CLEAR(d);
            break;
        }
        Py_DECREF(v);
    }
    return d;
}

static PyObject *get_metadata_json(clfpy_model *self, void *c)
{
    (void)c;
    if (check_open(self) < 0)
        return NULL;
    const char *js = clf_model_metadata(self->model);
    return PyUnicode_DecodeUTF8(js, (Py_ssize_t)strlen(js), "replace");
}

static PyObject *get_name(clfpy_model *self, void *c)
{
    (void)c;
    return check_open(self) < 0 ? NULL : PyUnicode_FromString(clf_model_name(self->model));
}

static PyObject *get_id(clfpy_model *self, void *c)
{
    (void)c;
    return check_open(self) < 0 ? NULL : PyUnicode_FromString(clf_model_id(self->model));
}

static PyObject *get_checksum(clfpy_model *self, void *c)
{
    (void)c;
    if (check_open(self) < 0)
        return NULL;
    return PyLong_FromUnsignedLongLong((unsigned long long)clf_model_checksum(self->model));
}

static PyObject *get_format_version(clfpy_model *self, void *c)
{
    (void)c;
    if (check_open(self) < 0)
        return NULL;
    return PyLong_FromUnsignedLong((unsigned long)clf_model_format_version(self->model));
}

static PyObject *get_path(clfpy_model *self, void *c)
{
    (void)c;
    if (!self->path)
        Py_RETURN_NONE;
    Py_INCREF(self->path);
    return self->path;
}

static PyObject *get_max_bytes(clfpy_model *self, void *c)
{
    (void)c;
    return PyLong_FromSize_t(self->max_bytes);
}

static PyObject *get_closed(clfpy_model *self, void *c)
{
    (void)c;
    return PyBool_FromLong(self->closed || !self->model);
}

static PyGetSetDef model_getset[] = {
    {"categories", (getter)get_categories, NULL, "Category names, in the model's order (tuple).", NULL},
    {"thresholds", (getter)get_thresholds, NULL,
     "Decision threshold in force per category: the model's, or this Model's override.", NULL},
    {"metadata_json", (getter)get_metadata_json, NULL, "The training metadata as a JSON string.", NULL},
    {"name", (getter)get_name, NULL, "The model's name from its recipe.", NULL},
    {"id", (getter)get_id, NULL, "Model id for records: name@checksum-prefix.", NULL},
    {"checksum", (getter)get_checksum, NULL, "XXH3-64 checksum of the model file (int).", NULL},
    {"format_version", (getter)get_format_version, NULL, "Model file format version.", NULL},
    {"path", (getter)get_path, NULL, "The file the model was loaded from.", NULL},
    {"max_bytes", (getter)get_max_bytes, NULL,
     "Texts longer than this many bytes are scored on their first max_bytes (0: no limit).", NULL},
    {"closed", (getter)get_closed, NULL, "True once close() was called.", NULL},
    {NULL, NULL, NULL, NULL, NULL}};

static PyMethodDef model_methods[] = {
    {"score", (PyCFunction)model_score, METH_O,
     "score(text) -> dict\n\n"
     "Score one text (str, or UTF-8 bytes). Returns {'scores': {category:\n"
     "probability}, 'flagged': set of categories, 'truncated': bool, 'abstain':\n"
     "None or the reason}. Releases the GIL; safe from many threads."},
    {"score_many", (PyCFunction)(void (*)(void))clfpy_score_many, METH_VARARGS | METH_KEYWORDS,
     "score_many(texts, threads=1, errors='raise') -> list of dicts\n\n"
     "Score a sequence of texts on `threads` native threads (the GIL is\n"
     "released), results in input order. errors='record' puts\n"
     "{'error': message, 'code': code} in place of a text the library rejects\n"
     "instead of raising; wrong types always raise TypeError."},
    {"explain", (PyCFunction)(void (*)(void))clfpy_explain, METH_VARARGS | METH_KEYWORDS,
     "explain(text, k=5) -> dict\n\n"
     "Score a text and list, per category, the k words and the k n-gram\n"
     "features that pushed its score up and down (as `classify score --explain`)."},
    {"normalize", (PyCFunction)model_normalize, METH_O,
     "normalize(text) -> str: the text as this model normalizes it."},
    {"category_index", (PyCFunction)model_category_index, METH_O,
     "category_index(name) -> int; InputError (CLF_E_NOT_FOUND) if unknown."},
    {"close", (PyCFunction)model_close, METH_NOARGS,
     "Free the model (deferred until calls running in other threads end)."},
    {"__enter__", (PyCFunction)model_enter_ctx, METH_NOARGS, NULL},
    {"__exit__", (PyCFunction)model_exit_ctx, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}};

PyTypeObject clfpy_ModelType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "libclassify._libclassify._Model",
    .tp_basicsize = sizeof(clfpy_model),
    .tp_dealloc = (destructor)model_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = "_Model(path, *, max_bytes=None, thresholds=None): a loaded libclassify model.",
    .tp_methods = model_methods,
    .tp_getset = model_getset,
    .tp_init = (initproc)model_init,
    .tp_new = PyType_GenericNew,
};
