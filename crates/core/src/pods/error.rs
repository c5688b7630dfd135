//! Why a native-restaking action was refused (component code 13000).

use alloy_primitives::{Address, B256, U256};
use thiserror::Error;

/// Native-restaking failures (EigenLayer's revert names).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PodError {
    /// The owner already has a pod.
    #[error("{0} already has a pod")]
    EigenPodAlreadyExists(Address),
    /// No pod at this address (or for this owner).
    #[error("no pod {0}")]
    PodNotFound(Address),
    /// Only the pod owner may do this.
    #[error("only the pod owner may do this")]
    OnlyEigenPodOwner,
    /// Only the owner or its proof submitter may do this.
    #[error("only the pod owner or its proof submitter may do this")]
    OnlyEigenPodOwnerOrProofSubmitter,
    /// Arrays of different lengths, or empty.
    #[error("validator indices, fields and proofs must be non-empty and of equal length")]
    InputArrayLengthMismatch,
    /// Proof timestamp not after the current checkpoint.
    #[error("beacon timestamp {timestamp} is not after {after}")]
    BeaconTimestampTooFarInPast {
        /// Timestamp of the proof.
        timestamp: u64,
        /// It must be after this.
        after: u64,
    },
    /// Proof timestamp not after the last finalized checkpoint.
    #[error("beacon timestamp {timestamp} is not after the last checkpoint at {last}")]
    BeaconTimestampBeforeLatestCheckpoint {
        /// Timestamp of the proof.
        timestamp: u64,
        /// Last checkpoint.
        last: u64,
    },
    /// The validator was already verified for this pod.
    #[error("validator {0} is already restaked in this pod")]
    CredentialsAlreadyVerified(B256),
    /// The validator is not active on the beacon chain yet.
    #[error("validator {0} is not active on the beacon chain")]
    ValidatorInactiveOnBeaconChain(B256),
    /// The validator is exiting.
    #[error("validator {0} is exiting the beacon chain")]
    ValidatorIsExitingBeaconChain(B256),
    /// The credentials do not point to this pod.
    #[error("validator {0} does not withdraw to this pod")]
    WithdrawalCredentialsNotForEigenPod(B256),
    /// A checkpoint is already in progress.
    #[error("a checkpoint is already in progress")]
    CheckpointAlreadyActive,
    /// No checkpoint is in progress.
    #[error("no checkpoint is in progress")]
    NoActiveCheckpoint,
    /// Nothing to checkpoint and the caller asked to fail in that case.
    #[error("the pod has no new balance to checkpoint")]
    NoBalanceToCheckpoint,
    /// The validator is not active in this pod.
    #[error("validator {0} is not active in this pod")]
    ValidatorNotActiveInPod(B256),
    /// The validator is not slashed on the beacon chain.
    #[error("validator {0} is not slashed on the beacon chain")]
    ValidatorNotSlashedOnBeaconChain(B256),
    /// The pod holds less checkpointed ETH than asked.
    #[error("the pod can pay {available} gwei, {asked} asked")]
    InsufficientWithdrawableBalance {
        /// Checkpointed gwei in the pod.
        available: u64,
        /// Gwei asked.
        asked: u64,
    },
    /// The oracle's pod report does not fit the pod's own records.
    #[error("the oracle's balance report of pod {pod} is inconsistent: {reason}")]
    InconsistentPodBalance {
        /// Pod.
        pod: Address,
        /// Why.
        reason: String,
    },
    /// The owner's beacon-chain slashing factor is zero.
    #[error("the pod owner's stake is fully slashed on the beacon chain")]
    FullySlashed,
    /// Removing more ETH shares than held.
    #[error("holds {held} ETH shares, {asked} asked")]
    SharesNegative {
        /// Held.
        held: U256,
        /// Asked.
        asked: U256,
    },
    /// A beacon proof failed.
    #[error("beacon proof: {0}")]
    Proof(#[from] restake_beacon::BeaconError),
}
