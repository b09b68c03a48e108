/*
 * test_model.c - the model file: writer/loader round trips, determinism,
 * atomic replacement, and a loader that rejects every kind of damage
 * (truncation, byte flips, corrupted fields behind a recomputed checksum)
 * with the right error instead of crashing.
 *
 * With CLF_MODEL_SEED_DIR set, also writes the fuzz seeds (fuzz/corpus/model/).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include "classify.h"
#include "model/format.h"
#include "model/model_internal.h"
#include "model_write.h"
#include "testutil.h"

#define NROWS 40
#define NCATS 3

/* A small synthetic model; the spec points into the struct (do not copy it). */
typedef struct fixture {
    clf_model_spec spec;
    clf_model_spec_category cats[NCATS];
    uint32_t buckets[NROWS];
    float idf[NROWS];
    float weights[NROWS * NCATS];
} fixture;

static uint32_t lcg(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s >> 8;
}

static void fixture_init(fixture *f, clf_model_weight_type wt)
{
    static const char *const names[NCATS] = { "extremism", "hate", "\xd8\xaa\xd8\xad\xd8\xb1\xd9\x8a\xd8\xb6" };
    memset(f, 0, sizeof *f);
    clf_model_spec_init(&f->spec);
    uint32_t s = 12345;
    for (size_t i = 0; i < NCATS; i++) {
        f->cats[i].name = names[i];
        f->cats[i].threshold = 0.25 + 0.2 * (double)i;
        f->cats[i].calib_a = -1.5 - (double)i;
        f->cats[i].calib_b = 0.125 * (double)i;
        f->cats[i].bias = -0.75 + (double)i;
    }
    uint32_t b = 3;
    for (size_t r = 0; r < NROWS; r++) {
        f->buckets[r] = b;
        b += 1 + lcg(&s) % 40;
        f->idf[r] = 1.0f + (float)(lcg(&s) % 1000) / 250.0f;
        for (size_t c = 0; c < NCATS; c++)
            f->weights[r * NCATS + c] = ((float)(lcg(&s) % 20001) - 10000.0f) / 3000.0f;
    }
    f->spec.name = "test-model";
    f->spec.fopts.hash_bits = 11; /* buckets stay below 2048 */
    f->spec.fopts.hash_seed = 0x1234567890abcdefull;
    f->spec.fopts.char_mode = CLF_CHAR_BOTH;
    f->spec.nopts.flags = CLF_NORM_ALL & ~CLF_NORM_SPACED;
    f->spec.nopts.max_bytes = 4096;
    f->spec.n_cats = NCATS;
    f->spec.cats = f->cats;
    f->spec.n_rows = NROWS;
    f->spec.buckets = f->buckets;
    f->spec.idf = f->idf;
    f->spec.weights = f->weights;
    f->spec.weight_type = wt;
    f->spec.meta = "{\"recipe\": \"arabic-default\", \"note\": \"\xd9\x86\xd8\xb5\"}\n";
}

static unsigned char *write_fixture(const fixture *f, size_t *len)
{
    unsigned char *buf = NULL;
    int rc = clf_model_write_buffer(&buf, len, &f->spec);
    ck_assert_msg(rc == CLF_OK, "write_buffer: %s", clf_last_error());
    return buf;
}

/* An independent checksum fix-up (not the library's), for patched files. */
static void fix_checksum(unsigned char *b, size_t n)
{
    memset(b + 32, 0, 8);
    uint64_t h = XXH3_64bits(b, n);
    memcpy(b + 32, &h, 8);
}

static uint32_t get32(const unsigned char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static void put32(unsigned char *p, uint32_t v)
{
    memcpy(p, &v, 4);
}

static void put64(unsigned char *p, uint64_t v)
{
    memcpy(p, &v, 8);
}

/* Offset of section `id`'s table entry, and the section's offset and size. */
static size_t find_section(const unsigned char *b, uint32_t id, uint64_t *off, uint64_t *size)
{
    uint32_t n = get32(b + 24);
    for (uint32_t i = 0; i < n; i++) {
        const unsigned char *e = b + 64 + 24 * i;
        if (get32(e) == id) {
            memcpy(off, e + 8, 8);
            memcpy(size, e + 16, 8);
            return 64 + 24 * (size_t)i;
        }
    }
    ck_abort_msg("section %u not found", id);
    return 0;
}

/* For hot loops: Check's ck_assert reports every passing check to the
 * parent process, which makes millions of checks slow. */
#define REQUIRE(x)                                 \
    do {                                           \
        if (!(x))                                  \
            ck_abort_msg("failed: %s", #x);        \
    } while (0)

/* Every accessor of a loaded model must give consistent, valid values. */
static double touch_model(const clf_model *m)
{
    double sum = 0;
    size_t K = clf_model_num_categories(m);
    REQUIRE(K >= 1 && K <= CLF__MAX_CATEGORIES);
    for (size_t i = 0; i < K; i++) {
        const char *nm = clf_model_category_name(m, i);
        REQUIRE(nm != NULL);
        size_t idx = K;
        REQUIRE(clf_model_category_index(m, nm, &idx) == CLF_OK && idx == i);
        double t = clf_model_threshold(m, i);
        REQUIRE(t >= 0 && t <= 1);
        sum += t;
    }
    REQUIRE(clf_model_category_name(m, K) == NULL);
    REQUIRE(clf_model_threshold(m, K) == -1);
    clf_norm_options no;
    clf_feature_options fo;
    clf_model_options(m, &no, &fo);
    REQUIRE(fo.hash_bits >= CLF_MIN_HASH_BITS && fo.hash_bits <= CLF_MAX_HASH_BITS);
    REQUIRE(clf_model_metadata(m) != NULL);
    REQUIRE(clf_model_metadata(m)[0] == '{');
    REQUIRE(clf_model_name(m) != NULL);
    REQUIRE(clf_model_format_version(m) >= 1 &&
            clf_model_format_version(m) <= CLF__FORMAT_VERSION);
    size_t nb = (size_t)1 << fo.hash_bits, known = 0;
    for (size_t b = 0; b < nb; b++) {
        uint32_t r = clf__model_row(m, (uint32_t)b);
        if (r) {
            REQUIRE(r <= m->n_rows);
            REQUIRE(clf__model_row_idf(m, r - 1) > 0);
            known++;
        }
    }
    REQUIRE(known == m->n_rows);
    for (size_t i = 0; i < m->n_rows * K; i++) {
        float w = clf__model_row_weight(m, (uint32_t)(i / K), i % K);
        REQUIRE(isfinite(w));
        sum += w;
    }
    return sum;
}

static void check_equal(const clf_model *m, const fixture *f, int exact)
{
    REQUIRE(strcmp(clf_model_name(m), "test-model") == 0);
    REQUIRE(strcmp(clf_model_metadata(m), f->spec.meta) == 0);
    REQUIRE(clf_model_num_categories(m) == NCATS);
    for (size_t i = 0; i < NCATS; i++) {
        REQUIRE(strcmp(clf_model_category_name(m, i), f->cats[i].name) == 0);
        size_t idx = NCATS;
        REQUIRE(clf_model_category_index(m, f->cats[i].name, &idx) == CLF_OK && idx == i);
        REQUIRE(clf_model_threshold(m, i) == f->cats[i].threshold);
        REQUIRE(m->cats[i].calib_a == f->cats[i].calib_a);
        REQUIRE(m->cats[i].calib_b == f->cats[i].calib_b);
        REQUIRE(m->cats[i].bias == f->cats[i].bias);
    }
    size_t none = 99;
    REQUIRE(clf_model_category_index(m, "nope", &none) == CLF_E_NOT_FOUND && none == 99);
    REQUIRE(clf_model_category_index(m, "nope", NULL) == CLF_E_INVALID_ARG);
    clf_norm_options no;
    clf_feature_options fo;
    clf_model_options(m, &no, &fo);
    REQUIRE(memcmp(&no, &f->spec.nopts, sizeof no) == 0);
    REQUIRE(fo.version == f->spec.fopts.version);
    REQUIRE(fo.word_ngram_max == f->spec.fopts.word_ngram_max);
    REQUIRE(fo.char_ngram_min == f->spec.fopts.char_ngram_min);
    REQUIRE(fo.char_ngram_max == f->spec.fopts.char_ngram_max);
    REQUIRE(fo.char_mode == f->spec.fopts.char_mode);
    REQUIRE(fo.stems == f->spec.fopts.stems);
    REQUIRE(fo.hash_bits == f->spec.fopts.hash_bits);
    REQUIRE(fo.hash_seed == f->spec.fopts.hash_seed);
    REQUIRE(fo.sublinear_tf == f->spec.fopts.sublinear_tf);
    REQUIRE(fo.l2_normalize == f->spec.fopts.l2_normalize);
    REQUIRE(m->n_rows == NROWS);
    REQUIRE(m->has_idf);
    size_t r = 0;
    for (uint32_t b = 0; b < (1u << fo.hash_bits); b++) {
        if (r < NROWS && f->buckets[r] == b) {
            REQUIRE(clf__model_row(m, b) == r + 1);
            REQUIRE(clf__model_row_idf(m, (uint32_t)r) == f->idf[r]);
            r++;
        } else {
            REQUIRE(clf__model_row(m, b) == 0);
        }
    }
    double maxerr[NCATS] = { 0 }, maxw[NCATS] = { 0 };
    for (size_t k = 0; k < NROWS * NCATS; k++) {
        double want = f->weights[k];
        double got = clf__model_row_weight(m, (uint32_t)(k / NCATS), k % NCATS);
        if (exact)
            REQUIRE(got == want);
        if (fabs(got - want) > maxerr[k % NCATS])
            maxerr[k % NCATS] = fabs(got - want);
        if (fabs(want) > maxw[k % NCATS])
            maxw[k % NCATS] = fabs(want);
    }
    for (size_t c = 0; c < NCATS; c++) {
        double scale = maxw[c] / 32767.0;
        ck_assert_msg(maxerr[c] <= scale * 0.5 + 1e-6 * maxw[c],
                      "category %zu: quantization error %g > scale/2 = %g", c, maxerr[c],
                      scale / 2);
    }
}

START_TEST(roundtrip_f32)
{
    fixture f;
    fixture_init(&f, CLF_MODEL_WEIGHTS_F32);
    size_t len;
    unsigned char *buf = write_fixture(&f, &len);
    ck_assert_uint_eq(len % 8, 0);
    clf_model *m = NULL;
    ck_assert_msg(clf_model_load_buffer(&m, buf, len) == CLF_OK, "%s", clf_last_error());
    check_equal(m, &f, 1);
    touch_model(m);
    clf_model_free(m);
    free(buf);
}
END_TEST

START_TEST(roundtrip_i16)
{
    fixture f;
    fixture_init(&f, CLF_MODEL_WEIGHTS_I16);
    f.weights[5] = 0; /* exact zeros stay zero */
    size_t len;
    unsigned char *buf = write_fixture(&f, &len);
    clf_model *m = NULL;
    ck_assert_msg(clf_model_load_buffer(&m, buf, len) == CLF_OK, "%s", clf_last_error());
    check_equal(m, &f, 0);
    ck_assert(clf__model_row_weight(m, 5 / NCATS, 5 % NCATS) == 0);
    touch_model(m);
    clf_model_free(m);

    /* half the weight bytes of the f32 file */
    fixture g;
    fixture_init(&g, CLF_MODEL_WEIGHTS_F32);
    size_t len32;
    unsigned char *b32 = write_fixture(&g, &len32);
    ck_assert_uint_eq(len32 - len, NROWS * NCATS * 2);
    free(b32);
    free(buf);
}
END_TEST

START_TEST(roundtrip_file)
{
    fixture f;
    fixture_init(&f, CLF_MODEL_WEIGHTS_F32);
    char path[512];
    snprintf(path, sizeof path, "%s/rt.clf", clf_test_tmpdir());
    ck_assert_msg(clf_model_write(path, &f.spec) == CLF_OK, "%s", clf_last_error());
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_uint_eq(st.st_mode & 0777, 0644);
    size_t flen, blen;
    char *file = clf_test_read_file(path, &flen);
    unsigned char *buf = write_fixture(&f, &blen);
    ck_assert_uint_eq(flen, blen);
    ck_assert(memcmp(file, buf, blen) == 0);
    clf_model *m = NULL;
    ck_assert_msg(clf_model_load(&m, path) == CLF_OK, "%s", clf_last_error());
    ck_assert_int_eq(m->mapped, 0); /* a small file is read into malloc'd memory */
    check_equal(m, &f, 1);
    clf_model_free(m);

    /* read() fallback: the same bytes through a pipe */
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    ck_assert(blen < 65536); /* fits in the pipe buffer: no writer thread needed */
    ck_assert_int_eq(write(p[1], buf, blen), (ssize_t)blen);
    close(p[1]);
    char dev[64];
    snprintf(dev, sizeof dev, "/dev/fd/%d", p[0]);
    ck_assert_msg(clf_model_load(&m, dev) == CLF_OK, "%s", clf_last_error());
    ck_assert_int_eq(m->mapped, 0);
    check_equal(m, &f, 1);
    clf_model_free(m);
    close(p[0]);

    /* an i16 model drops the file bytes once dequantized */
    fixture_init(&f, CLF_MODEL_WEIGHTS_I16);
    ck_assert_int_eq(clf_model_write(path, &f.spec), CLF_OK);
    ck_assert_int_eq(clf_model_load(&m, path), CLF_OK);
    ck_assert_ptr_null(m->base);
    check_equal(m, &f, 0);
    clf_model_free(m);
    free(file);
    free(buf);
}
END_TEST

START_TEST(deterministic)
{
    fixture f, g;
    fixture_init(&f, CLF_MODEL_WEIGHTS_I16);
    fixture_init(&g, CLF_MODEL_WEIGHTS_I16);
    size_t la, lb;
    unsigned char *a = write_fixture(&f, &la);
    unsigned char *b = write_fixture(&g, &lb);
    ck_assert_uint_eq(la, lb);
    ck_assert(memcmp(a, b, la) == 0);
    free(a);
    free(b);
    /* and through files */
    char p1[512], p2[512];
    snprintf(p1, sizeof p1, "%s/det1.clf", clf_test_tmpdir());
    snprintf(p2, sizeof p2, "%s/det2.clf", clf_test_tmpdir());
    ck_assert_int_eq(clf_model_write(p1, &f.spec), CLF_OK);
    ck_assert_int_eq(clf_model_write(p2, &g.spec), CLF_OK);
    char *x = clf_test_read_file(p1, &la), *y = clf_test_read_file(p2, &lb);
    ck_assert_uint_eq(la, lb);
    ck_assert(memcmp(x, y, la) == 0);
    free(x);
    free(y);
}
END_TEST

START_TEST(no_idf_and_no_rows)
{
    fixture f;
    fixture_init(&f, CLF_MODEL_WEIGHTS_F32);
    f.spec.idf = NULL;
    size_t len;
    unsigned char *buf = write_fixture(&f, &len);
    clf_model *m = NULL;
    ck_assert_msg(clf_model_load_buffer(&m, buf, len) == CLF_OK, "%s", clf_last_error());
    ck_assert_int_eq(m->has_idf, 0);
    /* the scorer reads the row's idf unconditionally: 1 without IDF */
    ck_assert(clf__model_row_idf(m, clf__model_row(m, f.buckets[7]) - 1) == 1.0f);
    touch_model(m);
    clf_model_free(m);
    free(buf);

    f.spec.n_rows = 0;
    f.spec.n_cats = 1;
    f.spec.weight_type = CLF_MODEL_WEIGHTS_I16;
    buf = write_fixture(&f, &len);
    ck_assert_msg(clf_model_load_buffer(&m, buf, len) == CLF_OK, "%s", clf_last_error());
    ck_assert_uint_eq(m->n_rows, 0);
    ck_assert_uint_eq(clf_model_num_categories(m), 1);
    touch_model(m);
    clf_model_free(m);
    free(buf);
}
END_TEST

static void write_bytes(const char *path, const void *data, size_t n)
{
    FILE *fp = fopen(path, "wb");
    ck_assert_ptr_nonnull(fp);
    ck_assert_uint_eq(fwrite(data, 1, n, fp), n);
    fclose(fp);
}

static void expect_load_error(const char *path, int code, const char *needle)
{
    clf_model *m = (clf_model *)&m; /* must be reset to NULL */
    int rc = clf_model_load(&m, path);
    ck_assert_msg(rc == code, "%s: got %d (%s), want %d", path, rc, clf_last_error(), code);
    ck_assert_ptr_null(m);
    ck_assert_msg(strstr(clf_last_error(), needle) != NULL, "%s: message \"%s\" lacks \"%s\"",
                  path, clf_last_error(), needle);
    ck_assert_msg(strstr(clf_last_error(), path) != NULL, "message \"%s\" does not name %s",
                  clf_last_error(), path);
}

START_TEST(load_errors)
{
    const char *dir = clf_test_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/missing.clf", dir);
    expect_load_error(path, CLF_E_IO, "No such file");
    expect_load_error(dir, CLF_E_IO, "directory");
    snprintf(path, sizeof path, "%s/empty.clf", dir);
    write_bytes(path, "", 0);
    expect_load_error(path, CLF_E_MODEL_FORMAT, "empty");
    expect_load_error("/dev/null", CLF_E_MODEL_FORMAT, "empty");
    unsigned char rnd[4096];
    uint32_t s = 99;
    for (size_t i = 0; i < sizeof rnd; i++)
        rnd[i] = (unsigned char)lcg(&s);
    snprintf(path, sizeof path, "%s/random.clf", dir);
    write_bytes(path, rnd, sizeof rnd);
    expect_load_error(path, CLF_E_MODEL_FORMAT, "not a libclassify model");
    snprintf(path, sizeof path, "%s/text.clf", dir);
    const char *text = "this is a text file, not a model\n";
    write_bytes(path, text, strlen(text));
    expect_load_error(path, CLF_E_MODEL_FORMAT, "not a libclassify model");
    snprintf(path, sizeof path, "%s/short.clf", dir);
    write_bytes(path, "CLFMODEL\1\0\0\0", 12);
    expect_load_error(path, CLF_E_MODEL_FORMAT, "truncated");

    clf_model *m = NULL;
    ck_assert_int_eq(clf_model_load(NULL, path), CLF_E_INVALID_ARG);
    ck_assert_int_eq(clf_model_load(&m, NULL), CLF_E_INVALID_ARG);
    ck_assert_int_eq(clf_model_load_buffer(NULL, "x", 1), CLF_E_INVALID_ARG);
    ck_assert_int_eq(clf_model_load_buffer(&m, NULL, 1), CLF_E_INVALID_ARG);
    ck_assert_int_eq(clf_model_load_buffer(&m, NULL, 0), CLF_E_MODEL_FORMAT);
}
END_TEST

START_TEST(null_model)
{
    clf_model_free(NULL);
    ck_assert_uint_eq(clf_model_num_categories(NULL), 0);
    ck_assert_ptr_null(clf_model_category_name(NULL, 0));
    size_t idx;
    ck_assert_int_eq(clf_model_category_index(NULL, "x", &idx), CLF_E_INVALID_ARG);
    ck_assert_uint_eq(clf_model_checksum(NULL), 0);
    ck_assert_ptr_null(clf_model_id(NULL));
    ck_assert(clf_model_threshold(NULL, 0) == -1);
    ck_assert_ptr_null(clf_model_metadata(NULL));
    ck_assert_ptr_null(clf_model_name(NULL));
    ck_assert_uint_eq(clf_model_format_version(NULL), 0);
    clf_model_options(NULL, NULL, NULL);
}
END_TEST

START_TEST(truncation_every_length)
{
    fixture f;
    fixture_init(&f, CLF_MODEL_WEIGHTS_I16);
    size_t len;
    unsigned char *buf = write_fixture(&f, &len);
    for (size_t n = 0; n < len; n++) {
        clf_model *m = NULL;
        int rc = clf_model_load_buffer(&m, buf, n);
        ck_assert_msg(rc == CLF_E_MODEL_FORMAT, "length %zu: %d %s", n, rc, clf_last_error());
        ck_assert_ptr_null(m);
        if (n >= 8)
            ck_assert_msg(strstr(clf_last_error(), "truncated"), "length %zu: %s", n,
                          clf_last_error());
    }
    free(buf);
}
END_TEST

/* Each byte xor 0x01 and each byte set to 0xFF: rejected (almost always by
 * the checksum), never a crash. */
START_TEST(every_byte_changed)
{
    fixture f;
    fixture_init(&f, CLF_MODEL_WEIGHTS_F32);
    size_t len;
    unsigned char *buf = write_fixture(&f, &len);
    size_t by_checksum = 0, total = 0;
    for (size_t i = 0; i < len; i++) {
        for (int mode = 0; mode < 2; mode++) {
            unsigned char old = buf[i];
            buf[i] = mode == 0 ? (unsigned char)(old ^ 1) : 0xFF;
            if (buf[i] == old)
                continue;
            clf_model *m = NULL;
            int rc = clf_model_load_buffer(&m, buf, len);
            ck_assert_msg(rc == CLF_E_CHECKSUM || rc == CLF_E_MODEL_FORMAT ||
                              rc == CLF_E_MODEL_VERSION,
                          "byte %zu mode %d: rc %d (%s)", i, mode, rc, clf_last_error());
            ck_assert_ptr_null(m);
            by_checksum += rc == CLF_E_CHECKSUM;
            total++;
            buf[i] = old;
        }
    }
    /* only the magic, version, header size and file size come before the checksum */
    ck_assert_msg(by_checksum >= total - 2 * 24, "%zu of %zu by checksum", by_checksum, total);
    free(buf);
}
END_TEST

/* The same with the checksum recomputed, so that structural validation is
 * what stands between the damage and the scorer: rejected or a valid model. */
START_TEST(every_byte_changed_checksum_fixed)
{
    static const unsigned char modes[] = { 0x01, 0x80, 0xFF, 0x00 };
    for (int wt = 0; wt < 2; wt++) {
        fixture f;
        fixture_init(&f, wt ? CLF_MODEL_WEIGHTS_I16 : CLF_MODEL_WEIGHTS_F32);
        size_t len;
        unsigned char *buf = write_fixture(&f, &len);
        unsigned char *work = malloc(len);
        size_t accepted = 0;
        for (size_t i = 0; i < len; i++) {
            if (i >= 32 && i < 40)
                continue; /* the checksum field itself */
            for (size_t k = 0; k < sizeof modes; k++) {
                memcpy(work, buf, len);
                work[i] = k < 2 ? (unsigned char)(buf[i] ^ modes[k]) : modes[k];
                if (work[i] == buf[i])
                    continue;
                fix_checksum(work, len);
                clf_model *m = NULL;
                int rc = clf_model_load_buffer(&m, work, len);
                if (rc == CLF_OK) {
                    touch_model(m);
                    clf_model_free(m);
                    accepted++;
                } else {
                    ck_assert_msg(rc == CLF_E_MODEL_FORMAT || rc == CLF_E_MODEL_VERSION,
                                  "byte %zu: rc %d (%s)", i, rc, clf_last_error());
                    ck_assert_ptr_null(m);
                }
            }
        }
        /* values (weights, thresholds, IDF, names' letters) may change
         * validly; structure may not */
        fprintf(stderr, "checksum-fixed byte changes: %zu of %zu bytes x %zu accepted (%s)\n",
                accepted, len, sizeof modes, wt ? "i16" : "f32");
        free(work);
        free(buf);
    }
}
END_TEST

START_TEST(newer_version)
{
    fixture f;
    fixture_init(&f, CLF_MODEL_WEIGHTS_F32);
    size_t len;
    unsigned char *buf = write_fixture(&f, &len);
    put32(buf + 8, CLF__FORMAT_VERSION + 1);
    fix_checksum(buf, len);
    clf_model *m = NULL;
    ck_assert_int_eq(clf_model_load_buffer(&m, buf, len), CLF_E_MODEL_VERSION);
    char want[64];
    snprintf(want, sizeof want, "format version %u", CLF__FORMAT_VERSION + 1);
    ck_assert_msg(strstr(clf_last_error(), want), "%s", clf_last_error());
    snprintf(want, sizeof want, "up to %u", CLF__FORMAT_VERSION);
    ck_assert_msg(strstr(clf_last_error(), want), "%s", clf_last_error());
    /* and a newer version is reported even if the rest changed shape */
    put32(buf + 12, 128);
    fix_checksum(buf, len);
    ck_assert_int_eq(clf_model_load_buffer(&m, buf, len), CLF_E_MODEL_VERSION);
    put32(buf + 8, 0);
    ck_assert_int_eq(clf_model_load_buffer(&m, buf, len), CLF_E_MODEL_FORMAT);
    free(buf);
}
END_TEST

/* A patch applied to a fresh file before its checksum is recomputed. */
typedef struct corruption {
    const char *what;
    int code;
    const char *needle;
} corruption;

static void patch(unsigned char **bp, size_t *len, int which)
{
    unsigned char *b = *bp;
    uint64_t off, size, off2, size2;
    size_t e;
    switch (which) {
    case 0: /* WEIGHTS beyond the end of the file */
        e = find_section(b, CLF__SEC_WEIGHTS, &off, &size);
        put64(b + e + 8, off + 64);
        break;
    case 1: /* offset not a multiple of 8 */
        e = find_section(b, CLF__SEC_META, &off, &size);
        put64(b + e + 8, off + 4);
        break;
    case 2: /* IDF on top of ROWS */
        find_section(b, CLF__SEC_ROWS, &off, &size);
        e = find_section(b, CLF__SEC_IDF, &off2, &size2);
        put64(b + e + 8, off);
        break;
    case 3: /* two buckets swapped */
        find_section(b, CLF__SEC_ROWS, &off, &size);
        {
            uint32_t a = get32(b + off + 8 + 4 * 5), c = get32(b + off + 8 + 4 * 6);
            put32(b + off + 8 + 4 * 5, c);
            put32(b + off + 8 + 4 * 6, a);
        }
        break;
    case 4: /* NaN threshold */
        find_section(b, CLF__SEC_CATEGORIES, &off, &size);
        {
            double nan = NAN;
            memcpy(b + off + 8 + 56 + 8, &nan, 8);
        }
        break;
    case 5: /* last bucket >= 2^hash_bits */
        find_section(b, CLF__SEC_ROWS, &off, &size);
        put32(b + off + 8 + 4 * (NROWS - 1), 1u << 11);
        break;
    case 6: /* too many categories */
        find_section(b, CLF__SEC_CATEGORIES, &off, &size);
        put32(b + off, CLF__MAX_CATEGORIES + 1);
        break;
    case 7: /* category 1 named like category 0 */
        find_section(b, CLF__SEC_CATEGORIES, &off, &size);
        memcpy(b + off + 8 + 56, b + off + 8, 8);
        break;
    case 8: /* unknown section id */
        e = find_section(b, CLF__SEC_META, &off, &size);
        put32(b + e, 99);
        break;
    case 9: /* a section twice (and so another missing) */
        e = find_section(b, CLF__SEC_META, &off, &size);
        put32(b + e, CLF__SEC_IDF);
        break;
    case 10: /* unknown normalization flag */
        find_section(b, CLF__SEC_OPTIONS, &off, &size);
        put32(b + off, CLF_NORM_ALL + 1);
        break;
    case 11: /* hash_bits out of range */
        find_section(b, CLF__SEC_OPTIONS, &off, &size);
        put32(b + off + 36, CLF_MAX_HASH_BITS + 1);
        break;
    case 12: /* unknown weight type */
        find_section(b, CLF__SEC_CATEGORIES, &off, &size);
        put32(b + off + 4, 7);
        break;
    case 13: /* IDF zero */
        find_section(b, CLF__SEC_IDF, &off, &size);
        put32(b + off + 4 * 3, 0);
        break;
    case 14: /* weight infinite */
        find_section(b, CLF__SEC_WEIGHTS, &off, &size);
        {
            float inf = INFINITY;
            memcpy(b + off + 4 * 10, &inf, 4);
        }
        break;
    case 15: /* META not an object */
        find_section(b, CLF__SEC_META, &off, &size);
        b[off] = '[';
        break;
    case 16: /* invalid UTF-8 in a name */
        find_section(b, CLF__SEC_STRINGS, &off, &size);
        b[off + 1] = 0xC0;
        break;
    case 17: /* header flags */
        put32(b + 28, 1);
        break;
    case 18: /* too many sections */
        put32(b + 24, CLF__MAX_SECTIONS + 1);
        break;
    case 19: /* trailing bytes */
        *bp = b = realloc(b, *len + 8);
        memset(b + *len, 0, 8);
        *len += 8;
        break;
    case 20: /* ROWS count not matching its size */
        find_section(b, CLF__SEC_ROWS, &off, &size);
        put32(b + off, NROWS + 1);
        break;
    case 21: /* threshold > 1 */
        find_section(b, CLF__SEC_CATEGORIES, &off, &size);
        {
            double t = 1.5;
            memcpy(b + off + 8 + 8, &t, 8);
        }
        break;
    case 22: /* name outside STRINGS */
        find_section(b, CLF__SEC_CATEGORIES, &off, &size);
        put32(b + off + 8 + 2 * 56, 1u << 20);
        break;
    case 23: /* zero categories */
        find_section(b, CLF__SEC_CATEGORIES, &off, &size);
        put32(b + off, 0);
        break;
    case 24: /* OPTIONS size wrong */
        e = find_section(b, CLF__SEC_OPTIONS, &off, &size);
        put64(b + e + 16, size - 8);
        break;
    case 25: /* section inside the section table */
        e = find_section(b, CLF__SEC_OPTIONS, &off, &size);
        put64(b + e + 8, 64);
        break;
    case 26: /* section size overflowing the offset */
        e = find_section(b, CLF__SEC_WEIGHTS, &off, &size);
        put64(b + e + 16, UINT64_MAX - 4);
        break;
    case 27: /* control character in a name */
        find_section(b, CLF__SEC_STRINGS, &off, &size);
        b[off + 2] = '\n';
        break;
    case 28: /* NaN calibration */
        find_section(b, CLF__SEC_CATEGORIES, &off, &size);
        {
            double nan = NAN;
            memcpy(b + off + 8 + 16, &nan, 8);
        }
        break;
    case 29: /* use_idf 0 but an IDF section */
        find_section(b, CLF__SEC_OPTIONS, &off, &size);
        put32(b + off + 4, 0);
        break;
    case 30: /* reserved header byte */
        b[63] = 1;
        break;
    case 31: /* char n-gram range inverted */
        find_section(b, CLF__SEC_OPTIONS, &off, &size);
        put32(b + off + 20, 6);
        put32(b + off + 24, 3);
        break;
    case 32: /* calibration A > 0 (probability falling with the margin) */
        find_section(b, CLF__SEC_CATEGORIES, &off, &size);
        {
            double a = 0.75;
            memcpy(b + off + 8 + 56 + 16, &a, 8);
        }
        break;
    case 33: /* first bucket >= 2^31 (the loader's fast check compares as signed) */
        find_section(b, CLF__SEC_ROWS, &off, &size);
        put32(b + off + 8, 0x80000000u);
        break;
    case 34: /* a middle bucket >= 2^31, the rest increasing and in range */
        find_section(b, CLF__SEC_ROWS, &off, &size);
        put32(b + off + 8 + 4 * 5, 0xC0000000u);
        break;
    }
}

START_TEST(corrupted_fields)
{
    static const corruption cases[] = {
        { "section past the end", CLF_E_MODEL_FORMAT, "truncated: section WEIGHTS ends at" },
        { "misaligned section", CLF_E_MODEL_FORMAT, "not a multiple of 8" },
        { "overlapping sections", CLF_E_MODEL_FORMAT, "overlap" },
        { "unsorted buckets", CLF_E_MODEL_FORMAT, "strictly increasing" },
        { "NaN threshold", CLF_E_MODEL_FORMAT, "threshold nan" },
        { "bucket >= 2^bits", CLF_E_MODEL_FORMAT, "not below 2^hash_bits" },
        { "too many categories", CLF_E_MODEL_FORMAT, "257 categories" },
        { "duplicate names", CLF_E_MODEL_FORMAT, "same name" },
        { "unknown section", CLF_E_MODEL_FORMAT, "unknown id 99" },
        { "duplicate section", CLF_E_MODEL_FORMAT, "IDF appears twice" },
        { "unknown norm flag", CLF_E_MODEL_FORMAT, "normalization flag" },
        { "hash_bits", CLF_E_MODEL_FORMAT, "hash_bits 27" },
        { "weight_type", CLF_E_MODEL_FORMAT, "weight_type 7" },
        { "IDF zero", CLF_E_MODEL_FORMAT, "IDF 0" },
        { "weight inf", CLF_E_MODEL_FORMAT, "weight is inf" },
        { "META", CLF_E_MODEL_FORMAT, "META is not a JSON object" },
        { "name UTF-8", CLF_E_MODEL_FORMAT, "not valid UTF-8" },
        { "header flags", CLF_E_MODEL_FORMAT, "header flags" },
        { "n_sections", CLF_E_MODEL_FORMAT, "33 sections" },
        { "trailing bytes", CLF_E_MODEL_FORMAT, "trailing" },
        { "ROWS count", CLF_E_MODEL_FORMAT, "41 rows need" },
        { "threshold > 1", CLF_E_MODEL_FORMAT, "threshold 1.5" },
        { "name outside STRINGS", CLF_E_MODEL_FORMAT, "outside the STRINGS" },
        { "zero categories", CLF_E_MODEL_FORMAT, "0 categories" },
        { "OPTIONS size", CLF_E_MODEL_FORMAT, "OPTIONS is 64 bytes" },
        { "section in table", CLF_E_MODEL_FORMAT, "inside the header" },
        { "size overflow", CLF_E_MODEL_FORMAT, "truncated: section WEIGHTS" },
        { "control char", CLF_E_MODEL_FORMAT, "control character" },
        { "NaN calibration", CLF_E_MODEL_FORMAT, "not finite" },
        { "use_idf mismatch", CLF_E_MODEL_FORMAT, "no IDF" },
        { "reserved header", CLF_E_MODEL_FORMAT, "reserved header" },
        { "char n-grams", CLF_E_MODEL_FORMAT, "char_ngram_min 6" },
        { "calibration A > 0", CLF_E_MODEL_FORMAT,
          "category hate: calibration A 0.75 > 0: the probability would fall" },
        { "first bucket >= 2^31", CLF_E_MODEL_FORMAT, "row 0: bucket 2147483648 is not below" },
        { "middle bucket >= 2^31", CLF_E_MODEL_FORMAT, "row 5: bucket 3221225472 is not below" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fixture f;
        fixture_init(&f, CLF_MODEL_WEIGHTS_F32);
        size_t len;
        unsigned char *buf = write_fixture(&f, &len);
        patch(&buf, &len, (int)i);
        unsigned char *unfixed = malloc(len);
        memcpy(unfixed, buf, len);
        fix_checksum(buf, len);
        clf_model *m = NULL;
        int rc = clf_model_load_buffer(&m, buf, len);
        ck_assert_msg(rc == cases[i].code, "%s: rc %d (%s)", cases[i].what, rc, clf_last_error());
        ck_assert_ptr_null(m);
        ck_assert_msg(strstr(clf_last_error(), cases[i].needle),
                      "%s: message \"%s\" lacks \"%s\"", cases[i].what, clf_last_error(),
                      cases[i].needle);
        /* without the fix-up the checksum catches it (unless the size is off) */
        rc = clf_model_load_buffer(&m, unfixed, len);
        ck_assert_msg(rc == CLF_E_CHECKSUM || (rc == CLF_E_MODEL_FORMAT && i >= 17 && i <= 19),
                      "%s unfixed: %d %s", cases[i].what, rc, clf_last_error());
        free(unfixed);
        free(buf);
    }

    /* i16: scale 0 and the value -32768 */
    for (int which = 0; which < 2; which++) {
        fixture f;
        fixture_init(&f, CLF_MODEL_WEIGHTS_I16);
        size_t len;
        unsigned char *buf = write_fixture(&f, &len);
        uint64_t off, size;
        if (which == 0) {
            find_section(buf, CLF__SEC_CATEGORIES, &off, &size);
            double z = 0;
            memcpy(buf + off + 8 + 40, &z, 8);
        } else {
            find_section(buf, CLF__SEC_WEIGHTS, &off, &size);
            int16_t q = INT16_MIN;
            memcpy(buf + off + 6, &q, 2);
        }
        fix_checksum(buf, len);
        clf_model *m = NULL;
        ck_assert_int_eq(clf_model_load_buffer(&m, buf, len), CLF_E_MODEL_FORMAT);
        ck_assert_msg(strstr(clf_last_error(), which ? "-32768" : "weight_scale 0"), "%s",
                      clf_last_error());
        free(buf);
    }
}
END_TEST

static size_t count_dir_entries(const char *dir)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

START_TEST(writer_rejects_bad_specs)
{
    static const char *const needles[] = {
        "threshold nan", "strictly increasing", "same name", "hash_bits 30", "name is NULL",
        "META is not a JSON object", "weight is inf", "IDF -1", "0 categories", "bucket 2048",
        "unknown weight_type", "options version", "not valid UTF-8", "rows but only",
        "report_only 2 is not 0 or 1", "calibration A 0.5 > 0: the probability would fall",
    };
    for (size_t i = 0; i < sizeof needles / sizeof needles[0]; i++) {
        fixture f;
        fixture_init(&f, CLF_MODEL_WEIGHTS_F32);
        switch (i) {
        case 0: f.cats[1].threshold = NAN; break;
        case 1: f.buckets[3] = f.buckets[2]; break;
        case 2: f.cats[2].name = "hate"; break;
        case 3: f.spec.fopts.hash_bits = 30; break;
        case 4: f.spec.name = NULL; break;
        case 5: f.spec.meta = "not json"; break;
        case 6: f.weights[7] = INFINITY; break;
        case 7: f.idf[4] = -1; break;
        case 8: f.spec.n_cats = 0; break;
        case 9: f.buckets[NROWS - 1] = 2048; break;
        case 10: f.spec.weight_type = (clf_model_weight_type)5; break;
        case 11: f.spec.fopts.version = 99; break;
        case 12: f.cats[0].name = "bad\xff"; break;
        case 13: f.spec.fopts.hash_bits = 8; f.spec.n_rows = 300; break;
        case 14: f.cats[1].report_only = 2; break;
        case 15: f.cats[2].calib_a = 0.5; break;
        }
        unsigned char *buf = (unsigned char *)1;
        size_t len = 1;
        int rc = clf_model_write_buffer(&buf, &len, &f.spec);
        ck_assert_msg(rc == CLF_E_INVALID_ARG, "case %zu: rc %d (%s)", i, rc, clf_last_error());
        ck_assert_ptr_null(buf);
        ck_assert_msg(strstr(clf_last_error(), needles[i]), "case %zu: \"%s\" lacks \"%s\"", i,
                      clf_last_error(), needles[i]);
    }
    ck_assert_int_eq(clf_model_write_buffer(NULL, NULL, NULL), CLF_E_INVALID_ARG);
    ck_assert_int_eq(clf_model_write(NULL, NULL), CLF_E_INVALID_ARG);
}
END_TEST

START_TEST(writer_is_atomic)
{
    char dir[512], path[600], sub[600];
    snprintf(dir, sizeof dir, "%s/atomic", clf_test_tmpdir());
    ck_assert_int_eq(mkdir(dir, 0755), 0);
    snprintf(path, sizeof path, "%s/model.clf", dir);
    fixture f;
    fixture_init(&f, CLF_MODEL_WEIGHTS_F32);
    ck_assert_int_eq(clf_model_write(path, &f.spec), CLF_OK);
    chmod(path, 0640);
    size_t good_len;
    char *good = clf_test_read_file(path, &good_len);

    /* an invalid spec leaves the good model alone and no temp file */
    f.cats[0].threshold = 2;
    ck_assert_int_eq(clf_model_write(path, &f.spec), CLF_E_INVALID_ARG);
    ck_assert_uint_eq(count_dir_entries(dir), 1);
    size_t now_len;
    char *now = clf_test_read_file(path, &now_len);
    ck_assert_uint_eq(now_len, good_len);
    ck_assert(memcmp(now, good, good_len) == 0);
    free(now);

    /* a failing rename (the target is a directory) removes the temp file */
    f.cats[0].threshold = 0.5;
    snprintf(sub, sizeof sub, "%s/sub.clf", dir);
    ck_assert_int_eq(mkdir(sub, 0755), 0);
    ck_assert_int_eq(clf_model_write(sub, &f.spec), CLF_E_IO);
    ck_assert_msg(strstr(clf_last_error(), sub), "%s", clf_last_error());
    ck_assert_uint_eq(count_dir_entries(dir), 2);

    /* a directory that does not exist */
    snprintf(sub, sizeof sub, "%s/nope/model.clf", dir);
    ck_assert_int_eq(clf_model_write(sub, &f.spec), CLF_E_IO);
    ck_assert_uint_eq(count_dir_entries(dir), 2);

    /* replacing keeps the mode */
    f.cats[0].threshold = 0.75;
    ck_assert_int_eq(clf_model_write(path, &f.spec), CLF_OK);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_uint_eq(st.st_mode & 0777, 0640);
    ck_assert_uint_eq(count_dir_entries(dir), 2);
    clf_model *m = NULL;
    ck_assert_int_eq(clf_model_load(&m, path), CLF_OK);
    ck_assert(clf_model_threshold(m, 0) == 0.75);
    clf_model_free(m);
    free(good);
}
END_TEST

/* ---- fuzz seeds ----------------------------------------------------------- */

/* Seeds start with the fuzz target's mode byte (see fuzz/fuzz_model.c). */
static void seed_spec(int which, fixture *f)
{
    fixture_init(f, which == 1 ? CLF_MODEL_WEIGHTS_I16 : CLF_MODEL_WEIGHTS_F32);
    f->spec.fopts.hash_bits = 8;
    f->spec.n_rows = 6;
    f->spec.meta = "{\"seed\": 1}";
    if (which == 2)
        f->spec.idf = NULL;
    if (which == 3) {
        f->spec.n_rows = 0;
        f->spec.n_cats = 1;
    }
}

static const unsigned char seed_modes[] = { 0x00, 0x00, 0x01, 0x03, 0x00, 0x00 };
static const char *const seed_names[] = { "seed-f32", "seed-i16", "seed-noidf-fixsum",
                                          "seed-norows-fixsize", "seed-f32-2cats",
                                          "seed-i16-gates" };
/* seed-i16-gates: one category and two genre gates (format 3's GATES), the
 * fixture's three weight columns read as category, gate, gate */
static const clf_model_spec_gate seed_gates[2] = {
    { "news", 0, -0.5, 2.0, 0.3 },
    { "tweets", 0, 0.25, 8.0, 0.9 },
};

START_TEST(fuzz_seeds)
{
    const char *out = getenv("CLF_MODEL_SEED_DIR");
    for (int i = 0; i < 6; i++) {
        fixture f;
        seed_spec(i == 4 ? 0 : i == 5 ? 1 : i, &f);
        if (i == 4) {
            f.spec.n_cats = 2;
            f.cats[1].report_only = 1; /* format 4: a report-only category */
        }
        if (i == 5) {
            f.spec.n_cats = 1;
            f.spec.n_gates = 2;
            f.spec.gates = seed_gates;
        }
        size_t len;
        unsigned char *buf = write_fixture(&f, &len);
        ck_assert_msg(len < 2048, "seed %s is %zu bytes", seed_names[i], len);
        char path[1024];
        if (out && *out) {
            snprintf(path, sizeof path, "%s/%s", out, seed_names[i]);
            FILE *fp = fopen(path, "wb");
            ck_assert_ptr_nonnull(fp);
            fputc(seed_modes[i], fp);
            fwrite(buf, 1, len, fp);
            fclose(fp);
        }
        /* the committed seed must still be a valid model (format changes
         * need fresh seeds: run with CLF_MODEL_SEED_DIR=fuzz/corpus/model) */
        snprintf(path, sizeof path, "fuzz/corpus/model/%s", seed_names[i]);
        size_t slen;
        char *seed = clf_test_read_file(clf_test_source_path(path), &slen);
        if (!seed) {
            fprintf(stderr, "NOTE: %s missing\n", path);
        } else {
            clf_model *m = NULL;
            ck_assert_msg(clf_model_load_buffer(&m, seed + 1, slen - 1) == CLF_OK, "%s: %s",
                          path, clf_last_error());
            touch_model(m);
            clf_model_free(m);
            free(seed);
        }
        free(buf);
    }
}
END_TEST

/* ---- memory: proportional to the rows, not to 2^hash_bits ------------------ */

/* Resident memory of this process (Check runs each test in a fresh child). */
static size_t rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long size = 0, res = 0;
    if (f) {
        if (fscanf(f, "%lu %lu", &size, &res) != 2)
            res = 0;
        fclose(f);
    }
    return (size_t)res * (size_t)sysconf(_SC_PAGESIZE);
}

/* Load path; return the bytes the model holds and the RSS it added. */
static clf_model *load_measured(const char *path, size_t *held, size_t *rss)
{
    clf_model *m = NULL;
    size_t before = rss_bytes();
    ck_assert_msg(clf_model_load(&m, path) == CLF_OK, "%s", clf_last_error());
    size_t after = rss_bytes();
    *held = clf__model_memory(m);
    *rss = after > before ? after - before : 0;
    return m;
}

/* The shipped model: the speed issue's target is <= 4 MB of RAM loaded
 * (it was 15.4 MB with dense 2^20 tables and a second weight copy). */
START_TEST(default_model_memory)
{
    size_t held, rss;
    clf_model *m = load_measured(clf_test_source_path("models/arabic-default.clf"), &held, &rss);
    fprintf(stderr, "arabic-default: %zu rows x %zu categories; model holds %zu bytes "
                    "(lookup %zu, rows %zu); RSS after load +%zu bytes\n",
            m->n_rows, m->n_cats, held, m->lookup_bytes, m->rows_bytes, rss);
    ck_assert_int_eq(m->mapped, 1); /* a file of 2 MiB and more is read into huge pages */
    ck_assert_uint_le(held, 4000000);
#if !CLF_TEST_SANITIZED
    /* (sanitizers add shadow memory and redzones to every allocation) */
    ck_assert_msg(rss <= 4u << 20, "loading the default model added %zu bytes of RSS", rss);
#endif
    clf_model_free(m);
}
END_TEST

/* The shipped layout (i16, 5 categories, compact 12-byte rows: a u16 IDF
 * index and the weights) has its own copy loop: without IDF, with a few
 * distinct IDF values (the 2^13-slot table) and with more than 4096 (the
 * 2^16-slot one): the same weights every time, the file's IDF exactly, 1
 * without. (More than 32768 values: wide rows, test_golden.) */
START_TEST(i16_five_categories_rows)
{
    enum { K = 5, N = 6000 };
    static uint32_t buckets[N];
    static float idf[3][N], w[N * K];
    for (int r = 0; r < N; r++) {
        buckets[r] = (uint32_t)r * 7 + 3;
        idf[1][r] = 1.0f + (float)(r % 300) / 64.0f;
        idf[2][r] = 1.0f + (float)r / 8192.0f;
        for (int k = 0; k < K; k++)
            w[r * K + k] = (float)((r * 31 + k * 17) % 201 - 100) / 50.0f;
    }
    clf_model_spec_category cats[K] = {
        {.name = "a", .threshold = 0.5, .calib_a = -1, .calib_b = 0, .bias = 0},
        {.name = "b", .threshold = 0.5, .calib_a = -1, .calib_b = 0, .bias = 0},
        {.name = "c", .threshold = 0.5, .calib_a = -1, .calib_b = 0, .bias = 0},
        {.name = "d", .threshold = 0.5, .calib_a = -1, .calib_b = 0, .bias = 0},
        {.name = "e", .threshold = 0.5, .calib_a = -1, .calib_b = 0, .bias = 0} };
    static const size_t slots[3] = { 1, 8192, 65536 };
    clf_model *m[3] = { NULL, NULL, NULL };
    for (int with = 0; with < 3; with++) {
        clf_model_spec spec;
        clf_model_spec_init(&spec);
        spec.name = "five";
        spec.n_cats = K;
        spec.cats = cats;
        spec.n_rows = N;
        spec.buckets = buckets;
        spec.idf = with ? idf[with] : NULL;
        spec.weights = w;
        spec.weight_type = CLF_MODEL_WEIGHTS_I16;
        m[with] = clf_test_model_from_spec(&spec);
        ck_assert_uint_eq(m[with]->row_bytes, 12); /* compact: u16 idf index, 5 x i16 */
        ck_assert_ptr_nonnull(m[with]->idf_table);
        ck_assert_uint_eq(m[with]->idf_table_len, slots[with]);
    }
    for (uint32_t r = 0; r < N; r++) {
        ck_assert_uint_eq(clf__model_row(m[1], buckets[r]), r + 1);
        ck_assert(clf__model_row_idf(m[0], r) == 1.0f);
        ck_assert(clf__model_row_idf(m[1], r) == idf[1][r]);
        ck_assert(clf__model_row_idf(m[2], r) == idf[2][r]);
        for (size_t k = 0; k < K; k++) {
            float a = clf__model_row_weight(m[0], r, k), b = clf__model_row_weight(m[1], r, k);
            ck_assert(a == b);
            ck_assert(clf__model_row_weight(m[2], r, k) == a);
            ck_assert(fabsf(a - w[r * K + k]) <= 2.0f / 32767.0f * 2.0f);
        }
    }
    for (int with = 0; with < 3; with++)
        clf_model_free(m[with]);
}
END_TEST

/* hash_bits 26 with 3 rows: was 512 MiB of dense tables. */
START_TEST(sparse_model_memory)
{
    enum { K = 2 };
    uint32_t buckets[3] = { 5, 1u << 20, (1u << 26) - 1 };
    float idf[3] = { 1.5f, 2.0f, 3.0f }, w[3 * K] = { 1, -1, 2, -2, 3, -3 };
    clf_model_spec_category cats[K] = {
        {.name = "a", .threshold = 0.5, .calib_a = -1, .calib_b = 0, .bias = 0},
        {.name = "b", .threshold = 0.5, .calib_a = -1, .calib_b = 0, .bias = 0}
    };
    clf_model_spec spec;
    clf_model_spec_init(&spec);
    spec.name = "sparse";
    spec.fopts.hash_bits = 26;
    spec.n_cats = K;
    spec.cats = cats;
    spec.n_rows = 3;
    spec.buckets = buckets;
    spec.idf = idf;
    spec.weights = w;
    char path[512];
    snprintf(path, sizeof path, "%s/sparse.clf", clf_test_tmpdir());
    ck_assert_msg(clf_model_write(path, &spec) == CLF_OK, "%s", clf_last_error());
    size_t held, rss;
    clf_model *m = load_measured(path, &held, &rss);
    fprintf(stderr, "hash_bits 26, 3 rows: model holds %zu bytes, RSS +%zu\n", held, rss);
    ck_assert_int_eq(m->lookup, CLF__LOOKUP_SORTED);
    ck_assert_uint_le(held, 16384);
    ck_assert_uint_le(rss, 1u << 20);
    /* every row is found, its neighbours are not */
    for (int i = 0; i < 3; i++) {
        ck_assert_uint_eq(clf__model_row(m, buckets[i]), (uint32_t)i + 1);
        ck_assert_uint_eq(clf__model_row(m, buckets[i] - 1), 0);
        ck_assert(clf__model_row_idf(m, (uint32_t)i) == idf[i]);
        ck_assert(clf__model_row_weight(m, (uint32_t)i, 1) == w[i * K + 1]);
    }
    ck_assert_uint_eq(clf__model_row(m, 0), 0);
    ck_assert_uint_eq(clf__model_row(m, 6), 0);
    clf_model_free(m);
    unlink(path);
}
END_TEST

/* Both lookups agree with the rows on a big random model (~500k rows at
 * hash_bits 20 uses the bitmap; the same buckets at hash_bits 26 the
 * sorted keys), and memory stays within a few bytes per row. */
START_TEST(big_model_lookups)
{
    enum { K = 5 };
    const uint32_t nb = 1u << 20;
    uint32_t *buckets = malloc(nb * sizeof *buckets);
    size_t R = 0;
    uint32_t s = 7;
    for (uint32_t b = 0; b < nb; b++)
        if (lcg(&s) % 1000 < 477)
            buckets[R++] = b;
    float *idf = malloc(R * sizeof *idf), *w = malloc(R * K * sizeof *w);
    for (size_t r = 0; r < R; r++) {
        idf[r] = 1.0f + (float)(lcg(&s) % 1000) / 100.0f;
        for (size_t c = 0; c < K; c++)
            w[r * K + c] = ((float)(lcg(&s) % 20001) - 10000.0f) / 5000.0f;
    }
    clf_model_spec_category cats[K] = {
        {.name = "extremism", .threshold = 0.5, .calib_a = -2, .calib_b = 0, .bias = 0.1},
        {.name = "propaganda", .threshold = 0.5, .calib_a = -2, .calib_b = 0, .bias = 0.1},
        {.name = "hate", .threshold = 0.5, .calib_a = -2, .calib_b = 0, .bias = 0.1},
        {.name = "violence", .threshold = 0.5, .calib_a = -2, .calib_b = 0, .bias = 0.1},
        {.name = "recruitment", .threshold = 0.5, .calib_a = -2, .calib_b = 0, .bias = 0.1},
    };
    clf_model_spec spec;
    clf_model_spec_init(&spec);
    spec.name = "big";
    spec.n_cats = K;
    spec.cats = cats;
    spec.n_rows = R;
    spec.buckets = buckets;
    spec.idf = idf;
    spec.weights = w;
    for (int bits = 0; bits < 2; bits++) {
        spec.fopts.hash_bits = bits ? 26 : 20;
        spec.weight_type = bits ? CLF_MODEL_WEIGHTS_F32 : CLF_MODEL_WEIGHTS_I16;
        clf_model *m = clf_test_model_from_spec(&spec);
        ck_assert_int_eq(m->lookup, bits ? CLF__LOOKUP_SORTED : CLF__LOOKUP_BITMAP);
        size_t r = 0;
        for (uint32_t b = 0; b < nb; b++) {
            uint32_t got = clf__model_row(m, b);
            if (r < R && buckets[r] == b) {
                REQUIRE(got == r + 1);
                r++;
            } else {
                REQUIRE(got == 0);
            }
        }
        ck_assert_uint_eq(clf__model_row(m, nb), 0);
        /* lookup within 8 bytes per row plus a constant */
        ck_assert_uint_le(m->lookup_bytes, R * 8 + 8192);
        ck_assert_uint_le(clf__model_memory(m), R * (m->row_bytes + 8) + 65536);
        clf_model_free(m);
    }
    free(buckets);
    free(idf);
    free(w);
}
END_TEST

/* ---- forged files: values checked as they are used (issue 8, 10-13) -------- */

/* An i16 fixture whose category 1 scale is patched to `scale`. */
static int load_with_scale(double scale, clf_model **m)
{
    fixture f;
    fixture_init(&f, CLF_MODEL_WEIGHTS_I16);
    size_t len;
    unsigned char *buf = write_fixture(&f, &len);
    uint64_t off, size;
    find_section(buf, CLF__SEC_CATEGORIES, &off, &size);
    memcpy(buf + off + 8 + sizeof(clf__file_category) + 40, &scale, 8);
    fix_checksum(buf, len);
    *m = NULL;
    int rc = clf_model_load_buffer(m, buf, len);
    free(buf);
    return rc;
}

START_TEST(forged_weight_scales)
{
    /* 1e35 is a finite double and float, but 32767 * 1e35 is no float: it
     * made NaN scores printed as -9.22337e14; a denormal scale zeroed a
     * category silently. */
    const double bad[] = { 1e35, 3.4e38, 1e-40, 1e-39, 1e-45, 0.0, -1.0, NAN, INFINITY,
                           1e300 };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        clf_model *m;
        int rc = load_with_scale(bad[i], &m);
        ck_assert_msg(rc == CLF_E_MODEL_FORMAT, "scale %g: rc %d", bad[i], rc);
        ck_assert_ptr_null(m);
        ck_assert_msg(strstr(clf_last_error(), "invalid weight_scale"), "%s", clf_last_error());
    }
    /* the largest usable and the smallest normal scale load, with finite weights */
    const double good[] = { 1e30, (double)FLT_MIN, 1e-6 };
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        clf_model *m;
        ck_assert_msg(load_with_scale(good[i], &m) == CLF_OK, "%g: %s", good[i],
                      clf_last_error());
        for (uint32_t r = 0; r < m->n_rows; r++)
            ck_assert(isfinite(clf__model_row_weight(m, r, 1)));
        /* and scores stay finite, probabilities in [0,1] */
        clf_scorer *s;
        ck_assert_int_eq(clf_scorer_new(&s, m), CLF_OK);
        clf_score_result res[NCATS];
        const char *texts[] = { "كلمة عربية واحدة وأخرى", "ب ت ث ج ح خ د ذ ر ز" };
        for (int t = 0; t < 2; t++) {
            ck_assert_int_ge(clf_score(s, texts[t], strlen(texts[t]), res, NCATS, NULL), 0);
            for (int k = 0; k < NCATS; k++)
                ck_assert(isfinite(res[k].margin) && res[k].probability >= 0 &&
                          res[k].probability <= 1);
        }
        clf_scorer_free(s);
        clf_model_free(m);
    }
}
END_TEST

START_TEST(forged_deps)
{
    fixture f;
    fixture_init(&f, CLF_MODEL_WEIGHTS_F32);
    size_t len;
    unsigned char *buf = write_fixture(&f, &len);
    clf_model *m;
    ck_assert_int_eq(clf_model_load_buffer(&m, buf, len), CLF_OK);
    /* a new model records this host's dependencies */
    clf_feature_deps md, host;
    ck_assert_int_eq(clf_model_feature_deps(m, &md), CLF_OK);
    ck_assert_int_eq(clf_runtime_feature_deps(&host), CLF_OK);
    ck_assert_uint_eq(md.feature_revision, CLF_FEATURE_REVISION);
    ck_assert_str_eq(md.unicode_version, host.unicode_version);
    ck_assert_str_eq(md.icu_version, host.icu_version);
    ck_assert_str_eq(md.stemmer, host.stemmer);
    ck_assert(strncmp(host.stemmer, "snowball-arabic-utf8 stems:", 27) == 0);
    ck_assert(strchr(host.unicode_version, '.') != NULL);
    ck_assert_uint_eq(clf_model_format_version(m), CLF__FORMAT_VERSION);
    clf_model_free(m);
    ck_assert_int_eq(clf_model_feature_deps(NULL, &md), CLF_E_INVALID_ARG);
    ck_assert_int_eq(clf_runtime_feature_deps(NULL), CLF_E_INVALID_ARG);

    uint64_t off, size;
    find_section(buf, CLF__SEC_DEPS, &off, &size);
    ck_assert_uint_eq(size, sizeof(clf__file_deps));
    struct { const char *what; size_t at; const void *bytes; size_t n; int code; const char *msg; }
    cases[] = {
        { "revision 99", 0, "\x63\0\0\0", 4, CLF_E_MODEL_VERSION, "revision 99" },
        { "reserved", 4, "\1", 1, CLF_E_MODEL_FORMAT, "reserved DEPS" },
        { "unpadded", 8 + 10, "x", 1, CLF_E_MODEL_FORMAT, "unicode_version is not a NUL-padded" },
        { "empty", 24, "\0\0\0\0\0\0", 6, CLF_E_MODEL_FORMAT, "icu_version is not" },
        { "control", 40, "\n", 1, CLF_E_MODEL_FORMAT, "non-printable" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        unsigned char *b = malloc(len);
        memcpy(b, buf, len);
        memcpy(b + off + cases[i].at, cases[i].bytes, cases[i].n);
        fix_checksum(b, len);
        m = (clf_model *)&m;
        int rc = clf_model_load_buffer(&m, b, len);
        ck_assert_msg(rc == cases[i].code, "%s: rc %d (%s)", cases[i].what, rc, clf_last_error());
        ck_assert_ptr_null(m);
        ck_assert_msg(strstr(clf_last_error(), cases[i].msg), "%s: %s", cases[i].what,
                      clf_last_error());
        free(b);
    }
    /* DEPS in a version-1 file */
    put32(buf + 8, 1);
    fix_checksum(buf, len);
    ck_assert_int_eq(clf_model_load_buffer(&m, buf, len), CLF_E_MODEL_FORMAT);
    ck_assert_ptr_nonnull(strstr(clf_last_error(), "DEPS is not part of format version 1"));
    free(buf);

    /* the shipped model is a version-1 file: it loads, revision 1, unknown deps */
    size_t n;
    unsigned char *shipped =
        (unsigned char *)clf_test_read_file(clf_test_source_path("models/arabic-default.clf"), &n);
    ck_assert_ptr_nonnull(shipped);
    unsigned char *aligned = malloc(n);
    memcpy(aligned, shipped, n);
    if (get32(aligned + 8) == 1) {
        ck_assert_int_eq(clf_model_load_buffer(&m, aligned, n), CLF_OK);
        ck_assert_int_eq(clf_model_feature_deps(m, &md), CLF_OK);
        ck_assert_uint_eq(md.feature_revision, 1);
        ck_assert_str_eq(md.unicode_version, "unknown");
        ck_assert_str_eq(md.stemmer, "unknown");
        clf_model_free(m);
        /* claimed version 2 without DEPS */
        put32(aligned + 8, 2);
        fix_checksum(aligned, n);
        ck_assert_int_eq(clf_model_load_buffer(&m, aligned, n), CLF_E_MODEL_FORMAT);
        ck_assert_ptr_nonnull(strstr(clf_last_error(), "section DEPS is missing"));
    }
    free(aligned);
    free(shipped);
}
END_TEST

/* Category flags (format 4): CLF__CAT_REPORT_ONLY round-trips; a version-3
 * file with a flag set is refused (those bytes were reserved), unknown flag
 * bits are refused, and files of versions 2 and 3 flag every category. */
START_TEST(category_flags)
{
    fixture f;
    fixture_init(&f, CLF_MODEL_WEIGHTS_I16);
    f.cats[1].report_only = 1;
    size_t len;
    unsigned char *buf = write_fixture(&f, &len);
    clf_model *m = NULL;
    ck_assert_int_eq(clf_model_load_buffer(&m, buf, len), CLF_OK);
    ck_assert_uint_eq(clf_model_format_version(m), CLF__FORMAT_VERSION);
    ck_assert_int_eq(clf_model_category_flags_by_default(m, 0), 1);
    ck_assert_int_eq(clf_model_category_flags_by_default(m, 1), 0);
    ck_assert_int_eq(clf_model_category_flags_by_default(m, 2), 1);
    ck_assert_int_eq(clf_model_category_flags_by_default(m, NCATS), -1);
    clf_model_free(m);
    uint64_t off, size;
    find_section(buf, CLF__SEC_CATEGORIES, &off, &size);
    const size_t flags1 = (size_t)off + 8 + 56 + 48; /* category 1's flags */
    ck_assert_uint_eq(get32(buf + flags1), CLF__CAT_REPORT_ONLY);
    struct { const char *what; uint32_t version; size_t at; uint32_t v; int code; const char *msg; }
    cases[] = {
        { "flag in version 3", 3, flags1, CLF__CAT_REPORT_ONLY, CLF_E_MODEL_FORMAT,
          "category hate: reserved bytes are not zero" },
        { "unknown flag", 4, flags1, 2, CLF_E_MODEL_FORMAT, "category hate: unknown flags 0x2" },
        { "reserved after the flags", 4, flags1 + 4, 1, CLF_E_MODEL_FORMAT,
          "category hate: reserved bytes are not zero" },
        { "evidence_words over 1000", 5, flags1 + 4, 1001, CLF_E_MODEL_FORMAT,
          "category hate: evidence_words 1001 is more than 1000" },
        { "version 3, no flag", 3, flags1, 0, CLF_OK, NULL },
        { "version 2, no flag", 2, flags1, 0, CLF_OK, NULL },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        unsigned char *b = malloc(len);
        memcpy(b, buf, len);
        put32(b + 8, cases[i].version);
        put32(b + cases[i].at, cases[i].v);
        fix_checksum(b, len);
        m = NULL;
        int rc = clf_model_load_buffer(&m, b, len);
        ck_assert_msg(rc == cases[i].code, "%s: rc %d (%s)", cases[i].what, rc, clf_last_error());
        if (cases[i].msg)
            ck_assert_msg(strstr(clf_last_error(), cases[i].msg), "%s: %s", cases[i].what,
                          clf_last_error());
        if (rc == CLF_OK) { /* an older file: every category flags by default */
            ck_assert_uint_eq(clf_model_format_version(m), cases[i].version);
            for (size_t k = 0; k < NCATS; k++)
                ck_assert_int_eq(clf_model_category_flags_by_default(m, k), 1);
            clf_model_free(m);
        }
        free(b);
    }
    free(buf);
    /* the shipped model (format 3 or older) flags every category */
    ck_assert_int_eq(clf_model_load(&m, clf_test_source_path("models/arabic-default.clf")), CLF_OK);
    if (clf_model_format_version(m) < 4)
        for (size_t k = 0; k < clf_model_num_categories(m); k++)
            ck_assert_int_eq(clf_model_category_flags_by_default(m, k), 1);
    clf_model_free(m);
}
END_TEST

/* A writer thread for a FIFO: the model bytes, then junk until the reader
 * closes (or `junk` is 0: close right after the model). */
typedef struct fifo_arg {
    const char *path;
    const unsigned char *data;
    size_t len;
    int junk;
} fifo_arg;

static void *fifo_writer(void *p)
{
    fifo_arg *a = p;
    int fd = open(a->path, O_WRONLY);
    if (fd < 0)
        return NULL;
    size_t off = 0;
    while (off < a->len) {
        ssize_t k = write(fd, a->data + off, a->len - off);
        if (k <= 0)
            break;
        off += (size_t)k;
    }
    static const unsigned char zeros[4096];
    while (a->junk && write(fd, zeros, sizeof zeros) > 0)
        ;
    close(fd);
    return NULL;
}

START_TEST(endless_streams)
{
    /* /dev/zero: no magic in the first bytes, stop there (it read forever) */
    expect_load_error("/dev/zero", CLF_E_MODEL_FORMAT, "no CLFMODEL magic");
    signal(SIGPIPE, SIG_IGN);
    fixture f;
    fixture_init(&f, CLF_MODEL_WEIGHTS_I16);
    size_t len;
    unsigned char *buf = write_fixture(&f, &len);
    char path[512];
    snprintf(path, sizeof path, "%s/model.fifo", clf_test_tmpdir());
    unlink(path);
    ck_assert_int_eq(mkfifo(path, 0600), 0);
    for (int junk = 0; junk < 2; junk++) {
        fifo_arg a = { path, buf, len, junk };
        pthread_t t;
        ck_assert_int_eq(pthread_create(&t, NULL, fifo_writer, &a), 0);
        clf_model *m = NULL;
        int rc = clf_model_load(&m, path);
        if (junk) {
            /* a valid model followed by an endless stream: stop at the stated size */
            ck_assert_int_eq(rc, CLF_E_MODEL_FORMAT);
            ck_assert_msg(strstr(clf_last_error(), "trailing data after the"), "%s",
                          clf_last_error());
        } else {
            ck_assert_msg(rc == CLF_OK, "%s", clf_last_error());
            ck_assert_uint_eq(clf_model_num_categories(m), NCATS);
            clf_model_free(m);
        }
        pthread_join(t, NULL);
    }
    unlink(path);
    free(buf);
}
END_TEST

static Suite *model_suite(void)
{
    Suite *s = suite_create("model");
    TCase *tc = tcase_create("format");
    tcase_add_test(tc, roundtrip_f32);
    tcase_add_test(tc, roundtrip_i16);
    tcase_add_test(tc, roundtrip_file);
    tcase_add_test(tc, deterministic);
    tcase_add_test(tc, no_idf_and_no_rows);
    tcase_add_test(tc, load_errors);
    tcase_add_test(tc, null_model);
    tcase_add_test(tc, truncation_every_length);
    tcase_add_test(tc, every_byte_changed);
    tcase_add_test(tc, every_byte_changed_checksum_fixed);
    tcase_add_test(tc, newer_version);
    tcase_add_test(tc, corrupted_fields);
    tcase_add_test(tc, writer_rejects_bad_specs);
    tcase_add_test(tc, writer_is_atomic);
    tcase_add_test(tc, fuzz_seeds);
    tcase_add_test(tc, default_model_memory);
    tcase_add_test(tc, sparse_model_memory);
    tcase_add_test(tc, i16_five_categories_rows);
    tcase_add_test(tc, big_model_lookups);
    tcase_add_test(tc, forged_weight_scales);
    tcase_add_test(tc, forged_deps);
    tcase_add_test(tc, category_flags);
    tcase_add_test(tc, endless_streams);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return clf_test_run(model_suite());
}
