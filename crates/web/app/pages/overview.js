// #/: the chain at a glance.

import { h, card, table, empty, fields } from "../lib/dom.js";
import { batch, call, must, RpcError } from "../lib/rpc.js";
import { chain, strategyInfo } from "../lib/chain.js";
import { utc, ago } from "../lib/format.js";
import { lineChart, withSeen } from "../lib/chart.js";
import { num, amount, shares, addr, blockLink, plainAddr, badge } from "../lib/ui.js";
import { fetchSlashes, slashTable } from "./slashes.js";

export default {
  name: "overview",
  title: () => "Overview",
  async load() {
    const head = chain.head;
    const strategies = [...chain.strategies.values()];
    const held = strategies.filter((s) => s.balance !== "0" || s.totalShares !== "0");
    const heights = [];
    for (let i = 0; i < 10 && head - i >= 0; i++) heights.push(head - i);
    const calls = [
      ["restake_getValidators", ["latest"]],
      ["restake_getCertificate", ["latest"]],
      ...heights.map((x) => ["restake_getBlock", [x]]),
      ...held.map((s) => ["restake_getTvlHistory", [s.strategy, { points: 80 }]]),
    ];
    const [res, totals, avss, slashes] = await Promise.all([
      batch(calls),
      call("restake_getTotals"),
      call("restake_getAvsList", [{ limit: 20 }]),
      fetchSlashes({}, { limit: 5 }),
    ]);
    const validators = must(res[0]);
    const certificate = res[1] instanceof RpcError ? null : res[1];
    const blocks = res.slice(2, 2 + heights.length).map(must).filter(Boolean);
    const hist = res.slice(2 + heights.length);
    const history = new Map();
    held.forEach((s, i) => {
      const k = s.strategy.toLowerCase();
      const r = hist[i];
      if (r instanceof RpcError && !r.missing) throw r;
      const points = r instanceof RpcError ? [] : r.points.map((p) => ({ x: p.blockNumber, y: p.tvl }));
      history.set(k, { points: withSeen("tvl:" + k, points, { x: head, y: s.balance }), session: !points.length });
    });
    return { head, strategies, blocks, totals, avss, slashes, validators, certificate, history };
  },
  view(d) {
    const last = d.blocks[0];
    // Counts and delegated shares per strategy: restake_getTotals, from the node's index.
    const t = d.totals;
    const delegated = new Map(t.delegatedShares.map((x) => [x.strategy.toLowerCase(), x.shares]));

    const status = card(
      "Chain",
      h(
        "div",
        { class: "stats" },
        stat("Height", blockLink(d.head, "height")),
        stat("Last block", last ? h("span", { title: utc(last.header.timestamp) }, num("block-time", last.header.timestamp, ago(last.header.timestamp), utc(last.header.timestamp))) : "—"),
        stat("Operators", num("total:operators", t.operators)),
        stat("Stakers", num("total:stakers", t.stakers)),
        stat("Delegated stakers", num("total:delegated-stakers", t.delegatedStakers)),
        stat("AVSs", num("total:avss", t.avss)),
        stat("Operator sets", num("total:operator-sets", t.operatorSets)),
        stat("Slashes", num("total:slashes", t.slashes)),
        stat("Withdrawals pending", num("total:withdrawals-pending", t.withdrawalsPending)),
      ),
    );

    const tvlRows = d.strategies.map((s) => {
      const k = s.strategy.toLowerCase();
      const t = strategyInfo(s.strategy);
      return [
        h("span", { title: s.strategy }, t.symbol),
        amount(`tvl:${k}`, s.balance, t.decimals, t.symbol),
        shares(`delegated:${k}`, delegated.get(k) || "0", s.strategy),
        shares(`shares:${k}`, s.totalShares, s.strategy),
      ];
    });
    const charts = d.strategies
      .filter((s) => d.history.has(s.strategy.toLowerCase()))
      .map((s) => {
        const hist = d.history.get(s.strategy.toLowerCase());
        const t = strategyInfo(s.strategy);
        const pts = hist.points;
        return h(
          "div",
          { class: "chart-card" },
          h("h3", null, `${t.symbol} TVL`),
          lineChart(pts, { decimals: t.decimals, symbol: t.symbol, label: `${t.symbol} TVL over block height`, maxWidth: 460 }),
          hist.session ? h("small", { class: "hint" }, "since this page was opened") : null,
        );
      });
    const tvl = card(
      "Total value locked",
      table(["Token", "TVL (tokens held)", "Delegated shares", "Total shares"], tvlRows),
      charts.length ? h("div", { class: "chart-grid" }, charts) : empty("No deposits yet."),
    );

    const blocks = card(
      "Recent blocks",
      table(
        ["Height", "Time", "Transactions", "Proposer"],
        d.blocks.map((b) => [
          blockLink(b.header.height),
          h("span", { title: utc(b.header.timestamp) }, ago(b.header.timestamp)),
          num(`block-txs:${b.header.height}`, b.transactionHashes.length),
          plainAddr(b.header.proposer),
        ]),
      ),
    );

    const avsRows = d.avss.items.slice(0, 20).map((a) => [addr(a.avs, "avs"), num(`avs-sets:${a.avs.toLowerCase()}`, a.operatorSets), blockLink(a.firstSeenAt)]);
    const avs = card("AVSs", avsRows.length ? table(["AVS", "Operator sets", "First seen"], avsRows) : empty("No AVS yet."), t.avss > avsRows.length ? h("p", { class: "hint" }, `and ${t.avss - avsRows.length} more`) : null);

    const vaults = [...chain.vaults.values()];
    const vaultCard = vaults.length
      ? card(
          "Vaults",
          table(
            ["Vault", "Token", "Rate", "Total assets"],
            vaults.map((v) => {
              const k = v.vault.toLowerCase();
              return [h("a", { href: `#/vault/${k}`, title: k }, v.symbol), addr(v.lrt), amount(`vault-rate:${k}`, v.rate, 18, ""), amount(`vault-assets:${k}`, v.totalAssets, 18, "")];
            }),
          ),
        )
      : null;

    const slashes = card("Recent slashes", slashTable(d.slashes.items, { none: "No slashes yet." }), h("p", null, h("a", { href: "#/slashes" }, "All slashes →")));

    let vals = null;
    const vs = d.validators ? d.validators.validators : [];
    if (vs.length > 1) {
      const signed = new Set(d.certificate ? d.certificate.signatures.map((x) => x.validator.toLowerCase()) : []);
      vals = card(
        "Validators",
        fields([
          ["Validators", num("total:validators", vs.length)],
          ["Voting power", num("total:voting-power", d.validators.totalPower)],
          ["Last certificate", d.certificate ? h("span", null, "height ", blockLink(d.certificate.height, "certificate-height"), `, round ${d.certificate.round}, `, num("certificate-signers", d.certificate.signatures.length), " signatures") : "none"],
        ]),
        table(
          ["Validator", "Power", "Operator", "Signed last certificate"],
          vs.map((v) => [plainAddr(v.address), num(`validator-power:${v.address.toLowerCase()}`, v.power), v.operator ? addr(v.operator, "operator") : "—", signed.has(v.address.toLowerCase()) ? badge("yes", "ok") : badge("no", "warn")]),
        ),
      );
    }
    return h("div", { class: "grid" }, status, tvl, vals, slashes, blocks, avs, vaultCard);
  },
};

function stat(label, value) {
  return h("div", { class: "stat" }, h("div", { class: "stat-label" }, label), h("div", { class: "stat-value" }, value));
}

