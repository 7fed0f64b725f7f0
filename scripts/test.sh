#!/usr/bin/env bash
# Builds clusterscope twice (release and ASan+UBSan) and runs the whole test
# suite with ctest on both.  This is the README's test command and what
# .ci/run runs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
# Open MPI refuses to run as root without these; CI and containers run as root.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1
jobs=$(nproc)
for variant in release asan; do
  dir=build/$variant
  opts=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
  [ "$variant" = asan ] && opts=(-DCMAKE_BUILD_TYPE=Debug -DCS_SANITIZE=ON)
  cmake -S . -B "$dir" "${opts[@]}" >/dev/null
  cmake --build "$dir" -j"$jobs"
  echo "== ctest ($variant)"
  ctest --test-dir "$dir" --output-on-failure -j"$jobs"
done
