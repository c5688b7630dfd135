//! Four validators on loopback, each an in-process node with its own store, WAL and libp2p
//! identity, run the chain on Malachite: heights advance, every node commits the same blocks,
//! a transaction sent to one node is included once and its receipt is the same everywhere, and
//! every block's certificate is a valid certificate of the set.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::panic,
    clippy::cast_possible_truncation,
    missing_docs
)]

use alloy_primitives::{Address, U256};
use restake_client::Wallet;
use restake_consensus::{ConsensusSettings, MalachiteEngine, TimeoutSettings, peer_id};
use restake_core::Action;
use restake_core::tx::Transaction;
use restake_core::validators::GenesisValidator;
use restake_node::node::{NodeConfig, NodeHandle};
use restake_node::server::{ApiConfig, serve};
use restake_node::{chain, devnet};
use restake_primitives::ed25519::SecretKey;
use restake_store::Store;
use std::time::Duration;
use tokio::sync::watch;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Net {
    nodes: Vec<NodeHandle>,
    stop: watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    /// The API servers stop when their handles are dropped.
    _servers: Vec<jsonrpsee::server::ServerHandle>,
    _dirs: Vec<tempfile::TempDir>,
}

async fn start(n: usize, block_ms: u64) -> Net {
    let keys: Vec<SecretKey> = (1..=n as u8)
        .map(|i| SecretKey::from_seed(&[i; 32]))
        .collect();
    let node_keys: Vec<[u8; 32]> = (1..=n as u8).map(|i| [100 + i; 32]).collect();
    let p2p: Vec<u16> = (0..n).map(|_| free_port()).collect();
    let rpc: Vec<std::net::SocketAddr> = (0..n)
        .map(|_| format!("127.0.0.1:{}", free_port()).parse().unwrap())
        .collect();
    let mut genesis = devnet::genesis();
    genesis.validators = keys
        .iter()
        .map(|k| GenesisValidator {
            consensus_key: k.public(),
            power: 1,
            operator: None,
        })
        .collect();
    let genesis_time = restake_node::clock::unix_seconds();
    let (stop, shutdown) = watch::channel(false);
    let mut nodes = Vec::new();
    let mut tasks = Vec::new();
    let mut dirs = Vec::new();
    let mut servers = Vec::new();
    for i in 0..n {
        let dir = tempfile::tempdir().unwrap();
        let peers = (0..n)
            .filter(|j| *j != i)
            .map(|j| {
                format!(
                    "/ip4/127.0.0.1/tcp/{}/p2p/{}",
                    p2p[j],
                    peer_id(node_keys[j]).unwrap()
                )
            })
            .collect();
        let settings = ConsensusSettings {
            validator_key: Some(keys[i].clone()),
            node_key: node_keys[i],
            moniker: format!("node{i}"),
            listen: format!("/ip4/127.0.0.1/tcp/{}", p2p[i]),
            persistent_peers: peers,
            wal_path: dir.path().join("wal"),
            timeouts: TimeoutSettings::for_block_time(block_ms),
            block_time: Duration::from_millis(block_ms),
            max_connections_per_ip: 64,
        };
        let config = NodeConfig {
            chain_id: devnet::CHAIN_ID,
            block_interval: Duration::from_millis(block_ms),
            validator_key: keys[i].clone(),
            gossip_peers: (0..n)
                .filter(|j| *j != i)
                .map(|j| format!("http://{}", rpc[j]))
                .collect(),
            ..NodeConfig::default()
        };
        let store = Store::open(&dir.path().join("data")).unwrap();
        let (handle, task) = restake_node::node::start_with(
            store,
            &genesis,
            genesis_time,
            config,
            Box::new(MalachiteEngine::new(settings)),
            shutdown.clone(),
        )
        .unwrap();
        let api = ApiConfig {
            addr: rpc[i],
            ..ApiConfig::default()
        };
        let (_, server) = serve(handle.clone(), &api).await.unwrap();
        servers.push(server);
        nodes.push(handle);
        tasks.push(task);
        dirs.push(dir);
    }
    Net {
        nodes,
        stop,
        tasks,
        _servers: servers,
        _dirs: dirs,
    }
}

impl Net {
    /// Waits (bounded by a number of checks) until every node has committed `height`.
    async fn reach(&self, height: u64) {
        for _ in 0..600 {
            if self.nodes.iter().all(|n| n.head().height >= height) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let heights: Vec<u64> = self.nodes.iter().map(|n| n.head().height).collect();
        panic!("the network did not reach height {height}: {heights:?}");
    }

    async fn stop(self) {
        let _ = self.stop.send(true);
        for t in self.tasks {
            let _ = tokio::time::timeout(Duration::from_secs(10), t).await;
        }
    }
}

fn transfer(node: &NodeHandle, i: usize) -> Transaction {
    let key = Wallet::from_hex(devnet::DEV_ACCOUNTS[i].1).unwrap();
    let action = Action::Transfer {
        token: restake_core::tokens::token_address("rETH"),
        to: Address::repeat_byte(7),
        amount: U256::from(1u64),
    };
    let nonce = node.next_nonce(&key.address()).unwrap();
    let digest = Transaction::signing_hash(key.address(), nonce, &action, devnet::CHAIN_ID);
    Transaction {
        from: key.address(),
        nonce,
        action,
        signature: key.sign_digest(digest),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn four_validators_decide_the_same_blocks_and_include_a_transaction_sent_to_any_of_them_once()
{
    let net = start(4, 300).await;
    net.reach(3).await;
    // One transaction to each node.
    let ids: Vec<_> = (0..4)
        .map(|i| net.nodes[i].submit(transfer(&net.nodes[i], i + 1)).unwrap())
        .collect();
    let target = net.nodes.iter().map(|n| n.head().height).max().unwrap() + 4;
    net.reach(target).await;
    let set = net.nodes[0].validators_at(1).unwrap();
    for h in 1..=target {
        let blocks: Vec<_> = net
            .nodes
            .iter()
            .map(|n| chain::read_block(n.store(), h).unwrap().unwrap())
            .collect();
        let hash = blocks[0].header.hash();
        assert!(
            blocks.iter().all(|b| b.header.hash() == hash),
            "height {h} differs"
        );
        if let Some(cert) = &blocks[0].last_commit {
            cert.verify_for(devnet::CHAIN_ID, h - 1, blocks[0].header.parent_hash, &set)
                .unwrap();
        }
    }
    // Gossip delivered every transaction to every peer, and the blocks that carried them were
    // checked without recovering the gossiped signatures again.
    use std::sync::atomic::Ordering::Relaxed;
    let hits: u64 = net
        .nodes
        .iter()
        .map(|n| {
            assert_eq!(n.metrics().txgossip_failed.load(Relaxed), 0);
            assert_eq!(n.metrics().txgossip_sent.load(Relaxed), 3);
            n.metrics().sigcache_hits.load(Relaxed)
        })
        .sum();
    assert!(hits >= 3, "signature cache hits: {hits}");
    // Every node sees its three peers, and nobody is catching up.
    for n in &net.nodes {
        assert_eq!(n.metrics().consensus_peers.load(Relaxed), 3);
        assert_eq!(n.metrics().consensus_catching_up.load(Relaxed), 0);
        assert_eq!(n.engine_info().role, "validator");
    }
    for id in &ids {
        let receipts: Vec<_> = net
            .nodes
            .iter()
            .map(|n| chain::read_receipt(n.store(), id).unwrap())
            .collect();
        assert!(receipts[0].is_some(), "transaction {id} was included");
        assert!(receipts.iter().all(|r| r == &receipts[0]));
    }
    // Every proposer took a turn.
    let proposers: std::collections::BTreeSet<_> = (1..=target)
        .map(|h| {
            chain::read_block(net.nodes[0].store(), h)
                .unwrap()
                .unwrap()
                .header
                .proposer
        })
        .collect();
    assert_eq!(proposers.len(), 4);
    net.stop().await;
}
