//! Beacon-chain proofs for native restaking, verified exactly as EigenLayer's EigenPod verifies
//! them, so proofs made by existing EigenPod tooling verify unchanged.
//!
//! What belongs here: pure SHA-256 Merkle branch checks over SSZ containers (no I/O, no clock),
//! the beacon constants and generalized indices, the fork choice of the state layout (Deneb tree
//! height 5, Pectra 6, by a configured fork timestamp), validator-field decoding, and the JSON
//! forms of proofs. What does not: which root to trust (the core's beacon oracle supplies block
//! roots) and what a proof changes (the core's pods).
//!
//! Proven statements (see [`proofs`] for indices and lengths):
//! - a `BeaconState` root is field 3 of the beacon block header whose root the oracle accepted;
//! - a validator's eight fields are element `i` of `BeaconState.validators`;
//! - the balances list root is field 12 of the state of an accepted block root;
//! - a validator's balance is in element `i / 4` of the balances list.
//!
//! Trust: the hash function (SHA-256) and the block root; nothing else. Lengths are checked
//! exactly and every bit of a generalized index must be consumed, so a proof for one position
//! cannot be replayed for another.
#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects,
        clippy::panic
    )
)]

pub mod error;
pub mod fork;
pub mod generate;
pub mod json;
pub mod merkle;
pub mod proofs;
pub mod validator;

pub use error::BeaconError;
pub use fork::ProofVersion;
pub use merkle::{hash_pair, merkleize_sha256, process_inclusion_proof, verify_inclusion};
pub use proofs::{
    BalanceContainerProof, BalanceProof, StateRootProof, ValidatorProof, verify_balance_container,
    verify_state_root, verify_validator_balance, verify_validator_fields,
};
pub use validator::{FAR_FUTURE_EPOCH, credentials_point_to, pubkey_hash};

/// A beacon block header has 5 fields: a tree of height 3.
pub const BEACON_BLOCK_HEADER_TREE_HEIGHT: u64 = 3;
/// Deneb `BeaconState` (28 fields): tree height 5.
pub const DENEB_BEACON_STATE_TREE_HEIGHT: u64 = 5;
/// Pectra `BeaconState` (37 fields): tree height 6.
pub const PECTRA_BEACON_STATE_TREE_HEIGHT: u64 = 6;
/// The validator list holds up to 2^40 validators (plus one level for the length mix-in).
pub const VALIDATOR_TREE_HEIGHT: u64 = 40;
/// The balances list packs 4 balances per leaf: 2^38 leaves (plus the length mix-in).
pub const BALANCE_TREE_HEIGHT: u64 = 38;
/// Field of the state root in the block header.
pub const STATE_ROOT_INDEX: u64 = 3;
/// Field of `validators` in `BeaconState`.
pub const VALIDATOR_CONTAINER_INDEX: u64 = 11;
/// Field of `balances` in `BeaconState`.
pub const BALANCE_CONTAINER_INDEX: u64 = 12;
/// Seconds per slot.
pub const SECONDS_PER_SLOT: u64 = 12;
/// Slots per epoch.
pub const SLOTS_PER_EPOCH: u64 = 32;
