/*
** pipeline.h — the MPI-free stages of a run: analysing one rank, and merging
** and exporting the per-rank results.  cli/mpi_driver.c distributes the
** first and gathers for the second; tests call both directly.
*/
#ifndef CS_PIPELINE_H
#define CS_PIPELINE_H

#include "discover.h"
#include "export.h"
#include "options.h"
#include "rank_result.h"

/* Reads and analyses one rank.  Never fails: a rank that cannot be used
** gets analysed = false and a skip row in res->report. */
void cs_pipeline_analyse_rank(const cs_rank_dir *dir, const cs_options *o, cs_rank_result *res);

/*
** Merges the results (any order; sorted here by rank), moves their report
** entries into report, writes every output of the mode and export type, and
** leaves report sorted.  Returns the exit status (0 complete, 3 partial), or
** -1 with a message in err for a fatal condition (exit 2).
*/
int cs_pipeline_finish(const cs_options *o, cs_rank_result *results, size_t n,
                       cs_report *report, cs_finish_stats *stats, cs_err *err);

/* Creates OUT/cluster_analysis_output (mode 0750) and checks it can be
** written; run before any analysis so a bad -o costs nothing. */
int cs_prepare_output_dir(const cs_options *o, cs_err *err);

/* The text `clusterscope -V` prints, without newline. */
const char *cs_tool_version(void);

#endif
