/*
** clock_skew.c — host clock offsets by breadth-first chaining of per-instance
** leave-time samples (analyses.md §8.4).
*/
#include "clock_skew.h"

#include <math.h>
#include <stdio.h>

#define NO_HOST UINT32_MAX

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static int cmp_f64(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int64_t cs_median_i64(int64_t *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_i64);
    if (n % 2) return v[n / 2];
    int64_t a = v[n / 2 - 1], b = v[n / 2];
    return a + (b - a) / 2;
}

double cs_median_f64(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_f64);
    if (n % 2) return v[n / 2];
    return (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

static int cmp_member(const void *a, const void *b)
{
    const cs_skew_member *x = a, *y = b;
    if (x->host != y->host) return x->host < y->host ? -1 : 1;
    return x->leave_ns < y->leave_ns ? -1 : x->leave_ns > y->leave_ns;
}

/* A sample of host h against its parent from one instance. */
typedef struct skew_sample {
    uint32_t host;
    int64_t value;          /* median leave on h − median leave on parent(h) */
    size_t instance;
} skew_sample;

static int cmp_sample(const void *a, const void *b)
{
    const skew_sample *x = a, *y = b;
    if (x->host != y->host) return x->host < y->host ? -1 : 1;
    if (x->value != y->value) return x->value < y->value ? -1 : 1;
    return x->instance < y->instance ? -1 : x->instance > y->instance;
}

/* Per-host medians of one instance's members, sorted by (host, leave). */
typedef struct host_median {
    uint32_t host;
    int64_t leave_ns;
} host_median;

/* Copies instance i's members into tmp sorted by (host, leave) and returns
** their number. */
static size_t sorted_members(const cs_skew_member *members, const size_t *first, size_t i,
                             cs_skew_member *tmp)
{
    size_t n = first[i + 1] - first[i];
    memcpy(tmp, members + first[i], n * sizeof *tmp);
    qsort(tmp, n, sizeof *tmp, cmp_member);
    return n;
}

/* Medians of the leave times per host of sorted members m[0..n) into hm;
** returns the number of hosts. */
static size_t host_medians(const cs_skew_member *m, size_t n, host_median *hm, int64_t *scratch)
{
    size_t nh = 0;
    for (size_t a = 0; a < n;) {
        size_t b = a;
        while (b < n && m[b].host == m[a].host) b++;
        for (size_t k = a; k < b; k++) scratch[k - a] = m[k].leave_ns;
        hm[nh].host = m[a].host;
        hm[nh].leave_ns = cs_median_i64(scratch, b - a);
        nh++;
        a = b;
    }
    return nh;
}

static const host_median *find_host(const host_median *hm, size_t nh, uint32_t host)
{
    size_t lo = 0, hi = nh;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (hm[mid].host < host) lo = mid + 1;
        else hi = mid;
    }
    return lo < nh && hm[lo].host == host ? &hm[lo] : NULL;
}

/* The undirected host graph "shares an instance" as CSR lists. */
typedef struct host_graph {
    size_t *first;          /* nhosts + 1 */
    uint32_t *adj;          /* neighbours, ascending per host */
} host_graph;

static void build_graph(size_t nhosts, const cs_skew_member *members, const size_t *first,
                        size_t ninstances, cs_skew_member *tmp, host_graph *g)
{
    CS_VEC(uint64_t) edges = {0};
    CS_VEC(uint32_t) prev = {0}, cur = {0};
    for (size_t i = 0; i < ninstances; i++) {
        size_t n = sorted_members(members, first, i, tmp);
        cur.len = 0;
        for (size_t k = 0; k < n; k++)
            if (k == 0 || tmp[k].host != tmp[k - 1].host) CS_VEC_PUSH(cur, tmp[k].host);
        if (cur.len < 2) continue;
        /* Consecutive instances of one group usually span the same hosts:
        ** their pairs are added once. */
        if (cur.len == prev.len && memcmp(cur.items, prev.items, cur.len * sizeof(uint32_t)) == 0)
            continue;
        for (size_t a = 0; a < cur.len; a++)
            for (size_t b = 0; b < cur.len; b++)
                if (a != b) CS_VEC_PUSH(edges, ((uint64_t)cur.items[a] << 32) | cur.items[b]);
        CS_VEC_RESERVE(prev, cur.len);
        memcpy(prev.items, cur.items, cur.len * sizeof(uint32_t));
        prev.len = cur.len;
    }
    if (edges.len) qsort(edges.items, edges.len, sizeof(uint64_t), cmp_u64);
    g->first = cs_xcalloc(nhosts + 1, sizeof(size_t));
    g->adj = cs_xmalloc((edges.len ? edges.len : 1) * sizeof(uint32_t));
    size_t nadj = 0;
    for (size_t k = 0; k < edges.len; k++) {
        if (k && edges.items[k] == edges.items[k - 1]) continue;
        uint32_t from = (uint32_t)(edges.items[k] >> 32);
        g->adj[nadj++] = (uint32_t)edges.items[k];
        g->first[from + 1]++;
    }
    for (size_t h = 0; h < nhosts; h++) g->first[h + 1] += g->first[h];
    free(edges.items);
    free(prev.items);
    free(cur.items);
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Breadth-first visit from ref: order[] receives the visited hosts, level by
** level, ascending index inside a level; visit_pos[h] its position
** (SIZE_MAX when not reached).  Returns the number visited. */
static size_t bfs(size_t nhosts, uint32_t ref, const host_graph *g, uint32_t *order,
                  size_t *visit_pos)
{
    for (size_t h = 0; h < nhosts; h++) visit_pos[h] = SIZE_MAX;
    size_t nvisited = 0, level_start = 0;
    order[nvisited] = ref;
    visit_pos[ref] = nvisited++;
    while (level_start < nvisited) {
        size_t level_end = nvisited;
        for (size_t k = level_start; k < level_end; k++) {
            uint32_t h = order[k];
            for (size_t e = g->first[h]; e < g->first[h + 1]; e++) {
                uint32_t n = g->adj[e];
                if (visit_pos[n] != SIZE_MAX) continue;
                visit_pos[n] = 0;   /* claimed; position fixed below */
                order[nvisited++] = n;
            }
        }
        qsort(order + level_end, nvisited - level_end, sizeof(uint32_t), cmp_u32);
        for (size_t k = level_end; k < nvisited; k++) visit_pos[order[k]] = k;
        level_start = level_end;
    }
    return nvisited;
}

void cs_clock_skew_compute(size_t nhosts, uint32_t ref_host,
                           const cs_skew_member *members, const size_t *first,
                           size_t ninstances, cs_skew_result *out)
{
    memset(out, 0, sizeof *out);
    out->nhosts = nhosts;
    out->hosts = cs_xcalloc(nhosts ? nhosts : 1, sizeof(cs_skew_host));
    for (size_t h = 0; h < nhosts; h++) {
        out->hosts[h].parent = NO_HOST;
        out->hosts[h].limit_us = 50.0;
    }
    if (nhosts == 0) return;

    size_t maxn = 1;
    for (size_t i = 0; i < ninstances; i++)
        if (first[i + 1] - first[i] > maxn) maxn = first[i + 1] - first[i];
    cs_skew_member *tmp = cs_xmalloc(maxn * sizeof *tmp);
    host_median *hm = cs_xmalloc(maxn * sizeof *hm);
    int64_t *scratch = cs_xmalloc(maxn * sizeof *scratch);

    host_graph g;
    build_graph(nhosts, members, first, ninstances, tmp, &g);
    uint32_t *order = cs_xmalloc(nhosts * sizeof *order);
    size_t *visit_pos = cs_xmalloc(nhosts * sizeof *visit_pos);
    size_t nvisited = bfs(nhosts, ref_host, &g, order, visit_pos);

    /* Parent: the earliest visited neighbour (it lies one level closer). */
    for (size_t k = 1; k < nvisited; k++) {
        uint32_t h = order[k], best = NO_HOST;
        for (size_t e = g.first[h]; e < g.first[h + 1]; e++) {
            uint32_t n = g.adj[e];
            if (best == NO_HOST || visit_pos[n] < visit_pos[best]) best = n;
        }
        out->hosts[h].parent = best;
    }
    for (size_t k = 0; k < nvisited; k++) out->hosts[order[k]].reached = true;
    out->hosts_unreached = (int64_t)(nhosts - nvisited);

    /* Samples of every reached host against its parent, one per instance. */
    CS_VEC(skew_sample) samples = {0};
    for (size_t i = 0; i < ninstances; i++) {
        size_t n = sorted_members(members, first, i, tmp);
        size_t nh = host_medians(tmp, n, hm, scratch);
        if (nh < 2) continue;
        if (!out->hosts[hm[0].host].reached) out->instances_uncorrected++;
        for (size_t k = 0; k < nh; k++) {
            uint32_t parent = out->hosts[hm[k].host].parent;
            if (parent == NO_HOST) continue;
            const host_median *p = find_host(hm, nh, parent);
            if (!p) continue;
            skew_sample s = {hm[k].host, hm[k].leave_ns - p->leave_ns, i};
            CS_VEC_PUSH(samples, s);
        }
    }
    if (samples.len) qsort(samples.items, samples.len, sizeof(skew_sample), cmp_sample);

    /* Median sample per host; offsets in visiting order (parents first). */
    int64_t *median = cs_xcalloc(nhosts, sizeof(int64_t));
    size_t *sample_first = cs_xcalloc(nhosts + 1, sizeof(size_t));
    for (size_t k = 0; k < samples.len; k++) sample_first[samples.items[k].host + 1]++;
    for (size_t h = 0; h < nhosts; h++) sample_first[h + 1] += sample_first[h];
    int64_t *values = cs_xmalloc((samples.len ? samples.len : 1) * sizeof(int64_t));
    for (size_t h = 0; h < nhosts; h++) {
        size_t a = sample_first[h], b = sample_first[h + 1];
        out->hosts[h].instances = (int64_t)(b - a);
        if (a == b) continue;
        for (size_t k = a; k < b; k++) values[k - a] = samples.items[k].value;
        median[h] = cs_median_i64(values, b - a);
    }
    for (size_t k = 1; k < nvisited; k++) {
        uint32_t h = order[k];
        out->hosts[h].offset_ns = out->hosts[out->hosts[h].parent].offset_ns + median[h];
    }

    /* Warning limit: the median Synchronization time (µs) of the member ops
    ** of the instances behind the offset, at least 50 µs. */
    CS_VEC(double) syncs = {0};
    for (size_t h = 0; h < nhosts; h++) {
        size_t a = sample_first[h], b = sample_first[h + 1];
        if (a == b) continue;
        syncs.len = 0;
        for (size_t k = a; k < b; k++) {
            size_t i = samples.items[k].instance;
            for (size_t m = first[i]; m < first[i + 1]; m++)
                if (!isnan(members[m].sync_ms)) CS_VEC_PUSH(syncs, members[m].sync_ms * 1000.0);
        }
        double limit = 50.0;
        if (syncs.len) {
            double med = cs_median_f64(syncs.items, syncs.len);
            if (med > limit) limit = med;
        }
        out->hosts[h].limit_us = limit;
        out->hosts[h].warn = fabs((double)out->hosts[h].offset_ns / 1000.0) > limit;
    }

    free(syncs.items);
    free(values);
    free(sample_first);
    free(median);
    free(samples.items);
    free(order);
    free(visit_pos);
    free(g.first);
    free(g.adj);
    free(tmp);
    free(hm);
    free(scratch);
}

char *cs_clock_skew_warning(int64_t offset_ns, double limit_us)
{
    return cs_xasprintf("clock offset %.1f us exceeds %.1f us; cross-host waits corrected",
                        (double)offset_ns / 1000.0, limit_us);
}

void cs_skew_result_free(cs_skew_result *r)
{
    if (!r) return;
    free(r->hosts);
    memset(r, 0, sizeof *r);
}
