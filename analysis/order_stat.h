/*
** order_stat.h — exact percentiles of values that are too many to hold,
** read in a few passes.
**
** The workbook's outlier rules need type-7 percentiles over every per-op
** row of the communication tables, which wait in spools on process 0.
** Rather than load them, a radix selection finds the two order statistics
** the percentile interpolates between: each double maps to a 64-bit key
** in the same order, and each pass fixes 16 more bits of the wanted keys by
** counting the values that share the bits already fixed.  Four passes over
** the values, 512 KB of counters per wanted statistic (two per metric), and
** the result is the type-7 percentile of the sorted values, v[lo] + (h −
** lo)(v[lo + 1] − v[lo]) with h = (n − 1) p.  −0 sorts just below +0 (a
** sort that holds them equal may pick either); a NaN sorts by its sign bit.
** The counters cost 1 MB per metric whatever the count: meant for many
** values, not a handful.
**
** Use: cs_order_stats_new(), then repeat { feed every value of every metric
** with cs_order_stats_add() } while cs_order_stats_end_pass() says another
** pass is needed; then read cs_order_stats_percentile().  Every pass must
** feed the same values (in any order).
**
** Ownership: the caller frees the state with cs_order_stats_free().
*/
#ifndef CS_ORDER_STAT_H
#define CS_ORDER_STAT_H

#include <stdbool.h>
#include "cs_base.h"

typedef struct cs_order_stats cs_order_stats;

/* State for nmetrics metrics; metric i's percentile is p[i] in [0, 1]. */
cs_order_stats *cs_order_stats_new(size_t nmetrics, const double *p);
/* One value of metric m in the current pass. */
void cs_order_stats_add(cs_order_stats *s, size_t m, double v);
/* Ends a pass: true when another pass (of the same values) is needed. */
bool cs_order_stats_end_pass(cs_order_stats *s);
/* Metric m's type-7 percentile; *n receives how many values it had (the
** percentile is 0 when there were none). */
double cs_order_stats_percentile(const cs_order_stats *s, size_t m, size_t *n);
void cs_order_stats_free(cs_order_stats *s);

#endif
