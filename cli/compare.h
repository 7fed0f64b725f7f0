/*
** compare.h — `clusterscope compare BASE NEW` (outputs.md §6): compares two
** summary.json documents (§5) metric by metric and reports regressions.
**
** Runs without MPI.  cs_compare_main is the whole command; the pieces below
** it are exposed for the unit tests.
*/
#ifndef CS_COMPARE_H
#define CS_COMPARE_H

#include <stdbool.h>
#include <stdio.h>
#include "cs_base.h"

/* Exit statuses of the command (outputs.md §2). */
#define CS_COMPARE_OK 0
#define CS_COMPARE_REGRESSED 1
#define CS_COMPARE_BAD 2

typedef enum cs_cmp_family { CS_FAM_TIME, CS_FAM_RATIO, CS_FAM_BANDWIDTH, CS_FAM_COUNT } cs_cmp_family;

typedef enum cs_cmp_status {
    CS_CMP_OK, CS_CMP_REGRESSION, CS_CMP_IMPROVED, CS_CMP_MISSING, CS_CMP_NEW
} cs_cmp_status;

typedef enum cs_cmp_export { CS_CMP_TEXT, CS_CMP_CSV, CS_CMP_EXCEL } cs_cmp_export;

typedef struct cs_compare_opts {
    const char *base, *new_;            /* borrowed from argv */
    double threshold[CS_FAM_COUNT];     /* percent, per family */
    cs_cmp_export export_type;
    const char *out_dir;                /* borrowed; "." by default */
    bool help;
} cs_compare_opts;

typedef struct cs_compare_row {
    char *metric;                       /* owned: "ranks[5].wait_ratio" */
    cs_cmp_family family;
    bool has_base, has_new, has_change;
    double base, new_, change_pct, threshold_pct;
    cs_cmp_status status;
    bool counted;                       /* counted as a regression */
} cs_compare_row;

typedef struct cs_compare {
    CS_VEC(cs_compare_row) rows;
    CS_VEC(char *) notes;               /* owned lines, without the newline */
    size_t regressions;
} cs_compare;

/* The whole command; argv[0] is "compare".  Prints the table to stdout and
** messages to stderr; returns the exit status 0, 1 or 2. */
int cs_compare_main(int argc, char **argv);

/* The same, printing to out and errout (for tests). */
int cs_compare_run(int argc, char **argv, FILE *out, FILE *errout);

/* Parses the arguments after "compare" (argv[0] is skipped).  Returns 0, or
** -1 with a usage message. */
int cs_compare_parse(int argc, char **argv, cs_compare_opts *o, cs_err *err);

/* Reads and compares the two summaries named by o into c (which it
** initialises).  Returns 0, or -1 with a message naming the bad file; c is
** then empty. */
int cs_compare_build(const cs_compare_opts *o, cs_compare *c, cs_err *err);

/* Prints the padded table, the notes and "regressions: N". */
void cs_compare_print(const cs_compare *c, FILE *out);

/* Writes compare.csv or compare.xlsx under o->out_dir (nothing for text).
** Returns 0, or -1 with a message naming the file. */
int cs_compare_write(const cs_compare *c, const cs_compare_opts *o, cs_err *err);

void cs_compare_free(cs_compare *c);

const char *cs_cmp_family_name(cs_cmp_family f);
const char *cs_cmp_status_name(cs_cmp_status s);

#endif
