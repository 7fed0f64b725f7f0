/*
** stage.c — stage groups (the reference's single-pass p2p union, kept on
** purpose) and Megatron parallel indices.
*/
#include "stage.h"

#include <ctype.h>
#include <inttypes.h>

/* A set of ranks as a sorted, unique array. */
typedef struct rank_set {
    int64_t *r;
    size_t n;
} rank_set;

static bool set_has(const rank_set *s, int64_t v)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->r[i] == v) return true;
    return false;
}

static size_t set_common(const rank_set *a, const rank_set *b)
{
    size_t k = 0;
    for (size_t i = 0; i < a->n; i++) k += set_has(b, a->r[i]);
    return k;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static void set_union_into(rank_set *dst, const rank_set *src)
{
    for (size_t i = 0; i < src->n; i++) {
        if (set_has(dst, src->r[i])) continue;
        dst->r = cs_xrealloc(dst->r, (dst->n + 1) * sizeof *dst->r);
        dst->r[dst->n++] = src->r[i];
    }
    qsort(dst->r, dst->n, sizeof *dst->r, cmp_i64);
}

static rank_set set_copy(const int64_t *r, size_t n)
{
    rank_set s = {cs_xmalloc((n ? n : 1) * sizeof *r), n};
    memcpy(s.r, r, n * sizeof *r);
    return s;
}

static bool is_pp_name(const char *pg)
{
    return tolower((unsigned char)pg[0]) == 'p' && tolower((unsigned char)pg[1]) == 'p';
}

static int cmp_set_min(const void *a, const void *b)
{
    const rank_set *x = a, *y = b;
    int64_t mx = x->n ? x->r[0] : INT64_MAX, my = y->n ? y->r[0] : INT64_MAX;
    return mx < my ? -1 : mx > my;
}

/* The reference's p2p union: links sorted by min rank; each seed absorbs,
** in one pass, every later link that meets the growing union. */
typedef CS_VEC(rank_set) set_vec;

static void p2p_unions(rank_set *links, size_t n, set_vec *out)
{
    bool *used = cs_xcalloc(n ? n : 1, sizeof *used);
    for (size_t i = 0; i < n; i++) {
        if (used[i]) continue;
        rank_set u = set_copy(links[i].r, links[i].n);
        used[i] = true;
        for (size_t j = i + 1; j < n; j++) {
            if (used[j] || set_common(&links[j], &u) == 0) continue;
            set_union_into(&u, &links[j]);
            used[j] = true;
        }
        CS_VEC_PUSH(*out, u);
    }
    free(used);
}

static bool valid_collective(const rank_set *g, const rank_set *unions, size_t nu)
{
    for (size_t i = 0; i < nu; i++)
        if (set_common(g, &unions[i]) > 1) return false;
    return true;
}

/* Adds g to the stages, merging every existing stage it overlaps. */
static void add_to_stages(set_vec *stages, const rank_set *g)
{
    rank_set merged = set_copy(g->r, g->n);
    size_t out = 0;
    for (size_t i = 0; i < stages->len; i++) {
        rank_set *s = &stages->items[i];
        if (set_common(s, &merged)) {
            set_union_into(&merged, s);
            free(s->r);
        } else {
            stages->items[out++] = *s;
        }
    }
    stages->len = out;
    CS_VEC_PUSH(*stages, merged);
}

void cs_stages_build(const cs_group_map *m, cs_stages *out)
{
    set_vec links = {0}, unions = {0}, stages = {0};
    for (size_t i = 0; i < m->rows.len; i++) {
        const cs_group_row *g = &m->rows.items[i];
        if (g->p2p && is_pp_name(g->pg_name)) {
            rank_set s = set_copy(g->ranks, g->nranks);
            CS_VEC_PUSH(links, s);
        }
    }
    if (links.len == 0) return;
    qsort(links.items, links.len, sizeof(rank_set), cmp_set_min);
    p2p_unions(links.items, links.len, &unions);
    for (size_t i = 0; i < m->rows.len; i++) {
        const cs_group_row *g = &m->rows.items[i];
        rank_set s = {g->ranks, g->nranks};
        if (!g->p2p && valid_collective(&s, unions.items, unions.len)) add_to_stages(&stages, &s);
    }
    if (stages.len) qsort(stages.items, stages.len, sizeof(rank_set), cmp_set_min);
    for (size_t i = 0; i < stages.len; i++) {
        cs_stage st = {stages.items[i].r, stages.items[i].n};
        CS_VEC_PUSH(*out, st);
    }
    for (size_t i = 0; i < links.len; i++) free(links.items[i].r);
    for (size_t i = 0; i < unions.len; i++) free(unions.items[i].r);
    free(links.items);
    free(unions.items);
    free(stages.items);
}

int cs_stages_find(const cs_stages *s, int64_t rank)
{
    for (size_t i = 0; i < s->len; i++)
        for (size_t k = 0; k < s->items[i].nranks; k++)
            if (s->items[i].ranks[k] == rank) return (int)i;
    return -1;
}

void cs_stages_free(cs_stages *s)
{
    for (size_t i = 0; i < s->len; i++) free(s->items[i].ranks);
    free(s->items);
    memset(s, 0, sizeof *s);
}

int cs_parallel_indices(const cs_dist_args *a, int64_t *idx, cs_err *err)
{
    int64_t world = a->world, tp = a->tp ? a->tp : 1, pp = a->pp ? a->pp : 1;
    int64_t dp = a->dp ? a->dp : 1, cp = a->cp ? a->cp : 1, ep = a->ep ? a->ep : 1;
    int64_t tp_pp, product;
    if (tp <= 0 || pp <= 0 || dp <= 0 || cp <= 0 || ep <= 0 || __builtin_mul_overflow(tp, pp, &tp_pp) ||
        __builtin_mul_overflow(tp_pp, dp, &product) || product != world)
        return cs_fail(err, "world_size %" PRId64 " != tp %" PRId64 " * pp %" PRId64 " * dp %" PRId64,
                       world, tp, pp, dp);
    if (world <= 0 || world != tp * pp * dp)
        return cs_fail(err, "world_size %" PRId64 " != tp %" PRId64 " * pp %" PRId64 " * dp %" PRId64,
                       world, tp, pp, dp);
    if (dp % ep != 0 || (dp * cp) % ep != 0)
        return cs_fail(err, "data_parallel_size %" PRId64 " is not a multiple of expert_model_parallel_size %" PRId64,
                       dp, ep);
    int64_t per_stage = world / pp, stride = tp * cp;
    if (per_stage % stride != 0)
        return cs_fail(err, "world_size / pp is not a multiple of tp * cp");
    /* DP groups in Megatron's order; the j-th member of every DP group forms
    ** model-parallel group j, cut into chunks of tp (pp index, tp index). */
    int64_t ngroups = pp * stride, group_len = per_stage / stride;
    for (int64_t g = 0; g < ngroups; g++) {
        int64_t begin = (g / stride) * per_stage, k = g % stride;
        for (int64_t j = 0; j < group_len; j++) {
            int64_t rank = begin + k + j * stride;
            idx[rank * 3 + 0] = j;
            idx[rank * 3 + 1] = g / tp;
            idx[rank * 3 + 2] = g % tp;
        }
    }
    return 0;
}
