//! Pause switches (EigenLayer's `Pausable` + `PauserRegistry`, spec §10).
//!
//! Each component, and each pool, has a 64-bit pause bitmap. Any pauser may set bits; only the
//! unpauser may clear them. Pausing never clears a bit and unpausing never sets one, so a pauser
//! cannot undo another's emergency stop.

use crate::config::ConfigRead;
use crate::error::Error;
use crate::event::Event;
use crate::exec::Exec;
use crate::state::{StateError, StateRead, StateWrite, key};
use alloy_primitives::Address;
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// What a pause bitmap belongs to.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    BorshSerialize,
    BorshDeserialize,
    Serialize,
    Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub enum PauseTarget {
    /// Deposits (bit 0).
    TokenManager,
    /// Bit 0 new delegation, bit 1 entering the withdrawal queue, bit 2 leaving it.
    DelegationManager,
    /// Bit 0 modifying allocations, bit 1 slashing, bit 2 operator-set (de)registration.
    AllocationManager,
    /// Bit 0 slashing with equivocation proofs.
    Evidence,
    /// One pool: bit 0 deposits, bit 1 withdrawals.
    Pool(Address),
    /// Native restaking (every pod): bit 0 new pods, 2 credential proofs, 5 ETH payouts,
    /// 6 starting checkpoints, 7 checkpoint proofs, 8 stale-balance proofs.
    PodManager,
    /// Rewards: bit 0 submissions, bit 2 claims.
    Rewards,
}

impl PauseTarget {
    fn key(&self) -> Vec<u8> {
        match self {
            Self::TokenManager => key(PAUSE, &[b"tm"]),
            Self::DelegationManager => key(PAUSE, &[b"dm"]),
            Self::AllocationManager => key(PAUSE, &[b"am"]),
            Self::Evidence => key(PAUSE, &[b"ev"]),
            Self::Pool(a) => key(PAUSE, &[b"pl", a.as_slice()]),
            Self::PodManager => key(PAUSE, &[b"pm"]),
            Self::Rewards => key(PAUSE, &[b"rw"]),
        }
    }
}

impl std::fmt::Display for PauseTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::TokenManager => f.write_str("tokenManager"),
            Self::DelegationManager => f.write_str("delegationManager"),
            Self::AllocationManager => f.write_str("allocationManager"),
            Self::Evidence => f.write_str("evidence"),
            Self::Pool(a) => write!(f, "pool {a}"),
            Self::PodManager => f.write_str("podManager"),
            Self::Rewards => f.write_str("rewards"),
        }
    }
}

/// Pause failures.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PauseError {
    /// The action is paused.
    #[error("{target} is paused (bit {bit})")]
    CurrentlyPaused {
        /// Component.
        target: PauseTarget,
        /// Bit.
        bit: u8,
    },
    /// Only pausers may pause.
    #[error("{0} is not a pauser")]
    OnlyPauser(Address),
    /// Only the unpauser may unpause.
    #[error("{0} is not the unpauser")]
    OnlyUnpauser(Address),
    /// `pause` must keep every set bit; `unpause` must not set new ones.
    #[error("new paused status {new:#x} is invalid against current {current:#x}")]
    InvalidNewPausedStatus {
        /// Current bitmap.
        current: u64,
        /// Proposed bitmap.
        new: u64,
    },
}

const PAUSE: &[u8] = b"pause/";

/// Typed reads of pause state.
pub trait PauseRead: StateRead {
    /// The bitmap of `target`.
    fn paused_status(&self, target: PauseTarget) -> Result<u64, StateError>
    where
        Self: Sized,
    {
        Ok(self.get(&target.key())?.unwrap_or(0))
    }

    /// True when bit `bit` of `target` is set.
    fn is_paused(&self, target: PauseTarget, bit: u8) -> Result<bool, StateError>
    where
        Self: Sized,
    {
        let status = self.paused_status(target)?;
        Ok(status
            .checked_shr(u32::from(bit))
            .is_some_and(|s| s & 1 == 1))
    }
}
impl<T: StateRead + ?Sized> PauseRead for T {}

/// Fails with `CurrentlyPaused` when bit `bit` of `target` is set.
pub fn require_not_paused<R: StateRead>(s: &R, target: PauseTarget, bit: u8) -> Result<(), Error> {
    if s.is_paused(target, bit)? {
        return Err(PauseError::CurrentlyPaused { target, bit }.into());
    }
    Ok(())
}

/// `pause` action.
///
/// Rules:
/// 1. The sender is a pauser.
/// 2. `newPausedStatus` keeps every bit already set (`new & current == current`).
/// 3. The bitmap becomes `newPausedStatus`; `Paused` is emitted.
pub fn pause(
    ex: &mut Exec<'_>,
    sender: Address,
    target: PauseTarget,
    new: u64,
) -> Result<(), Error> {
    if !ex.state.roles()?.pausers.contains(&sender) {
        return Err(PauseError::OnlyPauser(sender).into());
    }
    let current = ex.state.paused_status(target)?;
    if new & current != current {
        return Err(PauseError::InvalidNewPausedStatus { current, new }.into());
    }
    ex.state.put(target.key(), &new);
    ex.emit(Event::Paused {
        account: sender,
        target,
        new_paused_status: new,
    });
    Ok(())
}

/// `pauseAll` action.
///
/// Rules:
/// 1. The sender is a pauser.
/// 2. Every bit of every component is set: the token manager, delegation manager, allocation
///    manager, evidence, native restaking and rewards, in that order (not pools, which have
///    their own bitmaps).
pub fn pause_all(ex: &mut Exec<'_>, sender: Address) -> Result<(), Error> {
    for target in [
        PauseTarget::TokenManager,
        PauseTarget::DelegationManager,
        PauseTarget::AllocationManager,
        PauseTarget::Evidence,
        PauseTarget::PodManager,
        PauseTarget::Rewards,
    ] {
        pause(ex, sender, target, u64::MAX)?;
    }
    Ok(())
}

/// `unpause` action.
///
/// Rules:
/// 1. The sender is the unpauser.
/// 2. `newPausedStatus` sets no bit that is clear now (`new & !current == 0`).
/// 3. The bitmap becomes `newPausedStatus`; `Unpaused` is emitted.
pub fn unpause(
    ex: &mut Exec<'_>,
    sender: Address,
    target: PauseTarget,
    new: u64,
) -> Result<(), Error> {
    if ex.state.roles()?.unpauser != sender {
        return Err(PauseError::OnlyUnpauser(sender).into());
    }
    let current = ex.state.paused_status(target)?;
    if new & !current != 0 {
        return Err(PauseError::InvalidNewPausedStatus { current, new }.into());
    }
    ex.state.put(target.key(), &new);
    ex.emit(Event::Unpaused {
        account: sender,
        target,
        new_paused_status: new,
    });
    Ok(())
}
