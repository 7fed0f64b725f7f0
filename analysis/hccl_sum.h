/*
** hccl_sum.h — duration statistics of the communication ops (analyses.md
** §2.f): per op type over all ranks, per rank and op type, the top ops by
** mean duration, and the group map.
*/
#ifndef CS_HCCL_SUM_H
#define CS_HCCL_SUM_H

#include "slow_rank.h"

typedef struct cs_hccl_stats_row {
    char *key;                  /* OpType (all, per rank) or OpName (top) */
    int64_t rank;               /* per rank: Rank */
    cs_duration_stats st;       /* ns */
    int64_t min_rank, max_rank; /* top: lowest rank holding the min / max Duration */
} cs_hccl_stats_row;

typedef CS_VEC(cs_hccl_stats_row) cs_hccl_stats_vec;

typedef struct cs_hccl_group_row {
    char *group_name;
    char *group_id;             /* last 3 characters of str(double_hash(group_name)) */
    char *ranks;                /* distinct ranks ascending, ";"-joined */
} cs_hccl_group_row;

typedef struct cs_hccl_sum_result {
    cs_hccl_stats_vec all;       /* ORDER BY OpType */
    cs_hccl_stats_vec per_rank;  /* ORDER BY Rank, OpType */
    cs_hccl_stats_vec top;       /* ORDER BY MeanNs DESC, OpName; at most top_num */
    CS_VEC(cs_hccl_group_row) groups;    /* ORDER BY GroupId, GroupName */
} cs_hccl_sum_result;

/* in: ascending rank order.  Duration = endNs − startNs (ns); rows with a
** NULL key are left out of that grouping only (pandas). */
void cs_hccl_sum_compute(const cs_rank_op_durs *in, size_t n, int64_t top_num, cs_hccl_sum_result *out);
void cs_hccl_sum_result_free(cs_hccl_sum_result *r);

#endif
