/*
 * classify/model.h - loading a trained model and reading what it holds.
 *
 * A model file holds the normalization and feature options it was trained
 * with, IDF weights, and per category a name, linear weights, a bias, a
 * calibration (Platt sigmoid) and a decision threshold, plus training
 * metadata as JSON. The format is described in docs/model-format.md.
 *
 * A category may have genre gates (format version 3): small linear models
 * of a kind of text that is not the category's but tends to look like it
 * (news for propaganda, tweets). When a gate's probability p_g exceeds its
 * tau, the category's margin is lowered by weight * (p_g - tau) before
 * calibration ("suppressed: reads like news"); clf_explain() reports it.
 *
 * A loaded model is immutable: any number of threads may share one model
 * and score with it concurrently (each through its own clf_scorer).
 */
#ifndef CLASSIFY_MODEL_H
#define CLASSIFY_MODEL_H

#include "common.h"
#include "features.h"
#include "normalize.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct clf_model clf_model;

/*
 * clf_model_load - open, validate and map a model file.
 * Everything is checked before use: magic, format version, section sizes
 * and offsets, counts, option values and the checksum of the whole file.
 * On success *out owns the model; free it with clf_model_free().
 * Errors: CLF_E_INVALID_ARG, CLF_E_IO (missing or unreadable; the path and
 * the system error are in clf_last_error()), CLF_E_MODEL_FORMAT (truncated,
 * corrupted or not a model), CLF_E_MODEL_VERSION (written by a newer format),
 * CLF_E_CHECKSUM, CLF_E_NOMEM.
 * Thread safety: safe to call concurrently (it touches no global state).
 */
CLF_API int clf_model_load(clf_model **out, const char *path);

/*
 * clf_model_load_buffer - like clf_model_load() for a model already in
 * memory. The bytes are copied; the caller keeps ownership of data.
 */
CLF_API int clf_model_load_buffer(clf_model **out, const void *data, size_t size);

/* clf_model_free - unmap and free a model; NULL is a no-op. Every scorer
 * created from the model must be freed first. */
CLF_API void clf_model_free(clf_model *m);

/* clf_model_num_categories - number of categories (>= 1). */
CLF_API size_t clf_model_num_categories(const clf_model *m);

/* clf_model_category_name - name of category i, or NULL if i is out of
 * range. Owned by the model. */
CLF_API const char *clf_model_category_name(const clf_model *m, size_t i);

/*
 * clf_model_category_index - *out = the index of the category named name.
 * Errors: CLF_E_INVALID_ARG (a NULL argument), CLF_E_NOT_FOUND (no such
 * category; *out is untouched).
 */
CLF_API int clf_model_category_index(const clf_model *m, const char *name, size_t *out);

/* clf_model_threshold - the trained decision threshold of category i
 * (a probability in [0,1]), or -1 if i is out of range. */
CLF_API double clf_model_threshold(const clf_model *m, size_t i);

/*
 * clf_model_category_flags_by_default - whether category i is a moderation
 * flag by default: 1 if a probability at or above its threshold flags it
 * (clf_score_result.flagged, and the flagged list of every output); 0 if it
 * is **report-only**, an analyst signal: scored, calibrated and given a
 * threshold like any category, but never flagged unless a scorer turns it
 * on (clf_scorer_set_flagging(), `classify score --flag CAT`). -1 if i is
 * out of range or m is NULL. Models of format versions 1-3 flag every
 * category by default; a recipe marks report-only categories with
 * training.flag_by_default (docs/training.md).
 * Thread safety: safe (the model is immutable).
 */
CLF_API int clf_model_category_flags_by_default(const clf_model *m, size_t i);

/*
 * clf_model_category_evidence_words - category i's short-text shrinkage k:
 * a text of n Arabic words (counted up to 64) keeps n / (n + k) of its
 * features' evidence, its margin being bias + (w.x) * n / (n + k), so that
 * one or two words cannot reach the confidence of a sentence (calibration
 * and threshold were fitted on margins shrunk the same way). 0 means no
 * shrinkage (every category of models of format versions 1-4); -1 if i is
 * out of range or m is NULL. A recipe sets it with training.evidence_words
 * (docs/training.md). Thread safety: safe (the model is immutable).
 */
CLF_API int clf_model_category_evidence_words(const clf_model *m, size_t i);

/* clf_model_options - copy the model's normalization and feature options
 * (either pointer may be NULL), as structs of this header's versions; the
 * feature options carry the model's feature_revision, so a featurizer made
 * from them computes the features the model was trained on. */
CLF_API void clf_model_options(const clf_model *m, clf_norm_options *nopts,
                               clf_feature_options *fopts);

/* clf_model_metadata - the training metadata, a NUL-terminated JSON object
 * (recipe, corpora and checksums, options, dev metrics). Owned by the model. */
CLF_API const char *clf_model_metadata(const clf_model *m);

/* clf_model_name - the model's name from its recipe; owned by the model. */
CLF_API const char *clf_model_name(const clf_model *m);

/*
 * What features depend on besides the options: the feature revision, the
 * Unicode tables of ICU (normalization, letter classes) and the stemmer.
 * A model trained where these differed from this host may see slightly
 * different features for some texts; `classify info` shows both sides.
 */
typedef struct clf_feature_deps {
    unsigned int feature_revision; /* the feature revision (1..CLF_FEATURE_REVISION); for
                                      clf_runtime_feature_deps, the newest computed */
    char unicode_version[16];      /* "15.0"; "unknown" for a version-1 model file */
    char icu_version[16];          /* "72.1"; "unknown" likewise */
    char stemmer[56];              /* "snowball-arabic stems:1a2b3c4d" (a fingerprint of
                                      the stems of fixed words); "unknown" likewise */
} clf_feature_deps;

/*
 * clf_model_feature_deps - what the model's features were computed with
 * (recorded by the writer; a model whose feature_revision is outside
 * CLF_FEATURE_REVISION_MIN..CLF_FEATURE_REVISION never loads:
 * CLF_E_MODEL_VERSION).
 * Errors: CLF_E_INVALID_ARG (a NULL argument).
 */
CLF_API int clf_model_feature_deps(const clf_model *m, clf_feature_deps *out);

/*
 * clf_runtime_feature_deps - the same facts for this library on this host
 * (computed once per process; thread-safe). Errors: CLF_E_INVALID_ARG,
 * CLF_E_STEMMER, CLF_E_NOMEM.
 */
CLF_API int clf_runtime_feature_deps(clf_feature_deps *out);

/* clf_model_format_version - the format version of the loaded file. */
CLF_API uint32_t clf_model_format_version(const clf_model *m);

/* clf_model_checksum - the XXH3-64 checksum stored in (and verified
 * against) the model file: it names the exact bytes loaded. 0 if m is NULL. */
CLF_API uint64_t clf_model_checksum(const clf_model *m);

/*
 * clf_model_id - "name@xxxxxxxx": the model's name and the first 8 hex
 * digits of its checksum, for output records and service responses to say
 * which model produced a score. Owned by the model; NULL if m is NULL.
 */
CLF_API const char *clf_model_id(const clf_model *m);

/* One genre gate of a model (see the top of this file). */
typedef struct clf_gate_info {
    const char *name;  /* the genre, "news"; owned by the model */
    size_t category;   /* index of the category whose margin it lowers */
    double weight;     /* a >= 0: the penalty is weight * max(0, p - tau) */
    double tau;        /* in [0,1]: no penalty while the gate's probability is below */
} clf_gate_info;

/* clf_model_num_gates - the number of gates of the model (0 for NULL or a
 * model without gates, such as any file of format version 1 or 2). */
CLF_API size_t clf_model_num_gates(const clf_model *m);

/*
 * clf_model_gate - gate i's description into *out (its name stays owned by
 * the model). Errors: CLF_E_INVALID_ARG (NULL argument, i out of range).
 * Thread safety: safe (the model is immutable).
 */
CLF_API int clf_model_gate(const clf_model *m, size_t i, clf_gate_info *out);

#ifdef __cplusplus
}
#endif
#endif /* CLASSIFY_MODEL_H */
