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
use serde::{Deserialize, Serialize};

/// The beacon state root and its proof against a beacon block root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StateRootProof {
    /// `BeaconState` root.
    pub beacon_state_root: B256,
    /// Siblings, leaf to root (EigenLayer's proof tool names it `stateRootProof`).
    #[serde(with = "crate::json::proof", alias = "stateRootProof")]
    pub proof: Vec<B256>,
}

/// The balances list root and its proof against a beacon block root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

/// The state root is leaf 3 of the block header.
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

/// The validator's fields are element `validator_index` of `BeaconState.validators`.
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
    let index = (VALIDATOR_CONTAINER_INDEX << (VALIDATOR_TREE_HEIGHT + 1)) | validator_index;
    let leaf = merkleize_sha256(fields)?;
    check_root(state_root, leaf, index, proof, "validator fields")
}

/// The balance container is field 12 of the state, itself leaf 3 of the block header.
pub fn verify_balance_container(
    version: ProofVersion,
    block_root: B256,
    p: &BalanceContainerProof,
) -> Result<(), BeaconError> {
    let h = version.state_tree_height();
    require_len(
        "balance container",
        &p.proof,
        BEACON_BLOCK_HEADER_TREE_HEIGHT.saturating_add(h),
    )?;
    let index = (STATE_ROOT_INDEX << h) | BALANCE_CONTAINER_INDEX;
    check_root(
        block_root,
        p.balance_container_root,
        index,
        &p.proof,
        "balance container",
    )
}

/// Proves the leaf holding `validator_index`'s balance and returns that balance in gwei.
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
