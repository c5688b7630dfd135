//! Executing a block: the one path for building, verifying and simulating.

use super::apply::{BlockError, Charge, apply_transaction};
use super::encoding::{self, DecodeError};
use super::header::{Block, Header, PROTOCOL_VERSION};
use super::receipt::{Receipt, ReceiptError, Status};
use super::rules::BlockRules;
use crate::action::Action;
use crate::app;
use crate::config::ConfigRead;
use crate::context::BlockContext;
use crate::event::Event;
use crate::quota;
use crate::state::{Changes, Overlay, StateRead};
use crate::tx::{Transaction, TxError};
use alloy_primitives::{Address, B256, keccak256};
use std::collections::BTreeMap;
use thiserror::Error;

/// What the chain expects of the next block, apart from what its proposer chooses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockEnv {
    /// The last committed header.
    pub parent: Header,
    /// Hash of the validator set deciding the next block (zero while the chain has none).
    pub validator_set_hash: B256,
    /// Hash of the parent's commit certificate (zero while certificates are empty).
    pub last_commit_hash: B256,
}

impl BlockEnv {
    /// The next block after `parent`, with no validator set and an empty certificate.
    pub fn after(parent: Header) -> Self {
        Self {
            parent,
            validator_set_hash: B256::ZERO,
            last_commit_hash: B256::ZERO,
        }
    }

    /// The height of the next block.
    pub fn height(&self) -> Result<u64, BlockError> {
        self.parent
            .height
            .checked_add(1)
            .ok_or(BlockError::HeightOutOfRange(u64::MAX))
    }
}

/// What a proposer chooses for a block it builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NextBlock {
    /// Proposed time in milliseconds; raised to the earliest the rules allow.
    pub timestamp_ms: u64,
    /// The proposer, as the consensus engine names it.
    pub proposer: Address,
}

/// A transaction whose signature has been checked, with its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedTx {
    /// The transaction.
    pub tx: Transaction,
    /// Its id ([`Transaction::hash`]).
    pub hash: B256,
}

impl VerifiedTx {
    /// Checks the signature (canonical form first) on chain `chain_id`.
    pub fn check(tx: Transaction, chain_id: u64) -> Result<Self, TxError> {
        let hash = tx.verify_and_hash(chain_id)?;
        Ok(Self { tx, hash })
    }

    /// A transaction the caller has already checked with [`Transaction::verify_and_hash`] (the
    /// mempool checks every transaction at admission), with the id that check returned.
    pub fn checked(tx: Transaction, hash: B256) -> Self {
        Self { tx, hash }
    }
}

/// How [`execute`] treats the transactions it is given.
#[derive(Debug, Clone, Copy)]
pub enum Mode<'a> {
    /// Propose a block: take candidates in order while the limits allow, leave out (and report)
    /// those whose nonce does not fit.
    Build(NextBlock),
    /// Check a block proposed elsewhere against its header. `now_ms` is the verifier's clock for
    /// live proposals; blocks replayed from history pass `None`.
    Verify {
        /// The received header.
        header: &'a Header,
        /// The verifier's clock, in milliseconds.
        now_ms: Option<u64>,
    },
}

/// Why a received block is invalid. Each reason is the proposer's fault, never the verifier's.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum InvalidBlock {
    /// The block is not a canonical encoding.
    #[error("malformed block: {0}")]
    Malformed(#[from] DecodeError),
    /// Executed under other rules.
    #[error("protocol version {got}, this node executes {expected}")]
    ProtocolVersion {
        /// In the header.
        got: u32,
        /// This code's.
        expected: u32,
    },
    /// For another chain.
    #[error("chain id {got}, expected {expected}")]
    ChainId {
        /// In the header.
        got: u64,
        /// The chain's.
        expected: u64,
    },
    /// Not the next height.
    #[error("height {got}, expected {expected}")]
    Height {
        /// In the header.
        got: u64,
        /// Parent + 1.
        expected: u64,
    },
    /// Not a child of the last committed block.
    #[error("parent {got}, expected {expected}")]
    Parent {
        /// In the header.
        got: B256,
        /// The committed head's hash.
        expected: B256,
    },
    /// Names another validator set.
    #[error("validator set hash {got}, expected {expected}")]
    ValidatorSetHash {
        /// In the header.
        got: B256,
        /// The chain's.
        expected: B256,
    },
    /// Names another commit certificate of the parent.
    #[error("last commit hash {got}, expected {expected}")]
    LastCommitHash {
        /// In the header.
        got: B256,
        /// The stored certificate's.
        expected: B256,
    },
    /// Earlier than the parent plus the minimum interval.
    #[error("timestamp {timestamp_ms} ms is before the earliest allowed, {earliest_ms} ms")]
    TooEarly {
        /// In the header.
        timestamp_ms: u64,
        /// Parent + minimum interval.
        earliest_ms: u64,
    },
    /// Further ahead of the verifier's clock than the allowed drift.
    #[error("timestamp {timestamp_ms} ms is after the latest allowed, {latest_ms} ms")]
    TooFarAhead {
        /// In the header.
        timestamp_ms: u64,
        /// Verifier's clock + drift.
        latest_ms: u64,
    },
    /// More transactions than a block may hold.
    #[error("{count} transactions, the limit is {limit}")]
    TooManyTransactions {
        /// In the block.
        count: usize,
        /// The rule.
        limit: u32,
    },
    /// More encoded bytes than a block may hold.
    #[error("{size} bytes, the limit is {limit}")]
    TooLarge {
        /// Encoded size.
        size: usize,
        /// The rule.
        limit: u32,
    },
    /// A transaction that cannot be in this block.
    #[error("transaction {index}: {reason}")]
    Transaction {
        /// Position in the block.
        index: usize,
        /// Why (a nonce that does not fit, a bad signature).
        reason: String,
    },
    /// The transactions root does not match the body.
    #[error("transactions root {got}, computed {expected}")]
    TransactionsRoot {
        /// In the header.
        got: B256,
        /// Of the body.
        expected: B256,
    },
    /// The receipts root does not match execution.
    #[error("receipts root {got}, computed {expected}")]
    ReceiptsRoot {
        /// In the header.
        got: B256,
        /// Of the executed receipts.
        expected: B256,
    },
    /// The state root does not match execution.
    #[error("state root {got}, computed {expected}")]
    StateRoot {
        /// In the header.
        got: B256,
        /// Of the executed changes.
        expected: B256,
    },
}

/// A block executed but not yet sealed: its changes wait for the state root the store computes.
#[derive(Debug, Clone)]
pub struct Executed {
    /// The header; its `state_root` is the received one when verifying and zero when building.
    pub header: Header,
    /// Included transactions, in order.
    pub transactions: Vec<Transaction>,
    /// Their ids, in order.
    pub tx_hashes: Vec<B256>,
    /// One receipt per included transaction.
    pub receipts: Vec<Receipt>,
    /// Candidates left out because their nonce did not fit (building only).
    pub dropped: Vec<B256>,
    /// The state changes of the whole block.
    pub changes: Changes,
    verifying: bool,
}

impl Executed {
    /// Completes the block with the state root of [`Executed::changes`] applied to the parent's
    /// state. When verifying, the received header must carry exactly that root.
    pub fn seal(mut self, state_root: B256) -> Result<Sealed, BlockError> {
        if self.verifying {
            if self.header.state_root != state_root {
                return Err(InvalidBlock::StateRoot {
                    got: self.header.state_root,
                    expected: state_root,
                }
                .into());
            }
        } else {
            self.header.state_root = state_root;
        }
        let hash = self.header.hash();
        Ok(Sealed {
            hash,
            block: Block {
                header: self.header,
                transactions: self.transactions,
            },
            tx_hashes: self.tx_hashes,
            receipts: self.receipts,
            dropped: self.dropped,
        })
    }
}

/// A complete, valid block with its receipts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    /// The header's hash.
    pub hash: B256,
    /// The block.
    pub block: Block,
    /// Transaction ids, in order.
    pub tx_hashes: Vec<B256>,
    /// Receipts, in order.
    pub receipts: Vec<Receipt>,
    /// Candidates left out because their nonce did not fit (building only).
    pub dropped: Vec<B256>,
}

/// Executes the next block on `state` (the parent's committed state).
///
/// Rules (see the module documentation):
/// 1. Verifying: the header's protocol version, chain id, height, parent hash, validator-set
///    hash and last-commit hash are the ones `env` expects.
/// 2. The timestamp is at least the parent's plus the minimum interval; when verifying with a
///    clock, at most the clock plus the allowed drift. Building raises the proposed time to the
///    earliest allowed.
/// 3. At most `maxBlockTransactions` transactions and `maxBlockBytes` encoded bytes. Building
///    stops taking candidates at the first that would not fit (it stays pending).
/// 4. Begin-block work runs first; then each transaction in order. A transaction whose nonce is
///    not the sender's next is left out and reported when building, and makes a received block
///    invalid.
/// 5. Verifying: the transactions and receipts roots equal the header's; the state root is
///    checked by [`Executed::seal`].
pub fn execute<S: StateRead>(
    state: &S,
    env: &BlockEnv,
    mode: Mode<'_>,
    txs: &[VerifiedTx],
) -> Result<Executed, BlockError> {
    let params = state.params()?;
    let rules = BlockRules::of(&params);
    let height = env.height()?;
    let (timestamp_ms, proposer) = match mode {
        Mode::Build(next) => (
            rules.propose_timestamp(env.parent.timestamp_ms, next.timestamp_ms),
            next.proposer,
        ),
        Mode::Verify { header, now_ms } => {
            check_lineage(env, header, height)?;
            rules.check_timestamp(env.parent.timestamp_ms, header.timestamp_ms, now_ms)?;
            check_size(&rules, header, txs)?;
            (header.timestamp_ms, header.proposer)
        }
    };
    let mut header = Header {
        protocol_version: PROTOCOL_VERSION,
        chain_id: env.parent.chain_id,
        height,
        timestamp_ms,
        parent_hash: env.parent.hash(),
        proposer,
        validator_set_hash: env.validator_set_hash,
        last_commit_hash: env.last_commit_hash,
        transactions_root: B256::ZERO,
        receipts_root: B256::ZERO,
        state_root: B256::ZERO,
    };
    let ctx = header.context()?;
    let mut overlay = Overlay::new(state);
    app::begin_block(&mut overlay, &ctx).map_err(BlockError::BeginBlock)?;

    let verifying = matches!(mode, Mode::Verify { .. });
    let header_len = encoding::encoded_len(&header);
    let mut body_len = 0usize;
    let mut transactions = Vec::with_capacity(txs.len());
    let mut tx_hashes = Vec::with_capacity(txs.len());
    let mut leaves = Vec::with_capacity(txs.len());
    let mut receipts = Vec::with_capacity(txs.len());
    let mut dropped = Vec::new();
    // Each sender's quota allowance, read at its first transaction in the block.
    let mut allowances: BTreeMap<Address, u64> = BTreeMap::new();
    for (position, v) in txs.iter().enumerate() {
        let bytes = encoding::to_bytes(&v.tx);
        if !verifying {
            let full = transactions.len() >= usize::try_from(rules.max_transactions).unwrap_or(0);
            let len = encoding::block_len(body_len.saturating_add(bytes.len()), header_len);
            if full || len > rules.max_bytes_usize() {
                break;
            }
        }
        let index =
            u32::try_from(receipts.len()).map_err(|_| InvalidBlock::TooManyTransactions {
                count: txs.len(),
                limit: rules.max_transactions,
            })?;
        let allowance = match allowances.get(&v.tx.from) {
            Some(a) => *a,
            None => {
                let a = quota::allowance(&overlay, &params, &v.tx.from)?;
                allowances.insert(v.tx.from, a);
                a
            }
        };
        let charge = Charge {
            params: &params,
            units: quota::units(bytes.len()),
            allowance,
        };
        match apply_transaction(&mut overlay, &ctx, &v.tx, v.hash, index, height, charge) {
            Ok(receipt) => {
                receipts.push(receipt);
                body_len = body_len.saturating_add(bytes.len());
                leaves.push(keccak256(&bytes));
                transactions.push(v.tx.clone());
                tx_hashes.push(v.hash);
            }
            Err(
                e @ (BlockError::WrongNonce { .. }
                | BlockError::NonceExhausted(_)
                | BlockError::QuotaExceeded(_)),
            ) => {
                if verifying {
                    return Err(InvalidBlock::Transaction {
                        index: position,
                        reason: e.to_string(),
                    }
                    .into());
                }
                dropped.push(v.hash);
            }
            Err(e) => return Err(e),
        }
    }
    header.transactions_root = encoding::hash_list(leaves);
    header.receipts_root = encoding::receipts_root(&receipts);
    if let Mode::Verify {
        header: received, ..
    } = mode
    {
        if received.transactions_root != header.transactions_root {
            return Err(InvalidBlock::TransactionsRoot {
                got: received.transactions_root,
                expected: header.transactions_root,
            }
            .into());
        }
        if received.receipts_root != header.receipts_root {
            return Err(InvalidBlock::ReceiptsRoot {
                got: received.receipts_root,
                expected: header.receipts_root,
            }
            .into());
        }
        header.state_root = received.state_root;
    }
    Ok(Executed {
        header,
        transactions,
        tx_hashes,
        receipts,
        dropped,
        changes: overlay.into_changes(),
        verifying,
    })
}

fn check_lineage(env: &BlockEnv, header: &Header, height: u64) -> Result<(), InvalidBlock> {
    if header.protocol_version != PROTOCOL_VERSION {
        return Err(InvalidBlock::ProtocolVersion {
            got: header.protocol_version,
            expected: PROTOCOL_VERSION,
        });
    }
    if header.chain_id != env.parent.chain_id {
        return Err(InvalidBlock::ChainId {
            got: header.chain_id,
            expected: env.parent.chain_id,
        });
    }
    if header.height != height {
        return Err(InvalidBlock::Height {
            got: header.height,
            expected: height,
        });
    }
    let parent = env.parent.hash();
    if header.parent_hash != parent {
        return Err(InvalidBlock::Parent {
            got: header.parent_hash,
            expected: parent,
        });
    }
    if header.validator_set_hash != env.validator_set_hash {
        return Err(InvalidBlock::ValidatorSetHash {
            got: header.validator_set_hash,
            expected: env.validator_set_hash,
        });
    }
    if header.last_commit_hash != env.last_commit_hash {
        return Err(InvalidBlock::LastCommitHash {
            got: header.last_commit_hash,
            expected: env.last_commit_hash,
        });
    }
    Ok(())
}

fn check_size(rules: &BlockRules, header: &Header, txs: &[VerifiedTx]) -> Result<(), InvalidBlock> {
    if txs.len() > usize::try_from(rules.max_transactions).unwrap_or(usize::MAX) {
        return Err(InvalidBlock::TooManyTransactions {
            count: txs.len(),
            limit: rules.max_transactions,
        });
    }
    let body = txs.iter().fold(0usize, |n, v| {
        n.saturating_add(encoding::encoded_len(&v.tx))
    });
    let size = encoding::block_len(body, encoding::encoded_len(header));
    if size > rules.max_bytes_usize() {
        return Err(InvalidBlock::TooLarge {
            size,
            limit: rules.max_bytes,
        });
    }
    Ok(())
}

/// What an action would do as the first transaction of the next block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Simulated {
    /// The block it would be in.
    pub block_number: u64,
    /// Outcome.
    pub status: Status,
    /// Events (empty when failed).
    pub events: Vec<Event>,
    /// Why it failed.
    pub error: Option<ReceiptError>,
}

/// Runs `action` from `from` as it would run in the next block at `timestamp_ms` (raised to the
/// earliest allowed): after that block's begin-block work, on an overlay that is then dropped.
/// Neither the signature nor the nonce is checked. The outcome equals the receipt the action
/// gets as the block's first transaction.
pub fn simulate<S: StateRead>(
    state: &S,
    env: &BlockEnv,
    timestamp_ms: u64,
    from: Address,
    action: &Action,
) -> Result<Simulated, BlockError> {
    let rules = BlockRules::of(&state.params()?);
    let height = env.height()?;
    let ctx = BlockContext {
        number: u32::try_from(height).map_err(|_| BlockError::HeightOutOfRange(height))?,
        timestamp: rules.propose_timestamp(env.parent.timestamp_ms, timestamp_ms) / 1_000,
        chain_id: env.parent.chain_id,
    };
    let mut overlay = Overlay::new(state);
    app::begin_block(&mut overlay, &ctx).map_err(BlockError::BeginBlock)?;
    let (status, events, error) = match app::execute(&mut overlay, &ctx, from, action) {
        Ok(events) => (Status::Success, events, None),
        Err(e) => (Status::Failed, Vec::new(), Some(ReceiptError::from(&e))),
    };
    Ok(Simulated {
        block_number: height,
        status,
        events,
        error,
    })
}
