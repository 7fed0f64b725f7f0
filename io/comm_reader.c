/*
** comm_reader.c — streaming the communication inputs of one rank.
*/
#include "comm_reader.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>

static const char *name_of(cs_comm_input *in, sqlite3_stmt *st, int col)
{
    int64_t id;
    return cs_db_int(st, col, &id) ? cs_string_ids_get(in->names, id) : NULL;
}

static int read_ops(cs_db *r, cs_comm_input *in)
{
    sqlite3_stmt *st = cs_db_prepare(r, "COMMUNICATION_OP",
        "SELECT opId, opName, groupName, opType, startNs, endNs, connectionId, rankSize FROM COMMUNICATION_OP"
        " ORDER BY startNs, opId");
    if (!st) return -1;
    int rc;
    int64_t bad = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        cs_comm_op_in op;
        cs_wait_raw_op w;
        if (!cs_db_int(st, 0, &op.op_id) || !cs_db_range(st, 4, &w.start_ns, &w.end_ns)) {
            bad++;
            continue;
        }
        op.op_name = name_of(in, st, 1);
        op.group_name = name_of(in, st, 2);
        if (op.group_name && !*op.group_name) op.group_name = NULL;   /* an id not in STRING_IDS */
        w.op_id = op.op_id;
        if (!cs_db_int(st, 6, &w.connection_id)) w.connection_id = -1;
        w.group_name = op.group_name;
        w.op_name = op.op_name;
        w.op_type = name_of(in, st, 3);
        if (!cs_db_int(st, 7, &w.rank_size) || !cs_db_valid_id(w.rank_size) || w.rank_size == CS_INVALID_U16)
            w.rank_size = -1;
        w.transit_ms = w.sync_ms = NAN;
        CS_VEC_PUSH(in->ops, op);
        CS_VEC_PUSH(in->wait_ops, w);
    }
    cs_db_count_excluded(r, bad, "COMMUNICATION_OP", "communication");
    return cs_db_finish(r, st, rc, "COMMUNICATION_OP");
}

/* An enum code, or CS_HCCL_INVALID for NULL / out of range. */
static uint16_t code_of(sqlite3_stmt *st, int col)
{
    int64_t v;
    return cs_db_int(st, col, &v) && v >= 0 && v <= 65535 ? (uint16_t)v : CS_HCCL_INVALID;
}

static uint32_t local_rank(sqlite3_stmt *st, int col, uint8_t *flags, uint8_t null_flag)
{
    int64_t v;
    if (!cs_db_int(st, col, &v)) {
        *flags |= null_flag;
        return 0xFFFFFFFFu;
    }
    return v < 0 || v > 0xFFFFFFFFLL ? 0xFFFFFFFFu : (uint32_t)v;
}

/* Fills one task from a row; false when its join key or times are bad. */
static bool task_of(cs_comm_input *in, sqlite3_stmt *st, cs_comm_task *t)
{
    memset(t, 0, sizeof *t);
    int64_t plane, master;
    if (!cs_db_int(st, 0, &t->op_id) || !cs_db_range(st, 1, &t->start_ns, &t->end_ns)) return false;
    if (!cs_db_int(st, 3, &t->size_bytes)) {
        t->size_bytes = 0;
        t->flags |= CS_COMM_TASK_SIZE_NULL;
    }
    t->src_rank = local_rank(st, 4, &t->flags, CS_COMM_TASK_SRC_NULL);
    t->dst_rank = local_rank(st, 5, &t->flags, CS_COMM_TASK_DST_NULL);
    t->plane_id = cs_db_int(st, 6, &plane) ? (int32_t)plane : -1;
    t->transport = code_of(st, 7);
    t->link = code_of(st, 8);
    t->rdma = code_of(st, 9);
    const char *kind = name_of(in, st, 10);
    t->kind = (uint8_t)cs_hccl_kind_of(kind);
    t->is_master = cs_db_int(st, 11, &master) && master == 1;
    return true;
}

static int read_tasks(cs_db *r, cs_comm_input *in)
{
    sqlite3_stmt *st = cs_db_prepare(r, "COMMUNICATION_TASK_INFO",
        "SELECT c.opId, t.startNs, t.endNs, c.size, c.srcRank, c.dstRank, c.planeId, c.transportType,"
        " c.linkType, c.rdmaType, c.taskType, c.isMaster"
        " FROM COMMUNICATION_TASK_INFO c JOIN TASK t ON t.globalTaskId = c.globalTaskId");
    if (!st) return -1;
    int rc;
    int64_t bad = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        cs_comm_task t;
        if (task_of(in, st, &t)) CS_VEC_PUSH(in->tasks, t);
        else bad++;
    }
    cs_db_count_excluded(r, bad, "COMMUNICATION_TASK_INFO", "communication");
    return cs_db_finish(r, st, rc, "COMMUNICATION_TASK_INFO");
}

int cs_read_comm_input(cs_db *r, cs_comm_input *in)
{
    memset(in, 0, sizeof *in);
    static const char *const needed[] = {"COMMUNICATION_OP", "COMMUNICATION_TASK_INFO", "TASK", "STRING_IDS"};
    for (size_t i = 0; i < sizeof needed / sizeof *needed; i++) {
        if (!cs_db_has_table(r, needed[i])) {
            in->skip_reason = i == 1 ? cs_xstrdup("no COMMUNICATION_TASK_INFO (profiler level 0?): no wait breakdown")
                                     : cs_xasprintf("missing table %s", needed[i]);
            return 0;
        }
    }
    in->names = cs_string_ids_new(r->db);
    int rc = in->names ? read_ops(r, in) : -1;
    if (rc == 0) rc = read_tasks(r, in);
    cs_string_ids_detach(in->names);
    if (rc && r->schema_error) {
        r->schema_error = false;
        in->skip_reason = cs_xstrdup(r->err->msg);
        return 0;
    }
    return rc;
}

void cs_comm_input_free(cs_comm_input *in)
{
    free(in->ops.items);
    free(in->tasks.items);
    free(in->wait_ops.items);
    cs_string_ids_free(in->names);
    free(in->skip_reason);
    memset(in, 0, sizeof *in);
}
