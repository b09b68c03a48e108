/*
 * text.h - a Python text argument as UTF-8 bytes the library can read
 * without the GIL.
 */
#ifndef CLFPY_TEXT_H
#define CLFPY_TEXT_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

typedef struct clfpy_text {
    const char *data; /* UTF-8, valid while owner lives */
    size_t len;
    PyObject *owner;  /* strong reference that keeps data alive */
} clfpy_text;

/*
 * clfpy_text_get - view obj (str, bytes, bytearray or memoryview) as UTF-8.
 * With max_bytes > 0 only the prefix the library can read is kept (the
 * library cuts at a character boundary at or below max_bytes and reports
 * the truncation), so a huge str is never encoded whole. Mutable buffers
 * are copied: another thread may resize them while the GIL is released.
 * Returns 0, or -1 with TypeError (not a text type) or InputError
 * (CLF_E_UTF8: a str with lone surrogates) set.
 */
int clfpy_text_get(PyObject *obj, size_t max_bytes, clfpy_text *out);

/* clfpy_text_release - drop the reference taken by clfpy_text_get. */
void clfpy_text_release(clfpy_text *t);

#endif /* CLFPY_TEXT_H */
