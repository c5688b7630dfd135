//! Operators and their stakers, from registration and delegation events: lists the state does not
//! keep (it maps a staker to its operator, never an operator to its stakers).
//!
//! `OPERATORS`: operator → (registered at height, stakers now), 16 bytes. `DELEGATORS`:
//! operator ‖ staker → the height it delegated at. A page's cursor is the last address it gave.

use super::keys::{self, DELEGATORS, OPERATORS};
use super::{IndexError, MAX_LIMIT, Page, db};
use alloy_primitives::Address;
use redb::{ReadableDatabase, ReadableTable, Table};
use restake_core::event::Event;
use std::ops::Bound;

/// A registered operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperatorEntry {
    /// The operator.
    pub operator: Address,
    /// The height it registered at.
    pub registered_at: u64,
    /// Stakers delegated to it now.
    pub stakers: u64,
}

/// A staker delegated to an operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StakerEntry {
    /// The staker.
    pub staker: Address,
    /// The height it delegated at.
    pub delegated_at: u64,
}

/// The two tables, open for writing in a block's transaction.
pub(super) struct Writer<'t> {
    pub(super) operators: Table<'t, &'static [u8], &'static [u8]>,
    pub(super) delegators: Table<'t, &'static [u8], u64>,
}

impl Writer<'_> {
    /// Records what `event` changes, at `height`.
    pub(super) fn apply(&mut self, height: u64, event: &Event) -> Result<(), IndexError> {
        match event {
            Event::OperatorRegistered { operator, .. } => {
                self.set(operator, height, self.get(operator)?.map_or(0, |(_, n)| n))
            }
            Event::StakerDelegated { staker, operator } => {
                let key = keys::under(operator, staker.as_slice());
                let new = self
                    .delegators
                    .insert(key.as_slice(), height)
                    .map_err(db)?
                    .is_none();
                if new {
                    let (at, n) = self.get(operator)?.unwrap_or((height, 0));
                    self.set(operator, at, n.saturating_add(1))?;
                }
                Ok(())
            }
            Event::StakerUndelegated { staker, operator }
            | Event::StakerForceUndelegated { staker, operator } => {
                let key = keys::under(operator, staker.as_slice());
                let was = self
                    .delegators
                    .remove(key.as_slice())
                    .map_err(db)?
                    .is_some();
                if was && let Some((at, n)) = self.get(operator)? {
                    self.set(operator, at, n.saturating_sub(1))?;
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// The stakers delegated to `operator` now.
    pub(super) fn delegators(&self, operator: &Address) -> Result<Vec<Address>, IndexError> {
        let lower = keys::under(operator, &[0u8; 20]);
        let upper = keys::under(operator, &[0xffu8; 20]);
        let mut out = Vec::new();
        for entry in self
            .delegators
            .range::<&[u8]>(lower.as_slice()..=upper.as_slice())
            .map_err(db)?
        {
            let (k, _) = entry.map_err(db)?;
            let staker = k
                .value()
                .get(20..40)
                .map(Address::from_slice)
                .ok_or_else(|| IndexError::Corrupt("delegator key".into()))?;
            out.push(staker);
        }
        Ok(out)
    }

    fn get(&self, operator: &Address) -> Result<Option<(u64, u64)>, IndexError> {
        match self.operators.get(operator.as_slice()).map_err(db)? {
            None => Ok(None),
            Some(v) => read_pair(v.value()).map(Some),
        }
    }

    fn set(&mut self, operator: &Address, at: u64, stakers: u64) -> Result<(), IndexError> {
        let value = [at.to_be_bytes(), stakers.to_be_bytes()].concat();
        self.operators
            .insert(operator.as_slice(), value.as_slice())
            .map_err(db)?;
        Ok(())
    }
}

/// Reads two big-endian `u64`s (an operator's or an AVS's entry).
pub(super) fn read_pair(v: &[u8]) -> Result<(u64, u64), IndexError> {
    let at = v
        .get(..8)
        .and_then(|b| b.try_into().ok())
        .map(u64::from_be_bytes);
    let n = v
        .get(8..16)
        .and_then(|b| b.try_into().ok())
        .map(u64::from_be_bytes);
    at.zip(n)
        .ok_or_else(|| IndexError::Corrupt("index entry".into()))
}

pub(super) fn read_address_cursor(c: Option<&str>) -> Result<Option<Address>, IndexError> {
    c.map(|c| c.parse::<Address>().map_err(|_| IndexError::BadCursor))
        .transpose()
}

impl super::Index {
    /// Registered operators in address order, with their stakers count.
    pub fn operators(
        &self,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<OperatorEntry>, IndexError> {
        let page = self.pairs_by_address(OPERATORS, cursor, limit)?;
        Ok(Page {
            items: page
                .items
                .into_iter()
                .map(|(operator, registered_at, stakers)| OperatorEntry {
                    operator,
                    registered_at,
                    stakers,
                })
                .collect(),
            next: page.next,
        })
    }

    /// A page of a table from an address to two numbers (operators, AVSs), in address order;
    /// the cursor is the last address given.
    pub(super) fn pairs_by_address(
        &self,
        table: redb::TableDefinition<&[u8], &[u8]>,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<(Address, u64, u64)>, IndexError> {
        let limit = limit.clamp(1, MAX_LIMIT);
        let after = read_address_cursor(cursor)?;
        let txn = self.db.begin_read().map_err(db)?;
        let table = txn.open_table(table).map_err(db)?;
        let lower = after.map_or(Bound::Unbounded, |a| Bound::Excluded(a.to_vec()));
        let mut items = Vec::new();
        let mut more = false;
        for entry in table
            .range::<&[u8]>((super::bound_ref(&lower), Bound::Unbounded))
            .map_err(db)?
        {
            let (k, v) = entry.map_err(db)?;
            if items.len() >= limit {
                more = true;
                break;
            }
            let address = Address::try_from(k.value())
                .map_err(|_| IndexError::Corrupt("address key".into()))?;
            let (a, b) = read_pair(v.value())?;
            items.push((address, a, b));
        }
        let next = more
            .then(|| items.last().map(|(a, ..)| format!("{a:#x}")))
            .flatten();
        Ok(Page { items, next })
    }

    /// The stakers delegated to `operator` now, in address order.
    pub fn operator_stakers(
        &self,
        operator: &Address,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<StakerEntry>, IndexError> {
        let limit = limit.clamp(1, MAX_LIMIT);
        let after = read_address_cursor(cursor)?;
        let txn = self.db.begin_read().map_err(db)?;
        let table = txn.open_table(DELEGATORS).map_err(db)?;
        let lower = match after {
            Some(s) => Bound::Excluded(keys::under(operator, s.as_slice())),
            None => Bound::Included(keys::under(operator, &[])),
        };
        let upper = Bound::Included(keys::under(operator, &[0xff; 20]));
        let mut items = Vec::new();
        let mut more = false;
        for entry in table
            .range::<&[u8]>((super::bound_ref(&lower), super::bound_ref(&upper)))
            .map_err(db)?
        {
            let (k, v) = entry.map_err(db)?;
            if items.len() >= limit {
                more = true;
                break;
            }
            let staker = k
                .value()
                .get(20..40)
                .and_then(|s| Address::try_from(s).ok())
                .ok_or_else(|| IndexError::Corrupt("delegator key".into()))?;
            items.push(StakerEntry {
                staker,
                delegated_at: v.value(),
            });
        }
        let next = more
            .then(|| items.last().map(|s| format!("{:#x}", s.staker)))
            .flatten();
        Ok(Page { items, next })
    }
}
