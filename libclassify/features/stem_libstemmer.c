/*
 * stem_libstemmer.c - libstemmer's Arabic stemmer, the library opened at
 * its first use (stem_internal.h). stem_arabic.c stems all but a few rare
 * words, and loading libstemmer (its tables for every language: ~10,000
 * relocations, ~90 pages written) cost a new process ~2 ms before its
 * first score, so a process that never meets such a word never loads it.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

#include "internal.h"
#include "stem_internal.h"

#ifndef CLF_LIBSTEMMER_SONAME
#define CLF_LIBSTEMMER_SONAME "libstemmer.so.0d"
#endif

static struct {
    struct sb_stemmer *(*create)(const char *algorithm, const char *charenc);
    void (*destroy)(struct sb_stemmer *st);
    const sb_symbol *(*stem)(struct sb_stemmer *st, const sb_symbol *word, int size);
    int (*length)(struct sb_stemmer *st);
} api;
static int api_ok;
static char api_err[256];
static pthread_once_t api_once = PTHREAD_ONCE_INIT;

static void open_once(void)
{
    void *h = dlopen(CLF_LIBSTEMMER_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *e = dlerror();
        snprintf(api_err, sizeof api_err, "libstemmer: cannot load %s: %s",
                 CLF_LIBSTEMMER_SONAME, e ? e : "unknown error");
        return;
    }
    struct {
        const char *name;
        void **slot;
    } const syms[] = {
        {"sb_stemmer_new", (void **)(void *)&api.create},
        {"sb_stemmer_delete", (void **)(void *)&api.destroy},
        {"sb_stemmer_stem", (void **)(void *)&api.stem},
        {"sb_stemmer_length", (void **)(void *)&api.length},
    };
    for (size_t i = 0; i < sizeof syms / sizeof syms[0]; i++) {
        void *f = dlsym(h, syms[i].name);
        if (!f) {
            snprintf(api_err, sizeof api_err, "libstemmer: %s has no %s",
                     CLF_LIBSTEMMER_SONAME, syms[i].name);
            dlclose(h);
            return;
        }
        *syms[i].slot = f; /* POSIX: a function pointer round-trips through void * */
    }
    api_ok = 1; /* kept open for the life of the process */
}

struct sb_stemmer *clf__libstemmer_new(void)
{
    pthread_once(&api_once, open_once);
    if (!api_ok) {
        clf__error(CLF_E_STEMMER, "%s", api_err);
        return NULL;
    }
    struct sb_stemmer *st = api.create("arabic", "UTF_8");
    if (!st)
        clf__error(CLF_E_STEMMER, "libstemmer: cannot create the arabic stemmer");
    return st;
}

const sb_symbol *clf__libstemmer_stem(struct sb_stemmer *st, const sb_symbol *word, int len,
                                      int *out_len)
{
    const sb_symbol *r = api.stem(st, word, len);
    *out_len = r ? api.length(st) : 0;
    return r;
}

void clf__libstemmer_delete(struct sb_stemmer *st)
{
    if (st)
        api.destroy(st);
}
