//! Checking Restake state proofs, with no store and no I/O: what a light client, a wallet or
//! another chain needs to trust a value against a block header's state root.
//!
//! A proof (from the node's `restake_getProof`, produced by the store) is the borsh encoding of jmt's
//! `SparseMerkleProof<Sha256>`: an optional leaf (`key_hash`, `value_hash`) followed by the
//! sibling nodes from the leaf level up to the root. Keys are hashed with sha256 of their raw
//! bytes, values with sha256 of their bytes, and nodes with jmt's domain-separated sha256.
//!
//! A proof shows existence (the key maps to exactly the given value) or, when the value is
//! `None`, non-existence (no value under the key) against a state root from a block header.

use alloy_primitives::B256;
use jmt::RootHash;
use jmt::proof::SparseMerkleProof;
use thiserror::Error;

/// The tree's key for a state key: sha256 of its raw bytes.
pub fn key_hash(key: &[u8]) -> jmt::KeyHash {
    jmt::KeyHash::with::<sha2::Sha256>(key)
}

/// Why a proof was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ProofError {
    /// The bytes are not a borsh-encoded sha256 sparse Merkle proof.
    #[error("proof bytes do not decode")]
    Malformed,
    /// The proof does not lead from the key and value to the root.
    #[error("proof does not verify: {0}")]
    Invalid(String),
}

/// The sha256 sparse Merkle proof type the store produces.
pub type StateProof = SparseMerkleProof<sha2::Sha256>;

/// Checks `proof` against `root`: with `Some(value)` that `key` maps to exactly `value`, with
/// `None` that nothing is stored under `key`. Pure: no I/O.
pub fn verify(
    root: B256,
    key: &[u8],
    value: Option<&[u8]>,
    proof: &[u8],
) -> Result<(), ProofError> {
    let proof: StateProof = borsh::from_slice(proof).map_err(|_| ProofError::Malformed)?;
    proof
        .verify(RootHash(root.0), key_hash(key), value)
        .map_err(|e| ProofError::Invalid(e.to_string()))
}
