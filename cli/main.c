/*
** main.c — clusterscope's entry point.
*/
#include "mpi_driver.h"

int main(int argc, char **argv) { return cs_mpi_main(argc, argv); }
