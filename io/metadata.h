/*
** metadata.h — the JSON metadata of a rank: parallel_group_info (META_DATA
** or profiler_metadata.json) and distributed_args (profiler_metadata.json).
*/
#ifndef CS_METADATA_H
#define CS_METADATA_H

#include "groups.h"
#include "stage.h"

/* Parses a parallel_group_info object into cs_group_map_add_info calls.
** Returns -1 with a message on malformed JSON. */
int cs_parse_parallel_group_info(const char *json, cs_group_map *m, cs_err *err);

/* Reads profiler_metadata.json: its distributed_args and
** parallel_group_info objects as compact JSON text (caller frees each; NULL
** when absent).  Returns -1 with a message on unreadable or malformed files. */
int cs_read_profiler_metadata(const char *metadata_path, char **distributed_args,
                              char **parallel_group_info, cs_err *err);

/* Fields of a distributed_args JSON text.  Returns -1 if it is not an
** object. */
int cs_parse_dist_args(const char *json, cs_dist_args *out);

/* distributed_args without "rank", printed as Python's json.dumps would
** (", " and ": " separators) for ClusterBaseInfo.  Caller frees. */
char *cs_base_info_text(const char *json);

/* v printed as Python's json.dumps(v) would (", " and ": " separators,
** no indent); whole numbers as integers; cJSON_Raw items (number text made
** with cs_format_double or an integer) verbatim.  Caller frees. */
char *cs_json_dumps(const void *cjson_item);

#endif
