/*
 * out.h - the record views of `classify score` that people read:
 * explanations as JSON (out_explain.c) and the terminal table
 * (out_table.c).
 */
#ifndef CLF_CLI_OUT_H
#define CLF_CLI_OUT_H

#include <jansson.h>
#include <stdio.h>

#include "classify.h"

/*
 * clf_cli_explanation_json - {cat: {"words": {"up": [...], "down": [...]},
 * "features": {...}}} for the flagged categories of ex, those a gate
 * suppressed and the signals of report-only categories (scorer s; their
 * object says "report_only": true), or for all of them when all != 0. A word is {"word": as written, "normalized", "kind",
 * "count", "contribution", "spans": [{"start","end","cp_start","cp_end",
 * "u16_start","u16_end"}]}; a feature {"feature", "family", "kind",
 * "contribution"}. New reference, NULL when out of memory.
 */
json_t *clf_cli_explanation_json(const clf_explanation *ex, const clf_model *m,
                                 const clf_scorer *s, int all);

/*
 * clf_cli_spans_json - [{"start","end","cp_start","cp_end","u16_start",
 * "u16_end","scores","flagged"[,"signals"][,"abstain"]}] for the spans sp of
 * text ("signals" when scorer s has report-only categories).
 * New reference, NULL when out of memory.
 */
json_t *clf_cli_spans_json(const clf_spans *sp, const clf_model *m, const clf_scorer *s,
                           const char *text);

/* One record of the table (what cmd_score knows about a document). */
typedef struct clf_cli_row {
    const char *id;
    const char *text;                /* the input, or NULL for an error record */
    size_t len;
    const clf_score_result *res;     /* num_categories entries, or NULL (error) */
    int truncated;
    int abstain;                     /* CLF_ABSTAIN_* */
    const char *error;               /* NULL unless the record is an error */
    const clf_explanation *ex;       /* NULL without --explain */
    const clf_spans *spans;          /* NULL without --spans */
    const clf_scorer *scorer;        /* thresholds and report-only categories in force */
} clf_cli_row;

/* Table settings: terminal width and colour, decided once per run. */
typedef struct clf_cli_table {
    int color;          /* ANSI colours */
    int width;          /* columns of the terminal (80 when unknown) */
    size_t top_words;   /* words listed per explained category */
    int explain_all;    /* explain every category, not only the flagged ones */
    size_t top_spans;   /* spans listed per document with --spans */
} clf_cli_table;

/*
 * clf_cli_table_init - colour when `color_mode` is 1 (always), or 0 (auto)
 * and stdout is a terminal and NO_COLOR is unset or empty; width from the
 * terminal, else $COLUMNS, else 80.
 */
void clf_cli_table_init(clf_cli_table *t, int color_mode);

/* clf_cli_table_header - the line naming the model and the thresholds in
 * force (those of s; the model's when s is NULL), then the column heads. */
void clf_cli_table_header(FILE *out, const clf_cli_table *t, const clf_model *m,
                          const clf_scorer *s);

/* clf_cli_table_row - one document: id, flagged categories with their
 * probabilities, an excerpt, and with an explanation the top words. */
void clf_cli_table_row(FILE *out, const clf_cli_table *t, const clf_model *m,
                       const clf_cli_row *r);

#endif
