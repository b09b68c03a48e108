/*
 * atomic.h - the one way files are written (models, reports): through a
 * temporary file in the target's directory that replaces the target only
 * when complete, so a reader sees the old file or the new one, never half.
 *
 * - A symlink is followed: the file it points to is replaced, the link
 *   stays (resolved for every link in a chain, dangling ones included).
 * - A target that exists and is not a regular file (a device such as
 *   /dev/null or /dev/stdout, a FIFO) is written through, not replaced:
 *   renaming over it would destroy it. A directory is an error.
 * - The data and the directory entry are fsync'ed before success.
 * - The temporary file is removed on error and on SIGINT/SIGTERM (handlers
 *   are installed by the first clf_atomic_open and re-raise the signal).
 * - A new file gets mode 0644; a replaced file keeps its mode.
 *
 * Errors are CLF_E_IO (path and system error in clf_last_error()),
 * CLF_E_NOMEM and CLF_E_INVALID_ARG. Not thread-safe with respect to the
 * signal registry: open and finish writers from one thread.
 */
#ifndef CLF_IO_ATOMIC_H
#define CLF_IO_ATOMIC_H

#include <stdio.h>

typedef struct clf_atomic clf_atomic;

/* clf_atomic_open - start writing path; *out gets the writer. */
int clf_atomic_open(clf_atomic **out, const char *path);

/* clf_atomic_file - the stream to write to (owned by the writer). */
FILE *clf_atomic_file(clf_atomic *a);

/*
 * clf_atomic_commit - flush, sync and put the file in place; frees a.
 * On error the target is left as it was and the temporary file removed.
 */
int clf_atomic_commit(clf_atomic *a);

/* clf_atomic_abort - drop what was written (temporary file removed); frees a. NULL is fine. */
void clf_atomic_abort(clf_atomic *a);

/*
 * clf_atomic_check - whether path could be written now: its directory
 * (after symlinks) accepts a new file, or it is a writable non-regular
 * file. Creates and removes a probe file, so read-only mounts and
 * permissions are seen as they are. For commands that work long before
 * they write (training). CLF_OK or CLF_E_IO.
 */
int clf_atomic_check(const char *path);

#endif /* CLF_IO_ATOMIC_H */
