//! `restake testnet`: a local multi-validator network in one command.
//!
//! Writes `DIR/genesis.json` (the devnet's tokens and funded accounts, plus the validators) and
//! `DIR/node<i>/` for every node — validators first, then full nodes — with its `config.json`,
//! its libp2p key and, for a validator, its consensus key. Node `i` serves JSON-RPC on
//! `127.0.0.1:(P+i)` and listens for peers on `127.0.0.1:(P+1000+i)`; every node lists every
//! other as a persistent peer and as a gossip peer. With `--run` it also starts them all and
//! stops them on Ctrl-C or SIGTERM.

use crate::error::CliError;
use crate::run::{ConsensusFile, NodeFile, NodeKeyFile, Role};
use clap::Args;
use restake_core::validators::GenesisValidator;
use restake_node::devnet;
use restake_primitives::ed25519::SecretKey;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// `restake testnet` options.
#[derive(Args)]
pub struct TestnetArgs {
    /// Validators.
    #[arg(long, default_value_t = 4)]
    validators: usize,
    /// Where to write the network (must not exist, or be empty).
    #[arg(long)]
    out: PathBuf,
    /// Full nodes (follow and serve the chain, never vote).
    #[arg(long, default_value_t = 0)]
    full_nodes: usize,
    /// Node i serves JSON-RPC on 127.0.0.1:(P+i) and peers on 127.0.0.1:(P+1000+i).
    #[arg(long, default_value_t = 8545)]
    base_port: u16,
    /// Chain id.
    #[arg(long, default_value_t = devnet::CHAIN_ID)]
    chain_id: u64,
    /// Time between blocks, in milliseconds.
    #[arg(long, default_value_t = 1000)]
    block_time_ms: u64,
    /// Start every node and stop them all on Ctrl-C.
    #[arg(long)]
    run: bool,
}

fn file_err(path: &Path, reason: impl std::fmt::Display) -> CliError {
    CliError::File {
        path: path.display().to_string(),
        reason: reason.to_string(),
    }
}

fn random_seed() -> Result<[u8; 32], CliError> {
    crate::keys::random_bytes().map_err(CliError::Other)
}

fn port(base: u16, offset: usize) -> Result<u16, CliError> {
    u16::try_from(offset)
        .ok()
        .and_then(|o| base.checked_add(o))
        .ok_or_else(|| CliError::Usage(format!("--base-port {base} leaves no room for the nodes")))
}

/// Runs `restake testnet`.
pub async fn run(a: TestnetArgs) -> Result<(), CliError> {
    let n = a.validators;
    if n == 0 {
        return Err(CliError::Usage("--validators must be at least 1".into()));
    }
    let total = n.saturating_add(a.full_nodes);
    if total > 100 {
        return Err(CliError::Usage("at most 100 nodes".into()));
    }
    let rpc: Vec<u16> = (0..total)
        .map(|i| port(a.base_port, i))
        .collect::<Result<_, _>>()?;
    let p2p: Vec<u16> = (0..total)
        .map(|i| port(a.base_port, i.saturating_add(1000)))
        .collect::<Result<_, _>>()?;
    // Every port first: nothing is written when one is taken.
    for p in rpc.iter().chain(&p2p) {
        let addr: SocketAddr = ([127, 0, 0, 1], *p).into();
        if let Err(e) = std::net::TcpListener::bind(addr) {
            return Err(CliError::Other(format!(
                "port {p} is not free ({e}); choose another --base-port. Nothing was written"
            )));
        }
    }
    if a.out.exists()
        && std::fs::read_dir(&a.out)
            .map_err(|e| file_err(&a.out, e))?
            .next()
            .is_some()
    {
        return Err(file_err(
            &a.out,
            "exists and is not empty; choose another --out",
        ));
    }
    std::fs::create_dir_all(&a.out).map_err(|e| file_err(&a.out, e))?;

    let consensus_keys: Vec<SecretKey> = (0..n)
        .map(|_| random_seed().map(|s| SecretKey::from_seed(&s)))
        .collect::<Result<_, _>>()?;
    let node_keys: Vec<[u8; 32]> = (0..total)
        .map(|_| random_seed())
        .collect::<Result<_, _>>()?;
    let peer_ids: Vec<String> = node_keys
        .iter()
        .map(|k| restake_consensus::peer_id(*k).map_err(|e| CliError::Other(e.to_string())))
        .collect::<Result<_, _>>()?;

    let mut genesis = devnet::genesis();
    genesis.validators = consensus_keys
        .iter()
        .map(|k| GenesisValidator {
            consensus_key: k.public(),
            power: 100,
            operator: None,
        })
        .collect();
    // Never a minimum interval above the block time, or every proposal would wait for it.
    genesis.params.min_block_interval_ms = (a.block_time_ms / 2).max(1);
    let genesis_path = a.out.join("genesis.json");
    let text =
        serde_json::to_string_pretty(&genesis).map_err(|e| CliError::Other(e.to_string()))?;
    std::fs::write(&genesis_path, format!("{text}\n")).map_err(|e| file_err(&genesis_path, e))?;
    let genesis_time = restake_node::clock::unix_seconds();

    for i in 0..total {
        let dir = a.out.join(format!("node{i}"));
        std::fs::create_dir_all(&dir).map_err(|e| file_err(&dir, e))?;
        let validator = consensus_keys.get(i);
        if let Some(key) = validator {
            restake_node::keyfile::write_consensus_key(&dir.join("consensus_key.json"), key)
                .map_err(|e| CliError::Other(e.to_string()))?;
        }
        let node_key = NodeKeyFile {
            kind: "ed25519".into(),
            secret: node_keys.get(i).copied().unwrap_or_default().into(),
            peer_id: peer_ids.get(i).cloned().unwrap_or_default(),
        };
        let text =
            serde_json::to_string_pretty(&node_key).map_err(|e| CliError::Other(e.to_string()))?;
        let path = dir.join("node_key.json");
        restake_node::keyfile::write_private(&path, &format!("{text}\n"))
            .map_err(|e| file_err(&path, e))?;
        let others = (0..total).filter(|j| *j != i);
        let config = NodeFile {
            data_dir: "data".into(),
            rpc_addr: ([127, 0, 0, 1], rpc.get(i).copied().unwrap_or_default()).into(),
            chain_id: a.chain_id,
            genesis: "../genesis.json".into(),
            genesis_time,
            block_time_ms: a.block_time_ms,
            max_block_txs: None,
            web_dir: None,
            role: if validator.is_some() {
                Role::Validator
            } else {
                Role::Full
            },
            consensus_key_file: validator.map(|_| "consensus_key.json".into()),
            gossip_peers: others
                .clone()
                .map(|j| {
                    format!(
                        "http://127.0.0.1:{}",
                        rpc.get(j).copied().unwrap_or_default()
                    )
                })
                .collect(),
            consensus: Some(ConsensusFile {
                node_key_file: "node_key.json".into(),
                listen: format!(
                    "/ip4/127.0.0.1/tcp/{}",
                    p2p.get(i).copied().unwrap_or_default()
                ),
                persistent_peers: others
                    .map(|j| {
                        format!(
                            "/ip4/127.0.0.1/tcp/{}/p2p/{}",
                            p2p.get(j).copied().unwrap_or_default(),
                            peer_ids.get(j).cloned().unwrap_or_default()
                        )
                    })
                    .collect(),
                max_connections_per_ip: total.saturating_mul(2).max(32),
                timeouts: None,
            }),
        };
        let path = dir.join("config.json");
        let text =
            serde_json::to_string_pretty(&config).map_err(|e| CliError::Other(e.to_string()))?;
        std::fs::write(&path, format!("{text}\n")).map_err(|e| file_err(&path, e))?;
    }
    println!(
        "Testnet of {n} validator(s) and {} full node(s), chain id {}, in {}",
        a.full_nodes,
        a.chain_id,
        a.out.display()
    );
    for i in 0..total {
        println!(
            "  node{i} ({}): JSON-RPC http://127.0.0.1:{}",
            if i < n { "validator" } else { "full node" },
            rpc.get(i).copied().unwrap_or_default()
        );
    }
    if !a.run {
        println!(
            "Start a node with: restake node --config {}",
            a.out.join("node0").join("config.json").display()
        );
        return Ok(());
    }
    run_all(&a.out, total).await
}

/// Starts every node of the testnet in `out` and stops them on Ctrl-C or SIGTERM.
async fn run_all(out: &Path, total: usize) -> Result<(), CliError> {
    let exe = std::env::current_exe().map_err(|e| CliError::Other(e.to_string()))?;
    let stop = crate::run::shutdown_signal()?;
    let mut children: Vec<(usize, Child)> = Vec::new();
    for i in 0..total {
        let dir = out.join(format!("node{i}"));
        let log_path = dir.join("node.log");
        let log = std::fs::File::create(&log_path).map_err(|e| file_err(&log_path, e))?;
        let err = log.try_clone().map_err(|e| file_err(&log_path, e))?;
        let child = Command::new(&exe)
            .args(["node", "--config"])
            .arg(dir.join("config.json"))
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(err))
            .spawn()
            .map_err(|e| CliError::Other(format!("cannot start node{i}: {e}")))?;
        println!(
            "  node{i} started (pid {}), log {}",
            child.id(),
            log_path.display()
        );
        children.push((i, child));
    }
    println!("Press Ctrl-C to stop the network.");
    tokio::pin!(stop);
    loop {
        tokio::select! {
            signal = &mut stop => {
                println!("Stopping ({signal}) every node...");
                break;
            }
            _ = tokio::time::sleep(Duration::from_millis(500)) => {
                for (i, child) in children.iter_mut() {
                    if let Ok(Some(status)) = child.try_wait() {
                        println!("  node{i} exited ({status}); see its node.log");
                    }
                }
                children.retain_mut(|(_, c)| matches!(c.try_wait(), Ok(None)));
            }
        }
    }
    for (_, child) in &children {
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
    }
    // Up to 10 s for all of them to finish their block and close their stores.
    for _ in 0..100 {
        if !children
            .iter_mut()
            .any(|(_, c)| matches!(c.try_wait(), Ok(None)))
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for (i, child) in children.iter_mut() {
        if matches!(child.try_wait(), Ok(None)) {
            println!("  node{i} did not stop in 10 s: killed");
            let _ = child.kill();
            let _ = child.wait();
        }
    }
    println!("Stopped.");
    Ok(())
}
