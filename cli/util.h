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

/*
 * clf_cli_sanitize_fds - make sure fds 0-2 are open before anything else
 * opens a file: a closed stdout would otherwise become the first file
 * opened (a model's temp file), and output would land in it. A closed
 * one is reopened on /dev/null in the wrong direction, so every use fails
 * as it would on the closed descriptor (and the exit status says so).
 */
void clf_cli_sanitize_fds(void);

/*
 * clf_cli_close_stdout - flush and close stdout; 0, or -1 after printing
 * "classify CMD: write error: ..." (a full disk, /dev/full, a closed pipe).
 */
int clf_cli_close_stdout(const char *cmd);

/* clf_cli_memdup - a malloc'ed NUL-terminated copy of n bytes (which may hold NULs), or NULL. */
char *clf_cli_memdup(const char *s, size_t n);

/*
 * clf_cli_corpora_dir - the corpora root of train and eval: *dir is the
 * --corpora value (or NULL) on entry; without one it becomes $CLF_CORPORA,
 * or stays NULL (the recipe's "corpora_root", else its folder, decides:
 * clf_recipe_root). Returns 0, or 2 after printing "classify CMD: corpora
 * directory D: ..." when the directory given does not exist.
 */
int clf_cli_corpora_dir(const char *cmd, const char **dir);

/* clf_cli_is_stream - the FILE is a pipe or terminal (flush per record). */
int clf_cli_is_stream(FILE *f);

#endif
