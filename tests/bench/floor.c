/*
** floor.c — the benchmark's floor: one process that opens every rank
** database read-only and steps through every row of the tables clusterscope
** reads, reading each needed column once, with prepared statements.  No
** analysis, no output: the time any tool needs just to get the data out of
** SQLite.  Usage: cs_floor DB...
*/
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* The tables and columns the analyses of -m all read (overlap,
** module_statistic, communication, wait attribution), each column once. */
static const char *const queries[] = {
    "SELECT id, startNs, endNs FROM STEP_TIME",
    "SELECT connectionId, startNs, endNs, type FROM CANN_API",
    "SELECT globalTaskId, name FROM COMPUTE_TASK_INFO",
    "SELECT startNs, endNs, connectionId, opName, groupName, opType FROM COMMUNICATION_OP",
    "SELECT startNs, endNs, deviceId, connectionId, globalTaskId, taskType FROM TASK",
    "SELECT startNs, endNs, eventType, domainId, message, globalTid FROM MSTX_EVENTS",
    "SELECT connectionId, id FROM CONNECTION_IDS",
    "SELECT connectionId, name, startNs, endNs, type FROM PYTORCH_API",
    "SELECT opId, globalTaskId, size, srcRank, dstRank, planeId, transportType, linkType, rdmaType, taskType,"
    " isMaster FROM COMMUNICATION_TASK_INFO",
    "SELECT rankSize FROM COMMUNICATION_OP",
};

static int64_t scan(sqlite3 *db, const char *sql, int64_t *rows)
{
    sqlite3_stmt *st;
    int64_t sum = 0;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) return 0;
    int ncols = sqlite3_column_count(st);
    while (sqlite3_step(st) == SQLITE_ROW) {
        for (int c = 0; c < ncols; c++) sum += sqlite3_column_int64(st, c);
        (*rows)++;
    }
    sqlite3_finalize(st);
    return sum;
}

int main(int argc, char **argv)
{
    int64_t rows = 0, sum = 0;
    for (int i = 1; i < argc; i++) {
        char uri[4200];
        snprintf(uri, sizeof uri, "file:%s?mode=ro&immutable=1", argv[i]);
        sqlite3 *db;
        if (sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
            fprintf(stderr, "cs_floor: cannot open %s\n", argv[i]);
            return 1;
        }
        for (size_t q = 0; q < sizeof queries / sizeof *queries; q++) sum += scan(db, queries[q], &rows);
        sqlite3_close(db);
    }
    printf("%lld rows (checksum %lld)\n", (long long)rows, (long long)sum);
    return 0;
}
