/*
** fixture_util.h — helpers for tests that build small clusters from the
** checked-in SQL cases under fixtures/tiny/.
*/
#ifndef CS_FIXTURE_UTIL_H
#define CS_FIXTURE_UTIL_H

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static inline void fx_mkdirs(const char *path)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        mkdir(buf, 0755);
        *p = '/';
    }
    mkdir(buf, 0755);
}

static inline char *fx_read(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    size_t got = fread(s, 1, (size_t)n, f);
    s[got] = '\0';
    fclose(f);
    return s;
}

/* The temp root for this test: $CS_TMP/<name>, emptied first. */
static inline void fx_tmp(char *out, size_t size, const char *name)
{
    const char *base = getenv("CS_TMP");
    snprintf(out, size, "%s/%s", base ? base : "/tmp/cs-test-tmp", name);
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", out);
    if (system(cmd) != 0) fprintf(stderr, "cannot clear %s\n", out);
    fx_mkdirs(out);
}

/* Executes fixtures/tiny/<file> against db. */
static inline int fx_exec_file(sqlite3 *db, const char *file)
{
    const char *dir = getenv("CS_FIXTURES");
    char path[4096];
    snprintf(path, sizeof path, "%s/tiny/%s", dir ? dir : "fixtures", file);
    char *sql = fx_read(path);
    if (!sql) {
        fprintf(stderr, "cannot read %s\n", path);
        return -1;
    }
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) fprintf(stderr, "%s: %s\n", path, msg);
    sqlite3_free(msg);
    free(sql);
    return rc == SQLITE_OK ? 0 : -1;
}

/* Creates ROOT/<folder>/ASCEND_PROFILER_OUTPUT/ascend_pytorch_profiler_<rank>.db
** from schema.sql plus the given case file (NULL: schema only). */
static inline int fx_make_rank(const char *root, const char *folder, int rank, const char *case_file)
{
    char dir[8192], path[8400];
    snprintf(dir, sizeof dir, "%s/%s/ASCEND_PROFILER_OUTPUT", root, folder);
    fx_mkdirs(dir);
    snprintf(path, sizeof path, "%s/ascend_pytorch_profiler_%d.db", dir, rank);
    remove(path);
    sqlite3 *db;
    if (sqlite3_open(path, &db) != SQLITE_OK) return -1;
    int rc = fx_exec_file(db, "schema.sql");
    if (rc == 0 && case_file) rc = fx_exec_file(db, case_file);
    sqlite3_close(db);
    return rc;
}

#endif
