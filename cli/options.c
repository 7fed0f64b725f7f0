/*
** options.c — parsing clusterscope's flags (the reference's names).
*/
#include "options.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

static const char *const modes[] = {"all", "module_statistic", "communication_group_map", "communication_time",
                                    "communication_matrix", "communication_time_sum", "communication_matrix_sum",
                                    "straggler", "slow_rank", "hccl_sum"};

bool cs_mode_known(const char *mode)
{
    for (size_t i = 0; i < sizeof modes / sizeof *modes; i++)
        if (strcmp(mode, modes[i]) == 0) return true;
    return false;
}

const char *cs_modes_list(void)
{
    return "all, module_statistic, communication_group_map, communication_time, communication_matrix, "
           "communication_time_sum, communication_matrix_sum, straggler, slow_rank, hccl_sum";
}

const char *cs_export_type_name(cs_export_type t)
{
    static const char *const names[] = {"db", "csv", "text", "excel", "json"};
    return names[t];
}

const char *cs_usage(void)
{
    return
        "usage: mpirun -np P clusterscope -d DIR [-o OUT] [-m MODE] [--export_type db|csv|text|excel|json]\n"
        "                                 [--rank_list 0,1,...] [--step_id N] [--top_num N]\n"
        "                                 [--progress auto|bar|lines|none]\n"
        "                                 [--quiet] [--force] [-h] [-V]\n"
        "       clusterscope compare BASE NEW [--threshold [FAMILY=]PCT] [--export_type text|csv|excel] [-o DIR]\n"
        "\n"
        "Analyses the Ascend PyTorch Profiler data of a multi-card job (the *_ascend_pt folders\n"
        "under DIR) and writes the results to OUT/cluster_analysis_output/ (OUT defaults to DIR).\n"
        "Runs under mpirun (the rank databases are split between the processes) or alone.\n"
        "\n"
        "  -d, --profiling_path DIR  root of the cluster's profiler folders (required)\n"
        "  -o, --output_path DIR     output root (default: DIR)\n"
        "  -m, --mode MODE           analysis: all (default), module_statistic,\n"
        "                            communication_group_map, communication_time,\n"
        "                            communication_matrix, communication_time_sum,\n"
        "                            communication_matrix_sum, straggler, slow_rank,\n"
        "                            hccl_sum\n"
        "      --export_type T       db (cluster_analysis.db, default), csv (CSV files), text (CSV\n"
        "                            files, per-rank module files as the reference's xlsx), excel\n"
        "                            (cluster_analysis.xlsx), json (summary.json only)\n"
        "      --rank_list LIST      analyse only these rank ids (comma separated)\n"
        "      --step_id N           analyse only step N (negative: all steps)\n"
        "      --top_num N           ops in HcclTopOpStats (hccl_sum; default 15)\n"
        "      --progress P          auto (default), bar, lines or none\n"
        "      --quiet               no progress and no report lines on stderr\n"
        "      --force               accepted for compatibility with msprof-analyze\n"
        "      --parallel_mode M     accepted and ignored (MPI decides the parallelism)\n"
        "  -h, --help                this text\n"
        "  -V, --version             the version\n"
        "\n"
        "Exit status: 0 every rank analysed; 2 usage or fatal input error; 3 partial result\n"
        "(ranks or analyses skipped: listed on stderr and in the output).\n";
}

static int parse_int(const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end) return -1;
    *out = v;
    return 0;
}

/* The reference drops non-digit items silently; clusterscope rejects them,
** since a typo would otherwise widen the analysis to every rank. */
static int parse_rank_list(const char *s, cs_options *o, cs_err *err)
{
    char *copy = cs_xstrdup(s);
    for (char *tok = strtok(copy, ","); tok; tok = strtok(NULL, ",")) {
        int64_t v;
        if (parse_int(tok, &v) || v < 0) {
            cs_fail(err, "--rank_list: '%s' is not a rank id", tok);   /* tok points into copy */
            free(copy);
            return -1;
        }
        o->rank_list = cs_xrealloc(o->rank_list, (o->nrank_list + 1) * sizeof(int64_t));
        o->rank_list[o->nrank_list++] = v;
    }
    free(copy);
    if (o->nrank_list == 0) return cs_fail(err, "--rank_list: no rank id given");
    return 0;
}

static int parse_export(const char *v, cs_options *o, cs_err *err)
{
    static const struct { const char *name; cs_export_type t; } table[] = {
        {"db", CS_EXPORT_DB}, {"csv", CS_EXPORT_CSV}, {"text", CS_EXPORT_TEXT},
        {"excel", CS_EXPORT_EXCEL}, {"json", CS_EXPORT_JSON}};
    for (size_t i = 0; i < sizeof table / sizeof *table; i++) {
        if (strcmp(v, table[i].name) == 0) {
            o->export_type = table[i].t;
            return 0;
        }
    }
    return cs_fail(err, "--export_type: '%s' is not one of db, csv, text, excel, json", v);
}

static int parse_progress(const char *v, cs_options *o, cs_err *err)
{
    static const char *const names[] = {"auto", "bar", "lines", "none"};
    for (int i = 0; i < 4; i++) {
        if (strcmp(v, names[i]) == 0) {
            o->progress = (cs_progress)i;
            return 0;
        }
    }
    return cs_fail(err, "--progress: '%s' is not one of auto, bar, lines, none", v);
}

/* Applies one flag that takes a value. */
static int apply_valued(const char *flag, const char *v, cs_options *o, cs_err *err)
{
    if (!strcmp(flag, "-d") || !strcmp(flag, "--profiling_path")) o->input_dir = v;
    else if (!strcmp(flag, "-o") || !strcmp(flag, "--output_path")) {
        o->output_dir = v;
        o->output_given = true;
    } else if (!strcmp(flag, "-m") || !strcmp(flag, "--mode")) o->mode = v;
    else if (!strcmp(flag, "--export_type")) return parse_export(v, o, err);
    else if (!strcmp(flag, "--rank_list")) return strcmp(v, "all") ? parse_rank_list(v, o, err) : 0;
    else if (!strcmp(flag, "--step_id")) {
        if (parse_int(v, &o->step_id)) return cs_fail(err, "--step_id: '%s' is not an integer", v);
        o->has_step_id = o->step_id >= 0;
    } else if (!strcmp(flag, "--top_num")) {
        if (parse_int(v, &o->top_num) || o->top_num <= 0)
            return cs_fail(err, "--top_num: '%s' is not a positive integer", v);
        o->top_num_given = true;
    } else if (!strcmp(flag, "--progress")) return parse_progress(v, o, err);
    else if (!strcmp(flag, "--parallel_mode")) return 0;
    else return cs_fail(err, "unknown option '%s' (see --help)", flag);
    return 0;
}

static bool takes_value(const char *flag)
{
    static const char *const valued[] = {"-d", "--profiling_path", "-o", "--output_path", "-m", "--mode",
                                         "--export_type", "--rank_list", "--step_id", "--top_num",
                                         "--progress", "--parallel_mode"};
    for (size_t i = 0; i < sizeof valued / sizeof *valued; i++)
        if (strcmp(flag, valued[i]) == 0) return true;
    return false;
}

static int parse_flag(int argc, char **argv, int *i, cs_options *o, cs_err *err)
{
    char *arg = argv[*i];
    char *eq = strncmp(arg, "--", 2) == 0 ? strchr(arg, '=') : NULL;
    if (eq) {
        /* --flag=value */
        char flag[64];
        size_t n = (size_t)(eq - arg);
        if (n >= sizeof flag) return cs_fail(err, "unknown option '%s' (see --help)", arg);
        memcpy(flag, arg, n);
        flag[n] = '\0';
        return apply_valued(flag, eq + 1, o, err);
    }
    if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) o->help = true;
    else if (!strcmp(arg, "-V") || !strcmp(arg, "--version")) o->version = true;
    else if (!strcmp(arg, "--quiet")) o->quiet = true;
    else if (!strcmp(arg, "--force")) o->force = true;
    else if (takes_value(arg)) {
        if (*i + 1 >= argc) return cs_fail(err, "option '%s' needs a value", arg);
        return apply_valued(arg, argv[++*i], o, err);
    } else return cs_fail(err, "unknown option '%s' (see --help)", arg);
    return 0;
}

int cs_options_parse(int argc, char **argv, cs_options *o, cs_err *err)
{
    memset(o, 0, sizeof *o);
    o->mode = "all";
    o->export_type = CS_EXPORT_DB;
    o->top_num = 15;
    int i = 1;
    if (i < argc && strcmp(argv[i], "cluster") == 0) i++;   /* msprof-analyze's sub-command */
    for (; i < argc; i++)
        if (parse_flag(argc, argv, &i, o, err)) return -1;
    if (o->help || o->version) return 0;
    if (!o->input_dir) return cs_fail(err, "-d DIR is required (see --help)");
    if (!o->output_dir) o->output_dir = o->input_dir;
    if (!cs_mode_known(o->mode))
        return cs_fail(err, "mode '%s' is not available; available modes: %s", o->mode, cs_modes_list());
    if (strcmp(o->mode, "hccl_sum") == 0 && o->export_type == CS_EXPORT_EXCEL)
        return cs_fail(err, "--export_type excel: -m hccl_sum has no Excel form; use db, csv, text or json");
    return 0;
}

void cs_options_free(cs_options *o)
{
    free(o->rank_list);
    o->rank_list = NULL;
}
