/*
** comm_sum.c — the cluster communication tables from every rank's per-op
** records.  Reference code read for the details (msprof-analyze 8399c1cd):
** recipes/communication_time_sum (time and bandwidth totals),
** recipes/communication_matrix_sum (matrix group-by, rank mapping, totals),
** analysis/communication_analysis.py and comm_matrix_analysis.py (the JSON
** files), and torch_npu's CommunicationParser.integrate_matrix_data (the
** per-rank representatives top1/middle/bottom1..3/total).
**
** Sums follow the tool that makes them in the reference: pandas groupby
** sums are Kahan-compensated (ksum), numpy's DataFrame.sum is pairwise
** (np_sum), Python's += and sum() are plain left-to-right additions.
*/
#include "comm_sum.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>

#include "hccl_names.h"

#define CMP(a, b) do { if ((a) != (b)) return (a) < (b) ? -1 : 1; } while (0)

static void sort_items(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
    if (n > 1) qsort(base, n, size, cmp);
}

/* ------------------------------------------------------------------------
** Sums.
*/

/* pandas' cython group_sum: Kahan-compensated, rows in frame order. */
typedef struct ksum {
    double sum, comp;
} ksum;

static void kadd(ksum *k, double v)
{
    double y = v - k->comp;
    double t = k->sum + y;
    k->comp = t - k->sum - y;
    k->sum = t;
}

/* numpy's pairwise summation (add.reduce of a contiguous float64 column,
** which is what DataFrame.sum runs): blocks of 8 accumulators up to 128
** values, halves above. */
static double pairwise(const double *a, size_t n)
{
    if (n < 8) {
        double r = 0.0;
        for (size_t i = 0; i < n; i++) r += a[i];
        return r;
    }
    if (n <= 128) {
        double r[8];
        size_t i;
        for (i = 0; i < 8; i++) r[i] = a[i];
        for (i = 8; i < n - n % 8; i += 8)
            for (size_t j = 0; j < 8; j++) r[j] += a[i + j];
        double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for (; i < n; i++) res += a[i];
        return res;
    }
    size_t half = n / 2;
    half -= half % 8;
    return pairwise(a, half) + pairwise(a + half, n - half);
}

static double np_sum(const double *a, size_t n)
{
    return 0.0 + pairwise(a, n);
}

/* x / y as pandas computes (x / y.replace(0, nan)).fillna(0).round(4). */
static double pandas_ratio(double x, double y)
{
    return y == 0.0 ? 0.0 : cs_np_round4(x / y);
}

/* ------------------------------------------------------------------------
** Working state.
*/

typedef struct rank_in {
    int64_t rank;
    const cs_comm_rank *rec;
    uint32_t *group;            /* rec->groups index -> cluster group index */
} rank_in;

/* local -> global rank map of one group */
typedef struct rank_pair {
    int64_t local, global;
} rank_pair;

typedef CS_VEC(rank_pair) pair_vec;

typedef struct group_map {
    const cs_parallel_group *meta;  /* parallel_group_info entry, or NULL */
    pair_vec self;                  /* self-link rule, first claim kept */
    pair_vec conflicts;             /* later claims by other ranks */
} group_map;

static const rank_pair *find_pair(const pair_vec *v, int64_t local)
{
    for (size_t i = 0; i < v->len; i++)
        if (v->items[i].local == local) return &v->items[i];
    return NULL;
}

static bool find_claim(const pair_vec *v, rank_pair claim)
{
    for (size_t i = 0; i < v->len; i++)
        if (v->items[i].local == claim.local && v->items[i].global == claim.global) return true;
    return false;
}

typedef struct ctx {
    rank_in *r;
    size_t nr;
    group_map *map;             /* per cluster group */
    uint32_t *set_of;           /* per cluster group × 2 (collective, p2p): JSON set, UINT32_MAX if none */
    CS_VEC(char *) types;       /* matrix op types, interned */
    cs_comm_sum *out;
} ctx;

static int step_cmp(cs_comm_step a, cs_comm_step b)
{
    /* CAST(substr(step, 5) AS INTEGER): "step" reads as 0; it goes first. */
    int64_t x = a.has_id ? a.id : 0, y = b.has_id ? b.id : 0;
    CMP(x, y);
    CMP(a.has_id, b.has_id);
    return 0;
}

static cs_comm_step op_step(const cs_comm_op *op)
{
    cs_comm_step s = {op->has_step_id, op->has_step_id ? op->step_id : 0};
    return s;
}

/* ------------------------------------------------------------------------
** Ranks and groups.
*/

static int cmp_rank_in(const void *a, const void *b)
{
    const rank_in *x = a, *y = b;
    CMP(x->rank, y->rank);
    return 0;
}

typedef struct group_key {
    char text[24];
    uint64_t hash;
    const char *name;
} group_key;

static int cmp_group_key(const void *a, const void *b)
{
    const group_key *x = a, *y = b;
    int s = strcmp(x->text, y->text);
    return s ? s : strcmp(x->name, y->name);    /* a hash collision: the smaller name names it */
}

/* The cluster's groups, sorted by the text of their hash (the ORDER BY of
** group_name), and each rank's local -> cluster index. */
static void build_groups(ctx *c)
{
    CS_VEC(group_key) keys = {0};
    for (size_t i = 0; i < c->nr; i++) {
        const cs_comm_rank *rec = c->r[i].rec;
        for (size_t g = 0; g < rec->groups.len; g++) {
            group_key k = {{0}, rec->groups.items[g].hash, rec->groups.items[g].name};
            snprintf(k.text, sizeof k.text, "%" PRIu64, k.hash);
            CS_VEC_PUSH(keys, k);
        }
    }
    sort_items(keys.items, keys.len, sizeof *keys.items, cmp_group_key);
    cs_comm_sum *out = c->out;
    for (size_t i = 0; i < keys.len; i++) {
        if (out->groups.len && out->groups.items[out->groups.len - 1].hash == keys.items[i].hash) continue;
        cs_comm_group g = {cs_xstrdup(keys.items[i].name), keys.items[i].hash};
        CS_VEC_PUSH(out->groups, g);
    }
    free(keys.items);
    for (size_t i = 0; i < c->nr; i++) {
        const cs_comm_rank *rec = c->r[i].rec;
        c->r[i].group = cs_xmalloc((rec->groups.len ? rec->groups.len : 1) * sizeof(uint32_t));
        for (size_t g = 0; g < rec->groups.len; g++) {
            size_t lo = 0, hi = out->groups.len;
            while (lo < hi) {   /* binary search by hash text */
                size_t mid = lo + (hi - lo) / 2;
                char a[24], b[24];
                snprintf(a, sizeof a, "%" PRIu64, out->groups.items[mid].hash);
                snprintf(b, sizeof b, "%" PRIu64, rec->groups.items[g].hash);
                if (strcmp(a, b) < 0) lo = mid + 1;
                else hi = mid;
            }
            c->r[i].group[g] = (uint32_t)lo;
        }
    }
}

/* ------------------------------------------------------------------------
** Local -> global ranks (analyses.md §2.d.2 with the fix of §8.6 item 6).
*/

static const cs_parallel_group *find_meta(const cs_parallel_group *info, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (info[i].group_id && strcmp(info[i].group_id, name) == 0 && info[i].nglobal_ranks) return &info[i];
    return NULL;
}

static void build_rank_map(ctx *c, const cs_parallel_group *info, size_t ninfo)
{
    size_t ng = c->out->groups.len;
    c->map = cs_xcalloc(ng ? ng : 1, sizeof *c->map);
    for (size_t g = 0; g < ng; g++) {
        c->map[g].meta = find_meta(info, ninfo, c->out->groups.items[g].name);
        if (c->map[g].meta) c->out->counts.groups_by_metadata++;
    }
    /* Self links, ranks ascending: the first rank to claim a local rank keeps it. */
    for (size_t i = 0; i < c->nr; i++) {
        const cs_comm_rank *rec = c->r[i].rec;
        for (size_t o = 0; o < rec->ops.len; o++) {
            const cs_comm_op *op = &rec->ops.items[o];
            group_map *m = &c->map[c->r[i].group[op->group]];
            if (m->meta) continue;
            for (uint32_t k = 0; k < op->nlinks; k++) {
                const cs_comm_link *l = &rec->links.items[op->link_first + k];
                if (l->src != l->dst) continue;
                const rank_pair *p = find_pair(&m->self, l->src);
                rank_pair claim = {l->src, c->r[i].rank};
                if (!p) CS_VEC_PUSH(m->self, claim);
                else if (p->global != claim.global && !find_claim(&m->conflicts, claim)) {
                    CS_VEC_PUSH(m->conflicts, claim);   /* warned once per (group, local, rank) */
                    c->out->counts.rank_conflicts++;
                }
            }
        }
    }
    for (size_t g = 0; g < ng; g++)
        if (!c->map[g].meta && c->map[g].self.len) c->out->counts.groups_by_self_links++;
}

static bool map_rank(const ctx *c, uint32_t group, int64_t local, int64_t *global)
{
    const group_map *m = &c->map[group];
    if (m->meta) {
        if (local < 0 || (uint64_t)local >= m->meta->nglobal_ranks) return false;
        *global = m->meta->global_ranks[local];
        return true;
    }
    const rank_pair *p = find_pair(&m->self, local);
    if (p) *global = p->global;
    return p != NULL;
}

static void note_unmapped(ctx *c, uint32_t group, int64_t local)
{
    cs_comm_unmapped u = {group, local};
    CS_VEC_PUSH(c->out->unmapped, u);
}

static int cmp_unmapped(const void *a, const void *b)
{
    const cs_comm_unmapped *x = a, *y = b;
    CMP(x->group, y->group);
    CMP(x->local_rank, y->local_rank);
    return 0;
}

static void finish_unmapped(cs_comm_sum *out)
{
    sort_items(out->unmapped.items, out->unmapped.len, sizeof *out->unmapped.items, cmp_unmapped);
    size_t k = 0;
    for (size_t i = 0; i < out->unmapped.len; i++)
        if (!k || cmp_unmapped(&out->unmapped.items[k - 1], &out->unmapped.items[i]) != 0)
            out->unmapped.items[k++] = out->unmapped.items[i];
    out->unmapped.len = k;
}

/* ------------------------------------------------------------------------
** JSON rank sets: the ranks with a kept op of each (group, rule P1 kind).
*/

typedef struct set_ref {
    CS_VEC(int64_t) ranks;      /* ascending */
} set_ref;

static int cmp_rank_lists(const int64_t *a, size_t na, const int64_t *b, size_t nb)
{
    for (size_t i = 0; i < na && i < nb; i++) CMP(a[i], b[i]);
    CMP(na, nb);
    return 0;
}

static int cmp_set(const void *a, const void *b)
{
    const cs_comm_rank_set *x = a, *y = b;
    return cmp_rank_lists(x->ranks, x->nranks, y->ranks, y->nranks);
}

static void build_sets(ctx *c)
{
    size_t ng = c->out->groups.len;
    set_ref *refs = cs_xcalloc(2 * (ng ? ng : 1), sizeof *refs);
    for (size_t i = 0; i < c->nr; i++) {
        const cs_comm_rank *rec = c->r[i].rec;
        for (size_t o = 0; o < rec->ops.len; o++) {
            const cs_comm_op *op = &rec->ops.items[o];
            set_ref *s = &refs[2 * c->r[i].group[op->group] + op->p2p];
            if (!s->ranks.len || s->ranks.items[s->ranks.len - 1] != c->r[i].rank)
                CS_VEC_PUSH(s->ranks, c->r[i].rank);    /* ranks come ascending */
        }
    }
    cs_comm_sum *out = c->out;
    for (size_t k = 0; k < 2 * ng; k++) {
        if (!refs[k].ranks.len) continue;
        bool seen = false;
        for (size_t s = 0; s < out->sets.len && !seen; s++)
            seen = cmp_rank_lists(out->sets.items[s].ranks, out->sets.items[s].nranks,
                                  refs[k].ranks.items, refs[k].ranks.len) == 0;
        if (seen) continue;
        cs_comm_rank_set set = {cs_xmalloc(refs[k].ranks.len * sizeof(int64_t)), refs[k].ranks.len};
        memcpy(set.ranks, refs[k].ranks.items, set.nranks * sizeof(int64_t));
        CS_VEC_PUSH(out->sets, set);
    }
    sort_items(out->sets.items, out->sets.len, sizeof *out->sets.items, cmp_set);
    c->set_of = cs_xmalloc(2 * (ng ? ng : 1) * sizeof *c->set_of);
    for (size_t k = 0; k < 2 * ng; k++) {
        c->set_of[k] = UINT32_MAX;
        for (size_t s = 0; s < out->sets.len && refs[k].ranks.len; s++)
            if (cmp_rank_lists(out->sets.items[s].ranks, out->sets.items[s].nranks,
                               refs[k].ranks.items, refs[k].ranks.len) == 0)
                c->set_of[k] = (uint32_t)s;
        free(refs[k].ranks.items);
    }
    free(refs);
}

static uint32_t set_of(const ctx *c, uint32_t group, bool p2p)
{
    return c->set_of[2 * (size_t)group + (p2p ? 1 : 0)];
}

/* ------------------------------------------------------------------------
** ClusterCommunicationTime / ClusterCommunicationBandwidth and the JSON
** time entries, one rank at a time.  The rank's ops are visited by
** (step, group) runs in op order, the order of the reference's rows.
*/

typedef struct op_ref {
    cs_comm_step step;
    uint32_t group;
    uint32_t op;
} op_ref;

static int cmp_op_ref(const void *a, const void *b)
{
    const op_ref *x = a, *y = b;
    int s = step_cmp(x->step, y->step);
    if (s) return s;
    CMP(x->group, y->group);
    CMP(x->op, y->op);
    return 0;
}

static void op_rows(const rank_in *r, const cs_comm_op *op, uint32_t group, cs_comm_sum *out)
{
    cs_comm_time_row t = {op_step(op), r->rank, op->name, group, op->start_us,
                          op->elapse_ms, op->transit_ms, op->wait_ms, op->sync_ms, op->idle_ms,
                          pandas_ratio(op->sync_ms, op->transit_ms + op->sync_ms),
                          pandas_ratio(op->wait_ms, op->transit_ms + op->wait_ms)};
    CS_VEC_PUSH(out->time, t);
    for (uint32_t b = 0; b < op->nbands; b++) {
        const cs_comm_band *band = &r->rec->bands.items[op->band_first + b];
        cs_comm_bw_row row = {op_step(op), r->rank, op->name, group, band->type, op->start_us,
                              band->size_mb, band->time_ms, band->bandwidth,
                              band->large_packet_ratio, 0, 0, 0};
        if (!band->npackets) CS_VEC_PUSH(out->bandwidth, row);
        for (uint32_t p = 0; p < band->npackets; p++) {
            const cs_comm_packet *pk = &r->rec->packets.items[band->packet_first + p];
            row.package_size = pk->size_mb;
            row.count = pk->count;
            row.total_ms = pk->total_ms;
            CS_VEC_PUSH(out->bandwidth, row);
        }
    }
}

/* The op's band of a type, or NULL. */
static const cs_comm_band *op_band(const cs_comm_rank *rec, const cs_comm_op *op, int type)
{
    for (uint32_t b = 0; b < op->nbands; b++)
        if (rec->bands.items[op->band_first + b].type == type) return &rec->bands.items[op->band_first + b];
    return NULL;
}

/* Time totals of one (step, group) run: Kahan sums in op order. */
static void time_total(const rank_in *r, const op_ref *run, size_t n, cs_comm_sum *out)
{
    ksum e = {0}, t = {0}, w = {0}, s = {0}, i = {0};
    for (size_t k = 0; k < n; k++) {
        const cs_comm_op *op = &r->rec->ops.items[run[k].op];
        kadd(&e, op->elapse_ms);
        kadd(&t, op->transit_ms);
        kadd(&w, op->wait_ms);
        kadd(&s, op->sync_ms);
        kadd(&i, op->idle_ms);
    }
    cs_comm_time_row row = {run[0].step, r->rank, NULL, run[0].group, 0,
                            e.sum, t.sum, w.sum, s.sum, i.sum,
                            pandas_ratio(s.sum, t.sum + s.sum), pandas_ratio(w.sum, t.sum + w.sum)};
    CS_VEC_PUSH(out->time, row);
}

typedef struct name_ref {
    const char *name;
    size_t k;
} name_ref;

static int cmp_name_ref(const void *a, const void *b)
{
    const name_ref *x = a, *y = b;
    int s = strcmp(x->name, y->name);
    if (s) return s;
    CMP(x->k, y->k);
    return 0;
}

/* first[k]: run[k] is the first op of its name in the run (the
** reference's drop_duplicates on hccl_op_name). */
static void first_names(const rank_in *r, const op_ref *run, size_t n, bool *first)
{
    name_ref *v = cs_xmalloc(n * sizeof *v);
    for (size_t k = 0; k < n; k++) v[k] = (name_ref){r->rec->ops.items[run[k].op].name, k};
    sort_items(v, n, sizeof *v, cmp_name_ref);
    for (size_t k = 0; k < n; k++) first[v[k].k] = k == 0 || strcmp(v[k - 1].name, v[k].name) != 0;
    free(v);
}

typedef struct pkg_acc {
    double size;
    int64_t count;
    ksum total;
} pkg_acc;

typedef CS_VEC(pkg_acc) pkg_vec;

static void pkg_add(pkg_vec *v, double size, int64_t count, double total)
{
    for (size_t i = 0; i < v->len; i++) {
        if (v->items[i].size == size) {
            v->items[i].count += count;
            kadd(&v->items[i].total, total);
            return;
        }
    }
    pkg_acc a = {size, count, {0, 0}};
    kadd(&a.total, total);
    CS_VEC_PUSH(*v, a);
}

/* Bandwidth totals of one (step, group) run, per band type. */
static void bandwidth_total(const rank_in *r, const op_ref *run, size_t n, cs_comm_sum *out)
{
    bool *first = cs_xmalloc(n * sizeof *first);
    double *size = cs_xmalloc(n * sizeof *size), *time = cs_xmalloc(n * sizeof *time);
    pkg_vec pkgs = {0};
    first_names(r, run, n, first);
    for (int type = 0; type < CS_BAND_COUNT; type++) {
        size_t nd = 0;
        bool any = false;
        pkgs.len = 0;
        for (size_t k = 0; k < n; k++) {
            const cs_comm_band *b = op_band(r->rec, &r->rec->ops.items[run[k].op], type);
            if (!b) continue;
            any = true;
            if (first[k]) {
                size[nd] = b->size_mb;
                time[nd++] = b->time_ms;
            }
            if (!b->npackets) pkg_add(&pkgs, 0, 0, 0);
            for (uint32_t p = 0; p < b->npackets; p++) {
                const cs_comm_packet *pk = &r->rec->packets.items[b->packet_first + p];
                pkg_add(&pkgs, pk->size_mb, pk->count, pk->total_ms);
            }
        }
        if (!any) continue;
        double s = np_sum(size, nd), t = np_sum(time, nd);
        for (size_t p = 0; p < pkgs.len; p++) {
            cs_comm_bw_row row = {run[0].step, r->rank, NULL, run[0].group, (uint8_t)type, 0,
                                  s, t, pandas_ratio(s, t), 0,
                                  pkgs.items[p].size, pkgs.items[p].count, pkgs.items[p].total.sum};
            CS_VEC_PUSH(out->bandwidth, row);
        }
    }
    free(pkgs.items);
    free(first);
    free(size);
    free(time);
}

/* "Total Op Info@<group>" of cluster_communication.json for the ops of the
** run in one set: Python sums (+=) in op order. */
static void json_total(const ctx *c, const rank_in *r, const op_ref *run, size_t n, uint32_t set)
{
    cs_comm_sum *out = c->out;
    cs_comm_json_total tot = {.set = set, .step = run[0].step, .group = run[0].group, .rank = r->rank};
    CS_VEC(cs_comm_packet) dist[CS_BAND_COUNT] = {{0}};
    for (size_t k = 0; k < n; k++) {
        const cs_comm_op *op = &r->rec->ops.items[run[k].op];
        if (set_of(c, run[k].group, op->p2p) != set) continue;
        tot.elapse_ms += op->elapse_ms;
        tot.transit_ms += op->transit_ms;
        tot.wait_ms += op->wait_ms;
        tot.sync_ms += op->sync_ms;
        tot.idle_ms += op->idle_ms;
        for (int type = 0; type < CS_BAND_COUNT; type++) {
            const cs_comm_band *b = op_band(r->rec, op, type);
            if (!b) continue;
            tot.band[type].size_mb += b->size_mb;
            tot.band[type].time_ms += b->time_ms;
            for (uint32_t p = 0; p < b->npackets; p++) {
                const cs_comm_packet *pk = &r->rec->packets.items[b->packet_first + p];
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
        cs_comm_json_band *b = &tot.band[type];
        b->bandwidth = cs_compute_ratio(b->size_mb, b->time_ms);
        b->packet_first = (uint32_t)out->json_packets.len;
        b->npackets = (uint32_t)dist[type].len;
        for (size_t i = 0; i < dist[type].len; i++) CS_VEC_PUSH(out->json_packets, dist[type].items[i]);
        free(dist[type].items);
    }
    CS_VEC_PUSH(out->json_totals, tot);
}

static void rank_tables(ctx *c, const rank_in *r)
{
    const cs_comm_rank *rec = r->rec;
    size_t n = rec->ops.len;
    op_ref *refs = cs_xmalloc((n ? n : 1) * sizeof *refs);
    for (size_t o = 0; o < n; o++) {
        const cs_comm_op *op = &rec->ops.items[o];
        refs[o] = (op_ref){op_step(op), r->group[op->group], (uint32_t)o};
        op_rows(r, op, refs[o].group, c->out);
        cs_comm_json_op j = {set_of(c, refs[o].group, op->p2p), r->rank, rec, (uint32_t)o};
        CS_VEC_PUSH(c->out->json_ops, j);
    }
    sort_items(refs, n, sizeof *refs, cmp_op_ref);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && step_cmp(refs[j].step, refs[i].step) == 0 && refs[j].group == refs[i].group) j++;
        time_total(r, refs + i, j - i, c->out);
        bandwidth_total(r, refs + i, j - i, c->out);
        /* One JSON total per set used in the run: p2p and collective ops of
        ** a group share one when their rank sets are equal. */
        uint32_t sets[2] = {UINT32_MAX, UINT32_MAX};
        for (size_t k = i; k < j; k++) {
            uint32_t s = set_of(c, refs[k].group, rec->ops.items[refs[k].op].p2p);
            if (sets[0] == UINT32_MAX) sets[0] = s;
            else if (s != sets[0]) sets[1] = s;
        }
        for (int k = 0; k < 2; k++)
            if (sets[k] != UINT32_MAX) json_total(c, r, refs + i, j - i, sets[k]);
        i = j;
    }
    free(refs);
}

static int cmp_time_row(const void *a, const void *b)
{
    const cs_comm_time_row *x = a, *y = b;
    int s = step_cmp(x->step, y->step);
    if (s) return s;
    CMP(x->rank, y->rank);
    CMP(x->group, y->group);
    CMP(x->op_name == NULL, y->op_name == NULL);
    CMP(x->start_us, y->start_us);
    if (x->op_name && y->op_name) return strcmp(x->op_name, y->op_name);
    return 0;
}

static int cmp_bw_row(const void *a, const void *b)
{
    const cs_comm_bw_row *x = a, *y = b;
    int s = step_cmp(x->step, y->step);
    if (s) return s;
    CMP(x->rank, y->rank);
    CMP(x->group, y->group);
    CMP(x->op_name == NULL, y->op_name == NULL);
    CMP(x->start_us, y->start_us);
    if (x->op_name && y->op_name && (s = strcmp(x->op_name, y->op_name)) != 0) return s;
    CMP(x->band, y->band);
    CMP(x->package_size, y->package_size);
    return 0;
}

static int cmp_json_total(const void *a, const void *b)
{
    const cs_comm_json_total *x = a, *y = b;
    CMP(x->set, y->set);
    int s = step_cmp(x->step, y->step);
    if (s) return s;
    CMP(x->group, y->group);
    CMP(x->rank, y->rank);
    return 0;
}

/* ------------------------------------------------------------------------
** Matrix, step 1: each rank's representatives (torch_npu
** integrate_matrix_data), per step and rule-P1 section.
*/

enum { REP_TOP1, REP_MIDDLE, REP_BOTTOM1, REP_BOTTOM2, REP_BOTTOM3, REP_TOTAL, REP_COUNT };
static const char *const rep_suffix[REP_COUNT] = {"-top1", "-middle", "-bottom1",
                                                 "-bottom2", "-bottom3", "-total"};

/* A link of one op, with its integration key. */
typedef struct link_ref {
    cs_comm_step step;
    bool p2p;
    uint32_t type;              /* index into ctx.types */
    uint32_t group;
    uint32_t src, dst;          /* local ranks */
    uint32_t op;                /* op index: the order of the rank's records */
    uint32_t link;              /* index into rec->links */
} link_ref;

static int cmp_link_key(const link_ref *x, const link_ref *y)
{
    int s = step_cmp(x->step, y->step);
    if (s) return s;
    CMP(x->p2p, y->p2p);
    CMP(x->type, y->type);
    CMP(x->group, y->group);
    CMP(x->src, y->src);
    CMP(x->dst, y->dst);
    return 0;
}

static int cmp_link_ref(const void *a, const void *b)
{
    const link_ref *x = a, *y = b;
    int s = cmp_link_key(x, y);
    if (s) return s;
    CMP(x->op, y->op);
    return 0;
}

/* A representative row of one rank (a CommAnalyzerMatrix row). */
typedef struct rep_row {
    cs_comm_step step;
    bool p2p;
    uint32_t type;
    uint8_t rep;
    uint32_t group;
    uint32_t src, dst;
    int64_t rank;
    uint8_t transport;
    const char *op_name;
    double size, time;
} rep_row;

typedef CS_VEC(rep_row) rep_vec;

static uint32_t intern_type(ctx *c, const char *op_name)
{
    char *t = cs_comm_matrix_type(op_name);
    for (size_t i = 0; i < c->types.len; i++) {
        if (strcmp(c->types.items[i], t) == 0) {
            free(t);
            return (uint32_t)i;
        }
    }
    CS_VEC_PUSH(c->types, t);
    return (uint32_t)(c->types.len - 1);
}

/* One (step, section, type, group, link) of a rank: its link records in op
** order, sorted by bandwidth descending (Python's stable sort, reverse=True,
** keeps the op order among equal bandwidths). */
typedef struct link_rec {
    const cs_comm_link *l;
    const char *op_name;
    size_t pos;
} link_rec;

static int cmp_link_rec(const void *a, const void *b)
{
    const link_rec *x = a, *y = b;
    CMP(y->l->bandwidth, x->l->bandwidth);
    CMP(x->pos, y->pos);
    return 0;
}

static void push_rep(rep_vec *reps, const link_ref *key, int64_t rank, uint8_t rep,
                     uint8_t transport, const char *op_name, double size, double time)
{
    rep_row r = {key->step, key->p2p, key->type, rep, key->group, key->src, key->dst, rank,
                 transport, op_name, size, time};
    CS_VEC_PUSH(*reps, r);
}

static void integrate(const link_ref *run, size_t n, const rank_in *r, rep_vec *reps)
{
    link_rec *d = cs_xmalloc(n * sizeof *d);
    for (size_t k = 0; k < n; k++)
        d[k] = (link_rec){&r->rec->links.items[run[k].link], r->rec->ops.items[run[k].op].name, k};
    sort_items(d, n, sizeof *d, cmp_link_rec);
    const link_ref *key = &run[0];
    size_t pick[REP_TOTAL] = {0, n / 2, n - 1, n >= 2 ? n - 2 : 0, n >= 3 ? n - 3 : 0};
    for (int rep = REP_TOP1; rep < REP_TOTAL; rep++) {
        if ((rep == REP_BOTTOM2 && n < 2) || (rep == REP_BOTTOM3 && n < 3)) continue;
        const link_rec *x = &d[pick[rep]];
        push_rep(reps, key, r->rank, (uint8_t)rep, x->l->transport, x->op_name, x->l->size_mb, x->l->time_ms);
    }
    double size = 0, time = 0;      /* sum(...) over the sorted list */
    for (size_t k = 0; k < n; k++) {
        size += d[k].l->size_mb;
        time += d[k].l->time_ms;
    }
    push_rep(reps, key, r->rank, REP_TOTAL, d[0].l->transport, "", size, time);
    free(d);
}

static void rank_reps(ctx *c, const rank_in *r, rep_vec *reps)
{
    const cs_comm_rank *rec = r->rec;
    CS_VEC(link_ref) refs = {0};
    for (size_t o = 0; o < rec->ops.len; o++) {
        const cs_comm_op *op = &rec->ops.items[o];
        if (!op->nlinks) continue;
        uint32_t type = intern_type(c, op->name);
        for (uint32_t k = 0; k < op->nlinks; k++) {
            const cs_comm_link *l = &rec->links.items[op->link_first + k];
            link_ref x = {op_step(op), op->p2p, type, r->group[op->group], l->src, l->dst,
                          (uint32_t)o, op->link_first + k};
            CS_VEC_PUSH(refs, x);
        }
    }
    sort_items(refs.items, refs.len, sizeof *refs.items, cmp_link_ref);
    for (size_t i = 0; i < refs.len;) {
        size_t j = i;
        while (j < refs.len && cmp_link_key(&refs.items[i], &refs.items[j]) == 0) j++;
        integrate(refs.items + i, j - i, r, reps);
        i = j;
    }
    free(refs.items);
}

/* ------------------------------------------------------------------------
** Matrix, step 2: the cluster group-by (communication_matrix_sum) and the
** JSON merge (comm_matrix_analysis), which group the same keys.
*/

static int cmp_rep_key(const rep_row *x, const rep_row *y)
{
    CMP(x->p2p, y->p2p);
    int s = step_cmp(x->step, y->step);
    if (s) return s;
    CMP(x->type, y->type);
    CMP(x->rep, y->rep);
    CMP(x->group, y->group);
    CMP(x->src, y->src);
    CMP(x->dst, y->dst);
    return 0;
}

static int cmp_rep_row(const void *a, const void *b)
{
    const rep_row *x = a, *y = b;
    int s = cmp_rep_key(x, y);
    if (s) return s;
    CMP(x->rank, y->rank);
    return 0;
}

/* A merged link before the totals: DB and JSON views of the same key. */
typedef struct merged {
    size_t row;                 /* index in out->matrix (the DB row) */
    uint8_t transport_last;
    const char *op_name_last;
    double size_seq, time_seq;  /* Python += over the ranks */
} merged;

typedef CS_VEC(merged) merged_vec;

static void merge_reps(ctx *c, rep_row *reps, size_t n, merged_vec *mg)
{
    cs_comm_sum *out = c->out;
    sort_items(reps, n, sizeof *reps, cmp_rep_row);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        ksum size = {0}, time = {0};
        merged m = {0};
        for (; j < n && cmp_rep_key(&reps[i], &reps[j]) == 0; j++) {
            kadd(&size, reps[j].size);
            kadd(&time, reps[j].time);
            m.size_seq += reps[j].size;
            m.time_seq += reps[j].time;
            m.transport_last = reps[j].transport;
            m.op_name_last = reps[j].op_name;
        }
        const rep_row *f = &reps[i];
        int64_t src, dst;
        bool ok_src = map_rank(c, f->group, f->src, &src);
        bool ok_dst = map_rank(c, f->group, f->dst, &dst);
        if (!ok_src) note_unmapped(c, f->group, f->src);
        if (!ok_dst) note_unmapped(c, f->group, f->dst);
        if (ok_src && ok_dst) {
            cs_comm_matrix_row row = {f->step, NULL, f->group, f->p2p, src, dst, f->transport,
                                      f->op_name, size.sum, time.sum, 0};
            row.hccl_op_name = cs_xasprintf("%s%s", c->types.items[f->type], rep_suffix[f->rep]);
            row.bandwidth = time.sum != 0 ? size.sum / time.sum : 0.0;
            m.row = out->matrix.len;
            CS_VEC_PUSH(out->matrix, row);
            CS_VEC_PUSH(*mg, m);
        } else {
            out->counts.matrix_rows_dropped++;
        }
        i = j;
    }
}

static int cmp_matrix_row(const void *a, const void *b)
{
    const cs_comm_matrix_row *x = a, *y = b;
    int s = step_cmp(x->step, y->step);
    if (s) return s;
    CMP(x->group, y->group);
    bool xt = strcmp(x->hccl_op_name, "Total Op Info") == 0, yt = strcmp(y->hccl_op_name, "Total Op Info") == 0;
    CMP(xt, yt);
    if ((s = strcmp(x->hccl_op_name, y->hccl_op_name)) != 0) return s;
    CMP(x->src, y->src);
    CMP(x->dst, y->dst);
    CMP(x->p2p, y->p2p);
    return 0;
}

/* Sort the merged links into output order (rows and their JSON views). */
typedef struct merged_view {
    cs_comm_matrix_row row;
    merged m;
} merged_view;

static int cmp_merged_view(const void *a, const void *b)
{
    return cmp_matrix_row(&((const merged_view *)a)->row, &((const merged_view *)b)->row);
}

static void sort_merged(cs_comm_sum *out, merged *mg, size_t n)
{
    merged_view *v = cs_xmalloc((n ? n : 1) * sizeof *v);
    for (size_t i = 0; i < n; i++) v[i] = (merged_view){out->matrix.items[mg[i].row], mg[i]};
    sort_items(v, n, sizeof *v, cmp_merged_view);
    for (size_t i = 0; i < n; i++) {
        out->matrix.items[i] = v[i].row;
        mg[i] = v[i].m;
        mg[i].row = i;
    }
    free(v);
}

/* DB totals: the "-total" rows (hccl_op_name contains "total") summed per
** (step, group, src, dst) over both sections, in output order. */
typedef struct total_ref {
    cs_comm_step step;
    uint32_t group;
    int64_t src, dst;
    size_t row;
} total_ref;

static int cmp_total_ref(const void *a, const void *b)
{
    const total_ref *x = a, *y = b;
    int s = step_cmp(x->step, y->step);
    if (s) return s;
    CMP(x->group, y->group);
    CMP(x->src, y->src);
    CMP(x->dst, y->dst);
    CMP(x->row, y->row);
    return 0;
}

static bool same_total_key(const total_ref *x, const total_ref *y)
{
    return step_cmp(x->step, y->step) == 0 && x->group == y->group && x->src == y->src && x->dst == y->dst;
}

static void matrix_totals(cs_comm_sum *out)
{
    size_t n = out->matrix.len;
    CS_VEC(total_ref) refs = {0};
    for (size_t i = 0; i < n; i++) {
        const cs_comm_matrix_row *r = &out->matrix.items[i];
        if (!strstr(r->hccl_op_name, "total")) continue;
        total_ref t = {r->step, r->group, r->src, r->dst, i};
        CS_VEC_PUSH(refs, t);
    }
    sort_items(refs.items, refs.len, sizeof *refs.items, cmp_total_ref);
    for (size_t i = 0; i < refs.len;) {
        size_t j = i;
        ksum size = {0}, time = {0};
        for (; j < refs.len && same_total_key(&refs.items[i], &refs.items[j]); j++) {
            kadd(&size, out->matrix.items[refs.items[j].row].size_mb);
            kadd(&time, out->matrix.items[refs.items[j].row].time_ms);
        }
        const cs_comm_matrix_row *f = &out->matrix.items[refs.items[i].row];
        cs_comm_matrix_row t = {f->step, cs_xstrdup("Total Op Info"), f->group, false, f->src, f->dst,
                                f->transport, "", size.sum, time.sum, 0};
        if (time.sum != 0) t.bandwidth = size.sum / time.sum;
        else out->counts.matrix_totals_zero_time++;
        CS_VEC_PUSH(out->matrix, t);
        i = j;
    }
    free(refs.items);
}

/* check_add_op of comm_matrix_analysis: a name with "middle", "top" or
** "bottom" is a representative, anything else (the "-total" ones) is added. */
static bool json_adds(const char *name)
{
    return !strstr(name, "middle") && !strstr(name, "top") && !strstr(name, "bottom");
}

static int cmp_json_link(const void *a, const void *b)
{
    const cs_comm_json_link *x = a, *y = b;
    CMP(x->set, y->set);
    int s = step_cmp(x->step, y->step);
    if (s) return s;
    CMP(x->group, y->group);
    CMP(x->hccl_op_name == NULL, y->hccl_op_name == NULL);
    if (x->hccl_op_name && y->hccl_op_name && (s = strcmp(x->hccl_op_name, y->hccl_op_name)) != 0) return s;
    CMP(x->src, y->src);
    CMP(x->dst, y->dst);
    return 0;
}

/* cluster_communication_matrix.json: the merged links with the last rank's
** type and op name and compute_ratio bandwidths, then per (set, step,
** group, link) the sum of the "-total" ones, in that order. */
static void json_matrix(ctx *c, const merged *mg, size_t n)
{
    cs_comm_sum *out = c->out;
    for (size_t i = 0; i < n; i++) {
        const cs_comm_matrix_row *r = &out->matrix.items[mg[i].row];
        cs_comm_json_link l = {set_of(c, r->group, r->p2p), r->step, r->hccl_op_name, r->group,
                               r->src, r->dst, mg[i].transport_last, mg[i].op_name_last,
                               mg[i].size_seq, mg[i].time_seq,
                               cs_compute_ratio(mg[i].size_seq, mg[i].time_seq)};
        CS_VEC_PUSH(out->json_matrix, l);
    }
    sort_items(out->json_matrix.items, out->json_matrix.len, sizeof *out->json_matrix.items, cmp_json_link);
    size_t nlinks = out->json_matrix.len;
    for (size_t i = 0; i < nlinks;) {
        const cs_comm_json_link *f = &out->json_matrix.items[i];
        size_t j = i;
        cs_comm_json_link t = {f->set, f->step, NULL, f->group, 0, 0, 0, "", 0, 0, 0};
        /* links of one (set, step, group) block; totals per link */
        while (j < nlinks && out->json_matrix.items[j].set == f->set &&
               step_cmp(out->json_matrix.items[j].step, f->step) == 0 &&
               out->json_matrix.items[j].group == f->group) j++;
        CS_VEC(cs_comm_json_link) tot = {0};
        for (size_t k = i; k < j; k++) {
            const cs_comm_json_link *l = &out->json_matrix.items[k];
            if (!json_adds(l->hccl_op_name)) continue;
            size_t m = 0;
            while (m < tot.len && !(tot.items[m].src == l->src && tot.items[m].dst == l->dst)) m++;
            if (m == tot.len) {
                t.src = l->src;
                t.dst = l->dst;
                CS_VEC_PUSH(tot, t);
            }
            tot.items[m].transport = l->transport;
            tot.items[m].size_mb += l->size_mb;
            tot.items[m].time_ms += l->time_ms;
        }
        for (size_t m = 0; m < tot.len; m++) {
            tot.items[m].bandwidth = cs_compute_ratio(tot.items[m].size_mb, tot.items[m].time_ms);
            CS_VEC_PUSH(out->json_matrix, tot.items[m]);     /* past nlinks: not revisited */
        }
        free(tot.items);
        i = j;
    }
    sort_items(out->json_matrix.items, out->json_matrix.len, sizeof *out->json_matrix.items, cmp_json_link);
}

static void matrix_tables(ctx *c)
{
    rep_vec reps = {0};
    for (size_t i = 0; i < c->nr; i++) rank_reps(c, &c->r[i], &reps);
    merged_vec mg = {0};
    merge_reps(c, reps.items, reps.len, &mg);
    free(reps.items);
    sort_merged(c->out, mg.items, mg.len);
    json_matrix(c, mg.items, mg.len);   /* before the totals: borrows row names */
    matrix_totals(c->out);
    free(mg.items);
    /* The totals come after every op row of their key already. */
    sort_items(c->out->matrix.items, c->out->matrix.len, sizeof *c->out->matrix.items, cmp_matrix_row);
    finish_unmapped(c->out);
}

/* ------------------------------------------------------------------------
** Public entry points.
*/

char *cs_comm_matrix_type(const char *op_name)
{
    static const char *const alts[] = {"send", "reduce", "invalid", "broadcast", "allreduce", "receive",
                                       "allgather", "reducescatter", "scatter", "alltoall", "alltoallv",
                                       "alltoallvc", "batchsendrecv"};
    const char *name = op_name ? op_name : "";
    size_t n = strlen(name);
    char *low = cs_xmalloc(n + 1);
    for (size_t i = 0; i <= n; i++)     /* ASCII only, as Python's lower() on these names */
        low[i] = (char)((name[i] >= 'A' && name[i] <= 'Z') ? name[i] - 'A' + 'a' : name[i]);
    /* A regex alternation: leftmost position first, then the first
    ** alternative that matches there. */
    for (size_t pos = 0; pos < n; pos++) {
        for (size_t a = 0; a < sizeof alts / sizeof *alts; a++) {
            if (strncmp(low + pos, alts[a], strlen(alts[a])) == 0) {
                free(low);
                return cs_xstrdup(alts[a]);
            }
        }
    }
    free(low);
    const char *cut = strstr(name, "__");
    size_t len = cut ? (size_t)(cut - name) : n;
    char *t = cs_xmalloc(len + 1);
    memcpy(t, name, len);
    t[len] = '\0';
    return t;
}

/* Index ranges of a record (it may come from a decoded buffer): the reduce
** trusts them afterwards. */
static bool records_valid(const cs_comm_rank *r)
{
    for (size_t i = 0; i < r->ops.len; i++) {
        const cs_comm_op *o = &r->ops.items[i];
        if (!o->name || o->group >= r->groups.len) return false;
        if ((uint64_t)o->band_first + o->nbands > r->bands.len) return false;
        if ((uint64_t)o->link_first + o->nlinks > r->links.len) return false;
    }
    for (size_t i = 0; i < r->bands.len; i++) {
        const cs_comm_band *b = &r->bands.items[i];
        if (b->type >= CS_BAND_COUNT || (uint64_t)b->packet_first + b->npackets > r->packets.len) return false;
    }
    for (size_t i = 0; i < r->links.len; i++)
        if (r->links.items[i].transport >= CS_TRANSPORT_COUNT) return false;
    for (size_t i = 0; i < r->groups.len; i++)
        if (!r->groups.items[i].name) return false;
    return true;
}

int cs_comm_sum_compute(const cs_comm_sum_input *in, size_t nin,
                        const cs_parallel_group *info, size_t ninfo,
                        cs_comm_sum *out, cs_err *err)
{
    if ((!in && nin) || (!info && ninfo)) return cs_fail(err, "communication: NULL input array");
    ctx c = {0};
    c.out = out;
    c.r = cs_xcalloc(nin ? nin : 1, sizeof *c.r);
    static const cs_comm_rank empty;
    for (size_t i = 0; i < nin; i++) {
        if (in[i].records && !records_valid(in[i].records)) {
            free(c.r);
            return cs_fail(err, "communication: malformed records of rank %" PRId64, in[i].rank);
        }
        c.r[c.nr].rank = in[i].rank;
        c.r[c.nr].rec = in[i].records ? in[i].records : &empty;
        c.nr++;
    }
    sort_items(c.r, c.nr, sizeof *c.r, cmp_rank_in);
    for (size_t i = 1; i < c.nr; i++) {
        if (c.r[i].rank == c.r[i - 1].rank) {
            int64_t rank = c.r[i].rank;
            free(c.r);
            return cs_fail(err, "communication: rank %" PRId64 " given twice", rank);
        }
    }

    build_groups(&c);
    build_rank_map(&c, info, ninfo);
    build_sets(&c);
    for (size_t i = 0; i < c.nr; i++) rank_tables(&c, &c.r[i]);
    sort_items(out->time.items, out->time.len, sizeof *out->time.items, cmp_time_row);
    sort_items(out->bandwidth.items, out->bandwidth.len, sizeof *out->bandwidth.items, cmp_bw_row);
    sort_items(out->json_totals.items, out->json_totals.len, sizeof *out->json_totals.items, cmp_json_total);
    matrix_tables(&c);

    for (size_t i = 0; i < c.nr; i++) free(c.r[i].group);
    free(c.r);
    for (size_t g = 0; g < out->groups.len; g++) {
        free(c.map[g].self.items);
        free(c.map[g].conflicts.items);
    }
    free(c.map);
    free(c.set_of);
    for (size_t i = 0; i < c.types.len; i++) free(c.types.items[i]);
    free(c.types.items);
    return 0;
}

void cs_comm_sum_free(cs_comm_sum *out)
{
    if (!out) return;
    for (size_t i = 0; i < out->groups.len; i++) free(out->groups.items[i].name);
    for (size_t i = 0; i < out->matrix.len; i++) free(out->matrix.items[i].hccl_op_name);
    for (size_t i = 0; i < out->sets.len; i++) free(out->sets.items[i].ranks);
    free(out->groups.items);
    free(out->time.items);
    free(out->bandwidth.items);
    free(out->matrix.items);
    free(out->sets.items);
    free(out->json_ops.items);
    free(out->json_totals.items);
    free(out->json_packets.items);
    free(out->json_matrix.items);
    free(out->unmapped.items);
    memset(out, 0, sizeof *out);
}
