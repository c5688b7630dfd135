//! The asset ledger: registered tokens, balances and transfers.
//!
//! Tokens stand for assets locked on Ethereum and credited here by a bridge gateway: only a
//! token's `minter` may mint or burn it. Token addresses are derived from their symbol, so the
//! same genesis gives the same addresses on every node.

use crate::error::Error;
use crate::event::Event;
use crate::exec::Exec;
use crate::state::{StateError, StateRead, StateWrite, key};
use alloy_primitives::{Address, U256, keccak256};
use borsh::{BorshDeserialize, BorshSerialize};
use restake_primitives::math;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Ledger failures.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TokenError {
    /// No token at that address.
    #[error("unknown token {0}")]
    UnknownToken(Address),
    /// A token with that symbol exists already.
    #[error("token {0} is already registered")]
    TokenExists(String),
    /// Symbols are 1 to 16 ASCII letters or digits.
    #[error("invalid token symbol {0:?}")]
    InvalidSymbol(String),
    /// The account holds less than the amount.
    #[error("{account} holds {balance} of token {token}, needs {needed}")]
    InsufficientBalance {
        /// Token.
        token: Address,
        /// Holder.
        account: Address,
        /// What it holds.
        balance: U256,
        /// What was asked.
        needed: U256,
    },
    /// Only the token's minter may mint or burn.
    #[error("{caller} is not the minter of token {token}")]
    NotMinter {
        /// Token.
        token: Address,
        /// Who tried.
        caller: Address,
    },
    /// Zero amounts are refused.
    #[error("amount must be greater than zero")]
    ZeroAmount,
    /// Only the owner registers tokens.
    #[error("{0} is not the owner")]
    NotOwner(Address),
    /// The zero address cannot receive tokens.
    #[error("recipient is the zero address")]
    ZeroRecipient,
}

/// A registered token.
#[derive(Debug, Clone, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenInfo {
    /// Ticker, e.g. `stETH`.
    pub symbol: String,
    /// Decimals for display.
    pub decimals: u8,
    /// The only account that may mint and burn.
    pub minter: Address,
    /// Sum of all balances.
    #[serde(with = "restake_primitives::decimal::u256")]
    pub total_supply: U256,
}

const INFO: &[u8] = b"tok/info/";
const BALANCE: &[u8] = b"tok/bal/";

/// The address of the token with this symbol.
pub fn token_address(symbol: &str) -> Address {
    let mut pre = b"restake.token:".to_vec();
    pre.extend_from_slice(symbol.as_bytes());
    Address::from_word(keccak256(pre))
}

fn info_key(token: &Address) -> Vec<u8> {
    key(INFO, &[token.as_slice()])
}

fn balance_key(token: &Address, account: &Address) -> Vec<u8> {
    key(BALANCE, &[token.as_slice(), account.as_slice()])
}

/// Typed reads of the ledger.
pub trait TokensRead: StateRead {
    /// The token's record.
    fn token(&self, token: &Address) -> Result<Option<TokenInfo>, StateError>
    where
        Self: Sized,
    {
        self.get(&info_key(token))
    }

    /// `account`'s balance of `token`.
    fn balance_of(&self, token: &Address, account: &Address) -> Result<U256, StateError>
    where
        Self: Sized,
    {
        Ok(self.get(&balance_key(token, account))?.unwrap_or_default())
    }

    /// Every registered token, by address.
    fn tokens(&self) -> Result<Vec<(Address, TokenInfo)>, StateError>
    where
        Self: Sized,
    {
        self.scan_prefix(INFO)?
            .into_iter()
            .map(|(k, v)| {
                let addr = crate::state::address_at(&k, INFO.len());
                Ok((addr, crate::state::decode(&k, &v)?))
            })
            .collect()
    }
}
impl<T: StateRead + ?Sized> TokensRead for T {}

fn set_balance<W: StateWrite>(s: &mut W, token: &Address, account: &Address, v: U256) {
    let k = balance_key(token, account);
    if v.is_zero() {
        s.delete(&k)
    } else {
        s.put(k, &v)
    }
}

fn require_token<R: StateRead>(s: &R, token: &Address) -> Result<TokenInfo, Error> {
    s.token(token)?
        .ok_or_else(|| TokenError::UnknownToken(*token).into())
}

/// Registers a token (genesis or governance). Returns its address.
pub fn register(
    ex: &mut Exec<'_>,
    symbol: &str,
    decimals: u8,
    minter: Address,
) -> Result<Address, Error> {
    if symbol.is_empty() || symbol.len() > 16 || !symbol.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        return Err(TokenError::InvalidSymbol(symbol.into()).into());
    }
    let addr = token_address(symbol);
    if ex.state.token(&addr)?.is_some() {
        return Err(TokenError::TokenExists(symbol.into()).into());
    }
    let info = TokenInfo {
        symbol: symbol.into(),
        decimals,
        minter,
        total_supply: U256::ZERO,
    };
    ex.state.put(info_key(&addr), &info);
    ex.emit(Event::TokenRegistered {
        token: addr,
        symbol: symbol.into(),
        decimals,
        minter,
    });
    Ok(addr)
}

/// Moves `amount` of `token` from `from` to `to`. Zero amounts are a no-op here; actions that
/// must refuse them check before calling.
pub fn move_tokens(
    ex: &mut Exec<'_>,
    token: &Address,
    from: &Address,
    to: &Address,
    amount: U256,
) -> Result<(), Error> {
    require_token(&ex.state, token)?;
    if to.is_zero() {
        return Err(TokenError::ZeroRecipient.into());
    }
    if amount.is_zero() {
        return Ok(());
    }
    let fb = ex.state.balance_of(token, from)?;
    let nfb = fb
        .checked_sub(amount)
        .ok_or(TokenError::InsufficientBalance {
            token: *token,
            account: *from,
            balance: fb,
            needed: amount,
        })?;
    if from == to {
        // A transfer to oneself moves nothing, but only a holder of the amount may make it.
        ex.emit(Event::Transfer {
            token: *token,
            from: *from,
            to: *to,
            amount,
        });
        return Ok(());
    }
    let tb = math::add(ex.state.balance_of(token, to)?, amount)?;
    set_balance(&mut ex.state, token, from, nfb);
    set_balance(&mut ex.state, token, to, tb);
    ex.emit(Event::Transfer {
        token: *token,
        from: *from,
        to: *to,
        amount,
    });
    Ok(())
}

/// `transfer` action.
///
/// Rules:
/// 1. The token exists, the amount is not zero, the recipient is not the zero address.
/// 2. The sender holds at least `amount`.
/// 3. The balances move; `Transfer` is emitted.
pub fn transfer(
    ex: &mut Exec<'_>,
    sender: Address,
    token: Address,
    to: Address,
    amount: U256,
) -> Result<(), Error> {
    if amount.is_zero() {
        return Err(TokenError::ZeroAmount.into());
    }
    move_tokens(ex, &token, &sender, &to, amount)
}

/// Creates tokens (`mint` action, and genesis balances).
///
/// Rules:
/// 1. The token exists and the sender is its minter; the amount is not zero; the recipient is
///    not the zero address.
/// 2. Total supply and the recipient's balance grow without overflow.
pub fn mint(
    ex: &mut Exec<'_>,
    sender: Address,
    token: Address,
    to: Address,
    amount: U256,
) -> Result<(), Error> {
    let mut info = require_token(&ex.state, &token)?;
    if info.minter != sender {
        return Err(TokenError::NotMinter {
            token,
            caller: sender,
        }
        .into());
    }
    credit(ex, &mut info, token, to, amount)
}

/// Mints without the minter check (genesis only).
pub(crate) fn genesis_mint(
    ex: &mut Exec<'_>,
    token: Address,
    to: Address,
    amount: U256,
) -> Result<(), Error> {
    let mut info = require_token(&ex.state, &token)?;
    credit(ex, &mut info, token, to, amount)
}

fn credit(
    ex: &mut Exec<'_>,
    info: &mut TokenInfo,
    token: Address,
    to: Address,
    amount: U256,
) -> Result<(), Error> {
    if amount.is_zero() {
        return Err(TokenError::ZeroAmount.into());
    }
    if to.is_zero() {
        return Err(TokenError::ZeroRecipient.into());
    }
    info.total_supply = math::add(info.total_supply, amount)?;
    let bal = math::add(ex.state.balance_of(&token, &to)?, amount)?;
    set_balance(&mut ex.state, &token, &to, bal);
    ex.state.put(info_key(&token), info);
    ex.emit(Event::Transfer {
        token,
        from: Address::ZERO,
        to,
        amount,
    });
    Ok(())
}

/// `burn` action: the minter destroys tokens it holds (e.g. when they leave through the bridge).
///
/// Rules:
/// 1. The token exists and the sender is its minter; the amount is not zero.
/// 2. The sender holds at least `amount`; balance and total supply shrink by it.
pub fn burn(ex: &mut Exec<'_>, sender: Address, token: Address, amount: U256) -> Result<(), Error> {
    let info = require_token(&ex.state, &token)?;
    if info.minter != sender {
        return Err(TokenError::NotMinter {
            token,
            caller: sender,
        }
        .into());
    }
    destroy(ex, token, sender, amount)
}

/// Removes `amount` held by `holder` from circulation (used for burned slashes too).
pub(crate) fn destroy(
    ex: &mut Exec<'_>,
    token: Address,
    holder: Address,
    amount: U256,
) -> Result<(), Error> {
    let mut info = require_token(&ex.state, &token)?;
    if amount.is_zero() {
        return Err(TokenError::ZeroAmount.into());
    }
    let bal = ex.state.balance_of(&token, &holder)?;
    let nb = bal
        .checked_sub(amount)
        .ok_or(TokenError::InsufficientBalance {
            token,
            account: holder,
            balance: bal,
            needed: amount,
        })?;
    info.total_supply = math::sub(info.total_supply, amount)?;
    set_balance(&mut ex.state, &token, &holder, nb);
    ex.state.put(info_key(&token), &info);
    ex.emit(Event::Transfer {
        token,
        from: holder,
        to: Address::ZERO,
        amount,
    });
    Ok(())
}

/// `registerToken` action.
///
/// Rules:
/// 1. The sender is the owner.
/// 2. The symbol is 1–16 ASCII letters or digits and not taken; the token gets the derived address.
pub fn register_token(
    ex: &mut Exec<'_>,
    sender: Address,
    symbol: &str,
    decimals: u8,
    minter: Address,
) -> Result<Address, Error> {
    use crate::config::ConfigRead;
    if ex.state.roles()?.owner != sender {
        return Err(TokenError::NotOwner(sender).into());
    }
    register(ex, symbol, decimals, minter)
}
