#!/usr/bin/env python3
"""Runs ../shared/perf/perf.py several times, SDK beside the bare pipe, and prints the medians as the README's table.

Usage (from the repository root, after `dotnet build tests/Raindrop.Sdk.ConformanceDriver -c Release`):
    python3 tests/perf/median.py [--runs 5] [--events 100000] [--init '{"max_queue_size": 1000000}']
                                 [--sdk CMD] [--perf ../shared/perf]

Each run starts the drivers one after the other against a fresh sink (perf.py's own protocol); the ratios are taken
within a run, then the median over runs is printed, because absolute numbers move a lot on a shared 2-core machine.
The bare pipe sends the same bytes as the SDK ($context included), so the ratios compare like with like.
"""
import argparse
import os
import re
import shlex
import statistics
import subprocess
import sys

LINE = re.compile(r"^(\w+)\s+rc=(\d+) delivered=(\d+)/(\d+).*?caller (\d+) ns/event, (\d+) events/s.*?peak RSS (\d+) MiB, CPU ([\d.]+) us/event")


def build(script, *args):
    return subprocess.run([script, *args], capture_output=True, text=True, check=True).stdout.strip()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--events", type=int, default=100000)
    ap.add_argument("--init", default=None, help="JSON for the SDK's init step (via tests/perf/with-init.sh)")
    ap.add_argument("--perf", default=os.path.join("..", "shared", "perf"))
    ap.add_argument("--sdk", default=None, help="the SDK driver's command, to compare a variant (default: the Release build)")
    a = ap.parse_args()

    sdk = a.sdk or "dotnet tests/Raindrop.Sdk.ConformanceDriver/bin/Release/net10.0/Raindrop.Sdk.ConformanceDriver.dll"
    if a.init:
        sdk = "tests/perf/with-init.sh " + shlex.quote(a.init) + " " + sdk
    drivers = {"sdk": sdk, "bare": "dotnet " + build(os.path.join(a.perf, "bare-pipe", "build.sh"))}

    rows = []
    for i in range(a.runs):
        cmd = [sys.executable, os.path.join(a.perf, "perf.py"), "--events", str(a.events)]
        for name, command in drivers.items():
            cmd += ["--driver", f"{name}={command}"]
        out = subprocess.run(cmd, capture_output=True, text=True).stdout
        got = {}
        for line in out.splitlines():
            m = LINE.match(line)
            if m:
                got[m.group(1)] = dict(rc=int(m.group(2)), delivered=int(m.group(3)), n=int(m.group(4)), caller=int(m.group(5)),
                                       eps=int(m.group(6)), rss=int(m.group(7)), cpu=float(m.group(8)))
        if any(name not in got for name in drivers):
            print(out, file=sys.stderr)
            sys.exit("perf.py did not report every driver")
        rows.append(got)
        s, b = got["sdk"], got["bare"]
        print(f"run {i + 1}: " + " | ".join(f"{n} {g['eps']} ev/s {g['caller']} ns {g['cpu']} us {g['rss']} MiB delivered {g['delivered']}/{g['n']}"
                                          for n, g in got.items())
              + f" | ratios eps {s['eps'] / b['eps']:.2f} caller {s['caller'] / b['caller']:.2f} cpu {s['cpu'] / b['cpu']:.2f} rss {s['rss'] / b['rss']:.2f}",
              flush=True)

    def med(name, key):
        return statistics.median(r[name][key] for r in rows)

    def ratio(name, key):  # within each run, then the median
        return statistics.median(r["sdk"][key] / r[name][key] for r in rows)

    others = [n for n in drivers if n != "sdk"]
    titles = {"bare": "bare pipe"}
    print()
    print(f"| {a.events:,} events, median of {a.runs} | SDK | " + " | ".join(titles[n] for n in others) + " | "
          + " | ".join(f"ratio to {titles[n]}" for n in others) + " |")
    print("|---" * (2 + 2 * len(others)) + "|")
    for label, key, fmt, unit in [("delivered events/s from process start", "eps", "{:,.0f}", ""),
                                  ("caller ns per `TrackAi` in the burst", "caller", "{:,.0f}", "x"),
                                  ("CPU µs per delivered event", "cpu", "{:.1f}", "x"),
                                  ("peak RSS (MiB)", "rss", "{:.0f}", "x")]:
        print(f"| {label} | {fmt.format(med('sdk', key))} | " + " | ".join(fmt.format(med(n, key)) for n in others) + " | "
              + " | ".join(f"{ratio(n, key):.2f}{unit}" for n in others) + " |")
    print(f"| delivered (fewest) | {min(r['sdk']['delivered'] for r in rows):,} of {a.events:,} | "
          + " | ".join(f"{min(r[n]['delivered'] for r in rows):,}" for n in others) + " |" + " |" * len(others))


if __name__ == "__main__":
    main()
