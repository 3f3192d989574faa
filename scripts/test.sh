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
cargo nextest run --workspace --no-fail-fast 2>&1 | tee target/nextest.log
