#!/usr/bin/env bash
# The main job: starts a local 3-node ZooKeeper ensemble and runs the tour of the library against
# it, then stops the ensemble and removes its files.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
"$root/scripts/setup.sh"
cargo build --quiet --release -p kazoo-testkit --bin kazoo-ensemble
cargo build --quiet --release -p kazoo --example tour

ready="$(mktemp -u /tmp/kazoo-ensemble.XXXXXX)"
./target/release/kazoo-ensemble --size 3 --ready-file "$ready" &
ens=$!
cleanup() { kill -INT "$ens" 2>/dev/null || true; wait "$ens" 2>/dev/null || true; rm -f "$ready"; }
trap cleanup EXIT
for _ in $(seq 1 240); do
  [ -s "$ready" ] && break
  kill -0 "$ens" 2>/dev/null || { echo "the ensemble failed to start" >&2; exit 1; }
  sleep 0.5
done
[ -s "$ready" ] || { echo "the ensemble did not become ready in time" >&2; exit 1; }
hosts="$(cat "$ready")"
echo "== 3-node ensemble up: $hosts"
ZK_HOSTS="$hosts" ./target/release/examples/tour
