/*
** main.c — clusterscope's entry point.
*/
#include <string.h>

#include "compare.h"
#include "mpi_driver.h"

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "compare") == 0) return cs_compare_main(argc - 1, argv + 1);
    return cs_mpi_main(argc, argv);
}
