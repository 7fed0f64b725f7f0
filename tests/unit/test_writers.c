/*
** test_writers.c — cs_format_double, the CSV and SQLite writers and the
** JSON printer, checked against exact bytes (outputs.md §2, §5).
*/
#include "check.h"
#include "cluster_tables.h"
#include "comm_marks.h"
#include "csv_writer.h"
#include "json_print.h"
#include "sqlite_writer.h"
#include "table.h"
#include "xlsx_writer.h"

#include <dirent.h>
#include <errno.h>
#include <float.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char g_tmp[512];     /* CS_TMP/test_writers, emptied at start */

/* ---------------------------------------------------------------- helpers */

static const char *tmp_path(const char *name)
{
    static char buf[4][1024];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", g_tmp, name);
    return buf[k];
}

static void remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0) return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        struct dirent *e;
        while (d && (e = readdir(d)) != NULL) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
            char *sub = cs_xasprintf("%s/%s", path, e->d_name);
            remove_tree(sub);
            free(sub);
        }
        if (d) closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

static void mkdir_p(const char *path)
{
    char *p = cs_xasprintf("%s/x", path);
    cs_err err;
    if (cs_make_parent_dirs(p, &err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        exit(2);
    }
    free(p);
}

static void setup_tmp(void)
{
    const char *base = getenv("CS_TMP");
    if (!base || !*base) base = "/tmp/cs-test-tmp";
    snprintf(g_tmp, sizeof g_tmp, "%s/test_writers", base);
    remove_tree(g_tmp);
    mkdir_p(g_tmp);
}

/* Whole file as a string (NUL-terminated); NULL when unreadable. */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 4096, len = 0, n;
    char *s = cs_xmalloc(cap);
    while ((n = fread(s + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (cap - len < 2) s = cs_xrealloc(s, cap *= 2);
    }
    fclose(f);
    s[len] = '\0';
    return s;
}

static void spit(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static int exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

static int mode_of(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

/* ------------------------------------------------------- cs_format_double */

static const char *fmt(double v)
{
    static char buf[4][40];
    static int k;
    k = (k + 1) % 4;
    cs_format_double(v, buf[k], sizeof buf[k]);
    return buf[k];
}

static void test_format_double(void)
{
    /* Expected strings are Python 3's repr() of the same doubles. */
    static const struct { double v; const char *repr; } cases[] = {
        { 0.0, "0.0" },
        { 1.0, "1.0" },
        { 0.1, "0.1" },
        { 1.0 / 3.0, "0.3333333333333333" },
        { 1e16, "1e+16" },
        { 1e22, "1e+22" },
        { 123456.789, "123456.789" },
        { -2.5, "-2.5" },
        { 1754645.75, "1754645.75" },
        { 80309.68717187493, "80309.68717187493" },
        { 5e-324, "5e-324" },
        { -0.0, "-0.0" },
        { 3.0, "3.0" },
        { 1e20, "1e+20" },
        { 0.30000000000000004, "0.30000000000000004" },
        { 683731.2897031249, "683731.2897031249" },
        { 1e-05, "1e-05" },
        { 0.0001, "0.0001" },
        { 0.00123, "0.00123" },
        { 1e15, "1000000000000000.0" },            /* %.15g would say 1e+15 */
        { 1695054582608210.0, "1695054582608210.0" },
        { 1695054582608213.0, "1695054582608213.0" },
        { 9007199254740993.0, "9007199254740992.0" },
        { 12345678901234567.0, "1.2345678901234568e+16" },
        { DBL_MAX, "1.7976931348623157e+308" },
        { DBL_MIN, "2.2250738585072014e-308" },
        { 1e100, "1e+100" },
        { -1.5e-10, "-1.5e-10" },
        { 1e23, "1e+23" },
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
        CHECK_STR(fmt(cases[k].v), cases[k].repr);

    /* 2^-1017: %.16g (…044e-307) does not read back, %.17g is not the
    ** shortest; the other 16-digit neighbour is what Python prints. */
    CHECK_STR(fmt(ldexp(1.0, -1017)), "7.120236347223045e-307");
    CHECK_STR(fmt(ldexp(1.0, 400)), "2.5822498780869086e+120");
    CHECK_STR(fmt(NAN), "nan");
    CHECK_STR(fmt(INFINITY), "inf");
    CHECK_STR(fmt(-INFINITY), "-inf");

    /* A short buffer truncates, never overflows. */
    char small[5];
    cs_format_double(123456.789, small, sizeof small);
    CHECK_STR(small, "1234");
}

/* ------------------------------------------------------------------ table */

static const cs_column demo_cols[] = {
    { "name", "TEXT", "Name" },
    { "count", "INTEGER", "Count" },
    { "value", "REAL", "Value(ms)" },
    { "note", "TEXT", "Note, quoted" },
    { "ratio", "NUMERIC", "Ratio" },
};

/* Four rows covering quoting, NULL, negative ints and awkward reals. */
static void fill_demo(cs_table *t)
{
    cs_table_init(t, "Demo", demo_cols, 5);
    cs_table_add_text(t, "plain");
    cs_table_add_int(t, 42);
    cs_table_add_real(t, 80309.68717187493);
    cs_table_add_text(t, "");
    cs_table_add_real(t, 0.0);

    cs_table_add_text(t, "a,b");
    cs_table_add_int(t, -7);
    cs_table_add_real(t, 3.0);
    cs_table_add_text(t, "say \"hi\"");
    cs_table_add_int(t, 1);

    cs_table_add_text(t, "line\nbreak");
    cs_table_add_null(t);
    cs_table_add_real(t, 1e16);
    cs_table_add_text(t, "cr\rhere");
    cs_table_add_real(t, 0.25);

    cs_table_add_text(t, NULL);
    cs_table_add_int(t, INT64_MAX);
    cs_table_add_real(t, -0.0);
    cs_table_add_text(t, "h\xc3\xa9llo (0, 1)");
    cs_table_add_null(t);
}

static const char demo_csv[] =
    "Name,Count,Value(ms),\"Note, quoted\",Ratio\n"
    "plain,42,80309.68717187493,,0.0\n"
    "\"a,b\",-7,3.0,\"say \"\"hi\"\"\",1\n"
    "\"line\nbreak\",,1e+16,\"cr\rhere\",0.25\n"
    ",9223372036854775807,-0.0,\"h\xc3\xa9llo (0, 1)\",\n";

static void test_table(void)
{
    cs_table t;
    fill_demo(&t);
    CHECK_INT(cs_table_nrows(&t), 4);
    CHECK_INT(cs_table_cell(&t, 1, 1)->kind, CS_CELL_INT);
    CHECK_INT(cs_table_cell(&t, 1, 1)->i, -7);
    CHECK_INT(cs_table_cell(&t, 3, 0)->kind, CS_CELL_NULL);
    CHECK_STR(cs_table_cell(&t, 1, 3)->s, "say \"hi\"");
    cs_table_free(&t);
    CHECK_INT(cs_table_nrows(&t), 0);
    cs_table_free(&t);      /* twice is harmless */
}

/* The heat map from matrix totals: links summed in the totals' order, the
** diagonal, a link without time and a pair without a link are NULL; ranks
** are every src or dst, ascending. */
static void test_heat_map(void)
{
    const cs_matrix_total tot[] = {
        {4, 0, 0, 2.0, 1.0}, {0, 4, 0, 6.0, 2.0}, {4, 0, 1, 1.0, 3.0},     /* 4→0 twice: 3 MB / 4 ms */
        {0, 0, 0, 9.0, 1.0}, {2, 4, 0, 5.0, 0.0},
    };
    cs_heat_map h;
    cs_heat_map_build(tot, 5, &h);
    CHECK_INT(h.n, 3);
    CHECK_STR(h.cols.cols[0].csv_name, "src\\dst");
    CHECK_STR(h.cols.cols[3].csv_name, "Rank 4");
    cs_table t;
    cs_heat_map_row(&h, 0, &t);     /* rank 0: 0→0 diagonal, 0→2 none, 0→4 6/2 */
    CHECK_INT(cs_table_nrows(&t), 1);
    CHECK_STR(cs_table_cell(&t, 0, 0)->s, "Rank 0");
    CHECK_INT(cs_table_cell(&t, 0, 1)->kind, CS_CELL_NULL);
    CHECK_INT(cs_table_cell(&t, 0, 2)->kind, CS_CELL_NULL);
    CHECK_DBL(cs_table_cell(&t, 0, 3)->d, 3.0);
    cs_table_free(&t);
    cs_heat_map_row(&h, 1, &t);     /* rank 2: 2→4 has no time */
    CHECK_INT(cs_table_cell(&t, 0, 3)->kind, CS_CELL_NULL);
    cs_table_free(&t);
    cs_heat_map_row(&h, 2, &t);     /* rank 4: 4→0 (2 + 1) / (1 + 3) */
    CHECK_DBL(cs_table_cell(&t, 0, 1)->d, 0.75);
    CHECK_INT(cs_table_cell(&t, 0, 3)->kind, CS_CELL_NULL);
    cs_table_free(&t);
    cs_heat_map_free(&h);
    cs_heat_map_build(NULL, 0, &h);
    CHECK_INT(h.n, 0);
    cs_heat_map_free(&h);
}

/* ModuleStatistic in slices of whole ranks: ranks 0, 1, 2 with 2, 3 and 1
** rows, rank 1 skipped.  max 4: rank 0 (2 rows), then rank 1 does not
** count and rank 2 fits (3 rows in all); max 1: a rank is never split, so
** a slice may pass max; every rank is visited once. */
static void test_module_statistic_slices(void)
{
    cs_rank_result r[3];
    const size_t nrows[3] = {2, 3, 1};
    for (int i = 0; i < 3; i++) {
        cs_rank_result_init(&r[i], i, "/x");
        r[i].analysed = i != 1;
        for (size_t k = 0; k < nrows[i]; k++) {
            cs_module_row m = {cs_xasprintf("p%d", i), cs_xasprintf("m%zu", k), cs_xstrdup("op"),
                               cs_xstrdup("kern"), 10.0 * (double)k, 5.0, 2};
            CS_VEC_PUSH(r[i].modules, m);
        }
    }
    cs_table t;
    CHECK_INT(cs_table_module_statistic(r, 3, 0, 4, &t), 3);
    CHECK_INT(cs_table_nrows(&t), 3);
    CHECK_STR(cs_table_cell(&t, 1, 1)->s, "m1");
    CHECK_INT(cs_table_cell(&t, 2, 7)->i, 2);
    CHECK_STR(cs_table_cell(&t, 2, 0)->s, "p2");
    cs_table_free(&t);
    CHECK_INT(cs_table_module_statistic(r, 3, 0, 1, &t), 1);
    CHECK_INT(cs_table_nrows(&t), 2);
    CHECK_INT(cs_table_cell(&t, 1, 7)->i, 0);
    cs_table_free(&t);
    CHECK_INT(cs_table_module_statistic(r, 3, 1, 1, &t), 3);    /* rank 1 skipped, rank 2 added */
    CHECK_INT(cs_table_nrows(&t), 1);
    cs_table_free(&t);
    CHECK_INT(cs_table_module_statistic(r, 3, 3, 1, &t), 3);
    CHECK_INT(cs_table_nrows(&t), 0);
    cs_table_free(&t);
    for (int i = 0; i < 3; i++) cs_rank_result_free(&r[i]);
}

/* -------------------------------------------------------------------- CSV */

static void test_csv_bytes(void)
{
    cs_err err = { "" };
    cs_table t;
    fill_demo(&t);
    const char *path = tmp_path("csv/new/sub/demo.csv");
    CHECK_INT(cs_csv_write(&t, path, &err), 0);
    char *got = slurp(path);
    CHECK_STR(got, demo_csv);
    free(got);
    CHECK_INT(mode_of(path), 0640);
    CHECK_INT(mode_of(tmp_path("csv/new/sub")), 0750);
    CHECK_INT(mode_of(tmp_path("csv/new")), 0750);

    /* Rewriting truncates: a header-only table leaves the header alone. */
    cs_table empty;
    cs_table_init(&empty, "Demo", demo_cols, 5);
    CHECK_INT(cs_csv_write(&empty, path, &err), 0);
    got = slurp(path);
    CHECK_STR(got, "Name,Count,Value(ms),\"Note, quoted\",Ratio\n");
    free(got);

    /* An existing file with another mode ends up 0640. */
    chmod(path, 0666);
    CHECK_INT(cs_csv_write(&t, path, &err), 0);
    CHECK_INT(mode_of(path), 0640);
    cs_table_free(&empty);
    cs_table_free(&t);
}

/* Python's csv writes a record of one empty field as "" (pandas too). */
static void test_csv_single_column(void)
{
    static const cs_column one[] = { { "v", "TEXT", "v" } };
    cs_err err = { "" };
    cs_table t;
    cs_table_init(&t, "One", one, 1);
    cs_table_add_text(&t, "x");
    cs_table_add_null(&t);
    cs_table_add_text(&t, "");
    cs_table_add_int(&t, 0);
    const char *path = tmp_path("one.csv");
    CHECK_INT(cs_csv_write(&t, path, &err), 0);
    char *got = slurp(path);
    CHECK_STR(got, "v\nx\n\"\"\n\"\"\n0\n");
    free(got);
    cs_table_free(&t);
}

static void test_csv_nonfinite(void)
{
    cs_err err = { "" };
    cs_table t;
    fill_demo(&t);
    cs_table_add_text(&t, "bad");
    cs_table_add_int(&t, 1);
    cs_table_add_real(&t, NAN);
    cs_table_add_text(&t, "x");
    cs_table_add_real(&t, INFINITY);
    const char *path = tmp_path("nan.csv");
    CHECK_INT(cs_csv_write(&t, path, &err), -1);
    CHECK_STR(err.msg, "internal error: non-finite value in Demo.value");
    char *got = slurp(path);
    char *want = cs_xasprintf("%sbad,1,,x,\n", demo_csv);
    CHECK_STR(got, want);      /* written in full, empty cells in place */
    free(want);
    free(got);

    /* An incomplete last row is refused before anything is written. */
    cs_table_add_int(&t, 1);
    CHECK_INT(cs_csv_write(&t, tmp_path("ragged.csv"), &err), -1);
    CHECK(strstr(err.msg, "internal error: table Demo") != NULL);
    CHECK(!exists(tmp_path("ragged.csv")));
    cs_table_free(&t);
}

static void test_csv_unwritable(void)
{
    cs_err err = { "" };
    cs_table t;
    fill_demo(&t);

    /* Root ignores permission bits, so use failures that hold for root:
    ** a parent that is a file, and a path that is a folder. */
    spit(tmp_path("plainfile"), "x");
    const char *path = tmp_path("plainfile/sub/out.csv");
    CHECK_INT(cs_csv_write(&t, path, &err), -1);
    CHECK(strstr(err.msg, path) != NULL);
    CHECK(strstr(err.msg, strerror(ENOTDIR)) != NULL);

    mkdir_p(tmp_path("adir"));
    path = tmp_path("adir");
    CHECK_INT(cs_csv_write(&t, path, &err), -1);
    CHECK(strstr(err.msg, path) != NULL);
    CHECK(strstr(err.msg, strerror(EISDIR)) != NULL);

    /* A failing write(2): the device is neither removed nor chmod'ed. */
    struct stat before, after;
    if (stat("/dev/full", &before) == 0 && S_ISCHR(before.st_mode)) {
        CHECK_INT(cs_csv_write(&t, "/dev/full", &err), -1);
        CHECK(strstr(err.msg, "/dev/full") != NULL);
        CHECK(strstr(err.msg, strerror(ENOSPC)) != NULL);
        CHECK(stat("/dev/full", &after) == 0 && after.st_mode == before.st_mode);
    }
    cs_table_free(&t);
}

/* Written a slice at a time: the bytes of the whole table; a non-finite value
** in a later slice is reported when the file is closed. */
static void test_csv_slices(void)
{
    cs_err err = { "" };
    cs_table whole, a, b;
    fill_demo(&whole);
    cs_table_init(&a, "Demo", demo_cols, 5);
    cs_table_init(&b, "Demo", demo_cols, 5);
    for (size_t k = 0; k < whole.cells.len; k++) {
        const cs_cell *c = &whole.cells.items[k];
        cs_table *t = k < whole.ncols ? &a : &b;    /* first row, then the rest */
        if (c->kind == CS_CELL_TEXT) cs_table_add_text(t, c->s);
        else if (c->kind == CS_CELL_INT) cs_table_add_int(t, c->i);
        else if (c->kind == CS_CELL_REAL) cs_table_add_real(t, c->d);
        else cs_table_add_null(t);
    }
    const char *path = tmp_path("slices/demo.csv");
    cs_csv_out *out = cs_csv_open(&a, path, &err);
    CHECK(out != NULL);
    CHECK_INT(cs_csv_append(out, &a, &err), 0);
    CHECK_INT(cs_csv_append(out, &b, &err), 0);
    CHECK_INT(cs_csv_close(out, &err), 0);
    char *got = slurp(path);
    CHECK_STR(got, demo_csv);
    free(got);
    CHECK_INT(mode_of(path), 0640);

    cs_table_add_text(&b, "bad");
    cs_table_add_int(&b, 1);
    cs_table_add_real(&b, NAN);
    cs_table_add_text(&b, "x");
    cs_table_add_real(&b, 0);
    out = cs_csv_open(&a, path, &err);
    CHECK_INT(cs_csv_append(out, &a, &err), 0);
    CHECK_INT(cs_csv_append(out, &b, &err), 0);
    CHECK_INT(cs_csv_close(out, &err), -1);
    CHECK_STR(err.msg, "internal error: non-finite value in Demo.value");

    /* a slice of another shape is refused */
    static const cs_column two[] = { { "x", "TEXT", "x" }, { "y", "TEXT", "y" } };
    cs_table other;
    cs_table_init(&other, "Other", two, 2);
    out = cs_csv_open(&a, path, &err);
    CHECK_INT(cs_csv_append(out, &other, &err), -1);
    CHECK(strstr(err.msg, "internal error") != NULL);
    cs_csv_close(out, &err);
    CHECK(cs_csv_open(&a, tmp_path("plainfile/x.csv"), &err) == NULL);
    CHECK_INT(cs_csv_close(NULL, &err), 0);
    cs_table_free(&other);
    cs_table_free(&whole);
    cs_table_free(&a);
    cs_table_free(&b);
}

/* ----------------------------------------------------------------- SQLite */

/* Runs a query whose rows are one text column each and joins them with
** '|' per column and '\n' per row, like `sqlite3 -list`. */
static char *query(const char *db_path, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    char *out = cs_xstrdup("");
    if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "query %s: %s\n", sql, sqlite3_errmsg(db));
        sqlite3_close(db);
        return out;
    }
    while (sqlite3_step(st) == SQLITE_ROW) {
        for (int c = 0; c < sqlite3_column_count(st); c++) {
            const char *v = (const char *)sqlite3_column_text(st, c);
            char *next = cs_xasprintf("%s%s%s", out, c ? "|" : "", v ? v : "NULL");
            free(out);
            out = next;
        }
        char *next = cs_xasprintf("%s\n", out);
        free(out);
        out = next;
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
}

static double query_double(const char *db_path, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    double v = NAN;
    if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_double(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

static void check_query(const char *db, const char *sql, const char *want)
{
    char *got = query(db, sql);
    CHECK_STR(got, want);
    if (strcmp(got, want) != 0) fprintf(stderr, "  query: %s\n", sql);
    free(got);
}

static void check_no_journal(const char *db)
{
    const char *suffix[] = { "-journal", "-wal", "-shm" };
    for (int k = 0; k < 3; k++) {
        char *p = cs_xasprintf("%s%s", db, suffix[k]);
        CHECK(!exists(p));
        if (exists(p)) fprintf(stderr, "  left behind: %s\n", p);
        free(p);
    }
}

static void test_sqlite_roundtrip(void)
{
    cs_err err = { "" };
    cs_table t;
    fill_demo(&t);
    const char *db = tmp_path("db/new/cluster_analysis.db");

    cs_sqlite_out *out = cs_sqlite_out_open(db, &err);
    CHECK(out != NULL);
    if (!out) {
        fprintf(stderr, "  %s\n", err.msg);
        cs_table_free(&t);
        return;
    }
    CHECK_INT(mode_of(db), 0640);
    CHECK_INT(mode_of(tmp_path("db/new")), 0750);
    CHECK_INT(cs_sqlite_out_write(out, &t, &err), 0);
    CHECK_INT(cs_sqlite_out_close(out, &err), 0);
    check_no_journal(db);

    check_query(db, "SELECT name, type FROM pragma_table_info('Demo') ORDER BY cid",
                "name|TEXT\ncount|INTEGER\nvalue|REAL\nnote|TEXT\nratio|NUMERIC\n");
    check_query(db,
                "SELECT typeof(name), typeof(count), typeof(value), typeof(note), "
                "typeof(ratio) FROM Demo ORDER BY rowid",
                "text|integer|real|text|integer\n"   /* NUMERIC affinity: 0.0 → 0 */
                "text|integer|real|text|integer\n"
                "text|null|real|text|real\n"
                "null|integer|real|text|null\n");
    check_query(db, "SELECT name, count, note FROM Demo WHERE rowid <= 2",
                "plain|42|\n"
                "a,b|-7|say \"hi\"\n");
    check_query(db, "SELECT count FROM Demo WHERE rowid = 4", "9223372036854775807\n");
    /* Doubles exactly: compare bits, not SQLite's text rendering. */
    CHECK(query_double(db, "SELECT value FROM Demo WHERE rowid = 1") == 80309.68717187493);
    CHECK(query_double(db, "SELECT value FROM Demo WHERE rowid = 2") == 3.0);
    CHECK(query_double(db, "SELECT value FROM Demo WHERE rowid = 3") == 1e16);
    CHECK(query_double(db, "SELECT ratio FROM Demo WHERE rowid = 3") == 0.25);
    check_query(db, "SELECT hex(name) FROM Demo WHERE rowid = 3", "6C696E650A627265616B\n");

    /* Reopen and rewrite with one row: the table is replaced, not appended,
    ** and a table that is not ours stays. */
    sqlite3 *raw = NULL;
    sqlite3_open(db, &raw);
    sqlite3_exec(raw, "CREATE TABLE Other(x); INSERT INTO Other VALUES (1)", NULL, NULL, NULL);
    sqlite3_close(raw);

    cs_table one;
    cs_table_init(&one, "Demo", demo_cols, 5);
    cs_table_add_text(&one, "only");
    cs_table_add_int(&one, 1);
    cs_table_add_real(&one, 0.5);
    cs_table_add_null(&one);
    cs_table_add_text(&one, "2.5");
    chmod(db, 0600);
    out = cs_sqlite_out_open(db, &err);
    CHECK(out != NULL);
    CHECK_INT(cs_sqlite_out_write(out, &one, &err), 0);
    CHECK_INT(cs_sqlite_out_close(out, &err), 0);
    CHECK_INT(mode_of(db), 0600);    /* an existing file keeps its mode */
    check_query(db, "SELECT name, count, value, typeof(ratio) FROM Demo", "only|1|0.5|real\n");
    check_query(db, "SELECT x FROM Other", "1\n");
    check_no_journal(db);

    cs_table_free(&one);
    cs_table_free(&t);
}

static void test_sqlite_quoting_and_nonfinite(void)
{
    static const cs_column cols[] = {
        { "we\"ird col", "REAL", "w" },
        { "select", "TEXT", "s" },
    };
    cs_err err = { "" };
    cs_table t;
    cs_table_init(&t, "Odd \"Table\"", cols, 2);
    cs_table_add_real(&t, 1.5);
    cs_table_add_text(&t, "it's");
    cs_table_add_real(&t, -INFINITY);
    cs_table_add_text(&t, "x");

    const char *db = tmp_path("odd.db");
    cs_sqlite_out *out = cs_sqlite_out_open(db, &err);
    CHECK(out != NULL);
    if (!out) return;
    CHECK_INT(cs_sqlite_out_write(out, &t, &err), -1);
    CHECK_STR(err.msg, "internal error: non-finite value in Odd \"Table\".we\"ird col");
    CHECK_INT(cs_sqlite_out_close(out, &err), 0);
    check_query(db, "SELECT quote(\"we\"\"ird col\"), \"select\" FROM \"Odd \"\"Table\"\"\"",
                "1.5|it's\nNULL|x\n");
    cs_table_free(&t);
}

/* A database another tool left in WAL mode comes back in DELETE mode, with
** no -wal or -shm file once closed. */
static void test_sqlite_from_wal(void)
{
    cs_err err = { "" };
    const char *db = tmp_path("wal.db");
    sqlite3 *raw = NULL;
    sqlite3_open(db, &raw);
    sqlite3_exec(raw, "PRAGMA journal_mode=WAL; CREATE TABLE Ref(x); INSERT INTO Ref VALUES (7)",
                 NULL, NULL, NULL);

    /* While another connection holds it in WAL mode it cannot be ours. */
    CHECK(cs_sqlite_out_open(db, &err) == NULL);
    CHECK(strstr(err.msg, db) != NULL);
    sqlite3_close(raw);

    cs_table t;
    fill_demo(&t);
    cs_sqlite_out *out = cs_sqlite_out_open(db, &err);
    CHECK(out != NULL);
    if (!out) return;
    CHECK_INT(cs_sqlite_out_write(out, &t, &err), 0);
    CHECK_INT(cs_sqlite_out_close(out, &err), 0);
    check_query(db, "PRAGMA journal_mode", "delete\n");
    check_query(db, "SELECT (SELECT count(*) FROM Demo), (SELECT x FROM Ref)", "4|7\n");
    check_no_journal(db);
    cs_table_free(&t);
}

static void test_sqlite_unwritable(void)
{
    cs_err err = { "" };
    spit(tmp_path("plainfile"), "x");
    const char *path = tmp_path("plainfile/cluster_analysis.db");
    CHECK(cs_sqlite_out_open(path, &err) == NULL);
    CHECK(strstr(err.msg, path) != NULL);

    /* Not a database: refused at open, with the file's name. */
    path = tmp_path("text.db");
    spit(path, "this is not an SQLite database, just some text long enough.....\n");
    CHECK(cs_sqlite_out_open(path, &err) == NULL);
    CHECK(strstr(err.msg, path) != NULL);
    CHECK(strstr(err.msg, "not a database") != NULL);

    CHECK_INT(cs_sqlite_out_close(NULL, &err), 0);
}

/* ------------------------------------------------------------------- JSON */

static cJSON *raw(const char *text)
{
    return cJSON_CreateRaw(text);
}

static void test_json(void)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "schema", "clusterscope.summary/1");
    cJSON_AddItemToObject(root, "empty_obj", cJSON_CreateObject());
    cJSON_AddItemToObject(root, "empty_arr", cJSON_CreateArray());

    cJSON *input = cJSON_AddObjectToObject(root, "input");
    cJSON_AddItemToObject(input, "ranks", raw("8"));
    cJSON *ids = cJSON_AddArrayToObject(input, "step_ids");
    cJSON_AddItemToArray(ids, raw("1"));
    cJSON_AddItemToArray(ids, raw("2"));
    cJSON *skipped = cJSON_AddArrayToObject(input, "skipped");
    cJSON *sk = cJSON_CreateObject();
    cJSON_AddNullToObject(sk, "rank");
    cJSON_AddStringToObject(sk, "path", "/data/rank 3");
    cJSON_AddStringToObject(sk, "analysis", "discover");
    cJSON_AddStringToObject(sk, "reason", "no rank id");
    cJSON_AddItemToArray(skipped, sk);

    cJSON *nested = cJSON_AddArrayToObject(root, "nested");
    cJSON *n0 = cJSON_CreateArray();
    cJSON *obj = cJSON_CreateObject();
    cJSON_AddItemToObject(obj, "a", raw("1.5"));
    cJSON_AddItemToObject(obj, "b", cJSON_CreateArray());
    cJSON_AddItemToArray(n0, obj);
    cJSON_AddItemToArray(n0, cJSON_CreateObject());
    cJSON_AddItemToArray(nested, n0);
    cJSON_AddItemToArray(nested, cJSON_CreateArray());
    cJSON *n2 = cJSON_CreateArray();
    cJSON_AddItemToArray(n2, cJSON_CreateArray());
    cJSON_AddItemToArray(nested, n2);

    cJSON_AddStringToObject(root, "unicode", "h\xc3\xa9llo \xe4\xb8\x96\xe7\x95\x8c \xe2\x9c\x93");
    cJSON_AddStringToObject(root, "escapes", "q\" b\\ n\n r\r t\t b\b f\f x\x01 y\x1f d\x7f /s");
    cJSON_AddStringToObject(root, "k\"ey\xc3\xa9", "v");

    cJSON *nums = cJSON_AddArrayToObject(root, "numbers");
    static const double dv[] = { 3.0, 2.5, 1e20, 0.1, 1754645.75, -7.0, 9007199254740991.0 };
    for (size_t k = 0; k < sizeof dv / sizeof dv[0]; k++)
        cJSON_AddItemToArray(nums, cJSON_CreateNumber(dv[k]));
    cJSON_AddItemToArray(nums, raw("80309.68717187493"));

    cJSON *flags = cJSON_AddArrayToObject(root, "flags");
    cJSON_AddItemToArray(flags, cJSON_CreateTrue());
    cJSON_AddItemToArray(flags, cJSON_CreateFalse());
    cJSON_AddItemToArray(flags, cJSON_CreateNull());

    /* Python: json.dumps(same, indent=2, ensure_ascii=False) + "\n". */
    static const char want[] =
        "{\n"
        "  \"schema\": \"clusterscope.summary/1\",\n"
        "  \"empty_obj\": {},\n"
        "  \"empty_arr\": [],\n"
        "  \"input\": {\n"
        "    \"ranks\": 8,\n"
        "    \"step_ids\": [\n"
        "      1,\n"
        "      2\n"
        "    ],\n"
        "    \"skipped\": [\n"
        "      {\n"
        "        \"rank\": null,\n"
        "        \"path\": \"/data/rank 3\",\n"
        "        \"analysis\": \"discover\",\n"
        "        \"reason\": \"no rank id\"\n"
        "      }\n"
        "    ]\n"
        "  },\n"
        "  \"nested\": [\n"
        "    [\n"
        "      {\n"
        "        \"a\": 1.5,\n"
        "        \"b\": []\n"
        "      },\n"
        "      {}\n"
        "    ],\n"
        "    [],\n"
        "    [\n"
        "      []\n"
        "    ]\n"
        "  ],\n"
        "  \"unicode\": \"h\xc3\xa9llo \xe4\xb8\x96\xe7\x95\x8c \xe2\x9c\x93\",\n"
        "  \"escapes\": \"q\\\" b\\\\ n\\n r\\r t\\t b\\b f\\f x\\u0001 y\\u001f d\x7f /s\",\n"
        "  \"k\\\"ey\xc3\xa9\": \"v\",\n"
        "  \"numbers\": [\n"
        "    3,\n"
        "    2.5,\n"
        "    1e+20,\n"
        "    0.1,\n"
        "    1754645.75,\n"
        "    -7,\n"
        "    9007199254740991,\n"
        "    80309.68717187493\n"
        "  ],\n"
        "  \"flags\": [\n"
        "    true,\n"
        "    false,\n"
        "    null\n"
        "  ]\n"
        "}\n";
    char *got = cs_json_print(root);
    CHECK_STR(got, want);
    free(got);
    cJSON_Delete(root);

    /* Scalars and empty containers at the top level. */
    cJSON *item = cJSON_CreateArray();
    got = cs_json_print(item);
    CHECK_STR(got, "[]\n");
    free(got);
    cJSON_Delete(item);
    item = cJSON_CreateString("");
    got = cs_json_print(item);
    CHECK_STR(got, "\"\"\n");
    free(got);
    cJSON_Delete(item);
    item = cJSON_CreateNumber(NAN);
    got = cs_json_print(item);
    CHECK_STR(got, "null\n");
    free(got);
    cJSON_Delete(item);
    CHECK(cs_json_print(NULL) == NULL);
}

/* ------------------------------------------------------------ workbooks */

static void copy_cell(cs_table *t, const cs_cell *c)
{
    if (c->kind == CS_CELL_TEXT) cs_table_add_text(t, c->s);
    else if (c->kind == CS_CELL_INT) cs_table_add_int(t, c->i);
    else if (c->kind == CS_CELL_REAL) cs_table_add_real(t, c->d);
    else cs_table_add_null(t);
}

/* Rows of `whole` handed out 7 at a time. */
typedef struct row_source {
    const cs_table *whole;
    size_t next;
} row_source;

static bool next_rows(void *arg, cs_table *t)
{
    row_source *src = arg;
    size_t n = cs_table_nrows(src->whole);
    cs_table_init(t, src->whole->db_name, src->whole->cols, src->whole->ncols);
    for (size_t k = 0; k < 7 && src->next < n; k++, src->next++)
        for (size_t c = 0; c < t->ncols; c++) copy_cell(t, cs_table_cell(src->whole, src->next, c));
    return src->next < n;
}

static void fill_rows(cs_table *t, size_t n, const char *db_name)
{
    cs_table_init(t, db_name, demo_cols, 5);
    for (size_t r = 0; r < n; r++) {
        char text[64];
        snprintf(text, sizeof text, r == n - 1 ? "the widest text is in the last slice %zu" : "row %zu", r);
        cs_table_add_text(t, text);
        cs_table_add_int(t, (int64_t)(r * r));
        if (r % 5 == 3) cs_table_add_null(t);
        else cs_table_add_real(t, (double)r / 3.0);
        cs_table_add_text(t, r % 2 ? "odd" : NULL);
        cs_table_add_real(t, 0.5);
    }
}

/* A chart-data block made row by row from a table (cs_side_source.row). */
static void side_row(const void *arg, size_t r, cs_table *t)
{
    const cs_table *src = arg;
    cs_table_init(t, src->db_name, src->cols, src->ncols);
    for (size_t c = 0; c < src->ncols; c++) {
        const cs_cell *cell = cs_table_cell(src, r, c);
        if (cell->kind == CS_CELL_INT) cs_table_add_int(t, cell->i);
        else if (cell->kind == CS_CELL_REAL) cs_table_add_real(t, cell->d);
        else if (cell->kind == CS_CELL_TEXT) cs_table_add_text(t, cell->s);
        else cs_table_add_null(t);
    }
}

/* A sheet written in slices equals the sheet written whole: cells, column
** widths (the widest cell comes last), the filter range, and a chart-data
** block longer and shorter than the table (given whole to the one, made
** row by row for the other). */
static void test_xlsx_slices(void)
{
    if (system("python3 -c pass 2>/dev/null") != 0) return;     /* the comparison needs python3 */
    cs_table whole, long_side, short_side;
    fill_rows(&whole, 30, "Demo");
    fill_rows(&long_side, 40, "Side");
    fill_rows(&short_side, 10, "Side");
    const char *names[2] = {"whole.xlsx", "sliced.xlsx"};
    for (int k = 0; k < 2; k++) {
        cs_err err = { "" };
        mkdir_p(tmp_path("xlsx"));
        char path[1100];
        snprintf(path, sizeof path, "%s/xlsx/%s", g_tmp, names[k]);
        cs_xlsx *x = cs_xlsx_open(path, true, &err);
        CHECK(x != NULL);
        if (!x) return;
        for (int sh = 0; sh < 2; sh++) {
            const cs_table *side = sh ? &short_side : &long_side;
            cs_side_source rows = {side->cols, side->ncols, cs_table_nrows(side), side_row, side};
            cs_sheet_options so = {NULL, -1, NULL, k == 0 ? side : NULL, k == 0 ? NULL : &rows};
            const char *sheet = sh ? "Short" : "Long";
            int64_t cut = -1;
            if (k == 0) {
                CHECK_INT(cs_xlsx_add_table(x, sheet, &whole, &so, &cut, &err), 0);
            } else {
                row_source src = {&whole, 0};
                cs_table first;
                bool more = next_rows(&src, &first);
                cs_table_source rest = {next_rows, &src, 30};
                CHECK_INT(cs_xlsx_add_table_from(x, sheet, &first, more ? &rest : NULL, &so, &cut, &err), 0);
                cs_table_free(&first);
                CHECK_INT(src.next, 30);
            }
            CHECK_INT(cut, 0);
        }
        CHECK_INT(cs_xlsx_close(x, &err), 0);
    }
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "python3 -c 'import sys, zipfile\n"
             "a, b = (zipfile.ZipFile(p) for p in sys.argv[1:])\n"
             "names = [n for n in a.namelist() if not n.startswith(\"docProps/\")]\n"
             "assert names == [n for n in b.namelist() if not n.startswith(\"docProps/\")], names\n"
             "bad = [n for n in names if a.read(n) != b.read(n)]\n"
             "for n in (\"xl/worksheets/sheet1.xml\", \"xl/worksheets/sheet2.xml\"):\n"
             "    x = b.read(n).decode()\n"
             "    assert \"<autoFilter ref=\\\"A1:E31\\\"/>\" in x, n\n"
             "    assert \"<col min=\\\"1\\\" max=\\\"1\\\" width=\\\"40.\" in x, n\n"
             "sys.exit(1 if bad else 0)' %s/xlsx/whole.xlsx %s/xlsx/sliced.xlsx",
             g_tmp, g_tmp);
    CHECK_INT(system(cmd), 0);
    cs_table_free(&whole);
    cs_table_free(&long_side);
    cs_table_free(&short_side);
}

int main(void)
{
    test_heat_map();
    test_module_statistic_slices();
    setup_tmp();
    test_format_double();
    test_table();
    test_csv_bytes();
    test_csv_single_column();
    test_csv_nonfinite();
    test_csv_unwritable();
    test_csv_slices();
    test_sqlite_roundtrip();
    test_sqlite_quoting_and_nonfinite();
    test_sqlite_from_wal();
    test_sqlite_unwritable();
    test_json();
    test_xlsx_slices();
    return check_report();
}
