//! Model-based property test of rewards: random sequences of deposits, delegations,
//! undelegations, queued and completed withdrawals, AVS slashes, rewards submissions
//! (stake-weighted and operator-directed, with odd amounts and multipliers), commission changes,
//! recipients, claims and time passing over epoch boundaries. After every step, per reward token:
//!
//! - the accounting identity holds exactly:
//!   `funded = paid + Σ accrued + Σ unsettled + dust + Σ (amount − distributed)`;
//! - the escrow holds exactly `funded − paid`;
//! - what earners can claim never exceeds what the ledger holds for them
//!   (`Σ claimable ≤ Σ accrued + Σ unsettled`): rounding never creates a claim;
//! - no action but a distribution raises anyone's claimable amount, and none but a claim lowers
//!   it: joining (deposit, delegation) after an epoch earns nothing from it, and leaving
//!   (undelegation, queueing) loses nothing already earned;
//! - a claim pays the recipient exactly what was claimable and leaves nothing of those tokens;
//! - a failed action changes nothing.
//!
//! The same sequence run twice gives the same state. Set `PROPTEST_CASES` to run more.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::panic,
    missing_docs
)]

mod common;
use alloy_primitives::{Address, B256, U256};
use common::*;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use restake_core::allocation::WAD_U64;
use restake_core::config::ConfigRead;
use restake_core::delegation::{DelegationRead, QueuedWithdrawalParams};
use restake_core::rewards::{
    self, OperatorReward, REWARDS_ESCROW, RewardsRead, StrategyAndMultiplier,
};
use restake_core::tokens::TokensRead;
use restake_core::{Action, Event};
use restake_primitives::WAD;

const AVS: Address = Address::repeat_byte(3);
const OPS: [Address; 2] = [Address::repeat_byte(2), Address::repeat_byte(4)];
const STAKERS: [u8; 4] = [10, 11, 12, 13];
const STAKES: [&str; 2] = ["stETH", "rETH"];
/// Reward tokens: one that is never staked, one that is.
const REWARDS: [&str; 2] = ["cbETH", "rETH"];
/// Where recipients point (never an earner).
const RECIPIENT: Address = Address::repeat_byte(0x77);

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
    Slash {
        op: usize,
        asset: usize,
        bps: u16,
    },
    Submit {
        reward: usize,
        amount: U256,
        start_ahead: u64,
        duration: u32,
        multipliers: [u64; 2],
        directed: Option<[u64; 2]>,
    },
    Split {
        op: usize,
        bips: u16,
    },
    Recipient {
        staker: usize,
    },
    Claim {
        earner: usize,
        rewards: [bool; 2],
    },
    Advance {
        blocks: u32,
    },
}

fn staker(i: usize) -> Address {
    addr(STAKERS[i])
}

/// Stakers, then operators.
fn earners() -> Vec<Address> {
    STAKERS.iter().map(|s| addr(*s)).chain(OPS).collect()
}

fn amount() -> impl Strategy<Value = U256> {
    prop_oneof![
        3 => (1u64..100).prop_map(eth),
        1 => (1u128..10u128.pow(18)).prop_map(U256::from),
        1 => (10u128.pow(15)..10u128.pow(21)).prop_map(U256::from),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    let s = 0..STAKERS.len();
    let o = 0..OPS.len();
    prop_oneof![
        5 => (s.clone(), 0..2usize, amount())
            .prop_map(|(staker, asset, amount)| Op::Deposit { staker, asset, amount }),
        3 => (s.clone(), o.clone()).prop_map(|(staker, op)| Op::Delegate { staker, op }),
        1 => s.clone().prop_map(|staker| Op::Undelegate { staker }),
        2 => (s.clone(), 0..2usize, 1u16..=10_000)
            .prop_map(|(staker, asset, bps)| Op::Queue { staker, asset, bps }),
        2 => (0usize..32, any::<bool>()).prop_map(|(pick, as_tokens)| Op::Complete { pick, as_tokens }),
        1 => (o.clone(), 0..2usize, 1u16..=10_000).prop_map(|(op, asset, bps)| Op::Slash { op, asset, bps }),
        4 => (
            0..2usize,
            amount(),
            0u64..3,
            1u32..5,
            [1u64..4, 1u64..4],
            proptest::option::of([1u64..1_000_000, 1u64..1_000_000]),
        )
            .prop_map(|(reward, amount, start_ahead, duration, multipliers, directed)| Op::Submit {
                reward,
                amount,
                start_ahead,
                duration,
                multipliers,
                directed,
            }),
        1 => (o.clone(), 0u16..=10_000).prop_map(|(op, bips)| Op::Split { op, bips }),
        1 => s.clone().prop_map(|staker| Op::Recipient { staker }),
        3 => (0..STAKERS.len() + OPS.len(), [any::<bool>(), any::<bool>()])
            .prop_map(|(earner, rewards)| Op::Claim { earner, rewards }),
        5 => (1u32..25).prop_map(|blocks| Op::Advance { blocks }),
    ]
}

fn part(x: U256, bps: u16) -> U256 {
    x * U256::from(bps) / U256::from(10_000)
}

/// OP1 and OP2 in AVS's set 1 over stETH and rETH, fully allocated.
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
    c.advance(1);
    c
}

fn epoch(c: &Chain) -> u64 {
    rewards::epoch_of(&c.state, c.block.number).unwrap()
}

fn action(c: &Chain, op: &Op) -> Option<(Address, Action)> {
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
        ),
        Op::Delegate { staker: s, op } => (
            staker(*s),
            Action::DelegateTo {
                operator: OPS[*op],
                approver_signature: None,
                approver_expiry: 0,
                approver_salt: B256::ZERO,
            },
        ),
        Op::Undelegate { staker: s } => (staker(*s), Action::Undelegate { staker: staker(*s) }),
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
            )
        }
        Op::Complete { pick, as_tokens } => {
            let mut all = Vec::new();
            for i in 0..STAKERS.len() {
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
            )
        }
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
        ),
        Op::Submit {
            reward,
            amount,
            start_ahead,
            duration,
            multipliers,
            directed,
        } => {
            let mut sm: Vec<StrategyAndMultiplier> = STAKES
                .iter()
                .zip(multipliers)
                .map(|(s, m)| StrategyAndMultiplier {
                    strategy: c.strategy(s),
                    multiplier: U256::from(*m) * WAD,
                })
                .collect();
            sm.sort_by_key(|x| x.strategy);
            let mut ops = OPS;
            ops.sort();
            let operator_rewards = directed
                .map(|a| {
                    ops.iter()
                        .zip(a)
                        .map(|(o, x)| OperatorReward {
                            operator: *o,
                            amount: U256::from(x) * U256::from(1_000_003u64),
                        })
                        .collect()
                })
                .unwrap_or_default();
            (
                AVS,
                Action::CreateRewardsSubmission {
                    avs: None,
                    operator_set_id: 1,
                    strategies_and_multipliers: sm,
                    token: c.token(REWARDS[*reward]),
                    amount: *amount,
                    operator_rewards,
                    start_epoch: epoch(c) + start_ahead,
                    duration_epochs: *duration,
                },
            )
        }
        Op::Split { op, bips } => (
            OPS[*op],
            Action::SetOperatorAvsSplit {
                operator: None,
                avs: AVS,
                split: *bips,
            },
        ),
        Op::Recipient { staker: s } => (
            staker(*s),
            Action::SetRewardsRecipient {
                recipient: RECIPIENT,
            },
        ),
        Op::Claim { earner, rewards } => {
            let tokens = REWARDS
                .iter()
                .zip(rewards)
                .filter(|(_, on)| **on)
                .map(|(r, _)| c.token(r))
                .collect();
            (earners()[*earner], Action::ClaimRewards { tokens })
        }
        Op::Advance { .. } => return None,
    })
}

/// Every earner's claimable amount of every reward token.
fn claimables(c: &Chain) -> Vec<[U256; 2]> {
    earners()
        .iter()
        .map(|e| {
            let mut out = [U256::ZERO; 2];
            for (i, r) in REWARDS.iter().enumerate() {
                out[i] = rewards::claimable(&c.state, e, &c.token(r)).unwrap();
            }
            out
        })
        .collect()
}

fn check_invariants(c: &Chain) -> Result<(), String> {
    let claims = claimables(c);
    for (ri, r) in REWARDS.iter().enumerate() {
        let token = c.token(r);
        let s = &c.state;
        let funded = s.rewards_funded(&token).unwrap();
        let paid = s.rewards_paid(&token).unwrap();
        let dust = s.rewards_dust(&token).unwrap();
        let accrued: U256 = earners()
            .iter()
            .map(|e| s.accrued(e, &token).unwrap())
            .fold(U256::ZERO, |a, x| a + x);
        let mut unsettled = U256::ZERO;
        for op in OPS {
            for st in STAKES {
                unsettled += s.reward_unsettled(&op, &c.strategy(st), &token).unwrap();
            }
        }
        let remaining: U256 = s
            .submissions()
            .unwrap()
            .iter()
            .filter(|x| x.token == token)
            .map(|x| x.amount - x.distributed)
            .fold(U256::ZERO, |a, x| a + x);
        if funded != paid + accrued + unsettled + dust + remaining {
            return Err(format!(
                "{r}: funded {funded} != paid {paid} + accrued {accrued} + unsettled {unsettled} + dust {dust} + remaining {remaining}"
            ));
        }
        let escrow = s.balance_of(&token, &REWARDS_ESCROW).unwrap();
        if escrow != funded - paid {
            return Err(format!(
                "{r}: escrow {escrow} != funded − paid {}",
                funded - paid
            ));
        }
        let claimable: U256 = claims.iter().map(|x| x[ri]).fold(U256::ZERO, |a, x| a + x);
        if claimable > accrued + unsettled {
            return Err(format!(
                "{r}: Σ claimable {claimable} > accrued {accrued} + unsettled {unsettled}"
            ));
        }
    }
    Ok(())
}

fn step(c: &mut Chain, op: &Op) -> Result<(), String> {
    let before = claimables(c);
    if let Op::Advance { blocks } = op {
        c.advance(*blocks);
        // A distribution only ever raises claims.
        for (e, (b, a)) in before.iter().zip(claimables(c)).enumerate() {
            for i in 0..2 {
                if a[i] < b[i] {
                    return Err(format!("earner {e} lost {} of {}", b[i] - a[i], REWARDS[i]));
                }
            }
        }
        return check_invariants(c);
    }
    let Some((sender, action)) = action(c, op) else {
        return Ok(());
    };
    let snapshot = c.state.clone();
    let recipient_before: Vec<U256> = REWARDS.iter().map(|r| c.balance(RECIPIENT, r)).collect();
    let result = c.exec(sender, action);
    if result.is_err() {
        if c.state != snapshot {
            return Err("a failed action changed the state".into());
        }
        return Ok(());
    }
    let events = result.unwrap();
    let after = claimables(c);
    let earner_index = earners().iter().position(|e| *e == sender);
    for (e, (b, a)) in before.iter().zip(&after).enumerate() {
        for i in 0..2 {
            let claimed_now =
                matches!(op, Op::Claim { rewards, .. } if rewards[i]) && Some(e) == earner_index;
            if claimed_now {
                if !a[i].is_zero() {
                    return Err(format!("{} left after claiming", a[i]));
                }
                let paid: U256 = events
                    .iter()
                    .filter_map(|ev| match ev {
                        Event::RewardsClaimed { token, amount, .. }
                            if *token == c.token(REWARDS[i]) =>
                        {
                            Some(*amount)
                        }
                        _ => None,
                    })
                    .fold(U256::ZERO, |x, y| x + y);
                if paid != b[i] {
                    return Err(format!("claim paid {paid}, claimable was {}", b[i]));
                }
            } else if a[i] != b[i] {
                return Err(format!(
                    "{op:?} changed earner {e}'s claimable {} from {} to {}",
                    REWARDS[i], b[i], a[i]
                ));
            }
        }
    }
    // Claims by stakers who set a recipient pay the recipient.
    if let Op::Claim { earner, rewards } = op
        && *earner < STAKERS.len()
        && c.state.rewards_recipient(&sender).unwrap() == RECIPIENT
    {
        for i in 0..2 {
            let got = c.balance(RECIPIENT, REWARDS[i]) - recipient_before[i];
            if rewards[i] && got != before[*earner][i] {
                return Err(format!(
                    "recipient got {got}, claimable was {}",
                    before[*earner][i]
                ));
            }
        }
    }
    check_invariants(c)
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

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn random_rewards_sequences_keep_the_identity_and_fairness(ops in proptest::collection::vec(op(), 1..60)) {
        let mut c = world();
        check_invariants(&c).map_err(TestCaseError::fail)?;
        for (i, op) in ops.iter().enumerate() {
            step(&mut c, op).map_err(|e| TestCaseError::fail(format!("step {i} ({op:?}): {e}")))?;
        }
        // Everything funded is eventually accounted for once all submissions have ended.
        let horizon = c.state.params().unwrap().rewards_epoch_blocks * 12;
        c.advance(horizon);
        check_invariants(&c).map_err(TestCaseError::fail)?;
        for r in REWARDS {
            let token = c.token(r);
            let remaining: U256 = c.state.submissions().unwrap().iter()
                .filter(|x| x.token == token)
                .map(|x| x.amount - x.distributed)
                .fold(U256::ZERO, |a, x| a + x);
            prop_assert_eq!(remaining, U256::ZERO, "{} still to distribute", r);
        }
    }

    #[test]
    fn the_same_rewards_sequence_gives_the_same_state(ops in proptest::collection::vec(op(), 1..40)) {
        let mut a = world();
        let mut b = world();
        for op in &ops {
            for c in [&mut a, &mut b] {
                if let Op::Advance { blocks } = op {
                    c.advance(*blocks);
                } else if let Some((s, act)) = action(c, op) {
                    let _ = c.exec(s, act);
                }
            }
        }
        prop_assert!(a.state == b.state);
        let _ = DelegationRead::delegated_to(&a.state, &staker(0));
    }
}
