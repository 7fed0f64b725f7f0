/*
** comm_marks.c — outlier limits and the matrix heat map.
*/
#include "comm_marks.h"

#include <inttypes.h>
#include <stdio.h>

#include "xlsx_writer.h"

static bool limit(double *v, size_t n, double p, double *out)
{
    if (n < 10) return false;
    *out = cs_percentile(v, n, p);
    return true;
}

int cs_comm_outlier_limits(const cs_comm_sum *s, cs_comm_limits *l, cs_err *err)
{
    memset(l, 0, sizeof *l);
    size_t n = cs_comm_time_rows(s) > cs_comm_bw_rows(s) ? cs_comm_time_rows(s) : cs_comm_bw_rows(s);
    double *wait = cs_xmalloc((n ? n : 1) * sizeof *wait), *sync = cs_xmalloc((n ? n : 1) * sizeof *sync);
    size_t k = 0;
    cs_comm_cursor at = {0};
    for (const cs_comm_time_row *r; (r = cs_comm_time_next(s, &at)) != NULL;) {
        if (!r->op_name) continue;
        wait[k] = r->wait_ratio;
        sync[k++] = r->sync_ratio;
    }
    l->has_wait = limit(wait, k, 0.9, &l->wait_p90);
    l->has_sync = limit(sync, k, 0.9, &l->sync_p90);
    bool failed = at.failed;
    if (failed) cs_fail(err, "%s", at.err.msg);
    k = 0;
    at = (cs_comm_cursor){0};
    for (const cs_comm_bw_row *r; !failed && (r = cs_comm_bw_next(s, &at)) != NULL;)
        if (r->op_name) wait[k++] = r->bandwidth;
    if (!failed && at.failed) failed = cs_fail(err, "%s", at.err.msg) != 0;
    l->has_bandwidth = limit(wait, k, 0.1, &l->bandwidth_p10);
    free(wait);
    free(sync);
    return failed ? -1 : 0;
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

size_t cs_table_matrix_heatmap(const cs_matrix_total *tot, size_t ntot, cs_owned_columns *cols, cs_table *t)
{
    int64_t *ranks;
    size_t n = grid_ranks(tot, ntot, &ranks);
    double *size = cs_xcalloc(n * n + 1, sizeof *size), *time = cs_xcalloc(n * n + 1, sizeof *time);
    for (size_t i = 0; i < ntot; i++) {
        const cs_matrix_total *r = &tot[i];
        size_t cell = index_of(ranks, n, r->src) * n + index_of(ranks, n, r->dst);
        size[cell] += r->size_mb;
        time[cell] += r->time_ms;
    }
    cols->ncols = n + 1;
    cols->cols = cs_xmalloc((n + 1) * sizeof *cols->cols);
    cols->names = cs_xmalloc((n + 1) * sizeof *cols->names);
    cols->nnames = 0;
    cs_column corner = {"src_dst", "TEXT", "src\\dst"};
    cols->cols[0] = corner;
    for (size_t d = 0; d < n; d++) {
        char *name = cs_xasprintf("Rank %" PRId64, ranks[d]);
        cols->names[cols->nnames++] = name;
        cs_column c = {name, "REAL", name};
        cols->cols[d + 1] = c;
    }
    cs_table_init(t, "MatrixHeatMap", cols->cols, cols->ncols);
    for (size_t src = 0; src < n; src++) {
        cs_table_add_text(t, cols->names[src]);
        for (size_t d = 0; d < n; d++) {
            size_t cell = src * n + d;
            if (src == d || time[cell] == 0) cs_table_add_null(t);
            else cs_table_add_real(t, size[cell] / time[cell]);
        }
    }
    free(size);
    free(time);
    free(ranks);
    return n;
}
