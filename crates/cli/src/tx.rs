//! `restake tx <actionName> field=value field:=<json> ...`
//!
//! Builds the action JSON (`{"type": actionName, ...}`): `field=value` sets a string,
//! `field:=json` sets raw JSON (numbers, arrays, objects, null). A value `@SYMBOL` stands for
//! the strategy of that token (or the token itself when the field is `token`), also inside
//! nested objects and arrays such as `params:='[{"strategies":["@stETH"],...}]'`.

use crate::CliResult;
use crate::keys::wallet;
use clap::Args;
use restake_client::Client;
use restake_core::Action;
use restake_core::block::Status;
use serde_json::{Map, Value};

/// `restake tx` options.
#[derive(Args)]
pub struct TxArgs {
    /// Action name, e.g. `depositIntoStrategy`.
    action: String,
    /// Fields: `name=string` or `name:=json`.
    fields: Vec<String>,
    /// Signing key (hex) or `dev:N`.
    #[arg(long)]
    key: String,
    /// Node URL.
    #[arg(long, default_value = "http://127.0.0.1:8545")]
    rpc: String,
    /// Print the receipt as JSON.
    #[arg(long)]
    json: bool,
    /// Send without waiting for the receipt; print the transaction hash.
    #[arg(long)]
    no_wait: bool,
    /// A JSON file whose top-level fields join the action (e.g. a proof file in EigenLayer's
    /// layout for `verifyWithdrawalCredentials` or `verifyCheckpointProofs`); fields given on
    /// the command line win.
    #[arg(long)]
    proofs: Option<std::path::PathBuf>,
}

async fn resolve(client: &Client, field: &str, v: Value) -> Result<Value, String> {
    match v {
        Value::String(s) if s.starts_with('@') => {
            let (strategy, token) = client
                .strategy_by_symbol(s.trim_start_matches('@'))
                .await
                .map_err(|e| e.to_string())?;
            Ok(Value::String(if field == "token" {
                token.to_string()
            } else {
                strategy.to_string()
            }))
        }
        Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for i in items {
                out.push(Box::pin(resolve(client, field, i)).await?);
            }
            Ok(Value::Array(out))
        }
        Value::Object(fields) => {
            let mut out = Map::new();
            for (k, v) in fields {
                let resolved = Box::pin(resolve(client, &k, v)).await?;
                out.insert(k, resolved);
            }
            Ok(Value::Object(out))
        }
        other => Ok(other),
    }
}

/// Builds the action JSON from the command line.
pub async fn build_action(
    client: &Client,
    name: &str,
    fields: &[String],
    base: Map<String, Value>,
) -> Result<Action, String> {
    let mut obj = base;
    obj.insert("type".into(), Value::String(name.into()));
    for f in fields {
        let (k, v) = if let Some((k, raw)) = f.split_once(":=") {
            (
                k,
                serde_json::from_str(raw)
                    .map_err(|e| format!("field {k}: invalid JSON {raw:?}: {e}"))?,
            )
        } else if let Some((k, s)) = f.split_once('=') {
            (k, Value::String(s.into()))
        } else {
            return Err(format!("expected name=value or name:=json, got {f:?}"));
        };
        obj.insert(k.into(), resolve(client, k, v).await?);
    }
    serde_json::from_value(Value::Object(obj)).map_err(|e| format!("invalid {name} action: {e}"))
}

/// Runs `restake tx`.
pub async fn run(a: TxArgs) -> CliResult {
    let client = Client::new(&a.rpc).map_err(|e| e.to_string())?;
    let w = wallet(&a.key)?;
    let base = match &a.proofs {
        None => Map::new(),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            match serde_json::from_str::<Value>(&text)
                .map_err(|e| format!("{} is not JSON: {e}", path.display()))?
            {
                Value::Object(m) => m,
                _ => return Err(format!("{} must hold a JSON object", path.display())),
            }
        }
    };
    let action = build_action(&client, &a.action, &a.fields, base).await?;
    let chain_id = client.chain_id().await.map_err(|e| e.to_string())?;
    let nonce = client.nonce(w.address()).await.map_err(|e| e.to_string())?;
    let tx = w.sign(action, nonce, chain_id);
    let hash = client.send(&tx).await.map_err(|e| e.to_string())?;
    if a.no_wait {
        println!("{hash}");
        return Ok(());
    }
    eprint!("sent {hash}, waiting for a block");
    let receipt = loop {
        if let Some(r) = client.receipt(hash).await.map_err(|e| e.to_string())? {
            break r;
        }
        eprint!(".");
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    };
    eprintln!();
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&receipt).map_err(|e| e.to_string())?
        );
    } else {
        println!("transaction  {hash}");
        println!("block        {}", receipt.block_number);
        match (&receipt.status, &receipt.error) {
            (Status::Success, _) => println!("status       success"),
            (Status::Failed, Some(e)) => {
                println!("status       failed: [{} {}] {}", e.code, e.name, e.message)
            }
            (Status::Failed, None) => println!("status       failed"),
        }
        for e in &receipt.events {
            let v = serde_json::to_value(e).map_err(|e| e.to_string())?;
            let kind = v["type"].as_str().unwrap_or_default().to_string();
            let rest: Vec<String> = v
                .as_object()
                .map(|o| {
                    o.iter()
                        .filter(|(k, _)| *k != "type")
                        .map(|(k, v)| format!("{k}={}", compact(v)))
                        .collect()
                })
                .unwrap_or_default();
            println!("  {kind} {}", rest.join(" "));
        }
    }
    if receipt.status == Status::Failed {
        return Err("the transaction failed".into());
    }
    Ok(())
}

fn compact(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
