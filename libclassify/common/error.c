/*
 * error.c - error code descriptions, the per-thread last-error message,
 * and the small memory helpers every stage shares (internal.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static _Thread_local char last_error[512];

CLF_API const char *clf_strerror(int code)
{
    switch (code) {
    case CLF_OK: return "success";
    case CLF_E_INVALID_ARG: return "invalid argument";
    case CLF_E_NOMEM: return "out of memory";
    case CLF_E_IO: return "input/output error";
    case CLF_E_UTF8: return "invalid UTF-8";
    case CLF_E_TOO_LARGE: return "input too large";
    case CLF_E_ICU: return "ICU error";
    case CLF_E_STEMMER: return "stemmer error";
    case CLF_E_MODEL_FORMAT: return "not a valid model file";
    case CLF_E_MODEL_VERSION: return "unsupported model format version";
    case CLF_E_CHECKSUM: return "model checksum mismatch";
    case CLF_E_PARSE: return "malformed input";
    case CLF_E_LABEL: return "unknown label";
    case CLF_E_TRAIN: return "training failed";
    case CLF_E_NOT_FOUND: return "not found";
    case CLF_E_INTERNAL: return "internal error";
    case CLF_E_BUFFER: return "output buffer too small";
    default: return "unknown error";
    }
}

CLF_API const char *clf_last_error(void)
{
    return last_error;
}

CLF_API void clf_clear_error(void)
{
    last_error[0] = '\0';
}

int clf__error(int code, const char *fmt, ...)
{
    /* Callers may pass clf_last_error() itself as an argument (to add
     * context to a lower-level message): formatting straight into
     * last_error would read the buffer while writing it. Format into a
     * temporary, then copy. */
    char tmp[sizeof last_error];
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(tmp, sizeof tmp, fmt, ap);
        va_end(ap);
    } else {
        snprintf(tmp, sizeof tmp, "%s", clf_strerror(code));
    }
    memcpy(last_error, tmp, sizeof last_error);
    return code;
}

int clf__buf_reserve(clf__buf *b, size_t extra)
{
    if (b->cap - b->len >= extra)
        return CLF_OK;
    if (extra > SIZE_MAX / 2 - b->len)
        return clf__error(CLF_E_NOMEM, "buffer size overflow");
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len < extra)
        cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p)
        return clf__error(CLF_E_NOMEM, "out of memory (%zu bytes)", cap);
    b->data = p;
    b->cap = cap;
    return CLF_OK;
}

char *clf__memdup(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

void clf__buf_free(clf__buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
