//! The redb tables and the byte layout of their keys and values.
//!
//! Keys are plain bytes with fixed-width big-endian integers, so redb's bytewise order is the
//! numeric order where it matters (values by version, stale entries by version). Nothing relies
//! on redb's own encoding of tuples or options, which changes between its major versions.

use crate::StoreError;
use jmt::storage::{NibblePath, NodeKey};
use jmt::{KeyHash, Version};
use redb::TableDefinition;

/// Raw state key → value: the latest committed state, read by [`crate::StateView`].
pub(crate) const STATE: TableDefinition<&[u8], &[u8]> = TableDefinition::new("state");
/// Encoded [`NodeKey`] → borsh-encoded JMT node.
pub(crate) const NODES: TableDefinition<&[u8], &[u8]> = TableDefinition::new("jmt_nodes");
/// `key_hash ‖ version` → tagged value (see [`encode_value`]): every version of every value.
pub(crate) const VALUES: TableDefinition<&[u8], &[u8]> = TableDefinition::new("jmt_values");
/// `stale_since ‖ encoded NodeKey` → (): nodes no longer part of the tree from `stale_since` on.
pub(crate) const STALE_NODES: TableDefinition<&[u8], ()> = TableDefinition::new("jmt_stale_nodes");
/// `stale_since ‖ key_hash ‖ version` → (): value versions superseded at `stale_since`.
pub(crate) const STALE_VALUES: TableDefinition<&[u8], ()> =
    TableDefinition::new("jmt_stale_values");
/// Height → 32-byte state root.
pub(crate) const ROOTS: TableDefinition<u64, &[u8]> = TableDefinition::new("roots");
/// Height → block bytes.
pub(crate) const BLOCKS: TableDefinition<u64, &[u8]> = TableDefinition::new("blocks");
/// Block hash → height.
pub(crate) const BLOCK_HASHES: TableDefinition<&[u8], u64> = TableDefinition::new("block_hashes");
/// Transaction hash → `height ‖ index` (12 bytes, big-endian).
pub(crate) const TX_INDEX: TableDefinition<&[u8], &[u8]> = TableDefinition::new("tx_index");
/// `height ‖ index` (as in [`TX_INDEX`]) → receipt bytes. Keyed by location, not by hash, so a
/// block's receipts append at the end of the table instead of landing on random pages.
pub(crate) const RECEIPTS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("receipts");
/// Height → the opaque commit certificate that decided the block at that height.
pub(crate) const CERTIFICATES: TableDefinition<u64, &[u8]> = TableDefinition::new("certificates");
/// `height ‖ hash` → `u32 note length ‖ note ‖ block`: candidates of undecided heights (see
/// `candidates`).
pub(crate) const CANDIDATES: TableDefinition<&[u8], &[u8]> = TableDefinition::new("candidates");
/// `height ‖ round` → hash: the block this node proposed in each round of undecided heights.
pub(crate) const OWN_PROPOSALS: TableDefinition<&[u8], &[u8]> =
    TableDefinition::new("own_proposals");
/// Named scalars: see the `META_*` keys.
pub(crate) const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");

/// Layout version of the file, as a big-endian `u32`.
pub(crate) const META_FORMAT: &str = "format";
/// Last committed height, big-endian `u64`; absent before the first commit.
pub(crate) const META_HEIGHT: &str = "height";
/// State root at the last committed height, 32 bytes.
pub(crate) const META_ROOT: &str = "root";
/// Oldest height whose tree is complete (not pruned), big-endian `u64`.
pub(crate) const META_OLDEST: &str = "oldest_provable";

/// The layout this code reads and writes. 3: blocks and receipts in the core's canonical Borsh
/// encoding, headers with a protocol version and milliseconds, commit certificates. 4: protocol
/// version 2 (the chain parameters gained the transaction quota). 5: protocol version 3
/// (validator sets in the state, blocks carrying their parent's commit certificate, which
/// replaces the parent's stored one; candidate blocks and own proposals kept durably).
pub(crate) const FORMAT: u32 = 5;

/// `key_hash ‖ version`.
pub(crate) fn value_key(key_hash: &KeyHash, version: Version) -> [u8; 40] {
    let mut k = [0u8; 40];
    let (h, v) = k.split_at_mut(32);
    h.copy_from_slice(&key_hash.0);
    v.copy_from_slice(&version.to_be_bytes());
    k
}

/// The version stored in the last 8 bytes of a [`value_key`].
pub(crate) fn value_key_version(k: &[u8]) -> Result<Version, StoreError> {
    k.get(32..40)
        .and_then(|b| <[u8; 8]>::try_from(b).ok())
        .map(u64::from_be_bytes)
        .filter(|_| k.len() == 40)
        .ok_or_else(|| StoreError::Corrupt("value key is not 40 bytes".into()))
}

/// A value version: `0` for a deletion, `1 ‖ bytes` for a value.
pub(crate) fn encode_value(value: Option<&[u8]>) -> Vec<u8> {
    match value {
        None => vec![0],
        Some(v) => {
            let mut out = Vec::with_capacity(v.len().saturating_add(1));
            out.push(1);
            out.extend_from_slice(v);
            out
        }
    }
}

/// Inverse of [`encode_value`].
pub(crate) fn decode_value(bytes: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
    match bytes.split_first() {
        Some((0, [])) => Ok(None),
        Some((1, rest)) => Ok(Some(rest.to_vec())),
        _ => Err(StoreError::Corrupt("bad value tag".into())),
    }
}

/// `version ‖ borsh(nibble path)`: sorts nodes by the version that created them.
pub(crate) fn encode_node_key(key: &NodeKey) -> Result<Vec<u8>, StoreError> {
    let path = borsh::to_vec(key.nibble_path()).map_err(|e| StoreError::Tree(e.to_string()))?;
    let mut out = Vec::with_capacity(path.len().saturating_add(8));
    out.extend_from_slice(&key.version().to_be_bytes());
    out.extend_from_slice(&path);
    Ok(out)
}

/// Inverse of [`encode_node_key`].
pub(crate) fn decode_node_key(bytes: &[u8]) -> Result<NodeKey, StoreError> {
    let version = be_u64(bytes.get(..8).unwrap_or_default())?;
    let path: NibblePath = borsh::from_slice(bytes.get(8..).unwrap_or_default())
        .map_err(|_| StoreError::Corrupt("bad node key".into()))?;
    Ok(NodeKey::new(version, path))
}

/// `since ‖ rest`.
pub(crate) fn stale_key(since: Version, rest: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(rest.len().saturating_add(8));
    out.extend_from_slice(&since.to_be_bytes());
    out.extend_from_slice(rest);
    out
}

/// A big-endian `u64` of exactly 8 bytes.
pub(crate) fn be_u64(bytes: &[u8]) -> Result<u64, StoreError> {
    <[u8; 8]>::try_from(bytes)
        .map(u64::from_be_bytes)
        .map_err(|_| StoreError::Corrupt("expected an 8-byte integer".into()))
}

/// A big-endian `u32` of exactly 4 bytes.
pub(crate) fn be_u32(bytes: &[u8]) -> Result<u32, StoreError> {
    <[u8; 4]>::try_from(bytes)
        .map(u32::from_be_bytes)
        .map_err(|_| StoreError::Corrupt("expected a 4-byte integer".into()))
}

/// `height ‖ index`.
pub(crate) fn encode_tx_location(height: u64, index: u32) -> [u8; 12] {
    let mut out = [0u8; 12];
    let (h, i) = out.split_at_mut(8);
    h.copy_from_slice(&height.to_be_bytes());
    i.copy_from_slice(&index.to_be_bytes());
    out
}

/// Inverse of [`encode_tx_location`].
pub(crate) fn decode_tx_location(bytes: &[u8]) -> Result<(u64, u32), StoreError> {
    if bytes.len() != 12 {
        return Err(StoreError::Corrupt(
            "transaction location is not 12 bytes".into(),
        ));
    }
    let height = be_u64(bytes.get(..8).unwrap_or_default())?;
    let index = be_u32(bytes.get(8..).unwrap_or_default())?;
    Ok((height, index))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn value_encoding_round_trips_and_rejects_bad_tags() {
        for v in [None, Some(&b""[..]), Some(&b"\x00\x01"[..])] {
            assert_eq!(
                decode_value(&encode_value(v)).unwrap(),
                v.map(<[u8]>::to_vec)
            );
        }
        assert!(decode_value(&[]).is_err());
        assert!(decode_value(&[0, 1]).is_err());
        assert!(decode_value(&[2]).is_err());
    }

    #[test]
    fn value_keys_sort_by_key_hash_then_version() {
        let a = KeyHash([1; 32]);
        let b = KeyHash([2; 32]);
        assert!(value_key(&a, 300) < value_key(&a, 301));
        assert!(value_key(&a, 255) < value_key(&a, 256));
        assert!(value_key(&a, u64::MAX) < value_key(&b, 0));
        assert_eq!(value_key_version(&value_key(&a, 77)).unwrap(), 77);
    }

    #[test]
    fn transaction_locations_round_trip() {
        let enc = encode_tx_location(9, 3);
        assert_eq!(decode_tx_location(&enc).unwrap(), (9, 3));
        assert!(decode_tx_location(&enc[..11]).is_err());
    }
}
