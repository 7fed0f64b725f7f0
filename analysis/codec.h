/*
** codec.h — a tiny binary encoder/decoder for the per-rank summaries that
** cross MPI processes.  Fixed-width little-endian-as-in-memory integers and
** length-prefixed strings: every process of one job runs the same binary on
** the same kind of machine, so no portable wire format is needed.
*/
#ifndef CS_CODEC_H
#define CS_CODEC_H

#include <stdbool.h>
#include "cs_base.h"

typedef struct cs_encoder {
    unsigned char *buf;     /* owned; hand over with cs_encoder_take */
    size_t len, cap;
} cs_encoder;

void cs_put_i64(cs_encoder *e, int64_t v);
void cs_put_f64(cs_encoder *e, double v);
/* NULL strings are encoded and decoded as NULL. */
void cs_put_str(cs_encoder *e, const char *s);

typedef struct cs_decoder {
    const unsigned char *buf;   /* borrowed */
    size_t len, pos;
    bool failed;                /* set on reading past the end */
} cs_decoder;

int64_t cs_get_i64(cs_decoder *d);
double cs_get_f64(cs_decoder *d);
/* Returns a newly allocated string (or NULL); the caller frees it. */
char *cs_get_str(cs_decoder *d);
/* As cs_get_str, but a NULL string decodes as "" (for fields never NULL). */
char *cs_get_str_or_empty(cs_decoder *d);

#endif
