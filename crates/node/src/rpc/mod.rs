//! The JSON-RPC and WebSocket API (one port): the node's side of `restake-rpc-api`, which holds
//! the method trait, the request and response types and the error codes (re-exported here as
//! [`codes`]). This module answers them: the handlers, one submodule per namespace, and how the
//! node's failures become error objects ([`error`]).
//!
//! Methods follow Ethereum's `namespace_method` habit under `restake_`; amounts are decimal
//! strings, addresses and hashes `0x` hex, actions `{"type": "<actionName>", ...}`. Errors carry
//! stable codes (see `docs/rpc.md`).

mod chain;
mod error;
mod history;
mod index;
mod native;
pub mod params;
mod restaking;
mod rewards;
mod risk;
mod subscriptions;
mod tables;
mod transactions;
mod vault;

use crate::node::NodeHandle;
use alloy_primitives::{Address, B256, Bytes};
use jsonrpsee::PendingSubscriptionSink;
use jsonrpsee::core::{RpcResult, SubscriptionResult, async_trait};
use restake_rpc_api::types::{
    AllocationResponse, AvsPage, BeaconOracleResponse, BlockResponse, Certificate, EventQuery,
    EventsPage, NodeInfo, OperatorSetResponse, OperatorSetsPage, OperatorTableQuery,
    OperatorTableResponse, OperatorView, OperatorsPage, PageRequest, PodBalance, PodView,
    ProofResponse, ProposedBlocksPage, Receipt, RewardsResponse, RiskReport, SeriesRange,
    SimulateResponse, SlashQuery, SlashesPage, StakerView, StakersPage, StrategySummary,
    Submission, Task, TaskQuery, TasksPage, TokenSummary, TotalsResponse, Transaction,
    TransactionsPage, TvlHistory, ValidatorsResponse, VaultRateHistory, VaultSummary, VaultView,
    WithdrawalQuery, WithdrawalsPage,
};
use std::collections::BTreeMap;

pub use restake_rpc_api::RestakeApiServer;
pub use restake_rpc_api::codes;
pub use restake_rpc_api::types::{BlockId, PrepareRequest, PrepareResponse, SimulateRequest};
pub use subscriptions::SubscriptionError;

/// The API over a node.
pub struct Api {
    node: NodeHandle,
    hub: std::sync::Arc<subscriptions::Hub>,
}

impl Api {
    /// Serves `node`, with its subscription caps (`NodeConfig::subscriptions`).
    pub fn new(node: NodeHandle) -> Self {
        let hub = subscriptions::Hub::new(node.config().subscriptions, node.metrics().clone());
        Self { node, hub }
    }

    /// Height of the last committed block.
    fn height(&self) -> u64 {
        self.node.head().height
    }

    /// The last committed block's height as the core's block number (saturating).
    fn now(&self) -> u32 {
        u32::try_from(self.height()).unwrap_or(u32::MAX)
    }

    /// The last committed state.
    fn view(&self) -> RpcResult<restake_store::StateView> {
        self.node.store().state().map_err(error::internal)
    }
}

#[async_trait]
impl RestakeApiServer for Api {
    fn chain_id(&self) -> RpcResult<u64> {
        Ok(chain::chain_id(self))
    }

    fn block_number(&self) -> RpcResult<u64> {
        Ok(self.height())
    }

    fn get_block(&self, block: BlockId) -> RpcResult<Option<BlockResponse>> {
        chain::block(self, block)
    }

    fn get_validators(&self, block: Option<BlockId>) -> RpcResult<Option<ValidatorsResponse>> {
        chain::validators(self, block)
    }

    fn get_events(&self, query: EventQuery, page: Option<PageRequest>) -> RpcResult<EventsPage> {
        index::events(self, query, page)
    }

    fn get_transactions_by_address(
        &self,
        address: Address,
        page: Option<PageRequest>,
    ) -> RpcResult<TransactionsPage> {
        index::transactions_by_address(self, address, page)
    }

    fn get_operators(&self, page: Option<PageRequest>) -> RpcResult<OperatorsPage> {
        index::operators(self, page)
    }

    fn get_operator_stakers(
        &self,
        operator: Address,
        page: Option<PageRequest>,
    ) -> RpcResult<StakersPage> {
        index::operator_stakers(self, operator, page)
    }

    fn get_blocks_by_proposer(
        &self,
        proposer: Address,
        page: Option<PageRequest>,
    ) -> RpcResult<ProposedBlocksPage> {
        index::blocks_by_proposer(self, proposer, page)
    }

    fn get_avs_list(&self, page: Option<PageRequest>) -> RpcResult<AvsPage> {
        index::avs_list(self, page)
    }

    fn get_operator_sets(
        &self,
        avs: Address,
        page: Option<PageRequest>,
    ) -> RpcResult<OperatorSetsPage> {
        index::operator_sets(self, avs, page)
    }

    fn get_totals(&self) -> RpcResult<TotalsResponse> {
        history::totals(self)
    }

    fn get_slashes(
        &self,
        query: Option<SlashQuery>,
        page: Option<PageRequest>,
    ) -> RpcResult<SlashesPage> {
        history::slashes(self, query.unwrap_or_default(), page)
    }

    fn get_withdrawals(
        &self,
        query: Option<WithdrawalQuery>,
        page: Option<PageRequest>,
    ) -> RpcResult<WithdrawalsPage> {
        history::withdrawals(self, query.unwrap_or_default(), page)
    }

    fn get_tvl_history(
        &self,
        strategy: Address,
        range: Option<SeriesRange>,
    ) -> RpcResult<TvlHistory> {
        history::tvl(self, strategy, range.unwrap_or_default())
    }

    fn get_vault_rate_history(
        &self,
        vault: Address,
        range: Option<SeriesRange>,
    ) -> RpcResult<VaultRateHistory> {
        history::vault_rate(self, vault, range.unwrap_or_default())
    }

    fn get_certificate(&self, block: BlockId) -> RpcResult<Option<Certificate>> {
        chain::certificate(self, block)
    }

    fn node_info(&self) -> RpcResult<NodeInfo> {
        Ok(chain::node_info(self))
    }

    fn get_nonce(&self, address: Address) -> RpcResult<u64> {
        transactions::nonce(self, address)
    }

    fn prepare_transaction(&self, request: PrepareRequest) -> RpcResult<PrepareResponse> {
        transactions::prepare(self, request)
    }

    fn send_transaction(&self, tx: Transaction) -> RpcResult<B256> {
        transactions::send(self, tx)
    }

    fn gossip_transactions(&self, txs: Vec<Bytes>) -> RpcResult<u64> {
        transactions::gossiped(self, txs)
    }

    fn get_transaction_receipt(&self, hash: B256) -> RpcResult<Option<Receipt>> {
        transactions::receipt(self, hash)
    }

    fn simulate_transaction(&self, request: SimulateRequest) -> RpcResult<SimulateResponse> {
        transactions::simulate(self, request)
    }

    fn get_tokens(&self) -> RpcResult<Vec<TokenSummary>> {
        restaking::tokens(self)
    }

    fn get_token_balance(&self, token: Address, account: Address) -> RpcResult<String> {
        restaking::token_balance(self, token, account)
    }

    fn get_strategies(&self) -> RpcResult<Vec<StrategySummary>> {
        restaking::strategies(self)
    }

    fn get_staker(&self, address: Address) -> RpcResult<StakerView> {
        restaking::staker(self, address)
    }

    fn get_operator(&self, address: Address) -> RpcResult<Option<OperatorView>> {
        restaking::operator(self, address)
    }

    fn get_operator_set(
        &self,
        avs: Address,
        operator_set_id: u32,
    ) -> RpcResult<Option<OperatorSetResponse>> {
        restaking::operator_set(self, avs, operator_set_id)
    }

    fn get_allocation(
        &self,
        operator: Address,
        avs: Address,
        operator_set_id: u32,
        strategy: Address,
    ) -> RpcResult<AllocationResponse> {
        restaking::allocation(self, operator, avs, operator_set_id, strategy)
    }

    fn get_pod(&self, address: Address) -> RpcResult<Option<PodView>> {
        native::pod(self, address)
    }

    fn get_beacon_oracle(&self) -> RpcResult<BeaconOracleResponse> {
        native::beacon_oracle(self)
    }

    fn get_beacon_root(&self, timestamp: u64) -> RpcResult<Option<B256>> {
        native::beacon_root(self, timestamp)
    }

    fn get_pod_balance(&self, pod: Address, timestamp: u64) -> RpcResult<Option<PodBalance>> {
        native::pod_balance(self, pod, timestamp)
    }

    fn get_rewards(&self, earner: Address) -> RpcResult<RewardsResponse> {
        rewards::rewards(self, earner)
    }

    fn get_rewards_submissions(&self, avs: Option<Address>) -> RpcResult<Vec<Submission>> {
        rewards::submissions(self, avs)
    }

    fn get_vault(&self, vault: Address, account: Option<Address>) -> RpcResult<Option<VaultView>> {
        vault::vault(self, vault, account)
    }

    fn get_vaults(&self) -> RpcResult<Vec<VaultSummary>> {
        vault::vaults(self)
    }

    fn get_risk_report(
        &self,
        psi: Option<String>,
        prices: Option<BTreeMap<String, String>>,
    ) -> RpcResult<RiskReport> {
        risk::report(self, psi, prices)
    }

    fn get_task(&self, task_id: u64) -> RpcResult<Option<Task>> {
        tables::task(self, task_id)
    }

    fn get_tasks(
        &self,
        query: Option<TaskQuery>,
        page: Option<PageRequest>,
    ) -> RpcResult<TasksPage> {
        tables::tasks(self, query, page)
    }

    fn get_operator_table(&self, query: OperatorTableQuery) -> RpcResult<OperatorTableResponse> {
        tables::operator_table(self, query)
    }

    fn get_proof(&self, key: Bytes, height: Option<u64>) -> RpcResult<ProofResponse> {
        chain::proof(self, key, height)
    }

    async fn subscribe_new_heads(&self, pending: PendingSubscriptionSink) -> SubscriptionResult {
        subscriptions::new_heads(self, pending).await
    }

    async fn subscribe_events(&self, pending: PendingSubscriptionSink) -> SubscriptionResult {
        subscriptions::events(self, pending).await
    }

    async fn subscribe_risk_report(
        &self,
        pending: PendingSubscriptionSink,
        psi: Option<String>,
        prices: Option<BTreeMap<String, String>>,
    ) -> SubscriptionResult {
        subscriptions::risk_report(self, pending, psi, prices).await
    }
}
