// Actions and events as readable field lists: addresses linked, amounts in their token's units,
// magnitudes and WADs in percent; everything else as text.

import { h } from "./dom.js";
import { displayUnits, formatUnits } from "./format.js";
import { strategyInfo, tokenInfo, chain } from "./chain.js";
import { addr, hash, setLink, strategyName, percent } from "./ui.js";

const ADDR = /^0x[0-9a-fA-F]{40}$/;
const HASH = /^0x[0-9a-fA-F]{64}$/;
const DEC = /^-?\d+$/;
const SENDER = new Set(["avs", "operator"]);
const KIND = { operator: "operator", newOperator: "operator", delegatedTo: "operator", avs: "avs", vault: "vault" };

function decimalsFor(obj) {
  if (obj.token) return tokenInfo(obj.token);
  if (obj.strategy) return strategyInfo(obj.strategy);
  if (obj.vault && chain.vaults.get(String(obj.vault).toLowerCase())) return tokenInfo(chain.vaults.get(String(obj.vault).toLowerCase()).lrt);
  return null;
}

function amountText(raw, info, field) {
  const t = info || { decimals: 18, symbol: "" };
  return h(
    "span",
    { class: "amount" },
    h("span", { class: "num", "data-field": field, "data-raw": raw, title: `${formatUnits(raw, t.decimals)} (raw ${raw})`, "data-copy": raw }, displayUnits(raw, t.decimals)),
    t.symbol ? h("span", { class: "sym" }, " " + t.symbol) : null,
  );
}

/** One value: key is its field name, obj the object it sits in (for the token of an amount). */
export function value(key, v, obj, field) {
  if (v === null || v === undefined) return h("span", { class: "muted" }, SENDER.has(key) ? "the sender" : "none");
  if (Array.isArray(v)) {
    if (!v.length) return h("span", { class: "muted" }, "none");
    if (key === "strategies") return h("span", { class: "stack" }, v.map((x) => strategyName(x)));
    if (key === "tokens") return h("span", { class: "stack" }, v.map((x) => h("span", { title: x }, tokenInfo(x).symbol)));
    if (v.length === 1 && typeof v[0] !== "object") {
      const sib = obj && Array.isArray(obj.strategies) ? { strategy: obj.strategies[0] } : obj;
      return value(key, v[0], sib, field ? `${field}:0` : undefined);
    }
    // Parallel lists of amounts (wadsToSlash, depositShares, scaledShares) use the strategies beside them.
    return h(
      "ol",
      { class: "plain" },
      v.map((x, i) => {
        const sib = obj && Array.isArray(obj.strategies) ? { strategy: obj.strategies[i] } : obj;
        return h("li", null, value(key, x, sib, field ? `${field}:${i}` : undefined));
      }),
    );
  }
  if (typeof v === "object") {
    if ("avs" in v && "id" in v && Object.keys(v).length === 2) return setLink(v.avs, v.id);
    return list(v, field);
  }
  if (typeof v === "boolean") return v ? "yes" : "no";
  if (typeof v === "number") return h("span", { class: "num", "data-field": field, "data-raw": String(v) }, String(v));
  const sv = String(v);
  if (ADDR.test(sv)) {
    if (key === "strategy") return strategyName(sv);
    if (key === "token") return h("span", null, tokenInfo(sv).symbol, " ", addr(sv));
    return addr(sv, KIND[key] || "staker");
  }
  if (HASH.test(sv)) return hash(sv);
  if (DEC.test(sv)) {
    if (/gwei/i.test(key)) return amountText(sv, { decimals: 9, symbol: "ETH" }, field);
    if (/wei$/i.test(key)) return amountText(sv, { decimals: 18, symbol: "ETH" }, field);
    if (/rate/i.test(key)) return amountText(sv, null, field);
    if (/magnitude|wad|fraction|slashingfactor|scalingfactor/i.test(key)) return percent(field, sv);
    if (/amount|shares|balance|value|payout|bond|supply|pfc|multiplier|loss/i.test(key)) return amountText(sv, decimalsFor(obj || {}), field);
    return h("span", { class: "num", "data-field": field, "data-raw": sv }, sv);
  }
  if (/uri$/i.test(key)) return h("code", { class: "uri" }, sv);
  return sv;
}

/** An object as a definition list (its "type" left out). */
export function list(obj, prefix) {
  const rows = [];
  for (const [k, v] of Object.entries(obj)) {
    if (k === "type") continue;
    rows.push(h("dt", null, k), h("dd", null, value(k, v, obj, prefix ? `${prefix}:${k}` : undefined)));
  }
  return h("dl", { class: "fields compact" }, rows);
}

