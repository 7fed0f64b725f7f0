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

#include "cluster_tables.h"
#include "csv_writer.h"
#include "metadata.h"
#include "rank_reader.h"
#include "sqlite_writer.h"
#include "step_trace.h"
#include "summary.h"

const char *cs_tool_version(void) { return "clusterscope " CS_VERSION; }

/* ------------------------------------------------------------------ */
/* One rank.                                                           */

static void read_rank_metadata(const cs_rank_dir *dir, cs_rank_result *res)
{
    if (!dir->metadata_path) return;
    cs_err err;
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

void cs_pipeline_analyse_rank(const cs_rank_dir *dir, const cs_options *o, cs_rank_result *res)
{
    (void)o;
    cs_rank_result_init(res, dir->rank, dir->path);
    if (!dir->db_path) {
        cs_report_skip(&res->report, true, dir->rank, dir->path, "read",
                       "no ascend_pytorch_profiler_%" PRId64 ".db (only analysis.db): not supported yet",
                       dir->rank);
        return;
    }
    cs_overlap_input in;
    cs_err err;
    if (cs_read_rank(dir->db_path, res, &in, &err)) {
        cs_report_skip(&res->report, true, dir->rank, dir->path, "read", "%s", err.msg);
        cs_overlap_input_free(&in);
        return;
    }
    res->analysed = true;
    read_rank_metadata(dir, res);
    check_device_map(res);
    if (in.usable) {
        cs_overlap_compute(in.steps.items, in.steps.len, in.compute.items, in.compute.len,
                           in.comm.items, in.comm.len, &res->overlap);
        res->overlap_done = true;
        note_several_devices(res);
    }
    cs_overlap_input_free(&in);
}

/* ------------------------------------------------------------------ */
/* Merge.                                                              */

typedef struct cluster {
    cs_rank_result *ranks;      /* sorted by rank */
    size_t n;
    cs_group_map groups;
    cs_stages stages;
    int64_t *indices;           /* (dp, pp, tp) per rank < world, or NULL */
    int64_t world;
    char *base_info;
    cs_step_trace trace;
} cluster;

static int cmp_result(const void *a, const void *b)
{
    const cs_rank_result *x = a, *y = b;
    return x->rank < y->rank ? -1 : x->rank > y->rank;
}

static bool has_step(const cs_rank_result *r, int64_t step)
{
    for (size_t i = 0; i < r->overlap.len; i++)
        if (r->overlap.items[i].has_step_id && r->overlap.items[i].step_id == step) return true;
    return false;
}

/* --step_id N: ranks without step N are skipped; none with it is fatal. */
static int apply_step_filter(const cs_options *o, cluster *c, cs_report *report, cs_err *err)
{
    if (!o->has_step_id) return 0;
    size_t with = 0;
    for (size_t i = 0; i < c->n; i++) with += c->ranks[i].analysed && has_step(&c->ranks[i], o->step_id);
    if (with == 0) {
        char ids[512] = "";
        size_t len = 0;
        for (size_t i = 0; i < c->n && len < sizeof ids - 32; i++)
            for (size_t k = 0; k < c->ranks[i].overlap.len && len < sizeof ids - 32; k++) {
                const cs_overlap_row *r = &c->ranks[i].overlap.items[k];
                char one[32];
                snprintf(one, sizeof one, " %" PRId64, r->step_id);
                if (r->has_step_id && !strstr(ids, one)) len += (size_t)snprintf(ids + len, sizeof ids - len, "%s", one);
            }
        return cs_fail(err, "--step_id %" PRId64 ": no rank has this step; step ids found:%s",
                       o->step_id, len ? ids : " none");
    }
    for (size_t i = 0; i < c->n; i++) {
        cs_rank_result *r = &c->ranks[i];
        if (r->analysed && !has_step(r, o->step_id)) {
            r->analysed = false;
            cs_report_skip(report, true, r->rank, r->path, "read", "no step %" PRId64, o->step_id);
        }
    }
    return 0;
}

static void build_groups(cluster *c, cs_report *report)
{
    for (size_t i = 0; i < c->n; i++) {
        const cs_rank_result *r = &c->ranks[i];
        if (!r->analysed) continue;
        for (size_t k = 0; k < r->groups.len; k++)
            cs_group_map_add_use(&c->groups, r->groups.items[k].name, r->groups.items[k].p2p, r->rank);
        cs_err err;
        if (r->parallel_group_info && cs_parse_parallel_group_info(r->parallel_group_info, &c->groups, &err))
            cs_report_note(report, "communication", "rank %" PRId64 ": %s", r->rank, err.msg);
    }
    cs_group_map_finish(&c->groups);
    cs_stages_build(&c->groups, &c->stages);
}

/* Parallel indices from the lowest analysed rank that has distributed_args. */
static void build_indices(cluster *c, cs_report *report)
{
    const cs_rank_result *src = NULL;
    size_t analysed = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (!c->ranks[i].analysed) continue;
        analysed++;
        if (!src && c->ranks[i].distributed_args) src = &c->ranks[i];
    }
    if (!src) return;
    c->base_info = cs_base_info_text(src->distributed_args);
    for (size_t i = 0; i < c->n; i++) {
        const cs_rank_result *r = &c->ranks[i];
        if (!r->analysed || !r->distributed_args || r == src) continue;
        char *other = cs_base_info_text(r->distributed_args);
        if (other && c->base_info && strcmp(other, c->base_info) != 0)
            cs_report_note(report, "overlap", "distributed_args of rank %" PRId64 " differ from rank %" PRId64
                           "'s; rank %" PRId64 "'s are used", r->rank, src->rank, src->rank);
        free(other);
    }
    cs_dist_args a;
    cs_err err;
    if (cs_parse_dist_args(src->distributed_args, &a) || a.world <= 0) return;
    if ((int64_t)analysed > a.world) {
        cs_report_note(report, "overlap", "world_size %" PRId64 " is smaller than the %zu ranks; no parallel indices",
                       a.world, analysed);
        return;
    }
    if ((int64_t)analysed < a.world)
        cs_report_note(report, "overlap", "world_size %" PRId64 " but %zu ranks analysed; indices of the others unused",
                       a.world, analysed);
    c->indices = cs_xmalloc((size_t)a.world * 3 * sizeof(int64_t));
    if (cs_parallel_indices(&a, c->indices, &err)) {
        cs_report_note(report, "overlap", "no parallel indices: %s", err.msg);
        free(c->indices);
        c->indices = NULL;
        return;
    }
    c->world = a.world;
}

static void cluster_free(cluster *c)
{
    cs_group_map_free(&c->groups);
    cs_stages_free(&c->stages);
    free(c->indices);
    free(c->base_info);
    free(c->trace.items);
}

/* ------------------------------------------------------------------ */
/* Export.                                                             */

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

typedef struct outputs {
    cs_table step_trace, groups, skipped, base_info, hosts, device_map;
} outputs;

static void build_tables(const cluster *c, const cs_report *report, cs_table_form form, outputs *t)
{
    cs_table_step_trace(&c->trace, &c->stages, form, &t->step_trace);
    cs_table_group_map(&c->groups, &t->groups);
    cs_table_skipped(report, &t->skipped);
    cs_table_base_info(c->base_info, &t->base_info);
    cs_table_host_info(c->ranks, c->n, &t->hosts);
    cs_table_rank_device_map(c->ranks, c->n, &t->device_map);
}

static void free_tables(outputs *t)
{
    cs_table_free(&t->step_trace);
    cs_table_free(&t->groups);
    cs_table_free(&t->skipped);
    cs_table_free(&t->base_info);
    cs_table_free(&t->hosts);
    cs_table_free(&t->device_map);
}

static int write_db(const cs_options *o, const outputs *t, bool all, cs_finish_stats *stats, cs_err *err)
{
    char *path = out_path(o, "cluster_analysis.db");
    cs_sqlite_out *db = cs_sqlite_out_open(path, err);
    free(path);
    if (!db) return -1;
    const cs_table *tables[] = {&t->groups, &t->skipped, &t->step_trace, &t->base_info, &t->hosts, &t->device_map};
    size_t ntables = all ? 6 : 2;
    int rc = 0;
    for (size_t i = 0; i < ntables && rc == 0; i++) rc = cs_sqlite_out_write(db, tables[i], err);
    cs_err close_err;
    if (cs_sqlite_out_close(db, &close_err) && rc == 0) rc = cs_fail(err, "%s", close_err.msg);
    if (rc == 0) stats->tables += ntables;
    return rc;
}

static int write_csv(const cs_options *o, const cluster *c, const outputs *t, bool all,
                     cs_finish_stats *stats, cs_err *err)
{
    struct { const cs_table *t; const char *name; } files[] = {
        {&t->groups, "communication_group.csv"},
        {&t->skipped, "skipped.csv"},
        {&t->step_trace, "cluster_step_trace_time.csv"},
    };
    size_t nfiles = all ? 3 : 2;
    for (size_t i = 0; i < nfiles; i++) {
        char *path = out_path(o, files[i].name);
        int rc = cs_csv_write(files[i].t, path, err);
        free(path);
        if (rc) return -1;
        stats->files++;
    }
    char *json = cs_group_map_json(&c->groups);
    char *path = out_path(o, "communication_group.json");
    int rc = write_text_file(path, json, err);
    free(path);
    free(json);
    stats->files += rc == 0;
    return rc;
}

static int write_summary(const cs_options *o, const cluster *c, const cs_report *report,
                         cs_finish_stats *stats, cs_err *err)
{
    char abs_dir[PATH_MAX];
    if (!realpath(o->input_dir, abs_dir)) snprintf(abs_dir, sizeof abs_dir, "%s", o->input_dir);
    cs_summary_input in = {cs_tool_version(), abs_dir, c->ranks, c->n,
                           strcmp(o->mode, "all") == 0 ? &c->trace : NULL, report,
                           o->has_step_id, o->step_id};
    char *json = cs_summary_json(&in);
    char *path = out_path(o, "summary.json");
    int rc = write_text_file(path, json, err);
    free(path);
    free(json);
    stats->files += rc == 0;
    return rc;
}

static int write_outputs(const cs_options *o, const cluster *c, const cs_report *report,
                         cs_finish_stats *stats, cs_err *err)
{
    bool all = strcmp(o->mode, "all") == 0;
    outputs t;
    int rc = 0;
    if (o->export_type == CS_EXPORT_DB) {
        build_tables(c, report, CS_FORM_DB, &t);
        rc = write_db(o, &t, all, stats, err);
        free_tables(&t);
    } else if (o->export_type == CS_EXPORT_CSV || o->export_type == CS_EXPORT_TEXT) {
        build_tables(c, report, CS_FORM_CSV, &t);
        rc = write_csv(o, c, &t, all, stats, err);
        free_tables(&t);
    }
    if (rc == 0) rc = write_summary(o, c, report, stats, err);
    return rc;
}

int cs_pipeline_finish(const cs_options *o, cs_rank_result *results, size_t n,
                       cs_report *report, cs_finish_stats *stats, cs_err *err)
{
    memset(stats, 0, sizeof *stats);
    if (n) qsort(results, n, sizeof *results, cmp_result);
    cluster c = {0};
    c.ranks = results;
    c.n = n;
    for (size_t i = 0; i < n; i++) cs_report_move(report, &results[i].report);
    size_t analysed = 0;
    for (size_t i = 0; i < n; i++) analysed += results[i].analysed;
    int rc = -1;
    if (analysed == 0) {
        cs_fail(err, "no rank could be analysed (every rank was skipped; see the messages above)");
        goto out;
    }
    if (apply_step_filter(o, &c, report, err)) goto out;
    build_groups(&c, report);
    build_indices(&c, report);
    cs_step_trace_build(c.ranks, c.n, &c.stages, c.indices, c.world, o->has_step_id, o->step_id, &c.trace);
    cs_report_sort(report);
    if (write_outputs(o, &c, report, stats, err)) goto out;
    rc = report->skips.len ? 3 : 0;
out:
    cs_report_sort(report);
    cluster_free(&c);
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
    struct stat st;
    if (stat(o->output_dir, &st) == 0 && !S_ISDIR(st.st_mode))
        return cs_fail(err, "-o %s: not a folder", o->output_dir);
    char *dir = cs_xasprintf("%s/cluster_analysis_output", o->output_dir);
    int rc = 0;
    if (mkdir_p(dir)) rc = cs_fail(err, "-o %s: cannot create %s: %s", o->output_dir, dir, strerror(errno));
    else if (access(dir, W_OK)) rc = cs_fail(err, "-o %s: %s is not writable", o->output_dir, dir);
    free(dir);
    return rc;
}
