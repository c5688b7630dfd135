//! The token manager (the design article's TokenManager; EigenLayer's `StrategyManager`, spec §3).
//!
//! Keeps each staker's *deposit shares* per strategy (pool), the deposit allow-list managed by the
//! strategy whitelister, and the buckets of slashed shares waiting to be flushed. Deposit shares
//! are what a staker put in; what it can take out (withdrawable shares) is derived by the
//! delegation manager from them and the slashing factors.

use crate::allocation::AllocationRead;
use crate::config::ConfigRead;
use crate::delegation;
use crate::eip712;
use crate::error::Error;
use crate::event::Event;
use crate::exec::Exec;
use crate::pause::{self, PauseTarget};
use crate::pool::{self, PoolRead};
use crate::state::{StateError, StateRead, StateWrite, decode, key};
use crate::tokens;
use alloy_primitives::{Address, Bytes, U256};
use restake_primitives::{OperatorSet, math};
use thiserror::Error;

/// At most this many strategies per staker.
pub const MAX_STAKER_STRATEGY_LIST_LENGTH: usize = 32;

/// Pause bit of the token manager: deposits.
pub const PAUSED_DEPOSITS: u8 = 0;

/// Token manager failures.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StrategyManagerError {
    /// The strategy is not on the deposit allow-list.
    #[error("strategy {0} is not whitelisted for deposits")]
    StrategyNotWhitelisted(Address),
    /// The caller is not the strategy whitelister.
    #[error("{0} is not the strategy whitelister")]
    OnlyStrategyWhitelister(Address),
    /// The caller is not the owner.
    #[error("{0} is not the owner")]
    OnlyOwner(Address),
    /// The caller is not the unpauser.
    #[error("{0} is not the unpauser")]
    OnlyUnpauser(Address),
    /// Zero share amounts are refused.
    #[error("share amount must be greater than zero")]
    SharesAmountZero,
    /// More shares than the staker holds.
    #[error("staker holds {held} deposit shares, {asked} were asked")]
    SharesAmountTooHigh {
        /// Held.
        held: U256,
        /// Asked.
        asked: U256,
    },
    /// The staker already holds 32 strategies.
    #[error("staker already holds the maximum of 32 strategies")]
    MaxStrategiesExceeded,
    /// The zero address cannot be a staker.
    #[error("staker is the zero address")]
    StakerAddressZero,
    /// The signed deposit has expired.
    #[error("signature expired at {expiry}, block time is {now}")]
    SignatureExpired {
        /// Expiry.
        expiry: u64,
        /// Block time.
        now: u64,
    },
    /// The deposit signature is not the staker's.
    #[error("deposit signature was not made by staker {0}")]
    InvalidSignature(Address),
    /// This (operator set, slash, strategy) bucket was already filled.
    #[error("strategy {0} already has slashed shares for this slash")]
    StrategyAlreadyInSlash(Address),
    /// No slashed shares wait under that key.
    #[error("no slashed shares are pending for that operator set, slash id and strategy")]
    NothingToClear,
}

const WHITELIST: &[u8] = b"sm/wl/";
const SHARES: &[u8] = b"sm/shares/";
const LIST: &[u8] = b"sm/list/";
const NONCE: &[u8] = b"sm/nonce/";
const BUCKET: &[u8] = b"sm/bucket/";

fn shares_key(staker: &Address, strategy: &Address) -> Vec<u8> {
    key(SHARES, &[staker.as_slice(), strategy.as_slice()])
}

fn bucket_prefix(set: &OperatorSet, slash_id: u64) -> Vec<u8> {
    key(BUCKET, &[set.key().as_slice(), &slash_id.to_be_bytes()])
}

/// One pending bucket of slashed shares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlashBucket {
    /// Operator set that slashed.
    pub operator_set: OperatorSet,
    /// Slash id within the set.
    pub slash_id: u64,
    /// Strategy.
    pub strategy: Address,
    /// Shares waiting to be burned or redistributed.
    pub shares: U256,
}

/// Typed reads of the token manager.
pub trait StrategyManagerRead: StateRead {
    /// True when deposits into `strategy` are allowed.
    fn is_whitelisted(&self, strategy: &Address) -> Result<bool, StateError>
    where
        Self: Sized,
    {
        self.contains(&key(WHITELIST, &[strategy.as_slice()]))
    }

    /// The staker's deposit shares in `strategy`.
    fn deposit_shares(&self, staker: &Address, strategy: &Address) -> Result<U256, StateError>
    where
        Self: Sized,
    {
        Ok(self.get(&shares_key(staker, strategy))?.unwrap_or_default())
    }

    /// The strategies in which the staker holds deposit shares (at most 32).
    fn staker_strategies(&self, staker: &Address) -> Result<Vec<Address>, StateError>
    where
        Self: Sized,
    {
        Ok(self
            .get(&key(LIST, &[staker.as_slice()]))?
            .unwrap_or_default())
    }

    /// The staker's nonce for signed deposits.
    fn deposit_nonce(&self, staker: &Address) -> Result<U256, StateError>
    where
        Self: Sized,
    {
        Ok(self
            .get(&key(NONCE, &[staker.as_slice()]))?
            .unwrap_or_default())
    }

    /// Every bucket of slashed shares not flushed yet.
    fn slash_buckets(&self) -> Result<Vec<SlashBucket>, StateError>
    where
        Self: Sized,
    {
        let mut out = Vec::new();
        for (k, v) in self.scan_prefix(BUCKET)? {
            let rest = k.get(BUCKET.len()..).unwrap_or_default();
            let (set_key, rest) = rest.split_at(rest.len().min(32));
            let (id, strategy) = rest.split_at(rest.len().min(8));
            let avs = crate::state::address_at(set_key, 0);
            let set_id = u32::from_be_bytes(
                set_key
                    .get(28..32)
                    .and_then(|b| b.try_into().ok())
                    .unwrap_or_default(),
            );
            let slash_id = u64::from_be_bytes(id.try_into().unwrap_or_default());
            out.push(SlashBucket {
                operator_set: OperatorSet::new(avs, set_id),
                slash_id,
                strategy: crate::state::address_at(strategy, 0),
                shares: decode(&k, &v)?,
            });
        }
        Ok(out)
    }
}
impl<T: StateRead + ?Sized> StrategyManagerRead for T {}

fn require_whitelister(ex: &Exec<'_>, sender: Address) -> Result<(), Error> {
    if ex.state.roles()?.strategy_whitelister != sender {
        return Err(StrategyManagerError::OnlyStrategyWhitelister(sender).into());
    }
    Ok(())
}

/// `createStrategy` action (EigenLayer's `StrategyFactory.deployNewStrategy`).
///
/// Rules:
/// 1. The sender is the strategy whitelister.
/// 2. The token exists and has no pool yet.
/// 3. The pool is created with no limits and whitelisted for deposits.
pub fn create_strategy(
    ex: &mut Exec<'_>,
    sender: Address,
    token: Address,
) -> Result<Address, Error> {
    require_whitelister(ex, sender)?;
    let strategy = pool::create(ex, token)?;
    whitelist(ex, strategy)?;
    Ok(strategy)
}

fn whitelist(ex: &mut Exec<'_>, strategy: Address) -> Result<(), Error> {
    let k = key(WHITELIST, &[strategy.as_slice()]);
    if !ex.state.contains(&k)? {
        ex.state.put_flag(k);
        ex.emit(Event::StrategyAddedToDepositWhitelist { strategy });
    }
    Ok(())
}

/// `addStrategiesToDepositWhitelist` action.
///
/// Rules:
/// 1. The sender is the strategy whitelister.
/// 2. Every strategy is an existing pool; already-listed ones are left as they are.
pub fn add_to_whitelist(
    ex: &mut Exec<'_>,
    sender: Address,
    strategies: &[Address],
) -> Result<(), Error> {
    require_whitelister(ex, sender)?;
    for s in strategies {
        pool::require_pool(&ex.state, s)?;
        whitelist(ex, *s)?;
    }
    Ok(())
}

/// `removeStrategiesFromDepositWhitelist` action.
///
/// Rules:
/// 1. The sender is the strategy whitelister.
/// 2. Listed strategies stop accepting deposits; withdrawals keep working.
pub fn remove_from_whitelist(
    ex: &mut Exec<'_>,
    sender: Address,
    strategies: &[Address],
) -> Result<(), Error> {
    require_whitelister(ex, sender)?;
    for s in strategies {
        let k = key(WHITELIST, &[s.as_slice()]);
        if ex.state.contains(&k)? {
            ex.state.delete(&k);
            ex.emit(Event::StrategyRemovedFromDepositWhitelist { strategy: *s });
        }
    }
    Ok(())
}

/// `setStrategyWhitelister` action.
///
/// Rules:
/// 1. The sender is the owner.
/// 2. The whitelister role moves to `newWhitelister`.
pub fn set_strategy_whitelister(
    ex: &mut Exec<'_>,
    sender: Address,
    new_whitelister: Address,
) -> Result<(), Error> {
    let mut roles = ex.state.roles()?;
    if roles.owner != sender {
        return Err(StrategyManagerError::OnlyOwner(sender).into());
    }
    let previous = roles.strategy_whitelister;
    roles.strategy_whitelister = new_whitelister;
    ex.state.set_roles(&roles);
    ex.emit(Event::StrategyWhitelisterChanged {
        previous,
        new: new_whitelister,
    });
    Ok(())
}

/// `setTvlLimits` action (EigenLayer's `StrategyBaseTVLLimits.setTVLLimits`).
///
/// Rules:
/// 1. The sender is the unpauser.
/// 2. The pool exists and `maxPerDeposit <= maxTotalDeposits`.
pub fn set_tvl_limits(
    ex: &mut Exec<'_>,
    sender: Address,
    strategy: Address,
    max_per_deposit: U256,
    max_total_deposits: U256,
) -> Result<(), Error> {
    if ex.state.roles()?.unpauser != sender {
        return Err(StrategyManagerError::OnlyUnpauser(sender).into());
    }
    pool::set_limits(ex, strategy, max_per_deposit, max_total_deposits)
}

use crate::config::ConfigWrite;

/// `depositIntoStrategy` action.
///
/// Rules (spec §3):
/// 1. Deposits are not paused (token manager bit 0, pool bit 0); the strategy is whitelisted.
/// 2. `amount` tokens move from the sender into the pool, then the pool mints shares for them
///    (refusing a deposit that mints none).
/// 3. The shares are added to the staker's deposit shares (at most 32 strategies).
/// 4. The delegation manager updates the staker's scaling factor and, when delegated, the
///    operator's shares; it refuses when the operator is fully slashed in the strategy.
pub fn deposit_into_strategy(
    ex: &mut Exec<'_>,
    sender: Address,
    strategy: Address,
    token: Address,
    amount: U256,
) -> Result<U256, Error> {
    deposit(ex, sender, sender, strategy, token, amount)
}

/// `depositIntoStrategyWithSignature` action: the sender pays, `staker` receives the shares.
///
/// Rules:
/// 1. `expiry >= block timestamp`.
/// 2. `signature` is the staker's over EIP-712 `Deposit(staker, strategy, token, amount, nonce,
///    expiry)` with the staker's current deposit nonce; the nonce then increments.
/// 3. Then as `depositIntoStrategy`, with tokens from the sender and shares to the staker.
pub fn deposit_into_strategy_with_signature(
    ex: &mut Exec<'_>,
    sender: Address,
    strategy: Address,
    token: Address,
    amount: U256,
    staker: Address,
    expiry: u64,
    signature: &Bytes,
) -> Result<U256, Error> {
    if expiry < ex.block.timestamp {
        return Err(StrategyManagerError::SignatureExpired {
            expiry,
            now: ex.block.timestamp,
        }
        .into());
    }
    let nonce = ex.state.deposit_nonce(&staker)?;
    let msg = eip712::Deposit {
        staker,
        strategy,
        token,
        amount,
        nonce,
        expiry: U256::from(expiry),
    };
    let signer = eip712::recover(&msg, ex.block.chain_id, signature)?;
    if signer != staker {
        return Err(StrategyManagerError::InvalidSignature(staker).into());
    }
    ex.state.put(
        key(NONCE, &[staker.as_slice()]),
        &math::add(nonce, U256::from(1))?,
    );
    deposit(ex, sender, staker, strategy, token, amount)
}

fn deposit(
    ex: &mut Exec<'_>,
    payer: Address,
    staker: Address,
    strategy: Address,
    token: Address,
    amount: U256,
) -> Result<U256, Error> {
    pause::require_not_paused(&ex.state, PauseTarget::TokenManager, PAUSED_DEPOSITS)?;
    pause::require_not_paused(
        &ex.state,
        PauseTarget::Pool(strategy),
        pool::PAUSED_DEPOSITS,
    )?;
    if !ex.state.is_whitelisted(&strategy)? {
        return Err(StrategyManagerError::StrategyNotWhitelisted(strategy).into());
    }
    let shares = pool::deposit(ex, strategy, token, payer, amount)?;
    let (prev, added) = add_shares(ex, staker, strategy, shares)?;
    delegation::increase_delegated_shares(ex, staker, strategy, prev, added)?;
    Ok(shares)
}

/// Adds deposit shares (deposits, and withdrawals completed as shares). Returns `(prev, added)`.
pub(crate) fn add_shares(
    ex: &mut Exec<'_>,
    staker: Address,
    strategy: Address,
    shares: U256,
) -> Result<(U256, U256), Error> {
    if staker.is_zero() {
        return Err(StrategyManagerError::StakerAddressZero.into());
    }
    if shares.is_zero() {
        return Err(StrategyManagerError::SharesAmountZero.into());
    }
    let prev = ex.state.deposit_shares(&staker, &strategy)?;
    if prev.is_zero() {
        let mut list = ex.state.staker_strategies(&staker)?;
        if list.len() >= MAX_STAKER_STRATEGY_LIST_LENGTH {
            return Err(StrategyManagerError::MaxStrategiesExceeded.into());
        }
        list.push(strategy);
        ex.state.put(key(LIST, &[staker.as_slice()]), &list);
    }
    ex.state
        .put(shares_key(&staker, &strategy), &math::add(prev, shares)?);
    ex.emit(Event::Deposit {
        staker,
        strategy,
        shares,
    });
    Ok((prev, shares))
}

/// Fails unless `shares` is non-zero and at most the staker's deposit shares in `strategy`.
pub(crate) fn check_removable<R: StateRead>(
    s: &R,
    staker: &Address,
    strategy: &Address,
    shares: U256,
) -> Result<(), Error> {
    if shares.is_zero() {
        return Err(StrategyManagerError::SharesAmountZero.into());
    }
    let held = s.deposit_shares(staker, strategy)?;
    if shares > held {
        return Err(StrategyManagerError::SharesAmountTooHigh {
            held,
            asked: shares,
        }
        .into());
    }
    Ok(())
}

/// Removes deposit shares (queueing a withdrawal). Returns what remains.
pub(crate) fn remove_deposit_shares(
    ex: &mut Exec<'_>,
    staker: Address,
    strategy: Address,
    shares: U256,
) -> Result<U256, Error> {
    if shares.is_zero() {
        return Err(StrategyManagerError::SharesAmountZero.into());
    }
    let held = ex.state.deposit_shares(&staker, &strategy)?;
    let remaining = held
        .checked_sub(shares)
        .ok_or(StrategyManagerError::SharesAmountTooHigh {
            held,
            asked: shares,
        })?;
    let k = shares_key(&staker, &strategy);
    if remaining.is_zero() {
        ex.state.delete(&k);
        let mut list = ex.state.staker_strategies(&staker)?;
        if let Some(i) = list.iter().position(|s| *s == strategy) {
            list.swap_remove(i);
        }
        let lk = key(LIST, &[staker.as_slice()]);
        if list.is_empty() {
            ex.state.delete(&lk)
        } else {
            ex.state.put(lk, &list)
        }
    } else {
        ex.state.put(k, &remaining);
    }
    Ok(remaining)
}

/// Pays `shares` of `strategy` out as tokens to `recipient` (withdrawals completed as tokens).
pub(crate) fn withdraw_shares_as_tokens(
    ex: &mut Exec<'_>,
    recipient: Address,
    strategy: Address,
    shares: U256,
) -> Result<U256, Error> {
    pause::require_not_paused(
        &ex.state,
        PauseTarget::Pool(strategy),
        pool::PAUSED_WITHDRAWALS,
    )?;
    pool::withdraw(ex, strategy, recipient, shares)
}

/// Files slashed shares in the `(set, slash id, strategy)` bucket, to be flushed by anyone.
pub(crate) fn increase_burn_or_redistributable_shares(
    ex: &mut Exec<'_>,
    set: OperatorSet,
    slash_id: u64,
    strategy: Address,
    shares: U256,
) -> Result<(), Error> {
    if shares.is_zero() {
        return Ok(());
    }
    let k = key(&bucket_prefix(&set, slash_id), &[strategy.as_slice()]);
    if ex.state.contains(&k)? {
        return Err(StrategyManagerError::StrategyAlreadyInSlash(strategy).into());
    }
    ex.state.put(k, &shares);
    ex.emit(Event::BurnOrRedistributableSharesIncreased {
        operator_set: set,
        slash_id,
        strategy,
        shares,
    });
    Ok(())
}

/// `clearBurnOrRedistributableShares` action: flushes every strategy of one slash.
///
/// Rules:
/// 1. Anyone may call it.
/// 2. For each strategy with pending shares: the pool pays their value to the operator set's
///    redistribution recipient, or burns it when the set has none (pool withdrawals must not be paused).
/// 3. At least one bucket must be pending.
pub fn clear_burn_or_redistributable_shares(
    ex: &mut Exec<'_>,
    set: OperatorSet,
    slash_id: u64,
) -> Result<(), Error> {
    let prefix = bucket_prefix(&set, slash_id);
    let entries = ex.state.scan_prefix(&prefix)?;
    if entries.is_empty() {
        return Err(StrategyManagerError::NothingToClear.into());
    }
    for (k, _) in entries {
        let strategy = crate::state::address_at(&k, prefix.len());
        clear_one(ex, set, slash_id, strategy)?;
    }
    Ok(())
}

/// `clearBurnOrRedistributableSharesByStrategy` action: flushes one strategy of one slash.
///
/// Rules: as `clearBurnOrRedistributableShares`, for one strategy; it must be pending.
pub fn clear_burn_or_redistributable_shares_by_strategy(
    ex: &mut Exec<'_>,
    set: OperatorSet,
    slash_id: u64,
    strategy: Address,
) -> Result<(), Error> {
    clear_one(ex, set, slash_id, strategy)
}

fn clear_one(
    ex: &mut Exec<'_>,
    set: OperatorSet,
    slash_id: u64,
    strategy: Address,
) -> Result<(), Error> {
    let k = key(&bucket_prefix(&set, slash_id), &[strategy.as_slice()]);
    let shares: U256 = ex
        .state
        .get(&k)?
        .ok_or(StrategyManagerError::NothingToClear)?;
    ex.state.delete(&k);
    let recipient = ex.state.redistribution_recipient(&set)?;
    pause::require_not_paused(
        &ex.state,
        PauseTarget::Pool(strategy),
        pool::PAUSED_WITHDRAWALS,
    )?;
    let target = recipient.unwrap_or(restake_primitives::DEFAULT_BURN_ADDRESS);
    let amount = pool::withdraw(ex, strategy, target, shares)?;
    if recipient.is_none() && !amount.is_zero() {
        let token = pool::require_pool(&ex.state, &strategy)?.token;
        tokens::destroy(ex, token, target, amount)?;
    }
    ex.emit(Event::BurnOrRedistributableSharesDecreased {
        operator_set: set,
        slash_id,
        strategy,
        shares,
        recipient: target,
        amount,
    });
    Ok(())
}

/// Checks the staker holds deposit shares, for views that need the list.
pub fn deposited<R: StateRead>(
    s: &R,
    staker: &Address,
) -> Result<Vec<(Address, U256)>, StateError> {
    s.staker_strategies(staker)?
        .into_iter()
        .map(|st| Ok((st, s.deposit_shares(staker, &st)?)))
        .collect()
}

/// Ensures the pool exists for a strategy used in a set or a withdrawal.
pub fn require_strategy<R: StateRead>(s: &R, strategy: &Address) -> Result<(), Error> {
    if s.pool(strategy)?.is_none() {
        return Err(pool::PoolError::UnknownStrategy(*strategy).into());
    }
    Ok(())
}
