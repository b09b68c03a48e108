/*
 * util.h - small helpers shared by the classify subcommands.
 */
#ifndef CLF_CLI_UTIL_H
#define CLF_CLI_UTIL_H

#include <stddef.h>
#include <stdio.h>

/*
 * clf_cli_default_model - the path of the default model: $CLF_MODEL, else
 * models/arabic-default.clf in the installed data directory, beside the
 * executable (../share/libclassify/models), or in the source tree. Returns
 * the first that exists, or NULL (with a message to stderr).
 */
const char *clf_cli_default_model(void);

/* clf_cli_die_usage - print "classify CMD: msg" and a --help hint; returns 2. */
int clf_cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* clf_cli_parse_size - parse a non-negative integer with optional k/M/G suffix. */
int clf_cli_parse_size(const char *s, size_t *out);

/* clf_cli_parse_threshold - parse "name=value"; returns 0 on success. */
int clf_cli_parse_threshold(const char *s, char *name, size_t name_size, double *value);

/*
 * clf_cli_atomic_open / commit - write a file through a temp file in the
 * same directory that replaces `path` only when complete.
 * clf_cli_atomic_commit closes the stream and renames (or removes the temp
 * file when ok == 0). Both return 0 on success, -1 after printing an error.
 */
typedef struct clf_cli_atomic {
    FILE *f;
    char tmp[4096];
    char path[4096];
} clf_cli_atomic;
int clf_cli_atomic_open(clf_cli_atomic *a, const char *path);
int clf_cli_atomic_commit(clf_cli_atomic *a, int ok);

/* clf_cli_is_stream - the FILE is a pipe or terminal (flush per record). */
int clf_cli_is_stream(FILE *f);

#endif
