// The app: layout, hash router, search, wallet button, and live updates on every new head.

import { h } from "./lib/dom.js";
import { batch, onStatus } from "./lib/rpc.js";
import { chain, start, onHead, meta } from "./lib/chain.js";
import { shortAddr } from "./lib/format.js";
import { wallet, onAccount, connect, disconnect, restore } from "./lib/wallet.js";

import overview from "./pages/overview.js";
import staker from "./pages/staker.js";
import operators from "./pages/operators.js";
import operator from "./pages/operator.js";
import avs from "./pages/avs.js";
import operatorSet from "./pages/operator_set.js";
import slashes from "./pages/slashes.js";
import withdrawals from "./pages/withdrawals.js";
import vault from "./pages/vault.js";
import block from "./pages/block.js";
import tx from "./pages/tx.js";
import validators from "./pages/validators.js";

const ADDR = "(0x[0-9a-fA-F]{40})";
const ROUTES = [
  [/^\/?$/, overview],
  [new RegExp(`^/staker/${ADDR}$`), staker],
  [/^\/operators$/, operators],
  [new RegExp(`^/operator/${ADDR}$`), operator],
  [new RegExp(`^/avs/${ADDR}$`), avs],
  [new RegExp(`^/operator-set/${ADDR}/(\\d{1,10})$`), operatorSet],
  [/^\/slashes$/, slashes],
  [/^\/withdrawals$/, withdrawals],
  [new RegExp(`^/vault/${ADDR}$`), vault],
  [/^\/block\/(\d{1,19})$/, block],
  [/^\/tx\/(0x[0-9a-fA-F]{64})$/, tx],
  [/^\/validators$/, validators],
];

const notFound = {
  name: "not-found",
  title: () => "Not found",
  async load() {
    return null;
  },
  view() {
    const links = [["#/", "Overview"], ["#/operators", "Operators"], ["#/slashes", "Slashes"], ["#/withdrawals", "Withdrawals"], ["#/validators", "Validators"]];
    return h("div", { class: "card" }, h("p", null, "There is no page at ", h("code", null, location.hash || "/"), "."), h("p", null, "Try ", links.map(([href, t]) => [h("a", { href }, t), ", "]), "or search for an address, a transaction or a block."));
  },
};

function match() {
  const path = decodeURIComponent(location.hash.replace(/^#/, "")) || "/";
  for (const [re, page] of ROUTES) {
    const m = path.match(re);
    if (m) return { page, params: m.slice(1).map((x) => (x.startsWith("0x") ? x.toLowerCase() : x)) };
  }
  return { page: notFound, params: [] };
}

// ---- layout ----

const main = h("main", { id: "page" });
const heightChip = h("a", { class: "head-chip", href: "#/", title: "Last committed block" }, "…");
const liveDot = h("span", { class: "live-dot", title: "Live updates" });
const walletArea = h("div", { class: "wallet" });
const searchInput = h("input", { type: "search", name: "q", placeholder: "Address, transaction hash or block", "aria-label": "Search", autocomplete: "off", spellcheck: "false" });
const searchMsg = h("span", { class: "search-msg", "aria-live": "polite" });
const vaultLinks = h("span", { class: "vault-links" });
const nav = h(
  "nav",
  { class: "nav" },
  h("a", { href: "#/", "data-nav": "overview" }, "Overview"),
  h("a", { href: "#/operators", "data-nav": "operators" }, "Operators"),
  h("a", { href: "#/slashes", "data-nav": "slashes" }, "Slashes"),
  h("a", { href: "#/withdrawals", "data-nav": "withdrawals" }, "Withdrawals"),
  h("a", { href: "#/validators", "data-nav": "validators" }, "Validators"),
  vaultLinks,
);
const searchForm = h("form", { class: "search", role: "search" }, searchInput, h("button", { type: "submit" }, "Search"), searchMsg);
const header = h(
  "header",
  { class: "top" },
  h("div", { class: "top-row" }, h("a", { class: "brand", href: "#/" }, "Restake"), h("span", { class: "head" }, liveDot, heightChip), walletArea),
  h("div", { class: "top-row" }, nav, searchForm),
);
const toast = h("div", { class: "toast", role: "status", hidden: true });

function renderWallet() {
  const msg = h("span", { class: "wallet-msg error" });
  if (wallet.account) {
    const off = h("button", { type: "button", class: "link", title: "Forget the wallet in this page" }, "Disconnect");
    off.addEventListener("click", disconnect);
    walletArea.replaceChildren(h("span", { class: "muted" }, "Connected "), h("a", { href: `#/staker/${wallet.account}`, class: "addr", title: wallet.account, "data-wallet": wallet.account }, shortAddr(wallet.account)), off);
    return;
  }
  const btn = h("button", { type: "button", class: "connect" }, "Connect wallet");
  btn.addEventListener("click", async () => {
    msg.textContent = "";
    try {
      await connect();
    } catch (e) {
      msg.textContent = e.message;
    }
  });
  walletArea.replaceChildren(btn, msg);
}

function renderVaultLinks() {
  const vs = [...chain.vaults.values()];
  const key = vs.map((v) => v.vault + v.symbol).join();
  if (vaultLinks.dataset.key === key) return;
  vaultLinks.dataset.key = key;
  vaultLinks.replaceChildren(...vs.map((v) => h("a", { href: `#/vault/${v.vault.toLowerCase()}`, "data-nav": "vault:" + v.vault.toLowerCase(), title: "Vault " + v.vault }, v.symbol)));
}

// ---- the current page ----

let current = null; // {page, params, ctx, section, dataEl, formsEl, forms, gen}
let gen = 0;

function setActiveNav() {
  const path = location.hash.replace(/^#/, "") || "/";
  for (const a of header.querySelectorAll("nav a")) {
    const target = a.getAttribute("href").replace(/^#/, "");
    a.classList.toggle("active", target === "/" ? path === "/" : path === target || path.startsWith(target + "/"));
  }
}

function show() {
  const { page, params } = match();
  if (current && current.page.unmount) current.page.unmount(current.ctx);
  const myGen = ++gen;
  const section = h("section", { "data-page": page.name });
  const dataEl = h("div", { class: "data" }, h("p", { class: "muted loading" }, "Loading…"));
  const formsEl = h("div", { class: "forms-region" });
  const titleEl = h("h1", null, page.title(params));
  const notice = h("p", { class: "notice error", hidden: true, role: "status" });
  section.append(titleEl, notice, dataEl, formsEl);
  const state = current && current.page === page && current.params.join() === params.join() ? current.ctx.state : {};
  const cur = { page, params, section, dataEl, formsEl, notice, forms: null, gen: myGen, loading: false, dirty: false, titleEl, shown: false };
  cur.ctx = { params, state, section, refresh: () => refresh(cur), gen: myGen, live: () => gen === myGen };
  current = cur;
  main.replaceChildren(section);
  setActiveNav();
  if (page.mount) page.mount(cur.ctx);
  refresh(cur, true);
}

async function refresh(cur) {
  if (cur.loading) {
    cur.dirty = true;
    return;
  }
  cur.loading = true;
  let at = chain.head;
  try {
    do {
      cur.dirty = false;
      at = chain.head;
      let node;
      let data = null;
      try {
        await meta();
        renderVaultLinks();
        data = await cur.page.load(cur.ctx);
        if (cur.gen !== gen) return;
        node = cur.page.view(data, cur.ctx);
        cur.section.removeAttribute("data-error");
      } catch (e) {
        if (cur.gen !== gen) return;
        const msg = (e && (e.text || e.message)) || String(e);
        if (cur.shown) {
          // Keep what is shown; say it may be stale until the next head succeeds.
          cur.notice.textContent = "Could not refresh: " + msg;
          cur.notice.hidden = false;
          continue;
        }
        node = h("div", { class: "card error-box" }, h("p", { class: "error" }, "Could not load this page: " + msg));
        cur.section.setAttribute("data-error", "true");
      }
      cur.notice.hidden = true;
      if (data !== null) cur.shown = true;
      // Swap the data region only, keeping scroll positions of wide tables.
      const scrolls = [...cur.dataEl.querySelectorAll(".table-wrap")].map((t) => t.scrollLeft);
      cur.dataEl.replaceChildren(node);
      [...cur.dataEl.querySelectorAll(".table-wrap")].forEach((t, i) => {
        if (scrolls[i]) t.scrollLeft = scrolls[i];
      });
      if (cur.page.title && cur.page.dynamicTitle) cur.titleEl.textContent = cur.page.dynamicTitle(data, cur.ctx) || cur.titleEl.textContent;
      if (data !== null && cur.page.forms && !cur.forms) {
        cur.forms = cur.page.forms(cur.ctx, data) || [];
        cur.formsEl.replaceChildren(...cur.forms.map((f) => f.el));
      }
      if (cur.forms && data !== null) for (const f of cur.forms) f.update(data);
      cur.section.setAttribute("data-ready", "true");
    } while (cur.dirty && cur.gen === gen);
  } finally {
    cur.loading = false;
    if (cur.gen === gen && at !== null) document.body.setAttribute("data-height", String(at));
  }
}

// ---- search ----

async function search(q) {
  q = q.trim();
  searchMsg.textContent = "";
  if (/^0x[0-9a-fA-F]{64}$/.test(q)) return (location.hash = `#/tx/${q.toLowerCase()}`);
  if (/^\d+$/.test(q)) return (location.hash = `#/block/${q}`);
  if (!/^0x[0-9a-fA-F]{40}$/.test(q)) {
    searchMsg.textContent = "Type an address (0x + 40 hex), a transaction hash (0x + 64 hex) or a block height.";
    return;
  }
  const a = q.toLowerCase();
  searchMsg.textContent = "Looking up…";
  try {
    const [op, sets, v] = await batch([
      ["restake_getOperator", [a]],
      ["restake_getOperatorSets", [a, { limit: 1 }]],
      ["restake_getVault", [a, null]],
    ]);
    searchMsg.textContent = "";
    if (op && !(op instanceof Error)) location.hash = `#/operator/${a}`;
    else if (sets && !(sets instanceof Error) && sets.items.length) location.hash = `#/avs/${a}`;
    else if (v && !(v instanceof Error)) location.hash = `#/vault/${v.address ? v.address.toLowerCase() : a}`;
    else location.hash = `#/staker/${a}`;
  } catch (e) {
    searchMsg.textContent = e.text || e.message;
  }
}

searchForm.addEventListener("submit", (ev) => {
  ev.preventDefault();
  search(searchInput.value);
});

// ---- copy on click ----

let toastTimer = null;
document.addEventListener("click", (ev) => {
  const el = ev.target.closest && ev.target.closest("[data-copy]");
  if (!el || ev.target.closest("a")) return;
  if (String(window.getSelection && window.getSelection())) return;
  const v = el.getAttribute("data-copy");
  const done = () => {
    toast.textContent = "Copied " + (v.length > 24 ? shortAddr(v) : v);
    toast.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => (toast.hidden = true), 1400);
  };
  if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(v).then(done, () => {});
});

// ---- start ----

async function boot() {
  document.body.replaceChildren(header, main, toast);
  renderWallet();
  onAccount(() => {
    renderWallet();
    if (current) {
      current.forms = null;
      current.formsEl.replaceChildren();
      refresh(current);
    }
  });
  onStatus((ok) => liveDot.classList.toggle("on", ok));
  try {
    await start();
  } catch (e) {
    main.replaceChildren(h("section", { "data-page": "error", "data-ready": "true" }, h("h1", null, "The node cannot be reached"), h("p", { class: "error" }, e.text || e.message)));
    return;
  }
  heightChip.textContent = "#" + chain.head;
  document.body.setAttribute("data-height", String(chain.head));
  renderVaultLinks();
  onHead((hd) => {
    heightChip.textContent = "#" + hd.height;
    if (current) refresh(current);
    else document.body.setAttribute("data-height", String(hd.height));
  });
  window.addEventListener("hashchange", () => {
    show();
    window.scrollTo(0, 0);
  });
  restore();
  show();
}

window.addEventListener("unhandledrejection", (ev) => ev.preventDefault());
boot();

