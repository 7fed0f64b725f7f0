/*
** file_spool.h — a spool (analysis/spool.h) in a temporary file.
**
** The file is created in $TMPDIR (else /tmp) and unlinked at once, so nothing
** is left behind whatever way the process ends; its pages live in the page
** cache, not in the process.  Writes append at explicit offsets (pwrite)
** and, after a failed one, the spool takes no more; reads use pread.
*/
#ifndef CS_FILE_SPOOL_H
#define CS_FILE_SPOOL_H

#include "spool.h"

/* A new spool in a temporary file of dir (NULL: $TMPDIR, else /tmp).
** NULL with a message in err when the file cannot be created. */
cs_spool *cs_spool_temp_file(const char *dir, cs_err *err);

#endif
