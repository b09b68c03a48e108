/*
 * signals.h - report-only categories in the outputs of `classify score` and
 * `classify serve` (README, "Report-only categories").
 *
 * A report-only category (clf_model_category_flags_by_default() = 0, or
 * `--report-only CAT`) is scored and has a threshold but is never in
 * "flagged": when its probability reaches the threshold it is an analyst
 * **signal**, listed under "signals" (JSONL, TSV, spans, serve) and marked
 * "(report-only)" in the table. Outputs show that field only when the
 * scorer has a report-only category, so a model whose categories all flag
 * gives the same bytes as before.
 */
#ifndef CLF_CLI_SIGNALS_H
#define CLF_CLI_SIGNALS_H

#include <stddef.h>

#include "classify.h"

/* 1 if some category is report-only for scorer s. */
static inline int clf_cli_has_report_only(const clf_scorer *s, size_t ncat)
{
    for (size_t k = 0; k < ncat; k++)
        if (clf_scorer_flagging(s, k) == 0)
            return 1;
    return 0;
}

/* 1 if category k, whose result is r, is a signal: report-only for s, its
 * probability at or above the threshold in force, and the document (or
 * span) scored rather than abstained. */
static inline int clf_cli_signal(const clf_scorer *s, const clf_score_result *r, size_t k,
                                 int abstain)
{
    return !abstain && clf_scorer_flagging(s, k) == 0 &&
           r->probability >= clf_scorer_threshold(s, k);
}

#endif
