//! `restake bench`: a load generator against a running node, and this machine's signature recovery
//! rate to compare it with.
//!
//! The senders are the devnet's development accounts and, past those, keys derived from their index
//! that development account 0 funds (before the clock starts) with one base unit of the token per
//! transfer they will sign. They sign `--txs` transfers of 1 base unit of a token (stETH by
//! default) to a fixed address, round-robin, with consecutive nonces from `restake_getNonce`.
//! Everything is signed before the clock starts. `--concurrency` workers then send them over HTTP
//! (one keep-alive connection each, `--batch` transactions per request as a JSON-RPC batch), never
//! letting a sender run more than `--window` nonces ahead of its last included transaction (the
//! mempool refuses nonces 256 or more ahead). A watcher polls the head every 5 ms and, at each new
//! block, finds with a few receipt lookups per sender which transactions it included, so each
//! transaction's commit latency is the time from the start of its send to the moment its receipt
//! was seen (at most one poll interval late). The watcher does not fetch whole blocks: re-encoding
//! thousands of transactions per block would load the node being measured.
//!
//! Reported: committed transactions per second (first send to last inclusion seen), commit latency
//! p50/p99/max, admission rate, blocks used, failed and refused transactions (from the node's
//! `/metrics`, so the node should be otherwise idle), with `--pid` the node's resident memory and
//! the CPU time it and this load generator used during the run, and then, with the node idle, the
//! single-process parallel signature-recovery rate of this machine (one thread per core) and the
//! ratio of the two. All arithmetic is integer.

use crate::CliResult;
use crate::keys::wallet;
use alloy_primitives::{Address, B256, Signature, U256, keccak256};
use clap::Args;
use restake_client::Wallet;
use restake_core::Action;
use restake_core::tx::Transaction;
use restake_node::clock;
use serde_json::json;
use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

mod args;
mod http;
mod metrics;
mod receipts;
mod recovery;
mod report;
mod seed;
mod send;
mod senders;

pub use args::BenchArgs;
use http::{Http, RpcOutcome, host_of};
use metrics::{counter_delta, cpu_ticks, node_counters, rss_kib};
use receipts::{Blocks, included, watcher};
use recovery::recover_all;
use report::{Measured, per_sec_x100, percentile};
use send::{Pace, worker};
use senders::{fund_senders, sender_wallet, sign_transfers};

/// Most calls in one JSON-RPC batch (the node's default limit).
const MAX_BATCH: usize = 100;

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
    /// First sends so far, which `--rate` spaces evenly from the start.
    first_sends: u64,
}

fn lock(m: &Mutex<Progress>) -> MutexGuard<'_, Progress> {
    match m.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

/// Runs `restake bench`.
pub async fn run(a: BenchArgs) -> CliResult {
    if let Some(args::BenchCmd::Seed(s)) = a.command {
        return tokio::task::spawn_blocking(move || seed::run(&s))
            .await
            .map_err(|e| e.to_string())?;
    }
    a.validate()?;
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
    let (txs, queues) = sign_transfers(&wallets, nonces, a.txs, token, chain_id)?;
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
        first_sends: 0,
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
                Pace {
                    window: a.window,
                    batch: a.batch,
                    rate: a.rate,
                    started,
                },
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

    report::print(
        &a,
        Measured {
            sign_elapsed,
            blocks,
            span,
            committed_x100,
            send_x100,
            p50,
            p99,
            max,
            failed,
            rejected,
            memory,
            node_cpu,
            own_cpu,
            threads,
            recoveries,
            recover_x100,
            verify_x100,
            ratio_x100,
        },
    )
}
