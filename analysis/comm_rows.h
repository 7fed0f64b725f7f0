/*
** comm_rows.h — the per-op and "Total Op Info" rows of
** ClusterCommunicationTime and ClusterCommunicationBandwidth (and the
** matrix's representatives and rows), parked in a spool (spool.h) one
** (rank, step) block at a time — (rank, step, group) with by_group — as
** the ranks arrive, and read back in the tables' ORDER BY: step, then rank
** (then group, rank with by_group), then within the block.
**
** The tables are sorted step first, but the ranks arrive one at a time in
** any order; holding every rank's rows until the end made process 0 grow by
** about 0.2 MB per rank.  Here only an index stays in memory: a few words
** per (rank, step).
**
** The rows are fixed-size structs of two kinds (cs_comm_rows_kind
** describes where a row keeps its step, group and op name), so one
** implementation serves both tables.  A block is the rank's rows of one
** step: its per-op rows, then its totals, each already in the table's order
** within the block, then the op names they point to.  Group indices are
** the rank's own when parked; cs_comm_rows_set_groups() gives the map to the
** cluster's, applied as the block is read back.
**
** Ownership: cs_comm_rows owns its spool and the group maps given to it; a
** reader borrows the cs_comm_rows and owns the block it holds: the rows it
** returns live until its next call.
*/
#ifndef CS_COMM_ROWS_H
#define CS_COMM_ROWS_H

#include <stdbool.h>
#include "cs_base.h"
#include "spool.h"

/* A step label: "step<id>", or "step" (has_id false). */
typedef struct cs_comm_step {
    bool has_id;
    int64_t id;
} cs_comm_step;

/* The tables' order of steps: CAST(substr(step, 5) AS INTEGER), so "step"
** reads as 0, and goes before "step0". */
int cs_comm_step_cmp(cs_comm_step a, cs_comm_step b);

/* Where a row type keeps its fields (offsetof values), and how its rows
** are blocked. */
typedef struct cs_comm_rows_kind {
    size_t size;        /* sizeof the row */
    size_t step_at;     /* cs_comm_step */
    size_t group_at;    /* uint32_t group index */
    size_t name_at;     /* const char *op_name, NULL on totals; copied into the block */
    bool by_group;      /* blocks per (rank, step, group), read back by (step,
                        ** group, rank); else per (rank, step), read by (step, rank) */
} cs_comm_rows_kind;

typedef struct cs_comm_rows cs_comm_rows;

/* A new store of rows of one kind in spool (owned from now on, closed by
** cs_comm_rows_free). */
cs_comm_rows *cs_comm_rows_new(const cs_comm_rows_kind *kind, cs_spool *spool);
void cs_comm_rows_free(cs_comm_rows *rows);

/*
** Parks one rank's rows: ops[0..nops) its per-op rows and tots[0..ntots) its
** totals, each sorted step first (then group, by_group), then as the table
** sorts one rank's rows of a step.  *id receives the rank's number for cs_comm_rows_set_groups.
** Returns 0, or -1 with a message (a write error of the spool; nothing of
** the rank is kept then).
*/
int cs_comm_rows_add(cs_comm_rows *rows, int64_t rank, const void *ops, size_t nops, const void *tots,
                     size_t ntots, size_t *id, cs_err *err);

/* The map from rank id's group indices to the cluster's (map[0..n), taken
** over).  It must keep their order (a rank's groups are numbered in the
** cluster's order), since the rows were sorted by them when parked.
** Optional: without one (or past n) the indices are read as they are.
** The rank given to cs_comm_rows_add() is only an ordering key (the matrix
** store numbers its chunks with it).  Of a row's pointers only the op name
** is copied into the block; any other is stored as it is, so what it
** points to must outlive the reading. */
void cs_comm_rows_set_groups(cs_comm_rows *rows, size_t id, uint32_t *map, size_t n);

/* Rows parked (per-op and totals). */
size_t cs_comm_rows_count(const cs_comm_rows *rows);

/*
** Reading back: the rows in table order, per (step, rank) block its per-op
** rows and totals merged by group (a group's per-op rows, then its totals).
** cs_comm_rows_next() returns the next row (valid until the next call) or
** NULL at the end or on a read error (*failed set, message in err).
*/
typedef struct cs_comm_rows_reader cs_comm_rows_reader;

cs_comm_rows_reader *cs_comm_rows_open(const cs_comm_rows *rows);
const void *cs_comm_rows_next(cs_comm_rows_reader *r, bool *failed, cs_err *err);
/* The next whole block instead: its rows (per-op, then totals; *n of them,
** valid until the next call), NULL at the end or on a read error.  Do not
** mix with cs_comm_rows_next() in one walk. */
const void *cs_comm_rows_next_block(cs_comm_rows_reader *r, size_t *n, bool *failed, cs_err *err);
void cs_comm_rows_close(cs_comm_rows_reader *r);

#endif
