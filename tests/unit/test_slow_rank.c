/*
** test_slow_rank.c — slow_rank (analyses.md §2.e): the upstream unit cases
** of §5.1, golden case G5 of §5.2, the case-insensitive send/receive filter
** and ties to the lowest rank (§8.6), describe_duration (§2.0).
*/
#include "check.h"
#include "slow_rank.h"
#include "rank_result.h"

static void test_describe(void)
{
    const double v[] = {4.5, 1.5, 3.5, 2.5};
    cs_duration_stats st;
    cs_describe_duration(v, 4, &st);
    CHECK_INT(st.count, 4);
    CHECK_DBL(st.mean, 3.0);
    CHECK(st.has_std);
    CHECK(fabs(st.std - 1.290994) < 1e-6);
    CHECK_DBL(st.min, 1.5);
    CHECK_DBL(st.q1, 2.25);
    CHECK_DBL(st.median, 3.0);
    CHECK_DBL(st.q3, 3.75);
    CHECK_DBL(st.max, 4.5);
    CHECK_DBL(st.sum, 12.0);
    const double one[] = {7.0};
    cs_describe_duration(one, 1, &st);
    CHECK(!st.has_std);      /* NaN in pandas → NULL */
    CHECK_DBL(st.q1, 7.0);
    CHECK_DBL(st.q3, 7.0);
}

static void test_judge(void)
{
    double v[200];
    size_t out[200];
    const size_t sizes[] = {6, 8, 12, 30};
    for (size_t s = 0; s < 4; s++) {
        size_t n = sizes[s];
        for (size_t i = 0; i < n; i++) v[i] = 100.0 + (double)i;
        CHECK_INT(cs_judge_slow_rank(v, n, out), 0);    /* without the 0: none */
        v[n] = 0.0;
        CHECK_INT(cs_judge_slow_rank(v, n + 1, out), 1);
        CHECK_INT(out[0], n);
    }
    const double few[] = {1, 2, 3, 3, 1};               /* ≤ 3 distinct values */
    CHECK_INT(cs_judge_slow_rank(few, 5, out), 0);
    const double two[] = {1, 100};
    CHECK_INT(cs_judge_slow_rank(two, 2, out), 0);
    for (size_t i = 0; i < 120; i++) v[i] = 10.0;       /* 3σ: 120 × 10 and one 0 */
    v[120] = 0.0;
    CHECK_INT(cs_judge_slow_rank(v, 121, out), 1);
    CHECK_INT(out[0], 120);
    /* 3σ: a high outlier flags the minimum too */
    for (size_t i = 0; i < 120; i++) v[i] = 10.0 + (double)(i % 3);
    v[120] = 1000.0;
    size_t k = cs_judge_slow_rank(v, 121, out);
    CHECK_INT(k, 1);
    CHECK_INT(out[0], 0);
}

/* ops of one rank: (group, name, start_ns, dur_ns) */
static void add_op(cs_op_durs *d, const char *group, const char *name, int64_t start, int64_t dur)
{
    cs_op_dur o = {cs_op_durs_name(d, group), cs_op_durs_name(d, name), cs_op_durs_name(d, "hcom_allReduce_"),
                   start, dur};
    CS_VEC_PUSH(d->ops, o);
}

static void test_g5(bool batch_send_recv)
{
    const double a[] = {500, 510, 505, 502, 508, 507, 503, 100};
    cs_op_durs d[8] = {0};
    cs_rank_op_durs in[8];
    for (int r = 0; r < 8; r++) {
        add_op(&d[r], "G", "op_a", r * 1000, (int64_t)(a[r] * 1000));
        add_op(&d[r], "G", "op_b", 100000 + r, (300 + r) * 1000);
        add_op(&d[r], "G", "hcom_send__1", 200000, r == 0 ? 1 : 5000);
        /* on rank 0 only: kept (case-sensitive filter), it would exclude G */
        if (batch_send_recv && r == 0) add_op(&d[r], "G", "hcom_batchSendRecv__1", 300000, 10);
        in[r] = (cs_rank_op_durs){r, &d[r]};
    }
    cs_slow_rank_result res;
    cs_slow_rank_compute(in, 8, &res);
    CHECK_INT(res.groups_excluded, 0);
    CHECK_INT(res.ranks.len, 1);
    if (res.ranks.len == 1) {
        CHECK_INT(res.ranks.items[0].rank, 7);
        CHECK_INT(res.ranks.items[0].count, 1);
    }
    CHECK_INT(res.ops.len, 1);
    if (res.ops.len == 1) {
        const cs_slow_op_row *o = &res.ops.items[0];
        CHECK_STR(o->slow_ranks, "7");
        CHECK_STR(o->op_name, "op_a");
        CHECK_STR(o->group_name, "G");
        CHECK_INT(o->timestamp_ns, 7000);
        CHECK_INT(o->st.count, 8);
        CHECK_DBL(o->st.mean, 454.375);
        CHECK(fabs(o->st.std - 143.22703) < 1e-5);
        CHECK_DBL(o->st.min, 100);
        CHECK_DBL(o->st.q1, 501.5);
        CHECK_DBL(o->st.median, 504.0);
        CHECK_DBL(o->st.q3, 507.25);
        CHECK_DBL(o->st.max, 510);
        CHECK_DBL(o->st.sum, 3635);
    }
    cs_slow_rank_result_free(&res);
    for (int r = 0; r < 8; r++) cs_op_durs_free(&d[r]);
}

/* A group whose op names occur 10 and 12 times is left out. */
static void test_unequal_group(void)
{
    cs_op_durs d[12] = {0};
    cs_rank_op_durs in[12];
    for (int r = 0; r < 12; r++) {
        if (r < 10) add_op(&d[r], "H", "op_x", r, r == 9 ? 1 : 1000 + r);
        add_op(&d[r], "H", "op_y", 100 + r, r == 11 ? 1 : 2000 + r);
        in[r] = (cs_rank_op_durs){r, &d[r]};
    }
    cs_slow_rank_result res;
    cs_slow_rank_compute(in, 12, &res);
    CHECK_INT(res.groups_excluded, 1);
    CHECK_INT(res.ranks.len, 0);
    CHECK_INT(res.ops.len, 0);
    cs_slow_rank_result_free(&res);
    for (int r = 0; r < 12; r++) cs_op_durs_free(&d[r]);
}

/* Two ranks share the minimum: the lowest rank is flagged, whatever the
** order their rows were read in (n = 12: r = (x3 − x1)/(x[n−1] − x1)). */
static void test_tie_lowest_rank(void)
{
    cs_op_durs d[12] = {0};
    cs_rank_op_durs in[12];
    for (int r = 0; r < 12; r++) {
        add_op(&d[r], "T", "op", 50 - r, (r == 4 || r == 9) ? 0 : (100 + r) * 1000);
        in[r] = (cs_rank_op_durs){r, &d[r]};
    }
    cs_slow_rank_result res;
    cs_slow_rank_compute(in, 12, &res);
    CHECK_INT(res.ranks.len, 1);
    if (res.ranks.len) CHECK_INT(res.ranks.items[0].rank, 4);
    if (res.ops.len) CHECK_INT(res.ops.items[0].timestamp_ns, 46);
    cs_slow_rank_result_free(&res);
    for (int r = 0; r < 12; r++) cs_op_durs_free(&d[r]);
}

/* The per-rank durations survive the MPI encoding. */
static void test_codec(void)
{
    cs_rank_result r, back;
    cs_rank_result_init(&r, 3, "/x");
    r.analysed = true;
    r.stat_done = true;
    add_op(&r.stat_ops, "G", "op_a", 5, 7);
    add_op(&r.stat_ops, NULL, "op_b", 6, 8);
    cs_encoder e = {0};
    cs_rank_result_encode(&r, &e);
    cs_decoder dec = {e.buf, e.len, 0, false};
    CHECK_INT(cs_rank_result_decode(&dec, &back), 0);
    CHECK(back.stat_done);
    CHECK_INT(back.stat_ops.ops.len, 2);
    if (back.stat_ops.ops.len == 2) {
        CHECK_STR(cs_op_durs_str(&back.stat_ops, back.stat_ops.ops.items[0].group), "G");
        CHECK(cs_op_durs_str(&back.stat_ops, back.stat_ops.ops.items[1].group) == NULL);
        CHECK_STR(cs_op_durs_str(&back.stat_ops, back.stat_ops.ops.items[1].name), "op_b");
        CHECK_INT(back.stat_ops.ops.items[1].dur_ns, 8);
    }
    free(e.buf);
    cs_rank_result_free(&r);
    cs_rank_result_free(&back);
}

int main(void)
{
    test_describe();
    test_judge();
    test_g5(false);
    test_g5(true);
    test_unequal_group();
    test_tie_lowest_rank();
    test_codec();
    return check_report();
}
