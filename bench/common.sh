# Helpers every benchmark uses: the ReadyToRun pgark, the PostgreSQL programs, timing and formatting, and a trap that
# stops the benchmark cluster in $WORK/data. Expects WORK to be set.
# PGARK_BIN: an already published pgark (skips the publish, e.g. when builds must take a lock).
PGARK="${PGARK_BIN:-$(bash scripts/publish.sh)}"
BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
as_pg() { runuser -u postgres -- "$@"; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
mb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }

# Switches WAL and waits until the archiver has archived that segment and every one before it (the benchmark cluster:
# $WORK socket, $PORT). The switch marks the segment .ready before it returns, so "no .ready up to it" is the test;
# pg_stat_archiver's last_archived_wal is not: a backup history file (…06.00000028.backup) archived after segment 07
# becomes the "last" and sorts below 07.
wait_for_archiver() {
  local last
  last=$(as_pg "$BIN/psql" -h "$WORK" -p "$PORT" -qAt -c "SELECT pg_walfile_name(pg_switch_wal())" postgres)
  until [[ "$(as_pg "$BIN/psql" -h "$WORK" -p "$PORT" -qAt -c \
    "SELECT NOT EXISTS (SELECT FROM pg_ls_archive_statusdir() WHERE name LIKE '%.ready' AND left(name, 24) <= '$last')" postgres)" == "t" ]]; do
    sleep 0.5
  done
}

cleanup() {
  [[ -f "$WORK/data/postmaster.pid" ]] && as_pg "$BIN/pg_ctl" -D "$WORK/data" -m fast -w stop >/dev/null 2>&1 || true
}
trap cleanup EXIT
cleanup

# Creates and starts the benchmark cluster in $WORK/data (socket in $WORK, port $PORT) with WAL archiving through the
# given archive_command, sized so a pgbench load never forces checkpoints mid-benchmark. PGARK_BENCH_CHECKSUMS=off
# initialises it without data checksums (plain initdb, hint bits not WAL-logged: page deltas compare block maps).
start_bench_cluster() { # <archive_command>
  local checksums=(-k)
  [[ "${PGARK_BENCH_CHECKSUMS:-on}" == off ]] && checksums=()
  as_pg "$BIN/initdb" "${checksums[@]}" -D "$WORK/data" -U postgres --auth=trust --locale=C -E UTF8 >/dev/null
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

# Writes a pgark configuration for the benchmark cluster with one repository named "local".
write_bench_config() { # <file> [codec (zstd)] [level (3; "" for the codec's default)] [repository keys (path: $WORK/pgark-repo)]
  local codec="${2:-zstd}" level="${3-3}" keys="${4:-    path: $WORK/pgark-repo}"
  {
    printf 'lockPath: %s\nrepositories:\n  - name: local\n%s\n    compression: %s\n' "$WORK/locks" "$keys" "$codec"
    [[ -n "$level" ]] && printf '    compressionLevel: %s\n' "$level"
    cat <<YAML
servers:
  - name: bench
    connection: "Host=$WORK;Port=$PORT;Username=postgres"
    pgdata: $WORK/data
YAML
  } > "$1"
  chmod 644 "$1"
}
