//! An operator set's stake table and its Merkle commitment.
//!
//! The table lists, by ascending operator address, every member of the set that has a key and a
//! non-zero weight. Its root is a binary Merkle tree of keccak256 over the entries:
//!
//! - leaf `i` = `keccak256(0x00 ‖ borsh(entry_i))`;
//! - inner node = `keccak256(0x01 ‖ left ‖ right)`;
//! - the leaves are padded with zero hashes to the next power of two; an empty table's root is
//!   zero, a one-entry table's root is its leaf.
//!
//! The prefixes keep a leaf from passing as a node. A proof is the siblings from the leaf up; its
//! length is fixed by the table's size, so a proof for an index outside the table cannot verify.

use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use borsh::{BorshDeserialize, BorshSerialize};
use restake_primitives::OperatorSet;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The signature scheme of an operator set's keys.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum KeyScheme {
    /// ECDSA over secp256k1; a key is the 20-byte address of the signing key.
    Ecdsa,
    /// BLS12-381 with keys in G1 (48 bytes compressed) and signatures in G2 (96 bytes).
    Bls12381,
}

impl KeyScheme {
    /// The wire name (`ecdsa`, `bls12381`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Ecdsa => "ecdsa",
            Self::Bls12381 => "bls12381",
        }
    }

    /// The length of a key's bytes in this scheme.
    pub fn key_len(self) -> usize {
        match self {
            Self::Ecdsa => 20,
            Self::Bls12381 => restake_primitives::bls::PUBLIC_KEY_LEN,
        }
    }
}

/// One operator's row.
#[derive(Debug, Clone, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TableEntry {
    /// The operator.
    pub operator: Address,
    /// Its key in the set (20-byte address or 48-byte BLS key).
    pub key_data: Bytes,
    /// Its weight: what certificates count.
    #[serde(with = "restake_primitives::decimal::u256")]
    pub weight: U256,
    /// Its stake in each of the table's strategies, in the table's order, before multipliers
    /// and caps.
    #[serde(with = "restake_primitives::decimal::u256_vec")]
    pub stakes: Vec<U256>,
}

impl TableEntry {
    /// The entry's leaf hash.
    pub fn leaf(&self) -> B256 {
        let mut bytes = vec![0x00];
        bytes.extend(borsh::to_vec(self).unwrap_or_default());
        keccak256(bytes)
    }
}

/// What the ledger commits about a table at its reference height.
#[derive(Debug, Clone, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OperatorTable {
    /// The set.
    pub operator_set: OperatorSet,
    /// The block whose state the table was computed from.
    pub reference_height: u64,
    /// The set's key scheme.
    pub key_scheme: KeyScheme,
    /// The strategies whose stakes the entries list, in order.
    pub strategies: Vec<Address>,
    /// The Merkle root of the entries.
    pub root: B256,
    /// How many entries.
    pub operator_count: u32,
    /// The sum of the entries' weights.
    #[serde(with = "restake_primitives::decimal::u256")]
    pub total_weight: U256,
    /// BLS: the sum of every entry's key (absent for ECDSA and for an empty table).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aggregate_key: Option<Bytes>,
}

impl OperatorTable {
    /// Commits `entries` (already in table order) as the table of `set` at `reference_height`,
    /// and returns the tree that proves them.
    pub fn build(
        operator_set: OperatorSet,
        reference_height: u64,
        key_scheme: KeyScheme,
        strategies: Vec<Address>,
        entries: &[TableEntry],
    ) -> Result<(OperatorTable, TableTree), TableError> {
        let tree = TableTree::new(entries)?;
        let mut total_weight = U256::ZERO;
        for e in entries {
            total_weight = total_weight
                .checked_add(e.weight)
                .ok_or(TableError::WeightOverflow)?;
        }
        let aggregate_key = match key_scheme {
            KeyScheme::Ecdsa => None,
            KeyScheme::Bls12381 if entries.is_empty() => None,
            KeyScheme::Bls12381 => {
                let mut keys = Vec::with_capacity(entries.len());
                for (i, e) in entries.iter().enumerate() {
                    keys.push(
                        restake_primitives::bls::PublicKey::from_bytes(&e.key_data)
                            .map_err(|_| TableError::BadKey(i))?,
                    );
                }
                let sum = restake_primitives::bls::PublicKey::aggregate(&keys)
                    .map_err(|_| TableError::IdentityAggregate)?;
                Some(Bytes::copy_from_slice(&sum.to_bytes()))
            }
        };
        let table = OperatorTable {
            operator_set,
            reference_height,
            key_scheme,
            strategies,
            root: tree.root(),
            operator_count: tree.count(),
            total_weight,
            aggregate_key,
        };
        Ok((table, tree))
    }
}

/// Why a table could not be built or an entry not proven.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TableError {
    /// More entries than a table holds.
    #[error("a table holds at most {max} entries, got {got}")]
    TooLarge {
        /// The bound.
        max: usize,
        /// Asked for.
        got: usize,
    },
    /// No entry at this index.
    #[error("no entry at index {0}")]
    NoEntry(u32),
    /// The weights add up past 2^256.
    #[error("the table's weights overflow")]
    WeightOverflow,
    /// An entry's key is not a valid key of the scheme.
    #[error("entry {0} has a malformed key")]
    BadKey(usize),
    /// The keys sum to the identity, which verifies nothing.
    #[error("the table's keys sum to the identity")]
    IdentityAggregate,
}

/// Most entries a table holds (2^16): bounds proofs at 16 hashes.
pub const MAX_ENTRIES: usize = 1 << 16;

fn node(left: &B256, right: &B256) -> B256 {
    let mut bytes = [0u8; 65];
    bytes[0] = 0x01;
    bytes[1..33].copy_from_slice(left.as_slice());
    bytes[33..].copy_from_slice(right.as_slice());
    keccak256(bytes)
}

/// The number of levels above the leaves for `count` entries.
pub fn depth(count: u32) -> usize {
    let mut d = 0usize;
    while (1u64 << d) < u64::from(count) {
        d = d.saturating_add(1);
    }
    d
}

/// Every level of the tree, leaves first.
#[derive(Debug, Clone)]
pub struct TableTree {
    levels: Vec<Vec<B256>>,
    count: u32,
}

impl TableTree {
    /// Builds the tree of `entries`.
    pub fn new(entries: &[TableEntry]) -> Result<Self, TableError> {
        Self::from_leaves(entries.iter().map(TableEntry::leaf).collect())
    }

    /// Builds the tree of leaf hashes.
    pub fn from_leaves(mut leaves: Vec<B256>) -> Result<Self, TableError> {
        if leaves.len() > MAX_ENTRIES {
            return Err(TableError::TooLarge {
                max: MAX_ENTRIES,
                got: leaves.len(),
            });
        }
        let count = u32::try_from(leaves.len()).map_err(|_| TableError::TooLarge {
            max: MAX_ENTRIES,
            got: leaves.len(),
        })?;
        let width = 1usize << depth(count);
        if !leaves.is_empty() {
            leaves.resize(width, B256::ZERO);
        }
        let mut levels = vec![leaves];
        while levels.last().is_some_and(|l| l.len() > 1) {
            let below = levels.last().map(Vec::as_slice).unwrap_or_default();
            let above = below.chunks(2).map(|p| match p {
                [l, r] => node(l, r),
                [l] => *l,
                _ => B256::ZERO,
            });
            levels.push(above.collect());
        }
        Ok(Self { levels, count })
    }

    /// The root (zero for an empty table).
    pub fn root(&self) -> B256 {
        self.levels
            .last()
            .and_then(|l| l.first())
            .copied()
            .unwrap_or(B256::ZERO)
    }

    /// The number of entries.
    pub fn count(&self) -> u32 {
        self.count
    }

    /// The proof of entry `index`: its siblings from the leaf up.
    pub fn proof(&self, index: u32) -> Result<Vec<B256>, TableError> {
        if index >= self.count {
            return Err(TableError::NoEntry(index));
        }
        let mut at = usize::try_from(index).map_err(|_| TableError::NoEntry(index))?;
        let mut out = Vec::new();
        for level in self.levels.iter().take(self.levels.len().saturating_sub(1)) {
            out.push(level.get(at ^ 1).copied().unwrap_or(B256::ZERO));
            at >>= 1;
        }
        Ok(out)
    }
}

/// True when `entry` is entry `index` of the table of `count` entries with `root`.
pub fn verify_entry(
    root: &B256,
    count: u32,
    index: u32,
    entry: &TableEntry,
    proof: &[B256],
) -> bool {
    if index >= count || proof.len() != depth(count) {
        return false;
    }
    let mut hash = entry.leaf();
    let mut at = index;
    for sibling in proof {
        hash = if at & 1 == 0 {
            node(&hash, sibling)
        } else {
            node(sibling, &hash)
        };
        at >>= 1;
    }
    hash == *root
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]
mod tests {
    use super::*;

    fn entry(i: u8) -> TableEntry {
        TableEntry {
            operator: Address::repeat_byte(i),
            key_data: Bytes::from(vec![i; 20]),
            weight: U256::from(i),
            stakes: vec![U256::from(i)],
        }
    }

    #[test]
    fn every_entry_proves_against_the_root_at_its_index_only() {
        for n in 1..=9u8 {
            let entries: Vec<TableEntry> = (1..=n).map(entry).collect();
            let tree = TableTree::new(&entries).unwrap();
            let count = u32::from(n);
            for (i, e) in entries.iter().enumerate() {
                let i = u32::try_from(i).unwrap();
                let proof = tree.proof(i).unwrap();
                assert!(verify_entry(&tree.root(), count, i, e, &proof), "{n} {i}");
                // At another index, with another weight, or past the end: no.
                if count > 1 {
                    assert!(!verify_entry(
                        &tree.root(),
                        count,
                        (i + 1) % count,
                        e,
                        &proof
                    ));
                }
                let mut lie = e.clone();
                lie.weight += U256::from(1);
                assert!(!verify_entry(&tree.root(), count, i, &lie, &proof));
                assert!(!verify_entry(&tree.root(), count, count, e, &proof));
            }
            assert_eq!(tree.proof(count), Err(TableError::NoEntry(count)));
        }
    }

    #[test]
    fn the_root_of_a_small_table_is_worked_out_by_hand() {
        let (a, b, c) = (entry(1), entry(2), entry(3));
        let tree = TableTree::new(&[a.clone(), b.clone(), c.clone()]).unwrap();
        let want = node(&node(&a.leaf(), &b.leaf()), &node(&c.leaf(), &B256::ZERO));
        assert_eq!(tree.root(), want);
        assert_eq!(
            TableTree::new(std::slice::from_ref(&a)).unwrap().root(),
            a.leaf()
        );
        assert_eq!(TableTree::new(&[]).unwrap().root(), B256::ZERO);
        // A leaf is never a node: the prefixes differ.
        assert_ne!(a.leaf(), keccak256(borsh::to_vec(&a).unwrap()));
    }
}
