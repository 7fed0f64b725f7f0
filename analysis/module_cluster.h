/*
** module_cluster.h — clusterscope's cluster view of module_statistic
** (analyses.md §2.a): the same (parentModule, module, opName, kernelList, k)
** row of every rank side by side, with min / mean / max over the ranks that
** have it.
*/
#ifndef CS_MODULE_CLUSTER_H
#define CS_MODULE_CLUSTER_H

#include <stdbool.h>
#include "module_stat.h"

/* One rank's rows, borrowed. */
typedef struct cs_rank_modules {
    int64_t rank;
    const cs_module_row *rows;
    size_t nrows;
} cs_rank_modules;

typedef struct cs_cluster_module_row {
    const char *parent, *module, *op_name, *kernel_list;   /* borrowed from the input rows */
    int64_t k;              /* occurrence of the four texts in its rank, 0-based */
    double *total_ns;       /* per input rank (index into the input), valid where present[i] */
    bool *present;
    int64_t nranks;         /* how many ranks have the row */
    double min_ns, mean_ns, max_ns;
    int64_t max_rank;       /* ties: the lowest rank */
} cs_cluster_module_row;

typedef struct cs_module_cluster {
    CS_VEC(cs_cluster_module_row) rows;   /* in the order analyses.md defines */
    size_t nranks;                        /* columns: the input ranks, in input order */
} cs_module_cluster;

/* ranks must be ascending by rank; the result borrows their strings. */
void cs_module_cluster_build(const cs_rank_modules *ranks, size_t n, cs_module_cluster *out);
void cs_module_cluster_free(cs_module_cluster *c);

/* Number of "/"-separated components of a parent path ("" → 0), for the
** indented tree of the workbook. */
int cs_module_depth(const char *parent);

#endif
