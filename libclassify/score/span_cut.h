/*
 * span_cut.h - the sentence / paragraph cut shared by clf_score_spans()
 * and training's corpus "split". Not installed.
 */
#ifndef CLF_SPAN_CUT_H
#define CLF_SPAN_CUT_H

#include <stddef.h>

/* One span: bytes [begin, end) of the text, trimmed of white space. */
typedef struct clf__cut {
    size_t begin, end;
} clf__cut;

typedef struct clf__cuts {
    clf__cut *v; /* malloc'ed; the caller frees it (also on error) */
    size_t n, cap;
} clf__cuts;

/* clf__span_cuts - append to c (zero-initialized by the caller) the spans of
 * the valid UTF-8 text t[0..len): unit CLF_SPAN_SENTENCES or
 * CLF_SPAN_PARAGRAPHS (classify/score.h); blank spans are left out; with
 * max_spans > 0 at most that many, the last one holding the rest of the
 * text. The text must have been checked as UTF-8. CLF_OK or CLF_E_NOMEM. */
int clf__span_cuts(clf__cuts *c, const unsigned char *t, size_t len, int unit, size_t max_spans);

#endif
