/*
** json_links_util.h — the links of cluster_communication_matrix.json as
** one array, for the unit tests: copies of every block's links (strings
** included), in file order.
*/
#ifndef CS_TEST_JSON_LINKS_UTIL_H
#define CS_TEST_JSON_LINKS_UTIL_H

#include "check.h"
#include "comm_sum.h"

typedef struct link_copy {
    cs_comm_json_link *items;
    size_t len, cap;
} link_copy;

static char *copy_text(const char *s)
{
    return s ? cs_xstrdup(s) : NULL;
}

static int collect_links(void *arg, uint32_t set, cs_comm_step step, const cs_comm_json_link *l, size_t n)
{
    link_copy *c = arg;
    for (size_t i = 0; i < n; i++) {
        cs_comm_json_link x = l[i];
        CHECK(x.set == set && x.step.has_id == step.has_id && x.step.id == step.id);
        x.hccl_op_name = copy_text(x.hccl_op_name);
        x.op_name = copy_text(x.op_name);
        CS_VEC_PUSH(*c, x);
    }
    return 0;
}

static link_copy links_of(const cs_comm_sum *s)
{
    link_copy c = {NULL, 0, 0};
    cs_err err = {{0}};
    CHECK_INT(cs_comm_json_link_blocks(s, collect_links, &c, &err), 0);
    CHECK_INT(c.len, s->json_links);
    return c;
}

static void links_free(link_copy *c)
{
    for (size_t i = 0; i < c->len; i++) {
        free((char *)c->items[i].hccl_op_name);
        free((char *)c->items[i].op_name);
    }
    free(c->items);
}

#endif
