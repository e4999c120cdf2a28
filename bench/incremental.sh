#!/usr/bin/env bash
# Side-by-side: pgark incr against pgBackRest incr after the same pgbench workload, and restore --delta of both onto
# an identical copy of the data they just backed up.
# Usage: bench/incremental.sh [scale (default 100)] [transactions (default 20000)] [jobs (default 2)]
set -euo pipefail
cd "$(dirname "$0")/.."
SCALE="${1:-100}"
TRANSACTIONS="${2:-20000}"
JOBS="${3:-2}"
WORK="${PGARK_BENCH_DIR:-/tmp/pgark-bench}"
source bench/lib.sh

declare -a ROWS
set_pgark_compression lz4 1
write_pgbr_conf lz4 1
echo "== full backups (not timed)"
wait_for_archiver
as_pg "$PGARK" --config "$WORK/pgark.yaml" backup --server bench --jobs "$JOBS" >/dev/null
as_pg $PGBR backup --type=full

echo "== $TRANSACTIONS pgbench transactions"
as_pg "$BIN/pgbench" -h "$WORK" -p "$PORT" -c 2 -j 2 -t $(( TRANSACTIONS / 2 )) -n postgres 2>&1 | grep -E "^tps|processed" || true
as_pg "$BIN/psql" -h "$WORK" -p "$PORT" -qAt -c "CHECKPOINT" postgres
wait_for_archiver

sync
t0=$(now); as_pg "$PGARK" --config "$WORK/pgark.yaml" backup --server bench --type incr --jobs "$JOBS" --output json > "$WORK/pgark-incr.json"; t1=$(now)
wait_for_archiver
sync
t2=$(now); as_pg $PGBR backup --type=incr; t3=$(now)
a_size=$(grep -o '"stored_size": *[0-9]*' "$WORK/pgark-incr.json" | head -1 | grep -o '[0-9]*$')
b_size=$(as_pg $PGBR info --output=json | grep -o '"repository":{"delta":[0-9]*' | tail -1 | grep -o '[0-9]*$')
ROWS+=("$(printf 'incr backup   pgark %6ss %8s MB | pgbackrest %6ss %8s MB | bytes ratio %s, time ratio %s' \
  "$(elapsed "$t0" "$t1")" "$(mb "$a_size")" "$(elapsed "$t2" "$t3")" "$(mb "$b_size")" "$(ratio "$a_size" "$b_size")" \
  "$(ratio "$(elapsed "$t0" "$t1")" "$(elapsed "$t2" "$t3")")")")

echo "== restore --delta onto an identical copy"
as_pg "$BIN/pg_ctl" -D "$WORK/data" -m fast -w stop >/dev/null
rm -rf "$WORK/copy-a" "$WORK/copy-b"
cp -a "$WORK/data" "$WORK/copy-a"; cp -a "$WORK/data" "$WORK/copy-b"
rm -f "$WORK/copy-a/postmaster.pid" "$WORK/copy-b/postmaster.pid"
sync
t0=$(now); as_pg "$PGARK" --config "$WORK/pgark.yaml" restore --server bench --pgdata "$WORK/copy-a" --delta --target immediate --jobs "$JOBS" > "$WORK/pgark-delta.txt"; t1=$(now)
t2=$(now); as_pg $PGBR restore --pg1-path="$WORK/copy-b" --delta --type=immediate >/dev/null; t3=$(now)
ROWS+=("$(printf 'delta restore pgark %6ss             | pgbackrest %6ss             | time ratio %s   (%s)' \
  "$(elapsed "$t0" "$t1")" "$(elapsed "$t2" "$t3")" "$(ratio "$(elapsed "$t0" "$t1")" "$(elapsed "$t2" "$t3")")" "$(grep -o 'rewrote.*' "$WORK/pgark-delta.txt")")")
rm -rf "$WORK/copy-a" "$WORK/copy-b"

echo
echo "pgbench scale $SCALE, $(mb "$DBSIZE") MB, $TRANSACTIONS transactions, jobs $JOBS, $(pgbackrest version)"
printf '%s\n' "${ROWS[@]}"
