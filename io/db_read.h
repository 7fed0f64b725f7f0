/*
** db_read.h — reading a rank's profiler database: the pieces every reader
** shares.  A cs_db carries the connection and the context its messages need
** (file, rank, report).
*/
#ifndef CS_DB_READ_H
#define CS_DB_READ_H

#include <sqlite3.h>
#include <stdbool.h>
#include "rank_result.h"

typedef struct cs_db {
    sqlite3 *db;
    const char *path;
    cs_rank_result *res;    /* rank id and report of the rank being read */
    cs_err *err;
    bool schema_error;      /* a query failed to prepare: missing table or column */
} cs_db;

/* Opens path read-only and immutable (URI mode=ro&immutable=1): no journal
** or lock file is ever created beside the user's data.  Checks that the file
** is a database with at least one schema object: a zero-byte file ("empty
** file (0 bytes): an interrupted copy?") or an empty database ("a database
** without any table") is refused.  Returns NULL with a message naming the
** file on failure. */
sqlite3 *cs_db_open_ro(const char *path, cs_err *err);
bool cs_db_has_table(cs_db *r, const char *table);
/* Prepares sql; on failure sets schema_error and a message naming the file
** and table (SQLite's text names a missing column). */
sqlite3_stmt *cs_db_prepare(cs_db *r, const char *table, const char *sql);
/* Ends a row loop and finalizes st: rc SQLITE_DONE is success; anything
** else is a read error naming the table. */
int cs_db_finish(cs_db *r, sqlite3_stmt *st, int rc, const char *table);

/* An integer cell (TEXT holding a decimal integer accepted). */
bool cs_db_int(sqlite3_stmt *st, int col, int64_t *out);
/* Columns c, c+1 as a valid [start, end]: integers, plausible times, end >= start. */
bool cs_db_range(sqlite3_stmt *st, int c, int64_t *start, int64_t *end);
bool cs_db_plausible_time(int64_t t);
/* Not NULL-derived negative, not INVALID (4294967295). */
bool cs_db_valid_id(int64_t v);
char *cs_db_text_dup(sqlite3_stmt *st, int col);

/* "rank R: N TABLE rows excluded (NULL, INVALID or absurd values) (analysis)" */
void cs_db_count_excluded(cs_db *r, int64_t n, const char *table, const char *analysis);
/* The id of name in an ENUM_* table, or fallback when absent. */
int64_t cs_db_enum_id(cs_db *r, const char *table, const char *name, int64_t fallback);

#endif
