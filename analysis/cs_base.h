/*
** cs_base.h — small shared definitions used by every clusterscope module:
** the error-message carrier and a growable array.
**
** Error convention (SQLite style): a function that can fail returns 0 on
** success and -1 on failure, and writes a one-line, human-readable message
** into a caller-owned cs_err.  Library code never prints; cli/ does.
*/
#ifndef CS_BASE_H
#define CS_BASE_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CS_ERR_LEN 1024

typedef struct cs_err {
    char msg[CS_ERR_LEN];
} cs_err;

/* Formats a message into err (if non-NULL) and returns -1, so callers can
** write `return cs_fail(err, "...", ...);`. */
int cs_fail(cs_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Aborts the process on allocation failure: every allocation in clusterscope
** is small relative to the machine, so out-of-memory is treated as fatal
** rather than threaded through every call path. */
void *cs_xmalloc(size_t n);
void *cs_xcalloc(size_t n, size_t size);
void *cs_xrealloc(void *p, size_t n);
char *cs_xstrdup(const char *s);
/* printf into a freshly allocated string; the caller frees it. */
char *cs_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Growable array of T: `CS_VEC(T) v = {0};`, push with CS_VEC_PUSH, free
** with free(v.items).  The struct owns its items buffer. */
#define CS_VEC(T) struct { T *items; size_t len, cap; }

#define CS_VEC_RESERVE(v, n)                                                  \
    do {                                                                      \
        if ((n) > (v).cap) {                                                  \
            size_t cs_nc_ = (v).cap ? (v).cap * 2 : 16;                       \
            while (cs_nc_ < (n)) cs_nc_ *= 2;                                 \
            (v).items = cs_xrealloc((v).items, cs_nc_ * sizeof(*(v).items));  \
            (v).cap = cs_nc_;                                                 \
        }                                                                     \
    } while (0)

#define CS_VEC_PUSH(v, x)                                                     \
    do {                                                                      \
        CS_VEC_RESERVE(v, (v).len + 1);                                       \
        (v).items[(v).len++] = (x);                                           \
    } while (0)

#define CS_INVALID_U32 4294967295LL
#define CS_INVALID_U16 65535LL

/* Plausible profiler timestamps: 2000-01-01 .. 2100-01-01 in ns since the
** epoch (input-formats.md §5).  Anything else is an absurd value. */
#define CS_TIME_MIN_NS 946684800000000000LL
#define CS_TIME_MAX_NS 4102444800000000000LL

#endif
