/*
 * classify/version.h - the library version, at compile time and at run time.
 * CMake reads CLF_VERSION_MAJOR/MINOR/PATCH from this file: it is the one
 * place the version is written.
 */
#ifndef CLASSIFY_VERSION_H
#define CLASSIFY_VERSION_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CLF_VERSION_MAJOR 0
#define CLF_VERSION_MINOR 3
#define CLF_VERSION_PATCH 0

#define CLF_VERSION_NUMBER \
    (CLF_VERSION_MAJOR * 10000 + CLF_VERSION_MINOR * 100 + CLF_VERSION_PATCH)
#define CLF_STRINGIFY_(x) #x
#define CLF_STRINGIFY(x) CLF_STRINGIFY_(x)
#define CLF_VERSION_STRING                                  \
    CLF_STRINGIFY(CLF_VERSION_MAJOR) "."                    \
    CLF_STRINGIFY(CLF_VERSION_MINOR) "." CLF_STRINGIFY(CLF_VERSION_PATCH)

/* clf_version_number - CLF_VERSION_NUMBER of the library actually linked. */
CLF_API int clf_version_number(void);

/* clf_version_string - "MAJOR.MINOR.PATCH" of the linked library; static. */
CLF_API const char *clf_version_string(void);

#ifdef __cplusplus
}
#endif
#endif /* CLASSIFY_VERSION_H */
