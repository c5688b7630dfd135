// #/operators: registered operators, a page at a time, sortable within the page.

import { h, card, table, empty } from "../lib/dom.js";
import { call } from "../lib/rpc.js";
import { strategyInfo } from "../lib/chain.js";
import { num, shares, addr, blockLink } from "../lib/ui.js";

const PAGE = 25;

/** Delegated stake over all pools at par, in 18-decimal units (the sort key). */
function stakeKey(op) {
  let t = 0n;
  for (const s of op.strategies) {
    const dec = strategyInfo(s.strategy).decimals;
    t += dec <= 18 ? BigInt(s.operatorShares) * 10n ** BigInt(18 - dec) : BigInt(s.operatorShares) / 10n ** BigInt(dec - 18);
  }
  return t;
}

export default {
  name: "operators",
  title: () => "Operators",
  async load(ctx) {
    const st = ctx.state;
    st.cursors = st.cursors || [null];
    st.index = st.index || 0;
    st.sort = st.sort || { key: "address", dir: 1 };
    const cursor = st.cursors[st.index];
    return call("restake_getOperators", [cursor ? { cursor, limit: PAGE } : { limit: PAGE }]);
  },
  view(r, ctx) {
    const st = ctx.state;
    const box = h("div");
    const keys = {
      address: (it) => it.operator.operator.toLowerCase(),
      stakers: (it) => BigInt(it.stakers),
      stake: (it) => stakeKey(it.operator),
    };
    const draw = () => {
      const items = [...r.items];
      const f = keys[st.sort.key];
      items.sort((a, b) => {
        const x = f(a);
        const y = f(b);
        return (x < y ? -1 : x > y ? 1 : 0) * st.sort.dir;
      });
      const head = (label, key) =>
        h(
          "button",
          {
            type: "button",
            class: ["sort", st.sort.key === key && "on"],
            "data-sort": key,
            onclick: () => {
              st.sort = { key, dir: st.sort.key === key ? -st.sort.dir : key === "address" ? 1 : -1 };
              draw();
            },
          },
          label + (st.sort.key === key ? (st.sort.dir > 0 ? " ▲" : " ▼") : ""),
        );
      const rows = items.map((it) => {
        const op = it.operator;
        const k = op.operator.toLowerCase();
        const stake = op.strategies.filter((s) => s.operatorShares !== "0");
        return [
          addr(k, "operator"),
          num(`operator-stakers:${k}`, it.stakers),
          stake.length ? h("div", { class: "stack" }, stake.map((s) => shares(`operator-delegated:${k}:${s.strategy.toLowerCase()}`, s.operatorShares, s.strategy))) : h("span", { class: "muted" }, "none"),
          h("span", { class: "num", "data-field": `operator-sets:${k}`, "data-raw": String(new Set(op.allocations.map((a) => a.operatorSet.avs + "#" + a.operatorSet.id)).size) }, String(new Set(op.allocations.map((a) => a.operatorSet.avs + "#" + a.operatorSet.id)).size)),
          blockLink(it.registeredAt),
        ];
      });
      box.replaceChildren(
        rows.length ? table([head("Operator", "address"), head("Stakers", "stakers"), head("Delegated stake", "stake"), "Operator sets allocated to", "Registered at"], rows, { class: "operators" }) : empty("No operators registered."),
        h(
          "div",
          { class: "pager" },
          h("button", { type: "button", disabled: st.index === 0, onclick: () => ((st.index = 0), ctx.refresh()) }, "First page"),
          h("span", { class: "muted" }, `page ${st.index + 1}`),
          h("button", { type: "button", disabled: !r.next, onclick: () => ((st.cursors[st.index + 1] = r.next), st.index++, ctx.refresh()) }, "Next page"),
        ),
      );
    };
    draw();
    return card(null, h("p", { class: "hint" }, "Sorting orders this page. Delegated stake sorts by all pools together at par."), box);
  },
};
