//! The consensus seam in values: the application gives the same block for the same (height,
//! round), verifies blocks other nodes built, refuses byzantine ones with their reason, and
//! commits whichever block is decided. Driven by hand, with no timers.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::panic,
    missing_docs
)]

use alloy_primitives::{Address, B256, U256};
use restake_client::Wallet;
use restake_core::Action;
use restake_core::block::{Block, Certificate, InvalidBlock, encoding};
use restake_core::tx::Transaction;
use restake_node::chain::VerifyError;
use restake_node::engine::ManualEngine;
use restake_node::node::NodeConfig;
use restake_node::{NodeError, NodeHandle, devnet};
use restake_store::Store;

const GENESIS_TIME: u64 = 1_700_000_000;
/// The devnet's single validator, which proposes and certifies every block here.
fn validator() -> Address {
    devnet::validator_key().public().address()
}

/// The validator's certificate of `hash` at `height`.
fn cert(height: u64, hash: B256) -> Certificate {
    Certificate::sign(
        devnet::CHAIN_ID,
        height,
        0,
        hash,
        &[&devnet::validator_key()],
    )
}

fn node() -> (NodeHandle, ManualEngine) {
    let config = NodeConfig::default();
    restake_node::start_manual(
        Store::in_memory().unwrap(),
        &devnet::genesis(),
        GENESIS_TIME,
        config,
    )
    .unwrap()
}

/// A signed transfer of `amount` rETH from development account `i`, with its next nonce on
/// `node`.
fn transfer(node: &NodeHandle, i: usize, amount: u64) -> Transaction {
    let key = Wallet::from_hex(devnet::DEV_ACCOUNTS[i].1).unwrap();
    let action = Action::Transfer {
        token: restake_core::tokens::token_address("rETH"),
        to: Address::repeat_byte(7),
        amount: U256::from(amount),
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

/// Submits a transfer to `node`.
fn submit(node: &NodeHandle, i: usize, amount: u64) -> B256 {
    node.submit(transfer(node, i, amount)).unwrap()
}

fn genesis_ms() -> u64 {
    GENESIS_TIME * 1_000
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn asking_twice_for_the_same_height_and_round_returns_the_identical_block() {
    let (handle, engine) = node();
    let app = engine.app();
    submit(&handle, 1, 5);
    let first = app
        .get_value(1, 0, genesis_ms() + 1_000, validator())
        .await
        .unwrap();
    assert_eq!(first.block.transactions.len(), 1);
    // More arrives, and the clock moves: round 0 is still the same block.
    submit(&handle, 2, 6);
    let again = app
        .get_value(1, 0, genesis_ms() + 9_000, validator())
        .await
        .unwrap();
    assert_eq!(again, first);
    // Round 1 is built afresh, with both transactions.
    let round1 = app
        .get_value(1, 1, genesis_ms() + 9_000, validator())
        .await
        .unwrap();
    assert_ne!(round1.hash, first.hash);
    assert_eq!(round1.block.transactions.len(), 2);
    // Deciding round 1's block commits it; round 0's is forgotten.
    let header = app
        .decided(1, round1.hash, cert(1, round1.hash))
        .await
        .unwrap();
    assert_eq!(header.hash(), round1.hash);
    assert_eq!(handle.mempool_len(), 0);
    assert_eq!(
        handle.store().certificate(1).unwrap(),
        Some(restake_core::block::encoding::to_bytes(&cert(
            1,
            round1.hash
        )))
    );
    let err = app
        .decided(2, first.hash, cert(2, first.hash))
        .await
        .unwrap_err();
    assert!(matches!(err, NodeError::Mismatch(_)), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_block_built_by_one_node_is_verified_and_committed_by_another() {
    let (a, engine_a) = node();
    let (b, engine_b) = node();
    submit(&a, 1, 5);
    submit(&a, 3, 7);
    let proposed = engine_a
        .app()
        .get_value(1, 0, genesis_ms() + 1_000, validator())
        .await
        .unwrap();
    assert_eq!(proposed.block.header.proposer, validator());
    let bytes = proposed.block.to_bytes();
    let now = genesis_ms() + 1_000;
    let hash = engine_b.app().verify(bytes, Some(now)).await.unwrap();
    assert_eq!(hash, proposed.hash);
    let on_a = engine_a
        .app()
        .decided(1, hash, cert(1, hash))
        .await
        .unwrap();
    let on_b = engine_b
        .app()
        .decided(1, hash, cert(1, hash))
        .await
        .unwrap();
    assert_eq!(on_a, on_b);
    assert_eq!(
        a.store().state_root().unwrap(),
        b.store().state_root().unwrap()
    );
    assert_eq!(b.head().height, 1);
    // B never saw the transactions in its mempool, yet holds their receipts.
    assert_eq!(b.mempool_len(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn byzantine_proposals_are_refused_with_their_reason_and_cannot_be_decided() {
    let (a, engine_a) = node();
    let (_b, engine_b) = node();
    submit(&a, 1, 5);
    let proposed = engine_a
        .app()
        .get_value(1, 0, genesis_ms() + 1_000, validator())
        .await
        .unwrap();
    let verify = |block: Block| {
        let app = engine_b.app().clone();
        async move { app.verify(block.to_bytes(), None).await }
    };
    let invalid = |r: Result<B256, VerifyError>| match r {
        Err(VerifyError::Invalid(i)) => i,
        other => panic!("expected an invalid block, got {other:?}"),
    };

    let mut forged_root = (*proposed.block).clone();
    forged_root.header.state_root = B256::repeat_byte(1);
    assert!(matches!(
        invalid(verify(forged_root.clone()).await),
        InvalidBlock::StateRoot { .. }
    ));

    let mut forged_sig = (*proposed.block).clone();
    let mut sig = forged_sig.transactions[0].signature.to_vec();
    sig[10] ^= 1;
    forged_sig.transactions[0].signature = sig.into();
    // As received, the body no longer matches the header: a corrupted copy, found before any
    // signature work.
    assert!(matches!(
        invalid(verify(forged_sig.clone()).await),
        InvalidBlock::TransactionsRoot { .. }
    ));
    // A proposer that commits to the bad signature in its header: the signature is refused.
    forged_sig.header.transactions_root = encoding::transactions_root(&forged_sig.transactions);
    assert!(matches!(
        invalid(verify(forged_sig).await),
        InvalidBlock::Transaction { index: 0, .. }
    ));

    let mut future = (*proposed.block).clone();
    future.header.timestamp_ms = genesis_ms() + 3_600_000;
    let r = engine_b
        .app()
        .verify(future.to_bytes(), Some(genesis_ms() + 1_000))
        .await;
    assert!(matches!(invalid(r), InvalidBlock::TooFarAhead { .. }));

    let mut wrong_height = (*proposed.block).clone();
    wrong_height.header.height = 5;
    assert!(matches!(
        invalid(verify(wrong_height).await),
        InvalidBlock::Height {
            got: 5,
            expected: 1
        }
    ));

    let garbage = engine_b.app().verify(vec![0xFF; 40], None).await;
    assert!(matches!(invalid(garbage), InvalidBlock::Malformed(_)));

    // None of them became a candidate: deciding one is refused and nothing is committed.
    let err = engine_b
        .app()
        .decided(
            1,
            forged_root.header.hash(),
            cert(1, forged_root.header.hash()),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, NodeError::Mismatch(_)), "{err}");
    // The honest block still verifies and commits.
    let hash = verify((*proposed.block).clone()).await.unwrap();
    engine_b
        .app()
        .decided(1, hash, cert(1, hash))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decision_replayed_after_a_commit_returns_the_committed_header() {
    let (handle, mut engine) = node();
    submit(&handle, 1, 5);
    let header = engine.produce_block().await.unwrap();
    let replay = engine
        .app()
        .decided(1, header.hash(), cert(1, header.hash()))
        .await
        .unwrap();
    assert_eq!(replay, header);
    let other = engine
        .app()
        .decided(1, B256::repeat_byte(3), cert(1, B256::repeat_byte(3)))
        .await
        .unwrap_err();
    assert!(matches!(other, NodeError::Mismatch(_)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_manual_engine_makes_blocks_at_virtual_times_the_chain_rules_allow() {
    let (handle, mut engine) = node();
    let first = engine.produce_block().await.unwrap();
    let second = engine.produce_block().await.unwrap();
    // One configured interval (1 s) apart, from genesis on; no wall clock involved.
    assert_eq!(first.timestamp_ms, genesis_ms() + 1_000);
    assert_eq!(second.timestamp_ms, genesis_ms() + 2_000);
    assert_eq!(second.proposer, validator());
    // Asking for a time before the parent gives the earliest allowed instead.
    let early = engine.app().get_value(3, 0, 0, validator()).await.unwrap();
    let min = restake_core::config::Params::devnet().min_block_interval_ms;
    assert_eq!(early.block.header.timestamp_ms, second.timestamp_ms + min);
    assert_eq!(handle.head(), second);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signature_the_verifier_already_checked_is_trusted_only_for_the_same_bytes() {
    let (a, engine_a) = node();
    let (b, engine_b) = node();
    // Both nodes admitted the same transaction (as gossip would have it).
    let tx = transfer(&a, 1, 5);
    a.submit(tx.clone()).unwrap();
    b.submit(tx.clone()).unwrap();
    let proposed = engine_a
        .app()
        .get_value(1, 0, genesis_ms() + 1_000, validator())
        .await
        .unwrap();
    // Same id, other signature bytes (not a valid signature): B recovers it and refuses.
    let mut forged = (*proposed.block).clone();
    let mut sig = forged.transactions[0].signature.to_vec();
    sig[5] ^= 0x40;
    forged.transactions[0].signature = sig.into();
    forged.header.transactions_root = encoding::transactions_root(&forged.transactions);
    assert_eq!(
        forged.transactions[0].hash(devnet::CHAIN_ID),
        tx.hash(devnet::CHAIN_ID)
    );
    let r = engine_b.app().verify(forged.to_bytes(), None).await;
    assert!(
        matches!(
            r,
            Err(VerifyError::Invalid(InvalidBlock::Transaction {
                index: 0,
                ..
            }))
        ),
        "{r:?}"
    );
    // The honest block verifies and, once decided, empties B's mempool.
    let hash = engine_b
        .app()
        .verify(proposed.block.to_bytes(), None)
        .await
        .unwrap();
    engine_b
        .app()
        .decided(1, hash, cert(1, hash))
        .await
        .unwrap();
    assert_eq!(b.mempool_len(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transaction_larger_than_the_admission_limit_is_refused_with_its_canonical_size() {
    let config = NodeConfig {
        max_tx_bytes: 100,
        ..NodeConfig::default()
    };
    let (handle, _engine) = restake_node::start_manual(
        Store::in_memory().unwrap(),
        &devnet::genesis(),
        GENESIS_TIME,
        config,
    )
    .unwrap();
    let tx = transfer(&handle, 1, 5);
    let size = restake_core::block::encoding::encoded_len(&tx);
    match handle.submit(tx) {
        Err(restake_node::node::SubmitError::TooLarge { size: s, limit }) => {
            assert_eq!((s, limit), (size, 100));
        }
        other => panic!("expected TooLarge, got {other:?}"),
    }
    assert_eq!(handle.mempool_len(), 0);
}

/// A node on a data directory that outlives it (a crash is dropping it).
fn node_on(dir: &std::path::Path) -> (NodeHandle, ManualEngine) {
    // The previous node's application task lets go of the file when it ends.
    let store = (0..200)
        .find_map(|_| {
            Store::open(dir).ok().or_else(|| {
                std::thread::sleep(std::time::Duration::from_millis(10));
                None
            })
        })
        .expect("the previous node released its data directory");
    restake_node::start_manual(
        store,
        &devnet::genesis(),
        GENESIS_TIME,
        NodeConfig::default(),
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_crash_the_same_height_and_round_still_returns_the_identical_block() {
    let dir = tempfile::tempdir().unwrap();
    let first = {
        let (handle, engine) = node_on(dir.path());
        submit(&handle, 1, 5);
        engine
            .app()
            .get_value(1, 0, genesis_ms() + 1_000, validator())
            .await
            .unwrap()
    };
    // Restarted with other transactions pending and a later clock: round 0 is the same block
    // (a different one would be a second proposal for one round), round 1 a new one.
    let (handle, engine) = node_on(dir.path());
    submit(&handle, 2, 6);
    let again = engine
        .app()
        .get_value(1, 0, genesis_ms() + 5_000, validator())
        .await
        .unwrap();
    assert_eq!(again, first);
    let round1 = engine
        .app()
        .get_value(1, 1, genesis_ms() + 5_000, validator())
        .await
        .unwrap();
    assert_ne!(round1.hash, first.hash);
    // The kept block commits as decided.
    let header = engine
        .app()
        .decided(1, first.hash, cert(1, first.hash))
        .await
        .unwrap();
    assert_eq!(header.hash(), first.hash);
    assert!(handle.store().candidates(1).unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_block_verified_before_a_crash_is_committed_when_decided_after_it() {
    let (a, engine_a) = node();
    submit(&a, 1, 5);
    let proposed = engine_a
        .app()
        .get_value(1, 0, genesis_ms() + 1_000, validator())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    {
        let (_b, engine_b) = node_on(dir.path());
        let hash = engine_b
            .app()
            .verify_from(
                proposed.block.to_bytes(),
                Some(genesis_ms() + 1_000),
                Some(validator()),
                b"round 0".to_vec(),
            )
            .await
            .unwrap();
        assert_eq!(hash, proposed.hash);
    }
    let (b, engine_b) = node_on(dir.path());
    let kept = b.store().candidates(1).unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].note, b"round 0");
    let header = engine_b
        .app()
        .decided(1, proposed.hash, cert(1, proposed.hash))
        .await
        .unwrap();
    assert_eq!(header, proposed.block.header);
    assert_eq!(b.head().height, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_block_from_another_proposer_than_expected_or_a_decision_without_quorum_is_refused() {
    let (a, engine_a) = node();
    let (b, engine_b) = node();
    submit(&a, 1, 5);
    let proposed = engine_a
        .app()
        .get_value(1, 0, genesis_ms() + 1_000, validator())
        .await
        .unwrap();
    let other = Address::repeat_byte(0x42);
    let err = engine_b
        .app()
        .verify_from(proposed.block.to_bytes(), None, Some(other), Vec::new())
        .await
        .unwrap_err();
    assert!(
        matches!(err, VerifyError::Invalid(InvalidBlock::Proposer { expected, .. }) if expected == other),
        "{err}"
    );
    // Nothing was kept for a refused block.
    assert!(b.store().candidates(1).unwrap().is_empty());
    // A decision certified by a key outside the set is refused; the height stays open.
    let hash = engine_b
        .app()
        .verify(proposed.block.to_bytes(), None)
        .await
        .unwrap();
    let outsider = restake_primitives::ed25519::SecretKey::from_seed(&[5; 32]);
    let forged = Certificate::sign(devnet::CHAIN_ID, 1, 0, hash, &[&outsider]);
    let err = engine_b.app().decided(1, hash, forged).await.unwrap_err();
    assert!(err.to_string().contains("certificate"), "{err}");
    assert_eq!(b.head().height, 0);
    engine_b
        .app()
        .decided(1, hash, cert(1, hash))
        .await
        .unwrap();
    assert_eq!(b.head().height, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proposer_waiting_for_work_wakes_when_a_transaction_is_admitted_and_not_for_a_gapped_one()
{
    let (node, _engine) = node();
    // Nothing pending: the wait runs out.
    assert!(
        !node
            .wait_for_ready(std::time::Duration::from_millis(20))
            .await
    );
    // A transaction behind a nonce gap cannot be included: still nothing to propose.
    let first = transfer(&node, 0, 1);
    let key = Wallet::from_hex(devnet::DEV_ACCOUNTS[0].1).unwrap();
    let gapped = key.sign(first.action.clone(), first.nonce + 1, devnet::CHAIN_ID);
    node.submit(gapped).unwrap();
    assert!(
        !node
            .wait_for_ready(std::time::Duration::from_millis(20))
            .await
    );
    // The next transaction is admitted while the proposer waits (however long it may wait).
    let waiter = {
        let node = node.clone();
        tokio::spawn(async move {
            node.wait_for_ready(std::time::Duration::from_secs(3_600))
                .await
        })
    };
    tokio::task::yield_now().await;
    node.submit(first).unwrap();
    assert!(waiter.await.unwrap());
}
