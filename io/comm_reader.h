/*
** comm_reader.h — the inputs of the communication analyses for one rank:
** its COMMUNICATION_OP rows and their HCCL small tasks
** (COMMUNICATION_TASK_INFO ⋈ TASK), in the order analysis/comm_op.h expects.
*/
#ifndef CS_COMM_READER_H
#define CS_COMM_READER_H

#include "comm_op.h"
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

#endif
