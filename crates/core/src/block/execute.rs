//! Executing a block: the one path for building, verifying and simulating.

use super::apply::{BlockError, Charge, apply_transaction};
use super::commit::{Certificate, CertificateError};
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
use crate::validators;
use alloy_primitives::{Address, B256, keccak256};
use std::collections::BTreeMap;
use thiserror::Error;

/// What the chain expects of the next block, apart from what its proposer chooses: it follows
/// the last committed header. Everything else a block must match (the validator set, the
/// parameters) is read from the parent's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockEnv {
    /// The last committed header.
    pub parent: Header,
}

impl BlockEnv {
    /// The next block after `parent`.
    pub fn after(parent: Header) -> Self {
        Self { parent }
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextBlock {
    /// Proposed time in milliseconds; raised to the earliest the rules allow.
    pub timestamp_ms: u64,
    /// The proposer, as the consensus engine names it.
    pub proposer: Address,
    /// The parent's commit certificate (required unless the parent is genesis or the chain has
    /// no validators).
    pub last_commit: Option<Certificate>,
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
    Build(&'a NextBlock),
    /// Check a block proposed elsewhere against its header. `now_ms` is the verifier's clock for
    /// live proposals; blocks replayed from history pass `None`.
    Verify {
        /// The received header.
        header: &'a Header,
        /// The received block's certificate of its parent.
        last_commit: Option<&'a Certificate>,
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
    /// Built by another validator than the one whose turn it was.
    #[error("proposer {got}, expected {expected}")]
    Proposer {
        /// In the header.
        got: Address,
        /// The validator whose round it is.
        expected: Address,
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
    /// Names another commit certificate of the parent than the one it carries.
    #[error("last commit hash {got}, expected {expected}")]
    LastCommitHash {
        /// In the header.
        got: B256,
        /// Of the carried certificate.
        expected: B256,
    },
    /// Carries no certificate of its parent, though the parent had validators.
    #[error("the block carries no commit certificate of its parent")]
    MissingLastCommit,
    /// Carries a certificate where none may be (after genesis, on a chain without validators).
    #[error("the block carries a commit certificate where none is expected")]
    UnexpectedLastCommit,
    /// The parent's certificate does not decide the parent under the parent's validator set.
    #[error("last commit: {0}")]
    LastCommit(#[from] CertificateError),
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
    /// The parent's commit certificate the block carries.
    pub last_commit: Option<Certificate>,
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
                last_commit: self.last_commit,
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
/// 1. Verifying: the header's protocol version, chain id, height and parent hash are the ones
///    `env` expects. Always: the validator-set hash is that of the set the parent's state names
///    for this height (`val/next`); the block carries the parent's certificate exactly when the
///    parent is not genesis and had validators, that certificate decides the parent under the
///    parent's set ([`Certificate::verify_for`]), and the header names its hash.
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
    let (timestamp_ms, proposer, last_commit) = match mode {
        Mode::Build(next) => (
            rules.propose_timestamp(env.parent.timestamp_ms, next.timestamp_ms),
            next.proposer,
            next.last_commit.as_ref(),
        ),
        Mode::Verify {
            header,
            last_commit,
            now_ms,
        } => {
            check_lineage(env, header, height)?;
            rules.check_timestamp(env.parent.timestamp_ms, header.timestamp_ms, now_ms)?;
            check_size(&rules, header, last_commit, txs)?;
            (header.timestamp_ms, header.proposer, last_commit)
        }
    };
    let validator_set_hash = validators::next_set(state)?.hash();
    let last_commit_hash = check_last_commit(state, env, last_commit)?;
    if let Mode::Verify { header, .. } = mode {
        if header.validator_set_hash != validator_set_hash {
            return Err(InvalidBlock::ValidatorSetHash {
                got: header.validator_set_hash,
                expected: validator_set_hash,
            }
            .into());
        }
        if header.last_commit_hash != last_commit_hash {
            return Err(InvalidBlock::LastCommitHash {
                got: header.last_commit_hash,
                expected: last_commit_hash,
            }
            .into());
        }
    }
    let mut header = Header {
        protocol_version: PROTOCOL_VERSION,
        chain_id: env.parent.chain_id,
        height,
        timestamp_ms,
        parent_hash: env.parent.hash(),
        proposer,
        validator_set_hash,
        last_commit_hash,
        transactions_root: B256::ZERO,
        receipts_root: B256::ZERO,
        state_root: B256::ZERO,
    };
    let ctx = header.context()?;
    let mut overlay = Overlay::new(state);
    app::begin_block(&mut overlay, &ctx).map_err(BlockError::BeginBlock)?;

    let verifying = matches!(mode, Mode::Verify { .. });
    let header_len =
        encoding::encoded_len(&header).saturating_add(encoding::encoded_len(&last_commit));
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
        last_commit: last_commit.cloned(),
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
    Ok(())
}

/// The parent's certificate rule (rule 1): returns the `lastCommitHash` the header must carry.
fn check_last_commit<S: StateRead>(
    state: &S,
    env: &BlockEnv,
    last_commit: Option<&Certificate>,
) -> Result<B256, BlockError> {
    let parent = &env.parent;
    let parent_set = if parent.height == 0 {
        None
    } else {
        Some(validators::set_at(state, parent.height)?).filter(|s| !s.is_empty())
    };
    match (parent_set, last_commit) {
        (None, None) => Ok(B256::ZERO),
        (None, Some(_)) => Err(InvalidBlock::UnexpectedLastCommit.into()),
        (Some(_), None) => Err(InvalidBlock::MissingLastCommit.into()),
        (Some(set), Some(cert)) => {
            cert.verify_for(parent.chain_id, parent.height, parent.hash(), &set)
                .map_err(InvalidBlock::LastCommit)?;
            Ok(cert.hash())
        }
    }
}

fn check_size(
    rules: &BlockRules,
    header: &Header,
    last_commit: Option<&Certificate>,
    txs: &[VerifiedTx],
) -> Result<(), InvalidBlock> {
    if txs.len() > usize::try_from(rules.max_transactions).unwrap_or(usize::MAX) {
        return Err(InvalidBlock::TooManyTransactions {
            count: txs.len(),
            limit: rules.max_transactions,
        });
    }
    let body = txs.iter().fold(0usize, |n, v| {
        n.saturating_add(encoding::encoded_len(&v.tx))
    });
    let head = encoding::encoded_len(header).saturating_add(encoding::encoded_len(&last_commit));
    let size = encoding::block_len(body, head);
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
