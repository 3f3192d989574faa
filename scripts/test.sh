#!/usr/bin/env bash
# The whole test suite: installs what is missing, checks formatting and lints, runs every test
# (unit, integration against real ZooKeeper servers, interop with Python kazoo, doc tests) and
# ends with the test runner's summary line. Exits non-zero on any failure.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
"$root/scripts/setup.sh"
export KAZOO_PYTHON="$root/.venv/bin/python"

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy --all-targets -- -D warnings"
cargo clippy --workspace --all-targets --quiet -- -D warnings
echo "== cargo doc (warnings are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --quiet
echo "== doc tests"
mkdir -p target
if ! cargo test --workspace --doc >target/doctest.log 2>&1; then
  cat target/doctest.log; echo "doc tests failed" >&2; exit 1
fi
awk '/^test result/ {p+=$4; f+=$6} END {printf "doc tests: %d passed, %d failed\n", p, f}' target/doctest.log
echo "== cargo nextest run --workspace"
# nextest runs each test in its own process: one standalone server, started here, serves every
# test that only needs a shared server (each works under its own unique path); tests that stop,
# kill or partition servers start their own.
cargo build --quiet -p kazoo-testkit --bin kazoo-ensemble
ready="$(mktemp -u /tmp/kazoo-shared-zk.XXXXXX)"
./target/debug/kazoo-ensemble --size 1 --ready-file "$ready" >target/shared-zk.log 2>&1 &
shared_pid=$!
trap 'kill -TERM "$shared_pid" 2>/dev/null || true; wait "$shared_pid" 2>/dev/null || true; rm -f "$ready"' EXIT
for _ in $(seq 1 240); do
  [ -s "$ready" ] && break
  kill -0 "$shared_pid" 2>/dev/null || { cat target/shared-zk.log; echo "shared server failed to start" >&2; exit 1; }
  sleep 0.25
done
[ -s "$ready" ] || { echo "shared server did not become ready" >&2; exit 1; }
export KAZOO_TESTKIT_SHARED_SERVER="$(cat "$ready")"
echo "shared ZooKeeper for the suite: $KAZOO_TESTKIT_SHARED_SERVER"
set +e
cargo nextest run --workspace --no-fail-fast 2>&1 | tee target/nextest.log
status=${PIPESTATUS[0]}
set -e
grep -E '^\s+Summary' target/nextest.log | tail -n 1
exit "$status"
