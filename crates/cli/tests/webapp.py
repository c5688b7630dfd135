"""The web app in a real browser (Debian's Chromium, headless, through ChromeDriver).

Run by `webapp.rs` against a devnet filled by `restake seed`:

    python3 webapp.py --rpc http://127.0.0.1:PORT --out DIR --key 0x... --chromedriver PATH

Every route loads with no console error and no failed request; the numbers on the page equal the
RPC's (read from the page: the exact value in `data-raw`, and the text a person sees, which must be
that value in units by the documented display rule); a new block updates the overview without a
reload; links and the back button work; a deposit is made end to end from a wallet injected by the
test, whose key signs outside the page (eth-account, here). A screenshot of every page at 1280 and
390 pixels goes to DIR. Exits non-zero with the reasons on the first failing page.
"""

import argparse
import json
import os
import sys
import time
import urllib.request

from eth_account import Account
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
TIMEOUT = 30

# An EIP-1193 provider for the page: accounts from the test, signatures requested of the test
# (which polls `__walletQueue` and answers through `__walletResolve`). No key enters the page.
PROVIDER = """
(() => {
  const address = %(address)s;
  const pending = new Map();
  let next = 1;
  window.__walletQueue = [];
  window.__walletResolve = (id, signature, error) => {
    const p = pending.get(id);
    if (!p) return;
    pending.delete(id);
    if (error) p.reject(Object.assign(new Error(error), { code: 4001 }));
    else p.resolve(signature);
  };
  const listeners = {};
  window.ethereum = {
    isRestakeTest: true,
    async request({ method, params }) {
      switch (method) {
        case "eth_requestAccounts":
        case "eth_accounts":
          return [address];
        case "eth_chainId":
          return "0x7a69";
        case "eth_signTypedData_v4": {
          const id = next++;
          window.__walletQueue.push({ id, params });
          return new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
        }
        default:
          throw Object.assign(new Error("unsupported method " + method), { code: 4200 });
      }
    },
    on(event, f) { (listeners[event] ||= []).push(f); },
    removeListener(event, f) { listeners[event] = (listeners[event] || []).filter((g) => g !== f); },
  };
})();
"""


def rpc(url, method, params):
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).encode()
    req = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        reply = json.load(r)
    if "error" in reply:
        raise AssertionError(f"{method} {params}: {reply['error']}")
    return reply["result"]


def format_units(raw, decimals):
    """The exact value in units: no trailing zeros, no point for whole numbers."""
    v = int(raw)
    sign = "-" if v < 0 else ""
    v = abs(v)
    whole, frac = divmod(v, 10**decimals)
    frac = str(frac).rjust(decimals, "0").rstrip("0") if decimals else ""
    return sign + str(whole) + ("." + frac if frac else "")


def display_units(raw, decimals):
    """The display rule of docs/dashboard.md: cut (not rounded) to 6 decimals when the whole
    part is not 0, else to 6 significant digits; trailing zeros and a bare point dropped."""
    exact = format_units(raw, decimals)
    neg = exact.startswith("-")
    body = exact[1:] if neg else exact
    whole, _, frac = body.partition(".")
    if whole != "0":
        keep = frac[:6]
    else:
        lead = len(frac) - len(frac.lstrip("0"))
        keep = frac[: lead + 6]
    keep = keep.rstrip("0")
    out = whole + ("." + keep if keep else "")
    return ("-" if neg and out != "0" else "") + out


class Failure(Exception):
    pass


class App:
    def __init__(self, args):
        self.args = args
        self.base = args.rpc.rstrip("/") + "/"
        self.account = Account.from_key(args.key)
        opts = webdriver.ChromeOptions()
        opts.binary_location = args.chromium
        for flag in [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--disable-default-apps",
            "--metrics-recording-only",
            "--password-store=basic",
            "--dns-prefetch-disable",
            "--no-pings",
            "--disable-domain-reliability",
            "--disable-client-side-phishing-detection",
        ]:
            opts.add_argument(flag)
        opts.add_argument(f"--user-data-dir={args.profile}")
        opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
        self.driver = webdriver.Chrome(service=Service(args.chromedriver), options=opts)
        self.driver.set_page_load_timeout(TIMEOUT)
        self.urls = {}
        self.seen = []
        # The browser opens its new-tab page first, which looks up names of its own: leave it
        # for a blank page and drop what it logged.
        self.driver.get("about:blank")
        self.driver.get_log("performance")
        self.driver.get_log("browser")
        self.driver.execute_cdp_cmd(
            "Page.addScriptToEvaluateOnNewDocument",
            {"source": PROVIDER % {"address": json.dumps(self.account.address)}},
        )
        self.size("desktop")
        self.tokens = {t["token"].lower(): t for t in rpc(self.base, "restake_getTokens", [])}
        self.strategies = {
            s["strategy"].lower(): s for s in rpc(self.base, "restake_getStrategies", [])
        }

    def call(self, method, *params):
        return rpc(self.base, method, list(params))

    def size(self, name):
        w, h = WIDTHS[name]
        self.driver.set_window_size(w, h)

    def problems(self):
        """Console errors and failed requests since the last call."""
        out = []
        for entry in self.driver.get_log("browser"):
            if entry["level"] == "SEVERE":
                out.append("console: " + entry["message"])
        for entry in self.driver.get_log("performance"):
            msg = json.loads(entry["message"])["message"]
            if msg["method"] == "Network.requestWillBeSent":
                p = msg["params"]
                url = p["request"]["url"]
                self.urls[p["requestId"]] = url
                origin = self.base.split("://", 1)[1].split("/", 1)[0]
                if not (
                    url.split("://", 1)[-1].startswith(origin)
                    or url.startswith(("data:", "blob:", "about:", "chrome:", "chrome-untrusted:"))
                ):
                    out.append(f"request outside the node: {url}")
            elif msg["method"] == "Network.loadingFailed":
                p = msg["params"]
                url = self.urls.get(p["requestId"], "?")
                if not p.get("canceled"):
                    out.append(f"request failed: {p.get('errorText')} ({p.get('type')}) {url}")
            elif msg["method"] == "Network.responseReceived":
                r = msg["params"]["response"]
                if r["status"] >= 400:
                    out.append(f"HTTP {r['status']} for {r['url']}")
        return out

    def open(self, route, page):
        """Navigates to `#<route>` and waits until the page says its data is on screen."""
        self.driver.get(self.base + "#" + route)
        section = self.wait_page(page, route)
        # Read the logs page by page, so a problem names its page (and the browser's log buffer
        # never overflows).
        self.seen.extend(f"{route}: {p}" for p in self.problems())
        return section

    def wait_page(self, page, route):
        sel = f'section[data-page="{page}"][data-ready="true"]'
        try:
            WebDriverWait(self.driver, TIMEOUT).until(
                lambda d: d.find_elements(By.CSS_SELECTOR, sel)
            )
        except Exception:
            raise Failure(f"{route}: no {sel} within {TIMEOUT} s; {self.problems()}")
        return self.driver.find_element(By.CSS_SELECTOR, sel)

    def fields(self, prefix):
        """{name: (raw, text, title)} of the page's `data-field` elements starting with prefix."""
        found = self.driver.execute_script(
            """return [...document.querySelectorAll('[data-field]')]
                .filter(e => e.dataset.field.startsWith(arguments[0]))
                .map(e => [e.dataset.field, e.dataset.raw, e.textContent.trim(), e.title || '']);""",
            prefix,
        )
        return {name: (raw, text, title) for name, raw, text, title in found}

    def check_amount(self, route, name, shown, want_raw, decimals=18):
        raw, text, title = shown
        if raw is None or int(raw) != int(want_raw):
            raise Failure(f"{route}: {name} shows raw {raw}, the RPC says {want_raw}")
        want_text = display_units(want_raw, decimals)
        if want_text not in text:
            raise Failure(f"{route}: {name} reads {text!r}, not {want_text!r} (raw {want_raw})")

    def screenshot(self, name):
        for width in WIDTHS:
            self.size(width)
            time.sleep(0.3)
            overflow = self.driver.execute_script(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth;"
            )
            if overflow > 1:
                raise Failure(f"{name}: the page is {overflow} px wider than a {width} screen")
            # The whole page, not only the window: grow the window to the page's height.
            full = self.driver.execute_script("return document.documentElement.scrollHeight;")
            self.driver.set_window_size(WIDTHS[width][0], min(max(full, WIDTHS[width][1]), 8000))
            time.sleep(0.2)
            self.driver.save_screenshot(os.path.join(self.args.out, f"{name}-{width}.png"))
        self.size("desktop")

    def sign_pending(self):
        """Answers the page's signature requests with the test's key (outside the page)."""
        queue = self.driver.execute_script("return window.__walletQueue.splice(0);")
        for req in queue:
            address, data = req["params"]
            if address.lower() != self.account.address.lower():
                raise Failure(f"the page asked {address} to sign, not the connected account")
            signed = Account.sign_typed_data(self.account.key, full_message=json.loads(data))
            self.driver.execute_script(
                "window.__walletResolve(arguments[0], arguments[1]);",
                req["id"],
                "0x" + signed.signature.hex().removeprefix("0x"),
            )
        return len(queue)


def run(app):
    checked = []
    head = app.call("restake_blockNumber")

    # Overview: totals, TVL per strategy, live height.
    route = "/"
    app.open(route, "overview")
    for name, shown in app.fields("tvl:").items():
        strategy = name.split(":", 1)[1].lower()
        token = app.strategies[strategy]["token"]
        held = app.call("restake_getTokenBalance", token, strategy)
        app.check_amount(route, name, shown, held, app.tokens[token.lower()]["decimals"])
        checked.append(name)
    if not any(n.startswith("tvl:") for n in checked):
        raise Failure("/: no TVL shown")
    totals = app.call("restake_getTotals")
    shown = app.fields("total:")
    for key, name in [
        ("operators", "total:operators"),
        ("stakers", "total:stakers"),
        ("delegatedStakers", "total:delegated-stakers"),
        ("avss", "total:avss"),
        ("operatorSets", "total:operator-sets"),
        ("slashes", "total:slashes"),
    ]:
        if name not in shown or int(shown[name][0]) != totals[key] or shown[name][1] != str(totals[key]):
            raise Failure(f"/: {name} shows {shown.get(name)}, the RPC says {totals[key]}")
        checked.append(name)
    delegated = app.fields("delegated:")
    for d in totals["delegatedShares"]:
        name = "delegated:" + d["strategy"].lower()
        app.check_amount(route, name, delegated[name], d["shares"])
        checked.append(name)
    # Live: the height moves without a reload.
    app.driver.execute_script("window.__sameDocument = true;")
    before = int(app.driver.find_element(By.TAG_NAME, "body").get_attribute("data-height") or 0)
    try:
        WebDriverWait(app.driver, TIMEOUT).until(
            lambda d: int(d.find_element(By.TAG_NAME, "body").get_attribute("data-height") or 0) > before
            and int(app.fields("height").get("height", ("0",))[0] or 0) > before
        )
    except Exception:
        raise Failure(f"/: the height stayed at {before}: no live update; {app.problems()}")
    if not app.driver.execute_script("return window.__sameDocument === true;"):
        raise Failure("/: the page reloaded to update")
    height_now = app.fields("height")["height"][0]
    if int(height_now) > app.call("restake_blockNumber"):
        raise Failure(f"/: shows height {height_now}, beyond the node's head")
    app.screenshot("overview")

    # Navigation: a header link, then back.
    link = app.driver.find_element(By.CSS_SELECTOR, 'a[href="#/operators"]')
    link.click()
    app.wait_page("operators", "#/operators via the header")
    app.driver.back()
    app.wait_page("overview", "back to #/")
    if not app.driver.current_url.endswith("#/"):
        raise Failure(f"back: the URL is {app.driver.current_url}")

    # Operators list.
    operators = app.call("restake_getOperators", {"limit": 100})
    route = "/operators"
    app.open(route, "operators")
    rows = app.fields("stakers:")
    for item in operators["items"]:
        name = "stakers:" + item["operator"]["operator"].lower()
        if name in rows and int(rows[name][0]) != item["stakers"]:
            raise Failure(f"{route}: {name} shows {rows[name][0]}, the RPC says {item['stakers']}")
    if not rows:
        raise Failure(f"{route}: no operator rows with stakers counts")
    slashed = app.fields("operator-slashes:")
    commissions = app.fields("operator-commission:")
    for item in operators["items"]:
        k = item["operator"]["operator"].lower()
        name = "operator-slashes:" + k
        if name in slashed and int(slashed[name][0]) != item["slashes"]:
            raise Failure(f"{route}: {name} shows {slashed[name][0]}, the RPC says {item['slashes']}")
        name = "operator-commission:" + k
        if name in commissions:
            bips = item["commissions"][0]["splitBips"]
            raw, text, _ = commissions[name]
            if int(raw) != bips or text != f"{bips / 100:g}%":
                raise Failure(f"{route}: {name} shows {text!r} ({raw}), the RPC says {bips} bips")
            checked.append(name)
    if not any(int(v[0]) > 0 for v in slashed.values()):
        raise Failure(f"{route}: no slashed operator shown, though the seeded chain has slashes")
    app.screenshot("operators")

    # An operator that was slashed, its AVS and set.
    slashes = app.call("restake_getSlashes", {}, {"limit": 10})["items"]
    if not slashes:
        raise Failure("the seeded chain has no slash")
    slash = slashes[0]
    op = slash["operator"]
    app.open(f"/operator/{op}", "operator")
    app.screenshot("operator")
    avs, set_id = slash["operatorSet"]["avs"], slash["operatorSet"]["id"]
    app.open(f"/avs/{avs}", "avs")
    app.screenshot("avs")
    route = f"/operator-set/{avs}/{set_id}"
    app.open(route, "operator-set")
    # The risk report's cascade, once the page has it (the report is computed on demand).
    report = app.call("restake_getRiskReport")
    if report["cascade"] is None:
        raise Failure("the seeded chain's risk report has no cascade")
    try:
        WebDriverWait(app.driver, TIMEOUT).until(lambda d: app.fields("risk:cascade-loss"))
    except Exception:
        raise Failure(f"{route}: no cascade shown; {app.problems()}")
    # The state is still (seeding is over), so the page's report is the test's.
    raw = app.fields("risk:cascade-loss")["risk:cascade-loss"][0]
    if raw != report["cascade"]["totalLoss"]:
        raise Failure(f"{route}: the cascade's loss is {raw}, the RPC says {report['cascade']['totalLoss']}")
    rounds = app.fields("risk:cascade-rounds")["risk:cascade-rounds"][0]
    if int(rounds) != len(report["cascade"]["rounds"]):
        raise Failure(f"{route}: {rounds} cascade rounds shown, the RPC says {len(report['cascade']['rounds'])}")
    checked.append("risk:cascade-loss")
    app.screenshot("operator-set")

    # Slashes: the fractions shown are the RPC's.
    route = "/slashes"
    app.open(route, "slashes")
    shown = app.fields("wad:")
    for s in slashes:
        for st in s["strategies"]:
            name = f"wad:{s['transactionHash'].lower()}:{st['strategy'].lower()}"
            if name in shown:
                app.check_amount(route, name, shown[name], st["wadSlashed"], 16)
                checked.append(name)
    if not any(n.startswith("wad:") for n in checked):
        raise Failure(f"{route}: no slashed fraction shown ({list(shown)[:3]})")
    app.screenshot("slashes")

    # Withdrawals: payouts after slashes.
    route = "/withdrawals"
    app.open(route, "withdrawals")
    queue = app.call("restake_getWithdrawals", {}, {"limit": 50})["items"]
    shown = app.fields("payout:")
    for w in queue:
        for st in w["strategies"]:
            name = f"payout:{w['withdrawalRoot'].lower()}:{st['strategy'].lower()}"
            if name in shown and st["payout"] is not None:
                app.check_amount(route, name, shown[name], st["payout"])
                checked.append(name)
    if not any(n.startswith("payout:") for n in checked):
        raise Failure(f"{route}: no payout shown ({list(shown)[:3]})")
    app.screenshot("withdrawals")

    # A staker with a queued withdrawal: positions equal the RPC's.
    staker = queue[0]["staker"]
    route = f"/staker/{staker}"
    app.open(route, "staker")
    view = app.call("restake_getStaker", staker)
    shown = app.fields("deposit:")
    for p in view["positions"]:
        name = "deposit:" + p["strategy"].lower()
        if name not in shown:
            raise Failure(f"{route}: no {name}")
        app.check_amount(route, name, shown[name], p["depositShares"])
        wname = "withdrawable:" + p["strategy"].lower()
        app.check_amount(route, wname, app.fields(wname)[wname], p["withdrawableShares"])
        checked.append(name)
    app.screenshot("staker")

    # The vault and its rate.
    vaults = app.call("restake_getVaults")
    vault = vaults[0]["vault"] if isinstance(vaults, list) else vaults["items"][0]["vault"]
    route = f"/vault/{vault}"
    app.open(route, "vault")
    v = app.call("restake_getVault", vault)
    rate = app.fields("vault-rate").get("vault-rate")
    if rate is None:
        raise Failure(f"{route}: no vault-rate")
    app.check_amount(route, "vault-rate", rate, v["rate"])
    checked.append("vault-rate")
    app.screenshot("vault")

    # Explorer: the slash's block and transaction.
    block = slash["blockNumber"]
    app.open(f"/block/{block}", "block")
    app.screenshot("block")
    route = f"/tx/{slash['transactionHash']}"
    page = app.open(route, "tx")
    if "success" not in page.text.lower():
        raise Failure(f"{route}: the status is not shown as success")
    if "slashOperator" not in page.text:
        raise Failure(f"{route}: the decoded action is not shown")
    app.screenshot("tx")
    route = "/validators"
    app.open(route, "validators")
    shown = app.fields("validator-last-block:")
    for v in app.call("restake_getValidators", "latest")["validators"]:
        name = "validator-last-block:" + v["address"].lower()
        last = app.call("restake_getBlocksByProposer", v["address"], {"limit": 1})["items"]
        # The page read it a moment ago: at most a few blocks behind.
        if name not in shown or not last or not 0 <= last[0]["blockNumber"] - int(shown[name][0]) <= 20:
            raise Failure(f"{route}: {name} shows {shown.get(name)}, the RPC says {last}")
        checked.append(name)
    app.screenshot("validators")
    app.open("/no/such/page", "not-found")

    # A wallet action end to end: connect, deposit 2.5 stETH, see the receipt and the position.
    me = app.account.address
    steth = next(t for t in app.tokens.values() if t["symbol"] == "stETH")
    strategy = next(s for s, v in app.strategies.items() if v["token"].lower() == steth["token"].lower())
    before = app.call("restake_getStaker", me)
    had = next((int(p["depositShares"]) for p in before["positions"] if p["strategy"].lower() == strategy), 0)
    route = f"/staker/{me}"
    app.open(route, "staker")
    app.driver.find_element(By.CSS_SELECTOR, "button.connect").click()
    form_sel = 'form[data-action="depositIntoStrategy"]'
    WebDriverWait(app.driver, TIMEOUT).until(lambda d: d.find_elements(By.CSS_SELECTOR, form_sel))
    form = app.driver.find_element(By.CSS_SELECTOR, form_sel)
    for el in form.find_elements(By.CSS_SELECTOR, "select[name=strategy]"):
        app.driver.execute_script(
            "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('change'));",
            el,
            next(o.get_attribute("value") for o in el.find_elements(By.TAG_NAME, "option")
                 if o.get_attribute("value").lower() == strategy),
        )
    amount = form.find_element(By.CSS_SELECTOR, "[name=amount]")
    amount.clear()
    amount.send_keys("2.5")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    deadline = time.time() + TIMEOUT
    result = ""
    while time.time() < deadline:
        app.sign_pending()
        result = app.driver.execute_script(
            "const r = document.querySelector(arguments[0] + ' [data-result]'); return r ? r.textContent : '';",
            form_sel,
        )
        if "success" in result or "failed" in result or "rror" in result:
            break
        time.sleep(0.1)
    if "success" not in result:
        raise Failure(f"{route}: the deposit did not succeed: {result!r}; {app.problems()}")
    after = app.call("restake_getStaker", me)
    now = next(int(p["depositShares"]) for p in after["positions"] if p["strategy"].lower() == strategy)
    if now <= had:
        raise Failure(f"{route}: the deposit did not add shares ({had} -> {now})")
    name = "deposit:" + strategy
    WebDriverWait(app.driver, TIMEOUT).until(
        lambda d: (app.fields(name).get(name) or ("0",))[0] == str(now)
    )
    app.check_amount(route, name, app.fields(name)[name], now)
    app.screenshot("wallet-deposit")

    problems = app.seen + app.problems()
    if problems:
        raise Failure("console errors or failed requests: " + "; ".join(problems))
    return checked


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rpc", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--profile", required=True)
    p.add_argument("--chromium", default="/usr/bin/chromium")
    p.add_argument("--chromedriver", default="/usr/bin/chromedriver")
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    app = App(args)
    try:
        checked = run(app)
        print(f"web app: every route loaded; {len(checked)} values equal the RPC's; screenshots in {args.out}")
    except Failure as e:
        try:
            app.driver.save_screenshot(os.path.join(args.out, "failure.png"))
        except Exception:
            pass
        print(f"FAIL: {e}", file=sys.stderr)
        sys.exit(1)
    finally:
        app.driver.quit()


if __name__ == "__main__":
    main()
