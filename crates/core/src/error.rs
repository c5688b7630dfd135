//! The error of a failed action: which component refused it and why. Each component has its own
//! enum; the RPC layer maps them to stable numeric codes.

use crate::allocation::AllocationError;
use crate::beacon_oracle::OracleError;
use crate::delegation::DelegationError;
use crate::evidence::EvidenceError;
use crate::keys::KeysError;
use crate::pause::PauseError;
use crate::permissions::PermissionError;
use crate::pods::PodError;
use crate::pool::PoolError;
use crate::rewards::RewardsError;
use crate::risk_profile::RiskProfileError;
use crate::state::StateError;
use crate::strategy_manager::StrategyManagerError;
use crate::tables::TablesError;
use crate::tasks::TasksError;
use crate::tokens::TokenError;
use crate::validators::ValidatorError;
use crate::vault::VaultError;
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
    /// Native restaking (pods, checkpoints, beacon proofs).
    #[error("pod: {0}")]
    Pod(#[from] PodError),
    /// Beacon oracle.
    #[error("oracle: {0}")]
    Oracle(#[from] OracleError),
    /// Rewards.
    #[error("rewards: {0}")]
    Rewards(#[from] RewardsError),
    /// Liquid restaking vaults.
    #[error("vault: {0}")]
    Vault(#[from] VaultError),
    /// Operator-set risk profiles.
    #[error("risk profile: {0}")]
    RiskProfile(#[from] RiskProfileError),
    /// The validator set.
    #[error("validators: {0}")]
    Validator(#[from] ValidatorError),
    /// Operator-set keys.
    #[error("keys: {0}")]
    Keys(#[from] KeysError),
    /// Operator tables.
    #[error("tables: {0}")]
    Tables(#[from] TablesError),
    /// Tasks.
    #[error("tasks: {0}")]
    Tasks(#[from] TasksError),
}

impl Error {
    /// Stable numeric code of the component that refused the action. Together with
    /// [`Error::name`] it identifies the rule; both are part of the public API.
    pub fn code(&self) -> i64 {
        match self {
            Self::Token(_) => 1000,
            Self::Pool(_) => 2000,
            Self::StrategyManager(_) => 3000,
            Self::Delegation(_) => 4000,
            Self::Allocation(_) => 5000,
            Self::Evidence(_) => 6000,
            Self::Permission(_) => 7000,
            Self::Pause(_) => 8000,
            Self::Signature(_) => 9000,
            Self::Math(_) => 10000,
            Self::State(_) => 11000,
            Self::Genesis(_) => 12000,
            Self::Pod(_) => 13000,
            Self::Oracle(_) => 14000,
            Self::Rewards(_) => 15000,
            Self::Vault(_) => 16000,
            Self::RiskProfile(_) => 17000,
            Self::Validator(_) => 18000,
            Self::Keys(_) => 19000,
            Self::Tables(_) => 20000,
            Self::Tasks(_) => 21000,
        }
    }

    /// Stable name of the failed rule: the error variant, e.g. `InsufficientMagnitude`.
    pub fn name(&self) -> String {
        let inner = match self {
            Self::Token(e) => format!("{e:?}"),
            Self::Pool(e) => format!("{e:?}"),
            Self::StrategyManager(e) => format!("{e:?}"),
            Self::Delegation(e) => format!("{e:?}"),
            Self::Allocation(e) => format!("{e:?}"),
            Self::Evidence(e) => format!("{e:?}"),
            Self::Permission(e) => format!("{e:?}"),
            Self::Pause(e) => format!("{e:?}"),
            Self::Signature(e) => format!("{e:?}"),
            Self::Math(e) => format!("{e:?}"),
            Self::State(e) => format!("{e:?}"),
            Self::Genesis(_) => "Genesis".into(),
            Self::Pod(PodError::Proof(e)) => format!("{e:?}"),
            Self::Pod(e) => format!("{e:?}"),
            Self::Oracle(e) => format!("{e:?}"),
            Self::Rewards(e) => format!("{e:?}"),
            Self::Vault(e) => format!("{e:?}"),
            Self::RiskProfile(e) => format!("{e:?}"),
            Self::Validator(e) => format!("{e:?}"),
            Self::Keys(e) => format!("{e:?}"),
            Self::Tables(e) => format!("{e:?}"),
            Self::Tasks(e) => format!("{e:?}"),
        };
        inner
            .split(|c: char| !c.is_ascii_alphanumeric())
            .next()
            .unwrap_or_default()
            .to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::Address;

    #[test]
    fn error_name_is_the_variant_and_code_the_component() {
        let e = Error::Allocation(AllocationError::InsufficientMagnitude {
            strategy: Address::ZERO,
            encumbered: 2,
            max: 1,
        });
        assert_eq!(e.name(), "InsufficientMagnitude");
        assert_eq!(e.code(), 5000);
        assert_eq!(Error::Math(MathError::Overflow).name(), "Overflow");
        assert_eq!(
            Error::Delegation(DelegationError::OperatorsCannotUndelegate).name(),
            "OperatorsCannotUndelegate"
        );
    }
}
