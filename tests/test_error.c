/*
 * test_error.c - the per-thread error message: codes, and messages that
 * quote the previous message (issue 8, finding 15).
 */
#include <pthread.h>
#include <string.h>

#include "classify.h"
#include "internal.h"
#include "testutil.h"

START_TEST(message_may_quote_itself)
{
    clf__error(CLF_E_TRAIN, "old without positive examples");
    /* what six call sites did: add context to the last message */
    clf__error(CLF_E_TRAIN, "category %s (%s): %s", "alpha", "dev", clf_last_error());
    ck_assert_str_eq(clf_last_error(), "category alpha (dev): old without positive examples");
    /* the message first, then more text after it */
    clf__error(CLF_E_IO, "%s; and %s", clf_last_error(), "more");
    ck_assert_str_eq(clf_last_error(),
                     "category alpha (dev): old without positive examples; and more");
    /* a long message is cut, never overrun, even when it quotes itself */
    for (int i = 0; i < 20; i++)
        clf__error(CLF_E_IO, "%s %s", clf_last_error(), clf_last_error());
    ck_assert_uint_lt(strlen(clf_last_error()), 512);
    ck_assert(strncmp(clf_last_error(), "category alpha", 14) == 0);
    clf__error(CLF_E_NOMEM, NULL);
    ck_assert_str_eq(clf_last_error(), "out of memory");
    clf_clear_error();
    ck_assert_str_eq(clf_last_error(), "");
}
END_TEST

static void *other_thread(void *arg)
{
    (void)arg;
    clf__error(CLF_E_UTF8, "thread message");
    return NULL;
}

START_TEST(message_is_per_thread)
{
    clf__error(CLF_E_IO, "main message");
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, other_thread, NULL), 0);
    pthread_join(t, NULL);
    ck_assert_str_eq(clf_last_error(), "main message");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("error");
    TCase *tc = tcase_create("error");
    tcase_add_test(tc, message_may_quote_itself);
    tcase_add_test(tc, message_is_per_thread);
    suite_add_tcase(s, tc);
    return clf_test_run(s);
}
