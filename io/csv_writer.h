/*
** csv_writer.h — writes a cs_table as a CSV file (outputs.md §2 "CSV bytes").
*/
#ifndef CS_CSV_WRITER_H
#define CS_CSV_WRITER_H

#include "table.h"

/* Writes header (csv_name of every column) and rows to path, replacing the
** file.  `\n` line ends, RFC 4180 quoting only where needed, NULL → empty
** cell, doubles by cs_format_double, integers plain.  Creates missing parent
** folders (mode 0750); the file gets mode 0640.  Writes to path itself (no
** temporary file).  Returns -1 with a message naming the file: on an I/O
** error ("cannot write PATH: strerror"; a partly written regular file is
** removed), or, after writing the whole file with empty cells in their
** place, when a REAL cell was NaN or ±Inf (cs_table_fail_nonfinite). */
int cs_csv_write(const cs_table *t, const char *path, cs_err *err);

/* The same file written a slice of rows at a time, so that a big table never
** exists whole as cells: cs_csv_open() writes the header of t's columns (t's
** rows are not written), cs_csv_append() the rows of each slice (same
** columns), cs_csv_close() finishes.  Errors as cs_csv_write's: open fails
** with a message; append fails (-1) on a slice of the wrong shape; a write
** error or a non-finite value is reported by close, which removes a partly
** written regular file.  close accepts NULL. */
typedef struct cs_csv_out cs_csv_out;

cs_csv_out *cs_csv_open(const cs_table *t, const char *path, cs_err *err);
int cs_csv_append(cs_csv_out *out, const cs_table *t, cs_err *err);
int cs_csv_close(cs_csv_out *out, cs_err *err);

/* Creates the missing folders above path (mode 0750, whatever the umask);
** existing ones are left as they are.  Shared by the other writers. */
int cs_make_parent_dirs(const char *path, cs_err *err);

#endif
