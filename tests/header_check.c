/*
 * header_check.c - the public header must compile alone, as strict C11
 * (-std=c11 -pedantic -Werror), with nothing but itself included.
 */
#include <classify.h>

int clf_header_check(void);
int clf_header_check(void)
{
    clf_norm_options n = CLF_NORM_OPTIONS_INIT;
    clf_feature_options f = CLF_FEATURE_OPTIONS_INIT;
    return (int)(n.version + f.version) + CLF_VERSION_NUMBER;
}
