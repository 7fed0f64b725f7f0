/*
** test_rounding.c — the fast paths of cs_round4 and cs_comm_us_to_ns
** against the plain definitions they replace (printf "%.4f" then strtod;
** the shortest "%.*e" that reads back, found by counting up), on random
** values of every magnitude, ratios of small integers, values next to the
** .5 ties of the fourth decimal, and profiler timestamps.
*/
#include "check.h"
#include "comm_op.h"

#include <stdlib.h>

static double round4_by_printf(double x)
{
    char buf[400];
    if (!isfinite(x)) return x;
    snprintf(buf, sizeof buf, "%.4f", x);
    return strtod(buf, NULL);
}

static uint64_t state = 0x9E3779B97F4A7C15ull;
static uint64_t next(void)
{
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}
static double uniform(void) { return (double)(next() >> 11) * 0x1p-53; }

static size_t round4_mismatches(double x)
{
    double a = cs_round4(x), b = round4_by_printf(x);
    return memcmp(&a, &b, sizeof a) != 0;     /* bitwise: -0.0 and 0.0 differ */
}

static void test_round4(void)
{
    size_t bad = 0;
    for (int i = 0; i < 200000; i++) {
        double mag = pow(10.0, (double)(int)(next() % 40) - 20);
        double x = (uniform() - 0.5) * mag;
        bad += round4_mismatches(x);
        /* next to a tie: k.xxxx5 give or take a few ulps */
        double tie = ((double)(int64_t)(next() % 2000000000) + 0.5) / 10000.0;
        bad += round4_mismatches(tie) + round4_mismatches(nextafter(tie, 0)) + round4_mismatches(nextafter(tie, 1e300));
        bad += round4_mismatches((double)(next() % 5000) / (double)(1 + next() % 5000));
    }
    static const double special[] = {0.0, -0.0, 1e-310, -1e-310, 0.00005, -0.00005, 0.00015, 1e15, 1e16, 123456789012.34565,
                                     1e300, -1e300, 0.12345, 0.33335};
    for (size_t i = 0; i < sizeof special / sizeof *special; i++) bad += round4_mismatches(special[i]);
    CHECK_INT(bad, 0);
}

static int64_t us_to_ns_by_counting(double us)
{
    if (isnan(us)) return 0;
    if (isinf(us)) return us > 0 ? INT64_MAX : INT64_MIN;
    char buf[64];
    int prec = 0;
    for (; prec <= 16; prec++) {
        snprintf(buf, sizeof buf, "%.*e", prec, us);
        if (strtod(buf, NULL) == us) break;
    }
    /* the digits as an integer, and the power of ten */
    bool negative = buf[0] == '-';
    uint64_t digits = 0;
    const char *p = buf + negative;
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9') digits = digits * 10 + (uint64_t)(*p - '0');
    int shift = atoi(p + 1) - prec + 3;
    for (; shift > 0; shift--) {
        if (digits > UINT64_MAX / 10) return negative ? INT64_MIN : INT64_MAX;
        digits *= 10;
    }
    for (; shift < 0 && digits; shift++) digits /= 10;
    if (digits > (uint64_t)INT64_MAX) return negative ? INT64_MIN : INT64_MAX;
    return negative ? -(int64_t)digits : (int64_t)digits;
}

static void test_us_to_ns(void)
{
    size_t bad = 0;
    for (int i = 0; i < 100000; i++) {
        int64_t ns = 1732406400000000000 + (int64_t)(next() % 100000000000000ull);
        double us = cs_comm_ns_to_us(ns);
        bad += cs_comm_us_to_ns(us) != us_to_ns_by_counting(us);
        double any = (uniform() - 0.5) * pow(10.0, (double)(int)(next() % 30) - 5);
        bad += cs_comm_us_to_ns(any) != us_to_ns_by_counting(any);
    }
    CHECK_INT(bad, 0);
}

int main(void)
{
    test_round4();
    test_us_to_ns();
    return check_report();
}
