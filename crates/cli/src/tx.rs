//! `restake tx <actionName> field=value field:=<json> ...`
//!
//! Builds the action JSON (`{"type": actionName, ...}`): `field=value` sets a string,
//! `field:=json` sets raw JSON (numbers, arrays, objects, null). A value `@SYMBOL` stands for
//! the strategy of that token (or the token itself when the field is `token` or `tokens`), also inside
//! nested objects and arrays such as `params:='[{"strategies":["@stETH"],...}]'`.

use crate::CliResult;
use crate::keys::wallet;
use clap::Args;
use restake_beacon::json::LegacyProofFile;
use restake_client::types::SimulateRequest;
use restake_client::{Client, ClientError, RestakeApiClient};
use restake_core::Action;
use restake_core::block::Status;
use serde_json::{Map, Value, json};

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
    /// Do not sign or send: run the action on the latest state and print what it would do
    /// (`restake_simulateTransaction`).
    #[arg(long)]
    simulate: bool,
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
            Ok(Value::String(if field == "token" || field == "tokens" {
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

/// The action fields a proof file in the layout of EigenLayer's test data stands for.
fn legacy_fields(action: &str, text: &str) -> Result<Map<String, Value>, String> {
    let file: LegacyProofFile =
        serde_json::from_str(text).map_err(|e| format!("not a proof file: {e}"))?;
    let need_header = || {
        file.state_root_proof()
            .ok_or("the proof file has no StateRootAgainstLatestBlockHeaderProof")
    };
    let v = match action {
        "verifyWithdrawalCredentials" => json!({
            "stateRootProof": need_header()?,
            "validatorIndices": [file.validator_index],
            "validatorFieldsProofs": [file.withdrawal_credential_proof],
            "validatorFields": [file.validator_fields],
        }),
        "verifyCheckpointProofs" => {
            let (container, balance) = file.checkpoint_proofs().map_err(|e| e.to_string())?;
            json!({ "balanceContainerProof": container, "proofs": [balance] })
        }
        "verifyStaleBalance" => json!({
            "stateRootProof": need_header()?,
            "proof": file.validator_proof(),
        }),
        other => return Err(format!("a proof file does not fit {other}")),
    };
    match v {
        Value::Object(m) => Ok(m),
        _ => Err("internal: proof fields are not an object".into()),
    }
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
                Value::Object(m) if m.contains_key("WithdrawalCredentialProof") => {
                    legacy_fields(&a.action, &text)?
                }
                // The proof tool's command line wraps credential proofs with their timestamp.
                Value::Object(mut m) if m.contains_key("ValidatorProofs") => {
                    let mut inner = match m.remove("ValidatorProofs") {
                        Some(Value::Object(inner)) => inner,
                        _ => return Err("ValidatorProofs must be an object".into()),
                    };
                    if let Some(ts) = m.remove("OracleBeaconTimestamp") {
                        inner.insert("beaconTimestamp".into(), ts);
                    }
                    inner
                }
                Value::Object(m) => m,
                _ => return Err(format!("{} must hold a JSON object", path.display())),
            }
        }
    };
    let action = build_action(&client, &a.action, &a.fields, base).await?;
    if a.simulate {
        let request = SimulateRequest {
            from: w.address(),
            action,
        };
        let sim = client
            .simulate_transaction(request)
            .await
            .map_err(|e| ClientError::from(e).to_string())?;
        // As JSON with sorted keys, the way the node sends it.
        let v = serde_json::to_value(&sim).map_err(|e| e.to_string())?;
        println!(
            "{}",
            serde_json::to_string_pretty(&v).map_err(|e| e.to_string())?
        );
        return if sim.status == Status::Success {
            Ok(())
        } else {
            Err("the action would fail".into())
        };
    }
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
    use super::*;

    const VECTOR: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/vectors/beacon/balanceUpdateProof_balance28ETH_302913.json"
    );

    fn action(name: &str) -> Action {
        let text = std::fs::read_to_string(VECTOR).unwrap();
        let mut m = legacy_fields(name, &text).unwrap();
        m.insert("type".into(), Value::String(name.into()));
        if name != "verifyCheckpointProofs" {
            m.insert("beaconTimestamp".into(), json!(1_700_000_000u64));
        }
        m.insert(
            "pod".into(),
            json!("0x49c486e3f4303bc11c02f952fe5b08d0ab22d443"),
        );
        serde_json::from_value(Value::Object(m)).unwrap()
    }

    #[test]
    fn a_legacy_proof_file_becomes_each_proof_action() {
        match action("verifyWithdrawalCredentials") {
            Action::VerifyWithdrawalCredentials {
                validator_indices,
                validator_fields_proofs,
                validator_fields,
                state_root_proof,
                ..
            } => {
                assert_eq!(validator_indices, vec![302_913]);
                assert_eq!(validator_fields_proofs[0].len(), 46);
                assert_eq!(validator_fields[0].len(), 8);
                assert_eq!(state_root_proof.proof.len(), 3);
            }
            other => panic!("{other:?}"),
        }
        match action("verifyCheckpointProofs") {
            Action::VerifyCheckpointProofs {
                balance_container_proof,
                proofs,
                ..
            } => {
                assert_eq!(balance_container_proof.proof.len(), 8);
                assert_eq!(proofs[0].proof.len(), 39);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            action("verifyStaleBalance"),
            Action::VerifyStaleBalance { .. }
        ));
        let text = std::fs::read_to_string(VECTOR).unwrap();
        assert!(legacy_fields("delegateTo", &text).is_err());
    }
}
