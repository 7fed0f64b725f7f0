#!/usr/bin/env bash
# Benchmark: clusterscope -m all against the floor (a bare SQLite scan of the
# same tables, tests/bench/floor.c) on generated clusters, plus the peak RSS
# of every process at several cluster sizes.  Prints a Markdown report; the
# numbers in docs/performance.md come from this script.
#
#   scripts/bench.sh [--ranks 64] [--kpo K] [--repeat 3] [--scaling "16 64 256"] [--scaling-kpo K]
#
# The main cluster: tp=8 pp=2, 64 layers, 4 steps, --kernels-per-op 24, about
# 16 MB per rank (1 GB at 64 ranks).  The scaling clusters use the same shape
# with --kernels-per-op 2 (about 1.5 MB per rank).
#
# Generated clusters are cached under bench-data/ (delete it to regenerate).
set -euo pipefail
cd "$(dirname "$0")/.."
ranks=64 kpo=24 repeat=3 scaling="16 64 256" scaling_kpo=2
while [ $# -gt 0 ]; do
  case "$1" in
    --ranks) ranks=$2; shift 2;;
    --kpo) kpo=$2; shift 2;;
    --repeat) repeat=$2; shift 2;;
    --scaling) scaling=$2; shift 2;;
    --scaling-kpo) scaling_kpo=$2; shift 2;;
    *) echo "unknown option $1" >&2; exit 2;;
  esac
done
bash scripts/install-deps.sh
command -v /usr/bin/time >/dev/null || { apt-get install -y -qq time >/dev/null; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build/release -j"$(nproc)" >/dev/null
bin=build/release

gen() { # gen RANKS KPO -> prints the cluster folder
  local dir=bench-data/r$1-k$2
  if [ ! -f "$dir/.done" ]; then
    rm -rf "$dir"
    $bin/cs_gen --out "$dir" --ranks "$1" --tp 8 --pp 2 --steps 4 --layers 64 --kernels-per-op "$2" >/dev/null
    touch "$dir/.done"
  fi
  echo "$dir"
}

best() { # best N CMD... -> best wall time in seconds
  local n=$1; shift
  local best=""
  for _ in $(seq "$n"); do
    local t0 t1
    t0=$(date +%s.%N); "$@" >/dev/null 2>&1; t1=$(date +%s.%N)
    best=$(echo "$t0 $t1 $best" | awk '{t=$2-$1; if ($3=="" || t<$3) print t; else print $3}')
  done
  printf '%.2f' "$best"
}

rss_of_run() { # rss_of_run NP DIR [MODE [EXPORT]] -> "max_MB" over the MPI processes (RSS_WHO=workers: ranks >= 1 only)
  local np=$1 dir=$2 mode=${3:-all} export=${4:-db} out
  out=$(mktemp -d)
  cat > "$out/wrap.sh" <<WRAP
#!/bin/sh
exec /usr/bin/time -f '%M' -o "$out/rss.\$OMPI_COMM_WORLD_RANK" "\$@"
WRAP
  chmod +x "$out/wrap.sh"
  mpirun --oversubscribe -np "$np" "$out/wrap.sh" $bin/clusterscope -m "$mode" -d "$dir" -o "$out" \
    --export_type "$export" --quiet >/dev/null 2>&1 || true
  local files=("$out"/rss.*)
  [ "${RSS_WHO:-all}" = workers ] && files=($(ls "$out"/rss.* | grep -v '\.0$'))
  cat "${files[@]}" | awk '{kb=$1; if (kb>m) m=kb} END {printf "%.1f", m/1024}'
  rm -rf "$out"
}

main_dir=$(gen "$ranks" "$kpo")
size=$(du -sb "$main_dir" | awk '{printf "%.3f", $1/1e9}')
dbs=$(find "$main_dir" -name 'ascend_pytorch_profiler_*.db' | sort)
# Warm the page cache once so that every measurement reads from memory.
$bin/cs_floor $dbs >/dev/null
floor=$(best "$repeat" $bin/cs_floor $dbs)
out=$(mktemp -d)
# P = 1 runs as a plain process (no mpirun start-up); P = 2 under mpirun.
p1=$(best "$repeat" $bin/clusterscope -m all -d "$main_dir" -o "$out" --export_type db --quiet)
p2=$(best "$repeat" mpirun --oversubscribe -np 2 $bin/clusterscope -m all -d "$main_dir" -o "$out" --export_type db --quiet)
m1=$(best "$repeat" $bin/clusterscope -m module_statistic -d "$main_dir" -o "$out" --export_type db --quiet)
m2=$(best "$repeat" mpirun --oversubscribe -np 2 $bin/clusterscope -m module_statistic -d "$main_dir" -o "$out" --export_type db --quiet)
rm -rf "$out"
rss1=$(rss_of_run 1 "$main_dir")
rss2=$(rss_of_run 2 "$main_dir")
mrss1=$(rss_of_run 1 "$main_dir" module_statistic)
mrss2=$(rss_of_run 2 "$main_dir" module_statistic)

echo "## Benchmark $(date -u +%Y-%m-%d) on $(nproc) cores"
echo
echo "Cluster: $ranks ranks (tp=8 pp=2, 4 steps, 64 layers, --kernels-per-op $kpo), $size GB of profiler databases."
echo
echo "| run | wall time (best of $repeat) | ratio to floor | peak RSS per process |"
echo "|---|---|---|---|"
echo "| floor: one SQLite scan of the same tables (cs_floor) | ${floor} s | 1.00 | |"
echo "| clusterscope -m all, P = 1 (no mpirun) | ${p1} s | $(awk -v a="$p1" -v b="$floor" 'BEGIN{printf "%.2f", a/b}') | ${rss1} MB |"
echo "| clusterscope -m all, P = 2 (mpirun) | ${p2} s | $(awk -v a="$p2" -v b="$floor" 'BEGIN{printf "%.2f", a/b}') | ${rss2} MB |"
echo "| clusterscope -m module_statistic, P = 1 (no mpirun) | ${m1} s | $(awk -v a="$m1" -v b="$floor" 'BEGIN{printf "%.2f", a/b}') | ${mrss1} MB |"
echo "| clusterscope -m module_statistic, P = 2 (mpirun) | ${m2} s | $(awk -v a="$m2" -v b="$floor" 'BEGIN{printf "%.2f", a/b}') | ${mrss2} MB |"
echo
echo "Peak RSS per process against cluster size (--kernels-per-op $scaling_kpo, P = 1 and 2):"
echo
echo "| ranks | GB | -m all, P = 1 | -m all, P = 2 | -m all, P = 2, worker only | -m module_statistic, P = 1 | -m module_statistic, P = 2 |"
echo "|---|---|---|---|---|---|---|"
for n in $scaling; do
  d=$(gen "$n" "$scaling_kpo")
  echo "| $n | $(du -sb "$d" | awk '{printf "%.3f", $1/1e9}') | $(rss_of_run 1 "$d") MB | $(rss_of_run 2 "$d") MB |" \
       "$(RSS_WHO=workers rss_of_run 2 "$d") MB |" \
       "$(rss_of_run 1 "$d" module_statistic) MB | $(rss_of_run 2 "$d" module_statistic) MB |"
done
echo
echo "Peak RSS of process 0 by export type and analysis (-m all unless said; P = 1):"
echo
echo "| ranks | db | csv | excel | -m straggler, db | -m communication_time, db | -m communication_matrix, db |"
echo "|---|---|---|---|---|---|---|"
for n in $scaling; do
  d=$(gen "$n" "$scaling_kpo")
  echo "| $n | $(rss_of_run 1 "$d") MB | $(rss_of_run 1 "$d" all csv) MB | $(rss_of_run 1 "$d" all excel) MB |" \
       "$(rss_of_run 1 "$d" straggler) MB | $(rss_of_run 1 "$d" communication_time) MB |" \
       "$(rss_of_run 1 "$d" communication_matrix) MB |"
done
