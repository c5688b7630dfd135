//! The cost of distributing one rewards epoch does not depend on how many stakers there are.
//!
//! Two states with the same shape — 1,000 operators in one operator set over 10 strategies, all
//! of their magnitude allocated, 3 active stake-weighted submissions (3 reward tokens) over the
//! 10 strategies with different multipliers, every (operator, strategy) holding delegated
//! stake — differ only in their delegators:
//!
//! - small: 1,000 delegators, one per operator, each deposited in all 10 strategies;
//! - large: 1,000,000 delegators, 1,000 per operator, each deposited in one strategy.
//!
//! Measured: `rewards::distribute_epoch` of the same epoch on an overlay of each state, dropped
//! after every sample (the epoch: 1,000 operators × 10 strategies × 3 tokens of index updates).
//! After the divan run an interleaved measurement prints each median and the ratio large/small.
//!
//! Under `cargo test` (no `--bench` argument) both states are tiny and everything runs once.
//!
//! The wall clock is banned from protocol code; measuring it is what a benchmark is for.
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

use alloy_primitives::{Address, B256, U256};
use divan::{Bencher, black_box};
use restake_core::allocation::{AllocateParams, CreateSetParams, RegistrationPolicy};
use restake_core::app::{self, Genesis, GenesisBalance, GenesisToken};
use restake_core::beacon_oracle::OracleConfig;
use restake_core::config::{Params, Roles};
use restake_core::exec::Exec;
use restake_core::pool::strategy_address;
use restake_core::rewards::{self, RewardsRead, StrategyAndMultiplier};
use restake_core::state::MemoryState;
use restake_core::tokens::token_address;
use restake_core::{Action, BlockContext};
use restake_primitives::WAD;
use std::sync::OnceLock;
use std::time::Instant;

const STRATEGIES: usize = 10;
const TOKENS: usize = 3;
const AVS: Address = Address::repeat_byte(0xA5);
const OWNER: Address = Address::repeat_byte(0x0E);

struct Scale {
    operators: u32,
    small: u32,
    large: u32,
    rounds: usize,
    iterations: usize,
}

fn scale() -> &'static Scale {
    static S: OnceLock<Scale> = OnceLock::new();
    S.get_or_init(|| {
        if std::env::args().any(|a| a == "--bench") {
            Scale {
                operators: 1_000,
                small: 1_000,
                large: 1_000_000,
                rounds: 11,
                iterations: 5,
            }
        } else {
            Scale {
                operators: 4,
                small: 4,
                large: 40,
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

fn symbol(i: usize) -> String {
    format!("LST{i}")
}

fn eth(x: u64) -> U256 {
    U256::from(x) * WAD
}

struct World {
    state: MemoryState,
    block: BlockContext,
    epoch: u64,
    delegators: u32,
}

fn run(state: &mut MemoryState, block: &BlockContext, sender: Address, action: Action) {
    let name = action.name();
    if let Err(e) = app::execute(state, block, sender, &action) {
        panic!("{name} by {sender}: {e}");
    }
}

/// `per_operator` delegators per operator; with one, it deposits in every strategy, otherwise
/// delegator `j` of an operator deposits in strategy `j mod 10`.
fn build(per_operator: u32) -> World {
    let sc = scale();
    let started = Instant::now();
    let delegators = sc.operators * per_operator;
    let strategies: Vec<Address> = (0..STRATEGIES)
        .map(|i| strategy_address(&token_address(&symbol(i))))
        .collect();
    // Genesis balances for every delegator in every token it deposits, and the AVS's rewards.
    let tokens = (0..STRATEGIES)
        .map(|i| {
            let mut balances: Vec<GenesisBalance> = (0..delegators)
                .filter(|d| per_operator == 1 || (d % per_operator) as usize % STRATEGIES == i)
                .map(|d| GenesisBalance {
                    account: indexed(0xD0, d),
                    amount: eth(10),
                })
                .collect();
            balances.push(GenesisBalance {
                account: AVS,
                amount: eth(1_000_000_000),
            });
            GenesisToken {
                symbol: symbol(i),
                decimals: 18,
                minter: OWNER,
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
            pausers: vec![OWNER],
            unpauser: OWNER,
        },
        tokens,
        beacon_oracle: OracleConfig {
            members: vec![OWNER],
            quorum: 1,
        },
    };
    let mut state = MemoryState::new();
    let block = BlockContext {
        number: 1,
        timestamp: 1_700_000_000,
        chain_id: 31337,
    };
    app::init_genesis(&mut state, &genesis, &block).unwrap();
    run(
        &mut state,
        &block,
        AVS,
        Action::UpdateAvsMetadataUri {
            avs: None,
            metadata_uri: "https://avs.example".into(),
        },
    );
    run(
        &mut state,
        &block,
        AVS,
        Action::CreateOperatorSets {
            avs: None,
            params: vec![CreateSetParams {
                operator_set_id: 1,
                strategies: strategies.clone(),
                redistribution_recipient: None,
                slasher: None,
                registration_policy: RegistrationPolicy::Open,
                equivocation_wad_to_slash: None,
            }],
        },
    );
    for o in 0..sc.operators {
        let op = indexed(0x0B, o);
        run(
            &mut state,
            &block,
            op,
            Action::RegisterAsOperator {
                delegation_approver: Address::ZERO,
                allocation_delay: 0,
                metadata_uri: String::new(),
            },
        );
        run(
            &mut state,
            &block,
            op,
            Action::RegisterForOperatorSets {
                operator: None,
                avs: AVS,
                operator_set_ids: vec![1],
                approval: None,
            },
        );
        run(
            &mut state,
            &block,
            op,
            Action::ModifyAllocations {
                operator: None,
                params: vec![AllocateParams {
                    avs: AVS,
                    operator_set_id: 1,
                    strategies: strategies.clone(),
                    new_magnitudes: vec![WAD.to::<u64>(); STRATEGIES],
                }],
            },
        );
    }
    for d in 0..delegators {
        let who = indexed(0xD0, d);
        let mine: Vec<usize> = if per_operator == 1 {
            (0..STRATEGIES).collect()
        } else {
            vec![(d % per_operator) as usize % STRATEGIES]
        };
        for i in mine {
            run(
                &mut state,
                &block,
                who,
                Action::DepositIntoStrategy {
                    strategy: strategies[i],
                    token: token_address(&symbol(i)),
                    amount: eth(10),
                },
            );
        }
        run(
            &mut state,
            &block,
            who,
            Action::DelegateTo {
                operator: indexed(0x0B, d / per_operator),
                approver_signature: None,
                approver_expiry: 0,
                approver_salt: B256::ZERO,
            },
        );
    }
    // Allocations take effect a block later; the submissions start in the epoch in progress.
    let block = BlockContext {
        number: 2,
        timestamp: block.timestamp + 12,
        chain_id: block.chain_id,
    };
    let epoch = rewards::epoch_of(&state, block.number).unwrap();
    let mut sm: Vec<StrategyAndMultiplier> = strategies
        .iter()
        .enumerate()
        .map(|(i, s)| StrategyAndMultiplier {
            strategy: *s,
            multiplier: WAD * U256::from(i as u64 + 1),
        })
        .collect();
    sm.sort_by_key(|x| x.strategy);
    for t in 0..TOKENS {
        run(
            &mut state,
            &block,
            AVS,
            Action::CreateRewardsSubmission {
                avs: None,
                operator_set_id: 1,
                strategies_and_multipliers: sm.clone(),
                token: token_address(&symbol(t)),
                amount: eth(1_000_000),
                operator_rewards: vec![],
                start_epoch: epoch,
                duration_epochs: 10,
            },
        );
    }
    eprintln!(
        "rewards state: {} operators, {delegators} delegators, {} keys, built in {} ms",
        sc.operators,
        state.len(),
        started.elapsed().as_millis()
    );
    World {
        state,
        block,
        epoch,
        delegators,
    }
}

fn small() -> &'static World {
    static W: OnceLock<World> = OnceLock::new();
    W.get_or_init(|| build(scale().small / scale().operators))
}

fn large() -> &'static World {
    static W: OnceLock<World> = OnceLock::new();
    W.get_or_init(|| build(scale().large / scale().operators))
}

/// Distributes the epoch on an overlay; returns the overlay so dropping it stays untimed.
fn distribute(w: &World) -> Exec<'_> {
    let mut ex = Exec::new(&w.state, w.block);
    rewards::distribute_epoch(&mut ex, w.epoch).unwrap();
    ex
}

/// The epoch really paid every (operator, strategy, token): checked once per state.
fn check(w: &World) {
    let ex = distribute(w);
    let sc = scale();
    let mut indexed_pairs = 0usize;
    for o in 0..sc.operators {
        for i in 0..STRATEGIES {
            let s = strategy_address(&token_address(&symbol(i)));
            for t in 0..TOKENS {
                let idx = ex
                    .state
                    .reward_index(&indexed(0x0B, o), &s, &token_address(&symbol(t)))
                    .unwrap();
                if !idx.is_zero() {
                    indexed_pairs += 1;
                }
            }
        }
    }
    assert_eq!(
        indexed_pairs,
        sc.operators as usize * STRATEGIES * TOKENS,
        "every (operator, strategy, token) index moved ({} delegators)",
        w.delegators
    );
}

#[divan::bench]
fn epoch_small(bencher: Bencher) {
    let w = small();
    check(w);
    bencher.bench_local(|| black_box(distribute(w)));
}

#[divan::bench]
fn epoch_large(bencher: Bencher) {
    let w = large();
    check(w);
    bencher.bench_local(|| black_box(distribute(w)));
}

fn median(mut v: Vec<u128>) -> u128 {
    v.sort_unstable();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

fn main() {
    // Build both states first, so their reports do not interleave with divan's table.
    small();
    large();
    divan::main();
    let sc = scale();
    let worlds = [small(), large()];
    let mut samples = [Vec::new(), Vec::new()];
    for round in 0..=sc.rounds {
        for (k, w) in worlds.iter().enumerate() {
            for _ in 0..sc.iterations {
                let started = Instant::now();
                let ex = distribute(w);
                let elapsed = started.elapsed().as_nanos();
                drop(black_box(ex));
                if round > 0 {
                    samples[k].push(elapsed);
                }
            }
        }
    }
    let [s, l] = samples.map(median);
    println!();
    println!(
        "distribute_epoch ({} operators × {STRATEGIES} strategies × {TOKENS} tokens), median of {} interleaved samples:",
        sc.operators,
        sc.rounds * sc.iterations
    );
    println!("  {:>9} delegators: {} µs", worlds[0].delegators, s / 1_000);
    println!("  {:>9} delegators: {} µs", worlds[1].delegators, l / 1_000);
    let milli = l * 1_000 / s.max(1);
    println!(
        "  ratio large / small: {}.{:03}x (goal: at most 1.2x)",
        milli / 1_000,
        milli % 1_000
    );
}
