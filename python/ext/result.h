/*
 * result.h - one document's scores as plain Python objects:
 *   {"scores": {category: probability}, "flagged": {category, ...},
 *    "truncated": bool, "abstain": None or the reason's name}
 * and, when the model has report-only categories, "signals": {category, ...}
 * (those at or above their threshold, never in "flagged").
 * The keys are those of a `classify score` JSON record.
 */
#ifndef CLFPY_RESULT_H
#define CLFPY_RESULT_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <classify.h>

/* Intern the key strings; -1 on error. */
int clfpy_result_init(void);

/* A new result dict; names is the model's tuple of category names;
 * signal_thr (NULL: no report-only category) the threshold of each
 * report-only category, -1 for the others. */
PyObject *clfpy_result_new(PyObject *names, const clf_score_result *res,
                           const clf_doc_info *info, const double *signal_thr);

/* The dict of an error record {"error": message, "code": code}. */
PyObject *clfpy_result_error(int code, const char *message);

#endif /* CLFPY_RESULT_H */
