// #/withdrawals: the global withdrawal queue, newest first.

import { h, card, table, empty } from "../lib/dom.js";
import { call, RpcError } from "../lib/rpc.js";
import { chain } from "../lib/chain.js";
import { addr, shares, blockLink, hash, futureHeight, strategyName, badge, num, page, pager } from "../lib/ui.js";

const PAGE = 50;

export default {
  name: "withdrawals",
  title: () => "Withdrawals",
  mount(ctx) {
    const st = ctx.state;
    st.status = st.status || "";
    const select = h("select", { name: "status", "aria-label": "Status" }, h("option", { value: "" }, "all"), h("option", { value: "queued" }, "queued"), h("option", { value: "completed" }, "completed"));
    select.value = st.status;
    select.addEventListener("change", () => {
      st.status = select.value;
      st.cursors = [null];
      st.index = 0;
      ctx.refresh();
    });
    ctx.section.insertBefore(h("div", { class: "toolbar" }, h("label", null, "Show ", select)), ctx.section.children[1]);
  },
  async load(ctx) {
    const st = ctx.state;
    const q = st.status ? { status: st.status } : {};
    try {
      return await call("restake_getWithdrawals", [q, page(st, PAGE)]);
    } catch (e) {
      if (e instanceof RpcError && e.missing) return { missing: true, items: [], next: null };
      throw e;
    }
  },
  view(r, ctx) {
    const st = ctx.state;
    if (r.missing) return card(null, empty("This node does not serve the withdrawal queue yet (restake_getWithdrawals)."));
    const rows = [];
    for (const w of r.items) {
      const root = w.withdrawalRoot.toLowerCase();
      w.strategies.forEach((s, i) => {
        const k = `${root}:${s.strategy.toLowerCase()}`;
        rows.push([
          i ? "" : hash(root),
          i ? "" : addr(w.staker),
          i ? "" : w.delegatedTo && !/^0x0+$/.test(w.delegatedTo) ? addr(w.delegatedTo, "operator") : h("span", { class: "muted" }, "none"),
          i ? "" : blockLink(w.startBlock),
          i ? "" : w.status === "completed" ? h("span", null, badge("completed", ""), " at ", w.completedAt !== null ? blockLink(w.completedAt, `withdrawal-completed:${root}`) : "—") : w.completableAt <= chain.head ? h("span", null, badge("completable now", "ok"), " ", num(`withdrawal-completable:${root}`, w.completableAt)) : futureHeight(w.completableAt, `withdrawal-completable:${root}`),
          strategyName(s.strategy),
          shares(`withdrawal-queued:${k}`, s.sharesAtQueue, s.strategy),
          s.payout === null ? h("span", { class: "muted" }, "paid") : shares(`payout:${k}`, s.payout, s.strategy),
        ]);
      });
    }
    return card(
      null,
      rows.length ? table(["Withdrawal", "Staker", "Operator", "Queued at", "Status", "Pool", "Shares queued", "Pays now (after slashes)"], rows) : empty("No withdrawals."),
      pager(st, r.next, ctx.refresh),
    );
  },
};
