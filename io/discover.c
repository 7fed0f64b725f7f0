/*
** discover.c — finding the rank folders of a cluster (input-formats.md §1,
** "Rank discovery"; outputs.md §1.4 and §2).
**
** The work is done in two passes.  The walk looks at every folder below
** root (directory entries sorted by bytes, so the result never depends on
** readdir order), classifies it, and collects what it finds; it never
** descends into a rank folder, whose FRAMEWORK and PROF_* raw data would
** otherwise look like bare msprof output.  Symlinks are followed only once
** the real folders are walked, so a folder is recorded under its real path
** when it has one.  The rules that need the whole
** cluster (unsupported or mixed layouts, rank -1 of a single-card run,
** --rank_list, duplicates) then run on the collected list.
*/
#include "discover.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>

#define MAX_DEPTH 10                   /* levels below root, as msprof-analyze for text */
#define MAX_INFO_BYTES (16L << 20)     /* profiler_info is a few KB; never slurp a huge file */
#define OUTPUT_DIR "ASCEND_PROFILER_OUTPUT"

typedef CS_VEC(char *) name_list;

/* A folder with (or meant to have) PyTorch profiler data, before the
** whole-cluster rules run.  Strings are owned by the record until they move
** into a cs_rank_dir. */
typedef struct found {
    char *path;
    char *db_path;
    char *analysis_db_path;
    char *metadata_path;
    int64_t rank;                      /* -1: no number in any file name */
    int64_t size_bytes;
} found;

/* The (st_dev, st_ino) of every folder entered: open addressing, so that a
** cluster of many thousand folders costs no quadratic search. */
typedef struct visited_slot {
    dev_t dev;
    ino_t ino;
    bool used;
} visited_slot;

/* A symlink met by the walk, followed after the real folders. */
typedef struct pending_link {
    char *path;
    int depth;
} pending_link;

typedef struct walker {
    cs_report *report;
    CS_VEC(pending_link) links;
    visited_slot *slots;
    size_t nslots, nused;
    CS_VEC(found) db;                  /* PyTorch database or analysis.db */
    CS_VEC(found) nodb;                /* *ascend_pt without any data */
    size_t ntext, nms, nprof;          /* unsupported layouts seen */
    char *text_example, *ms_example, *prof_example, *deep_example;
} walker;

/* What one folder and its ASCEND_PROFILER_OUTPUT/ hold.  Names are
** borrowed from the listings they were found in. */
typedef struct contents {
    const char *db_name;               /* chosen ascend_pytorch_profiler[_N].db */
    int64_t db_rank;                   /* its N, -1 without one */
    size_t ndb;
    bool has_analysis_db, has_ms_db, has_text;
    const char *info_name;             /* chosen profiler_info[_N].json */
    int64_t info_rank;                 /* its N, -1 without one */
    size_t ninfo;
    bool has_metadata;
} contents;

/* ---------------------------------------------------------------------
** Small string and file helpers.
*/

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

/* Parses len decimal digits (no sign) into *out.  Longer than 18 digits
** cannot be a rank id or a 17-digit timestamp and would overflow. */
static bool parse_digits(const char *s, size_t len, int64_t *out)
{
    if (len == 0 || len > 18) return false;
    int64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

/* Matches "{stem}{suffix}" (*number = -1) or "{stem}_{N}{suffix}". */
static bool match_numbered(const char *name, const char *stem, const char *suffix,
                           int64_t *number)
{
    size_t n = strlen(name), ns = strlen(stem), nx = strlen(suffix);
    if (n < ns + nx || !starts_with(name, stem) || !ends_with(name, suffix)) return false;
    const char *mid = name + ns;
    size_t nmid = n - ns - nx;
    if (nmid == 0) {
        *number = -1;
        return true;
    }
    return mid[0] == '_' && parse_digits(mid + 1, nmid - 1, number);
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash && slash[1] ? slash + 1 : path;
}

/* path + "/" + name without doubling the slash of a root such as "/". */
static char *path_join(const char *path, const char *name)
{
    size_t n = strlen(path);
    return cs_xasprintf("%s%s%s", path, n && path[n - 1] == '/' ? "" : "/", name);
}

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int64_t file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (int64_t)st.st_size : 0;
}

static bool has_name(const name_list *names, const char *name)
{
    for (size_t i = 0; i < names->len; i++)
        if (strcmp(names->items[i], name) == 0) return true;
    return false;
}

static void free_names(name_list *names)
{
    for (size_t i = 0; i < names->len; i++) free(names->items[i]);
    free(names->items);
    names->items = NULL;
    names->len = names->cap = 0;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Lists path into names, sorted by bytes (readdir order is arbitrary and
** strcoll would depend on the locale).  Returns 0, or the errno of the
** failure with names left empty. */
static int list_dir(const char *path, name_list *names)
{
    DIR *dir = opendir(path);
    if (!dir) return errno ? errno : EIO;
    struct dirent *entry;
    while ((errno = 0, entry = readdir(dir)) != NULL) {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0) continue;
        CS_VEC_PUSH(*names, cs_xstrdup(entry->d_name));
    }
    int e = errno;
    closedir(dir);
    if (e) {
        free_names(names);
        return e;
    }
    if (names->len > 1) qsort(names->items, names->len, sizeof(char *), cmp_name);
    return 0;
}

/* ---------------------------------------------------------------------
** The visited set.
*/

static size_t slot_of(dev_t dev, ino_t ino, size_t nslots)
{
    uint64_t h = (uint64_t)dev * 0x9E3779B97F4A7C15ULL ^ (uint64_t)ino;
    h ^= h >> 31;
    h *= 0xBF58476D1CE4E5B9ULL;
    h ^= h >> 29;
    return (size_t)(h & (nslots - 1));   /* nslots is a power of two */
}

static void visited_insert(visited_slot *slots, size_t nslots, dev_t dev, ino_t ino)
{
    size_t i = slot_of(dev, ino, nslots);
    while (slots[i].used) i = (i + 1) & (nslots - 1);
    slots[i] = (visited_slot){dev, ino, true};
}

static void visited_grow(walker *w)
{
    size_t nslots = w->nslots ? w->nslots * 2 : 256;
    visited_slot *slots = cs_xcalloc(nslots, sizeof *slots);
    for (size_t i = 0; i < w->nslots; i++)
        if (w->slots[i].used) visited_insert(slots, nslots, w->slots[i].dev, w->slots[i].ino);
    free(w->slots);
    w->slots = slots;
    w->nslots = nslots;
}

/* Adds a folder; false if it was there already (a symlink loop, or a
** second link to a folder the walk has seen). */
static bool visited_add(walker *w, const struct stat *st)
{
    if ((w->nused + 1) * 2 > w->nslots) visited_grow(w);
    size_t i = slot_of(st->st_dev, st->st_ino, w->nslots);
    for (; w->slots[i].used; i = (i + 1) & (w->nslots - 1))
        if (w->slots[i].dev == st->st_dev && w->slots[i].ino == st->st_ino) return false;
    w->slots[i] = (visited_slot){st->st_dev, st->st_ino, true};
    w->nused++;
    return true;
}

/* ---------------------------------------------------------------------
** Reading one folder.
*/

/* Reads the integer "rank_id" of a profiler_info file.  Returns 1 with
** *rank_id set, 0 when the key is absent or not an integer, -1 when the
** file cannot be read or parsed (a report note says so). */
static int read_info_rank(walker *w, const char *path, int64_t *rank_id)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        cs_report_note(w->report, "discover", "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    int64_t size = file_size(path);
    if (size > MAX_INFO_BYTES) {
        fclose(f);
        cs_report_note(w->report, "discover", "%s is larger than %ld bytes; rank_id not checked",
                       path, MAX_INFO_BYTES);
        return -1;
    }
    char *text = cs_xmalloc((size_t)size + 1);
    size_t n = fread(text, 1, (size_t)size, f);
    fclose(f);
    text[n] = '\0';
    cJSON *json = cJSON_Parse(text);
    free(text);
    if (!json) {
        cs_report_note(w->report, "discover", "%s is not valid JSON; rank_id not checked", path);
        return -1;
    }
    int rc = 0;
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(json, "rank_id");
    if (cJSON_IsNumber(item) && item->valuedouble == (double)(int64_t)item->valuedouble) {
        *rank_id = (int64_t)item->valuedouble;
        rc = 1;
    }
    cJSON_Delete(json);
    return rc;
}

/* Prefers a numbered name over an unnumbered one, then the smaller number,
** so the choice among several candidates is deterministic. */
static bool better_number(int64_t candidate, int64_t current, bool have_current)
{
    if (!have_current) return true;
    if (current < 0) return candidate >= 0;
    return candidate >= 0 && candidate < current;
}

/* Scans the rank folder's own listing: profiler_info and metadata. */
static void scan_folder(const name_list *names, contents *c)
{
    for (size_t i = 0; i < names->len; i++) {
        const char *name = names->items[i];
        int64_t number;
        if (match_numbered(name, "profiler_info", ".json", &number)) {
            if (better_number(number, c->info_rank, c->info_name != NULL)) {
                c->info_name = name;
                c->info_rank = number;
            }
            c->ninfo++;
        } else if (strcmp(name, "profiler_metadata.json") == 0) {
            c->has_metadata = true;
        }
    }
}

/* Scans ASCEND_PROFILER_OUTPUT/: the databases and any text export. */
static void scan_output(const name_list *names, contents *c)
{
    for (size_t i = 0; i < names->len; i++) {
        const char *name = names->items[i];
        int64_t number;
        if (match_numbered(name, "ascend_pytorch_profiler", ".db", &number)) {
            if (better_number(number, c->db_rank, c->db_name != NULL)) {
                c->db_name = name;
                c->db_rank = number;
            }
            c->ndb++;
        } else if (strcmp(name, "analysis.db") == 0) {
            c->has_analysis_db = true;
        } else if (match_numbered(name, "ascend_mindspore_profiler", ".db", &number)) {
            c->has_ms_db = true;
        } else if (ends_with(name, ".json") || ends_with(name, ".csv")) {
            /* trace_view.json, kernel_details.csv, ...: export_type text. */
            c->has_text = true;
        }
    }
}

/* The rank id of a folder: the number of the database's name, else of
** profiler_info_{N}.json, else -1.  The rank_id written inside
** profiler_info is only checked against it (a note on disagreement). */
static int64_t folder_rank(walker *w, const char *path, const contents *c)
{
    int64_t rank = -1;
    const char *source = "the file names";
    if (c->db_name && c->db_rank >= 0) {
        rank = c->db_rank;
        source = c->db_name;
    } else if (c->info_name && c->info_rank >= 0) {
        rank = c->info_rank;
        source = c->info_name;
    }
    if (c->ndb > 1)
        cs_report_note(w->report, "discover", "%s holds %zu profiler databases; using %s",
                       path, c->ndb, c->db_name);
    if (c->ninfo > 1)
        cs_report_note(w->report, "discover", "%s holds %zu profiler_info files; using %s",
                       path, c->ninfo, c->info_name);
    if (c->info_name) {
        char *info_path = path_join(path, c->info_name);
        int64_t inside;
        /* rank_id -1 marks a non-distributed run: it claims no rank. */
        if (read_info_rank(w, info_path, &inside) == 1 && inside >= 0 && inside != rank)
            cs_report_note(w->report, "discover",
                           "%s: rank_id %" PRId64 " in %s disagrees with rank %" PRId64
                           " from %s; using %" PRId64,
                           path, inside, c->info_name, rank, source, rank);
        free(info_path);
    }
    return rank;
}

static found make_found(walker *w, const char *path, const contents *c, const char *output)
{
    found f = {0};
    f.path = cs_xstrdup(path);
    f.rank = folder_rank(w, path, c);
    if (c->db_name) f.db_path = path_join(output, c->db_name);
    if (c->has_analysis_db) f.analysis_db_path = path_join(output, "analysis.db");
    if (c->has_metadata) f.metadata_path = path_join(path, "profiler_metadata.json");
    const char *sized = f.db_path ? f.db_path : f.analysis_db_path;
    f.size_bytes = sized ? file_size(sized) : 0;
    return f;
}

static void free_found(found *f)
{
    free(f->path);
    free(f->db_path);
    free(f->analysis_db_path);
    free(f->metadata_path);
}

static void remember(size_t *count, char **example, const char *path)
{
    if ((*count)++ == 0) *example = cs_xstrdup(path);
}

/* Decides what the folder at path (listing names) is and records it.
** Returns true for any kind of rank or profiler folder: the walk does not
** descend into those. */
static bool classify(walker *w, const char *path, const name_list *names)
{
    const char *base = base_name(path);
    bool ends_pt = ends_with(base, "ascend_pt"), ends_ms = ends_with(base, "ascend_ms");
    contents c = {.db_rank = -1, .info_rank = -1};
    name_list output_names = {0};
    char *output = NULL;
    bool is_profiler_folder = true;

    scan_folder(names, &c);
    if (has_name(names, OUTPUT_DIR)) {
        output = path_join(path, OUTPUT_DIR);
        int e = is_dir(output) ? list_dir(output, &output_names) : 0;
        if (e)
            cs_report_note(w->report, "discover", "cannot read folder %s: %s", output,
                           strerror(e));
        scan_output(&output_names, &c);
    }
    bool pytorch_db = c.ndb > 0 || (c.has_analysis_db && !c.has_ms_db && !ends_ms);
    if (ends_ms || c.has_ms_db) remember(&w->nms, &w->ms_example, path);
    if (pytorch_db && !ends_ms) {
        found f = make_found(w, path, &c, output);
        CS_VEC_PUSH(w->db, f);
    } else if (ends_ms || c.has_ms_db) {
        /* counted above */
    } else if (ends_pt && c.has_text) {
        remember(&w->ntext, &w->text_example, path);
    } else if (ends_pt) {
        /* A profiler folder whose export never ran or was not copied. */
        found f = make_found(w, path, &c, output);
        CS_VEC_PUSH(w->nodb, f);
    } else if (starts_with(base, "PROF_")) {
        remember(&w->nprof, &w->prof_example, path);
    } else {
        is_profiler_folder = false;
    }
    free_names(&output_names);
    free(output);
    return is_profiler_folder;
}

/* ---------------------------------------------------------------------
** The walk.
*/

static int visit(walker *w, const char *path, int depth);

/* Enters the folder at path (st from stat) found depth levels below root,
** unless it is too deep or was seen before. */
static void enter(walker *w, const char *path, const struct stat *st, int depth)
{
    if (depth > MAX_DEPTH) {
        if (!w->deep_example) w->deep_example = cs_xstrdup(path);
        return;
    }
    if (!visited_add(w, st)) {
        cs_report_note(w->report, "discover",
                       "%s leads to a folder already visited (symlink loop or second link); "
                       "not followed", path);
        return;
    }
    int e = visit(w, path, depth);
    if (e)
        cs_report_note(w->report, "discover", "cannot read folder %s: %s; skipped", path,
                       strerror(e));
}

/* Enters the real subfolders of path (listing names) and queues its
** symlinks for follow_links. */
static void descend(walker *w, const char *path, const name_list *names, int depth)
{
    for (size_t i = 0; i < names->len; i++) {
        char *child = path_join(path, names->items[i]);
        struct stat st;
        if (lstat(child, &st) != 0) {
            cs_report_note(w->report, "discover", "cannot open %s: %s; skipped", child,
                           strerror(errno));
        } else if (S_ISLNK(st.st_mode)) {
            pending_link link = {child, depth + 1};
            CS_VEC_PUSH(w->links, link);
            continue;                   /* the queue owns child now */
        } else if (S_ISDIR(st.st_mode)) {
            enter(w, child, &st, depth + 1);
        }
        free(child);
    }
}

/* Follows the queued symlinks once the real folders are all known, so that
** a folder reachable both ways ("latest -> node0_..._ascend_pt") is always
** recorded under its real path, whatever the names sort like.  Following a
** link may queue more links. */
static void follow_links(walker *w)
{
    for (size_t i = 0; i < w->links.len; i++) {
        pending_link link = w->links.items[i];  /* a copy: entering may grow the queue */
        struct stat st;
        if (stat(link.path, &st) != 0) {
            /* ENOENT is a dangling link: nothing to analyse, nothing to say. */
            if (errno == ELOOP)
                cs_report_note(w->report, "discover", "symlink loop at %s; not followed",
                               link.path);
            else if (errno != ENOENT)
                cs_report_note(w->report, "discover", "cannot open %s: %s; skipped", link.path,
                               strerror(errno));
        } else if (S_ISDIR(st.st_mode)) {
            enter(w, link.path, &st, link.depth);
        }
    }
}

/* Classifies the folder at path, then walks below it unless it is a
** profiler folder.  Returns 0, or the errno of listing path. */
static int visit(walker *w, const char *path, int depth)
{
    name_list names = {0};
    int e = list_dir(path, &names);
    if (e) return e;
    if (!classify(w, path, &names)) descend(w, path, &names, depth);
    free_names(&names);
    return 0;
}

static void walker_free(walker *w)
{
    for (size_t i = 0; i < w->db.len; i++) free_found(&w->db.items[i]);
    for (size_t i = 0; i < w->nodb.len; i++) free_found(&w->nodb.items[i]);
    for (size_t i = 0; i < w->links.len; i++) free(w->links.items[i].path);
    free(w->db.items);
    free(w->nodb.items);
    free(w->links.items);
    free(w->slots);
    free(w->text_example);
    free(w->ms_example);
    free(w->prof_example);
    free(w->deep_example);
}

/* ---------------------------------------------------------------------
** Whole-cluster rules.
*/

/* Fails for layouts clusterscope does not read (yet) and for mixtures. */
static int check_layouts(walker *w, const char *root, cs_err *err)
{
    const char *db_example = w->db.len ? w->db.items[0].path : NULL;
    const char *pytorch_example = db_example ? db_example : w->text_example;
    if (w->nms && pytorch_example)
        return cs_fail(err, "PyTorch (%s) and MindSpore (%s) profiler data mixed under %s; "
                       "analyse them separately", pytorch_example, w->ms_example, root);
    if (db_example && w->ntext)
        return cs_fail(err, "database (%s) and text-only (%s) exports mixed under %s; "
                       "profile every rank with export_type db", db_example, w->text_example, root);
    if (w->nms)
        return cs_fail(err, "MindSpore profiler data (%s) is not supported yet", w->ms_example);
    if (w->ntext)
        return cs_fail(err, "text exports (%s) are not supported yet; profile with export_type db",
                       w->text_example);
    if (w->nprof && !db_example)
        return cs_fail(err, "msprof PROF_* data (%s) without Ascend PyTorch Profiler folders "
                       "is not supported yet", w->prof_example);
    if (w->nprof)
        cs_report_note(w->report, "discover", "%zu msprof PROF_* folder(s) outside rank folders "
                       "ignored (e.g. %s)", w->nprof, w->prof_example);
    return 0;
}

static int cmp_int64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The --rank_list ids, sorted and unique; wanted->len == 0 means all. */
typedef CS_VEC(int64_t) id_list;

static bool wanted_rank(const id_list *wanted, int64_t rank)
{
    if (wanted->len == 0) return true;
    return bsearch(&rank, wanted->items, wanted->len, sizeof(int64_t), cmp_int64) != NULL;
}

static int cmp_found(const void *a, const void *b)
{
    const found *x = a, *y = b;
    if (x->rank != y->rank) return x->rank < y->rank ? -1 : 1;
    return strcmp(x->path, y->path);
}

/* The timestamp field of {host}_{pid}_{YYYYMMDDhhmmssSSS}_ascend_pt: the
** third-from-last "_" field of the folder name. */
static bool folder_timestamp(const char *path, int64_t *ts)
{
    const char *base = base_name(path);
    const char *last = strrchr(base, '_');
    if (!last) return false;
    const char *end = last;             /* the second-from-last "_" ends the field */
    do {
        if (end == base) return false;
        end--;
    } while (*end != '_');
    const char *start = end;
    while (start > base && start[-1] != '_') start--;
    return parse_digits(start, (size_t)(end - start), ts);
}

/* Picks the folder to keep among n folders of one rank (sorted by path):
** the newest timestamp when every name has one, ties and unparsable names
** by the lexically greatest path.  A pairwise "newest, else greatest path"
** would not be transitive when parsable and unparsable names mix. */
static size_t pick_kept(const found *group, size_t n, bool *all_parsed)
{
    int64_t best_ts = 0, ts;
    *all_parsed = true;
    for (size_t i = 0; i < n; i++)
        if (!folder_timestamp(group[i].path, &ts)) *all_parsed = false;
    size_t best = n - 1;                /* greatest path: the list is sorted */
    if (!*all_parsed) return best;
    for (size_t i = 0; i < n; i++) {
        folder_timestamp(group[i].path, &ts);
        if (i == 0 || ts >= best_ts) {  /* >=: a tie goes to the later, greater path */
            best_ts = ts;
            best = i;
        }
    }
    return best;
}

/* Keeps one folder per rank in db[0..n) (sorted by rank, path), moving
** it into out; the others become skip rows naming the kept path. */
static void resolve_duplicates(walker *w, found *db, size_t n, cs_discovery *out)
{
    out->ranks = cs_xcalloc(n, sizeof *out->ranks);
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && db[j].rank == db[i].rank) j++;
        bool all_parsed;
        size_t kept = i + pick_kept(db + i, j - i, &all_parsed);
        int64_t kept_ts = 0, ts = 0;
        folder_timestamp(db[kept].path, &kept_ts);
        for (size_t k = i; k < j; k++) {
            if (k == kept) continue;
            folder_timestamp(db[k].path, &ts);
            const char *why = !all_parsed ? "timestamp not parsable in every folder name; "
                                            "lexically greatest path"
                              : ts == kept_ts ? "same timestamp; lexically greatest path"
                                              : "newer";
            cs_report_skip(w->report, true, db[k].rank, db[k].path, "discover",
                           "duplicate rank %" PRId64 ": kept %s (%s)", db[k].rank,
                           db[kept].path, why);
        }
        found *f = &db[kept];
        out->ranks[out->nranks++] = (cs_rank_dir){f->rank, f->path, f->db_path,
                                                  f->analysis_db_path, f->metadata_path,
                                                  f->size_bytes};
        *f = (found){0};                /* ownership moved to out */
        i = j;
    }
}

/* Skip rows for the profiler folders without data, except those outside
** --rank_list (the user asked not to look at them). */
static void skip_nodb(walker *w, const id_list *wanted)
{
    for (size_t i = 0; i < w->nodb.len; i++) {
        const found *f = &w->nodb.items[i];
        bool has_rank = f->rank >= 0;
        if (wanted->len && (!has_rank || !wanted_rank(wanted, f->rank))) continue;
        cs_report_skip(w->report, has_rank, f->rank, f->path, "discover",
                       "no profiler database (%s/ascend_pytorch_profiler_{N}.db or analysis.db)",
                       OUTPUT_DIR);
    }
}

/* Moves the folders that become ranks to the front of w->db and returns
** their number: rank -1 becomes 0 for a single folder, otherwise is a
** skip row; folders outside --rank_list are dropped silently. */
static size_t filter_folders(walker *w, const id_list *wanted)
{
    if (w->db.len == 1 && w->db.items[0].rank < 0) {
        w->db.items[0].rank = 0;
        cs_report_note(w->report, "discover", "%s has no rank id (single-card run); using rank 0",
                       w->db.items[0].path);
    }
    size_t n = 0;
    for (size_t i = 0; i < w->db.len; i++) {
        found f = w->db.items[i];
        bool keep = f.rank >= 0 && wanted_rank(wanted, f.rank);
        if (f.rank < 0 && wanted->len == 0)
            cs_report_skip(w->report, false, 0, f.path, "discover",
                           "no rank id (no number in the database or profiler_info file name, "
                           "and more than one rank folder)");
        if (!keep) {
            free_found(&f);
            continue;
        }
        w->db.items[n++] = f;
    }
    w->db.len = n;
    return n;
}

/* Skip rows for --rank_list ids with no folder at all (a folder without a
** database already has its own row). */
static void skip_not_found(walker *w, const id_list *wanted, const cs_discovery *out)
{
    for (size_t i = 0; i < wanted->len; i++) {
        int64_t rank = wanted->items[i];
        bool seen = false;
        for (size_t k = 0; k < out->nranks && !seen; k++) seen = out->ranks[k].rank == rank;
        for (size_t k = 0; k < w->nodb.len && !seen; k++) seen = w->nodb.items[k].rank == rank;
        if (!seen)
            cs_report_skip(w->report, true, rank, "", "discover", "not found (--rank_list)");
    }
}

static void make_wanted(const int64_t *rank_list, size_t nrank_list, id_list *wanted)
{
    for (size_t i = 0; i < nrank_list; i++) CS_VEC_PUSH(*wanted, rank_list[i]);
    if (wanted->len == 0) return;
    qsort(wanted->items, wanted->len, sizeof(int64_t), cmp_int64);
    size_t n = 1;
    for (size_t i = 1; i < wanted->len; i++)
        if (wanted->items[i] != wanted->items[n - 1]) wanted->items[n++] = wanted->items[i];
    wanted->len = n;
}

static int select_ranks(walker *w, const char *root, const int64_t *rank_list,
                        size_t nrank_list, cs_discovery *out, cs_err *err)
{
    id_list wanted = {0};
    make_wanted(rank_list, nrank_list, &wanted);
    skip_nodb(w, &wanted);
    size_t n = filter_folders(w, &wanted);
    if (n > 1) qsort(w->db.items, n, sizeof(found), cmp_found);
    resolve_duplicates(w, w->db.items, n, out);
    skip_not_found(w, &wanted, out);
    size_t nwanted = wanted.len;
    free(wanted.items);
    if (out->nranks > 0) return 0;
    if (nwanted)
        return cs_fail(err, "none of the --rank_list ids found under %s", root);
    if (out->nfolders)
        return cs_fail(err, "no rank folder found under %s (%zu folder(s) skipped: no database "
                       "or no rank id)", root, out->nfolders);
    return cs_fail(err, "no rank folder found under %s", root);
}

/* ---------------------------------------------------------------------
** Public API.
*/

int cs_discover(const char *root, const int64_t *rank_list, size_t nrank_list,
                cs_discovery *out, cs_report *report, cs_err *err)
{
    walker w = {0};
    w.report = report;
    memset(out, 0, sizeof *out);
    int rc = -1;
    /* Trailing slashes would give "root//node0_..." paths. */
    char *top = cs_xstrdup(root);
    for (size_t n = strlen(top); n > 1 && top[n - 1] == '/'; n--) top[n - 1] = '\0';

    struct stat st;
    if (stat(top, &st) != 0) {
        cs_fail(err, "cannot open %s: %s", root, strerror(errno));
        goto done;
    }
    if (!S_ISDIR(st.st_mode)) {
        cs_fail(err, "%s is not a folder", root);
        goto done;
    }
    visited_add(&w, &st);
    int e = visit(&w, top, 0);
    if (e) {
        cs_fail(err, "cannot read folder %s: %s", root, strerror(e));
        goto done;
    }
    follow_links(&w);
    if (w.deep_example)
        cs_report_note(report, "discover", "folders more than %d levels below %s not searched "
                       "(e.g. %s)", MAX_DEPTH, root, w.deep_example);
    out->nfolders = w.db.len + w.nodb.len + w.ntext;
    if (check_layouts(&w, root, err) != 0) goto done;
    rc = select_ranks(&w, root, rank_list, nrank_list, out, err);
done:
    walker_free(&w);
    free(top);
    return rc;
}

void cs_discovery_free(cs_discovery *d)
{
    if (!d) return;
    for (size_t i = 0; i < d->nranks; i++) {
        free(d->ranks[i].path);
        free(d->ranks[i].db_path);
        free(d->ranks[i].analysis_db_path);
        free(d->ranks[i].metadata_path);
    }
    free(d->ranks);
    memset(d, 0, sizeof *d);
}
