//! Slash with proof (the design article's `Slasher.slash(staker, proof)`): objective evidence of
//! equivocation, which anyone may submit without trusting the AVS.
//!
//! An operator set may enable the rule when it is created, with a fixed WAD to slash. Operators of
//! such a set sign EIP-712 `Attestation(avs, operatorSetId, height, payloadHash)` messages. Two
//! attestations by the same operator for the same `(set, height)` with different payloads prove
//! equivocation: the operator is slashed by the set's WAD in every strategy of the set, at most
//! once per `(operator, set, height)`.

use crate::allocation::{self, AllocationRead};
use crate::eip712;
use crate::error::Error;
use crate::event::Event;
use crate::exec::Exec;
use crate::keys::KeysRead;
use crate::pause::{self, PauseTarget};
use crate::state::{StateError, StateRead, StateWrite, key};
use crate::tasks::TasksRead;
use alloy_primitives::{Address, B256, Bytes};
use restake_primitives::OperatorSet;
use thiserror::Error;

/// Pause bit: equivocation slashing.
pub const PAUSED_EQUIVOCATION_SLASHING: u8 = 0;

/// Evidence failures.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EvidenceError {
    /// The set has no equivocation rule.
    #[error("operator set {0} does not slash on equivocation")]
    RuleNotEnabled(OperatorSet),
    /// The two payloads are the same: no equivocation.
    #[error("the two attestations sign the same payload")]
    SamePayload,
    /// A signature is not the operator's.
    #[error("attestation {index} is not signed by operator {operator}")]
    NotSignedByOperator {
        /// Which attestation (0 or 1).
        index: u8,
        /// Operator.
        operator: Address,
    },
    /// The operator had no key in the set at the task's reference height.
    #[error("operator {operator} had no key in {set} at height {height}")]
    NoKey {
        /// Operator.
        operator: Address,
        /// Set.
        set: OperatorSet,
        /// The reference height.
        height: u64,
    },
    /// The task does not exist.
    #[error("task {0} does not exist")]
    UnknownTask(u64),
    /// The operator was already slashed for answering this task twice.
    #[error("operator {operator} was already slashed for task {task_id}")]
    AlreadySlashedForTask {
        /// Operator.
        operator: Address,
        /// Task.
        task_id: u64,
    },
    /// This equivocation was already punished.
    #[error("operator {operator} was already slashed for height {height} in {set}")]
    AlreadySlashed {
        /// Operator.
        operator: Address,
        /// Set.
        set: OperatorSet,
        /// Height.
        height: u64,
    },
}

const SLASHED: &[u8] = b"ev/slashed/";
const SLASHED_TASK: &[u8] = b"ev/task/";

fn slashed_key(op: &Address, set: &OperatorSet, height: u64) -> Vec<u8> {
    key(
        SLASHED,
        &[op.as_slice(), set.key().as_slice(), &height.to_be_bytes()],
    )
}

/// Typed reads of evidence state.
pub trait EvidenceRead: StateRead {
    /// True when the operator was already slashed for this `(set, height)`.
    fn equivocation_slashed(
        &self,
        op: &Address,
        set: &OperatorSet,
        height: u64,
    ) -> Result<bool, StateError>
    where
        Self: Sized,
    {
        self.contains(&slashed_key(op, set, height))
    }
}
impl<T: StateRead + ?Sized> EvidenceRead for T {}

/// One signed attestation.
#[derive(
    Debug,
    Clone,
    PartialEq,
    Eq,
    serde::Serialize,
    serde::Deserialize,
    borsh::BorshSerialize,
    borsh::BorshDeserialize,
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SignedAttestation {
    /// Hash of the attested payload.
    pub payload_hash: B256,
    /// The operator's EIP-712 signature.
    pub signature: Bytes,
}

/// `slashWithEquivocationProof` action.
///
/// Rules:
/// 1. Neither equivocation slashing nor slashing in general (allocation manager bit 1) is paused;
///    the set exists and has the rule enabled.
/// 2. The payload hashes differ and both attestations recover to `operator` for
///    `(avs, operatorSetId, height)`.
/// 3. The operator is slashable by the set and was not slashed for this height before.
/// 4. The operator is slashed by the set's WAD in every strategy of the set (ascending order), as
///    `slashOperator` would, without the slasher check; the height is marked as punished.
pub fn slash_with_equivocation_proof(
    ex: &mut Exec<'_>,
    avs: Address,
    operator_set_id: u32,
    operator: Address,
    height: u64,
    first: &SignedAttestation,
    second: &SignedAttestation,
) -> Result<allocation::SlashOutcome, Error> {
    pause::require_not_paused(
        &ex.state,
        PauseTarget::Evidence,
        PAUSED_EQUIVOCATION_SLASHING,
    )?;
    pause::require_not_paused(
        &ex.state,
        PauseTarget::AllocationManager,
        allocation::PAUSED_OPERATOR_SLASHING,
    )?;
    let set = OperatorSet::new(avs, operator_set_id);
    let info = ex
        .state
        .operator_set(&set)?
        .ok_or(allocation::AllocationError::InvalidOperatorSet(set))?;
    let wad = info
        .equivocation_wad_to_slash
        .ok_or(EvidenceError::RuleNotEnabled(set))?;
    if first.payload_hash == second.payload_hash {
        return Err(EvidenceError::SamePayload.into());
    }
    for (index, att) in [(0u8, first), (1u8, second)] {
        let msg = eip712::Attestation {
            avs,
            operatorSetId: operator_set_id,
            height,
            payloadHash: att.payload_hash,
        };
        if eip712::recover(&msg, ex.block.chain_id, &att.signature)? != operator {
            return Err(EvidenceError::NotSignedByOperator { index, operator }.into());
        }
    }
    if !ex
        .state
        .is_operator_slashable(&operator, &set, ex.block.number)?
    {
        return Err(allocation::AllocationError::OperatorNotSlashable { operator, set }.into());
    }
    let k = slashed_key(&operator, &set, height);
    if ex.state.contains(&k)? {
        return Err(EvidenceError::AlreadySlashed {
            operator,
            set,
            height,
        }
        .into());
    }
    ex.state.put_flag(k);
    ex.emit(Event::EquivocationProven {
        operator,
        operator_set: set,
        height,
    });
    slash_by_rule(
        ex,
        set,
        info,
        operator,
        wad,
        format!("equivocation at height {height}"),
    )
}

/// A response to a task with one operator's signature over it.
#[derive(
    Debug,
    Clone,
    PartialEq,
    Eq,
    serde::Serialize,
    serde::Deserialize,
    borsh::BorshSerialize,
    borsh::BorshDeserialize,
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SignedResponse {
    /// The response.
    pub response: B256,
    /// The operator's signature with its set key over the certificate digest of that response
    /// (ECDSA: 65 bytes; BLS: 96 bytes).
    pub signature: Bytes,
}

/// `slashWithConflictingResponses` action.
///
/// Rules:
/// 1. Neither equivocation slashing nor slashing in general is paused; the task exists; its set
///    exists and has the equivocation rule.
/// 2. The responses differ, and each signature verifies, with the key the operator had in the set
///    at the task's reference height, over the digest a certificate of that response carries
///    (`OperatorSetMessage(avs, operatorSetId, referenceHeight, TaskResponse(taskId,
///    payloadHash, response))`).
/// 3. The operator is slashable by the set and was not slashed for this task before.
/// 4. The operator is slashed by the set's WAD in every strategy of the set (ascending order),
///    without the slasher check; the task is marked as punished for it.
pub fn slash_with_conflicting_responses(
    ex: &mut Exec<'_>,
    task_id: u64,
    operator: Address,
    first: &SignedResponse,
    second: &SignedResponse,
) -> Result<allocation::SlashOutcome, Error> {
    pause::require_not_paused(
        &ex.state,
        PauseTarget::Evidence,
        PAUSED_EQUIVOCATION_SLASHING,
    )?;
    pause::require_not_paused(
        &ex.state,
        PauseTarget::AllocationManager,
        allocation::PAUSED_OPERATOR_SLASHING,
    )?;
    let task = ex
        .state
        .task(task_id)?
        .ok_or(EvidenceError::UnknownTask(task_id))?;
    let set = task.operator_set;
    let info = ex
        .state
        .operator_set(&set)?
        .ok_or(allocation::AllocationError::InvalidOperatorSet(set))?;
    let wad = info
        .equivocation_wad_to_slash
        .ok_or(EvidenceError::RuleNotEnabled(set))?;
    if first.response == second.response {
        return Err(EvidenceError::SamePayload.into());
    }
    let scheme = ex
        .state
        .key_scheme(&set)?
        .ok_or(EvidenceError::RuleNotEnabled(set))?;
    let key = ex
        .state
        .operator_key_at(&set, &operator, task.reference_height)?
        .ok_or(EvidenceError::NoKey {
            operator,
            set,
            height: task.reference_height,
        })?;
    for (index, signed) in [(0u8, first), (1u8, second)] {
        let message =
            restake_certificate::task_response_hash(task_id, &task.payload_hash, &signed.response);
        let digest = restake_certificate::message_digest(
            ex.block.chain_id,
            &set,
            task.reference_height,
            &message,
        );
        let valid = restake_certificate::signed_by(scheme, &key, &digest, &signed.signature);
        if !valid {
            return Err(EvidenceError::NotSignedByOperator { index, operator }.into());
        }
    }
    if !ex
        .state
        .is_operator_slashable(&operator, &set, ex.block.number)?
    {
        return Err(allocation::AllocationError::OperatorNotSlashable { operator, set }.into());
    }
    let k = key_task(&operator, &set, task_id);
    if ex.state.contains(&k)? {
        return Err(EvidenceError::AlreadySlashedForTask { operator, task_id }.into());
    }
    ex.state.put_flag(k);
    ex.emit(Event::ConflictingResponsesProven {
        operator,
        operator_set: set,
        task_id,
    });
    slash_by_rule(
        ex,
        set,
        info,
        operator,
        wad,
        format!("conflicting responses to task {task_id}"),
    )
}

/// Slashes `operator` by the set's equivocation `wad` in every strategy of the set (ascending
/// order), as `slashOperator` would, without the slasher check.
fn slash_by_rule(
    ex: &mut Exec<'_>,
    set: OperatorSet,
    info: allocation::OperatorSetInfo,
    operator: Address,
    wad: alloy_primitives::U256,
    description: String,
) -> Result<allocation::SlashOutcome, Error> {
    let mut strategies = info.strategies.clone();
    strategies.sort();
    let wads = vec![wad; strategies.len()];
    allocation::slash(ex, set, info, operator, &strategies, &wads, description)
}

fn key_task(op: &Address, set: &OperatorSet, task_id: u64) -> Vec<u8> {
    key(
        SLASHED_TASK,
        &[op.as_slice(), set.key().as_slice(), &task_id.to_be_bytes()],
    )
}
