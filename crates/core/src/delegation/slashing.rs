//! How slashing reaches operators: an AVS slash takes from operator shares and the slashable
//! part of the queue, a beacon-chain balance decrease from the staker's operator.
use super::*;

/// A beacon-chain balance decrease lowered the staker's factor `l` by `decrease`: its operator
/// loses `calcWithdrawable(k, s, mulWad(m, Δl))` ETH shares (spec §4.3). Nothing when undelegated.
pub(crate) fn decrease_delegated_beacon_shares(
    ex: &mut Exec<'_>,
    staker: Address,
    deposit_shares: U256,
    decrease: u64,
) -> Result<(), Error> {
    let Some(op) = ex.state.delegated_to(&staker)? else {
        return Ok(());
    };
    let strategy = BEACON_CHAIN_ETH_STRATEGY;
    let m = ex.state.operator_slashing_factor(Some(&op), &strategy)?;
    let k = ex.state.deposit_scaling_factor(&staker, &strategy)?;
    let slashed = shares::calc_withdrawable(k, deposit_shares, mul_wad(m, U256::from(decrease))?)?;
    let current = ex.state.operator_shares(&op, &strategy)?;
    set_operator_shares(ex, &op, &strategy, math::sub(current, slashed)?);
    ex.emit(Event::OperatorSharesDecreased {
        operator: op,
        staker,
        strategy,
        shares: slashed,
    });
    rewards::sync_position(ex, staker, strategy)
}

/// Applies an operator slash to `op` and to the queue (spec §5.4). Returns the shares slashed.
/// O(1) in the number of delegators: one subtraction and one history lookup.
pub(crate) fn slash_operator_shares(
    ex: &mut Exec<'_>,
    op: Address,
    set: OperatorSet,
    slash_id: u64,
    strategy: Address,
    prev_max: u64,
    new_max: u64,
) -> Result<U256, Error> {
    let prev = U256::from(prev_max);
    let new = U256::from(new_max);
    let current = ex.state.operator_shares(&op, &strategy)?;
    let from_op = shares::calc_slashed_amount(current, prev, new)?;
    let from_queue = if prev_max == 0 {
        U256::ZERO
    } else {
        let d = ex.state.params()?.min_withdrawal_delay_blocks;
        let latest = ex
            .state
            .cumulative_scaled_shares_at(&op, &strategy, u32::MAX)?;
        // Scaled shares queued in [block - D, block]; before block D + 1 everything queued so far.
        let before = match ex
            .block
            .number
            .checked_sub(d)
            .and_then(|b| b.checked_sub(1))
        {
            Some(b) => ex.state.cumulative_scaled_shares_at(&op, &strategy, b)?,
            None => U256::ZERO,
        };
        let added = math::sub(latest, before)?;
        let in_queue = restake_primitives::math::mul_wad(added, prev)?;
        shares::calc_slashed_amount(in_queue, prev, new)?
    };
    set_operator_shares(ex, &op, &strategy, math::sub(current, from_op)?);
    ex.emit(Event::OperatorSharesDecreased {
        operator: op,
        staker: Address::ZERO,
        strategy,
        shares: from_op,
    });
    let total = math::add(from_op, from_queue)?;
    ex.emit(Event::OperatorSharesSlashed {
        operator: op,
        strategy,
        total_slashed_shares: total,
    });
    share_manager::increase_burn_or_redistributable_shares(ex, set, slash_id, strategy, total)?;
    Ok(total)
}
