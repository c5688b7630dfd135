//! The Restake protocol core: a pure, deterministic state machine for restaking.
//!
//! No I/O, no clock, no randomness, no hash-map iteration: the same actions in the same blocks
//! give the same state bytes on every machine. Time comes only from [`BlockContext`].
//!
//! Components (one module each, with their state keys, typed read traits, action handlers and
//! errors), named after the design article and EigenLayer:
//! - [`tokens`]: the asset ledger (bridged tokens, balances, minter-only mint/burn).
//! - [`pool`]: token pools (TokenPool / `StrategyBase`): shares vs underlying with virtual offsets.
//! - [`strategy_manager`]: the token manager (TokenManager / `StrategyManager`): deposit shares,
//!   allow-list, slashed-share buckets.
//! - [`delegation`]: operators, delegation, operator shares, the withdrawal queue.
//! - [`allocation`]: the slasher manager (SlasherManager / `AllocationManager`): AVSs, operator
//!   sets, allocations of magnitude, slashing in O(1) per operator.
//! - [`evidence`]: slashing on proof of equivocation, without trusting the AVS.
//! - [`pods`]: native restaking (EigenPodManager / EigenPod): pods, beacon proofs, checkpoints,
//!   the beacon-chain slashing factor; [`beacon_oracle`]: beacon roots and pod balances by quorum;
//!   [`share_manager`]: one interface over token-pool and beacon-chain ETH shares.
//! - [`rewards`]: AVS rewards computed on the ledger: epoch distribution by slashable stake,
//!   operator commission, reward-per-share indices for delegators, claims.
//! - [`risk_profile`]: what AVSs declare about their operator sets' profit from corruption and
//!   attack threshold, for the node's risk report.
//! - [`vault`]: the liquid restaking vault (an LRT): multi-LST deposits priced from the core's
//!   own books, node delegators per operator, FIFO redemptions, instant exits, fees.
//! - [`permissions`], [`pause`]: delegated permissions and emergency switches.
//! - [`shares`]: the exact share math under slashing.
//!
//! Flow: an [`Action`] from a sender runs through [`app::execute`] on an overlay of the state;
//! every handler checks its rules as it reads, and on any error the overlay is dropped.
//!
//! Invariants (spec §12, checked by the model test in `tests/model.rs`): operator shares cover
//! what their stakers can withdraw; pools are solvent; magnitudes never exceed `WAD`; encumbered
//! magnitude never exceeds the max; a failed action changes nothing.
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

pub mod accounts;
pub mod action;
pub mod allocation;
pub mod app;
pub mod beacon_oracle;
pub mod block;
pub mod config;
pub mod context;
pub mod delegation;
pub mod eip712;
pub mod error;
pub mod event;
pub mod evidence;
pub mod exec;
pub mod keys;
pub mod pause;
pub mod permissions;
pub mod pods;
pub mod pool;
pub mod quota;
pub mod rewards;
pub mod risk_profile;
pub mod share_manager;
pub mod shares;
pub mod state;
pub mod strategy_manager;
pub mod tables;
pub mod tasks;
pub mod tokens;
pub mod tx;
pub mod typed_data;
pub mod validators;
pub mod vault;
pub mod views;

pub use action::Action;
pub use context::BlockContext;
pub use error::Error;
pub use event::Event;
