/*
** string_ids.c — an id → text cache over STRING_IDS.
*/
#include "string_ids.h"

typedef struct slot {
    int64_t id;
    char *text;             /* NULL: empty slot; `unknown`: no such id or a NULL value */
} slot;

/* Shared by every id without a text, so a miss costs no allocation and is
** told apart from a real "" by its address. */
static char unknown[] = "";

struct cs_string_ids {
    sqlite3_stmt *lookup;
    slot *slots;
    size_t cap, len;        /* cap is a power of two */
};

cs_string_ids *cs_string_ids_new(cs_db *r)
{
    sqlite3_stmt *st = cs_db_prepare(r, "STRING_IDS", "SELECT value FROM STRING_IDS WHERE id = ?");
    if (!st) return NULL;
    cs_string_ids *c = cs_xcalloc(1, sizeof *c);
    c->lookup = st;
    c->cap = 256;
    c->slots = cs_xcalloc(c->cap, sizeof *c->slots);
    return c;
}

static size_t hash_id(int64_t id) { return (size_t)((uint64_t)id * 0x9E3779B97F4A7C15ull >> 17); }

static slot *find_slot(slot *slots, size_t cap, int64_t id)
{
    size_t i = hash_id(id) & (cap - 1);
    while (slots[i].text && slots[i].id != id) i = (i + 1) & (cap - 1);
    return &slots[i];
}

static void grow(cs_string_ids *c)
{
    size_t cap = c->cap * 2;
    slot *slots = cs_xcalloc(cap, sizeof *slots);
    for (size_t i = 0; i < c->cap; i++)
        if (c->slots[i].text) *find_slot(slots, cap, c->slots[i].id) = c->slots[i];
    free(c->slots);
    c->slots = slots;
    c->cap = cap;
}

static char *query(cs_string_ids *c, int64_t id)
{
    if (!c->lookup) return unknown;
    sqlite3_reset(c->lookup);
    sqlite3_bind_int64(c->lookup, 1, id);
    const unsigned char *text = NULL;
    if (sqlite3_step(c->lookup) == SQLITE_ROW) text = sqlite3_column_text(c->lookup, 0);
    return text ? cs_xstrdup((const char *)text) : unknown;
}

const char *cs_string_ids_find(cs_string_ids *c, int64_t id)
{
    slot *s = find_slot(c->slots, c->cap, id);
    if (s->text) return s->text == unknown ? NULL : s->text;
    if ((c->len + 1) * 2 > c->cap) {
        grow(c);
        s = find_slot(c->slots, c->cap, id);
    }
    s->id = id;
    s->text = query(c, id);
    c->len++;
    return s->text == unknown ? NULL : s->text;
}

const char *cs_string_ids_get(cs_string_ids *c, int64_t id)
{
    const char *text = cs_string_ids_find(c, id);
    return text ? text : "";
}

void cs_string_ids_detach(cs_string_ids *c)
{
    if (!c) return;
    sqlite3_finalize(c->lookup);
    c->lookup = NULL;
}

void cs_string_ids_free(cs_string_ids *c)
{
    if (!c) return;
    for (size_t i = 0; i < c->cap; i++)
        if (c->slots[i].text != unknown) free(c->slots[i].text);
    free(c->slots);
    sqlite3_finalize(c->lookup);
    free(c);
}
