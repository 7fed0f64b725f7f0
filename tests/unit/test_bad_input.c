/*
** test_bad_input.c — damaged and incomplete ranks next to a good one: each
** gets a clear reason naming the file or table, the good rank is still
** analysed with unchanged numbers, and the run reports a partial result.
*/
#include <unistd.h>

#include "check.h"
#include "fixture_util.h"
#include "pipeline.h"

#define GOOD_ROW0 "1,rank,0,0.15,0.11,0.0,0.11,0.01,0.27,0.0,0.11,0.15,,,\n"

static char root[4096];

static void exec_sql(const char *db_path, const char *sql)
{
    sqlite3 *db;
    CHECK_INT(sqlite3_open(db_path, &db), SQLITE_OK);
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        fprintf(stderr, "%s\n", msg);
        CHECK(0);
    }
    sqlite3_free(msg);
    sqlite3_close(db);
}

static void db_path(char *out, size_t size, const char *folder, int rank)
{
    snprintf(out, size, "%s/%s/ASCEND_PROFILER_OUTPUT/ascend_pytorch_profiler_%d.db", root, folder, rank);
}

/* A rank made from rank 0's case with some SQL applied on top. */
static void make_variant(const char *folder, int rank, const char *sql)
{
    char path[4300];
    CHECK_INT(fx_make_rank(root, folder, rank, "overlap_rank0.sql"), 0);
    db_path(path, sizeof path, folder, rank);
    if (sql) exec_sql(path, sql);
}

static void write_file(const char *path, const char *text)
{
    size_t n = strlen(text);
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (!f) return;
    fwrite(text, 1, n, f);
    fclose(f);
}

static void make_cluster(void)
{
    char path[4300];
    make_variant("n_1_20241124080000000_ascend_pt", 0, NULL);
    /* rank 1: not a database at all */
    make_variant("n_2_20241124080000000_ascend_pt", 1, NULL);
    db_path(path, sizeof path, "n_2_20241124080000000_ascend_pt", 1);
    write_file(path, "this is not an SQLite file, just text that a copy left behind\n");
    /* rank 2: truncated to its first page */
    make_variant("n_3_20241124080000000_ascend_pt", 2, NULL);
    db_path(path, sizeof path, "n_3_20241124080000000_ascend_pt", 2);
    CHECK_INT(truncate(path, 4096), 0);
    /* rank 3: no TASK table */
    make_variant("n_4_20241124080000000_ascend_pt", 3, "DROP TABLE TASK;");
    /* rank 4: TASK without its connectionId column */
    make_variant("n_5_20241124080000000_ascend_pt", 4, "ALTER TABLE TASK DROP COLUMN connectionId;");
    /* rank 5: NULL, reversed and absurd task rows next to the good ones */
    make_variant("n_6_20241124080000000_ascend_pt", 5,
                 "UPDATE RANK_DEVICE_MAP SET rankId = 5;"
                 "INSERT INTO SESSION_TIME_INFO VALUES (1732406400000001000, 1732406400000001350);"
                 "INSERT INTO TASK VALUES (NULL, 1732406400000001500, 0, 1, 10, 1, 1, 0, 2, 9, 0),"
                 "(1732406400000001600, 1732406400000001500, 0, 1, 11, 1, 1, 0, 2, 9, 0),"
                 "(5, 10, 0, 1, 12, 1, 1, 0, 2, 9, 0);"
                 "INSERT INTO COMPUTE_TASK_INFO (name, globalTaskId, taskType) VALUES (10, 10, 1), (10, 11, 1), (10, 12, 1);");
    /* rank 6: the schema without any row */
    CHECK_INT(fx_make_rank(root, "n_7_20241124080000000_ascend_pt", 6, NULL), 0);
    /* rank 7: a zero-byte file, as an interrupted copy leaves it */
    make_variant("n_8_20241124080000000_ascend_pt", 7, NULL);
    db_path(path, sizeof path, "n_8_20241124080000000_ascend_pt", 7);
    CHECK_INT(truncate(path, 0), 0);
    /* rank 0 again, older: a duplicate that discovery drops */
    make_variant("n_0_20231124080000000_ascend_pt", 0, NULL);
}

static bool has_line(const char *csv, const char *needle)
{
    return csv && strstr(csv, needle) != NULL;
}

int main(void)
{
    fx_tmp(root, sizeof root, "bad_input");
    make_cluster();
    char *argv[] = {"clusterscope", "-d", root, "--export_type", "csv", NULL};
    cs_options o;
    cs_err err = {""};
    CHECK_INT(cs_options_parse(5, argv, &o, &err), 0);
    cs_discovery d = {0};
    cs_report report = {0};
    CHECK_INT(cs_discover(root, NULL, 0, &d, &report, &err), 0);
    CHECK_INT(d.nranks, 8);
    CHECK_INT(cs_prepare_output_dir(&o, &err), 0);
    cs_rank_result *results = cs_xcalloc(d.nranks, sizeof *results);
    for (size_t i = 0; i < d.nranks; i++) cs_pipeline_analyse_rank(&d.ranks[i], &o, &results[i]);
    cs_finish_stats stats;
    CHECK_INT(cs_pipeline_finish(&o, results, d.nranks, &report, &stats, &err), 3);

    char path[4300];
    snprintf(path, sizeof path, "%s/cluster_analysis_output/skipped.csv", root);
    char *skipped = fx_read(path);
    CHECK(has_line(skipped, ",discover,duplicate rank 0"));
    CHECK(has_line(skipped, "ascend_pytorch_profiler_1.db: not a readable SQLite database: file is not a database"));
    CHECK(has_line(skipped, "2,")); /* truncated rank listed */
    CHECK(has_line(skipped, "3,") && has_line(skipped, ",overlap,missing table TASK"));
    CHECK(has_line(skipped, "table TASK: no such column: connectionId"));
    CHECK(has_line(skipped, "empty rank (no rows in TASK)"));
    CHECK(has_line(skipped, "ascend_pytorch_profiler_7.db: empty file (0 bytes): an interrupted copy?"));
    /* one read skip for it, not a missing table per analysis */
    CHECK(has_line(skipped, "n_8_20241124080000000_ascend_pt,read,") &&
          !has_line(skipped, "n_8_20241124080000000_ascend_pt,communication") &&
          !has_line(skipped, "n_8_20241124080000000_ascend_pt,overlap"));
    CHECK(!has_line(skipped, "\n5,"));
    printf("%s", skipped ? skipped : "(no skipped.csv)\n");
    free(skipped);

    /* the good rank and the rank with bad rows keep the hand-worked numbers */
    snprintf(path, sizeof path, "%s/cluster_analysis_output/cluster_step_trace_time.csv", root);
    char *trace = fx_read(path);
    CHECK(has_line(trace, GOOD_ROW0));
    CHECK(has_line(trace, "1,rank,5,0.15,0.11,0.0,0.11,0.01,0.27,0.0,0.11,0.15,,,\n"));
    CHECK(!has_line(trace, ",rank,1,") && !has_line(trace, ",rank,3,") && !has_line(trace, ",rank,6,"));
    free(trace);

    bool counted = false, outside = false;
    for (size_t i = 0; i < report.lines.len; i++) {
        counted |= strcmp(report.lines.items[i].text,
                          "rank 5: 3 TASK rows excluded (NULL, INVALID or absurd values) (overlap)") == 0;
        /* the tasks [1330,1400] and [1410,1420] end after the session window */
        outside |= strcmp(report.lines.items[i].text,
                          "rank 5: 2 TASK rows outside SESSION_TIME_INFO (kept) (overlap)") == 0;
    }
    CHECK(counted);
    CHECK(outside);

    for (size_t i = 0; i < d.nranks; i++) cs_rank_result_free(&results[i]);
    free(results);
    cs_report_free(&report);
    cs_discovery_free(&d);
    cs_options_free(&o);
    return check_report();
}
