//! `restake signer`: an operator's signer as a local JSON-RPC service, and its record's
//! interchange file.
//!
//! `restake signer run` loads every keystore of a folder (Web3 Secret Storage files as ECDSA set
//! keys, EIP-2335 files as BLS set keys), opens the slashing-protection record and serves, on a
//! loopback address only:
//!
//! - `signer_keys` → the registered bytes (`keyData`) of every key held;
//! - `signer_sign [request]` → `{signature}`, where `request` is `{keyData, avs, setId,
//!   referenceHeight, duty: {kind: "task", id} | {kind: "height", height}, messageHash}`; a
//!   request that conflicts with one already signed is refused (code 1), never signed.

use crate::CliResult;
use crate::keys::KEYSTORE_PASSWORD_ENV;
use clap::Subcommand;
use jsonrpsee::RpcModule;
use jsonrpsee::server::Server;
use jsonrpsee::types::ErrorObjectOwned;
use restake_signer::{Interchange, ProtectionDb, SignRequest, Signer, SigningKey};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// `restake signer`.
#[derive(Subcommand)]
pub enum SignerCmd {
    /// Serve signing with the keys of a folder on a loopback address, through the
    /// slashing-protection record (created if missing).
    Run {
        /// The folder of keystores.
        #[arg(long)]
        keys: PathBuf,
        /// The slashing-protection record.
        #[arg(long)]
        db: PathBuf,
        /// Where to listen (loopback only).
        #[arg(long, default_value = "127.0.0.1:9600")]
        listen: SocketAddr,
        /// The chain whose signing domain the signatures are in.
        #[arg(long, default_value_t = restake_node::devnet::CHAIN_ID)]
        chain_id: u64,
        /// A file whose first line is the keystores' password (or `RESTAKE_KEYSTORE_PASSWORD`).
        #[arg(long)]
        password_file: Option<PathBuf>,
    },
    /// Write the record as an interchange file (for a fail-over to another machine).
    Export {
        /// The slashing-protection record.
        #[arg(long)]
        db: PathBuf,
        /// The chain.
        #[arg(long, default_value_t = restake_node::devnet::CHAIN_ID)]
        chain_id: u64,
        /// Where to write it.
        #[arg(long)]
        out: PathBuf,
    },
    /// Merge an interchange file into the record; a file that contradicts the record is
    /// refused whole.
    Import {
        /// The interchange file.
        file: PathBuf,
        /// The slashing-protection record.
        #[arg(long)]
        db: PathBuf,
        /// The chain.
        #[arg(long, default_value_t = restake_node::devnet::CHAIN_ID)]
        chain_id: u64,
    },
}

fn password(file: Option<&PathBuf>) -> Result<String, String> {
    match file {
        Some(p) => std::fs::read_to_string(p)
            .map(|t| t.lines().next().unwrap_or_default().to_string())
            .map_err(|e| format!("cannot read {}: {e}", p.display())),
        None => std::env::var(KEYSTORE_PASSWORD_ENV).map_err(|_| {
            format!("the keystores' password: --password-file or {KEYSTORE_PASSWORD_ENV}")
        }),
    }
}

/// Every keystore of `dir`, decrypted.
fn load_keys(dir: &Path, password: &str) -> Result<Vec<SigningKey>, String> {
    use restake_client::keystore::{Keystore, Web3Keystore};
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    let mut keys = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let named = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
        if let Ok(ks) = Web3Keystore::from_json(&text) {
            let secret = ks.decrypt(password).map_err(|e| named(&e))?;
            let wallet = restake_client::Wallet::from_bytes(secret).map_err(|e| named(&e))?;
            keys.push(SigningKey::Ecdsa(wallet));
        } else if let Ok(ks) = Keystore::from_json(&text) {
            keys.push(SigningKey::Bls(
                ks.decrypt(password).map_err(|e| named(&e))?,
            ));
        }
    }
    if keys.is_empty() {
        return Err(format!("no keystores in {}", dir.display()));
    }
    Ok(keys)
}

/// Runs a signer command.
pub async fn run(cmd: SignerCmd) -> CliResult {
    match cmd {
        SignerCmd::Run {
            keys,
            db,
            listen,
            chain_id,
            password_file,
        } => {
            if !listen.ip().is_loopback() {
                return Err(format!(
                    "the signer listens on loopback addresses only, not {listen}: keys must not be reachable from the network"
                ));
            }
            let keys = load_keys(&keys, &password(password_file.as_ref())?)?;
            let db = ProtectionDb::open(&db).map_err(|e| e.to_string())?;
            let signer = Arc::new(Signer::new(chain_id, keys, db));
            let mut module = RpcModule::new(signer.clone());
            module
                .register_method("signer_keys", |_, s, _| s.key_data())
                .map_err(|e| e.to_string())?;
            module
                .register_blocking_method("signer_sign", |params, s, _| {
                    let req: SignRequest = params.one()?;
                    s.sign(&req)
                        .map(|signature| serde_json::json!({ "signature": signature }))
                        .map_err(|e| ErrorObjectOwned::owned(1, e.to_string(), None::<()>))
                })
                .map_err(|e| e.to_string())?;
            let server = Server::builder()
                .build(listen)
                .await
                .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
            let addr = server.local_addr().map_err(|e| e.to_string())?;
            let handle = server.start(module);
            println!(
                "signer listening on http://{addr} with {} key(s)",
                signer.key_data().len()
            );
            tokio::select! {
                _ = handle.clone().stopped() => {}
                _ = tokio::signal::ctrl_c() => { let _ = handle.stop(); }
            }
        }
        SignerCmd::Export { db, chain_id, out } => {
            let db = ProtectionDb::open(&db).map_err(|e| e.to_string())?;
            let file = db.export(chain_id).map_err(|e| e.to_string())?;
            let text = serde_json::to_string_pretty(&file).map_err(|e| e.to_string())?;
            std::fs::write(&out, format!("{text}\n"))
                .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
            println!(
                "{} record(s) written to {}",
                file.records.len(),
                out.display()
            );
        }
        SignerCmd::Import { file, db, chain_id } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            let interchange: Interchange =
                serde_json::from_str(&text).map_err(|e| format!("{}: {e}", file.display()))?;
            let db = ProtectionDb::open(&db).map_err(|e| e.to_string())?;
            let n = db
                .import(&interchange, chain_id)
                .map_err(|e| e.to_string())?;
            println!("{n} record(s) imported");
        }
    }
    Ok(())
}
