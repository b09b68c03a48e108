/*
 * shortest.c - the shortest round-trip decimal of a double (shortest.h).
 *
 * printf("%.15g") plus strtod cost about 9k instructions per score, a
 * quarter of `classify score`. This is Ulf Adams' Ryu (PLDI 2018): the
 * interval of decimals that read back as v is computed with one 64x128-bit
 * product per bound against a table of 5^i (shortest_pow5.h), and digits
 * are removed while the bounds still differ; about 300 instructions.
 * Only the half of Ryu for normal doubles below 2^54 (binary exponent
 * e2 < 0) is here, which covers every probability but the tiniest;
 * subnormals, larger values, infinities and NaN take the printf path.
 *
 * The bytes match the printf definition (the first of %.15g, %.16g, %.17g
 * that reads back): a d-digit shortest decimal with d <= 15 is the only
 * 15-digit decimal within half an ulp of v, so %.15g prints it; with
 * d = 17 it is the correctly rounded one; with d = 16 it is the nearest
 * 16-digit decimal, which %.16g prints too, unless v is a power of two
 * (its interval is lopsided): those go the printf way.
 */
#include "shortest.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shortest_pow5.h"

size_t clf_cli_format_double_printf(double v, char *buf)
{
    int n = 0;
    for (int prec = 15; prec <= 17; prec++) {
        n = snprintf(buf, 32, "%.*g", prec, v);
        if (prec == 17 || strtod(buf, NULL) == v)
            break;
    }
    if (n < 0)
        n = 0;
    if (!strpbrk(buf, ".eEni")) { /* "0" -> "0.0": a JSON real stays a real */
        buf[n++] = '.';
        buf[n++] = '0';
        buf[n] = '\0';
    }
    return (size_t)n;
}

/* ceil(log2(5^e)), 0 <= e <= 3528 */
static int32_t pow5bits(int32_t e)
{
    return (int32_t)(((uint32_t)e * 1217359u) >> 19) + 1;
}

/* floor(log10(5^e)), 0 <= e <= 2620 */
static uint32_t log10pow5(int32_t e)
{
    return ((uint32_t)e * 732923u) >> 20;
}

/* (m * mul) >> j, mul a 128-bit number (low word first), 64 <= j < 128 */
static uint64_t mul_shift(uint64_t m, const uint64_t *mul, int32_t j)
{
    unsigned __int128 b0 = (unsigned __int128)m * mul[0];
    unsigned __int128 b2 = (unsigned __int128)m * mul[1];
    return (uint64_t)(((b0 >> 64) + b2) >> (j - 64));
}

/* decimal digits of v, 1 <= v < 10^19: floor(log10 v) + 1 from the bit
 * length (1233 / 4096 ~ log10 2) and one compare (a loop of divisions by
 * 10 took ~130 instructions per score) */
static const uint64_t pow10_u64[20] = {
    UINT64_C(1), UINT64_C(10), UINT64_C(100), UINT64_C(1000), UINT64_C(10000), UINT64_C(100000),
    UINT64_C(1000000), UINT64_C(10000000), UINT64_C(100000000), UINT64_C(1000000000),
    UINT64_C(10000000000), UINT64_C(100000000000), UINT64_C(1000000000000),
    UINT64_C(10000000000000), UINT64_C(100000000000000), UINT64_C(1000000000000000),
    UINT64_C(10000000000000000), UINT64_C(100000000000000000),
    UINT64_C(1000000000000000000), UINT64_C(10000000000000000000),
};

static int digits17(uint64_t v)
{
    const uint32_t t = ((uint32_t)(64 - __builtin_clzll(v | 1)) * 1233u) >> 12;
    return (int)t - (v < pow10_u64[t]) + 1;
}

/* "00".."99" */
static const char two_digits[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/*
 * The shortest decimal digits*10^e10 in the round-trip interval of
 * m2 * 2^e2 (e2 < 0), nearest to it among the shortest (ties to even).
 */
static void shortest(uint64_t m2, int32_t e2, uint32_t mm_shift, uint64_t *digits, int32_t *e10)
{
    const int accept = (m2 & 1) == 0; /* strtod rounds ties to even */
    const uint64_t mv = 4 * m2;
    const uint32_t q = log10pow5(-e2) - (-e2 > 1);
    const int32_t i = -e2 - (int32_t)q;
    const int32_t k = pow5bits(i) - 125;
    const int32_t j = (int32_t)q - k;
    uint64_t vr = mul_shift(mv, clf_cli_pow5[i], j);
    uint64_t vp = mul_shift(mv + 2, clf_cli_pow5[i], j);
    uint64_t vm = mul_shift(mv - 1 - mm_shift, clf_cli_pow5[i], j);
    int vm_zeros = 0, vr_zeros = 0; /* the digits removed below were all zeros */
    if (q <= 1) {
        vr_zeros = 1;
        if (accept)
            vm_zeros = mm_shift == 1;
        else
            vp--;
    } else if (q < 63) {
        /* mv * 5^i / 2^q has q trailing decimal zeros iff 2^q divides mv */
        vr_zeros = (mv & ((UINT64_C(1) << q) - 1)) == 0;
    }
    int32_t removed = 0;
    uint32_t last = 0;
    uint64_t out;
    if (vm_zeros || vr_zeros) { /* rare: exact ties and bounds */
        while (vp / 10 > vm / 10) {
            vm_zeros &= vm % 10 == 0;
            vr_zeros &= last == 0;
            last = (uint32_t)(vr % 10);
            vr /= 10;
            vp /= 10;
            vm /= 10;
            removed++;
        }
        if (vm_zeros) {
            while (vm % 10 == 0) {
                vr_zeros &= last == 0;
                last = (uint32_t)(vr % 10);
                vr /= 10;
                vp /= 10;
                vm /= 10;
                removed++;
            }
        }
        if (vr_zeros && last == 5 && vr % 2 == 0)
            last = 4; /* exactly halfway: round to even */
        out = vr + ((vr == vm && (!accept || !vm_zeros)) || last >= 5);
    } else {
        int up = 0;
        if (vp / 100 > vm / 100) { /* two digits at once, the common case */
            up = vr % 100 >= 50;
            vr /= 100;
            vp /= 100;
            vm /= 100;
            removed += 2;
        }
        while (vp / 10 > vm / 10) {
            up = vr % 10 >= 5;
            vr /= 10;
            vp /= 10;
            vm /= 10;
            removed++;
        }
        out = vr + (vr == vm || up);
    }
    *digits = out;
    *e10 = (int32_t)q + e2 + removed;
}

size_t clf_cli_format_double(double v, char *buf)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    const int neg = (int)(bits >> 63);
    const uint64_t mant = bits & ((UINT64_C(1) << 52) - 1);
    const uint32_t bexp = (uint32_t)(bits >> 52) & 0x7FF;
    char *o = buf;
    if (bexp == 0 && mant == 0) { /* %g prints "0" and "-0" */
        if (neg)
            *o++ = '-';
        memcpy(o, "0.0", 4);
        return (size_t)(o - buf) + 3;
    }
    /* subnormals (fewer than 53 bits: %.15g may print more digits than
     * the shortest), 2^54 and above, inf, NaN */
    if (bexp == 0 || bexp >= 1023 + 52 + 2)
        return clf_cli_format_double_printf(v, buf);
    const int32_t e2 = (int32_t)bexp - 1023 - 52 - 2;
    const uint64_t m2 = mant | (UINT64_C(1) << 52);
    uint64_t dig;
    int32_t e10;
    shortest(m2, e2, mant != 0 || bexp == 1, &dig, &e10);
    char d[20];
    const int nd = digits17(dig);
    if (nd == 16 && mant == 0)
        return clf_cli_format_double_printf(v, buf);
    {   /* two digits at a time from the right */
        int t = nd;
        while (t >= 2) {
            const uint32_t r = (uint32_t)(dig % 100);
            dig /= 100;
            t -= 2;
            memcpy(d + t, two_digits + 2 * r, 2);
        }
        if (t)
            d[0] = (char)('0' + dig);
    }
    /* %g: the exponent X of the first digit; scientific when X < -4 or
     * X >= the precision (here 15, or 16 or 17 when that many digits) */
    const int32_t x = e10 + nd - 1;
    const int32_t prec = nd > 15 ? nd : 15;
    if (neg)
        *o++ = '-';
    if (x < -4 || x >= prec) {
        *o++ = d[0];
        if (nd > 1) {
            *o++ = '.';
            memcpy(o, d + 1, (size_t)nd - 1);
            o += nd - 1;
        }
        *o++ = 'e';
        *o++ = x < 0 ? '-' : '+';
        uint32_t ax = (uint32_t)(x < 0 ? -x : x);
        if (ax >= 100)
            *o++ = (char)('0' + ax / 100);
        *o++ = (char)('0' + ax / 10 % 10);
        *o++ = (char)('0' + ax % 10);
    } else if (x < 0) { /* 0.000ddd */
        *o++ = '0';
        *o++ = '.';
        for (int32_t z = 0; z < -x - 1; z++)
            *o++ = '0';
        memcpy(o, d, (size_t)nd);
        o += nd;
    } else if (nd > x + 1) { /* ddd.ddd */
        memcpy(o, d, (size_t)x + 1);
        o += x + 1;
        *o++ = '.';
        memcpy(o, d + x + 1, (size_t)(nd - x - 1));
        o += nd - x - 1;
    } else { /* an integer: ddd000, then ".0" */
        memcpy(o, d, (size_t)nd);
        o += nd;
        for (int32_t z = nd; z <= x; z++)
            *o++ = '0';
        *o++ = '.';
        *o++ = '0';
    }
    *o = '\0';
    return (size_t)(o - buf);
}
