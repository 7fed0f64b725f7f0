/*
** comm_op.c — per-op communication numbers of one rank (analyses.md §2.c.1,
** §2.d.1).  The three parsers follow msprof's CommunicationParser and
** CommunicationMatrixParser (time info on the master plane; bandwidth and
** matrix over every plane, planes in first-seen order, tasks in time order),
** and torch_npu's CommunicationDbParser for the step of each op.
*/
#include "comm_op.h"
#include "hccl_names.h"
#include "key_sort.h"

#include <ctype.h>
#include <stddef.h>
#include <math.h>
#include <stdio.h>

#define NS_TO_MS 1e6            /* NumberConstant.NS_TO_MS */
#define B_TO_MB 1e6             /* COMMUNICATION_B_to_MB */
#define MB_TO_GB 1000.0         /* COMMUNICATION_MB_to_GB */
#define CONVERSION_TIME 1000.0  /* NumberConstant.CONVERSION_TIME */
#define RDMA_NO_BARRIER 3       /* send/receive: payloads, RDMASend, Notify_Wait */
#define RDMA_WITH_BARRIER 5     /* collectives: two RDMASend + Notify_Wait pairs */
#define RANK_INVALID 0xFFFFFFFFu

/* ------------------------------------------------------------------------
** Rounding.
*/

double cs_round4(double x)
{
    if (!isfinite(x)) return x;
    /* Fast path, exact: y carries at most half an ulp of error, so when y is
    ** farther than that from a .5 tie, rint(y) is the exact value's nearest
    ** integer n, and n / 10^4 (both exact, one correctly rounded division)
    ** is the double strtod would read from the printed digits. */
    double y = x * 10000.0;
    if (fabs(y) < 1e15) {
        double tie_distance = fabs(fabs(y - floor(y)) - 0.5);
        if (tie_distance > fabs(y) * 0x1p-51 + 0x1p-1000) return rint(y) / 10000.0;
    }
    /* "%.4f" of the largest double needs 309 + 6 characters. */
    char buf[400];
    snprintf(buf, sizeof buf, "%.4f", x);
    return strtod(buf, NULL);
}

double cs_np_round4(double x)
{
    return rint(x * 10000.0) / 10000.0;
}

double cs_compute_ratio(double a, double b)
{
    return fabs(b) < 1e-15 ? 0.0 : cs_round4(a / b);
}

/* round(a / b, 4) with Python's ZeroDivisionError caught: the producer then
** leaves the value at its initial 0. */
static double ratio_or_zero(double a, double b)
{
    return b == 0.0 ? 0.0 : cs_round4(a / b);
}

/* ------------------------------------------------------------------------
** Names.
*/

cs_hccl_kind cs_hccl_kind_of(const char *task_type)
{
    if (!task_type) return CS_HCCL_KIND_OTHER;
    if (strcmp(task_type, "Memcpy") == 0) return CS_HCCL_KIND_MEMCPY;
    if (strcmp(task_type, "Reduce_Inline") == 0) return CS_HCCL_KIND_REDUCE_INLINE;
    if (strcmp(task_type, "Notify_Wait") == 0) return CS_HCCL_KIND_NOTIFY_WAIT;
    return CS_HCCL_KIND_OTHER;
}

const char *cs_comm_band_name(int band)
{
    static const char *const names[CS_BAND_COUNT] = {"HCCS", "PCIE", "RDMA", "SDMA", "SIO"};
    return band >= 0 && band < CS_BAND_COUNT ? names[band] : "";
}

const char *cs_comm_transport_name(int transport)
{
    static const char *const names[CS_TRANSPORT_COUNT] = {
        "LOCAL", "HCCS", "PCIE", "ROCE", "SIO", "STANDARD_ROCE",
        "RDMA", "SDMA", "RESERVED", "N/A", "INVALID_TYPE"};
    return transport >= 0 && transport < CS_TRANSPORT_COUNT ? names[transport] : "";
}

void cs_comm_step_label(char *buf, size_t size, bool has_id, int64_t id)
{
    if (has_id) snprintf(buf, size, "step%lld", (long long)id);
    else snprintf(buf, size, "step");
}

/* ------------------------------------------------------------------------
** The step rule (analyses.md §2.c.1, "Step rule").
*/

double cs_comm_ns_to_us(int64_t t)
{
    const int64_t exact = (int64_t)1 << 53;
    if (t > -exact && t < exact) return (double)t / 1000.0;   /* t is exact: one rounding */
    if (t < 0) return (double)t / 1000.0;                     /* never a timestamp */
    int64_t q = t / 1000, r = t % 1000;
    /* Exact for every q < 2^53 (analyses.md §2.c.1, step rule 1). */
    if (q < exact) return (double)q + (double)r / 1000.0;
    /* t >= 9.007e18 (year 2255): round q + r/1000 to the grid of q by hand. */
    int bits = 0;
    for (int64_t v = q; v; v >>= 1) bits++;
    int64_t grid = (int64_t)1 << (bits - 53);
    int64_t rem = q % grid, lo = q - rem;
    int64_t twice = 1000 * rem + r, half = 500 * grid;
    bool up = twice > half || (twice == half && (lo / grid) % 2 == 1);
    return (double)(up ? lo + grid : lo);
}

int64_t cs_comm_us_to_ns(double us)
{
    if (isnan(us)) return 0;
    if (isinf(us)) return us > 0 ? INT64_MAX : INT64_MIN;
    /* Python's str(float): the shortest digit string that reads back. */
    /* More digits never stop reading back, so the fewest are found by
    ** bisection; 17 significant digits (precision 16) always read back. */
    char buf[64];
    int lo = 0, hi = 16;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        snprintf(buf, sizeof buf, "%.*e", mid, us);
        if (strtod(buf, NULL) == us) hi = mid;
        else lo = mid + 1;
    }
    int prec = lo;
    snprintf(buf, sizeof buf, "%.*e", prec, us);
    const char *p = buf;
    bool negative = *p == '-';
    if (negative) p++;
    uint64_t digits = 0;
    for (; *p && *p != 'e'; p++)
        if (isdigit((unsigned char)*p)) digits = digits * 10 + (uint64_t)(*p - '0');
    int exp10 = *p == 'e' ? atoi(p + 1) : 0;
    /* us = digits × 10^(exp10 − prec); ns keeps 3 fraction digits, cut. */
    int shift = exp10 - prec + 3;
    uint64_t mag = digits;
    for (; shift > 0; shift--) {
        if (mag > UINT64_MAX / 10) return negative ? INT64_MIN : INT64_MAX;
        mag *= 10;
    }
    for (; shift < 0 && mag; shift++) mag /= 10;
    if (mag > (uint64_t)INT64_MAX) return negative ? INT64_MIN : INT64_MAX;
    return negative ? -(int64_t)mag : (int64_t)mag;
}

/* Index of the first step whose window [START, END] holds ns, or -1. */
static long find_step(const cs_step *steps, size_t nsteps, int64_t ns)
{
    for (size_t i = 0; i < nsteps; i++)
        if (steps[i].start <= ns && ns <= steps[i].end) return (long)i;
    return -1;
}

/* ------------------------------------------------------------------------
** Tasks grouped by op.
*/

typedef struct task_key {
    int64_t op_id, start;
    size_t pos;
} task_key;

/* order[i] = the task at sorted position i, by (op_id, start, input position). */
static size_t *sort_tasks(const cs_comm_task *tasks, size_t n)
{
    size_t *order = cs_xmalloc((n ? n : 1) * sizeof *order);
    bool sorted = true;
    for (size_t i = 1; i < n && sorted; i++)
        sorted = tasks[i - 1].op_id < tasks[i].op_id ||
                 (tasks[i - 1].op_id == tasks[i].op_id && tasks[i - 1].start_ns <= tasks[i].start_ns);
    if (sorted) {
        for (size_t i = 0; i < n; i++) order[i] = i;
        return order;
    }
    task_key *k = cs_xmalloc(n * sizeof *k);
    for (size_t i = 0; i < n; i++) k[i] = (task_key){tasks[i].op_id, tasks[i].start_ns, i};
    /* stable sorts by the minor key, then the major one; pos is the input order */
    cs_sort_by_i64_key(k, n, sizeof *k, offsetof(task_key, start));
    cs_sort_by_i64_key(k, n, sizeof *k, offsetof(task_key, op_id));
    for (size_t i = 0; i < n; i++) order[i] = k[i].pos;
    free(k);
    return order;
}

/* [*lo, *hi) of order holding the tasks of op_id. */
static void op_tasks(const cs_comm_task *tasks, const size_t *order, size_t n,
                     int64_t op_id, size_t *lo, size_t *hi)
{
    size_t a = 0, b = n;
    while (a < b) {
        size_t mid = a + (b - a) / 2;
        if (tasks[order[mid]].op_id < op_id) a = mid + 1;
        else b = mid;
    }
    *lo = a;
    b = n;
    while (a < b) {
        size_t mid = a + (b - a) / 2;
        if (tasks[order[mid]].op_id <= op_id) a = mid + 1;
        else b = mid;
    }
    *hi = a;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static bool has_id(const int64_t *ids, size_t n, int64_t id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ids[mid] < id) lo = mid + 1;
        else hi = mid;
    }
    return lo < n && ids[lo] == id;
}

static size_t count_orphans(const cs_comm_task *tasks, const size_t *order, size_t n,
                            const cs_comm_op_in *ops, size_t nops)
{
    int64_t *ids = cs_xmalloc((nops ? nops : 1) * sizeof *ids);
    for (size_t i = 0; i < nops; i++) ids[i] = ops[i].op_id;
    if (nops > 1) qsort(ids, nops, sizeof *ids, cmp_i64);
    size_t orphans = 0;
    for (size_t i = 0; i < n;) {
        int64_t id = tasks[order[i]].op_id;
        size_t j = i;
        while (j < n && tasks[order[j]].op_id == id) j++;
        if (!has_id(ids, nops, id)) orphans += j - i;
        i = j;
    }
    free(ids);
    return orphans;
}

/* ------------------------------------------------------------------------
** Per-op scratch: the op's tasks split by plane.
*/

typedef const cs_comm_task *task_ptr;

typedef struct band_acc {
    double size, time;
    CS_VEC(cs_comm_packet) dist;
} band_acc;

typedef struct link_acc {
    uint32_t src, dst;
    uint8_t transport;
    double size, time;
} link_acc;

typedef struct scratch {
    CS_VEC(task_ptr) all;       /* the op's tasks in time order */
    CS_VEC(task_ptr) plane;     /* tasks of one plane, in time order */
    CS_VEC(int32_t) planes;     /* distinct plane ids, first-seen order */
    band_acc band[CS_BAND_COUNT];
    CS_VEC(link_acc) links;
} scratch;

static void scratch_free(scratch *s)
{
    free(s->all.items);
    free(s->plane.items);
    free(s->planes.items);
    for (int b = 0; b < CS_BAND_COUNT; b++) free(s->band[b].dist.items);
    free(s->links.items);
}

/* Fills s->plane with the tasks of plane id, in order. */
static void select_plane(scratch *s, int32_t id)
{
    s->plane.len = 0;
    for (size_t i = 0; i < s->all.len; i++)
        if (s->all.items[i]->plane_id == id) CS_VEC_PUSH(s->plane, s->all.items[i]);
}

static void collect_planes(scratch *s)
{
    s->planes.len = 0;
    for (size_t i = 0; i < s->all.len; i++) {
        int32_t id = s->all.items[i]->plane_id;
        bool seen = false;
        for (size_t k = 0; k < s->planes.len && !seen; k++) seen = s->planes.items[k] == id;
        if (!seen) CS_VEC_PUSH(s->planes, id);
    }
}

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

/* Rule P3 (analyses.md §2.c.2): RDMA runs of send/receive ops close with
** one RDMASend + Notify_Wait pair, those of collectives with two. */
static int rdma_op_num(const char *op_name)
{
    return contains_ci(op_name, "send") || contains_ci(op_name, "receive") ? RDMA_NO_BARRIER
                                                                          : RDMA_WITH_BARRIER;
}

static bool is_sdma_copy(const cs_comm_task *t)
{
    return (t->kind == CS_HCCL_KIND_MEMCPY || t->kind == CS_HCCL_KIND_REDUCE_INLINE) &&
           t->transport == CS_HCCL_TRANSPORT_SDMA;
}

/* A copy that moves data off the chip: transit time and bandwidth. */
static bool is_transit_sdma(const cs_comm_task *t)
{
    return is_sdma_copy(t) && t->link != CS_HCCL_LINK_ON_CHIP;
}

static bool is_payload(const cs_comm_task *t)
{
    return t->rdma == CS_HCCL_RDMA_SEND_PAYLOAD;
}

static double dur_ms(const cs_comm_task *t)
{
    return (double)(t->end_ns - t->start_ns) / NS_TO_MS;
}

/* Number of consecutive payload tasks from i. */
static size_t payload_run(task_ptr *t, size_t n, size_t i)
{
    size_t k = 0;
    while (i + k < n && is_payload(t[i + k])) k++;
    return k;
}

/* Transit time of the payload run t[i..i+k) closed by t[j]. */
static double run_ms(task_ptr *t, size_t i, size_t j)
{
    return (double)(t[j]->end_ns - t[i]->start_ns) / NS_TO_MS;
}

/* Σ payload bytes of the run; false when one size is NULL. */
static bool run_bytes(task_ptr *t, size_t i, size_t k, int64_t *bytes)
{
    int64_t sum = 0;
    for (size_t m = i; m < i + k; m++) {
        if (t[m]->flags & CS_COMM_TASK_SIZE_NULL) return false;
        sum += t[m]->size_bytes;
    }
    *bytes = sum;
    return true;
}

/* ------------------------------------------------------------------------
** Time info (op_time_parser), on the master plane's tasks.
*/

typedef struct op_times {
    double elapse, transit, wait, sync, idle;
} op_times;

static op_times time_info(task_ptr *t, size_t n, int op_num)
{
    op_times r = {0};
    bool before_transfer = true;    /* the producer's wait_flag */
    size_t i = 0;
    while (i < n) {
        const cs_comm_task *e = t[i];
        if (is_transit_sdma(e)) {
            before_transfer = false;
            r.transit += dur_ms(e);
        }
        if (is_payload(e)) {
            size_t k = payload_run(t, n, i);
            size_t j = i + k + (size_t)op_num - 2;      /* the closing Notify_Wait */
            if (j >= n) {           /* run without its closing tasks: nothing counted */
                i += k;
                continue;
            }
            r.transit += run_ms(t, i, j);
            i += (size_t)op_num + k - 1;                /* skips the notify/wait tasks */
            before_transfer = false;
            continue;
        }
        if (e->kind == CS_HCCL_KIND_NOTIFY_WAIT) {
            double w = dur_ms(e);
            if (before_transfer) r.sync += w;
            r.wait += w;
        }
        i++;
    }
    int64_t first = INT64_MAX, last = INT64_MIN;
    for (size_t m = 0; m < n; m++) {
        if (t[m]->start_ns < first) first = t[m]->start_ns;
        if (t[m]->end_ns > last) last = t[m]->end_ns;
    }
    r.elapse = (double)(last - first) / NS_TO_MS;
    r.idle = r.elapse - r.transit - r.wait;
    return r;
}

/* ------------------------------------------------------------------------
** Bandwidth info (op_bandwidth_parser), every plane.
*/

static void band_reset(scratch *s)
{
    for (int b = 0; b < CS_BAND_COUNT; b++) {
        s->band[b].size = s->band[b].time = 0;
        s->band[b].dist.len = 0;
    }
}

/* update_bandwidth_record: sums and the size distribution, keyed by the
** size as a double (Python dict key equality). */
static void band_record(band_acc *b, double size_mb, double time_ms)
{
    b->size += size_mb;
    b->time += time_ms;
    for (size_t i = 0; i < b->dist.len; i++) {
        if (b->dist.items[i].size_mb == size_mb) {
            b->dist.items[i].count++;
            b->dist.items[i].total_ms += time_ms;
            return;
        }
    }
    cs_comm_packet p = {size_mb, 1, time_ms};
    CS_VEC_PUSH(b->dist, p);
}

/* get_communication_bandwidth_info_type */
static int band_of_link(uint16_t link)
{
    switch (link) {
    case CS_HCCL_LINK_HCCS:
    case CS_HCCL_LINK_HCCS_SW: return CS_BAND_HCCS;
    case CS_HCCL_LINK_PCIE: return CS_BAND_PCIE;
    case CS_HCCL_LINK_SIO: return CS_BAND_SIO;
    default: return CS_BAND_SDMA;   /* RESERVED, INVALID and the rest */
    }
}

static void bandwidth_plane(scratch *s, task_ptr *t, size_t n, int op_num, cs_comm_counts *c)
{
    size_t i = 0;
    while (i < n) {
        const cs_comm_task *e = t[i];
        if (is_transit_sdma(e) && !(e->flags & CS_COMM_TASK_SIZE_NULL))
            band_record(&s->band[band_of_link(e->link)], (double)e->size_bytes / B_TO_MB, dur_ms(e));
        if (is_payload(e)) {
            size_t k = payload_run(t, n, i);
            size_t j = i + k + (size_t)op_num - 2;
            if (j >= n) {
                c->rdma_runs_incomplete++;
                i += k;
                continue;
            }
            int64_t bytes;
            /* The producer files the run under the task's transport type,
            ** which is RDMA for payloads; SDMA is kept as SDMA. */
            int band = e->transport == CS_HCCL_TRANSPORT_SDMA ? CS_BAND_SDMA : CS_BAND_RDMA;
            if (run_bytes(t, i, k, &bytes))
                band_record(&s->band[band], (double)bytes / B_TO_MB, run_ms(t, i, j));
            i += (size_t)op_num + k - 1;
            continue;
        }
        i++;
    }
}

static double size_threshold(int band)
{
    switch (band) {
    case CS_BAND_RDMA: return 0.5;
    case CS_BAND_HCCS:
    case CS_BAND_PCIE:
    case CS_BAND_SIO: return 32;
    default: return 0;
    }
}

/* analyze_bandwidth_info / combine_sdma_info, then the bands that give a
** CommAnalyzerBandwidth row are appended to out. */
static void bandwidth_finish(scratch *s, cs_comm_rank *out, cs_comm_op *op)
{
    band_acc *b = s->band;
    /* SDMA += HCCS + PCIE + SIO, evaluated as Python does: own + ((h + p) + s). */
    b[CS_BAND_SDMA].size += b[CS_BAND_HCCS].size + b[CS_BAND_PCIE].size + b[CS_BAND_SIO].size;
    b[CS_BAND_SDMA].time += b[CS_BAND_HCCS].time + b[CS_BAND_PCIE].time + b[CS_BAND_SIO].time;
    op->band_first = (uint32_t)out->bands.len;
    op->nbands = 0;
    for (int type = 0; type < CS_BAND_COUNT; type++) {
        cs_comm_band r = {.type = (uint8_t)type, .size_mb = b[type].size, .time_ms = b[type].time};
        if (r.time_ms != 0)
            r.bandwidth = cs_round4((r.size_mb / MB_TO_GB) / (r.time_ms / CONVERSION_TIME));
        if (type != CS_BAND_SDMA) {
            int64_t packets = 0, large = 0;
            for (size_t i = 0; i < b[type].dist.len; i++) {
                packets += b[type].dist.items[i].count;
                if (b[type].dist.items[i].size_mb > size_threshold(type))
                    large += b[type].dist.items[i].count;
            }
            if (packets > 0) r.large_packet_ratio = cs_round4((double)large / (double)packets);
        }
        if (r.size_mb + r.time_ms + r.bandwidth + r.large_packet_ratio == 0) continue;
        r.packet_first = (uint32_t)out->packets.len;
        r.npackets = (uint32_t)b[type].dist.len;
        for (size_t i = 0; i < b[type].dist.len; i++) CS_VEC_PUSH(out->packets, b[type].dist.items[i]);
        CS_VEC_PUSH(out->bands, r);
        op->nbands++;
    }
}

/* ------------------------------------------------------------------------
** Matrix (CommunicationMatrixParser), every plane.
*/

static uint8_t transport_of_link(uint16_t link)
{
    switch (link) {
    case CS_HCCL_LINK_ON_CHIP: return CS_TRANSPORT_LOCAL;
    case CS_HCCL_LINK_HCCS:
    case CS_HCCL_LINK_HCCS_SW: return CS_TRANSPORT_HCCS;
    case CS_HCCL_LINK_PCIE: return CS_TRANSPORT_PCIE;
    case CS_HCCL_LINK_ROCE: return CS_TRANSPORT_ROCE;
    case CS_HCCL_LINK_SIO: return CS_TRANSPORT_SIO;
    case CS_HCCL_LINK_STANDARD_ROCE: return CS_TRANSPORT_STANDARD_ROCE;
    case CS_HCCL_RESERVED: return CS_TRANSPORT_RESERVED;
    case CS_HCCL_NA: return CS_TRANSPORT_NA;
    default: return CS_TRANSPORT_INVALID;
    }
}

static uint8_t transport_of_transport(uint16_t transport)
{
    switch (transport) {
    case CS_HCCL_TRANSPORT_SDMA: return CS_TRANSPORT_SDMA;
    case CS_HCCL_TRANSPORT_RDMA: return CS_TRANSPORT_RDMA;
    case CS_HCCL_TRANSPORT_LOCAL: return CS_TRANSPORT_LOCAL;
    case CS_HCCL_RESERVED: return CS_TRANSPORT_RESERVED;
    case CS_HCCL_NA: return CS_TRANSPORT_NA;
    default: return CS_TRANSPORT_INVALID;
    }
}

/* is_valid_link: a local rank that is neither NULL nor 0xFFFFFFFF, and a
** remote rank that is not NULL. */
static bool valid_link(const cs_comm_task *t)
{
    return !(t->flags & (CS_COMM_TASK_SRC_NULL | CS_COMM_TASK_DST_NULL)) && t->src_rank != RANK_INVALID;
}

/* The link of a task (get_link_key: remote 0xFFFFFFFF means the task's own
** rank), created on first use. */
static link_acc *link_of(scratch *s, const cs_comm_task *t)
{
    uint32_t dst = t->dst_rank == RANK_INVALID ? t->src_rank : t->dst_rank;
    for (size_t i = 0; i < s->links.len; i++)
        if (s->links.items[i].src == t->src_rank && s->links.items[i].dst == dst) return &s->links.items[i];
    link_acc l = {t->src_rank, dst, CS_TRANSPORT_INVALID, 0, 0};
    CS_VEC_PUSH(s->links, l);
    return &s->links.items[s->links.len - 1];
}

static void matrix_plane(scratch *s, task_ptr *t, size_t n, int op_num, cs_comm_counts *c)
{
    size_t i = 0;
    while (i < n) {
        const cs_comm_task *e = t[i];
        if (!valid_link(e)) {
            /* Skipped before the payload test, as msprof does: a run whose
            ** first task has no rank loses that task only. */
            if (is_sdma_copy(e) || is_payload(e)) c->matrix_tasks_no_rank++;
            i++;
            continue;
        }
        if (is_sdma_copy(e) && !(e->flags & CS_COMM_TASK_SIZE_NULL)) {
            link_acc *l = link_of(s, e);
            l->transport = transport_of_link(e->link);
            l->size += (double)e->size_bytes / B_TO_MB;
            l->time += dur_ms(e);
        }
        if (is_payload(e)) {
            size_t k = payload_run(t, n, i);
            size_t j = i + k + (size_t)op_num - 2;
            if (j >= n) {
                i += k;
                continue;
            }
            int64_t bytes;
            if (run_bytes(t, i, k, &bytes)) {
                link_acc *l = link_of(s, e);
                l->transport = transport_of_transport(e->transport);
                l->time += run_ms(t, i, j);
                l->size += (double)bytes / B_TO_MB;
            }
            i += (size_t)op_num + k - 1;
            continue;
        }
        i++;
    }
}

static void matrix_finish(scratch *s, cs_comm_rank *out, cs_comm_op *op)
{
    op->link_first = (uint32_t)out->links.len;
    op->nlinks = (uint32_t)s->links.len;
    for (size_t i = 0; i < s->links.len; i++) {
        const link_acc *l = &s->links.items[i];
        cs_comm_link r = {l->src, l->dst, l->transport, l->size, l->time, 0};
        r.bandwidth = ratio_or_zero(l->size, l->time);  /* HcclAnalysisTool.divide */
        CS_VEC_PUSH(out->links, r);
    }
}

/* ------------------------------------------------------------------------
** One op.
*/

static uint32_t intern_group(cs_comm_rank *out, const char *name)
{
    for (size_t i = 0; i < out->groups.len; i++)
        if (strcmp(out->groups.items[i].name, name) == 0) return (uint32_t)i;
    cs_comm_group g = {cs_xstrdup(name), cs_double_hash(name)};
    CS_VEC_PUSH(out->groups, g);
    return (uint32_t)(out->groups.len - 1);
}

/* The master plane (get_master_plane_id: plane of the first isMaster task)
** and the first master task's start.  Returns false when the op has no
** usable master plane. */
static bool master_plane(const scratch *s, int32_t *plane, int64_t *first, cs_comm_counts *c)
{
    for (size_t i = 0; i < s->all.len; i++) {
        if (s->all.items[i]->is_master) {
            *plane = s->all.items[i]->plane_id;
            *first = s->all.items[i]->start_ns;     /* tasks are in time order */
            return true;
        }
    }
    for (size_t i = 0; i < s->all.len; i++) {
        if (s->all.items[i]->plane_id == 0) {
            c->ops_no_master++;
            *plane = 0;
            *first = s->all.items[i]->start_ns;
            return true;
        }
    }
    c->ops_no_master_plane++;
    return false;
}

static bool idle_consistent(const op_times *t)
{
    double sum = t->transit + t->wait + t->idle;
    double scale = fmax(fabs(t->elapse), fabs(t->transit) + fabs(t->wait) + fabs(t->idle));
    return fabs(sum - t->elapse) <= 1e-9 * scale;
}

static void compute_op(scratch *s, const cs_comm_op_in *in, int32_t plane, double start_us,
                       const cs_step *step, cs_comm_rank *out)
{
    const char *name = in->op_name ? in->op_name : "";
    int op_num = rdma_op_num(name);
    cs_comm_op op = {0};

    select_plane(s, plane);
    op_times t = time_info(s->plane.items, s->plane.len, op_num);
    if (!idle_consistent(&t)) out->counts.idle_mismatch++;

    band_reset(s);
    s->links.len = 0;
    collect_planes(s);
    for (size_t p = 0; p < s->planes.len; p++) {
        select_plane(s, s->planes.items[p]);
        bandwidth_plane(s, s->plane.items, s->plane.len, op_num, &out->counts);
        matrix_plane(s, s->plane.items, s->plane.len, op_num, &out->counts);
    }

    op.name = cs_xstrdup(name);
    op.group = intern_group(out, in->group_name);
    op.has_step_id = step->has_id;
    op.step_id = step->has_id ? step->id : 0;
    op.p2p = cs_is_p2p_by_type_rule(name);
    op.start_us = start_us;
    op.elapse_ms = t.elapse;
    op.transit_ms = t.transit;
    op.wait_ms = t.wait;
    op.sync_ms = t.sync;
    op.idle_ms = t.idle;
    op.wait_ratio = ratio_or_zero(t.wait, t.wait + t.transit);
    op.sync_ratio = ratio_or_zero(t.sync, t.sync + t.transit);
    bandwidth_finish(s, out, &op);
    matrix_finish(s, out, &op);
    CS_VEC_PUSH(out->ops, op);
}

/* The op's tasks into s->all; NULL sizes counted. */
static void gather(scratch *s, const cs_comm_task *tasks, const size_t *order, size_t lo, size_t hi)
{
    s->all.len = 0;
    for (size_t i = lo; i < hi; i++) CS_VEC_PUSH(s->all, &tasks[order[i]]);
}

static size_t null_sizes(const scratch *s)
{
    size_t n = 0;
    for (size_t i = 0; i < s->all.len; i++) n += (s->all.items[i]->flags & CS_COMM_TASK_SIZE_NULL) != 0;
    return n;
}

int cs_comm_rank_compute(const cs_comm_op_in *ops, size_t nops,
                         const cs_comm_task *tasks, size_t ntasks,
                         const cs_step *steps, size_t nsteps,
                         const cs_comm_options *opt,
                         cs_comm_rank *out, cs_err *err)
{
    if ((!ops && nops) || (!tasks && ntasks) || (!steps && nsteps))
        return cs_fail(err, "communication: NULL input array");
    if (ntasks >= UINT32_MAX || nops >= UINT32_MAX)
        return cs_fail(err, "communication: too many ops or tasks in one rank");
    memset(&out->counts, 0, sizeof out->counts);
    out->counts.ops = (int64_t)nops;

    size_t *order = sort_tasks(tasks, ntasks);
    out->counts.tasks_orphan = (int64_t)count_orphans(tasks, order, ntasks, ops, nops);
    scratch s = {0};
    for (size_t i = 0; i < nops; i++) {
        const cs_comm_op_in *in = &ops[i];
        if (!in->group_name) {
            out->counts.ops_no_group++;
            continue;
        }
        size_t lo, hi;
        op_tasks(tasks, order, ntasks, in->op_id, &lo, &hi);
        if (lo == hi) {
            out->counts.ops_no_tasks++;
            continue;
        }
        gather(&s, tasks, order, lo, hi);
        int32_t plane;
        int64_t first;
        if (!master_plane(&s, &plane, &first, &out->counts)) continue;
        double start_us = cs_comm_ns_to_us(first);
        long st = find_step(steps, nsteps, cs_comm_us_to_ns(start_us));
        if (st < 0) {
            out->counts.ops_dropped_step++;
            continue;
        }
        if (opt && opt->only_step && (!steps[st].has_id || steps[st].id != opt->step_id)) {
            out->counts.ops_other_step++;
            continue;
        }
        out->counts.tasks_size_null += (int64_t)null_sizes(&s);
        compute_op(&s, in, plane, start_us, &steps[st], out);
    }
    scratch_free(&s);
    free(order);
    out->counts.ops_kept = (int64_t)out->ops.len;
    if (out->bands.len >= UINT32_MAX || out->links.len >= UINT32_MAX || out->packets.len >= UINT32_MAX)
        return cs_fail(err, "communication: too many records in one rank");
    cs_comm_rank_integrate(out);
    return 0;
}

int cs_comm_op_times(const cs_comm_op_in *ops, size_t nops, const cs_comm_task *tasks, size_t ntasks,
                     double *transit_ms, double *sync_ms, cs_err *err)
{
    if ((!ops && nops) || (!tasks && ntasks) || ((!transit_ms || !sync_ms) && nops))
        return cs_fail(err, "communication: NULL input array");
    size_t *order = sort_tasks(tasks, ntasks);
    scratch s = {0};
    cs_comm_counts unused = {0};
    for (size_t i = 0; i < nops; i++) {
        transit_ms[i] = sync_ms[i] = NAN;
        size_t lo, hi;
        int32_t plane;
        int64_t first;
        if (!ops[i].group_name) continue;
        op_tasks(tasks, order, ntasks, ops[i].op_id, &lo, &hi);
        if (lo == hi) continue;
        gather(&s, tasks, order, lo, hi);
        if (!master_plane(&s, &plane, &first, &unused)) continue;
        select_plane(&s, plane);
        op_times t = time_info(s.plane.items, s.plane.len, rdma_op_num(ops[i].op_name ? ops[i].op_name : ""));
        transit_ms[i] = t.transit;
        sync_ms[i] = t.sync;
    }
    scratch_free(&s);
    free(order);
    return 0;
}

void cs_comm_rank_free(cs_comm_rank *r)
{
    if (!r) return;
    for (size_t i = 0; i < r->groups.len; i++) free(r->groups.items[i].name);
    for (size_t i = 0; i < r->ops.len; i++) free(r->ops.items[i].name);
    free(r->groups.items);
    free(r->ops.items);
    free(r->bands.items);
    free(r->packets.items);
    free(r->links.items);
    free(r->reps.items);
    memset(r, 0, sizeof *r);
}
