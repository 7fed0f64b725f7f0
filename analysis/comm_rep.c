/*
** comm_rep.c — the per-rank half of the communication matrix (analyses.md
** §2.d.1 integration): torch_npu's CommunicationParser.integrate_matrix_data
** over one rank's links.  For every (step, rule P1 section, op type, group,
** src, dst) the links of the rank's ops, in op order, are sorted by
** bandwidth descending (Python's stable sort, reverse=True, keeps the op
** order among equal bandwidths); the representatives are the top1, middle,
** bottom1..3 links and the total of all.  comm_sum.c merges them over the
** ranks.  Runs where the records are, so the links never leave the worker.
*/
#include "comm_op.h"

#include <stdio.h>

#define CMP(a, b) do { if ((a) != (b)) return (a) < (b) ? -1 : 1; } while (0)

char *cs_comm_matrix_type(const char *op_name)
{
    static const char *const alts[] = {"send", "reduce", "invalid", "broadcast", "allreduce", "receive",
                                       "allgather", "reducescatter", "scatter", "alltoall", "alltoallv",
                                       "alltoallvc", "batchsendrecv"};
    const char *name = op_name ? op_name : "";
    size_t n = strlen(name);
    char *low = cs_xmalloc(n + 1);
    for (size_t i = 0; i <= n; i++)     /* ASCII only, as Python's lower() on these names */
        low[i] = (char)((name[i] >= 'A' && name[i] <= 'Z') ? name[i] - 'A' + 'a' : name[i]);
    /* A regex alternation: leftmost position first, then the first
    ** alternative that matches there. */
    for (size_t pos = 0; pos < n; pos++) {
        for (size_t a = 0; a < sizeof alts / sizeof *alts; a++) {
            if (strncmp(low + pos, alts[a], strlen(alts[a])) == 0) {
                free(low);
                return cs_xstrdup(alts[a]);
            }
        }
    }
    free(low);
    const char *cut = strstr(name, "__");
    size_t len = cut ? (size_t)(cut - name) : n;
    char *t = cs_xmalloc(len + 1);
    memcpy(t, name, len);
    t[len] = '\0';
    return t;
}

/* A link of one op, with its integration key.  Types and groups only need
** to be told apart here: types by their text (interned per rank), groups by
** their hash (the cluster's group key). */
typedef struct link_ref {
    bool has_step;
    int64_t step;
    bool p2p;
    uint32_t type;              /* index into the rank's interned types */
    uint64_t group;             /* hash */
    uint32_t src, dst;          /* local ranks */
    uint32_t op;                /* op index: the order of the rank's records */
    uint32_t link;              /* index into links */
} link_ref;

static int cmp_link_key(const link_ref *x, const link_ref *y)
{
    CMP(x->has_step, y->has_step);
    CMP(x->step, y->step);
    CMP(x->p2p, y->p2p);
    CMP(x->type, y->type);
    CMP(x->group, y->group);
    CMP(x->src, y->src);
    CMP(x->dst, y->dst);
    return 0;
}

static int cmp_link_ref(const void *a, const void *b)
{
    const link_ref *x = a, *y = b;
    int s = cmp_link_key(x, y);
    if (s) return s;
    CMP(x->op, y->op);
    return 0;
}

/* One link of a run with its position in op order. */
typedef struct link_rec {
    const cs_comm_link *l;
    uint32_t op;
    size_t pos;
} link_rec;

static int cmp_link_rec(const void *a, const void *b)
{
    const link_rec *x = a, *y = b;
    CMP(y->l->bandwidth, x->l->bandwidth);
    CMP(x->pos, y->pos);
    return 0;
}

static void push_rep(cs_comm_rank *r, const link_ref *key, uint32_t op, uint8_t kind, uint8_t transport,
                     double size, double time)
{
    cs_comm_rep rep = {key->op, op, key->src, key->dst, kind, transport, size, time};
    CS_VEC_PUSH(r->reps, rep);
}

/* The representatives of one run of links (one key, op order). */
static void integrate(cs_comm_rank *r, const link_ref *run, size_t n)
{
    link_rec *d = cs_xmalloc(n * sizeof *d);
    for (size_t k = 0; k < n; k++) d[k] = (link_rec){&r->links.items[run[k].link], run[k].op, k};
    if (n > 1) qsort(d, n, sizeof *d, cmp_link_rec);
    size_t pick[CS_REP_TOTAL] = {0, n / 2, n - 1, n >= 2 ? n - 2 : 0, n >= 3 ? n - 3 : 0};
    for (int kind = CS_REP_TOP1; kind < CS_REP_TOTAL; kind++) {
        if ((kind == CS_REP_BOTTOM2 && n < 2) || (kind == CS_REP_BOTTOM3 && n < 3)) continue;
        const link_rec *x = &d[pick[kind]];
        push_rep(r, &run[0], x->op, (uint8_t)kind, x->l->transport, x->l->size_mb, x->l->time_ms);
    }
    double size = 0, time = 0;      /* sum(...) over the sorted list */
    for (size_t k = 0; k < n; k++) {
        size += d[k].l->size_mb;
        time += d[k].l->time_ms;
    }
    push_rep(r, &run[0], UINT32_MAX, CS_REP_TOTAL, d[0].l->transport, size, time);
    free(d);
}

typedef CS_VEC(char *) type_vec;

static uint32_t intern_type(type_vec *types, const char *op_name)
{
    char *t = cs_comm_matrix_type(op_name);
    for (size_t i = 0; i < types->len; i++) {
        if (strcmp(types->items[i], t) == 0) {
            free(t);
            return (uint32_t)i;
        }
    }
    CS_VEC_PUSH(*types, t);
    return (uint32_t)(types->len - 1);
}

void cs_comm_rank_integrate(cs_comm_rank *r)
{
    r->reps.len = 0;
    type_vec types = {0};
    CS_VEC(link_ref) refs = {0};
    for (size_t o = 0; o < r->ops.len; o++) {
        const cs_comm_op *op = &r->ops.items[o];
        if (!op->nlinks) continue;
        uint32_t type = intern_type(&types, op->name);
        uint64_t hash = op->group < r->groups.len ? r->groups.items[op->group].hash : 0;
        for (uint32_t k = 0; k < op->nlinks; k++) {
            const cs_comm_link *l = &r->links.items[op->link_first + k];
            link_ref x = {op->has_step_id, op->has_step_id ? op->step_id : 0, op->p2p, type, hash,
                          l->src, l->dst, (uint32_t)o, op->link_first + k};
            CS_VEC_PUSH(refs, x);
        }
    }
    if (refs.len > 1) qsort(refs.items, refs.len, sizeof *refs.items, cmp_link_ref);
    for (size_t i = 0; i < refs.len;) {
        size_t j = i;
        while (j < refs.len && cmp_link_key(&refs.items[i], &refs.items[j]) == 0) j++;
        integrate(r, refs.items + i, j - i);
        i = j;
    }
    free(refs.items);
    for (size_t i = 0; i < types.len; i++) free(types.items[i]);
    free(types.items);
}
