#!/usr/bin/env bash
# Side-by-side benchmark: pgark vs pgBackRest on the same pgbench cluster, in one run.
#   full backup and restore at lz4 level 1 and zstd level 3, same parallelism; one archive-push of a 16 MB segment.
# Usage: bench/physical.sh [scale (default 100)] [jobs (default 2)]. Needs root (installs pgbackrest if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
SCALE="${1:-100}"
JOBS="${2:-2}"
WORK="${PGARK_BENCH_DIR:-/tmp/pgark-bench}"

source bench/lib.sh

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
  a_size=$(grep -o '"stored_size": *[0-9]*' "$WORK/pgark-backup.json" | head -1 | grep -o '[0-9]*$')
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
