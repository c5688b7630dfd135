//! Cost of the core actions on a pre-populated in-memory state, and the check that slashing does
//! not depend on how many stakers are delegated to the slashed operator.
//!
//! Groups of measurements (docs/benchmarks.md explains them and records the figures):
//!
//! - `committed`: `app::execute` (the handler, then its writes applied to the state) on one
//!   long-lived copy of the prepared state, as a node runs it. Every sample is a different actor
//!   doing the same thing (another staker depositing, another operator being slashed, ...), so
//!   the actions stay valid one after the other and each touches keys of its own.
//! - `cold_copy`: the same action on a fresh copy of the prepared state per sample (the copy is
//!   made, and dropped, outside the timed section). Nothing of the state is in the CPU caches
//!   beyond what the copy left there: a pessimistic figure.
//! - `overlay`: `app::dispatch` on an overlay over the shared prepared state, dropped without
//!   being committed: the handler alone, repeated on the same hot keys.
//! - `slash_scaling`: `slashOperator` through an overlay on states where the slashed operator has
//!   one delegator or a million. After the divan run, an interleaved measurement prints the
//!   median of each case and the ratio of the large case to the small one.
//!
//! Under `cargo test` (no `--bench` argument) everything runs once on small states.
//!
//! The wall clock is banned from the protocol code (time comes from the block); measuring it is
//! what a benchmark is for, hence `disallowed_methods` below.
#![allow(
    clippy::disallowed_methods,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    missing_docs
)]

#[path = "../tests/common/mod.rs"]
mod common;

use alloy_primitives::{Address, B256, U256};
use common::*;
use divan::Bencher;
use restake_core::allocation::AllocateParams;
use restake_core::app::{self, Genesis, GenesisBalance, GenesisToken};
use restake_core::config::{ConfigRead, Params, Roles};
use restake_core::delegation::QueuedWithdrawalParams;
use restake_core::exec::Exec;
use restake_core::state::MemoryState;
use restake_core::{Action, BlockContext, Event};
use std::cell::{Cell, RefCell};
use std::fmt;
use std::sync::OnceLock;
use std::time::Instant;

/// The AVS that owns every operator set in these states.
const AVS: Address = Address::repeat_byte(0xE1);
/// Half of an operator's magnitude.
const HALF: u64 = 500_000_000_000_000_000;
/// Samples per action in the `committed` group: one operator (and one actor) per sample.
const BENCH_OPERATORS: u32 = 1_000;

/// How big the states are: full size under `cargo bench`, small under `cargo test`.
struct Scale {
    /// Stakers in the per-action state.
    stakers: u32,
    /// Operators in the per-action state, and the size of each action's pool of actors.
    operators: u32,
    /// Delegators of the crowded operator in the slash-scaling state.
    delegators: u32,
    /// Interleaved rounds, and slashes per case and round, of the ratio measurement.
    rounds: usize,
    iterations: usize,
}

fn scale() -> &'static Scale {
    static SCALE: OnceLock<Scale> = OnceLock::new();
    SCALE.get_or_init(|| {
        if std::env::args().any(|a| a == "--bench") {
            Scale {
                stakers: 10_000,
                operators: BENCH_OPERATORS,
                delegators: 1_000_000,
                rounds: 31,
                iterations: 1_000,
            }
        } else {
            Scale {
                stakers: 100,
                operators: 5,
                delegators: 100,
                rounds: 1,
                iterations: 1,
            }
        }
    })
}

fn indexed(tag: u8, i: u32) -> Address {
    let mut b = [0u8; 20];
    b[0] = tag;
    b[16..].copy_from_slice(&i.to_be_bytes());
    Address::from(b)
}

fn staker(i: u32) -> Address {
    indexed(0xB5, i)
}

fn operator(i: u32) -> Address {
    indexed(0xC5, i)
}

/// A devnet chain like `Chain::new()` whose genesis also gives each of `holders` `amount` of the
/// tokens in `symbols`.
fn chain_with_holders(holders: &[Address], amount: U256, symbols: &[&str]) -> Chain {
    let common: Vec<Address> = (1..=20).map(addr).collect();
    let tokens = SYMBOLS
        .iter()
        .map(|s| {
            let mut balances: Vec<GenesisBalance> = common
                .iter()
                .map(|a| GenesisBalance {
                    account: *a,
                    amount: eth(1_000_000),
                })
                .collect();
            if symbols.contains(s) {
                balances.extend(holders.iter().map(|a| GenesisBalance {
                    account: *a,
                    amount,
                }));
            }
            GenesisToken {
                symbol: (*s).into(),
                decimals: 18,
                minter: MINTER,
                pool: true,
                balances,
            }
        })
        .collect();
    let genesis = Genesis {
        validators: Vec::new(),
        params: Params::devnet(),
        roles: Roles {
            owner: OWNER,
            strategy_whitelister: OWNER,
            pausers: vec![PAUSER],
            unpauser: UNPAUSER,
        },
        tokens,
        beacon_oracle: Default::default(),
    };
    let mut state = MemoryState::new();
    let block = BlockContext {
        number: 1,
        timestamp: 1_700_000_000,
        chain_id: CHAIN_ID,
    };
    app::init_genesis(&mut state, &genesis, &block).unwrap();
    Chain { state, block }
}

fn slash_action(c: &Chain, op: Address, set: u32, symbol: &str, wad_to_slash: U256) -> Action {
    Action::SlashOperator {
        avs: None,
        operator: op,
        operator_set_id: set,
        strategies: vec![c.strategy(symbol)],
        wads_to_slash: vec![wad_to_slash],
        description: "benchmark".into(),
    }
}

/// Runs `action` on an overlay over `state` and returns the overlay uncommitted; dropping it is
/// left to the caller, outside any timed section.
fn run_on_overlay<'a>(
    state: &'a MemoryState,
    block: BlockContext,
    sender: Address,
    action: &Action,
) -> Exec<'a> {
    let mut ex = Exec::new(state, block);
    if let Err(e) = app::dispatch(&mut ex, sender, action) {
        panic!("{} failed: {e}", action.name());
    }
    ex
}

// ---------------------------------------------------------------------------------------------
// Per-action state
// ---------------------------------------------------------------------------------------------

/// The actions measured one by one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Case {
    Deposit,
    Delegate,
    Queue,
    CompleteAsTokens,
    CompleteAsShares,
    ModifyAllocations,
    Slash,
}

impl Case {
    const ALL: [Self; 7] = [
        Self::Deposit,
        Self::Delegate,
        Self::Queue,
        Self::CompleteAsTokens,
        Self::CompleteAsShares,
        Self::ModifyAllocations,
        Self::Slash,
    ];
}

impl fmt::Display for Case {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Deposit => "depositIntoStrategy",
            Self::Delegate => "delegateTo",
            Self::Queue => "queueWithdrawals",
            Self::CompleteAsTokens => "completeQueuedWithdrawal_tokens",
            Self::CompleteAsShares => "completeQueuedWithdrawal_shares",
            Self::ModifyAllocations => "modifyAllocations",
            Self::Slash => "slashOperator",
        })
    }
}

/// One ready-to-run action.
type Call = (Address, Action);

/// A state with thousands of delegated stakers and, per case, a pool of equivalent actions by
/// different actors, each valid on the prepared state whatever others of the pool ran before.
struct World {
    state: MemoryState,
    block: BlockContext,
    pools: Vec<(Case, Vec<Call>)>,
}

impl World {
    fn pool(&self, case: Case) -> &[Call] {
        &self.pools.iter().find(|(c, _)| *c == case).unwrap().1
    }
}

/// Builds the per-action state, with `m` operators and `n` stakers:
///
/// - every operator registered for set 1 of `AVS` (stETH, rETH, cbETH) with half of its stETH
///   and rETH magnitude allocated to it;
/// - `n` stakers with 100 stETH and 50 rETH deposited, staker `i` delegated to operator `i % m`;
///   one staker in seven has a 10 stETH withdrawal queued;
/// - stakers `2m..3m` have a 20 stETH withdrawal queued, and every operator was then slashed by
///   10% in stETH while those withdrawals were in their slashable window;
/// - `m` more stakers have deposited but are not delegated;
/// - the block is past the withdrawal delay, so every queued withdrawal is completable.
///
/// Pools, `j` in `0..m`: staker `j` deposits 10 stETH (delegated to operator `j`); fresh staker
/// `j` delegates to operator `j`; staker `m + j` queues 10 stETH; staker `2m + j` completes its
/// withdrawal (as tokens, or as shares); operator `j` raises its stETH allocation; `AVS` slashes
/// operator `j` by 10% in stETH again. Every operator has been slashed, so the slashing factors
/// on these paths are not trivial.
fn build_world(n: u32, m: u32) -> World {
    assert!(n >= 3 * m, "the pools need 3m delegated stakers");
    let fresh: Vec<Address> = (n..n + m).map(staker).collect();
    let holders: Vec<Address> = (0..n + m).map(staker).collect();
    let mut c = chain_with_holders(&holders, eth(1_000), &["stETH", "rETH"]);
    let ops: Vec<Address> = (0..m).map(operator).collect();
    c.create_set(AVS, 1, &["stETH", "rETH", "cbETH"]);
    for op in &ops {
        // Registered with allocation delay 0: allocations take effect in the block they are made.
        c.register_operator(*op);
        c.register_for(*op, AVS, &[1]);
        c.allocate(*op, AVS, 1, "stETH", HALF);
        c.allocate(*op, AVS, 1, "rETH", HALF);
    }
    c.advance(1);
    for i in 0..n {
        let s = staker(i);
        c.deposit(s, "stETH", eth(100));
        c.deposit(s, "rETH", eth(50));
        c.delegate(s, ops[usize::try_from(i % m).unwrap()]);
    }
    for s in &fresh {
        c.deposit(*s, "stETH", eth(100));
        c.deposit(*s, "rETH", eth(50));
    }
    for i in (3..n).step_by(7) {
        c.queue(staker(i), "stETH", eth(10));
    }
    let roots: Vec<B256> = (2 * m..3 * m)
        .map(|i| c.queue(staker(i), "stETH", eth(20)))
        .collect();
    c.advance(2);
    for op in &ops {
        c.slash(AVS, *op, 1, "stETH", wad(1, 10));
    }
    let d = c.state.params().unwrap().min_withdrawal_delay_blocks;
    c.advance(d + 1);

    let st_eth = c.strategy("stETH");
    let st_token = c.token("stETH");
    let per_operator = |f: &dyn Fn(u32, Address) -> Call| -> Vec<Call> {
        (0..m).zip(&ops).map(|(j, op)| f(j, *op)).collect()
    };
    let complete = |as_tokens: bool| -> Vec<Call> {
        (2 * m..3 * m)
            .zip(&roots)
            .map(|(i, root)| {
                (
                    staker(i),
                    Action::CompleteQueuedWithdrawal {
                        withdrawal_root: *root,
                        receive_as_tokens: as_tokens,
                    },
                )
            })
            .collect()
    };
    let pools = vec![
        (
            Case::Deposit,
            per_operator(&|j, _| {
                let action = Action::DepositIntoStrategy {
                    strategy: st_eth,
                    token: st_token,
                    amount: eth(10),
                };
                (staker(j), action)
            }),
        ),
        (
            Case::Delegate,
            per_operator(&|j, op| {
                let action = Action::DelegateTo {
                    operator: op,
                    approver_signature: None,
                    approver_expiry: 0,
                    approver_salt: B256::ZERO,
                };
                (fresh[usize::try_from(j).unwrap()], action)
            }),
        ),
        (
            Case::Queue,
            per_operator(&|j, _| {
                let action = Action::QueueWithdrawals {
                    params: vec![QueuedWithdrawalParams {
                        strategies: vec![st_eth],
                        deposit_shares: vec![eth(10)],
                    }],
                };
                (staker(m + j), action)
            }),
        ),
        (Case::CompleteAsTokens, complete(true)),
        (Case::CompleteAsShares, complete(false)),
        (
            Case::ModifyAllocations,
            per_operator(&|_, op| {
                let action = Action::ModifyAllocations {
                    operator: None,
                    params: vec![AllocateParams {
                        avs: AVS,
                        operator_set_id: 1,
                        strategies: vec![st_eth],
                        new_magnitudes: vec![600_000_000_000_000_000],
                    }],
                };
                (op, action)
            }),
        ),
        (
            Case::Slash,
            per_operator(&|_, op| (AVS, slash_action(&c, op, 1, "stETH", wad(1, 10)))),
        ),
    ];
    let world = World {
        state: c.state,
        block: c.block,
        pools,
    };
    // Every action of a pool must succeed after the others of its pool, or a timing would
    // measure a failure.
    for case in Case::ALL {
        let mut copy = world.state.clone();
        for (sender, action) in world.pool(case) {
            if let Err(e) = app::execute(&mut copy, &world.block, *sender, action) {
                panic!("{case} by {sender} fails on the prepared state: {e}");
            }
        }
    }
    world
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let (n, m) = (scale().stakers, scale().operators);
        let started = Instant::now();
        let w = build_world(n, m);
        eprintln!(
            "per-action state: {n} stakers, {m} operators, {} keys, built in {} ms",
            w.state.len(),
            started.elapsed().as_millis()
        );
        w
    })
}

/// `app::execute` on one long-lived copy of the prepared state, one action of the case's pool
/// per sample. If divan asks for more samples than the pool holds, the copy is replaced by a
/// fresh one (outside the timed section) and the pool starts again.
#[divan::bench(args = Case::ALL, sample_count = BENCH_OPERATORS, sample_size = 1)]
fn committed(bencher: Bencher, case: Case) {
    let w = world();
    let pool = w.pool(case);
    let state = RefCell::new(w.state.clone());
    let next = Cell::new(0usize);
    bencher
        .with_inputs(|| {
            let mut i = next.get();
            if i == pool.len() {
                *state.borrow_mut() = w.state.clone();
                i = 0;
            }
            next.set(i + 1);
            &pool[i]
        })
        .bench_local_values(|(sender, action)| {
            app::execute(&mut *state.borrow_mut(), &w.block, *sender, action)
        });
}

/// `app::execute` on a fresh copy of the prepared state per sample.
#[divan::bench(args = Case::ALL, sample_count = 100, sample_size = 1)]
fn cold_copy(bencher: Bencher, case: Case) {
    let w = world();
    let (sender, action) = &w.pool(case)[0];
    bencher
        .with_inputs(|| w.state.clone())
        .bench_local_refs(|state| app::execute(state, &w.block, *sender, action));
}

/// `app::dispatch` on an overlay over the shared prepared state, then dropped: the handler's
/// reads, arithmetic and buffered writes, with nothing committed.
#[divan::bench(args = Case::ALL, sample_count = 200)]
fn overlay(bencher: Bencher, case: Case) {
    let w = world();
    let (sender, action) = &w.pool(case)[0];
    bencher.bench_local(|| run_on_overlay(&w.state, w.block, *sender, action));
}

// ---------------------------------------------------------------------------------------------
// Slash scaling
// ---------------------------------------------------------------------------------------------

/// Set 2 of `AVS` over stETH. The crowded operator has `n` delegators, the solo operator one;
/// both allocated half of their stETH magnitude to the set, and each has one withdrawal in its
/// slashable window. Every delegator deposited 10 stETH.
struct SlashState {
    state: MemoryState,
    block: BlockContext,
    slash_crowded: Action,
    slash_solo: Action,
}

fn build_slash_state(n: u32) -> SlashState {
    let holders: Vec<Address> = (0..=n).map(staker).collect();
    let mut c = chain_with_holders(&holders, eth(10), &["stETH"]);
    let crowded = operator(1_000);
    let solo = operator(1_001);
    c.create_set(AVS, 2, &["stETH"]);
    for op in [crowded, solo] {
        c.register_operator(op);
        c.register_for(op, AVS, &[2]);
        c.allocate(op, AVS, 2, "stETH", HALF);
    }
    c.advance(1);
    for i in 0..n {
        let s = staker(i);
        c.deposit(s, "stETH", eth(10));
        c.delegate(s, crowded);
    }
    let lone = staker(n);
    c.deposit(lone, "stETH", eth(10));
    c.delegate(lone, solo);
    c.queue(staker(0), "stETH", eth(1));
    c.queue(lone, "stETH", eth(1));
    c.advance(1);
    assert_eq!(
        c.operator_shares(crowded, "stETH"),
        eth(10) * u(n.into()) - eth(1)
    );
    assert_eq!(c.operator_shares(solo, "stETH"), eth(9));
    SlashState {
        slash_crowded: slash_action(&c, crowded, 2, "stETH", wad(1, 10)),
        slash_solo: slash_action(&c, solo, 2, "stETH", wad(1, 10)),
        state: c.state,
        block: c.block,
    }
}

fn timed_build(label: &str, n: u32) -> SlashState {
    let started = Instant::now();
    let s = build_slash_state(n);
    eprintln!(
        "slash state ({label}): crowded operator with {n} delegators, {} keys, built in {} ms",
        s.state.len(),
        started.elapsed().as_millis()
    );
    s
}

fn small_slash_state() -> &'static SlashState {
    static S: OnceLock<SlashState> = OnceLock::new();
    S.get_or_init(|| timed_build("small", 1))
}

fn large_slash_state() -> &'static SlashState {
    static S: OnceLock<SlashState> = OnceLock::new();
    S.get_or_init(|| timed_build("large", scale().delegators))
}

/// The slash-scaling cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SlashCase {
    /// The crowded operator of the small state: one delegator.
    OneDelegator,
    /// The crowded operator of the large state (a million delegators under `cargo bench`).
    ManyDelegators,
    /// The solo operator of the large state: one delegator, in a state as large as the above.
    OneDelegatorInLargeState,
}

impl SlashCase {
    const ALL: [Self; 3] = [
        Self::OneDelegator,
        Self::ManyDelegators,
        Self::OneDelegatorInLargeState,
    ];

    fn target(self) -> (&'static SlashState, &'static Action) {
        match self {
            Self::OneDelegator => {
                let s = small_slash_state();
                (s, &s.slash_crowded)
            }
            Self::ManyDelegators => {
                let s = large_slash_state();
                (s, &s.slash_crowded)
            }
            Self::OneDelegatorInLargeState => {
                let s = large_slash_state();
                (s, &s.slash_solo)
            }
        }
    }
}

impl fmt::Display for SlashCase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::OneDelegator => f.write_str("1_delegator"),
            Self::ManyDelegators => write!(f, "{}_delegators", scale().delegators),
            Self::OneDelegatorInLargeState => f.write_str("1_delegator_in_large_state"),
        }
    }
}

/// `slashOperator` on an overlay (never committed, so every iteration slashes the same state).
#[divan::bench(args = SlashCase::ALL, sample_count = 200)]
fn slash_scaling(bencher: Bencher, case: SlashCase) {
    let (s, action) = case.target();
    bencher.bench_local(|| run_on_overlay(&s.state, s.block, AVS, action));
}

/// Times `iterations` slashes on overlays one by one (each overlay is dropped after its clock
/// stops), returning each duration in nanoseconds.
fn time_slashes(s: &SlashState, action: &Action, iterations: usize, out: &mut Vec<u128>) {
    for _ in 0..iterations {
        let started = Instant::now();
        let ex = run_on_overlay(&s.state, s.block, AVS, action);
        let elapsed = started.elapsed();
        drop(divan::black_box(ex));
        out.push(elapsed.as_nanos());
    }
}

/// `nanos` as microseconds with three decimals.
fn micros(nanos: u128) -> String {
    format!("{}.{:03} µs", nanos / 1_000, nanos % 1_000)
}

/// `num / den` with three decimals.
fn ratio(num: u128, den: u128) -> String {
    let milli = num * 1_000 / den.max(1);
    format!("{}.{:03}x", milli / 1_000, milli % 1_000)
}

fn median(mut v: Vec<u128>) -> u128 {
    v.sort_unstable();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

/// Checks that the slashes of the cases do the same work, then times the three cases in
/// interleaved rounds and prints the medians and ratios.
fn slash_ratio_report() {
    let sc = scale();
    let kinds = |case: SlashCase| -> Vec<&'static str> {
        let (s, action) = case.target();
        let ex = run_on_overlay(&s.state, s.block, AVS, action);
        ex.events().iter().map(event_kind).collect()
    };
    // Same magnitudes and a queued withdrawal in each window: the slashes emit the same events
    // (only the amounts of operator shares differ, with the stake).
    let expected = kinds(SlashCase::OneDelegator);
    assert!(expected.contains(&"OperatorSharesSlashed"), "{expected:?}");
    for case in SlashCase::ALL {
        assert_eq!(kinds(case), expected, "{case} slashes differently");
    }

    let cases = SlashCase::ALL;
    let mut samples: Vec<Vec<u128>> = vec![Vec::new(); cases.len()];
    let mut warm_up = Vec::new();
    // One warm-up round, then the measured rounds, the cases in turn within each round.
    for round in 0..=sc.rounds {
        for (k, case) in cases.iter().enumerate() {
            let (s, action) = case.target();
            let out = if round == 0 {
                &mut warm_up
            } else {
                &mut samples[k]
            };
            time_slashes(s, action, sc.iterations, out);
        }
    }
    let medians: Vec<u128> = samples.into_iter().map(median).collect();
    println!();
    println!(
        "slashOperator through an overlay: median of {} single slashes per case, in {} interleaved rounds",
        sc.rounds * sc.iterations,
        sc.rounds
    );
    for (case, m) in cases.iter().zip(&medians) {
        println!("  {:<30} {}", case.to_string(), micros(*m));
    }
    println!(
        "  ratio {} / 1_delegator: {} (target: at most 1.5x)",
        SlashCase::ManyDelegators,
        ratio(medians[1], medians[0])
    );
    println!(
        "  ratio {} / 1_delegator_in_large_state: {}",
        SlashCase::ManyDelegators,
        ratio(medians[1], medians[2])
    );
    if let Some(peak) = peak_memory_kib() {
        println!(
            "  peak resident memory of the benchmark process: {} MiB",
            peak / 1024
        );
    }
}

fn event_kind(e: &Event) -> &'static str {
    match e {
        Event::AllocationUpdated { .. } => "AllocationUpdated",
        Event::MaxMagnitudeUpdated { .. } => "MaxMagnitudeUpdated",
        Event::OperatorSharesDecreased { .. } => "OperatorSharesDecreased",
        Event::OperatorSharesSlashed { .. } => "OperatorSharesSlashed",
        Event::OperatorSlashed { .. } => "OperatorSlashed",
        _ => "other",
    }
}

/// The process's peak resident set, where the platform reports it.
fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    // Build the shared states first, so their reports do not interleave with divan's table.
    world();
    small_slash_state();
    large_slash_state();
    divan::main();
    slash_ratio_report();
}
