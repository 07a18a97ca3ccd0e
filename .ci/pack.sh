#!/usr/bin/env bash
# Packs Raindrop.Sdk, Raindrop.Sdk.Extensions.AI, Raindrop.Sdk.AspNetCore and Raindrop.Sdk.Testing (.nupkg + .snupkg) into a folder, all under one
# prerelease version unique to this pack (VersionPrefix from Directory.Build.props, then -local.<UTC time>), so a
# stale copy of an earlier pack in the NuGet cache never wins silently. Prints the version on the last line.
#   .ci/pack.sh [output folder, default ./artifacts] [version suffix, default local.<UTC yyyyMMddHHmmss>]
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
out="$(mkdir -p "${1:-$repo/artifacts}" && cd "${1:-$repo/artifacts}" && pwd)"
suffix="${2:-local.$(date -u +%Y%m%d%H%M%S)}"
version="$(dotnet msbuild "$repo/src/Raindrop.Sdk" -getProperty:PackageVersion -p:VersionSuffix="$suffix")"
for project in Raindrop.Sdk.Testing Raindrop.Sdk.Extensions.AI Raindrop.Sdk.AspNetCore; do   # each builds Raindrop.Sdk too
  dotnet pack "$repo/src/$project" -c Release -o "$out" -p:VersionSuffix="$suffix" -p:ContinuousIntegrationBuild=true -v q -nologo >&2
done
dotnet pack "$repo/src/Raindrop.Sdk" -c Release -o "$out" -p:VersionSuffix="$suffix" -p:ContinuousIntegrationBuild=true --no-build -v q -nologo >&2
for id in Raindrop.Sdk Raindrop.Sdk.Extensions.AI Raindrop.Sdk.AspNetCore Raindrop.Sdk.Testing; do
  test -f "$out/$id.$version.nupkg" && test -f "$out/$id.$version.snupkg" || { echo "missing $out/$id.$version.nupkg/.snupkg" >&2; exit 1; }
done
echo "$version"
