/*
** db_read.c — shared helpers for reading a rank's profiler database:
** read-only opening, schema checks with messages naming the file and table,
** and the validity rules of input-formats.md §5 for single values.
*/
#include "db_read.h"

#include <sys/stat.h>

#include <stdio.h>

bool cs_db_plausible_time(int64_t t) { return t >= CS_TIME_MIN_NS && t <= CS_TIME_MAX_NS; }

bool cs_db_valid_id(int64_t v) { return v >= 0 && v != CS_INVALID_U32; }

/* Percent-encodes the characters that would end or change a URI path. */
static char *file_uri(const char *path)
{
    size_t n = strlen(path);
    char *uri = cs_xmalloc(n * 3 + 64);
    char *p = uri + sprintf(uri, "file:");
    for (const char *s = path; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '%' || c == '?' || c == '#' || c <= ' ' || c >= 0x7f)
            p += sprintf(p, "%%%02X", c);
        else
            *p++ = (char)c;
    }
    strcpy(p, "?mode=ro&immutable=1");
    return uri;
}

sqlite3 *cs_db_open_ro(const char *path, cs_err *err)
{
    char *uri = file_uri(path);
    sqlite3 *db = NULL;
    /* NOMUTEX: one connection per thread, so the per-call mutex is pure cost
    ** (it was a fifth of the run time in a profile). */
    int rc = sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, NULL);
    free(uri);
    if (rc != SQLITE_OK) {
        cs_fail(err, "%s: cannot open: %s", path, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        sqlite3_close(db);
        return NULL;
    }
    /* Touch the schema now so that "file is not a database" surfaces here,
    ** with the file's name, rather than on the first analysis query.  SQLite
    ** reads a zero-byte file (an interrupted copy) as an empty database: no
    ** table at all is reported as such, not as a string of missing tables. */
    sqlite3_stmt *st = NULL;
    rc = sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master", -1, &st, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_step(st) == SQLITE_ROW ? SQLITE_OK : sqlite3_errcode(db);
    int64_t ntables = rc == SQLITE_OK ? sqlite3_column_int64(st, 0) : 0;
    if (rc != SQLITE_OK) cs_fail(err, "%s: not a readable SQLite database: %s", path, sqlite3_errmsg(db));
    sqlite3_finalize(st);
    if (rc == SQLITE_OK && ntables == 0) {
        struct stat sb;
        if (stat(path, &sb) == 0 && sb.st_size == 0) cs_fail(err, "%s: empty file (0 bytes): an interrupted copy?", path);
        else cs_fail(err, "%s: a database without any table", path);
        rc = SQLITE_EMPTY;
    }
    if (rc != SQLITE_OK) {
        sqlite3_close(db);
        return NULL;
    }
    return db;
}

bool cs_db_has_table(cs_db *r, const char *table)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(r->db, "SELECT 1 FROM sqlite_master WHERE type IN ('table','view') AND name = ?",
                           -1, &st, NULL) != SQLITE_OK)
        return false;
    sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
    bool found = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return found;
}

/* Prepares sql; on failure the message names the file and table (SQLite's
** own text names the missing column). */
sqlite3_stmt *cs_db_prepare(cs_db *r, const char *table, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(r->db, sql, -1, &st, NULL) != SQLITE_OK) {
        cs_fail(r->err, "%s: table %s: %s", r->path, table, sqlite3_errmsg(r->db));
        r->schema_error = true;
        sqlite3_finalize(st);
        return NULL;
    }
    return st;
}

/* Finishes a row loop: SQLITE_DONE is success, anything else (a corrupt
** page in the middle of a table) is a read error naming the table. */
int cs_db_finish(cs_db *r, sqlite3_stmt *st, int rc, const char *table)
{
    if (rc != SQLITE_DONE) {
        cs_fail(r->err, "%s: table %s: read error: %s", r->path, table, sqlite3_errmsg(r->db));
        sqlite3_finalize(st);
        return -1;
    }
    sqlite3_finalize(st);
    return 0;
}

/* An integer column; TEXT holding a decimal integer is accepted because
** PYTORCH_API stores its times as TEXT in some producer versions. */
bool cs_db_int(sqlite3_stmt *st, int col, int64_t *out)
{
    /* One column_value call instead of column_type + column_int64: each
    ** sqlite3_column_* call locks and checks the statement, which cost more
    ** than the values on the million-row TASK scans.  The value is only read
    ** here, by the connection's own thread. */
    sqlite3_value *v = sqlite3_column_value(st, col);
    int type = sqlite3_value_type(v);
    if (type == SQLITE_INTEGER) {
        *out = sqlite3_value_int64(v);
        return true;
    }
    if (type == SQLITE_TEXT) {
        const char *s = (const char *)sqlite3_column_text(st, col);
        char *end;
        long long v = strtoll(s, &end, 10);
        if (end == s || *end) return false;
        *out = v;
        return true;
    }
    return false;
}

/* Reads a [start, end] pair from columns c and c+1, rejecting NULLs,
** non-integers, absurd times and negative durations. */
bool cs_db_range(sqlite3_stmt *st, int c, int64_t *start, int64_t *end)
{
    return cs_db_int(st, c, start) && cs_db_int(st, c + 1, end) &&
           cs_db_plausible_time(*start) && cs_db_plausible_time(*end) && *end >= *start;
}

void cs_db_count_excluded(cs_db *r, int64_t n, const char *table, const char *analysis)
{
    if (n == 0) return;
    char what[128];
    snprintf(what, sizeof what, "%s rows excluded (NULL, INVALID or absurd values)", table);
    cs_report_count(&r->res->report, r->res->rank, n, what, analysis);
}

/* The id of a value in an ENUM_* table, or fallback when the table or the
** value is absent. */
int64_t cs_db_enum_id(cs_db *r, const char *table, const char *name, int64_t fallback)
{
    if (!cs_db_has_table(r, table)) return fallback;
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT id FROM %s WHERE name = ?", table);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(r->db, sql, -1, &st, NULL) != SQLITE_OK) return fallback;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int64_t id = fallback;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_INTEGER)
        id = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return id;
}

char *cs_db_text_dup(sqlite3_stmt *st, int col)
{
    const unsigned char *s = sqlite3_column_text(st, col);
    return s ? cs_xstrdup((const char *)s) : NULL;
}
