/*
** hccl_sum.c — the hccl_sum statistics (analyses.md §2.f).
*/
#include "hccl_sum.h"

#include <inttypes.h>
#include <stdio.h>

#include "hccl_names.h"

/* One op in one grouping: the key, its rank and duration, and its position
** in (rank, input) order, which breaks ties. */
typedef struct hrow {
    const char *key;
    int64_t rank;
    double dur;
    size_t seq;
} hrow;

static int cmp_hrow(const void *a, const void *b)
{
    const hrow *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    if (c == 0) c = x->seq < y->seq ? -1 : x->seq > y->seq;
    return c;
}

enum { KEY_TYPE, KEY_NAME, KEY_GROUP };

/* The rows of ranks [first, last) with a non-NULL key, sorted by key then
** (rank, input) order. */
static size_t collect(const cs_rank_op_durs *in, size_t first, size_t last, int which, hrow **out)
{
    size_t total = 0;
    for (size_t r = first; r < last; r++) total += in[r].ops->ops.len;
    hrow *rows = cs_xmalloc((total ? total : 1) * sizeof *rows);
    size_t n = 0;
    for (size_t r = first; r < last; r++) {
        const cs_op_durs *d = in[r].ops;
        for (size_t i = 0; i < d->ops.len; i++) {
            const cs_op_dur *o = &d->ops.items[i];
            uint32_t idx = which == KEY_TYPE ? o->type : which == KEY_NAME ? o->name : o->group;
            const char *key = cs_op_durs_str(d, idx);
            if (!key) continue;
            hrow h = {key, in[r].rank, (double)o->dur_ns, n};
            rows[n++] = h;
        }
    }
    if (n) qsort(rows, n, sizeof *rows, cmp_hrow);
    *out = rows;
    return n;
}

static size_t run_end(const hrow *rows, size_t n, size_t i)
{
    size_t j = i;
    while (j < n && strcmp(rows[j].key, rows[i].key) == 0) j++;
    return j;
}

/* describe_duration over each key's run of rows, one row each into vec;
** MinRank/MaxRank: the lowest rank holding the min / max (§8.6 row 2). */
static void describe_runs(const hrow *rows, size_t n, int64_t rank, cs_hccl_stats_vec *vec)
{
    double *v = cs_xmalloc((n ? n : 1) * sizeof *v);
    for (size_t i = 0; i < n;) {
        size_t j = run_end(rows, n, i);
        cs_hccl_stats_row s;
        memset(&s, 0, sizeof s);
        for (size_t k = i; k < j; k++) v[k - i] = rows[k].dur;
        s.key = cs_xstrdup(rows[i].key);
        s.rank = rank;
        cs_describe_duration(v, j - i, &s.st);
        s.min_rank = s.max_rank = -1;
        for (size_t k = i; k < j; k++) {
            const hrow *h = &rows[k];
            if (h->dur == s.st.min && (s.min_rank < 0 || h->rank < s.min_rank)) s.min_rank = h->rank;
            if (h->dur == s.st.max && (s.max_rank < 0 || h->rank < s.max_rank)) s.max_rank = h->rank;
        }
        CS_VEC_PUSH(*vec, s);
        i = j;
    }
    free(v);
}

static int cmp_top(const void *a, const void *b)
{
    const cs_hccl_stats_row *x = a, *y = b;
    if (x->st.mean != y->st.mean) return x->st.mean > y->st.mean ? -1 : 1;
    return strcmp(x->key, y->key);
}

static int cmp_group(const void *a, const void *b)
{
    const cs_hccl_group_row *x = a, *y = b;
    int c = strcmp(x->group_id, y->group_id);
    return c ? c : strcmp(x->group_name, y->group_name);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static void build_groups(const cs_rank_op_durs *in, size_t n, cs_hccl_sum_result *out)
{
    hrow *rows;
    size_t m = collect(in, 0, n, KEY_GROUP, &rows);
    int64_t *ranks = cs_xmalloc((m ? m : 1) * sizeof *ranks);
    for (size_t i = 0; i < m;) {
        size_t j = run_end(rows, m, i);
        for (size_t k = i; k < j; k++) ranks[k - i] = rows[k].rank;
        qsort(ranks, j - i, sizeof *ranks, cmp_i64);
        size_t cap = 24 * (j - i) + 1, len = 0;
        char *text = cs_xmalloc(cap);
        text[0] = '\0';
        for (size_t k = 0; k < j - i; k++)
            if (k == 0 || ranks[k] != ranks[k - 1])
                len += (size_t)snprintf(text + len, cap - len, "%s%" PRId64, len ? ";" : "", ranks[k]);
        char hash[32];
        snprintf(hash, sizeof hash, "%" PRIu64, cs_double_hash(rows[i].key));
        size_t hl = strlen(hash);
        cs_hccl_group_row g = {cs_xstrdup(rows[i].key), cs_xstrdup(hash + (hl > 3 ? hl - 3 : 0)), text};
        CS_VEC_PUSH(out->groups, g);
        i = j;
    }
    free(ranks);
    free(rows);
    if (out->groups.len) qsort(out->groups.items, out->groups.len, sizeof *out->groups.items, cmp_group);
}

void cs_hccl_sum_compute(const cs_rank_op_durs *in, size_t n, int64_t top_num, cs_hccl_sum_result *out)
{
    memset(out, 0, sizeof *out);
    hrow *rows;
    size_t m = collect(in, 0, n, KEY_TYPE, &rows);
    describe_runs(rows, m, 0, &out->all);
    free(rows);
    for (size_t r = 0; r < n; r++) {
        m = collect(in, r, r + 1, KEY_TYPE, &rows);
        describe_runs(rows, m, in[r].rank, &out->per_rank);
        free(rows);
    }
    m = collect(in, 0, n, KEY_NAME, &rows);
    describe_runs(rows, m, 0, &out->top);
    free(rows);
    if (out->top.len) qsort(out->top.items, out->top.len, sizeof *out->top.items, cmp_top);
    if (top_num >= 0 && out->top.len > (size_t)top_num) {
        for (size_t i = (size_t)top_num; i < out->top.len; i++) free(out->top.items[i].key);
        out->top.len = (size_t)top_num;
    }
    build_groups(in, n, out);
}

void cs_hccl_sum_result_free(cs_hccl_sum_result *r)
{
    for (size_t i = 0; i < r->all.len; i++) free(r->all.items[i].key);
    for (size_t i = 0; i < r->per_rank.len; i++) free(r->per_rank.items[i].key);
    for (size_t i = 0; i < r->top.len; i++) free(r->top.items[i].key);
    for (size_t i = 0; i < r->groups.len; i++) {
        free(r->groups.items[i].group_name);
        free(r->groups.items[i].group_id);
        free(r->groups.items[i].ranks);
    }
    free(r->all.items);
    free(r->per_rank.items);
    free(r->top.items);
    free(r->groups.items);
    memset(r, 0, sizeof *r);
}
