/*
 * progress.c - the serializing progress emitter.
 */
#include "progress.h"

#include <stdarg.h>
#include <stdio.h>

void clf_progress_init(clf_progress *p, clf_train_progress_fn fn, void *ud)
{
    p->fn = fn;
    p->ud = ud;
    pthread_mutex_init(&p->lock, NULL);
}

void clf_progress_destroy(clf_progress *p)
{
    pthread_mutex_destroy(&p->lock);
}

void clf_progress_step(clf_progress *p, const char *stage, const char *category, int fold,
                       size_t done, size_t total)
{
    if (!p || !p->fn)
        return;
    clf_train_event ev = {CLF_TRAIN_PROGRESS, stage, category, fold, done, total, NULL};
    pthread_mutex_lock(&p->lock);
    p->fn(p->ud, &ev);
    pthread_mutex_unlock(&p->lock);
}

void clf_progress_note(clf_progress *p, clf_train_event_kind kind, const char *stage,
                       const char *fmt, ...)
{
    if (!p || !p->fn)
        return;
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    clf_train_event ev = {kind, stage, NULL, -1, 0, 0, msg};
    pthread_mutex_lock(&p->lock);
    p->fn(p->ud, &ev);
    pthread_mutex_unlock(&p->lock);
}
