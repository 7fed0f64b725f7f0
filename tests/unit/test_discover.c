/*
** test_discover.c — rank discovery (io/discover.c) on small fake cluster
** trees.  Discovery only looks at names and sizes, so the databases are
** plain files.  Every case builds its own tree under $CS_TMP (or /tmp when
** run by hand) and the whole tree is removed at the end.
*/
#include "check.h"
#include "discover.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char base_dir[2048];

/* printf into a fresh string that lives until free_strings(), so a test
** can keep and combine paths without freeing each one. */
static char **strings;
static size_t nstrings;

static const char *P(const char *fmt, ...)
{
    char buf[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    strings = realloc(strings, (nstrings + 1) * sizeof *strings);
    if (!strings) abort();
    return strings[nstrings++] = strdup(buf);
}

static void free_strings(void)
{
    for (size_t i = 0; i < nstrings; i++) free(strings[i]);
    free(strings);
}

static void mkdirs(const char *path)
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

/* Creates path (and its folders) holding text. */
static void put(const char *path, const char *text)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash) {
        *slash = '\0';
        mkdirs(dir);
    }
    FILE *f = fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "cannot create %s: %s\n", path, strerror(errno));
        exit(2);
    }
    fputs(text, f);
    fclose(f);
}

/* rm -rf that never follows a symlink and undoes chmod 000. */
static void rm_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0) return;
    if (S_ISDIR(st.st_mode)) {
        chmod(path, 0755);
        DIR *dir = opendir(path);
        struct dirent *e;
        while (dir && (e = readdir(dir)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
            char child[4096];
            snprintf(child, sizeof child, "%s/%s", path, e->d_name);
            rm_tree(child);
        }
        if (dir) closedir(dir);
        rmdir(path);
    } else {
        unlink(path);
    }
}

/* A fresh, empty case root. */
static const char *case_root(const char *name)
{
    const char *root = P("%s/%s", base_dir, name);
    rm_tree(root);
    mkdirs(root);
    return root;
}

#define OUT "ASCEND_PROFILER_OUTPUT"

typedef struct run {
    int rc;
    cs_discovery d;
    cs_report r;
    cs_err err;
} run;

static void discover(run *x, const char *root, const int64_t *list, size_t n)
{
    memset(x, 0, sizeof *x);
    x->rc = cs_discover(root, list, n, &x->d, &x->r, &x->err);
}

static void run_free(run *x)
{
    cs_discovery_free(&x->d);
    cs_report_free(&x->r);
}

static const cs_skip *skip_at(const run *x, const char *path)
{
    for (size_t i = 0; i < x->r.skips.len; i++)
        if (strcmp(x->r.skips.items[i].path, path) == 0) return &x->r.skips.items[i];
    return NULL;
}

static bool has_line(const run *x, const char *needle)
{
    for (size_t i = 0; i < x->r.lines.len; i++)
        if (strstr(x->r.lines.items[i].text, needle)) return true;
    return false;
}

static bool contains(const char *s, const char *needle)
{
    return s && strstr(s, needle) != NULL;
}

static void test_nested(void)
{
    const char *root = case_root("nested");
    const char *r0 = P("%s/a/node0_100_20240101000000000_ascend_pt", root);
    put(P("%s/" OUT "/ascend_pytorch_profiler_0.db", r0), "12345");
    put(P("%s/" OUT "/analysis.db", r0), "");
    put(P("%s/profiler_metadata.json", r0), "{}");
    put(P("%s/profiler_info_0.json", r0), "{\"rank_id\": 0}");
    /* raw data inside a rank folder is neither walked nor taken for msprof */
    put(P("%s/PROF_000001_20240101_x/device_0/data", r0), "");
    put(P("%s/FRAMEWORK/x", r0), "");
    const char *r1 = P("%s/b/c/d/e/f/g/h/node1_101_20240101000000001_ascend_pt", root);
    put(P("%s/" OUT "/ascend_pytorch_profiler_1.db", r1), "");
    /* only analysis.db: the rank comes from profiler_info_2.json */
    const char *r2 = P("%s/node2_102_20240101000000002_ascend_pt", root);
    put(P("%s/" OUT "/analysis.db", r2), "abc");
    put(P("%s/profiler_info_2.json", r2), "{\"rank_id\": 2}");
    /* depth 10 is searched, depth 11 is not */
    const char *r8 = P("%s/1/2/3/4/5/6/7/8/9/node8_1_20240101000000008_ascend_pt", root);
    put(P("%s/" OUT "/ascend_pytorch_profiler_8.db", r8), "");
    const char *r9 = P("%s/1/2/3/4/5/6/7/8/9/10/node9_1_20240101000000009_ascend_pt", root);
    put(P("%s/" OUT "/ascend_pytorch_profiler_9.db", r9), "");

    run x;
    discover(&x, P("%s/", root), NULL, 0);   /* a trailing slash changes nothing */
    CHECK_INT(x.rc, 0);
    if (x.rc) fprintf(stderr, "error: %s\n", x.err.msg);
    CHECK_INT(x.d.nranks, 4);
    CHECK_INT(x.d.nfolders, 4);
    CHECK_INT(x.r.skips.len, 0);
    if (x.d.nranks == 4) {
        const cs_rank_dir *d = x.d.ranks;
        CHECK_INT(d[0].rank, 0);
        CHECK_INT(d[1].rank, 1);
        CHECK_INT(d[2].rank, 2);
        CHECK_INT(d[3].rank, 8);
        CHECK_STR(d[0].path, r0);
        CHECK_STR(d[0].db_path, P("%s/" OUT "/ascend_pytorch_profiler_0.db", r0));
        CHECK_STR(d[0].analysis_db_path, P("%s/" OUT "/analysis.db", r0));
        CHECK_STR(d[0].metadata_path, P("%s/profiler_metadata.json", r0));
        CHECK_INT(d[0].size_bytes, 5);
        CHECK_STR(d[1].path, r1);
        CHECK(d[1].analysis_db_path == NULL);
        CHECK(d[1].metadata_path == NULL);
        CHECK_STR(d[2].path, r2);
        CHECK(d[2].db_path == NULL);
        CHECK_STR(d[2].analysis_db_path, P("%s/" OUT "/analysis.db", r2));
        CHECK_INT(d[2].size_bytes, 3);
        CHECK_STR(d[3].path, r8);
    }
    CHECK(has_line(&x, "not searched"));
    CHECK(!has_line(&x, "PROF_"));
    run_free(&x);
}

static void test_duplicates(void)
{
    const char *root = case_root("dup");
    const char *dir[] = {
        /* rank 3: the newer folder is the lexically smaller one */
        "a_1_20240202000000000_ascend_pt", "b_1_20240101000000000_ascend_pt",
        /* rank 4: the newer folder is the lexically greater one */
        "c_1_20240101000000000_ascend_pt", "d_1_20240202000000000_ascend_pt",
        /* rank 5: same timestamp, the greater path wins */
        "x_1_20240101000000000_ascend_pt", "y_2_20240101000000000_ascend_pt",
        /* rank 6: one name without a timestamp: the greater path wins */
        "q_1_20250101000000000_ascend_pt", "r_ascend_pt",
        /* rank 7: three folders, the newest in the middle */
        "e_1_20240101000000000_ascend_pt", "f_1_20240303000000000_ascend_pt",
        "g_1_20240202000000000_ascend_pt",
    };
    const int rank[] = {3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 7};
    for (size_t i = 0; i < sizeof rank / sizeof rank[0]; i++)
        put(P("%s/%s/" OUT "/ascend_pytorch_profiler_%d.db", root, dir[i], rank[i]), "");

    run x;
    discover(&x, root, NULL, 0);
    CHECK_INT(x.rc, 0);
    CHECK_INT(x.d.nfolders, 11);
    CHECK_INT(x.d.nranks, 5);
    CHECK_INT(x.r.skips.len, 6);
    const char *kept[] = {"a_1_20240202000000000_ascend_pt", "d_1_20240202000000000_ascend_pt",
                          "y_2_20240101000000000_ascend_pt", "r_ascend_pt",
                          "f_1_20240303000000000_ascend_pt"};
    for (size_t i = 0; i < x.d.nranks && i < 5; i++) {
        CHECK_INT(x.d.ranks[i].rank, 3 + (int)i);
        CHECK_STR(x.d.ranks[i].path, P("%s/%s", root, kept[i]));
    }
    const cs_skip *s = skip_at(&x, P("%s/b_1_20240101000000000_ascend_pt", root));
    CHECK(s != NULL);
    if (s) {
        CHECK(s->has_rank);
        CHECK_INT(s->rank, 3);
        CHECK_STR(s->analysis, "discover");
        CHECK(contains(s->reason, "duplicate rank 3"));
        CHECK(contains(s->reason, P("%s/%s", root, kept[0])));
        CHECK(contains(s->reason, "newer"));
    }
    s = skip_at(&x, P("%s/c_1_20240101000000000_ascend_pt", root));
    CHECK(s && s->rank == 4 && contains(s->reason, kept[1]));
    s = skip_at(&x, P("%s/x_1_20240101000000000_ascend_pt", root));
    CHECK(s && s->rank == 5 && contains(s->reason, "same timestamp"));
    s = skip_at(&x, P("%s/q_1_20250101000000000_ascend_pt", root));
    CHECK(s && s->rank == 6 && contains(s->reason, "not parsable"));
    CHECK(skip_at(&x, P("%s/e_1_20240101000000000_ascend_pt", root)) != NULL);
    CHECK(skip_at(&x, P("%s/g_1_20240202000000000_ascend_pt", root)) != NULL);
    run_free(&x);
}

static void test_missing_db(void)
{
    const char *root = case_root("nodb");
    put(P("%s/n0_1_20240101000000000_ascend_pt/" OUT "/ascend_pytorch_profiler_0.db", root), "");
    /* the export never ran: profiler_info and raw data only */
    const char *r1 = P("%s/n1_1_20240101000000000_ascend_pt", root);
    put(P("%s/profiler_info_1.json", r1), "{\"rank_id\": 1}");
    put(P("%s/FRAMEWORK/x", r1), "");
    const char *empty = P("%s/n2_1_20240101000000000_ascend_pt", root);
    mkdirs(empty);

    run x;
    discover(&x, root, NULL, 0);
    CHECK_INT(x.rc, 0);
    CHECK_INT(x.d.nranks, 1);
    CHECK_INT(x.d.nfolders, 3);
    CHECK_INT(x.r.skips.len, 2);
    const cs_skip *s = skip_at(&x, r1);
    CHECK(s && s->has_rank && s->rank == 1 && contains(s->reason, "no profiler database"));
    s = skip_at(&x, empty);
    CHECK(s && !s->has_rank && contains(s->reason, "no profiler database"));
    run_free(&x);
}

static void test_rank_list(void)
{
    const char *root = case_root("rank_list");
    for (int r = 0; r < 3; r++)
        put(P("%s/n%d_1_20240101000000000_ascend_pt/" OUT "/ascend_pytorch_profiler_%d.db", root,
              r, r), "");
    put(P("%s/old_1_20230101000000000_ascend_pt/" OUT "/ascend_pytorch_profiler_1.db", root), "");
    put(P("%s/n3_1_20240101000000000_ascend_pt/profiler_info_3.json", root), "{}");
    put(P("%s/n4_1_20240101000000000_ascend_pt/profiler_info_4.json", root), "{}");

    const int64_t list[] = {2, 0, 7, 2, 3};
    run x;
    discover(&x, root, list, 5);
    CHECK_INT(x.rc, 0);
    CHECK_INT(x.d.nranks, 2);
    if (x.d.nranks == 2) {
        CHECK_INT(x.d.ranks[0].rank, 0);
        CHECK_INT(x.d.ranks[1].rank, 2);
    }
    /* rank 3 has no database, rank 7 does not exist; the duplicate of
    ** rank 1 and the folder of rank 4 are outside the list: no rows. */
    CHECK_INT(x.r.skips.len, 2);
    const cs_skip *s = skip_at(&x, "");
    CHECK(s && s->has_rank && s->rank == 7);
    if (s) {
        CHECK_STR(s->analysis, "discover");
        CHECK_STR(s->reason, "not found (--rank_list)");
    }
    s = skip_at(&x, P("%s/n3_1_20240101000000000_ascend_pt", root));
    CHECK(s && s->rank == 3);
    run_free(&x);

    const int64_t none[] = {40, 41};
    discover(&x, root, none, 2);
    CHECK_INT(x.rc, -1);
    CHECK(contains(x.err.msg, "none of the --rank_list ids"));
    CHECK_INT(x.r.skips.len, 2);
    run_free(&x);
}

static void test_no_number(void)
{
    const char *root = case_root("single");
    const char *only = P("%s/host_1_20240101000000000_ascend_pt", root);
    put(P("%s/" OUT "/ascend_pytorch_profiler.db", only), "");
    put(P("%s/profiler_info.json", only), "{\"rank_id\": -1}");
    run x;
    discover(&x, root, NULL, 0);
    CHECK_INT(x.rc, 0);
    CHECK_INT(x.d.nranks, 1);
    if (x.d.nranks == 1) {
        CHECK_INT(x.d.ranks[0].rank, 0);
        CHECK_STR(x.d.ranks[0].db_path, P("%s/" OUT "/ascend_pytorch_profiler.db", only));
    }
    CHECK_INT(x.r.skips.len, 0);
    CHECK(!has_line(&x, "disagrees"));
    run_free(&x);

    /* two folders without a number are skipped; a numbered one stays */
    root = case_root("two_unnumbered");
    const char *a = P("%s/a_1_20240101000000000_ascend_pt", root);
    const char *b = P("%s/b_1_20240101000000000_ascend_pt", root);
    put(P("%s/" OUT "/ascend_pytorch_profiler.db", a), "");
    put(P("%s/" OUT "/ascend_pytorch_profiler.db", b), "");
    discover(&x, root, NULL, 0);
    CHECK_INT(x.rc, -1);
    CHECK(contains(x.err.msg, "no rank folder found"));
    CHECK_INT(x.r.skips.len, 2);
    run_free(&x);

    put(P("%s/c_1_20240101000000000_ascend_pt/" OUT "/ascend_pytorch_profiler_5.db", root), "");
    discover(&x, root, NULL, 0);
    CHECK_INT(x.rc, 0);
    CHECK_INT(x.d.nranks, 1);
    if (x.d.nranks == 1) CHECK_INT(x.d.ranks[0].rank, 5);
    CHECK_INT(x.r.skips.len, 2);
    const cs_skip *s = skip_at(&x, a);
    CHECK(s && !s->has_rank && contains(s->reason, "no rank id"));
    s = skip_at(&x, b);
    CHECK(s && !s->has_rank && strcmp(s->analysis, "discover") == 0);
    run_free(&x);
}

static void test_profiler_info(void)
{
    const char *root = case_root("info");
    /* the file name wins over a disagreeing rank_id, with a note */
    const char *r4 = P("%s/n4_1_20240101000000000_ascend_pt", root);
    put(P("%s/" OUT "/ascend_pytorch_profiler_4.db", r4), "");
    put(P("%s/profiler_info_4.json", r4), "{\"rank_id\": 5, \"config\": {}}");
    /* an unnumbered database takes the number of profiler_info_{N}.json */
    const char *r6 = P("%s/n6_1_20240101000000000_ascend_pt", root);
    put(P("%s/" OUT "/ascend_pytorch_profiler.db", r6), "");
    put(P("%s/profiler_info_6.json", r6), "not json");
    /* rank_id -1 (non-distributed) claims nothing: no note */
    const char *r7 = P("%s/n7_1_20240101000000000_ascend_pt", root);
    put(P("%s/" OUT "/ascend_pytorch_profiler_7.db", r7), "");
    put(P("%s/profiler_info_7.json", r7), "{\"rank_id\": -1}");
    run x;
    discover(&x, root, NULL, 0);
    CHECK_INT(x.rc, 0);
    CHECK_INT(x.d.nranks, 3);
    if (x.d.nranks == 3) {
        CHECK_INT(x.d.ranks[0].rank, 4);
        CHECK_INT(x.d.ranks[1].rank, 6);
        CHECK_INT(x.d.ranks[2].rank, 7);
    }
    CHECK(!has_line(&x, "profiler_info_7.json"));
    CHECK(has_line(&x, "rank_id 5 in profiler_info_4.json disagrees with rank 4"));
    CHECK(has_line(&x, "not valid JSON"));
    for (size_t i = 0; i < x.r.lines.len; i++)
        CHECK(strncmp(x.r.lines.items[i].text, "discover: ", 10) == 0);
    run_free(&x);
}

static void test_unsupported(void)
{
    run x;
    const char *root = case_root("mindspore");
    put(P("%s/h_1_20240101000000000_ascend_ms/" OUT "/ascend_mindspore_profiler_0.db", root), "");
    discover(&x, root, NULL, 0);
    CHECK_INT(x.rc, -1);
    CHECK(contains(x.err.msg, "MindSpore"));
    CHECK(contains(x.err.msg, "not supported yet"));
    run_free(&x);

    put(P("%s/h_1_20240101000000000_ascend_pt/" OUT "/ascend_pytorch_profiler_0.db", root), "");
    discover(&x, root, NULL, 0);
    CHECK_INT(x.rc, -1);
    CHECK(contains(x.err.msg, "mixed"));
    run_free(&x);

    root = case_root("msprof");
    put(P("%s/PROF_000001_20240101000000000_ABC/host/sqlite/msprof_0.db", root), "");
    discover(&x, root, NULL, 0);
    CHECK_INT(x.rc, -1);
    CHECK(contains(x.err.msg, "msprof"));
    CHECK(contains(x.err.msg, "not supported yet"));
    run_free(&x);

    root = case_root("text");
    const char *t = P("%s/h_1_20240101000000000_ascend_pt", root);
    put(P("%s/profiler_info_0.json", t), "{\"rank_id\": 0}");
    put(P("%s/" OUT "/trace_view.json", t), "[]");
    put(P("%s/" OUT "/kernel_details.csv", t), "");
    discover(&x, root, NULL, 0);
    CHECK_INT(x.rc, -1);
    CHECK(contains(x.err.msg, "text exports"));
    CHECK(contains(x.err.msg, "export_type db"));
    run_free(&x);

    put(P("%s/g_1_20240101000000000_ascend_pt/" OUT "/ascend_pytorch_profiler_1.db", root), "");
    discover(&x, root, NULL, 0);
    CHECK_INT(x.rc, -1);
    CHECK(contains(x.err.msg, "mixed"));
    run_free(&x);
}

static void test_bad_root(void)
{
    run x;
    const char *missing = P("%s/does_not_exist", base_dir);
    discover(&x, missing, NULL, 0);
    CHECK_INT(x.rc, -1);
    CHECK(contains(x.err.msg, missing));
    run_free(&x);

    const char *file = P("%s/a_file", base_dir);
    put(file, "x");
    discover(&x, file, NULL, 0);
    CHECK_INT(x.rc, -1);
    CHECK(contains(x.err.msg, "not a folder"));
    run_free(&x);

    const char *empty = case_root("empty");
    discover(&x, empty, NULL, 0);
    CHECK_INT(x.rc, -1);
    CHECK(contains(x.err.msg, "no rank folder found under"));
    run_free(&x);
}

static void test_symlinks(void)
{
    const char *root = case_root("links");
    const char *r0 = P("%s/node0_1_20240101000000000_ascend_pt", root);
    put(P("%s/" OUT "/ascend_pytorch_profiler_0.db", r0), "");
    mkdirs(P("%s/x", root));
    CHECK_INT(symlink("..", P("%s/x/loop", root)), 0);         /* back to root */
    CHECK_INT(symlink("self", P("%s/x/self", root)), 0);       /* ELOOP */
    CHECK_INT(symlink("missing", P("%s/x/dangling", root)), 0);
    /* a second name for the rank folder must not make a duplicate */
    CHECK_INT(symlink("node0_1_20240101000000000_ascend_pt", P("%s/latest", root)), 0);
    /* a link to a folder not otherwise reachable is followed */
    const char *outside = case_root("links_target");
    put(P("%s/node1_1_20240101000000000_ascend_pt/" OUT "/ascend_pytorch_profiler_1.db", outside),
        "");
    CHECK_INT(symlink(outside, P("%s/x/more", root)), 0);

    run x;
    discover(&x, root, NULL, 0);
    CHECK_INT(x.rc, 0);
    CHECK_INT(x.d.nranks, 2);
    if (x.d.nranks == 2) {
        CHECK_STR(x.d.ranks[0].path, r0);   /* the real path, though "latest" sorts first */
        CHECK_STR(x.d.ranks[1].path,
                  P("%s/x/more/node1_1_20240101000000000_ascend_pt", root));
    }
    CHECK_INT(x.r.skips.len, 0);
    CHECK(has_line(&x, "already visited"));
    CHECK(has_line(&x, "symlink loop"));
    CHECK(!has_line(&x, "dangling"));
    run_free(&x);
}

static void test_permission_denied(void)
{
    if (geteuid() == 0) return;        /* root reads every folder */
    const char *root = case_root("perm");
    put(P("%s/n0_1_20240101000000000_ascend_pt/" OUT "/ascend_pytorch_profiler_0.db", root), "");
    const char *locked = P("%s/locked", root);
    put(P("%s/n1_1_20240101000000000_ascend_pt/" OUT "/ascend_pytorch_profiler_1.db", locked), "");
    /* an unreadable output folder: reported, and the rank has no database */
    const char *r2 = P("%s/n2_1_20240101000000000_ascend_pt", root);
    put(P("%s/" OUT "/ascend_pytorch_profiler_2.db", r2), "");
    put(P("%s/profiler_info_2.json", r2), "{\"rank_id\": 2}");
    chmod(locked, 0);
    chmod(P("%s/" OUT, r2), 0);
    run x;
    discover(&x, root, NULL, 0);
    CHECK_INT(x.rc, 0);
    CHECK_INT(x.d.nranks, 1);
    CHECK(has_line(&x, P("cannot read folder %s", locked)));
    CHECK(has_line(&x, P("cannot read folder %s/" OUT, r2)));
    const cs_skip *s = skip_at(&x, r2);
    CHECK(s && s->rank == 2 && contains(s->reason, "no profiler database"));
    run_free(&x);
    chmod(locked, 0755);
    chmod(P("%s/" OUT, r2), 0755);
}

int main(void)
{
    const char *tmp = getenv("CS_TMP");
    snprintf(base_dir, sizeof base_dir, "%s/test_discover.%ld", tmp && *tmp ? tmp : "/tmp",
             (long)getpid());
    rm_tree(base_dir);
    mkdirs(base_dir);

    test_nested();
    test_duplicates();
    test_missing_db();
    test_rank_list();
    test_no_number();
    test_profiler_info();
    test_unsupported();
    test_bad_root();
    test_symlinks();
    test_permission_denied();

    rm_tree(base_dir);
    free_strings();
    return check_report();
}
