# Helpers every benchmark uses: the ReadyToRun pgark, the PostgreSQL programs, timing and formatting, and a trap that
# stops the benchmark cluster in $WORK/data. Expects WORK to be set.
PGARK="$(bash scripts/publish.sh)"
BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
as_pg() { runuser -u postgres -- "$@"; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
mb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }

# Switches WAL and waits until the archiver has archived that segment (the benchmark cluster: $WORK socket, $PORT).
wait_for_archiver() {
  local last
  last=$(as_pg "$BIN/psql" -h "$WORK" -p "$PORT" -qAt -c "SELECT pg_walfile_name(pg_switch_wal())" postgres)
  until [[ "$(as_pg "$BIN/psql" -h "$WORK" -p "$PORT" -qAt -c "SELECT coalesce(last_archived_wal, '') >= '$last' FROM pg_stat_archiver" postgres)" == "t" ]]; do
    sleep 0.5
  done
}

cleanup() {
  [[ -f "$WORK/data/postmaster.pid" ]] && as_pg "$BIN/pg_ctl" -D "$WORK/data" -m fast -w stop >/dev/null 2>&1 || true
}
trap cleanup EXIT
cleanup

# Creates and starts the benchmark cluster in $WORK/data (socket in $WORK, port $PORT) with WAL archiving through the
# given archive_command, sized so a pgbench load never forces checkpoints mid-benchmark.
start_bench_cluster() { # <archive_command>
  as_pg "$BIN/initdb" -k -D "$WORK/data" -U postgres --auth=trust --locale=C -E UTF8 >/dev/null
  cat >> "$WORK/data/postgresql.conf" <<CONF
port = $PORT
unix_socket_directories = '$WORK'
listen_addresses = ''
wal_level = replica
archive_mode = on
archive_command = '$1'
max_wal_size = 8GB
shared_buffers = 512MB
CONF
  as_pg "$BIN/pg_ctl" -D "$WORK/data" -l "$WORK/postgres.log" -w start >/dev/null
}

# Writes a pgark configuration for the benchmark cluster with one zstd-3 posix repository in $WORK/pgark-repo.
write_bench_config() { # <file>
  cat > "$1" <<YAML
lockPath: $WORK/locks
repositories:
  - name: local
    path: $WORK/pgark-repo
    compression: zstd
    compressionLevel: 3
servers:
  - name: bench
    connection: "Host=$WORK;Port=$PORT;Username=postgres"
    pgdata: $WORK/data
YAML
  chmod 644 "$1"
}
