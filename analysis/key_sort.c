/*
** key_sort.c — stable LSD radix sort by an int64 key (see key_sort.h).
*/
#include "key_sort.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "cs_base.h"

static int64_t key_at(const unsigned char *records, size_t i, size_t size, size_t key_off)
{
    int64_t k;
    memcpy(&k, records + i * size + key_off, sizeof k);
    return k;
}

/* One counting pass on byte `shift / 8` of (key - min), from src to dst. */
static void radix_pass(const unsigned char *src, unsigned char *dst, size_t n, size_t size, size_t key_off,
                       int64_t min, unsigned shift)
{
    size_t count[257] = {0};
    for (size_t i = 0; i < n; i++) {
        uint64_t d = ((uint64_t)key_at(src, i, size, key_off) - (uint64_t)min) >> shift & 0xFF;
        count[d + 1]++;
    }
    for (size_t b = 1; b <= 256; b++) count[b] += count[b - 1];
    for (size_t i = 0; i < n; i++) {
        uint64_t d = ((uint64_t)key_at(src, i, size, key_off) - (uint64_t)min) >> shift & 0xFF;
        memcpy(dst + count[d]++ * size, src + i * size, size);
    }
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
    uint64_t range = (uint64_t)max - (uint64_t)min;
    unsigned char *tmp = cs_xmalloc(n * size);
    unsigned char *src = a, *dst = tmp;
    for (unsigned shift = 0; shift < 64 && (range >> shift) != 0; shift += 8) {
        radix_pass(src, dst, n, size, key_off, min, shift);
        unsigned char *t = src;
        src = dst;
        dst = t;
    }
    if (src != a) memcpy(a, src, n * size);
    free(tmp);
}
