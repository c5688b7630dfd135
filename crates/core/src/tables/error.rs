//! Why a table action was refused.

use alloy_primitives::Address;
use restake_certificate::TableError;
use restake_primitives::OperatorSet;
use thiserror::Error;

/// Operator-table failures.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TablesError {
    /// The set does not exist.
    #[error("operator set {0} does not exist")]
    UnknownOperatorSet(OperatorSet),
    /// Tables list keys: the set needs a key scheme first.
    #[error("operator set {0} has no key scheme: its AVS must configure it first")]
    NoKeyScheme(OperatorSet),
    /// A multiplier for a strategy the set does not have.
    #[error("strategy {0} is not in the set")]
    StrategyNotInSet(Address),
    /// Two multipliers for one strategy.
    #[error("strategy {0} has two multipliers")]
    DuplicateMultiplier(Address),
    /// A multiplier of zero (remove the strategy from the set instead).
    #[error("the multiplier of strategy {0} is zero")]
    ZeroMultiplier(Address),
    /// The table cannot be built.
    #[error("table: {0}")]
    Table(#[from] TableError),
}
