/*
 * embed.c - how a moderation pipeline embeds libclassify: load the model
 * once, give each worker thread its own scorer, score, and explain a flag.
 *
 *   embed FILE...   scores each file (one document) with the default model
 *                   ($CLF_MODEL, else the one installed with the library)
 */
#include <classify.h>
#include <stdio.h>
#include <stdlib.h>

#ifndef DEFAULT_MODEL /* set by examples/CMakeLists.txt from the installed package */
#define DEFAULT_MODEL "/usr/local/share/libclassify/models/arabic-default.clf"
#endif

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t cap = 0, n = 0, got;
    do {
        if (n == cap) {
            char *p = realloc(buf, cap = cap ? cap * 2 : 4096);
            if (!p) { free(buf); fclose(f); return NULL; }
            buf = p;
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
    } while (got > 0);
    fclose(f);
    *len = n;
    return buf;
}

int main(int argc, char **argv)
{
    const char *model_path = getenv("CLF_MODEL");
    if (!model_path)
        model_path = DEFAULT_MODEL;
    printf("libclassify %s\n", clf_version_string());

    clf_model *model;                       /* shared, immutable */
    if (clf_model_load(&model, model_path) != CLF_OK) {
        fprintf(stderr, "cannot load %s: %s\n", model_path, clf_last_error());
        return 2;
    }
    clf_scorer *scorer;                     /* one per thread */
    if (clf_scorer_new(&scorer, model) != CLF_OK) {
        fprintf(stderr, "%s\n", clf_last_error());
        clf_model_free(model);
        return 2;
    }
    size_t ncat = clf_model_num_categories(model);
    clf_score_result *res = calloc(ncat, sizeof *res);
    int status = 0;
    for (int i = 1; i < argc && res; i++) {
        size_t len;
        char *text = slurp(argv[i], &len);
        if (!text) {
            fprintf(stderr, "%s: cannot read\n", argv[i]);
            status = 1;
            continue;
        }
        clf_doc_info info;
        int nflagged = clf_score(scorer, text, len, res, ncat, &info);
        if (nflagged < 0) {
            fprintf(stderr, "%s: %s\n", argv[i], clf_last_error());
            status = 1;
        } else {
            printf("%s [%s]:", argv[i], clf_model_id(model));
            if (info.abstain)
                printf(" abstained (%s), base rates:", clf_abstain_name(info.abstain));
            for (size_t k = 0; k < ncat; k++)
                printf(" %s=%.3f%s", clf_model_category_name(model, k), res[k].probability,
                       res[k].flagged ? "*" : "");
            printf("\n");
            /* a moderator sees why: the strongest features of each flag */
            clf_explanation *ex;
            if (nflagged > 0 && clf_explain(scorer, text, len, 3, &ex) == CLF_OK) {
                for (size_t k = 0; k < ncat; k++) {
                    if (!clf_explanation_result(ex, k)->flagged)
                        continue;
                    size_t n;
                    const clf_contribution *c = clf_explanation_words(ex, k, 1, &n);
                    for (size_t j = 0; j < n; j++)
                        printf("  %s <- \"%s\" (+%.3f)\n", clf_model_category_name(model, k),
                               c[j].text, c[j].contribution);
                }
                clf_explanation_free(ex);
            }
        }
        free(text);
    }
    free(res);
    clf_scorer_free(scorer);
    clf_model_free(model);
    return status;
}
