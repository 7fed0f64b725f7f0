/*
** slow_rank.c — the slow_rank vote, describe_duration and the per-rank
** op durations (analyses.md §2.0, §2.e).
*/
#include "slow_rank.h"

#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>

/* ------------------------------------------------------------------ */
/* Per-rank op durations.                                              */

uint32_t cs_op_durs_name(cs_op_durs *d, const char *s)
{
    if (!s) return CS_OP_NO_NAME;
    /* a rank has few distinct names (groups, op types); op names repeat per
    ** step, so search from the most recent */
    for (size_t i = d->names.len; i-- > 0;)
        if (strcmp(d->names.items[i], s) == 0) return (uint32_t)i;
    char *copy = cs_xstrdup(s);
    CS_VEC_PUSH(d->names, copy);
    return (uint32_t)(d->names.len - 1);
}

const char *cs_op_durs_str(const cs_op_durs *d, uint32_t idx)
{
    return idx == CS_OP_NO_NAME || idx >= d->names.len ? NULL : d->names.items[idx];
}

void cs_op_durs_free(cs_op_durs *d)
{
    for (size_t i = 0; i < d->names.len; i++) free(d->names.items[i]);
    free(d->names.items);
    free(d->ops.items);
    memset(d, 0, sizeof *d);
}

void cs_op_durs_encode(const cs_op_durs *d, cs_encoder *e)
{
    cs_put_i64(e, (int64_t)d->names.len);
    for (size_t i = 0; i < d->names.len; i++) cs_put_str(e, d->names.items[i]);
    cs_put_i64(e, (int64_t)d->ops.len);
    for (size_t i = 0; i < d->ops.len; i++) {
        const cs_op_dur *o = &d->ops.items[i];
        cs_put_i64(e, o->group);
        cs_put_i64(e, o->name);
        cs_put_i64(e, o->type);
        cs_put_i64(e, o->start_ns);
        cs_put_i64(e, o->dur_ns);
    }
}

void cs_op_durs_decode(cs_decoder *d, cs_op_durs *out)
{
    memset(out, 0, sizeof *out);
    int64_t n = cs_get_i64(d);
    for (int64_t i = 0; i < n && !d->failed; i++) {
        char *s = cs_get_str_or_empty(d);
        CS_VEC_PUSH(out->names, s);
    }
    n = cs_get_i64(d);
    for (int64_t i = 0; i < n && !d->failed; i++) {
        cs_op_dur o;
        o.group = (uint32_t)cs_get_i64(d);
        o.name = (uint32_t)cs_get_i64(d);
        o.type = (uint32_t)cs_get_i64(d);
        o.start_ns = cs_get_i64(d);
        o.dur_ns = cs_get_i64(d);
        CS_VEC_PUSH(out->ops, o);
    }
}

/* ------------------------------------------------------------------ */
/* describe_duration.                                                  */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* numpy's pairwise summation (what pandas' Series.sum/mean use), in the
** order given. */
static double pairwise_sum(const double *a, size_t n)
{
    if (n < 8) {
        double s = 0.0;
        for (size_t i = 0; i < n; i++) s += a[i];
        return s;
    }
    if (n <= 128) {
        double r[8];
        for (int j = 0; j < 8; j++) r[j] = a[j];
        size_t i;
        for (i = 8; i < n - n % 8; i += 8)
            for (int j = 0; j < 8; j++) r[j] += a[i + j];
        double s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for (; i < n; i++) s += a[i];
        return s;
    }
    size_t n2 = n / 2;
    n2 -= n2 % 8;
    return pairwise_sum(a, n2) + pairwise_sum(a + n2, n - n2);
}

/* Linear interpolation (type 7) on sorted x, as numpy's lerp does it. */
static double quantile7(const double *x, size_t n, double p)
{
    double h = (double)(n - 1) * p;
    size_t lo = (size_t)floor(h);
    if (lo + 1 >= n) return x[n - 1];
    double t = h - (double)lo, a = x[lo], b = x[lo + 1], d = b - a;
    return t >= 0.5 ? b - d * (1.0 - t) : a + d * t;
}

void cs_describe_duration(const double *v, size_t n, cs_duration_stats *out)
{
    memset(out, 0, sizeof *out);
    if (n == 0) return;
    double *x = cs_xmalloc(n * sizeof *x);
    out->count = (int64_t)n;
    out->sum = pairwise_sum(v, n);
    out->mean = out->sum / (double)n;
    if (n > 1) {
        for (size_t i = 0; i < n; i++) x[i] = (v[i] - out->mean) * (v[i] - out->mean);
        out->std = sqrt(pairwise_sum(x, n) / (double)(n - 1));
        out->has_std = true;
    }
    memcpy(x, v, n * sizeof *x);
    qsort(x, n, sizeof *x, cmp_double);
    out->min = x[0];
    out->max = x[n - 1];
    out->q1 = quantile7(x, n, 0.25);
    out->median = n % 2 ? x[n / 2] : (x[n / 2 - 1] + x[n / 2]) / 2.0;
    out->q3 = quantile7(x, n, 0.75);
    free(x);
}

/* ------------------------------------------------------------------ */
/* The vote.                                                           */

/* One-sided Dixon critical values at 99.5 %, n = 3 .. 100 (DIXON_TABLE_995). */
static const double dixon_995[101] = {
    [3] = .994, [4] = .920, [5] = .823, [6] = .744, [7] = .680, [8] = .723, [9] = .676, [10] = .638,
    [11] = .707, [12] = .675, [13] = .649, [14] = .672, [15] = .649, [16] = .629, [17] = .611, [18] = .595,
    [19] = .580, [20] = .568, [21] = .556, [22] = .545, [23] = .536, [24] = .526, [25] = .519, [26] = .510,
    [27] = .503, [28] = .496, [29] = .489, [30] = .484, [31] = .478, [32] = .473, [33] = .468, [34] = .463,
    [35] = .458, [36] = .454, [37] = .450, [38] = .446, [39] = .442, [40] = .439, [41] = .435, [42] = .432,
    [43] = .429, [44] = .425, [45] = .423, [46] = .420, [47] = .417, [48] = .414, [49] = .412, [50] = .409,
    [51] = .407, [52] = .405, [53] = .402, [54] = .400, [55] = .398, [56] = .396, [57] = .394, [58] = .392,
    [59] = .391, [60] = .388, [61] = .387, [62] = .385, [63] = .383, [64] = .382, [65] = .380, [66] = .379,
    [67] = .377, [68] = .376, [69] = .374, [70] = .372, [71] = .371, [72] = .370, [73] = .368, [74] = .368,
    [75] = .366, [76] = .365, [77] = .364, [78] = .363, [79] = .361, [80] = .360, [81] = .359, [82] = .358,
    [83] = .356, [84] = .356, [85] = .355, [86] = .353, [87] = .352, [88] = .352, [89] = .351, [90] = .350,
    [91] = .349, [92] = .348, [93] = .347, [94] = .346, [95] = .345, [96] = .344, [97] = .344, [98] = .343,
    [99] = .341, [100] = .341};

static size_t first_min(const double *v, size_t n)
{
    size_t k = 0;
    for (size_t i = 1; i < n; i++)
        if (v[i] < v[k]) k = i;
    return k;
}

static double ratio(double num, double den) { return den != 0.0 ? num / den : 0.0; }

static size_t judge_dixon(const double *v, size_t n, size_t *out)
{
    if (n < 3) return 0;
    double *x = cs_xmalloc(n * sizeof *x);
    memcpy(x, v, n * sizeof *x);
    qsort(x, n, sizeof *x, cmp_double);
    size_t distinct = 1;
    for (size_t i = 1; i < n; i++) distinct += x[i] != x[i - 1];
    double r;
    if (n <= 7) r = ratio(x[1] - x[0], x[n - 1] - x[0]);
    else if (n <= 10) r = ratio(x[1] - x[0], x[n - 2] - x[0]);
    else if (n <= 13) r = ratio(x[2] - x[0], x[n - 2] - x[0]);
    else r = ratio(x[2] - x[0], x[n - 3] - x[0]);
    free(x);
    if (distinct <= 3 || !(r > dixon_995[n])) return 0;
    out[0] = first_min(v, n);
    return 1;
}

/* judge_norm: population statistics as numpy computes them. */
static size_t judge_norm(const double *v, size_t n, size_t *out)
{
    double *d = cs_xmalloc(n * sizeof *d);
    double mean = pairwise_sum(v, n) / (double)n;
    for (size_t i = 0; i < n; i++) d[i] = (v[i] - mean) * (v[i] - mean);
    double sd = sqrt(pairwise_sum(d, n) / (double)n);
    free(d);
    double low = mean - 3.0 * sd, high = mean + 3.0 * sd, max = v[0];
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i] > max) max = v[i];
        if (v[i] < low) out[k++] = i;
    }
    if (max > high) {
        size_t m = first_min(v, n);
        bool have = false;
        for (size_t i = 0; i < k; i++) have |= out[i] == m;
        if (!have) out[k++] = m;
    }
    return k;
}

size_t cs_judge_slow_rank(const double *v, size_t n, size_t *out)
{
    if (n == 0) return 0;
    return n <= 100 ? judge_dixon(v, n, out) : judge_norm(v, n, out);
}

/* A row of the vote: every rank's ops, in rank order then input order. */
typedef struct vrow {
    int64_t rank;
    const char *group, *name;
    int64_t start_ns;
    double time_us;
    size_t seq;
} vrow;

static bool contains_ci(const char *s, const char *needle)
{
    size_t n = strlen(needle);
    for (; *s; s++) {
        size_t k = 0;
        while (k < n && s[k] && tolower((unsigned char)s[k]) == needle[k]) k++;
        if (k == n) return true;
    }
    return false;
}

static int cmp_vrow(const void *a, const void *b)
{
    const vrow *x = a, *y = b;
    int c = strcmp(x->group, y->group);
    if (c == 0) c = strcmp(x->name, y->name);
    if (c == 0) c = x->seq < y->seq ? -1 : x->seq > y->seq;
    return c;
}

static int cmp_slow_op(const void *a, const void *b)
{
    const cs_slow_op_row *x = a, *y = b;
    if (x->timestamp_ns != y->timestamp_ns) return x->timestamp_ns < y->timestamp_ns ? -1 : 1;
    int c = strcmp(x->group_name, y->group_name);
    return c ? c : strcmp(x->op_name, y->op_name);
}

static int cmp_rank_row(const void *a, const void *b)
{
    const cs_slow_rank_row *x = a, *y = b;
    return x->rank < y->rank ? -1 : x->rank > y->rank;
}

static void vote(cs_slow_rank_result *out, int64_t rank)
{
    for (size_t i = 0; i < out->ranks.len; i++) {
        if (out->ranks.items[i].rank == rank) {
            out->ranks.items[i].count++;
            return;
        }
    }
    cs_slow_rank_row r = {rank, 1};
    CS_VEC_PUSH(out->ranks, r);
}

/* Votes on one (group, op name) run of rows. */
static void judge_run(const vrow *rows, size_t n, cs_slow_rank_result *out)
{
    double *t = cs_xmalloc(n * sizeof *t);
    size_t *flag = cs_xmalloc(n * sizeof *flag);
    for (size_t i = 0; i < n; i++) t[i] = rows[i].time_us;
    size_t k = cs_judge_slow_rank(t, n, flag);
    if (k) {
        cs_slow_op_row r;
        memset(&r, 0, sizeof r);
        size_t len = 0, cap = 32 * k;
        r.slow_ranks = cs_xmalloc(cap);
        r.slow_ranks[0] = '\0';
        for (size_t i = 0; i < k; i++) {
            const vrow *f = &rows[flag[i]];
            vote(out, f->rank);
            len += (size_t)snprintf(r.slow_ranks + len, cap - len, "%s%" PRId64, i ? "," : "", f->rank);
            if (i == 0 || f->start_ns < r.timestamp_ns) r.timestamp_ns = f->start_ns;
        }
        r.op_name = cs_xstrdup(rows[0].name);
        r.group_name = cs_xstrdup(rows[0].group);
        cs_describe_duration(t, n, &r.st);
        CS_VEC_PUSH(out->ops, r);
    }
    free(t);
    free(flag);
}

/* Whether every op name of the group run [rows, rows+n) occurs equally often. */
static bool counts_equal(const vrow *rows, size_t n)
{
    size_t first = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && strcmp(rows[j].name, rows[i].name) == 0) j++;
        if (i == 0) first = j - i;
        else if (j - i != first) return false;
        i = j;
    }
    return true;
}

void cs_slow_rank_compute(const cs_rank_op_durs *in, size_t n, cs_slow_rank_result *out)
{
    memset(out, 0, sizeof *out);
    CS_VEC(vrow) rows = {0};
    for (size_t r = 0; r < n; r++) {
        const cs_op_durs *d = in[r].ops;
        for (size_t i = 0; i < d->ops.len; i++) {
            const cs_op_dur *o = &d->ops.items[i];
            const char *group = cs_op_durs_str(d, o->group), *name = cs_op_durs_str(d, o->name);
            if (!group || !name || contains_ci(name, "send") || contains_ci(name, "receive")) continue;
            vrow v = {in[r].rank, group, name, o->start_ns, (double)o->dur_ns / 1000.0, rows.len};
            CS_VEC_PUSH(rows, v);
        }
    }
    if (rows.len) qsort(rows.items, rows.len, sizeof *rows.items, cmp_vrow);
    for (size_t i = 0; i < rows.len;) {
        size_t g = i;
        while (g < rows.len && strcmp(rows.items[g].group, rows.items[i].group) == 0) g++;
        if (!counts_equal(rows.items + i, g - i)) {
            out->groups_excluded++;
            i = g;
            continue;
        }
        while (i < g) {
            size_t j = i;
            while (j < g && strcmp(rows.items[j].name, rows.items[i].name) == 0) j++;
            judge_run(rows.items + i, j - i, out);
            i = j;
        }
    }
    free(rows.items);
    if (out->ranks.len) qsort(out->ranks.items, out->ranks.len, sizeof *out->ranks.items, cmp_rank_row);
    if (out->ops.len) qsort(out->ops.items, out->ops.len, sizeof *out->ops.items, cmp_slow_op);
}

void cs_slow_rank_result_free(cs_slow_rank_result *r)
{
    for (size_t i = 0; i < r->ops.len; i++) {
        free(r->ops.items[i].slow_ranks);
        free(r->ops.items[i].op_name);
        free(r->ops.items[i].group_name);
    }
    free(r->ops.items);
    free(r->ranks.items);
    memset(r, 0, sizeof *r);
}
