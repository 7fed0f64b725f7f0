/*
** table.h — an output table: named columns and rows of typed cells, built in
** memory by the export layer and handed to a writer (CSV, SQLite, later
** xlsx).  One table in, one file/table/sheet out.
**
** Ownership: the table owns its cells (and their text); column descriptors
** are borrowed and must outlive the table (they are normally static).
*/
#ifndef CS_TABLE_H
#define CS_TABLE_H

#include <stdbool.h>
#include "cs_base.h"

typedef enum cs_cell_kind { CS_CELL_NULL, CS_CELL_INT, CS_CELL_REAL, CS_CELL_TEXT } cs_cell_kind;

typedef struct cs_cell {
    cs_cell_kind kind;
    int64_t i;
    double d;
    char *s;            /* owned, CS_CELL_TEXT only */
} cs_cell;

typedef struct cs_column {
    const char *db_name;   /* column name in cluster_analysis.db */
    const char *sql_type;  /* declared type: TEXT, INTEGER, REAL, NUMERIC */
    const char *csv_name;  /* header in the CSV export */
} cs_column;

typedef struct cs_table {
    const char *db_name;     /* table name in cluster_analysis.db */
    const cs_column *cols;
    size_t ncols;
    CS_VEC(cs_cell) cells;   /* row-major; nrows = cells.len / ncols */
} cs_table;

void cs_table_init(cs_table *t, const char *db_name, const cs_column *cols, size_t ncols);
size_t cs_table_nrows(const cs_table *t);
/* Appenders fill the current row left to right. */
void cs_table_add_null(cs_table *t);
void cs_table_add_int(cs_table *t, int64_t v);
void cs_table_add_real(cs_table *t, double v);
void cs_table_add_text(cs_table *t, const char *s);   /* copies s; NULL → NULL cell */
const cs_cell *cs_table_cell(const cs_table *t, size_t row, size_t col);
void cs_table_free(cs_table *t);

/* For writers.  cs_table_check_shape fails when the last row is incomplete
** (or the table has no columns).  cs_table_fail_nonfinite formats
** "internal error: non-finite value in TABLE.COLUMN" (the db names) and
** returns -1: writers never print NaN or ±Inf; they write an empty cell or
** NULL in its place, finish the table, then report it. */
int cs_table_check_shape(const cs_table *t, cs_err *err);
int cs_table_fail_nonfinite(const cs_table *t, size_t col, cs_err *err);

/* Formats a double by the CSV rule of outputs.md §2, as Python's repr()
** prints it: the shortest digits that read back to the same value (the
** first of %.15g, %.16g, %.17g that round-trips; fewer for subnormals),
** plain notation for decimal exponents -4..15 with ".0" on whole values
** ("3.0", "-0.0", "1000000000000000.0"), else exponent form ("1e+16",
** "1.5e-05", "5e-324").  NaN and ±Inf give "nan", "inf", "-inf" (writers
** never write those).  buf needs 40 bytes. */
void cs_format_double(double v, char *buf, size_t size);

#endif
