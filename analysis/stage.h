/*
** stage.h — pipeline stages and parallel indices for ClusterStepTraceTime
** (analyses.md §2.b.2 steps 3–5).
*/
#ifndef CS_STAGE_H
#define CS_STAGE_H

#include <stdbool.h>
#include "cs_base.h"
#include "groups.h"

/* A stage: a sorted set of ranks. */
typedef struct cs_stage {
    int64_t *ranks;
    size_t nranks;
} cs_stage;

typedef CS_VEC(cs_stage) cs_stages;

/* Builds the stages from the group map.  Leaves *out empty when no p2p group
** has a pg_name starting with "pp" (no pipeline parallelism visible), in
** which case no stage rows are written.  Stages are ordered by min rank. */
void cs_stages_build(const cs_group_map *m, cs_stages *out);
/* Index of the first stage holding rank, or -1. */
int cs_stages_find(const cs_stages *s, int64_t rank);
void cs_stages_free(cs_stages *s);

/* distributed_args fields the parallel indices need; 0 = absent. */
typedef struct cs_dist_args {
    int64_t world, tp, pp, dp, cp, ep;
} cs_dist_args;

/* Megatron's partition of ranks 0..world-1 into (dp, pp, tp) indices.
** Fills idx[rank*3 + {0,1,2}] for rank < world.  Returns -1 with a message
** when the arguments are not usable. */
int cs_parallel_indices(const cs_dist_args *a, int64_t *idx, cs_err *err);

#endif
