//! The operator's signer: it holds an operator's set keys and signs a service's messages with
//! them, and it never signs two conflicting messages — across crashes, restarts and a fail-over
//! to another machine.
//!
//! - [`protection`]: the slashing-protection record, a redb file of every (key, set, duty) it
//!   signed and what. A request whose duty already has a different message is refused; the same
//!   message is signed again (deterministic signatures: the same bytes). The record is written
//!   and made durable before the signature leaves the signer, and there is no way to skip the
//!   check.
//! - [`interchange`]: the record as a JSON file (in the spirit of EIP-3076), exported from one
//!   machine and imported into another, so the second refuses what the first signed.
//! - [`signer`]: keys (ECDSA account keys from Web3 Secret Storage files, BLS keys from EIP-2335
//!   keystores) and the signing of task responses and attestations, through the record.

pub mod interchange;
pub mod protection;
pub mod signer;

pub use interchange::{Interchange, InterchangeRecord};
pub use protection::{Duty, ProtectionDb, SignedRecord};
pub use signer::{SignRequest, Signer, SignerError, SigningKey};
