/*
** assign.h — splitting the rank databases between the MPI processes.
*/
#ifndef CS_ASSIGN_H
#define CS_ASSIGN_H

#include "discover.h"

/* Longest-processing-time-first: ranks by size descending (ties: lower rank
** first) go to the least-loaded process (ties: lower process).  Fills
** owner[i] with the process of ranks[i].  Deterministic for given input. */
void cs_assign_ranks(const cs_rank_dir *ranks, size_t n, int nprocs, int *owner);

#endif
