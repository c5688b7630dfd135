//! The index's tables and their keys. Keys are big-endian so that redb's byte order is height
//! order, and a page's cursor is simply the key of the last item it returned.

use alloy_primitives::Address;
use redb::TableDefinition;

/// `"height"` → the last height indexed; `"layout"` → the layout version.
pub(super) const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
/// Event position → the stored event.
pub(super) const EVENTS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("events");
/// Address ‖ height → the positions `(tx, event)` in that block of the events that name the
/// address, each 8 bytes, in order. One entry per address and block (not per event): a block of
/// thousands of transfers of one token writes one entry for the token.
pub(super) const EVENTS_BY_ADDRESS: TableDefinition<&[u8], &[u8]> =
    TableDefinition::new("events_by_address");
/// Address ‖ height → `(tx index, transaction id)` (36 bytes each), in order: the block's
/// transactions sent by, or whose events name, the address.
pub(super) const TXS_BY_ADDRESS: TableDefinition<&[u8], &[u8]> =
    TableDefinition::new("txs_by_address");
/// Operator → registered-at height ‖ stakers delegated now (8 + 8 bytes).
pub(super) const OPERATORS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("operators");
/// Operator ‖ staker → the height the staker delegated at.
pub(super) const DELEGATORS: TableDefinition<&[u8], u64> = TableDefinition::new("delegators");
/// AVS → first seen at height ‖ operator sets created (8 + 8 bytes).
pub(super) const AVSS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("avss");
/// AVS ‖ set id → the height the set was created at.
pub(super) const OPERATOR_SETS: TableDefinition<&[u8], u64> = TableDefinition::new("operator_sets");
/// Bytes of one `(tx, event)` posting.
pub(super) const EVENT_POSTING: usize = 8;
/// Bytes of one `(tx, id)` posting.
pub(super) const TX_POSTING: usize = 36;

pub(super) const META_HEIGHT: &str = "height";
/// `"layout"` → the index's layout version.
pub(super) const META_LAYOUT: &str = "layout";
/// `"genesis"` → keccak of the stored genesis block: which chain this index belongs to.
pub(super) const CHAIN: TableDefinition<&str, &[u8]> = TableDefinition::new("chain");
pub(super) const CHAIN_GENESIS: &str = "genesis";

/// Where an event is: block height, transaction index, event index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct EventPosition {
    /// Block height.
    pub height: u64,
    /// Transaction index in the block.
    pub tx: u32,
    /// Event index in the transaction's receipt.
    pub event: u32,
}

impl EventPosition {
    pub(super) const LEN: usize = 16;

    pub(super) fn to_bytes(self) -> Vec<u8> {
        [
            self.height.to_be_bytes().as_slice(),
            &self.tx.to_be_bytes(),
            &self.event.to_be_bytes(),
        ]
        .concat()
    }

    pub(super) fn from_bytes(b: &[u8]) -> Option<Self> {
        Some(Self {
            height: u64::from_be_bytes(b.get(..8)?.try_into().ok()?),
            tx: u32::from_be_bytes(b.get(8..12)?.try_into().ok()?),
            event: u32::from_be_bytes(b.get(12..16)?.try_into().ok()?),
        })
    }

    /// The first position of `height`.
    pub(super) fn start_of(height: u64) -> Self {
        Self {
            height,
            tx: 0,
            event: 0,
        }
    }
}

/// `address ‖ rest`.
pub(super) fn under(address: &Address, rest: &[u8]) -> Vec<u8> {
    [address.as_slice(), rest].concat()
}

/// `height ‖ tx`: a transaction's position.
pub(super) fn tx_position(height: u64, tx: u32) -> Vec<u8> {
    [height.to_be_bytes().as_slice(), &tx.to_be_bytes()].concat()
}

/// Reads `height ‖ tx`.
pub(super) fn read_tx_position(b: &[u8]) -> Option<(u64, u32)> {
    Some((
        u64::from_be_bytes(b.get(..8)?.try_into().ok()?),
        u32::from_be_bytes(b.get(8..12)?.try_into().ok()?),
    ))
}

/// Reads a `(tx index, transaction id)` posting.
pub(super) fn read_tx_posting(b: &[u8]) -> Option<(u32, alloy_primitives::B256)> {
    Some((
        u32::from_be_bytes(b.get(..4)?.try_into().ok()?),
        alloy_primitives::B256::try_from(b.get(4..36)?).ok()?,
    ))
}

/// `OperatorSlashed` event position → nothing: every slash, in chain order.
pub(super) const SLASHES: TableDefinition<&[u8], &[u8]> = TableDefinition::new("slashes");
/// Address ‖ slash position → nothing: the slashes of an operator, of an AVS, and of each staker
/// delegated to the operator when it was slashed.
pub(super) const SLASHES_BY_ADDRESS: TableDefinition<&[u8], &[u8]> =
    TableDefinition::new("slashes_by_address");
/// Queued-withdrawal event position → withdrawal root: the queue in chain order.
pub(super) const WITHDRAWAL_QUEUE: TableDefinition<&[u8], &[u8]> =
    TableDefinition::new("withdrawal_queue");
/// Staker ‖ queued position → withdrawal root.
pub(super) const WITHDRAWALS_BY_STAKER: TableDefinition<&[u8], &[u8]> =
    TableDefinition::new("withdrawals_by_staker");
/// Withdrawal root → the height it was completed at.
pub(super) const WITHDRAWALS_DONE: TableDefinition<&[u8], u64> =
    TableDefinition::new("withdrawals_done");
/// Strategy → the token amount it holds (32 bytes, big-endian).
pub(super) const STRATEGIES: TableDefinition<&[u8], &[u8]> = TableDefinition::new("strategies");
/// Series kind ‖ address ‖ height → the value at the end of that block (32 bytes,
/// big-endian): a step function, written at the heights it changes.
pub(super) const SERIES: TableDefinition<&[u8], &[u8]> = TableDefinition::new("series");
/// Staker → nothing: every address that has deposited into a strategy.
pub(super) const STAKERS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("stakers");
/// Strategy → the shares delegated to operators in it (32 bytes, big-endian).
pub(super) const DELEGATED_SHARES: TableDefinition<&[u8], &[u8]> =
    TableDefinition::new("delegated_shares");
/// AVS → its metadata URI, the newest it set.
pub(super) const AVS_METADATA: TableDefinition<&[u8], &str> = TableDefinition::new("avs_metadata");
/// Proposer ‖ height → the block's transaction count: the blocks each validator proposed.
pub(super) const PROPOSED: TableDefinition<&[u8], u64> = TableDefinition::new("proposed");
