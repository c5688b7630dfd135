//! Crash safety of the real `restake dev` binary: kill it with SIGKILL under load, restart it on
//! the same data directory, and check that nothing acknowledged was lost and that every stored
//! block replays, from genesis, to the state root in its header.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::panic,
    missing_docs
)]

mod common;
use alloy_primitives::{Address, B256, U256};
use common::*;
use restake_client::Client;
use restake_core::Action;
use restake_core::block::{Block, Receipt, Status};
use restake_node::chain::{Chain, read_block, read_receipt};
use restake_node::devnet;
use restake_store::Store;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Senders: development accounts 4..=9.
const SENDERS: std::ops::RangeInclusive<usize> = 4..=9;
/// Transactions a sender sends before it waits for their receipts.
const BATCH: u64 = 16;
/// Acknowledged transactions to reach before the kill.
const TARGET: usize = 400;

/// The sender's `n`-th action: mostly stETH transfers, a deposit every third, and a transfer the
/// sender cannot afford every tenth (a failed receipt, which still moves the nonce).
fn action(n: u64, steth: (Address, Address)) -> Action {
    let (strategy, token) = steth;
    if n % 10 == 9 {
        Action::Transfer {
            token,
            to: dev(0),
            amount: U256::from(10u8).pow(U256::from(30u8)),
        }
    } else if n.is_multiple_of(3) {
        Action::DepositIntoStrategy {
            strategy,
            token,
            amount: U256::from(1_000_000_000_000_000u128 + u128::from(n)),
        }
    } else {
        Action::Transfer {
            token,
            to: dev(0),
            amount: U256::from(n + 1),
        }
    }
}

/// Sends batches from development account `i` until `stop` is set or the node is gone; records
/// every receipt it sees.
async fn sender(
    client: Client,
    i: usize,
    chain_id: u64,
    steth: (Address, Address),
    stop: Arc<AtomicBool>,
    sent: Arc<AtomicUsize>,
    seen: Arc<Mutex<Vec<Receipt>>>,
) {
    let wallet = dev_wallet(i);
    let Ok(mut nonce) = client.nonce(wallet.address()).await else {
        return;
    };
    while !stop.load(Ordering::Relaxed) {
        let mut batch = Vec::new();
        for _ in 0..BATCH {
            let tx = wallet.sign(action(nonce, steth), nonce, chain_id);
            match client.send(&tx).await {
                Ok(hash) => {
                    sent.fetch_add(1, Ordering::Relaxed);
                    batch.push(hash)
                }
                Err(_) => return,
            }
            nonce += 1;
        }
        while !batch.is_empty() {
            let mut waiting = Vec::new();
            for hash in batch {
                match client.receipt(hash).await {
                    Ok(Some(r)) => seen.lock().unwrap().push(r),
                    Ok(None) => waiting.push(hash),
                    Err(_) => return,
                }
            }
            batch = waiting;
            if !batch.is_empty() {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
}

/// Replays the blocks of the store in `dir` from genesis into a fresh in-memory chain; checks
/// each rebuilt block (header with its state root, transactions) and its receipts against the
/// stored ones. Returns the transaction hashes of every stored block, by height.
fn replay(dir: &std::path::Path) -> BTreeMap<u64, Vec<B256>> {
    let disk = Store::open(dir).unwrap();
    let height = disk.height().unwrap().expect("a stored chain");
    let blocks: BTreeMap<u64, Block> = (0..=height)
        .map(|h| {
            let b = read_block(&disk, h)
                .unwrap()
                .unwrap_or_else(|| panic!("block {h} is missing"));
            assert_eq!(b.header.height, h);
            assert_eq!(disk.root_at(h).unwrap(), Some(b.header.state_root));
            (h, b)
        })
        .collect();
    assert_eq!(
        disk.state_root().unwrap(),
        blocks[&height].header.state_root
    );

    // Block 0 is genesis at the recorded genesis time.
    let genesis = &blocks[&0].header;
    let mut chain = Chain::open(
        Store::in_memory().unwrap(),
        &devnet::genesis(),
        devnet::CHAIN_ID,
        genesis.timestamp_secs(),
    )
    .unwrap();
    assert_eq!(chain.head(), genesis, "genesis does not replay");

    let mut hashes = BTreeMap::from([(0, Vec::new())]);
    for h in 1..=height {
        let stored = &blocks[&h];
        // The stored block passes the same verification a validator applies to a proposal
        // (history: no clock bound), and its execution reproduces the stored receipts.
        let verified = chain
            .verify(stored, None, |_, _| false)
            .unwrap_or_else(|e| panic!("block {h} does not verify on replay: {e}"));
        assert_eq!(
            verified.block(),
            stored,
            "block {h} differs from its replay"
        );
        for (hash, r) in verified
            .sealed
            .tx_hashes
            .iter()
            .zip(&verified.sealed.receipts)
        {
            let kept = read_receipt(&disk, hash).unwrap();
            assert_eq!(kept.as_ref(), Some(r), "receipt of {hash} in block {h}");
        }
        let ids = verified.sealed.tx_hashes.clone();
        let certificate = restake_node::chain::read_certificate(&disk, h)
            .unwrap()
            .unwrap();
        chain.commit(verified, &certificate).unwrap();
        hashes.insert(h, ids);
    }
    hashes
}

/// Runs the senders against `node` until `TARGET` new receipts are seen, then SIGKILLs the node
/// while they are still sending. Returns the receipts seen and the last height observed.
fn load_then_kill(rt: &tokio::runtime::Runtime, node: &mut Node) -> (Vec<Receipt>, u64) {
    let client = node.client();
    rt.block_on(async {
        let chain_id = client.chain_id().await.unwrap();
        let steth = client.strategy_by_symbol("stETH").await.unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sent = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = SENDERS
            .map(|i| {
                tokio::spawn(sender(
                    client.clone(),
                    i,
                    chain_id,
                    steth,
                    stop.clone(),
                    sent.clone(),
                    seen.clone(),
                ))
            })
            .collect();
        let deadline = Deadline::after(Duration::from_secs(30));
        while seen.lock().unwrap().len() < TARGET {
            assert!(
                !deadline.passed(),
                "only {} receipts before the deadline",
                seen.lock().unwrap().len()
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let last_height = client.block_number().await.unwrap();
        let acknowledged = seen.lock().unwrap().len();
        let in_flight = sent.load(Ordering::Relaxed);
        node.kill();
        eprintln!(
            "killed at height >= {last_height}: {acknowledged} transactions acknowledged of \
             {in_flight} sent"
        );
        stop.store(true, Ordering::Relaxed);
        for t in tasks {
            t.await.unwrap();
        }
        // Receipts seen while the kill was under way count too.
        let all: Vec<Receipt> = seen.lock().unwrap().clone();
        (all, last_height)
    })
}

/// After a restart: the height did not go back and every acknowledged receipt is unchanged.
fn check_kept(rt: &tokio::runtime::Runtime, node: &Node, seen: &[Receipt], last_height: u64) {
    let client = node.client();
    rt.block_on(async {
        let h = client.block_number().await.unwrap();
        assert!(h >= last_height, "height {h} after restart < {last_height}");
        let top = seen.iter().map(|r| r.block_number).max().unwrap_or(0);
        assert!(
            h >= top,
            "height {h} after restart < block {top} of a receipt"
        );
        for r in seen {
            let kept = client.receipt(r.transaction_hash).await.unwrap();
            assert_eq!(
                kept.as_ref(),
                Some(r),
                "acknowledged transaction {} changed or vanished",
                r.transaction_hash
            );
        }
        // Nonces resume after the committed transactions of each sender.
        for i in SENDERS {
            let from = dev(i);
            let committed = seen.iter().filter(|r| r.from == from).count() as u64;
            let nonce = client.nonce(from).await.unwrap();
            assert!(
                nonce >= committed,
                "nonce of {from} is {nonce} after {committed} acknowledged transactions"
            );
        }
    });
}

#[test]
fn acknowledged_transactions_survive_hard_kills_under_load_and_every_block_replays_to_its_state_root()
 {
    let tmp = TempDir::new("crash");
    let data = tmp.path().join("data");
    let rt = runtime();
    let mut seen: Vec<Receipt> = Vec::new();
    let mut last_height = 0;
    // Three rounds of load and SIGKILL on the same directory.
    for _ in 0..3 {
        let mut node = Node::start(&data, 50);
        check_kept(&rt, &node, &seen, last_height);
        let (new, h) = load_then_kill(&rt, &mut node);
        seen.extend(new);
        last_height = h;
    }
    let statuses: Vec<Status> = seen.iter().map(|r| r.status).collect();
    assert!(statuses.contains(&Status::Success));
    assert!(
        statuses.contains(&Status::Failed),
        "the load includes failing transactions"
    );

    // A last restart: everything acknowledged is still there, and the node commits new work.
    let mut node = Node::start(&data, 50);
    check_kept(&rt, &node, &seen, last_height);
    let client = node.client();
    rt.block_on(async {
        let h = client.block_number().await.unwrap();
        let after = client
            .execute(
                &dev_wallet(4),
                Action::Transfer {
                    token: client.strategy_by_symbol("stETH").await.unwrap().1,
                    to: dev(0),
                    amount: U256::from(1u8),
                },
            )
            .await
            .unwrap();
        assert_eq!(after.status, Status::Success);
        assert!(after.block_number > h);
    });
    node.kill();

    // The index beside the store survived the kills; rebuilt from the stored blocks it covers
    // every one of them.
    let top = Store::open(&data).unwrap().height().unwrap().unwrap();
    let out = std::process::Command::new(BIN)
        .args(["index", "rebuild", "--data-dir"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains(&format!("Indexed {} blocks", top + 1)),
        "{}",
        text(&out)
    );

    // Every stored block replays to its state root, and holds what was acknowledged in it.
    let blocks = replay(&data);
    for r in &seen {
        assert_eq!(
            blocks[&r.block_number].get(r.index as usize),
            Some(&r.transaction_hash),
            "transaction {} is not at its receipt's place",
            r.transaction_hash
        );
    }
}
