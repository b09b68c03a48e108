/*
 * norm_prebuilt.h - the normalizer's tables as generated at build time by
 * gen/norm_tablegen.c (output in the build directory, never committed: it
 * would go stale with the ICU it came from). They are what a normalizer
 * with clf__norm_pre_flags builds at run time once every page is built, and
 * are used only when the running ICU is the one they were generated with
 * (normalize.c checks at the first normalizer). Not installed.
 */
#ifndef CLF_NORM_PREBUILT_H
#define CLF_NORM_PREBUILT_H

#include <stddef.h>
#include <stdint.h>

#include "norm_internal.h"

extern const char clf__norm_pre_icu_version[];     /* u_getVersion() of the generator, "72.1" */
extern const char clf__norm_pre_unicode_version[]; /* its Unicode version, "15.0" */
extern const unsigned int clf__norm_pre_flags;      /* the CLF_NORM_* the tables are for */
extern const uint32_t clf__norm_pre_ent[CLF__NTAB_SIZE];
extern const uint8_t clf__norm_pre_cls[CLF__NTAB_SIZE];
extern const uint8_t clf__norm_pre_prop[CLF__NTAB_SIZE]; /* the shared property bytes */
extern const uint32_t clf__norm_pre_mpool[];
extern const size_t clf__norm_pre_mpool_len;

#endif /* CLF_NORM_PREBUILT_H */
