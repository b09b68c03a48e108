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

/*
 * libstemmer, opened at the first clf__libstemmer_new() of the process
 * (stem_libstemmer.c): the words clf__stem_arabic() gives back.
 * clf__libstemmer_new - an "arabic" UTF-8 stemmer; NULL with CLF_E_STEMMER
 * recorded when libstemmer cannot be loaded or refuses. One per thread.
 * clf__libstemmer_stem - the stem of word[0..len) (valid until the next
 * call on st) and its length in *out_len; NULL when out of memory.
 * clf__libstemmer_delete - frees st (NULL is fine).
 */
struct sb_stemmer;
typedef unsigned char sb_symbol;
struct sb_stemmer *clf__libstemmer_new(void);
const sb_symbol *clf__libstemmer_stem(struct sb_stemmer *st, const sb_symbol *word, int len,
                                      int *out_len);
void clf__libstemmer_delete(struct sb_stemmer *st);

#endif /* CLF_STEM_INTERNAL_H */
