/*
** comm_json.h — the reference's text-mode communication files
** (analyses.md §2.c.3, §2.d.3; outputs.md §2 writes them beside the CSVs):
** cluster_communication.json and cluster_communication_matrix.json, from
** the cluster reduce of comm_sum.h, printed as msprof-analyze prints them
** (json.dumps: ", " and ": " separators, no indent, Python float repr,
** integers as integers).
**
** Layout (msprof-analyze communication_analysis.py, comm_matrix_analysis.py):
**
**   cluster_communication.json
**     {"<rank set>": {"<step>": {
**        "<op name>@<group hash>": {"<rank>": <the rank's op entry>, ...}, ...,
**        "Total Op Info@<group hash>": {"<rank>": {
**            "Communication Time Info": {"Elapse Time(ms)", "Transit Time(ms)",
**                "Wait Time(ms)", "Synchronization Time(ms)", "Idle Time(ms)",
**                "Wait Time Ratio", "Synchronization Time Ratio"},
**            "Communication Bandwidth Info": {"RDMA"|"HCCS"|"PCIE"|"SDMA"|"SIO": {
**                "Transit Time(ms)", "Transit Size(MB)",
**                "Size Distribution": {"<str(size MB)>": [count, ms]},
**                "Bandwidth(GB/s)"}}}, ...}, ...}}}
**   An op entry is the per-rank communication.json entry as msprof writes it:
**     {"Communication Time Info": {"Start Timestamp(us)", "Elapse Time(ms)",
**        "Transit Time(ms)", "Wait Time(ms)", "Synchronization Time(ms)",
**        "Idle Time(ms)", "Wait Time Ratio", "Synchronization Time Ratio"},
**      "Communication Bandwidth Info": {"RDMA", "HCCS", "PCIE", "SDMA", "SIO" (all
**        five): {"Transit Size(MB)", "Transit Time(ms)", "Bandwidth(GB/s)",
**        "Large Packet Ratio", "Size Distribution"}}}
**
**   cluster_communication_matrix.json
**     {"<rank set>": {"<step>": {
**        "<type>-top1@<group hash>" (-middle, -bottom1..3, -total): {
**            "<src>-<dst>" (global ranks): {"Transport Type", "Transit Time(ms)",
**                "Transit Size(MB)", "Op Name", "Bandwidth(GB/s)"}, ...}, ...,
**        "Total Op Info@<group hash>": {"<src>-<dst>": {same keys, "Op Name": ""}}}}}
**
** Number forms follow the reference's Python types: a value the producer
** leaves at its int initialiser (a time or size of nothing, a ratio or
** bandwidth on a zero denominator, every field of an absent band type, the
** Large Packet Ratio of SDMA) prints as 0; every computed value prints as a
** float (0.0, 1.0, 5.6e-05); counts are integers.  Size Distribution keys
** are str(float) of the packet size in MB ("0.003072", "5.6e-05").
**
** Order (analyses.md §8.5: deterministic, independent of the process count):
** rank-set blocks in cs_comm_sum.sets order (ranks ascending, "(5,)" for
** one rank), steps by id ("step" first).  cluster_communication.json keeps
** the reference's insertion order for a walk over the ranks in ascending
** order, each rank's p2p ops before its collective ops (the section order of
** torch_npu's communication.json), in record order: op keys in first-seen
** order, their ranks ascending, then one "Total Op Info@<group>" per group
** in first-seen order with its ranks in first-seen order.  The matrix file
** has no per-rank order left: op keys by (group hash text, name), links by
** (src, dst) as numbers, then the "Total Op Info@<group>" keys by group.
**
** Memory: the text is built one (rank set, step) block at a time (a cJSON
** tree per block, printed with cs_json_dumps), so the peak is the text plus
** the largest block's tree; the *_write forms write each block to the file
** as it is printed, without the text.
*/
#ifndef CS_COMM_JSON_H
#define CS_COMM_JSON_H

#include <stdio.h>

#include "comm_sum.h"

/* The whole cluster_communication.json text (no trailing newline: the
** reference writes json.dumps(data) as is).  "{}" when s->json_ops is 0:
** the reference writes no file then, so the caller should skip it.  Newly
** allocated; the caller frees it.  NULL when the spooled records cannot be
** read back. */
char *cs_comm_json_time(const cs_comm_sum *s);

/* The whole cluster_communication_matrix.json text.  "{}" when
** s->json_links is 0 (the reference writes no file then).  Newly
** allocated; the caller frees it.  NULL when the links cannot be read
** back. */
char *cs_comm_json_matrix(const cs_comm_sum *s);

/* The same texts written to f block by block (one (set, step) block of
** records in memory at a time).  Return 0, or -1 with a message when the
** records cannot be read back or a write failed. */
int cs_comm_json_time_write(const cs_comm_sum *s, FILE *f, cs_err *err);
int cs_comm_json_matrix_write(const cs_comm_sum *s, FILE *f, cs_err *err);

#endif
