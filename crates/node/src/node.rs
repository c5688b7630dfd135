//! The running node: its configuration, the handle the API and engines share, and start-up of
//! the application task ([`crate::app`]) with an engine ([`crate::engine`]).

use crate::app::App;
use crate::chain::Chain;
use crate::engine::{AppClient, Engine, EngineContext, ManualEngine, SoloEngine};
use crate::error::NodeError;
use crate::gossip::Gossip;
use crate::index::Index;
use crate::mempool::{Mempool, MempoolError, MempoolLimits};
use crate::metrics::Metrics;
use crate::sigcache::SigCache;
use alloy_primitives::{Address, B256};
use restake_core::accounts::AccountsRead;
use restake_core::app::Genesis;
use restake_core::block::{Header, Receipt};
use restake_core::tx::{Transaction, TxError};
use restake_core::validators::{self, ValidatorSet};
use restake_primitives::ed25519::SecretKey;
use restake_store::Store;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use thiserror::Error;
use tokio::sync::{broadcast, mpsc, watch};

/// How the node runs.
#[derive(Debug, Clone)]
pub struct NodeConfig {
    /// Chain id signatures commit to.
    pub chain_id: u64,
    /// Time between blocks.
    pub block_interval: Duration,
    /// Most transactions this node puts in a block it proposes (the chain's
    /// `maxBlockTransactions` caps it too). Blocks never come faster than `block_interval`, so
    /// this and the interval set the most a node can commit per second.
    pub max_block_txs: usize,
    /// Mempool limits.
    pub mempool: MempoolLimits,
    /// Largest accepted transaction, in bytes of its canonical encoding (what it takes in a
    /// block).
    pub max_tx_bytes: usize,
    /// The consensus key the solo engine proposes and signs certificates with; it must be the
    /// genesis set's only validator. The default is the devnet's public key
    /// ([`crate::devnet::validator_key`]): never use it for a chain of value.
    pub validator_key: SecretKey,
    /// Pending transactions not included within this many blocks are dropped.
    pub mempool_ttl_blocks: u64,
    /// Bounds on WebSocket subscriptions and the work they cause.
    pub subscriptions: SubscriptionLimits,
    /// RPC URLs of the peers that admitted transactions are forwarded to (see `gossip`).
    pub gossip_peers: Vec<String>,
    /// Signatures remembered as checked, so a block's transactions are not recovered twice.
    pub sig_cache_entries: usize,
    /// The index file (outside consensus, see [`crate::index`]); `None` keeps it in memory.
    pub index_path: Option<PathBuf>,
}

/// Bounds on WebSocket subscriptions (all kinds) and on the risk analyses they cause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubscriptionLimits {
    /// Most subscriptions one connection may hold at once.
    pub per_connection: usize,
    /// Most subscriptions the node serves at once, over all connections.
    pub total: usize,
    /// Most different risk-report parameter sets (`psi`, prices) subscribed to at once; each is
    /// analysed once per block that changes the report, however many subscribe to it.
    pub report_parameter_sets: usize,
    /// Most risk analyses running at the same time (each on a thread of the blocking pool).
    pub concurrent_analyses: usize,
}

impl Default for SubscriptionLimits {
    fn default() -> Self {
        Self {
            per_connection: 128,
            total: 4_096,
            report_parameter_sets: 32,
            concurrent_analyses: 2,
        }
    }
}

impl Default for NodeConfig {
    fn default() -> Self {
        Self {
            chain_id: 31337,
            block_interval: Duration::from_secs(1),
            max_block_txs: 10_000,
            mempool: MempoolLimits::default(),
            max_tx_bytes: 64 * 1024,
            validator_key: crate::devnet::validator_key(),
            mempool_ttl_blocks: 600,
            subscriptions: SubscriptionLimits::default(),
            gossip_peers: Vec::new(),
            sig_cache_entries: 200_000,
            index_path: None,
        }
    }
}

/// What subscribers hear about each committed block.
#[derive(Debug, Clone)]
pub struct Committed {
    /// The header.
    pub header: Header,
    /// Receipts, in order.
    pub receipts: Arc<Vec<Receipt>>,
}

/// Why a transaction was refused at admission.
#[derive(Debug, Error)]
pub enum SubmitError {
    /// Larger than the node accepts.
    #[error("transaction is {size} bytes, the limit is {limit}")]
    TooLarge {
        /// Size.
        size: usize,
        /// Limit.
        limit: usize,
    },
    /// Signature malformed, non-canonical or not the sender's.
    #[error(transparent)]
    Signature(#[from] TxError),
    /// Refused by the mempool (nonce, duplicates, limits).
    #[error(transparent)]
    Mempool(#[from] MempoolError),
    /// The node failed.
    #[error(transparent)]
    Node(#[from] NodeError),
}

/// Shared view of the node for the API and the engines: committed state, the mempool, and
/// notifications of committed blocks.
#[derive(Clone)]
pub struct NodeHandle {
    config: Arc<NodeConfig>,
    store: Store,
    mempool: Arc<Mutex<Mempool>>,
    head: watch::Receiver<Header>,
    blocks: broadcast::Sender<Committed>,
    metrics: Arc<Metrics>,
    sigcache: Arc<Mutex<SigCache>>,
    gossip: Option<Gossip>,
    engine_info: Arc<Mutex<EngineInfo>>,
    /// Woken whenever a transaction is admitted, for a proposer waiting for work.
    admitted: Arc<tokio::sync::Notify>,
    index: Arc<Index>,
}

/// What the running engine says of this node, for `restake_nodeInfo`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EngineInfo {
    /// `validator` or `full`.
    pub role: String,
    /// This node's consensus address, when it is a validator.
    pub validator: Option<Address>,
}

impl std::fmt::Debug for NodeHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeHandle")
            .field("chain_id", &self.config.chain_id)
            .field("height", &self.head.borrow().height)
            .finish_non_exhaustive()
    }
}

/// Locks `m`, taking the value over from a thread that panicked while holding it.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

impl NodeHandle {
    /// Checks and admits a transaction sent to this node; returns its id. An admitted
    /// transaction is forwarded to the gossip peers.
    pub fn submit(&self, tx: Transaction) -> Result<B256, SubmitError> {
        let forward = self.gossip.as_ref().map(|_| tx.clone());
        let r = self.admit(tx);
        match (&r, forward, &self.gossip) {
            (Ok(_), Some(tx), Some(gossip)) => gossip.send(tx, &self.metrics),
            (Err(_), _, _) => {
                self.metrics
                    .txs_rejected
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            _ => {}
        }
        r
    }

    /// Checks and admits a transaction a peer gossiped; it is not forwarded again (one hop).
    pub fn submit_gossiped(&self, tx: Transaction) -> Result<B256, SubmitError> {
        let r = self.admit(tx);
        if r.is_ok() {
            self.metrics
                .txgossip_received
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        r
    }

    fn admit(&self, tx: Transaction) -> Result<B256, SubmitError> {
        // The canonical encoding is what the transaction takes in a block; counting it writes
        // nothing, unlike re-encoding the JSON it arrived in.
        let size = restake_core::block::encoding::encoded_len(&tx);
        if size > self.config.max_tx_bytes {
            return Err(SubmitError::TooLarge {
                size,
                limit: self.config.max_tx_bytes,
            });
        }
        let hash = tx.verify_and_hash(self.config.chain_id)?;
        lock(&self.sigcache).insert(hash, tx.signature.clone());
        let height = self.head.borrow().height;
        // A sender with pending transactions has its nonce and quota read once per block; a new
        // sender (or one refused for having nothing) costs a few state reads.
        let known = {
            let pool = lock(&self.mempool);
            pool.committed_nonce(&tx.from)
                .zip(pool.quota_remaining(&tx.from, height))
        };
        let (committed, remaining) = match known {
            Some(k) => k,
            None => self.read_account(&tx.from, height)?,
        };
        let mut pool = lock(&self.mempool);
        pool.insert(hash, tx, size, committed, height, remaining)?;
        let len = pool.len();
        drop(pool);
        self.admitted.notify_waiters();
        self.metrics
            .mempool_size
            .store(len as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(hash)
    }

    /// The account's committed nonce, and the quota units it has left for the window of the
    /// block after `head`.
    fn read_account(&self, account: &Address, head: u64) -> Result<(u64, u64), NodeError> {
        use restake_core::config::ConfigRead;
        use restake_core::quota;
        let view = self.store.state()?;
        let params = view.params()?;
        let allowance = quota::allowance(&view, &params, account)?;
        let next = head.saturating_add(1);
        let remaining = quota::remaining(&view, &params, account, next, allowance)?;
        Ok((view.nonce(account)?, remaining))
    }

    /// The nonce the account's next transaction should carry, counting pending ones.
    pub fn next_nonce(&self, account: &Address) -> Result<u64, NodeError> {
        let committed = self.store.state()?.nonce(account)?;
        Ok(lock(&self.mempool).next_nonce(account, committed))
    }

    /// Records what the engine says of this node (role, validator address).
    pub fn set_engine_info(&self, info: EngineInfo) {
        *lock(&self.engine_info) = info;
    }

    /// What the engine said of this node.
    pub fn engine_info(&self) -> EngineInfo {
        lock(&self.engine_info).clone()
    }

    /// The validator set that decides the next block.
    pub fn next_validators(&self) -> Result<ValidatorSet, NodeError> {
        Ok(validators::next_set(&self.store.state()?)?)
    }

    /// The validator set in force at `height` (empty before genesis wrote one).
    pub fn validators_at(&self, height: u64) -> Result<ValidatorSet, NodeError> {
        Ok(validators::set_at(&self.store.state()?, height)?)
    }

    /// The node's configuration.
    pub fn config(&self) -> &NodeConfig {
        &self.config
    }

    /// The store; reads see the last committed block.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The last committed header.
    pub fn head(&self) -> Header {
        self.head.borrow().clone()
    }

    /// Watches the last committed header.
    pub fn watch_head(&self) -> watch::Receiver<Header> {
        self.head.clone()
    }

    /// Hears about every block committed from now on.
    pub fn subscribe_blocks(&self) -> broadcast::Receiver<Committed> {
        self.blocks.subscribe()
    }

    /// The node's counters.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// Waits until the mempool holds a transaction a block could include now, or `limit`
    /// passes; true when there is one. A proposer with nothing to propose waits here, so an idle
    /// chain does not make blocks faster than its block time while a loaded one need not wait.
    pub async fn wait_for_ready(&self, limit: Duration) -> bool {
        let timer = tokio::time::sleep(limit);
        tokio::pin!(timer);
        loop {
            // Registered before the check, so an admission between the two is not missed.
            let admitted = self.admitted.notified();
            tokio::pin!(admitted);
            admitted.as_mut().enable();
            if lock(&self.mempool).has_ready() {
                return true;
            }
            tokio::select! {
                _ = &mut timer => return false,
                _ = &mut admitted => {}
            }
        }
    }

    /// The index of history and lists (outside consensus).
    pub fn index(&self) -> &Arc<Index> {
        &self.index
    }

    /// How many transactions are pending.
    pub fn mempool_len(&self) -> usize {
        lock(&self.mempool).len()
    }
}

/// Starts the application task and the solo engine. Returns the handle and the task that ends
/// when `shutdown` fires (after finishing the block in progress).
pub fn start(
    store: Store,
    genesis: &Genesis,
    genesis_time: u64,
    config: NodeConfig,
    shutdown: watch::Receiver<bool>,
) -> Result<(NodeHandle, tokio::task::JoinHandle<()>), NodeError> {
    let engine = Box::new(SoloEngine::new(config.validator_key.clone()));
    start_with(store, genesis, genesis_time, config, engine, shutdown)
}

/// Starts a node whose blocks are made only when the returned [`ManualEngine`] is asked, at
/// virtual times `config.block_interval` apart: for deterministic tests.
pub fn start_manual(
    store: Store,
    genesis: &Genesis,
    genesis_time: u64,
    config: NodeConfig,
) -> Result<(NodeHandle, ManualEngine), NodeError> {
    let (handle, client, app_task) = start_app(store, genesis, genesis_time, config)?;
    // The application task ends when the engine (its only client) is dropped.
    drop(app_task);
    let step = u64::try_from(handle.config().block_interval.as_millis()).unwrap_or(u64::MAX);
    let key = handle.config().validator_key.clone();
    handle.set_engine_info(EngineInfo {
        role: "validator".into(),
        validator: Some(key.public().address()),
    });
    let manual = ManualEngine::new(handle.clone(), client, key, step);
    Ok((handle, manual))
}

/// Starts the application task and `engine`. Returns the handle and the task that ends when the
/// engine returns (on `shutdown`, or when it fails) and the application has finished.
pub fn start_with(
    store: Store,
    genesis: &Genesis,
    genesis_time: u64,
    config: NodeConfig,
    engine: Box<dyn Engine>,
    shutdown: watch::Receiver<bool>,
) -> Result<(NodeHandle, tokio::task::JoinHandle<()>), NodeError> {
    let (handle, app, app_task) = start_app(store, genesis, genesis_time, config)?;
    let ctx = EngineContext {
        app,
        node: handle.clone(),
        shutdown,
    };
    let task = tokio::spawn(async move {
        if let Err(e) = engine.run(ctx).await {
            tracing::error!(error = %e, "the consensus engine stopped");
        }
        let _ = app_task.await;
    });
    Ok((handle, task))
}

/// Opens the chain and starts the application task; returns the handle, the application's
/// channel and the task (which ends when every client of the channel is gone).
fn start_app(
    store: Store,
    genesis: &Genesis,
    genesis_time: u64,
    config: NodeConfig,
) -> Result<(NodeHandle, AppClient, tokio::task::JoinHandle<()>), NodeError> {
    let chain = Chain::open(store.clone(), genesis, config.chain_id, genesis_time)?;
    let (head_tx, head_rx) = watch::channel(chain.head().clone());
    let (blocks_tx, _) = broadcast::channel(1024);
    let (cons_tx, cons_rx) = mpsc::channel(16);
    let metrics = Arc::new(Metrics::default());
    metrics
        .height
        .store(chain.head().height, std::sync::atomic::Ordering::Relaxed);
    metrics.head_timestamp_ms.store(
        chain.head().timestamp_ms,
        std::sync::atomic::Ordering::Relaxed,
    );
    let mempool = Arc::new(Mutex::new(Mempool::new(config.mempool)));
    let sigcache = Arc::new(Mutex::new(SigCache::new(config.sig_cache_entries)));
    let gossip = Gossip::start(&config.gossip_peers, metrics.clone());
    let index = match &config.index_path {
        Some(path) => Index::open(path),
        None => Index::in_memory(),
    }
    .map(Arc::new)
    .map_err(|e| NodeError::Index(e.to_string()))?;
    let config = Arc::new(config);
    let handle = NodeHandle {
        config: config.clone(),
        store,
        mempool: mempool.clone(),
        head: head_rx,
        blocks: blocks_tx.clone(),
        metrics: metrics.clone(),
        sigcache: sigcache.clone(),
        gossip,
        engine_info: Arc::new(Mutex::new(EngineInfo::default())),
        admitted: Arc::new(tokio::sync::Notify::new()),
        index: index.clone(),
    };
    let app = App::new(
        chain, mempool, sigcache, config, head_tx, blocks_tx, metrics,
    )?;
    let app_task = tokio::task::spawn_blocking(move || app.run(cons_rx));
    crate::index::follow(
        index,
        handle.store.clone(),
        handle.config.chain_id,
        handle.metrics.clone(),
        handle.subscribe_blocks(),
    );
    Ok((handle, AppClient::new(cons_tx), app_task))
}
