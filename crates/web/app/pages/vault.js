// #/vault/<address>: a liquid restaking vault: its rate over time, assets, buffer, exits, fees
// and operator bonds.

import { h, card, table, empty, fields } from "../lib/dom.js";
import { batch, must, RpcError } from "../lib/rpc.js";
import { chain, tokenInfo } from "../lib/chain.js";
import { lineChart, withSeen } from "../lib/chart.js";
import { num, amount, tokenAmount, addr, blockLink, futureHeight, badge, copyButton } from "../lib/ui.js";
import { wallet } from "../lib/wallet.js";
import { formsCard, needInt } from "../lib/forms.js";
import { displayUnits } from "../lib/format.js";
import { vaultDepositSpec, vaultRedeemSpec } from "./staker.js";

function bps(field, v) {
  return h("span", { class: "amount" }, num(field, v, displayUnits(String(v), 2)), h("span", { class: "sym" }, "%"));
}

export default {
  name: "vault",
  title: () => "Vault",
  async load(ctx) {
    const a = ctx.params[0];
    const [v, hist] = await batch([
      ["restake_getVault", [a, wallet.account || null]],
      ["restake_getVaultRateHistory", [a, { points: 80 }]],
    ]);
    const vault = must(v);
    if (!vault) return { address: a, vault: null };
    const k = vault.address.toLowerCase();
    if (hist instanceof RpcError && !hist.missing) throw hist;
    const got = hist instanceof RpcError || !hist ? [] : hist.points.map((p) => ({ x: p.blockNumber, y: p.rate }));
    const points = withSeen("rate:" + k, got, { x: chain.head, y: vault.rate });
    const session = !got.length;
    return { address: a, vault, points, session };
  },
  dynamicTitle: (d) => (d && d.vault ? `Vault ${d.vault.symbol}` : "Vault"),
  view(d) {
    const v = d.vault;
    if (!v) return card(null, h("p", { class: "empty" }, "There is no vault at this address."), h("p", null, h("a", { href: `#/staker/${d.address}` }, "See it as an account →")));
    const lrt = tokenInfo(v.lrt);
    const b = v.books;
    const summary = card(
      null,
      fields([
        ["Vault", h("span", { class: "addr-wrap" }, h("code", { class: "full" }, v.address), copyButton(v.address))],
        ["Token", h("span", null, v.symbol, " ", addr(v.lrt))],
        ["Rate (value of one share)", amount("vault-rate", v.rate, 18, "")],
        ["Total assets (value)", amount("vault-total-assets", b.totalAssets, 18, "")],
        ["Shares issued", amount("vault-total-supply", b.totalSupply, lrt.decimals, v.symbol)],
        ["Paused", v.paused ? badge(`yes (${v.paused})`, "bad") : badge("no", "ok")],
        ["Admin / manager / pauser", h("span", { class: "stack" }, addr(v.admin), addr(v.manager), addr(v.pauser))],
      ]),
    );
    const chart = card(
      "Rate over time",
      lineChart(
        d.points,
        { decimals: 18, label: `${v.symbol} rate over block height`, fitY: true },
      ),
      d.session ? h("p", { class: "hint" }, "Since this page was opened (the node has no rate history yet).") : null,
    );
    const assets = card(
      "Assets",
      table(
        ["Token", "Price in value (rate)", "Idle", "Restaked", "Being withdrawn", "Total", "Value"],
        v.assets.map((as, i) => {
          const t = as.token.toLowerCase();
          const bk = b.assets[i] || {};
          return [
            tokenInfo(as.token).symbol,
            amount(`vault-asset-rate:${t}`, as.rateWad, 18, ""),
            tokenAmount(`vault-idle:${t}`, bk.idle ?? "0", as.token),
            tokenAmount(`vault-delegated:${t}`, bk.delegated ?? "0", as.token),
            tokenAmount(`vault-queued:${t}`, bk.queued ?? "0", as.token),
            tokenAmount(`vault-asset-total:${t}`, bk.total ?? "0", as.token),
            amount(`vault-asset-value:${t}`, bk.value ?? "0", 18, ""),
          ];
        }),
      ),
    );
    const p = v.params;
    const bufferPct = b.totalAssets !== "0" ? (BigInt(b.idleValue) * 10000n) / BigInt(b.totalAssets) : 0n;
    const buffer = card(
      "Buffer and fees",
      fields([
        ["Idle value (buffer)", h("span", null, amount("vault-buffer", b.idleValue, 18, ""), ` — ${displayUnits(bufferPct.toString(), 2)}% of the assets`)],
        ["Buffer target / floor", h("span", null, bps("vault-buffer-target-bps", p.bufferTargetBps), " / ", bps("vault-buffer-floor-bps", p.bufferFloorBps))],
        ["Performance fee", h("span", null, bps("vault-fee-bps", p.feeBps), " above the high-water mark ", amount("vault-high-water-mark", v.highWaterMark, 18, ""))],
        ["Instant redemption fee", h("span", null, bps("vault-instant-fee-min-bps", p.instantFeeMinBps), " to ", bps("vault-instant-fee-max-bps", p.instantFeeMaxBps))],
        ["Treasury", addr(p.treasury)],
        ["Redemption cooldown", h("span", null, num("vault-cooldown", p.cooldownBlocks), " blocks")],
        ["Minimum deposit (value)", amount("vault-min-deposit", p.minDepositValue, 18, "")],
        v.pendingParams ? ["Parameter change", h("span", null, "queued, applies ", futureHeight(v.pendingParams[1], "vault-params-effective"))] : null,
      ]),
    );
    const exits = card(
      "Pending exits",
      v.pendingRequests.length
        ? table(
            ["Request", "Owner", "Shares", "Token", "Requested at", "Status", "Finalizable"],
            v.pendingRequests.map((r) => [
              num(`vault-request-id:${r.id}`, r.id, "#" + r.id),
              addr(r.owner),
              amount(`vault-request-shares:${r.id}`, r.shares, lrt.decimals, v.symbol),
              tokenInfo(r.token).symbol,
              blockLink(r.requestedAt),
              badge(r.status, r.status === "finalized" ? "ok" : ""),
              r.finalizableAtBlock !== undefined && r.finalizableAtBlock !== null ? futureHeight(r.finalizableAtBlock, `vault-request-finalizable:${r.id}`) : "—",
            ]),
          )
        : empty("No pending exits."),
    );
    const bonds = card(
      "Operators and bonds",
      v.delegators.length
        ? table(
            ["Operator", "Node delegator", "Weight", "Value restaked", "Bond", "Bond unlocking", "In place"],
            v.delegators.map((x, i) => {
              const o = x.operator.toLowerCase();
              return [
                addr(o, "operator"),
                addr(x.account),
                bps(`vault-weight-bps:${o}`, x.weightBps),
                amount(`vault-delegator-value:${o}`, b.delegatorValues[i] ?? "0", 18, ""),
                amount(`vault-bond:${o}`, x.bond, lrt.decimals, v.symbol),
                x.bondUnlocking !== "0" ? h("span", null, amount(`vault-bond-unlocking:${o}`, x.bondUnlocking, lrt.decimals, v.symbol), " ", futureHeight(x.unlockAt)) : h("span", { class: "muted" }, "—"),
                v.delegatorsInPlace[i] ? badge("yes", "ok") : badge("no", "warn"),
              ];
            }),
          )
        : empty("No operators yet."),
    );
    const hd = v.holder;
    const mine =
      hd && wallet.account
        ? card(
            "Your position",
            fields([
              ["Shares", amount("vault-holder-shares", hd.shares, lrt.decimals, v.symbol)],
              ["Value", amount("vault-holder-value", hd.value, 18, "")],
            ]),
            hd.requests.length ? table(["Request", "Shares", "Token", "Status", "Payout"], hd.requests.map((r) => [`#${r.id}`, amount(`vault-holder-request:${r.id}`, r.shares, lrt.decimals, v.symbol), tokenInfo(r.token).symbol, badge(r.status, r.status === "finalized" ? "ok" : ""), r.payout !== "0" ? tokenAmount(`vault-holder-payout:${r.id}`, r.payout, r.token) : "—"])) : null,
          )
        : null;
    return h("div", { class: "grid" }, summary, chart, assets, buffer, exits, bonds, mine);
  },
  forms(ctx, d) {
    if (!d.vault || !wallet.account) return [];
    const va = d.vault.address.toLowerCase();
    const hidden = { name: "vault", type: "hidden", value: va };
    const assetOpts = (dd) => dd.vault.assets.map((a) => [a.token.toLowerCase(), tokenInfo(a.token).symbol]);
    return formsCard("Vault actions (signed by your wallet)", ctx, [
      vaultDepositSpec(hidden, assetOpts),
      vaultRedeemSpec(hidden, assetOpts),
      {
        action: "claimRedeem",
        title: "Claim a redemption",
        fields: [
          hidden,
          { name: "requestId", label: "Request", type: "select", options: (dd) => (dd.vault.holder ? dd.vault.holder.requests.map((r) => [String(r.id), `#${r.id} (${r.status})`]) : []) },
        ],
        build: (v) => ({ type: "claimRedeem", vault: v.vault, requestId: needInt(v.requestId, "request") }),
      },
      {
        action: "finalizeRedeemRequests",
        title: "Finalize requests",
        help: "Anyone may finalize the requests past their cooldown, oldest first.",
        fields: [
          hidden,
          { name: "maxRequests", label: "At most", type: "number", value: "10" },
        ],
        build: (v) => ({ type: "finalizeRedeemRequests", vault: v.vault, maxRequests: needInt(v.maxRequests, "at most") }),
      },
    ]);
  },
};
