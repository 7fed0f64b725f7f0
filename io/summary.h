/*
** summary.h — summary.json, the small versioned document for CI
** (outputs.md §5).
*/
#ifndef CS_SUMMARY_H
#define CS_SUMMARY_H

#include "comm_sum.h"
#include "rank_result.h"
#include "report.h"
#include "step_trace.h"

typedef struct cs_summary_input {
    const char *tool_version;
    const char *input_dir;          /* absolute path of -d */
    const cs_rank_result *ranks;    /* ascending; analysed ones count */
    size_t nranks;
    const cs_step_trace *trace;     /* ClusterStepTraceTime rows, or NULL if overlap did not run */
    const cs_report *report;        /* sorted */
    bool has_step_id;
    int64_t step_id;
    const cs_comm_sum *comm;        /* NULL: communication did not run */
    const cs_straggler_result *strag; /* NULL: the straggler report did not run */
    bool modules_ran;               /* module_statistic ran: "modules" is written */
} cs_summary_input;

/* Returns the document text (caller frees). */
char *cs_summary_json(const cs_summary_input *in);

#endif
