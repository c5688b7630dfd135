//! The beacon-proof vectors of EigenLayer's test data: every file verifies (validator fields,
//! state root, balances re-assembled as today's two-part checkpoint proof), the decoded values
//! are exactly the documented ones, and tampered copies fail with the precise error.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    clippy::panic,
    missing_docs
)]

use alloy_primitives::{Address, B256, address};
use restake_beacon::*;
use serde_json::Value;

const DIR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/vectors/beacon/"
);

const ALL: [&str; 6] = [
    "withdrawal_credential_proof_302913.json",
    "withdrawal_credential_proof_302913_30ETHBalance.json",
    "withdrawal_credential_proof_302913_exited.json",
    "balanceUpdateProof_balance28ETH_302913.json",
    "balanceUpdateProof_updated_to_0ETH_302913.json",
    "withdrawalCredentialAndBalanceProof_61068.json",
];

/// The files with today's state-root anchor (a header proof against the block root).
const WITH_HEADER: [&str; 5] = [
    "withdrawal_credential_proof_302913.json",
    "withdrawal_credential_proof_302913_30ETHBalance.json",
    "withdrawal_credential_proof_302913_exited.json",
    "balanceUpdateProof_balance28ETH_302913.json",
    "balanceUpdateProof_updated_to_0ETH_302913.json",
];

/// The pod the vectors' withdrawal credentials point at.
const POD: Address = address!("49c486e3f4303bc11c02f952fe5b08d0ab22d443");

fn text(name: &str) -> String {
    std::fs::read_to_string(format!("{DIR}{name}")).unwrap()
}

fn load(name: &str) -> LegacyProofFile {
    serde_json::from_str(&text(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn block_root(f: &LegacyProofFile) -> B256 {
    f.latest_block_header_root.unwrap()
}

fn flip(w: &mut B256, bit: usize) {
    w.0[bit / 8] ^= 1 << (bit % 8);
}

fn fields_check(f: &LegacyProofFile, version: ProofVersion) -> Result<(), BeaconError> {
    verify_validator_fields(
        version,
        f.beacon_state_root,
        &f.validator_fields,
        &f.withdrawal_credential_proof,
        f.validator_index,
    )
}

fn base() -> LegacyProofFile {
    load("withdrawal_credential_proof_302913.json")
}

#[test]
fn every_vector_proves_its_validator_fields_against_its_state_root() {
    for name in ALL {
        let f = load(name);
        assert_eq!(f.withdrawal_credential_proof.len(), 46, "{name}");
        fields_check(&f, ProofVersion::Deneb).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn the_files_read_the_same_through_the_legacy_layout_and_as_plain_json() {
    for name in ALL {
        let raw: Value = serde_json::from_str(&text(name)).unwrap();
        let f = load(name);
        assert_eq!(f.validator_index, raw["validatorIndex"].as_u64().unwrap());
        assert_eq!(
            f.beacon_state_root.to_string(),
            raw["beaconStateRoot"].as_str().unwrap()
        );
        let proof: Vec<String> = f
            .withdrawal_credential_proof
            .iter()
            .map(|w| w.to_string())
            .collect();
        let raw_proof: Vec<&str> = raw["WithdrawalCredentialProof"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(proof, raw_proof, "{name}");
        assert_eq!(
            f.validator_balance_proof.is_some(),
            raw.get("ValidatorBalanceProof").is_some()
        );
        assert_eq!(
            f.latest_block_header_proof.is_some(),
            raw.get("LatestBlockHeaderProof").is_some()
        );
        assert_eq!(f.slot_root.is_some(), raw.get("slotRoot").is_some());
    }
}

#[test]
fn every_vector_with_a_header_proof_proves_its_state_root_against_its_block_root() {
    let mut checked = 0;
    for name in ALL {
        let f = load(name);
        if let Some(p) = f.state_root_proof() {
            verify_state_root(block_root(&f), &p).unwrap_or_else(|e| panic!("{name}: {e}"));
            checked += 1;
        }
    }
    assert_eq!(checked, WITH_HEADER.len());
}

#[test]
fn balances_reassembled_from_the_44_sibling_proof_verify_with_their_exact_amounts() {
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
        let f = load(name);
        let (container_root, _) = f.balances_in_state().unwrap();
        let balance = f.balance_proof().unwrap();
        assert_eq!(balance.proof.len(), 39);
        assert_eq!(balance.pubkey_hash, f.validator_fields[0]);
        assert_eq!(
            verify_validator_balance(container_root, f.validator_index, &balance),
            Ok(gwei),
            "{name}"
        );
    }
}

#[test]
fn todays_balance_container_proof_is_the_last_five_siblings_then_the_header_proof_at_index_108() {
    assert_eq!(balance_container_index(ProofVersion::Deneb), 108);
    let mut checked = 0;
    for name in WITH_HEADER {
        let f = load(name);
        if f.validator_balance_proof.is_none() {
            continue;
        }
        let container = f.balance_container_proof().unwrap();
        assert_eq!(container.proof.len(), 8);
        verify_balance_container(ProofVersion::Deneb, block_root(&f), &container)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        checked += 1;
    }
    assert_eq!(checked, 4);
}

#[test]
fn the_older_files_balances_list_is_field_12_of_its_state() {
    let f = load("withdrawalCredentialAndBalanceProof_61068.json");
    let (root, upper) = f.balances_in_state().unwrap();
    assert_eq!(upper.len(), 5);
    verify_state_field(
        ProofVersion::Deneb,
        f.beacon_state_root,
        BALANCE_CONTAINER_INDEX,
        root,
        &upper,
    )
    .unwrap();
    assert_eq!(
        verify_state_field(ProofVersion::Deneb, f.beacon_state_root, 11, root, &upper),
        Err(BeaconError::RootMismatch {
            which: "state field"
        })
    );
    // It has no header proof, so no container proof against a block root can be made from it.
    assert_eq!(
        f.balance_container_proof(),
        Err(BeaconError::MissingProof(
            "StateRootAgainstLatestBlockHeaderProof"
        ))
    );
}

#[test]
fn the_older_files_latest_block_header_proof_proves_state_field_four() {
    let f = load("withdrawalCredentialAndBalanceProof_61068.json");
    let proof = f.latest_block_header_proof.clone().unwrap();
    assert_eq!(proof.len(), 5);
    verify_state_field(
        ProofVersion::Deneb,
        f.beacon_state_root,
        LATEST_BLOCK_HEADER_INDEX,
        block_root(&f),
        &proof,
    )
    .unwrap();
    // Not the state-root field of the header, nor any other state field.
    for field in [3, 5, 12, 20] {
        assert_eq!(
            verify_state_field(
                ProofVersion::Deneb,
                f.beacon_state_root,
                field,
                block_root(&f),
                &proof
            ),
            Err(BeaconError::RootMismatch {
                which: "state field"
            }),
            "field {field}"
        );
    }
    assert_eq!(
        verify_state_field(
            ProofVersion::Deneb,
            f.beacon_state_root,
            32,
            block_root(&f),
            &proof
        ),
        Err(BeaconError::InvalidIndex {
            index: 32,
            siblings: 5
        })
    );
}

#[test]
fn decoded_validator_fields_match_the_documented_values() {
    // (file, index, effective balance, eligibility epoch, activation epoch)
    let expected = [
        (
            "withdrawal_credential_proof_302913.json",
            302_913,
            32_000_115_173u64,
            91_626u64,
            91_634u64,
        ),
        (
            "withdrawal_credential_proof_302913_30ETHBalance.json",
            302_913,
            30_000_115_173,
            91_626,
            91_634,
        ),
        (
            "withdrawal_credential_proof_302913_exited.json",
            302_913,
            0,
            91_626,
            91_634,
        ),
        (
            "balanceUpdateProof_balance28ETH_302913.json",
            302_913,
            28_000_115_173,
            91_626,
            91_634,
        ),
        (
            "balanceUpdateProof_updated_to_0ETH_302913.json",
            302_913,
            0,
            91_626,
            91_634,
        ),
        (
            "withdrawalCredentialAndBalanceProof_61068.json",
            61_068,
            32_000_000_000,
            434,
            457,
        ),
    ];
    for (name, index, effective, eligible, active) in expected {
        let f = load(name);
        let v = &f.validator_fields;
        assert_eq!(f.validator_index, index, "{name}");
        assert_eq!(effective_balance_gwei(v), Ok(effective), "{name}");
        assert_eq!(activation_eligibility_epoch(v), Ok(eligible), "{name}");
        assert_eq!(activation_epoch(v), Ok(active), "{name}");
        assert_eq!(exit_epoch(v), Ok(FAR_FUTURE_EPOCH), "{name}");
        assert_eq!(withdrawable_epoch(v), Ok(FAR_FUTURE_EPOCH), "{name}");
        assert_eq!(is_slashed(v), Ok(false), "{name}");
        let credentials = withdrawal_credentials(v).unwrap();
        assert_eq!(credentials[0], 0x01, "{name}");
        assert!(credentials_point_to(credentials, POD), "{name}");
        assert!(!credentials_point_to(credentials, Address::repeat_byte(1)));
        assert_eq!(pubkey_hash_of(v), Ok(v[0]));
    }
}

#[test]
fn the_length_mix_in_siblings_carry_the_list_lengths() {
    let le = |w: &B256| u64::from_le_bytes(w.0[..8].try_into().unwrap());
    let f = base();
    assert_eq!(le(&f.withdrawal_credential_proof[40]), 551_812);
    assert_eq!(le(&f.validator_balance_proof.unwrap()[38]), 551_812);
    let old = load("withdrawalCredentialAndBalanceProof_61068.json");
    assert_eq!(le(&old.withdrawal_credential_proof[40]), 61_888);
    assert_eq!(le(&old.validator_balance_proof.unwrap()[38]), 61_888);
}

#[test]
fn flipping_one_bit_of_any_sibling_fails_the_validator_proof() {
    for s in 0..46 {
        for bit in [0, 7, 100, 255] {
            let mut t = base();
            flip(&mut t.withdrawal_credential_proof[s], bit);
            assert_eq!(
                fields_check(&t, ProofVersion::Deneb),
                Err(BeaconError::RootMismatch {
                    which: "validator fields"
                }),
                "sibling {s} bit {bit}"
            );
        }
    }
}

#[test]
fn flipping_one_bit_of_any_field_or_of_the_state_root_fails_the_validator_proof() {
    for field in 0..8 {
        for bit in [0, 64, 255] {
            let mut t = base();
            flip(&mut t.validator_fields[field], bit);
            assert_eq!(
                fields_check(&t, ProofVersion::Deneb),
                Err(BeaconError::RootMismatch {
                    which: "validator fields"
                }),
                "field {field} bit {bit}"
            );
        }
    }
    for bit in [0, 128, 255] {
        let mut t = base();
        flip(&mut t.beacon_state_root, bit);
        assert_eq!(
            fields_check(&t, ProofVersion::Deneb),
            Err(BeaconError::RootMismatch {
                which: "validator fields"
            })
        );
    }
    assert_eq!(fields_check(&base(), ProofVersion::Deneb), Ok(()));
}

#[test]
fn flipping_one_bit_of_the_state_root_proof_or_its_roots_fails_it() {
    let f = base();
    let good = f.state_root_proof().unwrap();
    for s in 0..3 {
        let mut p = good.clone();
        flip(&mut p.proof[s], 9);
        assert_eq!(
            verify_state_root(block_root(&f), &p),
            Err(BeaconError::RootMismatch {
                which: "state root"
            })
        );
    }
    let mut p = good.clone();
    flip(&mut p.beacon_state_root, 0);
    assert_eq!(
        verify_state_root(block_root(&f), &p),
        Err(BeaconError::RootMismatch {
            which: "state root"
        })
    );
    let mut root = block_root(&f);
    flip(&mut root, 255);
    assert_eq!(
        verify_state_root(root, &good),
        Err(BeaconError::RootMismatch {
            which: "state root"
        })
    );
}

#[test]
fn flipping_one_bit_of_a_checkpoint_proof_fails_it() {
    let f = base();
    let (container, balance) = f.checkpoint_proofs().unwrap();
    let block = block_root(&f);
    for s in 0..8 {
        let mut c = container.clone();
        flip(&mut c.proof[s], 17);
        assert_eq!(
            verify_balance_container(ProofVersion::Deneb, block, &c),
            Err(BeaconError::RootMismatch {
                which: "balance container"
            })
        );
    }
    let mut c = container.clone();
    flip(&mut c.balance_container_root, 3);
    assert_eq!(
        verify_balance_container(ProofVersion::Deneb, block, &c),
        Err(BeaconError::RootMismatch {
            which: "balance container"
        })
    );
    for s in [0, 20, 38] {
        let mut b = balance.clone();
        flip(&mut b.proof[s], 200);
        assert_eq!(
            verify_validator_balance(container.balance_container_root, f.validator_index, &b),
            Err(BeaconError::RootMismatch { which: "balance" })
        );
    }
    // A bit of the validator's own balance, and of a neighbour's.
    for bit in [64, 0] {
        let mut b = balance.clone();
        flip(&mut b.balance_root, bit);
        assert_eq!(
            verify_validator_balance(container.balance_container_root, f.validator_index, &b),
            Err(BeaconError::RootMismatch { which: "balance" })
        );
    }
}

#[test]
fn a_wrong_validator_index_fails_the_validator_proof() {
    for index in [
        302_912,
        302_914,
        302_913 ^ (1 << 20),
        302_913 ^ (1 << 39),
        0,
    ] {
        let mut t = base();
        t.validator_index = index;
        assert_eq!(
            fields_check(&t, ProofVersion::Deneb),
            Err(BeaconError::RootMismatch {
                which: "validator fields"
            }),
            "index {index}"
        );
    }
    let mut t = base();
    t.validator_index = 1 << 40;
    assert_eq!(
        fields_check(&t, ProofVersion::Deneb),
        Err(BeaconError::ValidatorIndexTooLarge(1 << 40))
    );
}

#[test]
fn a_balance_proof_reads_only_validators_of_its_leaf() {
    let f = base();
    let (container, balance) = f.checkpoint_proofs().unwrap();
    let root = container.balance_container_root;
    // 302912..=302915 share the leaf; each reads its own slot.
    let slots = [
        32_000_293_484u64,
        32_000_115_173,
        32_000_294_152,
        32_000_286_243,
    ];
    for (k, gwei) in slots.iter().enumerate() {
        assert_eq!(
            verify_validator_balance(root, 302_912 + k as u64, &balance),
            Ok(*gwei)
        );
    }
    for index in [302_911, 302_916, 302_913 + (1 << 30)] {
        assert_eq!(
            verify_validator_balance(root, index, &balance),
            Err(BeaconError::RootMismatch { which: "balance" }),
            "index {index}"
        );
    }
    assert_eq!(
        verify_validator_balance(root, 1 << 40, &balance),
        Err(BeaconError::ValidatorIndexTooLarge(1 << 40))
    );
}

#[test]
fn truncated_proofs_fail_on_their_length() {
    let f = base();
    let mut t = base();
    t.withdrawal_credential_proof.pop();
    assert_eq!(
        fields_check(&t, ProofVersion::Deneb),
        Err(BeaconError::InvalidProofLength {
            which: "validator fields",
            expected: 46,
            actual: 45
        })
    );
    let mut p = f.state_root_proof().unwrap();
    p.proof.pop();
    assert_eq!(
        verify_state_root(block_root(&f), &p),
        Err(BeaconError::InvalidProofLength {
            which: "state root",
            expected: 3,
            actual: 2
        })
    );
    let (mut c, mut b) = f.checkpoint_proofs().unwrap();
    c.proof.pop();
    assert_eq!(
        verify_balance_container(ProofVersion::Deneb, block_root(&f), &c),
        Err(BeaconError::InvalidProofLength {
            which: "balance container",
            expected: 8,
            actual: 7
        })
    );
    b.proof.pop();
    assert_eq!(
        verify_validator_balance(B256::repeat_byte(1), f.validator_index, &b),
        Err(BeaconError::InvalidProofLength {
            which: "balance",
            expected: 39,
            actual: 38
        })
    );
    let mut legacy = base();
    legacy.validator_balance_proof.as_mut().unwrap().pop();
    assert_eq!(
        legacy.balance_proof(),
        Err(BeaconError::InvalidProofLength {
            which: "legacy balance",
            expected: 44,
            actual: 43
        })
    );
}

#[test]
fn a_proof_with_an_extra_sibling_fails_on_its_length() {
    let f = base();
    let mut t = base();
    t.withdrawal_credential_proof.push(B256::ZERO);
    assert_eq!(
        fields_check(&t, ProofVersion::Deneb),
        Err(BeaconError::InvalidProofLength {
            which: "validator fields",
            expected: 46,
            actual: 47
        })
    );
    let mut p = f.state_root_proof().unwrap();
    p.proof.push(B256::ZERO);
    assert!(matches!(
        verify_state_root(block_root(&f), &p),
        Err(BeaconError::InvalidProofLength { actual: 4, .. })
    ));
    let (_, mut b) = f.checkpoint_proofs().unwrap();
    b.proof.push(B256::ZERO);
    assert!(matches!(
        verify_validator_balance(B256::repeat_byte(1), f.validator_index, &b),
        Err(BeaconError::InvalidProofLength { actual: 40, .. })
    ));
}

#[test]
fn a_deneb_proof_checked_as_pectra_fails() {
    // Pectra expects 47 siblings; the Deneb proof has 46.
    assert_eq!(
        fields_check(&base(), ProofVersion::Pectra),
        Err(BeaconError::InvalidProofLength {
            which: "validator fields",
            expected: 47,
            actual: 46
        })
    );
    // Padded to Pectra's length it still fails: the index and the tree are not Pectra's.
    for pad in [B256::ZERO, B256::repeat_byte(9)] {
        let mut t = base();
        t.withdrawal_credential_proof.push(pad);
        assert_eq!(
            fields_check(&t, ProofVersion::Pectra),
            Err(BeaconError::RootMismatch {
                which: "validator fields"
            })
        );
    }
    let f = base();
    let (mut c, _) = f.checkpoint_proofs().unwrap();
    assert_eq!(
        verify_balance_container(ProofVersion::Pectra, block_root(&f), &c),
        Err(BeaconError::InvalidProofLength {
            which: "balance container",
            expected: 9,
            actual: 8
        })
    );
    c.proof.push(B256::ZERO);
    assert_eq!(
        verify_balance_container(ProofVersion::Pectra, block_root(&f), &c),
        Err(BeaconError::RootMismatch {
            which: "balance container"
        })
    );
}

#[test]
fn a_zero_root_is_never_proven() {
    let f = base();
    let mut t = base();
    t.beacon_state_root = B256::ZERO;
    assert_eq!(
        fields_check(&t, ProofVersion::Deneb),
        Err(BeaconError::EmptyRoot)
    );
    assert_eq!(
        verify_state_root(B256::ZERO, &f.state_root_proof().unwrap()),
        Err(BeaconError::EmptyRoot)
    );
    let (c, b) = f.checkpoint_proofs().unwrap();
    assert_eq!(
        verify_balance_container(ProofVersion::Deneb, B256::ZERO, &c),
        Err(BeaconError::EmptyRoot)
    );
    assert_eq!(
        verify_validator_balance(B256::ZERO, f.validator_index, &b),
        Err(BeaconError::EmptyRoot)
    );
}

#[test]
fn a_validator_needs_exactly_eight_fields() {
    let mut t = base();
    t.validator_fields.pop();
    assert_eq!(
        fields_check(&t, ProofVersion::Deneb),
        Err(BeaconError::WrongFieldCount(7))
    );
    let mut t = base();
    t.validator_fields.push(B256::ZERO);
    assert_eq!(
        fields_check(&t, ProofVersion::Deneb),
        Err(BeaconError::WrongFieldCount(9))
    );
}

#[test]
fn a_legacy_proof_file_converts_to_todays_proofs_that_verify() {
    let f = load("balanceUpdateProof_balance28ETH_302913.json");
    let block = block_root(&f);
    verify_state_root(block, &f.state_root_proof().unwrap()).unwrap();
    let vp = f.validator_proof();
    verify_validator_fields(
        ProofVersion::Deneb,
        f.beacon_state_root,
        &vp.validator_fields,
        &vp.proof,
        f.validator_index,
    )
    .unwrap();
    let (container, balance) = f.checkpoint_proofs().unwrap();
    verify_balance_container(ProofVersion::Deneb, block, &container).unwrap();
    assert_eq!(
        verify_validator_balance(
            container.balance_container_root,
            f.validator_index,
            &balance
        ),
        Ok(28_000_115_173)
    );
}

#[test]
fn a_legacy_file_without_a_balance_proof_says_which_part_is_missing() {
    let f = load("balanceUpdateProof_updated_to_0ETH_302913.json");
    assert_eq!(
        f.checkpoint_proofs(),
        Err(BeaconError::MissingProof("ValidatorBalanceProof"))
    );
    let mut g = base();
    g.balance_root = None;
    assert_eq!(
        g.balance_proof(),
        Err(BeaconError::MissingProof("balanceRoot"))
    );
    let old = load("withdrawalCredentialAndBalanceProof_61068.json");
    assert_eq!(old.state_root_proof(), None);
}

#[test]
fn a_legacy_file_written_back_reads_the_same() {
    for name in ALL {
        let f = load(name);
        let again: LegacyProofFile =
            serde_json::from_str(&serde_json::to_string(&f).unwrap()).unwrap();
        assert_eq!(again, f, "{name}");
    }
}
