// #/avs/<address>: an AVS's metadata, operator sets, rewards submissions and slashes.

import { h, card, table, empty, fields } from "../lib/dom.js";
import { batch, must, all, opt } from "../lib/rpc.js";
import { chain, strategyInfo, tokenInfo } from "../lib/chain.js";
import { parseUnits } from "../lib/format.js";
import { num, tokenAmount, addr, setLink, blockLink, strategyName, copyButton } from "../lib/ui.js";
import { wallet } from "../lib/wallet.js";
import { formsCard, needAddress, needInt } from "../lib/forms.js";
import { fetchSlashes, slashTable } from "./slashes.js";

/** The AVS's metadata URI: the newest AvsMetadataUriUpdated event (no view returns it). */
async function metadataUri(a) {
  const r = await all("restake_getEvents", [{ fromBlock: 0, address: a, type: "AvsMetadataUriUpdated" }], 10);
  return r.items.filter((it) => it.event.avs.toLowerCase() === a).pop() || null;
}

export default {
  name: "avs",
  title: () => "AVS",
  async load(ctx) {
    const a = ctx.params[0];
    const [list, meta, subs, slashes] = await Promise.all([all("restake_getOperatorSets", [a]), metadataUri(a), batch([["restake_getRewardsSubmissions", [a]]]), fetchSlashes({ avs: a }, { limit: 25 })]);
    const sets = list.items.length ? (await batch(list.items.slice(0, 200).map((s) => ["restake_getOperatorSet", [a, s.id]]))).map(must) : [];
    return { address: a, list: list.items, sets, meta, submissions: opt(subs[0], []), slashes };
  },
  view(d) {
    const a = d.address;
    if (!d.list.length && !d.meta) {
      return card(null, h("p", { class: "empty" }, "This address has not registered as an AVS (no metadata, no operator sets)."), h("p", null, h("a", { href: `#/staker/${a}` }, "See it as an account →")));
    }
    const summary = card(
      null,
      fields([
        ["AVS", h("span", { class: "addr-wrap" }, h("code", { class: "full" }, a), copyButton(a))],
        ["Metadata URI", d.meta ? h("code", { class: "uri" }, d.meta.event.metadataUri) : h("span", { class: "muted" }, "none")],
        ["Operator sets", num("avs-sets", d.list.length)],
      ]),
    );
    const sets = card(
      "Operator sets",
      d.list.length
        ? table(
            ["Set", "Created at", "Pools", "Operators", "Slasher", "Slashed funds go to", "Registration", "Slashes"],
            d.list.map((it, i) => {
              const s = d.sets[i];
              if (!s) return [setLink(a, it.id), blockLink(it.createdAt), "—", "—", "—", "—", "—", "—"];
              const k = `${a}:${it.id}`;
              return [
                setLink(a, it.id),
                blockLink(it.createdAt),
                s.strategies.length ? h("span", { class: "stack" }, s.strategies.map((x) => strategyName(x))) : h("span", { class: "muted" }, "none"),
                num(`set-members:${k}`, s.members.length),
                addr(s.slasher),
                s.redistributionRecipient ? addr(s.redistributionRecipient) : h("span", { class: "muted" }, "burnt"),
                s.registrationPolicy,
                num(`set-slashes:${k}`, s.slashCount),
              ];
            }),
          )
        : empty("No operator sets yet."),
    );
    const subs = card(
      "Rewards submissions",
      d.submissions.length
        ? table(
            ["Id", "Operator set", "Token", "Amount", "Distributed", "Epochs"],
            d.submissions.map((s) => [num(`submission:${s.id}`, s.id), setLink(s.operatorSet.avs, s.operatorSet.id), tokenInfo(s.token).symbol, tokenAmount(`submission-amount:${s.id}`, s.amount, s.token), tokenAmount(`submission-distributed:${s.id}`, s.distributed, s.token), `${s.startEpoch} to ${s.startEpoch + s.durationEpochs - 1}`]),
          )
        : empty("None."),
    );
    const slashes = card("Slashes", slashTable(d.slashes.items, { none: "This AVS has slashed nobody." }));
    return h("div", { class: "grid" }, summary, sets, subs, slashes);
  },
  forms(ctx) {
    if (wallet.account !== ctx.params[0]) return [];
    const stratOpts = () => [...chain.strategies.values()].map((s) => [s.strategy.toLowerCase(), strategyInfo(s.strategy).symbol, false]);
    const setOpts = (d) => d.list.map((s) => [String(s.id), `set ${s.id}`]);
    const optAddr = (v, what) => (v ? needAddress(v, what) : null);
    return formsCard("AVS actions (signed by your wallet)", ctx, [
      {
        action: "updateAvsMetadataUri",
        title: "Metadata URI",
        submit: "Save metadata URI",
        help: "Registers the address as an AVS (needed before creating operator sets) or updates its metadata.",
        fields: [{ name: "metadataUri", label: "Metadata URI", type: "text", placeholder: "https://…" }],
        build: (v) => ({ type: "updateAvsMetadataUri", metadataUri: v.metadataUri }),
      },
      {
        action: "createOperatorSets",
        title: "Create an operator set",
        fields: [
          { name: "operatorSetId", label: "New set id", type: "number" },
          { name: "strategies", label: "Pools it can slash", type: "checks", options: stratOpts },
          { name: "redistributionRecipient", label: "Slashed funds go to (empty: burnt)", type: "address", placeholder: "optional" },
          { name: "slasher", label: "Slasher (empty: the AVS)", type: "address", placeholder: "optional" },
          { name: "registrationPolicy", label: "Who may join", type: "select", options: () => [["open", "open"], ["allowlist", "allowlist"], ["approval", "approval"]] },
        ],
        build(v) {
          const p = { operatorSetId: needInt(v.operatorSetId, "set id"), strategies: v.strategies, registrationPolicy: v.registrationPolicy };
          const r = optAddr(v.redistributionRecipient, "recipient");
          const s = optAddr(v.slasher, "slasher");
          if (r) p.redistributionRecipient = r;
          if (s) p.slasher = s;
          return { type: "createOperatorSets", params: [p] };
        },
      },
      {
        action: "slashOperator",
        title: "Slash an operator",
        help: "The fraction of the operator's allocation to the set, per pool (0.1 = 10%).",
        fields: [
          { name: "operator", label: "Operator", type: "address" },
          { name: "operatorSetId", label: "Operator set", type: "select", options: setOpts },
          { name: "strategies", label: "Pools", type: "checks", options: stratOpts },
          { name: "wadsToSlash", label: "Fraction (0 to 1, each pool)", type: "amount", placeholder: "e.g. 0.1" },
          { name: "description", label: "Reason", type: "text" },
        ],
        build(v) {
          if (!v.strategies.length) throw new Error("Choose at least one pool.");
          const wad = parseUnits(v.wadsToSlash, 18, "fraction");
          return { type: "slashOperator", operator: needAddress(v.operator, "operator"), operatorSetId: needInt(v.operatorSetId, "operator set"), strategies: v.strategies, wadsToSlash: v.strategies.map(() => wad), description: v.description };
        },
      },
      {
        action: "setOperatorSetRiskProfile",
        title: "Declare a risk profile",
        help: "The profit an attacker could make by corrupting the set (tokens, 18 decimals) and the share of its stake needed (0.5 = 50%).",
        fields: [
          { name: "operatorSetId", label: "Operator set", type: "select", options: setOpts },
          { name: "pfcLow", label: "Profit from corruption, low", type: "amount" },
          { name: "pfcHigh", label: "Profit from corruption, high", type: "amount" },
          { name: "alphaWad", label: "Threshold (0 to 1)", type: "amount", placeholder: "e.g. 0.5" },
        ],
        build: (v) => ({ type: "setOperatorSetRiskProfile", operatorSetId: needInt(v.operatorSetId, "operator set"), pfcLow: parseUnits(v.pfcLow, 18, "low"), pfcHigh: parseUnits(v.pfcHigh, 18, "high"), alphaWad: parseUnits(v.alphaWad, 18, "threshold") }),
      },
    ]);
  },
};

