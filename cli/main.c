/*
** main.c — clusterscope's entry point.
*/
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "compare.h"
#include "mpi_driver.h"

/* Every rank allocates and frees the same few large arrays (its TASK rows,
** kernels, links).  With glibc's defaults each of them is a fresh mmap whose
** pages the kernel zero-fills again for every rank: a tenth of the run went to
** page faults.  Keeping them in the heap reuses the pages; the peak (what
** the memory figures measure) does not change. */
static void reuse_freed_memory(void)
{
#ifdef __GLIBC__
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 512 << 20);
#endif
}

int main(int argc, char **argv)
{
    reuse_freed_memory();
    if (argc > 1 && strcmp(argv[1], "compare") == 0) return cs_compare_main(argc - 1, argv + 1);
    return cs_mpi_main(argc, argv);
}
