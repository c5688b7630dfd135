//! Every beacon-proof vector of the shared test data verifies (validator fields, state root,
//! balances re-assembled as today's two-part balance proof), and tampered copies fail with a
//! precise error.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    clippy::panic,
    missing_docs
)]

use alloy_primitives::{Address, B256};
use restake_beacon::*;
use serde_json::Value;

const DIR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/vectors/beacon/"
);

struct Vector {
    name: &'static str,
    index: u64,
    state_root: B256,
    block_root: B256,
    fields: Vec<B256>,
    fields_proof: Vec<B256>,
    /// Header proof of the state root, when the file has one.
    state_proof: Option<Vec<B256>>,
    /// `(balanceRoot, the 44-sibling balance proof)`, when the file has one.
    balance: Option<(B256, Vec<B256>)>,
    raw: Value,
}

fn words(v: &Value) -> Vec<B256> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().parse().unwrap())
        .collect()
}

fn load(name: &'static str) -> Vector {
    let raw: Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{DIR}{name}")).unwrap()).unwrap();
    let h = |k: &str| -> B256 { raw[k].as_str().unwrap().parse().unwrap() };
    Vector {
        name,
        index: raw["validatorIndex"].as_u64().unwrap(),
        state_root: h("beaconStateRoot"),
        block_root: h("latestBlockHeaderRoot"),
        fields: words(&raw["ValidatorFields"]),
        fields_proof: words(&raw["WithdrawalCredentialProof"]),
        state_proof: raw.get("StateRootAgainstLatestBlockHeaderProof").map(words),
        balance: raw
            .get("ValidatorBalanceProof")
            .map(|p| (h("balanceRoot"), words(p))),
        raw,
    }
}

const ALL: [&str; 6] = [
    "withdrawal_credential_proof_302913.json",
    "withdrawal_credential_proof_302913_30ETHBalance.json",
    "withdrawal_credential_proof_302913_exited.json",
    "balanceUpdateProof_balance28ETH_302913.json",
    "balanceUpdateProof_updated_to_0ETH_302913.json",
    "withdrawalCredentialAndBalanceProof_61068.json",
];

/// Today's balance proofs from the old 44-sibling one: the first 39 siblings prove the balance
/// leaf in the balances list; the last 5 prove the list as field 12 of the state.
fn split_balance(v: &Vector) -> Option<(B256, BalanceProof, Vec<B256>)> {
    let (balance_root, proof) = v.balance.clone()?;
    assert_eq!(proof.len(), 44, "{}", v.name);
    let container = process_inclusion_proof(&proof[..39], balance_root, v.index / 4).unwrap();
    Some((
        container,
        BalanceProof {
            pubkey_hash: v.fields[0],
            balance_root,
            proof: proof[..39].to_vec(),
        },
        proof[39..].to_vec(),
    ))
}

#[test]
fn every_vector_proves_its_validator_fields_against_its_state_root() {
    for name in ALL {
        let v = load(name);
        verify_validator_fields(
            ProofVersion::Deneb,
            v.state_root,
            &v.fields,
            &v.fields_proof,
            v.index,
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn every_vector_with_a_header_proof_proves_its_state_root_against_the_block_root() {
    let mut checked = 0;
    for name in ALL {
        let v = load(name);
        if let Some(proof) = &v.state_proof {
            verify_state_root(
                v.block_root,
                &StateRootProof {
                    beacon_state_root: v.state_root,
                    proof: proof.clone(),
                },
            )
            .unwrap_or_else(|e| panic!("{name}: {e}"));
            checked += 1;
        }
    }
    assert_eq!(checked, 5);
}

#[test]
fn balances_reassembled_as_a_container_proof_and_a_balance_proof_verify_with_their_amounts() {
    let expected = [
        ("withdrawal_credential_proof_302913.json", 32_000_115_173u64),
        (
            "withdrawal_credential_proof_302913_30ETHBalance.json",
            30_000_115_173,
        ),
        ("withdrawal_credential_proof_302913_exited.json", 0),
        (
            "balanceUpdateProof_balance28ETH_302913.json",
            28_000_115_173,
        ),
        (
            "withdrawalCredentialAndBalanceProof_61068.json",
            32_000_115_173,
        ),
    ];
    for (name, gwei) in expected {
        let v = load(name);
        let (container, balance, upper) = split_balance(&v).unwrap();
        assert_eq!(
            verify_validator_balance(container, v.index, &balance).unwrap(),
            gwei,
            "{name}"
        );
        match &v.state_proof {
            // Today's 8-sibling container proof, index (3 << 5) | 12 = 108, against the block root.
            Some(header) => {
                let mut proof = upper.clone();
                proof.extend(header.iter().copied());
                verify_balance_container(
                    ProofVersion::Deneb,
                    v.block_root,
                    &BalanceContainerProof {
                        balance_container_root: container,
                        proof,
                    },
                )
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            }
            // The older file proves the list as field 12 of the state directly.
            None => verify_inclusion(v.state_root, container, 12, &upper).unwrap(),
        }
    }
}

#[test]
fn decoded_fields_match_the_documented_values() {
    let v = load("withdrawal_credential_proof_302913.json");
    assert_eq!(v.index, 302_913);
    assert_eq!(
        validator::effective_balance_gwei(&v.fields).unwrap(),
        32_000_115_173
    );
    assert!(!validator::is_slashed(&v.fields).unwrap());
    assert_eq!(validator::exit_epoch(&v.fields).unwrap(), FAR_FUTURE_EPOCH);
    let pod: Address = "0x49c486e3f4303bc11c02f952fe5b08d0ab22d443"
        .parse()
        .unwrap();
    assert!(credentials_point_to(
        validator::withdrawal_credentials(&v.fields).unwrap(),
        pod
    ));
    assert!(!credentials_point_to(
        validator::withdrawal_credentials(&v.fields).unwrap(),
        Address::repeat_byte(1)
    ));
    let exited = load("withdrawal_credential_proof_302913_exited.json");
    assert_eq!(
        validator::effective_balance_gwei(&exited.fields).unwrap(),
        0
    );
    let zero = load("balanceUpdateProof_updated_to_0ETH_302913.json");
    assert_eq!(validator::effective_balance_gwei(&zero.fields).unwrap(), 0);
    let old = load("withdrawalCredentialAndBalanceProof_61068.json");
    assert_eq!(old.index, 61_068);
    assert_eq!(
        validator::effective_balance_gwei(&old.fields).unwrap(),
        32_000_000_000
    );
}

#[test]
fn the_older_files_latest_block_header_proof_proves_state_field_four() {
    let v = load("withdrawalCredentialAndBalanceProof_61068.json");
    let proof = words(&v.raw["LatestBlockHeaderProof"]);
    assert_eq!(proof.len(), 5);
    verify_inclusion(v.state_root, v.block_root, 4, &proof).unwrap();
    assert!(verify_inclusion(v.state_root, v.block_root, 3, &proof).is_err());
}

fn flip(w: &mut B256, bit: usize) {
    w.0[bit / 8] ^= 1 << (bit % 8);
}

fn base() -> Vector {
    load("withdrawal_credential_proof_302913.json")
}

fn fields_check(v: &Vector, version: ProofVersion) -> Result<(), BeaconError> {
    verify_validator_fields(version, v.state_root, &v.fields, &v.fields_proof, v.index)
}

#[test]
fn flipping_any_one_bit_of_a_sibling_a_field_or_the_root_fails_the_validator_proof() {
    let v = base();
    for s in [0, 1, 20, 39, 40, 45] {
        for bit in [0, 7, 128, 255] {
            let mut t = base();
            flip(&mut t.fields_proof[s], bit);
            assert_eq!(
                fields_check(&t, ProofVersion::Deneb),
                Err(BeaconError::RootMismatch {
                    which: "validator fields"
                }),
                "sibling {s} bit {bit}"
            );
        }
    }
    for f in 0..8 {
        let mut t = base();
        flip(&mut t.fields[f], 3);
        assert!(matches!(
            fields_check(&t, ProofVersion::Deneb),
            Err(BeaconError::RootMismatch { .. })
        ));
    }
    let mut t = base();
    flip(&mut t.state_root, 200);
    assert!(matches!(
        fields_check(&t, ProofVersion::Deneb),
        Err(BeaconError::RootMismatch { .. })
    ));
    assert!(fields_check(&v, ProofVersion::Deneb).is_ok());
}

#[test]
fn a_wrong_validator_index_fails() {
    for index in [302_912, 302_914, 302_913 + (1 << 20), 0] {
        let mut t = base();
        t.index = index;
        assert!(matches!(
            fields_check(&t, ProofVersion::Deneb),
            Err(BeaconError::RootMismatch { .. })
        ));
    }
    let mut t = base();
    t.index = 1 << 40;
    assert_eq!(
        fields_check(&t, ProofVersion::Deneb),
        Err(BeaconError::ValidatorIndexTooLarge(1 << 40))
    );
}

#[test]
fn truncated_or_extended_proofs_fail_on_their_length() {
    let mut t = base();
    t.fields_proof.pop();
    assert_eq!(
        fields_check(&t, ProofVersion::Deneb),
        Err(BeaconError::InvalidProofLength {
            which: "validator fields",
            expected: 46,
            actual: 45
        })
    );
    let mut t = base();
    t.fields_proof.push(B256::ZERO);
    assert!(matches!(
        fields_check(&t, ProofVersion::Deneb),
        Err(BeaconError::InvalidProofLength { actual: 47, .. })
    ));
    let v = base();
    let mut short = v.state_proof.clone().unwrap();
    short.pop();
    assert!(matches!(
        verify_state_root(
            v.block_root,
            &StateRootProof {
                beacon_state_root: v.state_root,
                proof: short
            }
        ),
        Err(BeaconError::InvalidProofLength {
            expected: 3,
            actual: 2,
            ..
        })
    ));
}

#[test]
fn a_deneb_proof_checked_with_the_pectra_height_fails() {
    // Pectra expects 47 siblings; the Deneb proof has 46.
    assert!(matches!(
        fields_check(&base(), ProofVersion::Pectra),
        Err(BeaconError::InvalidProofLength {
            expected: 47,
            actual: 46,
            ..
        })
    ));
    // Padded to the right length it still fails: the index and the tree are not Pectra's.
    let mut t = base();
    t.fields_proof.push(B256::repeat_byte(9));
    assert!(matches!(
        fields_check(&t, ProofVersion::Pectra),
        Err(BeaconError::RootMismatch { .. })
    ));
}

#[test]
fn a_zero_root_is_never_proven() {
    let mut t = base();
    t.state_root = B256::ZERO;
    assert_eq!(
        fields_check(&t, ProofVersion::Deneb),
        Err(BeaconError::EmptyRoot)
    );
}

#[test]
fn a_balance_proof_at_the_neighbouring_index_reads_nothing() {
    let v = base();
    let (container, balance, _) = split_balance(&v).unwrap();
    // Validator 302912 shares the leaf (302913 / 4 == 302912 / 4) and reads its own slot.
    assert_eq!(
        verify_validator_balance(container, 302_912, &balance).unwrap(),
        u64::from_le_bytes(balance.balance_root.0[0..8].try_into().unwrap())
    );
    // Validator 302917 is in the next leaf: the proof does not lead to the root.
    assert!(matches!(
        verify_validator_balance(container, 302_917, &balance),
        Err(BeaconError::RootMismatch { which: "balance" })
    ));
}

#[test]
fn pectra_is_chosen_strictly_after_the_fork_timestamp() {
    assert_eq!(
        ProofVersion::for_timestamp(100, 100),
        Ok(ProofVersion::Deneb)
    );
    assert_eq!(
        ProofVersion::for_timestamp(101, 100),
        Ok(ProofVersion::Pectra)
    );
    assert_eq!(
        ProofVersion::for_timestamp(101, 0),
        Err(BeaconError::ForkTimestampZero)
    );
}

#[test]
fn a_legacy_proof_file_converts_to_todays_proofs_that_verify() {
    let text = std::fs::read_to_string(format!("{DIR}balanceUpdateProof_balance28ETH_302913.json"))
        .unwrap();
    let file: json::LegacyProofFile = serde_json::from_str(&text).unwrap();
    let block = file.latest_block_header_root.unwrap();
    verify_state_root(block, &file.state_root_proof().unwrap()).unwrap();
    let vp = file.validator_proof();
    verify_validator_fields(
        ProofVersion::Deneb,
        file.beacon_state_root,
        &vp.validator_fields,
        &vp.proof,
        file.validator_index,
    )
    .unwrap();
    let (container, balance) = file.checkpoint_proofs().unwrap();
    verify_balance_container(ProofVersion::Deneb, block, &container).unwrap();
    assert_eq!(
        verify_validator_balance(
            container.balance_container_root,
            file.validator_index,
            &balance
        )
        .unwrap(),
        28_000_115_173
    );
    // A file without a balance proof says so.
    let text = std::fs::read_to_string(format!(
        "{DIR}balanceUpdateProof_updated_to_0ETH_302913.json"
    ))
    .unwrap();
    let file: json::LegacyProofFile = serde_json::from_str(&text).unwrap();
    assert!(matches!(
        file.checkpoint_proofs(),
        Err(BeaconError::InvalidProofLength {
            which: "balance",
            ..
        })
    ));
}
