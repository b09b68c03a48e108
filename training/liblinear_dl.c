/*
 * liblinear_dl.c - liblinear loaded at run time (liblinear_dl.h), the way
 * `classify serve` loads libmicrohttpd (cli/serve/mhd.c).
 */
#include "liblinear_dl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

#include "internal.h"

#ifndef CLF_LIBLINEAR_SONAME
#define CLF_LIBLINEAR_SONAME "liblinear.so.4"
#endif

static clf_liblinear_api api;
static int api_ok;
static char api_err[256];
static pthread_once_t api_once = PTHREAD_ONCE_INIT;

static void open_once(void)
{
    void *h = dlopen(CLF_LIBLINEAR_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *e = dlerror();
        snprintf(api_err, sizeof api_err, "cannot load %s (apt-get install liblinear4): %s",
                 CLF_LIBLINEAR_SONAME, e ? e : "unknown error");
        return;
    }
    struct {
        const char *name;
        void **slot;
    } const syms[] = {
#define SYM(field) {#field, (void **)(void *)&api.field}
        SYM(train),
        SYM(check_parameter),
        SYM(free_and_destroy_model),
        SYM(set_print_string_function),
#undef SYM
    };
    for (size_t i = 0; i < sizeof syms / sizeof syms[0]; i++) {
        void *f = dlsym(h, syms[i].name);
        if (!f) {
            snprintf(api_err, sizeof api_err, "%s has no %s", CLF_LIBLINEAR_SONAME,
                     syms[i].name);
            dlclose(h);
            return;
        }
        *syms[i].slot = f; /* POSIX: a function pointer round-trips through void * */
    }
    api_ok = 1; /* kept open for the life of the process */
}

const clf_liblinear_api *clf_liblinear(void)
{
    pthread_once(&api_once, open_once);
    if (!api_ok) {
        clf__error(CLF_E_TRAIN, "%s", api_err);
        return NULL;
    }
    return &api;
}
