//! Operator tables: who is in a set's table and with what weight (slashable or delegated stake,
//! multipliers, caps, the lookahead), the committed root and history, and a certificate over a
//! committed table verified by the pure verifier.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use alloy_primitives::{Address, Bytes, U256, keccak256};
use common::*;
use restake_certificate::certificate::Policy;
use restake_certificate::{
    Certificate, CertificateProof, TableTree, Threshold, Witness, message_digest, verify,
};
use restake_core::eip712;
use restake_core::keys::KeyScheme;
use restake_core::permissions::PermissionError;
use restake_core::rewards::StrategyAndMultiplier;
use restake_core::tables::{TablesError, TablesRead, Weighting};
use restake_core::{Action, Error, Event};
use restake_primitives::{OperatorSet, bls};

const AVS: Address = Address::repeat_byte(0xAA);
const A: Address = Address::repeat_byte(0x0A);
const B: Address = Address::repeat_byte(0x0B);
const C: Address = Address::repeat_byte(0x0C);
const HALF: u64 = 500_000_000_000_000_000;
const QUARTER: u64 = 250_000_000_000_000_000;
const ALL: u64 = 1_000_000_000_000_000_000;

fn set() -> OperatorSet {
    OperatorSet::new(AVS, 1)
}

fn bls_key(op: Address) -> bls::SecretKey {
    bls::SecretKey::derive(keccak256(op).as_slice()).unwrap()
}

fn register_key(c: &mut Chain, op: Address) {
    let sk = bls_key(op);
    let key_data = Bytes::copy_from_slice(&sk.public().to_bytes());
    let digest = eip712::digest(
        &eip712::KeyRegistration {
            operator: op,
            avs: AVS,
            operatorSetId: 1,
            keyData: key_data.clone(),
        },
        CHAIN_ID,
    );
    let proof = sk.prove_possession_bound(digest.as_slice());
    c.ok(
        op,
        Action::RegisterKey {
            operator: None,
            avs: AVS,
            operator_set_id: 1,
            key_data,
            signature: Bytes::copy_from_slice(&proof.to_bytes()),
        },
    );
}

/// Set 1 over stETH and rETH with BLS keys. A: 100 stETH and 50 rETH delegated, allocates 50%
/// and 100%; B: 200 stETH, allocates 25%; C: 300 stETH, allocates 100% but has no key.
fn chain() -> Chain {
    let mut c = Chain::new();
    c.create_set(AVS, 1, &["stETH", "rETH"]);
    c.ok(
        AVS,
        Action::ConfigureOperatorSet {
            avs: None,
            operator_set_id: 1,
            key_scheme: KeyScheme::Bls12381,
        },
    );
    for (op, staker) in [(A, addr(1)), (B, addr(2)), (C, addr(3))] {
        c.register_operator(op);
        c.delegate(staker, op);
        c.register_for(op, AVS, &[1]);
    }
    c.deposit(addr(1), "stETH", eth(100));
    c.deposit(addr(1), "rETH", eth(50));
    c.deposit(addr(2), "stETH", eth(200));
    c.deposit(addr(3), "stETH", eth(300));
    c.allocate(A, AVS, 1, "stETH", HALF);
    c.allocate(A, AVS, 1, "rETH", ALL);
    c.allocate(B, AVS, 1, "stETH", QUARTER);
    c.allocate(C, AVS, 1, "stETH", ALL);
    register_key(&mut c, A);
    register_key(&mut c, B);
    c.advance(1);
    c
}

fn update() -> Action {
    Action::UpdateOperatorTable {
        avs: AVS,
        operator_set_id: 1,
    }
}

/// (operator, weight) of the latest table.
fn weights(c: &Chain) -> Vec<(Address, U256)> {
    let t = c.state.operator_table(&set()).unwrap().unwrap();
    (0..t.operator_count)
        .map(|i| {
            let e = c
                .state
                .table_entry(&set(), t.reference_height, i)
                .unwrap()
                .unwrap();
            (e.operator, e.weight)
        })
        .collect()
}

#[test]
fn a_table_weighs_members_with_keys_by_their_slashable_stake() {
    let mut c = chain();
    let events = c.ok(Address::repeat_byte(0x77), update());
    let table = c.state.operator_table(&set()).unwrap().unwrap();
    // A: 50% of 100 stETH + 100% of 50 rETH; B: 25% of 200 stETH; C has no key.
    assert_eq!(weights(&c), vec![(A, eth(100)), (B, eth(50))]);
    let a = c
        .state
        .table_entry(&set(), table.reference_height, 0)
        .unwrap()
        .unwrap();
    assert_eq!(a.stakes, vec![eth(50), eth(50)]);
    assert_eq!(table.total_weight, eth(150));
    assert_eq!(table.reference_height, u64::from(c.block.number));
    assert_eq!(
        table.strategies,
        vec![c.strategy("stETH"), c.strategy("rETH")]
    );
    // The root commits to exactly these entries; the aggregate key is A's plus B's.
    let entries = c
        .state
        .table_entries(&set(), table.reference_height)
        .unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(table.root, TableTree::new(&entries).unwrap().root());
    let sum = bls::PublicKey::aggregate(&[bls_key(A).public(), bls_key(B).public()]).unwrap();
    assert_eq!(
        table.aggregate_key,
        Some(Bytes::copy_from_slice(&sum.to_bytes()))
    );
    assert_eq!(
        events,
        vec![Event::OperatorTableUpdated {
            operator_set: set(),
            reference_height: table.reference_height,
            root: table.root,
            operator_count: 2,
            total_weight: eth(150),
        }]
    );
}

#[test]
fn delegated_weighting_multipliers_and_a_cap_are_exact() {
    let mut c = chain();
    let reth = c.strategy("rETH");
    let calculator = |cap: U256| Action::SetOperatorTableCalculator {
        avs: None,
        operator_set_id: 1,
        weighting: Weighting::Delegated,
        multipliers: vec![StrategyAndMultiplier {
            strategy: reth,
            multiplier: U256::from(3),
        }],
        operator_cap: cap,
    };
    c.ok(AVS, calculator(U256::ZERO));
    c.ok(A, update());
    // A: 100 + 3 × 50; B: 200, whatever they allocated.
    assert_eq!(weights(&c), vec![(A, eth(250)), (B, eth(200))]);
    c.ok(AVS, calculator(eth(210)));
    c.ok(A, update());
    assert_eq!(weights(&c), vec![(A, eth(210)), (B, eth(200))]);
}

#[test]
fn stake_leaving_within_the_lookahead_does_not_count() {
    let mut c = chain();
    c.allocate(B, AVS, 1, "stETH", 0);
    let delay = restake_core::config::ConfigRead::params(&c.state)
        .unwrap()
        .deallocation_delay;
    // The deallocation takes effect delay + 1 blocks on; the lookahead is delay / 2.
    c.advance(delay / 2);
    c.ok(A, update());
    assert_eq!(weights(&c), vec![(A, eth(100)), (B, eth(50))]);
    c.advance(1);
    c.ok(A, update());
    assert_eq!(weights(&c), vec![(A, eth(100))]);
}

#[test]
fn each_reference_height_keeps_its_table_and_a_smaller_table_leaves_no_stale_entries() {
    let mut c = chain();
    c.ok(A, update());
    let first = c.state.operator_table(&set()).unwrap().unwrap();
    let h1 = first.reference_height;
    c.advance(3);
    c.ok(
        B,
        Action::DeregisterFromOperatorSets {
            operator: None,
            avs: AVS,
            operator_set_ids: vec![1],
        },
    );
    c.ok(A, update());
    let second = c.state.operator_table(&set()).unwrap().unwrap();
    assert_eq!(second.operator_count, 1);
    assert_eq!(
        c.state
            .table_entry(&set(), second.reference_height, 1)
            .unwrap(),
        None
    );
    // The first table's entries stay, under its own height.
    assert_eq!(c.state.table_entries(&set(), h1).unwrap().len(), 2);
    assert_eq!(
        c.state.operator_table_at(&set(), h1).unwrap(),
        Some(first.clone())
    );
    assert_eq!(
        c.state.operator_table_at(&set(), h1 + 2).unwrap(),
        Some(first)
    );
    assert_eq!(
        c.state
            .operator_table_at(&set(), second.reference_height)
            .unwrap(),
        Some(second)
    );
    assert_eq!(c.state.operator_table_at(&set(), h1 - 1).unwrap(), None);
}

#[test]
fn only_the_avs_sets_the_calculator_and_only_for_its_strategies() {
    let mut c = chain();
    let cbeth = c.strategy("cbETH");
    let steth = c.strategy("stETH");
    let with = |multipliers: Vec<StrategyAndMultiplier>| Action::SetOperatorTableCalculator {
        avs: Some(AVS),
        operator_set_id: 1,
        weighting: Weighting::Slashable,
        multipliers,
        operator_cap: U256::ZERO,
    };
    let m = |strategy, multiplier: u64| StrategyAndMultiplier {
        strategy,
        multiplier: U256::from(multiplier),
    };
    assert_eq!(
        c.fails(A, with(vec![])),
        Error::Permission(PermissionError::InvalidPermissions {
            account: AVS,
            caller: A,
            selector: "setOperatorTableCalculator".into()
        })
    );
    assert_eq!(
        c.fails(AVS, with(vec![m(cbeth, 2)])),
        Error::Tables(TablesError::StrategyNotInSet(cbeth))
    );
    assert_eq!(
        c.fails(AVS, with(vec![m(steth, 2), m(steth, 3)])),
        Error::Tables(TablesError::DuplicateMultiplier(steth))
    );
    assert_eq!(
        c.fails(AVS, with(vec![m(steth, 0)])),
        Error::Tables(TablesError::ZeroMultiplier(steth))
    );
    // A set without a key scheme has no table.
    c.create_set(AVS, 2, &["stETH"]);
    assert_eq!(
        c.fails(
            A,
            Action::UpdateOperatorTable {
                avs: AVS,
                operator_set_id: 2
            }
        ),
        Error::Tables(TablesError::NoKeyScheme(OperatorSet::new(AVS, 2)))
    );
    assert_eq!(
        c.fails(
            A,
            Action::UpdateOperatorTable {
                avs: AVS,
                operator_set_id: 9
            }
        ),
        Error::Tables(TablesError::UnknownOperatorSet(OperatorSet::new(AVS, 9)))
    );
}

#[test]
fn a_certificate_over_a_committed_table_verifies_in_the_pure_verifier() {
    let mut c = chain();
    c.ok(A, update());
    let table = c.state.operator_table(&set()).unwrap().unwrap();
    let entries = c
        .state
        .table_entries(&set(), table.reference_height)
        .unwrap();
    let tree = TableTree::new(&entries).unwrap();
    let answer = keccak256(b"ETH/USD 3120.55");
    let digest = message_digest(CHAIN_ID, &set(), table.reference_height, &answer);
    // A (weight 100 of 150) signs; B does not.
    let cert = Certificate {
        operator_set: set(),
        reference_height: table.reference_height,
        message_hash: answer,
        proof: CertificateProof::Bls12381 {
            signature: Bytes::copy_from_slice(&bls_key(A).sign(digest.as_slice()).to_bytes()),
            non_signers: vec![Witness {
                index: 1,
                entry: entries[1].clone(),
                proof: tree.proof(1).unwrap(),
            }],
        },
    };
    let policy = |bips| Policy {
        chain_id: CHAIN_ID,
        now: table.reference_height,
        max_staleness: 10,
        threshold: Threshold::Proportion { bips },
    };
    let verified = verify(&cert, &table, &policy(6666)).unwrap();
    assert_eq!(verified.signed_weight, eth(100));
    assert!(verify(&cert, &table, &policy(6667)).is_err());
}
