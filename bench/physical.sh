#!/usr/bin/env bash
# Side-by-side benchmark: pgark vs pgBackRest on the same pgbench cluster, in one run.
#   full backup and restore at lz4 level 1 and zstd level 3, same parallelism; one archive-push of a 16 MB segment.
# Usage: bench/physical.sh [scale (default 100)] [jobs (default 2)]. Needs root (installs pgbackrest if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
SCALE="${1:-100}"
JOBS="${2:-2}"
WORK="${PGARK_BENCH_DIR:-/tmp/pgark-bench}"

bash scripts/install-deps.sh --bench
PGARK="$(bash scripts/publish.sh)"
BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
as_pg() { runuser -u postgres -- "$@"; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
mb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }

cleanup() {
  [[ -f "$WORK/data/postmaster.pid" ]] && as_pg "$BIN/pg_ctl" -D "$WORK/data" -m fast -w stop >/dev/null 2>&1 || true
}
trap cleanup EXIT
cleanup
rm -rf "$WORK"
mkdir -p "$WORK"/{pgark-repo,pgbr-repo,pgbr-log,pgbr-lock,locks,segs}
chown -R postgres:postgres "$WORK"
PORT=$(( 20000 + RANDOM % 20000 ))

cat > "$WORK/pgark.yaml" <<YAML
lockPath: $WORK/locks
repositories:
  - name: local
    path: $WORK/pgark-repo
    compression: lz4
    compressionLevel: 1
servers:
  - name: bench
    connection: "Host=$WORK;Port=$PORT;Username=postgres"
    pgdata: $WORK/data
YAML
write_pgbr_conf() { # type level
  cat > "$WORK/pgbackrest.conf" <<CONF
[global]
repo1-path=$WORK/pgbr-repo
process-max=$JOBS
compress-type=$1
compress-level=$2
start-fast=y
log-level-console=error
log-level-file=off
log-path=$WORK/pgbr-log
lock-path=$WORK/pgbr-lock
archive-timeout=120

[bench]
pg1-path=$WORK/data
pg1-socket-path=$WORK
pg1-port=$PORT
CONF
}
write_pgbr_conf lz4 1
set_pgark_compression() { # type level
  sed -i "s/^    compression: .*/    compression: $1/; s/^    compressionLevel: .*/    compressionLevel: $2/" "$WORK/pgark.yaml"
}
chmod 644 "$WORK/pgark.yaml" "$WORK/pgbackrest.conf"
PGBR="pgbackrest --config=$WORK/pgbackrest.conf --stanza=bench"

echo "== building a pgbench scale-$SCALE cluster in $WORK/data"
as_pg "$BIN/initdb" -k -D "$WORK/data" -U postgres --auth=trust --locale=C -E UTF8 >/dev/null
cat >> "$WORK/data/postgresql.conf" <<CONF
port = $PORT
unix_socket_directories = '$WORK'
listen_addresses = ''
wal_level = replica
archive_mode = on
archive_command = '$PGARK --config $WORK/pgark.yaml archive-push --server bench %p && $PGBR archive-push %p'
max_wal_size = 8GB
shared_buffers = 512MB
CONF
as_pg "$BIN/pg_ctl" -D "$WORK/data" -l "$WORK/postgres.log" -w start >/dev/null
as_pg "$PGARK" --config "$WORK/pgark.yaml" init --server bench >/dev/null
as_pg $PGBR stanza-create >/dev/null
as_pg "$BIN/pgbench" -h "$WORK" -p "$PORT" -i -s "$SCALE" -q postgres 2>&1 | tail -1
as_pg "$BIN/psql" -h "$WORK" -p "$PORT" -qAt -c "CHECKPOINT" postgres
# pgbench -i wrote ~1.5 GB of WAL; let the archiver drain it so neither tool's backup waits behind the backlog.
wait_for_archiver() {
  local last
  last=$(as_pg "$BIN/psql" -h "$WORK" -p "$PORT" -qAt -c "SELECT pg_walfile_name(pg_switch_wal())" postgres)
  until [[ "$(as_pg "$BIN/psql" -h "$WORK" -p "$PORT" -qAt -c "SELECT coalesce(last_archived_wal, '') >= '$last' FROM pg_stat_archiver" postgres)" == "t" ]]; do
    sleep 0.5
  done
}
echo "== waiting for the archiver to drain the pgbench WAL"
wait_for_archiver
DBSIZE=$(du -sb "$WORK/data" --exclude=pg_wal | cut -f1)
echo "data directory: $(mb "$DBSIZE") MB (without pg_wal); $(nproc) cores; jobs $JOBS"

declare -a ROWS
run_pair() { # label pgark-type pgark-level pgbr-type pgbr-level
  set_pgark_compression "$2" "$3"
  write_pgbr_conf "$4" "$5"
  wait_for_archiver
  sync
  local t0 t1 t2 t3
  t0=$(now); as_pg "$PGARK" --config "$WORK/pgark.yaml" backup --server bench --jobs "$JOBS" --output json > "$WORK/pgark-backup.json"; t1=$(now)
  wait_for_archiver
  sync
  t2=$(now); as_pg $PGBR backup --type=full; t3=$(now)
  local a_size b_size
  a_size=$(grep -o '"storedSize": [0-9]*' "$WORK/pgark-backup.json" | grep -o '[0-9]*')
  b_size=$(as_pg $PGBR info --output=json | grep -o '"repository":{"delta":[0-9]*' | tail -1 | grep -o '[0-9]*$')
  local a_backup b_backup
  a_backup=$(elapsed "$t0" "$t1"); b_backup=$(elapsed "$t2" "$t3")

  rm -rf "$WORK/r-pgark" "$WORK/r-pgbr"; install -d -o postgres -g postgres -m 700 "$WORK/r-pgark" "$WORK/r-pgbr"
  sync
  t0=$(now); as_pg "$PGARK" --config "$WORK/pgark.yaml" restore --server bench --pgdata "$WORK/r-pgark" --target immediate --jobs "$JOBS" >/dev/null; t1=$(now)
  t2=$(now); as_pg $PGBR restore --pg1-path="$WORK/r-pgbr" --type=immediate --target-action=promote >/dev/null; t3=$(now)
  local a_restore b_restore
  a_restore=$(elapsed "$t0" "$t1"); b_restore=$(elapsed "$t2" "$t3")
  rm -rf "$WORK/r-pgark" "$WORK/r-pgbr"

  ROWS+=("$(printf '%-14s backup  pgark %6ss %7s MB | pgbackrest %6ss %7s MB | time ratio pgark/pgbackrest %s  (throughput x%s)' \
    "$1" "$a_backup" "$(mb "$a_size")" "$b_backup" "$(mb "$b_size")" "$(ratio "$a_backup" "$b_backup")" "$(ratio "$b_backup" "$a_backup")")")
  ROWS+=("$(printf '%-14s restore pgark %6ss            | pgbackrest %6ss            | time ratio pgark/pgbackrest %s  (throughput x%s)' \
    "$1" "$a_restore" "$b_restore" "$(ratio "$a_restore" "$b_restore")" "$(ratio "$b_restore" "$a_restore")")")
}

echo "== full backup and restore, $JOBS jobs"
run_pair "lz4 level 1" lz4 1 lz4 1
run_pair "zstd level 3" zstd 3 zst 3

echo "== archive-push of one 16 MB segment (median of 5, process start included)"
set_pgark_compression lz4 1
write_pgbr_conf lz4 1
# Real segments of this cluster, fetched back from pgark's repository, pushed into fresh archives.
SEGS=$(find "$WORK/pgark-repo/servers/bench/wal" -name '0000000100000000000000[1-4]?-*' | sed 's|.*/||; s|-.*||' | sort | head -5)
cat > "$WORK/pgark-push.yaml" <<YAML
lockPath: $WORK/locks
repositories:
  - name: push
    path: $WORK/pgark-push-repo
    compression: lz4
    compressionLevel: 1
servers:
  - name: bench
    connection: "Host=$WORK;Port=$PORT;Username=postgres"
    pgdata: $WORK/data
YAML
chmod 644 "$WORK/pgark-push.yaml"
as_pg "$PGARK" --config "$WORK/pgark-push.yaml" init --server bench >/dev/null
as_pg $PGBR --repo1-path="$WORK/pgbr-push-repo" stanza-create >/dev/null
declare -a A B
for seg in $SEGS; do
  as_pg "$PGARK" --config "$WORK/pgark.yaml" archive-get --server bench "$seg" "$WORK/segs/$seg"
  t0=$(now); as_pg "$PGARK" --config "$WORK/pgark-push.yaml" archive-push --server bench "$WORK/segs/$seg"; t1=$(now)
  A+=("$(elapsed "$t0" "$t1")")
  t0=$(now); as_pg $PGBR --repo1-path="$WORK/pgbr-push-repo" archive-push "$WORK/segs/$seg"; t1=$(now)
  B+=("$(elapsed "$t0" "$t1")")
done
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ROWS+=("$(printf 'archive-push   pgark %6ss (runs: %s) | pgbackrest %6ss (runs: %s) | ratio %s' \
  "$(median "${A[@]}")" "${A[*]}" "$(median "${B[@]}")" "${B[*]}" "$(ratio "$(median "${A[@]}")" "$(median "${B[@]}")")")")

echo
echo "pgbench scale $SCALE, $(mb "$DBSIZE") MB, jobs $JOBS, $(pgbackrest version)"
printf '%s\n' "${ROWS[@]}"
