#!/usr/bin/env bash
# The main job on the embedded default: install what is missing, build pgark, run `pgark quickstart`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
pgark="$(bash scripts/publish.sh)"
exec "$pgark" quickstart "$@"
