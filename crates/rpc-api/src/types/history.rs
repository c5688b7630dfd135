//! Histories from the node's index: slashes, the withdrawal queue, and series over height (a
//! strategy's TVL, a vault's rate). Keys are declared in sorted order, like every response.

use alloy_primitives::{Address, B256, U256};
use restake_primitives::OperatorSet;
use restake_primitives::decimal::{opt_u256, u256 as dec};
use serde::{Deserialize, Serialize};

/// Which slashes `restake_getSlashes` lists (all of them when empty).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SlashQuery {
    /// Only slashes of this operator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<Address>,
    /// Only slashes by this AVS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avs: Option<Address>,
    /// Only slashes by this set of `avs` (needs `avs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator_set_id: Option<u32>,
    /// Only slashes that reached this staker: of the operator it was delegated to when slashed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staker: Option<Address>,
}

/// What a slash took in one strategy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SlashedStrategy {
    /// All the shares it set aside to burn or redistribute: the operator's and those taken
    /// from withdrawals still in their slashable window; `null` when none.
    #[serde(with = "opt_u256")]
    pub burn_or_redistributable_shares: Option<U256>,
    /// The operator's delegated shares it took (`null` when none).
    #[serde(with = "opt_u256")]
    pub shares_slashed: Option<U256>,
    /// Strategy.
    pub strategy: Address,
    /// Fraction of the operator's stake slashed (WAD = 100%).
    #[serde(with = "dec")]
    pub wad_slashed: U256,
}

/// One slash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SlashItem {
    /// The block.
    pub block_number: u64,
    /// The slasher's description.
    pub description: String,
    /// The operator slashed.
    pub operator: Address,
    /// The set that slashed.
    pub operator_set: OperatorSet,
    /// The set's slash counter.
    pub slash_id: u64,
    /// Per strategy.
    pub strategies: Vec<SlashedStrategy>,
    /// The slashing transaction.
    pub transaction_hash: B256,
}

/// A page of `restake_getSlashes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SlashesPage {
    /// Newest first.
    pub items: Vec<SlashItem>,
    /// The cursor of the next page; `null` at the end.
    pub next: Option<String>,
}

/// A withdrawal's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum WithdrawalStatus {
    /// Not completed yet.
    Queued,
    /// Completed.
    Completed,
}

/// Which withdrawals `restake_getWithdrawals` lists (all of them when empty).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WithdrawalQuery {
    /// Only this staker's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staker: Option<Address>,
    /// Only those in this state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<WithdrawalStatus>,
}

/// A withdrawal's amounts in one strategy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WithdrawalStrategy {
    /// Shares completing it would pay now, after the slashes since it was queued (final once
    /// the slashable window has passed); `null` once completed.
    #[serde(with = "opt_u256")]
    pub payout: Option<U256>,
    /// Scaled shares, as stored.
    #[serde(with = "dec")]
    pub scaled_shares: U256,
    /// Withdrawable shares when it was queued.
    #[serde(with = "dec")]
    pub shares_at_queue: U256,
    /// Strategy.
    pub strategy: Address,
}

/// One withdrawal of the queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WithdrawalItem {
    /// First block at which it can be completed.
    pub completable_at: u64,
    /// The block it was completed in (`null` while queued).
    pub completed_at: Option<u64>,
    /// The staker's operator when queued (zero if none).
    pub delegated_to: Address,
    /// The staker's withdrawal counter at queue time.
    #[serde(with = "dec")]
    pub nonce: U256,
    /// Who queued it.
    pub staker: Address,
    /// The block it was queued in.
    pub start_block: u64,
    /// Queued or completed.
    pub status: WithdrawalStatus,
    /// Per strategy.
    pub strategies: Vec<WithdrawalStrategy>,
    /// The queueing transaction.
    pub transaction_hash: B256,
    /// Its root.
    pub withdrawal_root: B256,
    /// Who may complete it.
    pub withdrawer: Address,
}

/// A page of `restake_getWithdrawals`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WithdrawalsPage {
    /// Newest first.
    pub items: Vec<WithdrawalItem>,
    /// The cursor of the next page; `null` at the end.
    pub next: Option<String>,
}

/// Which heights a series answer covers: `points` heights (1 to 1000, default 200) spread
/// evenly from `fromBlock` (default 0) to `toBlock` (default the head).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeriesRange {
    /// First height.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_block: Option<u64>,
    /// Last height.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_block: Option<u64>,
    /// Most points.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub points: Option<u32>,
}

/// A strategy's TVL at the end of a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TvlPoint {
    /// The block.
    pub block_number: u64,
    /// The token amount the strategy holds.
    #[serde(with = "dec")]
    pub tvl: U256,
}

/// `restake_getTvlHistory`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TvlHistory {
    /// Oldest first.
    pub points: Vec<TvlPoint>,
}

/// A vault's rate at the end of a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RatePoint {
    /// The block.
    pub block_number: u64,
    /// Value per share (WAD).
    #[serde(with = "dec")]
    pub rate: U256,
}

/// `restake_getVaultRateHistory`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VaultRateHistory {
    /// Oldest first.
    pub points: Vec<RatePoint>,
}

/// Shares delegated to operators in one strategy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DelegatedShares {
    /// The shares.
    #[serde(with = "dec")]
    pub shares: U256,
    /// Strategy.
    pub strategy: Address,
}

/// `restake_getTotals`: counts and sums over the whole chain, from the node's index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TotalsResponse {
    /// AVSs.
    pub avss: u64,
    /// Shares delegated to operators, per strategy (in address order).
    pub delegated_shares: Vec<DelegatedShares>,
    /// Stakers delegated to an operator now (operators included).
    pub delegated_stakers: u64,
    /// The last block the index holds.
    pub index_height: u64,
    /// Operator sets.
    pub operator_sets: u64,
    /// Registered operators.
    pub operators: u64,
    /// Slashes.
    pub slashes: u64,
    /// Addresses that have deposited into a strategy.
    pub stakers: u64,
    /// Withdrawals queued and not completed.
    pub withdrawals_pending: u64,
    /// Withdrawals ever queued.
    pub withdrawals_queued: u64,
}
