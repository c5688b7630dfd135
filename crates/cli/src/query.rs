//! `restake query ...`: a table by default, with amounts in units and tokens and pools by
//! their symbol; `--json` prints the node's JSON for scripts.

use crate::conn::{Catalog, Conn, eth};
use crate::error::CliError;
use crate::tx::event_line;
use crate::units::{format_amount, format_wad_percent};
use alloy_primitives::{Address, B256, U256};
use clap::Subcommand;
use restake_client::{BlockId, ClientError, RestakeApiClient};
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
    /// Node URL [default: $RESTAKE_RPC_URL, else http://127.0.0.1:8545].
    #[arg(long)]
    rpc: Option<String>,
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
                .map(|cell| cell.chars().count())
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

/// A two-column table of names and values.
fn pairs(rows: &[(&str, String)]) {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|(k, v)| vec![(*k).to_string(), v.clone()])
        .collect();
    table(&rows);
}

fn s(v: &Value) -> String {
    match v {
        Value::String(x) => x.clone(),
        Value::Null => "-".into(),
        other => other.to_string(),
    }
}

fn u256(v: &Value) -> Option<U256> {
    match v {
        Value::String(x) => x.parse().ok(),
        Value::Number(n) => n.as_u64().map(U256::from),
        _ => None,
    }
}

fn addr_of(v: &Value) -> Option<Address> {
    v.as_str()?.parse().ok()
}

/// Formats values for tables with what the node knows about tokens.
struct Show<'a>(&'a Catalog);

impl Show<'_> {
    /// A token, pool or vault by symbol; other addresses as they are.
    fn label(&self, v: &Value) -> String {
        addr_of(v).map_or_else(|| s(v), |a| self.0.label(a))
    }

    /// An amount of the token behind `unit` (a token, pool or vault address).
    fn amount(&self, unit: &Value, v: &Value) -> String {
        match (addr_of(unit), u256(v)) {
            (Some(a), Some(n)) => self.0.amount(a, n),
            _ => s(v),
        }
    }

    /// Wei as ETH.
    fn eth(&self, v: &Value) -> String {
        u256(v).map_or_else(|| s(v), eth)
    }

    /// A WAD fraction as a percentage.
    fn percent(&self, v: &Value) -> String {
        u256(v).map_or_else(|| s(v), format_wad_percent)
    }

    /// A WAD number as a decimal: `1.05`.
    fn wad(&self, v: &Value) -> String {
        u256(v).map_or_else(|| s(v), |n| format_amount(n, 18))
    }
}

/// A typed answer as JSON, for the tables and `--json` (the JSON the node sent, keys sorted).
fn json_of<T: Serialize, E>(conn: &Conn, answer: Result<T, E>) -> Result<Value, CliError>
where
    ClientError: From<E>,
{
    let answer = answer.map_err(|e| conn.err(e))?;
    serde_json::to_value(answer).map_err(|e| CliError::Other(e.to_string()))
}

fn address(s: &str) -> Result<Address, CliError> {
    s.parse()
        .map_err(|e| CliError::Usage(format!("{s:?} is not an address: {e}")))
}

fn print_json(v: &Value) -> Result<(), CliError> {
    println!(
        "{}",
        serde_json::to_string_pretty(v).map_err(|e| CliError::Other(e.to_string()))?
    );
    Ok(())
}

/// An object as a two-column table: nested values as compact JSON.
fn object_table(v: &Value, show: &Show<'_>) {
    let Some(o) = v.as_object() else {
        println!("{}", s(v));
        return;
    };
    let rows: Vec<Vec<String>> = o
        .iter()
        .map(|(k, v)| {
            let shown = match v {
                Value::String(x) if x.len() == 42 => show.label(v),
                Value::String(x) => x.clone(),
                Value::Array(items)
                    if items
                        .iter()
                        .all(|i| i.as_str().is_some_and(|x| x.len() == 42)) =>
                {
                    items
                        .iter()
                        .map(|i| show.label(i))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
                other => s(other),
            };
            vec![k.clone(), shown]
        })
        .collect();
    table(&rows);
}

/// Runs a query.
pub async fn run(q: QueryCmd) -> Result<(), CliError> {
    let common = match &q {
        QueryCmd::Status(c)
        | QueryCmd::Strategies(c)
        | QueryCmd::Tokens(c)
        | QueryCmd::Oracle(c)
        | QueryCmd::Vaults(c) => c,
        QueryCmd::Balance { common, .. }
        | QueryCmd::Staker { common, .. }
        | QueryCmd::Operator { common, .. }
        | QueryCmd::OperatorSet { common, .. }
        | QueryCmd::Pod { common, .. }
        | QueryCmd::Rewards { common, .. }
        | QueryCmd::Vault { common, .. }
        | QueryCmd::Receipt { common, .. }
        | QueryCmd::Block { common, .. } => common,
    };
    let conn = Conn::open(common.rpc.as_deref())?;
    let json = common.json;
    let c = &conn.client;
    // Tables need the token list; `--json` prints what the node sent.
    let catalog = if json || matches!(q, QueryCmd::Status(_)) {
        Catalog::default()
    } else {
        conn.catalog().await?
    };
    let show = Show(&catalog);
    match q {
        QueryCmd::Status(_) => {
            let chain = c.chain_id().await.map_err(|e| conn.err(e))?;
            let block = json_of(&conn, c.get_block(BlockId::latest()).await)?;
            let v = json!({ "chainId": chain, "height": block["header"]["height"], "hash": block["hash"], "stateRoot": block["header"]["stateRoot"] });
            if json {
                return print_json(&v);
            }
            pairs(&[
                ("chain id", s(&v["chainId"])),
                ("height", s(&v["height"])),
                ("head", s(&v["hash"])),
                ("state root", s(&v["stateRoot"])),
            ]);
        }
        QueryCmd::Strategies(_) => {
            let v = json_of(&conn, c.get_strategies().await)?;
            if json {
                return print_json(&v);
            }
            let mut rows = vec![vec![
                "SYMBOL".into(),
                "STRATEGY".into(),
                "TOKEN".into(),
                "TOTAL SHARES".into(),
                "BALANCE".into(),
            ]];
            for x in v.as_array().into_iter().flatten() {
                rows.push(vec![
                    s(&x["symbol"]),
                    s(&x["strategy"]),
                    s(&x["token"]),
                    show.amount(&x["token"], &x["totalShares"]),
                    show.amount(&x["token"], &x["balance"]),
                ]);
            }
            table(&rows);
        }
        QueryCmd::Tokens(_) => {
            let v = json_of(&conn, c.get_tokens().await)?;
            if json {
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
                    show.amount(&x["token"], &x["totalSupply"]),
                ]);
            }
            table(&rows);
        }
        QueryCmd::Balance { token, account, .. } => {
            let token = match token.strip_prefix('@') {
                Some(sym) if json => conn
                    .catalog()
                    .await?
                    .token_by_symbol(sym)?
                    .token
                    .to_string(),
                Some(sym) => catalog.token_by_symbol(sym)?.token.to_string(),
                None => token,
            };
            let token_address = address(&token)?;
            let v = json_of(
                &conn,
                c.get_token_balance(token_address, address(&account)?).await,
            )?;
            if json {
                return print_json(&json!({ "token": token, "account": account, "balance": v }));
            }
            table(&[
                vec!["TOKEN".into(), "ACCOUNT".into(), "BALANCE".into()],
                vec![
                    show.label(&json!(token)),
                    account,
                    show.amount(&json!(token), &v),
                ],
            ]);
        }
        QueryCmd::Staker { address: addr, .. } => {
            let v = json_of(&conn, c.get_staker(address(&addr)?).await)?;
            if json {
                return print_json(&v);
            }
            pairs(&[
                ("staker", s(&v["staker"])),
                ("delegated to", s(&v["delegatedTo"])),
            ]);
            println!();
            let mut rows = vec![vec![
                "STRATEGY".into(),
                "DEPOSIT SHARES".into(),
                "WITHDRAWABLE".into(),
            ]];
            for p in v["positions"].as_array().into_iter().flatten() {
                rows.push(vec![
                    show.label(&p["strategy"]),
                    show.amount(&p["strategy"], &p["depositShares"]),
                    show.amount(&p["strategy"], &p["withdrawableShares"]),
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
                        show.label(&e["strategy"]),
                        show.amount(&e["strategy"], &e["slashableShares"]),
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
                    let strategies = w["withdrawal"]["strategies"]
                        .as_array()
                        .cloned()
                        .unwrap_or_default();
                    let shares: Vec<String> = w["shares"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .zip(strategies.iter().map(Some).chain(std::iter::repeat(None)))
                        .map(|(n, st)| match st {
                            Some(st) => show.amount(st, n),
                            None => s(n),
                        })
                        .collect();
                    rows.push(vec![
                        s(&w["withdrawalRoot"]),
                        s(&w["completableAtBlock"]),
                        shares.join(", "),
                    ]);
                }
                table(&rows);
            }
        }
        QueryCmd::Operator { address: addr, .. } => {
            let v = json_of(&conn, c.get_operator(address(&addr)?).await)?;
            if json {
                return print_json(&v);
            }
            if v.is_null() {
                println!("{addr} is not an operator");
                return Ok(());
            }
            pairs(&[
                ("operator", s(&v["operator"])),
                (
                    "allocation delay",
                    format!("{} blocks", s(&v["allocationDelay"])),
                ),
            ]);
            println!();
            let mut rows = vec![vec![
                "STRATEGY".into(),
                "OPERATOR SHARES".into(),
                "MAX MAGNITUDE".into(),
                "ALLOCATABLE".into(),
            ]];
            for x in v["strategies"].as_array().into_iter().flatten() {
                rows.push(vec![
                    show.label(&x["strategy"]),
                    show.amount(&x["strategy"], &x["operatorShares"]),
                    show.percent(&x["maxMagnitude"]),
                    show.percent(&x["allocatableMagnitude"]),
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
                    show.label(&a["strategy"]),
                    show.percent(&a["currentMagnitude"]),
                    show.percent(&a["pendingMagnitude"]),
                    s(&a["effectBlock"]),
                    show.amount(&a["strategy"], &a["slashableShares"]),
                ]);
            }
            if rows.len() > 1 {
                println!();
                table(&rows);
            }
        }
        QueryCmd::OperatorSet { avs, id, .. } => {
            let v = json_of(&conn, c.get_operator_set(address(&avs)?, id).await)?;
            if json {
                return print_json(&v);
            }
            if v.is_null() {
                println!("{avs} has no operator set {id}");
                return Ok(());
            }
            object_table(&v, &show);
        }
        QueryCmd::Pod { address: addr, .. } => {
            let v = json_of(&conn, c.get_pod(address(&addr)?).await)?;
            if json {
                return print_json(&v);
            }
            if v.is_null() {
                println!("{addr} is neither a pod nor a pod's owner");
                return Ok(());
            }
            let mut rows = vec![
                ("pod", s(&v["address"])),
                ("owner", s(&v["owner"])),
                ("proof submitter", s(&v["proofSubmitter"])),
                ("deposit shares", show.eth(&v["depositShares"])),
                ("withdrawable", show.eth(&v["withdrawableShares"])),
                (
                    "beacon slashing factor",
                    show.percent(&v["beaconChainSlashingFactor"]),
                ),
                (
                    "payable from pod",
                    show.eth(&v["withdrawableRestakedExecutionLayerWei"]),
                ),
                ("active validators", s(&v["activeValidatorCount"])),
                ("last checkpoint", s(&v["lastCheckpointTimestamp"])),
            ];
            let current = &v["currentCheckpointTimestamp"];
            if current.as_u64().is_some_and(|t| t != 0) {
                rows.push((
                    "checkpoint in progress",
                    format!(
                        "{} ({} proofs remaining)",
                        s(current),
                        s(&v["checkpoint"]["proofsRemaining"])
                    ),
                ));
            }
            pairs(&rows);
            println!();
            let mut rows = vec![vec![
                "INDEX".into(),
                "PUBKEY HASH".into(),
                "STATUS".into(),
                "BALANCE".into(),
                "LAST CHECKPOINT".into(),
            ]];
            for x in v["validators"].as_array().into_iter().flatten() {
                let gwei = u256(&x["restakedBalanceGwei"]);
                rows.push(vec![
                    s(&x["validatorIndex"]),
                    s(&x["pubkeyHash"]),
                    s(&x["status"]),
                    gwei.map_or_else(
                        || s(&x["restakedBalanceGwei"]),
                        |g| format!("{} ETH", format_amount(g, 9)),
                    ),
                    s(&x["lastCheckpointedAt"]),
                ]);
            }
            table(&rows);
        }
        QueryCmd::Rewards { address: addr, .. } => {
            let v = json_of(&conn, c.get_rewards(address(&addr)?).await)?;
            if json {
                return print_json(&v);
            }
            pairs(&[
                ("earner", s(&v["earner"])),
                ("recipient", s(&v["recipient"])),
                ("epoch", s(&v["epoch"])),
            ]);
            println!();
            let mut rows = vec![vec!["TOKEN".into(), "CLAIMABLE".into()]];
            for x in v["claimable"].as_array().into_iter().flatten() {
                rows.push(vec![
                    s(&x["symbol"]),
                    show.amount(&x["token"], &x["amount"]),
                ]);
            }
            table(&rows);
        }
        QueryCmd::Vault {
            address: addr,
            account,
            ..
        } => {
            let account = account.as_deref().map(address).transpose()?;
            let v = json_of(&conn, c.get_vault(address(&addr)?, account).await)?;
            if json {
                return print_json(&v);
            }
            if v.is_null() {
                println!("{addr} is not a vault or a vault's token");
                return Ok(());
            }
            let lrt = &v["lrt"];
            pairs(&[
                ("vault", s(&v["address"])),
                ("lrt", format!("{} ({})", s(lrt), s(&v["symbol"]))),
                ("total assets", show.eth(&v["books"]["totalAssets"])),
                ("total supply", show.amount(lrt, &v["books"]["totalSupply"])),
                (
                    "rate",
                    format!("{} ETH per {}", show.wad(&v["rate"]), s(&v["symbol"])),
                ),
                ("paused", s(&v["paused"])),
            ]);
            println!();
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
                let t = &a["token"];
                rows.push(vec![
                    show.label(t),
                    show.wad(&a["rateWad"]),
                    show.amount(t, &h["idle"]),
                    show.amount(t, &h["delegated"]),
                    show.amount(t, &h["queued"]),
                    show.amount(t, &a["escrow"]),
                    show.eth(&h["value"]),
                ]);
            }
            table(&rows);
            println!();
            let mut rows = vec![vec!["DELEGATOR".into(), "OPERATOR".into(), "VALUE".into()]];
            let values = v["books"]["delegatorValues"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            for (d, val) in v["delegators"].as_array().into_iter().flatten().zip(values) {
                rows.push(vec![s(&d["account"]), s(&d["operator"]), show.eth(&val)]);
            }
            table(&rows);
            println!();
            let mut rows = vec![(
                "pending exits",
                v["pendingRequests"]
                    .as_array()
                    .map_or(0, Vec::len)
                    .to_string(),
            )];
            if let Some(h) = v.get("holder") {
                rows.push(("holder", s(&h["account"])));
                rows.push(("  shares", show.amount(lrt, &h["shares"])));
                rows.push(("  value", show.eth(&h["value"])));
                for r in h["requests"].as_array().into_iter().flatten() {
                    rows.push((
                        "  request",
                        format!(
                            "{}  {}  {}  payout {}",
                            s(&r["id"]),
                            s(&r["status"]),
                            show.amount(lrt, &r["shares"]),
                            s(&r["payout"])
                        ),
                    ));
                }
            }
            pairs(&rows);
        }
        QueryCmd::Vaults(_) => {
            let v = json_of(&conn, c.get_vaults().await)?;
            if json {
                return print_json(&v);
            }
            let mut rows = vec![vec![
                "SYMBOL".into(),
                "VAULT".into(),
                "TOTAL ASSETS".into(),
                "SUPPLY".into(),
                "RATE".into(),
            ]];
            for x in v.as_array().into_iter().flatten() {
                rows.push(vec![
                    s(&x["symbol"]),
                    s(&x["vault"]),
                    show.eth(&x["totalAssets"]),
                    show.amount(&x["lrt"], &x["totalSupply"]),
                    format!("{} ETH", show.wad(&x["rate"])),
                ]);
            }
            table(&rows);
        }
        QueryCmd::Oracle(_) => {
            let v = json_of(&conn, c.get_beacon_oracle().await)?;
            if json {
                return print_json(&v);
            }
            let members: Vec<String> = v["members"]
                .as_array()
                .into_iter()
                .flatten()
                .map(s)
                .collect();
            let latest = &v["latestRoot"];
            pairs(&[
                ("members", members.join(", ")),
                ("quorum", s(&v["quorum"])),
                (
                    "latest root",
                    if latest.is_null() {
                        "none yet".into()
                    } else {
                        format!("{} at {}", s(&latest["blockRoot"]), s(&latest["timestamp"]))
                    },
                ),
            ]);
        }
        QueryCmd::Receipt { hash, .. } => {
            let hash: B256 = hash
                .parse()
                .map_err(|e| CliError::Usage(format!("{hash:?} is not a transaction hash: {e}")))?;
            let v = json_of(&conn, c.get_transaction_receipt(hash).await)?;
            if json {
                return print_json(&v);
            }
            if v.is_null() {
                println!("no receipt for {hash}: not in a block (yet)");
                return Ok(());
            }
            let status = match &v["error"] {
                Value::Null => s(&v["status"]),
                e => format!(
                    "{}: [{} {}] {}",
                    s(&v["status"]),
                    s(&e["code"]),
                    s(&e["name"]),
                    s(&e["message"])
                ),
            };
            pairs(&[
                ("transaction", hash.to_string()),
                ("block", s(&v["blockNumber"])),
                ("status", status),
            ]);
            for e in v["events"].as_array().into_iter().flatten() {
                println!("  {}", event_line(&catalog, e));
            }
        }
        QueryCmd::Block { height, .. } => {
            let id = height.map_or_else(BlockId::latest, BlockId::Number);
            let v = json_of(&conn, c.get_block(id).await)?;
            if json {
                return print_json(&v);
            }
            if v.is_null() {
                println!("no block at that height yet");
                return Ok(());
            }
            let h = &v["header"];
            let hashes = v["transactionHashes"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let txs: Vec<String> = v["transactions"]
                .as_array()
                .into_iter()
                .flatten()
                .zip(hashes.iter().map(Some).chain(std::iter::repeat(None)))
                .map(|(t, hash)| {
                    format!(
                        "{} {} from {}",
                        hash.map_or_else(|| "-".into(), s),
                        s(&t["action"]["type"]),
                        s(&t["from"])
                    )
                })
                .collect();
            let time = h["timestampMs"]
                .as_u64()
                .map_or_else(|| s(&h["timestampMs"]), crate::run::utc_time);
            let mut rows = vec![
                ("height", s(&h["height"])),
                ("hash", s(&v["hash"])),
                ("time", time),
                ("parent", s(&h["parentHash"])),
                ("proposer", s(&h["proposer"])),
                ("state root", s(&h["stateRoot"])),
                ("transactions", txs.len().to_string()),
            ];
            for t in &txs {
                rows.push(("", t.clone()));
            }
            pairs(&rows);
        }
    }
    Ok(())
}
