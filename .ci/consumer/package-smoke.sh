#!/usr/bin/env bash
# Packs Raindrop.Sdk (+ Testing) under a unique version into a temp folder feed, creates a fresh console project
# outside the repository that installs it from that feed (nuget.org through the default config for the rest), runs
# it against a loopback server, then publishes it with Native AOT, failing on any IL2xxx/IL3xxx warning, and runs
# the native binary too. Usage: .ci/consumer/package-smoke.sh [target framework, default net10.0]
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
tfm="${1:-net10.0}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
version="0.1.0-ci.$(date +%s).$$"   # unique, so the global package cache never serves a stale build

echo "-- pack $version"
dotnet pack "$repo/src/Raindrop.Sdk.Testing" -c Release -o "$work/feed" -p:Version="$version" -p:ContinuousIntegrationBuild=true -v q -nologo
dotnet pack "$repo/src/Raindrop.Sdk" -c Release -o "$work/feed" -p:Version="$version" -p:ContinuousIntegrationBuild=true --no-build -v q -nologo
for f in Raindrop.Sdk Raindrop.Sdk.Testing; do
  test -f "$work/feed/$f.$version.nupkg" && test -f "$work/feed/$f.$version.snupkg" || { echo "missing $f .nupkg/.snupkg"; exit 1; }
done

echo "-- consume from the local feed ($tfm)"
mkdir "$work/app"
cd "$work/app"
dotnet new console --framework "$tfm" --name ConsumerSmoke --output . >/dev/null
cat > nuget.config <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="local" value="$work/feed" />
  </packageSources>
</configuration>
XML
dotnet add package Raindrop.Sdk --version "$version" >/dev/null
dotnet add package Microsoft.Extensions.Configuration --version 10.0.15 >/dev/null
dotnet add package Microsoft.Extensions.DependencyInjection --version 10.0.15 >/dev/null
cp "$repo/.ci/consumer/Program.cs" Program.cs
dotnet run -c Release

echo "-- Native AOT publish ($tfm)"
linker=()
if ! command -v clang >/dev/null && command -v clang-14 >/dev/null; then linker=(-p:CppCompilerAndLinker=clang-14); fi
dotnet publish -c Release -r linux-x64 -p:PublishAot=true -p:TrimmerSingleWarn=false "${linker[@]}" -o out 2>&1 | tee publish.log
if grep -Eq 'warning IL[23][0-9]{3}' publish.log; then
  echo "FAIL: trim/AOT warnings:"; grep -E 'warning IL[23][0-9]{3}' publish.log | sort -u; exit 1
fi
./out/ConsumerSmoke
echo "-- package smoke OK"
