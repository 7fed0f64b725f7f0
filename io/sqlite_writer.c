/*
** sqlite_writer.c — cs_tables into cluster_analysis.db.
**
** Each table is replaced as a whole inside one transaction, so a reader
** sees either the old table or the complete new one.  Tables other than the
** one being written are never touched: the file may also hold tables of the
** reference tool or of another clusterscope mode.
*/
#include "sqlite_writer.h"
#include "csv_writer.h"      /* cs_make_parent_dirs */

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <sqlite3.h>
#include <sys/stat.h>

struct cs_sqlite_out {
    sqlite3 *db;
    char *path;              /* owned, for messages */
};

static int db_fail(cs_sqlite_out *out, const char *what, cs_err *err)
{
    return cs_fail(err, "cannot %s %s: %s", what, out->path, sqlite3_errmsg(out->db));
}

/* sqlite3_exec callback: copies the first column of the first row. */
static int first_text(void *dst, int ncols, char **vals, char **names)
{
    (void)names;
    if (ncols > 0 && vals[0]) snprintf(dst, 16, "%s", vals[0]);
    return 0;
}

cs_sqlite_out *cs_sqlite_out_open(const char *path, cs_err *err)
{
    struct stat st;
    if (cs_make_parent_dirs(path, err) != 0) return NULL;
    int existed = stat(path, &st) == 0;

    cs_sqlite_out *out = cs_xcalloc(1, sizeof *out);
    out->path = cs_xstrdup(path);
    int rc = sqlite3_open_v2(path, &out->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc != SQLITE_OK) {
        if (out->db) db_fail(out, "open database", err);
        else cs_fail(err, "cannot open database %s: %s", path, sqlite3_errstr(rc));
        cs_sqlite_out_close(out, NULL);
        return NULL;
    }
    sqlite3_busy_timeout(out->db, 10000);

    /* The journal mode is persistent in the file: a database left in WAL mode
    ** (by another tool) would leave -wal/-shm files beside ours.  Reading the
    ** header here also rejects a file that is not a database, with its name,
    ** before any table is written. */
    char mode[16] = "";
    if (sqlite3_exec(out->db, "PRAGMA journal_mode=DELETE", first_text, mode, NULL) != SQLITE_OK) {
        db_fail(out, "open database", err);
        cs_sqlite_out_close(out, NULL);
        return NULL;
    }
    /* The pragma answers with the mode in force; WAL stays while another
    ** connection has the file open. */
    if (strcmp(mode, "delete") != 0) {
        cs_fail(err, "cannot open database %s: journal mode stays \"%s\" (in use by another "
                "program?)", path, mode);
        cs_sqlite_out_close(out, NULL);
        return NULL;
    }
    /* SQLite creates files 0644 (less the umask); outputs.md §3 wants 0640.
    ** A file that existed keeps the mode its owner gave it. */
    if (!existed && chmod(path, 0640) != 0) {
        cs_fail(err, "cannot write %s: %s", path, strerror(errno));
        cs_sqlite_out_close(out, NULL);
        return NULL;
    }
    return out;
}

/* ------------------------------------------------------------ statements */

/* The statements of a table; the caller frees each with sqlite3_free.
** Names are quoted with %w (doubles '"'), as SQLite's own shell does. */
static char *sql_drop(const cs_table *t)
{
    return sqlite3_mprintf("DROP TABLE IF EXISTS \"%w\"", t->db_name);
}

static char *sql_create(const cs_table *t)
{
    sqlite3_str *s = sqlite3_str_new(NULL);
    sqlite3_str_appendf(s, "CREATE TABLE \"%w\" (", t->db_name);
    for (size_t c = 0; c < t->ncols; c++) {
        const cs_column *col = &t->cols[c];
        sqlite3_str_appendf(s, "%s\"%w\"", c ? ", " : "", col->db_name);
        /* Declared types are static strings of the schema, not input. */
        if (col->sql_type && *col->sql_type) sqlite3_str_appendf(s, " %s", col->sql_type);
    }
    sqlite3_str_appendall(s, ")");
    return sqlite3_str_finish(s);
}

static char *sql_insert(const cs_table *t)
{
    sqlite3_str *s = sqlite3_str_new(NULL);
    sqlite3_str_appendf(s, "INSERT INTO \"%w\" VALUES (", t->db_name);
    for (size_t c = 0; c < t->ncols; c++) sqlite3_str_appendall(s, c ? ", ?" : "?");
    sqlite3_str_appendall(s, ")");
    return sqlite3_str_finish(s);
}

static int exec_sql(sqlite3 *db, char *sql)
{
    if (!sql) return SQLITE_NOMEM;
    int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    sqlite3_free(sql);
    return rc;
}

/* Binds one cell; a non-finite REAL is bound as NULL and *bad_col set. */
static int bind_cell(sqlite3_stmt *st, int idx, const cs_cell *cell, size_t col, size_t *bad_col)
{
    switch (cell->kind) {
    case CS_CELL_INT:
        return sqlite3_bind_int64(st, idx, cell->i);
    case CS_CELL_REAL:
        if (isfinite(cell->d)) return sqlite3_bind_double(st, idx, cell->d);
        if (*bad_col == (size_t)-1) *bad_col = col;
        return sqlite3_bind_null(st, idx);
    case CS_CELL_TEXT:
        /* The table outlives the step, so SQLite need not copy the text. */
        return sqlite3_bind_text(st, idx, cell->s, -1, SQLITE_STATIC);
    case CS_CELL_NULL:
    default:
        return sqlite3_bind_null(st, idx);
    }
}

/* Formats the message for a failed statement of table t; returns -1. */
static int table_fail(cs_sqlite_out *out, const cs_table *t, int rc, cs_err *err)
{
    return cs_fail(err, "cannot write table %s to %s: %s", t->db_name, out->path,
                   rc == SQLITE_NOMEM ? sqlite3_errstr(rc) : sqlite3_errmsg(out->db));
}

static int insert_rows(cs_sqlite_out *out, const cs_table *t, size_t *bad_col, cs_err *err)
{
    sqlite3_stmt *st = NULL;
    char *sql = sql_insert(t);
    int rc = sql ? sqlite3_prepare_v2(out->db, sql, -1, &st, NULL) : SQLITE_NOMEM;
    sqlite3_free(sql);

    size_t nrows = cs_table_nrows(t);
    for (size_t r = 0; r < nrows && rc == SQLITE_OK; r++) {
        for (size_t c = 0; c < t->ncols && rc == SQLITE_OK; c++)
            rc = bind_cell(st, (int)c + 1, cs_table_cell(t, r, c), c, bad_col);
        if (rc == SQLITE_OK) rc = sqlite3_step(st);
        if (rc == SQLITE_DONE) rc = sqlite3_reset(st);
    }
    /* The message is taken before finalize, which may overwrite it. */
    if (rc != SQLITE_OK) table_fail(out, t, rc, err);
    sqlite3_finalize(st);
    return rc == SQLITE_OK ? 0 : -1;
}

int cs_sqlite_out_write(cs_sqlite_out *out, const cs_table *t, cs_err *err)
{
    size_t bad_col = (size_t)-1;
    if (cs_table_check_shape(t, err) != 0) return -1;
    if (!t->db_name) return cs_fail(err, "internal error: table without a name");

    int rc = sqlite3_exec(out->db, "BEGIN", NULL, NULL, NULL);
    if (rc == SQLITE_OK) rc = exec_sql(out->db, sql_drop(t));
    if (rc == SQLITE_OK) rc = exec_sql(out->db, sql_create(t));
    if (rc != SQLITE_OK) table_fail(out, t, rc, err);
    else if (insert_rows(out, t, &bad_col, err) != 0) rc = SQLITE_ERROR;
    else if ((rc = sqlite3_exec(out->db, "COMMIT", NULL, NULL, NULL)) != SQLITE_OK)
        table_fail(out, t, rc, err);

    if (rc != SQLITE_OK) {
        if (!sqlite3_get_autocommit(out->db))
            sqlite3_exec(out->db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    if (bad_col != (size_t)-1) return cs_table_fail_nonfinite(t, bad_col, err);
    return 0;
}

int cs_sqlite_out_append(cs_sqlite_out *out, const cs_table *t, cs_err *err)
{
    size_t bad_col = (size_t)-1;
    if (cs_table_check_shape(t, err) != 0) return -1;
    int rc = sqlite3_exec(out->db, "BEGIN", NULL, NULL, NULL);
    if (rc != SQLITE_OK) table_fail(out, t, rc, err);
    else if (insert_rows(out, t, &bad_col, err) != 0) rc = SQLITE_ERROR;
    else if ((rc = sqlite3_exec(out->db, "COMMIT", NULL, NULL, NULL)) != SQLITE_OK)
        table_fail(out, t, rc, err);
    if (rc != SQLITE_OK) {
        if (!sqlite3_get_autocommit(out->db)) sqlite3_exec(out->db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    if (bad_col != (size_t)-1) return cs_table_fail_nonfinite(t, bad_col, err);
    return 0;
}

int cs_sqlite_out_close(cs_sqlite_out *out, cs_err *err)
{
    int rc = 0;
    if (!out) return 0;
    if (out->db && sqlite3_close(out->db) != SQLITE_OK) {
        rc = db_fail(out, "close database", err);
        sqlite3_close_v2(out->db);   /* closes once the last statement goes */
    }
    free(out->path);
    free(out);
    return rc;
}
