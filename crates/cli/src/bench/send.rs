//! Sending: workers hand out transactions inside each sender's nonce window, send them as calls
//! or JSON-RPC batches, and retry what the mempool refuses for now.
use super::*;

impl Progress {
    /// The next transaction to send: a retry first, else the next nonce of a sender (in turn)
    /// that is inside its window.
    fn next(&mut self, window: usize) -> Option<(usize, u32)> {
        if let Some(r) = self.retry.pop_front() {
            return Some(r);
        }
        let n = self.queues.len();
        for k in 0..n {
            let s = self.next_sender.wrapping_add(k).checked_rem(n)?;
            let handed = *self.handed.get(s)?;
            let included = *self.included.get(s)?;
            let queue = self.queues.get(s)?;
            if handed < queue.len() && handed < included.saturating_add(window) {
                let idx = *queue.get(handed)?;
                if let Some(h) = self.handed.get_mut(s) {
                    *h = handed.saturating_add(1);
                }
                self.next_sender = s.wrapping_add(1);
                return Some((idx, 0));
            }
        }
        None
    }

    fn all_handed(&self) -> bool {
        self.retry.is_empty()
            && self
                .queues
                .iter()
                .zip(&self.handed)
                .all(|(q, h)| *h >= q.len())
    }
}

/// Admission errors worth sending again: mempool full, nonce ahead of the window.
const RETRY_CODES: [i64; 2] = [-32054, -32052];
/// On a resend, these mean the first attempt got in.
const ALREADY_IN: [i64; 2] = [-32053, -32051];

/// How a worker paces its sends.
pub(super) struct Pace {
    /// Most nonces a sender may be ahead of its last included transaction.
    pub(super) window: usize,
    /// Transactions per request.
    pub(super) batch: usize,
    /// Most first sends a second, over all workers.
    pub(super) rate: Option<u32>,
    /// When the clock started: the k-th first send is due `k / rate` seconds after it.
    pub(super) started: Instant,
}

impl Pace {
    /// How long to wait before the next first send may go, when `sent` have gone.
    fn wait(&self, sent: u64) -> Duration {
        let Some(rate) = self.rate else {
            return Duration::ZERO;
        };
        let due_us = sent.saturating_mul(1_000_000).checked_div(u64::from(rate));
        let due = self
            .started
            .checked_add(Duration::from_micros(due_us.unwrap_or(0)))
            .unwrap_or(self.started);
        due.saturating_duration_since(clock::now())
    }
}

pub(super) async fn worker(
    host: String,
    txs: Arc<Vec<Prepared>>,
    progress: Arc<Mutex<Progress>>,
    wake: Arc<Notify>,
    pace: Pace,
) {
    let mut http = Http::new(&host);
    loop {
        let (jobs, wait) = {
            let mut p = lock(&progress);
            if p.abort.is_some() || p.all_handed() {
                return;
            }
            let wait = pace.wait(p.first_sends);
            let mut jobs = Vec::with_capacity(pace.batch);
            while wait.is_zero() && jobs.len() < pace.batch {
                let Some((idx, attempt)) = p.next(pace.window) else {
                    break;
                };
                if attempt == 0 {
                    p.first_sends = p.first_sends.saturating_add(1);
                    if let Some(slot) = p.sent_at.get_mut(idx) {
                        *slot = Some(clock::now());
                    }
                }
                jobs.push((idx, attempt));
                if pace.rate.is_some() {
                    break;
                }
            }
            (jobs, wait)
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
            continue;
        }
        if jobs.is_empty() {
            // Every sender is at its window: wait for a block.
            let _ = tokio::time::timeout(Duration::from_millis(20), wake.notified()).await;
            continue;
        }
        let outcomes = send_jobs(&mut http, &txs, &jobs).await;
        let mut back_off = false;
        {
            let mut p = lock(&progress);
            for ((idx, attempt), outcome) in jobs.into_iter().zip(outcomes) {
                back_off |= settle(&mut p, idx, attempt, outcome);
            }
        }
        if back_off {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

/// Sends the jobs' transactions, as one call or as one JSON-RPC batch; one outcome per job.
async fn send_jobs(
    http: &mut Http,
    txs: &[Prepared],
    jobs: &[(usize, u32)],
) -> Vec<Result<RpcOutcome, String>> {
    let bodies: Vec<&[u8]> = jobs
        .iter()
        .filter_map(|(idx, _)| txs.get(*idx).map(|t| t.body.as_slice()))
        .collect();
    if let [body] = bodies.as_slice() {
        return vec![http.rpc_raw(body).await];
    }
    match http.rpc_batch(&bodies).await {
        Ok(mut by_id) => jobs
            .iter()
            .map(|(idx, _)| {
                by_id
                    .remove(idx)
                    .ok_or_else(|| format!("no response for transaction {idx} in the batch"))
            })
            .collect(),
        Err(e) => jobs.iter().map(|_| Err(e.clone())).collect(),
    }
}

/// Records one send's outcome; returns whether the worker should back off.
fn settle(p: &mut Progress, idx: usize, attempt: u32, outcome: Result<RpcOutcome, String>) -> bool {
    let retry = |p: &mut Progress, why: String| {
        if attempt >= 50 {
            p.abort = Some(format!(
                "transaction {idx} still refused after {attempt} attempts: {why}"
            ));
        } else {
            p.retry.push_back((idx, attempt.saturating_add(1)));
        }
        true
    };
    match outcome {
        Ok(Err((code, msg))) if RETRY_CODES.contains(&code) => retry(p, format!("[{code}] {msg}")),
        Err(e) => retry(p, e),
        Ok(Err((code, msg))) if attempt == 0 || !ALREADY_IN.contains(&code) => {
            p.abort = Some(format!("transaction {idx} refused: [{code}] {msg}"));
            false
        }
        // Accepted now, or (on a resend) by an earlier attempt.
        Ok(_) => {
            p.accepted = p.accepted.saturating_add(1);
            p.last_accept = Some(clock::now());
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn senders_stay_inside_their_window() {
        let mut p = Progress {
            queues: vec![vec![0, 2, 4], vec![1, 3, 5]],
            handed: vec![0, 0],
            included: vec![0, 0],
            retry: VecDeque::new(),
            sent_at: vec![None; 6],
            seen_at: vec![None; 6],
            accepted: 0,
            included_total: 0,
            last_accept: None,
            abort: None,
            next_sender: 0,
            first_sends: 0,
        };
        // Window 2: two of each sender, in turn, then nothing until inclusions.
        let order: Vec<usize> = std::iter::from_fn(|| p.next(2).map(|(i, _)| i)).collect();
        assert_eq!(order, vec![0, 1, 2, 3]);
        p.included = vec![1, 0];
        assert_eq!(p.next(2), Some((4, 0)));
        assert_eq!(p.next(2), None);
        p.retry.push_back((3, 1));
        assert_eq!(p.next(2), Some((3, 1)));
        assert!(!p.all_handed());
        p.included = vec![1, 1];
        assert_eq!(p.next(2), Some((5, 0)));
        assert!(p.all_handed());
    }

    #[test]
    fn a_rate_spaces_first_sends_evenly_from_the_start() {
        let started = clock::now();
        let pace = |rate| Pace {
            window: 1,
            batch: 1,
            rate,
            started,
        };
        assert_eq!(pace(None).wait(1_000_000), Duration::ZERO);
        assert_eq!(pace(Some(10)).wait(0), Duration::ZERO);
        // The 50th send at 10 a second is due 5 s after the start.
        let wait = pace(Some(10)).wait(50);
        assert!(wait > Duration::from_secs(4) && wait <= Duration::from_secs(5));
    }
}
