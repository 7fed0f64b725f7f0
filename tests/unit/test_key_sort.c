/*
** test_key_sort.c — cs_sort_by_i64_key against qsort on (key, original
** position), which is what a stable sort by key must give: random records
** of several key ranges (narrow, wide, negative, the whole int64 range),
** already sorted and reversed input, and the empty and one-record cases.
*/
#include "check.h"
#include "key_sort.h"

#include <stdlib.h>

typedef struct rec { int32_t pad; int64_t key; uint32_t pos; } rec;

static int cmp_key_pos(const void *a, const void *b)
{
    const rec *x = a, *y = b;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static uint64_t state = 88172645463325252ull;
static uint64_t next(void)
{
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

/* One case: keys from make(i); checks the radix result equals qsort's. */
static void check_case(size_t n, int64_t (*make)(size_t i))
{
    rec *a = malloc((n ? n : 1) * sizeof *a), *b = malloc((n ? n : 1) * sizeof *b);
    for (size_t i = 0; i < n; i++) a[i] = b[i] = (rec){(int32_t)i, make(i), (uint32_t)i};
    cs_sort_by_i64_key(a, n, sizeof *a, offsetof(rec, key));
    qsort(b, n, sizeof *b, cmp_key_pos);
    size_t diff = 0;
    for (size_t i = 0; i < n; i++) diff += a[i].key != b[i].key || a[i].pos != b[i].pos || a[i].pad != b[i].pad;
    CHECK_INT(diff, 0);
    free(a);
    free(b);
}

static int64_t narrow(size_t i) { (void)i; return (int64_t)(next() % 16); }
static int64_t timestamps(size_t i) { (void)i; return 1732406400000000000 + (int64_t)(next() % 60000000000ull); }
static int64_t negative(size_t i) { (void)i; return (int64_t)(next() % 2000) - 1000; }
static int64_t whole_range(size_t i)
{
    static const int64_t ends[] = {INT64_MIN, INT64_MAX, 0, -1};
    return i % 5 < 4 ? ends[i % 5] : (int64_t)next();
}
static int64_t ascending(size_t i) { return (int64_t)i * 3; }
static int64_t descending(size_t i) { return -(int64_t)i; }

int main(void)
{
    int64_t (*makers[])(size_t) = {narrow, timestamps, negative, whole_range, ascending, descending};
    size_t sizes[] = {0, 1, 2, 7, 1000, 70000};
    for (size_t m = 0; m < sizeof makers / sizeof *makers; m++)
        for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) check_case(sizes[s], makers[m]);
    return check_report();
}
