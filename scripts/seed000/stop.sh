#!/usr/bin/env bash
# Stops what scripts/seed000/start.sh started, by PID (agents first, then the clusters), and leaves the folder for
# inspection. Usage: scripts/seed000/stop.sh [FOLDER] (default ./.seed000). Add --delete to remove the folder too.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
DELETE=0
ARGS=()
for a in "$@"; do [[ "$a" == --delete ]] && DELETE=1 || ARGS+=("$a"); done
DIR="$(realpath -m "${ARGS[0]:-$ROOT/.seed000}")"
PGBIN="${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)}"
[[ -f "$DIR/pids" ]] || { echo "stop.sh: nothing started in $DIR (no pids file)" >&2; exit 3; }
if [[ "$(id -u)" == 0 ]]; then as_owner() { runuser -u postgres -- "$@"; }; else as_owner() { "$@"; }; fi

wait_gone() { for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done; return 1; }

while read -r kind name pid _; do
  [[ "$kind" == agent ]] || continue
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    wait_gone "$pid" || kill -KILL "$pid"
    echo "stopped agent $name (pid $pid)"
  fi
done < "$DIR/pids"
while read -r kind name pid data; do
  [[ "$kind" == cluster ]] || continue
  if kill -0 "$pid" 2>/dev/null; then
    as_owner "$PGBIN/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null || { kill -KILL "$pid"; wait_gone "$pid" || true; }
    echo "stopped cluster $name (pid $pid)"
  fi
done < "$DIR/pids"
rm -f "$DIR/pids"
if [[ "$DELETE" == 1 ]]; then rm -rf "$DIR"; echo "deleted $DIR"; fi
