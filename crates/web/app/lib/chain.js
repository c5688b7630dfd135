// What every page shares: the head, the block time, and the tokens, pools and vaults by address.

import { call, batch, must, subscribe, onStatus } from "./rpc.js";

export const BEACON_ETH = "0xbeac0eeeeeeeeeeeeeeeeeeeeeeeeeeeeeebeac0";
export const ZERO = "0x0000000000000000000000000000000000000000";

export const chain = {
  head: null, // height of the last committed block
  headTimeMs: null,
  blockTimeMs: 1000,
  tokens: new Map(), // token -> {token, symbol, decimals, totalSupply}
  strategies: new Map(), // strategy -> {strategy, token, symbol, totalShares, balance, underlyingPerShare}
  vaults: new Map(), // vault -> {vault, lrt, symbol, totalAssets, totalSupply, rate}
  metaHeight: -1,
};

const recent = []; // [height, timestampMs] of recent heads, for the block time
const listeners = new Set();
let metaPromise = null;

function noteTime(height, ms) {
  if (recent.length && recent[recent.length - 1][0] >= height) return;
  recent.push([height, ms]);
  while (recent.length > 40) recent.shift();
  if (recent.length >= 2) {
    const [h0, t0] = recent[0];
    const [h1, t1] = recent[recent.length - 1];
    if (h1 > h0 && t1 > t0) chain.blockTimeMs = (t1 - t0) / (h1 - h0);
  }
}

/** Calls f(header) on every new head. */
export function onHead(f) {
  listeners.add(f);
  return () => listeners.delete(f);
}

function newHead(header) {
  if (!header || (chain.head !== null && header.height <= chain.head)) return;
  chain.head = header.height;
  chain.headTimeMs = header.timestampMs;
  noteTime(header.height, header.timestampMs);
  for (const f of listeners) f(header);
}

/** Reads the head and the block time, then follows new heads (WebSocket; polling while it is down). */
export async function start() {
  const latest = await call("restake_getBlock", ["latest"]);
  const h = latest.header.height;
  const back = Math.max(0, h - 20);
  if (back < h) {
    const old = await call("restake_getBlock", [back]);
    if (old) noteTime(back, old.header.timestampMs);
  }
  noteTime(h, latest.header.timestampMs);
  chain.head = h;
  chain.headTimeMs = latest.header.timestampMs;
  subscribe("restake_subscribeNewHeads", [], newHead);
  let live = false;
  onStatus((ok) => (live = ok));
  setInterval(async () => {
    if (live) return;
    try {
      const b = await call("restake_getBlock", ["latest"]);
      if (b) newHead(b.header);
    } catch {
      /* the node is away; try again */
    }
  }, 2000);
  await meta();
  return latest;
}

/** Tokens, pools and vaults, read once per head. */
export function meta() {
  if (chain.metaHeight === chain.head && metaPromise) return metaPromise;
  const at = chain.head;
  metaPromise = (async () => {
    const [tokens, strategies, vaults] = await batch([
      ["restake_getTokens", []],
      ["restake_getStrategies", []],
      ["restake_getVaults", []],
    ]);
    chain.tokens = new Map(must(tokens).map((t) => [t.token.toLowerCase(), t]));
    chain.strategies = new Map(must(strategies).map((s) => [s.strategy.toLowerCase(), s]));
    chain.vaults = new Map((vaults instanceof Error ? [] : vaults).map((v) => [v.vault.toLowerCase(), v]));
    chain.metaHeight = at;
    return chain;
  })();
  metaPromise.catch(() => {
    chain.metaHeight = -1;
  });
  return metaPromise;
}

/** {symbol, decimals} of a token (vault LRTs included); 18 decimals and a short address when unknown. */
export function tokenInfo(token) {
  const t = token && chain.tokens.get(token.toLowerCase());
  if (t) return { token: t.token, symbol: t.symbol, decimals: t.decimals };
  return { token, symbol: token ? token.slice(0, 6) + "…" : "?", decimals: 18 };
}

/** {symbol, decimals, token} of a pool's token; beacon-chain ETH for its special strategy. */
export function strategyInfo(strategy) {
  const k = strategy && strategy.toLowerCase();
  if (k === BEACON_ETH) return { token: null, symbol: "ETH", decimals: 18 };
  const s = chain.strategies.get(k);
  if (s) return { ...tokenInfo(s.token), token: s.token };
  return { token: null, symbol: strategy ? strategy.slice(0, 6) + "…" : "?", decimals: 18 };
}

/** The pool of a token, if any. */
export function strategyOfToken(token) {
  for (const s of chain.strategies.values()) if (s.token.toLowerCase() === token.toLowerCase()) return s.strategy;
  return null;
}

/** The block time in seconds, measured from recent blocks. */
export function blockSeconds() {
  return chain.blockTimeMs / 1000;
}
