/*
** slow_rank.h — the reference's slow_rank vote (analyses.md §2.e) and the
** per-rank communication-op durations it and hccl_sum (§2.f) start from,
** plus describe_duration (§2.0).
**
** What crosses MPI per rank is a cs_op_durs: the distinct names the rank's
** ops use (once each) and one small record per op.
*/
#ifndef CS_SLOW_RANK_H
#define CS_SLOW_RANK_H

#include <stdbool.h>
#include <stdint.h>
#include "codec.h"
#include "cs_base.h"

#define CS_OP_NO_NAME UINT32_MAX

/* One COMMUNICATION_OP row: names are indices into cs_op_durs.names
** (CS_OP_NO_NAME: NULL). */
typedef struct cs_op_dur {
    uint32_t group, name, type;
    int64_t start_ns;
    int64_t dur_ns;         /* endNs - startNs */
} cs_op_dur;

typedef struct cs_op_durs {
    CS_VEC(char *) names;   /* distinct, owned */
    CS_VEC(cs_op_dur) ops;  /* input order (startNs, opId) */
} cs_op_durs;

/* The index of s in d->names, added when absent; NULL → CS_OP_NO_NAME. */
uint32_t cs_op_durs_name(cs_op_durs *d, const char *s);
const char *cs_op_durs_str(const cs_op_durs *d, uint32_t idx);
void cs_op_durs_free(cs_op_durs *d);
void cs_op_durs_encode(const cs_op_durs *d, cs_encoder *e);
void cs_op_durs_decode(cs_decoder *d, cs_op_durs *out);

/* describe_duration (analyses.md §2.0): Count, Mean, sample Std (ddof 1;
** has_std false for one value: NaN in the reference, NULL here), Min,
** Q1, Median, Q3 (linear interpolation, type 7), Max, Sum. */
typedef struct cs_duration_stats {
    int64_t count;
    double mean, std, min, q1, median, q3, max, sum;
    bool has_std;
} cs_duration_stats;

/* v need not be sorted; it is not modified.  n >= 1. */
void cs_describe_duration(const double *v, size_t n, cs_duration_stats *out);

/* The vote of one (group, op) list (judge_slow_rank): n <= 100 Dixon, else
** 3σ.  Writes the flagged indices into out (capacity n) in flag order and
** returns their number.  The minimum's index is its first occurrence in v,
** so a caller that lists rows by ascending rank gets the lowest rank
** (analyses.md §8.6 row 2). */
size_t cs_judge_slow_rank(const double *v, size_t n, size_t *out);

/* One rank's input to the cluster vote. */
typedef struct cs_rank_op_durs {
    int64_t rank;
    const cs_op_durs *ops;
} cs_rank_op_durs;

typedef struct cs_slow_rank_row {
    int64_t rank;
    int64_t count;          /* slowAffectCount */
} cs_slow_rank_row;

typedef struct cs_slow_op_row {
    char *slow_ranks;       /* "r1,r2" in flag order */
    char *op_name, *group_name;
    int64_t timestamp_ns;   /* min startNs of the flagged rows */
    cs_duration_stats st;   /* in µs, as the reference */
} cs_slow_op_row;

typedef struct cs_slow_rank_result {
    CS_VEC(cs_slow_rank_row) ranks;     /* ORDER BY rank */
    CS_VEC(cs_slow_op_row) ops;         /* ORDER BY timestamp, group, op name */
    int64_t groups_excluded;            /* groups dropped: unequal op counts */
} cs_slow_rank_result;

/* The vote over every rank (inputs in ascending rank order): drops ops
** without group or name and ops whose name contains "send" or "receive"
** (any case), drops groups whose op names occur unequally often, then votes
** per (group, op name) over (endNs − startNs)/1000.0. */
void cs_slow_rank_compute(const cs_rank_op_durs *in, size_t n, cs_slow_rank_result *out);
void cs_slow_rank_result_free(cs_slow_rank_result *r);

#endif
