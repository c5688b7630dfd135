//! Distribution: at each epoch boundary, every active submission's slice is split among operators
//! by slashable stake, the commission paid, and the rest credited to reward-per-share indices.
use super::*;

/// Runs at the start of every block, before its transactions: at the first block of epoch
/// `e + 1`, distributes epoch `e`.
pub fn begin_block(ex: &mut Exec<'_>) -> Result<(), Error> {
    let len = ex.state.params()?.rewards_epoch_blocks;
    if len == 0 || ex.block.number == 0 || !ex.block.number.is_multiple_of(len) {
        return Ok(());
    }
    let ended = u64::from(ex.block.number.checked_div(len).unwrap_or(0)).saturating_sub(1);
    distribute_epoch(ex, ended)
}

/// Distributes epoch `epoch` of every active submission.
pub fn distribute_epoch(ex: &mut Exec<'_>, epoch: u64) -> Result<(), Error> {
    for mut sub in ex.state.active_submissions()? {
        if epoch < sub.start_epoch {
            continue;
        }
        let end = sub
            .start_epoch
            .saturating_add(u64::from(sub.duration_epochs));
        if epoch >= end {
            ex.state.delete(&key(ACTIVE, &[&sub.id.to_be_bytes()]));
            continue;
        }
        let last = epoch.saturating_add(1) == end;
        let slice = if sub.operator_rewards.is_empty() {
            epoch_slice(sub.amount, sub.duration_epochs, sub.distributed, last)?
        } else {
            // The sum of the operators' own slices: rounding each one apart can leave the
            // last epoch with more than `amount − distributed` of a pooled slice.
            let mut total = U256::ZERO;
            for r in &sub.operator_rewards {
                total = math::add(total, directed_pool(r.amount, sub.duration_epochs, last)?)?;
            }
            total
        };
        let paid = distribute_slice(ex, &sub, epoch, slice)?;
        let dust = math::sub(slice, paid)?;
        add_to(ex, key(DUST, &[sub.token.as_slice()]), dust)?;
        sub.distributed = math::add(sub.distributed, slice)?;
        ex.state.put(key(SUB, &[&sub.id.to_be_bytes()]), &sub);
        if last {
            ex.state.delete(&key(ACTIVE, &[&sub.id.to_be_bytes()]));
        }
    }
    Ok(())
}

/// An operator-directed amount's slice for one epoch: `⌊amount / duration⌋`, and in the last
/// epoch the rest, `amount − ⌊amount / duration⌋ · (duration − 1)`.
fn directed_pool(amount: U256, duration: u32, last: bool) -> Result<U256, Error> {
    let per_epoch = amount
        .checked_div(U256::from(duration.max(1)))
        .ok_or(MathError::DivisionByZero)?;
    if !last {
        return Ok(per_epoch);
    }
    let done = per_epoch
        .checked_mul(U256::from(duration.saturating_sub(1)))
        .ok_or(MathError::Overflow)?;
    Ok(math::sub(amount, done)?)
}

/// `⌊amount / duration⌋`, and in the last epoch whatever is left.
fn epoch_slice(amount: U256, duration: u32, distributed: U256, last: bool) -> Result<U256, Error> {
    if last {
        return Ok(math::sub(amount, distributed)?);
    }
    Ok(amount
        .checked_div(U256::from(duration.max(1)))
        .ok_or(MathError::DivisionByZero)?)
}

/// Weight parts `multiplier · stake` of `op` per strategy of the submission.
fn weights<R: StateRead>(
    s: &R,
    sub: &Submission,
    op: &Address,
    block: u32,
) -> Result<Vec<U256>, Error> {
    let mut out = Vec::with_capacity(sub.strategies_and_multipliers.len());
    for sm in &sub.strategies_and_multipliers {
        let stake = allocation::minimum_slashable_stake(
            s,
            &sub.operator_set,
            op,
            &sm.strategy,
            block,
            block,
        )?;
        out.push(
            stake
                .checked_mul(sm.multiplier)
                .ok_or(MathError::Overflow)?,
        );
    }
    Ok(out)
}

/// Pays one epoch's slice; returns what reached operators and indices (the rest is dust).
fn distribute_slice(
    ex: &mut Exec<'_>,
    sub: &Submission,
    epoch: u64,
    slice: U256,
) -> Result<U256, Error> {
    let block = ex.block.number;
    let mut paid = U256::ZERO;
    if sub.operator_rewards.is_empty() {
        let members = ex.state.members(&sub.operator_set)?;
        let mut table = Vec::with_capacity(members.len());
        let mut total = U256::ZERO;
        for op in members {
            let parts = weights(&ex.state, sub, &op, block)?;
            let w = parts
                .iter()
                .try_fold(U256::ZERO, |a, p| a.checked_add(*p))
                .ok_or(MathError::Overflow)?;
            if !w.is_zero() {
                total = math::add(total, w)?;
                table.push((op, parts, w));
            }
        }
        if total.is_zero() {
            return Ok(U256::ZERO);
        }
        for (op, parts, w) in table {
            let pool = mul_div(slice, w, total, Rounding::Down)?;
            paid = math::add(paid, pay_operator(ex, sub, epoch, op, &parts, w, pool)?)?;
        }
    } else {
        for r in &sub.operator_rewards {
            let last = epoch.saturating_add(1)
                == sub
                    .start_epoch
                    .saturating_add(u64::from(sub.duration_epochs));
            let pool = directed_pool(r.amount, sub.duration_epochs, last)?;
            let parts = weights(&ex.state, sub, &r.operator, block)?;
            let w = parts
                .iter()
                .try_fold(U256::ZERO, |a, p| a.checked_add(*p))
                .ok_or(MathError::Overflow)?;
            if w.is_zero() {
                continue;
            }
            paid = math::add(
                paid,
                pay_operator(ex, sub, epoch, r.operator, &parts, w, pool)?,
            )?;
        }
    }
    Ok(paid)
}

/// The operator's commission, then its delegators' part per strategy into the indices. Returns
/// what was credited (commission plus the parts held for indices); the rest is dust.
#[allow(clippy::too_many_arguments)]
fn pay_operator(
    ex: &mut Exec<'_>,
    sub: &Submission,
    epoch: u64,
    op: Address,
    parts: &[U256],
    weight: U256,
    pool: U256,
) -> Result<U256, Error> {
    if pool.is_zero() {
        return Ok(U256::ZERO);
    }
    let bips = split_bips(&ex.state, &op, &sub.operator_set.avs, epoch)?;
    let commission = mul_div(
        pool,
        U256::from(bips),
        U256::from(MAX_SPLIT_BIPS),
        Rounding::Down,
    )?;
    add_to(ex, key(ACCRUED, &[&pair(&op, &sub.token)]), commission)?;
    // Both sides are rounded down, so neither gets the other's remainder; what is left of the
    // pool (under one unit) is dust.
    let for_stakers = mul_div(
        pool,
        U256::from(MAX_SPLIT_BIPS.saturating_sub(bips)),
        U256::from(MAX_SPLIT_BIPS),
        Rounding::Down,
    )?;
    let mut credited = commission;
    for (sm, part_w) in sub.strategies_and_multipliers.iter().zip(parts) {
        if part_w.is_zero() {
            continue;
        }
        let part = mul_div(for_stakers, *part_w, weight, Rounding::Down)?;
        let x_total = ex.state.scaled_total(&op, &sm.strategy)?;
        if part.is_zero() || x_total.is_zero() {
            continue;
        }
        let delta = mul_div(part, INDEX_PRECISION, x_total, Rounding::Down)?;
        if delta.is_zero() {
            continue;
        }
        let ik = key(
            INDEX,
            &[op.as_slice(), sm.strategy.as_slice(), sub.token.as_slice()],
        );
        let before: U256 = ex.state.get(&ik)?.unwrap_or(U256::ZERO);
        ex.state.put(ik, &math::add(before, delta)?);
        let tk = key(TOKENS, &[&pair(&op, &sm.strategy)]);
        let mut list: Vec<Address> = ex.state.get(&tk)?.unwrap_or_default();
        if !list.contains(&sub.token) {
            list.push(sub.token);
            ex.state.put(tk, &list);
        }
        // The whole part is held for the index's stakers; what their rounded-down accruals leave
        // stays there, counted, never paid.
        add_to(
            ex,
            key(
                UNSETTLED,
                &[op.as_slice(), sm.strategy.as_slice(), sub.token.as_slice()],
            ),
            part,
        )?;
        credited = math::add(credited, part)?;
    }
    Ok(credited)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_submission_pays_its_exact_amount_over_its_epochs() {
        let amount = U256::from(1_000u64);
        let mut done = U256::ZERO;
        for e in 0..7u32 {
            done += epoch_slice(amount, 7, done, e == 6).unwrap();
        }
        assert_eq!(done, amount);
        assert_eq!(
            epoch_slice(amount, 7, U256::ZERO, false).unwrap(),
            U256::from(142u64)
        );
    }
}
