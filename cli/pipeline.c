/*
** pipeline.c — per-rank analysis and the merge/export of a run.
*/
#include "pipeline.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cluster.h"
#include "metadata.h"
#include "rank_reader.h"

const char *cs_tool_version(void) { return "clusterscope " CS_VERSION; }

/* ------------------------------------------------------------------ */
/* One rank.                                                           */

static void read_rank_metadata(const cs_rank_dir *dir, cs_rank_result *res)
{
    if (!dir->metadata_path) return;
    cs_err err = {""};
    char *args = NULL, *groups = NULL;
    if (cs_read_profiler_metadata(dir->metadata_path, &args, &groups, &err)) {
        cs_report_note(&res->report, "metadata", "rank %" PRId64 ": %s", res->rank, err.msg);
        return;
    }
    res->distributed_args = args;
    /* META_DATA in the database is preferred; the JSON file is the fallback. */
    if (!res->parallel_group_info) res->parallel_group_info = groups;
    else free(groups);
}

static void check_device_map(cs_rank_result *res)
{
    for (size_t i = 0; i < res->device_map.len; i++) {
        int64_t id = res->device_map.items[i].rank_id;
        if (id != res->rank && id >= 0 && id != CS_INVALID_U32)
            cs_report_note(&res->report, "discover",
                           "rank %" PRId64 ": RANK_DEVICE_MAP.rankId is %" PRId64 " in %s", res->rank, id,
                           res->path);
    }
}

/* Several devices in one database: one row per (device, step), all under
** the file's rank id, as the reference does; worth a warning. */
static void note_several_devices(cs_rank_result *res)
{
    for (size_t i = 1; i < res->overlap.len; i++) {
        if (res->overlap.items[i].device != res->overlap.items[0].device) {
            cs_report_note(&res->report, "overlap",
                           "rank %" PRId64 ": several devices in one database; one row per device and step",
                           res->rank);
            return;
        }
    }
}

/* Runs module_statistic on the inputs read and keeps the rows, the reason
** when there are none, and the counts the report needs. */
static void analyse_modules(cs_module_input *in, cs_rank_result *res)
{
    res->module_read = true;
    res->module_no_step = in->no_step;
    res->module_ranges = in->has_ranges;
    if (in->no_step) return;
    cs_report_count(&res->report, res->rank, in->ranges_dropped, "Module ranges with NULL or inverted times dropped",
                    "module_statistic");
    if (in->threads > 1)
        cs_report_note(&res->report, "module_statistic",
                       "rank %" PRId64 ": Module ranges come from %" PRId64 " threads; nested by time only",
                       res->rank, in->threads);
    if (in->skip_reason) {
        res->module_skip_reason = cs_xstrdup(in->skip_reason);
        return;
    }
    cs_module_stats st;
    cs_err err = {""};
    if (cs_module_statistic(in->ranges.items, in->ranges.len, in->links.items, in->links.len, in->pairs.items,
                            in->pairs.len, &res->modules, &st, &err)) {
        res->module_skip_reason = cs_xstrdup(err.msg);
        return;
    }
    cs_report_count(&res->report, res->rank, st.ranges_overlapping + st.backward_overlapping,
                    "Module ranges overlapping without nesting", "module_statistic");
    cs_report_count(&res->report, res->rank, st.subtrees_cut, "module subtrees deeper than 20 levels cut",
                    "module_statistic");
    if (res->modules.len == 0) res->module_skip_reason = cs_xstrdup("no module with kernels under it");
}

/* The per-op communication records; a rank without the inputs is skipped
** for the communication analyses only. */
static void analyse_comm(const cs_options *o, cs_comm_input *cin, const cs_overlap_input *in,
                         cs_rank_result *res)
{
    if (cin->skip_reason) {
        cs_report_skip(&res->report, true, res->rank, res->path, "communication", "%s", cin->skip_reason);
        return;
    }
    cs_comm_options opt = {o->has_step_id, o->step_id};
    cs_err err = {""};
    if (cs_comm_rank_compute(cin->ops.items, cin->ops.len, cin->tasks.items, cin->tasks.len,
                             in->steps.items, in->steps.len, &opt, &res->comm, &err)) {
        cs_report_skip(&res->report, true, res->rank, res->path, "communication", "%s", err.msg);
        return;
    }
    res->comm_done = true;
    const cs_comm_counts *k = &res->comm.counts;
    static const char *const what = "communication";
    cs_report_count(&res->report, res->rank, k->ops_dropped_step, "ops dropped by the step rule", what);
    cs_report_count(&res->report, res->rank, k->ops_no_group, "ops without a group name left out", what);
    cs_report_count(&res->report, res->rank, k->ops_no_tasks, "ops without small tasks (no time row)", what);
    cs_report_count(&res->report, res->rank, k->ops_no_master_plane, "ops without a master plane (no time row)",
                    what);
    cs_report_count(&res->report, res->rank, k->tasks_size_null, "small tasks with a NULL size left out of the bandwidth",
                    what);
    cs_report_count(&res->report, res->rank, k->rdma_runs_incomplete, "incomplete RDMA payload runs", what);
    cs_report_count(&res->report, res->rank, k->idle_mismatch, "internal errors: transit + wait + idle != elapse",
                    what);
}

/* Transit and Synchronization of every op for §8.3, whatever the µs step
** rule keeps. */
static int fill_wait_times(cs_comm_input *cin, cs_err *err)
{
    size_t n = cin->ops.len;
    double *transit = cs_xmalloc((n ? n : 1) * sizeof *transit), *sync = cs_xmalloc((n ? n : 1) * sizeof *sync);
    int rc = cs_comm_op_times(cin->ops.items, n, cin->tasks.items, cin->tasks.len, transit, sync, err);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        cin->wait_ops.items[i].transit_ms = transit[i];
        cin->wait_ops.items[i].sync_ms = sync[i];
    }
    free(transit);
    free(sync);
    return rc;
}

/* The rank's §8.3 tuples (cs_wait_op), from its raw records. */
static void analyse_waits(cs_comm_input *cin, cs_overlap_input *in, cs_rank_result *res)
{
    cs_err err = {""};
    if (cin->skip_reason || !in->usable) return;    /* reported by the communication analysis */
    if (fill_wait_times(cin, &err)) {
        cs_report_skip(&res->report, true, res->rank, res->path, "straggler", "%s", err.msg);
        return;
    }
    cs_range *compute = cs_xmalloc((in->compute.len ? in->compute.len : 1) * sizeof *compute);
    for (size_t i = 0; i < in->compute.len; i++) {
        compute[i].start = in->compute.items[i].start;
        compute[i].end = in->compute.items[i].end;
    }
    cs_wait_rank_input w = {res->rank, res->host_uid, res->host_name, cin->wait_ops.items, cin->wait_ops.len,
                            in->steps.items, in->steps.len, compute, in->compute.len, in->tasks.items,
                            in->tasks.len, in->launches.items, in->launches.len};
    if (cs_wait_set_add_rank_ops(&res->wait, &w, &err))
        cs_report_skip(&res->report, true, res->rank, res->path, "straggler", "%s", err.msg);
    else
        res->wait_done = true;
    free(compute);
}

/* slow_rank / hccl_sum: the durations of the rank's communication ops, read
** from the profiler database with the reference's filters (analyses.md §2.e,
** §2.f; outputs.md §2 --step_id). */
static void analyse_stat_ops(const cs_rank_dir *dir, const cs_options *o, cs_rank_result *res)
{
    bool slow = cs_mode_runs_slow_rank(o->mode);
    const char *analysis = slow ? "slow_rank" : "hccl_sum";
    cs_err err = {""};
    sqlite3 *db = cs_db_open_ro(dir->db_path, &err);
    if (!db) {
        cs_report_skip(&res->report, true, res->rank, res->path, analysis, "%s", err.msg);
        return;
    }
    cs_db r = {db, dir->db_path, res, &err, false};
    char *reason = NULL;
    int rc = cs_read_op_durations(&r, slow, o->has_step_id ? &o->step_id : NULL, analysis, &res->stat_ops,
                                  &res->stat_no_step, &reason);
    sqlite3_close(db);
    if (rc) cs_report_skip(&res->report, true, res->rank, res->path, analysis, "%s", err.msg);
    else if (reason) cs_report_skip(&res->report, true, res->rank, res->path, analysis, "%s", reason);
    else res->stat_done = !res->stat_no_step;
    if (rc || reason) cs_op_durs_free(&res->stat_ops);
    free(reason);
}

void cs_pipeline_analyse_rank(const cs_rank_dir *dir, const cs_options *o, cs_rank_result *res)
{
    cs_rank_result_init(res, dir->rank, dir->path);
    if (!dir->db_path) {
        cs_report_skip(&res->report, true, dir->rank, dir->path, "read",
                       "no ascend_pytorch_profiler_%" PRId64 ".db (only analysis.db): not supported yet",
                       dir->rank);
        return;
    }
    cs_overlap_input in;
    cs_module_input min;
    cs_comm_input cin;
    bool waits = cs_mode_runs_straggler(o->mode);
    bool comm = cs_mode_runs_comm_time(o->mode) || cs_mode_runs_matrix(o->mode) || waits;
    /* the overlap reader also gives the step windows and the groups */
    bool overlap = cs_mode_runs_overlap(o->mode) || cs_mode_runs_groups(o->mode) || comm;
    bool modules = cs_mode_runs_modules(o->mode);
    cs_err err = {""};
    cs_read_request req = {overlap ? &in : NULL, modules ? &min : NULL, comm ? &cin : NULL,
                           o->has_step_id ? &o->step_id : NULL, waits};
    int rc = cs_read_rank(dir->db_path, res, &req, &err);
    if (rc) {
        cs_report_skip(&res->report, true, dir->rank, dir->path, "read", "%s", err.msg);
    } else {
        res->analysed = true;
        read_rank_metadata(dir, res);
        check_device_map(res);
        if (overlap && in.usable && cs_mode_runs_overlap(o->mode)) {
            cs_overlap_compute(in.steps.items, in.steps.len, in.compute.items, in.compute.len,
                               in.comm.items, in.comm.len, &res->overlap);
            res->overlap_done = true;
            note_several_devices(res);
        }
        if (modules) analyse_modules(&min, res);
        if (comm && (cs_mode_runs_comm_time(o->mode) || cs_mode_runs_matrix(o->mode)))
            analyse_comm(o, &cin, &in, res);
        else if (comm && cin.skip_reason)
            cs_report_skip(&res->report, true, res->rank, res->path, "straggler", "%s", cin.skip_reason);
        if (waits) analyse_waits(&cin, &in, res);
        if (cs_mode_runs_slow_rank(o->mode) || cs_mode_runs_hccl_sum(o->mode)) analyse_stat_ops(dir, o, res);
    }
    if (overlap) cs_overlap_input_free(&in);
    if (modules) cs_module_input_free(&min);
    if (comm) cs_comm_input_free(&cin);
}

/* ------------------------------------------------------------------ */
/* Merge and export.                                                   */

int cs_pipeline_finish(const cs_options *o, cs_rank_result *results, size_t n,
                       cs_report *report, cs_finish_stats *stats, cs_err *err)
{
    memset(stats, 0, sizeof *stats);
    cs_cluster c;
    int rc = -1;
    if (cs_cluster_merge(o, results, n, report, &c, err) == 0 && cs_export(o, &c, report, stats, err) == 0)
        rc = report->skips.len ? 3 : 0;
    cs_report_sort(report);
    cs_cluster_free(&c);
    return rc;
}

static int mkdir_p(const char *path)
{
    char *copy = cs_xstrdup(path);
    for (char *p = copy + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(copy, 0750) && errno != EEXIST) { free(copy); return -1; }
        *p = '/';
    }
    int rc = mkdir(copy, 0750) && errno != EEXIST ? -1 : 0;
    free(copy);
    return rc;
}

int cs_prepare_output_dir(const cs_options *o, cs_err *err)
{
    /* without -o the output goes into the -d folder: say so, not "-o" */
    const char *flag = o->output_given ? "-o" : "output folder (the -d folder)";
    struct stat st;
    if (stat(o->output_dir, &st) == 0 && !S_ISDIR(st.st_mode))
        return cs_fail(err, "%s %s: not a folder", flag, o->output_dir);
    char *dir = cs_xasprintf("%s/cluster_analysis_output", o->output_dir);
    int rc = 0;
    if (mkdir_p(dir)) rc = cs_fail(err, "%s %s: cannot create %s: %s", flag, o->output_dir, dir, strerror(errno));
    else if (access(dir, W_OK)) rc = cs_fail(err, "%s %s: %s is not writable", flag, o->output_dir, dir);
    free(dir);
    return rc;
}
