//! Checkpoints: proving every active validator's balance and the pod's new ETH at one beacon
//! timestamp, and the stale-balance proof that forces one on a beacon-chain slash.
use super::*;

/// `startCheckpoint` action.
///
/// Rules (spec §8.5):
/// 1. The pod is `pod`, or the sender's own when `pod` is omitted or zero. The sender is the
///    pod owner or its proof submitter; starting checkpoints is not paused.
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
