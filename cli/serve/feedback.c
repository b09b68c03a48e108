/*
 * feedback.c - POST /v1alpha1/comments:suggestscore (Perspective's
 * SuggestCommentScore): a moderator's corrected scores, appended to
 * --feedback FILE as one JSON Lines record that training reads as a corpus
 * ({"id", "text", "labels": [categories suggested >= 0.5], ...}; see the
 * README for a recipe entry).
 *
 * Nothing acknowledged is lost: a record is written with one write() under a
 * lock and fdatasync()ed before the 200 goes out. A failed write is cut back
 * off the file, and a partial last line left by a crash (never acknowledged)
 * is cut off when the file is opened again, so every line stays one record.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "serve.h"

int srv_feedback_open(srv_state *st, char *err, size_t errlen)
{
    pthread_mutex_init(&st->feedback_lock, NULL);
    st->feedback_fd = -1;
    if (!st->cfg.feedback)
        return 0;
    int fd = open(st->cfg.feedback, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", st->cfg.feedback, strerror(errno));
        return -1;
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        snprintf(err, errlen, "%s: not a regular file", st->cfg.feedback);
        close(fd);
        return -1;
    }
    /* find the end of the last complete line */
    off_t end = sb.st_size;
    char buf[4096];
    while (end > 0) {
        off_t from = end > (off_t)sizeof buf ? end - (off_t)sizeof buf : 0;
        ssize_t n = pread(fd, buf, (size_t)(end - from), from);
        if (n <= 0)
            break;
        ssize_t i = n;
        while (i > 0 && buf[i - 1] != '\n')
            i--;
        if (i > 0) {
            end = from + i;
            break;
        }
        end = from;
    }
    if (end != sb.st_size) {
        fprintf(stderr, "classify serve: %s: cutting off an incomplete last record (%lld bytes)\n",
                st->cfg.feedback, (long long)(sb.st_size - end));
        if (ftruncate(fd, end) != 0 || fsync(fd) != 0) {
            snprintf(err, errlen, "%s: %s", st->cfg.feedback, strerror(errno));
            close(fd);
            return -1;
        }
    }
    st->feedback_fd = fd;
    return 0;
}

void srv_feedback_close(srv_state *st)
{
    if (st->feedback_fd >= 0)
        close(st->feedback_fd);
    st->feedback_fd = -1;
    pthread_mutex_destroy(&st->feedback_lock);
}

/* Append one line; 0 once it is on disk. */
static int append(srv_state *st, const char *line, size_t n)
{
    int ok = -1;
    pthread_mutex_lock(&st->feedback_lock);
    off_t before = lseek(st->feedback_fd, 0, SEEK_END);
    size_t done = 0;
    while (before >= 0 && done < n) {
        ssize_t k = write(st->feedback_fd, line + done, n - done);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        done += (size_t)k;
    }
    if (done == n && fdatasync(st->feedback_fd) == 0)
        ok = 0;
    else if (before >= 0 && ftruncate(st->feedback_fd, before) != 0)
        fprintf(stderr, "classify serve: %s: could not remove a partial record: %s\n",
                st->cfg.feedback, strerror(errno));
    pthread_mutex_unlock(&st->feedback_lock);
    return ok;
}

int srv_handle_suggest(srv_state *st, const char *body, size_t len, json_t **resp,
                       srv_error *err, srv_model **used)
{
    srv_worker *w = srv_worker_get(st); /* its model outlives the response */
    if (!w)
        return srv_fail(err, 500, "INTERNAL", "could not create a scorer: %s", clf_last_error());
    srv_model *sm = w->model;
    *used = sm;
    srv_suggest_req r;
    int status = 200;
    if (st->feedback_fd < 0) {
        status = srv_fail(err, 501, "UNIMPLEMENTED",
                          "suggestscore needs the server to be started with --feedback FILE");
        goto out;
    }
    if (srv_parse_suggest(&r, body, len, sm->m, st->cfg.max_doc, err)) {
        status = err->http;
        goto out;
    }
    /* per category the highest suggestion (two aliases may name one category) */
    double best[SRV_MAX_ATTRS];
    size_t cats[SRV_MAX_ATTRS], nc = 0;
    json_t *attrs = json_object();
    for (size_t a = 0; a < r.nattrs; a++) {
        json_object_set_new(attrs, r.attrs[a].name, json_real(r.values[a]));
        size_t j = 0;
        while (j < nc && cats[j] != r.attrs[a].cat)
            j++;
        if (j == nc) {
            cats[nc] = r.attrs[a].cat;
            best[nc++] = r.values[a];
        } else if (r.values[a] > best[j]) {
            best[j] = r.values[a];
        }
    }
    json_t *labels = json_array(), *sugg = json_object();
    for (size_t j = 0; j < nc; j++) {
        const char *c = clf_model_category_name(sm->m, cats[j]);
        json_object_set_new(sugg, c, json_real(best[j]));
        if (best[j] >= 0.5)
            json_array_append_new(labels, json_string(c));
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char when[32], id[96];
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    snprintf(id, sizeof id, "suggest-%lld%03ld-%ld-%lu", (long long)ts.tv_sec,
             ts.tv_nsec / 1000000, (long)getpid(),
             (unsigned long)atomic_fetch_add(&st->feedback_seq, 1));
    json_t *rec = json_pack("{s:s, s:s%, s:o, s:o, s:o, s:s, s:s, s:s, s:s}", "id", id, "text",
                            r.text, r.len, "labels", labels, "suggested", sugg, "attributes", attrs,
                            "model", sm->id, "checksum", sm->checksum, "time", when, "source",
                            "suggestscore");
    static const char *const keep[] = {"clientToken", "communityId", "sessionId", "languages",
                                       NULL};
    for (size_t i = 0; keep[i]; i++) {
        json_t *v = json_object_get(r.root, keep[i]);
        if (v && !json_is_null(v))
            json_object_set(rec, keep[i], v);
    }
    char *line = json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
    json_decref(rec);
    size_t n = line ? strlen(line) : 0;
    char *full = line ? realloc(line, n + 2) : NULL;
    if (!full) {
        free(line);
        status = srv_fail(err, 500, "INTERNAL", "out of memory");
    } else {
        full[n] = '\n';
        full[n + 1] = '\0';
        if (append(st, full, n + 1) != 0)
            status = srv_fail(err, 500, "INTERNAL", "could not write the feedback file: %s",
                              strerror(errno));
        free(full);
    }
    if (status == 200) {
        *resp = json_object();
        if (r.client_token)
            json_object_set_new(*resp, "clientToken", json_string(r.client_token));
        json_object_set_new(*resp, "libclassify",
                            json_pack("{s:o, s:s}", "model", srv_model_json(sm), "id", id));
    }
    srv_suggest_req_free(&r);
out:
    return status;
}
