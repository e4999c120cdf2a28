#!/usr/bin/env bash
# The side-by-side figures of issue 17 in one run: full backup and restore with pgark and with pgBackRest (lz4 level 1,
# the same process count), then logical restore (pgark dump-restore of a directory dump vs pg_restore -j of pg_dump -Fd),
# each repeated RUNS times, interleaved (the order alternates each round), on one pgbench cluster. Prints the median wall
# time, peak RSS (/usr/bin/time -v) and the pgark/pgBackRest throughput ratio of each. Every safety check stays on: pgark
# checks every restored file's SHA-256 and fsyncs it before it reports success, pgBackRest checks its own checksums.
# Then, each RUNS times too: restore --delta onto the data directory the restore just wrote (both tools, nothing to
# rewrite: it measures the comparison), an incremental backup after the same pgbench transactions (pgark incr vs
# pgBackRest incr), restore-database and restore-table of a second pgbench database "rdb" (scale/10) to latest
# (pgark's point-in-time restores through a sandbox, against the logical way of getting the same rows: pg_dump | pg_restore
# of that database into a new one, and pg_restore -t of the table from a custom dump taken beforehand; neither peer is
# a point-in-time restore and pg_restore -t brings no indexes), and archive-push of the same 5 real segments into a
# fresh repository of each tool (time and RSS per segment).
# Usage: bench/compare.sh [scale (default 30)] [jobs (default 2)] [runs (default 3)]
#   PGARK_BENCH_DIR (default /tmp/pgark-bench-compare), PGARK_BIN (use this pgark instead of publishing one),
#   PGARK_BENCH_LOGICAL=off skips the logical rows, PGARK_BENCH_EXTRA=off the rows after the logical ones. Needs root.
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
# Each restore is followed by a restore --delta onto what it wrote (same backup, every file unchanged).
pgark_restore() {
  fresh "$WORK/r-pgark"
  timed pgark_restore "$PGARK" --config "$WORK/pgark.yaml" restore --server bench --pgdata "$WORK/r-pgark" --target immediate --jobs "$JOBS"
  timed pgark_delta "$PGARK" --config "$WORK/pgark.yaml" restore --server bench --pgdata "$WORK/r-pgark" --delta --target immediate --jobs "$JOBS"
  rm -rf "$WORK/r-pgark"
}
pgbr_restore() {
  fresh "$WORK/r-pgbr"
  timed pgbr_restore $PGBR restore --pg1-path="$WORK/r-pgbr" --type=immediate --target-action=promote
  timed pgbr_delta $PGBR restore --pg1-path="$WORK/r-pgbr" --delta --type=immediate --target-action=promote
  rm -rf "$WORK/r-pgbr"
}

PSQL=("$BIN/psql" -h "$WORK" -p "$PORT" -U postgres -qAt)
pgark_dump_restore() {
  timed pgark_dump_restore env TMPDIR="$WORK/tmp" "$PGARK" --config "$WORK/pgark.yaml" dump-restore --server bench --database postgres \
    --dump "$DUMP_ID" --into r_pgark --jobs "$JOBS"
  as_pg "${PSQL[@]}" -c "DROP DATABASE r_pgark" postgres
}
# The database is created inside the timed command, as dump-restore creates its target inside its own time.
pg_restore_j() {
  timed pg_restore_j bash -c "$(printf '%q ' "${PSQL[@]}") -c 'CREATE DATABASE r_pgdump TEMPLATE template0' postgres &&
    $(printf '%q ' "$BIN/pg_restore" -h "$WORK" -p "$PORT" -U postgres -j "$JOBS" --exit-on-error -d r_pgdump "$WORK/pgdump-dir")"
  as_pg "${PSQL[@]}" -c "DROP DATABASE r_pgdump" postgres
}

RDB_PSQL=("$BIN/psql" -h "$WORK" -p "$PORT" -U postgres -qAt)
pgark_incr() { timed pgark_incr "$PGARK" --config "$WORK/pgark.yaml" backup --server bench --type incr --jobs "$JOBS"; }
pgbr_incr() { timed pgbr_incr $PGBR backup --type=incr; }
pgark_restore_db() {
  timed pgark_restore_db "$PGARK" --config "$WORK/pgark.yaml" restore-database --server bench --database rdb --into rdb_pgark --target latest \
    --yes --jobs "$JOBS" --sandbox-dir "$WORK/sandbox"
  as_pg "${RDB_PSQL[@]}" -c "DROP DATABASE rdb_pgark" postgres
}
dump_restore_db() {
  timed dump_restore_db bash -c "$(printf '%q ' "${RDB_PSQL[@]}") -c 'CREATE DATABASE rdb_peer TEMPLATE template0' postgres &&
    $(printf '%q ' "$BIN/pg_dump" -h "$WORK" -p "$PORT" -U postgres -Fc rdb) | $(printf '%q ' "$BIN/pg_restore" -h "$WORK" -p "$PORT" -U postgres --exit-on-error -d rdb_peer)"
  as_pg "${RDB_PSQL[@]}" -c "DROP DATABASE rdb_peer" postgres
}
pgark_restore_table() {
  timed pgark_restore_table "$PGARK" --config "$WORK/pgark.yaml" restore-table --server bench --database rdb --table pgbench_accounts \
    --into accounts_pgark --target latest --yes --sandbox-dir "$WORK/sandbox"
  as_pg "${RDB_PSQL[@]}" -c "DROP TABLE accounts_pgark" rdb
}
pg_restore_table() {
  as_pg "${RDB_PSQL[@]}" -c "CREATE DATABASE rt_peer TEMPLATE template0" postgres
  timed pg_restore_table "$BIN/pg_restore" -h "$WORK" -p "$PORT" -U postgres --exit-on-error -t pgbench_accounts -d rt_peer "$WORK/rdb.dump"
  as_pg "${RDB_PSQL[@]}" -c "DROP DATABASE rt_peer" postgres
}
# archive-push of one segment into a fresh repository of each tool (set up before the loop, not timed).
pgark_push() { timed pgark_push "$PGARK" --config "$WORK/push/pgark.yaml" archive-push --server bench "$WORK/push/pg_wal/$1"; }
pgbr_push() { timed pgbr_push pgbackrest --config="$WORK/push/pgbackrest.conf" --stanza=bench archive-push "$WORK/push/pg_wal/$1"; }

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

if [[ "${PGARK_BENCH_EXTRA:-on}" != off ]]; then
  echo "== incremental backup: $RUNS rounds of 2000 pgbench transactions, then incr with each tool (order alternates)"
  for ((i = 1; i <= RUNS; i++)); do
    as_pg "$BIN/pgbench" -h "$WORK" -p "$PORT" -c 2 -j 2 -t 1000 -n postgres >/dev/null 2>&1
    as_pg "${PSQL[@]}" -c "CHECKPOINT" postgres
    wait_for_archiver
    if ((i % 2)); then pgark_incr; pgbr_incr; else pgbr_incr; pgark_incr; fi
    echo "   round $i: incr ${T_pgark_incr[-1]}s / ${T_pgbr_incr[-1]}s"
  done

  echo "== restore-database and restore-table of database rdb (pgbench scale $(( SCALE / 10 > 0 ? SCALE / 10 : 1 ))) to latest"
  as_pg "${RDB_PSQL[@]}" -c "CREATE DATABASE rdb" postgres
  as_pg "$BIN/pgbench" -h "$WORK" -p "$PORT" -i -s "$(( SCALE / 10 > 0 ? SCALE / 10 : 1 ))" -q rdb 2>&1 | tail -1
  as_pg "${RDB_PSQL[@]}" -c "CHECKPOINT" postgres
  wait_for_archiver
  as_pg "$PGARK" --config "$WORK/pgark.yaml" backup --server bench --type full --jobs "$JOBS" >/dev/null
  as_pg "$BIN/pg_dump" -h "$WORK" -p "$PORT" -U postgres -Fc -f "$WORK/rdb.dump" rdb
  install -d -o postgres -g postgres -m 700 "$WORK/sandbox"
  for ((i = 1; i <= RUNS; i++)); do
    if ((i % 2)); then pgark_restore_db; dump_restore_db; else dump_restore_db; pgark_restore_db; fi
    if ((i % 2)); then pgark_restore_table; pg_restore_table; else pg_restore_table; pgark_restore_table; fi
    echo "   round $i: restore-database ${T_pgark_restore_db[-1]}s / ${T_dump_restore_db[-1]}s, restore-table ${T_pgark_restore_table[-1]}s / ${T_pg_restore_table[-1]}s"
  done

  echo "== archive-push: 5 real segments (from pgBackRest's archive) into a fresh repository of each tool"
  mkdir -p "$WORK/push"/{pg_wal/archive_status,pgark-repo,pgbr-repo,locks,log,lock}
  mapfile -t SEGS < <(find "$WORK/pgbr-repo/archive" -name '[0-9A-F]*-*.lz4' -printf '%f\n' | grep -E '^[0-9A-F]{24}-' | sort | sed -n '3,7p')
  for seg in "${SEGS[@]}"; do lz4 -dqc "$(find "$WORK/pgbr-repo/archive" -name "$seg")" > "$WORK/push/pg_wal/${seg:0:24}"; done
  chown -R postgres:postgres "$WORK/push"
  write_bench_config "$WORK/push/pgark.yaml" lz4 1 "    path: $WORK/push/pgark-repo"
  sed -i "s|^lockPath: .*|lockPath: $WORK/push/locks|" "$WORK/push/pgark.yaml"
  sed "s|^repo1-path=.*|repo1-path=$WORK/push/pgbr-repo|; s|^lock-path=.*|lock-path=$WORK/push/lock|; s|^log-path=.*|log-path=$WORK/push/log|" \
    "$WORK/pgbackrest.conf" > "$WORK/push/pgbackrest.conf"
  chmod 644 "$WORK/push/pgbackrest.conf"
  as_pg "$PGARK" --config "$WORK/push/pgark.yaml" init --server bench >/dev/null
  as_pg pgbackrest --config="$WORK/push/pgbackrest.conf" --stanza=bench stanza-create >/dev/null
  n=0
  for seg in "${SEGS[@]}"; do
    if ((n++ % 2)); then pgbr_push "${seg:0:24}"; pgark_push "${seg:0:24}"; else pgark_push "${seg:0:24}"; pgbr_push "${seg:0:24}"; fi
  done
  echo "   per segment: ${T_pgark_push[*]} / ${T_pgbr_push[*]}"
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
row "delta restore" pgark_delta pgbr_delta "pgbackrest"
[[ "${PGARK_BENCH_LOGICAL:-on}" != off ]] && row "logical restore" pgark_dump_restore pg_restore_j "pg_restore"
if [[ "${PGARK_BENCH_EXTRA:-on}" != off ]]; then
  row "incr backup" pgark_incr pgbr_incr "pgbackrest"
  row "restore-database" pgark_restore_db dump_restore_db "dump|restore"
  row "restore-table" pgark_restore_table pg_restore_table "pg_restore -t"
  row "archive-push/seg" pgark_push pgbr_push "pgbackrest"
fi
exit 0
