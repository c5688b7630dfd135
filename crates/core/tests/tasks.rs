//! Tasks: a fee escrowed against a committed table, a certified response that pays the signers
//! by weight, expiry that refunds the creator, and every refusal.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation
)]

mod common;

use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use common::*;
use restake_certificate::{
    Certificate, CertificateError, CertificateProof, TableTree, Witness, message_digest,
    task_response_hash,
};
use restake_core::allocation::{CreateSetParams, RegistrationPolicy};
use restake_core::eip712;
use restake_core::evidence::{EvidenceError, SignedResponse};
use restake_core::keys::KeyScheme;
use restake_core::permissions::PermissionError;
use restake_core::tables::TablesRead;
use restake_core::tasks::{TASK_ESCROW, TaskStatus, TasksError, TasksRead};
use restake_core::{Action, Error, Event};
use restake_primitives::{OperatorSet, bls};

const A: Address = Address::repeat_byte(0x0A);
const B: Address = Address::repeat_byte(0x0B);
const HALF: u64 = 500_000_000_000_000_000;
const QUARTER: u64 = 250_000_000_000_000_000;

/// The AVS is a funded account (it pays fees).
fn avs() -> Address {
    addr(9)
}

fn set() -> OperatorSet {
    OperatorSet::new(avs(), 1)
}

fn bls_key(op: Address) -> bls::SecretKey {
    bls::SecretKey::derive(keccak256(op).as_slice()).unwrap()
}

/// Set 1 of the AVS over stETH with BLS keys and the equivocation rule (10%): A weighs 100 (half
/// of 200 stETH), B 50 (a quarter).
fn chain() -> Chain {
    let mut c = Chain::new();
    c.ok(
        avs(),
        Action::UpdateAvsMetadataUri {
            avs: None,
            metadata_uri: "https://avs.example".into(),
        },
    );
    // Equivocation costs 10% of the allocation.
    let strategy = c.strategy("stETH");
    c.ok(
        avs(),
        Action::CreateOperatorSets {
            avs: None,
            params: vec![CreateSetParams {
                operator_set_id: 1,
                strategies: vec![strategy],
                redistribution_recipient: None,
                slasher: None,
                registration_policy: RegistrationPolicy::Open,
                equivocation_wad_to_slash: Some(eth(1) / U256::from(10)),
            }],
        },
    );
    c.ok(
        avs(),
        Action::ConfigureOperatorSet {
            avs: None,
            operator_set_id: 1,
            key_scheme: KeyScheme::Bls12381,
        },
    );
    for (op, staker, magnitude) in [(A, addr(1), HALF), (B, addr(2), QUARTER)] {
        c.register_operator(op);
        c.delegate(staker, op);
        c.deposit(staker, "stETH", eth(200));
        c.register_for(op, avs(), &[1]);
        c.allocate(op, avs(), 1, "stETH", magnitude);
        let sk = bls_key(op);
        let key_data = Bytes::copy_from_slice(&sk.public().to_bytes());
        let digest = eip712::digest(
            &eip712::KeyRegistration {
                operator: op,
                avs: avs(),
                operatorSetId: 1,
                keyData: key_data.clone(),
            },
            CHAIN_ID,
        );
        let proof = sk.prove_possession_bound(digest.as_slice());
        c.ok(
            op,
            Action::RegisterKey {
                operator: None,
                avs: avs(),
                operator_set_id: 1,
                key_data,
                signature: Bytes::copy_from_slice(&proof.to_bytes()),
            },
        );
    }
    c.advance(1);
    c
}

fn payload() -> B256 {
    keccak256(b"ETH/USD at block 100")
}

fn create(c: &Chain, fee: U256, threshold_bips: u16, deadline_blocks: u32) -> Action {
    Action::CreateTask {
        avs: None,
        operator_set_id: 1,
        payload_hash: payload(),
        fee_token: c.token("stETH"),
        fee,
        threshold_bips,
        deadline_blocks,
    }
}

/// A certificate for task `id` answering `response`, signed by `signers`.
fn certificate(c: &Chain, id: u64, response: B256, signers: &[Address]) -> Certificate {
    let task = c.state.task(id).unwrap().unwrap();
    let entries = c
        .state
        .table_entries(&set(), task.reference_height)
        .unwrap();
    let tree = TableTree::new(&entries).unwrap();
    let message = task_response_hash(id, &task.payload_hash, &response);
    let digest = message_digest(CHAIN_ID, &set(), task.reference_height, &message);
    let sigs: Vec<bls::Signature> = signers
        .iter()
        .map(|op| bls_key(*op).sign(digest.as_slice()))
        .collect();
    let non_signers = entries
        .iter()
        .enumerate()
        .filter(|(_, e)| !signers.contains(&e.operator))
        .map(|(i, e)| Witness {
            index: i as u32,
            entry: e.clone(),
            proof: tree.proof(i as u32).unwrap(),
        })
        .collect();
    Certificate {
        operator_set: set(),
        reference_height: task.reference_height,
        message_hash: message,
        proof: CertificateProof::Bls12381 {
            signature: Bytes::copy_from_slice(
                &bls::Signature::aggregate(&sigs).unwrap().to_bytes(),
            ),
            non_signers,
        },
    }
}

fn respond(id: u64, response: B256, certificate: Certificate) -> Action {
    Action::RespondToTask {
        task_id: id,
        response,
        certificate: Box::new(certificate),
    }
}

fn answer() -> B256 {
    B256::from(U256::from(3_120_550_000u64))
}

#[test]
fn a_certified_response_completes_the_task_and_pays_the_signers_by_weight() {
    let mut c = chain();
    let before = c.balance(avs(), "stETH");
    let events = c.ok(avs(), create(&c, eth(30), 6667, 5));
    assert!(matches!(
        events[0],
        Event::OperatorTableUpdated {
            operator_count: 2,
            ..
        }
    ));
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::TaskCreated { task_id: 1, .. }))
    );
    assert_eq!(c.balance(avs(), "stETH"), before - eth(30));
    assert_eq!(c.balance(TASK_ESCROW, "stETH"), eth(30));
    let task = c.state.task(1).unwrap().unwrap();
    assert_eq!(task.total_weight, eth(150));
    assert_eq!(task.deadline, task.reference_height + 5);
    c.advance(2);
    let (a0, b0) = (c.balance(A, "stETH"), c.balance(B, "stETH"));
    let cert = certificate(&c, 1, answer(), &[A, B]);
    let events = c.ok(Address::repeat_byte(0x99), respond(1, answer(), cert));
    // 100 : 50 of 30 stETH.
    assert_eq!(c.balance(A, "stETH") - a0, eth(20));
    assert_eq!(c.balance(B, "stETH") - b0, eth(10));
    assert!(events.contains(&Event::TaskFeePaid {
        task_id: 1,
        operator: A,
        amount: eth(20)
    }));
    assert_eq!(c.balance(TASK_ESCROW, "stETH"), U256::ZERO);
    assert_eq!(
        events.last(),
        Some(&Event::TaskCompleted {
            task_id: 1,
            response: answer(),
            signed_weight: eth(150),
            total_weight: eth(150),
        })
    );
    let task = c.state.task(1).unwrap().unwrap();
    assert!(matches!(task.status, TaskStatus::Completed { response, .. } if response == answer()));
    // Answered once only.
    let again = certificate(&c, 1, answer(), &[A, B]);
    assert_eq!(
        c.fails(A, respond(1, answer(), again)),
        Error::Tasks(TasksError::NotOpen(1))
    );
}

#[test]
fn signers_short_of_the_threshold_or_of_another_answer_are_refused() {
    let mut c = chain();
    c.ok(avs(), create(&c, eth(30), 6667, 5));
    // A alone holds 100 of 150: 66.66%, short of 66.67%.
    let cert = certificate(&c, 1, answer(), &[A]);
    assert!(matches!(
        c.fails(A, respond(1, answer(), cert)),
        Error::Tasks(TasksError::Certificate(
            CertificateError::BelowThreshold { .. }
        ))
    ));
    // Certified for one answer, submitted with another.
    let cert = certificate(&c, 1, answer(), &[A, B]);
    assert_eq!(
        c.fails(A, respond(1, B256::repeat_byte(1), cert)),
        Error::Tasks(TasksError::WrongMessage(1))
    );
    // B claimed as a signer but absent from the signature.
    let mut cert = certificate(&c, 1, answer(), &[A]);
    if let CertificateProof::Bls12381 { non_signers, .. } = &mut cert.proof {
        non_signers.clear();
    }
    assert!(matches!(
        c.fails(A, respond(1, answer(), cert)),
        Error::Tasks(TasksError::Certificate(
            CertificateError::BadSignature { .. }
        ))
    ));
    assert_eq!(
        c.fails(
            A,
            respond(7, answer(), certificate(&c, 1, answer(), &[A, B]))
        ),
        Error::Tasks(TasksError::UnknownTask(7))
    );
}

#[test]
fn a_lone_signer_gets_the_whole_fee_and_rounding_dust_goes_back_to_the_creator() {
    let mut c = chain();
    let (a0, b0) = (c.balance(A, "stETH"), c.balance(B, "stETH"));
    c.ok(avs(), create(&c, eth(30), 6666, 5));
    let cert = certificate(&c, 1, answer(), &[A]);
    c.ok(A, respond(1, answer(), cert));
    assert_eq!(c.balance(A, "stETH") - a0, eth(30));
    assert_eq!(c.balance(B, "stETH"), b0);
    // 10 wei split 100 : 50 is 6 and 3; the last wei returns to the AVS.
    let before = c.balance(avs(), "stETH");
    c.ok(avs(), create(&c, U256::from(10), 10_000, 5));
    let cert = certificate(&c, 2, answer(), &[A, B]);
    c.ok(A, respond(2, answer(), cert));
    assert_eq!(c.balance(A, "stETH") - a0, eth(30) + U256::from(6));
    assert_eq!(c.balance(B, "stETH") - b0, U256::from(3));
    assert_eq!(c.balance(avs(), "stETH"), before - U256::from(9));
}

#[test]
fn an_unanswered_task_expires_after_its_deadline_and_refunds_the_creator() {
    let mut c = chain();
    let before = c.balance(avs(), "stETH");
    c.ok(avs(), create(&c, eth(30), 6667, 3));
    let deadline = c.state.task(1).unwrap().unwrap().deadline;
    assert_eq!(
        c.fails(A, Action::ExpireTask { task_id: 1 }),
        Error::Tasks(TasksError::NotExpired { id: 1, deadline })
    );
    c.advance(3);
    // The deadline block itself still takes answers; the one after does not.
    c.advance(1);
    let cert = certificate(&c, 1, answer(), &[A, B]);
    assert_eq!(
        c.fails(A, respond(1, answer(), cert)),
        Error::Tasks(TasksError::PastDeadline { id: 1, deadline })
    );
    let events = c.ok(B, Action::ExpireTask { task_id: 1 });
    assert_eq!(
        events.last(),
        Some(&Event::TaskExpired {
            task_id: 1,
            refund: eth(30)
        })
    );
    assert_eq!(c.balance(avs(), "stETH"), before);
    assert!(matches!(
        c.state.task(1).unwrap().unwrap().status,
        TaskStatus::Expired { .. }
    ));
}

#[test]
fn only_the_avs_creates_tasks_within_the_bounds_and_only_for_a_staked_set() {
    let mut c = chain();
    assert_eq!(
        c.fails(
            addr(3),
            Action::CreateTask {
                avs: Some(avs()),
                operator_set_id: 1,
                payload_hash: payload(),
                fee_token: c.token("stETH"),
                fee: eth(1),
                threshold_bips: 6667,
                deadline_blocks: 5,
            }
        ),
        Error::Permission(PermissionError::InvalidPermissions {
            account: avs(),
            caller: addr(3),
            selector: "createTask".into()
        })
    );
    let max = restake_core::config::ConfigRead::params(&c.state)
        .unwrap()
        .deallocation_delay
        / 2;
    for (bips, blocks, want) in [
        (0, 5, TasksError::BadThreshold(0)),
        (10_001, 5, TasksError::BadThreshold(10_001)),
        (6667, 0, TasksError::BadDeadline { got: 0, max }),
        (6667, max + 1, TasksError::BadDeadline { got: max + 1, max }),
    ] {
        assert_eq!(
            c.fails(avs(), create(&c, eth(1), bips, blocks)),
            Error::Tasks(want)
        );
    }
    // A fee the AVS does not hold.
    assert!(matches!(
        c.fails(avs(), create(&c, eth(10_000_000), 6667, 5)),
        Error::Token(_)
    ));
    // A set whose operators have no keys has no stake to answer with.
    c.create_set(avs(), 2, &["stETH"]);
    c.ok(
        avs(),
        Action::ConfigureOperatorSet {
            avs: None,
            operator_set_id: 2,
            key_scheme: KeyScheme::Ecdsa,
        },
    );
    assert_eq!(
        c.fails(
            avs(),
            Action::CreateTask {
                avs: None,
                operator_set_id: 2,
                payload_hash: payload(),
                fee_token: c.token("stETH"),
                fee: eth(1),
                threshold_bips: 6667,
                deadline_blocks: 5,
            }
        ),
        Error::Tasks(TasksError::NoStake)
    );
}

/// A's own signature (its set key) over `response` to task `id`.
fn signed_by(c: &Chain, op: Address, id: u64, response: B256) -> SignedResponse {
    let task = c.state.task(id).unwrap().unwrap();
    let message = task_response_hash(id, &task.payload_hash, &response);
    let digest = message_digest(CHAIN_ID, &set(), task.reference_height, &message);
    SignedResponse {
        response,
        signature: Bytes::copy_from_slice(&bls_key(op).sign(digest.as_slice()).to_bytes()),
    }
}

#[test]
fn an_operator_that_signs_two_answers_to_one_task_is_slashed_once_by_anyone() {
    let mut c = chain();
    c.ok(avs(), create(&c, eth(30), 6667, 5));
    let (one, two) = (answer(), B256::from(U256::from(1u64)));
    let proof =
        |first: SignedResponse, second: SignedResponse| Action::SlashWithConflictingResponses {
            task_id: 1,
            operator: A,
            first,
            second,
        };
    // The same answer twice is no conflict; B's signature is not A's.
    assert_eq!(
        c.fails(
            addr(7),
            proof(signed_by(&c, A, 1, one), signed_by(&c, A, 1, one))
        ),
        Error::Evidence(EvidenceError::SamePayload)
    );
    assert_eq!(
        c.fails(
            addr(7),
            proof(signed_by(&c, A, 1, one), signed_by(&c, B, 1, two))
        ),
        Error::Evidence(EvidenceError::NotSignedByOperator {
            index: 1,
            operator: A
        })
    );
    let before = c.max_magnitude(A, "stETH");
    let events = c.ok(
        addr(7),
        proof(signed_by(&c, A, 1, one), signed_by(&c, A, 1, two)),
    );
    assert!(events.contains(&Event::ConflictingResponsesProven {
        operator: A,
        operator_set: set(),
        task_id: 1
    }));
    // 10% of A's allocation (half its magnitude) is 5% of its magnitude.
    assert_eq!(c.max_magnitude(A, "stETH"), before - before / 20);
    assert_eq!(
        c.fails(
            addr(7),
            proof(signed_by(&c, A, 1, one), signed_by(&c, A, 1, two))
        ),
        Error::Evidence(EvidenceError::AlreadySlashedForTask {
            operator: A,
            task_id: 1
        })
    );
    assert_eq!(
        c.fails(
            addr(7),
            Action::SlashWithConflictingResponses {
                task_id: 9,
                operator: A,
                first: signed_by(&c, A, 1, one),
                second: signed_by(&c, A, 1, two),
            }
        ),
        Error::Evidence(EvidenceError::UnknownTask(9))
    );
}
