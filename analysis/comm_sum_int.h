/*
** comm_sum_int.h — what the files of the communication reduce share:
** comm_sum.c (the reduce) and comm_json_store.c (the records behind
** cluster_communication.json).  Not part of the public interface.
*/
#ifndef CS_COMM_SUM_INT_H
#define CS_COMM_SUM_INT_H

#include "comm_sum.h"

#define CMP(a, b) do { if ((a) != (b)) return (a) < (b) ? -1 : 1; } while (0)

/* qsort, a no-op below two items (glibc's qsort is the merge sort the
** reference's stable sorts are reproduced with). */
static inline void cs_comm_sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
    if (n > 1) qsort(base, n, size, cmp);
}

/* One rank while it is added (or, for the JSON, read back). */
typedef struct rank_in {
    int64_t rank;
    const cs_comm_rank *rec;
    uint32_t *group;            /* rec->groups index -> a group index of the caller's list */
} rank_in;

/* A kept op with its sort keys. */
typedef struct op_ref {
    cs_comm_step step;
    uint32_t group;
    uint32_t op;
} op_ref;

/* JSON: one step of a rank's records, encoded in the JSON spool. */
typedef struct json_part {
    cs_comm_step step;
    uint64_t at, size;
} json_part;

typedef CS_VEC(json_part) json_parts;

/* The step label of an op. */
cs_comm_step cs_comm_op_step(const cs_comm_op *op);
/* The rank's ops by (step, group through r->group, op index), newly allocated. */
op_ref *cs_comm_op_refs(const rank_in *r);
/* The end of the (step, group) run that starts at refs[i]. */
size_t cs_comm_run_end(const op_ref *refs, size_t n, size_t i);
/* The op's band of a type, or NULL. */
const cs_comm_band *cs_comm_op_band(const cs_comm_rank *rec, const cs_comm_op *op, int type);
/* rec->groups index -> index in groups[0..n) (sorted by hash text), newly allocated. */
uint32_t *cs_comm_map_groups(const cs_comm_rank *rec, const cs_comm_group *groups, size_t n);
/* Whether every index range of the records is in bounds. */
bool cs_comm_records_valid(const cs_comm_rank *r);

/* comm_json_store.c.  cs_comm_json_park() encodes rec step by step into
** spool and appends a part per step to parts (0, or -1 with a message).
** The store takes over its spool, a copy of set_of (per cluster group × 2:
** the set of its collective and p2p ops) and, by cs_comm_json_store_add()
** in ascending rank order, each rank's parts (parts is left empty). */
int cs_comm_json_park(cs_spool *spool, const cs_comm_rank *rec, json_parts *parts, cs_err *err);
/* Parks l[0..n), one (set, step, group) block of the matrix file's links in
** file order, after the set's earlier blocks (0, or -1 with a message). */
int cs_comm_json_store_links(cs_comm_json_store *st, uint32_t set, cs_comm_step step, const cs_comm_json_link *l,
                             size_t n, cs_err *err);
cs_comm_json_store *cs_comm_json_store_new(cs_spool *spool, const uint32_t *set_of, size_t ngroups);
void cs_comm_json_store_add(cs_comm_json_store *st, int64_t rank, json_parts *parts);
void cs_comm_json_store_free(cs_comm_json_store *st);

#endif
