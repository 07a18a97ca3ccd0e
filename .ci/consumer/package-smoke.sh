#!/usr/bin/env bash
# Packs the three packages (.ci/pack.sh: one version unique to this run) into a temp folder feed, checks each carries
# its own README and the icon, creates a fresh console project outside the repository (default LangVersion of its
# target framework: C# 12 on net8.0) that installs Raindrop.Sdk at exactly that version from the feed plus nuget.org,
# runs it against a loopback server (on a .NET 8 runtime for net8.0, see .ci/dotnet8.sh), then publishes it with
# Native AOT, failing on any IL2xxx/IL3xxx warning, and runs the native binary too.
# Usage: .ci/consumer/package-smoke.sh [target framework, default net10.0] [--no-aot] [--feed <folder with a pack>]
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
tfm=net10.0 aot=1 feed=""
while [ $# -gt 0 ]; do
  case "$1" in
    --no-aot) aot=0 ;;
    --feed) feed="$2"; shift ;;
    *) tfm="$1" ;;
  esac
  shift
done
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if [ -z "$feed" ]; then
  echo "-- pack"
  feed="$work/feed"
  "$repo/.ci/pack.sh" "$feed" "ci.$(date -u +%Y%m%d%H%M%S).$$" >/dev/null
fi
version="$(ls "$feed"/Raindrop.Sdk.*.nupkg | sed -n 's|.*/Raindrop\.Sdk\.\([0-9].*\)\.nupkg$|\1|p' | sort -V | tail -1)"
echo "-- Raindrop.Sdk $version from $feed"
for id in Raindrop.Sdk Raindrop.Sdk.Extensions.AI Raindrop.Sdk.Testing; do
  nupkg="$feed/$id.$version.nupkg"
  test -f "$nupkg" || { echo "missing $nupkg"; exit 1; }
  listing="$(unzip -l "$nupkg")" readme="$(unzip -p "$nupkg" README.md)"
  grep -q ' icon\.png$' <<<"$listing" || { echo "$id has no icon.png"; exit 1; }
  [ "$(head -1 <<<"$readme")" = "# $id" ] || { echo "$id does not carry its own README.md"; exit 1; }
done

echo "-- consume from the local feed ($tfm)"
mkdir "$work/app"
cd "$work/app"
# The SDK's template offers only its own framework: the project is retargeted, and keeps that framework's default C#.
dotnet new console --name ConsumerSmoke --output . >/dev/null
sed -i "s|<TargetFramework>[^<]*</TargetFramework>|<TargetFramework>$tfm</TargetFramework>|" ConsumerSmoke.csproj
! grep -q LangVersion ConsumerSmoke.csproj
# The local folder alone is not enough (NU1101 on every dependency): nuget.org too, as the README says.
cat > nuget.config <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="local" value="$feed" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
  </packageSources>
</configuration>
XML
dotnet add package Raindrop.Sdk --version "$version" >/dev/null
dotnet add package Microsoft.Extensions.Configuration --version 10.0.15 >/dev/null
dotnet add package Microsoft.Extensions.DependencyInjection --version 10.0.15 >/dev/null
cp "$repo/.ci/consumer/Program.cs" Program.cs
dotnet build -c Release -v q -nologo
grep -q "\"Raindrop.Sdk\" Version=\"$version\"" ConsumerSmoke.csproj
if [ "$tfm" = net8.0 ]; then
  runner="$("$repo/.ci/dotnet8.sh" root)/dotnet"
else
  runner=dotnet
fi
"$runner" "bin/Release/$tfm/ConsumerSmoke.dll"
if [ -n "${DEPENDENCIES_OUT:-}" ]; then
  dotnet list package --include-transitive > "$DEPENDENCIES_OUT"
fi

if [ "$aot" = 1 ]; then
  echo "-- Native AOT publish ($tfm)"
  linker=()
  if ! command -v clang >/dev/null && command -v clang-14 >/dev/null; then linker=(-p:CppCompilerAndLinker=clang-14); fi
  dotnet publish -c Release -r linux-x64 -p:PublishAot=true -p:TrimmerSingleWarn=false "${linker[@]}" -o out 2>&1 | tee publish.log
  if grep -Eq 'warning IL[23][0-9]{3}' publish.log; then
    echo "FAIL: trim/AOT warnings:"; grep -E 'warning IL[23][0-9]{3}' publish.log | sort -u; exit 1
  fi
  ./out/ConsumerSmoke
fi
echo "-- package smoke OK ($tfm)"
