//! Transaction gossip: a transaction admitted through this node's RPC is forwarded, in batches,
//! to the RPC of every peer in `NodeConfig::gossip_peers` (method `restake_gossipTransactions`),
//! so it reaches whichever validator proposes next. One hop: a node does not forward what it
//! received by gossip, so the peers of a network must each list all the others (what
//! `restake testnet` writes). Malachite's network carries only consensus messages; it has no
//! channel for the application's own.
//!
//! Sending never blocks admission: when the queue is full the transaction stays only in this
//! node's mempool (counted in `restake_txgossip_dropped_total`), and this node still includes it
//! when it proposes.

use crate::metrics::Metrics;
use alloy_primitives::Bytes;
use jsonrpsee_core::client::ClientT;
use jsonrpsee_core::rpc_params;
use jsonrpsee_http_client::{HttpClient, HttpClientBuilder};
use restake_core::block::encoding;
use restake_core::tx::Transaction;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;
use tokio::sync::mpsc;

/// Most transactions in one gossip call (also what the receiving method accepts).
pub const MAX_BATCH: usize = 1_024;
/// How long a batch waits to fill before it goes.
const LINGER: Duration = Duration::from_millis(20);
/// Transactions waiting to be sent before new ones are dropped from gossip.
const QUEUE: usize = 65_536;

/// The sending side, held by the node.
#[derive(Debug, Clone)]
pub struct Gossip {
    queue: mpsc::Sender<Transaction>,
}

impl Gossip {
    /// Starts the forwarder to `peers` (RPC URLs); `None` when there are none.
    pub fn start(peers: &[String], metrics: Arc<Metrics>) -> Option<Self> {
        if peers.is_empty() {
            return None;
        }
        let clients: Vec<(String, HttpClient)> = peers
            .iter()
            .filter_map(|url| {
                match HttpClientBuilder::default()
                    .request_timeout(Duration::from_secs(5))
                    .build(url)
                {
                    Ok(c) => Some((url.clone(), c)),
                    Err(e) => {
                        tracing::error!(peer = %url, error = %e, "gossip peer URL is invalid");
                        None
                    }
                }
            })
            .collect();
        let (queue, rx) = mpsc::channel(QUEUE);
        tokio::spawn(forward(rx, clients, metrics));
        Some(Self { queue })
    }

    /// Queues an admitted transaction for the peers.
    pub fn send(&self, tx: Transaction, metrics: &Metrics) {
        if self.queue.try_send(tx).is_err() {
            metrics.txgossip_dropped.fetch_add(1, Relaxed);
        }
    }
}

async fn forward(
    mut rx: mpsc::Receiver<Transaction>,
    clients: Vec<(String, HttpClient)>,
    metrics: Arc<Metrics>,
) {
    let clients = Arc::new(clients);
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        let deadline = tokio::time::sleep(LINGER);
        tokio::pin!(deadline);
        while batch.len() < MAX_BATCH {
            tokio::select! {
                next = rx.recv() => match next {
                    Some(tx) => batch.push(tx),
                    None => break,
                },
                _ = &mut deadline => break,
            }
        }
        let encoded: Vec<Bytes> = batch
            .iter()
            .map(|tx| Bytes::from(encoding::to_bytes(tx)))
            .collect();
        let count = encoded.len() as u64;
        for (url, client) in clients.iter() {
            let (url, client, encoded, metrics) = (
                url.clone(),
                client.clone(),
                encoded.clone(),
                metrics.clone(),
            );
            tokio::spawn(async move {
                let sent: Result<u64, _> = client
                    .request("restake_gossipTransactions", rpc_params![encoded])
                    .await;
                match sent {
                    Ok(_) => {
                        metrics.txgossip_sent.fetch_add(count, Relaxed);
                    }
                    Err(e) => {
                        metrics.txgossip_failed.fetch_add(count, Relaxed);
                        tracing::debug!(peer = %url, error = %e, "gossip batch not delivered");
                    }
                }
            });
        }
    }
}
