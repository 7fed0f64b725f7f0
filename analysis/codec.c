/*
** codec.c — binary encoding of per-rank summaries.
*/
#include "codec.h"

static void put_bytes(cs_encoder *e, const void *p, size_t n)
{
    if (e->len + n > e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 256;
        while (cap < e->len + n) cap *= 2;
        e->buf = cs_xrealloc(e->buf, cap);
        e->cap = cap;
    }
    memcpy(e->buf + e->len, p, n);
    e->len += n;
}

void cs_put_i64(cs_encoder *e, int64_t v) { put_bytes(e, &v, sizeof v); }
void cs_put_f64(cs_encoder *e, double v) { put_bytes(e, &v, sizeof v); }

void cs_put_str(cs_encoder *e, const char *s)
{
    int64_t n = s ? (int64_t)strlen(s) : -1;
    cs_put_i64(e, n);
    if (n > 0) put_bytes(e, s, (size_t)n);
}

static bool get_bytes(cs_decoder *d, void *p, size_t n)
{
    if (d->failed || d->len - d->pos < n) {
        d->failed = true;
        memset(p, 0, n);
        return false;
    }
    memcpy(p, d->buf + d->pos, n);
    d->pos += n;
    return true;
}

int64_t cs_get_i64(cs_decoder *d)
{
    int64_t v;
    get_bytes(d, &v, sizeof v);
    return v;
}

double cs_get_f64(cs_decoder *d)
{
    double v;
    get_bytes(d, &v, sizeof v);
    return v;
}

char *cs_get_str(cs_decoder *d)
{
    int64_t n = cs_get_i64(d);
    if (n < 0 || d->failed) return NULL;
    if ((uint64_t)n > d->len - d->pos) {
        d->failed = true;
        return NULL;
    }
    char *s = cs_xmalloc((size_t)n + 1);
    get_bytes(d, s, (size_t)n);
    s[n] = '\0';
    return s;
}

char *cs_get_str_or_empty(cs_decoder *d)
{
    char *s = cs_get_str(d);
    return s ? s : cs_xstrdup("");
}
