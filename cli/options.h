/*
** options.h — the command line of clusterscope (outputs.md §2).
*/
#ifndef CS_OPTIONS_H
#define CS_OPTIONS_H

#include <stdbool.h>
#include "cs_base.h"

typedef enum cs_export_type {
    CS_EXPORT_DB, CS_EXPORT_CSV, CS_EXPORT_TEXT, CS_EXPORT_EXCEL, CS_EXPORT_JSON
} cs_export_type;

typedef enum cs_progress { CS_PROGRESS_AUTO, CS_PROGRESS_BAR, CS_PROGRESS_LINES, CS_PROGRESS_NONE } cs_progress;

typedef struct cs_options {
    const char *input_dir;      /* -d; borrowed from argv */
    const char *output_dir;     /* -o; defaults to input_dir */
    bool output_given;          /* -o was given (messages name it so) */
    const char *mode;           /* -m; default "all" */
    cs_export_type export_type;
    int64_t *rank_list;         /* owned; NULL = every rank */
    size_t nrank_list;
    bool has_step_id;           /* --step_id N with N >= 0 */
    int64_t step_id;
    int64_t top_num;
    bool top_num_given;
    bool force;
    cs_progress progress;
    bool quiet;
    bool help, version;
} cs_options;

/* Parses argv.  Returns 0, or -1 with a usage message in err. */
int cs_options_parse(int argc, char **argv, cs_options *o, cs_err *err);
void cs_options_free(cs_options *o);

/* The modes clusterscope implements, for messages and validation. */
bool cs_mode_known(const char *mode);
const char *cs_modes_list(void);
const char *cs_export_type_name(cs_export_type t);

/* The text of --help. */
const char *cs_usage(void);

#endif
