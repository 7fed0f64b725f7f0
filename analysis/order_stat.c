/*
** order_stat.c — radix selection of order statistics over passes (see
** order_stat.h).
*/
#include "order_stat.h"

#define DIGIT_BITS 16
#define DIGITS (1u << DIGIT_BITS)
#define LEVELS (64 / DIGIT_BITS)

/* One wanted order statistic: the index k in sorted order, and the high
** bits of its key fixed so far. */
typedef struct wanted {
    uint64_t k;             /* rank still to find among the values sharing prefix */
    uint64_t prefix;        /* the key's fixed high bits (level × 16 of them) */
    uint64_t *count;        /* DIGITS counters for the next digit */
} wanted;

/* A metric: its percentile, its value count, and the two statistics the
** percentile interpolates between (lo and lo + 1, or lo twice at the end). */
typedef struct metric {
    double p;
    uint64_t n;
    wanted w[2];
} metric;

struct cs_order_stats {
    metric *m;
    size_t nm;
    int level;              /* digits fixed so far: 0 .. LEVELS */
};

/* Doubles to unsigned keys in the same order: negatives flipped, positives
** above them.  −0 sorts just below +0; a NaN sorts by its sign bit (above
** +infinity or below −infinity): the tables hold finite values. */
static uint64_t key_of(double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    return u >> 63 ? ~u : u | (UINT64_C(1) << 63);
}

static double value_of(uint64_t key)
{
    uint64_t u = key >> 63 ? key & ~(UINT64_C(1) << 63) : ~key;
    double v;
    memcpy(&v, &u, sizeof v);
    return v;
}

cs_order_stats *cs_order_stats_new(size_t nmetrics, const double *p)
{
    cs_order_stats *s = cs_xcalloc(1, sizeof *s);
    s->nm = nmetrics;
    s->m = cs_xcalloc(nmetrics ? nmetrics : 1, sizeof *s->m);
    for (size_t i = 0; i < nmetrics; i++) {
        s->m[i].p = p[i];
        for (int t = 0; t < 2; t++) s->m[i].w[t].count = cs_xcalloc(DIGITS, sizeof(uint64_t));
    }
    return s;
}

void cs_order_stats_add(cs_order_stats *s, size_t m, double v)
{
    if (s->level >= LEVELS) return;     /* selection done: nothing left to count */
    metric *mt = &s->m[m];
    uint64_t key = key_of(v);
    if (s->level == 0) {
        /* the first pass counts the values and, for both statistics alike,
        ** the top digit (their prefixes are still empty) */
        mt->n++;
        mt->w[0].count[key >> (64 - DIGIT_BITS)]++;
        return;
    }
    int shift = 64 - DIGIT_BITS * s->level;
    for (int t = 0; t < 2; t++)
        if (key >> shift == mt->w[t].prefix)
            mt->w[t].count[(key >> (shift - DIGIT_BITS)) & (DIGITS - 1)]++;
}

/* Fixes the next digit of w from its counters and clears them.  (The bound
** only matters if a pass fed fewer values than the first: never past the
** counters.) */
static void fix_digit(wanted *w)
{
    uint64_t d = 0;
    while (d < DIGITS - 1 && w->count[d] <= w->k) w->k -= w->count[d++];
    w->prefix = (w->prefix << DIGIT_BITS) | d;
    memset(w->count, 0, DIGITS * sizeof *w->count);
}

/* After the first pass: the ranks wanted (type 7: h = (n − 1) p, between
** floor(h) and the next, or the last value), both starting from the top
** digit's shared counters. */
static void start_metric(metric *mt)
{
    if (mt->n == 0) return;
    double h = (double)(mt->n - 1) * mt->p;
    uint64_t lo = (uint64_t)h;
    mt->w[0].k = lo;
    mt->w[1].k = lo + 1 < mt->n ? lo + 1 : lo;
    memcpy(mt->w[1].count, mt->w[0].count, DIGITS * sizeof(uint64_t));
}

bool cs_order_stats_end_pass(cs_order_stats *s)
{
    if (s->level >= LEVELS) return false;
    for (size_t i = 0; i < s->nm; i++) {
        metric *mt = &s->m[i];
        if (s->level == 0) start_metric(mt);
        if (mt->n == 0) continue;
        for (int t = 0; t < 2; t++) fix_digit(&mt->w[t]);
    }
    s->level++;
    return s->level < LEVELS;
}

double cs_order_stats_percentile(const cs_order_stats *s, size_t m, size_t *n)
{
    const metric *mt = &s->m[m];
    *n = (size_t)mt->n;
    if (mt->n == 0) return 0.0;
    double h = (double)(mt->n - 1) * mt->p;
    uint64_t lo = (uint64_t)h;
    double a = value_of(mt->w[0].prefix), b = value_of(mt->w[1].prefix);
    if (lo + 1 >= mt->n) return a;
    return a + (h - (double)lo) * (b - a);
}

void cs_order_stats_free(cs_order_stats *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->nm; i++)
        for (int t = 0; t < 2; t++) free(s->m[i].w[t].count);
    free(s->m);
    free(s);
}
