//! The block function's own cost: building and verifying a full block of transfers on the
//! in-memory state, without signature recovery (the node recovers each signature once, at
//! admission; what is measured here is everything the core adds per transaction: nonce,
//! execution, receipts, the transactions and receipts roots, the encoded size).
//!
//! Under `cargo bench` the block holds 5,000 transfers from 100 senders; under `cargo test` (no
//! `--bench` argument) 20, run once. The signatures are made before the timed section.
//!
//! The wall clock is banned from protocol code; measuring it is what a benchmark is for.
#![allow(
    clippy::disallowed_methods,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    missing_docs
)]

use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use divan::{Bencher, black_box};
use restake_core::app::{self, Genesis, GenesisBalance, GenesisToken};
use restake_core::beacon_oracle::OracleConfig;
use restake_core::block::{self, BlockEnv, Header, Mode, NextBlock, VerifiedTx};
use restake_core::config::{Params, Roles};
use restake_core::state::MemoryState;
use restake_core::tokens::token_address;
use restake_core::tx::Transaction;
use restake_core::{Action, BlockContext};
use std::sync::OnceLock;

const CHAIN_ID: u64 = 31337;
const GENESIS_TIME: u64 = 1_700_000_000;

fn txs_per_block() -> usize {
    if std::env::args().any(|a| a == "--bench") {
        5_000
    } else {
        20
    }
}

fn key(i: usize) -> secp256k1::SecretKey {
    let mut b = [0u8; 32];
    b[0] = 0x22;
    b[24..].copy_from_slice(&(i as u64 + 1).to_be_bytes());
    secp256k1::SecretKey::from_byte_array(b).unwrap()
}

fn address(k: &secp256k1::SecretKey) -> Address {
    let pk = secp256k1::PublicKey::from_secret_key_global(k);
    Address::from_slice(&keccak256(&pk.serialize_uncompressed()[1..])[12..])
}

fn sign(k: &secp256k1::SecretKey, digest: B256) -> Bytes {
    let msg = secp256k1::Message::from_digest(digest.0);
    let sig = secp256k1::SECP256K1.sign_ecdsa_recoverable(msg, k);
    let (id, rs) = sig.serialize_compact();
    let mut out = rs.to_vec();
    out.push(27 + i32::from(id) as u8);
    Bytes::from(out)
}

/// Genesis with 100 funded senders and a block of transfers signed by them.
struct Fixture {
    state: MemoryState,
    env: BlockEnv,
    txs: Vec<VerifiedTx>,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let senders: Vec<_> = (0..100).map(key).collect();
        let addresses: Vec<Address> = senders.iter().map(address).collect();
        let genesis = Genesis {
            validators: Vec::new(),
            params: Params::devnet(),
            roles: Roles::default(),
            tokens: vec![GenesisToken {
                symbol: "stETH".into(),
                decimals: 18,
                minter: Address::repeat_byte(1),
                pool: true,
                balances: addresses
                    .iter()
                    .map(|a| GenesisBalance {
                        account: *a,
                        amount: U256::from(10u64).pow(U256::from(24u64)),
                    })
                    .collect(),
            }],
            beacon_oracle: OracleConfig::default(),
        };
        let mut state = MemoryState::new();
        let ctx = BlockContext {
            number: 0,
            timestamp: GENESIS_TIME,
            chain_id: CHAIN_ID,
        };
        app::init_genesis(&mut state, &genesis, &ctx).unwrap();
        let token = token_address("stETH");
        let txs = (0..txs_per_block())
            .map(|i| {
                let s = i % senders.len();
                let action = Action::Transfer {
                    token,
                    to: Address::repeat_byte(7),
                    amount: U256::from(1u64),
                };
                let nonce = (i / senders.len()) as u64;
                let digest = Transaction::signing_hash(addresses[s], nonce, &action, CHAIN_ID);
                let tx = Transaction {
                    from: addresses[s],
                    nonce,
                    action,
                    signature: sign(&senders[s], digest),
                };
                VerifiedTx::check(tx, CHAIN_ID).unwrap()
            })
            .collect();
        Fixture {
            state,
            env: BlockEnv::after(Header::genesis(
                CHAIN_ID,
                GENESIS_TIME,
                B256::ZERO,
                B256::ZERO,
            )),
            txs,
        }
    })
}

fn build(f: &Fixture) -> block::Sealed {
    let next = NextBlock {
        timestamp_ms: GENESIS_TIME * 1_000 + 1_000,
        proposer: Address::ZERO,
        last_commit: None,
    };
    block::execute(&f.state, &f.env, Mode::Build(&next), &f.txs)
        .unwrap()
        .seal(B256::ZERO)
        .unwrap()
}

/// Building a full block of transfers (the proposer's path).
#[divan::bench(sample_count = 20)]
fn build_block(b: Bencher) {
    let f = fixture();
    b.bench(|| black_box(build(f)));
}

/// Verifying the same block (every other validator's path), signatures already checked.
#[divan::bench(sample_count = 20)]
fn verify_block(b: Bencher) {
    let f = fixture();
    let built = build(f);
    assert_eq!(built.block.transactions.len(), f.txs.len());
    b.bench(|| {
        let executed = block::execute(
            &f.state,
            &f.env,
            Mode::Verify {
                header: &built.block.header,
                last_commit: None,
                now_ms: None,
            },
            &f.txs,
        )
        .unwrap();
        black_box(executed.seal(B256::ZERO).unwrap())
    });
}

/// Encoding and decoding the block's canonical bytes.
#[divan::bench(sample_count = 20)]
fn encode_and_decode_block(b: Bencher) {
    let built = build(fixture());
    b.bench(|| {
        let bytes = built.block.to_bytes();
        black_box(block::Block::from_bytes(&bytes, 4 << 20).unwrap())
    });
}

fn main() {
    divan::main();
}
