/*
** wait_store.h — process 0's store of the §8.3 tuples of every rank, kept
** out of memory, and the instances formed from it (analyses.md §8.3
** "Instances").
**
** The attribution needs the ops of every rank, but only one instance's
** members at a time.  So each rank's tuples are parked in a spool as they
** arrive, one block per (rank, group) sorted by the rank's own instance key,
** and the instances are formed at the end by a k-way merge of the member
** ranks' blocks of one group at a time: memory holds a small read buffer per
** block of the group being merged, never the cluster's ops.  (A group keyed
** by the fallback key first re-sorts its blocks one at a time: one rank's
** ops of that group, twice.)
**
** A parked op is a cs_wait_rec followed by its op name (NUL-terminated,
** padded to 8 bytes): cs_wait_rec_size() gives the whole length and
** cs_wait_rec_name() the name.  An instance hands out its members' records
** back to back, in rank order.
**
** Ownership: the store owns its spool and strings (cs_wait_store_free);
** the records an instance visitor sees are borrowed for the call.
*/
#ifndef CS_WAIT_STORE_H
#define CS_WAIT_STORE_H

#include "spool.h"
#include "straggler.h"

/* One parked op.  op.group and op.op_type are store string ids; op.op_name
** is unused (0): the name follows the record. */
typedef struct cs_wait_rec {
    cs_wait_op op;
    int64_t num;            /* sequence number of the op name, -1 if none */
    int64_t k;              /* position within (group, opType, rank), by
                            ** (startNs, opId), from 1: the fallback key */
    uint32_t name_len;      /* bytes of the name, NUL excluded */
} cs_wait_rec;

/* Bytes of the record at rec, name included. */
size_t cs_wait_rec_size(const cs_wait_rec *rec);
/* The op name of the record (NUL-terminated, inside the record's bytes). */
const char *cs_wait_rec_name(const cs_wait_rec *rec);

typedef struct cs_wait_store cs_wait_store;

/* A new store whose blocks go to spool (taken over; NULL: kept in memory). */
cs_wait_store *cs_wait_store_new(cs_spool *spool);

/*
** Parks the ranks and ops of s (one rank or several; ranks may come in any
** order over several calls, but all the ops of one rank in one call: the
** fallback key is a position among the rank's ops).  0, or -1 with a
** message when the spool fails; the failure is sticky (later calls and
** cs_wait_store_instances fail too).
*/
int cs_wait_store_add(cs_wait_store *st, const cs_wait_set *s, cs_err *err);

/* The ranks added so far (host ids are store string ids), in arrival order. */
const cs_wait_rank *cs_wait_store_ranks(const cs_wait_store *st, size_t *n);
/* The string of a store string id; the number of ids. */
const char *cs_wait_store_string(const cs_wait_store *st, uint32_t id);
size_t cs_wait_store_nstrings(const cs_wait_store *st);
/* Whether id names a group / an op type of some parked op. */
bool cs_wait_store_is_group(const cs_wait_store *st, uint32_t id);
bool cs_wait_store_is_type(const cs_wait_store *st, uint32_t id);

/* The key of one instance: its group and op type as ranks of the caller's
** orders (type 0 unless the group uses the fallback key) and its number. */
typedef struct cs_wait_key {
    uint32_t group, type;
    int64_t num;
} cs_wait_key;

/* Called once per instance, in key order: n members' records, back to back
** in rank order, in members[0..size).  Returns 0, or -1 to stop (with a
** message in err). */
typedef int (*cs_wait_instance_fn)(void *arg, const cs_wait_key *key, const unsigned char *members,
                                   size_t size, uint32_t n, cs_err *err);

/*
** Forms the instances and hands them to fn in key order: groups in the order
** group_order[id] gives, then (type, number).  A group keyed by sequence
** numbers uses (0, num); a group where some rank has an op without a number
** or two ops with one number uses (type_order[opType], k) for all its ops
** (*nfallback counts those groups).  0, or -1 with a message (a spool
** failure, a rank whose ops of one group came in two calls, or fn's).
*/
int cs_wait_store_instances(cs_wait_store *st, const uint32_t *group_order, const uint32_t *type_order,
                            cs_wait_instance_fn fn, void *arg, int64_t *nfallback, cs_err *err);

/* Frees the store and its spool; NULL is a no-op. */
void cs_wait_store_free(cs_wait_store *st);

#endif
