//! The report: integer rates, percentiles and durations, printed as JSON or as a table.
use super::*;

/// `count` per second over `elapsed`, in hundredths.
pub(super) fn per_sec_x100(count: usize, elapsed: Duration) -> u128 {
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
pub(super) fn percentile(sorted: &[Duration], pct: usize) -> Duration {
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

/// What a run measured, for the report.
pub(super) struct Measured {
    pub(super) sign_elapsed: Duration,
    pub(super) blocks: Blocks,
    pub(super) span: Duration,
    pub(super) committed_x100: u128,
    pub(super) send_x100: u128,
    pub(super) p50: Duration,
    pub(super) p99: Duration,
    pub(super) max: Duration,
    pub(super) failed: Option<u64>,
    pub(super) rejected: Option<u64>,
    pub(super) memory: Option<(u64, u64)>,
    pub(super) node_cpu: Option<u64>,
    pub(super) own_cpu: Option<u64>,
    pub(super) threads: usize,
    pub(super) recoveries: usize,
    pub(super) recover_x100: u128,
    pub(super) verify_x100: u128,
    pub(super) ratio_x100: u128,
}

/// Prints the report: JSON with `--json`, else a table.
pub(super) fn print(a: &BenchArgs, m: Measured) -> CliResult {
    let Measured {
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
    } = m;
    let report = json!({
        "rpc": a.rpc,
        "transactions": a.txs,
        "senders": a.senders,
        "concurrency": a.concurrency,
        "batch": a.batch,
        "window": a.window,
        "rate": a.rate,
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
    match a.rate {
        Some(rate) => println!(
            "transactions       {} from {} senders, {rate} a second, one per request, {} requests in flight at most",
            a.txs, a.senders, a.concurrency
        ),
        None => println!(
            "transactions       {} from {} senders, {} requests of {} in flight",
            a.txs, a.senders, a.concurrency, a.batch
        ),
    }
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
        "committed/recovery {}% (goal: at least 70%)",
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
}
