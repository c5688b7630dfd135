//! States and proofs from the generator verify for the fork they were built for and only for it;
//! balances read back exactly; and, on random small trees, every proof verifies and any single
//! flipped bit makes it fail.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    clippy::panic,
    missing_docs
)]

use alloy_primitives::{Address, B256, U256};
use proptest::prelude::*;
use restake_beacon::generate::{BeaconStateBuilder, BuiltState, credentials_for, validator_fields};
use restake_beacon::*;

const POD: Address = Address::repeat_byte(0x42);

fn validator(i: u64, gwei: u64) -> Vec<B256> {
    validator_fields(
        B256::from(U256::from(i + 1)),
        credentials_for(POD, 1),
        gwei,
        false,
        0,
        1,
        FAR_FUTURE_EPOCH,
        FAR_FUTURE_EPOCH,
    )
}

fn builder(version: ProofVersion, n: u64) -> BeaconStateBuilder {
    BeaconStateBuilder {
        version,
        validators: (0..n).map(|i| validator(i, 32_000_000_000)).collect(),
        balances_gwei: (0..n).map(|i| 32_000_000_000 + i).collect(),
    }
}

fn other(version: ProofVersion) -> ProofVersion {
    match version {
        ProofVersion::Deneb => ProofVersion::Pectra,
        ProofVersion::Pectra => ProofVersion::Deneb,
    }
}

fn check_all(b: &BeaconStateBuilder, s: &BuiltState) {
    let version = b.version;
    verify_state_root(s.block_root, &s.state_root_proof()).unwrap();
    let container = s.balance_container_proof();
    assert_eq!(
        container.proof.len() as u64,
        3 + version.state_tree_height()
    );
    verify_balance_container(version, s.block_root, &container).unwrap();
    for (i, fields) in b.validators.iter().enumerate() {
        let i = i as u64;
        let proof = s.validator_proof(i).unwrap();
        assert_eq!(proof.len() as u64, 41 + version.state_tree_height());
        verify_validator_fields(version, s.state_root, fields, &proof, i).unwrap();
    }
    for (i, gwei) in b.balances_gwei.iter().enumerate() {
        let p = s.balance_proof(i as u64).unwrap();
        assert_eq!(
            verify_validator_balance(container.balance_container_root, i as u64, &p),
            Ok(*gwei)
        );
    }
}

#[test]
fn generated_proofs_verify_for_deneb_and_for_pectra() {
    for version in [ProofVersion::Deneb, ProofVersion::Pectra] {
        for n in [1, 2, 5, 9, 64] {
            let b = builder(version, n);
            let s = b.build().unwrap();
            assert_eq!(s.validator_count(), n);
            check_all(&b, &s);
        }
    }
}

#[test]
fn the_two_forks_give_different_roots_for_the_same_validators() {
    let deneb = builder(ProofVersion::Deneb, 4).build().unwrap();
    let pectra = builder(ProofVersion::Pectra, 4).build().unwrap();
    assert_ne!(deneb.state_root, pectra.state_root);
    assert_ne!(deneb.block_root, pectra.block_root);
    // The validator and balances lists themselves are the same.
    assert_eq!(
        deneb.balance_container_proof().balance_container_root,
        pectra.balance_container_proof().balance_container_root
    );
    assert_eq!(
        deneb.validator_proof(2).unwrap()[..41],
        pectra.validator_proof(2).unwrap()[..41]
    );
}

#[test]
fn a_pectra_proof_fails_as_deneb_and_a_deneb_proof_fails_as_pectra() {
    for version in [ProofVersion::Deneb, ProofVersion::Pectra] {
        let b = builder(version, 6);
        let s = b.build().unwrap();
        let wrong = other(version);
        let proof = s.validator_proof(3).unwrap();
        assert_eq!(
            verify_validator_fields(wrong, s.state_root, &b.validators[3], &proof, 3),
            Err(BeaconError::InvalidProofLength {
                which: "validator fields",
                expected: (41 + wrong.state_tree_height()) as usize,
                actual: proof.len()
            })
        );
        let container = s.balance_container_proof();
        assert_eq!(
            verify_balance_container(wrong, s.block_root, &container),
            Err(BeaconError::InvalidProofLength {
                which: "balance container",
                expected: (3 + wrong.state_tree_height()) as usize,
                actual: container.proof.len()
            })
        );
    }
    // Cut or padded to the other fork's length, the proof still does not lead to the root.
    let b = builder(ProofVersion::Pectra, 6);
    let s = b.build().unwrap();
    let mut cut = s.validator_proof(3).unwrap();
    cut.pop();
    assert_eq!(
        verify_validator_fields(ProofVersion::Deneb, s.state_root, &b.validators[3], &cut, 3),
        Err(BeaconError::RootMismatch {
            which: "validator fields"
        })
    );
    let mut container = s.balance_container_proof();
    container.proof.remove(5);
    assert_eq!(
        verify_balance_container(ProofVersion::Deneb, s.block_root, &container),
        Err(BeaconError::RootMismatch {
            which: "balance container"
        })
    );
}

#[test]
fn a_changed_balance_is_read_back_exactly_and_the_old_proof_fails_against_the_new_root() {
    let mut b = builder(ProofVersion::Pectra, 10);
    let before = b.build().unwrap();
    let old_proof = before.balance_proof(6).unwrap();
    b.balances_gwei[6] = 27_123_456_789;
    let after = b.build().unwrap();
    assert_ne!(before.block_root, after.block_root);
    let container = after.balance_container_proof();
    verify_balance_container(ProofVersion::Pectra, after.block_root, &container).unwrap();
    let p = after.balance_proof(6).unwrap();
    assert_eq!(
        verify_validator_balance(container.balance_container_root, 6, &p),
        Ok(27_123_456_789)
    );
    // Neighbours in the same leaf keep their balances.
    for i in [4, 5, 7] {
        let p = after.balance_proof(i).unwrap();
        assert_eq!(
            verify_validator_balance(container.balance_container_root, i, &p),
            Ok(32_000_000_000 + i)
        );
    }
    assert_eq!(
        verify_validator_balance(container.balance_container_root, 6, &old_proof),
        Err(BeaconError::RootMismatch { which: "balance" })
    );
}

#[test]
fn a_balance_proof_names_its_validators_pubkey_hash() {
    let b = builder(ProofVersion::Deneb, 5);
    let s = b.build().unwrap();
    for i in 0..5u64 {
        assert_eq!(
            s.balance_proof(i).unwrap().pubkey_hash,
            b.validators[i as usize][0]
        );
    }
}

#[test]
fn proofs_for_validators_not_in_the_state_are_refused() {
    let s = builder(ProofVersion::Deneb, 5).build().unwrap();
    assert_eq!(s.validator_proof(5), Err(BeaconError::UnknownValidator(5)));
    assert_eq!(s.balance_proof(5), Err(BeaconError::UnknownValidator(5)));
}

#[test]
fn an_empty_state_still_proves_its_state_root_and_balance_container() {
    let b = builder(ProofVersion::Deneb, 0);
    let s = b.build().unwrap();
    verify_state_root(s.block_root, &s.state_root_proof()).unwrap();
    verify_balance_container(
        ProofVersion::Deneb,
        s.block_root,
        &s.balance_container_proof(),
    )
    .unwrap();
}

#[test]
fn a_thousand_validators_build_and_every_proof_verifies() {
    let b = builder(ProofVersion::Pectra, 1_000);
    let s = b.build().unwrap();
    assert_eq!(s.validator_count(), 1_000);
    check_all(&b, &s);
}

#[test]
fn decoders_read_back_the_generated_fields() {
    let fields = validator_fields(
        B256::repeat_byte(7),
        credentials_for(POD, 2),
        31_000_000_001,
        true,
        10,
        11,
        12,
        13,
    );
    assert_eq!(pubkey_hash_of(&fields), Ok(B256::repeat_byte(7)));
    assert!(credentials_point_to(
        withdrawal_credentials(&fields).unwrap(),
        POD
    ));
    assert_eq!(effective_balance_gwei(&fields), Ok(31_000_000_001));
    assert_eq!(is_slashed(&fields), Ok(true));
    assert_eq!(activation_eligibility_epoch(&fields), Ok(10));
    assert_eq!(activation_epoch(&fields), Ok(11));
    assert_eq!(exit_epoch(&fields), Ok(12));
    assert_eq!(withdrawable_epoch(&fields), Ok(13));
}

fn flip(w: &mut B256, bit: usize) {
    w.0[bit / 8] ^= 1 << (bit % 8);
}

fn version_strategy() -> impl Strategy<Value = ProofVersion> {
    prop_oneof![Just(ProofVersion::Deneb), Just(ProofVersion::Pectra)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn every_proof_of_a_random_tree_verifies_and_any_flipped_bit_fails_it(
        depth in 1u32..7,
        seed in any::<[u8; 32]>(),
        pick in any::<usize>(),
        bit in 0usize..256,
        target in 0usize..3,
    ) {
        let n = 1usize << depth;
        let leaves: Vec<B256> = (0..n)
            .map(|i| hash_pair(&B256::from(seed), &B256::from(U256::from(i))))
            .collect();
        let root = merkleize_sha256(&leaves).unwrap();
        let index = pick % n;
        let proof = merkle_proof(&leaves, index).unwrap();
        prop_assert_eq!(proof.len(), depth as usize);
        prop_assert_eq!(verify_inclusion(root, leaves[index], index as u64, &proof), Ok(()));

        let (mut leaf, mut proof, mut root) = (leaves[index], proof, root);
        match target {
            0 => flip(&mut leaf, bit),
            1 => {
                let s = pick / n % proof.len();
                flip(&mut proof[s], bit);
            }
            _ => flip(&mut root, bit),
        }
        prop_assert_eq!(
            verify_inclusion(root, leaf, index as u64, &proof),
            Err(BeaconError::RootMismatch { which: "inclusion" })
        );
    }

    #[test]
    fn a_proof_checked_at_any_other_index_of_its_tree_fails(
        depth in 1u32..7,
        seed in any::<[u8; 32]>(),
        a in any::<usize>(),
        b in any::<usize>(),
    ) {
        let n = 1usize << depth;
        let leaves: Vec<B256> = (0..n)
            .map(|i| hash_pair(&B256::from(seed), &B256::from(U256::from(i))))
            .collect();
        let root = merkleize_sha256(&leaves).unwrap();
        let (a, b) = (a % n, b % n);
        prop_assume!(a != b);
        let proof = merkle_proof(&leaves, a).unwrap();
        prop_assert_eq!(
            verify_inclusion(root, leaves[a], b as u64, &proof),
            Err(BeaconError::RootMismatch { which: "inclusion" })
        );
        // An index with bits beyond the proof is refused outright.
        prop_assert_eq!(
            verify_inclusion(root, leaves[a], (a | n) as u64, &proof),
            Err(BeaconError::InvalidIndex { index: (a | n) as u64, siblings: depth as usize })
        );
    }

    #[test]
    fn random_generated_states_prove_every_balance_exactly_and_fail_on_a_flipped_bit(
        version in version_strategy(),
        balances in prop::collection::vec(any::<u64>(), 1..24),
        pick in any::<usize>(),
        bit in 0usize..256,
    ) {
        let n = balances.len() as u64;
        let b = BeaconStateBuilder {
            version,
            validators: (0..n).map(|i| validator(i, 32_000_000_000)).collect(),
            balances_gwei: balances.clone(),
        };
        let s = b.build().unwrap();
        let container = s.balance_container_proof();
        prop_assert_eq!(verify_balance_container(version, s.block_root, &container), Ok(()));
        let i = (pick % balances.len()) as u64;
        let p = s.balance_proof(i).unwrap();
        prop_assert_eq!(
            verify_validator_balance(container.balance_container_root, i, &p),
            Ok(balances[i as usize])
        );
        let fields = &b.validators[i as usize];
        let vp = s.validator_proof(i).unwrap();
        prop_assert_eq!(verify_validator_fields(version, s.state_root, fields, &vp, i), Ok(()));

        let mut bad = vp.clone();
        let s_i = pick % bad.len();
        flip(&mut bad[s_i], bit);
        prop_assert_eq!(
            verify_validator_fields(version, s.state_root, fields, &bad, i),
            Err(BeaconError::RootMismatch { which: "validator fields" })
        );
        let mut bad = p.clone();
        flip(&mut bad.balance_root, bit);
        prop_assert_eq!(
            verify_validator_balance(container.balance_container_root, i, &bad),
            Err(BeaconError::RootMismatch { which: "balance" })
        );
    }
}
