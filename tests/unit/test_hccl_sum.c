/*
** test_hccl_sum.c — hccl_sum (analyses.md §2.f): statistics per op type,
** per rank, top ops with MinRank/MaxRank (ties → lowest rank), group map,
** and the tables (ns in the DB, µs under (Us) in the CSV).
*/
#include "check.h"
#include "hccl_sum.h"
#include "stats_tables.h"

static void add_op(cs_op_durs *d, const char *group, const char *name, const char *type, int64_t dur)
{
    cs_op_dur o = {cs_op_durs_name(d, group), cs_op_durs_name(d, name), cs_op_durs_name(d, type),
                   (int64_t)d->ops.len, dur};
    CS_VEC_PUSH(d->ops, o);
}

int main(void)
{
    cs_op_durs d[2] = {0};
    add_op(&d[0], "group_0", "op1", "hcom_allReduce_", 100);
    add_op(&d[0], "group_0", "op2", "hcom_allReduce_", 200);
    add_op(&d[1], "group_0", "op1", "hcom_allReduce_", 300);
    add_op(&d[1], "group_0", "op2", "hcom_allReduce_", 100);
    add_op(&d[1], "group_1", "bc1", "hcom_broadcast_", 1000);
    add_op(&d[1], NULL, "op3", NULL, 5);     /* no type, no group: only in the top ops */
    cs_rank_op_durs in[2] = {{0, &d[0]}, {1, &d[1]}};
    cs_hccl_sum_result h;
    cs_hccl_sum_compute(in, 2, 2, &h);

    CHECK_INT(h.all.len, 2);
    if (h.all.len == 2) {
        CHECK_STR(h.all.items[0].key, "hcom_allReduce_");
        CHECK_INT(h.all.items[0].st.count, 4);
        CHECK_DBL(h.all.items[0].st.mean, 175.0);
        CHECK_DBL(h.all.items[0].st.q1, 100.0);
        CHECK_DBL(h.all.items[0].st.median, 150.0);
        CHECK_DBL(h.all.items[0].st.q3, 225.0);
        CHECK_DBL(h.all.items[0].st.sum, 700.0);
        CHECK_STR(h.all.items[1].key, "hcom_broadcast_");
        CHECK(!h.all.items[1].st.has_std);
    }
    CHECK_INT(h.per_rank.len, 3);
    if (h.per_rank.len == 3) {
        CHECK_INT(h.per_rank.items[0].rank, 0);
        CHECK_INT(h.per_rank.items[1].rank, 1);
        CHECK_STR(h.per_rank.items[1].key, "hcom_allReduce_");
        CHECK_DBL(h.per_rank.items[1].st.mean, 200.0);
        CHECK_STR(h.per_rank.items[2].key, "hcom_broadcast_");
    }
    /* top 2 by mean: bc1 (1000), then op1 (200) and op2 (150) → op1 */
    CHECK_INT(h.top.len, 2);
    if (h.top.len == 2) {
        CHECK_STR(h.top.items[0].key, "bc1");
        CHECK_STR(h.top.items[1].key, "op1");
        CHECK_INT(h.top.items[1].min_rank, 0);
        CHECK_INT(h.top.items[1].max_rank, 1);
    }
    CHECK_INT(h.groups.len, 2);
    if (h.groups.len == 2) {
        /* double_hash("group_0") = 15277154023019599672 */
        CHECK_STR(h.groups.items[0].group_name, "group_0");    /* ORDER BY GroupId: "672" < "969" */
        CHECK_STR(h.groups.items[0].group_id, "672");
        CHECK_STR(h.groups.items[0].ranks, "0;1");
        CHECK_STR(h.groups.items[1].group_name, "group_1");
        CHECK_STR(h.groups.items[1].ranks, "1");
    }

    /* ties at equal MeanNs: smaller OpName first; MinRank/MaxRank: lowest rank */
    cs_hccl_sum_result t;
    cs_op_durs e[2] = {0};
    add_op(&e[0], "g", "b", "x", 10);
    add_op(&e[0], "g", "a", "x", 10);
    add_op(&e[1], "g", "b", "x", 10);
    add_op(&e[1], "g", "a", "x", 10);
    cs_rank_op_durs in2[2] = {{0, &e[0]}, {1, &e[1]}};
    cs_hccl_sum_compute(in2, 2, 15, &t);
    CHECK_INT(t.top.len, 2);
    if (t.top.len == 2) {
        CHECK_STR(t.top.items[0].key, "a");
        CHECK_INT(t.top.items[0].min_rank, 0);
        CHECK_INT(t.top.items[0].max_rank, 0);
    }
    cs_hccl_sum_result_free(&t);

    /* tables: ns in the DB, µs in the CSV, NULL std for one value */
    cs_table db, csv, top, map;
    cs_table_hccl_all_rank(&h, CS_FORM_DB, &db);
    cs_table_hccl_all_rank(&h, CS_FORM_CSV, &csv);
    cs_table_hccl_top_ops(&h, CS_FORM_DB, &top);
    cs_table_hccl_group_map(&h, &map);
    CHECK_INT(db.ncols, 10);
    CHECK_INT(top.ncols, 12);
    CHECK_INT(map.ncols, 3);
    CHECK_STR(csv.cols[2].csv_name, "Mean(Us)");
    CHECK_STR(db.cols[2].db_name, "MeanNs");
    CHECK_DBL(cs_table_cell(&db, 0, 2)->d, 175.0);
    CHECK_DBL(cs_table_cell(&csv, 0, 2)->d, 0.175);
    CHECK(cs_table_cell(&db, 1, 3)->kind == CS_CELL_NULL);
    cs_table_free(&db);
    cs_table_free(&csv);
    cs_table_free(&top);
    cs_table_free(&map);

    cs_hccl_sum_result_free(&h);
    for (int r = 0; r < 2; r++) {
        cs_op_durs_free(&d[r]);
        cs_op_durs_free(&e[r]);
    }
    return check_report();
}
