/*
** straggler_tables.c — building the straggler tables.
*/
#include "straggler_tables.h"

#define NCOLS(a) (sizeof(a) / sizeof *(a))

static const cs_column straggler_cols[] = {
    {"rank", "INTEGER", "rank"},
    {"wait_caused_us", "REAL", "wait_caused_us"},
    {"wait_caused_direct_us", "REAL", "wait_caused_direct_us"},
    {"wait_suffered_us", "REAL", "wait_suffered_us"},
    {"instances_last", "INTEGER", "instances_last"},
    {"reason", "TEXT", "reason"},
    {"groups", "TEXT", "groups"},
    {"steps", "TEXT", "steps"},
};

const char *const cs_straggler_headers[] = {"Rank", "Wait Caused(us)", "Wait Caused Directly(us)",
                                            "Wait Suffered(us)", "Instances Last", "Reason", "Groups", "Steps"};

void cs_table_stragglers(const cs_straggler_result *s, cs_table *t)
{
    cs_table_init(t, "ClusterStragglers", straggler_cols, NCOLS(straggler_cols));
    for (size_t i = 0; i < s->stragglers.len; i++) {
        const cs_straggler_row *r = &s->stragglers.items[i];
        cs_table_add_int(t, r->rank);
        cs_table_add_real(t, r->wait_caused_us);
        cs_table_add_real(t, r->wait_caused_direct_us);
        cs_table_add_real(t, r->wait_suffered_us);
        cs_table_add_int(t, r->instances_last);
        cs_table_add_text(t, r->reason ? r->reason : "");
        cs_table_add_text(t, r->groups ? r->groups : "");
        cs_table_add_text(t, r->steps ? r->steps : "");
    }
}

static const cs_column instance_cols[] = {
    {"step", "TEXT", "step"},
    {"group_name", "TEXT", "group_name"},
    {"op_name", "TEXT", "op_name"},
    {"members", "INTEGER", "members"},
    {"rank_size", "INTEGER", "rank_size"},
    {"last_rank", "INTEGER", "last_rank"},
    {"last_arrival_us", "REAL", "last_arrival_us"},
    {"wait_caused_us", "REAL", "wait_caused_us"},
    {"reason", "TEXT", "reason"},
    {"root_rank", "INTEGER", "root_rank"},
};

const char *const cs_wait_instance_headers[] = {"Step", "Group", "Op Name", "Members", "Rank Size", "Last Rank",
                                                "Last Arrival(us)", "Wait Caused(us)", "Reason", "Root Rank"};

static void add_instance(cs_table *t, const cs_wait_instance_row *r)
{
    cs_table_add_text(t, r->step);  /* NULL step → NULL cell */
    cs_table_add_text(t, r->group_name);
    cs_table_add_text(t, r->op_name);
    cs_table_add_int(t, r->members);
    cs_table_add_int(t, r->rank_size);
    if (r->has_last_rank) cs_table_add_int(t, r->last_rank);
    else cs_table_add_null(t);
    cs_table_add_real(t, r->last_arrival_us);
    cs_table_add_real(t, r->wait_caused_us);
    cs_table_add_text(t, r->reason ? r->reason : "");
    if (r->has_root_rank) cs_table_add_int(t, r->root_rank);
    else cs_table_add_null(t);
}

void cs_table_wait_instances(const cs_wait_instance_row *rows, size_t n, cs_table *t)
{
    cs_table_init(t, "ClusterWaitInstances", instance_cols, NCOLS(instance_cols));
    for (size_t i = 0; i < n; i++) add_instance(t, &rows[i]);
}

static const cs_column detail_cols[] = {
    {"step", "TEXT", "step"},
    {"group_name", "TEXT", "group_name"},
    {"op_name", "TEXT", "op_name"},
    {"rank", "INTEGER", "rank"},
    {"wait_us", "REAL", "wait_us"},
    {"synchronization_ms", "REAL", "synchronization_ms"},
};

void cs_table_wait_detail(const cs_wait_detail_row *rows, size_t n, cs_table *t)
{
    cs_table_init(t, "ClusterWaitDetail", detail_cols, NCOLS(detail_cols));
    for (size_t i = 0; i < n; i++) {
        const cs_wait_detail_row *r = &rows[i];
        cs_table_add_text(t, r->step);
        cs_table_add_text(t, r->group_name);
        cs_table_add_text(t, r->op_name);
        cs_table_add_int(t, r->rank);
        cs_table_add_real(t, r->wait_us);
        if (r->has_sync) cs_table_add_real(t, r->synchronization_ms);
        else cs_table_add_null(t);
    }
}

static const cs_column offset_cols[] = {
    {"host", "TEXT", "host"},
    {"host_uid", "TEXT", "host_uid"},
    {"offset_us", "REAL", "offset_us"},
    {"instances", "INTEGER", "instances"},
    {"warning", "TEXT", "warning"},
};

void cs_table_clock_offsets(const cs_straggler_result *s, cs_table *t)
{
    cs_table_init(t, "ClusterClockOffsets", offset_cols, NCOLS(offset_cols));
    for (size_t i = 0; i < s->offsets.len; i++) {
        const cs_clock_offset_row *r = &s->offsets.items[i];
        cs_table_add_text(t, r->host);
        cs_table_add_text(t, r->host_uid);
        if (r->has_offset) cs_table_add_real(t, r->offset_us);
        else cs_table_add_null(t);
        cs_table_add_int(t, r->instances);
        cs_table_add_text(t, r->warning ? r->warning : "");
    }
}
