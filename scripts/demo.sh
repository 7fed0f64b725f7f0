#!/usr/bin/env bash
# Sets up clusterscope on a fresh Debian machine, makes a sample cluster and
# runs the main job on it under mpirun.  Usage: scripts/demo.sh [NPROCS]
set -euo pipefail
cd "$(dirname "$0")/.."
np=${1:-2}
bash scripts/install-deps.sh
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build/release -j"$(nproc)"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
rm -rf sample
if [ -x build/release/cs_gen ]; then
  build/release/cs_gen --out sample/cluster --ranks 8 --tp 4 --steps 2
else
  # Without the generator: the two hand-made ranks of fixtures/tiny.
  for r in 0 1; do
    d=sample/cluster/node0_10${r}_2024112408000000${r}_ascend_pt/ASCEND_PROFILER_OUTPUT
    mkdir -p "$d"
    cat fixtures/tiny/schema.sql fixtures/tiny/overlap_rank$r.sql | sqlite3 "$d/ascend_pytorch_profiler_$r.db"
  done
fi
mpirun --oversubscribe -np "$np" build/release/clusterscope -m all -d sample/cluster -o sample/out --export_type csv
echo
echo "== sample/out/cluster_analysis_output/cluster_step_trace_time.csv"
head -n 12 sample/out/cluster_analysis_output/cluster_step_trace_time.csv
