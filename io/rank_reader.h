/*
** rank_reader.h — reading one rank's profiler database
** (ascend_pytorch_profiler_{rank}.db) into the records the analyses need.
**
** The database is opened read-only and immutable (no journal or lock file
** next to the user's data); rows are streamed with prepared statements and
** only what the analysis keeps (compute ranges, op ranges, launches) is held
** in memory, for this one rank.
*/
#ifndef CS_RANK_READER_H
#define CS_RANK_READER_H

#include <sqlite3.h>
#include "comm_reader.h"
#include "module_reader.h"
#include "overlap.h"
#include "straggler.h"
#include "rank_result.h"

/* Inputs of the overlap analysis for one rank.  Owns its arrays. */
typedef struct cs_overlap_input {
    bool usable;                    /* false: overlap skipped for this rank */
    CS_VEC(cs_step) steps;
    CS_VEC(cs_device_range) compute;
    CS_VEC(cs_device_range) comm;
    /* kept only for the wait attribution (cs_read_request.wait_inputs) */
    CS_VEC(cs_wait_task) tasks;     /* every TASK row with valid times */
    CS_VEC(cs_launch) launches;     /* CANN_API node rows, sorted by connection id */
} cs_overlap_input;

void cs_overlap_input_free(cs_overlap_input *in);

/*
** Reads one rank: host info, device map, communication groups and
** parallel_group_info into res, the overlap inputs into in and the
** module_statistic inputs into module_in (either NULL: not read; a
** module_in must be freed with cs_module_input_free, also after failure).  Row-level
** problems (NULL/INVALID/absurd values) exclude the row and are counted in
** res->report; a missing table or column needed only by the overlap skips the
** overlap for this rank (a skip row in res->report, in->usable = false).
** Returns -1 with a message in err when the rank cannot be used at all
** (not a database, unreadable, truncated, empty).
*/
/* What to read; a NULL member is not read. */
typedef struct cs_read_request {
    cs_overlap_input *overlap;
    cs_module_input *modules;
    cs_comm_input *comm;
    const int64_t *step_id;     /* --step_id, for module_statistic */
    bool wait_inputs;           /* keep every TASK row and the launches in *overlap */
} cs_read_request;

int cs_read_rank(const char *db_path, cs_rank_result *res, const cs_read_request *req, cs_err *err);

#endif
