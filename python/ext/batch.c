/*
 * batch.c - Model.score_many(): many texts on N native threads.
 *
 * Texts are taken in chunks (bounded in count and bytes, so a corpus-sized
 * list never has all of its UTF-8 copies alive at once). For each chunk the
 * texts are converted with the GIL, then the GIL is released and N threads,
 * each with its own scorer from the pool, take small runs of documents from
 * a shared counter; results go to their input positions, so order is kept.
 */
#include "errors.h" /* Python.h first: it sets the feature macros */
#include "model.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "result.h"
#include "text.h"

#define MAX_THREADS 64
#define CHUNK_DOCS 4096
#define CHUNK_BYTES ((size_t)32 << 20)
#define RUN 8 /* documents taken at once from the shared counter */

typedef struct chunk {
    const clfpy_text *texts;
    int *status;             /* in: conversion error or 0; out: score error */
    char **msg;              /* error messages (malloc'd) */
    clf_score_result *res;   /* n * ncat */
    clf_doc_info *info;
    size_t n, ncat;
    atomic_size_t next;
} chunk;

typedef struct worker {
    chunk *c;
    clf_scorer *scorer;
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    chunk *c = w->c;
    for (;;) {
        size_t from = atomic_fetch_add(&c->next, RUN);
        if (from >= c->n)
            break;
        size_t to = from + RUN < c->n ? from + RUN : c->n;
        for (size_t i = from; i < to; i++) {
            if (c->status[i])
                continue;
            int rc = clf_score(w->scorer, c->texts[i].data, c->texts[i].len,
                               c->res + i * c->ncat, c->ncat, &c->info[i]);
            if (rc < 0) {
                c->status[i] = rc;
                c->msg[i] = strdup(clf_last_error()); /* NULL: clf_strerror() later */
            }
        }
    }
    return NULL;
}

/* Without the GIL: score the chunk on up to nthreads threads. */
static int run_chunk(clfpy_model *self, chunk *c, int nthreads, clfpy_err *err)
{
    worker w[MAX_THREADS];
    pthread_t tid[MAX_THREADS];
    int started[MAX_THREADS] = {0};
    int T = nthreads < (int)c->n ? nthreads : (int)c->n;
    if (T < 1)
        T = 1;
    int got = 0, rc = CLF_OK;
    for (; got < T; got++) {
        w[got].c = c;
        rc = clfpy_pool_get(&self->pool, &w[got].scorer);
        if (rc != CLF_OK) {
            clfpy_err_capture(err, rc);
            break;
        }
    }
    if (rc == CLF_OK) {
        atomic_store(&c->next, 0);
        for (int t = 1; t < T; t++)
            started[t] = pthread_create(&tid[t], NULL, work, &w[t]) == 0;
        work(&w[0]); /* a thread that could not start leaves its share to the others */
        for (int t = 1; t < T; t++)
            if (started[t])
                pthread_join(tid[t], NULL);
    }
    for (int t = 0; t < got; t++)
        clfpy_pool_put(&self->pool, w[t].scorer);
    return rc;
}

/* With the GIL: the current exception (a conversion error of one text)
 * as that text's status and message. */
static void take_conversion_error(int *status, char **msg)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    PyObject *code = value ? PyObject_GetAttrString(value, "code") : NULL;
    PyErr_Clear();
    long lcode = code && PyLong_Check(code) ? PyLong_AsLong(code) : CLF_E_UTF8;
    PyObject *s = value ? PyObject_Str(value) : NULL;
    const char *m = s ? PyUnicode_AsUTF8(s) : NULL;
    PyErr_Clear();
    *status = (int)lcode;
    *msg = strdup(m ? m : "invalid text");
    Py_XDECREF(s);
    Py_XDECREF(code);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
}

/* With the GIL: re-raise the current exception with "texts[i]: " in front
 * of its message, keeping its class (and code, for libclassify errors). */
static void prefix_index(Py_ssize_t i)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    if (!value) {
        PyErr_Restore(type, value, tb);
        return;
    }
    PyObject *code = PyObject_GetAttrString(value, "code");
    PyObject *msg = code ? PyObject_GetAttrString(value, "message") : NULL;
    PyErr_Clear();
    if (code && PyLong_Check(code) && msg && PyUnicode_Check(msg)) {
        PyObject *full = PyUnicode_FromFormat("texts[%zd]: %U", i, msg);
        const char *m = full ? PyUnicode_AsUTF8(full) : NULL;
        if (m)
            clfpy_raise((int)PyLong_AsLong(code), m);
        Py_XDECREF(full);
    } else {
        PyObject *s = PyObject_Str(value);
        if (s)
            PyErr_Format(type, "texts[%zd]: %U", i, s);
        Py_XDECREF(s);
    }
    Py_XDECREF(code);
    Py_XDECREF(msg);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
}

PyObject *clfpy_score_many(clfpy_model *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"texts", "threads", "errors", NULL};
    PyObject *texts, *pthreads = NULL;
    const char *errors = "raise";
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|O$s:score_many", kwlist, &texts, &pthreads,
                                     &errors))
        return NULL;
    long long lthreads = 1;
    if (pthreads && clfpy_int_arg(pthreads, "threads", 1, MAX_THREADS, &lthreads) < 0)
        return NULL;
    int nthreads = (int)lthreads;
    int record = 0;
    if (!strcmp(errors, "record"))
        record = 1;
    else if (strcmp(errors, "raise") != 0)
        return PyErr_Format(PyExc_ValueError, "errors must be 'raise' or 'record', not '%s'", errors);
    if (PyUnicode_Check(texts) || PyBytes_Check(texts) || PyByteArray_Check(texts))
        return PyErr_Format(PyExc_TypeError,
                            "texts must be a sequence of texts, not a single %.100s (use score())",
                            Py_TYPE(texts)->tp_name);
    PyObject *seq = PySequence_Fast(texts, "texts must be an iterable of str or bytes");
    if (!seq)
        return NULL;
    if (clfpy_model_enter(self) < 0) {
        Py_DECREF(seq);
        return NULL;
    }
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    PyObject *out = PyList_New(n);
    size_t cap = n < CHUNK_DOCS ? (size_t)n : CHUNK_DOCS;
    if (cap == 0)
        cap = 1;
    clfpy_text *tv = calloc(cap, sizeof *tv);
    int *status = calloc(cap, sizeof *status);
    char **msg = calloc(cap, sizeof *msg);
    clf_score_result *res = calloc(cap * self->ncat, sizeof *res);
    clf_doc_info *info = calloc(cap, sizeof *info);
    size_t held = 0; /* converted texts to release */
    PyObject *pending[3] = {NULL, NULL, NULL}; /* a conversion error, raised after scoring */
    if (!out || !tv || !status || !msg || !res || !info) {
        if (out)
            PyErr_NoMemory();
        goto fail;
    }
    for (Py_ssize_t base = 0; base < n;) {
        /* convert a chunk */
        size_t m = 0, bytes = 0;
        while (m < cap && base + (Py_ssize_t)m < n && bytes < CHUNK_BYTES) {
            PyObject *item = PySequence_Fast_GET_ITEM(seq, base + (Py_ssize_t)m);
            status[m] = 0;
            msg[m] = NULL;
            memset(&info[m], 0, sizeof info[m]);
            if (clfpy_text_get(item, self->max_bytes, &tv[m]) < 0) {
                if (!record || !PyErr_ExceptionMatches(clfpy_InputError)) {
                    /* raised after the texts before it, so that the error
                     * reported is always the first one in input order */
                    prefix_index(base + (Py_ssize_t)m);
                    PyErr_Fetch(&pending[0], &pending[1], &pending[2]);
                    break;
                }
                take_conversion_error(&status[m], &msg[m]);
            }
            bytes += tv[m].len;
            held = ++m;
        }
        chunk c = {.texts = tv, .status = status, .msg = msg, .res = res, .info = info,
                   .n = m, .ncat = self->ncat};
        clfpy_err err;
        int rc;
        Py_BEGIN_ALLOW_THREADS
        rc = run_chunk(self, &c, nthreads, &err);
        Py_END_ALLOW_THREADS
        if (rc != CLF_OK) {
            clfpy_err_raise(&err);
            goto fail;
        }
        if (pending[0] && !record) {
            for (size_t i = 0; i < m; i++)
                if (status[i]) {
                    clfpy_raise(status[i], msg[i]);
                    prefix_index(base + (Py_ssize_t)i);
                    goto fail;
                }
            PyErr_Restore(pending[0], pending[1], pending[2]);
            pending[0] = pending[1] = pending[2] = NULL;
            goto fail;
        }
        if (pending[0]) { /* a TypeError in record mode */
            PyErr_Restore(pending[0], pending[1], pending[2]);
            pending[0] = pending[1] = pending[2] = NULL;
            goto fail;
        }
        for (size_t i = 0; i < m; i++) {
            PyObject *r;
            if (status[i] && !record) {
                clfpy_raise(status[i], msg[i]);
                prefix_index(base + (Py_ssize_t)i);
                goto fail;
            }
            r = status[i] ? clfpy_result_error(status[i], msg[i] ? msg[i] : clf_strerror(status[i]))
                          : clfpy_result_new(self->categories, res + i * self->ncat, &info[i],
                                             self->has_signals ? self->signal_thr : NULL);
            if (!r)
                goto fail;
            PyList_SET_ITEM(out, base + (Py_ssize_t)i, r);
        }
        for (size_t i = 0; i < m; i++) {
            clfpy_text_release(&tv[i]);
            free(msg[i]);
            msg[i] = NULL;
        }
        held = 0;
        base += (Py_ssize_t)m;
    }
    goto done;
fail:
    Py_CLEAR(out);
done:
    Py_XDECREF(pending[0]);
    Py_XDECREF(pending[1]);
    Py_XDECREF(pending[2]);
    for (size_t i = 0; i < held; i++) {
        clfpy_text_release(&tv[i]);
        free(msg[i]);
    }
    free(tv);
    free(status);
    free(msg);
    free(res);
    free(info);
    clfpy_model_leave(self);
    Py_DECREF(seq);
    return out;
}
