/*
** comm_reader.h — the inputs of the communication analyses for one rank:
** its COMMUNICATION_OP rows and their HCCL small tasks
** (COMMUNICATION_TASK_INFO ⋈ TASK), in the order analysis/comm_op.h expects.
*/
#ifndef CS_COMM_READER_H
#define CS_COMM_READER_H

#include "comm_op.h"
#include "slow_rank.h"
#include "db_read.h"
#include "straggler.h"
#include "string_ids.h"

/* A COMMUNICATION_TASK_INFO row waiting for its TASK times. */
enum { CS_COMM_TASK_UNJOINED, CS_COMM_TASK_JOINED, CS_COMM_TASK_BAD_TIMES /* or a bad row: excluded */ };
typedef struct cs_comm_task_key {
    int64_t task_id;                /* globalTaskId */
    uint32_t index;                 /* into cs_comm_input.tasks */
    uint8_t state;                  /* CS_COMM_TASK_* above */
    bool bad_row;                   /* its opId is bad: excluded if it joins */
} cs_comm_task_key;

typedef struct cs_comm_input {
    CS_VEC(cs_comm_op_in) ops;      /* ORDER BY startNs, opId */
    CS_VEC(cs_comm_task) tasks;     /* COMMUNICATION_TASK_INFO row order */
    CS_VEC(cs_comm_task_key) task_keys; /* sorted by (task_id, index) while the times are pending */
    size_t key_hint;                /* lookup cursor into task_keys */
    bool times_pending;             /* tasks still need cs_comm_input_on_task / _end_tasks */
    int64_t tasks_excluded;         /* rows with a bad opId or bad TASK times */
    CS_VEC(cs_wait_raw_op) wait_ops; /* parallel to ops: what §8.3 needs (transit and
                                    ** sync NAN until the caller fills them) */
    cs_string_ids *names;           /* owns the op and group names */
    char *skip_reason;              /* set: no communication rows for this rank */
} cs_comm_input;

/* Reads the inputs.  A missing table or column sets skip_reason and returns
** 0 (COMMUNICATION_TASK_INFO absent: profiler level 0, no breakdown
** possible); rows with NULL or absurd task times are excluded and counted in
** the report; a read error of the file returns -1 (message in r->err). */
/* defer_task_times: read COMMUNICATION_TASK_INFO alone and take the TASK
** times from the caller's own pass over TASK (cs_comm_input_on_task for
** every TASK row, then cs_comm_input_end_tasks, before r closes) instead of
** a second scan of TASK through a join. */
int cs_read_comm_input(cs_db *r, bool defer_task_times, cs_comm_input *in);
/* One TASK row: times_ok as cs_db_range judges startNs/endNs. */
void cs_comm_input_on_task(cs_comm_input *in, int64_t task_id, bool times_ok, int64_t start, int64_t end);
/* Ends the deferred join: keeps the tasks with a TASK row, in their order,
** and counts those with bad times as excluded, as the join would.
** pass_complete false (the caller's pass stopped early): reads them with
** the join after all. */
int cs_comm_input_end_tasks(cs_db *r, cs_comm_input *in, bool pass_complete);
void cs_comm_input_free(cs_comm_input *in);

/* The COMMUNICATION_OP rows of slow_rank and hccl_sum (analyses.md §2.e,
** §2.f), names resolved, ORDER BY startNs, opId.  cann_join: only ops with a
** CANN_API row of the same connectionId (one row per such API row, as the
** reference's JOIN), the step window applied to CANN_API.startNs; else the
** window applies to COMMUNICATION_OP.startNs.  step_id NULL: every row;
** else the window of STEP_TIME id *step_id (absent: *no_step = true, no
** rows).  A missing table or column sets *skip_reason (owned) and returns
** 0; rows with NULL or absurd times are excluded and counted in the report
** under `analysis`; a read error returns -1. */
int cs_read_op_durations(cs_db *r, bool cann_join, const int64_t *step_id, const char *analysis,
                         cs_op_durs *out, bool *no_step, char **skip_reason);

#endif
