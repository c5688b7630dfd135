//! Native ETH in the vault: each node delegator may own a pod; validators pointed at it are
//! deposited by the manager, who names the holder to mint for; exits leave through core
//! withdrawals of the delegator's ETH shares, paid from the pod to the redeeming holder.
//!
//! Why the manager: a credential proof shows that a validator pays the pod, not who funded it,
//! and proofs are public, so whoever submitted one first could claim someone else's 32 ETH. The
//! manager (the vault's node-operator desk, as in every permissioned LRT) attests the funder.
//! Shares are minted only for the effective balance the pod actually credits, at the price
//! before it arrives: no "staked but unverified" ETH ever counts in `A`, so a validator
//! penalised before its proof (or front-run with other credentials) creates no phantom value.
use super::*;
use crate::delegation::DelegationRead;
use crate::pods;
use restake_beacon::StateRootProof;

fn native_delegator(v: &Vault, delegator: u32) -> Result<NodeDelegator, Error> {
    if !v.assets.iter().any(|a| is_native(&a.token)) {
        return Err(VaultError::NativeAsset("this vault has no native ETH asset").into());
    }
    v.delegators
        .get(usize::try_from(delegator).map_err(|_| MathError::Overflow)?)
        .cloned()
        .ok_or_else(|| VaultError::UnknownDelegator(delegator).into())
}

/// `createVaultPod` action (manager).
///
/// Rules:
/// 1. The sender is the manager; the vault takes native ETH; the node delegator exists.
/// 2. The node delegator creates its pod (as `createPod`); validators use the pod's address in
///    their withdrawal credentials.
pub fn create_vault_pod(
    ex: &mut Exec<'_>,
    sender: Address,
    vault: Address,
    delegator: u32,
) -> Result<Address, Error> {
    let v = require_vault(&ex.state, &vault)?;
    v.require(sender, v.manager, "manager")?;
    let d = native_delegator(&v, delegator)?;
    pods::create_pod(ex, d.account)
}

/// `startVaultCheckpoint` action (manager).
///
/// Rules:
/// 1. The sender is the manager; the vault takes native ETH; the node delegator exists.
/// 2. Its pod starts a checkpoint at `beaconTimestamp` (as `startCheckpoint`); anyone then
///    proves the balances with `verifyCheckpointProofs`, and anyone may force one on a slashed
///    validator with `verifyStaleBalance`.
pub fn start_vault_checkpoint(
    ex: &mut Exec<'_>,
    sender: Address,
    vault: Address,
    delegator: u32,
    beacon_timestamp: u64,
) -> Result<(), Error> {
    let v = require_vault(&ex.state, &vault)?;
    v.require(sender, v.manager, "manager")?;
    let d = native_delegator(&v, delegator)?;
    pods::start_checkpoint(ex, d.account, None, beacon_timestamp, false)
}

/// `depositValidatorsIntoVault` action (manager).
///
/// Rules:
/// 1. Deposits are not paused (bit 0); the sender is the manager; the vault takes native ETH;
///    the node delegator exists and is delegated to its operator; `recipient` is not zero.
/// 2. The protocol fee is charged; the price comes from the books before the validators count.
/// 3. The validators are proven for the delegator's pod (as `verifyWithdrawalCredentials`);
///    `value` is the increase of the delegator's withdrawable ETH shares (1 share = 1 wei).
/// 4. `value ≥ minDepositValue`; `shares = ⌊value · (S + V) / (A + V)⌋` is positive and at least
///    `minSharesOut`; the native asset's cap and the total cap hold afterwards.
/// 5. The shares are minted to `recipient`.
#[allow(clippy::too_many_arguments)]
pub fn deposit_validators_into_vault(
    ex: &mut Exec<'_>,
    sender: Address,
    vault: Address,
    delegator: u32,
    recipient: Address,
    min_shares_out: U256,
    beacon_timestamp: u64,
    state_root_proof: &StateRootProof,
    validator_indices: &[u64],
    validator_fields_proofs: &[Vec<B256>],
    validator_fields: &[Vec<B256>],
) -> Result<U256, Error> {
    let mut v = require_vault(&ex.state, &vault)?;
    v.require_not_paused(PAUSED_DEPOSITS)?;
    v.require(sender, v.manager, "manager")?;
    let d = native_delegator(&v, delegator)?;
    if recipient.is_zero() {
        return Err(VaultError::InvalidParam {
            name: "recipient",
            reason: "must not be the zero address",
        }
        .into());
    }
    if ex.state.delegated_to(&d.account)? != Some(d.operator) {
        return Err(VaultError::DelegatorNotDelegated {
            delegator: d.account,
            operator: d.operator,
        }
        .into());
    }
    let b = accrue_fee(ex, &mut v)?;
    let before = ex
        .state
        .withdrawable_shares(&d.account, &BEACON_CHAIN_ETH_STRATEGY)?;
    pods::verify_withdrawal_credentials(
        ex,
        d.account,
        None,
        beacon_timestamp,
        state_root_proof,
        validator_indices,
        validator_fields_proofs,
        validator_fields,
    )?;
    let after = ex
        .state
        .withdrawable_shares(&d.account, &BEACON_CHAIN_ETH_STRATEGY)?;
    let value = math::sub(after, before)?;
    let i = v.asset_index(&BEACON_CHAIN_ETH_STRATEGY)?;
    // One wei of native ETH is one unit of the asset and of value.
    let shares = b.deposit_shares(&v.params, i, value, value, min_shares_out)?;
    mint_lrt(ex, &v, recipient, shares)?;
    refresh_tracked(ex, &mut v)?;
    save(ex, &v);
    ex.emit(Event::VaultValidatorsDeposited {
        vault,
        delegator: d.account,
        recipient,
        validators: u32::try_from(validator_indices.len()).map_err(|_| MathError::Overflow)?,
        value,
        shares,
    });
    Ok(shares)
}

/// Queues the core withdrawal that pays a native redemption worth `value`: from the first node
/// delegator whose withdrawable ETH shares cover it, the deposit shares worth at most `value`.
/// Returns the root and the payout as of now, or `None` when no delegator can cover it.
pub(super) fn queue_native_exit(
    ex: &mut Exec<'_>,
    v: &Vault,
    request: u64,
    value: U256,
) -> Result<Option<(B256, U256)>, Error> {
    for d in &v.delegators {
        let available = ex
            .state
            .withdrawable_shares(&d.account, &BEACON_CHAIN_ETH_STRATEGY)?;
        if available < value {
            continue;
        }
        let op = ex.state.delegated_to(&d.account)?;
        let sf = ex
            .state
            .slashing_factor(&d.account, op.as_ref(), &BEACON_CHAIN_ETH_STRATEGY)?;
        let k = ex
            .state
            .deposit_scaling_factor(&d.account, &BEACON_CHAIN_ETH_STRATEGY)?;
        let x = crate::shares::calc_deposit_shares(k, value, sf)?;
        let payout = crate::shares::calc_withdrawable(k, x, sf)?;
        if x.is_zero() || payout.is_zero() {
            return Err(VaultError::ZeroOutput.into());
        }
        let roots = delegation::queue_withdrawals(
            ex,
            d.account,
            &[QueuedWithdrawalParams {
                strategies: vec![BEACON_CHAIN_ETH_STRATEGY],
                deposit_shares: vec![x],
            }],
        )?;
        let root = roots.first().copied().unwrap_or_default();
        ex.state.put(key(EARMARKED, &[root.as_slice()]), &request);
        return Ok(Some((root, payout)));
    }
    Ok(None)
}

/// Completes the earmarked withdrawal `root`, the pod paying `owner`. Returns the payout in
/// wei (what the pod pays, in whole gwei).
pub(super) fn pay_native_exit(
    ex: &mut Exec<'_>,
    v: &Vault,
    root: B256,
    owner: Address,
) -> Result<U256, Error> {
    let w = ex
        .state
        .queued_withdrawal(&root)?
        .ok_or(VaultError::NotVaultWithdrawal(root))?;
    let Some(d) = v.delegators.iter().find(|d| d.account == w.staker) else {
        return Err(VaultError::NotVaultWithdrawal(root).into());
    };
    let now = ex.block.number;
    let shares: U256 = delegation::queued_withdrawals(&ex.state, &d.account, now)?
        .into_iter()
        .find(|q| q.withdrawal_root == root)
        .map(|q| {
            q.shares
                .into_iter()
                .fold(U256::ZERO, |a, s| a.saturating_add(s))
        })
        .unwrap_or_default();
    delegation::complete_queued_withdrawal_to(ex, d.account, root, owner)?;
    ex.state.delete(&key(EARMARKED, &[root.as_slice()]));
    let gwei = U256::from(pods::GWEI);
    Ok(math::sub(
        shares,
        shares.checked_rem(gwei).unwrap_or_default(),
    )?)
}
