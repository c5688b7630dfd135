//! `restake`: the command-line entry point. Runs a devnet (`restake dev`) or a node from files
//! (`restake node`), manages keys, sends transactions and queries state over JSON-RPC.
//! Output is a human table by default and JSON with `--json`.

// `serde_json::Value` indexing returns `Null` for missing keys and never panics; the lint cannot
// tell it from slice indexing.
#![allow(clippy::indexing_slicing)]

mod actions;
mod beacon;
mod bench;
mod conn;
mod error;
mod index;
mod keys;
mod query;
mod risk;
mod run;
mod seed;
mod signer;
mod testnet;
mod tx;
mod units;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Restake: a restaking protocol that runs as its own node.
#[derive(Parser)]
#[command(name = "restake", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start a local devnet: embedded storage, nine LST pools, funded development accounts.
    Dev(run::DevArgs),
    /// Run a node from a config file and a genesis file: alone, or as a validator or full node
    /// of a Malachite BFT network (the config's `consensus` section).
    Node(run::NodeArgs),
    /// Write a local multi-validator network (genesis, keys, one config per node); `--run`
    /// also starts every node and stops them all on Ctrl-C.
    Testnet(testnet::TestnetArgs),
    /// Print the devnet genesis as JSON: a starting point for `restake node` genesis files.
    Genesis,
    /// Create or inspect keys.
    #[command(subcommand)]
    Keys(keys::KeysCmd),
    /// The node's index of history and lists (outside consensus): `restake index rebuild`.
    #[command(subcommand)]
    Index(index::IndexCmd),
    /// Sign and send a transaction: `restake tx <actionName> field=value field:=<json> ...`;
    /// `restake tx list` lists the actions, `restake tx <actionName> --help` their fields.
    #[command(disable_help_flag = true)]
    Tx(tx::TxArgs),
    /// Read state over JSON-RPC.
    #[command(subcommand)]
    Query(query::QueryCmd),
    /// Fill a running devnet with activity through signed transactions: AVSs and operator
    /// sets, operators and allocations, stakers, withdrawals, slashes, a vault, rewards.
    Seed(seed::SeedArgs),
    /// Load-test a running node and compare with this machine's signature-recovery rate.
    Bench(bench::BenchArgs),
    /// Native restaking on a devnet: simulate a beacon state for a pod and write proof files.
    #[command(subcommand)]
    Beacon(beacon::BeaconCmd),
    /// Security analysis of a restaking graph: attacks, slack, worst-case loss.
    #[command(subcommand)]
    Risk(risk::RiskCmd),
    /// An operator's signer: set keys behind a slashing-protection record, served on a
    /// loopback address; export and import of the record for a fail-over.
    #[command(subcommand)]
    Signer(signer::SignerCmd),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Dev(a) => run::dev(a).await.map_err(|e| e.to_string()),
            Command::Node(a) => run::node(a).await.map_err(|e| e.to_string()),
            Command::Testnet(a) => testnet::run(a).await.map_err(|e| e.to_string()),
            Command::Genesis => run::print_genesis(),
            Command::Keys(k) => keys::run(k),
            Command::Index(c) => index::run(c),
            Command::Tx(a) => tx::run(a).await.map_err(|e| e.to_string()),
            Command::Query(q) => query::run(q).await.map_err(|e| e.to_string()),
            Command::Seed(a) => seed::run(a).await.map_err(|e| e.to_string()),
            Command::Bench(a) => bench::run(a).await,
            Command::Beacon(b) => beacon::run(b).await,
            Command::Risk(r) => risk::run(r).await,
            Command::Signer(c) => signer::run(c).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Errors shown to the user.
pub type CliResult = Result<(), String>;
