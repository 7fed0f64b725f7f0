/*
** discover.h — finding the rank folders of a cluster (input-formats.md §1,
** "Rank discovery"; outputs.md §1.4).
*/
#ifndef CS_DISCOVER_H
#define CS_DISCOVER_H

#include <stdbool.h>
#include "cs_base.h"
#include "report.h"

/* One rank folder to analyse.  Strings are owned by the record. */
typedef struct cs_rank_dir {
    int64_t rank;
    char *path;             /* the rank folder (…_ascend_pt) */
    char *db_path;          /* ASCEND_PROFILER_OUTPUT/ascend_pytorch_profiler[_{N}].db; NULL if absent */
    char *analysis_db_path; /* ASCEND_PROFILER_OUTPUT/analysis.db; NULL if absent */
    char *metadata_path;    /* profiler_metadata.json; NULL if absent */
    int64_t size_bytes;     /* size of db_path (else analysis.db), to balance work */
} cs_rank_dir;

typedef struct cs_discovery {
    cs_rank_dir *ranks;     /* ascending by rank, unique */
    size_t nranks;
    size_t nfolders;        /* rank folders seen, used or not */
} cs_discovery;

/*
** Walks root (at any depth up to 10 levels; symlink loops and unreadable
** folders are reported, never followed twice) and fills out, which is
** overwritten (pass a zeroed or freed record).  rank_list, when
** nrank_list > 0, restricts the result to those ids; folders outside it are
** dropped without a skip row (the user asked for that).
**
** Folders not used as ranks (duplicate ids, no rank id, no profiler
** database) and ids in rank_list that were not found become skip rows with
** analysis "discover" in report; other observations (a rank_id inside
** profiler_info that disagrees with the file name, unreadable folders,
** symlinks to folders already visited, ...) become "discover: ..." lines.
**
** Returns -1 with a message in err for fatal conditions: root missing or
** not a folder, no rank folder found at all, MindSpore or msprof layouts
** ("not supported yet"), text-only exports ("not supported yet"), PyTorch
** and MindSpore or database and text-only data mixed.  The caller frees
** out with cs_discovery_free, also after a failure.
*/
int cs_discover(const char *root, const int64_t *rank_list, size_t nrank_list,
                cs_discovery *out, cs_report *report, cs_err *err);

/* Frees the records of d and zeroes it; NULL is a no-op. */
void cs_discovery_free(cs_discovery *d);

#endif
