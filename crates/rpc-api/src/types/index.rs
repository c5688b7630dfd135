//! Lists read from the node's index of history (outside consensus): pages with a cursor. Keys
//! are declared in sorted order, like every response.

use alloy_primitives::{Address, B256};
use restake_core::event::Event;
use restake_core::views::OperatorView;
use serde::{Deserialize, Serialize};

/// Which page of a list: `cursor` is the `next` of the page before (absent for the first page);
/// `limit` the most items (1 to 100, default 50).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PageRequest {
    /// Where the page starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// Most items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// Which events `restake_getEvents` lists.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EventQuery {
    /// First block, inclusive.
    pub from_block: u64,
    /// Last block, inclusive (default: the head).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_block: Option<u64>,
    /// Only events naming this address (in any field).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
    /// Only events of this type (`"Transfer"`, `"OperatorSlashed"`, ...).
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// One event with where it happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IndexedEventItem {
    /// The block.
    pub block_number: u64,
    /// The event.
    #[serde(serialize_with = "crate::sorted::serialize")]
    pub event: Event,
    /// The event's index in the transaction's receipt.
    pub event_index: u32,
    /// The transaction that emitted it.
    pub transaction_hash: B256,
    /// The transaction's index in the block.
    pub transaction_index: u32,
}

/// A page of `restake_getEvents`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventsPage {
    /// Oldest first.
    pub items: Vec<IndexedEventItem>,
    /// The cursor of the next page; `null` at the end.
    pub next: Option<String>,
}

/// A transaction by its place in the chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransactionRef {
    /// The block.
    pub block_number: u64,
    /// Transaction id.
    pub transaction_hash: B256,
    /// Its index in the block.
    pub transaction_index: u32,
}

/// A page of `restake_getTransactionsByAddress`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransactionsPage {
    /// Newest first.
    pub items: Vec<TransactionRef>,
    /// The cursor of the next page; `null` at the end.
    pub next: Option<String>,
}

/// An operator's commission on one AVS's rewards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Commission {
    /// The AVS.
    pub avs: Address,
    /// The share of the rewards the operator keeps, in bips (10,000 = 100%), for the epoch in
    /// progress.
    pub split_bips: u16,
}

/// An operator in `restake_getOperators`: its view now, when it registered, and how many stakers
/// are delegated to it (itself included: an operator is delegated to itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OperatorListItem {
    /// Its commission for each AVS it has allocated to (the default where it set none).
    pub commissions: Vec<Commission>,
    /// What `restake_getOperator` returns for it.
    pub operator: OperatorView,
    /// The height it registered at.
    pub registered_at: u64,
    /// How many times it was slashed (`restake_getSlashes` lists them).
    pub slashes: u64,
    /// Stakers delegated to it now.
    pub stakers: u64,
}

/// A page of `restake_getOperators`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OperatorsPage {
    /// In address order.
    pub items: Vec<OperatorListItem>,
    /// The cursor of the next page; `null` at the end.
    pub next: Option<String>,
}

/// A staker delegated to an operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DelegatedStaker {
    /// The height it delegated at.
    pub delegated_at: u64,
    /// The staker.
    pub staker: Address,
}

/// A page of `restake_getOperatorStakers`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StakersPage {
    /// In address order.
    pub items: Vec<DelegatedStaker>,
    /// The cursor of the next page; `null` at the end.
    pub next: Option<String>,
}

/// An AVS in `restake_getAvsList`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AvsListItem {
    /// The AVS.
    pub avs: Address,
    /// The height it was first seen at (its first metadata update or operator set).
    pub first_seen_at: u64,
    /// The newest metadata URI it set (`null` if none).
    pub metadata_uri: Option<String>,
    /// Operator sets it has created.
    pub operator_sets: u64,
}

/// A page of `restake_getAvsList`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AvsPage {
    /// In address order.
    pub items: Vec<AvsListItem>,
    /// The cursor of the next page; `null` at the end.
    pub next: Option<String>,
}

/// An operator set in `restake_getOperatorSets` (its details: `restake_getOperatorSet`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OperatorSetListItem {
    /// The height it was created at.
    pub created_at: u64,
    /// Its id.
    pub id: u32,
}

/// A page of `restake_getOperatorSets`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OperatorSetsPage {
    /// By id.
    pub items: Vec<OperatorSetListItem>,
    /// The cursor of the next page; `null` at the end.
    pub next: Option<String>,
}

/// A block a validator proposed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProposedBlock {
    /// The block.
    pub block_number: u64,
    /// Its transactions.
    pub transactions: u64,
}

/// A page of `restake_getBlocksByProposer`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProposedBlocksPage {
    /// Newest first.
    pub items: Vec<ProposedBlock>,
    /// The cursor of the next page; `null` at the end.
    pub next: Option<String>,
}
