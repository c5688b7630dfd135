//! Typed reads of the allocation manager, and the slashable-stake and free-magnitude views built
//! on them.
use super::*;

/// Typed reads of the allocation manager.
pub trait AllocationRead: StateRead {
    /// The AVS's metadata URI, if it registered.
    fn avs_metadata(&self, avs: &Address) -> Result<Option<String>, StateError>
    where
        Self: Sized,
    {
        self.get(&key(AVS, &[avs.as_slice()]))
    }

    /// The set's configuration.
    fn operator_set(&self, set: &OperatorSet) -> Result<Option<OperatorSetInfo>, StateError>
    where
        Self: Sized,
    {
        self.get(&set_key(set))
    }

    /// The sets of an AVS.
    fn operator_sets_of(
        &self,
        avs: &Address,
    ) -> Result<Vec<(OperatorSet, OperatorSetInfo)>, StateError>
    where
        Self: Sized,
    {
        self.scan_prefix(&key(SET, &[avs.as_slice()]))?
            .into_iter()
            .map(|(k, v)| {
                Ok((
                    set_from_key(k.get(SET.len()..).unwrap_or_default()),
                    decode(&k, &v)?,
                ))
            })
            .collect()
    }

    /// Registered members of a set.
    fn members(&self, set: &OperatorSet) -> Result<Vec<Address>, StateError>
    where
        Self: Sized,
    {
        let prefix = key(MEMBER, &[set.key().as_slice()]);
        Ok(self
            .scan_prefix(&prefix)?
            .into_iter()
            .map(|(k, _)| crate::state::address_at(&k, prefix.len()))
            .collect())
    }

    /// True when the operator is on the set's allow-list.
    fn is_allowlisted(&self, set: &OperatorSet, op: &Address) -> Result<bool, StateError>
    where
        Self: Sized,
    {
        self.contains(&key(ALLOWLIST, &[set.key().as_slice(), op.as_slice()]))
    }

    /// Where the set's slashed funds go (`None`: burned).
    fn redistribution_recipient(&self, set: &OperatorSet) -> Result<Option<Address>, StateError>
    where
        Self: Sized,
    {
        Ok(self
            .operator_set(set)?
            .and_then(|i| i.redistribution_recipient))
    }

    /// The operator's membership record for the set.
    fn registration(
        &self,
        op: &Address,
        set: &OperatorSet,
    ) -> Result<RegistrationStatus, StateError>
    where
        Self: Sized,
    {
        Ok(self.get(&reg_key(op, set))?.unwrap_or_default())
    }

    /// Registered, or deregistered but still inside the slashable window, at `block`.
    fn is_operator_slashable(
        &self,
        op: &Address,
        set: &OperatorSet,
        block: u32,
    ) -> Result<bool, StateError>
    where
        Self: Sized,
    {
        let r = self.registration(op, set)?;
        Ok(r.registered || block <= r.slashable_until)
    }

    /// The operator's allocation delay record.
    fn allocation_delay_info(&self, op: &Address) -> Result<AllocationDelayInfo, StateError>
    where
        Self: Sized,
    {
        Ok(self.get(&key(DELAY, &[op.as_slice()]))?.unwrap_or_default())
    }

    /// The operator's current max magnitude in a strategy (`WAD` when never slashed).
    fn max_magnitude(&self, op: &Address, strategy: &Address) -> Result<u64, StateError>
    where
        Self: Sized,
    {
        let h: Snapshots = self
            .get(&op_strategy_key(MAX_MAGNITUDE, op, strategy))?
            .unwrap_or_default();
        to_u64(h.latest(WAD))
    }

    /// The operator's max magnitude in force at `block`.
    fn max_magnitude_at(
        &self,
        op: &Address,
        strategy: &Address,
        block: u32,
    ) -> Result<u64, StateError>
    where
        Self: Sized,
    {
        let h: Snapshots = self
            .get(&op_strategy_key(MAX_MAGNITUDE, op, strategy))?
            .unwrap_or_default();
        to_u64(h.upper_lookup(block, WAD))
    }

    /// The max-magnitude history.
    fn max_magnitude_history(
        &self,
        op: &Address,
        strategy: &Address,
    ) -> Result<Snapshots, StateError>
    where
        Self: Sized,
    {
        Ok(self
            .get(&op_strategy_key(MAX_MAGNITUDE, op, strategy))?
            .unwrap_or_default())
    }

    /// Stored encumbered magnitude (pending deallocations not yet applied).
    fn stored_encumbered(&self, op: &Address, strategy: &Address) -> Result<u64, StateError>
    where
        Self: Sized,
    {
        Ok(self
            .get(&op_strategy_key(ENCUMBERED, op, strategy))?
            .unwrap_or(0))
    }

    /// The allocation as stored (pending change not applied).
    fn stored_allocation(
        &self,
        op: &Address,
        set: &OperatorSet,
        strategy: &Address,
    ) -> Result<Allocation, StateError>
    where
        Self: Sized,
    {
        Ok(self.get(&alloc_key(op, set, strategy))?.unwrap_or_default())
    }

    /// The allocation at `block`, with a matured pending change applied, and the strategy's
    /// magnitudes as they would be after applying it (spec §6.2).
    fn updated_allocation(
        &self,
        op: &Address,
        set: &OperatorSet,
        strategy: &Address,
        block: u32,
    ) -> Result<(StrategyInfo, Allocation), Error>
    where
        Self: Sized,
    {
        let mut info = StrategyInfo {
            max_magnitude: self.max_magnitude(op, strategy)?,
            encumbered_magnitude: self.stored_encumbered(op, strategy)?,
        };
        let mut a = self.stored_allocation(op, set, strategy)?;
        if block < a.effect_block {
            return Ok((info, a));
        }
        a.current_magnitude = add_i128(a.current_magnitude, a.pending_diff)?;
        if a.pending_diff < 0 {
            info.encumbered_magnitude = add_i128(info.encumbered_magnitude, a.pending_diff)?;
        }
        a.pending_diff = 0;
        a.effect_block = 0;
        Ok((info, a))
    }

    /// The deallocation queue of (operator, strategy), oldest first.
    fn deallocation_queue(
        &self,
        op: &Address,
        strategy: &Address,
    ) -> Result<VecDeque<OperatorSet>, StateError>
    where
        Self: Sized,
    {
        Ok(self
            .get(&op_strategy_key(DEALLOC_QUEUE, op, strategy))?
            .unwrap_or_default())
    }

    /// Every stored allocation of the operator: `(set, strategy, allocation)`.
    fn allocations_of(
        &self,
        op: &Address,
    ) -> Result<Vec<(OperatorSet, Address, Allocation)>, StateError>
    where
        Self: Sized,
    {
        let prefix = key(ALLOCATION, &[op.as_slice()]);
        self.scan_prefix(&prefix)?
            .into_iter()
            .map(|(k, v)| {
                let rest = k.get(prefix.len()..).unwrap_or_default();
                let set = set_from_key(rest.get(..32).unwrap_or_default());
                let strategy = crate::state::address_at(rest, 32);
                Ok((set, strategy, decode(&k, &v)?))
            })
            .collect()
    }

    /// The slasher of the set at `block`.
    fn slasher_at(&self, set: &OperatorSet, block: u32) -> Result<Option<Address>, StateError>
    where
        Self: Sized,
    {
        Ok(self.operator_set(set)?.map(|i| i.slasher.at(block)))
    }
}
impl<T: StateRead + ?Sized> AllocationRead for T {}

/// Stake of `op` in `strategy` that the set can slash at `future_block` (spec §6.8
/// `getMinimumSlashableStake`): pending deallocations due by then are counted as gone,
/// pending allocations are not counted.
pub fn minimum_slashable_stake<R: StateRead>(
    s: &R,
    set: &OperatorSet,
    op: &Address,
    strategy: &Address,
    now: u32,
    future_block: u32,
) -> Result<U256, Error> {
    if !s.is_operator_slashable(op, set, now)? {
        return Ok(U256::ZERO);
    }
    allocated_stake(s, set, op, strategy, now, future_block)
}

/// `mulWad(operatorShares, divWad(current, max))` with deallocations due by `future_block` applied.
pub fn allocated_stake<R: StateRead>(
    s: &R,
    set: &OperatorSet,
    op: &Address,
    strategy: &Address,
    now: u32,
    future_block: u32,
) -> Result<U256, Error> {
    let (info, a) = s.updated_allocation(op, set, strategy, now)?;
    if info.max_magnitude == 0 {
        return Ok(U256::ZERO);
    }
    let mut current = a.current_magnitude;
    if a.pending_diff < 0 && a.effect_block <= future_block {
        current = add_i128(current, a.pending_diff)?;
    }
    let op_shares = s.operator_shares(op, strategy)?;
    let fraction = div_wad(U256::from(current), U256::from(info.max_magnitude))?;
    Ok(mul_wad(op_shares, fraction)?)
}

/// Unallocated magnitude at `block`, with matured deallocations applied (`max - encumbered`).
pub fn allocatable_magnitude<R: StateRead>(
    s: &R,
    op: &Address,
    strategy: &Address,
    block: u32,
) -> Result<u64, Error> {
    let max = s.max_magnitude(op, strategy)?;
    let mut enc = s.stored_encumbered(op, strategy)?;
    for set in s.deallocation_queue(op, strategy)? {
        let a = s.stored_allocation(op, &set, strategy)?;
        if block < a.effect_block {
            break;
        }
        if a.pending_diff < 0 {
            enc = add_i128(enc, a.pending_diff)?;
        }
    }
    Ok(math::sub_u64(max, enc)?)
}
