//! Model-based property tests: random sequences of user operations run through `execute` on a
//! devnet chain (five stakers, three operators, two AVSs with three operator sets over the three
//! pools), and deterministic replay of the same sequence on two chains.
//!
//! After every step the test checks:
//! - a failed action left the state exactly as it was, and an action whose preconditions all
//!   held did not fail;
//! - the exact effects of the action, recomputed from the numbers before it with the spec's
//!   formulas (deposits, delegation, queueing, completion, slashing, allocation, delays);
//! - the invariants of spec §12: operator shares cover their delegators' withdrawable shares,
//!   withdrawable = `s * k * m`, token supply conserved except for burned slashes, pool
//!   solvency, every pool share accounted for exactly (operator shares, undelegated positions,
//!   queued payouts, slash buckets, and the queue rounding of slashes, bounded per slash), no
//!   claims beyond a pool's shares but what slashes double counted in the queue, magnitude
//!   bookkeeping (encumbered = Σ current + Σ positive pending, max non-increasing, deallocation
//!   queue order), registrations, queued withdrawals and their views, batch completion = single
//!   completions;
//! - a small reference model (delegations, pending roots, registrations, slash buckets,
//!   donations, burns) against the chain.
//!
//! Set `PROPTEST_CASES` to run more (or fewer) random sequences.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::panic,
    clippy::needless_range_loop,
    missing_docs
)]

mod common;
use common::*;

use alloy_primitives::{Address, B256, U256};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use restake_core::allocation::{self, AllocateParams, AllocationRead};
use restake_core::delegation::{DelegationError, DelegationRead, QueuedWithdrawalParams};
use restake_core::pool::{Pool, PoolError, PoolRead};
use restake_core::shares;
use restake_core::strategy_manager::StrategyManagerRead;
use restake_core::tokens::TokensRead;
use restake_core::{Action, Error, Event};
use restake_primitives::math::{mul_wad, mul_wad_up};
use restake_primitives::{DEFAULT_BURN_ADDRESS, OperatorSet, WAD};
use std::collections::{BTreeMap, BTreeSet};

// ------------------------------------------------------------------------------------------------
// The world: who acts, which pools and operator sets exist.

/// Stakers are actors `0..5`, operators are actors `5..8`.
const STAKERS: [u8; 5] = [1, 2, 3, 4, 5];
const OPERATORS: [u8; 3] = [11, 12, 13];
const N_ACTORS: usize = STAKERS.len() + OPERATORS.len();
const N_OPS: usize = OPERATORS.len();
/// A funded account that never registers as an operator.
const NOT_AN_OPERATOR: u8 = 9;
const AVS_A: Address = Address::repeat_byte(0x31);
const AVS_B: Address = Address::repeat_byte(0x32);
/// Operator sets: (AVS, id, indices of the pools they slash).
const SETS: [(Address, u32, &[usize]); 3] = [
    (AVS_A, 1, &[0, 1]),
    (AVS_A, 2, &[2]),
    (AVS_B, 7, &[0, 1, 2]),
];
const WAD_U64: u64 = 1_000_000_000_000_000_000;
/// What every funded account holds of every token at genesis.
const INITIAL: u64 = 1_000_000;

fn actor(i: usize) -> Address {
    if i < STAKERS.len() {
        addr(STAKERS[i])
    } else {
        addr(OPERATORS[i - STAKERS.len()])
    }
}

fn operator(i: usize) -> Address {
    addr(OPERATORS[i])
}

fn actor_index(a: &Address) -> Option<usize> {
    (0..N_ACTORS).find(|i| actor(*i) == *a)
}

fn operator_index(a: &Address) -> Option<usize> {
    (0..N_OPS).find(|i| operator(*i) == *a)
}

fn set_of(i: usize) -> OperatorSet {
    OperatorSet::new(SETS[i].0, SETS[i].1)
}

fn set_index(s: &OperatorSet) -> Option<usize> {
    (0..SETS.len()).find(|i| set_of(*i) == *s)
}

/// Token and pool addresses, derived once (each derivation hashes).
static ADDRESSES: std::sync::LazyLock<[(Address, Address); 3]> = std::sync::LazyLock::new(|| {
    std::array::from_fn(|p| {
        let t = restake_core::tokens::token_address(SYMBOLS[p]);
        (t, restake_core::pool::strategy_address(&t))
    })
});

fn token(p: usize) -> Address {
    ADDRESSES[p].0
}

fn strategy(p: usize) -> Address {
    ADDRESSES[p].1
}

fn pool_index(strategy_addr: &Address) -> Option<usize> {
    (0..SYMBOLS.len()).find(|p| strategy(*p) == *strategy_addr)
}

// ------------------------------------------------------------------------------------------------
// Operations, as generated. They are resolved into actions against the chain's current state, so
// the same sequence gives the same actions on every chain that started from the same genesis.

#[derive(Debug, Clone, Copy)]
enum Frac {
    /// Everything held.
    All,
    /// One wei of deposit shares.
    One,
    /// `n / 1000` of the deposit shares (may round to zero).
    PerMille(u16),
    /// One more than held: must fail.
    TooMuch,
}

#[derive(Debug, Clone, Copy)]
enum Mag {
    Zero,
    Full,
    Tiny(u64),
    /// `n / 1000` of WAD.
    PerMille(u16),
    /// The current magnitude plus `n / 1000` of what is still allocatable.
    FreePart(u16),
    /// Half the current magnitude.
    Halve,
    /// Above WAD: must fail.
    Over,
}

#[derive(Debug, Clone, Copy)]
enum Wad {
    Full,
    One,
    PerMille(u16),
    Raw(u64),
    /// Zero: must fail.
    Zero,
}

impl Wad {
    fn value(self) -> U256 {
        match self {
            Wad::Full => WAD,
            Wad::One => U256::from(1),
            Wad::PerMille(n) => WAD * U256::from(n) / U256::from(1000),
            Wad::Raw(x) => U256::from(x),
            Wad::Zero => U256::ZERO,
        }
    }
}

#[derive(Debug, Clone)]
enum Op {
    Deposit {
        who: usize,
        pool: usize,
        amount: U256,
    },
    /// A plain transfer to the pool's address.
    Donate {
        who: usize,
        pool: usize,
        amount: U256,
    },
    /// `op == N_OPS` targets an account that is not an operator.
    Delegate {
        who: usize,
        op: usize,
    },
    Undelegate {
        who: usize,
        by_operator: bool,
    },
    Redelegate {
        who: usize,
        op: usize,
    },
    /// With `held`, the actor is taken among those holding deposit shares and the pools among
    /// those it holds, each once.
    Queue {
        who: usize,
        parts: Vec<(usize, Frac)>,
        held: bool,
    },
    /// With `pending`, the actor is taken among those with pending withdrawals.
    Complete {
        who: usize,
        pick: usize,
        as_tokens: bool,
        pending: bool,
    },
    Register {
        op: usize,
        set: usize,
    },
    Deregister {
        op: usize,
        set: usize,
        by_avs: bool,
    },
    /// With `member`, the set is taken among those the operator is registered in.
    Allocate {
        op: usize,
        set: usize,
        parts: Vec<(usize, Mag)>,
        member: bool,
    },
    ClearQueue {
        op: usize,
        pool: usize,
        n: u16,
    },
    /// With `slashable`, `pick` chooses among the (operator, set) pairs that can be slashed now
    /// and the strategies are taken among the set's; with `sorted`, they are sorted and distinct.
    Slash {
        op: usize,
        set: usize,
        pick: usize,
        slashable: bool,
        parts: Vec<(usize, Wad)>,
        sorted: bool,
    },
    /// With `pending`, `pick` chooses among the buckets waiting to be flushed; `by_strategy`
    /// flushes one strategy only.
    ClearBurn {
        set: usize,
        back: u64,
        pick: usize,
        pending: bool,
        by_strategy: bool,
    },
    /// Completes every pending withdrawal of the actor in one batch; bit `i % 8` of `mask`
    /// chooses tokens for the `i`-th.
    CompleteAll {
        who: usize,
        mask: u8,
        pending: bool,
    },
    SetDelay {
        op: usize,
        delay: u32,
    },
    Advance {
        blocks: u32,
    },
}

#[derive(Debug, Clone)]
struct Scenario {
    /// Allocation delay of each operator.
    delays: [u32; N_OPS],
    ops: Vec<Op>,
}

fn amount() -> impl Strategy<Value = U256> {
    prop_oneof![
        2 => Just(U256::from(1)),
        2 => (2u64..1_000).prop_map(U256::from),
        3 => (1u64..=1_000_000).prop_map(|x| U256::from(x) * U256::from(1_000_000_000_000u64)),
        4 => (1u64..=200_000).prop_map(|x| U256::from(x) * WAD),
        1 => any::<u128>().prop_map(U256::from),
    ]
}

fn frac() -> impl Strategy<Value = Frac> {
    prop_oneof![
        3 => Just(Frac::All),
        1 => Just(Frac::One),
        5 => (0u16..=1000).prop_map(Frac::PerMille),
        1 => Just(Frac::TooMuch),
    ]
}

fn mag() -> impl Strategy<Value = Mag> {
    prop_oneof![
        1 => Just(Mag::Zero),
        1 => Just(Mag::Full),
        1 => (1u64..=1000).prop_map(Mag::Tiny),
        3 => (0u16..=1000).prop_map(Mag::PerMille),
        6 => (1u16..=1000).prop_map(Mag::FreePart),
        2 => Just(Mag::Halve),
        1 => Just(Mag::Over),
    ]
}

fn wad_to_slash() -> impl Strategy<Value = Wad> {
    prop_oneof![
        2 => Just(Wad::Full),
        1 => Just(Wad::One),
        5 => (1u16..=999).prop_map(Wad::PerMille),
        2 => (1u64..=WAD_U64).prop_map(Wad::Raw),
        1 => Just(Wad::Zero),
    ]
}

/// Wei-sized amounts (with the odd whole token), where rounding matters most.
fn dust() -> impl Strategy<Value = U256> {
    prop_oneof![
        3 => Just(U256::from(1)),
        6 => (2u64..=5_000).prop_map(U256::from),
        1 => Just(WAD),
    ]
}

fn op(amount: BoxedStrategy<U256>) -> impl Strategy<Value = Op> {
    let who = 0..N_ACTORS;
    let staker = 0..STAKERS.len();
    let opi = 0..N_OPS;
    let pool = 0..SYMBOLS.len();
    let set = 0..SETS.len();
    prop_oneof![
        8 => (who.clone(), pool.clone(), amount.clone())
            .prop_map(|(who, pool, amount)| Op::Deposit { who, pool, amount }),
        1 => (who.clone(), pool.clone(), amount)
            .prop_map(|(who, pool, amount)| Op::Donate { who, pool, amount }),
        4 => (staker.clone(), 0..=N_OPS).prop_map(|(who, op)| Op::Delegate { who, op }),
        2 => (mostly_staker(), any::<bool>())
            .prop_map(|(who, by_operator)| Op::Undelegate { who, by_operator }),
        1 => (staker, 0..=N_OPS).prop_map(|(who, op)| Op::Redelegate { who, op }),
        6 => (
            who.clone(),
            prop::collection::vec((pool.clone(), frac()), 1..=3),
            prop::bool::weighted(0.9),
        )
            .prop_map(|(who, parts, held)| Op::Queue { who, parts, held }),
        6 => (who, any::<usize>(), any::<bool>(), prop::bool::weighted(0.85))
            .prop_map(|(who, pick, as_tokens, pending)| Op::Complete {
                who,
                pick,
                as_tokens,
                pending,
            }),
        3 => (opi.clone(), set.clone()).prop_map(|(op, set)| Op::Register { op, set }),
        1 => (opi.clone(), set.clone(), any::<bool>())
            .prop_map(|(op, set, by_avs)| Op::Deregister { op, set, by_avs }),
        5 => (
            opi.clone(),
            set.clone(),
            prop::collection::vec((pool.clone(), mag()), 1..=3),
            prop::bool::weighted(0.8),
        )
            .prop_map(|(op, set, parts, member)| Op::Allocate { op, set, parts, member }),
        1 => (opi.clone(), pool, 0u16..=3).prop_map(|(op, pool, n)| Op::ClearQueue { op, pool, n }),
        4 => (
            (opi, set.clone(), any::<usize>(), prop::bool::weighted(0.85)),
            prop::collection::vec((0..SYMBOLS.len(), wad_to_slash()), 1..=3),
            prop::bool::weighted(0.9),
        )
            .prop_map(|((op, set, pick, slashable), parts, sorted)| Op::Slash {
                op,
                set,
                pick,
                slashable,
                parts,
                sorted,
            }),
        2 => (set, 0u64..3, any::<usize>(), prop::bool::weighted(0.8), any::<bool>())
            .prop_map(|(set, back, pick, pending, by_strategy)| Op::ClearBurn {
                set,
                back,
                pick,
                pending,
                by_strategy,
            }),
        2 => (0..N_ACTORS, any::<u8>(), prop::bool::weighted(0.9))
            .prop_map(|(who, mask, pending)| Op::CompleteAll { who, mask, pending }),
        1 => (0..N_OPS, 0u32..=4).prop_map(|(op, delay)| Op::SetDelay { op, delay }),
        6 => (0u32..=25).prop_map(|blocks| Op::Advance { blocks }),
    ]
}

/// Mostly stakers, sometimes an operator.
fn mostly_staker() -> impl Strategy<Value = usize> {
    prop_oneof![9 => 0..STAKERS.len(), 1 => STAKERS.len()..N_ACTORS]
}

/// Operations that build up stake, delegation, registrations and allocations: a sequence opens
/// with a few of them so that slashing has something to bite.
fn setup_op(amount: BoxedStrategy<U256>) -> impl Strategy<Value = Op> {
    let pool = 0..SYMBOLS.len();
    prop_oneof![
        3 => (0..N_ACTORS, pool.clone(), amount)
            .prop_map(|(who, pool, amount)| Op::Deposit { who, pool, amount }),
        2 => (0..STAKERS.len(), 0..N_OPS).prop_map(|(who, op)| Op::Delegate { who, op }),
        2 => (0..N_OPS, 0..SETS.len()).prop_map(|(op, set)| Op::Register { op, set }),
        2 => (
            0..N_OPS,
            0..SETS.len(),
            prop::collection::vec((pool, (1u16..=1000).prop_map(Mag::FreePart)), 1..=3),
        )
            .prop_map(|(op, set, parts)| Op::Allocate {
                op,
                set,
                parts,
                member: true,
            }),
        1 => (0u32..=5).prop_map(|blocks| Op::Advance { blocks }),
    ]
}

/// Random sequences: a few set-up operations, then anything. With `tiny`, every amount is a
/// few wei.
fn scenario(max_ops: usize, tiny: bool) -> impl Strategy<Value = Scenario> {
    let (setup_amount, amount) = if tiny {
        (dust().boxed(), dust().boxed())
    } else {
        (
            (1u64..=1000).prop_map(|x| U256::from(x) * WAD).boxed(),
            amount().boxed(),
        )
    };
    (
        [0u32..=3, 0u32..=3, 0u32..=3],
        prop::collection::vec(setup_op(setup_amount), 0..=16),
        prop::collection::vec(op(amount), 1..=max_ops),
    )
        .prop_map(|(delays, setup, ops)| Scenario {
            delays,
            ops: setup.into_iter().chain(ops).collect(),
        })
}

/// A chain with the operators registered and the operator sets created.
fn world(delays: &[u32; N_OPS]) -> Chain {
    let mut c = Chain::new();
    for (i, delay) in delays.iter().enumerate() {
        c.ok(
            operator(i),
            Action::RegisterAsOperator {
                delegation_approver: Address::ZERO,
                allocation_delay: *delay,
                metadata_uri: format!("https://op{i}.example"),
            },
        );
    }
    for (avs, id, pools) in SETS {
        let symbols: Vec<&str> = pools.iter().map(|p| SYMBOLS[*p]).collect();
        c.create_set(avs, id, &symbols);
    }
    c
}

/// What an operation becomes on a given chain.
enum Step {
    Exec(Address, Action),
    Advance(u32),
}

fn deposit_shares_of(c: &Chain, who: usize, p: usize) -> U256 {
    c.state.deposit_shares(&actor(who), &strategy(p)).unwrap()
}

/// Makes the choices that depend on the state (which actor queues or completes, and which pools
/// it queues from); the result names its actor and pools outright.
fn concretize(c: &Chain, op: &Op) -> Op {
    match op {
        Op::Queue {
            who,
            parts,
            held: true,
        } => {
            let holders: Vec<usize> = (0..N_ACTORS)
                .filter(|a| (0..SYMBOLS.len()).any(|p| !deposit_shares_of(c, *a, p).is_zero()))
                .collect();
            let who = if holders.is_empty() {
                *who
            } else {
                holders[*who % holders.len()]
            };
            let pools: Vec<usize> = (0..SYMBOLS.len())
                .filter(|p| !deposit_shares_of(c, who, *p).is_zero())
                .collect();
            let mut parts = parts.clone();
            if !pools.is_empty() {
                for (p, _) in &mut parts {
                    *p = pools[*p % pools.len()];
                }
            }
            let mut seen = BTreeSet::new();
            parts.retain(|(p, _)| seen.insert(*p));
            Op::Queue {
                who,
                parts,
                held: false,
            }
        }
        Op::Complete {
            who,
            pick,
            as_tokens,
            pending: true,
        } => {
            let waiting: Vec<usize> = (0..N_ACTORS)
                .filter(|a| {
                    !c.state
                        .queued_withdrawal_roots(&actor(*a))
                        .unwrap()
                        .is_empty()
                })
                .collect();
            Op::Complete {
                who: if waiting.is_empty() {
                    *who
                } else {
                    waiting[*who % waiting.len()]
                },
                pick: *pick,
                as_tokens: *as_tokens,
                pending: false,
            }
        }
        Op::CompleteAll {
            who,
            mask,
            pending: true,
        } => Op::CompleteAll {
            who: with_pending(c, *who),
            mask: *mask,
            pending: false,
        },
        other => other.clone(),
    }
}

/// The `n`-th (cyclically) actor with pending withdrawals, or `n` itself if none has any.
fn with_pending(c: &Chain, n: usize) -> usize {
    let waiting: Vec<usize> = (0..N_ACTORS)
        .filter(|a| {
            !c.state
                .queued_withdrawal_roots(&actor(*a))
                .unwrap()
                .is_empty()
        })
        .collect();
    if waiting.is_empty() {
        n
    } else {
        waiting[n % waiting.len()]
    }
}

/// The sender and action of an operation on this chain (or the blocks to advance).
fn resolve(c: &Chain, op: &Op) -> Step {
    let op = &concretize(c, op);
    let now = c.block.number;
    match op {
        Op::Deposit { who, pool, amount } => Step::Exec(
            actor(*who),
            Action::DepositIntoStrategy {
                strategy: strategy(*pool),
                token: token(*pool),
                amount: *amount,
            },
        ),
        Op::Donate { who, pool, amount } => Step::Exec(
            actor(*who),
            Action::Transfer {
                token: token(*pool),
                to: strategy(*pool),
                amount: *amount,
            },
        ),
        Op::Delegate { who, op } => Step::Exec(actor(*who), delegate_action(*op)),
        Op::Undelegate { who, by_operator } => {
            let staker = actor(*who);
            let sender = if *by_operator {
                c.state
                    .delegated_to(&staker)
                    .unwrap()
                    .unwrap_or(operator(0))
            } else {
                staker
            };
            Step::Exec(sender, Action::Undelegate { staker })
        }
        Op::Redelegate { who, op } => Step::Exec(
            actor(*who),
            Action::Redelegate {
                new_operator: target(*op),
                approver_signature: None,
                approver_expiry: 0,
                approver_salt: B256::ZERO,
            },
        ),
        Op::Queue { who, parts, .. } => {
            let mut strategies = Vec::new();
            let mut amounts = Vec::new();
            for &(p, f) in parts {
                let held = deposit_shares_of(c, *who, p);
                let x = match f {
                    Frac::All => held,
                    Frac::One => U256::from(1),
                    Frac::PerMille(n) => held * U256::from(n) / U256::from(1000),
                    Frac::TooMuch => held + U256::from(1),
                };
                strategies.push(strategy(p));
                amounts.push(x);
            }
            Step::Exec(
                actor(*who),
                Action::QueueWithdrawals {
                    params: vec![QueuedWithdrawalParams {
                        strategies,
                        deposit_shares: amounts,
                    }],
                },
            )
        }
        Op::Complete {
            who,
            pick,
            as_tokens,
            ..
        } => {
            let roots = c.state.queued_withdrawal_roots(&actor(*who)).unwrap();
            let root = if roots.is_empty() {
                B256::repeat_byte(0xEE)
            } else {
                roots[*pick % roots.len()]
            };
            Step::Exec(
                actor(*who),
                Action::CompleteQueuedWithdrawal {
                    withdrawal_root: root,
                    receive_as_tokens: *as_tokens,
                },
            )
        }
        Op::Register { op, set } => Step::Exec(
            operator(*op),
            Action::RegisterForOperatorSets {
                operator: None,
                avs: SETS[*set].0,
                operator_set_ids: vec![SETS[*set].1],
                approval: None,
            },
        ),
        Op::Deregister { op, set, by_avs } => Step::Exec(
            if *by_avs { SETS[*set].0 } else { operator(*op) },
            Action::DeregisterFromOperatorSets {
                operator: Some(operator(*op)),
                avs: SETS[*set].0,
                operator_set_ids: vec![SETS[*set].1],
            },
        ),
        Op::Allocate {
            op,
            set,
            parts,
            member,
        } => {
            let o = operator(*op);
            let mut s = set_of(*set);
            let mut parts = parts.clone();
            if *member {
                let sets: Vec<usize> = (0..SETS.len())
                    .filter(|x| c.state.registration(&o, &set_of(*x)).unwrap().registered)
                    .collect();
                if !sets.is_empty() {
                    let chosen = sets[*set % sets.len()];
                    s = set_of(chosen);
                    let pools = SETS[chosen].2;
                    for (p, _) in &mut parts {
                        *p = pools[*p % pools.len()];
                    }
                    let mut seen = BTreeSet::new();
                    parts.retain(|(p, _)| seen.insert(*p));
                }
            }
            let mut strategies = Vec::new();
            let mut magnitudes = Vec::new();
            for (p, m) in &parts {
                let st = strategy(*p);
                let current = c
                    .state
                    .updated_allocation(&o, &s, &st, now)
                    .unwrap()
                    .1
                    .current_magnitude;
                let free = allocation::allocatable_magnitude(&c.state, &o, &st, now).unwrap();
                let v = match m {
                    Mag::Zero => 0,
                    Mag::Full => WAD_U64,
                    Mag::Tiny(x) => *x,
                    Mag::PerMille(n) => WAD_U64 / 1000 * u64::from(*n),
                    Mag::FreePart(n) => current + free / 1000 * u64::from(*n),
                    Mag::Halve => current / 2,
                    Mag::Over => WAD_U64 + 1,
                };
                strategies.push(st);
                magnitudes.push(v);
            }
            Step::Exec(
                o,
                Action::ModifyAllocations {
                    operator: None,
                    params: vec![AllocateParams {
                        avs: s.avs,
                        operator_set_id: s.id,
                        strategies,
                        new_magnitudes: magnitudes,
                    }],
                },
            )
        }
        Op::ClearQueue { op, pool, n } => Step::Exec(
            actor(0),
            Action::ClearDeallocationQueue {
                operator: operator(*op),
                strategies: vec![strategy(*pool)],
                num_to_clear: vec![*n],
            },
        ),
        Op::Slash {
            op,
            set,
            pick,
            slashable,
            parts,
            sorted,
        } => {
            let (mut op, mut set) = (*op, *set);
            if *slashable {
                let pairs: Vec<(usize, usize)> = (0..N_OPS)
                    .flat_map(|o| (0..SETS.len()).map(move |s| (o, s)))
                    .filter(|(o, s)| {
                        c.state
                            .is_operator_slashable(&operator(*o), &set_of(*s), now)
                            .unwrap()
                    })
                    .collect();
                // Prefer pairs with magnitude allocated to the set now.
                let allocated: Vec<(usize, usize)> = pairs
                    .iter()
                    .copied()
                    .filter(|(o, s)| {
                        SETS[*s].2.iter().any(|p| {
                            c.state
                                .updated_allocation(&operator(*o), &set_of(*s), &strategy(*p), now)
                                .unwrap()
                                .1
                                .current_magnitude
                                > 0
                        })
                    })
                    .collect();
                let pairs = if allocated.is_empty() || *pick % 4 == 0 {
                    pairs
                } else {
                    allocated
                };
                if !pairs.is_empty() {
                    (op, set) = pairs[*pick % pairs.len()];
                }
            }
            let mut parts: Vec<(Address, U256)> = parts
                .iter()
                .map(|(p, w)| {
                    let p = if *slashable {
                        SETS[set].2[*p % SETS[set].2.len()]
                    } else {
                        *p
                    };
                    (strategy(p), w.value())
                })
                .collect();
            if *sorted {
                parts.sort_by_key(|(s, _)| *s);
                parts.dedup_by_key(|(s, _)| *s);
            }
            Step::Exec(
                SETS[set].0,
                Action::SlashOperator {
                    avs: None,
                    operator: operator(op),
                    operator_set_id: SETS[set].1,
                    strategies: parts.iter().map(|(s, _)| *s).collect(),
                    wads_to_slash: parts.iter().map(|(_, w)| *w).collect(),
                    description: "model".into(),
                },
            )
        }
        Op::ClearBurn {
            set,
            back,
            pick,
            pending,
            by_strategy,
        } => {
            let buckets = c.state.slash_buckets().unwrap();
            let (s, slash_id, st) = if *pending && !buckets.is_empty() {
                let b = &buckets[*pick % buckets.len()];
                (b.operator_set, b.slash_id, b.strategy)
            } else {
                let s = set_of(*set);
                let count = c.state.operator_set(&s).unwrap().unwrap().slash_count;
                let st = strategy(SETS[*set].2[*pick % SETS[*set].2.len()]);
                (s, count.saturating_sub(*back).max(1), st)
            };
            let action = if *by_strategy {
                Action::ClearBurnOrRedistributableSharesByStrategy {
                    avs: s.avs,
                    operator_set_id: s.id,
                    slash_id,
                    strategy: st,
                }
            } else {
                Action::ClearBurnOrRedistributableShares {
                    avs: s.avs,
                    operator_set_id: s.id,
                    slash_id,
                }
            };
            Step::Exec(actor(0), action)
        }
        Op::CompleteAll { who, mask, .. } => {
            let roots = c.state.queued_withdrawal_roots(&actor(*who)).unwrap();
            let as_tokens = (0..roots.len()).map(|i| mask >> (i % 8) & 1 == 1).collect();
            Step::Exec(
                actor(*who),
                Action::CompleteQueuedWithdrawals {
                    withdrawal_roots: roots,
                    receive_as_tokens: as_tokens,
                },
            )
        }
        Op::SetDelay { op, delay } => Step::Exec(
            operator(*op),
            Action::SetAllocationDelay {
                operator: None,
                delay: *delay,
            },
        ),
        Op::Advance { blocks } => Step::Advance(*blocks),
    }
}

fn target(op: usize) -> Address {
    if op < N_OPS {
        operator(op)
    } else {
        addr(NOT_AN_OPERATOR)
    }
}

fn delegate_action(op: usize) -> Action {
    Action::DelegateTo {
        operator: target(op),
        approver_signature: None,
        approver_expiry: 0,
        approver_salt: B256::ZERO,
    }
}

// ------------------------------------------------------------------------------------------------
// The reference model and the invariant checks.

/// What the model tracks exactly, from the actions it saw succeed and their events.
#[derive(Debug, Default)]
struct Model {
    /// Expected operator of each actor (operators: themselves).
    delegated: [Option<Address>; N_ACTORS],
    /// Expected pending withdrawal roots of each actor, oldest first.
    pending: [Vec<B256>; N_ACTORS],
    /// Expected registration of (operator, set): `(registered, slashable_until)`.
    registration: BTreeMap<(usize, usize), (bool, u32)>,
    /// Tokens sent to each pool's address outside deposits.
    donated: [U256; 3],
    /// Tokens burned from slashes, per token.
    burned: [U256; 3],
    /// Pool shares burned from slash buckets, per pool.
    flushed: [U256; 3],
    /// Slashes so far, per set.
    slash_count: [u64; SETS.len()],
    /// Unflushed (set, slash id, strategy) buckets.
    buckets: BTreeSet<(usize, u64, Address)>,
    /// Max magnitudes seen at the previous step.
    max_mag: BTreeMap<(usize, usize), u64>,
    /// Latest cumulative scaled shares seen at the previous step.
    cumulative: BTreeMap<(usize, usize), U256>,
    /// Actions executed so far (bounds the rounding dust anyone can gain).
    executed: u64,
    /// Per pool, the shares slashes filed from the withdrawal queue beyond (`queue_over`) or
    /// short of (`queue_under`) what the queued withdrawals they reached lost: the queue's share
    /// of a slash scales the *sum* of the window's scaled shares, while each withdrawal's payout
    /// rounds on its own (see the slash case of `check_exact`).
    queue_over: [U256; 3],
    queue_under: [U256; 3],
}

/// The numbers one operation may change, read before and after it.
#[derive(Debug, Clone, PartialEq)]
struct Snap {
    /// Balances of the actors, per token.
    balances: [[U256; 3]; N_ACTORS],
    /// Ledger balance of each pool's address in its own token.
    pool_ledger: [U256; 3],
    pools: [Pool; 3],
    deposit: [[U256; 3]; N_ACTORS],
    op_shares: [[U256; 3]; N_OPS],
    max_mag: [[u64; 3]; N_OPS],
    pending: [usize; N_ACTORS],
    /// Deposit scaling factors.
    dsf: [[U256; 3]; N_ACTORS],
    /// Operator (index) of each actor.
    delegated: [Option<usize>; N_ACTORS],
}

impl Snap {
    /// The slashing factor of an actor's position: its operator's max magnitude, or WAD.
    fn sf(&self, who: usize, p: usize) -> U256 {
        match self.delegated[who] {
            Some(o) => U256::from(self.max_mag[o][p]),
            None => WAD,
        }
    }
}

/// What a slash should do to one strategy, from the numbers before it.
#[derive(Debug)]
struct SlashPre {
    op: usize,
    pool: usize,
    wad: U256,
    /// The allocation with any matured change applied.
    alloc: allocation::Allocation,
    max: u64,
    op_shares: U256,
    /// Scaled shares queued by the operator's stakers inside the slashable window.
    queued_in_window: U256,
    /// The scaled shares of this strategy in each pending withdrawal queued through the operator
    /// inside the slashable window (`start + D >= now`).
    window: Vec<U256>,
}

/// Numbers read before an action, from which its exact effects follow.
#[derive(Debug)]
enum Pre {
    Nothing,
    Slash(Vec<SlashPre>),
    Complete {
        withdrawal: restake_core::delegation::Withdrawal,
        /// Shares paid per strategy of the withdrawal.
        payouts: Vec<U256>,
    },
    /// Per strategy: the current magnitude (matured changes applied) and whether it is slashable
    /// by the set; and the allocation delay in force.
    Allocate {
        set: OperatorSet,
        parts: Vec<(Address, u64, bool)>,
        delay: u32,
    },
    /// The allocation delay in force.
    Delay((bool, u32)),
}

fn snap(c: &Chain) -> Snap {
    let s = &c.state;
    Snap {
        balances: std::array::from_fn(|a| {
            std::array::from_fn(|p| s.balance_of(&token(p), &actor(a)).unwrap())
        }),
        pool_ledger: std::array::from_fn(|p| s.balance_of(&token(p), &strategy(p)).unwrap()),
        pools: std::array::from_fn(|p| s.pool(&strategy(p)).unwrap().unwrap()),
        deposit: std::array::from_fn(|a| {
            std::array::from_fn(|p| s.deposit_shares(&actor(a), &strategy(p)).unwrap())
        }),
        op_shares: std::array::from_fn(|o| {
            std::array::from_fn(|p| s.operator_shares(&operator(o), &strategy(p)).unwrap())
        }),
        max_mag: std::array::from_fn(|o| {
            std::array::from_fn(|p| s.max_magnitude(&operator(o), &strategy(p)).unwrap())
        }),
        pending: std::array::from_fn(|a| s.queued_withdrawal_roots(&actor(a)).unwrap().len()),
        dsf: std::array::from_fn(|a| {
            std::array::from_fn(|p| s.deposit_scaling_factor(&actor(a), &strategy(p)).unwrap())
        }),
        delegated: std::array::from_fn(|a| {
            s.delegated_to(&actor(a))
                .unwrap()
                .and_then(|o| operator_index(&o))
        }),
    }
}

macro_rules! check_eq {
    ($actual:expr, $expected:expr, $($fmt:tt)*) => {{
        let (actual, expected) = ($actual, $expected);
        if actual != expected {
            return Err(TestCaseError::fail(format!(
                "{}: chain has {actual:?}, expected {expected:?}",
                format_args!($($fmt)*)
            )));
        }
    }};
}

macro_rules! check {
    ($cond:expr, $($fmt:tt)*) => {
        if !$cond {
            return Err(TestCaseError::fail(format!($($fmt)*)));
        }
    };
}

struct Sim {
    chain: Chain,
    model: Model,
    /// Every account that can hold tokens in these scenarios.
    holders: Vec<Address>,
    genesis_supply: [U256; 3],
}

impl Sim {
    fn new(delays: &[u32; N_OPS]) -> Self {
        let chain = world(delays);
        let mut holders: Vec<Address> = (1..=20).map(addr).collect();
        holders.extend((1..=8).map(|s| Key::from_seed(s).address()));
        holders.extend((0..3).map(strategy));
        holders.extend([DEFAULT_BURN_ADDRESS, AVS_A, AVS_B]);
        let genesis_supply =
            std::array::from_fn(|p| chain.state.token(&token(p)).unwrap().unwrap().total_supply);
        let mut model = Model::default();
        for o in 0..N_OPS {
            model.delegated[STAKERS.len() + o] = Some(operator(o));
        }
        Self {
            chain,
            model,
            holders,
            genesis_supply,
        }
    }

    /// Runs one operation, checks its effects and every invariant.
    fn step(&mut self, op: &Op) -> Result<(), TestCaseError> {
        let op = &concretize(&self.chain, op);
        let (sender, action) = match resolve(&self.chain, op) {
            Step::Advance(n) => {
                self.chain.advance(n);
                return self.check_invariants();
            }
            Step::Exec(sender, action) => (sender, action),
        };
        let expect_ok = self.expected_to_succeed(op, sender, &action);
        let before_state = self.chain.state.clone();
        let before = snap(&self.chain);
        let pre = self.pre(sender, &action);
        // Spec §12.1 invariant 9: a batch completion equals the single completions in order.
        let sequential = match &action {
            Action::CompleteQueuedWithdrawals {
                withdrawal_roots,
                receive_as_tokens,
            } => {
                let mut state = self.chain.state.clone();
                let mut all_ok = true;
                for (root, as_tokens) in withdrawal_roots.iter().zip(receive_as_tokens) {
                    let single = Action::CompleteQueuedWithdrawal {
                        withdrawal_root: *root,
                        receive_as_tokens: *as_tokens,
                    };
                    if restake_core::app::execute(&mut state, &self.chain.block, sender, &single)
                        .is_err()
                    {
                        all_ok = false;
                        break;
                    }
                }
                Some((all_ok, state))
            }
            _ => None,
        };
        let result = self.chain.exec(sender, action.clone());
        if let Some((all_ok, state)) = sequential {
            check_eq!(
                result.is_ok(),
                all_ok,
                "batch completion succeeds exactly when the single completions do",
            );
            if all_ok {
                check!(
                    state == self.chain.state,
                    "batch completion differs from the single completions in order"
                );
            }
        }
        match result {
            Err(e) => {
                check!(
                    self.chain.state == before_state,
                    "failed {} ({e}) changed the state",
                    action.name()
                );
                check!(
                    !matches!(e, Error::State(_)),
                    "{} failed reading the state: {e}",
                    action.name()
                );
                if let Some(allowed) = expect_ok {
                    check!(
                        allowed(&e),
                        "valid {} by {sender} failed: {e}\naction: {action:?}",
                        action.name()
                    );
                }
            }
            Ok(events) => {
                self.model.executed += 1;
                self.apply_events(&events)?;
                self.apply_success(op, sender, &action)?;
                let after = snap(&self.chain);
                check_effects(op, &action, &before, &after, &self.model)?;
                self.check_exact(sender, &action, &pre, &before, &after, &events)?;
            }
        }
        self.check_invariants()
    }

    /// Reads the numbers the action's exact effects depend on, before it runs.
    fn pre(&self, sender: Address, action: &Action) -> Pre {
        let s = &self.chain.state;
        let now = self.chain.block.number;
        match action {
            Action::SlashOperator {
                avs,
                operator: o,
                operator_set_id,
                strategies,
                wads_to_slash,
                ..
            } => {
                let Some(op) = operator_index(o) else {
                    return Pre::Nothing;
                };
                let set = OperatorSet::new(avs.unwrap_or(sender), *operator_set_id);
                let d = s.params_for_test().min_withdrawal_delay_blocks;
                let parts = strategies
                    .iter()
                    .zip(wads_to_slash)
                    .map(|(st, wad)| {
                        let (info, alloc) = s.updated_allocation(o, &set, st, now).unwrap();
                        let latest = s.cumulative_scaled_shares_at(o, st, u32::MAX).unwrap();
                        let before_window = if now > d {
                            s.cumulative_scaled_shares_at(o, st, now - d - 1).unwrap()
                        } else {
                            U256::ZERO
                        };
                        let window = (0..N_ACTORS)
                            .flat_map(|a| s.queued_withdrawal_roots(&actor(a)).unwrap())
                            .filter_map(|root| s.queued_withdrawal(&root).unwrap())
                            .filter(|w| w.delegated_to == *o && w.start_block + d >= now)
                            .flat_map(|w| {
                                w.strategies
                                    .iter()
                                    .zip(&w.scaled_shares)
                                    .filter(|(x, _)| *x == st)
                                    .map(|(_, q)| *q)
                                    .collect::<Vec<_>>()
                            })
                            .collect();
                        SlashPre {
                            op,
                            pool: pool_index(st).unwrap(),
                            wad: *wad,
                            alloc,
                            max: info.max_magnitude,
                            op_shares: s.operator_shares(o, st).unwrap(),
                            queued_in_window: latest - before_window,
                            window,
                        }
                    })
                    .collect();
                Pre::Slash(parts)
            }
            Action::CompleteQueuedWithdrawal {
                withdrawal_root, ..
            } => {
                let Some(w) = s.queued_withdrawal(withdrawal_root).unwrap() else {
                    return Pre::Nothing;
                };
                let d = s.params_for_test().min_withdrawal_delay_blocks;
                let payouts = w
                    .strategies
                    .iter()
                    .zip(&w.scaled_shares)
                    .map(|(st, q)| {
                        // The queue-time operator's max magnitude at the end of the window.
                        let sf = if w.delegated_to.is_zero() {
                            WAD
                        } else {
                            U256::from(
                                s.max_magnitude_at(&w.delegated_to, st, w.start_block + d)
                                    .unwrap(),
                            )
                        };
                        mul_wad(*q, sf).unwrap()
                    })
                    .collect();
                Pre::Complete {
                    withdrawal: w,
                    payouts,
                }
            }
            Action::ModifyAllocations { params, .. } => {
                let p = &params[0];
                let set = OperatorSet::new(p.avs, p.operator_set_id);
                let Some(info) = s.operator_set(&set).unwrap() else {
                    return Pre::Nothing;
                };
                let slashable = s.is_operator_slashable(&sender, &set, now).unwrap();
                let parts = p
                    .strategies
                    .iter()
                    .map(|st| {
                        let current = s
                            .updated_allocation(&sender, &set, st, now)
                            .unwrap()
                            .1
                            .current_magnitude;
                        let at_risk = info.strategies.contains(st) && slashable && current != 0;
                        (*st, current, at_risk)
                    })
                    .collect();
                Pre::Allocate {
                    set,
                    parts,
                    delay: s.allocation_delay_info(&sender).unwrap().at(now).1,
                }
            }
            Action::SetAllocationDelay { .. } => {
                Pre::Delay(s.allocation_delay_info(&sender).unwrap().at(now))
            }
            _ => Pre::Nothing,
        }
    }

    /// The effects the spec fixes to the wei (§4.2-§4.3, §5.4, §6.7), recomputed from the
    /// numbers before the action.
    fn check_exact(
        &mut self,
        sender: Address,
        action: &Action,
        pre: &Pre,
        before: &Snap,
        after: &Snap,
        events: &[Event],
    ) -> Result<(), TestCaseError> {
        let s = &self.chain.state;
        let now = self.chain.block.number;
        let dsf_after_adding = |who: usize, p: usize, added: U256| -> U256 {
            match shares::update_dsf(
                before.dsf[who][p],
                before.deposit[who][p],
                added,
                before.sf(who, p),
            )
            .unwrap()
            {
                shares::DsfUpdate::Ok(k) => k,
                shares::DsfUpdate::Zero => U256::ZERO,
            }
        };
        match (action, pre) {
            (Action::DepositIntoStrategy { strategy: st, .. }, _) => {
                let who = actor_index(&sender).unwrap();
                let p = pool_index(st).unwrap();
                let minted = after.deposit[who][p] - before.deposit[who][p];
                check_eq!(
                    after.dsf[who][p],
                    dsf_after_adding(who, p, minted),
                    "deposit: new scaling factor"
                );
            }
            (Action::DelegateTo { .. }, _) => {
                let who = actor_index(&sender).unwrap();
                for p in 0..3 {
                    if !before.deposit[who][p].is_zero() {
                        let o = after.delegated[who].unwrap();
                        let expected = shares::update_dsf(
                            before.dsf[who][p],
                            U256::ZERO,
                            before.deposit[who][p],
                            U256::from(before.max_mag[o][p]),
                        )
                        .unwrap();
                        check_eq!(
                            shares::DsfUpdate::Ok(after.dsf[who][p]),
                            expected,
                            "delegation: new scaling factor"
                        );
                    }
                }
            }
            (Action::Undelegate { .. } | Action::Redelegate { .. }, _) => {
                let staker = match action {
                    Action::Undelegate { staker } => *staker,
                    _ => sender,
                };
                let who = actor_index(&staker).unwrap();
                let o = before.delegated[who].unwrap();
                for p in 0..3 {
                    let w = shares::calc_withdrawable(
                        before.dsf[who][p],
                        before.deposit[who][p],
                        before.sf(who, p),
                    )
                    .unwrap();
                    // A redelegation to the same operator adds nothing back: the shares are queued.
                    check_eq!(
                        after.op_shares[o][p],
                        before.op_shares[o][p] - w,
                        "undelegation removes the withdrawable shares from the operator"
                    );
                }
            }
            (Action::QueueWithdrawals { params }, _) => {
                let who = actor_index(&sender).unwrap();
                let root = *self.model.pending[who].last().unwrap();
                let w = s.queued_withdrawal(&root).unwrap().unwrap();
                check_eq!(&w.strategies, &params[0].strategies, "queued strategies");
                check_eq!(w.start_block, now, "queued withdrawal start block");
                check_eq!(
                    w.delegated_to,
                    before.delegated[who].map_or(Address::ZERO, operator),
                    "queued withdrawal operator"
                );
                for (i, (st, x)) in params[0]
                    .strategies
                    .iter()
                    .zip(&params[0].deposit_shares)
                    .enumerate()
                {
                    let p = pool_index(st).unwrap();
                    let k = before.dsf[who][p];
                    check_eq!(
                        w.scaled_shares[i],
                        shares::scale_for_queue_withdrawal(k, *x).unwrap(),
                        "scaled shares = x * k"
                    );
                    if let Some(o) = before.delegated[who] {
                        let wd = shares::calc_withdrawable(k, *x, before.sf(who, p)).unwrap();
                        check_eq!(
                            after.op_shares[o][p],
                            before.op_shares[o][p] - wd,
                            "queue removes x * k * m from the operator"
                        );
                    }
                    let expected_k = if after.deposit[who][p].is_zero() {
                        WAD
                    } else {
                        k
                    };
                    check_eq!(
                        after.dsf[who][p],
                        expected_k,
                        "scaling factor after queueing"
                    );
                }
            }
            (
                Action::CompleteQueuedWithdrawal {
                    receive_as_tokens, ..
                },
                Pre::Complete {
                    withdrawal,
                    payouts,
                },
            ) => {
                let who = actor_index(&withdrawal.staker).unwrap();
                for (st, paid) in withdrawal.strategies.iter().zip(payouts) {
                    let p = pool_index(st).unwrap();
                    if *receive_as_tokens {
                        check_eq!(
                            before.pools[p].total_shares - after.pools[p].total_shares,
                            *paid,
                            "completion burns the payout's pool shares"
                        );
                        check_eq!(
                            after.balances[who][p] - before.balances[who][p],
                            before.pools[p].shares_to_underlying(*paid).unwrap(),
                            "completion pays the payout's value in tokens"
                        );
                    } else {
                        check_eq!(
                            after.deposit[who][p] - before.deposit[who][p],
                            *paid,
                            "completion as shares re-deposits the payout"
                        );
                        if !paid.is_zero() {
                            check_eq!(
                                after.dsf[who][p],
                                dsf_after_adding(who, p, *paid),
                                "completion as shares: new scaling factor"
                            );
                            if let Some(o) = before.delegated[who] {
                                check_eq!(
                                    after.op_shares[o][p] - before.op_shares[o][p],
                                    *paid,
                                    "completion as shares delegates the payout"
                                );
                            }
                        }
                    }
                }
            }
            (Action::ModifyAllocations { params: ap, .. }, Pre::Allocate { set, parts, delay }) => {
                let params = self.chain.state.params_for_test();
                for ((st, current, at_risk), new) in parts.iter().zip(&ap[0].new_magnitudes) {
                    let stored = s.stored_allocation(&sender, set, st).unwrap();
                    let (_, now_view) = s.updated_allocation(&sender, set, st, now).unwrap();
                    let diff = i128::from(*new) - i128::from(*current);
                    let (cur, pending, effect) = if diff > 0 {
                        (*current, diff, now + delay)
                    } else if *at_risk {
                        (*current, diff, now + params.deallocation_delay + 1)
                    } else {
                        (*new, 0, now)
                    };
                    if effect > now {
                        check_eq!(
                            (
                                stored.current_magnitude,
                                stored.pending_diff,
                                stored.effect_block
                            ),
                            (cur, pending, effect),
                            "modifyAllocations: stored allocation (current, pending, effect block)",
                        );
                    } else {
                        check_eq!(
                            (now_view.current_magnitude, now_view.pending_diff),
                            (*new, 0),
                            "modifyAllocations: immediate change",
                        );
                    }
                }
            }
            (Action::SetAllocationDelay { delay, .. }, Pre::Delay(in_force)) => {
                let info = s.allocation_delay_info(&sender).unwrap();
                let cfg = s.params_for_test().allocation_configuration_delay;
                check_eq!(
                    (info.pending_delay, info.effect_block),
                    (*delay, now + cfg + 1),
                    "setAllocationDelay: pending delay and its effect block",
                );
                check_eq!(
                    info.at(now),
                    *in_force,
                    "setAllocationDelay: the delay in force does not change yet",
                );
            }
            (Action::SlashOperator { .. }, Pre::Slash(parts)) => {
                for part in parts {
                    let (o, p) = (part.op, part.pool);
                    let bucket: Vec<U256> = events
                        .iter()
                        .filter_map(|e| match e {
                            Event::BurnOrRedistributableSharesIncreased {
                                strategy: st,
                                shares,
                                ..
                            } if *st == strategy(p) => Some(*shares),
                            _ => None,
                        })
                        .collect();
                    let current = part.alloc.current_magnitude;
                    if current == 0 {
                        check_eq!(after.max_mag[o][p], part.max, "slash of nothing: max");
                        check_eq!(
                            after.op_shares[o][p],
                            part.op_shares,
                            "slash of nothing: shares"
                        );
                        check!(bucket.is_empty(), "slash of nothing filed a bucket");
                        continue;
                    }
                    let slashed =
                        u64::try_from(mul_wad_up(U256::from(current), part.wad).unwrap()).unwrap();
                    let new_max = part.max - slashed;
                    check_eq!(after.max_mag[o][p], new_max, "slash: new max magnitude");
                    let (prev, new) = (U256::from(part.max), U256::from(new_max));
                    let from_op = shares::calc_slashed_amount(part.op_shares, prev, new).unwrap();
                    let from_queue = shares::calc_slashed_amount(
                        mul_wad(part.queued_in_window, prev).unwrap(),
                        prev,
                        new,
                    )
                    .unwrap();
                    check_eq!(
                        after.op_shares[o][p],
                        part.op_shares - from_op,
                        "slash: operator shares"
                    );
                    let total = from_op + from_queue;
                    let expected_bucket = if total.is_zero() { vec![] } else { vec![total] };
                    check_eq!(bucket, expected_bucket, "slash: shares filed for burning");

                    // The queue's part against what the queued withdrawals lost. With `x_j =
                    // q_j * m / WAD` for each withdrawal in the window and `r = m' / m`, EigenLayer
                    // files `F - ceil(F * r)` with `F = floor(Σ x_j)` (§5.4), while the payouts
                    // drop by `Σ floor(x_j) - Σ floor(x_j * r)` (each pays `floor(q_j * m)`, and
                    // the operator gave up exactly that when it was queued). The difference is
                    // `[F - Σ floor(x_j)] - [ceil(F * r) - Σ floor(x_j * r)]`: the first bracket
                    // is `floor(Σ frac(x_j))`, in `[0, n - 1]`; the second is an integer above
                    // `-1` and below `n + 1`. So a slash files at most `F - Σ floor(x_j)` shares
                    // more than the queue lost (double counting the rounding dust the operator
                    // kept), and at most `n` fewer.
                    check_eq!(
                        part.window.iter().copied().sum::<U256>(),
                        part.queued_in_window,
                        "slash: the window's scaled shares are those of the withdrawals in it"
                    );
                    let n = U256::from(part.window.len());
                    let paid = |m: U256| -> U256 {
                        part.window.iter().map(|q| mul_wad(*q, m).unwrap()).sum()
                    };
                    let (paid_before, paid_after) = (paid(prev), paid(new));
                    let lost = paid_before - paid_after;
                    let rounding = mul_wad(part.queued_in_window, prev).unwrap() - paid_before;
                    if from_queue >= lost {
                        let over = from_queue - lost;
                        check!(
                            over <= rounding,
                            "slash: the queue's part {from_queue} exceeds what its {n} \
                             withdrawals lost ({lost}) by {over}, more than the rounding \
                             {rounding}"
                        );
                        self.model.queue_over[p] += over;
                    } else {
                        let under = lost - from_queue;
                        check!(
                            under <= n,
                            "slash: the queue's part {from_queue} falls short of what its {n} \
                             withdrawals lost ({lost}) by {under}"
                        );
                        self.model.queue_under[p] += under;
                    }
                    let set = OperatorSet::new(
                        sender,
                        match action {
                            Action::SlashOperator {
                                operator_set_id, ..
                            } => *operator_set_id,
                            _ => unreachable!(),
                        },
                    );
                    let a = s
                        .stored_allocation(&operator(o), &set, &strategy(p))
                        .unwrap();
                    check_eq!(
                        a.current_magnitude,
                        current - slashed,
                        "slash: current magnitude"
                    );
                    let pending = if part.alloc.pending_diff < 0 {
                        let cut = mul_wad_up(
                            U256::from(part.alloc.pending_diff.unsigned_abs()),
                            part.wad,
                        )
                        .unwrap();
                        part.alloc.pending_diff + i128::try_from(cut).unwrap()
                    } else {
                        part.alloc.pending_diff
                    };
                    check_eq!(a.pending_diff, pending, "slash: pending change");
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// For operations whose preconditions all hold, the errors still acceptable (usually none).
    #[allow(clippy::type_complexity)]
    fn expected_to_succeed(
        &self,
        op: &Op,
        sender: Address,
        action: &Action,
    ) -> Option<fn(&Error) -> bool> {
        let s = &self.chain.state;
        let now = self.chain.block.number;
        let none: fn(&Error) -> bool = |_| false;
        let dsf_only: fn(&Error) -> bool = |e| {
            matches!(
                e,
                Error::Delegation(DelegationError::InvalidDepositScalingFactor)
            )
        };
        let dsf_or_fully_slashed: fn(&Error) -> bool = |e| {
            matches!(
                e,
                Error::Delegation(
                    DelegationError::InvalidDepositScalingFactor
                        | DelegationError::FullySlashed { .. }
                )
            )
        };
        // A pool pays out at most its total shares (EigenLayer's `StrategyBase.withdraw`
        // reverts `WithdrawalAmountExceedsTotalDeposits`). Slashes can double count rounding
        // dust in the queue (`queue_over`), so a claim can exceed what is left of a pool.
        let exceeds_total: fn(&Error) -> bool = |e| {
            matches!(
                e,
                Error::Pool(PoolError::WithdrawalAmountExceedsTotalDeposits { .. })
            )
        };
        let beyond_pool =
            |st: &Address, shares: U256| shares > s.pool(st).unwrap().unwrap().total_shares;
        let buckets_beyond_pool = |set: &OperatorSet, id: u64, only: Option<&Address>| {
            s.slash_buckets().unwrap().iter().any(|b| {
                b.operator_set == *set
                    && b.slash_id == id
                    && only.is_none_or(|st| b.strategy == *st)
                    && beyond_pool(&b.strategy, b.shares)
            })
        };
        match (op, action) {
            (Op::Deposit { who, pool, amount }, _) => {
                let p = s.pool(&strategy(*pool)).unwrap().unwrap();
                let bal = s.balance_of(&token(*pool), &actor(*who)).unwrap();
                let op_ok = match s.delegated_to(&actor(*who)).unwrap() {
                    None => true,
                    Some(o) => s.max_magnitude(&o, &strategy(*pool)).unwrap() > 0,
                };
                let valid = !amount.is_zero()
                    && *amount <= bal
                    && !p.underlying_to_shares(*amount).unwrap().is_zero()
                    && op_ok;
                valid.then_some(dsf_only)
            }
            (Op::Donate { who, pool, amount }, _) => {
                let bal = s.balance_of(&token(*pool), &actor(*who)).unwrap();
                (!amount.is_zero() && *amount <= bal).then_some(none)
            }
            (Op::Delegate { who, op }, _) => {
                let staker = actor(*who);
                let valid = *op < N_OPS
                    && s.delegated_to(&staker).unwrap().is_none()
                    && (0..3).all(|p| {
                        s.deposit_shares(&staker, &strategy(p)).unwrap().is_zero()
                            || s.max_magnitude(&operator(*op), &strategy(p)).unwrap() > 0
                    });
                valid.then_some(none)
            }
            (Op::Undelegate { who, .. }, Action::Undelegate { staker }) => {
                let d = s.delegated_to(staker).unwrap();
                let valid =
                    *who < STAKERS.len() && d.is_some() && (sender == *staker || Some(sender) == d);
                valid.then_some(none)
            }
            (Op::Redelegate { who, op }, _) => {
                let valid = *op < N_OPS && s.delegated_to(&actor(*who)).unwrap().is_some();
                valid.then_some(none)
            }
            (Op::Queue { who, .. }, Action::QueueWithdrawals { params }) => {
                let p = &params[0];
                let distinct: BTreeSet<_> = p.strategies.iter().collect();
                let valid = distinct.len() == p.strategies.len()
                    && p.strategies.iter().zip(&p.deposit_shares).all(|(st, x)| {
                        !x.is_zero() && *x <= s.deposit_shares(&actor(*who), st).unwrap()
                    });
                valid.then_some(none)
            }
            (
                Op::Complete { who, as_tokens, .. },
                Action::CompleteQueuedWithdrawal {
                    withdrawal_root, ..
                },
            ) => {
                let w = s.queued_withdrawal(withdrawal_root).unwrap()?;
                let d = s.params_for_test().min_withdrawal_delay_blocks;
                let valid = w.staker == actor(*who) && now > w.start_block + d;
                let too_much = w.strategies.iter().zip(&w.scaled_shares).any(|(st, q)| {
                    let m = if w.delegated_to.is_zero() {
                        WAD
                    } else {
                        U256::from(
                            s.max_magnitude_at(&w.delegated_to, st, w.start_block + d)
                                .unwrap(),
                        )
                    };
                    beyond_pool(st, mul_wad(*q, m).unwrap())
                });
                valid.then_some(if !*as_tokens {
                    dsf_or_fully_slashed
                } else if too_much {
                    exceeds_total
                } else {
                    none
                })
            }
            (Op::Register { op, set }, _) => {
                let valid = !s
                    .is_operator_slashable(&operator(*op), &set_of(*set), now)
                    .unwrap();
                valid.then_some(none)
            }
            (Op::Deregister { op, set, .. }, _) => {
                let valid = s
                    .registration(&operator(*op), &set_of(*set))
                    .unwrap()
                    .registered;
                valid.then_some(none)
            }
            (Op::ClearQueue { .. }, _) => Some(none),
            (
                Op::Slash { .. },
                Action::SlashOperator {
                    operator: o,
                    operator_set_id,
                    strategies,
                    wads_to_slash,
                    ..
                },
            ) => {
                let set = OperatorSet::new(sender, *operator_set_id);
                let set_strategies: Vec<Address> = SETS[set_index(&set).unwrap()]
                    .2
                    .iter()
                    .map(|p| strategy(*p))
                    .collect();
                let valid = s.is_operator_slashable(o, &set, now).unwrap()
                    && strategies.windows(2).all(|w| w[0] < w[1])
                    && strategies.iter().all(|st| set_strategies.contains(st))
                    && wads_to_slash.iter().all(|w| !w.is_zero() && *w <= WAD);
                valid.then_some(none)
            }
            (
                Op::ClearBurn { .. },
                Action::ClearBurnOrRedistributableShares {
                    avs,
                    operator_set_id,
                    slash_id,
                },
            ) => {
                let os = OperatorSet::new(*avs, *operator_set_id);
                let set = set_index(&os).unwrap();
                let valid = self
                    .model
                    .buckets
                    .iter()
                    .any(|(b_set, id, _)| *b_set == set && id == slash_id);
                valid.then_some(if buckets_beyond_pool(&os, *slash_id, None) {
                    exceeds_total
                } else {
                    none
                })
            }
            (
                Op::ClearBurn { .. },
                Action::ClearBurnOrRedistributableSharesByStrategy {
                    avs,
                    operator_set_id,
                    slash_id,
                    strategy: st,
                },
            ) => {
                let os = OperatorSet::new(*avs, *operator_set_id);
                let set = set_index(&os).unwrap();
                let valid = self.model.buckets.contains(&(set, *slash_id, *st));
                valid.then_some(if buckets_beyond_pool(&os, *slash_id, Some(st)) {
                    exceeds_total
                } else {
                    none
                })
            }
            _ => None,
        }
    }

    fn apply_events(&mut self, events: &[Event]) -> Result<(), TestCaseError> {
        for e in events {
            match e {
                Event::SlashingWithdrawalQueued {
                    withdrawal_root,
                    withdrawal,
                    ..
                } => {
                    let Some(a) = actor_index(&withdrawal.staker) else {
                        return Err(TestCaseError::fail("withdrawal queued for a stranger"));
                    };
                    self.model.pending[a].push(*withdrawal_root);
                }
                Event::SlashingWithdrawalCompleted { withdrawal_root } => {
                    let mut found = false;
                    for list in &mut self.model.pending {
                        if let Some(i) = list.iter().position(|r| r == withdrawal_root) {
                            list.remove(i);
                            found = true;
                        }
                    }
                    check!(found, "completed a withdrawal the model never saw queued");
                }
                Event::BurnOrRedistributableSharesIncreased {
                    operator_set,
                    slash_id,
                    strategy,
                    shares,
                } => {
                    let set = set_index(operator_set).unwrap();
                    check!(!shares.is_zero(), "an empty slash bucket was filed");
                    check!(
                        self.model.buckets.insert((set, *slash_id, *strategy)),
                        "slash bucket filed twice"
                    );
                }
                Event::BurnOrRedistributableSharesDecreased {
                    operator_set,
                    slash_id,
                    strategy: st,
                    shares,
                    recipient,
                    amount,
                } => {
                    let set = set_index(operator_set).unwrap();
                    check!(
                        self.model.buckets.remove(&(set, *slash_id, *st)),
                        "flushed a bucket the model never saw filed"
                    );
                    check_eq!(
                        *recipient,
                        DEFAULT_BURN_ADDRESS,
                        "sets without a recipient burn",
                    );
                    let p = pool_index(st).unwrap();
                    self.model.burned[p] += *amount;
                    self.model.flushed[p] += *shares;
                }
                Event::OperatorSlashed { operator_set, .. } => {
                    let set = set_index(operator_set).unwrap();
                    self.model.slash_count[set] += 1;
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Updates the model for an action that succeeded.
    fn apply_success(
        &mut self,
        op: &Op,
        sender: Address,
        action: &Action,
    ) -> Result<(), TestCaseError> {
        let now = self.chain.block.number;
        match (op, action) {
            (Op::Donate { pool, amount, .. }, _) => self.model.donated[*pool] += *amount,
            (Op::Delegate { who, op }, _) => {
                check!(
                    self.model.delegated[*who].is_none(),
                    "a delegated staker delegated again"
                );
                self.model.delegated[*who] = Some(operator(*op));
            }
            (Op::Undelegate { who, .. }, _) => {
                check!(
                    *who < STAKERS.len(),
                    "operator {} undelegated (by {sender})",
                    actor(*who)
                );
                self.model.delegated[*who] = None;
            }
            (Op::Redelegate { who, op }, _) => {
                check!(*op < N_OPS, "redelegated to a non-operator");
                self.model.delegated[*who] = Some(operator(*op));
            }
            (Op::Register { op, set }, _) => {
                self.model.registration.insert((*op, *set), (true, 0));
            }
            (Op::Deregister { op, set, .. }, _) => {
                let d = self.chain.state.params_for_test().deallocation_delay;
                self.model
                    .registration
                    .insert((*op, *set), (false, now + d));
            }
            _ => {}
        }
        Ok(())
    }

    fn check_invariants(&mut self) -> Result<(), TestCaseError> {
        let c = &self.chain;
        let s = &c.state;
        let now = c.block.number;
        let d = s.params_for_test().min_withdrawal_delay_blocks;

        // Ledger: the sum of balances is the supply, which only burns of slashed funds reduce.
        for p in 0..3 {
            let info = s.token(&token(p)).unwrap().unwrap();
            let sum: U256 = self
                .holders
                .iter()
                .map(|h| s.balance_of(&token(p), h).unwrap())
                .sum();
            check_eq!(
                sum,
                info.total_supply,
                "sum of {} balances vs total supply",
                SYMBOLS[p],
            );
            check_eq!(
                info.total_supply,
                self.genesis_supply[p] - self.model.burned[p],
                "{} supply vs genesis minus burned",
                SYMBOLS[p],
            );
            check_eq!(
                s.balance_of(&token(p), &DEFAULT_BURN_ADDRESS).unwrap(),
                U256::ZERO,
                "burned tokens left at the burn address",
            );
        }

        // Withdrawable shares and pending payouts, per actor and pool.
        let mut withdrawable = [[U256::ZERO; 3]; N_ACTORS];
        let mut payouts = [[U256::ZERO; 3]; N_ACTORS];
        for a in 0..N_ACTORS {
            let who = actor(a);
            let op = s.delegated_to(&who).unwrap();
            check_eq!(op, self.model.delegated[a], "delegation of {who}");
            let list = s.staker_strategies(&who).unwrap();
            check!(list.len() <= 32, "{who} holds more than 32 strategies");
            let distinct: BTreeSet<_> = list.iter().collect();
            check!(
                distinct.len() == list.len(),
                "{who}'s strategy list repeats"
            );
            for p in 0..3 {
                let st = strategy(p);
                let dep = s.deposit_shares(&who, &st).unwrap();
                check!(
                    dep.is_zero() != list.contains(&st),
                    "{who}'s strategy list disagrees with its {} shares {dep}",
                    SYMBOLS[p]
                );
                let k = s.deposit_scaling_factor(&who, &st).unwrap();
                if dep.is_zero() {
                    check_eq!(k, WAD, "scaling factor of an empty position");
                }
                let sf = match op {
                    None => WAD,
                    Some(o) => U256::from(s.max_magnitude(&o, &st).unwrap()),
                };
                let w = s.withdrawable_shares(&who, &st).unwrap();
                check_eq!(
                    w,
                    shares::calc_withdrawable(k, dep, sf).unwrap(),
                    "withdrawable == s * k * sf",
                );
                withdrawable[a][p] = w;
            }
            let roots = s.queued_withdrawal_roots(&who).unwrap();
            check_eq!(
                &roots,
                &self.model.pending[a],
                "pending withdrawals of {who}",
            );
            let views = restake_core::delegation::queued_withdrawals(s, &who, now).unwrap();
            check_eq!(views.len(), roots.len(), "queued withdrawal views of {who}");
            for (root, view) in roots.iter().zip(&views) {
                let w = s.queued_withdrawal(root).unwrap();
                check!(w.is_some(), "listed root {root} has no withdrawal");
                let w = w.unwrap();
                check_eq!(view.withdrawal_root, *root, "view root");
                check_eq!(
                    view.completable_at_block,
                    w.start_block + d + 1,
                    "view completable block"
                );
                check_eq!(w.root(), *root, "stored withdrawal hashes to its root");
                check_eq!(w.staker, who, "withdrawal staker");
                check_eq!(w.withdrawer, who, "withdrawal withdrawer");
                check!(w.start_block <= now, "withdrawal starts in the future");
                // Shares paid: `q * m` with the queue-time operator's max magnitude at the end
                // of the slashable window (or now, while the window is open).
                let at = now.min(w.start_block + d);
                let expected: Vec<U256> = w
                    .strategies
                    .iter()
                    .zip(&w.scaled_shares)
                    .map(|(st, q)| {
                        let sf = if w.delegated_to.is_zero() {
                            WAD
                        } else {
                            U256::from(s.max_magnitude_at(&w.delegated_to, st, at).unwrap())
                        };
                        mul_wad(*q, sf).unwrap()
                    })
                    .collect();
                for (st, paid) in w.strategies.iter().zip(&expected) {
                    payouts[a][pool_index(st).unwrap()] += *paid;
                }
                check_eq!(&view.shares, &expected, "view payout of {root}");
            }
        }

        // Pools: ledger balance = accounted balance + donations; accounted balance covers the
        // value of every share; the claims on a pool never exceed its shares.
        let buckets = s.slash_buckets().unwrap();
        let model_buckets: BTreeSet<_> = buckets
            .iter()
            .map(|b| (set_index(&b.operator_set).unwrap(), b.slash_id, b.strategy))
            .collect();
        check_eq!(&model_buckets, &self.model.buckets, "pending slash buckets");
        for p in 0..3 {
            let st = strategy(p);
            let pool = s.pool(&st).unwrap().unwrap();
            let ledger = s.balance_of(&token(p), &st).unwrap();
            check_eq!(
                ledger,
                pool.balance + self.model.donated[p],
                "{} pool ledger balance vs accounted + donated",
                SYMBOLS[p],
            );
            let value = pool.shares_to_underlying(pool.total_shares).unwrap();
            check!(
                pool.balance >= value,
                "{} pool holds {} but its {} shares are worth {value}",
                SYMBOLS[p],
                pool.balance,
                pool.total_shares
            );
            // Deposit shares are not reduced by slashing (the slashing factor is), while the
            // pool burns the slashed shares when a bucket is flushed: so the bound on the
            // deposit shares is the pool's shares plus those burned from buckets. The difference
            // is what queued and completed withdrawals removed (payouts never exceed the
            // deposit shares queued, because `k * m <= 1` holds for every delegated position).
            let deposits: U256 = (0..N_ACTORS).map(|a| deposit_shares_of(c, a, p)).sum();
            check!(
                deposits <= pool.total_shares + self.model.flushed[p],
                "{} deposit shares {deposits} exceed pool total shares {} plus the {} shares \
                 burned by slashing",
                SYMBOLS[p],
                pool.total_shares,
                self.model.flushed[p]
            );
            let in_buckets: U256 = buckets
                .iter()
                .filter(|b| b.strategy == st)
                .map(|b| b.shares)
                .sum();
            // Every share of the pool is accounted for exactly, on the operators' side: each
            // operation moves shares between operator shares (which cover their delegators'
            // withdrawable shares plus rounding dust), undelegated positions (`k = WAD`, so
            // withdrawable = deposit shares), queued payouts, slash buckets and the pool, one for
            // one (a queued withdrawal pays `floor(q * m)`, exactly what the operator gave up;
            // the operator's part of a slash is exactly what its shares lose). The one exception
            // is the queue's part of a slash, which rounds the window's sum and not each
            // withdrawal (`queue_over`/`queue_under`, bounded per slash in `check_exact`).
            let undelegated: U256 = (0..N_ACTORS)
                .filter(|a| self.model.delegated[*a].is_none())
                .map(|a| withdrawable[a][p])
                .sum();
            let operators: U256 = (0..N_OPS)
                .map(|o| s.operator_shares(&operator(o), &st).unwrap())
                .sum();
            let queued: U256 = (0..N_ACTORS).map(|a| payouts[a][p]).sum();
            check_eq!(
                operators + undelegated + queued + in_buckets + self.model.queue_under[p],
                pool.total_shares + self.model.queue_over[p],
                "{} operator shares {operators} + undelegated {undelegated} + queued payouts \
                 {queued} + slash buckets {in_buckets} + queue slashed short {} vs pool total \
                 shares + queue slashed over {}",
                SYMBOLS[p],
                self.model.queue_under[p],
                self.model.queue_over[p]
            );
            // Hence (operator shares cover their delegators) the claims on a pool exceed its
            // shares by at most what slashes double counted in the queue. EigenLayer has the
            // same excess: its Certora no-overslashing rules (`AllocationManagerRules.spec`)
            // leave the queue out "due to known rounding issues in the computation of
            // DelegationManager.getSlashableSharesInQueue()".
            let claims: U256 = (0..N_ACTORS)
                .map(|a| withdrawable[a][p] + payouts[a][p])
                .sum::<U256>()
                + in_buckets;
            check!(
                claims <= pool.total_shares + self.model.queue_over[p],
                "{} claims {claims} (withdrawable + queued payouts + slash buckets {in_buckets}) \
                 exceed pool total shares {} plus the {} shares slashes double counted in the \
                 queue",
                SYMBOLS[p],
                pool.total_shares,
                self.model.queue_over[p]
            );
            // No actor ends up with more than it started with, beyond rounding dust.
            let dust = U256::from(4 * (self.model.executed + 1));
            for a in 0..N_ACTORS {
                let who = actor(a);
                let value = s.balance_of(&token(p), &who).unwrap()
                    + pool
                        .shares_to_underlying(withdrawable[a][p] + payouts[a][p])
                        .unwrap();
                check!(
                    value <= eth(INITIAL) + dust,
                    "{who} holds {value} of {} in tokens and claims, more than the {} it had",
                    SYMBOLS[p],
                    eth(INITIAL)
                );
            }
        }

        // Operators: self-delegated, shares cover their delegators, magnitudes consistent.
        check_eq!(
            (0..3)
                .map(|p| s.operator_shares(&Address::ZERO, &strategy(p)).unwrap())
                .sum::<U256>(),
            U256::ZERO,
            "the zero address has no operator shares",
        );
        let dealloc_delay = s.params_for_test().deallocation_delay;
        for o in 0..N_OPS {
            let op = operator(o);
            check!(
                s.is_operator(&op).unwrap(),
                "{op} stopped being an operator"
            );
            let allocs = s.allocations_of(&op).unwrap();
            for p in 0..3 {
                let st = strategy(p);
                let op_shares = s.operator_shares(&op, &st).unwrap();
                let delegated: U256 = (0..N_ACTORS)
                    .filter(|a| self.model.delegated[*a] == Some(op))
                    .map(|a| withdrawable[a][p])
                    .sum();
                check!(
                    op_shares >= delegated,
                    "{op} has {op_shares} {} operator shares but its delegators can withdraw \
                     {delegated}",
                    SYMBOLS[p]
                );

                let max = s.max_magnitude(&op, &st).unwrap();
                check!(max <= WAD_U64, "max magnitude {max} above WAD");
                let prev_max = self.model.max_mag.insert((o, p), max).unwrap_or(WAD_U64);
                check!(
                    max <= prev_max,
                    "max magnitude rose from {prev_max} to {max}"
                );
                let history = s.max_magnitude_history(&op, &st).unwrap();
                let entries = history.entries();
                if let Some(first) = entries.first() {
                    check!(first.value <= WAD, "first max magnitude above WAD");
                }
                for pair in entries.windows(2) {
                    check!(
                        pair[0].key < pair[1].key && pair[0].value >= pair[1].value,
                        "max magnitude history out of order: {pair:?}"
                    );
                }
                if let Some(last) = entries.last() {
                    check!(last.key <= now, "max magnitude history in the future");
                    check_eq!(last.value, U256::from(max), "latest max magnitude");
                }
                check_eq!(
                    s.max_magnitude_at(&op, &st, now).unwrap(),
                    max,
                    "max magnitude now vs at this block",
                );

                let cumulative = s.cumulative_scaled_shares_at(&op, &st, u32::MAX).unwrap();
                let prev = self
                    .model
                    .cumulative
                    .insert((o, p), cumulative)
                    .unwrap_or_default();
                check!(
                    cumulative >= prev,
                    "cumulative scaled shares fell from {prev} to {cumulative}"
                );
                check_eq!(
                    s.cumulative_scaled_shares_at(&op, &st, now).unwrap(),
                    cumulative,
                    "cumulative scaled shares recorded beyond the current block",
                );

                // Spec §12.2 invariants 11, 12 and 14, on the stored values.
                let enc = s.stored_encumbered(&op, &st).unwrap();
                let mut sum = 0u64;
                for (set, _, a) in allocs.iter().filter(|(_, x, _)| *x == st) {
                    check!(set_index(set).is_some(), "allocation to unknown set {set}");
                    check!(
                        a.current_magnitude <= max,
                        "current magnitude {} above max {max} ({set})",
                        a.current_magnitude
                    );
                    let after = i128::from(a.current_magnitude) + a.pending_diff;
                    check!(
                        (0..=i128::from(WAD_U64)).contains(&after),
                        "current + pending = {after} out of [0, WAD] ({set})"
                    );
                    check!(
                        a.effect_block != 0 || a.pending_diff == 0,
                        "pending change without an effect block: {a:?}"
                    );
                    sum += a.current_magnitude + u64::try_from(a.pending_diff.max(0)).unwrap();
                }
                check_eq!(
                    enc,
                    sum,
                    "{op} {} encumbered vs sum of current and positive pending",
                    SYMBOLS[p],
                );
                check!(enc <= max, "encumbered {enc} above max {max}");
                let free = allocation::allocatable_magnitude(s, &op, &st, now).unwrap();
                check!(free <= max, "allocatable {free} above max {max}");
                let queue = s.deallocation_queue(&op, &st).unwrap();
                let distinct: BTreeSet<_> = queue.iter().collect();
                check!(
                    distinct.len() == queue.len(),
                    "deallocation queue repeats a set"
                );
                let mut last_effect = 0;
                for set in &queue {
                    let a = s.stored_allocation(&op, set, &st).unwrap();
                    check!(
                        a.pending_diff <= 0,
                        "queued deallocation with positive pending {a:?}"
                    );
                    check!(
                        a.effect_block <= now + dealloc_delay + 1,
                        "deallocation effective too late: {a:?}"
                    );
                    if a.effect_block != 0 {
                        check!(
                            a.effect_block >= last_effect,
                            "deallocation queue out of order"
                        );
                        last_effect = a.effect_block;
                    }
                }
            }

            for set in 0..SETS.len() {
                let reg = s.registration(&op, &set_of(set)).unwrap();
                let (registered, until) = self
                    .model
                    .registration
                    .get(&(o, set))
                    .copied()
                    .unwrap_or((false, 0));
                check_eq!(reg.registered, registered, "registration");
                check_eq!(reg.slashable_until, until, "slashable until");
                let members = s.members(&set_of(set)).unwrap();
                check_eq!(
                    members.contains(&op),
                    registered,
                    "membership vs registration",
                );
            }
        }
        for set in 0..SETS.len() {
            let info = s.operator_set(&set_of(set)).unwrap().unwrap();
            check_eq!(info.slash_count, self.model.slash_count[set], "slash count");
            check_eq!(
                info.member_count,
                s.members(&set_of(set)).unwrap().len() as u64,
                "member count",
            );
        }
        Ok(())
    }
}

/// The exact effects of a successful operation on balances, pools and shares.
fn check_effects(
    op: &Op,
    action: &Action,
    before: &Snap,
    after: &Snap,
    model: &Model,
) -> Result<(), TestCaseError> {
    let untouched_funds = |what: &str| -> Result<(), TestCaseError> {
        check_eq!(&after.balances, &before.balances, "{what}: balances",);
        check_eq!(
            &after.pool_ledger,
            &before.pool_ledger,
            "{what}: pool ledger",
        );
        check_eq!(&after.pools, &before.pools, "{what}: pools");
        Ok(())
    };
    match op {
        Op::Deposit { who, pool, amount } => {
            let p = *pool;
            check_eq!(
                after.balances[*who][p],
                before.balances[*who][p] - *amount,
                "deposit: payer balance",
            );
            check_eq!(
                after.pool_ledger[p],
                before.pool_ledger[p] + *amount,
                "deposit: pool ledger",
            );
            check_eq!(
                after.pools[p].balance,
                before.pools[p].balance + *amount,
                "deposit: pool balance",
            );
            let minted = after.pools[p].total_shares - before.pools[p].total_shares;
            check!(!minted.is_zero(), "deposit minted no shares");
            check_eq!(
                after.deposit[*who][p],
                before.deposit[*who][p] + minted,
                "deposit: staker shares grow by the shares minted",
            );
            check_eq!(
                minted,
                before.pools[p].underlying_to_shares(*amount).unwrap(),
                "deposit: shares minted at the pool's rate",
            );
            if let Some(o) = model.delegated[*who].and_then(|o| operator_index(&o)) {
                check_eq!(
                    after.op_shares[o][p],
                    before.op_shares[o][p] + minted,
                    "deposit: operator shares grow by the shares minted",
                );
            }
        }
        Op::Donate { pool, amount, .. } => {
            check_eq!(
                after.pool_ledger[*pool],
                before.pool_ledger[*pool] + *amount,
                "donation reaches the pool address",
            );
            check_eq!(
                &after.pools,
                &before.pools,
                "donation leaves the pools' books",
            );
        }
        Op::Delegate { who, op } => {
            untouched_funds("delegate")?;
            for p in 0..3 {
                check_eq!(
                    after.op_shares[*op][p],
                    before.op_shares[*op][p] + before.deposit[*who][p],
                    "delegation moves exactly the deposit shares",
                );
            }
        }
        Op::Undelegate { who, .. } | Op::Redelegate { who, .. } => {
            untouched_funds("undelegate")?;
            let held = before.deposit[*who].iter().filter(|x| !x.is_zero()).count();
            check_eq!(
                after.pending[*who],
                before.pending[*who] + held,
                "undelegation queues one withdrawal per strategy held",
            );
            check_eq!(
                after.deposit[*who],
                [U256::ZERO; 3],
                "undelegation leaves no deposit shares",
            );
        }
        Op::Queue { who, .. } => {
            untouched_funds("queue")?;
            let Action::QueueWithdrawals { params } = action else {
                unreachable!()
            };
            for (st, x) in params[0].strategies.iter().zip(&params[0].deposit_shares) {
                let p = pool_index(st).unwrap();
                check_eq!(
                    after.deposit[*who][p],
                    before.deposit[*who][p] - *x,
                    "queue removes exactly the deposit shares asked",
                );
            }
            check_eq!(
                after.pending[*who],
                before.pending[*who] + 1,
                "queue adds one withdrawal",
            );
        }
        Op::Complete { who, as_tokens, .. } => {
            check_eq!(
                after.pending[*who] + 1,
                before.pending[*who],
                "completion removes one withdrawal",
            );
            if *as_tokens {
                check_eq!(
                    after.deposit,
                    before.deposit,
                    "completion as tokens: shares",
                );
                for p in 0..3 {
                    let paid = before.pools[p].balance - after.pools[p].balance;
                    check_eq!(
                        after.balances[*who][p],
                        before.balances[*who][p] + paid,
                        "completion as tokens pays what leaves the pool",
                    );
                    check_eq!(
                        after.pool_ledger[p],
                        before.pool_ledger[p] - paid,
                        "completion as tokens: pool ledger",
                    );
                    check!(
                        after.pools[p].total_shares <= before.pools[p].total_shares,
                        "completion as tokens minted shares"
                    );
                }
            } else {
                untouched_funds("completion as shares")?;
                for p in 0..3 {
                    check!(
                        after.deposit[*who][p] >= before.deposit[*who][p],
                        "completion as shares removed deposit shares"
                    );
                }
            }
        }
        Op::Slash { .. } => {
            untouched_funds("slash")?;
            check_eq!(after.deposit, before.deposit, "slash leaves deposit shares");
            for o in 0..N_OPS {
                for p in 0..3 {
                    check!(
                        after.op_shares[o][p] <= before.op_shares[o][p],
                        "slash increased operator shares"
                    );
                    check!(
                        after.max_mag[o][p] <= before.max_mag[o][p],
                        "slash increased a max magnitude"
                    );
                }
            }
        }
        Op::ClearBurn { .. } => {
            check_eq!(after.deposit, before.deposit, "flush leaves deposit shares");
            check_eq!(
                after.op_shares,
                before.op_shares,
                "flush leaves operator shares",
            );
            check_eq!(
                after.balances,
                before.balances,
                "flush leaves actor balances",
            );
        }
        Op::CompleteAll { who, .. } => {
            let Action::CompleteQueuedWithdrawals {
                withdrawal_roots, ..
            } = action
            else {
                unreachable!()
            };
            check_eq!(
                after.pending[*who] + withdrawal_roots.len(),
                before.pending[*who],
                "batch completion removes every withdrawal it names",
            );
        }
        Op::Register { .. }
        | Op::Deregister { .. }
        | Op::Allocate { .. }
        | Op::ClearQueue { .. }
        | Op::SetDelay { .. } => {
            untouched_funds("allocation bookkeeping")?;
            check_eq!(after.deposit, before.deposit, "allocation: deposit shares");
            check_eq!(
                after.op_shares,
                before.op_shares,
                "allocation: operator shares",
            );
            check_eq!(after.max_mag, before.max_mag, "allocation: max magnitudes");
        }
        Op::Advance { .. } => {}
    }
    Ok(())
}

/// Test-side access to the protocol parameters.
trait ParamsForTest {
    fn params_for_test(&self) -> restake_core::config::Params;
}

impl ParamsForTest for restake_core::state::MemoryState {
    fn params_for_test(&self) -> restake_core::config::Params {
        restake_core::config::ConfigRead::params(self).unwrap()
    }
}

// ------------------------------------------------------------------------------------------------
// The properties.

fn config(default_cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default_cases);
    ProptestConfig {
        cases,
        max_shrink_iters: 4096,
        ..ProptestConfig::default()
    }
}

fn run(scenario: &Scenario) -> Result<(), TestCaseError> {
    let mut sim = Sim::new(&scenario.delays);
    sim.check_invariants()?;
    for (i, op) in scenario.ops.iter().enumerate() {
        sim.step(op)
            .map_err(|e| TestCaseError::fail(format!("step {i} ({op:?}): {e}")))?;
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn random_operation_sequences_keep_every_invariant(case in scenario(100, false)) {
        run(&case)?;
    }
}

proptest! {
    #![proptest_config(config(48))]

    #[test]
    fn random_sequences_of_wei_sized_amounts_keep_every_invariant(case in scenario(90, true)) {
        run(&case)?;
    }
}

proptest! {
    #![proptest_config(config(24))]

    #[test]
    fn the_same_operations_on_two_fresh_chains_give_identical_states(case in scenario(60, false)) {
        let mut a = world(&case.delays);
        let mut b = world(&case.delays);
        prop_assert_eq!(&a.state, &b.state);
        for op in &case.ops {
            match (resolve(&a, op), resolve(&b, op)) {
                (Step::Advance(x), Step::Advance(y)) => {
                    prop_assert_eq!(x, y);
                    a.advance(x);
                    b.advance(y);
                }
                (Step::Exec(sa, xa), Step::Exec(sb, xb)) => {
                    prop_assert_eq!(sa, sb);
                    prop_assert_eq!(&xa, &xb);
                    let ra = a.exec(sa, xa);
                    let rb = b.exec(sb, xb);
                    prop_assert_eq!(ra, rb);
                }
                _ => prop_assert!(false, "the same operation resolved differently"),
            }
            prop_assert_eq!(&a.state, &b.state);
            prop_assert_eq!(a.block, b.block);
        }
    }
}

// ------------------------------------------------------------------------------------------------
// Fixed sequences that exercise the paths random search reaches least often.

#[test]
fn a_scripted_slash_and_exit_sequence_keeps_every_invariant() {
    use Op::*;
    let ops = vec![
        Deposit {
            who: 0,
            pool: 0,
            amount: eth(100),
        },
        Deposit {
            who: 1,
            pool: 0,
            amount: U256::from(1),
        },
        Deposit {
            who: 5,
            pool: 0,
            amount: eth(7),
        },
        Delegate { who: 0, op: 0 },
        Delegate { who: 1, op: 0 },
        Register { op: 0, set: 0 },
        Allocate {
            op: 0,
            set: 0,
            parts: vec![(0, Mag::PerMille(600))],
            member: false,
        },
        Advance { blocks: 4 },
        Queue {
            who: 0,
            parts: vec![(0, Frac::PerMille(250))],
            held: true,
        },
        Slash {
            op: 0,
            set: 0,
            pick: 0,
            slashable: false,
            parts: vec![(0, Wad::PerMille(500))],
            sorted: true,
        },
        Allocate {
            op: 0,
            set: 0,
            parts: vec![(0, Mag::Halve)],
            member: true,
        },
        Slash {
            op: 0,
            set: 0,
            pick: 0,
            slashable: false,
            parts: vec![(0, Wad::Full)],
            sorted: true,
        },
        Donate {
            who: 2,
            pool: 0,
            amount: eth(3),
        },
        ClearBurn {
            set: 0,
            back: 1,
            pick: 0,
            pending: false,
            by_strategy: false,
        },
        ClearBurn {
            set: 0,
            back: 0,
            pick: 0,
            pending: false,
            by_strategy: true,
        },
        Advance { blocks: 11 },
        ClearQueue {
            op: 0,
            pool: 0,
            n: 1,
        },
        Complete {
            who: 0,
            pick: 0,
            pending: false,
            as_tokens: true,
        },
        Redelegate { who: 1, op: 1 },
        Advance { blocks: 11 },
        Complete {
            who: 1,
            pick: 0,
            pending: false,
            as_tokens: false,
        },
        Undelegate {
            who: 0,
            by_operator: true,
        },
        Advance { blocks: 11 },
        Complete {
            who: 0,
            pick: 0,
            pending: false,
            as_tokens: true,
        },
    ];
    let mut sim = Sim::new(&[0, 1, 2]);
    sim.check_invariants().unwrap();
    let mut failures = 0;
    for (i, op) in ops.iter().enumerate() {
        let before = sim.chain.state.clone();
        if let Err(e) = sim.step(op) {
            panic!("step {i} ({op:?}): {e}");
        }
        if sim.chain.state == before && !matches!(op, Advance { .. }) {
            failures += 1;
        }
    }
    // Every scripted operation is valid: all of them change the state.
    assert_eq!(failures, 0);
    // The two slashes went somewhere: both buckets were filed and flushed as burns.
    assert_eq!(sim.model.slash_count[0], 2);
    assert!(sim.model.buckets.is_empty());
    assert!(!sim.model.burned[0].is_zero());
    assert!(sim.model.pending.iter().all(Vec::is_empty));
}

/// A full slash of a queue split into two withdrawals files one share more than the pool holds:
/// the deposit of 15 at `m = WAD - 1` (`k = WAD + 1`) credits the operator 15 while the staker
/// can withdraw 14; queueing 1 then 14 deposit shares takes `floor(1 * m) = 0` and
/// `floor(14 * m) = 13` from the operator, which keeps 2, and the queue's part of the slash is
/// `floor(15 * m) = 14` where the withdrawals only lose 13. EigenLayer files `2 + 14 = 16` of the
/// pool's 15 shares the same way, and its pool refuses to burn them until it holds 16.
#[test]
fn a_full_slash_of_a_split_queue_double_counts_its_rounding() {
    use Op::*;
    let one = U256::from(1);
    let ops = vec![
        Delegate { who: 3, op: 0 },
        Deposit {
            who: 7,
            pool: 0,
            amount: WAD,
        },
        Register { op: 1, set: 2 },
        Allocate {
            op: 1,
            set: 0,
            parts: vec![(2, Mag::Full)],
            member: true,
        },
        Deposit {
            who: 2,
            pool: 0,
            amount: one,
        },
        Redelegate { who: 3, op: 1 },
        Slash {
            op: 0,
            set: 0,
            pick: 0,
            slashable: true,
            parts: vec![(2, Wad::One)],
            sorted: false,
        },
        Deposit {
            who: 1,
            pool: 0,
            amount: one,
        },
        Delegate { who: 1, op: 0 },
        Deposit {
            who: 3,
            pool: 2,
            amount: U256::from(15),
        },
        Deposit {
            who: 4,
            pool: 0,
            amount: one,
        },
        Deposit {
            who: 5,
            pool: 0,
            amount: one,
        },
        Queue {
            who: 2,
            parts: vec![(0, Frac::One)],
            held: true,
        },
        Undelegate {
            who: 1,
            by_operator: false,
        },
        Redelegate { who: 3, op: 0 },
        Slash {
            op: 0,
            set: 0,
            pick: 0,
            slashable: true,
            parts: vec![(2, Wad::Full)],
            sorted: false,
        },
    ];
    let mut sim = Sim::new(&[0, 0, 0]);
    sim.check_invariants().unwrap();
    for (i, op) in ops.iter().enumerate() {
        if let Err(e) = sim.step(op) {
            panic!("step {i} ({op:?}): {e}");
        }
    }
    let cbeth = strategy(2);
    let bucket = |sim: &Sim| -> Vec<U256> {
        sim.chain
            .state
            .slash_buckets()
            .unwrap()
            .iter()
            .filter(|b| b.strategy == cbeth)
            .map(|b| b.shares)
            .collect()
    };
    let total = |sim: &Sim| sim.chain.state.pool(&cbeth).unwrap().unwrap().total_shares;
    assert_eq!(bucket(&sim), vec![U256::from(16)]);
    assert_eq!(total(&sim), U256::from(15));
    assert_eq!(sim.model.queue_over[2], one);
    assert_eq!(sim.model.queue_under[2], U256::ZERO);

    // The pool cannot burn more shares than it has.
    let clear = ClearBurn {
        set: 2,
        back: 0,
        pick: 0,
        pending: true,
        by_strategy: false,
    };
    let before = sim.chain.state.clone();
    sim.step(&clear).unwrap();
    assert!(
        sim.chain.state == before,
        "the flush of 16 of 15 shares went through"
    );
    // Once someone else deposits, the flush goes through, and burns one of the new shares.
    sim.step(&Deposit {
        who: 0,
        pool: 2,
        amount: U256::from(5),
    })
    .unwrap();
    sim.step(&clear).unwrap();
    assert!(bucket(&sim).is_empty());
    assert_eq!(total(&sim), U256::from(4));
    assert_eq!(sim.model.flushed[2], U256::from(16));
}
