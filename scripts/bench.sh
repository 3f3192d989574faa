#!/usr/bin/env bash
# Reproduces BENCHMARKS.md: installs what is missing (ZooKeeper, the kazoo venv, valgrind), builds
# kazoo-bench in release, runs every workload against the canned-reply server and a real ZooKeeper
# (3 interleaved repetitions, plus the callgrind runs), and writes target/bench/results.jsonl and
# the table target/bench/results.md. Extra arguments go to `kazoo-bench run` (see --help), e.g.
#   scripts/bench.sh --modes canned --workloads w2,w3 --reps 5
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
"$root/scripts/setup.sh"

callgrind=(--callgrind)
if ! command -v valgrind >/dev/null 2>&1; then
  echo "[bench] installing valgrind (for instructions per op)" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  if ! { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq valgrind >/dev/null; }; then
    echo "[bench] valgrind unavailable: skipping instructions per op" >&2
    callgrind=()
  fi
fi

cargo build --release --quiet -p kazoo-bench
target_dir="${CARGO_TARGET_DIR:-$root/target}"
mkdir -p "$root/target/bench"
"$target_dir/release/kazoo-bench" run "${callgrind[@]}" \
  --python "$root/.venv/bin/python" --out "$root/target/bench/results.jsonl" "$@"
