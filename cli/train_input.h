/*
 * train_input.h - a recipe from one labeled file (classify train --input).
 */
#ifndef CLF_CLI_TRAIN_INPUT_H
#define CLF_CLI_TRAIN_INPUT_H

#include <stddef.h>

#include "recipe.h"

#define CLF_CLI_TRAIN_MAX_FLAGS 64

typedef struct clf_cli_train_input {
    const char *input;       /* labeled training file (TSV, fastText, JSONL) */
    const char *dev;         /* optional dev file: thresholds are then checked on it */
    const char *name;        /* model name (default "quick") */
    const char *map[CLF_CLI_TRAIN_MAX_FLAGS]; /* "LABEL=CATEGORY" */
    size_t n_map;
    const char *negative[CLF_CLI_TRAIN_MAX_FLAGS]; /* labels that mean "none of them" */
    size_t n_negative;
} clf_cli_train_input;

/*
 * clf_cli_train_input_recipe - the recipe: one corpus (the input file and
 * its dev file) annotating every category; each distinct label of the files
 * is a category of its own name, unless --label maps it to another
 * (several labels may share one) or --negative makes it a label of no
 * category (rows with no label are negatives too). Its paths are
 * absolute, so a saved recipe trains from any folder. *json, when json is not NULL,
 * receives the recipe text (free it). Returns 0, or -1 with err set.
 */
int clf_cli_train_input_recipe(const clf_cli_train_input *in, clf_recipe **out, char **json,
                               char *err, size_t errsize);

#endif
