//! Why a rewards action was refused (component code 15000).

use alloy_primitives::Address;
use restake_primitives::OperatorSet;
use thiserror::Error;

/// Rewards failures (EigenLayer's revert names).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RewardsError {
    /// No strategies.
    #[error("a submission needs at least one strategy")]
    InputArrayLengthZero,
    /// Strategies not strictly ascending.
    #[error("strategies must be strictly ascending")]
    StrategiesNotInAscendingOrder,
    /// A strategy that is neither allowed for deposits nor beacon-chain ETH.
    #[error("strategy {0} is not whitelisted")]
    StrategyNotWhitelisted(Address),
    /// A zero multiplier.
    #[error("multipliers must be positive")]
    MultiplierIsZero,
    /// Zero amount.
    #[error("the amount is zero")]
    AmountIsZero,
    /// Above `1e38 - 1`.
    #[error("the amount exceeds 1e38 - 1")]
    AmountExceedsMax,
    /// Zero duration.
    #[error("the duration is zero")]
    DurationIsZero,
    /// Longer than allowed.
    #[error("duration {duration} exceeds {max} epochs")]
    DurationExceedsMax {
        /// Asked.
        duration: u32,
        /// Limit.
        max: u32,
    },
    /// Starts in an epoch already distributed.
    #[error("start epoch {start} is in the past (current epoch {current})")]
    StartEpochTooFarInPast {
        /// Asked.
        start: u64,
        /// The epoch in progress.
        current: u64,
    },
    /// Starts too far ahead.
    #[error("start epoch {start} is more than {max} epochs ahead of {current}")]
    StartEpochTooFarInFuture {
        /// Asked.
        start: u64,
        /// The epoch in progress.
        current: u64,
        /// Limit.
        max: u32,
    },
    /// The operator set does not exist.
    #[error("operator set {0} does not exist")]
    InvalidOperatorSet(OperatorSet),
    /// Operators not strictly ascending, zero, or with a zero amount.
    #[error("operator rewards need strictly ascending non-zero operators with positive amounts")]
    OperatorsNotInAscendingOrder,
    /// A split above 10000 bips.
    #[error("split {0} exceeds 10000 bips")]
    SplitExceedsMax(u16),
    /// A split change is still waiting to take effect.
    #[error("the previous split takes effect at epoch {0}")]
    PreviousSplitPending(u64),
    /// Only operators have splits.
    #[error("{0} is not an operator")]
    NotAnOperator(Address),
    /// Nothing to claim.
    #[error("nothing to claim in {0}")]
    NothingToClaim(Address),
}
