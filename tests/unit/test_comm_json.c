/*
** test_comm_json.c — cluster_communication.json and
** cluster_communication_matrix.json (io/comm_json.h): the exact text for a
** two-rank cluster built by hand and reduced by cs_comm_sum_compute, number
** forms (int 0 vs float), key order (p2p section before collective, op keys
** first seen, totals last), Size Distribution keys as str(float), and a
** parse round trip through cJSON.
**
** The expected texts were worked out by hand from the reference's code
** (communication_analysis.py, comm_matrix_analysis.py, msprof's
** CommunicationParser) and checked with Python's json.dumps on the same
** dicts.
*/
#include <cjson/cJSON.h>
#include <stdlib.h>

#include "check.h"
#include "json_links_util.h"
#include "comm_json.h"
#include "comm_sum.h"
#include "hccl_names.h"

/* ------------------------------------------------------------------------
** Records by hand (as test_comm_sum.c builds them).
*/

static uint32_t add_group(cs_comm_rank *r, const char *name, uint64_t hash)
{
    cs_comm_group g = {cs_xstrdup(name), hash};
    CS_VEC_PUSH(r->groups, g);
    return (uint32_t)(r->groups.len - 1);
}

/* Ratios as cs_comm_rank_compute makes them: round(x/(x+transit), 4), 0 on
** a zero denominator. */
static size_t add_op(cs_comm_rank *r, uint32_t group, const char *name, int64_t step, double start_us,
                     double elapse, double transit, double wait, double sync, double idle)
{
    cs_comm_op op = {.name = cs_xstrdup(name), .group = group, .has_step_id = step >= 0,
                     .step_id = step >= 0 ? step : 0, .p2p = cs_is_p2p_by_type_rule(name),
                     .start_us = start_us, .elapse_ms = elapse, .transit_ms = transit,
                     .wait_ms = wait, .sync_ms = sync, .idle_ms = idle,
                     .wait_ratio = wait + transit != 0 ? cs_round4(wait / (wait + transit)) : 0,
                     .sync_ratio = sync + transit != 0 ? cs_round4(sync / (sync + transit)) : 0,
                     .band_first = (uint32_t)r->bands.len, .link_first = (uint32_t)r->links.len};
    CS_VEC_PUSH(r->ops, op);
    r->counts.ops_kept++;
    return r->ops.len - 1;
}

static void add_band(cs_comm_rank *r, size_t op, int type, double size, double time, double lpr)
{
    cs_comm_band b = {.type = (uint8_t)type, .packet_first = (uint32_t)r->packets.len,
                      .size_mb = size, .time_ms = time,
                      .bandwidth = time != 0 ? cs_round4(size / time) : 0, .large_packet_ratio = lpr};
    CS_VEC_PUSH(r->bands, b);
    r->ops.items[op].nbands++;
}

static void add_packet(cs_comm_rank *r, double size, int64_t count, double total)
{
    cs_comm_packet p = {size, count, total};
    CS_VEC_PUSH(r->packets, p);
    r->bands.items[r->bands.len - 1].npackets++;
}

static void add_link(cs_comm_rank *r, size_t op, uint32_t src, uint32_t dst, int transport,
                     double size, double time)
{
    cs_comm_link l = {src, dst, (uint8_t)transport, size, time, time != 0 ? cs_round4(size / time) : 0};
    CS_VEC_PUSH(r->links, l);
    r->ops.items[op].nlinks++;
    cs_comm_rank_integrate(r);      /* the representatives follow the links */
}

/* The cluster of the test:
**   group "g7" (hash 7), ranks 0 and 1, step 1:
**     rank 0: hcom_allReduce__7_0_1 (HCCS 4.194304 MB in 0.5 ms, one packet;
**             link 0-1), hcom_send__7_1_1 (p2p, nothing moved but an RDMA
**             link 0-1 of 1 MB in 0.25 ms); step 2: hcom_allReduce__7_2_1
**     rank 1: hcom_allReduce__7_0_1 (HCCS 4.194304 MB in 0.25 ms; link 1-0),
**             hcom_receive__7_1_1 (p2p, waits only)
**   group "g9" (hash 9), rank 0 only, step 1: hcom_broadcast__9_0_1 with a
**     5.6e-05 MB packet. */
static void build(cs_comm_rank *r0, cs_comm_rank *r1)
{
    memset(r0, 0, sizeof *r0);
    memset(r1, 0, sizeof *r1);
    uint32_t g = add_group(r0, "g7", 7), h = add_group(r0, "g9", 9);
    size_t o = add_op(r0, g, "hcom_allReduce__7_0_1", 1, 1.5, 2.5, 0.5, 1.0, 0.25, 1.0);
    add_band(r0, o, CS_BAND_HCCS, 4.194304, 0.5, 0.0);
    add_packet(r0, 4.194304, 1, 0.5);
    add_band(r0, o, CS_BAND_SDMA, 4.194304, 0.5, 0.0);
    add_link(r0, o, 0, 1, CS_TRANSPORT_HCCS, 4.194304, 0.5);
    add_link(r0, o, 0, 0, CS_TRANSPORT_LOCAL, 0.5, 0.125);
    o = add_op(r0, h, "hcom_broadcast__9_0_1", 1, 2.0, 1.0, 0.001, 0, 0, 0.999);
    add_band(r0, o, CS_BAND_HCCS, 5.6e-05, 0.001, 0.0);
    add_packet(r0, 5.6e-05, 1, 0.001);
    add_band(r0, o, CS_BAND_SDMA, 5.6e-05, 0.001, 0.0);
    o = add_op(r0, g, "hcom_send__7_1_1", 1, 3.0, 1.0, 0, 0, 0, 1.0);
    add_link(r0, o, 0, 1, CS_TRANSPORT_RDMA, 1.0, 0.25);
    add_op(r0, g, "hcom_allReduce__7_2_1", 2, 10.0, 0.5, 0, 0.25, 0.25, 0.25);

    g = add_group(r1, "g7", 7);
    o = add_op(r1, g, "hcom_allReduce__7_0_1", 1, 1.75, 2.0, 0.5, 0.5, 0, 1.0);
    add_band(r1, o, CS_BAND_HCCS, 4.194304, 0.25, 0.0);
    add_packet(r1, 4.194304, 1, 0.25);
    add_band(r1, o, CS_BAND_SDMA, 4.194304, 0.25, 0.0);
    add_link(r1, o, 1, 0, CS_TRANSPORT_HCCS, 4.194304, 0.25);
    add_link(r1, o, 1, 1, CS_TRANSPORT_LOCAL, 0.5, 0.125);
    add_op(r1, g, "hcom_receive__7_1_1", 1, 3.5, 1.0, 0, 0.75, 0.75, 0.25);
}

/* The exact texts (checked against an emulation of the reference's
** Python on the same per-rank dicts; only the block order differs there:
** the reference's first-seen "(0, 1)" before "(0,)", ours sorted).
** Worked out by hand:
**   - blocks "(0,)" (g9 of rank 0) and "(0, 1)" (g7, collective and p2p
**     share the set); steps step1, step2;
**   - in "(0, 1)" step1 the walk is rank 0's p2p op (send), rank 0's
**     collective op, rank 1's p2p op (receive), rank 1's collective op, so
**     the op keys come send, allReduce, receive, and "Total Op Info@7" holds
**     ranks 0 then 1;
**   - per-op entries: transit/wait/sync never added -> 0, elapse, idle and
**     start always floats, a ratio on a zero denominator -> 0 (the send),
**     else a float (0.0 for the sync ratio of rank 1's allReduce); absent
**     bands all 0 with {}; SDMA's Large Packet Ratio 0, HCCS's 0.0;
**   - totals: times are floats (0.0 for the transit of step2), bands of
**     nothing stay 0, bandwidth = compute_ratio: 4.194304 / 0.5 = 8.388608
**     -> 8.3886, 4.194304 / 0.25 -> 16.7772, 5.6e-05 / 0.001 -> 0.056;
**     rank 0: elapse 2.5 + 1.0, idle 1.0 + 1.0, wait 1 / 1.5 -> 0.6667,
**     sync 0.25 / 0.75 -> 0.3333; rank 1: wait 1.25 / 1.75 -> 0.7143, sync
**     0.75 / 1.25 -> 0.6;
**   - matrix: local ranks mapped by self links (0-0 on rank 0, 1-1 on rank
**     1); each representative holds the links of both ranks; Total Op Info
**     sums the -total ones: 0-1 = 4.194304 + 1.0 MB in 0.5 + 0.25 ms ->
**     5.194304 / 0.75 = 6.92573866... -> 6.9257. */
static const char *const want_time =
    "{\"(0,)\": {\"step1\": {\"hcom_broadcast__9_0_1@9\": {\"0\": {\"Communication Time Info\": {\"Start Timesta"
    "mp(us)\": 2.0, \"Elapse Time(ms)\": 1.0, \"Transit Time(ms)\": 0.001, \"Wait Time(ms)\": 0, \"Synchroniz"
    "ation Time(ms)\": 0, \"Idle Time(ms)\": 0.999, \"Wait Time Ratio\": 0.0, \"Synchronization Time Ratio\""
    ": 0.0}, \"Communication Bandwidth Info\": {\"RDMA\": {\"Transit Size(MB)\": 0, \"Transit Time(ms)\": 0, "
    "\"Bandwidth(GB/s)\": 0, \"Large Packet Ratio\": 0, \"Size Distribution\": {}}, \"HCCS\": {\"Transit Size("
    "MB)\": 5.6e-05, \"Transit Time(ms)\": 0.001, \"Bandwidth(GB/s)\": 0.056, \"Large Packet Ratio\": 0.0, \""
    "Size Distribution\": {\"5.6e-05\": [1, 0.001]}}, \"PCIE\": {\"Transit Size(MB)\": 0, \"Transit Time(ms)\""
    ": 0, \"Bandwidth(GB/s)\": 0, \"Large Packet Ratio\": 0, \"Size Distribution\": {}}, \"SDMA\": {\"Transit "
    "Size(MB)\": 5.6e-05, \"Transit Time(ms)\": 0.001, \"Bandwidth(GB/s)\": 0.056, \"Large Packet Ratio\": 0"
    ", \"Size Distribution\": {}}, \"SIO\": {\"Transit Size(MB)\": 0, \"Transit Time(ms)\": 0, \"Bandwidth(GB/"
    "s)\": 0, \"Large Packet Ratio\": 0, \"Size Distribution\": {}}}}}, \"Total Op Info@9\": {\"0\": {\"Communi"
    "cation Time Info\": {\"Elapse Time(ms)\": 1.0, \"Transit Time(ms)\": 0.001, \"Wait Time(ms)\": 0.0, \"Sy"
    "nchronization Time(ms)\": 0.0, \"Idle Time(ms)\": 0.999, \"Wait Time Ratio\": 0.0, \"Synchronization T"
    "ime Ratio\": 0.0}, \"Communication Bandwidth Info\": {\"RDMA\": {\"Transit Time(ms)\": 0, \"Transit Size"
    "(MB)\": 0, \"Size Distribution\": {}, \"Bandwidth(GB/s)\": 0}, \"HCCS\": {\"Transit Time(ms)\": 0.001, \"T"
    "ransit Size(MB)\": 5.6e-05, \"Size Distribution\": {\"5.6e-05\": [1, 0.001]}, \"Bandwidth(GB/s)\": 0.05"
    "6}, \"PCIE\": {\"Transit Time(ms)\": 0, \"Transit Size(MB)\": 0, \"Size Distribution\": {}, \"Bandwidth(G"
    "B/s)\": 0}, \"SDMA\": {\"Transit Time(ms)\": 0.001, \"Transit Size(MB)\": 5.6e-05, \"Size Distribution\":"
    " {}, \"Bandwidth(GB/s)\": 0.056}, \"SIO\": {\"Transit Time(ms)\": 0, \"Transit Size(MB)\": 0, \"Size Dist"
    "ribution\": {}, \"Bandwidth(GB/s)\": 0}}}}}}, \"(0, 1)\": {\"step1\": {\"hcom_send__7_1_1@7\": {\"0\": {\"Co"
    "mmunication Time Info\": {\"Start Timestamp(us)\": 3.0, \"Elapse Time(ms)\": 1.0, \"Transit Time(ms)\":"
    " 0, \"Wait Time(ms)\": 0, \"Synchronization Time(ms)\": 0, \"Idle Time(ms)\": 1.0, \"Wait Time Ratio\": "
    "0, \"Synchronization Time Ratio\": 0}, \"Communication Bandwidth Info\": {\"RDMA\": {\"Transit Size(MB)"
    "\": 0, \"Transit Time(ms)\": 0, \"Bandwidth(GB/s)\": 0, \"Large Packet Ratio\": 0, \"Size Distribution\":"
    " {}}, \"HCCS\": {\"Transit Size(MB)\": 0, \"Transit Time(ms)\": 0, \"Bandwidth(GB/s)\": 0, \"Large Packet"
    " Ratio\": 0, \"Size Distribution\": {}}, \"PCIE\": {\"Transit Size(MB)\": 0, \"Transit Time(ms)\": 0, \"Ba"
    "ndwidth(GB/s)\": 0, \"Large Packet Ratio\": 0, \"Size Distribution\": {}}, \"SDMA\": {\"Transit Size(MB)"
    "\": 0, \"Transit Time(ms)\": 0, \"Bandwidth(GB/s)\": 0, \"Large Packet Ratio\": 0, \"Size Distribution\":"
    " {}}, \"SIO\": {\"Transit Size(MB)\": 0, \"Transit Time(ms)\": 0, \"Bandwidth(GB/s)\": 0, \"Large Packet "
    "Ratio\": 0, \"Size Distribution\": {}}}}}, \"hcom_allReduce__7_0_1@7\": {\"0\": {\"Communication Time In"
    "fo\": {\"Start Timestamp(us)\": 1.5, \"Elapse Time(ms)\": 2.5, \"Transit Time(ms)\": 0.5, \"Wait Time(ms"
    ")\": 1.0, \"Synchronization Time(ms)\": 0.25, \"Idle Time(ms)\": 1.0, \"Wait Time Ratio\": 0.6667, \"Syn"
    "chronization Time Ratio\": 0.3333}, \"Communication Bandwidth Info\": {\"RDMA\": {\"Transit Size(MB)\":"
    " 0, \"Transit Time(ms)\": 0, \"Bandwidth(GB/s)\": 0, \"Large Packet Ratio\": 0, \"Size Distribution\": {"
    "}}, \"HCCS\": {\"Transit Size(MB)\": 4.194304, \"Transit Time(ms)\": 0.5, \"Bandwidth(GB/s)\": 8.3886, \""
    "Large Packet Ratio\": 0.0, \"Size Distribution\": {\"4.194304\": [1, 0.5]}}, \"PCIE\": {\"Transit Size(M"
    "B)\": 0, \"Transit Time(ms)\": 0, \"Bandwidth(GB/s)\": 0, \"Large Packet Ratio\": 0, \"Size Distribution"
    "\": {}}, \"SDMA\": {\"Transit Size(MB)\": 4.194304, \"Transit Time(ms)\": 0.5, \"Bandwidth(GB/s)\": 8.388"
    "6, \"Large Packet Ratio\": 0, \"Size Distribution\": {}}, \"SIO\": {\"Transit Size(MB)\": 0, \"Transit Ti"
    "me(ms)\": 0, \"Bandwidth(GB/s)\": 0, \"Large Packet Ratio\": 0, \"Size Distribution\": {}}}}, \"1\": {\"Co"
    "mmunication Time Info\": {\"Start Timestamp(us)\": 1.75, \"Elapse Time(ms)\": 2.0, \"Transit Time(ms)\""
    ": 0.5, \"Wait Time(ms)\": 0.5, \"Synchronization Time(ms)\": 0, \"Idle Time(ms)\": 1.0, \"Wait Time Rat"
    "io\": 0.5, \"Synchronization Time Ratio\": 0.0}, \"Communication Bandwidth Info\": {\"RDMA\": {\"Transit"
    " Size(MB)\": 0, \"Transit Time(ms)\": 0, \"Bandwidth(GB/s)\": 0, \"Large Packet Ratio\": 0, \"Size Distr"
    "ibution\": {}}, \"HCCS\": {\"Transit Size(MB)\": 4.194304, \"Transit Time(ms)\": 0.25, \"Bandwidth(GB/s)"
    "\": 16.7772, \"Large Packet Ratio\": 0.0, \"Size Distribution\": {\"4.194304\": [1, 0.25]}}, \"PCIE\": {\""
    "Transit Size(MB)\": 0, \"Transit Time(ms)\": 0, \"Bandwidth(GB/s)\": 0, \"Large Packet Ratio\": 0, \"Siz"
    "e Distribution\": {}}, \"SDMA\": {\"Transit Size(MB)\": 4.194304, \"Transit Time(ms)\": 0.25, \"Bandwidt"
    "h(GB/s)\": 16.7772, \"Large Packet Ratio\": 0, \"Size Distribution\": {}}, \"SIO\": {\"Transit Size(MB)\""
    ": 0, \"Transit Time(ms)\": 0, \"Bandwidth(GB/s)\": 0, \"Large Packet Ratio\": 0, \"Size Distribution\": "
    "{}}}}}, \"hcom_receive__7_1_1@7\": {\"1\": {\"Communication Time Info\": {\"Start Timestamp(us)\": 3.5, "
    "\"Elapse Time(ms)\": 1.0, \"Transit Time(ms)\": 0, \"Wait Time(ms)\": 0.75, \"Synchronization Time(ms)\""
    ": 0.75, \"Idle Time(ms)\": 0.25, \"Wait Time Ratio\": 1.0, \"Synchronization Time Ratio\": 1.0}, \"Comm"
    "unication Bandwidth Info\": {\"RDMA\": {\"Transit Size(MB)\": 0, \"Transit Time(ms)\": 0, \"Bandwidth(GB"
    "/s)\": 0, \"Large Packet Ratio\": 0, \"Size Distribution\": {}}, \"HCCS\": {\"Transit Size(MB)\": 0, \"Tra"
    "nsit Time(ms)\": 0, \"Bandwidth(GB/s)\": 0, \"Large Packet Ratio\": 0, \"Size Distribution\": {}}, \"PCI"
    "E\": {\"Transit Size(MB)\": 0, \"Transit Time(ms)\": 0, \"Bandwidth(GB/s)\": 0, \"Large Packet Ratio\": 0"
    ", \"Size Distribution\": {}}, \"SDMA\": {\"Transit Size(MB)\": 0, \"Transit Time(ms)\": 0, \"Bandwidth(GB"
    "/s)\": 0, \"Large Packet Ratio\": 0, \"Size Distribution\": {}}, \"SIO\": {\"Transit Size(MB)\": 0, \"Tran"
    "sit Time(ms)\": 0, \"Bandwidth(GB/s)\": 0, \"Large Packet Ratio\": 0, \"Size Distribution\": {}}}}}, \"T"
    "otal Op Info@7\": {\"0\": {\"Communication Time Info\": {\"Elapse Time(ms)\": 3.5, \"Transit Time(ms)\": "
    "0.5, \"Wait Time(ms)\": 1.0, \"Synchronization Time(ms)\": 0.25, \"Idle Time(ms)\": 2.0, \"Wait Time Ra"
    "tio\": 0.6667, \"Synchronization Time Ratio\": 0.3333}, \"Communication Bandwidth Info\": {\"RDMA\": {\""
    "Transit Time(ms)\": 0, \"Transit Size(MB)\": 0, \"Size Distribution\": {}, \"Bandwidth(GB/s)\": 0}, \"HC"
    "CS\": {\"Transit Time(ms)\": 0.5, \"Transit Size(MB)\": 4.194304, \"Size Distribution\": {\"4.194304\": ["
    "1, 0.5]}, \"Bandwidth(GB/s)\": 8.3886}, \"PCIE\": {\"Transit Time(ms)\": 0, \"Transit Size(MB)\": 0, \"Si"
    "ze Distribution\": {}, \"Bandwidth(GB/s)\": 0}, \"SDMA\": {\"Transit Time(ms)\": 0.5, \"Transit Size(MB)"
    "\": 4.194304, \"Size Distribution\": {}, \"Bandwidth(GB/s)\": 8.3886}, \"SIO\": {\"Transit Time(ms)\": 0,"
    " \"Transit Size(MB)\": 0, \"Size Distribution\": {}, \"Bandwidth(GB/s)\": 0}}}, \"1\": {\"Communication T"
    "ime Info\": {\"Elapse Time(ms)\": 3.0, \"Transit Time(ms)\": 0.5, \"Wait Time(ms)\": 1.25, \"Synchroniza"
    "tion Time(ms)\": 0.75, \"Idle Time(ms)\": 1.25, \"Wait Time Ratio\": 0.7143, \"Synchronization Time Ra"
    "tio\": 0.6}, \"Communication Bandwidth Info\": {\"RDMA\": {\"Transit Time(ms)\": 0, \"Transit Size(MB)\":"
    " 0, \"Size Distribution\": {}, \"Bandwidth(GB/s)\": 0}, \"HCCS\": {\"Transit Time(ms)\": 0.25, \"Transit "
    "Size(MB)\": 4.194304, \"Size Distribution\": {\"4.194304\": [1, 0.25]}, \"Bandwidth(GB/s)\": 16.7772}, "
    "\"PCIE\": {\"Transit Time(ms)\": 0, \"Transit Size(MB)\": 0, \"Size Distribution\": {}, \"Bandwidth(GB/s)"
    "\": 0}, \"SDMA\": {\"Transit Time(ms)\": 0.25, \"Transit Size(MB)\": 4.194304, \"Size Distribution\": {},"
    " \"Bandwidth(GB/s)\": 16.7772}, \"SIO\": {\"Transit Time(ms)\": 0, \"Transit Size(MB)\": 0, \"Size Distri"
    "bution\": {}, \"Bandwidth(GB/s)\": 0}}}}}, \"step2\": {\"hcom_allReduce__7_2_1@7\": {\"0\": {\"Communicati"
    "on Time Info\": {\"Start Timestamp(us)\": 10.0, \"Elapse Time(ms)\": 0.5, \"Transit Time(ms)\": 0, \"Wai"
    "t Time(ms)\": 0.25, \"Synchronization Time(ms)\": 0.25, \"Idle Time(ms)\": 0.25, \"Wait Time Ratio\": 1"
    ".0, \"Synchronization Time Ratio\": 1.0}, \"Communication Bandwidth Info\": {\"RDMA\": {\"Transit Size("
    "MB)\": 0, \"Transit Time(ms)\": 0, \"Bandwidth(GB/s)\": 0, \"Large Packet Ratio\": 0, \"Size Distributio"
    "n\": {}}, \"HCCS\": {\"Transit Size(MB)\": 0, \"Transit Time(ms)\": 0, \"Bandwidth(GB/s)\": 0, \"Large Pac"
    "ket Ratio\": 0, \"Size Distribution\": {}}, \"PCIE\": {\"Transit Size(MB)\": 0, \"Transit Time(ms)\": 0, "
    "\"Bandwidth(GB/s)\": 0, \"Large Packet Ratio\": 0, \"Size Distribution\": {}}, \"SDMA\": {\"Transit Size("
    "MB)\": 0, \"Transit Time(ms)\": 0, \"Bandwidth(GB/s)\": 0, \"Large Packet Ratio\": 0, \"Size Distributio"
    "n\": {}}, \"SIO\": {\"Transit Size(MB)\": 0, \"Transit Time(ms)\": 0, \"Bandwidth(GB/s)\": 0, \"Large Pack"
    "et Ratio\": 0, \"Size Distribution\": {}}}}}, \"Total Op Info@7\": {\"0\": {\"Communication Time Info\": "
    "{\"Elapse Time(ms)\": 0.5, \"Transit Time(ms)\": 0.0, \"Wait Time(ms)\": 0.25, \"Synchronization Time(m"
    "s)\": 0.25, \"Idle Time(ms)\": 0.25, \"Wait Time Ratio\": 1.0, \"Synchronization Time Ratio\": 1.0}, \"C"
    "ommunication Bandwidth Info\": {\"RDMA\": {\"Transit Time(ms)\": 0, \"Transit Size(MB)\": 0, \"Size Dist"
    "ribution\": {}, \"Bandwidth(GB/s)\": 0}, \"HCCS\": {\"Transit Time(ms)\": 0, \"Transit Size(MB)\": 0, \"Si"
    "ze Distribution\": {}, \"Bandwidth(GB/s)\": 0}, \"PCIE\": {\"Transit Time(ms)\": 0, \"Transit Size(MB)\":"
    " 0, \"Size Distribution\": {}, \"Bandwidth(GB/s)\": 0}, \"SDMA\": {\"Transit Time(ms)\": 0, \"Transit Siz"
    "e(MB)\": 0, \"Size Distribution\": {}, \"Bandwidth(GB/s)\": 0}, \"SIO\": {\"Transit Time(ms)\": 0, \"Trans"
    "it Size(MB)\": 0, \"Size Distribution\": {}, \"Bandwidth(GB/s)\": 0}}}}}}}";

static const char *const want_matrix =
    "{\"(0, 1)\": {\"step1\": {\"allreduce-bottom1@7\": {\"0-0\": {\"Transport Type\": \"LOCAL\", \"Transit Time(m"
    "s)\": 0.125, \"Transit Size(MB)\": 0.5, \"Op Name\": \"hcom_allReduce__7_0_1\", \"Bandwidth(GB/s)\": 4.0}"
    ", \"0-1\": {\"Transport Type\": \"HCCS\", \"Transit Time(ms)\": 0.5, \"Transit Size(MB)\": 4.194304, \"Op N"
    "ame\": \"hcom_allReduce__7_0_1\", \"Bandwidth(GB/s)\": 8.3886}, \"1-0\": {\"Transport Type\": \"HCCS\", \"Tr"
    "ansit Time(ms)\": 0.25, \"Transit Size(MB)\": 4.194304, \"Op Name\": \"hcom_allReduce__7_0_1\", \"Bandwi"
    "dth(GB/s)\": 16.7772}, \"1-1\": {\"Transport Type\": \"LOCAL\", \"Transit Time(ms)\": 0.125, \"Transit Siz"
    "e(MB)\": 0.5, \"Op Name\": \"hcom_allReduce__7_0_1\", \"Bandwidth(GB/s)\": 4.0}}, \"allreduce-middle@7\":"
    " {\"0-0\": {\"Transport Type\": \"LOCAL\", \"Transit Time(ms)\": 0.125, \"Transit Size(MB)\": 0.5, \"Op Nam"
    "e\": \"hcom_allReduce__7_0_1\", \"Bandwidth(GB/s)\": 4.0}, \"0-1\": {\"Transport Type\": \"HCCS\", \"Transit"
    " Time(ms)\": 0.5, \"Transit Size(MB)\": 4.194304, \"Op Name\": \"hcom_allReduce__7_0_1\", \"Bandwidth(GB"
    "/s)\": 8.3886}, \"1-0\": {\"Transport Type\": \"HCCS\", \"Transit Time(ms)\": 0.25, \"Transit Size(MB)\": 4"
    ".194304, \"Op Name\": \"hcom_allReduce__7_0_1\", \"Bandwidth(GB/s)\": 16.7772}, \"1-1\": {\"Transport Typ"
    "e\": \"LOCAL\", \"Transit Time(ms)\": 0.125, \"Transit Size(MB)\": 0.5, \"Op Name\": \"hcom_allReduce__7_0"
    "_1\", \"Bandwidth(GB/s)\": 4.0}}, \"allreduce-top1@7\": {\"0-0\": {\"Transport Type\": \"LOCAL\", \"Transit "
    "Time(ms)\": 0.125, \"Transit Size(MB)\": 0.5, \"Op Name\": \"hcom_allReduce__7_0_1\", \"Bandwidth(GB/s)\""
    ": 4.0}, \"0-1\": {\"Transport Type\": \"HCCS\", \"Transit Time(ms)\": 0.5, \"Transit Size(MB)\": 4.194304,"
    " \"Op Name\": \"hcom_allReduce__7_0_1\", \"Bandwidth(GB/s)\": 8.3886}, \"1-0\": {\"Transport Type\": \"HCCS"
    "\", \"Transit Time(ms)\": 0.25, \"Transit Size(MB)\": 4.194304, \"Op Name\": \"hcom_allReduce__7_0_1\", \""
    "Bandwidth(GB/s)\": 16.7772}, \"1-1\": {\"Transport Type\": \"LOCAL\", \"Transit Time(ms)\": 0.125, \"Trans"
    "it Size(MB)\": 0.5, \"Op Name\": \"hcom_allReduce__7_0_1\", \"Bandwidth(GB/s)\": 4.0}}, \"allreduce-tota"
    "l@7\": {\"0-0\": {\"Transport Type\": \"LOCAL\", \"Transit Time(ms)\": 0.125, \"Transit Size(MB)\": 0.5, \"O"
    "p Name\": \"\", \"Bandwidth(GB/s)\": 4.0}, \"0-1\": {\"Transport Type\": \"HCCS\", \"Transit Time(ms)\": 0.5,"
    " \"Transit Size(MB)\": 4.194304, \"Op Name\": \"\", \"Bandwidth(GB/s)\": 8.3886}, \"1-0\": {\"Transport Typ"
    "e\": \"HCCS\", \"Transit Time(ms)\": 0.25, \"Transit Size(MB)\": 4.194304, \"Op Name\": \"\", \"Bandwidth(GB"
    "/s)\": 16.7772}, \"1-1\": {\"Transport Type\": \"LOCAL\", \"Transit Time(ms)\": 0.125, \"Transit Size(MB)\""
    ": 0.5, \"Op Name\": \"\", \"Bandwidth(GB/s)\": 4.0}}, \"send-bottom1@7\": {\"0-1\": {\"Transport Type\": \"RD"
    "MA\", \"Transit Time(ms)\": 0.25, \"Transit Size(MB)\": 1.0, \"Op Name\": \"hcom_send__7_1_1\", \"Bandwidt"
    "h(GB/s)\": 4.0}}, \"send-middle@7\": {\"0-1\": {\"Transport Type\": \"RDMA\", \"Transit Time(ms)\": 0.25, \""
    "Transit Size(MB)\": 1.0, \"Op Name\": \"hcom_send__7_1_1\", \"Bandwidth(GB/s)\": 4.0}}, \"send-top1@7\": "
    "{\"0-1\": {\"Transport Type\": \"RDMA\", \"Transit Time(ms)\": 0.25, \"Transit Size(MB)\": 1.0, \"Op Name\":"
    " \"hcom_send__7_1_1\", \"Bandwidth(GB/s)\": 4.0}}, \"send-total@7\": {\"0-1\": {\"Transport Type\": \"RDMA\""
    ", \"Transit Time(ms)\": 0.25, \"Transit Size(MB)\": 1.0, \"Op Name\": \"\", \"Bandwidth(GB/s)\": 4.0}}, \"T"
    "otal Op Info@7\": {\"0-0\": {\"Transport Type\": \"LOCAL\", \"Transit Time(ms)\": 0.125, \"Transit Size(MB"
    ")\": 0.5, \"Op Name\": \"\", \"Bandwidth(GB/s)\": 4.0}, \"0-1\": {\"Transport Type\": \"RDMA\", \"Transit Time"
    "(ms)\": 0.75, \"Transit Size(MB)\": 5.194304, \"Op Name\": \"\", \"Bandwidth(GB/s)\": 6.9257}, \"1-0\": {\"T"
    "ransport Type\": \"HCCS\", \"Transit Time(ms)\": 0.25, \"Transit Size(MB)\": 4.194304, \"Op Name\": \"\", \""
    "Bandwidth(GB/s)\": 16.7772}, \"1-1\": {\"Transport Type\": \"LOCAL\", \"Transit Time(ms)\": 0.125, \"Trans"
    "it Size(MB)\": 0.5, \"Op Name\": \"\", \"Bandwidth(GB/s)\": 4.0}}}}}";

/* The per-op entries of the time file checked against their records, one
** (set, step) block at a time. */
typedef struct op_check {
    const cs_comm_sum *s;
    cJSON *t;
    int seen;
} op_check;

static int check_block(void *arg, const cs_comm_json_block *b)
{
    op_check *oc = arg;
    const cs_comm_sum *s = oc->s;
    cJSON *t = oc->t;
    for (size_t i = 0; t && i < b->ops.len; i++) {
        const cs_comm_json_op *j = &b->ops.items[i];
        CHECK(j->set == b->set);
        const cs_comm_op *op = &j->records->ops.items[j->op];
        const cs_comm_rank_set *set = &s->sets.items[j->set];
        char setkey[64], step[24], key[128], rank[24];
        if (set->nranks == 1) snprintf(setkey, sizeof setkey, "(%" PRId64 ",)", set->ranks[0]);
        else snprintf(setkey, sizeof setkey, "(%" PRId64 ", %" PRId64 ")", set->ranks[0], set->ranks[1]);
        cs_comm_step_label(step, sizeof step, op->has_step_id, op->step_id);
        snprintf(key, sizeof key, "%s@%" PRIu64, op->name, j->records->groups.items[op->group].hash);
        snprintf(rank, sizeof rank, "%" PRId64, j->rank);
        cJSON *e = cJSON_GetObjectItemCaseSensitive(t, setkey);
        e = cJSON_GetObjectItemCaseSensitive(e, step);
        e = cJSON_GetObjectItemCaseSensitive(e, key);
        e = cJSON_GetObjectItemCaseSensitive(e, rank);
        cJSON *ti = cJSON_GetObjectItemCaseSensitive(e, "Communication Time Info");
        CHECK(cJSON_GetArraySize(ti) == 8);
        const char *names[] = {"Start Timestamp(us)", "Elapse Time(ms)", "Transit Time(ms)", "Wait Time(ms)",
                               "Synchronization Time(ms)", "Idle Time(ms)", "Wait Time Ratio",
                               "Synchronization Time Ratio"};
        double want[] = {op->start_us, op->elapse_ms, op->transit_ms, op->wait_ms,
                         op->sync_ms, op->idle_ms, op->wait_ratio, op->sync_ratio};
        for (int k = 0; k < 8; k++) {
            cJSON *v = cJSON_GetObjectItemCaseSensitive(ti, names[k]);
            CHECK(cJSON_IsNumber(v) && v->valuedouble == want[k]);
        }
        oc->seen++;
    }
    return 0;
}

/* Every number of the parsed text reads back to the value it was printed
** from. */
static void check_round_trip(const cs_comm_sum *s, const char *time_text, const char *matrix_text)
{
    cJSON *t = cJSON_Parse(time_text), *m = cJSON_Parse(matrix_text);
    CHECK(cJSON_IsObject(t));
    CHECK(cJSON_IsObject(m));
    op_check oc = {s, t, 0};
    cs_err err = {{0}};
    CHECK_INT(cs_comm_json_blocks(s, check_block, &oc, &err), 0);
    CHECK_INT(oc.seen, 6);
    CHECK_INT(s->json_ops, 6);
    int seen = 0;
    link_copy links = links_of(s);
    for (size_t i = 0; m && i < links.len; i++) {
        const cs_comm_json_link *l = &links.items[i];
        char step[24], key[128], link[48];
        cs_comm_step_label(step, sizeof step, l->step.has_id, l->step.id);
        snprintf(key, sizeof key, "%s@%" PRIu64, l->hccl_op_name ? l->hccl_op_name : "Total Op Info",
                 s->groups.items[l->group].hash);
        snprintf(link, sizeof link, "%" PRId64 "-%" PRId64, l->src, l->dst);
        cJSON *e = cJSON_GetObjectItemCaseSensitive(m, "(0, 1)");
        e = cJSON_GetObjectItemCaseSensitive(e, step);
        e = cJSON_GetObjectItemCaseSensitive(e, key);
        e = cJSON_GetObjectItemCaseSensitive(e, link);
        cJSON *sz = cJSON_GetObjectItemCaseSensitive(e, "Transit Size(MB)");
        cJSON *tm = cJSON_GetObjectItemCaseSensitive(e, "Transit Time(ms)");
        cJSON *bw = cJSON_GetObjectItemCaseSensitive(e, "Bandwidth(GB/s)");
        CHECK(cJSON_IsNumber(sz) && sz->valuedouble == l->size_mb);
        CHECK(cJSON_IsNumber(tm) && tm->valuedouble == l->time_ms);
        CHECK(cJSON_IsNumber(bw) && bw->valuedouble == l->bandwidth);
        seen++;
    }
    CHECK_INT(seen, (int)links.len);
    links_free(&links);
    cJSON_Delete(t);
    cJSON_Delete(m);
}

/* What a *_write function puts into a file. */
static char *written(const cs_comm_sum *s, int (*write)(const cs_comm_sum *, FILE *, cs_err *))
{
    FILE *f = tmpfile();
    if (!f) return NULL;
    cs_err err = {{0}};
    CHECK_INT(write(s, f, &err), 0);
    long n = ftell(f);
    char *text = cs_xmalloc((size_t)(n > 0 ? n : 0) + 1);
    rewind(f);
    size_t got = fread(text, 1, (size_t)(n > 0 ? n : 0), f);
    text[got] = '\0';
    fclose(f);
    return text;
}

static void test_cluster(void)
{
    cs_comm_rank r0, r1;
    build(&r0, &r1);
    cs_comm_sum_input in[] = {{1, &r1}, {0, &r0}};     /* any input order */
    cs_comm_sum s;
    memset(&s, 0, sizeof s);
    cs_err err = {{0}};
    CHECK_INT(cs_comm_sum_compute(in, 2, NULL, 0, &s, &err), 0);
    char *t = cs_comm_json_time(&s);
    char *m = cs_comm_json_matrix(&s);
    if (getenv("CS_JSON_DUMP")) printf("%s\n%s\n", t, m);
    CHECK_STR(t, want_time);
    CHECK_STR(m, want_matrix);
    check_round_trip(&s, t, m);
    /* written to a file block by block: the same bytes */
    char *wt = written(&s, cs_comm_json_time_write), *wm = written(&s, cs_comm_json_matrix_write);
    CHECK_STR(wt, want_time);
    CHECK_STR(wm, want_matrix);
    free(wt);
    free(wm);
    free(t);
    free(m);
    cs_comm_sum_free(&s);
    cs_comm_rank_free(&r0);
    cs_comm_rank_free(&r1);
}

/* A one-rank set, a profile without steps, awkward doubles (the repr of
** the reference's sample values) and an exponent packet key. */
static void test_one_rank_no_step(void)
{
    cs_comm_rank r = {0};
    uint32_t g = add_group(&r, "g3", 3);
    size_t o = add_op(&r, g, "hcom_allGather__3_0_1", -1, 1695054582707330.2, 20.798642234375, 0.01630984375,
                      0.00015000000000000001, 1e-05, 20.782182390624996);
    add_band(&r, o, CS_BAND_PCIE, 0.030399999999999996, 0.01630984375, 0.25);
    add_packet(&r, 0.003072, 9, 0.014699859374999999);
    add_packet(&r, 1e-06, 1, 0.001609984375);
    add_band(&r, o, CS_BAND_SDMA, 0.030399999999999996, 0.01630984375, 0);
    cs_comm_sum_input in[] = {{5, &r}};
    cs_comm_sum s;
    memset(&s, 0, sizeof s);
    cs_err err = {{0}};
    CHECK_INT(cs_comm_sum_compute(in, 1, NULL, 0, &s, &err), 0);
    char *t = cs_comm_json_time(&s);
    static const char *const want =
        "{\"(5,)\": {\"step\": {\"hcom_allGather__3_0_1@3\": {\"5\": {\"Communication Time Info\": {"
        "\"Start Timestamp(us)\": 1695054582707330.2, \"Elapse Time(ms)\": 20.798642234375, "
        "\"Transit Time(ms)\": 0.01630984375, \"Wait Time(ms)\": 0.00015000000000000001, "
        "\"Synchronization Time(ms)\": 1e-05, \"Idle Time(ms)\": 20.782182390624996, "
        "\"Wait Time Ratio\": 0.0091, \"Synchronization Time Ratio\": 0.0006}, "
        "\"Communication Bandwidth Info\": {"
        "\"RDMA\": {\"Transit Size(MB)\": 0, \"Transit Time(ms)\": 0, \"Bandwidth(GB/s)\": 0, "
        "\"Large Packet Ratio\": 0, \"Size Distribution\": {}}, "
        "\"HCCS\": {\"Transit Size(MB)\": 0, \"Transit Time(ms)\": 0, \"Bandwidth(GB/s)\": 0, "
        "\"Large Packet Ratio\": 0, \"Size Distribution\": {}}, "
        "\"PCIE\": {\"Transit Size(MB)\": 0.030399999999999996, \"Transit Time(ms)\": 0.01630984375, "
        "\"Bandwidth(GB/s)\": 1.8639, \"Large Packet Ratio\": 0.25, "
        "\"Size Distribution\": {\"0.003072\": [9, 0.014699859374999999], \"1e-06\": [1, 0.001609984375]}}, "
        "\"SDMA\": {\"Transit Size(MB)\": 0.030399999999999996, \"Transit Time(ms)\": 0.01630984375, "
        "\"Bandwidth(GB/s)\": 1.8639, \"Large Packet Ratio\": 0, \"Size Distribution\": {}}, "
        "\"SIO\": {\"Transit Size(MB)\": 0, \"Transit Time(ms)\": 0, \"Bandwidth(GB/s)\": 0, "
        "\"Large Packet Ratio\": 0, \"Size Distribution\": {}}}}}, "
        "\"Total Op Info@3\": {\"5\": {\"Communication Time Info\": {"
        "\"Elapse Time(ms)\": 20.798642234375, \"Transit Time(ms)\": 0.01630984375, "
        "\"Wait Time(ms)\": 0.00015000000000000001, \"Synchronization Time(ms)\": 1e-05, "
        "\"Idle Time(ms)\": 20.782182390624996, \"Wait Time Ratio\": 0.0091, "
        "\"Synchronization Time Ratio\": 0.0006}, \"Communication Bandwidth Info\": {"
        "\"RDMA\": {\"Transit Time(ms)\": 0, \"Transit Size(MB)\": 0, \"Size Distribution\": {}, "
        "\"Bandwidth(GB/s)\": 0}, "
        "\"HCCS\": {\"Transit Time(ms)\": 0, \"Transit Size(MB)\": 0, \"Size Distribution\": {}, "
        "\"Bandwidth(GB/s)\": 0}, "
        "\"PCIE\": {\"Transit Time(ms)\": 0.01630984375, \"Transit Size(MB)\": 0.030399999999999996, "
        "\"Size Distribution\": {\"0.003072\": [9, 0.014699859374999999], \"1e-06\": [1, 0.001609984375]}, "
        "\"Bandwidth(GB/s)\": 1.8639}, "
        "\"SDMA\": {\"Transit Time(ms)\": 0.01630984375, \"Transit Size(MB)\": 0.030399999999999996, "
        "\"Size Distribution\": {}, \"Bandwidth(GB/s)\": 1.8639}, "
        "\"SIO\": {\"Transit Time(ms)\": 0, \"Transit Size(MB)\": 0, \"Size Distribution\": {}, "
        "\"Bandwidth(GB/s)\": 0}}}}}}}";
    CHECK_STR(t, want);
    cJSON *p = cJSON_Parse(t);
    CHECK(p != NULL);
    cJSON_Delete(p);
    free(t);
    /* no links: nothing for the matrix file */
    t = cs_comm_json_matrix(&s);
    CHECK_STR(t, "{}");
    free(t);
    cs_comm_sum_free(&s);
    cs_comm_rank_free(&r);
}

static void test_empty(void)
{
    cs_comm_sum s;
    memset(&s, 0, sizeof s);
    char *t = cs_comm_json_time(&s), *m = cs_comm_json_matrix(&s);
    CHECK_STR(t, "{}");
    CHECK_STR(m, "{}");
    free(t);
    free(m);
}

int main(void)
{
    test_cluster();
    test_one_rank_no_step();
    test_empty();
    return check_report();
}
