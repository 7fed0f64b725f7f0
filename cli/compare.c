/*
** compare.c — `clusterscope compare BASE NEW` (outputs.md §6).
**
** Reads two summary.json documents (§5) with cJSON, pairs their metrics
** (cluster; ranks by `rank`; modules by `path`), judges every pair by its
** family's direction, floor and threshold, and prints / writes the rows.
** No MPI: cli/main.c calls cs_compare_main before anything else.
*/
#include "compare.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <sys/stat.h>

#include "csv_writer.h"
#include "table.h"
#include "text_file.h"
#include "xlsx_writer.h"

#define SCHEMA "clusterscope.summary/1"
#define DEFAULT_THRESHOLD 5.0
/* Relative slack for the floor and threshold tests: a difference that is
** the floor or the threshold in decimal (22.55 -> 22.56 GB/s, 5%) must not
** flip with the rounding error of the subtraction and the division. */
#define CMP_EPS 1e-9

/* ---------------------------------------------------------------- names */

typedef struct family_def {
    const char *name;
    bool higher_is_worse;
    double floor;
} family_def;

static const family_def FAMILIES[CS_FAM_COUNT] = {
    [CS_FAM_TIME] = {"time", true, 1.0},
    [CS_FAM_RATIO] = {"ratio", true, 0.001},
    [CS_FAM_BANDWIDTH] = {"bandwidth", false, 0.01},
};

const char *cs_cmp_family_name(cs_cmp_family f)
{
    return f < CS_FAM_COUNT ? FAMILIES[f].name : "?";
}

const char *cs_cmp_status_name(cs_cmp_status s)
{
    static const char *const names[] = {"ok", "regression", "improved", "missing", "new"};
    return (unsigned)s < sizeof names / sizeof *names ? names[s] : "?";
}

/* A metric of an entry: obj[key] or obj[key][sub].  Key order of §5. */
typedef struct metric_def {
    const char *key, *sub;
    cs_cmp_family family;
} metric_def;

static const metric_def ENTRY_METRICS[] = {
    {"step_time_us", NULL, CS_FAM_TIME},
    {"computing_us", NULL, CS_FAM_TIME},
    {"communication_not_overlapped_us", NULL, CS_FAM_TIME},
    {"free_us", NULL, CS_FAM_TIME},
    {"wait_ratio", NULL, CS_FAM_RATIO},
    {"synchronization_ratio", NULL, CS_FAM_RATIO},
    {"bandwidth_gbps", "RDMA", CS_FAM_BANDWIDTH},
    {"bandwidth_gbps", "HCCS", CS_FAM_BANDWIDTH},
    {"bandwidth_gbps", "PCIE", CS_FAM_BANDWIDTH},
    {"bandwidth_gbps", "SDMA", CS_FAM_BANDWIDTH},
    {"bandwidth_gbps", "SIO", CS_FAM_BANDWIDTH},
};
#define N_ENTRY_METRICS (sizeof ENTRY_METRICS / sizeof *ENTRY_METRICS)

static const metric_def MODULE_METRICS[] = {{"total_kernel_us", NULL, CS_FAM_TIME}};

/* ------------------------------------------------------------ arguments */

static const char USAGE[] =
    "usage: clusterscope compare BASE NEW [--threshold PCT] [--threshold FAMILY=PCT ...]\n"
    "                            [--export_type text|csv|excel] [-o DIR]\n"
    "\n"
    "Compares two summary.json files (or folders holding cluster_analysis_output/summary.json\n"
    "or summary.json) metric by metric and lists what got worse.\n"
    "\n"
    "  --threshold PCT          change that counts, in percent, for every family (default 5)\n"
    "  --threshold FAMILY=PCT   the same for one family: time, ratio or bandwidth\n"
    "  --export_type T          text (stdout only, default), csv (also compare.csv),\n"
    "                           excel (also compare.xlsx)\n"
    "  -o, --output_path DIR    folder of compare.csv / compare.xlsx (default: .)\n"
    "  -h, --help               this text\n"
    "\n"
    "Exit status: 0 no regression; 1 regressions found; 2 bad input or output.\n";

/* A non-negative decimal number: digits with at most one point. */
static int parse_pct(const char *s, double *out)
{
    size_t digits = 0, points = 0;
    for (const char *p = s; *p; p++) {
        if (*p >= '0' && *p <= '9') digits++;
        else if (*p == '.') points++;
        else return -1;
    }
    if (digits == 0 || points > 1) return -1;
    *out = strtod(s, NULL);
    return isfinite(*out) ? 0 : -1;
}

typedef struct threshold_args {
    bool has_all, has[CS_FAM_COUNT];
    double all, fam[CS_FAM_COUNT];
} threshold_args;

static int parse_threshold(const char *v, threshold_args *t, cs_err *err)
{
    const char *eq = strchr(v, '=');
    double pct;
    if (parse_pct(eq ? eq + 1 : v, &pct))
        return cs_fail(err, "--threshold: '%s' is not a non-negative decimal number", eq ? eq + 1 : v);
    if (!eq) {
        t->has_all = true;
        t->all = pct;
        return 0;
    }
    for (int f = 0; f < CS_FAM_COUNT; f++) {
        if (strlen(FAMILIES[f].name) == (size_t)(eq - v) && strncmp(v, FAMILIES[f].name, (size_t)(eq - v)) == 0) {
            t->has[f] = true;
            t->fam[f] = pct;
            return 0;
        }
    }
    return cs_fail(err, "--threshold: unknown family '%.*s' (time, ratio or bandwidth)", (int)(eq - v), v);
}

static int parse_export(const char *v, cs_compare_opts *o, cs_err *err)
{
    if (!strcmp(v, "text")) o->export_type = CS_CMP_TEXT;
    else if (!strcmp(v, "csv")) o->export_type = CS_CMP_CSV;
    else if (!strcmp(v, "excel")) o->export_type = CS_CMP_EXCEL;
    else return cs_fail(err, "--export_type: '%s' is not one of text, csv, excel", v);
    return 0;
}

static int apply_valued(const char *flag, const char *v, cs_compare_opts *o, threshold_args *t, cs_err *err)
{
    if (!strcmp(flag, "--threshold")) return parse_threshold(v, t, err);
    if (!strcmp(flag, "--export_type")) return parse_export(v, o, err);
    if (!strcmp(flag, "-o") || !strcmp(flag, "--output_path")) {
        if (!*v) return cs_fail(err, "%s: empty folder name", flag);
        o->out_dir = v;
        return 0;
    }
    return cs_fail(err, "compare: unknown option '%s' (see clusterscope compare --help)", flag);
}

static int parse_flag(int argc, char **argv, int *i, cs_compare_opts *o, threshold_args *t, cs_err *err)
{
    const char *arg = argv[*i];
    const char *eq = strncmp(arg, "--", 2) == 0 ? strchr(arg, '=') : NULL;
    if (eq) {
        char flag[32];
        size_t n = (size_t)(eq - arg);
        if (n >= sizeof flag) return cs_fail(err, "compare: unknown option '%s'", arg);
        memcpy(flag, arg, n);
        flag[n] = '\0';
        return apply_valued(flag, eq + 1, o, t, err);
    }
    if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
        o->help = true;
        return 0;
    }
    if (!strcmp(arg, "--threshold") || !strcmp(arg, "--export_type") || !strcmp(arg, "-o") ||
        !strcmp(arg, "--output_path")) {
        if (*i + 1 >= argc) return cs_fail(err, "option '%s' needs a value", arg);
        return apply_valued(arg, argv[++*i], o, t, err);
    }
    return cs_fail(err, "compare: unknown option '%s' (see clusterscope compare --help)", arg);
}

int cs_compare_parse(int argc, char **argv, cs_compare_opts *o, cs_err *err)
{
    threshold_args t = {0};
    int npos = 0;
    memset(o, 0, sizeof *o);
    o->out_dir = ".";
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '-' && argv[i][1] != '\0') {
            if (parse_flag(argc, argv, &i, o, &t, err)) return -1;
        } else if (npos == 0) {
            o->base = argv[i];
            npos++;
        } else if (npos == 1) {
            o->new_ = argv[i];
            npos++;
        } else {
            return cs_fail(err, "compare: unexpected argument '%s' (BASE and NEW already given)", argv[i]);
        }
    }
    for (int f = 0; f < CS_FAM_COUNT; f++)
        o->threshold[f] = t.has[f] ? t.fam[f] : t.has_all ? t.all : DEFAULT_THRESHOLD;
    if (o->help) return 0;
    if (npos < 2) return cs_fail(err, "compare: BASE and NEW are required (see clusterscope compare --help)");
    return 0;
}

/* ---------------------------------------------------------------- input */

typedef struct rank_entry {
    int64_t rank;
    const cJSON *obj;
} rank_entry;

/* One parsed summary. */
typedef struct side {
    char *path;                     /* owned: the file read */
    cJSON *doc;                     /* owned */
    const cJSON *input, *cluster, *modules;
    CS_VEC(rank_entry) ranks;       /* ascending by rank */
} side;

static void side_free(side *s)
{
    free(s->path);
    cJSON_Delete(s->doc);
    free(s->ranks.items);
    memset(s, 0, sizeof *s);
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static char *join(const char *dir, const char *name)
{
    size_t n = strlen(dir);
    return cs_xasprintf("%s%s%s", dir, n && dir[n - 1] == '/' ? "" : "/", name);
}

/* The summary a BASE/NEW argument names: the file itself, or a folder's
** cluster_analysis_output/summary.json, else its summary.json. */
static int resolve(const char *arg, char **path, cs_err *err)
{
    if (!is_dir(arg)) {
        *path = cs_xstrdup(arg);
        return 0;
    }
    static const char *const names[] = {"cluster_analysis_output/summary.json", "summary.json"};
    for (int i = 0; i < 2; i++) {
        *path = join(arg, names[i]);
        if (exists(*path)) return 0;
        free(*path);
    }
    *path = NULL;
    return cs_fail(err, "%s: no cluster_analysis_output/summary.json or summary.json in this folder", arg);
}

static int read_text(const char *path, char **text, size_t *len, cs_err *err)
{
    *text = cs_read_text_file(path, len, err);
    return *text ? 0 : -1;
}

/* Checks the metrics an entry may hold: each present one is a number. */
static int check_metrics(const cJSON *obj, const metric_def *defs, size_t n, const char *file, const char *what,
                         cs_err *err)
{
    for (size_t i = 0; i < n; i++) {
        const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, defs[i].key);
        if (!it) continue;
        if (defs[i].sub) {
            if (!cJSON_IsObject(it)) return cs_fail(err, "%s: %s.%s is not an object", file, what, defs[i].key);
            it = cJSON_GetObjectItemCaseSensitive(it, defs[i].sub);
            if (!it) continue;
        }
        if (!cJSON_IsNumber(it))
            return cs_fail(err, "%s: %s.%s%s%s is not a number", file, what, defs[i].key, defs[i].sub ? "." : "",
                           defs[i].sub ? defs[i].sub : "");
    }
    return 0;
}

/* A member that must be an object (or array) when present. */
static int optional_member(const cJSON *doc, const char *key, bool array, const cJSON **out, const char *file,
                           cs_err *err)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(doc, key);
    if (it && !(array ? cJSON_IsArray(it) : cJSON_IsObject(it)))
        return cs_fail(err, "%s: '%s' is not %s", file, key, array ? "an array" : "an object");
    *out = it;
    return 0;
}

static int cmp_rank_entry(const void *a, const void *b)
{
    int64_t x = ((const rank_entry *)a)->rank, y = ((const rank_entry *)b)->rank;
    return (x > y) - (x < y);
}

static int load_ranks(side *s, cs_err *err)
{
    const cJSON *ranks, *e;
    if (optional_member(s->doc, "ranks", true, &ranks, s->path, err)) return -1;
    size_t k = 0;
    cJSON_ArrayForEach(e, ranks) {
        const cJSON *r = cJSON_GetObjectItemCaseSensitive(e, "rank");
        double v = cJSON_IsNumber(r) ? r->valuedouble : NAN;
        if (!cJSON_IsObject(e) || !(fabs(v) < 9007199254740992.0) || v != floor(v))
            return cs_fail(err, "%s: ranks entry %zu has no integer 'rank'", s->path, k);
        rank_entry re = {(int64_t)v, e};
        char what[48];
        snprintf(what, sizeof what, "ranks[%" PRId64 "]", re.rank);
        if (check_metrics(e, ENTRY_METRICS, N_ENTRY_METRICS, s->path, what, err)) return -1;
        CS_VEC_PUSH(s->ranks, re);
        k++;
    }
    if (s->ranks.len > 1) qsort(s->ranks.items, s->ranks.len, sizeof *s->ranks.items, cmp_rank_entry);
    for (size_t i = 1; i < s->ranks.len; i++)
        if (s->ranks.items[i].rank == s->ranks.items[i - 1].rank)
            return cs_fail(err, "%s: rank %" PRId64 " appears twice in 'ranks'", s->path, s->ranks.items[i].rank);
    return 0;
}

static int load_modules(side *s, cs_err *err)
{
    const cJSON *e;
    if (optional_member(s->doc, "modules", true, &s->modules, s->path, err)) return -1;
    size_t k = 0;
    cJSON_ArrayForEach(e, s->modules) {
        if (!cJSON_IsObject(e) || !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(e, "path")))
            return cs_fail(err, "%s: modules entry %zu has no string 'path'", s->path, k);
        char what[48];
        snprintf(what, sizeof what, "modules entry %zu", k);
        if (check_metrics(e, MODULE_METRICS, 1, s->path, what, err)) return -1;
        k++;
    }
    return 0;
}

static int parse_doc(side *s, const char *text, size_t len, cs_err *err)
{
    s->doc = cJSON_ParseWithLength(text, len);
    if (!s->doc) return cs_fail(err, "%s: not a JSON document", s->path);
    if (!cJSON_IsObject(s->doc)) return cs_fail(err, "%s: not a clusterscope summary (not a JSON object)", s->path);
    const cJSON *schema = cJSON_GetObjectItemCaseSensitive(s->doc, "schema");
    if (!cJSON_IsString(schema))
        return cs_fail(err, "%s: not a clusterscope summary (no 'schema'; expected %s)", s->path, SCHEMA);
    if (strcmp(schema->valuestring, SCHEMA) != 0)
        return cs_fail(err, "%s: schema '%s' is not %s", s->path, schema->valuestring, SCHEMA);
    if (optional_member(s->doc, "input", false, &s->input, s->path, err)) return -1;
    if (optional_member(s->doc, "cluster", false, &s->cluster, s->path, err)) return -1;
    if (check_metrics(s->cluster, ENTRY_METRICS, N_ENTRY_METRICS, s->path, "cluster", err)) return -1;
    if (load_ranks(s, err)) return -1;
    return load_modules(s, err);
}

/* Reads the summary `arg` names into s; on failure s is left empty. */
static int side_load(const char *arg, side *s, cs_err *err)
{
    char *text = NULL;
    size_t len = 0;
    memset(s, 0, sizeof *s);
    int rc = resolve(arg, &s->path, err);
    if (rc == 0) rc = read_text(s->path, &text, &len, err);
    if (rc == 0) rc = parse_doc(s, text, len, err);
    free(text);
    if (rc) side_free(s);
    return rc;
}

/* ----------------------------------------------------------------- rows */

static bool get_metric(const cJSON *obj, const metric_def *m, double *v)
{
    const cJSON *it = obj ? cJSON_GetObjectItemCaseSensitive(obj, m->key) : NULL;
    if (it && m->sub) it = cJSON_GetObjectItemCaseSensitive(it, m->sub);
    if (!cJSON_IsNumber(it)) return false;
    *v = it->valuedouble;
    return true;
}

/* a >= b, and a > b, up to the relative slack CMP_EPS. */
static bool at_least(double a, double b) { return a >= b - CMP_EPS * fabs(b); }
static bool above(double a, double b) { return a > b + CMP_EPS * fabs(b); }

/* Sets change_pct, status and counted of a row whose sides are filled. */
static void judge(cs_compare_row *r, bool missing_counts)
{
    if (!r->has_new) {
        r->status = CS_CMP_MISSING;
        r->counted = missing_counts;
        return;
    }
    if (!r->has_base) {
        r->status = CS_CMP_NEW;
        return;
    }
    const family_def *f = &FAMILIES[r->family];
    double delta = r->new_ - r->base;
    if (r->base != 0) r->change_pct = delta / fabs(r->base) * 100;
    r->has_change = r->base != 0 && isfinite(r->change_pct);
    bool beyond = delta != 0 && at_least(fabs(delta), f->floor) &&
                  (!r->has_change || above(fabs(r->change_pct), r->threshold_pct));
    if (!beyond) {
        r->status = CS_CMP_OK;
        return;
    }
    bool worse = f->higher_is_worse ? delta > 0 : delta < 0;
    r->status = worse ? CS_CMP_REGRESSION : CS_CMP_IMPROVED;
    r->counted = worse;
}

/* Appends the rows of one entry (cluster, a rank, a module): every metric of
** defs present on at least one side, in defs order. */
static void compare_entry(cs_compare *c, const cs_compare_opts *o, const char *prefix, const cJSON *b,
                          const cJSON *n, const metric_def *defs, size_t ndefs, bool missing_counts)
{
    for (size_t i = 0; i < ndefs; i++) {
        cs_compare_row r = {0};
        r.has_base = get_metric(b, &defs[i], &r.base);
        r.has_new = get_metric(n, &defs[i], &r.new_);
        if (!r.has_base && !r.has_new) continue;
        r.family = defs[i].family;
        r.threshold_pct = o->threshold[r.family];
        r.metric = cs_xasprintf("%s.%s%s%s", prefix, defs[i].key, defs[i].sub ? "." : "",
                                defs[i].sub ? defs[i].sub : "");
        judge(&r, missing_counts);
        if (r.counted) c->regressions++;
        CS_VEC_PUSH(c->rows, r);
    }
}

static void compare_rank(cs_compare *c, const cs_compare_opts *o, int64_t rank, const cJSON *b, const cJSON *n)
{
    char prefix[48];
    snprintf(prefix, sizeof prefix, "ranks[%" PRId64 "]", rank);
    compare_entry(c, o, prefix, b, n, ENTRY_METRICS, N_ENTRY_METRICS, true);
}

/* The ranks of both sides, ascending (both lists are sorted). */
static void compare_ranks(cs_compare *c, const cs_compare_opts *o, const side *b, const side *n)
{
    size_t i = 0, j = 0;
    while (i < b->ranks.len || j < n->ranks.len) {
        const rank_entry *x = i < b->ranks.len ? &b->ranks.items[i] : NULL;
        const rank_entry *y = j < n->ranks.len ? &n->ranks.items[j] : NULL;
        if (x && y && x->rank == y->rank) {
            compare_rank(c, o, x->rank, x->obj, y->obj);
            i++, j++;
        } else if (x && (!y || x->rank < y->rank)) {
            compare_rank(c, o, x->rank, x->obj, NULL);
            i++;
        } else {
            compare_rank(c, o, y->rank, NULL, y->obj);
            j++;
        }
    }
}

static const char *module_path(const cJSON *m)
{
    return cJSON_GetObjectItemCaseSensitive(m, "path")->valuestring;
}

static void compare_module(cs_compare *c, const cs_compare_opts *o, const cJSON *b, const cJSON *n)
{
    char *prefix = cs_xasprintf("modules[%s]", module_path(b ? b : n));
    compare_entry(c, o, prefix, b, n, MODULE_METRICS, 1, false);
    free(prefix);
}

/* BASE's modules in its order, each paired with the first unpaired NEW
** module of the same path; then NEW's unpaired ones in NEW's order. */
static void compare_modules(cs_compare *c, const cs_compare_opts *o, const side *b, const side *n)
{
    int nn = cJSON_GetArraySize(n->modules);
    bool *used = cs_xcalloc(nn > 0 ? (size_t)nn : 1, sizeof *used);
    const cJSON *x, *y;
    cJSON_ArrayForEach(x, b->modules) {
        const cJSON *match = NULL;
        int k = 0;
        cJSON_ArrayForEach(y, n->modules) {
            if (!used[k] && strcmp(module_path(x), module_path(y)) == 0) {
                used[k] = true;
                match = y;
                break;
            }
            k++;
        }
        compare_module(c, o, x, match);
    }
    int k = 0;
    cJSON_ArrayForEach(y, n->modules) {
        if (!used[k++]) compare_module(c, o, NULL, y);
    }
    free(used);
}

static void format_number(double v, char *buf, size_t size)
{
    if (v == floor(v) && fabs(v) < 9007199254740992.0) snprintf(buf, size, "%.0f", v);
    else cs_format_double(v, buf, size);
}

/* "note: input.steps 2 -> 3" for each of ranks, hosts, steps that differ. */
static void compare_input(cs_compare *c, const side *b, const side *n)
{
    static const char *const keys[] = {"ranks", "hosts", "steps"};
    for (int i = 0; i < 3; i++) {
        const cJSON *x = b->input ? cJSON_GetObjectItemCaseSensitive(b->input, keys[i]) : NULL;
        const cJSON *y = n->input ? cJSON_GetObjectItemCaseSensitive(n->input, keys[i]) : NULL;
        if (!cJSON_IsNumber(x) || !cJSON_IsNumber(y) || x->valuedouble == y->valuedouble) continue;
        char bx[48], by[48];
        format_number(x->valuedouble, bx, sizeof bx);
        format_number(y->valuedouble, by, sizeof by);
        char *line = cs_xasprintf("note: input.%s %s -> %s", keys[i], bx, by);
        CS_VEC_PUSH(c->notes, line);
    }
}

int cs_compare_build(const cs_compare_opts *o, cs_compare *c, cs_err *err)
{
    side b, n;
    memset(c, 0, sizeof *c);
    if (side_load(o->base, &b, err)) return -1;
    if (side_load(o->new_, &n, err)) {
        side_free(&b);
        return -1;
    }
    compare_entry(c, o, "cluster", b.cluster, n.cluster, ENTRY_METRICS, N_ENTRY_METRICS, true);
    compare_ranks(c, o, &b, &n);
    compare_modules(c, o, &b, &n);
    compare_input(c, &b, &n);
    side_free(&b);
    side_free(&n);
    return 0;
}

void cs_compare_free(cs_compare *c)
{
    for (size_t i = 0; i < c->rows.len; i++) free(c->rows.items[i].metric);
    for (size_t i = 0; i < c->notes.len; i++) free(c->notes.items[i]);
    free(c->rows.items);
    free(c->notes.items);
    memset(c, 0, sizeof *c);
}

/* --------------------------------------------------------------- output */

static const cs_column COLUMNS[] = {
    {"metric", "TEXT", "metric"},           {"family", "TEXT", "family"},
    {"base", "REAL", "base"},               {"new", "REAL", "new"},
    {"change_pct", "REAL", "change_pct"},   {"threshold_pct", "REAL", "threshold_pct"},
    {"status", "TEXT", "status"},
};
#define NCOLS (sizeof COLUMNS / sizeof *COLUMNS)

static void add_opt_real(cs_table *t, bool has, double v)
{
    if (has) cs_table_add_real(t, v);
    else cs_table_add_null(t);
}

static void build_table(const cs_compare *c, cs_table *t)
{
    cs_table_init(t, "Compare", COLUMNS, NCOLS);
    for (size_t i = 0; i < c->rows.len; i++) {
        const cs_compare_row *r = &c->rows.items[i];
        cs_table_add_text(t, r->metric);
        cs_table_add_text(t, cs_cmp_family_name(r->family));
        add_opt_real(t, r->has_base, r->base);
        add_opt_real(t, r->has_new, r->new_);
        add_opt_real(t, r->has_change, r->change_pct);
        cs_table_add_real(t, r->threshold_pct);
        cs_table_add_text(t, cs_cmp_status_name(r->status));
    }
}

/* The text of a cell as the CSV writes it (unquoted). */
static const char *cell_text(const cs_cell *cell, char *buf, size_t size)
{
    switch (cell->kind) {
    case CS_CELL_TEXT: return cell->s;
    case CS_CELL_REAL: cs_format_double(cell->d, buf, size); return buf;
    case CS_CELL_INT: snprintf(buf, size, "%" PRId64, cell->i); return buf;
    default: return "";
    }
}

static void print_row(FILE *out, const cs_table *t, size_t row, const size_t *width)
{
    char buf[48];
    for (size_t c = 0; c < NCOLS; c++) {
        const char *s = row == 0 ? t->cols[c].csv_name : cell_text(cs_table_cell(t, row - 1, c), buf, sizeof buf);
        if (c + 1 < NCOLS) fprintf(out, "%-*s  ", (int)width[c], s);
        else fprintf(out, "%s\n", s);
    }
}

void cs_compare_print(const cs_compare *c, FILE *out)
{
    cs_table t;
    size_t width[NCOLS];
    char buf[48];
    build_table(c, &t);
    size_t nrows = cs_table_nrows(&t);
    for (size_t col = 0; col < NCOLS; col++) {
        width[col] = strlen(COLUMNS[col].csv_name);
        for (size_t r = 0; r < nrows; r++) {
            size_t w = strlen(cell_text(cs_table_cell(&t, r, col), buf, sizeof buf));
            if (w > width[col]) width[col] = w;
        }
    }
    for (size_t r = 0; r <= nrows; r++) print_row(out, &t, r, width);
    for (size_t i = 0; i < c->notes.len; i++) fprintf(out, "%s\n", c->notes.items[i]);
    fprintf(out, "regressions: %zu\n", c->regressions);
    cs_table_free(&t);
}

static int write_xlsx(const cs_compare *c, const cs_table *t, const char *path, cs_err *err)
{
    if (cs_make_parent_dirs(path, err)) return -1;
    cs_xlsx *x = cs_xlsx_open(path, false, err);
    if (!x) return -1;
    bool *marked = cs_xcalloc(c->rows.len ? c->rows.len : 1, sizeof *marked);
    for (size_t i = 0; i < c->rows.len; i++) marked[i] = c->rows.items[i].counted;
    int rc = cs_xlsx_add_marked_table(x, "Compare", t, marked, err);
    free(marked);
    if (rc) {
        cs_err ignored;
        cs_xlsx_close(x, &ignored);
        remove(path);
        return -1;
    }
    return cs_xlsx_close(x, err);
}

int cs_compare_write(const cs_compare *c, const cs_compare_opts *o, cs_err *err)
{
    if (o->export_type == CS_CMP_TEXT) return 0;
    cs_table t;
    build_table(c, &t);
    char *path = join(o->out_dir, o->export_type == CS_CMP_CSV ? "compare.csv" : "compare.xlsx");
    int rc = o->export_type == CS_CMP_CSV ? cs_csv_write(&t, path, err) : write_xlsx(c, &t, path, err);
    free(path);
    cs_table_free(&t);
    return rc;
}

/* ------------------------------------------------------------------ main */

int cs_compare_run(int argc, char **argv, FILE *out, FILE *errout)
{
    cs_compare_opts o;
    cs_compare c;
    cs_err err;
    if (cs_compare_parse(argc, argv, &o, &err)) {
        fprintf(errout, "clusterscope: error: %s\n", err.msg);
        return CS_COMPARE_BAD;
    }
    if (o.help) {
        fputs(USAGE, out);
        return CS_COMPARE_OK;
    }
    if (cs_compare_build(&o, &c, &err)) {
        fprintf(errout, "clusterscope: error: %s\n", err.msg);
        return CS_COMPARE_BAD;
    }
    cs_compare_print(&c, out);
    fflush(out);
    int rc = c.regressions ? CS_COMPARE_REGRESSED : CS_COMPARE_OK;
    if (cs_compare_write(&c, &o, &err)) {
        fprintf(errout, "clusterscope: error: %s\n", err.msg);
        rc = CS_COMPARE_BAD;
    }
    cs_compare_free(&c);
    return rc;
}

int cs_compare_main(int argc, char **argv)
{
    return cs_compare_run(argc, argv, stdout, stderr);
}
