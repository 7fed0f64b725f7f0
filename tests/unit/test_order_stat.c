/*
** test_order_stat.c — percentiles by radix selection over passes
** (analysis/order_stat.c) against sorting the whole array.
*/
#include "check.h"
#include "order_stat.h"

#include <stdlib.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The type-7 percentile of the sorted array: the independent path. */
static double sorted_percentile(double *v, size_t n, double p)
{
    qsort(v, n, sizeof *v, cmp_double);
    double h = (double)(n - 1) * p;
    size_t lo = (size_t)h;
    if (lo + 1 >= n) return v[n - 1];
    return v[lo] + (h - (double)lo) * (v[lo + 1] - v[lo]);
}

/* Feeds v (forwards, then backwards on odd passes: the order must not
** matter) until the selection is done; returns the passes made. */
static int select_all(cs_order_stats *st, size_t m, const double *v, size_t n)
{
    int passes = 0;
    do {
        for (size_t i = 0; i < n; i++) cs_order_stats_add(st, m, v[passes % 2 ? n - 1 - i : i]);
        passes++;
    } while (cs_order_stats_end_pass(st));
    return passes;
}

static bool same(double a, double b)
{
    return a == b || (a != a && b != b);
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void check_case(const double *v, size_t n, double p)
{
    cs_order_stats *st = cs_order_stats_new(1, &p);
    CHECK_INT(select_all(st, 0, v, n), 4);
    size_t got_n = 0;
    double got = cs_order_stats_percentile(st, 0, &got_n);
    CHECK_INT(got_n, n);
    double *copy = cs_xmalloc((n ? n : 1) * sizeof *copy);
    memcpy(copy, v, n * sizeof *copy);
    double want = n ? sorted_percentile(copy, n, p) : 0.0;
    if (!same(got, want)) fprintf(stderr, "n %zu p %g: got %.17g want %.17g\n", n, p, got, want);
    CHECK(same(got, want));
    free(copy);
    cs_order_stats_free(st);
}

/* Hand-made cases: 1..5 (p90 = 4.6, p10 = 1.4), one value, two, all equal,
** negatives and zero, infinities. */
static void test_small(void)
{
    const double five[] = {3, 1, 5, 2, 4};
    double p = 0.9;
    cs_order_stats *st = cs_order_stats_new(1, &p);
    select_all(st, 0, five, 5);
    size_t n;
    CHECK_DBL(cs_order_stats_percentile(st, 0, &n), 4.6);
    CHECK_INT(n, 5);
    cs_order_stats_free(st);
    check_case(five, 5, 0.1);
    check_case(five, 5, 0.0);
    check_case(five, 5, 1.0);
    const double one[] = {-2.5};
    check_case(one, 1, 0.9);
    const double two[] = {7, -7};
    check_case(two, 2, 0.9);
    const double equal[] = {0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25};
    check_case(equal, 11, 0.9);
    const double mixed[] = {-1e300, -3.5, -0.0, 0.0, 1e-310, 2.0, 1e300, -1e-310, 0.5, 0.5};
    check_case(mixed, 10, 0.9);
    check_case(mixed, 10, 0.1);
    const double inf[] = {1.0 / 0.0, -1.0 / 0.0, 1.0, 2.0, 3.0};
    check_case(inf, 5, 0.9);
    check_case(inf, 5, 0.1);
    /* no values: percentile 0, count 0 */
    st = cs_order_stats_new(1, &p);
    while (cs_order_stats_end_pass(st)) {}
    CHECK_DBL(cs_order_stats_percentile(st, 0, &n), 0.0);
    CHECK_INT(n, 0);
    cs_order_stats_free(st);
}

/* Random arrays: ratios rounded to 4 decimals (many ties, as the tables
** have), wide-range doubles, and small integers; several metrics at once. */
static void test_random(void)
{
    for (int round = 0; round < 60; round++) {
        size_t n = 1 + (size_t)(rng() % (round < 30 ? 50 : 20000));
        double *v = cs_xmalloc(n * sizeof *v);
        for (size_t i = 0; i < n; i++) {
            uint64_t r = rng();
            switch (round % 3) {
            case 0: v[i] = (double)(r % 10001) / 10000.0; break;
            case 1: v[i] = ((double)(int64_t)r) * 1e-3 / (double)(1 + (r >> 50)); break;
            default: v[i] = (double)(int)(r % 7) - 3.0; break;
            }
        }
        double ps[3] = {0.9, 0.1, (double)(rng() % 1001) / 1000.0};
        cs_order_stats *st = cs_order_stats_new(3, ps);
        do {
            for (size_t i = 0; i < n; i++)
                for (size_t m = 0; m < 3; m++) cs_order_stats_add(st, m, v[i]);
        } while (cs_order_stats_end_pass(st));
        bool ok = true;
        for (size_t m = 0; m < 3; m++) {
            size_t got_n;
            double got = cs_order_stats_percentile(st, m, &got_n);
            double *copy = cs_xmalloc(n * sizeof *copy);
            memcpy(copy, v, n * sizeof *copy);
            double want = sorted_percentile(copy, n, ps[m]);
            free(copy);
            if (!same(got, want) || got_n != n) {
                ok = false;
                fprintf(stderr, "round %d metric %zu n %zu: got %.17g want %.17g\n", round, m, n, got, want);
            }
        }
        CHECK(ok);
        cs_order_stats_free(st);
        free(v);
    }
}

/* Misuse stays in bounds: later passes feeding fewer values than the first
** (the counters run out before the rank is reached), and values fed after
** the last pass (ignored). */
static void test_misuse(void)
{
    double p = 0.9;
    cs_order_stats *st = cs_order_stats_new(1, &p);
    for (int i = 0; i < 20; i++) cs_order_stats_add(st, 0, (double)i);
    int passes = 1;
    while (cs_order_stats_end_pass(st)) {
        for (int i = 0; i < 5; i++) cs_order_stats_add(st, 0, (double)i);
        passes++;
    }
    CHECK_INT(passes, 4);
    cs_order_stats_add(st, 0, 1.0);
    CHECK(!cs_order_stats_end_pass(st));
    size_t n;
    (void)cs_order_stats_percentile(st, 0, &n);
    CHECK_INT(n, 20);
    cs_order_stats_free(st);
}

int main(void)
{
    test_misuse();
    test_small();
    test_random();
    return check_report();
}
