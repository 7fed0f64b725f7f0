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

/* The metrics of summary.json for one rank, or for the cluster; the
** workbook's chart data uses the same numbers. */
typedef struct cs_metrics {
    bool has_time;
    double step_time_us, computing_us, not_overlapped_us, free_us;
    bool has_comm;
    double wait_ratio, sync_ratio;
    bool has_band[CS_BAND_COUNT];
    double band_gbps[CS_BAND_COUNT];
} cs_metrics;

cs_metrics cs_summary_rank_metrics(const cs_summary_input *in, int64_t rank);

/* input.step_ids (ascending; *ids allocated, caller frees) and input.hosts. */
size_t cs_summary_step_ids(const cs_summary_input *in, int64_t **ids);
int64_t cs_summary_hosts(const cs_summary_input *in);
cs_metrics cs_summary_cluster_metrics(const cs_summary_input *in);

/* The "modules" list: at most 10 entries written into out; returns how
** many.  The caller frees each path. */
typedef struct cs_module_total {
    char *path;
    double total_us;
} cs_module_total;
size_t cs_summary_top_modules(const cs_summary_input *in, cs_module_total out[10]);

#endif
