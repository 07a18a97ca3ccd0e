#!/bin/sh
# Builds ../shared/perf/bare-pipe with the one part of every event that WIRE.md requires and the bare pipe leaves out:
# properties.$context (about 110 bytes and three nested objects per event, exactly as this SDK writes it), so the SDK
# can also be compared with a pipe that sends the same bytes. Prints the dll's path, like the bare pipe's build.sh.
# Usage: tests/perf/bare-with-context.sh [path/to/bare-pipe]   (default ../shared/perf/bare-pipe)
set -eu
src="${1:-../shared/perf/bare-pipe}"
out=$(mktemp -d)
cp "$src/BarePipe.csproj" "$src/Program.cs" "$out/"
python3 - "$out/Program.cs" <<'PY'
import sys
path = sys.argv[1]
text = open(path).read()
old = 'a.GetProperty("properties").GetRawText());'
if old not in text:
    sys.exit("bare-with-context: the bare pipe's Program.cs changed; update this patch")
context = ',"$context":{"library":{"name":"raindrop-dotnet","version":"0.1.0"},"metadata":{"dotnet":"10.0.12","os":"linux"}}}'
new = 'a.GetProperty("properties").GetRawText().TrimEnd(\'}\') + ' + '"' + context.replace('"', '\\"') + '");'
open(path, "w").write(text.replace(old, new))
PY
dotnet build "$out/BarePipe.csproj" -c Release -nologo -v q -o "$out/bin" >/dev/null
echo "$out/bin/BarePipe.dll"
