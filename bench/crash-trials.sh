#!/usr/bin/env bash
# Crash trials (issue 11): kill -9 of backup, archive-push and expire at random moments, N times, under pgbench load,
# on a plain initdb cluster (no data checksums). Afterwards `verify` must pass and the newest backup must restore to
# the same table content as the source. Not a benchmark: it prints what happened and exits non-zero on any failure.
# Usage: bench/crash-trials.sh [trials (default 10)] [pgbench scale (default 2)] [seed (default: random)]
# PGARK_CRASH_FINAL=full|incr (default incr): the type of the newest backup, the one restored at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
TRIALS="${1:-10}"
SCALE="${2:-2}"
RANDOM="${3:-$$}"
WORK="${PGARK_CRASH_DIR:-/tmp/pgark-crash}"
PORT="${PGARK_CRASH_PORT:-$((20000 + RANDOM % 20000))}"
RESTORE_PORT=$((PORT + 1))
rm -rf "$WORK"; mkdir -p "$WORK"; chown postgres: "$WORK"
source bench/common.sh
CONFIG="$WORK/pgark.yaml"
pg() { as_pg "$BIN/psql" -h "$WORK" -p "${2:-$PORT}" -qAt -c "$1" postgres; }
fail() { echo "FAILED: $*" >&2; exit 1; }

stop_restored() {
  [[ -f "$WORK/restored/postmaster.pid" ]] && as_pg "$BIN/pg_ctl" -D "$WORK/restored" -m immediate -w stop >/dev/null 2>&1 || true
}
trap 'stop_restored; cleanup' EXIT

# A plain initdb (no --data-checksums): the configuration most clusters in the field run.
as_pg "$BIN/initdb" -D "$WORK/data" -U postgres --auth=trust --locale=C -E UTF8 >/dev/null
cat >> "$WORK/data/postgresql.conf" <<CONF
port = $PORT
unix_socket_directories = '$WORK'
listen_addresses = ''
wal_level = replica
archive_mode = on
archive_command = '$PGARK --config $CONFIG archive-push --server bench %p'
archive_timeout = 5
CONF
write_bench_config "$CONFIG" zstd 3 "    path: $WORK/pgark-repo
    retention: { full: 2 }"
mkdir -p "$WORK/pgark-repo" "$WORK/locks"; chown postgres: "$WORK/pgark-repo" "$WORK/locks"
as_pg "$BIN/pg_ctl" -D "$WORK/data" -l "$WORK/postgres.log" -w start >/dev/null
"$PGARK" --config "$CONFIG" init --server bench >/dev/null
as_pg "$BIN/pgbench" -h "$WORK" -p "$PORT" -i -s "$SCALE" -q postgres >/dev/null 2>&1
wait_for_archiver
"$PGARK" --config "$CONFIG" backup --server bench --type full >/dev/null

# Runs pgark in the background and kills it with SIGKILL after a random 0.1-3 s (if it is still running).
kill_pgark_at_random() { # <args...>
  "$PGARK" --config "$CONFIG" "$@" >"$WORK/victim.log" 2>&1 &
  local pid=$! delay
  delay=$(awk -v r=$((RANDOM % 30)) 'BEGIN { printf "%.1f", 0.1 + r / 10 }')
  sleep "$delay"
  if kill -9 "$pid" 2>/dev/null; then echo "killed after ${delay}s"; else echo "finished before ${delay}s"; fi
  wait "$pid" 2>/dev/null || true
}

# Waits (up to 20 s) for an archive-push of this configuration, started by this cluster's archiver, and kills it.
kill_archive_push() {
  local deadline=$((SECONDS + 20)) pid=""
  while [[ -z "$pid" && $SECONDS -lt $deadline ]]; do
    pg "SELECT pg_switch_wal()" >/dev/null
    pid=$(pgrep -f -- "--config $CONFIG archive-push" | head -1 || true)
  done
  [[ -n "$pid" ]] || { echo "no archive-push seen within 20 s"; return; }
  sleep "0.0$((RANDOM % 10))"
  if kill -9 "$pid" 2>/dev/null; then echo "killed archive-push $pid"; else echo "archive-push $pid finished first"; fi
}

declare -a OUTCOMES
for trial in $(seq 1 "$TRIALS"); do
  as_pg "$BIN/pgbench" -h "$WORK" -p "$PORT" -c 2 -j 2 -T 8 -n postgres >/dev/null 2>&1 &
  load=$!
  case $((RANDOM % 3)) in
    0) what="backup --type $([[ $((RANDOM % 4)) == 0 ]] && echo full || echo incr)"
       outcome=$(kill_pgark_at_random backup --server bench --type "${what##* }") ;;
    1) what="archive-push"; outcome=$(kill_archive_push) ;;
    2) what="expire"; outcome=$(kill_pgark_at_random expire --server bench) ;;
  esac
  wait "$load" || true
  # The next backup must work after any crash (stale lock, half-written backup, half-done expiry).
  "$PGARK" --config "$CONFIG" backup --server bench --type incr >"$WORK/after.log" 2>&1 \
    || { cat "$WORK/after.log" >&2; fail "trial $trial: backup after killing $what failed"; }
  OUTCOMES+=("trial $trial: kill -9 $what: $outcome; next backup ok")
  echo "${OUTCOMES[-1]}"
done

# Quiesce, take the newest backup, and compare its restore with the source, table by table.
pg "CHECKPOINT" >/dev/null
"$PGARK" --config "$CONFIG" backup --server bench --type "${PGARK_CRASH_FINAL:-incr}" >/dev/null
wait_for_archiver
content() { # <port>
  for table in pgbench_accounts pgbench_branches pgbench_tellers pgbench_history; do
    printf '%s %s\n' "$table" "$(pg "SELECT count(*) || ' ' || coalesce(md5(string_agg(t::text, ',' ORDER BY t::text)), '') FROM $table t" "$1")"
  done
}
source_content=$(content "$PORT")
"$PGARK" --config "$CONFIG" verify --server bench >"$WORK/verify.log" 2>&1 || { cat "$WORK/verify.log" >&2; fail "verify after $TRIALS trials"; }
"$PGARK" --config "$CONFIG" restore --server bench --pgdata "$WORK/restored" --target immediate --target-action promote >/dev/null \
  || fail "restore of the newest backup"
as_pg "$BIN/pg_ctl" -D "$WORK/restored" -l "$WORK/restored.log" -w -t 180 \
  -o "-p $RESTORE_PORT -k $WORK -c archive_mode=off" start >/dev/null || { tail -20 "$WORK/restored.log" >&2; fail "restored cluster did not start"; }
deadline=$((SECONDS + 180))
until [[ "$(pg "SELECT pg_is_in_recovery()" "$RESTORE_PORT")" == "f" ]]; do
  [[ $SECONDS -lt $deadline ]] || fail "restored cluster still in recovery after 180 s"
  sleep 0.5
done
restored_content=$(content "$RESTORE_PORT")
stop_restored
[[ "$source_content" == "$restored_content" ]] || { diff <(echo "$source_content") <(echo "$restored_content") >&2; fail "restored content differs"; }
echo "== $TRIALS crash trials (scale $SCALE, plain initdb): every next backup ok, verify ok, newest backup restored equal by content"
printf '%s\n' "$source_content"
