/*
 * cmd_info.c - `classify info`: what a model file holds.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "classify.h"
#include "commands.h"
#include "util.h"

int cmd_info(int argc, char **argv)
{
    static const struct option longopts[] = {{"model", required_argument, NULL, 'm'},
                                             {"metadata", no_argument, NULL, 'j'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *path = NULL;
    int meta = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "hm:", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            printf("Usage: classify info [--model M] [--metadata]\n\n"
                   "Describe a model: name, format version, options, categories and\n"
                   "their thresholds. --metadata prints the training metadata (JSON).\n"
                   "Without --model, the default model.\n");
            return 0;
        case 'm': path = optarg; break;
        case 'j': meta = 1; break;
        default: return clf_cli_usage_error("info", "unknown option");
        }
    }
    if (optind < argc)
        path = argv[optind];
    if (!path && !(path = clf_cli_default_model()))
        return 2;
    clf_model *m;
    if (clf_model_load(&m, path) != CLF_OK) {
        fprintf(stderr, "classify info: %s\n", clf_last_error());
        return 2;
    }
    if (meta) {
        printf("%s\n", clf_model_metadata(m));
        clf_model_free(m);
        return 0;
    }
    clf_norm_options no;
    clf_feature_options fo;
    clf_model_options(m, &no, &fo);
    char flags[256];
    clf_norm_flag_names(no.flags, flags, sizeof flags);
    printf("model:          %s\nid:             %s\nfile:           %s\nformat version: %u\n",
           clf_model_name(m), clf_model_id(m), path, clf_model_format_version(m));
    printf("normalization:  %s (max %zu bytes)\n", flags, no.max_bytes);
    printf("features:       word 1-%u, char %u-%u (%s), stems %s, 2^%u buckets, seed %llu\n",
           fo.word_ngram_max, fo.char_ngram_min, fo.char_ngram_max,
           fo.char_mode == CLF_CHAR_WITHIN ? "within words"
           : fo.char_mode == CLF_CHAR_ACROSS ? "across words" : "within+across",
           fo.stems ? "on" : "off", fo.hash_bits, (unsigned long long)fo.hash_seed);
    /* what the features depend on: the model's record and this host */
    clf_feature_deps md, host;
    clf_model_feature_deps(m, &md);
    int have_host = clf_runtime_feature_deps(&host) == CLF_OK;
    printf("feature deps:   revision %u, Unicode %s (ICU %s), stemmer %s\n", md.feature_revision,
           md.unicode_version, md.icu_version, md.stemmer);
    if (have_host) {
        printf("this host:      revision %u, Unicode %s (ICU %s), stemmer %s\n",
               host.feature_revision, host.unicode_version, host.icu_version, host.stemmer);
        if (strcmp(md.unicode_version, "unknown") != 0 &&
            (strcmp(md.unicode_version, host.unicode_version) != 0 ||
             strcmp(md.stemmer, host.stemmer) != 0))
            fprintf(stderr, "classify info: note: this host's Unicode tables or stemmer differ "
                            "from the model's: some texts may get other features than in "
                            "training\n");
    }
    printf("categories:\n");
    for (size_t i = 0; i < clf_model_num_categories(m); i++) {
        printf("  %-14s threshold %.4f", clf_model_category_name(m, i), clf_model_threshold(m, i));
        int ek = clf_model_category_evidence_words(m, i);
        if (ek > 0) /* n Arabic words keep n / (n + k) of the evidence */
            printf("  short texts shrunk (evidence_words %d)", ek);
        printf("%s\n", clf_model_category_flags_by_default(m, i)
                           ? ""
                           : "  report-only (not flagged by default)");
    }
    if (clf_model_num_gates(m))
        printf("gates:\n");
    for (size_t i = 0; i < clf_model_num_gates(m); i++) {
        clf_gate_info g;
        if (clf_model_gate(m, i, &g) == CLF_OK)
            printf("  %-14s reads like %s: margin - %g * max(0, p - %g)\n",
                   clf_model_category_name(m, g.category), g.name, g.weight, g.tau);
    }
    clf_model_free(m);
    return 0;
}
