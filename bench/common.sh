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
