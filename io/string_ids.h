/*
** string_ids.h — resolving STRING_IDS ids to text, each id at most once per
** rank: a small open-addressing map from id to an owned copy, filled on
** demand by a prepared primary-key lookup.
*/
#ifndef CS_STRING_IDS_H
#define CS_STRING_IDS_H

#include <sqlite3.h>
#include "cs_base.h"
#include "db_read.h"

typedef struct cs_string_ids cs_string_ids;

/* Prepares the lookup on r's database (borrowed; must outlive the cache).
** Returns NULL with a message in r->err (and r->schema_error set) when
** STRING_IDS or its columns are missing. */
cs_string_ids *cs_string_ids_new(cs_db *r);
/* The text of id, or "" when the id is unknown or NULL-valued.  The pointer
** stays valid until cs_string_ids_free. */
const char *cs_string_ids_get(cs_string_ids *c, int64_t id);
/* The text of id, or NULL when the id is unknown or NULL-valued (what a
** JOIN to STRING_IDS would drop). */
const char *cs_string_ids_find(cs_string_ids *c, int64_t id);
/* Finalizes the lookup so the database can close; the texts already
** resolved stay valid, further ids resolve to "". */
void cs_string_ids_detach(cs_string_ids *c);
void cs_string_ids_free(cs_string_ids *c);

#endif
