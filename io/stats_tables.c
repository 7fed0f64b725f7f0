/*
** stats_tables.c — building the slow_rank and hccl_sum tables.
*/
#include "stats_tables.h"

#include <inttypes.h>
#include <stdio.h>

#define NCOLS(a) (sizeof(a) / sizeof *(a))

static const cs_column slow_rank_cols[] = {
    {"rankId", "INTEGER", "rankId"},
    {"slowAffectCount", "INTEGER", "slowAffectCount"},
};

const char *const cs_slow_rank_headers[] = {"Rank", "Slow Affect Count"};

void cs_table_slow_rank(const cs_slow_rank_result *s, cs_table *t)
{
    cs_table_init(t, "SlowRank", slow_rank_cols, NCOLS(slow_rank_cols));
    for (size_t i = 0; i < s->ranks.len; i++) {
        cs_table_add_int(t, s->ranks.items[i].rank);
        cs_table_add_int(t, s->ranks.items[i].count);
    }
}

/* The statistics columns of describe_duration, DB and CSV names. */
#define STAT_COLS                                                  \
    {"Count", "INTEGER", "Count"}, {"MeanNs", "REAL", "Mean(Us)"}, \
    {"StdNs", "REAL", "Std(Us)"}, {"MinNs", "REAL", "Min(Us)"},    \
    {"Q1Ns", "REAL", "Q1(Us)"}, {"MedianNs", "REAL", "Median(Us)"}, \
    {"Q3Ns", "REAL", "Q3(Us)"}, {"MaxNs", "REAL", "Max(Us)"},      \
    {"SumNs", "REAL", "Sum(Us)"}

static const cs_column slow_op_cols[] = {
    {"SlowRank", "TEXT", "SlowRank"},
    {"OpName", "TEXT", "OpName"},
    {"GroupName", "TEXT", "GroupName"},
    {"Timestamp", "INTEGER", "Timestamp"},
    STAT_COLS,
};

const char *const cs_slow_op_headers[] = {"Slow Rank", "Op Name", "Group", "Timestamp(ns)", "Count", "Mean(us)",
                                          "Std(us)", "Min(us)", "Q1(us)", "Median(us)", "Q3(us)", "Max(us)",
                                          "Sum(us)"};

/* The nine statistics, each divided by div. */
static void add_stats(cs_table *t, const cs_duration_stats *st, double div)
{
    cs_table_add_int(t, st->count);
    cs_table_add_real(t, st->mean / div);
    if (st->has_std) cs_table_add_real(t, st->std / div);
    else cs_table_add_null(t);
    cs_table_add_real(t, st->min / div);
    cs_table_add_real(t, st->q1 / div);
    cs_table_add_real(t, st->median / div);
    cs_table_add_real(t, st->q3 / div);
    cs_table_add_real(t, st->max / div);
    cs_table_add_real(t, st->sum / div);
}

void cs_table_slow_op_stats(const cs_slow_rank_result *s, cs_table_form form, cs_table *t)
{
    cs_table_init(t, "SlowOpStats", slow_op_cols, NCOLS(slow_op_cols));
    for (size_t i = 0; i < s->ops.len; i++) {
        const cs_slow_op_row *r = &s->ops.items[i];
        cs_table_add_text(t, r->slow_ranks);
        cs_table_add_text(t, r->op_name);
        cs_table_add_text(t, r->group_name);
        /* Timestamp: absolute ns; text in the workbook (a double cannot hold it) */
        if (form == CS_FORM_XLSX) {
            char buf[32];
            snprintf(buf, sizeof buf, "%" PRId64, r->timestamp_ns);
            cs_table_add_text(t, buf);
        } else {
            cs_table_add_int(t, r->timestamp_ns);
        }
        add_stats(t, &r->st, 1.0);   /* already µs */
    }
}

/* ------------------------------------------------------------------ */
/* hccl_sum.                                                           */

static const cs_column hccl_all_cols[] = {{"OpType", "TEXT", "OpType"}, STAT_COLS};
static const cs_column hccl_rank_cols[] = {{"OpType", "TEXT", "OpType"}, STAT_COLS, {"Rank", "INTEGER", "Rank"}};
static const cs_column hccl_top_cols[] = {{"OpName", "TEXT", "OpName"}, STAT_COLS,
                                          {"MinRank", "INTEGER", "MinRank"}, {"MaxRank", "INTEGER", "MaxRank"}};
static const cs_column hccl_group_cols[] = {{"GroupName", "TEXT", "GroupName"}, {"GroupId", "TEXT", "GroupId"},
                                            {"Ranks", "TEXT", "Ranks"}};

static double ns_div(cs_table_form form) { return form == CS_FORM_CSV ? 1000.0 : 1.0; }

void cs_table_hccl_all_rank(const cs_hccl_sum_result *h, cs_table_form form, cs_table *t)
{
    cs_table_init(t, "HcclAllRankStats", hccl_all_cols, NCOLS(hccl_all_cols));
    for (size_t i = 0; i < h->all.len; i++) {
        cs_table_add_text(t, h->all.items[i].key);
        add_stats(t, &h->all.items[i].st, ns_div(form));
    }
}

void cs_table_hccl_per_rank(const cs_hccl_sum_result *h, cs_table_form form, cs_table *t)
{
    cs_table_init(t, "HcclPerRankStats", hccl_rank_cols, NCOLS(hccl_rank_cols));
    for (size_t i = 0; i < h->per_rank.len; i++) {
        cs_table_add_text(t, h->per_rank.items[i].key);
        add_stats(t, &h->per_rank.items[i].st, ns_div(form));
        cs_table_add_int(t, h->per_rank.items[i].rank);
    }
}

void cs_table_hccl_top_ops(const cs_hccl_sum_result *h, cs_table_form form, cs_table *t)
{
    cs_table_init(t, "HcclTopOpStats", hccl_top_cols, NCOLS(hccl_top_cols));
    for (size_t i = 0; i < h->top.len; i++) {
        cs_table_add_text(t, h->top.items[i].key);
        add_stats(t, &h->top.items[i].st, ns_div(form));
        cs_table_add_int(t, h->top.items[i].min_rank);
        cs_table_add_int(t, h->top.items[i].max_rank);
    }
}

void cs_table_hccl_group_map(const cs_hccl_sum_result *h, cs_table *t)
{
    cs_table_init(t, "HcclGroupNameMap", hccl_group_cols, NCOLS(hccl_group_cols));
    for (size_t i = 0; i < h->groups.len; i++) {
        cs_table_add_text(t, h->groups.items[i].group_name);
        cs_table_add_text(t, h->groups.items[i].group_id);
        cs_table_add_text(t, h->groups.items[i].ranks);
    }
}
