/*
** report.h — the run's report: skipped ranks/analyses (ClusterSkipped rows)
** and report lines (notes and warnings), with the orderings outputs.md §2
** prescribes.  Both are plain data; cli/ prints them, io/ writes them.
*/
#ifndef CS_REPORT_H
#define CS_REPORT_H

#include <stdbool.h>
#include "cs_base.h"

/* One ClusterSkipped row.  Strings are owned by the record. */
typedef struct cs_skip {
    bool has_rank;      /* false: the folder gives no rank id (NULL rank) */
    int64_t rank;
    char *path;         /* rank folder; "" for a --rank_list id not found */
    char *analysis;     /* discover, read, overlap, module_statistic, ... */
    char *reason;
} cs_skip;

typedef enum cs_line_kind {
    CS_LINE_CLOCK_SKEW = 0, /* sorted first, in ClusterClockOffsets order */
    CS_LINE_GENERAL = 1,    /* "<analysis>: <text>" */
    CS_LINE_RANK = 2        /* "rank R: N <what> (<analysis>)" */
} cs_line_kind;

typedef struct cs_line {
    cs_line_kind kind;
    int64_t rank;       /* CS_LINE_RANK only */
    int64_t seq;        /* CS_LINE_CLOCK_SKEW: position in table order */
    char *analysis;
    char *text;         /* the whole line, without the "clusterscope: " prefix */
} cs_line;

typedef struct cs_report {
    CS_VEC(cs_skip) skips;
    CS_VEC(cs_line) lines;
} cs_report;

void cs_report_skip(cs_report *r, bool has_rank, int64_t rank, const char *path,
                    const char *analysis, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* "<analysis>: <text>" */
void cs_report_note(cs_report *r, const char *analysis, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* "rank R: N <what> (<analysis>)"; a count of 0 is not reported. */
void cs_report_count(cs_report *r, int64_t rank, int64_t count,
                     const char *what, const char *analysis);
/* Moves every entry of src into dst; src is left empty. */
void cs_report_move(cs_report *dst, cs_report *src);
/* Sorts skips and lines into the order of outputs.md §2 and drops exact
** duplicate lines. */
void cs_report_sort(cs_report *r);
/* Number of skips with analysis "discover" or "read". */
size_t cs_report_ranks_skipped(const cs_report *r);
void cs_report_free(cs_report *r);

#endif
