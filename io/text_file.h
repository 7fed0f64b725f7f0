/*
** text_file.h — reading a whole (small) text file, for the JSON documents
** clusterscope reads: profiler_metadata.json, profiler_info_*.json and the
** summary.json files of `compare`.
*/
#ifndef CS_TEXT_FILE_H
#define CS_TEXT_FILE_H

#include "cs_base.h"

/* Returns the file's bytes NUL-terminated (the caller frees; *len, when
** non-NULL, gets the length), or NULL with "cannot read PATH: REASON". */
char *cs_read_text_file(const char *path, size_t *len, cs_err *err);

#endif
