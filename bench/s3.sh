#!/usr/bin/env bash
# Benchmark: pgark full backup and restore of one pgbench cluster to an S3 repository (s3rver on loopback) vs a posix
# repository, in one run, same compression (lz4 1) and jobs. Prints MB/s (data directory size / wall time) and the
# S3/posix throughput ratio, and how much CPU the s3rver process and pgark used, to tell when the test server (or the
# SDK's per-request work) is the bottleneck: on a 2-core machine their CPU seconds add directly to the wall time.
# Usage: bench/s3.sh [scale (default 100)] [jobs (default 2)]. Needs root, node (tests/js/node_modules, installed by
# scripts/install-deps.sh) and about 3x the data directory free in $PGARK_BENCH_DIR (/tmp).
set -euo pipefail
cd "$(dirname "$0")/.."
SCALE="${1:-100}"
JOBS="${2:-2}"
WORK="${PGARK_BENCH_DIR:-/tmp/pgark-bench-s3}"

bash scripts/install-deps.sh
source bench/common.sh
S3PID=""
cleanup_all() {
  cleanup
  [[ -n "$S3PID" ]] && kill "$S3PID" 2>/dev/null || true
}
trap cleanup_all EXIT
rm -rf "$WORK"
mkdir -p "$WORK"/{posix-repo,s3,locks}
PORT=$(( 20000 + RANDOM % 20000 ))
S3PORT=$(( PORT + 1 ))
BUCKET=pgark-bench
printf S3RVER > "$WORK/s3-key-id"; printf S3RVER > "$WORK/s3-secret"; chmod 600 "$WORK/s3-key-id" "$WORK/s3-secret"
chown -R postgres:postgres "$WORK"

# s3rver's continuation tokens use DES, which OpenSSL 3 only has in its legacy provider.
node --openssl-legacy-provider tests/js/node_modules/s3rver/bin/s3rver.js --directory "$WORK/s3" --address 127.0.0.1 \
  --port "$S3PORT" --configure-bucket "$BUCKET" --silent >"$WORK/s3rver.log" 2>&1 &
S3PID=$!
until curl -s -o /dev/null "http://127.0.0.1:$S3PORT/"; do
  kill -0 "$S3PID" 2>/dev/null || { cat "$WORK/s3rver.log"; exit 1; }
  sleep 0.2
done

write_bench_config "$WORK/posix.yaml" lz4 1 "    path: $WORK/posix-repo"
write_bench_config "$WORK/s3.yaml" lz4 1 "    type: s3
    endpoint: http://127.0.0.1:$S3PORT
    bucket: $BUCKET
    prefix: bench
    accessKeyIdFile: $WORK/s3-key-id
    secretAccessKeyFile: $WORK/s3-secret"

echo "== building a pgbench scale-$SCALE cluster in $WORK/data"
start_bench_cluster "$PGARK --config $WORK/posix.yaml archive-push --server bench %p && $PGARK --config $WORK/s3.yaml archive-push --server bench %p"
as_pg "$PGARK" --config "$WORK/posix.yaml" init --server bench >/dev/null
as_pg "$PGARK" --config "$WORK/s3.yaml" init --server bench >/dev/null
as_pg "$BIN/pgbench" -h "$WORK" -p "$PORT" -i -s "$SCALE" -q postgres 2>&1 | tail -1
as_pg "$BIN/psql" -h "$WORK" -p "$PORT" -qAt -c "CHECKPOINT" postgres
echo "== waiting for the archiver to drain the pgbench WAL (into both repositories)"
wait_for_archiver
DBSIZE=$(du -sb "$WORK/data" --exclude=pg_wal | cut -f1)
echo "data directory: $(mb "$DBSIZE") MB (without pg_wal); $(nproc) cores; jobs $JOBS"

# CPU seconds (user + system) the s3rver process has used so far.
s3rver_cpu() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$S3PID/stat"; }
# CPU seconds (user + system) a timed pgark run used, from /usr/bin/time's output file.
pgark_cpu() { awk '{ printf "%.2f", $1 + $2 }' "$WORK/$1.cpu"; }
mbps() { awk -v b="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%.1f", b / 1048576 / s; else print "n/a" }'; }

declare -A BACKUP RESTORE CPU_B CPU_R
for repo in posix s3; do
  wait_for_archiver
  sync
  c0=$(s3rver_cpu); t0=$(now)
  as_pg /usr/bin/time -f '%U %S' -o "$WORK/$repo-backup.cpu" "$PGARK" --config "$WORK/$repo.yaml" backup --server bench --type full --jobs "$JOBS" --output json > "$WORK/$repo-backup.json"
  t1=$(now); c1=$(s3rver_cpu)
  BACKUP[$repo]=$(elapsed "$t0" "$t1"); CPU_B[$repo]=$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.2f", b - a }')
  rm -rf "$WORK/restored"; install -d -o postgres -g postgres -m 700 "$WORK/restored"
  sync
  c0=$(s3rver_cpu); t0=$(now)
  as_pg /usr/bin/time -f '%U %S' -o "$WORK/$repo-restore.cpu" "$PGARK" --config "$WORK/$repo.yaml" restore --server bench --pgdata "$WORK/restored" --target immediate --jobs "$JOBS" >/dev/null
  t1=$(now); c1=$(s3rver_cpu)
  RESTORE[$repo]=$(elapsed "$t0" "$t1"); CPU_R[$repo]=$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.2f", b - a }')
  rm -rf "$WORK/restored"
done

STORED=$(grep -o '"stored_size": *[0-9]*' "$WORK/s3-backup.json" | head -1 | grep -o '[0-9]*$')
echo
echo "pgbench scale $SCALE, $(mb "$DBSIZE") MB data directory, lz4 1, jobs $JOBS, $(mb "$STORED") MB stored; s3rver $(node -p "require('./tests/js/node_modules/s3rver/package.json').version") on loopback"
for op in backup restore; do
  if [[ $op == backup ]]; then p=${BACKUP[posix]}; s=${BACKUP[s3]}; cpu=${CPU_B[s3]}; else p=${RESTORE[posix]}; s=${RESTORE[s3]}; cpu=${CPU_R[s3]}; fi
  printf '%-8s posix %7ss %8s MB/s | s3 %7ss %8s MB/s | s3/posix throughput %s | s3rver CPU %ss (%s of the s3 wall time) | pgark CPU posix %ss, s3 %ss\n' \
    "$op" "$p" "$(mbps "$DBSIZE" "$p")" "$s" "$(mbps "$DBSIZE" "$s")" "$(ratio "$p" "$s")" "$cpu" "$(ratio "$cpu" "$s")" \
    "$(pgark_cpu "posix-$op")" "$(pgark_cpu "s3-$op")"
done
