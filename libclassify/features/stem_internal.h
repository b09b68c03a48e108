/*
 * stem_internal.h - the Arabic stemmer written over code points
 * (stem_arabic.c), libstemmer's "arabic" stem for stem. Not installed.
 */
#ifndef CLF_STEM_INTERNAL_H
#define CLF_STEM_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/*
 * clf__stem_arabic - the stem of the UTF-8 word in[0..len), written to
 * out[0..cap) (not NUL-terminated), its length in *out_len. Returns 0, or
 * -1 when the word is one to give to libstemmer instead (invalid UTF-8, a
 * code point above U+FFFF, more than 128 code points, cap too small).
 * Pure and thread-safe.
 */
int clf__stem_arabic(const char *in, size_t len, char *out, size_t cap, size_t *out_len);

#endif /* CLF_STEM_INTERNAL_H */
