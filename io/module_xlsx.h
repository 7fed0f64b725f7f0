/*
** module_xlsx.h — the per-rank ModuleStatistic/module_statistic_{rank}.xlsx
** files, formatted exactly as msprof-analyze writes them (analyses.md §2.a
** "Outputs"): sheet Sheet1, Times New Roman, bordered cells, header fill
** #AFEEEE, widths 40,40,40,50,10,10,10, vertical merges of equal
** consecutive Parent Module cells and, independently, Module cells.
*/
#ifndef CS_MODULE_XLSX_H
#define CS_MODULE_XLSX_H

#include "table.h"

/* t: the seven columns of the per-rank module table, in the reference's
** order (parent, module, op, kernels, total, avg, count). */
int cs_write_module_rank_xlsx(const char *path, const cs_table *t, cs_err *err);

#endif
