/*
** groups.c — merging communication groups over the ranks.
*/
#include "groups.h"

#include <inttypes.h>
#include <stdio.h>

#include "hccl_names.h"

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static void add_rank(cs_group_row *g, int64_t rank)
{
    for (size_t i = 0; i < g->nranks; i++)
        if (g->ranks[i] == rank) return;
    g->ranks = cs_xrealloc(g->ranks, (g->nranks + 1) * sizeof *g->ranks);
    g->ranks[g->nranks++] = rank;
}

void cs_group_map_add_use(cs_group_map *m, const char *name, bool p2p, int64_t rank)
{
    for (size_t i = 0; i < m->rows.len; i++) {
        cs_group_row *g = &m->rows.items[i];
        if (g->p2p == p2p && strcmp(g->group_id, name) == 0) {
            add_rank(g, rank);
            return;
        }
    }
    cs_group_row g = {p2p, NULL, 0, cs_double_hash(name), cs_xstrdup(name), cs_xstrdup("")};
    add_rank(&g, rank);
    CS_VEC_PUSH(m->rows, g);
}

void cs_group_map_add_info(cs_group_map *m, cs_parallel_group *g)
{
    for (size_t i = 0; i < m->info.len; i++) {
        if (strcmp(m->info.items[i].group_id, g->group_id) == 0) {
            cs_parallel_group_free(g);
            return;
        }
    }
    CS_VEC_PUSH(m->info, *g);
    memset(g, 0, sizeof *g);
}

static const cs_parallel_group *find_info(const cs_group_map *m, const char *group_id)
{
    for (size_t i = 0; i < m->info.len; i++)
        if (strcmp(m->info.items[i].group_id, group_id) == 0) return &m->info.items[i];
    return NULL;
}

static int cmp_row(const void *a, const void *b)
{
    const cs_group_row *x = a, *y = b;
    if (x->p2p != y->p2p) return x->p2p ? 1 : -1;
    char hx[24], hy[24];
    snprintf(hx, sizeof hx, "%" PRIu64, x->hash);
    snprintf(hy, sizeof hy, "%" PRIu64, y->hash);
    return strcmp(hx, hy);
}

static bool same_ranks(const cs_group_row *g, const cs_parallel_group *info)
{
    if (g->nranks != info->nglobal_ranks) return false;
    for (size_t i = 0; i < g->nranks; i++)
        if (g->ranks[i] != info->global_ranks[i]) return false;
    return true;
}

void cs_group_map_finish(cs_group_map *m)
{
    for (size_t i = 0; i < m->rows.len; i++) {
        cs_group_row *g = &m->rows.items[i];
        qsort(g->ranks, g->nranks, sizeof *g->ranks, cmp_i64);
        const cs_parallel_group *info = find_info(m, g->group_id);
        if (!info) {
            /* Without metadata the reference leaves group_id empty too. */
            free(g->group_id);
            g->group_id = cs_xstrdup("");
            continue;
        }
        free(g->pg_name);
        g->pg_name = cs_xstrdup(info->pg_name ? info->pg_name : "");
        if (info->nglobal_ranks && !same_ranks(g, info)) {
            g->ranks = cs_xrealloc(g->ranks, info->nglobal_ranks * sizeof *g->ranks);
            memcpy(g->ranks, info->global_ranks, info->nglobal_ranks * sizeof *g->ranks);
            g->nranks = info->nglobal_ranks;
        }
    }
    if (m->rows.len) qsort(m->rows.items, m->rows.len, sizeof(cs_group_row), cmp_row);
}

char *cs_rank_set_text(const int64_t *ranks, size_t n, const char *sep)
{
    size_t cap = 3 + n * (24 + strlen(sep));
    char *s = cs_xmalloc(cap);
    size_t len = (size_t)snprintf(s, cap, "(");
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(s + len, cap - len, "%s%" PRId64, i ? sep : "", ranks[i]);
    snprintf(s + len, cap - len, ")");
    return s;
}

void cs_parallel_group_free(cs_parallel_group *g)
{
    free(g->group_id);
    free(g->pg_name);
    free(g->global_ranks);
    memset(g, 0, sizeof *g);
}

void cs_group_map_free(cs_group_map *m)
{
    for (size_t i = 0; i < m->rows.len; i++) {
        free(m->rows.items[i].ranks);
        free(m->rows.items[i].group_id);
        free(m->rows.items[i].pg_name);
    }
    for (size_t i = 0; i < m->info.len; i++) cs_parallel_group_free(&m->info.items[i]);
    free(m->rows.items);
    free(m->info.items);
    memset(m, 0, sizeof *m);
}
