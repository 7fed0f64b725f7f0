/*
** comm_json.c — cluster_communication.json and
** cluster_communication_matrix.json (see comm_json.h).
*/
#include "comm_json.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metadata.h"
#include "table.h"

typedef CS_VEC(char) text_buf;

/* Where the text goes: a file (f) or a string (b). */
typedef struct json_out {
    text_buf b;
    FILE *f;
    bool failed;            /* a write to f failed */
} json_out;

static void put(json_out *o, const char *s)
{
    if (o->f) {
        o->failed |= fputs(s, o->f) < 0;
        return;
    }
    size_t n = strlen(s);
    CS_VEC_RESERVE(o->b, o->b.len + n + 1);
    memcpy(o->b.items + o->b.len, s, n + 1);
    o->b.len += n;
}

/* ------------------------------------------------------------------------
** Numbers: raw items, so the printer keeps the Python form.
*/

static cJSON *num_float(double v)
{
    char buf[48];
    cs_format_double(v, buf, sizeof buf);
    return cJSON_CreateRaw(buf);
}

static cJSON *num_int(int64_t v)
{
    char buf[24];
    snprintf(buf, sizeof buf, "%" PRId64, v);
    return cJSON_CreateRaw(buf);
}

/* A value the reference initialises with the int 0 and turns into a float
** only when it computes or adds something: is_float says it did. */
static cJSON *num_py(double v, bool is_float)
{
    return is_float || v != 0 ? num_float(v) : num_int(0);
}

/* compute_ratio(a, b): the int 0 when |b| < 1e-15, else a float. */
static cJSON *num_ratio(double ratio, double divisor)
{
    return num_py(ratio, fabs(divisor) >= 1e-15);
}

static void add(cJSON *obj, const char *key, cJSON *item)
{
    cJSON_AddItemToObject(obj, key, item);
}

/* ------------------------------------------------------------------------
** Keys.
*/

/* str(tuple(ranks)): "(0, 1)", "(5,)", "()". */
static void put_set_key(json_out *b, const cs_comm_rank_set *set)
{
    char num[32];
    put(b, "\"(");
    for (size_t i = 0; i < set->nranks; i++) {
        snprintf(num, sizeof num, "%s%" PRId64, i ? ", " : "", set->ranks[i]);
        put(b, num);
    }
    put(b, set->nranks == 1 ? ",)\": " : ")\": ");
}

static void put_step_key(json_out *b, cs_comm_step step)
{
    char label[32];
    cs_comm_step_label(label, sizeof label, step.has_id, step.id);
    put(b, "\"");
    put(b, label);
    put(b, "\": ");
}

/* The text of a block: "{"<set>": {"<step>": <tree>, ...}, ...}".  Blocks
** arrive in (set, step) order; open_block() starts one, closing the
** previous set's object when the set changes. */
typedef struct doc {
    json_out *out;
    uint32_t set;           /* UINT32_MAX before the first block */
} doc;

static void open_block(doc *d, const cs_comm_sum *s, uint32_t set, cs_comm_step step)
{
    if (d->set != set) {
        put(d->out, d->set == UINT32_MAX ? "{" : "}, ");
        put_set_key(d->out, &s->sets.items[set]);
        put(d->out, "{");
        d->set = set;
    } else {
        put(d->out, ", ");
    }
    put_step_key(d->out, step);
}

static void put_tree(doc *d, cJSON *tree)
{
    char *t = cs_json_dumps(tree);
    put(d->out, t);
    free(t);
    cJSON_Delete(tree);
}

static void close_doc(doc *d)
{
    put(d->out, d->set == UINT32_MAX ? "{}" : "}}");
}

/* A document being written by a block visitor (cs_comm_json_blocks,
** cs_comm_json_link_blocks). */
typedef struct doc_writer {
    const cs_comm_sum *s;
    doc d;
} doc_writer;

/* Runs walk() over the blocks into out and closes the document: 0, or -1
** with a message (the blocks could not be read back, or a write failed). */
static int write_doc(const cs_comm_sum *s, json_out *out, int (*walk)(doc_writer *w, cs_err *err), cs_err *err)
{
    doc_writer w = {s, {out, UINT32_MAX}};
    int rc = walk(&w, err);
    close_doc(&w.d);
    if (out->failed) rc = cs_fail(err, "write error");
    return rc;
}

/* The whole document as a string, NULL when it cannot be built. */
static char *doc_text(const cs_comm_sum *s, int (*walk)(doc_writer *w, cs_err *err))
{
    json_out out = {{0}, NULL, false};
    cs_err err;
    if (write_doc(s, &out, walk, &err)) {
        free(out.b.items);
        return NULL;
    }
    return out.b.items;
}

/* The document written to f block by block. */
static int doc_file(const cs_comm_sum *s, FILE *f, int (*walk)(doc_writer *w, cs_err *err), cs_err *err)
{
    json_out out = {{0}, f, false};
    return write_doc(s, &out, walk, err);
}

/* ------------------------------------------------------------------------
** cluster_communication.json
*/

/* Band types in the order msprof writes them (StrConstant.TRANSIT_TYPE). */
static const int band_order[CS_BAND_COUNT] = {CS_BAND_RDMA, CS_BAND_HCCS, CS_BAND_PCIE,
                                              CS_BAND_SDMA, CS_BAND_SIO};

static const cs_comm_band *op_band(const cs_comm_rank *rec, const cs_comm_op *op, int type)
{
    for (uint32_t i = 0; i < op->nbands; i++) {
        const cs_comm_band *b = &rec->bands.items[op->band_first + i];
        if (b->type == type) return b;
    }
    return NULL;
}

static cJSON *size_distribution(const cs_comm_packet *p, size_t n)
{
    cJSON *dist = cJSON_CreateObject();
    char key[48];
    for (size_t i = 0; i < n; i++) {
        cJSON *pair = cJSON_CreateArray();
        cJSON_AddItemToArray(pair, num_int(p[i].count));
        cJSON_AddItemToArray(pair, num_float(p[i].total_ms));
        cs_format_double(p[i].size_mb, key, sizeof key);
        add(dist, key, pair);
    }
    return dist;
}

/* One rank's entry of an op, as msprof's communication.json holds it:
** op_time_parser starts every time field at the int 0 (elapse and idle are
** always computed, transit, wait and sync only added to, a ratio is left
** at 0 on ZeroDivisionError); init_bandwidth_dict starts every band field
** at 0, and a band with packets gets float sizes and times, a bandwidth
** when its time is not 0 and (not SDMA) a Large Packet Ratio. */
static cJSON *op_entry(const cs_comm_rank *rec, const cs_comm_op *op)
{
    cJSON *entry = cJSON_CreateObject();
    cJSON *ti = cJSON_CreateObject();
    add(ti, "Start Timestamp(us)", num_float(op->start_us));
    add(ti, "Elapse Time(ms)", num_float(op->elapse_ms));
    add(ti, "Transit Time(ms)", num_py(op->transit_ms, false));
    add(ti, "Wait Time(ms)", num_py(op->wait_ms, false));
    add(ti, "Synchronization Time(ms)", num_py(op->sync_ms, false));
    add(ti, "Idle Time(ms)", num_float(op->idle_ms));
    add(ti, "Wait Time Ratio", num_py(op->wait_ratio, op->wait_ms + op->transit_ms != 0));
    add(ti, "Synchronization Time Ratio", num_py(op->sync_ratio, op->sync_ms + op->transit_ms != 0));
    add(entry, "Communication Time Info", ti);
    cJSON *bi = cJSON_CreateObject();
    for (int k = 0; k < CS_BAND_COUNT; k++) {
        int type = band_order[k];
        const cs_comm_band *b = op_band(rec, op, type);
        cJSON *bo = cJSON_CreateObject();
        if (!b) {
            add(bo, "Transit Size(MB)", num_int(0));
            add(bo, "Transit Time(ms)", num_int(0));
            add(bo, "Bandwidth(GB/s)", num_int(0));
            add(bo, "Large Packet Ratio", num_int(0));
            add(bo, "Size Distribution", cJSON_CreateObject());
        } else {
            add(bo, "Transit Size(MB)", num_float(b->size_mb));
            add(bo, "Transit Time(ms)", num_float(b->time_ms));
            add(bo, "Bandwidth(GB/s)", num_py(b->bandwidth, b->time_ms != 0));
            add(bo, "Large Packet Ratio", num_py(b->large_packet_ratio, type != CS_BAND_SDMA && b->npackets > 0));
            add(bo, "Size Distribution", size_distribution(rec->packets.items + b->packet_first, b->npackets));
        }
        add(bi, cs_comm_band_name(type), bo);
    }
    add(entry, "Communication Bandwidth Info", bi);
    return entry;
}

/* "Total Op Info@<group>" of one rank (communication_analysis.py
** compute_total_info): times start at 0.0, band fields at the int 0 and
** stay ints when every op of the run lacks the band. */
static cJSON *total_entry(const cs_comm_json_block *blk, const cs_comm_json_total *t)
{
    cJSON *entry = cJSON_CreateObject();
    cJSON *ti = cJSON_CreateObject();
    add(ti, "Elapse Time(ms)", num_float(t->elapse_ms));
    add(ti, "Transit Time(ms)", num_float(t->transit_ms));
    add(ti, "Wait Time(ms)", num_float(t->wait_ms));
    add(ti, "Synchronization Time(ms)", num_float(t->sync_ms));
    add(ti, "Idle Time(ms)", num_float(t->idle_ms));
    add(ti, "Wait Time Ratio", num_ratio(t->wait_ratio, t->wait_ms + t->transit_ms));
    add(ti, "Synchronization Time Ratio", num_ratio(t->sync_ratio, t->sync_ms + t->transit_ms));
    add(entry, "Communication Time Info", ti);
    cJSON *bi = cJSON_CreateObject();
    for (int k = 0; k < CS_BAND_COUNT; k++) {
        int type = band_order[k];
        const cs_comm_json_band *b = &t->band[type];
        bool present = b->size_mb != 0 || b->time_ms != 0 || b->npackets > 0;
        cJSON *bo = cJSON_CreateObject();
        add(bo, "Transit Time(ms)", num_py(b->time_ms, present));
        add(bo, "Transit Size(MB)", num_py(b->size_mb, present));
        add(bo, "Size Distribution", size_distribution(blk->packets.items + b->packet_first, b->npackets));
        add(bo, "Bandwidth(GB/s)", num_ratio(b->bandwidth, b->time_ms));
        add(bi, cs_comm_band_name(type), bo);
    }
    add(entry, "Communication Bandwidth Info", bi);
    return entry;
}

/* One per-op entry, with its sort key. */
typedef struct ent {
    uint32_t set;
    cs_comm_step step;
    int64_t rank;
    bool p2p;
    uint32_t group;         /* index into cs_comm_sum.groups */
    size_t idx;             /* index into the block's ops */
    char *key;              /* "<name>@<hash>" */
    size_t pos;             /* position in the block's walk */
} ent;

static int cmp_ent_walk(const void *a, const void *b)
{
    const ent *x = a, *y = b;
    if (x->set != y->set) return x->set < y->set ? -1 : 1;
    int c = cs_comm_step_cmp(x->step, y->step);
    if (c) return c;
    if (x->rank != y->rank) return x->rank < y->rank ? -1 : 1;
    if (x->p2p != y->p2p) return x->p2p ? -1 : 1;   /* the p2p section first */
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int cmp_ent_key(const void *a, const void *b)
{
    const ent *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    if (c) return c;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* A distinct op key of a block: entries [first, first + n) of the
** key-sorted array, first seen at pos. */
typedef struct key_run {
    size_t first, n, pos;
} key_run;

static int cmp_run_pos(const void *a, const void *b)
{
    const key_run *x = a, *y = b;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* (rank, first position) of a group's total. */
typedef struct rank_pos {
    uint32_t group;
    int64_t rank;
    size_t pos;
} rank_pos;

static int cmp_rank_pos_rank(const void *a, const void *b)
{
    const rank_pos *x = a, *y = b;
    if (x->group != y->group) return x->group < y->group ? -1 : 1;
    if (x->rank != y->rank) return x->rank < y->rank ? -1 : 1;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static int cmp_rank_pos_pos(const void *a, const void *b)
{
    const rank_pos *x = a, *y = b;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* Index of a group hash in s->groups, UINT32_MAX when absent. */
static uint32_t group_index(const cs_comm_sum *s, uint64_t hash)
{
    for (size_t g = 0; g < s->groups.len; g++)
        if (s->groups.items[g].hash == hash) return (uint32_t)g;
    return UINT32_MAX;
}

/* The block's total of (group, rank); the totals are sorted so. */
static const cs_comm_json_total *find_total(const cs_comm_json_block *b, uint32_t group, int64_t rank)
{
    size_t lo = 0, hi = b->totals.len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const cs_comm_json_total *t = &b->totals.items[mid];
        if (t->group < group || (t->group == group && t->rank < rank)) lo = mid + 1;
        else hi = mid;
    }
    if (lo < b->totals.len && b->totals.items[lo].group == group && b->totals.items[lo].rank == rank)
        return &b->totals.items[lo];
    return NULL;
}

/* The tree of one (set, step) block: e[0..n) in walk order. */
static cJSON *time_block(const cs_comm_sum *s, const cs_comm_json_block *b, ent *e, size_t n)
{
    for (size_t i = 0; i < n; i++) e[i].pos = i;
    qsort(e, n, sizeof *e, cmp_ent_key);
    CS_VEC(key_run) runs = {0};
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && strcmp(e[j].key, e[i].key) == 0) j++;
        key_run r = {i, j - i, e[i].pos};
        CS_VEC_PUSH(runs, r);
        i = j;
    }
    qsort(runs.items, runs.len, sizeof *runs.items, cmp_run_pos);

    cJSON *step = cJSON_CreateObject();
    CS_VEC(rank_pos) rp = {0};
    CS_VEC(uint32_t) groups = {0};      /* first-seen order */
    size_t walk = 0;
    char rank_key[24];
    for (size_t k = 0; k < runs.len; k++) {
        const key_run *r = &runs.items[k];
        cJSON *op = cJSON_CreateObject();
        uint32_t g = e[r->first].group;
        size_t q = 0;
        while (q < groups.len && groups.items[q] != g) q++;
        if (q == groups.len) CS_VEC_PUSH(groups, g);
        int64_t last = 0;
        for (size_t i = r->first; i < r->first + r->n; i++) {
            /* setdefault: a rank listed twice under one key keeps its first entry */
            if (i > r->first && e[i].rank == last) continue;
            last = e[i].rank;
            const cs_comm_json_op *j = &b->ops.items[e[i].idx];
            snprintf(rank_key, sizeof rank_key, "%" PRId64, e[i].rank);
            add(op, rank_key, op_entry(j->records, &j->records->ops.items[j->op]));
            rank_pos p = {g, e[i].rank, walk++};
            CS_VEC_PUSH(rp, p);
        }
        add(step, e[r->first].key, op);
    }

    /* "Total Op Info@<group>": groups and their ranks in first-seen order. */
    qsort(rp.items, rp.len, sizeof *rp.items, cmp_rank_pos_rank);
    size_t m = 0;
    for (size_t i = 0; i < rp.len; i++)
        if (i == 0 || rp.items[i].group != rp.items[i - 1].group || rp.items[i].rank != rp.items[i - 1].rank)
            rp.items[m++] = rp.items[i];
    rp.len = m;
    qsort(rp.items, rp.len, sizeof *rp.items, cmp_rank_pos_pos);
    for (size_t q = 0; q < groups.len; q++) {
        uint32_t g = groups.items[q];
        cJSON *tot = cJSON_CreateObject();
        for (size_t i = 0; i < rp.len; i++) {
            if (rp.items[i].group != g) continue;
            const cs_comm_json_total *t = find_total(b, g, rp.items[i].rank);
            if (!t) continue;   /* comm_sum makes one for every (set, step, group, rank) */
            snprintf(rank_key, sizeof rank_key, "%" PRId64, rp.items[i].rank);
            add(tot, rank_key, total_entry(b, t));
        }
        char *key = cs_xasprintf("Total Op Info@%" PRIu64, g < s->groups.len ? s->groups.items[g].hash : 0);
        add(step, key, tot);
        free(key);
    }
    free(runs.items);
    free(rp.items);
    free(groups.items);
    return step;
}


/* One (set, step) block, its entries in walk order. */
static int time_visit(void *arg, const cs_comm_json_block *b)
{
    doc_writer *w = arg;
    const cs_comm_sum *s = w->s;
    ent *e = cs_xmalloc((b->ops.len ? b->ops.len : 1) * sizeof *e);
    size_t n = 0;
    for (size_t i = 0; i < b->ops.len; i++) {
        const cs_comm_json_op *j = &b->ops.items[i];
        if (!j->records || j->op >= j->records->ops.len) continue;
        const cs_comm_op *op = &j->records->ops.items[j->op];
        if (op->group >= j->records->groups.len) continue;
        uint64_t hash = j->records->groups.items[op->group].hash;
        ent x = {b->set, b->step, j->rank, op->p2p, group_index(s, hash), i,
                 cs_xasprintf("%s@%" PRIu64, op->name, hash), 0};
        e[n++] = x;
    }
    qsort(e, n, sizeof *e, cmp_ent_walk);
    if (n) {
        open_block(&w->d, s, b->set, b->step);
        put_tree(&w->d, time_block(s, b, e, n));
    }
    for (size_t i = 0; i < n; i++) free(e[i].key);
    free(e);
    return w->d.out->failed ? -1 : 0;     /* no point building the rest after a write error */
}

static int time_walk(doc_writer *w, cs_err *err)
{
    return cs_comm_json_blocks(w->s, time_visit, w, err);
}

char *cs_comm_json_time(const cs_comm_sum *s)
{
    return doc_text(s, time_walk);
}

int cs_comm_json_time_write(const cs_comm_sum *s, FILE *f, cs_err *err)
{
    return doc_file(s, f, time_walk, err);
}

/* ------------------------------------------------------------------------
** cluster_communication_matrix.json
*/

/* A link as comm_matrix_analysis.py leaves it: Transport Type, Transit
** Time(ms), Transit Size(MB), Op Name from its defaults, then the
** compute_ratio bandwidth. */
static cJSON *link_entry(const cs_comm_json_link *l)
{
    cJSON *o = cJSON_CreateObject();
    add(o, "Transport Type", cJSON_CreateString(cs_comm_transport_name(l->transport)));
    add(o, "Transit Time(ms)", num_float(l->time_ms));
    add(o, "Transit Size(MB)", num_float(l->size_mb));
    add(o, "Op Name", cJSON_CreateString(l->op_name ? l->op_name : ""));
    add(o, "Bandwidth(GB/s)", num_ratio(l->bandwidth, l->time_ms));
    return o;
}

/* One (set, step) block: l[0..n) sorted as cs_comm_json_link_blocks gives them (group,
** representatives by name, then the group's totals). */
static cJSON *matrix_block(const cs_comm_sum *s, const cs_comm_json_link *l, size_t n)
{
    cJSON *step = cJSON_CreateObject();
    char link_key[48];
    for (int totals = 0; totals < 2; totals++) {
        cJSON *op = NULL;
        for (size_t i = 0; i < n; i++) {
            if ((l[i].hccl_op_name == NULL) != totals) continue;
            bool same = op && i > 0 && l[i - 1].group == l[i].group &&
                        (l[i - 1].hccl_op_name == NULL) == (l[i].hccl_op_name == NULL) &&
                        (totals || strcmp(l[i - 1].hccl_op_name, l[i].hccl_op_name) == 0);
            if (!same) {
                uint64_t hash = l[i].group < s->groups.len ? s->groups.items[l[i].group].hash : 0;
                char *key = cs_xasprintf("%s@%" PRIu64, totals ? "Total Op Info" : l[i].hccl_op_name, hash);
                op = cJSON_CreateObject();
                add(step, key, op);
                free(key);
            }
            snprintf(link_key, sizeof link_key, "%" PRId64 "-%" PRId64, l[i].src, l[i].dst);
            add(op, link_key, link_entry(&l[i]));
        }
    }
    return step;
}


static int matrix_visit(void *arg, uint32_t set, cs_comm_step step, const cs_comm_json_link *l, size_t n)
{
    doc_writer *w = arg;
    open_block(&w->d, w->s, set, step);
    put_tree(&w->d, matrix_block(w->s, l, n));
    return w->d.out->failed ? -1 : 0;     /* no point building the rest after a write error */
}

static int matrix_walk(doc_writer *w, cs_err *err)
{
    return cs_comm_json_link_blocks(w->s, matrix_visit, w, err);
}

char *cs_comm_json_matrix(const cs_comm_sum *s)
{
    return doc_text(s, matrix_walk);
}

int cs_comm_json_matrix_write(const cs_comm_sum *s, FILE *f, cs_err *err)
{
    return doc_file(s, f, matrix_walk, err);
}
