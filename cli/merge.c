/*
** merge.c — building the cluster results from the per-rank summaries, in
** rank order, so the outcome does not depend on which process analysed what.
*/
#include "cluster.h"

#include <inttypes.h>
#include <stdio.h>

#include "file_spool.h"
#include "metadata.h"

static bool mode_in(const char *mode, const char *const *modes)
{
    for (; *modes; modes++)
        if (strcmp(mode, *modes) == 0) return true;
    return false;
}

bool cs_mode_runs_overlap(const char *mode)
{
    static const char *const m[] = {"all", "communication_time", "communication_matrix", NULL};
    return mode_in(mode, m);
}

bool cs_mode_runs_modules(const char *mode)
{
    static const char *const m[] = {"all", "module_statistic", NULL};
    return mode_in(mode, m);
}

bool cs_mode_runs_groups(const char *mode)
{
    static const char *const m[] = {"all", "communication_time", "communication_matrix", "communication_group_map",
                                    "communication_time_sum", NULL};
    return mode_in(mode, m);
}

bool cs_mode_runs_comm_time(const char *mode)
{
    static const char *const m[] = {"all", "communication_time", "communication_time_sum", NULL};
    return mode_in(mode, m);
}

bool cs_mode_runs_matrix(const char *mode)
{
    static const char *const m[] = {"all", "communication_matrix", "communication_matrix_sum", NULL};
    return mode_in(mode, m);
}

bool cs_mode_runs_straggler(const char *mode)
{
    static const char *const m[] = {"all", "straggler", NULL};
    return mode_in(mode, m);
}

bool cs_mode_runs_slow_rank(const char *mode) { return strcmp(mode, "slow_rank") == 0; }

bool cs_mode_runs_hccl_sum(const char *mode) { return strcmp(mode, "hccl_sum") == 0; }

/* slow_rank (analyses.md §2.e) over the ranks with op durations, in rank order. */
static void build_slow_rank(const cs_options *o, cs_cluster *c, cs_report *report)
{
    if (!cs_mode_runs_slow_rank(o->mode)) return;
    cs_rank_op_durs *in = cs_xmalloc((c->n ? c->n : 1) * sizeof *in);
    size_t n = 0;
    for (size_t i = 0; i < c->n; i++)
        if (c->ranks[i].analysed && c->ranks[i].stat_done)
            in[n++] = (cs_rank_op_durs){c->ranks[i].rank, &c->ranks[i].stat_ops};
    cs_slow_rank_compute(in, n, &c->slow);
    free(in);
    c->slow_rank_ran = true;
    if (c->slow.groups_excluded)
        cs_report_note(report, "slow_rank", "%" PRId64 " groups left out: their op names occur unequally often",
                       c->slow.groups_excluded);
    if (c->slow.ranks.len == 0) cs_report_note(report, "slow_rank", "no slow rank found");
}

/* hccl_sum (analyses.md §2.f) over the ranks with op durations, in rank order. */
static void build_hccl_sum(const cs_options *o, cs_cluster *c)
{
    if (!cs_mode_runs_hccl_sum(o->mode)) return;
    cs_rank_op_durs *in = cs_xmalloc((c->n ? c->n : 1) * sizeof *in);
    size_t n = 0;
    for (size_t i = 0; i < c->n; i++)
        if (c->ranks[i].analysed && c->ranks[i].stat_done)
            in[n++] = (cs_rank_op_durs){c->ranks[i].rank, &c->ranks[i].stat_ops};
    cs_hccl_sum_compute(in, n, o->top_num, &c->hccl);
    free(in);
    c->hccl_ran = true;
}

/* The reduces' rows wait on disk for their turn (spool.h); in memory when
** no temporary file can be made (noted in the report). */
static cs_spool *temp_spool(void *arg)
{
    cs_cluster_feed *f = arg;
    cs_spool *sp = cs_spool_temp_file(NULL, &f->spool_err);
    if (!sp) f->spool_in_memory = true;
    return sp;
}

/* §8.3 and §8.4 over every fed rank's tuples (the result does not depend on
** the order they were merged in). */
static int build_stragglers(const cs_options *o, cs_cluster *c, cs_cluster_feed *f, cs_report *report,
                            cs_err *err)
{
    if (!f->waits) return 0;
    if (f->waits_failed) return cs_fail(err, "%s", f->waits_err.msg);
    cs_straggler_options opt = {o->has_step_id, o->step_id, c->groups.info.items, c->groups.info.len,
                                temp_spool, f};
    int rc = cs_straggler_compute_store(f->waits, &opt, &c->strag, report, err);
    cs_wait_store_free(f->waits);
    f->waits = NULL;
    if (rc == 0) c->straggler_ran = true;
    return rc;
}

/* The communication reduce over every fed rank. */
static int build_comm(cs_cluster *c, cs_cluster_feed *f, cs_report *report, cs_err *err)
{
    if (!f->comm) return 0;
    if (f->comm_failed) return cs_fail(err, "%s", f->comm_err.msg);
    int rc = cs_comm_acc_finish(f->comm, c->groups.info.items, c->groups.info.len, &c->comm, err);
    f->comm = NULL;
    if (rc) return -1;
    c->comm_ran = true;
    const cs_comm_sum_counts *k = &c->comm.counts;
    if (k->matrix_rows_dropped)
        cs_report_note(report, "matrix", "%" PRId64 " rows dropped: local ranks of %zu groups could not be mapped"
                       " to global ranks (no parallel_group_info, no self link)", k->matrix_rows_dropped,
                       c->comm.unmapped.len);
    if (k->rank_conflicts)
        cs_report_note(report, "matrix", "%" PRId64 " local ranks claimed by two ranks' self links (first kept)",
                       k->rank_conflicts);
    if (k->matrix_totals_zero_time)
        cs_report_note(report, "matrix", "%" PRId64 " Total Op Info links without transit time: bandwidth 0",
                       k->matrix_totals_zero_time);
    return 0;
}

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

static void list_step_ids(const cs_cluster *c, char *ids, size_t size)
{
    size_t len = 0;
    ids[0] = '\0';
    for (size_t i = 0; i < c->n && len < size - 32; i++)
        for (size_t k = 0; k < c->ranks[i].overlap.len && len < size - 32; k++) {
            const cs_overlap_row *r = &c->ranks[i].overlap.items[k];
            char one[32];
            snprintf(one, sizeof one, " %" PRId64, r->step_id);
            if (r->has_step_id && !strstr(ids, one)) len += (size_t)snprintf(ids + len, size - len, "%s", one);
        }
}

static bool no_step_of(const cs_rank_result *r, bool stat)
{
    return stat ? r->stat_no_step : r->module_no_step;
}

/* -m module_statistic, slow_rank, hccl_sum --step_id N: the rank's STEP_TIME decides. */
static int apply_module_step_filter(const cs_options *o, cs_cluster *c, cs_report *report, cs_err *err)
{
    bool stat = cs_mode_runs_slow_rank(o->mode) || cs_mode_runs_hccl_sum(o->mode);
    size_t with = 0;
    for (size_t i = 0; i < c->n; i++) with += c->ranks[i].analysed && !no_step_of(&c->ranks[i], stat);
    if (with == 0) return cs_fail(err, "--step_id %" PRId64 ": no rank has this step in STEP_TIME", o->step_id);
    for (size_t i = 0; i < c->n; i++) {
        cs_rank_result *r = &c->ranks[i];
        if (r->analysed && no_step_of(r, stat)) {
            r->analysed = false;
            cs_report_skip(report, true, r->rank, r->path, "read", "no step %" PRId64, o->step_id);
        }
    }
    return 0;
}

/* Whether the rank is still analysed after apply_step_filter (which skips
** the ranks without step N when the mode runs the overlap). */
static bool kept_by_step_filter(const cs_options *o, const cs_rank_result *r)
{
    return r->analysed && !(o->has_step_id && cs_mode_runs_overlap(o->mode) && !has_step(r, o->step_id));
}


void cs_cluster_feed_init(cs_cluster_feed *f, const cs_options *o)
{
    memset(f, 0, sizeof *f);
    if (cs_mode_runs_comm_time(o->mode) || cs_mode_runs_matrix(o->mode)) {
        /* only the csv and text exports write cluster_communication*.json */
        f->comm_json = o->export_type == CS_EXPORT_CSV || o->export_type == CS_EXPORT_TEXT;
        cs_comm_sum_options opt = {cs_mode_runs_comm_time(o->mode), f->comm_json, temp_spool, f};
        f->comm = cs_comm_acc_new(&opt);
    }
    if (cs_mode_runs_straggler(o->mode)) f->waits = cs_wait_store_new(temp_spool(f));
}

void cs_cluster_feed_rank(cs_cluster_feed *f, const cs_options *o, cs_rank_result *r)
{
    if (!kept_by_step_filter(o, r)) return;
    if (f->comm && r->comm_done && !f->comm_failed) {
        f->comm_failed = cs_comm_acc_add(f->comm, r->rank, &r->comm, &f->comm_err) != 0;
        cs_comm_rank_free(&r->comm);
    }
    if (f->waits && r->wait_done) {
        if (!f->waits_failed) f->waits_failed = cs_wait_store_add(f->waits, &r->wait, &f->waits_err) != 0;
        cs_wait_set_free(&r->wait);
        r->wait_done = false;
    }
}

void cs_cluster_feed_free(cs_cluster_feed *f)
{
    cs_comm_acc_free(f->comm);
    cs_wait_store_free(f->waits);
    memset(f, 0, sizeof *f);
}

/* --step_id N: ranks without step N are skipped; none with it is fatal. */
static int apply_step_filter(const cs_options *o, cs_cluster *c, cs_report *report, cs_err *err)
{
    if (!o->has_step_id) return 0;
    if (!c->overlap_ran)
        return cs_mode_runs_modules(o->mode) || cs_mode_runs_slow_rank(o->mode) || cs_mode_runs_hccl_sum(o->mode)
                   ? apply_module_step_filter(o, c, report, err) : 0;
    size_t with = 0;
    for (size_t i = 0; i < c->n; i++) with += c->ranks[i].analysed && has_step(&c->ranks[i], o->step_id);
    if (with == 0) {
        char ids[512];
        list_step_ids(c, ids, sizeof ids);
        return cs_fail(err, "--step_id %" PRId64 ": no rank has this step; step ids found:%s",
                       o->step_id, ids[0] ? ids : " none");
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

static void build_groups(cs_cluster *c, cs_report *report)
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

static void warn_differing_args(const cs_cluster *c, const cs_rank_result *src, cs_report *report)
{
    for (size_t i = 0; i < c->n; i++) {
        const cs_rank_result *r = &c->ranks[i];
        if (!r->analysed || !r->distributed_args || r == src) continue;
        char *other = cs_base_info_text(r->distributed_args);
        if (other && c->base_info && strcmp(other, c->base_info) != 0)
            cs_report_note(report, "overlap", "distributed_args of rank %" PRId64 " differ from rank %" PRId64
                           "'s; rank %" PRId64 "'s are used", r->rank, src->rank, src->rank);
        free(other);
    }
}

/* Parallel indices from the lowest analysed rank that has distributed_args. */
static void build_indices(cs_cluster *c, cs_report *report)
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
    warn_differing_args(c, src, report);
    cs_dist_args a;
    cs_err err;
    if (cs_parse_dist_args(src->distributed_args, &a) || a.world <= 0) return;
    if (a.world > (1 << 24)) {     /* no real job; and world * 3 indices must fit in memory */
        cs_report_note(report, "overlap", "world_size %" PRId64 " is not plausible; no parallel indices", a.world);
        return;
    }
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

#define NO_MODULE_RANGES "no rank has Module ranges (profiled without the nn.Module patch?)"

/* module_statistic runs when some rank has Module ranges (analyses.md §2.a
** "Anomalies"); then every analysed rank without rows is a skip row. */
static int build_modules(const cs_options *o, cs_cluster *c, cs_report *report, cs_err *err)
{
    if (!cs_mode_runs_modules(o->mode)) return 0;
    bool any = false;
    for (size_t i = 0; i < c->n; i++) any |= c->ranks[i].analysed && c->ranks[i].module_ranges;
    if (!any) {
        if (strcmp(o->mode, "module_statistic") == 0) return cs_fail(err, "module_statistic: %s", NO_MODULE_RANGES);
        cs_report_note(report, "module_statistic", "%s", NO_MODULE_RANGES);
        return 0;
    }
    c->modules_ran = true;
    cs_rank_modules *cols = cs_xmalloc((c->n ? c->n : 1) * sizeof *cols);
    c->module_ranks = cs_xmalloc((c->n ? c->n : 1) * sizeof *c->module_ranks);
    size_t ncols = 0;
    for (size_t i = 0; i < c->n; i++) {
        cs_rank_result *r = &c->ranks[i];
        if (!r->analysed || !r->module_read) continue;
        if (r->modules.len == 0) {
            cs_report_skip(report, true, r->rank, r->path, "module_statistic", "%s",
                           r->module_skip_reason ? r->module_skip_reason : "no module with kernels");
            continue;
        }
        cs_rank_modules m = {r->rank, r->modules.items, r->modules.len};
        c->module_ranks[ncols] = r->rank;
        cols[ncols++] = m;
    }
    cs_module_cluster_build(cols, ncols, &c->modules);
    free(cols);
    return 0;
}

int cs_cluster_merge_fed(const cs_options *o, cs_rank_result *results, size_t n, cs_cluster_feed *f,
                         cs_report *report, cs_cluster *c, cs_err *err)
{
    memset(c, 0, sizeof *c);
    if (n) qsort(results, n, sizeof *results, cmp_result);
    c->ranks = results;
    c->n = n;
    c->overlap_ran = cs_mode_runs_overlap(o->mode);
    for (size_t i = 0; i < n; i++) cs_report_move(report, &results[i].report);
    size_t analysed = 0;
    for (size_t i = 0; i < n; i++) analysed += results[i].analysed;
    int rc = -1;
    if (analysed == 0) cs_fail(err, "no rank could be analysed (every rank was skipped; see the messages above)");
    else if (apply_step_filter(o, c, report, err) == 0) {
        build_groups(c, report);
        build_indices(c, report);
        if (c->overlap_ran)
            cs_step_trace_build(c->ranks, c->n, &c->stages, c->indices, c->world, o->has_step_id, o->step_id,
                                &c->trace);
        rc = build_modules(o, c, report, err) || build_comm(c, f, report, err) ||
             build_stragglers(o, c, f, report, err) ? -1 : 0;
        if (f->spool_in_memory)
            cs_report_note(report, "options", "%s; rows that wait for the export were kept in memory",
                           f->spool_err.msg);
    }
    cs_cluster_feed_free(f);
    if (rc) return -1;
    build_slow_rank(o, c, report);
    build_hccl_sum(o, c);
    if (o->top_num_given && !cs_mode_runs_hccl_sum(o->mode)) cs_report_note(report, "options", "--top_num is used by hccl_sum only; ignored by -m %s",
                                         o->mode);
    cs_report_sort(report);
    return 0;
}

int cs_cluster_merge(const cs_options *o, cs_rank_result *results, size_t n,
                     cs_report *report, cs_cluster *c, cs_err *err)
{
    cs_cluster_feed f;
    cs_cluster_feed_init(&f, o);
    for (size_t i = 0; i < n; i++) cs_cluster_feed_rank(&f, o, &results[i]);
    return cs_cluster_merge_fed(o, results, n, &f, report, c, err);
}

void cs_cluster_free(cs_cluster *c)
{
    cs_group_map_free(&c->groups);
    cs_stages_free(&c->stages);
    free(c->indices);
    free(c->base_info);
    free(c->trace.items);
    cs_module_cluster_free(&c->modules);
    free(c->module_ranks);
    cs_comm_sum_free(&c->comm);
    cs_straggler_result_free(&c->strag);
    cs_slow_rank_result_free(&c->slow);
    cs_hccl_sum_result_free(&c->hccl);
    memset(c, 0, sizeof *c);
}
