/*
 * args.h - the one checked parser for option values of every classify
 * command: whole strings only (no leading spaces or signs, no trailing
 * junk), no silent wrap-around or truncation, finite numbers, ranges
 * checked. Each returns 0 on success and -1 (output untouched) otherwise.
 */
#ifndef CLF_CLI_ARGS_H
#define CLF_CLI_ARGS_H

#include <stddef.h>
#include <stdint.h>

/* clf_cli_parse_u64 - decimal digits only, value in [lo, hi]. */
int clf_cli_parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out);

/* clf_cli_parse_uint - the same for an unsigned int. */
int clf_cli_parse_uint(const char *s, unsigned int lo, unsigned int hi, unsigned int *out);

/* clf_cli_parse_size - decimal digits with an optional k, M or G suffix (powers of 1024). */
int clf_cli_parse_size(const char *s, size_t lo, size_t hi, size_t *out);

/* clf_cli_parse_double - a finite decimal number in [lo, hi] ("0.5", "1e-3"; no hex, nan, inf). */
int clf_cli_parse_double(const char *s, double lo, double hi, double *out);

/* clf_cli_parse_range - "A-B" (A <= B) or "A" (A-A), both in [lo, hi]. */
int clf_cli_parse_range(const char *s, unsigned int lo, unsigned int hi, unsigned int *a,
                        unsigned int *b);

/*
 * clf_cli_opt_uint, clf_cli_opt_size - an option's value through the
 * parsers above; on a bad value print the usage error "classify CMD: OPT:
 * LO..HI UNIT, not 'ARG'" (sizes: "a size from LO to HI") and return 2,
 * else store it and return 0. unit may be NULL.
 */
int clf_cli_opt_uint(const char *cmd, const char *opt, const char *arg, unsigned int lo,
                     unsigned int hi, const char *unit, unsigned int *out);
int clf_cli_opt_size(const char *cmd, const char *opt, const char *arg, size_t lo, size_t hi,
                     size_t *out);

/*
 * Category thresholds: "-t C=P", repeatable, and each may hold a comma
 * list "C=P,D=Q"; P in [0,1]. The same syntax in score and eval.
 */
#define CLF_CLI_MAX_THRESHOLDS 32
typedef struct clf_cli_thresholds {
    size_t n;
    char names[CLF_CLI_MAX_THRESHOLDS][128];
    double values[CLF_CLI_MAX_THRESHOLDS];
} clf_cli_thresholds;

/* clf_cli_parse_thresholds - append the thresholds of s to t; -1 on bad syntax or too many. */
int clf_cli_parse_thresholds(const char *s, clf_cli_thresholds *t);

/* clf_cli_parse_category_list - append each category of "C[,D...]" to t with the
 * value v (--flag, --report-only); -1 on an empty name or too many. */
int clf_cli_parse_category_list(const char *s, double v, clf_cli_thresholds *t);

#endif
