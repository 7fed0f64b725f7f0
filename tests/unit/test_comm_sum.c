/*
** test_comm_sum.c — the cluster communication reduce: golden cases G2 and G3
** of analyses.md §5.2, the communication_time_sum / matrix_sum cases of
** §5.1, the JSON totals, local->global mapping (metadata, self links,
** dropped links) and independence of the input order.
*/
#include "check.h"
#include "json_links_util.h"
#include "comm_json.h"
#include "comm_sum.h"
#include "file_spool.h"
#include "hccl_names.h"
#include "rank_result.h"

/* ------------------------------------------------------------------------
** Building records by hand (what cs_comm_rank_compute would produce).
*/

static uint32_t add_group(cs_comm_rank *r, const char *name, uint64_t hash)
{
    cs_comm_group g = {cs_xstrdup(name), hash};
    CS_VEC_PUSH(r->groups, g);
    return (uint32_t)(r->groups.len - 1);
}

/* Adds an op in step `step` (< 0: no step id); returns its index. */
static size_t add_op(cs_comm_rank *r, uint32_t group, const char *name, int64_t step, double start_us,
                     double elapse, double transit, double wait, double sync, double idle)
{
    cs_comm_op op = {.name = cs_xstrdup(name), .group = group, .has_step_id = step >= 0,
                     .step_id = step >= 0 ? step : 0, .p2p = cs_is_p2p_by_type_rule(name),
                     .start_us = start_us, .elapse_ms = elapse, .transit_ms = transit,
                     .wait_ms = wait, .sync_ms = sync, .idle_ms = idle,
                     .band_first = (uint32_t)r->bands.len, .link_first = (uint32_t)r->links.len};
    CS_VEC_PUSH(r->ops, op);
    r->counts.ops_kept++;
    return r->ops.len - 1;
}

/* Adds a band to op (the op's bands and links must be added in a row). */
static void add_band(cs_comm_rank *r, size_t op, int type, double size, double time, double bw)
{
    cs_comm_band b = {.type = (uint8_t)type, .packet_first = (uint32_t)r->packets.len,
                      .size_mb = size, .time_ms = time, .bandwidth = bw};
    CS_VEC_PUSH(r->bands, b);
    r->ops.items[op].nbands++;
}

/* Adds a packet size to the last band. */
static void add_packet(cs_comm_rank *r, double size, int64_t count, double total)
{
    cs_comm_packet p = {size, count, total};
    CS_VEC_PUSH(r->packets, p);
    r->bands.items[r->bands.len - 1].npackets++;
}

static void add_link(cs_comm_rank *r, size_t op, uint32_t src, uint32_t dst, int transport,
                     double size, double time)
{
    cs_comm_link l = {src, dst, (uint8_t)transport, size, time, time != 0 ? cs_round4(size / time) : 0};
    CS_VEC_PUSH(r->links, l);
    r->ops.items[op].nlinks++;
    cs_comm_rank_integrate(r);      /* the representatives follow the links */
}

static void sum(const cs_comm_sum_input *in, size_t n, const cs_parallel_group *info, size_t ninfo,
                cs_comm_sum *out)
{
    cs_err err = {{0}};
    memset(out, 0, sizeof *out);
    CHECK_INT(cs_comm_sum_compute(in, n, info, ninfo, out, &err), 0);
}

static int is_total(const char *op_name)
{
    return op_name == NULL;
}

/* ------------------------------------------------------------------------
** G2 — communication_time_sum (§5.2).
*/

static void g2_records(cs_comm_rank *r0, cs_comm_rank *r1)
{
    memset(r0, 0, sizeof *r0);
    memset(r1, 0, sizeof *r1);
    uint32_t g = add_group(r0, "g111", 111);
    size_t a = add_op(r0, g, "hcom_allReduce__111_0_1", 1, 100, 1.0, .4, .5, .3, .1);
    add_band(r0, a, CS_BAND_HCCS, 10, 0.5, 20.0);
    add_packet(r0, 4, 2, 0.2);
    add_packet(r0, 2, 1, 0.3);
    add_band(r0, a, CS_BAND_SDMA, 10, 0.5, 20.0);
    size_t b = add_op(r0, g, "hcom_allReduce__111_1_1", 1, 200, 2.0, 1.0, .8, 0, .2);
    add_band(r0, b, CS_BAND_HCCS, 20, 0.8, 25.0);
    add_packet(r0, 4, 5, 0.8);
    add_band(r0, b, CS_BAND_SDMA, 20, 0.8, 25.0);

    g = add_group(r1, "g111", 111);
    a = add_op(r1, g, "hcom_allReduce__111_0_1", 1, 100, .9, .4, .4, .2, .1);
    add_band(r1, a, CS_BAND_HCCS, 10, 0.4, 25.0);
    add_packet(r1, 4, 3, 0.4);
    add_op(r1, g, "hcom_allReduce__111_1_1", 1, 200, 1.5, 1.0, .3, .1, .2);
}

/* The cursor's rows live until its next call: the helpers below hand out
** copies, each in one of RING slots with its op name, so that a test can
** hold several at once. */
#define RING 32

typedef struct time_copy {
    cs_comm_time_row row;
    char name[96];
} time_copy;

typedef struct bw_copy {
    cs_comm_bw_row row;
    char name[96];
} bw_copy;

static const cs_comm_time_row *keep_time(const cs_comm_time_row *r)
{
    static time_copy ring[RING];
    static size_t next;
    if (!r) return NULL;
    time_copy *c = &ring[next++ % RING];
    c->row = *r;
    if (r->op_name) {
        snprintf(c->name, sizeof c->name, "%s", r->op_name);
        c->row.op_name = c->name;
    }
    return &c->row;
}

static const cs_comm_bw_row *keep_bw(const cs_comm_bw_row *r)
{
    static bw_copy ring[RING];
    static size_t next;
    if (!r) return NULL;
    bw_copy *c = &ring[next++ % RING];
    c->row = *r;
    if (r->op_name) {
        snprintf(c->name, sizeof c->name, "%s", r->op_name);
        c->row.op_name = c->name;
    }
    return &c->row;
}

/* Row k of the whole ClusterCommunicationTime (per-op rows and totals in
** table order), or NULL. */
static const cs_comm_time_row *time_row(const cs_comm_sum *s, size_t k)
{
    cs_comm_cursor at = {0};
    const cs_comm_time_row *r = cs_comm_time_next(s, &at);
    for (size_t i = 0; i < k && r; i++) r = cs_comm_time_next(s, &at);
    r = keep_time(r);
    CHECK(!at.failed);
    cs_comm_cursor_close(&at);
    return r;
}

static const cs_comm_bw_row *bw_row(const cs_comm_sum *s, size_t k)
{
    cs_comm_cursor at = {0};
    const cs_comm_bw_row *r = cs_comm_bw_next(s, &at);
    for (size_t i = 0; i < k && r; i++) r = cs_comm_bw_next(s, &at);
    r = keep_bw(r);
    CHECK(!at.failed);
    cs_comm_cursor_close(&at);
    return r;
}

/* The first "Total Op Info" time row of a rank. */
static const cs_comm_time_row *time_total(const cs_comm_sum *s, int64_t rank)
{
    const cs_comm_time_row *r;
    for (size_t k = 0; (r = time_row(s, k)) != NULL; k++)
        if (!r->op_name && r->rank == rank) return r;
    return NULL;
}

static const cs_comm_bw_row *bw_total(const cs_comm_sum *s, int64_t rank, int band, double pkg)
{
    const cs_comm_bw_row *b;
    for (size_t k = 0; (b = bw_row(s, k)) != NULL; k++)
        if (!b->op_name && b->rank == rank && b->band == band && b->package_size == pkg) return b;
    return NULL;
}

/* The matrix rows of a result, copied (op names included) into one of
** RING slots, so that a test can index them and compare two results; each
** call reads the rows back anew. */
typedef struct matrix_copy {
    cs_comm_matrix_row *items;
    size_t len;
    char (*names)[96];
} matrix_copy;

static const matrix_copy *matrix_of(const cs_comm_sum *s)
{
    static matrix_copy ring[RING];
    static size_t next;
    matrix_copy *m = &ring[next++ % RING];
    free(m->items);
    free(m->names);
    size_t n = cs_comm_matrix_rows(s);
    m->items = calloc(n + 1, sizeof *m->items);
    m->names = calloc(n + 1, sizeof *m->names);
    m->len = 0;
    cs_comm_cursor at = {0};
    for (const cs_comm_matrix_row *r; (r = cs_comm_matrix_next(s, &at)) != NULL; m->len++) {
        m->items[m->len] = *r;
        snprintf(m->names[m->len], sizeof *m->names, "%s", r->op_name);
        m->items[m->len].op_name = m->names[m->len];
    }
    CHECK(!at.failed);
    return m;
}

/* Every block's JSON totals with their size distributions (packet_first
** into packets), and the per-op entries counted. */
typedef struct json_copy {
    CS_VEC(cs_comm_json_total) totals;
    CS_VEC(cs_comm_packet) packets;
    size_t ops;
} json_copy;

static int collect_block(void *arg, const cs_comm_json_block *b)
{
    json_copy *jc = arg;
    jc->ops += b->ops.len;
    for (size_t i = 0; i < b->totals.len; i++) {
        cs_comm_json_total t = b->totals.items[i];
        CHECK(t.set == b->set);
        for (int k = 0; k < CS_BAND_COUNT; k++) t.band[k].packet_first += (uint32_t)jc->packets.len;
        CS_VEC_PUSH(jc->totals, t);
    }
    for (size_t i = 0; i < b->packets.len; i++) CS_VEC_PUSH(jc->packets, b->packets.items[i]);
    return 0;
}

static json_copy json_of(const cs_comm_sum *s)
{
    json_copy jc = {{0}, {0}, 0};
    cs_err err = {{0}};
    CHECK_INT(cs_comm_json_blocks(s, collect_block, &jc, &err), 0);
    CHECK_INT(jc.ops, s->json_ops);
    return jc;
}

static void json_copy_free(json_copy *jc)
{
    free(jc->totals.items);
    free(jc->packets.items);
}

/* Per-op rows (totals false) or "Total Op Info" rows of the whole table. */
static size_t count_time(const cs_comm_sum *s, bool totals)
{
    cs_comm_cursor at = {0};
    size_t n = 0;
    for (const cs_comm_time_row *r; (r = cs_comm_time_next(s, &at)) != NULL;) n += (r->op_name == NULL) == totals;
    return n;
}

static size_t count_bw(const cs_comm_sum *s, bool totals)
{
    cs_comm_cursor at = {0};
    size_t n = 0;
    for (const cs_comm_bw_row *r; (r = cs_comm_bw_next(s, &at)) != NULL;) n += (r->op_name == NULL) == totals;
    return n;
}

static void test_g2(void)
{
    cs_comm_rank r0, r1;
    g2_records(&r0, &r1);
    cs_comm_sum_input in[] = {{1, &r1}, {0, &r0}};      /* any order */
    cs_comm_sum s;
    sum(in, 2, NULL, 0, &s);

    CHECK_INT(s.groups.len, 1);
    CHECK(s.groups.len && s.groups.items[0].hash == 111);
    /* rows: rank 0 op, op, total; rank 1 op, op, total */
    CHECK_INT(count_time(&s, false), 4);
    CHECK_INT(count_time(&s, true), 2);
    CHECK_INT(cs_comm_time_rows(&s), 6);
    if (cs_comm_time_rows(&s) == 6) {
        const cs_comm_time_row *r0 = time_row(&s, 0);
        CHECK_INT(r0->rank, 0);
        CHECK_STR(r0->op_name, "hcom_allReduce__111_0_1");
        CHECK(r0->step.has_id && r0->step.id == 1);
        CHECK(r0->start_us == 100);
        CHECK(r0->sync_ratio == 0.4286);    /* .3 / .7: §8.6 item 5, per-op ratios */
        CHECK(r0->wait_ratio == 0.5556);
        CHECK(is_total(time_row(&s, 2)->op_name));
        CHECK_INT(time_row(&s, 3)->rank, 1);
        CHECK(is_total(time_row(&s, 5)->op_name));
        CHECK(time_row(&s, 6) == NULL);
    }
    const cs_comm_time_row *t0 = time_total(&s, 0), *t1 = time_total(&s, 1);
    CHECK(t0 && t1);
    if (t0 && t1) {
        CHECK_DBL(t0->elapse_ms, 3.0);
        CHECK_DBL(t0->transit_ms, 1.4);
        CHECK_DBL(t0->wait_ms, 1.3);
        CHECK_DBL(t0->sync_ms, 0.3);
        CHECK_DBL(t0->idle_ms, 0.3);
        CHECK(t0->sync_ratio == 0.1765);
        CHECK(t0->wait_ratio == 0.4815);
        CHECK(t0->start_us == 0);
        CHECK_DBL(t1->elapse_ms, 2.4);
        CHECK_DBL(t1->transit_ms, 1.4);
        CHECK_DBL(t1->wait_ms, 0.7);
        CHECK_DBL(t1->sync_ms, 0.3);
        CHECK_DBL(t1->idle_ms, 0.3);
        CHECK(t1->sync_ratio == 0.1765);
        CHECK(t1->wait_ratio == 0.3333);
    }

    /* bandwidth per-op rows: rank 0: 2 + 1 + 1 + 1, rank 1: 1; totals:
    ** rank 0 HCCS 2 sizes + SDMA 1, rank 1 HCCS 1 */
    CHECK_INT(cs_comm_bw_rows(&s), 10);
    CHECK_INT(count_bw(&s, false), 6);
    const cs_comm_bw_row *h2 = bw_total(&s, 0, CS_BAND_HCCS, 2), *h4 = bw_total(&s, 0, CS_BAND_HCCS, 4);
    const cs_comm_bw_row *sd = bw_total(&s, 0, CS_BAND_SDMA, 0), *r1h = bw_total(&s, 1, CS_BAND_HCCS, 4);
    CHECK(h2 && h4 && sd && r1h);
    if (h2 && h4 && sd && r1h) {
        CHECK_DBL(h2->size_mb, 30);
        CHECK_DBL(h2->time_ms, 1.3);
        CHECK(h2->bandwidth == 23.0769);
        CHECK_INT(h2->count, 1);
        CHECK_DBL(h2->total_ms, 0.3);
        CHECK_INT(h4->count, 7);
        CHECK_DBL(h4->total_ms, 1.0);
        CHECK(h4->bandwidth == 23.0769);
        CHECK(h4->large_packet_ratio == 0);
        CHECK_DBL(sd->size_mb, 30);
        CHECK(sd->bandwidth == 23.0769);
        CHECK_INT(sd->count, 0);
        CHECK(sd->total_ms == 0);
        CHECK_DBL(r1h->size_mb, 10);
        CHECK_DBL(r1h->time_ms, 0.4);
        CHECK(r1h->bandwidth == 25.0);
        CHECK_INT(r1h->count, 3);
        CHECK_DBL(r1h->total_ms, 0.4);
    }
    /* ORDER BY: rank 0's op rows (by start, name, band, package) then totals */
    if (cs_comm_bw_rows(&s) == 10) {
        const cs_comm_bw_row *b[10];
        for (size_t k = 0; k < 10; k++) b[k] = bw_row(&s, k);
        CHECK(b[0]->rank == 0 && b[0]->band == CS_BAND_HCCS && b[0]->package_size == 2);
        CHECK(b[1]->package_size == 4 && b[1]->count == 2);
        CHECK(b[2]->band == CS_BAND_SDMA && b[2]->count == 0);
        CHECK_STR(b[3]->op_name, "hcom_allReduce__111_1_1");
        CHECK(is_total(b[5]->op_name) && b[5]->band == CS_BAND_HCCS && b[5]->package_size == 2);
        CHECK(is_total(b[7]->op_name) && b[7]->band == CS_BAND_SDMA);
        CHECK(b[8]->rank == 1 && !is_total(b[8]->op_name));
        CHECK(bw_row(&s, 10) == NULL);
    }

    /* summary.json's sums: per-op rows only, each op's band once whatever
    ** its packet-size rows (op a of rank 0 has two HCCS rows) */
    const cs_comm_rank_sums *q0 = cs_comm_sums_of(&s, 0), *q1 = cs_comm_sums_of(&s, 1);
    CHECK(q0 && q1 && cs_comm_sums_of(&s, 2) == NULL);
    if (q0 && q1) {
        CHECK(q0->present);
        CHECK_DBL(q0->wait_ms, 1.3);
        CHECK_DBL(q0->sync_ms, 0.3);
        CHECK_DBL(q0->transit_ms, 1.4);
        CHECK_DBL(q0->size_mb[CS_BAND_HCCS], 30);
        CHECK_DBL(q0->time_ms[CS_BAND_HCCS], 1.3);
        CHECK_DBL(q0->size_mb[CS_BAND_SDMA], 30);
        CHECK(q0->size_mb[CS_BAND_RDMA] == 0);
        CHECK_DBL(q1->wait_ms, 0.7);
        CHECK_DBL(q1->size_mb[CS_BAND_HCCS], 10);
    }
    cs_comm_rank_sums all = cs_comm_sums_cluster(&s);
    CHECK(all.present);
    CHECK_DBL(all.wait_ms, 2.0);
    CHECK_DBL(all.size_mb[CS_BAND_HCCS], 40);
    CHECK_DBL(all.time_ms[CS_BAND_HCCS], 1.7);

    /* JSON: one set (0, 1), per-op entries and one total per rank */
    CHECK_INT(s.sets.len, 1);
    CHECK(s.sets.len && s.sets.items[0].nranks == 2 && s.sets.items[0].ranks[1] == 1);
    CHECK_INT(s.json_ops, 4);
    json_copy jc = json_of(&s);
    CHECK_INT(jc.totals.len, 2);
    if (jc.totals.len == 2) {
        const cs_comm_json_total *j = &jc.totals.items[0];
        CHECK_INT(j->rank, 0);
        CHECK_DBL(j->elapse_ms, 3.0);
        CHECK(j->wait_ratio == 0.4815);
        CHECK(j->sync_ratio == 0.1765);
        CHECK_DBL(j->band[CS_BAND_HCCS].size_mb, 30);
        CHECK(j->band[CS_BAND_HCCS].bandwidth == 23.0769);
        CHECK_INT(j->band[CS_BAND_HCCS].npackets, 2);
        CHECK(j->band[CS_BAND_RDMA].size_mb == 0 && j->band[CS_BAND_RDMA].npackets == 0);
        const cs_comm_packet *p = &jc.packets.items[j->band[CS_BAND_HCCS].packet_first];
        CHECK(p[0].size_mb == 4 && p[0].count == 7);
        CHECK(p[1].size_mb == 2 && p[1].count == 1);
    }
    json_copy_free(&jc);
    CHECK_INT(matrix_of(&s)->len, 0);
    cs_comm_sum_free(&s);
    CHECK(s.time == NULL && s.bandwidth == NULL);
    cs_comm_sum_free(NULL);
    cs_comm_rank_free(&r0);
    cs_comm_rank_free(&r1);
}

/* §5.1 communication_time_sum: one op, ratios 0, bandwidth total 0.0448. */
static void test_single_op(void)
{
    cs_comm_rank r = {0};
    uint32_t g = add_group(&r, "g", 3985311255877281648ULL);
    size_t a = add_op(&r, g, "hcom_allGather__648_78_1", 6, 1747819038106139.0, 22.29027, 0, 0, 0, 22.29027);
    add_band(&r, a, CS_BAND_HCCS, 0.00006, 0.00134, 0.04780);
    add_packet(&r, 0.00006, 1, 0.00134);
    cs_comm_sum_input in = {1, &r};
    cs_comm_sum s;
    sum(&in, 1, NULL, 0, &s);
    CHECK_INT(cs_comm_time_rows(&s), 2);
    if (cs_comm_time_rows(&s) == 2) {
        const cs_comm_time_row *o = time_row(&s, 0), *t = time_row(&s, 1);
        CHECK(o->start_us == 1747819038106139.0);
        CHECK(o->sync_ratio == 0 && o->wait_ratio == 0);
        CHECK(is_total(t->op_name));
        CHECK(t->start_us == 0);
        CHECK(t->elapse_ms == 22.29027 && t->idle_ms == 22.29027);
        CHECK(t->sync_ratio == 0 && t->wait_ratio == 0);
    }
    CHECK_INT(cs_comm_bw_rows(&s), 2);
    if (cs_comm_bw_rows(&s) == 2) {
        const cs_comm_bw_row *o = bw_row(&s, 0), *t = bw_row(&s, 1);
        CHECK(o->bandwidth == 0.0478);
        CHECK(is_total(t->op_name));
        CHECK(t->bandwidth == 0.0448);
        CHECK(t->size_mb == 0.00006);
        CHECK(t->package_size == 0.00006);
        CHECK_INT(t->count, 1);
        CHECK(t->total_ms == 0.00134);
    }
    char step[24];
    const cs_comm_time_row *first = time_row(&s, 0);
    if (first) {
        cs_comm_step_label(step, sizeof step, first->step.has_id, first->step.id);
        CHECK_STR(step, "step6");
    }
    cs_comm_sum_free(&s);
    cs_comm_rank_free(&r);
}

/* ------------------------------------------------------------------------
** G3 — communication_matrix_sum (§5.2).
*/

static void g3_records(cs_comm_rank *r4, cs_comm_rank *r5, bool self5)
{
    memset(r4, 0, sizeof *r4);
    memset(r5, 0, sizeof *r5);
    uint32_t g = add_group(r4, "g222", 222);
    size_t a = add_op(r4, g, "hcom_allReduce__222_0_1", 1, 10, 1, 0.5, 0, 0, 0.5);
    add_link(r4, a, 0, 0, CS_TRANSPORT_LOCAL, 8, 0.01);
    add_link(r4, a, 0, 1, CS_TRANSPORT_HCCS, 16, 0.5);
    g = add_group(r5, "g222", 222);
    a = add_op(r5, g, "hcom_allReduce__222_0_1", 1, 10, 1, 0.4, 0, 0, 0.6);
    if (self5) add_link(r5, a, 1, 1, CS_TRANSPORT_LOCAL, 8, 0.02);
    add_link(r5, a, 1, 0, CS_TRANSPORT_HCCS, 16, 0.4);
}

static const cs_comm_matrix_row *mrow(const cs_comm_sum *s, const char *name, int64_t src, int64_t dst)
{
    const matrix_copy *m = matrix_of(s);
    for (size_t i = 0; i < m->len; i++) {
        const cs_comm_matrix_row *r = &m->items[i];
        if (strcmp(r->hccl_op_name, name) == 0 && r->src == src && r->dst == dst) return r;
    }
    return NULL;
}

static void test_g3(void)
{
    cs_comm_rank r4, r5;
    g3_records(&r4, &r5, true);
    cs_comm_sum_input in[] = {{4, &r4}, {5, &r5}};
    cs_comm_sum s;
    sum(in, 2, NULL, 0, &s);
    /* top1, middle, bottom1, total for 4 links, plus 4 totals */
    CHECK_INT(matrix_of(&s)->len, 20);
    static const char *const names[] = {"allreduce-top1", "allreduce-middle", "allreduce-bottom1",
                                        "allreduce-total", "Total Op Info"};
    for (int n = 0; n < 5; n++) {
        const cs_comm_matrix_row *a = mrow(&s, names[n], 4, 4), *b = mrow(&s, names[n], 4, 5);
        const cs_comm_matrix_row *c = mrow(&s, names[n], 5, 5), *d = mrow(&s, names[n], 5, 4);
        CHECK(a && b && c && d);
        if (!(a && b && c && d)) continue;
        CHECK(a->bandwidth == 800.0);
        CHECK(b->bandwidth == 32.0);
        CHECK(c->bandwidth == 400.0);
        CHECK(d->bandwidth == 40.0);
        CHECK(a->transport == CS_TRANSPORT_LOCAL && b->transport == CS_TRANSPORT_HCCS);
        CHECK_DBL(b->size_mb, 16);
        CHECK_DBL(b->time_ms, 0.5);
        if (n < 3) CHECK_STR(a->op_name, "hcom_allReduce__222_0_1");
        else CHECK_STR(a->op_name, "");
    }
    /* ORDER BY: op rows by name then src, dst; totals last */
    const matrix_copy *mc = matrix_of(&s);
    if (mc->len == 20) {
        CHECK_STR(mc->items[0].hccl_op_name, "allreduce-bottom1");
        CHECK(mc->items[0].src == 4 && mc->items[0].dst == 4);
        CHECK(mc->items[1].src == 4 && mc->items[1].dst == 5);
        CHECK(mc->items[2].src == 5 && mc->items[2].dst == 4);
        CHECK_STR(mc->items[4].hccl_op_name, "allreduce-middle");
        CHECK_STR(mc->items[16].hccl_op_name, "Total Op Info");
    }
    CHECK_INT(s.counts.groups_by_self_links, 1);
    CHECK_INT(s.counts.matrix_rows_dropped, 0);
    CHECK_INT(s.unmapped.len, 0);

    /* JSON: per-op links with compute_ratio bandwidths, one total per link */
    link_copy links = links_of(&s);
    CHECK_INT(links.len, 20);
    int totals = 0;
    for (size_t i = 0; i < links.len; i++) {
        const cs_comm_json_link *l = &links.items[i];
        if (l->hccl_op_name) continue;
        totals++;
        if (l->src == 4 && l->dst == 5) CHECK(l->bandwidth == 32.0);
    }
    CHECK_INT(totals, 4);
    links_free(&links);
    cs_comm_sum_free(&s);
    cs_comm_rank_free(&r4);
    cs_comm_rank_free(&r5);
}

/* Without a self link rank 5's local rank is unknown: its links are dropped
** and reported; parallel_group_info maps them (sorted global ranks). */
static void test_unmapped_and_metadata(void)
{
    cs_comm_rank r4, r5;
    g3_records(&r4, &r5, false);
    cs_comm_sum_input in[] = {{4, &r4}, {5, &r5}};
    cs_comm_sum s;
    sum(in, 2, NULL, 0, &s);
    /* 4-4 maps; 0-1 (dst 1) and 1-0 (src 1) do not: 4 op rows + 1 total */
    CHECK_INT(matrix_of(&s)->len, 5);
    CHECK_INT(s.counts.matrix_rows_dropped, 8);
    CHECK_INT(s.unmapped.len, 1);
    if (s.unmapped.len) CHECK_INT(s.unmapped.items[0].local_rank, 1);
    cs_comm_sum_free(&s);

    int64_t ranks[] = {4, 5};
    cs_parallel_group info = {"g222", "tp", ranks, 2};
    sum(in, 2, &info, 1, &s);
    CHECK_INT(matrix_of(&s)->len, 15);        /* 3 links x 4 + 3 totals */
    CHECK_INT(s.counts.groups_by_metadata, 1);
    CHECK_INT(s.counts.matrix_rows_dropped, 0);
    const cs_comm_matrix_row *r = mrow(&s, "Total Op Info", 5, 4);
    CHECK(r && r->bandwidth == 40.0);
    cs_comm_sum_free(&s);

    /* a local rank past the group's size cannot be mapped either */
    int64_t one[] = {4};
    cs_parallel_group small = {"g222", "tp", one, 1};
    sum(in, 2, &small, 1, &s);
    CHECK_INT(matrix_of(&s)->len, 5);
    CHECK_INT(s.unmapped.len, 1);
    cs_comm_sum_free(&s);
    cs_comm_rank_free(&r4);
    cs_comm_rank_free(&r5);
}

/* §5.1 communication_matrix_sum: a self link 1-1 without time has
** bandwidth 0; its "Total Op Info" is 0 too (the reference divides by zero;
** §8.6 item 6) and counted. */
static void test_self_link_zero_time(void)
{
    cs_comm_rank r = {0};
    uint32_t g = add_group(&r, "g", 3985311255877281648ULL);
    size_t a = add_op(&r, g, "hcom_receive__964_40_1", 6, 1, 1, 0, 0, 0, 1);
    add_link(&r, a, 1, 1, CS_TRANSPORT_LOCAL, 7.34, 0);
    cs_comm_sum_input in = {1, &r};
    cs_comm_sum s;
    sum(&in, 1, NULL, 0, &s);
    const cs_comm_matrix_row *top = mrow(&s, "receive-top1", 1, 1);
    const cs_comm_matrix_row *tot = mrow(&s, "Total Op Info", 1, 1);
    CHECK(top && tot);
    if (top && tot) {
        CHECK(top->p2p);
        CHECK(top->bandwidth == 0);
        CHECK(top->size_mb == 7.34);
        CHECK(top->transport == CS_TRANSPORT_LOCAL);
        CHECK_STR(top->op_name, "hcom_receive__964_40_1");
        CHECK(tot->bandwidth == 0);
        CHECK_STR(tot->op_name, "");
    }
    CHECK_INT(s.counts.matrix_totals_zero_time, 1);
    cs_comm_sum_free(&s);
    cs_comm_rank_free(&r);
}

/* Representatives: bandwidth descending, ties in op order; bottom2/3 only
** with 2/3 ops; the total sums every op and takes top1's type. */
static void test_representatives(void)
{
    cs_comm_rank r = {0};
    uint32_t g = add_group(&r, "g", 7);
    static const double times[] = {0.5, 0.25, 1.0, 0.5};  /* bandwidths 2, 4, 1, 2 (MB 1) */
    char name[64];
    for (int i = 0; i < 4; i++) {
        snprintf(name, sizeof name, "hcom_reduceScatter__7_%d_1", i);
        size_t a = add_op(&r, g, name, 2, i, 1, 0, 0, 0, 1);
        add_link(&r, a, 0, 0, i == 1 ? CS_TRANSPORT_HCCS : CS_TRANSPORT_LOCAL, 1, times[i]);
    }
    cs_comm_sum_input in = {3, &r};
    cs_comm_sum s;
    sum(&in, 1, NULL, 0, &s);
    const cs_comm_matrix_row *top = mrow(&s, "reduce-top1", 3, 3);      /* reducescatter -> reduce */
    const cs_comm_matrix_row *mid = mrow(&s, "reduce-middle", 3, 3);
    const cs_comm_matrix_row *b1 = mrow(&s, "reduce-bottom1", 3, 3);
    const cs_comm_matrix_row *b2 = mrow(&s, "reduce-bottom2", 3, 3);
    const cs_comm_matrix_row *b3 = mrow(&s, "reduce-bottom3", 3, 3);
    const cs_comm_matrix_row *tot = mrow(&s, "reduce-total", 3, 3);
    CHECK(top && mid && b1 && b2 && b3 && tot);
    if (top && mid && b1 && b2 && b3 && tot) {
        /* sorted: op1 (4), op0 (2), op3 (2), op2 (1) */
        CHECK_STR(top->op_name, "hcom_reduceScatter__7_1_1");
        CHECK_STR(mid->op_name, "hcom_reduceScatter__7_3_1");
        CHECK_STR(b1->op_name, "hcom_reduceScatter__7_2_1");
        CHECK_STR(b2->op_name, "hcom_reduceScatter__7_3_1");
        CHECK_STR(b3->op_name, "hcom_reduceScatter__7_0_1");
        CHECK_DBL(tot->size_mb, 4);
        CHECK_DBL(tot->time_ms, 2.25);
        CHECK(tot->transport == CS_TRANSPORT_HCCS);
    }
    cs_comm_sum_free(&s);
    cs_comm_rank_free(&r);

    char *t = cs_comm_matrix_type("hcom_allReduce__1_0_1");
    CHECK_STR(t, "allreduce");
    free(t);
    t = cs_comm_matrix_type("hcom_alltoallv__1_0_1");
    CHECK_STR(t, "alltoall");
    free(t);
    t = cs_comm_matrix_type("hcom_batchSendRecv__1_0_1");
    CHECK_STR(t, "batchsendrecv");
    free(t);
    t = cs_comm_matrix_type("Hcom_Mystery__9_0_1");
    CHECK_STR(t, "Hcom_Mystery");
    free(t);
}

/* §5.1 text totals and matrix merge: the same link from two ranks is
** summed (10 + 15 ms, 5 + 8 MB); JSON time totals sum wait 10 + 15, sync
** 5 + 8 and take compute_ratio. */
static void test_json_sums(void)
{
    cs_comm_rank a = {0}, b = {0};
    uint32_t g = add_group(&a, "gj", 42);
    size_t o = add_op(&a, g, "hcom_allGather__42_0_1", -1, 1, 40, 10, 10, 5, 20);
    add_link(&a, o, 0, 1, CS_TRANSPORT_HCCS, 5, 10);
    o = add_op(&a, g, "hcom_allGather__42_1_1", -1, 2, 40, 10, 15, 8, 15);
    g = add_group(&b, "gj", 42);
    o = add_op(&b, g, "hcom_allGather__42_0_1", -1, 1, 40, 10, 10, 5, 20);
    add_link(&b, o, 0, 1, CS_TRANSPORT_HCCS, 8, 15);
    int64_t ranks[] = {0, 1};
    cs_parallel_group info = {"gj", "dp", ranks, 2};
    cs_comm_sum_input in[] = {{0, &a}, {1, &b}};
    cs_comm_sum s;
    sum(in, 2, &info, 1, &s);
    const cs_comm_json_total *j = NULL;
    json_copy jc = json_of(&s);
    for (size_t i = 0; i < jc.totals.len; i++)
        if (jc.totals.items[i].rank == 0) j = &jc.totals.items[i];
    CHECK(j != NULL);
    if (j) {
        CHECK(!j->step.has_id);
        CHECK_DBL(j->wait_ms, 25);
        CHECK_DBL(j->sync_ms, 13);
        CHECK(j->wait_ratio == cs_compute_ratio(25, 45));
        CHECK(j->sync_ratio == cs_compute_ratio(13, 33));
    }
    json_copy_free(&jc);
    const cs_comm_matrix_row *top = mrow(&s, "allgather-top1", 0, 1);
    CHECK(top != NULL);
    if (top) {
        CHECK_DBL(top->time_ms, 25);
        CHECK_DBL(top->size_mb, 13);
        CHECK(top->bandwidth == 13.0 / 25.0);
    }
    int seen = 0;
    link_copy links = links_of(&s);
    for (size_t i = 0; i < links.len; i++) {
        const cs_comm_json_link *l = &links.items[i];
        if (l->hccl_op_name && strcmp(l->hccl_op_name, "allgather-top1") == 0) {
            seen++;
            CHECK_DBL(l->time_ms, 25);
            CHECK(l->bandwidth == 0.52);
        }
        if (!l->hccl_op_name) {
            seen++;
            CHECK_DBL(l->time_ms, 25);  /* only the -total rows are added */
            CHECK_DBL(l->size_mb, 13);
        }
    }
    CHECK_INT(seen, 2);
    links_free(&links);
    CHECK_INT(s.sets.len, 1);
    cs_comm_sum_free(&s);
    cs_comm_rank_free(&a);
    cs_comm_rank_free(&b);
}

/* p2p ops of a group go to their own JSON block when their rank set
** differs from the collective one; the DB totals still merge them. */
static void test_sets(void)
{
    cs_comm_rank a = {0}, b = {0};
    uint32_t g = add_group(&a, "gp", 5);
    add_op(&a, g, "hcom_allReduce__5_0_1", 1, 1, 2, 1, 1, 0, 0);
    add_op(&a, g, "hcom_send__5_1_1", 1, 2, 2, 1, 1, 0, 0);
    g = add_group(&b, "gp", 5);
    add_op(&b, g, "hcom_allReduce__5_0_1", 1, 1, 2, 1, 1, 0, 0);
    cs_comm_sum_input in[] = {{0, &a}, {1, &b}};
    cs_comm_sum s;
    sum(in, 2, NULL, 0, &s);
    CHECK_INT(s.sets.len, 2);           /* (0,) and (0, 1) */
    if (s.sets.len == 2) CHECK(s.sets.items[0].nranks == 1 && s.sets.items[1].nranks == 2);
    json_copy jc = json_of(&s);
    CHECK_INT(jc.totals.len, 3);        /* rank 0: two blocks; rank 1: one */
    json_copy_free(&jc);
    const cs_comm_time_row *t = time_total(&s, 0);
    CHECK(t && t->elapse_ms == 4);
    cs_comm_sum_free(&s);

    cs_comm_rank_free(&a);
    cs_comm_rank_free(&b);
}

/* From tasks to tables: two ranks computed by cs_comm_rank_compute. */
static cs_comm_task task(int64_t op, int kind, int64_t start, int64_t dur, uint16_t link,
                         int64_t size, uint32_t src, uint32_t dst)
{
    cs_comm_task t = {.op_id = op, .start_ns = start, .end_ns = start + dur, .size_bytes = size,
                      .src_rank = src, .dst_rank = dst, .plane_id = 0,
                      .transport = CS_HCCL_TRANSPORT_SDMA, .link = link, .rdma = CS_HCCL_INVALID,
                      .kind = (uint8_t)kind, .is_master = 1};
    return t;
}

static void test_end_to_end(void)
{
    cs_comm_rank r[2];
    memset(r, 0, sizeof r);
    cs_step step = cs_step_no_steps(0, false, 0);
    for (uint32_t me = 0; me < 2; me++) {
        cs_comm_task t[] = {
            task(1, CS_HCCL_KIND_NOTIFY_WAIT, 0, 1000 + 1000 * me, CS_HCCL_LINK_HCCS, 0, 1 - me, me),
            task(1, CS_HCCL_KIND_MEMCPY, 2000, 500, CS_HCCL_LINK_ON_CHIP, 2000000, me, me),
            task(1, CS_HCCL_KIND_MEMCPY, 2500, 2000, CS_HCCL_LINK_HCCS, 4000000, me, 1 - me),
        };
        cs_comm_op_in op = {1, "hcom_allReduce__9_0_1", "group9"};
        cs_err err = {{0}};
        CHECK_INT(cs_comm_rank_compute(&op, 1, t, 3, &step, 1, NULL, &r[me], &err), 0);
    }
    cs_comm_sum_input in[] = {{10, &r[0]}, {11, &r[1]}};
    cs_comm_sum s;
    sum(in, 2, NULL, 0, &s);
    CHECK_INT(cs_comm_time_rows(&s), 4);
    CHECK(s.groups.len == 1 && s.groups.items[0].hash == cs_double_hash("group9"));
    const cs_comm_time_row *t1 = time_total(&s, 11);
    CHECK(t1 && t1->sync_ratio == cs_np_round4(0.002 / 0.004));
    const cs_comm_matrix_row *m = mrow(&s, "allreduce-top1", 10, 11);
    CHECK(m && m->bandwidth == 2000.0);
    m = mrow(&s, "Total Op Info", 11, 11);
    CHECK(m && m->transport == CS_TRANSPORT_LOCAL && m->bandwidth == 4000.0);
    CHECK_INT(matrix_of(&s)->len, 4 * 4 + 4);
    cs_comm_sum_free(&s);

    /* The same records in the other order give the same rows. */
    cs_comm_sum_input rev[] = {{11, &r[1]}, {10, &r[0]}};
    cs_comm_sum s2;
    sum(in, 2, NULL, 0, &s);
    sum(rev, 2, NULL, 0, &s2);
    CHECK_INT(cs_comm_time_rows(&s), cs_comm_time_rows(&s2));
    CHECK_INT(matrix_of(&s)->len, matrix_of(&s2)->len);
    for (size_t i = 0; i < cs_comm_time_rows(&s) && i < cs_comm_time_rows(&s2); i++) {
        const cs_comm_time_row *x = time_row(&s, i), *y = time_row(&s2, i);
        CHECK(x->rank == y->rank && x->group == y->group);
        CHECK(x->op_name ? y->op_name && strcmp(x->op_name, y->op_name) == 0 : !y->op_name);
        CHECK(x->elapse_ms == y->elapse_ms && x->sync_ratio == y->sync_ratio && x->start_us == y->start_us);
    }
    const matrix_copy *m1 = matrix_of(&s), *m2 = matrix_of(&s2);
    for (size_t i = 0; i < m1->len && i < m2->len; i++) {
        CHECK_STR(m1->items[i].hccl_op_name, m2->items[i].hccl_op_name);
        CHECK(m1->items[i].src == m2->items[i].src);
        CHECK(m1->items[i].size_mb == m2->items[i].size_mb);
    }
    cs_comm_sum_free(&s);
    cs_comm_sum_free(&s2);

    cs_err err = {{0}};
    cs_comm_sum_input dup[] = {{10, &r[0]}, {10, &r[1]}};
    memset(&s, 0, sizeof s);
    CHECK_INT(cs_comm_sum_compute(dup, 2, NULL, 0, &s, &err), -1);
    CHECK(strstr(err.msg, "twice") != NULL);
    /* records with an index out of range (a bad buffer) are refused */
    r[0].ops.items[0].nbands = 99;
    memset(&s, 0, sizeof s);
    CHECK_INT(cs_comm_sum_compute(in, 2, NULL, 0, &s, &err), -1);
    CHECK(strstr(err.msg, "malformed") != NULL);
    cs_comm_sum_free(&s);
    cs_comm_sum_input none[] = {{3, NULL}};
    sum(none, 1, NULL, 0, &s);
    CHECK_INT(cs_comm_time_rows(&s), 0);
    cs_comm_sum_free(&s);
    cs_comm_rank_free(&r[0]);
    cs_comm_rank_free(&r[1]);
}

/* ------------------------------------------------------------------------
** The streaming reduce: ranks added in any order, their records freed at
** once, give the rows of the whole reduce; the walk is the ORDER BY.
*/

/* Rank `rank` of a cluster with two groups, two steps and ops out of start
** order; `salt` varies the numbers between ranks. */
static void multi_records(cs_comm_rank *r, uint32_t rank)
{
    memset(r, 0, sizeof *r);
    uint32_t ga = add_group(r, "ga", 900), gb = add_group(r, "gb", 1000);   /* "1000" < "900" */
    double k = 1 + rank / 10.0;
    size_t o = add_op(r, ga, "hcom_allReduce__900_2_1", 2, 30, 3 * k, 1, 1.5, .2, .5);
    add_band(r, o, CS_BAND_HCCS, 8 * k, 1, 8);
    add_packet(r, 4, 2, 1);
    add_link(r, o, rank, (rank + 1) % 3, CS_TRANSPORT_HCCS, 8 * k, 1);
    add_link(r, o, rank, rank, CS_TRANSPORT_LOCAL, 1, .1 * k);
    o = add_op(r, gb, "hcom_send__1000_0_1", 1, 20, 2, .5 * k, 1, 0, .5);
    add_band(r, o, CS_BAND_RDMA, 2, .5 * k, 4);
    add_packet(r, 2, 1, .5 * k);
    add_link(r, o, rank, (rank + 2) % 3, CS_TRANSPORT_RDMA, 2, .5 * k);
    o = add_op(r, ga, "hcom_allReduce__900_0_1", 1, 10, 1, .5, .25 * k, .1, .25);
    add_band(r, o, CS_BAND_SDMA, 1, .5, 2);
    add_link(r, o, rank, (rank + 1) % 3, CS_TRANSPORT_HCCS, 1, .5);
    o = add_op(r, ga, "hcom_allReduce__900_1_1", 1, 10, 1.5, .7, .3, .2 * k, .3);   /* same start: by name */
    add_band(r, o, CS_BAND_HCCS, 3, .7, 4.2857);
    add_packet(r, 1, 3, .7);
    add_link(r, o, rank, (rank + 1) % 3, CS_TRANSPORT_HCCS, 3, .7 * k);
}

static bool same_time_row(const cs_comm_time_row *x, const cs_comm_time_row *y)
{
    return x && y && x->rank == y->rank && x->group == y->group && x->step.has_id == y->step.has_id &&
           x->step.id == y->step.id && (x->op_name ? y->op_name && strcmp(x->op_name, y->op_name) == 0 : !y->op_name) &&
           x->start_us == y->start_us && x->elapse_ms == y->elapse_ms && x->transit_ms == y->transit_ms &&
           x->wait_ms == y->wait_ms && x->sync_ms == y->sync_ms && x->idle_ms == y->idle_ms &&
           x->sync_ratio == y->sync_ratio && x->wait_ratio == y->wait_ratio;
}

static bool same_bw_row(const cs_comm_bw_row *x, const cs_comm_bw_row *y)
{
    return x && y && x->rank == y->rank && x->group == y->group && x->band == y->band &&
           x->step.id == y->step.id && (x->op_name ? y->op_name && strcmp(x->op_name, y->op_name) == 0 : !y->op_name) &&
           x->size_mb == y->size_mb && x->time_ms == y->time_ms && x->bandwidth == y->bandwidth &&
           x->package_size == y->package_size && x->count == y->count && x->total_ms == y->total_ms;
}

static bool same_matrix_row(const cs_comm_matrix_row *x, const cs_comm_matrix_row *y)
{
    return strcmp(x->hccl_op_name, y->hccl_op_name) == 0 && strcmp(x->op_name, y->op_name) == 0 &&
           x->group == y->group && x->p2p == y->p2p && x->src == y->src && x->dst == y->dst &&
           x->transport == y->transport && x->size_mb == y->size_mb && x->time_ms == y->time_ms &&
           x->bandwidth == y->bandwidth && x->step.id == y->step.id;
}

/* Whether y may follow x in ClusterCommunicationTime: (step, rank, group),
** then per-op rows by (start, name) before the group's total. */
static bool time_in_order(const cs_comm_time_row *x, const cs_comm_time_row *y)
{
    int64_t xs = x->step.has_id ? x->step.id : 0, ys = y->step.has_id ? y->step.id : 0;
    if (xs != ys) return xs < ys;
    if (x->rank != y->rank) return x->rank < y->rank;
    if (x->group != y->group) return x->group < y->group;
    if (!y->op_name) return x->op_name != NULL;     /* one total per key, after its ops */
    if (!x->op_name) return false;
    if (x->start_us != y->start_us) return x->start_us < y->start_us;
    return strcmp(x->op_name, y->op_name) <= 0;
}

static void check_time_order(const cs_comm_sum *s)
{
    cs_comm_cursor at = {0};
    const cs_comm_time_row *prev = NULL, *r;
    size_t n = 0;
    while ((r = cs_comm_time_next(s, &at)) != NULL) {
        if (prev) CHECK(time_in_order(prev, r));
        prev = keep_time(r);
        n++;
    }
    CHECK_INT(n, cs_comm_time_rows(s));
}

/* A memory spool that takes writes_left writes, then fails. */
static int writes_left;
static int (*memory_write)(cs_spool *, const void *, size_t, uint64_t *, cs_err *);

static int limited_write(cs_spool *sp, const void *data, size_t size, uint64_t *at, cs_err *err)
{
    if (writes_left-- > 0) return memory_write(sp, data, size, at, err);
    return cs_fail(err, "disk full");
}

static cs_spool *limited_spool(void *arg)
{
    (void)arg;
    cs_spool *sp = cs_spool_memory();
    memory_write = sp->write;
    sp->write = limited_write;
    return sp;
}

static int failing_read(cs_spool *sp, uint64_t at, void *data, size_t size, cs_err *err)
{
    (void)sp, (void)at, (void)data, (void)size;
    return cs_fail(err, "read error");
}

/* Memory spools; the fourth made (the JSON records: after time,
** bandwidth and representatives) cannot be read back. */
static cs_spool *unreadable_json_spool(void *arg)
{
    cs_spool *sp = cs_spool_memory();
    if (++*(int *)arg == 4) sp->read = failing_read;
    return sp;
}

static int count_blocks(void *arg, const cs_comm_json_block *b)
{
    (void)b;
    ++*(int *)arg;
    return 0;
}

static cs_spool *file_spool(void *arg);

/* cluster_communication.json and cluster_communication_matrix.json from
** records and links spooled to files as the ranks arrive (any order, each
** freed at once) are the texts of the all-at-once reduce; from spooled data
** that cannot be read back, an error, not a text. */
static void test_json_streamed(void)
{
    cs_comm_rank r[3];
    for (uint32_t k = 0; k < 3; k++) multi_records(&r[k], k);
    cs_comm_sum_input in[] = {{0, &r[0]}, {1, &r[1]}, {2, &r[2]}};
    cs_comm_sum whole;
    sum(in, 3, NULL, 0, &whole);
    char *want = cs_comm_json_time(&whole);
    CHECK(want && strlen(want) > 100);
    int made = 0;
    cs_comm_sum_options opt = {true, true, file_spool, &made};
    cs_comm_acc *acc = cs_comm_acc_new(&opt);
    cs_err err = {{0}};
    for (uint32_t k = 0; k < 3; k++) {
        cs_comm_rank one;
        multi_records(&one, (k + 1) % 3);
        CHECK_INT(cs_comm_acc_add(acc, (k + 1) % 3, &one, &err), 0);
        cs_comm_rank_free(&one);
    }
    cs_comm_sum s;
    memset(&s, 0, sizeof s);
    CHECK_INT(cs_comm_acc_finish(acc, NULL, 0, &s, &err), 0);
    CHECK_INT(made, 5);     /* time, bandwidth, representatives, JSON records, matrix */
    CHECK_INT(s.json_ops, whole.json_ops);
    char *got = cs_comm_json_time(&s);
    CHECK(got && want && strcmp(got, want) == 0);
    free(got);
    char *want_m = cs_comm_json_matrix(&whole), *got_m = cs_comm_json_matrix(&s);
    CHECK(want_m && strlen(want_m) > 100 && got_m && strcmp(got_m, want_m) == 0);
    free(want_m);
    free(got_m);
    cs_comm_sum_free(&s);

    made = 0;
    opt.new_spool = unreadable_json_spool;
    acc = cs_comm_acc_new(&opt);
    for (uint32_t k = 0; k < 3; k++) CHECK_INT(cs_comm_acc_add(acc, k, &r[k], &err), 0);
    memset(&s, 0, sizeof s);
    CHECK_INT(cs_comm_acc_finish(acc, NULL, 0, &s, &err), 0);
    CHECK(cs_comm_json_time(&s) == NULL);
    CHECK(cs_comm_json_matrix(&s) == NULL);
    int blocks = 0;
    cs_err why = {{0}};
    CHECK_INT(cs_comm_json_blocks(&s, count_blocks, &blocks, &why), -1);
    CHECK(strstr(why.msg, "read error") != NULL);
    CHECK_INT(blocks, 0);
    cs_comm_sum_free(&s);
    free(want);
    cs_comm_sum_free(&whole);
    for (int k = 0; k < 3; k++) cs_comm_rank_free(&r[k]);
}

/* A spool that fails part way through a rank: that add fails, and so do
** every later add and the finish (part of the rank may be parked). */
static void test_spool_failure(void)
{
    cs_comm_rank r[3];
    for (uint32_t k = 0; k < 3; k++) multi_records(&r[k], k);
    writes_left = 3;
    cs_comm_sum_options opt = {true, false, limited_spool, NULL};
    cs_comm_acc *acc = cs_comm_acc_new(&opt);
    cs_err err = {{0}};
    int rc = 0;
    for (uint32_t k = 0; k < 3 && rc == 0; k++) rc = cs_comm_acc_add(acc, k, &r[k], &err);
    CHECK_INT(rc, -1);
    CHECK(strstr(err.msg, "disk full") != NULL);
    cs_err later = {{0}};
    CHECK_INT(cs_comm_acc_add(acc, 7, &r[0], &later), -1);
    CHECK(strstr(later.msg, "disk full") != NULL);
    cs_comm_sum s;
    memset(&s, 0, sizeof s);
    cs_err fin = {{0}};
    CHECK_INT(cs_comm_acc_finish(acc, NULL, 0, &s, &fin), -1);
    CHECK(strstr(fin.msg, "disk full") != NULL);
    for (int k = 0; k < 3; k++) cs_comm_rank_free(&r[k]);
}

/* A spool factory for the reduce: temporary files, counted. */
static cs_spool *file_spool(void *arg)
{
    cs_err err = {{0}};
    cs_spool *sp = cs_spool_temp_file(NULL, &err);
    CHECK(sp != NULL);
    ++*(int *)arg;
    return sp;
}

static void test_streaming(void)
{
    cs_comm_rank r[3];
    for (uint32_t k = 0; k < 3; k++) multi_records(&r[k], k);
    cs_comm_sum_input in[] = {{0, &r[0]}, {1, &r[1]}, {2, &r[2]}};
    cs_comm_sum whole;
    sum(in, 3, NULL, 0, &whole);
    CHECK_INT(whole.groups.len, 2);
    if (whole.groups.len == 2) CHECK(whole.groups.items[0].hash == 1000);
    CHECK_INT(count_time(&whole, false), 12);
    CHECK_INT(count_time(&whole, true), 9);   /* per rank: step1 ga, step1 gb, step2 ga */
    check_time_order(&whole);
    if (cs_comm_time_rows(&whole) == 21) {
        /* step1, rank 0: group "1000" (gb) first, then ga's two ops by name, then ga's total */
        CHECK_STR(time_row(&whole, 0)->op_name, "hcom_send__1000_0_1");
        CHECK(is_total(time_row(&whole, 1)->op_name));
        CHECK_STR(time_row(&whole, 2)->op_name, "hcom_allReduce__900_0_1");
        CHECK_STR(time_row(&whole, 3)->op_name, "hcom_allReduce__900_1_1");
        CHECK(is_total(time_row(&whole, 4)->op_name) && time_row(&whole, 4)->rank == 0);
        CHECK(time_row(&whole, 15)->step.id == 2 && time_row(&whole, 15)->rank == 0);
    }
    /* Streamed: added 2, 0, 1, each record freed right after (no JSON); the
    ** rows parked in temporary files read back as the in-memory ones. */
    for (int rows = 1; rows >= 0; rows--) {
        cs_err err = {{0}};
        int made = 0;
        cs_comm_sum_options opt = {rows != 0, false, file_spool, &made};
        cs_comm_acc *acc = cs_comm_acc_new(&opt);
        CHECK_INT(made, rows ? 3 : 1);     /* time, bandwidth, representatives */
        for (uint32_t k = 0; k < 3; k++) {
            cs_comm_rank one;
            multi_records(&one, (k + 2) % 3);
            CHECK_INT(cs_comm_acc_add(acc, (k + 2) % 3, &one, &err), 0);
            cs_comm_rank_free(&one);
        }
        cs_comm_sum s;
        memset(&s, 0, sizeof s);
        CHECK_INT(cs_comm_acc_finish(acc, NULL, 0, &s, &err), 0);
        CHECK(!s.json && s.json_ops == 0 && !s.json_store && s.json_links == 0);
        CHECK_INT(cs_comm_time_rows(&s), rows ? cs_comm_time_rows(&whole) : 0);
        CHECK_INT(cs_comm_bw_rows(&s), rows ? cs_comm_bw_rows(&whole) : 0);
        for (size_t i = 0; i < cs_comm_time_rows(&s); i++) CHECK(same_time_row(time_row(&s, i), time_row(&whole, i)));
        for (size_t i = 0; i < cs_comm_bw_rows(&s); i++) CHECK(same_bw_row(bw_row(&s, i), bw_row(&whole, i)));
        const matrix_copy *m1 = matrix_of(&s), *m2 = matrix_of(&whole);
        CHECK_INT(m1->len, m2->len);
        for (size_t i = 0; i < m1->len && i < m2->len; i++) CHECK(same_matrix_row(&m1->items[i], &m2->items[i]));
        CHECK_INT(s.counts.groups_by_self_links, whole.counts.groups_by_self_links);
        cs_comm_sum_free(&s);
    }
    /* A malformed rank is refused and the accumulator goes on; a rank added
    ** twice fails the finish. */
    cs_comm_acc *acc = cs_comm_acc_new(NULL);
    cs_err err = {{0}};
    r[1].reps.items[0].key_op = 99;
    CHECK_INT(cs_comm_acc_add(acc, 1, &r[1], &err), -1);
    CHECK(strstr(err.msg, "malformed records of rank 1") != NULL);
    CHECK_INT(cs_comm_acc_add(acc, 0, &r[0], &err), 0);
    CHECK_INT(cs_comm_acc_add(acc, 0, &r[2], &err), 0);
    cs_comm_sum s;
    memset(&s, 0, sizeof s);
    CHECK_INT(cs_comm_acc_finish(acc, NULL, 0, &s, &err), -1);
    CHECK(strstr(err.msg, "rank 0 given twice") != NULL);
    cs_comm_acc_free(cs_comm_acc_new(NULL));
    cs_comm_acc_free(NULL);
    cs_comm_sum_free(&whole);
    for (int k = 0; k < 3; k++) cs_comm_rank_free(&r[k]);
}

/* What crosses MPI: the records with their representatives, not the links;
** the reduce of the decoded records equals the reduce of the originals. */
static void test_codec(void)
{
    cs_comm_rank r[3];
    cs_rank_result back[3];
    for (uint32_t k = 0; k < 3; k++) {
        multi_records(&r[k], k);
        cs_rank_result res;
        cs_rank_result_init(&res, k, "/x");
        res.analysed = res.comm_done = true;
        res.comm = r[k];
        cs_encoder e = {0};
        cs_rank_result_encode(&res, &e);
        cs_decoder dec = {e.buf, e.len, 0, false};
        CHECK_INT(cs_rank_result_decode(&dec, &back[k]), 0);
        free(e.buf);
        memset(&res.comm, 0, sizeof res.comm);  /* r[k] still owns the records */
        cs_rank_result_free(&res);
        CHECK(back[k].comm_done && back[k].comm.links.len == 0 && back[k].comm.reps.len == r[k].reps.len);
        CHECK(back[k].comm.ops.len == 4 && back[k].comm.ops.items[0].nlinks == 0);
    }
    cs_comm_sum_input in[] = {{0, &r[0]}, {1, &r[1]}, {2, &r[2]}};
    cs_comm_sum_input dec_in[] = {{0, &back[0].comm}, {1, &back[1].comm}, {2, &back[2].comm}};
    cs_comm_sum a, b;
    sum(in, 3, NULL, 0, &a);
    sum(dec_in, 3, NULL, 0, &b);
    const matrix_copy *ma = matrix_of(&a), *mb = matrix_of(&b);
    CHECK_INT(ma->len, mb->len);
    for (size_t i = 0; i < ma->len && i < mb->len; i++) CHECK(same_matrix_row(&ma->items[i], &mb->items[i]));
    CHECK_INT(cs_comm_time_rows(&a), cs_comm_time_rows(&b));
    for (size_t i = 0; i < cs_comm_time_rows(&a); i++) CHECK(same_time_row(time_row(&a, i), time_row(&b, i)));
    cs_comm_sum_free(&a);
    cs_comm_sum_free(&b);
    for (int k = 0; k < 3; k++) {
        cs_rank_result_free(&back[k]);
        cs_comm_rank_free(&r[k]);
    }
}

int main(void)
{
    test_g2();
    test_single_op();
    test_g3();
    test_unmapped_and_metadata();
    test_self_link_zero_time();
    test_representatives();
    test_json_sums();
    test_sets();
    test_end_to_end();
    test_streaming();
    test_spool_failure();
    test_json_streamed();
    test_codec();
    return check_report();
}
