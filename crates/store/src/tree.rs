//! The Jellyfish Merkle Tree's read side over redb tables of one read transaction.
//!
//! The tree never writes through a trait: [`crate::Store::prepare`] computes a
//! [`jmt::storage::TreeUpdateBatch`] from this reader, and [`crate::Store::commit`] writes it
//! into the same transaction as everything else.

use crate::tables::{NODES, VALUES, decode_node_key, decode_value, encode_node_key, value_key};
use crate::{StoreError, tables};
use jmt::storage::{LeafNode, Node, NodeKey, TreeReader};
use jmt::{KeyHash, OwnedValue, Version};
use redb::{ReadOnlyTable, ReadTransaction, ReadableTable};
use std::ops::Bound;

/// The key hash of a raw state key: sha256 of its bytes.
pub(crate) fn key_hash(key: &[u8]) -> KeyHash {
    restake_proof::key_hash(key)
}

/// The tree's node and value tables, read inside one snapshot.
pub(crate) struct TreeTables {
    nodes: ReadOnlyTable<&'static [u8], &'static [u8]>,
    values: ReadOnlyTable<&'static [u8], &'static [u8]>,
}

impl TreeTables {
    /// Opens both tables in `txn`.
    pub(crate) fn open(txn: &ReadTransaction) -> Result<Self, StoreError> {
        Ok(Self {
            nodes: txn.open_table(NODES)?,
            values: txn.open_table(VALUES)?,
        })
    }
}

/// jmt's reader trait reports errors as `anyhow::Error`.
fn to_anyhow(e: StoreError) -> anyhow::Error {
    anyhow::Error::msg(e.to_string())
}

impl TreeReader for TreeTables {
    fn get_node_option(&self, node_key: &NodeKey) -> anyhow::Result<Option<Node>> {
        let key = encode_node_key(node_key).map_err(to_anyhow)?;
        match self.nodes.get(key.as_slice())? {
            None => Ok(None),
            Some(bytes) => Ok(Some(borsh::from_slice(bytes.value()).map_err(|_| {
                to_anyhow(StoreError::Corrupt(format!("node {node_key:?}")))
            })?)),
        }
    }

    fn get_value_option(
        &self,
        max_version: Version,
        key_hash: KeyHash,
    ) -> anyhow::Result<Option<OwnedValue>> {
        let low = value_key(&key_hash, 0);
        let high = value_key(&key_hash, max_version);
        let mut range = self
            .values
            .range::<&[u8]>((Bound::Included(&low[..]), Bound::Included(&high[..])))?;
        match range.next_back() {
            None => Ok(None),
            Some(entry) => {
                let (_, v) = entry?;
                decode_value(v.value()).map_err(to_anyhow)
            }
        }
    }

    fn get_rightmost_leaf(&self) -> anyhow::Result<Option<(NodeKey, LeafNode)>> {
        // Only state-sync restore asks for this; a full scan keeps the layout simple.
        let mut best: Option<(NodeKey, LeafNode)> = None;
        for entry in self.nodes.iter()? {
            let (k, v) = entry?;
            let node: Node = borsh::from_slice(v.value())
                .map_err(|_| to_anyhow(StoreError::Corrupt("node".into())))?;
            if let Node::Leaf(leaf) = node
                && best
                    .as_ref()
                    .is_none_or(|(_, b)| leaf.key_hash() > b.key_hash())
            {
                best = Some((decode_node_key(k.value()).map_err(to_anyhow)?, leaf));
            }
        }
        Ok(best)
    }
}

/// Latest stored version of a key hash at or below `max_version`, if any (`value_key` layout).
pub(crate) fn latest_value_version<T>(
    values: &T,
    key_hash: &KeyHash,
    max_version: Version,
) -> Result<Option<Version>, StoreError>
where
    T: ReadableTable<&'static [u8], &'static [u8]>,
{
    let low = value_key(key_hash, 0);
    let high = value_key(key_hash, max_version);
    let mut range =
        values.range::<&[u8]>((Bound::Included(&low[..]), Bound::Included(&high[..])))?;
    match range.next_back() {
        None => Ok(None),
        Some(entry) => {
            let (k, _) = entry?;
            tables::value_key_version(k.value()).map(Some)
        }
    }
}
