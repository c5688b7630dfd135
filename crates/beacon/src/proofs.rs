//! The four proofs a pod checks (EigenLayer's `BeaconChainProofs`), with exact lengths and
//! generalized indices:
//!
//! | proof | leaf | index | siblings |
//! |---|---|---|---|
//! | state root in block header | `beaconStateRoot` | 3 | 3 |
//! | validator in state | `merkleize(fields)` | `(11 << 41) \| vIndex` | 41 + H |
//! | balance container in block header | `balanceContainerRoot` | `(3 << H) \| 12` | 3 + H |
//! | balance in balance container | `balanceRoot` (4 balances) | `vIndex / 4` | 39 |
//!
//! `H` is the `BeaconState` tree height of the proof's fork (Deneb 5, Pectra 6). The validator and
//! balance proofs include the SSZ list-length mix-in as their last sibling.

use crate::error::BeaconError;
use crate::fork::ProofVersion;
use crate::merkle::{check_root, merkleize_sha256};
use crate::validator::VALIDATOR_FIELDS_LENGTH;
use crate::{
    BALANCE_CONTAINER_INDEX, BALANCE_TREE_HEIGHT, BEACON_BLOCK_HEADER_TREE_HEIGHT,
    STATE_ROOT_INDEX, VALIDATOR_CONTAINER_INDEX, VALIDATOR_TREE_HEIGHT,
};
use alloy_primitives::B256;
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

/// The beacon state root and its proof against a beacon block root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(rename_all = "camelCase")]
pub struct StateRootProof {
    /// `BeaconState` root.
    pub beacon_state_root: B256,
    /// Siblings, leaf to root (EigenLayer's proof tool names it `stateRootProof`).
    #[serde(with = "crate::json::proof", alias = "stateRootProof")]
    pub proof: Vec<B256>,
}

/// The balances list root and its proof against a beacon block root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(rename_all = "camelCase")]
pub struct BalanceContainerProof {
    /// Root of `BeaconState.balances` (the proof tool's `validatorBalanceRoot`).
    #[serde(alias = "validatorBalanceRoot")]
    pub balance_container_root: B256,
    /// Siblings, leaf to root.
    #[serde(with = "crate::json::proof")]
    pub proof: Vec<B256>,
}

/// One validator's balance leaf and its proof against the balance container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(rename_all = "camelCase")]
pub struct BalanceProof {
    /// Which validator (the pod looks up its index). Read from hex or, as the proof tool writes
    /// it, from an array of 32 byte values.
    #[serde(deserialize_with = "crate::json::bytes32")]
    pub pubkey_hash: B256,
    /// The leaf: four packed little-endian `u64` balances.
    pub balance_root: B256,
    /// Siblings, leaf to root.
    #[serde(with = "crate::json::proof")]
    pub proof: Vec<B256>,
}

/// A validator's fields and their proof against a beacon state root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidatorProof {
    /// The eight field leaves.
    pub validator_fields: Vec<B256>,
    /// Siblings, leaf to root.
    #[serde(with = "crate::json::proof")]
    pub proof: Vec<B256>,
}

fn require_len(which: &'static str, proof: &[B256], expected: u64) -> Result<(), BeaconError> {
    let expected = usize::try_from(expected).unwrap_or(usize::MAX);
    if proof.len() != expected {
        return Err(BeaconError::InvalidProofLength {
            which,
            expected,
            actual: proof.len(),
        });
    }
    Ok(())
}

/// Generalized index (as EigenPod encodes it) of validator `validator_index`'s container under
/// the state root: `(11 << 41) | validator_index`, the higher bits naming the state field, the
/// lower 41 the list position and the length mix-in level.
pub const fn validator_fields_index(validator_index: u64) -> u64 {
    (VALIDATOR_CONTAINER_INDEX << (VALIDATOR_TREE_HEIGHT + 1)) | validator_index
}

/// Generalized index of the balances list root under the block root: `(3 << H) | 12` (108 for
/// Deneb, 204 for Pectra).
pub const fn balance_container_index(version: ProofVersion) -> u64 {
    (STATE_ROOT_INDEX << version.state_tree_height()) | BALANCE_CONTAINER_INDEX
}

/// The state root is leaf 3 of the block header: exactly 3 siblings.
pub fn verify_state_root(block_root: B256, p: &StateRootProof) -> Result<(), BeaconError> {
    require_len("state root", &p.proof, BEACON_BLOCK_HEADER_TREE_HEIGHT)?;
    check_root(
        block_root,
        p.beacon_state_root,
        STATE_ROOT_INDEX,
        &p.proof,
        "state root",
    )
}

/// The validator's eight fields are element `validator_index` of `BeaconState.validators`:
/// exactly 41 + H siblings (46 Deneb, 47 Pectra), index [`validator_fields_index`].
pub fn verify_validator_fields(
    version: ProofVersion,
    state_root: B256,
    fields: &[B256],
    proof: &[B256],
    validator_index: u64,
) -> Result<(), BeaconError> {
    if fields.len() != VALIDATOR_FIELDS_LENGTH {
        return Err(BeaconError::WrongFieldCount(fields.len()));
    }
    if validator_index >> VALIDATOR_TREE_HEIGHT != 0 {
        return Err(BeaconError::ValidatorIndexTooLarge(validator_index));
    }
    let height = VALIDATOR_TREE_HEIGHT
        .saturating_add(1)
        .saturating_add(version.state_tree_height());
    require_len("validator fields", proof, height)?;
    let leaf = merkleize_sha256(fields)?;
    check_root(
        state_root,
        leaf,
        validator_fields_index(validator_index),
        proof,
        "validator fields",
    )
}

/// The balances list root is field 12 of the state, itself leaf 3 of the block header: exactly
/// 3 + H siblings (8 Deneb, 9 Pectra), index [`balance_container_index`].
pub fn verify_balance_container(
    version: ProofVersion,
    block_root: B256,
    p: &BalanceContainerProof,
) -> Result<(), BeaconError> {
    require_len(
        "balance container",
        &p.proof,
        BEACON_BLOCK_HEADER_TREE_HEIGHT.saturating_add(version.state_tree_height()),
    )?;
    check_root(
        block_root,
        p.balance_container_root,
        balance_container_index(version),
        &p.proof,
        "balance container",
    )
}

/// Any top-level `BeaconState` field (e.g. [`crate::LATEST_BLOCK_HEADER_INDEX`] in older proof
/// files) under a state root: exactly H siblings.
pub fn verify_state_field(
    version: ProofVersion,
    state_root: B256,
    field_index: u64,
    leaf: B256,
    proof: &[B256],
) -> Result<(), BeaconError> {
    let h = version.state_tree_height();
    require_len("state field", proof, h)?;
    if field_index >> h != 0 {
        return Err(BeaconError::InvalidIndex {
            index: field_index,
            siblings: proof.len(),
        });
    }
    check_root(state_root, leaf, field_index, proof, "state field")
}

/// Proves the leaf holding `validator_index`'s balance (element `validator_index / 4` of the
/// balances list: exactly 39 siblings, the last the list length) and returns that balance in gwei
/// (the little-endian `u64` at byte `8 * (validator_index % 4)` of the leaf).
pub fn verify_validator_balance(
    balance_container_root: B256,
    validator_index: u64,
    p: &BalanceProof,
) -> Result<u64, BeaconError> {
    if validator_index >> VALIDATOR_TREE_HEIGHT != 0 {
        return Err(BeaconError::ValidatorIndexTooLarge(validator_index));
    }
    require_len("balance", &p.proof, BALANCE_TREE_HEIGHT.saturating_add(1))?;
    check_root(
        balance_container_root,
        p.balance_root,
        validator_index / 4,
        &p.proof,
        "balance",
    )?;
    Ok(balance_at(&p.balance_root, validator_index))
}

/// The balance of `validator_index` inside its packed leaf.
pub fn balance_at(balance_root: &B256, validator_index: u64) -> u64 {
    let offset = usize::try_from(validator_index % 4)
        .unwrap_or(0)
        .saturating_mul(8);
    let mut b = [0u8; 8];
    if let Some(src) = balance_root.get(offset..offset.saturating_add(8)) {
        b.copy_from_slice(src);
    }
    u64::from_le_bytes(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generalized_indices_are_eigenpods() {
        assert_eq!(validator_fields_index(0), 11 << 41);
        assert_eq!(validator_fields_index(302_913), (11 << 41) | 302_913);
        assert_eq!(balance_container_index(ProofVersion::Deneb), 108);
        assert_eq!(balance_container_index(ProofVersion::Pectra), (3 << 6) | 12);
    }

    #[test]
    fn a_balance_is_the_little_endian_word_at_its_slot() {
        let mut leaf = [0u8; 32];
        for k in 0..4u64 {
            let at = (k * 8) as usize;
            leaf[at..at + 8].copy_from_slice(&(1_000 + k).to_le_bytes());
        }
        let leaf = B256::from(leaf);
        for i in [0u64, 1, 2, 3, 4, 401, 1 << 39] {
            assert_eq!(balance_at(&leaf, i), 1_000 + i % 4);
        }
    }

    #[test]
    fn a_state_field_index_beyond_the_state_tree_is_refused() {
        let proof = vec![B256::repeat_byte(1); 5];
        assert_eq!(
            verify_state_field(
                ProofVersion::Deneb,
                B256::repeat_byte(2),
                32,
                B256::ZERO,
                &proof
            ),
            Err(BeaconError::InvalidIndex {
                index: 32,
                siblings: 5
            })
        );
        assert!(matches!(
            verify_state_field(
                ProofVersion::Pectra,
                B256::repeat_byte(2),
                4,
                B256::ZERO,
                &proof
            ),
            Err(BeaconError::InvalidProofLength {
                expected: 6,
                actual: 5,
                ..
            })
        ));
    }
}
