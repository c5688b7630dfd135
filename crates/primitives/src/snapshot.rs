//! Block-keyed value histories (EigenLayer's `Snapshots` library).
//!
//! Entries are `(block, value)` with non-decreasing keys; a push at the same block overwrites the
//! last entry. `upper_lookup(b)` returns the value of the last entry whose key is `<= b`, or the
//! history's default when there is none. Values are bounded to 224 bits as on Ethereum, so a
//! history written here is readable there.

use crate::math::MathError;
use alloy_primitives::U256;
use borsh::{BorshDeserialize, BorshSerialize};
use thiserror::Error;

/// Why a push was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum SnapshotError {
    /// The key is older than the newest entry.
    #[error("snapshot key {key} is before the latest key {latest}")]
    InvalidOrdering {
        /// Key of the refused push.
        key: u32,
        /// Newest key in the history.
        latest: u32,
    },
    /// The value does not fit in 224 bits.
    #[error(transparent)]
    Math(#[from] MathError),
}

/// One history entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Snapshot {
    /// Block at which the value took effect.
    pub key: u32,
    /// The value from that block on.
    pub value: U256,
}

/// A block-keyed history of `U256` values.
#[derive(Debug, Clone, Default, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Snapshots {
    entries: Vec<Snapshot>,
}

/// Largest value a snapshot may hold (`2^224 - 1`).
pub const MAX_SNAPSHOT_VALUE: U256 =
    U256::from_limbs([u64::MAX, u64::MAX, u64::MAX, u32::MAX as u64]);

impl Snapshots {
    /// Records `value` from block `key` on. Same-block pushes overwrite.
    pub fn push(&mut self, key: u32, value: U256) -> Result<(), SnapshotError> {
        if value > MAX_SNAPSHOT_VALUE {
            return Err(MathError::Overflow.into());
        }
        match self.entries.last_mut() {
            Some(last) if last.key > key => Err(SnapshotError::InvalidOrdering {
                key,
                latest: last.key,
            }),
            Some(last) if last.key == key => {
                last.value = value;
                Ok(())
            }
            _ => {
                self.entries.push(Snapshot { key, value });
                Ok(())
            }
        }
    }

    /// The value in force at block `key`: the last entry with `entry.key <= key`, else `default`.
    pub fn upper_lookup(&self, key: u32, default: U256) -> U256 {
        let after = self.entries.partition_point(|e| e.key <= key);
        match after.checked_sub(1).and_then(|i| self.entries.get(i)) {
            Some(e) => e.value,
            None => default,
        }
    }

    /// The newest value, else `default`.
    pub fn latest(&self, default: U256) -> U256 {
        self.entries.last().map_or(default, |e| e.value)
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when nothing was ever pushed.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries, oldest first.
    pub fn entries(&self) -> &[Snapshot] {
        &self.entries
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::WAD;

    fn u(x: u64) -> U256 {
        U256::from(x)
    }

    #[test]
    fn empty_history_returns_its_default() {
        let h = Snapshots::default();
        assert_eq!(h.latest(WAD), WAD);
        assert_eq!(h.upper_lookup(100, U256::ZERO), U256::ZERO);
    }

    #[test]
    fn upper_lookup_returns_the_value_in_force_at_each_boundary() {
        let mut h = Snapshots::default();
        h.push(10, u(5)).unwrap();
        h.push(20, u(3)).unwrap();
        assert_eq!(h.upper_lookup(9, WAD), WAD);
        assert_eq!(h.upper_lookup(10, WAD), u(5));
        assert_eq!(h.upper_lookup(11, WAD), u(5));
        assert_eq!(h.upper_lookup(19, WAD), u(5));
        assert_eq!(h.upper_lookup(20, WAD), u(3));
        assert_eq!(h.upper_lookup(u32::MAX, WAD), u(3));
        assert_eq!(h.latest(WAD), u(3));
    }

    #[test]
    fn push_in_the_same_block_overwrites_the_last_entry() {
        let mut h = Snapshots::default();
        h.push(7, u(1)).unwrap();
        h.push(7, u(2)).unwrap();
        assert_eq!(h.len(), 1);
        assert_eq!(h.latest(U256::ZERO), u(2));
    }

    #[test]
    fn push_before_the_latest_key_is_refused() {
        let mut h = Snapshots::default();
        h.push(7, u(1)).unwrap();
        assert_eq!(
            h.push(6, u(2)),
            Err(SnapshotError::InvalidOrdering { key: 6, latest: 7 })
        );
        assert_eq!(h.latest(U256::ZERO), u(1));
    }

    #[test]
    fn values_above_224_bits_are_refused() {
        let mut h = Snapshots::default();
        assert!(h.push(1, MAX_SNAPSHOT_VALUE).is_ok());
        assert_eq!(
            h.push(2, MAX_SNAPSHOT_VALUE + u(1)),
            Err(MathError::Overflow.into())
        );
    }
}
