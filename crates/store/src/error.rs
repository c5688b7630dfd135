//! What can go wrong in the store, each case named.

use alloy_primitives::B256;
use restake_core::state::StateError;
use thiserror::Error;

/// A storage operation that did not complete. Nothing was written when an operation returns one
/// of these: every write happens inside a single database transaction.
#[derive(Debug, Error)]
pub enum StoreError {
    /// The data directory could not be created.
    #[error("cannot create the data directory: {0}")]
    Io(String),
    /// The database file could not be opened or created.
    #[error("database: {0}")]
    Database(String),
    /// A database transaction could not be started.
    #[error("transaction: {0}")]
    Transaction(String),
    /// A table could not be opened.
    #[error("table: {0}")]
    Table(String),
    /// A read or write inside a transaction failed.
    #[error("storage: {0}")]
    Storage(String),
    /// The commit of a write transaction failed; nothing from it is visible.
    #[error("commit: {0}")]
    Commit(String),
    /// The Merkle tree could not be read or updated.
    #[error("merkle tree: {0}")]
    Tree(String),
    /// Stored bytes do not have the shape this code writes.
    #[error("corrupt store: {0}")]
    Corrupt(String),
    /// The file was written by an incompatible version of the store.
    #[error(
        "the data directory holds store format {found}, this node reads format {expected}: \
         data written by an older version cannot be read; remove the directory and start again"
    )]
    IncompatibleFormat {
        /// Format recorded in the file.
        found: u32,
        /// Format this code reads and writes.
        expected: u32,
    },
    /// Heights are committed one after the other, starting at 0.
    #[error("height {got} is not the next height {expected}")]
    NotConsecutive {
        /// The only height that may be prepared or committed now.
        expected: u64,
        /// The height that was asked for.
        got: u64,
    },
    /// The state moved on (or is another store's) since the change set was prepared.
    #[error("prepared on a state with root {prepared_on}, but the committed root is {current}")]
    StaleBase {
        /// Root the preparation started from.
        prepared_on: B256,
        /// Root committed now.
        current: B256,
    },
    /// The block record is for another height than the prepared state.
    #[error("block is at height {block} but the state was prepared for height {prepared}")]
    HeightMismatch {
        /// Height of the prepared state.
        prepared: u64,
        /// Height in the block record.
        block: u64,
    },
    /// A block with this hash is already stored.
    #[error("block hash {hash} is already stored at height {height}")]
    DuplicateBlockHash {
        /// The repeated hash.
        hash: B256,
        /// Height that already carries it.
        height: u64,
    },
    /// A receipt for this transaction hash is already stored (in this block or an earlier one).
    #[error("transaction {0} already has a receipt")]
    DuplicateTx(B256),
    /// More receipts than a `u32` index can number.
    #[error("{0} receipts do not fit a u32 index")]
    TooManyReceipts(usize),
    /// The height has not been committed.
    #[error("height {height} is not committed (last committed: {latest:?})")]
    UnknownHeight {
        /// The height asked for.
        height: u64,
        /// The last committed height, if any.
        latest: Option<u64>,
    },
    /// The tree nodes of this height were pruned; only newer heights are provable.
    #[error("height {height} is pruned; the oldest provable height is {oldest}")]
    Pruned {
        /// The height asked for.
        height: u64,
        /// The oldest height still provable.
        oldest: u64,
    },
}

impl From<StoreError> for StateError {
    fn from(e: StoreError) -> Self {
        StateError::Backend(e.to_string())
    }
}

macro_rules! from_redb {
    ($($ty:ident => $variant:ident),* $(,)?) => {
        $(impl From<redb::$ty> for StoreError {
            fn from(e: redb::$ty) -> Self {
                StoreError::$variant(e.to_string())
            }
        })*
    };
}

from_redb! {
    DatabaseError => Database,
    TransactionError => Transaction,
    TableError => Table,
    StorageError => Storage,
    CommitError => Commit,
    SetDurabilityError => Commit,
}
