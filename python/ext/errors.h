/*
 * errors.h - libclassify error codes as Python exceptions.
 *
 * libclassify.Error carries the library's code (a negative clf_error), its
 * symbolic name ("CLF_E_UTF8") and the detailed message of clf_last_error().
 * InputError (also a ValueError) is raised for texts and arguments the
 * library rejects, ModelError for model files that cannot be loaded.
 */
#ifndef CLFPY_ERRORS_H
#define CLFPY_ERRORS_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

extern PyObject *clfpy_Error;
extern PyObject *clfpy_InputError;
extern PyObject *clfpy_ModelError;

/* Create the exception classes and add them to module m; -1 on error. */
int clfpy_errors_init(PyObject *m);

/* The symbolic name of a code ("CLF_E_UTF8"), "CLF_E_UNKNOWN" if unknown. */
const char *clfpy_error_name(int code);

/* Raise the exception for code with message msg (NULL or "": the code's
 * clf_strerror()). Always returns NULL. */
PyObject *clfpy_raise(int code, const char *msg);

/* Raise an InputError with a printf-style message. Returns NULL. */
PyObject *clfpy_input_error(int code, const char *fmt, ...);

/* An error captured without the GIL, on the thread that saw it (the
 * library's message is per thread), raised later with clfpy_err_raise. */
typedef struct clfpy_err {
    int code;
    char msg[1024];
} clfpy_err;

/* Record code and the calling thread's clf_last_error(); GIL not needed. */
void clfpy_err_capture(clfpy_err *e, int code);

/* Raise the captured error; returns NULL. */
PyObject *clfpy_err_raise(const clfpy_err *e);

/* An int argument in [lo, hi]: TypeError if obj is not an int (bool
 * included), ValueError if out of range (never OverflowError). 0 or -1. */
int clfpy_int_arg(PyObject *obj, const char *name, long long lo, long long hi, long long *out);

#endif /* CLFPY_ERRORS_H */
