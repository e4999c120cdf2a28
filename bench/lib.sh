# Shared set-up for the side-by-side benchmarks: one pgbench cluster archiving through both pgark and pgBackRest.
# Expects SCALE, JOBS and WORK to be set; defines PGARK, BIN, PGBR, PORT, DBSIZE and helper functions.
bash scripts/install-deps.sh --bench
source bench/common.sh
rm -rf "$WORK"
mkdir -p "$WORK"/{pgark-repo,pgbr-repo,pgbr-log,pgbr-lock,locks,segs}
chown -R postgres:postgres "$WORK"
PORT=$(( 20000 + RANDOM % 20000 ))

write_bench_config "$WORK/pgark.yaml" lz4 1
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
start_bench_cluster "$PGARK --config $WORK/pgark.yaml archive-push --server bench %p && $PGBR archive-push %p"
as_pg "$PGARK" --config "$WORK/pgark.yaml" init --server bench >/dev/null
as_pg $PGBR stanza-create >/dev/null
as_pg "$BIN/pgbench" -h "$WORK" -p "$PORT" -i -s "$SCALE" -q postgres 2>&1 | tail -1
as_pg "$BIN/psql" -h "$WORK" -p "$PORT" -qAt -c "CHECKPOINT" postgres
# pgbench -i wrote ~1.5 GB of WAL; let the archiver drain it so neither tool's backup waits behind the backlog.
echo "== waiting for the archiver to drain the pgbench WAL"
wait_for_archiver
DBSIZE=$(du -sb "$WORK/data" --exclude=pg_wal | cut -f1)
echo "data directory: $(mb "$DBSIZE") MB (without pg_wal); $(nproc) cores; jobs $JOBS"

