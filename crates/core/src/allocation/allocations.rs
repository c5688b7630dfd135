//! Allocation delays, allocations of magnitude to operator sets, and the deallocation queue.
use super::*;

/// An operator's allocation delay and its pending change.
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
pub struct AllocationDelayInfo {
    /// Delay in force.
    pub delay: u32,
    /// Whether a delay was ever set.
    pub is_set: bool,
    /// Delay taking effect at `effect_block`.
    pub pending_delay: u32,
    /// Block from which `pending_delay` applies (0: none).
    pub effect_block: u32,
}

impl AllocationDelayInfo {
    /// `(is_set, delay)` in force at `block`.
    pub fn at(&self, block: u32) -> (bool, u32) {
        if self.effect_block != 0 && block >= self.effect_block {
            (true, self.pending_delay)
        } else {
            (self.is_set, self.delay)
        }
    }
}

/// Magnitude allocated by an operator to a set in a strategy.
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
pub struct Allocation {
    /// Magnitude in force (slashable while the operator is slashable by the set).
    pub current_magnitude: u64,
    /// Change waiting for `effect_block`.
    pub pending_diff: i128,
    /// Block at which the pending change applies (0: none).
    pub effect_block: u32,
}

/// An operator's magnitudes in one strategy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StrategyInfo {
    /// Max magnitude (100% of the operator's delegated stake).
    pub max_magnitude: u64,
    /// Allocated or pending-allocation magnitude.
    pub encumbered_magnitude: u64,
}

/// One element of `modifyAllocations`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AllocateParams {
    /// The set's AVS.
    pub avs: Address,
    /// The set's id.
    pub operator_set_id: u32,
    /// Strategies.
    pub strategies: Vec<Address>,
    /// New magnitude per strategy (decimal strings, at most `1e18`).
    #[serde(with = "restake_primitives::decimal::u64_vec")]
    pub new_magnitudes: Vec<u64>,
}

/// Sets a new operator's allocation delay with immediate effect (called at registration).
pub(crate) fn set_allocation_delay_at_registration(
    ex: &mut Exec<'_>,
    op: Address,
    delay: u32,
) -> Result<(), Error> {
    write_allocation_delay(ex, op, delay, ex.block.number)
}

fn write_allocation_delay(
    ex: &mut Exec<'_>,
    op: Address,
    delay: u32,
    effect_block: u32,
) -> Result<(), Error> {
    let mut info = ex.state.allocation_delay_info(&op)?;
    if info.effect_block != 0 && ex.block.number >= info.effect_block {
        info.delay = info.pending_delay;
        info.is_set = true;
    }
    info.pending_delay = delay;
    info.effect_block = effect_block;
    ex.state.put(key(DELAY, &[op.as_slice()]), &info);
    ex.emit(Event::AllocationDelaySet {
        operator: op,
        delay,
        effect_block,
    });
    Ok(())
}

/// `setAllocationDelay` action.
///
/// Rules (spec §6.5):
/// 1. The sender may act for `operator`; `operator` is registered.
/// 2. A matured pending delay is applied first; the new delay takes effect at
///    `block + ALLOCATION_CONFIGURATION_DELAY + 1`.
pub fn set_allocation_delay(
    ex: &mut Exec<'_>,
    sender: Address,
    operator: Address,
    delay: u32,
) -> Result<(), Error> {
    permissions::check_can_call(&ex.state, &operator, &sender, "setAllocationDelay")?;
    if !ex.state.is_operator(&operator)? {
        return Err(AllocationError::InvalidOperator(operator).into());
    }
    let cfg = ex.state.params()?.allocation_configuration_delay;
    let effect = math::add_block(math::add_block(ex.block.number, cfg)?, 1)?;
    write_allocation_delay(ex, operator, delay, effect)
}

pub(super) fn write_allocation(
    ex: &mut Exec<'_>,
    op: &Address,
    set: &OperatorSet,
    strategy: &Address,
    info: StrategyInfo,
    a: Allocation,
) -> Result<(), Error> {
    let enc_key = op_strategy_key(ENCUMBERED, op, strategy);
    if ex.state.stored_encumbered(op, strategy)? != info.encumbered_magnitude {
        if info.encumbered_magnitude == 0 {
            ex.state.delete(&enc_key)
        } else {
            ex.state.put(enc_key, &info.encumbered_magnitude)
        }
        ex.emit(Event::EncumberedMagnitudeUpdated {
            operator: *op,
            strategy: *strategy,
            encumbered_magnitude: info.encumbered_magnitude,
        });
    }
    let k = alloc_key(op, set, strategy);
    if a == Allocation::default() {
        ex.state.delete(&k)
    } else {
        ex.state.put(k, &a)
    }
    Ok(())
}

fn clear_queue(ex: &mut Exec<'_>, op: Address, strategy: Address, max: u16) -> Result<(), Error> {
    let mut queue = ex.state.deallocation_queue(&op, &strategy)?;
    let mut cleared = 0u16;
    let mut changed = false;
    while cleared < max {
        let Some(set) = queue.front().copied() else {
            break;
        };
        let (info, a) = ex
            .state
            .updated_allocation(&op, &set, &strategy, ex.block.number)?;
        if ex.block.number < a.effect_block {
            break;
        }
        write_allocation(ex, &op, &set, &strategy, info, a)?;
        queue.pop_front();
        cleared = cleared.saturating_add(1);
        changed = true;
    }
    if changed {
        let k = op_strategy_key(DEALLOC_QUEUE, &op, &strategy);
        if queue.is_empty() {
            ex.state.delete(&k)
        } else {
            ex.state.put(k, &queue)
        }
    }
    Ok(())
}

/// `modifyAllocations` action.
///
/// Rules (spec §6.6):
/// 1. Not paused; the sender may act for `operator`; the operator has an allocation delay.
/// 2. Per element: equal-length arrays, the set exists, strategies are known pools listed once,
///    magnitudes at most `1e18`.
/// 3. Per strategy: matured deallocations are cleared first; no change may be pending
///    (`ModificationAlreadyPending`); the new magnitude must differ from the current one.
/// 4. Deallocation of slashable magnitude (set holds the strategy, operator slashable, current
///    non-zero) is queued to take effect at `block + DEALLOCATION_DELAY + 1`; otherwise it is
///    immediate.
/// 5. Allocation encumbers the magnitude now (`encumbered <= max`, else `InsufficientMagnitude`)
///    and takes effect at `block + allocationDelay`.
pub fn modify_allocations(
    ex: &mut Exec<'_>,
    sender: Address,
    operator: Address,
    params: &[AllocateParams],
) -> Result<(), Error> {
    pause::require_not_paused(
        &ex.state,
        PauseTarget::AllocationManager,
        PAUSED_MODIFY_ALLOCATIONS,
    )?;
    permissions::check_can_call(&ex.state, &operator, &sender, "modifyAllocations")?;
    let b = ex.block.number;
    let (is_set, delay) = ex.state.allocation_delay_info(&operator)?.at(b);
    if !is_set {
        return Err(AllocationError::UninitializedAllocationDelay(operator).into());
    }
    let dealloc_delay = ex.state.params()?.deallocation_delay;
    for p in params {
        if p.strategies.len() != p.new_magnitudes.len() {
            return Err(AllocationError::InputArrayLengthMismatch.into());
        }
        let set = OperatorSet::new(p.avs, p.operator_set_id);
        let set_info = require_set(ex, &set)?;
        let op_slashable = ex.state.is_operator_slashable(&operator, &set, b)?;
        let mut seen = BTreeSet::new();
        for (strategy, new_mag) in p.strategies.iter().zip(&p.new_magnitudes) {
            if !seen.insert(*strategy) {
                return Err(AllocationError::DuplicateStrategy(*strategy).into());
            }
            require_known_strategy(ex, strategy)?;
            if *new_mag > WAD_U64 {
                return Err(AllocationError::MagnitudeExceedsWad(*new_mag).into());
            }
            clear_queue(ex, operator, *strategy, u16::MAX)?;
            let (mut info, mut a) = ex.state.updated_allocation(&operator, &set, strategy, b)?;
            if a.effect_block != 0 {
                return Err(AllocationError::ModificationAlreadyPending(*strategy).into());
            }
            let slashable =
                set_info.strategies.contains(strategy) && op_slashable && a.current_magnitude != 0;
            let diff = i128::from(*new_mag)
                .checked_sub(i128::from(a.current_magnitude))
                .ok_or(math::MathError::Underflow)?;
            if diff == 0 {
                return Err(AllocationError::SameMagnitude(*strategy).into());
            }
            a.pending_diff = diff;
            if diff < 0 {
                if slashable {
                    let k = op_strategy_key(DEALLOC_QUEUE, &operator, strategy);
                    let mut queue = ex.state.deallocation_queue(&operator, strategy)?;
                    queue.push_back(set);
                    ex.state.put(k, &queue);
                    a.effect_block = math::add_block(math::add_block(b, dealloc_delay)?, 1)?;
                } else {
                    info.encumbered_magnitude = add_i128(info.encumbered_magnitude, diff)?;
                    a.current_magnitude = *new_mag;
                    a.pending_diff = 0;
                    a.effect_block = b;
                }
            } else {
                info.encumbered_magnitude = add_i128(info.encumbered_magnitude, diff)?;
                if info.encumbered_magnitude > info.max_magnitude {
                    return Err(AllocationError::InsufficientMagnitude {
                        strategy: *strategy,
                        encumbered: info.encumbered_magnitude,
                        max: info.max_magnitude,
                    }
                    .into());
                }
                a.effect_block = math::add_block(b, delay)?;
            }
            write_allocation(ex, &operator, &set, strategy, info, a)?;
            ex.emit(Event::AllocationUpdated {
                operator,
                operator_set: set,
                strategy: *strategy,
                magnitude: add_i128(a.current_magnitude, a.pending_diff)?,
                effect_block: a.effect_block,
            });
        }
    }
    Ok(())
}

/// `clearDeallocationQueue` action.
///
/// Rules (spec §6.6):
/// 1. Anyone may call it; `strategies` and `numToClear` have equal length.
/// 2. Per strategy, up to `numToClear` matured deallocations are applied from the front of the
///    queue, stopping at the first one that has not matured.
pub fn clear_deallocation_queue(
    ex: &mut Exec<'_>,
    operator: Address,
    strategies: &[Address],
    num_to_clear: &[u16],
) -> Result<(), Error> {
    if strategies.len() != num_to_clear.len() {
        return Err(AllocationError::InputArrayLengthMismatch.into());
    }
    for (s, n) in strategies.iter().zip(num_to_clear) {
        clear_queue(ex, operator, *s, *n)?;
    }
    Ok(())
}
