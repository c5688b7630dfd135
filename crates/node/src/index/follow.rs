//! Keeps the index up with the chain, off the block path: caught up from the store at start-up,
//! then fed each committed block's receipts as subscribers hear of it. A block missed (a lagging
//! subscription, a failed write) is read back from the store.
//!
//! The task holds no handle of the node, only the store, so it ends (and lets go of the store's
//! file) when the node's block notifications close.

use super::{Index, IndexError};
use crate::metrics::Metrics;
use crate::node::Committed;
use restake_store::Store;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use tokio::sync::broadcast::{self, error::RecvError};

/// What the follower needs of the node.
struct Node {
    store: Store,
    chain_id: u64,
    metrics: Arc<Metrics>,
}

/// Starts following committed blocks (`blocks`, subscribed before this call so that none falls
/// between catching up and following) into `index`.
pub fn follow(
    index: Arc<Index>,
    store: Store,
    chain_id: u64,
    metrics: Arc<Metrics>,
    mut blocks: broadcast::Receiver<Committed>,
) {
    let node = Arc::new(Node {
        store,
        chain_id,
        metrics,
    });
    tokio::spawn(async move {
        catch_up(&index, &node).await;
        loop {
            match blocks.recv().await {
                Ok(committed) => {
                    let (i, receipts) = (index.clone(), committed.receipts.clone());
                    let (height, proposer) = (committed.header.height, committed.header.proposer);
                    match tokio::task::spawn_blocking(move || i.apply(height, &proposer, &receipts))
                        .await
                    {
                        Ok(Ok(())) => {
                            node.metrics.index_height.store(height, Relaxed);
                        }
                        Ok(Err(e)) => {
                            if !matches!(e, IndexError::Gap { .. }) {
                                tracing::warn!(height, error = %e, "indexing a block failed");
                            }
                            catch_up(&index, &node).await;
                        }
                        Err(_) => return,
                    }
                }
                Err(RecvError::Lagged(_)) => catch_up(&index, &node).await,
                Err(RecvError::Closed) => return,
            }
        }
    });
}

async fn catch_up(index: &Arc<Index>, node: &Arc<Node>) {
    let (i, n) = (index.clone(), node.clone());
    let done = tokio::task::spawn_blocking(move || {
        let indexed = i.catch_up(&n.store, n.chain_id);
        (indexed, i.next_height())
    })
    .await;
    match done {
        Ok((Ok(count), Ok(next))) => {
            if count > 0 {
                tracing::info!(blocks = count, "index caught up");
            }
            node.metrics
                .index_height
                .store(next.saturating_sub(1), Relaxed);
        }
        Ok((Err(e), _) | (_, Err(e))) => tracing::warn!(error = %e, "the index could not catch up"),
        Err(_) => {}
    }
}
