//! `restake dev` and `restake node`.
//!
//! Both check that the API address is free before they open (or create) the data directory,
//! log one line per committed block, and stop gracefully on Ctrl-C or SIGTERM.

use crate::CliResult;
use crate::error::CliError;
use clap::Args;
use restake_consensus::{ConsensusSettings, MalachiteEngine, TimeoutSettings};
use restake_core::app::Genesis;
use restake_node::devnet;
use restake_node::engine::{Engine, SoloEngine};
use restake_node::node::NodeConfig;
use restake_node::server::{ApiConfig, serve};
use restake_store::Store;
use serde::Deserialize;
use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
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
    /// Start from a clean chain: delete the chain stored in the data directory first.
    #[arg(long)]
    fresh: bool,
    /// Time between blocks, in milliseconds.
    #[arg(long, default_value_t = 1000)]
    block_time_ms: u64,
    /// Log filter (e.g. `info`, `restake_node=debug`).
    #[arg(long, default_value = "info")]
    log: String,
    /// Serve the web app from this folder (`crates/web/app`) instead of the copy built in, so a
    /// page changed there shows on reload.
    #[arg(long)]
    web_dir: Option<PathBuf>,
}

/// The default log filter of `restake node`: this node's lines, and only the consensus
/// engine's warnings.
const NODE_LOG: &str = "info,arc_malachitebft_core_consensus=warn,arc_malachitebft_engine=warn,\
arc_malachitebft_network=warn,arc_malachitebft_sync=warn,arc_malachitebft_discovery=warn,\
libp2p=warn";

/// `restake node` options.
#[derive(Args)]
pub struct NodeArgs {
    /// Node config file (JSON). Relative paths in it are read from the file's folder.
    #[arg(long)]
    config: PathBuf,
    /// Log filter. The default keeps the consensus engine's per-vote messages out (add
    /// `arc_malachitebft_core_consensus=info` to see them).
    #[arg(long, default_value = NODE_LOG)]
    log: String,
}

/// The node config file (`docs/consensus.md` describes every field).
#[derive(Deserialize, serde::Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct NodeFile {
    pub(crate) data_dir: PathBuf,
    pub(crate) rpc_addr: SocketAddr,
    pub(crate) chain_id: u64,
    pub(crate) genesis: PathBuf,
    /// Unix seconds of block 0; must be the same on every node of the chain.
    pub(crate) genesis_time: u64,
    #[serde(default = "default_block_time")]
    pub(crate) block_time_ms: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) max_block_txs: Option<usize>,
    /// Serve the web app from this folder instead of the copy built in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) web_dir: Option<PathBuf>,
    /// `validator` (signs with `consensusKeyFile`) or `full` (follows, never votes).
    #[serde(default)]
    pub(crate) role: Role,
    /// The consensus key file (`restake keys consensus new`). A solo node without one uses the
    /// devnet's public validator key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) consensus_key_file: Option<PathBuf>,
    /// RPC URLs of the other nodes, which admitted transactions are forwarded to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) gossip_peers: Vec<String>,
    /// Present: the node runs Malachite BFT with its peers. Absent: it decides alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) consensus: Option<ConsensusFile>,
}

/// A node's part in consensus.
#[derive(Deserialize, serde::Serialize, Default, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "camelCase")]
pub(crate) enum Role {
    /// Proposes and votes with its consensus key.
    #[default]
    Validator,
    /// Follows the chain and serves it; never votes.
    Full,
}

/// The `consensus` section.
#[derive(Deserialize, serde::Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct ConsensusFile {
    /// The libp2p identity's key file (`{"type":"ed25519","secret":"0x…"}`).
    pub(crate) node_key_file: PathBuf,
    /// Multiaddr to listen on, e.g. `/ip4/127.0.0.1/tcp/9545`.
    pub(crate) listen: String,
    /// Multiaddrs (with `/p2p/<peer id>`) of the nodes to stay connected to.
    #[serde(default)]
    pub(crate) persistent_peers: Vec<String>,
    /// Most connections from one IP address (a local testnet shares 127.0.0.1).
    #[serde(default = "default_connections_per_ip")]
    pub(crate) max_connections_per_ip: usize,
    /// Round timeouts in milliseconds; default: scaled from `blockTimeMs`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) timeouts: Option<TimeoutsFile>,
}

/// Round timeouts, in milliseconds.
#[derive(Deserialize, serde::Serialize, Clone, Copy)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct TimeoutsFile {
    pub(crate) propose_ms: u64,
    pub(crate) propose_delta_ms: u64,
    pub(crate) prevote_ms: u64,
    pub(crate) prevote_delta_ms: u64,
    pub(crate) precommit_ms: u64,
    pub(crate) precommit_delta_ms: u64,
    pub(crate) rebroadcast_ms: u64,
}

fn default_connections_per_ip() -> usize {
    32
}

/// A libp2p node key file: `{"type":"ed25519","secret":"0x…","peerId":"12D3…"}`.
#[derive(Deserialize, serde::Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct NodeKeyFile {
    #[serde(rename = "type")]
    pub(crate) kind: String,
    pub(crate) secret: alloy_primitives::B256,
    pub(crate) peer_id: String,
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
        // Colour codes only for a person at a terminal, never into a file or a pipe.
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}

/// Fails, before anything is written, if the API address cannot be bound.
fn check_port_free(addr: SocketAddr) -> Result<(), CliError> {
    std::net::TcpListener::bind(addr).map(drop).map_err(|e| {
        let why = if e.kind() == std::io::ErrorKind::AddrInUse {
            "the address is already in use (is another node running?)".to_string()
        } else {
            e.to_string()
        };
        CliError::Other(format!(
            "cannot listen on {addr}: {why}. Nothing was written; choose another --rpc-addr"
        ))
    })
}

/// `restake dev`.
pub async fn dev(a: DevArgs) -> Result<(), CliError> {
    init_logs(&a.log);
    check_port_free(a.rpc_addr)?;
    if a.fresh {
        let file = a.data_dir.join(restake_store::FILE_NAME);
        match std::fs::remove_file(&file) {
            Ok(()) => println!("Fresh start: removed the chain in {}", a.data_dir.display()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(CliError::File {
                    path: file.display().to_string(),
                    reason: format!("cannot remove the old chain: {e}"),
                });
            }
        }
    }
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
    let engine = Box::new(SoloEngine::new(config.validator_key.clone()));
    run_node(
        &a.data_dir,
        &genesis,
        genesis_time,
        config,
        engine,
        ApiConfig {
            addr: a.rpc_addr,
            web_dir: a.web_dir.clone(),
            ..ApiConfig::default()
        },
    )
    .await
}

/// `path` as written in a config file in folder `base`: relative paths are read from there.
fn beside(base: &Path, path: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        base.join(path)
    }
}

/// `restake node --config FILE`.
pub async fn node(a: NodeArgs) -> Result<(), CliError> {
    init_logs(&a.log);
    let file_err = |path: &Path, reason: String| CliError::File {
        path: path.display().to_string(),
        reason,
    };
    let text = std::fs::read_to_string(&a.config)
        .map_err(|e| file_err(&a.config, format!("cannot read the config: {e}")))?;
    let file: NodeFile = serde_json::from_str(&text)
        .map_err(|e| file_err(&a.config, format!("invalid config: {e}")))?;
    let base = a.config.parent().unwrap_or(Path::new("."));
    let genesis_path = beside(base, &file.genesis);
    let data_dir = beside(base, &file.data_dir);
    check_port_free(file.rpc_addr)?;
    let gtext = std::fs::read_to_string(&genesis_path)
        .map_err(|e| file_err(&genesis_path, format!("cannot read the genesis: {e}")))?;
    let genesis: Genesis = serde_json::from_str(&gtext)
        .map_err(|e| file_err(&genesis_path, format!("invalid genesis: {e}")))?;
    let key = match &file.consensus_key_file {
        Some(path) => {
            let path = beside(base, path);
            restake_node::keyfile::read_consensus_key(&path)
                .map_err(|e| file_err(&path, e.to_string()))?
        }
        None => devnet::validator_key(),
    };
    let mut config = NodeConfig {
        chain_id: file.chain_id,
        block_interval: Duration::from_millis(file.block_time_ms.max(10)),
        validator_key: key.clone(),
        gossip_peers: file.gossip_peers.clone(),
        ..NodeConfig::default()
    };
    if let Some(m) = file.max_block_txs {
        config.max_block_txs = m;
    }
    let engine: Box<dyn Engine> = match &file.consensus {
        None => Box::new(SoloEngine::new(key)),
        Some(c) => {
            let node_key_path = beside(base, &c.node_key_file);
            let ntext = std::fs::read_to_string(&node_key_path)
                .map_err(|e| file_err(&node_key_path, format!("cannot read the node key: {e}")))?;
            let node_key: NodeKeyFile = serde_json::from_str(&ntext)
                .map_err(|e| file_err(&node_key_path, format!("invalid node key: {e}")))?;
            let timeouts = match c.timeouts {
                Some(t) => TimeoutSettings {
                    propose_ms: t.propose_ms,
                    propose_delta_ms: t.propose_delta_ms,
                    prevote_ms: t.prevote_ms,
                    prevote_delta_ms: t.prevote_delta_ms,
                    precommit_ms: t.precommit_ms,
                    precommit_delta_ms: t.precommit_delta_ms,
                    rebroadcast_ms: t.rebroadcast_ms,
                },
                None => TimeoutSettings::for_block_time(file.block_time_ms),
            };
            Box::new(MalachiteEngine::new(ConsensusSettings {
                validator_key: (file.role == Role::Validator).then_some(key),
                node_key: node_key.secret.0,
                moniker: format!("{}", file.rpc_addr),
                listen: c.listen.clone(),
                persistent_peers: c.persistent_peers.clone(),
                wal_path: data_dir.join("consensus").join("wal"),
                timeouts,
                block_time: Duration::from_millis(file.block_time_ms.max(10)),
                max_connections_per_ip: c.max_connections_per_ip,
            }))
        }
    };
    run_node(
        &data_dir,
        &genesis,
        file.genesis_time,
        config,
        engine,
        ApiConfig {
            addr: file.rpc_addr,
            web_dir: file.web_dir.as_ref().map(|d| beside(base, d)),
            ..ApiConfig::default()
        },
    )
    .await
}

/// Unix milliseconds as UTC: `2025-06-01T12:00:01.250Z`.
pub fn utc_time(ms: u64) -> String {
    let secs = ms / 1000;
    let days = secs / 86_400;
    let rest = secs % 86_400;
    // Days since 1970-01-01 to a civil date (H. Hinnant's algorithm), in unsigned steps.
    let z = days.saturating_add(719_468);
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = doe
        .saturating_sub(doe / 1460)
        .saturating_add(doe / 36_524)
        .saturating_sub(doe / 146_096)
        / 365;
    let doy = doe.saturating_sub(
        (365u64.saturating_mul(yoe))
            .saturating_add(yoe / 4)
            .saturating_sub(yoe / 100),
    );
    let mp = (5u64.saturating_mul(doy).saturating_add(2)) / 153;
    let day = doy
        .saturating_sub((153u64.saturating_mul(mp).saturating_add(2)) / 5)
        .saturating_add(1);
    let month = if mp < 10 {
        mp.saturating_add(3)
    } else {
        mp.saturating_sub(9)
    };
    let year = yoe
        .saturating_add(era.saturating_mul(400))
        .saturating_add(u64::from(month <= 2));
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60,
        ms % 1000
    )
}

/// One log line per committed block: height, transactions, time.
fn block_line(height: u64, transactions: usize, timestamp_ms: u64) -> String {
    let noun = if transactions == 1 {
        "transaction"
    } else {
        "transactions"
    };
    format!(
        "block {height}: {transactions} {noun}, {}",
        utc_time(timestamp_ms)
    )
}

/// Listens for Ctrl-C and SIGTERM from the moment it returns (so a signal sent right after the
/// banner is printed is a graceful stop, not the default kill); the future resolves on the first.
pub(crate) fn shutdown_signal() -> Result<impl std::future::Future<Output = &'static str>, CliError>
{
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let listen = |kind, name| {
            signal(kind).map_err(|e| CliError::Other(format!("cannot listen for {name}: {e}")))
        };
        let mut term = listen(SignalKind::terminate(), "SIGTERM")?;
        let mut int = listen(SignalKind::interrupt(), "Ctrl-C")?;
        Ok(async move {
            tokio::select! {
                _ = int.recv() => "Ctrl-C",
                _ = term.recv() => "SIGTERM",
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
            "Ctrl-C"
        })
    }
}

async fn run_node(
    dir: &Path,
    genesis: &Genesis,
    genesis_time: u64,
    mut config: NodeConfig,
    engine: Box<dyn Engine>,
    api: ApiConfig,
) -> Result<(), CliError> {
    let store = Store::open(dir).map_err(|e| CliError::File {
        path: dir.display().to_string(),
        reason: format!("cannot open the store: {e}"),
    })?;
    config.index_path = Some(dir.join(restake_node::index::FILE_NAME));
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let (handle, task) =
        restake_node::node::start_with(store, genesis, genesis_time, config, engine, stop_rx)
            .map_err(|e| CliError::Other(e.to_string()))?;
    let height = handle.head().height;
    let mut blocks = handle.subscribe_blocks();
    let logger = tokio::spawn(async move {
        use tokio::sync::broadcast::error::RecvError;
        loop {
            match blocks.recv().await {
                Ok(b) => tracing::info!(
                    target: "restake",
                    "{}",
                    block_line(b.header.height, b.receipts.len(), b.header.timestamp_ms)
                ),
                Err(RecvError::Lagged(n)) => {
                    tracing::info!(target: "restake", "({n} blocks not logged: the log fell behind)");
                }
                Err(RecvError::Closed) => break,
            }
        }
    });
    let rpc = api.addr;
    let (addr, server) = match serve(handle, &api).await {
        Ok(s) => s,
        Err(e) => {
            let _ = stop_tx.send(true);
            let _ = task.await;
            logger.abort();
            return Err(CliError::Other(format!("cannot listen on {rpc}: {e}")));
        }
    };
    let stop = shutdown_signal()?;
    println!("Data directory: {}", dir.display());
    println!(
        "Chain at height {height}; JSON-RPC and WebSocket on http://{addr} (health: /health, metrics: /metrics)"
    );
    println!("Press Ctrl-C to stop.");
    let mut task = task;
    let signal = tokio::select! {
        signal = stop => signal,
        // The engine ended on its own: it could not go on (its error is in the log).
        _ = &mut task => {
            let _ = server.stop();
            logger.abort();
            return Err(CliError::Other(
                "the consensus engine stopped; see the log above".into(),
            ));
        }
    };
    println!("Stopping ({signal}): finishing the current block...");
    let _ = stop_tx.send(true);
    let _ = server.stop();
    let _ = task.await;
    logger.abort();
    println!("Stopped.");
    Ok(())
}

/// `restake genesis`.
pub fn print_genesis() -> CliResult {
    let text = serde_json::to_string_pretty(&devnet::genesis()).map_err(|e| e.to_string())?;
    println!("{text}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_milliseconds_read_as_utc_dates() {
        assert_eq!(utc_time(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(utc_time(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(utc_time(1_748_779_201_250), "2025-06-01T12:00:01.250Z");
        assert_eq!(utc_time(4_102_444_799_999), "2099-12-31T23:59:59.999Z");
    }

    #[test]
    fn a_block_line_gives_height_transactions_and_time() {
        assert_eq!(
            block_line(12, 3, 1_748_779_201_250),
            "block 12: 3 transactions, 2025-06-01T12:00:01.250Z"
        );
        assert_eq!(
            block_line(1, 1, 0),
            "block 1: 1 transaction, 1970-01-01T00:00:00.000Z"
        );
    }

    #[test]
    fn relative_config_paths_are_read_from_the_config_files_folder() {
        let base = Path::new("/etc/restake");
        assert_eq!(
            beside(base, Path::new("genesis.json")),
            PathBuf::from("/etc/restake/genesis.json")
        );
        assert_eq!(
            beside(base, Path::new("../data")),
            PathBuf::from("/etc/restake/../data")
        );
        assert_eq!(
            beside(base, Path::new("/var/lib/restake")),
            PathBuf::from("/var/lib/restake")
        );
    }

    #[test]
    fn a_port_in_use_is_refused_with_the_address() {
        let taken =
            std::net::TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| unreachable!("{e}"));
        let addr = taken.local_addr().unwrap_or_else(|e| unreachable!("{e}"));
        let e = check_port_free(addr)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            e.contains(&addr.to_string()) && e.contains("already in use"),
            "{e}"
        );
    }
}
