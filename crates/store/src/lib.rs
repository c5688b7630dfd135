//! Embedded storage of a Restake node: one redb file holding the latest protocol state, its
//! Jellyfish Merkle commitment at every height, and the blocks and receipts the node produced.
//!
//! What belongs here: persistence and state commitment, nothing about what the bytes mean. The
//! protocol state is the ordered byte map of `restake_core::state`; blocks and receipts are
//! opaque bytes encoded by the node. No protocol rule lives in this crate.
//!
//! # Flow of a block
//!
//! 1. The node executes a block over [`Store::state`] (a [`StateView`], a snapshot of the last
//!    committed state that implements [`StateRead`](restake_core::state::StateRead)) through an
//!    `Overlay`, and takes its `Changes`.
//! 2. [`Store::prepare`] computes the state root the state will have once those changes apply,
//!    without writing anything, so the root can go into the block header.
//! 3. [`Store::commit`] writes everything in **one** durable redb write transaction: the
//!    latest-state table, the tree nodes and value versions at version = height, the stale-node
//!    index, the block by height and by hash, receipts by transaction hash, the roots by height,
//!    and the last height and root. It then prunes old tree nodes inside the same transaction.
//!    A crash at any point leaves either all of it or none of it.
//!
//! # Invariants
//!
//! - Heights are consecutive from 0 (genesis); the tree version equals the height.
//! - The state root of a height is the root of a sha256 JMT in which each key is hashed as
//!   `sha256(raw key)` and each leaf commits to `sha256(value)`. Before the first commit the
//!   root is [`EMPTY_ROOT`].
//! - The latest-state table always equals the tree's contents at the last height.
//! - Nothing is written anywhere except inside [`Store::commit`], [`Store::prune`] and, once for
//!   a new file, the creation of its empty tables.
//! - Proofs ([`Store::get_with_proof`], checked by [`proof::verify`]) are the borsh encoding of
//!   jmt's sha256 `SparseMerkleProof`. Heights older than the pruning window keep their root
//!   ([`Store::root_at`]) but are no longer provable.
//!
//! The redb version is pinned exactly; the store keeps its own byte layout for keys and values
//! (see the table module) instead of relying on redb's encodings, and records a format number
//! that [`Store::open`] checks.

mod candidates;
mod error;
pub use restake_proof as proof;
mod tables;
mod tree;
mod view;

pub use candidates::KeptCandidate;
pub use error::StoreError;
pub use proof::ProofError;
pub use view::StateView;

use alloy_primitives::B256;
use jmt::Sha256Jmt;
use jmt::storage::{NodeKey, TreeUpdateBatch};
use redb::{
    Database, Durability, ReadTransaction, ReadableDatabase, ReadableTable, Table, WriteTransaction,
};
use restake_core::state::Changes;
use std::ops::Bound;
use std::path::Path;
use std::sync::Arc;
use tables::{
    BLOCK_HASHES, BLOCKS, CERTIFICATES, FORMAT, META, META_FORMAT, META_HEIGHT, META_OLDEST,
    META_ROOT, NODES, RECEIPTS, ROOTS, STALE_NODES, STALE_VALUES, STATE, TX_INDEX, VALUES, be_u32,
    be_u64, encode_node_key, encode_tx_location, encode_value, stale_key, value_key,
};
use tree::{TreeTables, key_hash, latest_value_version};

/// Root of the empty tree: jmt's placeholder hash, the state root before any commit and of a
/// state with no keys.
pub const EMPTY_ROOT: B256 = B256::new(*b"SPARSE_MERKLE_PLACEHOLDER_HASH__");

/// How many of the newest versions stay provable when nothing else is configured.
pub const DEFAULT_KEEP_VERSIONS: u64 = 1000;

/// Name of the database file inside the data directory.
pub const FILE_NAME: &str = "restake.redb";

/// Tuning of a [`Store`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreConfig {
    /// Number of newest versions whose tree [`Store::commit`] keeps provable, pruning stale
    /// nodes of older ones in the same transaction. `None`: never prune automatically.
    pub keep_versions: Option<u64>,
}

impl Default for StoreConfig {
    fn default() -> Self {
        Self {
            keep_versions: Some(DEFAULT_KEEP_VERSIONS),
        }
    }
}

/// The node's storage. Cheap to clone; clones share one database. `Send + Sync`.
#[derive(Debug, Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    db: Database,
    config: StoreConfig,
}

/// The outcome of [`Store::prepare`]: the root a height will have, and what committing it
/// writes. Only [`Store::commit`] consumes it.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The height (tree version) prepared.
    pub height: u64,
    /// State root after the changes: what the block header commits to.
    pub state_root: B256,
    base_root: B256,
    batch: TreeUpdateBatch,
    changes: Changes,
}

/// A block as the store keeps it: opaque bytes and receipts, indexed by hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockRecord {
    /// Height of the block; must equal the prepared height.
    pub height: u64,
    /// Block hash, indexed for [`Store::block_height_by_hash`].
    pub hash: B256,
    /// The encoded block.
    pub bytes: Vec<u8>,
    /// `(transaction hash, receipt bytes)` in block order; the position is the receipt index.
    pub receipts: Vec<(B256, Vec<u8>)>,
    /// The commit certificate that decided the block, opaque to the store (empty for genesis).
    /// For the head it is this node's own; it is replaced by the canonical one when the next
    /// block, which carries it, is committed.
    pub certificate: Vec<u8>,
    /// The parent's certificate as this block carries it (the canonical one every node keeps),
    /// replacing the parent's stored certificate in the same write; `None` keeps it.
    pub parent_certificate: Option<Vec<u8>>,
}

/// Head of the chain as recorded in the meta table.
struct Head {
    height: Option<u64>,
    root: B256,
    oldest: u64,
}

fn read_head<T>(meta: &T) -> Result<Head, StoreError>
where
    T: ReadableTable<&'static str, &'static [u8]>,
{
    let height = match meta.get(META_HEIGHT)? {
        None => None,
        Some(v) => Some(be_u64(v.value())?),
    };
    let root = match meta.get(META_ROOT)? {
        None => EMPTY_ROOT,
        Some(v) => b256(v.value())?,
    };
    let oldest = match meta.get(META_OLDEST)? {
        None => 0,
        Some(v) => be_u64(v.value())?,
    };
    Ok(Head {
        height,
        root,
        oldest,
    })
}

fn b256(bytes: &[u8]) -> Result<B256, StoreError> {
    B256::try_from(bytes).map_err(|_| StoreError::Corrupt("expected a 32-byte hash".into()))
}

/// The only height that may be prepared or committed after `latest`.
fn next_height(latest: Option<u64>) -> Result<u64, StoreError> {
    match latest {
        None => Ok(0),
        Some(h) => h
            .checked_add(1)
            .ok_or_else(|| StoreError::Corrupt("height overflows".into())),
    }
}

impl Store {
    /// Opens (or creates) the store in `dir`, creating the directory if needed; the database
    /// file is `dir/restake.redb`. Prunes with the default window.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        Self::open_with(dir, StoreConfig::default())
    }

    /// [`Store::open`] with an explicit configuration.
    pub fn open_with(dir: &Path, config: StoreConfig) -> Result<Store, StoreError> {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::Io(e.to_string()))?;
        let db = Database::create(dir.join(FILE_NAME))?;
        Self::init(db, config)
    }

    /// A store in memory (redb's in-memory backend), for tests. Prunes with the default window.
    pub fn in_memory() -> Result<Store, StoreError> {
        Self::in_memory_with(StoreConfig::default())
    }

    /// [`Store::in_memory`] with an explicit configuration.
    pub fn in_memory_with(config: StoreConfig) -> Result<Store, StoreError> {
        let db = Database::builder().create_with_backend(redb::backends::InMemoryBackend::new())?;
        Self::init(db, config)
    }

    /// Checks the format of an existing file, or creates the empty tables of a new one.
    fn init(db: Database, config: StoreConfig) -> Result<Store, StoreError> {
        let recorded = {
            let txn = db.begin_read()?;
            match txn.open_table(META) {
                Ok(meta) => match meta.get(META_FORMAT)? {
                    Some(v) => Some(be_u32(v.value())?),
                    None => None,
                },
                Err(redb::TableError::TableDoesNotExist(_)) => None,
                Err(e) => return Err(e.into()),
            }
        };
        match recorded {
            Some(found) if found != FORMAT => {
                return Err(StoreError::IncompatibleFormat {
                    found,
                    expected: FORMAT,
                });
            }
            Some(_) => {}
            None => {
                let txn = db.begin_write()?;
                txn.open_table(STATE)?;
                txn.open_table(NODES)?;
                txn.open_table(VALUES)?;
                txn.open_table(STALE_NODES)?;
                txn.open_table(STALE_VALUES)?;
                txn.open_table(ROOTS)?;
                txn.open_table(BLOCKS)?;
                txn.open_table(BLOCK_HASHES)?;
                txn.open_table(TX_INDEX)?;
                txn.open_table(RECEIPTS)?;
                txn.open_table(CERTIFICATES)?;
                txn.open_table(tables::CANDIDATES)?;
                txn.open_table(tables::OWN_PROPOSALS)?;
                txn.open_table(META)?
                    .insert(META_FORMAT, &FORMAT.to_be_bytes()[..])?;
                txn.commit()?;
            }
        }
        Ok(Store {
            inner: Arc::new(Inner { db, config }),
        })
    }

    fn read(&self) -> Result<ReadTransaction, StoreError> {
        Ok(self.inner.db.begin_read()?)
    }

    fn head_in(txn: &ReadTransaction) -> Result<Head, StoreError> {
        read_head(&txn.open_table(META)?)
    }

    /// The last committed height; `None` before the first commit.
    pub fn height(&self) -> Result<Option<u64>, StoreError> {
        Ok(Self::head_in(&self.read()?)?.height)
    }

    /// A snapshot of the last committed state.
    pub fn state(&self) -> Result<StateView, StoreError> {
        let txn = self.read()?;
        let height = Self::head_in(&txn)?.height;
        StateView::new(txn, height)
    }

    /// The state root at the last committed height ([`EMPTY_ROOT`] before any commit).
    pub fn state_root(&self) -> Result<B256, StoreError> {
        Ok(Self::head_in(&self.read()?)?.root)
    }

    /// The root the state will have after applying `changes` on top of the last committed
    /// state, at `height`. Writes nothing. `height` must be the last committed height + 1, or
    /// 0 on an empty store.
    pub fn prepare(&self, height: u64, changes: &Changes) -> Result<Prepared, StoreError> {
        let txn = self.read()?;
        let head = Self::head_in(&txn)?;
        let expected = next_height(head.height)?;
        if height != expected {
            return Err(StoreError::NotConsecutive {
                expected,
                got: height,
            });
        }
        let tables = TreeTables::open(&txn)?;
        let tree = Sha256Jmt::new(&tables);
        let value_set = changes.iter().map(|(k, v)| (key_hash(k), v.clone()));
        let (root, batch) = tree
            .put_value_set(value_set, height)
            .map_err(|e| StoreError::Tree(format!("{e:#}")))?;
        Ok(Prepared {
            height,
            state_root: B256::from(root.0),
            base_root: head.root,
            batch,
            changes: changes.clone(),
        })
    }

    /// Commits a prepared height and its block in one durable write transaction, then prunes
    /// stale tree nodes (when configured) inside it. Either everything is stored or nothing.
    pub fn commit(&self, prepared: Prepared, block: BlockRecord) -> Result<(), StoreError> {
        if block.height != prepared.height {
            return Err(StoreError::HeightMismatch {
                prepared: prepared.height,
                block: block.height,
            });
        }
        let height = prepared.height;
        let mut txn = self.inner.db.begin_write()?;
        txn.set_durability(Durability::Immediate)?;
        {
            let head = read_head(&txn.open_table(META)?)?;
            let expected = next_height(head.height)?;
            if height != expected {
                return Err(StoreError::NotConsecutive {
                    expected,
                    got: height,
                });
            }
            if head.root != prepared.base_root {
                return Err(StoreError::StaleBase {
                    prepared_on: prepared.base_root,
                    current: head.root,
                });
            }
            write_state(&txn, &prepared.changes)?;
            write_tree(&txn, height, &prepared.batch)?;
            write_block(&txn, &block)?;
            candidates::prune_decided(&txn, height)?;
            txn.open_table(ROOTS)?
                .insert(height, prepared.state_root.as_slice())?;
            let mut meta = txn.open_table(META)?;
            meta.insert(META_HEIGHT, &height.to_be_bytes()[..])?;
            meta.insert(META_ROOT, prepared.state_root.as_slice())?;
        }
        if let Some(keep) = self.inner.config.keep_versions {
            prune_in(&txn, height, keep)?;
        }
        txn.commit()?;
        Ok(())
    }

    /// The block bytes stored at `height`.
    pub fn block(&self, height: u64) -> Result<Option<Vec<u8>>, StoreError> {
        let txn = self.read()?;
        let blocks = txn.open_table(BLOCKS)?;
        Ok(blocks.get(height)?.map(|v| v.value().to_vec()))
    }

    /// The commit certificate stored with the block at `height`.
    pub fn certificate(&self, height: u64) -> Result<Option<Vec<u8>>, StoreError> {
        let txn = self.read()?;
        let certificates = txn.open_table(CERTIFICATES)?;
        Ok(certificates.get(height)?.map(|v| v.value().to_vec()))
    }

    /// The height of the block with this hash.
    pub fn block_height_by_hash(&self, hash: &B256) -> Result<Option<u64>, StoreError> {
        let txn = self.read()?;
        let hashes = txn.open_table(BLOCK_HASHES)?;
        Ok(hashes.get(hash.as_slice())?.map(|v| v.value()))
    }

    /// `(height, index in block, receipt bytes)` of a transaction.
    pub fn receipt(&self, tx_hash: &B256) -> Result<Option<(u64, u32, Vec<u8>)>, StoreError> {
        let txn = self.read()?;
        let index = txn.open_table(TX_INDEX)?;
        let Some(location) = index.get(tx_hash.as_slice())? else {
            return Ok(None);
        };
        let (height, position) = tables::decode_tx_location(location.value())?;
        let receipts = txn.open_table(RECEIPTS)?;
        let bytes = receipts
            .get(location.value())?
            .ok_or_else(|| StoreError::Corrupt(format!("receipt of {tx_hash} is missing")))?
            .value()
            .to_vec();
        Ok(Some((height, position, bytes)))
    }

    /// The state root committed at `height` (kept even after the tree of that height is
    /// pruned).
    pub fn root_at(&self, height: u64) -> Result<Option<B256>, StoreError> {
        let txn = self.read()?;
        let roots = txn.open_table(ROOTS)?;
        match roots.get(height)? {
            None => Ok(None),
            Some(v) => b256(v.value()).map(Some),
        }
    }

    /// The value under `key` at `height` and a proof of it against [`Store::root_at`]`(height)`:
    /// an existence proof when a value is returned, a non-existence proof otherwise. The proof
    /// is borsh-encoded (see [`proof`]). Only heights inside the pruning window are provable.
    pub fn get_with_proof(
        &self,
        key: &[u8],
        height: u64,
    ) -> Result<(Option<Vec<u8>>, Vec<u8>), StoreError> {
        let txn = self.read()?;
        let head = Self::head_in(&txn)?;
        if head.height.is_none_or(|latest| height > latest) {
            return Err(StoreError::UnknownHeight {
                height,
                latest: head.height,
            });
        }
        if height < head.oldest {
            return Err(StoreError::Pruned {
                height,
                oldest: head.oldest,
            });
        }
        let tables = TreeTables::open(&txn)?;
        let (value, proof) = Sha256Jmt::new(&tables)
            .get_with_proof(key_hash(key), height)
            .map_err(|e| StoreError::Tree(format!("{e:#}")))?;
        let bytes = borsh::to_vec(&proof).map_err(|e| StoreError::Tree(e.to_string()))?;
        Ok((value, bytes))
    }

    /// Deletes the tree nodes (and superseded value versions) that none of the newest
    /// `keep_versions` versions needs; at least the last version is always kept. Returns the
    /// number of nodes removed. [`Store::commit`] already does this with the configured window.
    pub fn prune(&self, keep_versions: u64) -> Result<u64, StoreError> {
        let txn = self.inner.db.begin_write()?;
        let latest = read_head(&txn.open_table(META)?)?.height;
        let Some(latest) = latest else {
            return Ok(0);
        };
        let removed = prune_in(&txn, latest, keep_versions)?;
        txn.commit()?;
        Ok(removed)
    }
}

/// Applies a change set to the latest-state table.
fn write_state(txn: &WriteTransaction, changes: &Changes) -> Result<(), StoreError> {
    let mut state = txn.open_table(STATE)?;
    for (k, v) in changes {
        match v {
            Some(v) => {
                state.insert(k.as_slice(), v.as_slice())?;
            }
            None => {
                state.remove(k.as_slice())?;
            }
        }
    }
    Ok(())
}

/// Writes a tree update: new nodes, value versions, and the indexes pruning works from.
fn write_tree(
    txn: &WriteTransaction,
    height: u64,
    batch: &TreeUpdateBatch,
) -> Result<(), StoreError> {
    let mut nodes = txn.open_table(NODES)?;
    for (key, node) in batch.node_batch.nodes() {
        let bytes = borsh::to_vec(node).map_err(|e| StoreError::Tree(e.to_string()))?;
        nodes.insert(encode_node_key(key)?.as_slice(), bytes.as_slice())?;
    }

    let mut values = txn.open_table(VALUES)?;
    let mut stale_values = txn.open_table(STALE_VALUES)?;
    for ((version, hash), value) in batch.node_batch.values() {
        // The version this one supersedes is not needed by any tree from `version` on.
        if let Some(before) = version.checked_sub(1)
            && let Some(old) = latest_value_version(&values, hash, before)?
        {
            stale_values.insert(stale_key(*version, &value_key(hash, old)).as_slice(), ())?;
        }
        let encoded = encode_value(value.as_deref());
        values.insert(&value_key(hash, *version)[..], encoded.as_slice())?;
    }

    let mut stale_nodes = txn.open_table(STALE_NODES)?;
    for index in &batch.stale_node_index_batch {
        let key = stale_key(
            index.stale_since_version,
            &encode_node_key(&index.node_key)?,
        );
        stale_nodes.insert(key.as_slice(), ())?;
    }
    // When a height changes nothing, jmt copies the previous root to the new version without
    // marking the old one stale; mark it here so pruning can reclaim it.
    if let Some(previous) = height.checked_sub(1) {
        let new_root = batch
            .node_batch
            .nodes()
            .keys()
            .find(|k| k.version() == height && k.nibble_path().is_empty());
        if let Some(new_root) = new_root {
            let old_root = NodeKey::new(previous, new_root.nibble_path().clone());
            let key = stale_key(height, &encode_node_key(&old_root)?);
            stale_nodes.insert(key.as_slice(), ())?;
        }
    }
    Ok(())
}

/// Stores the block bytes and its indexes; refuses repeated block or transaction hashes.
fn write_block(txn: &WriteTransaction, block: &BlockRecord) -> Result<(), StoreError> {
    let mut hashes = txn.open_table(BLOCK_HASHES)?;
    if let Some(existing) = hashes.get(block.hash.as_slice())? {
        return Err(StoreError::DuplicateBlockHash {
            hash: block.hash,
            height: existing.value(),
        });
    }
    hashes.insert(block.hash.as_slice(), block.height)?;
    txn.open_table(BLOCKS)?
        .insert(block.height, block.bytes.as_slice())?;
    let mut certificates = txn.open_table(CERTIFICATES)?;
    certificates.insert(block.height, block.certificate.as_slice())?;
    if let (Some(parent), Some(bytes)) = (
        block.height.checked_sub(1),
        block.parent_certificate.as_ref(),
    ) {
        certificates.insert(parent, bytes.as_slice())?;
    }
    drop(certificates);

    let mut receipts = txn.open_table(RECEIPTS)?;
    let mut locations = Vec::with_capacity(block.receipts.len());
    for (position, (tx_hash, receipt)) in block.receipts.iter().enumerate() {
        let position = u32::try_from(position)
            .map_err(|_| StoreError::TooManyReceipts(block.receipts.len()))?;
        let location = encode_tx_location(block.height, position);
        receipts.insert(&location[..], receipt.as_slice())?;
        locations.push((tx_hash, location));
    }
    // Transaction ids are random: inserted in key order, each leaf of the index is rewritten
    // once per block instead of once per transaction that lands on it.
    locations.sort_unstable_by_key(|(hash, _)| *hash);
    let mut index = txn.open_table(TX_INDEX)?;
    for (tx_hash, location) in locations {
        if index.insert(tx_hash.as_slice(), &location[..])?.is_some() {
            return Err(StoreError::DuplicateTx(*tx_hash));
        }
    }
    Ok(())
}

/// Removes every index entry stale at or before `oldest_kept` from `stale`, and the entries
/// they name (the bytes after the 8-byte version) from `target`. Returns how many target
/// entries existed.
fn drop_stale(
    stale: &mut Table<&'static [u8], ()>,
    target: &mut Table<&'static [u8], &'static [u8]>,
    oldest_kept: u64,
) -> Result<u64, StoreError> {
    let bound = oldest_kept.checked_add(1).map(u64::to_be_bytes);
    let high = bound
        .as_ref()
        .map_or(Bound::Unbounded, |b| Bound::Excluded(&b[..]));
    let keys = stale
        .range::<&[u8]>((Bound::Unbounded, high))?
        .map(|entry| entry.map(|(k, _)| k.value().to_vec()))
        .collect::<Result<Vec<_>, _>>()?;
    let mut removed = 0u64;
    for key in keys {
        let named = key
            .get(8..)
            .ok_or_else(|| StoreError::Corrupt("short stale index key".into()))?;
        if target.remove(named)?.is_some() {
            removed = removed.saturating_add(1);
        }
        stale.remove(key.as_slice())?;
    }
    Ok(removed)
}

/// Pruning inside an open write transaction; see [`Store::prune`].
fn prune_in(txn: &WriteTransaction, latest: u64, keep_versions: u64) -> Result<u64, StoreError> {
    let keep = keep_versions.max(1);
    let oldest_kept = latest.saturating_sub(keep.saturating_sub(1));
    let mut meta = txn.open_table(META)?;
    let head = read_head(&meta)?;
    if oldest_kept <= head.oldest {
        return Ok(0);
    }
    let removed = {
        let mut stale = txn.open_table(STALE_NODES)?;
        let mut nodes = txn.open_table(NODES)?;
        drop_stale(&mut stale, &mut nodes, oldest_kept)?
    };
    {
        let mut stale = txn.open_table(STALE_VALUES)?;
        let mut values = txn.open_table(VALUES)?;
        drop_stale(&mut stale, &mut values, oldest_kept)?;
    }
    meta.insert(META_OLDEST, &oldest_kept.to_be_bytes()[..])?;
    Ok(removed)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::arithmetic_side_effects)]
    use super::*;
    use redb::{ReadableTableMetadata, TableDefinition};

    /// Number of entries in every table, by name.
    fn sizes(store: &Store) -> Vec<(&'static str, u64)> {
        let txn = store.read().unwrap();
        fn len<K: redb::Key + 'static, V: redb::Value + 'static>(
            txn: &ReadTransaction,
            def: TableDefinition<K, V>,
        ) -> u64 {
            txn.open_table(def).unwrap().len().unwrap()
        }
        vec![
            ("state", len(&txn, STATE)),
            ("nodes", len(&txn, NODES)),
            ("values", len(&txn, VALUES)),
            ("stale_nodes", len(&txn, STALE_NODES)),
            ("stale_values", len(&txn, STALE_VALUES)),
            ("roots", len(&txn, ROOTS)),
            ("blocks", len(&txn, BLOCKS)),
            ("block_hashes", len(&txn, BLOCK_HASHES)),
            ("tx_index", len(&txn, TX_INDEX)),
            ("receipts", len(&txn, RECEIPTS)),
            ("meta", len(&txn, META)),
        ]
    }

    fn commit_next(store: &Store, changes: &Changes) {
        let height = store.height().unwrap().map_or(0, |h| h + 1);
        let prepared = store.prepare(height, changes).unwrap();
        let mut hash = [0u8; 32];
        hash[..8].copy_from_slice(&height.to_be_bytes());
        let block = BlockRecord {
            height,
            hash: B256::from(hash),
            bytes: vec![],
            receipts: vec![],
            certificate: vec![],
            parent_certificate: None,
        };
        store.commit(prepared, block).unwrap();
    }

    fn rewrite_all(round: u8) -> Changes {
        (0u8..6).map(|k| (vec![k], Some(vec![round, k]))).collect()
    }

    fn node(store: &Store, table: &str) -> u64 {
        sizes(store)
            .into_iter()
            .find(|(name, _)| *name == table)
            .map(|(_, n)| n)
            .unwrap()
    }

    #[test]
    fn prepare_writes_to_no_table() {
        let store = Store::in_memory().unwrap();
        commit_next(&store, &rewrite_all(0));
        let before = sizes(&store);
        let prepared = store.prepare(1, &rewrite_all(1)).unwrap();
        assert!(!prepared.batch.node_batch.nodes().is_empty());
        assert_eq!(sizes(&store), before);
    }

    #[test]
    fn automatic_pruning_leaves_the_tables_manual_pruning_leaves() {
        let auto = Store::in_memory_with(StoreConfig {
            keep_versions: Some(3),
        })
        .unwrap();
        let manual = Store::in_memory_with(StoreConfig {
            keep_versions: None,
        })
        .unwrap();
        for round in 0..12 {
            commit_next(&auto, &rewrite_all(round));
            commit_next(&manual, &rewrite_all(round));
        }
        let unpruned = node(&manual, "nodes");
        let removed = manual.prune(3).unwrap();
        assert_eq!(node(&manual, "nodes"), unpruned - removed);
        assert!(removed > 0);
        assert_eq!(sizes(&auto), sizes(&manual));
        // Superseded value versions go too: 6 keys × 3 kept versions.
        assert_eq!(node(&auto, "values"), 18);
    }

    #[test]
    fn heights_that_change_nothing_do_not_accumulate_tree_nodes() {
        let store = Store::in_memory_with(StoreConfig {
            keep_versions: Some(1),
        })
        .unwrap();
        commit_next(&store, &rewrite_all(0));
        commit_next(&store, &Changes::new());
        let settled = node(&store, "nodes");
        for _ in 0..20 {
            commit_next(&store, &Changes::new());
        }
        assert_eq!(node(&store, "nodes"), settled);
        assert_eq!(node(&store, "stale_nodes"), 0);
    }

    #[test]
    fn the_rightmost_leaf_is_the_greatest_key_hash_stored() {
        use jmt::storage::TreeReader;
        let store = Store::in_memory().unwrap();
        let empty = TreeTables::open(&store.read().unwrap()).unwrap();
        assert!(empty.get_rightmost_leaf().unwrap().is_none());
        commit_next(&store, &rewrite_all(0));
        let tables = TreeTables::open(&store.read().unwrap()).unwrap();
        let (node_key, leaf) = tables.get_rightmost_leaf().unwrap().unwrap();
        let greatest = (0u8..6).map(|k| key_hash(&[k])).max().unwrap();
        assert_eq!(leaf.key_hash(), greatest);
        assert_eq!(node_key.version(), 0);
    }
}
