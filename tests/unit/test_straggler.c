/*
** test_straggler.c — cross-rank wait attribution (analyses.md §8.3) and
** clock offsets (§8.4) on small clusters worked out by hand.  Times in the
** scenarios are ns after an epoch base B; the expected values are derived
** in the comments.
*/
#include "check.h"
#include "clock_skew.h"
#include "hccl_names.h"
#include "file_spool.h"
#include "straggler.h"
#include "wait_store.h"

#include <stdlib.h>

#define B 1700000000000000000LL

/* One op tuple of a scenario.  Zero defaults: ws = B, step "step0",
** rankSize unknown (→ member count), no launch, no small tasks. */
typedef struct op_spec {
    int64_t rank;
    const char *group, *name, *type;
    int64_t arrive, leave, ws, busy, idle;
    bool has_launch;
    int64_t launch;
    bool has_times;             /* transit / sync known */
    double transit, sync;
    bool nostep;
    int64_t step;
    int64_t rank_size;
    int64_t op_id;
} op_spec;

typedef struct rank_spec {
    int64_t rank;
    const char *uid, *name;
} rank_spec;

typedef struct scenario {
    const rank_spec *ranks;
    size_t nranks;
    const op_spec *ops;
    size_t nops;
} scenario;

#define SCENARIO(r, o) ((scenario){r, sizeof r / sizeof r[0], o, sizeof o / sizeof o[0]})

static void add_op(cs_wait_set *s, const op_spec *o)
{
    cs_wait_op w = {0};
    w.rank = o->rank;
    w.op_id = o->op_id;
    w.arrive_ns = B + o->arrive;
    w.leave_ns = B + o->leave;
    w.launch_ns = o->has_launch ? B + o->launch : CS_WAIT_UNKNOWN_NS;
    w.ws_ns = B + o->ws;
    w.busy_ns = o->busy;
    w.idle_before_ns = o->idle;
    w.step_kind = o->nostep ? CS_WAIT_STEP_NONE : CS_WAIT_STEP_ID;
    w.step_id = o->step;
    w.rank_size = o->rank_size ? o->rank_size : -1;
    w.transit_ms = o->has_times ? o->transit : NAN;
    w.sync_ms = o->has_times ? o->sync : NAN;
    w.group = cs_wait_set_intern(s, o->group);
    w.op_name = cs_wait_set_intern(s, o->name);
    w.op_type = cs_wait_set_intern(s, o->type ? o->type : "hcom_allReduce_");
    CS_VEC_PUSH(s->ops, w);
}

/* Builds the set; perm (if non-NULL) gives the op order, and rev_ranks
** lists the ranks backwards (different string ids, different order). */
static void build(cs_wait_set *s, scenario sc, const size_t *perm, bool rev_ranks)
{
    memset(s, 0, sizeof *s);
    if (rev_ranks) cs_wait_set_intern(s, "an unrelated string first");
    for (size_t i = 0; i < sc.nranks; i++) {
        const rank_spec *r = &sc.ranks[rev_ranks ? sc.nranks - 1 - i : i];
        cs_wait_set_add_rank(s, r->rank, r->uid, r->name);
    }
    for (size_t i = 0; i < sc.nops; i++) add_op(s, &sc.ops[perm ? perm[i] : i]);
}

static int run(scenario sc, const cs_straggler_options *opt, cs_straggler_result *res,
               cs_report *rep)
{
    cs_wait_set s;
    build(&s, sc, NULL, false);
    cs_err err = {{0}};
    memset(rep, 0, sizeof *rep);
    int rc = cs_straggler_compute(&s, opt, res, rep, &err);
    if (rc) fprintf(stderr, "compute failed: %s\n", err.msg);
    cs_wait_set_free(&s);
    return rc;
}

static const cs_straggler_row *straggler(const cs_straggler_result *r, int64_t rank)
{
    for (size_t i = 0; i < r->stragglers.len; i++)
        if (r->stragglers.items[i].rank == rank) return &r->stragglers.items[i];
    return NULL;
}

/* The instance whose lowest member's op is named op_name. */
static const cs_wait_instance_row *instance(const cs_straggler_result *r, const char *op_name)
{
    for (size_t i = 0; i < r->instances.len; i++)
        if (strcmp(r->instances.items[i].op_name, op_name) == 0) return &r->instances.items[i];
    return NULL;
}

static const cs_wait_detail_row *detail(const cs_straggler_result *r,
                                        const cs_wait_instance_row *in, int64_t rank)
{
    for (size_t i = 0; in && i < in->ndetail; i++)
        if (r->details.items[in->detail_first + i].rank == rank)
            return &r->details.items[in->detail_first + i];
    return NULL;
}

static char *hash_text(const char *group)
{
    return cs_xasprintf("%" PRIu64, cs_double_hash(group));
}

static bool has_line(const cs_report *rep, const char *text)
{
    for (size_t i = 0; i < rep->lines.len; i++)
        if (strcmp(rep->lines.items[i].text, text) == 0) return true;
    return false;
}

/* Invariants of every result: Σ wait_us of a rank in ClusterWaitDetail is
** its wait_suffered_us; Σ caused = Σ direct = Σ of the instances' caused;
** caused <= suffered over the cluster; rows in their ORDER BY. */
static void check_invariants(const cs_straggler_result *r)
{
    double caused = 0, direct = 0, suffered = 0, inst = 0;
    for (size_t i = 0; i < r->stragglers.len; i++) {
        const cs_straggler_row *s = &r->stragglers.items[i];
        double sum = 0;
        for (size_t d = 0; d < r->details.len; d++)
            if (r->details.items[d].rank == s->rank) sum += r->details.items[d].wait_us;
        CHECK_DBL(sum, s->wait_suffered_us);
        caused += s->wait_caused_us;
        direct += s->wait_caused_direct_us;
        suffered += s->wait_suffered_us;
        if (i) {
            const cs_straggler_row *p = &r->stragglers.items[i - 1];
            CHECK(p->wait_caused_us > s->wait_caused_us ||
                  (p->wait_caused_us == s->wait_caused_us && p->rank < s->rank));
        }
    }
    for (size_t i = 0; i < r->instances.len; i++) inst += r->instances.items[i].wait_caused_us;
    CHECK_DBL(caused, inst);
    CHECK_DBL(direct, inst);
    CHECK(caused <= suffered + 1e-6);
    for (size_t i = 0; i < r->instances.len; i++) {
        const cs_wait_instance_row *in = &r->instances.items[i];
        CHECK_INT(in->ndetail, in->members);
        for (size_t d = 1; d < in->ndetail; d++)
            CHECK(r->details.items[in->detail_first + d - 1].rank <
                  r->details.items[in->detail_first + d].rank);
    }
}

/* ------------------------------------------------------------------------
** Keys and medians.
*/

static void test_sequence_number(void)
{
    CHECK_INT(cs_wait_sequence_number("hcom_allReduce__606_3_1"), 3);
    CHECK_INT(cs_wait_sequence_number("hcom_send__334_0_1"), 0);
    CHECK_INT(cs_wait_sequence_number("hcom_receive__334_12_1"), 12);
    CHECK_INT(cs_wait_sequence_number("5_1"), 5);         /* first field */
    CHECK_INT(cs_wait_sequence_number("hcom__1"), -1);    /* empty field */
    CHECK_INT(cs_wait_sequence_number("hcom_x_1"), -1);   /* not digits */
    CHECK_INT(cs_wait_sequence_number("hcom_3a_1"), -1);
    CHECK_INT(cs_wait_sequence_number("allreduce"), -1);  /* one field */
    CHECK_INT(cs_wait_sequence_number("_1"), -1);
    CHECK_INT(cs_wait_sequence_number("a_99999999999999999999_1"), -1); /* > int64 */
    CHECK_INT(cs_wait_sequence_number(""), -1);
}

static void test_medians(void)
{
    int64_t a[] = {4, 1, 3, 2};
    CHECK_INT(cs_median_i64(a, 4), 2);          /* 2 + (3 − 2) / 2 = 2 */
    int64_t b[] = {-2, -3};
    CHECK_INT(cs_median_i64(b, 2), -3);         /* −3 + 1 / 2 = −3: −2.5 rounded down */
    int64_t c[] = {7};
    CHECK_INT(cs_median_i64(c, 1), 7);
    double d[] = {1.0, 4.0, 2.0, 3.0};
    CHECK_DBL(cs_median_f64(d, 4), 2.5);
}

/* ------------------------------------------------------------------------
** A 2-member p2p instance, either side last.
**
** seq 0: rank 0 sends at 100 µs, rank 1 receives at 150 µs: spread 50 µs,
**   L = rank 1, wait_0 = 50 µs = C, W = 50 µs.  No earlier wait; busy_1 −
**   busy_0 = 120 − 60 = 60 µs > 25 µs → compute.
** seq 1: rank 1 sends at 1000 µs, rank 0 receives at 1080 µs: L = rank 0,
**   C = 80 µs; rank 0's window [900, 1080) µs holds no earlier wait (its wait
**   of seq 0 was at 100 µs); busy equal, no launch, no transit → unknown.
*/
static const rank_spec p2p_ranks[] = {{0, "u0", "h0"}, {1, "u0", "h0"}};
static const op_spec p2p_ops[] = {
    {.rank = 0, .group = "pp", .name = "hcom_send__111_0_1", .type = "hcom_send_",
     .arrive = 100000, .leave = 160000, .busy = 60000, .has_times = true, .transit = 0.01,
     .sync = 0.049, .step = 1, .rank_size = 2, .op_id = 1},
    {.rank = 1, .group = "pp", .name = "hcom_receive__111_0_1", .type = "hcom_receive_",
     .arrive = 150000, .leave = 160500, .busy = 120000, .has_times = true, .transit = 0,
     .sync = 0.0008, .step = 1, .rank_size = 2, .op_id = 1},
    {.rank = 1, .group = "pp", .name = "hcom_send__111_1_1", .type = "hcom_send_",
     .arrive = 1000000, .leave = 1090000, .ws = 900000, .busy = 50000, .step = 1,
     .rank_size = 2, .op_id = 2},
    {.rank = 0, .group = "pp", .name = "hcom_receive__111_1_1", .type = "hcom_receive_",
     .arrive = 1080000, .leave = 1090000, .ws = 900000, .busy = 50000, .step = 1,
     .rank_size = 2, .op_id = 2},
};

static void test_p2p(void)
{
    cs_straggler_result r;
    cs_report rep;
    CHECK_INT(run(SCENARIO(p2p_ranks, p2p_ops), NULL, &r, &rep), 0);
    char *pp = hash_text("pp");

    CHECK_INT(r.instances.len, 2);
    const cs_wait_instance_row *a = &r.instances.items[0], *b = &r.instances.items[1];
    CHECK_STR(a->step, "step1");
    CHECK_STR(a->group_name, pp);
    CHECK_STR(a->op_name, "hcom_send__111_0_1");  /* the lowest member's op */
    CHECK_INT(a->members, 2);
    CHECK_INT(a->rank_size, 2);
    CHECK(a->has_last_rank);
    CHECK_INT(a->last_rank, 1);
    CHECK_DBL(a->last_arrival_us, 50.0);
    CHECK_DBL(a->wait_caused_us, 50.0);
    CHECK_STR(a->reason, "compute");
    CHECK(a->has_root_rank);
    CHECK_INT(a->root_rank, 1);
    CHECK_STR(b->op_name, "hcom_receive__111_1_1");
    CHECK_INT(b->last_rank, 0);
    CHECK_DBL(b->wait_caused_us, 80.0);
    CHECK_STR(b->reason, "unknown");
    CHECK_INT(b->root_rank, 0);

    /* details: rank order, wait = last − own arrival, sync NULL without tasks */
    CHECK_INT(a->ndetail, 2);
    const cs_wait_detail_row *d0 = &r.details.items[a->detail_first];
    const cs_wait_detail_row *d1 = &r.details.items[a->detail_first + 1];
    CHECK_INT(d0->rank, 0);
    CHECK_STR(d0->op_name, "hcom_send__111_0_1");
    CHECK_DBL(d0->wait_us, 50.0);
    CHECK(d0->has_sync);
    CHECK_DBL(d0->synchronization_ms, 0.049);
    CHECK_INT(d1->rank, 1);
    CHECK_STR(d1->op_name, "hcom_receive__111_0_1");
    CHECK_DBL(d1->wait_us, 0.0);
    CHECK(!detail(&r, b, 1)->has_sync);

    /* rank 0: 80 caused (unknown), suffered 50; rank 1: 50 (compute), suffered 80 */
    CHECK_INT(r.stragglers.len, 2);
    const cs_straggler_row *s0 = &r.stragglers.items[0], *s1 = &r.stragglers.items[1];
    CHECK_INT(s0->rank, 0);
    CHECK_DBL(s0->wait_caused_us, 80.0);
    CHECK_DBL(s0->wait_caused_direct_us, 80.0);
    CHECK_DBL(s0->wait_suffered_us, 50.0);
    CHECK_INT(s0->instances_last, 1);
    CHECK_STR(s0->reason, "unknown");
    CHECK_STR(s0->groups, pp);
    CHECK_STR(s0->steps, "step1");
    CHECK_INT(s1->rank, 1);
    CHECK_DBL(s1->wait_caused_us, 50.0);
    CHECK_DBL(s1->wait_suffered_us, 80.0);
    CHECK_STR(s1->reason, "compute");

    /* one host: one row, offset 0, no warning, no report line */
    CHECK_INT(r.offsets.len, 1);
    CHECK_STR(r.offsets.items[0].host, "h0");
    CHECK(r.offsets.items[0].has_offset);
    CHECK_DBL(r.offsets.items[0].offset_us, 0.0);
    CHECK_INT(r.offsets.items[0].instances, 0);
    CHECK_STR(r.offsets.items[0].warning, "");
    CHECK_INT(rep.lines.len, 0);
    check_invariants(&r);
    free(pp);
    cs_report_free(&rep);
    cs_straggler_result_free(&r);
}

/* ------------------------------------------------------------------------
** 4-rank collectives on one host: compute, launch, transfer, noise floor.
**
** All-reduce arrivals (µs) 1000, 1010, 1005, 1100 for ranks 0..3: spread
** 100 µs, L = rank 3, waits 100, 90, 95 → C = 285 µs, W = median(100, 90,
** 95) = 95 µs, 0.5 W = 47.5 µs.
*/
static const rank_spec one_host[] = {
    {0, "u0", "h0"}, {1, "u0", "h0"}, {2, "u0", "h0"}, {3, "u0", "h0"}};

#define COLL(r, g, n, a, l) .rank = r, .group = g, .name = n, .arrive = a, .leave = l, \
                            .rank_size = 4, .step = 3

static const op_spec coll_ops[] = {
    /* compute (tp, seq 5): busy 500, 505, 498 | 600 µs: median_P = 500,
    ** 600 − 500 = 100 > 47.5 → compute */
    {COLL(0, "tp", "hcom_allReduce__606_5_1", 1000000, 1200000), .busy = 500000,
     .has_times = true, .transit = 0.05, .sync = 0.1},
    {COLL(1, "tp", "hcom_allReduce__606_5_1", 1010000, 1200000), .busy = 505000,
     .has_times = true, .transit = 0.05, .sync = 0.09},
    {COLL(2, "tp", "hcom_allReduce__606_5_1", 1005000, 1200000), .busy = 498000,
     .has_times = true, .transit = 0.05, .sync = 0.095},
    {COLL(3, "tp", "hcom_allReduce__606_5_1", 1100000, 1200000), .busy = 600000,
     .has_times = true, .transit = 0.05, .sync = 0.001},

    /* launch (tp2, seq 7), same arrivals, busy equal: launches 970, 980, 975
    ** | 1090 µs: median_P 975, 1090 − 975 = 115 > 47.5, and idle_before_L
    ** = 80 > 47.5 → launch */
    {COLL(0, "tp2", "hcom_allReduce__222_7_1", 1000000, 1200000), .busy = 500000,
     .has_launch = true, .launch = 970000, .idle = 1000},
    {COLL(1, "tp2", "hcom_allReduce__222_7_1", 1010000, 1200000), .busy = 500000,
     .has_launch = true, .launch = 980000, .idle = 1000},
    {COLL(2, "tp2", "hcom_allReduce__222_7_1", 1005000, 1200000), .busy = 500000,
     .has_launch = true, .launch = 975000, .idle = 1000},
    {COLL(3, "tp2", "hcom_allReduce__222_7_1", 1100000, 1200000), .busy = 500000,
     .has_launch = true, .launch = 1090000, .idle = 80000},
    /* seq 8: the same launches but idle_before_L = 40 < 47.5 → unknown */
    {COLL(0, "tp2", "hcom_allReduce__222_8_1", 3000000, 3200000), .busy = 500000,
     .has_launch = true, .launch = 2970000, .idle = 1000},
    {COLL(1, "tp2", "hcom_allReduce__222_8_1", 3010000, 3200000), .busy = 500000,
     .has_launch = true, .launch = 2980000, .idle = 1000},
    {COLL(2, "tp2", "hcom_allReduce__222_8_1", 3005000, 3200000), .busy = 500000,
     .has_launch = true, .launch = 2975000, .idle = 1000},
    {COLL(3, "tp2", "hcom_allReduce__222_8_1", 3100000, 3200000), .busy = 500000,
     .has_launch = true, .launch = 3090000, .idle = 40000},
    /* seq 9: launch unknown on rank 1 → not "launch" whatever the rest: unknown */
    {COLL(0, "tp2", "hcom_allReduce__222_9_1", 5000000, 5200000), .busy = 500000,
     .has_launch = true, .launch = 4970000, .idle = 1000},
    {COLL(1, "tp2", "hcom_allReduce__222_9_1", 5010000, 5200000), .busy = 500000, .idle = 1000},
    {COLL(2, "tp2", "hcom_allReduce__222_9_1", 5005000, 5200000), .busy = 500000,
     .has_launch = true, .launch = 4975000, .idle = 1000},
    {COLL(3, "tp2", "hcom_allReduce__222_9_1", 5100000, 5200000), .busy = 500000,
     .has_launch = true, .launch = 5090000, .idle = 80000},

    /* transfer (tp3, seq 2): arrivals 1000, 1005, 1002, 1030 µs: spread 30,
    ** waits 30, 25, 28 → C = 83, W = 28; leave 1500 for all: durations 500,
    ** 495, 498, 470 → median_M = 495 + (498 − 495) / 2 = 496.5 µs;
    ** 10 × 30 = 300 < 496.5; transit 1.0, 1.1, 0.9 | 2.0 ms: median_P 1.0,
    ** 2.0 > 1.5 → transfer */
    {COLL(0, "tp3", "hcom_allGather__333_2_1", 1000000, 1500000), .busy = 1,
     .has_times = true, .transit = 1.0, .sync = 0.03},
    {COLL(1, "tp3", "hcom_allGather__333_2_1", 1005000, 1500000), .busy = 1,
     .has_times = true, .transit = 1.1, .sync = 0.025},
    {COLL(2, "tp3", "hcom_allGather__333_2_1", 1002000, 1500000), .busy = 1,
     .has_times = true, .transit = 0.9, .sync = 0.028},
    {COLL(3, "tp3", "hcom_allGather__333_2_1", 1030000, 1500000), .busy = 1,
     .has_times = true, .transit = 2.0, .sync = 0.0},
    /* seq 3: transit_L 1.4 <= 1.5 → unknown */
    {COLL(0, "tp3", "hcom_allGather__333_3_1", 3000000, 3500000), .busy = 1,
     .has_times = true, .transit = 1.0, .sync = 0.03},
    {COLL(1, "tp3", "hcom_allGather__333_3_1", 3005000, 3500000), .busy = 1,
     .has_times = true, .transit = 1.1, .sync = 0.025},
    {COLL(2, "tp3", "hcom_allGather__333_3_1", 3002000, 3500000), .busy = 1,
     .has_times = true, .transit = 0.9, .sync = 0.028},
    {COLL(3, "tp3", "hcom_allGather__333_3_1", 3030000, 3500000), .busy = 1,
     .has_times = true, .transit = 1.4, .sync = 0.0},

    /* seq 4: as seq 2 but short ops: leave at 1250 → durations 250, 245,
    ** 248, 220 → median 245 + 3/2 = 246.5 µs; 10 × 30 = 300 >= 246.5 → not
    ** transfer: unknown */
    {COLL(0, "tp3", "hcom_allGather__333_4_1", 5000000, 5250000), .busy = 1,
     .has_times = true, .transit = 1.0, .sync = 0.03},
    {COLL(1, "tp3", "hcom_allGather__333_4_1", 5005000, 5250000), .busy = 1,
     .has_times = true, .transit = 1.1, .sync = 0.025},
    {COLL(2, "tp3", "hcom_allGather__333_4_1", 5002000, 5250000), .busy = 1,
     .has_times = true, .transit = 0.9, .sync = 0.028},
    {COLL(3, "tp3", "hcom_allGather__333_4_1", 5030000, 5250000), .busy = 1,
     .has_times = true, .transit = 2.0, .sync = 0.0},

    /* noise floor (tp4, seq 1, ranks 0-2, step 4): arrivals 1000, 1015,
    ** 1020 µs: spread exactly 20 µs → not attributed; waits 20, 5, 0 still
    ** count as suffered */
    {.rank = 0, .group = "tp4", .name = "hcom_allReduce__444_1_1", .arrive = 1000000,
     .leave = 1100000, .rank_size = 3, .step = 4},
    {.rank = 1, .group = "tp4", .name = "hcom_allReduce__444_1_1", .arrive = 1015000,
     .leave = 1100000, .rank_size = 3, .step = 4},
    {.rank = 2, .group = "tp4", .name = "hcom_allReduce__444_1_1", .arrive = 1020000,
     .leave = 1100000, .rank_size = 3, .step = 4},
};

static void test_collective_reasons(void)
{
    cs_parallel_group tp = {"tp", "tp-group", NULL, 0};
    cs_straggler_options opt = {false, 0, &tp, 1, NULL, NULL};
    cs_straggler_result r;
    cs_report rep;
    CHECK_INT(run(SCENARIO(one_host, coll_ops), &opt, &r, &rep), 0);

    const cs_wait_instance_row *in = instance(&r, "hcom_allReduce__606_5_1");
    CHECK(in != NULL);
    if (in) {
        CHECK_INT(in->last_rank, 3);
        CHECK_DBL(in->last_arrival_us, 100.0);
        CHECK_DBL(in->wait_caused_us, 285.0);
        CHECK_STR(in->reason, "compute");
        CHECK_INT(in->root_rank, 3);
        CHECK_STR(in->step, "step3");
        CHECK_DBL(detail(&r, in, 1)->wait_us, 90.0);
        CHECK_DBL(detail(&r, in, 1)->synchronization_ms, 0.09);
    }
    in = instance(&r, "hcom_allReduce__222_7_1");
    CHECK(in && strcmp(in->reason, "launch") == 0);
    in = instance(&r, "hcom_allReduce__222_8_1");
    CHECK(in && strcmp(in->reason, "unknown") == 0);
    in = instance(&r, "hcom_allReduce__222_9_1");
    CHECK(in && strcmp(in->reason, "unknown") == 0);
    in = instance(&r, "hcom_allGather__333_2_1");
    CHECK(in != NULL);
    if (in) {
        CHECK_STR(in->reason, "transfer");
        CHECK_DBL(in->wait_caused_us, 83.0);
        CHECK_INT(in->last_rank, 3);
    }
    in = instance(&r, "hcom_allGather__333_3_1");
    CHECK(in && strcmp(in->reason, "unknown") == 0);
    in = instance(&r, "hcom_allGather__333_4_1");
    CHECK(in && strcmp(in->reason, "unknown") == 0);

    /* noise floor: a row without last rank, caused 0, reason "", root NULL */
    in = instance(&r, "hcom_allReduce__444_1_1");
    CHECK(in != NULL);
    if (in) {
        CHECK(!in->has_last_rank);
        CHECK(!in->has_root_rank);
        CHECK_DBL(in->last_arrival_us, 20.0);
        CHECK_DBL(in->wait_caused_us, 0.0);
        CHECK_STR(in->reason, "");
        CHECK_INT(in->members, 3);
        CHECK_INT(in->rank_size, 3);
        CHECK_DBL(detail(&r, in, 0)->wait_us, 20.0);
        CHECK_DBL(detail(&r, in, 1)->wait_us, 5.0);
        CHECK_STR(in->step, "step4");
    }

    /* Rank 3 is last in all seven attributed instances: 285 (compute) + 285
    ** (launch) + 285 + 285 (unknown) + 83 (transfer) + 83 + 83 (unknown) =
    ** 1389 µs; by label compute 285, launch 285, transfer 83, unknown 736 →
    ** reason unknown.  Suffered: rank 0 = 100 × 4 + 30 × 3 + 20 (noise) =
    ** 510; rank 1 = 90 × 4 + 25 × 3 + 5 = 440; rank 2 = 95 × 4 + 28 × 3 + 0
    ** = 464. */
    const cs_straggler_row *s3 = &r.stragglers.items[0];
    CHECK_INT(s3->rank, 3);
    CHECK_DBL(s3->wait_caused_us, 1389.0);
    CHECK_DBL(s3->wait_caused_direct_us, 1389.0);
    CHECK_DBL(s3->wait_suffered_us, 0.0);
    CHECK_INT(s3->instances_last, 7);
    CHECK_STR(s3->reason, "unknown");
    char *h2 = hash_text("tp2"), *h3 = hash_text("tp3");
    /* groups: pg_name where known, else the hash; sorted as text */
    const char *g[3] = {"tp-group", h2, h3};
    for (int i = 0; i < 3; i++)
        for (int j = i + 1; j < 3; j++)
            if (strcmp(g[i], g[j]) > 0) { const char *t = g[i]; g[i] = g[j]; g[j] = t; }
    char *want = cs_xasprintf("%s;%s;%s", g[0], g[1], g[2]);
    CHECK_STR(s3->groups, want);
    CHECK_STR(s3->steps, "step3");
    CHECK_DBL(straggler(&r, 0)->wait_suffered_us, 510.0);
    CHECK_DBL(straggler(&r, 1)->wait_suffered_us, 440.0);
    CHECK_DBL(straggler(&r, 2)->wait_suffered_us, 464.0);
    CHECK_STR(straggler(&r, 0)->reason, "");
    CHECK_STR(straggler(&r, 0)->groups, "");
    CHECK_STR(straggler(&r, 0)->steps, "");
    /* zeros rows: ranks 0, 1, 2 in rank order after rank 3 */
    CHECK_INT(r.stragglers.items[1].rank, 0);
    CHECK_INT(r.stragglers.items[3].rank, 2);
    check_invariants(&r);
    free(want);
    free(h2);
    free(h3);
    cs_report_free(&rep);
    cs_straggler_result_free(&r);

    /* --step_id 4: only the noise-floor instance; totals over it */
    cs_straggler_options only4 = {true, 4, NULL, 0, NULL, NULL};
    CHECK_INT(run(SCENARIO(one_host, coll_ops), &only4, &r, &rep), 0);
    CHECK_INT(r.instances.len, 1);
    CHECK_INT(r.details.len, 3);
    CHECK_DBL(straggler(&r, 0)->wait_suffered_us, 20.0);
    CHECK_DBL(straggler(&r, 3)->wait_caused_us, 0.0);
    CHECK_INT(straggler(&r, 3)->instances_last, 0);
    CHECK_INT(r.stragglers.len, 4);
    check_invariants(&r);
    cs_report_free(&rep);
    cs_straggler_result_free(&r);
}

/* ------------------------------------------------------------------------
** Propagation through two instances, with a mixed root.
**
** Ranks 0..4, one host, every op in step 1 with ws = 0 (window [0, arrive)).
**   A  (g1 {1,2}): rank 1 at 100, rank 2 at 400 µs; L = 2, C = 300; busy
**      800 vs 400 → compute.  root {(2, compute): 1}.
**   Bi (g4 {0,4}): rank 0 at 150, rank 4 at 250; L = 4, C = 100; nothing
**      else differs → unknown.  root {(4, unknown): 1}.
**   Cc (g2 {0,1}): rank 0 at 300, rank 1 at 500; L = 1, C = W = 200.
**      waited_1 = 300 (A: arrived at 100 in [0, 500), A ended (400) <= 500);
**      waited_0 = 100 (Bi: 150 in [0, 300), 250 <= 300); 300 − 100 = 200 >
**      100 → propagated; root = 300/300 × root(A) = {(2, compute): 1}.
**   D  (g3 {0,3}): rank 3 at 560, rank 0 at 700; L = 0, C = W = 140.
**      waited_0 = 100 (Bi) + 200 (Cc) = 300, waited_3 = 0 → propagated;
**      root = 1/3 root(Bi) + 2/3 root(Cc) = {(2, compute): 2/3, (4, unknown): 1/3};
**      root rank 2.
** Processing order by last arrival: Bi (250), A (400), Cc (500), D (700).
** Caused: rank 2 = 300 + 200 + 140 × 2/3 = 593.33; rank 4 = 100 + 140/3 =
** 146.67.  Direct: rank 2 300, rank 1 200, rank 0 140, rank 4 100.
** Suffered: rank 0 = 100 + 200 = 300, rank 1 = 300, rank 3 = 140.
*/
static const rank_spec prop_ranks[] = {
    {0, "u0", "h0"}, {1, "u0", "h0"}, {2, "u0", "h0"}, {3, "u0", "h0"}, {4, "u0", "h0"}};
#define P2(r, g, n, a, l, b) .rank = r, .group = g, .name = n, .arrive = a, .leave = l, \
                             .busy = b, .rank_size = 2, .step = 1
static const op_spec prop_ops[] = {
    {P2(1, "g1", "hcom_allReduce__101_0_1", 100000, 450000, 400000)},
    {P2(2, "g1", "hcom_allReduce__101_0_1", 400000, 450000, 800000)},
    {P2(0, "g4", "hcom_allReduce__104_0_1", 150000, 260000, 100000)},
    {P2(4, "g4", "hcom_allReduce__104_0_1", 250000, 260000, 100000)},
    {P2(0, "g2", "hcom_allReduce__102_0_1", 300000, 550000, 200000)},
    {P2(1, "g2", "hcom_allReduce__102_0_1", 500000, 550000, 200000)},
    {P2(0, "g3", "hcom_allReduce__103_0_1", 700000, 750000, 300000)},
    {P2(3, "g3", "hcom_allReduce__103_0_1", 560000, 750000, 300000)},
};

static void test_propagation(void)
{
    cs_straggler_result r;
    cs_report rep;
    CHECK_INT(run(SCENARIO(prop_ranks, prop_ops), NULL, &r, &rep), 0);

    const cs_wait_instance_row *a = instance(&r, "hcom_allReduce__101_0_1");
    const cs_wait_instance_row *bi = instance(&r, "hcom_allReduce__104_0_1");
    const cs_wait_instance_row *cc = instance(&r, "hcom_allReduce__102_0_1");
    const cs_wait_instance_row *d = instance(&r, "hcom_allReduce__103_0_1");
    CHECK(a && bi && cc && d);
    if (a && bi && cc && d) {
        CHECK_STR(a->reason, "compute");
        CHECK_INT(a->root_rank, 2);
        CHECK_STR(bi->reason, "unknown");
        CHECK_INT(bi->root_rank, 4);
        CHECK_STR(cc->reason, "propagated");
        CHECK_INT(cc->last_rank, 1);
        CHECK_INT(cc->root_rank, 2);
        CHECK_DBL(cc->wait_caused_us, 200.0);
        CHECK_STR(d->reason, "propagated");
        CHECK_INT(d->last_rank, 0);
        CHECK_INT(d->root_rank, 2);
        CHECK_DBL(d->wait_caused_us, 140.0);
    }

    CHECK_INT(r.stragglers.len, 5);
    const int64_t order[] = {2, 4, 0, 1, 3};
    for (int i = 0; i < 5; i++) CHECK_INT(r.stragglers.items[i].rank, order[i]);
    const cs_straggler_row *s2 = straggler(&r, 2), *s4 = straggler(&r, 4);
    const cs_straggler_row *s0 = straggler(&r, 0), *s1 = straggler(&r, 1), *s3 = straggler(&r, 3);
    CHECK_DBL(s2->wait_caused_us, 300.0 + 200.0 + 140.0 * 2.0 / 3.0);
    CHECK_DBL(s2->wait_caused_direct_us, 300.0);
    CHECK_STR(s2->reason, "compute");
    CHECK_DBL(s4->wait_caused_us, 100.0 + 140.0 / 3.0);
    CHECK_DBL(s4->wait_caused_direct_us, 100.0);
    CHECK_STR(s4->reason, "unknown");
    /* the wait ranks 0 and 1 caused moved on; their direct blame stays */
    CHECK_DBL(s0->wait_caused_us, 0.0);
    CHECK_DBL(s0->wait_caused_direct_us, 140.0);
    CHECK_INT(s0->instances_last, 1);
    CHECK_STR(s0->reason, "");
    CHECK_DBL(s1->wait_caused_us, 0.0);
    CHECK_DBL(s1->wait_caused_direct_us, 200.0);
    CHECK_DBL(s0->wait_suffered_us, 300.0);
    CHECK_DBL(s1->wait_suffered_us, 300.0);
    CHECK_DBL(s3->wait_suffered_us, 140.0);
    CHECK_DBL(s2->wait_suffered_us, 0.0);
    char *g3 = hash_text("g3");
    CHECK_STR(s0->groups, g3);          /* where rank 0 was last, propagated or not */
    CHECK_STR(s0->steps, "step1");
    CHECK_STR(s3->groups, "");
    free(g3);
    check_invariants(&r);
    cs_report_free(&rep);
    cs_straggler_result_free(&r);

    /* Test 0 needs the earlier wait to have ended before L arrived: move
    ** A's last arrival after Cc's (rank 2 at 520 µs > rank 1's 500): A no
    ** longer counts for rank 1 at Cc, waited_1 = 0 → Cc is not propagated. */
    op_spec late[sizeof prop_ops / sizeof prop_ops[0]];
    memcpy(late, prop_ops, sizeof late);
    late[1].arrive = 520000;
    late[0].leave = late[1].leave = 560000;
    CHECK_INT(run(SCENARIO(prop_ranks, late), NULL, &r, &rep), 0);
    cc = instance(&r, "hcom_allReduce__102_0_1");
    CHECK(cc && strcmp(cc->reason, "propagated") != 0);
    CHECK(cc && cc->root_rank == 1);
    check_invariants(&r);
    cs_report_free(&rep);
    cs_straggler_result_free(&r);

    /* The same rule on a peer (overlapping streams): rank 4 reaches Bi at
    ** 400 µs, after rank 0 arrived at Cc (300).  Rank 0's wait in Bi was still
    ** running, so waited_0 at Cc = 0 (counting it, waited_0 = 250 and
    ** 300 − 250 = 50 <= 100: not propagated): 300 − 0 > 100 → propagated,
    ** root rank 2. */
    memcpy(late, prop_ops, sizeof late);
    late[3].arrive = 400000;
    late[2].leave = late[3].leave = 410000;
    CHECK_INT(run(SCENARIO(prop_ranks, late), NULL, &r, &rep), 0);
    cc = instance(&r, "hcom_allReduce__102_0_1");
    CHECK(cc && strcmp(cc->reason, "propagated") == 0);
    CHECK(cc && cc->root_rank == 2);
    check_invariants(&r);
    cs_report_free(&rep);
    cs_straggler_result_free(&r);
}

/* A window that reaches back past later-processed ops: the attribution lets
** a rank's waits go only once no window still to come can hold them.
** Ranks 0, 1 share group ga; ranks 0, 2 share gb.  All ws = 0 unless said.
**   J  (ga #1): rank 0 at 100 µs, rank 1 at 700 → L = 1, rank 0 waits 600.
**   K  (ga #2): rank 0 at 900 (ws 800, its window starts after J), rank 1
**      at 950 → L = 1, rank 0 waits 50.  Processed after J, before I.
**   I  (gb #1): rank 2 at 50, rank 0 at 1200 with ws 0 → L = 0, W = 1150.
**      Rank 0's window [0, 1200) holds J's wait (ended at 700) and K's
**      (ended at 950): waited_0 = 650; rank 2's [0, 50) holds none.
**      2 × (650 − 0) = 1300 > 1150 → propagated; root = 600/650 root(J) +
**      50/650 root(K) = rank 1 (unknown) → root rank 1.
** Letting J's wait go when K is processed would leave waited_0 = 50:
** 100 < 1150, reason unknown, root rank 0. */
static const rank_spec reach_ranks[] = {{0, "u", "h"}, {1, "u", "h"}, {2, "u", "h"}};
static const op_spec reach_ops[] = {
    {.rank = 0, .group = "ga", .name = "hcom_allReduce__1_1_1", .arrive = 100000, .leave = 800000},
    {.rank = 1, .group = "ga", .name = "hcom_allReduce__1_1_1", .arrive = 700000, .leave = 800000},
    {.rank = 0, .group = "ga", .name = "hcom_allReduce__1_2_1", .arrive = 900000, .leave = 1000000,
     .ws = 800000},
    {.rank = 1, .group = "ga", .name = "hcom_allReduce__1_2_1", .arrive = 950000, .leave = 1000000,
     .ws = 800000},
    {.rank = 2, .group = "gb", .name = "hcom_allReduce__2_1_1", .arrive = 50000, .leave = 1300000},
    {.rank = 0, .group = "gb", .name = "hcom_allReduce__2_1_1", .arrive = 1200000, .leave = 1300000},
};

static void test_window_reaches_back(void)
{
    cs_straggler_result r;
    cs_report rep;
    CHECK_INT(run(SCENARIO(reach_ranks, reach_ops), NULL, &r, &rep), 0);
    const cs_wait_instance_row *j = instance(&r, "hcom_allReduce__1_1_1");
    const cs_wait_instance_row *k = instance(&r, "hcom_allReduce__1_2_1");
    const cs_wait_instance_row *i = instance(&r, "hcom_allReduce__2_1_1");
    CHECK(j && k && i);
    if (j && k && i) {
        CHECK_STR(j->reason, "unknown");
        CHECK_DBL(k->wait_caused_us, 50.0);
        CHECK_STR(i->reason, "propagated");
        CHECK_INT(i->last_rank, 0);
        CHECK_INT(i->root_rank, 1);
        CHECK_DBL(i->wait_caused_us, 1150.0);
    }
    const cs_straggler_row *s1 = straggler(&r, 1), *s0 = straggler(&r, 0);
    CHECK(s0 && s1);
    if (s0 && s1) {
        CHECK_DBL(s1->wait_caused_us, 600.0 + 50.0 + 1150.0);
        CHECK_DBL(s0->wait_caused_us, 0.0);
        CHECK_DBL(s0->wait_caused_direct_us, 1150.0);
    }
    check_invariants(&r);
    cs_report_free(&rep);
    cs_straggler_result_free(&r);
}

/* Ties.  Group t: arrivals 0, 50, 50 µs for ranks 0, 1, 2 → the lowest of
** the tied ranks is last: L = rank 1, waits 50, 0, 0, C = 50.
** Group t2 (ranks 2, 3): rank 3 is 50 µs late twice, once with busy 100 vs
** 0 (compute), once with equal busy (unknown): 50 µs each → reason(3) =
** compute, the first of compute, launch, transfer, unknown. */
static const op_spec tie_ops[] = {
    {.rank = 2, .group = "t", .name = "hcom_allReduce__5_0_1", .arrive = 50000, .leave = 90000},
    {.rank = 0, .group = "t", .name = "hcom_allReduce__5_0_1", .arrive = 0, .leave = 90000},
    {.rank = 1, .group = "t", .name = "hcom_allReduce__5_0_1", .arrive = 50000, .leave = 90000},
    {.rank = 2, .group = "t2", .name = "hcom_allReduce__6_0_1", .arrive = 1000000,
     .leave = 1100000},
    {.rank = 3, .group = "t2", .name = "hcom_allReduce__6_0_1", .arrive = 1050000,
     .leave = 1100000, .busy = 100000},
    {.rank = 2, .group = "t2", .name = "hcom_allReduce__6_1_1", .arrive = 2000000,
     .leave = 2100000},
    {.rank = 3, .group = "t2", .name = "hcom_allReduce__6_1_1", .arrive = 2050000,
     .leave = 2100000},
};

static void test_tie(void)
{
    cs_straggler_result r;
    cs_report rep;
    CHECK_INT(run(SCENARIO(one_host, tie_ops), NULL, &r, &rep), 0);
    const cs_wait_instance_row *t = instance(&r, "hcom_allReduce__5_0_1");
    CHECK(t && t->last_rank == 1 && t->wait_caused_us == 50.0);
    CHECK_INT(straggler(&r, 1)->instances_last, 1);
    CHECK_INT(straggler(&r, 2)->instances_last, 0);
    CHECK_STR(instance(&r, "hcom_allReduce__6_0_1")->reason, "compute");
    CHECK_STR(instance(&r, "hcom_allReduce__6_1_1")->reason, "unknown");
    CHECK_DBL(straggler(&r, 3)->wait_caused_us, 100.0);
    CHECK_STR(straggler(&r, 3)->reason, "compute");
    CHECK_DBL(straggler(&r, 2)->wait_suffered_us, 100.0);
    check_invariants(&r);
    cs_report_free(&rep);
    cs_straggler_result_free(&r);
}

/* ------------------------------------------------------------------------
** Incomplete, one-member and oversized instances; a rank without ops.
**
** dp (rankSize 4), seq 1: ranks 0, 1, 2 at 0, 30, 100 µs → attributed among
**   the 3 present (L = 2, C = 100 + 70 = 170), flagged members 3 < 4.
** dp seq 2: rank 0 only → no row, counted.
** x (rankSize 2), seq 1: ranks 0, 1, 2 → 3 > 2, reported, attributed.
** y (rankSize unknown), seq 1: 2 members → rank_size 2.
** Rank 3 has no op: a row of zeros.
*/
static const op_spec incomplete_ops[] = {
    {.rank = 0, .group = "dp", .name = "hcom_allReduce__555_1_1", .arrive = 0, .leave = 200000,
     .rank_size = 4, .step = 2},
    {.rank = 1, .group = "dp", .name = "hcom_allReduce__555_1_1", .arrive = 30000,
     .leave = 200000, .rank_size = 4, .step = 2},
    {.rank = 2, .group = "dp", .name = "hcom_allReduce__555_1_1", .arrive = 100000,
     .leave = 200000, .rank_size = 4, .step = 2},
    {.rank = 0, .group = "dp", .name = "hcom_allReduce__555_2_1", .arrive = 300000,
     .leave = 400000, .rank_size = 4, .step = 2},
    {.rank = 0, .group = "x", .name = "hcom_broadcast__666_1_1", .arrive = 500000,
     .leave = 600000, .rank_size = 2, .step = 2},
    {.rank = 1, .group = "x", .name = "hcom_broadcast__666_1_1", .arrive = 500000,
     .leave = 600000, .rank_size = 2, .step = 2},
    {.rank = 2, .group = "x", .name = "hcom_broadcast__666_1_1", .arrive = 510000,
     .leave = 600000, .rank_size = 2, .step = 2},
    {.rank = 1, .group = "y", .name = "hcom_allGather__777_1_1", .arrive = 700000,
     .leave = 800000, .step = 2, .nostep = true},
    {.rank = 2, .group = "y", .name = "hcom_allGather__777_1_1", .arrive = 700000,
     .leave = 800000, .step = 2, .nostep = true},
};

static void test_incomplete(void)
{
    cs_straggler_result r;
    cs_report rep;
    CHECK_INT(run(SCENARIO(one_host, incomplete_ops), NULL, &r, &rep), 0);
    CHECK_INT(r.instances.len, 3);
    /* NULL step first */
    CHECK(r.instances.items[0].step == NULL);
    CHECK_STR(r.instances.items[0].op_name, "hcom_allGather__777_1_1");
    CHECK_INT(r.instances.items[0].rank_size, 2);
    CHECK(r.details.items[r.instances.items[0].detail_first].step == NULL);
    const cs_wait_instance_row *dp = instance(&r, "hcom_allReduce__555_1_1");
    CHECK(dp != NULL);
    if (dp) {
        CHECK_INT(dp->members, 3);
        CHECK_INT(dp->rank_size, 4);
        CHECK_INT(dp->last_rank, 2);
        CHECK_DBL(dp->wait_caused_us, 170.0);
    }
    const cs_wait_instance_row *x = instance(&r, "hcom_broadcast__666_1_1");
    CHECK(x && x->members == 3 && x->rank_size == 2);
    CHECK(instance(&r, "hcom_allReduce__555_2_1") == NULL);
    CHECK_INT(r.counts.one_member, 1);
    CHECK_INT(r.counts.incomplete, 1);
    CHECK_INT(r.counts.oversized, 1);
    CHECK(has_line(&rep, "straggler: 1 instances with one member (not attributed)"));
    CHECK(has_line(&rep, "straggler: 1 incomplete instances (fewer members than rankSize; "
                         "attributed among the present members)"));
    CHECK(has_line(&rep, "straggler: 1 instances with more members than rankSize "
                         "(attributed anyway)"));
    CHECK_INT(rep.lines.len, 3);
    const cs_straggler_row *s3 = straggler(&r, 3);
    CHECK(s3 != NULL);
    CHECK(s3 && s3->wait_caused_us == 0.0 && s3->wait_suffered_us == 0.0 &&
          s3->instances_last == 0 && s3->reason[0] == '\0' && s3->groups[0] == '\0');
    check_invariants(&r);
    cs_report_free(&rep);
    cs_straggler_result_free(&r);
}

/* ------------------------------------------------------------------------
** Fallback keys (opType, k).
**
** gf: "hcom_allGather__abc_x_1" has no number → the whole group, broadcast
** included, is keyed by (opType, k), k by (startNs, opId) per rank:
**   rank 0 allGather: (1000, id 10) k1, (5000, id 11) k2, (5000, id 13) k3;
**   rank 1 allGather: (1500, id 20) k1, (5000, id 21) k2, (60000, id 23) k3;
**   broadcast: rank 0 (3000) and rank 1 (2000), k1 each.
** k3: rank 0 at 5 µs, rank 1 at 60 µs → attributed, L = 1, C = 55 µs.
** gd: rank 0 has two ops numbered 1 → fallback: rank 0 k1 (100), k2 (200);
**   rank 1 k1 (150, "…_1_1"), k2 (250, "…_2_1").
** Rows: allGather k1, k2, k3, then broadcast ("hcom_allGather_" <
** "hcom_broadcast_" as text).
*/
static const rank_spec two_ranks[] = {{0, "u0", "h0"}, {1, "u0", "h0"}};
static const op_spec fallback_ops[] = {
    {.rank = 0, .group = "gf", .name = "hcom_allGather__abc_x_k3", .type = "hcom_allGather_",
     .arrive = 5000, .leave = 70000, .op_id = 13},
    {.rank = 0, .group = "gf", .name = "hcom_allGather__abc_x_k2", .type = "hcom_allGather_",
     .arrive = 5000, .leave = 6000, .op_id = 11},
    {.rank = 0, .group = "gf", .name = "hcom_allGather__abc_x_k1", .type = "hcom_allGather_",
     .arrive = 1000, .leave = 2000, .op_id = 10},
    {.rank = 0, .group = "gf", .name = "hcom_broadcast__abc_4_1", .type = "hcom_broadcast_",
     .arrive = 3000, .leave = 4000, .op_id = 12},
    {.rank = 1, .group = "gf", .name = "hcom_allGather__abc_x_1", .type = "hcom_allGather_",
     .arrive = 60000, .leave = 70000, .op_id = 23},
    {.rank = 1, .group = "gf", .name = "hcom_allGather__abc_x_1", .type = "hcom_allGather_",
     .arrive = 1500, .leave = 2000, .op_id = 20},
    {.rank = 1, .group = "gf", .name = "hcom_allGather__abc_x_1", .type = "hcom_allGather_",
     .arrive = 5000, .leave = 6000, .op_id = 21},
    {.rank = 1, .group = "gf", .name = "hcom_broadcast__abc_4_1", .type = "hcom_broadcast_",
     .arrive = 2000, .leave = 4000, .op_id = 22},
    {.rank = 0, .group = "gd", .name = "hcom_allReduce__777_1_1a", .arrive = 200,
     .leave = 300, .op_id = 31},
    {.rank = 0, .group = "gd", .name = "hcom_allReduce__777_1_1b", .arrive = 100,
     .leave = 300, .op_id = 30},
    {.rank = 1, .group = "gd", .name = "hcom_allReduce__777_1_1", .arrive = 150, .leave = 300,
     .op_id = 40},
    {.rank = 1, .group = "gd", .name = "hcom_allReduce__777_2_1", .arrive = 250, .leave = 300,
     .op_id = 41},
};

static void test_fallback(void)
{
    cs_straggler_result r;
    cs_report rep;
    CHECK_INT(run(SCENARIO(two_ranks, fallback_ops), NULL, &r, &rep), 0);
    CHECK_INT(r.counts.fallback_groups, 2);
    CHECK_INT(r.instances.len, 6);
    char *gf = hash_text("gf"), *gd = hash_text("gd");
    /* rows of gf in key order */
    const char *want_gf[] = {"hcom_allGather__abc_x_k1", "hcom_allGather__abc_x_k2",
                             "hcom_allGather__abc_x_k3", "hcom_broadcast__abc_4_1"};
    const char *want_gd[] = {"hcom_allReduce__777_1_1b", "hcom_allReduce__777_1_1a"};
    size_t ngf = 0, ngd = 0;
    for (size_t i = 0; i < r.instances.len; i++) {
        const cs_wait_instance_row *in = &r.instances.items[i];
        CHECK_INT(in->members, 2);
        if (strcmp(in->group_name, gf) == 0 && ngf < 4) CHECK_STR(in->op_name, want_gf[ngf++]);
        if (strcmp(in->group_name, gd) == 0 && ngd < 2) CHECK_STR(in->op_name, want_gd[ngd++]);
    }
    CHECK_INT(ngf, 4);
    CHECK_INT(ngd, 2);
    const cs_wait_instance_row *k3 = instance(&r, "hcom_allGather__abc_x_k3");
    CHECK(k3 && k3->has_last_rank && k3->last_rank == 1);
    CHECK(k3 && k3->wait_caused_us == 55.0);
    /* k2: both at 5000 → spread 0, not attributed */
    const cs_wait_instance_row *k2 = instance(&r, "hcom_allGather__abc_x_k2");
    CHECK(k2 && !k2->has_last_rank);
    /* the k1 of gd pairs rank 0's op at 100 with rank 1's at 150 */
    const cs_wait_instance_row *d1 = instance(&r, "hcom_allReduce__777_1_1b");
    CHECK(d1 && strcmp(detail(&r, d1, 1)->op_name, "hcom_allReduce__777_1_1") == 0);
    CHECK(d1 && detail(&r, d1, 0)->wait_us == 0.05);
    CHECK(has_line(&rep, "straggler: 2 groups without usable sequence numbers "
                         "(instances keyed by opType and position)"));
    check_invariants(&r);
    free(gf);
    free(gd);
    cs_report_free(&rep);
    cs_straggler_result_free(&r);
}

/* ------------------------------------------------------------------------
** Two hosts with a known clock offset, and hosts not reached.
**
** node-a (ranks 0, 1) is the reference (lowest rank); node-b (ranks 2, 3)
** runs 250 µs ahead.  dp all-reduces seq 0, 1, 2 at T = 0, 1, 2 ms.  True
** arrivals 0, 60, 4.5, 7.5 µs (rank 1 late); recorded on node-b + 250 µs
** (+ the 0.5 µs the leave jitter adds to the estimate below):
**   recorded arrivals: r0 T, r1 T + 60, r2 T + 255, r3 T + 258 µs.
** Leave samples (median on b − median on a):
**   seq 0: a {300, 301} → 300.5; b {550.5, 551.5} → 551 → 250.5 µs
**   seq 1: a {300, 300} → 300;   b {549, 549} → 249 µs
**   seq 2: a {300, 302} → 301;   b {552, 552} → 251 µs
** offset(node-b) = median(249, 250.5, 251) = 250.5 µs from 3 instances.
** Syncs all 0.08 ms → limit max(50, 80) = 80 µs: warning
**   "clock offset 250.5 us exceeds 80.0 us; cross-host waits corrected".
** Corrected arrivals: r2 255 − 250.5 = 4.5, r3 7.5 → L = rank 1 (without
** correction it would be rank 3), spread 60, waits 60, 55.5, 52.5 → C =
** 168 µs per instance, W = 55.5; busy 200 vs 100 → compute.
** node-c (ranks 4, 5) and node-d (rank 6) share no instance with a or b:
** no offset; "iso" {4, 6} spans c and d → attributed uncorrected.
*/
static const rank_spec skew_ranks[] = {
    {0, "uidA", "node-a"}, {1, "uidA", "node-a"}, {2, "uidB", "node-b"}, {3, "uidB", "node-b"},
    {4, "uidC", "node-c"}, {5, "uidC", "node-c"}, {6, "uidD", "node-d"}};
#define DP(r, s, a, l, b) .rank = r, .group = "dp", .name = "hcom_allReduce__900_" #s "_1", \
                          .arrive = (s) * 1000000LL + (a), .leave = (s) * 1000000LL + (l), \
                          .busy = b, .has_times = true, .transit = 0.01, .sync = 0.08, \
                          .rank_size = 4, .step = 1
static const op_spec skew_ops[] = {
    {DP(0, 0, 0, 300000, 100000)},
    {DP(1, 0, 60000, 301000, 200000)},
    {DP(2, 0, 255000, 550500, 100000)},
    {DP(3, 0, 258000, 551500, 100000)},
    {DP(0, 1, 0, 300000, 100000)},
    {DP(1, 1, 60000, 300000, 200000)},
    {DP(2, 1, 255000, 549000, 100000)},
    {DP(3, 1, 258000, 549000, 100000)},
    {DP(0, 2, 0, 300000, 100000)},
    {DP(1, 2, 60000, 302000, 200000)},
    {DP(2, 2, 255000, 552000, 100000)},
    {DP(3, 2, 258000, 552000, 100000)},
    {.rank = 4, .group = "iso", .name = "hcom_allReduce__950_0_1", .arrive = 10000000,
     .leave = 10100000, .rank_size = 2, .step = 1},
    {.rank = 6, .group = "iso", .name = "hcom_allReduce__950_0_1", .arrive = 10030000,
     .leave = 10100000, .rank_size = 2, .step = 1},
    {.rank = 4, .group = "c", .name = "hcom_allReduce__951_0_1", .arrive = 11000000,
     .leave = 11100000, .rank_size = 2, .step = 1},
    {.rank = 5, .group = "c", .name = "hcom_allReduce__951_0_1", .arrive = 11000000,
     .leave = 11100000, .rank_size = 2, .step = 1},
};

static void test_clock_offset(void)
{
    cs_straggler_result r;
    cs_report rep;
    CHECK_INT(run(SCENARIO(skew_ranks, skew_ops), NULL, &r, &rep), 0);
    CHECK_INT(r.offsets.len, 4);
    const cs_clock_offset_row *a = &r.offsets.items[0], *b = &r.offsets.items[1];
    const cs_clock_offset_row *c = &r.offsets.items[2], *d = &r.offsets.items[3];
    CHECK_STR(a->host, "node-a");
    CHECK_STR(a->host_uid, "uidA");
    CHECK(a->has_offset);
    CHECK_DBL(a->offset_us, 0.0);
    CHECK_INT(a->instances, 0);
    CHECK_STR(a->warning, "");
    CHECK_STR(b->host, "node-b");
    CHECK(b->has_offset);
    CHECK_INT(b->offset_ns, 250500);
    CHECK_DBL(b->offset_us, 250.5);
    CHECK_INT(b->instances, 3);
    CHECK_STR(b->warning, "clock offset 250.5 us exceeds 80.0 us; cross-host waits corrected");
    CHECK_STR(c->host, "node-c");
    CHECK(!c->has_offset);
    CHECK_INT(c->instances, 0);
    CHECK_STR(c->warning, "");
    CHECK(!d->has_offset);

    const cs_wait_instance_row *in = instance(&r, "hcom_allReduce__900_0_1");
    CHECK(in != NULL);
    if (in) {
        CHECK_INT(in->last_rank, 1);
        CHECK_DBL(in->last_arrival_us, 60.0);
        CHECK_DBL(in->wait_caused_us, 168.0);
        CHECK_STR(in->reason, "compute");
        CHECK_DBL(detail(&r, in, 2)->wait_us, 55.5);
        CHECK_DBL(detail(&r, in, 3)->wait_us, 52.5);
    }
    const cs_straggler_row *s1 = &r.stragglers.items[0];
    CHECK_INT(s1->rank, 1);
    CHECK_DBL(s1->wait_caused_us, 504.0);
    CHECK(s1->wait_caused_us == s1->wait_caused_direct_us);   /* nothing propagated: exact */
    CHECK_INT(s1->instances_last, 3);
    CHECK_STR(s1->reason, "compute");
    CHECK_DBL(straggler(&r, 0)->wait_suffered_us, 180.0);
    CHECK_DBL(straggler(&r, 2)->wait_suffered_us, 166.5);
    CHECK_DBL(straggler(&r, 3)->wait_suffered_us, 157.5);
    /* c–d instance attributed on uncorrected times */
    in = instance(&r, "hcom_allReduce__950_0_1");
    CHECK(in && in->last_rank == 6 && in->wait_caused_us == 30.0);

    /* report: the warning line first (clock-skew kind, its table row), then
    ** the host counts */
    CHECK_INT(rep.lines.len, 3);
    const cs_line *w = &rep.lines.items[0];
    CHECK_INT(w->kind, CS_LINE_CLOCK_SKEW);
    CHECK_INT(w->seq, 1);
    CHECK_STR(w->text, "host node-b (uidB): clock offset 250.5 us exceeds 80.0 us; "
                       "cross-host waits corrected");
    CHECK(has_line(&rep, "straggler: 2 hosts share no instance with the reference host's clock "
                         "(no offset; their times stay uncorrected)"));
    CHECK(has_line(&rep, "straggler: 1 instances across hosts without a clock offset "
                         "(attributed on uncorrected times)"));
    CHECK_INT(r.counts.hosts_unreached, 2);
    CHECK_INT(r.counts.instances_uncorrected, 1);
    check_invariants(&r);
    cs_report_free(&rep);
    cs_straggler_result_free(&r);
}

/* The BFS chain on its own (hosts A..F = 0..5, reference A):
**   A–B samples 100.0 (medians of {1, 3, 2} = 2 and {102, 104, 100} = 102 µs),
**   100.4, 99 µs → B = 100 µs from 3; A–C 200 µs → C = 200;
**   B–D 50 and 50.001 µs → 50 + 0.001/2 rounded down = 50 µs; C–D −30 µs.
**   D is two steps away; at distance 1, B is visited before C, so D's
**   parent is B: D = 100 + 50 = 150 µs (via C it would be 170).
**   E–F share one instance, nothing else: unreached, 1 instance uncorrected.
**   A single-host instance adds nothing. */
static void test_clock_graph(void)
{
    const cs_skew_member m[] = {
        {0, 1000, NAN}, {0, 3000, NAN}, {0, 2000, NAN},                                     /* I0 */
        {1, 102000, NAN}, {1, 104000, NAN}, {1, 100000, NAN},
        {0, 0, NAN}, {1, 100400, NAN},                                                      /* I1 */
        {1, 99000, NAN}, {0, 0, NAN},                                                       /* I2 */
        {0, 1000, NAN}, {2, 201000, NAN},                                                   /* I3 */
        {1, 0, NAN}, {3, 50000, NAN},                                                       /* I4 */
        {3, 50001, NAN}, {1, 0, NAN},                                                       /* I5 */
        {2, 0, NAN}, {3, -30000, NAN},                                                      /* I6 */
        {4, 0, NAN}, {5, 10, NAN},                                                          /* I7 */
        {0, 5, NAN}, {0, 7, NAN},                                                           /* I8 */
    };
    const size_t first[] = {0, 6, 8, 10, 12, 14, 16, 18, 20, 22};
    cs_skew_result r;
    cs_clock_skew_compute(6, 0, m, first, 9, &r);
    CHECK(r.hosts[0].reached);
    CHECK_INT(r.hosts[0].offset_ns, 0);
    CHECK_INT(r.hosts[0].instances, 0);
    CHECK_INT(r.hosts[1].offset_ns, 100000);
    CHECK_INT(r.hosts[1].instances, 3);
    CHECK_INT(r.hosts[1].parent, 0);
    CHECK_INT(r.hosts[2].offset_ns, 200000);
    CHECK_INT(r.hosts[2].instances, 1);
    CHECK_INT(r.hosts[3].parent, 1);
    CHECK_INT(r.hosts[3].offset_ns, 150000);
    CHECK_INT(r.hosts[3].instances, 2);
    CHECK(!r.hosts[4].reached);
    CHECK(!r.hosts[5].reached);
    CHECK_INT(r.hosts_unreached, 2);
    CHECK_INT(r.instances_uncorrected, 1);
    CHECK(r.hosts[1].warn);            /* 100 > 50 (no sync time: 50) */
    CHECK_DBL(r.hosts[1].limit_us, 50.0);
    cs_skew_result_free(&r);

    char *t = cs_clock_skew_warning(100000, 50.0);
    CHECK_STR(t, "clock offset 100.0 us exceeds 50.0 us; cross-host waits corrected");
    free(t);
    t = cs_clock_skew_warning(-62300, 71.0);
    CHECK_STR(t, "clock offset -62.3 us exceeds 71.0 us; cross-host waits corrected");
    free(t);

    /* a 40 µs offset stays below the 50 µs floor: no warning */
    const cs_skew_member m2[] = {{0, 0, 0.01}, {1, 40000, 0.01}};
    const size_t f2[] = {0, 2};
    cs_clock_skew_compute(2, 0, m2, f2, 1, &r);
    CHECK_INT(r.hosts[1].offset_ns, 40000);
    CHECK(!r.hosts[1].warn);
    cs_skew_result_free(&r);
}

/* ------------------------------------------------------------------------
** Determinism: shuffled ops, ranks listed backwards, other string ids, and
** the per-rank sets encoded, decoded and merged in reverse order.
*/

static bool same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool same_result(const cs_straggler_result *x, const cs_straggler_result *y)
{
    if (x->stragglers.len != y->stragglers.len || x->ninstances != y->ninstances ||
        x->ndetails != y->ndetails || x->offsets.len != y->offsets.len)
        return false;
    for (size_t i = 0; i < x->stragglers.len; i++) {
        const cs_straggler_row *a = &x->stragglers.items[i], *b = &y->stragglers.items[i];
        if (a->rank != b->rank || a->wait_caused_us != b->wait_caused_us ||
            a->wait_caused_direct_us != b->wait_caused_direct_us ||
            a->wait_suffered_us != b->wait_suffered_us || a->instances_last != b->instances_last ||
            !same_str(a->reason, b->reason) || !same_str(a->groups, b->groups) ||
            !same_str(a->steps, b->steps))
            return false;
    }
    /* the rows from wherever they are (memory or a spool) */
    for (size_t i = 0; i < x->ninstances; i++) {
        cs_wait_instance_rec ra, rb;
        cs_err err;
        if (cs_straggler_instances(x, i, 1, &ra, &err) || cs_straggler_instances(y, i, 1, &rb, &err)) return false;
        const cs_wait_instance_row *a = &ra.row, *b = &rb.row;
        if (!same_str(a->step, b->step) || !same_str(a->group_name, b->group_name) ||
            !same_str(a->op_name, b->op_name) || a->members != b->members ||
            a->rank_size != b->rank_size || a->has_last_rank != b->has_last_rank ||
            a->last_rank != b->last_rank || a->last_arrival_us != b->last_arrival_us ||
            a->wait_caused_us != b->wait_caused_us || !same_str(a->reason, b->reason) ||
            a->has_root_rank != b->has_root_rank || a->root_rank != b->root_rank ||
            a->detail_first != b->detail_first || a->ndetail != b->ndetail)
            return false;
    }
    for (size_t i = 0; i < x->ndetails; i++) {
        cs_wait_detail_rec ra, rb;
        cs_err err;
        if (cs_straggler_details(x, i, 1, &ra, &err) || cs_straggler_details(y, i, 1, &rb, &err)) return false;
        const cs_wait_detail_row a = ra.row, b = rb.row;
        if (!same_str(a.step, b.step) || !same_str(a.group_name, b.group_name) ||
            !same_str(a.op_name, b.op_name) || a.rank != b.rank || a.wait_us != b.wait_us ||
            a.has_sync != b.has_sync || a.synchronization_ms != b.synchronization_ms)
            return false;
    }
    for (size_t i = 0; i < x->offsets.len; i++) {
        const cs_clock_offset_row *a = &x->offsets.items[i], *b = &y->offsets.items[i];
        if (!same_str(a->host, b->host) || !same_str(a->host_uid, b->host_uid) ||
            a->has_offset != b->has_offset || a->offset_ns != b->offset_ns ||
            a->instances != b->instances || !same_str(a->warning, b->warning))
            return false;
    }
    return memcmp(&x->counts, &y->counts, sizeof x->counts) == 0;
}

static uint64_t rng_state = 88172645463325252ULL;
static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static cs_spool *file_spool(void *arg)
{
    cs_err err = {{0}};
    ++*(int *)arg;
    return cs_spool_temp_file(NULL, &err);
}

static void check_shuffles(scenario sc, const cs_straggler_options *opt)
{
    cs_straggler_result want, got;
    cs_report rep;
    cs_err err = {{0}};
    CHECK_INT(run(sc, opt, &want, &rep), 0);
    cs_report_free(&rep);
    CHECK_INT(want.ndetails, want.details.len);
    /* the detail rows spooled to a file read back as the ones in memory */
    int made = 0;
    cs_straggler_options spooled = {false, 0, NULL, 0, file_spool, &made};
    if (opt) {
        spooled = *opt;
        spooled.new_spool = file_spool;
        spooled.spool_arg = &made;
    }
    CHECK_INT(run(sc, &spooled, &got, &rep), 0);
    cs_report_free(&rep);
    /* the store, the member records, the window bounds, the two row logs */
    CHECK_INT(made, 5);
    CHECK(got.details.len == 0 && got.detail_log.count == want.details.len);
    CHECK(got.instances.len == 0 && got.instance_log.count == want.instances.len);
    CHECK_INT(want.ninstances, want.instances.len);
    CHECK(same_result(&want, &got));
    cs_wait_detail_rec past;
    CHECK_INT(cs_straggler_details(&got, got.ndetails, 1, &past, &err), -1);
    cs_wait_instance_rec past_inst;
    CHECK_INT(cs_straggler_instances(&got, got.ninstances, 1, &past_inst, &err), -1);
    cs_straggler_result_free(&got);
    size_t *perm = cs_xmalloc(sc.nops * sizeof *perm);
    for (int round = 0; round < 5; round++) {
        for (size_t i = 0; i < sc.nops; i++) perm[i] = i;
        for (size_t i = sc.nops; i > 1; i--) {
            size_t j = (size_t)(rng() % i);
            size_t t = perm[i - 1]; perm[i - 1] = perm[j]; perm[j] = t;
        }
        cs_wait_set s;
        build(&s, sc, perm, round % 2 == 1);
        CHECK_INT(cs_straggler_compute(&s, opt, &got, NULL, &err), 0);
        CHECK(same_result(&want, &got));
        cs_straggler_result_free(&got);
        cs_wait_set_free(&s);
    }

    /* one set per rank (as the workers build them), through the codec,
    ** parked in reverse rank order as process 0 does */
    cs_wait_store *st = cs_wait_store_new(NULL);
    for (size_t k = sc.nranks; k-- > 0;) {
        cs_wait_set one = {0};
        cs_wait_set_add_rank(&one, sc.ranks[k].rank, sc.ranks[k].uid, sc.ranks[k].name);
        for (size_t i = 0; i < sc.nops; i++)
            if (sc.ops[i].rank == sc.ranks[k].rank) add_op(&one, &sc.ops[i]);
        cs_encoder e = {0};
        cs_wait_set_encode(&one, &e);
        cs_decoder d = {e.buf, e.len, 0, false};
        cs_wait_set back;
        CHECK_INT(cs_wait_set_decode(&d, &back), 0);
        CHECK_INT(d.pos, e.len);
        CHECK_INT(back.ops.len, one.ops.len);
        CHECK_INT(cs_wait_store_add(st, &back, &err), 0);
        /* a truncated buffer is refused */
        cs_decoder cut = {e.buf, e.len - 1, 0, false};
        cs_wait_set bad;
        CHECK_INT(cs_wait_set_decode(&cut, &bad), -1);
        cs_wait_set_free(&back);
        cs_wait_set_free(&one);
        free(e.buf);
    }
    CHECK_INT(cs_straggler_compute_store(st, opt, &got, NULL, &err), 0);
    CHECK(same_result(&want, &got));
    cs_straggler_result_free(&got);
    cs_wait_store_free(st);
    free(perm);
    cs_straggler_result_free(&want);
}

static void test_determinism(void)
{
    cs_parallel_group tp = {"tp", "tp-group", NULL, 0};
    cs_straggler_options opt = {false, 0, &tp, 1, NULL, NULL};
    check_shuffles(SCENARIO(p2p_ranks, p2p_ops), NULL);
    check_shuffles(SCENARIO(one_host, coll_ops), &opt);
    check_shuffles(SCENARIO(prop_ranks, prop_ops), NULL);
    check_shuffles(SCENARIO(one_host, incomplete_ops), NULL);
    check_shuffles(SCENARIO(one_host, tie_ops), NULL);
    check_shuffles(SCENARIO(two_ranks, fallback_ops), NULL);
    check_shuffles(SCENARIO(skew_ranks, skew_ops), NULL);
}

static void test_bad_input(void)
{
    cs_wait_set s = {0};
    cs_straggler_result r;
    cs_err err = {{0}};
    cs_wait_set_add_rank(&s, 0, "u", "h");
    op_spec o = {.rank = 7, .group = "g", .name = "hcom_x__1_0_1"};
    add_op(&s, &o);
    CHECK_INT(cs_straggler_compute(&s, NULL, &r, NULL, &err), -1);
    CHECK_STR(err.msg, "straggler: an op of rank 7 but the rank is not listed");
    cs_wait_set_add_rank(&s, 0, "u", "h");
    s.ops.len = 0;
    CHECK_INT(cs_straggler_compute(&s, NULL, &r, NULL, &err), -1);
    CHECK_STR(err.msg, "straggler: rank 0 listed twice");
    cs_wait_set_free(&s);

    /* an empty cluster: no rows at all */
    cs_wait_set empty = {0};
    CHECK_INT(cs_straggler_compute(&empty, NULL, &r, NULL, &err), 0);
    CHECK_INT(r.stragglers.len + r.instances.len + r.offsets.len, 0);
    cs_straggler_result_free(&r);
    cs_wait_set_free(&empty);
}

/* ------------------------------------------------------------------------
** The per-rank builder on raw records.
**
** Steps: step 1 [1000, 5000], step 2 [6000, 9000].  Ops (start–end, conn):
**   o1 g 2000–2500 (11) step 1, first of g → ws = START 1000
**   o2 g 3000–3200 (12) step 1 → ws = o1's end 2500
**   o3 h 3000–3100 (13) step 1, first of h → ws 1000
**   o4 g 7000–7100 (14) step 2, first → ws 6000
**   o5 g 5500–5600 (15) in no step, the first of g there → ws = the
**      earliest task start 900
**   o6 group NULL → left out
** Compute [1200,1800] [1500,2200] [2600,2900] [6500,6800] → merged
** [1200,2200] [2600,2900] [6500,6800]:
**   busy o1 [1000,2000) = 800; o2 [2500,3000) = 300; o3 [1000,3000) = 1300;
**   o4 [6000,7000) = 300; o5 [900,5500) = 1300.
** Tasks: compute (conn −1), the ops' own tasks, a memcpy 2950–2990 (99), an
** early task 900–950 (77), and a task of o4 6900–7050 (14) starting
** before o4:
**   idle o1: latest end before 2000 = 2200 > 2000 → 0
**   idle o2, o3: latest 2990 (memcpy) → 3000 − max(ws, 2990) = 10
**   idle o5: latest 3200 (o2's task) → 5500 − 3200 = 2300
**   idle o4: o4's own task (6900–7050) is excluded; latest other 6800 →
**            7000 − max(6000, 6800) = 200
** Launches: 11 → 1500, 12 → 2800, 14 → 6700 and 6600 (earliest 6600);
** 13 and 15 none.
*/
static void test_rank_builder(void)
{
    cs_step steps[] = {{true, 1, 1000, 5000, 1000, 5000, 1000, false},
                       {true, 2, 6000, 9000, 6000, 9000, 6000, false}};
    cs_wait_raw_op ops[] = {
        {4, 14, 7000, 7100, "g", "hcom_allReduce__1_3_1", "hcom_allReduce_", 8, 0.5, 0.25},
        {1, 11, 2000, 2500, "g", "hcom_allReduce__1_0_1", "hcom_allReduce_", 8, NAN, NAN},
        {2, 12, 3000, 3200, "g", "hcom_allReduce__1_1_1", "hcom_allReduce_", 8, 0, 0},
        {3, 13, 3000, 3100, "h", "hcom_broadcast__2_0_1", "hcom_broadcast_", -1, 0, 0},
        {5, 15, 5500, 5600, "g", "hcom_allReduce__1_2_1", "hcom_allReduce_", 8, 0, 0},
        {6, 16, 5700, 5800, NULL, "hcom_allReduce__1_9_1", "hcom_allReduce_", 8, 0, 0},
    };
    cs_range compute[] = {{2600, 2900}, {1200, 1800}, {6500, 6800}, {1500, 2200}};
    cs_wait_task tasks[] = {
        {1200, 1800, -1}, {1500, 2200, -1}, {2600, 2900, -1}, {6500, 6800, -1},
        {2000, 2500, 11}, {3000, 3200, 12}, {3000, 3100, 13}, {2950, 2990, 99},
        {7000, 7100, 14}, {5500, 5600, 15}, {900, 950, 77},   {6900, 7050, 14},
    };
    cs_launch launches[] = {{14, 6700, 6710}, {12, 2800, 2810}, {11, 1500, 1510}, {14, 6600, 6610}};
    cs_wait_rank_input in = {5, "uid", "host", ops, 6, steps, 2, compute, 4,
                             tasks, 12, launches, 4};
    cs_wait_set s = {0};
    cs_err err = {{0}};
    CHECK_INT(cs_wait_set_add_rank_ops(&s, &in, &err), 0);
    CHECK_INT(s.ranks.len, 1);
    CHECK_INT(s.ranks.items[0].rank, 5);
    CHECK_STR(cs_wait_set_string(&s, s.ranks.items[0].host_uid), "uid");
    CHECK_INT(s.ops.len, 5);
    /*                          id  ws    busy  idle  launch            step */
    const int64_t want[][6] = {{1, 1000, 800, 0, 1500, 1},
                               {2, 2500, 300, 10, 2800, 1},
                               {3, 1000, 1300, 10, CS_WAIT_UNKNOWN_NS, 1},
                               {4, 6000, 300, 200, 6600, 2},
                               {5, 900, 1300, 2300, CS_WAIT_UNKNOWN_NS, -1}};
    for (size_t k = 0; k < 5; k++) {
        const cs_wait_op *o = NULL;
        for (size_t i = 0; i < s.ops.len; i++)
            if (s.ops.items[i].op_id == want[k][0]) o = &s.ops.items[i];
        CHECK(o != NULL);
        if (!o) continue;
        CHECK_INT(o->rank, 5);
        CHECK_INT(o->ws_ns, want[k][1]);
        CHECK_INT(o->busy_ns, want[k][2]);
        CHECK_INT(o->idle_before_ns, want[k][3]);
        CHECK_INT(o->launch_ns, want[k][4]);
        if (want[k][5] < 0) {
            CHECK_INT(o->step_kind, CS_WAIT_STEP_NONE);
        } else {
            CHECK_INT(o->step_kind, CS_WAIT_STEP_ID);
            CHECK_INT(o->step_id, want[k][5]);
        }
        if (o->op_id == 4) {
            CHECK_INT(o->arrive_ns, 7000);
            CHECK_INT(o->leave_ns, 7100);
            CHECK_INT(o->rank_size, 8);
            CHECK_DBL(o->transit_ms, 0.5);
            CHECK_DBL(o->sync_ms, 0.25);
            CHECK_STR(cs_wait_set_string(&s, o->group), "g");
            CHECK_STR(cs_wait_set_string(&s, o->op_name), "hcom_allReduce__1_3_1");
            CHECK_STR(cs_wait_set_string(&s, o->op_type), "hcom_allReduce_");
        }
        if (o->op_id == 1) CHECK(isnan(o->sync_ms));
    }

    /* A profile without steps: the one no-id window [START, +inf); an op
    ** before START is in no step.  Overlapping windows: the first in order
    ** wins. */
    cs_wait_set_free(&s);
    cs_step none = cs_step_no_steps(2500, false, 0);
    in.steps = &none;
    in.nsteps = 1;
    CHECK_INT(cs_wait_set_add_rank_ops(&s, &in, &err), 0);
    for (size_t i = 0; i < s.ops.len; i++) {
        const cs_wait_op *o = &s.ops.items[i];
        CHECK_INT(o->step_kind, o->arrive_ns >= 2500 ? CS_WAIT_STEP_NO_ID : CS_WAIT_STEP_NONE);
        if (o->op_id == 2) CHECK_INT(o->ws_ns, 2500);     /* first of g in the window */
        if (o->op_id == 5) CHECK_INT(o->ws_ns, 3200);     /* after o2 (ends 3200) */
    }
    /* START 3100: o1 (2000) and o2 (3000) of g are both in no step: o1 is
    ** the first (earliest task, 900), o2 follows it (o1's end, 2500); o5 is
    ** the first of g in the window (3100). */
    cs_wait_set_free(&s);
    none = cs_step_no_steps(3100, false, 0);
    CHECK_INT(cs_wait_set_add_rank_ops(&s, &in, &err), 0);
    for (size_t i = 0; i < s.ops.len; i++) {
        const cs_wait_op *o = &s.ops.items[i];
        if (o->op_id == 1) CHECK_INT(o->ws_ns, 900);
        if (o->op_id == 2) CHECK_INT(o->ws_ns, 2500);
        if (o->op_id == 2) CHECK_INT(o->step_kind, CS_WAIT_STEP_NONE);
        if (o->op_id == 5) CHECK_INT(o->ws_ns, 3100);
    }
    cs_wait_set_free(&s);
    cs_step overlap[] = {{true, 7, 0, 0, 0, 4000, 0, false}, {true, 8, 0, 0, 2000, 9000, 0, false}};
    in.steps = overlap;
    in.nsteps = 2;
    CHECK_INT(cs_wait_set_add_rank_ops(&s, &in, &err), 0);
    for (size_t i = 0; i < s.ops.len; i++)
        CHECK_INT(s.ops.items[i].step_id, s.ops.items[i].arrive_ns <= 4000 ? 7 : 8);
    cs_wait_set_free(&s);

    in.tasks = NULL;
    CHECK_INT(cs_wait_set_add_rank_ops(&s, &in, &err), -1);
    cs_wait_set_free(&s);
}

int main(void)
{
    test_sequence_number();
    test_medians();
    test_p2p();
    test_collective_reasons();
    test_propagation();
    test_window_reaches_back();
    test_tie();
    test_incomplete();
    test_fallback();
    test_clock_offset();
    test_clock_graph();
    test_determinism();
    test_bad_input();
    test_rank_builder();
    return check_report();
}
