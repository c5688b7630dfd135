//! The Malachite engine behind Restake's [`Engine`] seam: it starts Malachite's actors (network,
//! WAL, consensus, sync) and answers every application message Malachite sends by asking the
//! node's application task — the same get-value / verify / decided messages the solo engine
//! sends, so there is one application code path.
//!
//! Every reply is sent on every path, errors included (a dropped reply stalls or stops
//! Malachite). What must survive a crash is persisted before the reply, by the application:
//! the block proposed for a (height, round), every verified block, every decision.

use crate::RestakeContext;
use crate::certificate::{extended_from_core, to_core};
use crate::codec::RestakeCodec;
use crate::parts::{self, Streams};
use crate::signing::{RestakeSigner, RestakeVerifier};
use crate::types::{BlockHash, ConsensusAddress, Height, ValidatorSet};
use borsh::{BorshDeserialize, BorshSerialize};
use bytes::Bytes;
use malachitebft_app_channel::app::config::{
    ConsensusConfig, NodeConfig as MalachiteConfig, ValuePayload, ValueSyncConfig,
};
use malachitebft_app_channel::app::engine::host::{HeightParams, Next, SyncedValueOutcome};
use malachitebft_app_channel::app::types::core::{LinearTimeouts, Round, Validity};
use malachitebft_app_channel::app::types::streaming::StreamId;
use malachitebft_app_channel::app::types::sync::RawDecidedValue;
use malachitebft_app_channel::app::types::{Keypair, LocallyProposedValue, ProposedValue};
use malachitebft_app_channel::{
    AppMsg, Channels, ConsensusContext, EngineBuilder, NetworkContext, NetworkIdentity, NetworkMsg,
    RequestContext, SyncContext, WalContext,
};
use malachitebft_codec::Codec;
use restake_core::block::{Block, InvalidBlock};
use restake_node::chain::VerifyError;
use restake_node::clock;
use restake_node::engine::{AppClient, Engine, EngineContext};
use restake_node::{NodeError, NodeHandle};
use restake_primitives::ed25519::{SecretKey, Signature};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::pin::Pin;
use std::time::Duration;

/// Consensus timeouts, in milliseconds (Malachite's linear timeouts: base + delta × round).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeoutSettings {
    /// Waiting for a proposal.
    pub propose_ms: u64,
    /// Added per round.
    pub propose_delta_ms: u64,
    /// Waiting for prevotes after seeing two thirds for anything.
    pub prevote_ms: u64,
    /// Added per round.
    pub prevote_delta_ms: u64,
    /// Waiting for precommits after seeing two thirds for anything.
    pub precommit_ms: u64,
    /// Added per round.
    pub precommit_delta_ms: u64,
    /// Until a stuck round rebroadcasts its messages.
    pub rebroadcast_ms: u64,
}

impl TimeoutSettings {
    /// Timeouts scaled to a block time: proposals get the longest wait.
    pub fn for_block_time(block_time_ms: u64) -> Self {
        let t = block_time_ms.max(100);
        Self {
            propose_ms: t.saturating_mul(3).max(1_000),
            propose_delta_ms: t.max(500),
            prevote_ms: t.max(500),
            prevote_delta_ms: t.div_ceil(2).max(250),
            precommit_ms: t.max(500),
            precommit_delta_ms: t.div_ceil(2).max(250),
            rebroadcast_ms: t.saturating_mul(5).max(2_000),
        }
    }

    fn linear(&self) -> LinearTimeouts {
        let ms = Duration::from_millis;
        LinearTimeouts {
            propose: ms(self.propose_ms),
            propose_delta: ms(self.propose_delta_ms),
            prevote: ms(self.prevote_ms),
            prevote_delta: ms(self.prevote_delta_ms),
            precommit: ms(self.precommit_ms),
            precommit_delta: ms(self.precommit_delta_ms),
            rebroadcast: ms(self.rebroadcast_ms),
            ..LinearTimeouts::default()
        }
    }
}

/// How a node takes part in consensus.
#[derive(Debug, Clone)]
pub struct ConsensusSettings {
    /// The consensus key of a validator; `None` for a full node (it follows, never votes).
    pub validator_key: Option<SecretKey>,
    /// The libp2p identity's ed25519 secret (separate from the consensus key, ADR 0006).
    pub node_key: [u8; 32],
    /// A name in logs and metrics.
    pub moniker: String,
    /// Multiaddr to listen on, e.g. `/ip4/127.0.0.1/tcp/9545`.
    pub listen: String,
    /// Multiaddrs of the peers to keep connected to.
    pub persistent_peers: Vec<String>,
    /// Where Malachite keeps its write-ahead log.
    pub wal_path: PathBuf,
    /// Round timeouts.
    pub timeouts: TimeoutSettings,
    /// The block time: with nothing to include, the proposer makes its block this long after
    /// the parent's (an idle chain does not spin); with transactions waiting, a height takes the
    /// chain's minimum block interval (Malachite's target time).
    pub block_time: Duration,
    /// Most connections from one IP address (every node of a local testnet shares 127.0.0.1).
    pub max_connections_per_ip: usize,
}

/// The libp2p peer id of a node key, as persistent-peer multiaddrs name it (`/p2p/<id>`).
pub fn peer_id(node_key: [u8; 32]) -> Result<String, NodeError> {
    let keypair = Keypair::ed25519_from_bytes(node_key)
        .map_err(|e| NodeError::Mismatch(format!("node key: {e}")))?;
    Ok(keypair.public().to_peer_id().to_base58())
}

/// Malachite's node configuration, from [`ConsensusSettings`].
#[derive(Debug, Clone)]
struct Config {
    moniker: String,
    consensus: ConsensusConfig,
    value_sync: ValueSyncConfig,
}

impl MalachiteConfig for Config {
    fn moniker(&self) -> &str {
        &self.moniker
    }
    fn consensus(&self) -> &ConsensusConfig {
        &self.consensus
    }
    fn consensus_mut(&mut self) -> &mut ConsensusConfig {
        &mut self.consensus
    }
    fn value_sync(&self) -> &ValueSyncConfig {
        &self.value_sync
    }
    fn value_sync_mut(&mut self) -> &mut ValueSyncConfig {
        &mut self.value_sync
    }
}

fn config(s: &ConsensusSettings, chain_id: u64) -> Result<Config, NodeError> {
    let bad = |what: &str, e: &dyn std::fmt::Display| {
        NodeError::Mismatch(format!("consensus {what}: {e}"))
    };
    let mut consensus = ConsensusConfig {
        value_payload: ValuePayload::ProposalAndParts,
        ..ConsensusConfig::default()
    };
    let p2p = &mut consensus.p2p;
    p2p.listen_addr = s.listen.parse().map_err(|e| bad("listen address", &e))?;
    p2p.persistent_peers = s
        .persistent_peers
        .iter()
        .map(|p| p.parse().map_err(|e| bad("peer address", &e)))
        .collect::<Result<_, _>>()?;
    p2p.discovery.enabled = false;
    p2p.discovery.max_connections_per_ip = s.max_connections_per_ip.max(1);
    // Two networks on one machine never mix: the protocol names carry the chain id.
    let prefix = format!("/restake-{chain_id}");
    p2p.protocol_names.consensus = format!("{prefix}/consensus");
    p2p.protocol_names.sync = format!("{prefix}/sync");
    p2p.protocol_names.validator_proof = format!("{prefix}/validator-proof");
    let value_sync = ValueSyncConfig {
        status_update_interval: Duration::from_secs(1),
        request_timeout: Duration::from_secs(5),
        batch_size: 10,
        ..ValueSyncConfig::default()
    };
    Ok(Config {
        moniker: s.moniker.clone(),
        consensus,
        value_sync,
    })
}

/// Restake on Malachite: the [`Engine`] a validator or full node of a network runs.
#[derive(Debug)]
pub struct MalachiteEngine {
    settings: ConsensusSettings,
}

impl MalachiteEngine {
    /// An engine with `settings`.
    pub fn new(settings: ConsensusSettings) -> Self {
        Self { settings }
    }
}

impl Engine for MalachiteEngine {
    fn run(
        self: Box<Self>,
        ctx: EngineContext,
    ) -> Pin<Box<dyn std::future::Future<Output = Result<(), NodeError>> + Send>> {
        Box::pin(run(self.settings, ctx))
    }
}

async fn run(settings: ConsensusSettings, ctx: EngineContext) -> Result<(), NodeError> {
    let EngineContext {
        app,
        node,
        mut shutdown,
    } = ctx;
    let chain_id = node.config().chain_id;
    let context = RestakeContext::new(chain_id);
    let codec = RestakeCodec;
    let keypair = Keypair::ed25519_from_bytes(settings.node_key)
        .map_err(|e| NodeError::Mismatch(format!("node key: {e}")))?;
    let peer = keypair.public().to_peer_id();
    let verifier = RestakeVerifier::new(chain_id);
    let signer = settings
        .validator_key
        .clone()
        .map(|k| RestakeSigner::new(chain_id, k));
    let (address, identity, consensus) = match &signer {
        Some(signer) => {
            let proof = signer
                .validator_proof(signer.public_key().to_bytes().to_vec(), peer.to_bytes())
                .map_err(|e| NodeError::Mismatch(format!("validator proof: {e}")))?;
            let proof = codec
                .encode(&proof)
                .map_err(|e| NodeError::Mismatch(format!("validator proof: {e}")))?;
            let address = signer.address();
            let identity = NetworkIdentity::new_validator(
                settings.moniker.clone(),
                keypair,
                address.to_string(),
                proof,
            );
            let consensus = ConsensusContext::new_validator(
                address,
                Box::new(verifier),
                Box::new(signer.clone()),
            );
            (address, identity, consensus)
        }
        None => {
            // A full node has no consensus key: its address names nobody in the set.
            let address = ConsensusAddress::new([0; 20]);
            let identity = NetworkIdentity::new(settings.moniker.clone(), keypair, None);
            let consensus = ConsensusContext::new_full_node(address, Box::new(verifier));
            (address, identity, consensus)
        }
    };
    let cfg = config(&settings, chain_id)?;
    let (mut channels, handle) = EngineBuilder::new(context, cfg)
        .with_default_wal(WalContext::new(settings.wal_path.clone(), codec))
        .with_default_network(NetworkContext::new(identity, codec))
        .with_default_sync(SyncContext::new(codec))
        .with_default_consensus(consensus)
        .with_default_request(RequestContext::new(100))
        .build()
        .await
        .map_err(|e| NodeError::Mismatch(format!("starting consensus: {e}")))?;
    tracing::info!(%address, peer = %peer, "consensus started");
    node.set_engine_info(restake_node::node::EngineInfo {
        role: if signer.is_some() {
            "validator"
        } else {
            "full"
        }
        .into(),
        validator: signer.as_ref().map(|s| s.address().to_address()),
    });
    let mut driver = Driver::new(
        app,
        node,
        address,
        signer,
        verifier,
        &settings.timeouts,
        settings.block_time,
    );
    let result = loop {
        tokio::select! {
            msg = channels.consensus.recv() => match msg {
                Some(msg) => {
                    if let Err(e) = driver.handle(msg, &mut channels).await {
                        break Err(e);
                    }
                }
                None => break Err(NodeError::Mismatch("consensus stopped".into())),
            },
            _ = shutdown.changed() => break Ok(()),
        }
    };
    handle.actor.stop(None);
    let _ = tokio::time::timeout(Duration::from_secs(5), handle.handle).await;
    result
}

/// A value as consensus hears of it: proposed in `round` (a first proposal: no valid round).
fn proposed(
    height: Height,
    round: Round,
    proposer: ConsensusAddress,
    value: BlockHash,
    validity: Validity,
) -> ProposedValue<RestakeContext> {
    ProposedValue {
        height,
        round,
        valid_round: Round::Nil,
        proposer,
        value,
        validity,
    }
}

/// What this node records with a received block: the round it was first proposed in, its
/// proposer and the proposer's `Fin` signature (to restream it exactly if this node must
/// re-propose it).
#[derive(Debug, Clone, BorshSerialize, BorshDeserialize)]
struct Note {
    round: u32,
    proposer: [u8; 20],
    signature: Option<[u8; 64]>,
}

struct Driver {
    app: AppClient,
    node: NodeHandle,
    me: ConsensusAddress,
    signer: Option<RestakeSigner>,
    verifier: RestakeVerifier,
    timeouts: LinearTimeouts,
    block_time: Duration,
    streams: Streams,
    height: Height,
    nonce: u64,
    /// The last height whose block arrived through sync rather than a live round.
    synced: Option<u64>,
    /// When this node first held each block proposed live at the current height (built or
    /// received and verified), for the proposal-to-commit latency.
    seen: BTreeMap<BlockHash, std::time::Instant>,
    /// Complete blocks streamed for the next height before this node started it (its proposer
    /// was quicker): checked and kept when that height starts, so the round need not time out.
    early: Vec<parts::Assembled>,
}

/// Most blocks held for the next height before it starts.
const EARLY_MAX: usize = 8;

impl Driver {
    fn new(
        app: AppClient,
        node: NodeHandle,
        me: ConsensusAddress,
        signer: Option<RestakeSigner>,
        verifier: RestakeVerifier,
        timeouts: &TimeoutSettings,
        block_time: Duration,
    ) -> Self {
        Self {
            app,
            node,
            me,
            signer,
            verifier,
            timeouts: timeouts.linear(),
            block_time,
            streams: Streams::default(),
            height: Height(0),
            nonce: 0,
            synced: None,
            seen: BTreeMap::new(),
            early: Vec::new(),
        }
    }

    /// A height's validator set, timeouts and Malachite's target time. The target time is the
    /// chain's minimum block interval: the shortest a height may take, so a loaded chain makes
    /// blocks as fast as the protocol allows. The block time is kept by the proposer instead
    /// ([`Driver::await_work`]): with nothing to include it proposes only when the block time
    /// since the parent is up.
    fn params(&self, height: u64) -> Result<HeightParams<RestakeContext>, NodeError> {
        let state = self.node.store().state()?;
        let set = ValidatorSet::try_from(restake_core::validators::set_at(&state, height)?)
            .map_err(|e| NodeError::Mismatch(format!("validator set of height {height}: {e}")))?;
        let min_interval = {
            use restake_core::config::ConfigRead;
            Duration::from_millis(state.params()?.min_block_interval_ms)
        };
        Ok(HeightParams::new(
            set,
            self.timeouts,
            Some(min_interval.min(self.block_time)),
        ))
    }

    /// Before a first-round proposal, waits for something to propose: a transaction a block
    /// could include, or the block time since the parent's timestamp, whichever comes first
    /// (never more than half the propose timeout, so the other validators keep waiting for it).
    /// Later rounds, and a (height, round) already proposed before a restart, do not wait.
    async fn await_work(&self, height: Height, round: Round, timeout: Duration) {
        if round != Round::new(0) {
            return;
        }
        if let Ok(Some(_)) = self.node.store().own_proposal(height.get(), 0) {
            return;
        }
        let block_time_ms = u64::try_from(self.block_time.as_millis()).unwrap_or(u64::MAX);
        let due_ms = self.node.head().timestamp_ms.saturating_add(block_time_ms);
        let idle = Duration::from_millis(due_ms.saturating_sub(clock::unix_millis()));
        let limit = idle.min(timeout.checked_div(2).unwrap_or_default());
        if !limit.is_zero() {
            self.node.wait_for_ready(limit).await;
        }
    }

    fn next(&self) -> Result<(Height, HeightParams<RestakeContext>), NodeError> {
        let h = self.node.head().height.saturating_add(1);
        Ok((Height(h), self.params(h)?))
    }

    async fn handle(
        &mut self,
        msg: AppMsg<RestakeContext>,
        channels: &mut Channels<RestakeContext>,
    ) -> Result<(), NodeError> {
        match msg {
            AppMsg::ConsensusReady { reply } => {
                let next = self.next()?;
                tracing::info!(height = next.0.get(), "consensus ready");
                let _ = reply.send(next);
            }
            AppMsg::StartedRound {
                height,
                round,
                proposer,
                role,
                reply_value,
            } => {
                if round.as_u32().unwrap_or(0) > 0 {
                    // Worth a line: the round before did not decide (a slow or absent proposer).
                    tracing::info!(height = height.get(), round = %round, %proposer, ?role, "round started after the previous one did not decide");
                } else {
                    tracing::debug!(height = height.get(), round = %round, %proposer, ?role, "round started");
                }
                self.node.metrics().consensus_round.store(
                    u64::from(round.as_u32().unwrap_or(0)),
                    std::sync::atomic::Ordering::Relaxed,
                );
                let values = self.start_round(height, round).await;
                // Peers, from the network actor, off the message loop (it must never wait).
                let requests = channels.net_requests.clone();
                let metrics = self.node.metrics().clone();
                tokio::spawn(async move {
                    use malachitebft_app_channel::NetworkRequest;
                    if let Ok(Some(dump)) = NetworkRequest::dump_state(&requests).await {
                        metrics.consensus_peers.store(
                            u64::try_from(dump.peers.len()).unwrap_or(u64::MAX),
                            std::sync::atomic::Ordering::Relaxed,
                        );
                    }
                });
                let _ = reply_value.send(values);
            }
            AppMsg::GetValue {
                height,
                round,
                timeout,
                reply,
            } => {
                self.await_work(height, round, timeout).await;
                let proposed = self
                    .app
                    .get_value(
                        height.get(),
                        round.as_u32().unwrap_or(0),
                        clock::unix_millis(),
                        self.me.to_address(),
                    )
                    .await?;
                let value = BlockHash(proposed.hash);
                self.seen.entry(value).or_insert_with(clock::now);
                let _ = reply.send(LocallyProposedValue::new(height, round, value));
                let bytes = proposed.block.to_bytes();
                self.publish(channels, height, round, self.me, &bytes, None, value)
                    .await;
            }
            AppMsg::ExtendVote { reply, .. } => {
                let _ = reply.send(None);
            }
            AppMsg::VerifyVoteExtensions {
                extensions, reply, ..
            } => {
                // Vote extensions are off: any extension is refused.
                let verdicts = extensions
                    .into_iter()
                    .map(|(a, _)| {
                        (
                            a,
                            Err(malachitebft_app_channel::app::consensus::VoteExtensionError::InvalidVoteExtension),
                        )
                    })
                    .collect();
                let _ = reply.send(verdicts);
            }
            AppMsg::RestreamProposal {
                height,
                round,
                valid_round,
                address,
                value_id,
            } => {
                self.restream(channels, height, round, valid_round, address, value_id)
                    .await;
            }
            AppMsg::GetHistoryMinHeight { reply } => {
                let _ = reply.send(Height(1));
            }
            AppMsg::ReceivedProposalPart {
                from,
                published_by,
                part,
                reply,
            } => {
                let publisher = published_by.unwrap_or(from);
                let value = self.on_part(&publisher, part).await;
                let _ = reply.send(value);
            }
            AppMsg::Decided {
                certificate, reply, ..
            } => {
                let height = certificate.height.get();
                let core = to_core(&certificate)
                    .map_err(|e| NodeError::Mismatch(format!("decided certificate: {e}")))?;
                let hash = core.block_hash;
                // A decision this node cannot commit is fatal: replying would let sync advertise
                // a height this node does not hold.
                let header = self.app.decided(height, hash, core).await?;
                tracing::debug!(height, round = %certificate.round, %hash, "decided");
                self.node.metrics().observe_decision(
                    u64::from(certificate.round.as_u32().unwrap_or(0)).saturating_add(1),
                    self.seen
                        .get(&certificate.value_id)
                        .map(|t| u64::try_from(t.elapsed().as_micros()).unwrap_or(u64::MAX)),
                );
                // Catching up: this height came through sync, and the head is well behind the
                // clock (three block times).
                let lag = u64::try_from(self.block_time.as_millis())
                    .unwrap_or(u64::MAX)
                    .saturating_mul(3)
                    .max(3_000);
                let behind = self.synced == Some(height)
                    && header.timestamp_ms.saturating_add(lag) < clock::unix_millis();
                self.node
                    .metrics()
                    .consensus_catching_up
                    .store(u64::from(behind), std::sync::atomic::Ordering::Relaxed);
                let _ = reply.send(());
            }
            AppMsg::Finalized {
                certificate,
                evidence,
                reply,
                ..
            } => {
                if !evidence.is_empty() {
                    // Recorded, not yet slashed: the evidence names validators that signed two
                    // different proposals or votes for one round.
                    tracing::warn!(
                        height = certificate.height.get(),
                        proposals = evidence.proposals.len(),
                        votes = evidence.votes.len(),
                        "misbehaviour observed"
                    );
                    self.node
                        .metrics()
                        .consensus_misbehaviour
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                let (height, params) = self.next()?;
                let _ = reply.send(Next::Start(height, params));
            }
            AppMsg::GetDecidedValues { range, reply } => {
                let _ = reply.send(self.decided_values(range.start().get(), range.end().get()));
            }
            AppMsg::ProcessSyncedValue {
                height,
                round,
                proposer,
                value_bytes,
                reply,
            } => {
                let note = Note {
                    round: round.as_u32().unwrap_or(0),
                    proposer: proposer.to_bytes(),
                    signature: None,
                };
                let outcome = match self
                    .app
                    .verify_from(
                        value_bytes.to_vec(),
                        None,
                        None,
                        borsh::to_vec(&note).unwrap_or_default(),
                    )
                    .await
                {
                    Ok(hash) => {
                        self.synced = Some(height.get());
                        self.node
                            .metrics()
                            .consensus_synced_blocks
                            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        SyncedValueOutcome::Verdict(proposed(
                            height,
                            round,
                            proposer,
                            BlockHash(hash),
                            Validity::Valid,
                        ))
                    }
                    Err(VerifyError::Invalid(InvalidBlock::Malformed(_))) => {
                        SyncedValueOutcome::PeerFault
                    }
                    Err(VerifyError::Invalid(reason)) => {
                        match Block::from_bytes(&value_bytes, usize::MAX) {
                            Ok(block) => {
                                tracing::warn!(height = height.get(), %reason, "a synced block is invalid");
                                SyncedValueOutcome::Verdict(proposed(
                                    height,
                                    round,
                                    proposer,
                                    BlockHash(block.header.hash()),
                                    Validity::Invalid,
                                ))
                            }
                            Err(_) => SyncedValueOutcome::PeerFault,
                        }
                    }
                    Err(VerifyError::Node(e)) => {
                        tracing::warn!(error = %e, "a synced block could not be checked");
                        SyncedValueOutcome::LocalTransientError
                    }
                };
                let _ = reply.send(outcome);
            }
        }
        Ok(())
    }

    /// A round starts: the blocks streamed before its height started are checked now, and the
    /// blocks this node holds for the round are handed to consensus.
    async fn start_round(
        &mut self,
        height: Height,
        round: Round,
    ) -> Vec<ProposedValue<RestakeContext>> {
        if self.height != height {
            self.seen.clear();
        }
        self.height = height;
        self.streams.prune_below(height);
        for a in std::mem::take(&mut self.early) {
            if a.height == height {
                let _ = self.received(a).await;
            }
        }
        self.kept_values(height, round)
    }

    /// A proposal part arrives. A block completed for the next height is held until this node
    /// starts it (its parent is not committed here yet); one for this height is checked now.
    async fn on_part(
        &mut self,
        publisher: &malachitebft_app_channel::app::types::PeerId,
        part: malachitebft_app_channel::app::types::streaming::StreamMessage<
            crate::types::ProposalPart,
        >,
    ) -> Option<ProposedValue<RestakeContext>> {
        let block = self.streams.insert(publisher, part)?;
        if block.height.get() == self.height.get().saturating_add(1) {
            if self.early.len() < EARLY_MAX {
                self.early.push(block);
            }
            return None;
        }
        self.received(block).await
    }

    /// Blocks kept for `height` that were proposed in `round` (after a restart, so consensus
    /// does not wait for parts it already has).
    fn kept_values(&self, height: Height, round: Round) -> Vec<ProposedValue<RestakeContext>> {
        let Some(r) = round.as_u32() else {
            return Vec::new();
        };
        let store = self.node.store();
        let mut values = Vec::new();
        if let Ok(Some(own)) = store.own_proposal(height.get(), r) {
            values.push(proposed(
                height,
                round,
                self.me,
                BlockHash(own),
                Validity::Valid,
            ));
        }
        for kept in store.candidates(height.get()).unwrap_or_default() {
            let Ok(note) = Note::try_from_slice(&kept.note) else {
                continue;
            };
            if note.round == r {
                values.push(proposed(
                    height,
                    round,
                    ConsensusAddress::new(note.proposer),
                    BlockHash(kept.hash),
                    Validity::Valid,
                ));
            }
        }
        values
    }

    /// Checks a completed stream and hands the block to the application. `None` when these
    /// bytes are not an authentic copy of the proposer's block (say nothing about the value);
    /// `Invalid` only when the proposer's own block breaks a rule.
    async fn received(&mut self, a: parts::Assembled) -> Option<ProposedValue<RestakeContext>> {
        if a.height != self.height {
            tracing::debug!(
                height = a.height.get(),
                "a proposal for another height is dropped"
            );
            return None;
        }
        let set = self.params(a.height.get()).ok()?.validator_set;
        let expected = set.proposer(a.height, a.round);
        if ConsensusAddress::from(expected.core().address) != a.proposer {
            tracing::warn!(proposer = %a.proposer, "a block streamed by a validator whose round it is not");
            return None;
        }
        let block = Block::from_bytes(&a.block, usize::MAX).ok()?;
        let hash = block.header.hash();
        self.verifier
            .check_block_envelope(
                &expected.core().consensus_key,
                a.height,
                a.round,
                BlockHash(hash),
                a.proposer,
                &a.signature,
            )
            .ok()?;
        let note = Note {
            round: a.round.as_u32().unwrap_or(0),
            proposer: a.proposer.to_bytes(),
            signature: Some(a.signature.to_bytes()),
        };
        let verdict = self
            .app
            .verify_from(
                a.block,
                Some(clock::unix_millis()),
                Some(a.proposer.to_address()),
                borsh::to_vec(&note).unwrap_or_default(),
            )
            .await;
        let validity = match verdict {
            Ok(_) => {
                self.seen.entry(BlockHash(hash)).or_insert_with(clock::now);
                Validity::Valid
            }
            // The body is not the one the header names: a corrupted copy, not the value.
            Err(VerifyError::Invalid(
                InvalidBlock::Malformed(_) | InvalidBlock::TransactionsRoot { .. },
            )) => return None,
            Err(VerifyError::Invalid(reason)) => {
                tracing::warn!(height = a.height.get(), %reason, "an invalid proposal");
                Validity::Invalid
            }
            Err(VerifyError::Node(e)) => {
                tracing::error!(error = %e, "a proposal could not be checked");
                return None;
            }
        };
        Some(proposed(
            a.height,
            a.round,
            a.proposer,
            BlockHash(hash),
            validity,
        ))
    }

    #[allow(clippy::too_many_arguments)]
    async fn publish(
        &mut self,
        channels: &mut Channels<RestakeContext>,
        height: Height,
        round: Round,
        proposer: ConsensusAddress,
        block: &[u8],
        signature: Option<Signature>,
        value: BlockHash,
    ) {
        let signature = match signature {
            Some(s) => s,
            None => match self
                .signer
                .as_ref()
                .map(|s| s.block_envelope_signature(height, round, value))
            {
                Some(Ok(s)) => s,
                _ => {
                    tracing::error!("cannot sign a block envelope");
                    return;
                }
            },
        };
        self.nonce = self.nonce.wrapping_add(1);
        let mut id = Vec::with_capacity(20);
        id.extend_from_slice(&height.get().to_be_bytes());
        id.extend_from_slice(&round.as_u32().unwrap_or(0).to_be_bytes());
        id.extend_from_slice(&self.nonce.to_be_bytes());
        let stream = StreamId::new(Bytes::from(id));
        for message in parts::split(&stream, height, round, proposer, block, signature) {
            if channels
                .network
                .send(NetworkMsg::PublishProposalPart(message))
                .await
                .is_err()
            {
                tracing::error!("the network stopped while a proposal was published");
                return;
            }
        }
    }

    async fn restream(
        &mut self,
        channels: &mut Channels<RestakeContext>,
        height: Height,
        round: Round,
        valid_round: Round,
        address: ConsensusAddress,
        value_id: BlockHash,
    ) {
        let Ok(Some(kept)) = self
            .node
            .store()
            .candidate(height.get(), &value_id.to_b256())
        else {
            tracing::warn!(
                height = height.get(),
                "asked to restream a block this node does not hold"
            );
            return;
        };
        // The stream keeps the round the block was first proposed in, and its proposer's
        // signature: a received block's from its note, our own re-signed (deterministically).
        let first = if valid_round == Round::Nil {
            round
        } else {
            valid_round
        };
        let (first, signature) = match Note::try_from_slice(&kept.note) {
            Ok(note) => (
                Round::new(note.round),
                note.signature.map(Signature::from_bytes),
            ),
            Err(_) => (first, None),
        };
        if signature.is_none() && address != self.me {
            tracing::warn!(
                height = height.get(),
                "cannot restream another proposer's block without its signature"
            );
            return;
        }
        self.publish(
            channels,
            height,
            first,
            address,
            &kept.block,
            signature,
            value_id,
        )
        .await;
    }

    fn decided_values(&self, from: u64, to: u64) -> Vec<RawDecidedValue<RestakeContext>> {
        let head = self.node.head().height;
        let store = self.node.store();
        let mut out = Vec::new();
        for h in from.max(1)..=to.min(head) {
            let (Ok(Some(block)), Ok(Some(cert))) = (
                store.block(h),
                restake_node::chain::read_certificate(store, h),
            ) else {
                break;
            };
            out.push(RawDecidedValue::new(
                Bytes::from(block),
                extended_from_core(&cert),
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    //! A byzantine proposer, seen from an honest validator: a block streamed by someone whose
    //! round it is not, signed by the wrong key, corrupted on the way, or breaking a rule is never
    //! accepted as the proposer's valid block; and an honest block that arrives before its height
    //! starts is kept for it.
    #![allow(
        clippy::unwrap_used,
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects,
        clippy::cast_possible_truncation
    )]
    use super::*;
    use crate::parts::split;
    use malachitebft_app_channel::app::types::PeerId;
    use restake_core::validators::GenesisValidator;
    use restake_node::devnet;
    use restake_node::engine::ManualEngine;
    use restake_node::node::NodeConfig;
    use restake_store::Store;

    fn keys() -> Vec<SecretKey> {
        (1..=4u8).map(|i| SecretKey::from_seed(&[i; 32])).collect()
    }

    fn node() -> (NodeHandle, ManualEngine) {
        let mut genesis = devnet::genesis();
        genesis.validators = keys()
            .iter()
            .map(|k| GenesisValidator {
                consensus_key: k.public(),
                power: 1,
                operator: None,
            })
            .collect();
        let time = clock::unix_seconds().saturating_sub(10);
        restake_node::node::start_manual(
            Store::in_memory().unwrap(),
            &genesis,
            time,
            NodeConfig::default(),
        )
        .unwrap()
    }

    fn driver(node: &NodeHandle, engine: &ManualEngine) -> Driver {
        let chain_id = node.config().chain_id;
        let mut driver = Driver::new(
            engine.app().clone(),
            node.clone(),
            ConsensusAddress::of(&keys()[0].public()),
            Some(RestakeSigner::new(chain_id, keys()[0].clone())),
            RestakeVerifier::new(chain_id),
            &TimeoutSettings::for_block_time(1000),
            Duration::from_secs(1),
        );
        driver.height = Height(1);
        driver
    }

    fn envelope(key: &SecretKey, round: u32, hash: alloy_primitives::B256) -> Signature {
        RestakeSigner::new(devnet::CHAIN_ID, key.clone())
            .block_envelope_signature(Height(1), Round::new(round), BlockHash(hash))
            .unwrap()
    }

    async fn offer(
        d: &mut Driver,
        proposer: ConsensusAddress,
        round: u32,
        block: &[u8],
        signature: Signature,
    ) -> Option<ProposedValue<RestakeContext>> {
        d.nonce += 1;
        let id = StreamId::new(Bytes::from(d.nonce.to_be_bytes().to_vec()));
        let peer = PeerId::from_bytes(
            &Keypair::ed25519_from_bytes([d.nonce as u8; 32])
                .unwrap()
                .public()
                .to_peer_id()
                .to_bytes(),
        )
        .unwrap();
        let mut done = None;
        for m in split(
            &id,
            Height(1),
            Round::new(round),
            proposer,
            block,
            signature,
        ) {
            if let Some(v) = d.on_part(&peer, m).await {
                done = Some(v);
            }
        }
        done
    }

    /// The round-0 proposer of height 1 (as `honest` sees the set), its key, and the block it
    /// builds (on a node of its own) with one transfer in it.
    async fn first_block(
        honest: &NodeHandle,
    ) -> (
        ConsensusAddress,
        SecretKey,
        restake_node::engine::ProposedBlock,
    ) {
        let (builder, builder_engine) = node();
        let set = ValidatorSet::try_from(honest.validators_at(1).unwrap()).unwrap();
        let proposer =
            ConsensusAddress::from(set.proposer(Height(1), Round::new(0)).core().address);
        let key = keys()
            .into_iter()
            .find(|k| ConsensusAddress::of(&k.public()) == proposer)
            .unwrap();
        builder.submit(devnet_transfer()).unwrap();
        let built = builder_engine
            .app()
            .get_value(1, 0, clock::unix_millis(), proposer.to_address())
            .await
            .unwrap();
        (proposer, key, built)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_honest_validator_accepts_only_the_round_proposers_authentic_valid_block() {
        let (honest, honest_engine) = node();
        let mut d = driver(&honest, &honest_engine);
        let round = 0u32;
        let (proposer, key, built) = first_block(&honest).await;
        let bytes = built.block.to_bytes();
        assert_eq!(built.block.transactions.len(), 1);

        // Someone whose round it is not streams the very same block, signed by itself.
        let other = keys()
            .into_iter()
            .find(|k| ConsensusAddress::of(&k.public()) != proposer)
            .unwrap();
        let other_addr = ConsensusAddress::of(&other.public());
        assert!(
            offer(
                &mut d,
                other_addr,
                round,
                &bytes,
                envelope(&other, round, built.hash)
            )
            .await
            .is_none()
        );
        // The right proposer named, the wrong key signing.
        assert!(
            offer(
                &mut d,
                proposer,
                round,
                &bytes,
                envelope(&other, round, built.hash)
            )
            .await
            .is_none()
        );
        // Corrupted on the way: a byte of the transaction changed (the header no longer matches).
        let mut corrupt = bytes.clone();
        let last = corrupt.len() - 10;
        corrupt[last] ^= 0x55;
        assert!(
            offer(
                &mut d,
                proposer,
                round,
                &corrupt,
                envelope(&key, round, built.hash)
            )
            .await
            .is_none()
        );
        // Signed by the proposer but breaking a rule (another state root): invalid, said so.
        let mut bad = (*built.block).clone();
        bad.header.state_root = alloy_primitives::B256::repeat_byte(9);
        let bad_hash = bad.header.hash();
        let verdict = offer(
            &mut d,
            proposer,
            round,
            &bad.to_bytes(),
            envelope(&key, round, bad_hash),
        )
        .await
        .unwrap();
        assert_eq!(verdict.validity, Validity::Invalid);
        assert_eq!(verdict.value, BlockHash(bad_hash));
        // For another height: not now.
        d.height = Height(2);
        assert!(
            offer(
                &mut d,
                proposer,
                round,
                &bytes,
                envelope(&key, round, built.hash)
            )
            .await
            .is_none()
        );
        d.height = Height(1);
        // The authentic block is valid.
        let verdict = offer(
            &mut d,
            proposer,
            round,
            &bytes,
            envelope(&key, round, built.hash),
        )
        .await
        .unwrap();
        assert_eq!(verdict.validity, Validity::Valid);
        assert_eq!(verdict.value, BlockHash(built.hash));
        assert_eq!(verdict.proposer, proposer);
    }

    /// A transfer by development account 1, signed for the devnet.
    fn devnet_transfer() -> restake_core::tx::Transaction {
        let wallet = restake_client::Wallet::from_hex(devnet::DEV_ACCOUNTS[1].1).unwrap();
        let action = restake_core::Action::Transfer {
            token: restake_core::tokens::token_address("rETH"),
            to: alloy_primitives::Address::repeat_byte(7),
            amount: alloy_primitives::U256::from(1u64),
        };
        wallet.sign(action, 0, devnet::CHAIN_ID)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_block_streamed_before_its_height_starts_is_offered_when_it_starts() {
        let (honest, honest_engine) = node();
        let mut d = driver(&honest, &honest_engine);
        let (proposer, key, built) = first_block(&honest).await;
        // This node is still at the height before: the block is held, not judged.
        d.height = Height(0);
        let held = offer(
            &mut d,
            proposer,
            0,
            &built.block.to_bytes(),
            envelope(&key, 0, built.hash),
        )
        .await;
        assert!(held.is_none());
        // Its height starts: consensus gets it at once, checked and valid.
        let values = d.start_round(Height(1), Round::new(0)).await;
        assert_eq!(values.len(), 1);
        assert_eq!(values[0].value, BlockHash(built.hash));
        assert_eq!(values[0].proposer, proposer);
        assert_eq!(values[0].validity, Validity::Valid);
        // A later round of the same height does not offer it again as that round's.
        assert!(d.start_round(Height(1), Round::new(1)).await.is_empty());
    }
}
