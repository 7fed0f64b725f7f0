/*
** rank_reader.c — streaming one rank's profiler database.
**
** One pass over each table the overlap needs, in this order:
**   STRING_IDS lookups (by primary key, through joins), STEP_TIME or the
**   ProfilerStep ops, CANN_API node launches, COMPUTE_TASK_INFO ids,
**   COMMUNICATION_OP, then TASK once, classifying every task row as compute
**   kernel, part of a communication op, and part of a step's launches.
*/
#include "rank_reader.h"

#include <inttypes.h>
#include <stdio.h>

#include "db_read.h"
#include "hccl_names.h"

typedef struct reader {
    cs_db base;
    cs_overlap_input *in;
    bool keep_tasks;        /* the wait attribution needs every TASK row */
    cs_kernel_rows *kernels; /* not NULL: collect module_statistic's compute kernels in the TASK pass */
    cs_comm_input *comm;    /* not NULL: give its small tasks their TASK times in the pass */
    bool pass_complete;     /* the TASK pass read every row */
} reader;

void cs_overlap_input_free(cs_overlap_input *in)
{
    free(in->steps.items);
    free(in->compute.items);
    free(in->comm.items);
    free(in->tasks.items);
    free(in->launches.items);
    memset(in, 0, sizeof *in);
}

/* ------------------------------------------------------------------ */
/* Rank metadata: host, device map, parallel groups.                   */


/* Host, device map and parallel groups are optional: a missing or
** malformed table costs only its own output, with a note. */
static sqlite3_stmt *prepare_optional(reader *r, const char *table, const char *sql)
{
    if (!cs_db_has_table(&r->base, table)) return NULL;
    sqlite3_stmt *st = cs_db_prepare(&r->base, table, sql);
    if (!st) {
        cs_report_note(&r->base.res->report, "metadata", "rank %" PRId64 ": %s", r->base.res->rank,
                       r->base.err->msg);
        r->base.schema_error = false;
    }
    return st;
}

static int read_metadata(reader *r)
{
    cs_rank_result *res = r->base.res;
    sqlite3_stmt *st;
    int rc;
    if ((st = prepare_optional(r, "HOST_INFO", "SELECT hostUid, hostName FROM HOST_INFO"))) {
        if (sqlite3_step(st) == SQLITE_ROW) {
            res->host_uid = cs_db_text_dup(st, 0);
            res->host_name = cs_db_text_dup(st, 1);
        }
        sqlite3_finalize(st);
    }
    if ((st = prepare_optional(r, "RANK_DEVICE_MAP", "SELECT rankId, deviceId FROM RANK_DEVICE_MAP"))) {
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            cs_device_map_row m;
            if (!cs_db_int(st, 0, &m.rank_id) || !cs_db_int(st, 1, &m.device_id)) continue;
            CS_VEC_PUSH(res->device_map, m);
        }
        if (cs_db_finish(&r->base, st, rc, "RANK_DEVICE_MAP")) return -1;
    }
    if ((st = prepare_optional(r, "META_DATA", "SELECT value FROM META_DATA WHERE name = 'parallel_group_info'"))) {
        if (sqlite3_step(st) == SQLITE_ROW) res->parallel_group_info = cs_db_text_dup(st, 0);
        sqlite3_finalize(st);
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Steps.                                                               */

static int read_step_time(reader *r)
{
    if (!cs_db_has_table(&r->base, "STEP_TIME")) return 0;
    sqlite3_stmt *st = cs_db_prepare(&r->base, "STEP_TIME", "SELECT id, startNs, endNs FROM STEP_TIME");
    if (!st) return -1;
    int rc;
    int64_t bad = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        cs_step s = {0};
        s.has_id = true;
        if (!cs_db_int(st, 0, &s.id) || !cs_db_range(st, 1, &s.host_start, &s.host_end)) {
            bad++;
            continue;
        }
        CS_VEC_PUSH(r->in->steps, s);
    }
    cs_db_count_excluded(&r->base, bad, "STEP_TIME", "overlap");
    return cs_db_finish(&r->base, st, rc, "STEP_TIME");
}

/* Fallback when STEP_TIME has no rows: the ProfilerStep#N framework ops. */
static int read_profiler_steps(reader *r)
{
    if (!cs_db_has_table(&r->base, "PYTORCH_API") || !cs_db_has_table(&r->base, "STRING_IDS")) return 0;
    sqlite3_stmt *st = cs_db_prepare(&r->base, "PYTORCH_API",
        "SELECT s.value, p.startNs, p.endNs FROM PYTORCH_API p JOIN STRING_IDS s ON s.id = p.name "
        "WHERE s.value LIKE 'ProfilerStep#%'");
    if (!st) return -1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        cs_step s = {0};
        const char *name = (const char *)sqlite3_column_text(st, 0);
        char *end;
        s.has_id = true;
        s.id = strtoll(name + strlen("ProfilerStep#"), &end, 10);
        if (*end || !cs_db_range(st, 1, &s.host_start, &s.host_end)) continue;
        CS_VEC_PUSH(r->in->steps, s);
    }
    return cs_db_finish(&r->base, st, rc, "PYTORCH_API");
}

/* FWK_START of the no-step window: the earliest framework op (*found
** false when there is none). */
static int read_first_framework_op(reader *r, bool *found, int64_t *out)
{
    *out = INT64_MAX;
    *found = false;
    if (!cs_db_has_table(&r->base, "PYTORCH_API")) return 0;
    char sql[160];
    /* Read row by row rather than MIN(CAST(...)): the times may be TEXT, and
    ** a value that is not a plausible time must be excluded, not cast to 0. */
    snprintf(sql, sizeof sql, "SELECT startNs FROM PYTORCH_API WHERE type = %" PRId64,
             cs_db_enum_id(&r->base, "ENUM_API_TYPE", "op", 50001));
    sqlite3_stmt *st = cs_db_prepare(&r->base, "PYTORCH_API", sql);
    if (!st) return -1;
    int rc;
    int64_t bad = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t t;
        if (!cs_db_int(st, 0, &t) || !cs_db_plausible_time(t)) {
            bad++;
            continue;
        }
        if (t < *out) *out = t;
        *found = true;
    }
    if (!*found) *out = 0;
    cs_db_count_excluded(&r->base, bad, "PYTORCH_API", "overlap");
    return cs_db_finish(&r->base, st, rc, "PYTORCH_API");
}

typedef CS_VEC(cs_launch) launch_vec;
typedef CS_VEC(int64_t) id_vec;

static int read_launches(reader *r, launch_vec *out)
{
    if (!cs_db_has_table(&r->base, "CANN_API")) {
        cs_report_note(&r->base.res->report, "overlap",
                       "rank %" PRId64 ": no CANN_API table; step windows use host times", r->base.res->rank);
        return 0;
    }
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT connectionId, startNs, endNs FROM CANN_API WHERE type = %" PRId64,
             cs_db_enum_id(&r->base, "ENUM_API_TYPE", "node", 10000));
    sqlite3_stmt *st = cs_db_prepare(&r->base, "CANN_API", sql);
    if (!st) return -1;
    int rc;
    int64_t bad = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        cs_launch l;
        if (!cs_db_int(st, 0, &l.connection_id) || !cs_db_valid_id(l.connection_id) ||
            !cs_db_range(st, 1, &l.start, &l.end)) {
            bad++;
            continue;
        }
        CS_VEC_PUSH(*out, l);
    }
    cs_db_count_excluded(&r->base, bad, "CANN_API", "overlap");
    return cs_db_finish(&r->base, st, rc, "CANN_API");
}

/* ------------------------------------------------------------------ */
/* Compute kernel ids and communication ops.                            */

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Membership in a sorted array.  TASK is scanned in globalTaskId order,
** so the next id to look up is usually at or just past *hint. */
static bool contains_i64(const int64_t *a, size_t n, int64_t v, size_t *hint)
{
    size_t h = *hint;
    while (h < n && a[h] < v && h - *hint < 8) h++;
    if (h < n && a[h] == v) {
        *hint = h;
        return true;
    }
    if (h < n && a[h] > v && (h == 0 || a[h - 1] < v)) {
        *hint = h;
        return false;
    }
    const int64_t *p = bsearch(&v, a, n, sizeof *a, cmp_i64);
    if (p) *hint = (size_t)(p - a);
    return p != NULL;
}

/* Collects ids from a one-column query into a sorted array. */
static int read_id_set(reader *r, const char *table, const char *sql, id_vec *out)
{
    sqlite3_stmt *st = cs_db_prepare(&r->base, table, sql);
    if (!st) return -1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t id;
        if (cs_db_int(st, 0, &id)) CS_VEC_PUSH(*out, id);
    }
    if (cs_db_finish(&r->base, st, rc, table)) return -1;
    bool sorted = true;
    for (size_t i = 1; i < out->len && sorted; i++) sorted = out->items[i - 1] <= out->items[i];
    if (!sorted) qsort(out->items, out->len, sizeof(int64_t), cmp_i64);
    return 0;
}

/* A communication op while its device is being determined. */
typedef struct pending_op {
    int64_t connection_id;
    int64_t start, end;
    int64_t device;         /* -1: no task seen yet; -2: tasks on several devices */
    bool is_receive;
} pending_op;

static int cmp_pending(const void *a, const void *b)
{
    const pending_op *x = a, *y = b;
    if (x->connection_id != y->connection_id) return x->connection_id < y->connection_id ? -1 : 1;
    return x->start < y->start ? -1 : x->start > y->start;
}

typedef CS_VEC(pending_op) op_vec;

static int read_comm_ops(reader *r, op_vec *ops)
{
    if (!cs_db_has_table(&r->base, "COMMUNICATION_OP")) {
        cs_report_note(&r->base.res->report, "overlap",
                       "rank %" PRId64 ": no COMMUNICATION_OP table; no communication time", r->base.res->rank);
        return 0;
    }
    sqlite3_stmt *st = cs_db_prepare(&r->base, "COMMUNICATION_OP",
        "SELECT o.startNs, o.endNs, o.connectionId, n.value, g.value FROM COMMUNICATION_OP o "
        "LEFT JOIN STRING_IDS n ON n.id = o.opName LEFT JOIN STRING_IDS g ON g.id = o.groupName");
    if (!st) return -1;
    int rc;
    int64_t bad = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        pending_op op = {0};
        const char *name = (const char *)sqlite3_column_text(st, 3);
        const char *group = (const char *)sqlite3_column_text(st, 4);
        if (!cs_db_range(st, 0, &op.start, &op.end) || !cs_db_int(st, 2, &op.connection_id) ||
            !cs_db_valid_id(op.connection_id) || !name) {
            bad++;
            continue;
        }
        if (group) cs_rank_result_add_group(r->base.res, group, cs_is_p2p_by_group_rule(name));
        op.device = -1;
        op.is_receive = cs_is_bubble_op(name);
        CS_VEC_PUSH(*ops, op);
    }
    cs_db_count_excluded(&r->base, bad, "COMMUNICATION_OP", "overlap");
    if (cs_db_finish(&r->base, st, rc, "COMMUNICATION_OP")) return -1;
    bool sorted = true;
    for (size_t i = 1; i < ops->len && sorted; i++) sorted = cmp_pending(&ops->items[i - 1], &ops->items[i]) <= 0;
    if (!sorted) qsort(ops->items, ops->len, sizeof(pending_op), cmp_pending);
    return 0;
}

static pending_op *find_op(pending_op *ops, size_t n, int64_t connection_id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ops[mid].connection_id < connection_id) lo = mid + 1;
        else hi = mid;
    }
    return lo < n && ops[lo].connection_id == connection_id ? &ops[lo] : NULL;
}

static void note_op_device(pending_op *ops, size_t n, int64_t connection_id, int64_t device)
{
    pending_op *op = find_op(ops, n, connection_id);
    for (; op && op < ops + n && op->connection_id == connection_id; op++) {
        if (op->device == -1) op->device = device;
        else if (op->device != device) op->device = -2;
    }
}

/* ------------------------------------------------------------------ */
/* The TASK pass.                                                      */

typedef struct task_pass {
    id_vec compute_ids;     /* COMPUTE_TASK_INFO.globalTaskId, sorted */
    id_vec compute_names;   /* parallel to compute_ids when kernels are collected; CS_NO_NAME_ID: NULL */
    id_vec kernel_types;    /* Level0 fallback: KERNEL_* taskType ids */
    bool by_kernel_type;
    size_t id_hint, type_hint; /* lookup cursors into the two id sets */
    op_vec ops;
    launch_vec launches;
    cs_step_builder steps;
    int64_t rows;
    bool has_session;       /* SESSION_TIME_INFO gave a window */
    int64_t session_start, session_end;
    int64_t outside_session; /* rows kept although outside that window */
} task_pass;

static bool is_compute_task(task_pass *t, sqlite3_stmt *st, bool has_id, int64_t task_id)
{
    int64_t type;
    if (t->by_kernel_type)
        return cs_db_int(st, 5, &type) && contains_i64(t->kernel_types.items, t->kernel_types.len, type, &t->type_hint);
    return has_id && contains_i64(t->compute_ids.items, t->compute_ids.len, task_id, &t->id_hint);
}

/* module_statistic's COMPUTE_TASK_INFO ⋈ TASK row of a compute task (the
** id at compute_ids[at]), with that query's coercions: NULL or non-numeric
** times read as 0, a row without a connection id links nothing. */
static void collect_kernel(reader *r, const task_pass *t, sqlite3_stmt *st, size_t at)
{
    cs_kernel_row k;
    if (!cs_db_int(st, 3, &k.conn)) return;
    if (!cs_db_int(st, 0, &k.start)) k.start = 0;
    if (!cs_db_int(st, 1, &k.end)) k.end = 0;
    k.name_id = t->compute_names.items[at];
    CS_VEC_PUSH(*r->kernels, k);
}

/* One TASK row has three uses, each needing only its own columns (as the
** reference's separate queries do): the step windows (times, connection
** id), an op's device (connection id, device id) and compute ranges (times,
** device id, compute task id).  A bad value costs only the uses that read it;
** the row is counted as excluded when it costs any. */
static void classify_task(reader *r, task_pass *t, sqlite3_stmt *st, int64_t *bad)
{
    int64_t start = 0, end = 0, device, conn;
    bool times = cs_db_range(st, 0, &start, &end);
    bool dev = cs_db_int(st, 2, &device) && cs_db_valid_id(device);
    bool linked = cs_db_int(st, 3, &conn) && cs_db_valid_id(conn);
    if (!times || !dev) (*bad)++;
    if (times && t->has_session && (start < t->session_start || end > t->session_end)) t->outside_session++;
    if (times && r->keep_tasks) {
        cs_wait_task w = {start, end, linked ? conn : -1};
        CS_VEC_PUSH(r->in->tasks, w);
    }
    if (linked && times) cs_step_builder_add_task(&t->steps, conn, start, end);
    if (linked && dev) note_op_device(t->ops.items, t->ops.len, conn, device);
    int64_t task_id;
    bool has_id = cs_db_int(st, 4, &task_id);
    if (has_id && r->comm) cs_comm_input_on_task(r->comm, task_id, times, start, end);
    bool compute = is_compute_task(t, st, has_id, task_id);
    if (compute && t->compute_names.len) collect_kernel(r, t, st, t->id_hint);
    if (times && dev && compute) {
        cs_device_range c = {start, end, device, false};
        CS_VEC_PUSH(r->in->compute, c);
    }
}

static int scan_tasks(reader *r, task_pass *t)
{
    sqlite3_stmt *st = cs_db_prepare(&r->base, "TASK",
        "SELECT startNs, endNs, deviceId, connectionId, globalTaskId, taskType FROM TASK");
    if (!st) return -1;
    int rc;
    int64_t bad = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        t->rows++;
        classify_task(r, t, st, &bad);
    }
    cs_db_count_excluded(&r->base, bad, "TASK", "overlap");
    /* The reference keeps such rows; so do we, but the user should know. */
    cs_report_count(&r->base.res->report, r->base.res->rank, t->outside_session,
                    "TASK rows outside SESSION_TIME_INFO (kept)", "overlap");
    return cs_db_finish(&r->base, st, rc, "TASK");
}

static void read_session_window(reader *r, task_pass *t)
{
    sqlite3_stmt *st;
    if (!cs_db_has_table(&r->base, "SESSION_TIME_INFO") ||
        sqlite3_prepare_v2(r->base.db, "SELECT startTimeNs, endTimeNs FROM SESSION_TIME_INFO", -1, &st, NULL) != SQLITE_OK)
        return;
    if (sqlite3_step(st) == SQLITE_ROW)
        t->has_session = cs_db_range(st, 0, &t->session_start, &t->session_end);
    sqlite3_finalize(st);
}

typedef struct id_name { int64_t id, name; } id_name;

static int cmp_id_name(const void *a, const void *b)
{
    const id_name *x = a, *y = b;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* The compute ids with their kernel name ids, for collect_kernel.  False
** (nothing read) when the name column cannot be read: module_statistic then
** runs its own query and reports the problem itself. */
static bool read_compute_names(reader *r, task_pass *t)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(r->base.db, "SELECT globalTaskId, name FROM COMPUTE_TASK_INFO", -1, &st, NULL) != SQLITE_OK)
        return false;
    CS_VEC(id_name) rows = {0};
    int rc;
    bool sorted = true;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        id_name x;
        if (!cs_db_int(st, 0, &x.id)) continue;
        if (!cs_db_int(st, 1, &x.name)) x.name = CS_NO_NAME_ID;
        sorted = sorted && (rows.len == 0 || rows.items[rows.len - 1].id <= x.id);
        CS_VEC_PUSH(rows, x);
    }
    sqlite3_finalize(st);
    bool ok = rc == SQLITE_DONE;
    if (ok && !sorted) qsort(rows.items, rows.len, sizeof *rows.items, cmp_id_name);
    for (size_t i = 0; ok && i < rows.len; i++) {
        CS_VEC_PUSH(t->compute_ids, rows.items[i].id);
        CS_VEC_PUSH(t->compute_names, rows.items[i].name);
    }
    free(rows.items);
    return ok;
}

static int prepare_compute_ids(reader *r, task_pass *t)
{
    if (cs_db_has_table(&r->base, "COMPUTE_TASK_INFO")) {
        if (r->kernels && read_compute_names(r, t)) return 0;
        r->kernels = NULL;
        return read_id_set(r, "COMPUTE_TASK_INFO", "SELECT globalTaskId FROM COMPUTE_TASK_INFO",
                           &t->compute_ids);
    }
    t->by_kernel_type = true;
    cs_report_note(&r->base.res->report, "overlap",
                   "rank %" PRId64 ": no COMPUTE_TASK_INFO (profiler level 0?); compute = KERNEL_* tasks",
                   r->base.res->rank);
    return read_id_set(r, "STRING_IDS", "SELECT id FROM STRING_IDS WHERE value LIKE 'KERNEL\\_%' ESCAPE '\\'",
                       &t->kernel_types);
}

static void keep_comm_ranges(reader *r, task_pass *t)
{
    int64_t dropped = 0;
    for (size_t i = 0; i < t->ops.len; i++) {
        const pending_op *op = &t->ops.items[i];
        if (op->device < 0) {
            dropped++;
            continue;
        }
        cs_device_range m = {op->start, op->end, op->device, op->is_receive};
        CS_VEC_PUSH(r->in->comm, m);
    }
    cs_report_count(&r->base.res->report, r->base.res->rank, dropped,
                    "communication ops without device tasks on one device dropped", "overlap");
}

static int build_steps(reader *r, task_pass *t)
{
    if (r->in->steps.len == 0) {
        int64_t fwk_start;
        bool found;
        if (read_first_framework_op(r, &found, &fwk_start)) return -1;
        cs_step s = cs_step_no_steps(t->steps.first_launched_task, found, fwk_start);
        CS_VEC_PUSH(r->in->steps, s);
    } else {
        cs_step_builder_finish(&t->steps);
    }
    return 0;
}

static void task_pass_free(task_pass *t)
{
    free(t->compute_ids.items);
    free(t->compute_names.items);
    free(t->kernel_types.items);
    free(t->ops.items);
    free(t->launches.items);
    cs_step_builder_free(&t->steps);
}

static int read_overlap_inputs(reader *r)
{
    static const char *const required[] = {"TASK", "STRING_IDS"};
    for (size_t i = 0; i < 2; i++) {
        if (!cs_db_has_table(&r->base, required[i])) {
            cs_report_skip(&r->base.res->report, true, r->base.res->rank, r->base.res->path, "overlap",
                           "missing table %s", required[i]);
            return 0;
        }
    }
    task_pass t = {0};
    int rc = -1;
    if (read_step_time(r)) goto out;
    if (r->in->steps.len == 0 && read_profiler_steps(r)) goto out;
    if (read_launches(r, &t.launches)) goto out;
    if (prepare_compute_ids(r, &t) || read_comm_ops(r, &t.ops)) goto out;
    cs_step_builder_init(&t.steps, r->in->steps.items, r->in->steps.len, t.launches.items, t.launches.len);
    read_session_window(r, &t);
    /* Every compute id is one compute range and one kernel: no regrowth. */
    CS_VEC_RESERVE(r->in->compute, r->in->compute.len + t.compute_ids.len);
    if (r->kernels) CS_VEC_RESERVE(*r->kernels, t.compute_ids.len);
    if (scan_tasks(r, &t)) goto out;
    r->pass_complete = true;
    if (t.rows == 0) {
        rc = cs_fail(r->base.err, "%s: empty rank (no rows in TASK)", r->base.path);
        goto out;
    }
    if (build_steps(r, &t)) goto out;
    keep_comm_ranges(r, &t);
    if (r->keep_tasks) {    /* hand the launches over instead of freeing them */
        r->in->launches.items = t.launches.items;
        r->in->launches.len = t.launches.len;
        r->in->launches.cap = t.launches.cap;
        memset(&t.launches, 0, sizeof t.launches);
    }
    r->in->usable = true;
    rc = 0;
out:
    task_pass_free(&t);
    if (rc && r->base.schema_error) {
        /* A missing column costs this analysis, not the rank. */
        cs_report_skip(&r->base.res->report, true, r->base.res->rank, r->base.res->path, "overlap", "%s", r->base.err->msg);
        cs_overlap_input_free(r->in);
        r->base.schema_error = false;
        rc = 0;
    }
    return rc;
}

int cs_read_rank(const char *db_path, cs_rank_result *res, const cs_read_request *req, cs_err *err)
{
    if (req->overlap) memset(req->overlap, 0, sizeof *req->overlap);
    if (req->modules) memset(req->modules, 0, sizeof *req->modules);
    if (req->comm) memset(req->comm, 0, sizeof *req->comm);
    cs_overlap_input unused = {0};
    cs_kernel_rows kernels = {0};
    /* With the overlap's TASK pass, module_statistic and the communication
    ** take their TASK columns from it instead of joining TASK again. */
    bool pass = req->overlap != NULL;
    reader r = {{NULL, db_path, res, err, false}, pass ? req->overlap : &unused, req->wait_inputs,
                pass && req->modules ? &kernels : NULL, pass ? req->comm : NULL, false};
    r.base.db = cs_db_open_ro(db_path, err);
    if (!r.base.db) return -1;
    int rc = read_metadata(&r);
    if (rc == 0 && req->comm) rc = cs_read_comm_input(&r.base, pass, req->comm);
    if (rc == 0 && req->overlap) rc = read_overlap_inputs(&r);
    if (rc == 0 && req->comm) rc = cs_comm_input_end_tasks(&r.base, req->comm, r.pass_complete);
    if (rc == 0 && req->modules)
        rc = cs_read_module_input(&r.base, req->step_id, r.kernels && r.pass_complete ? &kernels : NULL,
                                  req->modules);
    free(kernels.items);
    /* An early error leaves the deferred name lookup prepared; the
    ** connection closes only once every statement is finalized. */
    if (req->comm) cs_string_ids_detach(req->comm->names);
    sqlite3_close(r.base.db);
    return rc;
}
