/*
 * corpus.h - reading records (documents, optionally labeled) from the
 * formats libclassify accepts: plain text (one document per line), the
 * corpus TSV format (id<TAB>labels<TAB>text, labels comma-separated, an
 * optional header line), fastText (__label__a __label__b text) and JSON
 * Lines ({"id":..., "text":..., "labels":[...]}; other fields are kept).
 *
 * Used by training (labeled corpora), evaluation and `classify score`; it
 * depends on the runtime and jansson only, never on training/.
 * A reader never drops or reorders a line: a malformed line comes back as a
 * record with an error set, and the caller decides (fail, skip and count,
 * or emit an error record). One truncation rule for every format: a
 * record's text keeps its first max_record_bytes bytes, cut back to a UTF-8
 * character boundary, and the record is marked truncated. Memory is bounded
 * by a few times max_record_bytes: the part of a line beyond what can hold
 * such a text (plus its id, labels or JSON syntax) is discarded unread.
 */
#ifndef CLF_CORPUS_H
#define CLF_CORPUS_H

#include <stddef.h>
#include <stdio.h>

typedef enum clf_format {
    CLF_FORMAT_AUTO = 0,  /* decided from the first non-empty line */
    CLF_FORMAT_TEXT,
    CLF_FORMAT_TSV,
    CLF_FORMAT_FASTTEXT,
    CLF_FORMAT_JSONL,
    CLF_FORMAT_DOC        /* the whole input is one document (id: the name) */
} clf_format;

/* clf_format_parse - "auto", "text", "tsv", "fasttext", "jsonl", "doc"; -1 if unknown. */
int clf_format_parse(const char *name);
const char *clf_format_name(clf_format f);

typedef struct clf_reader_options {
    size_t max_record_bytes;  /* limit on a record's text; default 1 MiB
                                 (CLF_NORM_DEFAULT_MAX_BYTES) */
    const char *text_field;   /* JSONL: default "text" */
    const char *id_field;     /* JSONL: default "id" */
    const char *labels_field; /* JSONL: default "labels" */
    clf_format auto_fallback; /* AUTO, when the first line is not jsonl/tsv/fasttext:
                                 CLF_FORMAT_TEXT (0 means that) or CLF_FORMAT_DOC */
} clf_reader_options;

#define CLF_READER_OPTIONS_INIT { 0, NULL, NULL, NULL, CLF_FORMAT_AUTO }

typedef struct clf_record {
    size_t line;              /* 1-based line number in the file */
    const char *id;           /* NUL-terminated; "<line>" when the format has none */
    const char *text;         /* NUL-terminated; not validated beyond UTF-8 */
    size_t text_len;
    size_t n_labels;
    const char *const *labels;/* NUL-terminated names; empty list = benign */
    int has_labels;           /* the format carries labels (tsv, fasttext, jsonl with field) */
    int truncated;            /* the line exceeded max_record_bytes */
    int error;                /* CLF_OK, or CLF_E_PARSE / CLF_E_UTF8 for this record */
    const char *error_msg;    /* human-readable, names the problem; "" when none */
    void *json;               /* JSONL: the record's json_t object (borrowed), else NULL */
} clf_record;

typedef struct clf_reader clf_reader;

/*
 * clf_reader_open - open path ("-" = stdin) for reading records in format
 * fmt (CLF_FORMAT_AUTO detects it). opts may be NULL.
 * With CLF_FORMAT_AUTO the reader reads ahead to the first non-empty line
 * here (without consuming it), so clf_reader_format is known on return
 * (docs/input-formats.md).
 * Errors: CLF_E_IO (message names the path), CLF_E_NOMEM, CLF_E_INVALID_ARG.
 */
int clf_reader_open(clf_reader **out, const char *path, clf_format fmt,
                    const clf_reader_options *opts);

/*
 * clf_reader_open_file - same for an already open FILE (not closed by the
 * reader). The reader reads the FILE's descriptor directly (fread only when
 * it has none, as with fmemopen), so nothing may have been read from the
 * FILE through stdio before.
 */
int clf_reader_open_file(clf_reader **out, FILE *f, const char *name, clf_format fmt,
                         const clf_reader_options *opts);

/*
 * clf_reader_next - read the next record into *rec (valid until the next
 * call). Returns 1 when a record was read (check rec->error), 0 at end of
 * input, or a negative error (CLF_E_IO) when reading failed.
 * Empty lines are records too in the text format (empty document); in the
 * other formats they are skipped (and counted in clf_reader_skipped_blank).
 * A TSV header line (id<TAB>labels<TAB>text) is skipped.
 */
int clf_reader_next(clf_reader *r, clf_record *rec);

/* clf_reader_format - the format in use (after detection). */
clf_format clf_reader_format(const clf_reader *r);

/*
 * clf_reader_skipped_blank - how many empty lines were skipped so far (tsv,
 * fasttext and jsonl formats; always 0 for text, where they are records).
 */
size_t clf_reader_skipped_blank(const clf_reader *r);

/*
 * clf_reader_buffered - bytes read from the input but not yet returned as
 * records. 0 means the next clf_reader_next may wait for input (a pipe):
 * a streaming caller writes its results out first.
 */
size_t clf_reader_buffered(const clf_reader *r);

/* clf_reader_name - the path or name given at open. */
const char *clf_reader_name(const clf_reader *r);

void clf_reader_close(clf_reader *r);

#endif /* CLF_CORPUS_H */
