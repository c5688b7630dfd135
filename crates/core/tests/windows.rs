//! Every window boundary and rounding rule of the slashing design (spec §0.2), each checked at
//! the block before, at, and after the boundary through real actions, with exact numbers.
//!
//! Devnet delays: `D = MIN_WITHDRAWAL_DELAY_BLOCKS = 10`, `DEALLOCATION_DELAY = 10`,
//! `ALLOCATION_CONFIGURATION_DELAY = SLASHER_CONFIGURATION_DELAY = 15`.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::panic,
    clippy::expect_used,
    missing_docs
)]

mod common;
use alloy_primitives::{Address, B256, U256};
use common::*;
use restake_core::allocation::{
    self, AllocateParams, Allocation, AllocationError, AllocationRead, WAD_U64,
};
use restake_core::config::Params;
use restake_core::delegation::{DelegationError, DelegationRead, QueuedWithdrawalParams};
use restake_core::{Action, Error, Event};
use restake_primitives::{OperatorSet, WAD};

const STAKER: Address = Address::repeat_byte(1);
const OP: Address = Address::repeat_byte(2);
const AVS: Address = Address::repeat_byte(3);

const D: u32 = Params::devnet().min_withdrawal_delay_blocks;
const DEALLOC: u32 = Params::devnet().deallocation_delay;
const ALLOC_CFG: u32 = Params::devnet().allocation_configuration_delay;
const SLASHER_CFG: u32 = Params::devnet().slasher_configuration_delay;

const HALF: u64 = WAD_U64 / 2;

// ---------------------------------------------------------------------------------------------
// Helpers

/// An independent copy of the chain, to try one boundary without disturbing the others.
fn fork(c: &Chain) -> Chain {
    Chain {
        state: c.state.clone(),
        block: c.block,
    }
}

/// Moves the chain to `block` (which must not be in the past).
fn goto(c: &mut Chain, block: u32) {
    assert!(block >= c.block.number, "cannot go back to block {block}");
    c.advance(block - c.block.number);
}

fn register_operator_with_delay(c: &mut Chain, op: Address, delay: u32) {
    c.ok(
        op,
        Action::RegisterAsOperator {
            delegation_approver: Address::ZERO,
            allocation_delay: delay,
            metadata_uri: "https://op.example/meta.json".into(),
        },
    );
}

fn allocate_action(c: &Chain, avs: Address, id: u32, symbol: &str, magnitude: u64) -> Action {
    Action::ModifyAllocations {
        operator: None,
        params: vec![AllocateParams {
            avs,
            operator_set_id: id,
            strategies: vec![c.strategy(symbol)],
            new_magnitudes: vec![magnitude],
        }],
    }
}

fn slash_action(c: &Chain, id: u32, symbol: &str, wad: U256) -> Action {
    Action::SlashOperator {
        avs: Some(AVS),
        operator: OP,
        operator_set_id: id,
        strategies: vec![c.strategy(symbol)],
        wads_to_slash: vec![wad],
        description: "window test".into(),
    }
}

fn clear_queue_action(c: &Chain, symbol: &str, n: u16) -> Action {
    Action::ClearDeallocationQueue {
        operator: OP,
        strategies: vec![c.strategy(symbol)],
        num_to_clear: vec![n],
    }
}

fn complete_action(root: B256, as_tokens: bool) -> Action {
    Action::CompleteQueuedWithdrawal {
        withdrawal_root: root,
        receive_as_tokens: as_tokens,
    }
}

fn set(id: u32) -> OperatorSet {
    OperatorSet::new(AVS, id)
}

/// Shares the slash took from the operator and the queue (0 when the slash skipped).
fn slashed_shares(events: &[Event]) -> U256 {
    events
        .iter()
        .find_map(|e| match e {
            Event::OperatorSharesSlashed {
                total_slashed_shares,
                ..
            } => Some(*total_slashed_shares),
            _ => None,
        })
        .unwrap_or(U256::ZERO)
}

/// Effect block of the last `AllocationUpdated` event.
fn allocation_effect_block(events: &[Event]) -> u32 {
    events
        .iter()
        .rev()
        .find_map(|e| match e {
            Event::AllocationUpdated { effect_block, .. } => Some(*effect_block),
            _ => None,
        })
        .expect("no AllocationUpdated event")
}

/// Completes `root` as tokens and returns what the staker received.
fn payout(c: &mut Chain, staker: Address, root: B256, symbol: &str) -> U256 {
    let before = c.balance(staker, symbol);
    c.complete(staker, root, true);
    c.balance(staker, symbol) - before
}

fn stored(c: &Chain, id: u32, symbol: &str) -> Allocation {
    c.state
        .stored_allocation(&OP, &set(id), &c.strategy(symbol))
        .unwrap()
}

fn encumbered(c: &Chain, symbol: &str) -> u64 {
    c.state.stored_encumbered(&OP, &c.strategy(symbol)).unwrap()
}

fn dealloc_queue_len(c: &Chain, symbol: &str) -> usize {
    c.state
        .deallocation_queue(&OP, &c.strategy(symbol))
        .unwrap()
        .len()
}

/// STAKER holds 100 stETH delegated to OP; OP (allocation delay `delay`) is a member of AVS's
/// set 1 over stETH and has asked to allocate all of its stETH magnitude to it at the current
/// block (block 1).
fn staked_with_delay(delay: u32) -> Chain {
    let mut c = Chain::new();
    c.deposit(STAKER, "stETH", eth(100));
    register_operator_with_delay(&mut c, OP, delay);
    c.delegate(STAKER, OP);
    c.create_set(AVS, 1, &["stETH"]);
    c.register_for(OP, AVS, &[1]);
    c.allocate(OP, AVS, 1, "stETH", WAD_U64);
    c
}

/// `staked_with_delay(0)`: the allocation is slashable at once.
fn staked() -> Chain {
    staked_with_delay(0)
}

// ---------------------------------------------------------------------------------------------
// Queued withdrawals: slashable in [start, start + D], completable when block > start + D.

/// Queues 40 of the staker's 100 stETH at block `t`, slashes half of OP's stETH at
/// `t + offset`, then completes as tokens as early as allowed. Returns (shares slashed, payout).
fn queue_then_slash_at(offset: u32) -> (U256, U256) {
    let mut c = staked();
    c.advance(1);
    let t = c.block.number;
    let root = c.queue(STAKER, "stETH", eth(40));
    goto(&mut c, t + offset);
    let slashed = slashed_shares(&c.slash(AVS, OP, 1, "stETH", wad(1, 2)));
    let completable = (t + D + 1).max(c.block.number);
    goto(&mut c, completable);
    let paid = payout(&mut c, STAKER, root, "stETH");
    (slashed, paid)
}

#[test]
fn queued_shares_are_slashable_from_the_queue_block_through_start_plus_d() {
    // 60 stETH stay with the operator, 40 are queued: a 50% slash takes 30 + 20.
    for offset in [0, 1, D - 1, D] {
        assert_eq!(
            queue_then_slash_at(offset),
            (eth(50), eth(20)),
            "slash at start + {offset}"
        );
    }
}

#[test]
fn a_slash_at_start_plus_d_plus_one_does_not_reach_the_queued_withdrawal() {
    // Only the 60 stETH left with the operator are slashed; the withdrawal pays all 40.
    assert_eq!(queue_then_slash_at(D + 1), (eth(30), eth(40)));
    assert_eq!(queue_then_slash_at(D + 2), (eth(30), eth(40)));
}

#[test]
fn a_withdrawal_completes_only_when_the_block_is_past_start_plus_d() {
    let mut c = staked();
    c.advance(1);
    let t = c.block.number;
    let root = c.queue(STAKER, "stETH", eth(40));
    for now in [t, t + D - 1, t + D] {
        goto(&mut c, now);
        let err = c.fails(STAKER, complete_action(root, true));
        assert_eq!(
            err,
            Error::Delegation(DelegationError::WithdrawalDelayNotElapsed {
                completable_at: t + D + 1,
                now,
            })
        );
    }
    goto(&mut c, t + D + 1);
    assert_eq!(payout(&mut c, STAKER, root, "stETH"), eth(40));
    assert_eq!(c.state.queued_withdrawal(&root).unwrap(), None);
}

// ---------------------------------------------------------------------------------------------
// Deallocation: effect block = b + DEALLOCATION_DELAY + 1, FIFO queue.

#[test]
fn a_deallocation_takes_effect_at_block_plus_deallocation_delay_plus_one() {
    let mut c = staked();
    c.advance(1);
    let b = c.block.number;
    let events = c.allocate(OP, AVS, 1, "stETH", 400_000_000_000_000_000);
    assert_eq!(allocation_effect_block(&events), b + DEALLOC + 1);
    assert_eq!(
        stored(&c, 1, "stETH"),
        Allocation {
            current_magnitude: WAD_U64,
            pending_diff: -600_000_000_000_000_000,
            effect_block: b + DEALLOC + 1,
        }
    );

    // At effect - 1 the whole magnitude is still slashable: 50% of 1.0 leaves max 0.5, and the
    // pending deallocation shrinks by half as well (0.6 -> 0.3).
    let mut before = fork(&c);
    goto(&mut before, b + DEALLOC);
    before.slash(AVS, OP, 1, "stETH", wad(1, 2));
    assert_eq!(before.max_magnitude(OP, "stETH"), HALF);
    assert_eq!(before.operator_shares(OP, "stETH"), eth(50));
    assert_eq!(
        stored(&before, 1, "stETH"),
        Allocation {
            current_magnitude: HALF,
            pending_diff: -300_000_000_000_000_000,
            effect_block: b + DEALLOC + 1,
        }
    );

    // From the effect block on, only the remaining 0.4 is: 50% of it leaves max 0.8.
    for offset in [DEALLOC + 1, DEALLOC + 2] {
        let mut after = fork(&c);
        goto(&mut after, b + offset);
        after.slash(AVS, OP, 1, "stETH", wad(1, 2));
        assert_eq!(
            after.max_magnitude(OP, "stETH"),
            800_000_000_000_000_000,
            "slash at b + {offset}"
        );
        assert_eq!(after.operator_shares(OP, "stETH"), eth(80));
        assert_eq!(after.withdrawable(STAKER, "stETH"), eth(80));
    }
}

#[test]
fn deallocated_magnitude_stays_encumbered_until_the_effect_block() {
    let mut c = staked();
    c.create_set(AVS, 2, &["stETH"]);
    c.register_for(OP, AVS, &[2]);
    c.advance(1);
    let b = c.block.number;
    c.allocate(OP, AVS, 1, "stETH", 400_000_000_000_000_000);
    let strategy = c.strategy("stETH");

    goto(&mut c, b + DEALLOC);
    assert_eq!(encumbered(&c, "stETH"), WAD_U64);
    assert_eq!(
        allocation::allocatable_magnitude(&c.state, &OP, &strategy, b + DEALLOC).unwrap(),
        0
    );
    let err = c.fails(
        OP,
        allocate_action(&c, AVS, 2, "stETH", 600_000_000_000_000_000),
    );
    assert_eq!(
        err,
        Error::Allocation(AllocationError::InsufficientMagnitude {
            strategy,
            encumbered: 1_600_000_000_000_000_000,
            max: WAD_U64,
        })
    );
    // Clearing the queue one block early applies nothing.
    c.ok(addr(9), clear_queue_action(&c, "stETH", u16::MAX));
    assert_eq!(dealloc_queue_len(&c, "stETH"), 1);
    assert_eq!(stored(&c, 1, "stETH").current_magnitude, WAD_U64);

    goto(&mut c, b + DEALLOC + 1);
    assert_eq!(
        allocation::allocatable_magnitude(&c.state, &OP, &strategy, b + DEALLOC + 1).unwrap(),
        600_000_000_000_000_000
    );
    c.ok(addr(9), clear_queue_action(&c, "stETH", u16::MAX));
    assert_eq!(dealloc_queue_len(&c, "stETH"), 0);
    assert_eq!(encumbered(&c, "stETH"), 400_000_000_000_000_000);
    assert_eq!(
        stored(&c, 1, "stETH"),
        Allocation {
            current_magnitude: 400_000_000_000_000_000,
            pending_diff: 0,
            effect_block: 0,
        }
    );
    c.allocate(OP, AVS, 2, "stETH", 600_000_000_000_000_000);
    assert_eq!(encumbered(&c, "stETH"), WAD_U64);
}

#[test]
fn the_deallocation_queue_is_fifo_and_stops_at_the_first_immature_entry() {
    let mut c = Chain::new();
    c.deposit(STAKER, "stETH", eth(100));
    c.register_operator(OP);
    c.delegate(STAKER, OP);
    c.create_set(AVS, 1, &["stETH"]);
    c.create_set(AVS, 2, &["stETH"]);
    c.register_for(OP, AVS, &[1, 2]);
    c.allocate(OP, AVS, 1, "stETH", HALF);
    c.allocate(OP, AVS, 2, "stETH", HALF);
    c.advance(1);
    let b = c.block.number;
    c.allocate(OP, AVS, 1, "stETH", 0); // matures at b + 11
    c.advance(2);
    c.allocate(OP, AVS, 2, "stETH", 0); // matures at b + 13
    let strategy = c.strategy("stETH");
    assert_eq!(
        c.state
            .deallocation_queue(&OP, &strategy)
            .unwrap()
            .into_iter()
            .collect::<Vec<_>>(),
        vec![set(1), set(2)]
    );

    // Nothing has matured: nothing is applied.
    goto(&mut c, b + DEALLOC);
    c.ok(addr(9), clear_queue_action(&c, "stETH", u16::MAX));
    assert_eq!(dealloc_queue_len(&c, "stETH"), 2);
    assert_eq!(encumbered(&c, "stETH"), WAD_U64);

    // The head has matured, the next entry has not: clearing stops at it. (With one fixed delay
    // entries mature in queue order, so an immature head means every later entry is immature.)
    let mut mid = fork(&c);
    goto(&mut mid, b + DEALLOC + 1);
    assert_eq!(
        allocation::allocatable_magnitude(&mid.state, &OP, &strategy, b + DEALLOC + 1).unwrap(),
        HALF
    );
    mid.ok(addr(9), clear_queue_action(&mid, "stETH", u16::MAX));
    assert_eq!(
        mid.state
            .deallocation_queue(&OP, &strategy)
            .unwrap()
            .into_iter()
            .collect::<Vec<_>>(),
        vec![set(2)]
    );
    assert_eq!(stored(&mid, 1, "stETH"), Allocation::default());
    assert_eq!(stored(&mid, 2, "stETH").pending_diff, -i128::from(HALF));
    assert_eq!(encumbered(&mid, "stETH"), HALF);

    // Both have matured: `numToClear = 1` takes the head only, in queue order.
    goto(&mut c, b + DEALLOC + 3);
    c.ok(addr(9), clear_queue_action(&c, "stETH", 1));
    assert_eq!(
        c.state
            .deallocation_queue(&OP, &strategy)
            .unwrap()
            .into_iter()
            .collect::<Vec<_>>(),
        vec![set(2)]
    );
    assert_eq!(stored(&c, 1, "stETH"), Allocation::default());
    assert_eq!(encumbered(&c, "stETH"), HALF);
    c.ok(addr(9), clear_queue_action(&c, "stETH", 1));
    assert_eq!(dealloc_queue_len(&c, "stETH"), 0);
    assert_eq!(stored(&c, 2, "stETH"), Allocation::default());
    assert_eq!(encumbered(&c, "stETH"), 0);
}

#[test]
fn a_deallocation_of_unslashable_magnitude_is_immediate() {
    let mut c = staked();
    c.advance(1);
    let b = c.block.number;
    c.ok(
        OP,
        Action::DeregisterFromOperatorSets {
            operator: None,
            avs: AVS,
            operator_set_ids: vec![1],
        },
    );
    // Still slashable through b + DEALLOC: the deallocation waits.
    let mut inside = fork(&c);
    goto(&mut inside, b + DEALLOC);
    let events = inside.allocate(OP, AVS, 1, "stETH", 0);
    assert_eq!(allocation_effect_block(&events), b + 2 * DEALLOC + 1);
    assert_eq!(dealloc_queue_len(&inside, "stETH"), 1);

    // Past the window the set can no longer slash: the magnitude is freed in the same block.
    goto(&mut c, b + DEALLOC + 1);
    let events = c.allocate(OP, AVS, 1, "stETH", 0);
    assert_eq!(allocation_effect_block(&events), b + DEALLOC + 1);
    assert_eq!(dealloc_queue_len(&c, "stETH"), 0);
    assert_eq!(
        stored(&c, 1, "stETH"),
        Allocation {
            current_magnitude: 0,
            pending_diff: 0,
            effect_block: b + DEALLOC + 1,
        }
    );
    assert_eq!(encumbered(&c, "stETH"), 0);
}

// ---------------------------------------------------------------------------------------------
// Deregistration: slashable while block <= b + DEALLOCATION_DELAY.

#[test]
fn a_deregistered_operator_stays_slashable_through_block_plus_deallocation_delay() {
    let mut c = staked();
    c.advance(1);
    let b = c.block.number;
    let events = c.ok(
        OP,
        Action::DeregisterFromOperatorSets {
            operator: None,
            avs: AVS,
            operator_set_ids: vec![1],
        },
    );
    assert!(events.contains(&Event::OperatorRemovedFromOperatorSet {
        operator: OP,
        operator_set: set(1),
        slashable_until: b + DEALLOC,
    }));
    let status = c.state.registration(&OP, &set(1)).unwrap();
    assert!(!status.registered);
    assert_eq!(status.slashable_until, b + DEALLOC);

    for offset in [0, DEALLOC - 1, DEALLOC] {
        let mut f = fork(&c);
        goto(&mut f, b + offset);
        f.slash(AVS, OP, 1, "stETH", wad(1, 2));
        assert_eq!(f.max_magnitude(OP, "stETH"), HALF, "slash at b + {offset}");
        assert_eq!(f.operator_shares(OP, "stETH"), eth(50));
    }
    for offset in [DEALLOC + 1, DEALLOC + 2] {
        let mut f = fork(&c);
        goto(&mut f, b + offset);
        let err = f.fails(AVS, slash_action(&f, 1, "stETH", wad(1, 2)));
        assert_eq!(
            err,
            Error::Allocation(AllocationError::OperatorNotSlashable {
                operator: OP,
                set: set(1),
            })
        );
    }
}

#[test]
fn an_operator_cannot_rejoin_a_set_while_it_is_still_slashable_by_it() {
    let mut c = staked();
    c.advance(1);
    let b = c.block.number;
    c.ok(
        OP,
        Action::DeregisterFromOperatorSets {
            operator: None,
            avs: AVS,
            operator_set_ids: vec![1],
        },
    );
    let register = Action::RegisterForOperatorSets {
        operator: None,
        avs: AVS,
        operator_set_ids: vec![1],
        approval: None,
    };
    for offset in [0, DEALLOC - 1, DEALLOC] {
        goto(&mut c, b + offset);
        let err = c.fails(OP, register.clone());
        assert_eq!(
            err,
            Error::Allocation(AllocationError::AlreadyMemberOfSet(set(1))),
            "register at b + {offset}"
        );
    }
    goto(&mut c, b + DEALLOC + 1);
    c.ok(OP, register);
    let status = c.state.registration(&OP, &set(1)).unwrap();
    assert!(status.registered);
    assert_eq!(c.state.members(&set(1)).unwrap(), vec![OP]);
}

// ---------------------------------------------------------------------------------------------
// Allocation: effect block = b + allocationDelay (no +1).

#[test]
fn an_allocation_becomes_slashable_exactly_at_block_plus_allocation_delay() {
    let mut c = Chain::new();
    c.deposit(STAKER, "stETH", eth(100));
    register_operator_with_delay(&mut c, OP, 5);
    c.delegate(STAKER, OP);
    c.create_set(AVS, 1, &["stETH"]);
    c.register_for(OP, AVS, &[1]);
    c.advance(1);
    let b = c.block.number;
    let events = c.allocate(OP, AVS, 1, "stETH", WAD_U64);
    assert_eq!(allocation_effect_block(&events), b + 5);

    for offset in [0, 4] {
        let mut f = fork(&c);
        goto(&mut f, b + offset);
        let events = f.slash(AVS, OP, 1, "stETH", wad(1, 2));
        // The slash goes through but skips the strategy: nothing is allocated yet.
        assert_eq!(slashed_shares(&events), U256::ZERO, "slash at b + {offset}");
        assert!(events.iter().any(|e| matches!(
            e,
            Event::OperatorSlashed { wad_slashed, .. } if wad_slashed == &vec![U256::ZERO]
        )));
        assert!(
            !events
                .iter()
                .any(|e| matches!(e, Event::MaxMagnitudeUpdated { .. }))
        );
        assert_eq!(f.max_magnitude(OP, "stETH"), WAD_U64);
        assert_eq!(f.operator_shares(OP, "stETH"), eth(100));
    }
    for offset in [5, 6] {
        let mut f = fork(&c);
        goto(&mut f, b + offset);
        let events = f.slash(AVS, OP, 1, "stETH", wad(1, 2));
        assert_eq!(slashed_shares(&events), eth(50), "slash at b + {offset}");
        assert_eq!(f.max_magnitude(OP, "stETH"), HALF);
        assert_eq!(f.withdrawable(STAKER, "stETH"), eth(50));
    }
}

#[test]
fn an_allocation_delay_change_applies_at_block_plus_configuration_delay_plus_one() {
    let mut c = staked();
    c.create_set(AVS, 2, &["rETH"]);
    c.advance(1);
    let b = c.block.number;
    let events = c.ok(
        OP,
        Action::SetAllocationDelay {
            operator: None,
            delay: 7,
        },
    );
    assert!(events.contains(&Event::AllocationDelaySet {
        operator: OP,
        delay: 7,
        effect_block: b + ALLOC_CFG + 1,
    }));
    let info = c.state.allocation_delay_info(&OP).unwrap();
    assert_eq!(info.at(b + ALLOC_CFG), (true, 0));
    assert_eq!(info.at(b + ALLOC_CFG + 1), (true, 7));

    // The old delay (0) applies through b + 15; the new one (7) from b + 16.
    for (offset, expected) in [
        (ALLOC_CFG, b + ALLOC_CFG),
        (ALLOC_CFG + 1, b + ALLOC_CFG + 1 + 7),
        (ALLOC_CFG + 2, b + ALLOC_CFG + 2 + 7),
    ] {
        let mut f = fork(&c);
        goto(&mut f, b + offset);
        let events = f.allocate(OP, AVS, 2, "rETH", HALF);
        assert_eq!(
            allocation_effect_block(&events),
            expected,
            "allocate at b + {offset}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Slasher change: effect = b + SLASHER_CONFIGURATION_DELAY + 1.

#[test]
fn a_slasher_change_hands_over_at_block_plus_configuration_delay_plus_one() {
    let new_slasher = addr(6);
    let mut c = staked();
    c.advance(1);
    let b = c.block.number;
    let events = c.ok(
        AVS,
        Action::UpdateSlasher {
            avs: None,
            operator_set_id: 1,
            slasher: new_slasher,
        },
    );
    assert!(events.contains(&Event::SlasherUpdated {
        operator_set: set(1),
        slasher: new_slasher,
        effect_block: b + SLASHER_CFG + 1,
    }));
    assert_eq!(
        c.state.slasher_at(&set(1), b + SLASHER_CFG).unwrap(),
        Some(AVS)
    );
    assert_eq!(
        c.state.slasher_at(&set(1), b + SLASHER_CFG + 1).unwrap(),
        Some(new_slasher)
    );

    for (offset, in_charge, retired) in [
        (SLASHER_CFG, AVS, new_slasher),
        (SLASHER_CFG + 1, new_slasher, AVS),
        (SLASHER_CFG + 2, new_slasher, AVS),
    ] {
        let mut f = fork(&c);
        goto(&mut f, b + offset);
        let err = f.fails(retired, slash_action(&f, 1, "stETH", wad(1, 2)));
        assert_eq!(
            err,
            Error::Allocation(AllocationError::InvalidCaller(retired)),
            "slash by the other slasher at b + {offset}"
        );
        f.ok(in_charge, slash_action(&f, 1, "stETH", wad(1, 2)));
        assert_eq!(f.max_magnitude(OP, "stETH"), HALF);
    }
}

// ---------------------------------------------------------------------------------------------
// Rounding.

#[test]
fn repeated_one_wei_slashes_still_remove_magnitude_because_it_rounds_up() {
    let mut c = Chain::new();
    c.deposit(STAKER, "stETH", eth(100));
    c.register_operator(OP);
    c.delegate(STAKER, OP);
    c.create_set(AVS, 1, &["stETH"]);
    c.register_for(OP, AVS, &[1]);
    c.allocate(OP, AVS, 1, "stETH", HALF);
    for i in 1..=3u64 {
        c.advance(1);
        // floor(0.5e18 * 1 / 1e18) would be 0; ceil is 1.
        let events = c.slash(AVS, OP, 1, "stETH", U256::from(1));
        assert_eq!(c.max_magnitude(OP, "stETH"), WAD_U64 - i);
        assert_eq!(stored(&c, 1, "stETH").current_magnitude, HALF - i);
        assert_eq!(encumbered(&c, "stETH"), HALF - i);
        // The operator's 100e18 shares shrink by (W - i) / (W - i + 1): exactly 100 wei.
        let expected = eth(100) - U256::from(100 * i);
        assert_eq!(c.operator_shares(OP, "stETH"), expected);
        assert_eq!(c.withdrawable(STAKER, "stETH"), expected);
        assert_eq!(slashed_shares(&events), U256::from(100));
    }
}

#[test]
fn operator_shares_lose_the_rounded_down_amount_so_they_cover_every_staker() {
    let stakers = [(addr(1), 10u64), (addr(4), 7), (addr(5), 3)];
    let mut c = Chain::new();
    c.register_operator(OP);
    for (s, amount) in stakers {
        c.deposit(s, "stETH", U256::from(amount));
        c.delegate(s, OP);
    }
    assert_eq!(c.operator_shares(OP, "stETH"), U256::from(20));
    c.create_set(AVS, 1, &["stETH"]);
    c.register_for(OP, AVS, &[1]);
    c.allocate(OP, AVS, 1, "stETH", WAD_U64);
    c.advance(1);
    // Magnitude 1e18 -> 666666666666666667 (a third, rounded up, is slashed).
    let events = c.slash(AVS, OP, 1, "stETH", wad(1, 3));
    assert_eq!(c.max_magnitude(OP, "stETH"), 666_666_666_666_666_667);
    // op = 20 - (20 - ceil(20 * 2/3)) = 14: 6 removed, not 6.67.
    assert_eq!(slashed_shares(&events), U256::from(6));
    assert_eq!(c.operator_shares(OP, "stETH"), U256::from(14));
    // Stakers round down: floor(10 * 2/3) = 6, floor(7 * 2/3) = 4, floor(3 * 2/3) = 2.
    let each: Vec<U256> = stakers
        .iter()
        .map(|(s, _)| c.withdrawable(*s, "stETH"))
        .collect();
    assert_eq!(each, vec![U256::from(6), U256::from(4), U256::from(2)]);
    let sum: U256 = each.iter().copied().sum();
    assert!(c.operator_shares(OP, "stETH") >= sum);
    assert_eq!(c.operator_shares(OP, "stETH") - sum, U256::from(2));
}

#[test]
fn withdrawable_shares_and_the_scaling_factor_round_down() {
    let late = addr(4);
    let mut c = staked();
    c.advance(1);
    c.slash(AVS, OP, 1, "stETH", wad(1, 3));
    let m = 666_666_666_666_666_667u64;
    assert_eq!(c.max_magnitude(OP, "stETH"), m);
    c.delegate(late, OP);
    c.deposit(late, "stETH", U256::from(10));
    // k = floor(1e36 / m) = 1.499999999999999999e18, not 1.5e18.
    let strategy = c.strategy("stETH");
    assert_eq!(
        c.state.deposit_scaling_factor(&late, &strategy).unwrap(),
        u(1_499_999_999_999_999_999)
    );
    // a = floor(floor(10 * k) * m) = floor(14 * m / 1e18) = 9: one wei below the deposit.
    assert_eq!(c.deposit_shares(late, "stETH"), U256::from(10));
    assert_eq!(c.withdrawable(late, "stETH"), U256::from(9));
}

// ---------------------------------------------------------------------------------------------
// Fully slashed operators (m = 0).

/// `staked()` followed by a 100% slash: OP's stETH max magnitude is 0.
fn fully_slashed() -> Chain {
    let mut c = staked();
    c.advance(1);
    c.slash(AVS, OP, 1, "stETH", WAD);
    assert_eq!(c.max_magnitude(OP, "stETH"), 0);
    assert_eq!(c.operator_shares(OP, "stETH"), U256::ZERO);
    assert_eq!(c.withdrawable(STAKER, "stETH"), U256::ZERO);
    c
}

fn deposit_action(c: &Chain, symbol: &str, amount: U256) -> Action {
    Action::DepositIntoStrategy {
        strategy: c.strategy(symbol),
        token: c.token(symbol),
        amount,
    }
}

fn delegate_action(op: Address) -> Action {
    Action::DelegateTo {
        operator: op,
        approver_signature: None,
        approver_expiry: 0,
        approver_salt: B256::ZERO,
    }
}

#[test]
fn deposits_by_stakers_of_a_fully_slashed_operator_revert_fully_slashed() {
    let mut c = fully_slashed();
    let fully = Error::Delegation(DelegationError::FullySlashed {
        operator: OP,
        strategy: c.strategy("stETH"),
    });
    assert_eq!(c.fails(STAKER, deposit_action(&c, "stETH", eth(1))), fully);
    // The operator is delegated to itself.
    assert_eq!(c.fails(OP, deposit_action(&c, "stETH", eth(1))), fully);
    // A staker that joins with nothing can delegate, but not deposit the strategy.
    c.delegate(addr(5), OP);
    assert_eq!(c.fails(addr(5), deposit_action(&c, "stETH", eth(1))), fully);
    // Other strategies are untouched.
    c.deposit(STAKER, "rETH", eth(1));
    assert_eq!(c.withdrawable(STAKER, "rETH"), eth(1));
}

#[test]
fn delegating_holdings_to_a_fully_slashed_operator_reverts_fully_slashed() {
    let mut c = fully_slashed();
    let holder = addr(4);
    c.deposit(holder, "stETH", eth(5));
    let err = c.fails(holder, delegate_action(OP));
    assert_eq!(
        err,
        Error::Delegation(DelegationError::FullySlashed {
            operator: OP,
            strategy: c.strategy("stETH"),
        })
    );
    // Holding only a strategy the operator still has magnitude in is fine.
    let other = addr(6);
    c.deposit(other, "rETH", eth(5));
    c.delegate(other, OP);
    assert_eq!(c.operator_shares(OP, "rETH"), eth(5));
}

#[test]
fn stakers_of_a_fully_slashed_operator_can_still_queue_undelegate_and_complete_for_zero() {
    let mut c = fully_slashed();
    let start = c.balance(STAKER, "stETH");
    let events = c.ok(
        STAKER,
        Action::QueueWithdrawals {
            params: vec![QueuedWithdrawalParams {
                strategies: vec![c.strategy("stETH")],
                deposit_shares: vec![eth(30)],
            }],
        },
    );
    assert!(events.iter().any(|e| matches!(
        e,
        Event::SlashingWithdrawalQueued { withdrawable_shares, .. }
            if withdrawable_shares == &vec![U256::ZERO]
    )));
    let queued = queued_roots(&events)[0];
    let events = c.ok(STAKER, Action::Undelegate { staker: STAKER });
    let undelegated = queued_roots(&events);
    assert_eq!(undelegated.len(), 1);
    assert_eq!(c.state.delegated_to(&STAKER).unwrap(), None);
    assert_eq!(c.deposit_shares(STAKER, "stETH"), U256::ZERO);

    c.advance(D + 1);
    assert_eq!(payout(&mut c, STAKER, queued, "stETH"), U256::ZERO);
    assert_eq!(payout(&mut c, STAKER, undelegated[0], "stETH"), U256::ZERO);
    assert_eq!(c.balance(STAKER, "stETH"), start);
    assert_eq!(c.state.queued_withdrawal(&queued).unwrap(), None);
    assert_eq!(c.state.queued_withdrawal(&undelegated[0]).unwrap(), None);
    assert!(c.state.queued_withdrawal_roots(&STAKER).unwrap().is_empty());
}

#[test]
fn completing_as_shares_into_a_fully_slashed_operator_reverts() {
    let mut c = fully_slashed();
    let healthy = addr(7);
    let mover = addr(4);
    c.register_operator(healthy);
    c.deposit(mover, "stETH", eth(10));
    c.delegate(mover, healthy);
    // Redelegating works: everything is queued first, so nothing reaches OP yet.
    let events = c.ok(
        mover,
        Action::Redelegate {
            new_operator: OP,
            approver_signature: None,
            approver_expiry: 0,
            approver_salt: B256::ZERO,
        },
    );
    let root = queued_roots(&events)[0];
    assert_eq!(c.state.delegated_to(&mover).unwrap(), Some(OP));
    c.advance(D + 1);
    let err = c.fails(mover, complete_action(root, false));
    assert_eq!(
        err,
        Error::Delegation(DelegationError::FullySlashed {
            operator: OP,
            strategy: c.strategy("stETH"),
        })
    );
    // As tokens it pays in full (the old operator was never slashed).
    assert_eq!(payout(&mut c, mover, root, "stETH"), eth(10));
}

// ---------------------------------------------------------------------------------------------
// DSF reset.

#[test]
fn the_scaling_factor_resets_to_wad_when_a_withdrawal_takes_all_deposit_shares() {
    let staker = addr(4);
    let mut c = staked();
    c.advance(1);
    c.slash(AVS, OP, 1, "stETH", wad(1, 2));
    let strategy = c.strategy("stETH");
    c.delegate(staker, OP);
    c.deposit(staker, "stETH", eth(10));
    assert_eq!(
        c.state.deposit_scaling_factor(&staker, &strategy).unwrap(),
        eth(2)
    );
    // A partial withdrawal keeps the factor.
    c.queue(staker, "stETH", eth(4));
    assert_eq!(
        c.state.deposit_scaling_factor(&staker, &strategy).unwrap(),
        eth(2)
    );
    assert_eq!(c.withdrawable(staker, "stETH"), eth(6));
    // Taking the rest resets it.
    let events = c.ok(
        staker,
        Action::QueueWithdrawals {
            params: vec![QueuedWithdrawalParams {
                strategies: vec![strategy],
                deposit_shares: vec![eth(6)],
            }],
        },
    );
    assert!(events.contains(&Event::DepositScalingFactorUpdated {
        staker,
        strategy,
        new_deposit_scaling_factor: WAD,
    }));
    assert_eq!(
        c.state.deposit_scaling_factor(&staker, &strategy).unwrap(),
        WAD
    );
    // So a new deposit starts from WAD / m = 2, not from 2 / m = 4.
    c.deposit(staker, "stETH", eth(10));
    assert_eq!(
        c.state.deposit_scaling_factor(&staker, &strategy).unwrap(),
        eth(2)
    );
    assert_eq!(c.withdrawable(staker, "stETH"), eth(10));
}

// ---------------------------------------------------------------------------------------------
// Historical reads and snapshots.

#[test]
fn completion_uses_the_max_magnitude_at_start_plus_d_and_ignores_later_slashes() {
    let mut c = staked();
    c.advance(1);
    let t = c.block.number;
    let root = c.queue(STAKER, "stETH", eth(40));
    goto(&mut c, t + D);
    c.slash(AVS, OP, 1, "stETH", wad(1, 2)); // counts: max 0.5
    goto(&mut c, t + D + 1);
    c.slash(AVS, OP, 1, "stETH", wad(1, 2)); // too late: max 0.25
    goto(&mut c, t + D + 5);
    c.slash(AVS, OP, 1, "stETH", wad(1, 2)); // too late: max 0.125
    assert_eq!(c.max_magnitude(OP, "stETH"), WAD_U64 / 8);
    let strategy = c.strategy("stETH");
    assert_eq!(
        c.state.max_magnitude_at(&OP, &strategy, t + D).unwrap(),
        HALF
    );
    assert_eq!(payout(&mut c, STAKER, root, "stETH"), eth(20));
}

#[test]
fn two_slashes_in_one_block_leave_one_snapshot_with_the_final_value() {
    let mut c = staked();
    c.advance(1);
    let b = c.block.number;
    let strategy = c.strategy("stETH");
    c.slash(AVS, OP, 1, "stETH", wad(1, 2));
    // Two queued withdrawals in the same block also share one history entry.
    c.queue(STAKER, "stETH", eth(10));
    c.queue(STAKER, "stETH", eth(10));
    c.slash(AVS, OP, 1, "stETH", wad(1, 2));
    let history = c.state.max_magnitude_history(&OP, &strategy).unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history.entries()[0].key, b);
    assert_eq!(history.entries()[0].value, u(250_000_000_000_000_000));
    assert_eq!(
        c.state.max_magnitude_at(&OP, &strategy, b - 1).unwrap(),
        WAD_U64
    );
    assert_eq!(
        c.state.max_magnitude_at(&OP, &strategy, b).unwrap(),
        WAD_U64 / 4
    );
    assert_eq!(
        c.state
            .cumulative_scaled_shares_at(&OP, &strategy, b)
            .unwrap(),
        eth(20)
    );
    assert_eq!(
        c.state
            .cumulative_scaled_shares_at(&OP, &strategy, b - 1)
            .unwrap(),
        U256::ZERO
    );
    // Each slash has its own bucket: 50 of the 100; then 20 of the 40 left with the operator
    // plus 5 of the 10 the two withdrawals are still worth.
    let buckets = restake_core::strategy_manager::StrategyManagerRead::slash_buckets(&c.state)
        .unwrap()
        .into_iter()
        .map(|b| (b.slash_id, b.shares))
        .collect::<Vec<_>>();
    assert_eq!(buckets, vec![(1, eth(50)), (2, eth(25))]);
}

// ---------------------------------------------------------------------------------------------
// Pending changes.

#[test]
fn a_second_change_while_one_is_pending_fails_modification_already_pending() {
    let mut c = Chain::new();
    c.deposit(STAKER, "stETH", eth(100));
    register_operator_with_delay(&mut c, OP, 5);
    c.delegate(STAKER, OP);
    c.create_set(AVS, 1, &["stETH"]);
    c.register_for(OP, AVS, &[1]);
    c.advance(1);
    let b = c.block.number;
    let strategy = c.strategy("stETH");
    let pending = Error::Allocation(AllocationError::ModificationAlreadyPending(strategy));

    // A pending allocation (effect b + 5).
    c.allocate(OP, AVS, 1, "stETH", HALF);
    for now in [b, b + 4] {
        goto(&mut c, now);
        assert_eq!(
            c.fails(
                OP,
                allocate_action(&c, AVS, 1, "stETH", 600_000_000_000_000_000)
            ),
            pending
        );
    }
    goto(&mut c, b + 5);
    let events = c.allocate(OP, AVS, 1, "stETH", 600_000_000_000_000_000);
    assert_eq!(allocation_effect_block(&events), b + 10);

    // A pending deallocation (effect b + 10 + DEALLOC + 1).
    goto(&mut c, b + 10);
    let events = c.allocate(OP, AVS, 1, "stETH", 100_000_000_000_000_000);
    let effect = b + 10 + DEALLOC + 1;
    assert_eq!(allocation_effect_block(&events), effect);
    goto(&mut c, effect - 1);
    assert_eq!(
        c.fails(OP, allocate_action(&c, AVS, 1, "stETH", 0)),
        pending
    );
    goto(&mut c, effect);
    c.allocate(OP, AVS, 1, "stETH", 0);
}

#[test]
fn only_one_change_is_pending_per_set_and_strategy_but_others_may_proceed() {
    let mut c = Chain::new();
    c.deposit(STAKER, "stETH", eth(100));
    register_operator_with_delay(&mut c, OP, 5);
    c.delegate(STAKER, OP);
    c.create_set(AVS, 1, &["stETH", "rETH"]);
    c.create_set(AVS, 2, &["stETH"]);
    c.register_for(OP, AVS, &[1, 2]);
    c.advance(1);
    let b = c.block.number;
    c.allocate(OP, AVS, 1, "stETH", HALF);
    // Same block: another set in the same strategy, and the same set in another strategy.
    c.allocate(OP, AVS, 2, "stETH", HALF);
    c.allocate(OP, AVS, 1, "rETH", HALF);
    for (id, symbol) in [(1, "stETH"), (2, "stETH"), (1, "rETH")] {
        let a = stored(&c, id, symbol);
        assert_eq!(a.pending_diff, i128::from(HALF));
        assert_eq!(a.effect_block, b + 5);
    }
    // Pending allocations encumber at once: the stETH magnitude is used up.
    assert_eq!(encumbered(&c, "stETH"), WAD_U64);
    assert_eq!(
        c.fails(OP, allocate_action(&c, AVS, 2, "stETH", WAD_U64)),
        Error::Allocation(AllocationError::ModificationAlreadyPending(
            c.strategy("stETH")
        ))
    );
}

// ---------------------------------------------------------------------------------------------
// Known race: a 100% slash and a deallocation.

#[test]
fn a_full_slash_turns_a_pending_deallocation_into_zero() {
    let mut c = staked();
    c.advance(1);
    let b = c.block.number;
    c.allocate(OP, AVS, 1, "stETH", HALF); // deallocate half, effect b + 11
    c.advance(1);
    c.slash(AVS, OP, 1, "stETH", WAD);
    assert_eq!(c.max_magnitude(OP, "stETH"), 0);
    assert_eq!(
        stored(&c, 1, "stETH"),
        Allocation {
            current_magnitude: 0,
            pending_diff: 0,
            effect_block: b + DEALLOC + 1,
        }
    );
    assert_eq!(encumbered(&c, "stETH"), 0);
    goto(&mut c, b + DEALLOC + 1);
    c.ok(addr(9), clear_queue_action(&c, "stETH", u16::MAX));
    assert_eq!(stored(&c, 1, "stETH"), Allocation::default());
    assert_eq!(encumbered(&c, "stETH"), 0);
    assert_eq!(dealloc_queue_len(&c, "stETH"), 0);
}

#[test]
fn a_deallocation_sent_after_a_full_slash_becomes_an_allocation() {
    let mut c = Chain::new();
    c.deposit(STAKER, "stETH", eth(100));
    register_operator_with_delay(&mut c, OP, 3);
    c.delegate(STAKER, OP);
    c.create_set(AVS, 1, &["stETH"]);
    c.register_for(OP, AVS, &[1]);
    c.allocate(OP, AVS, 1, "stETH", HALF);
    c.advance(3);
    // The AVS slashes all of the allocation just before the operator's "reduce to 0.25".
    c.slash(AVS, OP, 1, "stETH", WAD);
    assert_eq!(c.max_magnitude(OP, "stETH"), HALF);
    assert_eq!(stored(&c, 1, "stETH").current_magnitude, 0);
    let b = c.block.number;
    let events = c.allocate(OP, AVS, 1, "stETH", HALF / 2);
    // Current is 0, so going to 0.25 is an increase: it waits the allocation delay (not the
    // deallocation delay), encumbers magnitude, and becomes slashable again.
    assert_eq!(allocation_effect_block(&events), b + 3);
    assert_eq!(encumbered(&c, "stETH"), HALF / 2);
    assert_eq!(dealloc_queue_len(&c, "stETH"), 0);
    goto(&mut c, b + 3);
    c.slash(AVS, OP, 1, "stETH", WAD);
    assert_eq!(c.max_magnitude(OP, "stETH"), HALF / 2);
}
