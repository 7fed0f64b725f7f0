/*
** cluster_tables.h — turning merged cluster results into output tables with
** the reference's names, columns and row order (outputs.md §2, §3).
*/
#ifndef CS_CLUSTER_TABLES_H
#define CS_CLUSTER_TABLES_H

#include "groups.h"
#include "module_cluster.h"
#include "rank_result.h"
#include "report.h"
#include "stage.h"
#include "step_trace.h"
#include "table.h"

/* Which export the table is built for: a few texts differ (the stage index
** is "(0,1)" in the database and "(0, 1)" in the CSV). */
typedef enum cs_table_form { CS_FORM_DB, CS_FORM_CSV, CS_FORM_XLSX } cs_table_form;

void cs_table_step_trace(const cs_step_trace *rows, const cs_stages *stages,
                         cs_table_form form, cs_table *t);
void cs_table_group_map(const cs_group_map *m, cs_table *t);
void cs_table_skipped(const cs_report *r, cs_table *t);
/* base_info: the ClusterBaseInfo value text, or NULL (no row). */
void cs_table_base_info(const char *base_info, cs_table *t);
/* ranks: ascending; only analysed ranks contribute. */
void cs_table_host_info(const cs_rank_result *ranks, size_t n, cs_table *t);
void cs_table_rank_device_map(const cs_rank_result *ranks, size_t n, cs_table *t);

/* ModuleStatistic (the reference's schema), a slice: the rows of the
** analysed ranks from ranks[first] on (ranks ascending), whole ranks, up to
** max_rows rows but at least one rank; unanalysed ranks and ranks without
** rows add nothing.  Returns the index of the first rank not added. */
size_t cs_table_module_statistic(const cs_rank_result *ranks, size_t n, size_t first, size_t max_rows, cs_table *t);
/* One rank's rows with the reference xlsx's headers (per-rank CSV / xlsx). */
void cs_table_module_rank(const cs_module_rows *rows, cs_table *t);

/* Columns made at run time (one per rank); the table borrows them. */
typedef struct cs_owned_columns {
    cs_column *cols;
    char **names;           /* every string the columns point to */
    size_t ncols, nnames;
} cs_owned_columns;
void cs_owned_columns_free(cs_owned_columns *c);

/* ModuleStatisticCluster / module_statistic_cluster.csv / the ModuleStatistic
** sheet; rank_ids names the rank of each column of m.  indent (if non-NULL)
** receives the Module cell's indent level per row (caller frees). */
void cs_table_module_cluster(const cs_module_cluster *m, const int64_t *rank_ids,
                             cs_owned_columns *cols, cs_table *t, int **indent);

/* communication_group.json text (the reference's text-mode file). */
char *cs_group_map_json(const cs_group_map *m);

#endif
