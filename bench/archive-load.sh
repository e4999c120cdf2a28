#!/usr/bin/env bash
# Archiving under a WAL-heavy pgbench load (issue 14): a fresh cluster per run whose archive_command is, in turn, PgArk
# sync (pgark archive-push), PgArk async (archive.async: true through the shell fast path pgark-archive-push), pgBackRest
# sync and pgBackRest async (archive-async=y), each into a fresh repository. pgbench runs a bulk-insert script that
# writes >= SEGMENTS 16 MB segments; measured: the pgbench time, the time from pgbench's start until the archiver has
# drained (no .ready file left after a final pg_switch_wal), and the peak size of pg_wal (sampled every 0.2 s;
# max_wal_size 256 MB, so what exceeds that is WAL waiting for the archiver). RUNS interleaved rounds in rotating
# order; prints each mode's medians and its drain-time ratio to pgBackRest sync.
# Usage (root): bash bench/archive-load.sh [RUNS (3)] [SEGMENTS (110)] [PROCESSES (4)]
# PGARK_BIN: an already published pgark (bash scripts/publish.sh); pgark-archive-push must be beside it.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-3}"
SEGMENTS="${2:-110}"
PROCESSES="${3:-4}"
WORK="${WORK:-/tmp/pgark-bench-archive-load}"
bash scripts/install-deps.sh --bench >/dev/null
source bench/common.sh
FAST="$(dirname "$PGARK")/pgark-archive-push"
[[ -x "$FAST" ]] || { echo "no executable $FAST beside $PGARK" >&2; exit 1; }
rm -rf "$WORK"
mkdir -p "$WORK"
chown postgres:postgres "$WORK"
PORT=$(( 20000 + RANDOM % 20000 ))
# Each transaction inserts 1000 rows of ~1 kB (about 1.1 MB of WAL): 16 transactions per segment, plus a margin.
TRANSACTIONS=$(( (SEGMENTS * 16 * 110 / 100 + 3) / 4 ))
cat > "$WORK/bulk.sql" <<'SQL'
INSERT INTO bulk SELECT g, repeat(md5(g::text), 31) FROM generate_series(1, 1000) g;
SQL
chmod 644 "$WORK/bulk.sql"

stop_cluster() { # <data>
  [[ -f "$1/postmaster.pid" ]] && as_pg "$BIN/pg_ctl" -D "$1" -m fast -w stop >/dev/null 2>&1 || true
}
CURRENT_DATA=""
trap '[[ -n "$CURRENT_DATA" ]] && stop_cluster "$CURRENT_DATA"' EXIT

pg_wal_bytes() { find "$1/pg_wal" -maxdepth 1 -type f -printf '%s\n' 2>/dev/null | awk '{ s += $1 } END { print s + 0 }'; }

run_mode() { # <mode> <run>; prints "<pgbench s> <drain s> <peak pg_wal bytes> <segments archived>"
  local mode="$1" d="$WORK/run-$2-$1"
  mkdir -p "$d/repo" "$d/spool" "$d/locks" "$d/pgbr-log" "$d/pgbr-lock"
  chown -R postgres:postgres "$d"
  local data="$d/data"
  as_pg "$BIN/initdb" -k -D "$data" -U postgres --auth=trust --locale=C -E UTF8 >/dev/null
  cat >> "$data/postgresql.conf" <<CONF
port = $PORT
unix_socket_directories = '$d'
listen_addresses = ''
wal_level = replica
archive_mode = on
archive_command = '/bin/false'
max_wal_size = 256MB
min_wal_size = 80MB
checkpoint_timeout = 1h
shared_buffers = 256MB
CONF
  CURRENT_DATA="$data"
  as_pg "$BIN/pg_ctl" -D "$data" -l "$d/postgres.log" -w start >/dev/null
  local cmd
  case "$mode" in
    pgark-sync|pgark-async)
      local async=""
      [[ "$mode" == pgark-async ]] && async="    archive: { async: true, spool: $d/spool, processes: $PROCESSES, timeout: 120 }"
      cat > "$d/pgark.yaml" <<YAML
lockPath: $d/locks
repositories:
  - name: local
    path: $d/repo
    compression: lz4
    compressionLevel: 1
servers:
  - name: bench
    connection: "Host=$d;Port=$PORT;Username=postgres"
    pgdata: $data
$async
YAML
      chmod 644 "$d/pgark.yaml"
      as_pg "$PGARK" --config "$d/pgark.yaml" init --server bench >/dev/null
      cmd="$PGARK --config $d/pgark.yaml archive-push --server bench %p"
      [[ "$mode" == pgark-async ]] && cmd="$FAST $d/spool/bench %p $PGARK --config $d/pgark.yaml archive-push --server bench"
      ;;
    pgbr-sync|pgbr-async)
      local extra=""
      [[ "$mode" == pgbr-async ]] && extra=$'archive-async=y\nspool-path='"$d/spool"$'\nprocess-max='"$PROCESSES"
      cat > "$d/pgbackrest.conf" <<CONF
[global]
repo1-path=$d/repo
compress-type=lz4
compress-level=1
log-level-console=error
log-level-file=off
log-path=$d/pgbr-log
lock-path=$d/pgbr-lock
archive-timeout=120
$extra

[bench]
pg1-path=$data
pg1-socket-path=$d
pg1-port=$PORT
CONF
      chmod 644 "$d/pgbackrest.conf"
      as_pg pgbackrest --config="$d/pgbackrest.conf" --stanza=bench stanza-create >/dev/null
      cmd="pgbackrest --config=$d/pgbackrest.conf --stanza=bench archive-push %p"
      ;;
  esac
  local psql=(as_pg "$BIN/psql" -h "$d" -p "$PORT" -qAtX -v ON_ERROR_STOP=1 postgres)
  "${psql[@]}" -c "CREATE TABLE bulk (i int, t text)" -c "ALTER SYSTEM SET archive_command = '$cmd'" -c "SELECT pg_reload_conf()" >/dev/null
  # The reload has reached the archiver once a switched segment is archived through the new command.
  local first
  first=$("${psql[@]}" -c "SELECT pg_walfile_name(pg_switch_wal())")
  until [[ -z "$(compgen -G "$data/pg_wal/archive_status/*.ready")" ]]; do sleep 0.05; done
  "${psql[@]}" -c "CHECKPOINT" >/dev/null

  local peak_file="$d/peak" t0 t1 t2
  echo 0 > "$peak_file"
  ( peak=0; while [[ ! -f "$d/stop-sampling" ]]; do
      b=$(pg_wal_bytes "$data"); (( b > peak )) && { peak=$b; echo "$peak" > "$peak_file"; }; sleep 0.2
    done ) &
  local sampler=$!
  t0=$(now)
  as_pg "$BIN/pgbench" -h "$d" -p "$PORT" -n -c 4 -j 2 -t "$TRANSACTIONS" -f "$WORK/bulk.sql" postgres >"$d/pgbench.log" 2>&1
  t1=$(now)
  local last
  last=$("${psql[@]}" -c "SELECT pg_walfile_name(pg_switch_wal())")
  until [[ -z "$(compgen -G "$data/pg_wal/archive_status/*.ready")" ]]; do sleep 0.02; done
  t2=$(now)
  touch "$d/stop-sampling"
  wait "$sampler"
  local archived
  archived=$(( 16#${last:8:8} * 256 + 16#${last:16:8} - 16#${first:8:8} * 256 - 16#${first:16:8} ))
  if [[ "$mode" == pgark-async && -f "$d/spool/bench/pusher.lock" ]]; then
    kill "$(cat "$d/spool/bench/pusher.lock")" 2>/dev/null || true
  fi
  stop_cluster "$data"
  CURRENT_DATA=""
  echo "$(elapsed "$t0" "$t1") $(elapsed "$t0" "$t2") $(cat "$peak_file") $archived"
  rm -rf "$data" "$d/repo" "$d/spool"
}

MODES=(pgark-sync pgark-async pgbr-sync pgbr-async)
declare -A BENCH DRAIN PEAK
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
for run in $(seq 1 "$RUNS"); do
  for i in 0 1 2 3; do
    mode=${MODES[$(( (i + run - 1) % 4 ))]}
    read -r b t p n < <(run_mode "$mode" "$run")
    BENCH[$mode]+="$b "
    DRAIN[$mode]+="$t "
    PEAK[$mode]+="$p "
    echo "run $run $mode: pgbench ${b}s, drained after ${t}s, peak pg_wal $(mb "$p") MB, $n segments, load $(cut -d' ' -f1 /proc/loadavg)"
  done
done
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
base=$(median ${DRAIN[pgbr-sync]})
echo
echo ">= $SEGMENTS segments x 16 MB per run (pgbench -c 4 -t $TRANSACTIONS, 1000 x 1 kB rows per transaction), lz4 level 1," \
  "$PROCESSES processes for async, $RUNS runs, $(nproc) cores, load average at end $(cut -d' ' -f1-3 /proc/loadavg), $(pgbackrest version)"
for mode in "${MODES[@]}"; do
  m=$(median ${DRAIN[$mode]})
  printf '%-12s drained median %7ss (pgbench alone %6ss)  peak pg_wal median %7s MB  drain runs: %s ratio to pgbr-sync %s\n' \
    "$mode" "$m" "$(median ${BENCH[$mode]})" "$(mb "$(median ${PEAK[$mode]})")" "${DRAIN[$mode]}" "$(ratio "$m" "$base")"
done
