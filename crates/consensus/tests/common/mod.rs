//! Keys and validator sets shared by the tests.
#![allow(dead_code)]

use restake_consensus::{RestakeSigner, ValidatorSet};
use restake_core::validators::{Validator as CoreValidator, ValidatorSet as CoreValidatorSet};
use restake_primitives::ed25519::SecretKey;

pub const CHAIN_ID: u64 = 31337;

/// `n` keys from seeds 1, 2, … .
pub fn keys(n: u8) -> Vec<SecretKey> {
    (1..=n).map(|i| SecretKey::from_seed(&[i; 32])).collect()
}

/// Core's set of `keys`, power 1 each.
pub fn core_set(keys: &[SecretKey]) -> CoreValidatorSet {
    CoreValidatorSet::new(
        keys.iter()
            .map(|k| CoreValidator::new(k.public(), 1, None))
            .collect(),
    )
    .unwrap()
}

/// The consensus set of `keys`.
pub fn set(keys: &[SecretKey]) -> ValidatorSet {
    ValidatorSet::try_from(core_set(keys)).unwrap()
}

/// A signer per key.
pub fn signers(keys: &[SecretKey]) -> Vec<RestakeSigner> {
    keys.iter()
        .map(|k| RestakeSigner::new(CHAIN_ID, k.clone()))
        .collect()
}
