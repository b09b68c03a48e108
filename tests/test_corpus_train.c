/*
 * test_corpus_train.c - training on real corpora (the shared labeled
 * corpora; CI must have them): a small extremism model from the pro-ISIS
 * tweets and the terrorism-news hard negatives. The bounds are deliberately
 * loose sanity bounds, not tuned to this data: dev average precision well
 * above the base rate, and few news articles flagged.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "recipe.h"
#include "train.h"
#include "testutil.h"

static const char *recipe_text =
    "{\"name\": \"extremism-small\", \"categories\": [\"extremism\"],\n"
    " \"features\": {\"hash_bits\": 18, \"min_df\": 2},\n"
    " \"training\": {\"folds\": 3, \"c_grid\": [1, 4], \"threshold\": \"best_f1\"},\n"
    " \"corpora\": [\n"
    "  {\"name\": \"alfifi-isis-eval2k\", \"train\": \"alfifi-isis-eval2k/train.tsv\",\n"
    "   \"dev\": \"alfifi-isis-eval2k/dev.tsv\", \"annotates\": [\"extremism\"],\n"
    "   \"labels\": {\"pro_isis\": [\"extremism\"]}},\n"
    "  {\"name\": \"saudinewsnet-terrorism-news\",\n"
    "   \"train\": \"saudinewsnet-terrorism-news/train.tsv\",\n"
    "   \"dev\": \"saudinewsnet-terrorism-news/dev.tsv\", \"negatives_for\": [\"extremism\"]}\n"
    " ]}\n";

START_TEST(test_extremism_small)
{
    const char *root = clf_test_corpora_dir();
    if (!root)
        return; /* not in CI: clf_test_corpora_dir said why */
    clf_recipe *r;
    int rc = clf_recipe_parse(&r, recipe_text, strlen(recipe_text), "extremism-small.json");
    ck_assert_msg(rc == CLF_OK, "%s", clf_last_error());
    clf_train_options o = CLF_TRAIN_OPTIONS_INIT;
    o.corpora_root = root;
    o.threads = 2;
    char out[4096];
    snprintf(out, sizeof out, "%s/extremism-small.clf", clf_test_tmpdir());
    clf_train_result *res = NULL;
    rc = clf_train(r, &o, out, &res);
    ck_assert_msg(rc == CLF_OK, "%s", clf_last_error());

    const clf_train_category *c = &res->categories[0];
    double base = (double)c->dev.positives / (double)c->dev.documents;
    int news = clf_recipe_corpus_index(r, "saudinewsnet-terrorism-news");
    double news_rate = res->dev_flag_rate[(size_t)news];
    printf("extremism-small: dev %zu docs, base rate %.3f, AP %.3f, P %.3f R %.3f F1 %.3f, "
           "news dev flag rate %.3f\n",
           c->dev.documents, base, c->dev.average_precision, c->dev.precision, c->dev.recall,
           c->dev.f1, news_rate);
    ck_assert_uint_gt(c->dev.positives, 50);
    ck_assert_msg(c->dev.average_precision > base + 0.4, "dev AP %.3f vs base rate %.3f",
                  c->dev.average_precision, base);
    ck_assert_msg(news_rate < 0.05, "news dev flag rate %.3f", news_rate);
    ck_assert_msg(c->dev.recall > 0.5, "dev recall %.3f", c->dev.recall);

    /* the written model scores like training measured: load and score */
    clf_model *m;
    ck_assert_int_eq(clf_model_load(&m, out), CLF_OK);
    ck_assert_ptr_nonnull(strstr(clf_model_metadata(m), "alfifi-isis-eval2k/train.tsv"));
    clf_model_free(m);
    clf_train_result_free(res);
    clf_recipe_free(r);
}
END_TEST

static Suite *corpus_train_suite(void)
{
    Suite *s = suite_create("corpus_train");
    TCase *tc = tcase_create("corpus_train");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_extremism_small);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    clf_test_corpora_or_skip();
    return clf_test_run(corpus_train_suite());
}
