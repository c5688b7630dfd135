//! The JSON-RPC and WebSocket API (one port). Methods follow Ethereum's `namespace_method`
//! habit under `restake_`; amounts are decimal strings, addresses and hashes `0x` hex, actions
//! `{"type": "<actionName>", ...}`. Errors carry stable codes (see `docs/rpc.md`).

use crate::chain::{read_block, read_receipt};
use crate::error::NodeError;
use crate::node::{NodeHandle, SubmitError};
use crate::risk_report;
use alloy_primitives::{Address, B256, Bytes, U256};
use jsonrpsee::core::{RpcResult, SubscriptionResult, async_trait};
use jsonrpsee::proc_macros::rpc;
use jsonrpsee::types::ErrorObjectOwned;
use jsonrpsee::{PendingSubscriptionSink, SubscriptionMessage};
use restake_core::Action;
use restake_core::allocation::{self, AllocationRead};
use restake_core::beacon_oracle::{OracleRead, PodBalance};
use restake_core::block::Receipt;
use restake_core::pool::PoolRead;
use restake_core::rewards::{self, RewardsRead};
use restake_core::tokens::TokensRead;
use restake_core::tx::Transaction;
use restake_core::views;
use restake_primitives::OperatorSet;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Error codes of the API (JSON-RPC reserves -32768..-32000 for protocol errors).
pub mod codes {
    /// Malformed parameters (JSON-RPC standard).
    pub const INVALID_PARAMS: i32 = -32602;
    /// The node failed internally.
    pub const INTERNAL: i32 = -32603;
    /// Transaction signature malformed, non-canonical or not the sender's.
    pub const INVALID_SIGNATURE: i32 = -32050;
    /// Nonce already used.
    pub const STALE_NONCE: i32 = -32051;
    /// Nonce too far ahead.
    pub const FUTURE_NONCE: i32 = -32052;
    /// Same transaction, or same sender and nonce, already pending.
    pub const DUPLICATE: i32 = -32053;
    /// Mempool limits reached.
    pub const MEMPOOL_FULL: i32 = -32054;
    /// Transaction too large.
    pub const TOO_LARGE: i32 = -32055;
    /// Unknown id (block, operator set, ...).
    pub const NOT_FOUND: i32 = -32056;
}

fn err(code: i32, msg: impl Into<String>) -> ErrorObjectOwned {
    ErrorObjectOwned::owned(code, msg.into(), None::<()>)
}

fn internal(e: impl std::fmt::Display) -> ErrorObjectOwned {
    err(codes::INTERNAL, e.to_string())
}

impl From<SubmitError> for ErrorObjectOwned {
    fn from(e: SubmitError) -> Self {
        use crate::mempool::MempoolError as M;
        let code = match &e {
            SubmitError::TooLarge { .. } => codes::TOO_LARGE,
            SubmitError::Signature(_) => codes::INVALID_SIGNATURE,
            SubmitError::Mempool(M::StaleNonce { .. }) => codes::STALE_NONCE,
            SubmitError::Mempool(M::FutureNonce { .. }) => codes::FUTURE_NONCE,
            SubmitError::Mempool(M::AlreadyKnown(_) | M::NonceTaken { .. }) => codes::DUPLICATE,
            SubmitError::Mempool(M::SenderFull(_) | M::PoolFull) => codes::MEMPOOL_FULL,
            SubmitError::Node(_) => codes::INTERNAL,
        };
        err(code, e.to_string())
    }
}

/// `restake_prepareTransaction` parameters.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PrepareRequest {
    /// Sender.
    pub from: Address,
    /// Action to sign.
    pub action: Action,
    /// Nonce to use (default: the next one, counting pending transactions).
    #[serde(default)]
    pub nonce: Option<u64>,
}

/// `restake_simulateTransaction` parameters.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SimulateRequest {
    /// Sender.
    pub from: Address,
    /// Action to run.
    pub action: Action,
}

/// `restake_prepareTransaction` result.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrepareResponse {
    /// The nonce the transaction carries.
    pub nonce: u64,
    /// The `eth_signTypedData_v4` document to sign, unchanged.
    pub typed_data: Value,
    /// Its EIP-712 digest.
    pub signing_hash: B256,
}

/// A block selector: a height or `"latest"`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum BlockId {
    /// Height.
    Number(u64),
    /// `"latest"`.
    Tag(String),
}

/// The API.
#[rpc(server, namespace = "restake")]
pub trait RestakeApi {
    /// Chain id.
    #[method(name = "chainId")]
    fn chain_id(&self) -> RpcResult<u64>;
    /// Height of the last committed block.
    #[method(name = "blockNumber")]
    fn block_number(&self) -> RpcResult<u64>;
    /// A block by height or `"latest"`.
    #[method(name = "getBlock")]
    fn get_block(&self, block: BlockId) -> RpcResult<Option<Value>>;
    /// The nonce for the account's next transaction (counting pending ones).
    #[method(name = "getNonce")]
    fn get_nonce(&self, address: Address) -> RpcResult<u64>;
    /// The exact typed data a wallet signs for this action.
    #[method(name = "prepareTransaction")]
    fn prepare_transaction(&self, request: PrepareRequest) -> RpcResult<PrepareResponse>;
    /// Submits a signed transaction; returns its hash.
    #[method(name = "sendTransaction")]
    fn send_transaction(&self, tx: Transaction) -> RpcResult<B256>;
    /// A receipt, once the transaction is in a block.
    #[method(name = "getTransactionReceipt")]
    fn get_transaction_receipt(&self, hash: B256) -> RpcResult<Option<Receipt>>;
    /// Runs an action as `from` on the latest state, as the next block would, without signing
    /// or committing anything: the status, events and error a transaction would get now (the
    /// preview of a vault deposit or redemption, of a withdrawal's payout, ...).
    #[method(name = "simulateTransaction")]
    fn simulate_transaction(&self, request: SimulateRequest) -> RpcResult<Value>;
    /// Registered tokens.
    #[method(name = "getTokens")]
    fn get_tokens(&self) -> RpcResult<Vec<Value>>;
    /// A token balance.
    #[method(name = "getTokenBalance")]
    fn get_token_balance(&self, token: Address, account: Address) -> RpcResult<String>;
    /// Token pools (strategies).
    #[method(name = "getStrategies")]
    fn get_strategies(&self) -> RpcResult<Vec<Value>>;
    /// A staker's delegation, shares, exposure and queued withdrawals.
    #[method(name = "getStaker")]
    fn get_staker(&self, address: Address) -> RpcResult<views::StakerView>;
    /// An operator's stake and allocations (`null` if not an operator).
    #[method(name = "getOperator")]
    fn get_operator(&self, address: Address) -> RpcResult<Option<views::OperatorView>>;
    /// An operator set (`null` if unknown).
    #[method(name = "getOperatorSet")]
    fn get_operator_set(&self, avs: Address, operator_set_id: u32) -> RpcResult<Option<Value>>;
    /// One allocation with its slashable stake now.
    #[method(name = "getAllocation")]
    fn get_allocation(
        &self,
        operator: Address,
        avs: Address,
        operator_set_id: u32,
        strategy: Address,
    ) -> RpcResult<Value>;
    /// A pod by its address or its owner's, with validators and checkpoint (`null` if none).
    #[method(name = "getPod")]
    fn get_pod(&self, address: Address) -> RpcResult<Option<views::PodView>>;
    /// The oracle's members and quorum, and the latest accepted beacon root.
    #[method(name = "getBeaconOracle")]
    fn get_beacon_oracle(&self) -> RpcResult<Value>;
    /// The accepted beacon block root for a beacon timestamp (`null` if none).
    #[method(name = "getBeaconRoot")]
    fn get_beacon_root(&self, timestamp: u64) -> RpcResult<Option<B256>>;
    /// The accepted execution-layer balance of a pod at a beacon timestamp (`null` if none).
    #[method(name = "getPodBalance")]
    fn get_pod_balance(&self, pod: Address, timestamp: u64) -> RpcResult<Option<PodBalance>>;
    /// An earner's rewards: claimable amount per token (settled and pending), and recipient.
    #[method(name = "getRewards")]
    fn get_rewards(&self, earner: Address) -> RpcResult<Value>;
    /// Rewards submissions (all, or one AVS's), with how much each has distributed.
    #[method(name = "getRewardsSubmissions")]
    fn get_rewards_submissions(&self, avs: Option<Address>) -> RpcResult<Vec<rewards::Submission>>;
    /// A liquid restaking vault (by its account or its LRT token): configuration, books from
    /// the core's state, rate, pending exits and, with `account`, that holder's position.
    #[method(name = "getVault")]
    fn get_vault(
        &self,
        vault: Address,
        account: Option<Address>,
    ) -> RpcResult<Option<views::VaultView>>;
    /// Every vault: address, LRT, symbol, total assets, supply and rate.
    #[method(name = "getVaults")]
    fn get_vaults(&self) -> RpcResult<Vec<Value>>;
    /// The risk report of the live state: the graph of declared operator sets and their
    /// allocations, and its exact analysis (security, slack, certificate, worst-case loss after a
    /// shock of `psi`, default `1/100`), with stake valued at `prices` (token symbol → value of
    /// one unit; tokens not named at par).
    #[method(name = "getRiskReport", blocking)]
    fn get_risk_report(
        &self,
        psi: Option<String>,
        prices: Option<BTreeMap<String, String>>,
    ) -> RpcResult<Value>;
    /// A state value with a Merkle proof against the state root at `height` (default latest).
    #[method(name = "getProof")]
    fn get_proof(&self, key: Bytes, height: Option<u64>) -> RpcResult<Value>;
    /// New block headers.
    #[subscription(name = "subscribeNewHeads", unsubscribe = "unsubscribeNewHeads", item = restake_core::block::Header)]
    async fn subscribe_new_heads(&self) -> SubscriptionResult;
    /// Events of committed transactions, with their transaction hash and block.
    #[subscription(name = "subscribeEvents", unsubscribe = "unsubscribeEvents", item = Value)]
    async fn subscribe_events(&self) -> SubscriptionResult;
    /// The risk report of the live state (as `restake_getRiskReport`), now and again after every
    /// block that changes the graph or the stake leaving it (allocations, slashing, deposits and
    /// withdrawals, declared profiles, deallocations taking effect).
    #[subscription(name = "subscribeRiskReport", unsubscribe = "unsubscribeRiskReport", item = Value)]
    async fn subscribe_risk_report(
        &self,
        psi: Option<String>,
        prices: Option<BTreeMap<String, String>>,
    ) -> SubscriptionResult;
}

/// The API over a node.
pub struct Api {
    node: NodeHandle,
}

impl Api {
    /// Serves `node`.
    pub fn new(node: NodeHandle) -> Self {
        Self { node }
    }

    fn height(&self) -> u64 {
        self.node.head().height
    }

    fn view(&self) -> RpcResult<restake_store::StateView> {
        self.node.store().state().map_err(internal)
    }
}

fn raw<T: Serialize>(v: &T) -> Result<SubscriptionMessage, serde_json::Error> {
    Ok(serde_json::value::to_raw_value(v)?.into())
}

#[async_trait]
impl RestakeApiServer for Api {
    fn chain_id(&self) -> RpcResult<u64> {
        Ok(self.node.config().chain_id)
    }

    fn block_number(&self) -> RpcResult<u64> {
        Ok(self.height())
    }

    fn get_block(&self, block: BlockId) -> RpcResult<Option<Value>> {
        let height = match block {
            BlockId::Number(n) => n,
            BlockId::Tag(t) if t == "latest" => self.height(),
            BlockId::Tag(t) => {
                return Err(err(
                    codes::INVALID_PARAMS,
                    format!("unknown block tag {t:?}; use a number or \"latest\""),
                ));
            }
        };
        let Some(b) = read_block(self.node.store(), height).map_err(internal)? else {
            return Ok(None);
        };
        let chain_id = self.node.config().chain_id;
        let hashes: Vec<B256> = b.transactions.iter().map(|t| t.hash(chain_id)).collect();
        Ok(Some(json!({
            "hash": b.header.hash(),
            "header": b.header,
            "transactions": b.transactions,
            "transactionHashes": hashes,
        })))
    }

    fn get_nonce(&self, address: Address) -> RpcResult<u64> {
        self.node.next_nonce(&address).map_err(internal)
    }

    fn prepare_transaction(&self, request: PrepareRequest) -> RpcResult<PrepareResponse> {
        let nonce = match request.nonce {
            Some(n) => n,
            None => self.node.next_nonce(&request.from).map_err(internal)?,
        };
        let chain_id = self.node.config().chain_id;
        Ok(PrepareResponse {
            nonce,
            typed_data: Transaction::typed_data(request.from, nonce, &request.action, chain_id),
            signing_hash: Transaction::signing_hash(request.from, nonce, &request.action, chain_id),
        })
    }

    fn send_transaction(&self, tx: Transaction) -> RpcResult<B256> {
        // Admission (one signature recovery, about 50 µs) runs on the RPC worker itself: under
        // load a hand-off to the blocking pool per transaction cost more than it saved
        // (docs/benchmarks.md).
        self.node.submit(tx).map_err(Into::into)
    }

    fn get_transaction_receipt(&self, hash: B256) -> RpcResult<Option<Receipt>> {
        read_receipt(self.node.store(), &hash).map_err(internal)
    }

    fn simulate_transaction(&self, request: SimulateRequest) -> RpcResult<Value> {
        let view = self.view()?;
        // The next block, at the earliest of now and what the chain's rules allow after the head.
        let env = restake_core::block::BlockEnv::after(self.node.head());
        let sim = restake_core::block::simulate(
            &view,
            &env,
            crate::clock::unix_millis(),
            request.from,
            &request.action,
        )
        .map_err(internal)?;
        Ok(json!({
            "status": sim.status,
            "blockNumber": sim.block_number,
            "events": sim.events,
            "error": sim.error,
        }))
    }

    fn get_tokens(&self) -> RpcResult<Vec<Value>> {
        let view = self.view()?;
        let tokens = view.tokens().map_err(internal)?;
        Ok(tokens
            .into_iter()
            .map(|(addr, t)| json!({ "token": addr, "symbol": t.symbol, "decimals": t.decimals, "minter": t.minter, "totalSupply": t.total_supply.to_string() }))
            .collect())
    }

    fn get_token_balance(&self, token: Address, account: Address) -> RpcResult<String> {
        let view = self.view()?;
        if view.token(&token).map_err(internal)?.is_none() {
            return Err(err(codes::NOT_FOUND, format!("unknown token {token}")));
        }
        Ok(view
            .balance_of(&token, &account)
            .map_err(internal)?
            .to_string())
    }

    fn get_strategies(&self) -> RpcResult<Vec<Value>> {
        let view = self.view()?;
        let mut out = Vec::new();
        for (strategy, pool) in view.pools().map_err(internal)? {
            let symbol = view
                .token(&pool.token)
                .map_err(internal)?
                .map(|t| t.symbol)
                .unwrap_or_default();
            let value = pool
                .shares_to_underlying(U256::from(10).pow(U256::from(18)))
                .map_err(internal)?;
            out.push(json!({
                "strategy": strategy,
                "token": pool.token,
                "symbol": symbol,
                "totalShares": pool.total_shares.to_string(),
                "balance": pool.balance.to_string(),
                "underlyingPerShare": value.to_string(),
            }));
        }
        Ok(out)
    }

    fn get_staker(&self, address: Address) -> RpcResult<views::StakerView> {
        let view = self.view()?;
        views::staker(
            &view,
            &address,
            u32::try_from(self.height()).unwrap_or(u32::MAX),
        )
        .map_err(internal)
    }

    fn get_operator(&self, address: Address) -> RpcResult<Option<views::OperatorView>> {
        let view = self.view()?;
        views::operator(
            &view,
            &address,
            u32::try_from(self.height()).unwrap_or(u32::MAX),
        )
        .map_err(internal)
    }

    fn get_pod(&self, address: Address) -> RpcResult<Option<views::PodView>> {
        views::pod(&self.view()?, &address).map_err(internal)
    }

    fn get_beacon_oracle(&self) -> RpcResult<Value> {
        let view = self.view()?;
        let config = view.oracle_config().map_err(internal)?;
        let latest = view.latest_beacon_root().map_err(internal)?;
        Ok(json!({
            "members": config.members,
            "quorum": config.quorum,
            "latestRoot": latest.map(|(timestamp, root)| json!({ "timestamp": timestamp, "blockRoot": root })),
        }))
    }

    fn get_rewards(&self, earner: Address) -> RpcResult<Value> {
        let view = self.view()?;
        let mut claimable = Vec::new();
        for (token, t) in view.tokens().map_err(internal)? {
            let amount = rewards::claimable(&view, &earner, &token).map_err(internal)?;
            if !amount.is_zero() {
                claimable.push(
                    json!({ "token": token, "symbol": t.symbol, "amount": amount.to_string() }),
                );
            }
        }
        let height = u32::try_from(self.height()).unwrap_or(u32::MAX);
        Ok(json!({
            "earner": earner,
            "recipient": view.rewards_recipient(&earner).map_err(internal)?,
            "epoch": rewards::epoch_of(&view, height).map_err(internal)?,
            "claimable": claimable,
        }))
    }

    fn get_rewards_submissions(&self, avs: Option<Address>) -> RpcResult<Vec<rewards::Submission>> {
        let all = self.view()?.submissions().map_err(internal)?;
        Ok(all
            .into_iter()
            .filter(|s| avs.is_none_or(|a| s.operator_set.avs == a))
            .collect())
    }

    fn get_vault(
        &self,
        vault: Address,
        account: Option<Address>,
    ) -> RpcResult<Option<views::VaultView>> {
        let now = u32::try_from(self.height()).unwrap_or(u32::MAX);
        views::vault(&self.view()?, &vault, account.as_ref(), now).map_err(internal)
    }

    fn get_vaults(&self) -> RpcResult<Vec<Value>> {
        use restake_core::vault::VaultRead;
        let view = self.view()?;
        let now = u32::try_from(self.height()).unwrap_or(u32::MAX);
        let mut out = Vec::new();
        for v in view.vaults().map_err(internal)? {
            let Some(full) = views::vault(&view, &v.address, None, now).map_err(internal)? else {
                continue;
            };
            out.push(json!({
                "vault": v.address,
                "lrt": v.lrt,
                "symbol": full.symbol,
                "totalAssets": full.books.total_assets.to_string(),
                "totalSupply": full.books.total_supply.to_string(),
                "rate": full.rate.to_string(),
            }));
        }
        Ok(out)
    }

    fn get_risk_report(
        &self,
        psi: Option<String>,
        prices: Option<BTreeMap<String, String>>,
    ) -> RpcResult<Value> {
        let request = report_request(psi, prices)?;
        let view = self.view()?;
        let now = view
            .height()
            .and_then(|h| u32::try_from(h).ok())
            .unwrap_or_default();
        risk_report::live_report(&view, now, &request).map_err(report_error)
    }

    fn get_beacon_root(&self, timestamp: u64) -> RpcResult<Option<B256>> {
        self.view()?.beacon_root(timestamp).map_err(internal)
    }

    fn get_pod_balance(&self, pod: Address, timestamp: u64) -> RpcResult<Option<PodBalance>> {
        self.view()?.pod_balance(&pod, timestamp).map_err(internal)
    }

    fn get_operator_set(&self, avs: Address, operator_set_id: u32) -> RpcResult<Option<Value>> {
        let view = self.view()?;
        let set = OperatorSet::new(avs, operator_set_id);
        let Some(info) = view.operator_set(&set).map_err(internal)? else {
            return Ok(None);
        };
        let now = u32::try_from(self.height()).unwrap_or(u32::MAX);
        let members = view.members(&set).map_err(internal)?;
        Ok(Some(json!({
            "avs": avs,
            "operatorSetId": operator_set_id,
            "strategies": info.strategies,
            "redistributionRecipient": info.redistribution_recipient,
            "registrationPolicy": info.registration_policy,
            "slasher": info.slasher.at(now),
            "slasherChange": {
                "pendingSlasher": info.slasher.pending_slasher,
                "effectBlock": info.slasher.effect_block,
            },
            "slashCount": info.slash_count,
            "equivocationWadToSlash": info.equivocation_wad_to_slash.map(|w| w.to_string()),
            "members": members,
        })))
    }

    fn get_allocation(
        &self,
        operator: Address,
        avs: Address,
        operator_set_id: u32,
        strategy: Address,
    ) -> RpcResult<Value> {
        let view = self.view()?;
        let set = OperatorSet::new(avs, operator_set_id);
        if view.operator_set(&set).map_err(internal)?.is_none() {
            return Err(err(codes::NOT_FOUND, format!("unknown operator set {set}")));
        }
        let now = u32::try_from(self.height()).unwrap_or(u32::MAX);
        let (info, a) = view
            .updated_allocation(&operator, &set, &strategy, now)
            .map_err(internal)?;
        let slashable =
            allocation::minimum_slashable_stake(&view, &set, &operator, &strategy, now, now)
                .map_err(internal)?;
        Ok(json!({
            "currentMagnitude": a.current_magnitude.to_string(),
            "pendingDiff": a.pending_diff.to_string(),
            "effectBlock": a.effect_block,
            "maxMagnitude": info.max_magnitude.to_string(),
            "encumberedMagnitude": info.encumbered_magnitude.to_string(),
            "slashableShares": slashable.to_string(),
            "isSlashable": view.is_operator_slashable(&operator, &set, now).map_err(internal)?,
        }))
    }

    fn get_proof(&self, key: Bytes, height: Option<u64>) -> RpcResult<Value> {
        let height = height.unwrap_or_else(|| self.height());
        let root = self
            .node
            .store()
            .root_at(height)
            .map_err(internal)?
            .ok_or_else(|| {
                err(
                    codes::NOT_FOUND,
                    format!("no state root at height {height}"),
                )
            })?;
        let (value, proof) = self
            .node
            .store()
            .get_with_proof(&key, height)
            .map_err(|e| err(codes::NOT_FOUND, e.to_string()))?;
        Ok(json!({
            "height": height,
            "stateRoot": root,
            "key": key,
            "value": value.map(Bytes::from),
            "proof": Bytes::from(proof),
        }))
    }

    async fn subscribe_new_heads(&self, pending: PendingSubscriptionSink) -> SubscriptionResult {
        let mut rx = self.node.subscribe_blocks();
        let sink = pending.accept().await?;
        loop {
            match rx.recv().await {
                Ok(c) => sink.send(raw(&c.header)?).await?,
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(_) => return Ok(()),
            }
        }
    }

    async fn subscribe_risk_report(
        &self,
        pending: PendingSubscriptionSink,
        psi: Option<String>,
        prices: Option<BTreeMap<String, String>>,
    ) -> SubscriptionResult {
        let request = match report_request(psi, prices) {
            Ok(r) => Arc::new(r),
            Err(e) => {
                pending.reject(e).await;
                return Ok(());
            }
        };
        let mut rx = self.node.subscribe_blocks();
        let store = self.node.store().clone();
        let first = {
            let (store, request) = (store.clone(), request.clone());
            tokio::task::spawn_blocking(move || snapshot(&store, &request, None)).await
        };
        let first = match first {
            Ok(Ok(snap)) => snap,
            Ok(Err(e)) => {
                pending.reject(e).await;
                return Ok(());
            }
            Err(e) => {
                pending.reject(internal(e)).await;
                return Ok(());
            }
        };
        // A request the state refuses (an unknown symbol, a bad parameter) is refused here; a
        // state the analysis cannot report is accepted and said as an error item.
        let first = match first.report {
            Err(
                e @ (risk_report::ReportError::UnknownSymbol(_)
                | risk_report::ReportError::BadParameter(_)),
            ) => {
                pending.reject(report_error(e)).await;
                return Ok(());
            }
            report => Snapshot { report, ..first },
        };
        let sink = pending.accept().await?;
        let mut last = first.key.clone();
        if let Some(item) = subscription_item(first) {
            sink.send(raw(&item)?).await?;
        }
        loop {
            // Stop as soon as the client unsubscribes or leaves, not at the next send.
            tokio::select! {
                _ = sink.closed() => return Ok(()),
                next = rx.recv() => match next {
                    Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                    Err(_) => return Ok(()),
                },
            }
            let (store, request, prev) = (store.clone(), request.clone(), last.clone());
            let work = tokio::task::spawn_blocking(move || snapshot(&store, &request, Some(&prev)));
            // A client that leaves during an analysis is not waited for (the analysis itself
            // runs to its end on the blocking pool; its budgets bound it).
            let snap = tokio::select! {
                _ = sink.closed() => return Ok(()),
                done = work => done?.map_err(|e| e.message().to_string())?,
            };
            // Only a changed state is analysed and said, a report or an error item alike.
            last = snap.key.clone();
            if let Some(item) = subscription_item(snap) {
                sink.send(raw(&item)?).await?;
            }
        }
    }

    async fn subscribe_events(&self, pending: PendingSubscriptionSink) -> SubscriptionResult {
        let mut rx = self.node.subscribe_blocks();
        let sink = pending.accept().await?;
        loop {
            match rx.recv().await {
                Ok(c) => {
                    for r in c.receipts.iter() {
                        for e in &r.events {
                            let item = json!({ "blockNumber": c.header.height, "transactionHash": r.transaction_hash, "event": e });
                            sink.send(raw(&item)?).await?;
                        }
                    }
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(_) => return Ok(()),
            }
        }
    }
}

/// The report's parameters: `psi` (default `1/100`) and prices by token symbol.
fn report_request(
    psi: Option<String>,
    prices: Option<BTreeMap<String, String>>,
) -> Result<risk_report::ReportRequest, ErrorObjectOwned> {
    use restake_risk::number::Frac;
    let psi = Frac::parse(psi.as_deref().unwrap_or("1/100"))
        .map_err(|e| err(codes::INVALID_PARAMS, format!("psi: {e}")))?;
    let mut parsed = BTreeMap::new();
    for (symbol, price) in prices.unwrap_or_default() {
        let p = Frac::parse(&price)
            .map_err(|e| err(codes::INVALID_PARAMS, format!("price of {symbol}: {e}")))?;
        parsed.insert(symbol, p);
    }
    Ok(risk_report::ReportRequest {
        psi: Some(psi),
        prices: parsed,
    })
}

fn report_error(e: risk_report::ReportError) -> ErrorObjectOwned {
    match e {
        risk_report::ReportError::State(e) => internal(e),
        other => err(codes::INVALID_PARAMS, other.to_string()),
    }
}

/// The latest state as a report subscription sees it.
struct Snapshot {
    /// What the report depends on (see `risk_report::live_state_key`).
    key: Value,
    /// The height of the state read.
    height: u64,
    /// The report, `None` when `key` equals the last one; or why it cannot be made.
    report: Result<Option<Value>, risk_report::ReportError>,
}

/// Reads the latest state and reports it unless its key equals `last`. Only a failure to read
/// the state is an error here; a report that cannot be made is in `report`.
fn snapshot(
    store: &restake_store::Store,
    request: &risk_report::ReportRequest,
    last: Option<&Value>,
) -> Result<Snapshot, ErrorObjectOwned> {
    let view = store.state().map_err(internal)?;
    let height = view.height().unwrap_or_default();
    let now = u32::try_from(height).unwrap_or(u32::MAX);
    let key = risk_report::live_state_key(&view, now).map_err(internal)?;
    let report = if last == Some(&key) {
        Ok(None)
    } else {
        risk_report::live_report(&view, now, request).map(Some)
    };
    Ok(Snapshot {
        key,
        height,
        report,
    })
}

/// What a subscriber receives for `snap`, if anything.
fn subscription_item(snap: Snapshot) -> Option<Value> {
    match snap.report {
        Ok(report) => report,
        Err(e) => Some(json!({ "height": snap.height, "error": report_error(e).message() })),
    }
}

impl From<NodeError> for ErrorObjectOwned {
    fn from(e: NodeError) -> Self {
        internal(e)
    }
}
