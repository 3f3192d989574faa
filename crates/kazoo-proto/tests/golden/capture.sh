#!/usr/bin/env bash
# Re-captures the golden vectors in this folder from a fresh standalone ZooKeeper server.
# Needs Java and ZooKeeper's jars (Debian: apt-get install zookeeper). Usage: ./capture.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cp="${ZOOKEEPER_CLASSPATH:-/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-simple.jar}"
work="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
cat > "$work/zoo.cfg" <<CFG
tickTime=2000
dataDir=$work/data
clientPort=$port
clientPortAddress=127.0.0.1
admin.enableServer=false
4lw.commands.whitelist=*
CFG
java -cp "$cp" org.apache.zookeeper.server.quorum.QuorumPeerMain "$work/zoo.cfg" > "$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$work"' EXIT
# Ready when `srvr` reports a version (ruok answers before the server accepts sessions).
version=""
for _ in $(seq 1 150); do
  version="$( (exec 3<>"/dev/tcp/127.0.0.1/$port" && printf srvr >&3 && cat <&3) 2>/dev/null | head -1 || true)"
  case "$version" in "Zookeeper version"*) break ;; esac
  sleep 0.2
done
echo "$version"
cargo run -q -p kazoo-proto --example capture_golden -- "127.0.0.1:$port" "$here"
echo "$version" > "$here/server-version.txt"
