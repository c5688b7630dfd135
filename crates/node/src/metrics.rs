//! Prometheus metrics: blocks, transactions, mempool size, commit latency, subscriptions and the
//! risk analyses they cause.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

/// Commit-latency histogram bucket bounds in microseconds.
const BUCKETS_US: [u64; 10] = [
    500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 1_000_000,
];

/// Node counters, updated lock-free.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Height of the last committed block.
    pub height: AtomicU64,
    /// Blocks committed since start.
    pub blocks: AtomicU64,
    /// Transactions committed since start (successful or failed).
    pub txs: AtomicU64,
    /// Failed transactions committed since start.
    pub txs_failed: AtomicU64,
    /// Transactions refused at admission.
    pub txs_rejected: AtomicU64,
    /// Pending transactions.
    pub mempool_size: AtomicU64,
    /// Open `restake_subscribeNewHeads` subscriptions.
    pub subscriptions_new_heads: AtomicU64,
    /// Open `restake_subscribeEvents` subscriptions.
    pub subscriptions_events: AtomicU64,
    /// Open `restake_subscribeRiskReport` subscriptions.
    pub subscriptions_risk_report: AtomicU64,
    /// Subscriptions refused because a cap was reached.
    pub subscriptions_refused: AtomicU64,
    /// Shared risk-report computations alive (one per parameter set in use).
    pub risk_report_feeds: AtomicU64,
    /// Risk analyses computed for subscriptions since start.
    pub risk_analyses: AtomicU64,
    /// Transactions in received blocks whose signature this node had already checked.
    pub sigcache_hits: AtomicU64,
    /// Transactions in received blocks whose signature had to be recovered.
    pub sigcache_misses: AtomicU64,
    /// Transactions delivered to gossip peers (counted once per peer).
    pub txgossip_sent: AtomicU64,
    /// Transactions not delivered to a gossip peer (counted once per peer).
    pub txgossip_failed: AtomicU64,
    /// Admitted transactions not queued for gossip because the queue was full.
    pub txgossip_dropped: AtomicU64,
    /// Transactions received from gossip peers and admitted.
    pub txgossip_received: AtomicU64,
    /// The consensus round of the current height (0 on a solo node).
    pub consensus_round: AtomicU64,
    /// Heights finalized with evidence of misbehaviour (double proposals or votes) observed.
    pub consensus_misbehaviour: AtomicU64,
    /// Blocks received through consensus sync and found valid.
    pub consensus_synced_blocks: AtomicU64,
    /// Peers connected to this node's consensus network.
    pub consensus_peers: AtomicU64,
    /// 1 while the node is catching up by sync (its head is behind the network), else 0.
    pub consensus_catching_up: AtomicU64,
    commit_buckets: [AtomicU64; 10],
    commit_count: AtomicU64,
    commit_sum_us: AtomicU64,
}

impl Metrics {
    /// Records one block's build-and-commit latency.
    pub fn observe_commit(&self, micros: u64) {
        for (bound, b) in BUCKETS_US.iter().zip(&self.commit_buckets) {
            if micros <= *bound {
                b.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.commit_count.fetch_add(1, Ordering::Relaxed);
        self.commit_sum_us.fetch_add(micros, Ordering::Relaxed);
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let mut s = String::new();
        let mut line = |name: &str, kind: &str, help: &str, v: u64| {
            let _ = writeln!(s, "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {v}");
        };
        line(
            "restake_block_height",
            "gauge",
            "Height of the last committed block.",
            g(&self.height),
        );
        line(
            "restake_blocks_total",
            "counter",
            "Blocks committed since start.",
            g(&self.blocks),
        );
        line(
            "restake_transactions_total",
            "counter",
            "Transactions committed since start.",
            g(&self.txs),
        );
        line(
            "restake_transactions_failed_total",
            "counter",
            "Committed transactions whose action failed.",
            g(&self.txs_failed),
        );
        line(
            "restake_transactions_rejected_total",
            "counter",
            "Transactions refused at admission.",
            g(&self.txs_rejected),
        );
        line(
            "restake_mempool_size",
            "gauge",
            "Pending transactions.",
            g(&self.mempool_size),
        );
        let _ = writeln!(
            s,
            "# HELP restake_subscriptions Open WebSocket subscriptions, by kind.\n# TYPE restake_subscriptions gauge"
        );
        for (kind, v) in [
            ("newHeads", &self.subscriptions_new_heads),
            ("events", &self.subscriptions_events),
            ("riskReport", &self.subscriptions_risk_report),
        ] {
            let _ = writeln!(s, "restake_subscriptions{{kind=\"{kind}\"}} {}", g(v));
        }
        let mut line = |name: &str, kind: &str, help: &str, v: u64| {
            let _ = writeln!(s, "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {v}");
        };
        line(
            "restake_subscriptions_refused_total",
            "counter",
            "Subscriptions refused because a cap was reached.",
            g(&self.subscriptions_refused),
        );
        line(
            "restake_risk_report_feeds",
            "gauge",
            "Shared risk-report computations alive, one per parameter set in use.",
            g(&self.risk_report_feeds),
        );
        line(
            "restake_risk_analyses_total",
            "counter",
            "Risk analyses computed for subscriptions since start.",
            g(&self.risk_analyses),
        );
        line(
            "restake_sigcache_hits_total",
            "counter",
            "Transactions in received blocks whose signature was already checked.",
            g(&self.sigcache_hits),
        );
        line(
            "restake_sigcache_misses_total",
            "counter",
            "Transactions in received blocks whose signature had to be recovered.",
            g(&self.sigcache_misses),
        );
        line(
            "restake_txgossip_sent_total",
            "counter",
            "Transactions delivered to gossip peers, once per peer.",
            g(&self.txgossip_sent),
        );
        line(
            "restake_txgossip_failed_total",
            "counter",
            "Transactions not delivered to a gossip peer, once per peer.",
            g(&self.txgossip_failed),
        );
        line(
            "restake_txgossip_dropped_total",
            "counter",
            "Admitted transactions not gossiped because the queue was full.",
            g(&self.txgossip_dropped),
        );
        line(
            "restake_consensus_round",
            "gauge",
            "Consensus round of the current height.",
            g(&self.consensus_round),
        );
        line(
            "restake_consensus_misbehaviour_total",
            "counter",
            "Heights finalized with evidence of double proposals or votes observed.",
            g(&self.consensus_misbehaviour),
        );
        line(
            "restake_consensus_synced_blocks_total",
            "counter",
            "Blocks received through consensus sync and found valid.",
            g(&self.consensus_synced_blocks),
        );
        line(
            "restake_consensus_peers",
            "gauge",
            "Peers connected to the consensus network.",
            g(&self.consensus_peers),
        );
        line(
            "restake_consensus_catching_up",
            "gauge",
            "1 while the node catches up by sync, else 0.",
            g(&self.consensus_catching_up),
        );
        line(
            "restake_txgossip_received_total",
            "counter",
            "Transactions received from gossip peers and admitted.",
            g(&self.txgossip_received),
        );
        let _ = writeln!(
            s,
            "# HELP restake_commit_latency_seconds Time to build and durably commit a block."
        );
        let _ = writeln!(s, "# TYPE restake_commit_latency_seconds histogram");
        for (bound, b) in BUCKETS_US.iter().zip(&self.commit_buckets) {
            let _ = writeln!(
                s,
                "restake_commit_latency_seconds_bucket{{le=\"{}\"}} {}",
                seconds(*bound),
                g(b)
            );
        }
        let count = g(&self.commit_count);
        let _ = writeln!(
            s,
            "restake_commit_latency_seconds_bucket{{le=\"+Inf\"}} {count}"
        );
        let _ = writeln!(
            s,
            "restake_commit_latency_seconds_sum {}",
            seconds(g(&self.commit_sum_us))
        );
        let _ = writeln!(s, "restake_commit_latency_seconds_count {count}");
        s
    }
}

fn seconds(us: u64) -> String {
    format!("{}.{:06}", us / 1_000_000, us % 1_000_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_latency_lands_in_cumulative_buckets() {
        let m = Metrics::default();
        m.observe_commit(700);
        m.observe_commit(30_000);
        let text = m.render();
        assert!(text.contains("restake_commit_latency_seconds_bucket{le=\"0.000500\"} 0"));
        assert!(text.contains("restake_commit_latency_seconds_bucket{le=\"0.001000\"} 1"));
        assert!(text.contains("restake_commit_latency_seconds_bucket{le=\"0.050000\"} 2"));
        assert!(text.contains("restake_commit_latency_seconds_count 2"));
        assert!(text.contains("restake_commit_latency_seconds_sum 0.030700"));
    }
}
