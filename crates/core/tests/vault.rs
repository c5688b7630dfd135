//! The liquid restaking vault: a whole cycle to the wei, and the attacks of the reference LRT
//! design (inflation, self-inclusion, dust, sandwiches around rate moves and slashes, same-block
//! round trips, forced undelegation, slashing during the queue, fee high-water mark, pause
//! matrix, instant-exit fee curve, FIFO, cap reduction), each as a named test.
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
use common::vault::*;
use common::*;
use restake_core::vault::{self, VaultError, VaultParams};
use restake_core::{Action, Error, Event};
use restake_primitives::WAD;

const ALICE: Address = Address::repeat_byte(1);
const BOB: Address = Address::repeat_byte(5);
const EVE: Address = Address::repeat_byte(6);

fn vault_err(e: Error) -> VaultError {
    match e {
        Error::Vault(v) => v,
        other => panic!("expected a vault error, got {other:?}"),
    }
}

fn cooldown(v: &VaultChain) -> u32 {
    v.state().params.cooldown_blocks
}

#[test]
fn a_whole_cycle_deposit_restake_queue_complete_request_finalize_claim_is_exact_to_the_wei() {
    let mut v = VaultChain::new(|_| {});
    // First deposit: 10 stETH at 1.0 mints exactly 10e18 shares (rate 1.0).
    assert_eq!(v.deposit(ALICE, "stETH", eth(10)), eth(10));
    // 10 rETH at 1.1 is worth 11 ETH and mints 11e18 shares.
    v.c.advance(1);
    assert_eq!(v.deposit(BOB, "rETH", eth(10)), eth(11));
    assert_eq!(v.books().total_assets, eth(21));
    assert_eq!(v.rate(), WAD);

    // Restake 8 stETH through node delegator 0: value moves from idle to delegated, A unchanged.
    v.restake("stETH", eth(8), Some(0));
    let b = v.books();
    assert_eq!(b.assets[0].idle, eth(2));
    assert_eq!(b.assets[0].delegated, eth(8));
    assert_eq!(b.total_assets, eth(21));
    assert_eq!(v.c.withdrawable(v.delegator(0), "stETH"), eth(8));
    assert_eq!(v.c.operator_shares(OP_A, "stETH"), eth(8));

    // Queue 5 back; A still counts them while they wait.
    let root = v.queue(0, "stETH", eth(5));
    assert_eq!(v.books().assets[0].queued, eth(5));
    assert_eq!(v.books().total_assets, eth(21));
    v.c.advance(cooldown(&v) + 1);
    v.complete(root);
    assert_eq!(v.books().assets[0].idle, eth(7));
    assert_eq!(v.books().total_assets, eth(21));

    // Alice asks for 4 shares in stETH; after the cooldown it is finalized and claimed.
    v.c.advance(1);
    let id = v.request(ALICE, eth(4), "stETH");
    assert_eq!(
        v.lrt_balance(v.vault),
        eth(4),
        "shares escrowed in the vault"
    );
    v.c.advance(cooldown(&v));
    let before = v.c.balance(ALICE, "stETH");
    v.finalize(10);
    assert_eq!(v.request_of(id).payout, eth(4));
    assert_eq!(v.books().total_supply, eth(17));
    assert_eq!(
        v.books().total_assets,
        eth(17),
        "escrowed payout is out of A"
    );
    v.claim(ALICE, id);
    assert_eq!(v.c.balance(ALICE, "stETH") - before, eth(4));
    assert_eq!(v.rate(), WAD);
}

#[test]
fn inflation_attack_by_donation_leaves_the_victim_whole_and_costs_the_attacker() {
    let mut v = VaultChain::new(|p| p.min_deposit_value = U256::from(1));
    // The attacker takes the first share with one wei and donates 1,000 ETH to the vault and
    // to a node delegator: internal accounting ignores both.
    assert_eq!(v.deposit(EVE, "stETH", U256::from(1)), U256::from(1));
    let steth = v.c.token("stETH");
    let d0 = v.delegator(0);
    for to in [v.vault, d0] {
        v.c.ok(
            EVE,
            Action::Transfer {
                token: steth,
                to,
                amount: eth(1_000),
            },
        );
    }
    assert_eq!(v.books().total_assets, U256::from(1));
    // Victims deposit 1 ETH each and get 1e18 shares each: they lose nothing.
    for victim in [ALICE, BOB] {
        v.c.advance(1);
        assert_eq!(v.deposit(victim, "stETH", eth(1)), eth(1));
    }
    // The attacker's share is still worth at most one wei.
    let b = v.books();
    let eve_value =
        U256::from(1) * (b.total_assets + vault::VIRTUAL) / (b.total_supply + vault::VIRTUAL);
    assert!(eve_value <= U256::from(1));
}

#[test]
fn a_deposit_is_priced_before_its_own_tokens_arrive() {
    let mut v = VaultChain::new(|_| {});
    assert_eq!(v.deposit(ALICE, "stETH", eth(10)), eth(10));
    v.c.advance(1);
    // A = 10, S = 10: depositing 30 mints exactly 30, not 7.5.
    assert_eq!(v.deposit(BOB, "stETH", eth(30)), eth(30));
}

#[test]
fn deposits_and_exits_that_round_to_nothing_are_refused() {
    let mut v = VaultChain::new(|_| {});
    // Below the minimum deposit (0.01 ETH).
    let a = v.deposit_action("stETH", U256::from(9_999_999_999_999_999u64));
    assert!(matches!(
        vault_err(v.c.fails(ALICE, a)),
        VaultError::BelowMinimumDeposit { .. }
    ));
    v.deposit(ALICE, "stETH", eth(1));
    v.c.advance(1);
    let z = Action::RequestRedeem {
        vault: v.vault,
        shares: U256::ZERO,
        token: v.c.token("stETH"),
    };
    assert_eq!(vault_err(v.c.fails(ALICE, z)), VaultError::ZeroOutput);
    let tiny = Action::InstantRedeem {
        vault: v.vault,
        shares: U256::from(1),
        token: v.c.token("rETH"),
        min_amount_out: U256::ZERO,
    };
    // One share is worth one wei; minus the fee it pays nothing, so it is refused.
    assert!(v.c.exec(ALICE, tiny).is_err());
}

#[test]
fn min_shares_out_and_the_deadline_protect_the_depositor() {
    let mut v = VaultChain::new(|_| {});
    let vault = v.vault;
    let token = v.c.token("stETH");
    let a = Action::DepositIntoVault {
        vault,
        token,
        amount: eth(1),
        min_shares_out: eth(1) + U256::from(1),
        deadline: 0,
    };
    assert!(matches!(
        vault_err(v.c.fails(ALICE, a)),
        VaultError::SlippageShares { .. }
    ));
    let now = v.c.block.timestamp;
    let late = Action::DepositIntoVault {
        vault,
        token,
        amount: eth(1),
        min_shares_out: U256::ZERO,
        deadline: now - 1,
    };
    assert!(matches!(
        vault_err(v.c.fails(ALICE, late)),
        VaultError::DeadlinePassed { .. }
    ));
}

#[test]
fn a_rate_rise_after_a_request_is_not_paid_to_the_requester() {
    let mut v = VaultChain::new(|p| p.fee_bps = 0);
    v.deposit(ALICE, "stETH", eth(10));
    v.deposit(BOB, "stETH", eth(10));
    v.c.advance(1);
    let id = v.request(ALICE, eth(10), "stETH");
    // stETH gains 1% after the request (within the step cap).
    v.set_rate(ADMIN, "stETH", WAD + WAD / U256::from(100))
        .unwrap();
    v.c.advance(cooldown(&v));
    v.finalize(1);
    // Paid at the request's rate: 10 ETH of value, i.e. 10 / 1.01 stETH rounded down.
    let expected = eth(10) * WAD / (WAD + WAD / U256::from(100));
    assert_eq!(v.request_of(id).payout, expected);
    // The gain stays with Bob.
    assert!(v.rate() > WAD);
}

#[test]
fn a_request_before_a_slash_is_paid_at_the_slashed_rate() {
    let mut v = VaultChain::new(|p| p.fee_bps = 0);
    v.deposit(ALICE, "stETH", eth(10));
    v.deposit(BOB, "stETH", eth(10));
    v.restake("stETH", eth(20), Some(0));
    v.allocate_for_slashing(OP_A, WAD.to::<u64>());
    v.c.advance(1);
    let id = v.request(ALICE, eth(10), "stETH");
    // The AVS slashes half of operator A's stETH: the vault loses 10 of 20.
    v.c.slash(VAULT_AVS, OP_A, 1, "stETH", wad(1, 2));
    assert_eq!(v.books().total_assets, eth(10));
    let slashed_rate = (eth(10) + vault::VIRTUAL) * WAD / (eth(20) + vault::VIRTUAL);
    assert_eq!(v.rate(), slashed_rate);
    // Bring liquidity back: queue all, wait, complete, then finalize.
    let shares = v.c.deposit_shares(v.delegator(0), "stETH");
    let root = v.queue(0, "stETH", shares);
    v.c.advance(cooldown(&v) + 1);
    v.complete(root);
    v.finalize(1);
    let payout = eth(10) * slashed_rate / WAD;
    assert_eq!(
        v.request_of(id).payout,
        payout,
        "Alice bears her half of the loss"
    );
    assert_eq!(v.books().total_assets, eth(10) - payout);
}

#[test]
fn deposit_and_redeem_in_the_same_block_are_refused() {
    let mut v = VaultChain::new(|_| {});
    let shares = v.deposit(ALICE, "stETH", eth(10));
    let token = v.c.token("stETH");
    let vault = v.vault;
    let req = Action::RequestRedeem {
        vault,
        shares,
        token,
    };
    assert_eq!(
        vault_err(v.c.fails(ALICE, req.clone())),
        VaultError::SameBlockRedeem(ALICE)
    );
    let instant = Action::InstantRedeem {
        vault,
        shares,
        token,
        min_amount_out: U256::ZERO,
    };
    assert_eq!(
        vault_err(v.c.fails(ALICE, instant)),
        VaultError::SameBlockRedeem(ALICE)
    );
    v.c.advance(1);
    v.c.ok(ALICE, req);
}

#[test]
fn a_rate_report_beyond_the_step_cap_is_refused_unless_the_admin_overrides() {
    let mut v = VaultChain::new(|_| {});
    let manager = addr(17);
    let vault = v.vault;
    v.c.ok(
        ADMIN,
        Action::SetVaultRoles {
            vault,
            admin: ADMIN,
            pauser: ADMIN,
            manager,
        },
    );
    // +1% is the cap (100 bps): allowed for the manager; +1.01% is not; 1000x and 0 never.
    let one_pct = WAD + WAD / U256::from(100);
    v.set_rate(manager, "stETH", one_pct).unwrap();
    let too_far = one_pct + one_pct / U256::from(100) + U256::from(1);
    let e = v.set_rate(manager, "stETH", too_far).unwrap_err();
    assert!(matches!(vault_err(e), VaultError::RateStepTooLarge { .. }));
    let e = v
        .set_rate(manager, "stETH", one_pct * U256::from(1000))
        .unwrap_err();
    assert!(matches!(vault_err(e), VaultError::RateStepTooLarge { .. }));
    let e = v.set_rate(manager, "stETH", U256::ZERO).unwrap_err();
    assert!(matches!(vault_err(e), VaultError::InvalidParam { .. }));
    // A stranger cannot report at all.
    let e = v.set_rate(EVE, "stETH", one_pct).unwrap_err();
    assert!(matches!(vault_err(e), VaultError::NotAuthorized { .. }));
    // The admin may take a real loss in one step; the event says it was an override.
    let events = v.set_rate(ADMIN, "stETH", WAD / U256::from(2)).unwrap();
    assert!(events.iter().any(|e| matches!(
        e,
        Event::VaultAssetRateUpdated {
            is_override: true,
            ..
        }
    )));
}

#[test]
fn a_stale_rate_cannot_price_a_deposit() {
    let mut v = VaultChain::new(|p| p.max_rate_age_blocks = 5);
    v.c.advance(6);
    let a = v.deposit_action("stETH", eth(1));
    assert!(matches!(
        vault_err(v.c.fails(ALICE, a.clone())),
        VaultError::StaleRate { .. }
    ));
    v.set_rate(ADMIN, "stETH", WAD).unwrap();
    v.c.ok(ALICE, a);
}

#[test]
fn forced_undelegation_keeps_the_queued_value_in_total_assets() {
    let mut v = VaultChain::new(|_| {});
    v.deposit(ALICE, "stETH", eth(11));
    v.deposit(BOB, "rETH", eth(10));
    v.restake("stETH", eth(10), Some(0));
    v.restake("rETH", eth(10), Some(0));
    let a_before = v.books().total_assets;
    // Operator A throws the node delegator out: the core queues all of its shares.
    let d0 = v.delegator(0);
    let events = v.c.ok(OP_A, Action::Undelegate { staker: d0 });
    let roots = queued_roots(&events);
    assert_eq!(roots.len(), 2);
    assert_eq!(
        v.books().total_assets,
        a_before,
        "queued value still counts"
    );
    // Restaking through it is refused until the manager delegates it again.
    let e =
        v.c.exec(
            ADMIN,
            Action::RestakeVaultAssets {
                vault: v.vault,
                token: v.c.token("stETH"),
                amount: eth(1),
                delegator: Some(0),
            },
        )
        .unwrap_err();
    assert!(matches!(
        vault_err(e),
        VaultError::DelegatorNotDelegated { .. }
    ));
    v.c.ok(
        ADMIN,
        Action::RedelegateVaultDelegator {
            vault: v.vault,
            delegator: 0,
        },
    );
    // Anyone completes the forced withdrawals into idle; A is unchanged.
    v.c.advance(cooldown(&v) + 1);
    for root in roots {
        v.complete(root);
    }
    let b = v.books();
    assert_eq!(b.total_assets, a_before);
    assert_eq!(b.assets[0].idle, eth(11));
    assert_eq!(b.assets[1].idle, eth(10));
}

#[test]
fn slashing_during_the_queue_is_reflected_exactly_and_a_fully_slashed_withdrawal_completes() {
    let mut v = VaultChain::new(|p| p.fee_bps = 0);
    v.deposit(ALICE, "stETH", eth(20));
    v.restake("stETH", eth(10), Some(0));
    v.restake("stETH", eth(10), Some(1));
    v.allocate_for_slashing(OP_A, WAD.to::<u64>());
    v.allocate_for_slashing(OP_B, WAD.to::<u64>());
    let r0 = v.queue(0, "stETH", eth(10));
    let r1 = v.queue(1, "stETH", eth(10));
    // Half of A's stake and all of B's are slashed while queued.
    v.c.slash(VAULT_AVS, OP_A, 1, "stETH", wad(1, 2));
    v.c.slash(VAULT_AVS, OP_B, 1, "stETH", WAD);
    let b = v.books();
    assert_eq!(b.assets[0].queued, eth(5));
    assert_eq!(b.total_assets, eth(5));
    v.c.advance(cooldown(&v) + 1);
    v.complete(r0);
    // Nothing comes back from B, and completion still clears the root.
    v.complete(r1);
    let b = v.books();
    assert_eq!(b.assets[0].idle, eth(5));
    assert_eq!(b.assets[0].queued, U256::ZERO);
    assert_eq!(b.total_assets, eth(5));
}

#[test]
fn the_fee_is_charged_only_on_gains_above_the_high_water_mark() {
    let mut v = VaultChain::new(|p| p.fee_bps = 1_000);
    v.deposit(ALICE, "stETH", eth(100));
    let treasury_shares = |v: &VaultChain| v.lrt_balance(ADMIN);
    let up = |r: U256| r + r / U256::from(100);
    // +1%: 10% of the 1 ETH gain is minted to the treasury at the next priced action.
    v.set_rate(ADMIN, "stETH", up(WAD)).unwrap();
    v.c.advance(1);
    v.deposit(BOB, "stETH", eth(1));
    let fee1 = treasury_shares(&v);
    assert!(fee1 > U256::ZERO);
    let b = v.books();
    let fee_value = fee1 * (b.total_assets + vault::VIRTUAL) / (b.total_supply + vault::VIRTUAL);
    // Worth 0.1 ETH (up to rounding in the vault's favour).
    assert!(fee_value <= eth(1) / U256::from(10));
    // The virtual shares keep a sliver (about V / S of it).
    assert!(fee_value + U256::from(1_000_000) >= eth(1) / U256::from(10));
    let mark = v.state().high_water_mark;
    // −1% then +1% back: no fee on recovering the loss.
    let down = WAD + WAD / U256::from(100) - (WAD + WAD / U256::from(100)) / U256::from(100);
    v.set_rate(ADMIN, "stETH", down).unwrap();
    v.c.advance(1);
    v.deposit(BOB, "stETH", eth(1));
    v.set_rate(ADMIN, "stETH", up(WAD)).unwrap();
    v.c.advance(1);
    v.deposit(BOB, "stETH", eth(1));
    assert_eq!(treasury_shares(&v), fee1, "recovery below the mark is free");
    assert!(v.state().high_water_mark <= mark + U256::from(1));
    // A further +1% is a new high: charged again.
    v.set_rate(ADMIN, "stETH", up(up(WAD))).unwrap();
    v.c.advance(1);
    v.deposit(BOB, "stETH", eth(1));
    assert!(treasury_shares(&v) > fee1);
}

#[test]
fn each_pause_bit_blocks_exactly_its_operation_and_only_the_admin_unpauses() {
    let mut v = VaultChain::new(|_| {});
    let pauser = addr(16);
    let vault = v.vault;
    v.c.ok(
        ADMIN,
        Action::SetVaultRoles {
            vault,
            admin: ADMIN,
            pauser,
            manager: ADMIN,
        },
    );
    v.deposit(ALICE, "stETH", eth(50));
    v.c.advance(1);
    let id = v.request(ALICE, eth(1), "stETH");
    v.c.advance(cooldown(&v));
    let steth = v.c.token("stETH");
    let ops: Vec<(u8, Address, Action)> = vec![
        (
            vault::PAUSED_DEPOSITS,
            ALICE,
            v.deposit_action("stETH", eth(1)),
        ),
        (
            vault::PAUSED_REQUESTS,
            ALICE,
            Action::RequestRedeem {
                vault,
                shares: eth(1),
                token: steth,
            },
        ),
        (
            vault::PAUSED_FINALIZE,
            BOB,
            Action::FinalizeRedeemRequests {
                vault,
                max_requests: 1,
            },
        ),
        (
            vault::PAUSED_INSTANT,
            ALICE,
            Action::InstantRedeem {
                vault,
                shares: eth(1),
                token: steth,
                min_amount_out: U256::ZERO,
            },
        ),
        (
            vault::PAUSED_RESTAKING,
            ADMIN,
            Action::RestakeVaultAssets {
                vault,
                token: steth,
                amount: eth(1),
                delegator: Some(0),
            },
        ),
    ];
    for (bit, sender, action) in &ops {
        v.c.ok(
            pauser,
            Action::SetVaultPaused {
                vault,
                paused: 1u64 << bit,
            },
        );
        assert_eq!(
            vault_err(v.c.fails(*sender, action.clone())),
            VaultError::Paused { bit: *bit },
            "bit {bit}"
        );
        // Every other operation still works under this bit.
        for (other, s2, a2) in &ops {
            if other != bit {
                let r = v.c.exec(*s2, a2.clone());
                assert!(
                    !matches!(r, Err(Error::Vault(VaultError::Paused { .. }))),
                    "bit {bit} blocked {other}"
                );
            }
        }
        // The pauser cannot clear it.
        assert_eq!(
            vault_err(v.c.fails(pauser, Action::SetVaultPaused { vault, paused: 0 })),
            VaultError::OnlyAdminUnpauses
        );
        v.c.ok(ADMIN, Action::SetVaultPaused { vault, paused: 0 });
    }
    // Claims: bit 3.
    let _ = v.c.exec(
        BOB,
        Action::FinalizeRedeemRequests {
            vault,
            max_requests: 10,
        },
    );
    v.c.ok(
        pauser,
        Action::SetVaultPaused {
            vault,
            paused: 1 << vault::PAUSED_CLAIMS,
        },
    );
    let claim = Action::ClaimRedeem {
        vault,
        request_id: id,
    };
    assert_eq!(
        vault_err(v.c.fails(ALICE, claim.clone())),
        VaultError::Paused {
            bit: vault::PAUSED_CLAIMS
        }
    );
    v.c.ok(ADMIN, Action::SetVaultPaused { vault, paused: 0 });
    v.c.ok(ALICE, claim);
    // A stranger can neither pause nor unpause.
    assert!(matches!(
        vault_err(v.c.fails(EVE, Action::SetVaultPaused { vault, paused: 1 })),
        VaultError::NotAuthorized { .. }
    ));
}

#[test]
fn the_instant_exit_fee_rises_as_the_buffer_drains_and_stops_at_the_floor() {
    let p = VaultParams {
        instant_fee_min_bps: 10,
        instant_fee_max_bps: 110,
        buffer_target_bps: 2_000,
        buffer_floor_bps: 1_000,
        ..VaultParams::default()
    };
    let a = eth(100);
    let fee = |after: u64| vault::instant_fee_bps(&p, eth(after), a).unwrap();
    assert_eq!(fee(50), Some(10), "above the target: the minimum");
    assert_eq!(fee(20), Some(10));
    assert_eq!(fee(15), Some(60), "half-way: half the span");
    assert_eq!(fee(10), Some(110), "at the floor: the maximum");
    assert_eq!(fee(9), None, "below the floor: refused");
    let mut last = 0;
    for after in (10..=20).rev() {
        let f = fee(after).unwrap();
        assert!(f >= last, "monotonic in drawdown");
        last = f;
    }

    // Through the action: 100 ETH idle of which 80 restaked leaves a 20% buffer.
    let mut v = VaultChain::new(|q| {
        q.instant_fee_min_bps = 10;
        q.instant_fee_max_bps = 110;
        q.buffer_target_bps = 2_000;
        q.buffer_floor_bps = 1_000;
        q.fee_bps = 0;
    });
    v.deposit(ALICE, "stETH", eth(100));
    v.restake("stETH", eth(80), Some(0));
    v.c.advance(1);
    let vault = v.vault;
    let steth = v.c.token("stETH");
    let instant = |shares: U256, min: U256| Action::InstantRedeem {
        vault,
        shares,
        token: steth,
        min_amount_out: min,
    };
    // 5 ETH: the buffer falls to 15 of 100 ⇒ 60 bps.
    let before = v.c.balance(ALICE, "stETH");
    let events = v.c.ok(ALICE, instant(eth(5), U256::ZERO));
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::InstantRedeemed { fee_bps: 60, .. }))
    );
    let paid = v.c.balance(ALICE, "stETH") - before;
    assert_eq!(paid, eth(5) - eth(5) * U256::from(60) / U256::from(10_000));
    // The fee stays with the holders: the rate rose.
    assert!(v.rate() > WAD);
    // min_amount_out is respected; an exit through the floor is refused.
    assert!(matches!(
        vault_err(v.c.fails(ALICE, instant(eth(1), eth(1)))),
        VaultError::SlippageAmount { .. }
    ));
    assert!(matches!(
        vault_err(v.c.fails(ALICE, instant(eth(10), U256::ZERO))),
        VaultError::BufferBelowFloor { .. }
    ));
}

#[test]
fn requests_are_finalized_first_in_first_out() {
    let mut v = VaultChain::new(|p| p.fee_bps = 0);
    v.deposit(ALICE, "stETH", eth(10));
    v.deposit(BOB, "rETH", eth(10));
    v.restake("rETH", eth(10), Some(1));
    v.c.advance(1);
    // Bob asks first, in rETH, which is all restaked; Alice second, in stETH, which is idle.
    let bob = v.request(BOB, eth(1), "rETH");
    let alice = v.request(ALICE, eth(1), "stETH");
    v.c.advance(cooldown(&v));
    let e =
        v.c.exec(
            addr(19),
            Action::FinalizeRedeemRequests {
                vault: v.vault,
                max_requests: 10,
            },
        )
        .unwrap_err();
    assert_eq!(
        vault_err(e),
        VaultError::NothingToFinalize,
        "Alice does not jump the queue"
    );
    // Liquidity for Bob arrives; both are finalized in order.
    let root = v.queue(1, "rETH", eth(1));
    v.c.advance(cooldown(&v) + 1);
    v.complete(root);
    let events = v.finalize(10);
    let ids: Vec<u64> = events
        .iter()
        .filter_map(|e| match e {
            Event::RedeemFinalized { request_id, .. } => Some(*request_id),
            _ => None,
        })
        .collect();
    assert_eq!(ids, vec![bob, alice]);
}

#[test]
fn a_request_cannot_be_finalized_before_its_cooldown() {
    let mut v = VaultChain::new(|_| {});
    v.deposit(ALICE, "stETH", eth(10));
    v.c.advance(1);
    v.request(ALICE, eth(1), "stETH");
    v.c.advance(cooldown(&v) - 1);
    let a = Action::FinalizeRedeemRequests {
        vault: v.vault,
        max_requests: 1,
    };
    assert_eq!(
        vault_err(v.c.fails(BOB, a.clone())),
        VaultError::NothingToFinalize
    );
    v.c.advance(1);
    v.c.ok(BOB, a);
}

#[test]
fn a_lowered_cap_stops_deposits_after_its_delay_but_never_blocks_exits() {
    let mut v = VaultChain::new(|_| {});
    v.deposit(ALICE, "stETH", eth(10));
    let mut p = v.state().params.clone();
    p.total_cap_value = eth(5);
    let vault = v.vault;
    let events = v.c.ok(
        ADMIN,
        Action::QueueVaultParams {
            vault,
            params: Box::new(p.clone()),
        },
    );
    let at = events
        .iter()
        .find_map(|e| match e {
            Event::VaultParamsQueued {
                effective_at_block, ..
            } => Some(*effective_at_block),
            _ => None,
        })
        .unwrap();
    assert_eq!(at, v.c.block.number + p.param_delay_blocks);
    // Not yet: deposits still work and the change cannot be applied.
    assert!(matches!(
        vault_err(v.c.fails(BOB, Action::ApplyVaultParams { vault })),
        VaultError::ParamsNotDue { .. }
    ));
    v.c.advance(p.param_delay_blocks);
    v.c.ok(BOB, Action::ApplyVaultParams { vault });
    let a = v.deposit_action("stETH", eth(1));
    assert!(matches!(
        vault_err(v.c.fails(BOB, a)),
        VaultError::CapExceeded { cap: "total", .. }
    ));
    let id = v.request(ALICE, eth(10), "stETH");
    v.c.advance(cooldown(&v));
    v.finalize(1);
    v.claim(ALICE, id);
}

#[test]
fn parameters_outside_their_bounds_are_refused() {
    let mut v = VaultChain::new(|_| {});
    let vault = v.vault;
    let base = v.state().params.clone();
    let cases: Vec<(&str, VaultParams)> = vec![
        (
            "feeBps",
            VaultParams {
                fee_bps: 2_001,
                ..base.clone()
            },
        ),
        (
            "cooldownBlocks",
            VaultParams {
                cooldown_blocks: 1,
                ..base.clone()
            },
        ),
        (
            "paramDelayBlocks",
            VaultParams {
                param_delay_blocks: base.cooldown_blocks - 1,
                ..base.clone()
            },
        ),
        (
            "instantFeeMaxBps",
            VaultParams {
                instant_fee_max_bps: 1_001,
                ..base.clone()
            },
        ),
        (
            "bufferTargetBps",
            VaultParams {
                buffer_floor_bps: 2_000,
                buffer_target_bps: 1_000,
                ..base.clone()
            },
        ),
        (
            "assetCaps",
            VaultParams {
                asset_caps: vec![eth(1)],
                ..base.clone()
            },
        ),
    ];
    for (name, params) in cases {
        let e = vault_err(v.c.fails(
            ADMIN,
            Action::QueueVaultParams {
                vault,
                params: Box::new(params),
            },
        ));
        assert!(
            matches!(e, VaultError::InvalidParam { name: n, .. } if n == name),
            "{name}: {e:?}"
        );
    }
}

#[test]
fn every_privileged_vault_action_refuses_the_wrong_signer() {
    let mut v = VaultChain::new(|_| {});
    v.deposit(ALICE, "stETH", eth(10));
    v.restake("stETH", eth(5), Some(0));
    v.c.advance(1);
    let id = v.request(ALICE, eth(1), "stETH");
    v.c.advance(cooldown(&v));
    v.finalize(1);
    let vault = v.vault;
    let steth = v.c.token("stETH");
    let params = v.state().params.clone();
    let cases = vec![
        Action::AddVaultOperator {
            vault,
            operator: addr(18),
            weight_bps: 1,
        },
        Action::RestakeVaultAssets {
            vault,
            token: steth,
            amount: eth(1),
            delegator: None,
        },
        Action::QueueVaultWithdrawal {
            vault,
            delegator: 0,
            token: steth,
            deposit_shares: eth(1),
        },
        Action::RedelegateVaultDelegator {
            vault,
            delegator: 0,
        },
        Action::UpdateVaultAssetRate {
            vault,
            token: steth,
            rate_wad: WAD,
        },
        Action::SetVaultPaused { vault, paused: 1 },
        Action::SetVaultRoles {
            vault,
            admin: EVE,
            pauser: EVE,
            manager: EVE,
        },
        Action::QueueVaultParams {
            vault,
            params: Box::new(params),
        },
        Action::ClaimRedeem {
            vault,
            request_id: id,
        },
    ];
    for a in cases {
        let name = a.name();
        let e = vault_err(v.c.fails(EVE, a));
        assert!(
            matches!(e, VaultError::NotAuthorized { caller: EVE, .. }),
            "{name}: {e:?}"
        );
    }
}

#[test]
fn deposits_route_to_the_operator_furthest_below_its_weight_within_the_cap() {
    let mut v = VaultChain::new(|p| p.operator_cap_bps = 6_000);
    v.deposit(ALICE, "stETH", eth(100));
    // Equal weights: the first goes to delegator 0 (tie, lowest index), the next to 1.
    let who = |events: &[Event]| {
        events
            .iter()
            .find_map(|e| match e {
                Event::VaultRestaked { operator, .. } => Some(*operator),
                _ => None,
            })
            .unwrap()
    };
    let e = v.restake("stETH", eth(30), None);
    assert_eq!(who(&e), OP_A);
    let e = v.restake("stETH", eth(20), None);
    assert_eq!(who(&e), OP_B);
    let e = v.restake("stETH", eth(20), None);
    assert_eq!(who(&e), OP_B);
    // A named delegator above the 60% cap is refused.
    let a = Action::RestakeVaultAssets {
        vault: v.vault,
        token: v.c.token("stETH"),
        amount: eth(25),
        delegator: Some(1),
    };
    assert!(matches!(
        vault_err(v.c.fails(ADMIN, a)),
        VaultError::CapExceeded {
            cap: "operator",
            ..
        }
    ));
}

#[test]
fn lrt_shares_are_an_ordinary_token_and_redeemable_by_whoever_holds_them() {
    let mut v = VaultChain::new(|_| {});
    let shares = v.deposit(ALICE, "stETH", eth(3));
    let lrt = v.lrt;
    v.c.ok(
        ALICE,
        Action::Transfer {
            token: lrt,
            to: BOB,
            amount: shares,
        },
    );
    v.c.advance(1);
    let id = v.request(BOB, shares, "stETH");
    v.c.advance(cooldown(&v));
    v.finalize(1);
    let before = v.c.balance(BOB, "stETH");
    v.claim(BOB, id);
    assert_eq!(v.c.balance(BOB, "stETH") - before, eth(3));
    // A claimed request cannot be claimed twice.
    let again = Action::ClaimRedeem {
        vault: v.vault,
        request_id: id,
    };
    assert!(matches!(
        vault_err(v.c.fails(BOB, again)),
        VaultError::RequestNotClaimable { .. }
    ));
}

// ---------------------------------------------------------------------------------------------
// First-loss bonds

/// 100 stETH from Alice restaked through operator A, who holds 10 LRT and bonds `bond` of them;
/// A's stake is slashable.
fn bonded(bond: U256) -> VaultChain {
    let mut v = VaultChain::new(|p| p.fee_bps = 0);
    v.deposit(ALICE, "stETH", eth(100));
    v.deposit(OP_A, "stETH", eth(10));
    let vault = v.vault;
    if !bond.is_zero() {
        v.c.ok(
            OP_A,
            Action::PostVaultBond {
                vault,
                delegator: 0,
                shares: bond,
            },
        );
    }
    v.restake("stETH", eth(110), Some(0));
    v.allocate_for_slashing(OP_A, WAD.to::<u64>());
    v
}

fn bond_of(v: &VaultChain, i: usize) -> U256 {
    v.state().delegators[i].bond
}

#[test]
fn a_first_loss_bond_is_burned_before_holders_lose() {
    let mut v = bonded(eth(10));
    // 5% of A's stake is slashed: 5.5 stETH of 110.
    v.c.slash(VAULT_AVS, OP_A, 1, "stETH", wad(5, 100));
    assert!(v.rate() < WAD, "the loss shows before it is settled");
    // The next priced action settles it from the bond: the rate is back to 1.0.
    v.c.advance(1);
    v.deposit(BOB, "stETH", eth(1));
    let r = v.rate();
    assert!(r >= WAD && r <= WAD + U256::from(1), "rate {r}");
    // 5.5 ETH of loss at the pre-loss rate of 1.0 burned 5.5 shares of the bond.
    let burned = eth(10) - bond_of(&v, 0);
    assert!(
        burned >= wad(55, 10) && burned <= wad(55, 10) + U256::from(2),
        "{burned}"
    );
}

#[test]
fn a_bond_smaller_than_the_loss_is_burned_whole_and_the_rest_is_shared() {
    let mut v = bonded(eth(2));
    v.c.slash(VAULT_AVS, OP_A, 1, "stETH", wad(10, 100));
    v.c.advance(1);
    v.deposit(BOB, "stETH", eth(1));
    assert_eq!(bond_of(&v, 0), U256::ZERO);
    // 11 lost, 2 covered: holders share 9 over 108 remaining shares (+ Bob's 1).
    let b = v.books();
    assert_eq!(b.total_assets, eth(100));
    assert!(v.rate() < WAD);
}

#[test]
fn losses_before_a_bond_is_posted_are_not_charged_to_it() {
    let mut v = bonded(U256::ZERO);
    v.c.slash(VAULT_AVS, OP_A, 1, "stETH", wad(5, 100));
    v.c.advance(1);
    let vault = v.vault;
    v.c.ok(
        OP_A,
        Action::PostVaultBond {
            vault,
            delegator: 0,
            shares: eth(10),
        },
    );
    v.c.advance(1);
    v.deposit(BOB, "stETH", eth(1));
    assert_eq!(bond_of(&v, 0), eth(10));
}

#[test]
fn a_bond_stays_at_risk_until_its_cooldown_ends() {
    let mut v = bonded(eth(10));
    let vault = v.vault;
    v.c.ok(
        OP_A,
        Action::RequestVaultBondWithdrawal {
            vault,
            delegator: 0,
            shares: eth(10),
        },
    );
    let early = Action::WithdrawVaultBond {
        vault,
        delegator: 0,
    };
    assert!(matches!(
        vault_err(v.c.fails(OP_A, early.clone())),
        VaultError::BondLocked { .. }
    ));
    // A slash while unlocking still burns the bond.
    v.c.slash(VAULT_AVS, OP_A, 1, "stETH", wad(5, 100));
    v.c.advance(cooldown(&v));
    let before = v.lrt_balance(OP_A);
    v.c.ok(OP_A, early);
    let got = v.lrt_balance(OP_A) - before;
    assert!(got < eth(5) && got > eth(4), "{got}");
    assert_eq!(bond_of(&v, 0), U256::ZERO);
}

#[test]
fn only_the_delegators_operator_posts_or_withdraws_its_bond() {
    let mut v = bonded(eth(1));
    let vault = v.vault;
    for a in [
        Action::PostVaultBond {
            vault,
            delegator: 0,
            shares: eth(1),
        },
        Action::RequestVaultBondWithdrawal {
            vault,
            delegator: 0,
            shares: eth(1),
        },
        Action::WithdrawVaultBond {
            vault,
            delegator: 0,
        },
    ] {
        // Operator B runs delegator 1, not 0.
        for who in [EVE, OP_B] {
            assert!(matches!(
                vault_err(v.c.fails(who, a.clone())),
                VaultError::NotAuthorized { .. }
            ));
        }
    }
}

#[test]
fn multi_asset_arbitrage_around_a_lagging_rate_earns_nothing() {
    let mut v = VaultChain::new(|p| p.fee_bps = 0);
    v.deposit(ALICE, "stETH", eth(100));
    v.c.advance(1);
    // rETH's market rate rose 1% but the vault's report lags: EVE deposits rETH at the old rate
    // and asks for stETH right away, hoping to take the difference once the report lands.
    let shares = v.deposit(EVE, "rETH", eth(10));
    v.c.advance(1);
    let id = v.request(EVE, shares, "stETH");
    v.set_rate(
        ADMIN,
        "rETH",
        U256::from(RETH_RATE) + U256::from(RETH_RATE) / U256::from(100),
    )
    .unwrap();
    v.c.advance(cooldown(&v));
    v.finalize(1);
    // Paid at the request's rate: exactly the 11 ETH of value she brought, not the 11.11.
    let paid = v.request_of(id).payout;
    assert!(paid <= eth(11), "{paid}");
    assert!(paid + U256::from(2) >= eth(11));
}

#[test]
fn completing_core_withdrawals_never_depends_on_deposits() {
    let mut v = VaultChain::new(|_| {});
    v.deposit(ALICE, "stETH", eth(10));
    v.restake("stETH", eth(10), Some(0));
    let root = v.queue(0, "stETH", eth(10));
    // Deposits paused and a zero total cap queued and applied: completion still works.
    let vault = v.vault;
    let mut p = v.state().params.clone();
    p.total_cap_value = U256::ZERO;
    v.c.ok(
        ADMIN,
        Action::QueueVaultParams {
            vault,
            params: Box::new(p.clone()),
        },
    );
    v.c.ok(
        ADMIN,
        Action::SetVaultPaused {
            vault,
            paused: 1 << vault::PAUSED_DEPOSITS,
        },
    );
    v.c.advance(p.param_delay_blocks + 1);
    v.c.ok(BOB, Action::ApplyVaultParams { vault });
    v.complete(root);
    assert_eq!(v.books().assets[0].idle, eth(10));
}

#[test]
fn routing_applies_the_operator_cap_to_total_assets_which_restaking_does_not_change() {
    let mut v = VaultChain::new(|p| p.operator_cap_bps = 5_000);
    v.deposit(ALICE, "stETH", eth(100));
    // 51 of 100 through any one operator is above the 50% cap, routed or named.
    let vault = v.vault;
    let token = v.c.token("stETH");
    for delegator in [None, Some(0)] {
        let e = v.c.fails(
            ADMIN,
            Action::RestakeVaultAssets {
                vault,
                token,
                amount: eth(51),
                delegator,
            },
        );
        assert!(
            matches!(
                vault_err(e.clone()),
                VaultError::NoRoute | VaultError::CapExceeded { .. }
            ),
            "{e:?}"
        );
    }
    v.restake("stETH", eth(50), None);
}
