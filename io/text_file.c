/*
** text_file.c — reading a whole text file.
*/
#include "text_file.h"

#include <errno.h>
#include <stdio.h>

char *cs_read_text_file(const char *path, size_t *len, cs_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        cs_fail(err, "cannot read %s: %s", path, strerror(errno));
        return NULL;
    }
    CS_VEC(char) buf = {0};
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        CS_VEC_RESERVE(buf, buf.len + n + 1);
        memcpy(buf.items + buf.len, chunk, n);
        buf.len += n;
    }
    int failed = ferror(f), saved = errno;
    fclose(f);
    if (failed) {
        free(buf.items);
        cs_fail(err, "cannot read %s: %s", path, strerror(saved));
        return NULL;
    }
    CS_VEC_RESERVE(buf, buf.len + 1);
    buf.items[buf.len] = '\0';
    if (len) *len = buf.len;
    return buf.items;
}
