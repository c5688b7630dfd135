//! The state the protocol reads and writes: an ordered byte key-value map.
//!
//! Components never touch raw keys outside their own module; they expose typed read and write
//! extension traits (see `tokens::TokensRead` and friends) over [`StateRead`] / [`StateWrite`].
//! Values are Borsh-encoded: a compact, canonical encoding, so the same state is the same bytes on
//! every machine and can be committed in a Merkle tree by the storage layer.
//!
//! [`Overlay`] buffers writes on top of any state. A transaction executes on an overlay and its
//! changes reach the state underneath only when it succeeds: that is what makes every action
//! all-or-nothing.

use borsh::{BorshDeserialize, BorshSerialize};
use std::collections::BTreeMap;
use std::ops::Bound;
use thiserror::Error;

/// A state read that could not be completed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StateError {
    /// Stored bytes did not decode: the store is corrupt or was written by incompatible code.
    #[error("stored value under key 0x{key} does not decode")]
    Corrupt {
        /// Hex of the key.
        key: String,
    },
    /// The backing store failed (I/O in the storage layer).
    #[error("state backend failure: {0}")]
    Backend(String),
}

/// One key-value pair as returned by scans.
pub type Entry = (Vec<u8>, Vec<u8>);

/// A set of pending writes: `Some(value)` to put, `None` to delete.
pub type Changes = BTreeMap<Vec<u8>, Option<Vec<u8>>>;

/// Read access to an ordered byte map.
pub trait StateRead {
    /// The value under `key`.
    fn get_raw(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StateError>;

    /// The entry with the greatest key that starts with `prefix` and is `<= upper`
    /// (`< upper` when `inclusive` is false).
    fn last_below(
        &self,
        prefix: &[u8],
        upper: &[u8],
        inclusive: bool,
    ) -> Result<Option<Entry>, StateError>;

    /// The entry with the greatest key that starts with `prefix` and is `<= upper`.
    fn last_at_or_before(&self, prefix: &[u8], upper: &[u8]) -> Result<Option<Entry>, StateError> {
        self.last_below(prefix, upper, true)
    }

    /// All entries whose key starts with `prefix`, in key order.
    fn scan_prefix(&self, prefix: &[u8]) -> Result<Vec<Entry>, StateError>;

    /// The decoded value under `key`.
    fn get<T: BorshDeserialize>(&self, key: &[u8]) -> Result<Option<T>, StateError>
    where
        Self: Sized,
    {
        match self.get_raw(key)? {
            None => Ok(None),
            Some(bytes) => decode(key, &bytes).map(Some),
        }
    }

    /// True when a value is stored under `key`.
    fn contains(&self, key: &[u8]) -> Result<bool, StateError>
    where
        Self: Sized,
    {
        Ok(self.get_raw(key)?.is_some())
    }
}

/// Write access to an ordered byte map.
pub trait StateWrite: StateRead {
    /// Stores `value` under `key`.
    fn put_raw(&mut self, key: Vec<u8>, value: Vec<u8>);

    /// Removes `key`.
    fn delete(&mut self, key: &[u8]);

    /// Applies a change set produced by an [`Overlay`].
    fn apply(&mut self, changes: Changes) {
        for (k, v) in changes {
            match v {
                Some(v) => self.put_raw(k, v),
                None => self.delete(&k),
            }
        }
    }

    /// Stores the encoding of `value` under `key`.
    fn put<T: BorshSerialize>(&mut self, key: Vec<u8>, value: &T)
    where
        Self: Sized,
    {
        self.put_raw(key, encode(value));
    }

    /// Marks `key` as present with an empty value (set membership).
    fn put_flag(&mut self, key: Vec<u8>)
    where
        Self: Sized,
    {
        self.put_raw(key, Vec::new());
    }
}

/// Borsh-encodes a value. Encoding into a `Vec` cannot fail.
pub fn encode<T: BorshSerialize>(value: &T) -> Vec<u8> {
    borsh::to_vec(value).unwrap_or_default()
}

/// Decodes a stored value, naming the key when the bytes are bad.
pub fn decode<T: BorshDeserialize>(key: &[u8], bytes: &[u8]) -> Result<T, StateError> {
    borsh::from_slice(bytes).map_err(|_| StateError::Corrupt { key: hex(key) })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Builds a key: a component prefix (ASCII, ending in `/`) followed by fixed-width parts.
pub fn key(prefix: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let len = prefix
        .len()
        .saturating_add(parts.iter().map(|p| p.len()).sum::<usize>());
    let mut k = Vec::with_capacity(len);
    k.extend_from_slice(prefix);
    for p in parts {
        k.extend_from_slice(p);
    }
    k
}

/// The 20-byte address stored at `offset` in a key (zero if the key is too short, which keys
/// built by [`key`] never are).
pub fn address_at(k: &[u8], offset: usize) -> alloy_primitives::Address {
    offset
        .checked_add(20)
        .and_then(|end| k.get(offset..end))
        .and_then(|b| <[u8; 20]>::try_from(b).ok())
        .map(alloy_primitives::Address::from)
        .unwrap_or_default()
}

/// The smallest key greater than every key that starts with `prefix`, if any.
fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < u8::MAX {
            end.push(last.saturating_add(1));
            return Some(end);
        }
    }
    None
}

/// A range of keys.
type KeyRange = (Bound<Vec<u8>>, Bound<Vec<u8>>);

/// The keys that start with `prefix` and are `<= upper` (`< upper` when not inclusive), as a
/// range; `None` when there can be none.
fn bounded(prefix: &[u8], upper: &[u8], inclusive: bool) -> Option<KeyRange> {
    if upper < prefix || (upper == prefix && !inclusive) {
        return None;
    }
    let end = match prefix_end(prefix) {
        Some(pe) if upper >= pe.as_slice() => Bound::Excluded(pe),
        _ if inclusive => Bound::Included(upper.to_vec()),
        _ => Bound::Excluded(upper.to_vec()),
    };
    Some((Bound::Included(prefix.to_vec()), end))
}

fn range_of(prefix: &[u8]) -> (Bound<Vec<u8>>, Bound<Vec<u8>>) {
    let start = Bound::Included(prefix.to_vec());
    let end = prefix_end(prefix).map_or(Bound::Unbounded, Bound::Excluded);
    (start, end)
}

/// An in-memory state: the reference backend for tests, benchmarks and the pure core.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemoryState {
    map: BTreeMap<Vec<u8>, Vec<u8>>,
}

impl MemoryState {
    /// An empty state.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of stored keys.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// True when nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Every entry in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&Vec<u8>, &Vec<u8>)> {
        self.map.iter()
    }
}

impl StateRead for MemoryState {
    fn get_raw(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StateError> {
        Ok(self.map.get(key).cloned())
    }

    fn last_below(
        &self,
        prefix: &[u8],
        upper: &[u8],
        inclusive: bool,
    ) -> Result<Option<Entry>, StateError> {
        let Some(range) = bounded(prefix, upper, inclusive) else {
            return Ok(None);
        };
        let found = self
            .map
            .range(range)
            .next_back()
            .map(|(k, v)| (k.clone(), v.clone()));
        Ok(found)
    }

    fn scan_prefix(&self, prefix: &[u8]) -> Result<Vec<Entry>, StateError> {
        Ok(self
            .map
            .range(range_of(prefix))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect())
    }
}

impl StateWrite for MemoryState {
    fn put_raw(&mut self, key: Vec<u8>, value: Vec<u8>) {
        self.map.insert(key, value);
    }

    fn delete(&mut self, key: &[u8]) {
        self.map.remove(key);
    }
}

/// Buffered writes over a base state. Reads see the buffer first.
#[derive(Debug)]
pub struct Overlay<'a, S: StateRead + ?Sized> {
    base: &'a S,
    changes: Changes,
}

impl<'a, S: StateRead + ?Sized> Overlay<'a, S> {
    /// An empty overlay over `base`.
    pub fn new(base: &'a S) -> Self {
        Self {
            base,
            changes: Changes::new(),
        }
    }

    /// The buffered writes, ready for [`StateWrite::apply`].
    pub fn into_changes(self) -> Changes {
        self.changes
    }

    /// The buffered writes.
    pub fn changes(&self) -> &Changes {
        &self.changes
    }
}

impl<S: StateRead + ?Sized> StateRead for Overlay<'_, S> {
    fn get_raw(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StateError> {
        match self.changes.get(key) {
            Some(v) => Ok(v.clone()),
            None => self.base.get_raw(key),
        }
    }

    fn last_below(
        &self,
        prefix: &[u8],
        upper: &[u8],
        inclusive: bool,
    ) -> Result<Option<Entry>, StateError> {
        let mut upper = upper.to_vec();
        let mut inclusive = inclusive;
        loop {
            let mine = match bounded(prefix, &upper, inclusive) {
                None => return Ok(None),
                Some(range) => self
                    .changes
                    .range(range)
                    .next_back()
                    .map(|(k, v)| (k.clone(), v.clone())),
            };
            let base = self.base.last_below(prefix, &upper, inclusive)?;
            match (mine, base) {
                (None, base) => return Ok(base),
                (Some((mk, mv)), base) => {
                    // The base entry wins only when its key is above everything buffered.
                    if let Some(b) = base.filter(|(bk, _)| *bk > mk) {
                        return Ok(Some(b));
                    }
                    match mv {
                        Some(v) => return Ok(Some((mk, v))),
                        // Deleted in this overlay: keep looking strictly below it.
                        None => {
                            upper = mk;
                            inclusive = false;
                        }
                    }
                }
            }
        }
    }

    fn scan_prefix(&self, prefix: &[u8]) -> Result<Vec<Entry>, StateError> {
        let mut merged: BTreeMap<Vec<u8>, Vec<u8>> =
            self.base.scan_prefix(prefix)?.into_iter().collect();
        for (k, v) in self.changes.range(range_of(prefix)) {
            match v {
                Some(v) => {
                    merged.insert(k.clone(), v.clone());
                }
                None => {
                    merged.remove(k);
                }
            }
        }
        Ok(merged.into_iter().collect())
    }
}

impl<S: StateRead + ?Sized> StateWrite for Overlay<'_, S> {
    fn put_raw(&mut self, key: Vec<u8>, value: Vec<u8>) {
        self.changes.insert(key, Some(value));
    }

    fn delete(&mut self, key: &[u8]) {
        self.changes.insert(key.to_vec(), None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mem(entries: &[(&[u8], &[u8])]) -> MemoryState {
        let mut m = MemoryState::new();
        for (k, v) in entries {
            m.put_raw(k.to_vec(), v.to_vec());
        }
        m
    }

    #[test]
    fn overlay_reads_its_own_writes_and_deletes_before_the_base() {
        let base = mem(&[(b"a", b"1"), (b"b", b"2")]);
        let mut o = Overlay::new(&base);
        o.put_raw(b"a".to_vec(), b"9".to_vec());
        o.delete(b"b");
        assert_eq!(o.get_raw(b"a").unwrap(), Some(b"9".to_vec()));
        assert_eq!(o.get_raw(b"b").unwrap(), None);
        assert_eq!(base.get_raw(b"b").unwrap(), Some(b"2".to_vec()));
    }

    #[test]
    fn dropping_an_overlay_leaves_the_base_unchanged() {
        let base = mem(&[(b"a", b"1")]);
        {
            let mut o = Overlay::new(&base);
            o.put_raw(b"a".to_vec(), b"2".to_vec());
        }
        assert_eq!(base, mem(&[(b"a", b"1")]));
    }

    #[test]
    fn applying_changes_makes_the_base_equal_the_overlay_view() {
        let mut base = mem(&[(b"p/1", b"x"), (b"p/2", b"y"), (b"q/1", b"z")]);
        let changes = {
            let mut o = Overlay::new(&base);
            o.delete(b"p/1");
            o.put_raw(b"p/3".to_vec(), b"w".to_vec());
            let view = o.scan_prefix(b"p/").unwrap();
            assert_eq!(
                view,
                vec![
                    (b"p/2".to_vec(), b"y".to_vec()),
                    (b"p/3".to_vec(), b"w".to_vec())
                ]
            );
            o.into_changes()
        };
        base.apply(changes);
        assert_eq!(
            base.scan_prefix(b"p/").unwrap(),
            vec![
                (b"p/2".to_vec(), b"y".to_vec()),
                (b"p/3".to_vec(), b"w".to_vec())
            ]
        );
    }

    #[test]
    fn last_at_or_before_merges_overlay_and_base_and_skips_deletions() {
        let base = mem(&[
            (b"h/\x00\x01", b"1"),
            (b"h/\x00\x05", b"5"),
            (b"g/\x00\x09", b"g"),
        ]);
        let mut o = Overlay::new(&base);
        o.put_raw(b"h/\x00\x03".to_vec(), b"3".to_vec());
        assert_eq!(
            o.last_at_or_before(b"h/", b"h/\x00\x04")
                .unwrap()
                .unwrap()
                .1,
            b"3".to_vec()
        );
        assert_eq!(
            o.last_at_or_before(b"h/", b"h/\x00\x09")
                .unwrap()
                .unwrap()
                .1,
            b"5".to_vec()
        );
        assert_eq!(o.last_at_or_before(b"h/", b"h/\x00\x00").unwrap(), None);
        o.delete(b"h/\x00\x05");
        assert_eq!(
            o.last_at_or_before(b"h/", b"h/\x00\x09")
                .unwrap()
                .unwrap()
                .1,
            b"3".to_vec()
        );
        o.delete(b"h/\x00\x03");
        o.delete(b"h/\x00\x01");
        assert_eq!(o.last_at_or_before(b"h/", b"h/\xff\xff").unwrap(), None);
    }

    #[test]
    fn scan_prefix_does_not_leak_neighbouring_prefixes() {
        let base = mem(&[(b"a/\xff", b"1"), (b"a0", b"2"), (b"b/", b"3")]);
        assert_eq!(base.scan_prefix(b"a/").unwrap().len(), 1);
        let o = Overlay::new(&base);
        assert_eq!(o.scan_prefix(b"a/").unwrap().len(), 1);
    }

    #[test]
    fn last_below_caps_bounds_outside_the_prefix_and_never_panics() {
        let base = mem(&[(b"a/x", b"1"), (b"a0", b"2"), (b"b/", b"3")]);
        assert_eq!(
            base.last_at_or_before(b"a/", b"b").unwrap().unwrap().0,
            b"a/x".to_vec()
        );
        assert_eq!(base.last_at_or_before(b"b/", b"a").unwrap(), None);
        assert_eq!(base.last_below(b"a/", b"a/", false).unwrap(), None);
        let o = Overlay::new(&base);
        assert_eq!(
            o.last_at_or_before(b"a/", b"b").unwrap().unwrap().0,
            b"a/x".to_vec()
        );
        assert_eq!(o.last_at_or_before(b"b/", b"a").unwrap(), None);
        let ff = mem(&[(b"\xff\xff", b"1")]);
        assert_eq!(
            ff.last_at_or_before(b"\xff", b"\xff\xff\xff")
                .unwrap()
                .unwrap()
                .1,
            b"1".to_vec()
        );
    }

    #[test]
    fn corrupt_values_are_reported_with_their_key() {
        let base = mem(&[(b"k", b"\x01")]);
        let err = base.get::<u64>(b"k").unwrap_err();
        assert_eq!(err, StateError::Corrupt { key: "6b".into() });
    }
}
