#!/usr/bin/env python3
"""Checks that every metric a Grafana dashboard queries is exported by a running node.

usage: dashboard_check.py DASHBOARD.json METRICS_URL
Every `vigil_*` name in every panel target's `expr` must appear as a sample name on
METRICS_URL (histogram queries name `_bucket`, `_sum` or `_count` samples, which the
node exports as such). Also checks that each panel has at least one target and that
the dashboard has the panels the issue asks for. Exits 0, or 1 naming each dead panel.
"""
import json, re, sys, urllib.request

NAME = re.compile(r"\b(vigil_[a-zA-Z0-9_:]+)")
REQUIRED = ["throughput", "commit latency", "queue depth", "drops", "verify rate", "peers", "faults"]


def panels(dash):
    for p in dash.get("panels", []):
        yield p
        yield from p.get("panels", [])  # rows


def exported(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        text = r.read().decode()
    names = set()
    for line in text.splitlines():
        if line and not line.startswith("#"):
            names.add(re.split(r"[{ ]", line, 1)[0])
    return names


def main():
    dash = json.load(open(sys.argv[1]))
    have = exported(sys.argv[2])
    bad, titles = [], []
    for p in panels(dash):
        if p.get("type") == "row":
            continue
        titles.append(p.get("title", "").lower())
        targets = p.get("targets", [])
        if not targets:
            bad.append(f"panel '{p.get('title')}' has no query")
        for t in targets:
            for name in NAME.findall(t.get("expr", "")):
                if name not in have:
                    bad.append(f"panel '{p.get('title')}' queries {name}, which the node does not export")
    for want in REQUIRED:
        if not any(want in t for t in titles):
            bad.append(f"no panel for {want}")
    for b in bad:
        print("FAIL: " + b)
    if not bad:
        print(f"ok: {len(titles)} panels, every queried metric is exported ({len(have)} names)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
