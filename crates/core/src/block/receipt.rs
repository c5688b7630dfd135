//! Receipts: what happened to each transaction, and what of it the receipts root commits to.

use super::encoding;
use crate::error::Error;
use crate::event::Event;
use alloy_primitives::{Address, B256, keccak256};
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

/// Outcome of a transaction.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub enum Status {
    /// The action ran and its effects are in the state.
    Success,
    /// The action failed; only the sender's nonce changed.
    Failed,
}

/// Why an action failed, as receipts and the RPC report it.
#[derive(Debug, Clone, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReceiptError {
    /// Stable numeric code (see `Error::code`).
    pub code: i64,
    /// Stable error name, e.g. `InsufficientMagnitude`.
    pub name: String,
    /// Readable explanation. Not committed to: rewording it changes no root.
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
#[derive(Debug, Clone, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
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

/// The part of a receipt validators agree on: everything but the error's wording.
#[derive(BorshSerialize)]
struct Committed<'a> {
    transaction_hash: &'a B256,
    block_number: u64,
    index: u32,
    from: &'a Address,
    status: Status,
    events: &'a [Event],
    error: Option<(i64, &'a str)>,
}

impl Receipt {
    /// `keccak256` of the receipt's canonical encoding: transaction id, block number, index,
    /// sender, status, events and the error's stable code and name — not its message.
    pub fn hash(&self) -> B256 {
        keccak256(encoding::to_bytes(&Committed {
            transaction_hash: &self.transaction_hash,
            block_number: self.block_number,
            index: self.index,
            from: &self.from,
            status: self.status,
            events: &self.events,
            error: self.error.as_ref().map(|e| (e.code, e.name.as_str())),
        }))
    }
}
