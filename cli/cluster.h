/*
** cluster.h — the merged results of a run, built on process 0 from every
** rank's summary (cli/merge.c) and written by cli/export.c.
*/
#ifndef CS_CLUSTER_H
#define CS_CLUSTER_H

#include "comm_sum.h"
#include "groups.h"
#include "hccl_sum.h"
#include "module_cluster.h"
#include "options.h"
#include "rank_result.h"
#include "slow_rank.h"
#include "stage.h"
#include "step_trace.h"
#include "straggler.h"
#include "wait_store.h"

/* What the cluster reduces take from each result as it arrives, so that
** process 0 never holds every rank's communication records and wait tuples
** at once (cs_cluster_feed_rank), in any order: the reduces sort by rank. */
typedef struct cs_cluster_feed {
    cs_comm_acc *comm;          /* NULL: the mode runs no communication reduce */
    bool comm_json;             /* the export writes the JSON files (the reduce keeps what they need) */
    bool comm_failed;           /* a rank's records were malformed, or a spool failed: comm_err says why */
    cs_err comm_err;
    bool spool_in_memory;       /* no temporary file for the table rows: spool_err says why */
    cs_err spool_err;
    cs_wait_store *waits;       /* every fed rank's §8.3 tuples, parked; NULL: no straggler report */
    bool waits_failed;          /* parking a rank's tuples failed: waits_err says why */
    cs_err waits_err;
} cs_cluster_feed;

typedef struct cs_cluster {
    cs_rank_result *ranks;      /* sorted by rank; borrowed */
    size_t n;
    bool overlap_ran;           /* the mode includes the overlap */
    bool modules_ran;           /* module_statistic ran (some rank has Module ranges) */
    cs_group_map groups;
    cs_stages stages;
    int64_t *indices;           /* (dp, pp, tp) per rank < world, or NULL */
    int64_t world;
    char *base_info;            /* ClusterBaseInfo value, or NULL */
    cs_step_trace trace;
    cs_module_cluster modules;  /* columns: the ranks with module rows, ascending */
    int64_t *module_ranks;      /* rank id of each column of modules */
    bool comm_ran;              /* the communication reduce ran (time, bandwidth, matrix) */
    cs_comm_sum comm;
    bool straggler_ran;
    cs_straggler_result strag;
    bool slow_rank_ran;         /* -m slow_rank */
    cs_slow_rank_result slow;
    bool hccl_ran;              /* -m hccl_sum */
    cs_hccl_sum_result hccl;
} cs_cluster;

/* Sorts results by rank, moves their report entries into report and builds
** every cluster-level result the mode needs.  Returns 0, or -1 with a message
** for a fatal condition (nothing analysable, no rank with step N,
** -m module_statistic without any Module range). */
int cs_cluster_merge(const cs_options *o, cs_rank_result *results, size_t n,
                     cs_report *report, cs_cluster *c, cs_err *err);
void cs_cluster_free(cs_cluster *c);

/*
** The same merge with the results fed one at a time as they are decoded:
** cs_cluster_feed_init(), then cs_cluster_feed_rank() for every result (it
** takes the result's communication records and wait tuples, freeing them
** in the result), then cs_cluster_merge_fed() with every result; the feed
** is consumed there (or by cs_cluster_feed_free() when the run stops
** before).  The output is the same as cs_cluster_merge's.
*/
void cs_cluster_feed_init(cs_cluster_feed *f, const cs_options *o);
void cs_cluster_feed_rank(cs_cluster_feed *f, const cs_options *o, cs_rank_result *r);
void cs_cluster_feed_free(cs_cluster_feed *f);
int cs_cluster_merge_fed(const cs_options *o, cs_rank_result *results, size_t n, cs_cluster_feed *f,
                         cs_report *report, cs_cluster *c, cs_err *err);

/* Mode predicates: which analyses a mode runs (outputs.md §2). */
bool cs_mode_runs_overlap(const char *mode);
bool cs_mode_runs_modules(const char *mode);
bool cs_mode_runs_groups(const char *mode);
bool cs_mode_runs_comm_time(const char *mode);     /* time and bandwidth */
bool cs_mode_runs_matrix(const char *mode);
bool cs_mode_runs_straggler(const char *mode);      /* straggler report and clock skew */
bool cs_mode_runs_slow_rank(const char *mode);
bool cs_mode_runs_hccl_sum(const char *mode);

#endif
