//! Restaking validators: proving that their withdrawal credentials point to the pod.
use super::*;

/// `verifyWithdrawalCredentials` action.
///
/// Rules (spec §8.4):
/// 1. The pod is `pod`, or the sender's own when `pod` is omitted or zero. The sender is the
///    pod owner or its proof submitter; verifying credentials is not paused.
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
