/*
** interval.h — the interval algebra behind the overlap analysis
** (analyses.md §2.0): merging, lengths, differences and spans of half-open
** integer ranges in ns.
*/
#ifndef CS_INTERVAL_H
#define CS_INTERVAL_H

#include <stddef.h>
#include <stdint.h>

typedef struct cs_range {
    int64_t start, end;     /* end >= start; zero-length ranges are valid */
} cs_range;

/* Sorts r by start and merges in place every range whose start <= the
** current end (touching ranges merge, as the reference does).  Returns the
** number of merged ranges, which are sorted and disjoint. */
size_t cs_ranges_merge(cs_range *r, size_t n);

/* Σ (end − start) of a list of disjoint ranges. */
int64_t cs_ranges_length(const cs_range *m, size_t n);

/* |A ∩ B| for two merged (sorted, disjoint) lists. */
int64_t cs_ranges_intersection_length(const cs_range *a, size_t na,
                                      const cs_range *b, size_t nb);

/* max end − min start over both merged lists; 0 when both are empty. */
int64_t cs_ranges_span(const cs_range *a, size_t na, const cs_range *b, size_t nb);

#endif
