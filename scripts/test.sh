#!/usr/bin/env bash
# Builds PgArk in Release and runs the unit tests, then the integration tests. Ends with one line,
# "N passed, N failed[, N skipped]", summed from the TRX files of both runs. Exits non-zero if
# anything failed, a test run produced no TRX, or no test ran at all.
#
# PGARK_TEST_VERBOSITY  console logger verbosity (default: normal)
# PGARK_TEST_FILTER     passed to 'dotnet test --filter' for both projects (optional)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$(pwd)"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export DOTNET_GENERATE_ASPNET_CERTIFICATE=false MSBUILDTERMINALLOGGER=false
# No MSBuild nodes or compiler server left running after the build: on CI they would hold the job's output open.
export MSBUILDDISABLENODEREUSE=1 DOTNET_CLI_USE_MSBUILD_SERVER=0 UseSharedCompilation=false

bash scripts/install-deps.sh

dotnet build PgArk.sln -c Release </dev/null

results="$root/artifacts/test-results"
rm -rf "$results"
mkdir -p "$results"

verbosity="${PGARK_TEST_VERBOSITY:-normal}"
status=0

run_tests() { # <name> <project> [extra dotnet test args...]
  local name="$1" project="$2"
  shift 2
  local args=(test "$project" --no-build -c Release
    --logger "console;verbosity=$verbosity"
    --logger "trx;LogFileName=$name.trx"
    --results-directory "$results")
  if [[ -n "${PGARK_TEST_FILTER:-}" ]]; then
    args+=(--filter "$PGARK_TEST_FILTER")
  fi
  echo "==> dotnet test $project"
  if ! dotnet "${args[@]}" "$@" </dev/null; then
    echo "==> $name tests failed" >&2
    status=1
  fi
}

run_tests unit tests/PgArk.Tests/PgArk.Tests.csproj
# A hung integration test (a server that never answers) must not hang CI forever.
run_tests integration tests/PgArk.IntegrationTests/PgArk.IntegrationTests.csproj \
  --blame-hang-timeout 15m --blame-hang-dump-type none

counter() { # <counters element> <attribute>
  local value
  value="$(sed -n "s/.* $2=\"\([0-9]*\)\".*/\1/p" <<<"$1")"
  echo "${value:-0}"
}

passed=0 failed=0 skipped=0
for name in unit integration; do
  trx="$results/$name.trx"
  if [[ ! -f "$trx" ]]; then
    echo "==> no TRX file for the $name tests ($trx)" >&2
    status=1
    continue
  fi
  counters="$(grep -o '<Counters [^>]*>' "$trx" | head -n 1 || true)"
  if [[ -z "$counters" ]]; then
    echo "==> no <Counters> element in $trx" >&2
    status=1
    continue
  fi
  total="$(counter "$counters" total)"
  executed="$(counter "$counters" executed)"
  passed=$((passed + $(counter "$counters" passed)))
  failed=$((failed + $(counter "$counters" failed) + $(counter "$counters" error) + $(counter "$counters" timeout) + $(counter "$counters" aborted)))
  skipped=$((skipped + total - executed))
done

if ((failed > 0)); then
  status=1
fi
if ((passed + failed == 0)); then
  echo "==> no tests ran" >&2
  status=1
fi

summary="$passed passed, $failed failed"
if ((skipped > 0)); then
  summary+=", $skipped skipped"
fi
echo "$summary"
exit "$status"
