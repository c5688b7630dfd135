// #/operator-set/<avs>/<id>: one operator set: pools, operators, slashable stake, slashing
// settings, risk profile and the live risk report.

import { h, card, table, empty, fields } from "../lib/dom.js";
import { call, batch, must, subscribe, RpcError } from "../lib/rpc.js";
import { chain } from "../lib/chain.js";
import { fraction, fractionNumber, displayUnits } from "../lib/format.js";
import { barLineChart } from "../lib/chart.js";
import { num, amount, shares, percent, addr, strategyName, badge, futureHeight } from "../lib/ui.js";
import { fetchSlashes, slashTable } from "./slashes.js";

let unsub = null;

export default {
  name: "operator-set",
  title: (p) => `Operator set #${p[1]}`,
  mount(ctx) {
    if (unsub) unsub();
    unsub = subscribe("restake_subscribeRiskReport", [null, null], (item) => {
      ctx.state.report = item;
      if (ctx.live()) ctx.refresh();
    });
  },
  unmount() {
    if (unsub) unsub();
    unsub = null;
  },
  async load(ctx) {
    const [avs, idText] = ctx.params;
    const id = Number(idText);
    const set = await call("restake_getOperatorSet", [avs, id]);
    if (!set) return { avs, id, set: null };
    const pairs = [];
    for (const m of set.members) for (const s of set.strategies) pairs.push([m, s]);
    const [allocs, slashes] = await Promise.all([batch(pairs.slice(0, 1000).map(([m, s]) => ["restake_getAllocation", [m, avs, id, s]])), fetchSlashes({ avs, operatorSetId: id }, { limit: 25 })]);
    if (!ctx.state.report) {
      try {
        ctx.state.report = await call("restake_getRiskReport", [null, null]);
      } catch (e) {
        ctx.state.report = { error: e instanceof RpcError ? e.text : String(e) };
      }
    }
    return { avs, id, set, pairs, allocs: allocs.map(must), slashes, report: ctx.state.report };
  },
  view(d) {
    if (!d.set) return card(null, h("p", { class: "empty" }, `The AVS ${d.avs} has no operator set ${d.id}.`), h("p", null, h("a", { href: `#/avs/${d.avs}` }, "The AVS →")));
    const s = d.set;
    const totals = new Map(s.strategies.map((x) => [x.toLowerCase(), 0n]));
    d.pairs.forEach(([, st], i) => {
      const a = d.allocs[i];
      if (a) totals.set(st.toLowerCase(), (totals.get(st.toLowerCase()) || 0n) + BigInt(a.slashableShares));
    });
    const change = s.slasherChange && s.slasherChange.effectBlock ? s.slasherChange : null;
    const summary = card(
      null,
      fields([
        ["AVS", addr(d.avs, "avs")],
        ["Set id", num("set-id", s.operatorSetId)],
        ["Slasher", addr(s.slasher, "staker", "slasher")],
        change ? ["Slasher change", h("span", null, addr(change.pendingSlasher), " from ", futureHeight(change.effectBlock, "slasher-change"))] : null,
        ["Slashed funds go to", s.redistributionRecipient ? addr(s.redistributionRecipient, "staker", "redistribution-recipient") : h("span", { class: "muted", "data-field": "redistribution-recipient", "data-raw": "" }, "burnt")],
        ["Registration", s.registrationPolicy],
        ["Equivocation rule", s.equivocationWadToSlash ? percent("equivocation-wad", s.equivocationWadToSlash) : h("span", { class: "muted" }, "none")],
        ["Slashes so far", num("set-slash-count", s.slashCount)],
      ]),
    );
    const stake = card(
      "Slashable stake",
      s.strategies.length
        ? table(
            ["Pool", "Total slashable now"],
            s.strategies.map((x) => [strategyName(x), shares(`set-slashable:${x.toLowerCase()}`, (totals.get(x.toLowerCase()) || 0n).toString(), x)]),
          )
        : empty("The set slashes no pool."),
    );
    const members = card(
      "Operators",
      s.members.length
        ? table(
            ["Operator", "Pool", "Magnitude", "Pending", "Slashable shares", "Slashable"],
            d.pairs.map(([m, st], i) => {
              const a = d.allocs[i];
              const k = `${m.toLowerCase()}:${st.toLowerCase()}`;
              if (!a) return [addr(m, "operator"), strategyName(st), "—", "—", "—", "—"];
              return [
                addr(m, "operator"),
                strategyName(st),
                percent(`member-magnitude:${k}`, a.currentMagnitude),
                a.effectBlock && a.effectBlock > chain.head ? h("span", null, a.pendingDiff.startsWith("-") ? "" : "+", percent(`member-pending:${k}`, a.pendingDiff), " ", futureHeight(a.effectBlock)) : h("span", { class: "muted" }, "—"),
                shares(`member-slashable:${k}`, a.slashableShares, st),
                a.isSlashable ? badge("yes", "ok") : badge("no", ""),
              ];
            }),
          )
        : empty("No operator has registered for this set."),
      s.members.length && !s.strategies.length ? h("p", { class: "hint" }, "Operators: ", s.members.map((m) => addr(m, "operator"))) : null,
    );
    const slashes = card("Slashes", slashTable(d.slashes.items, { none: "Nobody slashed in this set." }));
    return h("div", { class: "grid" }, summary, stake, members, riskCard(d), slashes);
  },
};

function riskCard(d) {
  const r = d.report;
  if (!r) return card("Risk", empty("No risk report yet."));
  if (r.error) return card("Risk", h("p", { class: "error" }, "The node could not report: " + r.error));
  const setId = `${d.avs}#${d.id}`;
  const svc = (r.graph.services || []).find((x) => x.id.toLowerCase() === setId);
  const an = (r.report.services || []).find((x) => x.id.toLowerCase() === setId);
  const avsRow = (r.avs || []).find((x) => x.avs.toLowerCase() === d.avs);
  const verdict = r.report.secure === true ? badge("secure", "ok") : r.report.secure === false ? badge("insecure: an attack pays", "bad") : badge("unknown", "warn");
  const unit = "stake units (tokens at par)";
  const profile = svc
    ? fields([
        ["Profit from corruption", h("span", null, fracAmount("risk:pfc-low", svc.pfcLow), " to ", fracAmount("risk:pfc-high", svc.pfc), " ", h("span", { class: "muted" }, unit))],
        ["Threshold", h("span", null, frac("risk:alpha", svc.alpha), " of the set's stake")],
        an ? ["Cost of corruption", h("span", null, fracAmount("risk:cost", an.costOfCorruption), an.naiveSecure ? " (covers the profit on its own)" : " (below the profit)")] : null,
        an ? ["Slack of this set", frac("risk:slack", an.slack)] : null,
      ])
    : h("p", { class: "hint" }, "The AVS declared no risk profile for this set (setOperatorSetRiskProfile), so the report leaves it out.");
  const losses = r.losses || [];
  const plot = losses.length
    ? barLineChart(
        losses.map((l) => "shock " + pct(l.psi)),
        losses.map((l) => fractionNumber(l.worstCaseLoss || "0")),
        losses.map((l) => fractionNumber(l.psi)),
        ["worst-case loss after the cascade", "the shock alone"],
      )
    : null;
  const wc = r.report.worstCase;
  const cascade = r.cascade ? cascadeView(r) : null;
  return card(
    "Risk",
    h("h3", null, "Risk profile"),
    profile,
    h("h3", null, `Risk report at block ${r.block}`),
    fields([
      ["Verdict", h("span", { "data-field": "risk:secure", "data-raw": String(r.report.secure) }, verdict)],
      ["γ* (slack of the whole graph)", frac("risk:gamma-star", r.report.gammaStar, r.report.exact ? "none: no coalition gains from an attack" : "not known exactly")],
      avsRow ? ["Least slack of this AVS's sets", frac("risk:avs-slack", avsRow.slack)] : null,
      ["Most an attack gains", fracAmount("risk:max-attack-profit", r.report.maxAttackProfit)],
      ["Method", `${r.report.method}${r.report.exact ? " (exact)" : " (bounds)"}`],
    ]),
    h("h3", null, "Cascade: worst-case loss after a shock"),
    plot,
    table(
      ["Shock (share of all stake)", "Worst-case loss", "Exact"],
      losses.map((l) => [pct(l.psi), num(`risk:loss:${l.psi}`, l.worstCaseLoss ?? "", pct(l.worstCaseLoss)), l.exact ? "yes" : "bound"]),
    ),
    wc ? h("p", { class: "hint" }, worstPath(wc)) : null,
    cascade,
    r.stakeValuation ? h("p", { class: "hint" }, r.stakeValuation) : null,
  );
}

/** The cascade simulated after the largest node is lost: stake lost and services fallen, round
 * by round (cumulative shares of all stake and of all services), then the rounds in words. */
function cascadeView(r) {
  const c = r.cascade;
  const stakeOf = new Map((r.graph.validators || []).map((v) => [v.id, BigInt(v.stake)]));
  const total = [...stakeOf.values()].reduce((a, b) => a + b, 0n) || 1n;
  const services = (r.graph.services || []).length || 1;
  const steps = [{ label: "shock", nodes: c.shock, fallen: [] }, ...c.rounds.map((x, i) => ({ label: `round ${i + 1}`, nodes: x.validators, fallen: x.services }))];
  let lost = 0n;
  let fallen = 0;
  const bars = [];
  const line = [];
  for (const st of steps) {
    for (const n of st.nodes) lost += stakeOf.get(n) || 0n;
    fallen += st.fallen.length;
    // Parts per million of all stake, for the plot only; the exact total is shown beside it.
    bars.push(Number((lost * 1000000n) / total) / 1000000);
    line.push(fallen / services);
  }
  return h(
    "div",
    { class: "cascade" },
    h("h3", null, "Cascade after the largest node is lost"),
    barLineChart(steps.map((x) => x.label), bars, line, ["stake lost (share of all stake)", "services fallen (share of all)"]),
    fields([
      ["Shock", h("span", null, c.shock.length, " node(s): ", c.shock.join(", "))],
      ["Rounds", num("risk:cascade-rounds", c.rounds.length)],
      ["Services fallen", c.fallen.length ? c.fallen.join(", ") : "none"],
      ["Stake lost in all", frac("risk:cascade-loss", c.totalLoss)],
    ]),
  );
}

/** A "p/q" fraction as a decimal (data-raw the fraction; empty and "unknown" when null). */
function frac(field, pq, none = "unknown") {
  return num(field, pq ?? "", pq === null || pq === undefined ? none : fraction(pq), String(pq));
}

/** The worst case after the report's shock, in words. */
function worstPath(wc) {
  const n = (k, w) => `${k} ${w}${k === 1 ? "" : "s"}`;
  const shock = wc.shock && wc.shock.length ? `removing ${n(wc.shock.length, "allocation")}` : "no allocation removed";
  const attack = wc.attack && wc.attack.services.length ? `then an attack on ${n(wc.attack.services.length, "set")} by ${n(wc.attack.validators.length, "allocation")} pays` : "and no attack pays afterwards";
  return `Worst case for a 1% shock: ${shock}, ${attack}; ${pct(wc.worstCaseLoss)} of all stake lost.`;
}

/** A "p/q" amount of stake units (18 decimals), floored; data-raw keeps the fraction. */
function fracAmount(field, pq) {
  if (pq === null || pq === undefined) return h("span", { class: "muted" }, "—");
  const [p, q = "1"] = String(pq).split("/");
  let v;
  try {
    v = (BigInt(p) / BigInt(q)).toString();
  } catch {
    return h("span", null, String(pq));
  }
  const el = amount(field, v, 18, "");
  el.firstChild.setAttribute("data-raw", String(pq));
  return el;
}

/** A "p/q" share as percent text. */
function pct(pq) {
  if (pq === null || pq === undefined) return "unknown";
  const [p, q = "1"] = String(pq).split("/");
  try {
    const v = (BigInt(p) * 10n ** 20n) / BigInt(q);
    return displayUnits(v.toString(), 18) + "%";
  } catch {
    return String(pq);
  }
}

