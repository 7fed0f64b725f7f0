/*
** comm_op.h — the per-op communication numbers of one rank (analyses.md
** §2.c.1 and §2.d.1): for every HCCL op, the Elapse / Transit / Wait /
** Synchronization / Idle times of its master plane, the bandwidth per band
** type with its packet-size distribution, and the op's matrix links, plus
** the torch_npu step rule that gives each op its step or drops it.
**
** Pure computation: no I/O, no SQLite, no MPI.  It runs in the worker that
** owns the rank; its result (cs_comm_rank) is small and is what crosses to
** process 0, where comm_sum.h builds the cluster tables.
**
** Inputs the reader provides (one call per rank):
**   - ops:   the rank's COMMUNICATION_OP rows (cs_comm_op_in), in the order
**            the output should keep (suggested: ORDER BY startNs, opId);
**   - tasks: the rank's COMMUNICATION_TASK_INFO rows joined with TASK on
**            globalTaskId (cs_comm_task), any order: they are grouped by
**            op_id and, inside an op, ordered by start_ns; tasks with equal
**            start_ns keep the order in which they were passed, so pass them
**            in COMMUNICATION_TASK_INFO row order (or ORDER BY opId, startNs,
**            rowid).  Rows with NULL or absurd times must be excluded (and
**            counted) by the reader, as for the overlap;
**   - steps: the rank's step windows (steps.h: START/END, sorted by host
**            start as cs_step_builder leaves them), or the single no-id
**            window of cs_step_no_steps() when the rank has no step.
**
** Ownership: every input is borrowed and only read during the call (tasks
** are not reordered).  The cs_comm_rank filled by the call owns all its
** memory; free it with cs_comm_rank_free().
*/
#ifndef CS_COMM_OP_H
#define CS_COMM_OP_H

#include <stdbool.h>
#include "cs_base.h"
#include "steps.h"

/* ------------------------------------------------------------------------
** Rounding as the reference rounds (analyses.md §0).
*/

/* Python's round(x, 4): the exact binary value rounded to 4 decimals, ties
** to even (printf("%.4f") then strtod in the C locale).  NaN and infinities
** are returned unchanged. */
double cs_round4(double x);

/* pandas' Series.round(4) = numpy.around: rint(x * 1e4) / 1e4.  The
** product is rounded first, so a few 5-decimal values round the other way
** than cs_round4: the communication_time_sum recipe rounds with this one. */
double cs_np_round4(double x);

/* compute_ratio(a, b) of the reference: 0 when |b| < 1e-15, else
** cs_round4(a / b). */
double cs_compute_ratio(double a, double b);

/* ------------------------------------------------------------------------
** Inputs.
*/

/* Raw codes of ENUM_HCCL_TRANSPORT_TYPE, ENUM_HCCL_LINK_TYPE and
** ENUM_HCCL_RDMA_TYPE (input-formats.md §2).  The reader passes the stored
** code; NULL or a code outside the table is passed as CS_HCCL_INVALID. */
enum {
    CS_HCCL_TRANSPORT_SDMA = 0,
    CS_HCCL_TRANSPORT_RDMA = 1,
    CS_HCCL_TRANSPORT_LOCAL = 2
};
enum {
    CS_HCCL_LINK_ON_CHIP = 0,
    CS_HCCL_LINK_HCCS = 1,
    CS_HCCL_LINK_PCIE = 2,
    CS_HCCL_LINK_ROCE = 3,
    CS_HCCL_LINK_SIO = 4,
    CS_HCCL_LINK_HCCS_SW = 5,
    CS_HCCL_LINK_STANDARD_ROCE = 6
};
enum {
    CS_HCCL_RDMA_SEND_NOTIFY = 0,
    CS_HCCL_RDMA_SEND_PAYLOAD = 1
};
#define CS_HCCL_RESERVED 255
#define CS_HCCL_NA 65534
#define CS_HCCL_INVALID 65535

/* The HCCL task kind (STRING_IDS value of COMMUNICATION_TASK_INFO.taskType,
** not TASK.taskType) as far as the computation needs it. */
typedef enum cs_hccl_kind {
    CS_HCCL_KIND_OTHER = 0,         /* Notify_Record, RDMASend, ... */
    CS_HCCL_KIND_MEMCPY,            /* "Memcpy" */
    CS_HCCL_KIND_REDUCE_INLINE,     /* "Reduce_Inline" */
    CS_HCCL_KIND_NOTIFY_WAIT        /* "Notify_Wait" */
} cs_hccl_kind;

/* Classifies a taskType string (exact, case-sensitive match as msprof
** does); NULL is CS_HCCL_KIND_OTHER.  The reader calls it once per string
** id, not once per row. */
cs_hccl_kind cs_hccl_kind_of(const char *task_type);

/* flags of cs_comm_task */
#define CS_COMM_TASK_SIZE_NULL 0x01     /* COMMUNICATION_TASK_INFO.size is NULL */
#define CS_COMM_TASK_SRC_NULL 0x02      /* srcRank is NULL */
#define CS_COMM_TASK_DST_NULL 0x04      /* dstRank is NULL */

/* One HCCL small task: COMMUNICATION_TASK_INFO ⋈ TASK (56 bytes). */
typedef struct cs_comm_task {
    int64_t op_id;          /* COMMUNICATION_TASK_INFO.opId = COMMUNICATION_OP.opId */
    int64_t start_ns;       /* TASK.startNs */
    int64_t end_ns;         /* TASK.endNs */
    int64_t size_bytes;     /* COMMUNICATION_TASK_INFO.size (0 when NULL: see flags) */
    uint32_t src_rank;      /* srcRank: local rank in the group; 0xFFFFFFFF = INVALID */
    uint32_t dst_rank;      /* dstRank: local rank; 0xFFFFFFFF = "self" for the matrix */
    int32_t plane_id;       /* planeId */
    uint16_t transport;     /* ENUM_HCCL_TRANSPORT_TYPE code */
    uint16_t link;          /* ENUM_HCCL_LINK_TYPE code */
    uint16_t rdma;          /* ENUM_HCCL_RDMA_TYPE code */
    uint8_t kind;           /* cs_hccl_kind */
    uint8_t is_master;      /* isMaster == 1 */
    uint8_t flags;          /* CS_COMM_TASK_* */
} cs_comm_task;

/* One COMMUNICATION_OP row. */
typedef struct cs_comm_op_in {
    int64_t op_id;          /* opId */
    const char *op_name;    /* STRING_IDS(opName), e.g. hcom_allReduce__606_0_1; NULL reads as "" */
    const char *group_name; /* STRING_IDS(groupName), the HCCL group string; NULL: the op
                            ** is left out of every communication output (counted) */
} cs_comm_op_in;

/* What to keep. */
typedef struct cs_comm_options {
    bool only_step;         /* --step_id N: keep only the ops the step rule puts into stepN */
    int64_t step_id;        /* N */
} cs_comm_options;

/* ------------------------------------------------------------------------
** Output: one rank's per-op records, flat arrays linked by index so that
** they encode compactly.
*/

/* Band types of "Communication Bandwidth Info", numbered in the text order
** of their names (the ORDER BY of ClusterCommunicationBandwidth). */
typedef enum cs_comm_band_type {
    CS_BAND_HCCS = 0,
    CS_BAND_PCIE,
    CS_BAND_RDMA,
    CS_BAND_SDMA,           /* own SDMA + HCCS + PCIE + SIO (its distribution is its own) */
    CS_BAND_SIO,
    CS_BAND_COUNT
} cs_comm_band_type;

/* "HCCS", "PCIE", "RDMA", "SDMA", "SIO"; static, do not free. */
const char *cs_comm_band_name(int band);

/* Matrix transport types (analyses.md §2.d.1): LOCAL for ON_CHIP, HCCS for
** HCCS and HCCS_SW, the link name otherwise (SDMA tasks); the transport
** name for RDMA payload runs. */
typedef enum cs_comm_transport {
    CS_TRANSPORT_LOCAL = 0,
    CS_TRANSPORT_HCCS,
    CS_TRANSPORT_PCIE,
    CS_TRANSPORT_ROCE,
    CS_TRANSPORT_SIO,
    CS_TRANSPORT_STANDARD_ROCE,
    CS_TRANSPORT_RDMA,
    CS_TRANSPORT_SDMA,
    CS_TRANSPORT_RESERVED,
    CS_TRANSPORT_NA,            /* "N/A" */
    CS_TRANSPORT_INVALID,       /* "INVALID_TYPE" */
    CS_TRANSPORT_COUNT
} cs_comm_transport;

/* The transport type as the outputs write it; static, do not free. */
const char *cs_comm_transport_name(int transport);

/* One entry of a band's "Size Distribution": packets of one size. */
typedef struct cs_comm_packet {
    double size_mb;         /* the key: bytes / 1e6 (an RDMA run: its summed payload) */
    int64_t count;
    double total_ms;        /* summed transit time of those packets */
} cs_comm_packet;

/* One band type of one op.  Only the types that give a CommAnalyzerBandwidth
** row are stored (size + time + bandwidth + ratio != 0); an absent type is
** all zeros with an empty distribution.  npackets == 0 (SDMA fed only by
** HCCS/PCIE/SIO) stands for the producer's single row with package_size,
** count and total_duration 0. */
typedef struct cs_comm_band {
    uint8_t type;           /* cs_comm_band_type */
    uint32_t packet_first;  /* index into cs_comm_rank.packets */
    uint32_t npackets;      /* distinct sizes, in first-seen order */
    double size_mb;         /* Transit Size(MB) */
    double time_ms;         /* Transit Time(ms) */
    double bandwidth;       /* Bandwidth(GB/s) = round((MB/1000)/(ms/1000), 4), 0 without time */
    double large_packet_ratio; /* round(large/packets, 4); always 0 for SDMA */
} cs_comm_band;

/* One link of an op's communication matrix, local ranks of its group. */
typedef struct cs_comm_link {
    uint32_t src, dst;      /* "src-dst"; dst 0xFFFFFFFF already replaced by src */
    uint8_t transport;      /* cs_comm_transport of the last task on the link */
    double size_mb;         /* Transit Size(MB) */
    double time_ms;         /* Transit Time(ms) */
    double bandwidth;       /* round(size/time, 4), 0 without time */
} cs_comm_link;

/* One kept op (it has a time row). */
typedef struct cs_comm_op {
    char *name;             /* hccl_op_name (owned) */
    uint32_t group;         /* index into cs_comm_rank.groups */
    bool has_step_id;       /* false: step "step" (profile without steps) */
    int64_t step_id;        /* "step<id>" */
    bool p2p;               /* rule P1 (analyses.md §2.c.2) */
    double start_us;        /* Start Timestamp(us): nearest double to t / 1000 */
    double elapse_ms, transit_ms, wait_ms, sync_ms, idle_ms;
    double wait_ratio;      /* round(wait / (wait + transit), 4), 0 on a zero denominator */
    double sync_ratio;      /* round(sync / (sync + transit), 4), likewise */
    uint32_t band_first, nbands;    /* into bands, types ascending */
    uint32_t link_first, nlinks;    /* into links, in first-seen order */
} cs_comm_op;

/* A communication group used by a kept op. */
typedef struct cs_comm_group {
    char *name;             /* HCCL group name (owned) */
    uint64_t hash;          /* double_hash(name): the group_name column */
} cs_comm_group;

/* Counts for the report (analyses.md §2.c.1 "Bad inputs"). */
typedef struct cs_comm_counts {
    int64_t ops;                /* COMMUNICATION_OP rows given */
    int64_t ops_kept;           /* ops with a time row (= cs_comm_rank.ops.len) */
    int64_t ops_no_group;       /* group name NULL: left out */
    int64_t ops_no_tasks;       /* no small task: no time, bandwidth or matrix row */
    int64_t ops_no_master;      /* no isMaster task: plane 0 taken as master */
    int64_t ops_no_master_plane;/* ... and no plane-0 task either: no rows */
    int64_t ops_dropped_step;   /* dropped by the µs step rule (§8.6 item 13) */
    int64_t ops_other_step;     /* --step_id: put into another step, not kept */
    int64_t tasks_orphan;       /* tasks whose opId matches no op */
    int64_t tasks_size_null;    /* left out of bandwidth and matrix sums */
    int64_t rdma_runs_incomplete; /* payload runs without their closing tasks:
                                ** nothing counted for them, as msprof */
    int64_t matrix_tasks_no_rank; /* SDMA/RDMA tasks the matrix skips: srcRank
                                ** NULL/INVALID or dstRank NULL */
    int64_t idle_mismatch;      /* |transit + wait + idle − elapse| too large: internal error */
} cs_comm_counts;

/* Kinds of matrix representatives (torch_npu integrate_matrix_data). */
enum { CS_REP_TOP1, CS_REP_MIDDLE, CS_REP_BOTTOM1, CS_REP_BOTTOM2, CS_REP_BOTTOM3, CS_REP_TOTAL, CS_REP_COUNT };

/* One representative row of the rank's matrix (a CommAnalyzerMatrix row):
** the links of one (step, rule P1 section, op type, group, src, dst) over
** the rank's ops, sorted by bandwidth descending, give top1, middle,
** bottom1..3 (one link each) and total (their sums).  The key's step, p2p,
** group and type (cs_comm_matrix_type of the name) are those of key_op. */
typedef struct cs_comm_rep {
    uint32_t key_op;        /* an op of the run: index into cs_comm_rank.ops */
    uint32_t op;            /* the represented op (its name is op_name); UINT32_MAX on total ("") */
    uint32_t src, dst;      /* local ranks of the group */
    uint8_t kind;           /* CS_REP_* */
    uint8_t transport;      /* cs_comm_transport: the link's; total: the top link's */
    double size_mb, time_ms;
} cs_comm_rep;

/* One rank's communication records. */
typedef struct cs_comm_rank {
    CS_VEC(cs_comm_group) groups;   /* distinct, in first-use order */
    CS_VEC(cs_comm_op) ops;         /* kept ops, in input order */
    CS_VEC(cs_comm_band) bands;
    CS_VEC(cs_comm_packet) packets;
    CS_VEC(cs_comm_link) links;     /* the worker's only: not encoded (reps carry the matrix) */
    CS_VEC(cs_comm_rep) reps;       /* the matrix representatives of the links, any order */
    cs_comm_counts counts;
} cs_comm_rank;

/*
** Computes the per-op records of one rank (analyses.md §2.c.1, §2.d.1) into
** out, which must be zeroed (`cs_comm_rank r = {0};`) or freshly freed.
**
** ops[0..nops), tasks[0..ntasks), steps[0..nsteps): see the file header.
** nsteps == 0 keeps no op (every op is dropped by the step rule); pass the
** no-step window instead.  opt may be NULL (keep every step).
** Returns 0, or -1 with a message in err for a NULL array with a non-zero
** count or more than 2^32-1 records.  Memory: the output plus O(ntasks)
** scratch (an index of the tasks), freed before return.
*/
int cs_comm_rank_compute(const cs_comm_op_in *ops, size_t nops,
                         const cs_comm_task *tasks, size_t ntasks,
                         const cs_step *steps, size_t nsteps,
                         const cs_comm_options *opt,
                         cs_comm_rank *out, cs_err *err);

/* Frees everything r owns and leaves it zeroed; NULL is a no-op. */
void cs_comm_rank_free(cs_comm_rank *r);

/* Replaces r->reps by the matrix representatives of r->links (comm_rep.c).
** cs_comm_rank_compute calls it; records built by hand need it once their
** links are complete.  The per-rank half of the matrix reduce runs where the
** links are, so that only its result (a few rows per link and step instead
** of a link per op) crosses to process 0. */
void cs_comm_rank_integrate(cs_comm_rank *r);

/* The matrix op type of an op name (torch_npu get_comm_type): the first
** match of send|reduce|invalid|broadcast|allreduce|receive|allgather|
** reducescatter|scatter|alltoall|alltoallv|alltoallvc|batchsendrecv in the
** lower-cased name, else the name up to its first "__".  Returns a newly
** allocated string; the caller frees it. */
char *cs_comm_matrix_type(const char *op_name);

/* Transit and Synchronization (ms) of every op, as cs_comm_rank_compute
** gives them, whatever the step rule (the wait attribution of §8.3 uses
** every op): transit_ms[i] and sync_ms[i] for ops[i], NAN for an op without
** a group, small tasks or master plane.  Only the time breakdown is
** computed, not the bandwidth or the matrix.  Returns 0, or -1 with a
** message in err as cs_comm_rank_compute. */
int cs_comm_op_times(const cs_comm_op_in *ops, size_t nops, const cs_comm_task *tasks, size_t ntasks,
                     double *transit_ms, double *sync_ms, cs_err *err);

/* ------------------------------------------------------------------------
** Pieces exposed for the unit tests and for the reader.
*/

/* The step label: "step<id>", or "step" without an id.  buf of 24 bytes
** holds any label. */
void cs_comm_step_label(char *buf, size_t size, bool has_id, int64_t id);

/* Start Timestamp(us) of a first master task at t ns: the double nearest to
** t / 1000 (analyses.md §2.c.1 step rule, 1). */
double cs_comm_ns_to_us(int64_t t);

/* torch_npu's convert_us2ns(str(us)): the shortest decimal that reads back
** to us, cut (not rounded) after 3 fraction digits, read as an integer
** (step rule, 2).  Saturates at INT64_MIN/INT64_MAX. */
int64_t cs_comm_us_to_ns(double us);

#endif
