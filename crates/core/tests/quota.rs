//! The transaction quota (ADR 0005): an unfunded key cannot write, a funded account writes at
//! the rate its weight buys and no more, deposits count as weight, and role holders never depend
//! on a balance. Through the block function, as a proposer and as a verifier.
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
use restake_core::Action;
use restake_core::block::{
    self, BlockEnv, BlockError, InvalidBlock, Mode, NextBlock, Sealed, VerifiedTx,
};
use restake_core::config::Params;
use restake_core::delegation::QueuedWithdrawalParams;
use restake_core::quota;
use restake_core::state::StateWrite;

/// Devnet parameters where one whole token (or share) buys one transaction per window.
fn params() -> Params {
    Params {
        quota_unit_weight: eth(1),
        ..Params::devnet()
    }
}

/// A key that holds nothing at genesis.
fn newcomer() -> Key {
    Key::from_seed(99)
}

fn transfer(c: &Chain, to: Address) -> Action {
    Action::Transfer {
        token: c.token("stETH"),
        to,
        amount: U256::from(1),
    }
}

/// Builds the next block from `txs` (12 s after the head) and commits it to the harness.
fn commit(c: &mut Chain, txs: &[VerifiedTx]) -> Sealed {
    let parent = c.head();
    let executed = block::execute(
        &c.state,
        &BlockEnv::after(parent.clone()),
        Mode::Build(&NextBlock {
            timestamp_ms: parent.timestamp_ms + 12_000,
            proposer: Address::ZERO,
            last_commit: None,
        }),
        txs,
    )
    .unwrap();
    c.state.apply(executed.changes.clone());
    let sealed = executed.seal(B256::ZERO).unwrap();
    c.block.number = u32::try_from(sealed.block.header.height).unwrap();
    c.block.timestamp = sealed.block.header.timestamp_secs();
    sealed
}

/// [`newcomer`], given three stETH by a genesis holder: three units per window.
fn funded_newcomer(c: &mut Chain) -> Key {
    let key = newcomer();
    c.ok(
        addr(1),
        Action::Transfer {
            token: c.token("stETH"),
            to: key.address(),
            amount: eth(3),
        },
    );
    key
}

/// `n` transfers from `key` with consecutive nonces.
fn transfers(c: &Chain, key: &Key, n: u64) -> Vec<VerifiedTx> {
    (0..n)
        .map(|i| c.signed(key, transfer(c, addr(9)), i))
        .collect()
}

#[test]
fn an_unfunded_key_cannot_put_a_transaction_in_a_block() {
    let c = Chain::with_params(params());
    let tx = c.signed(&newcomer(), transfer(&c, addr(9)), 0);
    // The proposer leaves it out and reports it.
    let mut proposer = Chain::with_params(params());
    let built = commit(&mut proposer, std::slice::from_ref(&tx));
    assert!(built.block.transactions.is_empty());
    assert_eq!(built.dropped, vec![tx.hash]);
    // A block that carries it, built where the quota is off, is invalid here.
    let mut lax = Chain::with_params(params().without_quota());
    let carried = commit(&mut lax, std::slice::from_ref(&tx));
    assert_eq!(carried.block.transactions.len(), 1);
    let verified = block::execute(
        &c.state,
        &BlockEnv::after(c.head()),
        Mode::Verify {
            header: &carried.block.header,
            last_commit: None,
            now_ms: None,
        },
        &[tx],
    );
    match verified {
        Err(BlockError::Invalid(InvalidBlock::Transaction { index: 0, reason })) => {
            assert!(reason.contains("quota"), "{reason}");
        }
        other => panic!("expected an invalid block, got {other:?}"),
    }
}

#[test]
fn a_funded_account_writes_what_its_weight_buys_per_window_and_no_more() {
    let mut c = Chain::with_params(params());
    let key = funded_newcomer(&mut c);
    assert_eq!(
        quota::allowance(&c.state, &params(), &key.address()).unwrap(),
        3
    );
    // Four in one block: three fit, the fourth is left out.
    let four = transfers(&c, &key, 4);
    let first = commit(&mut c, &four);
    assert_eq!(first.block.transactions.len(), 3);
    assert_eq!(first.dropped, vec![four[3].hash]);
    // Nothing more in the same window, however many blocks pass within it.
    let window = quota::window(&params(), first.block.header.height);
    let mut more = transfers(&c, &key, 1);
    while quota::window(&params(), c.head().height + 1) == window {
        let b = commit(&mut c, &more);
        assert!(b.block.transactions.is_empty());
        more = transfers(&c, &key, 1);
    }
    // The next window gives the units back.
    let next = commit(&mut c, &more);
    assert_eq!(next.block.transactions.len(), 1);
}

#[test]
fn deposit_shares_count_so_a_staker_who_deposited_everything_can_still_withdraw() {
    let mut c = Chain::with_params(params());
    let key = funded_newcomer(&mut c);
    let deposit = c.signed(
        &key,
        Action::DepositIntoStrategy {
            strategy: c.strategy("stETH"),
            token: c.token("stETH"),
            amount: eth(3),
        },
        0,
    );
    assert_eq!(commit(&mut c, &[deposit]).block.transactions.len(), 1);
    // The balance is gone; the shares hold the weight.
    assert_eq!(
        quota::weight(&c.state, &key.address()).unwrap(),
        eth(3),
        "deposit shares of an 18-decimal pool at 1:1"
    );
    c.advance(10);
    let withdraw = c.signed(
        &key,
        Action::QueueWithdrawals {
            params: vec![QueuedWithdrawalParams {
                strategies: vec![c.strategy("stETH")],
                deposit_shares: vec![eth(3)],
            }],
        },
        0,
    );
    let b = commit(&mut c, &[withdraw]);
    assert_eq!(b.block.transactions.len(), 1);
    assert!(b.dropped.is_empty());
}

#[test]
fn role_holders_have_the_cap_whatever_they_hold_and_strangers_have_nothing() {
    let c = Chain::with_params(params());
    let p = params();
    for role in [OWNER, PAUSER, ORACLE[0]] {
        assert_eq!(
            quota::allowance(&c.state, &p, &role).unwrap(),
            p.max_quota_units
        );
    }
    assert_eq!(quota::allowance(&c.state, &p, &addr(200)).unwrap(), 0);
    // A genesis holder of a million of each of three tokens is capped.
    assert_eq!(
        quota::allowance(&c.state, &p, &addr(1)).unwrap(),
        p.max_quota_units
    );
}

#[test]
fn a_large_transaction_costs_a_unit_per_kibibyte() {
    let mut c = Chain::with_params(params());
    let key = funded_newcomer(&mut c);
    // A 1,000-byte metadata URI makes a transaction of more than 1 KiB: 2 units.
    let big = c.signed(
        &key,
        Action::RegisterAsOperator {
            delegation_approver: Address::ZERO,
            allocation_delay: 0,
            metadata_uri: "u".repeat(1_000),
        },
        0,
    );
    let small = c.signed(&key, transfer(&c, addr(9)), 1);
    let too_many = c.signed(&key, transfer(&c, addr(9)), 2);
    let b = commit(&mut c, &[big, small, too_many.clone()]);
    assert_eq!(b.block.transactions.len(), 2);
    assert_eq!(b.dropped, vec![too_many.hash]);
}
