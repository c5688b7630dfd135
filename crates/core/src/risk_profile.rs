//! What an AVS declares about the risk of one of its operator sets, for the risk analysis of the
//! live state (`docs/risk.md`): the profit an attacker could make by corrupting the set (an
//! interval, since it is an estimate) and the share of the set's stake an attacker must control.
//! The ledger does not act on it; the node's risk report reads it.

use crate::allocation::AllocationRead;
use crate::error::Error;
use crate::event::Event;
use crate::exec::Exec;
use crate::permissions;
use crate::state::{StateError, StateRead, StateWrite, key};
use alloy_primitives::{Address, U256};
use borsh::{BorshDeserialize, BorshSerialize};
use restake_primitives::{OperatorSet, WAD};
use serde::{Deserialize, Serialize};
use thiserror::Error;

const PROFILE: &[u8] = b"rp/";

/// An operator set's declared risk profile.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub struct RiskProfile {
    /// Lowest estimate of the profit from corrupting the set (ETH-wei).
    #[serde(with = "restake_primitives::decimal::u256")]
    pub pfc_low: U256,
    /// Highest estimate (the analysis uses this one).
    #[serde(with = "restake_primitives::decimal::u256")]
    pub pfc_high: U256,
    /// Share of the set's slashable stake an attacker must control, WAD (`1e18` = all of it).
    #[serde(with = "restake_primitives::decimal::u256")]
    pub alpha_wad: U256,
}

/// Risk-profile failures.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RiskProfileError {
    /// The set does not exist.
    #[error("operator set {0:?} does not exist")]
    UnknownOperatorSet(OperatorSet),
    /// `pfcLow > pfcHigh`.
    #[error("pfcLow must not exceed pfcHigh")]
    InvertedInterval,
    /// `alphaWad` outside `(0, 1e18]`.
    #[error("alphaWad must be in (0, 1e18]")]
    BadAlpha,
}

/// Typed reads.
pub trait RiskProfileRead: StateRead {
    /// The declared profile of a set, if any.
    fn risk_profile(&self, set: &OperatorSet) -> Result<Option<RiskProfile>, StateError>
    where
        Self: Sized,
    {
        self.get(&key(PROFILE, &[set.avs.as_slice(), &set.id.to_be_bytes()]))
    }

    /// Every declared profile, by operator set.
    fn risk_profiles(&self) -> Result<Vec<(OperatorSet, RiskProfile)>, StateError>
    where
        Self: Sized,
    {
        let mut out = Vec::new();
        for (k, v) in self.scan_prefix(PROFILE)? {
            let avs = crate::state::address_at(&k, PROFILE.len());
            let id = k
                .get(PROFILE.len().saturating_add(20)..)
                .and_then(|b| <[u8; 4]>::try_from(b).ok())
                .map(u32::from_be_bytes)
                .unwrap_or_default();
            out.push((OperatorSet::new(avs, id), crate::state::decode(&k, &v)?));
        }
        Ok(out)
    }
}
impl<T: StateRead + ?Sized> RiskProfileRead for T {}

/// `setOperatorSetRiskProfile` action.
///
/// Rules:
/// 1. The sender may act for the AVS (`setOperatorSetRiskProfile`); the set exists.
/// 2. `pfcLow ≤ pfcHigh`; `0 < alphaWad ≤ 1e18`.
/// 3. The profile replaces any earlier one.
pub fn set_risk_profile(
    ex: &mut Exec<'_>,
    sender: Address,
    set: OperatorSet,
    profile: RiskProfile,
) -> Result<(), Error> {
    permissions::check_can_call(&ex.state, &set.avs, &sender, "setOperatorSetRiskProfile")?;
    if ex.state.operator_set(&set)?.is_none() {
        return Err(RiskProfileError::UnknownOperatorSet(set).into());
    }
    if profile.pfc_low > profile.pfc_high {
        return Err(RiskProfileError::InvertedInterval.into());
    }
    if profile.alpha_wad.is_zero() || profile.alpha_wad > WAD {
        return Err(RiskProfileError::BadAlpha.into());
    }
    ex.state.put(
        key(PROFILE, &[set.avs.as_slice(), &set.id.to_be_bytes()]),
        &profile,
    );
    ex.emit(Event::OperatorSetRiskProfileSet {
        operator_set: set,
        pfc_low: profile.pfc_low,
        pfc_high: profile.pfc_high,
        alpha_wad: profile.alpha_wad,
    });
    Ok(())
}
