#!/usr/bin/env bash
# Builds the pgark executable (ReadyToRun: archive-push starts once per WAL segment, so start-up time matters)
# into artifacts/pgark/. Prints the path of the executable.
set -euo pipefail
cd "$(dirname "$0")/.."
rid="linux-x64"
case "$(uname -m)" in aarch64|arm64) rid="linux-arm64" ;; esac
dotnet publish src/PgArk.Cli/PgArk.Cli.csproj -c Release -r "$rid" --self-contained false \
  -p:PublishReadyToRun=true -o artifacts/pgark -nologo -v quiet >&2
chmod 755 artifacts artifacts/pgark
echo "$PWD/artifacts/pgark/pgark"
