//! Support for tests and devnets: builds a consistent beacon state and block header from the
//! validators and balances you give, and every proof a pod asks for. The other state and header
//! fields are fixed dummy leaves, so nothing here describes a real chain; but every proof it
//! returns passes this crate's verifiers for the chosen fork (Deneb or Pectra).
//!
//! The validator list (depth 40) and the balances list (depth 38) are sparse Merkle trees over
//! precomputed zero subtrees: only the nodes above the given entries are hashed, so a state of a
//! few thousand validators builds in milliseconds and no 2^40-leaf tree is ever materialised.
//!
//! (The module is `generate` rather than `gen`, a reserved word since Rust 2024.)

use crate::error::BeaconError;
use crate::fork::ProofVersion;
use crate::merkle::{hash_pair, merkle_proof, merkleize_sha256};
use crate::proofs::{BalanceContainerProof, BalanceProof, StateRootProof};
use crate::validator::VALIDATOR_FIELDS_LENGTH;
use crate::{
    BALANCE_CONTAINER_INDEX, BALANCE_TREE_HEIGHT, BEACON_BLOCK_HEADER_TREE_HEIGHT,
    STATE_ROOT_INDEX, VALIDATOR_CONTAINER_INDEX, VALIDATOR_TREE_HEIGHT,
};
use alloy_primitives::{Address, B256};

/// A leaf holding `v` little-endian in its first 8 bytes (SSZ `uint64`, and the list-length
/// mix-in).
fn le_leaf(v: u64) -> B256 {
    let mut b = [0u8; 32];
    if let Some(d) = b.get_mut(..8) {
        d.copy_from_slice(&v.to_le_bytes());
    }
    B256::from(b)
}

/// The eight leaves of a validator container, in field order (see [`crate::validator`]).
#[allow(clippy::too_many_arguments)]
pub fn validator_fields(
    pubkey_hash: B256,
    withdrawal_credentials: B256,
    effective_balance_gwei: u64,
    slashed: bool,
    activation_eligibility_epoch: u64,
    activation_epoch: u64,
    exit_epoch: u64,
    withdrawable_epoch: u64,
) -> Vec<B256> {
    vec![
        pubkey_hash,
        withdrawal_credentials,
        le_leaf(effective_balance_gwei),
        le_leaf(u64::from(slashed)),
        le_leaf(activation_eligibility_epoch),
        le_leaf(activation_epoch),
        le_leaf(exit_epoch),
        le_leaf(withdrawable_epoch),
    ]
}

/// Withdrawal credentials `prefix ‖ 11 zero bytes ‖ pod` (`prefix` 0x01 or 0x02 to point at a
/// pod; any other prefix makes credentials a pod refuses).
pub fn credentials_for(pod: Address, prefix: u8) -> B256 {
    let mut b = [0u8; 32];
    if let Some(first) = b.first_mut() {
        *first = prefix;
    }
    if let Some(d) = b.get_mut(12..) {
        d.copy_from_slice(pod.as_slice());
    }
    B256::from(b)
}

/// A placeholder leaf for an unused field: distinct per container and position, the same in
/// every build.
fn dummy(container: u8, position: usize) -> B256 {
    let mut b = [0u8; 32];
    if let Some(first) = b.first_mut() {
        *first = 0xd0 | (container & 0x0f);
    }
    let position = u64::try_from(position).unwrap_or(u64::MAX);
    if let Some(d) = b.get_mut(24..) {
        d.copy_from_slice(&position.to_be_bytes());
    }
    B256::from(b)
}

fn as_usize(v: u64) -> usize {
    usize::try_from(v).unwrap_or(usize::MAX)
}

/// A list merkleized to a fixed depth (without its length mix-in), keeping every layer.
#[derive(Debug, Clone)]
struct SparseList {
    /// `layers[0]` are the leaves; `layers[d]` the nodes at height `d` over them. A node past the
    /// end of its layer is the all-zero subtree `zeros[d]`.
    layers: Vec<Vec<B256>>,
    /// `zeros[d]`: root of a subtree of height `d` with zero leaves.
    zeros: Vec<B256>,
}

impl SparseList {
    fn new(leaves: Vec<B256>, depth: u64) -> Self {
        let depth = as_usize(depth);
        let mut zeros = Vec::with_capacity(depth.saturating_add(1));
        let mut z = B256::ZERO;
        zeros.push(z);
        for _ in 0..depth {
            z = hash_pair(&z, &z);
            zeros.push(z);
        }
        let mut layers = Vec::with_capacity(depth.saturating_add(1));
        let mut layer = leaves;
        for zero in zeros.iter().take(depth) {
            let next = layer
                .chunks(2)
                .map(|pair| match pair {
                    [l, r] => hash_pair(l, r),
                    [l] => hash_pair(l, zero),
                    _ => *zero,
                })
                .collect();
            layers.push(std::mem::replace(&mut layer, next));
        }
        layers.push(layer);
        Self { layers, zeros }
    }

    fn root(&self) -> B256 {
        self.layers
            .last()
            .and_then(|top| top.first().copied())
            .or_else(|| self.zeros.last().copied())
            .unwrap_or_default()
    }

    /// Siblings of leaf `index` up to the list root (one per level of the depth).
    fn proof(&self, index: u64) -> Vec<B256> {
        let levels = self.layers.len().saturating_sub(1);
        let mut out = Vec::with_capacity(levels);
        let mut i = index;
        for (layer, zero) in self.layers.iter().zip(&self.zeros).take(levels) {
            let sibling = usize::try_from(i ^ 1)
                .ok()
                .and_then(|s| layer.get(s).copied())
                .unwrap_or(*zero);
            out.push(sibling);
            i >>= 1;
        }
        out
    }
}

/// The inputs of a generated beacon state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BeaconStateBuilder {
    /// State layout (tree height 5 or 6).
    pub version: ProofVersion,
    /// Validator containers (8 leaves each, e.g. from [`validator_fields`]), by validator index.
    pub validators: Vec<Vec<B256>>,
    /// Balances in gwei, by validator index; the list may be shorter or longer than
    /// `validators`.
    pub balances_gwei: Vec<u64>,
}

/// A generated state: its roots and every proof a pod needs.
#[derive(Debug, Clone)]
pub struct BuiltState {
    /// State layout the proofs are for.
    pub version: ProofVersion,
    /// Root of the beacon block header (what the beacon-root oracle posts).
    pub block_root: B256,
    /// Root of the beacon state (field 3 of the header).
    pub state_root: B256,
    header: Vec<B256>,
    state: Vec<B256>,
    validators: SparseList,
    validator_count: u64,
    balances: SparseList,
    balance_count: u64,
    pubkey_hashes: Vec<B256>,
}

impl BeaconStateBuilder {
    /// Merkleizes the validators, the balances, the state and the header. Fails on a validator
    /// without exactly 8 fields.
    pub fn build(&self) -> Result<BuiltState, BeaconError> {
        let mut container_roots = Vec::with_capacity(self.validators.len());
        let mut pubkey_hashes = Vec::with_capacity(self.validators.len());
        for fields in &self.validators {
            if fields.len() != VALIDATOR_FIELDS_LENGTH {
                return Err(BeaconError::WrongFieldCount(fields.len()));
            }
            container_roots.push(merkleize_sha256(fields)?);
            pubkey_hashes.push(fields.first().copied().unwrap_or_default());
        }
        let validator_count = u64::try_from(self.validators.len()).unwrap_or(u64::MAX);
        let validators = SparseList::new(container_roots, VALIDATOR_TREE_HEIGHT);

        let balance_leaves = self
            .balances_gwei
            .chunks(4)
            .map(|chunk| {
                let mut b = [0u8; 32];
                for (slot, gwei) in b.chunks_exact_mut(8).zip(chunk) {
                    slot.copy_from_slice(&gwei.to_le_bytes());
                }
                B256::from(b)
            })
            .collect();
        let balance_count = u64::try_from(self.balances_gwei.len()).unwrap_or(u64::MAX);
        let balances = SparseList::new(balance_leaves, BALANCE_TREE_HEIGHT);

        let height = u32::try_from(self.version.state_tree_height()).unwrap_or(u32::MAX);
        let field_count = 1usize.checked_shl(height).unwrap_or(0);
        let mut state: Vec<B256> = (0..field_count).map(|i| dummy(1, i)).collect();
        if let Some(leaf) = state.get_mut(as_usize(VALIDATOR_CONTAINER_INDEX)) {
            *leaf = hash_pair(&validators.root(), &le_leaf(validator_count));
        }
        if let Some(leaf) = state.get_mut(as_usize(BALANCE_CONTAINER_INDEX)) {
            *leaf = hash_pair(&balances.root(), &le_leaf(balance_count));
        }
        let state_root = merkleize_sha256(&state)?;

        let header_leaves = 1usize
            .checked_shl(u32::try_from(BEACON_BLOCK_HEADER_TREE_HEIGHT).unwrap_or(u32::MAX))
            .unwrap_or(0);
        let mut header: Vec<B256> = (0..header_leaves).map(|i| dummy(2, i)).collect();
        if let Some(leaf) = header.get_mut(as_usize(STATE_ROOT_INDEX)) {
            *leaf = state_root;
        }
        let block_root = merkleize_sha256(&header)?;

        Ok(BuiltState {
            version: self.version,
            block_root,
            state_root,
            header,
            state,
            validators,
            validator_count,
            balances,
            balance_count,
            pubkey_hashes,
        })
    }
}

impl BuiltState {
    /// Number of validators in the state.
    pub fn validator_count(&self) -> u64 {
        self.validator_count
    }

    /// The state root and its 3-sibling proof against the block root.
    pub fn state_root_proof(&self) -> StateRootProof {
        StateRootProof {
            beacon_state_root: self.state_root,
            proof: merkle_proof(&self.header, as_usize(STATE_ROOT_INDEX)).unwrap_or_default(),
        }
    }

    /// The fields proof of validator `index` against the state root (41 + H siblings).
    pub fn validator_proof(&self, index: u64) -> Result<Vec<B256>, BeaconError> {
        if index >= self.validator_count {
            return Err(BeaconError::UnknownValidator(index));
        }
        let mut proof = self.validators.proof(index);
        proof.push(le_leaf(self.validator_count));
        proof.extend(merkle_proof(
            &self.state,
            as_usize(VALIDATOR_CONTAINER_INDEX),
        )?);
        Ok(proof)
    }

    /// The balances list root and its (3 + H)-sibling proof against the block root.
    pub fn balance_container_proof(&self) -> BalanceContainerProof {
        let field = as_usize(BALANCE_CONTAINER_INDEX);
        let mut proof = merkle_proof(&self.state, field).unwrap_or_default();
        proof.extend(merkle_proof(&self.header, as_usize(STATE_ROOT_INDEX)).unwrap_or_default());
        BalanceContainerProof {
            balance_container_root: self.state.get(field).copied().unwrap_or_default(),
            proof,
        }
    }

    /// The 39-sibling balance proof of validator `index` against the balances list root, with
    /// the validator's pubkey hash (zero for a balance without a validator).
    pub fn balance_proof(&self, index: u64) -> Result<BalanceProof, BeaconError> {
        if index >= self.balance_count {
            return Err(BeaconError::UnknownValidator(index));
        }
        let balance_root = self
            .balances
            .layers
            .first()
            .and_then(|leaves| leaves.get(as_usize(index / 4)).copied())
            .ok_or(BeaconError::UnknownValidator(index))?;
        let mut proof = self.balances.proof(index / 4);
        proof.push(le_leaf(self.balance_count));
        Ok(BalanceProof {
            pubkey_hash: self
                .pubkey_hashes
                .get(as_usize(index))
                .copied()
                .unwrap_or_default(),
            balance_root,
            proof,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_list_has_the_zero_subtree_of_its_depth_as_root() {
        let list = SparseList::new(Vec::new(), 3);
        let z1 = hash_pair(&B256::ZERO, &B256::ZERO);
        let z2 = hash_pair(&z1, &z1);
        assert_eq!(list.root(), hash_pair(&z2, &z2));
    }

    #[test]
    fn a_sparse_list_has_the_root_of_the_same_leaves_padded_with_zeros() {
        let leaves: Vec<B256> = (1..=5u8).map(B256::repeat_byte).collect();
        let list = SparseList::new(leaves.clone(), 4);
        let mut padded = leaves;
        padded.resize(16, B256::ZERO);
        assert_eq!(list.root(), merkleize_sha256(&padded).unwrap());
        for i in 0..5 {
            assert_eq!(list.proof(i as u64), merkle_proof(&padded, i).unwrap());
        }
    }

    #[test]
    fn credentials_carry_the_prefix_and_the_pod_address() {
        let pod = Address::repeat_byte(0xab);
        let c = credentials_for(pod, 2);
        assert_eq!(c[0], 2);
        assert!(c[1..12].iter().all(|b| *b == 0));
        assert_eq!(&c[12..], pod.as_slice());
    }

    #[test]
    fn a_validator_with_seven_fields_is_refused() {
        let b = BeaconStateBuilder {
            version: ProofVersion::Deneb,
            validators: vec![vec![B256::ZERO; 7]],
            balances_gwei: vec![],
        };
        assert!(matches!(b.build(), Err(BeaconError::WrongFieldCount(7))));
    }
}
