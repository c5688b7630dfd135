//! The options of `restake bench` and their limits.
use super::*;
use clap::Subcommand;

/// `restake bench` options.
#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct BenchArgs {
    /// Other benchmark tools (without one, load-test a running node).
    #[command(subcommand)]
    pub(super) command: Option<BenchCmd>,
    /// Node URL (`http://host:port`).
    #[arg(long, default_value = "http://127.0.0.1:8545")]
    pub(super) rpc: String,
    /// Transactions to send.
    #[arg(long, default_value_t = 60_000)]
    pub(super) txs: usize,
    /// Accounts that send (1 to 1000): the development accounts, then derived keys funded
    /// from development account 0 before the clock starts.
    #[arg(long, default_value_t = 100)]
    pub(super) senders: usize,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 16)]
    pub(super) concurrency: usize,
    /// The node's process id, to report its resident memory.
    #[arg(long)]
    pub(super) pid: Option<u32>,
    /// Signatures to recover in the recovery-rate measurement (default: max(txs, 20000)).
    #[arg(long)]
    pub(super) recoveries: Option<usize>,
    /// Token symbol to transfer.
    #[arg(long, default_value = "stETH")]
    pub(super) token: String,
    /// Transactions per request: 1 sends plain calls, more sends JSON-RPC batches.
    #[arg(long, default_value_t = 50)]
    pub(super) batch: usize,
    /// Most nonces a sender may be ahead of its last included transaction (at most 256).
    #[arg(long, default_value_t = 250)]
    pub(super) window: usize,
    /// Send at most this many transactions a second, evenly spaced (a steady load, for
    /// measuring finality), one per request; without it, as fast as the window and concurrency
    /// allow.
    #[arg(long)]
    pub(super) rate: Option<u32>,
    /// Give up waiting for inclusion after this many seconds.
    #[arg(long, default_value_t = 600)]
    pub(super) timeout_secs: u64,
    /// Print JSON.
    #[arg(long)]
    pub(super) json: bool,
}

/// `restake bench` tools besides the load generator.
#[derive(Subcommand)]
pub enum BenchCmd {
    /// Write a large devnet state into a new data directory, for running the node on it
    /// (benchmark data: its seeded heights are not replayable from their blocks).
    Seed(seed::SeedArgs),
}

/// Most senders a run may use.
const MAX_SENDERS: usize = 1_000;

impl BenchArgs {
    /// Refuses options out of their ranges.
    pub(super) fn validate(&self) -> CliResult {
        if self.senders == 0 || self.senders > MAX_SENDERS {
            return Err(format!("--senders must be 1 to {MAX_SENDERS}"));
        }
        if self.txs == 0 || self.concurrency == 0 {
            return Err("--txs and --concurrency must be positive".into());
        }
        if self.batch == 0 || self.batch > MAX_BATCH {
            return Err(format!("--batch must be 1 to {MAX_BATCH}"));
        }
        if self.rate == Some(0) {
            return Err("--rate must be positive".into());
        }
        if self.window == 0 || self.window > 256 {
            return Err("--window must be 1 to 256".into());
        }
        Ok(())
    }
}
