/*
 * liblinear_dl.h - liblinear, loaded at run time by the first fit
 * (liblinear_dl.c): only training needs it, so the scoring commands of the
 * same `classify` binary start without it and the BLAS it pulls in.
 */
#ifndef CLF_LIBLINEAR_DL_H
#define CLF_LIBLINEAR_DL_H

#include <linear.h>

/* The liblinear functions training calls. */
typedef struct clf_liblinear_api {
    struct model *(*train)(const struct problem *prob, const struct parameter *param);
    const char *(*check_parameter)(const struct problem *prob, const struct parameter *param);
    void (*free_and_destroy_model)(struct model **model);
    void (*set_print_string_function)(void (*print)(const char *));
} clf_liblinear_api;

/*
 * clf_liblinear - the API, opened once per process (thread-safe); NULL,
 * with the message recorded (clf_last_error, CLF_E_TRAIN), when liblinear
 * cannot be loaded.
 */
const clf_liblinear_api *clf_liblinear(void);

#endif /* CLF_LIBLINEAR_DL_H */
