//! Accounts: per-sender transaction nonces. A transaction must carry its sender's current nonce;
//! executing it (successfully or not) moves the nonce on by one, which is what stops replays.

use crate::state::{StateError, StateRead, StateWrite, key};
use alloy_primitives::Address;
use restake_primitives::math::{self, MathError};

const NONCE: &[u8] = b"acct/nonce/";

/// Typed reads of accounts.
pub trait AccountsRead: StateRead {
    /// The nonce the account's next transaction must carry.
    fn nonce(&self, account: &Address) -> Result<u64, StateError>
    where
        Self: Sized,
    {
        Ok(self.get(&key(NONCE, &[account.as_slice()]))?.unwrap_or(0))
    }
}
impl<T: StateRead + ?Sized> AccountsRead for T {}

/// Moves the account's nonce on by one.
pub fn bump_nonce<S: StateWrite>(state: &mut S, account: &Address) -> Result<u64, BumpError> {
    let n = state.nonce(account)?;
    let next = math::inc_u64(n)?;
    state.put(key(NONCE, &[account.as_slice()]), &next);
    Ok(next)
}

/// Why a nonce could not move.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BumpError {
    /// State read failed.
    #[error(transparent)]
    State(#[from] StateError),
    /// The nonce is at its maximum.
    #[error(transparent)]
    Math(#[from] MathError),
}
