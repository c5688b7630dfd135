//! Abuse that used to be cheap: transactions that can never run must not speed up the chain's
//! clock, an unfunded key can hold nothing in the mempool, and oversized fields are refused at
//! the door. In-memory nodes on the solo engine, each stopped at the end.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::panic,
    clippy::disallowed_methods, // a live node on the wall clock: the genesis time and deadlines
    missing_docs
)]

use alloy_primitives::{Address, B256, U256};
use restake_client::Wallet;
use restake_core::Action;
use restake_core::tx::{MAX_STRING_BYTES, Transaction, TxError};
use restake_node::mempool::MempoolError;
use restake_node::node::{NodeConfig, SubmitError};
use restake_node::{NodeHandle, chain, devnet};
use restake_store::Store;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::watch;

const INTERVAL_MS: u64 = 100;

fn signed(key: &Wallet, nonce: u64, action: Action) -> Transaction {
    let digest = Transaction::signing_hash(key.address(), nonce, &action, devnet::CHAIN_ID);
    Transaction {
        from: key.address(),
        nonce,
        action,
        signature: key.sign_digest(digest),
    }
}

fn transfer(amount: u64) -> Action {
    Action::Transfer {
        token: restake_core::tokens::token_address("rETH"),
        to: Address::repeat_byte(7),
        amount: U256::from(amount),
    }
}

fn dev(i: usize) -> Wallet {
    Wallet::from_hex(devnet::DEV_ACCOUNTS[i].1).unwrap()
}

/// A node on the solo engine with blocks every [`INTERVAL_MS`], whose "full block" is small so
/// that a flood looks like many full blocks.
fn solo() -> (NodeHandle, watch::Sender<bool>, tokio::task::JoinHandle<()>) {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let config = NodeConfig {
        block_interval: Duration::from_millis(INTERVAL_MS),
        max_block_txs: 10,
        ..NodeConfig::default()
    };
    let (stop, shutdown) = watch::channel(false);
    let (handle, task) = restake_node::start(
        Store::in_memory().unwrap(),
        &devnet::genesis(),
        now,
        config,
        shutdown,
    )
    .unwrap();
    (handle, stop, task)
}

async fn wait_for_receipt(handle: &NodeHandle, hash: B256) -> bool {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if chain::read_receipt(handle.store(), &hash)
            .unwrap()
            .is_some()
        {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gap_flood_cannot_advance_the_height_faster_than_the_block_interval_and_a_legitimate_transaction_is_still_included()
 {
    let (handle, stop, task) = solo();
    let start = handle.head().height;
    // Nine funded accounts each queue as many transactions as the mempool holds behind a nonce
    // they never send (further ones are refused: they could not run soon): 144 pending, none of
    // which can run, over fourteen times the node's block size.
    let gap = restake_node::mempool::MempoolLimits::default().max_nonce_gap;
    for i in 0..9 {
        let key = dev(i);
        for nonce in 1..=gap {
            handle.submit(signed(&key, nonce, transfer(1))).unwrap();
        }
        assert!(matches!(
            handle.submit(signed(&key, 2 * gap + 2, transfer(1))),
            Err(SubmitError::Mempool(MempoolError::FutureNonce { .. }))
        ));
    }
    let flood = handle.mempool_len();
    assert_eq!(flood, 9 * usize::try_from(gap).unwrap());
    tokio::time::sleep(Duration::from_millis(5 * INTERVAL_MS)).await;
    let key = dev(9);
    let legit = handle.submit(signed(&key, 0, transfer(5))).unwrap();
    assert!(
        wait_for_receipt(&handle, legit).await,
        "the legitimate transfer was not included"
    );
    let end = handle.head().height;
    stop.send(true).unwrap();
    task.await.unwrap();

    assert!(end > start, "no block was produced");
    let headers: Vec<_> = (start..=end)
        .map(|h| {
            chain::read_block(handle.store(), h)
                .unwrap()
                .unwrap()
                .header
        })
        .collect();
    for pair in headers.windows(2) {
        let gap = pair[1].timestamp_ms - pair[0].timestamp_ms;
        assert!(
            gap >= INTERVAL_MS,
            "block {} came {gap} ms after its parent; the interval is {INTERVAL_MS} ms",
            pair[1].height
        );
    }
    // The flood is still pending, not included: nothing of it could run.
    assert_eq!(handle.mempool_len(), flood);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_metadata_uri_longer_than_the_protocol_allows_is_refused_at_admission() {
    let (handle, stop, task) = solo();
    let key = dev(3);
    let register = |len: usize| Action::RegisterAsOperator {
        delegation_approver: Address::ZERO,
        allocation_delay: 0,
        metadata_uri: "x".repeat(len),
    };
    let refused = handle
        .submit(signed(&key, 0, register(MAX_STRING_BYTES + 1)))
        .unwrap_err();
    assert!(
        matches!(
            refused,
            SubmitError::Signature(TxError::FieldTooLong {
                field: "metadataUri",
                ..
            })
        ),
        "{refused}"
    );
    assert_eq!(handle.mempool_len(), 0);
    let accepted = handle
        .submit(signed(&key, 0, register(MAX_STRING_BYTES)))
        .unwrap();
    assert!(wait_for_receipt(&handle, accepted).await);
    stop.send(true).unwrap();
    task.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unfunded_keys_hold_nothing_in_the_mempool_and_write_nothing() {
    let (handle, stop, task) = solo();
    let start = handle.head().height;
    // A hundred fresh keys, each with a transaction that would run and is as large as the bounds
    // allow (a list of 256 operators, 5 KiB): every one is refused before it takes any memory.
    for seed in 0u8..100 {
        let key = Wallet::from_bytes([seed.wrapping_add(1); 32]).unwrap();
        let action = Action::UpdateAllowlist {
            avs: None,
            operator_set_id: 0,
            operators: vec![Address::repeat_byte(seed); 256],
            allowed: true,
        };
        match handle.submit(signed(&key, 0, action)) {
            Err(SubmitError::Mempool(MempoolError::QuotaExceeded { remaining: 0, .. })) => {}
            other => panic!("a fresh key's transaction was not refused for its quota: {other:?}"),
        }
    }
    assert_eq!(handle.mempool_len(), 0);
    // Blocks go on, empty.
    let key = dev(9);
    let legit = handle.submit(signed(&key, 0, transfer(5))).unwrap();
    assert!(wait_for_receipt(&handle, legit).await);
    let end = handle.head().height;
    stop.send(true).unwrap();
    task.await.unwrap();
    let included: usize = (start + 1..=end)
        .map(|h| {
            chain::read_block(handle.store(), h)
                .unwrap()
                .unwrap()
                .transactions
                .len()
        })
        .sum();
    assert_eq!(
        included, 1,
        "only the funded account's transfer is in a block"
    );
}
