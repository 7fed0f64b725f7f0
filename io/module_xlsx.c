/*
** module_xlsx.c — the reference-format per-rank module workbook.
*/
#include "module_xlsx.h"

#include <xlsxwriter.h>

static const char *const headers[] = {"Parent Module", "Module", "Op Name", "Kernel List",
                                      "Total Kernel Duration(ns)", "Avg Kernel Duration(ns)", "Op Count"};
static const double widths[] = {40, 40, 40, 50, 10, 10, 10};

static lxw_format *cell_format(lxw_workbook *wb, bool header)
{
    lxw_format *f = workbook_add_format(wb);
    format_set_font_name(f, "Times New Roman");
    format_set_border(f, LXW_BORDER_THIN);
    format_set_align(f, LXW_ALIGN_VERTICAL_CENTER);
    if (header) {
        format_set_bold(f);
        format_set_bg_color(f, 0xAFEEEE);
    }
    return f;
}

static const char *text_of(const cs_cell *c) { return c->kind == CS_CELL_TEXT ? c->s : ""; }

/* Writes column col, merging runs of equal consecutive texts. */
static lxw_error write_merged_column(lxw_worksheet *ws, const cs_table *t, size_t col, lxw_format *f)
{
    size_t n = cs_table_nrows(t);
    for (size_t r = 0; r < n;) {
        const char *v = text_of(cs_table_cell(t, r, col));
        size_t end = r + 1;
        while (end < n && strcmp(text_of(cs_table_cell(t, end, col)), v) == 0) end++;
        lxw_error e = end - r > 1
            ? worksheet_merge_range(ws, (lxw_row_t)(r + 1), (lxw_col_t)col, (lxw_row_t)end, (lxw_col_t)col, v, f)
            : worksheet_write_string(ws, (lxw_row_t)(r + 1), (lxw_col_t)col, v, f);
        if (e != LXW_NO_ERROR) return e;
        r = end;
    }
    return LXW_NO_ERROR;
}

static lxw_error write_plain_cell(lxw_worksheet *ws, size_t r, size_t c, const cs_cell *cell, lxw_format *f)
{
    lxw_row_t row = (lxw_row_t)(r + 1);
    switch (cell->kind) {
    case CS_CELL_TEXT: return worksheet_write_string(ws, row, (lxw_col_t)c, cell->s, f);
    case CS_CELL_INT: return worksheet_write_number(ws, row, (lxw_col_t)c, (double)cell->i, f);
    case CS_CELL_REAL: return worksheet_write_number(ws, row, (lxw_col_t)c, cell->d, f);
    default: return worksheet_write_blank(ws, row, (lxw_col_t)c, f);
    }
}

int cs_write_module_rank_xlsx(const char *path, const cs_table *t, cs_err *err)
{
    if (t->ncols != 7) return cs_fail(err, "%s: internal error: module table has %zu columns", path, t->ncols);
    lxw_workbook *wb = workbook_new(path);
    if (!wb) return cs_fail(err, "%s: cannot create the workbook", path);
    lxw_worksheet *ws = workbook_add_worksheet(wb, "Sheet1");
    lxw_format *head = cell_format(wb, true), *body = cell_format(wb, false);
    worksheet_set_row(ws, 0, 27, NULL);
    for (int c = 0; c < 7; c++) {
        worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, widths[c], NULL);
        worksheet_write_string(ws, 0, (lxw_col_t)c, headers[c], head);
    }
    lxw_error e = write_merged_column(ws, t, 0, body);
    if (e == LXW_NO_ERROR) e = write_merged_column(ws, t, 1, body);
    size_t n = cs_table_nrows(t);
    for (size_t r = 0; r < n && e == LXW_NO_ERROR; r++)
        for (size_t c = 2; c < 7 && e == LXW_NO_ERROR; c++) e = write_plain_cell(ws, r, c, cs_table_cell(t, r, c), body);
    lxw_error close_e = workbook_close(wb);
    if (e == LXW_NO_ERROR) e = close_e;
    return e == LXW_NO_ERROR ? 0 : cs_fail(err, "%s: cannot write the workbook: %s", path, lxw_strerror(e));
}
