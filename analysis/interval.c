/*
** interval.c — interval algebra on sorted, merged range lists.
**
** The reference computes "pure communication" and "free" with a two-list
** sweep; analyses.md §2.0 shows that sweep equals plain set arithmetic, which
** is what this file implements: it is shorter and easier to test.
*/
#include "interval.h"

#include <stdbool.h>
#include <stdlib.h>

static int cmp_range(const void *a, const void *b)
{
    const cs_range *x = a, *y = b;
    if (x->start != y->start) return x->start < y->start ? -1 : 1;
    if (x->end != y->end) return x->end < y->end ? -1 : 1;
    return 0;
}

static bool sorted_by_start(const cs_range *r, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (r[i].start < r[i - 1].start) return false;
    return true;
}

size_t cs_ranges_merge(cs_range *r, size_t n)
{
    if (n == 0) return 0;
    /* Device tasks are mostly recorded in time order; skip the sort then.
    ** The merge needs only start order: ends are combined with max. */
    if (!sorted_by_start(r, n)) qsort(r, n, sizeof *r, cmp_range);
    size_t out = 0;
    for (size_t i = 1; i < n; i++) {
        if (r[i].start <= r[out].end) {
            if (r[i].end > r[out].end) r[out].end = r[i].end;
        } else {
            r[++out] = r[i];
        }
    }
    return out + 1;
}

int64_t cs_ranges_length(const cs_range *m, size_t n)
{
    int64_t total = 0;
    for (size_t i = 0; i < n; i++) total += m[i].end - m[i].start;
    return total;
}

int64_t cs_ranges_intersection_length(const cs_range *a, size_t na,
                                      const cs_range *b, size_t nb)
{
    int64_t total = 0;
    size_t i = 0, j = 0;
    while (i < na && j < nb) {
        int64_t lo = a[i].start > b[j].start ? a[i].start : b[j].start;
        int64_t hi = a[i].end < b[j].end ? a[i].end : b[j].end;
        if (hi > lo) total += hi - lo;
        if (a[i].end < b[j].end) i++;
        else j++;
    }
    return total;
}

int64_t cs_ranges_span(const cs_range *a, size_t na, const cs_range *b, size_t nb)
{
    if (na == 0 && nb == 0) return 0;
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    if (na) { lo = a[0].start; hi = a[na - 1].end; }
    if (nb) {
        if (b[0].start < lo) lo = b[0].start;
        if (b[nb - 1].end > hi) hi = b[nb - 1].end;
    }
    return hi - lo;
}
