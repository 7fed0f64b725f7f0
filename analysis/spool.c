/*
** spool.c — the in-memory spool.
*/
#include "spool.h"

#include <inttypes.h>

typedef struct memory_spool {
    cs_spool base;      /* first: a cs_spool * is a memory_spool * */
    CS_VEC(unsigned char) bytes;
} memory_spool;

static int memory_write(cs_spool *sp, const void *data, size_t size, uint64_t *at, cs_err *err)
{
    (void)err;
    memory_spool *m = (memory_spool *)sp;
    *at = m->bytes.len;
    CS_VEC_RESERVE(m->bytes, m->bytes.len + size);
    if (size) memcpy(m->bytes.items + m->bytes.len, data, size);
    m->bytes.len += size;
    return 0;
}

static int memory_read(cs_spool *sp, uint64_t at, void *data, size_t size, cs_err *err)
{
    memory_spool *m = (memory_spool *)sp;
    if (at > m->bytes.len || size > m->bytes.len - at)
        return cs_fail(err, "spool: read of %zu bytes at %" PRIu64 " past its end (%zu bytes)", size, at,
                       m->bytes.len);
    if (size) memcpy(data, m->bytes.items + at, size);
    return 0;
}

static void memory_close(cs_spool *sp)
{
    memory_spool *m = (memory_spool *)sp;
    free(m->bytes.items);
    free(m);
}

cs_spool *cs_spool_memory(void)
{
    memory_spool *m = cs_xcalloc(1, sizeof *m);
    m->base.write = memory_write;
    m->base.read = memory_read;
    m->base.close = memory_close;
    return &m->base;
}
