//! The running node: one task owns the chain and answers the consensus engine's messages;
//! the solo engine asks for a block every interval (or as soon as the mempool holds a full
//! block) and decides it at once. A BFT engine speaks the same messages.

use crate::chain::{Built, Chain};
use crate::clock;
use crate::error::NodeError;
use crate::mempool::{Mempool, MempoolError, MempoolLimits};
use crate::metrics::Metrics;
use alloy_primitives::{Address, B256};
use restake_core::accounts::AccountsRead;
use restake_core::app::Genesis;
use restake_core::block::{Header, Receipt, Status};
use restake_core::tx::{Transaction, TxError};
use restake_store::Store;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use thiserror::Error;
use tokio::sync::{broadcast, mpsc, oneshot, watch};

/// How the node runs.
#[derive(Debug, Clone)]
pub struct NodeConfig {
    /// Chain id signatures commit to.
    pub chain_id: u64,
    /// Time between blocks.
    pub block_interval: Duration,
    /// Most transactions in one block.
    pub max_block_txs: usize,
    /// Mempool limits.
    pub mempool: MempoolLimits,
    /// Largest accepted transaction, in bytes of JSON.
    pub max_tx_bytes: usize,
    /// Address written as proposer.
    pub proposer: Address,
    /// Pending transactions not included within this many blocks are dropped.
    pub mempool_ttl_blocks: u64,
}

impl Default for NodeConfig {
    fn default() -> Self {
        Self {
            chain_id: 31337,
            block_interval: Duration::from_secs(1),
            max_block_txs: 5_000,
            mempool: MempoolLimits::default(),
            max_tx_bytes: 64 * 1024,
            proposer: Address::ZERO,
            mempool_ttl_blocks: 600,
        }
    }
}

/// Messages from a consensus engine to the application.
#[derive(Debug)]
pub enum ConsensusMsg {
    /// Build the block to propose at the next height.
    Propose {
        /// Proposed timestamp.
        timestamp: u64,
        /// Where the block goes.
        reply: oneshot::Sender<Result<u64, NodeError>>,
    },
    /// The proposed block at this height was decided: commit it.
    Decided {
        /// Height decided.
        height: u64,
        /// Where the committed header goes.
        reply: oneshot::Sender<Result<Header, NodeError>>,
    },
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

/// Shared view of the node for the API.
#[derive(Clone)]
pub struct NodeHandle {
    /// Configuration.
    pub config: Arc<NodeConfig>,
    /// The store (reads see the last committed block).
    pub store: Store,
    /// Pending transactions.
    pub mempool: Arc<Mutex<Mempool>>,
    /// The last committed header.
    pub head: watch::Receiver<Header>,
    /// Every committed block.
    pub blocks: broadcast::Sender<Committed>,
    /// Counters.
    pub metrics: Arc<Metrics>,
    consensus: mpsc::Sender<ConsensusMsg>,
}

fn lock(m: &Mutex<Mempool>) -> MutexGuard<'_, Mempool> {
    match m.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

impl NodeHandle {
    /// Checks and admits a transaction; returns its id.
    pub fn submit(&self, tx: Transaction) -> Result<B256, SubmitError> {
        let r = self.admit(tx);
        if r.is_err() {
            self.metrics
                .txs_rejected
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        r
    }

    fn admit(&self, tx: Transaction) -> Result<B256, SubmitError> {
        let size = serde_json::to_vec(&tx).map_or(usize::MAX, |v| v.len());
        if size > self.config.max_tx_bytes {
            return Err(SubmitError::TooLarge {
                size,
                limit: self.config.max_tx_bytes,
            });
        }
        let hash = tx.verify_and_hash(self.config.chain_id)?;
        let committed = self
            .store
            .state()
            .map_err(NodeError::from)?
            .nonce(&tx.from)
            .map_err(NodeError::from)?;
        let mut pool = lock(&self.mempool);
        let height = self.head.borrow().height;
        pool.insert(hash, tx, committed, height)?;
        let len = pool.len();
        drop(pool);
        self.metrics
            .mempool_size
            .store(len as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(hash)
    }

    /// The nonce the account's next transaction should carry, counting pending ones.
    pub fn next_nonce(&self, account: &Address) -> Result<u64, NodeError> {
        let committed = self.store.state()?.nonce(account)?;
        Ok(lock(&self.mempool).next_nonce(account, committed))
    }

    /// Sends a message to the application task (for engines living elsewhere).
    pub fn consensus(&self) -> mpsc::Sender<ConsensusMsg> {
        self.consensus.clone()
    }
}

/// Starts the application task and the solo engine. Returns the handle and the task that ends
/// when `shutdown` fires (after finishing the block in progress).
pub fn start(
    store: Store,
    genesis: &Genesis,
    genesis_time: u64,
    config: NodeConfig,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(NodeHandle, tokio::task::JoinHandle<()>), NodeError> {
    let chain = Chain::open(store.clone(), genesis, config.chain_id, genesis_time)?;
    let (head_tx, head_rx) = watch::channel(chain.head().clone());
    let (blocks_tx, _) = broadcast::channel(1024);
    let (cons_tx, cons_rx) = mpsc::channel(16);
    let metrics = Arc::new(Metrics::default());
    metrics
        .height
        .store(chain.head().height, std::sync::atomic::Ordering::Relaxed);
    let mempool = Arc::new(Mutex::new(Mempool::new(config.mempool)));
    let config = Arc::new(config);
    let handle = NodeHandle {
        config: config.clone(),
        store,
        mempool: mempool.clone(),
        head: head_rx,
        blocks: blocks_tx.clone(),
        metrics: metrics.clone(),
        consensus: cons_tx.clone(),
    };
    let app = App {
        chain,
        mempool,
        config: config.clone(),
        head: head_tx,
        blocks: blocks_tx,
        metrics,
        pending: None,
    };
    let app_task = tokio::task::spawn_blocking(move || app.run(cons_rx));
    let engine_handle = handle.clone();
    let task = tokio::spawn(async move {
        solo_engine(engine_handle, &mut shutdown).await;
        drop(cons_tx);
        let _ = app_task.await;
    });
    Ok((handle, task))
}

/// The solo engine: propose and decide one block per interval, sooner when a block is full.
async fn solo_engine(handle: NodeHandle, shutdown: &mut watch::Receiver<bool>) {
    let interval = handle.config.block_interval;
    let mut last = clock::now();
    loop {
        let full = lock(&handle.mempool).len() >= handle.config.max_block_txs;
        let wait = if full {
            Duration::ZERO
        } else {
            interval.saturating_sub(last.elapsed())
        };
        tokio::select! {
            _ = tokio::time::sleep(wait.min(Duration::from_millis(50))) => {}
            _ = shutdown.changed() => return,
        }
        if *shutdown.borrow() {
            return;
        }
        let full = lock(&handle.mempool).len() >= handle.config.max_block_txs;
        if !full && last.elapsed() < interval {
            continue;
        }
        last = clock::now();
        let (tx, rx) = oneshot::channel();
        if handle
            .consensus
            .send(ConsensusMsg::Propose {
                timestamp: clock::unix_seconds(),
                reply: tx,
            })
            .await
            .is_err()
        {
            return;
        }
        let height = match rx.await {
            Ok(Ok(h)) => h,
            Ok(Err(e)) => {
                tracing::error!(error = %e, "building a block failed");
                continue;
            }
            Err(_) => return,
        };
        let (tx, rx) = oneshot::channel();
        if handle
            .consensus
            .send(ConsensusMsg::Decided { height, reply: tx })
            .await
            .is_err()
        {
            return;
        }
        match rx.await {
            Ok(Ok(h)) => tracing::debug!(height = h.height, "committed"),
            Ok(Err(e)) => tracing::error!(error = %e, "committing a block failed"),
            Err(_) => return,
        }
    }
}

struct App {
    chain: Chain,
    mempool: Arc<Mutex<Mempool>>,
    config: Arc<NodeConfig>,
    head: watch::Sender<Header>,
    blocks: broadcast::Sender<Committed>,
    metrics: Arc<Metrics>,
    pending: Option<(Built, std::time::Instant)>,
}

impl App {
    fn run(mut self, mut rx: mpsc::Receiver<ConsensusMsg>) {
        while let Some(msg) = rx.blocking_recv() {
            match msg {
                ConsensusMsg::Propose { timestamp, reply } => {
                    let _ = reply.send(self.propose(timestamp));
                }
                ConsensusMsg::Decided { height, reply } => {
                    let _ = reply.send(self.decide(height));
                }
            }
        }
    }

    fn propose(&mut self, timestamp: u64) -> Result<u64, NodeError> {
        let started = clock::now();
        let view = self.chain.store().state()?;
        let txs = {
            let pool = lock(&self.mempool);
            pool.ready(self.config.max_block_txs, |a| {
                view.nonce(a).unwrap_or(u64::MAX)
            })
        };
        drop(view);
        let built = self.chain.build(&txs, timestamp, self.config.proposer)?;
        let height = built.block.header.height;
        self.pending = Some((built, started));
        Ok(height)
    }

    fn decide(&mut self, height: u64) -> Result<Header, NodeError> {
        let (built, started) = self.pending.take().ok_or(NodeError::Stopped)?;
        if built.block.header.height != height {
            return Err(NodeError::Mismatch(format!(
                "decided height {height}, built {}",
                built.block.header.height
            )));
        }
        let receipts = Arc::new(built.receipts.clone());
        let senders: Vec<Address> = built.block.transactions.iter().map(|t| t.from).collect();
        let dropped = built.dropped.clone();
        let header = self.chain.commit(built)?;
        let view = self.chain.store().state()?;
        let len = {
            let mut pool = lock(&self.mempool);
            for s in senders {
                pool.prune_sender(&s, view.nonce(&s)?);
            }
            for d in dropped {
                pool.remove(&d);
            }
            pool.expire(header.height.saturating_sub(self.config.mempool_ttl_blocks));
            pool.len()
        };
        use std::sync::atomic::Ordering::Relaxed;
        let failed = receipts
            .iter()
            .filter(|r| r.status == Status::Failed)
            .count() as u64;
        self.metrics.height.store(header.height, Relaxed);
        self.metrics.blocks.fetch_add(1, Relaxed);
        self.metrics.txs.fetch_add(receipts.len() as u64, Relaxed);
        self.metrics.txs_failed.fetch_add(failed, Relaxed);
        self.metrics.mempool_size.store(len as u64, Relaxed);
        self.metrics
            .observe_commit(u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX));
        let _ = self.head.send(header.clone());
        let _ = self.blocks.send(Committed {
            header: header.clone(),
            receipts,
        });
        Ok(header)
    }
}
