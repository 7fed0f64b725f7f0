/*
** rank_result.h — everything one rank contributes to the cluster outputs:
** small per-rank summaries, never raw tables.  A worker process builds one
** per rank it owns; they are encoded, gathered on process 0, decoded and
** merged in rank order there.
*/
#ifndef CS_RANK_RESULT_H
#define CS_RANK_RESULT_H

#include <stdbool.h>
#include "codec.h"
#include "comm_op.h"
#include "module_stat.h"
#include "overlap.h"
#include "slow_rank.h"
#include "straggler.h"
#include "report.h"

/* A communication group this rank took part in. */
typedef struct cs_group_use {
    char *name;             /* HCCL group name string (COMMUNICATION_OP.groupName) */
    bool p2p;               /* type by rule P2 (analyses.md §2.c.2) */
} cs_group_use;

typedef struct cs_device_map_row {
    int64_t rank_id, device_id;
} cs_device_map_row;

typedef struct cs_rank_result {
    int64_t rank;
    char *path;                     /* rank folder */
    bool analysed;                  /* false: the rank was skipped whole ("read") */
    bool overlap_done;              /* overlap rows are valid for this rank */
    cs_overlap_rows overlap;
    CS_VEC(cs_group_use) groups;    /* distinct, in first-seen order */
    char *parallel_group_info;      /* META_DATA JSON text, or NULL */
    char *distributed_args;         /* profiler_metadata.json distributed_args, JSON text, or NULL */
    char *host_uid, *host_name;     /* HOST_INFO; NULL when absent */
    CS_VEC(cs_device_map_row) device_map;
    bool module_read;               /* module_statistic was attempted for this rank */
    bool module_ranges;             /* the rank has Module ranges */
    bool module_no_step;            /* --step_id N: the rank has no STEP_TIME row N */
    char *module_skip_reason;       /* set: no rows, and why */
    cs_module_rows modules;         /* Step 6 rows, in the reference's order */
    bool comm_done;                 /* comm holds this rank's per-op records */
    cs_comm_rank comm;              /* per-op communication records (§2.c.1, §2.d.1) */
    bool wait_done;                 /* wait holds this rank's §8.3 tuples */
    cs_wait_set wait;
    bool stat_no_step;              /* slow_rank/hccl_sum --step_id N: no STEP_TIME row N */
    bool stat_done;                 /* stat_ops holds this rank's ops for slow_rank/hccl_sum */
    cs_op_durs stat_ops;            /* COMMUNICATION_OP durations (analyses.md §2.e, §2.f) */
    cs_report report;               /* this rank's skips and report lines */
} cs_rank_result;

void cs_rank_result_init(cs_rank_result *r, int64_t rank, const char *path);
void cs_rank_result_free(cs_rank_result *r);
/* Adds a group use unless already present. */
void cs_rank_result_add_group(cs_rank_result *r, const char *name, bool p2p);

/* One rank's communication records alone (what cs_rank_result_encode
** writes for them; the links stay out).  Decoding appends to c, which must
** be zeroed or freed; a malformed buffer sets d->failed. */
void cs_comm_rank_encode(const cs_comm_rank *c, cs_encoder *e);
void cs_comm_rank_decode(cs_decoder *d, cs_comm_rank *c);

void cs_rank_result_encode(const cs_rank_result *r, cs_encoder *e);
/* Decodes one result into r (initialised by this call).  Returns -1 on a
** malformed buffer. */
int cs_rank_result_decode(cs_decoder *d, cs_rank_result *r);

#endif
