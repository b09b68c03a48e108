/*
 * recipe.h - a training recipe: which corpora feed a model, how each
 * corpus's labels map to the model's categories, which categories each
 * corpus annotates (and so provides negatives for), and the normalization,
 * feature and training options. Recipes are JSON files; every key is
 * described in docs/training.md.
 *
 * Example semantics, per corpus and category:
 *   annotates      the corpus labels this category: a row is positive when
 *                  one of its labels maps to it, negative otherwise;
 *   negatives_for  every row is a negative of this category (hard
 *                  negatives, e.g. news that reports on terrorism);
 *   neither        the corpus says nothing about it: no example.
 */
#ifndef CLF_RECIPE_H
#define CLF_RECIPE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "classify/features.h"
#include "classify/normalize.h"
#include "corpus.h"

/* Category sets are bit masks (bit k = category k). */
#define CLF_RECIPE_MAX_CATEGORIES 64
#define CLF_RECIPE_MAX_NAME 256
#define CLF_RECIPE_MAX_FOLDS 20
#define CLF_RECIPE_MAX_C 32

typedef enum clf_threshold_rule {
    CLF_THRESHOLD_BEST_F1 = 0,   /* "best_f1": the threshold of maximum F1 */
    CLF_THRESHOLD_PRECISION = 1  /* "precision:P": highest recall with precision >= P (ties: higher threshold) */
} clf_threshold_rule;

typedef enum clf_threshold_source {
    CLF_THRESHOLD_SOURCE_OOF = 0, /* out-of-fold predictions on the train splits */
    CLF_THRESHOLD_SOURCE_DEV = 1  /* the final model's predictions on the dev splits */
} clf_threshold_source;

typedef enum clf_weight_type {
    CLF_WEIGHTS_F32 = 0,
    CLF_WEIGHTS_I16 = 1
} clf_weight_type;

/* How one category's threshold is chosen. */
typedef struct clf_threshold_spec {
    clf_threshold_rule rule;
    double precision;         /* the target, for CLF_THRESHOLD_PRECISION */
} clf_threshold_spec;

/* One entry of a corpus's label map. */
typedef struct clf_recipe_label {
    char *name;       /* the corpus's label; "*" = any label not listed */
    uint64_t cats;    /* the categories it maps to (may be empty) */
} clf_recipe_label;

/* clf_recipe_corpus.train_unit */
enum { CLF_RECIPE_UNIT_DOCUMENT = 0, CLF_RECIPE_UNIT_SENTENCES = 1, CLF_RECIPE_UNIT_PARAGRAPHS = 2 };

typedef struct clf_recipe_corpus {
    char *name;
    char *train;              /* path as written (see clf_recipe_file), or NULL */
    char *dev;                /* path as written (see clf_recipe_file), or NULL */
    clf_format format;        /* CLF_FORMAT_AUTO unless "format" is given */
    uint64_t annotates;
    uint64_t negatives_for;
    size_t n_labels;
    clf_recipe_label *labels; /* in recipe order; "*" included if given */
    size_t n_rewrites;        /* "rewrite": [[from, to], ...] literal replacements applied to */
    char **rewrite_from;      /* each text before featurization (a corpus's own spelling of */
    char **rewrite_to;        /* a placeholder, e.g. "مستخدم@" for a mention) */
    unsigned int weight[CLF_RECIPE_MAX_CATEGORIES]; /* "weight", per category k: each training
                                 row counts weight[k] times in category k's fits (>= 1; a number
                                 in the recipe sets every category, an object some of them) */
    int selection;            /* "selection": rows count in the in-domain selection metrics */
    int vocabulary;           /* "vocabulary" (default 1): its training rows count in the
                                 document frequencies that choose the feature rows (min_df) and
                                 their IDF; 0 = they are featurized with the rows the others keep
                                 (gate data that must not change the model's rows) */
    int rewritten_only;       /* "rewritten_only" (default 0, needs "rewrite"): keep only the
                                 training rows (or spans) the rewrite changed, each in the fold
                                 of its original text: a counterfactual copy of another corpus
                                 entry that reads the same file */
    int train_unit;           /* "train_unit": CLF_RECIPE_UNIT_DOCUMENT (a training row is one
                                 document) or _SENTENCES / _PARAGRAPHS (each training row is cut,
                                 by clf_score_spans()'s rule, into one document per span, each
                                 with the row's labels and the row's fold); the dev file is
                                 never cut */
    double max_flag_rate;     /* "max_flag_rate" of training: cap on the out-of-fold share of
                                 this corpus's rows flagged where it is a hard negative
                                 (negatives_for); NAN = no cap */
} clf_recipe_corpus;

/*
 * A genre gate of a category (training.gates): a logistic regression of
 * "this text is of the gate's corpora" (positives: their training rows)
 * against the category's annotating corpora (negatives), whose probability
 * p lowers the category's margin by a * max(0, p - tau). The gate's
 * corpora must be hard negatives of the category (negatives_for); their
 * rows then leave the category's own fits (they still count for the
 * flag-rate caps, calibration and thresholds).
 */
typedef struct clf_recipe_gate {
    char *name;               /* the genre, "news" */
    size_t category;
    size_t n_corpora;
    size_t *corpora;          /* indices into the recipe's corpora */
    double C;                 /* the gate's liblinear C (default 1) */
    int keep_in_fit;          /* "keep_in_fit": its corpora stay in the category's fits */
} clf_recipe_gate;

#define CLF_RECIPE_MAX_GATES 64
#define CLF_RECIPE_MAX_GATE_GRID 32

/* training.nb_scaling per category */
enum { CLF_NB_OFF = 0, CLF_NB_ON = 1 };

/* training.solver per category */
typedef enum clf_solver {
    CLF_SOLVER_LOGREG = 0, /* "logreg": liblinear L2R_LR (logistic loss, primal trust-region Newton) */
    CLF_SOLVER_SVM = 1     /* "svm": liblinear L2R_L2LOSS_SVC (squared hinge loss, primal
                              trust-region Newton); its margins are Platt-calibrated like
                              logreg's */
} clf_solver;

typedef struct clf_recipe {
    char *source;             /* file name (or name given to clf_recipe_parse); the part
                                 before its last '/' is the recipe's folder */
    char *corpora_root;       /* "corpora_root" as written, or NULL */
    char *name;
    char *description;        /* "" when absent */
    size_t n_categories;
    char **categories;

    clf_norm_options nopts;
    clf_feature_options fopts;
    uint32_t min_df;          /* keep buckets seen in >= min_df training documents */

    unsigned int folds;
    size_t n_c;
    double *c_grid;           /* sorted ascending, unique */
    double eps;               /* liblinear stopping tolerance */
    int balanced;             /* class weights n/(2*n_class) */
    clf_threshold_spec *thresholds;   /* per category */
    clf_threshold_source threshold_source;
    uint64_t seed;
    clf_weight_type weights;
    int c_grid_extend;        /* extend c_grid while the best C is at one of its ends */
    double c_grid_extend_gain; /* ... and beats its neighbour by at least this much AP */
    int select_in_domain;     /* "select_on": "in_domain": choose C, and score thresholds, on
                                 the rows of corpora that annotate the category only */
    int drop_artefacts;       /* features.drop_artefacts: no model row for features of
                                 placeholders, punctuation and symbols (see dataset.h) */

    size_t n_corpora;
    clf_recipe_corpus *corpora;

    size_t n_gates;           /* training.gates, grouped by category in recipe order */
    clf_recipe_gate *gates;
    size_t n_gate_weights;    /* training.gate_weights: the grid of a (0 included) */
    double gate_weights[CLF_RECIPE_MAX_GATE_GRID];
    size_t n_gate_taus;       /* training.gate_taus: the grid of tau */
    double gate_taus[CLF_RECIPE_MAX_GATE_GRID];
    double gate_max_ap_loss;  /* training.gate_max_ap_loss: how much in-domain out-of-fold AP
                                 (no caps) the gates may cost; < 0 = no bound (default) */
    unsigned char *nb_scaling; /* per category: CLF_NB_OFF or CLF_NB_ON */
    unsigned char *evidence_words; /* per category: training.evidence_words k, 0..255: a text
                                  of n Arabic words keeps n / (n + k) of its evidence in the
                                  out-of-fold margins, calibration, thresholds and the model
                                  (format 5); 0 = none */
    unsigned char *solver;    /* per category: a clf_solver (training.solver: one name for every
                                 category, or {category: name, "*": name}) */
    unsigned char *report_only; /* per category: 1 = training.flag_by_default false: scored
                                  but not flagged by default (model format 4) */
    unsigned char *select_capped; /* per category: 1 = training.select_metric
                                  "capped_average_precision" (C chosen by the out-of-fold AP
                                  above the max_flag_rate caps' floor) */
    unsigned char *uncapped_threshold; /* per category: 1 = training.threshold_caps false: the
                                  max_flag_rate caps do not bound its threshold */

    json_t *json;             /* the recipe as read, for the model's metadata */
} clf_recipe;

/*
 * clf_recipe_load - read and validate the recipe in file path.
 * clf_recipe_parse - the same for len bytes of JSON text; source names it
 * in error messages.
 * On success *out owns the recipe (free with clf_recipe_free).
 * Errors: CLF_E_IO (unreadable file), CLF_E_PARSE (malformed JSON with its
 * line and column, unknown or ill-typed keys, inconsistent categories; the
 * message names the file and the key), CLF_E_NOMEM, and the errors of
 * clf_norm_parse_flags for the "normalize" value.
 */
int clf_recipe_load(clf_recipe **out, const char *path);
int clf_recipe_parse(clf_recipe **out, const char *text, size_t len, const char *source);

/* clf_recipe_free - NULL is a no-op. */
void clf_recipe_free(clf_recipe *r);

/* clf_recipe_category_index - index of the named category, or -1. */
int clf_recipe_category_index(const clf_recipe *r, const char *name);

/* clf_recipe_corpus_index - index of the named corpus, or -1. */
int clf_recipe_corpus_index(const clf_recipe *r, const char *name);

/*
 * clf_recipe_rewrite - corpus c's "rewrite" rules applied in recipe order
 * (each to the result of the one before) to len bytes of text: every
 * occurrence of a rule's `from` becomes its `to`. *out is NULL when no rule
 * matches (the text is used as it is), else a malloc'ed copy, NUL-terminated,
 * of *out_len bytes. Training (dataset.c), `classify eval --recipe` and
 * `classify eval --cv` all rewrite through it, so they score the same text.
 * Errors: CLF_E_NOMEM.
 */
int clf_recipe_rewrite(const clf_recipe_corpus *c, const char *text, size_t len, char **out,
                       size_t *out_len);

/*
 * clf_recipe_uses - the categories corpus c gives examples for
 * (annotates | negatives_for).
 */
uint64_t clf_recipe_uses(const clf_recipe *r, size_t c);

/*
 * clf_recipe_map_labels - the categories a record of corpus c with these
 * labels is a positive example of (always within the corpus's annotates).
 * A label that the corpus's map neither lists nor covers with "*" gives
 * CLF_E_LABEL and *unknown points to it (no error message is set: the
 * caller knows the file and line). Labels repeated or empty are ignored.
 */
int clf_recipe_map_labels(const clf_recipe *r, size_t c, const char *const *labels,
                          size_t n_labels, uint64_t *positive, const char **unknown);

/*
 * Corpus paths: one rule (docs/training.md, "Corpus paths").
 *   "/..."              absolute: used as written;
 *   "./..." or "../..." relative to the recipe's folder, always;
 *   anything else       relative to the corpora root: the corpora argument
 *                       when not NULL (the CLI's --corpora, else
 *                       $CLF_CORPORA), else the recipe's "corpora_root"
 *                       (absolute, or relative to the recipe's folder),
 *                       else the recipe's folder.
 * ".." may appear anywhere and is left to the file system (a symlinked
 * folder's ".." is its target's parent); nothing is resolved textually.
 *
 * clf_recipe_root - the corpora root as above. Returns a malloc'd string
 * (free it), NULL on out of memory or a NULL recipe.
 * clf_recipe_file - the path of corpus c's split (dev when dev != 0) by
 * the rule above. Returns a malloc'd string (free it), NULL when the
 * corpus has no such split or on out of memory.
 * Both only compute names: nothing is opened. Thread-safe on a recipe
 * that is not being freed.
 */
char *clf_recipe_root(const clf_recipe *r, const char *corpora);
char *clf_recipe_file(const clf_recipe *r, size_t c, int dev, const char *corpora);

/* clf_recipe_gate_corpus - 1 when corpus c is one of a gate of category k,
 * 2 when that gate says "keep_in_fit" (else its rows leave the category's
 * own fits). */
int clf_recipe_gate_corpus(const clf_recipe *r, size_t k, size_t c);

/* clf_recipe_threshold_name - category k's rule, "best_f1" or "precision:P", into buf. */
void clf_recipe_threshold_name(const clf_recipe *r, size_t k, char *buf, size_t size);

#endif /* CLF_RECIPE_H */
