/*
 * bench_pipeline.c - in-process throughput of each stage of the runtime on
 * real text: every text of <corpora>/<corpus>/{train,dev}.tsv, cycled until
 * about --docs documents (default 200,000) have been processed.
 *
 *   bench_pipeline --corpora DIR [--model M] [--docs N] [--json]
 *
 * Prints documents/s and MB/s for normalization alone, normalization +
 * features, and scoring with the model on 1 and 2 threads, plus the model's
 * load time. Peak memory is measured per process by bench/run.sh.
 */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "classify.h"
#include "corpus.h"

typedef struct texts {
    char **text;
    size_t *len;
    size_t n, cap, bytes;
} texts;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int add_file(texts *t, const char *path)
{
    clf_reader *r;
    if (clf_reader_open(&r, path, CLF_FORMAT_TSV, NULL) != CLF_OK) {
        fprintf(stderr, "bench: %s\n", clf_last_error());
        return -1;
    }
    clf_record rec;
    while (clf_reader_next(r, &rec) == 1) {
        if (rec.error)
            continue;
        if (t->n == t->cap) {
            t->cap = t->cap ? t->cap * 2 : 4096;
            t->text = realloc(t->text, t->cap * sizeof *t->text);
            t->len = realloc(t->len, t->cap * sizeof *t->len);
            if (!t->text || !t->len)
                return -1;
        }
        t->text[t->n] = malloc(rec.text_len + 1);
        if (!t->text[t->n])
            return -1;
        memcpy(t->text[t->n], rec.text, rec.text_len + 1);
        t->len[t->n] = rec.text_len;
        t->bytes += rec.text_len;
        t->n++;
    }
    clf_reader_close(r);
    return 0;
}

static int load_corpora(texts *t, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "bench: cannot open corpora directory %s\n", dir);
        return -1;
    }
    /* sorted names keep the order (and so the figures) stable */
    char *names[256];
    size_t nn = 0;
    struct dirent *e;
    while ((e = readdir(d)) && nn < 256)
        if (e->d_name[0] != '.')
            names[nn++] = strdup(e->d_name);
    closedir(d);
    for (size_t i = 0; i < nn; i++)
        for (size_t j = i + 1; j < nn; j++)
            if (strcmp(names[i], names[j]) > 0) {
                char *x = names[i]; names[i] = names[j]; names[j] = x;
            }
    for (size_t i = 0; i < nn; i++) {
        static const char *splits[] = {"train.tsv", "dev.tsv"};
        for (int s = 0; s < 2; s++) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s/%s", dir, names[i], splits[s]);
            FILE *f = fopen(path, "r");
            if (!f)
                continue;
            fclose(f);
            if (add_file(t, path))
                return -1;
        }
        free(names[i]);
    }
    return t->n ? 0 : -1;
}

typedef struct work {
    const texts *t;
    const clf_model *m;
    size_t from, count;  /* documents from index `from`, cycling */
    size_t bytes;
    int mode;            /* 0 normalize, 1 featurize, 2 score */
    int rc;
} work;

static void *run(void *arg)
{
    work *w = arg;
    const texts *t = w->t;
    clf_normalizer *n = NULL;
    clf_featurizer *f = NULL;
    clf_scorer *s = NULL;
    clf_score_result res[64];
    clf_norm_options no;
    clf_feature_options fo;
    clf_model_options(w->m, &no, &fo);
    if (w->mode == 0) w->rc = clf_normalizer_new(&n, &no);
    if (w->mode == 1) w->rc = clf_featurizer_new(&f, &no, &fo);
    if (w->mode == 2) w->rc = clf_scorer_new(&s, w->m);
    if (w->rc != CLF_OK)
        return NULL;
    size_t bytes = 0;
    for (size_t k = 0; k < w->count; k++) {
        size_t i = (w->from + k) % t->n;
        const char *out;
        size_t len;
        const clf_feature *vec;
        bytes += t->len[i];
        if (w->mode == 0)
            clf_normalize(n, t->text[i], t->len[i], &out, &len, NULL);
        else if (w->mode == 1)
            clf_featurize(f, t->text[i], t->len[i], w->m, &vec, &len);
        else
            clf_score(s, t->text[i], t->len[i], res, sizeof res / sizeof *res, NULL);
    }
    w->bytes = bytes;
    clf_normalizer_free(n);
    clf_featurizer_free(f);
    clf_scorer_free(s);
    return NULL;
}

/* Runs `mode` over ndocs documents on nthreads threads; docs/s and MB/s. */
static int measure(const texts *t, const clf_model *m, int mode, int nthreads, size_t ndocs,
                   double *dps, double *mbps)
{
    work w[8];
    pthread_t tid[8];
    size_t per = ndocs / (size_t)nthreads;
    double t0 = now();
    for (int i = 0; i < nthreads; i++) {
        w[i] = (work){t, m, (size_t)i * per, per, 0, mode, CLF_OK};
        pthread_create(&tid[i], NULL, run, &w[i]);
    }
    size_t bytes = 0;
    for (int i = 0; i < nthreads; i++) {
        pthread_join(tid[i], NULL);
        bytes += w[i].bytes;
        if (w[i].rc != CLF_OK) {
            fprintf(stderr, "bench: %s\n", clf_strerror(w[i].rc));
            return -1;
        }
    }
    double dt = now() - t0;
    *dps = (double)(per * (size_t)nthreads) / dt;
    *mbps = (double)bytes / dt / 1e6;
    return 0;
}

int main(int argc, char **argv)
{
    const char *corpora = getenv("CLF_CORPORA");
    const char *model_path = NULL;
    size_t ndocs = 200000;
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--corpora") && i + 1 < argc) corpora = argv[++i];
        else if (!strcmp(argv[i], "--model") && i + 1 < argc) model_path = argv[++i];
        else if (!strcmp(argv[i], "--docs") && i + 1 < argc) ndocs = strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--json")) json = 1;
        else {
            fprintf(stderr, "usage: bench_pipeline --corpora DIR [--model M] [--docs N] [--json]\n");
            return 2;
        }
    }
    if (!corpora)
        corpora = CLF_SOURCE_DIR "/../shared/corpora";
    if (!model_path)
        model_path = CLF_SOURCE_DIR "/models/arabic-default.clf";
    texts t = {0};
    if (load_corpora(&t, corpora)) {
        fprintf(stderr, "bench: no texts read from %s\n", corpora);
        return 2;
    }

    /* model load time: median of 21 loads */
    double loads[21];
    clf_model *m = NULL;
    for (int i = 0; i < 21; i++) {
        double t0 = now();
        if (clf_model_load(&m, model_path) != CLF_OK) {
            fprintf(stderr, "bench: %s\n", clf_last_error());
            return 2;
        }
        loads[i] = (now() - t0) * 1e3;
        if (i < 20)
            clf_model_free(m);
    }
    for (int i = 0; i < 21; i++)
        for (int j = i + 1; j < 21; j++)
            if (loads[j] < loads[i]) { double x = loads[i]; loads[i] = loads[j]; loads[j] = x; }

    double r[5][2];
    if (measure(&t, m, 0, 1, ndocs, &r[0][0], &r[0][1]) ||
        measure(&t, m, 1, 1, ndocs, &r[1][0], &r[1][1]) ||
        measure(&t, m, 2, 1, ndocs, &r[2][0], &r[2][1]) ||
        measure(&t, m, 2, 2, ndocs, &r[3][0], &r[3][1]))
        return 2;
    double avg = (double)t.bytes / (double)t.n;
    if (json) {
        printf("{\"texts\": %zu, \"docs\": %zu, \"avg_bytes\": %.1f, \"load_ms\": %.3f, "
               "\"normalize_dps\": %.0f, \"featurize_dps\": %.0f, \"featurize_mbps\": %.2f, "
               "\"score1_dps\": %.0f, \"score1_mbps\": %.2f, \"score2_dps\": %.0f, "
               "\"score2_mbps\": %.2f}\n",
               t.n, ndocs, avg, loads[10], r[0][0], r[1][0], r[1][1], r[2][0], r[2][1],
               r[3][0], r[3][1]);
    } else {
        printf("texts: %zu distinct (%.0f bytes on average), cycled to %zu documents\n", t.n,
               avg, ndocs);
        printf("model load (median of 21):      %8.2f ms\n", loads[10]);
        printf("normalize, 1 thread:            %8.0f docs/s  %6.1f MB/s\n", r[0][0], r[0][1]);
        printf("normalize+features, 1 thread:   %8.0f docs/s  %6.1f MB/s\n", r[1][0], r[1][1]);
        printf("score, 1 thread:                %8.0f docs/s  %6.1f MB/s\n", r[2][0], r[2][1]);
        printf("score, 2 threads:               %8.0f docs/s  %6.1f MB/s\n", r[3][0], r[3][1]);
    }
    clf_model_free(m);
    for (size_t i = 0; i < t.n; i++)
        free(t.text[i]);
    free(t.text);
    free(t.len);
    return 0;
}
