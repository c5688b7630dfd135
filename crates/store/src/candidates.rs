//! Candidate blocks of heights not yet committed, kept durably so that a validator that crashes
//! and restarts mid-height neither proposes a second, different block for a round it already
//! proposed in (that would be equivocation), nor loses a block it may already have voted for and
//! must commit when the decision arrives.
//!
//! - `candidates`: `height ‖ hash` → `u32 note length ‖ note ‖ block bytes`. The note is the
//!   engine's own record of the block (round, proposer, how it arrived), opaque to the store.
//! - `own_proposals`: `height ‖ round` → hash: the block this node proposed in each round.
//!
//! Every write here is durable before it returns. Committing a height deletes the candidates and
//! proposals of that height and below in the same write ([`prune_decided`]).

use crate::tables::{CANDIDATES, OWN_PROPOSALS};
use crate::{Store, StoreError};
use alloy_primitives::B256;
use redb::{Durability, ReadableTable, WriteTransaction};

/// A kept candidate: its hash, the engine's note and the block bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptCandidate {
    /// The block hash.
    pub hash: B256,
    /// The engine's note, as given.
    pub note: Vec<u8>,
    /// The block's canonical bytes.
    pub block: Vec<u8>,
}

fn candidate_key(height: u64, hash: &B256) -> [u8; 40] {
    let mut k = [0u8; 40];
    let (h, rest) = k.split_at_mut(8);
    h.copy_from_slice(&height.to_be_bytes());
    rest.copy_from_slice(hash.as_slice());
    k
}

fn proposal_key(height: u64, round: u32) -> [u8; 12] {
    let mut k = [0u8; 12];
    let (h, r) = k.split_at_mut(8);
    h.copy_from_slice(&height.to_be_bytes());
    r.copy_from_slice(&round.to_be_bytes());
    k
}

fn encode(note: &[u8], block: &[u8]) -> Result<Vec<u8>, StoreError> {
    let len = u32::try_from(note.len())
        .map_err(|_| StoreError::Corrupt("candidate note longer than 4 GiB".into()))?;
    let mut out = Vec::with_capacity(note.len().saturating_add(block.len()).saturating_add(4));
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(note);
    out.extend_from_slice(block);
    Ok(out)
}

fn decode(hash: B256, value: &[u8]) -> Result<KeptCandidate, StoreError> {
    let corrupt = || StoreError::Corrupt("candidate entry is shorter than its note".into());
    let (len, rest) = value.split_first_chunk::<4>().ok_or_else(corrupt)?;
    let len = usize::try_from(u32::from_be_bytes(*len)).map_err(|_| corrupt())?;
    let (note, block) = rest.split_at_checked(len).ok_or_else(corrupt)?;
    Ok(KeptCandidate {
        hash,
        note: note.to_vec(),
        block: block.to_vec(),
    })
}

fn hash_of(key: &[u8]) -> Result<B256, StoreError> {
    key.get(8..40)
        .and_then(|h| B256::try_from(h).ok())
        .ok_or_else(|| StoreError::Corrupt("candidate key is not 40 bytes".into()))
}

fn put_candidate(
    txn: &WriteTransaction,
    height: u64,
    hash: &B256,
    note: &[u8],
    block: &[u8],
) -> Result<(), StoreError> {
    let value = encode(note, block)?;
    txn.open_table(CANDIDATES)?
        .insert(&candidate_key(height, hash)[..], value.as_slice())?;
    Ok(())
}

/// Deletes the candidates and own proposals of `height` and below (inside a commit).
pub(crate) fn prune_decided(txn: &WriteTransaction, height: u64) -> Result<(), StoreError> {
    let Some(bound) = height.checked_add(1).map(u64::to_be_bytes) else {
        return Ok(());
    };
    let upper: &[u8] = &bound;
    for table in [CANDIDATES, OWN_PROPOSALS] {
        let mut t = txn.open_table(table)?;
        let keys = t
            .range::<&[u8]>(..upper)?
            .map(|e| e.map(|(k, _)| k.value().to_vec()))
            .collect::<Result<Vec<_>, _>>()?;
        for k in keys {
            t.remove(k.as_slice())?;
        }
    }
    Ok(())
}

impl Store {
    fn durable_write(
        &self,
        write: impl FnOnce(&WriteTransaction) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let mut txn = self.inner.db.begin_write()?;
        txn.set_durability(Durability::Immediate)?;
        write(&txn)?;
        txn.commit()?;
        Ok(())
    }

    /// Keeps a candidate block for `height` (received and verified), durably.
    pub fn keep_candidate(
        &self,
        height: u64,
        hash: &B256,
        note: &[u8],
        block: &[u8],
    ) -> Result<(), StoreError> {
        self.durable_write(|txn| put_candidate(txn, height, hash, note, block))
    }

    /// Keeps the block this node proposes for (`height`, `round`) and records it as that round's
    /// proposal, in one durable write.
    pub fn keep_own_proposal(
        &self,
        height: u64,
        round: u32,
        hash: &B256,
        note: &[u8],
        block: &[u8],
    ) -> Result<(), StoreError> {
        self.durable_write(|txn| {
            put_candidate(txn, height, hash, note, block)?;
            txn.open_table(OWN_PROPOSALS)?
                .insert(&proposal_key(height, round)[..], hash.as_slice())?;
            Ok(())
        })
    }

    /// The candidate with `hash` at `height`.
    pub fn candidate(&self, height: u64, hash: &B256) -> Result<Option<KeptCandidate>, StoreError> {
        let txn = self.read()?;
        let t = txn.open_table(CANDIDATES)?;
        let found = t.get(&candidate_key(height, hash)[..])?;
        found.map(|v| decode(*hash, v.value())).transpose()
    }

    /// Every candidate kept for `height`, by hash.
    pub fn candidates(&self, height: u64) -> Result<Vec<KeptCandidate>, StoreError> {
        let txn = self.read()?;
        let t = txn.open_table(CANDIDATES)?;
        let low = candidate_key(height, &B256::ZERO);
        let high = candidate_key(height, &B256::repeat_byte(0xff));
        t.range::<&[u8]>(&low[..]..=&high[..])?
            .map(|e| {
                let (k, v) = e?;
                decode(hash_of(k.value())?, v.value())
            })
            .collect()
    }

    /// The block this node proposed for (`height`, `round`), if any.
    pub fn own_proposal(&self, height: u64, round: u32) -> Result<Option<B256>, StoreError> {
        let txn = self.read()?;
        let t = txn.open_table(OWN_PROPOSALS)?;
        let found = t.get(&proposal_key(height, round)[..])?;
        found
            .map(|v| {
                B256::try_from(v.value())
                    .map_err(|_| StoreError::Corrupt("own proposal is not a 32-byte hash".into()))
            })
            .transpose()
    }
}
