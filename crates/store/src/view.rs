//! [`StateView`]: the protocol's [`StateRead`] over a snapshot of the latest-state table.

use crate::StoreError;
use crate::tables::STATE;
use redb::{ReadOnlyTable, ReadTransaction};
use restake_core::state::{Entry, StateError, StateRead};
use std::ops::Bound;

/// A consistent snapshot of the last committed state.
///
/// It holds a redb read transaction: later commits are invisible to it, and it keeps the pages
/// it reads alive until it is dropped. Hold it for the duration of a block's execution, not
/// longer, or the file cannot reuse freed pages.
pub struct StateView {
    table: ReadOnlyTable<&'static [u8], &'static [u8]>,
    height: Option<u64>,
    _txn: ReadTransaction,
}

impl std::fmt::Debug for StateView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StateView")
            .field("height", &self.height)
            .finish_non_exhaustive()
    }
}

impl StateView {
    pub(crate) fn new(txn: ReadTransaction, height: Option<u64>) -> Result<Self, StoreError> {
        let table = txn.open_table(STATE)?;
        Ok(Self {
            table,
            height,
            _txn: txn,
        })
    }

    /// The committed height this snapshot shows (`None` before the first commit).
    pub fn height(&self) -> Option<u64> {
        self.height
    }
}

fn backend(e: impl std::fmt::Display) -> StateError {
    StateError::Backend(e.to_string())
}

/// The smallest key greater than every key that starts with `prefix`, if any: the prefix with
/// its trailing `0xFF` bytes dropped and its last byte incremented. `None` when the prefix is
/// empty or all `0xFF` (every key from the prefix on starts with it).
pub(crate) fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if let Some(next) = last.checked_add(1) {
            end.push(next);
            return Some(end);
        }
    }
    None
}

impl StateRead for StateView {
    fn get_raw(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StateError> {
        Ok(self
            .table
            .get(key)
            .map_err(backend)?
            .map(|v| v.value().to_vec()))
    }

    fn last_below(
        &self,
        prefix: &[u8],
        upper: &[u8],
        inclusive: bool,
    ) -> Result<Option<Entry>, StateError> {
        // The candidates are exactly the keys in [prefix, prefix_end) that are <= upper (or
        // < upper): cap the upper bound at the end of the prefix range so the last entry found
        // always starts with the prefix.
        let end = prefix_end(prefix);
        let (hi, hi_inclusive): (&[u8], bool) = match &end {
            Some(end) if upper >= end.as_slice() => (end.as_slice(), false),
            _ => (upper, inclusive),
        };
        // An empty range: nothing at or above the prefix is below the bound.
        if hi < prefix || (hi == prefix && !hi_inclusive) {
            return Ok(None);
        }
        let high = if hi_inclusive {
            Bound::Included(hi)
        } else {
            Bound::Excluded(hi)
        };
        let mut range = self
            .table
            .range::<&[u8]>((Bound::Included(prefix), high))
            .map_err(backend)?;
        match range.next_back() {
            None => Ok(None),
            Some(entry) => {
                let (k, v) = entry.map_err(backend)?;
                let k = k.value();
                if k.starts_with(prefix) {
                    Ok(Some((k.to_vec(), v.value().to_vec())))
                } else {
                    Err(backend("range read returned a key outside its bounds"))
                }
            }
        }
    }

    fn scan_prefix(&self, prefix: &[u8]) -> Result<Vec<Entry>, StateError> {
        let end = prefix_end(prefix);
        let high = end.as_deref().map_or(Bound::Unbounded, Bound::Excluded);
        let range = self
            .table
            .range::<&[u8]>((Bound::Included(prefix), high))
            .map_err(backend)?;
        range
            .map(|entry| {
                entry
                    .map(|(k, v)| (k.value().to_vec(), v.value().to_vec()))
                    .map_err(backend)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn prefix_end_skips_trailing_ff_bytes() {
        assert_eq!(prefix_end(b"ab"), Some(b"ac".to_vec()));
        assert_eq!(prefix_end(b"a\xff"), Some(b"b".to_vec()));
        assert_eq!(prefix_end(b"a\xff\xff"), Some(b"b".to_vec()));
        assert_eq!(prefix_end(b"\x00\xff"), Some(b"\x01".to_vec()));
        assert_eq!(prefix_end(b"\xff\xff"), None);
        assert_eq!(prefix_end(b""), None);
    }
}
