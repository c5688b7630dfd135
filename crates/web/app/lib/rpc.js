// JSON-RPC over fetch (single calls and batches) and WebSocket subscriptions with reconnect,
// both to the node that serves this page.

export class RpcError extends Error {
  constructor(code, message, data) {
    super(message);
    this.code = code;
    this.data = data;
  }
  /** The method does not exist on this node (not implemented yet). */
  get missing() {
    return this.code === -32601;
  }
  /** The message in words, with the node's details when it gave some. */
  get text() {
    const d = typeof this.data === "string" ? this.data : this.data ? JSON.stringify(this.data) : "";
    return d ? `${this.message} (${d})` : this.message;
  }
}

const MAX_BATCH = 100;
let nextId = 1;

async function post(body) {
  let res;
  try {
    res = await fetch("/", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
  } catch (e) {
    throw new RpcError(-1, "cannot reach the node: " + e.message);
  }
  let json;
  try {
    json = await res.json();
  } catch {
    throw new RpcError(-1, `the node answered HTTP ${res.status} without JSON`);
  }
  return json;
}

function unwrap(r) {
  if (!r) return new RpcError(-1, "no answer");
  if (r.error) return new RpcError(r.error.code, r.error.message, r.error.data);
  return r.result;
}

/** One call; throws RpcError. */
export async function call(method, params = []) {
  const r = await post({ jsonrpc: "2.0", id: nextId++, method, params });
  if (Array.isArray(r) || (r && r.id === null && r.error)) {
    throw new RpcError(r.error ? r.error.code : -1, r.error ? r.error.message : "bad answer");
  }
  const v = unwrap(r);
  if (v instanceof RpcError) throw v;
  return v;
}

/**
 * Many calls in batches of at most 100: calls is [[method, params], ...]. Returns one entry per
 * call, in order: the result, or an RpcError (not thrown).
 */
export async function batch(calls) {
  const out = [];
  for (let i = 0; i < calls.length; i += MAX_BATCH) {
    const chunk = calls.slice(i, i + MAX_BATCH);
    const base = nextId;
    nextId += chunk.length;
    const body = chunk.map(([method, params], j) => ({ jsonrpc: "2.0", id: base + j, method, params: params || [] }));
    const r = await post(body);
    if (!Array.isArray(r)) {
      const e = new RpcError(r && r.error ? r.error.code : -1, r && r.error ? r.error.message : "bad batch answer");
      chunk.forEach(() => out.push(e));
      continue;
    }
    const byId = new Map(r.map((x) => [x.id, x]));
    chunk.forEach((_, j) => out.push(unwrap(byId.get(base + j))));
  }
  return out;
}

/** The value, or throws it when it is an error (for batch entries). */
export function must(v) {
  if (v instanceof RpcError) throw v;
  return v;
}

/** The value; `fallback` when it is an error for a method this node does not have. */
export function opt(v, fallback) {
  if (v instanceof RpcError) {
    if (v.missing) return fallback;
    throw v;
  }
  return v;
}

/** Pages through an index list until `next` is null (or `maxPages`). Returns {items, complete}. */
export async function all(method, leading, maxPages = 50) {
  const items = [];
  let cursor = null;
  for (let i = 0; i < maxPages; i++) {
    const page = cursor ? { cursor, limit: 100 } : { limit: 100 };
    const r = await call(method, [...leading, page]);
    items.push(...r.items);
    if (!r.next) return { items, complete: true };
    cursor = r.next;
  }
  return { items, complete: false };
}

// ---- WebSocket ----

const subs = new Map(); // local key -> {method, params, onItem, serverId}
let ws = null;
let wsOpen = false;
let retry = 500;
let pending = new Map(); // request id -> {resolve, reject}
let localKey = 0;
const statusListeners = new Set();

function setStatus(ok) {
  wsOpen = ok;
  for (const f of statusListeners) f(ok);
}

/** Called with true/false when the live connection opens or drops. */
export function onStatus(f) {
  statusListeners.add(f);
  f(wsOpen);
}

function wsUrl() {
  return (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/";
}

function wsSend(method, params) {
  return new Promise((resolve, reject) => {
    if (!ws || !wsOpen) return reject(new RpcError(-1, "not connected"));
    const id = nextId++;
    pending.set(id, { resolve, reject });
    ws.send(JSON.stringify({ jsonrpc: "2.0", id, method, params }));
  });
}

async function subscribeOnServer(key) {
  const sub = subs.get(key);
  if (!sub) return;
  try {
    const id = await wsSend(sub.method, sub.params);
    if (subs.get(key) === sub) sub.serverId = id;
    else wsSend(unsubName(sub.method), [id]).catch(() => {});
  } catch {
    /* retried on the next connection */
  }
}

function unsubName(method) {
  return method.replace("restake_subscribe", "restake_unsubscribe");
}

function connect() {
  try {
    ws = new WebSocket(wsUrl());
  } catch {
    setTimeout(connect, retry);
    return;
  }
  ws.onopen = () => {
    retry = 500;
    setStatus(true);
    for (const key of subs.keys()) subscribeOnServer(key);
  };
  ws.onmessage = (ev) => {
    let msg;
    try {
      msg = JSON.parse(ev.data);
    } catch {
      return;
    }
    if (msg.id !== undefined && pending.has(msg.id)) {
      const p = pending.get(msg.id);
      pending.delete(msg.id);
      if (msg.error) p.reject(new RpcError(msg.error.code, msg.error.message, msg.error.data));
      else p.resolve(msg.result);
      return;
    }
    if (msg.params && msg.params.subscription !== undefined) {
      for (const sub of subs.values()) {
        if (sub.serverId === msg.params.subscription && sub.method === msg.method) {
          try {
            sub.onItem(msg.params.result);
          } catch {
            /* a listener's failure must not stop the feed */
          }
        }
      }
    }
  };
  ws.onclose = () => {
    const was = ws;
    ws = null;
    for (const p of pending.values()) p.reject(new RpcError(-1, "connection closed"));
    pending = new Map();
    for (const sub of subs.values()) sub.serverId = null;
    if (was) setStatus(false);
    setTimeout(connect, retry);
    retry = Math.min(retry * 2, 10000);
  };
  ws.onerror = () => {
    /* onclose follows */
  };
}

/** Subscribes (again after every reconnect). Returns a function that unsubscribes. */
export function subscribe(method, params, onItem) {
  const key = ++localKey;
  subs.set(key, { method, params, onItem, serverId: null });
  if (!ws) connect();
  else if (wsOpen) subscribeOnServer(key);
  return () => {
    const sub = subs.get(key);
    subs.delete(key);
    if (sub && sub.serverId !== null && wsOpen) wsSend(unsubName(method), [sub.serverId]).catch(() => {});
  };
}

export function isLive() {
  return wsOpen;
}
