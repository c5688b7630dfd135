//! Collecting receipts: the watcher that finds, at each new block, how far each sender's
//! transactions are included.
use super::*;

/// How often the watcher asks for the head.
const POLL: Duration = Duration::from_millis(5);

/// Blocks seen by the watcher.
#[derive(Default)]
pub(super) struct Blocks {
    pub(super) first: Option<u64>,
    pub(super) last: Option<u64>,
    pub(super) used: u64,
    pub(super) max_txs: usize,
}

/// Whether the receipt of `hash` exists yet.
pub(super) async fn included(http: &mut Http, hash: B256) -> Result<bool, String> {
    Ok(!http
        .call("restake_getTransactionReceipt", json!([hash]))
        .await?
        .is_null())
}

/// Watches the head; at each new block finds, per sender, how far its transactions are
/// included. A sender's transactions go into blocks in nonce order, so "the receipt of its k-th
/// transaction exists" is monotonic in k and a binary search over the ones handed out finds the
/// boundary with a handful of receipt lookups, whatever the block size.
pub(super) async fn watcher(
    host: String,
    start_height: u64,
    txs: Arc<Vec<Prepared>>,
    progress: Arc<Mutex<Progress>>,
    wake: Arc<Notify>,
    deadline: Instant,
) -> Result<Blocks, String> {
    let mut http = Http::new(&host);
    let mut height = start_height;
    let total = txs.len();
    let mut blocks = Blocks::default();
    loop {
        {
            let p = lock(&progress);
            if let Some(why) = &p.abort {
                return Err(why.clone());
            }
            if clock::now() >= deadline {
                return Err(format!(
                    "timed out: {} of {total} transactions included, {} accepted",
                    p.included_total, p.accepted
                ));
            }
        }
        let head = http
            .call("restake_blockNumber", json!([]))
            .await?
            .as_u64()
            .ok_or("restake_blockNumber did not return a number")?;
        if head > height {
            height = head;
            let seen = clock::now();
            let bounds: Vec<(Vec<usize>, usize, usize)> = {
                let p = lock(&progress);
                p.queues
                    .iter()
                    .zip(p.included.iter().zip(&p.handed))
                    .map(|(q, (inc, handed))| (q.clone(), *inc, *handed))
                    .collect()
            };
            // Per sender, the largest count `lo` in [known, handed] whose last transaction is
            // included: binary searches for all senders at once, one batch of lookups a round.
            let mut ranges: Vec<(usize, usize)> = bounds.iter().map(|(_, k, h)| (*k, *h)).collect();
            loop {
                let mut probes = Vec::new();
                for (s, ((queue, _, _), (lo, hi))) in bounds.iter().zip(&ranges).enumerate() {
                    if lo < hi {
                        let mid = lo.saturating_add(*hi).saturating_add(1) / 2;
                        let probe = mid
                            .checked_sub(1)
                            .and_then(|k| queue.get(k))
                            .and_then(|&i| txs.get(i))
                            .ok_or("internal: probe out of range")?;
                        probes.push((s, mid, probe.hash));
                    }
                }
                if probes.is_empty() {
                    break;
                }
                let bodies = probes
                    .iter()
                    .enumerate()
                    .map(|(k, (_, _, hash))| {
                        serde_json::to_vec(&json!({"jsonrpc": "2.0", "id": k, "method": "restake_getTransactionReceipt", "params": [hash]}))
                            .map_err(|e| e.to_string())
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let refs: Vec<&[u8]> = bodies.iter().map(Vec::as_slice).collect();
                let mut replies = BTreeMap::new();
                // Ids are global, so the chunks' replies merge by id.
                for chunk in refs.chunks(MAX_BATCH) {
                    replies.extend(http.rpc_batch(chunk).await?);
                }
                for (k, (s, mid, _)) in probes.into_iter().enumerate() {
                    let found = match replies.remove(&k) {
                        Some(Ok(v)) => !v.is_null(),
                        Some(Err((code, msg))) => {
                            return Err(format!("restake_getTransactionReceipt: [{code}] {msg}"));
                        }
                        None => return Err("a receipt lookup got no reply".into()),
                    };
                    if let Some((lo, hi)) = ranges.get_mut(s) {
                        if found {
                            *lo = mid;
                        } else {
                            *hi = mid.saturating_sub(1);
                        }
                    }
                }
            }
            let mut ours = 0usize;
            for (s, ((queue, known, _), (lo, _))) in bounds.iter().zip(&ranges).enumerate() {
                let (known, lo) = (*known, *lo);
                if lo > known {
                    let mut p = lock(&progress);
                    for &i in queue.get(known..lo).unwrap_or_default() {
                        if let Some(slot) = p.seen_at.get_mut(i) {
                            *slot = Some(seen);
                        }
                    }
                    if let Some(c) = p.included.get_mut(s) {
                        *c = lo;
                    }
                    let new = lo.saturating_sub(known);
                    p.included_total = p.included_total.saturating_add(new);
                    ours = ours.saturating_add(new);
                }
            }
            if ours > 0 {
                blocks.first.get_or_insert(height);
                blocks.last = Some(height);
                blocks.used = blocks.used.saturating_add(1);
                blocks.max_txs = blocks.max_txs.max(ours);
                wake.notify_waiters();
            }
            if lock(&progress).included_total >= total {
                return Ok(blocks);
            }
        }
        tokio::time::sleep(POLL).await;
    }
}
