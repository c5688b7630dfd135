//! `createTask`, `respondToTask`, `expireTask`.

use super::{NEXT_ID, TASK_ESCROW, Task, TaskStatus, TasksError, TasksRead, task_key};
use crate::allocation::AllocationRead;
use crate::config::ConfigRead;
use crate::error::Error;
use crate::event::Event;
use crate::exec::Exec;
use crate::permissions;
use crate::state::StateWrite;
use crate::tables::{self, TablesRead};
use crate::tokens;
use alloy_primitives::{Address, B256, U256};
use restake_certificate::certificate::Policy;
use restake_certificate::{Certificate, CertificateProof, Threshold, task_response_hash};
use restake_primitives::OperatorSet;
use restake_primitives::math::{self, Rounding};
use std::collections::BTreeSet;

/// `createTask` action.
///
/// Rules:
/// 1. The sender may act for the AVS (`createTask`); the set exists and has a key scheme.
/// 2. `1 ≤ thresholdBips ≤ 10000`; `1 ≤ deadlineBlocks ≤ deallocationDelay / 2`.
/// 3. The set's table is committed at this block (the task's reference height) and has weight.
/// 4. The fee moves from the sender to the task escrow (a zero fee moves nothing).
/// 5. The task gets the next id and is open until block `now + deadlineBlocks`.
#[allow(clippy::too_many_arguments)]
pub fn create_task(
    ex: &mut Exec<'_>,
    sender: Address,
    set: OperatorSet,
    payload_hash: B256,
    fee_token: Address,
    fee: U256,
    threshold_bips: u16,
    deadline_blocks: u32,
) -> Result<(), Error> {
    permissions::check_can_call(&ex.state, &set.avs, &sender, "createTask")?;
    if threshold_bips == 0 || threshold_bips > 10_000 {
        return Err(TasksError::BadThreshold(threshold_bips).into());
    }
    let max = ex.state.params()?.deallocation_delay / 2;
    if deadline_blocks == 0 || deadline_blocks > max {
        return Err(TasksError::BadDeadline {
            got: deadline_blocks,
            max,
        }
        .into());
    }
    if ex.state.operator_set(&set)?.is_none() {
        return Err(tables::TablesError::UnknownOperatorSet(set).into());
    }
    let table = tables::commit_table(ex, set)?;
    if table.total_weight.is_zero() {
        return Err(TasksError::NoStake.into());
    }
    if !fee.is_zero() {
        tokens::move_tokens(ex, &fee_token, &sender, &TASK_ESCROW, fee)?;
    }
    let id = ex.state.next_task_id()?;
    ex.state.put(NEXT_ID.to_vec(), &math::inc_u64(id)?);
    let now = u64::from(ex.block.number);
    let task = Task {
        id,
        operator_set: set,
        creator: sender,
        payload_hash,
        fee_token,
        fee,
        threshold_bips,
        reference_height: table.reference_height,
        total_weight: table.total_weight,
        deadline: math::add_u64(now, u64::from(deadline_blocks))?,
        status: TaskStatus::Open,
    };
    ex.state.put(task_key(id), &task);
    ex.emit(Event::TaskCreated {
        task_id: id,
        operator_set: set,
        creator: sender,
        payload_hash,
        fee_token,
        fee,
        reference_height: task.reference_height,
        deadline: task.deadline,
    });
    Ok(())
}

fn open_task(ex: &Exec<'_>, id: u64) -> Result<Task, Error> {
    let task = ex.state.task(id)?.ok_or(TasksError::UnknownTask(id))?;
    if task.status != TaskStatus::Open {
        return Err(TasksError::NotOpen(id).into());
    }
    Ok(task)
}

/// `respondToTask` action.
///
/// Rules:
/// 1. Anyone may send it; the task exists, is open, and its deadline has not passed.
/// 2. The certificate is for the task's set and reference height, certifies
///    `TaskResponse(taskId, payloadHash, response)`, and verifies against the task's table with
///    the task's threshold (`restake_certificate::verify`).
/// 3. The task is completed with `response`. The fee goes to the signers in proportion to their
///    weight (each share rounded down); what rounding leaves goes back to the creator.
pub fn respond_to_task(
    ex: &mut Exec<'_>,
    id: u64,
    response: B256,
    certificate: &Certificate,
) -> Result<(), Error> {
    let mut task = open_task(ex, id)?;
    let now = u64::from(ex.block.number);
    if now > task.deadline {
        return Err(TasksError::PastDeadline {
            id,
            deadline: task.deadline,
        }
        .into());
    }
    if certificate.message_hash != task_response_hash(id, &task.payload_hash, &response) {
        return Err(TasksError::WrongMessage(id).into());
    }
    let set = task.operator_set;
    let table = ex
        .state
        .operator_table_of_height(&set, task.reference_height)?
        .ok_or(TasksError::UnknownTask(id))?;
    let policy = Policy {
        chain_id: ex.block.chain_id,
        now,
        max_staleness: task.deadline.saturating_sub(task.reference_height),
        threshold: Threshold::Proportion {
            bips: task.threshold_bips,
        },
    };
    let verified =
        restake_certificate::verify(certificate, &table, &policy).map_err(TasksError::from)?;
    // Who signed, with their weights, from the task's own table.
    let named: BTreeSet<Address> = verified.named.iter().copied().collect();
    let listed_signers = matches!(certificate.proof, CertificateProof::Ecdsa { .. });
    let signers: Vec<(Address, U256)> = ex
        .state
        .table_entries(&set, task.reference_height)?
        .into_iter()
        .filter(|e| named.contains(&e.operator) == listed_signers)
        .map(|e| (e.operator, e.weight))
        .collect();
    let mut paid = U256::ZERO;
    for (operator, weight) in signers {
        let share = math::mul_div(task.fee, weight, verified.signed_weight, Rounding::Down)?;
        if share.is_zero() {
            continue;
        }
        tokens::move_tokens(ex, &task.fee_token, &TASK_ESCROW, &operator, share)?;
        paid = math::add(paid, share)?;
        ex.emit(Event::TaskFeePaid {
            task_id: id,
            operator,
            amount: share,
        });
    }
    let dust = math::sub(task.fee, paid)?;
    if !dust.is_zero() {
        tokens::move_tokens(ex, &task.fee_token, &TASK_ESCROW, &task.creator, dust)?;
    }
    task.status = TaskStatus::Completed {
        response,
        signed_weight: verified.signed_weight,
        completed_at: now,
    };
    ex.state.put(task_key(id), &task);
    ex.emit(Event::TaskCompleted {
        task_id: id,
        response,
        signed_weight: verified.signed_weight,
        total_weight: verified.total_weight,
    });
    Ok(())
}

/// `expireTask` action.
///
/// Rules:
/// 1. Anyone may send it; the task exists, is open, and its deadline has passed.
/// 2. The fee goes back to the creator; the task is expired.
pub fn expire_task(ex: &mut Exec<'_>, id: u64) -> Result<(), Error> {
    let mut task = open_task(ex, id)?;
    let now = u64::from(ex.block.number);
    if now <= task.deadline {
        return Err(TasksError::NotExpired {
            id,
            deadline: task.deadline,
        }
        .into());
    }
    if !task.fee.is_zero() {
        tokens::move_tokens(ex, &task.fee_token, &TASK_ESCROW, &task.creator, task.fee)?;
    }
    task.status = TaskStatus::Expired { expired_at: now };
    ex.state.put(task_key(id), &task);
    ex.emit(Event::TaskExpired {
        task_id: id,
        refund: task.fee,
    });
    Ok(())
}
