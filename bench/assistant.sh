#!/usr/bin/env bash
# Plan latency of `pgark ask` without a language model (target: under 100 ms per plan).
#  1. in-process: every corpus request planned by the deterministic parser, cold first plan and warm percentiles;
#  2. end to end: `pgark ask --dry-run --output json` as a process (start-up, config, map learning, plan), with a
#     configured server that refuses connections at once, so the figure is pgark's own time, not a database's.
# Usage: bash bench/assistant.sh [ROUNDS] [RUNS]   (defaults 50 and 20)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS="${1:-50}"
RUNS="${2:-20}"
WORK="$(mktemp -d /tmp/pgark-bench-assistant.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
PGARK="$(bash scripts/publish.sh)"
now() { date +%s.%N; }

rid="linux-x64"
case "$(uname -m)" in aarch64|arm64) rid="linux-arm64" ;; esac
# Built as the CLI ships (ReadyToRun, no dynamic code: regexes interpreted unless source-generated), and plain JIT for contrast.
dotnet publish bench/PgArk.Assistant.Bench -c Release -r "$rid" --self-contained false -p:PublishReadyToRun=true \
  -p:DynamicCodeSupport=false -o "$WORK/bench-r2r" -nologo -v quiet >/dev/null
dotnet build bench/PgArk.Assistant.Bench -c Release -o "$WORK/bench-jit" >/dev/null
echo "in-process parser (ReadyToRun, as the CLI): $(dotnet "$WORK/bench-r2r/PgArk.Assistant.Bench.dll" tests/PgArk.Tests/Assistant/corpus.json "$ROUNDS")"
echo "in-process parser (JIT):                    $(dotnet "$WORK/bench-jit/PgArk.Assistant.Bench.dll" tests/PgArk.Tests/Assistant/corpus.json "$ROUNDS")"

cat > "$WORK/pgark.yaml" <<YAML
repositories:
  - { name: local, path: $WORK/repo }
servers:
  - { name: pg1, connection: "Host=127.0.0.1;Port=1;Username=postgres;Timeout=2", pgdata: $WORK/data }
YAML
times=()
for _ in $(seq "$RUNS"); do
  start=$(now)
  "$PGARK" --config "$WORK/pgark.yaml" --output json ask --dry-run "trigger full backup for pg1" >/dev/null 2>&1
  end=$(now)
  times+=("$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", (b - a) * 1000 }')")
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
echo "end to end (process, $RUNS runs): median_ms=$(echo "$sorted" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }') max_ms=$(echo "$sorted" | tail -1)"
