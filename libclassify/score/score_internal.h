/*
 * score_internal.h - the scorer's private state, shared by score.c and
 * explain.c. Not installed.
 */
#ifndef CLF_SCORE_INTERNAL_H
#define CLF_SCORE_INTERNAL_H

#include "classify/score.h"
#include "features/featurize_internal.h" /* clf__hit */
#include "model/model_internal.h"

struct clf_scorer {
    const clf_model *model;
    clf_featurizer *feat;
    double *thresholds;  /* per category, overridable */
    unsigned char *flags; /* per category: 1 flags at its threshold, 0 report-only */
    double *acc;         /* per-column accumulators (categories, then gates) */
    double *gz;          /* the last text's gate margins v.x + c (n_gates) */
    size_t words;        /* the last text's Arabic words (capped; counted only when the
                            model shrinks short texts, else 0) */
    float tf[64];        /* tf weights of small counts, to skip a call per feature */
    int hw_avx2;         /* the CPU has AVX2: 5-category i16 rows are summed 4 lanes at once */
};

/* clf__score_margins - margins w.x + b of every category for one text
 * (w.x shrunk by clf__evidence_factor() for categories with
 * evidence_words), less its gates' penalties, and its truncation and abstention (an
 * abstaining text gets the biases and the gates of the empty text). The
 * gates' raw margins are left in s->gz. */
int clf__score_margins(clf_scorer *s, const char *text, size_t len, double *margins,
                       clf_doc_info *info);

/* clf__fill_results - calibrate margins and apply thresholds (nothing is
 * flagged when info says the text abstained). CLF_E_INTERNAL if a score is
 * not finite. */
int clf__fill_results(const clf_scorer *s, const double *margins, const clf_doc_info *info,
                      clf_score_result *res, int *nflagged);

/* clf__scorer_set_simd - 0 makes s sum the rows with the portable scalar
 * loop even where the CPU has AVX2 (tests check that both give the same
 * margins, bit for bit); 1 goes back to what the CPU offers. */
void clf__scorer_set_simd(clf_scorer *s, int on);

/* clf__calibrate - Platt sigmoid of one category. */
double clf__calibrate(const clf__category *c, double margin);

#endif
