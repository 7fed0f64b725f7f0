/*
** xlsx_writer.h — writing cs_tables as worksheets with libxlsxwriter
** (outputs.md §4).  One table in, one sheet out: bold header with units,
** frozen panes and an autofilter, number formats chosen by each header's
** unit, column widths fitted to the content, NULL as a blank cell.
*/
#ifndef CS_XLSX_WRITER_H
#define CS_XLSX_WRITER_H

#include <stdbool.h>
#include "table.h"

typedef struct cs_xlsx cs_xlsx;

/* Opens a new workbook at path (replacing the file).  constant_memory:
** libxlsxwriter's row-by-row mode for big sheets (no merged ranges). */
cs_xlsx *cs_xlsx_open(const char *path, bool constant_memory, cs_err *err);

/* A chart-data block made one row at a time (a grid too large to hold as
** cells): nrows rows of the columns cols; row() initialises t and fills it
** with row r alone. */
typedef struct cs_side_source {
    const cs_column *cols;
    size_t ncols, nrows;
    void (*row)(const void *arg, size_t r, cs_table *t);
    const void *arg;
} cs_side_source;

typedef struct cs_sheet_options {
    const char *const *headers; /* one per column; NULL: the CSV headers */
    int indent_col;             /* column whose cells are indented, -1 for none */
    const int *indent_levels;   /* per data row, for indent_col */
    const cs_table *side;       /* chart-data block written to the right of the
                                ** table (one empty column between), row by row
                                ** with it; NULL for none.  Headers: csv_name. */
    const cs_side_source *side_source;  /* ... or such a block made row by row */
} cs_sheet_options;

typedef enum cs_chart_type { CS_CHART_COLUMN, CS_CHART_COLUMN_STACKED, CS_CHART_BAR } cs_chart_type;

/* A native chart over a chart-data block: categories in the block's first
** column, one series per further column (named by its header). */
typedef struct cs_chart_ref {
    const char *data_sheet;     /* the sheet holding the block */
    int first_col;              /* the block's first column (0-based) */
    int nseries;
    int nrows;                  /* data rows; the header is row 0 */
    const char *const *series_names;
    cs_chart_type type;
    const char *x_title, *y_title;
    bool reverse_categories;    /* bar chart: the first entry at the top */
} cs_chart_ref;

/* Inserts the chart into sheet `sheet` (already added) at (row, col). */
int cs_xlsx_insert_chart(cs_xlsx *x, const char *sheet, int row, int col, const cs_chart_ref *ref, cs_err *err);

/* Adds sheet `name` holding t.  A table longer than the sheet stops one row
** before the sheet's last row, which then says how many rows were left out;
** *truncated (if non-NULL) gets that number (0 otherwise). */
int cs_xlsx_add_table(cs_xlsx *x, const char *name, const cs_table *t,
                      const cs_sheet_options *opt, int64_t *truncated, cs_err *err);

/* More rows of a table, a slice at a time: next() initialises *t with the
** next rows (the caller frees it) and says whether more follow.  nrows: the
** table's rows in all, the first slice included (the filter range and the
** truncation are decided before the first row). */
typedef struct cs_table_source {
    bool (*next)(void *arg, cs_table *t);
    void *arg;
    size_t nrows;
} cs_table_source;

/* The same sheet from a table given in slices: t is the first (its columns
** are the sheet's), more (NULL: none) gives the others, so that the rows
** never all exist as cells.  A source that fails ends with false; the
** caller checks its own error state afterwards (a count other than
** more->nrows is an error). */
int cs_xlsx_add_table_from(cs_xlsx *x, const char *name, const cs_table *t, const cs_table_source *more,
                           const cs_sheet_options *opt, int64_t *truncated, cs_err *err);

/* A titled block of a sheet made of blocks (Overview, Stragglers): a bold
** title row, the header row when with_header, then the rows. */
typedef struct cs_sheet_block {
    const char *title;
    const cs_table *table;
    bool with_header;
    const char *const *headers; /* NULL: the CSV headers */
} cs_sheet_block;

/* Adds sheet `name` holding the blocks one under the other, one blank row
** between them, from column A. */
int cs_xlsx_add_blocks(cs_xlsx *x, const char *name, const cs_sheet_block *blocks, size_t n,
                       int *next_row, cs_err *err);
/* Fits sheet `name` on one printed page (the Overview). */
void cs_xlsx_fit_to_page(cs_xlsx *x, const char *name);

/* Adds sheet `name` holding t as a plain list (bold frozen header, column
** widths fitted, no number formats); the data rows r with marked[r] true are
** filled #FFC7CE with font #9C0006 (Excel's "light red fill with dark red
** text").  Fails when t does not fit on one sheet. */
int cs_xlsx_add_marked_table(cs_xlsx *x, const char *name, const cs_table *t, const bool *marked,
                             cs_err *err);

/* Outlier marks (outputs.md §4): a static cell rule over rows 1..nrows of
** column col of sheet `sheet`, values above (greater) or below the limit
** filled #FFC7CE with font #9C0006. */
int cs_xlsx_mark_outliers(cs_xlsx *x, const char *sheet, int col, int nrows, bool greater, double limit,
                          cs_err *err);

/* A 3-colour scale (#F8696B minimum, #FFEB84 50th percentile, #63BE7B
** maximum) over a rectangle of sheet `sheet`; blank cells stay uncoloured. */
int cs_xlsx_color_scale(cs_xlsx *x, const char *sheet, int first_row, int first_col, int last_row, int last_col,
                        cs_err *err);

/* Writes the file and frees x (also on failure); accepts NULL. */
int cs_xlsx_close(cs_xlsx *x, cs_err *err);

/* The number format outputs.md §4 gives a header ("#,##0.000" for "(us)",
** …), or NULL for General. */
const char *cs_xlsx_number_format(const char *header);

#endif
