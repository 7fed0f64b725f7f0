/*
** metadata.c — parsing the JSON metadata with cJSON.
*/
#include "metadata.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>

#include "table.h"
#include "text_file.h"

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static void parse_one_group(const cJSON *item, cs_group_map *m)
{
    cs_parallel_group g = {0};
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(item, "group_name");
    const cJSON *ranks = cJSON_GetObjectItemCaseSensitive(item, "global_ranks");
    g.group_id = cs_xstrdup(item->string);
    g.pg_name = cs_xstrdup(cJSON_IsString(name) ? name->valuestring : "");
    if (cJSON_IsArray(ranks)) {
        int n = cJSON_GetArraySize(ranks);
        g.global_ranks = cs_xmalloc((size_t)(n ? n : 1) * sizeof(int64_t));
        const cJSON *r;
        cJSON_ArrayForEach(r, ranks)
            if (cJSON_IsNumber(r)) g.global_ranks[g.nglobal_ranks++] = (int64_t)r->valuedouble;
        qsort(g.global_ranks, g.nglobal_ranks, sizeof(int64_t), cmp_i64);
    }
    cs_group_map_add_info(m, &g);
}

int cs_parse_parallel_group_info(const char *json, cs_group_map *m, cs_err *err)
{
    cJSON *root = cJSON_Parse(json);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return cs_fail(err, "parallel_group_info is not a JSON object");
    }
    const cJSON *item;
    cJSON_ArrayForEach(item, root)
        if (cJSON_IsObject(item)) parse_one_group(item, m);
    cJSON_Delete(root);
    return 0;
}


/* The compact JSON text of obj[key] when it is an object, else NULL. */
static char *object_text(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    char *out = cJSON_IsObject(v) ? cJSON_PrintUnformatted(v) : NULL;
    if (!out) return NULL;
    char *copy = cs_xstrdup(out);   /* cJSON's allocator may differ from ours */
    cJSON_free(out);
    return copy;
}

int cs_read_profiler_metadata(const char *metadata_path, char **distributed_args,
                              char **parallel_group_info, cs_err *err)
{
    *distributed_args = *parallel_group_info = NULL;
    char *text = cs_read_text_file(metadata_path, NULL, err);
    if (!text) return -1;
    cJSON *root = cJSON_Parse(text);
    free(text);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return cs_fail(err, "%s: not a JSON object", metadata_path);
    }
    *distributed_args = object_text(root, "distributed_args");
    *parallel_group_info = object_text(root, "parallel_group_info");
    cJSON_Delete(root);
    return 0;
}

static int64_t get_int(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0;
}

int cs_parse_dist_args(const char *json, cs_dist_args *out)
{
    memset(out, 0, sizeof *out);
    cJSON *root = cJSON_Parse(json);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return -1;
    }
    out->world = get_int(root, "world_size");
    out->tp = get_int(root, "tensor_model_parallel_size");
    out->pp = get_int(root, "pipeline_model_parallel_size");
    out->dp = get_int(root, "data_parallel_size");
    out->cp = get_int(root, "context_parallel_size");
    out->ep = get_int(root, "expert_model_parallel_size");
    cJSON_Delete(root);
    return 0;
}

typedef CS_VEC(char) char_buf;

/* Appends the Python json.dumps form of v to buf. */
static void dump_python(const cJSON *v, char_buf *buf);

static void append(char_buf *buf, const char *s)
{
    size_t n = strlen(s);
    CS_VEC_RESERVE(*buf, buf->len + n + 1);
    memcpy(buf->items + buf->len, s, n + 1);
    buf->len += n;
}

static void dump_string(const char *s, char_buf *buf)
{
    append(buf, "\"");
    for (; *s; s++) {
        char esc[8] = {*s, 0};
        if (*s == '"' || *s == '\\') snprintf(esc, sizeof esc, "\\%c", *s);
        else if ((unsigned char)*s < 0x20) snprintf(esc, sizeof esc, "\\u%04x", (unsigned char)*s);
        append(buf, esc);
    }
    append(buf, "\"");
}

static void dump_container(const cJSON *v, char_buf *buf, bool object)
{
    append(buf, object ? "{" : "[");
    const cJSON *c;
    bool first = true;
    cJSON_ArrayForEach(c, v) {
        if (!first) append(buf, ", ");
        first = false;
        if (object) {
            dump_string(c->string, buf);
            append(buf, ": ");
        }
        dump_python(c, buf);
    }
    append(buf, object ? "}" : "]");
}

static void dump_python(const cJSON *v, char_buf *buf)
{
    char num[48];
    if (cJSON_IsObject(v)) dump_container(v, buf, true);
    else if (cJSON_IsArray(v)) dump_container(v, buf, false);
    else if (cJSON_IsString(v)) dump_string(v->valuestring, buf);
    else if (cJSON_IsTrue(v)) append(buf, "true");
    else if (cJSON_IsFalse(v)) append(buf, "false");
    else if (cJSON_IsRaw(v)) append(buf, v->valuestring ? v->valuestring : "null");   /* number text as given */
    else if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;
        if (d == floor(d) && fabs(d) < 9007199254740992.0) snprintf(num, sizeof num, "%" PRId64, (int64_t)d);
        else cs_format_double(d, num, sizeof num);
        append(buf, num);
    } else append(buf, "null");
}

char *cs_json_dumps(const void *cjson_item)
{
    char_buf buf = {0};
    dump_python(cjson_item, &buf);
    return buf.items ? buf.items : cs_xstrdup("");
}

char *cs_base_info_text(const char *json)
{
    cJSON *root = cJSON_Parse(json);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return NULL;
    }
    cJSON_DeleteItemFromObjectCaseSensitive(root, "rank");
    char_buf buf = {0};
    dump_python(root, &buf);
    cJSON_Delete(root);
    return buf.items;
}
