/*
** sqlite_writer.h — writes cs_tables into cluster_analysis.db.
*/
#ifndef CS_SQLITE_WRITER_H
#define CS_SQLITE_WRITER_H

#include "table.h"

typedef struct cs_sqlite_out cs_sqlite_out;

/* Opens (creating if needed) the output database.  Only clusterscope's own
** tables are ever replaced; others in the file are left alone.  Missing
** parent folders are created (0750); a new file gets mode 0640, an existing
** one keeps its mode.  The file is switched to journal_mode=DELETE, so no
** -wal/-shm files are left once it is closed.  Returns NULL with a message
** naming the file when it cannot be created or is not a database. */
cs_sqlite_out *cs_sqlite_out_open(const char *path, cs_err *err);
/* DROP TABLE IF EXISTS + CREATE TABLE with the declared types (quoted
** names from the cs_column db_names) + every row, in one transaction that
** is rolled back on error ("cannot write table T to FILE: sqlite message").
** A non-finite REAL is stored as NULL; the table is still committed, then
** -1 is returned with cs_table_fail_nonfinite's message. */
int cs_sqlite_out_write(cs_sqlite_out *out, const cs_table *t, cs_err *err);
/* Appends t's rows to the table cs_sqlite_out_write created (same name and
** columns), in one transaction: big tables are written in slices so that
** their rows never all sit in memory as cells. */
int cs_sqlite_out_append(cs_sqlite_out *out, const cs_table *t, cs_err *err);
/* Closes and frees; accepts NULL.  Returns -1 if closing failed. */
int cs_sqlite_out_close(cs_sqlite_out *out, cs_err *err);

#endif
