//! The Restake node: everything around the pure protocol core that makes it a running chain.
//!
//! Flow: the RPC admits signed transactions into the [`mempool`] after the stateless checks
//! (size, canonical signature of the sender); a consensus engine (solo, manual for tests, a BFT
//! engine later) talks to the application task in values ([`engine::ConsensusMsg`]): *get a
//! value* builds the next block with the core's block function, *verify* checks a block built
//! elsewhere with the same function, *decided* commits a candidate to the store in one durable
//! write (state, Merkle root, block, receipts, certificate). Readers (RPC queries,
//! subscriptions) see only committed blocks.
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

mod app;
pub mod chain;
pub mod clock;
pub mod devnet;
pub mod engine;
pub mod error;
pub mod gossip;
pub mod index;
pub mod keyfile;
pub mod mempool;
pub mod metrics;
pub mod node;
pub mod risk_report;
pub mod rpc;
pub mod server;
pub mod sigcache;

pub use error::NodeError;
pub use node::{NodeConfig, NodeHandle, SubscriptionLimits, start, start_manual};
