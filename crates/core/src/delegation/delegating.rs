//! Stakers delegating to an operator, undelegating and redelegating, and delegated shares growing
//! with deposits.
use super::*;

/// `delegateTo` action.
///
/// Rules (spec §5.2):
/// 1. New delegations are not paused; the sender is not delegated; `operator` is registered.
/// 2. If the operator has a delegation approver: `approverSalt` is unspent, `approverExpiry >=`
///    block time, and `approverSignature` is the approver's over EIP-712
///    `DelegationApproval(approver, staker, operator, salt, expiry)`; the salt is then spent.
/// 3. All the staker's shares move to the operator (prior slashing is forgiven through the
///    scaling factor); refused if the operator is fully slashed in any of them.
pub fn delegate_to(
    ex: &mut Exec<'_>,
    sender: Address,
    operator: Address,
    approver_signature: Option<&Bytes>,
    approver_expiry: u64,
    approver_salt: B256,
) -> Result<(), Error> {
    pause::require_not_paused(
        &ex.state,
        PauseTarget::DelegationManager,
        PAUSED_NEW_DELEGATION,
    )?;
    if ex.state.delegated_to(&sender)?.is_some() {
        return Err(DelegationError::ActivelyDelegated(sender).into());
    }
    if !ex.state.is_operator(&operator)? {
        return Err(DelegationError::OperatorNotRegistered(operator).into());
    }
    let approver = ex
        .state
        .operator_details(&operator)?
        .map(|d| d.delegation_approver)
        .unwrap_or_default();
    if !approver.is_zero() {
        if ex.state.salt_spent(&approver, &approver_salt)? {
            return Err(DelegationError::SaltSpent(approver_salt).into());
        }
        if approver_expiry < ex.block.timestamp {
            return Err(DelegationError::SignatureExpired {
                expiry: approver_expiry,
                now: ex.block.timestamp,
            }
            .into());
        }
        // An empty signature is the same as none (both sign as empty bytes).
        let sig = approver_signature
            .filter(|s| !s.is_empty())
            .ok_or(DelegationError::InvalidSignature(approver))?;
        let msg = eip712::DelegationApproval {
            delegationApprover: approver,
            staker: sender,
            operator,
            salt: approver_salt,
            expiry: U256::from(approver_expiry),
        };
        if eip712::recover(&msg, ex.block.chain_id, sig)? != approver {
            return Err(DelegationError::InvalidSignature(approver).into());
        }
        ex.state
            .put_flag(key(SALT, &[approver.as_slice(), approver_salt.as_slice()]));
    }
    delegate(ex, sender, operator)
}

pub(super) fn delegate(ex: &mut Exec<'_>, staker: Address, operator: Address) -> Result<(), Error> {
    ex.state
        .put(key(DELEGATED, &[staker.as_slice()]), &operator);
    ex.emit(Event::StakerDelegated { staker, operator });
    // What the staker can withdraw now (beacon-chain slashing included) moves to the operator;
    // the scaling factor only forgives the operator's own past slashing, never the beacon chain's.
    for (strategy, s) in share_manager::deposited(&ex.state, &staker)? {
        let k = ex.state.deposit_scaling_factor(&staker, &strategy)?;
        let own = ex.state.slashing_factor(&staker, None, &strategy)?;
        let added = shares::calc_withdrawable(k, s, own)?;
        let sf = ex
            .state
            .operator_slashing_factor(Some(&operator), &strategy)?;
        increase_delegation(ex, Some(operator), staker, strategy, U256::ZERO, added, sf)?;
    }
    Ok(())
}

/// Called after deposit shares were added: updates the DSF and, if delegated, `op`.
pub(crate) fn increase_delegated_shares(
    ex: &mut Exec<'_>,
    staker: Address,
    strategy: Address,
    prev: U256,
    added: U256,
) -> Result<(), Error> {
    let operator = ex.state.delegated_to(&staker)?;
    let sf = ex
        .state
        .slashing_factor(&staker, operator.as_ref(), &strategy)?;
    increase_delegation(ex, operator, staker, strategy, prev, added, sf)
}

pub(super) fn increase_delegation(
    ex: &mut Exec<'_>,
    operator: Option<Address>,
    staker: Address,
    strategy: Address,
    prev: U256,
    added: U256,
    sf: U256,
) -> Result<(), Error> {
    if sf.is_zero() {
        return Err(DelegationError::FullySlashed {
            operator: operator.unwrap_or_default(),
            strategy,
        }
        .into());
    }
    let k = ex.state.deposit_scaling_factor(&staker, &strategy)?;
    let new_k = match shares::update_dsf(k, prev, added, sf)? {
        DsfUpdate::Ok(v) => v,
        DsfUpdate::Zero => return Err(DelegationError::InvalidDepositScalingFactor.into()),
    };
    ex.state.put(dsf_key(&staker, &strategy), &new_k);
    ex.emit(Event::DepositScalingFactorUpdated {
        staker,
        strategy,
        new_deposit_scaling_factor: new_k,
    });
    if let Some(op) = operator {
        let v = math::add(ex.state.operator_shares(&op, &strategy)?, added)?;
        set_operator_shares(ex, &op, &strategy, v);
        ex.emit(Event::OperatorSharesIncreased {
            operator: op,
            staker,
            strategy,
            shares: added,
        });
    }
    rewards::sync_position(ex, staker, strategy)
}

/// `undelegate` action. Returns the roots of the withdrawals it queued.
///
/// Rules (spec §5.2):
/// 1. Entering the withdrawal queue is not paused.
/// 2. `staker` is delegated and is not an operator.
/// 3. The sender is the staker, may act for the operator (`undelegate`), or is the operator's
///    delegation approver; otherwise refused. A forced undelegation emits `StakerForceUndelegated`.
/// 4. The staker becomes undelegated and every strategy it holds is queued as one withdrawal each.
pub fn undelegate(ex: &mut Exec<'_>, sender: Address, staker: Address) -> Result<Vec<B256>, Error> {
    pause::require_not_paused(
        &ex.state,
        PauseTarget::DelegationManager,
        PAUSED_ENTER_WITHDRAWAL_QUEUE,
    )?;
    let operator = ex
        .state
        .delegated_to(&staker)?
        .ok_or(DelegationError::NotActivelyDelegated(staker))?;
    if ex.state.is_operator(&staker)? {
        return Err(DelegationError::OperatorsCannotUndelegate.into());
    }
    if sender != staker {
        let approver = ex
            .state
            .operator_details(&operator)?
            .map(|d| d.delegation_approver)
            .unwrap_or_default();
        let allowed = ex.state.can_call(&operator, &sender, "undelegate")?
            || (!approver.is_zero() && approver == sender);
        if !allowed {
            return Err(DelegationError::CallerCannotUndelegate {
                caller: sender,
                staker,
            }
            .into());
        }
        ex.emit(Event::StakerForceUndelegated { staker, operator });
    }
    ex.state.delete(&key(DELEGATED, &[staker.as_slice()]));
    ex.emit(Event::StakerUndelegated { staker, operator });
    let mut roots = Vec::new();
    for (strategy, s) in share_manager::deposited(&ex.state, &staker)? {
        let sf = ex
            .state
            .slashing_factor(&staker, Some(&operator), &strategy)?;
        roots.push(remove_shares_and_queue_withdrawal(
            ex,
            staker,
            Some(operator),
            &[strategy],
            &[s],
            &[sf],
        )?);
    }
    Ok(roots)
}

/// `redelegate` action: `undelegate` yourself, then `delegateTo` a new operator.
///
/// Rules: those of `undelegate` (with the sender as staker) followed by those of `delegateTo`.
/// The queued shares reach the new operator only when completed as shares.
pub fn redelegate(
    ex: &mut Exec<'_>,
    sender: Address,
    new_operator: Address,
    approver_signature: Option<&Bytes>,
    approver_expiry: u64,
    approver_salt: B256,
) -> Result<Vec<B256>, Error> {
    let roots = undelegate(ex, sender, sender)?;
    delegate_to(
        ex,
        sender,
        new_operator,
        approver_signature,
        approver_expiry,
        approver_salt,
    )?;
    Ok(roots)
}
