/*
** file_spool.c — the temporary-file spool.
*/
#include "file_spool.h"

#include <errno.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdio.h>
#include <unistd.h>

typedef struct file_spool {
    cs_spool base;      /* first: a cs_spool * is a file_spool * */
    int fd;
    uint64_t size;      /* bytes written */
    bool broken;        /* a write failed: the spool takes no more */
    char *path;         /* for messages only: the file is already unlinked */
} file_spool;

static int file_write(cs_spool *sp, const void *data, size_t size, uint64_t *at, cs_err *err)
{
    file_spool *f = (file_spool *)sp;
    if (f->broken) return cs_fail(err, "temporary file %s: an earlier write failed", f->path);
    *at = f->size;
    const char *p = data;
    for (size_t done = 0; done < size;) {
        /* at an explicit offset: a partial write that fails leaves no doubt
        ** about where the next record goes (there is none: broken) */
        ssize_t n = pwrite(f->fd, p + done, size - done, (off_t)(f->size + done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            f->broken = true;
            return cs_fail(err, "temporary file %s: cannot write %zu bytes: %s", f->path, size,
                           n < 0 ? strerror(errno) : "no progress");
        }
        done += (size_t)n;
    }
    f->size += size;
    return 0;
}

static int file_read(cs_spool *sp, uint64_t at, void *data, size_t size, cs_err *err)
{
    file_spool *f = (file_spool *)sp;
    if (at > f->size || size > f->size - at)
        return cs_fail(err, "temporary file %s: read of %zu bytes at %" PRIu64 " past its end", f->path, size, at);
    char *p = data;
    for (size_t done = 0; done < size;) {
        ssize_t n = pread(f->fd, p + done, size - done, (off_t)(at + done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0)
            return cs_fail(err, "temporary file %s: cannot read back %zu bytes: %s", f->path, size,
                           n < 0 ? strerror(errno) : "file shorter than written");
        done += (size_t)n;
    }
    return 0;
}

static void file_close(cs_spool *sp)
{
    file_spool *f = (file_spool *)sp;
    close(f->fd);
    free(f->path);
    free(f);
}

cs_spool *cs_spool_temp_file(const char *dir, cs_err *err)
{
    if (!dir) dir = getenv("TMPDIR");
    if (!dir || !*dir) dir = "/tmp";
    char *path = cs_xasprintf("%s/clusterscope-spool-XXXXXX", dir);
    int fd = mkstemp(path);
    if (fd < 0) {
        cs_fail(err, "cannot create a temporary file in %s: %s", dir, strerror(errno));
        free(path);
        return NULL;
    }
    unlink(path);
    file_spool *f = cs_xcalloc(1, sizeof *f);
    f->base.write = file_write;
    f->base.read = file_read;
    f->base.close = file_close;
    f->fd = fd;
    f->path = path;
    return &f->base;
}
