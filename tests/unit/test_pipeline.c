/*
** test_pipeline.c — the whole pipeline without MPI on the hand-made overlap
** case (fixtures/tiny/overlap_rank{0,1}.sql).
**
** Expected values, worked out by hand (ns after T = 1732406400 s):
** rank 0: step 1 host [1000, 2000]; launched tasks start at 1150 → START
**   1150, END 2000.  Compute [1150,1250] ∪ [1240,1300] = [1150,1300] (150);
**   comm op [1310,1420] (110); no overlap; span 1150..1420 = 270, busy 260 →
**   free 10; no receive → bubble 0, stage 270; preparing 1150 − 1000 = 150.
** rank 1: step from ProfilerStep#1 [1000, 2000]; START = 1100.  Compute
**   [1100,1200] (100); receive op [1150,1350] (200, the bubble); the op with
**   tasks on two devices is dropped.  Both 50 → not overlapped 150,
**   overlapped 50; span 1100..1350 = 250 = busy → free 0; stage 250 − 200 =
**   50; exclude receive 150 − 200 = −50; preparing 100.
** Groups: tp {0,1} (rank 0's metadata), pp p2p: observed {1}, replaced by its
**   metadata global_ranks (1,3).  Stage: p2p union {1,3}; tp shares one rank
**   with it → stage (0,1); its row is the element-wise max of both ranks.
*/
#include <unistd.h>

#include "check.h"
#include "fixture_util.h"
#include "pipeline.h"

static const char *const expected_step_trace =
    "Step,Type,Index,Computing,Communication(Not Overlapped),Overlapped,Communication,Free,Stage,Bubble,"
    "Communication(Not Overlapped and Exclude Receive),Preparing,DP Index,PP Index,TP Index\n"
    "1,rank,0,0.15,0.11,0.0,0.11,0.01,0.27,0.0,0.11,0.15,,,\n"
    "1,rank,1,0.1,0.15,0.05,0.2,0.0,0.05,0.2,-0.05,0.1,,,\n"
    "1,stage,\"(0, 1)\",0.15,0.15,0.05,0.2,0.01,0.27,0.2,0.11,0.15,NA,NA,NA\n";

static const char *const expected_groups =
    "type,rank_set,group_name,group_id,pg_name\n"
    "collective,\"(0,1)\",7180166532753508561,group_tp_0,tp\n"
    "p2p,\"(1,3)\",7179747532914987621,group_pp_0,pp\n";

static int run(const char *root, const char *export_type, cs_report *report, cs_err *err)
{
    char *argv[] = {"clusterscope", "-d", (char *)root, "--export_type", (char *)export_type, NULL};
    cs_options o;
    if (cs_options_parse(5, argv, &o, err)) return -1;
    cs_discovery d = {0};
    int rc = -1;
    if (cs_discover(root, NULL, 0, &d, report, err) || cs_prepare_output_dir(&o, err)) goto out;
    cs_rank_result *results = cs_xcalloc(d.nranks, sizeof *results);
    /* analyse in reverse order: the merge must not depend on arrival order */
    for (size_t i = d.nranks; i-- > 0;) cs_pipeline_analyse_rank(&d.ranks[i], &o, &results[d.nranks - 1 - i]);
    cs_finish_stats stats;
    rc = cs_pipeline_finish(&o, results, d.nranks, report, &stats, err);
    for (size_t i = 0; i < d.nranks; i++) cs_rank_result_free(&results[i]);
    free(results);
out:
    cs_discovery_free(&d);
    cs_options_free(&o);
    return rc;
}

static void make_cluster(const char *root)
{
    CHECK_INT(fx_make_rank(root, "node0_100_20241124080000000_ascend_pt", 0, "overlap_rank0.sql"), 0);
    CHECK_INT(fx_make_rank(root, "node0_101_20241124080000001_ascend_pt", 1, "overlap_rank1.sql"), 0);
}

static void test_csv(void)
{
    char root[4096], path[4200];
    fx_tmp(root, sizeof root, "pipeline_csv");
    make_cluster(root);
    snprintf(path, sizeof path, "%s/node0_100_20241124080000000_ascend_pt/ASCEND_PROFILER_OUTPUT/"
             "ascend_pytorch_profiler_0.db", root);
    struct stat before, after;
    CHECK_INT(stat(path, &before), 0);

    cs_report report = {0};
    cs_err err = {""};
    CHECK_INT(run(root, "csv", &report, &err), 0);
    CHECK_STR(err.msg, "");
    CHECK_INT(report.skips.len, 0);
    /* rank 1's op on two devices is reported */
    bool dropped_line = false;
    for (size_t i = 0; i < report.lines.len; i++)
        dropped_line |= strstr(report.lines.items[i].text,
                               "rank 1: 1 communication ops without device tasks on one device dropped") != NULL;
    CHECK(dropped_line);

    snprintf(path, sizeof path, "%s/cluster_analysis_output/cluster_step_trace_time.csv", root);
    char *csv = fx_read(path);
    CHECK_STR(csv, expected_step_trace);
    free(csv);
    snprintf(path, sizeof path, "%s/cluster_analysis_output/communication_group.csv", root);
    csv = fx_read(path);
    CHECK_STR(csv, expected_groups);
    free(csv);
    snprintf(path, sizeof path, "%s/cluster_analysis_output/skipped.csv", root);
    csv = fx_read(path);
    CHECK_STR(csv, "rank,path,analysis,reason\n");
    free(csv);

    /* the input is untouched and no journal was left beside it */
    snprintf(path, sizeof path, "%s/node0_100_20241124080000000_ascend_pt/ASCEND_PROFILER_OUTPUT/"
             "ascend_pytorch_profiler_0.db", root);
    CHECK_INT(stat(path, &after), 0);
    CHECK(before.st_mtime == after.st_mtime && before.st_size == after.st_size);
    strcat(path, "-journal");
    CHECK(access(path, F_OK) != 0);
    cs_report_free(&report);
}

static void test_db(void)
{
    char root[4096], path[4200];
    fx_tmp(root, sizeof root, "pipeline_db");
    make_cluster(root);
    cs_report report = {0};
    cs_err err = {""};
    CHECK_INT(run(root, "db", &report, &err), 0);
    snprintf(path, sizeof path, "%s/cluster_analysis_output/cluster_analysis.db", root);
    sqlite3 *db;
    CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *st;
    CHECK_INT(sqlite3_prepare_v2(db,
        "SELECT step, type, \"index\", computing, communication_not_overlapped_and_exclude_receive, "
        "typeof(dp_index), dp_index FROM ClusterStepTraceTime", -1, &st, NULL), SQLITE_OK);
    CHECK_INT(sqlite3_step(st), SQLITE_ROW);
    CHECK_STR((const char *)sqlite3_column_text(st, 0), "1");
    CHECK_STR((const char *)sqlite3_column_text(st, 1), "rank");
    CHECK_STR((const char *)sqlite3_column_text(st, 2), "0");
    CHECK_DBL(sqlite3_column_double(st, 3), 0.15);
    CHECK_STR((const char *)sqlite3_column_text(st, 5), "null");   /* no metadata: NULL, not 0 */
    CHECK_INT(sqlite3_step(st), SQLITE_ROW);
    CHECK_DBL(sqlite3_column_double(st, 4), -0.05);
    CHECK_INT(sqlite3_step(st), SQLITE_ROW);
    CHECK_STR((const char *)sqlite3_column_text(st, 1), "stage");
    CHECK_STR((const char *)sqlite3_column_text(st, 2), "(0,1)");
    CHECK_STR((const char *)sqlite3_column_text(st, 6), "NA");
    CHECK_INT(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    CHECK_INT(sqlite3_prepare_v2(db, "SELECT count(*) FROM CommunicationGroupMapping", -1, &st, NULL), SQLITE_OK);
    CHECK_INT(sqlite3_step(st), SQLITE_ROW);
    CHECK_INT(sqlite3_column_int(st, 0), 2);
    sqlite3_finalize(st);
    CHECK_INT(sqlite3_prepare_v2(db, "SELECT hostUid, hostName FROM HostInfo", -1, &st, NULL), SQLITE_OK);
    CHECK_INT(sqlite3_step(st), SQLITE_ROW);
    CHECK_STR((const char *)sqlite3_column_text(st, 1), "node0");
    CHECK_INT(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    sqlite3_close(db);
    cs_report_free(&report);
}

static bool has_note(const cs_report *r, const char *part)
{
    for (size_t i = 0; i < r->lines.len; i++)
        if (strstr(r->lines.items[i].text, part)) return true;
    return false;
}

/* Without a usable $TMPDIR the rows that wait for the export stay in
** memory: the same tables, and a note that says so. */
static void test_no_tmpdir(void)
{
    char root[4096], path[4200];
    fx_tmp(root, sizeof root, "pipeline_no_tmpdir");
    make_cluster(root);
    const char *old = getenv("TMPDIR");
    char *saved = old ? cs_xstrdup(old) : NULL;
    setenv("TMPDIR", "/nonexistent/cs-test-tmpdir", 1);
    cs_report report = {0};
    cs_err err = {""};
    CHECK_INT(run(root, "db", &report, &err), 0);
    if (saved) setenv("TMPDIR", saved, 1);
    else unsetenv("TMPDIR");
    free(saved);
    CHECK(has_note(&report, "rows that wait for the export were kept in memory"));
    CHECK(has_note(&report, "/nonexistent/cs-test-tmpdir"));
    snprintf(path, sizeof path, "%s/cluster_analysis_output/cluster_analysis.db", root);
    sqlite3 *db;
    CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *st;
    CHECK_INT(sqlite3_prepare_v2(db, "SELECT count(*) FROM ClusterStepTraceTime", -1, &st, NULL), SQLITE_OK);
    CHECK_INT(sqlite3_step(st), SQLITE_ROW);
    CHECK_INT(sqlite3_column_int(st, 0), 3);
    sqlite3_finalize(st);
    sqlite3_close(db);
    cs_report_free(&report);
}

/* analyses.md §5.2 G1 end to end: the reference's rows for that database
** (its module names Layer_0 / Layer_1: the two Layer instances run different
** op sequences), read from SQLite through the whole pipeline. */
static const char *const expected_g1 =
    "Parent Module,Module,Op Name,Kernel List,Total Kernel Duration(ns),Avg Kernel Duration(ns),Op Count\n"
    "Model,Layer_0,aten::mm,\"MatMulV2, MatMulV2\",30.0,30.0,1\n"
    "Model,Layer_0,aten::add,Add,5.0,5.0,1\n"
    "Model,Layer_1,aten::mm,MatMulV2,25.0,25.0,1\n"
    "Model,Layer_1,aten::mul,Mul,4.0,4.0,1\n"
    ",Model,aten::relu,Relu,10.0,10.0,1\n"
    "Model,[Backward]Layer,MmBackward0,MatMulBwd,50.0,50.0,1\n";

static void test_module_g1(void)
{
    char root[4096], path[4200];
    fx_tmp(root, sizeof root, "pipeline_g1");
    CHECK_INT(fx_make_rank(root, "node0_100_20241124080000000_ascend_pt", 0, "module_g1.sql"), 0);
    char *argv[] = {"clusterscope", "-d", root, "-m", "module_statistic", "--export_type", "csv", NULL};
    cs_options o;
    cs_err err = {""};
    CHECK_INT(cs_options_parse(7, argv, &o, &err), 0);
    cs_discovery d = {0};
    cs_report report = {0};
    CHECK_INT(cs_discover(root, NULL, 0, &d, &report, &err), 0);
    CHECK_INT(cs_prepare_output_dir(&o, &err), 0);
    cs_rank_result res;
    cs_pipeline_analyse_rank(&d.ranks[0], &o, &res);
    cs_finish_stats stats;
    CHECK_INT(cs_pipeline_finish(&o, &res, 1, &report, &stats, &err), 0);
    snprintf(path, sizeof path, "%s/cluster_analysis_output/ModuleStatistic/module_statistic_0.csv", root);
    char *csv = fx_read(path);
    CHECK_STR(csv, expected_g1);
    free(csv);
    cs_rank_result_free(&res);
    cs_report_free(&report);
    cs_discovery_free(&d);
    cs_options_free(&o);
}

/* An output folder that is a file: named as -o when given, as the -d
** folder when not. */
static void test_output_not_a_folder(void)
{
    char root[4096], file[4200];
    fx_tmp(root, sizeof root, "pipeline_out");
    snprintf(file, sizeof file, "%s/a_file", root);
    FILE *f = fopen(file, "w");
    CHECK(f != NULL);
    if (f) fclose(f);
    char *with_o[] = {"clusterscope", "-d", root, "-o", file, NULL};
    cs_options o;
    cs_err err = {""};
    CHECK_INT(cs_options_parse(5, with_o, &o, &err), 0);
    CHECK_INT(cs_prepare_output_dir(&o, &err), -1);
    char want[4400];
    snprintf(want, sizeof want, "-o %s: not a folder", file);
    CHECK_STR(err.msg, want);
    cs_options_free(&o);
    char *without_o[] = {"clusterscope", "-d", file, NULL};
    CHECK_INT(cs_options_parse(3, without_o, &o, &err), 0);
    CHECK_INT(cs_prepare_output_dir(&o, &err), -1);
    snprintf(want, sizeof want, "output folder (the -d folder) %s: not a folder", file);
    CHECK_STR(err.msg, want);
    cs_options_free(&o);
}

int main(void)
{
    test_output_not_a_folder();
    test_csv();
    test_db();
    test_no_tmpdir();
    test_module_g1();
    return check_report();
}
