//! Consensus bytes: the one canonical encoding of everything validators hash or exchange.
//!
//! Borsh (ADR 0002): deterministic by construction (fields in declaration order, little-endian
//! integers, `u32` length prefixes, enum tags by variant position), already the encoding of the
//! state's values, and decodable with bounded memory. What validators must agree on is versioned
//! by the header's `protocol_version`: a change to any encoded type or root bumps it.

use super::header::Block;
use super::receipt::Receipt;
use crate::tx::Transaction;
use alloy_primitives::{B256, keccak256};
use borsh::{BorshDeserialize, BorshSerialize};
use thiserror::Error;

/// Why bytes are not a canonical encoding.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DecodeError {
    /// More bytes than the limit for this kind of object.
    #[error("{size} bytes exceed the limit of {limit}")]
    TooLarge {
        /// Bytes received.
        size: usize,
        /// Most accepted.
        limit: usize,
    },
    /// Not a valid encoding (truncated, trailing bytes, unknown tag, bad UTF-8, ...).
    #[error("malformed encoding: {0}")]
    Malformed(String),
}

/// The canonical bytes of `value`.
pub fn to_bytes<T: BorshSerialize + ?Sized>(value: &T) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing Borsh into a `Vec` cannot fail: every type here is plain data, and the only
    // errors Borsh reports come from the writer.
    let _ = value.serialize(&mut out);
    out
}

/// Decodes exactly `bytes` (no trailing bytes) after checking their length against `limit`.
pub fn from_bytes<T: BorshDeserialize>(bytes: &[u8], limit: usize) -> Result<T, DecodeError> {
    if bytes.len() > limit {
        return Err(DecodeError::TooLarge {
            size: bytes.len(),
            limit,
        });
    }
    borsh::from_slice(bytes).map_err(|e| DecodeError::Malformed(e.to_string()))
}

/// Length of a value's canonical encoding.
pub fn encoded_len<T: BorshSerialize + ?Sized>(value: &T) -> usize {
    borsh::object_length(value).unwrap_or(usize::MAX)
}

/// `keccak256` of the concatenation of 32-byte hashes (the empty list gives `keccak256("")`).
pub fn hash_list(hashes: impl IntoIterator<Item = B256>) -> B256 {
    let mut buf = Vec::new();
    for h in hashes {
        buf.extend_from_slice(h.as_slice());
    }
    keccak256(buf)
}

/// A transaction's leaf in the transactions root: `keccak256` of its canonical bytes, so the
/// root commits to every field, the signature included.
pub fn transaction_leaf(tx: &Transaction) -> B256 {
    keccak256(to_bytes(tx))
}

/// The transactions root: [`hash_list`] of the transactions' leaves in block order.
pub fn transactions_root(txs: &[Transaction]) -> B256 {
    hash_list(txs.iter().map(transaction_leaf))
}

/// The receipts root: [`hash_list`] of [`Receipt::hash`] in block order.
pub fn receipts_root(receipts: &[Receipt]) -> B256 {
    hash_list(receipts.iter().map(Receipt::hash))
}

/// The encoded size of a block with this header size and these transactions, as
/// [`Block::to_bytes`] would produce it.
pub(crate) fn block_len(txs_len: usize, header_len: usize) -> usize {
    // The body is a Borsh `Vec`: a `u32` count, then the transactions.
    header_len.saturating_add(4).saturating_add(txs_len)
}

/// Encoded size of a block, computed without allocating it.
pub fn block_size(block: &Block) -> usize {
    encoded_len(block)
}
