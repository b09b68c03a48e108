/*
 * compat.h - TEMPORARY: the 0.2 API names on top of the 0.1 library, until
 * the 0.2 API lands on main. Removed then.
 */
#ifndef CLF_SERVE_COMPAT_H
#define CLF_SERVE_COMPAT_H
#include "classify.h"
#ifndef CLF_ABSTAIN_NONE
#define SRV_OLD_API 1
#define CLF_ABSTAIN_NONE 0
typedef struct clf_doc_info {
    int truncated;
    size_t scored_bytes;
    int abstain;
} clf_doc_info;
static inline const char *clf_abstain_name(int r) { return r ? "unknown" : "none"; }
static inline uint64_t clf_model_checksum(const clf_model *m) { (void)m; return 0; }
static inline const char *clf_model_id(const clf_model *m) { return clf_model_name(m); }
#endif
#endif
