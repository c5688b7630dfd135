//! What a service needs to rely on an operator set's stake, without trusting a node: the set's
//! **operator table** (each operator's key and weight, committed by a Merkle root that the ledger
//! keeps in its state) and **certificates** (this message was signed by operators holding this
//! much of the table's weight), with the verifier that checks one against a table.
//!
//! Pure: no I/O, clock or randomness; the caller says what height it is. The ledger verifies
//! certificates with this crate, and so can a light client or, later, another chain's contract:
//! every hash is keccak256 and every signed message an EIP-712 digest.
//!
//! - [`table`]: [`TableEntry`], the Merkle tree over a table's entries, and [`OperatorTable`],
//!   what the ledger commits about a table (root, total weight, BLS aggregate key).
//! - [`certificate`]: [`Certificate`] and [`verify`].
//! - [`builder`]: [`build_certificate`], what an aggregator does with the signatures it collects.

pub mod builder;
pub mod certificate;
pub mod table;

pub use builder::{BuildError, build_certificate};
pub use certificate::{
    Certificate, CertificateError, CertificateProof, Policy, SignedWitness, Threshold, Verified,
    Witness, message_digest, required_weight, signed_by, task_response_hash, verify,
};
pub use table::{KeyScheme, OperatorTable, TableEntry, TableError, TableTree, verify_entry};
