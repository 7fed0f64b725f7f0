/*
** comm_sum.h — the cluster reduce of the communication analyses on process
** 0 (analyses.md §2.c.3, §2.c.4, §2.d.1 integration, §2.d.2, §2.d.3,
** §2.d.4, with the fixes of §8.6): from every rank's per-op records
** (comm_op.h) to the rows of ClusterCommunicationTime,
** ClusterCommunicationBandwidth and ClusterCommunicationMatrix in the
** ORDER BY of outputs.md §3, and the numbers of cluster_communication.json
** and cluster_communication_matrix.json.
**
** Determinism (§8.5): the ranks are taken in ascending rank order whatever
** order they are added in, each rank's ops in their record order; every
** floating sum is accumulated in that order (pandas' Kahan-compensated
** groupby sums where the reference sums with pandas, plain left-to-right
** sums where it sums in Python), so the result does not depend on how the
** ranks were spread over MPI processes.
**
** Local -> global ranks: one cluster-wide map per group, used by the table
** and by the JSON (the reference's JSON path builds its self-link map per
** (rank set, step) block and its metadata keys never match; both fixed).
**
** Memory: the reduce streams.  cs_comm_acc_add() takes one rank at a time:
** its per-op rows, totals and matrix representatives go to spools
** (comm_rows.h), with JSON its records too, step by step; only its groups,
** types, self links and indices stay, so the caller can free the rank's
** records right away, in every mode.  The finish merges the
** representatives one (step, group) at a time and spools the matrix rows;
** cs_comm_time_next(), cs_comm_bw_next() and cs_comm_matrix_next() read the
** rows back in the tables' ORDER BY.
**
** Ownership: the inputs are borrowed during the call that takes them.
** Everything in the result is owned by it (the rows' op names are copied
** into their spools; with JSON, each rank's records are copied, step by
** step, into a spool too) and freed by cs_comm_sum_free().
*/
#ifndef CS_COMM_SUM_H
#define CS_COMM_SUM_H

#include <stdbool.h>
#include "comm_op.h"
#include "comm_rows.h"
#include "groups.h"

/* One rank's records (cs_comm_sum_compute). */
typedef struct cs_comm_sum_input {
    int64_t rank;                   /* global rank id */
    const cs_comm_rank *records;    /* borrowed; NULL = the rank has no records */
} cs_comm_sum_input;

/* ------------------------------------------------------------------------
** Database / CSV rows.  Every row names its group by an index into
** cs_comm_sum.groups (sorted by the text of the hash, so row order by
** index is the ORDER BY's order by group_name).
*/

/* One ClusterCommunicationTime row (times in ms, start in µs). */
typedef struct cs_comm_time_row {
    cs_comm_step step;
    int64_t rank;
    const char *op_name;    /* valid until the cursor's next call; NULL = "Total Op Info" */
    uint32_t group;
    double start_us;        /* 0 on totals */
    double elapse_ms, transit_ms, wait_ms, sync_ms, idle_ms;
    double sync_ratio;      /* sync / (transit + sync), pandas-rounded; 0 on a zero denominator */
    double wait_ratio;      /* wait / (transit + wait), likewise (per-op rows too: §8.6 item 5) */
} cs_comm_time_row;

/* One ClusterCommunicationBandwidth row: one packet size of one band type
** of one op, or of a "Total Op Info". */
typedef struct cs_comm_bw_row {
    cs_comm_step step;
    int64_t rank;
    const char *op_name;    /* valid until the cursor's next call; NULL = "Total Op Info" */
    uint32_t group;
    uint8_t band;           /* cs_comm_band_type; cs_comm_band_name() gives band_type */
    double start_us;        /* the op's start_timestamp (sort key only); 0 on totals */
    double size_mb, time_ms;/* transit_size, transit_time (the op's, repeated per packet row) */
    double bandwidth;       /* GB/s; totals: pandas-rounded size/time, 0 without time */
    double large_packet_ratio; /* 0 on totals */
    double package_size;    /* MB; 0 on the single row of a band without packets */
    int64_t count;
    double total_ms;        /* total_duration */
} cs_comm_bw_row;

/* One ClusterCommunicationMatrix row: a representative of the ops of one
** type, group and link in one step (or a "Total Op Info"), global ranks. */
typedef struct cs_comm_matrix_row {
    cs_comm_step step;
    const char *hccl_op_name;   /* "allreduce-top1", "-middle", "-bottom1..3", "-total", "Total Op Info"
                                ** (borrowed from cs_comm_sum.hccl_names) */
    uint32_t group;
    bool p2p;               /* rule P1 section (the reference's rank_set "p2p"); false on totals */
    int64_t src, dst;       /* global ranks (written as REAL) */
    uint8_t transport;      /* cs_comm_transport: the first rank's */
    const char *op_name;    /* the represented op of the lowest rank (valid until the cursor's next
                            ** call); "" on -total, totals */
    double size_mb, time_ms;
    double bandwidth;       /* size / time unrounded; 0 without time */
} cs_comm_matrix_row;

/* ------------------------------------------------------------------------
** JSON numbers.  Blocks are keyed by a rank set (the reference's
** str(tuple(ranks)), e.g. "(0, 1)") and a step, as communication_group.json
** groups them: the set of a (group, p2p by rule P1) is the ranks that have
** a kept op of that kind in that group.
*/

typedef struct cs_comm_rank_set {
    int64_t *ranks;         /* ascending, owned */
    size_t nranks;
} cs_comm_rank_set;

/* A per-op entry of cluster_communication.json: the op's "Communication
** Time Info" and "Communication Bandwidth Info" are printed from the record
** as they are (all five band types: the absent ones are zeros with an empty
** "Size Distribution"). */
typedef struct cs_comm_json_op {
    uint32_t set;           /* index into cs_comm_sum.sets */
    int64_t rank;
    const cs_comm_rank *records;    /* the rank's records of the block's step (the block's) */
    uint32_t op;            /* index into records->ops; key "<name>@<group hash>" */
} cs_comm_json_op;

/* One band type of a "Total Op Info" of cluster_communication.json. */
typedef struct cs_comm_json_band {
    double size_mb, time_ms;
    double bandwidth;       /* compute_ratio(size, time) */
    uint32_t packet_first, npackets;    /* into the block's packets, merged by size */
} cs_comm_json_band;

/* "Total Op Info@<group>" of one rank in one (set, step) block. */
typedef struct cs_comm_json_total {
    uint32_t set;
    cs_comm_step step;
    uint32_t group;
    int64_t rank;
    double elapse_ms, transit_ms, wait_ms, sync_ms, idle_ms;
    double wait_ratio, sync_ratio;  /* compute_ratio */
    cs_comm_json_band band[CS_BAND_COUNT];  /* every type, zeros included */
} cs_comm_json_total;

/* One link of cluster_communication_matrix.json: block (set, step), key
** "<hccl_op_name>@<group hash>" ("Total Op Info@..." for totals), link
** "src-dst" in global ranks. */
typedef struct cs_comm_json_link {
    uint32_t set;
    cs_comm_step step;
    const char *hccl_op_name;   /* NULL = "Total Op Info" */
    uint32_t group;
    int64_t src, dst;
    uint8_t transport;      /* the last rank's */
    const char *op_name;    /* the last rank's; "" on -total and totals */
    double size_mb, time_ms;
    double bandwidth;       /* compute_ratio(size, time) */
} cs_comm_json_link;

/* A local rank of a group that could not be mapped to a global rank. */
typedef struct cs_comm_unmapped {
    uint32_t group;
    int64_t local_rank;
} cs_comm_unmapped;

/* One rank's communication in sum, for summary.json: its per-op rows'
** wait, synchronization and transit times, and per band type the transit
** size and time of its ops (each op once, not per packet-size row); summed
** in the order of the rank's table rows. */
typedef struct cs_comm_rank_sums {
    int64_t rank;
    bool present;           /* the rank has per-op rows */
    double wait_ms, sync_ms, transit_ms;
    double size_mb[CS_BAND_COUNT], time_ms[CS_BAND_COUNT];
} cs_comm_rank_sums;

/* Counts for the report. */
typedef struct cs_comm_sum_counts {
    int64_t groups_by_metadata;     /* groups mapped with parallel_group_info */
    int64_t groups_by_self_links;   /* groups mapped with the self-link rule */
    int64_t rank_conflicts;         /* self links of two ranks claiming one local rank (first kept) */
    int64_t matrix_rows_dropped;    /* representative rows with an unmapped rank */
    int64_t matrix_totals_zero_time;/* "Total Op Info" links without time: bandwidth 0
                                    ** (the reference divides by zero, §8.6 item 6) */
} cs_comm_sum_counts;

typedef struct cs_comm_name_block cs_comm_name_block;    /* storage of copied op names */
typedef struct cs_comm_json_store cs_comm_json_store;    /* the ranks' records for the JSON, by step */

/* One (set, step) block of cluster_communication.json: the per-op entries
** of the set's ranks in that step (rank order, then op order) and their
** "Total Op Info" entries (sorted by group, rank).  Owns everything. */
typedef struct cs_comm_json_block {
    uint32_t set;
    cs_comm_step step;
    CS_VEC(cs_comm_rank *) records;         /* the member ranks' records of the step */
    CS_VEC(cs_comm_json_op) ops;
    CS_VEC(cs_comm_json_total) totals;
    CS_VEC(cs_comm_packet) packets;         /* the totals' size distributions */
} cs_comm_json_block;

typedef struct cs_comm_sum {
    CS_VEC(cs_comm_group) groups;           /* every group used, sorted by hash text; owned names */
    cs_comm_rows *time;                     /* ClusterCommunicationTime rows (cs_comm_time_next) */
    cs_comm_rows *bandwidth;                /* ClusterCommunicationBandwidth rows (cs_comm_bw_next) */
    CS_VEC(cs_comm_rank_sums) rank_sums;    /* per rank with rows, ascending */
    cs_comm_rows *matrix;                   /* ClusterCommunicationMatrix rows (cs_comm_matrix_next) */
    CS_VEC(char *) hccl_names;              /* the matrix rows' hccl_op_name texts (owned) */
    bool json;                              /* the JSON structures below were built */
    CS_VEC(cs_comm_rank_set) sets;          /* JSON block keys, sorted */
    cs_comm_json_store *json_store;         /* cluster_communication.json's entries (cs_comm_json_blocks) */
    size_t json_ops;                        /* ... how many per-op entries it has */
    size_t json_links;                      /* cluster_communication_matrix.json's links (in json_store) */
    CS_VEC(cs_comm_unmapped) unmapped;      /* sorted by group, local rank */
    cs_comm_sum_counts counts;
} cs_comm_sum;

/*
** The streaming reduce: an accumulator takes the ranks one at a time, in any
** order, then builds the result.
**
** cs_comm_acc_new(opt): opt->rows = build the time and bandwidth rows (the
** matrix and its counts are always built); opt->json = also build the JSON
** structures (sets, json_store: the matrix file's links, and with opt->rows
** the records behind cluster_communication.json).  NULL opt builds
** everything.
** cs_comm_acc_add(): one analysed rank; the records are only read during
** the call.  Returns -1 with a message for malformed records
** (the accumulator stays usable; the rank is not added) and when a spool
** fails (then every later add and the finish fail too).
** cs_comm_acc_finish(): info[0..ninfo) is the union of the ranks'
** parallel_group_info (cs_group_map.info): a group listed there maps local
** rank i to its i-th smallest global rank (§8.6 item 6, fix); a group not
** listed falls back to the self-link rule of §2.d.2.  out must be zeroed.
** Frees acc whatever the outcome.  Returns 0, or -1 with a message when a
** rank was added twice or a spool failed.
*/
typedef struct cs_comm_acc cs_comm_acc;

typedef struct cs_comm_sum_options {
    bool rows;              /* ClusterCommunicationTime / Bandwidth rows (time, bandwidth, rank_sums) */
    bool json;              /* the JSON structures */
    /* Where rows wait for their turn: called for each spool the reduce needs
    ** (it owns them); NULL, or a NULL result: in memory. */
    cs_spool *(*new_spool)(void *arg);
    void *spool_arg;
} cs_comm_sum_options;

cs_comm_acc *cs_comm_acc_new(const cs_comm_sum_options *opt);
int cs_comm_acc_add(cs_comm_acc *acc, int64_t rank, const cs_comm_rank *records, cs_err *err);
int cs_comm_acc_finish(cs_comm_acc *acc, const cs_parallel_group *info, size_t ninfo,
                       cs_comm_sum *out, cs_err *err);
/* Frees an accumulator that is not finished; NULL is a no-op. */
void cs_comm_acc_free(cs_comm_acc *acc);

/*
** The whole reduce at once, JSON included: in[0..nin), one entry per
** analysed rank, any order (two entries with one rank are an error); the
** records are only read during the call.  out must be zeroed.  Returns 0,
** or -1 with a message in err.
*/
int cs_comm_sum_compute(const cs_comm_sum_input *in, size_t nin,
                        const cs_parallel_group *info, size_t ninfo,
                        cs_comm_sum *out, cs_err *err);

/* Frees everything out owns and leaves it zeroed; NULL is a no-op. */
void cs_comm_sum_free(cs_comm_sum *out);

/*
** The blocks of cluster_communication.json in order (sets, then steps),
** built one at a time from the spooled records: visit() gets each block
** with entries (borrowed for the call).  Returns 0, or -1 with a message
** when the records cannot be read back or visit() returned non-zero.
*/
int cs_comm_json_blocks(const cs_comm_sum *s, int (*visit)(void *arg, const cs_comm_json_block *b),
                        void *arg, cs_err *err);

/*
** The (set, step) blocks of cluster_communication_matrix.json in order:
** visit() gets each block's links l[0..n) (borrowed for the call, strings
** included), by group, then the per-op links by hccl_op_name, src, dst,
** then the group's "Total Op Info" links by src, dst.  Returns 0, or -1
** with a message when the links cannot be read back or visit() returned
** non-zero.
*/
int cs_comm_json_link_blocks(const cs_comm_sum *s,
                             int (*visit)(void *arg, uint32_t set, cs_comm_step step, const cs_comm_json_link *l,
                                          size_t n),
                             void *arg, cs_err *err);

/*
** Walking ClusterCommunicationTime / ClusterCommunicationBandwidth whole,
** in their ORDER BY: per (step, rank, group) the per-op rows, then the
** "Total Op Info" rows.  Start with a zeroed cursor; each call returns the
** next row (valid until the next call), NULL after the last or when the
** rows could not be read back (failed set, the message in err).
** cs_comm_cursor_close() frees what a walk holds; a walk that reached its
** end has already let go of it.
*/
typedef struct cs_comm_cursor {
    size_t row;             /* rows returned so far */
    cs_comm_rows_reader *reader;
    bool failed;
    cs_err err;
} cs_comm_cursor;

const cs_comm_time_row *cs_comm_time_next(const cs_comm_sum *s, cs_comm_cursor *at);
const cs_comm_bw_row *cs_comm_bw_next(const cs_comm_sum *s, cs_comm_cursor *at);
const cs_comm_matrix_row *cs_comm_matrix_next(const cs_comm_sum *s, cs_comm_cursor *at);
size_t cs_comm_matrix_rows(const cs_comm_sum *s);
void cs_comm_cursor_close(cs_comm_cursor *at);
size_t cs_comm_time_rows(const cs_comm_sum *s);         /* per-op rows + totals */
size_t cs_comm_bw_rows(const cs_comm_sum *s);
/* The sums of one rank (NULL when it has no rows) and of the cluster
** (the ranks' sums added in rank order; present false without rows). */
const cs_comm_rank_sums *cs_comm_sums_of(const cs_comm_sum *s, int64_t rank);
cs_comm_rank_sums cs_comm_sums_cluster(const cs_comm_sum *s);

#endif
