/*
** xlsx_writer.c — cs_table → worksheet, on libxlsxwriter.
*/
#include "xlsx_writer.h"

#include <math.h>
#include <stdio.h>
#include <xlsxwriter.h>

#define MAX_FORMATS 16
#define MAX_INDENT 16

struct cs_xlsx {
    lxw_workbook *wb;
    char *path;
    lxw_format *header;
    lxw_format *number[MAX_FORMATS];    /* cached by format string */
    const char *number_text[MAX_FORMATS];
    int nnumber;
    lxw_format *indent[MAX_INDENT];
};

cs_xlsx *cs_xlsx_open(const char *path, bool constant_memory, cs_err *err)
{
    lxw_workbook_options opt = {0};
    opt.constant_memory = constant_memory ? LXW_TRUE : LXW_FALSE;
    opt.use_zip64 = LXW_TRUE;   /* big per-op sheets can pass 4 GB unzipped */
    lxw_workbook *wb = workbook_new_opt(path, &opt);
    if (!wb) {
        cs_fail(err, "%s: cannot create the workbook", path);
        return NULL;
    }
    cs_xlsx *x = cs_xcalloc(1, sizeof *x);
    x->wb = wb;
    x->path = cs_xstrdup(path);
    x->header = workbook_add_format(wb);
    format_set_bold(x->header);
    return x;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static bool is_count_header(const char *h)
{
    static const char *const counts[] = {"Count", "Op Count", "Members", "Rank Size", "Instances Last",
                                         "Slow Affect Count", "Ranks", "Instances"};
    for (size_t i = 0; i < sizeof counts / sizeof *counts; i++)
        if (strcmp(h, counts[i]) == 0) return true;
    return strncmp(h, "Rank ", 5) == 0 && h[5] >= '0' && h[5] <= '9';
}

const char *cs_xlsx_number_format(const char *h)
{
    if (ends_with(h, "(us)")) return "#,##0.000";
    if (ends_with(h, "(ms)") || ends_with(h, "(MB)")) return "#,##0.000000";
    if (ends_with(h, "(GB/s)") || strstr(h, "Ratio")) return "#,##0.0000";
    if ((ends_with(h, "(ns)") && strcmp(h, "Timestamp(ns)") != 0) || is_count_header(h)) return "#,##0";
    return NULL;
}

static lxw_format *number_format(cs_xlsx *x, const char *text)
{
    if (!text) return NULL;
    for (int i = 0; i < x->nnumber; i++)
        if (strcmp(x->number_text[i], text) == 0) return x->number[i];
    if (x->nnumber == MAX_FORMATS) return NULL;
    lxw_format *f = workbook_add_format(x->wb);
    format_set_num_format(f, text);
    x->number_text[x->nnumber] = text;
    x->number[x->nnumber++] = f;
    return f;
}

static lxw_format *indent_format(cs_xlsx *x, int level)
{
    if (level <= 0) return NULL;
    if (level >= MAX_INDENT) level = MAX_INDENT - 1;
    if (!x->indent[level]) {
        x->indent[level] = workbook_add_format(x->wb);
        format_set_indent(x->indent[level], (uint8_t)level);
    }
    return x->indent[level];
}

/* Display width of a cell, for fitting the column. */
static size_t cell_width(const cs_cell *c)
{
    char buf[48];
    switch (c->kind) {
    case CS_CELL_TEXT: return strlen(c->s);
    case CS_CELL_INT: return (size_t)snprintf(buf, sizeof buf, "%lld", (long long)c->i) * 4 / 3;
    case CS_CELL_REAL: return (size_t)snprintf(buf, sizeof buf, "%.6f", c->d) * 4 / 3;
    default: return 0;
    }
}

static lxw_error write_cell(cs_xlsx *x, lxw_worksheet *ws, lxw_row_t row, lxw_col_t col,
                            const cs_cell *c, lxw_format *fmt, const char *table, const char *column,
                            cs_err *err, int *rc)
{
    (void)x;
    switch (c->kind) {
    case CS_CELL_TEXT: return worksheet_write_string(ws, row, col, c->s, fmt);
    case CS_CELL_INT: return worksheet_write_number(ws, row, col, (double)c->i, fmt);
    case CS_CELL_REAL:
        if (!isfinite(c->d)) {
            *rc = cs_fail(err, "internal error: non-finite value in %s.%s", table, column);
            return worksheet_write_blank(ws, row, col, fmt);
        }
        return worksheet_write_number(ws, row, col, c->d, fmt);
    default: return fmt ? worksheet_write_blank(ws, row, col, fmt) : LXW_NO_ERROR;
    }
}

/* One sheet being written from a table that may come in slices. */
typedef struct sheet_writer {
    cs_xlsx *x;
    lxw_worksheet *ws;
    const char *name;
    const char *const *headers;
    const cs_sheet_options *opt;
    const cs_table *side;
    const cs_side_source *side_source;
    size_t side_col, side_rows;
    size_t *width;          /* per table column, for fitting it at the end */
    size_t row;             /* data rows seen */
    size_t nrows;           /* data rows announced */
    size_t shown;           /* data rows written: all, or as many as the sheet takes */
} sheet_writer;

/* The block's data row r, which constant-memory mode must write together
** with the table's row r (rows go out strictly in order). */
static void write_side_row(sheet_writer *w, size_t r, cs_err *err, int *rc)
{
    if (r >= w->side_rows) return;
    cs_table made;
    const cs_table *t = w->side;
    size_t row = r;
    if (!t && w->side_source) {
        w->side_source->row(w->side_source->arg, r, &made);
        t = &made;
        row = 0;
    }
    for (size_t c = 0; t && c < t->ncols; c++)
        write_cell(w->x, w->ws, (lxw_row_t)(r + 1), (lxw_col_t)(w->side_col + c), cs_table_cell(t, row, c), NULL,
                   t->db_name, t->cols[c].db_name, err, rc);
    if (t == &made) cs_table_free(&made);
}

static int write_slice(sheet_writer *w, const cs_table *t, cs_err *err)
{
    int rc = 0;
    size_t n = cs_table_nrows(t);
    for (size_t k = 0; k < n; k++, w->row++) {
        size_t r = w->row;
        if (r >= w->shown) continue;    /* counted for the truncation note only */
        write_side_row(w, r, err, &rc);
        for (size_t c = 0; c < t->ncols; c++) {
            const cs_cell *cell = cs_table_cell(t, k, c);
            size_t cw = cell_width(cell) + 1;
            if (cw > w->width[c]) w->width[c] = cw;
            lxw_format *fmt = number_format(w->x, cs_xlsx_number_format(w->headers[c]));
            if (w->opt && w->opt->indent_levels && (int)c == w->opt->indent_col)
                fmt = indent_format(w->x, w->opt->indent_levels[r]);
            lxw_error e = write_cell(w->x, w->ws, (lxw_row_t)(r + 1), (lxw_col_t)c, cell, fmt, t->db_name,
                                     t->cols[c].db_name, err, &rc);
            if (e != LXW_NO_ERROR) return cs_fail(err, "%s: sheet %s: %s", w->x->path, w->name, lxw_strerror(e));
        }
    }
    return rc;
}

/* After the last row: the block's rows past the table, the column widths
** and formats (libxlsxwriter writes the sheet's <cols> when it closes the
** workbook, so they may come last) and the truncation note. */
static void finish_sheet(sheet_writer *w, const cs_table *t, int64_t *truncated, cs_err *err, int *rc)
{
    for (size_t r = w->shown; r < w->side_rows; r++) write_side_row(w, r, err, rc);
    for (size_t c = 0; c < t->ncols; c++) {
        size_t wd = w->width[c] > 80 ? 80 : w->width[c];
        worksheet_set_column(w->ws, (lxw_col_t)c, (lxw_col_t)c, (double)wd,
                             number_format(w->x, cs_xlsx_number_format(w->headers[c])));
    }
    if (w->row != w->nrows) *rc = cs_fail(err, "%s: sheet %s: %zu rows announced, %zu given", w->x->path, w->name,
                                          w->nrows, w->row);
    if (truncated) *truncated = (int64_t)(w->row - w->shown);
    if (w->shown < w->row) {
        char note[96];
        snprintf(note, sizeof note, "truncated: %zu more rows; see the CSV or DB export", w->row - w->shown);
        worksheet_write_string(w->ws, (lxw_row_t)(w->shown + 1), 0, note, NULL);
    }
}

int cs_xlsx_add_table_from(cs_xlsx *x, const char *name, const cs_table *t, const cs_table_source *more,
                           const cs_sheet_options *opt, int64_t *truncated, cs_err *err)
{
    if (truncated) *truncated = 0;
    sheet_writer w = {x, workbook_add_worksheet(x->wb, name), name, NULL, opt, opt ? opt->side : NULL,
                      opt ? opt->side_source : NULL, 0, 0, NULL, 0, more ? more->nrows : cs_table_nrows(t), 0};
    size_t room = LXW_ROW_MAX - 2;  /* header + the note row */
    w.shown = w.nrows > room + 1 ? room : w.nrows;
    if (!w.ws) return cs_fail(err, "%s: cannot add sheet %s", x->path, name);
    const char **csv_headers = NULL;
    if (opt && opt->headers) w.headers = opt->headers;
    else {
        csv_headers = cs_xmalloc((t->ncols ? t->ncols : 1) * sizeof *csv_headers);
        for (size_t c = 0; c < t->ncols; c++) csv_headers[c] = t->cols[c].csv_name;
        w.headers = csv_headers;
    }
    w.width = cs_xmalloc((t->ncols ? t->ncols : 1) * sizeof *w.width);
    for (size_t c = 0; c < t->ncols; c++) {
        w.width[c] = strlen(w.headers[c]) + 3;     /* room for the autofilter button */
        worksheet_write_string(w.ws, 0, (lxw_col_t)c, w.headers[c], x->header);
    }
    w.side_col = t->ncols + 1;
    w.side_rows = w.side ? cs_table_nrows(w.side) : w.side_source ? w.side_source->nrows : 0;
    const cs_column *side_cols = w.side ? w.side->cols : w.side_source ? w.side_source->cols : NULL;
    size_t side_ncols = w.side ? w.side->ncols : w.side_source ? w.side_source->ncols : 0;
    for (size_t c = 0; c < side_ncols; c++)
        worksheet_write_string(w.ws, 0, (lxw_col_t)(w.side_col + c), side_cols[c].csv_name, x->header);
    worksheet_freeze_panes(w.ws, 1, 0);
    /* before any row: constant-memory mode ignores ranges above the rows written */
    worksheet_autofilter(w.ws, 0, 0, (lxw_row_t)w.shown, (lxw_col_t)(t->ncols ? t->ncols - 1 : 0));
    int rc = write_slice(&w, t, err);
    for (bool go = more != NULL; rc == 0 && go;) {
        cs_table slice;
        go = more->next(more->arg, &slice);
        rc = write_slice(&w, &slice, err);
        cs_table_free(&slice);
    }
    if (rc == 0) finish_sheet(&w, t, truncated, err, &rc);
    free(w.width);
    free(csv_headers);
    return rc;
}

int cs_xlsx_add_table(cs_xlsx *x, const char *name, const cs_table *t,
                      const cs_sheet_options *opt, int64_t *truncated, cs_err *err)
{
    return cs_xlsx_add_table_from(x, name, t, NULL, opt, truncated, err);
}

void cs_xlsx_fit_to_page(cs_xlsx *x, const char *name)
{
    lxw_worksheet *ws = workbook_get_worksheet_by_name(x->wb, name);
    if (ws) worksheet_fit_to_pages(ws, 1, 1);
}

int cs_xlsx_add_blocks(cs_xlsx *x, const char *name, const cs_sheet_block *blocks, size_t n,
                       int *next_row, cs_err *err)
{
    lxw_worksheet *ws = workbook_add_worksheet(x->wb, name);
    if (!ws) return cs_fail(err, "%s: cannot add sheet %s", x->path, name);
    lxw_row_t row = 0;
    int rc = 0;
    size_t widths[8] = {0};
    for (size_t b = 0; b < n; b++) {
        const cs_table *t = blocks[b].table;
        if (b) row++;
        worksheet_write_string(ws, row++, 0, blocks[b].title, x->header);
        if (blocks[b].with_header) {
            for (size_t c = 0; c < t->ncols; c++)
                worksheet_write_string(ws, row, (lxw_col_t)c,
                                       blocks[b].headers ? blocks[b].headers[c] : t->cols[c].csv_name, x->header);
            row++;
        }
        for (size_t r = 0; r < cs_table_nrows(t); r++, row++) {
            for (size_t c = 0; c < t->ncols; c++) {
                const cs_cell *cell = cs_table_cell(t, r, c);
                write_cell(x, ws, row, (lxw_col_t)c, cell, NULL, t->db_name, t->cols[c].db_name, err, &rc);
                size_t w = cell_width(cell) + 1;
                if (c < 8 && w > widths[c]) widths[c] = w;
            }
        }
    }
    for (int c = 0; c < 8; c++)
        if (widths[c]) worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, widths[c] > 80 ? 80 : (double)widths[c], NULL);
    if (next_row) *next_row = (int)row;
    return rc;
}

int cs_xlsx_insert_chart(cs_xlsx *x, const char *sheet, int row, int col, const cs_chart_ref *ref, cs_err *err)
{
    lxw_worksheet *ws = workbook_get_worksheet_by_name(x->wb, sheet);
    static const uint8_t types[] = {LXW_CHART_COLUMN, LXW_CHART_COLUMN_STACKED, LXW_CHART_BAR};
    lxw_chart *chart = ws ? workbook_add_chart(x->wb, types[ref->type]) : NULL;
    if (!chart) return cs_fail(err, "%s: cannot add a chart to sheet %s", x->path, sheet);
    lxw_row_t last = (lxw_row_t)(ref->nrows > 0 ? ref->nrows : 1);
    for (int s = 0; s < ref->nseries; s++) {
        lxw_chart_series *series = chart_add_series(chart, NULL, NULL);
        chart_series_set_categories(series, ref->data_sheet, 1, (lxw_col_t)ref->first_col, last,
                                    (lxw_col_t)ref->first_col);
        chart_series_set_values(series, ref->data_sheet, 1, (lxw_col_t)(ref->first_col + 1 + s), last,
                                (lxw_col_t)(ref->first_col + 1 + s));
        chart_series_set_name(series, ref->series_names[s]);
    }
    if (ref->x_title) chart_axis_set_name(chart->x_axis, ref->x_title);
    if (ref->y_title) chart_axis_set_name(chart->y_axis, ref->y_title);
    if (ref->reverse_categories) chart_axis_set_reverse(chart->y_axis);
    lxw_error e = worksheet_insert_chart(ws, (lxw_row_t)row, (lxw_col_t)col, chart);
    return e == LXW_NO_ERROR ? 0 : cs_fail(err, "%s: sheet %s: chart: %s", x->path, sheet, lxw_strerror(e));
}

int cs_xlsx_mark_outliers(cs_xlsx *x, const char *sheet, int col, int nrows, bool greater, double limit,
                          cs_err *err)
{
    lxw_worksheet *ws = workbook_get_worksheet_by_name(x->wb, sheet);
    if (!ws || nrows <= 0) return ws ? 0 : cs_fail(err, "%s: no sheet %s", x->path, sheet);
    lxw_format *mark = workbook_add_format(x->wb);
    format_set_bg_color(mark, 0xFFC7CE);
    format_set_font_color(mark, 0x9C0006);
    lxw_conditional_format cf;
    memset(&cf, 0, sizeof cf);
    cf.type = LXW_CONDITIONAL_TYPE_CELL;
    cf.criteria = greater ? LXW_CONDITIONAL_CRITERIA_GREATER_THAN : LXW_CONDITIONAL_CRITERIA_LESS_THAN;
    cf.value = limit;
    cf.format = mark;
    lxw_error e = worksheet_conditional_format_range(ws, 1, (lxw_col_t)col, (lxw_row_t)nrows, (lxw_col_t)col, &cf);
    return e == LXW_NO_ERROR ? 0 : cs_fail(err, "%s: sheet %s: %s", x->path, sheet, lxw_strerror(e));
}

int cs_xlsx_color_scale(cs_xlsx *x, const char *sheet, int first_row, int first_col, int last_row, int last_col,
                        cs_err *err)
{
    lxw_worksheet *ws = workbook_get_worksheet_by_name(x->wb, sheet);
    if (!ws) return cs_fail(err, "%s: no sheet %s", x->path, sheet);
    if (last_row < first_row || last_col < first_col) return 0;
    lxw_conditional_format cf;
    memset(&cf, 0, sizeof cf);
    cf.type = LXW_CONDITIONAL_3_COLOR_SCALE;
    cf.min_color = 0xF8696B;
    cf.mid_rule_type = LXW_CONDITIONAL_RULE_TYPE_PERCENTILE;
    cf.mid_value = 50;
    cf.mid_color = 0xFFEB84;
    cf.max_color = 0x63BE7B;
    lxw_error e = worksheet_conditional_format_range(ws, (lxw_row_t)first_row, (lxw_col_t)first_col,
                                                     (lxw_row_t)last_row, (lxw_col_t)last_col, &cf);
    return e == LXW_NO_ERROR ? 0 : cs_fail(err, "%s: sheet %s: %s", x->path, sheet, lxw_strerror(e));
}

int cs_xlsx_close(cs_xlsx *x, cs_err *err)
{
    if (!x) return 0;
    lxw_error e = workbook_close(x->wb);
    int rc = e == LXW_NO_ERROR ? 0 : cs_fail(err, "%s: cannot write the workbook: %s", x->path, lxw_strerror(e));
    free(x->path);
    free(x);
    return rc;
}

int cs_xlsx_add_marked_table(cs_xlsx *x, const char *name, const cs_table *t, const bool *marked,
                             cs_err *err)
{
    size_t nrows = cs_table_nrows(t);
    if (nrows > LXW_ROW_MAX - 1) return cs_fail(err, "%s: sheet %s: %zu rows do not fit", x->path, name, nrows);
    lxw_worksheet *ws = workbook_add_worksheet(x->wb, name);
    if (!ws) return cs_fail(err, "%s: cannot add sheet %s", x->path, name);
    lxw_format *mark = workbook_add_format(x->wb);
    format_set_pattern(mark, LXW_PATTERN_SOLID);
    format_set_bg_color(mark, 0xFFC7CE);
    format_set_font_color(mark, 0x9C0006);
    const char **headers = cs_xmalloc((t->ncols ? t->ncols : 1) * sizeof *headers);
    for (size_t c = 0; c < t->ncols; c++) headers[c] = t->cols[c].csv_name;
    for (size_t c = 0; c < t->ncols; c++) {
        size_t w = strlen(headers[c]) + 1;
        for (size_t r = 0; r < nrows; r++) {
            size_t cw = cell_width(cs_table_cell(t, r, c)) + 1;
            if (cw > w) w = cw;
        }
        worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, w > 80 ? 80.0 : (double)w, NULL);
        worksheet_write_string(ws, 0, (lxw_col_t)c, headers[c], x->header);
    }
    free(headers);
    worksheet_freeze_panes(ws, 1, 0);
    int rc = 0;
    for (size_t r = 0; r < nrows; r++) {
        lxw_format *fmt = marked && marked[r] ? mark : NULL;
        for (size_t c = 0; c < t->ncols; c++) {
            lxw_error e = write_cell(x, ws, (lxw_row_t)(r + 1), (lxw_col_t)c, cs_table_cell(t, r, c), fmt,
                                     t->db_name, t->cols[c].db_name, err, &rc);
            if (e != LXW_NO_ERROR) return cs_fail(err, "%s: sheet %s: %s", x->path, name, lxw_strerror(e));
        }
    }
    return rc;
}
