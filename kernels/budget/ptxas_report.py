#!/usr/bin/env python3
"""The kernels' resource budget from ptxas's own report.

Reads build output that contains `ptxas -v` lines (the CUDA build of
vigil_kernels always passes -Xptxas=-v), and prints for every kernel and
architecture its registers per thread, stack frame, spill stores and loads,
and the occupancy its registers allow on sm_80 / sm_90 (65,536 registers
and at most 64 resident warps per SM, registers allocated per warp in units
of 256). With --json it also writes the rows. Exits non-zero when a kernel
spills, or when the verify kernel of a field representation is missing for
sm_80 or sm_90 (a log that is not the build's is not a budget).

  ptxas_report.py BUILD.LOG [--json OUT.json]
"""
import argparse
import json
import re
import sys

ENTRY = re.compile(r"Compiling entry function '([^']+)' for '(sm_\d+)'")
PROPS = re.compile(r"Function properties for (\S+)")
STACK = re.compile(r"(\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads")
REGS = re.compile(r"Used (\d+) registers")
VERIFY = {"vigil_ed25519_verify": "fe51", "vigil_ed25519_verify_fe25": "fe25"}


def occupancy_warps(regs):
    per_warp = -(-regs * 32 // 256) * 256  # allocation unit: 256 registers per warp
    return min(64, 65536 // per_warp) if per_warp else 64


def parse(lines):
    rows, cur, arch, props_for = {}, None, None, None
    for line in lines:
        m = ENTRY.search(line)
        if m:
            cur, arch = m.group(1), m.group(2)
            rows[(cur, arch)] = {"kernel": cur, "arch": arch}
            continue
        m = PROPS.search(line)
        if m:
            props_for = m.group(1)
            continue
        m = STACK.search(line)
        if m and cur and props_for == cur:
            stack, stores, loads = map(int, m.groups())
            rows[(cur, arch)].update(stack_bytes=stack, spill_store_bytes=stores,
                                     spill_load_bytes=loads)
            continue
        m = REGS.search(line)
        if m and cur:
            regs = int(m.group(1))
            warps = occupancy_warps(regs)
            rows[(cur, arch)].update(registers=regs, warps_per_sm=warps,
                                     threads_per_sm=warps * 32)
    return [r for r in rows.values() if "registers" in r]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("log")
    ap.add_argument("--json")
    a = ap.parse_args()
    with open(a.log, errors="replace") as f:
        rows = parse(f)
    rows.sort(key=lambda r: (r["kernel"], r["arch"]))
    print(f"{'kernel':32} {'arch':6} {'regs':>5} {'stack B':>8} {'spill st':>9} {'spill ld':>9}"
          f" {'warps/SM':>9} {'variant':>8}")
    failed = []
    for r in rows:
        print(f"{r['kernel']:32} {r['arch']:6} {r['registers']:5} {r.get('stack_bytes', 0):8}"
              f" {r.get('spill_store_bytes', 0):9} {r.get('spill_load_bytes', 0):9}"
              f" {r['warps_per_sm']:9} {VERIFY.get(r['kernel'], '-'):>8}")
        if r.get("spill_store_bytes", 0) or r.get("spill_load_bytes", 0):
            failed.append(f"{r['kernel']} spills on {r['arch']}")
    for kernel in VERIFY:
        for arch in ("sm_80", "sm_90"):
            if not any(r["kernel"] == kernel and r["arch"] == arch for r in rows):
                failed.append(f"no ptxas report for {kernel} on {arch} in {a.log}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"rows": rows, "failed": failed}, f, indent=2)
    for msg in failed:
        print("ptxas_report: " + msg, file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
