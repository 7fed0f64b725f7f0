/*
** straggler_tables.h — the straggler report and clock skew as tables
** (outputs.md §3 "Straggler tables").
*/
#ifndef CS_STRAGGLER_TABLES_H
#define CS_STRAGGLER_TABLES_H

#include "straggler.h"
#include "table.h"

/* Sheet headers of the Stragglers blocks (units in the headers). */
extern const char *const cs_straggler_headers[];
extern const char *const cs_wait_instance_headers[];

void cs_table_stragglers(const cs_straggler_result *s, cs_table *t);
/* ClusterWaitInstances rows[0..n): a slice read by cs_straggler_instances(),
** or the result's top_waits (the workbook's "Top waits" block). */
void cs_table_wait_instances(const cs_wait_instance_row *rows, size_t n, cs_table *t);
/* ClusterWaitDetail rows[0..n): a slice read by cs_straggler_details(). */
void cs_table_wait_detail(const cs_wait_detail_row *rows, size_t n, cs_table *t);
void cs_table_clock_offsets(const cs_straggler_result *s, cs_table *t);

#endif
