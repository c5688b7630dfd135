//! Golden tests: worked examples with every number derived by hand from the formulas of the
//! specification (§2 pools, §4 share math, §5 withdrawals) and asserted to the wei.
//!
//! Notation: `W = 1e18`; pool conversions use the virtual offsets
//! `shares = floor(amount * (totalShares + 1e3) / (balance + 1e3))` and
//! `amount = floor((balance + 1e3) * shares / (totalShares + 1e3))`.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::panic,
    clippy::expect_used,
    missing_docs
)]

mod common;
use alloy_primitives::{Address, B256, U256, hex, keccak256};
use common::*;
use restake_core::allocation::WAD_U64;
use restake_core::config::Params;
use restake_core::delegation::{DelegationRead, Withdrawal};
use restake_core::pool::{Pool, PoolRead};
use restake_core::shares;
use restake_core::{Action, Event};
use restake_primitives::{OperatorSet, WAD};

const OP: Address = Address::repeat_byte(2);
const AVS: Address = Address::repeat_byte(3);
const D: u32 = Params::devnet().min_withdrawal_delay_blocks;

// ---------------------------------------------------------------------------------------------
// Helpers

fn pool(c: &Chain, symbol: &str) -> Pool {
    c.state.pool(&c.strategy(symbol)).unwrap().unwrap()
}

/// Shares minted by the deposit that produced these events.
fn minted(events: &[Event]) -> U256 {
    events
        .iter()
        .find_map(|e| match e {
            Event::Deposit { shares, .. } => Some(*shares),
            _ => None,
        })
        .expect("no Deposit event")
}

fn rates(events: &[Event]) -> Vec<U256> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::ExchangeRateEmitted { rate, .. } => Some(*rate),
            _ => None,
        })
        .collect()
}

/// Queues all of `staker`'s deposit shares, waits out the delay, completes as tokens and
/// returns what was paid.
fn exit(c: &mut Chain, staker: Address, symbol: &str) -> U256 {
    let all = c.deposit_shares(staker, symbol);
    let root = c.queue(staker, symbol, all);
    c.advance(D + 1);
    let before = c.balance(staker, symbol);
    c.complete(staker, root, true);
    c.balance(staker, symbol) - before
}

fn dsf(c: &Chain, staker: Address, symbol: &str) -> U256 {
    c.state
        .deposit_scaling_factor(&staker, &c.strategy(symbol))
        .unwrap()
}

/// OP registered (allocation delay 0), member of AVS's set 1 over stETH with all of its stETH
/// magnitude allocated; the chain is one block past the allocation.
fn operator_with_full_allocation() -> Chain {
    let mut c = Chain::new();
    c.register_operator(OP);
    c.create_set(AVS, 1, &["stETH"]);
    c.register_for(OP, AVS, &[1]);
    c.allocate(OP, AVS, 1, "stETH", WAD_U64);
    c.advance(1);
    c
}

/// A pool that counts every token it holds (the behaviour of a `balanceOf` vault), built by
/// hand to show what the virtual offsets alone achieve.
fn counting_pool(total_shares: U256, balance: U256) -> Pool {
    Pool {
        token: Address::ZERO,
        total_shares,
        balance,
        max_per_deposit: U256::MAX,
        max_total_deposits: U256::MAX,
    }
}

// ---------------------------------------------------------------------------------------------
// (a) Pool inflation attack

#[test]
fn a_donation_to_the_pool_does_not_move_the_exchange_rate_for_the_next_depositor() {
    let attacker = addr(10);
    let victim = addr(11);
    let run = |donate: bool| {
        let mut c = Chain::new();
        // 1 wei into an empty pool: floor(1 * 1e3 / 1e3) = 1 share.
        let events = c.deposit(attacker, "stETH", u(1));
        assert_eq!(minted(&events), u(1));
        if donate {
            let to = c.strategy("stETH");
            let token = c.token("stETH");
            c.ok(
                attacker,
                Action::Transfer {
                    token,
                    to,
                    amount: eth(1000),
                },
            );
        }
        // floor(10e18 * (1 + 1e3) / (1 + 1e3)) = 10e18: the donation is not in the balance.
        let events = c.deposit(victim, "stETH", eth(10));
        (c, minted(&events), rates(&events))
    };
    let (mut c, with_donation, rate) = run(true);
    let (_, without_donation, _) = run(false);
    assert_eq!(with_donation, eth(10));
    assert_eq!(with_donation, without_donation);
    // Rate = 1e18 * (balance + 1e3) / (totalShares + 1e3) stays exactly 1.
    assert_eq!(rate, vec![WAD]);

    let p = pool(&c, "stETH");
    assert_eq!(p.total_shares, eth(10) + u(1));
    assert_eq!(p.balance, eth(10) + u(1));
    let strategy = c.strategy("stETH");
    let held = restake_core::tokens::TokensRead::balance_of(&c.state, &c.token("stETH"), &strategy)
        .unwrap();
    assert_eq!(held, eth(1010) + u(1));

    // Both leave at par; the donation stays unaccounted at the pool's address.
    assert_eq!(exit(&mut c, victim, "stETH"), eth(10));
    assert_eq!(exit(&mut c, attacker, "stETH"), u(1));
    let p = pool(&c, "stETH");
    assert_eq!((p.total_shares, p.balance), (U256::ZERO, U256::ZERO));
    let held = restake_core::tokens::TokensRead::balance_of(&c.state, &c.token("stETH"), &strategy)
        .unwrap();
    assert_eq!(held, eth(1000));
}

#[test]
fn virtual_offsets_make_the_classic_donation_attack_cost_the_attacker_almost_everything() {
    // In a pool that counted the donation: the attacker holds 1 share against
    // 1 + 1000e18 tokens when a victim deposits 10e18.
    let donated = eth(1000);
    let victim_in = eth(10);
    let before = counting_pool(u(1), u(1) + donated);
    // floor(10e18 * (1 + 1e3) / (1 + 1000e18 + 1e3)) = floor(10.00999...) = 10 shares.
    // (Without offsets it would be floor(10e18 * 1 / (1000e18 + 1)) = 0: total theft.)
    let victim_shares = before.underlying_to_shares(victim_in).unwrap();
    assert_eq!(victim_shares, u(10));

    let after = counting_pool(u(11), u(1) + donated + victim_in);
    // Victim: floor((1010e18 + 1 + 1e3) * 10 / (11 + 1e3)) = 9.990108803165182997e18.
    let victim_value = after.shares_to_underlying(victim_shares).unwrap();
    assert_eq!(victim_value, u(9_990_108_803_165_182_997));
    // Attacker: floor((1010e18 + 1 + 1e3) * 1 / (11 + 1e3)) = 0.999010880316518299e18.
    let attacker_value = after.shares_to_underlying(u(1)).unwrap();
    assert_eq!(attacker_value, u(999_010_880_316_518_299));
    // The victim loses under 0.1%; the attacker loses more than 999 of its 1000 tokens.
    assert!(victim_in - victim_value < victim_in / u(1000));
    assert!(donated + u(1) - attacker_value > eth(999));
}

#[test]
fn the_alice_and_bob_donation_example_with_virtual_offsets() {
    // Alice deposits 500 into an empty pool (500 shares), sends 500 more straight to the
    // pool, then Bob deposits 500.
    let alice = addr(12);
    let bob = addr(13);

    // Where the donation counts, Bob gets about half as many shares as tokens:
    // floor(500e18 * (500e18 + 1e3) / (1000e18 + 1e3)) = 250e18 + 249.
    let counted = counting_pool(eth(500), eth(1000));
    let bob_shares = counted.underlying_to_shares(eth(500)).unwrap();
    assert_eq!(bob_shares, u(250_000_000_000_000_000_249));
    let counted = counting_pool(eth(500) + bob_shares, eth(1500));
    assert_eq!(
        counted.shares_to_underlying(eth(500)).unwrap(),
        u(999_999_999_999_999_999_001)
    );
    assert_eq!(
        counted.shares_to_underlying(bob_shares).unwrap(),
        u(499_999_999_999_999_999_998)
    );

    // Here the donation is not counted: Bob gets 500e18 shares and both are worth par.
    let mut c = Chain::new();
    assert_eq!(minted(&c.deposit(alice, "stETH", eth(500))), eth(500));
    let (token, to) = (c.token("stETH"), c.strategy("stETH"));
    c.ok(
        alice,
        Action::Transfer {
            token,
            to,
            amount: eth(500),
        },
    );
    assert_eq!(minted(&c.deposit(bob, "stETH", eth(500))), eth(500));
    let p = pool(&c, "stETH");
    assert_eq!(p.shares_to_underlying(eth(500)).unwrap(), eth(500));
    assert_eq!(exit(&mut c, bob, "stETH"), eth(500));
    assert_eq!(exit(&mut c, alice, "stETH"), eth(500));
}

// ---------------------------------------------------------------------------------------------
// (b) Deposit scaling factor

#[test]
fn a_first_deposit_after_a_half_slash_gets_a_scaling_factor_of_two() {
    let staker = addr(1);
    let mut c = operator_with_full_allocation();
    c.slash(AVS, OP, 1, "stETH", wad(1, 2));
    assert_eq!(c.max_magnitude(OP, "stETH"), WAD_U64 / 2);
    c.delegate(staker, OP);
    let events = c.deposit(staker, "stETH", eth(10));
    // k = divWad(W, 0.5W) = 2W: the earlier slash is not charged to the newcomer.
    assert!(events.contains(&Event::DepositScalingFactorUpdated {
        staker,
        strategy: c.strategy("stETH"),
        new_deposit_scaling_factor: eth(2),
    }));
    assert_eq!(dsf(&c, staker, "stETH"), eth(2));
    assert_eq!(c.deposit_shares(staker, "stETH"), eth(10));
    assert_eq!(c.withdrawable(staker, "stETH"), eth(10));
    assert_eq!(c.operator_shares(OP, "stETH"), eth(10));
}

#[test]
fn depositing_then_delegating_to_a_half_slashed_operator_gets_a_scaling_factor_of_two() {
    let staker = addr(1);
    let mut c = operator_with_full_allocation();
    c.slash(AVS, OP, 1, "stETH", wad(1, 2));
    c.deposit(staker, "stETH", eth(10));
    assert_eq!(dsf(&c, staker, "stETH"), WAD);
    c.delegate(staker, OP);
    assert_eq!(dsf(&c, staker, "stETH"), eth(2));
    // The operator gains the raw deposit shares, which are worth exactly that.
    assert_eq!(c.operator_shares(OP, "stETH"), eth(10));
    assert_eq!(c.withdrawable(staker, "stETH"), eth(10));
    assert_eq!(exit(&mut c, staker, "stETH"), eth(10));
}

// The next two reproduce the dual-slashing scenarios of EigenLayer's accounting notes with an
// ERC-20 strategy: the beacon-chain slash (a drop of the beacon-chain slashing factor) is
// replaced by a second AVS slash of the same fraction, which moves the slashing factor
// `sf = m * l` identically. The native-ETH half (pod checkpoints lowering `l`) waits for native
// restaking.

/// Alice: 32 stETH delegated to OP, then a 75% slash (withdrawable 32 * 0.25 = 8).
fn alice_after_a_75_percent_slash() -> (Chain, Address) {
    let alice = addr(1);
    let mut c = operator_with_full_allocation();
    c.deposit(alice, "stETH", eth(32));
    c.delegate(alice, OP);
    assert_eq!(dsf(&c, alice, "stETH"), WAD);
    c.slash(AVS, OP, 1, "stETH", wad(3, 4));
    assert_eq!(c.max_magnitude(OP, "stETH"), 250_000_000_000_000_000);
    assert_eq!(c.withdrawable(alice, "stETH"), eth(8));
    assert_eq!(c.operator_shares(OP, "stETH"), eth(8));
    c.advance(1);
    (c, alice)
}

#[test]
fn scenario_a_deposit_before_the_second_slash_dsf_two_and_a_half_then_forty_then_thirty() {
    let (mut c, alice) = alice_after_a_75_percent_slash();
    // Another 32: k = divWad(divWad(8 + 32, 32 + 32), 0.25) = 0.625 / 0.25 = 2.5.
    c.deposit(alice, "stETH", eth(32));
    assert_eq!(dsf(&c, alice, "stETH"), u(2_500_000_000_000_000_000));
    // a = 64 * 2.5 * 0.25 = 40.
    assert_eq!(c.withdrawable(alice, "stETH"), eth(40));
    assert_eq!(c.operator_shares(OP, "stETH"), eth(40));
    c.advance(1);
    // A further 25% slash: m = 0.25 - ceil(0.25 * 0.25) = 0.1875; a = 64 * 2.5 * 0.1875 = 30.
    c.slash(AVS, OP, 1, "stETH", wad(1, 4));
    assert_eq!(c.max_magnitude(OP, "stETH"), 187_500_000_000_000_000);
    assert_eq!(c.withdrawable(alice, "stETH"), eth(30));
    assert_eq!(c.operator_shares(OP, "stETH"), eth(30));
    // Scaled shares 64 * 2.5 = 160, paid at m = 0.1875: 30 stETH.
    assert_eq!(exit(&mut c, alice, "stETH"), eth(30));
}

#[test]
fn scenario_b_deposit_after_the_second_slash_dsf_four_and_a_half_then_thirty_six() {
    let (mut c, alice) = alice_after_a_75_percent_slash();
    // A 50% slash first: m = 0.25 - ceil(0.25 * 0.5) = 0.125; a = 32 * 0.125 = 4.
    c.slash(AVS, OP, 1, "stETH", wad(1, 2));
    assert_eq!(c.max_magnitude(OP, "stETH"), 125_000_000_000_000_000);
    assert_eq!(c.withdrawable(alice, "stETH"), eth(4));
    c.advance(1);
    // Then 32 more: k = divWad(divWad(4 + 32, 64), 0.125) = 0.5625 / 0.125 = 4.5.
    c.deposit(alice, "stETH", eth(32));
    assert_eq!(dsf(&c, alice, "stETH"), u(4_500_000_000_000_000_000));
    // a = 64 * 4.5 * 0.125 = 36.
    assert_eq!(c.withdrawable(alice, "stETH"), eth(36));
    assert_eq!(c.operator_shares(OP, "stETH"), eth(36));
    assert_eq!(exit(&mut c, alice, "stETH"), eth(36));
}

// ---------------------------------------------------------------------------------------------
// (c) Slash math

#[test]
fn calc_slashed_amount_removes_the_rounded_down_share_of_the_operator() {
    // op 10, magnitude 3 -> 2: what remains is ceil(10 * 2 / 3) = 7, so 3 are removed, not 3.33.
    assert_eq!(
        shares::calc_slashed_amount(u(10), u(3), u(2)).unwrap(),
        u(3)
    );

    // The same through actions: 10 wei of stake, a third of the magnitude slashed.
    let staker = addr(1);
    let mut c = operator_with_full_allocation();
    c.deposit(staker, "stETH", u(10));
    c.delegate(staker, OP);
    let events = c.slash(AVS, OP, 1, "stETH", wad(1, 3));
    // ceil(W * 333333333333333333 / W) = 333333333333333333 is slashed from the magnitude.
    assert_eq!(c.max_magnitude(OP, "stETH"), 666_666_666_666_666_667);
    // op: 10 - ceil(10 * 666666666666666667 / W) = 10 - 7 = 3 removed.
    assert!(
        events.contains(&Event::BurnOrRedistributableSharesIncreased {
            operator_set: OperatorSet::new(AVS, 1),
            slash_id: 1,
            strategy: c.strategy("stETH"),
            shares: u(3),
        })
    );
    assert_eq!(c.operator_shares(OP, "stETH"), u(7));
    // The staker rounds down: floor(10 * 666666666666666667 / W) = 6 <= 7.
    assert_eq!(c.withdrawable(staker, "stETH"), u(6));
}

#[test]
fn a_slash_takes_exactly_the_right_amounts_from_the_operator_and_the_queue() {
    let (a, b, cc) = (addr(1), addr(4), addr(5));
    let mut c = Chain::new();
    let strategy = c.strategy("stETH");
    c.deposit(a, "stETH", eth(100));
    c.deposit(b, "stETH", eth(50));
    c.register_operator(OP);
    c.delegate(a, OP);
    c.delegate(b, OP);
    c.create_set(AVS, 1, &["stETH"]);
    c.register_for(OP, AVS, &[1]);
    c.allocate(OP, AVS, 1, "stETH", WAD_U64);
    c.advance(1);
    assert_eq!(c.block.number, 2);

    // Block 2. Slash 20%: m = 0.8, op 150 -> 120 (30 slashed, nothing queued yet).
    let events = c.slash(AVS, OP, 1, "stETH", wad(1, 5));
    assert!(events.contains(&Event::OperatorSharesSlashed {
        operator: OP,
        strategy,
        total_slashed_shares: eth(30),
    }));
    // C joins after the slash: k = divWad(W, 0.8W) = 1.25W, worth its 30 in full.
    c.deposit(cc, "stETH", eth(30));
    c.delegate(cc, OP);
    assert_eq!(dsf(&c, cc, "stETH"), u(1_250_000_000_000_000_000));
    assert_eq!(c.operator_shares(OP, "stETH"), eth(150));
    // A queues everything at block 2: q = 100, worth 80; op 150 -> 70.
    let root_a = c.queue(a, "stETH", eth(100));

    // Block 10: B queues everything: q = 50, worth 40; op -> 30.
    c.advance(8);
    let root_b = c.queue(b, "stETH", eth(50));

    // Block 13: C queues 17 of 30: q = mulWad(17, 1.25) = 21.25, worth 17; op -> 13.
    c.advance(3);
    let root_c = c.queue(cc, "stETH", eth(17));
    assert_eq!(c.operator_shares(OP, "stETH"), eth(13));
    assert_eq!(
        c.state
            .cumulative_scaled_shares_at(&OP, &strategy, 13)
            .unwrap(),
        u(171_250_000_000_000_000_000)
    );

    // Slash a third at block 13; the queue window is [13 - D, 13] = [3, 13], so A (block 2) is
    // out, B and C (21.25 + 50 = 71.25 scaled shares) are in.
    // Magnitude: 0.8 - ceil(0.8 * 333333333333333333 / W) = 0.8 - 0.266666666666666667
    //          = 0.533333333333333333.
    let events = c.slash(AVS, OP, 1, "stETH", wad(1, 3));
    let new_max = 533_333_333_333_333_333u64;
    assert_eq!(c.max_magnitude(OP, "stETH"), new_max);
    assert!(events.iter().any(|e| matches!(
        e,
        Event::OperatorSlashed { wad_slashed, .. }
            if wad_slashed == &vec![u(333_333_333_333_333_333)]
    )));
    // fromOp = 13 - ceil(13e18 * new_max / 0.8e18) = 13e18 - 8666666666666666662.
    let from_op = u(4_333_333_333_333_333_338);
    assert!(events.contains(&Event::OperatorSharesDecreased {
        operator: OP,
        staker: Address::ZERO,
        strategy,
        shares: from_op,
    }));
    // fromQueue = calcSlashedAmount(mulWad(71.25e18, 0.8e18) = 57e18, 0.8e18, new_max)
    //           = 57e18 - ceil(57e18 * new_max / 0.8e18) = 57e18 - 37999999999999999977.
    let from_queue = u(19_000_000_000_000_000_023);
    assert!(events.contains(&Event::OperatorSharesSlashed {
        operator: OP,
        strategy,
        total_slashed_shares: from_op + from_queue,
    }));
    assert!(
        events.contains(&Event::BurnOrRedistributableSharesIncreased {
            operator_set: OperatorSet::new(AVS, 1),
            slash_id: 2,
            strategy,
            shares: u(23_333_333_333_333_333_361),
        })
    );
    assert_eq!(c.operator_shares(OP, "stETH"), u(8_666_666_666_666_666_662));
    // C's remaining 13: floor(floor(13 * 1.25) * new_max) = 8666666666666666661 <= op.
    assert_eq!(c.withdrawable(cc, "stETH"), u(8_666_666_666_666_666_661));

    // Payouts (the pool is still 1:1, so shares = tokens).
    let pay = |c: &mut Chain, who: Address, root: B256| {
        let before = c.balance(who, "stETH");
        c.complete(who, root, true);
        c.balance(who, "stETH") - before
    };
    // A: m at block 2 + D = 12 is 0.8: 100 * 0.8 = 80, untouched by the second slash.
    let paid_a = pay(&mut c, a, root_a);
    assert_eq!(paid_a, eth(80));
    c.advance(8); // block 21 = 10 + D + 1
    // B: mulWad(50e18, new_max) = 26666666666666666650.
    let paid_b = pay(&mut c, b, root_b);
    assert_eq!(paid_b, u(26_666_666_666_666_666_650));
    c.advance(3); // block 24 = 13 + D + 1
    // C: mulWad(21.25e18, new_max) = 11333333333333333326.
    let paid_c = pay(&mut c, cc, root_c);
    assert_eq!(paid_c, u(11_333_333_333_333_333_326));

    // The queue lost (40 - paid_b) + (17 - paid_c) = 19.000000000000000024, one wei more than
    // was taken from it: rounding never over-slashes, the dust stays in the pool.
    let lost = eth(40) - paid_b + eth(17) - paid_c;
    assert_eq!(lost, from_queue + u(1));
}

// ---------------------------------------------------------------------------------------------
// (d) Withdrawal root

/// `word` left-padded to 32 bytes, as hex.
fn word(hex_digits: &str) -> String {
    format!("{hex_digits:0>64}")
}

#[test]
fn the_withdrawal_root_is_keccak_of_the_abi_encoded_struct() {
    let w = Withdrawal {
        staker: Address::repeat_byte(0x11),
        delegated_to: Address::repeat_byte(0x22),
        withdrawer: Address::repeat_byte(0x11),
        nonce: u(7),
        start_block: 0x0102_0304,
        strategies: vec![Address::repeat_byte(0xaa), Address::repeat_byte(0xbb)],
        scaled_shares: vec![WAD, u(5)],
    };
    // abi.encode of a tuple with dynamic members: an offset to the tuple, its 7-word head
    // (static fields inline, arrays as offsets from the start of the tuple), then each array
    // as length + elements.
    let words = [
        word("20"),                                       // tuple starts at 0x20
        word("1111111111111111111111111111111111111111"), // staker
        word("2222222222222222222222222222222222222222"), // delegatedTo
        word("1111111111111111111111111111111111111111"), // withdrawer
        word("07"),                                       // nonce
        word("01020304"),                                 // startBlock
        word("e0"),                                       // strategies at 7 * 32 = 0xe0
        word("140"),                                      // scaledShares at 0xe0 + 3 * 32 = 0x140
        word("02"),                                       // strategies.length
        word("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
        word("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"),
        word("02"),               // scaledShares.length
        word("0de0b6b3a7640000"), // 1e18
        word("05"),
    ];
    let encoded = hex::decode(words.concat()).unwrap();
    assert_eq!(encoded.len(), 14 * 32);
    assert_eq!(w.root(), keccak256(&encoded));

    // Every field is committed to.
    let mut other = w.clone();
    other.nonce = u(8);
    assert_ne!(other.root(), w.root());
}

#[test]
fn a_queued_withdrawal_root_matches_its_hand_encoded_struct() {
    let staker = addr(1);
    let mut c = Chain::new();
    c.deposit(staker, "stETH", eth(3));
    c.register_operator(OP);
    c.delegate(staker, OP);
    c.advance(4);
    let root = c.queue(staker, "stETH", eth(1));
    let second = c.queue(staker, "stETH", eth(1));
    let strategy = c.strategy("stETH");
    let hex_addr = |a: Address| hex::encode(a.as_slice());
    let encode = |nonce: &str| {
        let words = [
            word("20"),
            word(&hex_addr(staker)),
            word(&hex_addr(OP)),
            word(&hex_addr(staker)),
            word(nonce),
            word("05"), // queued at block 5
            word("e0"),
            word("120"), // 0xe0 + 2 * 32
            word("01"),
            word(&hex_addr(strategy)),
            word("01"),
            word("0de0b6b3a7640000"), // q = mulWad(1e18, k = W)
        ];
        keccak256(hex::decode(words.concat()).unwrap())
    };
    assert_eq!(root, encode("00"));
    // Identical parameters, next nonce: a different root.
    assert_eq!(second, encode("01"));
    assert_eq!(
        c.state.queued_withdrawal(&root).unwrap().unwrap().root(),
        root
    );
}
