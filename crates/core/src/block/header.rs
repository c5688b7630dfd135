//! The block header and the block.

use super::apply::BlockError;
use super::commit::Certificate;
use super::encoding;
use super::execute::InvalidBlock;
use crate::context::BlockContext;
use crate::tx::Transaction;
use alloy_primitives::{Address, B256, keccak256};
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

/// The protocol version this code executes. A header carries it first; a change to any rule,
/// encoding or root that validators must agree on bumps it. 2: the transaction quota and the
/// bounds on actions' fields (ADR 0005). 3: validator sets in the state, and every block carries
/// and checks its parent's commit certificate.
pub const PROTOCOL_VERSION: u32 = 3;

/// The parent hash of the genesis block.
pub const GENESIS_PARENT: B256 = B256::ZERO;

/// A block header. Its hash — `keccak256` of its Borsh encoding, fields in declaration order — is
/// the block's identity: the value validators vote on.
#[derive(Debug, Clone, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(into = "HeaderJson", from = "HeaderJson")]
pub struct Header {
    /// [`PROTOCOL_VERSION`] of the rules the block was executed under.
    pub protocol_version: u32,
    /// Chain id.
    pub chain_id: u64,
    /// Height (genesis is 0).
    pub height: u64,
    /// Milliseconds since the Unix epoch, as proposed. Actions see whole seconds
    /// ([`BlockContext::timestamp`]).
    pub timestamp_ms: u64,
    /// Hash of the previous header ([`GENESIS_PARENT`] for genesis).
    pub parent_hash: B256,
    /// Who proposed the block, as the consensus engine names it.
    pub proposer: Address,
    /// Hash of the validator set that decides this block ([`crate::validators::ValidatorSet::hash`]).
    pub validator_set_hash: B256,
    /// Hash of the parent's commit certificate carried in the block ([`Certificate::hash`]);
    /// zero when the block carries none (the first block, a chain without validators).
    pub last_commit_hash: B256,
    /// [`encoding::transactions_root`] of the body.
    pub transactions_root: B256,
    /// [`encoding::receipts_root`] of the receipts.
    pub receipts_root: B256,
    /// Root of the state after this block.
    pub state_root: B256,
}

impl Header {
    /// The genesis header of chain `chain_id`, at `genesis_time` seconds, over the state root
    /// genesis wrote and the hash of the genesis validator set.
    pub fn genesis(
        chain_id: u64,
        genesis_time: u64,
        state_root: B256,
        validator_set_hash: B256,
    ) -> Self {
        Self {
            protocol_version: PROTOCOL_VERSION,
            chain_id,
            height: 0,
            timestamp_ms: genesis_time.saturating_mul(1_000),
            parent_hash: GENESIS_PARENT,
            proposer: Address::ZERO,
            validator_set_hash,
            last_commit_hash: B256::ZERO,
            transactions_root: encoding::hash_list([]),
            receipts_root: encoding::hash_list([]),
            state_root,
        }
    }

    /// The block hash: `keccak256` of the header's canonical encoding.
    pub fn hash(&self) -> B256 {
        keccak256(encoding::to_bytes(self))
    }

    /// Whole seconds since the Unix epoch: the time actions see.
    pub fn timestamp_secs(&self) -> u64 {
        self.timestamp_ms / 1_000
    }

    /// The execution context of this block.
    pub fn context(&self) -> Result<BlockContext, BlockError> {
        Ok(BlockContext {
            number: u32::try_from(self.height)
                .map_err(|_| BlockError::HeightOutOfRange(self.height))?,
            timestamp: self.timestamp_secs(),
            chain_id: self.chain_id,
        })
    }
}

/// A block: the header, the parent's commit certificate and the transactions it commits to, in
/// execution order.
#[derive(Debug, Clone, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Block {
    /// Header.
    pub header: Header,
    /// The commit certificate of the parent (none for the first block and on a chain without
    /// validators).
    pub last_commit: Option<Certificate>,
    /// Transactions in execution order.
    pub transactions: Vec<Transaction>,
}

impl Block {
    /// The block's canonical bytes (what travels between validators and what the store keeps).
    pub fn to_bytes(&self) -> Vec<u8> {
        encoding::to_bytes(self)
    }

    /// Whether the body is the one the header names (its transactions root). A body that is not
    /// is a corrupted copy: it says nothing about the block the header describes, and is found
    /// before any signature or execution work.
    pub fn check_body(&self) -> Result<(), InvalidBlock> {
        let root = encoding::transactions_root(&self.transactions);
        if root != self.header.transactions_root {
            return Err(InvalidBlock::TransactionsRoot {
                got: self.header.transactions_root,
                expected: root,
            });
        }
        Ok(())
    }

    /// Decodes a block from at most `max_bytes` canonical bytes.
    pub fn from_bytes(bytes: &[u8], max_bytes: usize) -> Result<Self, encoding::DecodeError> {
        encoding::from_bytes(bytes, max_bytes)
    }
}

/// The header as JSON: camelCase fields, with `timestamp` in seconds (as before the header
/// gained milliseconds) beside `timestampMs`.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct HeaderJson {
    protocol_version: u32,
    chain_id: u64,
    height: u64,
    #[serde(default, skip_deserializing)]
    timestamp: u64,
    timestamp_ms: u64,
    parent_hash: B256,
    proposer: Address,
    validator_set_hash: B256,
    last_commit_hash: B256,
    transactions_root: B256,
    receipts_root: B256,
    state_root: B256,
}

impl From<Header> for HeaderJson {
    fn from(h: Header) -> Self {
        Self {
            protocol_version: h.protocol_version,
            chain_id: h.chain_id,
            height: h.height,
            timestamp: h.timestamp_secs(),
            timestamp_ms: h.timestamp_ms,
            parent_hash: h.parent_hash,
            proposer: h.proposer,
            validator_set_hash: h.validator_set_hash,
            last_commit_hash: h.last_commit_hash,
            transactions_root: h.transactions_root,
            receipts_root: h.receipts_root,
            state_root: h.state_root,
        }
    }
}

impl From<HeaderJson> for Header {
    fn from(h: HeaderJson) -> Self {
        Self {
            protocol_version: h.protocol_version,
            chain_id: h.chain_id,
            height: h.height,
            timestamp_ms: h.timestamp_ms,
            parent_hash: h.parent_hash,
            proposer: h.proposer,
            validator_set_hash: h.validator_set_hash,
            last_commit_hash: h.last_commit_hash,
            transactions_root: h.transactions_root,
            receipts_root: h.receipts_root,
            state_root: h.state_root,
        }
    }
}
