// #/operator/<address>: an operator's stake, allocations (and their history), delegators, slashes.

import { h, card, table, empty, fields } from "../lib/dom.js";
import { all, batch, must } from "../lib/rpc.js";
import { chain, strategyInfo, ZERO } from "../lib/chain.js";
import { parseUnits } from "../lib/format.js";
import { num, shares, percent, addr, setLink, blockLink, txLink, futureHeight, strategyName, copyButton, page, pager } from "../lib/ui.js";
import { wallet } from "../lib/wallet.js";
import { formsCard, needAddress, needInt } from "../lib/forms.js";
import { fetchSlashes, slashTable } from "./slashes.js";

/** Every AllocationUpdated event naming the operator (oldest first), up to `max` pages. */
async function allocationEvents(a, max = 10) {
  const r = await all("restake_getEvents", [{ fromBlock: 0, address: a, type: "AllocationUpdated" }], max);
  return r.items.filter((x) => x.event.operator.toLowerCase() === a);
}

export default {
  name: "operator",
  title: () => "Operator",
  async load(ctx) {
    const a = ctx.params[0];
    const st = ctx.state;
    const [op, stakers] = await batch([
      ["restake_getOperator", [a]],
      ["restake_getOperatorStakers", [a, page(st, 25)]],
    ]);
    const operator = must(op);
    if (!operator) return { address: a, operator: null };
    const [history, slashes] = await Promise.all([allocationEvents(a), fetchSlashes({ operator: a }, { limit: 25 })]);
    return { address: a, operator, stakers: must(stakers), history, slashes };
  },
  view(d, ctx) {
    const a = d.address;
    if (!d.operator) {
      return card(null, h("p", { class: "empty" }, "This address is not a registered operator."), h("p", null, h("a", { href: `#/staker/${a}` }, "See it as an account →")));
    }
    const op = d.operator;
    const st = ctx.state;
    const summary = card(
      null,
      fields([
        ["Operator", h("span", { class: "addr-wrap" }, h("code", { class: "full" }, a), copyButton(a))],
        ["Metadata URI", op.details.metadataUri ? h("code", { class: "uri" }, op.details.metadataUri) : h("span", { class: "muted" }, "none")],
        ["Delegation approver", op.details.delegationApprover === ZERO ? h("span", { class: "muted" }, "none (anyone may delegate)") : addr(op.details.delegationApprover)],
        ["Allocation delay", op.allocationDelay === null ? h("span", { class: "muted" }, "not set yet") : [num("allocation-delay", op.allocationDelay), " blocks"]],
        ["As an account", h("a", { href: `#/staker/${a}` }, "deposits, rewards, transactions →")],
      ]),
    );
    const strategies = card(
      "Delegated stake",
      op.strategies.length
        ? table(
            ["Pool", "Delegated shares", "Max magnitude", "Not yet allocated"],
            op.strategies.map((s) => {
              const k = s.strategy.toLowerCase();
              return [strategyName(s.strategy), shares(`operator-shares:${k}`, s.operatorShares, s.strategy), percent(`max-magnitude:${k}`, s.maxMagnitude), percent(`allocatable:${k}`, s.allocatableMagnitude)];
            }),
          )
        : empty("No stake delegated."),
    );
    const pending = op.allocations.filter((x) => x.effectBlock && x.effectBlock > chain.head);
    const allocations = card(
      "Allocations",
      op.allocations.length
        ? table(
            ["Operator set", "Pool", "Magnitude now", "Slashable shares now", "Pending change"],
            op.allocations.map((x) => {
              const k = `${x.operatorSet.avs.toLowerCase()}:${x.operatorSet.id}:${x.strategy.toLowerCase()}`;
              const isPending = x.effectBlock && x.effectBlock > chain.head;
              return [
                setLink(x.operatorSet.avs, x.operatorSet.id),
                strategyName(x.strategy),
                percent(`alloc-current:${k}`, x.currentMagnitude),
                shares(`alloc-slashable:${k}`, x.slashableShares, x.strategy),
                isPending ? h("span", null, "to ", percent(`alloc-pending:${k}`, x.pendingMagnitude), " ", futureHeight(x.effectBlock, `alloc-effect:${k}`)) : h("span", { class: "muted" }, "none"),
              ];
            }),
          )
        : empty("No allocations."),
      pending.length ? h("p", { class: "hint" }, `${pending.length} pending change${pending.length > 1 ? "s" : ""}: the set can slash the new magnitude from the effect block.`) : null,
    );
    const hist = d.history.slice(-50).reverse();
    const history = card(
      "Allocation history",
      hist.length
        ? table(
            ["Block", "Transaction", "Operator set", "Pool", "New magnitude", "Takes effect"],
            hist.map((e) => {
              const ev = e.event;
              return [blockLink(e.blockNumber), txLink(e.transactionHash), setLink(ev.operatorSet.avs, ev.operatorSet.id), strategyName(ev.strategy), percent(`alloc-history:${e.blockNumber}:${e.transactionIndex}:${e.eventIndex}`, ev.magnitude), ev.effectBlock > chain.head ? futureHeight(ev.effectBlock) : blockLink(ev.effectBlock)];
            }),
          )
        : empty("No allocation changes yet."),
    );
    const delegators = card(
      "Delegators",
      d.stakers.items.length ? table(["Staker", "Delegated at"], d.stakers.items.map((x) => [addr(x.staker), blockLink(x.delegatedAt)])) : empty("Nobody is delegated."),
      pager(st, d.stakers.next, ctx.refresh),
    );
    const slashes = card("Slashes", slashTable(d.slashes.items, { none: "Never slashed." }));
    return h("div", { class: "grid" }, summary, strategies, allocations, history, delegators, slashes);
  },
  forms(ctx, d) {
    if (!d.operator || wallet.account !== ctx.params[0]) return [];
    const stratOpts = () => [...chain.strategies.values()].map((s) => [s.strategy.toLowerCase(), strategyInfo(s.strategy).symbol]);
    return formsCard("Operator actions (signed by your wallet)", ctx, [
      {
        action: "modifyAllocations",
        title: "Allocate to an operator set",
        help: "Sets the magnitude: the share of your stake in the pool that the set can slash (0.5 = 50%).",
        fields: [
          { name: "avs", label: "AVS", type: "address" },
          { name: "operatorSetId", label: "Operator set id", type: "number" },
          { name: "strategies", label: "Pool", type: "select", options: stratOpts },
          { name: "newMagnitudes", label: "New magnitude (0 to 1)", type: "amount", placeholder: "e.g. 0.5" },
        ],
        build: (v) => ({
          type: "modifyAllocations",
          params: [{ avs: needAddress(v.avs, "AVS"), operatorSetId: needInt(v.operatorSetId, "operator set id"), strategies: [v.strategies], newMagnitudes: [parseUnits(v.newMagnitudes, 18, "magnitude")] }],
        }),
      },
      {
        action: "registerForOperatorSets",
        title: "Register for operator sets",
        fields: [
          { name: "avs", label: "AVS", type: "address" },
          { name: "operatorSetIds", label: "Operator set ids (comma-separated)", type: "text", placeholder: "1" },
        ],
        build: (v) => ({ type: "registerForOperatorSets", avs: needAddress(v.avs, "AVS"), operatorSetIds: v.operatorSetIds.split(",").map((x) => needInt(x.trim(), "operator set id")) }),
      },
    ]);
  },
};

