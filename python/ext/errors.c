/*
 * errors.c - the exception classes and the code -> class mapping.
 */
#include "errors.h"

#include <classify.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

PyObject *clfpy_Error;
PyObject *clfpy_InputError;
PyObject *clfpy_ModelError;

static const struct {
    int code;
    const char *name;
} names[] = {
    {CLF_OK, "CLF_OK"},
    {CLF_E_INVALID_ARG, "CLF_E_INVALID_ARG"},
    {CLF_E_NOMEM, "CLF_E_NOMEM"},
    {CLF_E_IO, "CLF_E_IO"},
    {CLF_E_UTF8, "CLF_E_UTF8"},
    {CLF_E_TOO_LARGE, "CLF_E_TOO_LARGE"},
    {CLF_E_ICU, "CLF_E_ICU"},
    {CLF_E_STEMMER, "CLF_E_STEMMER"},
    {CLF_E_MODEL_FORMAT, "CLF_E_MODEL_FORMAT"},
    {CLF_E_MODEL_VERSION, "CLF_E_MODEL_VERSION"},
    {CLF_E_CHECKSUM, "CLF_E_CHECKSUM"},
    {CLF_E_PARSE, "CLF_E_PARSE"},
    {CLF_E_LABEL, "CLF_E_LABEL"},
    {CLF_E_TRAIN, "CLF_E_TRAIN"},
    {CLF_E_NOT_FOUND, "CLF_E_NOT_FOUND"},
    {CLF_E_INTERNAL, "CLF_E_INTERNAL"},
};

const char *clfpy_error_name(int code)
{
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].code == code)
            return names[i].name;
    return "CLF_E_UNKNOWN";
}

int clfpy_errors_init(PyObject *m)
{
    clfpy_Error = PyErr_NewExceptionWithDoc(
        "libclassify.Error",
        "An error reported by libclassify.\n\n"
        "Attributes: code (the library's negative clf_error code), name (its\n"
        "symbolic name, e.g. 'CLF_E_UTF8') and message (the detailed message).",
        NULL, NULL);
    if (!clfpy_Error)
        return -1;
    PyObject *bases = PyTuple_Pack(2, clfpy_Error, PyExc_ValueError);
    if (!bases)
        return -1;
    clfpy_InputError = PyErr_NewExceptionWithDoc(
        "libclassify.InputError",
        "A text or argument libclassify rejects (invalid UTF-8, out of range).\n"
        "Also a ValueError.", bases, NULL);
    Py_DECREF(bases);
    if (!clfpy_InputError)
        return -1;
    clfpy_ModelError = PyErr_NewExceptionWithDoc(
        "libclassify.ModelError",
        "A model file that cannot be loaded (missing, truncated, corrupted,\n"
        "newer format, checksum mismatch).", clfpy_Error, NULL);
    if (!clfpy_ModelError)
        return -1;
    if (PyModule_AddObjectRef(m, "Error", clfpy_Error) < 0 ||
        PyModule_AddObjectRef(m, "InputError", clfpy_InputError) < 0 ||
        PyModule_AddObjectRef(m, "ModelError", clfpy_ModelError) < 0)
        return -1;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (PyModule_AddIntConstant(m, names[i].name, names[i].code) < 0)
            return -1;
    return 0;
}

static PyObject *class_for(int code)
{
    switch (code) {
    case CLF_E_INVALID_ARG:
    case CLF_E_UTF8:
    case CLF_E_TOO_LARGE:
    case CLF_E_NOT_FOUND:
        return clfpy_InputError;
    case CLF_E_IO:
    case CLF_E_MODEL_FORMAT:
    case CLF_E_MODEL_VERSION:
    case CLF_E_CHECKSUM:
        return clfpy_ModelError;
    default:
        return clfpy_Error;
    }
}

PyObject *clfpy_raise(int code, const char *msg)
{
    if (code == CLF_E_NOMEM)
        return PyErr_NoMemory(); /* what Python code expects to catch */
    if (!msg || !*msg)
        msg = clf_strerror(code);
    /* messages may quote file names or input that are not UTF-8 */
    PyObject *pmsg = PyUnicode_DecodeUTF8(msg, (Py_ssize_t)strlen(msg), "backslashreplace");
    if (!pmsg)
        return NULL;
    PyObject *exc = PyObject_CallOneArg(class_for(code), pmsg);
    PyObject *pcode = PyLong_FromLong(code);
    PyObject *pname = PyUnicode_FromString(clfpy_error_name(code));
    int bad = !exc || !pcode || !pname || PyObject_SetAttrString(exc, "code", pcode) < 0 ||
              PyObject_SetAttrString(exc, "message", pmsg) < 0 ||
              PyObject_SetAttrString(exc, "name", pname) < 0;
    Py_DECREF(pmsg);
    Py_XDECREF(pcode);
    Py_XDECREF(pname);
    if (bad) {
        Py_XDECREF(exc);
        return NULL;
    }
    PyErr_SetObject(class_for(code), exc);
    Py_DECREF(exc);
    return NULL;
}

PyObject *clfpy_input_error(int code, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return clfpy_raise(code, buf);
}

void clfpy_err_capture(clfpy_err *e, int code)
{
    e->code = code;
    snprintf(e->msg, sizeof e->msg, "%s", clf_last_error());
}

PyObject *clfpy_err_raise(const clfpy_err *e)
{
    return clfpy_raise(e->code, e->msg);
}

int clfpy_int_arg(PyObject *obj, const char *name, long long lo, long long hi, long long *out)
{
    if (!PyLong_Check(obj) || PyBool_Check(obj)) {
        PyErr_Format(PyExc_TypeError, "%s must be an int, not %.100s", name, Py_TYPE(obj)->tp_name);
        return -1;
    }
    int overflow;
    long long v = PyLong_AsLongLongAndOverflow(obj, &overflow);
    if (v == -1 && PyErr_Occurred())
        return -1;
    if (overflow || v < lo || v > hi) {
        PyErr_Format(PyExc_ValueError, "%s must be in %lld..%lld", name, lo, hi);
        return -1;
    }
    *out = v;
    return 0;
}
