//! `restake bench`: a load generator against a running node, and this machine's signature
//! recovery rate to compare it with.
//!
//! The senders are the devnet's development accounts and, past those, keys derived from their
//! index that development account 0 funds (before the clock starts) with one base unit of the
//! token per transfer they will sign. They sign `--txs` transfers of 1 base unit of a token
//! (stETH by default) to a fixed address, round-robin, with consecutive nonces from
//! `restake_getNonce`. Everything is signed before the
//! clock starts. `--concurrency` workers then send them over HTTP (one keep-alive connection
//! each, `--batch` transactions per request as a JSON-RPC batch), never letting a sender run more than `--window` nonces ahead of its last included
//! transaction (the mempool refuses nonces 256 or more ahead). A watcher polls the head every
//! 5 ms and, at each new block, finds with a few receipt lookups per sender which transactions it
//! included, so each transaction's commit latency is the time from the start of its send to the
//! moment its receipt was seen (at most one poll interval late). The watcher does not fetch whole
//! blocks: re-encoding thousands of transactions per block would load the node being measured.
//!
//! Reported: committed transactions per second (first send to last inclusion seen), commit
//! latency p50/p99/max, admission rate, blocks used, failed and refused transactions (from the
//! node's `/metrics`, so the node should be otherwise idle), with `--pid` the node's resident
//! memory and the CPU time it and this load generator used during the run, and then, with the node idle, the single-process parallel signature-recovery rate of
//! this machine (one thread per core) and the ratio of the two. All arithmetic is integer.

use crate::CliResult;
use crate::keys::wallet;
use alloy_primitives::{Address, B256, Signature, U256, keccak256};
use clap::Args;
use restake_client::Wallet;
use restake_core::Action;
use restake_core::tx::Transaction;
use restake_node::clock;
use serde_json::{Value, json};
use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::sync::Notify;

/// `restake bench` options.
#[derive(Args)]
pub struct BenchArgs {
    /// Node URL (`http://host:port`).
    #[arg(long, default_value = "http://127.0.0.1:8545")]
    rpc: String,
    /// Transactions to send.
    #[arg(long, default_value_t = 60_000)]
    txs: usize,
    /// Accounts that send (1 to 1000): the development accounts, then derived keys funded
    /// from development account 0 before the clock starts.
    #[arg(long, default_value_t = 100)]
    senders: usize,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// The node's process id, to report its resident memory.
    #[arg(long)]
    pid: Option<u32>,
    /// Signatures to recover in the recovery-rate measurement (default: max(txs, 20000)).
    #[arg(long)]
    recoveries: Option<usize>,
    /// Token symbol to transfer.
    #[arg(long, default_value = "stETH")]
    token: String,
    /// Transactions per request: 1 sends plain calls, more sends JSON-RPC batches.
    #[arg(long, default_value_t = 50)]
    batch: usize,
    /// Most nonces a sender may be ahead of its last included transaction (at most 256).
    #[arg(long, default_value_t = 250)]
    window: usize,
    /// Give up waiting for inclusion after this many seconds.
    #[arg(long, default_value_t = 600)]
    timeout_secs: u64,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// The fixed recipient of the benchmark transfers.
const RECIPIENT: Address = Address::new([0xbe; 20]);

/// How often the watcher asks for the head.
const POLL: Duration = Duration::from_millis(5);

// ---------------------------------------------------------------------------------------------
// A minimal HTTP/1.1 keep-alive client: exact error codes, no per-request connection setup.

struct Http {
    host: String,
    conn: Option<BufReader<TcpStream>>,
}

/// A JSON-RPC outcome: the result, or the error's code and message.
type RpcOutcome = Result<Value, (i64, String)>;

impl Http {
    fn new(host: &str) -> Self {
        Self {
            host: host.to_string(),
            conn: None,
        }
    }

    /// One request; reconnects once if the kept-alive connection was closed.
    async fn exchange(
        &mut self,
        method: &str,
        path: &str,
        body: &[u8],
    ) -> Result<(u16, Vec<u8>), String> {
        let mut last = String::new();
        for _ in 0..2 {
            if self.conn.is_none() {
                let s = TcpStream::connect(&self.host)
                    .await
                    .map_err(|e| format!("cannot connect to {}: {e}", self.host))?;
                let _ = s.set_nodelay(true);
                self.conn = Some(BufReader::new(s));
            }
            let Some(conn) = self.conn.as_mut() else {
                continue;
            };
            match exchange_on(conn, &self.host, method, path, body).await {
                Ok((status, reply, keep)) => {
                    if !keep {
                        self.conn = None;
                    }
                    return Ok((status, reply));
                }
                Err(e) => {
                    self.conn = None;
                    last = e;
                }
            }
        }
        Err(last)
    }

    /// A JSON-RPC call.
    async fn rpc(&mut self, method: &str, params: Value) -> Result<RpcOutcome, String> {
        let body = serde_json::to_vec(
            &json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}),
        )
        .map_err(|e| e.to_string())?;
        self.rpc_raw(&body).await
    }

    /// A JSON-RPC call with a prepared body.
    async fn rpc_raw(&mut self, body: &[u8]) -> Result<RpcOutcome, String> {
        let (status, reply) = self.exchange("POST", "/", body).await?;
        let v: Value = serde_json::from_slice(&reply).map_err(|e| {
            format!(
                "HTTP {status}: not JSON ({e}): {}",
                String::from_utf8_lossy(&reply)
            )
        })?;
        if let Some(err) = v.get("error") {
            return Ok(Err((
                err["code"].as_i64().unwrap_or(0),
                err["message"].as_str().unwrap_or_default().to_string(),
            )));
        }
        Ok(Ok(v.get("result").cloned().unwrap_or(Value::Null)))
    }

    /// A JSON-RPC batch of prepared calls whose ids are numbers; outcomes by id.
    async fn rpc_batch(&mut self, bodies: &[&[u8]]) -> Result<BTreeMap<usize, RpcOutcome>, String> {
        let mut body = Vec::with_capacity(
            bodies
                .iter()
                .map(|b| b.len().saturating_add(1))
                .fold(1, usize::saturating_add),
        );
        body.push(b'[');
        for (i, b) in bodies.iter().enumerate() {
            if i > 0 {
                body.push(b',');
            }
            body.extend_from_slice(b);
        }
        body.push(b']');
        let (status, reply) = self.exchange("POST", "/", &body).await?;
        let v: Value = serde_json::from_slice(&reply).map_err(|e| {
            format!(
                "HTTP {status}: not JSON ({e}): {}",
                String::from_utf8_lossy(&reply)
            )
        })?;
        let Value::Array(items) = v else {
            return Err(format!("HTTP {status}: a batch got a single reply: {v}"));
        };
        let mut out = BTreeMap::new();
        for item in items {
            let Some(id) = item.get("id").and_then(Value::as_u64) else {
                continue;
            };
            let outcome = match item.get("error") {
                Some(err) => Err((
                    err["code"].as_i64().unwrap_or(0),
                    err["message"].as_str().unwrap_or_default().to_string(),
                )),
                None => Ok(item.get("result").cloned().unwrap_or(Value::Null)),
            };
            out.insert(usize::try_from(id).map_err(|e| e.to_string())?, outcome);
        }
        Ok(out)
    }

    /// A call that must succeed.
    async fn call(&mut self, method: &str, params: Value) -> Result<Value, String> {
        self.rpc(method, params)
            .await?
            .map_err(|(code, msg)| format!("{method}: [{code}] {msg}"))
    }
}

/// Writes one request and reads one response; returns whether the connection stays open.
async fn exchange_on(
    conn: &mut BufReader<TcpStream>,
    host: &str,
    method: &str,
    path: &str,
    body: &[u8],
) -> Result<(u16, Vec<u8>, bool), String> {
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    req.extend_from_slice(body);
    conn.get_mut()
        .write_all(&req)
        .await
        .map_err(|e| e.to_string())?;
    let mut line = String::new();
    if conn.read_line(&mut line).await.map_err(|e| e.to_string())? == 0 {
        return Err("connection closed".into());
    }
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("bad status line {line:?}"))?;
    let mut length: Option<usize> = None;
    let mut chunked = false;
    let mut keep = true;
    loop {
        line.clear();
        if conn.read_line(&mut line).await.map_err(|e| e.to_string())? == 0 {
            return Err("connection closed in the headers".into());
        }
        let header = line.trim_end().to_ascii_lowercase();
        if header.is_empty() {
            break;
        }
        if let Some(v) = header.strip_prefix("content-length:") {
            length = v.trim().parse().ok();
        } else if header.starts_with("transfer-encoding:") && header.contains("chunked") {
            chunked = true;
        } else if header.starts_with("connection:") && header.contains("close") {
            keep = false;
        }
    }
    let mut reply = Vec::new();
    if chunked {
        loop {
            line.clear();
            conn.read_line(&mut line).await.map_err(|e| e.to_string())?;
            let size = usize::from_str_radix(line.trim(), 16).map_err(|e| e.to_string())?;
            let mut chunk = vec![0u8; size.saturating_add(2)];
            conn.read_exact(&mut chunk)
                .await
                .map_err(|e| e.to_string())?;
            if size == 0 {
                break;
            }
            chunk.truncate(size);
            reply.extend_from_slice(&chunk);
        }
    } else if let Some(n) = length {
        reply.resize(n, 0);
        conn.read_exact(&mut reply)
            .await
            .map_err(|e| e.to_string())?;
    } else {
        conn.read_to_end(&mut reply)
            .await
            .map_err(|e| e.to_string())?;
        keep = false;
    }
    Ok((status, reply, keep))
}

/// `host:port` of an `http://host:port[/...]` URL.
fn host_of(url: &str) -> Result<String, String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("--rpc must be an http:// URL, got {url:?}"))?;
    let host = rest.split('/').next().unwrap_or_default();
    if host.is_empty() {
        return Err(format!("no host in {url:?}"));
    }
    Ok(host.to_string())
}

/// Counter values from the node's `/metrics`.
async fn node_counters(http: &mut Http) -> Option<BTreeMap<String, u64>> {
    let (status, body) = http.exchange("GET", "/metrics", b"").await.ok()?;
    if status != 200 {
        return None;
    }
    let text = String::from_utf8_lossy(&body);
    Some(
        text.lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| {
                let (name, value) = l.split_once(' ')?;
                Some((name.to_string(), value.trim().parse().ok()?))
            })
            .collect(),
    )
}

fn counter_delta(
    before: &Option<BTreeMap<String, u64>>,
    after: &Option<BTreeMap<String, u64>>,
    name: &str,
) -> Option<u64> {
    let b = before.as_ref()?.get(name)?;
    let a = after.as_ref()?.get(name)?;
    a.checked_sub(*b)
}

/// `VmRSS` and `VmHWM` (peak) of a process, in KiB.
fn rss_kib(pid: u32) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| -> Option<u64> {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))?
            .split_whitespace()
            .next()?
            .parse()
            .ok()
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

// ---------------------------------------------------------------------------------------------
// The load run

/// One pre-signed transaction.
struct Prepared {
    hash: B256,
    digest: B256,
    tx: Transaction,
    body: Vec<u8>,
}

/// Progress shared by the workers and the watcher.
struct Progress {
    /// Per sender: its transactions (indices) in nonce order, and how many were handed out.
    queues: Vec<Vec<usize>>,
    handed: Vec<usize>,
    /// Per sender: how many were seen in blocks.
    included: Vec<usize>,
    /// Transactions to send again, with their attempt count.
    retry: VecDeque<(usize, u32)>,
    sent_at: Vec<Option<Instant>>,
    seen_at: Vec<Option<Instant>>,
    accepted: usize,
    included_total: usize,
    last_accept: Option<Instant>,
    abort: Option<String>,
    next_sender: usize,
}

fn lock(m: &Mutex<Progress>) -> MutexGuard<'_, Progress> {
    match m.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

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

async fn worker(
    host: String,
    txs: Arc<Vec<Prepared>>,
    progress: Arc<Mutex<Progress>>,
    wake: Arc<Notify>,
    window: usize,
    batch: usize,
) {
    let mut http = Http::new(&host);
    loop {
        let jobs = {
            let mut p = lock(&progress);
            if p.abort.is_some() || p.all_handed() {
                return;
            }
            let mut jobs = Vec::with_capacity(batch);
            while jobs.len() < batch {
                let Some((idx, attempt)) = p.next(window) else {
                    break;
                };
                if attempt == 0
                    && let Some(slot) = p.sent_at.get_mut(idx)
                {
                    *slot = Some(clock::now());
                }
                jobs.push((idx, attempt));
            }
            jobs
        };
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

/// Blocks seen by the watcher.
#[derive(Default)]
struct Blocks {
    first: Option<u64>,
    last: Option<u64>,
    used: u64,
    max_txs: usize,
}

/// Whether the receipt of `hash` exists yet.
async fn included(http: &mut Http, hash: B256) -> Result<bool, String> {
    Ok(!http
        .call("restake_getTransactionReceipt", json!([hash]))
        .await?
        .is_null())
}

/// Watches the head; at each new block finds, per sender, how far its transactions are
/// included. A sender's transactions go into blocks in nonce order, so "the receipt of its k-th
/// transaction exists" is monotonic in k and a binary search over the ones handed out finds the
/// boundary with a handful of receipt lookups, whatever the block size.
async fn watcher(
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

/// CPU time (user + system) of a process so far, from `/proc/PID/stat`, in clock ticks of
/// 1/100 s (Linux's `USER_HZ`).
fn cpu_ticks(pid: &str) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(')')?;
    let mut fields = rest.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    utime.checked_add(stime)
}

// ---------------------------------------------------------------------------------------------
// Signature recovery

/// Recovers `total` signatures (cycling through `txs`) on `threads` threads, one contiguous
/// chunk each; with `full`, runs the node's whole admission check (`Transaction::verify`:
/// EIP-712 digest, canonical-form check, recovery, comparison) instead of recovery alone.
/// Returns the elapsed time and how many recovered to the right signer.
fn recover_all(
    txs: &[Prepared],
    total: usize,
    threads: usize,
    full: bool,
    chain_id: u64,
) -> (Duration, usize) {
    let per = total.div_ceil(threads.max(1));
    let started = clock::now();
    let ok = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                scope.spawn(move || {
                    let from = t.saturating_mul(per);
                    let to = from.saturating_add(per).min(total);
                    let mut ok = 0usize;
                    for i in from..to {
                        let Some(p) = i.checked_rem(txs.len()).and_then(|j| txs.get(j)) else {
                            continue;
                        };
                        let good = if full {
                            p.tx.verify(chain_id).is_ok()
                        } else {
                            Signature::from_raw(&p.tx.signature)
                                .and_then(|s| s.recover_address_from_prehash(&p.digest))
                                .is_ok_and(|a| a == p.tx.from)
                        };
                        if good {
                            ok = ok.saturating_add(1);
                        }
                    }
                    ok
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or(0))
            .fold(0usize, usize::saturating_add)
    });
    (started.elapsed(), ok)
}

// ---------------------------------------------------------------------------------------------
// Integer formatting

/// `count` per second over `elapsed`, in hundredths.
fn per_sec_x100(count: usize, elapsed: Duration) -> u128 {
    let micros = elapsed.as_micros().max(1);
    (count as u128)
        .saturating_mul(100_000_000)
        .checked_div(micros)
        .unwrap_or(0)
}

fn hundredths(v: u128) -> String {
    format!(
        "{}.{:02}",
        v.checked_div(100).unwrap_or(0),
        v.checked_rem(100).unwrap_or(0)
    )
}

fn millis(d: Duration) -> String {
    let us = d.as_micros();
    format!(
        "{}.{:03}",
        us.checked_div(1000).unwrap_or(0),
        us.checked_rem(1000).unwrap_or(0)
    )
}

/// The `pct`-th percentile (nearest rank) of sorted values.
fn percentile(sorted: &[Duration], pct: usize) -> Duration {
    let n = sorted.len();
    if n == 0 {
        return Duration::ZERO;
    }
    let rank = n.saturating_mul(pct).div_ceil(100).max(1);
    sorted
        .get(rank.saturating_sub(1))
        .copied()
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------

/// Most calls in one JSON-RPC batch (the node's default limit).
const MAX_BATCH: usize = 100;

/// Most senders a run may use.
const MAX_SENDERS: usize = 1_000;

/// Sender `i`: a development account, then keys derived from the index (funded by
/// [`fund_senders`]), so runs are repeatable.
fn sender_wallet(i: usize) -> Result<Wallet, String> {
    if i < restake_node::devnet::DEV_ACCOUNTS.len() {
        return wallet(&format!("dev:{i}"));
    }
    let mut seed = b"restake bench sender ".to_vec();
    seed.extend_from_slice(&(i as u64).to_be_bytes());
    Wallet::from_bytes(keccak256(&seed).0).map_err(|e| e.to_string())
}

/// Gives every derived sender (those past the development accounts) `units` base units of
/// `token` from development account 0, unless it already holds that many, and waits until the
/// transfers are in blocks. Runs before the clock starts.
async fn fund_senders(
    http: &mut Http,
    wallets: &[Wallet],
    token: Address,
    units: usize,
    chain_id: u64,
    quiet: bool,
) -> Result<(), String> {
    let first = restake_node::devnet::DEV_ACCOUNTS.len();
    let Some(derived) = wallets.get(first..) else {
        return Ok(());
    };
    let funder = wallet("dev:0")?;
    let need = U256::from(units);
    let mut nonce = http
        .call("restake_getNonce", json!([funder.address()]))
        .await?
        .as_u64()
        .ok_or("restake_getNonce did not return a number")?;
    if !quiet && !derived.is_empty() {
        eprintln!("funding {} derived senders...", derived.len());
    }
    // The mempool holds at most 256 nonces ahead per sender: fund in rounds.
    for chunk in derived.chunks(200) {
        let mut last = None;
        for w in chunk {
            let held = http
                .call("restake_getTokenBalance", json!([token, w.address()]))
                .await?;
            let held: U256 = held
                .as_str()
                .and_then(|v| v.parse().ok())
                .ok_or("restake_getTokenBalance did not return a decimal string")?;
            if held >= need {
                continue;
            }
            let tx = funder.sign(
                Action::Transfer {
                    token,
                    to: w.address(),
                    amount: need,
                },
                nonce,
                chain_id,
            );
            nonce = nonce.saturating_add(1);
            let hash: B256 =
                serde_json::from_value(http.call("restake_sendTransaction", json!([tx])).await?)
                    .map_err(|e| e.to_string())?;
            last = Some(hash);
        }
        if let Some(hash) = last {
            let until = clock::now()
                .checked_add(Duration::from_secs(60))
                .ok_or("clock overflow")?;
            while !included(http, hash).await? {
                if clock::now() > until {
                    return Err("funding transfers were not included within 60 s".into());
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
    Ok(())
}

/// Runs `restake bench`.
pub async fn run(a: BenchArgs) -> CliResult {
    if a.senders == 0 || a.senders > MAX_SENDERS {
        return Err(format!("--senders must be 1 to {MAX_SENDERS}"));
    }
    if a.txs == 0 || a.concurrency == 0 {
        return Err("--txs and --concurrency must be positive".into());
    }
    if a.batch == 0 || a.batch > MAX_BATCH {
        return Err(format!("--batch must be 1 to {MAX_BATCH}"));
    }
    if a.window == 0 || a.window > 256 {
        return Err("--window must be 1 to 256".into());
    }
    let host = host_of(&a.rpc)?;
    let mut http = Http::new(&host);
    let chain_id = http
        .call("restake_chainId", json!([]))
        .await?
        .as_u64()
        .ok_or("restake_chainId did not return a number")?;
    let tokens = http.call("restake_getTokens", json!([])).await?;
    let token: Address = tokens
        .as_array()
        .and_then(|all| {
            all.iter().find(|t| {
                t["symbol"]
                    .as_str()
                    .is_some_and(|s| s.eq_ignore_ascii_case(&a.token))
            })
        })
        .and_then(|t| serde_json::from_value(t["token"].clone()).ok())
        .ok_or_else(|| format!("the node has no token {}", a.token))?;

    // Sign everything before the clock starts.
    let wallets = (0..a.senders)
        .map(sender_wallet)
        .collect::<Result<Vec<_>, _>>()?;
    let per_sender = a.txs.div_ceil(a.senders);
    fund_senders(&mut http, &wallets, token, per_sender, chain_id, a.json).await?;
    let mut nonces = Vec::with_capacity(a.senders);
    for w in &wallets {
        let n = http
            .call("restake_getNonce", json!([w.address()]))
            .await?
            .as_u64()
            .ok_or("restake_getNonce did not return a number")?;
        nonces.push(n);
    }
    if !a.json {
        eprintln!(
            "signing {} transfers of 1 unit of {} from {} accounts...",
            a.txs, a.token, a.senders
        );
    }
    let sign_started = clock::now();
    let mut txs = Vec::with_capacity(a.txs);
    let mut queues = vec![Vec::new(); a.senders];
    for i in 0..a.txs {
        let sender = i.checked_rem(a.senders).unwrap_or(0);
        let (Some(w), Some(nonce), Some(queue)) = (
            wallets.get(sender),
            nonces.get_mut(sender),
            queues.get_mut(sender),
        ) else {
            return Err("internal: sender out of range".into());
        };
        let action = Action::Transfer {
            token,
            to: RECIPIENT,
            amount: U256::from(1),
        };
        let digest = Transaction::signing_hash(w.address(), *nonce, &action, chain_id);
        let tx = w.sign(action, *nonce, chain_id);
        *nonce = nonce.saturating_add(1);
        let body = serde_json::to_vec(
            &json!({"jsonrpc": "2.0", "id": i, "method": "restake_sendTransaction", "params": [tx]}),
        )
        .map_err(|e| e.to_string())?;
        queue.push(i);
        txs.push(Prepared {
            hash: tx.hash(chain_id),
            digest,
            tx,
            body,
        });
    }
    let sign_elapsed = sign_started.elapsed();
    let txs = Arc::new(txs);

    let counters_before = node_counters(&mut http).await;
    let start_height = http
        .call("restake_blockNumber", json!([]))
        .await?
        .as_u64()
        .ok_or("restake_blockNumber did not return a number")?;
    let progress = Arc::new(Mutex::new(Progress {
        queues,
        handed: vec![0; a.senders],
        included: vec![0; a.senders],
        retry: VecDeque::new(),
        sent_at: vec![None; a.txs],
        seen_at: vec![None; a.txs],
        accepted: 0,
        included_total: 0,
        last_accept: None,
        abort: None,
        next_sender: 0,
    }));
    let wake = Arc::new(Notify::new());
    if !a.json {
        eprintln!(
            "sending with {} requests of {} transactions in flight (window {} nonces per sender)...",
            a.concurrency, a.batch, a.window
        );
    }
    let node_pid = a.pid.map(|p| p.to_string());
    let node_cpu_before = node_pid.as_deref().and_then(cpu_ticks);
    let own_cpu_before = cpu_ticks("self");
    let started = clock::now();
    let deadline = started
        .checked_add(Duration::from_secs(a.timeout_secs))
        .unwrap_or(started);
    let watch = tokio::spawn(watcher(
        host.clone(),
        start_height,
        txs.clone(),
        progress.clone(),
        wake.clone(),
        deadline,
    ));
    let workers: Vec<_> = (0..a.concurrency)
        .map(|_| {
            tokio::spawn(worker(
                host.clone(),
                txs.clone(),
                progress.clone(),
                wake.clone(),
                a.window,
                a.batch,
            ))
        })
        .collect();
    let watched = watch.await.map_err(|e| e.to_string())?;
    if watched.is_err() {
        lock(&progress)
            .abort
            .get_or_insert_with(|| "stopped".into());
    }
    for w in workers {
        let _ = w.await;
    }
    let blocks = watched?;
    let tick_delta = |before: Option<u64>, pid: Option<&str>| -> Option<u64> {
        cpu_ticks(pid?)?.checked_sub(before?)
    };
    let node_cpu = tick_delta(node_cpu_before, node_pid.as_deref());
    let own_cpu = tick_delta(own_cpu_before, Some("self"));

    let counters_after = node_counters(&mut http).await;
    let memory = a.pid.and_then(rss_kib);

    // Latencies and rates.
    let (first_send, last_seen, last_accept, mut latencies) = {
        let p = lock(&progress);
        let latencies: Vec<Duration> = p
            .sent_at
            .iter()
            .zip(&p.seen_at)
            .filter_map(|(s, r)| Some(r.as_ref()?.saturating_duration_since(*s.as_ref()?)))
            .collect();
        (
            p.sent_at.iter().flatten().min().copied().unwrap_or(started),
            p.seen_at.iter().flatten().max().copied().unwrap_or(started),
            p.last_accept.unwrap_or(started),
            latencies,
        )
    };
    latencies.sort();
    let span = last_seen.saturating_duration_since(first_send);
    let send_span = last_accept.saturating_duration_since(first_send);
    let committed_x100 = per_sec_x100(a.txs, span);
    let send_x100 = per_sec_x100(a.txs, send_span);
    let p50 = percentile(&latencies, 50);
    let p99 = percentile(&latencies, 99);
    let max = latencies.last().copied().unwrap_or_default();
    let failed = counter_delta(
        &counters_before,
        &counters_after,
        "restake_transactions_failed_total",
    );
    let rejected = counter_delta(
        &counters_before,
        &counters_after,
        "restake_transactions_rejected_total",
    );

    // The recovery rate, with the node idle.
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let recoveries = a.recoveries.unwrap_or(a.txs.max(20_000));
    if !a.json {
        eprintln!("recovering {recoveries} signatures on {threads} threads...");
    }
    let txs_for_recovery = txs.clone();
    let (rec_elapsed, rec_ok, ver_elapsed, ver_ok) = tokio::task::spawn_blocking(move || {
        let (re, ro) = recover_all(&txs_for_recovery, recoveries, threads, false, chain_id);
        let (ve, vo) = recover_all(&txs_for_recovery, recoveries, threads, true, chain_id);
        (re, ro, ve, vo)
    })
    .await
    .map_err(|e| e.to_string())?;
    if rec_ok != recoveries || ver_ok != recoveries {
        return Err(format!(
            "signature recovery disagreed: {rec_ok} and {ver_ok} of {recoveries} recovered their signer"
        ));
    }
    let recover_x100 = per_sec_x100(recoveries, rec_elapsed);
    let verify_x100 = per_sec_x100(recoveries, ver_elapsed);
    // committed ÷ recovery, in hundredths of a percent.
    let ratio_x100 = committed_x100
        .saturating_mul(10_000)
        .checked_div(recover_x100.max(1))
        .unwrap_or(0);

    let report = json!({
        "rpc": a.rpc,
        "transactions": a.txs,
        "senders": a.senders,
        "concurrency": a.concurrency,
        "batch": a.batch,
        "window": a.window,
        "signingMs": sign_elapsed.as_millis().to_string(),
        "blocks": blocks.used,
        "firstBlock": blocks.first,
        "lastBlock": blocks.last,
        "maxTransactionsPerBlock": blocks.max_txs,
        "elapsedMs": millis(span),
        "committedPerSec": hundredths(committed_x100),
        "admittedPerSec": hundredths(send_x100),
        "latencyP50Ms": millis(p50),
        "latencyP99Ms": millis(p99),
        "latencyMaxMs": millis(max),
        "failedTransactions": failed,
        "refusedAtAdmission": rejected,
        "nodeRssKiB": memory.map(|m| m.0),
        "nodePeakRssKiB": memory.map(|m| m.1),
        "nodeCpuMs": node_cpu.map(|t| t.saturating_mul(10)),
        "benchCpuMs": own_cpu.map(|t| t.saturating_mul(10)),
        "nodeCpuUsPerTx": node_cpu.map(|t| t.saturating_mul(10_000).checked_div(a.txs as u64).unwrap_or(0)),
        "recoveryThreads": threads,
        "recoveries": recoveries,
        "recoveriesPerSec": hundredths(recover_x100),
        "verificationsPerSec": hundredths(verify_x100),
        "committedOverRecoveryPercent": hundredths(ratio_x100),
        "goalMet": ratio_x100 >= 5_000,
    });
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?
        );
        return Ok(());
    }
    let opt = |v: Option<u64>| v.map_or_else(|| "-".to_string(), |x| x.to_string());
    println!(
        "transactions       {} from {} senders, {} requests of {} in flight",
        a.txs, a.senders, a.concurrency, a.batch
    );
    println!(
        "blocks             {} (heights {}..{}), at most {} of ours in one",
        blocks.used,
        opt(blocks.first),
        opt(blocks.last),
        blocks.max_txs
    );
    println!(
        "elapsed            {} ms (first send to last inclusion seen)",
        millis(span)
    );
    println!("committed          {} tx/s", hundredths(committed_x100));
    println!(
        "admitted           {} tx/s (first send to last accepted)",
        hundredths(send_x100)
    );
    println!(
        "commit latency     p50 {} ms, p99 {} ms, max {} ms",
        millis(p50),
        millis(p99),
        millis(max)
    );
    println!(
        "failed / refused   {} / {} (node counters)",
        opt(failed),
        opt(rejected)
    );
    match memory {
        Some((rss, peak)) => println!("node memory        {rss} KiB resident, {peak} KiB peak"),
        None if a.pid.is_some() => println!("node memory        unreadable"),
        None => {}
    }
    if let Some(t) = node_cpu {
        println!(
            "cpu during run     node {} ms ({} us per transaction), load generator {} ms",
            t.saturating_mul(10),
            t.saturating_mul(10_000)
                .checked_div(a.txs as u64)
                .unwrap_or(0),
            opt(own_cpu.map(|o| o.saturating_mul(10)))
        );
    }
    println!(
        "recovery           {} signatures/s on {threads} threads ({} verifications/s with digest)",
        hundredths(recover_x100),
        hundredths(verify_x100)
    );
    println!(
        "committed/recovery {}% (goal: at least 50%)",
        hundredths(ratio_x100)
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let v: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&v, 50), Duration::from_millis(50));
        assert_eq!(percentile(&v, 99), Duration::from_millis(99));
        assert_eq!(percentile(&v[..1], 99), Duration::from_millis(1));
        assert_eq!(percentile(&[], 50), Duration::ZERO);
    }

    #[test]
    fn rates_are_integer_hundredths() {
        assert_eq!(per_sec_x100(3, Duration::from_secs(2)), 150);
        assert_eq!(hundredths(150), "1.50");
        assert_eq!(hundredths(12_345), "123.45");
        assert_eq!(millis(Duration::from_micros(1_234_567)), "1234.567");
    }

    #[test]
    fn hosts_come_from_http_urls_only() {
        assert_eq!(
            host_of("http://127.0.0.1:8545").as_deref(),
            Ok("127.0.0.1:8545")
        );
        assert_eq!(
            host_of("http://localhost:1/x").as_deref(),
            Ok("localhost:1")
        );
        assert!(host_of("https://x").is_err());
        assert!(host_of("http://").is_err());
    }

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
}
