#!/usr/bin/env bash
# Seed 000's topology on this machine: two PostgreSQL clusters (pg1: customer_db, inventory_db, analytics_db; pg2: hr_db,
# finance_db, reporting_db) loaded from the SQL scripts next to this file, each archiving WAL into its own posix
# repository with a first full backup, one `pgark serve` per cluster (the agents, loopback only, with a generated admin
# API key), and the supervisor configuration listing the agents by URL and key.
#
# Usage: scripts/seed000/start.sh [FOLDER]      (default: ./.seed000; must not exist yet, or be a stopped earlier run)
# Env:   PGBIN (default: newest /usr/lib/postgresql/*/bin), PGARK (default: scripts/publish.sh builds it),
#        SEED000_PORTS="pg1 pg2 agent1 agent2" (default: free ports, the agents preferring seed 000's 8001 and 8002).
# Run as root: the clusters and agents run as the postgres OS user. Otherwise they run as you. Stop with stop.sh.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
DIR="$(realpath -m "${1:-$ROOT/.seed000}")"
PGBIN="${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)}"
PGARK="${PGARK:-$(cd "$ROOT" && bash scripts/publish.sh)}"

if [[ -f "$DIR/pids" ]]; then
  echo "start.sh: $DIR has a running topology (pids file present); run scripts/seed000/stop.sh $DIR first" >&2
  exit 4
fi
if [[ "$(id -u)" == 0 ]]; then
  as_owner() { runuser -u postgres -- "$@"; }
else
  as_owner() { "$@"; }
fi
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
  local p
  for p in "$@"; do port_free "$p" && { echo "$p"; return; }; done
  while :; do p=$(( 20000 + RANDOM % 30000 )); port_free "$p" && { echo "$p"; return; }; done
}
read -r -a PORTS <<< "${SEED000_PORTS:-}"
declare -A PG_PORT AGENT_PORT
PG_PORT[pg1]="${PORTS[0]:-$(free_port)}"
PG_PORT[pg2]="${PORTS[1]:-$(free_port)}"
AGENT_PORT[pg1]="${PORTS[2]:-$(free_port 8001)}"
AGENT_PORT[pg2]="${PORTS[3]:-$(free_port 8002)}"
declare -A DATABASES=([pg1]="customer_db inventory_db analytics_db" [pg2]="hr_db finance_db reporting_db")

rm -rf "$DIR"
mkdir -p "$DIR"
: > "$DIR/pids"
[[ "$(id -u)" == 0 ]] && chown postgres:postgres "$DIR"
chmod 700 "$DIR"

for server in pg1 pg2; do
  S="$DIR/$server"
  as_owner mkdir -p "$S/repo" "$S/locks" "$S/run"
  key_json="$("$PGARK" --output json key create --name supervisor --role admin)"
  key="$(sed -n 's/.*"key": *"\([^"]*\)".*/\1/p' <<< "$key_json")"
  sha="$(sed -n 's/.*"sha256": *"\([^"]*\)".*/\1/p' <<< "$key_json")"
  echo "$key" > "$DIR/$server.key"
  chmod 600 "$DIR/$server.key"
  as_owner tee "$S/pgark.yaml" > /dev/null <<YAML
lockPath: $S/locks
repositories:
  - name: $server-repo
    type: posix
    path: $S/repo
    compression: zstd
servers:
  - name: $server
    connection: "Host=$S/run;Port=${PG_PORT[$server]};Username=postgres"
    pgdata: $S/data
    repositories: [$server-repo]
api:
  urls: http://127.0.0.1:${AGENT_PORT[$server]}
  keys:
    - { name: supervisor, sha256: "$sha", role: admin }
YAML

  echo "== $server: initdb, port ${PG_PORT[$server]}"
  as_owner "$PGBIN/initdb" -D "$S/data" -U postgres --auth=trust --locale=C -E UTF8 --data-checksums >/dev/null
  as_owner tee -a "$S/data/postgresql.conf" > /dev/null <<CONF
port = ${PG_PORT[$server]}
listen_addresses = ''
unix_socket_directories = '$S/run'
wal_level = replica
archive_mode = on
archive_command = '$PGARK --config $S/pgark.yaml archive-push --server $server %p'
archive_timeout = 60
CONF
  as_owner "$PGBIN/pg_ctl" -D "$S/data" -l "$S/postgres.log" -w start >/dev/null
  echo "cluster $server $(head -1 "$S/data/postmaster.pid") $S/data" >> "$DIR/pids"
  for database in ${DATABASES[$server]}; do
    as_owner "$PGBIN/createdb" -h "$S/run" -p "${PG_PORT[$server]}" -U postgres "$database"
    as_owner "$PGBIN/psql" -h "$S/run" -p "${PG_PORT[$server]}" -U postgres -qX -v ON_ERROR_STOP=1 -f "$HERE/$database.sql" "$database" >/dev/null
    echo "   loaded $database"
  done
  as_owner "$PGARK" --config "$S/pgark.yaml" init --server "$server" >/dev/null
  as_owner "$PGARK" --config "$S/pgark.yaml" backup --server "$server" --type full

  echo "== $server: agent (pgark serve) on http://127.0.0.1:${AGENT_PORT[$server]}"
  as_owner "$PGARK" --config "$S/pgark.yaml" serve > "$S/serve.log" 2>&1 &
  echo "agent $server $! $S/serve.log" >> "$DIR/pids"
done

for server in pg1 pg2; do
  for _ in $(seq 100); do
    grep -q "listening on" "$DIR/$server/serve.log" && break
    sleep 0.1
  done
  grep -q "listening on" "$DIR/$server/serve.log" || { echo "start.sh: the $server agent did not start:" >&2; cat "$DIR/$server/serve.log" >&2; exit 1; }
done

# The supervisor's view: agents by URL, keys through environment variables (supervisor.env holds them, mode 0600).
cat > "$DIR/supervisor.yaml" <<YAML
agents:
  - { name: pg1, url: "http://127.0.0.1:${AGENT_PORT[pg1]}", apiKeyEnv: PGARK_AGENT_PG1_KEY }
  - { name: pg2, url: "http://127.0.0.1:${AGENT_PORT[pg2]}", apiKeyEnv: PGARK_AGENT_PG2_KEY }
YAML
umask 077
cat > "$DIR/supervisor.env" <<ENV
export PGARK_AGENT_PG1_KEY='$(cat "$DIR/pg1.key")'
export PGARK_AGENT_PG2_KEY='$(cat "$DIR/pg2.key")'
ENV

cat <<DONE
== seed 000 is up in $DIR
   pg1: socket $DIR/pg1/run port ${PG_PORT[pg1]}, agent http://127.0.0.1:${AGENT_PORT[pg1]}, config $DIR/pg1/pgark.yaml
   pg2: socket $DIR/pg2/run port ${PG_PORT[pg2]}, agent http://127.0.0.1:${AGENT_PORT[pg2]}, config $DIR/pg2/pgark.yaml
   supervisor: $DIR/supervisor.yaml (keys: source $DIR/supervisor.env)
   try:  source $DIR/supervisor.env
         curl -s http://127.0.0.1:${AGENT_PORT[pg1]}/invoke -H "Authorization: Bearer \$PGARK_AGENT_PG1_KEY" \\
              -H 'Content-Type: application/json' -d '{"tool": "list_backups", "arguments": {"db_name": "customer_db", "limit": 5}}'
   stop: scripts/seed000/stop.sh $DIR
DONE
