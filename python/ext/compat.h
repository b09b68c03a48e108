/*
 * compat.h - TEMPORARY: the 0.2 API on top of the 0.1 library, until the
 * 0.2 API lands on main. Removed then.
 */
#ifndef CLFPY_COMPAT_H
#define CLFPY_COMPAT_H

#include <classify.h>

#if CLF_VERSION_NUMBER < 200
typedef struct clf_doc_info {
    int truncated;
    size_t scored_bytes;
    int abstain;
} clf_doc_info;

static inline int clfpy_compat_score(clf_scorer *s, const char *text, size_t len,
                                     clf_score_result *results, size_t capacity,
                                     clf_doc_info *info)
{
    (void)capacity;
    int trunc = 0;
    int rc = (clf_score)(s, text, len, results, &trunc);
    if (info) {
        info->truncated = trunc;
        info->scored_bytes = len;
        info->abstain = 0;
    }
    return rc;
}
#define clf_score clfpy_compat_score

static inline int clfpy_compat_category_index(const clf_model *m, const char *name, size_t *out)
{
    int i = (clf_model_category_index)(m, name);
    if (i < 0)
        return CLF_E_NOT_FOUND;
    *out = (size_t)i;
    return CLF_OK;
}
#define clf_model_category_index clfpy_compat_category_index

static inline int clf_scorer_set_max_bytes(clf_scorer *s, size_t max_bytes)
{
    (void)s;
    (void)max_bytes;
    return CLF_OK;
}
static inline uint64_t clf_model_checksum(const clf_model *m)
{
    (void)m;
    return 0;
}
static inline const char *clf_model_id(const clf_model *m)
{
    return clf_model_name(m);
}
static inline const char *clf_abstain_name(int reason)
{
    return reason ? "?" : "none";
}
#endif

#endif /* CLFPY_COMPAT_H */
