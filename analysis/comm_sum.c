/*
** comm_sum.c — the cluster communication tables from every rank's per-op
** records.  Reference code read for the details (msprof-analyze 8399c1cd):
** recipes/communication_time_sum (time and bandwidth totals),
** recipes/communication_matrix_sum (matrix group-by, rank mapping, totals),
** analysis/communication_analysis.py and comm_matrix_analysis.py (the JSON
** files), and torch_npu's CommunicationParser.integrate_matrix_data (the
** per-rank representatives, comm_rep.c).
**
** Sums follow the tool that makes them in the reference: pandas groupby
** sums are Kahan-compensated (ksum), numpy's DataFrame.sum is pairwise
** (np_sum), Python's += and sum() are plain left-to-right additions.
**
** Streaming: cs_comm_acc_add() turns one rank into its per-op rows (sorted
** as the table sorts a rank's rows), its totals and its matrix
** representatives, keyed by the rank's own groups in the cluster's order
** (hash text), and parks them in spools (comm_rows.h).  cs_comm_acc_finish()
** maps every rank's groups to the cluster's (applied as rows are read back)
** and merges the representatives one (step, group) at a time.  Every sort
** that the reference's ORDER BY implies is a stable one here, as glibc's
** qsort (a merge sort) made the earlier whole-table sorts.
*/
#include "comm_sum_int.h"

#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>

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
** Op names of a matrix chunk's representatives (and, with JSON, of every
** chunk: the links point to them), packed in blocks rather than one
** allocation each.
*/

#define NAME_BLOCK_SIZE (64 * 1024)

struct cs_comm_name_block {
    cs_comm_name_block *next;
    size_t used, size;
    char text[];
};

static const char *keep_name(cs_comm_name_block **head, const char *s)
{
    size_t n = strlen(s) + 1;
    cs_comm_name_block *b = *head;
    if (!b || b->size - b->used < n) {
        size_t size = n > NAME_BLOCK_SIZE ? n : NAME_BLOCK_SIZE;
        b = cs_xmalloc(sizeof *b + size);
        b->next = *head;
        b->used = 0;
        b->size = size;
        *head = b;
    }
    char *p = b->text + b->used;
    memcpy(p, s, n);
    b->used += n;
    return p;
}

static void free_names(cs_comm_name_block *b)
{
    while (b) {
        cs_comm_name_block *next = b->next;
        free(b);
        b = next;
    }
}

/* ------------------------------------------------------------------------
** Steps and groups.
*/


cs_comm_step cs_comm_op_step(const cs_comm_op *op)
{
    cs_comm_step s = {op->has_step_id, op->has_step_id ? op->step_id : 0};
    return s;
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

/* A list of groups sorted by the text of their hash (the ORDER BY of
** group_name), one per hash, with owned names. */
typedef struct group_list {
    cs_comm_group *items;
    size_t len;
} group_list;

static group_list sorted_groups(const cs_comm_group *groups, size_t n)
{
    group_key *keys = cs_xmalloc((n ? n : 1) * sizeof *keys);
    for (size_t g = 0; g < n; g++) {
        keys[g] = (group_key){{0}, groups[g].hash, groups[g].name};
        snprintf(keys[g].text, sizeof keys[g].text, "%" PRIu64, keys[g].hash);
    }
    cs_comm_sort(keys, n, sizeof *keys, cmp_group_key);
    group_list out = {cs_xmalloc((n ? n : 1) * sizeof *out.items), 0};
    for (size_t i = 0; i < n; i++) {
        if (out.len && out.items[out.len - 1].hash == keys[i].hash) continue;
        out.items[out.len++] = (cs_comm_group){cs_xstrdup(keys[i].name), keys[i].hash};
    }
    free(keys);
    return out;
}

/* The index of hash in groups[0..n) (sorted by hash text). */
static uint32_t find_group(const cs_comm_group *groups, size_t n, uint64_t hash)
{
    char want[24];
    snprintf(want, sizeof want, "%" PRIu64, hash);
    size_t lo = 0, hi = n;
    while (lo < hi) {   /* binary search by hash text */
        size_t mid = lo + (hi - lo) / 2;
        char at[24];
        snprintf(at, sizeof at, "%" PRIu64, groups[mid].hash);
        if (strcmp(at, want) < 0) lo = mid + 1;
        else hi = mid;
    }
    return (uint32_t)lo;
}

/* rec->groups index -> index in groups[0..n). */
uint32_t *cs_comm_map_groups(const cs_comm_rank *rec, const cs_comm_group *groups, size_t n)
{
    uint32_t *map = cs_xmalloc((rec->groups.len ? rec->groups.len : 1) * sizeof *map);
    for (size_t g = 0; g < rec->groups.len; g++) map[g] = find_group(groups, n, rec->groups.items[g].hash);
    return map;
}

static void free_group_list(group_list *v)
{
    for (size_t i = 0; i < v->len; i++) free(v->items[i].name);
    free(v->items);
    memset(v, 0, sizeof *v);
}

/* ------------------------------------------------------------------------
** The accumulator.
*/

/* A self link of a rank: it claims a local rank of a group. */
typedef struct self_claim {
    uint32_t group;             /* the rank's group index (add), the cluster's (finish) */
    int64_t local;
} self_claim;

typedef CS_VEC(self_claim) claim_vec;

/* A representative row of one rank (a CommAnalyzerMatrix row), parked
** until the finish merges those of one (step, group) over the ranks. */
typedef struct rep_row {
    cs_comm_step step;
    int64_t rank;
    const char *op_name;
    double size, time;
    uint32_t type;              /* the rank's type index (add), the cluster's (finish) */
    uint32_t group;             /* the rank's group index (add), the cluster's (finish) */
    uint32_t src, dst;
    bool p2p;
    uint8_t rep;                /* CS_REP_* */
    uint8_t transport;
} rep_row;

typedef CS_VEC(rep_row) rep_vec;
typedef CS_VEC(char *) text_vec;

/* What one added rank keeps.  Its parked rows carry group indices into its
** own groups (sorted as the cluster's); the finish gives the row stores the
** map to the cluster's. */
typedef struct slot {
    int64_t rank;
    json_parts json;            /* JSON only: its records by step, ascending */
    CS_VEC(uint32_t) kinds;     /* JSON only: 2 × group + p2p of its ops, distinct */
    group_list groups;          /* the rank's groups, sorted by hash text, one per hash */
    text_vec types;             /* its matrix op types, in first-seen op order */
    claim_vec claims;           /* its self links, distinct */
    uint32_t *type_map;         /* finish: its type index -> the cluster's */
    size_t time_id, bw_id, rep_id;  /* its number in the row stores */
    cs_comm_rank_sums sums;     /* rows only */
} slot;

struct cs_comm_acc {
    bool rows, json;
    bool spool_failed;                  /* a spool write failed: the reduce is lost (spool_err) */
    cs_err spool_err;
    cs_spool *(*new_spool)(void *arg);
    void *spool_arg;
    CS_VEC(slot) slots;
    cs_comm_rows *time, *bandwidth;     /* the parked table rows */
    cs_comm_rows *reps;                 /* the parked matrix representatives */
    cs_spool *json_spool;               /* JSON: the ranks' records by step */
    size_t json_ops;                    /* JSON: ops parked there */
};


static int cmp_op_ref(const void *a, const void *b)
{
    const op_ref *x = a, *y = b;
    int s = cs_comm_step_cmp(x->step, y->step);
    if (s) return s;
    CMP(x->group, y->group);
    CMP(x->op, y->op);
    return 0;
}

/* ------------------------------------------------------------------------
** One rank's ClusterCommunicationTime / ClusterCommunicationBandwidth rows:
** the per-op rows and the totals of each (step, group) run, each sorted as
** the table's ORDER BY sorts one rank's rows (ties in generation order).
*/

typedef struct time_gen {
    cs_comm_time_row row;
    size_t gen;
} time_gen;

typedef struct bw_gen {
    cs_comm_bw_row row;
    size_t gen;
    uint32_t op;            /* per-op rows: the op's index (its packet rows share it) */
} bw_gen;

typedef CS_VEC(time_gen) time_gens;
typedef CS_VEC(bw_gen) bw_gens;

static int cmp_time_row(const cs_comm_time_row *x, const cs_comm_time_row *y)
{
    int s = cs_comm_step_cmp(x->step, y->step);
    if (s) return s;
    CMP(x->rank, y->rank);
    CMP(x->group, y->group);
    CMP(x->op_name == NULL, y->op_name == NULL);
    CMP(x->start_us, y->start_us);
    if (x->op_name && y->op_name) return strcmp(x->op_name, y->op_name);
    return 0;
}

static int cmp_bw_row(const cs_comm_bw_row *x, const cs_comm_bw_row *y)
{
    int s = cs_comm_step_cmp(x->step, y->step);
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

static int cmp_time_gen(const void *a, const void *b)
{
    const time_gen *x = a, *y = b;
    int s = cmp_time_row(&x->row, &y->row);
    if (s) return s;
    CMP(x->gen, y->gen);
    return 0;
}

static int cmp_bw_gen(const void *a, const void *b)
{
    const bw_gen *x = a, *y = b;
    int s = cmp_bw_row(&x->row, &y->row);
    if (s) return s;
    CMP(x->gen, y->gen);
    return 0;
}

static void push_time(time_gens *v, cs_comm_time_row row)
{
    time_gen g = {row, v->len};
    CS_VEC_PUSH(*v, g);
}

static void push_bw(bw_gens *v, cs_comm_bw_row row, uint32_t op)
{
    bw_gen g = {row, v->len, op};
    CS_VEC_PUSH(*v, g);
}

static void op_rows(const rank_in *r, uint32_t o, uint32_t group, time_gens *time, bw_gens *bw)
{
    const cs_comm_op *op = &r->rec->ops.items[o];
    const char *name = op->name;    /* copied when the rows are parked */
    cs_comm_time_row t = {cs_comm_op_step(op), r->rank, name, group, op->start_us,
                          op->elapse_ms, op->transit_ms, op->wait_ms, op->sync_ms, op->idle_ms,
                          pandas_ratio(op->sync_ms, op->transit_ms + op->sync_ms),
                          pandas_ratio(op->wait_ms, op->transit_ms + op->wait_ms)};
    push_time(time, t);
    for (uint32_t b = 0; b < op->nbands; b++) {
        const cs_comm_band *band = &r->rec->bands.items[op->band_first + b];
        cs_comm_bw_row row = {cs_comm_op_step(op), r->rank, name, group, band->type, op->start_us,
                              band->size_mb, band->time_ms, band->bandwidth,
                              band->large_packet_ratio, 0, 0, 0};
        if (!band->npackets) push_bw(bw, row, o);
        for (uint32_t p = 0; p < band->npackets; p++) {
            const cs_comm_packet *pk = &r->rec->packets.items[band->packet_first + p];
            row.package_size = pk->size_mb;
            row.count = pk->count;
            row.total_ms = pk->total_ms;
            push_bw(bw, row, o);
        }
    }
}

/* The op's band of a type, or NULL. */
const cs_comm_band *cs_comm_op_band(const cs_comm_rank *rec, const cs_comm_op *op, int type)
{
    for (uint32_t b = 0; b < op->nbands; b++)
        if (rec->bands.items[op->band_first + b].type == type) return &rec->bands.items[op->band_first + b];
    return NULL;
}

/* Time totals of one (step, group) run: Kahan sums in op order. */
static void time_total(const rank_in *r, const op_ref *run, size_t n, time_gens *out)
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
    push_time(out, row);
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
    cs_comm_sort(v, n, sizeof *v, cmp_name_ref);
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
static void bandwidth_total(const rank_in *r, const op_ref *run, size_t n, bw_gens *out)
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
            const cs_comm_band *b = cs_comm_op_band(r->rec, &r->rec->ops.items[run[k].op], type);
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
            push_bw(out, row, UINT32_MAX);
        }
    }
    free(pkgs.items);
    free(first);
    free(size);
    free(time);
}

/* The rank's ops by (step, group, op): the runs of the totals. */
op_ref *cs_comm_op_refs(const rank_in *r)
{
    size_t n = r->rec->ops.len;
    op_ref *refs = cs_xmalloc((n ? n : 1) * sizeof *refs);
    for (size_t o = 0; o < n; o++) {
        const cs_comm_op *op = &r->rec->ops.items[o];
        refs[o] = (op_ref){cs_comm_op_step(op), r->group[op->group], (uint32_t)o};
    }
    cs_comm_sort(refs, n, sizeof *refs, cmp_op_ref);
    return refs;
}

size_t cs_comm_run_end(const op_ref *refs, size_t n, size_t i)
{
    size_t j = i;
    while (j < n && cs_comm_step_cmp(refs[j].step, refs[i].step) == 0 && refs[j].group == refs[i].group) j++;
    return j;
}

/* The rows out of their gens, in place (a row is never larger than its gen). */
static cs_comm_time_row *take_time(time_gens *v)
{
    cs_comm_time_row *rows = (cs_comm_time_row *)v->items;
    for (size_t k = 0; k < v->len; k++) memmove(&rows[k], &v->items[k].row, sizeof *rows);
    return rows;
}

static cs_comm_bw_row *take_bw(bw_gens *v)
{
    cs_comm_bw_row *rows = (cs_comm_bw_row *)v->items;
    for (size_t k = 0; k < v->len; k++) memmove(&rows[k], &v->items[k].row, sizeof *rows);
    return rows;
}

/* summary.json's sums of the rank, in the order of its table rows. */
static void rank_sums(const time_gens *time, const bw_gens *bw, cs_comm_rank_sums *sum)
{
    for (size_t k = 0; k < time->len; k++) {
        const cs_comm_time_row *t = &time->items[k].row;
        sum->present = true;
        sum->wait_ms += t->wait_ms;
        sum->sync_ms += t->sync_ms;
        sum->transit_ms += t->transit_ms;
    }
    for (size_t k = 0; k < bw->len; k++) {
        const bw_gen *g = &bw->items[k];
        /* one op's band repeats its transit values on every packet-size row */
        if (k && bw->items[k - 1].op == g->op && bw->items[k - 1].row.band == g->row.band) continue;
        sum->size_mb[g->row.band] += g->row.size_mb;
        sum->time_ms[g->row.band] += g->row.time_ms;
    }
}

static int rank_rows(cs_comm_acc *acc, const rank_in *r, slot *s, cs_err *err)
{
    time_gens time = {0}, time_tot = {0};
    bw_gens bw = {0}, bw_tot = {0};
    size_t n = r->rec->ops.len;
    for (size_t o = 0; o < n; o++)
        op_rows(r, (uint32_t)o, r->group[r->rec->ops.items[o].group], &time, &bw);
    op_ref *refs = cs_comm_op_refs(r);
    for (size_t i = 0; i < n;) {
        size_t j = cs_comm_run_end(refs, n, i);
        time_total(r, refs + i, j - i, &time_tot);
        bandwidth_total(r, refs + i, j - i, &bw_tot);
        i = j;
    }
    free(refs);
    /* each sorted as the table sorts one rank's rows */
    cs_comm_sort(time.items, time.len, sizeof *time.items, cmp_time_gen);
    cs_comm_sort(time_tot.items, time_tot.len, sizeof *time_tot.items, cmp_time_gen);
    cs_comm_sort(bw.items, bw.len, sizeof *bw.items, cmp_bw_gen);
    cs_comm_sort(bw_tot.items, bw_tot.len, sizeof *bw_tot.items, cmp_bw_gen);
    s->sums.rank = r->rank;
    rank_sums(&time, &bw, &s->sums);
    int rc = cs_comm_rows_add(acc->time, r->rank, take_time(&time), time.len, take_time(&time_tot),
                              time_tot.len, &s->time_id, err);
    if (rc == 0)
        rc = cs_comm_rows_add(acc->bandwidth, r->rank, take_bw(&bw), bw.len, take_bw(&bw_tot), bw_tot.len,
                              &s->bw_id, err);
    free(time.items);
    free(time_tot.items);
    free(bw.items);
    free(bw_tot.items);
    return rc;
}

/* ------------------------------------------------------------------------
** One rank's matrix representatives and self links.
*/

static void add_claim(claim_vec *v, uint32_t group, int64_t local)
{
    for (size_t i = 0; i < v->len; i++)
        if (v->items[i].group == group && v->items[i].local == local) return;
    self_claim c = {group, local};
    CS_VEC_PUSH(*v, c);
}

/* The matrix type of every key op, interned in the rank's first-seen op
** order (the key op of a type's first run is its first op with links). */
static uint32_t *key_types(const cs_comm_rank *rec, text_vec *types)
{
    uint32_t *type = cs_xmalloc((rec->ops.len ? rec->ops.len : 1) * sizeof *type);
    for (size_t o = 0; o < rec->ops.len; o++) type[o] = UINT32_MAX;
    for (size_t i = 0; i < rec->reps.len; i++) type[rec->reps.items[i].key_op] = 0;
    for (size_t o = 0; o < rec->ops.len; o++) {
        if (type[o] == UINT32_MAX) continue;
        char *t = cs_comm_matrix_type(rec->ops.items[o].name);
        size_t k = 0;
        while (k < types->len && strcmp(types->items[k], t) != 0) k++;
        if (k == types->len) CS_VEC_PUSH(*types, t);
        else free(t);
        type[o] = (uint32_t)k;
    }
    return type;
}

typedef struct rep_gen {
    rep_row row;
    size_t gen;
} rep_gen;

static int cmp_rep_gen(const void *a, const void *b)
{
    const rep_gen *x = a, *y = b;
    int s = cs_comm_step_cmp(x->row.step, y->row.step);
    if (s) return s;
    CMP(x->row.group, y->row.group);
    CMP(x->gen, y->gen);
    return 0;
}

/* The rank's representatives, parked by (step, group) in record order. */
static int rank_reps(cs_comm_acc *acc, const rank_in *r, slot *s, cs_err *err)
{
    const cs_comm_rank *rec = r->rec;
    uint32_t *type = key_types(rec, &s->types);
    size_t n = rec->reps.len;
    rep_gen *v = cs_xmalloc((n ? n : 1) * sizeof *v);
    for (size_t i = 0; i < n; i++) {
        const cs_comm_rep *x = &rec->reps.items[i];
        const cs_comm_op *key = &rec->ops.items[x->key_op];
        uint32_t group = r->group[key->group];
        const char *name = x->op == UINT32_MAX ? "" : rec->ops.items[x->op].name;     /* copied when parked */
        rep_row row = {cs_comm_op_step(key), r->rank, name, x->size_mb, x->time_ms,
                       type[x->key_op], group, x->src, x->dst, key->p2p, x->kind, x->transport};
        v[i] = (rep_gen){row, i};
        if (x->src == x->dst) add_claim(&s->claims, group, x->src);
    }
    cs_comm_sort(v, n, sizeof *v, cmp_rep_gen);
    rep_row *rows = (rep_row *)v;
    for (size_t i = 0; i < n; i++) memmove(&rows[i], &v[i].row, sizeof *rows);
    int rc = cs_comm_rows_add(acc->reps, r->rank, rows, n, NULL, 0, &s->rep_id, err);
    free(v);
    free(type);
    return rc;
}

/* ------------------------------------------------------------------------
** JSON: the (group, kind) pairs a rank has ops of, and its records, step by
** step, into the JSON spool (comm_json_store.c).
*/

static void add_kind(slot *s, uint32_t kind)
{
    for (size_t i = 0; i < s->kinds.len; i++)
        if (s->kinds.items[i] == kind) return;
    CS_VEC_PUSH(s->kinds, kind);
}

/* The rank's records for cluster_communication.json, one encoded part per
** step, and the (group, p2p) kinds it has ops of (the JSON rank sets). */
static int rank_json(cs_comm_acc *acc, const rank_in *r, slot *s, cs_err *err)
{
    for (size_t o = 0; o < r->rec->ops.len; o++) {
        const cs_comm_op *op = &r->rec->ops.items[o];
        add_kind(s, 2 * r->group[op->group] + (op->p2p ? 1 : 0));
    }
    if (!acc->rows) return 0;      /* cluster_communication.json is the time mode's */
    acc->json_ops += r->rec->ops.len;
    return cs_comm_json_park(acc->json_spool, r->rec, &s->json, err);
}

/* Index ranges of a record (it may come from a decoded buffer): the reduce
** trusts them afterwards. */
bool cs_comm_records_valid(const cs_comm_rank *r)
{
    for (size_t i = 0; i < r->ops.len; i++) {
        const cs_comm_op *o = &r->ops.items[i];
        if (!o->name || o->group >= r->groups.len) return false;
        if ((uint64_t)o->band_first + o->nbands > r->bands.len) return false;
    }
    for (size_t i = 0; i < r->bands.len; i++) {
        const cs_comm_band *b = &r->bands.items[i];
        if (b->type >= CS_BAND_COUNT || (uint64_t)b->packet_first + b->npackets > r->packets.len) return false;
    }
    for (size_t i = 0; i < r->reps.len; i++) {
        const cs_comm_rep *x = &r->reps.items[i];
        if (x->key_op >= r->ops.len || (x->op != UINT32_MAX && x->op >= r->ops.len)) return false;
        if (x->kind >= CS_REP_COUNT || x->transport >= CS_TRANSPORT_COUNT) return false;
    }
    for (size_t i = 0; i < r->groups.len; i++)
        if (!r->groups.items[i].name) return false;
    return true;
}

static const cs_comm_rows_kind time_kind = {sizeof(cs_comm_time_row), offsetof(cs_comm_time_row, step),
                                             offsetof(cs_comm_time_row, group), offsetof(cs_comm_time_row, op_name),
                                             false};
static const cs_comm_rows_kind bw_kind = {sizeof(cs_comm_bw_row), offsetof(cs_comm_bw_row, step),
                                           offsetof(cs_comm_bw_row, group), offsetof(cs_comm_bw_row, op_name), false};
static const cs_comm_rows_kind rep_kind = {sizeof(rep_row), offsetof(rep_row, step), offsetof(rep_row, group),
                                            offsetof(rep_row, op_name), true};
/* One "rank" per (step, group) chunk of the matrix, numbered in table order. */
static const cs_comm_rows_kind matrix_kind = {sizeof(cs_comm_matrix_row), offsetof(cs_comm_matrix_row, step),
                                               offsetof(cs_comm_matrix_row, group),
                                               offsetof(cs_comm_matrix_row, op_name), false};

static cs_spool *new_spool(const cs_comm_acc *acc)
{
    cs_spool *sp = acc->new_spool ? acc->new_spool(acc->spool_arg) : NULL;
    return sp ? sp : cs_spool_memory();
}

cs_comm_acc *cs_comm_acc_new(const cs_comm_sum_options *opt)
{
    cs_comm_acc *acc = cs_xcalloc(1, sizeof *acc);
    acc->rows = !opt || opt->rows;
    acc->json = !opt || opt->json;
    acc->new_spool = opt ? opt->new_spool : NULL;
    acc->spool_arg = opt ? opt->spool_arg : NULL;
    acc->time = cs_comm_rows_new(&time_kind, acc->rows ? new_spool(acc) : cs_spool_memory());
    acc->bandwidth = cs_comm_rows_new(&bw_kind, acc->rows ? new_spool(acc) : cs_spool_memory());
    acc->reps = cs_comm_rows_new(&rep_kind, new_spool(acc));
    if (acc->json) acc->json_spool = new_spool(acc);   /* the JSON files' records and links */
    return acc;
}

static void free_slot(slot *s);

int cs_comm_acc_add(cs_comm_acc *acc, int64_t rank, const cs_comm_rank *rec, cs_err *err)
{
    if (acc->spool_failed) return cs_fail(err, "communication: %s", acc->spool_err.msg);
    if (!rec || !cs_comm_records_valid(rec))
        return cs_fail(err, "communication: malformed records of rank %" PRId64, rank);
    slot s = {.rank = rank};
    s.groups = sorted_groups(rec->groups.items, rec->groups.len);
    rank_in r = {rank, rec, cs_comm_map_groups(rec, s.groups.items, s.groups.len)};
    if ((acc->rows && rank_rows(acc, &r, &s, err)) || rank_reps(acc, &r, &s, err) ||
        (acc->json && rank_json(acc, &r, &s, err))) {
        /* part of the rank may be parked already: nothing more can be added */
        acc->spool_failed = true;
        acc->spool_err = *err;
        free(r.group);
        free_slot(&s);
        return -1;
    }
    free(r.group);
    CS_VEC_PUSH(acc->slots, s);
    return 0;
}

/* ------------------------------------------------------------------------
** The finish: the cluster's groups, rows in table order.
*/

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

typedef struct ctx {
    slot *s;                    /* the added ranks, sorted by rank */
    size_t ns;
    group_map *map;             /* per cluster group */
    uint32_t *set_of;           /* JSON: per cluster group × 2 (collective, p2p): set, UINT32_MAX if none */
    text_vec types;             /* matrix op types of the cluster, interned in rank order */
    const char **hccl_names;    /* per (type, rep kind): its text in out->hccl_names, or NULL */
    const char *total_name;     /* "Total Op Info" in out->hccl_names */
    cs_comm_sum *out;
} ctx;

static int cmp_slot(const void *a, const void *b)
{
    const slot *x = a, *y = b;
    CMP(x->rank, y->rank);
    return 0;
}

static void renumber(uint32_t *group, const uint32_t *map)
{
    *group = map[*group];
}

static uint32_t *copy_map(const uint32_t *map, size_t n)
{
    uint32_t *copy = cs_xmalloc((n ? n : 1) * sizeof *copy);
    if (n) memcpy(copy, map, n * sizeof *copy);
    return copy;
}

/* A slot's claims and kinds: its group indices -> the cluster's; the row
** stores get the map for the parked rows, applied as they are read back. */
static void renumber_slot(cs_comm_acc *acc, slot *s, const uint32_t *map)
{
    for (size_t k = 0; k < s->claims.len; k++) renumber(&s->claims.items[k].group, map);
    for (size_t k = 0; k < s->kinds.len; k++) s->kinds.items[k] = 2 * map[s->kinds.items[k] / 2] + s->kinds.items[k] % 2;
    size_t n = s->groups.len;
    cs_comm_rows_set_groups(acc->reps, s->rep_id, copy_map(map, n), n);
    if (!acc->rows) return;
    cs_comm_rows_set_groups(acc->time, s->time_id, copy_map(map, n), n);
    cs_comm_rows_set_groups(acc->bandwidth, s->bw_id, copy_map(map, n), n);
}

/* The cluster's groups, and every slot's group indices renumbered to them. */
static void cluster_groups(ctx *c, cs_comm_acc *acc)
{
    CS_VEC(cs_comm_group) all = {0};
    for (size_t i = 0; i < c->ns; i++)
        for (size_t g = 0; g < c->s[i].groups.len; g++) CS_VEC_PUSH(all, c->s[i].groups.items[g]);
    group_list groups = sorted_groups(all.items, all.len);
    free(all.items);
    c->out->groups.items = groups.items;
    c->out->groups.len = c->out->groups.cap = groups.len;
    for (size_t i = 0; i < c->ns; i++) {
        slot *s = &c->s[i];
        uint32_t *map = cs_xmalloc((s->groups.len ? s->groups.len : 1) * sizeof *map);
        for (size_t g = 0; g < s->groups.len; g++) map[g] = find_group(groups.items, groups.len, s->groups.items[g].hash);
        renumber_slot(acc, s, map);
        free(map);
    }
}

/* Puts every element where dest says, in place. */
static void permute(char *rows, size_t size, size_t *dest, size_t n)
{
    char *tmp = cs_xmalloc(size);
    for (size_t i = 0; i < n; i++) {
        while (dest[i] != i) {
            size_t j = dest[i];
            memcpy(tmp, rows + j * size, size);
            memcpy(rows + j * size, rows + i * size, size);
            memcpy(rows + i * size, tmp, size);
            dest[i] = dest[j];
            dest[j] = j;
        }
    }
    free(tmp);
}

/* The row stores and the ranks' sums, handed over to out. */
static void table_rows(ctx *c, cs_comm_acc *acc)
{
    cs_comm_sum *out = c->out;
    out->time = acc->time;
    out->bandwidth = acc->bandwidth;
    acc->time = acc->bandwidth = NULL;
    if (!acc->rows) return;
    for (size_t i = 0; i < c->ns; i++)      /* slots in rank order */
        if (c->s[i].sums.present) CS_VEC_PUSH(out->rank_sums, c->s[i].sums);
}

/* ------------------------------------------------------------------------
** Local -> global ranks (analyses.md §2.d.2 with the fix of §8.6 item 6).
*/

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
    for (size_t i = 0; i < c->ns; i++) {
        for (size_t k = 0; k < c->s[i].claims.len; k++) {
            const self_claim *x = &c->s[i].claims.items[k];
            group_map *m = &c->map[x->group];
            if (m->meta) continue;
            const rank_pair *p = find_pair(&m->self, x->local);
            rank_pair cl = {x->local, c->s[i].rank};
            if (!p) CS_VEC_PUSH(m->self, cl);
            else if (p->global != cl.global && !find_claim(&m->conflicts, cl)) {
                CS_VEC_PUSH(m->conflicts, cl);      /* warned once per (group, local, rank) */
                c->out->counts.rank_conflicts++;
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
    cs_comm_sort(out->unmapped.items, out->unmapped.len, sizeof *out->unmapped.items, cmp_unmapped);
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
    for (size_t i = 0; i < c->ns; i++) {
        for (size_t k = 0; k < c->s[i].kinds.len; k++) {
            set_ref *s = &refs[c->s[i].kinds.items[k]];
            if (!s->ranks.len || s->ranks.items[s->ranks.len - 1] != c->s[i].rank)
                CS_VEC_PUSH(s->ranks, c->s[i].rank);    /* ranks come ascending */
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
    cs_comm_sort(out->sets.items, out->sets.len, sizeof *out->sets.items, cmp_set);
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
** cluster_communication.json: per-op entries and "Total Op Info" per set.
*/

/* The JSON store: the sets, and the slots' parts handed over (slots sorted by rank). */
static void json_time(ctx *c, cs_comm_acc *acc)
{
    build_sets(c);
    cs_comm_json_store *st = cs_comm_json_store_new(acc->json_spool, c->set_of, c->out->groups.len);
    acc->json_spool = NULL;
    for (size_t i = 0; i < c->ns; i++) cs_comm_json_store_add(st, c->s[i].rank, &c->s[i].json);
    c->out->json_store = st;
    c->out->json_ops = acc->json_ops;
}

/* ------------------------------------------------------------------------
** Matrix: the cluster group-by of the ranks' representatives
** (communication_matrix_sum) and the JSON merge (comm_matrix_analysis),
** which group the same keys.
*/

static const char *const rep_suffix[CS_REP_COUNT] = {"-top1", "-middle", "-bottom1",
                                                    "-bottom2", "-bottom3", "-total"};

/* The slots' types interned in rank order (the order a walk over the
** ranks' ops first meets them), and each slot's map to them. */
static void cluster_types(ctx *c)
{
    for (size_t i = 0; i < c->ns; i++) {
        slot *s = &c->s[i];
        s->type_map = cs_xmalloc((s->types.len ? s->types.len : 1) * sizeof *s->type_map);
        for (size_t t = 0; t < s->types.len; t++) {
            size_t k = 0;
            while (k < c->types.len && strcmp(c->types.items[k], s->types.items[t]) != 0) k++;
            if (k == c->types.len) CS_VEC_PUSH(c->types, cs_xstrdup(s->types.items[t]));
            s->type_map[t] = (uint32_t)k;
        }
    }
    c->hccl_names = cs_xcalloc((c->types.len ? c->types.len : 1) * CS_REP_COUNT, sizeof *c->hccl_names);
}

/* "<type><suffix>", one copy per distinct text (cs_comm_sum.hccl_names). */
static const char *hccl_name(ctx *c, uint32_t type, uint8_t rep)
{
    const char **at = &c->hccl_names[(size_t)type * CS_REP_COUNT + rep];
    if (!*at) {
        char *t = cs_xasprintf("%s%s", c->types.items[type], rep_suffix[rep]);
        CS_VEC_PUSH(c->out->hccl_names, t);
        *at = t;
    }
    return *at;
}

static int cmp_rep_key(const rep_row *x, const rep_row *y)
{
    CMP(x->p2p, y->p2p);
    int s = cs_comm_step_cmp(x->step, y->step);
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
    size_t row;                 /* index in the chunk's rows (the DB row) */
    uint8_t transport_last;
    const char *op_name_last;
    double size_seq, time_seq;  /* Python += over the ranks */
} merged;

typedef CS_VEC(merged) merged_vec;

typedef CS_VEC(cs_comm_matrix_row) matrix_vec;

/* The representatives of one (step, group) merged by key into rows. */
static void merge_reps(ctx *c, rep_row *reps, size_t n, matrix_vec *rows, merged_vec *mg)
{
    cs_comm_sum *out = c->out;
    cs_comm_sort(reps, n, sizeof *reps, cmp_rep_row);
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
            cs_comm_matrix_row row = {f->step, hccl_name(c, f->type, f->rep), f->group, f->p2p, src, dst,
                                      f->transport, f->op_name, size.sum, time.sum, 0};
            row.bandwidth = time.sum != 0 ? size.sum / time.sum : 0.0;
            m.row = rows->len;
            CS_VEC_PUSH(*rows, row);
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
    int s = cs_comm_step_cmp(x->step, y->step);
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

/* The rows the index comparator sorts (qsort passes no context). */
static const cs_comm_matrix_row *sorted_rows;

static int cmp_row_index(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    int s = cmp_matrix_row(&sorted_rows[x], &sorted_rows[y]);
    if (s) return s;
    CMP(x, y);      /* stable, as the merge sort of glibc's qsort */
    return 0;
}

/* Sorts the merged links into output order, rows and their JSON views
** (mg[i] is row i's) alike, by sorting their indices. */
static void sort_merged(matrix_vec *rows, merged *mg, size_t n)
{
    size_t *order = cs_xmalloc((n ? n : 1) * sizeof *order);
    size_t *dest = cs_xmalloc((n ? n : 1) * sizeof *dest);
    for (size_t i = 0; i < n; i++) order[i] = i;
    sorted_rows = rows->items;
    cs_comm_sort(order, n, sizeof *order, cmp_row_index);
    sorted_rows = NULL;
    for (size_t k = 0; k < n; k++) dest[order[k]] = k;
    memcpy(order, dest, n * sizeof *dest);
    permute((char *)rows->items, sizeof *rows->items, dest, n);
    permute((char *)mg, sizeof *mg, order, n);
    for (size_t i = 0; i < n; i++) mg[i].row = i;
    free(order);
    free(dest);
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
    int s = cs_comm_step_cmp(x->step, y->step);
    if (s) return s;
    CMP(x->group, y->group);
    CMP(x->src, y->src);
    CMP(x->dst, y->dst);
    CMP(x->row, y->row);
    return 0;
}

static bool same_total_key(const total_ref *x, const total_ref *y)
{
    return cs_comm_step_cmp(x->step, y->step) == 0 && x->group == y->group && x->src == y->src && x->dst == y->dst;
}

static void matrix_totals(ctx *c, matrix_vec *rows)
{
    cs_comm_sum *out = c->out;
    const char *total_name = c->total_name;
    size_t n = rows->len;
    CS_VEC(total_ref) refs = {0};
    for (size_t i = 0; i < n; i++) {
        const cs_comm_matrix_row *r = &rows->items[i];
        if (!strstr(r->hccl_op_name, "total")) continue;
        total_ref t = {r->step, r->group, r->src, r->dst, i};
        CS_VEC_PUSH(refs, t);
    }
    cs_comm_sort(refs.items, refs.len, sizeof *refs.items, cmp_total_ref);
    for (size_t i = 0; i < refs.len;) {
        size_t j = i;
        ksum size = {0}, time = {0};
        for (; j < refs.len && same_total_key(&refs.items[i], &refs.items[j]); j++) {
            kadd(&size, rows->items[refs.items[j].row].size_mb);
            kadd(&time, rows->items[refs.items[j].row].time_ms);
        }
        const cs_comm_matrix_row *f = &rows->items[refs.items[i].row];
        cs_comm_matrix_row t = {f->step, total_name, f->group, false, f->src, f->dst,
                                f->transport, "", size.sum, time.sum, 0};
        if (time.sum != 0) t.bandwidth = size.sum / time.sum;
        else out->counts.matrix_totals_zero_time++;
        CS_VEC_PUSH(*rows, t);
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
    int s = cs_comm_step_cmp(x->step, y->step);
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
** group, link) the sum of the "-total" ones, in that order.  A chunk holds
** one (step, group), so its links, sorted and cut by set, are whole
** (set, step, group) blocks of the file: each goes to the JSON store with
** its totals, the sets' blocks in (step, group) order as the file wants. */
typedef CS_VEC(cs_comm_json_link) link_vec;

/* The "Total Op Info" links of one (set, step, group) block l[0..n): per
** (src, dst) in first-seen order, the "-total" links summed (Python +=),
** the last one's transport; then in the file's order (src, dst). */
static void link_totals(const cs_comm_json_link *l, size_t n, link_vec *tot)
{
    size_t first = tot->len;
    for (size_t k = 0; k < n; k++) {
        if (!json_adds(l[k].hccl_op_name)) continue;
        size_t m = first;
        while (m < tot->len && !(tot->items[m].src == l[k].src && tot->items[m].dst == l[k].dst)) m++;
        if (m == tot->len) {
            cs_comm_json_link t = {l[k].set, l[k].step, NULL, l[k].group, l[k].src, l[k].dst, 0, "", 0, 0, 0};
            CS_VEC_PUSH(*tot, t);
        }
        tot->items[m].transport = l[k].transport;
        tot->items[m].size_mb += l[k].size_mb;
        tot->items[m].time_ms += l[k].time_ms;
    }
    for (size_t m = first; m < tot->len; m++)
        tot->items[m].bandwidth = cs_compute_ratio(tot->items[m].size_mb, tot->items[m].time_ms);
    cs_comm_sort(tot->items + first, tot->len - first, sizeof *tot->items, cmp_json_link);
}

/* The JSON links of one chunk's merged rows (before its totals), parked. */
static int chunk_links(ctx *c, const matrix_vec *rows, const merged *mg, size_t n, cs_err *err)
{
    cs_comm_sum *out = c->out;
    link_vec links = {0};
    for (size_t i = 0; i < n; i++) {
        const cs_comm_matrix_row *r = &rows->items[mg[i].row];
        cs_comm_json_link l = {set_of(c, r->group, r->p2p), r->step, r->hccl_op_name, r->group,
                               r->src, r->dst, mg[i].transport_last, mg[i].op_name_last,
                               mg[i].size_seq, mg[i].time_seq,
                               cs_compute_ratio(mg[i].size_seq, mg[i].time_seq)};
        CS_VEC_PUSH(links, l);
    }
    cs_comm_sort(links.items, links.len, sizeof *links.items, cmp_json_link);
    int rc = 0;
    for (size_t i = 0, j; i < links.len && rc == 0; i = j) {
        for (j = i; j < links.len && links.items[j].set == links.items[i].set; j++) {}
        if (links.items[i].set >= out->sets.len) continue;     /* no rank set: not in the file */
        link_vec block = {0};
        for (size_t k = i; k < j; k++) CS_VEC_PUSH(block, links.items[k]);
        link_totals(links.items + i, j - i, &block);
        rc = cs_comm_json_store_links(out->json_store, links.items[i].set, links.items[i].step, block.items,
                                      block.len, err);
        out->json_links += block.len;
        free(block.items);
    }
    free(links.items);
    return rc;
}

/* The slot of a rank (slots sorted by rank). */
static const slot *slot_of(const ctx *c, int64_t rank)
{
    size_t lo = 0, hi = c->ns;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->s[mid].rank < rank) lo = mid + 1;
        else hi = mid;
    }
    return lo < c->ns && c->s[lo].rank == rank ? &c->s[lo] : NULL;
}

/* One (step, group) chunk: its representatives of every rank in rank order
** (op names in *names), merged, totalled and sorted as the table wants,
** then parked in out->matrix as chunk number seq. */
typedef struct chunk {
    rep_vec reps;
    cs_comm_name_block *names;
    size_t seq;
} chunk;

static int flush_chunk(ctx *c, chunk *k, cs_err *err)
{
    matrix_vec rows = {0};
    merged_vec mg = {0};
    merge_reps(c, k->reps.items, k->reps.len, &rows, &mg);
    sort_merged(&rows, mg.items, mg.len);
    int rc = c->out->json ? chunk_links(c, &rows, mg.items, mg.len, err) : 0;   /* before the totals: rows move */
    matrix_totals(c, &rows);
    /* The totals come after every op row of their key already. */
    cs_comm_sort(rows.items, rows.len, sizeof *rows.items, cmp_matrix_row);
    size_t id;
    if (rc == 0 && rows.len) rc = cs_comm_rows_add(c->out->matrix, (int64_t)k->seq++, rows.items, rows.len, NULL, 0,
                                                   &id, err);
    free(rows.items);
    free(mg.items);
    k->reps.len = 0;
    free_names(k->names);   /* the rows and links took copies */
    k->names = NULL;
    return rc;
}

/* Adds a block of one rank's representatives (groups already the cluster's). */
static void chunk_add(const ctx *c, chunk *k, const rep_row *rows, size_t n)
{
    const slot *s = n ? slot_of(c, rows[0].rank) : NULL;
    for (size_t i = 0; i < n; i++) {
        rep_row r = rows[i];
        r.op_name = keep_name(&k->names, r.op_name);
        if (s && r.type < s->types.len) r.type = s->type_map[r.type];
        CS_VEC_PUSH(k->reps, r);
    }
}

/* The matrix one (step, group) at a time: the representatives come back
** from their spool in that order, so no more than one chunk is in memory. */
static int matrix_tables(ctx *c, cs_comm_acc *acc, cs_err *err)
{
    cluster_types(c);
    char *total_name = cs_xstrdup("Total Op Info");
    CS_VEC_PUSH(c->out->hccl_names, total_name);
    c->total_name = total_name;
    c->out->matrix = cs_comm_rows_new(&matrix_kind, new_spool(acc));
    cs_comm_rows_reader *rd = cs_comm_rows_open(acc->reps);
    chunk k = {{0}, NULL, 0};
    bool failed = false, any = false;
    cs_comm_step step = {false, 0};
    uint32_t group = 0;
    int rc = 0;
    const rep_row *rows;
    size_t n;
    while (rc == 0 && (rows = cs_comm_rows_next_block(rd, &n, &failed, err)) != NULL) {
        if (!n) continue;
        if (any && (cs_comm_step_cmp(rows[0].step, step) != 0 || rows[0].group != group)) rc = flush_chunk(c, &k, err);
        step = rows[0].step;
        group = rows[0].group;
        any = true;
        chunk_add(c, &k, rows, n);
    }
    if (failed) rc = -1;
    if (rc == 0 && k.reps.len) rc = flush_chunk(c, &k, err);
    cs_comm_rows_close(rd);
    free(k.reps.items);
    free_names(k.names);
    finish_unmapped(c->out);
    return rc;
}

/* ------------------------------------------------------------------------
** Public entry points.
*/

static void free_slot(slot *s)
{
    free(s->json.items);
    free(s->kinds.items);
    free_group_list(&s->groups);
    for (size_t i = 0; i < s->types.len; i++) free(s->types.items[i]);
    free(s->types.items);
    free(s->claims.items);
    free(s->type_map);
}

void cs_comm_acc_free(cs_comm_acc *acc)
{
    if (!acc) return;
    for (size_t i = 0; i < acc->slots.len; i++) free_slot(&acc->slots.items[i]);
    free(acc->slots.items);
    cs_comm_rows_free(acc->time);
    cs_comm_rows_free(acc->bandwidth);
    cs_comm_rows_free(acc->reps);
    cs_spool_close(acc->json_spool);
    free(acc);
}

static void free_ctx(ctx *c)
{
    for (size_t g = 0; c->map && g < c->out->groups.len; g++) {
        free(c->map[g].self.items);
        free(c->map[g].conflicts.items);
    }
    free(c->map);
    free(c->set_of);
    for (size_t i = 0; i < c->types.len; i++) free(c->types.items[i]);
    free(c->types.items);
    free(c->hccl_names);
}

int cs_comm_acc_finish(cs_comm_acc *acc, const cs_parallel_group *info, size_t ninfo,
                       cs_comm_sum *out, cs_err *err)
{
    if (!info && ninfo) {
        cs_comm_acc_free(acc);
        return cs_fail(err, "communication: NULL input array");
    }
    if (acc->spool_failed) {
        cs_fail(err, "communication: %s", acc->spool_err.msg);
        cs_comm_acc_free(acc);
        return -1;
    }
    ctx c = {acc->slots.items, acc->slots.len, NULL, NULL, {0}, NULL, NULL, out};
    cs_comm_sort(c.s, c.ns, sizeof *c.s, cmp_slot);
    for (size_t i = 1; i < c.ns; i++) {
        if (c.s[i].rank == c.s[i - 1].rank) {
            int64_t rank = c.s[i].rank;
            cs_comm_acc_free(acc);
            return cs_fail(err, "communication: rank %" PRId64 " given twice", rank);
        }
    }
    out->json = acc->json;
    cluster_groups(&c, acc);
    build_rank_map(&c, info, ninfo);
    if (out->json) json_time(&c, acc);
    table_rows(&c, acc);
    int rc = matrix_tables(&c, acc, err);
    free_ctx(&c);
    cs_comm_acc_free(acc);
    return rc;
}

int cs_comm_sum_compute(const cs_comm_sum_input *in, size_t nin,
                        const cs_parallel_group *info, size_t ninfo,
                        cs_comm_sum *out, cs_err *err)
{
    if ((!in && nin) || (!info && ninfo)) return cs_fail(err, "communication: NULL input array");
    static const cs_comm_rank empty;
    cs_comm_acc *acc = cs_comm_acc_new(NULL);
    for (size_t i = 0; i < nin; i++) {
        if (cs_comm_acc_add(acc, in[i].rank, in[i].records ? in[i].records : &empty, err)) {
            cs_comm_acc_free(acc);
            return -1;
        }
    }
    return cs_comm_acc_finish(acc, info, ninfo, out, err);
}

void cs_comm_sum_free(cs_comm_sum *out)
{
    if (!out) return;
    for (size_t i = 0; i < out->groups.len; i++) free(out->groups.items[i].name);
    for (size_t i = 0; i < out->hccl_names.len; i++) free(out->hccl_names.items[i]);
    for (size_t i = 0; i < out->sets.len; i++) free(out->sets.items[i].ranks);
    free(out->groups.items);
    cs_comm_rows_free(out->time);
    cs_comm_rows_free(out->bandwidth);
    free(out->rank_sums.items);
    cs_comm_rows_free(out->matrix);
    free(out->hccl_names.items);
    free(out->sets.items);
    cs_comm_json_store_free(out->json_store);
    free(out->unmapped.items);
    memset(out, 0, sizeof *out);
}

/* ------------------------------------------------------------------------
** The whole tables in order: per (step, rank, group) the per-op rows, then
** the totals.
*/

static const void *rows_next(const cs_comm_rows *rows, cs_comm_cursor *at)
{
    if (!rows || at->failed || at->row >= cs_comm_rows_count(rows)) {
        cs_comm_cursor_close(at);
        return NULL;
    }
    if (!at->reader) at->reader = cs_comm_rows_open(rows);
    const void *row = cs_comm_rows_next(at->reader, &at->failed, &at->err);
    if (row) at->row++;
    else {
        if (!at->failed)    /* a walk that ends short would restart: an error, never a loop */
            at->failed = cs_fail(&at->err, "internal error: %zu of %zu rows read back", at->row,
                                 cs_comm_rows_count(rows)) != 0;
        cs_comm_cursor_close(at);
    }
    return row;
}

const cs_comm_time_row *cs_comm_time_next(const cs_comm_sum *s, cs_comm_cursor *at)
{
    return rows_next(s->time, at);
}

const cs_comm_bw_row *cs_comm_bw_next(const cs_comm_sum *s, cs_comm_cursor *at)
{
    return rows_next(s->bandwidth, at);
}

const cs_comm_matrix_row *cs_comm_matrix_next(const cs_comm_sum *s, cs_comm_cursor *at)
{
    return rows_next(s->matrix, at);
}

size_t cs_comm_matrix_rows(const cs_comm_sum *s)
{
    return s->matrix ? cs_comm_rows_count(s->matrix) : 0;
}

void cs_comm_cursor_close(cs_comm_cursor *at)
{
    cs_comm_rows_close(at->reader);
    at->reader = NULL;
}

size_t cs_comm_time_rows(const cs_comm_sum *s)
{
    return s->time ? cs_comm_rows_count(s->time) : 0;
}

size_t cs_comm_bw_rows(const cs_comm_sum *s)
{
    return s->bandwidth ? cs_comm_rows_count(s->bandwidth) : 0;
}

const cs_comm_rank_sums *cs_comm_sums_of(const cs_comm_sum *s, int64_t rank)
{
    size_t lo = 0, hi = s->rank_sums.len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->rank_sums.items[mid].rank < rank) lo = mid + 1;
        else hi = mid;
    }
    return lo < s->rank_sums.len && s->rank_sums.items[lo].rank == rank ? &s->rank_sums.items[lo] : NULL;
}

cs_comm_rank_sums cs_comm_sums_cluster(const cs_comm_sum *s)
{
    cs_comm_rank_sums c = {.rank = -1};
    for (size_t i = 0; i < s->rank_sums.len; i++) {
        const cs_comm_rank_sums *r = &s->rank_sums.items[i];
        c.present = true;
        c.wait_ms += r->wait_ms;
        c.sync_ms += r->sync_ms;
        c.transit_ms += r->transit_ms;
        for (int b = 0; b < CS_BAND_COUNT; b++) {
            c.size_mb[b] += r->size_mb[b];
            c.time_ms[b] += r->time_ms[b];
        }
    }
    return c;
}
