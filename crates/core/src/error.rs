//! The error of a failed action: which component refused it and why. Each component has its own
//! enum; the RPC layer maps them to stable numeric codes.

use crate::allocation::AllocationError;
use crate::delegation::DelegationError;
use crate::evidence::EvidenceError;
use crate::pause::PauseError;
use crate::permissions::PermissionError;
use crate::pool::PoolError;
use crate::state::StateError;
use crate::strategy_manager::StrategyManagerError;
use crate::tokens::TokenError;
use restake_primitives::math::MathError;
use restake_primitives::signature::SignatureError;
use thiserror::Error;

/// Why an action failed. A failed action changes no state.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Error {
    /// Asset ledger.
    #[error("token: {0}")]
    Token(#[from] TokenError),
    /// Token pool.
    #[error("pool: {0}")]
    Pool(#[from] PoolError),
    /// Token manager.
    #[error("token manager: {0}")]
    StrategyManager(#[from] StrategyManagerError),
    /// Delegation manager.
    #[error("delegation: {0}")]
    Delegation(#[from] DelegationError),
    /// Allocation manager.
    #[error("allocation: {0}")]
    Allocation(#[from] AllocationError),
    /// Equivocation evidence.
    #[error("evidence: {0}")]
    Evidence(#[from] EvidenceError),
    /// Permissions.
    #[error("permissions: {0}")]
    Permission(#[from] PermissionError),
    /// Pausing.
    #[error("pause: {0}")]
    Pause(#[from] PauseError),
    /// A signature inside the action is malformed or non-canonical.
    #[error("signature: {0}")]
    Signature(#[from] SignatureError),
    /// Arithmetic overflow or underflow: refused, never wrapped.
    #[error("math: {0}")]
    Math(#[from] MathError),
    /// The state could not be read.
    #[error("state: {0}")]
    State(#[from] StateError),
    /// Genesis is invalid.
    #[error("genesis: {0}")]
    Genesis(String),
}
