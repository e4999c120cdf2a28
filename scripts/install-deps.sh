#!/usr/bin/env bash
# Installs what PgArk's build and tests need on Debian 12 (bookworm). Idempotent: prints nothing and
# changes nothing when everything is already present.
#
#   scripts/install-deps.sh           PostgreSQL server/client/contrib, zstd/lz4 libraries and CLIs, util-linux,
#                                     prometheus (promtool), strace, chromium (the dashboard's browser tests drive it through
#                                     Playwright), node + the pinned test packages in tests/js (s3rver, MCP TypeScript SDK)
#   scripts/install-deps.sh --bench   ... plus pgbackrest and hey, for the comparison benchmarks in bench/
#
# PGARK_PG_MAJOR selects the PostgreSQL major version (default 15, the one bookworm ships).
set -euo pipefail

bench=0
for arg in "$@"; do
  case "$arg" in
    --bench) bench=1 ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install-deps.sh: unknown argument '$arg' (expected --bench)" >&2; exit 2 ;;
  esac
done

pg_major="${PGARK_PG_MAJOR:-15}"
packages=(
  "postgresql-$pg_major"
  "postgresql-client-$pg_major"
  postgresql-contrib   # a metapackage on bookworm (contrib ships inside postgresql-15); harmless to require
  libzstd1
  liblz4-1
  zstd
  lz4
  util-linux           # flock, runuser
  prometheus           # promtool: the tests check deploy/prometheus's alerting rules with it
  strace               # DurableRestoreTests watch restore's fsync calls from outside
  chromium             # DashboardBrowserTests: Playwright drives /usr/bin/chromium (no browser is downloaded)
)
# node/npm run the S3-compatible test server (s3rver) and the MCP TypeScript SDK client (tests/js).
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)
if [[ $bench -eq 1 ]]; then
  packages+=(pgbackrest hey)
fi

is_installed() {
  [[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" == "installed" ]]
}

missing=()
for pkg in "${packages[@]}"; do
  is_installed "$pkg" || missing+=("$pkg")
done

is_root=0
[[ "$(id -u)" -eq 0 ]] && is_root=1

if [[ ${#missing[@]} -gt 0 ]]; then
  if [[ $is_root -ne 1 ]]; then
    echo "install-deps.sh: missing packages: ${missing[*]}" >&2
    echo "install-deps.sh: run as root:" >&2
    echo "  sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
  echo "install-deps.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt_opts=(-q -y -o Dpkg::Use-Pty=0 -o DPkg::Lock::Timeout=300)
  apt-get "${apt_opts[@]}" update
  apt-get "${apt_opts[@]}" install --no-install-recommends "${missing[@]}" </dev/null
  for pkg in "${missing[@]}"; do
    is_installed "$pkg" || { echo "install-deps.sh: package '$pkg' is still not installed" >&2; exit 1; }
  done
fi

pg_bin="/usr/lib/postgresql/$pg_major/bin"
for tool in initdb pg_ctl postgres pgbench pg_amcheck psql; do
  if [[ ! -x "$pg_bin/$tool" ]]; then
    echo "install-deps.sh: $pg_bin/$tool not found although postgresql-$pg_major is installed" >&2
    exit 1
  fi
done
if [[ ! -f "/usr/share/postgresql/$pg_major/extension/amcheck.control" ]]; then
  echo "install-deps.sh: the amcheck extension is missing (expected from postgresql-$pg_major)" >&2
  exit 1
fi
for tool in zstd lz4 flock promtool chromium; do
  command -v "$tool" >/dev/null 2>&1 || { echo "install-deps.sh: '$tool' not found on PATH" >&2; exit 1; }
done
# runuser lives in /usr/sbin, which a non-root PATH often lacks; only root needs it.
if [[ $is_root -eq 1 ]] && ! command -v runuser >/dev/null 2>&1 && [[ ! -x /usr/sbin/runuser ]]; then
  echo "install-deps.sh: 'runuser' not found (expected in /usr/sbin, from util-linux)" >&2
  exit 1
fi

# PostgreSQL refuses to run as root; the test fixtures run it as this user. The postgresql package
# creates it, so this only fires on an unusual system.
if ! id -u postgres >/dev/null 2>&1; then
  if [[ $is_root -ne 1 ]]; then
    echo "install-deps.sh: OS user 'postgres' is missing; as root run: adduser --system --group --home /var/lib/postgresql postgres" >&2
    exit 1
  fi
  echo "install-deps.sh: creating OS user 'postgres'"
  adduser --quiet --system --group --home /var/lib/postgresql --shell /bin/bash postgres
fi

# The .NET SDK is not a Debian package and cannot be downloaded here; only check for it.
if ! command -v dotnet >/dev/null 2>&1; then
  echo "install-deps.sh: 'dotnet' not found. The .NET 10 SDK is required to build and test PgArk;" >&2
  echo "install-deps.sh: install it (https://dotnet.microsoft.com/download/dotnet/10.0) and put 'dotnet' on PATH." >&2
  exit 1
fi
if ! dotnet --list-sdks 2>/dev/null | grep -q '^10\.'; then
  echo "install-deps.sh: the .NET 10 SDK is required, but 'dotnet --list-sdks' shows:" >&2
  dotnet --list-sdks >&2 || true
  exit 1
fi

# The integration tests' node tools, pinned by the committed package-lock.json.
js_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/js"
if [[ ! -f "$js_dir/node_modules/.package-lock.json" || "$js_dir/package-lock.json" -nt "$js_dir/node_modules/.package-lock.json" ]]; then
  echo "install-deps.sh: installing test node packages (npm ci in tests/js)"
  (cd "$js_dir" && npm ci --no-audit --no-fund --loglevel=error </dev/null)
fi
