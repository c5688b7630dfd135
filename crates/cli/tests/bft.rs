//! A real network: `restake testnet` writes four validators and a full node, each started as
//! its own `restake node` process on loopback. Heights advance with every block the same on
//! every node; transactions sent to any node (the full node too) are included exactly once with
//! the same receipt everywhere; every certificate verifies against the validator set; a
//! validator killed with SIGKILL does not stop the other three, and once restarted catches up
//! and agrees on every height; with two of four down nothing is decided, and once they are back
//! the chain resumes; governance removes a validator at a stated height, after which headers
//! name the smaller set, certificates never carry the removed validator, and it no longer counts
//! towards a quorum. A second full node, started from genesis only once the chain is well past
//! thirty heights and stalled, syncs every block from its peers, says it is catching up (503 on
//! `/health`) until live blocks reach it, then serves the same blocks and state as everyone.
//! Every process is stopped at the end, also on failure.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::panic,
    clippy::disallowed_methods,
    clippy::cast_possible_truncation,
    missing_docs
)]

mod common;
use alloy_primitives::{Address, U256};
use common::*;
use restake_client::{BlockId, Client, RestakeApiClient};
use restake_core::Action;
use restake_core::validators::ValidatorSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const NODES: usize = 6;
const VALIDATORS: usize = 4;
/// The full node started late, from genesis.
const LATE: usize = 5;

/// A base port P with P..P+NODES and P+1000..P+1000+NODES free a moment ago.
fn base_port() -> u16 {
    for _ in 0..50 {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let p = l.local_addr().unwrap().port();
        drop(l);
        if p > 60_000 {
            continue;
        }
        let free = (0..NODES as u16)
            .flat_map(|i| [p + i, p + 1000 + i])
            .all(|q| std::net::TcpListener::bind(("127.0.0.1", q)).is_ok());
        if free {
            return p;
        }
    }
    panic!("no free port range");
}

/// One `restake node` process, killed when dropped.
struct Proc {
    child: Option<Child>,
    config: PathBuf,
    url: String,
}

impl Proc {
    fn start(config: &Path, url: String) -> Self {
        let log = std::fs::File::create(config.with_file_name("node.log")).unwrap();
        let child = Command::new(BIN)
            .args(["node", "--config"])
            .arg(config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(log))
            .spawn()
            .unwrap();
        Self {
            child: Some(child),
            config: config.to_path_buf(),
            url,
        }
    }

    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    fn restart(&mut self) {
        self.kill();
        *self = Self::start(&self.config.clone(), self.url.clone());
    }

    fn client(&self) -> Client {
        Client::new(&self.url).unwrap()
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The whole HTTP response of `GET path` on a node.
fn get(url: &str, path: &str) -> String {
    use std::io::{Read, Write};
    let addr = url.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    s.read_to_string(&mut response).unwrap();
    response
}

/// The status code of a node's `GET /health`.
fn health(url: &str) -> u16 {
    get(url, "/health")
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

/// A metric's value from a node's `/metrics` (0 when absent).
fn metric(url: &str, name: &str) -> u64 {
    get(url, "/metrics")
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

/// Polls until every client in `clients` reports at least `height` (bounded by a deadline).
async fn all_reach(clients: &[Client], height: u64, within: Duration) {
    let deadline = Deadline::after(within);
    loop {
        let mut heights = Vec::new();
        for c in clients {
            heights.push(c.block_number().await.unwrap_or(0));
        }
        if heights.iter().all(|h| *h >= height) {
            return;
        }
        assert!(
            !deadline.passed(),
            "height {height} not reached: {heights:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Every client holds the same block at every height up to `top`, and every certificate there
/// verifies against the set that decided that height.
async fn agree(clients: &[Client], top: u64) {
    let chain_id = restake_node::devnet::CHAIN_ID;
    let validators = clients[0]
        .get_validators(Some(BlockId::Number(1)))
        .await
        .unwrap()
        .unwrap();
    let set = ValidatorSet::new(validators.validators).unwrap();
    for h in 1..=top {
        let mut hashes = Vec::new();
        for c in clients {
            hashes.push(c.get_block(BlockId::Number(h)).await.unwrap().unwrap().hash);
        }
        assert!(
            hashes.iter().all(|x| *x == hashes[0]),
            "height {h}: {hashes:?}"
        );
        if h < top {
            // Below the head every node keeps the canonical certificate the next block carries.
            let cert = clients[0]
                .get_certificate(BlockId::Number(h))
                .await
                .unwrap()
                .unwrap();
            cert.verify_for(chain_id, h, hashes[0], &set).unwrap();
            for c in &clients[1..] {
                assert_eq!(
                    c.get_certificate(BlockId::Number(h))
                        .await
                        .unwrap()
                        .unwrap(),
                    cert
                );
            }
        }
    }
}

/// Sends transfers from development account 9, one about every 100 ms, round-robin over
/// `nodes`, until `stop`; returns the ids the nodes admitted.
async fn stream_transfers(
    nodes: Vec<Client>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> Vec<alloy_primitives::B256> {
    let wallet = dev_wallet(9);
    let mut ids = Vec::new();
    let mut k = 0;
    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
        let c = &nodes[k % nodes.len()];
        k += 1;
        // The nonce counting what is pending on that node (gossip brings the others').
        if let Ok(nonce) = c.nonce(wallet.address()).await {
            let action = Action::Transfer {
                token: restake_core::tokens::token_address("rETH"),
                to: Address::repeat_byte(0x78),
                amount: U256::from(1u64),
            };
            if let Ok(id) = c
                .send(&wallet.sign(action, nonce, restake_node::devnet::CHAIN_ID))
                .await
            {
                ids.push(id);
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    ids
}

#[test]
fn four_validator_processes_and_a_full_node_agree_include_every_transaction_once_and_survive_a_crash()
 {
    let tmp = TempDir::new("bft");
    let out = tmp.path().join("net");
    let base = base_port();
    let written = Command::new(BIN)
        .args([
            "testnet",
            "--validators",
            &VALIDATORS.to_string(),
            "--full-nodes",
            &(NODES - VALIDATORS).to_string(),
            "--out",
            out.to_str().unwrap(),
            "--base-port",
            &base.to_string(),
            "--block-time-ms",
            "300",
        ])
        .output()
        .unwrap();
    assert!(
        written.status.success(),
        "{}",
        String::from_utf8_lossy(&written.stderr)
    );
    // The files the issue names, ports P+i and P+1000+i, keys only for validators.
    for i in 0..NODES {
        let dir = out.join(format!("node{i}"));
        let config: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("config.json")).unwrap())
                .unwrap();
        assert_eq!(config["rpcAddr"], format!("127.0.0.1:{}", base + i as u16));
        assert_eq!(
            config["consensus"]["listen"],
            format!("/ip4/127.0.0.1/tcp/{}", base + 1000 + i as u16)
        );
        assert_eq!(
            config["consensus"]["persistentPeers"]
                .as_array()
                .unwrap()
                .len(),
            NODES - 1
        );
        assert_eq!(dir.join("consensus_key.json").exists(), i < VALIDATORS);
        assert_eq!(
            config["role"],
            if i < VALIDATORS { "validator" } else { "full" }
        );
    }
    let mut procs: Vec<Proc> = (0..LATE)
        .map(|i| {
            Proc::start(
                &out.join(format!("node{i}")).join("config.json"),
                format!("http://127.0.0.1:{}", base + i as u16),
            )
        })
        .collect();
    let rt = runtime();
    rt.block_on(async {
        let clients: Vec<Client> = procs.iter().map(Proc::client).collect();
        let late_url = format!("http://127.0.0.1:{}", base + LATE as u16);
        all_reach(&clients, 3, Duration::from_secs(60)).await;
        // Each node says what it is.
        for (i, c) in clients.iter().enumerate() {
            let info = c.node_info().await.unwrap();
            assert_eq!(info.chain_id, restake_node::devnet::CHAIN_ID);
            assert_eq!(info.role, if i < VALIDATORS { "validator" } else { "full" });
            assert_eq!(info.validator_address.is_some(), i < VALIDATORS);
            assert!(!info.catching_up);
        }

        // Eight transfers, sent round-robin to every node, the full node included.
        let mut sent = Vec::new();
        for k in 0..8 {
            let c = &clients[k % LATE];
            let wallet = dev_wallet(k + 1);
            let nonce = c.nonce(wallet.address()).await.unwrap();
            let action = Action::Transfer {
                token: restake_core::tokens::token_address("rETH"),
                to: Address::repeat_byte(0x77),
                amount: U256::from(1_000u64),
            };
            sent.push(
                c.send(&wallet.sign(action, nonce, restake_node::devnet::CHAIN_ID))
                    .await
                    .unwrap(),
            );
        }
        for id in &sent {
            let first = clients[0].wait(*id, Duration::from_secs(30)).await.unwrap();
            for c in &clients[1..] {
                assert_eq!(c.wait(*id, Duration::from_secs(30)).await.unwrap(), first);
            }
        }
        let top = clients[0].block_number().await.unwrap();
        all_reach(&clients, top, Duration::from_secs(30)).await;
        agree(&clients, top).await;
        let included: usize = {
            let mut n = 0;
            for h in 1..=top {
                n += clients[0]
                    .get_block(BlockId::Number(h))
                    .await
                    .unwrap()
                    .unwrap()
                    .transactions
                    .len();
            }
            n
        };
        assert_eq!(included, 8, "each transaction exactly once");

        // Under load (a stream of transfers to the nodes that stay up), a validator crashes:
        // the three others (three quarters of the power) go on.
        let live = [&clients[0], &clients[1], &clients[2], &clients[4]];
        let live: Vec<Client> = live.into_iter().cloned().collect();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let load = tokio::spawn(stream_transfers(live.clone(), stop.clone()));
        tokio::time::sleep(Duration::from_millis(500)).await;
        procs[3].kill();
        let now = clients[0].block_number().await.unwrap();
        all_reach(&live, now + 3, Duration::from_secs(60)).await;
        procs[3].restart();
        let back = procs[3].client();
        let target = clients[0].block_number().await.unwrap() + 2;
        all_reach(std::slice::from_ref(&back), target, Duration::from_secs(60)).await;
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let streamed = load.await.unwrap();
        assert!(streamed.len() >= 10, "only {} sent", streamed.len());
        let mut everyone = live.clone();
        everyone.push(back);
        // Every streamed transfer is committed, with the same receipt on the restarted
        // validator (and, since all blocks agree, on every node), in exactly one block.
        let restarted = everyone.last().unwrap();
        for id in &streamed {
            let first = clients[0].wait(*id, Duration::from_secs(30)).await.unwrap();
            assert_eq!(
                restarted.wait(*id, Duration::from_secs(30)).await.unwrap(),
                first
            );
        }
        let top = clients[0].block_number().await.unwrap();
        all_reach(&everyone, top, Duration::from_secs(30)).await;
        agree(&everyone, top).await;
        let mut seen = std::collections::BTreeMap::new();
        for h in 1..=top {
            for tx in clients[3]
                .get_block(BlockId::Number(h))
                .await
                .unwrap()
                .unwrap()
                .transactions
            {
                *seen
                    .entry(tx.hash(restake_node::devnet::CHAIN_ID))
                    .or_insert(0) += 1;
            }
        }
        assert!(streamed.iter().all(|id| seen.get(id) == Some(&1)));
        // It caught up by consensus sync, and nobody saw a validator sign twice.
        assert!(metric(&procs[3].url, "restake_consensus_synced_blocks_total") > 0);
        for p in &procs {
            assert_eq!(metric(&p.url, "restake_consensus_misbehaviour_total"), 0);
        }

        // Two of four down: half the power cannot decide anything (at most a block already
        // precommitted completes). Back up, the chain resumes and every node agrees.
        procs[2].kill();
        procs[3].kill();
        let stalled = clients[0].block_number().await.unwrap();
        tokio::time::sleep(Duration::from_secs(3)).await;
        let after = clients[0].block_number().await.unwrap();
        assert!(
            after <= stalled + 1,
            "decided without a quorum: {stalled} -> {after}"
        );
        procs[2].restart();
        procs[3].restart();
        let everyone: Vec<Client> = procs.iter().map(Proc::client).collect();
        all_reach(&everyone, after + 3, Duration::from_secs(90)).await;
        agree(&everyone, after + 3).await;

        // Governance removes validator 3 from a height fifteen blocks ahead (room for the
        // transaction to be included: the change must be queued validatorSetDelay blocks early).
        let key3: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(out.join("node3").join("consensus_key.json")).unwrap(),
        )
        .unwrap();
        let removed: Address = key3["address"].as_str().unwrap().parse().unwrap();
        let owner = dev_wallet(0);
        let activation = clients[0].block_number().await.unwrap() + 15;
        let update: Action = serde_json::from_value(serde_json::json!({
            "type": "updateValidatorSet",
            "changes": [{"consensusKey": key3["public"], "power": 0}],
            "activationHeight": activation,
        }))
        .unwrap();
        let nonce = clients[0].nonce(owner.address()).await.unwrap();
        let id = clients[0]
            .send(&owner.sign(update, nonce, restake_node::devnet::CHAIN_ID))
            .await
            .unwrap();
        let receipt = clients[0].wait(id, Duration::from_secs(30)).await.unwrap();
        assert_eq!(
            receipt.status,
            restake_core::block::Status::Success,
            "{receipt:?}"
        );
        all_reach(&everyone, activation + 3, Duration::from_secs(90)).await;
        let new = clients[1]
            .get_validators(Some(BlockId::Number(activation)))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(new.validators.len(), VALIDATORS - 1);
        assert!(new.validators.iter().all(|v| v.address != removed));
        for h in activation..activation + 3 {
            let block = clients[2]
                .get_block(BlockId::Number(h))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(
                block.header.validator_set_hash, new.validator_set_hash,
                "height {h}"
            );
            let cert = clients[2]
                .get_certificate(BlockId::Number(h))
                .await
                .unwrap()
                .unwrap();
            assert!(
                cert.signatures.iter().all(|s| s.validator != removed),
                "height {h}"
            );
        }
        // Now validator 2 and the removed validator 3 together hold no quorum: with 0 and 1
        // down nothing is decided; back up, the chain resumes.
        procs[0].kill();
        procs[1].kill();
        let stalled = clients[2].block_number().await.unwrap();
        tokio::time::sleep(Duration::from_secs(3)).await;
        let after = clients[2].block_number().await.unwrap();
        assert!(
            after <= stalled + 1,
            "decided without a quorum: {stalled} -> {after}"
        );
        // A new full node starts from genesis now, with the chain stalled well past thirty
        // heights: it takes every block from its peers' sync, and since its head is behind the
        // clock, it says it is catching up.
        assert!(
            after >= 30,
            "only {after} heights before the late full node"
        );
        procs.push(Proc::start(
            &out.join(format!("node{LATE}")).join("config.json"),
            late_url.clone(),
        ));
        let late = procs[LATE].client();
        all_reach(std::slice::from_ref(&late), after, Duration::from_secs(60)).await;
        assert!(late.node_info().await.unwrap().catching_up);
        assert_eq!(health(&late_url), 503);
        assert!(metric(&late_url, "restake_consensus_synced_blocks_total") >= after - 1);
        procs[0].restart();
        procs[1].restart();
        let everyone: Vec<Client> = procs.iter().map(Proc::client).collect();
        all_reach(&everyone, after + 3, Duration::from_secs(90)).await;
        agree(&everyone, after + 3).await;
        // Live blocks reach it: it is ready, and serves the same state as a validator.
        assert!(!late.node_info().await.unwrap().catching_up);
        assert_eq!(health(&late_url), 200);
        // Nothing changes that balance any more: the late node reads what a validator reads.
        let balance = |c: &Client| {
            let c = c.clone();
            async move {
                c.call(
                    "restake_getTokenBalance",
                    vec![
                        serde_json::json!(restake_core::tokens::token_address("rETH")),
                        serde_json::json!(Address::repeat_byte(0x77)),
                    ],
                )
                .await
                .unwrap()
            }
        };
        assert_eq!(balance(&late).await, balance(&clients[0]).await);
        assert_eq!(balance(&late).await, serde_json::json!("8000"));
    });
    for p in &mut procs {
        p.kill();
    }
}
