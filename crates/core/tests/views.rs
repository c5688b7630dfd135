//! The read-only summaries stakers and operators look at.
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
use restake_core::views;

const STAKER: Address = Address::repeat_byte(1);
const OP: Address = Address::repeat_byte(2);
const AVS: Address = Address::repeat_byte(3);
const HALF: u64 = 500_000_000_000_000_000;

fn setup() -> Chain {
    let mut c = Chain::new();
    c.deposit(STAKER, "stETH", eth(40));
    c.register_operator(OP);
    c.delegate(STAKER, OP);
    c.create_set(AVS, 1, &["stETH"]);
    c.register_for(OP, AVS, &[1]);
    c
}

#[test]
fn staker_view_shows_what_each_set_can_slash_and_when_a_change_applies() {
    let mut c = setup();
    c.ok(
        OP,
        restake_core::Action::SetAllocationDelay {
            operator: None,
            delay: 5,
        },
    );
    // Delay changes take effect after the configuration delay; the old delay (0) applies now.
    c.allocate(OP, AVS, 1, "stETH", HALF);
    let v = views::staker(&c.state, &STAKER, c.block.number).unwrap();
    assert_eq!(v.delegated_to, Some(OP));
    assert_eq!(v.positions[0].withdrawable_shares, eth(40));
    assert_eq!(v.exposures.len(), 1);
    assert_eq!(v.exposures[0].slashable_shares, eth(20));
    assert_eq!(v.exposures[0].allocated_fraction, wad(1, 2));

    // A deallocation is pending: still slashable until its effect block.
    c.allocate(OP, AVS, 1, "stETH", HALF / 2);
    let v = views::staker(&c.state, &STAKER, c.block.number).unwrap();
    let e = &v.exposures[0];
    assert_eq!(e.slashable_shares, eth(20));
    assert_eq!(e.pending_fraction, wad(1, 4));
    assert_eq!(e.pending_effect_block, c.block.number + 10 + 1);
    let v = views::staker(&c.state, &STAKER, e.pending_effect_block).unwrap();
    assert_eq!(v.exposures[0].slashable_shares, eth(10));
}

#[test]
fn staker_view_lists_queued_withdrawals_with_their_completion_block() {
    let mut c = setup();
    let root = c.queue(STAKER, "stETH", eth(15));
    let v = views::staker(&c.state, &STAKER, c.block.number).unwrap();
    assert_eq!(v.queued_withdrawals.len(), 1);
    assert_eq!(v.queued_withdrawals[0].withdrawal_root, root);
    assert_eq!(
        v.queued_withdrawals[0].completable_at_block,
        c.block.number + 10 + 1
    );
    assert_eq!(v.queued_withdrawals[0].shares, vec![eth(15)]);
    assert_eq!(v.positions[0].deposit_shares, eth(25));
}

#[test]
fn operator_view_reports_allocatable_magnitude_and_slashable_shares() {
    let mut c = setup();
    c.allocate(OP, AVS, 1, "stETH", HALF);
    let v = views::operator(&c.state, &OP, c.block.number)
        .unwrap()
        .unwrap();
    assert_eq!(v.allocation_delay, Some(0));
    assert_eq!(v.strategies[0].operator_shares, eth(40));
    assert_eq!(v.strategies[0].allocatable_magnitude, HALF);
    assert_eq!(v.allocations[0].slashable_shares, eth(20));
    assert!(
        views::operator(&c.state, &STAKER, c.block.number)
            .unwrap()
            .is_none()
    );
    // Deregistered operators stay slashable for the deallocation delay, then drop to zero.
    c.ok(
        OP,
        restake_core::Action::DeregisterFromOperatorSets {
            operator: None,
            avs: AVS,
            operator_set_ids: vec![1],
        },
    );
    let until = c.block.number + 10;
    let at = |b| {
        views::operator(&c.state, &OP, b)
            .unwrap()
            .unwrap()
            .allocations[0]
            .slashable_shares
    };
    assert_eq!(at(until), eth(20));
    assert_eq!(at(until + 1), U256::ZERO);
}
