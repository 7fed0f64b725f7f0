/*
** mpi_driver.c — discover → assign → read/analyse → gather → merge → export,
** distributed over the processes of an MPI job.  Every MPI call of
** clusterscope is in this file.
**
** Only process 0 prints.  MPI errors are returned (MPI_ERRORS_RETURN), then
** reported and turned into MPI_Abort(…, 2), as outputs.md §2 specifies.
*/
#include "mpi_driver.h"

#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <mpi.h>
#include <sqlite3.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "assign.h"
#include "codec.h"
#include "discover.h"
#include "options.h"
#include "cluster.h"
#include "pipeline.h"

typedef struct job {
    int me, nprocs;
    cs_options opt;
    bool show_progress;
    bool bar;               /* process 0 draws a live bar; every process reports its counts */
    FILE *bar_out;
    bool made_output_root;  /* process 0 created the -o folder (removed again if it stays empty) */
} job;

#define TAG_RESULT 7001     /* one rank's encoded result */

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void check_mpi(int rc, const char *what)
{
    if (rc == MPI_SUCCESS) return;
    char msg[MPI_MAX_ERROR_STRING];
    int len = 0;
    MPI_Error_string(rc, msg, &len);
    fprintf(stderr, "clusterscope: error: MPI %s failed: %s\n", what, msg);
    MPI_Abort(MPI_COMM_WORLD, 2);
}

static void progress_line(const job *j, const char *phase, const char *counts, double t0)
{
    if (j->me != 0 || !j->show_progress) return;
    fprintf(stderr, "clusterscope: %s: %s, %.1f s\n", phase, counts, now_seconds() - t0);
}

/* Broadcasts a buffer from process 0 (its size first). */
static void bcast_buffer(unsigned char **buf, size_t *len)
{
    int64_t n = (int64_t)*len;
    check_mpi(MPI_Bcast(&n, 1, MPI_INT64_T, 0, MPI_COMM_WORLD), "Bcast");
    if (*buf == NULL) *buf = cs_xmalloc((size_t)n + 1);
    *len = (size_t)n;
    if (n > 0) check_mpi(MPI_Bcast(*buf, (int)n, MPI_BYTE, 0, MPI_COMM_WORLD), "Bcast");
}

static void encode_discovery(const cs_discovery *d, cs_encoder *e)
{
    cs_put_i64(e, (int64_t)d->nranks);
    cs_put_i64(e, (int64_t)d->nfolders);
    for (size_t i = 0; i < d->nranks; i++) {
        const cs_rank_dir *r = &d->ranks[i];
        cs_put_i64(e, r->rank);
        cs_put_str(e, r->path);
        cs_put_str(e, r->db_path);
        cs_put_str(e, r->analysis_db_path);
        cs_put_str(e, r->metadata_path);
        cs_put_i64(e, r->size_bytes);
    }
}

static void decode_discovery(cs_decoder *dec, cs_discovery *d)
{
    memset(d, 0, sizeof *d);
    d->nranks = (size_t)cs_get_i64(dec);
    d->nfolders = (size_t)cs_get_i64(dec);
    d->ranks = cs_xcalloc(d->nranks ? d->nranks : 1, sizeof *d->ranks);
    for (size_t i = 0; i < d->nranks; i++) {
        cs_rank_dir *r = &d->ranks[i];
        r->rank = cs_get_i64(dec);
        r->path = cs_get_str(dec);
        r->db_path = cs_get_str(dec);
        r->analysis_db_path = cs_get_str(dec);
        r->metadata_path = cs_get_str(dec);
        r->size_bytes = cs_get_i64(dec);
    }
}

/* Process 0 discovers; the list reaches every process.  Returns -1 (on
** every process) when discovery failed fatally. */
static int share_discovery(job *j, cs_discovery *d, cs_report *report)
{
    double t0 = now_seconds();
    cs_encoder e = {0};
    int64_t status = 0;
    if (j->me == 0) {
        cs_err err;
        /* Absolute paths in every output (RankDeviceMap.profilePath, the
        ** skipped list), as the reference stores them. */
        char root[PATH_MAX];
        if (!realpath(j->opt.input_dir, root)) snprintf(root, sizeof root, "%s", j->opt.input_dir);
        struct stat st;
        j->made_output_root = stat(j->opt.output_dir, &st) != 0;
        if (cs_discover(root, j->opt.rank_list, j->opt.nrank_list, d, report, &err) ||
            cs_prepare_output_dir(&j->opt, &err)) {
            fprintf(stderr, "clusterscope: error: %s\n", err.msg);
            status = -1;
        } else {
            encode_discovery(d, &e);
        }
    }
    int64_t shared[2] = {status, j->bar};
    check_mpi(MPI_Bcast(shared, 2, MPI_INT64_T, 0, MPI_COMM_WORLD), "Bcast");
    status = shared[0];
    j->bar = shared[1] != 0;
    if (status) {
        free(e.buf);
        return -1;
    }
    bcast_buffer(&e.buf, &e.len);
    if (j->me != 0) {
        cs_decoder dec = {e.buf, e.len, 0, false};
        decode_discovery(&dec, d);
    }
    free(e.buf);
    char counts[96];
    /* skipped = folders not used (duplicates, no rank id, …) and --rank_list ids
    ** not found; folders left out by --rank_list on purpose are not skipped */
    snprintf(counts, sizeof counts, "%zu rank folders (%zu skipped)", d->nfolders, report->skips.len);
    progress_line(j, "discover", counts, t0);
    return 0;
}

/* The live bar of process 0 (outputs.md §2 "--progress"): the ranks finished
** over all processes, redrawn in place at most every 0.5 s. */
typedef struct bar_state {
    int64_t *done;          /* per process: finished ranks reported */
    int64_t total;
    double t0, last_draw;
} bar_state;

static void draw_bar(const job *j, bar_state *b, bool force)
{
    double t = now_seconds();
    if (!force && t - b->last_draw < 0.5) return;
    b->last_draw = t;
    int64_t done = 0;
    for (int p = 0; p < j->nprocs; p++) done += b->done[p];
    double elapsed = t - b->t0;
    if (done > 0)
        fprintf(j->bar_out, "\rclusterscope: read %lld/%lld ranks, %.1f s, ETA %.1f s", (long long)done,
                (long long)b->total, elapsed, elapsed * (double)(b->total - done) / (double)done);
    else
        fprintf(j->bar_out, "\rclusterscope: read %lld/%lld ranks, %.1f s", (long long)done, (long long)b->total,
                elapsed);
    fflush(j->bar_out);
}

static void clear_bar(const job *j)
{
    fprintf(j->bar_out, "\r%*s\r", 70, "");
    fflush(j->bar_out);
}

/* Process 0's results as they are decoded, and what the cluster reduces
** take from them on the way (cs_cluster_feed_rank). */
typedef struct root_state {
    CS_VEC(cs_rank_result) results;
    cs_cluster_feed feed;
    int64_t expected;       /* results the other processes will send */
    int64_t received;
    bool failed;            /* a malformed result arrived */
    int64_t bytes;          /* encoded bytes of every result (CS_STATS) */
    double wait_seconds;    /* spent waiting for results after its own share */
} root_state;

/* Decodes one result of process `from` into root. */
static void take_result(const job *j, root_state *root, const unsigned char *buf, size_t len, int from)
{
    root->bytes += (int64_t)len;
    if (root->failed) return;
    cs_decoder dec = {buf, len, 0, false};
    cs_rank_result r;
    if (cs_rank_result_decode(&dec, &r)) {
        cs_rank_result_free(&r);
        fprintf(stderr, "clusterscope: error: malformed result from process %d\n", from);
        root->failed = true;
        return;
    }
    cs_cluster_feed_rank(&root->feed, &j->opt, &r);
    CS_VEC_PUSH(root->results, r);
}

/* Process 0's own ranks take the path of the others' (encoded, then
** decoded) one at a time. */
static void keep_own(const job *j, root_state *root, const cs_rank_result *res)
{
    cs_encoder one = {0};
    cs_rank_result_encode(res, &one);
    take_result(j, root, one.buf, one.len, 0);
    free(one.buf);
}

/* Process 0: takes the results that have arrived (with wait: all of them),
** one message per rank, each decoded before the next is received, so that
** no process's results ever sit in memory together. */
static void receive_results(const job *j, root_state *root, bar_state *b, bool wait)
{
    while (root->received < root->expected) {
        MPI_Status st;
        int flag = 1, len = 0;
        if (wait) check_mpi(MPI_Probe(MPI_ANY_SOURCE, TAG_RESULT, MPI_COMM_WORLD, &st), "Probe");
        else check_mpi(MPI_Iprobe(MPI_ANY_SOURCE, TAG_RESULT, MPI_COMM_WORLD, &flag, &st), "Iprobe");
        if (!flag) return;
        check_mpi(MPI_Get_count(&st, MPI_BYTE, &len), "Get_count");
        unsigned char *buf = cs_xmalloc((size_t)len + 1);
        check_mpi(MPI_Recv(buf, len, MPI_BYTE, st.MPI_SOURCE, TAG_RESULT, MPI_COMM_WORLD, MPI_STATUS_IGNORE),
                  "Recv");
        take_result(j, root, buf, (size_t)len, st.MPI_SOURCE);
        free(buf);
        root->received++;
        b->done[st.MPI_SOURCE]++;
        if (j->bar) draw_bar(j, b, false);
    }
}

/* Other processes: a few results in flight to process 0, which takes them
** between its own ranks; the oldest is waited for when a new one is sent. */
#define SENDS_IN_FLIGHT 4

typedef struct sender {
    cs_encoder buf[SENDS_IN_FLIGHT];
    MPI_Request req[SENDS_IN_FLIGHT];
    int next;               /* the slot of the next send (the oldest one) */
} sender;

static void send_init(sender *s)
{
    memset(s, 0, sizeof *s);
    for (int k = 0; k < SENDS_IN_FLIGHT; k++) s->req[k] = MPI_REQUEST_NULL;
}

static void send_wait(sender *s, int k)
{
    if (s->req[k] != MPI_REQUEST_NULL) check_mpi(MPI_Wait(&s->req[k], MPI_STATUS_IGNORE), "Wait");
    free(s->buf[k].buf);
    memset(&s->buf[k], 0, sizeof s->buf[k]);
}

static void send_result(sender *s, const cs_rank_result *res)
{
    int k = s->next;
    s->next = (k + 1) % SENDS_IN_FLIGHT;
    send_wait(s, k);
    cs_rank_result_encode(res, &s->buf[k]);
    if (s->buf[k].len > INT32_MAX) {
        fprintf(stderr, "clusterscope: error: the result of rank %lld exceeds 2 GiB\n", (long long)res->rank);
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    check_mpi(MPI_Isend(s->buf[k].buf, (int)s->buf[k].len, MPI_BYTE, 0, TAG_RESULT, MPI_COMM_WORLD, &s->req[k]),
              "Isend");
}

static void send_finish(sender *s)
{
    for (int k = 0; k < SENDS_IN_FLIGHT; k++) send_wait(s, k);
}

/* Analyses this process's share.  Every result goes to process 0 as soon
** as it is ready; process 0 takes the others' between its own ranks and
** the rest at the end (which also drives its progress bar). */
static void analyse_share(const job *j, const cs_discovery *d, root_state *root)
{
    int *owner = cs_xmalloc((d->nranks ? d->nranks : 1) * sizeof *owner);
    bar_state b = {cs_xcalloc((size_t)j->nprocs, sizeof(int64_t)), (int64_t)d->nranks, now_seconds(), 0};
    cs_assign_ranks(d->ranks, d->nranks, j->nprocs, owner);
    for (size_t i = 0; i < d->nranks; i++) root->expected += owner[i] != 0;
    sender out;
    send_init(&out);
    for (size_t i = 0; i < d->nranks; i++) {
        if (owner[i] != j->me) continue;
        cs_rank_result res;
        cs_pipeline_analyse_rank(&d->ranks[i], &j->opt, &res);
        if (j->me == 0) keep_own(j, root, &res);
        else send_result(&out, &res);
        cs_rank_result_free(&res);
        if (j->me != 0) continue;
        b.done[0]++;
        receive_results(j, root, &b, false);
        if (j->bar) draw_bar(j, &b, false);
    }
    send_finish(&out);
    if (j->me == 0) {
        double t0 = now_seconds();
        receive_results(j, root, &b, true);
        root->wait_seconds = now_seconds() - t0;
        if (j->bar) clear_bar(j);
    }
    free(b.done);
    free(owner);
}

/* CS_STATS=1: how much crossed MPI (process 0's own results counted as if
** they had) and how long process 0 waited for the last of them after its
** own share (the benchmark's measure of the exchange, docs/performance.md). */
static void report_exchange(const job *j, const root_state *root)
{
    const char *env = getenv("CS_STATS");
    if (j->me != 0 || !env || strcmp(env, "1") != 0) return;
    fprintf(stderr, "clusterscope: stats: gathered %lld bytes from %d processes in %.3f s\n",
            (long long)root->bytes, j->nprocs, root->wait_seconds);
}

static void free_root(root_state *root)
{
    for (size_t k = 0; k < root->results.len; k++) cs_rank_result_free(&root->results.items[k]);
    free(root->results.items);
    cs_cluster_feed_free(&root->feed);
    memset(root, 0, sizeof *root);
}

static void print_report(const job *j, const cs_report *report)
{
    for (size_t i = 0; i < report->skips.len; i++) {
        const cs_skip *s = &report->skips.items[i];
        /* outputs.md §2 fixes the form, "[PATH]" even when there is no path */
        if (s->has_rank)
            fprintf(stderr, "clusterscope: skipped: rank %" PRId64 " (%s): %s [%s]\n", s->rank, s->analysis,
                    s->reason, s->path);
        else
            fprintf(stderr, "clusterscope: skipped: rank ? (%s): %s [%s]\n", s->analysis, s->reason, s->path);
    }
    if (j->opt.quiet) return;
    for (size_t i = 0; i < report->lines.len; i++)
        fprintf(stderr, "clusterscope: %s\n", report->lines.items[i].text);
}

/* Read skips: ranks whose result says they could not be read. */
static size_t read_skips(const cs_rank_result *r, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) k += !r[i].analysed;
    return k;
}

/* Process 0: merge, write, report.  Returns the exit status. */
static int finish_on_root(const job *j, root_state *root, cs_report *report, double t_read)
{
    cs_rank_result *results = root->results.items;
    size_t n = root->results.len;
    char line[96];
    snprintf(line, sizeof line, "%zu ranks (%zu skipped)", n, read_skips(results, n));
    progress_line(j, "read", line, t_read);
    double t0 = now_seconds();
    cs_cluster c;
    cs_finish_stats stats = {0};
    cs_err err;
    int rc = cs_cluster_merge_fed(&j->opt, results, n, &root->feed, report, &c, &err);
    if (rc == 0) {
        snprintf(line, sizeof line, "%zu ranks (%zu skipped)", n, cs_report_ranks_skipped(report));
        progress_line(j, "merge", line, t0);
        t0 = now_seconds();
        rc = cs_export(&j->opt, &c, report, &stats, &err);
    }
    cs_report_sort(report);
    print_report(j, report);
    if (rc < 0) {
        fprintf(stderr, "clusterscope: error: %s\n", err.msg);
    } else {
        snprintf(line, sizeof line, "%zu tables, %zu files", stats.tables, stats.files);
        progress_line(j, "write", line, t0);
        rc = report->skips.len ? 3 : 0;
    }
    cs_cluster_free(&c);
    free_root(root);
    return rc < 0 ? 2 : rc;
}

static int run_job(job *j)
{
    cs_discovery d = {0};
    cs_report report = {0};
    int64_t rc = 2;
    if (share_discovery(j, &d, &report) == 0) {
        double t0 = now_seconds();
        root_state root = {0};
        if (j->me == 0) cs_cluster_feed_init(&root.feed, &j->opt);
        analyse_share(j, &d, &root);
        report_exchange(j, &root);
        if (j->me == 0) rc = root.failed ? 2 : finish_on_root(j, &root, &report, t0);
        free_root(&root);
    }
    check_mpi(MPI_Bcast(&rc, 1, MPI_INT64_T, 0, MPI_COMM_WORLD), "Bcast");
    if (rc == 2 && j->me == 0) {
        /* a fatal error writes nothing: drop the output folders if they stayed
        ** empty (rmdir removes nothing else), -o itself only if this run made it */
        char *dir = cs_xasprintf("%s/cluster_analysis_output", j->opt.output_dir);
        rmdir(dir);
        free(dir);
        if (j->made_output_root) rmdir(j->opt.output_dir);
    }
    cs_report_free(&report);
    cs_discovery_free(&d);
    return (int)rc;
}

/* --progress auto/bar: where the bar can be seen (outputs.md §2).  Only
** process 0 decides; the choice is broadcast with the discovery. */
static void choose_bar(job *j)
{
    bool err_tty = isatty(STDERR_FILENO), out_tty = isatty(STDOUT_FILENO);
    bool under_mpirun = getenv("OMPI_COMM_WORLD_SIZE") != NULL;
    j->bar_out = err_tty ? stderr : out_tty ? stdout : stderr;
    if (!j->show_progress || j->me != 0) return;
    if (j->opt.progress == CS_PROGRESS_BAR) j->bar = true;
    else if (j->opt.progress == CS_PROGRESS_AUTO) j->bar = err_tty || (under_mpirun && out_tty);
}

int cs_mpi_main(int argc, char **argv)
{
    job j = {0};
    /* SQLite's allocation statistics take a global mutex on every malloc;
    ** nothing here reads them. Must precede any other SQLite call. */
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    MPI_Init(&argc, &argv);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_rank(MPI_COMM_WORLD, &j.me);
    MPI_Comm_size(MPI_COMM_WORLD, &j.nprocs);
    cs_err err;
    int rc;
    /* Every process parses the same argv, so all reach the same verdict
    ** without talking to each other. */
    if (cs_options_parse(argc, argv, &j.opt, &err)) {
        if (j.me == 0) fprintf(stderr, "clusterscope: error: %s\n", err.msg);
        rc = 2;
    } else if (j.opt.help) {
        if (j.me == 0) fputs(cs_usage(), stdout);
        rc = 0;
    } else if (j.opt.version) {
        if (j.me == 0) printf("%s\n", cs_tool_version());
        rc = 0;
    } else {
        j.show_progress = !j.opt.quiet && j.opt.progress != CS_PROGRESS_NONE;
        choose_bar(&j);
        rc = run_job(&j);
    }
    cs_options_free(&j.opt);
    MPI_Finalize();
    return rc;
}
