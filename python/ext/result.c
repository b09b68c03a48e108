/*
 * result.c - building result dicts.
 */
#include "result.h"

#include <string.h>

static PyObject *k_scores, *k_flagged, *k_signals, *k_truncated, *k_abstain, *k_error, *k_code;

int clfpy_result_init(void)
{
    k_scores = PyUnicode_InternFromString("scores");
    k_flagged = PyUnicode_InternFromString("flagged");
    k_signals = PyUnicode_InternFromString("signals");
    k_truncated = PyUnicode_InternFromString("truncated");
    k_abstain = PyUnicode_InternFromString("abstain");
    k_error = PyUnicode_InternFromString("error");
    k_code = PyUnicode_InternFromString("code");
    return k_scores && k_flagged && k_signals && k_truncated && k_abstain && k_error && k_code ? 0 : -1;
}

static int set_new(PyObject *d, PyObject *k, PyObject *v)
{
    if (!v)
        return -1;
    int rc = PyDict_SetItem(d, k, v);
    Py_DECREF(v);
    return rc;
}

PyObject *clfpy_result_new(PyObject *names, const clf_score_result *res,
                           const clf_doc_info *info, const double *signal_thr)
{
    Py_ssize_t K = PyTuple_GET_SIZE(names);
    PyObject *d = PyDict_New();
    PyObject *scores = PyDict_New();
    PyObject *flagged = PySet_New(NULL);
    PyObject *signals = signal_thr ? PySet_New(NULL) : NULL;
    if (!d || !scores || !flagged || (signal_thr && !signals))
        goto fail;
    for (Py_ssize_t k = 0; k < K; k++) {
        PyObject *name = PyTuple_GET_ITEM(names, k);
        if (set_new(scores, name, PyFloat_FromDouble(res[k].probability)) < 0)
            goto fail;
        if (res[k].flagged && PySet_Add(flagged, name) < 0)
            goto fail;
        if (signals && !info->abstain && signal_thr[k] >= 0 &&
            res[k].probability >= signal_thr[k] && PySet_Add(signals, name) < 0)
            goto fail;
    }
    if (signals && PyDict_SetItem(d, k_signals, signals) < 0)
        goto fail;
    if (PyDict_SetItem(d, k_scores, scores) < 0 || PyDict_SetItem(d, k_flagged, flagged) < 0 ||
        PyDict_SetItem(d, k_truncated, info->truncated ? Py_True : Py_False) < 0)
        goto fail;
    if (info->abstain) {
        if (set_new(d, k_abstain, PyUnicode_FromString(clf_abstain_name(info->abstain))) < 0)
            goto fail;
    } else if (PyDict_SetItem(d, k_abstain, Py_None) < 0) {
        goto fail;
    }
    Py_DECREF(scores);
    Py_DECREF(flagged);
    Py_XDECREF(signals);
    return d;
fail:
    Py_XDECREF(d);
    Py_XDECREF(scores);
    Py_XDECREF(flagged);
    Py_XDECREF(signals);
    return NULL;
}

PyObject *clfpy_result_error(int code, const char *message)
{
    PyObject *d = PyDict_New();
    if (!d)
        return NULL;
    if (set_new(d, k_error, PyUnicode_DecodeUTF8(message, (Py_ssize_t)strlen(message),
                                                 "backslashreplace")) < 0 ||
        set_new(d, k_code, PyLong_FromLong(code)) < 0) {
        Py_DECREF(d);
        return NULL;
    }
    return d;
}
