"""Measures the web app against a running node (docs/benchmarks.md, "The web app"):

    python3 crates/web/tools/measure.py --rpc http://127.0.0.1:8545 [--runs 5]

For the overview and the operators page, in headless Chromium with the cache off: the time to the
first contentful paint, the time until the page has its data on screen (`data-ready`), and the
bytes transferred (HTTP bodies and headers, from the DevTools protocol; WebSocket frames apart).
Then p50 and p99 of each list method the pages use, over `--calls` calls each.
"""

import argparse
import json
import statistics
import tempfile
import time
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

# Records when the page first says its data is on screen, from the document's start.
READY = """
new MutationObserver((_, obs) => {
  if (document.querySelector('section[data-ready="true"]')) {
    window.__readyAt = performance.now();
    obs.disconnect();
  }
}).observe(document, { subtree: true, attributes: true, childList: true });
"""


def driver(chromium, chromedriver, profile):
    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--no-first-run", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--window-size=1280,900", f"--user-data-dir={profile}"]:
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    d = webdriver.Chrome(service=Service(chromedriver), options=opts)
    d.execute_cdp_cmd("Network.enable", {})
    d.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
    d.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": READY})
    return d


def load(d, url):
    d.get_log("performance")
    d.get("about:blank")
    d.get(url)
    deadline = time.time() + 30
    ready = None
    while time.time() < deadline and ready is None:
        ready = d.execute_script("return window.__readyAt ?? null;")
        time.sleep(0.02)
    paint = d.execute_script(
        "const p = performance.getEntriesByName('first-contentful-paint')[0]; return p ? p.startTime : null;"
    )
    time.sleep(0.3)
    sent = 0
    for entry in d.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg["method"] == "Network.loadingFinished":
            sent += msg["params"]["encodedDataLength"]
    return paint, ready, sent


def rpc_timings(url, method, params, calls):
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).encode()
    times = []
    for _ in range(calls):
        req = urllib.request.Request(url, body, {"Content-Type": "application/json"})
        t = time.perf_counter()
        with urllib.request.urlopen(req, timeout=30) as r:
            reply = json.load(r)
        times.append((time.perf_counter() - t) * 1000)
        if "error" in reply:
            raise SystemExit(f"{method}: {reply['error']}")
    times.sort()
    return times[len(times) // 2], times[min(len(times) - 1, int(len(times) * 0.99))]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rpc", default="http://127.0.0.1:8545")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--calls", type=int, default=200)
    p.add_argument("--chromium", default="/usr/bin/chromium")
    p.add_argument("--chromedriver", default="/usr/bin/chromedriver")
    a = p.parse_args()
    base = a.rpc.rstrip("/") + "/"
    with tempfile.TemporaryDirectory() as profile:
        d = driver(a.chromium, a.chromedriver, profile)
        try:
            for route in ["#/", "#/operators"]:
                runs = [load(d, base + route) for _ in range(a.runs)]
                paint = statistics.median(r[0] for r in runs if r[0] is not None)
                ready = statistics.median(r[1] for r in runs if r[1] is not None)
                kib = statistics.median(r[2] for r in runs) / 1024
                print(f"{route:12} first paint {paint:6.0f} ms   data on screen {ready:6.0f} ms   {kib:6.1f} KiB")
        finally:
            d.quit()

    def first(method, params):
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).encode()
        req = urllib.request.Request(base, body, {"Content-Type": "application/json"})
        with urllib.request.urlopen(req) as r:
            return json.load(r)["result"]

    op = first("restake_getOperators", [{"limit": 1}])["items"][0]["operator"]["operator"]
    avs = first("restake_getAvsList", [{"limit": 1}])["items"][0]["avs"]
    strategy = first("restake_getStrategies", [])[0]["strategy"]
    staker = first("restake_getOperatorStakers", [op, {"limit": 2}])["items"][-1]["staker"]
    head = first("restake_blockNumber", [])
    for method, params in [
        ("restake_getOperators", [{"limit": 100}]),
        ("restake_getOperatorStakers", [op, {"limit": 100}]),
        ("restake_getAvsList", [{"limit": 100}]),
        ("restake_getOperatorSets", [avs, {"limit": 100}]),
        ("restake_getSlashes", [{}, {"limit": 100}]),
        ("restake_getWithdrawals", [{}, {"limit": 100}]),
        ("restake_getWithdrawals", [{"staker": staker}, {"limit": 100}]),
        ("restake_getEvents", [{"fromBlock": max(0, head - 100)}, {"limit": 100}]),
        ("restake_getTransactionsByAddress", [staker, {"limit": 100}]),
        ("restake_getTvlHistory", [strategy, {"points": 200}]),
    ]:
        p50, p99 = rpc_timings(base, method, params, a.calls)
        shown = json.dumps(params[:1])[:40]
        print(f"{method:34} {shown:42} p50 {p50:6.2f} ms   p99 {p99:6.2f} ms")


if __name__ == "__main__":
    main()
