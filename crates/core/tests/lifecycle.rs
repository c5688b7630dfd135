//! Whole user stories through `execute`, checked to the wei.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::panic,
    missing_docs
)]

mod common;
use common::*;
use restake_primitives::WAD;

const STAKER: alloy_primitives::Address = alloy_primitives::Address::repeat_byte(1);
const OP: alloy_primitives::Address = alloy_primitives::Address::repeat_byte(2);
const AVS: alloy_primitives::Address = alloy_primitives::Address::repeat_byte(3);

#[test]
fn deposit_delegate_allocate_slash_queue_and_complete_as_tokens_pays_to_the_wei() {
    let mut c = Chain::new();
    let start = c.balance(STAKER, "stETH");
    c.deposit(STAKER, "stETH", eth(100));
    assert_eq!(c.deposit_shares(STAKER, "stETH"), eth(100));
    c.register_operator(OP);
    c.delegate(STAKER, OP);
    assert_eq!(c.operator_shares(OP, "stETH"), eth(100));

    c.create_set(AVS, 1, &["stETH"]);
    c.register_for(OP, AVS, &[1]);
    c.allocate(OP, AVS, 1, "stETH", 500_000_000_000_000_000); // 50% of the stake
    c.advance(1);
    // Slash 20% of the allocation = 10% of the operator's stake.
    c.slash(AVS, OP, 1, "stETH", wad(1, 5));
    assert_eq!(c.max_magnitude(OP, "stETH"), 900_000_000_000_000_000);
    assert_eq!(c.operator_shares(OP, "stETH"), eth(90));
    assert_eq!(c.withdrawable(STAKER, "stETH"), eth(90));

    let root = c.queue(STAKER, "stETH", eth(100));
    assert_eq!(c.operator_shares(OP, "stETH"), alloy_primitives::U256::ZERO);
    let d = c.state_params().min_withdrawal_delay_blocks;
    c.advance(d);
    let err = c.fails(
        STAKER,
        restake_core::Action::CompleteQueuedWithdrawal {
            withdrawal_root: root,
            receive_as_tokens: true,
        },
    );
    assert!(err.to_string().contains("completable at block"), "{err}");
    c.advance(1);
    c.complete(STAKER, root, true);
    // 90 stETH back; the pool had no other depositors so the rate is exact.
    assert_eq!(c.balance(STAKER, "stETH"), start - eth(10));
    assert_eq!(
        c.deposit_shares(STAKER, "stETH"),
        alloy_primitives::U256::ZERO
    );
}

#[test]
fn slashed_shares_are_burned_when_the_bucket_is_cleared() {
    let mut c = Chain::new();
    c.deposit(STAKER, "rETH", eth(50));
    c.register_operator(OP);
    c.delegate(STAKER, OP);
    c.create_set(AVS, 7, &["rETH"]);
    c.register_for(OP, AVS, &[7]);
    c.allocate(OP, AVS, 7, "rETH", WAD.to::<u64>());
    c.slash(AVS, OP, 7, "rETH", WAD / alloy_primitives::U256::from(2));
    let supply_before = c.supply("rETH");
    c.ok(
        addr(9),
        restake_core::Action::ClearBurnOrRedistributableShares {
            avs: AVS,
            operator_set_id: 7,
            slash_id: 1,
        },
    );
    let burned = supply_before - c.supply("rETH");
    // 25 rETH worth of shares: the virtual offset keeps a dust of value in the pool.
    assert!(
        burned <= eth(25) && eth(25) - burned < alloy_primitives::U256::from(2),
        "burned {burned}"
    );
    assert_eq!(c.withdrawable(STAKER, "rETH"), eth(25));
}

impl Chain {
    fn state_params(&self) -> restake_core::config::Params {
        restake_core::config::ConfigRead::params(&self.state).unwrap()
    }

    fn supply(&self, symbol: &str) -> alloy_primitives::U256 {
        restake_core::tokens::TokensRead::token(&self.state, &self.token(symbol))
            .unwrap()
            .unwrap()
            .total_supply
    }
}
