//! The method trait. jsonrpsee generates `RestakeApiServer` from it (feature `server`), which the
//! node implements, and `RestakeApiClient` (feature `client`), implemented for every jsonrpsee
//! client: each method below becomes a typed call of `restake_<name>`.

use crate::types::{
    AllocationResponse, AvsPage, BeaconOracleResponse, BlockId, BlockResponse, Certificate,
    EventQuery, EventsPage, NodeInfo, OperatorSetResponse, OperatorSetsPage, OperatorTableQuery,
    OperatorTableResponse, OperatorView, OperatorsPage, PageRequest, PodBalance, PodView,
    PrepareRequest, PrepareResponse, ProofResponse, ProposedBlocksPage, Receipt, RewardsResponse,
    RiskReport, SeriesRange, SimulateRequest, SimulateResponse, SlashQuery, SlashesPage,
    StakerView, StakersPage, StrategySummary, Submission, Task, TaskQuery, TasksPage, TokenSummary,
    TotalsResponse, Transaction, TransactionsPage, TvlHistory, ValidatorsResponse,
    VaultRateHistory, VaultSummary, VaultView, WithdrawalQuery, WithdrawalsPage,
};
// Subscription items are typed on the client side only; the server sends what it serializes.
#[cfg(feature = "client")]
use crate::types::{EventItem, Header, RiskReportItem};
use alloy_primitives::{Address, B256, Bytes};
// The client side rewrites `RpcResult<T>` into its own result type.
#[cfg(feature = "server")]
use jsonrpsee::core::RpcResult;
use jsonrpsee::proc_macros::rpc;
use std::collections::BTreeMap;

/// The Restake API (`docs/rpc.md`): methods are `restake_<name>`, parameters positional.
#[cfg_attr(
    all(feature = "server", feature = "client"),
    rpc(server, client, namespace = "restake")
)]
#[cfg_attr(
    all(feature = "server", not(feature = "client")),
    rpc(server, namespace = "restake")
)]
#[cfg_attr(
    all(feature = "client", not(feature = "server")),
    rpc(client, namespace = "restake")
)]
pub trait RestakeApi {
    /// Chain id.
    #[method(name = "chainId")]
    fn chain_id(&self) -> RpcResult<u64>;

    /// Height of the last committed block.
    #[method(name = "blockNumber")]
    fn block_number(&self) -> RpcResult<u64>;

    /// A block by height or `"latest"` (`None` above the head).
    #[method(name = "getBlock")]
    fn get_block(&self, block: BlockId) -> RpcResult<Option<BlockResponse>>;

    /// The validator set that decides the block at a height (default: the next block), from
    /// genesis up to the next block; `None` beyond it.
    #[method(name = "getValidators")]
    fn get_validators(&self, block: Option<BlockId>) -> RpcResult<Option<ValidatorsResponse>>;

    /// This node: chain id, role, validator address, peers, latest height, catching up.
    #[method(name = "nodeInfo")]
    fn node_info(&self) -> RpcResult<NodeInfo>;

    /// The commit certificate of a block by height or `"latest"`: below the head the one the
    /// next block carries (the same on every node), for the head this node's own.
    #[method(name = "getCertificate")]
    fn get_certificate(&self, block: BlockId) -> RpcResult<Option<Certificate>>;

    /// Events in a block range from the node's index, oldest first, optionally only those
    /// naming an address or of one type; a page at a time (`docs/rpc.md`, "Lists").
    #[method(name = "getEvents")]
    fn get_events(&self, query: EventQuery, page: Option<PageRequest>) -> RpcResult<EventsPage>;

    /// Transactions sent by an address or whose events name it, from the node's index, newest
    /// first; a page at a time.
    #[method(name = "getTransactionsByAddress")]
    fn get_transactions_by_address(
        &self,
        address: Address,
        page: Option<PageRequest>,
    ) -> RpcResult<TransactionsPage>;

    /// The blocks a validator proposed, newest first, with their transaction counts (from the
    /// node's index); a page at a time.
    #[method(name = "getBlocksByProposer")]
    fn get_blocks_by_proposer(
        &self,
        proposer: Address,
        page: Option<PageRequest>,
    ) -> RpcResult<ProposedBlocksPage>;

    /// Registered operators in address order, each with its view now, when it registered and
    /// its stakers count (from the node's index); a page at a time.
    #[method(name = "getOperators")]
    fn get_operators(&self, page: Option<PageRequest>) -> RpcResult<OperatorsPage>;

    /// The stakers delegated to an operator now, in address order (from the node's index).
    #[method(name = "getOperatorStakers")]
    fn get_operator_stakers(
        &self,
        operator: Address,
        page: Option<PageRequest>,
    ) -> RpcResult<StakersPage>;

    /// AVSs in address order, with how many operator sets each created (from the node's
    /// index); a page at a time.
    #[method(name = "getAvsList")]
    fn get_avs_list(&self, page: Option<PageRequest>) -> RpcResult<AvsPage>;

    /// The operator sets an AVS created, by id, with their creation heights (from the node's
    /// index); each set's details are `restake_getOperatorSet`.
    #[method(name = "getOperatorSets")]
    fn get_operator_sets(
        &self,
        avs: Address,
        page: Option<PageRequest>,
    ) -> RpcResult<OperatorSetsPage>;

    /// Counts over the whole chain (operators, stakers, AVSs, operator sets, slashes,
    /// withdrawals) and the shares delegated per strategy, from the node's index.
    #[method(name = "getTotals")]
    fn get_totals(&self) -> RpcResult<TotalsResponse>;

    /// Slashes, newest first, of an operator, by an AVS or one of its sets, or that reached a
    /// staker, each with the shares it took (from the node's index); a page at a time.
    #[method(name = "getSlashes")]
    fn get_slashes(
        &self,
        query: Option<SlashQuery>,
        page: Option<PageRequest>,
    ) -> RpcResult<SlashesPage>;

    /// The withdrawal queue, newest first, everyone's or a staker's, with each withdrawal's
    /// completion height and what it pays now after slashes (from the node's index and the
    /// state); a page at a time.
    #[method(name = "getWithdrawals")]
    fn get_withdrawals(
        &self,
        query: Option<WithdrawalQuery>,
        page: Option<PageRequest>,
    ) -> RpcResult<WithdrawalsPage>;

    /// The token amount a strategy holds over a range of heights (from the node's index).
    #[method(name = "getTvlHistory")]
    fn get_tvl_history(
        &self,
        strategy: Address,
        range: Option<SeriesRange>,
    ) -> RpcResult<TvlHistory>;

    /// A vault's rate over a range of heights, where events state it (from the node's index).
    #[method(name = "getVaultRateHistory")]
    fn get_vault_rate_history(
        &self,
        vault: Address,
        range: Option<SeriesRange>,
    ) -> RpcResult<VaultRateHistory>;

    /// The nonce for the account's next transaction (counting pending ones).
    #[method(name = "getNonce")]
    fn get_nonce(&self, address: Address) -> RpcResult<u64>;

    /// The exact typed data a wallet signs for this action.
    #[method(name = "prepareTransaction")]
    fn prepare_transaction(&self, request: PrepareRequest) -> RpcResult<PrepareResponse>;

    /// Submits a signed transaction; returns its hash.
    #[method(name = "sendTransaction")]
    fn send_transaction(&self, tx: Transaction) -> RpcResult<B256>;

    /// Node to node: transactions a peer admitted, as canonical (Borsh) bytes, at most 1,024.
    /// Each is checked and admitted like `sendTransaction` but not forwarded again; duplicates
    /// and refusals are skipped. Returns how many were admitted.
    #[method(name = "gossipTransactions")]
    fn gossip_transactions(&self, txs: Vec<Bytes>) -> RpcResult<u64>;

    /// A receipt, once the transaction is in a block.
    #[method(name = "getTransactionReceipt")]
    fn get_transaction_receipt(&self, hash: B256) -> RpcResult<Option<Receipt>>;

    /// Runs an action as `from` on the latest state, as the next block would, without signing
    /// or committing anything: the status, events and error a transaction would get now (the
    /// preview of a vault deposit or redemption, of a withdrawal's payout, ...).
    #[method(name = "simulateTransaction")]
    fn simulate_transaction(&self, request: SimulateRequest) -> RpcResult<SimulateResponse>;

    /// Registered tokens.
    #[method(name = "getTokens")]
    fn get_tokens(&self) -> RpcResult<Vec<TokenSummary>>;

    /// A token balance, as a decimal string.
    #[method(name = "getTokenBalance")]
    fn get_token_balance(&self, token: Address, account: Address) -> RpcResult<String>;

    /// Token pools (strategies).
    #[method(name = "getStrategies")]
    fn get_strategies(&self) -> RpcResult<Vec<StrategySummary>>;

    /// A staker's delegation, shares, exposure and queued withdrawals.
    #[method(name = "getStaker")]
    fn get_staker(&self, address: Address) -> RpcResult<StakerView>;

    /// An operator's stake and allocations (`None` if not an operator).
    #[method(name = "getOperator")]
    fn get_operator(&self, address: Address) -> RpcResult<Option<OperatorView>>;

    /// An operator set (`None` if unknown).
    #[method(name = "getOperatorSet")]
    fn get_operator_set(
        &self,
        avs: Address,
        operator_set_id: u32,
    ) -> RpcResult<Option<OperatorSetResponse>>;

    /// One allocation with its slashable stake now.
    #[method(name = "getAllocation")]
    fn get_allocation(
        &self,
        operator: Address,
        avs: Address,
        operator_set_id: u32,
        strategy: Address,
    ) -> RpcResult<AllocationResponse>;

    /// A pod by its address or its owner's, with validators and checkpoint (`None` if none).
    #[method(name = "getPod")]
    fn get_pod(&self, address: Address) -> RpcResult<Option<PodView>>;

    /// The oracle's members and quorum, and the latest accepted beacon root.
    #[method(name = "getBeaconOracle")]
    fn get_beacon_oracle(&self) -> RpcResult<BeaconOracleResponse>;

    /// The accepted beacon block root for a beacon timestamp (`None` if none).
    #[method(name = "getBeaconRoot")]
    fn get_beacon_root(&self, timestamp: u64) -> RpcResult<Option<B256>>;

    /// The accepted execution-layer balance of a pod at a beacon timestamp (`None` if none).
    #[method(name = "getPodBalance")]
    fn get_pod_balance(&self, pod: Address, timestamp: u64) -> RpcResult<Option<PodBalance>>;

    /// An earner's rewards: claimable amount per token (settled and pending), and recipient.
    #[method(name = "getRewards")]
    fn get_rewards(&self, earner: Address) -> RpcResult<RewardsResponse>;

    /// Rewards submissions (all, or one AVS's), with how much each has distributed.
    #[method(name = "getRewardsSubmissions")]
    fn get_rewards_submissions(&self, avs: Option<Address>) -> RpcResult<Vec<Submission>>;

    /// A liquid restaking vault (by its account or its LRT token): configuration, books from
    /// the core's state, rate, pending exits and, with `account`, that holder's position.
    #[method(name = "getVault")]
    fn get_vault(&self, vault: Address, account: Option<Address>) -> RpcResult<Option<VaultView>>;

    /// Every vault: address, LRT, symbol, total assets, supply and rate.
    #[method(name = "getVaults")]
    fn get_vaults(&self) -> RpcResult<Vec<VaultSummary>>;

    /// The risk report of the live state: the graph of declared operator sets and their
    /// allocations, and its exact analysis (security, slack, certificate, worst-case loss after a
    /// shock of `psi`, default `1/100`), with stake valued at `prices` (token symbol → value of
    /// one unit; tokens not named at par).
    #[method(name = "getRiskReport", blocking)]
    fn get_risk_report(
        &self,
        psi: Option<String>,
        prices: Option<BTreeMap<String, String>>,
    ) -> RpcResult<RiskReport>;

    /// An operator set's table in force at a height (the latest committed at or before it):
    /// header, every entry with its Merkle proof against the table's root, and the header's
    /// proof against that height's state root.
    #[method(name = "getOperatorTable")]
    fn get_operator_table(&self, query: OperatorTableQuery) -> RpcResult<OperatorTableResponse>;

    /// A task: its set, fee, reference height, deadline and state (with the certified response
    /// once completed); `null` if there is none.
    #[method(name = "getTask")]
    fn get_task(&self, task_id: u64) -> RpcResult<Option<Task>>;

    /// Tasks, newest first, all or an AVS's or a set's, optionally in one state; a page at a
    /// time.
    #[method(name = "getTasks")]
    fn get_tasks(
        &self,
        query: Option<TaskQuery>,
        page: Option<PageRequest>,
    ) -> RpcResult<TasksPage>;

    /// A state value with a Merkle proof against the state root at `height` (default latest).
    #[method(name = "getProof")]
    fn get_proof(&self, key: Bytes, height: Option<u64>) -> RpcResult<ProofResponse>;

    /// New block headers.
    #[subscription(name = "subscribeNewHeads", unsubscribe = "unsubscribeNewHeads", item = Header)]
    async fn subscribe_new_heads(&self) -> jsonrpsee::core::SubscriptionResult;

    /// Events of committed transactions, with their transaction hash and block.
    #[subscription(name = "subscribeEvents", unsubscribe = "unsubscribeEvents", item = EventItem)]
    async fn subscribe_events(&self) -> jsonrpsee::core::SubscriptionResult;

    /// The risk report of the live state (as `restake_getRiskReport`), now and again after every
    /// block that changes the graph or the stake leaving it (allocations, slashing, deposits and
    /// withdrawals, declared profiles, deallocations taking effect); a state the analysis cannot
    /// report is an error item.
    #[subscription(name = "subscribeRiskReport", unsubscribe = "unsubscribeRiskReport", item = RiskReportItem)]
    async fn subscribe_risk_report(
        &self,
        psi: Option<String>,
        prices: Option<BTreeMap<String, String>>,
    ) -> jsonrpsee::core::SubscriptionResult;
}
