//! `restake query ...`: human tables by default, `--json` for scripts.

use crate::CliResult;
use alloy_primitives::{Address, B256};
use clap::Subcommand;
use restake_client::{BlockId, Client, ClientError, RestakeApiClient};
use serde::Serialize;
use serde_json::{Value, json};

/// Query commands.
#[derive(Subcommand)]
pub enum QueryCmd {
    /// Chain id, height and head hash.
    Status(Common),
    /// Token pools.
    Strategies(Common),
    /// Registered tokens.
    Tokens(Common),
    /// A token balance: `balance <token|@SYMBOL> <account>`.
    Balance {
        /// Token address or `@SYMBOL`.
        token: String,
        /// Account.
        account: String,
        #[command(flatten)]
        common: Common,
    },
    /// A staker: delegation, shares, exposure, queued withdrawals.
    Staker {
        /// Address.
        address: String,
        #[command(flatten)]
        common: Common,
    },
    /// An operator: stake per strategy, allocations.
    Operator {
        /// Address.
        address: String,
        #[command(flatten)]
        common: Common,
    },
    /// An operator set.
    OperatorSet {
        /// The AVS.
        avs: String,
        /// Set id.
        id: u32,
        #[command(flatten)]
        common: Common,
    },
    /// A pod (by its address or its owner's): balances, checkpoint, validators.
    Pod {
        /// Pod or owner address.
        address: String,
        #[command(flatten)]
        common: Common,
    },
    /// The beacon oracle: members, quorum, latest accepted root.
    Oracle(Common),
    /// An earner's claimable rewards per token.
    Rewards {
        /// Earner (staker or operator).
        address: String,
        #[command(flatten)]
        common: Common,
    },
    /// A liquid restaking vault (by its account or LRT token): books, rate, pending exits; with
    /// `--account`, that holder's shares, value and requests.
    Vault {
        /// Vault or LRT address.
        address: String,
        /// A holder to show.
        #[arg(long)]
        account: Option<String>,
        #[command(flatten)]
        common: Common,
    },
    /// Every vault with its total assets, supply and rate.
    Vaults(Common),
    /// A receipt by transaction hash.
    Receipt {
        /// Transaction hash.
        hash: String,
        #[command(flatten)]
        common: Common,
    },
    /// A block by height (default: latest).
    Block {
        /// Height.
        height: Option<u64>,
        #[command(flatten)]
        common: Common,
    },
}

/// Options every query takes.
#[derive(clap::Args)]
pub struct Common {
    /// Node URL.
    #[arg(long, default_value = "http://127.0.0.1:8545")]
    rpc: String,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

fn table(rows: &[Vec<String>]) {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(String::len)
                .max()
                .unwrap_or(0)
        })
        .collect();
    for r in rows {
        let line: Vec<String> = r
            .iter()
            .zip(&widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        println!("{}", line.join("  ").trim_end());
    }
}

fn s(v: &Value) -> String {
    match v {
        Value::String(x) => x.clone(),
        Value::Null => "-".into(),
        other => other.to_string(),
    }
}

fn connect(c: &Common) -> Result<Client, String> {
    Client::new(&c.rpc).map_err(|e| e.to_string())
}

/// A typed answer as JSON, for the tables and `--json` (the JSON the node sent, keys sorted).
fn json_of<T: Serialize, E>(answer: Result<T, E>) -> Result<Value, String>
where
    ClientError: From<E>,
{
    let answer = answer.map_err(|e| ClientError::from(e).to_string())?;
    serde_json::to_value(answer).map_err(|e| e.to_string())
}

fn address(s: &str) -> Result<Address, String> {
    s.parse().map_err(|e| format!("invalid address {s:?}: {e}"))
}

fn print_json(v: &Value) -> CliResult {
    println!(
        "{}",
        serde_json::to_string_pretty(v).map_err(|e| e.to_string())?
    );
    Ok(())
}

/// Runs a query.
pub async fn run(q: QueryCmd) -> CliResult {
    match q {
        QueryCmd::Status(c) => {
            let client = connect(&c)?;
            let chain = client.chain_id().await.map_err(|e| e.to_string())?;
            let block = json_of(client.get_block(BlockId::latest()).await)?;
            let v = json!({ "chainId": chain, "height": block["header"]["height"], "hash": block["hash"], "stateRoot": block["header"]["stateRoot"] });
            if c.json {
                return print_json(&v);
            }
            table(&[
                vec!["chain id".into(), s(&v["chainId"])],
                vec!["height".into(), s(&v["height"])],
                vec!["head".into(), s(&v["hash"])],
                vec!["state root".into(), s(&v["stateRoot"])],
            ]);
        }
        QueryCmd::Strategies(c) => {
            let v = json_of(connect(&c)?.get_strategies().await)?;
            if c.json {
                return print_json(&v);
            }
            let mut rows = vec![vec![
                "SYMBOL".into(),
                "STRATEGY".into(),
                "TOKEN".into(),
                "TOTAL SHARES".into(),
            ]];
            for x in v.as_array().into_iter().flatten() {
                rows.push(vec![
                    s(&x["symbol"]),
                    s(&x["strategy"]),
                    s(&x["token"]),
                    s(&x["totalShares"]),
                ]);
            }
            table(&rows);
        }
        QueryCmd::Tokens(c) => {
            let v = json_of(connect(&c)?.get_tokens().await)?;
            if c.json {
                return print_json(&v);
            }
            let mut rows = vec![vec![
                "SYMBOL".into(),
                "TOKEN".into(),
                "DECIMALS".into(),
                "SUPPLY".into(),
            ]];
            for x in v.as_array().into_iter().flatten() {
                rows.push(vec![
                    s(&x["symbol"]),
                    s(&x["token"]),
                    s(&x["decimals"]),
                    s(&x["totalSupply"]),
                ]);
            }
            table(&rows);
        }
        QueryCmd::Balance {
            token,
            account,
            common,
        } => {
            let client = connect(&common)?;
            let token = match token.strip_prefix('@') {
                Some(sym) => client
                    .strategy_by_symbol(sym)
                    .await
                    .map_err(|e| e.to_string())?
                    .1
                    .to_string(),
                None => token,
            };
            let v = json_of(
                client
                    .get_token_balance(address(&token)?, address(&account)?)
                    .await,
            )?;
            if common.json {
                return print_json(&json!({ "token": token, "account": account, "balance": v }));
            }
            println!("{}", s(&v));
        }
        QueryCmd::Staker {
            address: addr,
            common,
        } => {
            let v = json_of(connect(&common)?.get_staker(address(&addr)?).await)?;
            if common.json {
                return print_json(&v);
            }
            println!("staker        {}", s(&v["staker"]));
            println!("delegated to  {}", s(&v["delegatedTo"]));
            let mut rows = vec![vec![
                "STRATEGY".into(),
                "DEPOSIT SHARES".into(),
                "WITHDRAWABLE".into(),
            ]];
            for p in v["positions"].as_array().into_iter().flatten() {
                rows.push(vec![
                    s(&p["strategy"]),
                    s(&p["depositShares"]),
                    s(&p["withdrawableShares"]),
                ]);
            }
            table(&rows);
            let exposures = v["exposures"].as_array().cloned().unwrap_or_default();
            if !exposures.is_empty() {
                println!("\nslashable by");
                let mut rows = vec![vec![
                    "AVS".into(),
                    "SET".into(),
                    "STRATEGY".into(),
                    "SLASHABLE SHARES".into(),
                    "PENDING BLOCK".into(),
                ]];
                for e in &exposures {
                    rows.push(vec![
                        s(&e["operatorSet"]["avs"]),
                        s(&e["operatorSet"]["id"]),
                        s(&e["strategy"]),
                        s(&e["slashableShares"]),
                        s(&e["pendingEffectBlock"]),
                    ]);
                }
                table(&rows);
            }
            let queued = v["queuedWithdrawals"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            if !queued.is_empty() {
                println!("\nqueued withdrawals");
                let mut rows = vec![vec![
                    "ROOT".into(),
                    "COMPLETABLE AT BLOCK".into(),
                    "SHARES".into(),
                ]];
                for w in &queued {
                    rows.push(vec![
                        s(&w["withdrawalRoot"]),
                        s(&w["completableAtBlock"]),
                        s(&w["shares"]),
                    ]);
                }
                table(&rows);
            }
        }
        QueryCmd::Operator {
            address: addr,
            common,
        } => {
            let v = json_of(connect(&common)?.get_operator(address(&addr)?).await)?;
            if common.json || v.is_null() {
                return print_json(&v);
            }
            println!("operator          {}", s(&v["operator"]));
            println!("allocation delay  {}", s(&v["allocationDelay"]));
            let mut rows = vec![vec![
                "STRATEGY".into(),
                "OPERATOR SHARES".into(),
                "MAX MAGNITUDE".into(),
                "ALLOCATABLE".into(),
            ]];
            for x in v["strategies"].as_array().into_iter().flatten() {
                rows.push(vec![
                    s(&x["strategy"]),
                    s(&x["operatorShares"]),
                    s(&x["maxMagnitude"]),
                    s(&x["allocatableMagnitude"]),
                ]);
            }
            table(&rows);
            let mut rows = vec![vec![
                "AVS".into(),
                "SET".into(),
                "STRATEGY".into(),
                "MAGNITUDE".into(),
                "PENDING".into(),
                "EFFECT BLOCK".into(),
                "SLASHABLE".into(),
            ]];
            for a in v["allocations"].as_array().into_iter().flatten() {
                rows.push(vec![
                    s(&a["operatorSet"]["avs"]),
                    s(&a["operatorSet"]["id"]),
                    s(&a["strategy"]),
                    s(&a["currentMagnitude"]),
                    s(&a["pendingMagnitude"]),
                    s(&a["effectBlock"]),
                    s(&a["slashableShares"]),
                ]);
            }
            if rows.len() > 1 {
                println!();
                table(&rows);
            }
        }
        QueryCmd::OperatorSet { avs, id, common } => {
            let v = json_of(connect(&common)?.get_operator_set(address(&avs)?, id).await)?;
            print_json(&v)?;
        }
        QueryCmd::Pod {
            address: addr,
            common,
        } => {
            let v = json_of(connect(&common)?.get_pod(address(&addr)?).await)?;
            if common.json || v.is_null() {
                return print_json(&v);
            }
            println!("pod                     {}", s(&v["address"]));
            println!("owner                   {}", s(&v["owner"]));
            println!("proof submitter         {}", s(&v["proofSubmitter"]));
            println!("deposit shares (wei)    {}", s(&v["depositShares"]));
            println!("withdrawable (wei)      {}", s(&v["withdrawableShares"]));
            println!(
                "beacon slashing factor  {}",
                s(&v["beaconChainSlashingFactor"])
            );
            println!(
                "payable from pod (wei)  {}",
                s(&v["withdrawableRestakedExecutionLayerWei"])
            );
            println!("active validators       {}", s(&v["activeValidatorCount"]));
            println!(
                "last checkpoint         {}",
                s(&v["lastCheckpointTimestamp"])
            );
            let current = &v["currentCheckpointTimestamp"];
            if current.as_u64().is_some_and(|t| t != 0) {
                println!(
                    "checkpoint in progress  {} ({} proofs remaining)",
                    s(current),
                    s(&v["checkpoint"]["proofsRemaining"])
                );
            }
            let mut rows = vec![vec![
                "INDEX".into(),
                "PUBKEY HASH".into(),
                "STATUS".into(),
                "BALANCE (GWEI)".into(),
                "LAST CHECKPOINT".into(),
            ]];
            for x in v["validators"].as_array().into_iter().flatten() {
                rows.push(vec![
                    s(&x["validatorIndex"]),
                    s(&x["pubkeyHash"]),
                    s(&x["status"]),
                    s(&x["restakedBalanceGwei"]),
                    s(&x["lastCheckpointedAt"]),
                ]);
            }
            table(&rows);
        }
        QueryCmd::Rewards {
            address: addr,
            common,
        } => {
            let v = json_of(connect(&common)?.get_rewards(address(&addr)?).await)?;
            if common.json {
                return print_json(&v);
            }
            println!("earner     {}", s(&v["earner"]));
            println!("recipient  {}", s(&v["recipient"]));
            println!("epoch      {}", s(&v["epoch"]));
            let mut rows = vec![vec!["TOKEN".into(), "SYMBOL".into(), "CLAIMABLE".into()]];
            for x in v["claimable"].as_array().into_iter().flatten() {
                rows.push(vec![s(&x["token"]), s(&x["symbol"]), s(&x["amount"])]);
            }
            table(&rows);
        }
        QueryCmd::Vault {
            address: addr,
            account,
            common,
        } => {
            let account = account.as_deref().map(address).transpose()?;
            let v = json_of(connect(&common)?.get_vault(address(&addr)?, account).await)?;
            if common.json || v.is_null() {
                return print_json(&v);
            }
            println!("vault         {}", s(&v["address"]));
            println!("lrt           {} ({})", s(&v["lrt"]), s(&v["symbol"]));
            println!("total assets  {} wei", s(&v["books"]["totalAssets"]));
            println!("total supply  {}", s(&v["books"]["totalSupply"]));
            println!(
                "rate          {} (wei per share, 1e18 = 1.0)",
                s(&v["rate"])
            );
            println!("paused        {}", s(&v["paused"]));
            let mut rows = vec![vec![
                "TOKEN".into(),
                "RATE".into(),
                "IDLE".into(),
                "DELEGATED".into(),
                "QUEUED".into(),
                "ESCROW".into(),
                "VALUE".into(),
            ]];
            let holdings = v["books"]["assets"].as_array().cloned().unwrap_or_default();
            for (a, h) in v["assets"].as_array().into_iter().flatten().zip(holdings) {
                rows.push(vec![
                    s(&a["token"]),
                    s(&a["rateWad"]),
                    s(&h["idle"]),
                    s(&h["delegated"]),
                    s(&h["queued"]),
                    s(&a["escrow"]),
                    s(&h["value"]),
                ]);
            }
            table(&rows);
            let mut rows = vec![vec!["DELEGATOR".into(), "OPERATOR".into(), "VALUE".into()]];
            let values = v["books"]["delegatorValues"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            for (d, val) in v["delegators"].as_array().into_iter().flatten().zip(values) {
                rows.push(vec![s(&d["account"]), s(&d["operator"]), s(&val)]);
            }
            table(&rows);
            println!(
                "pending exits {}",
                v["pendingRequests"].as_array().map_or(0, Vec::len)
            );
            if let Some(h) = v.get("holder") {
                println!("holder        {}", s(&h["account"]));
                println!("  shares      {}", s(&h["shares"]));
                println!("  value       {} wei", s(&h["value"]));
                for r in h["requests"].as_array().into_iter().flatten() {
                    println!(
                        "  request {}  {}  shares {}  payout {}",
                        s(&r["id"]),
                        s(&r["status"]),
                        s(&r["shares"]),
                        s(&r["payout"])
                    );
                }
            }
        }
        QueryCmd::Vaults(common) => {
            let v = json_of(connect(&common)?.get_vaults().await)?;
            if common.json {
                return print_json(&v);
            }
            let mut rows = vec![vec![
                "VAULT".into(),
                "SYMBOL".into(),
                "TOTAL ASSETS".into(),
                "SUPPLY".into(),
                "RATE".into(),
            ]];
            for x in v.as_array().into_iter().flatten() {
                rows.push(vec![
                    s(&x["vault"]),
                    s(&x["symbol"]),
                    s(&x["totalAssets"]),
                    s(&x["totalSupply"]),
                    s(&x["rate"]),
                ]);
            }
            table(&rows);
        }
        QueryCmd::Oracle(common) => {
            let v = json_of(connect(&common)?.get_beacon_oracle().await)?;
            print_json(&v)?;
        }
        QueryCmd::Receipt { hash, common } => {
            let hash: B256 = hash
                .parse()
                .map_err(|e| format!("invalid transaction hash {hash:?}: {e}"))?;
            let v = json_of(connect(&common)?.get_transaction_receipt(hash).await)?;
            print_json(&v)?;
        }
        QueryCmd::Block { height, common } => {
            let id = height.map_or_else(BlockId::latest, BlockId::Number);
            let v = json_of(connect(&common)?.get_block(id).await)?;
            print_json(&v)?;
        }
    }
    Ok(())
}
