/*
** test_wait_store.c — process 0's parked tuples (analysis/wait_store.c):
** the instances formed by merging the ranks' blocks, whatever order and
** split the ranks came in; the fallback key; blocks larger than the merge's
** read buffer; long op names through the spooled rows; a failing spool.
*/
#include "check.h"
#include "file_spool.h"
#include "straggler.h"
#include "wait_store.h"

#include <stdlib.h>

#define B 1700000000000000000LL

static void add_op(cs_wait_set *s, int64_t rank, const char *group, const char *name, const char *type,
                   int64_t arrive, int64_t op_id)
{
    cs_wait_op w = {0};
    w.rank = rank;
    w.op_id = op_id;
    w.arrive_ns = B + arrive;
    w.leave_ns = B + arrive + 1000;
    w.ws_ns = B;
    w.launch_ns = CS_WAIT_UNKNOWN_NS;
    w.step_kind = CS_WAIT_STEP_ID;
    w.rank_size = -1;
    w.transit_ms = NAN;
    w.sync_ms = NAN;
    w.group = cs_wait_set_intern(s, group);
    w.op_name = cs_wait_set_intern(s, name);
    w.op_type = cs_wait_set_intern(s, type);
    CS_VEC_PUSH(s->ops, w);
}

/* What the visitor saw: one line per instance, "group type num: rank name, ...". */
typedef struct seen {
    CS_VEC(char *) lines;
    size_t max_size;
} seen;

static int visit(void *arg, const cs_wait_key *key, const unsigned char *members, size_t size, uint32_t n,
                 cs_err *err)
{
    (void)err;
    seen *sn = arg;
    if (size > sn->max_size) sn->max_size = size;
    char *line = cs_xasprintf("%u %u %lld:", key->group, key->type, (long long)key->num);
    size_t at = 0;
    for (uint32_t p = 0; p < n; p++) {
        const cs_wait_rec *r = (const cs_wait_rec *)(members + at);
        char *more = cs_xasprintf("%s %lld %s", line, (long long)r->op.rank, cs_wait_rec_name(r));
        free(line);
        line = more;
        at += cs_wait_rec_size(r);
    }
    CHECK_INT(at, size);
    CS_VEC_PUSH(sn->lines, line);
    return 0;
}

static void seen_free(seen *sn)
{
    for (size_t i = 0; i < sn->lines.len; i++) free(sn->lines.items[i]);
    free(sn->lines.items);
    memset(sn, 0, sizeof *sn);
}

/* Orders every group and type by its store string id (the test's own order). */
static int form(cs_wait_store *st, seen *sn, int64_t *nfallback)
{
    size_t n = cs_wait_store_nstrings(st);
    uint32_t *order = cs_xmalloc((n ? n : 1) * sizeof *order);
    for (size_t i = 0; i < n; i++) order[i] = (uint32_t)i;
    memset(sn, 0, sizeof *sn);
    cs_err err = {{0}};
    int rc = cs_wait_store_instances(st, order, order, visit, sn, nfallback, &err);
    free(order);
    return rc;
}

/* Ranks 0..2, group "g" keyed by sequence numbers (rank 2 lacks number 2);
** group "h" where rank 1 repeats a number: keyed by (type, k). */
static void build_small(cs_wait_set *s, const int64_t *ranks, size_t nranks)
{
    memset(s, 0, sizeof *s);
    for (size_t i = 0; i < nranks; i++) {
        int64_t r = ranks[i];
        cs_wait_set_add_rank(s, r, "uid", "host");
        add_op(s, r, "g", "hcom_allReduce__9_2_1", "hcom_allReduce_", 2000 + r, 2);
        if (r != 2) add_op(s, r, "g", "hcom_allReduce__9_3_1", "hcom_allReduce_", 3000 + r, 3);
        add_op(s, r, "g", "hcom_allReduce__9_1_1", "hcom_allReduce_", 1000 + r, 1);
        /* h: an allGather at 10, two broadcasts at 20 and 30 (rank 1 numbers
        ** both broadcasts 7) */
        add_op(s, r, "h", "hcom_broadcast__8_7_1", "hcom_broadcast_", 30 + r, 12);
        add_op(s, r, "h", r == 1 ? "hcom_broadcast__8_7_1" : "hcom_broadcast__8_6_1", "hcom_broadcast_",
               20 + r, 11);
        add_op(s, r, "h", "hcom_allGather__8_5_1", "hcom_allGather_", 10 + r, 10);
    }
}

static void test_instances(void)
{
    const int64_t ranks[] = {0, 1, 2};
    cs_wait_set s;
    build_small(&s, ranks, 3);
    cs_err err = {{0}};
    cs_wait_store *st = cs_wait_store_new(NULL);
    CHECK_INT(cs_wait_store_add(st, &s, &err), 0);
    seen want;
    int64_t nfallback = -1;
    CHECK_INT(form(st, &want, &nfallback), 0);
    CHECK_INT(nfallback, 1);
    /* Store ids in first-use order: the ops' g 0, hcom_allReduce_ 1, h 2,
    ** hcom_broadcast_ 3, hcom_allGather_ 4, then the hosts' "uid" 5, "host" 6
    ** (op names are not interned).  g: numbers 1, 2, 3 (rank 2 has no 3).
    ** h by (type id, k): the broadcasts (3) at k 1 (20 µs) and 2 (30 µs),
    ** the allGather (4) at k 1. */
    const char *expect[] = {
        "0 0 1: 0 hcom_allReduce__9_1_1 1 hcom_allReduce__9_1_1 2 hcom_allReduce__9_1_1",
        "0 0 2: 0 hcom_allReduce__9_2_1 1 hcom_allReduce__9_2_1 2 hcom_allReduce__9_2_1",
        "0 0 3: 0 hcom_allReduce__9_3_1 1 hcom_allReduce__9_3_1",
        "2 3 1: 0 hcom_broadcast__8_6_1 1 hcom_broadcast__8_7_1 2 hcom_broadcast__8_6_1",
        "2 3 2: 0 hcom_broadcast__8_7_1 1 hcom_broadcast__8_7_1 2 hcom_broadcast__8_7_1",
        "2 4 1: 0 hcom_allGather__8_5_1 1 hcom_allGather__8_5_1 2 hcom_allGather__8_5_1",
    };
    CHECK_INT(want.lines.len, 6);
    for (size_t i = 0; i < 6 && i < want.lines.len; i++) CHECK_STR(want.lines.items[i], expect[i]);
    size_t nr = 0;
    const cs_wait_rank *rk = cs_wait_store_ranks(st, &nr);
    CHECK_INT(nr, 3);
    CHECK_INT(cs_wait_store_nstrings(st), 7);
    CHECK_STR(cs_wait_store_string(st, rk[0].host_uid), "uid");
    CHECK(cs_wait_store_is_group(st, 0) && cs_wait_store_is_group(st, 2) && !cs_wait_store_is_group(st, 1));
    CHECK(cs_wait_store_is_type(st, 1) && cs_wait_store_is_type(st, 4) && !cs_wait_store_is_type(st, 5));
    cs_wait_store_free(st);
    cs_wait_set_free(&s);

    /* One rank per add, backwards, with different set ids: the same
    ** instances (the store's ids for g and h come in the same order). */
    st = cs_wait_store_new(NULL);
    for (int i = 2; i >= 0; i--) {
        cs_wait_set one;
        build_small(&one, &ranks[i], 1);
        cs_wait_set_intern(&one, "noise");
        CHECK_INT(cs_wait_store_add(st, &one, &err), 0);
        cs_wait_set_free(&one);
    }
    seen got;
    CHECK_INT(form(st, &got, &nfallback), 0);
    CHECK_INT(nfallback, 1);
    CHECK_INT(got.lines.len, want.lines.len);
    /* the ops of rank 2 (first now) use g, h and the types in the same
    ** order, so the ids and the lines match */
    for (size_t i = 0; i < got.lines.len && i < want.lines.len; i++)
        CHECK_STR(got.lines.items[i], want.lines.items[i]);
    cs_wait_store_free(st);
    seen_free(&got);
    seen_free(&want);
}

/* 300 ops of 100-character names per rank: blocks of ~60 KB, read back
** through the merge's 4 KB buffer, records straddling its refills. */
static void test_big_blocks(void)
{
    cs_err err = {{0}};
    cs_wait_store *st = cs_wait_store_new(cs_spool_temp_file(NULL, &err));
    char name[128];
    for (int64_t r = 0; r < 4; r++) {
        cs_wait_set s;
        memset(&s, 0, sizeof s);
        cs_wait_set_add_rank(&s, r, "u", "h");
        for (int i = 0; i < 300; i++) {
            snprintf(name, sizeof name, "hcom_allReduce__%0*d_%d_1", 80 + (int)r, 4, i);
            add_op(&s, r, "g", name, "hcom_allReduce_", i * 100 + r, i);
        }
        CHECK_INT(cs_wait_store_add(st, &s, &err), 0);
        cs_wait_set_free(&s);
    }
    seen sn;
    int64_t nfallback = -1;
    CHECK_INT(form(st, &sn, &nfallback), 0);
    CHECK_INT(nfallback, 0);
    CHECK_INT(sn.lines.len, 300);
    bool ok = sn.lines.len == 300;
    for (size_t i = 0; ok && i < 300; i++) {
        char want[1024];
        int len = snprintf(want, sizeof want, "0 0 %zu:", i);
        for (int r = 0; r < 4; r++)
            len += snprintf(want + len, sizeof want - (size_t)len, " %d hcom_allReduce__%0*d_%zu_1", r, 80 + r,
                            4, i);
        ok = strcmp(sn.lines.items[i], want) == 0;
        if (!ok) fprintf(stderr, "instance %zu: %s\n  want %s\n", i, sn.lines.items[i], want);
    }
    CHECK(ok);
    CHECK(sn.max_size > 4 * 100);
    seen_free(&sn);
    cs_wait_store_free(st);
}

static cs_spool *file_spool(void *arg)
{
    (void)arg;
    cs_err err = {{0}};
    return cs_spool_temp_file(NULL, &err);
}

/* Op names too long to travel inline in a logged row come back whole from
** the spooled rows, as do the short ones. */
static void test_long_names(void)
{
    char long_name[200];
    memset(long_name, 'x', sizeof long_name);
    memcpy(long_name, "hcom_allReduce__", 16);
    snprintf(long_name + 150, 50, "_1_1");
    cs_wait_set s;
    memset(&s, 0, sizeof s);
    for (int64_t r = 0; r < 2; r++) {
        cs_wait_set_add_rank(&s, r, "u", "h");
        add_op(&s, r, "g", long_name, "hcom_allReduce_", r * 50000, 1);
        add_op(&s, r, "g", "hcom_allReduce__1_2_1", "hcom_allReduce_", 100000 + r * 50000, 2);
    }
    cs_straggler_options opt = {false, 0, NULL, 0, file_spool, NULL};
    cs_straggler_result r;
    cs_err err = {{0}};
    CHECK_INT(cs_straggler_compute(&s, &opt, &r, NULL, &err), 0);
    CHECK_INT(r.ninstances, 2);
    CHECK_INT(r.ndetails, 4);
    cs_wait_instance_rec in[2];
    cs_wait_detail_rec d[4];
    CHECK_INT(cs_straggler_instances(&r, 0, 2, in, &err), 0);
    CHECK_INT(cs_straggler_details(&r, 0, 4, d, &err), 0);
    CHECK_STR(in[0].row.op_name, long_name);
    CHECK_STR(in[1].row.op_name, "hcom_allReduce__1_2_1");
    CHECK_STR(d[0].row.op_name, long_name);
    CHECK_STR(d[1].row.op_name, long_name);
    CHECK_STR(d[3].row.op_name, "hcom_allReduce__1_2_1");
    CHECK_INT(d[1].row.rank, 1);
    CHECK_DBL(d[0].row.wait_us, 50.0);
    /* both instances: rank 1 is 50 µs late, 50 µs of waits caused */
    CHECK_INT(r.top_waits.len, 2);
    CHECK_DBL(r.top_waits.items[0].wait_caused_us, 50.0);
    CHECK_STR(r.top_waits.items[0].op_name, long_name);
    cs_straggler_result_free(&r);
    cs_wait_set_free(&s);
}

static int failing_write(cs_spool *sp, const void *data, size_t size, uint64_t *at, cs_err *err)
{
    (void)sp, (void)data, (void)size, (void)at;
    return cs_fail(err, "disk full");
}

/* A spool that fails while parking: the add fails, and so does everything
** after it, with the first message. */
static void test_failing_spool(void)
{
    cs_spool *sp = cs_spool_memory();
    sp->write = failing_write;
    cs_wait_store *st = cs_wait_store_new(sp);
    const int64_t ranks[] = {0, 1};
    cs_wait_set s;
    build_small(&s, ranks, 2);
    cs_err err = {{0}};
    CHECK_INT(cs_wait_store_add(st, &s, &err), -1);
    CHECK_STR(err.msg, "disk full");
    memset(&err, 0, sizeof err);
    CHECK_INT(cs_wait_store_add(st, &s, &err), -1);
    CHECK_STR(err.msg, "disk full");
    seen sn;
    int64_t nfallback;
    CHECK_INT(form(st, &sn, &nfallback), -1);
    CHECK_INT(sn.lines.len, 0);
    cs_straggler_result r;
    CHECK_INT(cs_straggler_compute_store(st, NULL, &r, NULL, &err), -1);
    CHECK_STR(err.msg, "disk full");
    cs_straggler_result_free(&r);
    seen_free(&sn);
    cs_wait_store_free(st);
    cs_wait_set_free(&s);
}

/* The ops of one rank of one group in two sets: the fallback key is a
** position among the rank's ops, so the store refuses to merge them. */
static void test_split_rank(void)
{
    cs_wait_store *st = cs_wait_store_new(NULL);
    cs_wait_set a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    cs_wait_set_add_rank(&a, 0, "u", "h");
    add_op(&a, 0, "g", "hcom_allReduce__1_1_1", "hcom_allReduce_", 0, 1);
    add_op(&b, 0, "g", "hcom_allReduce__1_2_1", "hcom_allReduce_", 100, 2);
    cs_err err = {{0}};
    CHECK_INT(cs_wait_store_add(st, &a, &err), 0);
    CHECK_INT(cs_wait_store_add(st, &b, &err), 0);
    seen sn;
    int64_t nfallback;
    CHECK_INT(form(st, &sn, &nfallback), -1);
    cs_straggler_result r;
    CHECK_INT(cs_straggler_compute_store(st, NULL, &r, NULL, &err), -1);
    CHECK_STR(err.msg, "straggler: the ops of rank 0 came in more than one set");
    seen_free(&sn);
    cs_wait_store_free(st);
    cs_wait_set_free(&a);
    cs_wait_set_free(&b);
}

int main(void)
{
    test_instances();
    test_big_blocks();
    test_long_names();
    test_failing_spool();
    test_split_rank();
    return check_report();
}
