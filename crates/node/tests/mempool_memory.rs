//! The mempool's memory is bounded in bytes, not only in counts: funded senders fill it with the
//! largest transactions admission takes until it refuses, and the process grows by about the
//! byte budget, not by the count cap times the largest transaction. Its own test binary, so the
//! resident-memory reading sees this test alone.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::panic,
    missing_docs
)]

use alloy_primitives::{B256, U256, keccak256};
use restake_beacon::StateRootProof;
use restake_client::Wallet;
use restake_core::Action;
use restake_core::app::GenesisBalance;
use restake_core::tx::Transaction;
use restake_node::devnet;
use restake_node::mempool::{MempoolError, MempoolLimits, charged_bytes};
use restake_node::node::{NodeConfig, SubmitError};
use restake_store::Store;

const BUDGET: usize = 32 * 1024 * 1024;
const SENDERS: usize = 40;

fn wallet(i: usize) -> Wallet {
    Wallet::from_bytes(keccak256(format!("mempool memory sender {i}")).0).unwrap()
}

/// A proof submission of about 57 KiB: 256 validators' field proofs of seven hashes each, all
/// within the protocol's bounds and under the 64 KiB admission limit.
fn large(key: &Wallet, nonce: u64) -> Transaction {
    let action = Action::VerifyWithdrawalCredentials {
        pod: None,
        beacon_timestamp: nonce,
        state_root_proof: StateRootProof {
            beacon_state_root: B256::repeat_byte(1),
            proof: vec![B256::repeat_byte(2); 3],
        },
        validator_indices: vec![nonce; 1],
        validator_fields_proofs: vec![vec![B256::repeat_byte(3); 7]; 256],
        validator_fields: vec![vec![B256::repeat_byte(4); 8]; 1],
    };
    let digest = Transaction::signing_hash(key.address(), nonce, &action, devnet::CHAIN_ID);
    Transaction {
        from: key.address(),
        nonce,
        action,
        signature: key.sign_digest(digest),
    }
}

fn resident_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mempool_full_of_the_largest_transactions_stays_within_its_byte_budget() {
    let mut genesis = devnet::genesis();
    let steth = genesis
        .tokens
        .iter_mut()
        .find(|t| t.symbol == "stETH")
        .unwrap();
    for i in 0..SENDERS {
        steth.balances.push(GenesisBalance {
            account: wallet(i).address(),
            amount: U256::from(10u64).pow(U256::from(18u8)),
        });
    }
    let config = NodeConfig {
        mempool: MempoolLimits {
            per_sender: 256,
            total: 50_000,
            per_sender_bytes: 1024 * 1024,
            total_bytes: BUDGET,
            ..MempoolLimits::default()
        },
        ..NodeConfig::default()
    };
    let (handle, _engine) =
        restake_node::start_manual(Store::in_memory().unwrap(), &genesis, 1_700_000_000, config)
            .unwrap();
    // The transactions arrive as bytes, as they do over the API: signed and encoded one at a
    // time first (each decoded form is freed before the next is made, so no freed memory is
    // left for the pool's copies to reuse), then decoded and submitted after the first reading.
    let encoded: Vec<Vec<u8>> = (0..SENDERS)
        .flat_map(|i| {
            let key = wallet(i);
            (0..20).map(move |n| restake_core::block::encoding::to_bytes(&large(&key, n)))
        })
        .collect();
    let size = encoded[0].len();
    assert!(size > 50 * 1024 && size < 64 * 1024, "{size}");
    let before = resident_kib();
    let mut admitted = 0usize;
    let mut refused = 0usize;
    for bytes in &encoded {
        let tx: Transaction = restake_core::block::encoding::from_bytes(bytes, 1 << 20).unwrap();
        match handle.submit(tx) {
            Ok(_) => admitted += 1,
            // Once a sender's earlier transactions were refused, its later ones are also too
            // far past what it has pending.
            Err(SubmitError::Mempool(
                MempoolError::SenderBytesFull { .. }
                | MempoolError::PoolBytesFull { .. }
                | MempoolError::FutureNonce { .. },
            )) => refused += 1,
            Err(e) => panic!("refused for another reason: {e}"),
        }
    }
    let after = resident_kib();
    let grown = after.saturating_sub(before) * 1024;
    eprintln!(
        "{admitted} transactions of {size} bytes admitted, {refused} refused; pool charged {} \
         bytes of its {BUDGET}; resident memory grew {} KiB ({} KiB before)",
        handle.mempool_len() * charged_bytes(size),
        grown / 1024,
        before
    );
    assert!(refused > 0, "the budget was never reached");
    assert!(admitted * charged_bytes(size) <= BUDGET);
    assert!(admitted * charged_bytes(size) > BUDGET - 64 * 1024 * SENDERS / 16);
    // The decoded form is close to the encoding; twice the budget leaves room for the
    // allocator's rounding, and is far below what the count cap alone would allow
    // (50,000 × 57 KiB, about 2.7 GiB).
    assert!(
        grown < 2 * BUDGET as u64,
        "resident memory grew {grown} bytes for a budget of {BUDGET}"
    );
}
