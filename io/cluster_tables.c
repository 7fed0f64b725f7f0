/*
** cluster_tables.c — building the output tables.
*/
#include "cluster_tables.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>

#include "metadata.h"

#define NCOLS(a) (sizeof(a) / sizeof *(a))

static const cs_column step_trace_cols[] = {
    {"step", "TEXT", "Step"},
    {"type", "TEXT", "Type"},
    {"index", "TEXT", "Index"},
    {"computing", "NUMERIC", "Computing"},
    {"communication_not_overlapped", "NUMERIC", "Communication(Not Overlapped)"},
    {"overlapped", "NUMERIC", "Overlapped"},
    {"communication", "NUMERIC", "Communication"},
    {"free", "NUMERIC", "Free"},
    {"stage", "NUMERIC", "Stage"},
    {"bubble", "NUMERIC", "Bubble"},
    {"communication_not_overlapped_and_exclude_receive", "NUMERIC",
     "Communication(Not Overlapped and Exclude Receive)"},
    {"preparing", "NUMERIC", "Preparing"},
    {"dp_index", "INTEGER", "DP Index"},
    {"pp_index", "INTEGER", "PP Index"},
    {"tp_index", "INTEGER", "TP Index"},
};

/* The order of the value columns in the table, by overlap value index. */
static const int step_trace_value_order[CS_OV_NVALUES] = {
    CS_OV_COMPUTING, CS_OV_COMM_NOT_OVERLAPPED, CS_OV_OVERLAPPED, CS_OV_COMMUNICATION,
    CS_OV_FREE, CS_OV_STAGE, CS_OV_BUBBLE, CS_OV_COMM_NOT_OVERLAPPED_EXCL_RECEIVE, CS_OV_PREPARING};

static void add_step(cs_table *t, bool has_id, int64_t id, cs_table_form form)
{
    if (!has_id) {
        cs_table_add_null(t);
        return;
    }
    if (form == CS_FORM_XLSX) {     /* the StepTrace sheet holds the id as a number */
        cs_table_add_int(t, id);
        return;
    }
    char buf[24];
    snprintf(buf, sizeof buf, "%" PRId64, id);
    cs_table_add_text(t, buf);
}

static void add_stage_index(cs_table *t, const cs_stages *stages, int stage, cs_table_form form)
{
    if (stage < 0) {
        cs_table_add_text(t, "()");
        return;
    }
    const cs_stage *s = &stages->items[stage];
    bool tuple = form != CS_FORM_DB;    /* Python's tuple text outside the database */
    char *text = cs_rank_set_text(s->ranks, s->nranks, tuple ? ", " : ",");
    if (tuple && s->nranks == 1) {
        /* Python's one-element tuple: "(5,)" */
        size_t n = strlen(text);
        text = cs_xrealloc(text, n + 2);
        strcpy(text + n - 1, ",)");
    }
    cs_table_add_text(t, text);
    free(text);
}

void cs_table_step_trace(const cs_step_trace *rows, const cs_stages *stages,
                         cs_table_form form, cs_table *t)
{
    cs_table_init(t, "ClusterStepTraceTime", step_trace_cols, NCOLS(step_trace_cols));
    for (size_t i = 0; i < rows->len; i++) {
        const cs_step_trace_row *r = &rows->items[i];
        add_step(t, r->has_step_id, r->step_id, form);
        cs_table_add_text(t, r->is_stage ? "stage" : "rank");
        if (r->is_stage) add_stage_index(t, stages, r->stage, form);
        else cs_table_add_int(t, r->rank);
        for (int k = 0; k < CS_OV_NVALUES; k++)
            cs_table_add_real(t, (double)r->v[step_trace_value_order[k]] / 1000.0);
        for (int k = 0; k < 3; k++) {
            int64_t v = k == 0 ? r->dp : k == 1 ? r->pp : r->tp;
            if (r->is_stage) cs_table_add_text(t, "NA");
            else if (r->has_indices) cs_table_add_int(t, v);
            else cs_table_add_null(t);
        }
    }
}

static const cs_column group_cols[] = {
    {"type", "TEXT", "type"},
    {"rank_set", "TEXT", "rank_set"},
    {"group_name", "TEXT", "group_name"},
    {"group_id", "TEXT", "group_id"},
    {"pg_name", "TEXT", "pg_name"},
};

void cs_table_group_map(const cs_group_map *m, cs_table *t)
{
    cs_table_init(t, "CommunicationGroupMapping", group_cols, NCOLS(group_cols));
    for (size_t i = 0; i < m->rows.len; i++) {
        const cs_group_row *g = &m->rows.items[i];
        char *set = cs_rank_set_text(g->ranks, g->nranks, ",");
        char hash[24];
        snprintf(hash, sizeof hash, "%" PRIu64, g->hash);
        cs_table_add_text(t, g->p2p ? "p2p" : "collective");
        cs_table_add_text(t, set);
        cs_table_add_text(t, hash);
        cs_table_add_text(t, g->group_id);
        cs_table_add_text(t, g->pg_name);
        free(set);
    }
}

static const cs_column skipped_cols[] = {
    {"rank", "INTEGER", "rank"},
    {"path", "TEXT", "path"},
    {"analysis", "TEXT", "analysis"},
    {"reason", "TEXT", "reason"},
};

void cs_table_skipped(const cs_report *r, cs_table *t)
{
    cs_table_init(t, "ClusterSkipped", skipped_cols, NCOLS(skipped_cols));
    for (size_t i = 0; i < r->skips.len; i++) {
        const cs_skip *s = &r->skips.items[i];
        if (s->has_rank) cs_table_add_int(t, s->rank);
        else cs_table_add_null(t);
        cs_table_add_text(t, s->path);
        cs_table_add_text(t, s->analysis);
        cs_table_add_text(t, s->reason);
    }
}

static const cs_column base_info_cols[] = {
    {"key", "TEXT", "key"},
    {"value", "TEXT", "value"},
};

void cs_table_base_info(const char *base_info, cs_table *t)
{
    cs_table_init(t, "ClusterBaseInfo", base_info_cols, NCOLS(base_info_cols));
    if (!base_info) return;
    cs_table_add_text(t, "distributed_args");
    cs_table_add_text(t, base_info);
}

static const cs_column host_cols[] = {
    {"hostUid", "TEXT", "hostUid"},
    {"hostName", "TEXT", "hostName"},
};

static int cmp_host(const void *a, const void *b)
{
    const cs_rank_result *const *x = a, *const *y = b;
    int c = strcmp((*x)->host_uid, (*y)->host_uid);
    return c ? c : strcmp((*x)->host_name ? (*x)->host_name : "", (*y)->host_name ? (*y)->host_name : "");
}

void cs_table_host_info(const cs_rank_result *ranks, size_t n, cs_table *t)
{
    cs_table_init(t, "HostInfo", host_cols, NCOLS(host_cols));
    const cs_rank_result **with_host = cs_xmalloc((n ? n : 1) * sizeof *with_host);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (ranks[i].analysed && ranks[i].host_uid) with_host[k++] = &ranks[i];
    if (k) qsort(with_host, k, sizeof *with_host, cmp_host);
    for (size_t i = 0; i < k; i++) {
        if (i && strcmp(with_host[i]->host_uid, with_host[i - 1]->host_uid) == 0) continue;
        cs_table_add_text(t, with_host[i]->host_uid);
        cs_table_add_text(t, with_host[i]->host_name);
    }
    free(with_host);
}

static const cs_column device_map_cols[] = {
    {"rankId", "INTEGER", "rankId"},
    {"deviceId", "INTEGER", "deviceId"},
    {"hostUid", "TEXT", "hostUid"},
    {"profilePath", "TEXT", "profilePath"},
};

void cs_table_rank_device_map(const cs_rank_result *ranks, size_t n, cs_table *t)
{
    /* Ranks arrive ascending, and each rank's rows all carry its own id in
    ** practice; rows are emitted in (rank, device) order per rank. */
    cs_table_init(t, "RankDeviceMap", device_map_cols, NCOLS(device_map_cols));
    for (size_t i = 0; i < n; i++) {
        const cs_rank_result *r = &ranks[i];
        if (!r->analysed) continue;
        for (size_t k = 0; k < r->device_map.len; k++) {
            cs_table_add_int(t, r->device_map.items[k].rank_id);
            cs_table_add_int(t, r->device_map.items[k].device_id);
            cs_table_add_text(t, r->host_uid);
            cs_table_add_text(t, r->path);
        }
    }
}

static cJSON *rank_array(const int64_t *ranks, size_t n)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++) cJSON_AddItemToArray(a, cJSON_CreateNumber((double)ranks[i]));
    return a;
}

char *cs_group_map_json(const cs_group_map *m)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *coll = cJSON_AddArrayToObject(root, "collective");
    cJSON *p2p = cJSON_AddArrayToObject(root, "p2p");
    cJSON *info = cJSON_AddArrayToObject(root, "comm_group_parallel_info");
    for (size_t i = 0; i < m->rows.len; i++) {
        const cs_group_row *g = &m->rows.items[i];
        cJSON_AddItemToArray(g->p2p ? p2p : coll, rank_array(g->ranks, g->nranks));
        cJSON *o = cJSON_CreateObject();
        char hash[24];
        snprintf(hash, sizeof hash, "%" PRIu64, g->hash);
        cJSON_AddStringToObject(o, "type", g->p2p ? "p2p" : "collective");
        cJSON_AddItemToObject(o, "rank_set", rank_array(g->ranks, g->nranks));
        cJSON_AddStringToObject(o, "group_name", hash);
        cJSON_AddStringToObject(o, "group_id", g->group_id);
        cJSON_AddStringToObject(o, "pg_name", g->pg_name);
        cJSON_AddItemToArray(info, o);
    }
    char *text = cs_json_dumps(root);
    cJSON_Delete(root);
    return text;
}

static const cs_column module_cols[] = {
    {"parentModule", "TEXT", "parentModule"},
    {"module", "TEXT", "module"},
    {"opName", "TEXT", "opName"},
    {"kernelList", "TEXT", "kernelList"},
    {"totalKernelDuration(ns)", "REAL", "totalKernelDuration(ns)"},
    {"avgKernelDuration(ns)", "REAL", "avgKernelDuration(ns)"},
    {"opCount", "INTEGER", "opCount"},
    {"rankID", "INTEGER", "rankID"},
};

static void add_module_row(cs_table *t, const cs_module_row *m)
{
    cs_table_add_text(t, m->parent);
    cs_table_add_text(t, m->module);
    cs_table_add_text(t, m->op_name);
    cs_table_add_text(t, m->kernel_list);
    cs_table_add_real(t, m->total_ns);
    cs_table_add_real(t, m->avg_ns);
    cs_table_add_int(t, m->op_count);
}

size_t cs_table_module_statistic(const cs_rank_result *ranks, size_t n, size_t first, size_t max_rows, cs_table *t)
{
    cs_table_init(t, "ModuleStatistic", module_cols, NCOLS(module_cols));
    size_t i = first, rows = 0;
    for (; i < n; i++) {
        size_t len = ranks[i].analysed ? ranks[i].modules.len : 0;
        if (rows && rows + len > max_rows) break;
        for (size_t k = 0; k < len; k++) {
            add_module_row(t, &ranks[i].modules.items[k]);
            cs_table_add_int(t, ranks[i].rank);
        }
        rows += len;
    }
    return i;
}

static const cs_column module_rank_cols[] = {
    {"parentModule", "TEXT", "Parent Module"},
    {"module", "TEXT", "Module"},
    {"opName", "TEXT", "Op Name"},
    {"kernelList", "TEXT", "Kernel List"},
    {"totalKernelDuration(ns)", "REAL", "Total Kernel Duration(ns)"},
    {"avgKernelDuration(ns)", "REAL", "Avg Kernel Duration(ns)"},
    {"opCount", "INTEGER", "Op Count"},
};

void cs_table_module_rank(const cs_module_rows *rows, cs_table *t)
{
    cs_table_init(t, "ModuleStatisticRank", module_rank_cols, NCOLS(module_rank_cols));
    for (size_t k = 0; k < rows->len; k++) add_module_row(t, &rows->items[k]);
}

static const cs_column module_cluster_fixed[] = {
    {"parentModule", "TEXT", "Parent Module"},
    {"module", "TEXT", "Module"},
    {"opName", "TEXT", "Op Name"},
    {"kernelList", "TEXT", "Kernel List"},
    {"ranks", "INTEGER", "Ranks"},
    {"minNs", "REAL", "Min(ns)"},
    {"meanNs", "REAL", "Mean(ns)"},
    {"maxNs", "REAL", "Max(ns)"},
    {"maxRank", "INTEGER", "Max Rank"},
};

static void make_cluster_columns(size_t nranks, const int64_t *rank_ids, cs_owned_columns *c)
{
    size_t nfixed = NCOLS(module_cluster_fixed);
    c->ncols = nfixed + nranks;
    c->cols = cs_xmalloc(c->ncols * sizeof *c->cols);
    c->names = cs_xmalloc((2 * nranks + 1) * sizeof *c->names);
    c->nnames = 0;
    memcpy(c->cols, module_cluster_fixed, sizeof module_cluster_fixed);
    for (size_t i = 0; i < nranks; i++) {
        char *db = cs_xasprintf("rank_%" PRId64, rank_ids[i]);
        char *csv = cs_xasprintf("Rank %" PRId64, rank_ids[i]);
        c->names[c->nnames++] = db;
        c->names[c->nnames++] = csv;
        cs_column col = {db, "REAL", csv};
        c->cols[nfixed + i] = col;
    }
}

void cs_owned_columns_free(cs_owned_columns *c)
{
    for (size_t i = 0; i < c->nnames; i++) free(c->names[i]);
    free(c->names);
    free(c->cols);
    memset(c, 0, sizeof *c);
}

void cs_table_module_cluster(const cs_module_cluster *m, const int64_t *rank_ids,
                             cs_owned_columns *cols, cs_table *t, int **indent)
{
    make_cluster_columns(m->nranks, rank_ids, cols);
    cs_table_init(t, "ModuleStatisticCluster", cols->cols, cols->ncols);
    if (indent) *indent = cs_xmalloc((m->rows.len ? m->rows.len : 1) * sizeof **indent);
    for (size_t i = 0; i < m->rows.len; i++) {
        const cs_cluster_module_row *r = &m->rows.items[i];
        cs_table_add_text(t, r->parent);
        cs_table_add_text(t, r->module);
        cs_table_add_text(t, r->op_name);
        cs_table_add_text(t, r->kernel_list);
        cs_table_add_int(t, r->nranks);
        cs_table_add_real(t, r->min_ns);
        cs_table_add_real(t, r->mean_ns);
        cs_table_add_real(t, r->max_ns);
        cs_table_add_int(t, r->max_rank);
        for (size_t k = 0; k < m->nranks; k++) {
            if (r->present[k]) cs_table_add_real(t, r->total_ns[k]);
            else cs_table_add_null(t);
        }
        if (indent) (*indent)[i] = cs_module_depth(r->parent);
    }
}
