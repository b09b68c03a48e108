/*
 * classify/common.h - export macro, error codes and error messages.
 *
 * Every function of libclassify that can fail returns an int: CLF_OK (0) on
 * success or one of the negative clf_error codes below. The codes are stable:
 * new codes are only ever appended, none is ever renumbered or removed.
 */
#ifndef CLASSIFY_COMMON_H
#define CLASSIFY_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* CLF_API marks the exported symbols; everything else is hidden. */
#if defined(CLF_STATIC)
#  define CLF_API
#elif defined(_WIN32)
#  ifdef CLF_BUILDING_LIBRARY
#    define CLF_API __declspec(dllexport)
#  else
#    define CLF_API __declspec(dllimport)
#  endif
#elif defined(__GNUC__) && __GNUC__ >= 4
#  define CLF_API __attribute__((visibility("default")))
#else
#  define CLF_API
#endif

/*
 * Error codes. Append only: never renumber or remove one.
 */
typedef enum clf_error {
    CLF_OK              = 0,
    CLF_E_INVALID_ARG   = -1,  /* a NULL pointer or an out-of-range argument */
    CLF_E_NOMEM         = -2,  /* an allocation failed */
    CLF_E_IO            = -3,  /* a file could not be opened, read or written */
    CLF_E_UTF8          = -4,  /* the input text is not valid UTF-8 */
    CLF_E_TOO_LARGE     = -5,  /* an input exceeds a documented size limit */
    CLF_E_ICU           = -6,  /* ICU reported an error */
    CLF_E_STEMMER       = -7,  /* libstemmer could not be created or failed */
    CLF_E_MODEL_FORMAT  = -8,  /* a model file is truncated, corrupted or not a model */
    CLF_E_MODEL_VERSION = -9,  /* a model file has a format version this build cannot read */
    CLF_E_CHECKSUM      = -10, /* a model file's checksum does not match its contents */
    CLF_E_PARSE         = -11, /* a corpus, recipe or input record is malformed */
    CLF_E_LABEL         = -12, /* a corpus label is not mapped by the recipe */
    CLF_E_TRAIN         = -13, /* training failed (no data, one class only, solver error) */
    CLF_E_NOT_FOUND     = -14, /* a named thing (category, file, option) does not exist */
    CLF_E_INTERNAL      = -15, /* a bug in libclassify: please report it */
    CLF_E_BUFFER        = -16  /* an output buffer is too small (capacity below what is needed) */
} clf_error;

/*
 * clf_strerror - the fixed English description of an error code.
 * Returns a static string, never NULL (unknown codes give "unknown error").
 * Thread safety: safe from any thread.
 */
CLF_API const char *clf_strerror(int code);

/*
 * clf_last_error - the detailed message of the last error raised on the
 * calling thread (for example "model.clf: checksum mismatch"), or "" when
 * there was none. Never returns NULL. The string is owned by the library
 * and valid until the next libclassify call on the same thread.
 * Thread safety: per-thread state; safe from any thread.
 */
CLF_API const char *clf_last_error(void);

/*
 * clf_clear_error - forget the calling thread's last error message.
 */
CLF_API void clf_clear_error(void);

#ifdef __cplusplus
}
#endif
#endif /* CLASSIFY_COMMON_H */
