#!/usr/bin/env python3
"""Paper estimate of Ed25519 verifications per second on an H100 and an A100.

For each field representation: the PTX of each field operation (probe.cu,
nvcc -ptx, one kernel per operation, straight-line code) gives its 32-bit and
64-bit multiply and multiply-add instructions; the host build of the kernel
source run with its operations counted (op_counts.cpp, the loop trip counts
of one verification) says how often each operation runs. Their product is
the multiplies of one verification. A cost model turns PTX multiplies into
issue slots of the integer multiply pipe (64 lanes per SM per clock on sm_80
and sm_90; 64-bit products are built from 32-bit ones):

  mul/mad .lo .u32        1 slot   (IMAD)
  mul/mad .wide/.hi .u32  2 slots  (IMAD.WIDE / IMAD.HI: a 64-bit result)
  mul/mad .lo .u64        4 slots  (IMAD.WIDE + 2 IMAD)
  mul/mad .hi .u64        8 slots  (three wide partial products, one high, carries)

verifications/s <= SMs x clock x 64 / slots: a ceiling that ignores every
other instruction, memory and occupancy; the device-check measures the rest.
It also gives the latency floor of one verification run by one thread (a
warp alone on an SM quarter, 16 multiply lanes: 2 cycles per slot), the
figure the small-batch design (kernels/README.md) divides.

  paper_estimate.py --nvcc NVCC --source-dir DIR --op-counts EXE [--op-counts EXE] [--json OUT]
Exits 77 (skip) without nvcc.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

GPUS = [  # name, SMs, boost clock (Hz)
    ("H100 SXM5", 132, 1.98e9),
    ("A100 SXM4", 108, 1.41e9),
]
MUL_LANES_PER_SM = 64  # 32-bit integer multiply-add results per clock per SM, sm_80 and sm_90
AIM_STRICT_PER_SEC = 5e6  # at batch 65,536
SLOTS = {"lo32": 1, "wide32": 2, "hi32": 2, "lo64": 4, "hi64": 8}
OPS = ["mul", "sq", "add", "sub", "tobytes"]
INSTR = re.compile(r"^\s*(?:@!?%p\d+\s+)?(mul|mad|madc)\.(\S+)\s")


def classify(kind, suffix):
    parts = suffix.split(".")
    width = "64" if any(p in ("u64", "s64") for p in parts) else "32"
    if "wide" in parts:
        return "wide32"
    if "hi" in parts:
        return "hi" + width
    return "lo" + width


def ptx_counts(nvcc, src, field):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "probe.ptx")
        subprocess.run([nvcc, "-ptx", "-arch=compute_90", f"-DVK_FIELD={field[2:]}",
                        "-I", src, "-I", os.path.join(src, "firmware-interface"),
                        os.path.join(src, "kernels", "budget", "probe.cu"), "-o", out],
                       check=True)
        text = open(out).read()
    counts = {}
    for m in re.finditer(r"\.entry\s+probe_(\w+)\s*\(", text):
        body_start = text.index("{", m.end())
        body_end = text.index("\n}", body_start)
        body = text[body_start:body_end]
        labels = [l for l in re.findall(r"^\s*(\$\w+):", body, re.M)]
        # A label a branch jumps back to is a loop: the static count would
        # then not be the executed count.
        for lab in labels:
            if re.search(r"bra(?:\.uni)?\s+" + re.escape(lab) + ";", body[body.index(lab + ":"):]):
                sys.exit(f"paper_estimate: probe_{m.group(1)} ({field}) has a loop; unroll it")
        c = {k: 0 for k in SLOTS}
        for line in body.splitlines():
            im = INSTR.match(line)
            if im:
                c[classify(im.group(1), im.group(2))] += 1
        counts[m.group(1)] = c
    missing = [op for op in OPS if op not in counts]
    if missing:
        sys.exit(f"paper_estimate: no PTX for {missing}")
    return counts


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--nvcc", default="")
    ap.add_argument("--source-dir", required=True)
    ap.add_argument("--op-counts", action="append", required=True)
    ap.add_argument("--json")
    a = ap.parse_args()
    if not a.nvcc or not os.path.exists(a.nvcc):
        print("paper_estimate: no nvcc here; skipped")
        return 77
    report = {"model": {"slots": SLOTS, "mul_lanes_per_sm": MUL_LANES_PER_SM,
                        "gpus": GPUS, "aim_strict_per_sec": AIM_STRICT_PER_SEC},
              "variants": []}
    for exe in a.op_counts:
        calls = json.loads(subprocess.run([exe], check=True, capture_output=True,
                                          text=True).stdout)
        field = calls["field"]
        per_op = ptx_counts(a.nvcc, a.source_dir, field)
        print(f"{field}: PTX multiplies per field operation "
              f"(lo32 wide32 hi32 lo64 hi64 -> slots)")
        for op in OPS:
            c = per_op[op]
            slots = sum(SLOTS[k] * v for k, v in c.items())
            print(f"  {op:8} {c['lo32']:4} {c['wide32']:6} {c['hi32']:4} {c['lo64']:4}"
                  f" {c['hi64']:4} -> {slots:5}")
        v = {"variant": field, "per_op_ptx": per_op, "rules": {}}
        for rules in ("strict", "zip215"):
            n = calls[rules]
            instr = {k: sum(n[op] * per_op[op][k] for op in OPS) for k in SLOTS}
            slots = sum(SLOTS[k] * instr[k] for k in SLOTS)
            row = {"calls": n, "ptx_multiplies": instr, "slots": slots, "gpus": {}}
            print(f"  {rules}: calls " + ", ".join(f"{op} {n[op]:.0f}" for op in OPS))
            print(f"  {rules}: PTX multiplies per verification: "
                  + ", ".join(f"{k} {instr[k]:.0f}" for k in SLOTS) + f"; {slots:.0f} slots")
            for name, sms, clock in GPUS:
                rate = sms * clock * MUL_LANES_PER_SM / slots
                floor_us = 2 * slots / clock * 1e6
                row["gpus"][name] = {"verifications_per_sec": rate,
                                     "one_thread_latency_floor_us": floor_us,
                                     "vs_aim": rate / AIM_STRICT_PER_SEC}
                print(f"    {name:10} ceiling {rate / 1e6:6.2f} M/s ({rate / AIM_STRICT_PER_SEC:4.2f}x"
                      f" the 5 M/s aim); one thread per signature >= {floor_us:5.0f} us")
            v["rules"][rules] = row
        report["variants"].append(v)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(report, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
