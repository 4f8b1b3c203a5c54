#!/usr/bin/env python3
"""Loads a running node's status page in headless Chromium and checks what it rendered.

usage: browser_check.py BASE_URL OUT_DIR
Exits 0 when the rendered DOM shows the node's committed height (as /status gave it
around the page load) and both charts drew; 1 with the reason otherwise; 77 (skip)
when Chromium is not installed. Keeps OUT_DIR/status_page.png and the DOM.
"""
import json, os, re, shutil, subprocess, sys, tempfile, urllib.request

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1280,900", "--virtual-time-budget=8000"]


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    return None


def run(browser, args, url):
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run([browser, *FLAGS, f"--user-data-dir={profile}", *args, url],
                              capture_output=True, text=True, timeout=120)


def height(base):
    with urllib.request.urlopen(base + "/status", timeout=10) as r:
        return int(json.load(r)["height"])


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    base, out = sys.argv[1].rstrip("/"), sys.argv[2]
    browser = chromium()
    if browser is None:
        print("SKIP: chromium not installed (Debian package chromium)")
        return 77
    os.makedirs(out, exist_ok=True)
    before = height(base)
    dom = run(browser, ["--dump-dom"], base + "/").stdout
    after = height(base)
    with open(os.path.join(out, "status_page.dom.html"), "w") as f:
        f.write(dom)
    shot = run(browser, [f"--screenshot={os.path.join(out, 'status_page.png')}"], base + "/")
    m = re.search(r'id="height">(\d+)<', dom)
    if not m:
        print("FAIL: the page shows no committed height")
        return 1
    shown = int(m.group(1))
    if not before <= shown <= after:
        print(f"FAIL: the page shows height {shown}, /status said {before}..{after}")
        return 1
    for chart in ("tps-chart", "latency-chart"):
        if not re.search(rf'<canvas id="{chart}"[^>]*data-drawn="1"', dom):
            print(f"FAIL: chart {chart} did not draw")
            return 1
    if not os.path.exists(os.path.join(out, "status_page.png")):
        print("FAIL: no screenshot: " + shot.stderr[-300:])
        return 1
    print(f"ok: height {shown} shown (status {before}..{after}), charts drew, "
          f"screenshot {os.path.join(out, 'status_page.png')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
