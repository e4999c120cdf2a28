#!/usr/bin/env bash
# archive-push side by side: the same SEGMENTS real 16 MB segments pushed one after another (as PostgreSQL's archiver
# calls archive_command) by pgark sync, pgark async (archive.async: true, through the shell fast path
# pgark-archive-push), pgBackRest sync and pgBackRest async (archive-async=y), each into a fresh repository, RUNS
# interleaved rounds; prints each mode's median total and its ratio to pgBackRest sync. The async modes see the
# segments marked .ready in a pg_wal copy, as PostgreSQL leaves them when WAL is written faster than it is archived,
# and each call returns only once its segment is stored. (bench/archive-load.sh measures a live cluster under pgbench.)
# Usage (root): bash bench/archive.sh [RUNS (3)] [PROCESSES (4)] [SEGMENTS (10)]
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-3}"
PROCESSES="${2:-4}"
SEGMENTS="${3:-10}"
WORK="${WORK:-/tmp/pgark-bench-archive}"
bash scripts/install-deps.sh --bench >/dev/null
source bench/common.sh
FAST="$(dirname "$PGARK")/pgark-archive-push"
[[ -x "$FAST" ]] || { echo "no executable $FAST beside $PGARK" >&2; exit 1; }
rm -rf "$WORK"
mkdir -p "$WORK"/{segs,locks,pgbr-log,pgbr-lock}
chown -R postgres:postgres "$WORK"
PORT=$(( 20000 + RANDOM % 20000 ))

echo "== cluster with pgbench -i -s 25 (real WAL segments copied aside by archive_command)"
start_bench_cluster "cp %p $WORK/segs/%f"
as_pg "$BIN/pgbench" -h "$WORK" -p "$PORT" -i -s 25 -q postgres 2>&1 | tail -1
# More segments than pgbench -i writes: bulk inserts until enough are archived aside.
as_pg "$BIN/psql" -h "$WORK" -p "$PORT" -qAtX -c "CREATE TABLE bulk (i int, t text)" postgres
while (( $(ls "$WORK/segs" | grep -cE '^[0-9A-F]{24}$') < SEGMENTS + 3 )); do
  as_pg "$BIN/psql" -h "$WORK" -p "$PORT" -qAtX -c "INSERT INTO bulk SELECT g, repeat(md5(g::text), 31) FROM generate_series(1, 16000) g" postgres
  wait_for_archiver
done
wait_for_archiver
SEGS=$(ls "$WORK/segs" | grep -E '^[0-9A-F]{24}$' | sort | sed -n "3,$((SEGMENTS + 2))p")
[[ $(echo "$SEGS" | wc -l) -eq $SEGMENTS ]] || { echo "not $SEGMENTS segments: $SEGS" >&2; exit 1; }

pgark_config() { # <file> <repo> <async yaml or "">
  cat > "$1" <<YAML
lockPath: $WORK/locks
repositories:
  - name: local
    path: $2
    compression: lz4
    compressionLevel: 1
servers:
  - name: bench
    connection: "Host=$WORK;Port=$PORT;Username=postgres"
    pgdata: $WORK/data
$3
YAML
  chmod 644 "$1"
}
pgbr_config() { # <file> <repo> <extra> <pg1-path>
  cat > "$1" <<CONF
[global]
repo1-path=$2
compress-type=lz4
compress-level=1
log-level-console=error
log-level-file=off
log-path=$WORK/pgbr-log
lock-path=$WORK/pgbr-lock
archive-timeout=120
$3

[bench]
pg1-path=$4
pg1-socket-path=$WORK
pg1-port=$PORT
CONF
  chmod 644 "$1"
}

# A data directory copy whose pg_wal holds the segments, each marked ready, as PostgreSQL would have it (pgBackRest
# async wants %p inside pg1-path and reads global/pg_control there).
fresh_data() { # <dir>
  mkdir -p "$1/pg_wal/archive_status" "$1/global"
  cp "$WORK/data/global/pg_control" "$1/global/"
  cp "$WORK/data/PG_VERSION" "$1/"
  for seg in $SEGS; do cp "$WORK/segs/$seg" "$1/pg_wal/"; touch "$1/pg_wal/archive_status/$seg.ready"; done
  chown -R postgres:postgres "$1"
}

# Pushes the segments in order like PostgreSQL's archiver (mark .done after each success); prints seconds.
push_all() { # <wal dir> <command...>
  local dir="$1"; shift
  local t0 t1
  t0=$(now)
  for seg in $SEGS; do
    if [[ "$1" == "$FAST" ]]; then as_pg "$1" "$2" "$dir/$seg" "${@:3}"; else as_pg "$@" "$dir/$seg"; fi
    mv "$dir/archive_status/$seg.ready" "$dir/archive_status/$seg.done"
  done
  t1=$(now)
  elapsed "$t0" "$t1"
}

run_mode() { # <mode> <run>
  local d="$WORK/run-$2-$1"
  mkdir -p "$d/repo" "$d/spool"
  fresh_data "$d/data"
  chown -R postgres:postgres "$d"
  case "$1" in
    pgark-sync|pgark-async)
      local async=""
      [[ "$1" == pgark-async ]] && async="    archive: { async: true, spool: $d/spool, processes: $PROCESSES }"
      pgark_config "$d/pgark.yaml" "$d/repo" "$async"
      as_pg "$PGARK" --config "$d/pgark.yaml" init --server bench >/dev/null
      if [[ "$1" == pgark-async ]]; then
        push_all "$d/data/pg_wal" "$FAST" "$d/spool/bench" "$PGARK" --config "$d/pgark.yaml" archive-push --server bench
      else
        push_all "$d/data/pg_wal" "$PGARK" --config "$d/pgark.yaml" archive-push --server bench
      fi
      # The pusher would idle out on its own; stop it so it does not run into the next measurement.
      if [[ -f "$d/spool/bench/pusher.lock" ]]; then kill "$(cat "$d/spool/bench/pusher.lock")" 2>/dev/null || true; fi
      ;;
    pgbr-sync|pgbr-async)
      local extra=""
      [[ "$1" == pgbr-async ]] && extra=$'archive-async=y\nspool-path='"$d/spool"$'\nprocess-max='"$PROCESSES"
      pgbr_config "$d/pgbackrest.conf" "$d/repo" "$extra" "$d/data"
      as_pg pgbackrest --config="$d/pgbackrest.conf" --stanza=bench --pg1-path="$WORK/data" stanza-create >/dev/null
      push_all "$d/data/pg_wal" pgbackrest --config="$d/pgbackrest.conf" --stanza=bench archive-push
      ;;
  esac
}

MODES=(pgark-sync pgark-async pgbr-sync pgbr-async)
declare -A TIMES
for run in $(seq 1 "$RUNS"); do
  # Interleaved, and the order rotates each round so no mode always runs first (cold cache) or last.
  for i in 0 1 2 3; do
    mode=${MODES[$(( (i + run - 1) % 4 ))]}
    t=$(run_mode "$mode" "$run")
    TIMES[$mode]+="$t "
    echo "run $run $mode: ${t}s"
  done
done
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
base=$(median ${TIMES[pgbr-sync]})
echo
echo "$SEGMENTS segments x 16 MB, lz4 level 1, $PROCESSES processes for async, $RUNS runs, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(pgbackrest version)"
for mode in "${MODES[@]}"; do
  m=$(median ${TIMES[$mode]})
  printf '%-12s median %6ss  (%s ms/segment)  runs: %s  ratio to pgbr-sync %s\n' "$mode" "$m" \
    "$(awk -v t="$m" -v n="$SEGMENTS" 'BEGIN { printf "%.0f", t * 1000 / n }')" "${TIMES[$mode]}" "$(ratio "$m" "$base")"
done
