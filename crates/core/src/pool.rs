//! Token pools (the design article's TokenPool; EigenLayer's `StrategyBase`, spec §2).
//!
//! One pool per token. A pool converts underlying tokens into shares with virtual offsets of
//! `1e3` shares and `1e3` tokens, rounding down, which makes the first-depositor inflation attack
//! cost the attacker nearly everything it donates. Unlike an ERC-20 vault the pool never counts
//! its "balance of": it tracks the tokens it accounted for, so a donation (a plain transfer to the
//! pool's address) cannot move the exchange rate at all.
//!
//! Only the token manager calls [`deposit`] and [`withdraw`]; they are not actions.

use crate::error::Error;
use crate::event::Event;
use crate::exec::Exec;
use crate::state::{StateError, StateRead, StateWrite, key};
use crate::tokens;
use alloy_primitives::{Address, U256, keccak256};
use borsh::{BorshDeserialize, BorshSerialize};
use restake_primitives::math::{self, Rounding, mul_div};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Virtual shares added to the supply in every conversion.
pub const SHARES_OFFSET: U256 = U256::from_limbs([1_000, 0, 0, 0]);
/// Virtual tokens added to the balance in every conversion.
pub const BALANCE_OFFSET: U256 = U256::from_limbs([1_000, 0, 0, 0]);
/// `1e38 - 1`: the most shares a pool may have outstanding.
pub const MAX_TOTAL_SHARES: U256 =
    U256::from_limbs([0x098a_223f_ffff_ffff, 0x4b3b_4ca8_5a86_c47a, 0, 0]);

/// Pause bit: deposits are refused.
pub const PAUSED_DEPOSITS: u8 = 0;
/// Pause bit: withdrawals (and slash flushes) are refused.
pub const PAUSED_WITHDRAWALS: u8 = 1;

/// Pool failures.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PoolError {
    /// No pool at that address.
    #[error("unknown strategy {0}")]
    UnknownStrategy(Address),
    /// A pool exists for this token already.
    #[error("token {token} already has strategy {strategy}")]
    StrategyExists {
        /// Token.
        token: Address,
        /// Its pool.
        strategy: Address,
    },
    /// The token is not the pool's underlying token.
    #[error("strategy {strategy} holds {underlying}, not {token}")]
    OnlyUnderlyingToken {
        /// Pool.
        strategy: Address,
        /// Its token.
        underlying: Address,
        /// What was offered.
        token: Address,
    },
    /// The deposit would mint zero shares.
    #[error("deposit too small: it would mint zero shares")]
    NewSharesZero,
    /// The pool would exceed `1e38 - 1` shares.
    #[error("total shares would exceed 1e38 - 1")]
    TotalSharesExceedsMax,
    /// The deposit exceeds the per-deposit limit.
    #[error("deposit of {amount} exceeds the per-deposit limit {limit}")]
    MaxPerDepositExceeded {
        /// Deposit.
        amount: U256,
        /// Limit.
        limit: U256,
    },
    /// The pool would hold more than its total limit.
    #[error("pool balance {balance} would exceed the total deposit limit {limit}")]
    BalanceExceedsMaxTotalDeposits {
        /// Balance after the deposit.
        balance: U256,
        /// Limit.
        limit: U256,
    },
    /// `maxPerDeposit` must not exceed `maxTotalDeposits`.
    #[error("per-deposit limit {per_deposit} exceeds the total limit {total}")]
    MaxPerDepositExceedsMax {
        /// Per-deposit limit.
        per_deposit: U256,
        /// Total limit.
        total: U256,
    },
    /// More shares than exist were asked for.
    #[error("withdrawal of {shares} shares exceeds total shares {total}")]
    WithdrawalAmountExceedsTotalDeposits {
        /// Asked.
        shares: U256,
        /// Outstanding.
        total: U256,
    },
}

/// A token pool.
#[derive(Debug, Clone, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pool {
    /// The underlying token.
    pub token: Address,
    /// Shares outstanding (including slashed shares not yet flushed).
    #[serde(with = "restake_primitives::decimal::u256")]
    pub total_shares: U256,
    /// Underlying tokens the pool accounts for (never its raw ledger balance).
    #[serde(with = "restake_primitives::decimal::u256")]
    pub balance: U256,
    /// Largest single deposit.
    #[serde(with = "restake_primitives::decimal::u256")]
    pub max_per_deposit: U256,
    /// Largest balance after a deposit.
    #[serde(with = "restake_primitives::decimal::u256")]
    pub max_total_deposits: U256,
}

impl Pool {
    /// Underlying value of `shares`: `floor((balance + 1e3) * shares / (totalShares + 1e3))`.
    pub fn shares_to_underlying(&self, shares: U256) -> Result<U256, Error> {
        let vb = math::add(self.balance, BALANCE_OFFSET)?;
        let vs = math::add(self.total_shares, SHARES_OFFSET)?;
        Ok(mul_div(vb, shares, vs, Rounding::Down)?)
    }

    /// Shares worth `amount`: `floor(amount * (totalShares + 1e3) / (balance + 1e3))`.
    pub fn underlying_to_shares(&self, amount: U256) -> Result<U256, Error> {
        let vb = math::add(self.balance, BALANCE_OFFSET)?;
        let vs = math::add(self.total_shares, SHARES_OFFSET)?;
        Ok(mul_div(amount, vs, vb, Rounding::Down)?)
    }
}

const POOL: &[u8] = b"pool/info/";
const BY_TOKEN: &[u8] = b"pool/bytoken/";

/// The pool address for a token: derived, so every node agrees on it.
pub fn strategy_address(token: &Address) -> Address {
    let mut pre = b"restake.strategy:".to_vec();
    pre.extend_from_slice(token.as_slice());
    Address::from_word(keccak256(pre))
}

fn pool_key(strategy: &Address) -> Vec<u8> {
    key(POOL, &[strategy.as_slice()])
}

/// Typed reads of pools.
pub trait PoolRead: StateRead {
    /// The pool at `strategy`.
    fn pool(&self, strategy: &Address) -> Result<Option<Pool>, StateError>
    where
        Self: Sized,
    {
        self.get(&pool_key(strategy))
    }

    /// The pool of `token`, if one was created.
    fn strategy_for_token(&self, token: &Address) -> Result<Option<Address>, StateError>
    where
        Self: Sized,
    {
        self.get(&key(BY_TOKEN, &[token.as_slice()]))
    }

    /// Every pool, by strategy address.
    fn pools(&self) -> Result<Vec<(Address, Pool)>, StateError>
    where
        Self: Sized,
    {
        self.scan_prefix(POOL)?
            .into_iter()
            .map(|(k, v)| {
                let addr = crate::state::address_at(&k, POOL.len());
                Ok((addr, crate::state::decode(&k, &v)?))
            })
            .collect()
    }
}
impl<T: StateRead + ?Sized> PoolRead for T {}

/// Loads a pool or fails with `UnknownStrategy`.
pub fn require_pool<R: StateRead>(s: &R, strategy: &Address) -> Result<Pool, Error> {
    s.pool(strategy)?
        .ok_or_else(|| PoolError::UnknownStrategy(*strategy).into())
}

/// Creates the pool for `token` with no limits. Returns the strategy address.
pub(crate) fn create(ex: &mut Exec<'_>, token: Address) -> Result<Address, Error> {
    if ex.state.token(&token)?.is_none() {
        return Err(tokens::TokenError::UnknownToken(token).into());
    }
    if let Some(strategy) = ex.state.strategy_for_token(&token)? {
        return Err(PoolError::StrategyExists { token, strategy }.into());
    }
    let strategy = strategy_address(&token);
    let pool = Pool {
        token,
        total_shares: U256::ZERO,
        balance: U256::ZERO,
        max_per_deposit: U256::MAX,
        max_total_deposits: U256::MAX,
    };
    ex.state.put(pool_key(&strategy), &pool);
    ex.state.put(key(BY_TOKEN, &[token.as_slice()]), &strategy);
    ex.emit(Event::StrategyCreated { strategy, token });
    Ok(strategy)
}

use crate::tokens::TokensRead;

/// Mints shares for `amount` tokens of `token`, moving the tokens from `from` into the pool.
///
/// Rules (spec §2 `deposit`):
/// 1. `token` is the pool's underlying token.
/// 2. The tokens move first; then `newShares = floor(amount * (totalShares + 1e3) / (priorBalance + 1e3))`.
/// 3. `newShares != 0`; `totalShares + newShares <= 1e38 - 1`.
/// 4. `amount <= maxPerDeposit` and the balance after the deposit `<= maxTotalDeposits`.
pub(crate) fn deposit(
    ex: &mut Exec<'_>,
    strategy: Address,
    token: Address,
    from: Address,
    amount: U256,
) -> Result<U256, Error> {
    let mut pool = require_pool(&ex.state, &strategy)?;
    if token != pool.token {
        return Err(PoolError::OnlyUnderlyingToken {
            strategy,
            underlying: pool.token,
            token,
        }
        .into());
    }
    if amount > pool.max_per_deposit {
        return Err(PoolError::MaxPerDepositExceeded {
            amount,
            limit: pool.max_per_deposit,
        }
        .into());
    }
    tokens::move_tokens(ex, &token, &from, &strategy, amount)?;
    let new_shares = pool.underlying_to_shares(amount)?;
    if new_shares.is_zero() {
        return Err(PoolError::NewSharesZero.into());
    }
    pool.balance = math::add(pool.balance, amount)?;
    if pool.balance > pool.max_total_deposits {
        return Err(PoolError::BalanceExceedsMaxTotalDeposits {
            balance: pool.balance,
            limit: pool.max_total_deposits,
        }
        .into());
    }
    pool.total_shares = math::add(pool.total_shares, new_shares)?;
    if pool.total_shares > MAX_TOTAL_SHARES {
        return Err(PoolError::TotalSharesExceedsMax.into());
    }
    ex.state.put(pool_key(&strategy), &pool);
    ex.emit(Event::ExchangeRateEmitted {
        strategy,
        rate: exchange_rate(&pool)?,
    });
    Ok(new_shares)
}

/// Burns `shares` and pays their underlying value to `recipient`.
///
/// Rules (spec §2 `withdraw`):
/// 1. `shares <= totalShares`.
/// 2. `amountOut = floor((balance + 1e3) * shares / (totalShares + 1e3))` with the prior supply.
/// 3. Supply and balance shrink; the tokens move to `recipient`. Returns `amountOut`.
pub(crate) fn withdraw(
    ex: &mut Exec<'_>,
    strategy: Address,
    recipient: Address,
    shares: U256,
) -> Result<U256, Error> {
    let mut pool = require_pool(&ex.state, &strategy)?;
    if shares > pool.total_shares {
        return Err(PoolError::WithdrawalAmountExceedsTotalDeposits {
            shares,
            total: pool.total_shares,
        }
        .into());
    }
    let amount_out = pool.shares_to_underlying(shares)?;
    pool.total_shares = math::sub(pool.total_shares, shares)?;
    pool.balance = math::sub(pool.balance, amount_out)?;
    ex.state.put(pool_key(&strategy), &pool);
    tokens::move_tokens(ex, &pool.token, &strategy, &recipient, amount_out)?;
    ex.emit(Event::ExchangeRateEmitted {
        strategy,
        rate: exchange_rate(&pool)?,
    });
    Ok(amount_out)
}

/// `1e18 * (balance + 1e3) / (totalShares + 1e3)`, as the pool's event reports it.
pub fn exchange_rate(pool: &Pool) -> Result<U256, Error> {
    let vb = math::add(pool.balance, BALANCE_OFFSET)?;
    let vs = math::add(pool.total_shares, SHARES_OFFSET)?;
    Ok(mul_div(restake_primitives::WAD, vb, vs, Rounding::Down)?)
}

/// Sets the pool's deposit limits (EigenLayer's `setTVLLimits`; the caller's role is checked by
/// the action handler).
pub(crate) fn set_limits(
    ex: &mut Exec<'_>,
    strategy: Address,
    max_per_deposit: U256,
    max_total_deposits: U256,
) -> Result<(), Error> {
    let mut pool = require_pool(&ex.state, &strategy)?;
    if max_per_deposit > max_total_deposits {
        return Err(PoolError::MaxPerDepositExceedsMax {
            per_deposit: max_per_deposit,
            total: max_total_deposits,
        }
        .into());
    }
    pool.max_per_deposit = max_per_deposit;
    pool.max_total_deposits = max_total_deposits;
    ex.state.put(pool_key(&strategy), &pool);
    ex.emit(Event::TvlLimitsSet {
        strategy,
        max_per_deposit,
        max_total_deposits,
    });
    Ok(())
}
