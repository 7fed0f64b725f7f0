/*
** comm_json_store.c — the records behind cluster_communication.json
** (comm_json.h prints it).  The file nests op, then rank, inside each (rank
** set, step) block, so a block needs every member rank's records of that
** step at once.  Each rank's records are encoded step by step (the MPI
** codec) into a spool as the rank arrives; cs_comm_json_blocks() decodes
** one block's worth at a time, builds its per-op entries and "Total Op
** Info" totals as the reference computes them, hands the block over and
** frees it.
*/
#include "comm_sum_int.h"

#include <inttypes.h>

#include "codec.h"
#include "rank_result.h"

typedef struct json_rank_parts {
    int64_t rank;
    json_parts parts;           /* by step, ascending */
} json_rank_parts;

/* A (set, step, group) block of cluster_communication_matrix.json's links. */
typedef struct link_block {
    cs_comm_step step;
    uint64_t at, size;
    size_t n;
} link_block;

typedef CS_VEC(link_block) link_blocks;

/* The JSON records kept for cluster_communication.json: every rank's
** records, one encoded part per step, and the set of each (group, kind);
** and the matrix file's links, per set in file order. */
struct cs_comm_json_store {
    cs_spool *spool;
    CS_VEC(link_blocks) link_sets;  /* by set index */
    CS_VEC(json_rank_parts) ranks;  /* ascending */
    uint32_t *set_of;           /* per cluster group × 2 (collective, p2p): set, UINT32_MAX if none */
    size_t ngroups;
};

static uint32_t store_set_of(const cs_comm_json_store *st, uint32_t group, bool p2p)
{
    return group < st->ngroups ? st->set_of[2 * (size_t)group + (p2p ? 1 : 0)] : UINT32_MAX;
}

/* The ops of one step (indices ascending) as records of their own: every
** group of the rank (indices unchanged), the ops' bands and packets. */
static void step_records(const cs_comm_rank *rec, const uint32_t *ops, size_t n, cs_comm_rank *out)
{
    memset(out, 0, sizeof *out);
    out->groups = rec->groups;      /* borrowed: the caller does not free them */
    for (size_t k = 0; k < n; k++) {
        cs_comm_op op = rec->ops.items[ops[k]];
        op.band_first = (uint32_t)out->bands.len;
        for (uint32_t b = 0; b < op.nbands; b++) {
            cs_comm_band band = rec->bands.items[rec->ops.items[ops[k]].band_first + b];
            uint32_t first = band.packet_first;
            band.packet_first = (uint32_t)out->packets.len;
            for (uint32_t p = 0; p < band.npackets; p++) CS_VEC_PUSH(out->packets, rec->packets.items[first + p]);
            CS_VEC_PUSH(out->bands, band);
        }
        op.link_first = op.nlinks = 0;
        CS_VEC_PUSH(out->ops, op);
    }
}

typedef struct step_op {
    cs_comm_step step;
    uint32_t op;
} step_op;

static int cmp_step_op(const void *a, const void *b)
{
    const step_op *x = a, *y = b;
    int s = cs_comm_step_cmp(x->step, y->step);
    if (s) return s;
    CMP(x->op, y->op);
    return 0;
}

/* The rank's records, one encoded part per step (ascending). */
int cs_comm_json_park(cs_spool *spool, const cs_comm_rank *rec, json_parts *parts, cs_err *err)
{
    size_t n = rec->ops.len;
    step_op *v = cs_xmalloc((n ? n : 1) * sizeof *v);
    for (size_t o = 0; o < n; o++) v[o] = (step_op){cs_comm_op_step(&rec->ops.items[o]), (uint32_t)o};
    cs_comm_sort(v, n, sizeof *v, cmp_step_op);
    uint32_t *ops = cs_xmalloc((n ? n : 1) * sizeof *ops);
    int rc = 0;
    for (size_t i = 0, j; i < n && rc == 0; i = j) {
        for (j = i; j < n && cs_comm_step_cmp(v[j].step, v[i].step) == 0; j++) ops[j - i] = v[j].op;
        cs_comm_rank part;
        step_records(rec, ops, j - i, &part);
        cs_encoder e = {0};
        cs_comm_rank_encode(&part, &e);
        json_part jp = {v[i].step, 0, e.len};
        rc = cs_spool_write(spool, e.buf, e.len, &jp.at, err);
        if (rc == 0) CS_VEC_PUSH(*parts, jp);
        free(e.buf);
        free(part.ops.items);
        free(part.bands.items);
        free(part.packets.items);
    }
    free(ops);
    free(v);
    return rc;
}

cs_comm_json_store *cs_comm_json_store_new(cs_spool *spool, const uint32_t *set_of, size_t ngroups)
{
    cs_comm_json_store *st = cs_xcalloc(1, sizeof *st);
    st->spool = spool;
    st->ngroups = ngroups;
    st->set_of = cs_xmalloc(2 * (ngroups ? ngroups : 1) * sizeof *st->set_of);
    if (ngroups) memcpy(st->set_of, set_of, 2 * ngroups * sizeof *st->set_of);
    return st;
}

void cs_comm_json_store_add(cs_comm_json_store *st, int64_t rank, json_parts *parts)
{
    json_rank_parts rp = {rank, *parts};
    memset(parts, 0, sizeof *parts);
    CS_VEC_PUSH(st->ranks, rp);
}

/* "Total Op Info" of one (step, group) run of a rank, over its ops of one set:
** plain sums in op order (the reference adds with Python's +=). */
static void json_total(const cs_comm_json_store *st, const rank_in *r, const op_ref *run, size_t n, uint32_t set,
                       cs_comm_json_block *b)
{
    cs_comm_json_total tot = {.set = set, .step = run[0].step, .group = run[0].group, .rank = r->rank};
    CS_VEC(cs_comm_packet) dist[CS_BAND_COUNT] = {{0}};
    for (size_t k = 0; k < n; k++) {
        const cs_comm_op *op = &r->rec->ops.items[run[k].op];
        if (store_set_of(st, run[k].group, op->p2p) != set) continue;
        tot.elapse_ms += op->elapse_ms;
        tot.transit_ms += op->transit_ms;
        tot.wait_ms += op->wait_ms;
        tot.sync_ms += op->sync_ms;
        tot.idle_ms += op->idle_ms;
        for (int type = 0; type < CS_BAND_COUNT; type++) {
            const cs_comm_band *bd = cs_comm_op_band(r->rec, op, type);
            if (!bd) continue;
            tot.band[type].size_mb += bd->size_mb;
            tot.band[type].time_ms += bd->time_ms;
            for (uint32_t p = 0; p < bd->npackets; p++) {
                const cs_comm_packet *pk = &r->rec->packets.items[bd->packet_first + p];
                size_t i = 0;
                while (i < dist[type].len && dist[type].items[i].size_mb != pk->size_mb) i++;
                if (i == dist[type].len) {
                    cs_comm_packet z = {pk->size_mb, 0, 0};
                    CS_VEC_PUSH(dist[type], z);
                }
                dist[type].items[i].count += pk->count;
                dist[type].items[i].total_ms += pk->total_ms;
            }
        }
    }
    tot.wait_ratio = cs_compute_ratio(tot.wait_ms, tot.wait_ms + tot.transit_ms);
    tot.sync_ratio = cs_compute_ratio(tot.sync_ms, tot.sync_ms + tot.transit_ms);
    for (int type = 0; type < CS_BAND_COUNT; type++) {
        cs_comm_json_band *bd = &tot.band[type];
        bd->bandwidth = cs_compute_ratio(bd->size_mb, bd->time_ms);
        bd->packet_first = (uint32_t)b->packets.len;
        bd->npackets = (uint32_t)dist[type].len;
        for (size_t i = 0; i < dist[type].len; i++) CS_VEC_PUSH(b->packets, dist[type].items[i]);
        free(dist[type].items);
    }
    CS_VEC_PUSH(b->totals, tot);
}

/* One rank's entries of block b (its records of b's step): its ops of b's
** set, and a total for every (step, group) run that has some.  Returns
** whether it had any. */
static bool json_rank(const cs_comm_sum *s, int64_t rank, const cs_comm_rank *rec, cs_comm_json_block *b)
{
    const cs_comm_json_store *st = s->json_store;
    rank_in r = {rank, rec, cs_comm_map_groups(rec, s->groups.items, s->groups.len)};
    size_t n = rec->ops.len, first = b->ops.len;
    for (size_t o = 0; o < n; o++) {
        const cs_comm_op *op = &rec->ops.items[o];
        if (store_set_of(st, r.group[op->group], op->p2p) != b->set) continue;
        cs_comm_json_op j = {b->set, rank, rec, (uint32_t)o};
        CS_VEC_PUSH(b->ops, j);
    }
    if (b->ops.len > first) {
        op_ref *refs = cs_comm_op_refs(&r);
        for (size_t a = 0; a < n;) {
            size_t e = cs_comm_run_end(refs, n, a);
            bool any = false;
            for (size_t k = a; k < e && !any; k++)
                any = store_set_of(st, refs[k].group, rec->ops.items[refs[k].op].p2p) == b->set;
            if (any) json_total(st, &r, refs + a, e - a, b->set, b);
            a = e;
        }
        free(refs);
    }
    free(r.group);
    return b->ops.len > first;
}

static int cmp_json_total(const void *a, const void *b)
{
    const cs_comm_json_total *x = a, *y = b;
    CMP(x->set, y->set);
    int s = cs_comm_step_cmp(x->step, y->step);
    if (s) return s;
    CMP(x->group, y->group);
    CMP(x->rank, y->rank);
    return 0;
}

void cs_comm_json_store_free(cs_comm_json_store *st)
{
    if (!st) return;
    for (size_t i = 0; i < st->link_sets.len; i++) free(st->link_sets.items[i].items);
    free(st->link_sets.items);
    for (size_t i = 0; i < st->ranks.len; i++) free(st->ranks.items[i].parts.items);
    free(st->ranks.items);
    free(st->set_of);
    cs_spool_close(st->spool);
    free(st);
}

static void json_block_free(cs_comm_json_block *b)
{
    for (size_t i = 0; i < b->records.len; i++) {
        cs_comm_rank_free(b->records.items[i]);
        free(b->records.items[i]);
    }
    free(b->records.items);
    free(b->ops.items);
    free(b->totals.items);
    free(b->packets.items);
    memset(b, 0, sizeof *b);
}

static const json_rank_parts *parts_of(const cs_comm_json_store *st, int64_t rank)
{
    size_t lo = 0, hi = st->ranks.len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (st->ranks.items[mid].rank < rank) lo = mid + 1;
        else hi = mid;
    }
    return lo < st->ranks.len && st->ranks.items[lo].rank == rank ? &st->ranks.items[lo] : NULL;
}

/* A rank's records of one step back from the spool (NULL: none that step). */
static int read_part(const cs_comm_json_store *st, const json_rank_parts *rp, cs_comm_step step,
                     cs_comm_rank **out, cs_err *err)
{
    *out = NULL;
    if (!rp) return 0;
    size_t lo = 0, hi = rp->parts.len;     /* parts ascend by step */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cs_comm_step_cmp(rp->parts.items[mid].step, step) < 0) lo = mid + 1;
        else hi = mid;
    }
    if (lo == rp->parts.len || cs_comm_step_cmp(rp->parts.items[lo].step, step) != 0) return 0;
    const json_part *jp = &rp->parts.items[lo];
    unsigned char *buf = cs_xmalloc(jp->size ? jp->size : 1);
    int rc = cs_spool_read(st->spool, jp->at, buf, jp->size, err);
    cs_comm_rank *rec = cs_xcalloc(1, sizeof *rec);
    if (rc == 0) {
        cs_decoder d = {buf, jp->size, 0, false};
        cs_comm_rank_decode(&d, rec);
        if (d.failed || d.pos != jp->size || !cs_comm_records_valid(rec))
            rc = cs_fail(err, "communication: the JSON records of rank %" PRId64 " read back damaged", rp->rank);
    }
    free(buf);
    if (rc) {
        cs_comm_rank_free(rec);
        free(rec);
        return -1;
    }
    *out = rec;
    return 0;
}

static int cmp_step_value(const void *a, const void *b)
{
    return cs_comm_step_cmp(*(const cs_comm_step *)a, *(const cs_comm_step *)b);
}

/* The steps any member of a set has records of, ascending. */
static size_t set_steps(const cs_comm_json_store *st, const cs_comm_rank_set *set, cs_comm_step **out)
{
    CS_VEC(cs_comm_step) v = {0};
    for (size_t i = 0; i < set->nranks; i++) {
        const json_rank_parts *rp = parts_of(st, set->ranks[i]);
        for (size_t k = 0; rp && k < rp->parts.len; k++) CS_VEC_PUSH(v, rp->parts.items[k].step);
    }
    cs_comm_sort(v.items, v.len, sizeof *v.items, cmp_step_value);
    size_t u = 0;
    for (size_t i = 0; i < v.len; i++)
        if (!u || cs_comm_step_cmp(v.items[u - 1], v.items[i]) != 0) v.items[u++] = v.items[i];
    *out = v.items;
    return u;
}

/* Block (set, step): the members' records of the step, their entries. */
static int build_block(const cs_comm_sum *s, uint32_t set, cs_comm_step step, cs_comm_json_block *b, cs_err *err)
{
    const cs_comm_json_store *st = s->json_store;
    const cs_comm_rank_set *rs = &s->sets.items[set];
    memset(b, 0, sizeof *b);
    b->set = set;
    b->step = step;
    for (size_t i = 0; i < rs->nranks; i++) {
        cs_comm_rank *rec;
        if (read_part(st, parts_of(st, rs->ranks[i]), step, &rec, err)) return -1;
        if (!rec) continue;
        if (json_rank(s, rs->ranks[i], rec, b)) {
            CS_VEC_PUSH(b->records, rec);
        } else {
            cs_comm_rank_free(rec);
            free(rec);
        }
    }
    cs_comm_sort(b->totals.items, b->totals.len, sizeof *b->totals.items, cmp_json_total);
    return 0;
}

int cs_comm_json_blocks(const cs_comm_sum *s, int (*visit)(void *arg, const cs_comm_json_block *b), void *arg,
                        cs_err *err)
{
    if (!s->json_store) return 0;
    int rc = 0;
    for (uint32_t set = 0; set < s->sets.len && rc == 0; set++) {
        cs_comm_step *steps;
        size_t nsteps = set_steps(s->json_store, &s->sets.items[set], &steps);
        for (size_t k = 0; k < nsteps && rc == 0; k++) {
            cs_comm_json_block b;
            rc = build_block(s, set, steps[k], &b, err);
            if (rc == 0 && b.ops.len && visit(arg, &b) != 0)
                rc = cs_fail(err, "communication: the JSON blocks' visitor stopped");
            json_block_free(&b);
        }
        free(steps);
    }
    return rc;
}


/* ------------------------------------------------------------------------
** cluster_communication_matrix.json's links.
*/

static void put_link(cs_encoder *e, const cs_comm_json_link *l)
{
    cs_put_i64(e, l->step.has_id);
    cs_put_i64(e, l->step.id);
    cs_put_str(e, l->hccl_op_name);
    cs_put_i64(e, l->group);
    cs_put_i64(e, l->src);
    cs_put_i64(e, l->dst);
    cs_put_i64(e, l->transport);
    cs_put_str(e, l->op_name);
    cs_put_f64(e, l->size_mb);
    cs_put_f64(e, l->time_ms);
    cs_put_f64(e, l->bandwidth);
}

/* The strings are newly allocated (free_links). */
static void get_link(cs_decoder *d, uint32_t set, cs_comm_json_link *l)
{
    l->set = set;
    l->step.has_id = cs_get_i64(d) != 0;
    l->step.id = cs_get_i64(d);
    l->hccl_op_name = cs_get_str(d);
    l->group = (uint32_t)cs_get_i64(d);
    l->src = cs_get_i64(d);
    l->dst = cs_get_i64(d);
    l->transport = (uint8_t)cs_get_i64(d);
    l->op_name = cs_get_str_or_empty(d);
    l->size_mb = cs_get_f64(d);
    l->time_ms = cs_get_f64(d);
    l->bandwidth = cs_get_f64(d);
}

int cs_comm_json_store_links(cs_comm_json_store *st, uint32_t set, cs_comm_step step, const cs_comm_json_link *l,
                             size_t n, cs_err *err)
{
    while (st->link_sets.len <= set) {
        link_blocks none = {0};
        CS_VEC_PUSH(st->link_sets, none);
    }
    cs_encoder e = {0};
    for (size_t i = 0; i < n; i++) put_link(&e, &l[i]);
    link_block b = {step, 0, e.len, n};
    int rc = st->spool ? cs_spool_write(st->spool, e.buf, e.len, &b.at, err)
                       : cs_fail(err, "communication: no spool for the JSON links");
    if (rc == 0) CS_VEC_PUSH(st->link_sets.items[set], b);
    free(e.buf);
    return rc;
}

typedef CS_VEC(cs_comm_json_link) link_vec;

static void free_links(link_vec *v)
{
    for (size_t i = 0; i < v->len; i++) {
        free((char *)v->items[i].hccl_op_name);
        free((char *)v->items[i].op_name);
    }
    v->len = 0;
}

/* Appends block b of set `set` to v. */
static int read_links(const cs_comm_json_store *st, uint32_t set, const link_block *b, link_vec *v, cs_err *err)
{
    unsigned char *buf = cs_xmalloc(b->size ? b->size : 1);
    int rc = cs_spool_read(st->spool, b->at, buf, b->size, err);
    cs_decoder d = {buf, b->size, 0, false};
    for (size_t i = 0; rc == 0 && i < b->n; i++) {
        cs_comm_json_link l;
        get_link(&d, set, &l);
        CS_VEC_PUSH(*v, l);
    }
    if (rc == 0 && (d.failed || d.pos != b->size))
        rc = cs_fail(err, "communication: the matrix JSON links read back damaged");
    free(buf);
    return rc;
}

int cs_comm_json_link_blocks(const cs_comm_sum *s,
                             int (*visit)(void *arg, uint32_t set, cs_comm_step step, const cs_comm_json_link *l,
                                          size_t n),
                             void *arg, cs_err *err)
{
    const cs_comm_json_store *st = s->json_store;
    if (!st) return 0;
    link_vec v = {0};
    int rc = 0;
    for (uint32_t set = 0; set < st->link_sets.len && set < s->sets.len && rc == 0; set++) {
        const link_blocks *bl = &st->link_sets.items[set];
        for (size_t i = 0, j; i < bl->len && rc == 0; i = j) {
            /* one (set, step): its groups' blocks, which follow each other */
            for (j = i; j < bl->len && cs_comm_step_cmp(bl->items[j].step, bl->items[i].step) == 0; j++)
                if (rc == 0) rc = read_links(st, set, &bl->items[j], &v, err);
            if (rc == 0 && v.len && visit(arg, set, bl->items[i].step, v.items, v.len) != 0)
                rc = cs_fail(err, "communication: the matrix JSON blocks' visitor stopped");
            free_links(&v);
        }
    }
    free(v.items);
    return rc;
}
