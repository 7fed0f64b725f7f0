/*
** steps.h — step windows of one rank (analyses.md §2.b.1 "Steps").
**
** A host step [host_start, host_end] becomes a device window [START, END):
** START = the earliest start of the device tasks launched (CANN_API node
** rows, type 10000) inside the host step, END = max(latest such task end,
** host end).  Without any step the rank has one step with no id spanning
** the whole profile.
*/
#ifndef CS_STEPS_H
#define CS_STEPS_H

#include <stdbool.h>
#include "cs_base.h"

typedef struct cs_step {
    bool has_id;            /* false: the single step of a profile without steps */
    int64_t id;
    int64_t host_start, host_end;
    int64_t start;          /* START */
    int64_t end;            /* END (INT64_MAX for the no-step window) */
    int64_t fwk_start;      /* FWK_START, for "preparing" */
    bool no_fwk_start;      /* no-step window without any framework op: preparing is 0 */
} cs_step;

/* A node launch: a CANN_API row with type = 10000. */
typedef struct cs_launch {
    int64_t connection_id;
    int64_t start, end;
} cs_launch;

typedef struct cs_step_builder {
    cs_step *steps;         /* borrowed; sorted by host_start */
    size_t nsteps;
    const cs_launch *launches; /* borrowed; sorted by connection_id */
    size_t nlaunches;
    int64_t *task_min;      /* per step: earliest task start, INT64_MAX if none */
    int64_t *task_max;      /* per step: latest task end, INT64_MIN if none */
    int64_t *end_prefix_max; /* per step: max host_end of steps 0..i */
    int64_t first_launched_task; /* no-step START: INT64_MAX if none */
    size_t hint;            /* index of the last launch found */
} cs_step_builder;

/* Sorts host steps by (host_start, id) and launches by connection id, and
** prepares the builder.  The builder borrows both arrays. */
void cs_step_builder_init(cs_step_builder *b, cs_step *steps, size_t nsteps,
                          cs_launch *launches, size_t nlaunches);
/* Feeds one TASK row (any type). */
void cs_step_builder_add_task(cs_step_builder *b, int64_t connection_id,
                              int64_t start, int64_t end);
/* Fills START/END of every host step; with no host step, appends nothing:
** use cs_step_no_steps for that case.  fwk_start = host_start. */
void cs_step_builder_finish(cs_step_builder *b);
void cs_step_builder_free(cs_step_builder *b);

/* The single no-id step of a profile without steps: START = the earliest
** launched task (0 if none), END = +inf, FWK_START = the earliest framework
** op (has_fwk_start false when there is none: preparing is then 0). */
cs_step cs_step_no_steps(int64_t first_launched_task, bool has_fwk_start, int64_t fwk_start);

/* Binary search of a launch by connection id; NULL when absent. */
const cs_launch *cs_launch_find(const cs_launch *l, size_t n, int64_t connection_id);

#endif
