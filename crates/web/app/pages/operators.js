// #/operators: registered operators, a page at a time, sortable within the page.

import { h, card, table, empty } from "../lib/dom.js";
import { call } from "../lib/rpc.js";
import { strategyInfo } from "../lib/chain.js";
import { num, shares, addr, blockLink, page, pager } from "../lib/ui.js";

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
    st.sort = st.sort || { key: "address", dir: 1 };
    return call("restake_getOperators", [page(st, PAGE)]);
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
          num(`stakers:${k}`, it.stakers),
          stake.length ? h("div", { class: "stack" }, stake.map((s) => shares(`operator-delegated:${k}:${s.strategy.toLowerCase()}`, s.operatorShares, s.strategy))) : h("span", { class: "muted" }, "none"),
          num(`operator-sets:${k}`, new Set(op.allocations.map((a) => a.operatorSet.avs + "#" + a.operatorSet.id)).size),
          commission(k, it.commissions || []),
          num(`operator-slashes:${k}`, it.slashes),
          blockLink(it.registeredAt),
        ];
      });
      box.replaceChildren(
        rows.length ? table([head("Operator", "address"), head("Stakers", "stakers"), head("Delegated stake", "stake"), "Operator sets allocated to", "Commission", "Slashes", "Registered at"], rows, { class: "operators" }) : empty("No operators registered."),
        pager(st, r.next, ctx.refresh),
      );
    };
    draw();
    return card(null, h("p", { class: "hint" }, "Sorting orders this page. Delegated stake sorts by all pools together at par."), box);
  },
};

/** The operator's commission per AVS it allocated to: one figure when they agree. */
function commission(k, list) {
  if (!list.length) return h("span", { class: "muted" }, "—");
  const pct = (bips) => `${bips / 100}%`;
  const same = list.every((c) => c.splitBips === list[0].splitBips);
  if (same) return num(`operator-commission:${k}`, list[0].splitBips, pct(list[0].splitBips), `${list[0].splitBips} bips on ${list.length} AVS(s)`);
  return h("div", { class: "stack" }, list.map((c) => h("span", null, num(`operator-commission:${k}:${c.avs.toLowerCase()}`, c.splitBips, pct(c.splitBips)), " ", addr(c.avs, "avs"))));
}
