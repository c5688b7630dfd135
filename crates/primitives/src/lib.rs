//! Pure building blocks shared by every Restake crate. Nothing here does I/O, reads a clock or
//! draws randomness.
//!
//! - [`math`]: `U256` arithmetic with explicit rounding (`mul_div` over a 512-bit intermediate),
//!   the WAD helpers of the slashing math, and checked add/sub that return named errors.
//! - [`snapshot`]: block-keyed histories with `upper_lookup` (EigenLayer's `Snapshots`).
//! - [`ids`]: operator sets and their packed keys, well-known addresses.
//! - [`signature`]: the single place where signatures are checked for canonical form and recovered.
//! - [`ed25519`]: the single place where consensus keys sign and are checked, under strict rules.
//! - [`bls`]: the single place where BLS12-381 operator-set keys sign, aggregate and are checked.
//! - [`decimal`]: serde helpers that write amounts as decimal strings on the wire.
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

pub mod bls;
pub mod decimal;
pub mod ed25519;
pub mod ids;
pub mod math;
pub mod signature;
pub mod snapshot;

pub use alloy_primitives::{Address, B256, U256, address, b256, keccak256};
pub use ids::{BEACON_CHAIN_ETH_STRATEGY, DEFAULT_BURN_ADDRESS, OperatorSet};
pub use math::{MathError, Rounding, WAD};
pub use snapshot::Snapshots;
