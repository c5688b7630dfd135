//! Totals for an overview without paging whole lists: how many operators, AVSs, operator sets,
//! stakers, slashes and withdrawals there are, and the shares delegated per strategy.
//!
//! Counts are the lengths of the index's tables (redb keeps each table's length); the delegated
//! shares per strategy are summed from the operator-share events (increased, and decreased,
//! which a slash emits too for the operator's part), exact to the wei.

use super::keys::{self, DELEGATED_SHARES, STAKERS};
use super::{IndexError, db};
use alloy_primitives::{Address, U256};
use redb::{ReadableDatabase, ReadableTable, ReadableTableMetadata, Table};
use restake_core::event::Event;

/// The totals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Totals {
    /// Registered operators.
    pub operators: u64,
    /// Stakers delegated to an operator now (operators included: each is delegated to itself).
    pub delegated_stakers: u64,
    /// Addresses that have deposited into a strategy.
    pub stakers: u64,
    /// AVSs (from their first metadata update or operator set).
    pub avss: u64,
    /// Operator sets.
    pub operator_sets: u64,
    /// Slashes.
    pub slashes: u64,
    /// Withdrawals ever queued.
    pub withdrawals_queued: u64,
    /// Withdrawals queued and not completed.
    pub withdrawals_pending: u64,
    /// Shares delegated to operators, per strategy (in address order).
    pub delegated_shares: Vec<(Address, U256)>,
}

/// The tables the totals need written, open in a block's transaction.
pub(super) struct Writer<'t> {
    pub(super) stakers: Table<'t, &'static [u8], &'static [u8]>,
    pub(super) delegated: Table<'t, &'static [u8], &'static [u8]>,
}

impl Writer<'_> {
    /// Records what `event` changes.
    pub(super) fn apply(&mut self, event: &Event) -> Result<(), IndexError> {
        match event {
            Event::Deposit { staker, .. } => {
                self.stakers
                    .insert(staker.as_slice(), [].as_slice())
                    .map_err(db)?;
                Ok(())
            }
            Event::OperatorSharesIncreased {
                strategy, shares, ..
            } => self.delegate(strategy, *shares, true),
            Event::OperatorSharesDecreased {
                strategy, shares, ..
            } => self.delegate(strategy, *shares, false),
            _ => Ok(()),
        }
    }

    fn delegate(&mut self, strategy: &Address, shares: U256, up: bool) -> Result<(), IndexError> {
        let now = match self.delegated.get(strategy.as_slice()).map_err(db)? {
            None => U256::ZERO,
            Some(v) => U256::try_from_be_slice(v.value())
                .ok_or_else(|| IndexError::Corrupt("delegated shares".into()))?,
        };
        let next = if up {
            now.checked_add(shares)
        } else {
            now.checked_sub(shares)
        }
        .ok_or_else(|| IndexError::Corrupt(format!("delegated shares of {strategy} left range")))?;
        self.delegated
            .insert(strategy.as_slice(), next.to_be_bytes::<32>().as_slice())
            .map_err(db)?;
        Ok(())
    }
}

impl super::Index {
    /// The totals now.
    pub fn totals(&self) -> Result<Totals, IndexError> {
        let txn = self.db.begin_read().map_err(db)?;
        let len = |n: Result<u64, redb::StorageError>| n.map_err(db);
        let queued = len(txn.open_table(keys::WITHDRAWAL_QUEUE).map_err(db)?.len())?;
        let done = len(txn.open_table(keys::WITHDRAWALS_DONE).map_err(db)?.len())?;
        let mut delegated_shares = Vec::new();
        for entry in txn
            .open_table(DELEGATED_SHARES)
            .map_err(db)?
            .iter()
            .map_err(db)?
        {
            let (k, v) = entry.map_err(db)?;
            let strategy = Address::try_from(k.value())
                .map_err(|_| IndexError::Corrupt("delegated shares key".into()))?;
            let shares = U256::try_from_be_slice(v.value())
                .ok_or_else(|| IndexError::Corrupt("delegated shares".into()))?;
            delegated_shares.push((strategy, shares));
        }
        Ok(Totals {
            operators: len(txn.open_table(keys::OPERATORS).map_err(db)?.len())?,
            delegated_stakers: len(txn.open_table(keys::DELEGATORS).map_err(db)?.len())?,
            stakers: len(txn.open_table(STAKERS).map_err(db)?.len())?,
            avss: len(txn.open_table(keys::AVSS).map_err(db)?.len())?,
            operator_sets: len(txn.open_table(keys::OPERATOR_SETS).map_err(db)?.len())?,
            slashes: len(txn.open_table(keys::SLASHES).map_err(db)?.len())?,
            withdrawals_queued: queued,
            withdrawals_pending: queued.saturating_sub(done),
            delegated_shares,
        })
    }
}
