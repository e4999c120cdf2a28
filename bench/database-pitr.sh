#!/usr/bin/env bash
# Database-level PITR end to end: a pgbench database of about 1 GB (scale 65) next to a small database in one cluster;
# full backup, changes, target T, more changes, then `pgark restore-database` to T. Prints the time of each phase (plan,
# sandbox restore, recovery, dump/restore move, compare rows, swap, cleanup), the total, and checks the result: the
# restored database holds exactly the pgbench_history rows committed by T and the small database is unchanged.
# Usage: bench/database-pitr.sh [scale (default 65, ~1 GB)]. Needs root and ~4x the database size free in
# $PGARK_BENCH_DIR (default /tmp/pgark-bench-dbpitr).
set -euo pipefail
cd "$(dirname "$0")/.."
SCALE="${1:-65}"
WORK="${PGARK_BENCH_DIR:-/tmp/pgark-bench-dbpitr}"

bash scripts/install-deps.sh
source bench/common.sh
rm -rf "$WORK"
mkdir -p "$WORK"/{pgark-repo,locks,sandbox}
chown -R postgres:postgres "$WORK"
PORT=$(( 20000 + RANDOM % 20000 ))
PSQL=("$BIN/psql" -h "$WORK" -p "$PORT" -U postgres -qAtX)
CONFIG="$WORK/pgark.yaml"

write_bench_config "$CONFIG"

echo "== building a pgbench scale-$SCALE database and a small one in $WORK/data"
as_pg "$BIN/initdb" -D "$WORK/data" -U postgres --auth=trust --locale=C -E UTF8 --data-checksums >/dev/null
cat >> "$WORK/data/postgresql.conf" <<CONF
port = $PORT
unix_socket_directories = '$WORK'
listen_addresses = ''
max_wal_size = 8GB
shared_buffers = 256MB
wal_level = replica
archive_mode = on
archive_command = '$PGARK --config $CONFIG archive-push --server bench %p'
CONF
as_pg "$BIN/pg_ctl" -D "$WORK/data" -l "$WORK/postgres.log" -w start >/dev/null
as_pg "$PGARK" --config "$CONFIG" init --server bench >/dev/null
as_pg "${PSQL[@]}" -c "CREATE DATABASE bench" -c "CREATE DATABASE small" postgres
as_pg "$BIN/pgbench" -h "$WORK" -p "$PORT" -U postgres -i -s "$SCALE" -q bench 2>&1 | tail -1
as_pg "${PSQL[@]}" -c "CREATE TABLE notes AS SELECT i AS id, md5(i::text) AS body FROM generate_series(1, 10000) i" small
DBSIZE=$(as_pg "${PSQL[@]}" -c "SELECT pg_database_size('bench')" postgres)
CLUSTERSIZE=$(as_pg "${PSQL[@]}" -c "SELECT sum(pg_database_size(datname)) FROM pg_database" postgres)
echo "database bench: $(mb "$DBSIZE") MB (cluster $(mb "$CLUSTERSIZE") MB); $(nproc) cores"

echo "== full backup, changes, target T, more changes"
as_pg "$PGARK" --config "$CONFIG" backup --server bench --type full | tail -1
as_pg "$BIN/pgbench" -h "$WORK" -p "$PORT" -U postgres -n -c 2 -t 1000 bench >/dev/null
HISTORY_AT_T=$(as_pg "${PSQL[@]}" -c "SELECT count(*) FROM pgbench_history" bench)
BALANCE_AT_T=$(as_pg "${PSQL[@]}" -c "SELECT sum(abalance) FROM pgbench_accounts" bench)
T=$(as_pg "${PSQL[@]}" -c "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')" postgres)
as_pg "$BIN/pgbench" -h "$WORK" -p "$PORT" -U postgres -n -c 2 -t 1000 bench >/dev/null
SMALL_BEFORE=$(as_pg "${PSQL[@]}" -c "SELECT md5(string_agg(id || ':' || body, ',' ORDER BY id)) FROM notes" small)
echo "T = $T ($HISTORY_AT_T pgbench_history rows at T, $(as_pg "${PSQL[@]}" -c "SELECT count(*) FROM pgbench_history" bench) now)"

echo "== pgark restore-database --database bench --target-time $T"
sync
t0=$(now)
as_pg "$PGARK" --config "$CONFIG" --output json restore-database --server bench --database bench --target-time "$T" --yes \
  --sandbox-dir "$WORK/sandbox" > "$WORK/result.json"
t1=$(now)

python3 - "$WORK/result.json" "$(elapsed "$t0" "$t1")" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"backup {r['plan']['chain'][-1]['id']}, WAL {r['plan']['walFrom']} .. {r['plan']['walTo']} ({r['plan']['walSegments']} segments)")
for p in r["phases"]:
    print(f"  {p['phase']:<20} {p['seconds']:8.2f} s")
print(f"  {'total (pgark)':<20} {r['totalSeconds']:8.2f} s")
print(f"  {'total (wall clock)':<20} {float(sys.argv[2]):8.2f} s")
print(f"kept the live database as {r['keptAs']}")
PY

HISTORY_RESTORED=$(as_pg "${PSQL[@]}" -c "SELECT count(*) FROM pgbench_history" bench)
BALANCE_RESTORED=$(as_pg "${PSQL[@]}" -c "SELECT sum(abalance) FROM pgbench_accounts" bench)
SMALL_AFTER=$(as_pg "${PSQL[@]}" -c "SELECT md5(string_agg(id || ':' || body, ',' ORDER BY id)) FROM notes" small)
ok=1
[[ "$HISTORY_RESTORED" == "$HISTORY_AT_T" && "$BALANCE_RESTORED" == "$BALANCE_AT_T" ]] || { echo "MISMATCH: bench has $HISTORY_RESTORED history rows / balance $BALANCE_RESTORED, expected $HISTORY_AT_T / $BALANCE_AT_T"; ok=0; }
[[ "$SMALL_AFTER" == "$SMALL_BEFORE" ]] || { echo "MISMATCH: database small changed"; ok=0; }
[[ -z "$(ls -A "$WORK/sandbox")" ]] || { echo "MISMATCH: the sandbox folder is not empty"; ok=0; }
[[ "$ok" == 1 ]] && echo "check: bench equals its state at T ($HISTORY_AT_T history rows, balance $BALANCE_AT_T); small unchanged; sandbox removed"
[[ "$ok" == 1 ]]
