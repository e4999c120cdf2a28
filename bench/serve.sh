#!/usr/bin/env bash
# pgark serve under read load: GET /api/servers/{s}/backups on a repository with N backups (target: median < 50 ms at
# N = 1000), then `hey -c 200` on the same read route (target: no errors).
# The repository holds 3 real backups of a small cluster; the other N-3 are SYNTHETIC: copies of the real manifests under
# new valid backup ids (label "synthetic"), so listing reads N genuine manifest files. They are for listing only.
# Usage: bench/serve.sh [backups (default 1000)] [sequential requests (default 200)] [hey requests (default 4000)]. Needs root.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-1000}"
REQUESTS="${2:-200}"
HEY_REQUESTS="${3:-4000}"
WORK="${PGARK_BENCH_DIR:-/tmp/pgark-bench-serve}"
command -v hey >/dev/null || bash scripts/install-deps.sh --bench >/dev/null || true
source bench/common.sh
command -v python3 >/dev/null || { echo "bench/serve.sh: needs python3 (to write the synthetic manifests)" >&2; exit 2; }

SERVE_PID=""
stop_all() {
  [[ -n "$SERVE_PID" ]] && kill "$SERVE_PID" 2>/dev/null && wait "$SERVE_PID" 2>/dev/null || true
  cleanup
}
trap stop_all EXIT
rm -rf "$WORK"
mkdir -p "$WORK"/{repo,locks}
chown -R postgres:postgres "$WORK"
PORT=$(( 20000 + RANDOM % 20000 ))
HTTP_PORT=$(( PORT + 1 ))
KEY="pgark_bench_$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
SHA=$(printf '%s' "$KEY" | sha256sum | cut -d' ' -f1)
write_bench_config "$WORK/pgark.yaml" zstd "" "    path: $WORK/repo"
cat >> "$WORK/pgark.yaml" <<YAML
api:
  keys:
    - { name: bench, sha256: "$SHA", role: viewer }
YAML
chmod 644 "$WORK/pgark.yaml"

echo "== cluster and 3 real backups"
as_pg "$BIN/initdb" -D "$WORK/data" -A trust >/dev/null
cat >> "$WORK/data/postgresql.conf" <<CONF
port = $PORT
unix_socket_directories = '$WORK'
listen_addresses = ''
archive_mode = on
archive_command = '$PGARK --config $WORK/pgark.yaml archive-push --server bench %p'
CONF
as_pg "$BIN/pg_ctl" -D "$WORK/data" -l "$WORK/pg.log" -w start >/dev/null
as_pg "$PGARK" --config "$WORK/pgark.yaml" init --server bench >/dev/null
for type in full incr incr; do
  as_pg "$PGARK" --config "$WORK/pgark.yaml" backup --server bench --type "$type" >/dev/null
done

echo "== $(( N - 3 )) synthetic backups (copies of the real manifests under new ids)"
as_pg python3 - "$WORK/repo/servers/bench/backups" "$N" <<'PY'
import json, os, sys, datetime
folder, total = sys.argv[1], int(sys.argv[2])
real = sorted(d for d in os.listdir(folder) if os.path.exists(os.path.join(folder, d, "manifest.json")))
start = datetime.datetime(2020, 1, 1)
for i in range(total - len(real)):
    source = real[i % len(real)]
    with open(os.path.join(folder, source, "manifest.json")) as f:
        manifest = json.load(f)
    stamp = start + datetime.timedelta(minutes=10 * i)
    new_id = stamp.strftime("%Y%m%d-%H%M%S") + source[-1]
    manifest["id"] = new_id
    manifest["label"] = "synthetic"
    manifest["startTime"] = stamp.isoformat() + "+00:00"
    manifest["stopTime"] = (stamp + datetime.timedelta(seconds=5)).isoformat() + "+00:00"
    os.makedirs(os.path.join(folder, new_id), mode=0o700)
    path = os.path.join(folder, new_id, "manifest.json")
    with open(path, "w") as f:
        json.dump(manifest, f)
    os.chmod(path, 0o600)
PY
MANIFEST_KB=$(du -k "$(ls -d "$WORK"/repo/servers/bench/backups/*/manifest.json | tail -1)" | cut -f1)
echo "   $(ls "$WORK/repo/servers/bench/backups" | wc -l) backups in the repository (manifest ~${MANIFEST_KB} KB each)"

echo "== pgark serve on 127.0.0.1:$HTTP_PORT"
# As root (it only reads the repository), so $! is pgark itself and the exit trap stops it.
"$PGARK" --config "$WORK/pgark.yaml" serve --urls "http://127.0.0.1:$HTTP_PORT" > "$WORK/serve.log" 2>&1 &
SERVE_PID=$!
URL="http://127.0.0.1:$HTTP_PORT/api/servers/bench/backups"
for _ in $(seq 100); do curl -sf -o /dev/null -H "Authorization: Bearer $KEY" "$URL" && break; sleep 0.2; done
COUNT=$(curl -sf -H "Authorization: Bearer $KEY" "$URL" | grep -o '"id":' | wc -l)
echo "   the listing returns $COUNT backups"

echo "== GET /api/servers/bench/backups, $REQUESTS sequential requests (after 5 warm-up requests)"
for _ in 1 2 3 4 5; do curl -sf -o /dev/null -H "Authorization: Bearer $KEY" "$URL"; done
for _ in $(seq "$REQUESTS"); do
  curl -sf -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $KEY" "$URL"
done | sort -n | awk '{ v[NR] = $1 * 1000 } END {
  printf "   median %.1f ms   p95 %.1f ms   max %.1f ms   (target: median < 50 ms)\n", v[int((NR + 1) / 2)], v[int(NR * 0.95)], v[NR] }'

if command -v hey >/dev/null; then
  echo "== hey -c 200 -n $HEY_REQUESTS on the same route"
  hey -c 200 -n "$HEY_REQUESTS" -H "Authorization: Bearer $KEY" "$URL" > "$WORK/hey.txt" || true
  grep -E "Requests/sec|Average|Slowest|50% in|95% in|99% in" "$WORK/hey.txt" | sed 's/^ */   /'
  echo "   status codes:"; sed -n '/Status code distribution/,/^$/p' "$WORK/hey.txt" | tail -n +2 | sed 's/^ */     /'
  if grep -q "Error distribution" "$WORK/hey.txt"; then
    echo "   ERRORS:"; sed -n '/Error distribution/,$p' "$WORK/hey.txt" | tail -n +2 | sed 's/^ */     /'
  else
    echo "   errors: none"
  fi
else
  echo "== hey not installed (scripts/install-deps.sh --bench adds it): 200 concurrent curl requests instead"
  seq 200 | xargs -P 200 -I{} curl -s -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $KEY" "$URL" | sort | uniq -c | sed 's/^/   /'
fi
