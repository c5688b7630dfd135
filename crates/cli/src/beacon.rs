//! `restake beacon simulate`: native restaking on a devnet, which has no beacon chain. Builds a
//! beacon state whose validators withdraw to a pod, with the balances given, posts its block root
//! (and the pod's execution-layer balance) through the devnet's oracle accounts, and writes proof
//! files that `restake tx verifyWithdrawalCredentials --proofs` and
//! `restake tx verifyCheckpointProofs --proofs` take.
//!
//! Validator `i` of a pod always gets the same public-key hash, so successive runs with new
//! balances describe the same validators: run once to restake them, again after "the beacon chain"
//! changed their balances to checkpoint.

use crate::CliResult;
use crate::keys::wallet;
use alloy_primitives::{Address, B256, U256, keccak256};
use clap::Args;
use restake_beacon::generate::{BeaconStateBuilder, credentials_for, validator_fields};
use restake_beacon::{FAR_FUTURE_EPOCH, ProofVersion};
use restake_client::{BlockId, Client, ClientError, RestakeApiClient};
use restake_core::Action;
use restake_core::config::MAINNET_PECTRA_TIMESTAMP;
use serde_json::json;
use std::path::PathBuf;
use std::time::Duration;

/// `restake beacon simulate` options.
#[derive(Args)]
pub struct SimulateArgs {
    /// The pod the validators withdraw to.
    #[arg(long)]
    pod: Address,
    /// Validator balances in gwei, comma-separated (validator i gets the i-th).
    #[arg(long, value_delimiter = ',', required = true)]
    balances: Vec<u64>,
    /// Effective balance of every validator, in gwei (what credentials credit).
    #[arg(long, default_value_t = 32_000_000_000)]
    effective_balance: u64,
    /// The pod's ETH balance on the execution layer, in wei (for checkpoints).
    #[arg(long, default_value_t = U256::ZERO)]
    pod_balance_wei: U256,
    /// Payout instructions of the pod already carried out (for checkpoints).
    #[arg(long, default_value_t = 0)]
    payouts_executed: u64,
    /// Beacon timestamp (default: the head block's timestamp).
    #[arg(long)]
    timestamp: Option<u64>,
    /// Oracle keys that post the root (default: the devnet's development accounts 7 and 8).
    #[arg(long, value_delimiter = ',', default_value = "dev:7,dev:8")]
    oracle_keys: Vec<String>,
    /// Directory for `credentials.json` and `checkpoint.json`.
    #[arg(long, default_value = ".")]
    out: PathBuf,
    /// Node URL [default: $RESTAKE_RPC_URL, else http://127.0.0.1:8545].
    #[arg(long)]
    rpc: Option<String>,
}

/// `restake beacon ...`.
#[derive(clap::Subcommand)]
pub enum BeaconCmd {
    /// Simulate a beacon state for a devnet pod: post its root, write proof files.
    Simulate(SimulateArgs),
}

/// Runs `restake beacon`.
pub async fn run(cmd: BeaconCmd) -> CliResult {
    match cmd {
        BeaconCmd::Simulate(a) => simulate(a).await,
    }
}

/// The public-key hash the simulator gives validator `i` of `pod`.
pub fn simulated_pubkey_hash(pod: &Address, i: u64) -> B256 {
    let mut buf = b"restake beacon simulate".to_vec();
    buf.extend_from_slice(pod.as_slice());
    buf.extend_from_slice(&i.to_be_bytes());
    keccak256(buf)
}

async fn send(client: &Client, key: &str, action: Action) -> CliResult {
    let w = wallet(key)?;
    let receipt = client
        .execute(&w, action)
        .await
        .map_err(|e| e.to_string())?;
    if let Some(err) = receipt.error {
        return Err(format!("{}: [{}] {}", key, err.code, err.message));
    }
    Ok(())
}

async fn simulate(a: SimulateArgs) -> CliResult {
    let client = Client::new(&crate::conn::rpc_url(a.rpc.as_deref())).map_err(|e| e.to_string())?;
    let ts = match a.timestamp {
        Some(t) => t,
        None => {
            let head = client
                .get_block(BlockId::latest())
                .await
                .map_err(|e| ClientError::from(e).to_string())?;
            head.map(|b| b.header.timestamp_secs())
                .ok_or("the head block has no timestamp")?
        }
    };
    let version = if ts <= MAINNET_PECTRA_TIMESTAMP {
        ProofVersion::Deneb
    } else {
        ProofVersion::Pectra
    };
    let validators: Vec<Vec<B256>> = (0..a.balances.len() as u64)
        .map(|i| {
            validator_fields(
                simulated_pubkey_hash(&a.pod, i),
                credentials_for(a.pod, 1),
                a.effective_balance,
                false,
                0,
                1,
                FAR_FUTURE_EPOCH,
                FAR_FUTURE_EPOCH,
            )
        })
        .collect();
    let built = BeaconStateBuilder {
        version,
        validators: validators.clone(),
        balances_gwei: a.balances.clone(),
    }
    .build()
    .map_err(|e| e.to_string())?;
    for key in &a.oracle_keys {
        send(
            &client,
            key,
            Action::PostBeaconRoot {
                timestamp: ts,
                block_root: built.block_root,
            },
        )
        .await?;
        send(
            &client,
            key,
            Action::PostPodBalance {
                pod: a.pod,
                timestamp: ts,
                balance_wei: a.pod_balance_wei,
                payouts_executed: a.payouts_executed,
            },
        )
        .await?;
    }
    let indices: Vec<u64> = (0..a.balances.len() as u64).collect();
    let mut proofs = Vec::with_capacity(indices.len());
    let mut balances = Vec::with_capacity(indices.len());
    for i in &indices {
        proofs.push(built.validator_proof(*i).map_err(|e| e.to_string())?);
        balances.push(built.balance_proof(*i).map_err(|e| e.to_string())?);
    }
    let credentials = json!({
        "beaconTimestamp": ts,
        "stateRootProof": built.state_root_proof(),
        "validatorIndices": indices,
        "validatorFieldsProofs": proofs,
        "validatorFields": validators,
    });
    let checkpoint = json!({
        "pod": a.pod,
        "balanceContainerProof": built.balance_container_proof(),
        "proofs": balances,
    });
    std::fs::create_dir_all(&a.out).map_err(|e| e.to_string())?;
    let write = |name: &str, v: &serde_json::Value| -> Result<PathBuf, String> {
        let path = a.out.join(name);
        let text = serde_json::to_string_pretty(v).map_err(|e| e.to_string())?;
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        Ok(path)
    };
    let c = write("credentials.json", &credentials)?;
    let k = write("checkpoint.json", &checkpoint)?;
    // Give the node a moment so the root is in before the user's next command.
    tokio::time::sleep(Duration::from_millis(10)).await;
    println!("beacon timestamp  {ts}");
    println!(
        "block root        {} (posted by {})",
        built.block_root,
        a.oracle_keys.join(", ")
    );
    println!("proof files       {}, {}", c.display(), k.display());
    println!();
    println!("restake the validators (pod owner):");
    println!(
        "  restake tx verifyWithdrawalCredentials --proofs {} --key <owner>",
        c.display()
    );
    println!("or checkpoint them (owner starts, anyone proves):");
    println!("  restake tx startCheckpoint beaconTimestamp:={ts} --key <owner>");
    println!(
        "  restake tx verifyCheckpointProofs --proofs {} --key <anyone>",
        k.display()
    );
    Ok(())
}
