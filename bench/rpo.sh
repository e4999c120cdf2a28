#!/usr/bin/env bash
# RPO of WAL streaming: with `pgark stream` running (archive_command stores nothing) and pgbench writing, a client
# commits numbered rows one at a time and logs each id once its COMMIT returned; the postmaster is killed with -9; the
# repository is restored to latest and the logged ids missing from the restored table are counted. Once with
# asynchronous streaming, once with the streamer in synchronous_standby_names (synchronous_commit = on).
# Usage (root): bash bench/rpo.sh [SECONDS of load before the kill (20)]
# PGARK_BIN=src/PgArk.Cli/bin/Release/net10.0/pgark uses an already built pgark instead of publishing one.
set -euo pipefail
cd "$(dirname "$0")/.."
LOAD_SECONDS="${1:-20}"
WORK="${WORK:-/tmp/pgark-bench-rpo}"
source bench/common.sh
PSQL() { as_pg "$BIN/psql" -h "$WORK" -p "$PORT" -qAt -v ON_ERROR_STOP=1 "$@" postgres; }

run_mode() { # <async|sync>
  local mode="$1"
  cleanup
  rm -rf "$WORK"; mkdir -p "$WORK"/{locks,repo}; chown -R postgres:postgres "$WORK"
  PORT=$(( 20000 + RANDOM % 20000 ))
  start_bench_cluster "true"
  write_bench_config "$WORK/pgark.yaml" lz4 1 "    path: $WORK/repo"
  as_pg "$PGARK" --config "$WORK/pgark.yaml" init --server bench >/dev/null
  # The streamer runs as root here (its own process id to SIGTERM; the repository keeps its owner).
  "$PGARK" --config "$WORK/pgark.yaml" stream --server bench >"$WORK/stream.log" 2>&1 &
  local streamer=$!
  until [[ "$(PSQL -c "SELECT count(*) FROM pg_stat_replication WHERE application_name = 'pgark_bench' AND state = 'streaming'")" == 1 ]]; do sleep 0.2; done
  as_pg "$BIN/pgbench" -h "$WORK" -p "$PORT" -i -s 5 -q postgres >/dev/null 2>&1
  PSQL -c "CREATE TABLE commits (id int PRIMARY KEY)"
  as_pg "$PGARK" --config "$WORK/pgark.yaml" backup --server bench --type full >/dev/null
  if [[ "$mode" == sync ]]; then
    PSQL -c "ALTER SYSTEM SET synchronous_standby_names = 'pgark_bench'" -c "SELECT pg_reload_conf()" >/dev/null
    until [[ "$(PSQL -c "SELECT coalesce(max(sync_state), '') FROM pg_stat_replication WHERE application_name = 'pgark_bench'")" == sync ]]; do sleep 0.2; done
  fi
  # Background write load, and the logged client: psql prints each id after its INSERT (autocommit) returned.
  as_pg "$BIN/pgbench" -h "$WORK" -p "$PORT" -c 2 -T $(( LOAD_SECONDS + 30 )) postgres >/dev/null 2>&1 &
  local pgbench=$!
  seq 1 100000000 | sed 's/.*/INSERT INTO commits VALUES (&) RETURNING id;/' \
    | as_pg "$BIN/psql" -h "$WORK" -p "$PORT" -qAt -v ON_ERROR_STOP=1 postgres >"$WORK/committed.log" 2>/dev/null &
  local client=$!
  sleep "$LOAD_SECONDS"
  local pid children; pid=$(head -1 "$WORK/data/postmaster.pid")
  children=$(ps -o pid= --ppid "$pid" || true)
  # shellcheck disable=SC2086
  kill -9 "$pid" $children 2>/dev/null || true
  wait "$client" 2>/dev/null || true; wait "$pgbench" 2>/dev/null || true
  rm -f "$WORK/data/postmaster.pid"
  local committed; committed=$(grep -cE '^[0-9]+$' "$WORK/committed.log")
  kill -TERM "$streamer"; wait "$streamer" || true
  mkdir -p "$WORK/restored"; chown postgres:postgres "$WORK/restored"
  as_pg "$PGARK" --config "$WORK/pgark.yaml" restore --server bench --pgdata "$WORK/restored" >/dev/null
  local rport=$(( PORT + 1 ))
  as_pg "$BIN/pg_ctl" -D "$WORK/restored" -l "$WORK/restored.log" -w -t 600 \
    -o "-p $rport -c archive_mode=off -c synchronous_standby_names=''" start >/dev/null
  until [[ "$(as_pg "$BIN/psql" -h "$WORK" -p "$rport" -qAt -c 'SELECT NOT pg_is_in_recovery()' postgres)" == t ]]; do sleep 0.5; done
  grep -E '^[0-9]+$' "$WORK/committed.log" | sort -n > "$WORK/committed.sorted"
  as_pg "$BIN/psql" -h "$WORK" -p "$rport" -qAt -c 'SELECT id FROM commits ORDER BY id' postgres > "$WORK/restored.ids"
  local lost; lost=$(comm -23 <(sort "$WORK/committed.sorted") <(sort "$WORK/restored.ids") | wc -l)
  as_pg "$BIN/pg_ctl" -D "$WORK/restored" -m immediate -w stop >/dev/null
  local rate; rate=$(awk -v c="$committed" -v s="$LOAD_SECONDS" 'BEGIN { printf "%.1f", c / s }')
  local lost_seconds; lost_seconds=$(awk -v l="$lost" -v r="$rate" 'BEGIN { if (r > 0) printf "%.3f", l / r; else print "n/a" }')
  printf '%-5s streaming: %7d commits logged (%s/s, pgbench -c 2 beside), %5d missing after restore to latest = %s s of commits\n' \
    "$mode" "$committed" "$rate" "$lost" "$lost_seconds"
}

echo "== RPO after kill -9 of the postmaster, ${LOAD_SECONDS} s of load, restore to latest from streamed WAL only"
run_mode async
run_mode sync
