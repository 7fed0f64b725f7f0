/*
** comm_marks.c — outlier limits and the matrix heat map.
*/
#include "comm_marks.h"

#include <inttypes.h>
#include <stdio.h>

#include "order_stat.h"

/* One pass over the per-op rows (not "Total Op Info") of both tables:
** wait and synchronization ratios (metrics 0, 1), bandwidth (metric 2). */
static int feed_pass(const cs_comm_sum *s, cs_order_stats *st, cs_err *err)
{
    cs_comm_cursor at = {0};
    for (const cs_comm_time_row *r; (r = cs_comm_time_next(s, &at)) != NULL;) {
        if (!r->op_name) continue;
        cs_order_stats_add(st, 0, r->wait_ratio);
        cs_order_stats_add(st, 1, r->sync_ratio);
    }
    if (at.failed) return cs_fail(err, "%s", at.err.msg);
    at = (cs_comm_cursor){0};
    for (const cs_comm_bw_row *r; (r = cs_comm_bw_next(s, &at)) != NULL;)
        if (r->op_name) cs_order_stats_add(st, 2, r->bandwidth);
    return at.failed ? cs_fail(err, "%s", at.err.msg) : 0;
}

/* The rows stay in their spools: the percentiles are found in a few
** passes over them (order_stat.h), not by sorting them in memory. */
int cs_comm_outlier_limits(const cs_comm_sum *s, cs_comm_limits *l, cs_err *err)
{
    memset(l, 0, sizeof *l);
    const double p[3] = {0.9, 0.9, 0.1};
    cs_order_stats *st = cs_order_stats_new(3, p);
    int rc;
    do rc = feed_pass(s, st, err);
    while (rc == 0 && cs_order_stats_end_pass(st));
    if (rc == 0) {
        size_t n;
        l->wait_p90 = cs_order_stats_percentile(st, 0, &n);
        l->has_wait = n >= 10;
        l->sync_p90 = cs_order_stats_percentile(st, 1, &n);
        l->has_sync = n >= 10;
        l->bandwidth_p10 = cs_order_stats_percentile(st, 2, &n);
        l->has_bandwidth = n >= 10;
    }
    if (!l->has_wait) l->wait_p90 = 0;
    if (!l->has_sync) l->sync_p90 = 0;
    if (!l->has_bandwidth) l->bandwidth_p10 = 0;
    cs_order_stats_free(st);
    return rc;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static bool is_total(const cs_comm_matrix_row *r) { return strcmp(r->hccl_op_name, "Total Op Info") == 0; }

int cs_comm_matrix_totals(const cs_comm_sum *s, cs_matrix_total **out, size_t *n, cs_err *err)
{
    CS_VEC(cs_matrix_total) v = {0};
    cs_comm_cursor at = {0};
    for (const cs_comm_matrix_row *r; (r = cs_comm_matrix_next(s, &at)) != NULL;) {
        if (!is_total(r)) continue;
        cs_matrix_total t = {r->src, r->dst, r->transport, r->size_mb, r->time_ms};
        CS_VEC_PUSH(v, t);
    }
    if (at.failed) {
        free(v.items);
        return cs_fail(err, "%s", at.err.msg);
    }
    *out = v.items;
    *n = v.len;
    return 0;
}

/* The ranks of the grid: every src or dst of a total row, ascending, unique. */
static size_t grid_ranks(const cs_matrix_total *tot, size_t ntot, int64_t **out)
{
    int64_t *r = cs_xmalloc((2 * ntot + 1) * sizeof *r);
    size_t n = 0;
    for (size_t i = 0; i < ntot; i++) {
        r[n++] = tot[i].src;
        r[n++] = tot[i].dst;
    }
    if (n) qsort(r, n, sizeof *r, cmp_i64);
    size_t u = 0;
    for (size_t i = 0; i < n; i++)
        if (!u || r[i] != r[u - 1]) r[u++] = r[i];
    *out = r;
    return u;
}

static size_t index_of(const int64_t *r, size_t n, int64_t v)
{
    const int64_t *p = bsearch(&v, r, n, sizeof *r, cmp_i64);
    return (size_t)(p - r);
}

/* A total's link in the grid, with its place in the totals (sums keep it). */
typedef struct heat_ref {
    cs_heat_cell cell;
    size_t at;
} heat_ref;

static int cmp_heat_ref(const void *a, const void *b)
{
    const heat_ref *x = a, *y = b;
    if (x->cell.src != y->cell.src) return x->cell.src < y->cell.src ? -1 : 1;
    if (x->cell.dst != y->cell.dst) return x->cell.dst < y->cell.dst ? -1 : 1;
    return x->at < y->at ? -1 : x->at > y->at;
}

static void heat_columns(cs_heat_map *h)
{
    cs_owned_columns *cols = &h->cols;
    cols->ncols = h->n + 1;
    cols->cols = cs_xmalloc((h->n + 1) * sizeof *cols->cols);
    cols->names = cs_xmalloc((h->n + 1) * sizeof *cols->names);
    cols->nnames = 0;
    cs_column corner = {"src_dst", "TEXT", "src\\dst"};
    cols->cols[0] = corner;
    for (size_t d = 0; d < h->n; d++) {
        char *name = cs_xasprintf("Rank %" PRId64, h->ranks[d]);
        cols->names[cols->nnames++] = name;
        cs_column c = {name, "REAL", name};
        cols->cols[d + 1] = c;
    }
}

void cs_heat_map_build(const cs_matrix_total *tot, size_t ntot, cs_heat_map *h)
{
    memset(h, 0, sizeof *h);
    h->n = grid_ranks(tot, ntot, &h->ranks);
    heat_ref *refs = cs_xmalloc((ntot ? ntot : 1) * sizeof *refs);
    for (size_t i = 0; i < ntot; i++) {
        heat_ref r = {{(uint32_t)index_of(h->ranks, h->n, tot[i].src), (uint32_t)index_of(h->ranks, h->n, tot[i].dst),
                       tot[i].size_mb, tot[i].time_ms}, i};
        refs[i] = r;
    }
    if (ntot) qsort(refs, ntot, sizeof *refs, cmp_heat_ref);
    h->cells = cs_xmalloc((ntot ? ntot : 1) * sizeof *h->cells);
    h->row_first = cs_xcalloc(h->n + 1, sizeof *h->row_first);
    size_t nc = 0;
    for (size_t i = 0; i < ntot; i++) {
        const cs_heat_cell *c = &refs[i].cell;
        if (nc && h->cells[nc - 1].src == c->src && h->cells[nc - 1].dst == c->dst) {
            h->cells[nc - 1].size_mb += c->size_mb;
            h->cells[nc - 1].time_ms += c->time_ms;
            continue;
        }
        /* summed from 0 in the totals' order, as a dense grid would be */
        cs_heat_cell first = {c->src, c->dst, 0.0 + c->size_mb, 0.0 + c->time_ms};
        h->cells[nc++] = first;
        h->row_first[c->src + 1]++;
    }
    for (size_t r = 0; r < h->n; r++) h->row_first[r + 1] += h->row_first[r];
    h->cells = cs_xrealloc(h->cells, (nc ? nc : 1) * sizeof *h->cells);
    free(refs);
    heat_columns(h);
}

void cs_heat_map_row(const void *arg, size_t src, cs_table *t)
{
    const cs_heat_map *h = arg;
    cs_table_init(t, "MatrixHeatMap", h->cols.cols, h->cols.ncols);
    cs_table_add_text(t, h->cols.names[src]);
    size_t k = h->row_first[src], end = h->row_first[src + 1];
    for (size_t d = 0; d < h->n; d++) {
        while (k < end && h->cells[k].dst < d) k++;
        const cs_heat_cell *c = k < end && h->cells[k].dst == d ? &h->cells[k] : NULL;
        if (src == d || !c || c->time_ms == 0) cs_table_add_null(t);
        else cs_table_add_real(t, c->size_mb / c->time_ms);
    }
}

void cs_heat_map_free(cs_heat_map *h)
{
    free(h->ranks);
    free(h->cells);
    free(h->row_first);
    cs_owned_columns_free(&h->cols);
    memset(h, 0, sizeof *h);
}
