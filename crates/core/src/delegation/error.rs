//! Why a delegation action was refused (component code 4000).

use alloy_primitives::{Address, B256};
use thiserror::Error;

/// Delegation failures.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DelegationError {
    /// The staker is delegated already.
    #[error("{0} is already delegated")]
    ActivelyDelegated(Address),
    /// The staker is not delegated.
    #[error("{0} is not delegated")]
    NotActivelyDelegated(Address),
    /// No operator is registered at that address.
    #[error("{0} is not a registered operator")]
    OperatorNotRegistered(Address),
    /// Operators are delegated to themselves for good.
    #[error("operators cannot undelegate")]
    OperatorsCannotUndelegate,
    /// Only the staker, its operator (or the operator's appointees) or the approver may undelegate.
    #[error("{caller} may not undelegate {staker}")]
    CallerCannotUndelegate {
        /// Who tried.
        caller: Address,
        /// Staker.
        staker: Address,
    },
    /// The approver's salt was used before.
    #[error("approver salt {0} was already spent")]
    SaltSpent(B256),
    /// The approver's signature has expired.
    #[error("approver signature expired at {expiry}, block time is {now}")]
    SignatureExpired {
        /// Expiry.
        expiry: u64,
        /// Block time.
        now: u64,
    },
    /// The approver's signature is missing or not the approver's.
    #[error("delegation needs a valid signature from approver {0}")]
    InvalidSignature(Address),
    /// The operator has no magnitude left in a strategy the staker holds.
    #[error("operator {operator} is fully slashed in strategy {strategy}")]
    FullySlashed {
        /// Operator.
        operator: Address,
        /// Strategy.
        strategy: Address,
    },
    /// The scaling factor would become zero.
    #[error("deposit scaling factor would be zero")]
    InvalidDepositScalingFactor,
    /// Two arrays that must match in length do not.
    #[error("input arrays have different lengths")]
    InputArrayLengthMismatch,
    /// An array that must not be empty is.
    #[error("input array is empty")]
    InputArrayLengthZero,
    /// A strategy appears twice in one withdrawal.
    #[error("strategy {0} appears twice")]
    DuplicateStrategy(Address),
    /// Only the withdrawer may complete a withdrawal.
    #[error("{0} is not the withdrawer")]
    WithdrawerNotCaller(Address),
    /// No pending withdrawal has that root.
    #[error("withdrawal {0} is not queued")]
    WithdrawalNotQueued(B256),
    /// The withdrawal's delay has not passed.
    #[error("withdrawal completable at block {completable_at}, current block is {now}")]
    WithdrawalDelayNotElapsed {
        /// First block at which it completes.
        completable_at: u32,
        /// Current block.
        now: u32,
    },
}
