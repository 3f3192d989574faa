#!/usr/bin/env bash
# Installs what the project needs on a fresh machine and does nothing when it is already there:
# ZooKeeper (Debian's package, with Java), cargo-nextest, and a Python virtual environment with
# kazoo 2.11 for the interoperability tests and the benchmark.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

log() { printf '[setup] %s\n' "$*" >&2; }

need_apt=()
if [ -z "${ZOOKEEPER_CLASSPATH:-}" ] && [ -z "${ZOOKEEPER_PATH:-}" ] && [ ! -f /usr/share/java/zookeeper.jar ]; then
  need_apt+=(zookeeper)
fi
command -v java >/dev/null 2>&1 || need_apt+=(default-jre-headless)
command -v keytool >/dev/null 2>&1 || need_apt+=(default-jre-headless)
python3 -c 'import venv' >/dev/null 2>&1 || need_apt+=(python3-venv)
if [ ${#need_apt[@]} -gt 0 ]; then
  log "installing Debian packages: ${need_apt[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if ! cargo nextest --version >/dev/null 2>&1; then
  log "installing cargo-nextest from crates.io"
  cargo install --locked cargo-nextest
fi

venv="$root/.venv"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import kazoo' >/dev/null 2>&1; then
  log "creating $venv with kazoo 2.11.0 from PyPI"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check 'kazoo==2.11.0'
fi
log "ready: $(java -version 2>&1 | head -n1); ZooKeeper jars: ${ZOOKEEPER_CLASSPATH:-${ZOOKEEPER_PATH:-/usr/share/java/zookeeper.jar}}; kazoo $("$venv/bin/python" -c 'import kazoo.version as v; print(v.__version__)' 2>/dev/null || echo '?')"
