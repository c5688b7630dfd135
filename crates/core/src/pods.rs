//! Native restaking (EigenLayer's `EigenPodManager` and `EigenPod`, spec §8): beacon-chain
//! validators point their withdrawal credentials at a pod; their balances, proven with SSZ Merkle
//! proofs against beacon block roots from the oracle, become shares of the beacon-chain ETH
//! strategy.
//!
//! - One pod per owner, at a derived address (`podAddress(owner)`), which validators use in their
//!   `0x01`/`0x02` withdrawal credentials.
//! - Pod math is in gwei; shares are wei (one share is one wei of ETH), always whole gwei.
//! - Balance increases become new deposit shares. Balance decreases lower the owner's beacon-chain
//!   slashing factor (BCSF) in proportion, never the deposit shares, so beacon slashing and AVS
//!   slashing compose as in EigenLayer.
//! - ETH leaves through the normal withdrawal queue: completing as tokens debits the pod's
//!   checkpointed execution-layer balance and emits a numbered payout instruction (`PodPayout`)
//!   for the bridge to carry out from the pod on Ethereum. The oracle reports how many
//!   instructions were carried out, so ETH on its way out is never credited twice.

use crate::beacon_oracle;
use crate::config::ConfigRead;
use crate::delegation;
use crate::error::Error;
use crate::event::Event;
use crate::exec::Exec;
use crate::pause::{self, PauseTarget};
use crate::state::{StateError, StateRead, StateWrite, key};
use alloy_primitives::{Address, B256, U256, keccak256};
use borsh::{BorshDeserialize, BorshSerialize};
use restake_beacon::{
    BalanceContainerProof, BalanceProof, ProofVersion, StateRootProof, ValidatorProof,
};
use restake_primitives::BEACON_CHAIN_ETH_STRATEGY;
use restake_primitives::math::{self, MathError, Rounding, mul_div};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Pause bit: creating pods.
pub const PAUSED_NEW_EIGENPODS: u8 = 0;
/// Pause bit: verifying withdrawal credentials.
pub const PAUSED_EIGENPODS_VERIFY_CREDENTIALS: u8 = 2;
/// Pause bit: paying ETH out of pods (withdrawals completed as tokens).
pub const PAUSED_NON_PROOF_WITHDRAWALS: u8 = 5;
/// Pause bit: starting checkpoints.
pub const PAUSED_START_CHECKPOINT: u8 = 6;
/// Pause bit: checkpoint proofs.
pub const PAUSED_EIGENPODS_VERIFY_CHECKPOINT_PROOFS: u8 = 7;
/// Pause bit: stale-balance proofs.
pub const PAUSED_VERIFY_STALE_BALANCE: u8 = 8;

/// Wei per gwei.
pub const GWEI: u64 = 1_000_000_000;

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

/// Status of a validator in a pod (only moves INACTIVE → ACTIVE → WITHDRAWN).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    BorshSerialize,
    BorshDeserialize,
    Serialize,
    Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub enum ValidatorStatus {
    /// Never verified.
    #[default]
    Inactive,
    /// Restaked.
    Active,
    /// Balance reached zero in a checkpoint.
    Withdrawn,
}

/// A validator restaked in a pod.
#[derive(
    Debug, Clone, PartialEq, Eq, Default, BorshSerialize, BorshDeserialize, Serialize, Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub struct ValidatorInfo {
    /// Index in the beacon state's validator list.
    pub validator_index: u64,
    /// Balance credited, in gwei.
    pub restaked_balance_gwei: u64,
    /// Beacon timestamp of the last checkpoint that proved it (or that it joined during).
    pub last_checkpointed_at: u64,
    /// Status.
    pub status: ValidatorStatus,
}

/// A checkpoint in progress (or the last finalized one).
#[derive(
    Debug, Clone, PartialEq, Eq, Default, BorshSerialize, BorshDeserialize, Serialize, Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub struct Checkpoint {
    /// The beacon block root balances are proven against.
    pub beacon_block_root: B256,
    /// Active validators still to prove.
    pub proofs_remaining: u64,
    /// New execution-layer ETH in the pod, in gwei.
    pub pod_balance_gwei: u64,
    /// Sum of proven balance changes, in gwei.
    pub balance_deltas_gwei: i128,
    /// Sum of the proven validators' previous balances, in gwei.
    pub prev_beacon_balance_gwei: u64,
}

/// A pod.
#[derive(
    Debug, Clone, PartialEq, Eq, Default, BorshSerialize, BorshDeserialize, Serialize, Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub struct Pod {
    /// The pod address (validators' withdrawal credentials point here).
    pub address: Address,
    /// The owner, whose shares the pod backs.
    pub owner: Address,
    /// A hot key that may verify credentials and start checkpoints (zero: none).
    pub proof_submitter: Address,
    /// Checkpointed execution-layer ETH not yet paid out, in gwei.
    pub restaked_execution_layer_gwei: u64,
    /// Validators with status ACTIVE.
    pub active_validator_count: u64,
    /// Beacon timestamp of the last finalized checkpoint (0: none).
    pub last_checkpoint_timestamp: u64,
    /// Beacon timestamp of the checkpoint in progress (0: none).
    pub current_checkpoint_timestamp: u64,
    /// The checkpoint in progress, or the last finalized one.
    pub checkpoint: Checkpoint,
    /// Payout instructions issued so far.
    pub payouts: u64,
    /// Gwei paid out by all payout instructions so far.
    pub paid_out_gwei: u64,
}

const POD_BY_OWNER: &[u8] = b"pod/o/";
const OWNER_BY_POD: &[u8] = b"pod/a/";
const VALIDATOR: &[u8] = b"pod/v/";
const EXITED: &[u8] = b"pod/x/";
const PAYOUT: &[u8] = b"pod/p/";
const SHARES: &[u8] = b"epm/s/";
const BCSF: &[u8] = b"epm/l/";
const BURNABLE: &[u8] = b"epm/burn";
const COUNT: &[u8] = b"epm/count";

/// The pod address of `owner`: the last 20 bytes of `keccak256("restake.pod" ‖ owner)`.
pub fn pod_address(owner: &Address) -> Address {
    let mut buf = b"restake.pod".to_vec();
    buf.extend_from_slice(owner.as_slice());
    Address::from_slice(keccak256(buf).get(12..).unwrap_or(&[0u8; 20]))
}

/// Typed reads of native restaking.
pub trait PodRead: StateRead {
    /// The pod of `owner`.
    fn pod_of(&self, owner: &Address) -> Result<Option<Pod>, StateError>
    where
        Self: Sized,
    {
        self.get(&key(POD_BY_OWNER, &[owner.as_slice()]))
    }

    /// The owner of the pod at `pod`.
    fn pod_owner(&self, pod: &Address) -> Result<Option<Address>, StateError>
    where
        Self: Sized,
    {
        self.get(&key(OWNER_BY_POD, &[pod.as_slice()]))
    }

    /// The pod at address `pod`.
    fn pod_at(&self, pod: &Address) -> Result<Option<Pod>, StateError>
    where
        Self: Sized,
    {
        match self.pod_owner(pod)? {
            None => Ok(None),
            Some(owner) => self.pod_of(&owner),
        }
    }

    /// A validator's record in a pod (default: INACTIVE).
    fn validator_info(&self, pod: &Address, pubkey_hash: &B256) -> Result<ValidatorInfo, StateError>
    where
        Self: Sized,
    {
        Ok(self
            .get(&key(VALIDATOR, &[pod.as_slice(), pubkey_hash.as_slice()]))?
            .unwrap_or_default())
    }

    /// Every validator ever verified for a pod, by pubkey hash.
    fn pod_validators(&self, pod: &Address) -> Result<Vec<(B256, ValidatorInfo)>, StateError>
    where
        Self: Sized,
    {
        let prefix = key(VALIDATOR, &[pod.as_slice()]);
        self.scan_prefix(&prefix)?
            .into_iter()
            .map(|(k, v)| {
                let hash = B256::from_slice(k.get(prefix.len()..).unwrap_or(&[0u8; 32]));
                let info = borsh::from_slice(&v).map_err(|_| StateError::Corrupt {
                    key: alloy_primitives::hex::encode(&k),
                })?;
                Ok((hash, info))
            })
            .collect()
    }

    /// Gwei of validators that exited in the checkpoint at `timestamp`.
    fn checkpoint_balance_exited_gwei(
        &self,
        pod: &Address,
        timestamp: u64,
    ) -> Result<u64, StateError>
    where
        Self: Sized,
    {
        Ok(self
            .get(&key(EXITED, &[pod.as_slice(), &timestamp.to_be_bytes()]))?
            .unwrap_or(0))
    }

    /// The owner's ETH deposit shares (wei; always whole gwei).
    fn pod_owner_deposit_shares(&self, owner: &Address) -> Result<U256, StateError>
    where
        Self: Sized,
    {
        Ok(self
            .get(&key(SHARES, &[owner.as_slice()]))?
            .unwrap_or(U256::ZERO))
    }

    /// The owner's beacon-chain slashing factor (`WAD` until the first balance decrease).
    fn beacon_chain_slashing_factor(&self, owner: &Address) -> Result<u64, StateError>
    where
        Self: Sized,
    {
        Ok(self
            .get(&key(BCSF, &[owner.as_slice()]))?
            .unwrap_or(WAD_U64))
    }

    /// ETH shares slashed by AVSs (they stay in the pods: never paid out).
    fn burnable_eth_shares(&self) -> Result<U256, StateError>
    where
        Self: Sized,
    {
        Ok(self.get(BURNABLE)?.unwrap_or(U256::ZERO))
    }

    /// Number of pods.
    fn pod_count(&self) -> Result<u64, StateError>
    where
        Self: Sized,
    {
        Ok(self.get(COUNT)?.unwrap_or(0))
    }
}
impl<T: StateRead + ?Sized> PodRead for T {}

const WAD_U64: u64 = 1_000_000_000_000_000_000;

fn put_pod(ex: &mut Exec<'_>, pod: &Pod) {
    ex.state
        .put(key(POD_BY_OWNER, &[pod.owner.as_slice()]), pod);
}

fn put_validator(ex: &mut Exec<'_>, pod: &Address, hash: &B256, info: &ValidatorInfo) {
    ex.state
        .put(key(VALIDATOR, &[pod.as_slice(), hash.as_slice()]), info);
}

fn require_pod(ex: &Exec<'_>, pod: &Address) -> Result<Pod, Error> {
    Ok(ex.state.pod_at(pod)?.ok_or(PodError::PodNotFound(*pod))?)
}

/// The pod named by an action, defaulting to the sender's own.
pub(crate) fn resolve(ex: &Exec<'_>, sender: Address, pod: Option<Address>) -> Result<Pod, Error> {
    match pod {
        Some(p) => require_pod(ex, &p),
        None => Ok(ex
            .state
            .pod_of(&sender)?
            .ok_or(PodError::PodNotFound(pod_address(&sender)))?),
    }
}

fn require_owner_or_submitter(pod: &Pod, sender: Address) -> Result<(), Error> {
    if sender != pod.owner && (pod.proof_submitter.is_zero() || sender != pod.proof_submitter) {
        return Err(PodError::OnlyEigenPodOwnerOrProofSubmitter.into());
    }
    Ok(())
}

fn gwei_to_wei(g: u64) -> U256 {
    U256::from(g).saturating_mul(U256::from(GWEI))
}

fn version_at(ex: &Exec<'_>, timestamp: u64) -> Result<ProofVersion, Error> {
    let fork = ex.state.params()?.pectra_fork_timestamp;
    Ok(ProofVersion::for_timestamp(timestamp, fork).map_err(PodError::from)?)
}

/// `createPod` action.
///
/// Rules (spec §8.1):
/// 1. Creating pods is not paused.
/// 2. One pod per owner (`EigenPodAlreadyExists`).
/// 3. The pod's address is derived from the owner (`podAddress(owner)`), so validators can be
///    pointed at it before it exists.
pub fn create_pod(ex: &mut Exec<'_>, sender: Address) -> Result<Address, Error> {
    pause::require_not_paused(&ex.state, PauseTarget::PodManager, PAUSED_NEW_EIGENPODS)?;
    if ex.state.pod_of(&sender)?.is_some() {
        return Err(PodError::EigenPodAlreadyExists(sender).into());
    }
    let address = pod_address(&sender);
    let pod = Pod {
        address,
        owner: sender,
        ..Pod::default()
    };
    put_pod(ex, &pod);
    ex.state
        .put(key(OWNER_BY_POD, &[address.as_slice()]), &sender);
    let count = ex.state.pod_count()?.saturating_add(1);
    ex.state.put(COUNT.to_vec(), &count);
    ex.emit(Event::PodDeployed {
        pod: address,
        owner: sender,
    });
    Ok(address)
}

/// `setProofSubmitter` action.
///
/// Rules: only the pod owner; the zero address removes the submitter.
pub fn set_proof_submitter(
    ex: &mut Exec<'_>,
    sender: Address,
    new_proof_submitter: Address,
) -> Result<(), Error> {
    let mut pod = ex
        .state
        .pod_of(&sender)?
        .ok_or(PodError::OnlyEigenPodOwner)?;
    let prev = pod.proof_submitter;
    pod.proof_submitter = new_proof_submitter;
    put_pod(ex, &pod);
    ex.emit(Event::ProofSubmitterUpdated {
        pod: pod.address,
        prev_proof_submitter: prev,
        new_proof_submitter,
    });
    Ok(())
}

/// `verifyWithdrawalCredentials` action.
///
/// Rules (spec §8.4):
/// 1. The sender is the pod owner or its proof submitter; verifying credentials is not paused.
/// 2. Indices, fields and proofs are non-empty and of equal length.
/// 3. `beaconTimestamp` is after the checkpoint in progress and after the last checkpoint.
/// 4. The oracle has accepted a beacon block root for `beaconTimestamp`, inside the EIP-4788
///    window; the state root is proven against it.
/// 5. Per validator: not yet verified here; activated (`activation_epoch` set); not exiting
///    (`exit_epoch` is far future); credentials `0x01`/`0x02` pointing to this pod; fields proven
///    at the index for the fork of `beaconTimestamp`.
/// 6. Each becomes ACTIVE with its effective balance (no 32-ETH cap) credited; if a checkpoint is
///    in progress it counts as already proven for it and its balance joins the checkpoint's
///    previous balance. The owner gets `Σ effective balance` as new ETH shares.
pub fn verify_withdrawal_credentials(
    ex: &mut Exec<'_>,
    sender: Address,
    pod: Option<Address>,
    beacon_timestamp: u64,
    state_root_proof: &StateRootProof,
    validator_indices: &[u64],
    validator_fields_proofs: &[Vec<B256>],
    validator_fields: &[Vec<B256>],
) -> Result<(), Error> {
    let mut pod = resolve(ex, sender, pod)?;
    require_owner_or_submitter(&pod, sender)?;
    pause::require_not_paused(
        &ex.state,
        PauseTarget::PodManager,
        PAUSED_EIGENPODS_VERIFY_CREDENTIALS,
    )?;
    if validator_indices.is_empty()
        || validator_indices.len() != validator_fields.len()
        || validator_indices.len() != validator_fields_proofs.len()
    {
        return Err(PodError::InputArrayLengthMismatch.into());
    }
    if beacon_timestamp <= pod.current_checkpoint_timestamp {
        return Err(PodError::BeaconTimestampTooFarInPast {
            timestamp: beacon_timestamp,
            after: pod.current_checkpoint_timestamp,
        }
        .into());
    }
    if beacon_timestamp <= pod.last_checkpoint_timestamp {
        return Err(PodError::BeaconTimestampBeforeLatestCheckpoint {
            timestamp: beacon_timestamp,
            last: pod.last_checkpoint_timestamp,
        }
        .into());
    }
    let root = beacon_oracle::require_root(ex, beacon_timestamp)?;
    restake_beacon::verify_state_root(root, state_root_proof).map_err(PodError::from)?;
    let version = version_at(ex, beacon_timestamp)?;
    let mut total_gwei = 0u64;
    for ((index, proof), fields) in validator_indices
        .iter()
        .zip(validator_fields_proofs)
        .zip(validator_fields)
    {
        let hash = restake_beacon::validator::pubkey_hash_of(fields).map_err(PodError::from)?;
        let mut info = ex.state.validator_info(&pod.address, &hash)?;
        if info.status != ValidatorStatus::Inactive {
            return Err(PodError::CredentialsAlreadyVerified(hash).into());
        }
        let activation =
            restake_beacon::validator::activation_epoch(fields).map_err(PodError::from)?;
        if activation == restake_beacon::FAR_FUTURE_EPOCH {
            return Err(PodError::ValidatorInactiveOnBeaconChain(hash).into());
        }
        let exit = restake_beacon::validator::exit_epoch(fields).map_err(PodError::from)?;
        if exit != restake_beacon::FAR_FUTURE_EPOCH {
            return Err(PodError::ValidatorIsExitingBeaconChain(hash).into());
        }
        let credentials =
            restake_beacon::validator::withdrawal_credentials(fields).map_err(PodError::from)?;
        if !restake_beacon::credentials_point_to(credentials, pod.address) {
            return Err(PodError::WithdrawalCredentialsNotForEigenPod(hash).into());
        }
        restake_beacon::verify_validator_fields(
            version,
            state_root_proof.beacon_state_root,
            fields,
            proof,
            *index,
        )
        .map_err(PodError::from)?;
        let balance =
            restake_beacon::validator::effective_balance_gwei(fields).map_err(PodError::from)?;
        pod.active_validator_count = pod.active_validator_count.saturating_add(1);
        info = ValidatorInfo {
            validator_index: *index,
            restaked_balance_gwei: balance,
            last_checkpointed_at: if pod.current_checkpoint_timestamp != 0 {
                pod.current_checkpoint_timestamp
            } else {
                pod.last_checkpoint_timestamp
            },
            status: ValidatorStatus::Active,
        };
        if pod.current_checkpoint_timestamp != 0 {
            pod.checkpoint.prev_beacon_balance_gwei = pod
                .checkpoint
                .prev_beacon_balance_gwei
                .checked_add(balance)
                .ok_or(MathError::Overflow)?;
        }
        put_validator(ex, &pod.address, &hash, &info);
        total_gwei = total_gwei.checked_add(balance).ok_or(MathError::Overflow)?;
        ex.emit(Event::ValidatorRestaked {
            pod: pod.address,
            pubkey_hash: hash,
            validator_index: *index,
        });
        ex.emit(Event::ValidatorBalanceUpdated {
            pod: pod.address,
            validator_index: *index,
            beacon_timestamp,
            balance_gwei: balance,
        });
    }
    put_pod(ex, &pod);
    let added_wei = i128::from(total_gwei)
        .checked_mul(i128::from(GWEI))
        .ok_or(MathError::Overflow)?;
    record_balance_update(ex, pod.owner, U256::ZERO, added_wei)
}

/// `startCheckpoint` action.
///
/// Rules (spec §8.5):
/// 1. The sender is the pod owner or its proof submitter; starting checkpoints is not paused.
/// 2. No checkpoint is in progress; `beaconTimestamp` is after the last checkpoint.
/// 3. The oracle has accepted, for `beaconTimestamp`, a beacon block root (inside the EIP-4788
///    window) and this pod's execution-layer balance. Taking both at the same instant is what
///    keeps ETH from being counted both in the pod and on the beacon chain.
/// 4. New pod ETH = ⌊balance / 1e9⌋ − ETH of payout instructions not yet carried out − ETH
///    already credited; sub-gwei dust is never credited. With `revertIfNoBalance`, zero fails.
/// 5. Every ACTIVE validator must then be proven (`verifyCheckpointProofs`); with none, the
///    checkpoint finalizes at once.
pub fn start_checkpoint(
    ex: &mut Exec<'_>,
    sender: Address,
    pod: Option<Address>,
    beacon_timestamp: u64,
    revert_if_no_balance: bool,
) -> Result<(), Error> {
    let pod = resolve(ex, sender, pod)?;
    require_owner_or_submitter(&pod, sender)?;
    pause::require_not_paused(&ex.state, PauseTarget::PodManager, PAUSED_START_CHECKPOINT)?;
    begin_checkpoint(ex, pod, beacon_timestamp, revert_if_no_balance)
}

fn begin_checkpoint(
    ex: &mut Exec<'_>,
    mut pod: Pod,
    beacon_timestamp: u64,
    revert_if_no_balance: bool,
) -> Result<(), Error> {
    if pod.current_checkpoint_timestamp != 0 {
        return Err(PodError::CheckpointAlreadyActive.into());
    }
    if beacon_timestamp <= pod.last_checkpoint_timestamp {
        return Err(PodError::BeaconTimestampBeforeLatestCheckpoint {
            timestamp: beacon_timestamp,
            last: pod.last_checkpoint_timestamp,
        }
        .into());
    }
    let root = beacon_oracle::require_root(ex, beacon_timestamp)?;
    let report = beacon_oracle::require_pod_balance(ex, &pod.address, beacon_timestamp)?;
    let pod_balance_gwei = new_pod_gwei(ex, &pod, report)?;
    if revert_if_no_balance && pod_balance_gwei == 0 {
        return Err(PodError::NoBalanceToCheckpoint.into());
    }
    pod.checkpoint = Checkpoint {
        beacon_block_root: root,
        proofs_remaining: pod.active_validator_count,
        pod_balance_gwei,
        balance_deltas_gwei: 0,
        prev_beacon_balance_gwei: 0,
    };
    pod.current_checkpoint_timestamp = beacon_timestamp;
    ex.emit(Event::CheckpointCreated {
        pod: pod.address,
        checkpoint_timestamp: beacon_timestamp,
        beacon_block_root: root,
        validator_count: pod.active_validator_count,
    });
    if pod.checkpoint.proofs_remaining == 0 {
        finalize(ex, pod)
    } else {
        put_pod(ex, &pod);
        Ok(())
    }
}

/// ETH in the pod on Ethereum that no checkpoint credited yet, in gwei.
fn new_pod_gwei(ex: &Exec<'_>, pod: &Pod, report: beacon_oracle::PodBalance) -> Result<u64, Error> {
    let inconsistent = |reason: String| PodError::InconsistentPodBalance {
        pod: pod.address,
        reason,
    };
    if report.payouts_executed > pod.payouts {
        return Err(inconsistent(format!(
            "{} payouts executed, only {} issued",
            report.payouts_executed, pod.payouts
        ))
        .into());
    }
    let executed_gwei = if report.payouts_executed == 0 {
        0
    } else {
        ex.state
            .get::<u64>(&key(
                PAYOUT,
                &[
                    pod.address.as_slice(),
                    &report.payouts_executed.to_be_bytes(),
                ],
            ))?
            .unwrap_or(0)
    };
    let pending = pod.paid_out_gwei.saturating_sub(executed_gwei);
    let balance_gwei = report
        .balance_wei
        .checked_div(U256::from(GWEI))
        .unwrap_or_default();
    let balance_gwei =
        u64::try_from(balance_gwei).map_err(|_| inconsistent("balance above 2^64 gwei".into()))?;
    balance_gwei
        .checked_sub(pending)
        .and_then(|b| b.checked_sub(pod.restaked_execution_layer_gwei))
        .ok_or_else(|| {
            inconsistent(format!(
                "{balance_gwei} gwei reported, {} credited and {pending} on its way out",
                pod.restaked_execution_layer_gwei
            ))
            .into()
        })
}

/// `verifyCheckpointProofs` action (anyone may call it).
///
/// Rules (spec §8.5):
/// 1. Checkpoint proofs are not paused; a checkpoint is in progress.
/// 2. The balance container is proven against the checkpoint's beacon block root.
/// 3. Each balance proof names a validator by pubkey hash; validators not ACTIVE or already
///    proven for this checkpoint are skipped silently (so a front-run proof cannot make a batch
///    fail). The balance is proven at the validator's stored index.
/// 4. The change against the credited balance is recorded; a validator at zero becomes WITHDRAWN.
/// 5. When the last active validator is proven, the checkpoint finalizes: the pod's new ETH and
///    the sum of changes move the owner's shares (increase) or beacon-chain slashing factor
///    (decrease).
pub fn verify_checkpoint_proofs(
    ex: &mut Exec<'_>,
    pod: Address,
    balance_container_proof: &BalanceContainerProof,
    proofs: &[BalanceProof],
) -> Result<(), Error> {
    pause::require_not_paused(
        &ex.state,
        PauseTarget::PodManager,
        PAUSED_EIGENPODS_VERIFY_CHECKPOINT_PROOFS,
    )?;
    let mut pod = require_pod(ex, &pod)?;
    let ts = pod.current_checkpoint_timestamp;
    if ts == 0 {
        return Err(PodError::NoActiveCheckpoint.into());
    }
    let version = version_at(ex, ts)?;
    restake_beacon::verify_balance_container(
        version,
        pod.checkpoint.beacon_block_root,
        balance_container_proof,
    )
    .map_err(PodError::from)?;
    let mut exited = 0u64;
    for proof in proofs {
        let mut info = ex.state.validator_info(&pod.address, &proof.pubkey_hash)?;
        if info.status != ValidatorStatus::Active || info.last_checkpointed_at >= ts {
            continue;
        }
        let new = restake_beacon::verify_validator_balance(
            balance_container_proof.balance_container_root,
            info.validator_index,
            proof,
        )
        .map_err(PodError::from)?;
        let prev = info.restaked_balance_gwei;
        let delta = i128::from(new).saturating_sub(i128::from(prev));
        info.restaked_balance_gwei = new;
        info.last_checkpointed_at = ts;
        if new == 0 {
            info.status = ValidatorStatus::Withdrawn;
            pod.active_validator_count = pod.active_validator_count.saturating_sub(1);
            exited = exited.checked_add(prev).ok_or(MathError::Overflow)?;
            ex.emit(Event::ValidatorWithdrawn {
                pod: pod.address,
                checkpoint_timestamp: ts,
                validator_index: info.validator_index,
            });
        }
        put_validator(ex, &pod.address, &proof.pubkey_hash, &info);
        ex.emit(Event::ValidatorCheckpointed {
            pod: pod.address,
            checkpoint_timestamp: ts,
            validator_index: info.validator_index,
            balance_gwei: new,
        });
        pod.checkpoint.proofs_remaining = pod.checkpoint.proofs_remaining.saturating_sub(1);
        pod.checkpoint.prev_beacon_balance_gwei = pod
            .checkpoint
            .prev_beacon_balance_gwei
            .checked_add(prev)
            .ok_or(MathError::Overflow)?;
        pod.checkpoint.balance_deltas_gwei = pod
            .checkpoint
            .balance_deltas_gwei
            .checked_add(delta)
            .ok_or(MathError::Overflow)?;
    }
    if exited != 0 {
        let k = key(EXITED, &[pod.address.as_slice(), &ts.to_be_bytes()]);
        let before: u64 = ex.state.get(&k)?.unwrap_or(0);
        ex.state
            .put(k, &before.checked_add(exited).ok_or(MathError::Overflow)?);
    }
    if pod.checkpoint.proofs_remaining == 0 {
        finalize(ex, pod)
    } else {
        put_pod(ex, &pod);
        Ok(())
    }
}

fn finalize(ex: &mut Exec<'_>, mut pod: Pod) -> Result<(), Error> {
    let ts = pod.current_checkpoint_timestamp;
    let prev_restaked_gwei = pod
        .restaked_execution_layer_gwei
        .checked_add(pod.checkpoint.prev_beacon_balance_gwei)
        .ok_or(MathError::Overflow)?;
    let delta_gwei = i128::from(pod.checkpoint.pod_balance_gwei)
        .checked_add(pod.checkpoint.balance_deltas_gwei)
        .ok_or(MathError::Overflow)?;
    pod.restaked_execution_layer_gwei = pod
        .restaked_execution_layer_gwei
        .checked_add(pod.checkpoint.pod_balance_gwei)
        .ok_or(MathError::Overflow)?;
    pod.last_checkpoint_timestamp = ts;
    pod.current_checkpoint_timestamp = 0;
    let delta_wei = delta_gwei
        .checked_mul(i128::from(GWEI))
        .ok_or(MathError::Overflow)?;
    ex.emit(Event::CheckpointFinalized {
        pod: pod.address,
        checkpoint_timestamp: ts,
        total_share_delta_wei: delta_wei,
    });
    let owner = pod.owner;
    put_pod(ex, &pod);
    record_balance_update(ex, owner, gwei_to_wei(prev_restaked_gwei), delta_wei)
}

/// `verifyStaleBalance` action (anyone may call it).
///
/// Rules (spec §8.6):
/// 1. Starting checkpoints and stale-balance proofs are not paused.
/// 2. The validator (by the pubkey hash in its fields) is ACTIVE in the pod, and
///    `beaconTimestamp` is after its last checkpoint.
/// 3. Its fields, proven at its stored index against the state root of the accepted beacon root
///    for `beaconTimestamp`, say it is slashed on the beacon chain.
/// 4. A checkpoint starts at `beaconTimestamp` (the oracle must have this pod's balance for it),
///    so the owner cannot keep a beacon-chain slash from reaching its shares.
pub fn verify_stale_balance(
    ex: &mut Exec<'_>,
    pod: Address,
    beacon_timestamp: u64,
    state_root_proof: &StateRootProof,
    proof: &ValidatorProof,
) -> Result<(), Error> {
    pause::require_not_paused(&ex.state, PauseTarget::PodManager, PAUSED_START_CHECKPOINT)?;
    pause::require_not_paused(
        &ex.state,
        PauseTarget::PodManager,
        PAUSED_VERIFY_STALE_BALANCE,
    )?;
    let pod = require_pod(ex, &pod)?;
    let fields = &proof.validator_fields;
    let hash = restake_beacon::validator::pubkey_hash_of(fields).map_err(PodError::from)?;
    let info = ex.state.validator_info(&pod.address, &hash)?;
    if beacon_timestamp <= info.last_checkpointed_at {
        return Err(PodError::BeaconTimestampTooFarInPast {
            timestamp: beacon_timestamp,
            after: info.last_checkpointed_at,
        }
        .into());
    }
    if info.status != ValidatorStatus::Active {
        return Err(PodError::ValidatorNotActiveInPod(hash).into());
    }
    if !restake_beacon::validator::is_slashed(fields).map_err(PodError::from)? {
        return Err(PodError::ValidatorNotSlashedOnBeaconChain(hash).into());
    }
    let root = beacon_oracle::require_root(ex, beacon_timestamp)?;
    restake_beacon::verify_state_root(root, state_root_proof).map_err(PodError::from)?;
    let version = version_at(ex, beacon_timestamp)?;
    restake_beacon::verify_validator_fields(
        version,
        state_root_proof.beacon_state_root,
        fields,
        &proof.proof,
        info.validator_index,
    )
    .map_err(PodError::from)?;
    begin_checkpoint(ex, pod, beacon_timestamp, false)
}

/// EigenPodManager's `recordBeaconChainETHBalanceUpdate`: a positive delta becomes deposit
/// shares; a negative one lowers the beacon-chain slashing factor in proportion to
/// `|delta| / prevRestaked` and takes the same fraction from the owner's operator.
fn record_balance_update(
    ex: &mut Exec<'_>,
    owner: Address,
    prev_restaked_wei: U256,
    delta_wei: i128,
) -> Result<(), Error> {
    if delta_wei == 0 {
        return Ok(());
    }
    if delta_wei > 0 {
        let added = U256::from(delta_wei.unsigned_abs());
        let (prev, added) = add_shares(ex, owner, added)?;
        return delegation::increase_delegated_shares(
            ex,
            owner,
            BEACON_CHAIN_ETH_STRATEGY,
            prev,
            added,
        );
    }
    let decrease = U256::from(delta_wei.unsigned_abs());
    let old = ex.state.beacon_chain_slashing_factor(&owner)?;
    let remaining = math::sub(prev_restaked_wei, decrease)?;
    let new = mul_div(
        U256::from(old),
        remaining,
        prev_restaked_wei,
        Rounding::Down,
    )?;
    let new = u64::try_from(new).map_err(|_| MathError::Overflow)?;
    ex.state.put(key(BCSF, &[owner.as_slice()]), &new);
    ex.emit(Event::BeaconChainSlashingFactorDecreased {
        staker: owner,
        prev_beacon_chain_slashing_factor: old,
        new_beacon_chain_slashing_factor: new,
    });
    let shares = ex.state.pod_owner_deposit_shares(&owner)?;
    delegation::decrease_delegated_beacon_shares(ex, owner, shares, old.saturating_sub(new))
}

/// Adds ETH deposit shares (balance increases, withdrawals completed as shares). Returns
/// `(prev, added)`.
pub(crate) fn add_shares(
    ex: &mut Exec<'_>,
    owner: Address,
    shares: U256,
) -> Result<(U256, U256), Error> {
    let prev = ex.state.pod_owner_deposit_shares(&owner)?;
    let next = math::add(prev, shares)?;
    ex.state.put(key(SHARES, &[owner.as_slice()]), &next);
    ex.emit(Event::PodSharesUpdated {
        pod_owner: owner,
        shares_delta: i128::try_from(shares).map_err(|_| MathError::Overflow)?,
    });
    Ok((prev, shares))
}

/// Fails unless `shares` is at most the owner's ETH deposit shares.
pub(crate) fn check_removable<R: StateRead>(
    s: &R,
    owner: &Address,
    shares: U256,
) -> Result<(), Error> {
    let held = s.pod_owner_deposit_shares(owner)?;
    if shares.is_zero() || shares > held {
        return Err(PodError::SharesNegative {
            held,
            asked: shares,
        }
        .into());
    }
    Ok(())
}

/// Removes ETH deposit shares (queueing a withdrawal). Returns what remains.
pub(crate) fn remove_deposit_shares(
    ex: &mut Exec<'_>,
    owner: Address,
    shares: U256,
) -> Result<U256, Error> {
    check_removable(&ex.state, &owner, shares)?;
    let held = ex.state.pod_owner_deposit_shares(&owner)?;
    let remaining = math::sub(held, shares)?;
    let k = key(SHARES, &[owner.as_slice()]);
    if remaining.is_zero() {
        ex.state.delete(&k);
    } else {
        ex.state.put(k, &remaining);
    }
    ex.emit(Event::PodSharesUpdated {
        pod_owner: owner,
        shares_delta: i128::try_from(shares)
            .map_err(|_| MathError::Overflow)?
            .checked_neg()
            .ok_or(MathError::Overflow)?,
    });
    Ok(remaining)
}

/// Pays ETH shares out of the owner's pod (a withdrawal completed as tokens): whole gwei only,
/// from ETH a checkpoint has credited. Emits the numbered payout instruction for the bridge.
pub(crate) fn withdraw_shares_as_tokens(
    ex: &mut Exec<'_>,
    owner: Address,
    recipient: Address,
    shares: U256,
) -> Result<(), Error> {
    pause::require_not_paused(
        &ex.state,
        PauseTarget::PodManager,
        PAUSED_NON_PROOF_WITHDRAWALS,
    )?;
    let mut pod = ex
        .state
        .pod_of(&owner)?
        .ok_or(PodError::PodNotFound(pod_address(&owner)))?;
    let gwei = u64::try_from(shares.checked_div(U256::from(GWEI)).unwrap_or_default())
        .map_err(|_| MathError::Overflow)?;
    if gwei > pod.restaked_execution_layer_gwei {
        return Err(PodError::InsufficientWithdrawableBalance {
            available: pod.restaked_execution_layer_gwei,
            asked: gwei,
        }
        .into());
    }
    if gwei == 0 {
        return Ok(());
    }
    pod.restaked_execution_layer_gwei = math::sub_u64(pod.restaked_execution_layer_gwei, gwei)?;
    pod.payouts = pod.payouts.checked_add(1).ok_or(MathError::Overflow)?;
    pod.paid_out_gwei = pod
        .paid_out_gwei
        .checked_add(gwei)
        .ok_or(MathError::Overflow)?;
    ex.state.put(
        key(
            PAYOUT,
            &[pod.address.as_slice(), &pod.payouts.to_be_bytes()],
        ),
        &pod.paid_out_gwei,
    );
    ex.emit(Event::PodPayout {
        pod: pod.address,
        recipient,
        amount_wei: gwei_to_wei(gwei),
        payout_index: pod.payouts,
    });
    put_pod(ex, &pod);
    Ok(())
}

/// ETH shares slashed by an AVS: recorded as burnable (they never leave the pods).
pub(crate) fn increase_burnable_shares(ex: &mut Exec<'_>, shares: U256) -> Result<(), Error> {
    if shares.is_zero() {
        return Ok(());
    }
    let total = math::add(ex.state.burnable_eth_shares()?, shares)?;
    ex.state.put(BURNABLE.to_vec(), &total);
    ex.emit(Event::BurnableEthSharesIncreased { shares });
    Ok(())
}

/// The owner's slashing factor `l` as a `U256` WAD.
pub(crate) fn bcsf<R: StateRead>(s: &R, owner: &Address) -> Result<U256, StateError> {
    Ok(U256::from(s.beacon_chain_slashing_factor(owner)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pod_addresses_differ_per_owner_and_are_stable() {
        let a = pod_address(&Address::repeat_byte(1));
        let b = pod_address(&Address::repeat_byte(2));
        assert_ne!(a, b);
        assert_eq!(a, pod_address(&Address::repeat_byte(1)));
        assert_eq!(restake_primitives::WAD, U256::from(WAD_U64));
    }
}
