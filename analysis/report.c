/*
** report.c — collecting and ordering the run's report.
*/
#include "report.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

static char *vformat(const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    char *s = cs_xmalloc((size_t)n + 1);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

void cs_report_skip(cs_report *r, bool has_rank, int64_t rank, const char *path,
                    const char *analysis, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cs_skip s = {has_rank, has_rank ? rank : 0, cs_xstrdup(path ? path : ""),
                 cs_xstrdup(analysis), vformat(fmt, ap)};
    va_end(ap);
    CS_VEC_PUSH(r->skips, s);
}

void cs_report_note(cs_report *r, const char *analysis, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *body = vformat(fmt, ap);
    va_end(ap);
    cs_line l = {CS_LINE_GENERAL, 0, 0, cs_xstrdup(analysis),
                 cs_xasprintf("%s: %s", analysis, body)};
    free(body);
    CS_VEC_PUSH(r->lines, l);
}

void cs_report_count(cs_report *r, int64_t rank, int64_t count,
                     const char *what, const char *analysis)
{
    if (count == 0) return;
    cs_line l = {CS_LINE_RANK, rank, 0, cs_xstrdup(analysis),
                 cs_xasprintf("rank %" PRId64 ": %" PRId64 " %s (%s)", rank,
                              count, what, analysis)};
    CS_VEC_PUSH(r->lines, l);
}

void cs_report_move(cs_report *dst, cs_report *src)
{
    for (size_t i = 0; i < src->skips.len; i++) CS_VEC_PUSH(dst->skips, src->skips.items[i]);
    for (size_t i = 0; i < src->lines.len; i++) CS_VEC_PUSH(dst->lines, src->lines.items[i]);
    src->skips.len = 0;
    src->lines.len = 0;
}

static int cmp_skip(const void *a, const void *b)
{
    const cs_skip *x = a, *y = b;
    if (x->has_rank != y->has_rank) return x->has_rank ? -1 : 1; /* NULL last */
    if (x->has_rank && x->rank != y->rank) return x->rank < y->rank ? -1 : 1;
    int c = strcmp(x->analysis, y->analysis);
    return c ? c : strcmp(x->path, y->path);
}

static int cmp_line(const void *a, const void *b)
{
    const cs_line *x = a, *y = b;
    if (x->kind != y->kind) return x->kind < y->kind ? -1 : 1;
    if (x->kind == CS_LINE_CLOCK_SKEW && x->seq != y->seq) return x->seq < y->seq ? -1 : 1;
    if (x->kind == CS_LINE_RANK && x->rank != y->rank) return x->rank < y->rank ? -1 : 1;
    int c = strcmp(x->analysis, y->analysis);
    return c ? c : strcmp(x->text, y->text);
}

void cs_report_sort(cs_report *r)
{
    if (r->skips.len) qsort(r->skips.items, r->skips.len, sizeof(cs_skip), cmp_skip);
    if (!r->lines.len) return;
    qsort(r->lines.items, r->lines.len, sizeof(cs_line), cmp_line);
    size_t out = 1;
    for (size_t i = 1; i < r->lines.len; i++) {
        cs_line *prev = &r->lines.items[out - 1], *cur = &r->lines.items[i];
        if (strcmp(prev->text, cur->text) == 0) {
            free(cur->analysis);
            free(cur->text);
        } else {
            r->lines.items[out++] = *cur;
        }
    }
    r->lines.len = out;
}

size_t cs_report_ranks_skipped(const cs_report *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->skips.len; i++) {
        const char *a = r->skips.items[i].analysis;
        if (strcmp(a, "discover") == 0 || strcmp(a, "read") == 0) n++;
    }
    return n;
}

void cs_report_free(cs_report *r)
{
    for (size_t i = 0; i < r->skips.len; i++) {
        free(r->skips.items[i].path);
        free(r->skips.items[i].analysis);
        free(r->skips.items[i].reason);
    }
    for (size_t i = 0; i < r->lines.len; i++) {
        free(r->lines.items[i].analysis);
        free(r->lines.items[i].text);
    }
    free(r->skips.items);
    free(r->lines.items);
    memset(r, 0, sizeof *r);
}
