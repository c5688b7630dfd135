//! One interface over the two places deposit shares live (EigenLayer's `IShareManager`): the token
//! manager for token pools, the pod manager for beacon-chain ETH. The delegation manager only
//! talks to this module, so the withdrawal queue, delegation and slashing treat both alike.

use crate::error::Error;
use crate::exec::Exec;
use crate::pods::{self, PodRead};
use crate::state::{StateError, StateRead};
use crate::strategy_manager::{self, StrategyManagerRead};
use alloy_primitives::{Address, U256};
use restake_primitives::{BEACON_CHAIN_ETH_STRATEGY, OperatorSet};

fn is_eth(strategy: &Address) -> bool {
    *strategy == BEACON_CHAIN_ETH_STRATEGY
}

/// The staker's deposit shares in `strategy`.
pub fn deposit_shares<R: StateRead>(
    s: &R,
    staker: &Address,
    strategy: &Address,
) -> Result<U256, StateError> {
    if is_eth(strategy) {
        s.pod_owner_deposit_shares(staker)
    } else {
        s.deposit_shares(staker, strategy)
    }
}

/// Every strategy in which the staker holds deposit shares, token pools first, then ETH.
pub fn deposited<R: StateRead>(
    s: &R,
    staker: &Address,
) -> Result<Vec<(Address, U256)>, StateError> {
    let mut all = strategy_manager::deposited(s, staker)?;
    let eth = s.pod_owner_deposit_shares(staker)?;
    if !eth.is_zero() {
        all.push((BEACON_CHAIN_ETH_STRATEGY, eth));
    }
    Ok(all)
}

/// Adds deposit shares (withdrawals completed as shares). Returns `(prev, added)`.
pub(crate) fn add_shares(
    ex: &mut Exec<'_>,
    staker: Address,
    strategy: Address,
    shares: U256,
) -> Result<(U256, U256), Error> {
    if is_eth(&strategy) {
        pods::add_shares(ex, staker, shares)
    } else {
        strategy_manager::add_shares(ex, staker, strategy, shares)
    }
}

/// Fails unless `shares` is non-zero and at most the staker's deposit shares.
pub(crate) fn check_removable<R: StateRead>(
    s: &R,
    staker: &Address,
    strategy: &Address,
    shares: U256,
) -> Result<(), Error> {
    if is_eth(strategy) {
        pods::check_removable(s, staker, shares)
    } else {
        strategy_manager::check_removable(s, staker, strategy, shares)
    }
}

/// Removes deposit shares (queueing a withdrawal). Returns what remains.
pub(crate) fn remove_deposit_shares(
    ex: &mut Exec<'_>,
    staker: Address,
    strategy: Address,
    shares: U256,
) -> Result<U256, Error> {
    if is_eth(&strategy) {
        pods::remove_deposit_shares(ex, staker, shares)
    } else {
        strategy_manager::remove_deposit_shares(ex, staker, strategy, shares)
    }
}

/// Pays shares out as tokens to `recipient` (or, for ETH, as a payout instruction from the
/// staker's pod to `recipient`).
pub(crate) fn withdraw_shares_as_tokens(
    ex: &mut Exec<'_>,
    staker: Address,
    recipient: Address,
    strategy: Address,
    shares: U256,
) -> Result<(), Error> {
    if is_eth(&strategy) {
        pods::withdraw_shares_as_tokens(ex, staker, recipient, shares)
    } else {
        strategy_manager::withdraw_shares_as_tokens(ex, recipient, strategy, shares).map(drop)
    }
}

/// Files shares slashed by an AVS.
pub(crate) fn increase_burn_or_redistributable_shares(
    ex: &mut Exec<'_>,
    set: OperatorSet,
    slash_id: u64,
    strategy: Address,
    shares: U256,
) -> Result<(), Error> {
    if is_eth(&strategy) {
        pods::increase_burnable_shares(ex, shares)
    } else {
        strategy_manager::increase_burn_or_redistributable_shares(
            ex, set, slash_id, strategy, shares,
        )
    }
}
