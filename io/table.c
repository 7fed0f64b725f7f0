/*
** table.c — in-memory output tables and the one number format shared by
** every writer (outputs.md §2 "CSV bytes").
*/
#include "table.h"

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>

void cs_table_init(cs_table *t, const char *db_name, const cs_column *cols, size_t ncols)
{
    memset(t, 0, sizeof *t);
    t->db_name = db_name;
    t->cols = cols;
    t->ncols = ncols;
}

size_t cs_table_nrows(const cs_table *t)
{
    return t->ncols ? t->cells.len / t->ncols : 0;
}

static cs_cell *push_cell(cs_table *t, cs_cell_kind kind)
{
    cs_cell c = { .kind = kind };
    CS_VEC_PUSH(t->cells, c);
    return &t->cells.items[t->cells.len - 1];
}

void cs_table_add_null(cs_table *t)
{
    push_cell(t, CS_CELL_NULL);
}

void cs_table_add_int(cs_table *t, int64_t v)
{
    push_cell(t, CS_CELL_INT)->i = v;
}

void cs_table_add_real(cs_table *t, double v)
{
    push_cell(t, CS_CELL_REAL)->d = v;
}

void cs_table_add_text(cs_table *t, const char *s)
{
    if (!s) {
        cs_table_add_null(t);
        return;
    }
    push_cell(t, CS_CELL_TEXT)->s = cs_xstrdup(s);
}

const cs_cell *cs_table_cell(const cs_table *t, size_t row, size_t col)
{
    return &t->cells.items[row * t->ncols + col];
}

void cs_table_free(cs_table *t)
{
    for (size_t k = 0; k < t->cells.len; k++)
        if (t->cells.items[k].kind == CS_CELL_TEXT) free(t->cells.items[k].s);
    free(t->cells.items);
    t->cells.items = NULL;
    t->cells.len = t->cells.cap = 0;
}

int cs_table_check_shape(const cs_table *t, cs_err *err)
{
    if (t->ncols == 0 || t->cells.len % t->ncols != 0)
        return cs_fail(err, "internal error: table %s has %zu cells for %zu columns",
                       t->db_name ? t->db_name : "?", t->cells.len, t->ncols);
    return 0;
}

int cs_table_fail_nonfinite(const cs_table *t, size_t col, cs_err *err)
{
    const cs_column *c = &t->cols[col];
    return cs_fail(err, "internal error: non-finite value in %s.%s",
                   t->db_name ? t->db_name : "?",
                   c->db_name ? c->db_name : c->csv_name ? c->csv_name : "?");
}

/* --------------------------------------------------------------------------
** Number formatting.
**
** The digits are the shortest decimal string that strtod() maps back to the
** same double (Python's repr() digits); the layout is Python's repr(): plain
** notation for decimal exponents -4..15, else "d.ddde+XX".  The C recipe
** "first of %.15g/%.16g/%.17g" alone would differ from Python in two
** places that occur in real data: %.15g switches to exponent form from
** 1e15 on (µs timestamps such as 1695054582608210.0 would print as
** "1.69505458260821e+15"), and subnormals need fewer than 15 digits
** (5e-324, not 4.94065645841247e-324).
*/

/* Splits a strtod-readable "d.ddde±X" or "ddde±X" into its significant
** digits (trailing zeros dropped) and returns the decimal exponent of the
** first digit. */
static int split_digits(const char *s, char *digits, size_t size)
{
    size_t n = 0;
    int before_point = 0, in_int = 1;
    for (; *s && *s != 'e'; s++) {
        if (*s == '.') { in_int = 0; continue; }
        before_point += in_int;
        if (n + 1 < size) digits[n++] = *s;
    }
    while (n > 1 && digits[n - 1] == '0') n--;
    digits[n] = '\0';
    return (*s == 'e' ? atoi(s + 1) : 0) + before_point - 1;
}

/* When the correctly rounded 16-digit string misses v, the 16-digit decimal
** next to it on v's side may still hit: the doubles around a power of two
** are spaced unevenly, so v's rounding interval is lopsided.  Python's repr
** takes that one (it is shorter than 17 digits).  buf holds "%.15e" of v. */
static int try_neighbour16(double v, const char *buf, char *out, size_t size)
{
    int64_t m = 0;
    const char *s = buf;
    for (; *s && *s != 'e'; s++)
        if (*s != '.') m = m * 10 + (*s - '0');
    m += strtod(buf, NULL) > v ? -1 : 1;
    snprintf(out, size, "%" PRId64 "e%d", m, atoi(s + 1) - 15);
    return strtod(out, NULL) == v;
}

/* Writes the shortest significant digits that read back as v (v > 0) and
** returns the decimal exponent of the first digit (v = d.ddd × 10^exp). */
static int shortest_digits(double v, char *digits, size_t size)
{
    char buf[40], alt[40];

    /* Every decimal of at most DBL_DIG (15) digits survives the trip through
    ** a normal double, so when 15 digits round-trip no shorter string does
    ** better than %.15g with its zeros stripped.  Subnormals have less
    ** precision: search from one digit up. */
    for (int p = v < DBL_MIN ? 1 : 15; p < 17; p++) {
        snprintf(buf, sizeof buf, "%.*e", p - 1, v);
        if (strtod(buf, NULL) == v) return split_digits(buf, digits, size);
        if (p == 16 && try_neighbour16(v, buf, alt, sizeof alt))
            return split_digits(alt, digits, size);
    }
    snprintf(buf, sizeof buf, "%.16e", v);   /* 17 digits always round-trip */
    return split_digits(buf, digits, size);
}

void cs_format_double(double v, char *buf, size_t size)
{
    char out[48], digits[24], *o = out;

    if (isnan(v) || isinf(v)) {
        snprintf(buf, size, "%s", isnan(v) ? "nan" : v < 0 ? "-inf" : "inf");
        return;
    }
    if (signbit(v)) *o++ = '-';             /* "-0.0" as Python prints it */
    int exp = 0;
    if (v == 0) strcpy(digits, "0");
    else exp = shortest_digits(fabs(v), digits, sizeof digits);
    int nd = (int)strlen(digits);

    if (exp < -4 || exp >= 16) {            /* 1e+16, 5e-324, 1.5e-05 */
        *o++ = digits[0];
        if (nd > 1) {
            *o++ = '.';
            o += sprintf(o, "%s", digits + 1);
        }
        sprintf(o, "e%c%02d", exp < 0 ? '-' : '+', abs(exp));
    } else if (exp < 0) {                   /* 0.00123 */
        *o++ = '0';
        *o++ = '.';
        for (int k = -1; k > exp; k--) *o++ = '0';
        sprintf(o, "%s", digits);
    } else if (nd <= exp + 1) {             /* 1234.0; 1e15 as 1000000000000000.0 */
        o += sprintf(o, "%s", digits);
        for (int k = nd; k <= exp; k++) *o++ = '0';
        sprintf(o, ".0");
    } else {                                /* 12.34 */
        memcpy(o, digits, (size_t)exp + 1);
        o += exp + 1;
        sprintf(o, ".%s", digits + exp + 1);
    }
    snprintf(buf, size, "%s", out);
}
