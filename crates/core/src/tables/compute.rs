//! Computing and committing tables; `setOperatorTableCalculator`, `updateOperatorTable`.

use super::{
    CALCULATOR, LATEST, TableCalculator, TablesError, TablesRead, Weighting, at_key, entry_key,
    set_key,
};
use crate::allocation::{AllocationRead, minimum_slashable_stake};
use crate::config::ConfigRead;
use crate::delegation::DelegationRead;
use crate::error::Error;
use crate::event::Event;
use crate::exec::Exec;
use crate::keys::{KeyScheme, KeysRead};
use crate::permissions;
use crate::rewards::StrategyAndMultiplier;
use crate::state::{StateRead, StateWrite};
use alloy_primitives::{Address, U256};
use restake_certificate::{OperatorTable, TableEntry};
use restake_primitives::OperatorSet;
use restake_primitives::math::{self, MathError};
use std::collections::BTreeSet;

/// `setOperatorTableCalculator` action.
///
/// Rules:
/// 1. The sender may act for the AVS (`setOperatorTableCalculator`); the set exists.
/// 2. Every multiplier names a strategy of the set, once, and is at least 1.
/// 3. The calculator applies to tables committed from now on; `operatorCap` zero means no cap.
pub fn set_operator_table_calculator(
    ex: &mut Exec<'_>,
    sender: Address,
    set: OperatorSet,
    weighting: Weighting,
    multipliers: &[StrategyAndMultiplier],
    operator_cap: U256,
) -> Result<(), Error> {
    permissions::check_can_call(&ex.state, &set.avs, &sender, "setOperatorTableCalculator")?;
    let info = ex
        .state
        .operator_set(&set)?
        .ok_or(TablesError::UnknownOperatorSet(set))?;
    let mut seen = BTreeSet::new();
    for m in multipliers {
        if !info.strategies.contains(&m.strategy) {
            return Err(TablesError::StrategyNotInSet(m.strategy).into());
        }
        if !seen.insert(m.strategy) {
            return Err(TablesError::DuplicateMultiplier(m.strategy).into());
        }
        if m.multiplier.is_zero() {
            return Err(TablesError::ZeroMultiplier(m.strategy).into());
        }
    }
    let calculator = TableCalculator {
        weighting,
        multipliers: multipliers
            .iter()
            .map(|m| (m.strategy, m.multiplier))
            .collect(),
        operator_cap,
    };
    ex.state.put(set_key(CALCULATOR, &set), &calculator);
    ex.emit(Event::OperatorTableCalculatorSet {
        operator_set: set,
        weighting,
        operator_cap,
    });
    Ok(())
}

/// The entries of `set`'s table as of block `now`, with its scheme and strategies.
pub fn compute_entries<R: StateRead>(
    s: &R,
    set: &OperatorSet,
    now: u32,
) -> Result<(KeyScheme, Vec<Address>, Vec<TableEntry>), Error> {
    let info = s
        .operator_set(set)?
        .ok_or(TablesError::UnknownOperatorSet(*set))?;
    let scheme = s.key_scheme(set)?.ok_or(TablesError::NoKeyScheme(*set))?;
    let calculator = s.table_calculator(set)?;
    // Stake that a deallocation will have removed within the lookahead does not count.
    let lookahead = s.params()?.deallocation_delay / 2;
    let until = math::add_block(now, lookahead)?;
    let members: BTreeSet<Address> = s.members(set)?.into_iter().collect();
    let mut entries = Vec::new();
    for (operator, key) in s.operator_keys(set)? {
        if !members.contains(&operator) {
            continue;
        }
        let mut stakes = Vec::with_capacity(info.strategies.len());
        let mut weight = U256::ZERO;
        for strategy in &info.strategies {
            let stake = match calculator.weighting {
                Weighting::Slashable => {
                    minimum_slashable_stake(s, set, &operator, strategy, now, until)?
                }
                Weighting::Delegated => s.operator_shares(&operator, strategy)?,
            };
            let weighted = stake
                .checked_mul(calculator.multiplier(strategy))
                .ok_or(MathError::Overflow)?;
            weight = math::add(weight, weighted)?;
            stakes.push(stake);
        }
        if !calculator.operator_cap.is_zero() {
            weight = weight.min(calculator.operator_cap);
        }
        if weight.is_zero() {
            continue;
        }
        entries.push(TableEntry {
            operator,
            key_data: key.key_data,
            weight,
            stakes,
        });
    }
    Ok((scheme, info.strategies, entries))
}

/// Computes `set`'s table as of this block and commits it: the header and the entries under the
/// reference height, and the header as the latest.
pub fn commit_table(ex: &mut Exec<'_>, set: OperatorSet) -> Result<OperatorTable, Error> {
    let now = ex.block.number;
    let (scheme, strategies, entries) = compute_entries(&ex.state, &set, now)?;
    let (table, _) = OperatorTable::build(set, u64::from(now), scheme, strategies, &entries)
        .map_err(TablesError::Table)?;
    let height = u64::from(now);
    // A table committed earlier in this block is replaced, entries and all.
    let previous = ex
        .state
        .operator_table_of_height(&set, height)?
        .map_or(0, |t| t.operator_count);
    for (i, e) in (0u32..).zip(&entries) {
        ex.state.put(entry_key(&set, height, i), e);
    }
    for i in table.operator_count..previous {
        ex.state.delete(&entry_key(&set, height, i));
    }
    ex.state.put(set_key(LATEST, &set), &table);
    ex.state.put(at_key(&set, u64::from(now)), &table);
    ex.emit(Event::OperatorTableUpdated {
        operator_set: set,
        reference_height: table.reference_height,
        root: table.root,
        operator_count: table.operator_count,
        total_weight: table.total_weight,
    });
    Ok(table)
}

/// `updateOperatorTable` action.
///
/// Rules:
/// 1. Anyone may send it; the set exists and has a key scheme.
/// 2. The set's table is computed from this block's state (members with a key and a non-zero
///    weight, by ascending address) and committed with this block as its reference height,
///    replacing one committed earlier in the same block.
pub fn update_operator_table(ex: &mut Exec<'_>, set: OperatorSet) -> Result<(), Error> {
    commit_table(ex, set).map(|_| ())
}
