/*
** module_reader.h — the inputs of module_statistic for one rank: the three
** queries of analyses.md §2.a (Module ranges, framework op → kernel links,
** forward/backward pairs), read from an open rank database.
*/
#ifndef CS_MODULE_READER_H
#define CS_MODULE_READER_H

#include "db_read.h"
#include "module_stat.h"
#include "string_ids.h"

typedef struct cs_module_input {
    CS_VEC(cs_module_range) ranges;     /* Step 1, ORDER BY startNs */
    CS_VEC(cs_kernel_link) links;       /* Step 2, per table sorted, tables concatenated */
    CS_VEC(cs_fwd_bwd_pair) pairs;      /* Step 3, ORDER BY connectionId */
    int64_t ranges_dropped;             /* NULL or absurd times */
    int64_t threads;                    /* distinct globalTid of the Module ranges */
    cs_string_ids *names;               /* owns every string the records point to */
    char *skip_reason;                  /* set: module_statistic gives nothing for this rank */
    bool no_step;                       /* --step_id N given and the rank has no step N */
    bool has_ranges;                    /* Module ranges exist (before any step filter) */
} cs_module_input;

/* A COMPUTE_TASK_INFO kernel with its TASK columns: one row of Step 2's
** first query, as the rank reader's TASK pass collects it (times NULL or not
** numeric: 0; rows without a connection id are not collected). */
#define CS_NO_NAME_ID INT64_MIN     /* a NULL name */
typedef struct cs_kernel_row { int64_t name_id, start, end, conn; } cs_kernel_row;
typedef CS_VEC(cs_kernel_row) cs_kernel_rows;

/* Reads the inputs.  Problems of the data (no MSTX_EVENTS, no Module range, a
** missing table or column) set skip_reason and return 0; a read error of the
** file returns -1 with the message in r->err. */
/* step_id (may be NULL): keep only what starts inside the STEP_TIME host
** window of that step (analyses.md §2.a).  kernels (may be NULL): the compute
** kernels already collected in TASK order, instead of joining TASK again. */
int cs_read_module_input(cs_db *r, const int64_t *step_id, const cs_kernel_rows *kernels, cs_module_input *in);
void cs_module_input_free(cs_module_input *in);

#endif
