//! Applying one transaction: check its nonce and its sender's quota, move both on, and run its
//! action all or nothing; a failed action leaves only the sender's nonce and quota usage changed
//! and yields a `failed` receipt.

use super::execute::InvalidBlock;
use super::receipt::{Receipt, ReceiptError, Status};
use crate::accounts::{self, AccountsRead};
use crate::app;
use crate::config::Params;
use crate::context::BlockContext;
use crate::error::Error;
use crate::quota::{self, ChargeError, QuotaExceeded};
use crate::state::{StateError, StateWrite};
use crate::tx::Transaction;
use alloy_primitives::{Address, B256};
use thiserror::Error;

/// Why a block (or a transaction in it) is invalid.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BlockError {
    /// The transaction's nonce is not the sender's next nonce.
    #[error("nonce {got} for {from}, expected {expected}")]
    WrongNonce {
        /// Sender.
        from: Address,
        /// Nonce carried.
        got: u64,
        /// Nonce expected.
        expected: u64,
    },
    /// The sender's nonce cannot move any more.
    #[error("nonce of {0} is exhausted")]
    NonceExhausted(Address),
    /// The transaction does not fit its sender's quota in this window.
    #[error(transparent)]
    QuotaExceeded(#[from] QuotaExceeded),
    /// Height beyond the protocol's 32-bit block numbers.
    #[error("height {0} exceeds the protocol's block-number range")]
    HeightOutOfRange(u64),
    /// State could not be read.
    #[error(transparent)]
    State(#[from] StateError),
    /// The block breaks a block rule.
    #[error("invalid block: {0}")]
    Invalid(#[from] InvalidBlock),
    /// Begin-block work failed: no block can be built on this state.
    #[error("begin-block work failed: {0}")]
    BeginBlock(Error),
}

/// What a transaction costs its sender's quota: its units, and the sender's allowance in this
/// block (computed once per sender per block, at its first transaction).
#[derive(Debug, Clone, Copy)]
pub struct Charge<'a> {
    /// The chain's parameters (the quota window).
    pub params: &'a Params,
    /// [`quota::units`] of the transaction's encoding.
    pub units: u64,
    /// [`quota::allowance`] of the sender.
    pub allowance: u64,
}

/// Applies one transaction whose signature was already checked.
///
/// Rules:
/// 1. `tx.nonce` equals the sender's nonce; otherwise the transaction is invalid here and nothing
///    changes (it must not be in the block).
/// 2. The transaction's units fit what its sender has left of its quota in this window
///    ([`quota::charge`]); otherwise it is invalid here and nothing changes.
/// 3. The nonce moves on by one and the units are used, whatever the action does.
/// 4. The action runs all or nothing; its outcome becomes the receipt.
pub fn apply_transaction<S: StateWrite>(
    state: &mut S,
    ctx: &BlockContext,
    tx: &Transaction,
    tx_hash: B256,
    index: u32,
    height: u64,
    charge: Charge<'_>,
) -> Result<Receipt, BlockError> {
    let expected = state.nonce(&tx.from)?;
    if tx.nonce != expected {
        return Err(BlockError::WrongNonce {
            from: tx.from,
            got: tx.nonce,
            expected,
        });
    }
    quota::charge(
        state,
        charge.params,
        &tx.from,
        height,
        charge.units,
        charge.allowance,
    )
    .map_err(|e| match e {
        ChargeError::Exceeded(q) => BlockError::QuotaExceeded(q),
        ChargeError::State(s) => BlockError::State(s),
    })?;
    accounts::bump_nonce(state, &tx.from).map_err(|e| match e {
        accounts::BumpError::State(s) => BlockError::State(s),
        accounts::BumpError::Math(_) => BlockError::NonceExhausted(tx.from),
    })?;
    let (status, events, error) = match app::execute(state, ctx, tx.from, &tx.action) {
        Ok(events) => (Status::Success, events, None),
        Err(e) => (Status::Failed, Vec::new(), Some(ReceiptError::from(&e))),
    };
    Ok(Receipt {
        transaction_hash: tx_hash,
        block_number: height,
        index,
        from: tx.from,
        status,
        events,
        error,
    })
}
