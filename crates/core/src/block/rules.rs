//! The chain's block rules: time and size. Fixed at genesis in [`Params`].
//!
//! **Time.** A header's `timestampMs` is at least the parent's plus `minBlockIntervalMs`. Every
//! delay the protocol counts in blocks — the withdrawal delay, the deallocation delay,
//! configuration delays, vault cooldowns, rewards epochs — is therefore also a lower bound in
//! time, `blocks × minBlockIntervalMs`, that no proposer can shorten by making blocks come
//! faster. A verifier with a clock also refuses a block more than `maxBlockDriftMs` ahead of it,
//! so a proposer cannot push the chain's time into the future either (blocks replayed from the
//! chain's history are not held to the verifier's clock). Actions see whole seconds, so
//! signature expiries and the beacon fork keep their second-based meaning.
//!
//! **Size.** A block holds at most `maxBlockTransactions` transactions and `maxBlockBytes` bytes
//! of canonical encoding, well under the 4 MiB a consensus sync response carries.

use super::execute::InvalidBlock;
use crate::config::Params;

/// Largest `maxBlockBytes` genesis may set: a block must fit in one consensus sync response
/// (4 MiB) with room for its certificate and framing.
pub const MAX_BLOCK_BYTES_LIMIT: u32 = 3 * 1024 * 1024;

/// The block rules of a chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockRules {
    /// Least time between a block and its parent, in milliseconds.
    pub min_interval_ms: u64,
    /// How far ahead of a verifier's clock a block may be, in milliseconds.
    pub max_drift_ms: u64,
    /// Most transactions in a block.
    pub max_transactions: u32,
    /// Most bytes in a block's canonical encoding.
    pub max_bytes: u32,
}

impl BlockRules {
    /// The rules in `params`.
    pub fn of(params: &Params) -> Self {
        Self {
            min_interval_ms: params.min_block_interval_ms,
            max_drift_ms: params.max_block_drift_ms,
            max_transactions: params.max_block_transactions,
            max_bytes: params.max_block_bytes.min(MAX_BLOCK_BYTES_LIMIT),
        }
    }

    /// The earliest timestamp a child of a block at `parent_ms` may carry.
    pub fn earliest_after(&self, parent_ms: u64) -> u64 {
        parent_ms.saturating_add(self.min_interval_ms)
    }

    /// The timestamp a proposer writes: its clock's reading, raised to the earliest allowed.
    pub fn propose_timestamp(&self, parent_ms: u64, clock_ms: u64) -> u64 {
        clock_ms.max(self.earliest_after(parent_ms))
    }

    /// Checks a block's timestamp against its parent and, when given, the verifier's clock.
    pub fn check_timestamp(
        &self,
        parent_ms: u64,
        timestamp_ms: u64,
        now_ms: Option<u64>,
    ) -> Result<(), InvalidBlock> {
        let earliest = self.earliest_after(parent_ms);
        if timestamp_ms < earliest {
            return Err(InvalidBlock::TooEarly {
                timestamp_ms,
                earliest_ms: earliest,
            });
        }
        if let Some(now) = now_ms {
            let latest = now.saturating_add(self.max_drift_ms);
            if timestamp_ms > latest {
                return Err(InvalidBlock::TooFarAhead {
                    timestamp_ms,
                    latest_ms: latest,
                });
            }
        }
        Ok(())
    }

    /// The byte limit as a `usize`.
    pub fn max_bytes_usize(&self) -> usize {
        usize::try_from(self.max_bytes).unwrap_or(usize::MAX)
    }
}
