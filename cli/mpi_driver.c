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
} job;

#define TAG_PROGRESS 7001   /* the message of a finished rank's count */

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

/* Analyses this process's share and encodes the results. */
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

/* Process 0: takes the counts that have arrived (all of them when wait). */
static void drain_counts(const job *j, bar_state *b, const int64_t *assigned, bool wait)
{
    for (;;) {
        bool pending = false;
        for (int p = 1; p < j->nprocs; p++) pending |= b->done[p] < assigned[p];
        if (!pending) return;
        int flag = 0;
        MPI_Status st;
        if (!wait) {
            check_mpi(MPI_Iprobe(MPI_ANY_SOURCE, TAG_PROGRESS, MPI_COMM_WORLD, &flag, &st), "Iprobe");
            if (!flag) return;
        }
        int64_t count;
        check_mpi(MPI_Recv(&count, 1, MPI_INT64_T, MPI_ANY_SOURCE, TAG_PROGRESS, MPI_COMM_WORLD, &st), "Recv");
        b->done[st.MPI_SOURCE] = count;
        draw_bar(j, b, false);
    }
}

static void clear_bar(const job *j)
{
    fprintf(j->bar_out, "\r%*s\r", 70, "");
    fflush(j->bar_out);
}

/* Other processes: tell process 0 how many ranks are finished. */
static void send_count(int64_t *slot, MPI_Request *req, int64_t count)
{
    if (*req != MPI_REQUEST_NULL) check_mpi(MPI_Wait(req, MPI_STATUS_IGNORE), "Wait");
    *slot = count;
    check_mpi(MPI_Isend(slot, 1, MPI_INT64_T, 0, TAG_PROGRESS, MPI_COMM_WORLD, req), "Isend");
}

/* Analyses this process's share and encodes the results. */
static void analyse_share(const job *j, const cs_discovery *d, cs_encoder *e)
{
    int *owner = cs_xmalloc((d->nranks ? d->nranks : 1) * sizeof *owner);
    int64_t *assigned = cs_xcalloc((size_t)j->nprocs, sizeof *assigned);
    bar_state b = {cs_xcalloc((size_t)j->nprocs, sizeof(int64_t)), (int64_t)d->nranks, now_seconds(), 0};
    cs_assign_ranks(d->ranks, d->nranks, j->nprocs, owner);
    for (size_t i = 0; i < d->nranks; i++) assigned[owner[i]]++;
    cs_put_i64(e, assigned[j->me]);
    int64_t slot = 0, finished = 0;
    MPI_Request req = MPI_REQUEST_NULL;
    for (size_t i = 0; i < d->nranks; i++) {
        if (owner[i] != j->me) continue;
        cs_rank_result res;
        cs_pipeline_analyse_rank(&d->ranks[i], &j->opt, &res);
        cs_rank_result_encode(&res, e);
        cs_rank_result_free(&res);
        finished++;
        if (j->bar && j->me != 0) send_count(&slot, &req, finished);
        if (j->bar && j->me == 0) {
            b.done[0] = finished;
            drain_counts(j, &b, assigned, false);
            draw_bar(j, &b, false);
        }
    }
    if (j->bar && j->me != 0 && req != MPI_REQUEST_NULL) check_mpi(MPI_Wait(&req, MPI_STATUS_IGNORE), "Wait");
    if (j->bar && j->me == 0) {
        drain_counts(j, &b, assigned, true);
        clear_bar(j);
    }
    free(b.done);
    free(assigned);
    free(owner);
}

/* Gathers every process's encoded results on process 0. */
static unsigned char *gather_results(const job *j, const cs_encoder *e, int **counts, int **displs)
{
    if (e->len > INT32_MAX) {
        fprintf(stderr, "clusterscope: error: per-process results exceed 2 GiB\n");
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    int len = (int)e->len;
    *counts = j->me == 0 ? cs_xmalloc((size_t)j->nprocs * sizeof(int)) : NULL;
    *displs = j->me == 0 ? cs_xmalloc((size_t)j->nprocs * sizeof(int)) : NULL;
    check_mpi(MPI_Gather(&len, 1, MPI_INT, *counts, 1, MPI_INT, 0, MPI_COMM_WORLD), "Gather");
    unsigned char *all = NULL;
    if (j->me == 0) {
        int64_t total = 0;
        for (int p = 0; p < j->nprocs; p++) {
            (*displs)[p] = (int)total;
            total += (*counts)[p];
        }
        if (total > INT32_MAX) {
            fprintf(stderr, "clusterscope: error: gathered results exceed 2 GiB\n");
            MPI_Abort(MPI_COMM_WORLD, 2);
        }
        all = cs_xmalloc((size_t)total + 1);
    }
    check_mpi(MPI_Gatherv(e->buf, len, MPI_BYTE, all, *counts, *displs, MPI_BYTE, 0, MPI_COMM_WORLD),
              "Gatherv");
    return all;
}

/* CS_STATS=1: how much crossed MPI and how long the gather took (the
** benchmark's measure of the exchange, docs/performance.md). */
static void report_exchange(const job *j, const int *counts, double seconds)
{
    const char *env = getenv("CS_STATS");
    if (j->me != 0 || !env || strcmp(env, "1") != 0) return;
    int64_t total = 0;
    for (int p = 0; p < j->nprocs; p++) total += counts[p];
    fprintf(stderr, "clusterscope: stats: gathered %lld bytes from %d processes in %.3f s\n",
            (long long)total, j->nprocs, seconds);
}

static int decode_all(const job *j, const unsigned char *all, const int *counts, const int *displs,
                      cs_rank_result **out, size_t *nout)
{
    CS_VEC(cs_rank_result) results = {0};
    for (int p = 0; p < j->nprocs; p++) {
        cs_decoder dec = {all + displs[p], (size_t)counts[p], 0, false};
        int64_t n = cs_get_i64(&dec);
        for (int64_t i = 0; i < n; i++) {
            cs_rank_result r;
            if (cs_rank_result_decode(&dec, &r)) {
                cs_rank_result_free(&r);
                fprintf(stderr, "clusterscope: error: malformed result from process %d\n", p);
                for (size_t k = 0; k < results.len; k++) cs_rank_result_free(&results.items[k]);
                free(results.items);
                return -1;
            }
            CS_VEC_PUSH(results, r);
        }
    }
    *out = results.items;
    *nout = results.len;
    return 0;
}

static void print_report(const job *j, const cs_report *report)
{
    for (size_t i = 0; i < report->skips.len; i++) {
        const cs_skip *s = &report->skips.items[i];
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

/* Process 0: decode, merge, write, report.  Returns the exit status. */
/* Read skips: ranks whose result says they could not be read. */
static size_t read_skips(const cs_rank_result *r, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) k += !r[i].analysed;
    return k;
}

/* Process 0: decode (then drop the gathered bytes, which can be larger
** than everything that follows), merge, write, report.  Returns the exit
** status. */
static int finish_on_root(const job *j, unsigned char *all, const int *counts, const int *displs,
                          cs_report *report, double t_read)
{
    cs_rank_result *results = NULL;
    size_t n = 0;
    int decoded = decode_all(j, all, counts, displs, &results, &n);
    free(all);
    if (decoded) return 2;
    char line[96];
    snprintf(line, sizeof line, "%zu ranks (%zu skipped)", n, read_skips(results, n));
    progress_line(j, "read", line, t_read);
    double t0 = now_seconds();
    cs_cluster c;
    cs_finish_stats stats = {0};
    cs_err err;
    int rc = cs_cluster_merge(&j->opt, results, n, report, &c, &err);
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
    for (size_t i = 0; i < n; i++) cs_rank_result_free(&results[i]);
    free(results);
    return rc < 0 ? 2 : rc;
}

static int run_job(job *j)
{
    cs_discovery d = {0};
    cs_report report = {0};
    int64_t rc = 2;
    if (share_discovery(j, &d, &report) == 0) {
        double t0 = now_seconds();
        cs_encoder e = {0};
        analyse_share(j, &d, &e);
        int *counts = NULL, *displs = NULL;
        double t_gather = now_seconds();
        unsigned char *all = gather_results(j, &e, &counts, &displs);
        report_exchange(j, counts, now_seconds() - t_gather);
        free(e.buf);
        if (j->me == 0) rc = finish_on_root(j, all, counts, displs, &report, t0);
        else free(all);
        free(counts);
        free(displs);
    }
    check_mpi(MPI_Bcast(&rc, 1, MPI_INT64_T, 0, MPI_COMM_WORLD), "Bcast");
    if (rc == 2 && j->me == 0) {
        /* a fatal error writes nothing: drop the output folder if it stayed empty */
        char *dir = cs_xasprintf("%s/cluster_analysis_output", j->opt.output_dir);
        rmdir(dir);
        free(dir);
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
