//! Node errors: storage, invalid blocks, bad transactions.

use restake_core::block::BlockError;
use restake_store::StoreError;
use thiserror::Error;

/// Something the node could not do.
#[derive(Debug, Error)]
pub enum NodeError {
    /// The store failed.
    #[error("storage: {0}")]
    Store(#[from] StoreError),
    /// A block or transaction is invalid.
    #[error("block: {0}")]
    Block(#[from] BlockError),
    /// Genesis could not be applied.
    #[error("genesis: {0}")]
    Genesis(#[from] restake_core::Error),
    /// The protocol's start-of-block work (rewards distribution) failed.
    #[error("start of block: {0}")]
    BeginBlock(restake_core::Error),
    /// State could not be read.
    #[error("state: {0}")]
    State(#[from] restake_core::state::StateError),
    /// Stored bytes do not decode.
    #[error("stored {what} does not decode: {reason}")]
    Corrupt {
        /// What was read.
        what: &'static str,
        /// Decoder message.
        reason: String,
    },
    /// The chain is already at a different genesis or chain id.
    #[error("{0}")]
    Mismatch(String),
    /// The index (outside consensus) could not be opened.
    #[error("index: {0}")]
    Index(String),
    /// The block producer has stopped.
    #[error("the block producer has stopped")]
    Stopped,
}
