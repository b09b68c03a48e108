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
 * "features": {...}}} for the flagged categories of ex, or for all of them
 * when all != 0. A word is {"word": as written, "normalized", "kind",
 * "count", "contribution", "spans": [{"start","end","cp_start","cp_end",
 * "u16_start","u16_end"}]}; a feature {"feature", "family", "kind",
 * "contribution"}. New reference, NULL when out of memory.
 */
json_t *clf_cli_explanation_json(const clf_explanation *ex, const clf_model *m, int all);

#endif
