/*
** straggler.c — cross-rank wait attribution (analyses.md §8.3) on per-op
** tuples, with the clock offsets of §8.4 applied first.
**
** Layout: interned strings; the wait set (build, encode); the
** per-rank tuple builder; the cluster computation in the order of §8.3
** (keys → instances → clock offsets → waits → reasons and root causes in
** processing order → per-rank totals → rows).
**
** Determinism (§8.5): nothing depends on the order of the input ops or on
** string ids.  Every sort has a total order on values (strings compared by
** bytes), floating sums run in the processing order of the instances, and
** medians are exact integer medians.
*/
#include "straggler.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>

#include "clock_skew.h"
#include "hccl_names.h"
#include "key_sort.h"
#include "wait_store.h"

#define NOISE_FLOOR_NS 20000    /* spread <= 20 µs: not attributed */
#define NONE32 UINT32_MAX

/* ------------------------------------------------------------------------
** Interned strings.
*/

static uint64_t str_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;      /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        h ^= *p;
        h *= 1099511628211ULL;
    }
    return h;
}

static void strings_grow(cs_wait_strings *t)
{
    size_t n = t->nslots ? t->nslots * 2 : 64;
    uint32_t *slots = cs_xcalloc(n, sizeof *slots);
    for (size_t id = 0; id < t->items.len; id++) {
        size_t i = (size_t)str_hash(t->items.items[id]) & (n - 1);
        while (slots[i]) i = (i + 1) & (n - 1);
        slots[i] = (uint32_t)id + 1;
    }
    free(t->slots);
    t->slots = slots;
    t->nslots = n;
}

static uint32_t strings_intern(cs_wait_strings *t, const char *s)
{
    if (!s) s = "";
    if ((t->items.len + 1) * 2 > t->nslots) strings_grow(t);
    size_t i = (size_t)str_hash(s) & (t->nslots - 1);
    while (t->slots[i]) {
        uint32_t id = t->slots[i] - 1;
        if (strcmp(t->items.items[id], s) == 0) return id;
        i = (i + 1) & (t->nslots - 1);
    }
    uint32_t id = (uint32_t)t->items.len;
    CS_VEC_PUSH(t->items, cs_xstrdup(s));
    t->slots[i] = id + 1;
    return id;
}

/* Interns s and returns the stored copy (stable for the table's life). */
static const char *strings_keep(cs_wait_strings *t, const char *s)
{
    uint32_t id = strings_intern(t, s);    /* may grow items: index after */
    return t->items.items[id];
}

static void strings_free(cs_wait_strings *t)
{
    for (size_t i = 0; i < t->items.len; i++) free(t->items.items[i]);
    free(t->items.items);
    free(t->slots);
    memset(t, 0, sizeof *t);
}

/* ------------------------------------------------------------------------
** The wait set.
*/

uint32_t cs_wait_set_intern(cs_wait_set *s, const char *str)
{
    return strings_intern(&s->strings, str);
}

const char *cs_wait_set_string(const cs_wait_set *s, uint32_t id)
{
    return id < s->strings.items.len ? s->strings.items.items[id] : "";
}

void cs_wait_set_add_rank(cs_wait_set *s, int64_t rank, const char *host_uid,
                          const char *host_name)
{
    cs_wait_rank r = {rank, cs_wait_set_intern(s, host_uid), cs_wait_set_intern(s, host_name)};
    CS_VEC_PUSH(s->ranks, r);
}

void cs_wait_set_encode(const cs_wait_set *s, cs_encoder *e)
{
    cs_put_i64(e, (int64_t)s->strings.items.len);
    for (size_t i = 0; i < s->strings.items.len; i++) cs_put_str(e, s->strings.items.items[i]);
    cs_put_i64(e, (int64_t)s->ranks.len);
    for (size_t i = 0; i < s->ranks.len; i++) {
        const cs_wait_rank *r = &s->ranks.items[i];
        cs_put_i64(e, r->rank);
        cs_put_i64(e, r->host_uid);
        cs_put_i64(e, r->host_name);
    }
    cs_put_i64(e, (int64_t)s->ops.len);
    for (size_t i = 0; i < s->ops.len; i++) {
        const cs_wait_op *o = &s->ops.items[i];
        cs_put_i64(e, o->rank);
        cs_put_i64(e, o->op_id);
        cs_put_i64(e, o->arrive_ns);
        cs_put_i64(e, o->leave_ns);
        cs_put_i64(e, o->launch_ns);
        cs_put_i64(e, o->ws_ns);
        cs_put_i64(e, o->busy_ns);
        cs_put_i64(e, o->idle_before_ns);
        cs_put_i64(e, o->step_id);
        cs_put_i64(e, o->rank_size);
        cs_put_f64(e, o->transit_ms);
        cs_put_f64(e, o->sync_ms);
        /* three 32-bit string ids and the step kind in two words */
        cs_put_i64(e, (int64_t)(((uint64_t)o->group << 32) | o->op_name));
        cs_put_i64(e, (int64_t)(((uint64_t)o->op_type << 32) | o->step_kind));
    }
}

int cs_wait_set_decode(cs_decoder *d, cs_wait_set *s)
{
    memset(s, 0, sizeof *s);
    int64_t nstr = cs_get_i64(d);
    if (d->failed || nstr < 0 || (uint64_t)nstr > (d->len - d->pos) / 8) goto bad;
    for (int64_t i = 0; i < nstr; i++) {
        char *str = cs_get_str(d);
        if (!str) goto bad;
        /* Strings were distinct when encoded, so ids are kept. */
        uint32_t id = cs_wait_set_intern(s, str);
        free(str);
        if (id != (uint32_t)i) goto bad;
    }
    int64_t nranks = cs_get_i64(d);
    if (d->failed || nranks < 0 || (uint64_t)nranks > (d->len - d->pos) / 24) goto bad;
    for (int64_t i = 0; i < nranks; i++) {
        cs_wait_rank r;
        r.rank = cs_get_i64(d);
        int64_t uid = cs_get_i64(d), name = cs_get_i64(d);
        if (d->failed || uid < 0 || uid >= nstr || name < 0 || name >= nstr) goto bad;
        r.host_uid = (uint32_t)uid;
        r.host_name = (uint32_t)name;
        CS_VEC_PUSH(s->ranks, r);
    }
    int64_t nops = cs_get_i64(d);
    if (d->failed || nops < 0 || (uint64_t)nops > (d->len - d->pos) / 112) goto bad;
    CS_VEC_RESERVE(s->ops, (size_t)nops);
    for (int64_t i = 0; i < nops; i++) {
        cs_wait_op o;
        o.rank = cs_get_i64(d);
        o.op_id = cs_get_i64(d);
        o.arrive_ns = cs_get_i64(d);
        o.leave_ns = cs_get_i64(d);
        o.launch_ns = cs_get_i64(d);
        o.ws_ns = cs_get_i64(d);
        o.busy_ns = cs_get_i64(d);
        o.idle_before_ns = cs_get_i64(d);
        o.step_id = cs_get_i64(d);
        o.rank_size = cs_get_i64(d);
        o.transit_ms = cs_get_f64(d);
        o.sync_ms = cs_get_f64(d);
        uint64_t w1 = (uint64_t)cs_get_i64(d), w2 = (uint64_t)cs_get_i64(d);
        o.group = (uint32_t)(w1 >> 32);
        o.op_name = (uint32_t)w1;
        o.op_type = (uint32_t)(w2 >> 32);
        o.step_kind = (uint8_t)(w2 & 0xFF);
        if (d->failed || o.group >= (uint64_t)nstr || o.op_name >= (uint64_t)nstr ||
            o.op_type >= (uint64_t)nstr || o.step_kind > CS_WAIT_STEP_ID)
            goto bad;
        s->ops.items[s->ops.len++] = o;
    }
    return 0;
bad:
    cs_wait_set_free(s);
    return -1;
}

void cs_wait_set_free(cs_wait_set *s)
{
    if (!s) return;
    strings_free(&s->strings);
    free(s->ranks.items);
    free(s->ops.items);
    memset(s, 0, sizeof *s);
}

/* ------------------------------------------------------------------------
** Per rank: raw records → tuples.
*/

static int cmp_launch(const void *a, const void *b)
{
    const cs_launch *x = a, *y = b;
    if (x->connection_id != y->connection_id) return x->connection_id < y->connection_id ? -1 : 1;
    return x->start < y->start ? -1 : x->start > y->start;
}

/* Index of the first window (in the given order) with START <= t <= END, or
** -1.  disjoint: the windows are sorted and pairwise disjoint, so a binary
** search finds the only candidate. */
static int64_t find_step(const cs_step *steps, size_t n, bool disjoint, int64_t t)
{
    if (disjoint) {
        size_t lo = 0, hi = n;      /* first window with START > t */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (steps[mid].start <= t) lo = mid + 1;
            else hi = mid;
        }
        return lo > 0 && t <= steps[lo - 1].end ? (int64_t)lo - 1 : -1;
    }
    for (size_t i = 0; i < n; i++)
        if (steps[i].start <= t && t <= steps[i].end) return (int64_t)i;
    return -1;
}

/* Length of the merged ranges m[0..n) before t; pre[k] = Σ lengths of m[0..k). */
static int64_t union_before(const cs_range *m, const int64_t *pre, size_t n, int64_t t)
{
    size_t lo = 0, hi = n;          /* number of ranges starting before t */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m[mid].start < t) lo = mid + 1;
        else hi = mid;
    }
    int64_t len = pre[lo];
    if (lo > 0 && m[lo - 1].end > t) len -= m[lo - 1].end - t;
    return len;
}

typedef struct rank_op_ref {
    uint32_t group;         /* string id (only equality matters) */
    int64_t step;           /* window index, -1 for none */
    int64_t start, op_id;
    size_t index;           /* into the raw ops */
} rank_op_ref;

static int cmp_rank_op_window(const void *a, const void *b)
{
    const rank_op_ref *x = a, *y = b;
    if (x->group != y->group) return x->group < y->group ? -1 : 1;
    if (x->step != y->step) return x->step < y->step ? -1 : 1;
    if (x->start != y->start) return x->start < y->start ? -1 : 1;
    if (x->op_id != y->op_id) return x->op_id < y->op_id ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

static int cmp_rank_op_start(const void *a, const void *b)
{
    const rank_op_ref *x = a, *y = b;
    if (x->start != y->start) return x->start < y->start ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

int cs_wait_set_add_rank_ops(cs_wait_set *s, const cs_wait_rank_input *in, cs_err *err)
{
    if ((!in->ops && in->nops) || (!in->steps && in->nsteps) || (!in->compute && in->ncompute) ||
        (!in->tasks && in->ntasks) || (!in->launches && in->nlaunches))
        return cs_fail(err, "straggler: rank %" PRId64 ": NULL array with a non-zero count", in->rank);
    cs_wait_set_add_rank(s, in->rank, in->host_uid, in->host_name);

    /* Tasks in start order (copied only when needed).  The sweep below
    ** keeps maxima, so the order of tasks with one start does not matter. */
    const cs_wait_task *tasks = in->tasks;
    cs_wait_task *task_copy = NULL;
    for (size_t i = 1; i < in->ntasks; i++) {
        if (in->tasks[i].start_ns < in->tasks[i - 1].start_ns) {
            task_copy = cs_xmalloc(in->ntasks * sizeof *task_copy);
            memcpy(task_copy, in->tasks, in->ntasks * sizeof *task_copy);
            cs_sort_by_i64_key(task_copy, in->ntasks, sizeof *task_copy, offsetof(cs_wait_task, start_ns));
            tasks = task_copy;
            break;
        }
    }

    /* Compute ranges merged, with prefix lengths. */
    cs_range *merged = cs_xmalloc((in->ncompute ? in->ncompute : 1) * sizeof *merged);
    if (in->ncompute) memcpy(merged, in->compute, in->ncompute * sizeof *merged);
    size_t nmerged = cs_ranges_merge(merged, in->ncompute);
    int64_t *pre = cs_xmalloc((nmerged + 1) * sizeof *pre);
    pre[0] = 0;
    for (size_t i = 0; i < nmerged; i++) pre[i + 1] = pre[i] + (merged[i].end - merged[i].start);

    /* Launches by connection id. */
    const cs_launch *launches = in->launches;
    cs_launch *launch_copy = NULL;
    for (size_t i = 1; i < in->nlaunches; i++) {
        if (cmp_launch(&in->launches[i - 1], &in->launches[i]) > 0) {
            launch_copy = cs_xmalloc(in->nlaunches * sizeof *launch_copy);
            memcpy(launch_copy, in->launches, in->nlaunches * sizeof *launch_copy);
            qsort(launch_copy, in->nlaunches, sizeof *launch_copy, cmp_launch);
            launches = launch_copy;
            break;
        }
    }

    bool disjoint = true;
    for (size_t i = 0; i < in->nsteps && disjoint; i++) {
        if (in->steps[i].start > in->steps[i].end) disjoint = false;
        if (i + 1 < in->nsteps && in->steps[i].end >= in->steps[i + 1].start) disjoint = false;
    }

    rank_op_ref *refs = cs_xmalloc((in->nops ? in->nops : 1) * sizeof *refs);
    size_t nrefs = 0;
    for (size_t i = 0; i < in->nops; i++) {
        const cs_wait_raw_op *o = &in->ops[i];
        if (!o->group_name) continue;
        rank_op_ref r = {cs_wait_set_intern(s, o->group_name),
                         find_step(in->steps, in->nsteps, disjoint, o->start_ns),
                         o->start_ns, o->op_id, i};
        refs[nrefs++] = r;
    }
    int64_t *ws = cs_xmalloc((in->nops ? in->nops : 1) * sizeof *ws);
    int64_t *step_of = cs_xmalloc((in->nops ? in->nops : 1) * sizeof *step_of);

    /* Window starts: previous op of the same group in the same step.  The
    ** ops in no step are one more "step" starting at the earliest task, so a
    ** rank's windows of one group never overlap (and the attribution's scan
    ** of earlier waits stays linear). */
    qsort(refs, nrefs, sizeof *refs, cmp_rank_op_window);
    for (size_t k = 0; k < nrefs; k++) {
        const rank_op_ref *r = &refs[k];
        step_of[r->index] = r->step;
        if (k > 0 && refs[k - 1].group == r->group && refs[k - 1].step == r->step)
            ws[r->index] = in->ops[refs[k - 1].index].end_ns;
        else if (r->step >= 0)
            ws[r->index] = in->steps[r->step].start;
        else
            ws[r->index] = in->ntasks ? tasks[0].start_ns : r->start;
    }

    /* Idle before each op: a sweep over the tasks in start order keeping the
    ** latest end and the latest end of any other connection id. */
    qsort(refs, nrefs, sizeof *refs, cmp_rank_op_start);
    CS_VEC_RESERVE(s->ops, s->ops.len + nrefs);
    int64_t max1 = INT64_MIN, max2 = INT64_MIN, conn1 = 0;
    bool have1 = false;
    size_t t = 0;
    for (size_t k = 0; k < nrefs; k++) {
        const cs_wait_raw_op *o = &in->ops[refs[k].index];
        for (; t < in->ntasks && tasks[t].start_ns < o->start_ns; t++) {
            int64_t e = tasks[t].end_ns, c = tasks[t].connection_id;
            if (have1 && c == conn1) {
                if (e > max1) max1 = e;
            } else if (!have1 || e > max1) {
                if (have1) max2 = max1;     /* conn1 != c: the old maximum is another id's */
                max1 = e;
                conn1 = c;
                have1 = true;
            } else if (e > max2) {
                max2 = e;
            }
        }
        int64_t latest = have1 && conn1 != o->connection_id ? max1 : max2;
        int64_t w = ws[refs[k].index];
        int64_t since = latest > w ? latest : w;
        int64_t idle = o->start_ns - since;

        int64_t busy = 0;
        if (w < o->start_ns)
            busy = union_before(merged, pre, nmerged, o->start_ns) -
                   union_before(merged, pre, nmerged, w);
        const cs_launch *l = cs_launch_find(launches, in->nlaunches, o->connection_id);

        int64_t step = step_of[refs[k].index];
        cs_wait_op op = {0};
        op.rank = in->rank;
        op.op_id = o->op_id;
        op.arrive_ns = o->start_ns;
        op.leave_ns = o->end_ns;
        op.launch_ns = l ? l->start : CS_WAIT_UNKNOWN_NS;
        op.ws_ns = w;
        op.busy_ns = busy;
        op.idle_before_ns = idle > 0 ? idle : 0;
        op.rank_size = o->rank_size;
        op.transit_ms = o->transit_ms;
        op.sync_ms = o->sync_ms;
        op.group = refs[k].group;
        op.op_name = cs_wait_set_intern(s, o->op_name);
        op.op_type = cs_wait_set_intern(s, o->op_type);
        if (step < 0) {
            op.step_kind = CS_WAIT_STEP_NONE;
        } else if (in->steps[step].has_id) {
            op.step_kind = CS_WAIT_STEP_ID;
            op.step_id = in->steps[step].id;
        } else {
            op.step_kind = CS_WAIT_STEP_NO_ID;
        }
        s->ops.items[s->ops.len++] = op;
    }

    free(refs);
    free(ws);
    free(step_of);
    free(pre);
    free(merged);
    free(task_copy);
    free(launch_copy);
    return 0;
}

/* ------------------------------------------------------------------------
** Keys.
*/

int64_t cs_wait_sequence_number(const char *op_name)
{
    if (!op_name) return -1;
    const char *end = strrchr(op_name, '_');    /* the field is [begin, end) */
    if (!end) return -1;                        /* one field only */
    const char *begin = end;
    while (begin > op_name && begin[-1] != '_') begin--;
    if (begin == end) return -1;
    int64_t v = 0;
    for (const char *p = begin; p < end; p++) {
        if (*p < '0' || *p > '9') return -1;
        if (v > (INT64_MAX - (*p - '0')) / 10) return -1;
        v = v * 10 + (*p - '0');
    }
    return v;
}

/* ------------------------------------------------------------------------
** Cluster computation, over the store (wait_store.h).
**
** Memory: the ops stay in spools.  What is held is per instance (a summary
** of ~100 bytes), per rank (sums, and the waits still inside one of its
** future windows) and per host.  Each phase reads the instances' member
** records back from the member spool, one instance at a time.
*/

enum { R_NONE = 0, R_PROPAGATED, R_COMPUTE, R_LAUNCH, R_TRANSFER, R_UNKNOWN };
enum { TOP_WAITS = 20 };
static const char *const reason_label[] = {"", "propagated", "compute", "launch", "transfer", "unknown"};

typedef struct str_ref {
    const char *a, *b;      /* compared in this order */
    uint32_t id;
} str_ref;

static int cmp_str_ref(const void *x, const void *y)
{
    const str_ref *p = x, *q = y;
    int c = strcmp(p->a, q->a);
    if (c) return c;
    c = strcmp(p->b, q->b);
    if (c) return c;
    return p->id < q->id ? -1 : p->id > q->id;
}

/* One instance: where its members are, its key and what the phases find. */
typedef struct wait_instance {
    uint64_t at;            /* its members' records in the member spool */
    uint32_t size, n;
    uint32_t group, type;
    int64_t num;
    int64_t expected;
    int64_t first_arrival, last_arrival;    /* corrected */
    int64_t caused_ns;      /* C, attributed instances only */
    int64_t step_id;        /* of the lowest member */
    uint32_t last;          /* member position of L (0..n-1), NONE32 if not attributed */
    uint32_t proc_pos;      /* position in processing order (attributed only) */
    uint64_t root_first;
    uint32_t root_n;
    uint32_t root_rank_idx;
    uint8_t step_kind;      /* of the lowest member */
    uint8_t reason;
    bool selected;          /* passes the --step_id filter */
} wait_instance;

/* One wait of a rank in an attributed instance where it was not last. */
typedef struct rank_wait {
    int64_t arrive;         /* corrected */
    int64_t wait;
    int64_t last_arrival;
    uint32_t proc_pos;
    uint32_t inst;
} rank_wait;

/* A rank's waits that a window not yet processed may still hold, sorted by
** (arrive, proc_pos) in items[head..len). */
typedef struct rank_waits {
    CS_VEC(rank_wait) v;
    size_t head;
    int64_t low;            /* no window processed from now on starts earlier */
} rank_waits;

/* "After processing position pos, rank rank_idx's windows start at low or
** later" (see window_bounds). */
typedef struct window_bound {
    uint32_t pos, rank_idx;
    int64_t low;
} window_bound;

/* One share of a root-cause distribution. */
typedef struct root_entry {
    uint32_t rank_idx;
    uint8_t reason;
    double weight;
} root_entry;

typedef struct root_part {
    uint32_t rank_idx;
    uint8_t reason;
    size_t seq;
    double weight;
} root_part;

typedef CS_VEC(root_part) root_parts;

static int cmp_root_part(const void *a, const void *b)
{
    const root_part *x = a, *y = b;
    if (x->rank_idx != y->rank_idx) return x->rank_idx < y->rank_idx ? -1 : 1;
    if (x->reason != y->reason) return x->reason < y->reason ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

typedef struct host_ref {
    const char *uid, *name;
    int64_t rank;
    uint32_t rank_idx;
} host_ref;

static int cmp_host_ref(const void *a, const void *b)
{
    const host_ref *x = a, *y = b;
    int c = strcmp(x->uid, y->uid);
    if (c) return c;
    return x->rank < y->rank ? -1 : x->rank > y->rank;
}

static int cmp_wait_rank(const void *a, const void *b)
{
    const cs_wait_rank *x = a, *y = b;
    return x->rank < y->rank ? -1 : x->rank > y->rank;
}

/* Step order of outputs.md §3: NULL first, then the id as a number ("step"
** without id = 0), then the no-id step before "step0". */
static int cmp_step(uint8_t ka, int64_t ia, uint8_t kb, int64_t ib)
{
    if ((ka == CS_WAIT_STEP_NONE) != (kb == CS_WAIT_STEP_NONE))
        return ka == CS_WAIT_STEP_NONE ? -1 : 1;
    if (ka == CS_WAIT_STEP_NONE) return 0;
    int64_t na = ka == CS_WAIT_STEP_ID ? ia : 0, nb = kb == CS_WAIT_STEP_ID ? ib : 0;
    if (na != nb) return na < nb ? -1 : 1;
    return ka < kb ? -1 : ka > kb;
}

/* The distinct groups lists and steps lists of one rank's ClusterStragglers
** row, kept sorted as they are found. */
typedef struct rank_step {
    uint8_t kind;
    int64_t id;
} rank_step;

typedef struct rank_lists {
    CS_VEC(const char *) groups;    /* by strcmp */
    CS_VEC(rank_step) steps;        /* by cmp_step */
} rank_lists;

/* Per-rank totals of ClusterStragglers, summed in processing order. */
typedef struct rank_sums {
    double caused;
    double label[4];        /* compute, launch, transfer, unknown */
    int64_t direct, suffered, nlast;
} rank_sums;

/* Member arrays of the instance in hand, sized for the largest instance. */
typedef struct member_scratch {
    const cs_wait_rec **rec;
    uint32_t *rank_idx;
    int64_t *arrive, *ws, *launch;          /* corrected */
    int64_t *wait, *waited, *busy, *dur, *tmp;
    double *transit, *ftmp;
} member_scratch;

typedef struct ctx {
    cs_wait_store *st;
    const cs_straggler_options *opt;
    cs_wait_rank *ranks;    /* sorted by rank */
    size_t nranks;
    uint32_t *host_of_rank; /* per rank index */
    size_t nhosts;
    uint32_t *host_rank_idx;/* per host: the rank whose uid/name it shows */
    int64_t *offset;        /* per rank index: its host's clock offset */
    cs_spool *members;      /* every instance's member records */
    CS_VEC(unsigned char) blob;     /* the instance in hand */
    member_scratch m;
    uint32_t maxn;
    CS_VEC(wait_instance) inst;     /* in key order */
    CS_VEC(cs_skew_member) skew_members;    /* instances across hosts only */
    CS_VEC(size_t) skew_first;
    CS_VEC(root_entry) roots;
    rank_waits *waits;      /* per rank index */
    rank_sums *sums;        /* per rank index */
    rank_lists *lists;      /* per rank index */
    const char **group_hash_text;   /* per store string id (groups only), in out->strings */
    const char **group_label;       /* per store string id: pg_name or hash text */
    cs_wait_instance_rec top[TOP_WAITS];    /* the largest waits so far (keep_top_wait) */
    size_t ntop;
} ctx;

static bool selected_step(const cs_straggler_options *opt, uint8_t kind, int64_t id)
{
    if (!opt || !opt->only_step) return true;
    return kind == CS_WAIT_STEP_ID && id == opt->step_id;
}

static const char *step_text(cs_straggler_result *out, uint8_t kind, int64_t id)
{
    char buf[32];
    if (kind == CS_WAIT_STEP_NONE) return NULL;
    if (kind == CS_WAIT_STEP_NO_ID) return strings_keep(&out->strings, "step");
    snprintf(buf, sizeof buf, "step%" PRId64, id);
    return strings_keep(&out->strings, buf);
}

static cs_spool *new_spool(const cs_straggler_options *opt)
{
    cs_spool *sp = opt && opt->new_spool ? opt->new_spool(opt->spool_arg) : NULL;
    return sp ? sp : cs_spool_memory();
}

/* The index of rank in c->ranks, or NONE32. */
static uint32_t rank_index(const ctx *c, int64_t rank)
{
    size_t lo = 0, hi = c->nranks;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->ranks[mid].rank < rank) lo = mid + 1;
        else hi = mid;
    }
    return lo < c->nranks && c->ranks[lo].rank == rank ? (uint32_t)lo : NONE32;
}

/* Ranks sorted and indexed; hosts numbered in (hostName, hostUid) order. */
static int index_ranks_and_hosts(ctx *c, cs_err *err)
{
    size_t n;
    const cs_wait_rank *given = cs_wait_store_ranks(c->st, &n);
    c->nranks = n;
    c->ranks = cs_xmalloc((n ? n : 1) * sizeof *c->ranks);
    if (n) memcpy(c->ranks, given, n * sizeof *c->ranks);
    qsort(c->ranks, n, sizeof *c->ranks, cmp_wait_rank);
    for (size_t i = 1; i < n; i++)
        if (c->ranks[i].rank == c->ranks[i - 1].rank)
            return cs_fail(err, "straggler: rank %" PRId64 " listed twice", c->ranks[i].rank);
    if (n >= NONE32) return cs_fail(err, "straggler: too many ranks");

    /* A host is a hostUid; it shows the name of its lowest rank. */
    host_ref *hr = cs_xmalloc((n ? n : 1) * sizeof *hr);
    for (size_t i = 0; i < n; i++) {
        hr[i].uid = cs_wait_store_string(c->st, c->ranks[i].host_uid);
        hr[i].name = cs_wait_store_string(c->st, c->ranks[i].host_name);
        hr[i].rank = c->ranks[i].rank;
        hr[i].rank_idx = (uint32_t)i;
    }
    qsort(hr, n, sizeof *hr, cmp_host_ref);
    str_ref *hosts = cs_xmalloc((n ? n : 1) * sizeof *hosts);
    uint32_t *uid_of = cs_xmalloc((n ? n : 1) * sizeof *uid_of);
    uint32_t *shown = cs_xmalloc((n ? n : 1) * sizeof *shown);
    size_t nh = 0;
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || strcmp(hr[i].uid, hr[i - 1].uid) != 0) {
            hosts[nh].a = hr[i].name;
            hosts[nh].b = hr[i].uid;
            hosts[nh].id = (uint32_t)nh;
            shown[nh] = hr[i].rank_idx;
            nh++;
        }
        uid_of[i] = (uint32_t)nh - 1;
    }
    qsort(hosts, nh, sizeof *hosts, cmp_str_ref);
    c->nhosts = nh;
    c->host_rank_idx = cs_xmalloc((nh ? nh : 1) * sizeof *c->host_rank_idx);
    c->host_of_rank = cs_xmalloc((n ? n : 1) * sizeof *c->host_of_rank);
    uint32_t *pos = cs_xmalloc((nh ? nh : 1) * sizeof *pos);
    for (size_t h = 0; h < nh; h++) {
        pos[hosts[h].id] = (uint32_t)h;
        c->host_rank_idx[h] = shown[hosts[h].id];
    }
    for (size_t i = 0; i < n; i++) c->host_of_rank[hr[i].rank_idx] = pos[uid_of[i]];
    free(pos);
    free(shown);
    free(uid_of);
    free(hosts);
    free(hr);
    return 0;
}

/* Orders the groups by (hash text, name) and the op types by name; fills
** the groups' hash texts and list labels (pg_name, else the hash). */
static void order_groups_and_types(ctx *c, cs_straggler_result *out, uint32_t *group_order,
                                   uint32_t *type_order)
{
    size_t nstr = cs_wait_store_nstrings(c->st);
    const cs_straggler_options *opt = c->opt;
    c->group_hash_text = cs_xcalloc(nstr ? nstr : 1, sizeof(char *));
    c->group_label = cs_xcalloc(nstr ? nstr : 1, sizeof(char *));
    str_ref *refs = cs_xmalloc((nstr ? nstr : 1) * sizeof *refs);
    size_t n = 0;
    for (uint32_t id = 0; id < nstr; id++) {
        if (!cs_wait_store_is_group(c->st, id)) continue;
        const char *name = cs_wait_store_string(c->st, id);
        char buf[32];
        snprintf(buf, sizeof buf, "%" PRIu64, cs_double_hash(name));
        const char *hash = strings_keep(&out->strings, buf);
        const char *label = hash;
        for (size_t g = 0; opt && g < opt->ngroups; g++) {
            const cs_parallel_group *pg = &opt->groups[g];
            if (pg->group_id && strcmp(pg->group_id, name) == 0) {
                if (pg->pg_name && pg->pg_name[0]) label = strings_keep(&out->strings, pg->pg_name);
                break;
            }
        }
        c->group_hash_text[id] = hash;
        c->group_label[id] = label;
        str_ref r = {hash, name, id};
        refs[n++] = r;
    }
    qsort(refs, n, sizeof *refs, cmp_str_ref);
    for (size_t k = 0; k < n; k++) group_order[refs[k].id] = (uint32_t)k;
    n = 0;
    for (uint32_t id = 0; id < nstr; id++) {
        if (!cs_wait_store_is_type(c->st, id)) continue;
        str_ref r = {cs_wait_store_string(c->st, id), "", id};
        refs[n++] = r;
    }
    qsort(refs, n, sizeof *refs, cmp_str_ref);
    for (size_t k = 0; k < n; k++) type_order[refs[k].id] = (uint32_t)k;
    free(refs);
}

/* ------------------------------------------------------------------------
** Instances and their members.
*/

/* Parses the member records of members[0..size) into c->m.rec and the rank
** indices; corrected times when the offsets are known. */
static int parse_members(ctx *c, const unsigned char *members, size_t size, uint32_t n, cs_err *err)
{
    size_t at = 0;
    for (uint32_t p = 0; p < n; p++) {
        if (size - at < sizeof(cs_wait_rec)) return cs_fail(err, "straggler: a parked instance is cut short");
        const cs_wait_rec *r = (const cs_wait_rec *)(members + at);
        at += cs_wait_rec_size(r);
        if (at > size) return cs_fail(err, "straggler: a parked instance is cut short");
        uint32_t ri = rank_index(c, r->op.rank);
        if (ri == NONE32)
            return cs_fail(err, "straggler: an op of rank %" PRId64 " but the rank is not listed", r->op.rank);
        c->m.rec[p] = r;
        c->m.rank_idx[p] = ri;
        int64_t off = c->offset ? c->offset[ri] : 0;
        c->m.arrive[p] = r->op.arrive_ns - off;
        c->m.ws[p] = r->op.ws_ns - off;
        c->m.launch[p] = r->op.launch_ns == CS_WAIT_UNKNOWN_NS ? CS_WAIT_UNKNOWN_NS : r->op.launch_ns - off;
    }
    return 0;
}

static void scratch_grow(member_scratch *m, uint32_t n)
{
    m->rec = cs_xrealloc(m->rec, n * sizeof *m->rec);
    m->rank_idx = cs_xrealloc(m->rank_idx, n * sizeof *m->rank_idx);
    int64_t **i64[] = {&m->arrive, &m->ws, &m->launch, &m->wait, &m->waited, &m->busy, &m->dur, &m->tmp};
    for (size_t k = 0; k < sizeof i64 / sizeof *i64; k++) *i64[k] = cs_xrealloc(*i64[k], n * sizeof(int64_t));
    m->transit = cs_xrealloc(m->transit, n * sizeof(double));
    m->ftmp = cs_xrealloc(m->ftmp, n * sizeof(double));
}

static void scratch_free(member_scratch *m)
{
    void *all[] = {(void *)m->rec, m->rank_idx, m->arrive, m->ws, m->launch, m->wait, m->waited,
                   m->busy, m->dur, m->tmp, m->transit, m->ftmp};
    for (size_t k = 0; k < sizeof all / sizeof *all; k++) free(all[k]);
}

/* Reads instance w's members back (c->m). */
static int load_instance(ctx *c, const wait_instance *w, cs_err *err)
{
    CS_VEC_RESERVE(c->blob, w->size);
    if (cs_spool_read(c->members, w->at, c->blob.items, w->size, err)) return -1;
    return parse_members(c, c->blob.items, w->size, w->n, err);
}

/* Keeps one formed instance: its members go to the member spool, its
** summary stays, and its leave times feed the clock offsets when it spans
** hosts (the only instances §8.4 samples). */
static int on_instance(void *arg, const cs_wait_key *key, const unsigned char *members, size_t size,
                       uint32_t n, cs_err *err)
{
    ctx *c = arg;
    if (n > c->maxn) {
        c->maxn = n;
        scratch_grow(&c->m, n);
    }
    if (c->inst.len >= NONE32) return cs_fail(err, "straggler: too many instances");
    if (size >= NONE32) return cs_fail(err, "straggler: an instance of %zu bytes of member records", size);
    if (parse_members(c, members, size, n, err)) return -1;
    const cs_wait_op *lo = &c->m.rec[0]->op;
    wait_instance w;
    memset(&w, 0, sizeof w);
    w.size = (uint32_t)size;
    w.n = n;
    w.group = key->group;
    w.type = key->type;
    w.num = key->num;
    w.expected = lo->rank_size > 0 && lo->rank_size < CS_INVALID_U32 ? lo->rank_size : (int64_t)n;
    w.step_kind = lo->step_kind;
    w.step_id = lo->step_id;
    w.last = NONE32;
    w.selected = selected_step(c->opt, lo->step_kind, lo->step_id);
    if (cs_spool_write(c->members, members, size, &w.at, err)) return -1;
    CS_VEC_PUSH(c->inst, w);

    bool across = false;
    for (uint32_t p = 1; p < n; p++)
        across |= c->host_of_rank[c->m.rank_idx[p]] != c->host_of_rank[c->m.rank_idx[0]];
    if (!across) return 0;
    CS_VEC_PUSH(c->skew_first, c->skew_members.len);
    for (uint32_t p = 0; p < n; p++) {
        cs_skew_member sm = {c->host_of_rank[c->m.rank_idx[p]], c->m.rec[p]->op.leave_ns,
                             c->m.rec[p]->op.sync_ms};
        CS_VEC_PUSH(c->skew_members, sm);
    }
    return 0;
}

/* §8.4: offsets from the instances across hosts; the offset of every rank. */
static void clock_offsets(ctx *c, cs_skew_result *skew)
{
    CS_VEC_PUSH(c->skew_first, c->skew_members.len);
    uint32_t ref = c->nranks ? c->host_of_rank[0] : 0;
    cs_clock_skew_compute(c->nhosts, ref, c->skew_members.items, c->skew_first.items,
                          c->skew_first.len - 1, skew);
    free(c->skew_members.items);
    free(c->skew_first.items);
    memset(&c->skew_members, 0, sizeof c->skew_members);
    memset(&c->skew_first, 0, sizeof c->skew_first);
    c->offset = cs_xmalloc((c->nranks ? c->nranks : 1) * sizeof *c->offset);
    for (size_t r = 0; r < c->nranks; r++) c->offset[r] = skew->hosts[c->host_of_rank[r]].offset_ns;
}

/* first/last arrival, the last rank L, the wait it caused, and what every
** member of a selected instance suffered. */
static int instance_spreads(ctx *c, cs_err *err)
{
    for (size_t i = 0; i < c->inst.len; i++) {
        wait_instance *w = &c->inst.items[i];
        if (load_instance(c, w, err)) return -1;
        int64_t lo = INT64_MAX, hi = INT64_MIN;
        uint32_t last = 0;
        for (uint32_t p = 0; p < w->n; p++) {
            int64_t t = c->m.arrive[p];
            if (t < lo) lo = t;
            if (t > hi) { hi = t; last = p; }     /* members are in rank order: ties → lowest rank */
        }
        w->first_arrival = lo;
        w->last_arrival = hi;
        if (w->n >= 2 && hi - lo > NOISE_FLOOR_NS) {
            w->last = last;
            for (uint32_t p = 0; p < w->n; p++) w->caused_ns += hi - c->m.arrive[p];
        }
        if (w->selected && w->n >= 2)
            for (uint32_t p = 0; p < w->n; p++) c->sums[c->m.rank_idx[p]].suffered += hi - c->m.arrive[p];
    }
    return 0;
}

typedef struct proc_ref {
    int64_t last_arrival;
    uint32_t group, type;
    int64_t num;
    uint32_t inst;
} proc_ref;

static int cmp_proc_ref(const void *a, const void *b)
{
    const proc_ref *x = a, *y = b;
    if (x->last_arrival != y->last_arrival) return x->last_arrival < y->last_arrival ? -1 : 1;
    if (x->group != y->group) return x->group < y->group ? -1 : 1;
    if (x->type != y->type) return x->type < y->type ? -1 : 1;
    if (x->num != y->num) return x->num < y->num ? -1 : 1;
    return x->inst < y->inst ? -1 : x->inst > y->inst;
}

/* The attributed instances in processing order (last_arrival, key). */
static uint32_t *processing_order(ctx *c, size_t *nproc)
{
    proc_ref *pr = cs_xmalloc((c->inst.len ? c->inst.len : 1) * sizeof *pr);
    size_t n = 0;
    for (size_t i = 0; i < c->inst.len; i++) {
        const wait_instance *w = &c->inst.items[i];
        if (w->last == NONE32) continue;
        proc_ref r = {w->last_arrival, w->group, w->type, w->num, (uint32_t)i};
        pr[n++] = r;
    }
    qsort(pr, n, sizeof *pr, cmp_proc_ref);
    uint32_t *order = cs_xmalloc((n ? n : 1) * sizeof *order);
    for (size_t k = 0; k < n; k++) {
        order[k] = pr[k].inst;
        c->inst.items[pr[k].inst].proc_pos = (uint32_t)k;
    }
    free(pr);
    *nproc = n;
    return order;
}

/*
** When a rank's waits can be let go.  A wait counts only inside the window
** [ws, arrive) of a member op processed after it, so a rank needs no wait
** that arrived before the earliest window start among its ops still to be
** processed.  Walking the processing order backwards gives, per rank, the
** positions where that bound moves: each bound is logged once (never more
** entries than member ops), and the sweep reads the log back forwards.
*/
static int window_bounds(ctx *c, const uint32_t *order, size_t nproc, cs_record_log *log, cs_err *err)
{
    int64_t *low = cs_xmalloc((c->nranks ? c->nranks : 1) * sizeof *low);
    for (size_t r = 0; r < c->nranks; r++) low[r] = INT64_MAX;
    int rc = 0;
    for (size_t k = nproc; k-- > 0 && rc == 0;) {
        const wait_instance *w = &c->inst.items[order[k]];
        rc = load_instance(c, w, err);
        for (uint32_t p = 0; p < w->n && rc == 0; p++) {
            uint32_t r = c->m.rank_idx[p];
            if (c->m.ws[p] >= low[r]) continue;
            window_bound b = {(uint32_t)k, r, low[r]};
            rc = cs_record_log_append(log, &b, err);
            low[r] = c->m.ws[p];
        }
    }
    if (rc == 0) rc = cs_record_log_flush(log, err);
    for (size_t r = 0; r < c->nranks; r++) c->waits[r].low = low[r];
    free(low);
    return rc;
}

/* Drops the waits of rank_waits rw that arrived before its bound. */
static void prune_waits(rank_waits *rw)
{
    while (rw->head < rw->v.len && rw->v.items[rw->head].arrive < rw->low) rw->head++;
    if (rw->head > 64 && rw->head * 2 > rw->v.len) {
        memmove(rw->v.items, rw->v.items + rw->head, (rw->v.len - rw->head) * sizeof(rank_wait));
        rw->v.len -= rw->head;
        rw->head = 0;
    }
}

static void insert_wait(rank_waits *rw, const rank_wait *x)
{
    if (x->arrive < rw->low) return;
    size_t lo = rw->head, hi = rw->v.len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const rank_wait *y = &rw->v.items[mid];
        if (y->arrive < x->arrive || (y->arrive == x->arrive && y->proc_pos < x->proc_pos)) lo = mid + 1;
        else hi = mid;
    }
    CS_VEC_RESERVE(rw->v, rw->v.len + 1);
    memmove(rw->v.items + lo + 1, rw->v.items + lo, (rw->v.len - lo) * sizeof(rank_wait));
    rw->v.items[lo] = *x;
    rw->v.len++;
}

/* Member p's rank's waits (of instances already processed) that arrived in
** p's window [ws, arrive): [*lo_out, return value).  wait_counts() applies
** the rest of test 0's conditions. */
static size_t window_waits(const ctx *c, uint32_t p, size_t *lo_out)
{
    const rank_waits *rw = &c->waits[c->m.rank_idx[p]];
    size_t lo = rw->head, hi = rw->v.len;
    int64_t ws = c->m.ws[p];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (rw->v.items[mid].arrive < ws) lo = mid + 1;
        else hi = mid;
    }
    *lo_out = lo;
    size_t end = lo;
    while (end < rw->v.len && rw->v.items[end].arrive < c->m.arrive[p]) end++;
    return end;
}

/* J's wait ended before p's rank arrived (a wait still running on another
** stream did not delay this arrival). */
static bool wait_counts(const rank_wait *rw, int64_t arrive)
{
    return rw->last_arrival <= arrive;
}

/* waited_r of §8.3 test 0 for member p; *any: at least one such J. */
static int64_t waited_of(const ctx *c, uint32_t p, bool *any)
{
    const rank_waits *rw = &c->waits[c->m.rank_idx[p]];
    size_t lo, end = window_waits(c, p, &lo);
    int64_t sum = 0;
    *any = false;
    for (size_t k = lo; k < end; k++) {
        if (!wait_counts(&rw->v.items[k], c->m.arrive[p])) continue;
        sum += rw->v.items[k].wait;
        *any = true;
    }
    return sum;
}

/* Median over the peers (every member but L) of v[0..n). */
static int64_t peer_median_i64(const int64_t *v, uint32_t n, uint32_t last, int64_t *scratch)
{
    size_t k = 0;
    for (uint32_t p = 0; p < n; p++)
        if (p != last) scratch[k++] = v[p];
    return cs_median_i64(scratch, k);
}

static double peer_median_f64(const double *v, uint32_t n, uint32_t last, double *scratch)
{
    size_t k = 0;
    for (uint32_t p = 0; p < n; p++)
        if (p != last) scratch[k++] = v[p];
    return cs_median_f64(scratch, k);
}

/* The reason of L in the attributed instance in hand (§8.3 tests 0–4). */
static uint8_t instance_reason(ctx *c, const wait_instance *w, bool *any_j)
{
    member_scratch *m = &c->m;
    uint32_t n = w->n, L = w->last;
    bool launch_known = true, transit_known = true;
    for (uint32_t p = 0; p < n; p++) {
        const cs_wait_op *o = &m->rec[p]->op;
        bool any = false;
        m->wait[p] = w->last_arrival - m->arrive[p];
        m->waited[p] = waited_of(c, p, &any);
        if (p == L) *any_j = any;
        m->busy[p] = o->busy_ns;
        m->dur[p] = o->leave_ns - o->arrive_ns;
        m->transit[p] = o->transit_ms;
        if (m->launch[p] == CS_WAIT_UNKNOWN_NS) launch_known = false;
        if (isnan(o->transit_ms)) transit_known = false;
    }
    int64_t W = peer_median_i64(m->wait, n, L, m->tmp);
    /* x − median > 0.5 W, in integers: 2 (x − median) > W */
    if (*any_j && 2 * (m->waited[L] - peer_median_i64(m->waited, n, L, m->tmp)) > W)
        return R_PROPAGATED;
    if (2 * (m->busy[L] - peer_median_i64(m->busy, n, L, m->tmp)) > W) return R_COMPUTE;
    if (launch_known && 2 * (m->launch[L] - peer_median_i64(m->launch, n, L, m->tmp)) > W &&
        2 * m->rec[L]->op.idle_before_ns > W)
        return R_LAUNCH;
    if (transit_known) {
        for (uint32_t p = 0; p < n; p++) m->tmp[p] = m->dur[p];
        int64_t dur = cs_median_i64(m->tmp, n);
        int64_t spread = w->last_arrival - w->first_arrival;
        /* spread < 0.1 × median(leave − arrive) */
        if (10 * spread < dur &&
            m->transit[L] > 1.5 * peer_median_f64(m->transit, n, L, m->ftmp))
            return R_TRANSFER;
    }
    return R_UNKNOWN;
}

/* root(I) of a propagated instance: Σ_J (wait_L(J) / waited_L) × root(J),
** shares summed per (rank, reason) in the order of the J (by arrival). */
static void propagate_root(ctx *c, wait_instance *w, root_parts *parts)
{
    const rank_waits *rws = &c->waits[c->m.rank_idx[w->last]];
    int64_t arrive = c->m.arrive[w->last];
    size_t lo, end = window_waits(c, w->last, &lo);
    int64_t waited = 0;
    for (size_t k = lo; k < end; k++)
        if (wait_counts(&rws->v.items[k], arrive)) waited += rws->v.items[k].wait;
    parts->len = 0;
    size_t seq = 0;
    for (size_t k = lo; k < end; k++) {
        const rank_wait *rw = &rws->v.items[k];
        if (!wait_counts(rw, arrive) || rw->wait == 0) continue;
        double share = (double)rw->wait / (double)waited;
        const wait_instance *j = &c->inst.items[rw->inst];
        for (size_t e = 0; e < j->root_n; e++) {
            const root_entry *re = &c->roots.items[j->root_first + e];
            root_part p = {re->rank_idx, re->reason, seq++, share * re->weight};
            CS_VEC_PUSH(*parts, p);
        }
    }
    if (parts->len) qsort(parts->items, parts->len, sizeof(root_part), cmp_root_part);
    w->root_first = c->roots.len;
    for (size_t k = 0; k < parts->len;) {
        root_entry e = {parts->items[k].rank_idx, parts->items[k].reason, 0.0};
        size_t j = k;
        for (; j < parts->len && parts->items[j].rank_idx == e.rank_idx &&
               parts->items[j].reason == e.reason; j++)
            e.weight += parts->items[j].weight;
        if (e.weight > 0) CS_VEC_PUSH(c->roots, e);
        k = j;
    }
    w->root_n = (uint32_t)(c->roots.len - w->root_first);
}

/* Root rank: the largest share per rank (entries are sorted by rank); ties →
** lowest rank. */
static uint32_t root_rank(const ctx *c, const wait_instance *w)
{
    double best = -1.0;
    uint32_t best_rank = c->m.rank_idx[w->last];
    for (size_t e = 0; e < w->root_n;) {
        uint32_t r = c->roots.items[w->root_first + e].rank_idx;
        double sum = 0.0;
        for (; e < w->root_n && c->roots.items[w->root_first + e].rank_idx == r; e++)
            sum += c->roots.items[w->root_first + e].weight;
        if (sum > best) { best = sum; best_rank = r; }
    }
    return best_rank;
}

static void add_group(rank_lists *l, const char *text)
{
    size_t lo = 0, hi = l->groups.len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int d = strcmp(l->groups.items[mid], text);
        if (d == 0) return;
        if (d < 0) lo = mid + 1;
        else hi = mid;
    }
    CS_VEC_RESERVE(l->groups, l->groups.len + 1);
    memmove(l->groups.items + lo + 1, l->groups.items + lo, (l->groups.len - lo) * sizeof(char *));
    l->groups.items[lo] = text;
    l->groups.len++;
}

static void add_step(rank_lists *l, uint8_t kind, int64_t id)
{
    size_t lo = 0, hi = l->steps.len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int d = cmp_step(l->steps.items[mid].kind, l->steps.items[mid].id, kind, id);
        if (d == 0) return;
        if (d < 0) lo = mid + 1;
        else hi = mid;
    }
    rank_step s = {kind, id};
    CS_VEC_RESERVE(l->steps, l->steps.len + 1);
    memmove(l->steps.items + lo + 1, l->steps.items + lo, (l->steps.len - lo) * sizeof(rank_step));
    l->steps.items[lo] = s;
    l->steps.len++;
}

/* ClusterStragglers sums of one selected attributed instance.  Floating
** sums run in processing order, in ns (see straggler_rows). */
static void add_to_sums(ctx *c, const wait_instance *w)
{
    double C = (double)w->caused_ns;
    for (size_t e = 0; e < w->root_n;) {
        uint32_t r = c->roots.items[w->root_first + e].rank_idx;
        double sum = 0.0;
        for (; e < w->root_n && c->roots.items[w->root_first + e].rank_idx == r; e++) {
            const root_entry *re = &c->roots.items[w->root_first + e];
            sum += re->weight;
            c->sums[r].label[re->reason - R_COMPUTE] += C * re->weight;
        }
        c->sums[r].caused += C * sum;
    }
    uint32_t L = c->m.rank_idx[w->last];
    c->sums[L].direct += w->caused_ns;
    c->sums[L].nlast++;
    add_group(&c->lists[L], c->group_label[c->m.rec[0]->op.group]);
    if (w->step_kind != CS_WAIT_STEP_NONE) add_step(&c->lists[L], w->step_kind, w->step_id);
}

/* Reason, root cause and sums of the instance at processing position k,
** then its waits join their ranks'. */
static void attribute_one(ctx *c, wait_instance *w, uint32_t k, root_parts *parts)
{
    bool any_j = false;
    w->reason = instance_reason(c, w, &any_j);
    if (w->reason == R_PROPAGATED) {
        propagate_root(c, w, parts);
    } else {
        root_entry e = {c->m.rank_idx[w->last], w->reason, 1.0};
        w->root_first = c->roots.len;
        w->root_n = 1;
        CS_VEC_PUSH(c->roots, e);
    }
    w->root_rank_idx = root_rank(c, w);
    if (w->selected) add_to_sums(c, w);
    for (uint32_t p = 0; p < w->n; p++) {
        if (p == w->last) continue;
        rank_wait rw = {c->m.arrive[p], w->last_arrival - c->m.arrive[p], w->last_arrival, k,
                        (uint32_t)(w - c->inst.items)};
        insert_wait(&c->waits[c->m.rank_idx[p]], &rw);
    }
}

/* The window bounds log read backwards (it holds positions in descending
** order), a chunk at a time. */
typedef struct bound_reader {
    const cs_record_log *log;
    size_t left, n;         /* records [0, left) unread; chunk[0, n) pending */
    window_bound chunk[256];
} bound_reader;

/* The next bound logged at position pos, or NULL (none left there, or a
** read error: *rc = -1). */
static const window_bound *next_bound(bound_reader *br, size_t pos, int *rc, cs_err *err)
{
    if (br->n == 0 && br->left) {
        br->n = br->left < 256 ? br->left : 256;
        br->left -= br->n;
        if (cs_record_log_read(br->log, br->left, br->n, br->chunk, err)) {
            br->n = br->left = 0;
            *rc = -1;
            return NULL;
        }
    }
    if (br->n == 0 || br->chunk[br->n - 1].pos != pos) return NULL;
    return &br->chunk[--br->n];
}

/* Reasons and root causes of every attributed instance, in processing
** order (which puts every J of test 0 before the instance it delays), with
** each rank's waits let go once no later window can hold them. */
static int attribute(ctx *c, const uint32_t *order, size_t nproc, cs_err *err)
{
    cs_record_log bounds;
    cs_record_log_init(&bounds, new_spool(c->opt), sizeof(window_bound));
    int rc = window_bounds(c, order, nproc, &bounds, err);
    root_parts parts = {0};
    bound_reader br = {&bounds, bounds.count, 0, {{0}}};
    for (size_t k = 0; k < nproc && rc == 0; k++) {
        wait_instance *w = &c->inst.items[order[k]];
        rc = load_instance(c, w, err);
        if (rc) break;
        attribute_one(c, w, (uint32_t)k, &parts);
        const window_bound *b;
        while ((b = next_bound(&br, k, &rc, err)) != NULL) {
            c->waits[b->rank_idx].low = b->low;
            prune_waits(&c->waits[b->rank_idx]);
        }
    }
    free(parts.items);
    cs_record_log_free(&bounds);
    return rc;
}

/* ------------------------------------------------------------------------
** Rows.
*/

/* Joins texts[0..n) with ";" into out's strings. */
static const char *join(cs_straggler_result *out, const char *const *texts, size_t n)
{
    size_t len = 1;
    for (size_t i = 0; i < n; i++) len += strlen(texts[i]) + 1;
    char *buf = cs_xmalloc(len), *p = buf;
    for (size_t i = 0; i < n; i++) {
        if (i) *p++ = ';';
        size_t l = strlen(texts[i]);
        memcpy(p, texts[i], l);
        p += l;
    }
    *p = '\0';
    const char *kept = strings_keep(&out->strings, buf);
    free(buf);
    return kept;
}

static int cmp_straggler_row(const void *a, const void *b)
{
    const cs_straggler_row *x = a, *y = b;
    if (x->wait_caused_us != y->wait_caused_us) return x->wait_caused_us > y->wait_caused_us ? -1 : 1;
    return x->rank < y->rank ? -1 : x->rank > y->rank;
}

/* ClusterStragglers from the per-rank sums (divided by 1000 once at the
** end: a rank that only caused waits directly gets exactly its direct
** total). */
static void straggler_rows(ctx *c, cs_straggler_result *out)
{
    CS_VEC(const char *) texts = {0};
    for (size_t r = 0; r < c->nranks; r++) {
        const rank_sums *s = &c->sums[r];
        const rank_lists *l = &c->lists[r];
        cs_straggler_row row = {0};
        row.rank = c->ranks[r].rank;
        row.wait_caused_us = s->caused / 1000.0;
        row.wait_caused_direct_us = (double)s->direct / 1000.0;
        row.wait_suffered_us = (double)s->suffered / 1000.0;
        row.instances_last = s->nlast;
        /* equal sums: compute, launch, transfer, unknown in that order */
        int best = -1;
        for (int k = 0; k < 4; k++)
            if (s->label[k] > 0 && (best < 0 || s->label[k] > s->label[best])) best = k;
        row.reason = best < 0 ? "" : reason_label[R_COMPUTE + best];
        row.groups = join(out, l->groups.items, l->groups.len);
        texts.len = 0;
        for (size_t i = 0; i < l->steps.len; i++)
            CS_VEC_PUSH(texts, step_text(out, l->steps.items[i].kind, l->steps.items[i].id));
        row.steps = join(out, texts.items, texts.len);
        CS_VEC_PUSH(out->stragglers, row);
    }
    if (out->stragglers.len)
        qsort(out->stragglers.items, out->stragglers.len, sizeof(cs_straggler_row), cmp_straggler_row);
    free(texts.items);
}

typedef struct row_ref {
    uint8_t step_kind;
    int64_t step_id;
    uint32_t group, type;
    int64_t num;
    uint32_t inst;
} row_ref;

static int cmp_row_ref(const void *a, const void *b)
{
    const row_ref *x = a, *y = b;
    int c = cmp_step(x->step_kind, x->step_id, y->step_kind, y->step_id);
    if (c) return c;
    if (x->group != y->group) return x->group < y->group ? -1 : 1;
    if (x->type != y->type) return x->type < y->type ? -1 : 1;
    if (x->num != y->num) return x->num < y->num ? -1 : 1;
    return x->inst < y->inst ? -1 : x->inst > y->inst;
}

/* An op name for a logged row: inline when it fits (*inline_buf), else kept
** in out's strings; the row's pointer is NULL for inline. */
static const char *row_name(cs_straggler_result *out, const char *name, char *inline_buf)
{
    size_t len = strlen(name);
    if (len < CS_WAIT_NAME_INLINE) {
        memcpy(inline_buf, name, len + 1);
        return NULL;
    }
    return strings_keep(&out->strings, name);
}

static int add_detail(cs_straggler_result *out, const cs_wait_detail_row *d, cs_err *err)
{
    out->ndetails++;
    if (!out->detail_log.spool) {
        cs_wait_detail_row kept = *d;
        kept.op_name = strings_keep(&out->strings, d->op_name);
        CS_VEC_PUSH(out->details, kept);
        return 0;
    }
    cs_wait_detail_rec rec;
    memset(&rec, 0, sizeof rec);
    rec.row = *d;
    rec.row.op_name = row_name(out, d->op_name, rec.name);
    return cs_record_log_append(&out->detail_log, &rec, err);
}

/* The 20 instances with the largest wait caused (> 0), ties in table order:
** kept with their names inline until the last row, so that rows pushed out
** of the 20 leave nothing behind (a name too long to inline is kept in out's
** strings at once: row's points into the member records, which the next
** instance overwrites). */
static void keep_top_wait(ctx *c, cs_straggler_result *out, const cs_wait_instance_row *row)
{
    if (!(row->wait_caused_us > 0)) return;
    size_t n = c->ntop;
    if (n == TOP_WAITS && !(row->wait_caused_us > c->top[TOP_WAITS - 1].row.wait_caused_us)) return;
    size_t at = n;
    while (at > 0 && row->wait_caused_us > c->top[at - 1].row.wait_caused_us) at--;
    if (n == TOP_WAITS) n--;
    memmove(c->top + at + 1, c->top + at, (n - at) * sizeof *c->top);
    c->top[at].row = *row;
    c->top[at].row.op_name = row_name(out, row->op_name, c->top[at].name);
    c->ntop = n + 1;
}

/* out's top_waits from the kept rows: their names interned now. */
static void top_wait_rows(ctx *c, cs_straggler_result *out)
{
    for (size_t i = 0; i < c->ntop; i++) {
        cs_wait_instance_row row = c->top[i].row;
        row.op_name = strings_keep(&out->strings, row.op_name ? row.op_name : c->top[i].name);
        CS_VEC_PUSH(out->top_waits, row);
    }
}

static int add_instance_row(ctx *c, cs_straggler_result *out, const cs_wait_instance_row *row, cs_err *err)
{
    out->ninstances++;
    keep_top_wait(c, out, row);
    if (!out->instance_log.spool) {
        cs_wait_instance_row kept = *row;
        kept.op_name = strings_keep(&out->strings, row->op_name);
        CS_VEC_PUSH(out->instances, kept);
        return 0;
    }
    cs_wait_instance_rec rec;
    memset(&rec, 0, sizeof rec);
    rec.row = *row;
    rec.row.op_name = row_name(out, row->op_name, rec.name);
    return cs_record_log_append(&out->instance_log, &rec, err);
}

/* The ClusterWaitInstances row of the instance in hand, and its members'
** ClusterWaitDetail rows. */
static int emit_instance(ctx *c, const wait_instance *w, cs_straggler_result *out, cs_err *err)
{
    const cs_wait_op *lo = &c->m.rec[0]->op;
    cs_wait_instance_row row = {0};
    row.step = step_text(out, w->step_kind, w->step_id);
    row.group_name = c->group_hash_text[lo->group];
    row.op_name = cs_wait_rec_name(c->m.rec[0]);
    row.members = w->n;
    row.rank_size = w->expected;
    row.last_arrival_us = (double)(w->last_arrival - w->first_arrival) / 1000.0;
    row.reason = "";
    if (w->last != NONE32) {
        row.has_last_rank = true;
        row.last_rank = c->m.rec[w->last]->op.rank;
        row.wait_caused_us = (double)w->caused_ns / 1000.0;
        row.reason = reason_label[w->reason];
        row.has_root_rank = true;
        row.root_rank = c->ranks[w->root_rank_idx].rank;
        out->counts.attributed++;
        if (w->reason == R_PROPAGATED) out->counts.propagated++;
    }
    row.detail_first = out->ndetails;
    row.ndetail = w->n;
    int rc = 0;
    for (uint32_t p = 0; p < w->n && rc == 0; p++) {
        const cs_wait_op *o = &c->m.rec[p]->op;
        cs_wait_detail_row d = {0};
        d.step = row.step;
        d.group_name = row.group_name;
        d.op_name = cs_wait_rec_name(c->m.rec[p]);
        d.rank = o->rank;
        d.wait_us = (double)(w->last_arrival - c->m.arrive[p]) / 1000.0;
        d.has_sync = !isnan(o->sync_ms);
        d.synchronization_ms = d.has_sync ? o->sync_ms : 0.0;
        rc = add_detail(out, &d, err);
    }
    return rc ? rc : add_instance_row(c, out, &row, err);
}

/* ClusterWaitInstances and ClusterWaitDetail; the instance counts. */
static int instance_rows(ctx *c, cs_straggler_result *out, cs_err *err)
{
    int rc = 0;
    row_ref *refs = cs_xmalloc((c->inst.len ? c->inst.len : 1) * sizeof *refs);
    size_t n = 0;
    cs_straggler_counts *cnt = &out->counts;
    for (size_t i = 0; i < c->inst.len; i++) {
        const wait_instance *w = &c->inst.items[i];
        if (!w->selected) continue;
        if (w->n < 2) {
            cnt->one_member++;
            continue;
        }
        if ((int64_t)w->n < w->expected) cnt->incomplete++;
        if ((int64_t)w->n > w->expected) cnt->oversized++;
        row_ref r = {w->step_kind, w->step_id, w->group, w->type, w->num, (uint32_t)i};
        refs[n++] = r;
    }
    qsort(refs, n, sizeof *refs, cmp_row_ref);
    for (size_t k = 0; k < n && rc == 0; k++) {
        const wait_instance *w = &c->inst.items[refs[k].inst];
        rc = load_instance(c, w, err);
        if (rc == 0) rc = emit_instance(c, w, out, err);
    }
    cnt->instances = (int64_t)n;
    free(refs);
    top_wait_rows(c, out);
    if (rc == 0 && out->detail_log.spool) rc = cs_record_log_flush(&out->detail_log, err);
    if (rc == 0 && out->instance_log.spool) rc = cs_record_log_flush(&out->instance_log, err);
    return rc;
}

/* ClusterClockOffsets, hosts in (hostName, hostUid) order. */
static void offset_rows(ctx *c, const cs_skew_result *skew, cs_straggler_result *out)
{
    for (size_t h = 0; h < c->nhosts; h++) {
        const cs_wait_rank *r = &c->ranks[c->host_rank_idx[h]];
        const cs_skew_host *sh = &skew->hosts[h];
        cs_clock_offset_row row = {0};
        row.host = strings_keep(&out->strings, cs_wait_store_string(c->st, r->host_name));
        row.host_uid = strings_keep(&out->strings, cs_wait_store_string(c->st, r->host_uid));
        row.has_offset = sh->reached;
        row.offset_ns = sh->offset_ns;
        row.offset_us = (double)sh->offset_ns / 1000.0;
        row.instances = sh->instances;
        row.warning = "";
        if (sh->reached && sh->warn) {
            char *text = cs_clock_skew_warning(sh->offset_ns, sh->limit_us);
            row.warning = strings_keep(&out->strings, text);
            free(text);
        }
        CS_VEC_PUSH(out->offsets, row);
    }
    out->counts.hosts_unreached = skew->hosts_unreached;
    out->counts.instances_uncorrected = skew->instances_uncorrected;
}

static void report_lines(const cs_straggler_result *out, cs_report *report)
{
    for (size_t h = 0; h < out->offsets.len; h++) {
        const cs_clock_offset_row *row = &out->offsets.items[h];
        if (!row->warning[0]) continue;
        cs_line l = {CS_LINE_CLOCK_SKEW, 0, (int64_t)h, cs_xstrdup("straggler"),
                     cs_xasprintf("host %s (%s): %s", row->host, row->host_uid, row->warning)};
        CS_VEC_PUSH(report->lines, l);
    }
    const cs_straggler_counts *n = &out->counts;
    if (n->one_member)
        cs_report_note(report, "straggler", "%" PRId64 " instances with one member (not attributed)",
                       n->one_member);
    if (n->incomplete)
        cs_report_note(report, "straggler",
                       "%" PRId64 " incomplete instances (fewer members than rankSize; "
                       "attributed among the present members)", n->incomplete);
    if (n->oversized)
        cs_report_note(report, "straggler",
                       "%" PRId64 " instances with more members than rankSize (attributed anyway)",
                       n->oversized);
    if (n->fallback_groups)
        cs_report_note(report, "straggler",
                       "%" PRId64 " groups without usable sequence numbers "
                       "(instances keyed by opType and position)", n->fallback_groups);
    if (n->hosts_unreached)
        cs_report_note(report, "straggler",
                       "%" PRId64 " hosts share no instance with the reference host's clock "
                       "(no offset; their times stay uncorrected)", n->hosts_unreached);
    if (n->instances_uncorrected)
        cs_report_note(report, "straggler",
                       "%" PRId64 " instances across hosts without a clock offset "
                       "(attributed on uncorrected times)", n->instances_uncorrected);
}

static void ctx_free(ctx *c)
{
    free(c->ranks);
    free(c->host_of_rank);
    free(c->host_rank_idx);
    free(c->offset);
    cs_spool_close(c->members);
    free(c->blob.items);
    scratch_free(&c->m);
    free(c->inst.items);
    free(c->skew_members.items);
    free(c->skew_first.items);
    free(c->roots.items);
    for (size_t r = 0; c->waits && r < c->nranks; r++) free(c->waits[r].v.items);
    for (size_t r = 0; c->lists && r < c->nranks; r++) {
        free(c->lists[r].groups.items);
        free(c->lists[r].steps.items);
    }
    free(c->waits);
    free(c->sums);
    free(c->lists);
    free(c->group_hash_text);
    free(c->group_label);
}

/* The phases of §8.3 and §8.4, in order. */
static int compute(ctx *c, cs_straggler_result *out, cs_report *report, cs_err *err)
{
    size_t nstr = cs_wait_store_nstrings(c->st), nproc = 0;
    uint32_t *group_order = cs_xcalloc(nstr ? nstr : 1, sizeof(uint32_t));
    uint32_t *type_order = cs_xcalloc(nstr ? nstr : 1, sizeof(uint32_t));
    uint32_t *order = NULL;
    cs_skew_result skew;
    memset(&skew, 0, sizeof skew);
    int rc = -1;

    if (index_ranks_and_hosts(c, err)) goto done;
    size_t nr = c->nranks ? c->nranks : 1;
    c->waits = cs_xcalloc(nr, sizeof *c->waits);
    c->sums = cs_xcalloc(nr, sizeof *c->sums);
    c->lists = cs_xcalloc(nr, sizeof *c->lists);
    c->members = new_spool(c->opt);
    order_groups_and_types(c, out, group_order, type_order);
    if (cs_wait_store_instances(c->st, group_order, type_order, on_instance, c,
                                &out->counts.fallback_groups, err))
        goto done;
    clock_offsets(c, &skew);
    if (instance_spreads(c, err)) goto done;
    order = processing_order(c, &nproc);
    if (attribute(c, order, nproc, err)) goto done;
    straggler_rows(c, out);
    if (instance_rows(c, out, err)) goto done;
    offset_rows(c, &skew, out);
    if (report) report_lines(out, report);
    rc = 0;
done:
    cs_skew_result_free(&skew);
    free(order);
    free(group_order);
    free(type_order);
    return rc;
}

int cs_straggler_compute_store(cs_wait_store *st, const cs_straggler_options *opt,
                               cs_straggler_result *out, cs_report *report, cs_err *err)
{
    memset(out, 0, sizeof *out);
    if (opt && opt->new_spool) {
        cs_record_log_init(&out->instance_log, new_spool(opt), sizeof(cs_wait_instance_rec));
        cs_record_log_init(&out->detail_log, new_spool(opt), sizeof(cs_wait_detail_rec));
    }
    ctx c;
    memset(&c, 0, sizeof c);
    c.st = st;
    c.opt = opt;
    int rc = compute(&c, out, report, err);
    ctx_free(&c);
    if (rc) cs_straggler_result_free(out);
    return rc;
}

int cs_straggler_compute(const cs_wait_set *s, const cs_straggler_options *opt,
                         cs_straggler_result *out, cs_report *report, cs_err *err)
{
    cs_wait_store *st = cs_wait_store_new(opt && opt->new_spool ? opt->new_spool(opt->spool_arg) : NULL);
    int rc = cs_wait_store_add(st, s, err);
    if (rc == 0) rc = cs_straggler_compute_store(st, opt, out, report, err);
    else memset(out, 0, sizeof *out);
    cs_wait_store_free(st);
    return rc;
}

void cs_straggler_result_free(cs_straggler_result *r)
{
    if (!r) return;
    strings_free(&r->strings);
    free(r->stragglers.items);
    free(r->instances.items);
    free(r->top_waits.items);
    cs_record_log_free(&r->instance_log);
    free(r->details.items);
    cs_record_log_free(&r->detail_log);
    free(r->offsets.items);
    memset(r, 0, sizeof *r);
}

/* Rows [first, first + n) of a log of records, or of a vector in memory. */
static int read_rows(const cs_record_log *log, const void *items, size_t len, size_t row_size,
                     size_t first, size_t n, void *out, size_t rec_size, const char *what, cs_err *err)
{
    if (log->spool) return cs_record_log_read(log, first, n, out, err);
    if (first > len || n > len - first)
        return cs_fail(err, "straggler: %s rows %zu..%zu of %zu", what, first, first + n, len);
    for (size_t i = 0; i < n; i++)
        memcpy((char *)out + i * rec_size, (const char *)items + (first + i) * row_size, row_size);
    return 0;
}

int cs_straggler_instances(const cs_straggler_result *r, size_t first, size_t n, cs_wait_instance_rec *out,
                           cs_err *err)
{
    if (read_rows(&r->instance_log, r->instances.items, r->instances.len, sizeof(cs_wait_instance_row), first,
                  n, out, sizeof *out, "instance", err))
        return -1;
    for (size_t i = 0; i < n; i++)
        if (!out[i].row.op_name) out[i].row.op_name = out[i].name;
    return 0;
}

int cs_straggler_details(const cs_straggler_result *r, size_t first, size_t n, cs_wait_detail_rec *out,
                         cs_err *err)
{
    if (read_rows(&r->detail_log, r->details.items, r->details.len, sizeof(cs_wait_detail_row), first, n, out,
                  sizeof *out, "detail", err))
        return -1;
    for (size_t i = 0; i < n; i++)
        if (!out[i].row.op_name) out[i].row.op_name = out[i].name;
    return 0;
}
