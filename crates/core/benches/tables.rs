//! Operator tables and tasks on the ledger, at the sizes:
//!
//! - `table_1000_operators_10_strategies`: `updateOperatorTable` (compute every entry from the
//!   allocations and delegated shares, build the tree, write header and entries) for a set of
//!   1,000 operators over 10 strategies, each with an ECDSA key; and `compute_entries` alone.
//! - `respond_to_task_bls_200`: `respondToTask` with a BLS certificate of 180 of 200 operators
//!   (verification against the task's table and 180 fee payments).
//!
//! Each runs on an overlay over the prepared state, dropped uncommitted, so every sample does the
//! same work. Under `cargo test` the states are small.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    clippy::panic,
    missing_docs
)]

#[path = "../tests/common/mod.rs"]
mod common;

use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use common::{CHAIN_ID, MINTER, OWNER, PAUSER, UNPAUSER, eth};
use divan::Bencher;
use restake_certificate::{
    Certificate, CertificateProof, TableTree, Witness, message_digest, task_response_hash,
};
use restake_core::allocation::{AllocateParams, CreateSetParams, RegistrationPolicy};
use restake_core::app::{self, Genesis, GenesisBalance, GenesisToken};
use restake_core::config::{Params, Roles};
use restake_core::exec::Exec;
use restake_core::keys::KeyScheme;
use restake_core::pool::strategy_address;
use restake_core::state::MemoryState;
use restake_core::tables::{self, TablesRead};
use restake_core::tasks::TasksRead;
use restake_core::tokens::token_address;
use restake_core::{Action, BlockContext, eip712};
use restake_primitives::{OperatorSet, bls};
use std::sync::OnceLock;

fn main() {
    divan::main();
}

const AVS: Address = Address::repeat_byte(0xE1);
const WAD: u64 = 1_000_000_000_000_000_000;

fn full() -> bool {
    std::env::args().any(|a| a == "--bench")
}

fn operator(i: u32) -> Address {
    let mut b = [0xC5u8; 20];
    b[16..].copy_from_slice(&i.to_be_bytes());
    Address::from(b)
}

fn symbols(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("T{i}")).collect()
}

struct Built {
    state: MemoryState,
    block: BlockContext,
}

fn run(s: &mut MemoryState, block: &BlockContext, sender: Address, action: Action) {
    let name = action.name();
    if let Err(e) = app::execute(s, block, sender, &action) {
        panic!("{name}: {e}");
    }
}

/// `operators` operators, each holding and allocating half of each of `strategies` tokens to set
/// 1 of the AVS, with a key of `scheme`.
fn build(operators: u32, strategies: usize, scheme: KeyScheme) -> Built {
    let syms = symbols(strategies);
    let ops: Vec<Address> = (0..operators).map(operator).collect();
    let tokens = syms
        .iter()
        .map(|s| GenesisToken {
            symbol: s.clone(),
            decimals: 18,
            minter: MINTER,
            pool: true,
            balances: ops
                .iter()
                .chain(std::iter::once(&AVS))
                .map(|a| GenesisBalance {
                    account: *a,
                    amount: eth(1_000),
                })
                .collect(),
        })
        .collect();
    let genesis = Genesis {
        validators: Vec::new(),
        params: Params::devnet(),
        roles: Roles {
            owner: OWNER,
            strategy_whitelister: OWNER,
            pausers: vec![PAUSER],
            unpauser: UNPAUSER,
        },
        tokens,
        beacon_oracle: Default::default(),
    };
    let mut state = MemoryState::new();
    let mut block = BlockContext {
        number: 1,
        timestamp: 1_700_000_000,
        chain_id: CHAIN_ID,
    };
    app::init_genesis(&mut state, &genesis, &block).unwrap();
    let strats: Vec<Address> = syms
        .iter()
        .map(|s| strategy_address(&token_address(s)))
        .collect();
    run(
        &mut state,
        &block,
        AVS,
        Action::UpdateAvsMetadataUri {
            avs: None,
            metadata_uri: "https://avs.example".into(),
        },
    );
    run(
        &mut state,
        &block,
        AVS,
        Action::CreateOperatorSets {
            avs: None,
            params: vec![CreateSetParams {
                operator_set_id: 1,
                strategies: strats.clone(),
                redistribution_recipient: None,
                slasher: None,
                registration_policy: RegistrationPolicy::Open,
                equivocation_wad_to_slash: None,
            }],
        },
    );
    run(
        &mut state,
        &block,
        AVS,
        Action::ConfigureOperatorSet {
            avs: None,
            operator_set_id: 1,
            key_scheme: scheme,
        },
    );
    for (i, op) in ops.iter().enumerate() {
        run(
            &mut state,
            &block,
            *op,
            Action::RegisterAsOperator {
                delegation_approver: Address::ZERO,
                allocation_delay: 0,
                metadata_uri: String::new(),
            },
        );
        for (s, strategy) in syms.iter().zip(&strats) {
            run(
                &mut state,
                &block,
                *op,
                Action::DepositIntoStrategy {
                    strategy: *strategy,
                    token: token_address(s),
                    amount: eth(100 + (i % 100) as u64),
                },
            );
        }
        run(
            &mut state,
            &block,
            *op,
            Action::RegisterForOperatorSets {
                operator: None,
                avs: AVS,
                operator_set_ids: vec![1],
                approval: None,
            },
        );
        run(
            &mut state,
            &block,
            *op,
            Action::ModifyAllocations {
                operator: None,
                params: vec![AllocateParams {
                    avs: AVS,
                    operator_set_id: 1,
                    strategies: strats.clone(),
                    new_magnitudes: vec![WAD / 2; strats.len()],
                }],
            },
        );
        let (key_data, signature) = match scheme {
            KeyScheme::Ecdsa => {
                let sk = secp256k1::SecretKey::from_byte_array(keccak256(op).0).unwrap();
                let pk = secp256k1::PublicKey::from_secret_key_global(&sk);
                let address = &keccak256(&pk.serialize_uncompressed()[1..])[12..];
                let key_data = Bytes::copy_from_slice(address);
                let digest = registration(*op, &key_data);
                let sig = secp256k1::SECP256K1
                    .sign_ecdsa_recoverable(secp256k1::Message::from_digest(digest.0), &sk);
                let (id, rs) = sig.serialize_compact();
                let mut out = rs.to_vec();
                out.push(27 + i32::from(id) as u8);
                (key_data, Bytes::from(out))
            }
            KeyScheme::Bls12381 => {
                let sk = bls_key(*op);
                let key_data = Bytes::copy_from_slice(&sk.public().to_bytes());
                let digest = registration(*op, &key_data);
                let proof = sk.prove_possession_bound(digest.as_slice());
                (key_data, Bytes::copy_from_slice(&proof.to_bytes()))
            }
        };
        run(
            &mut state,
            &block,
            *op,
            Action::RegisterKey {
                operator: None,
                avs: AVS,
                operator_set_id: 1,
                key_data,
                signature,
            },
        );
    }
    block.number += 2;
    Built { state, block }
}

fn bls_key(op: Address) -> bls::SecretKey {
    bls::SecretKey::derive(keccak256(op).as_slice()).unwrap()
}

fn registration(op: Address, key_data: &Bytes) -> B256 {
    eip712::digest(
        &eip712::KeyRegistration {
            operator: op,
            avs: AVS,
            operatorSetId: 1,
            keyData: key_data.clone(),
        },
        CHAIN_ID,
    )
}

fn table_state() -> &'static Built {
    static S: OnceLock<Built> = OnceLock::new();
    S.get_or_init(|| {
        if full() {
            build(1_000, 10, KeyScheme::Ecdsa)
        } else {
            build(20, 3, KeyScheme::Ecdsa)
        }
    })
}

#[divan::bench]
fn table_1000_operators_10_strategies(bencher: Bencher) {
    let b = table_state();
    let set = OperatorSet::new(AVS, 1);
    bencher.bench(|| {
        let mut ex = Exec::new(&b.state, b.block);
        let table = tables::commit_table(&mut ex, set).unwrap();
        assert!(table.operator_count > 0);
        ex
    });
}

#[divan::bench]
fn compute_entries_1000_operators_10_strategies(bencher: Bencher) {
    let b = table_state();
    let set = OperatorSet::new(AVS, 1);
    bencher.bench(|| tables::compute_entries(&b.state, &set, b.block.number).unwrap());
}

/// A BLS set of 200 with an open task and a certificate of all but 20 of them.
fn task_state() -> &'static (Built, Action) {
    static S: OnceLock<(Built, Action)> = OnceLock::new();
    S.get_or_init(|| {
        let n = if full() { 200 } else { 10 };
        let absent = n / 10;
        let mut b = build(n, 1, KeyScheme::Bls12381);
        let payload = keccak256(b"question");
        run(
            &mut b.state,
            &b.block,
            AVS,
            Action::CreateTask {
                avs: None,
                operator_set_id: 1,
                payload_hash: payload,
                fee_token: token_address("T0"),
                fee: eth(100),
                threshold_bips: 6667,
                deadline_blocks: 5,
            },
        );
        let set = OperatorSet::new(AVS, 1);
        let task = b.state.task(1).unwrap().unwrap();
        let entries = b.state.table_entries(&set, task.reference_height).unwrap();
        let tree = TableTree::new(&entries).unwrap();
        let response = B256::repeat_byte(7);
        let message = task_response_hash(1, &payload, &response);
        let digest = message_digest(CHAIN_ID, &set, task.reference_height, &message);
        let sigs: Vec<bls::Signature> = entries[absent as usize..]
            .iter()
            .map(|e| bls_key(e.operator).sign(digest.as_slice()))
            .collect();
        let cert = Certificate {
            operator_set: set,
            reference_height: task.reference_height,
            message_hash: message,
            proof: CertificateProof::Bls12381 {
                signature: Bytes::copy_from_slice(
                    &bls::Signature::aggregate(&sigs).unwrap().to_bytes(),
                ),
                non_signers: (0..absent)
                    .map(|i| Witness {
                        index: i,
                        entry: entries[i as usize].clone(),
                        proof: tree.proof(i).unwrap(),
                    })
                    .collect(),
            },
        };
        b.block.number += 1;
        let action = Action::RespondToTask {
            task_id: 1,
            response,
            certificate: Box::new(cert),
        };
        (b, action)
    })
}

#[divan::bench]
fn respond_to_task_bls_200(bencher: Bencher) {
    let (b, action) = task_state();
    bencher.bench(|| {
        let mut ex = Exec::new(&b.state, b.block);
        app::dispatch(&mut ex, AVS, action).unwrap();
        ex
    });
}

#[divan::bench]
fn create_task_ecdsa_1000(bencher: Bencher) {
    let b = table_state();
    let action = Action::CreateTask {
        avs: None,
        operator_set_id: 1,
        payload_hash: B256::repeat_byte(1),
        fee_token: token_address("T0"),
        fee: U256::from(1_000u64),
        threshold_bips: 6667,
        deadline_blocks: 5,
    };
    bencher.bench(|| {
        let mut ex = Exec::new(&b.state, b.block);
        app::dispatch(&mut ex, AVS, &action).unwrap();
        ex
    });
}
