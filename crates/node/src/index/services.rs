//! AVSs and their operator sets, from their events: the state keeps each set, but no list of the
//! AVSs there are.
//!
//! `AVSS`: AVS → (first seen at height, operator sets created), 16 bytes (its newest metadata
//! URI in `AVS_METADATA`); an AVS is seen when it
//! first sets its metadata or creates a set. `OPERATOR_SETS`: AVS ‖ set id → the height it was
//! created at. A page's cursor is the last AVS (or set id) it gave.

use super::keys::{self, AVS_METADATA, AVSS, OPERATOR_SETS};
use super::{IndexError, MAX_LIMIT, Page, db};
use alloy_primitives::Address;
use redb::{ReadableDatabase, ReadableTable, Table};
use restake_core::event::Event;
use std::ops::Bound;

/// An AVS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AvsEntry {
    /// The AVS.
    pub avs: Address,
    /// The height it was first seen at.
    pub first_seen_at: u64,
    /// The newest metadata URI it set, if any.
    pub metadata_uri: Option<String>,
    /// Operator sets it has created.
    pub operator_sets: u64,
}

/// An operator set of an AVS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperatorSetEntry {
    /// The set's id.
    pub id: u32,
    /// The height it was created at.
    pub created_at: u64,
}

/// The two tables, open for writing in a block's transaction.
pub(super) struct Writer<'t> {
    pub(super) avss: Table<'t, &'static [u8], &'static [u8]>,
    pub(super) sets: Table<'t, &'static [u8], u64>,
    pub(super) metadata: Table<'t, &'static [u8], &'static str>,
}

impl Writer<'_> {
    /// Records what `event` changes, at `height`.
    pub(super) fn apply(&mut self, height: u64, event: &Event) -> Result<(), IndexError> {
        match event {
            Event::AvsMetadataUriUpdated { avs, metadata_uri } => {
                if self.get(avs)?.is_none() {
                    self.set(avs, height, 0)?;
                }
                self.metadata
                    .insert(avs.as_slice(), metadata_uri.as_str())
                    .map_err(db)?;
                Ok(())
            }
            Event::OperatorSetCreated { operator_set } => {
                let avs = operator_set.avs;
                let key = keys::under(&avs, &operator_set.id.to_be_bytes());
                let new = self
                    .sets
                    .insert(key.as_slice(), height)
                    .map_err(db)?
                    .is_none();
                let (seen, n) = self.get(&avs)?.unwrap_or((height, 0));
                self.set(&avs, seen, if new { n.saturating_add(1) } else { n })
            }
            _ => Ok(()),
        }
    }

    fn get(&self, avs: &Address) -> Result<Option<(u64, u64)>, IndexError> {
        match self.avss.get(avs.as_slice()).map_err(db)? {
            None => Ok(None),
            Some(v) => super::delegation::read_pair(v.value()).map(Some),
        }
    }

    fn set(&mut self, avs: &Address, seen: u64, sets: u64) -> Result<(), IndexError> {
        let value = [seen.to_be_bytes(), sets.to_be_bytes()].concat();
        self.avss
            .insert(avs.as_slice(), value.as_slice())
            .map_err(db)?;
        Ok(())
    }
}

impl super::Index {
    /// AVSs in address order, with how many operator sets each created.
    pub fn avss(&self, cursor: Option<&str>, limit: usize) -> Result<Page<AvsEntry>, IndexError> {
        let page = self.pairs_by_address(AVSS, cursor, limit)?;
        let txn = self.db.begin_read().map_err(db)?;
        let metadata = txn.open_table(AVS_METADATA).map_err(db)?;
        let mut items = Vec::with_capacity(page.items.len());
        for (avs, first_seen_at, operator_sets) in page.items {
            let metadata_uri = metadata
                .get(avs.as_slice())
                .map_err(db)?
                .map(|v| v.value().to_string());
            items.push(AvsEntry {
                avs,
                first_seen_at,
                metadata_uri,
                operator_sets,
            });
        }
        Ok(Page {
            items,
            next: page.next,
        })
    }

    /// The operator sets `avs` created, by id.
    pub fn operator_sets(
        &self,
        avs: &Address,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<OperatorSetEntry>, IndexError> {
        let limit = limit.clamp(1, MAX_LIMIT);
        let after = cursor
            .map(|c| c.parse::<u32>().map_err(|_| IndexError::BadCursor))
            .transpose()?;
        let txn = self.db.begin_read().map_err(db)?;
        let table = txn.open_table(OPERATOR_SETS).map_err(db)?;
        let lower = match after {
            Some(id) => Bound::Excluded(keys::under(avs, &id.to_be_bytes())),
            None => Bound::Included(keys::under(avs, &[])),
        };
        let upper = Bound::Included(keys::under(avs, &u32::MAX.to_be_bytes()));
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
            let id = k
                .value()
                .get(20..24)
                .and_then(|b| b.try_into().ok())
                .map(u32::from_be_bytes)
                .ok_or_else(|| IndexError::Corrupt("operator set key".into()))?;
            items.push(OperatorSetEntry {
                id,
                created_at: v.value(),
            });
        }
        let next = more
            .then(|| items.last().map(|s| s.id.to_string()))
            .flatten();
        Ok(Page { items, next })
    }
}
