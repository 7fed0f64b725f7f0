/*
** summary.c — building summary.json.  Numbers go into the cJSON tree as raw
** text formatted by the CSV rule, so the bytes do not depend on cJSON's
** number printer.
*/
#include "summary.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>

#include "json_print.h"
#include "table.h"

static void add_int(cJSON *o, const char *key, int64_t v)
{
    char buf[24];
    snprintf(buf, sizeof buf, "%" PRId64, v);
    cJSON_AddItemToObject(o, key, cJSON_CreateRaw(buf));
}

static void add_real(cJSON *o, const char *key, double v)
{
    char buf[48];
    cs_format_double(v, buf, sizeof buf);
    cJSON_AddItemToObject(o, key, cJSON_CreateRaw(buf));
}

static cJSON *int_raw(int64_t v)
{
    char buf[24];
    snprintf(buf, sizeof buf, "%" PRId64, v);
    return cJSON_CreateRaw(buf);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

typedef CS_VEC(int64_t) i64_vec;

/* Distinct step ids over the analysed ranks' overlap rows, ascending. */
static void collect_steps(const cs_summary_input *in, i64_vec *ids, bool *any_null)
{
    *any_null = false;
    for (size_t i = 0; i < in->nranks; i++) {
        const cs_rank_result *r = &in->ranks[i];
        if (!r->analysed) continue;
        for (size_t k = 0; k < r->overlap.len; k++) {
            const cs_overlap_row *o = &r->overlap.items[k];
            if (!o->has_step_id) { *any_null = true; continue; }
            if (in->has_step_id && o->step_id != in->step_id) continue;
            CS_VEC_PUSH(*ids, o->step_id);
        }
    }
    if (!ids->len) return;
    qsort(ids->items, ids->len, sizeof(int64_t), cmp_i64);
    size_t out = 1;
    for (size_t i = 1; i < ids->len; i++)
        if (ids->items[i] != ids->items[out - 1]) ids->items[out++] = ids->items[i];
    ids->len = out;
}

static int64_t count_hosts(const cs_summary_input *in)
{
    int64_t n = 0;
    for (size_t i = 0; i < in->nranks; i++) {
        const cs_rank_result *r = &in->ranks[i];
        if (!r->analysed || !r->host_uid) continue;
        bool seen = false;
        for (size_t k = 0; k < i && !seen; k++)
            seen = in->ranks[k].analysed && in->ranks[k].host_uid &&
                   strcmp(in->ranks[k].host_uid, r->host_uid) == 0;
        n += !seen;
    }
    return n;
}

size_t cs_summary_step_ids(const cs_summary_input *in, int64_t **ids)
{
    i64_vec v = {0};
    bool any_null;
    collect_steps(in, &v, &any_null);
    *ids = v.items;
    return v.len;
}

int64_t cs_summary_hosts(const cs_summary_input *in) { return count_hosts(in); }

static cJSON *skipped_array(const cs_report *rep)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < rep->skips.len; i++) {
        const cs_skip *s = &rep->skips.items[i];
        cJSON *o = cJSON_CreateObject();
        if (s->has_rank) add_int(o, "rank", s->rank);
        else cJSON_AddNullToObject(o, "rank");
        cJSON_AddStringToObject(o, "path", s->path);
        cJSON_AddStringToObject(o, "analysis", s->analysis);
        cJSON_AddStringToObject(o, "reason", s->reason);
        cJSON_AddItemToArray(a, o);
    }
    return a;
}

static cJSON *input_object(const cs_summary_input *in)
{
    cJSON *o = cJSON_CreateObject();
    i64_vec ids = {0};
    bool any_null;
    int64_t analysed = 0;
    for (size_t i = 0; i < in->nranks; i++) analysed += in->ranks[i].analysed;
    collect_steps(in, &ids, &any_null);
    cJSON_AddStringToObject(o, "dir", in->input_dir);
    add_int(o, "ranks", analysed);
    add_int(o, "hosts", count_hosts(in));
    add_int(o, "steps", ids.len ? (int64_t)ids.len : 1);
    cJSON *a = cJSON_AddArrayToObject(o, "step_ids");
    for (size_t i = 0; i < ids.len; i++) cJSON_AddItemToArray(a, int_raw(ids.items[i]));
    cJSON_AddItemToObject(o, "skipped", skipped_array(in->report));
    free(ids.items);
    return o;
}

/* Per-rank means per step of the overlap columns (outputs.md §5). */
typedef struct rank_means {
    bool present;
    double step_time, computing, not_overlapped, free;
} rank_means;

static bool same_step(const cs_step_trace_row *a, const cs_step_trace_row *b)
{
    return a->has_step_id == b->has_step_id && (!a->has_step_id || a->step_id == b->step_id);
}

static rank_means means_of_rank(const cs_step_trace *t, int64_t rank)
{
    rank_means m = {0};
    double sum_c = 0, sum_n = 0, sum_f = 0, sum_s = 0;
    size_t nsteps = 0;
    const cs_step_trace_row *first = NULL;
    for (size_t i = 0; i < t->len; i++) {
        const cs_step_trace_row *r = &t->items[i];
        if (r->is_stage || r->rank != rank) continue;
        if (!first) first = r;
        /* Rows of one rank are grouped by step, so a new step shows as a
        ** change from the previous row's step. */
        bool new_step = true;
        for (const cs_step_trace_row *p = first; p < r; p++)
            if (!p->is_stage && p->rank == rank && same_step(p, r)) { new_step = false; break; }
        nsteps += new_step;
        double c = r->v[CS_OV_COMPUTING] / 1000.0, n = r->v[CS_OV_COMM_NOT_OVERLAPPED] / 1000.0;
        double f = r->v[CS_OV_FREE] / 1000.0;
        sum_c += c;
        sum_n += n;
        sum_f += f;
        sum_s += c + n + f;
    }
    if (!nsteps) return m;
    m.present = true;
    m.computing = sum_c / (double)nsteps;
    m.not_overlapped = sum_n / (double)nsteps;
    m.free = sum_f / (double)nsteps;
    m.step_time = sum_s / (double)nsteps;
    return m;
}

/* Communication metrics of one rank (rank >= 0) or of the cluster (-1),
** summed by the reduce (comm_sum.h). */
typedef cs_comm_rank_sums comm_sums;

static comm_sums comm_of(const cs_comm_sum *s, int64_t rank)
{
    comm_sums none = {0};
    if (!s) return none;
    if (rank < 0) return cs_comm_sums_cluster(s);
    const comm_sums *r = cs_comm_sums_of(s, rank);
    return r ? *r : none;
}

static void add_comm(cJSON *o, const comm_sums *c)
{
    if (!c->present) return;
    add_real(o, "wait_ratio", cs_compute_ratio(c->wait_ms, c->wait_ms + c->transit_ms));
    add_real(o, "synchronization_ratio", cs_compute_ratio(c->sync_ms, c->sync_ms + c->transit_ms));
    static const int order[] = {CS_BAND_RDMA, CS_BAND_HCCS, CS_BAND_PCIE, CS_BAND_SDMA, CS_BAND_SIO};
    cJSON *bw = NULL;
    for (size_t k = 0; k < 5; k++) {
        int b = order[k];
        if (c->time_ms[b] == 0) continue;
        if (!bw) bw = cJSON_AddObjectToObject(o, "bandwidth_gbps");
        add_real(bw, cs_comm_band_name(b), cs_compute_ratio(c->size_mb[b], c->time_ms[b]));
    }
}

static void add_means(cJSON *o, const rank_means *m)
{
    add_real(o, "step_time_us", m->step_time);
    add_real(o, "computing_us", m->computing);
    add_real(o, "communication_not_overlapped_us", m->not_overlapped);
    add_real(o, "free_us", m->free);
}

static void add_cluster_and_ranks(cJSON *root, const cs_summary_input *in)
{
    cJSON *cluster = cJSON_AddObjectToObject(root, "cluster");
    cJSON *ranks = cJSON_AddArrayToObject(root, "ranks");
    rank_means total = {0};
    size_t n = 0;
    for (size_t i = 0; i < in->nranks; i++) {
        const cs_rank_result *r = &in->ranks[i];
        if (!r->analysed) continue;
        cJSON *o = cJSON_CreateObject();
        add_int(o, "rank", r->rank);
        rank_means none = {0};
        rank_means m = in->trace ? means_of_rank(in->trace, r->rank) : none;
        comm_sums cm = comm_of(in->comm, r->rank);
        if (m.present) {
            add_means(o, &m);
            if (!n || m.step_time > total.step_time) total.step_time = m.step_time;
            total.computing += m.computing;
            total.not_overlapped += m.not_overlapped;
            total.free += m.free;
            n++;
        }
        add_comm(o, &cm);
        cJSON_AddItemToArray(ranks, o);
    }
    if (n) {
        total.computing /= (double)n;
        total.not_overlapped /= (double)n;
        total.free /= (double)n;
        add_means(cluster, &total);
    }
    comm_sums all = comm_of(in->comm, -1);
    add_comm(cluster, &all);
}

static cs_metrics metrics_of(const rank_means *m, const comm_sums *c)
{
    cs_metrics x = {0};
    x.has_time = m->present;
    x.step_time_us = m->step_time;
    x.computing_us = m->computing;
    x.not_overlapped_us = m->not_overlapped;
    x.free_us = m->free;
    x.has_comm = c->present;
    if (c->present) {
        x.wait_ratio = cs_compute_ratio(c->wait_ms, c->wait_ms + c->transit_ms);
        x.sync_ratio = cs_compute_ratio(c->sync_ms, c->sync_ms + c->transit_ms);
    }
    for (int b = 0; b < CS_BAND_COUNT; b++) {
        x.has_band[b] = c->present && c->time_ms[b] != 0;
        if (x.has_band[b]) x.band_gbps[b] = cs_compute_ratio(c->size_mb[b], c->time_ms[b]);
    }
    return x;
}

cs_metrics cs_summary_rank_metrics(const cs_summary_input *in, int64_t rank)
{
    rank_means none = {0};
    rank_means m = in->trace ? means_of_rank(in->trace, rank) : none;
    comm_sums c = comm_of(in->comm, rank);
    return metrics_of(&m, &c);
}

cs_metrics cs_summary_cluster_metrics(const cs_summary_input *in)
{
    rank_means total = {0};
    size_t n = 0;
    for (size_t i = 0; i < in->nranks; i++) {
        if (!in->ranks[i].analysed || !in->trace) continue;
        rank_means m = means_of_rank(in->trace, in->ranks[i].rank);
        if (!m.present) continue;
        if (!n || m.step_time > total.step_time) total.step_time = m.step_time;
        total.computing += m.computing;
        total.not_overlapped += m.not_overlapped;
        total.free += m.free;
        n++;
    }
    if (n) {
        total.present = true;
        total.computing /= (double)n;
        total.not_overlapped /= (double)n;
        total.free /= (double)n;
    }
    comm_sums c = comm_of(in->comm, -1);
    return metrics_of(&total, &c);
}

typedef struct module_sum {
    char *path;
    double ns;
} module_sum;

static int cmp_module_sum(const void *a, const void *b)
{
    const module_sum *x = a, *y = b;
    if (x->ns != y->ns) return x->ns > y->ns ? -1 : 1;
    return strcmp(x->path, y->path);
}

/* The 10 (parentModule, module) pairs with the largest total kernel time
** over every row and rank (outputs.md §5); sums in rank order. */
size_t cs_summary_top_modules(const cs_summary_input *in, cs_module_total out[10])
{
    CS_VEC(module_sum) sums = {0};
    for (size_t i = 0; i < in->nranks; i++) {
        const cs_rank_result *r = &in->ranks[i];
        if (!r->analysed) continue;
        for (size_t k = 0; k < r->modules.len; k++) {
            const cs_module_row *m = &r->modules.items[k];
            char *path = *m->parent ? cs_xasprintf("%s/%s", m->parent, m->module) : cs_xstrdup(m->module);
            size_t j = 0;
            while (j < sums.len && strcmp(sums.items[j].path, path) != 0) j++;
            if (j == sums.len) {
                module_sum s = {path, 0};
                CS_VEC_PUSH(sums, s);
            } else {
                free(path);
            }
            sums.items[j].ns += m->total_ns;
        }
    }
    if (sums.len) qsort(sums.items, sums.len, sizeof(module_sum), cmp_module_sum);
    size_t n = 0;
    for (size_t i = 0; i < sums.len; i++) {
        if (i < 10) {
            out[n].path = sums.items[i].path;
            out[n++].total_us = sums.items[i].ns / 1000.0;
        } else {
            free(sums.items[i].path);
        }
    }
    free(sums.items);
    return n;
}

static void add_modules(cJSON *root, const cs_summary_input *in)
{
    if (!in->modules_ran) return;
    cs_module_total top[10];
    size_t n = cs_summary_top_modules(in, top);
    cJSON *a = cJSON_AddArrayToObject(root, "modules");
    for (size_t i = 0; i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "path", top[i].path);
        add_real(o, "total_kernel_us", top[i].total_us);
        cJSON_AddItemToArray(a, o);
        free(top[i].path);
    }
}

static void add_stragglers(cJSON *root, const cs_straggler_result *s)
{
    if (!s) return;
    cJSON *a = cJSON_AddArrayToObject(root, "stragglers");
    for (size_t i = 0, n = 0; i < s->stragglers.len && n < 5; i++) {
        const cs_straggler_row *r = &s->stragglers.items[i];
        if (!(r->wait_caused_us > 0)) continue;
        cJSON *o = cJSON_CreateObject();
        add_int(o, "rank", r->rank);
        add_real(o, "wait_caused_us", r->wait_caused_us);
        cJSON_AddStringToObject(o, "reason", r->reason ? r->reason : "");
        cJSON_AddItemToArray(a, o);
        n++;
    }
}

char *cs_summary_json(const cs_summary_input *in)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "schema", "clusterscope.summary/1");
    cJSON_AddStringToObject(root, "tool_version", in->tool_version);
    cJSON_AddItemToObject(root, "input", input_object(in));
    add_cluster_and_ranks(root, in);
    add_stragglers(root, in->strag);
    add_modules(root, in);
    cJSON *w = cJSON_AddArrayToObject(root, "warnings");
    for (size_t i = 0; i < in->report->lines.len; i++)
        cJSON_AddItemToArray(w, cJSON_CreateString(in->report->lines.items[i].text));
    char *text = cs_json_print(root);
    cJSON_Delete(root);
    return text;
}
