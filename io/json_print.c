/*
** json_print.c — a cJSON tree in the layout of Python's
** json.dumps(obj, indent=2, ensure_ascii=False) + "\n" (outputs.md §5).
**
** cJSON_Print cannot do this: it indents with tabs and keeps arrays on one
** line.  The printer only reads the tree.
*/
#include "json_print.h"
#include "table.h"

#include <math.h>
#include <stdio.h>

typedef struct jbuf {
    char *s;
    size_t len, cap;
} jbuf;

static void put(jbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1) cap *= 2;
        b->s = cs_xrealloc(b->s, cap);
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void puts_(jbuf *b, const char *s)
{
    put(b, s, strlen(s));
}

static void newline(jbuf *b, int depth)
{
    put(b, "\n", 1);
    for (int k = 0; k < depth; k++) put(b, "  ", 2);
}

/* Python's json escapes '"', '\\' and U+0000..U+001F only (with
** ensure_ascii=False); five of those have short forms, the rest \u00xx with
** lowercase hex.  Other bytes, UTF-8 included, are copied. */
static void put_string(jbuf *b, const char *s)
{
    put(b, "\"", 1);
    for (const char *run = s;; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        put(b, run, (size_t)(s - run));
        if (c == '\0') break;
        char esc[8];
        switch (c) {
        case '"':  puts_(b, "\\\""); break;
        case '\\': puts_(b, "\\\\"); break;
        case '\n': puts_(b, "\\n"); break;
        case '\r': puts_(b, "\\r"); break;
        case '\t': puts_(b, "\\t"); break;
        case '\b': puts_(b, "\\b"); break;
        case '\f': puts_(b, "\\f"); break;
        default:
            snprintf(esc, sizeof esc, "\\u%04x", c);
            puts_(b, esc);
        }
        run = s + 1;
    }
    put(b, "\"", 1);
}

/* cJSON keeps one double per number.  Whole values below 2^53 are printed
** as integers (counts and ranks); NaN and ±Inf have no JSON form and print
** as null, as cJSON_Print does. */
static void put_number(jbuf *b, double v)
{
    char num[48];
    if (!isfinite(v)) snprintf(num, sizeof num, "null");
    else if (v == floor(v) && fabs(v) < 9007199254740992.0)
        snprintf(num, sizeof num, "%lld", (long long)v);
    else cs_format_double(v, num, sizeof num);
    puts_(b, num);
}

static int put_item(jbuf *b, const cJSON *item, int depth);

/* Arrays and objects: "[]"/"{}" when empty, else one child per line. */
static int put_container(jbuf *b, const cJSON *item, int depth, int is_object)
{
    const cJSON *child = item->child;
    put(b, is_object ? "{" : "[", 1);
    for (const cJSON *c = child; c; c = c->next) {
        newline(b, depth + 1);
        if (is_object) {
            if (!c->string) return -1;
            put_string(b, c->string);
            put(b, ": ", 2);
        }
        if (put_item(b, c, depth + 1) != 0) return -1;
        if (c->next) put(b, ",", 1);
    }
    if (child) newline(b, depth);
    put(b, is_object ? "}" : "]", 1);
    return 0;
}

static int put_item(jbuf *b, const cJSON *item, int depth)
{
    switch (item->type & 0xFF) {
    case cJSON_False:  puts_(b, "false"); return 0;
    case cJSON_True:   puts_(b, "true"); return 0;
    case cJSON_NULL:   puts_(b, "null"); return 0;
    case cJSON_Number: put_number(b, item->valuedouble); return 0;
    case cJSON_String:
        if (!item->valuestring) return -1;
        put_string(b, item->valuestring);
        return 0;
    case cJSON_Raw:
        if (!item->valuestring) return -1;
        puts_(b, item->valuestring);
        return 0;
    case cJSON_Array:  return put_container(b, item, depth, 0);
    case cJSON_Object: return put_container(b, item, depth, 1);
    default:           return -1;       /* cJSON_Invalid */
    }
}

char *cs_json_print(const cJSON *item)
{
    jbuf b = { 0 };
    if (!item || put_item(&b, item, 0) != 0) {
        free(b.s);
        return NULL;
    }
    put(&b, "\n", 1);
    return b.s;
}
