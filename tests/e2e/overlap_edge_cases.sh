# Overlap end to end on edge-case variants of generated clusters: rows with
# NULL / INVALID / absurd values, no STEP_TIME, no steps at all, metadata in
# the database only / in the JSON only / nowhere, Level0 (no
# COMPUTE_TASK_INFO), a duplicate rank folder, a rank with ops on two devices
# and zero-length tasks, an empty rank, no CANN_API, inference without
# framework op rows.  Each variant is a copy of a small generated cluster
# changed with the sqlite3 shell; clusterscope's cluster_step_trace_time.csv
# must equal the independent Python reference (tests/tools/overlap_ref.py),
# and the exit status, report lines and skip rows are checked where the
# variant has them (outputs.md §2, input-formats.md §5, analyses.md §2.b).
source "$(dirname "$0")/lib/common.sh"
ref="$CS_SRC/tests/tools/overlap_ref.py"
cmp_csv="$CS_SRC/tests/tools/compare_csv.py"
INVALID=4294967295
TIME_OK="BETWEEN 946684800000000000 AND 4102444800000000000"   # 2000..2100 in ns

# Three small bases: training tp=4 dp=2; training tp=2 pp=2 dp=2 on two hosts
# (stage rows, DP/PP/TP indices); vLLM-style inference (no steps).
gen "$CS_TMP/train" --ranks 8 --tp 4 --steps 2
gen "$CS_TMP/pp" --ranks 8 --tp 2 --pp 2 --ranks-per-node 4 --steps 2
gen "$CS_TMP/infer" --workload infer --ranks 4 --tp 4 --steps 2

mk() { # mk VARIANT BASE : a fresh copy of a base cluster
    rm -rf "${CS_TMP:?}/$1"
    cp -r "$CS_TMP/$2" "$CS_TMP/$1"
}
db() { # db VARIANT RANK : that rank's profiler database
    local f
    f=$(find "$CS_TMP/$1" -path '*/ASCEND_PROFILER_OUTPUT/*' -name "ascend_pytorch_profiler_$2.db" | sort)
    [ -n "$f" ] && [ "$(echo "$f" | wc -l)" = 1 ] || { echo "db $1 $2: '$f'" >&2; return 1; }
    echo "$f"
}
dbs() { find "$CS_TMP/$1" -path '*/ASCEND_PROFILER_OUTPUT/*' -name 'ascend_pytorch_profiler_*.db' | sort; }
sql_all() { # sql_all VARIANT SQL : run SQL on every rank's database (fails on an SQL error)
    local d
    for d in $(dbs "$1"); do sqlite3 -bail "$d" "$2" || { echo "sqlite3 failed on $d" >&2; return 1; }; done
}
rank_of() { basename "$1" .db | sed 's/^ascend_pytorch_profiler_//'; }

# variant NAME WANT_EXIT : clusterscope (one process) and the reference on the
# variant; checks the exit status and that both CSV files agree.  Leaves
# $CS_TMP/NAME.err (clusterscope's stderr), $out (its output folder) and $csv.
variant() {
    local name=$1 want=$2 rc
    out="$CS_TMP/$name.out/cluster_analysis_output"
    csv="$out/cluster_step_trace_time.csv"
    set +e
    run_cs 1 -d "$CS_TMP/$name" -o "$CS_TMP/$name.out" --export_type csv </dev/null
    rc=$?
    set -e
    cp "$CS_TMP/stderr" "$CS_TMP/$name.err"
    check_eq "$name: exit status" "$rc" "$want"
    if ! python3 "$ref" "$CS_TMP/$name" >"$CS_TMP/$name.ref.csv" 2>"$CS_TMP/$name.ref.err"; then
        fail "$name: reference failed: $(cat "$CS_TMP/$name.ref.err")"
        return 0
    fi
    if [ -f "$csv" ]; then
        check "$name: equals the Python reference" python3 "$cmp_csv" --max 6 "$CS_TMP/$name.ref.csv" "$csv"
    else
        fail "$name: no $csv"
    fi
}
# has_line NAME LINE : clusterscope's stderr has exactly this line
has_line() { check "$1: stderr line '$2'" grep -qxF -- "$2" "$CS_TMP/$1.err"; }
count_lines() { grep -c -- "$2" "$CS_TMP/$1.err" || true; }
rank_rows() { grep -c ',rank,' "$csv" || true; }
stage_rows() { grep -c ',stage,' "$csv" || true; }
steps_of_rank_rows() { awk -F, '$2 == "rank" {print "[" $1 "]"}' "$csv" | sort -u | tr -d '\n'; }
indices_of_rank_rows() { awk -F, '$2 == "rank" {print $13 "," $14 "," $15}' "$csv" | sort -u | tr '\n' ' '; }
preparing_of_rank_rows() { awk -F, '$2 == "rank" {print $12}' "$csv" | sort -u | tr '\n' ' '; }
no_other_lines() { # no_other_lines NAME : stderr holds nothing but the four progress lines
    local extra
    # the communication step rule drops a few ops in every generated cluster
    # (analyses.md §2.c.1): those counts are expected here
    extra=$(grep -v -E '^clusterscope: (discover|read|analyse|merge|write|stats): ' "$CS_TMP/$1.err" |
            grep -v -E ' ops dropped by the step rule \(communication\)$' || true)
    check_eq "$1: no report lines" "$extra" ""
}
# expect_excluded NAME TABLE WHERE : per rank, the report line counting the
# rows of TABLE that WHERE selects (counted here with SQL, independently)
expect_excluded() {
    local name=$1 table=$2 where=$3 d n
    for d in $(dbs "$name"); do
        n=$(sqlite3 "$d" "SELECT count(*) FROM $table WHERE $where")
        if [ "$n" -gt 0 ]; then
            has_line "$name" "clusterscope: rank $(rank_of "$d"): $n $table rows excluded (NULL, INVALID or absurd values) (overlap)"
        else
            check_eq "$name: rank $(rank_of "$d"): no $table exclusion line" \
                "$(count_lines "$name" "^clusterscope: rank $(rank_of "$d"): [0-9]* $table rows excluded")" 0
        fi
    done
}
bad_range() { # SQL: the row's [s, e] is not a valid time range
    echo "NOT (typeof($1) = 'integer' AND typeof($2) = 'integer' AND $1 $TIME_OK AND $2 $TIME_OK AND $2 >= $1)"
}
bad_key() { echo "NOT (typeof($1) = 'integer' AND $1 != $INVALID)"; }

# ---------------------------------------------------------------- bases
variant train 0
no_other_lines train
base_train_csv=$csv
variant pp 0
no_other_lines pp
base_pp_csv=$csv
check_eq "pp: rank rows" "$(rank_rows)" 16
check_eq "pp: stage rows" "$(stage_rows)" 4
variant infer 0
no_other_lines infer
check_eq "infer: one NULL step per rank" "$(rank_rows) $(steps_of_rank_rows)" "4 []"
# the inference base has framework op rows: preparing is not 0 there
check_eq "infer: no zero preparing with op rows" "$(awk -F, '$2 == "rank" && $12 == "0.0"' "$csv" | wc -l)" 0

# ---------------------------------------------------------------- steps
# 1. STEP_TIME empty: the steps come from the ProfilerStep#N framework ops
#    (whose TEXT times equal the STEP_TIME rows in a generated cluster).
mk no_step_time pp
sql_all no_step_time "DELETE FROM STEP_TIME"
variant no_step_time 0
no_other_lines no_step_time
check_eq "no_step_time: steps" "$(steps_of_rank_rows)" "[1][2]"
check "no_step_time: same CSV as with STEP_TIME" cmp -s "$base_pp_csv" "$csv"

# 2. No STEP_TIME table and no ProfilerStep#N rows: one step with id NULL
mk no_steps pp
sql_all no_steps "DROP TABLE STEP_TIME;
  DELETE FROM PYTORCH_API WHERE name IN (SELECT id FROM STRING_IDS WHERE value LIKE 'ProfilerStep#%')"
variant no_steps 0
no_other_lines no_steps
check_eq "no_steps: one NULL step per rank" "$(rank_rows) $(steps_of_rank_rows)" "8 []"
check_eq "no_steps: one stage row per stage, NULL step" "$(grep -c '^,stage,' "$csv" || true)" 2

# ---------------------------------------------------------------- metadata
# 3. No metadata at all: no stage rows, DP/PP/TP empty (not a fake 0)
mk no_metadata pp
rm "$CS_TMP"/no_metadata/*/profiler_metadata.json
sql_all no_metadata "DELETE FROM META_DATA WHERE name IN ('parallel_group_info', 'distributed_args')"
variant no_metadata 0
check_eq "no_metadata: stage rows" "$(stage_rows)" 0
check_eq "no_metadata: DP/PP/TP empty" "$(indices_of_rank_rows)" ",, "

# 4. META_DATA only (no profiler_metadata.json): stages from the database's
#    parallel_group_info; distributed_args are read from the JSON only, so
#    DP/PP/TP stay empty.
mk metadata_db_only pp
rm "$CS_TMP"/metadata_db_only/*/profiler_metadata.json
variant metadata_db_only 0
check_eq "metadata_db_only: stage rows" "$(stage_rows)" 4
check_eq "metadata_db_only: DP/PP/TP empty" "$(indices_of_rank_rows)" ",, "

# 5. profiler_metadata.json only (parallel_group_info gone from META_DATA)
mk metadata_json_only pp
sql_all metadata_json_only "DELETE FROM META_DATA WHERE name = 'parallel_group_info'"
variant metadata_json_only 0
check_eq "metadata_json_only: stage rows" "$(stage_rows)" 4
check_eq "metadata_json_only: DP/PP/TP" "$(indices_of_rank_rows)" \
    "0,0,0 0,0,1 0,1,0 0,1,1 1,0,0 1,0,1 1,1,0 1,1,1 "
check "metadata_json_only: same CSV as with both" cmp -s "$base_pp_csv" "$csv"

# ---------------------------------------------------------------- bad values
# 6. NULL / INVALID / absurd / non-integer / inverted values in TASK,
#    COMMUNICATION_OP, CANN_API and COMPUTE_TASK_INFO: rows excluded and
#    counted per rank and table, exit 0.
mk invalid_rows pp
sql_all invalid_rows "
  UPDATE TASK SET startNs = NULL WHERE globalTaskId % 97 = 1;
  UPDATE TASK SET endNs = startNs - 5 WHERE globalTaskId % 89 = 2;
  UPDATE TASK SET connectionId = $INVALID WHERE globalTaskId % 83 = 3;
  UPDATE TASK SET startNs = 900000000000000000 WHERE globalTaskId % 79 = 4;
  UPDATE TASK SET deviceId = NULL WHERE globalTaskId % 73 = 5;
  UPDATE TASK SET startNs = 'abc' WHERE globalTaskId % 71 = 6;
  UPDATE COMMUNICATION_OP SET endNs = NULL WHERE opId % 7 = 1;
  UPDATE COMMUNICATION_OP SET connectionId = $INVALID WHERE opId % 11 = 2;
  UPDATE CANN_API SET startNs = NULL WHERE connectionId % 13 = 3;
  UPDATE COMPUTE_TASK_INFO SET globalTaskId = $INVALID
    WHERE globalTaskId = (SELECT max(globalTaskId) FROM COMPUTE_TASK_INFO);"
variant invalid_rows 0
expect_excluded invalid_rows TASK "$(bad_range startNs endNs) OR $(bad_key deviceId)"
expect_excluded invalid_rows COMMUNICATION_OP "$(bad_range startNs endNs) OR $(bad_key connectionId)"
expect_excluded invalid_rows CANN_API "type = 10000 AND ($(bad_range startNs endNs) OR $(bad_key connectionId))"

# 7. The same plus an end after 2100, an inverted op and a STEP_TIME row with
#    a NULL end (step 2 is gone; STEP_TIME still has rows, so no fallback)
mk invalid_rows2 pp
sql_all invalid_rows2 "
  UPDATE TASK SET startNs = NULL WHERE globalTaskId % 97 = 1;
  UPDATE TASK SET endNs = startNs - 5 WHERE globalTaskId % 89 = 2;
  UPDATE TASK SET connectionId = $INVALID WHERE globalTaskId % 83 = 3;
  UPDATE TASK SET startNs = 900000000000000000 WHERE globalTaskId % 79 = 4;
  UPDATE TASK SET deviceId = NULL WHERE globalTaskId % 73 = 5;
  UPDATE TASK SET startNs = 'abc' WHERE globalTaskId % 71 = 6;
  UPDATE TASK SET endNs = 4200000000000000000 WHERE globalTaskId % 61 = 7;
  UPDATE COMMUNICATION_OP SET endNs = NULL WHERE opId % 7 = 1;
  UPDATE COMMUNICATION_OP SET connectionId = $INVALID WHERE opId % 11 = 2;
  UPDATE COMMUNICATION_OP SET startNs = endNs + 10 WHERE opId % 13 = 3;
  UPDATE CANN_API SET startNs = NULL WHERE connectionId % 13 = 3;
  UPDATE COMPUTE_TASK_INFO SET globalTaskId = $INVALID
    WHERE globalTaskId = (SELECT min(globalTaskId) FROM COMPUTE_TASK_INFO);
  UPDATE STEP_TIME SET endNs = NULL WHERE id = 2;"
variant invalid_rows2 0
check_eq "invalid_rows2: only step 1 left" "$(steps_of_rank_rows)" "[1]"
expect_excluded invalid_rows2 TASK "$(bad_range startNs endNs) OR $(bad_key deviceId)"
expect_excluded invalid_rows2 COMMUNICATION_OP "$(bad_range startNs endNs) OR $(bad_key connectionId)"
expect_excluded invalid_rows2 CANN_API "type = 10000 AND ($(bad_range startNs endNs) OR $(bad_key connectionId))"
expect_excluded invalid_rows2 STEP_TIME "$(bad_range startNs endNs) OR typeof(id) != 'integer'"

# 8. The smallest case of what makes invalid_rows differ.  Rank 0: the
#    tasks of step 1's first node launch (an HCCL op's) get deviceId NULL,
#    the second launch of step 1 loses its CANN_API start.  The reference
#    still takes those tasks' valid times for the step's START (their
#    deviceId only matters for the op's device), so the second launch's
#    kernel stays in step 1; clusterscope drops the whole TASK row.
mk null_device_launch train
sqlite3 -bail "$(db null_device_launch 0)" "
  CREATE TEMP TABLE l AS SELECT connectionId AS c FROM CANN_API
    WHERE type = 10000 AND startNs >= (SELECT startNs FROM STEP_TIME WHERE id = 1)
    ORDER BY startNs LIMIT 2;
  UPDATE TASK SET deviceId = NULL WHERE connectionId = (SELECT min(c) FROM l);
  UPDATE CANN_API SET startNs = NULL WHERE type = 10000 AND connectionId = (SELECT max(c) FROM l);"
variant null_device_launch 0

# 9. A communication op whose device tasks all have a NULL start: the op's
#    own times are valid; the reference still takes its device from those
#    tasks (the device rule of analyses.md §2.b.1 does not use task times).
mk comm_task_null_start train
sqlite3 -bail "$(db comm_task_null_start 0)" "
  UPDATE TASK SET startNs = NULL WHERE connectionId =
    (SELECT connectionId FROM COMMUNICATION_OP ORDER BY startNs LIMIT 1 OFFSET 3);"
variant comm_task_null_start 0

# 10. Compute tasks whose deviceId is INVALID (4294967295): excluded, not a
#     device of their own (input-formats.md §5)
mk invalid_device train
sqlite3 -bail "$(db invalid_device 0)" "
  UPDATE TASK SET deviceId = $INVALID WHERE globalTaskId IN
    (SELECT globalTaskId FROM COMPUTE_TASK_INFO WHERE globalTaskId % 10 = 0);"
variant invalid_device 0
check_eq "invalid_device: rank 0 rows" "$(grep -c '^[0-9]*,rank,0,' "$csv" || true)" 2
expect_excluded invalid_device TASK "$(bad_range startNs endNs) OR $(bad_key deviceId)"

# ---------------------------------------------------------------- Level0
# 11. No COMPUTE_TASK_INFO: compute = KERNEL_* tasks, said in the report
mk level0 pp
sql_all level0 "DROP TABLE COMPUTE_TASK_INFO"
variant level0 0
for r in 0 1 2 3 4 5 6 7; do
    has_line level0 "clusterscope: overlap: rank $r: no COMPUTE_TASK_INFO (profiler level 0?); compute = KERNEL_* tasks"
done
check "level0: same CSV (generated compute tasks are KERNEL_*)" cmp -s "$base_pp_csv" "$csv"

# ---------------------------------------------------------------- folders and devices
# 12. Rank 1 in two folders: the newer one (a changed copy) is used, the other
#     listed as skipped (discover), exit 3
mk duplicate_rank train
old=$(dirname "$(dirname "$(db duplicate_rank 1)")")
new="$CS_TMP/duplicate_rank/node0_39999_20251124080001003_ascend_pt"
cp -r "$old" "$new"
sqlite3 -bail "$new/ASCEND_PROFILER_OUTPUT/ascend_pytorch_profiler_1.db" "UPDATE TASK SET endNs = endNs + 1000"
variant duplicate_rank 3
has_line duplicate_rank "clusterscope: skipped: rank 1 (discover): duplicate rank 1: kept $new (newer) [$old]"
check "duplicate_rank: skipped.csv row" grep -qxF "1,$old,discover,duplicate rank 1: kept $new (newer)" "$out/skipped.csv"
check_eq "duplicate_rank: rank 1 rows" "$(grep -c '^[0-9]*,rank,1,' "$csv" || true)" 2
check "duplicate_rank: rank 1 read from the newer folder" \
    bash -c "! cmp -s <(grep ',rank,1,' '$base_train_csv') <(grep ',rank,1,' '$csv')"
check "duplicate_rank: other ranks unchanged" \
    cmp -s <(grep -v ',rank,1,' "$base_train_csv") <(grep -v ',rank,1,' "$csv")

# 13. Rank 0: some communication ops with a task on a second device (dropped
#     and counted), zero-length tasks (valid), compute tasks on device 3 (rows
#     per device)
mk two_devices train
d=$(db two_devices 0)
sqlite3 -bail "$d" "
  UPDATE TASK SET deviceId = 1 WHERE globalTaskId IN (SELECT min(globalTaskId) FROM TASK WHERE connectionId IN
    (SELECT connectionId FROM COMMUNICATION_OP WHERE opId % 5 = 0) GROUP BY connectionId);
  UPDATE TASK SET endNs = startNs WHERE globalTaskId % 31 = 0;
  UPDATE TASK SET deviceId = 3 WHERE globalTaskId IN
    (SELECT globalTaskId FROM COMPUTE_TASK_INFO WHERE globalTaskId % 4 = 0);"
variant two_devices 0
n=$(sqlite3 "$d" "SELECT count(*) FROM COMMUNICATION_OP WHERE connectionId IN
      (SELECT connectionId FROM TASK GROUP BY connectionId HAVING min(deviceId) != max(deviceId))")
check "two_devices: ops on two devices exist" test "$n" -gt 0
has_line two_devices "clusterscope: rank 0: $n communication ops without device tasks on one device dropped (overlap)"
has_line two_devices "clusterscope: overlap: rank 0: several devices in one database; one row per device and step"
check_eq "two_devices: zero-length tasks not excluded" "$(count_lines two_devices 'TASK rows excluded')" 0
check_eq "two_devices: rank 0 has rows for devices 0 and 3 (2 steps each)" \
    "$(grep -c '^[0-9]*,rank,0,' "$csv" || true)" 4
check_eq "two_devices: rank rows" "$(rank_rows)" 18

# 14. An empty rank (no TASK rows): skipped (read), the others analysed, exit 3
mk empty_rank train
d=$(db empty_rank 2)
sqlite3 -bail "$d" "DELETE FROM TASK"
variant empty_rank 3
f=$(dirname "$(dirname "$d")")
has_line empty_rank "clusterscope: skipped: rank 2 (read): $d: empty rank (no rows in TASK) [$f]"
check "empty_rank: skipped.csv row" grep -qxF "2,$f,read,$d: empty rank (no rows in TASK)" "$out/skipped.csv"
check_eq "empty_rank: no rows for rank 2" "$(grep -c ',rank,2,' "$csv" || true)" 0
check_eq "empty_rank: rank rows" "$(rank_rows)" 14

# 15. Tasks outside SESSION_TIME_INFO (rank 0's session ends with step 1):
#     kept, as the reference does, and counted
mk outside_session train
d=$(db outside_session 0)
sqlite3 -bail "$d" "UPDATE SESSION_TIME_INFO SET endTimeNs = (SELECT endNs FROM STEP_TIME WHERE id = 1)"
variant outside_session 0
n=$(sqlite3 "$d" "SELECT count(*) FROM TASK, SESSION_TIME_INFO WHERE NOT ($(bad_range startNs endNs) OR $(bad_key deviceId))
      AND (startNs < startTimeNs OR endNs > endTimeNs)")
check "outside_session: tasks outside exist" test "$n" -gt 0
has_line outside_session "clusterscope: rank 0: $n TASK rows outside SESSION_TIME_INFO (kept) (overlap)"
check "outside_session: same CSV" cmp -s "$base_train_csv" "$csv"

# ---------------------------------------------------------------- no CANN_API
# 16. Training without CANN_API: step windows are the host steps
mk train_no_cann pp
sql_all train_no_cann "DROP TABLE CANN_API"
variant train_no_cann 0
for r in 0 1 2 3 4 5 6 7; do
    has_line train_no_cann "clusterscope: overlap: rank $r: no CANN_API table; step windows use host times"
done
check_eq "train_no_cann: steps" "$(steps_of_rank_rows)" "[1][2]"

# 17. Inference without CANN_API: START of the NULL step is 0
mk infer_no_cann infer
sql_all infer_no_cann "DROP TABLE CANN_API"
variant infer_no_cann 0
for r in 0 1 2 3; do
    has_line infer_no_cann "clusterscope: overlap: rank $r: no CANN_API table; step windows use host times"
done

# ---------------------------------------------------------------- inference FWK_START
# 18. Inference with no PYTORCH_API op rows: no FWK_START, preparing 0
#     (analyses.md §2.b.1: "no op row → preparing 0"; was first task − 0)
mk infer_no_op_rows infer
sql_all infer_no_op_rows "DELETE FROM PYTORCH_API"
# module_statistic (part of -m all) cannot link any kernel to a framework op:
# every rank is skipped for it, so the run is partial (exit 3)
variant infer_no_op_rows 3
check "infer_no_op_rows: module_statistic skipped" grep -q 'skipped: rank 0 (module_statistic): no framework-to-kernel links' "$CS_TMP/infer_no_op_rows.err"
check_eq "infer_no_op_rows: preparing 0" "$(preparing_of_rank_rows)" "0.0 "

# 19. ... no PYTORCH_API table at all
mk infer_no_pytorch_api infer
sql_all infer_no_pytorch_api "DROP TABLE PYTORCH_API"
variant infer_no_pytorch_api 3
check "infer_no_pytorch_api: module_statistic skipped" grep -q 'skipped: rank 0 (module_statistic): missing table PYTORCH_API' "$CS_TMP/infer_no_pytorch_api.err"
check_eq "infer_no_pytorch_api: preparing 0" "$(preparing_of_rank_rows)" "0.0 "

# 20. ... rows, but none of type op (50001)
mk infer_no_op_type infer
sql_all infer_no_op_type "UPDATE PYTORCH_API SET type = 50002"
variant infer_no_op_type 0
check_eq "infer_no_op_type: preparing 0" "$(preparing_of_rank_rows)" "0.0 "

# 21. The earliest op row's startNs (a TEXT column) is not a number, or is an
#     absurd time: that row is excluded, FWK_START comes from the next op
#     (input-formats.md §5), not CAST('abc' AS INTEGER) = 0 or 5
for bad in abc 5; do
    name=infer_op_start_$bad
    mk "$name" infer
    sql_all "$name" "UPDATE PYTORCH_API SET startNs = '$bad' WHERE rowid =
      (SELECT rowid FROM PYTORCH_API WHERE type = 50001 ORDER BY CAST(startNs AS INTEGER) LIMIT 1)"
    variant "$name" 0
    check "$name: preparing below 1 s" awk -F, 'NR > 1 && $2 == "rank" && ($12 > 1e6 || $12 < -1e6) {exit 1}' "$csv"
done
finish
