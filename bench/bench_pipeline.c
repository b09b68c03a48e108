/*
 * bench_pipeline.c - in-process throughput of each stage of the runtime on
 * real text: every text of <corpora>/<corpus>/{train,dev}.tsv, cycled until
 * about --docs documents (default 200,000) have been processed.
 *
 *   bench_pipeline --corpora DIR [--model M] [--docs N] [--reps R] [--json]
 *   bench_pipeline ... --stage floor|normalize|featurize|score --docs N
 *   bench_pipeline --model M --first-score
 *
 * Prints documents/s and MB/s for the floor loop (below), normalization
 * alone, normalization + features, and scoring with the model on 1 and 2
 * threads; the model's load time and resident memory. One thread's figures
 * are CPU time of that thread, the best of R runs (default 3): this machine
 * is shared, and CPU time varies much less than wall time; two threads are
 * wall time (best of R).
 *
 * --stage runs one stage once over N documents spread evenly over all the
 * texts, inside run_stage() only, for `valgrind --tool=callgrind
 * --toggle-collect=run_stage` (bench/run.sh turns that into instructions
 * per document and stage). --first-score times a new process's first score:
 * model load, scorer, one text.
 *
 * The floor loop is what any hashed n-gram linear scorer must do at least:
 * decode UTF-8 and hash the same families (word 1-2 grams, char 2-5 grams
 * of each space-padded word) with XXH3 into 2^20 buckets whose idf and five
 * weights are interleaved, accumulating the five dot products; no
 * normalization, stemming, distinct counting or L2.
 */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "classify.h"
#include "corpus.h"

typedef struct texts {
    char **text;
    size_t *len;
    size_t n, cap, bytes;
} texts;

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double now(void)
{
    return clock_s(CLOCK_MONOTONIC);
}

/* Resident memory of this process (kB), from /proc/self/status. */
static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "VmRSS:", 6))
            kb = strtol(line + 6, NULL, 10);
    if (f)
        fclose(f);
    return kb;
}

/* ---- the floor loop ------------------------------------------------------ */

#define FLOOR_BITS 20
#define FLOOR_K 5
static float *floor_rows; /* 2^20 rows of {idf, w_0 .. w_4} */

static int floor_init(void)
{
    size_t n = ((size_t)1 << FLOOR_BITS) * (FLOOR_K + 1);
    floor_rows = malloc(n * sizeof *floor_rows);
    if (!floor_rows)
        return -1;
    uint64_t x = 88172645463325252ull;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        floor_rows[i] = (float)(x >> 40) * 0x1p-24f - 0.5f;
    }
    return 0;
}

static inline void floor_add(uint64_t h, double *acc)
{
    const float *row = floor_rows + (size_t)(h >> (64 - FLOOR_BITS)) * (FLOOR_K + 1);
    double v = row[0];
    for (int k = 0; k < FLOOR_K; k++)
        acc[k] += v * row[1 + k];
}

/* One document through the floor loop; returns the sum of its margins. */
static double floor_doc(const char *text, size_t len, uint32_t *cpo)
{
    double acc[FLOOR_K] = {0};
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0, prev0 = 0;
    int have_prev = 0;
    while (i < len) {
        while (i < len && s[i] == ' ')
            i++;
        if (i >= len)
            break;
        /* a word: code point offsets of " word " (the spaces are virtual) */
        size_t w0 = i, ncp = 0;
        while (i < len && s[i] != ' ') {
            cpo[ncp++] = (uint32_t)i;
            unsigned char b = s[i];
            i += b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
        }
        if (i > len)
            i = len;
        cpo[ncp] = (uint32_t)i;
        floor_add(XXH3_64bits_withSeed(s + w0, i - w0, 1), acc);
        if (have_prev)
            floor_add(XXH3_64bits_withSeed(s + prev0, i - prev0, 1), acc);
        have_prev = 1;
        prev0 = w0;
        /* char n-grams of the padded word: code points -1 .. ncp */
        for (size_t n = 2; n <= 5; n++) {
            long L = (long)ncp + 2;
            if ((long)n > L)
                break;
            for (long st = -1; st + (long)n <= (long)ncp + 1; st++) {
                long e = st + (long)n;
                size_t b0 = st < 0 ? w0 - (w0 > 0) : cpo[st];
                size_t b1 = e > (long)ncp ? (i < len ? i + 1 : i) : cpo[e];
                floor_add(XXH3_64bits_withSeed(s + b0, b1 - b0, 2), acc);
            }
        }
    }
    return acc[0] + acc[1] + acc[2] + acc[3] + acc[4];
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

enum { M_NORMALIZE, M_FEATURIZE, M_SCORE, M_FLOOR };

typedef struct work {
    const texts *t;
    const clf_model *m;
    size_t from, count;  /* documents from index `from`, cycling */
    size_t stride;       /* 1, or spread over all the texts (--stage) */
    size_t bytes;
    int mode;
    int rc;
    double cpu;          /* CPU time of the loop (this thread) */
} work;

typedef struct stage_ctx {
    clf_normalizer *n;
    clf_featurizer *f;
    clf_scorer *s;
    uint32_t *cpo;
    double sink;
} stage_ctx;

/* The measured loop: its own function, for callgrind --toggle-collect. */
__attribute__((noinline)) static size_t run_stage(work *w, stage_ctx *c)
{
    const texts *t = w->t;
    clf_score_result res[64];
    size_t bytes = 0;
    for (size_t k = 0; k < w->count; k++) {
        size_t i = (w->from + k * w->stride) % t->n;
        const char *out;
        size_t len;
        const clf_feature *vec;
        bytes += t->len[i];
        if (w->mode == M_NORMALIZE)
            clf_normalize(c->n, t->text[i], t->len[i], &out, &len, NULL);
        else if (w->mode == M_FEATURIZE)
            clf_featurize(c->f, t->text[i], t->len[i], w->m, &vec, &len);
        else if (w->mode == M_SCORE)
            clf_score(c->s, t->text[i], t->len[i], res, sizeof res / sizeof *res, NULL);
        else
            c->sink += floor_doc(t->text[i], t->len[i], c->cpo);
    }
    return bytes;
}

static void *run(void *arg)
{
    work *w = arg;
    stage_ctx c = {0};
    clf_norm_options no;
    clf_feature_options fo;
    clf_model_options(w->m, &no, &fo);
    if (w->mode == M_NORMALIZE) w->rc = clf_normalizer_new(&c.n, &no);
    if (w->mode == M_FEATURIZE) w->rc = clf_featurizer_new(&c.f, &no, &fo);
    if (w->mode == M_SCORE) w->rc = clf_scorer_new(&c.s, w->m);
    if (w->mode == M_FLOOR) {
        size_t longest = 0;
        for (size_t i = 0; i < w->t->n; i++)
            longest = w->t->len[i] > longest ? w->t->len[i] : longest;
        c.cpo = malloc((longest + 2) * sizeof *c.cpo);
        w->rc = c.cpo ? CLF_OK : CLF_E_NOMEM;
    }
    if (w->rc != CLF_OK)
        return NULL;
    double c0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
    w->bytes = run_stage(w, &c);
    w->cpu = clock_s(CLOCK_THREAD_CPUTIME_ID) - c0;
    if (c.sink == 1e300)
        printf("(never)\n"); /* keeps the floor loop's result alive */
    clf_normalizer_free(c.n);
    clf_featurizer_free(c.f);
    clf_scorer_free(c.s);
    free(c.cpo);
    return NULL;
}

/*
 * Runs `mode` over ndocs documents on nthreads threads, reps times; docs/s
 * and MB/s of the best run: CPU time for one thread, wall time for more.
 */
static int measure(const texts *t, const clf_model *m, int mode, int nthreads, size_t ndocs,
                   int reps, double *dps, double *mbps)
{
    work w[8];
    pthread_t tid[8];
    size_t per = ndocs / (size_t)nthreads;
    double best = 0.0;
    size_t bytes = 0;
    for (int rep = 0; rep < reps; rep++) {
        double t0 = now();
        for (int i = 0; i < nthreads; i++) {
            w[i] = (work){t, m, (size_t)i * per, per, 1, 0, mode, CLF_OK, 0.0};
            pthread_create(&tid[i], NULL, run, &w[i]);
        }
        bytes = 0;
        for (int i = 0; i < nthreads; i++) {
            pthread_join(tid[i], NULL);
            bytes += w[i].bytes;
            if (w[i].rc != CLF_OK) {
                fprintf(stderr, "bench: %s\n", clf_strerror(w[i].rc));
                return -1;
            }
        }
        double dt = nthreads == 1 ? w[0].cpu : now() - t0;
        if (rep == 0 || dt < best)
            best = dt;
    }
    *dps = (double)(per * (size_t)nthreads) / best;
    *mbps = (double)bytes / best / 1e6;
    return 0;
}

static const char *const mode_names[] = {"normalize", "featurize", "score", "floor"};

/* A new process's first score: load, scorer, one text (ms, wall and CPU). */
static int first_score(const char *model_path)
{
    double w0 = now(), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    clf_model *m;
    clf_scorer *s;
    clf_score_result res[64];
    static const char text[] = "\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7 "
                               "\xd8\xa8\xd9\x83\xd9\x85"; /* a two-word greeting */
    if (clf_model_load(&m, model_path) != CLF_OK || clf_scorer_new(&s, m) != CLF_OK ||
        clf_score(s, text, sizeof text - 1, res, sizeof res / sizeof *res, NULL) < 0) {
        fprintf(stderr, "bench: %s\n", clf_last_error());
        return 2;
    }
    double w1 = now(), c1 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    printf("{\"first_score_ms\": %.3f, \"first_score_cpu_ms\": %.3f}\n", (w1 - w0) * 1e3,
           (c1 - c0) * 1e3);
    clf_scorer_free(s);
    clf_model_free(m);
    return 0;
}

int main(int argc, char **argv)
{
    const char *corpora = getenv("CLF_CORPORA");
    const char *model_path = NULL;
    size_t ndocs = 200000;
    int json = 0, reps = 3, stage = -1, first = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--corpora") && i + 1 < argc) corpora = argv[++i];
        else if (!strcmp(argv[i], "--model") && i + 1 < argc) model_path = argv[++i];
        else if (!strcmp(argv[i], "--docs") && i + 1 < argc) ndocs = strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--json")) json = 1;
        else if (!strcmp(argv[i], "--first-score")) first = 1;
        else if (!strcmp(argv[i], "--stage") && i + 1 < argc) {
            const char *name = argv[++i];
            for (int k = 0; k < 4; k++)
                if (!strcmp(name, mode_names[k]))
                    stage = k;
            if (stage < 0) {
                fprintf(stderr, "bench: --stage floor, normalize, featurize or score\n");
                return 2;
            }
        } else {
            fprintf(stderr, "usage: bench_pipeline --corpora DIR [--model M] [--docs N] [--reps R]\n"
                            "                      [--json] [--stage S] [--first-score]\n");
            return 2;
        }
    }
    if (ndocs < 2 || reps < 1) {
        fprintf(stderr, "bench: --docs must be at least 2, --reps at least 1\n");
        return 2;
    }
    if (!corpora)
        corpora = CLF_SOURCE_DIR "/../shared/corpora";
    if (!model_path)
        model_path = CLF_SOURCE_DIR "/models/arabic-default.clf";
    if (first)
        return first_score(model_path);
    texts t = {0};
    if (load_corpora(&t, corpora)) {
        fprintf(stderr, "bench: no texts read from %s\n", corpora);
        return 2;
    }
    if (floor_init()) {
        fprintf(stderr, "bench: out of memory\n");
        return 2;
    }
    if (stage >= 0) {
        /* one run over ndocs texts spread over every corpus, for callgrind */
        clf_model *m;
        if (clf_model_load(&m, model_path) != CLF_OK) {
            fprintf(stderr, "bench: %s\n", clf_last_error());
            return 2;
        }
        size_t stride = t.n > ndocs ? t.n / ndocs : 1;
        work w = {&t, m, 0, ndocs, stride, 0, stage, CLF_OK, 0.0};
        run(&w);
        printf("%s: %zu documents, %zu bytes, stride %zu\n", mode_names[stage], ndocs, w.bytes,
               stride);
        clf_model_free(m);
        return w.rc == CLF_OK ? 0 : 2;
    }

    /* model load time: median of 21 loads; resident memory of the model as
     * loaded, and with one scorer after a pass over every text */
    long rss0 = rss_kb();
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
    long rss_model = rss_kb() - rss0;
    for (int i = 0; i < 21; i++)
        for (int j = i + 1; j < 21; j++)
            if (loads[j] < loads[i]) { double x = loads[i]; loads[i] = loads[j]; loads[j] = x; }
    long rss_warm;
    {
        clf_scorer *s;
        clf_score_result res[64];
        if (clf_scorer_new(&s, m) != CLF_OK) {
            fprintf(stderr, "bench: %s\n", clf_last_error());
            return 2;
        }
        for (size_t i = 0; i < t.n; i++)
            clf_score(s, t.text[i], t.len[i], res, sizeof res / sizeof *res, NULL);
        rss_warm = rss_kb() - rss0;
        clf_scorer_free(s);
    }

    double r[5][2];
    if (measure(&t, m, M_FLOOR, 1, ndocs, reps, &r[4][0], &r[4][1]) ||
        measure(&t, m, M_NORMALIZE, 1, ndocs, reps, &r[0][0], &r[0][1]) ||
        measure(&t, m, M_FEATURIZE, 1, ndocs, reps, &r[1][0], &r[1][1]) ||
        measure(&t, m, M_SCORE, 1, ndocs, reps, &r[2][0], &r[2][1]) ||
        measure(&t, m, M_SCORE, 2, ndocs, reps, &r[3][0], &r[3][1]))
        return 2;
    double avg = (double)t.bytes / (double)t.n;
    if (json) {
        printf("{\"texts\": %zu, \"docs\": %zu, \"reps\": %d, \"avg_bytes\": %.1f, "
               "\"load_ms\": %.3f, \"model_rss_kb\": %ld, \"model_scorer_warm_rss_kb\": %ld, "
               "\"floor_dps\": %.0f, \"normalize_dps\": %.0f, \"featurize_dps\": %.0f, "
               "\"featurize_mbps\": %.2f, \"score1_dps\": %.0f, \"score1_mbps\": %.2f, "
               "\"score2_dps\": %.0f, \"score2_mbps\": %.2f}\n",
               t.n, ndocs, reps, avg, loads[10], rss_model, rss_warm, r[4][0], r[0][0], r[1][0],
               r[1][1], r[2][0], r[2][1], r[3][0], r[3][1]);
    } else {
        printf("texts: %zu distinct (%.0f bytes on average), cycled to %zu documents; "
               "best of %d runs (1 thread: its CPU time; 2 threads: wall time)\n", t.n, avg,
               ndocs, reps);
        printf("model load (median of 21):      %8.2f ms\n", loads[10]);
        printf("model resident memory:          %8.1f MB as loaded, %.1f MB with a warm scorer\n",
               rss_model / 1024.0, rss_warm / 1024.0);
        printf("floor loop, 1 thread:           %8.0f docs/s  %6.1f MB/s\n", r[4][0], r[4][1]);
        printf("normalize, 1 thread:            %8.0f docs/s  %6.1f MB/s\n", r[0][0], r[0][1]);
        printf("normalize+features, 1 thread:   %8.0f docs/s  %6.1f MB/s\n", r[1][0], r[1][1]);
        printf("score, 1 thread:                %8.0f docs/s  %6.1f MB/s\n", r[2][0], r[2][1]);
        printf("score, 2 threads:               %8.0f docs/s  %6.1f MB/s\n", r[3][0], r[3][1]);
    }
    clf_model_free(m);
    free(floor_rows);
    for (size_t i = 0; i < t.n; i++)
        free(t.text[i]);
    free(t.text);
    free(t.len);
    return 0;
}
