//! Why a task action was refused.

use restake_certificate::CertificateError;
use thiserror::Error;

/// Task failures.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TasksError {
    /// The threshold is not in `1..=10000` basis points.
    #[error("thresholdBips must be 1 to 10000, got {0}")]
    BadThreshold(u16),
    /// The deadline is zero or further than half the deallocation delay.
    #[error("deadlineBlocks must be 1 to {max} (half the deallocation delay), got {got}")]
    BadDeadline {
        /// Asked for.
        got: u32,
        /// The most allowed.
        max: u32,
    },
    /// The set's table has no weight: nobody could answer.
    #[error("the operator set's table has no weight: no operator could answer")]
    NoStake,
    /// No such task.
    #[error("task {0} does not exist")]
    UnknownTask(u64),
    /// The task is answered or expired.
    #[error("task {0} is not open")]
    NotOpen(u64),
    /// Past the deadline.
    #[error("task {id} closed at block {deadline}")]
    PastDeadline {
        /// The task.
        id: u64,
        /// Its deadline.
        deadline: u64,
    },
    /// Not past the deadline yet.
    #[error("task {id} is open until block {deadline}")]
    NotExpired {
        /// The task.
        id: u64,
        /// Its deadline.
        deadline: u64,
    },
    /// The certificate is not for this task's answer.
    #[error("the certificate does not certify this response to task {0}")]
    WrongMessage(u64),
    /// The certificate does not verify.
    #[error("certificate: {0}")]
    Certificate(#[from] CertificateError),
}
