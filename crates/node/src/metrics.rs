//! Prometheus metrics: blocks, transactions, mempool size, commit latency, subscriptions and the
//! risk analyses they cause.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

/// Commit-latency histogram bucket bounds in microseconds.
const COMMIT_US: [u64; 10] = [
    500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 1_000_000,
];

/// Proposal-to-commit histogram bucket bounds in microseconds.
const PROPOSAL_TO_COMMIT_US: [u64; 10] = [
    10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 2_500_000, 5_000_000, 10_000_000,
];

/// Rounds-per-height histogram bucket bounds.
const ROUNDS: [u64; 10] = [1, 2, 3, 4, 5, 6, 8, 10, 15, 20];

/// What a histogram's observations count.
#[derive(Debug, Clone, Copy)]
enum Unit {
    /// Microseconds, shown in seconds.
    Micros,
    /// Plain numbers.
    Count,
}

impl Unit {
    fn show(self, v: u64) -> String {
        match self {
            Self::Micros => seconds(v),
            Self::Count => v.to_string(),
        }
    }
}

/// A Prometheus histogram of ten buckets, whose bounds its owner passes in.
#[derive(Debug, Default)]
pub struct Histogram {
    buckets: [AtomicU64; 10],
    count: AtomicU64,
    sum: AtomicU64,
}

impl Histogram {
    fn observe(&self, bounds: &[u64; 10], v: u64) {
        for (bound, b) in bounds.iter().zip(&self.buckets) {
            if v <= *bound {
                b.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum.fetch_add(v, Ordering::Relaxed);
    }

    fn render(&self, s: &mut String, name: &str, help: &str, bounds: &[u64; 10], unit: Unit) {
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let _ = writeln!(s, "# HELP {name} {help}\n# TYPE {name} histogram");
        for (bound, b) in bounds.iter().zip(&self.buckets) {
            let _ = writeln!(s, "{name}_bucket{{le=\"{}\"}} {}", unit.show(*bound), g(b));
        }
        let count = g(&self.count);
        let _ = writeln!(s, "{name}_bucket{{le=\"+Inf\"}} {count}");
        let _ = writeln!(s, "{name}_sum {}", unit.show(g(&self.sum)));
        let _ = writeln!(s, "{name}_count {count}");
    }
}

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
    /// The last height the index (outside consensus) holds.
    pub index_height: AtomicU64,
    /// Timestamp (ms) of the last committed block, for its age.
    pub head_timestamp_ms: AtomicU64,
    commit: Histogram,
    proposal_to_commit: Histogram,
    rounds_per_height: Histogram,
}

impl Metrics {
    /// Records one block's build-and-commit latency.
    pub fn observe_commit(&self, micros: u64) {
        self.commit.observe(&COMMIT_US, micros);
    }

    /// Records a decided height: the rounds it took (the deciding round + 1) and, when this
    /// node saw the decided block proposed live, the time from then to its commit.
    pub fn observe_decision(&self, rounds: u64, proposal_to_commit_us: Option<u64>) {
        self.rounds_per_height.observe(&ROUNDS, rounds);
        if let Some(us) = proposal_to_commit_us {
            self.proposal_to_commit.observe(&PROPOSAL_TO_COMMIT_US, us);
        }
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
        line(
            "restake_index_height",
            "gauge",
            "The last height the index of history and lists holds (outside consensus).",
            g(&self.index_height),
        );
        line(
            "restake_head_age_seconds",
            "gauge",
            "Time since the last committed block's timestamp: it grows while the node is behind.",
            crate::clock::unix_millis()
                .saturating_sub(g(&self.head_timestamp_ms))
                .checked_div(1_000)
                .unwrap_or(0),
        );
        self.commit.render(
            &mut s,
            "restake_commit_latency_seconds",
            "Time to build and durably commit a block.",
            &COMMIT_US,
            Unit::Micros,
        );
        self.proposal_to_commit.render(
            &mut s,
            "restake_consensus_proposal_to_commit_seconds",
            "From the decided block's proposal reaching this node (or being built by it) to its commit.",
            &PROPOSAL_TO_COMMIT_US,
            Unit::Micros,
        );
        self.rounds_per_height.render(
            &mut s,
            "restake_consensus_rounds_per_height",
            "Rounds a decided height took (1 when the first proposal was decided).",
            &ROUNDS,
            Unit::Count,
        );
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

    #[test]
    fn a_decision_counts_its_rounds_and_its_latency_when_seen_live() {
        let m = Metrics::default();
        m.observe_decision(1, Some(120_000));
        m.observe_decision(3, None);
        let text = m.render();
        assert!(text.contains("restake_consensus_rounds_per_height_bucket{le=\"1\"} 1"));
        assert!(text.contains("restake_consensus_rounds_per_height_bucket{le=\"3\"} 2"));
        assert!(text.contains("restake_consensus_rounds_per_height_sum 4"));
        assert!(text.contains("restake_consensus_proposal_to_commit_seconds_count 1"));
        assert!(
            text.contains("restake_consensus_proposal_to_commit_seconds_bucket{le=\"0.100000\"} 0")
        );
        assert!(
            text.contains("restake_consensus_proposal_to_commit_seconds_bucket{le=\"0.250000\"} 1")
        );
    }
}
