//! Tasks (EigenLayer's task mailbox; the incredible-squaring pattern on the ledger): an AVS asks
//! one of its operator sets a question and pays for a certified answer.
//!
//! - `createTask` escrows a fee, commits the set's table at this block (the task's reference
//!   height) and opens the task until a deadline no later than half the deallocation delay away,
//!   so the stake that answers cannot leave before the answer can be challenged.
//! - `respondToTask` (anyone, usually the AVS's aggregator) completes it with a response and a
//!   certificate of the set's operators over `TaskResponse(taskId, payloadHash, response)` that
//!   meets the task's threshold against its own table; the fee is paid to the signers by weight.
//! - `expireTask` (anyone) refunds the creator once the deadline has passed unanswered.

use crate::state::{StateError, StateRead, key};
use alloy_primitives::{Address, B256, U256, address};
use borsh::{BorshDeserialize, BorshSerialize};
use restake_primitives::OperatorSet;
use serde::{Deserialize, Serialize};

mod error;
mod lifecycle;

pub use error::TasksError;
pub use lifecycle::{create_task, expire_task, respond_to_task};

/// Where task fees wait until they are paid or refunded.
pub const TASK_ESCROW: Address = address!("0x0000000000000000000000000000000000007a5c");

const TASK: &[u8] = b"task/t/";
const NEXT_ID: &[u8] = b"task/next";

/// Where a task stands.
#[derive(Debug, Clone, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(
    tag = "state",
    rename_all = "lowercase",
    rename_all_fields = "camelCase"
)]
pub enum TaskStatus {
    /// Waiting for a certified response.
    Open,
    /// Answered.
    Completed {
        /// The certified response.
        response: B256,
        /// The weight of the operators that signed it.
        #[serde(with = "restake_primitives::decimal::u256")]
        signed_weight: U256,
        /// The block that completed it.
        completed_at: u64,
    },
    /// Unanswered by its deadline; the fee went back to the creator.
    Expired {
        /// The block that refunded it.
        expired_at: u64,
    },
}

/// A task (fields in alphabetical order, as the RPC writes them).
#[derive(Debug, Clone, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Task {
    /// Who created it (and gets a refund or the fee's dust).
    pub creator: Address,
    /// The last block a response is accepted in.
    pub deadline: u64,
    /// The fee, escrowed.
    #[serde(with = "restake_primitives::decimal::u256")]
    pub fee: U256,
    /// The fee's token.
    pub fee_token: Address,
    /// Its id, from 1.
    pub id: u64,
    /// The set asked.
    pub operator_set: OperatorSet,
    /// The hash of the question (its payload lives off the ledger).
    pub payload_hash: B256,
    /// The block it was created in, and of its table.
    pub reference_height: u64,
    /// Where it stands.
    pub status: TaskStatus,
    /// The share of the table's weight a response needs, in basis points.
    pub threshold_bips: u16,
    /// The table's total weight.
    #[serde(with = "restake_primitives::decimal::u256")]
    pub total_weight: U256,
}

fn task_key(id: u64) -> Vec<u8> {
    key(TASK, &[&id.to_be_bytes()])
}

/// Typed reads of tasks.
pub trait TasksRead: StateRead {
    /// A task.
    fn task(&self, id: u64) -> Result<Option<Task>, StateError>
    where
        Self: Sized,
    {
        self.get(&task_key(id))
    }

    /// The id the next task gets.
    fn next_task_id(&self) -> Result<u64, StateError>
    where
        Self: Sized,
    {
        Ok(self.get(NEXT_ID)?.unwrap_or(1))
    }

    /// Every task, by ascending id.
    fn tasks(&self) -> Result<Vec<Task>, StateError>
    where
        Self: Sized,
    {
        self.scan_prefix(TASK)?
            .into_iter()
            .map(|(k, v)| crate::state::decode(&k, &v))
            .collect()
    }
}
impl<T: StateRead + ?Sized> TasksRead for T {}
