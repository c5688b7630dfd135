//! Slashing an operator's allocations: the `slashOperator` action and the slash it shares with
//! equivocation proofs.
use super::*;

pub(super) fn check_wad(w: U256) -> Result<(), Error> {
    if w.is_zero() || w > WAD {
        return Err(AllocationError::InvalidWadToSlash(w).into());
    }
    Ok(())
}

/// What a slash did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlashOutcome {
    /// The set's new slash id.
    pub slash_id: u64,
    /// Shares slashed per strategy (operator plus queue).
    pub shares: Vec<U256>,
}

/// `slashOperator` action.
///
/// Rules (spec §6.7):
/// 1. Slashing is not paused; `strategies` and `wadsToSlash` have equal length; the set exists.
/// 2. The operator is slashable by the set; the sender is the set's slasher at this block.
/// 3. Strategies are strictly ascending, each in the set; each WAD is in `(0, 1e18]`.
/// 4. Per strategy with non-zero allocation: `slashed = ceil(current * wad)` leaves current,
///    max and encumbered magnitude; a pending deallocation shrinks by `ceil(|pending| * wad)`;
///    the max-magnitude history records the new max; operator shares and the slashable part of
///    the queue lose the same fraction; the shares go to the (set, slash id, strategy) bucket.
///    Allocations that are zero are skipped. Cost is independent of the number of delegators.
pub fn slash_operator(
    ex: &mut Exec<'_>,
    sender: Address,
    avs: Address,
    operator: Address,
    operator_set_id: u32,
    strategies: &[Address],
    wads_to_slash: &[U256],
    description: String,
) -> Result<SlashOutcome, Error> {
    pause::require_not_paused(
        &ex.state,
        PauseTarget::AllocationManager,
        PAUSED_OPERATOR_SLASHING,
    )?;
    if strategies.len() != wads_to_slash.len() {
        return Err(AllocationError::InputArrayLengthMismatch.into());
    }
    let set = OperatorSet::new(avs, operator_set_id);
    let info = require_set(ex, &set)?;
    if !ex
        .state
        .is_operator_slashable(&operator, &set, ex.block.number)?
    {
        return Err(AllocationError::OperatorNotSlashable { operator, set }.into());
    }
    if info.slasher.at(ex.block.number) != sender {
        return Err(AllocationError::InvalidCaller(sender).into());
    }
    slash(
        ex,
        set,
        info,
        operator,
        strategies,
        wads_to_slash,
        description,
    )
}

/// The slash itself, shared by `slashOperator` and equivocation proofs (caller checks done).
pub(crate) fn slash(
    ex: &mut Exec<'_>,
    set: OperatorSet,
    mut info: OperatorSetInfo,
    operator: Address,
    strategies: &[Address],
    wads_to_slash: &[U256],
    description: String,
) -> Result<SlashOutcome, Error> {
    info.slash_count = math::inc_u64(info.slash_count)?;
    let slash_id = info.slash_count;
    ex.state.put(set_key(&set), &info);
    let b = ex.block.number;
    let mut shares = Vec::with_capacity(strategies.len());
    let mut wads_slashed = Vec::with_capacity(strategies.len());
    let mut previous: Option<Address> = None;
    for (strategy, wad) in strategies.iter().zip(wads_to_slash) {
        if previous.is_some_and(|p| p >= *strategy) {
            return Err(AllocationError::StrategiesMustBeInAscendingOrder.into());
        }
        previous = Some(*strategy);
        check_wad(*wad)?;
        if !info.strategies.contains(strategy) {
            return Err(AllocationError::StrategyNotInOperatorSet(*strategy).into());
        }
        let (mut si, mut a) = ex.state.updated_allocation(&operator, &set, strategy, b)?;
        if a.current_magnitude == 0 {
            shares.push(U256::ZERO);
            wads_slashed.push(U256::ZERO);
            continue;
        }
        let current = U256::from(a.current_magnitude);
        let slashed = to_u64(mul_wad_up(current, *wad)?)?;
        let prev_max = si.max_magnitude;
        wads_slashed.push(div_wad(U256::from(slashed), U256::from(prev_max))?);
        a.current_magnitude = math::sub_u64(a.current_magnitude, slashed)?;
        si.max_magnitude = math::sub_u64(si.max_magnitude, slashed)?;
        si.encumbered_magnitude = math::sub_u64(si.encumbered_magnitude, slashed)?;
        if a.pending_diff < 0 {
            let pending = U256::from(a.pending_diff.unsigned_abs());
            let cut = to_u64(mul_wad_up(pending, *wad)?)?;
            a.pending_diff = a
                .pending_diff
                .checked_add(i128::from(cut))
                .ok_or(math::MathError::Overflow)?;
            ex.emit(Event::AllocationUpdated {
                operator,
                operator_set: set,
                strategy: *strategy,
                magnitude: add_i128(a.current_magnitude, a.pending_diff)?,
                effect_block: a.effect_block,
            });
        }
        write_allocation(ex, &operator, &set, strategy, si, a)?;
        ex.emit(Event::AllocationUpdated {
            operator,
            operator_set: set,
            strategy: *strategy,
            magnitude: a.current_magnitude,
            effect_block: b,
        });
        let hk = op_strategy_key(MAX_MAGNITUDE, &operator, strategy);
        let mut history = ex.state.max_magnitude_history(&operator, strategy)?;
        history
            .push(b, U256::from(si.max_magnitude))
            .map_err(|_| math::MathError::Overflow)?;
        ex.state.put(hk, &history);
        ex.emit(Event::MaxMagnitudeUpdated {
            operator,
            strategy: *strategy,
            max_magnitude: si.max_magnitude,
        });
        shares.push(delegation::slash_operator_shares(
            ex,
            operator,
            set,
            slash_id,
            *strategy,
            prev_max,
            si.max_magnitude,
        )?);
    }
    ex.emit(Event::OperatorSlashed {
        operator,
        operator_set: set,
        slash_id,
        strategies: strategies.to_vec(),
        wad_slashed: wads_slashed,
        description,
    });
    Ok(SlashOutcome { slash_id, shares })
}
