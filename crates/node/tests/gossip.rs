//! Transactions reach the proposer, once: a transaction sent to one node is gossiped to its
//! peers' mempools (one hop, never forwarded again), the block that carries it is verified
//! elsewhere without recovering its signature a second time, and its receipt is the same on
//! every node.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::panic,
    missing_docs
)]

mod common;
use alloy_primitives::{Address, U256};
use common::*;
use restake_client::Wallet;
use restake_core::Action;
use restake_core::block::Certificate;
use restake_core::tx::Transaction;
use restake_node::devnet;
use restake_node::node::{NodeConfig, NodeHandle};
use restake_store::Store;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

fn transfer(node: &NodeHandle, i: usize, nonce_ahead: u64) -> Transaction {
    let key = Wallet::from_hex(devnet::DEV_ACCOUNTS[i].1).unwrap();
    let action = Action::Transfer {
        token: restake_core::tokens::token_address("rETH"),
        to: Address::repeat_byte(7),
        amount: U256::from(1u64),
    };
    let nonce = node.next_nonce(&key.address()).unwrap() + nonce_ahead;
    let digest = Transaction::signing_hash(key.address(), nonce, &action, devnet::CHAIN_ID);
    Transaction {
        from: key.address(),
        nonce,
        action,
        signature: key.sign_digest(digest),
    }
}

/// Waits (bounded by a number of checks, not a time) until `cond` holds.
async fn eventually(what: &str, cond: impl Fn() -> bool) {
    for _ in 0..500 {
        if cond() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("never happened: {what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transaction_sent_to_one_node_reaches_its_peer_once_and_verifies_there_without_a_second_recovery()
 {
    let c = serve_manual(Store::in_memory().unwrap(), NodeConfig::default()).await;
    let b = serve_manual(
        Store::in_memory().unwrap(),
        NodeConfig {
            gossip_peers: vec![format!("http://{}", c.addr)],
            ..NodeConfig::default()
        },
    )
    .await;
    let a = serve_manual(
        Store::in_memory().unwrap(),
        NodeConfig {
            gossip_peers: vec![format!("http://{}", b.addr)],
            ..NodeConfig::default()
        },
    )
    .await;
    let sent: Vec<_> = (1..=4)
        .map(|i| a.handle.submit(transfer(&a.handle, i, 0)).unwrap())
        .collect();
    eventually("B holds the four transactions", || {
        b.handle.mempool_len() == 4
    })
    .await;
    assert_eq!(b.handle.metrics().txgossip_received.load(Relaxed), 4);
    eventually("A counts the delivery", || {
        a.handle.metrics().txgossip_sent.load(Relaxed) == 4
    })
    .await;

    // A proposes; B verifies the block without recovering any signature again.
    let key = devnet::validator_key();
    let proposed = a
        .engine
        .app()
        .get_value(1, 0, 1_700_000_001_000, key.public().address())
        .await
        .unwrap();
    assert_eq!(proposed.block.transactions.len(), 4);
    let hash = b
        .engine
        .app()
        .verify(proposed.block.to_bytes(), None)
        .await
        .unwrap();
    assert_eq!(b.handle.metrics().sigcache_hits.load(Relaxed), 4);
    assert_eq!(b.handle.metrics().sigcache_misses.load(Relaxed), 0);
    let cert = Certificate::sign(devnet::CHAIN_ID, 1, 0, hash, &[&key]);
    a.engine.app().decided(1, hash, cert.clone()).await.unwrap();
    b.engine.app().decided(1, hash, cert).await.unwrap();
    // Included once; the same receipt on both; B's mempool is empty.
    for id in &sent {
        let on_a = restake_node::chain::read_receipt(a.handle.store(), id).unwrap();
        let on_b = restake_node::chain::read_receipt(b.handle.store(), id).unwrap();
        assert!(on_a.is_some());
        assert_eq!(on_a, on_b);
    }
    assert_eq!(b.handle.mempool_len(), 0);
    // One hop: B forwarded nothing it received by gossip, so C never heard of them.
    assert_eq!(b.handle.metrics().txgossip_sent.load(Relaxed), 0);
    assert_eq!(c.handle.mempool_len(), 0);
    // A block from a node that gossiped nothing costs C one recovery per transaction.
    c.engine
        .app()
        .verify(proposed.block.to_bytes(), None)
        .await
        .unwrap();
    assert_eq!(c.handle.metrics().sigcache_misses.load(Relaxed), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gossiped_bytes_that_do_not_decode_or_verify_are_skipped_and_large_batches_refused() {
    let b = serve_manual(Store::in_memory().unwrap(), NodeConfig::default()).await;
    let good = transfer(&b.handle, 1, 0);
    let mut forged = transfer(&b.handle, 2, 0);
    forged.nonce += 1; // the signature no longer matches
    let hex = |tx: &Transaction| {
        format!(
            "\"0x{}\"",
            alloy_primitives::hex::encode(restake_core::block::encoding::to_bytes(tx))
        )
    };
    let body = format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"restake_gossipTransactions","params":[[{},{},"0x0102"]]}}"#,
        hex(&good),
        hex(&forged)
    );
    let (status, reply) = post(b.addr, &body).await;
    assert_eq!(status, 200);
    assert!(reply.contains(r#""result":1"#), "{reply}");
    assert_eq!(b.handle.mempool_len(), 1);
    let many = vec!["\"0x00\""; 1_025].join(",");
    let body = format!(
        r#"{{"jsonrpc":"2.0","id":2,"method":"restake_gossipTransactions","params":[[{many}]]}}"#
    );
    let (_, reply) = post(b.addr, &body).await;
    assert!(
        reply.contains("-32602") && reply.contains("at most 1024"),
        "{reply}"
    );
}
