//! The owner's ETH shares and beacon-chain slashing factor: balance updates from checkpoints and
//! credentials, and the share manager's beacon-chain side (deposits, removals, payouts, burns).
use super::*;

/// EigenPodManager's `recordBeaconChainETHBalanceUpdate`: a positive delta becomes deposit
/// shares; a negative one lowers the beacon-chain slashing factor in proportion to
/// `|delta| / prevRestaked` and takes the same fraction from the owner's operator.
pub(super) fn record_balance_update(
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
