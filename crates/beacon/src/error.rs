//! Why a beacon proof was refused.

use thiserror::Error;

/// A refused beacon proof or malformed beacon input.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BeaconError {
    /// The proof has the wrong number of siblings (also: none at all).
    #[error("{which}: proof has {actual} siblings, expected {expected}")]
    InvalidProofLength {
        /// Which proof.
        which: &'static str,
        /// Siblings required.
        expected: usize,
        /// Siblings given.
        actual: usize,
    },
    /// The generalized index has bits left after the last sibling.
    #[error("index {index} does not fit a proof of {siblings} siblings")]
    InvalidIndex {
        /// The index.
        index: u64,
        /// Siblings in the proof.
        siblings: usize,
    },
    /// A root to prove against is zero.
    #[error("the root to prove against is zero")]
    EmptyRoot,
    /// The proof does not lead to the expected root.
    #[error("{which}: the proof does not lead to the expected root")]
    RootMismatch {
        /// Which proof.
        which: &'static str,
    },
    /// A validator container needs exactly 8 fields.
    #[error("a validator has 8 fields, {0} given")]
    WrongFieldCount(usize),
    /// Validator indices are below 2^40.
    #[error("validator index {0} is 2^40 or more")]
    ValidatorIndexTooLarge(u64),
    /// Leaf counts of a Merkle tree are powers of two.
    #[error("{0} leaves is not a power of two")]
    NotPowerOfTwo(usize),
    /// The Pectra fork timestamp is not configured.
    #[error("the Pectra fork timestamp is zero")]
    ForkTimestampZero,
    /// A BLS public key is 48 bytes.
    #[error("a validator public key is 48 bytes, {0} given")]
    BadPubkeyLength(usize),
    /// A proof file lacks a part needed for the proof asked of it.
    #[error("the proof file has no {0}")]
    MissingProof(&'static str),
    /// Parallel lists of a proof file (indices, proofs, fields) differ in length.
    #[error("{indices} validator indices but {proofs} proofs and {fields} field lists")]
    ListLengthMismatch {
        /// Validator indices.
        indices: usize,
        /// Fields proofs.
        proofs: usize,
        /// Validator field lists.
        fields: usize,
    },
    /// A generated state has no validator (or balance) at this index.
    #[error("the generated state has no validator {0}")]
    UnknownValidator(u64),
}
