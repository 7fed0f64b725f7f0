/*
** straggler.h — cross-rank wait attribution (analyses.md §8.3) and the
** clock-skew table (§8.4): ClusterStragglers, ClusterWaitInstances,
** ClusterWaitDetail and ClusterClockOffsets (outputs.md §3).
**
** Pure computation: no I/O, no SQLite, no MPI.  Two halves:
**
**   per rank (the worker that owns the rank):
**     cs_wait_set_add_rank_ops() turns the rank's raw records (its
**     COMMUNICATION_OP rows, step windows, compute ranges, TASK rows and
**     CANN_API node rows) into one small cs_wait_op per op, appended to a
**     cs_wait_set.  The set is what crosses MPI: cs_wait_set_encode() /
**     cs_wait_set_decode(); 112 bytes per op plus its distinct strings.
**
**   cluster (process 0):
**     cs_wait_store_add() parks each decoded set in a spool (wait_store.h;
**     any order: the result does not depend on it), then
**     cs_straggler_compute_store() gives the four tables' rows, sorted as
**     outputs.md §3 says, and the report lines.
**
** Ownership: every function borrows its inputs.  A cs_wait_set owns its
** strings, ranks and ops (cs_wait_set_free); a cs_straggler_result owns its
** rows and every string they point to (cs_straggler_result_free).
*/
#ifndef CS_STRAGGLER_H
#define CS_STRAGGLER_H

#include <stdbool.h>
#include "codec.h"
#include "cs_base.h"
#include "groups.h"
#include "interval.h"
#include "report.h"
#include "spool.h"
#include "steps.h"

/* ------------------------------------------------------------------------
** Interned strings: each distinct string once, numbered in first-use order.
** Ids are local to their table; nothing in the results depends on them
** (everything is ordered by the strings' bytes).
*/
typedef struct cs_wait_strings {
    CS_VEC(char *) items;   /* by id, owned */
    uint32_t *slots;        /* open addressing: id + 1, 0 = empty */
    size_t nslots;
} cs_wait_strings;

/* ------------------------------------------------------------------------
** The per-op tuple (analyses.md §8.3, last paragraph).
*/

#define CS_WAIT_UNKNOWN_NS INT64_MIN   /* launch_ns without a CANN_API node row */

typedef enum cs_wait_step_kind {
    CS_WAIT_STEP_NONE = 0,  /* the op lies in no step window: step NULL */
    CS_WAIT_STEP_NO_ID = 1, /* the single step of a profile without steps: "step" */
    CS_WAIT_STEP_ID = 2     /* "step<step_id>" */
} cs_wait_step_kind;

/* One COMMUNICATION_OP row of one rank, as the attribution needs it.  All
** times are int64 ns in the rank's own (uncorrected) clock. */
typedef struct cs_wait_op {
    int64_t rank;
    int64_t op_id;          /* COMMUNICATION_OP.opId: orders ops with equal
                            ** startNs for the fallback key's k */
    int64_t arrive_ns;      /* startNs */
    int64_t leave_ns;       /* endNs */
    int64_t launch_ns;      /* startNs of the CANN_API row with type 10000 and
                            ** the op's connectionId; CS_WAIT_UNKNOWN_NS if none */
    int64_t ws_ns;          /* window start ws_r (see cs_wait_set_add_rank_ops) */
    int64_t busy_ns;        /* |∪ compute ranges ∩ [ws_ns, arrive_ns)| */
    int64_t idle_before_ns; /* device idle right before the op, >= 0 */
    int64_t step_id;        /* step_kind == CS_WAIT_STEP_ID only */
    int64_t rank_size;      /* rankSize; -1 when NULL or INVALID */
    double transit_ms;      /* Transit time (§2.c.1); NAN without small tasks */
    double sync_ms;         /* Synchronization time (§2.c.1); NAN without small tasks */
    uint32_t group;         /* string id: the HCCL group name (COMMUNICATION_OP.groupName) */
    uint32_t op_name;       /* string id: opName, e.g. hcom_allReduce__606_3_1 */
    uint32_t op_type;       /* string id: opType, e.g. hcom_allReduce_ */
    uint8_t step_kind;      /* cs_wait_step_kind, by the exact-ns rule */
} cs_wait_op;

/* An analysed rank and its host (HOST_INFO). */
typedef struct cs_wait_rank {
    int64_t rank;
    uint32_t host_uid;      /* string id of hostUid; "" when HOST_INFO is absent */
    uint32_t host_name;     /* string id of hostName; "" when absent */
} cs_wait_rank;

typedef struct cs_wait_set {
    cs_wait_strings strings;
    CS_VEC(cs_wait_rank) ranks;     /* every analysed rank, ops or not */
    CS_VEC(cs_wait_op) ops;
} cs_wait_set;

/* Interns str (NULL reads as "") and returns its id. */
uint32_t cs_wait_set_intern(cs_wait_set *s, const char *str);
/* The string of an id; borrowed from the set. */
const char *cs_wait_set_string(const cs_wait_set *s, uint32_t id);
/* Adds an analysed rank (its row in ClusterStragglers, zeros included).
** host_uid / host_name NULL read as "": ranks without HOST_INFO form one
** host "" (no clock correction between them). */
void cs_wait_set_add_rank(cs_wait_set *s, int64_t rank, const char *host_uid,
                          const char *host_name);

/* ------------------------------------------------------------------------
** Per rank: from raw records to tuples.
*/

/* One COMMUNICATION_OP row with its §2.c.1 time info. */
typedef struct cs_wait_raw_op {
    int64_t op_id;          /* opId */
    int64_t connection_id;  /* connectionId */
    int64_t start_ns;       /* startNs */
    int64_t end_ns;         /* endNs */
    const char *group_name; /* STRING_IDS(groupName); NULL: the op is left out
                            ** (the reader counts it, §2.c.1 "Bad inputs") */
    const char *op_name;    /* STRING_IDS(opName); NULL reads as "" */
    const char *op_type;    /* STRING_IDS(opType); NULL reads as "" */
    int64_t rank_size;      /* rankSize; -1 when NULL or INVALID */
    double transit_ms;      /* Transit / Synchronization times of the op's time
                            ** info (§2.c.1), computed for EVERY op, whatever the
                            ** µs step rule says; NAN when the op has no small
                            ** tasks (or no master plane) */
    double sync_ms;
} cs_wait_raw_op;

/* One TASK row (any task type: compute, HCCL, memcpy, ...). */
typedef struct cs_wait_task {
    int64_t start_ns, end_ns;
    int64_t connection_id;  /* TASK.connectionId; INVALID values are fine */
} cs_wait_task;

/* Everything one rank supplies. Arrays are borrowed, any order unless said. */
typedef struct cs_wait_rank_input {
    int64_t rank;
    const char *host_uid;   /* HOST_INFO.hostUid, NULL if absent */
    const char *host_name;  /* HOST_INFO.hostName, NULL if absent */
    const cs_wait_raw_op *ops;      /* every COMMUNICATION_OP row (not only the
                                    ** ones the §2.c.1 step rule keeps) */
    size_t nops;
    const cs_step *steps;   /* the step windows of §2.b.1 (START/END), in step
                            ** order as cs_step_builder leaves them, or the one
                            ** no-id window of cs_step_no_steps(); 0 steps: every
                            ** op is in no step */
    size_t nsteps;
    const cs_range *compute;        /* compute ranges of §2.b.1 (COMPUTE_TASK_INFO ⋈ TASK,
                                    ** or the KERNEL_* fallback); merged here */
    size_t ncompute;
    const cs_wait_task *tasks;      /* every TASK row with valid times */
    size_t ntasks;
    const cs_launch *launches;      /* CANN_API rows with type = 10000 */
    size_t nlaunches;
} cs_wait_rank_input;

/*
** Adds the rank (cs_wait_set_add_rank) and one cs_wait_op per op with a
** group name, computing, per op o of rank r (analyses.md §8.3 "Per member"):
**   step      the first window, in the given order, with START <= o.startNs
**             <= END (exact ns); none → CS_WAIT_STEP_NONE;
**   ws        endNs of r's previous op of the same group in the same step
**             (ops ordered by startNs, opId); the step's START for the first
**             op of the group in the step.  The ops in no step count as one
**             more step whose START is r's earliest TASK.startNs (no task at
**             all: o.startNs, an empty window);
**   busy      the length of the union of the compute ranges clipped to
**             [ws, o.startNs) (0 when ws >= o.startNs);
**   idle_before  o.startNs − max(ws, latest endNs of the tasks that start
**             before o.startNs and whose connectionId is not o's), floored
**             at 0;
**   launch    startNs of the launch with o's connectionId (the earliest if
**             several), else unknown.
** Cost O((T + C + N) log) for T tasks, C compute ranges, N ops; scratch
** memory O(N + C), plus a sorted copy of the tasks if they are not already
** in startNs order.  Returns 0, or -1 with a message in err for a NULL array
** with a non-zero count.
*/
int cs_wait_set_add_rank_ops(cs_wait_set *s, const cs_wait_rank_input *in, cs_err *err);


void cs_wait_set_encode(const cs_wait_set *s, cs_encoder *e);
/* Decodes into s (zeroed or freed by the caller).  Returns -1 on a malformed
** buffer (s is then freed). */
int cs_wait_set_decode(cs_decoder *d, cs_wait_set *s);

/* Frees what s owns and zeroes it; NULL is a no-op. */
void cs_wait_set_free(cs_wait_set *s);

/* ------------------------------------------------------------------------
** Cluster: attribution and the output rows.
*/

typedef struct cs_straggler_options {
    bool only_step;         /* --step_id N: rows and per-rank totals of the
                            ** instances whose step is stepN only (the
                            ** attribution and the clock offsets use all) */
    int64_t step_id;
    const cs_parallel_group *groups;   /* parallel_group_info entries (group_id →
                                       ** pg_name) for the groups lists; may be NULL */
    size_t ngroups;
    /* Spools for the member records, the window bounds and the rows that
    ** wait for the export (and, in cs_straggler_compute, the ops).  NULL:
    ** all in memory, the rows as vectors; a NULL result: that one spool in
    ** memory. */
    cs_spool *(*new_spool)(void *arg);
    void *spool_arg;
} cs_straggler_options;

/* One ClusterStragglers row. */
typedef struct cs_straggler_row {
    int64_t rank;
    double wait_caused_us;          /* root-cause attribution */
    double wait_caused_direct_us;   /* as the last arrival */
    double wait_suffered_us;
    int64_t instances_last;
    const char *reason;             /* compute, launch, transfer, unknown or "" */
    const char *groups;             /* ";"-joined, "" when never last */
    const char *steps;              /* ";"-joined by number, "" when never last;
                                    ** the NULL step is not listed */
} cs_straggler_row;

/* One ClusterWaitInstances row (instances with >= 2 members). */
typedef struct cs_wait_instance_row {
    const char *step;               /* "step6", "step", or NULL */
    const char *group_name;         /* group hash, decimal */
    const char *op_name;            /* the lowest member's op name */
    int64_t members;
    int64_t rank_size;              /* expected members */
    bool has_last_rank;             /* false: spread <= 20 µs (NULL) */
    int64_t last_rank;
    double last_arrival_us;         /* last arrival − first arrival */
    double wait_caused_us;          /* Σ of the peers' waits; 0 when not attributed */
    const char *reason;             /* propagated, compute, launch, transfer, unknown or "" */
    bool has_root_rank;
    int64_t root_rank;
    size_t detail_first, ndetail;   /* its members' ClusterWaitDetail rows */
} cs_wait_instance_row;

/* One ClusterWaitDetail row. */
typedef struct cs_wait_detail_row {
    const char *step;               /* as the instance */
    const char *group_name;
    const char *op_name;            /* this rank's op name */
    int64_t rank;
    double wait_us;                 /* last arrival − this rank's arrival */
    bool has_sync;                  /* false: NULL (no small tasks) */
    double synchronization_ms;
} cs_wait_detail_row;

/* One ClusterClockOffsets row. */
typedef struct cs_clock_offset_row {
    const char *host;               /* hostName */
    const char *host_uid;
    bool has_offset;                /* false: not reached (NULL) */
    double offset_us;
    int64_t offset_ns;
    int64_t instances;
    const char *warning;            /* "" when none */
} cs_clock_offset_row;

/* Counts behind the report lines (after the --step_id filter, except the
** host counts). */
typedef struct cs_straggler_counts {
    int64_t instances;              /* rows of ClusterWaitInstances */
    int64_t attributed;             /* ... with spread > 20 µs */
    int64_t propagated;             /* ... with reason propagated */
    int64_t one_member;             /* instances with one member: no row */
    int64_t incomplete;             /* 2 <= members < expected */
    int64_t oversized;              /* members > expected */
    int64_t fallback_groups;        /* groups keyed by (opType, k) */
    int64_t hosts_unreached;        /* hosts without a clock offset */
    int64_t instances_uncorrected;  /* instances across hosts without an offset */
} cs_straggler_counts;

/* Room for an op name in a logged row: names of up to 63 bytes travel
** inline, longer ones are kept in the result's strings. */
#define CS_WAIT_NAME_INLINE 64

/* A row as cs_straggler_instances() / cs_straggler_details() hand it out:
** row.op_name may point into name, so the record must stay where it is. */
typedef struct cs_wait_instance_rec {
    cs_wait_instance_row row;
    char name[CS_WAIT_NAME_INLINE];
} cs_wait_instance_rec;

typedef struct cs_wait_detail_rec {
    cs_wait_detail_row row;
    char name[CS_WAIT_NAME_INLINE];
} cs_wait_detail_rec;

typedef struct cs_straggler_result {
    cs_wait_strings strings;        /* owns every string the rows point to */
    CS_VEC(cs_straggler_row) stragglers;    /* ORDER BY wait_caused_us DESC, rank */
    /* ClusterWaitInstances, ORDER BY step, group_name, key, and
    ** ClusterWaitDetail, ORDER BY as the instances, then rank: in memory
    ** (instances, details) without a spool factory, else in record logs.
    ** Read either way with cs_straggler_instances() / cs_straggler_details(). */
    CS_VEC(cs_wait_instance_row) instances;
    cs_record_log instance_log;
    size_t ninstances;
    CS_VEC(cs_wait_detail_row) details;
    cs_record_log detail_log;
    size_t ndetails;
    /* The (at most) 20 instances with the largest wait_caused_us > 0, by it
    ** descending, ties in table order (the Overview's "top waits"). */
    CS_VEC(cs_wait_instance_row) top_waits;
    CS_VEC(cs_clock_offset_row) offsets;    /* ORDER BY host, host_uid */
    cs_straggler_counts counts;
} cs_straggler_result;

typedef struct cs_wait_store cs_wait_store;

/*
** Runs §8.3 and §8.4 on every op parked in st (wait_store.h).  out is
** filled (zeroed first).  When report is non-NULL, appends the report
** lines: one clock-skew warning per host (CS_LINE_CLOCK_SKEW, seq = its
** ClusterClockOffsets row) and "straggler: ..." count lines (counts of 0
** are not reported).  opt may be NULL; with opt->new_spool the member
** records, the window bounds and the instance and detail rows go to spools
** it makes (memory when it returns NULL).  Returns 0, or -1 with a message
** in err when an op's rank is not listed, a rank is listed twice or a
** spool fails.
** Memory: per instance (~100 bytes and its root-cause entries), per rank
** (sums, lists, and the waits its open windows can still reach: all of
** them while an op outside every step, whose window spans the run, is
** pending) and per host, plus 24 bytes per member of the instances across
** hosts while the clock offsets are computed; the ops and rows stay in the
** spools.  Cost: O(N log N) for N ops plus, per member of
** an attributed instance, the waits inside its window.
*/
int cs_straggler_compute_store(cs_wait_store *st, const cs_straggler_options *opt,
                               cs_straggler_result *out, cs_report *report, cs_err *err);

/* The same on the ops of one set (a store made for the call, in a spool of
** opt->new_spool when given). */
int cs_straggler_compute(const cs_wait_set *s, const cs_straggler_options *opt,
                         cs_straggler_result *out, cs_report *report, cs_err *err);

/* Frees what r owns and zeroes it; NULL is a no-op. */
void cs_straggler_result_free(cs_straggler_result *r);

/* ClusterWaitInstances / ClusterWaitDetail rows [first, first + n) into
** out, from memory or the log; their strings point into r or into out's
** records.  0, or -1 with a message. */
int cs_straggler_instances(const cs_straggler_result *r, size_t first, size_t n, cs_wait_instance_rec *out,
                           cs_err *err);
int cs_straggler_details(const cs_straggler_result *r, size_t first, size_t n, cs_wait_detail_rec *out,
                         cs_err *err);

/* ------------------------------------------------------------------------
** Pieces exposed for the unit tests.
*/

/* The sequence number of an op name: the second-to-last "_"-separated field
** when it is a non-empty run of decimal digits (hcom_allReduce__606_3_1 →
** 3), else -1 (also when it does not fit in int64). */
int64_t cs_wait_sequence_number(const char *op_name);

#endif
