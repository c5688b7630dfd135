// The browser wallet (EIP-1193): connect, and sign actions as EIP-712 typed data. No key ever
// enters the page: the wallet signs what restake_prepareTransaction returns.

import { call } from "./rpc.js";

const listeners = new Set();
export const wallet = { account: null };

function provider() {
  return window.ethereum || null;
}

function set(accounts) {
  const a = accounts && accounts.length ? String(accounts[0]).toLowerCase() : null;
  if (a === wallet.account) return;
  wallet.account = a;
  for (const f of listeners) f(a);
}

/** Calls f(account|null) whenever the connected account changes. */
export function onAccount(f) {
  listeners.add(f);
}

export function hasWallet() {
  return Boolean(provider());
}

const KEY = "restake.wallet";
function remember(on) {
  try {
    if (on) localStorage.setItem(KEY, "1");
    else localStorage.removeItem(KEY);
  } catch {
    /* storage may be off */
  }
}

/** On page load: follows account changes, and reconnects without asking if this browser
 * connected before (eth_accounts); otherwise the page waits for "Connect wallet". */
export async function restore() {
  const p = provider();
  if (!p) return;
  if (typeof p.on === "function") {
    try {
      p.on("accountsChanged", (a) => wallet.account && set(a));
    } catch {
      /* optional */
    }
  }
  let known = false;
  try {
    known = localStorage.getItem(KEY) === "1";
  } catch {
    /* storage may be off */
  }
  if (!known) return;
  try {
    set(await p.request({ method: "eth_accounts" }));
  } catch {
    /* not authorised yet */
  }
}

/** Asks the wallet for an account. Throws Error in words. */
export async function connect() {
  const p = provider();
  if (!p) throw new Error("No browser wallet found: install one that supports EIP-1193 (window.ethereum).");
  try {
    set(await p.request({ method: "eth_requestAccounts" }));
  } catch (e) {
    throw new Error(walletMessage(e));
  }
  remember(Boolean(wallet.account));
  return wallet.account;
}

/** Forgets the connection in this page (the wallet keeps its own permission). */
export function disconnect() {
  remember(false);
  set([]);
}

/** A wallet error in words. */
export function walletMessage(e) {
  if (e && e.code === 4001) return "The wallet refused: the request was rejected by the user.";
  if (e && e.code === 4100) return "The wallet refused: this account is not authorised; connect it first.";
  if (e && e.code === 4200) return "The wallet does not support this request (eth_signTypedData_v4).";
  return (e && e.message) || String(e);
}

/**
 * Prepares, signs and sends an action as the connected account, then waits for the receipt.
 * progress(text) reports each step. Returns {hash, receipt}; throws Error in words.
 */
export async function sendAction(action, progress = () => {}) {
  const from = wallet.account;
  if (!from) throw new Error("Connect a wallet first.");
  const p = provider();
  if (!p) throw new Error("No browser wallet found.");
  progress("Preparing…");
  const prep = await call("restake_prepareTransaction", [{ from, action }]);
  progress("Waiting for the wallet's signature…");
  let signature;
  try {
    signature = await p.request({ method: "eth_signTypedData_v4", params: [from, JSON.stringify(prep.typedData)] });
  } catch (e) {
    throw new Error(walletMessage(e));
  }
  progress("Sending…");
  const hash = await call("restake_sendTransaction", [{ from, nonce: prep.nonce, action, signature }]);
  progress("Waiting for a block…");
  const deadline = Date.now() + 120000;
  while (Date.now() < deadline) {
    const receipt = await call("restake_getTransactionReceipt", [hash]);
    if (receipt) return { hash, receipt };
    await new Promise((r) => setTimeout(r, 400));
  }
  const err = new Error(`Sent as ${hash}, but no receipt after 2 minutes: it is still pending or was dropped.`);
  err.hash = hash;
  throw err;
}
