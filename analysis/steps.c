/*
** steps.c — building device step windows from host steps and launches.
*/
#include "steps.h"

static int cmp_step(const void *a, const void *b)
{
    const cs_step *x = a, *y = b;
    if (x->host_start != y->host_start) return x->host_start < y->host_start ? -1 : 1;
    if (x->id != y->id) return x->id < y->id ? -1 : 1;
    return 0;
}

static int cmp_launch(const void *a, const void *b)
{
    const cs_launch *x = a, *y = b;
    if (x->connection_id != y->connection_id)
        return x->connection_id < y->connection_id ? -1 : 1;
    if (x->start != y->start) return x->start < y->start ? -1 : 1;
    return 0;
}

void cs_step_builder_init(cs_step_builder *b, cs_step *steps, size_t nsteps,
                          cs_launch *launches, size_t nlaunches)
{
    if (nsteps) qsort(steps, nsteps, sizeof *steps, cmp_step);
    bool sorted = true;
    for (size_t i = 1; i < nlaunches && sorted; i++) sorted = cmp_launch(&launches[i - 1], &launches[i]) <= 0;
    if (!sorted) qsort(launches, nlaunches, sizeof *launches, cmp_launch);
    b->hint = 0;
    b->steps = steps;
    b->nsteps = nsteps;
    b->launches = launches;
    b->nlaunches = nlaunches;
    b->task_min = cs_xmalloc((nsteps ? nsteps : 1) * sizeof(int64_t));
    b->task_max = cs_xmalloc((nsteps ? nsteps : 1) * sizeof(int64_t));
    for (size_t i = 0; i < nsteps; i++) {
        b->task_min[i] = INT64_MAX;
        b->task_max[i] = INT64_MIN;
    }
    b->first_launched_task = INT64_MAX;
    b->end_prefix_max = cs_xmalloc((nsteps ? nsteps : 1) * sizeof(int64_t));
    for (size_t i = 0; i < nsteps; i++) {
        int64_t prev = i ? b->end_prefix_max[i - 1] : INT64_MIN;
        b->end_prefix_max[i] = steps[i].host_end > prev ? steps[i].host_end : prev;
    }
}

const cs_launch *cs_launch_find(const cs_launch *l, size_t n, int64_t connection_id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (l[mid].connection_id < connection_id) lo = mid + 1;
        else hi = mid;
    }
    return lo < n && l[lo].connection_id == connection_id ? &l[lo] : NULL;
}

/* Index of the first step whose host_start > t. */
static size_t steps_starting_after(const cs_step_builder *b, int64_t t)
{
    size_t lo = 0, hi = b->nsteps;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (b->steps[mid].host_start <= t) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static void add_to_steps(cs_step_builder *b, const cs_launch *l, int64_t start, int64_t end)
{
    /* A launch belongs to every step whose host window contains it; steps are
    ** sorted by start, so only those starting at or before it can. */
    size_t last = steps_starting_after(b, l->start);
    for (size_t i = last; i-- > 0;) {
        const cs_step *s = &b->steps[i];
        if (s->host_start <= l->start && l->end <= s->host_end) {
            if (start < b->task_min[i]) b->task_min[i] = start;
            if (end > b->task_max[i]) b->task_max[i] = end;
        }
        /* No earlier window reaches the launch: stop (prefix maximum of
        ** the ends keeps this exact when windows overlap). */
        if (b->end_prefix_max[i] < l->start) break;
    }
}

/* TASK rows come mostly in launch order: try the last hit and its
** successor before a binary search (a tenth of the run time otherwise). */
static const cs_launch *find_with_hint(cs_step_builder *b, int64_t connection_id)
{
    const cs_launch *l = b->launches;
    size_t h = b->hint;
    if (h < b->nlaunches && l[h].connection_id != connection_id) h++;
    if (h >= b->nlaunches || l[h].connection_id != connection_id) {
        const cs_launch *found = cs_launch_find(l, b->nlaunches, connection_id);
        if (!found) return NULL;
        h = (size_t)(found - l);
    }
    while (h > 0 && l[h - 1].connection_id == connection_id) h--;   /* first of a run */
    b->hint = h;
    return &l[h];
}

void cs_step_builder_add_task(cs_step_builder *b, int64_t connection_id,
                              int64_t start, int64_t end)
{
    const cs_launch *l = find_with_hint(b, connection_id);
    if (!l) return;
    if (start < b->first_launched_task) b->first_launched_task = start;
    /* Several launch rows may share a connection id; each counts. */
    for (; l < b->launches + b->nlaunches && l->connection_id == connection_id; l++)
        add_to_steps(b, l, start, end);
}

void cs_step_builder_finish(cs_step_builder *b)
{
    for (size_t i = 0; i < b->nsteps; i++) {
        cs_step *s = &b->steps[i];
        s->start = b->task_min[i] != INT64_MAX ? b->task_min[i] : s->host_start;
        s->end = b->task_max[i] > s->host_end ? b->task_max[i] : s->host_end;
        s->fwk_start = s->host_start;
    }
}

void cs_step_builder_free(cs_step_builder *b)
{
    free(b->task_min);
    free(b->task_max);
    free(b->end_prefix_max);
    b->task_min = b->task_max = b->end_prefix_max = NULL;
}

cs_step cs_step_no_steps(int64_t first_launched_task, bool has_fwk_start, int64_t fwk_start)
{
    cs_step s = {0};
    s.has_id = false;
    s.start = first_launched_task == INT64_MAX ? 0 : first_launched_task;
    s.end = INT64_MAX;
    s.fwk_start = has_fwk_start ? fwk_start : 0;
    s.no_fwk_start = !has_fwk_start;
    return s;
}
