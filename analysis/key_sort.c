/*
** key_sort.c — stable LSD radix sort by an int64 key (see key_sort.h).
**
** The passes move (key offset, position) pairs of 16 bytes, not the
** records, and 11-bit digits keep the passes to three or four for the
** ranges of nanosecond times in a profile; the records are permuted once
** at the end.
*/
#include "key_sort.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "cs_base.h"

#define DIGIT_BITS 11
#define BUCKETS (1u << DIGIT_BITS)

typedef struct keyed { uint64_t key; size_t pos; } keyed;

static int64_t key_at(const unsigned char *records, size_t i, size_t size, size_t key_off)
{
    int64_t k;
    memcpy(&k, records + i * size + key_off, sizeof k);
    return k;
}

/* One counting pass on the digit at `shift`, stable, from src to dst. */
static void radix_pass(const keyed *src, keyed *dst, size_t n, unsigned shift)
{
    size_t count[BUCKETS + 1] = {0};
    for (size_t i = 0; i < n; i++) count[(src[i].key >> shift & (BUCKETS - 1)) + 1]++;
    for (size_t b = 1; b <= BUCKETS; b++) count[b] += count[b - 1];
    for (size_t i = 0; i < n; i++) dst[count[src[i].key >> shift & (BUCKETS - 1)]++] = src[i];
}

void cs_sort_by_i64_key(void *records, size_t n, size_t size, size_t key_off)
{
    unsigned char *a = records;
    bool sorted = true;
    int64_t min = n ? key_at(a, 0, size, key_off) : 0, max = min;
    for (size_t i = 1; i < n; i++) {
        int64_t k = key_at(a, i, size, key_off);
        if (k < key_at(a, i - 1, size, key_off)) sorted = false;
        if (k < min) min = k;
        if (k > max) max = k;
    }
    if (sorted) return;
    keyed *src = cs_xmalloc(n * sizeof *src), *dst = cs_xmalloc(n * sizeof *dst);
    for (size_t i = 0; i < n; i++) src[i] = (keyed){(uint64_t)key_at(a, i, size, key_off) - (uint64_t)min, i};
    uint64_t range = (uint64_t)max - (uint64_t)min;
    for (unsigned shift = 0; shift < 64 && (range >> shift) != 0; shift += DIGIT_BITS) {
        radix_pass(src, dst, n, shift);
        keyed *t = src;
        src = dst;
        dst = t;
    }
    unsigned char *out = (unsigned char *)dst;   /* reused when the records fit in it */
    if (size > sizeof *dst) out = cs_xmalloc(n * size);
    for (size_t i = 0; i < n; i++) memcpy(out + i * size, a + src[i].pos * size, size);
    memcpy(a, out, n * size);
    if (out != (unsigned char *)dst) free(out);
    free(src);
    free(dst);
}
