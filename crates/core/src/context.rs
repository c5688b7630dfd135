//! What the block tells an action: the only source of time in the protocol.

use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

/// The block an action executes in.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub struct BlockContext {
    /// Block height. Delays and windows are counted in blocks (`u32`, as on Ethereum).
    pub number: u32,
    /// Block timestamp in seconds; used for signature expiries only.
    pub timestamp: u64,
    /// The chain id that signatures commit to.
    pub chain_id: u64,
}
