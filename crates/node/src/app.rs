//! The application task: owns the chain and answers the consensus engine's messages
//! ([`ConsensusMsg`]) one at a time.
//!
//! Candidates — blocks built here or received and verified — are kept by hash until a height
//! is decided; the block built for a (height, round) is remembered so that asking again returns
//! the identical block. Committing a candidate prunes the mempool and tells subscribers.

use crate::chain::{Candidate, Chain, VerifyError};
use crate::clock;
use crate::engine::{ConsensusMsg, ProposedBlock};
use crate::error::NodeError;
use crate::mempool::Mempool;
use crate::metrics::Metrics;
use crate::node::{Committed, NodeConfig, lock};
use crate::sigcache::SigCache;
use alloy_primitives::{Address, B256};
use restake_core::accounts::AccountsRead;
use restake_core::block::{Block, Certificate, Header, NextBlock, Status, VerifiedTx};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio::sync::{broadcast, mpsc, watch};

/// Most candidates kept for the next height (own proposals and received blocks): a byzantine
/// peer cannot grow this without bound.
const MAX_CANDIDATES: usize = 64;

pub(crate) struct App {
    chain: Chain,
    mempool: Arc<Mutex<Mempool>>,
    sigcache: Arc<Mutex<SigCache>>,
    config: Arc<NodeConfig>,
    head: watch::Sender<Header>,
    blocks: broadcast::Sender<Committed>,
    metrics: Arc<Metrics>,
    /// Candidates for the next height, by hash, with when their work started.
    candidates: BTreeMap<B256, (Candidate, Instant)>,
    /// The block this node built for each round of the next height.
    own: BTreeMap<u32, B256>,
    /// The head's commit certificate: the next block this node builds carries it.
    last_commit: Option<Certificate>,
}

impl App {
    pub(crate) fn new(
        chain: Chain,
        mempool: Arc<Mutex<Mempool>>,
        sigcache: Arc<Mutex<SigCache>>,
        config: Arc<NodeConfig>,
        head: watch::Sender<Header>,
        blocks: broadcast::Sender<Committed>,
        metrics: Arc<Metrics>,
    ) -> Result<Self, NodeError> {
        let last_commit = chain.head_certificate()?;
        Ok(Self {
            chain,
            mempool,
            sigcache,
            config,
            head,
            blocks,
            metrics,
            candidates: BTreeMap::new(),
            own: BTreeMap::new(),
            last_commit,
        })
    }

    pub(crate) fn run(mut self, mut rx: mpsc::Receiver<ConsensusMsg>) {
        while let Some(msg) = rx.blocking_recv() {
            match msg {
                ConsensusMsg::GetValue {
                    height,
                    round,
                    timestamp_ms,
                    proposer,
                    reply,
                } => {
                    let _ = reply.send(self.get_value(height, round, timestamp_ms, proposer));
                }
                ConsensusMsg::Verify {
                    bytes,
                    now_ms,
                    expected_proposer,
                    note,
                    reply,
                } => {
                    let _ = reply.send(self.verify(&bytes, now_ms, expected_proposer, &note));
                }
                ConsensusMsg::Decided {
                    height,
                    hash,
                    certificate,
                    reply,
                } => {
                    let _ = reply.send(self.decided(height, hash, certificate));
                }
            }
        }
    }

    fn next_height(&self) -> u64 {
        self.chain.head().height.saturating_add(1)
    }

    fn expect_next(&self, height: u64) -> Result<(), NodeError> {
        let next = self.next_height();
        if height != next {
            return Err(NodeError::Mismatch(format!(
                "asked for height {height}, the next height is {next}"
            )));
        }
        Ok(())
    }

    fn proposed(&self, hash: B256) -> Result<ProposedBlock, NodeError> {
        let (candidate, _) = self
            .candidates
            .get(&hash)
            .ok_or_else(|| NodeError::Mismatch(format!("no candidate block {hash}")))?;
        Ok(ProposedBlock {
            hash,
            block: Arc::new(candidate.block().clone()),
        })
    }

    fn get_value(
        &mut self,
        height: u64,
        round: u32,
        timestamp_ms: u64,
        proposer: Address,
    ) -> Result<ProposedBlock, NodeError> {
        self.expect_next(height)?;
        if let Some(hash) = self.own.get(&round) {
            return self.proposed(*hash);
        }
        // Proposed before a restart: the same block again, never a second one.
        if let Some(hash) = self.chain.store().own_proposal(height, round)? {
            self.restore(height, &hash)?;
            self.own.insert(round, hash);
            return self.proposed(hash);
        }
        let started = clock::now();
        let rules = self.chain.rules()?;
        let max = self
            .config
            .max_block_txs
            .min(usize::try_from(rules.max_transactions).unwrap_or(usize::MAX));
        let view = self.chain.store().state()?;
        let txs: Vec<VerifiedTx> = {
            let pool = lock(&self.mempool);
            pool.ready(max, |a| view.nonce(a).unwrap_or(u64::MAX))
                .into_iter()
                .map(|p| VerifiedTx::checked(p.tx, p.hash))
                .collect()
        };
        drop(view);
        let candidate = self.chain.build(
            &txs,
            &NextBlock {
                timestamp_ms,
                proposer,
                last_commit: self.last_commit.clone(),
            },
        )?;
        let hash = candidate.hash();
        let bytes = candidate.block().to_bytes();
        self.chain
            .store()
            .keep_own_proposal(height, round, &hash, &[], &bytes)?;
        self.keep(candidate, started);
        self.own.insert(round, hash);
        self.proposed(hash)
    }

    /// Brings back a candidate kept in the store before a restart: its bytes are re-executed
    /// on the committed head (they were valid when kept, and the head has not moved).
    fn restore(&mut self, height: u64, hash: &B256) -> Result<(), NodeError> {
        if self.candidates.contains_key(hash) {
            return Ok(());
        }
        let started = clock::now();
        let kept =
            self.chain.store().candidate(height, hash)?.ok_or_else(|| {
                NodeError::Mismatch(format!("no candidate block {hash} at {height}"))
            })?;
        let rules = self.chain.rules()?;
        let block = Block::from_bytes(&kept.block, rules.max_bytes_usize()).map_err(|e| {
            NodeError::Corrupt {
                what: "kept candidate",
                reason: e.to_string(),
            }
        })?;
        let candidate = self
            .chain
            .verify(&block, None, |_, _| false)
            .map_err(|e| match e {
                VerifyError::Node(n) => n,
                VerifyError::Invalid(i) => NodeError::Corrupt {
                    what: "kept candidate",
                    reason: i.to_string(),
                },
            })?;
        self.keep(candidate, started);
        Ok(())
    }

    fn verify(
        &mut self,
        bytes: &[u8],
        now_ms: Option<u64>,
        expected_proposer: Option<Address>,
        note: &[u8],
    ) -> Result<B256, VerifyError> {
        let started = clock::now();
        let rules = self.chain.rules()?;
        let block = Block::from_bytes(bytes, rules.max_bytes_usize())
            .map_err(restake_core::block::InvalidBlock::from)?;
        if let Some(expected) = expected_proposer
            && block.header.proposer != expected
        {
            return Err(restake_core::block::InvalidBlock::Proposer {
                got: block.header.proposer,
                expected,
            }
            .into());
        }
        let hash = block.header.hash();
        if self.candidates.contains_key(&hash) {
            return Ok(hash);
        }
        // Transactions this node admitted (from a client or a gossip peer) carry signatures it
        // already recovered: the signature cache remembers them with their exact signature
        // bytes. The lock is taken per transaction, so admission goes on while a large block
        // is checked.
        let (sigcache, metrics) = (&self.sigcache, &self.metrics);
        let known = |id: &B256, tx: &restake_core::tx::Transaction| {
            use std::sync::atomic::Ordering::Relaxed;
            let hit = lock(sigcache).contains(id, &tx.signature);
            let counter = if hit {
                &metrics.sigcache_hits
            } else {
                &metrics.sigcache_misses
            };
            counter.fetch_add(1, Relaxed);
            hit
        };
        let candidate = self.chain.verify(&block, now_ms, known)?;
        let height = candidate.header().height;
        self.chain
            .store()
            .keep_candidate(height, &hash, note, bytes)
            .map_err(NodeError::from)?;
        self.keep(candidate, started);
        Ok(hash)
    }

    fn keep(&mut self, candidate: Candidate, started: Instant) {
        if self.candidates.len() >= MAX_CANDIDATES {
            // Keep own proposals; forget the oldest received block.
            let own: Vec<B256> = self.own.values().copied().collect();
            if let Some(victim) = self.candidates.keys().find(|h| !own.contains(h)).copied() {
                self.candidates.remove(&victim);
            }
        }
        self.candidates
            .insert(candidate.hash(), (candidate, started));
    }

    fn decided(
        &mut self,
        height: u64,
        hash: B256,
        certificate: Certificate,
    ) -> Result<Header, NodeError> {
        // A decision replayed after a restart names a block already committed.
        if height <= self.chain.head().height {
            return match self.chain.store().block_height_by_hash(&hash)? {
                Some(h) if h == height => crate::chain::read_block(self.chain.store(), height)?
                    .map(|b| b.header)
                    .ok_or_else(|| NodeError::Mismatch(format!("block {height} is missing"))),
                _ => Err(NodeError::Mismatch(format!(
                    "height {height} is committed with another block than {hash}"
                ))),
            };
        }
        self.expect_next(height)?;
        // Verified (and kept) before a restart, decided after it.
        if !self.candidates.contains_key(&hash) {
            self.restore(height, &hash)?;
        }
        let (candidate, started) = self.candidates.remove(&hash).ok_or_else(|| {
            NodeError::Mismatch(format!("no candidate block {hash} at height {height}"))
        })?;
        let receipts = Arc::new(candidate.sealed.receipts.clone());
        let senders: Vec<Address> = candidate
            .block()
            .transactions
            .iter()
            .map(|t| t.from)
            .collect();
        let dropped = candidate.sealed.dropped.clone();
        let set = self.chain.next_validators()?;
        certificate
            .verify_for(self.chain.chain_id(), height, hash, &set)
            .map_err(|e| NodeError::Mismatch(format!("the decision's certificate: {e}")))?;
        let header = self.chain.commit(candidate, &certificate)?;
        self.last_commit = Some(certificate);
        self.candidates.clear();
        self.own.clear();
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
        self.metrics
            .head_timestamp_ms
            .store(header.timestamp_ms, Relaxed);
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
