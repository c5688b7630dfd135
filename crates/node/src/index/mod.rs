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
mod delegation;
mod follow;
mod history;
mod keys;
mod services;
mod totals;

pub use delegation::{OperatorEntry, StakerEntry};
pub use follow::follow;
pub use history::{
    MAX_POINTS, Series, SlashEntry, SlashFilter, SlashedAmounts, WithdrawalEntry, WithdrawalStatus,
};
pub use keys::EventPosition;
pub use services::{AvsEntry, OperatorSetEntry};
pub use totals::Totals;

use crate::chain;
use crate::error::NodeError;
use alloy_primitives::{Address, B256};
use borsh::{BorshDeserialize, BorshSerialize};
use keys::{
    CHAIN, CHAIN_GENESIS, EVENTS, EVENTS_BY_ADDRESS, META, META_HEIGHT, META_LAYOUT, TXS_BY_ADDRESS,
};
use redb::{Database, ReadableDatabase};
use restake_core::block::Receipt;
use restake_core::event::Event;
use restake_store::Store;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;
use std::path::Path;
use thiserror::Error;

/// The index file's name in a node's data directory.
pub const FILE_NAME: &str = "index.redb";
/// Most items a page may hold.
pub const MAX_LIMIT: usize = 100;
/// Most entries one call looks at.
pub const MAX_SCAN: usize = 10_000;
/// The layout of the index's tables; a file of another layout is rebuilt.
const LAYOUT: u64 = 7;
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
    /// The file holds an older layout of the index (replaced on open).
    #[error("the index file has another layout")]
    Stale,
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

pub(super) fn db(e: impl Into<redb::Error>) -> IndexError {
    IndexError::Storage(e.into())
}

/// An event as the index keeps it.
#[derive(Debug, Clone, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub(super) struct StoredEvent {
    pub(super) tx: [u8; 32],
    pub(super) event: Event,
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
    pub(super) db: Database,
}

impl Index {
    /// Opens (or creates) the index file at `path`.
    /// A file of another layout (an older version of the index) is replaced by an empty one:
    /// the index is rebuilt from the stored blocks, never migrated.
    pub fn open(path: &Path) -> Result<Self, IndexError> {
        let db = Database::create(path).map_err(db)?;
        match Self::init(db) {
            Err(IndexError::Stale) => {
                std::fs::remove_file(path).map_err(|e| IndexError::Storage(redb::Error::Io(e)))?;
                Self::init(Database::create(path).map_err(self::db)?)
            }
            other => other,
        }
    }

    /// An index in memory (tests, and nodes without a data directory).
    pub fn in_memory() -> Result<Self, IndexError> {
        let db = Database::builder()
            .create_with_backend(redb::backends::InMemoryBackend::new())
            .map_err(db)?;
        Self::init(db)
    }

    fn init(db: Database) -> Result<Self, IndexError> {
        let layout = {
            let txn = db.begin_read().map_err(self::db)?;
            match txn.open_table(META) {
                Ok(meta) => meta.get(META_LAYOUT).map_err(self::db)?.map(|v| v.value()),
                Err(redb::TableError::TableDoesNotExist(_)) => None,
                Err(e) => return Err(self::db(e)),
            }
        };
        match layout {
            Some(LAYOUT) => {}
            // A new file: this layout.
            None if !has_tables(&db)? => {}
            _ => return Err(IndexError::Stale),
        }
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

    /// Indexes the committed block at `height`, proposed by `proposer`, from its receipts, in
    /// one write. A height already indexed is skipped (a replay); one beyond the next is a
    /// [`IndexError::Gap`].
    pub fn apply(
        &self,
        height: u64,
        proposer: &Address,
        receipts: &[Receipt],
    ) -> Result<(), IndexError> {
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
            // Postings per address for this block, written once each below.
            let mut event_postings: BTreeMap<Address, Vec<u8>> = BTreeMap::new();
            let mut tx_postings: BTreeMap<Address, Vec<u8>> = BTreeMap::new();
            let mut events = txn.open_table(EVENTS).map_err(db)?;
            let mut delegation = delegation::Writer {
                operators: txn.open_table(keys::OPERATORS).map_err(db)?,
                delegators: txn.open_table(keys::DELEGATORS).map_err(db)?,
            };
            let mut services = services::Writer {
                avss: txn.open_table(keys::AVSS).map_err(db)?,
                sets: txn.open_table(keys::OPERATOR_SETS).map_err(db)?,
                metadata: txn.open_table(keys::AVS_METADATA).map_err(db)?,
            };
            let mut history = history::Writer {
                slashes: txn.open_table(keys::SLASHES).map_err(db)?,
                slashes_by_address: txn.open_table(keys::SLASHES_BY_ADDRESS).map_err(db)?,
                queue: txn.open_table(keys::WITHDRAWAL_QUEUE).map_err(db)?,
                by_staker: txn.open_table(keys::WITHDRAWALS_BY_STAKER).map_err(db)?,
                done: txn.open_table(keys::WITHDRAWALS_DONE).map_err(db)?,
                strategies: txn.open_table(keys::STRATEGIES).map_err(db)?,
                series: txn.open_table(keys::SERIES).map_err(db)?,
                changed: BTreeMap::new(),
            };
            let mut totals = totals::Writer {
                stakers: txn.open_table(keys::STAKERS).map_err(db)?,
                delegated: txn.open_table(keys::DELEGATED_SHARES).map_err(db)?,
            };
            for (i, r) in receipts.iter().enumerate() {
                let tx =
                    u32::try_from(i).map_err(|_| IndexError::Corrupt("block too long".into()))?;
                let mut touched = BTreeSet::from([r.from]);
                for (j, event) in r.events.iter().enumerate() {
                    let position = EventPosition {
                        height,
                        tx,
                        event: u32::try_from(j)
                            .map_err(|_| IndexError::Corrupt("receipt too long".into()))?,
                    };
                    let stored = borsh::to_vec(&StoredEvent {
                        tx: r.transaction_hash.0,
                        event: event.clone(),
                    })
                    .map_err(|e| IndexError::Corrupt(e.to_string()))?;
                    events
                        .insert(position.to_bytes().as_slice(), stored.as_slice())
                        .map_err(db)?;
                    // Before the delegation tables move: a slash reaches the stakers delegated
                    // when it happens.
                    history.apply(position, event, |o| delegation.delegators(o))?;
                    delegation.apply(height, event)?;
                    services.apply(height, event)?;
                    totals.apply(event)?;
                    for a in addresses::named(event) {
                        let list = event_postings.entry(a).or_default();
                        list.extend_from_slice(&position.tx.to_be_bytes());
                        list.extend_from_slice(&position.event.to_be_bytes());
                        touched.insert(a);
                    }
                }
                for a in touched {
                    let list = tx_postings.entry(a).or_default();
                    list.extend_from_slice(&tx.to_be_bytes());
                    list.extend_from_slice(r.transaction_hash.as_slice());
                }
            }
            history.finish(height)?;
            let txs = u64::try_from(receipts.len()).unwrap_or(u64::MAX);
            txn.open_table(keys::PROPOSED)
                .map_err(db)?
                .insert(keys::under(proposer, &height.to_be_bytes()).as_slice(), txs)
                .map_err(db)?;
            let at = height.to_be_bytes();
            let mut by_address = txn.open_table(EVENTS_BY_ADDRESS).map_err(db)?;
            for (a, list) in &event_postings {
                by_address
                    .insert(keys::under(a, &at).as_slice(), list.as_slice())
                    .map_err(db)?;
            }
            let mut txs = txn.open_table(TXS_BY_ADDRESS).map_err(db)?;
            for (a, list) in &tx_postings {
                txs.insert(keys::under(a, &at).as_slice(), list.as_slice())
                    .map_err(db)?;
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
            let proposer = chain::read_block(store, height)?
                .map(|b| b.header.proposer)
                .unwrap_or_default();
            let receipts = chain::read_receipts(store, height, chain_id)?;
            self.apply(height, &proposer, &receipts)?;
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
        let tables: Vec<_> = txn.list_tables().map_err(db)?.collect();
        for table in tables {
            txn.delete_table(table).map_err(db)?;
        }
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
        let txn = self.db.begin_read().map_err(db)?;
        let events = txn.open_table(EVENTS).map_err(db)?;
        let by_address = txn.open_table(EVENTS_BY_ADDRESS).map_err(db)?;
        // The positions to look at, in order and lazily: the address's postings block by block,
        // or every event.
        let positions: Box<dyn Iterator<Item = Result<EventPosition, IndexError>>> =
            match filter.address {
                Some(a) => {
                    let from = after.map_or(filter.from, |p| p.height);
                    let lower = keys::under(&a, &from.to_be_bytes());
                    let upper = keys::under(&a, &filter.to.saturating_add(1).to_be_bytes());
                    Box::new(
                        by_address
                            .range::<&[u8]>(lower.as_slice()..upper.as_slice())
                            .map_err(db)?
                            .flat_map(|e| {
                                match e
                                    .map_err(db)
                                    .and_then(|(k, v)| postings(k.value(), v.value()))
                                {
                                    Ok(list) => list,
                                    Err(e) => vec![Err(e)],
                                }
                            }),
                    )
                }
                None => {
                    let lower = after.map_or_else(
                        || Bound::Included(EventPosition::start_of(filter.from).to_bytes()),
                        |p| Bound::Excluded(p.to_bytes()),
                    );
                    let upper = Bound::Excluded(
                        EventPosition::start_of(filter.to.saturating_add(1)).to_bytes(),
                    );
                    Box::new(
                        events
                            .range::<&[u8]>((bound_ref(&lower), bound_ref(&upper)))
                            .map_err(db)?
                            .map(|e| {
                                let (k, _) = e.map_err(db)?;
                                EventPosition::from_bytes(k.value())
                                    .ok_or_else(|| IndexError::Corrupt("event key".into()))
                            }),
                    )
                }
            };
        let mut items = Vec::new();
        let mut last = None;
        let mut more = false;
        let mut scanned = 0usize;
        for position in positions {
            let position = position?;
            if after.is_some_and(|c| position <= c) {
                continue;
            }
            if items.len() >= limit || scanned >= MAX_SCAN {
                more = true;
                break;
            }
            scanned = scanned.saturating_add(1);
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

    /// The blocks `proposer` proposed, newest first: (height, transactions).
    pub fn blocks_by_proposer(
        &self,
        proposer: &Address,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<(u64, u64)>, IndexError> {
        let limit = limit.clamp(1, MAX_LIMIT);
        let before = cursor
            .map(|c| c.parse::<u64>().map_err(|_| IndexError::BadCursor))
            .transpose()?;
        let txn = self.db.begin_read().map_err(db)?;
        let table = txn.open_table(keys::PROPOSED).map_err(db)?;
        let lower = keys::under(proposer, &0u64.to_be_bytes());
        let upper = keys::under(proposer, &before.unwrap_or(u64::MAX).to_be_bytes());
        let mut items = Vec::new();
        let mut more = false;
        for entry in table
            .range::<&[u8]>(lower.as_slice()..upper.as_slice())
            .map_err(db)?
            .rev()
        {
            let (k, v) = entry.map_err(db)?;
            if items.len() >= limit {
                more = true;
                break;
            }
            let height = k
                .value()
                .get(20..28)
                .and_then(|h| h.try_into().ok())
                .map(u64::from_be_bytes)
                .ok_or_else(|| IndexError::Corrupt("proposed key".into()))?;
            items.push((height, v.value()));
        }
        let next = match (more, items.last()) {
            (true, Some((h, _))) => Some(h.to_string()),
            _ => None,
        };
        Ok(Page { items, next })
    }

    /// Transactions sent by `address` or whose events name it, newest first.
    pub fn transactions_by_address(
        &self,
        address: &Address,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<TxRef>, IndexError> {
        let limit = limit.clamp(1, MAX_LIMIT);
        let before = cursor.map(read_tx_cursor).transpose()?;
        let txn = self.db.begin_read().map_err(db)?;
        let table = txn.open_table(TXS_BY_ADDRESS).map_err(db)?;
        let lower = keys::under(address, &0u64.to_be_bytes());
        let upper = keys::under(address, &before.map_or(u64::MAX, |(h, _)| h).to_be_bytes());
        let mut items = Vec::new();
        let mut more = false;
        'blocks: for entry in table
            .range::<&[u8]>(lower.as_slice()..=upper.as_slice())
            .map_err(db)?
            .rev()
        {
            let (k, v) = entry.map_err(db)?;
            let height = k
                .value()
                .get(20..28)
                .and_then(|h| h.try_into().ok())
                .map(u64::from_be_bytes)
                .ok_or_else(|| IndexError::Corrupt("posting key".into()))?;
            for posting in v.value().chunks(keys::TX_POSTING).rev() {
                let (index, hash) = keys::read_tx_posting(posting)
                    .ok_or_else(|| IndexError::Corrupt("transaction posting".into()))?;
                if before.is_some_and(|c| (height, index) >= c) {
                    continue;
                }
                if items.len() >= limit {
                    more = true;
                    break 'blocks;
                }
                items.push(TxRef {
                    hash,
                    height,
                    index,
                });
            }
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

/// Whether the file holds any table (an index of some layout).
fn has_tables(db: &Database) -> Result<bool, IndexError> {
    let txn = db.begin_read().map_err(self::db)?;
    Ok(txn.list_tables().map_err(self::db)?.next().is_some())
}

fn create_tables(db: &Database) -> Result<(), IndexError> {
    let txn = db.begin_write().map_err(self::db)?;
    txn.open_table(META)
        .map_err(self::db)?
        .insert(META_LAYOUT, LAYOUT)
        .map_err(self::db)?;
    txn.open_table(CHAIN).map_err(self::db)?;
    txn.open_table(META).map_err(self::db)?;
    txn.open_table(EVENTS).map_err(self::db)?;
    txn.open_table(EVENTS_BY_ADDRESS).map_err(self::db)?;
    txn.open_table(TXS_BY_ADDRESS).map_err(self::db)?;
    txn.open_table(keys::OPERATORS).map_err(self::db)?;
    txn.open_table(keys::DELEGATORS).map_err(self::db)?;
    txn.open_table(keys::AVSS).map_err(self::db)?;
    txn.open_table(keys::OPERATOR_SETS).map_err(self::db)?;
    for table in [
        keys::SLASHES,
        keys::SLASHES_BY_ADDRESS,
        keys::WITHDRAWAL_QUEUE,
        keys::WITHDRAWALS_BY_STAKER,
        keys::STRATEGIES,
        keys::SERIES,
        keys::STAKERS,
        keys::DELEGATED_SHARES,
    ] {
        txn.open_table(table).map_err(self::db)?;
    }
    txn.open_table(keys::WITHDRAWALS_DONE).map_err(self::db)?;
    txn.open_table(keys::AVS_METADATA).map_err(self::db)?;
    txn.open_table(keys::PROPOSED).map_err(self::db)?;
    txn.commit().map_err(self::db)?;
    Ok(())
}

pub(super) fn bound_ref(b: &Bound<Vec<u8>>) -> Bound<&[u8]> {
    match b {
        Bound::Included(v) => Bound::Included(v.as_slice()),
        Bound::Excluded(v) => Bound::Excluded(v.as_slice()),
        Bound::Unbounded => Bound::Unbounded,
    }
}

fn write_cursor(p: EventPosition) -> String {
    alloy_primitives::hex::encode(p.to_bytes())
}

/// The event positions of one `address ‖ height` postings entry.
fn postings(key: &[u8], list: &[u8]) -> Result<Vec<Result<EventPosition, IndexError>>, IndexError> {
    let height = key
        .get(20..28)
        .and_then(|h| h.try_into().ok())
        .map(u64::from_be_bytes)
        .ok_or_else(|| IndexError::Corrupt("posting key".into()))?;
    Ok(list
        .chunks(keys::EVENT_POSTING)
        .map(|c| {
            EventPosition::from_bytes(&[height.to_be_bytes().as_slice(), c].concat())
                .ok_or_else(|| IndexError::Corrupt("posting".into()))
        })
        .collect())
}

fn read_cursor(c: &str) -> Result<EventPosition, IndexError> {
    let bytes = alloy_primitives::hex::decode(c).map_err(|_| IndexError::BadCursor)?;
    EventPosition::from_bytes(&bytes)
        .filter(|_| bytes.len() == EventPosition::LEN)
        .ok_or(IndexError::BadCursor)
}

fn read_tx_cursor(c: &str) -> Result<(u64, u32), IndexError> {
    let bytes = alloy_primitives::hex::decode(c).map_err(|_| IndexError::BadCursor)?;
    keys::read_tx_position(&bytes)
        .filter(|_| bytes.len() == 12)
        .ok_or(IndexError::BadCursor)
}
