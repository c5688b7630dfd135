//! `restake bench seed`: writes a large devnet state into a new data directory, for measuring the
//! node on it (`restake dev --data-dir DIR`, `restake node`).
//!
//! The directory holds the devnet's genesis (chain 31337, the development accounts funded as
//! `restake dev` funds them) and then *synthetic heights* ([`heights`]): empty blocks with
//! correct headers whose state changes were made by running the core's actions directly on the
//! state, without transactions ([`shape`]). First the AVSs and their operator sets, then the
//! operators, then the stakers, a chunk of them per height, so memory stays bounded by the chunk.
//! The seeded heights cannot be replayed from their blocks: the directory is benchmark data,
//! never a real chain.

pub mod heights;
pub mod shape;

use crate::CliResult;
use clap::Args;
use heights::Heights;
use restake_core::BlockContext;
use restake_core::config::Params;
use restake_core::state::Overlay;
use restake_node::chain::Chain;
use restake_node::{clock, devnet};
use restake_store::{StateView, Store, StoreConfig};
use shape::Shape;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// `restake bench seed` options.
#[derive(Args, Debug, Clone)]
pub struct SeedArgs {
    /// The data directory to create (must not exist, or be empty).
    #[arg(long)]
    pub(crate) data_dir: PathBuf,
    /// Stakers (each holds 1 to 3 tokens, deposits them and delegates).
    #[arg(long, default_value_t = 1_200_000)]
    pub(crate) stakers: u64,
    /// Operators (each registered, in two operator sets, allocated).
    #[arg(long, default_value_t = 1_000)]
    pub(crate) operators: u64,
    /// AVSs (two operator sets each).
    #[arg(long, default_value_t = 50)]
    pub(crate) avss: u64,
    /// One staker in this many queues a withdrawal (0: none).
    #[arg(long, default_value_t = 10)]
    pub(crate) queue_every: u64,
    /// Stakers per height: bounds the memory seeding takes (the default peaks under 5 GiB).
    #[arg(long, default_value_t = 100_000)]
    pub(crate) chunk: u64,
}

/// Fills a height's state with a range of items.
type Fill<'a> =
    &'a dyn Fn(&mut Overlay<'_, StateView>, &BlockContext, Range<u64>) -> Result<(), String>;

/// Operators (and AVSs) per height.
const SETUP_CHUNK: u64 = 5_000;
/// Time between seeded heights, in milliseconds (raised to the chain's minimum interval).
const STEP_MS: u64 = 1_000;

/// What seeding produced.
#[derive(Debug, Clone)]
pub struct Seeded {
    /// The head height.
    pub height: u64,
    /// State keys at the head.
    pub keys: u64,
    /// State keys at the head by component (`tok/bal/`, `dm/deleg/`, ...).
    pub by_component: std::collections::BTreeMap<String, u64>,
    /// Heights written after genesis.
    pub heights: u64,
    /// How long it took.
    pub elapsed: Duration,
    /// Bytes of the database file.
    pub file_bytes: u64,
}

/// Number of chunks of `size` needed for `n` items.
fn chunks(n: u64, size: u64) -> u64 {
    n.div_ceil(size.max(1))
}

/// Seeds `a.data_dir`. `progress` hears each height written.
pub fn seed(a: &SeedArgs, mut progress: impl FnMut(&heights::Written)) -> Result<Seeded, String> {
    if a.chunk == 0 {
        return Err("--chunk must be positive".into());
    }
    if a.stakers > 0 && a.operators == 0 {
        return Err("stakers need operators to delegate to (--operators 0)".into());
    }
    if a.operators > 0 && a.avss == 0 {
        return Err("operators need operator sets (--avss 0)".into());
    }
    ensure_empty(&a.data_dir)?;
    let started = clock::now();
    let shape = Shape {
        stakers: a.stakers,
        operators: a.operators,
        avss: a.avss,
        queue_every: a.queue_every,
    };
    let heights = chunks(a.avss, SETUP_CHUNK)
        .saturating_add(chunks(a.operators, SETUP_CHUNK))
        .saturating_add(chunks(a.stakers, a.chunk));
    // The last seeded block is timed before seeding started: a node started on the directory
    // goes on with its clock's time.
    let genesis_time = clock::unix_seconds()
        .saturating_sub(heights.saturating_mul(STEP_MS) / 1_000)
        .saturating_sub(2);
    // Only the head's tree is needed, but pruning at every height would delete scattered
    // stale nodes again and again: they are pruned once, at the end.
    let store = Store::open_with(
        &a.data_dir,
        StoreConfig {
            keep_versions: None,
        },
    )
    .map_err(|e| format!("cannot open the store in {}: {e}", a.data_dir.display()))?;
    drop(
        Chain::open(
            store.clone(),
            &devnet::genesis(),
            devnet::CHAIN_ID,
            genesis_time,
        )
        .map_err(|e| e.to_string())?,
    );
    let mut writer = Heights::open(store, STEP_MS.max(Params::devnet().min_block_interval_ms))?;
    let mut written = in_chunks(
        &mut writer,
        a.avss,
        SETUP_CHUNK,
        &|s, c, r| shape.seed_avss(s, c, r),
        &mut progress,
    )?;
    written = written.saturating_add(in_chunks(
        &mut writer,
        a.operators,
        SETUP_CHUNK,
        &|s, c, r| shape.seed_operators(s, c, r),
        &mut progress,
    )?);
    written = written.saturating_add(in_chunks(
        &mut writer,
        a.stakers,
        a.chunk,
        &|s, c, r| shape.seed_stakers(s, c, r),
        &mut progress,
    )?);
    let pruning = clock::now();
    let pruned = writer.store().prune(1).map_err(|e| e.to_string())?;
    eprintln!(
        "  pruned {pruned} stale tree nodes in {} ms",
        pruning.elapsed().as_millis()
    );
    let head = writer.head().height;
    let keys = writer.keys();
    let by_component = writer.keys_by_component().clone();
    let file_bytes = std::fs::metadata(a.data_dir.join(restake_store::FILE_NAME))
        .map(|m| m.len())
        .unwrap_or(0);
    Ok(Seeded {
        height: head,
        keys,
        by_component,
        heights: written,
        elapsed: started.elapsed(),
        file_bytes,
    })
}

/// Fills the state with items `0..n`, `size` of them per height (each height by one call of
/// `fill` with its range); returns the number of heights written.
fn in_chunks(
    writer: &mut Heights,
    n: u64,
    size: u64,
    fill: Fill<'_>,
    progress: &mut dyn FnMut(&heights::Written),
) -> Result<u64, String> {
    let mut written = 0u64;
    let mut lo = 0u64;
    while lo < n {
        let hi = lo.saturating_add(size).min(n);
        let w = writer.commit(|state, ctx| fill(state, ctx, lo..hi))?;
        progress(&w);
        written = written.saturating_add(1);
        lo = hi;
    }
    Ok(written)
}

/// Refuses a data directory that holds anything: seeding never writes over a chain.
fn ensure_empty(dir: &Path) -> Result<(), String> {
    match std::fs::read_dir(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!("cannot read {}: {e}", dir.display())),
        Ok(mut entries) => match entries.next() {
            None => Ok(()),
            Some(_) => Err(format!(
                "{} is not empty: seeding writes only into a new data directory",
                dir.display()
            )),
        },
    }
}

/// `restake bench seed`.
pub fn run(a: &SeedArgs) -> CliResult {
    eprintln!(
        "seeding {}: {} stakers, {} operators, {} AVSs ({} operator sets), {} stakers per height",
        a.data_dir.display(),
        a.stakers,
        a.operators,
        a.avss,
        a.avss.saturating_mul(u64::from(shape::SETS_PER_AVS)),
        a.chunk
    );
    let started = clock::now();
    let seeded = seed(a, |w| {
        eprintln!(
            "  height {:>5}: {:>7} keys written, {:>11} keys, {:>6} s (execute {} ms, tree {} ms, write {} ms)",
            w.header.height,
            w.changed,
            w.keys,
            started.elapsed().as_secs(),
            w.execute.as_millis(),
            w.prepare.as_millis(),
            w.commit.as_millis()
        );
    })?;
    println!("Data directory: {}", a.data_dir.display());
    println!(
        "Chain {} at height {} ({} seeded heights after genesis)",
        devnet::CHAIN_ID,
        seeded.height,
        seeded.heights
    );
    println!("State keys: {}", seeded.keys);
    let parts: Vec<String> = seeded
        .by_component
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(c, n)| format!("{c} {n}"))
        .collect();
    println!("  by component: {}", parts.join(", "));
    println!(
        "Seeded in {}.{:03} s; database file {} MiB",
        seeded.elapsed.as_secs(),
        seeded.elapsed.subsec_millis(),
        seeded.file_bytes / (1024 * 1024)
    );
    println!(
        "Benchmark data: the seeded heights are empty blocks whose state changes were written \
         directly, not replayable from the chain. Run it with `restake dev --data-dir {}`.",
        a.data_dir.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::arithmetic_side_effects,
        clippy::panic
    )]
    use super::*;
    use alloy_primitives::U256;
    use restake_client::Wallet;
    use restake_core::Action;
    use restake_core::block::Status;
    use restake_core::delegation::DelegationRead;
    use restake_core::tx::Transaction;
    use restake_node::node::NodeConfig;

    fn small(dir: &Path) -> SeedArgs {
        SeedArgs {
            data_dir: dir.join("data"),
            stakers: 250,
            operators: 7,
            avss: 3,
            queue_every: 10,
            chunk: 100,
        }
    }

    #[test]
    fn the_key_count_reported_is_the_number_of_keys_in_the_seeded_state() {
        let tmp = tempfile::tempdir().unwrap();
        let args = small(tmp.path());
        let mut seen = Vec::new();
        let seeded = seed(&args, |w| seen.push(w.keys)).unwrap();
        // AVSs, operators, then 250 stakers 100 per height.
        assert_eq!(seeded.heights, 1 + 1 + 3);
        assert_eq!(seen.len(), 5);
        assert_eq!(seen.last(), Some(&seeded.keys));
        let store = Store::open(&args.data_dir).unwrap();
        assert_eq!(store.height().unwrap(), Some(seeded.height));
        let counted = heights::count_keys(&store.state().unwrap()).unwrap();
        assert_eq!(counted.values().sum::<u64>(), seeded.keys);
        let nonzero: std::collections::BTreeMap<String, u64> = seeded
            .by_component
            .into_iter()
            .filter(|(_, n)| *n > 0)
            .collect();
        assert_eq!(counted, nonzero);
        // Every staker holds, deposited and delegated: several keys each.
        assert!(seeded.keys > 250 * 5, "{} keys", seeded.keys);
    }

    #[test]
    fn seeding_refuses_a_data_directory_that_holds_anything() {
        let tmp = tempfile::tempdir().unwrap();
        let args = small(tmp.path());
        std::fs::create_dir_all(&args.data_dir).unwrap();
        std::fs::write(args.data_dir.join("other"), b"x").unwrap();
        let err = seed(&args, |_| {}).unwrap_err();
        assert!(err.contains("not empty"), "{err}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_node_opens_the_seeded_directory_and_commits_a_transaction_on_it() {
        let tmp = tempfile::tempdir().unwrap();
        let args = small(tmp.path());
        let seeded = seed(&args, |_| {}).unwrap();
        let store = Store::open(&args.data_dir).unwrap();
        // The genesis time given here is ignored: the directory already has a chain.
        let (handle, mut engine) =
            restake_node::start_manual(store, &devnet::genesis(), 0, NodeConfig::default())
                .unwrap();
        assert_eq!(handle.head().height, seeded.height);
        let view = handle.store().state().unwrap();
        assert_eq!(
            view.delegated_to(&shape::staker(8)).unwrap(),
            Some(shape::operator(8 % args.operators))
        );
        assert_eq!(
            view.queued_withdrawal_roots(&shape::staker(20))
                .unwrap()
                .len(),
            1
        );
        drop(view);

        let key = Wallet::from_hex(devnet::DEV_ACCOUNTS[1].1).unwrap();
        let action = Action::Transfer {
            token: restake_core::tokens::token_address("stETH"),
            to: shape::staker(3),
            amount: U256::from(5),
        };
        let nonce = handle.next_nonce(&key.address()).unwrap();
        let digest = Transaction::signing_hash(key.address(), nonce, &action, devnet::CHAIN_ID);
        let hash = handle
            .submit(Transaction {
                from: key.address(),
                nonce,
                action,
                signature: key.sign_digest(digest),
            })
            .unwrap();
        let header = engine.produce_block().await.unwrap();
        assert_eq!(header.height, seeded.height + 1);
        let receipt = restake_node::chain::read_receipt(handle.store(), &hash)
            .unwrap()
            .unwrap();
        assert_eq!(receipt.status, Status::Success);
        assert_eq!(receipt.block_number, seeded.height + 1);
    }
}
