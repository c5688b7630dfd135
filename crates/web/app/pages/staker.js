// #/staker/<address>: everything one account holds, and (for the connected wallet) its actions.

import { h, card, table, empty, fields } from "../lib/dom.js";
import { batch, must, RpcError } from "../lib/rpc.js";
import { chain, strategyInfo, tokenInfo, ZERO } from "../lib/chain.js";
import { parseUnits, displayUnits, shortHash } from "../lib/format.js";
import { num, amount, shares, tokenAmount, percent, addr, setLink, blockLink, txLink, hash, futureHeight, strategyName, badge, copyButton } from "../lib/ui.js";
import { wallet } from "../lib/wallet.js";
import { formsCard, needAddress, needInt } from "../lib/forms.js";

export default {
  name: "staker",
  title: () => "Account",
  async load(ctx) {
    const a = ctx.params[0];
    const tokens = [...chain.tokens.values()];
    const vaults = [...chain.vaults.values()];
    const calls = [
      ["restake_getStaker", [a]],
      ["restake_getOperator", [a]],
      ["restake_getPod", [a]],
      ["restake_getRewards", [a]],
      ["restake_getTransactionsByAddress", [a, { limit: 25 }]],
      ["restake_getOperatorSets", [a, { limit: 1 }]],
      ...tokens.map((t) => ["restake_getTokenBalance", [t.token, a]]),
      ...vaults.map((v) => ["restake_getVault", [v.vault, a]]),
    ];
    const r = await batch(calls);
    const d = {
      address: a,
      staker: must(r[0]),
      operator: must(r[1]),
      pod: must(r[2]),
      rewards: must(r[3]),
      txs: must(r[4]),
      isAvs: !(r[5] instanceof RpcError) && r[5].items.length > 0,
      balances: tokens.map((t, i) => ({ token: t.token, balance: must(r[6 + i]) })),
      vaults: vaults.map((v, i) => must(r[6 + tokens.length + i])).filter(Boolean),
    };
    const receipts = await batch(d.txs.items.map((t) => ["restake_getTransactionReceipt", [t.transactionHash]]));
    d.receipts = receipts.map((x) => (x instanceof RpcError ? null : x));
    return d;
  },
  view(d) {
    const a = d.address;
    const s = d.staker;
    const roles = [];
    if (d.operator) roles.push(h("a", { href: `#/operator/${a}` }, "Operator page →"));
    if (d.isAvs) roles.push(h("a", { href: `#/avs/${a}` }, "AVS page →"));
    const summary = card(
      null,
      fields([
        ["Address", h("span", { class: "addr-wrap" }, h("code", { class: "full" }, a), copyButton(a))],
        ["Delegated to", s.delegatedTo ? addr(s.delegatedTo, "operator", "delegated-to") : h("span", { class: "muted", "data-field": "delegated-to", "data-raw": "" }, "nobody")],
        wallet.account === a ? ["Wallet", badge("connected", "ok")] : null,
        roles.length ? ["Also", h("span", { class: "links" }, roles)] : null,
      ]),
    );

    const positions = card(
      "Deposits",
      s.positions.length
        ? table(
            ["Pool", "Deposit shares", "Withdrawable shares (after slashing)"],
            s.positions.map((p) => {
              const k = p.strategy.toLowerCase();
              return [strategyName(p.strategy), shares(`deposit:${k}`, p.depositShares, p.strategy), shares(`withdrawable:${k}`, p.withdrawableShares, p.strategy)];
            }),
          )
        : empty("No deposits."),
    );

    const exposures = card(
      "Slashable now",
      s.exposures.length
        ? table(
            ["Operator set", "Pool", "Allocated magnitude", "Pending", "Slashable shares"],
            s.exposures.map((x) => {
              const k = `${x.operatorSet.avs.toLowerCase()}:${x.operatorSet.id}:${x.strategy.toLowerCase()}`;
              return [
                setLink(x.operatorSet.avs, x.operatorSet.id),
                strategyName(x.strategy),
                percent(`exposure-magnitude:${k}`, x.allocatedFraction),
                x.pendingEffectBlock ? h("span", null, percent(`exposure-pending:${k}`, x.pendingFraction), " ", futureHeight(x.pendingEffectBlock, `exposure-effect:${k}`)) : h("span", { class: "muted" }, "—"),
                shares(`slashable:${k}`, x.slashableShares, x.strategy),
              ];
            }),
          )
        : empty(s.delegatedTo ? "Nothing: the operator has allocated none of this stake to an operator set." : "Nothing: the account is not delegated."),
    );

    const queued = card(
      "Queued withdrawals",
      s.queuedWithdrawals.length
        ? table(
            ["Withdrawal", "Queued at", "Completable", "Pool", "Queued shares", "Pays now (after slashes)"],
            s.queuedWithdrawals.flatMap((q) => {
              const root = q.withdrawalRoot.toLowerCase();
              return q.withdrawal.strategies.map((st, i) => {
                const k = `${root}:${st.toLowerCase()}`;
                return [
                  i ? "" : hash(root),
                  i ? "" : blockLink(q.withdrawal.startBlock),
                  i ? "" : q.completableAtBlock <= chain.head ? h("span", null, badge("completable now", "ok"), " ", num(`withdrawal-completable:${root}`, q.completableAtBlock)) : futureHeight(q.completableAtBlock, `withdrawal-completable:${root}`),
                  strategyName(st),
                  shares(`withdrawal-shares:${k}`, q.withdrawal.scaledShares[i], st),
                  shares(`payout:${k}`, q.shares[i], st),
                ];
              });
            }),
          )
        : empty("None."),
      h("p", { class: "hint" }, h("a", { href: "#/withdrawals" }, "The withdrawal queue, completed ones included →")),
    );

    const p = d.pod;
    const pod = p
      ? card(
          "Native restaking pod",
          fields([
            ["Pod", addr(p.address, "staker", "pod")],
            ["ETH deposit shares", amount("pod:deposit", p.depositShares, 18, "ETH")],
            ["ETH withdrawable shares", amount("pod:withdrawable", p.withdrawableShares, 18, "ETH")],
            ["Beacon-chain slashing factor", percent("pod:slashing-factor", p.beaconChainSlashingFactor)],
            ["Active validators", num("pod:active-validators", p.activeValidatorCount)],
          ]),
          p.validators.length
            ? table(
                ["Validator index", "Pubkey hash", "Restaked balance", "Last checkpoint", "Status"],
                p.validators.map((v) => [num(`pod-validator:${v.validatorIndex}`, v.validatorIndex), hash(v.pubkeyHash), amount(`pod-validator-balance:${v.validatorIndex}`, String(v.restakedBalanceGwei), 9, "ETH"), v.lastCheckpointedAt ? String(v.lastCheckpointedAt) : "—", badge(v.status, v.status === "active" ? "ok" : "")]),
              )
            : empty("No validators proven yet."),
        )
      : null;

    const rw = d.rewards;
    const rewards = card(
      "Rewards",
      rw.claimable.length ? table(["Token", "Claimable now"], rw.claimable.map((c) => [tokenInfo(c.token).symbol, tokenAmount(`claimable:${c.token.toLowerCase()}`, c.amount, c.token)])) : empty("Nothing to claim."),
      rw.recipient && rw.recipient.toLowerCase() !== a ? h("p", null, "Claims go to ", addr(rw.recipient)) : null,
      h("p", { class: "hint" }, "Rewards epoch in progress: ", num("rewards-epoch", rw.epoch)),
    );

    const held = d.vaults.filter((v) => v.holder && (v.holder.shares !== "0" || v.holder.requests.length));
    const vaults = held.length
      ? card(
          "Vault positions",
          table(
            ["Vault", "Shares", "Value", "Redeem requests"],
            held.map((v) => {
              const k = v.address.toLowerCase();
              const lrt = tokenInfo(v.lrt);
              return [
                h("a", { href: `#/vault/${k}` }, v.symbol),
                amount(`vault-shares:${k}`, v.holder.shares, lrt.decimals, v.symbol),
                amount(`vault-value:${k}`, v.holder.value, 18, ""),
                v.holder.requests.length ? h("ul", { class: "plain" }, v.holder.requests.map((q) => h("li", null, `#${q.id} `, amount(`vault-request:${k}:${q.id}`, q.shares, lrt.decimals, v.symbol), " → ", tokenInfo(q.token).symbol, " ", badge(q.status, q.status === "finalized" ? "ok" : "")))) : "—",
              ];
            }),
          ),
        )
      : null;

    const bal = d.balances.filter((b) => b.balance !== "0").sort((x, y) => (tokenInfo(x.token).symbol < tokenInfo(y.token).symbol ? -1 : 1));
    const balances = card("Token balances", bal.length ? table(["Token", "Balance"], bal.map((b) => [tokenInfo(b.token).symbol, tokenAmount(`balance:${b.token.toLowerCase()}`, b.balance, b.token)])) : empty("No tokens."));

    const txs = card(
      "Transactions",
      d.txs.items.length
        ? table(
            ["Block", "Transaction", "Status"],
            d.txs.items.map((t, i) => {
              const rc = d.receipts[i];
              return [blockLink(t.blockNumber), txLink(t.transactionHash), rc ? badge(rc.status, rc.status === "success" ? "ok" : "bad") : "—"];
            }),
          )
        : empty("No transactions."),
      d.txs.next ? h("p", { class: "hint" }, "The 25 newest are shown.") : null,
    );

    return h("div", { class: "grid" }, summary, positions, exposures, queued, rewards, vaults, pod, balances, txs);
  },
  forms(ctx, d) {
    if (!wallet.account || wallet.account !== ctx.params[0]) return [];
    const stratOpts = () => [...chain.strategies.values()].map((s) => [s.strategy.toLowerCase(), strategyInfo(s.strategy).symbol]);
    const vaultSel = { name: "vault", label: "Vault", type: "select", options: () => [...chain.vaults.values()].map((v) => [v.vault.toLowerCase(), v.symbol]) };
    const assetOpts = (dd) => {
      const seen = new Map();
      for (const v of dd.vaults) for (const as of v.assets) seen.set(as.token.toLowerCase(), tokenInfo(as.token).symbol);
      return [...seen.entries()];
    };
    return formsCard("Actions (signed by your wallet)", ctx, [
      {
        action: "depositIntoStrategy",
        title: "Deposit",
        help: "Deposit tokens into a pool; the token is the pool's.",
        fields: [
          { name: "strategy", label: "Pool", type: "select", options: stratOpts },
          { name: "amount", label: "Amount (tokens)", type: "amount" },
        ],
        build(v) {
          const st = chain.strategies.get(v.strategy);
          if (!st) throw new Error("Choose a pool.");
          return { type: "depositIntoStrategy", strategy: v.strategy, token: st.token, amount: parseUnits(v.amount, strategyInfo(v.strategy).decimals) };
        },
      },
      {
        action: "delegateTo",
        title: "Delegate",
        fields: [{ name: "operator", label: "Operator", type: "address" }],
        build: (v) => ({ type: "delegateTo", operator: needAddress(v.operator, "operator") }),
      },
      {
        action: "undelegate",
        title: "Undelegate",
        help: "Leaves the operator; every deposit is queued for withdrawal.",
        fields: [{ name: "staker", type: "hidden", value: ctx.params[0] }],
        build: (v) => ({ type: "undelegate", staker: needAddress(v.staker, "staker") }),
      },
      {
        action: "queueWithdrawals",
        title: "Queue a withdrawal",
        fields: [
          { name: "strategies", label: "Pool", type: "select", options: (dd) => dd.staker.positions.map((p) => [p.strategy.toLowerCase(), `${strategyInfo(p.strategy).symbol} (${displayUnits(p.depositShares, strategyInfo(p.strategy).decimals)} shares)`]) },
          { name: "depositShares", label: "Deposit shares (units)", type: "amount" },
        ],
        build(v) {
          if (!v.strategies) throw new Error("There is no deposit to withdraw.");
          return { type: "queueWithdrawals", params: [{ strategies: [v.strategies], depositShares: [parseUnits(v.depositShares, strategyInfo(v.strategies).decimals, "deposit shares")] }] };
        },
      },
      {
        action: "completeQueuedWithdrawal",
        title: "Complete a withdrawal",
        fields: [
          { name: "withdrawalRoot", label: "Withdrawal", type: "select", options: (dd) => dd.staker.queuedWithdrawals.map((q) => [q.withdrawalRoot.toLowerCase(), `${shortHash(q.withdrawalRoot)} — ${q.completableAtBlock <= chain.head ? "completable now" : "at height " + q.completableAtBlock}`]) },
          { name: "receiveAsTokens", label: "Receive as tokens (else as shares again)", type: "checkbox", value: true },
        ],
        build(v) {
          if (!v.withdrawalRoot) throw new Error("There is no queued withdrawal.");
          return { type: "completeQueuedWithdrawal", withdrawalRoot: v.withdrawalRoot, receiveAsTokens: v.receiveAsTokens };
        },
      },
      {
        action: "claimRewards",
        title: "Claim rewards",
        fields: [{ name: "tokens", label: "Tokens", type: "checks", none: "nothing to claim", options: (dd) => dd.rewards.claimable.map((c) => [c.token.toLowerCase(), `${tokenInfo(c.token).symbol} (${displayUnits(c.amount, tokenInfo(c.token).decimals)})`, true]) }],
        build(v) {
          if (!v.tokens.length) throw new Error("Choose at least one token to claim.");
          return { type: "claimRewards", tokens: v.tokens };
        },
      },
      vaultDepositSpec(vaultSel, assetOpts),
      vaultRedeemSpec(vaultSel, assetOpts),
      {
        action: "registerAsOperator",
        title: "Register as an operator",
        visible: (dd) => !dd.operator,
        fields: [
          { name: "delegationApprover", label: "Delegation approver (zero: anyone may delegate)", type: "address", value: ZERO },
          { name: "allocationDelay", label: "Allocation delay (blocks)", type: "number", value: "0" },
          { name: "metadataUri", label: "Metadata URI", type: "text", placeholder: "https://…" },
        ],
        build: (v) => ({ type: "registerAsOperator", delegationApprover: needAddress(v.delegationApprover, "delegation approver"), allocationDelay: needInt(v.allocationDelay, "allocation delay"), metadataUri: v.metadataUri }),
      },
    ]);
  },
};

/** depositIntoVault: vault (a select, or hidden on the vault's page), token, amount in units. */
export function vaultDepositSpec(vault, assetOpts) {
  return {
    action: "depositIntoVault",
    title: "Deposit into a vault",
    fields: [vault, { name: "token", label: "Token", type: "select", options: assetOpts }, { name: "amount", label: "Amount (tokens)", type: "amount" }],
    build(v) {
      if (!v.vault || !v.token) throw new Error("Choose a vault and a token.");
      return { type: "depositIntoVault", vault: v.vault, token: v.token, amount: parseUnits(v.amount, tokenInfo(v.token).decimals) };
    },
  };
}

/** requestRedeem: vault, shares in units of the vault's token, the token to receive. */
export function vaultRedeemSpec(vault, assetOpts) {
  return {
    action: "requestRedeem",
    title: "Redeem vault shares",
    help: "Asks to redeem; the request is finalized after the vault's cooldown, then claimed.",
    fields: [vault, { name: "shares", label: "Shares (units)", type: "amount" }, { name: "token", label: "Receive", type: "select", options: assetOpts }],
    build(v) {
      if (!v.vault || !v.token) throw new Error("Choose a vault and a token.");
      const lrt = chain.vaults.get(v.vault);
      return { type: "requestRedeem", vault: v.vault, shares: parseUnits(v.shares, lrt ? tokenInfo(lrt.lrt).decimals : 18, "shares"), token: v.token };
    },
  };
}
