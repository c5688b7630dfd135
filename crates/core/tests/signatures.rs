//! Signatures inside actions: signed deposits, delegation approvals, operator-set approvals and
//! equivocation attestations. Each is EIP-712 over the `Restake` domain and must be canonical.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::panic,
    clippy::expect_used,
    missing_docs
)]

mod common;
use alloy_primitives::{Address, B256, Bytes, U256};
use common::*;
use restake_core::allocation::{
    AllocationError, CreateSetParams, RegistrationApproval, RegistrationPolicy,
};
use restake_core::delegation::{DelegationError, DelegationRead};
use restake_core::eip712::{
    self, Attestation, DelegationApproval, Deposit, OperatorSetRegistration,
};
use restake_core::evidence::{EvidenceError, SignedAttestation};
use restake_core::strategy_manager::StrategyManagerError;
use restake_core::{Action, Error};
use restake_primitives::WAD;
use restake_primitives::signature::SignatureError;

const PAYER: Address = Address::repeat_byte(5);

fn signed_deposit(
    c: &Chain,
    key: &Key,
    amount: U256,
    nonce: u64,
    expiry: u64,
    chain_id: u64,
) -> Action {
    let msg = Deposit {
        staker: key.address(),
        strategy: c.strategy("stETH"),
        token: c.token("stETH"),
        amount,
        nonce: U256::from(nonce),
        expiry: U256::from(expiry),
    };
    Action::DepositIntoStrategyWithSignature {
        strategy: c.strategy("stETH"),
        token: c.token("stETH"),
        amount,
        staker: key.address(),
        expiry,
        signature: key.sign(eip712::digest(&msg, chain_id)),
    }
}

/// The high-S twin of a canonical signature: same signer, different bytes.
fn high_s_twin(sig: &Bytes) -> Bytes {
    let n = U256::from_str_radix(
        "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141",
        16,
    )
    .unwrap();
    let s = U256::from_be_slice(&sig[32..64]);
    let mut out = sig.to_vec();
    out[32..64].copy_from_slice(&(n - s).to_be_bytes::<32>());
    out[64] = if out[64] == 27 { 28 } else { 27 };
    Bytes::from(out)
}

#[test]
fn signed_deposit_credits_the_staker_and_charges_the_sender() {
    let mut c = Chain::new();
    let key = Key::from_seed(1);
    let payer_before = c.balance(PAYER, "stETH");
    let staker_before = c.balance(key.address(), "stETH");
    let a = signed_deposit(&c, &key, eth(3), 0, c.block.timestamp, CHAIN_ID);
    c.ok(PAYER, a);
    assert_eq!(c.deposit_shares(key.address(), "stETH"), eth(3));
    assert_eq!(c.balance(PAYER, "stETH"), payer_before - eth(3));
    assert_eq!(c.balance(key.address(), "stETH"), staker_before);
}

#[test]
fn a_signed_deposit_cannot_be_replayed() {
    let mut c = Chain::new();
    let key = Key::from_seed(1);
    let a = signed_deposit(&c, &key, eth(3), 0, c.block.timestamp + 100, CHAIN_ID);
    c.ok(PAYER, a.clone());
    let err = c.fails(PAYER, a);
    assert_eq!(
        err,
        Error::StrategyManager(StrategyManagerError::InvalidSignature(key.address()))
    );
}

#[test]
fn a_signed_deposit_expires_after_its_expiry_and_not_at_it() {
    let mut c = Chain::new();
    let key = Key::from_seed(1);
    let now = c.block.timestamp;
    let err = c.fails(
        PAYER,
        signed_deposit(&c, &key, eth(1), 0, now - 1, CHAIN_ID),
    );
    assert!(matches!(
        err,
        Error::StrategyManager(StrategyManagerError::SignatureExpired { .. })
    ));
    c.ok(PAYER, signed_deposit(&c, &key, eth(1), 0, now, CHAIN_ID));
}

#[test]
fn a_deposit_signed_for_another_chain_is_refused() {
    let mut c = Chain::new();
    let key = Key::from_seed(1);
    let err = c.fails(
        PAYER,
        signed_deposit(&c, &key, eth(1), 0, c.block.timestamp, CHAIN_ID + 1),
    );
    assert_eq!(
        err,
        Error::StrategyManager(StrategyManagerError::InvalidSignature(key.address()))
    );
}

#[test]
fn the_high_s_twin_of_a_valid_signature_is_refused_before_recovery() {
    let mut c = Chain::new();
    let key = Key::from_seed(1);
    let Action::DepositIntoStrategyWithSignature {
        strategy,
        token,
        amount,
        staker,
        expiry,
        signature,
    } = signed_deposit(&c, &key, eth(1), 0, c.block.timestamp, CHAIN_ID)
    else {
        unreachable!()
    };
    let twin = Action::DepositIntoStrategyWithSignature {
        strategy,
        token,
        amount,
        staker,
        expiry,
        signature: high_s_twin(&signature),
    };
    assert_eq!(
        c.fails(PAYER, twin),
        Error::Signature(SignatureError::HighS)
    );
}

fn operator_with_approver(c: &mut Chain, op: Address, approver: Address) {
    c.ok(
        op,
        Action::RegisterAsOperator {
            delegation_approver: approver,
            allocation_delay: 0,
            metadata_uri: String::new(),
        },
    );
}

fn approval(
    c: &Chain,
    approver: &Key,
    staker: Address,
    op: Address,
    salt: B256,
    expiry: u64,
) -> Bytes {
    let msg = DelegationApproval {
        delegationApprover: approver.address(),
        staker,
        operator: op,
        salt,
        expiry: U256::from(expiry),
    };
    approver.sign(eip712::digest(&msg, c.block.chain_id))
}

#[test]
fn delegation_to_an_operator_with_an_approver_needs_its_signature_and_spends_the_salt() {
    let mut c = Chain::new();
    let approver = Key::from_seed(2);
    let op = addr(2);
    operator_with_approver(&mut c, op, approver.address());
    let (s1, s2) = (addr(1), addr(3));
    let salt = B256::repeat_byte(7);
    let expiry = c.block.timestamp + 60;

    let missing = Action::DelegateTo {
        operator: op,
        approver_signature: None,
        approver_expiry: expiry,
        approver_salt: salt,
    };
    assert_eq!(
        c.fails(s1, missing),
        Error::Delegation(DelegationError::InvalidSignature(approver.address()))
    );

    let wrong_signer = Key::from_seed(3);
    let bad = approval(&c, &wrong_signer, s1, op, salt, expiry);
    let a = Action::DelegateTo {
        operator: op,
        approver_signature: Some(bad),
        approver_expiry: expiry,
        approver_salt: salt,
    };
    assert_eq!(
        c.fails(s1, a),
        Error::Delegation(DelegationError::InvalidSignature(approver.address()))
    );

    let sig = approval(&c, &approver, s1, op, salt, expiry);
    c.ok(
        s1,
        Action::DelegateTo {
            operator: op,
            approver_signature: Some(sig),
            approver_expiry: expiry,
            approver_salt: salt,
        },
    );
    assert_eq!(c.state.delegated_to(&s1).unwrap(), Some(op));

    // The same salt cannot serve another staker.
    let sig2 = approval(&c, &approver, s2, op, salt, expiry);
    let a = Action::DelegateTo {
        operator: op,
        approver_signature: Some(sig2),
        approver_expiry: expiry,
        approver_salt: salt,
    };
    assert_eq!(
        c.fails(s2, a),
        Error::Delegation(DelegationError::SaltSpent(salt))
    );
}

#[test]
fn an_approval_signed_for_one_staker_does_not_work_for_another() {
    let mut c = Chain::new();
    let approver = Key::from_seed(2);
    let op = addr(2);
    operator_with_approver(&mut c, op, approver.address());
    let expiry = c.block.timestamp;
    let sig = approval(&c, &approver, addr(1), op, B256::ZERO, expiry);
    let a = Action::DelegateTo {
        operator: op,
        approver_signature: Some(sig),
        approver_expiry: expiry,
        approver_salt: B256::ZERO,
    };
    assert_eq!(
        c.fails(addr(3), a),
        Error::Delegation(DelegationError::InvalidSignature(approver.address()))
    );
}

#[test]
fn the_approver_can_force_undelegate_a_staker() {
    let mut c = Chain::new();
    let approver = Key::from_seed(2);
    let op = addr(2);
    operator_with_approver(&mut c, op, approver.address());
    let staker = addr(1);
    c.deposit(staker, "stETH", eth(1));
    let sig = approval(&c, &approver, staker, op, B256::ZERO, c.block.timestamp);
    c.ok(
        staker,
        Action::DelegateTo {
            operator: op,
            approver_signature: Some(sig),
            approver_expiry: c.block.timestamp,
            approver_salt: B256::ZERO,
        },
    );
    c.ok(approver.address(), Action::Undelegate { staker });
    assert_eq!(c.state.delegated_to(&staker).unwrap(), None);
    assert_eq!(c.state.queued_withdrawal_roots(&staker).unwrap().len(), 1);
}

fn approval_set(c: &mut Chain, avs: Address, id: u32) {
    c.ok(
        avs,
        Action::UpdateAvsMetadataUri {
            avs: None,
            metadata_uri: String::new(),
        },
    );
    c.ok(
        avs,
        Action::CreateOperatorSets {
            avs: None,
            params: vec![CreateSetParams {
                operator_set_id: id,
                strategies: vec![c.strategy("stETH")],
                redistribution_recipient: None,
                slasher: None,
                registration_policy: RegistrationPolicy::Approval,
                equivocation_wad_to_slash: None,
            }],
        },
    );
}

#[test]
fn approval_sets_admit_only_operators_holding_the_avss_signed_approval() {
    let mut c = Chain::new();
    let avs = Key::from_seed(4);
    let op = addr(2);
    c.register_operator(op);
    approval_set(&mut c, avs.address(), 1);
    let reg = |approval| Action::RegisterForOperatorSets {
        operator: None,
        avs: avs.address(),
        operator_set_ids: vec![1],
        approval,
    };
    let set = restake_primitives::OperatorSet::new(avs.address(), 1);
    assert_eq!(
        c.fails(op, reg(None)),
        Error::Allocation(AllocationError::ApprovalRequired(set))
    );

    let expiry = c.block.timestamp + 1_000;
    let salt = B256::repeat_byte(1);
    let msg = OperatorSetRegistration {
        operator: op,
        avs: avs.address(),
        operatorSetIds: vec![1],
        salt,
        expiry: U256::from(expiry),
    };
    let forged = Key::from_seed(5).sign(eip712::digest(&msg, CHAIN_ID));
    let a = reg(Some(RegistrationApproval {
        signature: forged,
        salt,
        expiry,
    }));
    assert_eq!(
        c.fails(op, a),
        Error::Allocation(AllocationError::InvalidApproval)
    );

    let good = RegistrationApproval {
        signature: avs.sign(eip712::digest(&msg, CHAIN_ID)),
        salt,
        expiry,
    };
    c.ok(op, reg(Some(good.clone())));
    // Deregister, wait out the window, and try to reuse the spent approval.
    c.ok(
        op,
        Action::DeregisterFromOperatorSets {
            operator: None,
            avs: avs.address(),
            operator_set_ids: vec![1],
        },
    );
    c.advance(11);
    assert_eq!(
        c.fails(op, reg(Some(good))),
        Error::Allocation(AllocationError::SaltSpent(salt))
    );
}

fn equivocation_set(c: &mut Chain, avs: Address, wad: U256) {
    c.ok(
        avs,
        Action::UpdateAvsMetadataUri {
            avs: None,
            metadata_uri: String::new(),
        },
    );
    c.ok(
        avs,
        Action::CreateOperatorSets {
            avs: None,
            params: vec![CreateSetParams {
                operator_set_id: 9,
                strategies: vec![c.strategy("stETH"), c.strategy("rETH")],
                redistribution_recipient: None,
                slasher: None,
                registration_policy: RegistrationPolicy::Open,
                equivocation_wad_to_slash: Some(wad),
            }],
        },
    );
}

fn attest(key: &Key, avs: Address, height: u64, payload: B256) -> SignedAttestation {
    let msg = Attestation {
        avs,
        operatorSetId: 9,
        height,
        payloadHash: payload,
    };
    SignedAttestation {
        payload_hash: payload,
        signature: key.sign(eip712::digest(&msg, CHAIN_ID)),
    }
}

#[test]
fn anyone_can_slash_an_operator_that_signed_two_payloads_at_one_height_once() {
    let mut c = Chain::new();
    let avs = addr(9);
    let op_key = Key::from_seed(6);
    let op = op_key.address();
    c.register_operator(op);
    c.deposit(addr(1), "stETH", eth(100));
    c.delegate(addr(1), op);
    equivocation_set(&mut c, avs, wad(1, 10));
    c.register_for(op, avs, &[9]);
    c.allocate(op, avs, 9, "stETH", WAD.to::<u64>());
    let a = attest(&op_key, avs, 42, B256::repeat_byte(1));
    let b = attest(&op_key, avs, 42, B256::repeat_byte(2));
    let proof = |first: &SignedAttestation, second: &SignedAttestation| {
        Action::SlashWithEquivocationProof {
            avs,
            operator_set_id: 9,
            operator: op,
            height: 42,
            first: first.clone(),
            second: second.clone(),
        }
    };
    assert_eq!(
        c.fails(addr(7), proof(&a, &a)),
        Error::Evidence(EvidenceError::SamePayload)
    );
    let forged = attest(&Key::from_seed(7), avs, 42, B256::repeat_byte(2));
    assert!(matches!(
        c.fails(addr(7), proof(&a, &forged)),
        Error::Evidence(EvidenceError::NotSignedByOperator { index: 1, .. })
    ));

    c.ok(addr(7), proof(&a, &b));
    assert_eq!(c.withdrawable(addr(1), "stETH"), eth(90));
    assert!(matches!(
        c.fails(addr(8), proof(&b, &a)),
        Error::Evidence(EvidenceError::AlreadySlashed { height: 42, .. })
    ));
    // Another height is another offence.
    let (a2, b2) = (
        attest(&op_key, avs, 43, B256::repeat_byte(1)),
        attest(&op_key, avs, 43, B256::repeat_byte(3)),
    );
    let p = Action::SlashWithEquivocationProof {
        avs,
        operator_set_id: 9,
        operator: op,
        height: 43,
        first: a2,
        second: b2,
    };
    c.ok(addr(7), p);
    assert_eq!(c.withdrawable(addr(1), "stETH"), eth(81));
}

#[test]
fn equivocation_proofs_are_refused_for_sets_without_the_rule() {
    let mut c = Chain::new();
    let avs = addr(9);
    let op_key = Key::from_seed(6);
    c.register_operator(op_key.address());
    c.create_set(avs, 9, &["stETH"]);
    let p = Action::SlashWithEquivocationProof {
        avs,
        operator_set_id: 9,
        operator: op_key.address(),
        height: 1,
        first: attest(&op_key, avs, 1, B256::repeat_byte(1)),
        second: attest(&op_key, avs, 1, B256::repeat_byte(2)),
    };
    assert!(matches!(
        c.fails(addr(7), p),
        Error::Evidence(EvidenceError::RuleNotEnabled(_))
    ));
}
