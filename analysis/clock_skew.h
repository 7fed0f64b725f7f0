/*
** clock_skew.h — host clock offsets estimated from the leave times of the
** communication instances that hosts share (analyses.md §8.4).
**
** Members of one instance leave nearly together (1–3 µs), so the difference
** of the median leave times of two hosts in one instance is a sample of the
** difference of their clocks.  The reference host (the host of the lowest
** analysed rank) has offset 0; the other hosts are chained breadth-first:
** offset(h) = offset(parent) + median of the samples of h against parent.
**
** Pure computation; straggler.c calls it before the wait attribution and
** writes ClusterClockOffsets from the result.
**
** Ownership: inputs are borrowed; cs_skew_result owns its hosts array; free
** it with cs_skew_result_free().
*/
#ifndef CS_CLOCK_SKEW_H
#define CS_CLOCK_SKEW_H

#include <stdbool.h>
#include "cs_base.h"

/* One member op of one instance. */
typedef struct cs_skew_member {
    uint32_t host;          /* host index; hosts are numbered in ascending
                            ** (hostName, hostUid) order: the BFS visits hosts
                            ** at equal distance in index order */
    int64_t leave_ns;       /* COMMUNICATION_OP.endNs, the host's own clock */
    double sync_ms;         /* Synchronization time (§2.c.1), NAN when unknown */
} cs_skew_member;

/* The offset of one host. */
typedef struct cs_skew_host {
    bool reached;           /* false: not reached from the reference host: no
                            ** offset (NULL); its times stay uncorrected */
    int64_t offset_ns;      /* clock of the host − clock of the reference host; 0 if !reached */
    int64_t instances;      /* samples behind offset_ns (0 for the reference host) */
    uint32_t parent;        /* BFS parent; UINT32_MAX for the reference host and unreached hosts */
    double limit_us;        /* max(50, median Synchronization time in µs of the
                            ** member ops of the sampled instances) */
    bool warn;              /* |offset_ns / 1000| > limit_us */
} cs_skew_host;

typedef struct cs_skew_result {
    cs_skew_host *hosts;    /* nhosts entries, by host index */
    size_t nhosts;
    int64_t hosts_unreached;        /* hosts without an offset */
    int64_t instances_uncorrected;  /* instances with members on two or more hosts
                                    ** without an offset (attributed uncorrected) */
} cs_skew_result;

/*
** Computes every host's offset.
**
** nhosts: number of hosts (indices 0..nhosts-1); ref_host: the reference
** host's index (< nhosts).  Instance i has the members
** members[first[i] .. first[i+1]) (first has ninstances + 1 entries), in any
** order; instances with members on a single host contribute nothing.
** out must be zeroed or freed; it is filled completely.
** Cost: O(M log M) over the M members, plus, per host, the members of the
** instances behind its offset (the Synchronization median).
*/
void cs_clock_skew_compute(size_t nhosts, uint32_t ref_host,
                           const cs_skew_member *members, const size_t *first,
                           size_t ninstances, cs_skew_result *out);

/* "clock offset X us exceeds Y us; cross-host waits corrected", X =
** offset_ns / 1000 signed, X and Y with one decimal.  The caller frees. */
char *cs_clock_skew_warning(int64_t offset_ns, double limit_us);

/* Median of v[0..n) in the integer form of analyses.md §8.3: the middle
** value, for an even count a + (b − a) / 2 (rounded down).  Sorts v in
** place; n must be > 0. */
int64_t cs_median_i64(int64_t *v, size_t n);

/* Median of v[0..n) as a double: the middle value, for an even count the
** mean of the two middle values.  Sorts v in place; n must be > 0. */
double cs_median_f64(double *v, size_t n);

/* Frees what r owns and zeroes it; NULL is a no-op. */
void cs_skew_result_free(cs_skew_result *r);

#endif
