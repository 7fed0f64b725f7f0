/*
** comm_rows.c — rows parked by (rank, step) block.
*/
#include "comm_rows.h"

#include <inttypes.h>

#define CMP(a, b) do { if ((a) != (b)) return (a) < (b) ? -1 : 1; } while (0)

int cs_comm_step_cmp(cs_comm_step a, cs_comm_step b)
{
    int64_t x = a.has_id ? a.id : 0, y = b.has_id ? b.id : 0;
    CMP(x, y);
    CMP(a.has_id, b.has_id);
    return 0;
}

/* One parked block: the rows of one rank in one step (and group, by_group). */
typedef struct block {
    cs_comm_step step;
    uint32_t group;         /* by_group: the rank's own index; else 0 */
    uint32_t nops, ntots;
    uint64_t at, size;      /* in the spool */
} block;

typedef struct rank_entry {
    int64_t rank;
    CS_VEC(block) blocks;   /* by step, ascending */
    uint32_t *map;          /* its group index -> the cluster's (owned) */
    size_t nmap;
} rank_entry;

typedef CS_VEC(char) byte_vec;

struct cs_comm_rows {
    cs_comm_rows_kind kind;
    cs_spool *spool;
    CS_VEC(rank_entry) ranks;   /* in arrival order; sorted by rank when read */
    size_t count;
};

cs_comm_rows *cs_comm_rows_new(const cs_comm_rows_kind *kind, cs_spool *spool)
{
    cs_comm_rows *rows = cs_xcalloc(1, sizeof *rows);
    rows->kind = *kind;
    rows->spool = spool;
    return rows;
}

void cs_comm_rows_free(cs_comm_rows *rows)
{
    if (!rows) return;
    for (size_t i = 0; i < rows->ranks.len; i++) {
        free(rows->ranks.items[i].blocks.items);
        free(rows->ranks.items[i].map);
    }
    free(rows->ranks.items);
    cs_spool_close(rows->spool);
    free(rows);
}

static cs_comm_step step_of(const cs_comm_rows_kind *k, const char *row)
{
    cs_comm_step s;
    memcpy(&s, row + k->step_at, sizeof s);
    return s;
}

static const char *name_of(const cs_comm_rows_kind *k, const char *row)
{
    const char *name;
    memcpy(&name, row + k->name_at, sizeof name);
    return name;
}

static uint32_t group_of(const cs_comm_rows_kind *k, const char *row)
{
    uint32_t g;
    memcpy(&g, row + k->group_at, sizeof g);
    return g;
}

/* A block's key: (step, group) by_group, else (step, 0). */
typedef struct block_key {
    cs_comm_step step;
    uint32_t group;
} block_key;

static int key_cmp(block_key a, block_key b)
{
    int s = cs_comm_step_cmp(a.step, b.step);
    if (s) return s;
    CMP(a.group, b.group);
    return 0;
}

static block_key key_of(const cs_comm_rows_kind *k, const char *row)
{
    block_key key = {step_of(k, row), k->by_group ? group_of(k, row) : 0};
    return key;
}

/* The rows [0, n) of a key-sorted array that have key `key`, from *pos on. */
static size_t key_run(const cs_comm_rows_kind *k, const char *rows, size_t n, size_t *pos, block_key key)
{
    size_t from = *pos;
    while (*pos < n && key_cmp(key_of(k, rows + *pos * k->size), key) == 0) (*pos)++;
    return *pos - from;
}

/* Appends the names of rows[0, n) that have one to the buffer. */
static void pack_names(const cs_comm_rows_kind *k, const char *rows, size_t n, byte_vec *buf)
{
    for (size_t i = 0; i < n; i++) {
        const char *name = name_of(k, rows + i * k->size);
        if (!name) continue;
        size_t len = strlen(name) + 1;
        CS_VEC_RESERVE(*buf, buf->len + len);
        memcpy(buf->items + buf->len, name, len);
        buf->len += len;
    }
}

static void pack_rows(const char *rows, size_t n, size_t size, byte_vec *buf)
{
    CS_VEC_RESERVE(*buf, buf->len + n * size);
    if (n) memcpy(buf->items + buf->len, rows, n * size);
    buf->len += n * size;
}

int cs_comm_rows_add(cs_comm_rows *rows, int64_t rank, const void *ops, size_t nops, const void *tots,
                     size_t ntots, size_t *id, cs_err *err)
{
    const cs_comm_rows_kind *k = &rows->kind;
    const char *o = ops, *t = tots;
    rank_entry e = {.rank = rank};
    byte_vec buf = {0};
    size_t io = 0, it = 0;
    int rc = 0;
    while (rc == 0 && (io < nops || it < ntots)) {
        block_key key = io < nops ? key_of(k, o + io * k->size) : key_of(k, t + it * k->size);
        if (io < nops && it < ntots && key_cmp(key_of(k, t + it * k->size), key) < 0)
            key = key_of(k, t + it * k->size);
        const char *o0 = o + io * k->size, *t0 = t + it * k->size;
        block b = {key.step, key.group, 0, 0, 0, 0};
        b.nops = (uint32_t)key_run(k, o, nops, &io, key);
        b.ntots = (uint32_t)key_run(k, t, ntots, &it, key);
        buf.len = 0;
        pack_rows(o0, b.nops, k->size, &buf);
        pack_rows(t0, b.ntots, k->size, &buf);
        pack_names(k, o0, b.nops, &buf);
        pack_names(k, t0, b.ntots, &buf);
        b.size = buf.len;
        rc = cs_spool_write(rows->spool, buf.items, buf.len, &b.at, err);
        CS_VEC_PUSH(e.blocks, b);
    }
    free(buf.items);
    if (rc) {
        free(e.blocks.items);
        return -1;
    }
    *id = rows->ranks.len;
    CS_VEC_PUSH(rows->ranks, e);
    rows->count += nops + ntots;
    return 0;
}

void cs_comm_rows_set_groups(cs_comm_rows *rows, size_t id, uint32_t *map, size_t n)
{
    rank_entry *e = &rows->ranks.items[id];
    free(e->map);
    e->map = map;
    e->nmap = n;
}

size_t cs_comm_rows_count(const cs_comm_rows *rows)
{
    return rows->count;
}

/* ------------------------------------------------------------------------
** Reading back.
*/

struct cs_comm_rows_reader {
    const cs_comm_rows *rows;
    size_t *order;          /* rank entries by rank */
    size_t *next;           /* per entry: its next block */
    CS_VEC(block_key) keys; /* every block key (groups the cluster's), ascending */
    size_t key, entry;      /* the block being visited */
    char *buf;              /* its bytes */
    size_t cap;
    const block *blk;
    uint32_t op, tot;       /* next per-op row, next total of the block */
};

typedef struct rank_ref {
    int64_t rank;
    size_t entry;
} rank_ref;

static int cmp_rank_ref(const void *a, const void *b)
{
    const rank_ref *x = a, *y = b;
    CMP(x->rank, y->rank);
    CMP(x->entry, y->entry);
    return 0;
}

static int cmp_key(const void *a, const void *b)
{
    return key_cmp(*(const block_key *)a, *(const block_key *)b);
}

/* A block's key with the cluster's group (by_group; else 0). */
static block_key mapped_key(const cs_comm_rows_kind *k, const rank_entry *e, const block *b)
{
    block_key key = {b->step, 0};
    if (k->by_group) key.group = b->group < e->nmap ? e->map[b->group] : b->group;
    return key;
}

cs_comm_rows_reader *cs_comm_rows_open(const cs_comm_rows *rows)
{
    cs_comm_rows_reader *r = cs_xcalloc(1, sizeof *r);
    size_t n = rows->ranks.len;
    r->rows = rows;
    r->order = cs_xmalloc((n ? n : 1) * sizeof *r->order);
    r->next = cs_xcalloc(n ? n : 1, sizeof *r->next);
    rank_ref *refs = cs_xmalloc((n ? n : 1) * sizeof *refs);
    for (size_t i = 0; i < n; i++) refs[i] = (rank_ref){rows->ranks.items[i].rank, i};
    if (n > 1) qsort(refs, n, sizeof *refs, cmp_rank_ref);
    for (size_t i = 0; i < n; i++) r->order[i] = refs[i].entry;
    free(refs);
    for (size_t i = 0; i < n; i++) {
        const rank_entry *e = &rows->ranks.items[i];
        for (size_t b = 0; b < e->blocks.len; b++) CS_VEC_PUSH(r->keys, mapped_key(&rows->kind, e, &e->blocks.items[b]));
    }
    if (r->keys.len > 1) qsort(r->keys.items, r->keys.len, sizeof *r->keys.items, cmp_key);
    size_t u = 0;
    for (size_t i = 0; i < r->keys.len; i++)
        if (!u || key_cmp(r->keys.items[u - 1], r->keys.items[i]) != 0) r->keys.items[u++] = r->keys.items[i];
    r->keys.len = u;
    return r;
}

void cs_comm_rows_close(cs_comm_rows_reader *r)
{
    if (!r) return;
    free(r->order);
    free(r->next);
    free(r->keys.items);
    free(r->buf);
    free(r);
}

/* Points the rows' op names into the block's name area and maps their groups. */
static int fix_rows(cs_comm_rows_reader *r, const rank_entry *e, cs_err *err)
{
    const cs_comm_rows_kind *k = &r->rows->kind;
    size_t nrows = (size_t)r->blk->nops + r->blk->ntots;
    const char *names = r->buf + nrows * k->size, *end = r->buf + r->blk->size;
    for (size_t i = 0; i < nrows; i++) {
        char *row = r->buf + i * k->size;
        if (name_of(k, row)) {
            const char *nul = memchr(names, '\0', (size_t)(end - names));
            if (!nul) return cs_fail(err, "communication rows: block of rank %" PRId64 " is damaged", e->rank);
            memcpy(row + k->name_at, &names, sizeof names);
            names = nul + 1;
        }
        uint32_t g = group_of(k, row);
        if (g < e->nmap) memcpy(row + k->group_at, &e->map[g], sizeof g);
    }
    return 0;
}

/* Loads the next block in table order; false at the end. */
static bool next_block(cs_comm_rows_reader *r, int *rc, cs_err *err)
{
    const cs_comm_rows *rows = r->rows;
    for (; r->key < r->keys.len; r->key++, r->entry = 0) {
        for (; r->entry < rows->ranks.len; r->entry++) {
            size_t i = r->order[r->entry];
            const rank_entry *e = &rows->ranks.items[i];
            if (r->next[i] == e->blocks.len) continue;
            const block *b = &e->blocks.items[r->next[i]];
            if (key_cmp(mapped_key(&rows->kind, e, b), r->keys.items[r->key]) != 0) continue;
            r->next[i]++;
            r->entry++;
            if (b->size > r->cap) {
                r->cap = b->size;
                r->buf = cs_xrealloc(r->buf, r->cap);
            }
            r->blk = b;
            r->op = r->tot = 0;
            *rc = cs_spool_read(rows->spool, b->at, r->buf, b->size, err);
            if (*rc == 0) *rc = fix_rows(r, e, err);
            return *rc == 0;
        }
    }
    return false;
}

const void *cs_comm_rows_next(cs_comm_rows_reader *r, bool *failed, cs_err *err)
{
    const cs_comm_rows_kind *k = &r->rows->kind;
    int rc = 0;
    while (!r->blk || (r->op == r->blk->nops && r->tot == r->blk->ntots)) {
        if (!next_block(r, &rc, err)) {
            *failed = rc != 0;
            return NULL;
        }
    }
    const char *op = r->op < r->blk->nops ? r->buf + (size_t)r->op * k->size : NULL;
    const char *tot = r->tot < r->blk->ntots ? r->buf + ((size_t)r->blk->nops + r->tot) * k->size : NULL;
    if (op && (!tot || group_of(k, op) <= group_of(k, tot))) {
        r->op++;
        return op;
    }
    r->tot++;
    return tot;
}

const void *cs_comm_rows_next_block(cs_comm_rows_reader *r, size_t *n, bool *failed, cs_err *err)
{
    int rc = 0;
    if (!next_block(r, &rc, err)) {
        *failed = rc != 0;
        *n = 0;
        return NULL;
    }
    r->op = r->blk->nops;       /* consumed whole */
    r->tot = r->blk->ntots;
    *n = (size_t)r->blk->nops + r->blk->ntots;
    return r->buf;
}
