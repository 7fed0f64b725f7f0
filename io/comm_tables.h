/*
** comm_tables.h — the communication outputs as tables (outputs.md §3):
** ClusterCommunicationTime, ClusterCommunicationBandwidth,
** ClusterCommunicationMatrix, from the cluster reduce of comm_sum.h.
*/
#ifndef CS_COMM_TABLES_H
#define CS_COMM_TABLES_H

#include "comm_sum.h"
#include "table.h"

/* The same tables a slice at a time, so that their rows never all exist as
** cells: the next rows from *at on (a zeroed cursor is the first row), at
** most max of them, into t (initialised here); *at moves past them.
** Returns true while rows remain after the slice; false also when the rows
** could not be read back (at->failed, the message in at->err).  The caller
** closes the cursor (cs_comm_cursor_close) if it stops before the end. */
bool cs_table_comm_time_next(const cs_comm_sum *s, cs_comm_cursor *at, size_t max, cs_table *t);
bool cs_table_comm_bandwidth_next(const cs_comm_sum *s, cs_comm_cursor *at, size_t max, cs_table *t);
bool cs_table_comm_matrix_next(const cs_comm_sum *s, cs_comm_cursor *at, size_t max, cs_table *t);

/* The sheet headers (units in every header), one per column. */
extern const char *const cs_comm_time_headers[];
extern const char *const cs_comm_bandwidth_headers[];
extern const char *const cs_comm_matrix_headers[];

#endif
