# Shared helpers for the end-to-end tests (sourced).  CMake passes CS_BIN,
# CS_GEN, CS_SRC, CS_TMP and MPIEXEC in the environment.
set -euo pipefail
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# Open MPI's own allocations are not freed at exit; leak reports from them are
# noise here.  Our code's leaks are caught by the unit tests (no MPI).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
: "${CS_BIN:?}" "${CS_GEN:?}" "${CS_SRC:?}" "${CS_TMP:?}"
MPIEXEC=${MPIEXEC:-mpirun}
# Debian's interpreter: it sees the python3-* packages install-deps.sh installs
# (a python3 earlier on PATH may be another installation without them).
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
rm -rf "$CS_TMP"
mkdir -p "$CS_TMP"
passed=0 failed=0

pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }
check() { # check DESCRIPTION CMD... : counts the command's success
  local what=$1; shift
  if "$@"; then pass; else fail "$what"; fi
}
check_eq() { # check_eq DESCRIPTION GOT WANT
  if [ "$2" = "$3" ]; then pass; else fail "$1: got '$2', want '$3'"; fi
}
finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}

# run_cs NP ARGS... : clusterscope under mpirun with NP processes; stderr to $CS_TMP/stderr
run_cs() {
  local np=$1; shift
  # mpirun forwards stdin to process 0: keep it away from the caller's loops
  "$MPIEXEC" --oversubscribe -np "$np" "$CS_BIN" "$@" 2>"$CS_TMP/stderr" </dev/null
}

# gen DIR ARGS... : a generated cluster
gen() {
  local dir=$1; shift
  "$CS_GEN" --out "$dir" "$@" >/dev/null
}

# rows CSV : number of data rows
rows() { echo $(($(wc -l <"$1") - 1)); }
