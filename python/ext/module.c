/*
 * module.c - the libclassify._libclassify extension module: module-level
 * normalize(), version checks, type and exception registration.
 */
#include "errors.h"

#include <limits.h>
#include <string.h>
#include "model.h"
#include "result.h"
#include "text.h"

PyObject *clfpy_normalize_with(PyObject *text, const clf_norm_options *opts)
{
    clfpy_text t;
    if (clfpy_text_get(text, opts->max_bytes, &t) < 0)
        return NULL;
    clfpy_err err;
    int rc;
    PyObject *out = NULL;
    const char *norm = NULL;
    size_t len = 0;
    clf_normalizer *n = NULL;
    Py_BEGIN_ALLOW_THREADS
    rc = clf_normalizer_new(&n, opts);
    if (rc == CLF_OK)
        rc = clf_normalize(n, t.data, t.len, &norm, &len, NULL);
    if (rc != CLF_OK)
        clfpy_err_capture(&err, rc);
    Py_END_ALLOW_THREADS
    if (rc == CLF_OK)
        out = PyUnicode_DecodeUTF8(norm, (Py_ssize_t)len, "strict");
    else
        clfpy_err_raise(&err);
    clf_normalizer_free(n);
    clfpy_text_release(&t);
    return out;
}

static PyObject *py_normalize(PyObject *mod, PyObject *args, PyObject *kwds)
{
    (void)mod;
    static char *kwlist[] = {"text", "steps", "max_bytes", NULL};
    PyObject *text, *pmax = NULL;
    const char *steps = "default";
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|$sO:normalize", kwlist, &text, &steps, &pmax))
        return NULL;
    long long max_bytes = CLF_NORM_DEFAULT_MAX_BYTES;
    if (pmax && clfpy_int_arg(pmax, "max_bytes (0: no limit)", 0, PY_SSIZE_T_MAX, &max_bytes) < 0)
        return NULL;
    clf_norm_options opts = CLF_NORM_OPTIONS_INIT;
    opts.max_bytes = (size_t)max_bytes;
    if (clf_norm_parse_flags(steps, &opts.flags) != CLF_OK)
        return clfpy_raise(CLF_E_INVALID_ARG, clf_last_error());
    return clfpy_normalize_with(text, &opts);
}

static PyObject *py_strerror(PyObject *mod, PyObject *code)
{
    (void)mod;
    if (!PyLong_Check(code))
        return PyErr_Format(PyExc_TypeError, "code must be an int, not %.100s",
                            Py_TYPE(code)->tp_name);
    int overflow;
    long c = PyLong_AsLongAndOverflow(code, &overflow);
    if (c == -1 && PyErr_Occurred())
        return NULL;
    if (overflow || c < INT_MIN || c > INT_MAX)
        c = INT_MIN; /* no such code: "unknown error" */
    return PyUnicode_FromString(clf_strerror((int)c));
}

static PyMethodDef module_methods[] = {
    {"normalize", (PyCFunction)(void (*)(void))py_normalize, METH_VARARGS | METH_KEYWORDS,
     "normalize(text, *, steps='default', max_bytes=1048576) -> str\n\n"
     "The text as libclassify normalizes it. steps is a clf_norm_parse_flags()\n"
     "spec: 'default', 'none' or a comma-separated list of step names, each\n"
     "optionally prefixed with '-' ('default,-spaced')."},
    {"strerror", py_strerror, METH_O, "strerror(code) -> the library's description of an error code."},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "libclassify._libclassify",
    "The C extension of the libclassify package (use the libclassify module).", -1,
    module_methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__libclassify(void)
{
    /* headers and library must agree: struct layouts and signatures */
    if (clf_version_number() / 100 != CLF_VERSION_NUMBER / 100) {
        PyErr_Format(PyExc_ImportError,
                     "libclassify: built against library %s but loaded %s; rebuild the package",
                     CLF_VERSION_STRING, clf_version_string());
        return NULL;
    }
    if (PyType_Ready(&clfpy_ModelType) < 0 || clfpy_result_init() < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module_def);
    if (!m)
        return NULL;
    if (clfpy_errors_init(m) < 0 ||
        PyModule_AddObjectRef(m, "_Model", (PyObject *)&clfpy_ModelType) < 0 ||
        PyModule_AddStringConstant(m, "library_version", clf_version_string()) < 0 ||
        PyModule_AddStringConstant(m, "header_version", CLF_VERSION_STRING) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
