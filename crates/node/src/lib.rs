//! The Restake node: everything around the pure protocol core that makes it a running chain.
//!
//! Flow: the RPC admits signed transactions into the [`mempool`] after the stateless checks
//! (size, canonical signature of the sender); a consensus engine (solo now, a BFT engine later)
//! talks to the application task in messages ([`node::ConsensusMsg`]): *propose* builds the next
//! block by executing pending transactions on an overlay of the last committed state, *decided*
//! commits it to the store in one durable write (state, Merkle root, block, receipts). Readers
//! (RPC queries, subscriptions) see only committed blocks.
//!
//! This crate does I/O; the protocol rules live in `restake-core` and are not repeated here.

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

pub mod chain;
pub mod clock;
pub mod devnet;
pub mod error;
pub mod mempool;
pub mod metrics;
pub mod node;
pub mod risk_report;
pub mod rpc;
pub mod server;

pub use error::NodeError;
pub use node::{NodeConfig, NodeHandle, start};
