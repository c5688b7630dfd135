//! Model-based property test of rewards: random sequences of deposits, delegations,
//! undelegations, queued and completed withdrawals, allocation changes, AVS slashes, rewards
//! submissions (stake-weighted and operator-directed, two reward tokens, odd amounts and
//! multipliers, valid and invalid durations and start epochs), commission changes, recipients,
//! claims and time passing over epoch boundaries (landing on the last block of an epoch too).
//!
//! Next to the chain runs an independent model of what every earner is owed. It keeps its own
//! copy of the submissions, commission settings and claims, and at every epoch boundary, just
//! before the chain distributes, it reads the stake the other components report (slashable stake
//! from allocations, delegations, deposit shares and scaling factors) and credits every earner its
//! share as an exact rational number, in two readings of the rules:
//!
//! - **rules**: the operator-level amounts the rules define as integers (per-epoch slice,
//!   `pool = ⌊slice · w_o / W⌋`, commission `⌊pool · split / 10000⌋`, the rest to stakers), then
//!   each staker's exact share of that rest, `rest · m_s·stake(o,s) / w_o · x / X(o, s)`;
//! - **ideal**: everyone's exact share of the slice, with no rounding anywhere
//!   (`slice · w_o / W · split / 10000` for the operator, the complement for its stakers).
//!
//! After every step, per reward token:
//!
//! - the accounting identity holds exactly:
//!   `funded = paid + Σ accrued + Σ unsettled + dust + still to distribute`, with "still to
//!   distribute" recomputed by the model from the submissions' amounts and the epochs already
//!   past, and equal to the chain's `Σ (amount − distributed)`;
//! - `funded` and `paid` equal the model's sums of accepted submissions and of claims, and the
//!   escrow's balance in the asset ledger is exactly `funded − paid`;
//! - each index divides by the delegators' scaled shares: `X(o, s) = Σ x` over the stakers
//!   delegated to `o` now;
//! - an operator has earned (claimable plus claimed) exactly the sum of its commissions, never
//!   more than its ideal share;
//! - a staker has earned (claimable plus claimed) at most its exact rational share under the
//!   rules (rounding never favours the claimant), and at least that share less two units per
//!   credit and one per settlement (rounding loses only dust);
//! - at a distribution, an earner the model credits nothing (not delegated, joined after the
//!   epoch ended, or delegated to an operator with nothing slashable) gains nothing, and no one
//!   loses anything; every other action leaves every claimable amount as it was, except that a
//!   claim pays exactly what was claimable to the recipient: so a staker who joins after an epoch
//!   earns nothing from it;
//! - slashing lowers the operator's weight (the model reads slashable stake) and not the split
//!   between its delegators, so a slashed operator's delegators earn on what is left;
//! - a failed action changes nothing.
//!
//! The ideal reading is stricter than the rules: the commission is rounded down and the rest goes
//! to the stakers, so they can receive up to one unit per pool more than their exact share of the
//! slice.
//!
//! The same sequence run twice gives the same state. Set `PROPTEST_CASES` to run more.
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
use alloy_primitives::{Address, B256, U256, Uint};
use common::*;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use restake_core::allocation::{self, AllocateParams, AllocationRead, WAD_U64};
use restake_core::config::ConfigRead;
use restake_core::delegation::{DelegationRead, QueuedWithdrawalParams};
use restake_core::rewards::{
    self, OperatorReward, REWARDS_ESCROW, RewardsRead, StrategyAndMultiplier,
};
use restake_core::share_manager;
use restake_core::shares;
use restake_core::tokens::TokensRead;
use restake_core::{Action, Event};
use restake_primitives::{OperatorSet, WAD};

const AVS: Address = Address::repeat_byte(3);
const SET: OperatorSet = OperatorSet { avs: AVS, id: 1 };
/// Operators, in ascending address order.
const OPS: [Address; 2] = [Address::repeat_byte(2), Address::repeat_byte(4)];
const STAKERS: [u8; 4] = [10, 11, 12, 13];
const STAKES: [&str; 2] = ["stETH", "rETH"];
/// Reward tokens: one that is never staked, one that is.
const REWARDS: [&str; 2] = ["cbETH", "rETH"];
/// Where recipients point (never an earner).
const RECIPIENT: Address = Address::repeat_byte(0x77);
const NS: usize = STAKERS.len();
const NE: usize = STAKERS.len() + OPS.len();
const BIPS: u64 = 10_000;

// ------------------------------------------------------------------------------------------------
// Exact rationals, kept as fixed-point bounds with an exact fallback

/// Wide enough for a numerator (< 2^330 here) shifted by `FRAC_BITS`.
type Big = Uint<1024, 16>;
/// For the rare exact comparisons.
type Huge = Uint<8192, 128>;
const FRAC_BITS: usize = 256;

fn big(x: U256) -> Big {
    Big::from(x)
}

/// A sum of exact fractions `Σ n/d`, with `lo = Σ ⌊n·2^K/d⌋` and `hi = Σ ⌈n·2^K/d⌉`.
#[derive(Clone, Debug, Default)]
struct Exact {
    lo: Big,
    hi: Big,
    terms: Vec<(Big, Big)>,
}

impl Exact {
    fn add(&mut self, num: Big, den: Big) {
        assert!(!den.is_zero());
        if num.is_zero() {
            return;
        }
        assert!(num.bit_len() + FRAC_BITS < 1000, "numerator too wide");
        let (q, r) = (num << FRAC_BITS).div_rem(den);
        self.lo += q;
        self.hi += q + if r.is_zero() {
            Big::ZERO
        } else {
            Big::from(1u8)
        };
        self.terms.push((num, den));
    }

    /// The count of positive credits.
    fn credits(&self) -> u64 {
        self.terms.len() as u64
    }

    /// `v <= Σ n/d`; `None` when the exact sum is too wide to decide.
    fn covers(&self, v: U256) -> Option<bool> {
        let scaled = big(v) << FRAC_BITS;
        if scaled <= self.lo {
            return Some(true);
        }
        if scaled > self.hi {
            return Some(false);
        }
        // Within rounding of the bounds: add the fractions exactly.
        let (mut n, mut d) = (Huge::ZERO, Huge::from(1u8));
        for (tn, td) in &self.terms {
            let (tn, td) = (Huge::from(*tn), Huge::from(*td));
            n = n.checked_mul(td)?.checked_add(tn.checked_mul(d)?)?;
            d = d.checked_mul(td)?;
            let g = n.gcd(d);
            if g > Huge::from(1u8) {
                n /= g;
                d /= g;
            }
        }
        Some(Huge::from(v).checked_mul(d)? <= n)
    }

    /// `Σ n/d >= v + slack` for sure (from the lower bound).
    fn exceeds_by(&self, v: U256, slack: u64) -> bool {
        self.lo >= (big(v) + Big::from(slack)) << FRAC_BITS
    }

    fn show(&self) -> String {
        format!("≈{}", self.lo >> FRAC_BITS)
    }
}

// ------------------------------------------------------------------------------------------------
// Operations

#[derive(Debug, Clone)]
enum Op {
    Deposit {
        staker: usize,
        asset: usize,
        amount: U256,
    },
    Delegate {
        staker: usize,
        op: usize,
    },
    Undelegate {
        staker: usize,
    },
    Queue {
        staker: usize,
        asset: usize,
        bps: u16,
    },
    Complete {
        pick: usize,
        as_tokens: bool,
    },
    Allocate {
        op: usize,
        asset: usize,
        level: u8,
    },
    Slash {
        op: usize,
        asset: usize,
        bps: u16,
    },
    Submit {
        reward: usize,
        amount: U256,
        /// Start epoch relative to the current one (−1: in the past, refused unless at epoch 0).
        start: i8,
        duration: u32,
        /// Multiplier per stake strategy; `None` leaves the strategy out.
        multipliers: [Option<u64>; 2],
        /// Operator-directed amounts; `None` leaves the operator out.
        directed: Option<[Option<U256>; 2]>,
    },
    Split {
        op: usize,
        bips: u16,
    },
    Recipient {
        staker: usize,
        reset: bool,
    },
    Claim {
        earner: usize,
        rewards: [bool; 2],
    },
    Advance {
        blocks: u32,
    },
    /// To the last block of the current epoch (or of the next one when already there), or to
    /// the first block of the next epoch.
    Boundary {
        last_block: bool,
    },
}

fn staker(i: usize) -> Address {
    addr(STAKERS[i])
}

/// Stakers, then operators.
fn earner(i: usize) -> Address {
    if i < NS { staker(i) } else { OPS[i - NS] }
}

fn amount() -> impl Strategy<Value = U256> {
    prop_oneof![
        3 => (1u64..100).prop_map(eth),
        1 => (1u128..1_000).prop_map(U256::from),
        1 => (1u128..10u128.pow(18)).prop_map(U256::from),
        1 => (10u128.pow(15)..10u128.pow(21)).prop_map(U256::from),
    ]
}

fn multiplier() -> impl Strategy<Value = Option<u64>> {
    prop_oneof![
        1 => Just(None),
        3 => (1u64..4).prop_map(|m| Some(m * WAD_U64)),
        2 => (1u64..4 * WAD_U64).prop_map(Some),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    let s = 0..NS;
    let o = 0..OPS.len();
    prop_oneof![
        5 => (s.clone(), 0..2usize, amount())
            .prop_map(|(staker, asset, amount)| Op::Deposit { staker, asset, amount }),
        3 => (s.clone(), o.clone()).prop_map(|(staker, op)| Op::Delegate { staker, op }),
        1 => s.clone().prop_map(|staker| Op::Undelegate { staker }),
        2 => (s.clone(), 0..2usize, 1u16..=10_000)
            .prop_map(|(staker, asset, bps)| Op::Queue { staker, asset, bps }),
        2 => (0usize..32, any::<bool>()).prop_map(|(pick, as_tokens)| Op::Complete { pick, as_tokens }),
        1 => (o.clone(), 0..2usize, 0u8..3).prop_map(|(op, asset, level)| Op::Allocate { op, asset, level }),
        1 => (o.clone(), 0..2usize, 1u16..=10_000).prop_map(|(op, asset, bps)| Op::Slash { op, asset, bps }),
        5 => (
            0..2usize,
            amount(),
            -1i8..4,
            prop_oneof![1 => Just(0u32), 8 => 1u32..6],
            [multiplier(), multiplier()],
            proptest::option::of([
                proptest::option::weighted(0.8, amount()),
                proptest::option::weighted(0.8, amount()),
            ]),
        )
            .prop_map(|(reward, amount, start, duration, multipliers, directed)| Op::Submit {
                reward,
                amount,
                start,
                duration,
                multipliers,
                directed,
            }),
        1 => (o.clone(), prop_oneof![Just(0u16), Just(10_000u16), 0u16..=10_000, 10_001u16..10_010])
            .prop_map(|(op, bips)| Op::Split { op, bips }),
        1 => (s.clone(), any::<bool>()).prop_map(|(staker, reset)| Op::Recipient { staker, reset }),
        3 => (0..NE, [any::<bool>(), any::<bool>()])
            .prop_map(|(earner, rewards)| Op::Claim { earner, rewards }),
        4 => (1u32..25).prop_map(|blocks| Op::Advance { blocks }),
        2 => any::<bool>().prop_map(|last_block| Op::Boundary { last_block }),
    ]
}

fn part(x: U256, bps: u16) -> U256 {
    x * U256::from(bps) / U256::from(10_000)
}

/// Both operators in AVS's set 1 over stETH and rETH, fully allocated; three stakers already
/// delegated (odd amounts), the fourth starts with nothing.
fn world() -> Chain {
    let mut c = Chain::new();
    c.create_set(AVS, 1, &STAKES);
    for op in OPS {
        c.register_operator(op);
        c.register_for(op, AVS, &[1]);
        for s in STAKES {
            c.allocate(op, AVS, 1, s, WAD_U64);
        }
    }
    c.deposit(staker(0), "stETH", eth(10));
    c.deposit(staker(1), "stETH", eth(3) + U256::from(7u8));
    c.deposit(staker(1), "rETH", eth(7));
    c.deposit(staker(2), "rETH", eth(5) + U256::from(1u8));
    c.delegate(staker(0), OPS[0]);
    c.delegate(staker(1), OPS[0]);
    c.delegate(staker(2), OPS[1]);
    c.advance(1);
    c
}

fn epoch_len(c: &Chain) -> u32 {
    c.state.params().unwrap().rewards_epoch_blocks
}

fn epoch(c: &Chain) -> u64 {
    u64::from(c.block.number / epoch_len(c))
}

/// A submission as the model understands it (from the action it accepted).
#[derive(Debug, Clone)]
struct Sub {
    token: usize,
    /// `(strategy, multiplier)`.
    strategies: Vec<(Address, U256)>,
    /// Stake-weighted amount, or the operator-directed amounts by operator index.
    amount: U256,
    directed: Vec<(usize, U256)>,
    start: u64,
    duration: u32,
}

impl Sub {
    fn total(&self) -> U256 {
        if self.directed.is_empty() {
            self.amount
        } else {
            self.directed.iter().map(|(_, a)| *a).sum()
        }
    }

    /// What the rules pay of `amount` in the `k`-th epoch (0-based) of the submission.
    fn slice_of(amount: U256, duration: u32, k: u64) -> U256 {
        let per = amount / U256::from(duration);
        if k + 1 == u64::from(duration) {
            amount - per * U256::from(duration - 1)
        } else {
            per
        }
    }

    /// Distributed once epochs before `current` are done.
    fn distributed(&self, current: u64) -> U256 {
        let done = current
            .saturating_sub(self.start)
            .min(u64::from(self.duration));
        let one =
            |a: U256| -> U256 { (0..done).map(|k| Self::slice_of(a, self.duration, k)).sum() };
        if self.directed.is_empty() {
            one(self.amount)
        } else {
            self.directed.iter().map(|(_, a)| one(*a)).sum()
        }
    }
}

fn action(c: &Chain, op: &Op) -> Option<(Address, Action, Option<Sub>)> {
    Some(match op {
        Op::Deposit {
            staker: s,
            asset,
            amount,
        } => (
            staker(*s),
            Action::DepositIntoStrategy {
                strategy: c.strategy(STAKES[*asset]),
                token: c.token(STAKES[*asset]),
                amount: *amount,
            },
            None,
        ),
        Op::Delegate { staker: s, op } => (
            staker(*s),
            Action::DelegateTo {
                operator: OPS[*op],
                approver_signature: None,
                approver_expiry: 0,
                approver_salt: B256::ZERO,
            },
            None,
        ),
        Op::Undelegate { staker: s } => {
            (staker(*s), Action::Undelegate { staker: staker(*s) }, None)
        }
        Op::Queue {
            staker: s,
            asset,
            bps,
        } => {
            let shares = c.deposit_shares(staker(*s), STAKES[*asset]);
            (
                staker(*s),
                Action::QueueWithdrawals {
                    params: vec![QueuedWithdrawalParams {
                        strategies: vec![c.strategy(STAKES[*asset])],
                        deposit_shares: vec![part(shares, *bps)],
                    }],
                },
                None,
            )
        }
        Op::Complete { pick, as_tokens } => {
            let mut all = Vec::new();
            for i in 0..NS {
                for root in c.state.queued_withdrawal_roots(&staker(i)).unwrap() {
                    all.push((staker(i), root));
                }
            }
            let (who, root) = *all.get(pick % all.len().max(1))?;
            (
                who,
                Action::CompleteQueuedWithdrawal {
                    withdrawal_root: root,
                    receive_as_tokens: *as_tokens,
                },
                None,
            )
        }
        Op::Allocate { op, asset, level } => (
            OPS[*op],
            Action::ModifyAllocations {
                operator: None,
                params: vec![AllocateParams {
                    avs: AVS,
                    operator_set_id: 1,
                    strategies: vec![c.strategy(STAKES[*asset])],
                    new_magnitudes: vec![[0, WAD_U64 / 3, WAD_U64][usize::from(*level)]],
                }],
            },
            None,
        ),
        Op::Slash { op, asset, bps } => (
            AVS,
            Action::SlashOperator {
                avs: None,
                operator: OPS[*op],
                operator_set_id: 1,
                strategies: vec![c.strategy(STAKES[*asset])],
                wads_to_slash: vec![part(WAD, *bps)],
                description: "model".into(),
            },
            None,
        ),
        Op::Submit {
            reward,
            amount,
            start,
            duration,
            multipliers,
            directed,
        } => {
            let mut strategies: Vec<(Address, U256)> = STAKES
                .iter()
                .zip(multipliers)
                .filter_map(|(s, m)| m.map(|m| (c.strategy(s), U256::from(m))))
                .collect();
            strategies.sort();
            let directed: Vec<(usize, U256)> = directed
                .map(|d| {
                    d.iter()
                        .enumerate()
                        .filter_map(|(i, a)| a.map(|a| (i, a)))
                        .collect()
                })
                .unwrap_or_default();
            let current = epoch(c);
            let start = if *start < 0 {
                current.saturating_sub(1)
            } else {
                current + u64::try_from(*start).unwrap()
            };
            let sub = Sub {
                token: *reward,
                strategies: strategies.clone(),
                amount: *amount,
                directed: directed.clone(),
                start,
                duration: *duration,
            };
            (
                AVS,
                Action::CreateRewardsSubmission {
                    avs: None,
                    operator_set_id: 1,
                    strategies_and_multipliers: strategies
                        .iter()
                        .map(|(strategy, multiplier)| StrategyAndMultiplier {
                            strategy: *strategy,
                            multiplier: *multiplier,
                        })
                        .collect(),
                    token: c.token(REWARDS[*reward]),
                    amount: *amount,
                    operator_rewards: directed
                        .iter()
                        .map(|(i, a)| OperatorReward {
                            operator: OPS[*i],
                            amount: *a,
                        })
                        .collect(),
                    start_epoch: start,
                    duration_epochs: *duration,
                },
                Some(sub),
            )
        }
        Op::Split { op, bips } => (
            OPS[*op],
            Action::SetOperatorAvsSplit {
                operator: None,
                avs: AVS,
                split: *bips,
            },
            None,
        ),
        Op::Recipient { staker: s, reset } => (
            staker(*s),
            Action::SetRewardsRecipient {
                recipient: if *reset { Address::ZERO } else { RECIPIENT },
            },
            None,
        ),
        Op::Claim { earner: e, rewards } => {
            let tokens = REWARDS
                .iter()
                .zip(rewards)
                .filter(|(_, on)| **on)
                .map(|(r, _)| c.token(r))
                .collect();
            (earner(*e), Action::ClaimRewards { tokens }, None)
        }
        Op::Advance { .. } | Op::Boundary { .. } => return None,
    })
}

// ------------------------------------------------------------------------------------------------
// The model

/// What every earner is owed, and the bookkeeping to check the chain against.
#[derive(Debug, Clone, Default)]
struct Model {
    subs: Vec<Sub>,
    /// Per operator: `(old split, new split, first epoch of the new one)`.
    splits: [Option<(Option<u16>, u16, u64)>; 2],
    /// Per staker and token, under the rules reading.
    rules: Vec<[Exact; 2]>,
    /// Per earner and token, under the ideal reading.
    ideal: Vec<[Exact; 2]>,
    /// Per operator and token: its commissions (integers under the rules).
    commission: [[U256; 2]; 2],
    /// Per earner and token: what its claims paid.
    claimed: Vec<[U256; 2]>,
    /// Per staker: settlements (each can round a pending accrual down once per token).
    settlements: Vec<u64>,
    funded: [U256; 2],
    paid: [U256; 2],
    /// Comparisons left undecided because the exact sum grew too wide.
    undecided: u64,
}

/// A staker's scaled shares `x = s·k` in a stake strategy, from the delegation component.
fn scaled(c: &Chain, who: &Address, strategy: &Address) -> U256 {
    let s = share_manager::deposit_shares(&c.state, who, strategy).unwrap();
    if s.is_zero() {
        return U256::ZERO;
    }
    let k = c.state.deposit_scaling_factor(who, strategy).unwrap();
    shares::calc_withdrawable(k, s, WAD).unwrap()
}

/// `x[staker][strategy]` and the operator each staker is delegated to.
fn positions(c: &Chain) -> (Vec<[U256; 2]>, Vec<Option<usize>>) {
    let mut x = vec![[U256::ZERO; 2]; NS];
    let mut to = vec![None; NS];
    for i in 0..NS {
        for (k, s) in STAKES.iter().enumerate() {
            x[i][k] = scaled(c, &staker(i), &c.strategy(s));
        }
        to[i] = c
            .state
            .delegated_to(&staker(i))
            .unwrap()
            .and_then(|o| OPS.iter().position(|p| *p == o));
    }
    (x, to)
}

/// `X(o, s)` as the model sees it: the delegators' scaled shares.
fn totals(x: &[[U256; 2]], to: &[Option<usize>]) -> [[U256; 2]; 2] {
    let mut t = [[U256::ZERO; 2]; 2];
    for i in 0..NS {
        if let Some(o) = to[i] {
            for k in 0..2 {
                t[o][k] += x[i][k];
            }
        }
    }
    t
}

impl Model {
    fn new() -> Self {
        Self {
            rules: vec![Default::default(); NS],
            ideal: vec![Default::default(); NE],
            claimed: vec![[U256::ZERO; 2]; NE],
            settlements: vec![0; NS],
            ..Self::default()
        }
    }

    fn split(&self, c: &Chain, op: usize, epoch: u64) -> u64 {
        let default = c.state.params().unwrap().default_operator_split_bips;
        u64::from(match self.splits[op] {
            None => default,
            Some((_, new, at)) if epoch >= at => new,
            Some((old, _, _)) => old.unwrap_or(default),
        })
    }

    /// Epoch `b / L − 1` is distributed at block `b` (the chain is still before it): credits
    /// every earner its share; returns which earners were credited something, per token.
    fn distribute(&mut self, c: &Chain, b: u32) -> Vec<[bool; 2]> {
        let e = u64::from(b / epoch_len(c)) - 1;
        let mut credited = vec![[false; 2]; NE];
        let mut members = c.state.members(&SET).unwrap();
        members.sort();
        assert_eq!(members, OPS.to_vec(), "both operators stay registered");
        let (x, to) = positions(c);
        let xt = totals(&x, &to);
        let index_of = |s: &Address| STAKES.iter().position(|n| c.strategy(n) == *s).unwrap();
        for sub in self.subs.clone() {
            let end = sub.start + u64::from(sub.duration);
            if e < sub.start || e >= end {
                continue;
            }
            let k = e - sub.start;
            // pw[o][j]: multiplier × slashable stake of the submission's j-th strategy.
            let mut pw = [[U256::ZERO; 2]; 2];
            let mut w = [U256::ZERO; 2];
            for o in 0..2 {
                for (j, (s, m)) in sub.strategies.iter().enumerate() {
                    let stake =
                        allocation::minimum_slashable_stake(&c.state, &SET, &OPS[o], s, b, b)
                            .unwrap();
                    assert!(stake <= c.state.operator_shares(&OPS[o], s).unwrap());
                    pw[o][j] = stake * *m;
                    w[o] += pw[o][j];
                }
            }
            // (operator, rule pool, ideal pool as a fraction)
            let mut pools: Vec<(usize, U256, (Big, Big))> = Vec::new();
            if sub.directed.is_empty() {
                let slice = Sub::slice_of(sub.amount, sub.duration, k);
                let total = w[0] + w[1];
                if total.is_zero() {
                    continue;
                }
                for o in 0..2 {
                    if w[o].is_zero() {
                        continue;
                    }
                    let pool = big(slice) * big(w[o]) / big(total);
                    pools.push((o, pool.to::<U256>(), (big(slice) * big(w[o]), big(total))));
                }
            } else {
                for (o, a) in &sub.directed {
                    if w[*o].is_zero() {
                        continue;
                    }
                    let pool = Sub::slice_of(*a, sub.duration, k);
                    pools.push((*o, pool, (big(pool), Big::from(1u8))));
                }
            }
            let t = sub.token;
            for (o, pool, (ipn, ipd)) in pools {
                let bips = self.split(c, o, e);
                let commission = pool * U256::from(bips) / U256::from(BIPS);
                self.commission[o][t] += commission;
                let rest = pool - commission;
                let ideal_op = ipn * Big::from(bips);
                self.ideal[NS + o][t].add(ideal_op, ipd * Big::from(BIPS));
                credited[NS + o][t] |= !commission.is_zero() || !ideal_op.is_zero();
                for (j, (s, _)) in sub.strategies.iter().enumerate() {
                    let si = index_of(s);
                    let xo = xt[o][si];
                    if pw[o][j].is_zero() || xo.is_zero() {
                        continue;
                    }
                    for i in 0..NS {
                        if to[i] != Some(o) || x[i][si].is_zero() {
                            continue;
                        }
                        // rules: rest · pw / w · x / X
                        let n = big(rest) * big(pw[o][j]) * big(x[i][si]);
                        self.rules[i][t].add(n, big(w[o]) * big(xo));
                        // ideal: pool · (1 − split) · pw / w · x / X
                        let n2 = ipn * Big::from(BIPS - bips) * big(pw[o][j]) * big(x[i][si]);
                        self.ideal[i][t].add(n2, ipd * Big::from(BIPS) * big(w[o]) * big(xo));
                        credited[i][t] |= !n.is_zero() || !n2.is_zero();
                    }
                }
            }
        }
        credited
    }

    fn remaining(&self, c: &Chain, t: usize) -> U256 {
        let current = epoch(c);
        self.subs
            .iter()
            .filter(|s| s.token == t)
            .map(|s| s.total() - s.distributed(current))
            .sum()
    }
}

/// Every earner's claimable amount of every reward token.
fn claimables(c: &Chain) -> Vec<[U256; 2]> {
    (0..NE)
        .map(|e| {
            let mut out = [U256::ZERO; 2];
            for (i, r) in REWARDS.iter().enumerate() {
                out[i] = rewards::claimable(&c.state, &earner(e), &c.token(r)).unwrap();
            }
            out
        })
        .collect()
}

/// Which properties of the model to hold the chain to.
#[derive(Debug, Clone, Copy)]
struct Strictness {
    /// Stakers' earnings bounded by the ideal reading (exact share of the slice).
    ideal_for_stakers: bool,
}

fn check(c: &Chain, m: &mut Model, strict: Strictness) -> Result<(), String> {
    let s = &c.state;
    let claims = claimables(c);
    // X(o, s) is the sum of the current delegators' scaled shares.
    let (x, to) = positions(c);
    let xt = totals(&x, &to);
    for o in 0..2 {
        for k in 0..2 {
            let got = s.scaled_total(&OPS[o], &c.strategy(STAKES[k])).unwrap();
            if got != xt[o][k] {
                return Err(format!(
                    "X(op{o}, {}) = {got}, delegators' scaled shares sum to {}",
                    STAKES[k], xt[o][k]
                ));
            }
        }
    }
    // The chain's submissions against the model's.
    let subs = s.submissions().unwrap();
    if subs.len() != m.subs.len() {
        return Err(format!(
            "{} submissions on chain, model accepted {}",
            subs.len(),
            m.subs.len()
        ));
    }
    for (got, want) in subs.iter().zip(&m.subs) {
        let d = want.distributed(epoch(c));
        if got.amount != want.total() || got.distributed != d {
            return Err(format!(
                "submission {}: amount {} distributed {}, model {} and {d}",
                got.id,
                got.amount,
                got.distributed,
                want.total()
            ));
        }
    }
    for (t, r) in REWARDS.iter().enumerate() {
        let token = c.token(r);
        let funded = s.rewards_funded(&token).unwrap();
        let paid = s.rewards_paid(&token).unwrap();
        let dust = s.rewards_dust(&token).unwrap();
        if funded != m.funded[t] || paid != m.paid[t] {
            return Err(format!(
                "{r}: funded {funded} paid {paid}, model {} and {}",
                m.funded[t], m.paid[t]
            ));
        }
        let accrued: U256 = (0..NE)
            .map(|e| s.accrued(&earner(e), &token).unwrap())
            .sum();
        let mut unsettled = U256::ZERO;
        for op in OPS {
            for st in STAKES {
                unsettled += s.reward_unsettled(&op, &c.strategy(st), &token).unwrap();
            }
        }
        let remaining = m.remaining(c, t);
        if funded != paid + accrued + unsettled + dust + remaining {
            return Err(format!(
                "{r}: funded {funded} != paid {paid} + accrued {accrued} + unsettled {unsettled} \
                 + dust {dust} + still to distribute {remaining}"
            ));
        }
        let escrow = s.balance_of(&token, &REWARDS_ESCROW).unwrap();
        if escrow != funded - paid {
            return Err(format!(
                "{r}: escrow {escrow} != funded − paid {}",
                funded - paid
            ));
        }
        for e in 0..NE {
            let earned = claims[e][t] + m.claimed[e][t];
            if e >= NS {
                let want = m.commission[e - NS][t];
                if earned != want {
                    return Err(format!(
                        "{r}: operator {} earned {earned}, its commissions sum to {want}",
                        e - NS
                    ));
                }
            } else {
                let exact = &m.rules[e][t];
                match exact.covers(earned) {
                    Some(false) => {
                        return Err(format!(
                            "{r}: staker {e} earned {earned}, more than its exact share {} \
                             under the rules",
                            exact.show()
                        ));
                    }
                    None => m.undecided += 1,
                    Some(true) => {}
                }
                let slack = 2 * exact.credits() + m.settlements[e] + 1;
                if exact.exceeds_by(earned, slack) {
                    return Err(format!(
                        "{r}: staker {e} earned {earned}, its exact share {} is more than {slack} \
                         above",
                        exact.show()
                    ));
                }
            }
            if e >= NS || strict.ideal_for_stakers {
                let ideal = &m.ideal[e][t];
                match ideal.covers(earned) {
                    Some(false) => {
                        return Err(format!(
                            "{r}: earner {e} earned {earned}, more than its exact share {} of \
                             the slices (rounding favoured the claimant)",
                            ideal.show()
                        ));
                    }
                    None => m.undecided += 1,
                    Some(true) => {}
                }
            }
        }
    }
    Ok(())
}

/// Moves `blocks` ahead; at every epoch boundary the model credits first, then the chain
/// distributes, and the distribution is checked against the credits.
fn advance(c: &mut Chain, m: &mut Model, blocks: u32, strict: Strictness) -> Result<(), String> {
    let len = epoch_len(c);
    let end = c.block.number + blocks;
    loop {
        let b = (c.block.number / len + 1) * len;
        if b > end {
            break;
        }
        c.advance(b - 1 - c.block.number);
        let before = claimables(c);
        let credited = m.distribute(c, b);
        c.advance(1);
        let after = claimables(c);
        for e in 0..NE {
            for t in 0..2 {
                if after[e][t] < before[e][t] {
                    return Err(format!(
                        "earner {e} lost {} of {} at a distribution",
                        before[e][t] - after[e][t],
                        REWARDS[t]
                    ));
                }
                if !credited[e][t] && after[e][t] != before[e][t] {
                    return Err(format!(
                        "earner {e} gained {} of {} from epoch {} though it had no share of it",
                        after[e][t] - before[e][t],
                        REWARDS[t],
                        b / len - 1
                    ));
                }
            }
        }
        check(c, m, strict)?;
    }
    c.advance(end - c.block.number);
    check(c, m, strict)
}

fn step(c: &mut Chain, m: &mut Model, op: &Op, strict: Strictness) -> Result<(), String> {
    match op {
        Op::Advance { blocks } => return advance(c, m, *blocks, strict),
        Op::Boundary { last_block } => {
            let len = epoch_len(c);
            let mut to = (c.block.number / len + 1) * len;
            if *last_block {
                to -= 1;
                if to == c.block.number {
                    to += len;
                }
            }
            return advance(c, m, to - c.block.number, strict);
        }
        _ => {}
    }
    let Some((sender, action, sub)) = action(c, op) else {
        return Ok(());
    };
    let before = claimables(c);
    let snapshot = c.state.clone();
    let recipient = c.state.rewards_recipient(&sender).unwrap();
    let recipient_before: Vec<U256> = REWARDS.iter().map(|r| c.balance(recipient, r)).collect();
    let Ok(events) = c.exec(sender, action) else {
        if c.state != snapshot {
            return Err("a failed action changed the state".into());
        }
        return Ok(());
    };
    // The model follows what was accepted.
    if let Some(sub) = sub {
        m.funded[sub.token] += sub.total();
        m.subs.push(sub);
    }
    if let Op::Split { op, bips } = op {
        let delay = u64::from(c.state.params().unwrap().split_activation_delay_epochs);
        let old = m.splits[*op].map(|(_, new, _)| new);
        m.splits[*op] = Some((old, *bips, epoch(c) + delay.max(1)));
    }
    if let Some(i) = (0..NS).find(|i| staker(*i) == sender) {
        m.settlements[i] += 4;
    }
    let e_sender = (0..NE).find(|e| earner(*e) == sender);
    for ev in &events {
        if let Event::RewardsClaimed {
            earner: who,
            recipient: to,
            token,
            amount,
        } = ev
        {
            let t = REWARDS.iter().position(|r| c.token(r) == *token).unwrap();
            if Some(*who) != e_sender.map(earner) || *to != recipient {
                return Err(format!("claim by {who} to {to}"));
            }
            m.claimed[e_sender.unwrap()][t] += *amount;
            m.paid[t] += *amount;
        }
    }
    let after = claimables(c);
    for e in 0..NE {
        for t in 0..2 {
            let claimed_now =
                matches!(op, Op::Claim { rewards, .. } if rewards[t]) && Some(e) == e_sender;
            if claimed_now {
                if !after[e][t].is_zero() {
                    return Err(format!("{} left after claiming", after[e][t]));
                }
                let got = c.balance(recipient, REWARDS[t]) - recipient_before[t];
                if got != before[e][t] {
                    return Err(format!(
                        "the recipient got {got} of {}, claimable was {}",
                        REWARDS[t], before[e][t]
                    ));
                }
            } else if after[e][t] != before[e][t] {
                return Err(format!(
                    "changed earner {e}'s claimable {} from {} to {}",
                    REWARDS[t], before[e][t], after[e][t]
                ));
            }
        }
    }
    check(c, m, strict)
}

fn run(ops: &[Op], strict: Strictness) -> Result<(), TestCaseError> {
    let mut c = world();
    let mut m = Model::new();
    check(&c, &mut m, strict).map_err(TestCaseError::fail)?;
    for (i, op) in ops.iter().enumerate() {
        step(&mut c, &mut m, op, strict)
            .map_err(|e| TestCaseError::fail(format!("step {i} ({op:?}): {e}")))?;
    }
    // Past the end of every submission: everything funded is accounted for.
    let last = m
        .subs
        .iter()
        .map(|s| s.start + u64::from(s.duration))
        .max()
        .unwrap_or(0);
    let len = epoch_len(&c);
    let target = u32::try_from(last + 1).unwrap() * len;
    if target > c.block.number {
        let blocks = target - c.block.number;
        advance(&mut c, &mut m, blocks, strict)
            .map_err(|e| TestCaseError::fail(format!("final advance: {e}")))?;
    }
    for t in 0..2 {
        prop_assert_eq!(m.remaining(&c, t), U256::ZERO);
    }
    // Everyone claims everything: the escrow keeps only dust and the indices' remainders.
    for e in 0..NE {
        let op = Op::Claim {
            earner: e,
            rewards: [true, true],
        };
        step(&mut c, &mut m, &op, strict)
            .map_err(|err| TestCaseError::fail(format!("final claim of {e}: {err}")))?;
    }
    for r in REWARDS {
        let token = c.token(r);
        let mut unsettled = U256::ZERO;
        for op in OPS {
            for st in STAKES {
                unsettled += c
                    .state
                    .reward_unsettled(&op, &c.strategy(st), &token)
                    .unwrap();
            }
        }
        let left = c.state.rewards_dust(&token).unwrap() + unsettled;
        prop_assert_eq!(c.state.balance_of(&token, &REWARDS_ESCROW).unwrap(), left);
    }
    Ok(())
}

fn config(default_cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default_cases);
    ProptestConfig {
        cases,
        max_shrink_iters: 2048,
        ..ProptestConfig::default()
    }
}

const RULES: Strictness = Strictness {
    ideal_for_stakers: false,
};

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn random_rewards_sequences_keep_the_identity_and_pay_no_more_than_the_exact_shares(
        ops in proptest::collection::vec(op(), 1..40)
    ) {
        run(&ops, RULES)?;
    }

    /// The stricter reading: no staker ever gets more than its exact share of the
    /// slice. The commission `⌊pool · split / 10000⌋` is rounded down and the rest goes to the
    /// stakers, so they receive its fraction: with one operator and one staker whose scaled
    /// shares divide `1e36`, a 1-wei slice pays the staker 1 where its exact share is 0.9.
    /// Ignored until the rules decide who gets the commission's rounding.
    #[test]
    fn no_staker_earns_more_than_its_exact_share_of_the_slices(
        ops in proptest::collection::vec(op(), 1..40)
    ) {
        run(&ops, Strictness { ideal_for_stakers: true })?;
    }

    #[test]
    fn the_same_rewards_sequence_gives_the_same_state(
        ops in proptest::collection::vec(op(), 1..40)
    ) {
        let mut a = world();
        let mut b = world();
        for op in &ops {
            for c in [&mut a, &mut b] {
                match op {
                    Op::Advance { blocks } => c.advance(*blocks),
                    Op::Boundary { .. } => {
                        let len = epoch_len(c);
                        c.advance(len - c.block.number % len);
                    }
                    _ => {
                        if let Some((s, act, _)) = action(c, op) {
                            let _ = c.exec(s, act);
                        }
                    }
                }
            }
        }
        prop_assert!(a.state == b.state);
        prop_assert_eq!(claimables(&a), claimables(&b));
    }
}

/// The smallest case of that property: a 1-wei stake-weighted slice, one operator with
/// the default 10% commission and one delegator holding all of its stake.
#[test]
fn a_one_wei_slice_pays_the_staker_no_more_than_nine_tenths() {
    let mut c = Chain::new();
    c.create_set(AVS, 1, &["stETH"]);
    c.register_operator(OPS[0]);
    c.register_for(OPS[0], AVS, &[1]);
    c.allocate(OPS[0], AVS, 1, "stETH", WAD_U64);
    let alice = staker(0);
    c.deposit(alice, "stETH", eth(10));
    c.delegate(alice, OPS[0]);
    c.advance(1);
    let start = epoch(&c);
    let sm = vec![StrategyAndMultiplier {
        strategy: c.strategy("stETH"),
        multiplier: WAD,
    }];
    let token = c.token("cbETH");
    c.ok(
        AVS,
        Action::CreateRewardsSubmission {
            avs: None,
            operator_set_id: 1,
            strategies_and_multipliers: sm,
            token,
            amount: U256::from(1u8),
            operator_rewards: vec![],
            start_epoch: start,
            duration_epochs: 1,
        },
    );
    let len = epoch_len(&c);
    c.advance(len - c.block.number % len);
    // Exact shares: 0.1 to the operator, 0.9 to alice; rounding down gives both 0.
    assert_eq!(
        rewards::claimable(&c.state, &OPS[0], &token).unwrap(),
        U256::ZERO
    );
    assert_eq!(
        rewards::claimable(&c.state, &alice, &token).unwrap(),
        U256::ZERO
    );
}
