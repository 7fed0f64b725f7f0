/*
** test_compare.c — `clusterscope compare` (outputs.md §6) on small
** hand-written summary.json files: rows, statuses, change_pct, thresholds,
** the printed table, compare.csv and the exit statuses.
*/
#include "check.h"
#include "compare.h"
#include "csv_writer.h"

#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char g_tmp[512];     /* CS_TMP/test_compare */

/* ---------------------------------------------------------------- helpers */

static const char *tmp_path(const char *name)
{
    static char buf[64][1024];  /* a ring: each test uses fewer paths than this */
    static int k;
    k = (k + 1) % 64;
    snprintf(buf[k], sizeof buf[k], "%s/%s", g_tmp, name);
    return buf[k];
}

static void write_file(const char *path, const char *text)
{
    cs_err err;
    if (cs_make_parent_dirs(path, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        exit(2);
    }
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(2);
    }
    fputs(text, f);
    fclose(f);
}

/* Writes tmp/NAME: a summary whose members after "schema" are BODY. */
static const char *summary(const char *name, const char *body)
{
    const char *path = tmp_path(name);
    char *text = cs_xasprintf("{\n  \"schema\": \"clusterscope.summary/1\",\n  \"tool_version\": \"t\",\n%s\n}\n",
                              body);
    write_file(path, text);
    free(text);
    return path;
}

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = cs_xmalloc(1 << 16);
    size_t n = fread(buf, 1, (1 << 16) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* Runs the command on a NULL-terminated argument list (after "compare");
** *out gets stdout (caller frees). */
static int run(char **out, ...)
{
    char *argv[32] = {"compare"};
    int argc = 1;
    va_list ap;
    va_start(ap, out);
    for (char *a; (a = va_arg(ap, char *)) != NULL && argc < 31;) argv[argc++] = a;
    va_end(ap);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    FILE *errf = fopen("/dev/null", "w");
    int rc = cs_compare_run(argc, argv, f, errf);
    fclose(f);
    fclose(errf);
    if (out) *out = text;
    else free(text);
    return rc;
}

/* Builds the comparison of two files with the given threshold options. */
static int build(const char *base, const char *new_, cs_compare *c, const char *t1, const char *t2)
{
    char *argv[8] = {"compare", (char *)base, (char *)new_};
    int argc = 3;
    if (t1) argv[argc++] = (char *)t1;
    if (t2) argv[argc++] = (char *)t2;
    cs_compare_opts o;
    cs_err err;
    if (cs_compare_parse(argc, argv, &o, &err)) return -1;
    return cs_compare_build(&o, c, &err);
}

static const cs_compare_row *find_row(const cs_compare *c, const char *metric)
{
    for (size_t i = 0; i < c->rows.len; i++)
        if (strcmp(c->rows.items[i].metric, metric) == 0) return &c->rows.items[i];
    return NULL;
}

static int row_index(const cs_compare *c, const char *metric)
{
    for (size_t i = 0; i < c->rows.len; i++)
        if (strcmp(c->rows.items[i].metric, metric) == 0) return (int)i;
    return -1;
}

#define CHECK_STATUS(c, metric, want)                                                 \
    do {                                                                              \
        const cs_compare_row *r_ = find_row((c), (metric));                           \
        CHECK_STR(r_ ? cs_cmp_status_name(r_->status) : "(no row)", (want));          \
    } while (0)

/* ------------------------------------------------------------------ inputs */

static const char *BASE_BODY =
    "  \"input\": {\"dir\": \"/x\", \"ranks\": 2, \"hosts\": 1, \"steps\": 2, \"step_ids\": [1, 2], \"skipped\": []},\n"
    "  \"cluster\": {\"step_time_us\": 1000.0, \"computing_us\": 800.0, \"communication_not_overlapped_us\": 150.0,\n"
    "    \"free_us\": 50.0, \"wait_ratio\": 0.1, \"synchronization_ratio\": 0.08,\n"
    "    \"bandwidth_gbps\": {\"HCCS\": 20.0, \"SDMA\": 20.0}},\n"
    "  \"ranks\": [\n"
    "    {\"rank\": 0, \"step_time_us\": 1000.0, \"wait_ratio\": 0.1, \"bandwidth_gbps\": {\"HCCS\": 20.0}},\n"
    "    {\"rank\": 1, \"step_time_us\": 990.0, \"wait_ratio\": 0.12, \"bandwidth_gbps\": {\"HCCS\": 21.0}}\n"
    "  ],\n"
    "  \"stragglers\": [],\n"
    "  \"modules\": [{\"path\": \"Model/Layer_0\", \"total_kernel_us\": 500.0},\n"
    "              {\"path\": \"Model/Layer_1\", \"total_kernel_us\": 400.0}],\n"
    "  \"warnings\": []";

/* ------------------------------------------------------------------- tests */

static void test_identical(void)
{
    const char *b = summary("same/base.json", BASE_BODY);
    char *out = NULL;
    CHECK_INT(run(&out, b, b, NULL), 0);
    CHECK(out && strstr(out, "regressions: 0\n") != NULL);
    CHECK(out && strncmp(out, "metric", 6) == 0);
    free(out);

    cs_compare c;
    CHECK_INT(build(b, b, &c, NULL, NULL), 0);
    CHECK_INT(c.regressions, 0);
    /* 8 cluster + 3 + 3 rank + 2 module metrics */
    CHECK_INT(c.rows.len, 16);
    for (size_t i = 0; i < c.rows.len; i++) CHECK_INT(c.rows.items[i].status, CS_CMP_OK);
    CHECK_STR(c.rows.items[0].metric, "cluster.step_time_us");
    CHECK_STR(c.rows.items[6].metric, "cluster.bandwidth_gbps.HCCS");
    CHECK_STR(c.rows.items[8].metric, "ranks[0].step_time_us");
    CHECK_STR(c.rows.items[10].metric, "ranks[0].bandwidth_gbps.HCCS");
    CHECK_STR(c.rows.items[14].metric, "modules[Model/Layer_0].total_kernel_us");
    CHECK_INT(c.notes.len, 0);
    cs_compare_free(&c);
}

static void test_slower_step(void)
{
    const char *b = summary("slow/base.json",
                            "  \"cluster\": {\"step_time_us\": 1000.0, \"wait_ratio\": 0.1},\n  \"ranks\": []");
    const char *n = summary("slow/new.json",
                            "  \"cluster\": {\"step_time_us\": 1100.0, \"wait_ratio\": 0.1},\n  \"ranks\": []");
    char *out = NULL;
    CHECK_INT(run(&out, b, n, "--threshold", "5", NULL), 1);
    CHECK(out && strstr(out, "cluster.step_time_us") != NULL);
    CHECK(out && strstr(out, "regressions: 1\n") != NULL);
    free(out);

    cs_compare c;
    CHECK_INT(build(b, n, &c, "--threshold", "5"), 0);
    const cs_compare_row *r = find_row(&c, "cluster.step_time_us");
    CHECK(r && r->status == CS_CMP_REGRESSION && r->counted && r->has_change);
    if (r) CHECK_DBL(r->change_pct, 10.0);
    CHECK_STATUS(&c, "cluster.wait_ratio", "ok");
    cs_compare_free(&c);

    /* the same 10% under a 20% threshold is ok; faster is improved */
    CHECK_INT(run(NULL, b, n, "--threshold", "20", NULL), 0);
    CHECK_INT(build(n, b, &c, NULL, NULL), 0);
    CHECK_STATUS(&c, "cluster.step_time_us", "improved");
    CHECK_INT(c.regressions, 0);
    cs_compare_free(&c);
    CHECK_INT(run(NULL, n, b, NULL), 0);
}

static void test_floor_and_edges(void)
{
    const char *b = summary("floor/base.json",
                            "  \"cluster\": {\"step_time_us\": 0.5, \"computing_us\": 100.0, \"free_us\": 0.0,\n"
                            "    \"communication_not_overlapped_us\": 0.0,\n"
                            "    \"wait_ratio\": 0.0005, \"synchronization_ratio\": 0.0801,\n"
                            "    \"bandwidth_gbps\": {\"HCCS\": 22.56, \"RDMA\": 0.02}},\n  \"ranks\": []");
    const char *n = summary("floor/new.json",
                            "  \"cluster\": {\"step_time_us\": 0.9, \"computing_us\": 105.0, \"free_us\": 2.0,\n"
                            "    \"communication_not_overlapped_us\": 0.5,\n"
                            "    \"wait_ratio\": 0.0009, \"synchronization_ratio\": 0.0811,\n"
                            "    \"bandwidth_gbps\": {\"HCCS\": 22.55, \"RDMA\": 0.015}},\n  \"ranks\": []");
    cs_compare c;
    CHECK_INT(build(b, n, &c, NULL, NULL), 0);
    CHECK_STATUS(&c, "cluster.step_time_us", "ok");          /* +80%, but 0.4 us < 1 us */
    CHECK_STATUS(&c, "cluster.wait_ratio", "ok");            /* +80%, but 0.0004 < 0.001 */
    CHECK_STATUS(&c, "cluster.computing_us", "ok");          /* exactly 5%: not strictly greater */
    CHECK_STATUS(&c, "cluster.bandwidth_gbps.RDMA", "ok");   /* -25%, but 0.005 < 0.01 GB/s */
    const cs_compare_row *r = find_row(&c, "cluster.free_us");   /* base 0: no change_pct */
    CHECK(r && r->status == CS_CMP_REGRESSION && !r->has_change);
    r = find_row(&c, "cluster.communication_not_overlapped_us");  /* base 0, below the floor */
    CHECK(r && r->status == CS_CMP_OK && !r->has_change);
    CHECK_INT(c.regressions, 1);
    cs_compare_free(&c);

    /* threshold 0: a change of exactly the floor counts (0.0811 - 0.0801 and
    ** 22.56 - 22.55 are the floors in decimal, not in binary) */
    CHECK_INT(build(b, n, &c, "--threshold", "0"), 0);
    CHECK_STATUS(&c, "cluster.synchronization_ratio", "regression");
    CHECK_STATUS(&c, "cluster.bandwidth_gbps.HCCS", "regression");
    CHECK_STATUS(&c, "cluster.computing_us", "regression");
    CHECK_STATUS(&c, "cluster.step_time_us", "ok");
    cs_compare_free(&c);
}

static void test_bandwidth(void)
{
    const char *b = summary("bw/base.json",
                            "  \"cluster\": {\"bandwidth_gbps\": {\"RDMA\": 10.0, \"HCCS\": 20.0}},\n  \"ranks\": []");
    const char *n = summary("bw/new.json",
                            "  \"cluster\": {\"bandwidth_gbps\": {\"RDMA\": 12.0, \"HCCS\": 18.0}},\n  \"ranks\": []");
    cs_compare c;
    CHECK_INT(build(b, n, &c, NULL, NULL), 0);
    const cs_compare_row *r = find_row(&c, "cluster.bandwidth_gbps.HCCS");
    CHECK(r && r->status == CS_CMP_REGRESSION && r->family == CS_FAM_BANDWIDTH);
    if (r) CHECK_DBL(r->change_pct, -10.0);
    CHECK_STATUS(&c, "cluster.bandwidth_gbps.RDMA", "improved");
    CHECK_INT(row_index(&c, "cluster.bandwidth_gbps.RDMA"), 0);   /* §5 order: RDMA before HCCS */
    CHECK_INT(c.regressions, 1);
    cs_compare_free(&c);
    CHECK_INT(run(NULL, b, n, NULL), 1);
}

static void test_missing_and_new(void)
{
    const char *b = summary("mn/base.json",
                            "  \"input\": {\"ranks\": 2, \"hosts\": 1, \"steps\": 2},\n"
                            "  \"cluster\": {\"step_time_us\": 100.0},\n"
                            "  \"ranks\": [{\"rank\": 1, \"step_time_us\": 100.0, \"wait_ratio\": 0.1},\n"
                            "             {\"rank\": 0, \"step_time_us\": 100.0}],\n"
                            "  \"modules\": [{\"path\": \"B\", \"total_kernel_us\": 10.0},\n"
                            "              {\"path\": \"A\", \"total_kernel_us\": 10.0}]");
    const char *n = summary("mn/new.json",
                            "  \"input\": {\"ranks\": 2, \"hosts\": 1, \"steps\": 3},\n"
                            "  \"cluster\": {\"step_time_us\": 100.0, \"free_us\": 3.0},\n"
                            "  \"ranks\": [{\"rank\": 2, \"step_time_us\": 100.0}, {\"rank\": 0, \"step_time_us\": 100.0}],\n"
                            "  \"modules\": [{\"path\": \"C\", \"total_kernel_us\": 10.0},\n"
                            "              {\"path\": \"A\", \"total_kernel_us\": 10.0}]");
    cs_compare c;
    CHECK_INT(build(b, n, &c, NULL, NULL), 0);
    static const char *const order[] = {
        "cluster.step_time_us", "cluster.free_us", "ranks[0].step_time_us", "ranks[1].step_time_us",
        "ranks[1].wait_ratio", "ranks[2].step_time_us", "modules[B].total_kernel_us",
        "modules[A].total_kernel_us", "modules[C].total_kernel_us"};
    CHECK_INT(c.rows.len, 9);
    for (size_t i = 0; i < 9 && i < c.rows.len; i++) CHECK_STR(c.rows.items[i].metric, order[i]);
    CHECK_STATUS(&c, "cluster.free_us", "new");
    CHECK_STATUS(&c, "ranks[1].step_time_us", "missing");
    CHECK_STATUS(&c, "ranks[1].wait_ratio", "missing");
    CHECK_STATUS(&c, "ranks[2].step_time_us", "new");
    CHECK_STATUS(&c, "modules[B].total_kernel_us", "missing");
    CHECK_STATUS(&c, "modules[A].total_kernel_us", "ok");
    CHECK_STATUS(&c, "modules[C].total_kernel_us", "new");
    const cs_compare_row *r = find_row(&c, "ranks[1].wait_ratio");
    CHECK(r && r->counted && r->has_base && !r->has_new && !r->has_change);
    r = find_row(&c, "modules[B].total_kernel_us");
    CHECK(r && !r->counted);
    CHECK_INT(c.regressions, 2);    /* the vanished rank's two metrics */
    CHECK_INT(c.notes.len, 1);
    if (c.notes.len) CHECK_STR(c.notes.items[0], "note: input.steps 2 -> 3");
    cs_compare_free(&c);

    char *out = NULL;
    CHECK_INT(run(&out, b, n, NULL), 1);
    CHECK(out && strstr(out, "\nnote: input.steps 2 -> 3\nregressions: 2\n") != NULL);
    free(out);

    /* only a module vanished, a module and a metric appeared: not a regression */
    const char *m = summary("mn/modules.json",
                            "  \"cluster\": {\"step_time_us\": 100.0},\n"
                            "  \"ranks\": [{\"rank\": 1, \"step_time_us\": 100.0, \"wait_ratio\": 0.1},\n"
                            "             {\"rank\": 0, \"step_time_us\": 100.0}],\n"
                            "  \"modules\": [{\"path\": \"C\", \"total_kernel_us\": 10.0}]");
    CHECK_INT(run(NULL, b, m, NULL), 0);
}

static void test_thresholds(void)
{
    const char *b = summary("thr/base.json",
                            "  \"cluster\": {\"step_time_us\": 1000.0, \"wait_ratio\": 0.1,\n"
                            "    \"bandwidth_gbps\": {\"HCCS\": 20.0}},\n  \"ranks\": []");
    const char *n = summary("thr/new.json",
                            "  \"cluster\": {\"step_time_us\": 1100.0, \"wait_ratio\": 0.11,\n"
                            "    \"bandwidth_gbps\": {\"HCCS\": 18.0}},\n  \"ranks\": []");
    char *argv[12] = {"compare", (char *)b, (char *)n};
    cs_compare_opts o;
    cs_err err;

    /* FAMILY=PCT wins whatever the order; repeated forms: the last counts */
    char *a1[] = {"compare", (char *)b, (char *)n, "--threshold", "time=20", "--threshold", "7",
                  "--threshold=ratio=1", "--threshold", "ratio=30", "--threshold", "8"};
    CHECK_INT(cs_compare_parse(12, a1, &o, &err), 0);
    CHECK_DBL(o.threshold[CS_FAM_TIME], 20.0);
    CHECK_DBL(o.threshold[CS_FAM_RATIO], 30.0);
    CHECK_DBL(o.threshold[CS_FAM_BANDWIDTH], 8.0);
    CHECK_INT(cs_compare_parse(3, argv, &o, &err), 0);
    CHECK_DBL(o.threshold[CS_FAM_TIME], 5.0);
    CHECK_DBL(o.threshold[CS_FAM_BANDWIDTH], 5.0);
    CHECK(o.export_type == CS_CMP_TEXT && strcmp(o.out_dir, ".") == 0);

    /* +10% time, +10% ratio, -10% bandwidth */
    CHECK_INT(run(NULL, b, n, "--threshold", "10", NULL), 0);
    CHECK_INT(run(NULL, b, n, "--threshold", "9.5", NULL), 1);
    CHECK_INT(run(NULL, b, n, "--threshold", "time=5", "--threshold", "20", NULL), 1);
    CHECK_INT(run(NULL, b, n, "--threshold", "20", "--threshold", "time=5", NULL), 1);
    CHECK_INT(run(NULL, b, n, "--threshold", "time=5", "--threshold", "time=20", "--threshold", "20", NULL), 0);
    cs_compare c;
    CHECK_INT(build(b, n, &c, "--threshold=bandwidth=50", NULL), 0);
    CHECK_STATUS(&c, "cluster.bandwidth_gbps.HCCS", "ok");
    CHECK_STATUS(&c, "cluster.step_time_us", "regression");
    const cs_compare_row *r = find_row(&c, "cluster.bandwidth_gbps.HCCS");
    if (r) CHECK_DBL(r->threshold_pct, 50.0);
    cs_compare_free(&c);

    /* bad values */
    static const char *const bad[] = {"abc", "-1", "5%", "1e3", "", ".", "1.2.3", "inf", "speed=5", "time=",
                                      "time=-2", "=5"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        CHECK_INT(run(NULL, b, n, "--threshold", bad[i], NULL), 2);
    CHECK_INT(run(NULL, b, n, "--threshold", NULL), 2);
}

static void test_usage_errors(void)
{
    const char *b = summary("use/base.json", "  \"ranks\": []");
    CHECK_INT(run(NULL, b, NULL), 2);
    CHECK_INT(run(NULL, NULL), 2);
    CHECK_INT(run(NULL, b, b, b, NULL), 2);
    CHECK_INT(run(NULL, b, b, "--bogus", NULL), 2);
    CHECK_INT(run(NULL, b, b, "--export_type", "db", NULL), 2);
    CHECK_INT(run(NULL, b, b, "--export_type", "json", NULL), 2);
    char *out = NULL;
    CHECK_INT(run(&out, "--help", NULL), 0);
    CHECK(out && strstr(out, "usage: clusterscope compare") != NULL);
    free(out);
    /* an empty document with the right schema: no rows, nothing regressed */
    CHECK_INT(run(&out, b, b, NULL), 0);
    CHECK_STR(out, "metric  family  base  new  change_pct  threshold_pct  status\nregressions: 0\n");
    free(out);
}

static void test_bad_input(void)
{
    const char *good = summary("bad/good.json", BASE_BODY);
    write_file(tmp_path("bad/schema.json"), "{\"schema\": \"clusterscope.summary/2\", \"ranks\": []}\n");
    write_file(tmp_path("bad/noschema.json"), "{\"ranks\": []}\n");
    write_file(tmp_path("bad/notjson.json"), "{\"schema\": \"clusterscope.summary/1\",\n");
    write_file(tmp_path("bad/array.json"), "[1, 2]\n");
    summary("bad/rankless.json", "  \"ranks\": [{\"step_time_us\": 1.0}]");
    summary("bad/dup.json", "  \"ranks\": [{\"rank\": 1}, {\"rank\": 1}]");
    summary("bad/string.json", "  \"cluster\": {\"step_time_us\": \"fast\"}");
    summary("bad/bw.json", "  \"cluster\": {\"bandwidth_gbps\": 3.0}");
    summary("bad/modpath.json", "  \"modules\": [{\"total_kernel_us\": 3.0}]");
    summary("bad/ranksobj.json", "  \"ranks\": {}");
    static const char *const names[] = {"bad/schema.json", "bad/noschema.json", "bad/notjson.json",
                                        "bad/array.json", "bad/rankless.json", "bad/dup.json",
                                        "bad/string.json", "bad/bw.json", "bad/modpath.json",
                                        "bad/ranksobj.json", "bad/nothere.json"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        const char *p = tmp_path(names[i]);
        CHECK_INT(run(NULL, good, p, NULL), 2);
        CHECK_INT(run(NULL, p, good, NULL), 2);
        /* the message names the file */
        char *argv[] = {"compare", (char *)good, (char *)p};
        cs_compare_opts o;
        cs_compare c;
        cs_err err;
        CHECK_INT(cs_compare_parse(3, argv, &o, &err), 0);
        CHECK_INT(cs_compare_build(&o, &c, &err), -1);
        CHECK(strstr(err.msg, p) != NULL);
        CHECK_INT(c.rows.len, 0);
    }
    mkdir(tmp_path("bad/emptydir"), 0750);
    CHECK_INT(run(NULL, good, tmp_path("bad/emptydir"), NULL), 2);
}

static void test_folders(void)
{
    const char *base = summary("dir/a/cluster_analysis_output/summary.json",
                               "  \"cluster\": {\"step_time_us\": 100.0},\n  \"ranks\": []");
    summary("dir/a/summary.json", "  \"cluster\": {\"step_time_us\": 200.0},\n  \"ranks\": []");
    summary("dir/b/summary.json", "  \"cluster\": {\"step_time_us\": 100.0},\n  \"ranks\": []");
    (void)base;
    /* a/ reads cluster_analysis_output/summary.json (100), b/ its summary.json */
    CHECK_INT(run(NULL, tmp_path("dir/a"), tmp_path("dir/b/"), NULL), 0);
    CHECK_INT(run(NULL, tmp_path("dir/a/summary.json"), tmp_path("dir/b"), NULL), 0);   /* 200 -> 100 */
    CHECK_INT(run(NULL, tmp_path("dir/b"), tmp_path("dir/a/summary.json"), NULL), 1);
}

static void test_outputs(void)
{
    const char *b = summary("out/base.json",
                            "  \"cluster\": {\"step_time_us\": 1000.0, \"wait_ratio\": 0.1},\n"
                            "  \"ranks\": [{\"rank\": 3, \"wait_ratio\": 0.25}]");
    const char *n = summary("out/new.json",
                            "  \"cluster\": {\"step_time_us\": 1100.0, \"wait_ratio\": 0.1},\n  \"ranks\": []");
    const char *dir = tmp_path("out/result/sub");
    char *out = NULL;
    CHECK_INT(run(&out, b, n, "--export_type", "csv", "-o", dir, NULL), 1);
    CHECK_STR(out,
              "metric                family  base    new     change_pct  threshold_pct  status\n"
              "cluster.step_time_us  time    1000.0  1100.0  10.0        5.0            regression\n"
              "cluster.wait_ratio    ratio   0.1     0.1     0.0         5.0            ok\n"
              "ranks[3].wait_ratio   ratio   0.25                        5.0            missing\n"
              "regressions: 2\n");
    free(out);
    char *csv = read_all(tmp_path("out/result/sub/compare.csv"));
    CHECK_STR(csv,
              "metric,family,base,new,change_pct,threshold_pct,status\n"
              "cluster.step_time_us,time,1000.0,1100.0,10.0,5.0,regression\n"
              "cluster.wait_ratio,ratio,0.1,0.1,0.0,5.0,ok\n"
              "ranks[3].wait_ratio,ratio,0.25,,,5.0,missing\n");
    free(csv);

    CHECK_INT(run(NULL, b, n, "--export_type", "excel", "-o", dir, NULL), 1);
    struct stat st;
    CHECK(stat(tmp_path("out/result/sub/compare.xlsx"), &st) == 0 && st.st_size > 0);

    /* an output that cannot be written: -o is a file */
    write_file(tmp_path("out/afile"), "x\n");
    CHECK_INT(run(NULL, b, n, "--export_type", "csv", "-o", tmp_path("out/afile"), NULL), 2);
    CHECK_INT(run(NULL, b, n, "--export_type", "excel", "-o", tmp_path("out/afile"), NULL), 2);
    CHECK_INT(run(NULL, b, b, "--export_type", "csv", "-o", tmp_path("out/afile"), NULL), 2);
}

int main(void)
{
    const char *base = getenv("CS_TMP");
    snprintf(g_tmp, sizeof g_tmp, "%s/test_compare", base && *base ? base : "/tmp");
    char *cmd = cs_xasprintf("rm -rf '%s'", g_tmp);
    if (system(cmd) != 0) return 2;
    free(cmd);

    test_identical();
    test_slower_step();
    test_floor_and_edges();
    test_bandwidth();
    test_missing_and_new();
    test_thresholds();
    test_usage_errors();
    test_bad_input();
    test_folders();
    test_outputs();
    return check_report();
}
