/*
 * progress.h - how training reports what it is doing: progress events for
 * a status line, notes for a log, verbose details. Training calls the
 * callback from several threads; the emitter serializes the calls.
 */
#ifndef CLF_PROGRESS_H
#define CLF_PROGRESS_H

#include <pthread.h>
#include <stddef.h>

typedef enum clf_train_event_kind {
    CLF_TRAIN_PROGRESS = 0, /* where training is: stage, category, fold, done/total */
    CLF_TRAIN_NOTE = 1,     /* a line worth printing (skipped rows, per-category results) */
    CLF_TRAIN_DETAIL = 2    /* a line for --verbose (each skipped row, each C's score) */
} clf_train_event_kind;

typedef struct clf_train_event {
    clf_train_event_kind kind;
    const char *stage;    /* "read", "featurize", "cross-validate", "fit", "evaluate", "write" */
    const char *category; /* or NULL; for "read", the corpus file being read */
    int fold;             /* 0-based fold, -1 when none */
    size_t done, total;   /* units of the stage (documents, jobs) */
    const char *message;  /* for notes and details; NULL for progress */
} clf_train_event;

typedef void (*clf_train_progress_fn)(void *ud, const clf_train_event *ev);

/* The serializing emitter that training passes around. */
typedef struct clf_progress {
    clf_train_progress_fn fn; /* NULL = report nothing */
    void *ud;
    pthread_mutex_t lock;
} clf_progress;

void clf_progress_init(clf_progress *p, clf_train_progress_fn fn, void *ud);
void clf_progress_destroy(clf_progress *p);

void clf_progress_step(clf_progress *p, const char *stage, const char *category, int fold,
                       size_t done, size_t total);

void clf_progress_note(clf_progress *p, clf_train_event_kind kind, const char *stage,
                       const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

#endif /* CLF_PROGRESS_H */
