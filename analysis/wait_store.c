/*
** wait_store.c — the tuples of every rank parked in a spool, and the
** instances formed by merging them (see wait_store.h).
**
** Determinism: a block's order depends only on its rank's ops, and the merge
** orders members by (type, number, rank), so the instances do not depend on
** the order the ranks were added in.
*/
#include "wait_store.h"

#include <inttypes.h>

#define READ_CHUNK 4096

typedef CS_VEC(unsigned char) byte_vec;

/* Where one rank's ops of one group are parked. */
typedef struct wait_block {
    int64_t rank;
    uint32_t group;         /* store string id */
    uint32_t count;
    uint64_t at, size;
    bool unkeyed;           /* an op without a sequence number, or two with one */
} wait_block;

struct cs_wait_store {
    cs_wait_set names;      /* strings and ranks; its ops stay empty */
    CS_VEC(bool) is_group, is_type;     /* by string id */
    CS_VEC(wait_block) blocks;
    cs_spool *spool;
    bool failed;
    cs_err failure;
};

static size_t pad8(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

size_t cs_wait_rec_size(const cs_wait_rec *rec)
{
    return sizeof *rec + pad8((size_t)rec->name_len + 1);
}

const char *cs_wait_rec_name(const cs_wait_rec *rec)
{
    return (const char *)(rec + 1);
}

cs_wait_store *cs_wait_store_new(cs_spool *spool)
{
    cs_wait_store *st = cs_xcalloc(1, sizeof *st);
    st->spool = spool ? spool : cs_spool_memory();
    return st;
}

const cs_wait_rank *cs_wait_store_ranks(const cs_wait_store *st, size_t *n)
{
    *n = st->names.ranks.len;
    return st->names.ranks.items;
}

const char *cs_wait_store_string(const cs_wait_store *st, uint32_t id)
{
    return cs_wait_set_string(&st->names, id);
}

size_t cs_wait_store_nstrings(const cs_wait_store *st)
{
    return st->names.strings.items.len;
}

bool cs_wait_store_is_group(const cs_wait_store *st, uint32_t id)
{
    return id < st->is_group.len && st->is_group.items[id];
}

bool cs_wait_store_is_type(const cs_wait_store *st, uint32_t id)
{
    return id < st->is_type.len && st->is_type.items[id];
}

static uint32_t intern_marked(cs_wait_store *st, const char *s, bool group)
{
    uint32_t id = cs_wait_set_intern(&st->names, s);
    size_t n = st->names.strings.items.len;
    CS_VEC_RESERVE(st->is_group, n);
    CS_VEC_RESERVE(st->is_type, n);
    while (st->is_group.len < n) st->is_group.items[st->is_group.len++] = false;
    while (st->is_type.len < n) st->is_type.items[st->is_type.len++] = false;
    if (group) st->is_group.items[id] = true;
    else st->is_type.items[id] = true;
    return id;
}

/* ------------------------------------------------------------------------
** Parking.
*/

/* An op of the set being added, with its keys. */
typedef struct add_ref {
    int64_t rank;
    uint32_t group, type;   /* the set's string ids */
    int64_t start, op_id;
    int64_t num, k;
    uint32_t op;            /* index in the set */
} add_ref;

static int cmp_add_fallback(const void *a, const void *b)
{
    const add_ref *x = a, *y = b;
    if (x->rank != y->rank) return x->rank < y->rank ? -1 : 1;
    if (x->group != y->group) return x->group < y->group ? -1 : 1;
    if (x->type != y->type) return x->type < y->type ? -1 : 1;
    if (x->start != y->start) return x->start < y->start ? -1 : 1;
    if (x->op_id != y->op_id) return x->op_id < y->op_id ? -1 : 1;
    return x->op < y->op ? -1 : x->op > y->op;
}

static int cmp_add_block(const void *a, const void *b)
{
    const add_ref *x = a, *y = b;
    if (x->rank != y->rank) return x->rank < y->rank ? -1 : 1;
    if (x->group != y->group) return x->group < y->group ? -1 : 1;
    if (x->num != y->num) return x->num < y->num ? -1 : 1;
    return x->op < y->op ? -1 : x->op > y->op;
}

/* The fields of o into a zeroed dst: no uninitialised padding reaches the
** spool's file. */
static void copy_op(cs_wait_op *dst, const cs_wait_op *o, const uint32_t *map)
{
    dst->rank = o->rank;
    dst->op_id = o->op_id;
    dst->arrive_ns = o->arrive_ns;
    dst->leave_ns = o->leave_ns;
    dst->launch_ns = o->launch_ns;
    dst->ws_ns = o->ws_ns;
    dst->busy_ns = o->busy_ns;
    dst->idle_before_ns = o->idle_before_ns;
    dst->step_id = o->step_id;
    dst->rank_size = o->rank_size;
    dst->transit_ms = o->transit_ms;
    dst->sync_ms = o->sync_ms;
    dst->group = map[o->group];
    dst->op_type = map[o->op_type];
    dst->step_kind = o->step_kind;
}

/* Appends the record of one op (names mapped to store ids) to buf; -1 for
** a name too long to park. */
static int append_rec(byte_vec *buf, const cs_wait_set *s, const add_ref *r, const uint32_t *map,
                      cs_err *err)
{
    const cs_wait_op *o = &s->ops.items[r->op];
    const char *name = cs_wait_set_string(s, o->op_name);
    size_t len = strlen(name);
    if (len >= UINT32_MAX / 2) return cs_fail(err, "straggler: an op name of %zu bytes", len);
    cs_wait_rec rec;
    memset(&rec, 0, sizeof rec);
    copy_op(&rec.op, o, map);
    rec.name_len = (uint32_t)len;
    rec.num = r->num;
    rec.k = r->k;
    size_t size = cs_wait_rec_size(&rec);
    CS_VEC_RESERVE(*buf, buf->len + size);
    memcpy(buf->items + buf->len, &rec, sizeof rec);
    memset(buf->items + buf->len + sizeof rec, 0, size - sizeof rec);
    memcpy(buf->items + buf->len + sizeof rec, name, len);
    buf->len += size;
    return 0;
}

/* The refs of s's ops with both keys; NULL when s has none. */
static add_ref *key_refs(const cs_wait_set *s)
{
    size_t n = s->ops.len;
    if (!n) return NULL;
    int64_t *seq_of = cs_xmalloc(s->strings.items.len * sizeof *seq_of);
    for (size_t id = 0; id < s->strings.items.len; id++) seq_of[id] = -2;
    add_ref *refs = cs_xmalloc(n * sizeof *refs);
    for (size_t i = 0; i < n; i++) {
        const cs_wait_op *o = &s->ops.items[i];
        if (seq_of[o->op_name] == -2)
            seq_of[o->op_name] = cs_wait_sequence_number(cs_wait_set_string(s, o->op_name));
        add_ref r = {o->rank, o->group, o->op_type, o->arrive_ns, o->op_id, seq_of[o->op_name], 0,
                     (uint32_t)i};
        refs[i] = r;
    }
    free(seq_of);
    qsort(refs, n, sizeof *refs, cmp_add_fallback);
    for (size_t i = 0; i < n; i++) {
        bool same = i > 0 && refs[i - 1].rank == refs[i].rank && refs[i - 1].group == refs[i].group &&
                    refs[i - 1].type == refs[i].type;
        refs[i].k = same ? refs[i - 1].k + 1 : 1;
    }
    qsort(refs, n, sizeof *refs, cmp_add_block);
    return refs;
}

/* Makes the store's failure sticky: later calls report the same message. */
static int fail_store(cs_wait_store *st, cs_err *err)
{
    st->failed = true;
    return cs_fail(err, "%s", st->failure.msg);
}

int cs_wait_store_add(cs_wait_store *st, const cs_wait_set *s, cs_err *err)
{
    if (st->failed) return cs_fail(err, "%s", st->failure.msg);
    if (s->ops.len >= UINT32_MAX) {
        cs_fail(&st->failure, "straggler: %zu ops in one set", s->ops.len);
        return fail_store(st, err);
    }
    size_t nstr = s->strings.items.len;
    /* Only the few group, type and host strings are kept; op names travel
    ** inside the records. */
    uint32_t *map = cs_xmalloc((nstr ? nstr : 1) * sizeof *map);
    for (size_t i = 0; i < s->ops.len; i++) {
        const cs_wait_op *o = &s->ops.items[i];
        map[o->group] = intern_marked(st, cs_wait_set_string(s, o->group), true);
        map[o->op_type] = intern_marked(st, cs_wait_set_string(s, o->op_type), false);
    }
    for (size_t i = 0; i < s->ranks.len; i++) {
        cs_wait_rank r = s->ranks.items[i];
        r.host_uid = cs_wait_set_intern(&st->names, cs_wait_set_string(s, r.host_uid));
        r.host_name = cs_wait_set_intern(&st->names, cs_wait_set_string(s, r.host_name));
        CS_VEC_PUSH(st->names.ranks, r);
    }
    add_ref *refs = key_refs(s);
    byte_vec buf = {0};
    int rc = 0;
    for (size_t a = 0; a < s->ops.len && rc == 0;) {
        size_t b = a;
        wait_block blk = {refs[a].rank, map[refs[a].group], 0, 0, 0, false};
        buf.len = 0;
        for (; rc == 0 && b < s->ops.len && refs[b].rank == refs[a].rank && refs[b].group == refs[a].group;
             b++) {
            if (refs[b].num < 0 || (b > a && refs[b].num == refs[b - 1].num)) blk.unkeyed = true;
            rc = append_rec(&buf, s, &refs[b], map, &st->failure);
        }
        blk.count = (uint32_t)(b - a);
        blk.size = buf.len;
        if (rc == 0) rc = cs_spool_write(st->spool, buf.items, buf.len, &blk.at, &st->failure);
        if (rc == 0) CS_VEC_PUSH(st->blocks, blk);
        a = b;
    }
    if (rc) fail_store(st, err);
    free(buf.items);
    free(refs);
    free(map);
    return rc;
}

/* ------------------------------------------------------------------------
** Merging: a buffered cursor over one block, and a heap of cursors.
*/

typedef struct block_cursor {
    uint64_t at, end;       /* spool bytes not yet read */
    unsigned char *buf;
    size_t cap, pos, len;   /* buf[pos..len) holds unread bytes */
    int64_t rank;
    bool use_k;
    const uint32_t *type_order;
} block_cursor;

/* Makes the whole next record available at buf + pos: 1, 0 at the end, -1
** on a read error. */
static int cursor_fill(cs_spool *sp, block_cursor *c, cs_err *err)
{
    size_t have = c->len - c->pos;
    size_t need = sizeof(cs_wait_rec);
    if (have >= need) need = cs_wait_rec_size((const cs_wait_rec *)(c->buf + c->pos));
    if (have >= need) return 1;
    if (have == 0 && c->at == c->end) return 0;
    if (have) memmove(c->buf, c->buf + c->pos, have);
    c->pos = 0;
    c->len = have;
    for (;;) {
        if (need > c->cap || c->cap < READ_CHUNK) {
            size_t cap = c->cap < READ_CHUNK ? READ_CHUNK : 2 * c->cap;
            c->cap = need > cap ? need : cap;
            c->buf = cs_xrealloc(c->buf, c->cap);
        }
        size_t want = c->cap - c->len;
        if (want > c->end - c->at) want = (size_t)(c->end - c->at);
        if (c->len + want < need) return cs_fail(err, "straggler: a parked block ends inside a record");
        if (cs_spool_read(sp, c->at, c->buf + c->len, want, err)) return -1;
        c->at += want;
        c->len += want;
        size_t full = cs_wait_rec_size((const cs_wait_rec *)c->buf);
        if (c->len >= full) return 1;
        need = full;
    }
}

static const cs_wait_rec *cursor_rec(const block_cursor *c)
{
    return (const cs_wait_rec *)(c->buf + c->pos);
}

static void cursor_key(const block_cursor *c, uint32_t *type, int64_t *num)
{
    const cs_wait_rec *r = cursor_rec(c);
    *type = c->use_k ? c->type_order[r->op.op_type] : 0;
    *num = c->use_k ? r->k : r->num;
}

static bool cursor_less(const block_cursor *x, const block_cursor *y)
{
    uint32_t tx, ty;
    int64_t nx, ny;
    cursor_key(x, &tx, &nx);
    cursor_key(y, &ty, &ny);
    if (tx != ty) return tx < ty;
    if (nx != ny) return nx < ny;
    return x->rank < y->rank;
}

typedef struct cursor_heap {
    block_cursor **items;
    size_t len;
} cursor_heap;

static void heap_down(cursor_heap *h, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < h->len && cursor_less(h->items[l], h->items[m])) m = l;
        if (r < h->len && cursor_less(h->items[r], h->items[m])) m = r;
        if (m == i) return;
        block_cursor *t = h->items[i];
        h->items[i] = h->items[m];
        h->items[m] = t;
        i = m;
    }
}

/* A block in merge order: its group's place in the caller's order, rank. */
typedef struct block_ref {
    uint32_t group_pos;
    wait_block block;
} block_ref;

static int cmp_block_ref(const void *a, const void *b)
{
    const block_ref *x = a, *y = b;
    if (x->group_pos != y->group_pos) return x->group_pos < y->group_pos ? -1 : 1;
    return x->block.rank < y->block.rank ? -1 : x->block.rank > y->block.rank;
}

/* A record and its bytes, for re-sorting an unkeyed block. */
typedef struct rec_ref {
    uint32_t type;
    int64_t k;
    size_t at;
} rec_ref;

static int cmp_rec_ref(const void *a, const void *b)
{
    const rec_ref *x = a, *y = b;
    if (x->type != y->type) return x->type < y->type ? -1 : 1;
    return x->k < y->k ? -1 : x->k > y->k;
}

/* Rewrites a block in (type_order, k) order at the end of the spool. */
static int resort_block(cs_spool *sp, wait_block *b, const uint32_t *type_order, cs_err *err)
{
    unsigned char *in = cs_xmalloc(b->size ? b->size : 1);
    unsigned char *out = cs_xmalloc(b->size ? b->size : 1);
    rec_ref *refs = cs_xmalloc((b->count ? b->count : 1) * sizeof *refs);
    int rc = cs_spool_read(sp, b->at, in, b->size, err);
    size_t n = 0;
    for (size_t at = 0; rc == 0 && n < b->count; n++) {
        const cs_wait_rec *r = (const cs_wait_rec *)(in + at);
        if (b->size - at < sizeof *r || b->size - at < cs_wait_rec_size(r)) {
            rc = cs_fail(err, "straggler: a parked block ends inside a record");
            break;
        }
        rec_ref ref = {type_order[r->op.op_type], r->k, at};
        refs[n] = ref;
        at += cs_wait_rec_size(r);
    }
    if (rc == 0) {
        qsort(refs, n, sizeof *refs, cmp_rec_ref);
        size_t len = 0;
        for (size_t i = 0; i < n; i++) {
            size_t sz = cs_wait_rec_size((const cs_wait_rec *)(in + refs[i].at));
            memcpy(out + len, in + refs[i].at, sz);
            len += sz;
        }
        rc = cs_spool_write(sp, out, len, &b->at, err);
        b->size = len;
    }
    free(refs);
    free(out);
    free(in);
    return rc;
}

/* Moves the records with the heap top's key out of the cursors into
** members (rank order: the heap breaks ties by rank); *n counts them. */
static int take_instance(cs_spool *sp, cursor_heap *h, const cs_wait_key *key, byte_vec *members, uint32_t *n,
                         cs_err *err)
{
    members->len = 0;
    *n = 0;
    while (h->len) {
        block_cursor *c = h->items[0];
        uint32_t type;
        int64_t num;
        cursor_key(c, &type, &num);
        if (type != key->type || num != key->num) return 0;
        size_t sz = cs_wait_rec_size(cursor_rec(c));
        CS_VEC_RESERVE(*members, members->len + sz);
        memcpy(members->items + members->len, cursor_rec(c), sz);
        members->len += sz;
        (*n)++;
        c->pos += sz;
        int got = cursor_fill(sp, c, err);
        if (got < 0) return -1;
        if (got == 0) h->items[0] = h->items[--h->len];
        if (h->len) heap_down(h, 0);
    }
    return 0;
}

/* Merges the n blocks of one group (sorted by rank) into instances. */
static int merge_group(cs_wait_store *st, wait_block *blocks, size_t n, uint32_t group,
                       const uint32_t *type_order, cs_wait_instance_fn fn, void *arg, cs_err *err)
{
    bool use_k = false;
    for (size_t i = 0; i < n; i++) use_k |= blocks[i].unkeyed;
    block_cursor *cur = cs_xcalloc(n, sizeof *cur);
    cursor_heap h = {cs_xmalloc(n * sizeof(block_cursor *)), 0};
    byte_vec members = {0};
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (use_k) rc = resort_block(st->spool, &blocks[i], type_order, err);
        block_cursor c = {blocks[i].at, blocks[i].at + blocks[i].size, NULL, 0, 0, 0,
                          blocks[i].rank, use_k, type_order};
        cur[i] = c;
        int got = rc ? -1 : cursor_fill(st->spool, &cur[i], err);
        if (got < 0) rc = -1;
        if (got > 0) h.items[h.len++] = &cur[i];
    }
    for (size_t i = h.len; i-- > 0;) heap_down(&h, i);
    while (rc == 0 && h.len) {
        cs_wait_key key = {group, 0, 0};
        cursor_key(h.items[0], &key.type, &key.num);
        uint32_t nm;
        rc = take_instance(st->spool, &h, &key, &members, &nm, err);
        if (rc == 0) rc = fn(arg, &key, members.items, members.len, nm, err);
    }
    for (size_t i = 0; i < n; i++) free(cur[i].buf);
    free(cur);
    free(h.items);
    free(members.items);
    return rc;
}

/* The store's blocks in merge order: by group_order, then rank.  -1 when a
** rank has two blocks of one group (its ops came in two calls). */
static int blocks_in_order(const cs_wait_store *st, const uint32_t *group_order, wait_block **out, cs_err *err)
{
    size_t n = st->blocks.len;
    block_ref *refs = cs_xmalloc((n ? n : 1) * sizeof *refs);
    for (size_t i = 0; i < n; i++) {
        refs[i].group_pos = group_order[st->blocks.items[i].group];
        refs[i].block = st->blocks.items[i];
    }
    qsort(refs, n, sizeof *refs, cmp_block_ref);
    wait_block *blocks = cs_xmalloc((n ? n : 1) * sizeof *blocks);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        blocks[i] = refs[i].block;
        if (i && blocks[i].group == blocks[i - 1].group && blocks[i].rank == blocks[i - 1].rank && rc == 0)
            rc = cs_fail(err, "straggler: the ops of rank %" PRId64 " came in more than one set", blocks[i].rank);
    }
    free(refs);
    if (rc) free(blocks);
    else *out = blocks;
    return rc;
}

int cs_wait_store_instances(cs_wait_store *st, const uint32_t *group_order, const uint32_t *type_order,
                            cs_wait_instance_fn fn, void *arg, int64_t *nfallback, cs_err *err)
{
    *nfallback = 0;
    if (st->failed) return cs_fail(err, "%s", st->failure.msg);
    wait_block *blocks = NULL;
    if (blocks_in_order(st, group_order, &blocks, &st->failure)) return fail_store(st, err);
    size_t n = st->blocks.len;
    int rc = 0;
    for (size_t a = 0; a < n && rc == 0;) {
        size_t b = a;
        bool unkeyed = false;
        for (; b < n && blocks[b].group == blocks[a].group; b++) unkeyed |= blocks[b].unkeyed;
        if (unkeyed) (*nfallback)++;
        rc = merge_group(st, blocks + a, b - a, group_order[blocks[a].group], type_order, fn, arg,
                         &st->failure);
        a = b;
    }
    free(blocks);
    return rc ? fail_store(st, err) : 0;
}

void cs_wait_store_free(cs_wait_store *st)
{
    if (!st) return;
    cs_wait_set_free(&st->names);
    free(st->is_group.items);
    free(st->is_type.items);
    free(st->blocks.items);
    cs_spool_close(st->spool);
    free(st);
}
