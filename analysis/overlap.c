/*
** overlap.c — the StepTraceTime numbers from compute and communication
** ranges (analyses.md §2.b.1).
*/
#include "overlap.h"

static int cmp_device_range(const void *a, const void *b)
{
    const cs_device_range *x = a, *y = b;
    if (x->device != y->device) return x->device < y->device ? -1 : 1;
    if (x->start != y->start) return x->start < y->start ? -1 : 1;
    if (x->end != y->end) return x->end < y->end ? -1 : 1;
    return 0;
}

static bool sorted_ranges(const cs_device_range *r, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (cmp_device_range(&r[i - 1], &r[i]) > 0) return false;
    return true;
}

/* Copies the ranges of r[0..n) that start inside [lo, hi) into dst. */
static size_t select_window(const cs_device_range *r, size_t n, int64_t lo,
                            int64_t hi, cs_range *dst, int64_t *receive_len)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (r[i].start < lo || r[i].start >= hi) continue;
        dst[k].start = r[i].start;
        dst[k].end = r[i].end;
        k++;
        if (receive_len && r[i].is_receive) *receive_len += r[i].end - r[i].start;
    }
    return k;
}

static int64_t first_start(const cs_range *r, size_t n)
{
    int64_t first = INT64_MAX;
    for (size_t i = 0; i < n; i++)
        if (r[i].start < first) first = r[i].start;
    return first;
}

void cs_overlap_values(const cs_step *step,
                       const cs_device_range *compute, size_t ncompute,
                       const cs_device_range *comm, size_t ncomm,
                       int64_t v[CS_OV_NVALUES])
{
    cs_range *c = cs_xmalloc((ncompute ? ncompute : 1) * sizeof *c);
    cs_range *m = cs_xmalloc((ncomm ? ncomm : 1) * sizeof *m);
    int64_t bubble = 0;
    size_t nc = select_window(compute, ncompute, step->start, step->end, c, NULL);
    size_t nm = select_window(comm, ncomm, step->start, step->end, m, &bubble);
    int64_t first_comm = first_start(m, nm);

    nc = cs_ranges_merge(c, nc);
    nm = cs_ranges_merge(m, nm);
    int64_t computing = cs_ranges_length(c, nc);
    int64_t communication = cs_ranges_length(m, nm);
    int64_t both = cs_ranges_intersection_length(c, nc, m, nm);
    int64_t not_overlapped = communication - both;
    int64_t span = cs_ranges_span(c, nc, m, nm);

    v[CS_OV_COMPUTING] = computing;
    v[CS_OV_COMM_NOT_OVERLAPPED] = not_overlapped;
    v[CS_OV_OVERLAPPED] = communication - not_overlapped;
    v[CS_OV_COMMUNICATION] = communication;
    v[CS_OV_FREE] = span - (computing + communication - both);
    v[CS_OV_BUBBLE] = bubble;
    v[CS_OV_STAGE] = span - bubble;
    v[CS_OV_COMM_NOT_OVERLAPPED_EXCL_RECEIVE] = not_overlapped - bubble;
    /* The reference's quirk (§4 item 8): without a compute range the first
    ** task is 0 and preparing is 0. */
    if (nc == 0 || step->no_fwk_start) {
        v[CS_OV_PREPARING] = 0;
    } else {
        int64_t first_task = c[0].start < first_comm ? c[0].start : first_comm;
        v[CS_OV_PREPARING] = first_task - step->fwk_start;
    }
    free(c);
    free(m);
}

/* [*lo, *hi) = the run of r with device d; r sorted by device. */
static void device_run(const cs_device_range *r, size_t n, int64_t d, size_t *lo, size_t *hi)
{
    size_t i = 0;
    while (i < n && r[i].device < d) i++;
    *lo = i;
    while (i < n && r[i].device == d) i++;
    *hi = i;
}

static int cmp_row(const void *a, const void *b)
{
    const cs_overlap_row *x = a, *y = b;
    if (x->has_step_id != y->has_step_id) return x->has_step_id ? 1 : -1;
    if (x->step_id != y->step_id) return x->step_id < y->step_id ? -1 : 1;
    if (x->device != y->device) return x->device < y->device ? -1 : 1;
    return 0;
}

void cs_overlap_compute(const cs_step *steps, size_t nsteps,
                        cs_device_range *compute, size_t ncompute,
                        cs_device_range *comm, size_t ncomm,
                        cs_overlap_rows *out)
{
    /* Ranges arrive mostly sorted already (one device, time order). */
    if (!sorted_ranges(compute, ncompute)) qsort(compute, ncompute, sizeof *compute, cmp_device_range);
    if (!sorted_ranges(comm, ncomm)) qsort(comm, ncomm, sizeof *comm, cmp_device_range);
    size_t first_row = out->len;
    size_t i = 0, j = 0;
    while (i < ncompute || j < ncomm) {
        int64_t d = i < ncompute ? compute[i].device : INT64_MAX;
        if (j < ncomm && comm[j].device < d) d = comm[j].device;
        size_t clo, chi, mlo, mhi;
        device_run(compute, ncompute, d, &clo, &chi);
        device_run(comm, ncomm, d, &mlo, &mhi);
        for (size_t s = 0; s < nsteps; s++) {
            cs_overlap_row row = {d, steps[s].has_id, steps[s].has_id ? steps[s].id : 0, {0}};
            cs_overlap_values(&steps[s], compute + clo, chi - clo, comm + mlo, mhi - mlo, row.v);
            CS_VEC_PUSH(*out, row);
        }
        i = chi;
        j = mhi;
    }
    qsort(out->items + first_row, out->len - first_row, sizeof(cs_overlap_row), cmp_row);
}
