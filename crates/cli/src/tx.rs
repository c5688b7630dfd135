//! `restake tx <actionName> field=value field:=<json> ...`, `restake tx list` and
//! `restake tx <actionName> --help`.
//!
//! Every action is previewed first (`restake_simulateTransaction`): one that would fail is not
//! sent unless `--force`. Then it is signed, sent, and its receipt awaited up to `--timeout`;
//! a transaction the node dropped is reported as such. Fields are read as [`crate::actions`]
//! describes.

use crate::actions;
use crate::conn::{Catalog, Conn};
use crate::error::CliError;
use crate::keys::KeyArgs;
use crate::units::format_amount;
use alloy_primitives::{Address, B256, U256};
use clap::Args;
use restake_beacon::json::LegacyProofFile;
use restake_client::RestakeApiClient;
use restake_client::types::SimulateRequest;
use restake_core::block::{Receipt, ReceiptError, Status};
use serde_json::{Map, Value, json};
use std::time::Duration;

/// `restake tx` options.
#[derive(Args)]
pub struct TxArgs {
    /// `list`, or an action name such as `depositIntoStrategy`.
    action: Option<String>,
    /// Fields: `name=value` (read by the field's type) or `name:=json` (the wire form).
    fields: Vec<String>,
    /// With an action: its fields and their types. Alone: this help.
    #[arg(short, long)]
    help: bool,
    #[command(flatten)]
    key: KeyArgs,
    /// Node URL [default: $RESTAKE_RPC_URL, else http://127.0.0.1:8545].
    #[arg(long)]
    rpc: Option<String>,
    /// Print the receipt as JSON.
    #[arg(long)]
    json: bool,
    /// Send without waiting for the receipt; print the transaction hash.
    #[arg(long)]
    no_wait: bool,
    /// Seconds to wait for the receipt.
    #[arg(long, default_value_t = 60)]
    timeout: u64,
    /// Send even if the preview says the action would fail.
    #[arg(long)]
    force: bool,
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

/// The fields a `--proofs` file adds to the action.
fn proof_fields(action: &str, path: &std::path::Path) -> Result<Map<String, Value>, CliError> {
    let file_err = |reason: String| CliError::File {
        path: path.display().to_string(),
        reason,
    };
    let text = std::fs::read_to_string(path).map_err(|e| file_err(format!("cannot read: {e}")))?;
    match serde_json::from_str::<Value>(&text).map_err(|e| file_err(format!("not JSON: {e}")))? {
        Value::Object(m) if m.contains_key("WithdrawalCredentialProof") => {
            legacy_fields(action, &text).map_err(file_err)
        }
        // The proof tool's command line wraps credential proofs with their timestamp.
        Value::Object(mut m) if m.contains_key("ValidatorProofs") => {
            let mut inner = match m.remove("ValidatorProofs") {
                Some(Value::Object(inner)) => inner,
                _ => return Err(file_err("ValidatorProofs must be an object".into())),
            };
            if let Some(ts) = m.remove("OracleBeaconTimestamp") {
                inner.insert("beaconTimestamp".into(), ts);
            }
            Ok(inner)
        }
        Value::Object(m) => Ok(m),
        _ => Err(file_err("must hold a JSON object".into())),
    }
}

/// `[code Name] message`.
fn reason(e: Option<&ReceiptError>) -> String {
    e.map_or_else(
        || "no reason given".to_string(),
        |e| format!("[{} {}] {}", e.code, e.name, e.message),
    )
}

/// The help of `restake tx` itself.
fn tx_help() -> String {
    let mut cmd = <TxArgs as Args>::augment_args(
        clap::Command::new("restake tx")
            .about("Sign and send a transaction: restake tx <action> field=value field:=<json> ...")
            .disable_help_flag(true),
    );
    cmd.render_help().to_string()
}

/// Runs `restake tx`.
pub async fn run(a: TxArgs) -> Result<(), CliError> {
    let Some(name) = a.action.as_deref() else {
        print!("{}", tx_help());
        return Ok(());
    };
    if name == "list" {
        print!("{}", actions::list());
        return Ok(());
    }
    if a.help {
        print!("{}", actions::help(name)?);
        return Ok(());
    }
    // An unknown action is reported before anything else is needed.
    actions::fields(name)?;
    let conn = Conn::open(a.rpc.as_deref())?;
    let w = a.key.wallet()?;
    let base = match &a.proofs {
        None => Map::new(),
        Some(path) => proof_fields(name, path)?,
    };
    let action = actions::build(&conn, name, &a.fields, base).await?;
    let preview = conn
        .client
        .simulate_transaction(SimulateRequest {
            from: w.address(),
            action: action.clone(),
        })
        .await
        .map_err(|e| conn.err(e))?;
    if a.simulate {
        // As JSON with sorted keys, the way the node sends it.
        let v = serde_json::to_value(&preview).map_err(|e| CliError::Other(e.to_string()))?;
        println!("{}", pretty(&v));
        return if preview.status == Status::Success {
            Ok(())
        } else {
            Err(CliError::Other(format!(
                "the action would fail: {}",
                reason(preview.error.as_ref())
            )))
        };
    }
    if preview.status == Status::Failed {
        if !a.force {
            return Err(CliError::WouldFail {
                action: name.to_string(),
                reason: reason(preview.error.as_ref()),
            });
        }
        eprintln!(
            "warning: the preview says {name} would fail ({}); sending it anyway (--force)",
            reason(preview.error.as_ref())
        );
    }
    let chain_id = conn.client.chain_id().await.map_err(|e| conn.err(e))?;
    let nonce = conn
        .client
        .get_nonce(w.address())
        .await
        .map_err(|e| conn.err(e))?;
    let tx = w.sign(action, nonce, chain_id);
    let hash = conn
        .client
        .send_transaction(tx)
        .await
        .map_err(|e| conn.err(e))?;
    if a.no_wait {
        println!("{hash}");
        return Ok(());
    }
    eprint!("sent {hash}, waiting for a block");
    let waited = wait(
        &conn,
        hash,
        w.address(),
        nonce,
        Duration::from_secs(a.timeout),
    )
    .await;
    eprintln!();
    let receipt = waited?;
    if a.json {
        let v = serde_json::to_value(&receipt).map_err(|e| CliError::Other(e.to_string()))?;
        println!("{}", pretty(&v));
    } else {
        let catalog = conn.catalog().await.unwrap_or_default();
        print_receipt(&catalog, hash, &receipt);
    }
    if receipt.status == Status::Failed {
        return Err(CliError::Failed {
            hash,
            block: receipt.block_number,
            reason: reason(receipt.error.as_ref()),
        });
    }
    Ok(())
}

/// Polls for the receipt of `hash` (sent by `from` with `nonce`) until `timeout`. Between polls
/// it asks the sender's next nonce: one not past `nonce` while there is no receipt means the
/// node no longer holds the transaction.
async fn wait(
    conn: &Conn,
    hash: B256,
    from: Address,
    nonce: u64,
    timeout: Duration,
) -> Result<Receipt, CliError> {
    let step = Duration::from_millis(200);
    let mut waited = Duration::ZERO;
    loop {
        let receipt = || conn.client.get_transaction_receipt(hash);
        if let Some(r) = receipt().await.map_err(|e| conn.err(e))? {
            return Ok(r);
        }
        let next_nonce = conn.client.get_nonce(from).await.map_err(|e| conn.err(e))?;
        if next_nonce <= nonce {
            // The block may have landed between the two reads: look once more.
            if let Some(r) = receipt().await.map_err(|e| conn.err(e))? {
                return Ok(r);
            }
            return Err(CliError::Vanished {
                hash,
                from,
                nonce,
                next_nonce,
            });
        }
        if waited >= timeout {
            return Err(CliError::NotIncluded {
                hash,
                secs: timeout.as_secs(),
            });
        }
        eprint!(".");
        tokio::time::sleep(step).await;
        waited = waited.saturating_add(step);
    }
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string())
}

/// A receipt for people: amounts in units, tokens and pools by symbol.
fn print_receipt(catalog: &Catalog, hash: B256, receipt: &Receipt) {
    println!("transaction  {hash}");
    println!("block        {}", receipt.block_number);
    match &receipt.status {
        Status::Success => println!("status       success"),
        Status::Failed => println!("status       failed: {}", reason(receipt.error.as_ref())),
    }
    for e in &receipt.events {
        let v = serde_json::to_value(e).unwrap_or(Value::Null);
        println!("  {}", event_line(catalog, &v));
    }
}

/// `Kind key=value ...` with amounts in the units of the token, pool or vault the event names.
pub fn event_line(catalog: &Catalog, v: &Value) -> String {
    let kind = v["type"].as_str().unwrap_or_default();
    let Some(fields) = v.as_object() else {
        return kind.to_string();
    };
    let named = |k: &str| -> Option<Address> { fields.get(k)?.as_str()?.parse().ok() };
    let unit_of = ["token", "strategy", "vault"]
        .into_iter()
        .find_map(|k| named(k).and_then(|a| catalog.token_behind(a)));
    let rest: Vec<String> = fields
        .iter()
        .filter(|(k, _)| *k != "type")
        .map(|(k, v)| {
            let shown = match v {
                Value::String(s) => {
                    let lower = k.to_ascii_lowercase();
                    let amount_like = lower.contains("amount") || lower.contains("shares");
                    match (s.parse::<U256>(), s.parse::<Address>()) {
                        (Ok(n), _) if amount_like && !s.starts_with("0x") => match unit_of {
                            Some(t) if lower.contains("shares") => {
                                format!("{} {} shares", format_amount(n, t.decimals), t.symbol)
                            }
                            Some(t) => format!("{} {}", format_amount(n, t.decimals), t.symbol),
                            None => s.clone(),
                        },
                        (_, Ok(a)) if s.len() == 42 => match catalog.token_of_strategy(a) {
                            // A pool outside a `strategy` field: say it is the pool.
                            Some(t) if k != "strategy" => format!("{} pool", t.symbol),
                            _ => {
                                let label = catalog.label(a);
                                if label == a.to_string() {
                                    s.clone()
                                } else {
                                    label
                                }
                            }
                        },
                        _ => s.clone(),
                    }
                }
                other => other.to_string(),
            };
            format!("{k}={shown}")
        })
        .collect();
    format!("{kind} {}", rest.join(" ")).trim_end().to_string()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
    use super::*;
    use restake_core::Action;

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
