/*
** step_trace.h — the rows of ClusterStepTraceTime (analyses.md §2.b.2):
** every rank's overlap rows, then the stage rows (element-wise maxima).
*/
#ifndef CS_STEP_TRACE_H
#define CS_STEP_TRACE_H

#include "rank_result.h"
#include "stage.h"

typedef struct cs_step_trace_row {
    bool is_stage;
    int64_t rank;           /* rank rows */
    int stage;              /* stage rows: index into the stages, -1 = "()" */
    bool has_step_id;
    int64_t step_id;
    int64_t device;         /* rank rows */
    int64_t v[CS_OV_NVALUES];   /* ns */
    bool has_indices;       /* rank rows with usable distributed_args */
    int64_t dp, pp, tp;
} cs_step_trace_row;

typedef CS_VEC(cs_step_trace_row) cs_step_trace;

/*
** Builds the rows from the results (ascending rank; those with overlap_done
** contribute).  indices, when non-NULL, holds (dp, pp, tp) for ranks
** 0..world-1.  step filter: only rows of step_id when has_step.
*/
void cs_step_trace_build(const cs_rank_result *ranks, size_t n, const cs_stages *stages,
                         const int64_t *indices, int64_t world,
                         bool has_step, int64_t step_id, cs_step_trace *out);

#endif
