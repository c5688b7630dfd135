//! The aggregator completes a task once the operators behind one answer carry its threshold, and
//! refuses signatures that are not the table's; the challenger finds operators that answered
//! twice.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    clippy::panic,
    missing_docs
)]

use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use restake_avs::{Aggregator, AggregatorError, TaskView, find_conflicts};
use restake_certificate::certificate::Policy;
use restake_certificate::{KeyScheme, OperatorTable, TableEntry, Threshold, verify};
use restake_core::Action;
use restake_primitives::{OperatorSet, bls};

const CHAIN: u64 = 31337;

fn keys() -> Vec<bls::SecretKey> {
    (0..4u8)
        .map(|i| bls::SecretKey::derive(&[i + 1; 32]).unwrap())
        .collect()
}

/// Four operators weighing 40, 30, 20 and 10; a task needing two thirds.
fn aggregator() -> (Aggregator, Vec<TableEntry>, OperatorTable) {
    let entries: Vec<TableEntry> = keys()
        .iter()
        .enumerate()
        .map(|(i, k)| TableEntry {
            operator: Address::repeat_byte(i as u8 + 1),
            key_data: Bytes::copy_from_slice(&k.public().to_bytes()),
            weight: U256::from(40 - 10 * i as u64),
            stakes: vec![],
        })
        .collect();
    let (table, _) = OperatorTable::build(
        OperatorSet::new(Address::repeat_byte(0xAA), 1),
        50,
        KeyScheme::Bls12381,
        vec![],
        &entries,
    )
    .unwrap();
    let task = TaskView {
        id: 3,
        payload_hash: keccak256(b"ETH/USD"),
        threshold_bips: 6667,
        deadline: 55,
    };
    (
        Aggregator::new(CHAIN, task, table.clone(), entries.clone()),
        entries,
        table,
    )
}

fn price(p: u64) -> B256 {
    B256::from(U256::from(p))
}

#[test]
fn the_aggregator_completes_the_task_when_one_answer_carries_the_threshold() {
    let (mut agg, entries, table) = aggregator();
    let ks = keys();
    let sign = |agg: &Aggregator, i: usize, p: u64| {
        Bytes::copy_from_slice(&ks[i].sign(agg.digest(&price(p)).as_slice()).to_bytes())
    };
    // 40 for 3120, then 10 for 3121: neither has two thirds.
    let s = sign(&agg, 0, 3120);
    assert_eq!(agg.add(entries[0].operator, price(3120), s).unwrap(), None);
    let s = sign(&agg, 3, 3121);
    assert_eq!(agg.add(entries[3].operator, price(3121), s).unwrap(), None);
    // A signature by another key, or from outside the table: refused.
    let s = sign(&agg, 2, 3120);
    assert_eq!(
        agg.add(entries[1].operator, price(3120), s),
        Err(AggregatorError::BadSignature(entries[1].operator))
    );
    let s = sign(&agg, 2, 3120);
    assert_eq!(
        agg.add(Address::repeat_byte(0xEE), price(3120), s),
        Err(AggregatorError::NotInTable(Address::repeat_byte(0xEE)))
    );
    // Operator 3 changing its answer is a conflict, not a vote.
    let s = sign(&agg, 3, 3120);
    assert_eq!(
        agg.add(entries[3].operator, price(3120), s),
        Err(AggregatorError::AnsweredTwice(entries[3].operator))
    );
    // 40 + 30 = 70 of 100 for 3120: done.
    let s = sign(&agg, 1, 3120);
    let Some(Action::RespondToTask {
        task_id,
        response,
        certificate,
    }) = agg.add(entries[1].operator, price(3120), s).unwrap()
    else {
        panic!("no certificate at 70 of 100")
    };
    assert_eq!((task_id, response), (3, price(3120)));
    let policy = Policy {
        chain_id: CHAIN,
        now: 52,
        max_staleness: 5,
        threshold: Threshold::Proportion { bips: 6667 },
    };
    assert_eq!(
        verify(&certificate, &table, &policy).unwrap().signed_weight,
        U256::from(70)
    );
}

#[test]
fn the_challenger_builds_one_proof_per_operator_that_answered_twice() {
    let a = Address::repeat_byte(1);
    let b = Address::repeat_byte(2);
    let sig = |n: u8| Bytes::from(vec![n; 96]);
    let seen = vec![
        (a, price(1), sig(1)),
        (b, price(1), sig(2)),
        (a, price(1), sig(1)),
        (a, price(2), sig(3)),
        (a, price(3), sig(4)),
    ];
    let proofs = find_conflicts(9, &seen);
    assert_eq!(proofs.len(), 1);
    let Action::SlashWithConflictingResponses {
        task_id,
        operator,
        first,
        second,
    } = &proofs[0]
    else {
        panic!("not a slashing proof")
    };
    assert_eq!((*task_id, *operator), (9, a));
    assert_eq!((first.response, second.response), (price(1), price(2)));
    assert!(find_conflicts(9, &seen[..3]).is_empty());
}
