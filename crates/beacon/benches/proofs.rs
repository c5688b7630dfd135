//! Beacon proof verification on one core: validator-field proofs (the real 302913 vector),
//! state-root and balance proofs, and the proof work of a checkpoint of 1,000 validators (one
//! balance-container proof and 1,000 balance proofs from the generator).
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    missing_docs
)]

use alloy_primitives::{Address, B256, U256};
use divan::counter::ItemsCount;
use divan::{Bencher, black_box};
use restake_beacon::generate::{BeaconStateBuilder, credentials_for, validator_fields};
use restake_beacon::*;

fn main() {
    divan::main();
}

fn vector() -> LegacyProofFile {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/vectors/beacon/withdrawal_credential_proof_302913.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[divan::bench]
fn validator_fields_proof(bencher: Bencher) {
    let v = vector();
    bencher.counter(ItemsCount::new(1usize)).bench(|| {
        verify_validator_fields(
            ProofVersion::Deneb,
            black_box(v.beacon_state_root),
            black_box(&v.validator_fields),
            black_box(&v.withdrawal_credential_proof),
            black_box(v.validator_index),
        )
        .unwrap()
    });
}

#[divan::bench]
fn state_root_proof(bencher: Bencher) {
    let v = vector();
    let p = v.state_root_proof().unwrap();
    let block = v.latest_block_header_root.unwrap();
    bencher
        .counter(ItemsCount::new(1usize))
        .bench(|| verify_state_root(black_box(block), black_box(&p)).unwrap());
}

#[divan::bench]
fn balance_proof(bencher: Bencher) {
    let v = vector();
    let (container, balance) = v.checkpoint_proofs().unwrap();
    bencher.counter(ItemsCount::new(1usize)).bench(|| {
        verify_validator_balance(
            black_box(container.balance_container_root),
            black_box(v.validator_index),
            black_box(&balance),
        )
        .unwrap()
    });
}

/// One balance-container proof and 1,000 balance proofs: the proof work of a checkpoint of a
/// pod with 1,000 validators.
#[divan::bench(sample_count = 20)]
fn checkpoint_of_1000_validators(bencher: Bencher) {
    let pod = Address::repeat_byte(0x42);
    let validators: Vec<Vec<B256>> = (0..1_000u64)
        .map(|i| {
            validator_fields(
                B256::from(U256::from(i + 1)),
                credentials_for(pod, 1),
                32_000_000_000,
                false,
                0,
                1,
                FAR_FUTURE_EPOCH,
                FAR_FUTURE_EPOCH,
            )
        })
        .collect();
    let built = BeaconStateBuilder {
        version: ProofVersion::Pectra,
        validators,
        balances_gwei: (0..1_000u64).map(|i| 31_000_000_000 + i).collect(),
    }
    .build()
    .unwrap();
    let container = built.balance_container_proof();
    let proofs: Vec<BalanceProof> = (0..1_000u64)
        .map(|i| built.balance_proof(i).unwrap())
        .collect();
    bencher.counter(ItemsCount::new(1_000usize)).bench(|| {
        verify_balance_container(
            ProofVersion::Pectra,
            black_box(built.block_root),
            black_box(&container),
        )
        .unwrap();
        let mut total = 0u64;
        for (i, p) in proofs.iter().enumerate() {
            total +=
                verify_validator_balance(container.balance_container_root, i as u64, p).unwrap();
        }
        black_box(total)
    });
}

/// Building a generated state of 1,000 validators (for tests and devnets).
#[divan::bench(sample_count = 10)]
fn build_state_of_1000_validators(bencher: Bencher) {
    let pod = Address::repeat_byte(0x42);
    let builder = BeaconStateBuilder {
        version: ProofVersion::Pectra,
        validators: (0..1_000u64)
            .map(|i| {
                validator_fields(
                    B256::from(U256::from(i + 1)),
                    credentials_for(pod, 1),
                    32_000_000_000,
                    false,
                    0,
                    1,
                    FAR_FUTURE_EPOCH,
                    FAR_FUTURE_EPOCH,
                )
            })
            .collect(),
        balances_gwei: vec![32_000_000_000; 1_000],
    };
    bencher.bench(|| builder.build().unwrap().block_root);
}
