#!/usr/bin/env bash
# The side-by-side figures of issue 17 in one run: full backup and restore with pgark and with pgBackRest (lz4 level 1,
# the same process count), then logical restore (pgark dump-restore of a directory dump vs pg_restore -j of pg_dump -Fd),
# each repeated RUNS times, interleaved (the order alternates each round), on one pgbench cluster. Prints the median wall
# time, peak RSS (/usr/bin/time -v) and the pgark/pgBackRest throughput ratio of each. Every safety check stays on: pgark
# checks every restored file's SHA-256 and fsyncs it before it reports success, pgBackRest checks its own checksums.
# Usage: bench/compare.sh [scale (default 30)] [jobs (default 2)] [runs (default 3)]
#   PGARK_BENCH_DIR (default /tmp/pgark-bench-compare), PGARK_BIN (use this pgark instead of publishing one),
#   PGARK_BENCH_LOGICAL=off skips the logical rows. Needs root.
set -euo pipefail
cd "$(dirname "$0")/.."
SCALE="${1:-30}"
JOBS="${2:-2}"
RUNS="${3:-3}"
WORK="${PGARK_BENCH_DIR:-/tmp/pgark-bench-compare}"

source bench/lib.sh

median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# timed <name> <command...>: runs the command as postgres under /usr/bin/time -v; appends wall seconds and peak RSS (KiB)
# to the arrays T_<name> and M_<name>.
timed() {
  local name="$1" t0 t1; shift
  sync
  t0=$(now)
  as_pg /usr/bin/time -v -o "$WORK/time.out" "$@" >/dev/null
  t1=$(now)
  eval "T_$name+=($(elapsed "$t0" "$t1"))"
  eval "M_$name+=($(awk -F': ' '/Maximum resident set size/ { print $2 }' "$WORK/time.out"))"
}

pgark_backup() { timed pgark_backup "$PGARK" --config "$WORK/pgark.yaml" backup --server bench --type full --jobs "$JOBS"; }
pgbr_backup() { timed pgbr_backup $PGBR backup --type=full; }
fresh() { rm -rf "$1"; install -d -o postgres -g postgres -m 700 "$1"; }
pgark_restore() {
  fresh "$WORK/r-pgark"
  timed pgark_restore "$PGARK" --config "$WORK/pgark.yaml" restore --server bench --pgdata "$WORK/r-pgark" --target immediate --jobs "$JOBS"
  rm -rf "$WORK/r-pgark"
}
pgbr_restore() {
  fresh "$WORK/r-pgbr"
  timed pgbr_restore $PGBR restore --pg1-path="$WORK/r-pgbr" --type=immediate --target-action=promote
  rm -rf "$WORK/r-pgbr"
}

PSQL=("$BIN/psql" -h "$WORK" -p "$PORT" -U postgres -qAt)
pgark_dump_restore() {
  timed pgark_dump_restore env TMPDIR="$WORK/tmp" "$PGARK" --config "$WORK/pgark.yaml" dump-restore --server bench --database postgres \
    --dump "$DUMP_ID" --into r_pgark --jobs "$JOBS"
  as_pg "${PSQL[@]}" -c "DROP DATABASE r_pgark" postgres
}
pg_restore_j() {
  as_pg "${PSQL[@]}" -c "CREATE DATABASE r_pgdump TEMPLATE template0" postgres
  timed pg_restore_j "$BIN/pg_restore" -h "$WORK" -p "$PORT" -U postgres -j "$JOBS" --exit-on-error -d r_pgdump "$WORK/pgdump-dir"
  as_pg "${PSQL[@]}" -c "DROP DATABASE r_pgdump" postgres
}

echo "== $RUNS interleaved rounds of full backup and restore, $JOBS processes, lz4 level 1"
for ((i = 1; i <= RUNS; i++)); do
  wait_for_archiver
  if ((i % 2)); then pgark_backup; pgbr_backup; else pgbr_backup; pgark_backup; fi
  if ((i % 2)); then pgark_restore; pgbr_restore; else pgbr_restore; pgark_restore; fi
  echo "   round $i: backup ${T_pgark_backup[-1]}s / ${T_pgbr_backup[-1]}s, restore ${T_pgark_restore[-1]}s / ${T_pgbr_restore[-1]}s"
done

if [[ "${PGARK_BENCH_LOGICAL:-on}" != off ]]; then
  echo "== logical: the same database as a directory dump; $RUNS interleaved rounds of restore with $JOBS jobs"
  mkdir -p "$WORK/tmp"; chown postgres:postgres "$WORK/tmp"
  as_pg "$PGARK" --config "$WORK/pgark.yaml" --output json dump --server bench --database postgres --format directory --jobs "$JOBS" > "$WORK/dump.json"
  DUMP_ID=$(grep -o '"id": *"[^"]*"' "$WORK/dump.json" | head -1 | cut -d'"' -f4)
  as_pg "$BIN/pg_dump" -h "$WORK" -p "$PORT" -U postgres -Fd -j "$JOBS" -f "$WORK/pgdump-dir" postgres
  for ((i = 1; i <= RUNS; i++)); do
    if ((i % 2)); then pgark_dump_restore; pg_restore_j; else pg_restore_j; pgark_dump_restore; fi
    echo "   round $i: restore ${T_pgark_dump_restore[-1]}s / ${T_pg_restore_j[-1]}s"
  done
fi

row() { # label pgark-name peer-name peer-label
  local -n ta="T_$2" tb="T_$3" ma="M_$2" mb_="M_$3"
  local a b
  a=$(median "${ta[@]}"); b=$(median "${tb[@]}")
  printf '%-16s %8ss %7s MiB | %-12s %8ss %7s MiB | %6s   (runs %s / %s)\n' "$1" "$a" "$(( $(median "${ma[@]}") / 1024 ))" "$4" "$b" \
    "$(( $(median "${mb_[@]}") / 1024 ))" "$(ratio "$b" "$a")x" "${ta[*]}" "${tb[*]}"
}
echo
echo "pgbench scale $SCALE, $(mb "$DBSIZE") MB data directory, $JOBS processes, $RUNS rounds, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$(pgbackrest version), $("$BIN/pg_restore" --version)"
printf '%-16s %9s %11s | %-12s %9s %11s | %s\n' "" "pgark" "peak RSS" "peer" "time" "peak RSS" "pgark throughput / peer (medians)"
row "full backup" pgark_backup pgbr_backup "pgbackrest"
row "restore" pgark_restore pgbr_restore "pgbackrest"
[[ "${PGARK_BENCH_LOGICAL:-on}" != off ]] && row "logical restore" pgark_dump_restore pg_restore_j "pg_restore"
exit 0
