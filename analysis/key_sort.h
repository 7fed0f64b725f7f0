/*
** key_sort.h — a stable sort of records by one int64 field, for the large
** per-rank arrays (TASK rows, CONNECTION_IDS) that qsort spent a tenth of a
** run on.  An LSD radix sort on the key's offset from the smallest key,
** one pass per significant byte: O(n) for the time and id ranges of a
** profile, and a no-op when the records are already in order.
*/
#ifndef CS_KEY_SORT_H
#define CS_KEY_SORT_H

#include <stddef.h>

/* Sorts n records of `size` bytes by the int64_t at byte offset key_off,
** ascending; records with equal keys keep their order. */
void cs_sort_by_i64_key(void *records, size_t n, size_t size, size_t key_off);

#endif
