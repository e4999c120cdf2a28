#!/usr/bin/env bash
# Cost of encryption at rest, in one run on one pgbench cluster:
#   full backup and restore into a plain repository and into encrypted ones (passphrase at the default 600,000 PBKDF2
#   iterations, and a key file), same codec, same jobs: MB/s and the percentage lost to encryption (target: under 15%
#   of backup throughput). Each command pays the passphrase's key derivation once, so at small scales the fixed cost
#   shows; the key-file row separates it from the cost per byte;
#   archive-push of a 16 MB segment (one process per segment, as archive_command runs it) into a plain repository,
#   encrypted ones with a passphrase at 600,000 and 100,000 PBKDF2 iterations, and one with a key file: the
#   passphrase's key derivation is paid once per process start.
# Usage: bench/encryption.sh [scale (default 100)] [jobs (default 2)] [compression (default lz4)]
set -euo pipefail
cd "$(dirname "$0")/.."
SCALE="${1:-100}"
JOBS="${2:-2}"
CODEC="${3:-lz4}"
WORK="${PGARK_BENCH_DIR:-/tmp/pgark-bench-encryption}"

source bench/common.sh
rm -rf "$WORK"
mkdir -p "$WORK"/{locks,segs}
PORT=$(( 20000 + RANDOM % 20000 ))
head -c 24 /dev/urandom | base64 > "$WORK/passphrase"
head -c 32 /dev/urandom > "$WORK/key"
chmod 600 "$WORK/passphrase" "$WORK/key"
chown -R postgres:postgres "$WORK"

# One configuration per case, each with one repository; archive_command is switched to the case under test, so a
# backup's wait for its last WAL segment includes exactly one repository's archive-push, as in a real set-up.
CASES="plain passphrase keyfile"
write_bench_config "$WORK/pgark-plain.yaml" "$CODEC" "" "    path: $WORK/plain-repo"
write_bench_config "$WORK/pgark-passphrase.yaml" "$CODEC" "" "    path: $WORK/passphrase-repo
    encryption: { passphraseFile: $WORK/passphrase }"
write_bench_config "$WORK/pgark-keyfile.yaml" "$CODEC" "" "    path: $WORK/keyfile-repo
    encryption: { keyFile: $WORK/key }"
use_case() { # case: archive into its repository from now on
  as_pg "$BIN/psql" -h "$WORK" -p "$PORT" -qAt -c "ALTER SYSTEM SET archive_command = '$PGARK --config $WORK/pgark-$1.yaml archive-push --server bench %p'" -c "SELECT pg_reload_conf()" postgres >/dev/null
}

echo "== building a pgbench scale-$SCALE cluster in $WORK/data ($CODEC, $JOBS jobs)"
start_bench_cluster "$PGARK --config $WORK/pgark-plain.yaml archive-push --server bench %p"
for c in $CASES; do as_pg "$PGARK" --config "$WORK/pgark-$c.yaml" init --server bench >/dev/null; done
as_pg "$BIN/pgbench" -h "$WORK" -p "$PORT" -i -s "$SCALE" -q postgres 2>&1 | tail -1
as_pg "$BIN/psql" -h "$WORK" -p "$PORT" -qAt -c "CHECKPOINT" postgres
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
echo "data directory: $(mb "$DBSIZE") MB (without pg_wal); $(nproc) cores"

declare -a ROWS
declare -A BACKUP RESTORE INNER
for c in $CASES; do
  use_case "$c"
  wait_for_archiver
  sync
  t0=$(now); as_pg "$PGARK" --config "$WORK/pgark-$c.yaml" backup --server bench --jobs "$JOBS" --output json > "$WORK/$c-backup.json"; t1=$(now)
  BACKUP[$c]=$(elapsed "$t0" "$t1")
  INNER[$c]=$(grep -o '"duration_seconds": *[0-9.]*' "$WORK/$c-backup.json" | head -1 | grep -o '[0-9.]*$')
  rm -rf "$WORK/restore"; install -d -o postgres -g postgres -m 700 "$WORK/restore"
  sync
  t0=$(now); as_pg "$PGARK" --config "$WORK/pgark-$c.yaml" restore --server bench --pgdata "$WORK/restore" --target immediate --jobs "$JOBS" >/dev/null; t1=$(now)
  RESTORE[$c]=$(elapsed "$t0" "$t1")
  rm -rf "$WORK/restore"
done
use_case plain
mbps() { awk -v b="$DBSIZE" -v s="$1" 'BEGIN { printf "%.1f", b / 1048576 / s }'; }
slower() { awk -v p="$1" -v e="$2" 'BEGIN { printf "%.1f", (e - p) / e * 100 }'; }
for c in $CASES; do
  ROWS+=("$(printf '%-10s backup  %6ss %6s MB/s (in-manifest %6ss) | restore %6ss %6s MB/s | lost to encryption: backup %5s%%, restore %5s%%' \
    "$c" "${BACKUP[$c]}" "$(mbps "${BACKUP[$c]}")" "${INNER[$c]}" "${RESTORE[$c]}" "$(mbps "${RESTORE[$c]}")" \
    "$(slower "${BACKUP[plain]}" "${BACKUP[$c]}")" "$(slower "${RESTORE[plain]}" "${RESTORE[$c]}")")")
done

echo "== archive-push of one 16 MB segment (median of 5, process start included)"
SEGS=$(find "$WORK/plain-repo/servers/bench/wal" -regextype posix-extended -regex '.*/[0-9A-F]{24}-[0-9a-f]{64}.*' | sed 's|.*/||; s|-.*||' | sort | tail -n +2 | head -5)
for seg in $SEGS; do
  as_pg "$PGARK" --config "$WORK/pgark-plain.yaml" archive-get --server bench "$seg" "$WORK/segs/$seg"
done
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
push_case() { # label encryption-yaml
  local cfg="$WORK/push-$1.yaml" repo="$WORK/push-$1-repo"
  local keys="    path: $repo"
  [[ -n "$2" ]] && keys+=$'\n'"    encryption: $2"
  write_bench_config "$cfg" "$CODEC" "" "$keys"
  as_pg "$PGARK" --config "$cfg" init --server bench >/dev/null
  local -a T=()
  for seg in $SEGS; do
    t0=$(now); as_pg "$PGARK" --config "$cfg" archive-push --server bench "$WORK/segs/$seg"; t1=$(now)
    T+=("$(elapsed "$t0" "$t1")")
  done
  ROWS+=("$(printf 'archive-push %-26s median %6ss (runs: %s)' "$1" "$(median "${T[@]}")" "${T[*]}")")
}
push_case "plain" ""
push_case "passphrase-600000" "{ passphraseFile: $WORK/passphrase, iterations: 600000 }"
push_case "passphrase-100000" "{ passphraseFile: $WORK/passphrase, iterations: 100000 }"
push_case "key-file" "{ keyFile: $WORK/key }"

echo
printf '%s\n' "${ROWS[@]}"
