/*
 * mhd.h - libmicrohttpd, opened with dlopen when `classify serve` starts
 * (mhd.c), so that every other command starts without it: linked, it and
 * GnuTLS (8 more libraries, a constructor that parses ASN.1 tables) cost
 * each `classify score` about 7 ms and 2.4 MB before the first record.
 * Include this instead of <microhttpd.h>: the MHD_ calls of http.c go
 * through the table below.
 */
#ifndef CLF_SERVE_MHD_H
#define CLF_SERVE_MHD_H

#include <microhttpd.h>
#include <stddef.h>

/* The functions http.c calls, filled by clf_mhd_open. */
struct clf_mhd_api {
    __typeof__(MHD_start_daemon_va) *start_daemon_va;
    __typeof__(MHD_stop_daemon) *stop_daemon;
    __typeof__(MHD_quiesce_daemon) *quiesce_daemon;
    __typeof__(MHD_get_daemon_info) *get_daemon_info;
    __typeof__(MHD_get_connection_info) *get_connection_info;
    __typeof__(MHD_lookup_connection_value) *lookup_connection_value;
    __typeof__(MHD_create_response_from_buffer) *create_response_from_buffer;
    __typeof__(MHD_add_response_header) *add_response_header;
    __typeof__(MHD_queue_response) *queue_response;
    __typeof__(MHD_destroy_response) *destroy_response;
};

/* Written once by clf_mhd_open, before any daemon thread; read-only after. */
extern struct clf_mhd_api clf_mhd;

/*
 * clf_mhd_open - load libmicrohttpd (the SONAME it was built against) and
 * fill clf_mhd. Returns 0, or -1 with a message in err (errlen bytes).
 * Not thread-safe: call it once from the main thread. Idempotent.
 */
int clf_mhd_open(char *err, size_t errlen);

/* MHD_start_daemon through MHD_start_daemon_va. */
struct MHD_Daemon *clf_mhd_start_daemon(unsigned int flags, uint16_t port,
                                        MHD_AcceptPolicyCallback apc, void *apc_cls,
                                        MHD_AccessHandlerCallback dh, void *dh_cls, ...);

#define MHD_start_daemon clf_mhd_start_daemon
#define MHD_stop_daemon (*clf_mhd.stop_daemon)
#define MHD_quiesce_daemon (*clf_mhd.quiesce_daemon)
#define MHD_get_daemon_info (*clf_mhd.get_daemon_info)
#define MHD_get_connection_info (*clf_mhd.get_connection_info)
#define MHD_lookup_connection_value (*clf_mhd.lookup_connection_value)
#define MHD_create_response_from_buffer (*clf_mhd.create_response_from_buffer)
#define MHD_add_response_header (*clf_mhd.add_response_header)
#define MHD_queue_response (*clf_mhd.queue_response)
#define MHD_destroy_response (*clf_mhd.destroy_response)

#endif
