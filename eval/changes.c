/*
 * changes.c - `classify eval --compare`: the documents whose decision
 * changed between models A and B, and the words that moved them. A model
 * comparison in averages hides what a moderator will see change; this is
 * the list to read before shipping B.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval_internal.h"
#include "evaluate.h"
#include "internal.h"

/* A word's contribution to category k in an explanation (0 when absent
 * from its lists: then it did not move the margin much). */
typedef struct wc {
    const char *norm, *orig;
    double a, b;
} wc;

static int add_words(wc **ws, size_t *n, size_t *cap, const clf_explanation *e, size_t k,
                     int is_b)
{
    for (int up = 0; up < 2; up++) {
        size_t m;
        const clf_contribution *c = clf_explanation_words(e, k, up, &m);
        for (size_t i = 0; i < m; i++) {
            size_t j = 0;
            while (j < *n && strcmp((*ws)[j].norm, c[i].text) != 0)
                j++;
            if (j == *n) {
                if (*n == *cap) {
                    size_t nc = *cap ? *cap * 2 : 64;
                    wc *p = realloc(*ws, nc * sizeof *p);
                    if (!p)
                        return CLF_E_NOMEM;
                    *ws = p;
                    *cap = nc;
                }
                (*ws)[j] = (wc){c[i].text, c[i].original ? c[i].original : c[i].text, 0, 0};
                (*n)++;
            }
            if (is_b)
                (*ws)[j].b = c[i].contribution;
            else
                (*ws)[j].a = c[i].contribution;
        }
    }
    return CLF_OK;
}

/* The words of text that moved category k (A index ka, B index kb) most in
 * the direction of B's decision (dir = +1: B flags it, -1: B clears it). */
static int moved_words(clf_eval_change_cat *cc, const clf_explanation *ea,
                       const clf_explanation *eb, size_t ka, size_t kb, int dir)
{
    wc *ws = NULL;
    size_t n = 0, cap = 0;
    int rc = add_words(&ws, &n, &cap, ea, ka, 0);
    if (rc == CLF_OK)
        rc = add_words(&ws, &n, &cap, eb, kb, 1);
    for (size_t w = 0; rc == CLF_OK && w < CLF_EVAL_CHANGE_WORDS; w++) {
        size_t best = n;
        for (size_t j = 0; j < n; j++)
            if (ws[j].norm && dir * (ws[j].b - ws[j].a) > 0 &&
                (best == n || dir * (ws[j].b - ws[j].a) > dir * (ws[best].b - ws[best].a)))
                best = j;
        if (best == n)
            break;
        if (!(cc->words[cc->n_words] = strdup(ws[best].orig))) {
            rc = CLF_E_NOMEM;
            break;
        }
        cc->delta[cc->n_words++] = ws[best].b - ws[best].a;
        ws[best].norm = NULL; /* taken */
    }
    free(ws);
    return rc;
}

/* Enough words per list that a word's contribution is found in both. */
#define EXPLAIN_K 200

int clf_eval_changes(clf_eval_report *r, const clf_eval_data *d, clf_scorer *sa, clf_scorer *sb,
                     const int *bidx)
{
    if (!r || !d || !sa || !sb || !bidx)
        return clf__error(CLF_E_INVALID_ARG, "eval: bad arguments to clf_eval_changes");
    r->n_changed = d->n_changed;
    if (!d->n_changed_kept)
        return CLF_OK;
    r->changes = calloc(d->n_changed_kept, sizeof *r->changes);
    if (!r->changes)
        return clf__error(CLF_E_NOMEM, "eval: out of memory");
    int rc = CLF_OK;
    for (size_t i = 0; i < d->n_changed_kept && rc == CLF_OK; i++) {
        const clf_eval_cand *c = &d->changed[i];
        clf_eval_change *ch = &r->changes[r->n_changes++];
        const clf_eval_source *src = &d->sources[d->src[c->doc]];
        uint64_t mask = d->changed_mask[i];
        ch->id = strdup(c->id);
        ch->source = strdup(src->name);
        ch->text = strdup(c->text);
        ch->cats = calloc(d->n_cats, sizeof *ch->cats);
        if (!ch->id || !ch->source || !ch->text || !ch->cats) {
            rc = CLF_E_NOMEM;
            break;
        }
        clf_explanation *ea = NULL, *eb = NULL;
        size_t len = strlen(c->text);
        if ((rc = clf_explain(sa, c->text, len, EXPLAIN_K, &ea)) != CLF_OK ||
            (rc = clf_explain(sb, c->text, len, EXPLAIN_K, &eb)) != CLF_OK) {
            clf_explanation_free(ea);
            break;
        }
        for (size_t k = 0; k < d->n_cats && rc == CLF_OK; k++) {
            uint64_t bit = (uint64_t)1 << k;
            if (!(mask & bit))
                continue;
            clf_eval_change_cat *cc = &ch->cats[ch->n_cats++];
            cc->k = k;
            cc->pa = d->sa[c->doc * d->n_cats + k];
            cc->pb = d->sb[c->doc * d->n_cats + k];
            cc->labeled = ((src->annotates | src->negatives) & bit) != 0;
            cc->positive = (d->pos[c->doc] & bit) != 0;
            cc->flagged_b = cc->pb >= d->thr_b[k];
            int dir = cc->flagged_b ? 1 : -1;
            rc = moved_words(cc, ea, eb, k, (size_t)bidx[k], dir);
        }
        clf_explanation_free(ea);
        clf_explanation_free(eb);
    }
    if (rc == CLF_E_NOMEM)
        return clf__error(CLF_E_NOMEM, "eval: out of memory");
    return rc;
}
