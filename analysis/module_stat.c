/*
** module_stat.c — module_statistic for one rank (analyses.md §2.a, Steps
** 2–6), reproducing msprof-analyze (commit 8399c1cd)
** recipes/module_statistic/module_statistic.py, tree_build.py and
** backward_module_create.py.
**
** Layout of this file:
**   arena, strtab, tuptab  string interning and integer-tuple hash tables, so
**                          that every key the reference groups by becomes a
**                          tuple of integers;
**   ops                    Step 2: kernel links grouped into framework ops;
**   tree_build             Step 4: TreeBuilder.build_tree_from_events;
**   visit                  Step 5: TreeBuilder.traverse_module_tree;
**   backward_events        Step 3: BackwardModuleCreator;
**   collect_record,
**   aggregate              Steps 5 and 6: _flatten_tree_to_dataframe and
**                          _aggregate_module_stats.
**
** Sorting: Python's list.sort and pandas' multi-column sort_values are
** stable, and so is every sort here (ties broken by an explicit sequence
** number).  Two reference sorts are single-column pandas sorts, which use
** numpy's unstable quicksort; for their ties the reference's order is
** unspecified and the stable order is kept (noted where they occur).
**
** Quirks kept because they change numbers: an op that reaches past a
** module's end closes that module for later nodes (tree_build); the
** backward groups compare module times as doubles (same_module); op
** sequences are compared as "/"-joined strings (instances); totals are
** Kahan sums (aggregate).
*/
#include "module_stat.h"

#include <stdio.h>

#define NONE SIZE_MAX
#define MAX_DEPTH 20             /* traverse_module_tree(max_traverse_depth=20) */
#define BACKWARD_PREFIX "[Backward]"
#define ARENA_BLOCK 65536

#define CMP(a, b) do { if ((a) != (b)) return (a) < (b) ? -1 : 1; } while (0)

/* qsort, but an empty array may have a NULL base (CS_VEC before the first
** push), which qsort's contract does not allow. */
static void sort_items(void *base, size_t n, size_t size,
                       int (*cmp)(const void *, const void *))
{
    if (n > 1) qsort(base, n, size, cmp);
}

/* ------------------------------------------------------------------------
** Arena: the interned strings live here until the computation ends.
*/
typedef struct arena_block {
    struct arena_block *next;
    size_t used, cap;
    char data[];
} arena_block;

typedef struct arena {
    arena_block *head;
} arena;

/* Copies s[0..n) and a NUL; the copy never moves and lives until arena_free. */
static const char *arena_strndup(arena *a, const char *s, size_t n)
{
    arena_block *b = a->head;
    if (!b || b->cap - b->used < n + 1) {
        size_t cap = n + 1 > ARENA_BLOCK ? n + 1 : ARENA_BLOCK;
        b = cs_xmalloc(sizeof *b + cap);
        b->next = a->head;
        b->used = 0;
        b->cap = cap;
        a->head = b;
    }
    char *d = b->data + b->used;
    if (n) memcpy(d, s, n);
    d[n] = '\0';
    b->used += n + 1;
    return d;
}

static void arena_free(arena *a)
{
    while (a->head) {
        arena_block *next = a->head->next;
        free(a->head);
        a->head = next;
    }
}

/* ------------------------------------------------------------------------
** idxmap: open addressing (linear probing, load <= 1/2) from a 64-bit hash
** to an index into the caller's key array; the caller supplies equality.
*/
typedef struct idx_slot {
    uint64_t hash;
    size_t idx;                 /* NONE: empty */
} idx_slot;

typedef struct idxmap {
    idx_slot *slots;
    size_t cap, count;
} idxmap;

typedef bool (*idx_eq_fn)(const void *probe, size_t idx);

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

static void idxmap_grow(idxmap *m)
{
    size_t cap = m->cap ? m->cap * 2 : 64;
    idx_slot *slots = cs_xmalloc(cap * sizeof *slots);
    for (size_t i = 0; i < cap; i++) slots[i].idx = NONE;
    for (size_t i = 0; i < m->cap; i++) {
        if (m->slots[i].idx == NONE) continue;
        size_t j = m->slots[i].hash & (cap - 1);
        while (slots[j].idx != NONE) j = (j + 1) & (cap - 1);
        slots[j] = m->slots[i];
    }
    free(m->slots);
    m->slots = slots;
    m->cap = cap;
}

/* Returns the index stored for a key equal to probe, or stores new_idx and
** returns it (so "result == new_idx" means the key is new). */
static size_t idxmap_intern(idxmap *m, uint64_t hash, idx_eq_fn eq,
                            const void *probe, size_t new_idx)
{
    if ((m->count + 1) * 2 > m->cap) idxmap_grow(m);
    size_t mask = m->cap - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
        idx_slot *s = &m->slots[i];
        if (s->idx == NONE) {
            s->hash = hash;
            s->idx = new_idx;
            m->count++;
            return new_idx;
        }
        if (s->hash == hash && eq(probe, s->idx)) return s->idx;
    }
}

/* ------------------------------------------------------------------------
** strtab: interned strings, ids dense from 0 in first-insertion order (so a
** fresh table is also pandas.factorize: codes by first appearance).
*/
typedef struct strtab {
    CS_VEC(const char *) str;   /* id -> NUL-terminated copy in mem */
    CS_VEC(size_t) len;
    idxmap map;
    arena mem;
} strtab;

typedef struct str_probe {
    const strtab *t;
    const char *s;
    size_t n;
} str_probe;

static bool str_eq(const void *probe, size_t id)
{
    const str_probe *p = probe;
    return p->t->len.items[id] == p->n && memcmp(p->t->str.items[id], p->s, p->n) == 0;
}

static uint64_t hash_bytes(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;       /* FNV-1a */
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return mix64(h ^ n);
}

static size_t strtab_intern(strtab *t, const char *s, size_t n)
{
    str_probe p = {t, s, n};
    size_t id = idxmap_intern(&t->map, hash_bytes(s, n), str_eq, &p, t->str.len);
    if (id == t->str.len) {
        const char *copy = arena_strndup(&t->mem, s, n);
        CS_VEC_PUSH(t->str, copy);
        CS_VEC_PUSH(t->len, n);
    }
    return id;
}

static size_t strtab_cstr(strtab *t, const char *s)
{
    if (!s) s = "";             /* NULL text reads as "" (the reference would fail the rank) */
    return strtab_intern(t, s, strlen(s));
}

static void strtab_free(strtab *t)
{
    free(t->str.items);
    free(t->len.items);
    free(t->map.slots);
    arena_free(&t->mem);
    memset(t, 0, sizeof *t);
}

/* Rank of every string in Python's str order (code points, which is byte
** order for UTF-8), for the reference's sorted groupby keys. */
typedef struct str_sort {
    const char *s;
    size_t n, id;
} str_sort;

static int cmp_str_sort(const void *a, const void *b)
{
    const str_sort *x = a, *y = b;
    size_t n = x->n < y->n ? x->n : y->n;
    int c = n ? memcmp(x->s, y->s, n) : 0;
    if (c) return c;
    return x->n < y->n ? -1 : x->n > y->n;
}

static size_t *strtab_ranks(const strtab *t)
{
    size_t n = t->str.len;
    str_sort *v = cs_xmalloc(n * sizeof *v);
    for (size_t i = 0; i < n; i++) v[i] = (str_sort){t->str.items[i], t->len.items[i], i};
    sort_items(v, n, sizeof *v, cmp_str_sort);
    size_t *rank = cs_xmalloc(n * sizeof *rank);
    for (size_t i = 0; i < n; i++) rank[v[i].id] = i;
    free(v);
    return rank;
}

/* ------------------------------------------------------------------------
** tuptab: interned tuples of `width` int64 values, ids by first appearance.
*/
typedef struct tuptab {
    size_t width;
    CS_VEC(int64_t) keys;
    idxmap map;
} tuptab;

typedef struct tup_probe {
    const tuptab *t;
    const int64_t *key;
} tup_probe;

static bool tup_eq(const void *probe, size_t id)
{
    const tup_probe *p = probe;
    return memcmp(p->t->keys.items + id * p->t->width, p->key,
                  p->t->width * sizeof *p->key) == 0;
}

static size_t tuptab_count(const tuptab *t)
{
    return t->keys.len / t->width;
}

static size_t tuptab_intern(tuptab *t, const int64_t *key)
{
    uint64_t h = 0x9e3779b97f4a7c15ULL;
    for (size_t i = 0; i < t->width; i++) h = mix64(h ^ (uint64_t)key[i]) + 0x9e3779b97f4a7c15ULL;
    tup_probe p = {t, key};
    size_t n = tuptab_count(t);
    size_t id = idxmap_intern(&t->map, h, tup_eq, &p, n);
    if (id == n) {
        CS_VEC_RESERVE(t->keys, t->keys.len + t->width);
        memcpy(t->keys.items + t->keys.len, key, t->width * sizeof *key);
        t->keys.len += t->width;
    }
    return id;
}

static void tuptab_free(tuptab *t)
{
    free(t->keys.items);
    free(t->map.slots);
    t->keys.items = NULL;
    t->map.slots = NULL;
}

/* ------------------------------------------------------------------------
** Small integer helpers.
*/

/* end − start as Python computes it on ints: the exact difference, rounded
** once to double.  (Subtracting doubles would lose the low bits of epoch
** nanoseconds.) */
static double span_ns(int64_t start, int64_t end)
{
    int64_t d;
    if (!__builtin_sub_overflow(end, start, &d)) return (double)d;
    return (double)end - (double)start;    /* absurd values only */
}

static int64_t add_sat(int64_t a, int64_t b)
{
    int64_t r;
    if (!__builtin_add_overflow(a, b, &r)) return r;
    return b > 0 ? INT64_MAX : INT64_MIN;
}

/* CSR of rows by owner: rows of owner o are row[first[o]..first[o+1]), in
** row order (a counting sort, so stable).  Both arrays are the caller's. */
static void csr_build(const size_t *owner, size_t nrows, size_t nowners,
                      size_t **first_out, size_t **row_out)
{
    size_t *first = cs_xcalloc(nowners + 1, sizeof *first);
    size_t *row = cs_xmalloc(nrows * sizeof *row);
    for (size_t i = 0; i < nrows; i++) first[owner[i] + 1]++;
    for (size_t o = 0; o < nowners; o++) first[o + 1] += first[o];
    size_t *fill = cs_xmalloc(nowners * sizeof *fill);
    memcpy(fill, first, nowners * sizeof *fill);
    for (size_t i = 0; i < nrows; i++) row[fill[owner[i]]++] = i;
    free(fill);
    *first_out = first;
    *row_out = row;
}

/* ------------------------------------------------------------------------
** Step 2: framework ops.  _build_complete_tree groups the kernel rows in a
** dict keyed by (op_name, op_ts, op_end): one op node per key, in order of
** first appearance, its kernels in row order.
*/
typedef struct op_table {
    size_t n;
    size_t *name;               /* string id */
    int64_t *start, *end;
    size_t *klist;              /* string id of ", ".join(kernel names) */
    double *device_ns;          /* Σ (kernel_end − kernel_ts), in row order */
} op_table;

static void ops_build(op_table *ops, const cs_kernel_link *k, size_t nk, strtab *st)
{
    tuptab keys = {.width = 3};
    size_t *op_of = cs_xmalloc(nk * sizeof *op_of);
    /* The rows come sorted by op start: the kernels of one op are neighbours,
    ** so the previous row's op (and name, by pointer) is tried first. */
    const char *last_name = NULL;
    size_t last_name_id = 0;
    for (size_t i = 0; i < nk; i++) {
        if (i > 0 && k[i].op_name == k[i - 1].op_name && k[i].op_ts == k[i - 1].op_ts &&
            k[i].op_end == k[i - 1].op_end) {
            op_of[i] = op_of[i - 1];
            continue;
        }
        if (i == 0 || k[i].op_name != last_name) {
            last_name = k[i].op_name;
            last_name_id = strtab_cstr(st, last_name);
        }
        int64_t key[3] = {(int64_t)last_name_id, k[i].op_ts, k[i].op_end};
        op_of[i] = tuptab_intern(&keys, key);
    }
    size_t n = tuptab_count(&keys);
    ops->n = n;
    ops->name = cs_xmalloc(n * sizeof *ops->name);
    ops->start = cs_xmalloc(n * sizeof *ops->start);
    ops->end = cs_xmalloc(n * sizeof *ops->end);
    ops->klist = cs_xmalloc(n * sizeof *ops->klist);
    ops->device_ns = cs_xmalloc(n * sizeof *ops->device_ns);
    for (size_t o = 0; o < n; o++) {
        ops->name[o] = (size_t)keys.keys.items[3 * o];
        ops->start[o] = keys.keys.items[3 * o + 1];
        ops->end[o] = keys.keys.items[3 * o + 2];
    }
    tuptab_free(&keys);

    size_t *first, *row;
    csr_build(op_of, nk, n, &first, &row);
    CS_VEC(char) buf = {0};
    CS_VEC_RESERVE(buf, 64);
    for (size_t o = 0; o < n; o++) {
        /* The reference adds Python ints to a float starting at 0.0, row by
        ** row: the same additions in the same order here. */
        double sum = 0.0;
        buf.len = 0;
        for (size_t r = first[o]; r < first[o + 1]; r++) {
            const cs_kernel_link *kl = &k[row[r]];
            const char *name = kl->kernel_name ? kl->kernel_name : "";
            size_t len = strlen(name);
            CS_VEC_RESERVE(buf, buf.len + len + 2);
            if (r > first[o]) {
                buf.items[buf.len++] = ',';
                buf.items[buf.len++] = ' ';
            }
            memcpy(buf.items + buf.len, name, len);
            buf.len += len;
            sum += span_ns(kl->kernel_ts, kl->kernel_end);
        }
        ops->klist[o] = strtab_intern(st, buf.items, buf.len);
        ops->device_ns[o] = sum;
    }
    free(buf.items);
    free(first);
    free(row);
    free(op_of);
}

static void ops_free(op_table *ops)
{
    free(ops->name);
    free(ops->start);
    free(ops->end);
    free(ops->klist);
    free(ops->device_ns);
}

/* ------------------------------------------------------------------------
** Step 4: the tree.  Nodes are in the reference's all_nodes order (module
** nodes, then op nodes); build_tree_from_events stable-sorts them by
** (start, −end), so on equal ranges a module precedes an op and becomes its
** parent.  The root spans the min/max of every node, so it contains them all
** and is never popped: it is a sentinel here (index nodes.len).
*/
typedef struct node {
    int64_t start, end;
    size_t name;                /* string id */
    size_t ref;                 /* op nodes: index in their op table */
    bool is_module, is_backward;
} node;

typedef struct tree {
    CS_VEC(node) nodes;
    size_t root;                /* == nodes.len after tree_build */
    size_t *first;              /* children of i: child[first[i]..first[i+1]) */
    size_t *child;              /* in attach (walk) order */
} tree;

typedef struct walk_key {
    int64_t start, end;
    size_t idx;
} walk_key;

static int cmp_walk(const void *a, const void *b)
{
    const walk_key *x = a, *y = b;
    CMP(x->start, y->start);
    CMP(y->end, x->end);        /* −end ascending, without negating INT64_MIN */
    CMP(x->idx, y->idx);
    return 0;
}

static bool contains(const node *outer, const node *inner)
{
    return outer->start <= inner->start && outer->end >= inner->end;
}

/* The stack walk: pop until the top module contains the node, attach it
** there, push it if it is a module (ops are never pushed, but they do pop:
** an op reaching past a module's end closes that module for every later
** node).  st (NULL for the Step 3 tree) counts the partial overlaps met. */
static void tree_build(tree *t, cs_module_stats *st)
{
    size_t n = t->nodes.len;
    const node *nd = t->nodes.items;
    walk_key *order = cs_xmalloc(n * sizeof *order);
    for (size_t i = 0; i < n; i++) order[i] = (walk_key){nd[i].start, nd[i].end, i};
    sort_items(order, n, sizeof *order, cmp_walk);

    size_t *parent = cs_xmalloc(n * sizeof *parent);
    size_t *stack = cs_xmalloc((n + 1) * sizeof *stack);
    size_t top = 0;
    stack[0] = n;
    for (size_t j = 0; j < n; j++) {
        size_t i = order[j].idx;
        bool crossed = false;
        while (top > 0 && !contains(&nd[stack[top]], &nd[i])) {
            /* popped.start <= node.start (sorted) and popped.end < node.end:
            ** they overlap without nesting iff popped.end > node.start. */
            if (nd[stack[top]].end > nd[i].start) crossed = true;
            top--;
        }
        parent[i] = stack[top];
        if (nd[i].is_module) stack[++top] = i;
        if (crossed && st) {
            if (!nd[i].is_module) st->ops_straddling++;
            else if (nd[i].is_backward) st->backward_overlapping++;
            else st->ranges_overlapping++;
        }
    }
    free(stack);

    /* Children in walk order: a counting sort of the walk order by parent. */
    size_t *walk_parent = cs_xmalloc(n * sizeof *walk_parent);
    for (size_t j = 0; j < n; j++) walk_parent[j] = parent[order[j].idx];
    size_t *pos;
    csr_build(walk_parent, n, n + 1, &t->first, &pos);
    t->child = cs_xmalloc(n * sizeof *t->child);
    for (size_t c = 0; c < n; c++) t->child[c] = order[pos[c]].idx;
    free(pos);
    free(walk_parent);
    free(parent);
    free(order);
    t->root = n;
}

static void tree_free(tree *t)
{
    free(t->nodes.items);
    free(t->first);
    free(t->child);
    memset(t, 0, sizeof *t);
}

/* ------------------------------------------------------------------------
** Step 5: traverse_module_tree.  DFS from the root (depth 0); a module child
** at depth 21 is not entered (its whole subtree is cut); every op child of
** a module node is reported with module_parent = "/".join(names of the
** ancestors, root included).strip("/").  Only the module's ancestors are
** joined, so the path buffer holds "/" + name for each ancestor below the
** root (the root's name is "", so the joined string is the same).
*/
typedef void (*op_fn)(void *arg, size_t module, size_t op_node,
                      const char *path, size_t path_len, bool backward);

typedef struct visitor {
    const tree *t;
    const strtab *st;
    CS_VEC(char) path;
    op_fn on_op;
    void *arg;
    int64_t cut;
} visitor;

static void visit(visitor *v, size_t m, int depth, bool backward)
{
    const tree *t = v->t;
    const node *nd = t->nodes.items;
    /* [Backward] applies when the node or any ancestor is a backward module. */
    if (m != t->root && nd[m].is_backward) backward = true;
    size_t saved = v->path.len;
    for (size_t c = t->first[m]; c < t->first[m + 1]; c++) {
        size_t ch = t->child[c];
        if (!nd[ch].is_module) {
            size_t lo = 0, hi = saved;      /* str.strip("/") */
            while (lo < hi && v->path.items[lo] == '/') lo++;
            while (hi > lo && v->path.items[hi - 1] == '/') hi--;
            v->on_op(v->arg, m, ch, v->path.items + lo, hi - lo, backward);
            continue;
        }
        if (depth + 1 > MAX_DEPTH) {
            v->cut++;
            continue;
        }
        if (m != t->root) {
            size_t id = nd[m].name, len = v->st->len.items[id];
            CS_VEC_RESERVE(v->path, saved + len + 1);
            v->path.items[saved] = '/';
            memcpy(v->path.items + saved + 1, v->st->str.items[id], len);
            v->path.len = saved + len + 1;
        }
        visit(v, ch, depth + 1, backward);
        v->path.len = saved;
    }
}

static int64_t tree_visit(const tree *t, const strtab *st, op_fn fn, void *arg)
{
    visitor v = {.t = t, .st = st, .on_op = fn, .arg = arg};
    CS_VEC_RESERVE(v.path, 256);    /* never NULL: on_op gets items + lo */
    visit(&v, t->root, 0, false);
    free(v.path.items);
    return v.cut;
}

static bool unnamed(const strtab *st, const tree *t, size_t m, size_t path_len)
{
    /* `if not module and not module_parent: return` (both callbacks), on the
    ** raw name: ops directly under the root, or under a top-level module
    ** named "", are dropped. */
    return m == t->root || (st->len.items[t->nodes.items[m].name] == 0 && path_len == 0);
}

/* ------------------------------------------------------------------------
** Step 3: backward modules (backward_module_create.py).
*/
typedef struct bwd_event {
    int64_t start, end;
    size_t name;                /* string id */
} bwd_event;

typedef CS_VEC(bwd_event) bwd_events;

/* One row of _collect_fwd_module_mappings. */
typedef struct fwd_map {
    int64_t mstart, mend, fwd_ts;
    size_t path, name;          /* module_parent, module (string ids) */
    size_t fwd;                 /* distinct forward op */
    size_t seq;                 /* DFS order, the stable tie-break */
} fwd_map;

typedef struct fwd_collect {
    const tree *t;
    strtab *st;
    size_t *path_of;            /* per node: interned module_parent, or NONE */
    CS_VEC(fwd_map) rows;
} fwd_collect;

static void collect_fwd(void *arg, size_t m, size_t op_node, const char *path,
                        size_t path_len, bool backward)
{
    fwd_collect *c = arg;
    const node *nd = c->t->nodes.items;
    (void)backward;
    if (unnamed(c->st, c->t, m, path_len)) return;
    if (c->path_of[m] == NONE) c->path_of[m] = strtab_intern(c->st, path, path_len);
    fwd_map r = {nd[m].start, nd[m].end, nd[op_node].start, c->path_of[m],
                 nd[m].name, nd[op_node].ref, c->rows.len};
    CS_VEC_PUSH(c->rows, r);
}

static int cmp_fwd_map(const void *a, const void *b)
{
    const fwd_map *x = a, *y = b;       /* sort_values(['module_start', 'fwd_ts']): stable */
    CMP(x->mstart, y->mstart);
    CMP(x->fwd_ts, y->fwd_ts);
    CMP(x->seq, y->seq);
    return 0;
}

typedef struct merged {
    int64_t bwd_ts;
    size_t row, pair, seq;
} merged;

static int cmp_merged(const void *a, const void *b)
{
    const merged *x = a, *y = b;
    CMP(x->bwd_ts, y->bwd_ts);
    /* sort_values(by=['bwd_ts']) is numpy quicksort: ties unspecified in
    ** the reference; the merge order is kept. */
    CMP(x->seq, y->seq);
    return 0;
}

/* The reference cuts where `df[cols] != df[cols].shift()` for cols
** (module_parent, module, module_start, module_end).  shift() turns the
** int64 columns into float64 (NaN in the first row), and numpy compares
** int64 with float64 as doubles: two instances whose starts and ends round
** to the same double (epoch ns: a 256 ns grid) fall into one group.  That is
** reproduced, so the times are compared as doubles. */
static bool same_module(const fwd_map *a, const fwd_map *b)
{
    return a->path == b->path && a->name == b->name &&
           (double)a->mstart == (double)b->mstart && (double)a->mend == (double)b->mend;
}

/*
** Forward tree = forward modules + one op node per forward op of the pairs.
** The reference makes one op node per pair row; rows sharing (fwd_name,
** fwd_ts, fwd_end) give identical nodes, which attach to the same module and
** pop nothing more, and the inner merge then repeats identical rows; min,
** max and the group cuts are unchanged, so one node per distinct key is
** equivalent (and avoids a product of duplicates).
*/
static void backward_events(const node *mods, size_t nmods,
                            const cs_fwd_bwd_pair *p, size_t np, strtab *st,
                            bwd_events *out)
{
    tuptab keys = {.width = 3};
    size_t *fwd_of = cs_xmalloc(np * sizeof *fwd_of);
    for (size_t i = 0; i < np; i++) {
        int64_t key[3] = {(int64_t)strtab_cstr(st, p[i].fwd_name), p[i].fwd_ts, p[i].fwd_end};
        fwd_of[i] = tuptab_intern(&keys, key);
    }
    size_t nf = tuptab_count(&keys);

    tree t = {0};
    CS_VEC_RESERVE(t.nodes, nmods + nf);
    memcpy(t.nodes.items, mods, nmods * sizeof *mods);
    t.nodes.len = nmods;
    for (size_t f = 0; f < nf; f++) {
        const int64_t *kk = keys.keys.items + 3 * f;
        node n = {kk[1], kk[2], (size_t)kk[0], f, false, false};
        CS_VEC_PUSH(t.nodes, n);
    }
    tuptab_free(&keys);
    tree_build(&t, NULL);

    fwd_collect c = {.t = &t, .st = st};
    c.path_of = cs_xmalloc(t.nodes.len * sizeof *c.path_of);
    for (size_t i = 0; i < t.nodes.len; i++) c.path_of[i] = NONE;
    tree_visit(&t, st, collect_fwd, &c);
    free(c.path_of);
    sort_items(c.rows.items, c.rows.len, sizeof *c.rows.items, cmp_fwd_map);

    /* pd.merge(mappings, pairs, how='inner'): per mapping row (its key
    ** appears once), the pairs of that key in pair order. */
    size_t *pfirst, *prow;
    csr_build(fwd_of, np, nf, &pfirst, &prow);
    CS_VEC(merged) mg = {0};
    for (size_t r = 0; r < c.rows.len; r++) {
        size_t f = c.rows.items[r].fwd;
        for (size_t q = pfirst[f]; q < pfirst[f + 1]; q++) {
            merged x = {p[prow[q]].bwd_ts, r, prow[q], mg.len};
            CS_VEC_PUSH(mg, x);
        }
    }
    sort_items(mg.items, mg.len, sizeof *mg.items, cmp_merged);

    /* Groups: a new group wherever a row's module differs from the previous
    ** row's (same_module).  Name and path are the group's first row's; the
    ** range is min(bwd_ts)..max(bwd_end).  All parent events (non-empty
    ** module_parent, range widened by 1 ns each side) come first, then all
    ** module events: pd.concat([parent_bwd_modules, bwd_modules]). */
    bwd_events parents = {0}, children = {0};
    for (size_t i = 0; i < mg.len;) {
        const fwd_map *g = &c.rows.items[mg.items[i].row];
        int64_t lo = INT64_MAX, hi = INT64_MIN;
        size_t j = i;
        do {
            const cs_fwd_bwd_pair *q = &p[mg.items[j].pair];
            if (q->bwd_ts < lo) lo = q->bwd_ts;
            if (q->bwd_end > hi) hi = q->bwd_end;
            j++;
        } while (j < mg.len && same_module(&c.rows.items[mg.items[j].row],
                                           &c.rows.items[mg.items[j - 1].row]));
        if (st->len.items[g->path] != 0) {
            bwd_event e = {add_sat(lo, -1), add_sat(hi, 1), g->path};
            CS_VEC_PUSH(parents, e);
        }
        bwd_event e = {lo, hi, g->name};
        CS_VEC_PUSH(children, e);
        i = j;
    }
    for (size_t i = 0; i < parents.len; i++) CS_VEC_PUSH(*out, parents.items[i]);
    for (size_t i = 0; i < children.len; i++) CS_VEC_PUSH(*out, children.items[i]);

    free(parents.items);
    free(children.items);
    free(mg.items);
    free(pfirst);
    free(prow);
    free(c.rows.items);
    free(fwd_of);
    tree_free(&t);
}

/* ------------------------------------------------------------------------
** Step 5 records (_flatten_tree_to_dataframe).
*/
typedef struct record {
    int64_t mstart, mend, op_start;
    size_t path, module;        /* module_parent, module ([Backward] applied) */
    size_t op;                  /* op table index */
    size_t seq;                 /* DFS order, the stable tie-break */
    size_t inst;                /* module instance (Step 6.1) */
    int64_t op_order;
} record;

typedef struct rec_collect {
    const tree *t;
    strtab *st;
    size_t *path_of, *module_of;    /* per node: string ids, or NONE */
    CS_VEC(record) rows;
    CS_VEC(char) tmp;
    int64_t outside;
} rec_collect;

static size_t backward_name(rec_collect *c, size_t name)
{
    size_t plen = sizeof BACKWARD_PREFIX - 1, len = c->st->len.items[name];
    CS_VEC_RESERVE(c->tmp, plen + len + 1);
    memcpy(c->tmp.items, BACKWARD_PREFIX, plen);
    memcpy(c->tmp.items + plen, c->st->str.items[name], len);
    return strtab_intern(c->st, c->tmp.items, plen + len);
}

static void collect_record(void *arg, size_t m, size_t op_node, const char *path,
                           size_t path_len, bool backward)
{
    rec_collect *c = arg;
    const node *nd = c->t->nodes.items;
    if (unnamed(c->st, c->t, m, path_len)) {
        c->outside++;
        return;
    }
    /* Path and [Backward] depend only on the module node: intern once. */
    if (c->path_of[m] == NONE) {
        c->path_of[m] = strtab_intern(c->st, path, path_len);
        c->module_of[m] = backward ? backward_name(c, nd[m].name) : nd[m].name;
    }
    record r = {nd[m].start, nd[m].end, nd[op_node].start, c->path_of[m],
                c->module_of[m], nd[op_node].ref, c->rows.len, 0, 0};
    CS_VEC_PUSH(c->rows, r);
}

static int cmp_record(const void *a, const void *b)
{
    const record *x = a, *y = b;        /* sort_values(['module_start', 'op_start']): stable */
    CMP(x->mstart, y->mstart);
    CMP(x->op_start, y->op_start);
    CMP(x->seq, y->seq);
    return 0;
}

/* ------------------------------------------------------------------------
** Step 6 (_aggregate_module_stats, _distinguish_contiguous_module).
*/
typedef struct group {
    size_t path, module, op_name, klist, seq;       /* string ids; seq: seq_id */
    int64_t op_order;
    size_t rpath, rmodule, rop, rklist;             /* string ranks */
    double sum, comp;           /* Kahan, as pandas' group_sum / group_mean */
    int64_t count, op_start;
    size_t index;               /* row number after the op_start sort */
    int64_t suffix;             /* -1: no "_k" */
} group;

/* Order of the groupby result (sorted keys) after the stable op_start sort. */
static int cmp_group_start(const void *a, const void *b)
{
    const group *x = a, *y = b;
    CMP(x->op_start, y->op_start);
    /* stat_df.sort_values('op_start') is numpy quicksort: ties unspecified
    ** in the reference; here the groupby key order is kept, as a stable
    ** sort would (and numpy's does for up to 16 rows). */
    CMP(x->rpath, y->rpath);
    CMP(x->rmodule, y->rmodule);
    CMP(x->rop, y->rop);
    CMP(x->op_order, y->op_order);
    CMP(x->rklist, y->rklist);
    CMP(x->seq, y->seq);
    return 0;
}

/* groupby(['module_parent', 'module']) in key order, rows by index. */
static int cmp_group_module(const void *a, const void *b)
{
    const group *x = a, *y = b;
    CMP(x->rpath, y->rpath);
    CMP(x->rmodule, y->rmodule);
    CMP(x->index, y->index);
    return 0;
}

/* sort_values(['op_start', 'op_order']) (stable) of the concatenation of
** the (module_parent, module) groups. */
static int cmp_group_final(const void *a, const void *b)
{
    const group *x = a, *y = b;
    CMP(x->op_start, y->op_start);
    CMP(x->op_order, y->op_order);
    return cmp_group_module(a, b);
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    CMP(x, y);
    return 0;
}

/* A run of consecutive rows of one (module_parent, module) with more than
** one distinct seq_id: each row gets "_k", k = rank of its seq_id among the
** run's distinct seq_ids.  Other rows keep their name. */
static void suffix_run(group *g, size_t n, size_t *scratch)
{
    for (size_t i = 0; i < n; i++) scratch[i] = g[i].seq;
    sort_items(scratch, n, sizeof *scratch, cmp_size);
    size_t distinct = 0;
    for (size_t i = 0; i < n; i++)
        if (i == 0 || scratch[i] != scratch[distinct - 1]) scratch[distinct++] = scratch[i];
    if (distinct < 2) return;
    for (size_t i = 0; i < n; i++) {
        size_t lo = 0, hi = distinct;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (scratch[mid] < g[i].seq) lo = mid + 1;
            else hi = mid;
        }
        g[i].suffix = (int64_t)lo;
    }
}

static void distinguish(group *g, size_t n)
{
    sort_items(g, n, sizeof *g, cmp_group_module);
    size_t *scratch = cs_xmalloc((n ? n : 1) * sizeof *scratch);
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && g[j].path == g[i].path && g[j].module == g[i].module &&
               g[j].index == g[j - 1].index + 1)
            j++;
        suffix_run(g + i, j - i, scratch);
        i = j;
    }
    free(scratch);
}

/* op_order (cumcount per module instance) and seq_id (pd.factorize of the
** instance's "/".join(op names), codes by first appearance) per record;
** records are in Step 5 order.  An instance is its (module_parent, module,
** module_start, module_end) value, not its node, as pandas groups it.  The
** key is the joined string itself, so op names containing "/" can make two
** different sequences equal, as in the reference. */
static void instances(record *r, size_t n, const op_table *ops, const strtab *st,
                      size_t **seq_of_inst)
{
    tuptab inst = {.width = 4};
    CS_VEC(int64_t) next = {0};
    for (size_t i = 0; i < n; i++) {
        int64_t key[4] = {(int64_t)r[i].path, (int64_t)r[i].module, r[i].mstart, r[i].mend};
        r[i].inst = tuptab_intern(&inst, key);
        if (r[i].inst == next.len) CS_VEC_PUSH(next, 0);
        r[i].op_order = next.items[r[i].inst]++;
    }
    size_t ni = next.len;
    free(next.items);
    tuptab_free(&inst);

    /* The joined sequences, one slice of buf per instance. */
    size_t *off = cs_xcalloc(ni + 1, sizeof *off);
    for (size_t i = 0; i < n; i++)
        off[r[i].inst + 1] += st->len.items[ops->name[r[i].op]] + (r[i].op_order ? 1 : 0);
    for (size_t j = 0; j < ni; j++) off[j + 1] += off[j];
    char *buf = cs_xmalloc(off[ni] + 1);
    size_t *fill = cs_xmalloc((ni ? ni : 1) * sizeof *fill);
    memcpy(fill, off, ni * sizeof *fill);
    for (size_t i = 0; i < n; i++) {
        size_t name = ops->name[r[i].op], len = st->len.items[name];
        if (r[i].op_order) buf[fill[r[i].inst]++] = '/';
        memcpy(buf + fill[r[i].inst], st->str.items[name], len);
        fill[r[i].inst] += len;
    }
    free(fill);

    strtab seqs = {0};
    size_t *seq = cs_xmalloc((ni ? ni : 1) * sizeof *seq);
    for (size_t i = 0; i < n; i++) {
        size_t j = r[i].inst;
        if (r[i].op_order == 0) seq[j] = strtab_intern(&seqs, buf + off[j], off[j + 1] - off[j]);
    }
    strtab_free(&seqs);
    free(buf);
    free(off);
    *seq_of_inst = seq;
}

static void emit_rows(const group *g, size_t n, const strtab *st, cs_module_rows *out)
{
    CS_VEC_RESERVE(*out, out->len + n);
    for (size_t i = 0; i < n; i++) {
        cs_module_row row;
        row.parent = cs_xstrdup(st->str.items[g[i].path]);
        if (g[i].suffix >= 0)
            row.module = cs_xasprintf("%s_%lld", st->str.items[g[i].module],
                                      (long long)g[i].suffix);
        else
            row.module = cs_xstrdup(st->str.items[g[i].module]);
        row.op_name = cs_xstrdup(st->str.items[g[i].op_name]);
        row.kernel_list = cs_xstrdup(st->str.items[g[i].klist]);
        row.total_ns = g[i].sum;
        row.avg_ns = g[i].sum / (double)g[i].count;    /* group_mean: same Kahan sum / count */
        row.op_count = g[i].count;
        out->items[out->len++] = row;
    }
}

static void aggregate(record *r, size_t n, const op_table *ops, strtab *st,
                      cs_module_rows *out)
{
    sort_items(r, n, sizeof *r, cmp_record);
    size_t *seq_of_inst;
    instances(r, n, ops, st, &seq_of_inst);

    /* groupby(module_parent, module, op_name, op_order, kernel_list, seq_id),
    ** rows visited in Step 5 order: that is the order in which pandas'
    ** cython group_sum adds them (Kahan-compensated). */
    tuptab keys = {.width = 6};
    CS_VEC(group) groups = {0};
    for (size_t i = 0; i < n; i++) {
        size_t op = r[i].op;
        int64_t key[6] = {(int64_t)r[i].path, (int64_t)r[i].module, (int64_t)ops->name[op],
                          r[i].op_order, (int64_t)ops->klist[op],
                          (int64_t)seq_of_inst[r[i].inst]};
        size_t gi = tuptab_intern(&keys, key);
        if (gi == groups.len) {
            group g = {.path = r[i].path, .module = r[i].module, .op_name = ops->name[op],
                       .klist = ops->klist[op], .seq = seq_of_inst[r[i].inst],
                       .op_order = r[i].op_order, .op_start = INT64_MAX, .suffix = -1};
            CS_VEC_PUSH(groups, g);
        }
        group *g = &groups.items[gi];
        double y = ops->device_ns[op] - g->comp;
        double t = g->sum + y;
        g->comp = t - g->sum - y;
        g->sum = t;
        g->count++;
        if (r[i].op_start < g->op_start) g->op_start = r[i].op_start;
    }
    tuptab_free(&keys);
    free(seq_of_inst);

    size_t *rank = strtab_ranks(st);
    group *g = groups.items;
    size_t ng = groups.len;
    for (size_t i = 0; i < ng; i++) {
        g[i].rpath = rank[g[i].path];
        g[i].rmodule = rank[g[i].module];
        g[i].rop = rank[g[i].op_name];
        g[i].rklist = rank[g[i].klist];
    }
    free(rank);

    sort_items(g, ng, sizeof *g, cmp_group_start);
    for (size_t i = 0; i < ng; i++) g[i].index = i;
    distinguish(g, ng);
    sort_items(g, ng, sizeof *g, cmp_group_final);
    emit_rows(g, ng, st, out);
    free(groups.items);
}

/* ------------------------------------------------------------------------
** The whole computation.
*/

/* Steps 2–6 once the forward module nodes are known (mods non-empty, nk > 0). */
static void module_rows(const node *mods, size_t nmods, const cs_kernel_link *k,
                        size_t nk, const cs_fwd_bwd_pair *p, size_t np, strtab *st,
                        cs_module_rows *out, cs_module_stats *stats)
{
    op_table ops;
    ops_build(&ops, k, nk, st);
    stats->ops = (int64_t)ops.n;

    bwd_events bwd = {0};
    if (np) backward_events(mods, nmods, p, np, st, &bwd);
    stats->backward_modules = (int64_t)bwd.len;

    /* module_df = forward rows + backward rows; then the op nodes. */
    tree t = {0};
    CS_VEC_RESERVE(t.nodes, nmods + bwd.len + ops.n);
    memcpy(t.nodes.items, mods, nmods * sizeof *mods);
    t.nodes.len = nmods;
    for (size_t i = 0; i < bwd.len; i++) {
        node n = {bwd.items[i].start, bwd.items[i].end, bwd.items[i].name, NONE, true, true};
        CS_VEC_PUSH(t.nodes, n);
    }
    for (size_t o = 0; o < ops.n; o++) {
        node n = {ops.start[o], ops.end[o], ops.name[o], o, false, false};
        CS_VEC_PUSH(t.nodes, n);
    }
    free(bwd.items);
    tree_build(&t, stats);

    rec_collect c = {.t = &t, .st = st};
    c.path_of = cs_xmalloc(t.nodes.len * sizeof *c.path_of);
    c.module_of = cs_xmalloc(t.nodes.len * sizeof *c.module_of);
    for (size_t i = 0; i < t.nodes.len; i++) c.path_of[i] = c.module_of[i] = NONE;
    stats->subtrees_cut = tree_visit(&t, st, collect_record, &c);
    stats->ops_outside = c.outside;
    stats->records = (int64_t)c.rows.len;
    free(c.path_of);
    free(c.module_of);
    free(c.tmp.items);
    tree_free(&t);

    aggregate(c.rows.items, c.rows.len, &ops, st, out);
    free(c.rows.items);
    ops_free(&ops);
}

int cs_module_statistic(const cs_module_range *m, size_t nm,
                        const cs_kernel_link *k, size_t nk,
                        const cs_fwd_bwd_pair *p, size_t np,
                        cs_module_rows *out, cs_module_stats *counts,
                        cs_err *err)
{
    if ((!m && nm) || (!k && nk) || (!p && np) || !out)
        return cs_fail(err, "module_statistic: NULL input array");

    cs_module_stats stats = {0};
    strtab st = {0};
    /* Forward module nodes: the Step 1 rows in SQL order, inverted ranges
    ** dropped (clusterscope's rule, analyses.md §2.a "Anomalies"). */
    CS_VEC(node) mods = {0};
    for (size_t i = 0; i < nm; i++) {
        if (m[i].end < m[i].start) {
            stats.ranges_dropped++;
            continue;
        }
        node n = {m[i].start, m[i].end, strtab_cstr(&st, m[i].name), NONE, true, false};
        CS_VEC_PUSH(mods, n);
    }
    /* The reference returns nothing, before building anything, without
    ** module ranges or without kernel links (_query_all_data). */
    if (mods.len && nk) module_rows(mods.items, mods.len, k, nk, p, np, &st, out, &stats);
    free(mods.items);
    strtab_free(&st);
    if (counts) *counts = stats;
    return 0;
}

void cs_module_rows_free(cs_module_rows *rows)
{
    if (!rows) return;
    for (size_t i = 0; i < rows->len; i++) {
        free(rows->items[i].parent);
        free(rows->items[i].module);
        free(rows->items[i].op_name);
        free(rows->items[i].kernel_list);
    }
    free(rows->items);
    rows->items = NULL;
    rows->len = rows->cap = 0;
}
