/*
** stats_tables.h — slow_rank and hccl_sum as tables (analyses.md §2.e,
** §2.f; outputs.md §2, §4).
*/
#ifndef CS_STATS_TABLES_H
#define CS_STATS_TABLES_H

#include "cluster_tables.h"
#include "hccl_sum.h"
#include "slow_rank.h"
#include "table.h"

/* Sheet headers of the Stragglers blocks SlowRank and SlowOpStats. */
extern const char *const cs_slow_rank_headers[];
extern const char *const cs_slow_op_headers[];

/* SlowRank(rankId, slowAffectCount).  CSV headers as the reference. */
void cs_table_slow_rank(const cs_slow_rank_result *s, cs_table *t);
/* SlowOpStats: the *Ns columns hold µs in every form (the reference's DB
** misnomer kept; the CSV's (Us) columns then hold µs, divided once).
** Timestamp (ns) is an integer, text in CS_FORM_XLSX. */
void cs_table_slow_op_stats(const cs_slow_rank_result *s, cs_table_form form, cs_table *t);

/* hccl_sum: the *Ns statistics in ns (DB); CS_FORM_CSV divides them by
** 1000 under the (Us) headers. */
void cs_table_hccl_all_rank(const cs_hccl_sum_result *h, cs_table_form form, cs_table *t);
void cs_table_hccl_per_rank(const cs_hccl_sum_result *h, cs_table_form form, cs_table *t);
void cs_table_hccl_top_ops(const cs_hccl_sum_result *h, cs_table_form form, cs_table *t);
void cs_table_hccl_group_map(const cs_hccl_sum_result *h, cs_table *t);

#endif
