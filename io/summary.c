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
        if (m.present) {
            add_means(o, &m);
            if (!n || m.step_time > total.step_time) total.step_time = m.step_time;
            total.computing += m.computing;
            total.not_overlapped += m.not_overlapped;
            total.free += m.free;
            n++;
        }
        cJSON_AddItemToArray(ranks, o);
    }
    if (!n) return;
    total.computing /= (double)n;
    total.not_overlapped /= (double)n;
    total.free /= (double)n;
    add_means(cluster, &total);
}

char *cs_summary_json(const cs_summary_input *in)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "schema", "clusterscope.summary/1");
    cJSON_AddStringToObject(root, "tool_version", in->tool_version);
    cJSON_AddItemToObject(root, "input", input_object(in));
    add_cluster_and_ranks(root, in);
    cJSON *w = cJSON_AddArrayToObject(root, "warnings");
    for (size_t i = 0; i < in->report->lines.len; i++)
        cJSON_AddItemToArray(w, cJSON_CreateString(in->report->lines.items[i].text));
    char *text = cs_json_print(root);
    cJSON_Delete(root);
    return text;
}
