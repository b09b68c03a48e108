/*
 * text.c - str/bytes arguments to UTF-8 views.
 */
#include "text.h"

#include <classify.h>

#include "errors.h"

/* The library looks at most max_bytes + 3 bytes ahead to find where to cut;
 * one more makes it see that the text is longer than the limit. */
#define LOOKAHEAD 4

static int from_str(PyObject *obj, size_t max_bytes, clfpy_text *out)
{
    PyObject *s = obj;
    Py_INCREF(s);
    /* every code point is at least one byte: max_bytes + LOOKAHEAD code
     * points cover the bytes the library reads */
    if (max_bytes && (size_t)PyUnicode_GET_LENGTH(obj) > max_bytes + LOOKAHEAD) {
        Py_DECREF(s);
        s = PyUnicode_Substring(obj, 0, (Py_ssize_t)(max_bytes + LOOKAHEAD));
        if (!s)
            return -1;
    }
    Py_ssize_t n;
    if (PyUnicode_IS_COMPACT_ASCII(s)) {
        /* ASCII strings are their own UTF-8: no copy, nothing cached */
        out->data = PyUnicode_AsUTF8AndSize(s, &n);
        out->owner = s;
    } else {
        /* a temporary copy, not PyUnicode_AsUTF8's cache, which would keep a
         * second copy of every scored text alive inside the caller's strs */
        PyObject *b = PyUnicode_AsUTF8String(s);
        if (!b) {
            Py_DECREF(s);
            if (PyErr_ExceptionMatches(PyExc_UnicodeEncodeError)) {
                PyObject *type, *value, *tb;
                PyErr_Fetch(&type, &value, &tb);
                PyObject *desc = value ? PyObject_Str(value) : NULL;
                const char *d = desc ? PyUnicode_AsUTF8(desc) : NULL;
                if (!d)
                    PyErr_Clear();
                clfpy_input_error(CLF_E_UTF8, "text is not valid Unicode: %s",
                                  d ? d : "lone surrogate");
                Py_XDECREF(desc);
                Py_XDECREF(type);
                Py_XDECREF(value);
                Py_XDECREF(tb);
            }
            return -1;
        }
        Py_DECREF(s);
        out->data = PyBytes_AS_STRING(b);
        n = PyBytes_GET_SIZE(b);
        out->owner = b;
    }
    if (!out->data) {
        Py_CLEAR(out->owner);
        return -1;
    }
    out->len = (size_t)n;
    return 0;
}

int clfpy_text_get(PyObject *obj, size_t max_bytes, clfpy_text *out)
{
    out->data = NULL;
    out->len = 0;
    out->owner = NULL;
    if (PyUnicode_Check(obj))
        return from_str(obj, max_bytes, out);
    PyObject *b;
    if (PyBytes_Check(obj)) {
        Py_INCREF(obj);
        b = obj;
    } else if (PyByteArray_Check(obj) || PyMemoryView_Check(obj)) {
        b = PyBytes_FromObject(obj); /* a copy: the buffer may change under us */
        if (!b)
            return -1;
    } else {
        PyErr_Format(PyExc_TypeError, "text must be str or bytes, not %.100s",
                     Py_TYPE(obj)->tp_name);
        return -1;
    }
    out->owner = b;
    out->data = PyBytes_AS_STRING(b);
    out->len = (size_t)PyBytes_GET_SIZE(b);
    if (max_bytes && out->len > max_bytes + LOOKAHEAD)
        out->len = max_bytes + LOOKAHEAD;
    return 0;
}

void clfpy_text_release(clfpy_text *t)
{
    Py_CLEAR(t->owner);
    t->data = NULL;
    t->len = 0;
}
