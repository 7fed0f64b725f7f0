/*
** export.h — writing every output of a run (outputs.md §2 table) in the
** chosen export type, plus summary.json.
*/
#ifndef CS_EXPORT_H
#define CS_EXPORT_H

#include "cluster.h"

typedef struct cs_finish_stats {
    size_t tables, files;
} cs_finish_stats;

/* Returns 0, or -1 with a message naming what could not be written (what
** was written before stays). */
int cs_export(const cs_options *o, const cs_cluster *c, cs_report *report,
              cs_finish_stats *stats, cs_err *err);

#endif
