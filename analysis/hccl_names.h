/*
** hccl_names.h — naming rules shared by the analyses and the generator:
** the reference's group-name hash and the op-name classification rules
** (analyses.md §0 and §2.c.2).
*/
#ifndef CS_HCCL_NAMES_H
#define CS_HCCL_NAMES_H

#include <stdbool.h>
#include <stdint.h>

/* double_hash of analyses.md §0 over the UTF-8 code points of s. */
uint64_t cs_double_hash(const char *s);

/* Rule P1 (torch_npu type rule): lower-cased name starts with hcom_send,
** hcom_receive or hcom_batchsendrecv. */
bool cs_is_p2p_by_type_rule(const char *op_name);

/* Rule P2 (communication_group_map): lower-cased name contains send,
** receive or recv. */
bool cs_is_p2p_by_group_rule(const char *op_name);

/* The StepTraceTime bubble: op name starts with "hcom_receive"
** (case-sensitive, analyses.md §2.b.1). */
bool cs_is_bubble_op(const char *op_name);

#endif
