/*
 * http.c - the libmicrohttpd plumbing of `classify serve`: thread-pool
 * daemon (each pool thread runs an event loop over its connections, so a
 * slow client costs a socket and a timer, never a worker), request bodies
 * collected under --max-body, routing, JSON responses naming the model,
 * counters and the access log. Signals and draining are in cmd_serve.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mhd.h"
#include "serve.h"

enum route { R_NOT_FOUND, R_METHOD, R_ANALYZE, R_MODERATIONS, R_SUGGEST, R_STATUS };

typedef struct req_ctx {
    enum route route;
    char *buf;
    size_t len, cap;
    size_t discarded;      /* body bytes beyond --max-body, not kept */
    int responded;         /* a response is queued */
    int status;
    struct timespec t0;
    char method[16];
    char url[256];
} req_ctx;

static enum route route_of(const char *url, const char *method)
{
    static const struct {
        const char *url;
        enum route r;
        int post;
    } table[] = {
        {"/v1alpha1/comments:analyze", R_ANALYZE, 1},
        {"/v1/moderations", R_MODERATIONS, 1},
        {"/v1alpha1/comments:suggestscore", R_SUGGEST, 1},
        {"/status", R_STATUS, 0},
        {"/healthz", R_STATUS, 0},
        {"/readyz", R_STATUS, 0},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (!strcmp(url, table[i].url)) {
            int ok = table[i].post ? !strcmp(method, "POST")
                                   : (!strcmp(method, "GET") || !strcmp(method, "HEAD"));
            return ok ? table[i].r : R_METHOD;
        }
    return R_NOT_FOUND;
}

static void count_status(srv_state *st, int status)
{
    if (status < 300)
        atomic_fetch_add(&st->n.s2xx, 1);
    else if (status < 500)
        atomic_fetch_add(&st->n.s4xx, 1);
    else
        atomic_fetch_add(&st->n.s5xx, 1);
}

/* Queue a JSON response (consumes body) naming the model m (may be NULL). */
static enum MHD_Result send_json(srv_state *st, struct MHD_Connection *c, req_ctx *r, int status,
                                 json_t *body, const srv_model *m)
{
    /* 17 significant digits: a client reads back the exact double */
    char *s = body ? json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(17)) : NULL;
    json_decref(body);
    if (!s) {
        status = 500;
        s = strdup("{\"error\":{\"code\":500,\"message\":\"out of memory\",\"status\":\"INTERNAL\"}}");
        if (!s)
            return MHD_NO;
    }
    size_t n = strlen(s);
    char *t = realloc(s, n + 2);
    if (!t) {
        free(s);
        return MHD_NO;
    }
    t[n++] = '\n';
    t[n] = '\0';
    struct MHD_Response *resp = MHD_create_response_from_buffer(n, t, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(t);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json; charset=utf-8");
    if (m) {
        MHD_add_response_header(resp, "X-Model-Id", m->id);
        MHD_add_response_header(resp, "X-Model-Checksum", m->checksum);
    }
    if (status == 405)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW,
                                route_of(r->url, "GET") == R_STATUS ? "GET, HEAD" : "POST");
    if (atomic_load(&st->draining))
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)status, resp);
    MHD_destroy_response(resp);
    r->responded = 1;
    r->status = status;
    count_status(st, status);
    return ret;
}

static enum MHD_Result send_error(srv_state *st, struct MHD_Connection *c, req_ctx *r,
                                  srv_error *e, const srv_model *m)
{
    return send_json(st, c, r, e->http, srv_error_json(e, r->route == R_MODERATIONS), m);
}

static enum MHD_Result dispatch(srv_state *st, struct MHD_Connection *c, req_ctx *r)
{
    srv_error e = {0};
    json_t *resp = NULL;
    srv_model *used = NULL;
    int status;
    if (r->discarded) {
        srv_fail(&e, 413, "INVALID_ARGUMENT", "request body above the limit of %zu bytes (--max-body)",
                 st->cfg.max_body);
        return send_error(st, c, r, &e, NULL);
    }
    switch (r->route) {
    case R_ANALYZE:
        atomic_fetch_add(&st->n.analyze, 1);
        status = srv_handle_analyze(st, r->buf, r->len, &resp, &e, &used);
        break;
    case R_MODERATIONS:
        atomic_fetch_add(&st->n.moderations, 1);
        status = srv_handle_moderations(st, r->buf, r->len, &resp, &e, &used);
        break;
    case R_SUGGEST:
        atomic_fetch_add(&st->n.suggest, 1);
        status = srv_handle_suggest(st, r->buf, r->len, &resp, &e, &used);
        break;
    case R_STATUS: {
        atomic_fetch_add(&st->n.status, 1);
        status = srv_handle_status(st, r->url, &resp, &e);
        srv_model *m = srv_model_acquire(st);
        enum MHD_Result ret = status == 200 ? send_json(st, c, r, status, resp, m)
                                            : send_error(st, c, r, &e, m);
        srv_model_release(m);
        return ret;
    }
    case R_METHOD:
        atomic_fetch_add(&st->n.other, 1);
        srv_fail(&e, 405, "INVALID_ARGUMENT", "method %s is not allowed on %s", r->method, r->url);
        return send_error(st, c, r, &e, NULL);
    default:
        atomic_fetch_add(&st->n.other, 1);
        srv_fail(&e, 404, "NOT_FOUND", "no such endpoint: %s (see the README's endpoint table)",
                 r->url);
        return send_error(st, c, r, &e, NULL);
    }
    if (status == 200)
        return send_json(st, c, r, status, resp, used);
    return send_error(st, c, r, &e, used);
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload,
                               size_t *upload_size, void **con_cls)
{
    (void)version;
    srv_state *st = cls;
    req_ctx *r = *con_cls;
    if (!r) {
        r = calloc(1, sizeof *r);
        if (!r)
            return MHD_NO;
        *con_cls = r;
        clock_gettime(CLOCK_MONOTONIC, &r->t0);
        atomic_fetch_add(&st->n.in_flight, 1);
        atomic_fetch_add(&st->n.total, 1);
        snprintf(r->method, sizeof r->method, "%s", method);
        snprintf(r->url, sizeof r->url, "%s", url);
        r->route = route_of(url, method);
        /* a declared body above the limit is refused before it is read */
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                     MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && strtoull(cl, NULL, 10) > st->cfg.max_body) {
            srv_error e = {0};
            srv_fail(&e, 413, "INVALID_ARGUMENT",
                     "request body of %s bytes is above the limit of %zu bytes (--max-body)", cl,
                     st->cfg.max_body);
            return send_error(st, c, r, &e, NULL);
        }
        return MHD_YES;
    }
    if (*upload_size) {
        size_t n = *upload_size;
        *upload_size = 0;
        if (r->responded)
            return MHD_YES;
        if (r->discarded || r->len + n > st->cfg.max_body) {
            /* chunked bodies have no length up front: stop keeping them, answer
             * 413 at the end, and hang up on a client that does not stop */
            r->discarded += n;
            free(r->buf);
            r->buf = NULL;
            r->len = r->cap = 0;
            return r->discarded > 64 * st->cfg.max_body + (1u << 20) ? MHD_NO : MHD_YES;
        }
        if (r->len + n + 1 > r->cap) {
            size_t cap = r->cap ? r->cap : 4096;
            while (cap < r->len + n + 1)
                cap *= 2;
            char *b = realloc(r->buf, cap);
            if (!b)
                return MHD_NO;
            r->buf = b;
            r->cap = cap;
        }
        memcpy(r->buf + r->len, upload, n);
        r->len += n;
        r->buf[r->len] = '\0';
        return MHD_YES;
    }
    if (r->responded)
        return MHD_YES;
    return dispatch(st, c, r);
}

static void access_log(srv_state *st, struct MHD_Connection *c, const req_ctx *r,
                       enum MHD_RequestTerminationCode toe)
{
    struct timespec t1, now;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    clock_gettime(CLOCK_REALTIME, &now);
    double ms = (double)(t1.tv_sec - r->t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - r->t0.tv_nsec) / 1e6;
    char addr[INET6_ADDRSTRLEN] = "-";
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci && ci->client_addr) {
        const struct sockaddr *sa = ci->client_addr;
        if (sa->sa_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, addr, sizeof addr);
        else if (sa->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, addr, sizeof addr);
    }
    struct tm tm;
    gmtime_r(&now.tv_sec, &tm);
    char when[32], line[512];
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    /* the url is logged without its query (Perspective clients put their key there) */
    int n = snprintf(line, sizeof line, "%s.%03ldZ %s %s %s %d %zu %.3fms%s\n", when,
                     now.tv_nsec / 1000000, addr, r->method, r->url, r->responded ? r->status : 0,
                     r->len + r->discarded, ms,
                     toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " aborted");
    if (n > 0) /* one write per line: lines of concurrent requests never mix */
        (void)!write(st->log_fd, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    srv_state *st = cls;
    req_ctx *r = *con_cls;
    if (!r)
        return;
    if (st->log_fd >= 0)
        access_log(st, c, r, toe);
    free(r->buf);
    free(r);
    *con_cls = NULL;
    atomic_fetch_sub(&st->n.in_flight, 1);
}

/* fmt comes from libmicrohttpd: the attribute lets -Wformat-nonliteral
 * (clang, -Wformat=2) check the forwarding instead of failing on it */
__attribute__((format(printf, 2, 0)))
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    fputs("classify serve: libmicrohttpd: ", stderr);
    vfprintf(stderr, fmt, ap);
}

/* ADDR:PORT, [V6ADDR]:PORT or :PORT (loopback) into a socket address. */
static int parse_listen(const char *s, struct sockaddr_storage *ss, int *v6)
{
    char host[128];
    const char *port;
    if (s[0] == '[') {
        const char *e = strchr(s, ']');
        if (!e || e[1] != ':' || (size_t)(e - s - 1) >= sizeof host)
            return -1;
        memcpy(host, s + 1, (size_t)(e - s - 1));
        host[e - s - 1] = '\0';
        port = e + 2;
    } else {
        const char *e = strrchr(s, ':');
        if (!e || (size_t)(e - s) >= sizeof host)
            return -1;
        memcpy(host, s, (size_t)(e - s));
        host[e - s] = '\0';
        port = e + 1;
        if (!host[0])
            strcpy(host, "127.0.0.1");
    }
    char *end;
    long p = strtol(port, &end, 10);
    if (!*port || *end || p < 0 || p > 65535)
        return -1;
    struct addrinfo hints = {0}, *res;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, port, &hints, &res) != 0)
        return -1;
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *v6 = res->ai_family == AF_INET6;
    freeaddrinfo(res);
    return 0;
}

int srv_run(srv_state *st)
{
    struct sockaddr_storage ss;
    int v6 = 0;
    if (parse_listen(st->cfg.listen, &ss, &v6)) {
        fprintf(stderr, "classify serve: --listen: expected ADDR:PORT with a numeric address "
                        "(e.g. 127.0.0.1:8080 or [::1]:8080), got '%s'\n", st->cfg.listen);
        return 2;
    }
    char why[512];
    if (clf_mhd_open(why, sizeof why) != 0) {
        fprintf(stderr, "classify serve: %s\n", why);
        return 2;
    }
    srv_workers_init();
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
                     MHD_USE_ERROR_LOG | (v6 ? MHD_USE_IPv6 : 0);
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, 0, NULL, NULL, handler, st, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_THREAD_POOL_SIZE, st->cfg.threads, MHD_OPTION_CONNECTION_TIMEOUT,
        st->cfg.timeout, MHD_OPTION_CONNECTION_LIMIT, st->cfg.max_connections,
        MHD_OPTION_NOTIFY_COMPLETED, completed, st, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "classify serve: cannot listen on %s: %s\n", st->cfg.listen,
                errno ? strerror(errno) : "libmicrohttpd refused the options");
        return 2;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    char host[INET6_ADDRSTRLEN] = "?";
    if (ss.ss_family == AF_INET)
        inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host, sizeof host);
    else
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, host, sizeof host);
    /* tests and supervisors read this line to learn the port (with :0) */
    printf("classify serve: listening on http://%s%s%s:%u (model %s, %u threads)\n",
           v6 ? "[" : "", host, v6 ? "]" : "", di ? (unsigned)di->port : 0u, st->current->id,
           st->cfg.threads);
    fflush(stdout);

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    for (;;) {
        int sig;
        if (sigwait(&set, &sig) != 0)
            continue;
        if (sig == SIGHUP) {
            char err[512];
            if (srv_models_reload(st, err, sizeof err) == 0)
                fprintf(stderr, "classify serve: reloaded %s: now serving %s\n",
                        st->cfg.model_path, st->current->id);
            else
                fprintf(stderr, "classify serve: reload failed, still serving the old model: %s\n",
                        err);
            continue;
        }
        break;
    }
    /* drain: refuse new connections, let the requests in flight finish */
    atomic_store(&st->draining, 1);
    MHD_socket lfd = MHD_quiesce_daemon(d);
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    long left;
    while ((left = atomic_load(&st->n.in_flight)) > 0) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - t0.tv_sec >= (time_t)st->cfg.drain_timeout) {
            fprintf(stderr, "classify serve: drain timeout: %ld requests cut off\n", left);
            break;
        }
        struct timespec ms = {0, 5 * 1000 * 1000};
        nanosleep(&ms, NULL);
    }
    MHD_stop_daemon(d);
    if (lfd != MHD_INVALID_SOCKET)
        close(lfd); /* ours after quiescing, closed once no pool thread can use it */
    fprintf(stderr, "classify serve: stopped (%lu requests served)\n",
            (unsigned long)atomic_load(&st->n.total));
    return 0;
}
