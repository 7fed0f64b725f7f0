/*
** rank_result.c — per-rank results: lifecycle and encoding.
*/
#include "rank_result.h"

void cs_rank_result_init(cs_rank_result *r, int64_t rank, const char *path)
{
    memset(r, 0, sizeof *r);
    r->rank = rank;
    r->path = cs_xstrdup(path ? path : "");
}

void cs_rank_result_free(cs_rank_result *r)
{
    free(r->path);
    free(r->overlap.items);
    for (size_t i = 0; i < r->groups.len; i++) free(r->groups.items[i].name);
    free(r->groups.items);
    free(r->parallel_group_info);
    free(r->distributed_args);
    free(r->host_uid);
    free(r->host_name);
    free(r->device_map.items);
    free(r->module_skip_reason);
    cs_module_rows_free(&r->modules);
    cs_comm_rank_free(&r->comm);
    cs_wait_set_free(&r->wait);
    cs_op_durs_free(&r->stat_ops);
    cs_report_free(&r->report);
    memset(r, 0, sizeof *r);
}

void cs_rank_result_add_group(cs_rank_result *r, const char *name, bool p2p)
{
    for (size_t i = 0; i < r->groups.len; i++)
        if (r->groups.items[i].p2p == p2p && strcmp(r->groups.items[i].name, name) == 0) return;
    cs_group_use g = {cs_xstrdup(name), p2p};
    CS_VEC_PUSH(r->groups, g);
}


static void encode_report(const cs_report *rep, cs_encoder *e)
{
    cs_put_i64(e, (int64_t)rep->skips.len);
    for (size_t i = 0; i < rep->skips.len; i++) {
        const cs_skip *s = &rep->skips.items[i];
        cs_put_i64(e, s->has_rank);
        cs_put_i64(e, s->rank);
        cs_put_str(e, s->path);
        cs_put_str(e, s->analysis);
        cs_put_str(e, s->reason);
    }
    cs_put_i64(e, (int64_t)rep->lines.len);
    for (size_t i = 0; i < rep->lines.len; i++) {
        const cs_line *l = &rep->lines.items[i];
        cs_put_i64(e, l->kind);
        cs_put_i64(e, l->rank);
        cs_put_i64(e, l->seq);
        cs_put_str(e, l->analysis);
        cs_put_str(e, l->text);
    }
}

static void decode_report(cs_decoder *d, cs_report *rep)
{
    int64_t n = cs_get_i64(d);
    for (int64_t i = 0; i < n && !d->failed; i++) {
        cs_skip s;
        s.has_rank = cs_get_i64(d) != 0;
        s.rank = cs_get_i64(d);
        s.path = cs_get_str_or_empty(d);
        s.analysis = cs_get_str_or_empty(d);
        s.reason = cs_get_str_or_empty(d);
        CS_VEC_PUSH(rep->skips, s);
    }
    n = cs_get_i64(d);
    for (int64_t i = 0; i < n && !d->failed; i++) {
        cs_line l;
        l.kind = (cs_line_kind)cs_get_i64(d);
        l.rank = cs_get_i64(d);
        l.seq = cs_get_i64(d);
        l.analysis = cs_get_str_or_empty(d);
        l.text = cs_get_str_or_empty(d);
        CS_VEC_PUSH(rep->lines, l);
    }
}

void cs_rank_result_encode(const cs_rank_result *r, cs_encoder *e)
{
    cs_put_i64(e, r->rank);
    cs_put_str(e, r->path);
    cs_put_i64(e, r->analysed);
    cs_put_i64(e, r->overlap_done);
    cs_put_i64(e, (int64_t)r->overlap.len);
    for (size_t i = 0; i < r->overlap.len; i++) {
        const cs_overlap_row *o = &r->overlap.items[i];
        cs_put_i64(e, o->device);
        cs_put_i64(e, o->has_step_id);
        cs_put_i64(e, o->step_id);
        for (int k = 0; k < CS_OV_NVALUES; k++) cs_put_i64(e, o->v[k]);
    }
    cs_put_i64(e, (int64_t)r->groups.len);
    for (size_t i = 0; i < r->groups.len; i++) {
        cs_put_str(e, r->groups.items[i].name);
        cs_put_i64(e, r->groups.items[i].p2p);
    }
    cs_put_str(e, r->parallel_group_info);
    cs_put_str(e, r->distributed_args);
    cs_put_str(e, r->host_uid);
    cs_put_str(e, r->host_name);
    cs_put_i64(e, (int64_t)r->device_map.len);
    for (size_t i = 0; i < r->device_map.len; i++) {
        cs_put_i64(e, r->device_map.items[i].rank_id);
        cs_put_i64(e, r->device_map.items[i].device_id);
    }
    cs_put_i64(e, r->module_read);
    cs_put_i64(e, r->module_ranges);
    cs_put_i64(e, r->module_no_step);
    cs_put_str(e, r->module_skip_reason);
    cs_put_i64(e, (int64_t)r->modules.len);
    for (size_t i = 0; i < r->modules.len; i++) {
        const cs_module_row *m = &r->modules.items[i];
        cs_put_str(e, m->parent);
        cs_put_str(e, m->module);
        cs_put_str(e, m->op_name);
        cs_put_str(e, m->kernel_list);
        cs_put_f64(e, m->total_ns);
        cs_put_f64(e, m->avg_ns);
        cs_put_i64(e, m->op_count);
    }
    cs_put_i64(e, r->comm_done);
    if (r->comm_done) cs_comm_rank_encode(&r->comm, e);
    cs_put_i64(e, r->wait_done);
    if (r->wait_done) cs_wait_set_encode(&r->wait, e);
    cs_put_i64(e, r->stat_no_step);
    cs_put_i64(e, r->stat_done);
    if (r->stat_done) cs_op_durs_encode(&r->stat_ops, e);
    encode_report(&r->report, e);
}

void cs_comm_rank_encode(const cs_comm_rank *c, cs_encoder *e)
{
    cs_put_i64(e, (int64_t)c->groups.len);
    for (size_t i = 0; i < c->groups.len; i++) {
        cs_put_str(e, c->groups.items[i].name);
        cs_put_i64(e, (int64_t)c->groups.items[i].hash);
    }
    cs_put_i64(e, (int64_t)c->ops.len);
    for (size_t i = 0; i < c->ops.len; i++) {
        const cs_comm_op *o = &c->ops.items[i];
        cs_put_str(e, o->name);
        cs_put_i64(e, o->group);
        cs_put_i64(e, o->has_step_id);
        cs_put_i64(e, o->step_id);
        cs_put_i64(e, o->p2p);
        const double d[] = {o->start_us, o->elapse_ms, o->transit_ms, o->wait_ms, o->sync_ms, o->idle_ms,
                            o->wait_ratio, o->sync_ratio};
        for (size_t k = 0; k < sizeof d / sizeof *d; k++) cs_put_f64(e, d[k]);
        cs_put_i64(e, o->band_first);
        cs_put_i64(e, o->nbands);
    }
    cs_put_i64(e, (int64_t)c->bands.len);
    for (size_t i = 0; i < c->bands.len; i++) {
        const cs_comm_band *b = &c->bands.items[i];
        cs_put_i64(e, b->type);
        cs_put_i64(e, b->packet_first);
        cs_put_i64(e, b->npackets);
        cs_put_f64(e, b->size_mb);
        cs_put_f64(e, b->time_ms);
        cs_put_f64(e, b->bandwidth);
        cs_put_f64(e, b->large_packet_ratio);
    }
    cs_put_i64(e, (int64_t)c->packets.len);
    for (size_t i = 0; i < c->packets.len; i++) {
        cs_put_f64(e, c->packets.items[i].size_mb);
        cs_put_i64(e, c->packets.items[i].count);
        cs_put_f64(e, c->packets.items[i].total_ms);
    }
    /* The links stay here: their matrix representatives go instead. */
    cs_put_i64(e, (int64_t)c->reps.len);
    for (size_t i = 0; i < c->reps.len; i++) {
        const cs_comm_rep *x = &c->reps.items[i];
        cs_put_i64(e, x->key_op);
        cs_put_i64(e, x->op);
        cs_put_i64(e, x->src);
        cs_put_i64(e, x->dst);
        cs_put_i64(e, x->kind);
        cs_put_i64(e, x->transport);
        cs_put_f64(e, x->size_mb);
        cs_put_f64(e, x->time_ms);
    }
    const int64_t *counts = (const int64_t *)&c->counts;
    for (size_t k = 0; k < sizeof c->counts / sizeof(int64_t); k++) cs_put_i64(e, counts[k]);
}

void cs_comm_rank_decode(cs_decoder *d, cs_comm_rank *c)
{
    int64_t n = cs_get_i64(d);
    for (int64_t i = 0; i < n && !d->failed; i++) {
        cs_comm_group g;
        g.name = cs_get_str_or_empty(d);
        g.hash = (uint64_t)cs_get_i64(d);
        CS_VEC_PUSH(c->groups, g);
    }
    n = cs_get_i64(d);
    for (int64_t i = 0; i < n && !d->failed; i++) {
        cs_comm_op o;
        o.name = cs_get_str_or_empty(d);
        o.group = (uint32_t)cs_get_i64(d);
        o.has_step_id = cs_get_i64(d) != 0;
        o.step_id = cs_get_i64(d);
        o.p2p = cs_get_i64(d) != 0;
        double *dst[] = {&o.start_us, &o.elapse_ms, &o.transit_ms, &o.wait_ms, &o.sync_ms, &o.idle_ms,
                         &o.wait_ratio, &o.sync_ratio};
        for (size_t k = 0; k < sizeof dst / sizeof *dst; k++) *dst[k] = cs_get_f64(d);
        o.band_first = (uint32_t)cs_get_i64(d);
        o.nbands = (uint32_t)cs_get_i64(d);
        o.link_first = o.nlinks = 0;
        CS_VEC_PUSH(c->ops, o);
    }
    n = cs_get_i64(d);
    for (int64_t i = 0; i < n && !d->failed; i++) {
        cs_comm_band b;
        b.type = (uint8_t)cs_get_i64(d);
        b.packet_first = (uint32_t)cs_get_i64(d);
        b.npackets = (uint32_t)cs_get_i64(d);
        b.size_mb = cs_get_f64(d);
        b.time_ms = cs_get_f64(d);
        b.bandwidth = cs_get_f64(d);
        b.large_packet_ratio = cs_get_f64(d);
        CS_VEC_PUSH(c->bands, b);
    }
    n = cs_get_i64(d);
    for (int64_t i = 0; i < n && !d->failed; i++) {
        cs_comm_packet p;
        p.size_mb = cs_get_f64(d);
        p.count = cs_get_i64(d);
        p.total_ms = cs_get_f64(d);
        CS_VEC_PUSH(c->packets, p);
    }
    n = cs_get_i64(d);
    for (int64_t i = 0; i < n && !d->failed; i++) {
        cs_comm_rep x;
        x.key_op = (uint32_t)cs_get_i64(d);
        x.op = (uint32_t)cs_get_i64(d);
        x.src = (uint32_t)cs_get_i64(d);
        x.dst = (uint32_t)cs_get_i64(d);
        x.kind = (uint8_t)cs_get_i64(d);
        x.transport = (uint8_t)cs_get_i64(d);
        x.size_mb = cs_get_f64(d);
        x.time_ms = cs_get_f64(d);
        CS_VEC_PUSH(c->reps, x);
    }
    int64_t *counts = (int64_t *)&c->counts;
    for (size_t k = 0; k < sizeof c->counts / sizeof(int64_t); k++) counts[k] = cs_get_i64(d);
}

int cs_rank_result_decode(cs_decoder *d, cs_rank_result *r)
{
    memset(r, 0, sizeof *r);
    r->rank = cs_get_i64(d);
    r->path = cs_get_str_or_empty(d);
    r->analysed = cs_get_i64(d) != 0;
    r->overlap_done = cs_get_i64(d) != 0;
    int64_t n = cs_get_i64(d);
    for (int64_t i = 0; i < n && !d->failed; i++) {
        cs_overlap_row o;
        o.device = cs_get_i64(d);
        o.has_step_id = cs_get_i64(d) != 0;
        o.step_id = cs_get_i64(d);
        for (int k = 0; k < CS_OV_NVALUES; k++) o.v[k] = cs_get_i64(d);
        CS_VEC_PUSH(r->overlap, o);
    }
    n = cs_get_i64(d);
    for (int64_t i = 0; i < n && !d->failed; i++) {
        cs_group_use g;
        g.name = cs_get_str_or_empty(d);
        g.p2p = cs_get_i64(d) != 0;
        CS_VEC_PUSH(r->groups, g);
    }
    r->parallel_group_info = cs_get_str(d);
    r->distributed_args = cs_get_str(d);
    r->host_uid = cs_get_str(d);
    r->host_name = cs_get_str(d);
    n = cs_get_i64(d);
    for (int64_t i = 0; i < n && !d->failed; i++) {
        cs_device_map_row m;
        m.rank_id = cs_get_i64(d);
        m.device_id = cs_get_i64(d);
        CS_VEC_PUSH(r->device_map, m);
    }
    r->module_read = cs_get_i64(d) != 0;
    r->module_ranges = cs_get_i64(d) != 0;
    r->module_no_step = cs_get_i64(d) != 0;
    r->module_skip_reason = cs_get_str(d);
    n = cs_get_i64(d);
    for (int64_t i = 0; i < n && !d->failed; i++) {
        cs_module_row m;
        m.parent = cs_get_str_or_empty(d);
        m.module = cs_get_str_or_empty(d);
        m.op_name = cs_get_str_or_empty(d);
        m.kernel_list = cs_get_str_or_empty(d);
        m.total_ns = cs_get_f64(d);
        m.avg_ns = cs_get_f64(d);
        m.op_count = cs_get_i64(d);
        CS_VEC_PUSH(r->modules, m);
    }
    r->comm_done = cs_get_i64(d) != 0;
    if (r->comm_done) cs_comm_rank_decode(d, &r->comm);
    r->wait_done = cs_get_i64(d) != 0;
    if (r->wait_done && cs_wait_set_decode(d, &r->wait)) d->failed = true;
    r->stat_no_step = cs_get_i64(d) != 0;
    r->stat_done = cs_get_i64(d) != 0;
    if (r->stat_done) cs_op_durs_decode(d, &r->stat_ops);
    decode_report(d, &r->report);
    return d->failed ? -1 : 0;
}
