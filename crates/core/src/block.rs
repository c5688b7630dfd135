//! Blocks and receipts, and how a block's transactions are applied.
//!
//! A block header commits to its parent, its transactions, its receipts and the state root after
//! it. Applying a transaction checks its nonce, moves the nonce on, and runs its action all or
//! nothing: a failed action leaves only the nonce changed and yields a `failed` receipt.

use crate::accounts::{self, AccountsRead};
use crate::app;
use crate::context::BlockContext;
use crate::error::Error;
use crate::event::Event;
use crate::state::{StateError, StateWrite};
use crate::tx::Transaction;
use alloy_primitives::{Address, B256, keccak256};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// A block header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Header {
    /// Chain id.
    pub chain_id: u64,
    /// Height (genesis is 0).
    pub height: u64,
    /// Seconds since the Unix epoch, as proposed.
    pub timestamp: u64,
    /// Hash of the previous header (zero for genesis).
    pub parent_hash: B256,
    /// Who proposed the block.
    pub proposer: Address,
    /// `keccak256` of the concatenated transaction hashes.
    pub transactions_root: B256,
    /// `keccak256` of the concatenated receipt hashes.
    pub receipts_root: B256,
    /// Root of the state after this block.
    pub state_root: B256,
}

impl Header {
    /// The block hash: `keccak256` of the header's canonical JSON.
    pub fn hash(&self) -> B256 {
        keccak256(serde_json::to_vec(self).unwrap_or_default())
    }

    /// The execution context of this block.
    pub fn context(&self) -> Result<BlockContext, BlockError> {
        Ok(BlockContext {
            number: u32::try_from(self.height)
                .map_err(|_| BlockError::HeightOutOfRange(self.height))?,
            timestamp: self.timestamp,
            chain_id: self.chain_id,
        })
    }
}

/// A block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Block {
    /// Header.
    pub header: Header,
    /// Transactions in execution order.
    pub transactions: Vec<Transaction>,
}

/// Outcome of a transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Status {
    /// The action ran and its effects are in the state.
    Success,
    /// The action failed; only the sender's nonce changed.
    Failed,
}

/// Why an action failed, as receipts and the RPC report it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReceiptError {
    /// Stable numeric code (see `Error::code`).
    pub code: i64,
    /// Stable error name, e.g. `InsufficientMagnitude`.
    pub name: String,
    /// Readable explanation.
    pub message: String,
}

impl From<&Error> for ReceiptError {
    fn from(e: &Error) -> Self {
        Self {
            code: e.code(),
            name: e.name(),
            message: e.to_string(),
        }
    }
}

/// What happened to one transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Receipt {
    /// Transaction id.
    pub transaction_hash: B256,
    /// Block it is in.
    pub block_number: u64,
    /// Position in the block.
    pub index: u32,
    /// Sender.
    pub from: Address,
    /// Outcome.
    pub status: Status,
    /// Events (empty when failed).
    pub events: Vec<Event>,
    /// Why it failed (`null` on success).
    pub error: Option<ReceiptError>,
}

impl Receipt {
    /// `keccak256` of the receipt's canonical JSON.
    pub fn hash(&self) -> B256 {
        keccak256(serde_json::to_vec(self).unwrap_or_default())
    }
}

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
    /// Height beyond the protocol's 32-bit block numbers.
    #[error("height {0} exceeds the protocol's block-number range")]
    HeightOutOfRange(u64),
    /// State could not be read.
    #[error(transparent)]
    State(#[from] StateError),
}

/// Applies one transaction whose signature was already checked.
///
/// Rules:
/// 1. `tx.nonce` equals the sender's nonce; otherwise the transaction is invalid here and nothing
///    changes (it must not be in the block).
/// 2. The nonce moves on by one whatever the action does.
/// 3. The action runs all or nothing; its outcome becomes the receipt.
pub fn apply_transaction<S: StateWrite>(
    state: &mut S,
    ctx: &BlockContext,
    tx: &Transaction,
    tx_hash: B256,
    index: u32,
    height: u64,
) -> Result<Receipt, BlockError> {
    let expected = state.nonce(&tx.from)?;
    if tx.nonce != expected {
        return Err(BlockError::WrongNonce {
            from: tx.from,
            got: tx.nonce,
            expected,
        });
    }
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

/// `keccak256` of the concatenation of 32-byte hashes (the empty list gives `keccak256("")`).
pub fn hash_list(hashes: impl IntoIterator<Item = B256>) -> B256 {
    let mut buf = Vec::new();
    for h in hashes {
        buf.extend_from_slice(h.as_slice());
    }
    keccak256(buf)
}
