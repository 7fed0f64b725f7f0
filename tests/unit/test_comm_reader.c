/*
** test_comm_reader.c — the HCCL small tasks as the rank reader gives them
** when the overlap's TASK pass supplies their times, against SQLite's own
** COMMUNICATION_TASK_INFO ⋈ TASK (the reader's path without that pass), on
** the join's edge cases of fixtures/tiny/comm_tasks.sql.
*/
#include "check.h"
#include "fixture_util.h"
#include "rank_reader.h"

static char db_file[4400];

/* Reads the rank; with_pass: with the overlap, whose TASK pass gives the times. */
static void read_comm(bool with_pass, cs_comm_input *cin, int64_t *excluded)
{
    cs_rank_result res;
    cs_rank_result_init(&res, 0, "r");
    cs_overlap_input ov;
    cs_read_request req = {with_pass ? &ov : NULL, NULL, cin, NULL, false};
    cs_err err = {""};
    CHECK_INT(cs_read_rank(db_file, &res, &req, &err), 0);
    CHECK(cin->skip_reason == NULL);
    *excluded = 0;
    for (size_t i = 0; i < res.report.lines.len; i++) {
        long long n;
        const char *text = res.report.lines.items[i].text;
        if (strstr(text, "COMMUNICATION_TASK_INFO rows excluded") && sscanf(text, "rank 0: %lld", &n) == 1)
            *excluded += n;
    }
    if (with_pass) cs_overlap_input_free(&ov);
    cs_rank_result_free(&res);
}

int main(void)
{
    char root[4096];
    fx_tmp(root, sizeof root, "comm_reader");
    CHECK_INT(fx_make_rank(root, "r_ascend_pt", 0, "overlap_rank0.sql"), 0);
    snprintf(db_file, sizeof db_file, "%s/r_ascend_pt/ASCEND_PROFILER_OUTPUT/ascend_pytorch_profiler_0.db", root);
    sqlite3 *db;
    CHECK_INT(sqlite3_open(db_file, &db), SQLITE_OK);
    CHECK_INT(fx_exec_file(db, "comm_tasks.sql"), 0);
    sqlite3_close(db);

    cs_comm_input joined, passed;
    int64_t joined_excluded, passed_excluded;
    read_comm(false, &joined, &joined_excluded);
    read_comm(true, &passed, &passed_excluded);
    /* Worked out by hand: tasks 4, 3, 5, 3 again and 2 join with good times,
    ** in COMMUNICATION_TASK_INFO row order; 6 and 7 have bad times and the
    ** NULL opId row is excluded (3 rows); 99 and NULL join nothing. */
    CHECK_INT(joined.tasks.len, 5);
    CHECK_INT(joined_excluded, 3);
    CHECK_INT(passed.tasks.len, joined.tasks.len);
    CHECK_INT(passed_excluded, joined_excluded);
    static const int64_t starts[] = {1732406400000001330, 1732406400000001320, 1732406400000001410,
                                     1732406400000001320, 1732406400000001240};
    for (size_t i = 0; i < joined.tasks.len && i < passed.tasks.len; i++) {
        CHECK(memcmp(&joined.tasks.items[i], &passed.tasks.items[i], sizeof(cs_comm_task)) == 0);
        if (i < 5) CHECK_INT(passed.tasks.items[i].start_ns, starts[i]);
    }
    CHECK_INT(passed.tasks.items[4].flags, CS_COMM_TASK_SIZE_NULL | CS_COMM_TASK_SRC_NULL | CS_COMM_TASK_DST_NULL);
    cs_comm_input_free(&joined);
    cs_comm_input_free(&passed);
    return check_report();
}
