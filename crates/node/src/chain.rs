//! The chain: genesis, building a block from pending transactions, and committing it to the
//! store in one durable write.
//!
//! Building executes the transactions on an overlay over the last committed state; a transaction
//! whose nonce does not fit is left out (it was never valid here), every other one gets a
//! receipt. The state root of the result goes into the header before anything is written.

use crate::error::NodeError;
use crate::mempool::Pending;
use alloy_primitives::{Address, B256};
use restake_core::app::{self, Genesis};
use restake_core::block::{self, Block, BlockError, Header, Receipt};
use restake_core::context::BlockContext;
use restake_core::state::Overlay;
use restake_store::{BlockRecord, Prepared, Store};

/// A built block, ready to commit.
pub struct Built {
    /// The block.
    pub block: Block,
    /// One receipt per transaction.
    pub receipts: Vec<Receipt>,
    /// Transaction ids, in order.
    pub tx_hashes: Vec<B256>,
    /// Transactions left out for a nonce that did not fit.
    pub dropped: Vec<B256>,
    prepared: Prepared,
}

/// The chain over a store.
pub struct Chain {
    store: Store,
    chain_id: u64,
    head: Header,
}

impl Chain {
    /// Opens the chain in `store`, writing genesis first if the store is empty.
    pub fn open(
        store: Store,
        genesis: &Genesis,
        chain_id: u64,
        genesis_time: u64,
    ) -> Result<Self, NodeError> {
        let head = match store.height()? {
            Some(h) => read_header(&store, h)?,
            None => write_genesis(&store, genesis, chain_id, genesis_time)?,
        };
        if head.chain_id != chain_id {
            return Err(NodeError::Mismatch(format!(
                "the data directory holds chain {}, not chain {chain_id}",
                head.chain_id
            )));
        }
        Ok(Self {
            store,
            chain_id,
            head,
        })
    }

    /// The last committed header.
    pub fn head(&self) -> &Header {
        &self.head
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The chain id.
    pub fn chain_id(&self) -> u64 {
        self.chain_id
    }

    /// Executes `txs` (signatures already checked) into the next block.
    pub fn build(
        &self,
        txs: &[Pending],
        timestamp: u64,
        proposer: Address,
    ) -> Result<Built, NodeError> {
        let height = self
            .head
            .height
            .checked_add(1)
            .ok_or(BlockError::HeightOutOfRange(u64::MAX))?;
        let timestamp = timestamp.max(self.head.timestamp);
        let ctx = BlockContext {
            number: u32::try_from(height).map_err(|_| BlockError::HeightOutOfRange(height))?,
            timestamp,
            chain_id: self.chain_id,
        };
        let view = self.store.state()?;
        let mut overlay = Overlay::new(&view);
        app::begin_block(&mut overlay, &ctx).map_err(NodeError::BeginBlock)?;
        let mut transactions = Vec::with_capacity(txs.len());
        let mut receipts = Vec::with_capacity(txs.len());
        let mut tx_hashes = Vec::with_capacity(txs.len());
        let mut dropped = Vec::new();
        for p in txs {
            let index = u32::try_from(receipts.len()).unwrap_or(u32::MAX);
            match block::apply_transaction(&mut overlay, &ctx, &p.tx, p.hash, index, height) {
                Ok(r) => {
                    receipts.push(r);
                    transactions.push(p.tx.clone());
                    tx_hashes.push(p.hash);
                }
                Err(BlockError::WrongNonce { .. } | BlockError::NonceExhausted(_)) => {
                    dropped.push(p.hash)
                }
                Err(e) => return Err(e.into()),
            }
        }
        let changes = overlay.into_changes();
        drop(view);
        let prepared = self.store.prepare(height, &changes)?;
        let header = Header {
            chain_id: self.chain_id,
            height,
            timestamp,
            parent_hash: self.head.hash(),
            proposer,
            transactions_root: block::hash_list(tx_hashes.iter().copied()),
            receipts_root: block::hash_list(receipts.iter().map(Receipt::hash)),
            state_root: prepared.state_root,
        };
        Ok(Built {
            block: Block {
                header,
                transactions,
            },
            receipts,
            tx_hashes,
            dropped,
            prepared,
        })
    }

    /// Writes a built block durably and makes it the head.
    pub fn commit(&mut self, built: Built) -> Result<Header, NodeError> {
        let Built {
            block,
            receipts,
            tx_hashes,
            prepared,
            ..
        } = built;
        let header = block.header.clone();
        let record = BlockRecord {
            height: header.height,
            hash: header.hash(),
            bytes: encode(&block),
            receipts: tx_hashes
                .iter()
                .copied()
                .zip(receipts.iter().map(encode))
                .collect(),
        };
        self.store.commit(prepared, record)?;
        self.head = header.clone();
        Ok(header)
    }
}

fn encode<T: serde::Serialize>(v: &T) -> Vec<u8> {
    serde_json::to_vec(v).unwrap_or_default()
}

/// Reads the block at `height`.
pub fn read_block(store: &Store, height: u64) -> Result<Option<Block>, NodeError> {
    match store.block(height)? {
        None => Ok(None),
        Some(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| NodeError::Corrupt {
                what: "block",
                reason: e.to_string(),
            }),
    }
}

/// Reads a receipt by transaction id.
pub fn read_receipt(store: &Store, hash: &B256) -> Result<Option<Receipt>, NodeError> {
    match store.receipt(hash)? {
        None => Ok(None),
        Some((_, _, bytes)) => {
            serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| NodeError::Corrupt {
                    what: "receipt",
                    reason: e.to_string(),
                })
        }
    }
}

fn read_header(store: &Store, height: u64) -> Result<Header, NodeError> {
    read_block(store, height)?
        .map(|b| b.header)
        .ok_or(NodeError::Corrupt {
            what: "head block",
            reason: format!("block {height} is missing"),
        })
}

fn write_genesis(
    store: &Store,
    genesis: &Genesis,
    chain_id: u64,
    genesis_time: u64,
) -> Result<Header, NodeError> {
    let ctx = BlockContext {
        number: 0,
        timestamp: genesis_time,
        chain_id,
    };
    let view = store.state()?;
    let mut overlay = Overlay::new(&view);
    app::init_genesis(&mut overlay, genesis, &ctx)?;
    let changes = overlay.into_changes();
    drop(view);
    let prepared = store.prepare(0, &changes)?;
    let header = Header {
        chain_id,
        height: 0,
        timestamp: genesis_time,
        parent_hash: B256::ZERO,
        proposer: Address::ZERO,
        transactions_root: block::hash_list([]),
        receipts_root: block::hash_list([]),
        state_root: prepared.state_root,
    };
    let block = Block {
        header: header.clone(),
        transactions: Vec::new(),
    };
    let record = BlockRecord {
        height: 0,
        hash: header.hash(),
        bytes: encode(&block),
        receipts: Vec::new(),
    };
    store.commit(prepared, record)?;
    Ok(header)
}
