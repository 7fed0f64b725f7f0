/*
** test_module_stat.c — module_statistic (analyses.md §2.a) on the upstream
** unit-test cases of §5.1, the golden run G1 of §5.2 and its variant, and
** cases worked out by hand for the anomalies and the reference's quirks.
*/
#include "check.h"
#include "module_stat.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static cs_module_range R(int64_t start, int64_t end, const char *name)
{
    cs_module_range r = {start, end, name};
    return r;
}

static cs_kernel_link K(const char *kernel, int64_t ts, int64_t end, const char *op,
                        int64_t op_ts, int64_t op_end)
{
    cs_kernel_link k = {kernel, ts, end, op, op_ts, op_end};
    return k;
}

static cs_fwd_bwd_pair P(const char *fwd, int64_t fwd_ts, int64_t fwd_end, const char *bwd,
                         int64_t bwd_ts, int64_t bwd_end)
{
    cs_fwd_bwd_pair p = {fwd, fwd_ts, fwd_end, bwd, bwd_ts, bwd_end};
    return p;
}

/* Checks row i of rows; on failure also names the caller's line. */
#define ROW(rows, i, parent, module, op, kernels, total, avg, count) \
    check_row(rows, i, parent, module, op, kernels, total, avg, count, __LINE__)

static void check_row(const cs_module_rows *rows, size_t i, const char *parent,
                      const char *module, const char *op, const char *kernels,
                      double total, double avg, int64_t count, int line)
{
    int before = check_failed_;
    CHECK(i < rows->len);
    if (i >= rows->len) {
        fprintf(stderr, "  (row %zu missing, checked at line %d)\n", i, line);
        return;
    }
    const cs_module_row *r = &rows->items[i];
    CHECK_STR(r->parent, parent);
    CHECK_STR(r->module, module);
    CHECK_STR(r->op_name, op);
    CHECK_STR(r->kernel_list, kernels);
    CHECK_DBL(r->total_ns, total);
    CHECK_DBL(r->avg_ns, avg);
    CHECK_INT(r->op_count, count);
    if (check_failed_ != before) fprintf(stderr, "  (row %zu, checked at line %d)\n", i, line);
}

static void run(const cs_module_range *m, size_t nm, const cs_kernel_link *k, size_t nk,
                const cs_fwd_bwd_pair *p, size_t np, cs_module_rows *rows,
                cs_module_stats *st)
{
    cs_err err = {{0}};
    CHECK_INT(cs_module_statistic(m, nm, k, nk, p, np, rows, st, &err), 0);
}

/* §5.1 tree: mod1[0,100] ⊃ mod2[10,90] ⊃ op1[15,40] (k1, k2), op2[45,70] (k3). */
static void test_upstream_tree(void)
{
    cs_module_range m[] = {R(0, 100, "mod1"), R(10, 90, "mod2")};
    cs_kernel_link k[] = {K("k1", 20, 30, "op1", 15, 40), K("k2", 31, 35, "op1", 15, 40),
                          K("k3", 50, 60, "op2", 45, 70)};
    cs_module_rows rows = {0};
    cs_module_stats st;
    run(m, N(m), k, N(k), NULL, 0, &rows, &st);
    CHECK_INT(rows.len, 2);
    ROW(&rows, 0, "mod1", "mod2", "op1", "k1, k2", 14.0, 14.0, 1);
    ROW(&rows, 1, "mod1", "mod2", "op2", "k3", 10.0, 10.0, 1);
    CHECK_INT(st.ops, 2);
    CHECK_INT(st.records, 2);
    CHECK_INT(st.ops_outside, 0);
    cs_module_rows_free(&rows);
}

/* §5.1 aggregation: two instances of p/m, both running op1, op2 (device times
** 2, 2 then 3, 2) → two rows, op1 5.0 ×2, op2 4.0 ×2.  With op1, op3 in the
** second instance → m_0, m_0, m_1, m_1 with 2, 2, 3, 2. */
static void test_upstream_aggregation(void)
{
    cs_module_range m[] = {R(0, 50, "p"), R(0, 10, "m"), R(20, 40, "m")};
    cs_kernel_link same[] = {K("k1", 0, 2, "op1", 1, 4), K("k2", 0, 2, "op2", 5, 8),
                             K("k1", 0, 3, "op1", 25, 29), K("k2", 0, 2, "op2", 30, 33)};
    cs_module_rows rows = {0};
    run(m, N(m), same, N(same), NULL, 0, &rows, NULL);
    CHECK_INT(rows.len, 2);
    ROW(&rows, 0, "p", "m", "op1", "k1", 5.0, 2.5, 2);
    ROW(&rows, 1, "p", "m", "op2", "k2", 4.0, 2.0, 2);
    cs_module_rows_free(&rows);

    cs_kernel_link diff[] = {K("k1", 0, 2, "op1", 1, 4), K("k2", 0, 2, "op2", 5, 8),
                             K("k1", 0, 3, "op1", 25, 29), K("k3", 0, 2, "op3", 30, 33)};
    run(m, N(m), diff, N(diff), NULL, 0, &rows, NULL);
    CHECK_INT(rows.len, 4);
    ROW(&rows, 0, "p", "m_0", "op1", "k1", 2.0, 2.0, 1);
    ROW(&rows, 1, "p", "m_0", "op2", "k2", 2.0, 2.0, 1);
    ROW(&rows, 2, "p", "m_1", "op1", "k1", 3.0, 3.0, 1);
    ROW(&rows, 3, "p", "m_1", "op3", "k3", 2.0, 2.0, 1);
    cs_module_rows_free(&rows);
}

/* §5.1 backward creation: fwd ops in child [10,50] of parent; their backward
** ops [100,120], [130,140] → child Backward [100,140], parent Backward
** [99,141].  The ranges are observed with probe ops: an op is hung under the
** innermost module containing it (a module wins a tie), so a probe equal to
** a range lands in it and one a nanosecond wider does not. */
static void test_upstream_backward(void)
{
    cs_module_range m[] = {R(0, 100, "parent"), R(10, 50, "child")};
    cs_fwd_bwd_pair p[] = {P("fwd_op_a", 15, 18, "bwd_a", 100, 120),
                           P("fwd_op_b", 19, 22, "bwd_b", 130, 140)};
    cs_kernel_link k[] = {
        K("ka", 0, 1, "fwd_op_a", 15, 18),
        K("kc", 0, 4, "probe_parent", 99, 141),
        K("kd", 0, 8, "probe_wide", 99, 142),
        K("kb", 0, 2, "probe_child", 100, 140),
        K("kx", 0, 3, "bwd_a", 100, 120),
        K("ky", 0, 5, "bwd_b", 130, 140),
    };
    cs_module_rows rows = {0};
    cs_module_stats st;
    run(m, N(m), k, N(k), p, N(p), &rows, &st);
    CHECK_INT(st.backward_modules, 2);
    CHECK_INT(st.ops_outside, 1);       /* probe_wide: under no module */
    CHECK_INT(st.ops_straddling, 1);    /* probe_wide reaches past parent's end */
    CHECK_INT(rows.len, 5);
    ROW(&rows, 0, "parent", "child", "fwd_op_a", "ka", 1.0, 1.0, 1);
    ROW(&rows, 1, "", "[Backward]parent", "probe_parent", "kc", 4.0, 4.0, 1);
    ROW(&rows, 2, "parent", "[Backward]child", "probe_child", "kb", 2.0, 2.0, 1);
    ROW(&rows, 3, "parent", "[Backward]child", "bwd_a", "kx", 3.0, 3.0, 1);
    ROW(&rows, 4, "parent", "[Backward]child", "bwd_b", "ky", 5.0, 5.0, 1);
    cs_module_rows_free(&rows);

    /* Top-level modules produce no parent event: module1 [100,200] ∋ fwd1,
    ** module2 [500,600] ∋ fwd2; backward [300,400], [700,800]. */
    cs_module_range m2[] = {R(100, 200, "module1"), R(500, 600, "module2")};
    cs_fwd_bwd_pair p2[] = {P("fwd1", 150, 180, "b1", 300, 400), P("fwd2", 550, 580, "b2", 700, 800)};
    cs_kernel_link k2[] = {K("kb1", 0, 7, "b1", 300, 400), K("kb2", 0, 9, "b2", 700, 800)};
    run(m2, N(m2), k2, N(k2), p2, N(p2), &rows, &st);
    CHECK_INT(st.backward_modules, 2);
    CHECK_INT(rows.len, 2);
    ROW(&rows, 0, "", "[Backward]module1", "b1", "kb1", 7.0, 7.0, 1);
    ROW(&rows, 1, "", "[Backward]module2", "b2", "kb2", 9.0, 9.0, 1);
    cs_module_rows_free(&rows);
}

/* §5.2 G1: Model[0,1000] ⊃ Layer[100,400], Layer[500,800]; relu directly in
** Model; MmBackward0 paired with the first mm. */
static void test_g1(void)
{
    cs_module_range m[] = {R(0, 1000, "Model"), R(100, 400, "Layer"), R(500, 800, "Layer")};
    cs_kernel_link k[] = {
        K("MatMulV2", 115, 135, "aten::mm", 110, 150),
        K("MatMulV2", 136, 146, "aten::mm", 110, 150),
        K("Add", 205, 210, "aten::add", 200, 220),
        K("MatMulV2", 515, 540, "aten::mm", 510, 550),
        K("Mul", 605, 609, "aten::mul", 600, 620),
        K("Relu", 905, 915, "aten::relu", 900, 950),
        K("MatMulBwd", 1510, 1560, "MmBackward0", 1500, 1600),
    };
    cs_fwd_bwd_pair p[] = {P("aten::mm", 110, 150, "MmBackward0", 1500, 1600)};
    cs_module_rows rows = {0};
    cs_module_stats st;
    run(m, N(m), k, N(k), p, N(p), &rows, &st);
    CHECK_INT(rows.len, 6);
    ROW(&rows, 0, "Model", "Layer_0", "aten::mm", "MatMulV2, MatMulV2", 30.0, 30.0, 1);
    ROW(&rows, 1, "Model", "Layer_0", "aten::add", "Add", 5.0, 5.0, 1);
    ROW(&rows, 2, "Model", "Layer_1", "aten::mm", "MatMulV2", 25.0, 25.0, 1);
    ROW(&rows, 3, "Model", "Layer_1", "aten::mul", "Mul", 4.0, 4.0, 1);
    ROW(&rows, 4, "", "Model", "aten::relu", "Relu", 10.0, 10.0, 1);
    ROW(&rows, 5, "Model", "[Backward]Layer", "MmBackward0", "MatMulBwd", 50.0, 50.0, 1);
    CHECK_INT(st.backward_modules, 2);      /* Layer [1500,1600] and Model [1499,1601] */
    CHECK_INT(st.ranges_overlapping, 0);
    CHECK_INT(st.subtrees_cut, 0);
    cs_module_rows_free(&rows);

    /* Variant: the second Layer runs mm, add: same op sequence, no suffix;
    ** add merges (9.0, avg 4.5, ×2), mm does not (kernel lists differ). */
    k[4] = K("Add", 605, 609, "aten::add", 600, 620);
    run(m, N(m), k, N(k), p, N(p), &rows, NULL);
    CHECK_INT(rows.len, 5);
    ROW(&rows, 0, "Model", "Layer", "aten::mm", "MatMulV2, MatMulV2", 30.0, 30.0, 1);
    ROW(&rows, 1, "Model", "Layer", "aten::add", "Add", 9.0, 4.5, 2);
    ROW(&rows, 2, "Model", "Layer", "aten::mm", "MatMulV2", 25.0, 25.0, 1);
    ROW(&rows, 3, "", "Model", "aten::relu", "Relu", 10.0, 10.0, 1);
    ROW(&rows, 4, "Model", "[Backward]Layer", "MmBackward0", "MatMulBwd", 50.0, 50.0, 1);
    cs_module_rows_free(&rows);
}

/* G1 with the second Layer's mul paired with MulBackward0 [1700,1750]: two
** backward Layer instances with different op sequences, adjacent in output
** order → "[Backward]Layer_0", "[Backward]Layer_1" (prefix, then suffix). */
static void test_backward_suffix(void)
{
    cs_module_range m[] = {R(0, 1000, "Model"), R(100, 400, "Layer"), R(500, 800, "Layer")};
    cs_kernel_link k[] = {
        K("MatMulV2", 115, 135, "aten::mm", 110, 150),
        K("Add", 205, 210, "aten::add", 200, 220),
        K("MatMulV2", 515, 540, "aten::mm", 510, 550),
        K("Mul", 605, 609, "aten::mul", 600, 620),
        K("MatMulBwd", 1510, 1560, "MmBackward0", 1500, 1600),
        K("MulBwd", 1710, 1718, "MulBackward0", 1700, 1750),
    };
    cs_fwd_bwd_pair p[] = {P("aten::mm", 110, 150, "MmBackward0", 1500, 1600),
                           P("aten::mul", 600, 620, "MulBackward0", 1700, 1750)};
    cs_module_rows rows = {0};
    cs_module_stats st;
    run(m, N(m), k, N(k), p, N(p), &rows, &st);
    CHECK_INT(st.backward_modules, 4);
    CHECK_INT(rows.len, 6);
    ROW(&rows, 0, "Model", "Layer_0", "aten::mm", "MatMulV2", 20.0, 20.0, 1);
    ROW(&rows, 1, "Model", "Layer_0", "aten::add", "Add", 5.0, 5.0, 1);
    ROW(&rows, 2, "Model", "Layer_1", "aten::mm", "MatMulV2", 25.0, 25.0, 1);
    ROW(&rows, 3, "Model", "Layer_1", "aten::mul", "Mul", 4.0, 4.0, 1);
    ROW(&rows, 4, "Model", "[Backward]Layer_0", "MmBackward0", "MatMulBwd", 50.0, 50.0, 1);
    ROW(&rows, 5, "Model", "[Backward]Layer_1", "MulBackward0", "MulBwd", 8.0, 8.0, 1);
    cs_module_rows_free(&rows);
}

/* The backward groups are cut where the module changes between consecutive
** rows, comparing module_start/end as doubles (pandas' shift() makes them
** float64): two MLP instances whose epoch-ns times round to the same double
** (a 256 ns grid) make one backward group, so "[Backward]MLP" has one
** instance running b1, b2 (no suffix), while the forward ones differ. */
static void test_backward_double_grid(void)
{
    const int64_t b = 1700000000000000000LL;    /* a multiple of 256 */
    cs_module_range m[] = {R(b, b + 2000, "Model"), R(b + 1000, b + 1100, "MLP"),
                           R(b + 1101, b + 1140, "MLP")};
    cs_kernel_link k[] = {K("kf1", 0, 1, "f1", b + 1010, b + 1020), K("kf2", 0, 2, "f2", b + 1110, b + 1120),
                          K("kb1", 0, 3, "b1", b + 5000, b + 5100), K("kb2", 0, 4, "b2", b + 5200, b + 5300)};
    cs_fwd_bwd_pair p[] = {P("f1", b + 1010, b + 1020, "b1", b + 5000, b + 5100),
                           P("f2", b + 1110, b + 1120, "b2", b + 5200, b + 5300)};
    cs_module_rows rows = {0};
    cs_module_stats st;
    run(m, N(m), k, N(k), p, N(p), &rows, &st);
    CHECK_INT(st.backward_modules, 2);      /* one group: MLP and its parent Model */
    CHECK_INT(rows.len, 4);
    ROW(&rows, 0, "Model", "MLP_0", "f1", "kf1", 1.0, 1.0, 1);
    ROW(&rows, 1, "Model", "MLP_1", "f2", "kf2", 2.0, 2.0, 1);
    ROW(&rows, 2, "Model", "[Backward]MLP", "b1", "kb1", 3.0, 3.0, 1);
    ROW(&rows, 3, "Model", "[Backward]MLP", "b2", "kb2", 4.0, 4.0, 1);
    cs_module_rows_free(&rows);
}

/* Ops outside every module are dropped and counted; a module without any
** kernel gives no row; an inverted range is dropped and counted. */
static void test_outside_and_empty(void)
{
    cs_module_range m[] = {R(0, 100, "Net"), R(200, 300, "Idle"), R(500, 400, "Broken")};
    cs_kernel_link k[] = {K("ka", 0, 5, "early", -50, -10), K("kb", 0, 6, "inside", 10, 20),
                          K("kc", 0, 7, "late", 150, 160), K("kd", 0, 8, "broken", 420, 480)};
    cs_module_rows rows = {0};
    cs_module_stats st;
    run(m, N(m), k, N(k), NULL, 0, &rows, &st);
    CHECK_INT(rows.len, 1);
    ROW(&rows, 0, "", "Net", "inside", "kb", 6.0, 6.0, 1);
    CHECK_INT(st.ops, 4);
    CHECK_INT(st.ops_outside, 3);
    CHECK_INT(st.ranges_dropped, 1);
    CHECK_INT(st.records, 1);
    cs_module_rows_free(&rows);

    /* A top-level module named "" (or NULL) is "no module" too, but a nested
    ** one is kept under its parent's path. */
    cs_module_range m2[] = {R(0, 100, NULL), R(200, 300, "A"), R(210, 290, "")};
    cs_kernel_link k2[] = {K("k1", 0, 1, "x", 10, 20), K("k2", 0, 2, "y", 220, 230)};
    run(m2, N(m2), k2, N(k2), NULL, 0, &rows, &st);
    CHECK_INT(rows.len, 1);
    ROW(&rows, 0, "A", "", "y", "k2", 2.0, 2.0, 1);
    CHECK_INT(st.ops_outside, 1);
    cs_module_rows_free(&rows);

    /* No range or no kernel link: no rows, no error. */
    run(m, 0, k, N(k), NULL, 0, &rows, &st);
    CHECK_INT(rows.len, 0);
    run(m, N(m), k, 0, NULL, 0, &rows, &st);
    CHECK_INT(rows.len, 0);
    CHECK_INT(st.ranges_dropped, 1);
    cs_err err = {{0}};
    CHECK_INT(cs_module_statistic(NULL, 2, k, 1, NULL, 0, &rows, NULL, &err), -1);
    CHECK(strstr(err.msg, "NULL") != NULL);
}

/* A [0,100] and B [50,150] overlap without nesting: B is attached to the
** root (A popped), and x [60,90], inside both, goes to B (the open one). */
static void test_overlap(void)
{
    cs_module_range m[] = {R(0, 100, "A"), R(50, 150, "B")};
    cs_kernel_link k[] = {K("ky", 0, 1, "y", 20, 40), K("kx", 0, 2, "x", 60, 90),
                          K("kz", 0, 3, "z", 110, 140)};
    cs_module_rows rows = {0};
    cs_module_stats st;
    run(m, N(m), k, N(k), NULL, 0, &rows, &st);
    CHECK_INT(st.ranges_overlapping, 1);
    CHECK_INT(rows.len, 3);
    ROW(&rows, 0, "", "A", "y", "ky", 1.0, 1.0, 1);
    ROW(&rows, 1, "", "B", "x", "kx", 2.0, 2.0, 1);
    ROW(&rows, 2, "", "B", "z", "kz", 3.0, 3.0, 1);
    cs_module_rows_free(&rows);

    /* An op reaching past its module's end pops it (and is dropped at the
    ** root): a later module C inside A is then attached to the root too. */
    cs_module_range m2[] = {R(0, 100, "A"), R(95, 99, "C")};
    cs_kernel_link k2[] = {K("ks", 0, 1, "s", 90, 110), K("kc", 0, 2, "c", 96, 98)};
    run(m2, N(m2), k2, N(k2), NULL, 0, &rows, &st);
    CHECK_INT(st.ops_straddling, 1);
    CHECK_INT(st.ranges_overlapping, 0);
    CHECK_INT(st.ops_outside, 1);
    CHECK_INT(rows.len, 1);
    ROW(&rows, 0, "", "C", "c", "kc", 2.0, 2.0, 1);
    cs_module_rows_free(&rows);
}

/* 22 nested modules L1 ⊃ ... ⊃ L22: L20 is at depth 20 and kept; L21 (depth
** 21) is cut with everything below it. */
static void test_depth_cut(void)
{
    static char names[22][16];
    cs_module_range m[22];
    for (int i = 0; i < 22; i++) {
        snprintf(names[i], sizeof names[i], "L%d", i + 1);
        m[i] = R(10 * (i + 1), 10000 - 10 * (i + 1), names[i]);
    }
    cs_kernel_link k[] = {K("k20", 0, 1, "op20", 201, 205), K("k21", 0, 2, "op21", 211, 215),
                          K("k22", 0, 3, "op22", 221, 225)};
    cs_module_rows rows = {0};
    cs_module_stats st;
    run(m, N(m), k, N(k), NULL, 0, &rows, &st);
    CHECK_INT(st.subtrees_cut, 1);
    CHECK_INT(st.records, 1);
    CHECK_INT(rows.len, 1);
    ROW(&rows, 0, "L1/L2/L3/L4/L5/L6/L7/L8/L9/L10/L11/L12/L13/L14/L15/L16/L17/L18/L19",
        "L20", "op20", "k20", 1.0, 1.0, 1);
    cs_module_rows_free(&rows);
}

/* A kernel whose connection reaches both a forward op and its backward op
** comes in two Step 2 rows: it counts under both (as the reference). */
static void test_kernel_on_fwd_and_bwd(void)
{
    cs_module_range m[] = {R(0, 100, "Net"), R(10, 50, "Lin")};
    cs_kernel_link k[] = {K("Shared", 500, 540, "aten::linear", 20, 30),
                          K("Shared", 500, 540, "LinearBackward0", 300, 400)};
    cs_fwd_bwd_pair p[] = {P("aten::linear", 20, 30, "LinearBackward0", 300, 400)};
    cs_module_rows rows = {0};
    run(m, N(m), k, N(k), p, N(p), &rows, NULL);
    CHECK_INT(rows.len, 2);
    ROW(&rows, 0, "Net", "Lin", "aten::linear", "Shared", 40.0, 40.0, 1);
    ROW(&rows, 1, "Net", "[Backward]Lin", "LinearBackward0", "Shared", 40.0, 40.0, 1);
    cs_module_rows_free(&rows);
}

/* Kernel lists keep the Step 2 row order (tables concatenated, not
** re-sorted); totals are Kahan sums as pandas' groupby sum, so 1e16 + 1 + 1
** gives 1e16 + 2, where plain addition would stay at 1e16. */
static void test_kernel_order_and_kahan(void)
{
    cs_module_range m[] = {R(0, 100, "A")};
    cs_kernel_link k[] = {K("compute", 30, 31, "op", 10, 50), K("hcom_allReduce_", 20, 22, "op", 10, 50)};
    cs_module_rows rows = {0};
    run(m, N(m), k, N(k), NULL, 0, &rows, NULL);
    ROW(&rows, 0, "", "A", "op", "compute, hcom_allReduce_", 3.0, 3.0, 1);
    cs_module_rows_free(&rows);

    const int64_t big = 10000000000000000LL;
    cs_module_range m2[] = {R(0, 10, "M"), R(20, 30, "M"), R(40, 50, "M")};
    cs_kernel_link k2[] = {K("k", 0, big, "a", 1, 2), K("k", 0, 1, "a", 21, 22), K("k", 0, 1, "a", 41, 42)};
    run(m2, N(m2), k2, N(k2), NULL, 0, &rows, NULL);
    CHECK_INT(rows.len, 1);
    CHECK(rows.len == 1 && rows.items[0].total_ns == 10000000000000002.0);
    CHECK(rows.len == 1 && rows.items[0].avg_ns == 10000000000000002.0 / 3.0);
    CHECK_INT(rows.len ? rows.items[0].op_count : 0, 3);
    cs_module_rows_free(&rows);
}

int main(void)
{
    test_upstream_tree();
    test_upstream_aggregation();
    test_upstream_backward();
    test_g1();
    test_backward_suffix();
    test_backward_double_grid();
    test_outside_and_empty();
    test_overlap();
    test_depth_cut();
    test_kernel_on_fwd_and_bwd();
    test_kernel_order_and_kahan();
    return check_report();
}
