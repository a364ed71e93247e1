#!/usr/bin/env python3
"""Summarise bench/compare.sh's outputs: medians of the runs, side by side, with ratios."""

from __future__ import annotations

import re
import statistics
import sys
from pathlib import Path

out, runs = Path(sys.argv[1]), int(sys.argv[2])
ROW = re.compile(r"^(?P<label>(GET|POST|PATCH) \S+)\s+(?P<rps>[\d.]+)\s+(?P<p50>[\d.]+)\s+(?P<p99>[\d.]+)\s+(?P<non2xx>\d+)\s+(?P<sockerr>\d+)\s*$")
BULK = re.compile(r"POST /todos/bulk \(1000 items\): median (\d+) ms")
RSS = re.compile(r"peak while measuring (\d+) MiB")


def parse(path: Path) -> dict:
    result: dict = {"rows": {}}
    for line in path.read_text().splitlines():
        if m := ROW.match(line):
            result["rows"][m["label"]] = {k: float(m[k]) for k in ("rps", "p50", "p99", "non2xx")}
        elif m := BULK.search(line):
            result["bulk_ms"] = float(m[1])
        elif m := RSS.search(line):
            result["rss_mib"] = float(m[1])
    return result


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


ours = [parse(out / f"ours_{r}.txt") for r in range(1, runs + 1)]
peer = [parse(out / f"peer_{r}.txt") for r in range(1, runs + 1)]
tps = []
for r in range(1, runs + 1):
    m = re.search(r"tps = ([\d.]+)", (out / f"pgbench_{r}.txt").read_text())
    if m:
        tps.append(float(m[1]))

labels = list(ours[0]["rows"])
print(f"\nMedians of {runs} runs (same machine, same sitting, PostgreSQL; wrk 32 connections)\n")
print(f"{'endpoint':<52} {'ours req/s':>11} {'peer req/s':>11} {'ratio':>7} {'ours p50':>9} {'ours p99':>9} {'peer p50':>9} {'peer p99':>9} {'non-2xx':>8}")
for label in labels:
    o = {k: median([run["rows"][label][k] for run in ours if label in run["rows"]]) for k in ("rps", "p50", "p99", "non2xx")}
    p = {k: median([run["rows"][label][k] for run in peer if label in run["rows"]]) for k in ("rps", "p50", "p99", "non2xx")}
    ratio = o["rps"] / p["rps"] if p["rps"] else float("nan")
    print(f"{label:<52} {o['rps']:>11.0f} {p['rps']:>11.0f} {ratio:>6.1f}x {o['p50']:>8.1f} {o['p99']:>9.1f} {p['p50']:>9.1f} {p['p99']:>9.1f} {o['non2xx'] + p['non2xx']:>8.0f}")
ob = median([r["bulk_ms"] for r in ours if "bulk_ms" in r])
pb = median([r["bulk_ms"] for r in peer if "bulk_ms" in r])
print(f"{'POST /todos/bulk (1000 items), median ms':<52} {ob:>11.0f} {pb:>11.0f} {pb / ob if ob else float('nan'):>6.1f}x")
orss = max((r.get("rss_mib", 0) for r in ours), default=0)
prss = max((r.get("rss_mib", 0) for r in peer), default=0)
print(f"{'peak RSS while measuring (MiB)':<52} {orss:>11.0f} {prss:>11.0f}")
if tps:
    pg = median(tps)
    single = median([run["rows"]["GET /todos/{id}"]["rps"] for run in ours if "GET /todos/{id}" in run["rows"]])
    print(f"\npgbench -S (32 clients, prepared): {pg:.0f} tps; GET /todos/{{id}} reaches {100 * single / pg:.0f} % of it")
post = median([run["rows"]["POST /todos"]["rps"] for run in ours if "POST /todos" in run["rows"]])
if post and ob:
    print(f"bulk create of 1000: {ob:.0f} ms vs 1000 single POST /todos at 32 connections ({post:.0f} req/s)"
          f" = {1000 / post * 1000:.0f} ms: {1000 / post * 1000 / ob:.0f}x faster")
sequential = []
for r in range(1, runs + 1):
    path = out / f"ours_sequential_{r}.txt"
    if path.exists() and (m := re.search(r"rps=([\d.]+)", path.read_text())):
        sequential.append(float(m[1]))
if sequential and ob:
    one = median(sequential)
    print(f"bulk create of 1000: {ob:.0f} ms vs 1000 single POST /todos one after another (1 connection, {one:.0f} req/s)"
          f" = {1000 / one * 1000:.0f} ms: {1000 / one * 1000 / ob:.0f}x faster")
stmts = out / "statements.txt"
if stmts.exists():
    print("\nSQL statements per request (Server-Timing):")
    for line in stmts.read_text().splitlines():
        print("  " + line.removeprefix("STMTS").strip())
