/*
 * version.c - run-time version of the linked library.
 */
#include "classify/version.h"

CLF_API int clf_version_number(void)
{
    return CLF_VERSION_NUMBER;
}

CLF_API const char *clf_version_string(void)
{
    return CLF_VERSION_STRING;
}
