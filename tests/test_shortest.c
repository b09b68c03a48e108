/*
 * test_shortest.c - cli/shortest.c prints every double as the first of
 * %.15g, %.16g, %.17g that strtod reads back (with ".0" added to bare
 * integers), byte for byte: special values, every power of two, short
 * decimals and their neighbours, calibrated probabilities 1 / (1 + e^z),
 * uniform [0,1) doubles and random bit patterns over all doubles.
 * CLF_SHORTEST_SAMPLES=N runs N of each random kind (default 200,000).
 */
#include <check.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shortest.h"
#include "testutil.h"

/* The definition, written out here rather than taken from shortest.c. */
static void reference(double v, char *buf)
{
    int n = 0;
    for (int prec = 15; prec <= 17; prec++) {
        n = snprintf(buf, 32, "%.*g", prec, v);
        if (prec == 17 || strtod(buf, NULL) == v)
            break;
    }
    if (!strpbrk(buf, ".eEni"))
        strcpy(buf + n, ".0");
}

static long checked, failures;

static void check_one(double v)
{
    char want[40], got[40];
    reference(v, want);
    memset(got, 'x', sizeof got);
    size_t n = clf_cli_format_double(v, got);
    checked++;
    if (n != strlen(want) || strcmp(got, want) != 0) {
        if (failures++ < 10)
            fprintf(stderr, "%a: want \"%s\", got \"%.*s\" (length %zu)\n", v, want,
                    (int)(n < 32 ? n : 32), got, n);
    }
}

static void check_both_signs(double v)
{
    check_one(v);
    check_one(-v);
}

/* The doubles next to v, towards zero and towards infinity. */
static void check_neighbours(double v)
{
    check_one(nextafter(v, 0.0));
    check_one(nextafter(v, INFINITY));
}

static uint64_t rng = 0x9E3779B97F4A7C15u;

static uint64_t next64(void)
{
    /* xorshift64*: reproducible across runs */
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 0x2545F4914F6CDD1Du;
}

/* A uniform double in [0,1): 53 random bits. */
static double uniform01(void)
{
    return (double)(next64() >> 11) / 9007199254740992.0;
}

static double from_bits(uint64_t b)
{
    double v;
    memcpy(&v, &b, sizeof v);
    return v;
}

static long samples(void)
{
    const char *e = getenv("CLF_SHORTEST_SAMPLES");
    long n = e ? atol(e) : 0;
    return n > 0 ? n : 200000;
}

#define EXPECT_NO_FAILURES()                                                            \
    ck_assert_msg(failures == 0, "%ld of %ld values printed differently", failures, checked)

START_TEST(specials)
{
    static const double v[] = {0.0, 1.0, 0.5, 0.1, 0.2, 0.3, 1.0 / 3, 2.0 / 3, 0.999999,
                               1e-4, 1e-5, 9.9999e-5, 0.0001234, 1e-300, 5e-324, DBL_MIN,
                               DBL_MIN * (1 - DBL_EPSILON), DBL_MAX, 1e15, 1e16, 1e17,
                               123456789012345.0, 1234567890123456.0, 9007199254740991.0,
                               9007199254740992.0, 18014398509481984.0, 0.30000000000000004,
                               1.0 - DBL_EPSILON / 2, 1.0 - DBL_EPSILON, 1.0 + DBL_EPSILON,
                               100.0, 12.5, 1.5e-7};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        check_both_signs(v[i]);
    check_both_signs(INFINITY);
    check_one(NAN);
    char buf[40];
    ck_assert_uint_eq(clf_cli_format_double(0.0, buf), 3);
    ck_assert_str_eq(buf, "0.0");
    ck_assert_uint_eq(clf_cli_format_double(1.0, buf), 3);
    ck_assert_str_eq(buf, "1.0");
    clf_cli_format_double(0.1, buf);
    ck_assert_str_eq(buf, "0.1");
    clf_cli_format_double(1.5e-7, buf);
    ck_assert_str_eq(buf, "1.5e-07");
    clf_cli_format_double(0.30000000000000004, buf);
    ck_assert_str_eq(buf, "0.30000000000000004");
    EXPECT_NO_FAILURES();
}
END_TEST

START_TEST(powers_of_two_and_neighbours)
{
    for (int e = -1074; e <= 1023; e++) {
        double p = ldexp(1.0, e);
        check_both_signs(p);
        check_neighbours(p);
    }
    EXPECT_NO_FAILURES();
}
END_TEST

START_TEST(short_decimals)
{
    /* d-digit decimals m * 10^-k and the doubles next to them: where the
     * shortest output is shorter than 15 digits, or 16 and 17 digits close by */
    long n = samples();
    for (long i = 0; i < n / 4; i++) {
        int digits = 1 + (int)(next64() % 17);
        uint64_t m = next64() % 100000000000000000u;
        uint64_t p10 = 1;
        for (int d = 0; d < digits; d++)
            p10 *= 10;
        m %= p10;
        char s[48];
        snprintf(s, sizeof s, "%" PRIu64 "e-%d", m, (int)(next64() % 330));
        double v = strtod(s, NULL);
        check_one(v);
        check_neighbours(v);
    }
    EXPECT_NO_FAILURES();
}
END_TEST

START_TEST(probabilities)
{
    long n = samples();
    for (long i = 0; i < n; i++) {
        double z = uniform01() * 80.0 - 40.0;
        check_one(1.0 / (1.0 + exp(z)));
    }
    for (long i = 0; i < n; i++) /* uniform doubles in [0,1) */
        check_one(uniform01());
    for (long i = 0; i < n; i++) { /* every bit pattern of a double in (0,1] equally */
        double v = from_bits(next64() % 0x3FF0000000000001u);
        check_one(v);
    }
    EXPECT_NO_FAILURES();
}
END_TEST

START_TEST(all_doubles)
{
    long n = samples();
    for (long i = 0; i < n; i++)
        check_one(from_bits(next64()));
    EXPECT_NO_FAILURES();
}
END_TEST

int main(void)
{
    Suite *s = suite_create("shortest");
    TCase *tc = tcase_create("format_double");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, specials);
    tcase_add_test(tc, powers_of_two_and_neighbours);
    tcase_add_test(tc, short_decimals);
    tcase_add_test(tc, probabilities);
    tcase_add_test(tc, all_doubles);
    suite_add_tcase(s, tc);
    return clf_test_run(s);
}
