/*
** json_print.h — prints a cJSON tree in the layout of Python's
** json.dumps(obj, indent=2, ensure_ascii=False) plus a final newline
** (outputs.md §5).  Numbers are expected as cJSON_Raw items (made with
** cJSON_CreateRaw from cs_format_double or an integer) and are printed
** verbatim; cJSON_Number items are printed as integers when whole and
** below 2^53 in magnitude, else by cs_format_double (NaN and ±Inf: null).
** Strings are UTF-8 as given; only '"', '\\' and control characters are
** escaped (\n \r \t \b \f, others \u00xx), as Python does.
*/
#ifndef CS_JSON_PRINT_H
#define CS_JSON_PRINT_H

#include <cjson/cJSON.h>

/* Returns a newly allocated string; the caller frees it with free().
** Returns NULL when item is NULL or the tree holds an item cJSON could not
** print either (cJSON_Invalid, a string or raw item without text, an object
** member without a key). */
char *cs_json_print(const cJSON *item);

#endif
