/*
 * test_corpus_stem.c - the Arabic stemmer written over code points
 * (libclassify/features/stem_arabic.c) gives libstemmer's stem, byte for
 * byte: on every whitespace-separated token of every text of the shared
 * corpora, as written and after the default normalization (corpus label:
 * missing corpora fail in CI, see testutil.c), and on generated words made
 * of the letters the rules look at. It must: stems are hashed into the stem
 * family's buckets, which are part of the model format.
 *
 * The fast path must also really be taken: tokens it hands back to
 * libstemmer (above U+FFFF, invalid UTF-8, over 128 code points) are
 * checked to be few and to be only those.
 */
#include <dirent.h>
#include <libstemmer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "features/stem_internal.h"
#include "testutil.h"

typedef struct tally {
    struct sb_stemmer *lib;
    size_t tokens, handed_back, mismatches;
} tally;

/* Compare one word's stems; report the first few differences. */
static void compare(tally *t, const char *p, size_t n)
{
    if (n == 0)
        return;
    const sb_symbol *r = sb_stemmer_stem(t->lib, (const sb_symbol *)p, (int)n);
    ck_assert_ptr_nonnull(r);
    int rl = sb_stemmer_length(t->lib);
    char out[1024];
    size_t ol = 0;
    t->tokens++;
    if (clf__stem_arabic(p, n, out, sizeof out, &ol) != 0) {
        t->handed_back++;
        return;
    }
    if ((size_t)rl != ol || memcmp(out, r, ol) != 0) {
        if (t->mismatches < 10)
            fprintf(stderr, "stem of \"%.*s\": libstemmer \"%.*s\", stem_arabic.c \"%.*s\"\n",
                    (int)n, p, rl, (const char *)r, (int)ol, out);
        t->mismatches++;
    }
}

static void compare_words(tally *t, const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
            i++;
        size_t j = i;
        while (j < n && s[j] != ' ' && s[j] != '\t' && s[j] != '\r')
            j++;
        compare(t, s + i, j - i);
        i = j;
    }
}

static size_t put_utf8(char *b, uint32_t c)
{
    if (c < 0x80) {
        b[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        b[0] = (char)(0xC0 | (c >> 6));
        b[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        b[0] = (char)(0xE0 | (c >> 12));
        b[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        b[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    b[0] = (char)(0xF0 | (c >> 18));
    b[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    b[2] = (char)(0x80 | ((c >> 6) & 0x3F));
    b[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

/* Words of 1-10 letters from the letters of the affixes, hamza forms,
 * alef maqsura, teh marbuta, a haraka, tatweel, ligatures, shaped forms,
 * an Arabic-Indic digit and a Latin letter. */
START_TEST(test_generated_words)
{
    static const uint32_t alpha[] = {
        0x0627, 0x0628, 0x062A, 0x0633, 0x0641, 0x0643, 0x0644, 0x0645, 0x0646, 0x0647,
        0x0648, 0x064A, 0x0629, 0x0649, 0x0623, 0x0625, 0x0622, 0x0624, 0x0626, 0x0621,
        0x064E, 0x0651, 0x0640, 0xFEFB, 0xFEF7, 0xFEF5, 0xFE8E, 0xFEE0, 0xFE91, 0x0663,
        0x062C, 'a'};
    tally t = {sb_stemmer_new("arabic", "UTF_8"), 0, 0, 0};
    ck_assert_ptr_nonnull(t.lib);
    uint64_t x = 1;
    for (int it = 0; it < 400000; it++) {
        char buf[64];
        size_t k = 0;
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        int n = 1 + (int)((x >> 60) % 10);
        for (int i = 0; i < n; i++) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            k += put_utf8(buf + k, alpha[(x >> 33) % (sizeof alpha / sizeof *alpha)]);
        }
        compare(&t, buf, k);
    }
    ck_assert_uint_eq(t.mismatches, 0);
    ck_assert_uint_eq(t.handed_back, 0);
    sb_stemmer_delete(t.lib);
}
END_TEST

/* What the fast path hands back, and only that. */
START_TEST(test_handed_back)
{
    char out[1024], buf[1024];
    size_t ol, k = 0;
    ck_assert_int_eq(clf__stem_arabic("\xd9\x83\xd8\xaa\xd8\xa7\xd8\xa8", 8, out, sizeof out, &ol), 0);
    ck_assert_int_eq(clf__stem_arabic("\xd9\x83\xf0\x9f\x98\x82", 6, out, sizeof out, &ol), -1);
    ck_assert_int_eq(clf__stem_arabic("\xd9\x83\xd9", 3, out, sizeof out, &ol), -1);
    ck_assert_int_eq(clf__stem_arabic("\xc0\x80", 2, out, sizeof out, &ol), -1);
    ck_assert_int_eq(clf__stem_arabic("\xed\xa0\x80", 3, out, sizeof out, &ol), -1);
    for (int i = 0; i < 128; i++)
        k += put_utf8(buf + k, 0x062C); /* jeem: in no affix */
    ck_assert_int_eq(clf__stem_arabic(buf, k, out, sizeof out, &ol), 0);
    ck_assert_int_eq(clf__stem_arabic(buf, k, out, 10, &ol), -1); /* out too small */
    k += put_utf8(buf + k, 0x0643);
    ck_assert_int_eq(clf__stem_arabic(buf, k, out, sizeof out, &ol), -1);
}
END_TEST

START_TEST(test_corpora_tokens)
{
    const char *dir = clf_test_corpora_dir();
    if (!dir)
        return;
    tally t = {sb_stemmer_new("arabic", "UTF_8"), 0, 0, 0};
    ck_assert_ptr_nonnull(t.lib);
    clf_normalizer *norm = NULL;
    ck_assert_int_eq(clf_normalizer_new(&norm, NULL), CLF_OK);
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    struct dirent *e;
    size_t files = 0, texts = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        static const char *const splits[] = {"train.tsv", "dev.tsv"};
        for (int sp = 0; sp < 2; sp++) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s/%s", dir, e->d_name, splits[sp]);
            size_t len;
            char *data = clf_test_read_file(path, &len);
            if (!data)
                continue;
            files++;
            char *line = strchr(data, '\n'); /* after the header */
            while (line && *++line) {
                char *end = strchr(line, '\n');
                size_t ll = end ? (size_t)(end - line) : strlen(line);
                char *t1 = memchr(line, '\t', ll);
                char *t2 = t1 ? memchr(t1 + 1, '\t', ll - (size_t)(t1 + 1 - line)) : NULL;
                if (t2) {
                    const char *text = t2 + 1;
                    size_t tl = ll - (size_t)(text - line);
                    compare_words(&t, text, tl);
                    const char *o;
                    size_t on;
                    if (clf_normalize(norm, text, tl, &o, &on, NULL) == CLF_OK)
                        compare_words(&t, o, on);
                    texts++;
                }
                line = end;
            }
            free(data);
        }
    }
    closedir(d);
    fprintf(stderr, "stems compared: %zu tokens of %zu texts in %zu files, %zu handed back\n",
            t.tokens, texts, files, t.handed_back);
    ck_assert_msg(files >= 2 && t.tokens > 100000, "only %zu tokens in %zu files", t.tokens, files);
    ck_assert_msg(t.mismatches == 0, "%zu of %zu tokens stem differently", t.mismatches, t.tokens);
    ck_assert_msg(t.handed_back * 20 < t.tokens, "%zu of %zu tokens handed back to libstemmer",
                  t.handed_back, t.tokens);
    clf_normalizer_free(norm);
    sb_stemmer_delete(t.lib);
}
END_TEST

int main(void)
{
    clf_test_corpora_or_skip();
    Suite *s = suite_create("stem");
    TCase *tc = tcase_create("stem");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_generated_words);
    tcase_add_test(tc, test_handed_back);
    tcase_add_test(tc, test_corpora_tokens);
    suite_add_tcase(s, tc);
    return clf_test_run(s);
}
