/*
 * mhd.c - libmicrohttpd loaded at run time (mhd.h).
 */
#include "mhd.h"

#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>

#ifndef CLF_MHD_SONAME
#define CLF_MHD_SONAME "libmicrohttpd.so.12"
#endif

struct clf_mhd_api clf_mhd;

int clf_mhd_open(char *err, size_t errlen)
{
    static void *lib;
    if (lib)
        return 0;
    void *h = dlopen(CLF_MHD_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *e = dlerror();
        snprintf(err, errlen, "cannot load %s (apt-get install libmicrohttpd12): %s",
                 CLF_MHD_SONAME, e ? e : "unknown error");
        return -1;
    }
    struct {
        const char *name;
        void **slot;
    } const syms[] = {
#define SYM(field, name) {name, (void **)(void *)&clf_mhd.field}
        SYM(start_daemon_va, "MHD_start_daemon_va"),
        SYM(stop_daemon, "MHD_stop_daemon"),
        SYM(quiesce_daemon, "MHD_quiesce_daemon"),
        SYM(get_daemon_info, "MHD_get_daemon_info"),
        SYM(get_connection_info, "MHD_get_connection_info"),
        SYM(lookup_connection_value, "MHD_lookup_connection_value"),
        SYM(create_response_from_buffer, "MHD_create_response_from_buffer"),
        SYM(add_response_header, "MHD_add_response_header"),
        SYM(queue_response, "MHD_queue_response"),
        SYM(destroy_response, "MHD_destroy_response"),
#undef SYM
    };
    for (size_t i = 0; i < sizeof syms / sizeof syms[0]; i++) {
        void *f = dlsym(h, syms[i].name);
        if (!f) {
            snprintf(err, errlen, "%s has no %s", CLF_MHD_SONAME, syms[i].name);
            dlclose(h);
            return -1;
        }
        *syms[i].slot = f; /* POSIX: a function pointer round-trips through void * */
    }
    lib = h;
    return 0;
}

struct MHD_Daemon *clf_mhd_start_daemon(unsigned int flags, uint16_t port,
                                        MHD_AcceptPolicyCallback apc, void *apc_cls,
                                        MHD_AccessHandlerCallback dh, void *dh_cls, ...)
{
    va_list ap;
    va_start(ap, dh_cls);
    struct MHD_Daemon *d = clf_mhd.start_daemon_va(flags, port, apc, apc_cls, dh, dh_cls, ap);
    va_end(ap);
    return d;
}
