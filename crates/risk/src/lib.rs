//! Security analysis of restaking networks, pure and exact: no I/O, no floats.
//!
//! Over a stake graph (services with a profit from corruption and an attack threshold,
//! validators with stake, edges where a validator's stake secures a service) it answers whether
//! any coalition profits from corrupting services ([`analysis::analyze`]): the most profitable
//! attack and a witness, the slack `γ*` by which every profit can grow before an attack pays,
//! the EigenLayer certificate `γ_cert`, and the worst loss after a shock of a given size. The
//! model and conventions are Durvasula & Roughgarden's (`docs/risk.md`).
//!
//! Modules: [`number`] (exact rationals), [`graph`] (the JSON input, validated and rescaled to
//! integers), [`flow`] (minimum cuts), [`analysis`] (the answers), [`elastic`] (Bar-Zur & Eyal's
//! elastic model: minimum stake of symmetric networks, attacks and robustness of small ones),
//! [`cascade`] (round-by-round cascades after a shock, Monte-Carlo loss distributions).

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

pub mod analysis;
pub mod bnb;
pub mod cascade;
pub mod components;
pub mod elastic;
pub mod error;
pub mod flow;
pub mod graph;
pub mod number;

pub use analysis::{Options, Report, analyze};
pub use error::RiskError;
pub use graph::Graph;
