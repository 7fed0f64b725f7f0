/*
** test_module_reader.c — the module_statistic inputs as the rank reader
** gives them, against the reference's own SQL for Steps 2 and 3
** (analyses.md §2.a) run over the same database: an independent path, as
** the reader joins in memory.  The database is G1 plus the edge cases of
** fixtures/tiny/module_edges.sql.
*/
#include "check.h"
#include "fixture_util.h"
#include "rank_reader.h"

static char db_file[4400];

/* The reference's Step 3 query. */
static const char step3_sql[] =
    "SELECT ifnull(fn.value, ''), f.startNs, f.endNs, ifnull(bn.value, ''), ifnull(b.startNs, 0),"
    " ifnull(b.endNs, 0) FROM"
    " (SELECT connectionId, MIN(id) AS min_id, MAX(id) AS max_id FROM CONNECTION_IDS"
    "  GROUP BY connectionId HAVING COUNT(*) > 1) c"
    " LEFT JOIN PYTORCH_API f ON f.connectionId = c.min_id"
    " LEFT JOIN PYTORCH_API b ON b.connectionId = c.max_id"
    " LEFT JOIN STRING_IDS fn ON fn.id = f.name LEFT JOIN STRING_IDS bn ON bn.id = b.name"
    " WHERE fn.value NOT LIKE 'Enqueue%' AND fn.value NOT LIKE 'Dequeue%'"
    " ORDER BY c.connectionId";

/* Step 2 for COMPUTE_TASK_INFO, joined entirely in SQL. */
static const char step2_sql[] =
    "SELECT ifnull(kn.value, ''), ifnull(t.startNs, 0), ifnull(t.endNs, 0), ifnull(pn.value, ''),"
    " CAST(p.startNs AS INTEGER), CAST(p.endNs AS INTEGER)"
    " FROM COMPUTE_TASK_INFO k JOIN TASK t ON t.globalTaskId = k.globalTaskId"
    " JOIN CONNECTION_IDS ci ON ci.connectionId = t.connectionId"
    " JOIN PYTORCH_API p ON p.connectionId = ci.id"
    " LEFT JOIN STRING_IDS kn ON kn.id = k.name LEFT JOIN STRING_IDS pn ON pn.id = p.name"
    " ORDER BY CAST(p.startNs AS INTEGER), ifnull(t.startNs, 0), k.globalTaskId, p.rowid";

static sqlite3_stmt *query(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) fprintf(stderr, "%s\n", sqlite3_errmsg(db));
    return st;
}

static const char *text(sqlite3_stmt *st, int col) { return (const char *)sqlite3_column_text(st, col); }

static void check_pairs(sqlite3 *db, const cs_module_input *in)
{
    sqlite3_stmt *st = query(db, step3_sql);
    size_t i = 0;
    for (; st && sqlite3_step(st) == SQLITE_ROW; i++) {
        if (i >= in->pairs.len) continue;
        const cs_fwd_bwd_pair *p = &in->pairs.items[i];
        CHECK_STR(p->fwd_name, text(st, 0));
        CHECK_INT(p->fwd_ts, sqlite3_column_int64(st, 1));
        CHECK_INT(p->fwd_end, sqlite3_column_int64(st, 2));
        CHECK_STR(p->bwd_name, text(st, 3));
        CHECK_INT(p->bwd_ts, sqlite3_column_int64(st, 4));
        CHECK_INT(p->bwd_end, sqlite3_column_int64(st, 5));
    }
    CHECK_INT(in->pairs.len, i);
    CHECK_INT(i, 6);    /* the NULL group (4 with 11), G1's pair, 2001, 2007, 2009 twice: by hand */
    sqlite3_finalize(st);
}

static void check_links(sqlite3 *db, const cs_module_input *in)
{
    sqlite3_stmt *st = query(db, step2_sql);
    size_t i = 0;
    for (; st && sqlite3_step(st) == SQLITE_ROW; i++) {
        if (i >= in->links.len) continue;
        const cs_kernel_link *l = &in->links.items[i];
        CHECK_STR(l->kernel_name, text(st, 0));
        CHECK_INT(l->kernel_ts, sqlite3_column_int64(st, 1));
        CHECK_INT(l->kernel_end, sqlite3_column_int64(st, 2));
        CHECK_STR(l->op_name, text(st, 3));
        CHECK_INT(l->op_ts, sqlite3_column_int64(st, 4));
        CHECK_INT(l->op_end, sqlite3_column_int64(st, 5));
    }
    CHECK_INT(in->links.len, i);   /* G1 has no communication op: every link is a compute one */
    CHECK_INT(i, 11);   /* G1's 7, task 8 (NULL start), 9, and 10 under both ops of id 13 */
    sqlite3_finalize(st);
}

int main(void)
{
    char root[4096];
    fx_tmp(root, sizeof root, "module_reader");
    CHECK_INT(fx_make_rank(root, "r_ascend_pt", 0, "module_g1.sql"), 0);
    snprintf(db_file, sizeof db_file, "%s/r_ascend_pt/ASCEND_PROFILER_OUTPUT/ascend_pytorch_profiler_0.db", root);
    sqlite3 *db;
    CHECK_INT(sqlite3_open(db_file, &db), SQLITE_OK);
    CHECK_INT(fx_exec_file(db, "module_edges.sql"), 0);

    /* With the overlap the kernels come from its TASK pass; alone, from a join. */
    for (int shared = 0; shared < 2; shared++) {
        cs_rank_result res;
        cs_rank_result_init(&res, 0, root);
        cs_overlap_input ov;
        cs_module_input in;
        cs_read_request req = {shared ? &ov : NULL, &in, NULL, NULL, false};
        cs_err err = {""};
        CHECK_INT(cs_read_rank(db_file, &res, &req, &err), 0);
        CHECK(in.skip_reason == NULL);
        check_pairs(db, &in);
        check_links(db, &in);
        cs_module_input_free(&in);
        if (shared) cs_overlap_input_free(&ov);
        cs_rank_result_free(&res);
    }
    sqlite3_close(db);
    return check_report();
}
