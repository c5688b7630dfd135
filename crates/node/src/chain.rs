//! The chain over a store: genesis, candidate blocks (built here or received) executed by the
//! core's one block function, and the commit of a decided candidate in one durable write.
//!
//! What makes a block valid is decided in `restake_core::block`, not here: this module only
//! feeds it the committed state, asks the store for the resulting state root, and writes.

use crate::error::NodeError;
use alloy_primitives::B256;
use restake_core::app::{self, Genesis};
use restake_core::block::{
    self, Block, BlockEnv, BlockError, Certificate, Header, InvalidBlock, Mode, NextBlock, Receipt,
    Sealed, VerifiedTx, encoding,
};
use restake_core::config::ConfigRead;
use restake_core::context::BlockContext;
use restake_core::state::Overlay;
use restake_core::tx::Transaction;
use restake_core::validators::{self, ValidatorSet};
use restake_store::{BlockRecord, Prepared, Store};

/// A block executed on the committed head: valid, with its receipts and the store's prepared
/// write, ready to commit if consensus decides it.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// The block, its hash, ids and receipts.
    pub sealed: Sealed,
    prepared: Prepared,
}

impl Candidate {
    /// The block's hash (the value consensus votes on).
    pub fn hash(&self) -> B256 {
        self.sealed.hash
    }

    /// The block.
    pub fn block(&self) -> &Block {
        &self.sealed.block
    }

    /// The header.
    pub fn header(&self) -> &Header {
        &self.sealed.block.header
    }
}

/// Why a received block was not accepted as a candidate.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// The block breaks a rule: the proposer's fault.
    #[error("invalid block: {0}")]
    Invalid(#[from] InvalidBlock),
    /// This node failed (storage, state): nothing is known about the block.
    #[error(transparent)]
    Node(#[from] NodeError),
}

impl From<BlockError> for VerifyError {
    fn from(e: BlockError) -> Self {
        match e {
            BlockError::Invalid(i) => Self::Invalid(i),
            other => Self::Node(other.into()),
        }
    }
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
        if validators::next_set(&store.state()?)?.is_empty() {
            return Err(NodeError::Mismatch(
                "the genesis has no validators: a node needs at least one to decide blocks".into(),
            ));
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

    /// What the chain expects of the next block.
    pub fn env(&self) -> BlockEnv {
        BlockEnv::after(self.head.clone())
    }

    /// The validator set that decides the next block.
    pub fn next_validators(&self) -> Result<ValidatorSet, NodeError> {
        Ok(validators::next_set(&self.store.state()?)?)
    }

    /// The certificate stored for the head: this node's own (or the canonical one once the
    /// next block is committed); `None` for genesis.
    pub fn head_certificate(&self) -> Result<Option<Certificate>, NodeError> {
        read_certificate(&self.store, self.head.height)
    }

    /// The block rules in the committed state.
    pub fn rules(&self) -> Result<block::BlockRules, NodeError> {
        Ok(block::BlockRules::of(&self.store.state()?.params()?))
    }

    /// Builds the next block from `candidates` (signatures already checked), leaving out those
    /// whose nonce does not fit.
    pub fn build(
        &self,
        candidates: &[VerifiedTx],
        next: &NextBlock,
    ) -> Result<Candidate, NodeError> {
        self.execute(Mode::Build(next), candidates)
            .map_err(|e| match e {
                VerifyError::Invalid(i) => NodeError::Block(BlockError::Invalid(i)),
                VerifyError::Node(n) => n,
            })
    }

    /// Checks a block proposed elsewhere: that the body is the one the header names, signatures,
    /// then the core's verification against the committed head. `now_ms` is this node's clock for live proposals, `None` for history.
    /// `checked` says whether this node already checked a transaction with this id and exactly
    /// these signature bytes (its mempool did at admission): those are not recovered again.
    pub fn verify(
        &self,
        block: &Block,
        now_ms: Option<u64>,
        checked: impl Fn(&B256, &Transaction) -> bool + Sync,
    ) -> Result<Candidate, VerifyError> {
        block.check_body()?;
        let txs = verify_signatures(&block.transactions, self.chain_id, &checked)?;
        self.execute(
            Mode::Verify {
                header: &block.header,
                last_commit: block.last_commit.as_ref(),
                now_ms,
            },
            &txs,
        )
    }

    fn execute(&self, mode: Mode<'_>, txs: &[VerifiedTx]) -> Result<Candidate, VerifyError> {
        let view = self.store.state().map_err(NodeError::from)?;
        let executed = block::execute(&view, &self.env(), mode, txs)?;
        drop(view);
        let prepared = self
            .store
            .prepare(executed.header.height, &executed.changes)
            .map_err(NodeError::from)?;
        let sealed = executed.seal(prepared.state_root)?;
        Ok(Candidate { sealed, prepared })
    }

    /// Writes a decided candidate and its commit certificate durably and makes it the head. The
    /// certificate of the parent the block carries replaces the parent's stored one, so every
    /// node keeps the same certificate below its head.
    pub fn commit(
        &mut self,
        candidate: Candidate,
        certificate: &Certificate,
    ) -> Result<Header, NodeError> {
        let Candidate { sealed, prepared } = candidate;
        let parent_certificate = sealed.block.last_commit.as_ref().map(encoding::to_bytes);
        let record = BlockRecord {
            height: sealed.block.header.height,
            hash: sealed.hash,
            bytes: sealed.block.to_bytes(),
            receipts: sealed
                .tx_hashes
                .iter()
                .copied()
                .zip(sealed.receipts.iter().map(encoding::to_bytes))
                .collect(),
            certificate: encoding::to_bytes(certificate),
            parent_certificate,
        };
        self.store.commit(prepared, record)?;
        self.head = sealed.block.header;
        Ok(self.head.clone())
    }
}

/// Recovers every transaction's signer (canonical form first), in parallel for large blocks,
/// except those `checked` already vouches for.
fn verify_signatures(
    txs: &[Transaction],
    chain_id: u64,
    checked: &(impl Fn(&B256, &Transaction) -> bool + Sync),
) -> Result<Vec<VerifiedTx>, InvalidBlock> {
    let check = |(index, tx): (usize, &Transaction)| {
        let id = tx.hash(chain_id);
        if checked(&id, tx) {
            return Ok(VerifiedTx::checked(tx.clone(), id));
        }
        VerifiedTx::check(tx.clone(), chain_id).map_err(|e| InvalidBlock::Transaction {
            index,
            reason: e.to_string(),
        })
    };
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    if txs.len() < 64 || threads < 2 {
        return txs.iter().enumerate().map(check).collect();
    }
    let chunk = txs.len().div_ceil(threads);
    std::thread::scope(|s| {
        let workers: Vec<_> = txs
            .chunks(chunk)
            .enumerate()
            .map(|(c, part)| {
                let first = c.saturating_mul(chunk);
                s.spawn(move || {
                    part.iter()
                        .enumerate()
                        .map(|(i, tx)| check((first.saturating_add(i), tx)))
                        .collect::<Result<Vec<_>, _>>()
                })
            })
            .collect();
        let mut out = Vec::with_capacity(txs.len());
        for w in workers {
            match w.join() {
                Ok(part) => out.extend(part?),
                Err(_) => {
                    return Err(InvalidBlock::Transaction {
                        index: 0,
                        reason: "signature check failed".into(),
                    });
                }
            }
        }
        Ok(out)
    })
}

/// The largest block this node reads back from its own store.
const MAX_STORED_BLOCK: usize = 16 * 1024 * 1024;

/// Reads the block at `height`.
pub fn read_block(store: &Store, height: u64) -> Result<Option<Block>, NodeError> {
    match store.block(height)? {
        None => Ok(None),
        Some(bytes) => Block::from_bytes(&bytes, MAX_STORED_BLOCK)
            .map(Some)
            .map_err(|e| NodeError::Corrupt {
                what: "block",
                reason: e.to_string(),
            }),
    }
}

/// Reads the commit certificate stored for the block at `height` (`None` for genesis and above
/// the head): below the head the one the next block carries, for the head this node's own.
pub fn read_certificate(store: &Store, height: u64) -> Result<Option<Certificate>, NodeError> {
    match store.certificate(height)? {
        Some(bytes) if !bytes.is_empty() => encoding::from_bytes(&bytes, MAX_STORED_BLOCK)
            .map(Some)
            .map_err(|e| NodeError::Corrupt {
                what: "certificate",
                reason: e.to_string(),
            }),
        _ => Ok(None),
    }
}

/// Reads a receipt by transaction id.
pub fn read_receipt(store: &Store, hash: &B256) -> Result<Option<Receipt>, NodeError> {
    match store.receipt(hash)? {
        None => Ok(None),
        Some((_, _, bytes)) => encoding::from_bytes(&bytes, MAX_STORED_BLOCK)
            .map(Some)
            .map_err(|e| NodeError::Corrupt {
                what: "receipt",
                reason: e.to_string(),
            }),
    }
}

/// The receipts of the block at `height`, in block order (none above the head).
pub fn read_receipts(store: &Store, height: u64, chain_id: u64) -> Result<Vec<Receipt>, NodeError> {
    let Some(block) = read_block(store, height)? else {
        return Ok(Vec::new());
    };
    block
        .transactions
        .iter()
        .map(|tx| {
            let hash = tx.hash(chain_id);
            read_receipt(store, &hash)?.ok_or(NodeError::Corrupt {
                what: "receipt",
                reason: format!("the receipt of {hash} in block {height} is missing"),
            })
        })
        .collect()
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
    let set_hash = validators::next_set(&overlay)?.hash();
    let changes = overlay.into_changes();
    drop(view);
    let prepared = store.prepare(0, &changes)?;
    let header = block::Header::genesis(chain_id, genesis_time, prepared.state_root, set_hash);
    let block = Block {
        header: header.clone(),
        last_commit: None,
        transactions: Vec::new(),
    };
    let record = BlockRecord {
        height: 0,
        hash: header.hash(),
        bytes: block.to_bytes(),
        receipts: Vec::new(),
        certificate: Vec::new(),
        parent_certificate: None,
    };
    store.commit(prepared, record)?;
    Ok(header)
}
