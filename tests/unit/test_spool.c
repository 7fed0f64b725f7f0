/*
** test_spool.c — the spools (memory and temporary file) and the row store
** of comm_rows.h: bytes read back as written, reads past the end refused,
** the temporary file gone from its directory as soon as it exists, and
** rows parked rank by rank in any order read back step first, then rank,
** per block each group's per-op rows before its totals, with their names
** and the cluster's group numbers.
*/
#include "check.h"
#include "comm_rows.h"
#include "file_spool.h"

#include <dirent.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void check_spool(cs_spool *sp)
{
    cs_err err = {{0}};
    uint64_t a = 99, b = 99, c = 99;
    CHECK_INT(cs_spool_write(sp, "hello", 5, &a, &err), 0);
    CHECK_INT(cs_spool_write(sp, "", 0, &b, &err), 0);
    CHECK_INT(cs_spool_write(sp, "world!", 6, &c, &err), 0);
    CHECK_INT(a, 0);
    CHECK_INT(b, 5);
    CHECK_INT(c, 5);
    char buf[16] = {0};
    CHECK_INT(cs_spool_read(sp, c, buf, 6, &err), 0);
    CHECK(memcmp(buf, "world!", 6) == 0);
    CHECK_INT(cs_spool_read(sp, 3, buf, 4, &err), 0);
    CHECK(memcmp(buf, "lowo", 4) == 0);
    CHECK_INT(cs_spool_read(sp, 8, buf, 4, &err), -1);     /* 11 bytes written */
    CHECK(strstr(err.msg, "past") != NULL);
    CHECK_INT(cs_spool_read(sp, UINT64_MAX, buf, 1, &err), -1);
    cs_spool_close(sp);
}

static size_t entries(const char *dir)
{
    DIR *d = opendir(dir);
    size_t n = 0;
    for (struct dirent *e; d && (e = readdir(d)) != NULL;) n += e->d_name[0] != '.';
    if (d) closedir(d);
    return n;
}

static void test_spools(void)
{
    check_spool(cs_spool_memory());
    char dir[] = "/tmp/cs-spool-test-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    cs_err err = {{0}};
    cs_spool *sp = cs_spool_temp_file(dir, &err);
    CHECK(sp != NULL);
    CHECK_INT(entries(dir), 0);     /* unlinked at once */
    if (sp) check_spool(sp);
    rmdir(dir);
    CHECK(cs_spool_temp_file("/nonexistent/dir", &err) == NULL);
    CHECK(strstr(err.msg, "/nonexistent/dir") != NULL);
    cs_spool_close(NULL);
}

/* A row type of the store's shape (comm_rows_kind says where its fields are). */
typedef struct row {
    cs_comm_step step;
    int64_t rank;
    const char *name;       /* NULL: a total */
    uint32_t group;
    double value;
} row;

static const cs_comm_rows_kind kind = {sizeof(row), offsetof(row, step), offsetof(row, group), offsetof(row, name), false};

static row op(bool has_id, int64_t step, int64_t rank, uint32_t group, const char *name, double v)
{
    row r = {{has_id, step}, rank, name, group, v};
    return r;
}

static void add(cs_comm_rows *rows, const row *ops, size_t nops, const row *tots, size_t ntots, size_t *id)
{
    cs_err err = {{0}};
    CHECK_INT(cs_comm_rows_add(rows, ops ? ops[0].rank : tots[0].rank, ops, nops, tots, ntots, id, &err), 0);
}

static uint32_t *map_of(uint32_t a, uint32_t b)
{
    uint32_t *m = malloc(2 * sizeof *m);
    m[0] = a;
    m[1] = b;
    return m;
}

static void check_rows(cs_spool *spool)
{
    cs_comm_rows *rows = cs_comm_rows_new(&kind, spool);
    size_t id2, id0, id1;
    /* rank 2: steps 1 and 2 */
    row r2[] = {op(true, 1, 2, 0, "a", 1), op(true, 1, 2, 1, "b", 2), op(true, 2, 2, 1, "c", 3)};
    row t2[] = {op(true, 1, 2, 0, NULL, 10), op(true, 1, 2, 1, NULL, 20), op(true, 2, 2, 1, NULL, 30)};
    add(rows, r2, 3, t2, 3, &id2);
    /* rank 0: "step" (no id, first) and step 2; a block with totals only */
    row r0[] = {op(false, 0, 0, 0, "d", 4)};
    row t0[] = {op(false, 0, 0, 0, NULL, 40), op(true, 2, 0, 0, NULL, 50)};
    add(rows, r0, 1, t0, 2, &id0);
    /* rank 1: step 1, two ops of one group */
    row r1[] = {op(true, 1, 1, 0, "e", 5), op(true, 1, 1, 0, "ff", 6)};
    add(rows, r1, 2, NULL, 0, &id1);
    CHECK_INT(cs_comm_rows_count(rows), 11);
    cs_comm_rows_set_groups(rows, id2, map_of(0, 1), 2);
    cs_comm_rows_set_groups(rows, id0, map_of(0, 1), 2);
    cs_comm_rows_set_groups(rows, id1, map_of(1, 2), 2);     /* its group 0 is the cluster's 1 */
    /* "step": rank 0 (d, its total); step1: rank 1 (e, ff), rank 2 (a, the
    ** total of group 0, b, the total of group 1); step2: rank 0's total,
    ** rank 2 (c, total) */
    static const double want_value[] = {4, 40, 5, 6, 1, 10, 2, 20, 50, 3, 30};
    static const char *const want_name[] = {"d", NULL, "e", "ff", "a", NULL, "b", NULL, NULL, "c", NULL};
    static const int64_t want_rank[] = {0, 0, 1, 1, 2, 2, 2, 2, 0, 2, 2};
    static const uint32_t want_group[] = {0, 0, 1, 1, 0, 0, 1, 1, 0, 1, 1};
    cs_comm_rows_reader *rd = cs_comm_rows_open(rows);
    bool failed = false;
    cs_err err = {{0}};
    const row *r;
    size_t k = 0;
    for (; (r = cs_comm_rows_next(rd, &failed, &err)) != NULL; k++) {
        if (k >= 11) continue;
        CHECK(r->value == want_value[k]);
        CHECK_INT(r->rank, want_rank[k]);
        CHECK_INT(r->group, want_group[k]);
        CHECK((r->name == NULL) == (want_name[k] == NULL));
        if (r->name && want_name[k]) CHECK_STR(r->name, want_name[k]);
    }
    CHECK_INT(k, 11);
    CHECK(!failed);
    CHECK(cs_comm_rows_next(rd, &failed, &err) == NULL);   /* stays at the end */
    cs_comm_rows_close(rd);
    cs_comm_rows_free(rows);
}

/* A spool whose reads fail: the reader stops with the message. */
static int failing_read(cs_spool *sp, uint64_t at, void *data, size_t size, cs_err *err)
{
    (void)sp, (void)at, (void)data, (void)size;
    return cs_fail(err, "disk gone");
}

static void test_read_error(void)
{
    cs_spool *sp = cs_spool_memory();
    sp->read = failing_read;
    cs_comm_rows *rows = cs_comm_rows_new(&kind, sp);
    row r[] = {op(true, 1, 0, 0, "a", 1)};
    size_t id;
    add(rows, r, 1, NULL, 0, &id);
    cs_comm_rows_reader *rd = cs_comm_rows_open(rows);
    bool failed = false;
    cs_err err = {{0}};
    CHECK(cs_comm_rows_next(rd, &failed, &err) == NULL);
    CHECK(failed);
    CHECK_STR(err.msg, "disk gone");
    cs_comm_rows_close(rd);
    cs_comm_rows_free(rows);
}

/* by_group: blocks per (rank, step, group), read back by (step, group,
** rank) with the cluster's groups, a whole block at a time. */
static void test_by_group(void)
{
    static const cs_comm_rows_kind by_group = {sizeof(row), offsetof(row, step), offsetof(row, group),
                                               offsetof(row, name), true};
    cs_comm_rows *rows = cs_comm_rows_new(&by_group, cs_spool_memory());
    size_t id1, id0;
    row r1[] = {op(true, 1, 1, 0, "x", 1), op(true, 1, 1, 0, "y", 2), op(true, 1, 1, 1, "z", 3)};
    add(rows, r1, 3, NULL, 0, &id1);
    row r0[] = {op(true, 1, 0, 0, "u", 4), op(true, 2, 0, 0, "v", 5)};
    add(rows, r0, 2, NULL, 0, &id0);
    cs_comm_rows_set_groups(rows, id1, map_of(0, 2), 2);    /* rank 1's groups: the cluster's 0 and 2 */
    uint32_t *m0 = malloc(sizeof *m0);
    m0[0] = 2;                                              /* rank 0's only group: the cluster's 2 */
    cs_comm_rows_set_groups(rows, id0, m0, 1);
    cs_comm_rows_reader *rd = cs_comm_rows_open(rows);
    bool failed = false;
    cs_err err = {{0}};
    size_t n;
    /* (step1, group0): rank 1's x, y; (step1, group2): rank 0's u, then rank 1's z; (step2, group2): v */
    static const size_t want_n[] = {2, 1, 1, 1};
    static const char *const want_first[] = {"x", "u", "z", "v"};
    static const uint32_t want_group[] = {0, 2, 2, 2};
    for (size_t b = 0; b < 4; b++) {
        const row *blk = cs_comm_rows_next_block(rd, &n, &failed, &err);
        CHECK(blk != NULL);
        if (!blk) break;
        CHECK_INT(n, want_n[b]);
        CHECK_STR(blk[0].name, want_first[b]);
        CHECK_INT(blk[0].group, want_group[b]);
    }
    CHECK(cs_comm_rows_next_block(rd, &n, &failed, &err) == NULL && !failed && n == 0);
    cs_comm_rows_close(rd);
    cs_comm_rows_free(rows);
}

/* The record log: batches written as they fill, read back by index. */
static void test_record_log(void)
{
    cs_record_log log;
    cs_err err = {{0}};
    cs_record_log_init(&log, cs_spool_memory(), sizeof(int64_t));
    int rc = 0;
    for (int64_t i = 0; i < 20000; i++) rc |= cs_record_log_append(&log, &i, &err);     /* > one batch */
    CHECK_INT(rc, 0);
    CHECK_INT(cs_record_log_flush(&log, &err), 0);
    int64_t got[3] = {0};
    CHECK_INT(cs_record_log_read(&log, 8190, 3, got, &err), 0);
    CHECK(got[0] == 8190 && got[1] == 8191 && got[2] == 8192);
    CHECK_INT(cs_record_log_read(&log, 19999, 1, got, &err), 0);
    CHECK_INT(got[0], 19999);
    CHECK_INT(cs_record_log_read(&log, 19999, 2, got, &err), -1);
    CHECK_INT(cs_record_log_read(&log, 20000, 0, got, &err), 0);
    cs_record_log_free(&log);
    cs_record_log_free(&log);   /* zeroed: a no-op */
}

int main(void)
{
    test_by_group();
    test_record_log();
    test_spools();
    check_rows(cs_spool_memory());
    cs_err err = {{0}};
    cs_spool *file = cs_spool_temp_file(NULL, &err);
    CHECK(file != NULL);
    if (file) check_rows(file);
    test_read_error();
    return check_report();
}
