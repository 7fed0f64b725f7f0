/*
** module_reader.c — streaming the module_statistic inputs.
**
** Names are read as STRING_IDS ids and resolved once each through a cache,
** instead of joining STRING_IDS on every row.
*/
#include "module_reader.h"

#include <stddef.h>

#include <inttypes.h>
#include <stdio.h>
#include <strings.h>

#include "key_sort.h"

typedef CS_VEC(int64_t) tid_vec;

static int64_t int_or_zero(sqlite3_stmt *st, int col)
{
    /* The reference coerces non-numeric times to 0 (ensure_numeric_columns). */
    int64_t v;
    return cs_db_int(st, col, &v) ? v : 0;
}

static const char *name_of(cs_module_input *in, sqlite3_stmt *st, int col)
{
    int64_t id;
    return cs_db_int(st, col, &id) ? cs_string_ids_get(in->names, id) : "";
}

static void note_thread(tid_vec *tids, sqlite3_stmt *st)
{
    int64_t tid;
    if (!cs_db_int(st, 3, &tid)) return;
    for (size_t i = 0; i < tids->len; i++)
        if (tids->items[i] == tid) return;
    CS_VEC_PUSH(*tids, tid);
}

/* The STRING_IDS id of "Module", or -1. */
static int64_t module_domain_id(cs_db *r)
{
    sqlite3_stmt *st = cs_db_prepare(r, "STRING_IDS", "SELECT id FROM STRING_IDS WHERE value = 'Module'");
    if (!st) return -1;
    int64_t id = -1;
    if (sqlite3_step(st) == SQLITE_ROW) cs_db_int(st, 0, &id);
    sqlite3_finalize(st);
    return id;
}

static int read_ranges(cs_db *r, cs_module_input *in)
{
    int64_t domain = module_domain_id(r);
    if (domain < 0) return 0;
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT startNs, endNs, message, globalTid FROM MSTX_EVENTS "
                              "WHERE eventType = 2 AND domainId = %" PRId64 " ORDER BY startNs", domain);
    sqlite3_stmt *st = cs_db_prepare(r, "MSTX_EVENTS", sql);
    if (!st) return -1;
    tid_vec tids = {0};
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        cs_module_range m;
        if (!cs_db_range(st, 0, &m.start, &m.end)) {
            in->ranges_dropped++;
            continue;
        }
        m.name = name_of(in, st, 2);
        note_thread(&tids, st);
        CS_VEC_PUSH(in->ranges, m);
    }
    in->threads = (int64_t)tids.len;
    free(tids.items);
    return cs_db_finish(r, st, rc, "MSTX_EVENTS");
}

/* Step 2 for one source table: kernel name id, kernel times, op name id,
** op times, ordered as the reference orders each query. */
/* ------------------------------------------------------------------ */
/* Step 2 joins, done in memory: the framework side (PYTORCH_API rows with
** a connection id, CONNECTION_IDS) is small and read once; the kernels are
** streamed and matched by binary search.  SQLite's automatic indexes for
** the same joins, rebuilt for each of the three queries, cost five times
** the scan of the data. */

typedef struct conn_row { int64_t conn, id; bool null_id; } conn_row;   /* CONNECTION_IDS */
typedef struct api_row {
    int64_t conn, seq;
    const char *name;       /* "" when unknown */
    bool named;             /* the name id resolves in STRING_IDS (a JOIN keeps the row) */
    int64_t start, end;
} api_row;
typedef struct link_row { cs_kernel_link link; size_t seq; } link_row;

typedef struct framework {
    CS_VEC(conn_row) conns;     /* sorted by (conn, null_id, id) */
    CS_VEC(api_row) apis;       /* sorted by (conn, seq) */
    CS_VEC(conn_row) null_conns;/* rows with a NULL connectionId: Step 3's GROUP BY makes them a group */
    size_t conn_hint;           /* where the last kernel's rows were: kernels come in connection order */
} framework;

static int cmp_conn(const void *a, const void *b)
{
    const conn_row *x = a, *y = b;
    if (x->conn != y->conn) return x->conn < y->conn ? -1 : 1;
    if (x->null_id != y->null_id) return x->null_id ? 1 : -1;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* (conn, null_id, id) order.  CONNECTION_IDS is usually written in id
** order, and then a stable sort by conn alone gives it. */
static void sort_conns(framework *fw)
{
    const conn_row *c = fw->conns.items;
    bool by_id = true;
    for (size_t i = 1; i < fw->conns.len && by_id; i++)
        by_id = c[i - 1].null_id < c[i].null_id || (c[i - 1].null_id == c[i].null_id && c[i - 1].id <= c[i].id);
    if (by_id) cs_sort_by_i64_key(fw->conns.items, fw->conns.len, sizeof(conn_row), offsetof(conn_row, conn));
    else qsort(fw->conns.items, fw->conns.len, sizeof(conn_row), cmp_conn);
}

static int read_framework(cs_db *r, cs_module_input *in, framework *fw)
{
    sqlite3_stmt *st = cs_db_prepare(r, "CONNECTION_IDS", "SELECT connectionId, id FROM CONNECTION_IDS");
    if (!st) return -1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        /* A NULL id still counts in Step 3's COUNT(*), never as MIN/MAX. */
        conn_row c = {0, 0, false};
        c.null_id = !cs_db_int(st, 1, &c.id);
        if (cs_db_int(st, 0, &c.conn)) CS_VEC_PUSH(fw->conns, c);
        else if (sqlite3_column_type(st, 0) == SQLITE_NULL) CS_VEC_PUSH(fw->null_conns, c);
    }
    if (cs_db_finish(r, st, rc, "CONNECTION_IDS")) return -1;
    st = cs_db_prepare(r, "PYTORCH_API", "SELECT connectionId, name, startNs, endNs FROM PYTORCH_API"
                                         " WHERE connectionId IS NOT NULL");
    if (!st) return -1;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        api_row a;
        if (!cs_db_int(st, 0, &a.conn)) continue;
        int64_t name_id;
        a.seq = (int64_t)fw->apis.len;
        a.name = cs_db_int(st, 1, &name_id) ? cs_string_ids_find(in->names, name_id) : NULL;
        a.named = a.name != NULL;
        if (!a.named) a.name = "";
        a.start = int_or_zero(st, 2);
        a.end = int_or_zero(st, 3);
        CS_VEC_PUSH(fw->apis, a);
    }
    if (cs_db_finish(r, st, rc, "PYTORCH_API")) return -1;
    sort_conns(fw);
    /* seq is the row order: a stable sort by conn gives (conn, seq) */
    cs_sort_by_i64_key(fw->apis.items, fw->apis.len, sizeof(api_row), offsetof(api_row, conn));
    return 0;
}

/* First index of a row with key conn in a sorted array, or n. */
#define LOWER_BOUND(arr, n, key, out)                                   \
    do {                                                                \
        size_t lo_ = 0, hi_ = (n);                                      \
        while (lo_ < hi_) {                                             \
            size_t mid_ = lo_ + (hi_ - lo_) / 2;                        \
            if ((arr)[mid_].conn < (key)) lo_ = mid_ + 1;               \
            else hi_ = mid_;                                            \
        }                                                               \
        (out) = lo_;                                                    \
    } while (0)

typedef CS_VEC(link_row) link_vec;

/* Every framework op linked to a kernel with CANN connection id conn. */
/* LOWER_BOUND over conns, trying the few rows after the last hit first. */
static size_t conns_lower_bound(framework *fw, int64_t conn)
{
    const conn_row *a = fw->conns.items;
    size_t n = fw->conns.len, h = fw->conn_hint, limit = h + 16;
    if (h <= n && (h == 0 || a[h - 1].conn < conn)) {
        while (h < n && h < limit && a[h].conn < conn) h++;
        if (h == n || a[h].conn >= conn) return fw->conn_hint = h;
    }
    LOWER_BOUND(a, n, conn, h);
    return fw->conn_hint = h;
}

static void emit_links(framework *fw, int64_t conn, const cs_kernel_link *kernel, link_vec *out)
{
    size_t c = conns_lower_bound(fw, conn);
    for (; c < fw->conns.len && fw->conns.items[c].conn == conn && !fw->conns.items[c].null_id; c++) {
        int64_t id = fw->conns.items[c].id;
        size_t a;
        LOWER_BOUND(fw->apis.items, fw->apis.len, id, a);
        for (; a < fw->apis.len && fw->apis.items[a].conn == id; a++) {
            link_row l = {*kernel, out->len};
            l.link.op_name = fw->apis.items[a].name;
            l.link.op_ts = fw->apis.items[a].start;
            l.link.op_end = fw->apis.items[a].end;
            CS_VEC_PUSH(*out, l);
        }
    }
}

static void link_kernel(framework *fw, const char *name, int64_t start, int64_t end, int64_t conn,
                        link_vec *rows)
{
    cs_kernel_link k = {name, start, end, "", 0, 0};
    emit_links(fw, conn, &k, rows);
}

/* Sorts one source table's links by (op start, kernel start) as the
** reference's per-table query orders them (ties: row order) and appends
** them.  The kernels come in nearly that order already. */
static void append_links(link_vec *rows, cs_module_input *in)
{
    /* The rows come in seq order: stable sorts by the minor key, then the
    ** major one, give (op_ts, kernel_ts, seq). */
    cs_sort_by_i64_key(rows->items, rows->len, sizeof(link_row), offsetof(link_row, link.kernel_ts));
    cs_sort_by_i64_key(rows->items, rows->len, sizeof(link_row), offsetof(link_row, link.op_ts));
    for (size_t i = 0; i < rows->len; i++) CS_VEC_PUSH(in->links, rows->items[i].link);
    free(rows->items);
}

/* One source table: rows (kernel name id, start, end, connection id). */
static int read_links(cs_db *r, cs_module_input *in, framework *fw, const char *table, const char *sql)
{
    if (!cs_db_has_table(r, table)) return 0;
    sqlite3_stmt *st = cs_db_prepare(r, table, sql);
    if (!st) return -1;
    link_vec rows = {0};
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t conn;
        if (cs_db_int(st, 3, &conn))
            link_kernel(fw, name_of(in, st, 0), int_or_zero(st, 1), int_or_zero(st, 2), conn, &rows);
    }
    if (cs_db_finish(r, st, rc, table)) {
        free(rows.items);
        return -1;
    }
    append_links(&rows, in);
    return 0;
}

/* The COMPUTE_TASK_INFO links from the kernels the TASK pass collected. */
static void links_of_kernels(cs_module_input *in, framework *fw, const cs_kernel_rows *kernels)
{
    link_vec rows = {0};
    CS_VEC_RESERVE(rows, kernels->len);     /* a kernel has one framework op, as a rule */
    for (size_t i = 0; i < kernels->len; i++) {
        const cs_kernel_row *k = &kernels->items[i];
        const char *name = k->name_id == CS_NO_NAME_ID ? "" : cs_string_ids_get(in->names, k->name_id);
        link_kernel(fw, name, k->start, k->end, k->conn, &rows);
    }
    append_links(&rows, in);
}

static void push_pair(cs_module_input *in, const api_row *f, const api_row *b)
{
    cs_fwd_bwd_pair p = {f->name, f->start, f->end, "", 0, 0};
    if (b) {
        p.bwd_name = b->name;
        p.bwd_ts = b->start;
        p.bwd_end = b->end;
    }
    CS_VEC_PUSH(in->pairs, p);
}

static bool is_queue_op(const char *name)
{
    /* SQL LIKE 'Enqueue%' is case-insensitive for ASCII. */
    return strncasecmp(name, "Enqueue", 7) == 0 || strncasecmp(name, "Dequeue", 7) == 0;
}

/* Step 3 for one CONNECTION_IDS group [first, last) of two or more rows:
** the forward ops (PYTORCH_API rows of its smallest id) each with every
** backward op (rows of its largest id), or with none, as the reference's
** LEFT JOINs give them. */
static void pairs_of_group(const framework *fw, const conn_row *group, size_t n, cs_module_input *in)
{
    size_t nvalid = 0;
    while (nvalid < n && !group[nvalid].null_id) nvalid++;
    if (nvalid == 0) return;    /* MIN(id) is NULL: no forward op joins */
    int64_t min_id = group[0].id, max_id = group[nvalid - 1].id;
    size_t f0, b0;
    LOWER_BOUND(fw->apis.items, fw->apis.len, min_id, f0);
    LOWER_BOUND(fw->apis.items, fw->apis.len, max_id, b0);
    for (size_t f = f0; f < fw->apis.len && fw->apis.items[f].conn == min_id; f++) {
        const api_row *fwd = &fw->apis.items[f];
        if (!fwd->named || is_queue_op(fwd->name)) continue;
        if (b0 == fw->apis.len || fw->apis.items[b0].conn != max_id) push_pair(in, fwd, NULL);
        for (size_t b = b0; b < fw->apis.len && fw->apis.items[b].conn == max_id; b++)
            push_pair(in, fwd, &fw->apis.items[b]);
    }
}

/* Step 3 (GROUP BY connectionId HAVING COUNT(*) > 1, ORDER BY connectionId)
** over the framework rows already in memory: SQLite would sort
** CONNECTION_IDS and build an automatic index on PYTORCH_API again, which
** cost more than all the other module_statistic queries together. */
static void build_pairs(framework *fw, cs_module_input *in)
{
    /* The NULL group sorts first, as NULL does in ORDER BY. */
    if (fw->null_conns.len > 1) {
        qsort(fw->null_conns.items, fw->null_conns.len, sizeof(conn_row), cmp_conn);
        pairs_of_group(fw, fw->null_conns.items, fw->null_conns.len, in);
    }
    for (size_t i = 0; i < fw->conns.len;) {
        size_t j = i + 1;
        while (j < fw->conns.len && fw->conns.items[j].conn == fw->conns.items[i].conn) j++;
        if (j - i > 1) pairs_of_group(fw, fw->conns.items + i, j - i, in);
        i = j;
    }
}

static int read_links_and_pairs(cs_db *r, const cs_kernel_rows *kernels, cs_module_input *in)
{
    framework fw = {0};
    int rc = read_framework(r, in, &fw);
    if (rc == 0 && kernels)
        links_of_kernels(in, &fw, kernels);
    else if (rc == 0)
        rc = read_links(r, in, &fw, "COMPUTE_TASK_INFO",
                        "SELECT c.name, t.startNs, t.endNs, t.connectionId FROM COMPUTE_TASK_INFO c"
                        " JOIN TASK t ON t.globalTaskId = c.globalTaskId");
    if (rc == 0)
        rc = read_links(r, in, &fw, "COMMUNICATION_OP",
                        "SELECT opType, startNs, endNs, connectionId FROM COMMUNICATION_OP");
    if (rc == 0)
        rc = read_links(r, in, &fw, "COMMUNICATION_SCHEDULE_TASK_INFO",
                        "SELECT c.name, t.startNs, t.endNs, t.connectionId FROM COMMUNICATION_SCHEDULE_TASK_INFO c"
                        " JOIN TASK t ON t.globalTaskId = c.globalTaskId");
    if (rc == 0) build_pairs(&fw, in);
    free(fw.conns.items);
    free(fw.null_conns.items);
    free(fw.apis.items);
    return rc;
}

static const char *missing_table(cs_db *r)
{
    static const char *const needed[] = {"STRING_IDS", "PYTORCH_API", "CONNECTION_IDS", "TASK"};
    for (size_t i = 0; i < sizeof needed / sizeof *needed; i++)
        if (!cs_db_has_table(r, needed[i])) return needed[i];
    return NULL;
}

static int read_module_input(cs_db *r, const cs_kernel_rows *kernels, cs_module_input *in);

/* The host window [start, end] of STEP_TIME id step; false when absent. */
static bool step_window(cs_db *r, int64_t step, int64_t *start, int64_t *end)
{
    if (!cs_db_has_table(r, "STEP_TIME")) return false;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(r->db, "SELECT startNs, endNs FROM STEP_TIME WHERE id = ?", -1, &st, NULL) != SQLITE_OK)
        return false;
    sqlite3_bind_int64(st, 1, step);
    bool found = sqlite3_step(st) == SQLITE_ROW && cs_db_range(st, 0, start, end);
    sqlite3_finalize(st);
    return found;
}

static bool inside(int64_t t, int64_t lo, int64_t hi) { return t >= lo && t <= hi; }

/* --step_id: the reference filters every table of the recipe on its own
** start time; here a range by its start, a kernel link by the op's and the
** kernel's starts, a pair by both ops' starts. */
static void keep_step(cs_module_input *in, int64_t lo, int64_t hi)
{
    size_t k = 0;
    for (size_t i = 0; i < in->ranges.len; i++)
        if (inside(in->ranges.items[i].start, lo, hi)) in->ranges.items[k++] = in->ranges.items[i];
    in->ranges.len = k;
    k = 0;
    for (size_t i = 0; i < in->links.len; i++) {
        const cs_kernel_link *l = &in->links.items[i];
        if (inside(l->op_ts, lo, hi) && inside(l->kernel_ts, lo, hi)) in->links.items[k++] = *l;
    }
    in->links.len = k;
    k = 0;
    for (size_t i = 0; i < in->pairs.len; i++) {
        const cs_fwd_bwd_pair *p = &in->pairs.items[i];
        if (inside(p->fwd_ts, lo, hi) && inside(p->bwd_ts, lo, hi)) in->pairs.items[k++] = *p;
    }
    in->pairs.len = k;
}

int cs_read_module_input(cs_db *r, const int64_t *step_id, const cs_kernel_rows *kernels, cs_module_input *in)
{
    int64_t lo = 0, hi = 0;
    memset(in, 0, sizeof *in);
    if (step_id && !step_window(r, *step_id, &lo, &hi)) {
        in->no_step = true;
        return 0;
    }
    int rc = read_module_input(r, kernels, in);
    cs_string_ids_detach(in->names);   /* the strings outlive the connection */
    in->has_ranges = in->ranges.len > 0 || in->ranges_dropped > 0;
    if (rc == 0 && step_id) {
        keep_step(in, lo, hi);
        if (!in->skip_reason && in->ranges.len == 0)
            in->skip_reason = cs_xasprintf("no Module ranges in step %" PRId64, *step_id);
        else if (!in->skip_reason && in->links.len == 0)
            in->skip_reason = cs_xasprintf("no framework-to-kernel links in step %" PRId64, *step_id);
    }
    return rc;
}

static int read_module_input(cs_db *r, const cs_kernel_rows *kernels, cs_module_input *in)
{
    if (!cs_db_has_table(r, "MSTX_EVENTS") || !cs_db_has_table(r, "STRING_IDS")) {
        in->skip_reason = cs_xstrdup("no Module ranges (profiled without the nn.Module patch?)");
        return 0;
    }
    in->names = cs_string_ids_new(r);
    if (!in->names || read_ranges(r, in)) goto schema;
    if (in->ranges.len == 0) {
        in->skip_reason = cs_xstrdup("no Module ranges (profiled without the nn.Module patch?)");
        return 0;
    }
    const char *missing = missing_table(r);
    if (missing) {
        in->skip_reason = cs_xasprintf("missing table %s", missing);
        return 0;
    }
    if (read_links_and_pairs(r, kernels, in)) goto schema;
    if (in->links.len == 0)
        in->skip_reason = cs_xstrdup("no framework-to-kernel links: graphs captured before profiling started?");
    return 0;
schema:
    if (!r->schema_error) return -1;
    r->schema_error = false;
    in->skip_reason = cs_xstrdup(r->err->msg);
    return 0;
}

void cs_module_input_free(cs_module_input *in)
{
    free(in->ranges.items);
    free(in->links.items);
    free(in->pairs.items);
    cs_string_ids_free(in->names);
    free(in->skip_reason);
    memset(in, 0, sizeof *in);
}
