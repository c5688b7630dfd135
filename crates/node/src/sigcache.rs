//! Signatures this node has already checked, so the block that carries a transaction does not
//! cost a second recovery: a bounded, first-in-first-out set of (transaction id, signature).
//!
//! A transaction's id does not cover its signature, so a hit needs the same signature bytes too:
//! another signature over the same payload is checked afresh.

use alloy_primitives::{B256, Bytes};
use std::collections::{BTreeMap, VecDeque};

/// The cache. Capacity is in entries (about 130 bytes each).
#[derive(Debug)]
pub struct SigCache {
    capacity: usize,
    entries: BTreeMap<B256, Bytes>,
    order: VecDeque<B256>,
}

impl SigCache {
    /// An empty cache of at most `capacity` entries.
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            entries: BTreeMap::new(),
            order: VecDeque::new(),
        }
    }

    /// Records that `signature` was checked for the transaction `id`; forgets the oldest entry
    /// when full.
    pub fn insert(&mut self, id: B256, signature: Bytes) {
        if self.capacity == 0 {
            return;
        }
        if self.entries.insert(id, signature).is_none() {
            self.order.push_back(id);
        }
        while self.order.len() > self.capacity {
            if let Some(old) = self.order.pop_front() {
                self.entries.remove(&old);
            }
        }
    }

    /// Whether `signature` was checked for `id`.
    pub fn contains(&self, id: &B256, signature: &[u8]) -> bool {
        self.entries
            .get(id)
            .is_some_and(|s| s.as_ref() == signature)
    }

    /// Entries held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hit_needs_the_same_signature_and_the_oldest_entry_goes_first() {
        let mut c = SigCache::new(2);
        let (a, b, d) = (
            B256::repeat_byte(1),
            B256::repeat_byte(2),
            B256::repeat_byte(3),
        );
        c.insert(a, Bytes::from(vec![1]));
        assert!(c.contains(&a, &[1]));
        assert!(
            !c.contains(&a, &[2]),
            "another signature over the same payload"
        );
        c.insert(b, Bytes::from(vec![2]));
        c.insert(d, Bytes::from(vec![3]));
        assert_eq!(c.len(), 2);
        assert!(!c.contains(&a, &[1]));
        assert!(c.contains(&b, &[2]) && c.contains(&d, &[3]));
        let mut off = SigCache::new(0);
        off.insert(a, Bytes::from(vec![1]));
        assert!(off.is_empty());
    }
}
