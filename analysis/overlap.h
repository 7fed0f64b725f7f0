/*
** overlap.h — compute / communication / free overlap per (device, step)
** (analyses.md §2.b.1, the StepTraceTime numbers).
*/
#ifndef CS_OVERLAP_H
#define CS_OVERLAP_H

#include <stdbool.h>
#include "cs_base.h"
#include "interval.h"
#include "steps.h"

/* A compute kernel or a communication op on one device. */
typedef struct cs_device_range {
    int64_t start, end;
    int64_t device;
    bool is_receive;        /* comm only: op name starts with "hcom_receive" */
} cs_device_range;

enum {
    CS_OV_COMPUTING,
    CS_OV_COMM_NOT_OVERLAPPED,
    CS_OV_OVERLAPPED,
    CS_OV_COMMUNICATION,
    CS_OV_FREE,
    CS_OV_STAGE,
    CS_OV_BUBBLE,
    CS_OV_COMM_NOT_OVERLAPPED_EXCL_RECEIVE,
    CS_OV_PREPARING,
    CS_OV_NVALUES
};

/* One StepTraceTime row, values in ns (converted to µs only when written). */
typedef struct cs_overlap_row {
    int64_t device;
    bool has_step_id;
    int64_t step_id;
    int64_t v[CS_OV_NVALUES];
} cs_overlap_row;

typedef CS_VEC(cs_overlap_row) cs_overlap_rows;

/*
** Computes the rows of one rank: one per (device, step) for every device
** that has a compute or communication range, steps in the given order.
** compute and comm are reordered in place (sorted by device, start).
** Rows are appended to out, ordered by (step id with the no-id step first,
** device).
*/
void cs_overlap_compute(const cs_step *steps, size_t nsteps,
                        cs_device_range *compute, size_t ncompute,
                        cs_device_range *comm, size_t ncomm,
                        cs_overlap_rows *out);

/* The values of one (device, step) from the ranges inside its window;
** exposed for the unit tests of the worked examples. */
void cs_overlap_values(const cs_step *step,
                       const cs_device_range *compute, size_t ncompute,
                       const cs_device_range *comm, size_t ncomm,
                       int64_t v[CS_OV_NVALUES]);

#endif
