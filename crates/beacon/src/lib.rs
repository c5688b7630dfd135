//! Beacon-chain proofs for native restaking, checked exactly as EigenLayer's EigenPod checks
//! them (its `BeaconChainProofs`, `Merkle` and `Endian` libraries), so proofs made by existing
//! EigenPod tooling verify unchanged.
//!
//! What belongs here: pure functions only (no I/O, no clock, no state). SHA-256 Merkle branch
//! checks over SSZ containers ([`merkle`]); the beacon constants and generalized indices (this
//! file); the choice of state layout by fork, Deneb (state tree height 5) or Pectra (height 6),
//! from a proof timestamp and the configured fork timestamp ([`fork`]); the four proofs a pod
//! checks ([`proofs`]); validator-field decoding ([`validator`]); the JSON layouts of
//! EigenLayer's proof files ([`json`]); and a generator of consistent states and proofs for tests
//! and devnets ([`generate`]). What does not: which block root to trust (the beacon-root oracle
//! of `restake-core` supplies it) and what a proof changes (the pod logic, in `restake-core`).
//!
//! Proven statements, each with an exact sibling count and generalized index (`H` is the state
//! tree height of the proof's fork):
//! - [`verify_state_root`]: a `BeaconState` root is field 3 of the block header whose root is
//!   trusted (index 3, 3 siblings);
//! - [`verify_validator_fields`]: a validator's eight fields are element `i` of
//!   `BeaconState.validators` (index `(11 << 41) | i`, 41 + H siblings, the 41st being the list
//!   length);
//! - [`verify_balance_container`]: the balances list root is field 12 of the state under a
//!   trusted block root (index `(3 << H) | 12`, 3 + H siblings);
//! - [`verify_validator_balance`]: validator `i`'s balance is in element `i / 4` of the balances
//!   list (39 siblings, the last being the list length); the gwei value is read from the leaf.
//!
//! Trust assumptions: SHA-256 is collision resistant and the block root comes from a trusted
//! source; nothing else. Lengths are checked exactly and every bit of a generalized index must be
//! consumed, so a proof for one position is never accepted for another, and a zero root never
//! proves anything. A proof for the wrong fork fails on its length or its root.
#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects,
        clippy::cast_possible_truncation,
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

use alloy_primitives::{Address, address};

pub use error::BeaconError;
pub use fork::ProofVersion;
pub use json::{CheckpointProofs, CredentialProofs, LegacyProofFile};
pub use merkle::{
    hash_pair, merkle_proof, merkleize_sha256, process_inclusion_proof, verify_inclusion,
};
pub use proofs::{
    BalanceContainerProof, BalanceProof, StateRootProof, ValidatorProof, balance_at,
    balance_container_index, validator_fields_index, verify_balance_container, verify_state_field,
    verify_state_root, verify_validator_balance, verify_validator_fields,
};
pub use validator::{
    FAR_FUTURE_EPOCH, VALIDATOR_ACTIVATION_ELIGIBILITY_EPOCH_INDEX,
    VALIDATOR_ACTIVATION_EPOCH_INDEX, VALIDATOR_BALANCE_INDEX, VALIDATOR_EXIT_EPOCH_INDEX,
    VALIDATOR_FIELDS_LENGTH, VALIDATOR_PUBKEY_INDEX, VALIDATOR_SLASHED_INDEX,
    VALIDATOR_WITHDRAWABLE_EPOCH_INDEX, VALIDATOR_WITHDRAWAL_CREDENTIALS_INDEX,
    activation_eligibility_epoch, activation_epoch, credentials_point_to, effective_balance_gwei,
    exit_epoch, is_slashed, pubkey_hash, pubkey_hash_of, withdrawable_epoch,
    withdrawal_credentials,
};

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
/// Field of `latest_block_header` in `BeaconState` (proven by older proof files).
pub const LATEST_BLOCK_HEADER_INDEX: u64 = 4;
/// Field of `validators` in `BeaconState`.
pub const VALIDATOR_CONTAINER_INDEX: u64 = 11;
/// Field of `balances` in `BeaconState`.
pub const BALANCE_CONTAINER_INDEX: u64 = 12;
/// Seconds per slot.
pub const SECONDS_PER_SLOT: u64 = 12;
/// Slots per epoch.
pub const SLOTS_PER_EPOCH: u64 = 32;
/// EIP-4788 beacon-roots contract: parent beacon block roots by timestamp.
pub const BEACON_ROOTS_ADDRESS: Address = address!("000F3df6D732807Ef1319fB7B8bB8522d0Beac02");
/// EIP-4788 ring buffer length: a root stays readable for 8191 slots.
pub const BEACON_ROOTS_HISTORY_BUFFER_LENGTH: u64 = 8191;
/// EIP-7002 withdrawal-request predeploy.
pub const WITHDRAWAL_REQUEST_ADDRESS: Address =
    address!("00000961Ef480Eb55e80D19ad83579A64c007002");
/// EIP-7251 consolidation-request predeploy.
pub const CONSOLIDATION_REQUEST_ADDRESS: Address =
    address!("0000BBdDc7CE488642fb579F8B00f3a590007251");
