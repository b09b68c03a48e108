/*
 * serve.h - the parts of `classify serve` (a Perspective- and
 * OpenAI-moderation-compatible scoring service on libmicrohttpd), shared
 * between its files. Not a public API.
 *
 *   cmd_serve.c   options, signals (SIGTERM drains, SIGHUP reloads)
 *   http.c        libmicrohttpd plumbing: bodies, limits, routing, access log
 *   mhd.c         libmicrohttpd opened at run time (other commands start without it)
 *   models.c      the served model: refcounted generations, atomic reload
 *   worker.c      one clf_scorer per worker thread, rebuilt on a new generation
 *   request.c     parsing and validating request bodies (no I/O: fuzzed)
 *   analyze.c     POST /v1alpha1/comments:analyze (Perspective)
 *   moderations.c POST /v1/moderations (OpenAI)
 *   feedback.c    POST /v1alpha1/comments:suggestscore -> fsynced JSONL corpus
 *   status.c      GET /status, /healthz, /readyz
 */
#ifndef CLF_SERVE_H
#define CLF_SERVE_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <time.h>

#include "classify.h"

/* ---- one loaded model generation ---------------------------------------- */
typedef struct srv_model {
    clf_model *m;
    unsigned long generation;
    atomic_long refs;
    size_t ncat;
    char id[160];          /* clf_model_id() */
    char checksum[17];     /* clf_model_checksum() in hex */
    time_t loaded_at;
} srv_model;

/* ---- the server ------------------------------------------------------------ */
typedef struct srv_config {
    const char *model_path;
    const char *listen;       /* ADDR:PORT */
    unsigned threads;
    size_t max_body;          /* bytes of a request body */
    size_t max_doc;           /* bytes of one document */
    size_t max_inputs;        /* documents of one /v1/moderations request */
    unsigned timeout;         /* seconds a connection may stay idle */
    unsigned max_connections;
    unsigned drain_timeout;   /* seconds SIGTERM waits for in-flight requests */
    const char *feedback;     /* JSONL file for suggestscore, or NULL */
    const char *access_log;   /* file, "-" for stderr, or NULL */
} srv_config;

typedef struct srv_counters {
    atomic_ulong total, analyze, moderations, suggest, status, other;
    atomic_ulong s2xx, s4xx, s5xx;
    atomic_long in_flight;
    atomic_ulong reloads_ok, reloads_failed;
} srv_counters;

typedef struct srv_state {
    srv_config cfg;
    pthread_mutex_t model_lock; /* guards `current` */
    srv_model *current;
    atomic_ulong generation;    /* current->generation, read without the lock */
    char reload_error[512];     /* last failed reload (under model_lock) */
    srv_counters n;
    atomic_int draining;
    time_t started;
    int feedback_fd;            /* -1 without --feedback */
    pthread_mutex_t feedback_lock;
    atomic_ulong feedback_seq;
    int log_fd;                 /* -1 without --access-log */
    atomic_ulong moderation_seq;
} srv_state;

/* models.c */
int srv_models_init(srv_state *st, char *err, size_t errlen);
int srv_models_reload(srv_state *st, char *err, size_t errlen);
srv_model *srv_model_acquire(srv_state *st);
void srv_model_release(srv_model *m);
void srv_models_shutdown(srv_state *st);

/* worker.c: the calling thread's scorer for the current generation */
typedef struct srv_worker {
    srv_model *model;  /* holds one reference */
    clf_scorer *scorer;
    clf_score_result *res;
} srv_worker;
int srv_workers_init(void);
srv_worker *srv_worker_get(srv_state *st);

/* One scored document. */
typedef struct srv_doc {
    int rc;              /* clf_score() return: < 0 error, else flagged count */
    clf_doc_info info;
} srv_doc;
int srv_score(srv_worker *w, const char *text, size_t len, clf_score_result *res,
              clf_doc_info *info);

/* ---- errors in Google's shape ------------------------------------------- */
typedef struct srv_error {
    int http;              /* 400, 404, ... */
    const char *status;    /* "INVALID_ARGUMENT", ... */
    char message[512];
    json_t *details;       /* optional array (owned), or NULL */
} srv_error;
int srv_fail(srv_error *e, int http, const char *status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
json_t *srv_error_json(srv_error *e, int openai); /* takes e->details */

/* ---- request parsing (request.c) ------------------------------------------ */
#define SRV_MAX_ATTRS 64

/* The attribute a client asked for, resolved to a model category. */
typedef struct srv_attr {
    const char *name;       /* as the client wrote it (points into the JSON) */
    size_t cat;
    double threshold;       /* scoreThreshold, 0 when absent */
} srv_attr;

typedef struct srv_analyze_req {
    json_t *root;           /* owns every string below */
    const char *text;
    size_t len;
    srv_attr attrs[SRV_MAX_ATTRS];
    size_t nattrs;
    int spans;              /* spanAnnotations */
    int span_unit;          /* CLF_SPAN_* (libclassify.spanUnit) */
    json_t *languages;      /* borrowed array of strings, or NULL */
    const char *client_token;
    size_t explain;         /* libclassify.explain: top K words, 0 = none */
} srv_analyze_req;

typedef struct srv_moderation_req {
    json_t *root;
    size_t n;
    const char **texts;     /* malloc'ed array of borrowed strings */
    size_t *lens;
} srv_moderation_req;

typedef struct srv_suggest_req {
    json_t *root;
    const char *text;
    size_t len;
    srv_attr attrs[SRV_MAX_ATTRS];
    double values[SRV_MAX_ATTRS];
    size_t nattrs;
    const char *client_token;
} srv_suggest_req;

/* Resolve an attribute name (a category in capitals or a documented alias)
 * to a category of m; returns 0 and sets *cat, or -1. */
int srv_attr_resolve(const clf_model *m, const char *name, size_t *cat);
/* The alias table: NULL-terminated {alias, category} pairs. */
extern const char *const srv_aliases[][2];

int srv_parse_analyze(srv_analyze_req *out, const char *body, size_t len, const clf_model *m,
                      size_t max_doc, srv_error *err);
void srv_analyze_req_free(srv_analyze_req *r);
int srv_parse_moderation(srv_moderation_req *out, const char *body, size_t len,
                         size_t max_doc, size_t max_inputs, srv_error *err);
void srv_moderation_req_free(srv_moderation_req *r);
int srv_parse_suggest(srv_suggest_req *out, const char *body, size_t len, const clf_model *m,
                      size_t max_doc, srv_error *err);
void srv_suggest_req_free(srv_suggest_req *r);

/* UTF-16 code units in the first `off` bytes of valid UTF-8 text. */
size_t srv_utf16_units(const char *text, size_t off);

/* ---- handlers: fill *resp (a new JSON value) and return the HTTP status;
 * on error fill err and return its status ---------------------------------- */
int srv_handle_analyze(srv_state *st, const char *body, size_t len, json_t **resp,
                       srv_error *err, srv_model **used);
int srv_handle_moderations(srv_state *st, const char *body, size_t len, json_t **resp,
                           srv_error *err, srv_model **used);
int srv_handle_suggest(srv_state *st, const char *body, size_t len, json_t **resp,
                       srv_error *err, srv_model **used);
int srv_handle_status(srv_state *st, const char *url, json_t **resp, srv_error *err);

/* feedback.c */
int srv_feedback_open(srv_state *st, char *err, size_t errlen);
void srv_feedback_close(srv_state *st);

/* json helpers */
json_t *srv_model_json(const srv_model *m); /* {"id","checksum"} */
/* The "signals" array of worker w's last results (report-only categories
 * at their threshold; none when abstain), or NULL when w's scorer has no
 * report-only category, so such responses keep their old shape. */
json_t *srv_signals_json(const srv_worker *w, int abstain);

/* http.c */
int srv_run(srv_state *st); /* returns the process exit status */

#endif
