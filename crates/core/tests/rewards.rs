//! Rewards computed on the ledger: golden numbers for the split between operators, commission and
//! delegators, and the rules that make it fair (no reward for joining late, slashing reaches the
//! stake not the split, commission changes only after a delay, exact payout of every submission).
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::panic,
    clippy::expect_used,
    missing_docs
)]

mod common;
use alloy_primitives::{Address, U256};
use common::*;
use restake_core::allocation::WAD_U64;
use restake_core::config::ConfigRead;
use restake_core::rewards::{
    self, OperatorReward, REWARDS_ESCROW, RewardsError, RewardsRead, StrategyAndMultiplier,
};
use restake_core::tokens::TokensRead;
use restake_core::{Action, Error, Event};
use restake_primitives::WAD;

const OP: Address = Address::repeat_byte(2);
const OP2: Address = Address::repeat_byte(4);
const AVS: Address = Address::repeat_byte(3);

fn epoch_len(c: &Chain) -> u32 {
    c.state.params().unwrap().rewards_epoch_blocks
}

fn current_epoch(c: &Chain) -> u64 {
    rewards::epoch_of(&c.state, c.block.number).unwrap()
}

/// Moves to the first block of the next epoch: the epoch just left gets distributed.
fn next_epoch(c: &mut Chain) {
    let len = epoch_len(c);
    let to = (c.block.number / len + 1) * len;
    c.advance(to - c.block.number);
}

fn sm(c: &Chain, symbols: &[&str]) -> Vec<StrategyAndMultiplier> {
    let mut v: Vec<StrategyAndMultiplier> = symbols
        .iter()
        .map(|s| StrategyAndMultiplier {
            strategy: c.strategy(s),
            multiplier: WAD,
        })
        .collect();
    v.sort_by_key(|x| x.strategy);
    v
}

fn submit(c: &mut Chain, symbols: &[&str], reward: &str, amount: U256, start: u64, duration: u32) {
    let strategies_and_multipliers = sm(c, symbols);
    let token = c.token(reward);
    c.ok(
        AVS,
        Action::CreateRewardsSubmission {
            avs: None,
            operator_set_id: 1,
            strategies_and_multipliers,
            token,
            amount,
            operator_rewards: vec![],
            start_epoch: start,
            duration_epochs: duration,
        },
    );
}

fn claimable(c: &Chain, who: Address, symbol: &str) -> U256 {
    rewards::claimable(&c.state, &who, &c.token(symbol)).unwrap()
}

fn claim(c: &mut Chain, who: Address, symbol: &str) -> U256 {
    let before = c.balance(who, symbol);
    let token = c.token(symbol);
    c.ok(
        who,
        Action::ClaimRewards {
            tokens: vec![token],
        },
    );
    c.balance(who, symbol) - before
}

/// OP (and optionally OP2) in AVS's set 1 over stETH, all stETH magnitude allocated.
fn world(ops: &[Address]) -> Chain {
    let mut c = Chain::new();
    c.create_set(AVS, 1, &["stETH", "rETH"]);
    for op in ops {
        c.register_operator(*op);
        c.register_for(*op, AVS, &[1]);
        c.allocate(*op, AVS, 1, "stETH", WAD_U64);
        c.allocate(*op, AVS, 1, "rETH", WAD_U64);
    }
    c.advance(1);
    c
}

#[test]
fn an_epoch_pays_the_operator_its_commission_and_delegators_by_their_shares() {
    let mut c = world(&[OP]);
    let (alice, bob) = (addr(10), addr(11));
    c.deposit(alice, "stETH", eth(30));
    c.deposit(bob, "stETH", eth(10));
    c.delegate(alice, OP);
    c.delegate(bob, OP);
    let start = current_epoch(&c);
    submit(&mut c, &["stETH"], "rETH", eth(1_000), start, 1);
    assert_eq!(
        c.state
            .balance_of(&c.token("rETH"), &REWARDS_ESCROW)
            .unwrap(),
        eth(1_000)
    );
    next_epoch(&mut c);
    // 10% commission; 900 split 30:10.
    assert_eq!(claimable(&c, OP, "rETH"), eth(100));
    assert_eq!(claimable(&c, alice, "rETH"), eth(675));
    assert_eq!(claimable(&c, bob, "rETH"), eth(225));
    assert_eq!(claim(&mut c, alice, "rETH"), eth(675));
    assert_eq!(claim(&mut c, bob, "rETH"), eth(225));
    assert_eq!(claim(&mut c, OP, "rETH"), eth(100));
    let token = c.token("rETH");
    assert_eq!(
        c.state.balance_of(&token, &REWARDS_ESCROW).unwrap(),
        U256::ZERO
    );
    assert_eq!(c.state.rewards_paid(&token).unwrap(), eth(1_000));
    assert_eq!(c.state.rewards_dust(&token).unwrap(), U256::ZERO);
    // Nothing more to claim.
    let e = c.fails(
        alice,
        Action::ClaimRewards {
            tokens: vec![token],
        },
    );
    assert_eq!(e, Error::Rewards(RewardsError::NothingToClaim(alice)));
}

#[test]
fn a_staker_who_joins_after_an_epoch_earns_nothing_from_it() {
    let mut c = world(&[OP]);
    let (alice, bob) = (addr(10), addr(11));
    c.deposit(alice, "stETH", eth(10));
    c.delegate(alice, OP);
    let start = current_epoch(&c);
    submit(&mut c, &["stETH"], "rETH", eth(200), start, 2);
    next_epoch(&mut c);
    // Bob arrives in the second epoch: he shares it, not the first.
    c.deposit(bob, "stETH", eth(10));
    c.delegate(bob, OP);
    next_epoch(&mut c);
    // Epoch 1: 100 → 10 commission, 90 to alice. Epoch 2: 10 commission, 45 + 45.
    assert_eq!(claimable(&c, OP, "rETH"), eth(20));
    assert_eq!(claimable(&c, alice, "rETH"), eth(135));
    assert_eq!(claimable(&c, bob, "rETH"), eth(45));
}

#[test]
fn a_slashed_operator_earns_on_what_is_left_and_its_delegators_keep_their_split() {
    let mut c = world(&[OP, OP2]);
    let (alice, bob, carol) = (addr(10), addr(11), addr(12));
    c.deposit(alice, "stETH", eth(30));
    c.deposit(bob, "stETH", eth(10));
    c.deposit(carol, "stETH", eth(40));
    c.delegate(alice, OP);
    c.delegate(bob, OP);
    c.delegate(carol, OP2);
    c.slash(AVS, OP, 1, "stETH", WAD / U256::from(2));
    c.advance(1);
    let start = current_epoch(&c);
    submit(&mut c, &["stETH"], "rETH", eth(300), start, 1);
    next_epoch(&mut c);
    // Slashable stake: OP 20, OP2 40 → pools 100 and 200.
    assert_eq!(claimable(&c, OP, "rETH"), eth(10));
    assert_eq!(claimable(&c, OP2, "rETH"), eth(20));
    // OP's delegators split 90 as 30:10 (the slash took the same fraction from both).
    assert_eq!(
        claimable(&c, alice, "rETH"),
        U256::from(67_500_000_000_000_000_000u128)
    );
    assert_eq!(
        claimable(&c, bob, "rETH"),
        U256::from(22_500_000_000_000_000_000u128)
    );
    assert_eq!(claimable(&c, carol, "rETH"), eth(180));
}

#[test]
fn multipliers_weight_the_strategies_of_a_submission() {
    let mut c = world(&[OP]);
    let (alice, bob) = (addr(10), addr(11));
    c.deposit(alice, "stETH", eth(10));
    c.deposit(bob, "rETH", eth(10));
    c.delegate(alice, OP);
    c.delegate(bob, OP);
    let mut list = sm(&c, &["stETH", "rETH"]);
    // rETH counts three times as much as stETH.
    for x in &mut list {
        if x.strategy == c.strategy("rETH") {
            x.multiplier = WAD * U256::from(3);
        }
    }
    let start = current_epoch(&c);
    let token = c.token("cbETH");
    c.ok(
        AVS,
        Action::CreateRewardsSubmission {
            avs: None,
            operator_set_id: 1,
            strategies_and_multipliers: list,
            token,
            amount: eth(400),
            operator_rewards: vec![],
            start_epoch: start,
            duration_epochs: 1,
        },
    );
    next_epoch(&mut c);
    assert_eq!(claimable(&c, OP, "cbETH"), eth(40));
    assert_eq!(claimable(&c, alice, "cbETH"), eth(90));
    assert_eq!(claimable(&c, bob, "cbETH"), eth(270));
}

#[test]
fn operator_directed_rewards_go_to_the_named_operators_and_their_delegators() {
    let mut c = world(&[OP, OP2]);
    let (alice, carol) = (addr(10), addr(12));
    c.deposit(alice, "stETH", eth(1));
    c.deposit(carol, "stETH", eth(1_000));
    c.delegate(alice, OP);
    c.delegate(carol, OP2);
    let start = current_epoch(&c);
    let list = sm(&c, &["stETH"]);
    let token = c.token("rETH");
    let mut ops = vec![
        OperatorReward {
            operator: OP,
            amount: eth(50),
        },
        OperatorReward {
            operator: OP2,
            amount: eth(10),
        },
    ];
    ops.sort_by_key(|r| r.operator);
    c.ok(
        AVS,
        Action::CreateRewardsSubmission {
            avs: None,
            operator_set_id: 1,
            strategies_and_multipliers: list,
            token,
            amount: U256::ZERO,
            operator_rewards: ops,
            start_epoch: start,
            duration_epochs: 1,
        },
    );
    next_epoch(&mut c);
    // Stake does not matter between operators here, only within each.
    assert_eq!(claimable(&c, OP, "rETH"), eth(5));
    assert_eq!(claimable(&c, alice, "rETH"), eth(45));
    assert_eq!(claimable(&c, OP2, "rETH"), eth(1));
    assert_eq!(claimable(&c, carol, "rETH"), eth(9));
}

#[test]
fn a_commission_change_waits_for_its_activation_epoch() {
    let mut c = world(&[OP]);
    let alice = addr(10);
    c.deposit(alice, "stETH", eth(10));
    c.delegate(alice, OP);
    let delay = u64::from(c.state.params().unwrap().split_activation_delay_epochs);
    let start = current_epoch(&c);
    c.ok(
        OP,
        Action::SetOperatorAvsSplit {
            operator: None,
            avs: AVS,
            split: 5_000,
        },
    );
    // A second change before the first applies is refused.
    let e = c.fails(
        OP,
        Action::SetOperatorAvsSplit {
            operator: None,
            avs: AVS,
            split: 10_000,
        },
    );
    assert_eq!(
        e,
        Error::Rewards(RewardsError::PreviousSplitPending(start + delay))
    );
    submit(
        &mut c,
        &["stETH"],
        "rETH",
        eth(100) * U256::from(delay + 1),
        start,
        u32::try_from(delay + 1).unwrap(),
    );
    for _ in 0..=delay {
        next_epoch(&mut c);
    }
    // `delay` epochs at 10%, then one at 50%.
    let at_ten = eth(10) * U256::from(delay);
    assert_eq!(claimable(&c, OP, "rETH"), at_ten + eth(50));
    assert_eq!(
        claimable(&c, alice, "rETH"),
        eth(90) * U256::from(delay) + eth(50)
    );
}

#[test]
fn undelegated_and_queued_shares_stop_earning() {
    let mut c = world(&[OP]);
    let (alice, bob) = (addr(10), addr(11));
    c.deposit(alice, "stETH", eth(10));
    c.deposit(bob, "stETH", eth(10));
    c.delegate(alice, OP);
    c.delegate(bob, OP);
    let start = current_epoch(&c);
    submit(&mut c, &["stETH"], "rETH", eth(200), start, 2);
    next_epoch(&mut c);
    // Epoch 1: 45 each. Then bob queues everything: epoch 2's 90 go to alice alone.
    c.queue(bob, "stETH", eth(10));
    next_epoch(&mut c);
    assert_eq!(claimable(&c, alice, "rETH"), eth(135));
    assert_eq!(claimable(&c, bob, "rETH"), eth(45));
    assert_eq!(claim(&mut c, bob, "rETH"), eth(45));
}

#[test]
fn an_epoch_without_stake_is_dust_and_every_submission_pays_exactly_its_amount() {
    let mut c = world(&[OP]);
    let alice = addr(10);
    let start = current_epoch(&c);
    // 1000 wei over 3 epochs: 333, 333, 334. Nobody is delegated in the first epoch.
    submit(&mut c, &["stETH"], "rETH", U256::from(1_000u64), start, 3);
    next_epoch(&mut c);
    c.deposit(alice, "stETH", eth(3));
    c.delegate(alice, OP);
    next_epoch(&mut c);
    next_epoch(&mut c);
    let token = c.token("rETH");
    let dust = c.state.rewards_dust(&token).unwrap();
    // Commission ⌊333/10⌋ = 33 and ⌊334/10⌋ = 33; the stakers' parts are rounded down too,
    // ⌊333 · 9/10⌋ = 299 and ⌊334 · 9/10⌋ = 300, so 1 wei of each epoch is dust. Through index
    // steps of ⌊299e36 / 3e18⌋ and ⌊300e36 / 3e18⌋ Alice is paid 298 + 300: the index keeps 1 wei.
    assert_eq!(claimable(&c, OP, "rETH"), U256::from(66u64));
    assert_eq!(claimable(&c, alice, "rETH"), U256::from(598u64));
    assert_eq!(dust, U256::from(335u64));
    // Settle alice (claim) and the index holds exactly its rounding remainder.
    assert_eq!(claim(&mut c, alice, "rETH"), U256::from(598u64));
    let held = c
        .state
        .reward_unsettled(&OP, &c.strategy("stETH"), &token)
        .unwrap();
    assert_eq!(held, U256::from(1u64));
    assert_eq!(
        claimable(&c, OP, "rETH") + c.state.rewards_paid(&token).unwrap() + held + dust,
        U256::from(1_000u64)
    );
    // Fully distributed: no longer active.
    assert!(c.state.active_submissions().unwrap().is_empty());
}

#[test]
fn claims_go_to_the_recipient_an_earner_sets() {
    let mut c = world(&[OP]);
    let alice = addr(10);
    let cold = addr(19);
    c.deposit(alice, "stETH", eth(10));
    c.delegate(alice, OP);
    c.ok(alice, Action::SetRewardsRecipient { recipient: cold });
    let start = current_epoch(&c);
    submit(&mut c, &["stETH"], "rETH", eth(100), start, 1);
    next_epoch(&mut c);
    let before = c.balance(cold, "rETH");
    let token = c.token("rETH");
    let events = c.ok(
        alice,
        Action::ClaimRewards {
            tokens: vec![token],
        },
    );
    assert_eq!(c.balance(cold, "rETH") - before, eth(90));
    assert!(events.iter().any(|e| matches!(
        e,
        Event::RewardsClaimed { earner, recipient, .. } if *earner == alice && *recipient == cold
    )));
}

#[test]
fn submissions_are_validated_as_in_eigenlayer() {
    let mut c = world(&[OP]);
    let start = current_epoch(&c);
    let token = c.token("rETH");
    let base = |c: &Chain| Action::CreateRewardsSubmission {
        avs: None,
        operator_set_id: 1,
        strategies_and_multipliers: sm(c, &["stETH"]),
        token,
        amount: eth(1),
        operator_rewards: vec![],
        start_epoch: start,
        duration_epochs: 1,
    };
    let with = |c: &Chain, f: &dyn Fn(&mut Action)| {
        let mut a = base(c);
        f(&mut a);
        a
    };
    let cases: Vec<(Action, Error)> = vec![
        (
            with(&c, &|a| {
                if let Action::CreateRewardsSubmission {
                    strategies_and_multipliers,
                    ..
                } = a
                {
                    strategies_and_multipliers.clear();
                }
            }),
            Error::Rewards(RewardsError::InputArrayLengthZero),
        ),
        (
            with(&c, &|a| {
                if let Action::CreateRewardsSubmission {
                    strategies_and_multipliers,
                    ..
                } = a
                {
                    let x = strategies_and_multipliers[0];
                    strategies_and_multipliers.push(x);
                }
            }),
            Error::Rewards(RewardsError::StrategiesNotInAscendingOrder),
        ),
        (
            with(&c, &|a| {
                if let Action::CreateRewardsSubmission {
                    duration_epochs, ..
                } = a
                {
                    *duration_epochs = 0;
                }
            }),
            Error::Rewards(RewardsError::DurationIsZero),
        ),
        (
            with(&c, &|a| {
                if let Action::CreateRewardsSubmission { amount, .. } = a {
                    *amount = U256::ZERO;
                }
            }),
            Error::Rewards(RewardsError::AmountIsZero),
        ),
        (
            with(&c, &|a| {
                if let Action::CreateRewardsSubmission { amount, .. } = a {
                    *amount = rewards::MAX_REWARDS_AMOUNT + U256::from(1u64);
                }
            }),
            Error::Rewards(RewardsError::AmountExceedsMax),
        ),
        (
            with(&c, &|a| {
                if let Action::CreateRewardsSubmission {
                    operator_set_id, ..
                } = a
                {
                    *operator_set_id = 9;
                }
            }),
            Error::Rewards(RewardsError::InvalidOperatorSet(
                restake_primitives::OperatorSet::new(AVS, 9),
            )),
        ),
    ];
    for (action, expected) in cases {
        assert_eq!(c.fails(AVS, action), expected);
    }
    // A start in an epoch already over.
    next_epoch(&mut c);
    assert_eq!(
        c.fails(AVS, base(&c)),
        Error::Rewards(RewardsError::StartEpochTooFarInPast {
            start,
            current: start + 1
        })
    );
    // Only the AVS (or its appointees) may submit for its sets.
    let mut other = base(&c);
    if let Action::CreateRewardsSubmission {
        avs, start_epoch, ..
    } = &mut other
    {
        *avs = Some(AVS);
        *start_epoch = start + 1;
    }
    assert!(matches!(c.fails(addr(10), other), Error::Permission(_)));
}

#[test]
fn another_account_cannot_set_an_operators_commission() {
    let mut c = world(&[OP]);
    let e = c.fails(
        addr(10),
        Action::SetOperatorAvsSplit {
            operator: Some(OP),
            avs: AVS,
            split: 0,
        },
    );
    assert!(matches!(e, Error::Permission(_)));
    // An account that is not an operator has no commission to set.
    let e = c.fails(
        addr(10),
        Action::SetOperatorAvsSplit {
            operator: None,
            avs: AVS,
            split: 0,
        },
    );
    assert_eq!(e, Error::Rewards(RewardsError::NotAnOperator(addr(10))));
    let e = c.fails(
        OP,
        Action::SetOperatorAvsSplit {
            operator: None,
            avs: AVS,
            split: 10_001,
        },
    );
    assert_eq!(e, Error::Rewards(RewardsError::SplitExceedsMax(10_001)));
}

#[test]
fn only_pausers_pause_rewards_and_paused_claims_are_refused() {
    use restake_core::pause::{PauseError, PauseTarget};
    let mut c = world(&[OP]);
    let alice = addr(10);
    c.deposit(alice, "stETH", eth(10));
    c.delegate(alice, OP);
    let start = current_epoch(&c);
    submit(&mut c, &["stETH"], "rETH", eth(100), start, 1);
    next_epoch(&mut c);
    let pause = Action::Pause {
        target: PauseTarget::Rewards,
        new_paused_status: 1 << 2,
    };
    assert!(matches!(
        c.fails(alice, pause.clone()),
        Error::Pause(PauseError::OnlyPauser(_))
    ));
    c.ok(PAUSER, pause);
    let token = c.token("rETH");
    assert!(matches!(
        c.fails(
            alice,
            Action::ClaimRewards {
                tokens: vec![token]
            }
        ),
        Error::Pause(PauseError::CurrentlyPaused { bit: 2, .. })
    ));
    c.ok(
        UNPAUSER,
        Action::Unpause {
            target: PauseTarget::Rewards,
            new_paused_status: 0,
        },
    );
    assert_eq!(claim(&mut c, alice, "rETH"), eth(90));
}

#[test]
fn operator_directed_remainders_are_paid_per_operator_and_the_last_epoch_never_underflows() {
    // 5 and 5 over 3 epochs: each operator gets 1, 1, 3. Pooled, the last epoch would have held
    // only 10 − 2·3 = 4 of the 6 the operators are owed (a chain-halting underflow before).
    let mut c = world(&[OP, OP2]);
    let alice = addr(10);
    c.deposit(alice, "stETH", eth(10));
    c.delegate(alice, OP);
    c.deposit(addr(11), "stETH", eth(10));
    c.delegate(addr(11), OP2);
    let start = current_epoch(&c) + 1;
    let strategies_and_multipliers = sm(&c, &["stETH"]);
    let token = c.token("cbETH");
    let mut ops = [OP, OP2];
    ops.sort();
    c.ok(
        AVS,
        Action::CreateRewardsSubmission {
            avs: None,
            operator_set_id: 1,
            strategies_and_multipliers,
            token,
            amount: U256::ZERO,
            operator_rewards: ops
                .iter()
                .map(|o| OperatorReward {
                    operator: *o,
                    amount: U256::from(5u64),
                })
                .collect(),
            start_epoch: start,
            duration_epochs: 3,
        },
    );
    for _ in 0..4 {
        next_epoch(&mut c);
    }
    let sub = &c.state.submissions().unwrap()[0];
    assert_eq!(sub.distributed, U256::from(10u64));
    // Whatever the split, every wei is someone's or dust.
    let dust = c.state.rewards_dust(&token).unwrap();
    let held: U256 = [OP, OP2]
        .iter()
        .map(|o| {
            c.state
                .reward_unsettled(o, &c.strategy("stETH"), &token)
                .unwrap()
        })
        .fold(U256::ZERO, |a, x| a + x);
    let accrued = c.state.accrued(&OP, &token).unwrap() + c.state.accrued(&OP2, &token).unwrap();
    assert_eq!(accrued + held + dust, U256::from(10u64));
}
