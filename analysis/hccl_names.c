/*
** hccl_names.c — group-name hash and op-name rules.
*/
#include "hccl_names.h"

#include <ctype.h>
#include <string.h>

/* Decodes one UTF-8 code point; invalid bytes count as themselves so that
** the hash is still defined (and stable) for malformed names. */
static uint32_t next_code_point(const unsigned char **p)
{
    const unsigned char *s = *p;
    uint32_t c = s[0];
    int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
    if (extra) {
        uint32_t cp = c & (0x3F >> extra);
        for (int i = 1; i <= extra; i++) {
            if ((s[i] & 0xC0) != 0x80) { *p = s + 1; return c; }
            cp = (cp << 6) | (s[i] & 0x3F);
        }
        *p = s + extra + 1;
        return cp;
    }
    *p = s + 1;
    return c;
}

uint64_t cs_double_hash(const char *s)
{
    uint32_t h0 = 0, h1 = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        uint32_t cp = next_code_point(&p);
        h0 = h0 * 29u + cp;
        h1 = h1 * 131u + cp;
    }
    return ((uint64_t)h0 << 32) | h1;
}

static bool starts_with_ci(const char *s, const char *prefix)
{
    for (; *prefix; s++, prefix++)
        if (tolower((unsigned char)*s) != *prefix) return false;
    return true;
}

static bool contains_ci(const char *s, const char *needle)
{
    for (; *s; s++)
        if (starts_with_ci(s, needle)) return true;
    return false;
}

bool cs_is_p2p_by_type_rule(const char *op_name)
{
    return starts_with_ci(op_name, "hcom_send") ||
           starts_with_ci(op_name, "hcom_receive") ||
           starts_with_ci(op_name, "hcom_batchsendrecv");
}

bool cs_is_p2p_by_group_rule(const char *op_name)
{
    return contains_ci(op_name, "send") || contains_ci(op_name, "receive") ||
           contains_ci(op_name, "recv");
}

bool cs_is_bubble_op(const char *op_name)
{
    return strncmp(op_name, "hcom_receive", 12) == 0;
}
