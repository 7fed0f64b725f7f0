/*
** comm_marks.h — what the workbook adds to the communication sheets
** (outputs.md §4): the outlier limits of CommTime and CommBandwidth, and the
** CommMatrix heat map grid.
*/
#ifndef CS_COMM_MARKS_H
#define CS_COMM_MARKS_H

#include "cluster_tables.h"
#include "comm_sum.h"

/* Type-7 percentiles over the per-op rows (not "Total Op Info"): the 90th of
** the wait and synchronization ratios, the 10th of the bandwidth.  A false
** has_* means fewer than 10 per-op values: no rule. */
typedef struct cs_comm_limits {
    bool has_wait, has_sync, has_bandwidth;
    double wait_p90, sync_p90, bandwidth_p10;
} cs_comm_limits;

/* 0, or -1 with a message when the spooled rows cannot be read back. */
int cs_comm_outlier_limits(const cs_comm_sum *s, cs_comm_limits *out, cs_err *err);

/* A "Total Op Info" row of ClusterCommunicationMatrix: its link and sums. */
typedef struct cs_matrix_total {
    int64_t src, dst;
    uint8_t transport;
    double size_mb, time_ms;
} cs_matrix_total;

/* The matrix's "Total Op Info" rows in table order into *out (the caller
** frees it), *n of them: 0, or -1 with a message when the rows cannot be
** read back. */
int cs_comm_matrix_totals(const cs_comm_sum *s, cs_matrix_total **out, size_t *n, cs_err *err);

/* One link of the heat map: its grid position and its sums. */
typedef struct cs_heat_cell {
    uint32_t src, dst;      /* indices into ranks */
    double size_mb, time_ms;
} cs_heat_cell;

/*
** The heat map: header `src\dst`, `Rank d`…; a row per source rank; cell =
** Σ transit_size / Σ transit_time over the "Total Op Info" matrix rows of
** that link (every step, group, transport), NULL on the diagonal, without a
** row or without time.  The grid is ranks × ranks but its links are few, so
** only they are held, and the rows are made one at a time.
*/
typedef struct cs_heat_map {
    int64_t *ranks;         /* the grid's ranks, ascending */
    size_t n;
    cs_heat_cell *cells;    /* by (src, dst) */
    size_t *row_first;      /* n + 1: row src's cells are [row_first[src], row_first[src + 1]) */
    cs_owned_columns cols;  /* src\dst, Rank d… */
} cs_heat_map;

/* Builds the map from the totals (any order; sums in their order). */
void cs_heat_map_build(const cs_matrix_total *tot, size_t ntot, cs_heat_map *h);
/* Row src of the grid into t (initialised here, one row; the caller frees
** it).  arg is the cs_heat_map: the signature of cs_side_source.row. */
void cs_heat_map_row(const void *arg, size_t src, cs_table *t);
void cs_heat_map_free(cs_heat_map *h);

#endif
