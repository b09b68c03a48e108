/*
 * args.c - checked option value parsing (args.h).
 */
#include "args.h"

#include <stdio.h>

#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int clf_cli_parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
    if (!s || !*s)
        return -1;
    uint64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1; /* would wrap */
        v = v * 10 + d;
    }
    if (v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

int clf_cli_parse_uint(const char *s, unsigned int lo, unsigned int hi, unsigned int *out)
{
    uint64_t v;
    if (clf_cli_parse_u64(s, lo, hi, &v))
        return -1;
    *out = (unsigned int)v;
    return 0;
}

int clf_cli_parse_size(const char *s, size_t lo, size_t hi, size_t *out)
{
    if (!s || !*s)
        return -1;
    size_t n = strlen(s);
    uint64_t mul = 1;
    switch (s[n - 1]) {
    case 'k': case 'K': mul = (uint64_t)1 << 10; break;
    case 'M': mul = (uint64_t)1 << 20; break;
    case 'G': mul = (uint64_t)1 << 30; break;
    default: break;
    }
    char digits[32];
    size_t dl = mul == 1 ? n : n - 1;
    if (dl == 0 || dl >= sizeof digits)
        return -1;
    memcpy(digits, s, dl);
    digits[dl] = '\0';
    uint64_t v;
    if (clf_cli_parse_u64(digits, 0, UINT64_MAX / mul, &v))
        return -1;
    v *= mul;
    if (v > SIZE_MAX || v < lo || v > hi)
        return -1;
    *out = (size_t)v;
    return 0;
}

int clf_cli_parse_double(const char *s, double lo, double hi, double *out)
{
    if (!s || !*s)
        return -1;
    /* strtod would skip spaces and take hex, "nan" and "inf" */
    if (!strchr("0123456789.-+", s[0]) || strpbrk(s, "xXnN"))
        return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || errno == ERANGE || !isfinite(v) || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

int clf_cli_parse_range(const char *s, unsigned int lo, unsigned int hi, unsigned int *a,
                        unsigned int *b)
{
    if (!s)
        return -1;
    const char *dash = strchr(s, '-');
    char first[32];
    size_t fl = dash ? (size_t)(dash - s) : strlen(s);
    if (fl == 0 || fl >= sizeof first)
        return -1;
    memcpy(first, s, fl);
    first[fl] = '\0';
    unsigned int x, y;
    if (clf_cli_parse_uint(first, lo, hi, &x))
        return -1;
    if (!dash)
        y = x;
    else if (clf_cli_parse_uint(dash + 1, lo, hi, &y) || y < x)
        return -1;
    *a = x;
    *b = y;
    return 0;
}

/* one "C=P" of length n */
static int parse_one(const char *s, size_t n, clf_cli_thresholds *t)
{
    const char *eq = memchr(s, '=', n);
    if (!eq || eq == s || (size_t)(eq - s) >= sizeof t->names[0] || t->n == CLF_CLI_MAX_THRESHOLDS)
        return -1;
    char val[64];
    size_t vl = n - (size_t)(eq + 1 - s);
    if (vl == 0 || vl >= sizeof val)
        return -1;
    memcpy(val, eq + 1, vl);
    val[vl] = '\0';
    double v;
    if (clf_cli_parse_double(val, 0.0, 1.0, &v))
        return -1;
    memcpy(t->names[t->n], s, (size_t)(eq - s));
    t->names[t->n][eq - s] = '\0';
    t->values[t->n++] = v;
    return 0;
}

int clf_cli_parse_thresholds(const char *s, clf_cli_thresholds *t)
{
    if (!s || !*s)
        return -1;
    size_t n0 = t->n;
    for (const char *p = s;;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        if (parse_one(p, n, t)) {
            t->n = n0; /* all or nothing */
            return -1;
        }
        if (!comma)
            return 0;
        p = comma + 1;
    }
}

int clf_cli_parse_category_list(const char *s, double v, clf_cli_thresholds *t)
{
    if (!s || !*s)
        return -1;
    size_t n0 = t->n;
    for (const char *p = s;;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        if (n == 0 || n >= sizeof t->names[0] || t->n == CLF_CLI_MAX_THRESHOLDS) {
            t->n = n0; /* all or nothing */
            return -1;
        }
        memcpy(t->names[t->n], p, n);
        t->names[t->n][n] = '\0';
        t->values[t->n++] = v;
        if (!comma)
            return 0;
        p = comma + 1;
    }
}

int clf_cli_opt_uint(const char *cmd, const char *opt, const char *arg, unsigned int lo,
                     unsigned int hi, const char *unit, unsigned int *out)
{
    if (clf_cli_parse_uint(arg, lo, hi, out) == 0)
        return 0;
    return clf_cli_usage_error(cmd, "%s: %u..%u%s%s, not '%s'", opt, lo, hi, unit ? " " : "",
                               unit ? unit : "", arg);
}

/* "1G" rather than 1073741824 in messages */
static void size_name(size_t v, char *buf, size_t size)
{
    static const char suffix[] = "kMG";
    int i = -1;
    while (i < 2 && v >= 1024 && v % 1024 == 0) {
        v /= 1024;
        i++;
    }
    if (i < 0)
        snprintf(buf, size, "%zu", v);
    else
        snprintf(buf, size, "%zu%c", v, suffix[i]);
}

int clf_cli_opt_size(const char *cmd, const char *opt, const char *arg, size_t lo, size_t hi,
                     size_t *out)
{
    if (clf_cli_parse_size(arg, lo, hi, out) == 0)
        return 0;
    char a[32], b[32];
    size_name(lo, a, sizeof a);
    size_name(hi, b, sizeof b);
    return clf_cli_usage_error(cmd, "%s: a size from %s to %s, not '%s'", opt, a, b, arg);
}
