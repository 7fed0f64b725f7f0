/*
** module_cluster.c — joining the ranks' module rows on their identity.
**
** A row's identity inside a rank is (parent, module, op, kernel list, k):
** the visible texts are not unique (a module whose op sequence differs
** between runs gives two rows with the same texts), so k numbers the
** repeats in the rank's output order.  A hash map from identity to cluster
** row makes the join linear in the number of rows.
*/
#include "module_cluster.h"

typedef struct key {
    const char *parent, *module, *op_name, *kernel_list;
    int64_t k;
} key;

static uint64_t hash_str(uint64_t h, const char *s)
{
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return (h ^ 0xff) * 1099511628211ull;   /* separator, so "ab","c" != "a","bc" */
}

static uint64_t hash_key(const key *k)
{
    uint64_t h = 14695981039346656037ull;
    h = hash_str(h, k->parent);
    h = hash_str(h, k->module);
    h = hash_str(h, k->op_name);
    h = hash_str(h, k->kernel_list);
    return (h ^ (uint64_t)k->k) * 1099511628211ull;
}

static bool key_eq(const key *a, const key *b)
{
    return a->k == b->k && strcmp(a->parent, b->parent) == 0 && strcmp(a->module, b->module) == 0 &&
           strcmp(a->op_name, b->op_name) == 0 && strcmp(a->kernel_list, b->kernel_list) == 0;
}

/* Open addressing over indices (+1; 0 = empty) into an array of keys. */
typedef struct key_map {
    size_t *slots;
    size_t cap;
    CS_VEC(key) keys;
} key_map;

static size_t *map_slot(key_map *m, const key *k)
{
    size_t i = (size_t)hash_key(k) & (m->cap - 1);
    while (m->slots[i] && !key_eq(&m->keys.items[m->slots[i] - 1], k)) i = (i + 1) & (m->cap - 1);
    return &m->slots[i];
}

static void map_grow(key_map *m)
{
    size_t old_cap = m->cap;
    size_t *old = m->slots;
    m->cap = old_cap ? old_cap * 2 : 64;
    m->slots = cs_xcalloc(m->cap, sizeof *m->slots);
    for (size_t i = 0; i < old_cap; i++)
        if (old[i]) *map_slot(m, &m->keys.items[old[i] - 1]) = old[i];
    free(old);
}

/* Index of k, inserting it (as the next index) when new. */
static size_t map_index(key_map *m, const key *k, bool *inserted)
{
    if ((m->keys.len + 1) * 2 > m->cap) map_grow(m);
    size_t *s = map_slot(m, k);
    *inserted = *s == 0;
    if (*inserted) {
        CS_VEC_PUSH(m->keys, *k);
        *s = m->keys.len;
    }
    return *s - 1;
}

static cs_cluster_module_row new_row(const key *k, size_t nranks)
{
    cs_cluster_module_row r = {0};
    r.parent = k->parent;
    r.module = k->module;
    r.op_name = k->op_name;
    r.kernel_list = k->kernel_list;
    r.k = k->k;
    r.total_ns = cs_xcalloc(nranks ? nranks : 1, sizeof *r.total_ns);
    r.present = cs_xcalloc(nranks ? nranks : 1, sizeof *r.present);
    return r;
}

/* Adds one rank's rows; the per-rank occurrence counter k comes from a
** second map over the four texts. */
static void add_rank(cs_module_cluster *out, key_map *m, size_t col, const cs_rank_modules *r)
{
    key_map seen = {0};
    CS_VEC(int64_t) counts = {0};
    for (size_t i = 0; i < r->nrows; i++) {
        const cs_module_row *row = &r->rows[i];
        key k = {row->parent, row->module, row->op_name, row->kernel_list, -1};
        bool fresh;
        size_t texts = map_index(&seen, &k, &fresh);
        if (fresh) CS_VEC_PUSH(counts, 0);
        k.k = counts.items[texts]++;
        size_t idx = map_index(m, &k, &fresh);
        if (fresh) CS_VEC_PUSH(out->rows, new_row(&k, out->nranks));
        out->rows.items[idx].total_ns[col] = row->total_ns;
        out->rows.items[idx].present[col] = true;
    }
    free(seen.slots);
    free(seen.keys.items);
    free(counts.items);
}

static void finish_stats(cs_cluster_module_row *row, const cs_rank_modules *ranks, size_t n)
{
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        if (!row->present[i]) continue;
        double v = row->total_ns[i];
        if (row->nranks == 0 || v < row->min_ns) row->min_ns = v;
        if (row->nranks == 0 || v > row->max_ns) {
            row->max_ns = v;
            row->max_rank = ranks[i].rank;  /* strict >: ties stay with the lower rank */
        }
        sum += v;
        row->nranks++;
    }
    row->mean_ns = row->nranks ? sum / (double)row->nranks : 0;
}

void cs_module_cluster_build(const cs_rank_modules *ranks, size_t n, cs_module_cluster *out)
{
    memset(out, 0, sizeof *out);
    out->nranks = n;
    key_map m = {0};
    for (size_t i = 0; i < n; i++) add_rank(out, &m, i, &ranks[i]);
    for (size_t i = 0; i < out->rows.len; i++) finish_stats(&out->rows.items[i], ranks, n);
    free(m.slots);
    free(m.keys.items);
}

void cs_module_cluster_free(cs_module_cluster *c)
{
    for (size_t i = 0; i < c->rows.len; i++) {
        free(c->rows.items[i].total_ns);
        free(c->rows.items[i].present);
    }
    free(c->rows.items);
    memset(c, 0, sizeof *c);
}

int cs_module_depth(const char *parent)
{
    if (!*parent) return 0;
    int depth = 1;
    for (; *parent; parent++) depth += *parent == '/';
    return depth;
}
