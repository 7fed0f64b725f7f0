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

typedef struct cs_comm_input {
    CS_VEC(cs_comm_op_in) ops;      /* ORDER BY startNs, opId */
    CS_VEC(cs_comm_task) tasks;     /* COMMUNICATION_TASK_INFO row order */
    CS_VEC(cs_wait_raw_op) wait_ops; /* parallel to ops: what §8.3 needs (transit and
                                    ** sync NAN until the caller fills them) */
    cs_string_ids *names;           /* owns the op and group names */
    char *skip_reason;              /* set: no communication rows for this rank */
} cs_comm_input;

/* Reads the inputs.  A missing table or column sets skip_reason and returns
** 0 (COMMUNICATION_TASK_INFO absent: profiler level 0, no breakdown
** possible); rows with NULL or absurd task times are excluded and counted in
** the report; a read error of the file returns -1 (message in r->err). */
int cs_read_comm_input(cs_db *r, cs_comm_input *in);
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
