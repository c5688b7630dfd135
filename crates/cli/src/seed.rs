//! `restake seed`: fills a running devnet with the activity of a live restaking protocol, through
//! ordinary signed transactions (so every block, receipt and index entry is real): AVSs with two
//! operator sets each, operators registered and allocated to them, stakers holding several LSTs,
//! depositing and delegating, the risk profile of each AVS's first set, some withdrawals queued, slashes, a liquid restaking vault with
//! deposits and a redeem request, and a rewards submission.
//!
//! Its accounts are derived from their role and index (`keccak("restake seed <role>" ‖ i)`), so
//! a second run on the same chain reuses them. The development accounts fund them.

use crate::error::CliError;
use alloy_primitives::{Address, U256, keccak256};
use clap::Args;
use restake_client::{Client, Wallet};
use restake_core::Action;
use restake_core::block::Status;
use restake_core::pool::strategy_address;
use restake_core::tokens::token_address;
use restake_node::{clock, devnet};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// `restake seed` options.
#[derive(Args, Debug, Clone)]
pub struct SeedArgs {
    /// The node's JSON-RPC URL (default: `RESTAKE_RPC_URL`, else the local devnet).
    #[arg(long)]
    rpc: Option<String>,
    /// AVSs (two operator sets each).
    #[arg(long, default_value_t = 3)]
    avss: u64,
    /// Operators (each registered in both sets of one AVS and allocated to them).
    #[arg(long, default_value_t = 10)]
    operators: u64,
    /// Stakers (each deposits one to three LSTs and delegates).
    #[arg(long, default_value_t = 50)]
    stakers: u64,
    /// One staker in this many queues a withdrawal of half its first deposit (0: none).
    #[arg(long, default_value_t = 5)]
    queue_every: u64,
    /// Operators slashed (10% of their allocation to set 1), the first ones.
    #[arg(long, default_value_t = 1)]
    slashes: u64,
    /// Transactions in flight at once.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
}

/// The LSTs stakers deposit, in turn.
const LSTS: [&str; 6] = ["stETH", "rETH", "cbETH", "ETHx", "osETH", "wBETH"];
/// One token of 18 decimals.
const TOKEN: u128 = 1_000_000_000_000_000_000;
/// Fractions of a WAD.
const ONE_TENTH: u128 = 100_000_000_000_000_000;
const ONE_FIFTH: u128 = 200_000_000_000_000_000;
const ONE_HALF: u128 = 500_000_000_000_000_000;
const THREE_TENTHS: u128 = 300_000_000_000_000_000;

/// Account `i` of a role.
fn derived(role: &str, i: u64) -> Result<Wallet, CliError> {
    let mut seed = format!("restake seed {role}").into_bytes();
    seed.extend_from_slice(&i.to_be_bytes());
    Wallet::from_bytes(keccak256(&seed).0).map_err(|e| CliError::Other(e.to_string()))
}

fn action(v: Value) -> Result<Action, CliError> {
    serde_json::from_value(v).map_err(|e| CliError::Other(format!("internal: bad action: {e}")))
}

/// Tokens of its LST an operator receives (it deposits all but one, kept for its quota).
const OPERATOR_FUNDS: u128 = 20;

/// Tokens staker `i` receives of each LST it holds: 2 to 9, so that 10,000 stakers fit in what
/// the development accounts hold.
fn staker_funds(i: u64) -> u128 {
    u128::from(i.checked_rem(8).unwrap_or(0)).saturating_add(2)
}

fn tokens(n: u128) -> String {
    n.saturating_mul(TOKEN).to_string()
}

/// Sends batches of transactions and waits for their receipts.
struct Seeder {
    client: Arc<Client>,
    chain_id: u64,
    concurrency: usize,
    nonces: BTreeMap<Address, u64>,
}

impl Seeder {
    /// Signs and sends `txs` (each sender's in order), waits until all are in blocks and
    /// returns their receipts' events; a failed one stops the seeding with its error.
    async fn phase(
        &mut self,
        name: &str,
        txs: Vec<(Wallet, Action)>,
    ) -> Result<Vec<Value>, CliError> {
        let start = clock::now();
        let count = txs.len();
        // Each sender's transactions in order, senders spread over the workers.
        let mut by_sender: BTreeMap<Address, Vec<(usize, Wallet, Action)>> = BTreeMap::new();
        for (i, (w, a)) in txs.into_iter().enumerate() {
            by_sender.entry(w.address()).or_default().push((i, w, a));
        }
        for sender in by_sender.keys() {
            if !self.nonces.contains_key(sender) {
                let n = self.client.nonce(*sender).await.map_err(rpc)?;
                self.nonces.insert(*sender, n);
            }
        }
        let mut lanes: Vec<Vec<(usize, restake_core::tx::Transaction, &'static str)>> =
            (0..self.concurrency.max(1)).map(|_| Vec::new()).collect();
        for (k, (sender, list)) in by_sender.into_iter().enumerate() {
            let nonce = self.nonces.entry(sender).or_default();
            let lane = k.checked_rem(lanes.len()).unwrap_or(0);
            for (i, w, a) in list {
                let kind = a.name();
                let tx = w.sign(a, *nonce, self.chain_id);
                *nonce = nonce.saturating_add(1);
                if let Some(l) = lanes.get_mut(lane) {
                    l.push((i, tx, kind));
                }
            }
        }
        let mut set = tokio::task::JoinSet::new();
        for lane in lanes.into_iter().filter(|l| !l.is_empty()) {
            let client = self.client.clone();
            set.spawn(async move {
                let mut hashes = Vec::with_capacity(lane.len());
                for (i, tx, kind) in lane {
                    let hash = send_when_room(&client, &tx)
                        .await
                        .map_err(|e| CliError::Other(format!("{kind} from {}: {e}", tx.from)))?;
                    hashes.push((i, hash, kind, tx.from));
                }
                let mut out = Vec::with_capacity(hashes.len());
                for (i, hash, kind, from) in hashes {
                    let r = client
                        .wait(hash, Duration::from_secs(120))
                        .await
                        .map_err(rpc)?;
                    if r.status != Status::Success {
                        return Err(CliError::Other(format!(
                            "{kind} from {from} failed: {}",
                            r.error.map(|e| e.message).unwrap_or_default()
                        )));
                    }
                    let events = serde_json::to_value(&r.events)
                        .map_err(|e| CliError::Other(e.to_string()))?;
                    out.push((i, events));
                }
                Ok::<_, CliError>(out)
            });
        }
        let mut events = vec![Value::Null; count];
        while let Some(done) = set.join_next().await {
            let done = done.map_err(|e| CliError::Other(e.to_string()))??;
            for (i, e) in done {
                if let Some(slot) = events.get_mut(i) {
                    *slot = e;
                }
            }
        }
        let took = clock::now().saturating_duration_since(start);
        println!(
            "{name}: {count} transactions in {:.1} s",
            took.as_secs_f64()
        );
        Ok(events)
    }
}

/// Sends `tx`, waiting while the node has no room for it yet: the sender has as many pending
/// transactions as one may, the mempool is full, or the sender's quota for this window is used
/// (it refills with the next window). Gives up after two minutes.
async fn send_when_room(
    client: &Client,
    tx: &restake_core::tx::Transaction,
) -> Result<alloy_primitives::B256, restake_client::ClientError> {
    use restake_node::rpc::codes::{FUTURE_NONCE, MEMPOOL_FULL, QUOTA_EXCEEDED};
    let until = clock::now().checked_add(Duration::from_secs(120));
    loop {
        match client.send(tx).await {
            Err(e)
                if e.rpc_error().is_some_and(|(code, _, _)| {
                    [FUTURE_NONCE, MEMPOOL_FULL, QUOTA_EXCEEDED].contains(&code)
                }) && until.is_some_and(|u| clock::now() < u) =>
            {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            other => return other,
        }
    }
}

fn rpc(e: restake_client::ClientError) -> CliError {
    CliError::Other(e.to_string())
}

/// `restake seed`.
pub async fn run(a: SeedArgs) -> Result<(), CliError> {
    let client = Arc::new(Client::new(&crate::conn::rpc_url(a.rpc.as_deref())).map_err(rpc)?);
    let chain_id = client.chain_id().await.map_err(rpc)?;
    let mut s = Seeder {
        client: client.clone(),
        chain_id,
        concurrency: a.concurrency,
        nonces: BTreeMap::new(),
    };
    let avss = (0..a.avss)
        .map(|i| derived("avs", i))
        .collect::<Result<Vec<_>, _>>()?;
    let operators = (0..a.operators)
        .map(|i| derived("operator", i))
        .collect::<Result<Vec<_>, _>>()?;
    let stakers = (0..a.stakers)
        .map(|i| derived("staker", i))
        .collect::<Result<Vec<_>, _>>()?;
    let funders = devnet::DEV_ACCOUNTS
        .iter()
        .map(|(_, key)| Wallet::from_hex(key).map_err(rpc))
        .collect::<Result<Vec<_>, _>>()?;
    let lst = |i: u64| {
        let n = usize::try_from(i)
            .unwrap_or(0)
            .checked_rem(LSTS.len())
            .unwrap_or(0);
        token_address(LSTS.get(n).copied().unwrap_or("stETH"))
    };
    let funder = |k: usize| {
        funders
            .get(k.checked_rem(funders.len()).unwrap_or(0))
            .cloned()
    };

    // 1. Funding: every new account gets tokens, spread over the development accounts.
    let mut txs = Vec::new();
    let mut k = 0usize;
    let mut fund = |to: Address, token: Address, amount: u128, txs: &mut Vec<(Wallet, Action)>| {
        if let Some(f) = funder(k) {
            txs.push((
                f,
                Action::Transfer {
                    token,
                    to,
                    amount: U256::from(amount.saturating_mul(TOKEN)),
                },
            ));
        }
        k = k.saturating_add(1);
    };
    for w in &avss {
        fund(w.address(), token_address("stETH"), 200, &mut txs);
    }
    for (i, w) in (0u64..).zip(&operators) {
        fund(w.address(), lst(i), OPERATOR_FUNDS, &mut txs);
    }
    for (i, w) in (0u64..).zip(&stakers) {
        for j in 0..=(i.checked_rem(3).unwrap_or(0)) {
            let amount = staker_funds(i);
            fund(w.address(), lst(i.saturating_add(j)), amount, &mut txs);
        }
    }
    s.phase("funding", txs).await?;

    // 2. AVSs: metadata and two operator sets over three LSTs each.
    let mut txs = Vec::new();
    for (i, w) in (0u64..).zip(&avss) {
        txs.push((
            w.clone(),
            action(json!({"type": "updateAvsMetadataUri", "metadataUri": format!("https://avs{i}.example/meta.json")}))?,
        ));
        let mut strategies: Vec<Address> = (0..3)
            .map(|j| strategy_address(&lst(i.saturating_add(j))))
            .collect();
        strategies.sort();
        txs.push((
            w.clone(),
            action(json!({"type": "createOperatorSets", "params": [
                {"operatorSetId": 1, "strategies": strategies},
                {"operatorSetId": 2, "strategies": strategies},
            ]}))?,
        ));
    }
    s.phase("AVSs and operator sets", txs).await?;
    // Each AVS declares what corrupting set 1 would gain it, for the risk report: 50 to 400
    // tokens of profit, a majority threshold.
    let mut txs = Vec::new();
    for w in &avss {
        txs.push((
            w.clone(),
            action(
                json!({"type": "setOperatorSetRiskProfile", "operatorSetId": 1,
                "pfcLow": tokens(50), "pfcHigh": tokens(400), "alphaWad": ONE_HALF.to_string()}),
            )?,
        ));
    }
    s.phase("risk profiles", txs).await?;

    // 3. Operators: register, join both sets of one AVS, allocate 20% and 30%.
    let mut txs = Vec::new();
    let avs_of = |i: u64| {
        let n = usize::try_from(i).unwrap_or(0);
        avss.get(n.checked_rem(avss.len().max(1)).unwrap_or(0))
            .map(Wallet::address)
    };
    for (i, w) in (0u64..).zip(&operators) {
        txs.push((
            w.clone(),
            action(json!({"type": "registerAsOperator", "delegationApprover": Address::ZERO, "allocationDelay": 0, "metadataUri": format!("https://operator{i}.example/meta.json")}))?,
        ));
        // The operator's own stake.
        let token = lst(i);
        txs.push((
            w.clone(),
            action(json!({"type": "depositIntoStrategy", "strategy": strategy_address(&token), "token": token, "amount": tokens(OPERATOR_FUNDS.saturating_sub(1))}))?,
        ));
        let Some(avs) = avs_of(i) else { continue };
        txs.push((
            w.clone(),
            action(
                json!({"type": "registerForOperatorSets", "avs": avs, "operatorSetIds": [1, 2]}),
            )?,
        ));
    }
    s.phase("operators", txs).await?;
    let mut txs = Vec::new();
    for (i, w) in (0u64..).zip(&operators) {
        let Some(avs) = avs_of(i) else { continue };
        let avs_index = (0u64..)
            .zip(&avss)
            .find(|(_, a)| a.address() == avs)
            .map_or(0, |(j, _)| j);
        let mut strategies: Vec<Address> = (0..3)
            .map(|j| strategy_address(&lst(avs_index.saturating_add(j))))
            .collect();
        strategies.sort();
        let magnitudes = |wad: u128| vec![wad.to_string(); strategies.len()];
        txs.push((
            w.clone(),
            action(json!({"type": "modifyAllocations", "params": [
                {"avs": avs, "operatorSetId": 1, "strategies": strategies, "newMagnitudes": magnitudes(ONE_FIFTH)},
                {"avs": avs, "operatorSetId": 2, "strategies": strategies, "newMagnitudes": magnitudes(THREE_TENTHS)},
            ]}))?,
        ));
    }
    s.phase("allocations", txs).await?;

    // 4. Stakers: deposit what they hold, delegate to an operator.
    let mut txs = Vec::new();
    for (i, w) in (0u64..).zip(&stakers) {
        for j in 0..=(i.checked_rem(3).unwrap_or(0)) {
            let token = lst(i.saturating_add(j));
            let amount = staker_funds(i);
            // Keep one token for the transaction quota.
            txs.push((
                w.clone(),
                action(json!({"type": "depositIntoStrategy", "strategy": strategy_address(&token), "token": token, "amount": tokens(amount.saturating_sub(1))}))?,
            ));
        }
        let n = usize::try_from(i).unwrap_or(0);
        if let Some(op) = operators.get(n.checked_rem(operators.len().max(1)).unwrap_or(0)) {
            txs.push((
                w.clone(),
                action(json!({"type": "delegateTo", "operator": op.address()}))?,
            ));
        }
    }
    s.phase("stakers", txs).await?;

    // 5. Withdrawals: some stakers queue half their first deposit.
    let mut txs = Vec::new();
    if a.queue_every > 0 {
        for (i, w) in (0u64..).zip(&stakers) {
            if i.checked_rem(a.queue_every) != Some(0) {
                continue;
            }
            let amount = staker_funds(i);
            let half = amount
                .saturating_sub(1)
                .saturating_mul(TOKEN)
                .checked_div(2)
                .unwrap_or(0);
            txs.push((
                w.clone(),
                action(json!({"type": "queueWithdrawals", "params": [
                    {"strategies": [strategy_address(&lst(i))], "depositShares": [half.to_string()]}
                ]}))?,
            ));
        }
    }
    s.phase("queued withdrawals", txs).await?;

    // 6. Slashes: the first operators lose 10% of their allocation to set 1.
    let mut txs = Vec::new();
    for (i, op) in (0u64..)
        .zip(&operators)
        .take(usize::try_from(a.slashes).unwrap_or(0))
    {
        let Some(avs) = avs_of(i) else { continue };
        let Some(avs_wallet) = avss.iter().find(|w| w.address() == avs) else {
            continue;
        };
        let avs_index = (0u64..)
            .zip(&avss)
            .find(|(_, a)| a.address() == avs)
            .map_or(0, |(j, _)| j);
        let mut strategies: Vec<Address> = (0..3)
            .map(|j| strategy_address(&lst(avs_index.saturating_add(j))))
            .collect();
        strategies.sort();
        txs.push((
            avs_wallet.clone(),
            action(
                json!({"type": "slashOperator", "operator": op.address(), "operatorSetId": 1,
                "strategies": strategies, "wadsToSlash": vec![ONE_TENTH.to_string(); 3],
                "description": "missed attestations"}),
            )?,
        ));
    }
    s.phase("slashes", txs).await?;

    // 7. A vault over stETH and rETH, some deposits into it and one redeem request; a rewards
    // submission for the first AVS's set 1.
    let Some(curator) = funders.get(5).cloned() else {
        return Ok(());
    };
    let (steth, reth) = (token_address("stETH"), token_address("rETH"));
    let created = s
        .phase(
            "vault",
            vec![(
                curator.clone(),
                action(json!({"type": "createVault", "symbol": "rsETH", "assets": [
                    {"token": steth, "rateWad": TOKEN.to_string()},
                    {"token": reth, "rateWad": TOKEN.to_string()},
                ]}))?,
            )],
        )
        .await?;
    let vault = created
        .first()
        .and_then(|events| events.as_array())
        .and_then(|events| events.iter().find(|e| e["type"] == "VaultCreated"))
        .and_then(|e| e["vault"].as_str())
        .and_then(|v| v.parse::<Address>().ok())
        .ok_or_else(|| CliError::Other("the vault was not created".into()))?;
    let mut txs = Vec::new();
    for (k, depositor) in funders.iter().take(4).enumerate() {
        let token = if k.checked_rem(2) == Some(0) {
            steth
        } else {
            reth
        };
        txs.push((
            depositor.clone(),
            action(json!({"type": "depositIntoVault", "vault": vault, "token": token, "amount": tokens(u128::try_from(k).unwrap_or(0).saturating_add(1).saturating_mul(25))}))?,
        ));
    }
    if let Some(avs) = avss.first() {
        let epoch = u64::from(restake_core::config::Params::devnet().rewards_epoch_blocks).max(1);
        let head = client.block_number().await.map_err(rpc)?;
        let mut strategies: Vec<Address> = (0..3).map(|j| strategy_address(&lst(j))).collect();
        strategies.sort();
        let multipliers: Vec<Value> = strategies
            .iter()
            .map(|s| json!({"strategy": s, "multiplier": TOKEN.to_string()}))
            .collect();
        txs.push((
            avs.clone(),
            action(json!({"type": "createRewardsSubmission", "operatorSetId": 1,
                "strategiesAndMultipliers": multipliers, "token": steth, "amount": tokens(50),
                "startEpoch": head.checked_div(epoch).unwrap_or(0).saturating_add(1), "durationEpochs": 2}))?,
        ));
    }
    s.phase("vault deposits and rewards", txs).await?;
    // A redeem request, in a later block than the deposit (the vault refuses both in one).
    if let Some(first) = funders.first() {
        let redeem = action(
            json!({"type": "requestRedeem", "vault": vault, "shares": tokens(5), "token": steth}),
        )?;
        s.phase("vault redeem request", vec![(first.clone(), redeem)])
            .await?;
    }
    println!(
        "Seeded {} AVSs, {} operators, {} stakers; vault {vault}.",
        a.avss, a.operators, a.stakers
    );
    Ok(())
}
