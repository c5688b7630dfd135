//! Native restaking end to end in the core: the oracle quorum, pods, credential proofs,
//! checkpoints, the beacon-chain slashing factor and its composition with AVS slashing, and ETH
//! leaving through the withdrawal queue. Numbers are exact, in wei and gwei.
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
use common::beacon::*;
use common::*;
use restake_core::Error;
use restake_core::allocation::WAD_U64;
use restake_core::beacon_oracle::{OracleError, OracleRead};
use restake_core::config::Params;
use restake_core::delegation::DelegationRead;
use restake_core::pods::{PodError, PodRead, ValidatorStatus, pod_address};
use restake_core::{Action, Event};
use restake_primitives::WAD;

const OP: Address = Address::repeat_byte(2);
const AVS: Address = Address::repeat_byte(3);
const D: u32 = Params::devnet().min_withdrawal_delay_blocks;
const ETH: &str = BEACON_ETH;

fn wei(eth_: u64) -> U256 {
    eth(eth_)
}

/// Alice's pod with one 32 ETH validator, restaked.
fn alice_with_one_validator() -> (Chain, Address, Address, BeaconSim) {
    let mut c = Chain::new();
    let alice = addr(1);
    let pod = c.create_pod(alice);
    let mut sim = BeaconSim::new();
    sim.add_validator(pod, gwei(32));
    c.restake(alice, &sim, &[0]);
    (c, alice, pod, sim)
}

/// OP registered, in AVS's set 1 over beacon ETH with all of its ETH magnitude allocated.
fn operator_allocated(c: &mut Chain) {
    c.register_operator(OP);
    c.create_set(AVS, 1, &[ETH]);
    c.register_for(OP, AVS, &[1]);
    c.allocate(OP, AVS, 1, ETH, WAD_U64);
    c.advance(1);
}

/// Queues all of `staker`'s ETH shares, waits out the delay, completes as tokens; returns the
/// payout instruction's amount.
fn exit_eth(c: &mut Chain, staker: Address) -> U256 {
    let all = c.deposit_shares(staker, ETH);
    let root = c.queue(staker, ETH, all);
    c.advance(D + 1);
    let events = c.complete(staker, root, true);
    events
        .iter()
        .find_map(|e| match e {
            Event::PodPayout {
                amount_wei,
                recipient,
                ..
            } => {
                assert_eq!(*recipient, staker);
                Some(*amount_wei)
            }
            _ => None,
        })
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Oracle

#[test]
fn a_root_below_quorum_is_not_accepted_and_the_second_matching_report_accepts_it() {
    let mut c = Chain::new();
    let root = B256::repeat_byte(7);
    let ts = c.beacon_ts();
    let events = c.ok(
        ORACLE[0],
        Action::PostBeaconRoot {
            timestamp: ts,
            block_root: root,
        },
    );
    assert!(events.is_empty());
    assert_eq!(c.state.beacon_root(ts).unwrap(), None);
    let events = c.ok(
        ORACLE[1],
        Action::PostBeaconRoot {
            timestamp: ts,
            block_root: root,
        },
    );
    assert_eq!(
        events,
        vec![Event::BeaconRootAccepted {
            timestamp: ts,
            block_root: root
        }]
    );
    assert_eq!(c.state.beacon_root(ts).unwrap(), Some(root));
}

#[test]
fn an_account_outside_the_oracle_cannot_report() {
    let mut c = Chain::new();
    let ts = c.beacon_ts();
    let e = c.fails(
        addr(1),
        Action::PostBeaconRoot {
            timestamp: ts,
            block_root: B256::repeat_byte(7),
        },
    );
    assert_eq!(e, Error::Oracle(OracleError::NotOracleMember(addr(1))));
}

#[test]
fn a_conflicting_root_after_acceptance_is_refused_and_reported() {
    let mut c = Chain::new();
    let ts = c.beacon_ts();
    let good = B256::repeat_byte(7);
    c.post_root(ts, good);
    let bad = B256::repeat_byte(8);
    let events = c.ok(
        ORACLE[2],
        Action::PostBeaconRoot {
            timestamp: ts,
            block_root: bad,
        },
    );
    assert!(matches!(
        events.as_slice(),
        [Event::OracleConflictReported { member, pod: None, timestamp, .. }]
            if *member == ORACLE[2] && *timestamp == ts
    ));
    assert_eq!(c.state.beacon_root(ts).unwrap(), Some(good));
}

#[test]
fn conflicting_pending_reports_are_reported_and_neither_reaches_quorum_alone() {
    let mut c = Chain::new();
    let ts = c.beacon_ts();
    let (a, b) = (B256::repeat_byte(1), B256::repeat_byte(2));
    c.ok(
        ORACLE[0],
        Action::PostBeaconRoot {
            timestamp: ts,
            block_root: a,
        },
    );
    let events = c.ok(
        ORACLE[1],
        Action::PostBeaconRoot {
            timestamp: ts,
            block_root: b,
        },
    );
    assert!(matches!(
        events.as_slice(),
        [Event::OracleConflictReported { .. }]
    ));
    assert_eq!(c.state.beacon_root(ts).unwrap(), None);
    // The third member breaks the tie for `a`.
    let events = c.ok(
        ORACLE[2],
        Action::PostBeaconRoot {
            timestamp: ts,
            block_root: a,
        },
    );
    assert!(events.contains(&Event::BeaconRootAccepted {
        timestamp: ts,
        block_root: a
    }));
    assert_eq!(c.state.beacon_root(ts).unwrap(), Some(a));
}

#[test]
fn a_member_reports_a_fact_only_once() {
    let mut c = Chain::new();
    let ts = c.beacon_ts();
    c.ok(
        ORACLE[0],
        Action::PostBeaconRoot {
            timestamp: ts,
            block_root: B256::repeat_byte(1),
        },
    );
    let e = c.fails(
        ORACLE[0],
        Action::PostBeaconRoot {
            timestamp: ts,
            block_root: B256::repeat_byte(1),
        },
    );
    assert_eq!(
        e,
        Error::Oracle(OracleError::AlreadyReported {
            member: ORACLE[0],
            timestamp: ts
        })
    );
}

// ---------------------------------------------------------------------------------------------
// Pods and credentials

#[test]
fn verifying_credentials_credits_the_effective_balance_as_eth_shares() {
    let (c, alice, pod, _) = alice_with_one_validator();
    assert_eq!(c.deposit_shares(alice, ETH), wei(32));
    assert_eq!(c.withdrawable(alice, ETH), wei(32));
    let p = c.pod(alice);
    assert_eq!(p.address, pod);
    assert_eq!(p.active_validator_count, 1);
    let info = c.state.validator_info(&pod, &pubkey_hash(0)).unwrap();
    assert_eq!(info.status, ValidatorStatus::Active);
    assert_eq!(info.restaked_balance_gwei, gwei(32));
}

#[test]
fn a_pod_is_one_per_owner_at_its_derived_address() {
    let mut c = Chain::new();
    let pod = c.create_pod(addr(1));
    assert_eq!(pod, pod_address(&addr(1)));
    let e = c.fails(addr(1), Action::CreatePod {});
    assert_eq!(e, Error::Pod(PodError::EigenPodAlreadyExists(addr(1))));
}

#[test]
fn credentials_of_another_pod_are_refused() {
    let mut c = Chain::new();
    let alice = addr(1);
    c.create_pod(alice);
    let mut sim = BeaconSim::new();
    sim.add_validator(pod_address(&addr(2)), gwei(32));
    let built = sim.build();
    let ts = c.beacon_ts();
    c.post_root(ts, built.block_root);
    let action = c.credentials_action(ts, &sim, &built, &[0]);
    let e = c.fails(alice, action);
    assert_eq!(
        e,
        Error::Pod(PodError::WithdrawalCredentialsNotForEigenPod(pubkey_hash(
            0
        )))
    );
}

#[test]
fn an_exiting_validator_cannot_be_restaked() {
    let mut c = Chain::new();
    let alice = addr(1);
    let pod = c.create_pod(alice);
    let mut sim = BeaconSim::new();
    sim.add_validator(pod, gwei(32));
    sim.set_field(0, 6, 198_903);
    let built = sim.build();
    let ts = c.beacon_ts();
    c.post_root(ts, built.block_root);
    let action = c.credentials_action(ts, &sim, &built, &[0]);
    assert_eq!(
        c.fails(alice, action),
        Error::Pod(PodError::ValidatorIsExitingBeaconChain(pubkey_hash(0)))
    );
}

#[test]
fn a_validator_is_verified_only_once() {
    let (mut c, alice, _, sim) = alice_with_one_validator();
    c.advance(1);
    let built = sim.build();
    let ts = c.beacon_ts();
    c.post_root(ts, built.block_root);
    let action = c.credentials_action(ts, &sim, &built, &[0]);
    assert_eq!(
        c.fails(alice, action),
        Error::Pod(PodError::CredentialsAlreadyVerified(pubkey_hash(0)))
    );
}

#[test]
fn credentials_need_an_accepted_root_inside_the_eip4788_window() {
    let mut c = Chain::new();
    let alice = addr(1);
    let pod = c.create_pod(alice);
    let mut sim = BeaconSim::new();
    sim.add_validator(pod, gwei(32));
    let built = sim.build();
    let ts = c.beacon_ts();
    // No root yet.
    let action = c.credentials_action(ts, &sim, &built, &[0]);
    assert_eq!(
        c.fails(alice, action.clone()),
        Error::Oracle(OracleError::RootNotAccepted(ts))
    );
    c.post_root(ts, built.block_root);
    // 8191 slots later the root is out of the window.
    c.block.timestamp = ts + 8191 * 12;
    let now = c.block.timestamp;
    assert_eq!(
        c.fails(alice, action.clone()),
        Error::Oracle(OracleError::TimestampOutOfRange { timestamp: ts, now })
    );
    // One second earlier it is still inside.
    c.block.timestamp = ts + 8191 * 12 - 1;
    c.ok(alice, action);
}

#[test]
fn a_tampered_validator_field_fails_the_proof() {
    let mut c = Chain::new();
    let alice = addr(1);
    let pod = c.create_pod(alice);
    let mut sim = BeaconSim::new();
    sim.add_validator(pod, gwei(32));
    let built = sim.build();
    let ts = c.beacon_ts();
    c.post_root(ts, built.block_root);
    let mut action = c.credentials_action(ts, &sim, &built, &[0]);
    // Claim 64 ETH of effective balance.
    if let Action::VerifyWithdrawalCredentials {
        validator_fields, ..
    } = &mut action
    {
        let mut leaf = [0u8; 32];
        leaf[..8].copy_from_slice(&gwei(64).to_le_bytes());
        validator_fields[0][2] = B256::from(leaf);
    }
    assert!(matches!(
        c.fails(alice, action),
        Error::Pod(PodError::Proof(
            restake_beacon::BeaconError::RootMismatch { .. }
        ))
    ));
}

#[test]
fn only_the_owner_or_its_proof_submitter_verifies_credentials() {
    let mut c = Chain::new();
    let alice = addr(1);
    let pod = c.create_pod(alice);
    let mut sim = BeaconSim::new();
    sim.add_validator(pod, gwei(32));
    let built = sim.build();
    let ts = c.beacon_ts();
    c.post_root(ts, built.block_root);
    let mut action = c.credentials_action(ts, &sim, &built, &[0]);
    if let Action::VerifyWithdrawalCredentials { pod: p, .. } = &mut action {
        *p = Some(pod);
    }
    assert_eq!(
        c.fails(addr(9), action.clone()),
        Error::Pod(PodError::OnlyEigenPodOwnerOrProofSubmitter)
    );
    c.ok(
        alice,
        Action::SetProofSubmitter {
            new_proof_submitter: addr(9),
        },
    );
    c.ok(addr(9), action);
    assert_eq!(c.deposit_shares(alice, ETH), wei(32));
}

// ---------------------------------------------------------------------------------------------
// Checkpoints

#[test]
fn a_balance_drop_lowers_the_beacon_chain_slashing_factor_not_the_shares() {
    let (mut c, alice, _, mut sim) = alice_with_one_validator();
    // The validator loses 8 of 32 ETH: l = 1 * 24/32 = 0.75.
    sim.set_balance(0, gwei(24));
    c.checkpoint(alice, &sim, U256::ZERO, 0, &[0]);
    assert_eq!(c.bcsf(alice), 750_000_000_000_000_000);
    assert_eq!(c.deposit_shares(alice, ETH), wei(32));
    assert_eq!(c.withdrawable(alice, ETH), wei(24));
    let p = c.pod(alice);
    assert_eq!(p.current_checkpoint_timestamp, 0);
    assert_eq!(p.last_checkpoint_timestamp, c.beacon_ts());
}

#[test]
fn rewards_and_pod_eth_become_new_shares_at_a_checkpoint() {
    let (mut c, alice, pod, mut sim) = alice_with_one_validator();
    // +0.5 ETH of consensus rewards on the beacon chain, 1.25 ETH (and some sub-gwei dust) of
    // execution rewards in the pod.
    sim.set_balance(0, gwei(32) + 500_000_000);
    let in_pod = U256::from(1_250_000_000_000_000_000u128 + 123);
    let events = c.checkpoint(alice, &sim, in_pod, 0, &[0]);
    assert!(events.iter().any(|e| matches!(
        e,
        Event::CheckpointFinalized { total_share_delta_wei, .. }
            if *total_share_delta_wei == 1_750_000_000_000_000_000
    )));
    assert_eq!(
        c.deposit_shares(alice, ETH),
        U256::from(33_750_000_000_000_000_000u128)
    );
    assert_eq!(c.bcsf(alice), WAD_U64);
    assert_eq!(c.pod(alice).restaked_execution_layer_gwei, 1_250_000_000);
    let _ = pod;
}

#[test]
fn a_validator_at_zero_is_withdrawn_and_its_eth_in_the_pod_keeps_the_shares() {
    let (mut c, alice, pod, mut sim) = alice_with_one_validator();
    // Full exit: 32 ETH leave the beacon chain and land in the pod.
    sim.set_balance(0, 0);
    let events = c.checkpoint(alice, &sim, wei(32), 0, &[0]);
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::ValidatorWithdrawn { .. }))
    );
    assert_eq!(c.bcsf(alice), WAD_U64);
    assert_eq!(c.deposit_shares(alice, ETH), wei(32));
    let p = c.pod(alice);
    assert_eq!(p.active_validator_count, 0);
    assert_eq!(p.restaked_execution_layer_gwei, gwei(32));
    assert_eq!(
        c.state
            .validator_info(&pod, &pubkey_hash(0))
            .unwrap()
            .status,
        ValidatorStatus::Withdrawn
    );
    assert_eq!(
        c.state
            .checkpoint_balance_exited_gwei(&pod, p.last_checkpoint_timestamp)
            .unwrap(),
        gwei(32)
    );
    // And the ETH can now leave through the queue, as a payout instruction.
    assert_eq!(exit_eth(&mut c, alice), wei(32));
    assert_eq!(c.pod(alice).restaked_execution_layer_gwei, 0);
}

#[test]
fn eth_paid_out_but_still_in_the_pod_is_not_credited_twice() {
    let (mut c, alice, _, mut sim) = alice_with_one_validator();
    sim.set_balance(0, 0);
    c.checkpoint(alice, &sim, wei(32), 0, &[0]);
    let paid = exit_eth(&mut c, alice);
    assert_eq!(paid, wei(32));
    // The bridge has not sent it yet: the pod still holds 32 ETH, payout 1 not executed.
    c.checkpoint(alice, &sim, wei(32), 0, &[]);
    assert_eq!(c.deposit_shares(alice, ETH), U256::ZERO);
    // Now it has: the pod is empty and one payout executed.
    c.checkpoint(alice, &sim, U256::ZERO, 1, &[]);
    assert_eq!(c.deposit_shares(alice, ETH), U256::ZERO);
    // A report that the pod holds less than what is credited and pending is refused.
    c.advance(1);
    let ts = c.beacon_ts();
    let pod = pod_address(&alice);
    c.post_root(ts, B256::repeat_byte(9));
    c.post_pod_balance(pod, ts, U256::ZERO, 2);
    let e = c.fails(
        alice,
        Action::StartCheckpoint {
            pod: None,
            beacon_timestamp: ts,
            revert_if_no_balance: false,
        },
    );
    assert!(matches!(
        e,
        Error::Pod(PodError::InconsistentPodBalance { .. })
    ));
}

#[test]
fn anyone_can_force_a_checkpoint_on_a_validator_slashed_on_the_beacon_chain() {
    let (mut c, alice, pod, mut sim) = alice_with_one_validator();
    c.advance(1);
    sim.slash(0);
    sim.set_balance(0, gwei(31));
    let built = sim.build();
    let ts = c.beacon_ts();
    c.post_root(ts, built.block_root);
    c.post_pod_balance(pod, ts, U256::ZERO, 0);
    let stale = Action::VerifyStaleBalance {
        pod,
        beacon_timestamp: ts,
        state_root_proof: built.state_root_proof(),
        proof: restake_beacon::ValidatorProof {
            validator_fields: sim.validators[0].clone(),
            proof: built.validator_proof(0).unwrap(),
        },
    };
    let events = c.ok(addr(9), stale);
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::CheckpointCreated { .. }))
    );
    assert_eq!(c.pod(alice).current_checkpoint_timestamp, ts);
    c.ok(
        addr(9),
        Action::VerifyCheckpointProofs {
            pod,
            balance_container_proof: built.balance_container_proof(),
            proofs: vec![built.balance_proof(0).unwrap()],
        },
    );
    // l = 31/32.
    assert_eq!(c.bcsf(alice), 968_750_000_000_000_000);
    assert_eq!(c.withdrawable(alice, ETH), wei(31));
}

#[test]
fn a_validator_not_slashed_cannot_be_proven_stale() {
    let (mut c, _, pod, sim) = alice_with_one_validator();
    c.advance(1);
    let built = sim.build();
    let ts = c.beacon_ts();
    c.post_root(ts, built.block_root);
    let e = c.fails(
        addr(9),
        Action::VerifyStaleBalance {
            pod,
            beacon_timestamp: ts,
            state_root_proof: built.state_root_proof(),
            proof: restake_beacon::ValidatorProof {
                validator_fields: sim.validators[0].clone(),
                proof: built.validator_proof(0).unwrap(),
            },
        },
    );
    assert_eq!(
        e,
        Error::Pod(PodError::ValidatorNotSlashedOnBeaconChain(pubkey_hash(0)))
    );
}

// ---------------------------------------------------------------------------------------------
// Delegation and dual slashing (EigenLayer's dual-slashing scenarios with native ETH)

#[test]
fn delegated_eth_follows_beacon_chain_slashing_at_the_operator() {
    let (mut c, alice, _, mut sim) = alice_with_one_validator();
    operator_allocated(&mut c);
    c.delegate(alice, OP);
    assert_eq!(c.operator_shares(OP, ETH), wei(32));
    sim.set_balance(0, gwei(16));
    c.checkpoint(alice, &sim, U256::ZERO, 0, &[0]);
    assert_eq!(c.bcsf(alice), 500_000_000_000_000_000);
    assert_eq!(c.withdrawable(alice, ETH), wei(16));
    assert_eq!(c.operator_shares(OP, ETH), wei(16));
}

#[test]
fn delegating_after_a_beacon_chain_slash_keeps_that_slash() {
    let (mut c, alice, _, mut sim) = alice_with_one_validator();
    sim.set_balance(0, gwei(24));
    c.checkpoint(alice, &sim, U256::ZERO, 0, &[0]);
    assert_eq!(c.withdrawable(alice, ETH), wei(24));
    operator_allocated(&mut c);
    c.delegate(alice, OP);
    // The operator receives what alice can withdraw, not her raw shares.
    assert_eq!(c.operator_shares(OP, ETH), wei(24));
    assert_eq!(c.withdrawable(alice, ETH), wei(24));
}

/// Alice: one 32 ETH validator delegated to OP, then a 75% AVS slash (withdrawable 8).
fn alice_slashed_75_percent() -> (Chain, Address, Address, BeaconSim) {
    let (mut c, alice, pod, sim) = alice_with_one_validator();
    operator_allocated(&mut c);
    c.delegate(alice, OP);
    c.slash(AVS, OP, 1, ETH, wad(3, 4));
    assert_eq!(c.max_magnitude(OP, ETH), 250_000_000_000_000_000);
    assert_eq!(c.withdrawable(alice, ETH), wei(8));
    assert_eq!(c.operator_shares(OP, ETH), wei(8));
    c.advance(1);
    (c, alice, pod, sim)
}

fn dsf_eth(c: &Chain, staker: Address) -> U256 {
    c.state
        .deposit_scaling_factor(&staker, &restake_primitives::BEACON_CHAIN_ETH_STRATEGY)
        .unwrap()
}

#[test]
fn scenario_a_native_a_second_validator_then_a_beacon_slash_gives_dsf_two_and_a_half_forty_thirty()
{
    let (mut c, alice, pod, mut sim) = alice_slashed_75_percent();
    // A second 32 ETH validator: k = divWad(divWad(8 + 32, 32 + 32), 0.25) = 2.5.
    sim.add_validator(pod, gwei(32));
    c.restake(alice, &sim, &[1]);
    assert_eq!(
        dsf_eth(&c, alice),
        U256::from(2_500_000_000_000_000_000u128)
    );
    assert_eq!(c.withdrawable(alice, ETH), wei(40));
    assert_eq!(c.operator_shares(OP, ETH), wei(40));
    // The beacon chain takes 16 of 64 ETH: l = 48/64 = 0.75; a = 64 * 2.5 * 0.25 * 0.75 = 30.
    sim.set_balance(0, gwei(16));
    c.checkpoint(alice, &sim, U256::ZERO, 0, &[0, 1]);
    assert_eq!(c.bcsf(alice), 750_000_000_000_000_000);
    assert_eq!(c.withdrawable(alice, ETH), wei(30));
    assert_eq!(c.operator_shares(OP, ETH), wei(30));
    // Everything that is left can leave, once the pod holds it: both validators exit.
    sim.set_balance(0, 0);
    sim.set_balance(1, 0);
    c.checkpoint(alice, &sim, wei(48), 0, &[0, 1]);
    assert_eq!(c.bcsf(alice), 750_000_000_000_000_000);
    assert_eq!(exit_eth(&mut c, alice), wei(30));
}

#[test]
fn scenario_b_native_a_beacon_slash_then_a_second_validator_gives_dsf_four_and_a_half_thirty_six() {
    let (mut c, alice, pod, mut sim) = alice_slashed_75_percent();
    // The beacon chain takes half: l = 0.5; a = 32 * 0.25 * 0.5 = 4.
    sim.set_balance(0, gwei(16));
    c.checkpoint(alice, &sim, U256::ZERO, 0, &[0]);
    assert_eq!(c.bcsf(alice), 500_000_000_000_000_000);
    assert_eq!(c.withdrawable(alice, ETH), wei(4));
    assert_eq!(c.operator_shares(OP, ETH), wei(4));
    // A second 32 ETH validator: k = divWad(divWad(4 + 32, 64), 0.25 * 0.5) = 4.5; a = 36.
    sim.add_validator(pod, gwei(32));
    c.advance(1);
    c.restake(alice, &sim, &[1]);
    assert_eq!(
        dsf_eth(&c, alice),
        U256::from(4_500_000_000_000_000_000u128)
    );
    assert_eq!(c.withdrawable(alice, ETH), wei(36));
    assert_eq!(c.operator_shares(OP, ETH), wei(36));
}

#[test]
fn slashing_reaches_queued_eth_and_the_payout_needs_checkpointed_pod_eth() {
    let (mut c, alice, _, mut sim) = alice_with_one_validator();
    operator_allocated(&mut c);
    c.delegate(alice, OP);
    let root = c.queue(alice, ETH, wei(32));
    // Slashed by the AVS while queued (half) and by the beacon chain before completion (1/4).
    c.slash(AVS, OP, 1, ETH, wad(1, 2));
    sim.set_balance(0, gwei(24));
    c.checkpoint(alice, &sim, U256::ZERO, 0, &[0]);
    c.advance(D + 1);
    // Nothing is in the pod yet: completing as tokens must wait for the exit.
    let e = c.fails(
        alice,
        Action::CompleteQueuedWithdrawal {
            withdrawal_root: root,
            receive_as_tokens: true,
        },
    );
    assert!(matches!(
        e,
        Error::Pod(PodError::InsufficientWithdrawableBalance { available: 0, .. })
    ));
    sim.set_balance(0, 0);
    c.checkpoint(alice, &sim, wei(24), 0, &[0]);
    // 32 * 0.5 * 0.75 = 12.
    let events = c.complete(alice, root, true);
    assert!(events.iter().any(|e| matches!(
        e,
        Event::PodPayout { amount_wei, payout_index: 1, .. } if *amount_wei == wei(12)
    )));
    assert_eq!(c.pod(alice).restaked_execution_layer_gwei, gwei(12));
    let _ = WAD;
}

// ---------------------------------------------------------------------------------------------
// Access control

#[test]
fn another_account_cannot_start_a_checkpoint_on_someone_elses_pod() {
    let (mut c, _, pod, _) = alice_with_one_validator();
    c.advance(1);
    let ts = c.beacon_ts();
    c.post_root(ts, B256::repeat_byte(5));
    c.post_pod_balance(pod, ts, U256::ZERO, 0);
    let e = c.fails(
        addr(9),
        Action::StartCheckpoint {
            pod: Some(pod),
            beacon_timestamp: ts,
            revert_if_no_balance: false,
        },
    );
    assert_eq!(e, Error::Pod(PodError::OnlyEigenPodOwnerOrProofSubmitter));
}

#[test]
fn only_a_pod_owner_sets_its_proof_submitter() {
    let (mut c, _, _, _) = alice_with_one_validator();
    // addr(9) owns no pod: it has no submitter to set, and cannot set alice's.
    let e = c.fails(
        addr(9),
        Action::SetProofSubmitter {
            new_proof_submitter: addr(9),
        },
    );
    assert_eq!(e, Error::Pod(PodError::OnlyEigenPodOwner));
}

#[test]
fn a_removed_proof_submitter_loses_its_access() {
    let (mut c, alice, pod, _) = alice_with_one_validator();
    c.ok(
        alice,
        Action::SetProofSubmitter {
            new_proof_submitter: addr(9),
        },
    );
    c.ok(
        alice,
        Action::SetProofSubmitter {
            new_proof_submitter: Address::ZERO,
        },
    );
    c.advance(1);
    let ts = c.beacon_ts();
    c.post_root(ts, B256::repeat_byte(5));
    c.post_pod_balance(pod, ts, U256::ZERO, 0);
    let e = c.fails(
        addr(9),
        Action::StartCheckpoint {
            pod: Some(pod),
            beacon_timestamp: ts,
            revert_if_no_balance: false,
        },
    );
    assert_eq!(e, Error::Pod(PodError::OnlyEigenPodOwnerOrProofSubmitter));
}

#[test]
fn only_pausers_pause_native_restaking_and_a_paused_bit_stops_its_action() {
    use restake_core::pause::{PauseError, PauseTarget};
    let mut c = Chain::new();
    let e = c.fails(
        addr(9),
        Action::Pause {
            target: PauseTarget::PodManager,
            new_paused_status: 1,
        },
    );
    assert!(matches!(e, Error::Pause(PauseError::OnlyPauser(_))));
    c.ok(
        PAUSER,
        Action::Pause {
            target: PauseTarget::PodManager,
            new_paused_status: 1,
        },
    );
    let e = c.fails(addr(1), Action::CreatePod {});
    assert!(matches!(
        e,
        Error::Pause(PauseError::CurrentlyPaused { bit: 0, .. })
    ));
    c.ok(
        UNPAUSER,
        Action::Unpause {
            target: PauseTarget::PodManager,
            new_paused_status: 0,
        },
    );
    c.create_pod(addr(1));
}

#[test]
fn an_omitted_pod_and_the_zero_pod_sign_the_same_message_and_execute_the_same() {
    let (mut c, alice, pod, _sim) = alice_with_one_validator();
    c.advance(1);
    let ts = c.beacon_ts();
    c.post_root(ts, B256::repeat_byte(9));
    c.post_pod_balance(pod, ts, U256::from(2_000_000_000_000_000_000u128), 0);
    let start = |pod: Option<Address>| Action::StartCheckpoint {
        pod,
        beacon_timestamp: ts,
        revert_if_no_balance: false,
    };
    let digest = |a: &Action| restake_core::tx::Transaction::signing_hash(alice, 0, a, CHAIN_ID);
    assert_eq!(digest(&start(None)), digest(&start(Some(Address::ZERO))));
    let mut relayed = Chain {
        state: c.state.clone(),
        block: c.block,
    };
    let omitted = c.ok(alice, start(None));
    let zero = relayed.ok(alice, start(Some(Address::ZERO)));
    assert_eq!(omitted, zero);
    assert_eq!(c.state, relayed.state);
}
