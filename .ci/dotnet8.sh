#!/usr/bin/env bash
# The .NET 8 leg of CI, on a machine that may have only a newer runtime.
#
#   .ci/dotnet8.sh root              prints the path of a `dotnet` that runs .NET 8 apps (building it if needed)
#   .ci/dotnet8.sh test [project...] builds the test projects for net8.0 and runs them on .NET 8 (default: all)
#
# When the machine has the .NET 8 runtimes (GitHub's setup-dotnet), they are used as they are. Otherwise the
# runtime packs the SDK itself would use for net8.0 (Microsoft.NETCore.App.Runtime.<rid> and
# Microsoft.AspNetCore.App.Runtime.<rid>, the version in the SDK's bundled versions) are taken from the NuGet cache
# or downloaded from the configured NuGet feed, and unpacked into shared/ of a copy of the dotnet root (host/ and the
# muxer copied, never linked, so nothing of the machine's own install changes). The copy is cached under
# ${RAINDROP_DOTNET8_CACHE:-/tmp/raindrop-dotnet8}.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cache="${RAINDROP_DOTNET8_CACHE:-/tmp/raindrop-dotnet8}"

log() { echo "dotnet8: $*" >&2; }

runtime_root() {
  if dotnet --list-runtimes | grep -q '^Microsoft\.NETCore\.App 8\.' &&
     dotnet --list-runtimes | grep -q '^Microsoft\.AspNetCore\.App 8\.'; then
    dirname "$(readlink -f "$(command -v dotnet)")"
    return
  fi

  local dotnet_root sdk_version bundled version rid root
  dotnet_root="$(dirname "$(readlink -f "$(command -v dotnet)")")"
  sdk_version="$(dotnet --version)"
  bundled="$dotnet_root/sdk/$sdk_version/Microsoft.NETCoreSdk.BundledVersions.props"
  # The runtime the SDK targets for net8.0 (its targeting pack's version), so the tests run on what they built against.
  version="${RAINDROP_DOTNET8_VERSION:-$(grep -A8 '<KnownFrameworkReference Include="Microsoft.NETCore.App"' "$bundled" |
    grep -A6 'TargetFramework="net8.0"' | grep -o 'LatestRuntimeFrameworkVersion="[^"]*"' | head -1 | cut -d'"' -f2)}"
  [ -n "$version" ] || { log "no net8.0 runtime version in $bundled"; return 1; }
  case "$(uname -m)" in
    x86_64) rid=linux-x64 ;;
    aarch64) rid=linux-arm64 ;;
    *) log "unsupported machine $(uname -m)"; return 1 ;;
  esac

  root="$cache/$version-$rid"
  if [ -x "$root/dotnet" ] && [ -f "$root/.complete" ]; then
    echo "$root"
    return
  fi

  log "building a .NET $version root in $root"
  local tmp
  mkdir -p "$cache"
  tmp="$(mktemp -d "$cache/.build.XXXXXX")"
  cp -r "$dotnet_root/host" "$tmp/host"
  cp "$dotnet_root/dotnet" "$tmp/dotnet"
  local id framework
  for framework in Microsoft.NETCore.App Microsoft.AspNetCore.App; do
    id="$framework.Runtime.$rid"
    unpack "$id" "$version" "$tmp/shared/$framework/$version" "$rid"
  done
  touch "$tmp/.complete"
  rm -rf "$root"
  mv "$tmp" "$root"
  echo "$root"
}

# unpack <package id> <version> <target folder> <rid>: the package's managed and native files, flattened.
unpack() {
  local id="$1" version="$2" target="$3" rid="$4" lower nupkg packages
  lower="$(echo "$id" | tr '[:upper:]' '[:lower:]')"
  packages="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
  nupkg="$packages/$lower/$version/$lower.$version.nupkg"
  if [ ! -f "$nupkg" ]; then
    nupkg="$cache/downloads/$lower.$version.nupkg"
    if [ ! -f "$nupkg" ]; then
      local base
      base="$(flat_container)"
      log "downloading $id $version from $base"
      mkdir -p "$cache/downloads"
      curl -fsSL --retry 3 -o "$nupkg.part" "$base$lower/$version/$lower.$version.nupkg"
      mv "$nupkg.part" "$nupkg"
    fi
  fi
  local x
  x="$(mktemp -d "$cache/.unpack.XXXXXX")"
  unzip -q "$nupkg" "runtimes/$rid/*" -d "$x"
  mkdir -p "$target"
  find "$x/runtimes/$rid" -type f -exec cp {} "$target/" \;
  rm -rf "$x"
}

# The NuGet feed's flat container (PackageBaseAddress): the first enabled http(s) source's, else nuget.org's.
flat_container() {
  local index
  index="$(dotnet nuget list source --format short 2>/dev/null | awk '$1 == "E" && $2 ~ /^https?:/ {print $2; exit}')"
  index="${index:-https://api.nuget.org/v3/index.json}"
  curl -fsSL --retry 3 "$index" | python3 -c 'import json, sys
print(next(r["@id"] for r in json.load(sys.stdin)["resources"] if r["@type"].startswith("PackageBaseAddress")).rstrip("/") + "/")' ||
    echo "https://api.nuget.org/v3-flatcontainer/"
}

run_tests() {
  local root status=0 project
  root="$(runtime_root)"
  log "testing on $("$root/dotnet" --list-runtimes | grep '^Microsoft\.NETCore\.App 8\.' | awk '{print $2}' | head -1) ($root/dotnet)"
  local projects=("$@")
  if [ ${#projects[@]} -eq 0 ]; then
    projects=(tests/Raindrop.Sdk.Tests tests/Raindrop.Sdk.Extensions.AI.Tests tests/Raindrop.Sdk.IntegrationTests)
  fi
  cd "$repo"
  for project in "${projects[@]}"; do
    echo "-- $project on .NET 8"
    # TargetFrameworks too, so the referenced multi-targeted libraries build only their net8.0 side.
    dotnet test "$project" -p:TargetFramework=net8.0 -p:TargetFrameworks=net8.0 \
      -- RunConfiguration.DotNetHostPath="$root/dotnet" || status=1
  done
  return $status
}

case "${1:-test}" in
  root) runtime_root ;;
  test) shift || true; run_tests "$@" ;;
  *) echo "usage: $0 root | test [project...]" >&2; exit 2 ;;
esac
