/*
 * record.h - the output records of `classify score`: one JSON Lines or TSV
 * record per input record (README, "Scoring output").
 *
 * The invariant every record keeps, whatever bytes came in: it has an id
 * and exactly one of "scores" or "error", and it names the model. Bytes
 * that cannot be written as JSON text (invalid UTF-8 in a file name, in an
 * id or in a parser's message) are replaced by U+FFFD instead of dropping
 * the field. The common record is formatted directly; jansson serializes
 * only pass-through fields and explanations.
 */
#ifndef CLF_CLI_RECORD_H
#define CLF_CLI_RECORD_H

#include <stddef.h>
#include <stdio.h>

#include "classify.h"

/* A growing output buffer; on allocation failure `failed` is set and appends stop. */
typedef struct clf_cli_buf {
    char *p;
    size_t len, cap;
    int failed;
} clf_cli_buf;

void clf_cli_buf_put(clf_cli_buf *b, const char *s, size_t n);
void clf_cli_buf_free(clf_cli_buf *b);

/* clf_cli_buf_put_json_string - s[0..n) as a quoted JSON string (U+FFFD for bad bytes). */
void clf_cli_buf_put_json_string(clf_cli_buf *b, const char *s, size_t n);

/*
 * The JSON text every record of one model repeats, quoted once per run
 * (clf_cli_jsonl_names_init): `,"model":"ID"` and each category's
 * `"NAME"`. Read-only once built, so the scoring threads share it.
 */
typedef struct clf_cli_jsonl_names {
    clf_cli_buf model;  /* ,"model":"ID" */
    clf_cli_buf cats;   /* "NAME0""NAME1"... */
    size_t *cat_off;    /* ncat + 1 offsets into cats */
    size_t ncat;
} clf_cli_jsonl_names;

/* clf_cli_jsonl_names_init - quote m's id and names into nm; -1 when out of memory. */
int clf_cli_jsonl_names_init(clf_cli_jsonl_names *nm, const clf_model *m);
void clf_cli_jsonl_names_free(clf_cli_jsonl_names *nm);

/* What one output record says. */
typedef struct clf_cli_record {
    const char *id;              /* never NULL */
    const char *source;          /* input name, or NULL when not printed */
    size_t line;                 /* input line (error records) */
    const void *json;            /* JSONL input object (json_t *) for pass-through, or NULL */
    const char *id_field, *text_field; /* the input's own fields, not passed through */
    int rc;                      /* CLF_OK or the record's error */
    const char *error;           /* the message when rc != CLF_OK */
    const clf_score_result *res; /* ncat results when rc == CLF_OK */
    int truncated;
    int abstain;                 /* CLF_ABSTAIN_* */
    const clf_explanation *ex;   /* or NULL */
    int explain_all;             /* explain every category, not only the flagged ones */
    const clf_spans *spans;      /* --spans, or NULL */
    const char *text;            /* the scored text (span excerpts) */
    const clf_scorer *scorer;    /* the scorer's settings: thresholds, report-only categories */
    const clf_cli_jsonl_names *names; /* m's quoted names, or NULL (quoted each time) */
} clf_cli_record;

/* The names the tool writes itself: an input field of one of these names never passes through. */
int clf_cli_reserved_field(const char *name);

/* clf_cli_format_jsonl - append the JSON Lines record (with its newline). */
void clf_cli_format_jsonl(clf_cli_buf *b, const clf_cli_record *r, const clf_model *m);

/* clf_cli_format_tsv - append the TSV row (with its newline). */
void clf_cli_format_tsv(clf_cli_buf *b, const clf_cli_record *r, const clf_model *m);

/* clf_cli_tsv_header - the "# model: ID" line and the column names (a "signals"
 * column after "flagged" when scorer s has report-only categories). */
void clf_cli_tsv_header(FILE *out, const clf_model *m, const clf_scorer *s);

#endif
