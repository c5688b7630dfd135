//! The mempool: signed transactions waiting for a block.
//!
//! Admission runs the stateless checks (size, signature) and the nonce check against the
//! committed state: a nonce below the sender's is stale, one too far above is refused, a second
//! transaction for the same `(sender, nonce)` is refused, and per-sender and total limits bound
//! memory. Blocks take, sender by sender in turn, each sender's run of consecutive nonces starting
//! at its committed nonce, so a gap holds back only that sender.
//!
//! Memory is bounded in bytes as well as in count: each pending transaction is charged its
//! canonical encoded length plus a fixed overhead for its entries, per sender and in total.
//!
//! A sender's pending transactions must fit what it has left of its transaction quota in the
//! window of the next block (ADR 0005): an account with nothing at stake or in hand can hold
//! nothing here, and nobody can queue more than the chain would let it write.

use alloy_primitives::{Address, B256};
use restake_core::tx::Transaction;
use std::collections::BTreeMap;
use thiserror::Error;

/// Mempool limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MempoolLimits {
    /// Most pending transactions per sender (also the furthest nonce ahead accepted).
    pub per_sender: usize,
    /// Most pending transactions in total.
    pub total: usize,
    /// Most bytes one sender's pending transactions may take (see [`charged_bytes`]).
    pub per_sender_bytes: usize,
    /// Most bytes all pending transactions may take.
    pub total_bytes: usize,
    /// How far past the sender's next free nonce (its highest pending nonce plus one, or its
    /// committed nonce) a transaction may be: one further ahead cannot run soon and is refused.
    pub max_nonce_gap: u64,
}

impl Default for MempoolLimits {
    fn default() -> Self {
        Self {
            per_sender: 256,
            total: 50_000,
            per_sender_bytes: 1024 * 1024,
            total_bytes: 64 * 1024 * 1024,
            max_nonce_gap: 16,
        }
    }
}

/// What a pending transaction costs the pool: its canonical encoded length plus a fixed
/// allowance for its two index entries and the decoded form's headers.
pub fn charged_bytes(encoded_len: usize) -> usize {
    encoded_len.saturating_add(ENTRY_OVERHEAD)
}

/// Bytes charged per pending transaction beyond its encoding.
const ENTRY_OVERHEAD: usize = 256;

/// Why a transaction was not admitted.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MempoolError {
    /// The same transaction is already pending.
    #[error("transaction {0} is already pending")]
    AlreadyKnown(B256),
    /// Another transaction with this nonce is pending.
    #[error("another transaction from {from} with nonce {nonce} is already pending")]
    NonceTaken {
        /// Sender.
        from: Address,
        /// Nonce.
        nonce: u64,
    },
    /// The nonce was already used.
    #[error("nonce {got} is stale: {from}'s next nonce is {expected}")]
    StaleNonce {
        /// Sender.
        from: Address,
        /// Nonce carried.
        got: u64,
        /// Next nonce.
        expected: u64,
    },
    /// The nonce is too far ahead of the sender's (or of its pending transactions).
    #[error(
        "nonce {got} is too far ahead: {from}'s next nonce is {expected}; a transaction more \
         than a few nonces past the sender's pending ones cannot run soon and is not held"
    )]
    FutureNonce {
        /// Sender.
        from: Address,
        /// Nonce carried.
        got: u64,
        /// Next nonce.
        expected: u64,
    },
    /// The sender has too many pending transactions.
    #[error("{0} has too many pending transactions")]
    SenderFull(Address),
    /// The pool is full.
    #[error("the mempool is full")]
    PoolFull,
    /// The sender's pending transactions would take more bytes than a sender may.
    #[error("{from}'s pending transactions would take {bytes} bytes; a sender may hold {limit}")]
    SenderBytesFull {
        /// Sender.
        from: Address,
        /// What they would take with this one.
        bytes: usize,
        /// The limit.
        limit: usize,
    },
    /// The sender's pending transactions would need more quota units than it has left.
    #[error(
        "{from} has {remaining} transaction-quota units left for the next block's window, \
         {pending} of them taken by pending transactions, and this one needs {needed}; the \
         allowance grows with what the account holds or has at stake"
    )]
    QuotaExceeded {
        /// Sender.
        from: Address,
        /// Units this transaction costs.
        needed: u64,
        /// Units the sender's pending transactions already take.
        pending: u64,
        /// Units left in the window.
        remaining: u64,
    },
    /// The pool would take more bytes than it may.
    #[error("the mempool is full: {bytes} bytes pending would exceed its {limit}")]
    PoolBytesFull {
        /// What the pool would take with this one.
        bytes: usize,
        /// The limit.
        limit: usize,
    },
}

/// A pending transaction with its id.
#[derive(Debug, Clone)]
pub struct Pending {
    /// Transaction id.
    pub hash: B256,
    /// The transaction.
    pub tx: Transaction,
    /// Height of the last committed block when it was admitted.
    pub admitted_at: u64,
    /// Bytes charged for it ([`charged_bytes`]).
    pub bytes: usize,
    /// Quota units it costs.
    pub units: u64,
}

/// One sender's pending transactions by nonce, and its nonce in the committed state as last
/// seen (at admission or at the last block that included one of its transactions).
#[derive(Debug, Default)]
struct Queue {
    committed: u64,
    txs: BTreeMap<u64, Pending>,
    bytes: usize,
    units: u64,
    /// `(head, remaining)`: quota units left for the window of block `head + 1`, read from the
    /// state committed at `head`.
    quota: Option<(u64, u64)>,
}

/// Id → (sender, nonce). A hash map, unlike the rest of the node: it is looked up on every
/// admission (a B-tree of 32-byte keys cost more than a microsecond per transaction there) and
/// never iterated, so its order, which differs between runs, never matters.
#[allow(clippy::disallowed_types)]
type ById = std::collections::HashMap<B256, (Address, u64)>;

/// Pending transactions by sender and nonce.
#[derive(Debug, Default)]
pub struct Mempool {
    limits: MempoolLimits,
    by_sender: BTreeMap<Address, Queue>,
    by_hash: ById,
    bytes: usize,
}

impl Mempool {
    /// An empty pool.
    pub fn new(limits: MempoolLimits) -> Self {
        Self {
            limits,
            by_sender: BTreeMap::new(),
            by_hash: ById::default(),
            bytes: 0,
        }
    }

    /// Number of pending transactions.
    pub fn len(&self) -> usize {
        self.by_hash.len()
    }

    /// Bytes charged for everything pending.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// True when nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.by_hash.is_empty()
    }

    /// True when some sender's next transaction (the one at its committed nonce) is pending:
    /// a block built now would not be empty. Transactions held back by a nonce gap do not count.
    pub fn has_ready(&self) -> bool {
        self.by_sender
            .values()
            .any(|q| q.txs.contains_key(&q.committed))
    }

    /// True when `hash` is pending.
    pub fn contains(&self, hash: &B256) -> bool {
        self.by_hash.contains_key(hash)
    }

    /// The pending transaction with this id.
    pub fn get(&self, hash: &B256) -> Option<&Pending> {
        let (from, nonce) = self.by_hash.get(hash)?;
        self.by_sender.get(from)?.txs.get(nonce)
    }

    /// The committed nonce of a sender with pending transactions, as this pool last saw it: a
    /// sender's nonce moves only with its own transactions, and every block that includes one
    /// updates it ([`Mempool::prune_sender`]). Spares admission a state read per transaction.
    pub fn committed_nonce(&self, from: &Address) -> Option<u64> {
        self.by_sender.get(from).map(|q| q.committed)
    }

    /// The nonce after the sender's pending run, given its committed nonce.
    pub fn next_nonce(&self, from: &Address, committed: u64) -> u64 {
        let mut n = committed;
        if let Some(q) = self.by_sender.get(from) {
            while q.txs.contains_key(&n) {
                n = n.saturating_add(1);
            }
        }
        n
    }

    /// The quota units a sender with pending transactions has left for the window of block
    /// `head + 1`, if this pool read them at `head`.
    pub fn quota_remaining(&self, from: &Address, head: u64) -> Option<u64> {
        match self.by_sender.get(from)?.quota {
            Some((at, remaining)) if at == head => Some(remaining),
            _ => None,
        }
    }

    /// Admits a transaction whose signature was checked; `encoded_len` is its canonical
    /// length, `committed` the sender's nonce in the committed state, `height` the last
    /// committed block and `remaining` the sender's quota units left for the next block's
    /// window (read at `height`).
    pub fn insert(
        &mut self,
        hash: B256,
        tx: Transaction,
        encoded_len: usize,
        committed: u64,
        height: u64,
        remaining: u64,
    ) -> Result<(), MempoolError> {
        let from = tx.from;
        let nonce = tx.nonce;
        let committed = self
            .committed_nonce(&from)
            .map_or(committed, |known| known.max(committed));
        if self.by_hash.contains_key(&hash) {
            return Err(MempoolError::AlreadyKnown(hash));
        }
        if nonce < committed {
            return Err(MempoolError::StaleNonce {
                from,
                got: nonce,
                expected: committed,
            });
        }
        let ahead = usize::try_from(nonce.saturating_sub(committed)).unwrap_or(usize::MAX);
        // Beyond the sender's highest pending nonce (or its committed one) by more than the gap
        // allowed, a transaction cannot become executable soon: it is not held.
        let highest = self
            .by_sender
            .get(&from)
            .and_then(|q| q.txs.last_key_value())
            .map_or(committed, |(n, _)| committed.max(n.saturating_add(1)));
        let gap = nonce.saturating_sub(highest);
        if ahead >= self.limits.per_sender || gap > self.limits.max_nonce_gap {
            return Err(MempoolError::FutureNonce {
                from,
                got: nonce,
                expected: committed,
            });
        }
        let queue_len = self.by_sender.get(&from).map_or(0, |q| q.txs.len());
        if self
            .by_sender
            .get(&from)
            .is_some_and(|q| q.txs.contains_key(&nonce))
        {
            return Err(MempoolError::NonceTaken { from, nonce });
        }
        if queue_len >= self.limits.per_sender {
            return Err(MempoolError::SenderFull(from));
        }
        if self.by_hash.len() >= self.limits.total {
            return Err(MempoolError::PoolFull);
        }
        let units = restake_core::quota::units(encoded_len);
        let pending = self.by_sender.get(&from).map_or(0, |q| q.units);
        if pending.saturating_add(units) > remaining {
            return Err(MempoolError::QuotaExceeded {
                from,
                needed: units,
                pending,
                remaining,
            });
        }
        let bytes = charged_bytes(encoded_len);
        let sender_bytes = self
            .by_sender
            .get(&from)
            .map_or(0, |q| q.bytes)
            .saturating_add(bytes);
        if sender_bytes > self.limits.per_sender_bytes {
            return Err(MempoolError::SenderBytesFull {
                from,
                bytes: sender_bytes,
                limit: self.limits.per_sender_bytes,
            });
        }
        let total_bytes = self.bytes.saturating_add(bytes);
        if total_bytes > self.limits.total_bytes {
            return Err(MempoolError::PoolBytesFull {
                bytes: total_bytes,
                limit: self.limits.total_bytes,
            });
        }
        let queue = self.by_sender.entry(from).or_default();
        queue.committed = committed;
        queue.bytes = sender_bytes;
        queue.units = pending.saturating_add(units);
        queue.quota = Some((height, remaining));
        queue.txs.insert(
            nonce,
            Pending {
                hash,
                tx,
                admitted_at: height,
                bytes,
                units,
            },
        );
        self.by_hash.insert(hash, (from, nonce));
        self.bytes = total_bytes;
        Ok(())
    }

    /// Up to `max` executable transactions: each sender's consecutive nonces from its committed
    /// nonce, taken one per sender per round so no sender crowds out the others.
    pub fn ready(&self, max: usize, committed: impl Fn(&Address) -> u64) -> Vec<Pending> {
        let mut cursors: Vec<(&BTreeMap<u64, Pending>, u64)> = self
            .by_sender
            .iter()
            .map(|(a, q)| (&q.txs, committed(a)))
            .collect();
        let mut out = Vec::new();
        while out.len() < max {
            let mut progressed = false;
            for (q, next) in cursors.iter_mut() {
                if out.len() >= max {
                    break;
                }
                if let Some(p) = q.get(next) {
                    out.push(p.clone());
                    *next = next.saturating_add(1);
                    progressed = true;
                }
            }
            if !progressed {
                break;
            }
        }
        out
    }

    /// Drops every transaction admitted before block `before` (for example, one stuck behind a
    /// nonce gap that was never filled). Returns how many were dropped.
    pub fn expire(&mut self, before: u64) -> usize {
        let stale: Vec<B256> = self
            .by_sender
            .values()
            .flat_map(|q| q.txs.values())
            .filter(|p| p.admitted_at < before)
            .map(|p| p.hash)
            .collect();
        for h in &stale {
            self.remove(h);
        }
        stale.len()
    }

    /// Drops one transaction by id.
    pub fn remove(&mut self, hash: &B256) {
        let Some((from, nonce)) = self.by_hash.remove(hash) else {
            return;
        };
        if let Some(q) = self.by_sender.get_mut(&from) {
            if let Some(p) = q.txs.remove(&nonce) {
                q.bytes = q.bytes.saturating_sub(p.bytes);
                q.units = q.units.saturating_sub(p.units);
                self.bytes = self.bytes.saturating_sub(p.bytes);
            }
            if q.txs.is_empty() {
                self.by_sender.remove(&from);
            }
        }
    }

    /// Drops every transaction of `from` with a nonce below `committed` (included or stale).
    pub fn prune_sender(&mut self, from: &Address, committed: u64) {
        let Some(q) = self.by_sender.get_mut(from) else {
            return;
        };
        let keep = q.txs.split_off(&committed);
        for p in q.txs.values() {
            self.by_hash.remove(&p.hash);
            q.bytes = q.bytes.saturating_sub(p.bytes);
            q.units = q.units.saturating_sub(p.units);
            self.bytes = self.bytes.saturating_sub(p.bytes);
        }
        q.txs = keep;
        q.committed = committed;
        if q.txs.is_empty() {
            self.by_sender.remove(from);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::Bytes;
    use restake_core::Action;

    fn tx(from: u8, nonce: u64) -> (B256, Transaction) {
        let from = Address::repeat_byte(from);
        let t = Transaction {
            from,
            nonce,
            action: Action::PauseAll {},
            signature: Bytes::new(),
        };
        let mut h = [0u8; 32];
        h[0] = from.0[0];
        h[24..].copy_from_slice(&nonce.to_be_bytes());
        (B256::from(h), t)
    }

    fn pool() -> Mempool {
        Mempool::new(MempoolLimits {
            per_sender: 4,
            total: 6,
            ..MempoolLimits::default()
        })
    }

    #[test]
    fn stale_duplicate_taken_and_far_future_nonces_are_refused() {
        let mut m = pool();
        let (h, t) = tx(1, 5);
        assert!(matches!(
            m.insert(h, t.clone(), 100, 6, 0, 1_000),
            Err(MempoolError::StaleNonce { .. })
        ));
        m.insert(h, t.clone(), 100, 5, 0, 1_000)
            .unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(
            m.insert(h, t.clone(), 100, 5, 0, 1_000),
            Err(MempoolError::AlreadyKnown(h))
        );
        let other = B256::repeat_byte(0xee);
        assert!(matches!(
            m.insert(other, t, 100, 5, 0, 1_000),
            Err(MempoolError::NonceTaken { .. })
        ));
        let (h9, t9) = tx(1, 9);
        assert!(matches!(
            m.insert(h9, t9, 100, 5, 0, 1_000),
            Err(MempoolError::FutureNonce { .. })
        ));
    }

    #[test]
    fn limits_per_sender_and_in_total_hold() {
        let mut m = pool();
        for n in 0..4 {
            let (h, t) = tx(1, n);
            assert!(m.insert(h, t, 100, 0, 0, 1_000).is_ok());
        }
        let (h, t) = tx(2, 0);
        assert!(m.insert(h, t, 100, 0, 0, 1_000).is_ok());
        let (h, t) = tx(3, 0);
        assert!(m.insert(h, t, 100, 0, 0, 1_000).is_ok());
        let (h, t) = tx(4, 0);
        assert_eq!(
            m.insert(h, t, 100, 0, 0, 1_000),
            Err(MempoolError::PoolFull)
        );
    }

    #[test]
    fn ready_takes_consecutive_nonces_round_robin_and_stops_at_gaps() {
        let mut m = pool();
        for (s, n) in [(1, 0), (1, 1), (1, 3), (2, 0), (2, 1)] {
            let (h, t) = tx(s, n);
            assert!(m.insert(h, t, 100, 0, 0, 1_000).is_ok());
        }
        let order: Vec<(u8, u64)> = m
            .ready(10, |_| 0)
            .iter()
            .map(|p| (p.tx.from.0[0], p.tx.nonce))
            .collect();
        assert_eq!(order, vec![(1, 0), (2, 0), (1, 1), (2, 1)]);
        assert_eq!(m.ready(3, |_| 0).len(), 3);
        assert_eq!(m.next_nonce(&Address::repeat_byte(1), 0), 2);
    }

    #[test]
    fn transactions_stuck_behind_a_gap_expire() {
        let mut m = pool();
        let (h, t) = tx(1, 2);
        assert!(m.insert(h, t, 100, 0, 5, 1_000).is_ok());
        let (h2, t2) = tx(2, 0);
        assert!(m.insert(h2, t2, 100, 0, 9, 1_000).is_ok());
        assert_eq!(m.expire(6), 1);
        assert!(!m.contains(&h));
        assert!(m.contains(&h2));
    }

    #[test]
    fn a_senders_committed_nonce_is_remembered_while_it_has_pending_transactions() {
        let mut m = pool();
        let from = Address::repeat_byte(1);
        assert_eq!(m.committed_nonce(&from), None);
        let (h, t) = tx(1, 3);
        assert!(m.insert(h, t, 100, 3, 0, 1_000).is_ok());
        assert_eq!(m.committed_nonce(&from), Some(3));
        // A lower reading (an older snapshot) does not move it back: nonce 2 stays stale.
        let (h2, t2) = tx(1, 2);
        assert!(matches!(
            m.insert(h2, t2, 100, 1, 0, 1_000),
            Err(MempoolError::StaleNonce { expected: 3, .. })
        ));
        m.prune_sender(&from, 4);
        assert_eq!(m.committed_nonce(&from), None);
    }

    #[test]
    fn large_pending_transactions_stay_within_the_byte_budgets() {
        let mut m = Mempool::new(MempoolLimits {
            per_sender: 100,
            total: 1_000,
            per_sender_bytes: 3 * charged_bytes(64 * 1024),
            total_bytes: 5 * charged_bytes(64 * 1024),
            ..MempoolLimits::default()
        });
        let big = 64 * 1024;
        for n in 0..3 {
            let (h, t) = tx(1, n);
            assert!(m.insert(h, t, big, 0, 0, 1_000).is_ok());
        }
        let (h, t) = tx(1, 3);
        assert!(matches!(
            m.insert(h, t, big, 0, 0, 1_000),
            Err(MempoolError::SenderBytesFull { .. })
        ));
        for n in 0..2 {
            let (h, t) = tx(2, n);
            assert!(m.insert(h, t, big, 0, 0, 1_000).is_ok());
        }
        let (h, t) = tx(3, 0);
        assert!(matches!(
            m.insert(h, t, big, 0, 0, 1_000),
            Err(MempoolError::PoolBytesFull { .. })
        ));
        assert_eq!(m.bytes(), 5 * charged_bytes(big));
        // Removing, pruning and expiring give the bytes back.
        m.prune_sender(&Address::repeat_byte(1), 2);
        m.remove(&tx(2, 1).0);
        assert_eq!(m.bytes(), 2 * charged_bytes(big));
        assert_eq!(m.expire(1), 2);
        assert_eq!(m.bytes(), 0);
        let (h, t) = tx(3, 0);
        assert!(m.insert(h, t, big, 0, 0, 1_000).is_ok());
    }

    #[test]
    fn a_senders_pending_transactions_must_fit_its_remaining_quota() {
        let mut m = pool();
        let from = Address::repeat_byte(1);
        let (h, t) = tx(1, 0);
        assert!(matches!(
            m.insert(h, t, 100, 0, 7, 0),
            Err(MempoolError::QuotaExceeded {
                needed: 1,
                pending: 0,
                remaining: 0,
                ..
            })
        ));
        assert!(m.is_empty());
        for n in 0..2 {
            let (h, t) = tx(1, n);
            assert!(m.insert(h, t, 100, 0, 7, 2).is_ok());
        }
        assert_eq!(m.quota_remaining(&from, 7), Some(2));
        assert_eq!(m.quota_remaining(&from, 8), None, "read at another head");
        let (h, t) = tx(1, 2);
        assert!(matches!(
            m.insert(h, t, 100, 0, 7, 2),
            Err(MempoolError::QuotaExceeded { pending: 2, .. })
        ));
        // A 2 KiB transaction costs three units.
        m.prune_sender(&from, 1);
        let (h, t) = tx(1, 1);
        assert!(m.contains(&h));
        let (h2, t2) = tx(1, 2);
        assert!(matches!(
            m.insert(h2, t2.clone(), 2 * 1024, 1, 8, 3),
            Err(MempoolError::QuotaExceeded {
                needed: 3,
                pending: 1,
                ..
            })
        ));
        assert!(m.insert(h2, t2, 2 * 1024, 1, 8, 4).is_ok());
        drop((h, t));
    }

    #[test]
    fn a_nonce_far_past_the_senders_pending_ones_is_not_held() {
        let mut m = Mempool::new(MempoolLimits::default());
        let gap = MempoolLimits::default().max_nonce_gap;
        // Committed nonce 0: up to `gap` past it is held, one more is not.
        let (h, t) = tx(1, gap);
        assert!(m.insert(h, t, 100, 0, 0, 1_000).is_ok());
        let (h, t) = tx(1, 2 * gap + 2);
        assert!(matches!(
            m.insert(h, t, 100, 0, 0, 1_000),
            Err(MempoolError::FutureNonce { .. })
        ));
        // Measured from the highest pending nonce: filling in moves the limit on.
        let (h, t) = tx(1, 2 * gap + 1);
        assert!(m.insert(h, t, 100, 0, 0, 1_000).is_ok());
        let (h, t) = tx(1, 2 * gap + 2);
        assert!(m.insert(h, t, 100, 0, 0, 1_000).is_ok());
    }

    #[test]
    fn pruning_drops_included_transactions() {
        let mut m = pool();
        for n in 0..3 {
            let (h, t) = tx(1, n);
            assert!(m.insert(h, t, 100, 0, 0, 1_000).is_ok());
        }
        m.prune_sender(&Address::repeat_byte(1), 2);
        assert_eq!(m.len(), 1);
        assert_eq!(m.ready(10, |_| 2).len(), 1);
        m.prune_sender(&Address::repeat_byte(1), 3);
        assert!(m.is_empty());
    }

    #[test]
    fn only_a_transaction_at_its_senders_committed_nonce_makes_the_pool_ready() {
        let mut m = pool();
        assert!(!m.has_ready());
        // Behind a gap: pending, but no block could include it.
        let (h, t) = tx(1, 1);
        assert!(m.insert(h, t, 100, 0, 0, 1_000).is_ok());
        assert!(!m.has_ready());
        let (h, t) = tx(1, 0);
        assert!(m.insert(h, t, 100, 0, 0, 1_000).is_ok());
        assert!(m.has_ready());
        // Both included: nothing is left to propose.
        m.prune_sender(&Address::repeat_byte(1), 2);
        assert!(!m.has_ready());
    }
}
