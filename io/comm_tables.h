/*
** comm_tables.h — the communication outputs as tables (outputs.md §3):
** ClusterCommunicationTime, ClusterCommunicationBandwidth,
** ClusterCommunicationMatrix, from the cluster reduce of comm_sum.h.
*/
#ifndef CS_COMM_TABLES_H
#define CS_COMM_TABLES_H

#include "comm_sum.h"
#include "table.h"

void cs_table_comm_time(const cs_comm_sum *s, cs_table *t);
void cs_table_comm_bandwidth(const cs_comm_sum *s, cs_table *t);
/* The same tables for rows [first, first + count) only (clamped). */
void cs_table_comm_time_slice(const cs_comm_sum *s, size_t first, size_t count, cs_table *t);
void cs_table_comm_bandwidth_slice(const cs_comm_sum *s, size_t first, size_t count, cs_table *t);
void cs_table_comm_matrix(const cs_comm_sum *s, cs_table *t);

/* The sheet headers (units in every header), one per column. */
extern const char *const cs_comm_time_headers[];
extern const char *const cs_comm_bandwidth_headers[];
extern const char *const cs_comm_matrix_headers[];

#endif
