//! Beacon proof verification: validator-field proofs per second on one core (the real 302913
//! vector), state-root and balance proofs, and a whole checkpoint of 1,000 validators.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    missing_docs
)]

use alloy_primitives::{Address, B256};
use divan::{Bencher, black_box};
use restake_beacon::generate::{BeaconStateBuilder, credentials_for, validator_fields};
use restake_beacon::*;
use serde_json::Value;

fn main() {
    divan::main();
}

fn words(v: &Value) -> Vec<B256> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().parse().unwrap())
        .collect()
}

struct Vector {
    index: u64,
    state_root: B256,
    block_root: B256,
    fields: Vec<B256>,
    fields_proof: Vec<B256>,
    state_proof: Vec<B256>,
    balance_root: B256,
    balance_proof: Vec<B256>,
    container: B256,
}

fn vector() -> Vector {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/vectors/beacon/withdrawal_credential_proof_302913.json"
    );
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let index = v["validatorIndex"].as_u64().unwrap();
    let balance_root: B256 = v["balanceRoot"].as_str().unwrap().parse().unwrap();
    let bal = words(&v["ValidatorBalanceProof"]);
    let container = process_inclusion_proof(&bal[..39], balance_root, index / 4).unwrap();
    Vector {
        index,
        state_root: v["beaconStateRoot"].as_str().unwrap().parse().unwrap(),
        block_root: v["latestBlockHeaderRoot"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap(),
        fields: words(&v["ValidatorFields"]),
        fields_proof: words(&v["WithdrawalCredentialProof"]),
        state_proof: words(&v["StateRootAgainstLatestBlockHeaderProof"]),
        balance_root,
        balance_proof: bal[..39].to_vec(),
        container,
    }
}

#[divan::bench]
fn validator_fields_proof(bencher: Bencher) {
    let v = vector();
    bencher.bench(|| {
        verify_validator_fields(
            ProofVersion::Deneb,
            black_box(v.state_root),
            black_box(&v.fields),
            black_box(&v.fields_proof),
            v.index,
        )
        .unwrap()
    });
}

#[divan::bench]
fn state_root_proof(bencher: Bencher) {
    let v = vector();
    let p = StateRootProof {
        beacon_state_root: v.state_root,
        proof: v.state_proof.clone(),
    };
    bencher.bench(|| verify_state_root(black_box(v.block_root), black_box(&p)).unwrap());
}

#[divan::bench]
fn balance_proof(bencher: Bencher) {
    let v = vector();
    let p = BalanceProof {
        pubkey_hash: v.fields[0],
        balance_root: v.balance_root,
        proof: v.balance_proof.clone(),
    };
    bencher.bench(|| {
        verify_validator_balance(black_box(v.container), v.index, black_box(&p)).unwrap()
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
                B256::from(alloy_primitives::U256::from(i + 1)),
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
    bencher.bench(|| {
        verify_balance_container(ProofVersion::Pectra, built.block_root, &container).unwrap();
        let mut total = 0u64;
        for (i, p) in proofs.iter().enumerate() {
            total +=
                verify_validator_balance(container.balance_container_root, i as u64, p).unwrap();
        }
        black_box(total)
    });
}
