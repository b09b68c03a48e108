/*
 * internal.h - helpers shared by every file of the library. Not installed.
 */
#ifndef CLF_INTERNAL_H
#define CLF_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "classify/common.h"

#if defined(__GNUC__)
#  define CLF_PRINTF(a, b) __attribute__((format(printf, a, b)))
#  define CLF_LIKELY(x) __builtin_expect(!!(x), 1)
#  define CLF_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#  define CLF_PRINTF(a, b)
#  define CLF_LIKELY(x) (x)
#  define CLF_UNLIKELY(x) (x)
#endif

/*
 * clf__error - record a detailed message for the calling thread and return
 * code, so that failures read `return clf__error(CLF_E_IO, "%s: %s", ...)`.
 */
int clf__error(int code, const char *fmt, ...) CLF_PRINTF(2, 3);

/*
 * clf__utf8_decode - decode one code point of well-formed UTF-8 starting at
 * s[0] (at most n bytes available). Returns its length (1..4) and stores the
 * code point, or 0 if the bytes are not well-formed (overlong, surrogate,
 * > U+10FFFF, truncated).
 */
static inline int clf__utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned char c = s[0];
    if (c < 0x80) { *cp = c; return 1; }
    if (c < 0xC2) return 0;
    if (c < 0xE0) {
        if (n < 2 || (s[1] & 0xC0) != 0x80) return 0;
        *cp = ((uint32_t)(c & 0x1F) << 6) | (s[1] & 0x3F);
        return 2;
    }
    if (c < 0xF0) {
        if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80) return 0;
        if (c == 0xE0 && s[1] < 0xA0) return 0;      /* overlong */
        if (c == 0xED && s[1] >= 0xA0) return 0;     /* surrogate */
        *cp = ((uint32_t)(c & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
        return 3;
    }
    if (c < 0xF5) {
        if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
            return 0;
        if (c == 0xF0 && s[1] < 0x90) return 0;      /* overlong */
        if (c == 0xF4 && s[1] >= 0x90) return 0;     /* > U+10FFFF */
        *cp = ((uint32_t)(c & 0x07) << 18) | ((uint32_t)(s[1] & 0x3F) << 12) |
              ((uint32_t)(s[2] & 0x3F) << 6) | (s[3] & 0x3F);
        return 4;
    }
    return 0;
}

/* clf__utf8_encode - write cp as UTF-8 into out (room for 4); returns length. */
static inline int clf__utf8_encode(uint32_t cp, char *out)
{
    if (cp < 0x80) { out[0] = (char)cp; return 1; }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/*
 * clf__utf8_cut - the library's one truncation rule: how many of the len
 * bytes at s to keep under a limit of max bytes (0 = no limit). A longer
 * text is cut at the last UTF-8 character boundary at or below max, so a
 * valid text stays valid; the result is len when len <= max.
 */
static inline size_t clf__utf8_cut(const char *s, size_t len, size_t max)
{
    if (!max || len <= max)
        return len;
    const unsigned char *u = (const unsigned char *)s;
    size_t use = max;
    /* s[use] is the first byte dropped: while it continues a character,
     * that character straddles the limit and goes too (at most 3 back) */
    for (int back = 0; back < 3 && use > 0 && (u[use] & 0xC0) == 0x80; back++)
        use--;
    return use;
}

/*
 * CLF__OPTS_COPY - libgit2's rule for versioned option structs: a caller
 * built against an older header passes the smaller struct of its version,
 * so copy only the bytes that version had (sizes[v], v = 1..current) over
 * the defaults already in *dst. Returns 0, or -1 for an unknown version.
 */
static inline int clf__opts_copy(void *dst, const void *src, unsigned int version,
                                 const size_t *sizes, unsigned int current)
{
    if (version < 1 || version > current)
        return -1;
    memcpy(dst, src, sizes[version]);
    return 0;
}

/*
 * clf__memdup - a malloc'ed, NUL-terminated copy of n bytes (which may hold
 * NUL bytes themselves: texts keep theirs), or NULL when out of memory.
 */
char *clf__memdup(const char *s, size_t n);

/* Growable byte buffer used for scratch space. */
typedef struct clf__buf {
    char *data;
    size_t len, cap;
} clf__buf;

/* clf__buf_reserve - make room for `extra` more bytes; CLF_OK or CLF_E_NOMEM. */
int clf__buf_reserve(clf__buf *b, size_t extra);
void clf__buf_free(clf__buf *b);

#endif /* CLF_INTERNAL_H */
