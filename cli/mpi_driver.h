/*
** mpi_driver.h — the only place that talks MPI: process 0 discovers and
** assigns the ranks, every process analyses its share, the small per-rank
** results are gathered on process 0, which merges and writes them.
*/
#ifndef CS_MPI_DRIVER_H
#define CS_MPI_DRIVER_H

/* Runs the whole job; returns the process exit status (same on every
** process). */
int cs_mpi_main(int argc, char **argv);

#endif
