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

/* A batch is written once it holds this many bytes. */
#define LOG_BATCH (64 * 1024)

void cs_record_log_init(cs_record_log *log, cs_spool *spool, size_t size)
{
    memset(log, 0, sizeof *log);
    log->spool = spool;
    log->size = size;
}

int cs_record_log_flush(cs_record_log *log, cs_err *err)
{
    uint64_t at;
    if (!log->batch.len) return 0;
    int rc = cs_spool_write(log->spool, log->batch.items, log->batch.len, &at, err);
    log->batch.len = 0;
    return rc;
}

int cs_record_log_append(cs_record_log *log, const void *rec, cs_err *err)
{
    CS_VEC_RESERVE(log->batch, log->batch.len + log->size);
    memcpy(log->batch.items + log->batch.len, rec, log->size);
    log->batch.len += log->size;
    log->count++;
    return log->batch.len >= LOG_BATCH ? cs_record_log_flush(log, err) : 0;
}

int cs_record_log_read(const cs_record_log *log, size_t first, size_t n, void *out, cs_err *err)
{
    if (first > log->count || n > log->count - first)
        return cs_fail(err, "record log: records %zu..%zu of %zu", first, first + n, log->count);
    /* the spool holds nothing but the records, in order, from offset 0 */
    return n ? cs_spool_read(log->spool, (uint64_t)first * log->size, out, n * log->size, err) : 0;
}

void cs_record_log_free(cs_record_log *log)
{
    cs_spool_close(log->spool);
    free(log->batch.items);
    memset(log, 0, sizeof *log);
}
