#!/usr/bin/env python3
"""Runs ../shared/perf/perf.py several times, SDK beside the bare pipe, and prints the medians as the README's table.

Usage (from the repository root, after `dotnet build tests/Raindrop.Sdk.ConformanceDriver -c Release`):
    python3 tests/perf/median.py [--runs 5] [--events 100000] [--init '{"max_queue_size": 1000000}'] [--perf ../shared/perf]

Each run starts both drivers one after the other against a fresh sink (perf.py's own protocol); the ratios are taken
within a run, then the median over runs is printed, because absolute numbers move a lot on a shared 2-core machine.
"""
import argparse
import os
import re
import shlex
import statistics
import subprocess
import sys

LINE = re.compile(r"^(\w+)\s+rc=(\d+) delivered=(\d+)/(\d+).*?caller (\d+) ns/event, (\d+) events/s.*?peak RSS (\d+) MiB, CPU ([\d.]+) us/event")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--events", type=int, default=100000)
    ap.add_argument("--init", default=None, help="JSON for the SDK's init step (via tests/perf/with-init.sh)")
    ap.add_argument("--perf", default=os.path.join("..", "shared", "perf"))
    ap.add_argument("--sdk", default=None, help="the SDK driver's command, to compare a variant (default: the Release build)")
    a = ap.parse_args()

    sdk = "dotnet tests/Raindrop.Sdk.ConformanceDriver/bin/Release/net10.0/Raindrop.Sdk.ConformanceDriver.dll"
    if a.sdk:
        sdk = a.sdk
    if a.init:
        sdk = "tests/perf/with-init.sh " + shlex.quote(a.init) + " " + sdk
    bare = subprocess.run([os.path.join(a.perf, "bare-pipe", "build.sh")], capture_output=True, text=True, check=True).stdout.strip()
    rows = []
    for i in range(a.runs):
        out = subprocess.run([sys.executable, os.path.join(a.perf, "perf.py"), "--events", str(a.events),
                              "--driver", "sdk=" + sdk, "--driver", "bare=dotnet " + bare],
                             capture_output=True, text=True).stdout
        got = {}
        for line in out.splitlines():
            m = LINE.match(line)
            if m:
                got[m.group(1)] = dict(rc=int(m.group(2)), delivered=int(m.group(3)), n=int(m.group(4)), caller=int(m.group(5)),
                                       eps=int(m.group(6)), rss=int(m.group(7)), cpu=float(m.group(8)))
        if "sdk" not in got or "bare" not in got:
            print(out, file=sys.stderr)
            sys.exit("perf.py did not report both drivers")
        s, b = got["sdk"], got["bare"]
        rows.append(dict(s=s, b=b, eps=s["eps"] / b["eps"], caller=s["caller"] / b["caller"], cpu=s["cpu"] / b["cpu"], rss=s["rss"] / b["rss"]))
        print(f"run {i + 1}: sdk {s['eps']} ev/s {s['caller']} ns {s['cpu']} us {s['rss']} MiB delivered {s['delivered']}/{s['n']} | "
              f"bare {b['eps']} ev/s {b['caller']} ns {b['cpu']} us {b['rss']} MiB | ratios eps {rows[-1]['eps']:.2f} "
              f"caller {rows[-1]['caller']:.2f} cpu {rows[-1]['cpu']:.2f} rss {rows[-1]['rss']:.2f}", flush=True)

    med = lambda f: statistics.median(f(r) for r in rows)
    print()
    print(f"| {a.events:,} events, median of {a.runs} | SDK | bare pipe | ratio |")
    print("|---|---|---|---|")
    print(f"| delivered events/s from process start | {med(lambda r: r['s']['eps']):,.0f} | {med(lambda r: r['b']['eps']):,.0f} | {med(lambda r: r['eps']):.2f} |")
    print(f"| caller ns per `TrackAi` in the burst | {med(lambda r: r['s']['caller']):,.0f} | {med(lambda r: r['b']['caller']):,.0f} | {med(lambda r: r['caller']):.2f}x |")
    print(f"| CPU µs per delivered event | {med(lambda r: r['s']['cpu']):.1f} | {med(lambda r: r['b']['cpu']):.1f} | {med(lambda r: r['cpu']):.2f}x |")
    print(f"| peak RSS (MiB) | {med(lambda r: r['s']['rss']):.0f} | {med(lambda r: r['b']['rss']):.0f} | {med(lambda r: r['rss']):.2f}x |")
    print(f"| delivered | {min(r['s']['delivered'] for r in rows):,} of {a.events:,} (fewest) | {min(r['b']['delivered'] for r in rows):,} | |")


if __name__ == "__main__":
    main()
