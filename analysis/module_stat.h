/*
** module_stat.h — the module_statistic numbers of one rank (analyses.md §2.a,
** Steps 3–6): the nn.Module tree built from the "Module" mstx ranges, the
** framework ops and their device kernels hung under it, the synthetic
** backward modules, and the aggregated (module, op) rows.
**
** Pure computation: no I/O, no SQLite, no MPI.  The reader runs the three
** queries of Steps 1–3 and hands their rows over as they come.
**
** Ownership: every input string is borrowed (only read during the call; a
** NULL name reads as ""); the rows appended to the output own their strings
** and are freed with cs_module_rows_free().
*/
#ifndef CS_MODULE_STAT_H
#define CS_MODULE_STAT_H

#include <stdbool.h>
#include "cs_base.h"

/* Step 1 row: one mstx range of domain "Module", in ORDER BY startNs order.
** NULL times: the reader drops the row (and counts it, see ranges_dropped). */
typedef struct cs_module_range {
    int64_t start, end;
    const char *name;
} cs_module_range;

/* Step 2 row: a device kernel (or communication op) and the framework op that
** launched it.  Order: the rows of each source table sorted by
** (op_ts, kernel_ts), the tables concatenated in the order COMPUTE_TASK_INFO,
** COMMUNICATION_OP, COMMUNICATION_SCHEDULE_TASK_INFO (each table is a separate
** query in the reference, module_statistic.py _query_framework_op_to_kernel,
** so the sort is per table, not global).  NULL times are passed as 0. */
typedef struct cs_kernel_link {
    const char *kernel_name;
    int64_t kernel_ts, kernel_end;
    const char *op_name;
    int64_t op_ts, op_end;
} cs_kernel_link;

/* Step 3 row: a forward op and the backward op it is connected to, in
** ORDER BY connectionId order, Enqueue%/Dequeue% forward ops already
** excluded.  NULL times (a missing backward op) are passed as 0, as the
** reference's ensure_numeric_columns does. */
typedef struct cs_fwd_bwd_pair {
    const char *fwd_name;
    int64_t fwd_ts, fwd_end;
    const char *bwd_name;   /* not used by the computation; kept for symmetry */
    int64_t bwd_ts, bwd_end;
} cs_fwd_bwd_pair;

/* One ModuleStatistic row (Step 6), durations in ns. */
typedef struct cs_module_row {
    char *parent;           /* "A/B" path of the enclosing modules; "" at top level */
    char *module;           /* name, "[Backward]" prefix, "_k" suffix as the reference */
    char *op_name;
    char *kernel_list;      /* kernel names joined with ", " */
    double total_ns;        /* Kahan sum over the merged invocations (pandas groupby sum) */
    double avg_ns;          /* total_ns / op_count */
    int64_t op_count;
} cs_module_row;

typedef CS_VEC(cs_module_row) cs_module_rows;

/* What the report needs to say about one rank.  cs_module_statistic()
** overwrites every field; a reader that drops NULL-time ranges itself adds
** its count to ranges_dropped afterwards. */
typedef struct cs_module_stats {
    int64_t ranges_dropped;     /* Step 1 ranges with end < start, ignored */
    int64_t ranges_overlapping; /* Step 1 ranges that partially overlap a range
                                ** still open when the Step 4 walk reached them
                                ** (attached to the nearest ancestor that
                                ** contains them) */
    int64_t backward_overlapping; /* the same for the synthetic backward ranges */
    int64_t ops_straddling;     /* ops reaching past the end of an open module:
                                ** the walk closes that module early (Step 4) */
    int64_t subtrees_cut;       /* modules at depth 21 whose subtree Step 5 drops */
    int64_t ops_outside;        /* ops with kernels under no named module: dropped */
    int64_t backward_modules;   /* synthetic backward ranges made (parents included) */
    int64_t ops;                /* distinct framework ops with kernels (Step 2) */
    int64_t records;            /* (module, op) records of Step 5 */
} cs_module_stats;

/*
** Computes the ModuleStatistic rows of one rank and appends them to out in
** the reference's order (Step 6.5: by first op start, then op position).
**
** m[0..nm): Step 1 rows; k[0..nk): Step 2 rows; p[0..np): Step 3 rows.  No
** valid range or no kernel link gives no rows and returns 0 (the caller
** names the reason: analyses.md §2.a "Anomalies").  counts may be NULL.
** Returns 0, or -1 with a message in err for a NULL array with a non-zero
** count.  Memory: O(nm + nk + np) plus the strings built (paths, kernel
** lists, op sequences), all freed before return except the rows.
*/
int cs_module_statistic(const cs_module_range *m, size_t nm,
                        const cs_kernel_link *k, size_t nk,
                        const cs_fwd_bwd_pair *p, size_t np,
                        cs_module_rows *out, cs_module_stats *counts,
                        cs_err *err);

/* Frees the rows' strings and buffer and leaves rows empty; NULL is a no-op. */
void cs_module_rows_free(cs_module_rows *rows);

#endif
