/*
** groups.h — communication groups of the cluster (analyses.md §2.c.2,
** "From the raw DBs"): the CommunicationGroupMapping rows.
*/
#ifndef CS_GROUPS_H
#define CS_GROUPS_H

#include <stdbool.h>
#include "cs_base.h"

/* One entry of a rank's parallel_group_info metadata. */
typedef struct cs_parallel_group {
    char *group_id;         /* HCCL group name string (the JSON key) */
    char *pg_name;          /* "tp", "dp", "pp", ... */
    int64_t *global_ranks;  /* sorted ascending */
    size_t nglobal_ranks;
} cs_parallel_group;

/* One CommunicationGroupMapping row. */
typedef struct cs_group_row {
    bool p2p;
    int64_t *ranks;         /* rank_set, sorted ascending, unique */
    size_t nranks;
    uint64_t hash;          /* double_hash(group name) */
    char *group_id;         /* the HCCL name, "" when unknown */
    char *pg_name;          /* "" when no metadata */
} cs_group_row;

typedef struct cs_group_map {
    CS_VEC(cs_group_row) rows;          /* ordered: collective before p2p, hash as text */
    CS_VEC(cs_parallel_group) info;     /* union of every rank's metadata */
} cs_group_map;

/* Records that rank took part in group `name` (type by rule P2). */
void cs_group_map_add_use(cs_group_map *m, const char *name, bool p2p, int64_t rank);
/* Adds one metadata entry (the first copy of a group id wins); takes
** ownership of g's members. */
void cs_group_map_add_info(cs_group_map *m, cs_parallel_group *g);
/* Fills group_id/pg_name from the metadata, replaces rank sets by non-empty
** differing global_ranks, and sorts the rows. */
void cs_group_map_finish(cs_group_map *m);
/* "(0,1,2)" — the caller frees. sep is "," (DB) or ", " (CSV tuples). */
char *cs_rank_set_text(const int64_t *ranks, size_t n, const char *sep);
void cs_group_map_free(cs_group_map *m);
void cs_parallel_group_free(cs_parallel_group *g);

#endif
