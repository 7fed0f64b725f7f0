/*
** export.c — the outputs of a run.  Each analysis that ran contributes its
** tables; each export type decides where they go (outputs.md §2).
*/
#include "export.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cluster_tables.h"
#include "comm_json.h"
#include "comm_marks.h"
#include "comm_tables.h"
#include "csv_writer.h"
#include "metadata.h"
#include "module_xlsx.h"
#include "pipeline.h"
#include "sqlite_writer.h"
#include "stats_tables.h"
#include "straggler_tables.h"
#include "summary.h"
#include "xlsx_writer.h"

static char *out_path(const cs_options *o, const char *name)
{
    return cs_xasprintf("%s/cluster_analysis_output/%s", o->output_dir, name);
}

static int write_text_file(const char *path, const char *text, cs_err *err)
{
    FILE *f = fopen(path, "w");
    if (!f) return cs_fail(err, "%s: cannot write: %s", path, strerror(errno));
    bool ok = fputs(text, f) >= 0;
    ok = fclose(f) == 0 && ok;
    chmod(path, 0640);
    return ok ? 0 : cs_fail(err, "%s: write error", path);
}

/* The tables every export type writes, built for one form. */
typedef struct outputs {
    cs_table skipped, groups, step_trace, base_info, hosts, device_map, module_cluster;
    cs_table comm_time, comm_bandwidth, comm_matrix;
    cs_table stragglers, clock_offsets, top_waits;
    cs_table slow_rank, slow_ops, hccl_all, hccl_rank, hccl_top, hccl_groups;
    cs_owned_columns module_cols;
    int *module_indent;
    /* chart-data blocks of the workbook (outputs.md §4 "Chart data") */
    cs_table chart_step, chart_wait, chart_band, chart_modules;
    cs_column band_cols[1 + CS_BAND_COUNT];
    const char *band_names[CS_BAND_COUNT];
    int nbands;
    bool has_groups, has_overlap, has_modules, has_comm_time, has_matrix, has_stragglers;
    bool has_slow_rank, has_hccl;
    cs_matrix_total *matrix_totals;     /* workbook: the matrix's "Total Op Info" rows */
    size_t nmatrix_totals;
} outputs;

static int build_outputs(const cs_options *o, const cs_cluster *c, const cs_report *report,
                         cs_table_form form, outputs *t, cs_err *err)
{
    memset(t, 0, sizeof *t);
    cs_table_skipped(report, &t->skipped);
    t->has_groups = cs_mode_runs_groups(o->mode);
    if (t->has_groups) cs_table_group_map(&c->groups, &t->groups);
    t->has_overlap = c->overlap_ran;
    if (t->has_overlap) {
        cs_table_step_trace(&c->trace, &c->stages, form, &t->step_trace);
        cs_table_base_info(c->base_info, &t->base_info);
        cs_table_host_info(c->ranks, c->n, &t->hosts);
        cs_table_rank_device_map(c->ranks, c->n, &t->device_map);
    }
    t->has_comm_time = c->comm_ran && cs_mode_runs_comm_time(o->mode);
    t->has_matrix = c->comm_ran && cs_mode_runs_matrix(o->mode);
    /* The tables that grow with the cluster are written a slice at a time
    ** (write_sliced, write_csv_sliced, add_sliced_sheet); the workbook needs
    ** their columns here and the matrix totals for its heat map. */
    int rc = 0;
    if (form == CS_FORM_XLSX) {
        /* their columns only: the sheets get the rows a slice at a time */
        cs_comm_cursor none = {0};
        if (t->has_comm_time) {
            cs_table_comm_time_next(&c->comm, &none, 0, &t->comm_time);
            cs_table_comm_bandwidth_next(&c->comm, &none, 0, &t->comm_bandwidth);
        }
        if (t->has_matrix) cs_table_comm_matrix_next(&c->comm, &none, 0, &t->comm_matrix);
        if (c->comm_ran) rc = cs_comm_matrix_totals(&c->comm, &t->matrix_totals, &t->nmatrix_totals, err);
    }
    t->has_stragglers = c->straggler_ran;
    if (t->has_stragglers) {
        cs_table_stragglers(&c->strag, &t->stragglers);
        cs_table_wait_instances(c->strag.top_waits.items, c->strag.top_waits.len, &t->top_waits);
        cs_table_clock_offsets(&c->strag, &t->clock_offsets);
    }
    t->has_slow_rank = c->slow_rank_ran;
    if (t->has_slow_rank) {
        cs_table_slow_rank(&c->slow, &t->slow_rank);
        cs_table_slow_op_stats(&c->slow, form, &t->slow_ops);
    }
    t->has_hccl = c->hccl_ran;
    if (t->has_hccl) {
        cs_table_hccl_all_rank(&c->hccl, form, &t->hccl_all);
        cs_table_hccl_per_rank(&c->hccl, form, &t->hccl_rank);
        cs_table_hccl_top_ops(&c->hccl, form, &t->hccl_top);
        cs_table_hccl_group_map(&c->hccl, &t->hccl_groups);
    }
    t->has_modules = c->modules_ran;
    if (t->has_modules) {
        cs_table_module_cluster(&c->modules, c->module_ranks, &t->module_cols, &t->module_cluster,
                                &t->module_indent);
    }
    return rc;
}

static void free_outputs(outputs *t)
{
    cs_table *all[] = {&t->skipped, &t->groups, &t->step_trace, &t->base_info, &t->hosts,
                       &t->device_map, &t->module_cluster, &t->comm_time,
                       &t->comm_bandwidth, &t->comm_matrix, &t->stragglers,
                       &t->clock_offsets, &t->top_waits, &t->chart_step, &t->chart_wait,
                       &t->chart_band, &t->chart_modules, &t->slow_rank, &t->slow_ops, &t->hccl_all,
                       &t->hccl_rank, &t->hccl_top, &t->hccl_groups};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) cs_table_free(all[i]);
    cs_owned_columns_free(&t->module_cols);
    free(t->module_indent);
    free(t->matrix_totals);
}

/* ------------------------------------------------------------------ */

/* SQLite's compile-time limit on columns (SQLITE_MAX_COLUMN, 2000 in Debian's
** build); the cluster view has a column per rank. */
#define DB_MAX_COLUMNS 2000

/* Rows per slice of a sliced table: a few MB of cells. */
#define SLICE_ROWS 8192

/* A table that grows with the cluster, built a slice at a time: next()
** fills t with at most max rows from *at on and says whether rows remain
** (comm_tables.h). */
typedef bool (*slice_fn)(const void *src, cs_comm_cursor *at, size_t max, cs_table *t);

typedef struct sliced {
    slice_fn next;
    const void *src;
} sliced;

static bool time_next(const void *src, cs_comm_cursor *at, size_t max, cs_table *t)
{
    return cs_table_comm_time_next(src, at, max, t);
}

static bool bandwidth_next(const void *src, cs_comm_cursor *at, size_t max, cs_table *t)
{
    return cs_table_comm_bandwidth_next(src, at, max, t);
}

static bool matrix_next(const void *src, cs_comm_cursor *at, size_t max, cs_table *t)
{
    return cs_table_comm_matrix_next(src, at, max, t);
}

/* The straggler tables of rows [at->row, +max), read from the result's
** logs (or memory) a slice at a time. */
static bool instances_next(const void *src, cs_comm_cursor *at, size_t max, cs_table *t)
{
    const cs_straggler_result *r = src;
    size_t n = r->ninstances - at->row < max ? r->ninstances - at->row : max;
    cs_wait_instance_rec *recs = cs_xmalloc((n ? n : 1) * sizeof *recs);
    cs_wait_instance_row *rows = cs_xmalloc((n ? n : 1) * sizeof *rows);
    at->failed = cs_straggler_instances(r, at->row, n, recs, &at->err) != 0;
    for (size_t i = 0; !at->failed && i < n; i++) rows[i] = recs[i].row;
    cs_table_wait_instances(rows, at->failed ? 0 : n, t);
    free(rows);
    free(recs);
    at->row += n;
    return !at->failed && at->row < r->ninstances;
}

static bool details_next(const void *src, cs_comm_cursor *at, size_t max, cs_table *t)
{
    const cs_straggler_result *r = src;
    size_t n = r->ndetails - at->row < max ? r->ndetails - at->row : max;
    cs_wait_detail_rec *recs = cs_xmalloc((n ? n : 1) * sizeof *recs);
    cs_wait_detail_row *rows = cs_xmalloc((n ? n : 1) * sizeof *rows);
    at->failed = cs_straggler_details(r, at->row, n, recs, &at->err) != 0;
    for (size_t i = 0; !at->failed && i < n; i++) rows[i] = recs[i].row;
    cs_table_wait_detail(rows, at->failed ? 0 : n, t);
    free(rows);
    free(recs);
    at->row += n;
    return !at->failed && at->row < r->ndetails;
}

/* ModuleStatistic, whole ranks at a time (rows of a rank stay together);
** the cursor's row counts ranks here, not rows. */
static bool modules_next(const void *src, cs_comm_cursor *at, size_t max, cs_table *t)
{
    const cs_cluster *c = src;
    at->row = cs_table_module_statistic(c->ranks, c->n, at->row, max, t);
    return at->row < c->n;
}

/* One big table written slice by slice: its rows never all exist as cells. */
static int write_sliced(cs_sqlite_out *db, const sliced *src, cs_err *err)
{
    cs_comm_cursor at = {0};
    bool more, first = true;
    int rc = 0;
    do {
        cs_table t;
        more = src->next(src->src, &at, SLICE_ROWS, &t);
        rc = first ? cs_sqlite_out_write(db, &t, err) : cs_sqlite_out_append(db, &t, err);
        cs_table_free(&t);
        first = false;
    } while (rc == 0 && more);
    cs_comm_cursor_close(&at);
    if (rc == 0 && at.failed) rc = cs_fail(err, "%s", at.err.msg);
    return rc;
}

/* A table of the database: whole, or sliced (whole == NULL). */
typedef struct db_table {
    const cs_table *whole;
    sliced part;
} db_table;

static db_table whole_table(const cs_table *t)
{
    db_table d = {t, {NULL, NULL}};
    return d;
}

static db_table sliced_table(slice_fn next, const void *src)
{
    db_table d = {NULL, {next, src}};
    return d;
}

static int write_db(const cs_options *o, const cs_cluster *c, const outputs *t, cs_report *report,
                    cs_finish_stats *stats, cs_err *err)
{
    db_table tables[32];
    size_t n = 0;
    if (t->has_groups) tables[n++] = whole_table(&t->groups);
    tables[n++] = whole_table(&t->skipped);
    if (t->has_matrix) tables[n++] = sliced_table(matrix_next, &c->comm);
    if (t->has_stragglers) {
        tables[n++] = whole_table(&t->stragglers);
        tables[n++] = sliced_table(instances_next, &c->strag);
        tables[n++] = sliced_table(details_next, &c->strag);
        tables[n++] = whole_table(&t->clock_offsets);
    }
    if (t->has_overlap) {
        tables[n++] = whole_table(&t->step_trace);
        tables[n++] = whole_table(&t->base_info);
        tables[n++] = whole_table(&t->hosts);
        tables[n++] = whole_table(&t->device_map);
    }
    if (t->has_modules) {
        tables[n++] = sliced_table(modules_next, c);
        if (t->module_cluster.ncols <= DB_MAX_COLUMNS) tables[n++] = whole_table(&t->module_cluster);
        else cs_report_note(report, "module_statistic", "table ModuleStatisticCluster not written: %zu ranks are more "
                            "columns than SQLite allows; see ModuleStatistic or the CSV export",
                            t->module_cluster.ncols - 9);
    }
    if (t->has_slow_rank) {
        tables[n++] = whole_table(&t->slow_rank);
        tables[n++] = whole_table(&t->slow_ops);
    }
    if (t->has_hccl) {
        tables[n++] = whole_table(&t->hccl_all);
        tables[n++] = whole_table(&t->hccl_rank);
        tables[n++] = whole_table(&t->hccl_top);
        tables[n++] = whole_table(&t->hccl_groups);
    }
    if (t->has_comm_time) {
        tables[n++] = sliced_table(time_next, &c->comm);
        tables[n++] = sliced_table(bandwidth_next, &c->comm);
    }
    char *path = out_path(o, "cluster_analysis.db");
    cs_sqlite_out *db = cs_sqlite_out_open(path, err);
    free(path);
    if (!db) return -1;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = tables[i].whole ? cs_sqlite_out_write(db, tables[i].whole, err) : write_sliced(db, &tables[i].part, err);
    cs_err close_err;
    if (cs_sqlite_out_close(db, &close_err) && rc == 0) rc = cs_fail(err, "%s", close_err.msg);
    if (rc == 0) stats->tables += n;
    return rc;
}

static int write_csv_file(const cs_options *o, const cs_table *t, const char *name, cs_finish_stats *stats,
                          cs_err *err)
{
    char *path = out_path(o, name);
    int rc = cs_csv_write(t, path, err);
    free(path);
    stats->files += rc == 0;
    return rc;
}

/* A big table into a CSV file, slice by slice. */
static int write_csv_sliced(const cs_options *o, slice_fn next, const void *src, const char *name,
                            cs_finish_stats *stats, cs_err *err)
{
    char *path = out_path(o, name);
    cs_comm_cursor at = {0};
    cs_table t;
    bool more = next(src, &at, SLICE_ROWS, &t);
    cs_csv_out *out = cs_csv_open(&t, path, err);
    free(path);
    int rc = out ? cs_csv_append(out, &t, err) : -1;
    cs_table_free(&t);
    while (rc == 0 && more) {
        more = next(src, &at, SLICE_ROWS, &t);
        rc = cs_csv_append(out, &t, err);
        cs_table_free(&t);
    }
    cs_comm_cursor_close(&at);
    if (rc == 0 && at.failed) rc = cs_fail(err, "%s", at.err.msg);
    cs_err close_err;
    if (out && cs_csv_close(out, &close_err) && rc == 0) rc = cs_fail(err, "%s", close_err.msg);
    stats->files += rc == 0;
    return rc;
}

/* A big table as a sheet, slice by slice (cs_xlsx_add_table_from). */
typedef struct sheet_slices {
    slice_fn next;
    const void *src;
    cs_comm_cursor at;
} sheet_slices;

static bool next_sheet_slice(void *arg, cs_table *t)
{
    sheet_slices *ss = arg;
    return ss->next(ss->src, &ss->at, SLICE_ROWS, t);
}

static int add_sliced_sheet(cs_xlsx *x, const char *name, slice_fn next, const void *src, size_t nrows,
                            const cs_sheet_options *so, int64_t *cut, cs_err *err)
{
    sheet_slices ss = {next, src, {0}};
    cs_table first;
    bool more = next(src, &ss.at, SLICE_ROWS, &first);
    cs_table_source rest = {next_sheet_slice, &ss, nrows};
    int rc = cs_xlsx_add_table_from(x, name, &first, more ? &rest : NULL, so, cut, err);
    cs_table_free(&first);
    cs_comm_cursor_close(&ss.at);
    if (ss.at.failed) rc = cs_fail(err, "%s", ss.at.err.msg);     /* the cause, not the short count */
    return rc;
}

/* The per-rank module files: CSV, or the reference's xlsx for text/excel. */
static int write_module_ranks(const cs_options *o, const cs_cluster *c, bool xlsx, cs_finish_stats *stats,
                              cs_err *err)
{
    for (size_t i = 0; i < c->n; i++) {
        const cs_rank_result *r = &c->ranks[i];
        if (!r->analysed || r->modules.len == 0) continue;
        cs_table t;
        cs_table_module_rank(&r->modules, &t);
        char *name = cs_xasprintf("ModuleStatistic/module_statistic_%" PRId64 ".%s", r->rank, xlsx ? "xlsx" : "csv");
        int rc;
        if (xlsx) {
            char *path = out_path(o, name);
            rc = cs_make_parent_dirs(path, err);
            if (rc == 0) rc = cs_write_module_rank_xlsx(path, &t, err);
            stats->files += rc == 0;
            free(path);
        } else {
            rc = write_csv_file(o, &t, name, stats, err);
        }
        free(name);
        cs_table_free(&t);
        if (rc) return -1;
    }
    return 0;
}

/* The reference's text-mode JSON files, unchanged for scripts written for
** them; the reference writes none when there is nothing to put in.  They
** grow with the cluster (170 MB at 256 ranks), so they go to the file a
** block at a time, built from the spooled records one block at a time. */
static int write_comm_json(const cs_options *o, const cs_cluster *c, const outputs *t, cs_finish_stats *stats,
                           cs_err *err)
{
    struct { bool wanted; const char *name; int (*write)(const cs_comm_sum *, FILE *, cs_err *); } files[] = {
        {t->has_comm_time && c->comm.json_ops, "cluster_communication.json", cs_comm_json_time_write},
        {t->has_matrix && c->comm.json_links, "cluster_communication_matrix.json", cs_comm_json_matrix_write},
    };
    for (size_t i = 0; i < 2; i++) {
        if (!files[i].wanted) continue;
        char *path = out_path(o, files[i].name);
        FILE *f = fopen(path, "w");
        int rc = f ? 0 : cs_fail(err, "%s: cannot write: %s", path, strerror(errno));
        if (f) {
            cs_err why;
            bool ok = files[i].write(&c->comm, f, &why) == 0;
            if (fclose(f) != 0 && ok) ok = cs_fail(&why, "write error") == 0;
            chmod(path, 0640);
            if (!ok) {
                rc = cs_fail(err, "%s: %s", path, why.msg);
                unlink(path);   /* no truncated file that looks whole */
            }
        }
        free(path);
        if (rc) return -1;
        stats->files++;
    }
    return 0;
}

static int write_csv(const cs_options *o, const cs_cluster *c, const outputs *t, cs_finish_stats *stats,
                     cs_err *err)
{
    if (t->has_groups) {
        if (write_csv_file(o, &t->groups, "communication_group.csv", stats, err)) return -1;
        char *json = cs_group_map_json(&c->groups);
        char *path = out_path(o, "communication_group.json");
        int rc = write_text_file(path, json, err);
        free(path);
        free(json);
        if (rc) return -1;
        stats->files++;
    }
    if (write_csv_file(o, &t->skipped, "skipped.csv", stats, err)) return -1;
    if (t->has_overlap && write_csv_file(o, &t->step_trace, "cluster_step_trace_time.csv", stats, err)) return -1;
    if (c->comm_ran && write_comm_json(o, c, t, stats, err)) return -1;
    if (t->has_comm_time &&
        (write_csv_sliced(o, time_next, &c->comm, "CommunicationTimeSum/cluster_communication_time.csv", stats,
                          err) ||
         write_csv_sliced(o, bandwidth_next, &c->comm, "CommunicationTimeSum/cluster_communication_bandwidth.csv",
                          stats, err)))
        return -1;
    if (t->has_matrix &&
        write_csv_sliced(o, matrix_next, &c->comm, "CommMatrixSum/cluster_communication_matrix.csv", stats, err))
        return -1;
    if (t->has_stragglers &&
        (write_csv_file(o, &t->stragglers, "Stragglers/cluster_stragglers.csv", stats, err) ||
         write_csv_sliced(o, instances_next, &c->strag, "Stragglers/cluster_wait_instances.csv", stats, err) ||
         write_csv_sliced(o, details_next, &c->strag, "Stragglers/cluster_wait_detail.csv", stats, err) ||
         write_csv_file(o, &t->clock_offsets, "Stragglers/cluster_clock_offsets.csv", stats, err)))
        return -1;
    if (t->has_slow_rank &&
        (write_csv_file(o, &t->slow_rank, "SlowRankAnalysis/rank_stats.csv", stats, err) ||
         write_csv_file(o, &t->slow_ops, "SlowRankAnalysis/slow_op_stats.csv", stats, err)))
        return -1;
    if (t->has_hccl &&
        (write_csv_file(o, &t->hccl_all, "HcclSum/all_stats.csv", stats, err) ||
         write_csv_file(o, &t->hccl_rank, "HcclSum/rank_stats.csv", stats, err) ||
         write_csv_file(o, &t->hccl_top, "HcclSum/top_op_stats.csv", stats, err) ||
         write_csv_file(o, &t->hccl_groups, "HcclSum/group_name_map.csv", stats, err)))
        return -1;
    if (t->has_modules) {
        if (write_csv_file(o, &t->module_cluster, "ModuleStatistic/module_statistic_cluster.csv", stats, err)) return -1;
        if (write_module_ranks(o, c, o->export_type == CS_EXPORT_TEXT, stats, err)) return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Excel.                                                              */

static const char *const step_trace_headers[] = {
    "Step", "Type", "Index", "Computing(us)", "Communication(Not Overlapped)(us)", "Overlapped(us)",
    "Communication(us)", "Free(us)", "Stage(us)", "Bubble(us)",
    "Communication(Not Overlapped and Exclude Receive)(us)", "Preparing(us)", "DP Index", "PP Index", "TP Index"};

static const cs_column kv_cols[] = {{"key", "TEXT", "Key"}, {"value", "TEXT", "Value"}};
static const cs_column note_cols[] = {{"note", "TEXT", "Note"}};

static void add_value(cs_table *t, bool present, double v);
static cs_summary_input summary_input(const cs_options *o, const cs_cluster *c, const cs_report *report,
                                      char *abs_dir, size_t size);

static void kv_int(cs_table *t, const char *key, int64_t v)
{
    cs_table_add_text(t, key);
    cs_table_add_int(t, v);
}

static void kv_text(cs_table *t, const char *key, const char *v)
{
    cs_table_add_text(t, key);
    cs_table_add_text(t, v);
}

/* "tp=T pp=P dp=D cp=C ep=E" from distributed_args, absent keys left out. */
static void parallel_layout(const char *base_info, char *buf, size_t size)
{
    cs_dist_args a;
    if (!base_info || cs_parse_dist_args(base_info, &a)) {
        snprintf(buf, size, "unknown");
        return;
    }
    const struct { const char *name; int64_t v; } keys[] = {{"tp", a.tp}, {"pp", a.pp}, {"dp", a.dp},
                                                            {"cp", a.cp}, {"ep", a.ep}};
    size_t len = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < 5 && len < size; k++)
        if (keys[k].v) len += (size_t)snprintf(buf + len, size - len, "%s%s=%lld", len ? " " : "", keys[k].name,
                                               (long long)keys[k].v);
}

static void build_run_block(const cs_options *o, const cs_cluster *c, const cs_report *report,
                            const cs_summary_input *in, cs_table *t)
{
    int64_t analysed = 0;
    for (size_t i = 0; i < c->n; i++) analysed += c->ranks[i].analysed;
    cs_table_init(t, "Run", kv_cols, 2);
    kv_text(t, "Input", in->input_dir);
    kv_text(t, "Mode", o->mode);
    kv_text(t, "Tool version", cs_tool_version());
    kv_int(t, "Ranks analysed", analysed);
    kv_int(t, "Ranks skipped", (int64_t)cs_report_ranks_skipped(report));
    kv_int(t, "Hosts", cs_summary_hosts(in));
    int64_t *ids = NULL;
    size_t nids = cs_summary_step_ids(in, &ids);
    kv_int(t, "Steps", nids ? (int64_t)nids : 1);
    char buf[512] = "";
    size_t len = 0;
    for (size_t k = 0; k < nids && len < sizeof buf - 24; k++)
        len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%lld", k ? ";" : "", (long long)ids[k]);
    free(ids);
    kv_text(t, "Step ids", buf);
    cs_dist_args a;
    cs_table_add_text(t, "World size");
    if (c->base_info && cs_parse_dist_args(c->base_info, &a) == 0 && a.world) cs_table_add_int(t, a.world);
    else cs_table_add_null(t);
    parallel_layout(c->base_info, buf, sizeof buf);
    kv_text(t, "Parallel layout", buf);
}

typedef struct link_ref {
    const cs_matrix_total *t;
    size_t first;       /* position of the row in the table */
} link_ref;

static int cmp_link(const cs_matrix_total *x, const cs_matrix_total *y)
{
    if (x->src != y->src) return x->src < y->src ? -1 : 1;
    if (x->dst != y->dst) return x->dst < y->dst ? -1 : 1;
    if (x->transport != y->transport) return x->transport < y->transport ? -1 : 1;
    return 0;
}

static int cmp_link_ref(const void *a, const void *b)
{
    const link_ref *x = a, *y = b;
    int c = cmp_link(x->t, y->t);
    if (c) return c;
    return x->first < y->first ? -1 : x->first > y->first;
}

/* Lowest-bandwidth link over the matrix totals, summed per (src, dst,
** transport); of equal ones, the link met first in the table. */
static bool lowest_link(const outputs *o, char *out, size_t size)
{
    size_t n = o->nmatrix_totals;
    link_ref *refs = cs_xmalloc((n ? n : 1) * sizeof *refs);
    size_t nrefs = 0;
    for (size_t i = 0; i < n; i++)
        if (o->matrix_totals[i].src != o->matrix_totals[i].dst) refs[nrefs++] = (link_ref){&o->matrix_totals[i], i};
    if (nrefs > 1) qsort(refs, nrefs, sizeof *refs, cmp_link_ref);
    bool found = false;
    double best = 0;
    size_t best_first = 0;
    for (size_t i = 0, j; i < nrefs; i = j) {
        double size_mb = 0, time_ms = 0;
        for (j = i; j < nrefs && cmp_link(refs[j].t, refs[i].t) == 0; j++) {
            size_mb += refs[j].t->size_mb;
            time_ms += refs[j].t->time_ms;
        }
        if (time_ms <= 0) continue;
        double bw = size_mb / time_ms;
        if (!found || bw < best || (bw == best && refs[i].first < best_first)) {
            found = true;
            best = bw;
            best_first = refs[i].first;
            snprintf(out, size, "%lld\xe2\x86\x92%lld %s %.4f GB/s", (long long)refs[i].t->src, (long long)refs[i].t->dst,
                     cs_comm_transport_name(refs[i].t->transport), bw);
        }
    }
    free(refs);
    return found;
}

static void build_findings(const cs_cluster *c, const cs_summary_input *in, const outputs *out, cs_table *t)
{
    char buf[512];
    cs_table_init(t, "Findings", kv_cols, 2);
    if (c->straggler_ran && c->strag.stragglers.len && c->strag.stragglers.items[0].wait_caused_us > 0) {
        const cs_straggler_row *r = &c->strag.stragglers.items[0];
        snprintf(buf, sizeof buf, "rank %lld (%s): %.1f us wait caused", (long long)r->rank, r->reason,
                 r->wait_caused_us);
        kv_text(t, "Slowest rank", buf);
    }
    bool have = false;
    int64_t worst_rank = 0;
    double worst = 0;
    for (size_t i = 0; in->comm && i < in->nranks; i++) {
        if (!in->ranks[i].analysed) continue;
        cs_metrics m = cs_summary_rank_metrics(in, in->ranks[i].rank);
        if (m.has_comm && (!have || m.wait_ratio > worst)) {
            have = true;
            worst = m.wait_ratio;
            worst_rank = in->ranks[i].rank;
        }
    }
    if (have) {
        snprintf(buf, sizeof buf, "rank %lld: %.4f", (long long)worst_rank, worst);
        kv_text(t, "Worst wait ratio", buf);
    }
    if (c->comm_ran && lowest_link(out, buf, sizeof buf)) kv_text(t, "Lowest-bandwidth link", buf);
    cs_module_total top[10];
    size_t n = in->modules_ran ? cs_summary_top_modules(in, top) : 0;
    if (n) {
        char *text = cs_xasprintf("%s: %.3f us", top[0].path, top[0].total_us);
        kv_text(t, "Heaviest module", text);
        free(text);
    }
    for (size_t i = 0; i < n; i++) free(top[i].path);
}

static const cs_column host_cols[] = {{"host", "TEXT", "Host"}, {"uid", "TEXT", "Host UID"},
    {"ranks", "TEXT", "Ranks"}, {"offset", "REAL", "Clock Offset(us)"}, {"instances", "INTEGER", "Instances"},
    {"warning", "TEXT", "Warning"}};
static const cs_column group_sheet_cols[] = {{"type", "TEXT", "Type"}, {"rank_set", "TEXT", "Rank Set"},
    {"group_name", "TEXT", "Group Name"}, {"group_id", "TEXT", "Group Id"}, {"pg_name", "TEXT", "PG Name"}};

static void host_ranks(const cs_cluster *c, const char *uid, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < c->n && len < size - 24; i++)
        if (c->ranks[i].analysed && c->ranks[i].host_uid && strcmp(c->ranks[i].host_uid, uid) == 0)
            len += (size_t)snprintf(buf + len, size - len, "%s%lld", len ? ";" : "", (long long)c->ranks[i].rank);
}

static void build_hosts(const cs_cluster *c, const outputs *o, cs_table *t)
{
    char ranks[4096];
    cs_table_init(t, "Hosts", host_cols, 6);
    if (c->straggler_ran) {
        for (size_t i = 0; i < c->strag.offsets.len; i++) {
            const cs_clock_offset_row *r = &c->strag.offsets.items[i];
            host_ranks(c, r->host_uid, ranks, sizeof ranks);
            cs_table_add_text(t, r->host);
            cs_table_add_text(t, r->host_uid);
            cs_table_add_text(t, ranks);
            add_value(t, r->has_offset, r->offset_us);
            cs_table_add_int(t, r->instances);
            cs_table_add_text(t, r->warning ? r->warning : "");
        }
        return;
    }
    if (!o->has_overlap) return;
    for (size_t i = 0; i < cs_table_nrows(&o->hosts); i++) {
        const char *uid = cs_table_cell(&o->hosts, i, 0)->s, *name = cs_table_cell(&o->hosts, i, 1)->s;
        host_ranks(c, uid, ranks, sizeof ranks);
        cs_table_add_text(t, name);
        cs_table_add_text(t, uid);
        cs_table_add_text(t, ranks);
        cs_table_add_null(t);
        cs_table_add_null(t);
        cs_table_add_null(t);
    }
}

static void build_groups_block(const outputs *o, cs_table *t)
{
    cs_table_init(t, "Groups", group_sheet_cols, 5);
    for (size_t r = 0; o->has_groups && r < cs_table_nrows(&o->groups); r++)
        for (size_t k = 0; k < 5; k++) cs_table_add_text(t, cs_table_cell(&o->groups, r, k)->s);
}

/* The first sheet (outputs.md §4 "Overview"): run, findings, notes,
** skipped, hosts, groups, then the four charts. */
static int write_overview(cs_xlsx *x, const cs_options *o, const cs_cluster *c, const cs_report *report,
                          const outputs *out, int *next_row, cs_err *err)
{
    char abs_dir[PATH_MAX];
    cs_summary_input in = summary_input(o, c, report, abs_dir, sizeof abs_dir);
    cs_table run, findings, notes, skipped, hosts, groups;
    build_run_block(o, c, report, &in, &run);
    build_findings(c, &in, out, &findings);
    cs_table_init(&notes, "Notes", note_cols, 1);
    for (size_t i = 0; i < report->lines.len; i++) cs_table_add_text(&notes, report->lines.items[i].text);
    if (report->lines.len == 0) cs_table_add_text(&notes, "none");
    cs_table_skipped(report, &skipped);
    build_hosts(c, out, &hosts);
    build_groups_block(out, &groups);
    static const char *const skipped_headers[] = {"Rank", "Path", "Analysis", "Reason"};
    cs_sheet_block blocks[6] = {{"Run", &run, false, NULL}, {"Findings", &findings, false, NULL},
                                {"Notes", &notes, false, NULL}, {"Skipped", &skipped, true, skipped_headers}};
    size_t nb = 4;
    if (out->has_overlap || c->straggler_ran) blocks[nb++] = (cs_sheet_block){"Hosts", &hosts, true, NULL};
    if (out->has_groups) blocks[nb++] = (cs_sheet_block){"Groups", &groups, true, NULL};
    int rc = cs_xlsx_add_blocks(x, "Overview", blocks, nb, next_row, err);
    cs_xlsx_fit_to_page(x, "Overview");
    cs_table *all[] = {&run, &findings, &notes, &skipped, &hosts, &groups};
    for (size_t i = 0; i < 6; i++) cs_table_free(all[i]);
    return rc;
}

static void note_truncated(cs_report *extra, const char *analysis, const char *sheet, int64_t n)
{
    if (n > 0) cs_report_note(extra, analysis, "sheet %s truncated (%" PRId64 " more rows)", sheet, n);
}

static const cs_column chart_step_cols[] = {{"rank", "TEXT", "Rank"}, {"computing", "REAL", "Computing"},
    {"not_overlapped", "REAL", "Communication(Not Overlapped)"}, {"free", "REAL", "Free"}};
static const cs_column chart_wait_cols[] = {{"rank", "TEXT", "Rank"}, {"wait", "REAL", "Wait Ratio"},
    {"sync", "REAL", "Synchronization Ratio"}};
static const cs_column chart_module_cols[] = {{"module", "TEXT", "Module"},
    {"total", "REAL", "Total Kernel(us)"}};
static const char *const chart_step_series[] = {"Computing", "Communication(Not Overlapped)", "Free"};
static const char *const chart_wait_series[] = {"Wait Ratio", "Synchronization Ratio"};
static const char *const chart_module_series[] = {"Total Kernel(us)"};

static void add_value(cs_table *t, bool present, double v)
{
    if (present) cs_table_add_real(t, v);
    else cs_table_add_null(t);
}

static void add_rank_label(cs_table *t, int64_t rank)
{
    char label[32];
    snprintf(label, sizeof label, "Rank %" PRId64, rank);
    cs_table_add_text(t, label);
}

/* The per-rank figures of summary.json (§5) the charts draw. */
static void build_chart_blocks(const cs_summary_input *in, outputs *t)
{
    cs_table_init(&t->chart_step, "ChartStep", chart_step_cols, 4);
    cs_table_init(&t->chart_wait, "ChartWait", chart_wait_cols, 3);
    cs_metrics all = cs_summary_cluster_metrics(in);
    static const int order[] = {CS_BAND_RDMA, CS_BAND_HCCS, CS_BAND_PCIE, CS_BAND_SDMA, CS_BAND_SIO};
    cs_column rank_col = {"rank", "TEXT", "Rank"};
    t->band_cols[0] = rank_col;
    t->nbands = 0;
    for (int k = 0; k < 5; k++) {
        if (!all.has_band[order[k]]) continue;
        cs_column col = {cs_comm_band_name(order[k]), "REAL", cs_comm_band_name(order[k])};
        t->band_names[t->nbands] = cs_comm_band_name(order[k]);
        t->band_cols[1 + t->nbands++] = col;
    }
    cs_table_init(&t->chart_band, "ChartBand", t->band_cols, (size_t)(1 + t->nbands));
    for (size_t i = 0; i < in->nranks; i++) {
        const cs_rank_result *r = &in->ranks[i];
        if (!r->analysed) continue;
        cs_metrics m = cs_summary_rank_metrics(in, r->rank);
        add_rank_label(&t->chart_step, r->rank);
        add_value(&t->chart_step, m.has_time, m.computing_us);
        add_value(&t->chart_step, m.has_time, m.not_overlapped_us);
        add_value(&t->chart_step, m.has_time, m.free_us);
        add_rank_label(&t->chart_wait, r->rank);
        add_value(&t->chart_wait, m.has_comm, m.wait_ratio);
        add_value(&t->chart_wait, m.has_comm, m.sync_ratio);
        add_rank_label(&t->chart_band, r->rank);
        for (int k = 0, b = 0; k < 5; k++) {
            if (!all.has_band[order[k]]) continue;
            add_value(&t->chart_band, m.has_band[order[k]], m.band_gbps[order[k]]);
            b++;
        }
    }
    cs_table_init(&t->chart_modules, "ChartModules", chart_module_cols, 2);
    cs_module_total top[10];
    size_t n = in->modules_ran ? cs_summary_top_modules(in, top) : 0;
    for (size_t i = 0; i < n; i++) {
        cs_table_add_text(&t->chart_modules, top[i].path);
        cs_table_add_real(&t->chart_modules, top[i].total_us);
        free(top[i].path);
    }
}

/* The chart of one sheet, drawn from the block right of its table. */
static cs_chart_ref chart_of(const char *sheet, const cs_table *table, const cs_table *block, int nseries,
                             const char *const *names, cs_chart_type type, const char *y_title)
{
    cs_chart_ref r = {sheet, (int)table->ncols + 1, nseries, (int)cs_table_nrows(block), names, type,
                      "Rank", y_title, false};
    return r;
}

static int insert_charts(cs_xlsx *x, const outputs *t, const char *sheet, bool overview, int overview_row,
                         cs_err *err)
{
    /* Overview: the four charts in a 2x2 grid; each sheet: its own chart,
    ** one empty column after its block. */
    int base = overview ? overview_row : 0, rc = 0;
    if (t->has_overlap && (overview || strcmp(sheet, "StepTrace") == 0)) {
        cs_chart_ref r = chart_of("StepTrace", &t->step_trace, &t->chart_step, 3, chart_step_series,
                                  CS_CHART_COLUMN_STACKED, "Time (us)");
        rc = cs_xlsx_insert_chart(x, sheet, base, overview ? 0 : r.first_col + 5, &r, err);
    }
    if (rc == 0 && t->has_comm_time && (overview || strcmp(sheet, "CommTime") == 0)) {
        cs_chart_ref r = chart_of("CommTime", &t->comm_time, &t->chart_wait, 2, chart_wait_series,
                                  CS_CHART_COLUMN, "Ratio");
        rc = cs_xlsx_insert_chart(x, sheet, base, overview ? 8 : r.first_col + 4, &r, err);
    }
    if (rc == 0 && t->has_comm_time && t->nbands && (overview || strcmp(sheet, "CommBandwidth") == 0)) {
        cs_chart_ref r = chart_of("CommBandwidth", &t->comm_bandwidth, &t->chart_band, t->nbands, t->band_names,
                                  CS_CHART_COLUMN, "Bandwidth (GB/s)");
        rc = cs_xlsx_insert_chart(x, sheet, base + (overview ? 16 : 0),
                                  overview ? 0 : r.first_col + 2 + t->nbands, &r, err);
    }
    if (rc == 0 && t->has_modules && (overview || strcmp(sheet, "ModuleStatistic") == 0)) {
        cs_chart_ref r = chart_of("ModuleStatistic", &t->module_cluster, &t->chart_modules, 1, chart_module_series,
                                  CS_CHART_BAR, NULL);
        r.x_title = "Kernel time (us)";
        r.reverse_categories = true;
        rc = cs_xlsx_insert_chart(x, sheet, base + (overview ? 16 : 0), overview ? 8 : r.first_col + 3, &r, err);
    }
    return rc;
}

static int write_excel(const cs_options *o, const cs_cluster *c, const outputs *t, cs_report *report,
                       cs_finish_stats *stats, cs_err *err)
{
    char *path = out_path(o, "cluster_analysis.xlsx");
    cs_xlsx *x = cs_xlsx_open(path, true, err);
    free(path);
    if (!x) return -1;
    cs_report extra = {0};
    int64_t cut = 0;
    int next_row = 0;
    int rc = write_overview(x, o, c, report, t, &next_row, err);
    if (rc == 0) rc = insert_charts(x, t, "Overview", true, next_row + 2, err);
    if (rc == 0 && t->has_overlap) {
        cs_sheet_options so = {step_trace_headers, -1, NULL, &t->chart_step, NULL};
        rc = cs_xlsx_add_table(x, "StepTrace", &t->step_trace, &so, &cut, err);
        if (rc == 0) rc = insert_charts(x, t, "StepTrace", false, 0, err);
        note_truncated(&extra, "overlap", "StepTrace", cut);
    }
    if (rc == 0 && t->has_comm_time) {
        cs_sheet_options so = {cs_comm_time_headers, -1, NULL, &t->chart_wait, NULL};
        rc = add_sliced_sheet(x, "CommTime", time_next, &c->comm, cs_comm_time_rows(&c->comm), &so, &cut, err);
        if (rc == 0) rc = insert_charts(x, t, "CommTime", false, 0, err);
        note_truncated(&extra, "communication", "CommTime", cut);
        int n = (int)cs_comm_time_rows(&c->comm);
        cs_comm_limits lim = {0};
        if (rc == 0) rc = cs_comm_outlier_limits(&c->comm, &lim, err);
        if (rc == 0 && lim.has_sync) rc = cs_xlsx_mark_outliers(x, "CommTime", 10, n, true, lim.sync_p90, err);
        if (rc == 0 && lim.has_wait) rc = cs_xlsx_mark_outliers(x, "CommTime", 11, n, true, lim.wait_p90, err);
        cs_sheet_options sb = {cs_comm_bandwidth_headers, -1, NULL, &t->chart_band, NULL};
        if (rc == 0)
            rc = add_sliced_sheet(x, "CommBandwidth", bandwidth_next, &c->comm, cs_comm_bw_rows(&c->comm), &sb, &cut,
                                  err);
        if (rc == 0) rc = insert_charts(x, t, "CommBandwidth", false, 0, err);
        note_truncated(&extra, "communication", "CommBandwidth", cut);
        if (rc == 0 && lim.has_bandwidth)
            rc = cs_xlsx_mark_outliers(x, "CommBandwidth", 7, (int)cs_comm_bw_rows(&c->comm), false,
                                       lim.bandwidth_p10, err);
    }
    if (rc == 0 && t->has_matrix) {
        /* the heat map sits where a chart-data block would; a grid wider than
        ** the sheet is left out (outputs.md §4) */
        cs_heat_map heat;
        cs_heat_map_build(t->matrix_totals, t->nmatrix_totals, &heat);
        size_t nheat = heat.n;
        bool fits = t->comm_matrix.ncols + 2 + nheat <= 16384;
        cs_side_source heat_rows = {heat.cols.cols, heat.cols.ncols, nheat, cs_heat_map_row, &heat};
        cs_sheet_options so = {cs_comm_matrix_headers, -1, NULL, NULL, fits && nheat ? &heat_rows : NULL};
        rc = add_sliced_sheet(x, "CommMatrix", matrix_next, &c->comm, cs_comm_matrix_rows(&c->comm), &so, &cut, err);
        int first = (int)t->comm_matrix.ncols + 2;
        if (rc == 0 && fits && nheat)
            rc = cs_xlsx_color_scale(x, "CommMatrix", 1, first, (int)nheat, first + (int)nheat - 1, err);
        if (!fits) cs_report_note(&extra, "matrix", "CommMatrix heat map of %zu ranks is wider than a sheet: "
                                  "not written", nheat);
        cs_heat_map_free(&heat);
        note_truncated(&extra, "matrix", "CommMatrix", cut);
    }
    if (rc == 0 && (t->has_stragglers || t->has_slow_rank)) {
        /* the straggler report's blocks, then slow_rank's (outputs.md §4) */
        cs_sheet_block blocks[4];
        size_t nb = 0;
        if (t->has_stragglers) {
            blocks[nb++] = (cs_sheet_block){"ClusterStragglers", &t->stragglers, true, cs_straggler_headers};
            blocks[nb++] = (cs_sheet_block){"Top waits", &t->top_waits, true, cs_wait_instance_headers};
        }
        if (t->has_slow_rank) {
            blocks[nb++] = (cs_sheet_block){"SlowRank", &t->slow_rank, true, cs_slow_rank_headers};
            blocks[nb++] = (cs_sheet_block){"SlowOpStats", &t->slow_ops, true, cs_slow_op_headers};
        }
        rc = cs_xlsx_add_blocks(x, "Stragglers", blocks, nb, NULL, err);
    }
    if (rc == 0 && t->has_modules) {
        cs_sheet_options so = {NULL, 1, t->module_indent, &t->chart_modules, NULL};
        rc = cs_xlsx_add_table(x, "ModuleStatistic", &t->module_cluster, &so, &cut, err);
        if (rc == 0) rc = insert_charts(x, t, "ModuleStatistic", false, 0, err);
        note_truncated(&extra, "module_statistic", "ModuleStatistic", cut);
    }
    cs_err close_err;
    if (cs_xlsx_close(x, &close_err) && rc == 0) rc = cs_fail(err, "%s", close_err.msg);
    stats->files += rc == 0;
    /* truncations and an omitted heat map belong in the report (stderr and
    ** summary.json), not only in the sheet */
    cs_report_move(report, &extra);
    cs_report_sort(report);
    cs_report_free(&extra);
    if (rc == 0 && t->has_modules) rc = write_module_ranks(o, c, true, stats, err);
    return rc;
}

static cs_summary_input summary_input(const cs_options *o, const cs_cluster *c, const cs_report *report,
                                      char *abs_dir, size_t size)
{
    if (!realpath(o->input_dir, abs_dir)) snprintf(abs_dir, size, "%s", o->input_dir);
    cs_summary_input in = {cs_tool_version(), abs_dir, c->ranks, c->n,
                           c->overlap_ran ? &c->trace : NULL, report, o->has_step_id, o->step_id,
                           c->comm_ran && cs_mode_runs_comm_time(o->mode) ? &c->comm : NULL,
                           c->straggler_ran ? &c->strag : NULL, c->modules_ran};
    return in;
}

static int write_summary(const cs_options *o, const cs_cluster *c, const cs_report *report,
                         cs_finish_stats *stats, cs_err *err)
{
    char abs_dir[PATH_MAX];
    cs_summary_input in = summary_input(o, c, report, abs_dir, sizeof abs_dir);
    char *json = cs_summary_json(&in);
    char *path = out_path(o, "summary.json");
    int rc = write_text_file(path, json, err);
    free(path);
    free(json);
    stats->files += rc == 0;
    return rc;
}

static int write_outputs(const cs_options *o, const cs_cluster *c, outputs *t, cs_report *report,
                         cs_finish_stats *stats, cs_err *err)
{
    if (o->export_type == CS_EXPORT_DB) {
        int rc = write_db(o, c, t, report, stats, err);
        cs_report_sort(report);
        return rc;
    }
    if (o->export_type == CS_EXPORT_EXCEL) {
        char abs_dir[PATH_MAX];
        cs_summary_input in = summary_input(o, c, report, abs_dir, sizeof abs_dir);
        build_chart_blocks(&in, t);
        return write_excel(o, c, t, report, stats, err);
    }
    return write_csv(o, c, t, stats, err);
}

int cs_export(const cs_options *o, const cs_cluster *c, cs_report *report,
              cs_finish_stats *stats, cs_err *err)
{
    memset(stats, 0, sizeof *stats);
    outputs t;
    int rc = 0;
    if (o->export_type != CS_EXPORT_JSON) {
        cs_table_form form = o->export_type == CS_EXPORT_EXCEL ? CS_FORM_XLSX
                             : o->export_type == CS_EXPORT_DB ? CS_FORM_DB : CS_FORM_CSV;
        rc = build_outputs(o, c, report, form, &t, err);
        if (rc == 0) rc = write_outputs(o, c, &t, report, stats, err);
        free_outputs(&t);
    }
    if (rc == 0) rc = write_summary(o, c, report, stats, err);
    return rc;
}
