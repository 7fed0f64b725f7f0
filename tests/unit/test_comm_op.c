/*
** test_comm_op.c — per-op communication numbers of one rank (analyses.md
** §2.c.1, §2.d.1): the golden case G6 of §5.2, the RDMA patterns, the step
** rule and the bad-input rules, worked out by hand.
*/
#include "check.h"
#include "comm_op.h"
#include "steps.h"

#define INV CS_HCCL_INVALID
#define SDMA CS_HCCL_TRANSPORT_SDMA
#define RDMA CS_HCCL_TRANSPORT_RDMA
#define MEMCPY CS_HCCL_KIND_MEMCPY
#define REDUCE CS_HCCL_KIND_REDUCE_INLINE
#define WAIT CS_HCCL_KIND_NOTIFY_WAIT
#define OTHER CS_HCCL_KIND_OTHER

/* A task of op 1 unless changed: kind, [start, start+dur), plane, master,
** transport, link, rdma type, size, src, dst. */
static cs_comm_task T(int kind, int64_t start, int64_t dur, int32_t plane, int master,
                      uint16_t transport, uint16_t link, uint16_t rdma, int64_t size,
                      uint32_t src, uint32_t dst)
{
    cs_comm_task t = {.op_id = 1, .start_ns = start, .end_ns = start + dur, .size_bytes = size,
                      .src_rank = src, .dst_rank = dst, .plane_id = plane,
                      .transport = transport, .link = link, .rdma = rdma,
                      .kind = (uint8_t)kind, .is_master = (uint8_t)master};
    return t;
}

/* Notify_Wait on plane 0, master. */
static cs_comm_task NW(int64_t start, int64_t dur)
{
    return T(WAIT, start, dur, 0, 1, SDMA, CS_HCCL_LINK_HCCS, INV, 0, 1, 0);
}

/* RDMA payload of 1 MB on plane 0, master, 0 -> 1. */
static cs_comm_task PAYLOAD(int64_t start, int64_t dur)
{
    return T(OTHER, start, dur, 0, 1, RDMA, CS_HCCL_LINK_ROCE, CS_HCCL_RDMA_SEND_PAYLOAD, 1000000, 0, 1);
}

/* RDMASend notify on plane 0, master. */
static cs_comm_task NOTIFY(int64_t start, int64_t dur)
{
    return T(OTHER, start, dur, 0, 1, RDMA, CS_HCCL_LINK_ROCE, CS_HCCL_RDMA_SEND_NOTIFY, 8, 0, 1);
}

static cs_step no_steps(void)
{
    return cs_step_no_steps(0, false, 0);
}

static cs_step window(int64_t id, int64_t start, int64_t end)
{
    cs_step s = {.has_id = true, .id = id, .host_start = start, .host_end = end,
                 .start = start, .end = end, .fwk_start = start};
    return s;
}

/* Runs one rank and checks the call succeeded. */
static void run(const cs_comm_op_in *ops, size_t nops, const cs_comm_task *tasks, size_t ntasks,
                const cs_step *steps, size_t nsteps, const cs_comm_options *opt, cs_comm_rank *r)
{
    cs_err err = {{0}};
    memset(r, 0, sizeof *r);
    CHECK_INT(cs_comm_rank_compute(ops, nops, tasks, ntasks, steps, nsteps, opt, r, &err), 0);
}

static const cs_comm_band *band(const cs_comm_rank *r, const cs_comm_op *op, int type)
{
    for (uint32_t i = 0; i < op->nbands; i++)
        if (r->bands.items[op->band_first + i].type == type) return &r->bands.items[op->band_first + i];
    return NULL;
}

static const cs_comm_link *link_at(const cs_comm_rank *r, const cs_comm_op *op, uint32_t i)
{
    return i < op->nlinks ? &r->links.items[op->link_first + i] : NULL;
}

static void test_rounding(void)
{
    CHECK_DBL(cs_round4(0.00006 / 0.00134), 0.0448);   /* §5.1 communication_time_sum */
    /* Python's round(x, 4) and numpy's around part on these (the product
    ** x * 1e4 is exactly a tie, which rint sends to even). */
    CHECK(cs_round4(0.12345) == 0.1235);
    CHECK(cs_np_round4(0.12345) == 0.1234);
    CHECK(cs_round4(0.33335) == 0.3333);
    CHECK(cs_np_round4(0.33335) == 0.3334);
    CHECK(cs_round4(0.3 / 1.7) == 0.1765);
    CHECK(cs_np_round4(1.3 / 2.7) == 0.4815);
    CHECK(cs_compute_ratio(1, 1e-16) == 0);
    CHECK(cs_compute_ratio(30, 1.3) == 23.0769);
    CHECK(cs_round4(1e300) == 1e300);
}

static void test_step_conversions(void)
{
    /* Values from Python: repr(t / 1000) and torch_npu's convert_us2ns. */
    CHECK(cs_comm_ns_to_us(1732406400135732233LL) == 1732406400135732.2);
    CHECK_INT(cs_comm_us_to_ns(cs_comm_ns_to_us(1732406400135732233LL)), 1732406400135732200LL);
    CHECK_INT(cs_comm_us_to_ns(cs_comm_ns_to_us(1732406400135732190LL)), 1732406400135732200LL);
    CHECK_INT(cs_comm_us_to_ns(cs_comm_ns_to_us(1732406400135733000LL)), 1732406400135733000LL);
    CHECK_INT(cs_comm_us_to_ns(cs_comm_ns_to_us(1732406400000000001LL)), 1732406400000000000LL);
    CHECK_INT(cs_comm_us_to_ns(cs_comm_ns_to_us(0)), 0);
    CHECK_INT(cs_comm_us_to_ns(cs_comm_ns_to_us(1)), 1);
    CHECK_INT(cs_comm_us_to_ns(cs_comm_ns_to_us(5)), 5);
    CHECK_INT(cs_comm_us_to_ns(cs_comm_ns_to_us(999)), 999);
    CHECK_INT(cs_comm_us_to_ns(cs_comm_ns_to_us(123456789)), 123456789);
    /* t >= 2^53: the two-part division (repr 9007199254740994.0). */
    CHECK(cs_comm_ns_to_us(9007199254740993123LL) == 9007199254740994.0);
    CHECK_INT(cs_comm_us_to_ns(cs_comm_ns_to_us(9007199254740993123LL)), 9007199254740994000LL);
    CHECK_INT(cs_comm_us_to_ns(0.0012345), 1);          /* cut, not rounded */
    CHECK_INT(cs_comm_us_to_ns(-1.5), -1500);
    CHECK_INT(cs_comm_us_to_ns(1e300), INT64_MAX);

    char buf[24];
    cs_comm_step_label(buf, sizeof buf, true, 3);
    CHECK_STR(buf, "step3");
    cs_comm_step_label(buf, sizeof buf, false, 0);
    CHECK_STR(buf, "step");
}

static void test_kinds_and_names(void)
{
    CHECK_INT(cs_hccl_kind_of("Memcpy"), CS_HCCL_KIND_MEMCPY);
    CHECK_INT(cs_hccl_kind_of("Reduce_Inline"), CS_HCCL_KIND_REDUCE_INLINE);
    CHECK_INT(cs_hccl_kind_of("Notify_Wait"), CS_HCCL_KIND_NOTIFY_WAIT);
    CHECK_INT(cs_hccl_kind_of("notify_wait"), CS_HCCL_KIND_OTHER);
    CHECK_INT(cs_hccl_kind_of("RDMASend"), CS_HCCL_KIND_OTHER);
    CHECK_INT(cs_hccl_kind_of(NULL), CS_HCCL_KIND_OTHER);
    CHECK_STR(cs_comm_band_name(CS_BAND_SDMA), "SDMA");
    CHECK_STR(cs_comm_transport_name(CS_TRANSPORT_LOCAL), "LOCAL");
    CHECK_STR(cs_comm_transport_name(CS_TRANSPORT_INVALID), "INVALID_TYPE");
}

/* G6 (analyses.md §5.2): a collective with SDMA copies on two planes. */
static void test_g6_collective(void)
{
    cs_comm_task t[] = {
        NW(0, 1000),
        T(MEMCPY, 1000, 2000, 0, 1, SDMA, CS_HCCL_LINK_HCCS, INV, 4000000, 0, 1),
        NW(3000, 500),
        T(REDUCE, 3500, 300, 0, 1, SDMA, CS_HCCL_LINK_ON_CHIP, INV, 4000000, 0, 0),
        NW(3800, 200),
        T(MEMCPY, 500, 1500, 1, 0, SDMA, CS_HCCL_LINK_PCIE, INV, 2000000, 0, 2),
    };
    cs_comm_op_in op = {1, "hcom_allReduce__123_0_1", "group_a"};
    cs_step s = no_steps();
    cs_comm_rank r;
    run(&op, 1, t, 6, &s, 1, NULL, &r);
    CHECK_INT(r.ops.len, 1);
    if (r.ops.len != 1) return;
    const cs_comm_op *o = &r.ops.items[0];
    CHECK_STR(o->name, "hcom_allReduce__123_0_1");
    CHECK_STR(r.groups.items[o->group].name, "group_a");
    CHECK(!o->has_step_id);
    CHECK(!o->p2p);
    CHECK(o->start_us == 0.0);
    CHECK_DBL(o->elapse_ms, 0.004);
    CHECK_DBL(o->transit_ms, 0.002);
    CHECK_DBL(o->wait_ms, 0.0017);
    CHECK_DBL(o->sync_ms, 0.001);
    CHECK_DBL(o->idle_ms, 0.0003);
    CHECK(o->wait_ratio == 0.4595);
    CHECK(o->sync_ratio == 0.3333);

    CHECK_INT(o->nbands, 3);            /* HCCS, PCIE, SDMA; no RDMA, no SIO */
    const cs_comm_band *h = band(&r, o, CS_BAND_HCCS), *p = band(&r, o, CS_BAND_PCIE);
    const cs_comm_band *sd = band(&r, o, CS_BAND_SDMA);
    CHECK(h && p && sd && !band(&r, o, CS_BAND_RDMA) && !band(&r, o, CS_BAND_SIO));
    if (h && p && sd) {
        CHECK_DBL(h->size_mb, 4);
        CHECK_DBL(h->time_ms, 0.002);
        CHECK(h->bandwidth == 2000.0);
        CHECK(h->large_packet_ratio == 0);
        CHECK_INT(h->npackets, 1);
        CHECK(r.packets.items[h->packet_first].size_mb == 4.0);
        CHECK_INT(r.packets.items[h->packet_first].count, 1);
        CHECK_DBL(r.packets.items[h->packet_first].total_ms, 0.002);
        CHECK_DBL(p->size_mb, 2);
        CHECK_DBL(p->time_ms, 0.0015);
        CHECK(p->bandwidth == 1333.3333);
        CHECK_DBL(sd->size_mb, 6);
        CHECK_DBL(sd->time_ms, 0.0035);
        CHECK(sd->bandwidth == 1714.2857);
        CHECK(sd->large_packet_ratio == 0);
        CHECK_INT(sd->npackets, 0);     /* SDMA keeps its own (empty) distribution */
    }

    CHECK_INT(o->nlinks, 3);
    const cs_comm_link *l0 = link_at(&r, o, 0), *l1 = link_at(&r, o, 1), *l2 = link_at(&r, o, 2);
    if (l0 && l1 && l2) {
        CHECK(l0->src == 0 && l0->dst == 1 && l0->transport == CS_TRANSPORT_HCCS);
        CHECK_DBL(l0->size_mb, 4);
        CHECK_DBL(l0->time_ms, 0.002);
        CHECK(l0->bandwidth == 2000.0);
        CHECK(l1->src == 0 && l1->dst == 0 && l1->transport == CS_TRANSPORT_LOCAL);
        CHECK_DBL(l1->time_ms, 0.0003);
        CHECK(l1->bandwidth == 13333.3333);
        CHECK(l2->src == 0 && l2->dst == 2 && l2->transport == CS_TRANSPORT_PCIE);
        CHECK(l2->bandwidth == 1333.3333);
    }
    /* The matrix representatives of the three links (one op each): top1,
    ** middle, bottom1 and total per link, keyed by the op. */
    CHECK_INT(r.reps.len, 12);
    int per_kind[CS_REP_COUNT] = {0};
    for (size_t i = 0; i < r.reps.len; i++) {
        const cs_comm_rep *x = &r.reps.items[i];
        CHECK(x->key_op == 0);
        CHECK(x->kind == CS_REP_TOTAL ? x->op == UINT32_MAX : x->op == 0);
        per_kind[x->kind]++;
        if (x->src == 0 && x->dst == 2) CHECK(l2 && x->transport == CS_TRANSPORT_PCIE && x->size_mb == l2->size_mb);
    }
    CHECK(per_kind[CS_REP_TOP1] == 3 && per_kind[CS_REP_MIDDLE] == 3 && per_kind[CS_REP_BOTTOM1] == 3);
    CHECK(per_kind[CS_REP_BOTTOM2] == 0 && per_kind[CS_REP_TOTAL] == 3);
    CHECK_INT(r.counts.ops, 1);
    CHECK_INT(r.counts.ops_kept, 1);
    CHECK_INT(r.counts.idle_mismatch, 0);
    cs_comm_rank_free(&r);
    CHECK(r.ops.items == NULL && r.reps.items == NULL);
    cs_comm_rank_free(NULL);
}

/* G6 send: the 3-task RDMA pattern (rule P3: the name contains "send"). */
static void test_g6_send(void)
{
    cs_comm_task t[] = {PAYLOAD(0, 100), PAYLOAD(100, 100), NOTIFY(200, 50), NW(250, 1000), NW(1300, 100)};
    cs_comm_op_in op = {1, "hcom_send__123_1_1", "group_p"};
    cs_step s = no_steps();
    cs_comm_rank r;
    run(&op, 1, t, 5, &s, 1, NULL, &r);
    CHECK_INT(r.ops.len, 1);
    if (r.ops.len != 1) return;
    const cs_comm_op *o = &r.ops.items[0];
    CHECK(o->p2p);
    CHECK_DBL(o->elapse_ms, 0.0014);
    CHECK_DBL(o->transit_ms, 0.00125);
    CHECK_DBL(o->wait_ms, 0.0001);
    CHECK(o->sync_ms == 0);
    CHECK_DBL(o->idle_ms, 0.00005);
    CHECK(o->wait_ratio == 0.0741);
    CHECK(o->sync_ratio == 0);
    CHECK_INT(o->nbands, 1);
    const cs_comm_band *b = band(&r, o, CS_BAND_RDMA);
    if (b) {
        CHECK_DBL(b->size_mb, 2);
        CHECK_DBL(b->time_ms, 0.00125);
        CHECK(b->bandwidth == 1600.0);
        CHECK(b->large_packet_ratio == 1.0);    /* 2 MB > 0.5 MB */
        CHECK_INT(b->npackets, 1);
        CHECK(r.packets.items[b->packet_first].size_mb == 2.0);
    }
    CHECK_INT(o->nlinks, 1);
    const cs_comm_link *l = link_at(&r, o, 0);
    if (l) {
        CHECK(l->src == 0 && l->dst == 1 && l->transport == CS_TRANSPORT_RDMA);
        CHECK_DBL(l->size_mb, 2);
        CHECK(l->bandwidth == 1600.0);
    }
    cs_comm_rank_free(&r);
}

/* A collective across hosts: the 5-task RDMA pattern (two RDMASend +
** Notify_Wait pairs close the run); a wait before it is synchronisation. */
static void test_rdma_collective(void)
{
    cs_comm_task t[] = {
        NW(1000, 500),
        PAYLOAD(1500, 100), PAYLOAD(1600, 100),
        NOTIFY(1700, 50), NW(1750, 150), NOTIFY(1900, 50), NW(1950, 150),
        NW(2200, 100),
    };
    cs_comm_op_in op = {1, "hcom_allReduce__123_2_1", "group_a"};
    cs_step s = no_steps();
    cs_comm_rank r;
    run(&op, 1, t, 8, &s, 1, NULL, &r);
    const cs_comm_op *o = r.ops.len ? &r.ops.items[0] : NULL;
    CHECK(o != NULL);
    if (!o) return;
    CHECK(!o->p2p);
    CHECK_DBL(o->transit_ms, 0.0006);   /* 2100 − 1500 ns */
    CHECK_DBL(o->wait_ms, 0.0006);      /* the waits inside the run are skipped */
    CHECK_DBL(o->sync_ms, 0.0005);
    CHECK_DBL(o->elapse_ms, 0.0013);
    CHECK_DBL(o->idle_ms, 0.0001);
    CHECK(o->wait_ratio == 0.5);
    CHECK(o->sync_ratio == 0.4545);
    const cs_comm_band *b = band(&r, o, CS_BAND_RDMA);
    CHECK(b && b->bandwidth == 3333.3333);
    CHECK_INT(r.counts.rdma_runs_incomplete, 0);
    cs_comm_rank_free(&r);

    /* The same op read as a send (3-task pattern) closes the run at the
    ** first Notify_Wait: transit 1900 − 1500. */
    op.op_name = "hcom_receive__123_2_1";
    run(&op, 1, t, 8, &s, 1, NULL, &r);
    o = r.ops.len ? &r.ops.items[0] : NULL;
    CHECK(o && o->p2p);
    if (o) {
        CHECK_DBL(o->transit_ms, 0.0004);
        CHECK_DBL(o->wait_ms, 0.0005 + 0.00015 + 0.0001);  /* the run skips NOTIFY..NW(1750) */
    }
    cs_comm_rank_free(&r);
}

/* A payload run without its closing tasks counts nothing. */
static void test_rdma_incomplete(void)
{
    cs_comm_task t[] = {NW(0, 100), PAYLOAD(100, 100), PAYLOAD(200, 100), NOTIFY(300, 10)};
    cs_comm_op_in op = {1, "hcom_allGather__123_3_1", "group_a"};
    cs_step s = no_steps();
    cs_comm_rank r;
    run(&op, 1, t, 4, &s, 1, NULL, &r);
    const cs_comm_op *o = r.ops.len ? &r.ops.items[0] : NULL;
    CHECK(o != NULL);
    if (!o) return;
    CHECK(o->transit_ms == 0);
    CHECK_DBL(o->wait_ms, 0.0001);
    CHECK_DBL(o->sync_ms, 0.0001);
    CHECK_INT(o->nbands, 0);
    CHECK_INT(o->nlinks, 0);
    CHECK_INT(r.counts.rdma_runs_incomplete, 1);
    cs_comm_rank_free(&r);
}

/* Bad inputs: no group, no tasks, no master, no plane 0, NULL size,
** unmappable matrix ranks, orphan tasks. */
static void test_bad_inputs(void)
{
    cs_comm_task t[] = {
        /* op 1: no isMaster task; plane 0 used.  One HCCS copy has a NULL
        ** size, one has no local rank. */
        T(WAIT, 0, 100, 0, 0, SDMA, CS_HCCL_LINK_HCCS, INV, 0, 1, 0),
        T(MEMCPY, 100, 100, 0, 0, SDMA, CS_HCCL_LINK_HCCS, INV, 0, 0, 1),
        T(MEMCPY, 200, 100, 0, 0, SDMA, CS_HCCL_LINK_HCCS, INV, 3000000, 0, 1),
        T(MEMCPY, 300, 100, 0, 0, SDMA, CS_HCCL_LINK_HCCS, INV, 1000000, 0xFFFFFFFFu, 1),
        T(MEMCPY, 400, 100, 0, 0, SDMA, CS_HCCL_LINK_ON_CHIP, INV, 1000000, 2, 0xFFFFFFFFu),
        T(MEMCPY, 50, 10, 1, 0, SDMA, CS_HCCL_LINK_SIO, INV, 1000000, 0, 3),
        /* op 3: only plane 1, no master: no rows */
        T(WAIT, 0, 100, 1, 0, SDMA, CS_HCCL_LINK_HCCS, INV, 0, 1, 0),
        /* op 9: no such op */
        NW(0, 10),
    };
    t[1].flags = CS_COMM_TASK_SIZE_NULL;
    t[6].op_id = 3;
    t[7].op_id = 9;
    cs_comm_op_in ops[] = {
        {1, "hcom_allGather__1_0_1", "g"},
        {2, "hcom_allGather__1_1_1", "g"},      /* no tasks */
        {3, "hcom_allGather__1_2_1", "g"},
        {4, "hcom_allGather__1_3_1", NULL},     /* no group */
    };
    cs_step s = no_steps();
    cs_comm_rank r;
    run(ops, 4, t, 8, &s, 1, NULL, &r);
    CHECK_INT(r.counts.ops, 4);
    CHECK_INT(r.counts.ops_kept, 1);
    CHECK_INT(r.counts.ops_no_tasks, 1);
    CHECK_INT(r.counts.ops_no_master, 1);
    CHECK_INT(r.counts.ops_no_master_plane, 1);
    CHECK_INT(r.counts.ops_no_group, 1);
    CHECK_INT(r.counts.tasks_orphan, 1);
    CHECK_INT(r.counts.tasks_size_null, 1);
    CHECK_INT(r.counts.matrix_tasks_no_rank, 1);
    const cs_comm_op *o = r.ops.len ? &r.ops.items[0] : NULL;
    CHECK(o != NULL);
    if (!o) return;
    /* time: every plane-0 copy off the chip counts, NULL size or not */
    CHECK_DBL(o->transit_ms, 0.0003);
    CHECK_DBL(o->sync_ms, 0.0001);
    CHECK_DBL(o->elapse_ms, 0.0005);
    CHECK(o->start_us == 0.0);
    /* bandwidth: the NULL-size copy is left out; the rank-less one counts */
    const cs_comm_band *h = band(&r, o, CS_BAND_HCCS), *sio = band(&r, o, CS_BAND_SIO);
    CHECK(h && sio);
    if (h && sio) {
        CHECK_DBL(h->size_mb, 4);
        CHECK_DBL(h->time_ms, 0.0002);
        CHECK_INT(h->npackets, 2);
        CHECK_DBL(sio->size_mb, 1);
        CHECK(sio->bandwidth == 100000.0);   /* 1 MB in 10 ns */
    }
    /* matrix: 0-1 (3 MB), self link 2-2 (remote 0xFFFFFFFF), 0-3 (SIO) */
    CHECK_INT(o->nlinks, 3);
    const cs_comm_link *l0 = link_at(&r, o, 0), *l1 = link_at(&r, o, 1), *l2 = link_at(&r, o, 2);
    if (l0 && l1 && l2) {
        CHECK(l0->src == 0 && l0->dst == 1);
        CHECK_DBL(l0->size_mb, 3);
        CHECK(l1->src == 2 && l1->dst == 2 && l1->transport == CS_TRANSPORT_LOCAL);
        CHECK(l2->src == 0 && l2->dst == 3 && l2->transport == CS_TRANSPORT_SIO);
    }
    cs_comm_rank_free(&r);

    cs_err err = {{0}};
    CHECK_INT(cs_comm_rank_compute(NULL, 1, NULL, 0, &s, 1, NULL, &r, &err), -1);
    CHECK(strstr(err.msg, "NULL") != NULL);
}

/* The µs step rule: an op whose first master task opens the step is dropped
** (its converted start lies 33 ns before START); --step_id keeps one step. */
static void test_step_rule(void)
{
    const int64_t t0 = 1732406400135732233LL;
    cs_comm_task t[] = {NW(t0, 1000), NW(t0 + 5000, 1000), NW(t0 + 2000000000LL, 1000)};
    t[1].op_id = 2;
    t[2].op_id = 3;
    cs_comm_op_in ops[] = {
        {1, "hcom_allReduce__1_0_1", "g"},
        {2, "hcom_allReduce__1_1_1", "g"},
        {3, "hcom_allReduce__1_2_1", "g"},
    };
    cs_step steps[] = {window(3, t0, t0 + 1000000000LL), window(4, t0 + 1000000001LL, t0 + 3000000000LL)};
    cs_comm_rank r;
    run(ops, 3, t, 3, steps, 2, NULL, &r);
    CHECK_INT(r.counts.ops_dropped_step, 1);
    CHECK_INT(r.ops.len, 2);
    if (r.ops.len == 2) {
        CHECK_STR(r.ops.items[0].name, "hcom_allReduce__1_1_1");
        CHECK(r.ops.items[0].has_step_id && r.ops.items[0].step_id == 3);
        CHECK(r.ops.items[0].start_us == cs_comm_ns_to_us(t0 + 5000));
        CHECK(r.ops.items[1].has_step_id && r.ops.items[1].step_id == 4);
    }
    cs_comm_rank_free(&r);

    cs_comm_options opt = {true, 4};
    run(ops, 3, t, 3, steps, 2, &opt, &r);
    CHECK_INT(r.ops.len, 1);
    CHECK_INT(r.counts.ops_other_step, 1);
    CHECK_INT(r.counts.ops_dropped_step, 1);
    cs_comm_rank_free(&r);

    /* Without steps the window is [START, +inf): an op before START is dropped. */
    cs_step none = cs_step_no_steps(t0 + 1, false, 0);
    run(ops, 3, t, 3, &none, 1, NULL, &r);
    CHECK_INT(r.ops.len, 2);
    CHECK_INT(r.counts.ops_dropped_step, 1);
    CHECK(r.ops.len && !r.ops.items[0].has_step_id);
    cs_comm_rank_free(&r);
}

/* Task order: tasks may come in any order; equal starts keep input order;
** the master plane is the plane of the first isMaster task. */
static void test_order_and_master_plane(void)
{
    cs_comm_task t[] = {
        T(MEMCPY, 300, 100, 2, 1, SDMA, CS_HCCL_LINK_HCCS, INV, 1000000, 0, 1),
        T(WAIT, 100, 200, 2, 1, SDMA, CS_HCCL_LINK_HCCS, INV, 0, 1, 0),
        T(WAIT, 0, 50, 0, 0, SDMA, CS_HCCL_LINK_HCCS, INV, 0, 1, 0),  /* plane 0, not master */
        T(WAIT, 400, 100, 2, 1, SDMA, CS_HCCL_LINK_HCCS, INV, 0, 1, 0),
    };
    t[2].op_id = 7;
    cs_comm_op_in ops[] = {{1, "hcom_broadcast__1_0_1", "g"}, {7, "hcom_broadcast__1_1_1", "h"}};
    cs_step s = no_steps();
    cs_comm_rank r;
    run(ops, 2, t, 4, &s, 1, NULL, &r);
    CHECK_INT(r.ops.len, 2);
    if (r.ops.len == 2) {
        const cs_comm_op *o = &r.ops.items[0];
        CHECK_DBL(o->sync_ms, 0.0002);
        CHECK_DBL(o->wait_ms, 0.0003);
        CHECK_DBL(o->elapse_ms, 0.0004);
        CHECK(o->start_us == 0.1);
        CHECK_INT(r.groups.len, 2);
        CHECK_INT(r.ops.items[1].group, 1);
        CHECK_INT(r.counts.ops_no_master, 1);
    }
    cs_comm_rank_free(&r);
}

/* cs_comm_op_times: every op's transit and sync whatever the step rule,
** equal to the full computation's; NAN for an op without tasks or group. */
static void test_op_times(void)
{
    const int64_t t0 = 1732406400135732233LL;
    cs_comm_task t[] = {
        T(MEMCPY, t0 + 300, 100, 2, 1, SDMA, CS_HCCL_LINK_HCCS, INV, 1000000, 0, 1),
        T(WAIT, t0 + 100, 200, 2, 1, SDMA, CS_HCCL_LINK_HCCS, INV, 0, 1, 0),
        T(WAIT, t0 + 400, 100, 2, 1, SDMA, CS_HCCL_LINK_HCCS, INV, 0, 1, 0),
        NW(t0 + 2000000000LL, 1000),
    };
    t[3].op_id = 2;
    cs_comm_op_in ops[] = {
        {1, "hcom_broadcast__1_0_1", "g"},
        {2, "hcom_allReduce__1_1_1", "g"},  /* 2 s later */
        {3, "hcom_allReduce__1_2_1", "g"},  /* no tasks */
        {1, "hcom_allReduce__1_3_1", NULL}, /* no group */
    };
    double transit[4], sync[4];
    cs_err err = {""};
    CHECK_INT(cs_comm_op_times(ops, 4, t, 4, transit, sync, &err), 0);
    cs_step all = {false, 0, INT64_MIN, INT64_MAX, INT64_MIN, INT64_MAX, 0, false};
    cs_comm_rank r;
    run(ops, 4, t, 4, &all, 1, NULL, &r);
    CHECK_INT(r.ops.len, 2);
    for (size_t i = 0; i < r.ops.len && i < 2; i++) {
        CHECK(transit[i] == r.ops.items[i].transit_ms);
        CHECK(sync[i] == r.ops.items[i].sync_ms);
    }
    CHECK_DBL(sync[0], 0.0002);
    CHECK(isnan(transit[2]) && isnan(sync[2]) && isnan(transit[3]) && isnan(sync[3]));
    cs_comm_rank_free(&r);
}

int main(void)
{
    test_op_times();
    test_rounding();
    test_step_conversions();
    test_kinds_and_names();
    test_g6_collective();
    test_g6_send();
    test_rdma_collective();
    test_rdma_incomplete();
    test_bad_inputs();
    test_step_rule();
    test_order_and_master_plane();
    return check_report();
}
