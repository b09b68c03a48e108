/*
 * fuzz_normalize.c - fuzz target for clf_normalize().
 *
 * The first byte picks a set of normalization steps; the rest is the text.
 * Each input is normalized with the default steps and with the picked ones,
 * and abort() is called when an invariant breaks:
 *   - valid UTF-8 in gives CLF_OK, invalid gives CLF_E_UTF8;
 *   - the output is valid UTF-8 with no NUL, no leading, trailing or double
 *     space, and *out_len == strlen(*out);
 *   - normalizing the output again gives the output (idempotence);
 *   - the table path and the plain ICU path give the same bytes;
 *   - with a small max_bytes the text is cut at a character boundary and
 *     *truncated says so.
 * Built with replay.c (gcc, ctest over fuzz/corpus/normalize/) or with
 * clang -fsanitize=fuzzer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "normalize/norm_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define N_SETS 32

/* Flag sets: the first byte's value modulo N_SETS. */
static unsigned int flag_set(unsigned int i)
{
    static const unsigned int fixed[] = {
        CLF_NORM_ALL,
        0,
        CLF_NORM_ALL & ~CLF_NORM_NFKC,
        CLF_NORM_ALL & ~CLF_NORM_PUNCT_SPLIT,
        CLF_NORM_ALL & ~CLF_NORM_DIACRITICS,
        CLF_NORM_ALL & ~CLF_NORM_INVISIBLE,
        CLF_NORM_ALL & ~(CLF_NORM_LETTERS | CLF_NORM_DIACRITICS),
        CLF_NORM_ALL & ~CLF_NORM_CASEFOLD,
        CLF_NORM_NFKC | CLF_NORM_SPACED,
        CLF_NORM_NFKC | CLF_NORM_HASHTAGS | CLF_NORM_PLACEHOLDERS,
        CLF_NORM_ALL & ~CLF_NORM_TATWEEL,
        CLF_NORM_ALL & ~CLF_NORM_ELONGATION,
    };
    if (i < sizeof fixed / sizeof fixed[0])
        return fixed[i];
    /* the rest: pseudo-random subsets, always the same for one i */
    uint32_t x = i * 2654435761u;
    x ^= x >> 13;
    x *= 0x5bd1e995u;
    x ^= x >> 15;
    return x & CLF_NORM_ALL;
}

static clf_normalizer *fast[N_SETS], *ref[N_SETS], *small;

static clf_normalizer *make(unsigned int flags, size_t max_bytes, int reference)
{
    clf_norm_options o = CLF_NORM_OPTIONS_INIT;
    o.flags = flags;
    o.max_bytes = max_bytes;
    clf_normalizer *n;
    if (clf_normalizer_new(&n, &o) != CLF_OK) {
        fprintf(stderr, "clf_normalizer_new: %s\n", clf_last_error());
        abort();
    }
    clf__normalizer_set_reference(n, reference);
    return n;
}

static void fail(const char *what, unsigned int flags, const char *a, size_t al, const char *b,
                 size_t bl)
{
    fprintf(stderr, "fuzz_normalize: %s (flags 0x%x)\n  first:  [%.*s]\n  second: [%.*s]\n",
            what, flags, (int)al, a, (int)bl, b);
    abort();
}

/* An independent UTF-8 check (the library's own decoder is what is tested). */
static size_t utf8_valid_prefix(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        size_t k;
        uint32_t min, cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            k = 2, min = 0x80, cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            k = 3, min = 0x800, cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            k = 4, min = 0x10000, cp = c & 0x07;
        } else {
            return i;
        }
        if (i + k > n)
            return i;
        for (size_t j = 1; j < k; j++) {
            if ((s[i + j] & 0xC0) != 0x80)
                return i;
            cp = (cp << 6) | (s[i + j] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return i;
        i += k;
    }
    return n;
}

static void check_output(unsigned int flags, const char *out, size_t len)
{
    if (strlen(out) != len)
        fail("length differs from strlen (NUL inside?)", flags, out, len, "", 0);
    if (utf8_valid_prefix((const uint8_t *)out, len) != len)
        fail("output is not valid UTF-8", flags, out, len, "", 0);
    if (len && (out[0] == ' ' || out[len - 1] == ' '))
        fail("leading or trailing space", flags, out, len, "", 0);
    if (strstr(out, "  "))
        fail("double space", flags, out, len, "", 0);
}

static void run(unsigned int set, const uint8_t *text, size_t size, int valid)
{
    unsigned int flags = flag_set(set);
    if (!fast[set]) {
        fast[set] = make(flags, 0, 0);
        ref[set] = make(flags, 0, 1);
    }
    const char *out, *again;
    size_t len, alen;
    int rc = clf_normalize(fast[set], (const char *)text, size, &out, &len, NULL);
    if (!valid) {
        if (rc != CLF_E_UTF8)
            fail("invalid UTF-8 accepted", flags, (const char *)text, size, "", 0);
        return;
    }
    if (rc != CLF_OK)
        fail(clf_last_error(), flags, (const char *)text, size, "", 0);
    check_output(flags, out, len);

    if (clf_normalize(ref[set], (const char *)text, size, &again, &alen, NULL) != CLF_OK)
        fail("reference path failed", flags, out, len, clf_last_error(), 0);
    if (alen != len || memcmp(out, again, len))
        fail("table path and ICU path differ", flags, out, len, again, alen);

    /* out belongs to fast[set]: normalize a copy of it */
    char *copy = malloc(len + 1);
    if (!copy)
        abort();
    memcpy(copy, out, len + 1);
    if (clf_normalize(fast[set], copy, len, &again, &alen, NULL) != CLF_OK)
        fail("normalizing the output failed", flags, copy, len, clf_last_error(), 0);
    if (alen != len || memcmp(copy, again, len))
        fail("not idempotent", flags, copy, len, again, alen);
    free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    unsigned int set = data[0] % N_SETS;
    const uint8_t *text = data + 1;
    size_t n = size - 1;
    int valid = utf8_valid_prefix(text, n) == n;

    run(0, text, n, valid);
    if (set != 0)
        run(set, text, n, valid);

    /* truncation: cut before the character that straddles max_bytes */
    enum { SMALL = 24 };
    if (!small)
        small = make(CLF_NORM_ALL, SMALL, 0);
    const char *out;
    size_t len;
    int truncated = -1;
    int rc = clf_normalize(small, (const char *)text, n, &out, &len, &truncated);
    if (truncated != (n > SMALL))
        fail("wrong *truncated", CLF_NORM_ALL, (const char *)text, n, "", 0);
    size_t keep = n;
    if (n > SMALL) {
        keep = SMALL;
        for (int back = 0; back < 3 && keep > 0 && (text[keep] & 0xC0) == 0x80; back++)
            keep--;
    }
    int prefix_valid = utf8_valid_prefix(text, keep) == keep;
    if ((rc == CLF_OK) != prefix_valid || (rc != CLF_OK && rc != CLF_E_UTF8))
        fail("truncated text: wrong result code", CLF_NORM_ALL, (const char *)text, n,
             clf_last_error(), strlen(clf_last_error()));
    if (rc == CLF_OK)
        check_output(CLF_NORM_ALL, out, len);
    return 0;
}
