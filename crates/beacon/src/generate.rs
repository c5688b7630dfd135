//! Builds consistent beacon states and their proofs, for tests and devnets: the validators and
//! balances you give, every other state and header field a fixed dummy leaf. Proofs it returns
//! pass this crate's verifiers for the chosen fork. The validator and balance lists are sparse
//! Merkle trees over precomputed zero subtrees, so no 2^40-leaf tree is ever materialised.

use crate::error::BeaconError;
use crate::fork::ProofVersion;
use crate::merkle::{hash_pair, merkleize_sha256};
use crate::proofs::{BalanceContainerProof, BalanceProof, StateRootProof};
use crate::validator::VALIDATOR_FIELDS_LENGTH;
use crate::{
    BALANCE_CONTAINER_INDEX, BALANCE_TREE_HEIGHT, STATE_ROOT_INDEX, VALIDATOR_CONTAINER_INDEX,
    VALIDATOR_TREE_HEIGHT,
};
use alloy_primitives::{Address, B256};

fn le_leaf(v: u64) -> B256 {
    let mut b = [0u8; 32];
    if let Some(d) = b.get_mut(..8) {
        d.copy_from_slice(&v.to_le_bytes());
    }
    B256::from(b)
}

/// The eight leaves of a validator container.
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

/// Withdrawal credentials `prefix ‖ 11 zero bytes ‖ pod` (`prefix` 0x01 or 0x02).
pub fn credentials_for(pod: Address, prefix: u8) -> B256 {
    let mut b = [0u8; 32];
    b[0] = prefix;
    if let Some(d) = b.get_mut(12..) {
        d.copy_from_slice(pod.as_slice());
    }
    B256::from(b)
}

/// A placeholder leaf for unused fields: distinct per position, fixed across builds.
fn dummy(tag: u8, i: u64) -> B256 {
    let mut b = [0u8; 32];
    b[0] = 0xd0 | (tag & 0x0f);
    if let Some(d) = b.get_mut(24..) {
        d.copy_from_slice(&i.to_be_bytes());
    }
    B256::from(b)
}

/// A list merkleized to a fixed depth, with every layer kept for proofs.
struct SparseList {
    /// `layers[0]` are the leaves; `layers[d]` the nodes at height `d` that are not all-zero
    /// subtrees (a missing node is `zero[d]`).
    layers: Vec<Vec<B256>>,
    zeros: Vec<B256>,
    root: B256,
}

impl SparseList {
    fn new(leaves: Vec<B256>, depth: u64) -> Self {
        let depth = usize::try_from(depth).unwrap_or(0);
        let mut zeros = Vec::with_capacity(depth.saturating_add(1));
        zeros.push(B256::ZERO);
        for d in 0..depth {
            let z = zeros.get(d).copied().unwrap_or_default();
            zeros.push(hash_pair(&z, &z));
        }
        let mut layers = vec![leaves];
        for d in 0..depth {
            let below = layers.last().cloned().unwrap_or_default();
            let zero = zeros.get(d).copied().unwrap_or_default();
            let next = below
                .chunks(2)
                .map(|pair| match pair {
                    [l, r] => hash_pair(l, r),
                    [l] => hash_pair(l, &zero),
                    _ => zero,
                })
                .collect();
            layers.push(next);
        }
        let root = layers
            .last()
            .and_then(|l| l.first().copied())
            .unwrap_or_else(|| zeros.get(depth).copied().unwrap_or_default());
        Self {
            layers,
            zeros,
            root,
        }
    }

    fn proof(&self, index: u64) -> Vec<B256> {
        let mut out = Vec::new();
        let mut i = index;
        for (d, layer) in self.layers.iter().enumerate() {
            if d.saturating_add(1) == self.layers.len() {
                break;
            }
            let sibling = usize::try_from(i ^ 1)
                .ok()
                .and_then(|s| layer.get(s).copied())
                .unwrap_or_else(|| self.zeros.get(d).copied().unwrap_or_default());
            out.push(sibling);
            i >>= 1;
        }
        out
    }
}

/// A fixed-size tree (container fields), all layers kept.
fn container_proof(leaves: &[B256], index: usize) -> Vec<B256> {
    let mut out = Vec::new();
    let mut layer = leaves.to_vec();
    let mut i = index;
    while layer.len() > 1 {
        out.push(layer.get(i ^ 1).copied().unwrap_or_default());
        layer = layer
            .chunks_exact(2)
            .map(|p| match p {
                [l, r] => hash_pair(l, r),
                _ => B256::ZERO,
            })
            .collect();
        i >>= 1;
    }
    out
}

/// The inputs of a generated beacon state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BeaconStateBuilder {
    /// State layout.
    pub version: ProofVersion,
    /// Validator containers (8 leaves each), by index.
    pub validators: Vec<Vec<B256>>,
    /// Balances in gwei, by validator index (missing ones are zero).
    pub balances_gwei: Vec<u64>,
}

/// A generated state: its roots and every proof a pod needs.
pub struct BuiltState {
    /// Root of the beacon block header (what the oracle posts).
    pub block_root: B256,
    /// Root of the beacon state.
    pub state_root: B256,
    header: Vec<B256>,
    state: Vec<B256>,
    validators: SparseList,
    validator_count: u64,
    balances: SparseList,
    balance_leaves: Vec<B256>,
    balance_count: u64,
    pubkey_hashes: Vec<B256>,
}

fn length_leaf(n: u64) -> B256 {
    le_leaf(n)
}

impl BeaconStateBuilder {
    /// Builds the state, the header and the trees.
    pub fn build(&self) -> Result<BuiltState, BeaconError> {
        let mut container_roots = Vec::with_capacity(self.validators.len());
        let mut pubkey_hashes = Vec::with_capacity(self.validators.len());
        for v in &self.validators {
            if v.len() != VALIDATOR_FIELDS_LENGTH {
                return Err(BeaconError::WrongFieldCount(v.len()));
            }
            container_roots.push(merkleize_sha256(v)?);
            pubkey_hashes.push(v.first().copied().unwrap_or_default());
        }
        let validator_count = u64::try_from(self.validators.len()).unwrap_or(u64::MAX);
        let validators = SparseList::new(container_roots, VALIDATOR_TREE_HEIGHT);
        let mut balance_leaves = Vec::new();
        for chunk in self.balances_gwei.chunks(4) {
            let mut b = [0u8; 32];
            for (slot, g) in b.chunks_exact_mut(8).zip(chunk) {
                slot.copy_from_slice(&g.to_le_bytes());
            }
            balance_leaves.push(B256::from(b));
        }
        let balances = SparseList::new(balance_leaves.clone(), BALANCE_TREE_HEIGHT);
        let balance_count = u64::try_from(self.balances_gwei.len()).unwrap_or(u64::MAX);

        let h = usize::try_from(self.version.state_tree_height()).unwrap_or(5);
        let fields = 1usize << h;
        let mut state: Vec<B256> = (0..fields)
            .map(|i| dummy(1, u64::try_from(i).unwrap_or(0)))
            .collect();
        let vi = usize::try_from(VALIDATOR_CONTAINER_INDEX).unwrap_or(11);
        let bi = usize::try_from(BALANCE_CONTAINER_INDEX).unwrap_or(12);
        if let Some(s) = state.get_mut(vi) {
            *s = hash_pair(&validators.root, &length_leaf(validator_count));
        }
        if let Some(s) = state.get_mut(bi) {
            *s = hash_pair(&balances.root, &length_leaf(balance_count));
        }
        let state_root = merkleize_sha256(&state)?;
        let mut header: Vec<B256> = (0..8u64).map(|i| dummy(2, i)).collect();
        let si = usize::try_from(STATE_ROOT_INDEX).unwrap_or(3);
        if let Some(s) = header.get_mut(si) {
            *s = state_root;
        }
        let block_root = merkleize_sha256(&header)?;
        Ok(BuiltState {
            block_root,
            state_root,
            header,
            state,
            validators,
            validator_count,
            balances,
            balance_leaves,
            balance_count,
            pubkey_hashes,
        })
    }
}

impl BuiltState {
    /// The state root and its proof against the block root.
    pub fn state_root_proof(&self) -> StateRootProof {
        StateRootProof {
            beacon_state_root: self.state_root,
            proof: container_proof(&self.header, usize::try_from(STATE_ROOT_INDEX).unwrap_or(3)),
        }
    }

    /// The fields proof of validator `index` against the state root.
    pub fn validator_proof(&self, index: u64) -> Result<Vec<B256>, BeaconError> {
        if index >= self.validator_count {
            return Err(BeaconError::ValidatorIndexTooLarge(index));
        }
        let mut proof = self.validators.proof(index);
        proof.push(length_leaf(self.validator_count));
        proof.extend(container_proof(
            &self.state,
            usize::try_from(VALIDATOR_CONTAINER_INDEX).unwrap_or(11),
        ));
        Ok(proof)
    }

    /// The balances list root and its proof against the block root.
    pub fn balance_container_proof(&self) -> BalanceContainerProof {
        let bi = usize::try_from(BALANCE_CONTAINER_INDEX).unwrap_or(12);
        let mut proof = container_proof(&self.state, bi);
        proof.extend(container_proof(
            &self.header,
            usize::try_from(STATE_ROOT_INDEX).unwrap_or(3),
        ));
        BalanceContainerProof {
            balance_container_root: self.state.get(bi).copied().unwrap_or_default(),
            proof,
        }
    }

    /// The balance proof of validator `index` against the balances list root.
    pub fn balance_proof(&self, index: u64) -> Result<BalanceProof, BeaconError> {
        let leaf = usize::try_from(index / 4).unwrap_or(usize::MAX);
        let balance_root = self
            .balance_leaves
            .get(leaf)
            .copied()
            .ok_or(BeaconError::ValidatorIndexTooLarge(index))?;
        let mut proof = self.balances.proof(index / 4);
        proof.push(length_leaf(self.balance_count));
        Ok(BalanceProof {
            pubkey_hash: usize::try_from(index)
                .ok()
                .and_then(|i| self.pubkey_hashes.get(i).copied())
                .unwrap_or_default(),
            balance_root,
            proof,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        verify_balance_container, verify_state_root, verify_validator_balance,
        verify_validator_fields,
    };

    fn state(version: ProofVersion, n: u64) -> (BeaconStateBuilder, BuiltState) {
        let pod = Address::repeat_byte(0x42);
        let validators = (0..n)
            .map(|i| {
                validator_fields(
                    B256::from(alloy_primitives::U256::from(i + 1)),
                    credentials_for(pod, 1),
                    32_000_000_000,
                    false,
                    0,
                    1,
                    u64::MAX,
                    u64::MAX,
                )
            })
            .collect();
        let balances_gwei = (0..n).map(|i| 32_000_000_000 + i).collect();
        let b = BeaconStateBuilder {
            version,
            validators,
            balances_gwei,
        };
        let built = b.build().unwrap();
        (b, built)
    }

    #[test]
    fn generated_proofs_verify_for_deneb_and_pectra_and_only_for_their_fork() {
        for (version, other) in [
            (ProofVersion::Deneb, ProofVersion::Pectra),
            (ProofVersion::Pectra, ProofVersion::Deneb),
        ] {
            let (b, s) = state(version, 9);
            verify_state_root(s.block_root, &s.state_root_proof()).unwrap();
            let container = s.balance_container_proof();
            verify_balance_container(version, s.block_root, &container).unwrap();
            assert!(verify_balance_container(other, s.block_root, &container).is_err());
            for i in 0..9u64 {
                let fields = &b.validators[usize::try_from(i).unwrap()];
                let proof = s.validator_proof(i).unwrap();
                verify_validator_fields(version, s.state_root, fields, &proof, i).unwrap();
                assert!(verify_validator_fields(other, s.state_root, fields, &proof, i).is_err());
                let bp = s.balance_proof(i).unwrap();
                assert_eq!(
                    verify_validator_balance(container.balance_container_root, i, &bp).unwrap(),
                    32_000_000_000 + i
                );
                assert_eq!(bp.pubkey_hash, fields[0]);
            }
        }
    }

    #[test]
    fn a_thousand_validators_build_and_prove() {
        let (_, s) = state(ProofVersion::Pectra, 1_000);
        let container = s.balance_container_proof();
        let bp = s.balance_proof(999).unwrap();
        assert_eq!(
            verify_validator_balance(container.balance_container_root, 999, &bp).unwrap(),
            32_000_000_999
        );
    }
}
