/*
** assign.c — balanced assignment of ranks to processes by file size.
*/
#include "assign.h"

static const cs_rank_dir *sort_ranks;

static int cmp_by_size(const void *a, const void *b)
{
    const cs_rank_dir *x = &sort_ranks[*(const size_t *)a], *y = &sort_ranks[*(const size_t *)b];
    if (x->size_bytes != y->size_bytes) return x->size_bytes > y->size_bytes ? -1 : 1;
    return x->rank < y->rank ? -1 : x->rank > y->rank;
}

void cs_assign_ranks(const cs_rank_dir *ranks, size_t n, int nprocs, int *owner)
{
    size_t *order = cs_xmalloc((n ? n : 1) * sizeof *order);
    int64_t *load = cs_xcalloc((size_t)nprocs, sizeof *load);
    for (size_t i = 0; i < n; i++) order[i] = i;
    sort_ranks = ranks;
    qsort(order, n, sizeof *order, cmp_by_size);
    for (size_t k = 0; k < n; k++) {
        int best = 0;
        for (int p = 1; p < nprocs; p++)
            if (load[p] < load[best]) best = p;
        owner[order[k]] = best;
        /* +1 so that empty files still spread over the processes */
        load[best] += ranks[order[k]].size_bytes + 1;
    }
    free(order);
    free(load);
}
