//! Collecting signed answers and building the certificate.

use alloy_primitives::{Address, B256, Bytes};
use restake_certificate::certificate::Policy;
use restake_certificate::{
    OperatorTable, TableEntry, Threshold, build_certificate, message_digest, signed_by,
    task_response_hash,
};
use restake_core::Action;
use std::collections::BTreeMap;
use thiserror::Error;

/// What the aggregator needs of a task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskView {
    /// The task.
    pub id: u64,
    /// Its payload's hash.
    pub payload_hash: B256,
    /// Its threshold.
    pub threshold_bips: u16,
    /// The last block a response is accepted in.
    pub deadline: u64,
}

/// Why an answer was not taken.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AggregatorError {
    /// The operator is not in the task's table.
    #[error("operator {0} is not in the task's table")]
    NotInTable(Address),
    /// The signature is not the operator's key's over this answer.
    #[error("the signature of {0} does not verify")]
    BadSignature(Address),
    /// The operator already gave another answer (a conflict the challenger can prove).
    #[error("operator {0} already answered differently")]
    AnsweredTwice(Address),
}

/// Collects signed answers to one task.
pub struct Aggregator {
    chain_id: u64,
    task: TaskView,
    table: OperatorTable,
    entries: Vec<TableEntry>,
    /// answer → operator → signature.
    answers: BTreeMap<B256, BTreeMap<Address, Bytes>>,
}

impl Aggregator {
    /// An aggregator for `task` over its table (`table` with `entries`, at the task's reference
    /// height).
    pub fn new(
        chain_id: u64,
        task: TaskView,
        table: OperatorTable,
        entries: Vec<TableEntry>,
    ) -> Self {
        Self {
            chain_id,
            task,
            table,
            entries,
            answers: BTreeMap::new(),
        }
    }

    /// The digest an operator signs to answer `response`.
    pub fn digest(&self, response: &B256) -> B256 {
        let message = task_response_hash(self.task.id, &self.task.payload_hash, response);
        message_digest(
            self.chain_id,
            &self.table.operator_set,
            self.table.reference_height,
            &message,
        )
    }

    /// Takes `operator`'s `signature` of `response`; once an answer's signers carry the task's
    /// threshold, returns the `respondToTask` action that completes the task.
    pub fn add(
        &mut self,
        operator: Address,
        response: B256,
        signature: Bytes,
    ) -> Result<Option<Action>, AggregatorError> {
        let entry = self
            .entries
            .iter()
            .find(|e| e.operator == operator)
            .ok_or(AggregatorError::NotInTable(operator))?;
        let digest = self.digest(&response);
        let valid = signed_by(self.table.key_scheme, &entry.key_data, &digest, &signature);
        if !valid {
            return Err(AggregatorError::BadSignature(operator));
        }
        if self
            .answers
            .iter()
            .any(|(r, signers)| *r != response && signers.contains_key(&operator))
        {
            return Err(AggregatorError::AnsweredTwice(operator));
        }
        let signers = self.answers.entry(response).or_default();
        signers.insert(operator, signature);
        let message = task_response_hash(self.task.id, &self.task.payload_hash, &response);
        let Ok(certificate) = build_certificate(&self.table, &self.entries, message, signers)
        else {
            return Ok(None);
        };
        let policy = Policy {
            chain_id: self.chain_id,
            now: self.table.reference_height,
            max_staleness: self
                .task
                .deadline
                .saturating_sub(self.table.reference_height),
            threshold: Threshold::Proportion {
                bips: self.task.threshold_bips,
            },
        };
        if restake_certificate::verify(&certificate, &self.table, &policy).is_err() {
            return Ok(None);
        }
        Ok(Some(Action::RespondToTask {
            task_id: self.task.id,
            response,
            certificate: Box::new(certificate),
        }))
    }
}
