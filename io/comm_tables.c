/*
** comm_tables.c — building the communication tables from the reduce.
*/
#include "comm_tables.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

#define NCOLS(a) (sizeof(a) / sizeof *(a))

static void add_step(cs_table *t, const cs_comm_step *s)
{
    char buf[32];
    cs_comm_step_label(buf, sizeof buf, s->has_id, s->id);
    cs_table_add_text(t, buf);
}

static void add_group(cs_table *t, const cs_comm_sum *s, uint32_t group)
{
    char buf[24];
    snprintf(buf, sizeof buf, "%" PRIu64, s->groups.items[group].hash);
    cs_table_add_text(t, buf);
}

static const cs_column time_cols[] = {
    {"step", "TEXT", "step"},
    {"rank_id", "INTEGER", "rank_id"},
    {"hccl_op_name", "TEXT", "hccl_op_name"},
    {"group_name", "TEXT", "group_name"},
    {"start_timestamp", "REAL", "start_timestamp"},
    {"elapsed_time", "REAL", "elapsed_time"},
    {"transit_time", "REAL", "transit_time"},
    {"wait_time", "REAL", "wait_time"},
    {"synchronization_time", "REAL", "synchronization_time"},
    {"idle_time", "REAL", "idle_time"},
    {"synchronization_time_ratio", "REAL", "synchronization_time_ratio"},
    {"wait_time_ratio", "REAL", "wait_time_ratio"},
};

const char *const cs_comm_time_headers[] = {
    "Step", "Rank", "HCCL Op Name", "Group", "Start Timestamp(us)", "Elapse Time(ms)", "Transit Time(ms)",
    "Wait Time(ms)", "Synchronization Time(ms)", "Idle Time(ms)", "Synchronization Time Ratio",
    "Wait Time Ratio"};

static void add_time_row(cs_table *t, const cs_comm_sum *s, const cs_comm_time_row *r)
{
    add_step(t, &r->step);
    cs_table_add_int(t, r->rank);
    cs_table_add_text(t, r->op_name ? r->op_name : "Total Op Info");
    add_group(t, s, r->group);
    const double v[] = {r->start_us, r->elapse_ms, r->transit_ms, r->wait_ms, r->sync_ms, r->idle_ms,
                        r->sync_ratio, r->wait_ratio};
    for (size_t k = 0; k < NCOLS(v); k++) cs_table_add_real(t, v[k]);
}

bool cs_table_comm_time_next(const cs_comm_sum *s, cs_comm_cursor *at, size_t max, cs_table *t)
{
    cs_table_init(t, "ClusterCommunicationTime", time_cols, NCOLS(time_cols));
    const cs_comm_time_row *r;
    for (size_t n = 0; n < max && (r = cs_comm_time_next(s, at)) != NULL; n++) add_time_row(t, s, r);
    return !at->failed && at->row < cs_comm_time_rows(s);
}

static const cs_column bandwidth_cols[] = {
    {"step", "TEXT", "step"},
    {"rank_id", "INTEGER", "rank_id"},
    {"hccl_op_name", "TEXT", "hccl_op_name"},
    {"group_name", "TEXT", "group_name"},
    {"band_type", "TEXT", "band_type"},
    {"transit_size", "REAL", "transit_size"},
    {"transit_time", "REAL", "transit_time"},
    {"bandwidth", "REAL", "bandwidth"},
    {"large_packet_ratio", "INTEGER", "large_packet_ratio"},
    {"package_size", "REAL", "package_size"},
    {"count", "INTEGER", "count"},
    {"total_duration", "REAL", "total_duration"},
};

const char *const cs_comm_bandwidth_headers[] = {
    "Step", "Rank", "HCCL Op Name", "Group", "Band Type", "Transit Size(MB)", "Transit Time(ms)",
    "Bandwidth(GB/s)", "Large Packet Ratio", "Package Size(MB)", "Count", "Total Duration(ms)"};

static void add_bw_row(cs_table *t, const cs_comm_sum *s, const cs_comm_bw_row *r)
{
    add_step(t, &r->step);
    cs_table_add_int(t, r->rank);
    cs_table_add_text(t, r->op_name ? r->op_name : "Total Op Info");
    add_group(t, s, r->group);
    cs_table_add_text(t, cs_comm_band_name(r->band));
    cs_table_add_real(t, r->size_mb);
    cs_table_add_real(t, r->time_ms);
    cs_table_add_real(t, r->bandwidth);
    cs_table_add_real(t, r->large_packet_ratio);
    cs_table_add_real(t, r->package_size);
    cs_table_add_int(t, r->count);
    cs_table_add_real(t, r->total_ms);
}

bool cs_table_comm_bandwidth_next(const cs_comm_sum *s, cs_comm_cursor *at, size_t max, cs_table *t)
{
    cs_table_init(t, "ClusterCommunicationBandwidth", bandwidth_cols, NCOLS(bandwidth_cols));
    const cs_comm_bw_row *r;
    for (size_t n = 0; n < max && (r = cs_comm_bw_next(s, at)) != NULL; n++) add_bw_row(t, s, r);
    return !at->failed && at->row < cs_comm_bw_rows(s);
}

static const cs_column matrix_cols[] = {
    {"step", "TEXT", "step"},
    {"hccl_op_name", "TEXT", "hccl_op_name"},
    {"group_name", "TEXT", "group_name"},
    {"src_rank", "REAL", "src_rank"},
    {"dst_rank", "REAL", "dst_rank"},
    {"transport_type", "TEXT", "transport_type"},
    {"op_name", "TEXT", "op_name"},
    {"transit_size", "REAL", "transit_size"},
    {"transit_time", "REAL", "transit_time"},
    {"bandwidth", "REAL", "bandwidth"},
};

const char *const cs_comm_matrix_headers[] = {
    "Step", "HCCL Op Name", "Group", "Src Rank", "Dst Rank", "Transport Type", "Op Name",
    "Transit Size(MB)", "Transit Time(ms)", "Bandwidth(GB/s)"};

bool cs_table_comm_matrix_next(const cs_comm_sum *s, cs_comm_cursor *at, size_t max, cs_table *t)
{
    cs_table_init(t, "ClusterCommunicationMatrix", matrix_cols, NCOLS(matrix_cols));
    const cs_comm_matrix_row *r;
    for (size_t n = 0; n < max && (r = cs_comm_matrix_next(s, at)) != NULL; n++) {
        add_step(t, &r->step);
        cs_table_add_text(t, r->hccl_op_name);
        add_group(t, s, r->group);
        /* global ranks are REAL in the reference's table (7.0) */
        cs_table_add_real(t, (double)r->src);
        cs_table_add_real(t, (double)r->dst);
        cs_table_add_text(t, cs_comm_transport_name(r->transport));
        cs_table_add_text(t, r->op_name ? r->op_name : "");
        cs_table_add_real(t, r->size_mb);
        cs_table_add_real(t, r->time_ms);
        cs_table_add_real(t, r->bandwidth);
    }
    return !at->failed && at->row < cs_comm_matrix_rows(s);
}
