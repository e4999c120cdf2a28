#!/usr/bin/env bash
# Side-by-side benchmark of logical operations on one pgbench database, in one run:
#   pgark dump (custom, streamed into the repository) / dump-restore --jobs vs pg_dump -Fd -j / pg_restore -j;
#   pgark dump --format directory --jobs / dump-restore --jobs (restored through named pipes) vs the same;
#   pgark export --format csv of 1 million rows vs psql \copy; peak RSS of JSON export at 100k and 1M rows.
# Usage: bench/logical.sh [scale (default 100)] [jobs (default 2)]. Needs root and ~2 GB free in $PGARK_BENCH_DIR (/tmp).
set -euo pipefail
cd "$(dirname "$0")/.."
SCALE="${1:-100}"
JOBS="${2:-2}"
WORK="${PGARK_BENCH_DIR:-/tmp/pgark-bench-logical}"

bash scripts/install-deps.sh
source bench/common.sh
rm -rf "$WORK"
mkdir -p "$WORK"/{pgark-repo,locks,tmp}
chown -R postgres:postgres "$WORK"
PORT=$(( 20000 + RANDOM % 20000 ))
PSQL=("$BIN/psql" -h "$WORK" -p "$PORT" -U postgres -qAt)

write_bench_config "$WORK/pgark.yaml"

echo "== building a pgbench scale-$SCALE database in $WORK/data"
as_pg "$BIN/initdb" -D "$WORK/data" -U postgres --auth=trust --locale=C -E UTF8 >/dev/null
cat >> "$WORK/data/postgresql.conf" <<CONF
port = $PORT
unix_socket_directories = '$WORK'
listen_addresses = ''
max_wal_size = 8GB
shared_buffers = 512MB
fsync = off
CONF
as_pg "$BIN/pg_ctl" -D "$WORK/data" -l "$WORK/postgres.log" -w start >/dev/null
as_pg "$PGARK" --config "$WORK/pgark.yaml" init --server bench >/dev/null
as_pg "${PSQL[@]}" -c "CREATE DATABASE bench" postgres
as_pg "$BIN/pgbench" -h "$WORK" -p "$PORT" -i -s "$SCALE" -q bench 2>&1 | tail -1
as_pg "${PSQL[@]}" -c "VACUUM ANALYZE" bench
DBSIZE=$(as_pg "${PSQL[@]}" -c "SELECT pg_database_size('bench')" postgres)
echo "database: $(mb "$DBSIZE") MB; $(nproc) cores; jobs $JOBS"
declare -a ROWS

# Both dump tools run as postgres and leave their output in $WORK; pgark streams through zstd 3, pg_dump -Fd uses its default gzip.
sync
t0=$(now); as_pg "$PGARK" --config "$WORK/pgark.yaml" --output json dump --server bench --database bench > "$WORK/pgark-dump.json"; t1=$(now)
sync
t2=$(now); as_pg "$BIN/pg_dump" -h "$WORK" -p "$PORT" -U postgres -Fd -j "$JOBS" -f "$WORK/pgdump-dir" bench; t3=$(now)
a_size=$(grep -o '"stored_size": *[0-9]*' "$WORK/pgark-dump.json" | head -1 | grep -o '[0-9]*$')
b_size=$(du -sb "$WORK/pgdump-dir" | cut -f1)
a=$(elapsed "$t0" "$t1"); b=$(elapsed "$t2" "$t3")
ROWS+=("$(printf 'dump           pgark %7ss %8s MB | pg_dump -Fd -j %s    %7ss %8s MB | time ratio pgark/pg_dump %s' \
  "$a" "$(mb "$a_size")" "$JOBS" "$b" "$(mb "$b_size")" "$(ratio "$a" "$b")")")

sync
t0=$(now); as_pg "$PGARK" --config "$WORK/pgark.yaml" --output json dump --server bench --database bench --format directory --jobs "$JOBS" > "$WORK/pgark-dir.json"; t1=$(now)
a=$(elapsed "$t0" "$t1"); b=$(elapsed "$t2" "$t3")
a_size=$(grep -o '"stored_size": *[0-9]*' "$WORK/pgark-dir.json" | head -1 | grep -o '[0-9]*$')
DIR_ID=$(grep -o '"id": *"[^"]*"' "$WORK/pgark-dir.json" | cut -d'"' -f4)
ROWS+=("$(printf 'dump -Fd -j %s  pgark %7ss %8s MB | pg_dump -Fd -j %s    %7ss             | time ratio pgark/pg_dump %s' \
  "$JOBS" "$a" "$(mb "$a_size")" "$JOBS" "$b" "$(ratio "$a" "$b")")")

as_pg "${PSQL[@]}" -c "CREATE DATABASE r_pgdump TEMPLATE template0" postgres
sync
t2=$(now); as_pg "$BIN/pg_restore" -h "$WORK" -p "$PORT" -U postgres -j "$JOBS" --exit-on-error -d r_pgdump "$WORK/pgdump-dir"; t3=$(now)
b=$(elapsed "$t2" "$t3")
sync
t0=$(now); TMPDIR="$WORK/tmp" as_pg env TMPDIR="$WORK/tmp" "$PGARK" --config "$WORK/pgark.yaml" dump-restore --server bench --database bench \
  --dump "$(grep -o '"id": *"[^"]*"' "$WORK/pgark-dump.json" | cut -d'"' -f4)" --into r_pgark --jobs "$JOBS" >/dev/null; t1=$(now)
a=$(elapsed "$t0" "$t1")
ROWS+=("$(printf 'restore custom pgark %7ss             | pg_restore -j %s     %7ss             | time ratio pgark/pg_restore %s' \
  "$a" "$JOBS" "$b" "$(ratio "$a" "$b")")")
as_pg "${PSQL[@]}" -c "DROP DATABASE r_pgark" postgres
sync
t0=$(now); TMPDIR="$WORK/tmp" as_pg env TMPDIR="$WORK/tmp" "$PGARK" --config "$WORK/pgark.yaml" dump-restore --server bench --database bench \
  --dump "$DIR_ID" --into r_pgark --jobs "$JOBS" >/dev/null; t1=$(now)
a=$(elapsed "$t0" "$t1")
ROWS+=("$(printf 'restore dir    pgark %7ss             | pg_restore -j %s     %7ss             | time ratio pgark/pg_restore %s' \
  "$a" "$JOBS" "$b" "$(ratio "$a" "$b")")")
as_pg "${PSQL[@]}" -c "DROP DATABASE r_pgark" -c "DROP DATABASE r_pgdump" postgres
rm -rf "$WORK/pgdump-dir"

# 1 million rows of pgbench_accounts, written to a file by each tool.
sync
t0=$(now); as_pg "$PGARK" --config "$WORK/pgark.yaml" export --server bench --database bench --table pgbench_accounts --format csv --limit 1000000 --to "$WORK/pgark.csv" >/dev/null; t1=$(now)
t2=$(now); as_pg "${PSQL[@]}" -c "\\copy (SELECT * FROM pgbench_accounts LIMIT 1000000) to '$WORK/psql.csv' with (format csv, header)" bench; t3=$(now)
a=$(elapsed "$t0" "$t1"); b=$(elapsed "$t2" "$t3")
rows_a=$(( $(wc -l < "$WORK/pgark.csv") - 1 )); rows_b=$(( $(wc -l < "$WORK/psql.csv") - 1 ))
ROWS+=("$(printf 'export csv 1M  pgark %7ss %8s MB | psql \\copy          %7ss %8s MB | time ratio pgark/psql %s  (rows %s / %s)' \
  "$a" "$(mb "$(stat -c %s "$WORK/pgark.csv")")" "$b" "$(mb "$(stat -c %s "$WORK/psql.csv")")" "$(ratio "$a" "$b")" "$rows_a" "$rows_b")")

# JSON export memory: peak RSS (KiB) for 100k and 1M rows should be about the same (rows stream, nothing accumulates).
for n in 100000 1000000; do
  as_pg /usr/bin/time -f %M -o "$WORK/rss-$n" "$PGARK" --config "$WORK/pgark.yaml" export --server bench --database bench --table pgbench_accounts \
    --format json --limit "$n" --to "$WORK/pgark-$n.json" >/dev/null
done
ROWS+=("$(printf 'export json    peak RSS %s MB at 100k rows, %s MB at 1M rows (%s MB and %s MB written)' \
  "$(mb $(( $(cat "$WORK/rss-100000") * 1024 )))" "$(mb $(( $(cat "$WORK/rss-1000000") * 1024 )))" \
  "$(mb "$(stat -c %s "$WORK/pgark-100000.json")")" "$(mb "$(stat -c %s "$WORK/pgark-1000000.json")")")")

# The same 1M rows with the .NET heap capped at 48 MiB: completing at all shows nothing accumulates per row.
as_pg env DOTNET_GCHeapHardLimit=0x3000000 /usr/bin/time -f %M -o "$WORK/rss-capped" "$PGARK" --config "$WORK/pgark.yaml" export --server bench \
  --database bench --table pgbench_accounts --format json --limit 1000000 --to "$WORK/pgark-capped.json" >/dev/null
ROWS+=("$(printf 'export json    1M rows with the heap capped at 48 MiB: peak RSS %s MB, %s MB written' \
  "$(mb $(( $(cat "$WORK/rss-capped") * 1024 )))" "$(mb "$(stat -c %s "$WORK/pgark-capped.json")")")")

echo
echo "pgbench scale $SCALE ($(mb "$DBSIZE") MB), jobs $JOBS, $("$BIN/pg_dump" --version)"
printf '%s\n' "${ROWS[@]}"
