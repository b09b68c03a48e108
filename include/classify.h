/*
 * classify.h - libclassify, Arabic text classification for content moderation.
 *
 * Include this one header. The pipeline, one header per stage:
 *   classify/version.h    library version
 *   classify/common.h     error codes and messages, export macro
 *   classify/normalize.h  Arabic normalization (ICU)
 *   classify/features.h   tokens and hashed n-gram features
 *   classify/model.h      loading a model file
 *   classify/score.h      scoring, thresholds and explanations
 */
#ifndef CLASSIFY_H
#define CLASSIFY_H

#include "classify/common.h"
#include "classify/version.h"
#include "classify/normalize.h"
#include "classify/features.h"
#include "classify/model.h"
#include "classify/score.h"

#endif /* CLASSIFY_H */
