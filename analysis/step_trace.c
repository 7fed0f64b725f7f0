/*
** step_trace.c — rank rows and stage rows of ClusterStepTraceTime.
*/
#include "step_trace.h"

static void add_rank_rows(const cs_rank_result *r, const int64_t *indices, int64_t world,
                          bool has_step, int64_t step_id, cs_step_trace *out)
{
    for (size_t i = 0; i < r->overlap.len; i++) {
        const cs_overlap_row *o = &r->overlap.items[i];
        if (has_step && !(o->has_step_id && o->step_id == step_id)) continue;
        cs_step_trace_row row = {0};
        row.rank = r->rank;
        row.has_step_id = o->has_step_id;
        row.step_id = o->step_id;
        row.device = o->device;
        memcpy(row.v, o->v, sizeof row.v);
        if (indices && r->rank >= 0 && r->rank < world) {
            row.has_indices = true;
            row.dp = indices[r->rank * 3];
            row.pp = indices[r->rank * 3 + 1];
            row.tp = indices[r->rank * 3 + 2];
        }
        CS_VEC_PUSH(*out, row);
    }
}

static int cmp_step(bool ha, int64_t a, bool hb, int64_t b)
{
    if (ha != hb) return ha ? 1 : -1;   /* the NULL step first */
    return a < b ? -1 : a > b;
}

/* Stage rows sort by the stage's smallest rank ("()" last), then step. */
static const cs_stages *sort_stages;

static int cmp_stage_row(const void *a, const void *b)
{
    const cs_step_trace_row *x = a, *y = b;
    int64_t mx = x->stage < 0 ? INT64_MAX : sort_stages->items[x->stage].ranks[0];
    int64_t my = y->stage < 0 ? INT64_MAX : sort_stages->items[y->stage].ranks[0];
    if (mx != my) return mx < my ? -1 : 1;
    return cmp_step(x->has_step_id, x->step_id, y->has_step_id, y->step_id);
}

static cs_step_trace_row *find_stage_row(cs_step_trace *out, size_t from, int stage,
                                         bool has_step, int64_t step)
{
    for (size_t i = from; i < out->len; i++) {
        cs_step_trace_row *s = &out->items[i];
        if (s->stage == stage && s->has_step_id == has_step && (!has_step || s->step_id == step)) return s;
    }
    return NULL;
}

static void add_stage_rows(const cs_stages *stages, cs_step_trace *out)
{
    size_t nrank_rows = out->len;
    for (size_t i = 0; i < nrank_rows; i++) {
        cs_step_trace_row r = out->items[i];
        int stage = cs_stages_find(stages, r.rank);
        cs_step_trace_row *s = find_stage_row(out, nrank_rows, stage, r.has_step_id, r.step_id);
        if (!s) {
            cs_step_trace_row row = {0};
            row.is_stage = true;
            row.stage = stage;
            row.has_step_id = r.has_step_id;
            row.step_id = r.has_step_id ? r.step_id : 0;
            memcpy(row.v, r.v, sizeof row.v);
            CS_VEC_PUSH(*out, row);
            continue;
        }
        for (int k = 0; k < CS_OV_NVALUES; k++)
            if (r.v[k] > s->v[k]) s->v[k] = r.v[k];
    }
    sort_stages = stages;
    qsort(out->items + nrank_rows, out->len - nrank_rows, sizeof(cs_step_trace_row), cmp_stage_row);
}

void cs_step_trace_build(const cs_rank_result *ranks, size_t n, const cs_stages *stages,
                         const int64_t *indices, int64_t world,
                         bool has_step, int64_t step_id, cs_step_trace *out)
{
    /* Results arrive in rank order and each rank's rows in (step, device)
    ** order, which is the table's rank-row order. */
    for (size_t i = 0; i < n; i++)
        if (ranks[i].analysed && ranks[i].overlap_done)
            add_rank_rows(&ranks[i], indices, world, has_step, step_id, out);
    if (stages->len) add_stage_rows(stages, out);
}
