// #/block/<height>: a block's header and its transactions.

import { h, card, table, empty, fields } from "../lib/dom.js";
import { call, batch, RpcError } from "../lib/rpc.js";
import { chain } from "../lib/chain.js";
import { utc, ago } from "../lib/format.js";
import { num, addr, plainAddr, hash, txLink, blockLink, badge } from "../lib/ui.js";

const SHOWN = 200;

export default {
  name: "block",
  title: (p) => `Block ${p[0]}`,
  async load(ctx) {
    const height = Number(ctx.params[0]);
    const block = await call("restake_getBlock", [height]);
    if (!block) return { height, block: null };
    const receipts = await batch(block.transactionHashes.slice(0, SHOWN).map((x) => ["restake_getTransactionReceipt", [x]]));
    return { height, block, receipts: receipts.map((r) => (r instanceof RpcError ? null : r)) };
  },
  view(d) {
    const nav = h(
      "div",
      { class: "pager" },
      d.height > 0 ? h("a", { href: `#/block/${d.height - 1}`, rel: "prev" }, "← Block " + (d.height - 1)) : h("span", { class: "muted" }, "genesis"),
      d.block && d.height < chain.head ? h("a", { href: `#/block/${d.height + 1}`, rel: "next" }, "Block " + (d.height + 1) + " →") : h("span", { class: "muted" }, "the head"),
    );
    if (!d.block) {
      return card(null, h("p", { class: "empty" }, `There is no block ${d.height} yet: the chain is at height ${chain.head}` + (d.height > chain.head ? ` (about ${d.height - chain.head} blocks to go).` : ".")), h("p", null, h("a", { href: `#/block/${chain.head}` }, "The latest block →")));
    }
    const b = d.block;
    const hd = b.header;
    const zero = /^0x0+$/;
    const header = card(
      null,
      nav,
      fields([
        ["Height", num("block-height", hd.height)],
        ["Hash", hash(b.hash, "block-hash")],
        ["Time", h("span", null, num("block-timestamp", hd.timestamp, utc(hd.timestamp)), ` (${ago(hd.timestamp)})`)],
        ["Transactions", num("block-txs", b.transactionHashes.length)],
        ["Proposer", zero.test(hd.proposer) ? h("span", { class: "muted" }, "solo node") : plainAddr(hd.proposer, "block-proposer")],
        ["Parent", hd.height > 0 ? h("span", null, blockLink(hd.height - 1), " ", hash(hd.parentHash)) : hash(hd.parentHash)],
        ["State root", hash(hd.stateRoot)],
        ["Transactions root", hash(hd.transactionsRoot)],
        ["Receipts root", hash(hd.receiptsRoot)],
        ["Validator set hash", hash(hd.validatorSetHash)],
        ["Parent's certificate", b.lastCommit ? h("span", null, num("block-commit-signatures", b.lastCommit.signatures.length), ` signatures, round ${b.lastCommit.round}`) : h("span", { class: "muted" }, "none")],
        ["Protocol version", num("block-protocol-version", hd.protocolVersion)],
        ["Chain id", num("block-chain-id", hd.chainId)],
      ]),
    );
    const txs = card(
      "Transactions",
      b.transactions.length
        ? table(
            ["#", "Transaction", "From", "Nonce", "Action", "Status"],
            b.transactions.slice(0, SHOWN).map((t, i) => {
              const r = d.receipts[i];
              return [String(i), txLink(b.transactionHashes[i]), addr(t.from), num(`block-tx-nonce:${i}`, t.nonce), h("code", null, t.action.type), r ? badge(r.status, r.status === "success" ? "ok" : "bad") : "—"];
            }),
          )
        : empty("No transactions in this block."),
      b.transactions.length > SHOWN ? h("p", { class: "hint" }, `The first ${SHOWN} of ${b.transactions.length} are shown.`) : null,
    );
    return h("div", { class: "grid" }, header, txs);
  },
};
