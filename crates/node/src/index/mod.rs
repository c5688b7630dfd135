//! The index: history and lists that the consensus state does not keep and must not (events by
//! block range, by address and by kind; transactions by address), for the explorer, the web app
//! and list methods.
//!
//! It is **not consensus**: its own redb file beside the store, fed by committed blocks (their
//! receipts and events) after they are committed, rebuildable at any time from the stored blocks
//! ([`Index::rebuild`], `restake index rebuild`), caught up at start-up. Nothing in it is hashed by
//! validators or changes a state root; a node with a lost or stale index still follows the chain.
//!
//! Lists are pages: a page's `next` cursor is the key of the last item it looked at, so a
//! client paging while blocks arrive never sees an item twice nor misses one. Every call looks at
//! no more than [`MAX_SCAN`] entries, so a filter that matches little costs bounded work and
//! returns a cursor to go on from.

mod addresses;
mod follow;
mod keys;

pub use follow::follow;
pub use keys::EventPosition;

use crate::chain;
use crate::error::NodeError;
use alloy_primitives::{Address, B256};
use borsh::{BorshDeserialize, BorshSerialize};
use keys::{CHAIN, CHAIN_GENESIS, EVENTS, EVENTS_BY_ADDRESS, META, META_HEIGHT, TXS_BY_ADDRESS};
use redb::{Database, ReadableDatabase};
use restake_core::block::Receipt;
use restake_core::event::Event;
use restake_store::Store;
use std::ops::Bound;
use std::path::Path;
use thiserror::Error;

/// The index file's name in a node's data directory.
pub const FILE_NAME: &str = "index.redb";
/// Most items a page may hold.
pub const MAX_LIMIT: usize = 100;
/// Most entries one call looks at.
pub const MAX_SCAN: usize = 10_000;
/// Every this many heights an index write is made durable.
const DURABLE_EVERY: u64 = 64;

/// Why the index could not answer or be updated.
#[derive(Debug, Error)]
pub enum IndexError {
    /// The index file failed.
    #[error("index storage: {0}")]
    Storage(#[from] redb::Error),
    /// A block was offered out of order.
    #[error("the index is at height {next} next, not {got}")]
    Gap {
        /// The height it expects.
        next: u64,
        /// The height offered.
        got: u64,
    },
    /// A cursor that no page of this list gave.
    #[error("invalid cursor")]
    BadCursor,
    /// The index holds bytes it cannot read: rebuild it.
    #[error("the index is corrupt ({0}): rebuild it with `restake index rebuild`")]
    Corrupt(String),
    /// Reading the stored blocks failed.
    #[error(transparent)]
    Node(#[from] NodeError),
}

fn db(e: impl Into<redb::Error>) -> IndexError {
    IndexError::Storage(e.into())
}

/// An event as the index keeps it.
#[derive(Debug, Clone, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
struct StoredEvent {
    tx: [u8; 32],
    event: Event,
}

/// An event with where it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexedEvent {
    /// Block, transaction and event index.
    pub position: EventPosition,
    /// The transaction that emitted it.
    pub tx: B256,
    /// The event.
    pub event: Event,
}

/// A transaction by its place in the chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TxRef {
    /// Transaction id.
    pub hash: B256,
    /// Block height.
    pub height: u64,
    /// Index in the block.
    pub index: u32,
}

/// One page of a list, and the cursor of the next (`None` at the end).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// The items, in the list's order.
    pub items: Vec<T>,
    /// Where the next page starts.
    pub next: Option<String>,
}

/// Which events to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventFilter {
    /// First block, inclusive.
    pub from: u64,
    /// Last block, inclusive.
    pub to: u64,
    /// Only events naming this address.
    pub address: Option<Address>,
    /// Only events of this kind (`"Transfer"`, `"OperatorSlashed"`, ...).
    pub kind: Option<String>,
}

/// The index over one redb database.
#[derive(Debug)]
pub struct Index {
    db: Database,
}

impl Index {
    /// Opens (or creates) the index file at `path`.
    pub fn open(path: &Path) -> Result<Self, IndexError> {
        let db = Database::create(path).map_err(db)?;
        Self::init(db)
    }

    /// An index in memory (tests, and nodes without a data directory).
    pub fn in_memory() -> Result<Self, IndexError> {
        let db = Database::builder()
            .create_with_backend(redb::backends::InMemoryBackend::new())
            .map_err(db)?;
        Self::init(db)
    }

    fn init(db: Database) -> Result<Self, IndexError> {
        create_tables(&db)?;
        Ok(Self { db })
    }

    /// The next height the index expects (0 when empty).
    pub fn next_height(&self) -> Result<u64, IndexError> {
        let txn = self.db.begin_read().map_err(db)?;
        let meta = txn.open_table(META).map_err(db)?;
        Ok(meta
            .get(META_HEIGHT)
            .map_err(db)?
            .map_or(0, |v| v.value().saturating_add(1)))
    }

    /// Indexes the committed block at `height` from its receipts, in one write. A height
    /// already indexed is skipped (a replay); one beyond the next is a [`IndexError::Gap`].
    pub fn apply(&self, height: u64, receipts: &[Receipt]) -> Result<(), IndexError> {
        let next = self.next_height()?;
        if height < next {
            return Ok(());
        }
        if height > next {
            return Err(IndexError::Gap { next, got: height });
        }
        let mut txn = self.db.begin_write().map_err(db)?;
        // Durable every DURABLE_EVERY heights only: whatever a crash loses is indexed again
        // from the store at start-up, and the block path never waits for this file.
        if height.checked_rem(DURABLE_EVERY) != Some(0) {
            txn.set_durability(redb::Durability::None).map_err(db)?;
        }
        {
            let mut events = txn.open_table(EVENTS).map_err(db)?;
            let mut by_address = txn.open_table(EVENTS_BY_ADDRESS).map_err(db)?;
            let mut txs = txn.open_table(TXS_BY_ADDRESS).map_err(db)?;
            for (i, r) in receipts.iter().enumerate() {
                let tx =
                    u32::try_from(i).map_err(|_| IndexError::Corrupt("block too long".into()))?;
                let mut touched = std::collections::BTreeSet::from([r.from]);
                for (j, event) in r.events.iter().enumerate() {
                    let position = EventPosition {
                        height,
                        tx,
                        event: u32::try_from(j)
                            .map_err(|_| IndexError::Corrupt("receipt too long".into()))?,
                    };
                    let key = position.to_bytes();
                    let stored = borsh::to_vec(&StoredEvent {
                        tx: r.transaction_hash.0,
                        event: event.clone(),
                    })
                    .map_err(|e| IndexError::Corrupt(e.to_string()))?;
                    events
                        .insert(key.as_slice(), stored.as_slice())
                        .map_err(db)?;
                    for a in addresses::named(event) {
                        by_address
                            .insert(keys::under(&a, &key).as_slice(), ())
                            .map_err(db)?;
                        touched.insert(a);
                    }
                }
                let at = keys::tx_position(height, tx);
                for a in touched {
                    txs.insert(
                        keys::under(&a, &at).as_slice(),
                        r.transaction_hash.as_slice(),
                    )
                    .map_err(db)?;
                }
            }
            txn.open_table(META)
                .map_err(db)?
                .insert(META_HEIGHT, height)
                .map_err(db)?;
        }
        txn.commit().map_err(db)?;
        Ok(())
    }

    /// Indexes every stored block the index does not have yet; returns how many. An index of
    /// another chain (another genesis block, or ahead of the store) is cleared first.
    pub fn catch_up(&self, store: &Store, chain_id: u64) -> Result<u64, IndexError> {
        let Some(head) = store.height().map_err(NodeError::from)? else {
            return Ok(0);
        };
        let genesis = store
            .block(0)
            .map_err(NodeError::from)?
            .map(alloy_primitives::keccak256)
            .unwrap_or_default();
        let ours = {
            let txn = self.db.begin_read().map_err(db)?;
            let chain = txn.open_table(CHAIN).map_err(db)?;
            chain
                .get(CHAIN_GENESIS)
                .map_err(db)?
                .map(|v| v.value().to_vec())
        };
        if ours.as_deref() != Some(genesis.as_slice())
            || self.next_height()? > head.saturating_add(1)
        {
            self.clear()?;
            let txn = self.db.begin_write().map_err(db)?;
            txn.open_table(CHAIN)
                .map_err(db)?
                .insert(CHAIN_GENESIS, genesis.as_slice())
                .map_err(db)?;
            txn.commit().map_err(db)?;
        }
        let mut done = 0u64;
        for height in self.next_height()?..=head {
            let receipts = chain::read_receipts(store, height, chain_id)?;
            self.apply(height, &receipts)?;
            done = done.saturating_add(1);
        }
        Ok(done)
    }

    /// Forgets everything and indexes every stored block again; returns how many.
    pub fn rebuild(&self, store: &Store, chain_id: u64) -> Result<u64, IndexError> {
        self.clear()?;
        self.catch_up(store, chain_id)
    }

    fn clear(&self) -> Result<(), IndexError> {
        let txn = self.db.begin_write().map_err(db)?;
        txn.delete_table(CHAIN).map_err(db)?;
        txn.delete_table(META).map_err(db)?;
        txn.delete_table(EVENTS).map_err(db)?;
        txn.delete_table(EVENTS_BY_ADDRESS).map_err(db)?;
        txn.delete_table(TXS_BY_ADDRESS).map_err(db)?;
        txn.commit().map_err(db)?;
        create_tables(&self.db)
    }

    /// Events in a block range, oldest first, optionally naming an address or of one kind.
    pub fn events(
        &self,
        filter: &EventFilter,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<IndexedEvent>, IndexError> {
        let limit = limit.clamp(1, MAX_LIMIT);
        let after = cursor.map(read_cursor).transpose()?;
        let start = EventPosition::start_of(filter.from).to_bytes();
        let end = EventPosition::start_of(filter.to.saturating_add(1)).to_bytes();
        // With an address, walk its entries (address ‖ position); else the events themselves.
        let prefix = filter.address.map_or_else(Vec::new, |a| a.to_vec());
        let at = |position: &[u8]| [prefix.as_slice(), position].concat();
        let lower = match &after {
            Some(p) => Bound::Excluded(at(p)),
            None => Bound::Included(at(&start)),
        };
        let upper = Bound::Excluded(at(&end));
        let txn = self.db.begin_read().map_err(db)?;
        let events = txn.open_table(EVENTS).map_err(db)?;
        let by_address = txn.open_table(EVENTS_BY_ADDRESS).map_err(db)?;
        let range = (bound_ref(&lower), bound_ref(&upper));
        let keys: Box<dyn Iterator<Item = Result<Vec<u8>, IndexError>>> = if prefix.is_empty() {
            Box::new(
                events
                    .range::<&[u8]>(range)
                    .map_err(db)?
                    .map(|e| e.map(|(k, _)| k.value().to_vec()).map_err(db)),
            )
        } else {
            Box::new(
                by_address
                    .range::<&[u8]>(range)
                    .map_err(db)?
                    .map(|e| e.map(|(k, _)| k.value().to_vec()).map_err(db)),
            )
        };
        let mut items = Vec::new();
        let mut last = None;
        let mut more = false;
        for (scanned, key) in keys.enumerate() {
            if items.len() >= limit || scanned >= MAX_SCAN {
                more = true;
                break;
            }
            let position = key?
                .get(prefix.len()..)
                .and_then(EventPosition::from_bytes)
                .ok_or_else(|| IndexError::Corrupt("event key".into()))?;
            last = Some(position);
            let bytes = events
                .get(position.to_bytes().as_slice())
                .map_err(db)?
                .ok_or_else(|| IndexError::Corrupt(format!("event {position:?} is missing")))?;
            let stored = StoredEvent::try_from_slice(bytes.value())
                .map_err(|e| IndexError::Corrupt(e.to_string()))?;
            if filter
                .kind
                .as_deref()
                .is_none_or(|k| addresses::kind(&stored.event) == k)
            {
                items.push(IndexedEvent {
                    position,
                    tx: B256::from(stored.tx),
                    event: stored.event,
                });
            }
        }
        Ok(Page {
            items,
            next: if more { last.map(write_cursor) } else { None },
        })
    }

    /// Transactions sent by `address` or whose events name it, newest first.
    pub fn transactions_by_address(
        &self,
        address: &Address,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<TxRef>, IndexError> {
        let limit = limit.clamp(1, MAX_LIMIT);
        let txn = self.db.begin_read().map_err(db)?;
        let table = txn.open_table(TXS_BY_ADDRESS).map_err(db)?;
        let lower = Bound::Included(keys::under(address, &[]));
        let upper = match cursor {
            Some(c) => Bound::Excluded(keys::under(address, &read_tx_cursor(c)?)),
            None => Bound::Included(keys::under(address, &[0xff; 12])),
        };
        let mut items = Vec::new();
        let mut more = false;
        for entry in table
            .range::<&[u8]>((bound_ref(&lower), bound_ref(&upper)))
            .map_err(db)?
            .rev()
        {
            let (k, v) = entry.map_err(db)?;
            if items.len() >= limit {
                more = true;
                break;
            }
            let (height, index) = k
                .value()
                .get(20..)
                .and_then(keys::read_tx_position)
                .ok_or_else(|| IndexError::Corrupt("transaction key".into()))?;
            let hash = B256::try_from(v.value())
                .map_err(|_| IndexError::Corrupt("transaction id".into()))?;
            items.push(TxRef {
                hash,
                height,
                index,
            });
        }
        let next = match (more, items.last()) {
            (true, Some(t)) => Some(alloy_primitives::hex::encode(keys::tx_position(
                t.height, t.index,
            ))),
            _ => None,
        };
        Ok(Page { items, next })
    }
}

fn create_tables(db: &Database) -> Result<(), IndexError> {
    let txn = db.begin_write().map_err(self::db)?;
    txn.open_table(CHAIN).map_err(self::db)?;
    txn.open_table(META).map_err(self::db)?;
    txn.open_table(EVENTS).map_err(self::db)?;
    txn.open_table(EVENTS_BY_ADDRESS).map_err(self::db)?;
    txn.open_table(TXS_BY_ADDRESS).map_err(self::db)?;
    txn.commit().map_err(self::db)?;
    Ok(())
}

fn bound_ref(b: &Bound<Vec<u8>>) -> Bound<&[u8]> {
    match b {
        Bound::Included(v) => Bound::Included(v.as_slice()),
        Bound::Excluded(v) => Bound::Excluded(v.as_slice()),
        Bound::Unbounded => Bound::Unbounded,
    }
}

fn write_cursor(p: EventPosition) -> String {
    alloy_primitives::hex::encode(p.to_bytes())
}

fn read_cursor(c: &str) -> Result<Vec<u8>, IndexError> {
    let bytes = alloy_primitives::hex::decode(c).map_err(|_| IndexError::BadCursor)?;
    EventPosition::from_bytes(&bytes)
        .filter(|_| bytes.len() == EventPosition::LEN)
        .map(EventPosition::to_bytes)
        .ok_or(IndexError::BadCursor)
}

fn read_tx_cursor(c: &str) -> Result<Vec<u8>, IndexError> {
    let bytes = alloy_primitives::hex::decode(c).map_err(|_| IndexError::BadCursor)?;
    keys::read_tx_position(&bytes)
        .filter(|_| bytes.len() == 12)
        .map(|(h, i)| keys::tx_position(h, i))
        .ok_or(IndexError::BadCursor)
}
