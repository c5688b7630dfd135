// #/tx/<hash>: one transaction: its action, sender, nonce, status, events and error.

import { h, card, empty, fields } from "../lib/dom.js";
import { call } from "../lib/rpc.js";
import { num, addr, blockLink, badge, hash, copyButton } from "../lib/ui.js";
import { list } from "../lib/fields.js";

export default {
  name: "tx",
  title: () => "Transaction",
  async load(ctx) {
    const id = ctx.params[0];
    const receipt = await call("restake_getTransactionReceipt", [id]);
    if (!receipt) return { id, receipt: null };
    const block = await call("restake_getBlock", [receipt.blockNumber]);
    const tx = block ? block.transactions[receipt.index] : null;
    return { id, receipt, tx };
  },
  view(d) {
    if (!d.receipt) return card(null, h("p", { class: "empty" }, "This transaction is not in a block: it is pending, was refused, or is unknown to this node."), h("p", { class: "hint" }, "The page updates by itself when it lands."));
    const r = d.receipt;
    const ok = r.status === "success";
    const summary = card(
      null,
      fields([
        ["Transaction", h("span", { class: "addr-wrap" }, h("code", { class: "full" }, r.transactionHash), copyButton(r.transactionHash))],
        ["Status", h("span", { "data-field": "tx-status", "data-raw": r.status }, badge(r.status, ok ? "ok" : "bad"))],
        ["Block", h("span", null, blockLink(r.blockNumber, "tx-block"), ", position ", num("tx-index", r.index))],
        ["From", addr(r.from, "staker", "tx-from")],
        ["Nonce", d.tx ? num("tx-nonce", d.tx.nonce) : "—"],
        ["Action", d.tx ? h("code", { "data-field": "tx-action", "data-raw": d.tx.action.type }, d.tx.action.type) : "—"],
        d.tx ? ["Signature", hash(d.tx.signature)] : null,
      ]),
      !ok && r.error ? h("div", { class: "error-box" }, h("p", { class: "error", "data-field": "tx-error", "data-raw": r.error.name }, `Failed: ${r.error.message}`), h("p", { class: "hint" }, `Rule ${r.error.name}, code ${r.error.code}.`)) : null,
    );
    const action = d.tx ? card(`Action: ${d.tx.action.type}`, list(d.tx.action, "action")) : null;
    const events = card(
      `Events (${r.events.length})`,
      r.events.length ? h("ol", { class: "events" }, r.events.map((e, i) => h("li", null, h("h3", null, e.type), list(e, `event:${i}`)))) : empty(ok ? "No events." : "A failed transaction emits no events."),
    );
    return h("div", { class: "grid two" }, summary, action, events);
  },
};

