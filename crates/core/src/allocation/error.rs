//! Why an allocation-manager action was refused (component code 5000).

use alloy_primitives::{Address, B256, U256};
use restake_primitives::OperatorSet;
use thiserror::Error;

/// Allocation-manager failures.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AllocationError {
    /// The AVS has not published metadata yet (`updateAvsMetadataUri` first).
    #[error("{0} has not registered as an AVS (updateAvsMetadataUri)")]
    NonexistentAvsMetadata(Address),
    /// No such operator set, or (on creation) it exists already.
    #[error("operator set {0} is invalid here")]
    InvalidOperatorSet(OperatorSet),
    /// The strategy is in the set already.
    #[error("strategy {0} is already in the operator set")]
    StrategyAlreadyInOperatorSet(Address),
    /// The strategy is not in the set.
    #[error("strategy {0} is not in the operator set")]
    StrategyNotInOperatorSet(Address),
    /// Redistributing sets cannot hold native ETH.
    #[error("strategy {0} cannot be used here")]
    InvalidStrategy(Address),
    /// An address that must not be zero is.
    #[error("address must not be zero")]
    InputAddressZero,
    /// The burn address cannot receive redistributed funds.
    #[error("the burn address cannot be a redistribution recipient")]
    InvalidRedistributionRecipient,
    /// Arrays that must match in length do not.
    #[error("input arrays have different lengths")]
    InputArrayLengthMismatch,
    /// A strategy appears twice.
    #[error("strategy {0} appears twice")]
    DuplicateStrategy(Address),
    /// The account is not a registered operator.
    #[error("{0} is not a registered operator")]
    InvalidOperator(Address),
    /// The operator is registered for the set, or still slashable by it after leaving.
    #[error("operator is already a member of {0} (or still in its slashable window)")]
    AlreadyMemberOfSet(OperatorSet),
    /// The operator is not registered for the set.
    #[error("operator is not a member of {0}")]
    NotMemberOfSet(OperatorSet),
    /// The caller may act neither for the operator nor for the AVS.
    #[error("{0} may not perform this action")]
    InvalidCaller(Address),
    /// The operator has never set an allocation delay.
    #[error("operator {0} has no allocation delay")]
    UninitializedAllocationDelay(Address),
    /// A change is already pending for this allocation.
    #[error("a modification is already pending for strategy {0}")]
    ModificationAlreadyPending(Address),
    /// The new magnitude equals the current one.
    #[error("new magnitude equals the current one for strategy {0}")]
    SameMagnitude(Address),
    /// Not enough unallocated magnitude.
    #[error(
        "insufficient magnitude in strategy {strategy}: encumbered would be {encumbered}, max is {max}"
    )]
    InsufficientMagnitude {
        /// Strategy.
        strategy: Address,
        /// Encumbered after the change.
        encumbered: u64,
        /// Max magnitude.
        max: u64,
    },
    /// The operator cannot be slashed by the set.
    #[error("operator {operator} is not slashable by {set}")]
    OperatorNotSlashable {
        /// Operator.
        operator: Address,
        /// Set.
        set: OperatorSet,
    },
    /// Strategies must be listed in strictly ascending address order.
    #[error("strategies must be in strictly ascending order")]
    StrategiesMustBeInAscendingOrder,
    /// `wadsToSlash` entries must be in `(0, 1e18]`.
    #[error("wad to slash {0} is not in (0, 1e18]")]
    InvalidWadToSlash(U256),
    /// The operator is not on the set's allow-list.
    #[error("operator {operator} is not on the allow-list of {set}")]
    NotAllowlisted {
        /// Operator.
        operator: Address,
        /// Set.
        set: OperatorSet,
    },
    /// The set requires the AVS's signed approval.
    #[error("registration for {0} requires the AVS's signed approval")]
    ApprovalRequired(OperatorSet),
    /// The approval is not signed by the AVS (or one it appointed).
    #[error("approval signature is not from the AVS or an appointee")]
    InvalidApproval,
    /// The approval has expired.
    #[error("approval expired at {expiry}, block time is {now}")]
    ApprovalExpired {
        /// Expiry.
        expiry: u64,
        /// Block time.
        now: u64,
    },
    /// The approval salt was used before.
    #[error("approval salt {0} was already spent")]
    SaltSpent(B256),
    /// Magnitudes are at most `1e18`.
    #[error("magnitude {0} exceeds 1e18")]
    MagnitudeExceedsWad(u64),
}
