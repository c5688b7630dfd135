//! The request and response types of every method, by namespace. Each serializes to exactly the
//! JSON that `docs/rpc.md` documents: amounts as decimal strings, addresses and hashes as `0x`
//! hex, `null` where a value is absent, and the keys of responses that were once assembled as
//! JSON objects in sorted order (their fields are declared in that order; see [`crate::sorted`]).
//!
//! Responses that are the core's own views ([`StakerView`], [`OperatorView`], [`PodView`],
//! [`VaultView`], [`Receipt`], [`Submission`], [`PodBalance`], [`Header`]) are re-exported from
//! `restake-core` unchanged.

mod chain;
mod history;
mod index;
mod native;
mod restaking;
mod rewards;
mod risk;
mod subscriptions;
mod tables;
mod tasks;
mod transactions;
mod vault;

pub use chain::{BlockId, BlockResponse, NodeInfo, ProofResponse, ValidatorsResponse};
pub use history::{
    DelegatedShares, RatePoint, SeriesRange, SlashItem, SlashQuery, SlashedStrategy, SlashesPage,
    TotalsResponse, TvlHistory, TvlPoint, VaultRateHistory, WithdrawalItem, WithdrawalQuery,
    WithdrawalStatus, WithdrawalStrategy, WithdrawalsPage,
};
pub use index::{
    AvsListItem, AvsPage, Commission, DelegatedStaker, EventQuery, EventsPage, IndexedEventItem,
    OperatorListItem, OperatorSetListItem, OperatorSetsPage, OperatorsPage, PageRequest,
    ProposedBlock, ProposedBlocksPage, StakersPage, TransactionRef, TransactionsPage,
};
pub use native::{BeaconOracleResponse, LatestBeaconRoot};
pub use restake_core::block::Certificate;
pub use restake_core::tasks::{Task, TaskStatus};
pub use restaking::{
    AllocationResponse, OperatorSetResponse, SlasherChange, StrategySummary, TokenSummary,
};
pub use rewards::{ClaimableReward, RewardsResponse};
pub use risk::{
    AvsRisk, CascadeRound, CascadeRun, LeavingStake, OperatorRisk, RiskGraph, RiskNode, RiskReport,
    RiskService, ShockLoss,
};
pub use subscriptions::{EventItem, RiskReportError, RiskReportItem};
pub use tables::{OperatorTableEntry, OperatorTableQuery, OperatorTableResponse, TableStateProof};
pub use tasks::{TaskQuery, TasksPage};
pub use transactions::{PrepareRequest, PrepareResponse, SimulateRequest, SimulateResponse};
pub use vault::VaultSummary;

pub use restake_core::beacon_oracle::PodBalance;
pub use restake_core::block::{Header, Receipt};
pub use restake_core::rewards::Submission;
pub use restake_core::tx::Transaction;
pub use restake_core::views::{OperatorView, PodView, StakerView, VaultView};
pub use restake_risk::Report as RiskAnalysis;

#[cfg(test)]
pub(crate) mod testing {
    #![allow(clippy::unwrap_used)]
    use serde::Serialize;
    use serde::de::DeserializeOwned;

    /// `v` goes out with every object's keys sorted (as the JSON the node once assembled) and
    /// reads back as itself.
    pub fn assert_wire<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(v: &T) {
        let typed = serde_json::to_string(v).unwrap();
        let sorted = serde_json::to_string(&serde_json::to_value(v).unwrap()).unwrap();
        assert_eq!(typed, sorted, "keys out of order");
        let back: T = serde_json::from_str(&typed).unwrap();
        assert_eq!(&back, v);
    }
}
