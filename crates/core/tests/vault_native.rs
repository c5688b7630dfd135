//! Native ETH in the liquid restaking vault: validators pointed at a node delegator's pod mint
//! LRT at the price before they arrive and only for what the pod credits (no phantom ETH),
//! exits leave through earmarked core withdrawals paid from the pod to the holder, and AVS and
//! beacon-chain slashing reach the vault exactly once.
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
use common::beacon::{BeaconSim, gwei};
use common::vault::*;
use common::*;
use restake_core::delegation::DelegationError;
use restake_core::pods::PodError;
use restake_core::vault::{VaultAssetInit, VaultError};
use restake_core::{Action, Error, Event};
use restake_primitives::{BEACON_CHAIN_ETH_STRATEGY as ETH, WAD};

const ALICE: Address = Address::repeat_byte(1);
const BOB: Address = Address::repeat_byte(5);
const EVE: Address = Address::repeat_byte(6);

fn vault_err(e: Error) -> VaultError {
    match e {
        Error::Vault(v) => v,
        other => panic!("expected a vault error, got {other:?}"),
    }
}

/// A native vault where Alice holds 10 stETH worth of shares and delegator 0 has a pod with
/// one 32 ETH validator (not yet proven).
fn setup() -> (VaultChain, BeaconSim) {
    let mut v = VaultChain::native(|p| p.fee_bps = 0);
    v.deposit(ALICE, "stETH", eth(10));
    let pod = v.create_pod(0);
    let mut sim = BeaconSim::new();
    sim.add_validator(pod, gwei(32));
    v.c.advance(1);
    (v, sim)
}

fn minted(events: &[Event]) -> U256 {
    events
        .iter()
        .find_map(|e| match e {
            Event::VaultValidatorsDeposited { shares, .. } => Some(*shares),
            _ => None,
        })
        .unwrap()
}

#[test]
fn validators_mint_at_the_price_before_they_arrive() {
    let (mut v, sim) = setup();
    let a = v.deposit_validators_action(0, BOB, &sim, &[0]);
    let events = v.c.ok(ADMIN, a);
    // A = S = 10 before: 32 ETH mints exactly 32e18 shares, to Bob.
    assert_eq!(minted(&events), eth(32));
    assert_eq!(v.lrt_balance(BOB), eth(32));
    let b = v.books();
    assert_eq!(b.assets[1].delegated, eth(32));
    assert_eq!(b.total_assets, eth(42));
    assert_eq!(v.c.operator_shares(OP_A, BEACON_ETH), eth(32));
    assert_eq!(v.rate(), WAD);
}

#[test]
fn a_validator_penalised_before_its_proof_mints_only_what_the_pod_credits() {
    let mut v = VaultChain::native(|p| p.fee_bps = 0);
    let pod = v.create_pod(0);
    let mut sim = BeaconSim::new();
    // 32 ETH were staked, but the validator was penalised to 31 before the proof.
    sim.add_validator(pod, gwei(31));
    v.c.advance(1);
    let a = v.deposit_validators_action(0, BOB, &sim, &[0]);
    assert_eq!(minted(&v.c.ok(ADMIN, a)), eth(31));
    assert_eq!(v.books().total_assets, eth(31), "no phantom ETH");
}

#[test]
fn only_the_manager_deposits_validators_and_only_for_the_vaults_own_pod() {
    let (mut v, mut sim) = setup();
    let a = v.deposit_validators_action(0, EVE, &sim, &[0]);
    assert!(matches!(
        vault_err(v.c.fails(EVE, a)),
        VaultError::NotAuthorized { .. }
    ));
    // A validator whose credentials point elsewhere (front-run with other credentials).
    let other = sim.add_validator(Address::repeat_byte(0x77), gwei(32));
    v.c.advance(1);
    let a = v.deposit_validators_action(0, BOB, &sim, &[other]);
    assert!(matches!(
        v.c.fails(ADMIN, a),
        Error::Pod(PodError::WithdrawalCredentialsNotForEigenPod(_))
    ));
    // The same validator cannot be deposited twice.
    v.c.advance(1);
    let a = v.deposit_validators_action(0, BOB, &sim, &[0]);
    v.c.ok(ADMIN, a);
    v.c.advance(1);
    let again = v.deposit_validators_action(0, BOB, &sim, &[0]);
    assert!(matches!(
        v.c.fails(ADMIN, again),
        Error::Pod(PodError::CredentialsAlreadyVerified(_))
    ));
    // Nor can a stranger start the pod's checkpoints or create pods.
    let vault = v.vault;
    assert!(matches!(
        vault_err(v.c.fails(
            EVE,
            Action::StartVaultCheckpoint {
                vault,
                delegator: 0,
                beacon_timestamp: 1
            }
        )),
        VaultError::NotAuthorized { .. }
    ));
    assert!(matches!(
        vault_err(v.c.fails(
            EVE,
            Action::CreateVaultPod {
                vault,
                delegator: 1
            }
        )),
        VaultError::NotAuthorized { .. }
    ));
}

#[test]
fn native_eth_has_no_rate_report_no_token_deposit_and_no_instant_exit() {
    let (mut v, _) = setup();
    let e = v.set_rate(ADMIN, "stETH", WAD).map(drop);
    assert!(e.is_ok());
    let vault = v.vault;
    let e =
        v.c.exec(
            ADMIN,
            Action::UpdateVaultAssetRate {
                vault,
                token: ETH,
                rate_wad: WAD,
            },
        )
        .unwrap_err();
    assert!(matches!(vault_err(e), VaultError::NativeAsset(_)));
    let dep = Action::DepositIntoVault {
        vault,
        token: ETH,
        amount: eth(1),
        min_shares_out: U256::ZERO,
        deadline: 0,
    };
    assert!(matches!(
        vault_err(v.c.fails(ALICE, dep)),
        VaultError::NativeAsset(_)
    ));
    let instant = Action::InstantRedeem {
        vault,
        shares: eth(1),
        token: ETH,
        min_amount_out: U256::ZERO,
    };
    assert!(matches!(
        vault_err(v.c.fails(ALICE, instant)),
        VaultError::NativeAsset(_)
    ));
    // A native asset must be valued 1:1.
    let mut c = Chain::new();
    let e = c.fails(
        ADMIN,
        Action::CreateVault {
            symbol: "xETH".into(),
            assets: vec![VaultAssetInit {
                token: ETH,
                rate_wad: WAD + U256::from(1),
            }],
            params: None,
        },
    );
    assert!(matches!(vault_err(e), VaultError::NativeAsset(_)));
}

fn request_eth(v: &mut VaultChain, who: Address, shares: U256) -> u64 {
    let vault = v.vault;
    v.c.ok(
        who,
        Action::RequestRedeem {
            vault,
            shares,
            token: ETH,
        },
    )
    .iter()
    .find_map(|e| match e {
        Event::RedeemRequested { request_id, .. } => Some(*request_id),
        _ => None,
    })
    .unwrap()
}

#[test]
fn a_native_exit_is_paid_from_the_pod_to_the_holder_once_the_validator_has_exited() {
    let (mut v, mut sim) = setup();
    let a = v.deposit_validators_action(0, BOB, &sim, &[0]);
    v.c.ok(ADMIN, a);
    v.c.advance(1);
    let id = request_eth(&mut v, BOB, eth(32));
    v.c.advance(v.state().params.cooldown_blocks);
    v.finalize(1);
    let req = v.request_of(id);
    let root = req.core_withdrawal.expect("a core withdrawal pays it");
    assert_eq!(req.payout, eth(32));
    // The earmarked withdrawal is out of A and cannot be taken back by completing it.
    assert_eq!(v.books().total_assets, eth(10));
    assert_eq!(v.rate(), WAD);
    let vault = v.vault;
    let take = Action::CompleteVaultWithdrawal {
        vault,
        withdrawal_root: root,
    };
    v.c.advance(11);
    assert!(matches!(
        vault_err(v.c.fails(EVE, take)),
        VaultError::EarmarkedWithdrawal { request, .. } if request == id
    ));
    // The pod has no ETH until the validator exits and a checkpoint brings it in.
    let claim = Action::ClaimRedeem {
        vault,
        request_id: id,
    };
    assert!(matches!(
        v.c.fails(BOB, claim.clone()),
        Error::Pod(PodError::InsufficientWithdrawableBalance { .. })
    ));
    sim.set_balance(0, 0);
    v.checkpoint(0, &sim, eth(32), &[0]);
    let events = v.c.ok(BOB, claim);
    assert!(events.iter().any(|e| matches!(
        e,
        Event::PodPayout { recipient, amount_wei, .. } if *recipient == BOB && *amount_wei == eth(32)
    )));
    assert!(events.iter().any(|e| matches!(
        e,
        Event::RedeemClaimed { amount, .. } if *amount == eth(32)
    )));
    assert_eq!(v.books().total_assets, eth(10));
}

#[test]
fn a_native_claim_waits_for_the_core_withdrawal_delay() {
    let (mut v, sim) = setup();
    let a = v.deposit_validators_action(0, BOB, &sim, &[0]);
    v.c.ok(ADMIN, a);
    v.c.advance(1);
    let id = request_eth(&mut v, BOB, eth(4));
    v.c.advance(v.state().params.cooldown_blocks);
    v.finalize(1);
    let vault = v.vault;
    let e = v.c.fails(
        BOB,
        Action::ClaimRedeem {
            vault,
            request_id: id,
        },
    );
    assert!(matches!(
        e,
        Error::Delegation(DelegationError::WithdrawalDelayNotElapsed { .. })
    ));
}

#[test]
fn avs_and_beacon_slashing_reach_native_eth_once_and_exactly() {
    let (mut v, mut sim) = setup();
    let a = v.deposit_validators_action(0, BOB, &sim, &[0]);
    v.c.ok(ADMIN, a);
    v.c.create_set(VAULT_AVS, 2, &[BEACON_ETH]);
    v.c.register_for(OP_A, VAULT_AVS, &[2]);
    v.c.allocate(OP_A, VAULT_AVS, 2, BEACON_ETH, WAD.to::<u64>());
    v.c.advance(2);
    // The AVS takes half, then the validator loses a quarter on the beacon chain.
    v.c.slash(VAULT_AVS, OP_A, 2, BEACON_ETH, wad(1, 2));
    sim.set_balance(0, gwei(24));
    v.checkpoint(0, &sim, U256::ZERO, &[0]);
    let d0 = v.delegator(0);
    // 32 · 0.5 · 0.75 = 12: the vault sees exactly what the core would pay.
    assert_eq!(v.c.withdrawable(d0, BEACON_ETH), eth(12));
    let b = v.books();
    assert_eq!(b.assets[1].delegated, eth(12));
    assert_eq!(b.total_assets, eth(22));
}

#[test]
fn forced_undelegation_of_a_native_delegator_keeps_its_eth_in_the_vault() {
    let (mut v, sim) = setup();
    let a = v.deposit_validators_action(0, BOB, &sim, &[0]);
    v.c.ok(ADMIN, a);
    let before = v.books().total_assets;
    let d0 = v.delegator(0);
    let roots = queued_roots(&v.c.ok(OP_A, Action::Undelegate { staker: d0 }));
    assert_eq!(v.books().total_assets, before);
    v.c.advance(11);
    for root in roots {
        v.complete(root);
    }
    // The ETH shares are back with the delegator (as shares, not a payout to nobody).
    assert_eq!(v.books().total_assets, before);
    assert_eq!(v.c.withdrawable(d0, BEACON_ETH), eth(32));
    let vault = v.vault;
    v.c.ok(
        ADMIN,
        Action::RedelegateVaultDelegator {
            vault,
            delegator: 0,
        },
    );
    assert_eq!(v.c.operator_shares(OP_A, BEACON_ETH), eth(32));
}
