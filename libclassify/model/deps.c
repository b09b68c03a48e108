/*
 * deps.c - what features depend on (feature revision, ICU/Unicode, the
 * stemmer): the model's record of it and this host's, for
 * clf_model_feature_deps() and clf_runtime_feature_deps().
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "classify/model.h"
#include "features/featurize_internal.h"
#include "internal.h"
#include "model_internal.h"
#include "normalize/norm_internal.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static clf_feature_deps host;
static int host_rc;

static void build_host(void)
{
    memset(&host, 0, sizeof host);
    host.feature_revision = CLF_FEATURE_REVISION;
    clf__icu_versions(host.unicode_version, host.icu_version, sizeof host.unicode_version);
    host_rc = clf__stemmer_fingerprint(host.stemmer, sizeof host.stemmer);
}

CLF_API int clf_runtime_feature_deps(clf_feature_deps *out)
{
    if (!out)
        return clf__error(CLF_E_INVALID_ARG, "clf_runtime_feature_deps: NULL argument");
    pthread_once(&once, build_host);
    if (host_rc != CLF_OK)
        return clf__error(host_rc, "libstemmer: cannot fingerprint the arabic stemmer");
    *out = host;
    return CLF_OK;
}

CLF_API int clf_model_feature_deps(const clf_model *m, clf_feature_deps *out)
{
    if (!m || !out)
        return clf__error(CLF_E_INVALID_ARG, "clf_model_feature_deps: NULL argument");
    *out = m->deps;
    return CLF_OK;
}
