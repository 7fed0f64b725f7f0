/*
** comm_reader.c — streaming the communication inputs of one rank.
*/
#include "comm_reader.h"

#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>

#include "key_sort.h"

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

/* Fills one task from a row (its times excepted); false when opId is bad. */
static bool task_of(cs_comm_input *in, sqlite3_stmt *st, cs_comm_task *t)
{
    memset(t, 0, sizeof *t);
    int64_t plane, master;
    if (!cs_db_int(st, 0, &t->op_id)) return false;
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

/* Columns 1 and 2 are the TASK times (joined), or globalTaskId and a
** placeholder when the rank reader's TASK pass supplies the times. */
static const char tasks_joined_sql[] =
    "SELECT c.opId, t.startNs, t.endNs, c.size, c.srcRank, c.dstRank, c.planeId, c.transportType,"
    " c.linkType, c.rdmaType, c.taskType, c.isMaster"
    " FROM COMMUNICATION_TASK_INFO c JOIN TASK t ON t.globalTaskId = c.globalTaskId";
static const char tasks_deferred_sql[] =
    "SELECT opId, globalTaskId, NULL, size, srcRank, dstRank, planeId, transportType,"
    " linkType, rdmaType, taskType, isMaster FROM COMMUNICATION_TASK_INFO";

static int read_tasks(cs_db *r, cs_comm_input *in, bool deferred)
{
    sqlite3_stmt *st = cs_db_prepare(r, "COMMUNICATION_TASK_INFO", deferred ? tasks_deferred_sql : tasks_joined_sql);
    if (!st) return -1;
    int rc;
    int64_t bad = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        cs_comm_task t;
        cs_comm_task_key k = {0, (uint32_t)in->tasks.len, CS_COMM_TASK_UNJOINED, false};
        bool ok = task_of(in, st, &t);
        if (deferred) {
            if (!cs_db_int(st, 1, &k.task_id)) continue;    /* joins no TASK row */
            k.bad_row = !ok;    /* counted as excluded only if it joins, as with the join */
            CS_VEC_PUSH(in->task_keys, k);
            CS_VEC_PUSH(in->tasks, t);
            continue;
        }
        if (!ok || !cs_db_range(st, 1, &t.start_ns, &t.end_ns)) {
            bad++;
            continue;
        }
        CS_VEC_PUSH(in->tasks, t);
    }
    in->tasks_excluded = bad;
    if (cs_db_finish(r, st, rc, "COMMUNICATION_TASK_INFO")) return -1;
    if (deferred)   /* index is the row order: stable by task_id is (task_id, index) */
        cs_sort_by_i64_key(in->task_keys.items, in->task_keys.len, sizeof *in->task_keys.items,
                           offsetof(cs_comm_task_key, task_id));
    in->times_pending = deferred;
    return 0;
}

int cs_read_comm_input(cs_db *r, bool defer_task_times, cs_comm_input *in)
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
    in->names = cs_string_ids_new(r);
    int rc = in->names ? read_ops(r, in) : -1;
    if (rc == 0) rc = read_tasks(r, in, defer_task_times);
    if (rc || !defer_task_times) cs_string_ids_detach(in->names);  /* else when the times are in */
    if (rc && r->schema_error) {
        r->schema_error = false;
        in->skip_reason = cs_xstrdup(r->err->msg);
        return 0;
    }
    if (rc == 0 && !defer_task_times) cs_db_count_excluded(r, in->tasks_excluded, "COMMUNICATION_TASK_INFO", "communication");
    return rc;
}

/* First index in [lo, n) whose key is >= task_id. */
static size_t key_lower_bound(const cs_comm_task_key *k, size_t lo, size_t n, int64_t task_id)
{
    size_t hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (k[mid].task_id < task_id) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* The keys of task_id start at the returned index (or none match there).
** TASK comes in globalTaskId order, so the cursor mostly steps forward a
** little; anything else is bisected. */
static size_t find_key(cs_comm_input *in, int64_t task_id)
{
    const cs_comm_task_key *k = in->task_keys.items;
    size_t n = in->task_keys.len, h = in->key_hint;
    if (h > n || (h > 0 && k[h - 1].task_id >= task_id)) h = 0;    /* behind the cursor */
    size_t limit = h + 16;
    while (h < n && h < limit && k[h].task_id < task_id) h++;
    if (h < n && k[h].task_id < task_id) h = key_lower_bound(k, h, n, task_id);
    return in->key_hint = h;
}

void cs_comm_input_on_task(cs_comm_input *in, int64_t task_id, bool times_ok, int64_t start, int64_t end)
{
    if (!in->times_pending) return;
    for (size_t h = find_key(in, task_id); h < in->task_keys.len && in->task_keys.items[h].task_id == task_id; h++) {
        cs_comm_task_key *k = &in->task_keys.items[h];
        if (k->state != CS_COMM_TASK_UNJOINED) continue;   /* a JOIN would repeat the row; first one kept */
        k->state = times_ok ? CS_COMM_TASK_JOINED : CS_COMM_TASK_BAD_TIMES;
        in->tasks.items[k->index].start_ns = start;
        in->tasks.items[k->index].end_ns = end;
    }
}

int cs_comm_input_end_tasks(cs_db *r, cs_comm_input *in, bool pass_complete)
{
    if (!in->times_pending) return 0;
    in->times_pending = false;
    if (!pass_complete) {   /* no TASK pass to rely on: join in SQLite after all */
        free(in->task_keys.items);
        memset(&in->task_keys, 0, sizeof in->task_keys);
        in->tasks.len = 0;
        int rc = read_tasks(r, in, false);
        cs_string_ids_detach(in->names);
        if (rc && r->schema_error) {
            r->schema_error = false;
            in->skip_reason = cs_xstrdup(r->err->msg);
            return 0;
        }
        if (rc == 0) cs_db_count_excluded(r, in->tasks_excluded, "COMMUNICATION_TASK_INFO", "communication");
        return rc;
    }
    cs_string_ids_detach(in->names);
    uint8_t *state = cs_xcalloc(in->tasks.len ? in->tasks.len : 1, 1);
    for (size_t i = 0; i < in->task_keys.len; i++) {
        const cs_comm_task_key *k = &in->task_keys.items[i];
        state[k->index] = k->bad_row && k->state != CS_COMM_TASK_UNJOINED ? CS_COMM_TASK_BAD_TIMES : k->state;
    }
    size_t kept = 0;
    for (size_t i = 0; i < in->tasks.len; i++) {
        if (state[i] == CS_COMM_TASK_BAD_TIMES) in->tasks_excluded++;
        if (state[i] == CS_COMM_TASK_JOINED) in->tasks.items[kept++] = in->tasks.items[i];
    }
    in->tasks.len = kept;
    free(state);
    free(in->task_keys.items);
    memset(&in->task_keys, 0, sizeof in->task_keys);
    cs_db_count_excluded(r, in->tasks_excluded, "COMMUNICATION_TASK_INFO", "communication");
    return 0;
}

void cs_comm_input_free(cs_comm_input *in)
{
    free(in->task_keys.items);
    free(in->ops.items);
    free(in->tasks.items);
    free(in->wait_ops.items);
    cs_string_ids_free(in->names);
    free(in->skip_reason);
    memset(in, 0, sizeof *in);
}

/* ------------------------------------------------------------------ */
/* slow_rank / hccl_sum: op durations.                                 */

static int step_window(cs_db *r, int64_t step, int64_t *lo, int64_t *hi, bool *found)
{
    *found = false;
    if (!cs_db_has_table(r, "STEP_TIME")) return 0;
    sqlite3_stmt *st = cs_db_prepare(r, "STEP_TIME", "SELECT startNs, endNs FROM STEP_TIME WHERE id = ?");
    if (!st) return -1;
    sqlite3_bind_int64(st, 1, step);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *found = cs_db_range(st, 0, lo, hi);
        rc = SQLITE_DONE;
    }
    return cs_db_finish(r, st, rc, "STEP_TIME");
}

static int read_durations(cs_db *r, bool cann_join, bool window, int64_t lo, int64_t hi, const char *analysis,
                          cs_string_ids *names, cs_op_durs *out)
{
    const char *sql = cann_join
        ? (window ? "SELECT o.groupName, o.opName, o.opType, o.startNs, o.endNs FROM COMMUNICATION_OP o"
                    " JOIN CANN_API c ON c.connectionId = o.connectionId WHERE c.startNs >= ?1 AND c.startNs <= ?2"
                    " ORDER BY o.startNs, o.opId"
                  : "SELECT o.groupName, o.opName, o.opType, o.startNs, o.endNs FROM COMMUNICATION_OP o"
                    " JOIN CANN_API c ON c.connectionId = o.connectionId ORDER BY o.startNs, o.opId")
        : (window ? "SELECT groupName, opName, opType, startNs, endNs FROM COMMUNICATION_OP"
                    " WHERE startNs >= ?1 AND startNs <= ?2 ORDER BY startNs, opId"
                  : "SELECT groupName, opName, opType, startNs, endNs FROM COMMUNICATION_OP ORDER BY startNs, opId");
    sqlite3_stmt *st = cs_db_prepare(r, "COMMUNICATION_OP", sql);
    if (!st) return -1;
    if (window) {
        sqlite3_bind_int64(st, 1, lo);
        sqlite3_bind_int64(st, 2, hi);
    }
    int rc;
    int64_t bad = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        cs_op_dur o;
        int64_t start, end, id;
        if (!cs_db_range(st, 3, &start, &end)) {
            bad++;
            continue;
        }
        const char *group = cs_db_int(st, 0, &id) ? cs_string_ids_get(names, id) : NULL;
        const char *name = cs_db_int(st, 1, &id) ? cs_string_ids_get(names, id) : NULL;
        const char *type = cs_db_int(st, 2, &id) ? cs_string_ids_get(names, id) : NULL;
        /* "": an id not in STRING_IDS, which the reference's joins drop */
        if (group && !*group) group = NULL;
        if (name && !*name) name = NULL;
        if (type && !*type) type = NULL;
        o.group = cs_op_durs_name(out, group);
        o.name = cs_op_durs_name(out, name);
        o.type = cs_op_durs_name(out, type);
        o.start_ns = start;
        o.dur_ns = end - start;
        CS_VEC_PUSH(out->ops, o);
    }
    cs_db_count_excluded(r, bad, "COMMUNICATION_OP", analysis);
    return cs_db_finish(r, st, rc, "COMMUNICATION_OP");
}

int cs_read_op_durations(cs_db *r, bool cann_join, const int64_t *step_id, const char *analysis,
                         cs_op_durs *out, bool *no_step, char **skip_reason)
{
    memset(out, 0, sizeof *out);
    *no_step = false;
    *skip_reason = NULL;
    int64_t lo = 0, hi = 0;
    const char *needed[] = {"COMMUNICATION_OP", "STRING_IDS", cann_join ? "CANN_API" : NULL};
    for (size_t i = 0; i < 3; i++) {
        if (needed[i] && !cs_db_has_table(r, needed[i])) {
            *skip_reason = cs_xasprintf("missing table %s", needed[i]);
            return 0;
        }
    }
    int rc = 0;
    if (step_id) {
        bool found;
        rc = step_window(r, *step_id, &lo, &hi, &found);
        if (rc == 0 && !found) {
            *no_step = true;
            return 0;
        }
    }
    cs_string_ids *names = rc == 0 ? cs_string_ids_new(r) : NULL;
    if (rc == 0) rc = names ? read_durations(r, cann_join, step_id != NULL, lo, hi, analysis, names, out) : -1;
    cs_string_ids_free(names);
    if (rc && r->schema_error) {
        r->schema_error = false;
        *skip_reason = cs_xstrdup(r->err->msg);
        cs_op_durs_free(out);
        return 0;
    }
    return rc;
}
