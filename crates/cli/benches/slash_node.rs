//! Slashing through the whole node: the time to build and commit the block that carries a
//! `slashOperator` transaction, on stores on disk (redb, with the state committed in the
//! Jellyfish Merkle Tree), when the slashed operator has one delegator or a million.
//!
//! Each state is built into its own data directory with synthetic heights (the same writer as
//! `restake bench seed`): the devnet genesis, then the AVS's operator set over stETH, two
//! operators allocated half of their stETH magnitude to it, and the stakers — minted 10 stETH,
//! deposited, delegated — in chunks per height. The *crowded* operator has `n` delegators, the
//! *solo* operator one, and each has one queued withdrawal in its slashable window, so their
//! slashes do the same work. The store is then reopened as a node opens it (default pruning)
//! and driven through the node's own block path: `Chain::build` with the signed transaction
//! (its signature checked beforehand, as the mempool does at admission), then `Chain::commit`,
//! one durable write. Every sample is a new block that slashes the operator by 1% again.
//!
//! Cases: `1_delegator` (the crowded operator of the small state, `n` = 1),
//! `1000000_delegators` (the crowded operator of the large state) and
//! `1_delegator_in_large_state` (the solo operator of the large state). After divan's table,
//! interleaved rounds time the three cases in turn and print the medians (build, commit, both),
//! the ratios, the state keys each slash block writes, and each state's size.
//!
//! Under `cargo test` (no `--bench` argument) the large state has 100 delegators and everything
//! runs once.
//!
//! The wall clock is banned from the protocol code; measuring it is what a benchmark is for.
#![allow(
    clippy::disallowed_methods,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    missing_docs
)]

#[path = "../src/bench/seed/heights.rs"]
#[allow(dead_code)]
mod heights;

use alloy_primitives::{Address, B256, U256, keccak256};
use divan::Bencher;
use heights::Heights;
use restake_client::Wallet;
use restake_core::accounts::AccountsRead;
use restake_core::allocation::{AllocateParams, CreateSetParams, RegistrationPolicy};
use restake_core::app::{self, Genesis, GenesisBalance};
use restake_core::block::{self, Certificate, Mode, NextBlock, Status, VerifiedTx};
use restake_core::config::Params;
use restake_core::delegation::QueuedWithdrawalParams;
use restake_core::pool::strategy_address;
use restake_core::state::StateWrite;
use restake_core::tokens::token_address;
use restake_core::{Action, BlockContext};
use restake_node::chain::Chain;
use restake_node::devnet;
use restake_store::{Store, StoreConfig};
use std::fmt;
use std::os::unix::fs::MetadataExt;
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

const CHAIN_ID: u64 = devnet::CHAIN_ID;
/// Time between blocks, virtual.
const STEP_MS: u64 = 1_000;
/// Stakers per synthetic height while building.
const CHUNK: u64 = 50_000;
/// Half of an operator's magnitude.
const HALF: u64 = 500_000_000_000_000_000;
/// One whole token.
const UNIT: u128 = 1_000_000_000_000_000_000;
/// The operator set every slash is in.
const SET_ID: u32 = 1;

struct Scale {
    /// Delegators of the crowded operator in the large state.
    delegators: u64,
    /// Interleaved rounds after divan, and blocks per case in each round.
    rounds: usize,
    per_round: usize,
}

fn scale() -> &'static Scale {
    static SCALE: OnceLock<Scale> = OnceLock::new();
    SCALE.get_or_init(|| {
        if std::env::args().any(|a| a == "--bench") {
            Scale {
                delegators: 1_000_000,
                rounds: 21,
                per_round: 10,
            }
        } else {
            Scale {
                delegators: 100,
                rounds: 1,
                per_round: 1,
            }
        }
    })
}

fn derived(label: &str, i: u64) -> Address {
    let mut seed = label.as_bytes().to_vec();
    seed.extend_from_slice(&i.to_be_bytes());
    Address::from_slice(&keccak256(&seed)[12..])
}

fn staker(i: u64) -> Address {
    derived("slash bench staker", i)
}

fn crowded() -> Address {
    derived("slash bench operator", 0)
}

fn solo() -> Address {
    derived("slash bench operator", 1)
}

/// The slasher: an AVS with a key, since its slashes are signed transactions.
fn avs_wallet() -> Wallet {
    Wallet::from_bytes(keccak256(b"slash bench avs").0).unwrap()
}

fn st_eth() -> (Address, Address) {
    let token = token_address("stETH");
    (token, strategy_address(&token))
}

/// The devnet genesis with mainnet's withdrawal delay, so the queued withdrawals stay in their
/// slashable window for the whole run and every slash does the same work; the AVS holds a token,
/// which buys its transaction quota.
fn genesis() -> Genesis {
    let mut g = devnet::genesis();
    g.params.min_withdrawal_delay_blocks = Params::mainnet().min_withdrawal_delay_blocks;
    if let Some(steth) = g.tokens.iter_mut().find(|t| t.symbol == "stETH") {
        steth.balances.push(GenesisBalance {
            account: avs_wallet().address(),
            amount: U256::from(UNIT),
        });
    }
    g
}

fn exec(state: &mut impl StateWrite, ctx: &BlockContext, sender: Address, action: Action) {
    if let Err(e) = app::execute(state, ctx, sender, &action) {
        panic!("{} by {sender} failed: {e}", action.name());
    }
}

fn delegate(state: &mut impl StateWrite, ctx: &BlockContext, who: Address, op: Address) {
    let (minter, _) = devnet::DEV_ACCOUNTS[0];
    let (token, strategy) = st_eth();
    let amount = U256::from(10 * UNIT);
    exec(
        state,
        ctx,
        minter,
        Action::Mint {
            token,
            to: who,
            amount,
        },
    );
    exec(
        state,
        ctx,
        who,
        Action::DepositIntoStrategy {
            strategy,
            token,
            amount,
        },
    );
    exec(
        state,
        ctx,
        who,
        Action::DelegateTo {
            operator: op,
            approver_signature: None,
            approver_expiry: 0,
            approver_salt: B256::ZERO,
        },
    );
}

fn queue(state: &mut impl StateWrite, ctx: &BlockContext, who: Address) {
    exec(
        state,
        ctx,
        who,
        Action::QueueWithdrawals {
            params: vec![QueuedWithdrawalParams {
                strategies: vec![st_eth().1],
                deposit_shares: vec![U256::from(UNIT)],
            }],
        },
    );
}

/// A node's chain over a store on disk, and what it took to build.
struct Net {
    chain: Chain,
    dir: tempfile::TempDir,
    keys: u64,
    built: Duration,
    avs: Wallet,
}

/// Builds a state in a new data directory: the crowded operator with `n` delegators, the solo
/// operator with one. Returns the chain reopened as a node opens it.
fn build_net(label: &str, n: u64) -> Net {
    let started = Instant::now();
    let dir = tempfile::Builder::new()
        .prefix(&format!("restake-slash-{label}-"))
        .tempdir()
        .unwrap();
    let avs = avs_wallet().address();
    let keys = {
        // Stale tree nodes are pruned once at the end, as `restake bench seed` does.
        let store = Store::open_with(
            dir.path(),
            StoreConfig {
                keep_versions: None,
            },
        )
        .unwrap();
        drop(Chain::open(store.clone(), &genesis(), CHAIN_ID, 1_700_000_000).unwrap());
        let mut writer = Heights::open(store, STEP_MS).unwrap();
        writer
            .commit(|s, ctx| {
                exec(
                    s,
                    ctx,
                    avs,
                    Action::UpdateAvsMetadataUri {
                        avs: None,
                        metadata_uri: "https://avs.example".into(),
                    },
                );
                exec(
                    s,
                    ctx,
                    avs,
                    Action::CreateOperatorSets {
                        avs: None,
                        params: vec![CreateSetParams {
                            operator_set_id: SET_ID,
                            strategies: vec![st_eth().1],
                            redistribution_recipient: None,
                            slasher: None,
                            registration_policy: RegistrationPolicy::Open,
                            equivocation_wad_to_slash: None,
                        }],
                    },
                );
                for op in [crowded(), solo()] {
                    exec(
                        s,
                        ctx,
                        op,
                        Action::RegisterAsOperator {
                            delegation_approver: Address::ZERO,
                            allocation_delay: 0,
                            metadata_uri: "https://op.example".into(),
                        },
                    );
                    exec(
                        s,
                        ctx,
                        op,
                        Action::RegisterForOperatorSets {
                            operator: None,
                            avs,
                            operator_set_ids: vec![SET_ID],
                            approval: None,
                        },
                    );
                    exec(
                        s,
                        ctx,
                        op,
                        Action::ModifyAllocations {
                            operator: None,
                            params: vec![AllocateParams {
                                avs,
                                operator_set_id: SET_ID,
                                strategies: vec![st_eth().1],
                                new_magnitudes: vec![HALF],
                            }],
                        },
                    );
                }
                Ok(())
            })
            .unwrap();
        let mut lo = 0;
        while lo < n {
            let hi = (lo + CHUNK).min(n);
            writer
                .commit(|s, ctx| {
                    for i in lo..hi {
                        delegate(s, ctx, staker(i), crowded());
                    }
                    Ok(())
                })
                .unwrap();
            lo = hi;
        }
        let lone = staker(u64::MAX);
        writer
            .commit(|s, ctx| {
                delegate(s, ctx, lone, solo());
                queue(s, ctx, staker(0));
                queue(s, ctx, lone);
                Ok(())
            })
            .unwrap();
        writer.store().prune(1).unwrap();
        writer.keys()
    };
    let store = Store::open(dir.path()).unwrap();
    let chain = Chain::open(store, &genesis(), CHAIN_ID, 1_700_000_000).unwrap();
    Net {
        chain,
        dir,
        keys,
        built: started.elapsed(),
        avs: avs_wallet(),
    }
}

impl Net {
    /// The next slash of `op` by 1%, signed with the AVS's next nonce and checked.
    fn slash_tx(&self, op: Address) -> VerifiedTx {
        let nonce = self
            .chain
            .store()
            .state()
            .unwrap()
            .nonce(&self.avs.address())
            .unwrap();
        let action = Action::SlashOperator {
            avs: None,
            operator: op,
            operator_set_id: SET_ID,
            strategies: vec![st_eth().1],
            wads_to_slash: vec![U256::from(UNIT / 100)],
            description: "benchmark".into(),
        };
        VerifiedTx::check(self.avs.sign(action, nonce, CHAIN_ID), CHAIN_ID).unwrap()
    }

    fn next(&self) -> NextBlock {
        NextBlock {
            timestamp_ms: self.chain.head().timestamp_ms + STEP_MS,
            proposer: devnet::validator_key().public().address(),
            last_commit: self.chain.head_certificate().unwrap(),
        }
    }

    /// Builds and commits the block with `tx`; returns the time of each step and the bytes the
    /// commit wrote.
    fn build_and_commit(&mut self, tx: VerifiedTx) -> Timed {
        let next = self.next();
        let started = Instant::now();
        let candidate = self.chain.build(std::slice::from_ref(&tx), &next).unwrap();
        let build = started.elapsed();
        assert!(
            candidate.sealed.receipts.len() == 1
                && candidate.sealed.receipts[0].status == Status::Success,
            "the slash did not succeed: {:?}",
            candidate.sealed.receipts
        );
        let written_before = bytes_written();
        let started = Instant::now();
        let key = devnet::validator_key();
        let height = candidate.header().height;
        let certificate = Certificate::sign(CHAIN_ID, height, 0, candidate.hash(), &[&key]);
        self.chain.commit(candidate, &certificate).unwrap();
        let commit = started.elapsed();
        Timed {
            build,
            commit,
            bytes: bytes_written().saturating_sub(written_before),
        }
    }

    /// The state keys the block with `tx` would write (executed on the side, not committed).
    fn keys_written(&self, tx: &VerifiedTx) -> usize {
        let view = self.chain.store().state().unwrap();
        let executed = block::execute(
            &view,
            &self.chain.env(),
            Mode::Build(&self.next()),
            std::slice::from_ref(tx),
        )
        .unwrap();
        executed.changes.len()
    }

    /// Bytes of the database file, and bytes allocated on disk (what `du` counts).
    fn disk(&self) -> (u64, u64) {
        let m = std::fs::metadata(self.dir.path().join(restake_store::FILE_NAME)).unwrap();
        (m.len(), m.blocks() * 512)
    }
}

/// One measured block.
#[derive(Debug, Clone, Copy)]
struct Timed {
    build: Duration,
    commit: Duration,
    /// Bytes the commit handed to the kernel (`wchar` of `/proc/self/io`).
    bytes: u64,
}

/// Bytes this process has passed to write calls so far (0 where the platform does not say).
fn bytes_written() -> u64 {
    std::fs::read_to_string("/proc/self/io")
        .ok()
        .and_then(|io| {
            io.lines()
                .find_map(|l| l.strip_prefix("wchar:"))
                .and_then(|v| v.trim().parse().ok())
        })
        .unwrap_or(0)
}

fn lock(m: &'static Mutex<Net>) -> MutexGuard<'static, Net> {
    match m.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

fn small() -> &'static Mutex<Net> {
    static N: OnceLock<Mutex<Net>> = OnceLock::new();
    N.get_or_init(|| Mutex::new(report_built("small", build_net("small", 1))))
}

fn large() -> &'static Mutex<Net> {
    static N: OnceLock<Mutex<Net>> = OnceLock::new();
    N.get_or_init(|| {
        let n = scale().delegators;
        Mutex::new(report_built("large", build_net("large", n)))
    })
}

fn report_built(label: &str, net: Net) -> Net {
    let (len, allocated) = net.disk();
    eprintln!(
        "{label} state: {} state keys, built in {} ms; database file {} ({} on disk)",
        net.keys,
        net.built.as_millis(),
        size(len),
        size(allocated)
    );
    net
}

/// Bytes in KiB below 10 MiB, else in MiB.
fn size(bytes: u64) -> String {
    if bytes < 10 << 20 {
        format!("{} KiB", bytes >> 10)
    } else {
        format!("{} MiB", bytes >> 20)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Case {
    OneDelegator,
    ManyDelegators,
    OneDelegatorInLargeState,
}

impl Case {
    const ALL: [Self; 3] = [
        Self::OneDelegator,
        Self::ManyDelegators,
        Self::OneDelegatorInLargeState,
    ];

    fn target(self) -> (&'static Mutex<Net>, Address) {
        match self {
            Self::OneDelegator => (small(), crowded()),
            Self::ManyDelegators => (large(), crowded()),
            Self::OneDelegatorInLargeState => (large(), solo()),
        }
    }
}

impl fmt::Display for Case {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::OneDelegator => f.write_str("1_delegator"),
            Self::ManyDelegators => write!(f, "{}_delegators", scale().delegators),
            Self::OneDelegatorInLargeState => f.write_str("1_delegator_in_large_state"),
        }
    }
}

/// `Chain::build` + `Chain::commit` of a block with one `slashOperator`.
#[divan::bench(args = Case::ALL, sample_count = 50, sample_size = 1)]
fn build_and_commit(bencher: Bencher, case: Case) {
    let (net, op) = case.target();
    bencher
        .with_inputs(|| lock(net).slash_tx(op))
        .bench_local_values(|tx| lock(net).build_and_commit(tx).build);
}

/// The `p`th percentile of `v` (nearest rank below).
fn percentile(v: &[Duration], p: usize) -> Duration {
    let mut v = v.to_vec();
    v.sort_unstable();
    let rank = (v.len() * p / 100).min(v.len().saturating_sub(1));
    v.get(rank).copied().unwrap_or_default()
}

fn median(v: Vec<Duration>) -> Duration {
    percentile(&v, 50)
}

fn micros(d: Duration) -> String {
    format!("{}.{:03} ms", d.as_micros() / 1_000, d.as_micros() % 1_000)
}

fn ratio(num: Duration, den: Duration) -> String {
    let milli = num.as_nanos() * 1_000 / den.as_nanos().max(1);
    format!("{}.{:03}x", milli / 1_000, milli % 1_000)
}

/// The keys the next slash block of each case writes.
fn keys_written() -> Vec<usize> {
    Case::ALL
        .iter()
        .map(|case| {
            let (net, op) = case.target();
            let net = lock(net);
            net.keys_written(&net.slash_tx(op))
        })
        .collect()
}

/// Times the cases in interleaved rounds and prints medians, ratios and the keys written.
fn report() {
    let sc = scale();
    let before = keys_written();
    let mut samples: Vec<Vec<Timed>> = vec![Vec::new(); Case::ALL.len()];
    // One warm-up round, then the measured rounds, the cases in turn within each round.
    for round in 0..=sc.rounds {
        for (k, case) in Case::ALL.iter().enumerate() {
            let (net, op) = case.target();
            for _ in 0..sc.per_round {
                let mut net = lock(net);
                let tx = net.slash_tx(op);
                let timed = net.build_and_commit(tx);
                if round > 0 {
                    samples[k].push(timed);
                }
            }
        }
    }
    let after = keys_written();
    let of = |k: usize, f: &dyn Fn(&Timed) -> Duration| -> Vec<Duration> {
        samples[k].iter().map(f).collect()
    };
    let build: Vec<Duration> = (0..samples.len())
        .map(|k| median(of(k, &|t| t.build)))
        .collect();
    let commit: Vec<Duration> = (0..samples.len())
        .map(|k| median(of(k, &|t| t.commit)))
        .collect();
    let both: Vec<Vec<Duration>> = (0..samples.len())
        .map(|k| of(k, &|t| t.build + t.commit))
        .collect();
    let total: Vec<Duration> = both.iter().map(|v| median(v.clone())).collect();
    let mean: Vec<Duration> = both
        .iter()
        .map(|v| v.iter().sum::<Duration>() / v.len().max(1) as u32)
        .collect();
    let p10: Vec<Duration> = both.iter().map(|v| percentile(v, 10)).collect();
    let p90: Vec<Duration> = both.iter().map(|v| percentile(v, 90)).collect();
    // The durable write's latency on a virtual disk is often bimodal: count the slow ones.
    let slow: Vec<usize> = both
        .iter()
        .map(|v| {
            v.iter()
                .filter(|d| **d >= Duration::from_micros(2_500))
                .count()
        })
        .collect();
    let bytes: Vec<u64> = samples
        .iter()
        .map(|v| {
            let mut b: Vec<u64> = v.iter().map(|t| t.bytes).collect();
            b.sort_unstable();
            b.get(b.len() / 2).copied().unwrap_or_default()
        })
        .collect();
    println!();
    println!(
        "slashOperator block, Chain::build + Chain::commit: {} blocks per case in {} interleaved rounds",
        sc.rounds * sc.per_round,
        sc.rounds
    );
    println!(
        "  {:<28} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>7} {:>10} {:>5}",
        "case (medians)",
        "build",
        "commit",
        "both",
        "mean",
        "p10",
        "p90",
        ">=2.5ms",
        "bytes out",
        "keys"
    );
    for (k, case) in Case::ALL.iter().enumerate() {
        println!(
            "  {:<28} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>7} {:>10} {:>5}",
            case.to_string(),
            micros(build[k]),
            micros(commit[k]),
            micros(total[k]),
            micros(mean[k]),
            micros(p10[k]),
            micros(p90[k]),
            slow[k],
            size(bytes[k]),
            before[k]
        );
    }
    for (label, num) in [
        (Case::OneDelegator.to_string(), 0),
        (Case::OneDelegatorInLargeState.to_string(), 2),
    ] {
        println!(
            "  ratio {} / {label}: median {}, mean {}, p10 {}; build {}, commit {}",
            Case::ManyDelegators,
            ratio(total[1], total[num]),
            ratio(mean[1], mean[num]),
            ratio(p10[1], p10[num]),
            ratio(build[1], build[num]),
            ratio(commit[1], commit[num])
        );
    }
    println!(
        "  (target for {} / 1_delegator: at most 1.5x)",
        Case::ManyDelegators
    );
    assert_eq!(
        before, after,
        "the slash blocks wrote different numbers of keys"
    );
    assert!(
        before.iter().all(|k| *k == before[0]),
        "the cases write different numbers of keys: {before:?}"
    );
    for (label, net) in [("small", small()), ("large", large())] {
        let net = lock(net);
        let (len, allocated) = net.disk();
        println!(
            "  {label} state: {} state keys at the start, height {} now, database file {} ({} on disk)",
            net.keys,
            net.chain.head().height,
            size(len),
            size(allocated)
        );
    }
    if let Some(peak) = peak_memory_kib() {
        println!(
            "  peak resident memory of the benchmark process: {} MiB",
            peak / 1024
        );
    }
}

/// The process's peak resident set, where the platform reports it.
fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    // Build both states first, so their reports do not interleave with divan's table.
    small();
    large();
    divan::main();
    report();
    // The states live in statics, which are never dropped: remove their directories here.
    for net in [small(), large()] {
        let _ = std::fs::remove_dir_all(lock(net).dir.path());
    }
}
