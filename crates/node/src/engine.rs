//! The consensus seam: the messages an engine sends the application, and the two engines that
//! ship with the node.
//!
//! The messages follow Malachite's app-channel, in values: *get a value* for (height, round)
//! returns a block, the identical one when asked again; *verify* checks a block built elsewhere
//! and keeps it as a candidate; *decided* commits a candidate by hash with its commit
//! certificate. The application knows nothing else of the engine.
//!
//! - [`solo_engine`] runs `restake dev`: one validator proposes and decides a block every
//!   interval, never sooner.
//! - [`ManualEngine`] steps the application deterministically for tests: every block is made
//!   when the test asks, at a time the test chooses, with no wall-clock waits.

use crate::chain::VerifyError;
use crate::clock;
use crate::error::NodeError;
use crate::node::NodeHandle;
use alloy_primitives::{Address, B256};
use restake_core::block::{Block, Certificate, Header};
use restake_primitives::ed25519::SecretKey;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, watch};

/// A block the application proposes, with its hash (the value consensus votes on).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposedBlock {
    /// The header's hash.
    pub hash: B256,
    /// The block.
    pub block: Arc<Block>,
}

/// Messages from a consensus engine to the application.
#[derive(Debug)]
pub enum ConsensusMsg {
    /// Give the block to propose at (height, round). Asking again for the same (height, round)
    /// returns the identical block, also after a restart: the block is kept durably before the
    /// reply.
    GetValue {
        /// Height: the committed head's + 1.
        height: u64,
        /// Consensus round.
        round: u32,
        /// Proposed time in milliseconds (raised to the earliest the chain allows).
        timestamp_ms: u64,
        /// The proposer, as the engine names it.
        proposer: Address,
        /// Where the block goes.
        reply: oneshot::Sender<Result<ProposedBlock, NodeError>>,
    },
    /// Check a block received from another validator (its canonical bytes); a valid one is
    /// kept as a candidate, durably, before the reply.
    Verify {
        /// The block's canonical encoding.
        bytes: Vec<u8>,
        /// This node's clock for a live proposal; `None` for blocks synced from history.
        now_ms: Option<u64>,
        /// The validator that must have built it (the proposer of the round it was first
        /// proposed in), when the engine knows it.
        expected_proposer: Option<Address>,
        /// The engine's own record of the block (round, how it arrived), kept with it and given
        /// back by [`restake_store::Store::candidates`].
        note: Vec<u8>,
        /// The block's hash, or why it is invalid.
        reply: oneshot::Sender<Result<B256, VerifyError>>,
    },
    /// The candidate with this hash was decided at this height: commit it, whoever built it.
    Decided {
        /// Height decided.
        height: u64,
        /// Hash of the decided block.
        hash: B256,
        /// The commit certificate; stored with the block, and carried by the next block this
        /// node builds.
        certificate: Certificate,
        /// Where the committed header goes.
        reply: oneshot::Sender<Result<Header, NodeError>>,
    },
}

/// Sends one message and waits for its reply.
async fn ask<T>(
    consensus: &mpsc::Sender<ConsensusMsg>,
    msg: impl FnOnce(oneshot::Sender<T>) -> ConsensusMsg,
) -> Result<T, NodeError> {
    let (tx, rx) = oneshot::channel();
    consensus
        .send(msg(tx))
        .await
        .map_err(|_| NodeError::Stopped)?;
    rx.await.map_err(|_| NodeError::Stopped)
}

/// A typed client of the application's channel, for engines.
#[derive(Debug, Clone)]
pub struct AppClient {
    consensus: mpsc::Sender<ConsensusMsg>,
}

impl AppClient {
    /// A client over the application's channel.
    pub fn new(consensus: mpsc::Sender<ConsensusMsg>) -> Self {
        Self { consensus }
    }

    /// [`ConsensusMsg::GetValue`].
    pub async fn get_value(
        &self,
        height: u64,
        round: u32,
        timestamp_ms: u64,
        proposer: Address,
    ) -> Result<ProposedBlock, NodeError> {
        ask(&self.consensus, |reply| ConsensusMsg::GetValue {
            height,
            round,
            timestamp_ms,
            proposer,
            reply,
        })
        .await?
    }

    /// [`ConsensusMsg::Verify`] of a block from anyone, with no note.
    pub async fn verify(&self, bytes: Vec<u8>, now_ms: Option<u64>) -> Result<B256, VerifyError> {
        self.verify_from(bytes, now_ms, None, Vec::new()).await
    }

    /// [`ConsensusMsg::Verify`].
    pub async fn verify_from(
        &self,
        bytes: Vec<u8>,
        now_ms: Option<u64>,
        expected_proposer: Option<Address>,
        note: Vec<u8>,
    ) -> Result<B256, VerifyError> {
        ask(&self.consensus, |reply| ConsensusMsg::Verify {
            bytes,
            now_ms,
            expected_proposer,
            note,
            reply,
        })
        .await
        .map_err(VerifyError::Node)?
    }

    /// [`ConsensusMsg::Decided`].
    pub async fn decided(
        &self,
        height: u64,
        hash: B256,
        certificate: Certificate,
    ) -> Result<Header, NodeError> {
        ask(&self.consensus, |reply| ConsensusMsg::Decided {
            height,
            hash,
            certificate,
            reply,
        })
        .await?
    }
}

/// What an engine runs with.
#[derive(Debug)]
pub struct EngineContext {
    /// The application's channel.
    pub app: AppClient,
    /// The node: committed state, the store, the mempool, configuration.
    pub node: NodeHandle,
    /// Fires when the node stops.
    pub shutdown: watch::Receiver<bool>,
}

/// A consensus engine: drives the application through [`AppClient`] until the node stops. The
/// solo engine and the BFT engine (crate `restake-consensus`) implement it, so the application
/// has one code path whatever decides its blocks.
pub trait Engine: Send + 'static {
    /// Runs until `ctx.shutdown` fires (`Ok`) or the engine cannot go on (`Err`).
    fn run(
        self: Box<Self>,
        ctx: EngineContext,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), NodeError>> + Send>>;
}

/// The engine of `restake dev`: see [`solo_engine`].
#[derive(Debug, Clone)]
pub struct SoloEngine {
    key: SecretKey,
}

impl SoloEngine {
    /// The solo engine of the validator with `key` (the genesis set's only member).
    pub fn new(key: SecretKey) -> Self {
        Self { key }
    }
}

impl Engine for SoloEngine {
    fn run(
        self: Box<Self>,
        ctx: EngineContext,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), NodeError>> + Send>> {
        Box::pin(async move {
            let EngineContext {
                app,
                node,
                mut shutdown,
            } = ctx;
            check_single_validator(&node, &self.key)?;
            node.set_engine_info(crate::node::EngineInfo {
                role: "validator".into(),
                validator: Some(self.key.public().address()),
            });
            solo_engine(node, app, self.key, &mut shutdown).await;
            Ok(())
        })
    }
}

/// A solo engine can decide blocks only if its key is the whole validator set.
fn check_single_validator(node: &NodeHandle, key: &SecretKey) -> Result<(), NodeError> {
    let set = node.next_validators()?;
    let me = key.public().address();
    match set.validators() {
        [only] if only.address == me => Ok(()),
        _ => Err(NodeError::Mismatch(format!(
            "this node's validator key ({me}) must be the only validator of the chain to run \
             alone; the chain has {} validator(s)",
            set.len()
        ))),
    }
}

/// A one-signature commit certificate by `key` for block `hash` at `height`, round 0.
fn sign_alone(handle: &NodeHandle, key: &SecretKey, height: u64, hash: B256) -> Certificate {
    Certificate::sign(handle.config().chain_id, height, 0, hash, &[key])
}

/// The solo engine: the validator of `key`, the chain's only one, proposes and decides one block
/// per interval, never sooner: the next block waits until the clock is at least the head's
/// timestamp plus the interval, whatever the mempool holds. (Starting early when the mempool
/// looked full let anyone speed up the chain's clock with transactions that could never run:
/// every delay counted in blocks shrank with it.) Each block is decided with a certificate the
/// key signs, which the next block carries. Returns when `shutdown` fires.
pub async fn solo_engine(
    handle: NodeHandle,
    app: AppClient,
    key: SecretKey,
    shutdown: &mut watch::Receiver<bool>,
) {
    let proposer: Address = key.public().address();
    let interval_ms = u64::try_from(handle.config().block_interval.as_millis()).unwrap_or(u64::MAX);
    loop {
        let due_ms = handle.head().timestamp_ms.saturating_add(interval_ms);
        let wait = Duration::from_millis(due_ms.saturating_sub(clock::unix_millis()));
        tokio::select! {
            _ = tokio::time::sleep(wait.min(Duration::from_millis(50))) => {}
            _ = shutdown.changed() => return,
        }
        if *shutdown.borrow() {
            return;
        }
        if clock::unix_millis() < due_ms {
            continue;
        }
        let height = handle.head().height.saturating_add(1);
        let proposed = match app
            .get_value(height, 0, clock::unix_millis(), proposer)
            .await
        {
            Ok(p) => p,
            Err(NodeError::Stopped) => return,
            Err(e) => {
                tracing::error!(error = %e, "building a block failed");
                continue;
            }
        };
        let certificate = sign_alone(&handle, &key, height, proposed.hash);
        match app.decided(height, proposed.hash, certificate).await {
            Ok(h) => tracing::debug!(height = h.height, "committed"),
            Err(NodeError::Stopped) => return,
            Err(e) => tracing::error!(error = %e, "committing a block failed"),
        }
    }
}

/// An engine that makes a block only when asked, at a virtual time: a deterministic driver for
/// tests (no timers, no wall clock).
#[derive(Debug)]
pub struct ManualEngine {
    app: AppClient,
    handle: NodeHandle,
    key: SecretKey,
    next_ms: u64,
    step_ms: u64,
}

impl ManualEngine {
    /// An engine over `app` whose blocks are `step_ms` apart, starting after the committed head;
    /// the validator of `key` proposes and signs every certificate.
    pub fn new(handle: NodeHandle, app: AppClient, key: SecretKey, step_ms: u64) -> Self {
        let next_ms = handle.head().timestamp_ms.saturating_add(step_ms);
        Self {
            app,
            handle,
            key,
            next_ms,
            step_ms,
        }
    }

    /// The application's channel, to send messages by hand.
    pub fn app(&self) -> &AppClient {
        &self.app
    }

    /// Proposes and decides the next block from whatever is pending; returns its header.
    pub async fn produce_block(&mut self) -> Result<Header, NodeError> {
        let height = self.handle.head().height.saturating_add(1);
        let proposed = self
            .app
            .get_value(height, 0, self.next_ms, self.key.public().address())
            .await?;
        let certificate = sign_alone(&self.handle, &self.key, height, proposed.hash);
        let header = self.app.decided(height, proposed.hash, certificate).await?;
        self.next_ms = header.timestamp_ms.saturating_add(self.step_ms);
        Ok(header)
    }

    /// Produces blocks until the mempool is empty (at most `max` blocks); returns how many.
    pub async fn produce_until_empty(&mut self, max: usize) -> Result<usize, NodeError> {
        let mut made = 0;
        while made < max && self.handle.mempool_len() > 0 {
            self.produce_block().await?;
            made = made.saturating_add(1);
        }
        Ok(made)
    }
}
