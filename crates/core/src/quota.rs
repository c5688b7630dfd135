//! The transaction quota (ADR 0005): how a chain without a gas token bounds what an account may
//! write.
//!
//! Blocks are grouped into windows of `quotaWindowBlocks`. In each window an account may use
//! `min(maxQuotaUnits, weight / quotaUnitWeight)` units, where a transaction costs
//! `1 + encodedLength / 1024` units ([`units`]) and the weight ([`weight`]) is what the account
//! holds and has at stake: its balances of registered tokens, normalised to 18 decimals, plus its
//! deposit shares. An account with nothing can send nothing; capital buys a bounded rate, never
//! an unbounded one. Role holders (owner, strategy whitelister, pausers, unpauser, beacon oracle
//! members) get the cap whatever they hold, so an emergency pause never waits for a balance.
//!
//! Nothing is charged: the usage lives in one record per account, `(window, used)`, written with
//! the nonce. A failed transaction uses its units as it moves its nonce, and that record and the
//! nonce are all it changes.

use crate::beacon_oracle::OracleRead;
use crate::config::{ConfigRead, Params};
use crate::state::{StateError, StateRead, StateWrite, key};
use crate::strategy_manager::StrategyManagerRead;
use crate::tokens::TokensRead;
use alloy_primitives::{Address, U256};
use borsh::{BorshDeserialize, BorshSerialize};

/// Encoded bytes per quota unit beyond the first: a transaction of `n` bytes costs
/// `1 + n / 1024` units.
pub const BYTES_PER_UNIT: usize = 1024;

const USAGE: &[u8] = b"acct/quota/";

/// What a transaction of `encoded_len` canonical bytes costs.
pub fn units(encoded_len: usize) -> u64 {
    u64::try_from(encoded_len / BYTES_PER_UNIT)
        .unwrap_or(u64::MAX)
        .saturating_add(1)
}

/// An account's usage record.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Usage {
    /// The window of the account's last transaction.
    pub window: u64,
    /// Units used in that window.
    pub used: u64,
}

impl Usage {
    /// Units used in `window` (none once a later window has begun).
    pub fn used_in(&self, window: u64) -> u64 {
        if self.window == window { self.used } else { 0 }
    }
}

/// The window a block at `height` belongs to.
pub fn window(params: &Params, height: u64) -> u64 {
    height
        .checked_div(u64::from(params.quota_window_blocks))
        .unwrap_or(0)
}

/// Typed reads of the quota.
pub trait QuotaRead: StateRead {
    /// The account's usage record.
    fn quota_usage(&self, account: &Address) -> Result<Usage, StateError>
    where
        Self: Sized,
    {
        Ok(self
            .get(&key(USAGE, &[account.as_slice()]))?
            .unwrap_or_default())
    }
}
impl<T: StateRead + ?Sized> QuotaRead for T {}

/// What the account holds and has at stake: its balance of every registered token, normalised
/// to 18 decimals, plus its deposit shares in every pool. Saturates at `2^256 - 1`, which only
/// ever means the cap applies.
pub fn weight<S: StateRead>(state: &S, account: &Address) -> Result<U256, StateError> {
    let mut total = U256::ZERO;
    for (token, info) in state.tokens()? {
        let balance = state.balance_of(&token, account)?;
        if balance.is_zero() {
            continue;
        }
        let normalised = match 18u8.checked_sub(info.decimals) {
            Some(up) => balance.saturating_mul(U256::from(10u8).pow(U256::from(up))),
            None => {
                let down = info.decimals.saturating_sub(18);
                balance
                    .checked_div(U256::from(10u8).saturating_pow(U256::from(down)))
                    .unwrap_or_default()
            }
        };
        total = total.saturating_add(normalised);
    }
    for strategy in state.staker_strategies(account)? {
        total = total.saturating_add(state.deposit_shares(account, &strategy)?);
    }
    Ok(total)
}

/// True when the account holds a governance or oracle role.
pub fn holds_a_role<S: StateRead>(state: &S, account: &Address) -> Result<bool, StateError> {
    let roles = state.roles()?;
    Ok(roles.owner == *account
        || roles.strategy_whitelister == *account
        || roles.unpauser == *account
        || roles.pausers.contains(account)
        || state.oracle_config()?.members.contains(account))
}

/// Units the account may use per window.
pub fn allowance<S: StateRead>(
    state: &S,
    params: &Params,
    account: &Address,
) -> Result<u64, StateError> {
    if params.quota_unit_weight.is_zero() || holds_a_role(state, account)? {
        return Ok(params.max_quota_units);
    }
    let units = weight(state, account)?
        .checked_div(params.quota_unit_weight)
        .unwrap_or_default();
    Ok(u64::try_from(units)
        .unwrap_or(u64::MAX)
        .min(params.max_quota_units))
}

/// Units the account has left in the window of a block at `height`, given its allowance.
pub fn remaining<S: StateRead>(
    state: &S,
    params: &Params,
    account: &Address,
    height: u64,
    allowance: u64,
) -> Result<u64, StateError> {
    let used = state.quota_usage(account)?.used_in(window(params, height));
    Ok(allowance.saturating_sub(used))
}

/// Why a transaction does not fit its sender's quota.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{from} has {remaining} transaction-quota units left in this window and the transaction \
     needs {needed}; the allowance grows with what the account holds or has at stake"
)]
pub struct QuotaExceeded {
    /// Sender.
    pub from: Address,
    /// Units the transaction costs.
    pub needed: u64,
    /// Units left.
    pub remaining: u64,
}

/// Charges `needed` units to the account in the window of a block at `height`.
///
/// Rules:
/// 1. The units left in the window (the allowance minus what the account used in it; nothing
///    is used yet when its last transaction was in an earlier window) cover `needed`;
///    otherwise nothing changes and the transaction cannot be in the block.
/// 2. The account's record becomes `(window, used + needed)`.
pub fn charge<S: StateWrite>(
    state: &mut S,
    params: &Params,
    account: &Address,
    height: u64,
    needed: u64,
    allowance: u64,
) -> Result<(), ChargeError> {
    let window = window(params, height);
    let used = state.quota_usage(account)?.used_in(window);
    let remaining = allowance.saturating_sub(used);
    if needed > remaining {
        return Err(ChargeError::Exceeded(QuotaExceeded {
            from: *account,
            needed,
            remaining,
        }));
    }
    state.put(
        key(USAGE, &[account.as_slice()]),
        &Usage {
            window,
            used: used.saturating_add(needed),
        },
    );
    Ok(())
}

/// Why [`charge`] failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChargeError {
    /// Over the quota.
    #[error(transparent)]
    Exceeded(#[from] QuotaExceeded),
    /// State could not be read.
    #[error(transparent)]
    State(#[from] StateError),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_transaction_costs_one_unit_plus_one_per_full_kibibyte() {
        assert_eq!(units(0), 1);
        assert_eq!(units(1023), 1);
        assert_eq!(units(1024), 2);
        assert_eq!(units(64 * 1024), 65);
    }

    #[test]
    fn usage_resets_when_a_new_window_begins() {
        let u = Usage { window: 3, used: 7 };
        assert_eq!(u.used_in(3), 7);
        assert_eq!(u.used_in(4), 0);
        let p = Params::devnet();
        assert_eq!(window(&p, 9), 0);
        assert_eq!(window(&p, 10), 1);
        let off = Params {
            quota_window_blocks: 0,
            ..p
        };
        assert_eq!(window(&off, 12_345), 0);
    }
}
