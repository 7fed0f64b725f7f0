/*
** straggler.c — cross-rank wait attribution (analyses.md §8.3) on per-op
** tuples, with the clock offsets of §8.4 applied first.
**
** Layout: interned strings; the wait set (build, merge, encode); the
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

void cs_wait_set_merge(cs_wait_set *dst, const cs_wait_set *src)
{
    size_t n = src->strings.items.len;
    uint32_t *map = cs_xmalloc((n ? n : 1) * sizeof *map);
    for (size_t i = 0; i < n; i++) map[i] = cs_wait_set_intern(dst, src->strings.items.items[i]);
    for (size_t i = 0; i < src->ranks.len; i++) {
        cs_wait_rank r = src->ranks.items[i];
        r.host_uid = map[r.host_uid];
        r.host_name = map[r.host_name];
        CS_VEC_PUSH(dst->ranks, r);
    }
    CS_VEC_RESERVE(dst->ops, dst->ops.len + src->ops.len);
    for (size_t i = 0; i < src->ops.len; i++) {
        cs_wait_op o = src->ops.items[i];
        o.group = map[o.group];
        o.op_name = map[o.op_name];
        o.op_type = map[o.op_type];
        dst->ops.items[dst->ops.len++] = o;
    }
    free(map);
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
** Cluster computation.
*/

enum { R_NONE = 0, R_PROPAGATED, R_COMPUTE, R_LAUNCH, R_TRANSFER, R_UNKNOWN };
static const char *const reason_label[] = {"", "propagated", "compute", "launch", "transfer", "unknown"};

/* Sort record of an op by instance key. */
typedef struct op_key {
    uint32_t group;         /* group order: (hash text, name) */
    uint32_t type;          /* opType order (fallback keys), 0 otherwise */
    int64_t num;            /* sequence number or k */
    int64_t rank;
    uint32_t op;
} op_key;

static int cmp_op_key(const void *a, const void *b)
{
    const op_key *x = a, *y = b;
    if (x->group != y->group) return x->group < y->group ? -1 : 1;
    if (x->type != y->type) return x->type < y->type ? -1 : 1;
    if (x->num != y->num) return x->num < y->num ? -1 : 1;
    if (x->rank != y->rank) return x->rank < y->rank ? -1 : 1;
    return x->op < y->op ? -1 : x->op > y->op;
}

/* Sort record for the fallback's k: (group, opType, rank, startNs, opId). */
typedef struct fallback_ref {
    uint32_t group, type;
    int64_t rank, start, op_id;
    uint32_t op;
} fallback_ref;

static int cmp_fallback_ref(const void *a, const void *b)
{
    const fallback_ref *x = a, *y = b;
    if (x->group != y->group) return x->group < y->group ? -1 : 1;
    if (x->type != y->type) return x->type < y->type ? -1 : 1;
    if (x->rank != y->rank) return x->rank < y->rank ? -1 : 1;
    if (x->start != y->start) return x->start < y->start ? -1 : 1;
    if (x->op_id != y->op_id) return x->op_id < y->op_id ? -1 : 1;
    return x->op < y->op ? -1 : x->op > y->op;
}

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

typedef struct wait_instance {
    size_t first;           /* into the sorted keys, then ctx.member (members in rank order) */
    uint32_t n;
    uint32_t group, type;
    int64_t num;
    uint32_t lowest_op;     /* op of the lowest member */
    int64_t expected;
    int64_t first_arrival, last_arrival;    /* corrected */
    int64_t caused_ns;      /* C, attributed instances only */
    uint32_t last;          /* member position of L (0..n-1), NONE32 if not attributed */
    uint8_t reason;
    bool selected;          /* passes the --step_id filter */
    size_t proc_pos;        /* position in processing order (attributed only) */
    size_t root_first, root_n;
    int64_t root_rank;
} wait_instance;

/* One wait of a rank in an attributed instance where it was not last. */
typedef struct rank_wait {
    uint32_t rank_idx;
    int64_t arrive;         /* corrected */
    int64_t wait;
    int64_t last_arrival;
    size_t proc_pos;
    uint32_t inst;
} rank_wait;

static int cmp_rank_wait(const void *a, const void *b)
{
    const rank_wait *x = a, *y = b;
    if (x->rank_idx != y->rank_idx) return x->rank_idx < y->rank_idx ? -1 : 1;
    if (x->arrive != y->arrive) return x->arrive < y->arrive ? -1 : 1;
    return x->proc_pos < y->proc_pos ? -1 : x->proc_pos > y->proc_pos;
}

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

/* A (rank, text) pair for the groups lists and a (rank, step) pair for the
** steps lists. */
typedef struct rank_text {
    uint32_t rank_idx;
    const char *text;
} rank_text;

static int cmp_rank_text(const void *a, const void *b)
{
    const rank_text *x = a, *y = b;
    if (x->rank_idx != y->rank_idx) return x->rank_idx < y->rank_idx ? -1 : 1;
    return strcmp(x->text, y->text);
}

typedef struct rank_step {
    uint32_t rank_idx;
    uint8_t kind;
    int64_t id;
} rank_step;

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

static int cmp_rank_step(const void *a, const void *b)
{
    const rank_step *x = a, *y = b;
    if (x->rank_idx != y->rank_idx) return x->rank_idx < y->rank_idx ? -1 : 1;
    return cmp_step(x->kind, x->id, y->kind, y->id);
}

/* The context of one computation: inputs, derived per-op arrays and the
** instances. */
typedef struct ctx {
    const cs_wait_set *s;
    const cs_wait_op *ops;
    size_t nops;
    cs_wait_rank *ranks;    /* sorted by rank */
    size_t nranks;
    uint32_t *rank_idx;     /* per op */
    uint32_t *host_of_rank; /* per rank index */
    size_t nhosts;
    uint32_t *host_rank_idx;/* per host: the rank whose uid/name it shows */
    int64_t *arrive;        /* corrected, per op */
    int64_t *ws;            /* corrected, per op */
    int64_t *launch;        /* corrected, per op (CS_WAIT_UNKNOWN_NS kept) */
    op_key *keys;           /* sorted by instance key, then rank; freed once the instances are built */
    uint32_t *member;       /* ... then only their ops: instance w's members are member[w.first + p] */
    CS_VEC(wait_instance) inst;
    CS_VEC(root_entry) roots;
    rank_wait *waits;
    size_t *wait_first;     /* per rank index, nranks + 1 */
    const char **group_hash_text;   /* per string id (groups only), in out->strings */
    const char **group_label;       /* per string id: pg_name or hash text */
} ctx;

static bool selected_step(const cs_straggler_options *opt, const cs_wait_op *o)
{
    if (!opt || !opt->only_step) return true;
    return o->step_kind == CS_WAIT_STEP_ID && o->step_id == opt->step_id;
}

static const char *step_text(cs_straggler_result *out, uint8_t kind, int64_t id)
{
    char buf[32];
    if (kind == CS_WAIT_STEP_NONE) return NULL;
    if (kind == CS_WAIT_STEP_NO_ID) return strings_keep(&out->strings, "step");
    snprintf(buf, sizeof buf, "step%" PRId64, id);
    return strings_keep(&out->strings, buf);
}

/* Ranks sorted and indexed; hosts numbered in (hostName, hostUid) order. */
static int index_ranks_and_hosts(ctx *c, cs_err *err)
{
    const cs_wait_set *s = c->s;
    c->nranks = s->ranks.len;
    c->ranks = cs_xmalloc((c->nranks ? c->nranks : 1) * sizeof *c->ranks);
    if (c->nranks) memcpy(c->ranks, s->ranks.items, c->nranks * sizeof *c->ranks);
    qsort(c->ranks, c->nranks, sizeof *c->ranks, cmp_wait_rank);
    for (size_t i = 1; i < c->nranks; i++)
        if (c->ranks[i].rank == c->ranks[i - 1].rank)
            return cs_fail(err, "straggler: rank %" PRId64 " listed twice", c->ranks[i].rank);
    if (c->nranks >= NONE32 || c->nops >= NONE32)
        return cs_fail(err, "straggler: too many ranks or ops");

    c->rank_idx = cs_xmalloc((c->nops ? c->nops : 1) * sizeof *c->rank_idx);
    for (size_t i = 0; i < c->nops; i++) {
        int64_t r = c->ops[i].rank;
        size_t lo = 0, hi = c->nranks;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (c->ranks[mid].rank < r) lo = mid + 1;
            else hi = mid;
        }
        if (lo == c->nranks || c->ranks[lo].rank != r)
            return cs_fail(err, "straggler: an op of rank %" PRId64 " but the rank is not listed", r);
        c->rank_idx[i] = (uint32_t)lo;
    }

    /* A host is a hostUid; it shows the name of its lowest rank. */
    host_ref *hr = cs_xmalloc((c->nranks ? c->nranks : 1) * sizeof *hr);
    for (size_t i = 0; i < c->nranks; i++) {
        hr[i].uid = cs_wait_set_string(s, c->ranks[i].host_uid);
        hr[i].name = cs_wait_set_string(s, c->ranks[i].host_name);
        hr[i].rank = c->ranks[i].rank;
        hr[i].rank_idx = (uint32_t)i;
    }
    qsort(hr, c->nranks, sizeof *hr, cmp_host_ref);
    str_ref *hosts = cs_xmalloc((c->nranks ? c->nranks : 1) * sizeof *hosts);
    uint32_t *uid_of = cs_xmalloc((c->nranks ? c->nranks : 1) * sizeof *uid_of);
    uint32_t *shown = cs_xmalloc((c->nranks ? c->nranks : 1) * sizeof *shown);
    size_t nh = 0;
    for (size_t i = 0; i < c->nranks; i++) {
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
    c->host_of_rank = cs_xmalloc((c->nranks ? c->nranks : 1) * sizeof *c->host_of_rank);
    uint32_t *pos = cs_xmalloc((nh ? nh : 1) * sizeof *pos);
    for (size_t h = 0; h < nh; h++) {
        pos[hosts[h].id] = (uint32_t)h;
        c->host_rank_idx[h] = shown[hosts[h].id];
    }
    for (size_t i = 0; i < c->nranks; i++) c->host_of_rank[hr[i].rank_idx] = pos[uid_of[i]];
    free(pos);
    free(shown);
    free(uid_of);
    free(hosts);
    free(hr);
    return 0;
}

/* Orders the groups by (hash text, name) and the op types by name; fills
** the groups' hash texts and list labels (pg_name, else the hash). */
static void order_groups_and_types(ctx *c, const cs_straggler_options *opt,
                                   cs_straggler_result *out, uint32_t *group_order,
                                   uint32_t *type_order, size_t *ngroups)
{
    size_t nstr = c->s->strings.items.len;
    bool *is_group = cs_xcalloc(nstr ? nstr : 1, sizeof(bool));
    bool *is_type = cs_xcalloc(nstr ? nstr : 1, sizeof(bool));
    for (size_t i = 0; i < c->nops; i++) {
        is_group[c->ops[i].group] = true;
        is_type[c->ops[i].op_type] = true;
    }
    c->group_hash_text = cs_xcalloc(nstr ? nstr : 1, sizeof(char *));
    c->group_label = cs_xcalloc(nstr ? nstr : 1, sizeof(char *));
    str_ref *refs = cs_xmalloc((nstr ? nstr : 1) * sizeof *refs);
    size_t n = 0;
    for (size_t id = 0; id < nstr; id++) {
        if (!is_group[id]) continue;
        const char *name = cs_wait_set_string(c->s, (uint32_t)id);
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
        refs[n].a = hash;
        refs[n].b = name;
        refs[n].id = (uint32_t)id;
        n++;
    }
    qsort(refs, n, sizeof *refs, cmp_str_ref);
    for (size_t k = 0; k < n; k++) group_order[refs[k].id] = (uint32_t)k;
    *ngroups = n;
    n = 0;
    for (size_t id = 0; id < nstr; id++) {
        if (!is_type[id]) continue;
        refs[n].a = cs_wait_set_string(c->s, (uint32_t)id);
        refs[n].b = "";
        refs[n].id = (uint32_t)id;
        n++;
    }
    qsort(refs, n, sizeof *refs, cmp_str_ref);
    for (size_t k = 0; k < n; k++) type_order[refs[k].id] = (uint32_t)k;
    free(refs);
    free(is_group);
    free(is_type);
}

/* Instance keys (§8.3 "Instances"): (group, sequence number), or for a whole
** group with a missing or repeated number, (group, opType, k).  Leaves
** c->keys sorted by key then rank; returns the number of fallback groups. */
static int64_t build_keys(ctx *c, const uint32_t *group_order, const uint32_t *type_order,
                          size_t ngroups)
{
    size_t nstr = c->s->strings.items.len;
    int64_t *seq_of = cs_xmalloc((nstr ? nstr : 1) * sizeof *seq_of);
    for (size_t id = 0; id < nstr; id++) seq_of[id] = -2;
    c->keys = cs_xmalloc((c->nops ? c->nops : 1) * sizeof *c->keys);
    for (size_t i = 0; i < c->nops; i++) {
        const cs_wait_op *o = &c->ops[i];
        if (seq_of[o->op_name] == -2)
            seq_of[o->op_name] = cs_wait_sequence_number(cs_wait_set_string(c->s, o->op_name));
        op_key k = {group_order[o->group], 0, seq_of[o->op_name], o->rank, (uint32_t)i};
        c->keys[i] = k;
    }
    free(seq_of);
    qsort(c->keys, c->nops, sizeof *c->keys, cmp_op_key);

    bool *fallback = cs_xcalloc(ngroups ? ngroups : 1, sizeof(bool));
    int64_t nfallback = 0;
    for (size_t i = 0; i < c->nops; i++) {
        const op_key *k = &c->keys[i];
        bool dup = i > 0 && k[-1].group == k->group && k[-1].num == k->num && k[-1].rank == k->rank;
        if ((k->num < 0 || dup) && !fallback[k->group]) {
            fallback[k->group] = true;
            nfallback++;
        }
    }
    if (nfallback) {
        fallback_ref *fr = cs_xmalloc(c->nops * sizeof *fr);
        size_t n = 0;
        for (size_t i = 0; i < c->nops; i++) {
            const cs_wait_op *o = &c->ops[i];
            if (!fallback[group_order[o->group]]) continue;
            fallback_ref r = {group_order[o->group], type_order[o->op_type], o->rank,
                              o->arrive_ns, o->op_id, (uint32_t)i};
            fr[n++] = r;
        }
        qsort(fr, n, sizeof *fr, cmp_fallback_ref);
        /* keys are rebuilt indexed by op, then sorted again */
        op_key *byop = cs_xmalloc(c->nops * sizeof *byop);
        for (size_t i = 0; i < c->nops; i++) byop[c->keys[i].op] = c->keys[i];
        int64_t k = 0;
        for (size_t j = 0; j < n; j++) {
            bool same = j > 0 && fr[j - 1].group == fr[j].group && fr[j - 1].type == fr[j].type &&
                        fr[j - 1].rank == fr[j].rank;
            k = same ? k + 1 : 1;
            byop[fr[j].op].type = fr[j].type;
            byop[fr[j].op].num = k;
        }
        free(c->keys);
        c->keys = byop;
        qsort(c->keys, c->nops, sizeof *c->keys, cmp_op_key);
        free(fr);
    }
    free(fallback);
    return nfallback;
}

/* Splits the sorted keys into instances. */
static void build_instances(ctx *c, const cs_straggler_options *opt)
{
    for (size_t a = 0; a < c->nops;) {
        size_t b = a + 1;
        while (b < c->nops && c->keys[b].group == c->keys[a].group &&
               c->keys[b].type == c->keys[a].type && c->keys[b].num == c->keys[a].num)
            b++;
        wait_instance w = {0};
        w.first = a;
        w.n = (uint32_t)(b - a);
        w.group = c->keys[a].group;
        w.type = c->keys[a].type;
        w.num = c->keys[a].num;
        w.lowest_op = c->keys[a].op;
        int64_t rs = c->ops[w.lowest_op].rank_size;
        w.expected = rs > 0 && rs < CS_INVALID_U32 ? rs : (int64_t)w.n;
        w.last = NONE32;
        w.selected = selected_step(opt, &c->ops[w.lowest_op]);
        CS_VEC_PUSH(c->inst, w);
        a = b;
    }
    /* the rest needs only the members' ops: 4 bytes per op instead of a key */
    c->member = cs_xmalloc((c->nops ? c->nops : 1) * sizeof *c->member);
    for (size_t i = 0; i < c->nops; i++) c->member[i] = c->keys[i].op;
    free(c->keys);
    c->keys = NULL;
}

/* §8.4: offsets from the instances with two or more members; corrected
** arrive, ws and launch per op. */
static void clock_offsets(ctx *c, cs_skew_result *skew)
{
    size_t nmembers = 0, ninst = 0;
    for (size_t i = 0; i < c->inst.len; i++)
        if (c->inst.items[i].n >= 2) { nmembers += c->inst.items[i].n; ninst++; }
    cs_skew_member *m = cs_xmalloc((nmembers ? nmembers : 1) * sizeof *m);
    size_t *first = cs_xmalloc((ninst + 1) * sizeof *first);
    size_t k = 0, j = 0;
    for (size_t i = 0; i < c->inst.len; i++) {
        const wait_instance *w = &c->inst.items[i];
        if (w->n < 2) continue;
        first[j++] = k;
        for (size_t p = 0; p < w->n; p++) {
            uint32_t op = c->member[w->first + p];
            m[k].host = c->host_of_rank[c->rank_idx[op]];
            m[k].leave_ns = c->ops[op].leave_ns;
            m[k].sync_ms = c->ops[op].sync_ms;
            k++;
        }
    }
    first[j] = k;
    uint32_t ref = c->nranks ? c->host_of_rank[0] : 0;
    cs_clock_skew_compute(c->nhosts, ref, m, first, ninst, skew);
    free(m);
    free(first);

    c->arrive = cs_xmalloc((c->nops ? c->nops : 1) * sizeof(int64_t));
    c->ws = cs_xmalloc((c->nops ? c->nops : 1) * sizeof(int64_t));
    c->launch = cs_xmalloc((c->nops ? c->nops : 1) * sizeof(int64_t));
    for (size_t i = 0; i < c->nops; i++) {
        const cs_wait_op *o = &c->ops[i];
        int64_t off = skew->hosts[c->host_of_rank[c->rank_idx[i]]].offset_ns;
        c->arrive[i] = o->arrive_ns - off;
        c->ws[i] = o->ws_ns - off;
        c->launch[i] = o->launch_ns == CS_WAIT_UNKNOWN_NS ? CS_WAIT_UNKNOWN_NS : o->launch_ns - off;
    }
}

static uint32_t member_op(const ctx *c, const wait_instance *w, size_t p)
{
    return c->member[w->first + p];
}

/* first/last arrival, the last rank L and the wait it caused. */
static void instance_spreads(ctx *c)
{
    for (size_t i = 0; i < c->inst.len; i++) {
        wait_instance *w = &c->inst.items[i];
        int64_t lo = INT64_MAX, hi = INT64_MIN;
        uint32_t last = 0;
        for (uint32_t p = 0; p < w->n; p++) {
            int64_t t = c->arrive[member_op(c, w, p)];
            if (t < lo) lo = t;
            if (t > hi) { hi = t; last = p; }     /* members are in rank order: ties → lowest rank */
        }
        w->first_arrival = lo;
        w->last_arrival = hi;
        if (w->n >= 2 && hi - lo > NOISE_FLOOR_NS) {
            w->last = last;
            for (uint32_t p = 0; p < w->n; p++) w->caused_ns += hi - c->arrive[member_op(c, w, p)];
        }
    }
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

/* The attributed instances in processing order (last_arrival, key); the
** waits of every rank in them (not last), by rank then arrival. */
static uint32_t *processing_order(ctx *c, size_t *nproc)
{
    proc_ref *pr = cs_xmalloc((c->inst.len ? c->inst.len : 1) * sizeof *pr);
    size_t n = 0, nwaits = 0;
    for (size_t i = 0; i < c->inst.len; i++) {
        const wait_instance *w = &c->inst.items[i];
        if (w->last == NONE32) continue;
        proc_ref r = {w->last_arrival, w->group, w->type, w->num, (uint32_t)i};
        pr[n++] = r;
        nwaits += w->n - 1;
    }
    qsort(pr, n, sizeof *pr, cmp_proc_ref);
    uint32_t *order = cs_xmalloc((n ? n : 1) * sizeof *order);
    for (size_t k = 0; k < n; k++) {
        order[k] = pr[k].inst;
        c->inst.items[pr[k].inst].proc_pos = k;
    }
    free(pr);

    c->waits = cs_xmalloc((nwaits ? nwaits : 1) * sizeof *c->waits);
    size_t k = 0;
    for (size_t j = 0; j < n; j++) {
        const wait_instance *w = &c->inst.items[order[j]];
        for (uint32_t p = 0; p < w->n; p++) {
            if (p == w->last) continue;
            uint32_t op = member_op(c, w, p);
            rank_wait rw = {c->rank_idx[op], c->arrive[op], w->last_arrival - c->arrive[op],
                            w->last_arrival, w->proc_pos, order[j]};
            c->waits[k++] = rw;
        }
    }
    qsort(c->waits, k, sizeof *c->waits, cmp_rank_wait);
    c->wait_first = cs_xcalloc(c->nranks + 1, sizeof(size_t));
    for (size_t j = 0; j < k; j++) c->wait_first[c->waits[j].rank_idx + 1]++;
    for (size_t r = 0; r < c->nranks; r++) c->wait_first[r + 1] += c->wait_first[r];
    *nproc = n;
    return order;
}

/* The waits of op's rank in attributed instances J (where it was not last)
** with arrive(J) in op's window [ws, arrive): [*lo_out, return value) of
** c->waits.  wait_counts() applies the rest of test 0's conditions. */
static size_t window_waits(const ctx *c, uint32_t op, size_t *lo_out)
{
    uint32_t r = c->rank_idx[op];
    size_t lo = c->wait_first[r], hi = c->wait_first[r + 1];
    int64_t ws = c->ws[op];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->waits[mid].arrive < ws) lo = mid + 1;
        else hi = mid;
    }
    *lo_out = lo;
    size_t end = lo;
    while (end < c->wait_first[r + 1] && c->waits[end].arrive < c->arrive[op]) end++;
    return end;
}

/* J's wait ended before op's rank arrived (a wait still running on another
** stream did not delay this arrival), and J precedes the instance at
** processing position pos (only matters on an exact tie of last arrivals). */
static bool wait_counts(const ctx *c, const rank_wait *rw, uint32_t op, size_t pos)
{
    return rw->last_arrival <= c->arrive[op] && rw->proc_pos < pos;
}

/* waited_r of §8.3 test 0 for one member; *any: at least one such J. */
static int64_t waited_of(const ctx *c, uint32_t op, size_t pos, bool *any)
{
    size_t lo, end = window_waits(c, op, &lo);
    int64_t sum = 0;
    *any = false;
    for (size_t k = lo; k < end; k++) {
        if (!wait_counts(c, &c->waits[k], op, pos)) continue;
        sum += c->waits[k].wait;
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

/* Scratch arrays sized for the largest instance. */
typedef struct member_scratch {
    int64_t *wait, *waited, *busy, *launch, *dur, *tmp;
    double *transit, *ftmp;
} member_scratch;

/* The reason of L in an attributed instance (§8.3 tests 0–4). */
static uint8_t instance_reason(ctx *c, wait_instance *w, member_scratch *m, bool *any_j)
{
    uint32_t n = w->n, L = w->last;
    bool launch_known = true, transit_known = true;
    for (uint32_t p = 0; p < n; p++) {
        uint32_t op = member_op(c, w, p);
        const cs_wait_op *o = &c->ops[op];
        bool any = false;
        m->wait[p] = w->last_arrival - c->arrive[op];
        m->waited[p] = waited_of(c, op, w->proc_pos, &any);
        if (p == L) *any_j = any;
        m->busy[p] = o->busy_ns;
        m->launch[p] = c->launch[op];
        m->dur[p] = o->leave_ns - o->arrive_ns;
        m->transit[p] = o->transit_ms;
        if (c->launch[op] == CS_WAIT_UNKNOWN_NS) launch_known = false;
        if (isnan(o->transit_ms)) transit_known = false;
    }
    int64_t W = peer_median_i64(m->wait, n, L, m->tmp);
    /* x − median > 0.5 W, in integers: 2 (x − median) > W */
    if (*any_j && 2 * (m->waited[L] - peer_median_i64(m->waited, n, L, m->tmp)) > W)
        return R_PROPAGATED;
    if (2 * (m->busy[L] - peer_median_i64(m->busy, n, L, m->tmp)) > W) return R_COMPUTE;
    const cs_wait_op *lo = &c->ops[member_op(c, w, L)];
    if (launch_known && 2 * (m->launch[L] - peer_median_i64(m->launch, n, L, m->tmp)) > W &&
        2 * lo->idle_before_ns > W)
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
    uint32_t op = member_op(c, w, w->last);
    size_t lo, end = window_waits(c, op, &lo);
    int64_t waited = 0;
    for (size_t k = lo; k < end; k++)
        if (wait_counts(c, &c->waits[k], op, w->proc_pos)) waited += c->waits[k].wait;
    parts->len = 0;
    size_t seq = 0;
    for (size_t k = lo; k < end; k++) {
        const rank_wait *rw = &c->waits[k];
        if (!wait_counts(c, rw, op, w->proc_pos) || rw->wait == 0) continue;
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
    w->root_n = c->roots.len - w->root_first;
}

/* Reasons and root causes of every attributed instance, in processing
** order (which puts every J of test 0 before the instance it delays). */
static void attribute(ctx *c, const uint32_t *order, size_t nproc)
{
    uint32_t maxn = 1;
    for (size_t i = 0; i < c->inst.len; i++)
        if (c->inst.items[i].n > maxn) maxn = c->inst.items[i].n;
    member_scratch m;
    m.wait = cs_xmalloc(maxn * sizeof(int64_t));
    m.waited = cs_xmalloc(maxn * sizeof(int64_t));
    m.busy = cs_xmalloc(maxn * sizeof(int64_t));
    m.launch = cs_xmalloc(maxn * sizeof(int64_t));
    m.dur = cs_xmalloc(maxn * sizeof(int64_t));
    m.tmp = cs_xmalloc(maxn * sizeof(int64_t));
    m.transit = cs_xmalloc(maxn * sizeof(double));
    m.ftmp = cs_xmalloc(maxn * sizeof(double));
    root_parts parts = {0};

    for (size_t k = 0; k < nproc; k++) {
        wait_instance *w = &c->inst.items[order[k]];
        bool any_j = false;
        w->reason = instance_reason(c, w, &m, &any_j);
        if (w->reason == R_PROPAGATED) {
            propagate_root(c, w, &parts);
        } else {
            root_entry e = {c->rank_idx[member_op(c, w, w->last)], w->reason, 1.0};
            w->root_first = c->roots.len;
            w->root_n = 1;
            CS_VEC_PUSH(c->roots, e);
        }
        /* Root rank: the largest share per rank (entries are sorted by rank);
        ** ties → lowest rank. */
        double best = -1.0;
        uint32_t best_rank = c->rank_idx[member_op(c, w, w->last)];
        for (size_t e = 0; e < w->root_n;) {
            uint32_t r = c->roots.items[w->root_first + e].rank_idx;
            double sum = 0.0;
            for (; e < w->root_n && c->roots.items[w->root_first + e].rank_idx == r; e++)
                sum += c->roots.items[w->root_first + e].weight;
            if (sum > best) { best = sum; best_rank = r; }
        }
        w->root_rank = c->ranks[best_rank].rank;
    }
    free(parts.items);
    free(m.wait);
    free(m.waited);
    free(m.busy);
    free(m.launch);
    free(m.dur);
    free(m.tmp);
    free(m.transit);
    free(m.ftmp);
}

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

/* ClusterStragglers: per-rank totals over the selected instances.  Floating
** sums run in processing order, in ns, divided by 1000 once at the end (a
** rank that only caused waits directly gets exactly its direct total). */
static void straggler_rows(ctx *c, const uint32_t *order, size_t nproc, cs_straggler_result *out)
{
    size_t nr = c->nranks ? c->nranks : 1;
    double *caused = cs_xcalloc(nr, sizeof(double));
    double *label = cs_xcalloc(nr * 4, sizeof(double));    /* compute, launch, transfer, unknown */
    int64_t *direct = cs_xcalloc(nr, sizeof(int64_t));
    int64_t *suffered = cs_xcalloc(nr, sizeof(int64_t));
    int64_t *nlast = cs_xcalloc(nr, sizeof(int64_t));
    CS_VEC(rank_text) groups = {0};
    CS_VEC(rank_step) steps = {0};

    for (size_t k = 0; k < nproc; k++) {
        const wait_instance *w = &c->inst.items[order[k]];
        if (!w->selected) continue;
        double C = (double)w->caused_ns;
        for (size_t e = 0; e < w->root_n;) {
            uint32_t r = c->roots.items[w->root_first + e].rank_idx;
            double sum = 0.0;
            for (; e < w->root_n && c->roots.items[w->root_first + e].rank_idx == r; e++) {
                const root_entry *re = &c->roots.items[w->root_first + e];
                sum += re->weight;
                label[r * 4 + (re->reason - R_COMPUTE)] += C * re->weight;
            }
            caused[r] += C * sum;
        }
        const cs_wait_op *lowest = &c->ops[w->lowest_op];
        uint32_t L = c->rank_idx[member_op(c, w, w->last)];
        direct[L] += w->caused_ns;
        nlast[L]++;
        rank_text t = {L, c->group_label[lowest->group]};
        CS_VEC_PUSH(groups, t);
        if (lowest->step_kind != CS_WAIT_STEP_NONE) {
            rank_step st = {L, lowest->step_kind, lowest->step_id};
            CS_VEC_PUSH(steps, st);
        }
    }
    for (size_t i = 0; i < c->inst.len; i++) {
        const wait_instance *w = &c->inst.items[i];
        if (!w->selected || w->n < 2) continue;
        for (uint32_t p = 0; p < w->n; p++) {
            uint32_t op = member_op(c, w, p);
            suffered[c->rank_idx[op]] += w->last_arrival - c->arrive[op];
        }
    }
    if (groups.len) qsort(groups.items, groups.len, sizeof(rank_text), cmp_rank_text);
    if (steps.len) qsort(steps.items, steps.len, sizeof(rank_step), cmp_rank_step);

    CS_VEC(const char *) texts = {0};
    size_t gi = 0, si = 0;
    for (size_t r = 0; r < c->nranks; r++) {
        cs_straggler_row row = {0};
        row.rank = c->ranks[r].rank;
        row.wait_caused_us = caused[r] / 1000.0;
        row.wait_caused_direct_us = (double)direct[r] / 1000.0;
        row.wait_suffered_us = (double)suffered[r] / 1000.0;
        row.instances_last = nlast[r];
        /* equal sums: compute, launch, transfer, unknown in that order */
        int best = -1;
        for (int l = 0; l < 4; l++)
            if (label[r * 4 + l] > 0 && (best < 0 || label[r * 4 + l] > label[r * 4 + best])) best = l;
        row.reason = best < 0 ? "" : reason_label[R_COMPUTE + best];

        texts.len = 0;
        for (; gi < groups.len && groups.items[gi].rank_idx == r; gi++)
            if (!texts.len || strcmp(texts.items[texts.len - 1], groups.items[gi].text) != 0)
                CS_VEC_PUSH(texts, groups.items[gi].text);
        row.groups = join(out, texts.items, texts.len);

        texts.len = 0;
        for (size_t first = si; si < steps.len && steps.items[si].rank_idx == r; si++) {
            if (si > first && cmp_rank_step(&steps.items[si - 1], &steps.items[si]) == 0) continue;
            CS_VEC_PUSH(texts, step_text(out, steps.items[si].kind, steps.items[si].id));
        }
        row.steps = join(out, texts.items, texts.len);
        CS_VEC_PUSH(out->stragglers, row);
    }
    if (out->stragglers.len)
        qsort(out->stragglers.items, out->stragglers.len, sizeof(cs_straggler_row), cmp_straggler_row);

    free(texts.items);
    free(groups.items);
    free(steps.items);
    free(caused);
    free(label);
    free(direct);
    free(suffered);
    free(nlast);
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

/* One ClusterWaitDetail row, to memory or the log. */
static int add_detail(cs_straggler_result *out, const cs_wait_detail_row *d, cs_err *err)
{
    out->ndetails++;
    if (out->detail_log.spool) return cs_record_log_append(&out->detail_log, d, err);
    CS_VEC_PUSH(out->details, *d);
    return 0;
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
        const cs_wait_op *lo = &c->ops[w->lowest_op];
        row_ref r = {lo->step_kind, lo->step_id, w->group, w->type, w->num, (uint32_t)i};
        refs[n++] = r;
    }
    qsort(refs, n, sizeof *refs, cmp_row_ref);
    for (size_t k = 0; k < n; k++) {
        const wait_instance *w = &c->inst.items[refs[k].inst];
        const cs_wait_op *lo = &c->ops[w->lowest_op];
        cs_wait_instance_row row = {0};
        row.step = step_text(out, lo->step_kind, lo->step_id);
        row.group_name = c->group_hash_text[lo->group];
        row.op_name = strings_keep(&out->strings, cs_wait_set_string(c->s, lo->op_name));
        row.members = w->n;
        row.rank_size = w->expected;
        row.last_arrival_us = (double)(w->last_arrival - w->first_arrival) / 1000.0;
        row.reason = "";
        if (w->last != NONE32) {
            row.has_last_rank = true;
            row.last_rank = c->ops[member_op(c, w, w->last)].rank;
            row.wait_caused_us = (double)w->caused_ns / 1000.0;
            row.reason = reason_label[w->reason];
            row.has_root_rank = true;
            row.root_rank = w->root_rank;
            cnt->attributed++;
            if (w->reason == R_PROPAGATED) cnt->propagated++;
        }
        row.detail_first = out->ndetails;
        row.ndetail = w->n;
        for (uint32_t p = 0; p < w->n && rc == 0; p++) {
            uint32_t op = member_op(c, w, p);
            const cs_wait_op *o = &c->ops[op];
            cs_wait_detail_row d = {0};
            d.step = row.step;
            d.group_name = row.group_name;
            d.op_name = strings_keep(&out->strings, cs_wait_set_string(c->s, o->op_name));
            d.rank = o->rank;
            d.wait_us = (double)(w->last_arrival - c->arrive[op]) / 1000.0;
            d.has_sync = !isnan(o->sync_ms);
            d.synchronization_ms = d.has_sync ? o->sync_ms : 0.0;
            rc = add_detail(out, &d, err);
        }
        CS_VEC_PUSH(out->instances, row);
    }
    cnt->instances = (int64_t)n;
    free(refs);
    if (rc == 0 && out->detail_log.spool) rc = cs_record_log_flush(&out->detail_log, err);
    return rc;
}

/* ClusterClockOffsets, hosts in (hostName, hostUid) order. */
static void offset_rows(ctx *c, const cs_skew_result *skew, cs_straggler_result *out)
{
    for (size_t h = 0; h < c->nhosts; h++) {
        const cs_wait_rank *r = &c->ranks[c->host_rank_idx[h]];
        const cs_skew_host *sh = &skew->hosts[h];
        cs_clock_offset_row row = {0};
        row.host = strings_keep(&out->strings, cs_wait_set_string(c->s, r->host_name));
        row.host_uid = strings_keep(&out->strings, cs_wait_set_string(c->s, r->host_uid));
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

int cs_straggler_compute(const cs_wait_set *s, const cs_straggler_options *opt,
                         cs_straggler_result *out, cs_report *report, cs_err *err)
{
    memset(out, 0, sizeof *out);
    ctx c;
    memset(&c, 0, sizeof c);
    c.s = s;
    c.ops = s->ops.items;
    c.nops = s->ops.len;
    int rc = -1;
    size_t nstr = s->strings.items.len, ngroups = 0, nproc = 0;
    uint32_t *group_order = cs_xmalloc((nstr ? nstr : 1) * sizeof(uint32_t));
    uint32_t *type_order = cs_xmalloc((nstr ? nstr : 1) * sizeof(uint32_t));
    uint32_t *order = NULL;
    cs_skew_result skew;
    memset(&skew, 0, sizeof skew);

    if (index_ranks_and_hosts(&c, err)) goto done;
    cs_spool *sp = opt && opt->new_spool ? opt->new_spool(opt->spool_arg) : NULL;
    if (sp) cs_record_log_init(&out->detail_log, sp, sizeof(cs_wait_detail_row));
    order_groups_and_types(&c, opt, out, group_order, type_order, &ngroups);
    out->counts.fallback_groups = build_keys(&c, group_order, type_order, ngroups);
    build_instances(&c, opt);
    clock_offsets(&c, &skew);
    instance_spreads(&c);
    order = processing_order(&c, &nproc);
    attribute(&c, order, nproc);
    straggler_rows(&c, order, nproc, out);
    if (instance_rows(&c, out, err)) goto done;
    offset_rows(&c, &skew, out);
    if (report) report_lines(out, report);
    rc = 0;

done:
    cs_skew_result_free(&skew);
    free(order);
    free(group_order);
    free(type_order);
    free(c.ranks);
    free(c.rank_idx);
    free(c.host_of_rank);
    free(c.host_rank_idx);
    free(c.arrive);
    free(c.ws);
    free(c.launch);
    free(c.keys);
    free(c.member);
    free(c.inst.items);
    free(c.roots.items);
    free(c.waits);
    free(c.wait_first);
    free(c.group_hash_text);
    free(c.group_label);
    if (rc) cs_straggler_result_free(out);
    return rc;
}

void cs_straggler_result_free(cs_straggler_result *r)
{
    if (!r) return;
    strings_free(&r->strings);
    free(r->stragglers.items);
    free(r->instances.items);
    free(r->details.items);
    cs_record_log_free(&r->detail_log);
    free(r->offsets.items);
    memset(r, 0, sizeof *r);
}

int cs_straggler_details(const cs_straggler_result *r, size_t first, size_t n, cs_wait_detail_row *out,
                         cs_err *err)
{
    if (r->detail_log.spool) return cs_record_log_read(&r->detail_log, first, n, out, err);
    if (first > r->details.len || n > r->details.len - first)
        return cs_fail(err, "straggler: detail rows %zu..%zu of %zu", first, first + n, r->details.len);
    if (n) memcpy(out, r->details.items + first, n * sizeof *out);
    return 0;
}
