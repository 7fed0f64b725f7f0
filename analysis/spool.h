/*
** spool.h — a place to park bytes that a reduce hands back later, in
** another order than they came in.
**
** Process 0 receives the ranks' results in whatever order the MPI processes
** finish them, but the tables it writes are ordered step first, then rank.
** Rather than hold every rank's rows until the end, the reduce writes each
** rank's rows to a spool as they arrive and keeps only where they are; the
** table writers read them back a block at a time.  The analyses stay pure:
** they see this interface only.  cs_spool_memory() keeps the bytes in memory
** (unit tests, small runs); io/file_spool.h keeps them in an unlinked
** temporary file, which is what keeps process 0's memory flat.
**
** Ownership: whoever holds the spool closes it once (close frees it).
*/
#ifndef CS_SPOOL_H
#define CS_SPOOL_H

#include "cs_base.h"

typedef struct cs_spool cs_spool;

struct cs_spool {
    /* Appends size bytes; *at receives their offset.  0, or -1 with a message. */
    int (*write)(cs_spool *sp, const void *data, size_t size, uint64_t *at, cs_err *err);
    /* Reads size bytes written at offset at.  0, or -1 with a message. */
    int (*read)(cs_spool *sp, uint64_t at, void *data, size_t size, cs_err *err);
    /* Frees the spool and everything it holds. */
    void (*close)(cs_spool *sp);
};

/* A spool in memory (a growing buffer). */
cs_spool *cs_spool_memory(void);

/* Convenience wrappers; cs_spool_close(NULL) is a no-op. */
static inline int cs_spool_write(cs_spool *sp, const void *data, size_t size, uint64_t *at, cs_err *err)
{
    return sp->write(sp, data, size, at, err);
}

static inline int cs_spool_read(cs_spool *sp, uint64_t at, void *data, size_t size, cs_err *err)
{
    return sp->read(sp, at, data, size, err);
}

static inline void cs_spool_close(cs_spool *sp)
{
    if (sp) sp->close(sp);
}

/*
** A log of fixed-size records in a spool of its own: appended in batches,
** read back by index.  Ownership: the log owns its spool.
*/
typedef struct cs_record_log {
    cs_spool *spool;
    size_t size;                    /* bytes per record */
    size_t count;                   /* records appended */
    CS_VEC(unsigned char) batch;    /* appended, not yet written */
} cs_record_log;

/* A new log of records of `size` bytes in spool (taken over). */
void cs_record_log_init(cs_record_log *log, cs_spool *spool, size_t size);
/* 0, or -1 with a message when a batch could not be written. */
int cs_record_log_append(cs_record_log *log, const void *rec, cs_err *err);
/* Writes what is pending: call once after the last append, before reading. */
int cs_record_log_flush(cs_record_log *log, cs_err *err);
/* Records [first, first + n) into out: 0, or -1 with a message. */
int cs_record_log_read(const cs_record_log *log, size_t first, size_t n, void *out, cs_err *err);
/* Frees the log and its spool and zeroes it; a zeroed log is a no-op. */
void cs_record_log_free(cs_record_log *log);

#endif
