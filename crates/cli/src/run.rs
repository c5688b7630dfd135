//! `restake dev` and `restake node`.

use crate::CliResult;
use clap::Args;
use restake_core::app::Genesis;
use restake_node::devnet;
use restake_node::node::NodeConfig;
use restake_node::server::{ApiConfig, serve};
use restake_store::Store;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// `restake dev` options.
#[derive(Args)]
pub struct DevArgs {
    /// Address of the JSON-RPC / WebSocket API.
    #[arg(long, default_value = "127.0.0.1:8545")]
    rpc_addr: SocketAddr,
    /// Where the chain is stored (kept across restarts).
    #[arg(long, default_value = ".restake/devnet")]
    data_dir: PathBuf,
    /// Time between blocks, in milliseconds.
    #[arg(long, default_value_t = 1000)]
    block_time_ms: u64,
    /// Log filter (e.g. `info`, `restake_node=debug`).
    #[arg(long, default_value = "info")]
    log: String,
}

/// `restake node` options.
#[derive(Args)]
pub struct NodeArgs {
    /// Node config file (JSON).
    #[arg(long)]
    config: PathBuf,
    /// Log filter.
    #[arg(long, default_value = "info")]
    log: String,
}

/// The node config file.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct NodeFile {
    data_dir: PathBuf,
    rpc_addr: SocketAddr,
    chain_id: u64,
    genesis: PathBuf,
    /// Unix seconds of block 0; must be the same on every node of the chain.
    genesis_time: u64,
    #[serde(default = "default_block_time")]
    block_time_ms: u64,
    #[serde(default)]
    max_block_txs: Option<usize>,
}

fn default_block_time() -> u64 {
    1000
}

fn init_logs(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// `restake dev`.
pub async fn dev(a: DevArgs) -> CliResult {
    init_logs(&a.log);
    let genesis = devnet::genesis();
    println!("Restake devnet (chain id {})", devnet::CHAIN_ID);
    println!("Development accounts (public keys: never use them for value):");
    for (i, (addr, key)) in devnet::DEV_ACCOUNTS.iter().enumerate() {
        println!("  ({i}) {addr}  {key}");
    }
    println!("Each holds 10000 of: {}", devnet::TOKENS.join(", "));
    println!("Account (0) governs the devnet and mints its tokens.");
    println!(
        "Accounts (7), (8) and (9) are the beacon oracle (2 must agree); `restake beacon simulate` posts roots for a pod."
    );
    println!(
        "Rewards epochs are {} blocks.",
        restake_core::config::Params::devnet().rewards_epoch_blocks
    );
    let config = NodeConfig {
        chain_id: devnet::CHAIN_ID,
        block_interval: Duration::from_millis(a.block_time_ms.max(10)),
        ..NodeConfig::default()
    };
    let genesis_time = restake_node::clock::unix_seconds();
    run_node(&a.data_dir, &genesis, genesis_time, config, a.rpc_addr).await
}

/// `restake node --config FILE`.
pub async fn node(a: NodeArgs) -> CliResult {
    init_logs(&a.log);
    let text = std::fs::read_to_string(&a.config)
        .map_err(|e| format!("cannot read {}: {e}", a.config.display()))?;
    let file: NodeFile = serde_json::from_str(&text)
        .map_err(|e| format!("invalid config {}: {e}", a.config.display()))?;
    let gtext = std::fs::read_to_string(&file.genesis)
        .map_err(|e| format!("cannot read {}: {e}", file.genesis.display()))?;
    let genesis: Genesis = serde_json::from_str(&gtext)
        .map_err(|e| format!("invalid genesis {}: {e}", file.genesis.display()))?;
    let mut config = NodeConfig {
        chain_id: file.chain_id,
        block_interval: Duration::from_millis(file.block_time_ms.max(10)),
        ..NodeConfig::default()
    };
    if let Some(m) = file.max_block_txs {
        config.max_block_txs = m;
    }
    run_node(
        &file.data_dir,
        &genesis,
        file.genesis_time,
        config,
        file.rpc_addr,
    )
    .await
}

async fn run_node(
    dir: &std::path::Path,
    genesis: &Genesis,
    genesis_time: u64,
    config: NodeConfig,
    rpc: SocketAddr,
) -> CliResult {
    let store =
        Store::open(dir).map_err(|e| format!("cannot open the store in {}: {e}", dir.display()))?;
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let (handle, task) = restake_node::start(store, genesis, genesis_time, config, stop_rx)
        .map_err(|e| e.to_string())?;
    let height = handle.head().height;
    let api = ApiConfig {
        addr: rpc,
        ..ApiConfig::default()
    };
    let (addr, server) = serve(handle, &api)
        .await
        .map_err(|e| format!("cannot listen on {rpc}: {e}"))?;
    println!("Data directory: {}", dir.display());
    println!(
        "Chain at height {height}; JSON-RPC and WebSocket on http://{addr} (health: /health, metrics: /metrics)"
    );
    println!("Press Ctrl-C to stop.");
    tokio::signal::ctrl_c().await.map_err(|e| e.to_string())?;
    println!("Stopping: finishing the current block...");
    let _ = stop_tx.send(true);
    let _ = server.stop();
    let _ = task.await;
    println!("Stopped.");
    Ok(())
}

/// `restake genesis`.
pub fn print_genesis() -> CliResult {
    let text = serde_json::to_string_pretty(&devnet::genesis()).map_err(|e| e.to_string())?;
    println!("{text}");
    Ok(())
}
