/*
** csv_writer.c — cs_table to CSV, byte for byte as the reference's pandas
** to_csv(index=False) writes it (outputs.md §2 "CSV bytes").
**
** The file is written through a private buffer with write(2) rather than
** stdio so that the errno of the first failing write is the one reported.
*/
#include "csv_writer.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#define CSV_BUF_SIZE (64 * 1024)

/* ---------------------------------------------------------------- folders */

/* mkdir for one folder; an existing folder is fine.  New folders get 0750
** whatever the umask (outputs.md §3). */
static int make_dir(const char *dir)
{
    struct stat st;
    if (mkdir(dir, 0750) == 0) return chmod(dir, 0750);
    if (errno != EEXIST) return -1;
    if (stat(dir, &st) != 0) return -1;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}

int cs_make_parent_dirs(const char *path, cs_err *err)
{
    char *dir = cs_xstrdup(path);
    char *slash = strrchr(dir, '/');
    int rc = 0;

    if (slash && slash != dir) {
        *slash = '\0';
        /* Walk the prefixes left to right: "a", "a/b", ... */
        for (char *p = dir + 1; rc == 0; p++) {
            if (*p != '/' && *p != '\0') continue;
            char c = *p;
            *p = '\0';
            if (make_dir(dir) != 0) {
                rc = cs_fail(err, "cannot write %s: cannot create folder %s: %s", path, dir,
                             strerror(errno));
            }
            *p = c;
            if (c == '\0') break;
        }
    }
    free(dir);
    return rc;
}

/* ----------------------------------------------------------------- output */

typedef struct csv_out {
    int fd;
    int err_no;          /* errno of the first failed write; 0 while fine */
    size_t len;
    char *buf;
} csv_out;

static void out_flush(csv_out *o)
{
    size_t done = 0;
    while (o->err_no == 0 && done < o->len) {
        ssize_t n = write(o->fd, o->buf + done, o->len - done);
        if (n > 0) done += (size_t)n;
        else if (n < 0 && errno == EINTR) continue;
        else o->err_no = n < 0 ? errno : EIO;
    }
    o->len = 0;
}

static void out_bytes(csv_out *o, const char *s, size_t n)
{
    while (n > 0 && o->err_no == 0) {
        if (o->len == CSV_BUF_SIZE) out_flush(o);
        size_t k = CSV_BUF_SIZE - o->len;
        if (k > n) k = n;
        memcpy(o->buf + o->len, s, k);
        o->len += k;
        s += k;
        n -= k;
    }
}

static void out_str(csv_out *o, const char *s)
{
    out_bytes(o, s, strlen(s));
}

/* RFC 4180, quoting only where needed — Python's csv.QUOTE_MINIMAL. */
static void out_field(csv_out *o, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        out_str(o, s);
        return;
    }
    out_bytes(o, "\"", 1);
    for (const char *q; (q = strchr(s, '"')) != NULL; s = q + 1) {
        out_bytes(o, s, (size_t)(q - s + 1));
        out_bytes(o, "\"", 1);
    }
    out_str(o, s);
    out_bytes(o, "\"", 1);
}

/* Python's csv module writes a record that is one empty field as `""`, so
** that it does not read back as a blank line; pandas inherits that. */
static void out_end_row(csv_out *o, size_t ncols, int empty)
{
    if (ncols == 1 && empty) out_bytes(o, "\"\"", 2);
    out_bytes(o, "\n", 1);
}

static void out_header(csv_out *o, const cs_table *t)
{
    int empty = 1;
    for (size_t c = 0; c < t->ncols; c++) {
        const char *name = t->cols[c].csv_name ? t->cols[c].csv_name : t->cols[c].db_name;
        if (c) out_bytes(o, ",", 1);
        out_field(o, name ? name : "");
        empty = !name || !*name;
    }
    out_end_row(o, t->ncols, empty);
}

/* Writes one cell; returns 0, or -1 for a non-finite REAL (left empty). */
static int out_cell(csv_out *o, const cs_cell *cell, int *empty)
{
    char num[48];
    *empty = 0;
    switch (cell->kind) {
    case CS_CELL_INT:
        snprintf(num, sizeof num, "%" PRId64, cell->i);
        out_str(o, num);
        return 0;
    case CS_CELL_REAL:
        if (!isfinite(cell->d)) {
            *empty = 1;
            return -1;
        }
        cs_format_double(cell->d, num, sizeof num);
        out_str(o, num);
        return 0;
    case CS_CELL_TEXT:
        out_field(o, cell->s);
        *empty = cell->s[0] == '\0';
        return 0;
    case CS_CELL_NULL:
    default:
        *empty = 1;
        return 0;
    }
}

/* Writes the rows; returns the first column holding a non-finite value, or
** (size_t)-1. */
static size_t out_rows(csv_out *o, const cs_table *t)
{
    size_t bad_col = (size_t)-1, nrows = cs_table_nrows(t);
    for (size_t r = 0; r < nrows && o->err_no == 0; r++) {
        int empty = 1;
        for (size_t c = 0; c < t->ncols; c++) {
            if (c) out_bytes(o, ",", 1);
            if (out_cell(o, cs_table_cell(t, r, c), &empty) != 0 && bad_col == (size_t)-1)
                bad_col = c;
        }
        out_end_row(o, t->ncols, empty);
    }
    return bad_col;
}

/* Opens path for writing, truncated.  A regular file gets mode 0640 even
** when it existed with another mode; the chmod is best effort, since a
** file we may write but do not own (EPERM) still takes the data. */
static int open_output(const char *path, int *is_reg)
{
    struct stat st;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0) return -1;
    *is_reg = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    if (*is_reg && (st.st_mode & 07777) != 0640) (void)fchmod(fd, 0640);
    return fd;
}

struct cs_csv_out {
    csv_out o;
    char *path;
    int is_reg;
    cs_table head;          /* the columns, no cells: names the table in messages */
    size_t bad_col;         /* first column with a non-finite value, or (size_t)-1 */
};

cs_csv_out *cs_csv_open(const cs_table *t, const char *path, cs_err *err)
{
    if (cs_table_check_shape(t, err) != 0) return NULL;
    if (cs_make_parent_dirs(path, err) != 0) return NULL;
    cs_csv_out *out = cs_xcalloc(1, sizeof *out);
    out->o.fd = open_output(path, &out->is_reg);
    if (out->o.fd < 0) {
        cs_fail(err, "cannot write %s: %s", path, strerror(errno));
        free(out);
        return NULL;
    }
    out->o.buf = cs_xmalloc(CSV_BUF_SIZE);
    out->path = cs_xstrdup(path);
    cs_table_init(&out->head, t->db_name, t->cols, t->ncols);
    out->bad_col = (size_t)-1;
    out_header(&out->o, t);
    return out;
}

int cs_csv_append(cs_csv_out *out, const cs_table *t, cs_err *err)
{
    if (cs_table_check_shape(t, err) != 0) return -1;
    if (t->ncols != out->head.ncols)
        return cs_fail(err, "internal error: table %s written with %zu columns, then %zu",
                       t->db_name ? t->db_name : "?", out->head.ncols, t->ncols);
    size_t bad = out_rows(&out->o, t);
    if (out->bad_col == (size_t)-1) out->bad_col = bad;
    return 0;
}

int cs_csv_close(cs_csv_out *out, cs_err *err)
{
    if (!out) return 0;
    out_flush(&out->o);
    if (close(out->o.fd) != 0 && out->o.err_no == 0) out->o.err_no = errno;
    int rc = 0;
    if (out->o.err_no != 0) {
        /* A truncated CSV reads like a complete one; leave none behind.
        ** Only regular files: never unlink a device such as /dev/full. */
        if (out->is_reg) unlink(out->path);
        rc = cs_fail(err, "cannot write %s: %s", out->path, strerror(out->o.err_no));
    } else if (out->bad_col != (size_t)-1) {
        rc = cs_table_fail_nonfinite(&out->head, out->bad_col, err);
    }
    free(out->o.buf);
    free(out->path);
    free(out);
    return rc;
}

int cs_csv_write(const cs_table *t, const char *path, cs_err *err)
{
    cs_csv_out *out = cs_csv_open(t, path, err);
    if (!out) return -1;
    cs_err close_err;
    int rc = cs_csv_append(out, t, err);
    if (cs_csv_close(out, &close_err) && rc == 0) rc = cs_fail(err, "%s", close_err.msg);
    return rc;
}
