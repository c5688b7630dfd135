//! A proposed block travels as a stream of proposal parts: `Init` (height, the round it was
//! first proposed in, its proposer, its length, how many chunks), the block's canonical bytes in
//! `Data` chunks of at most [`CHUNK_BYTES`], and `Fin` with the proposer's signature over the
//! block envelope. [`split`] makes the stream; [`Streams`] reassembles what peers send, bounded
//! in streams and bytes, keyed by (publisher, stream id) — never by the neighbour that relayed a
//! part.

use crate::types::{ConsensusAddress, Height, ProposalPart};
use bytes::Bytes;
use malachitebft_app_channel::app::types::PeerId;
use malachitebft_app_channel::app::types::core::Round;
use malachitebft_app_channel::app::types::streaming::{StreamId, StreamMessage};
use malachitebft_engine::util::streaming::StreamContent;
use restake_primitives::ed25519::Signature;
use std::collections::BTreeMap;

/// Largest `Data` chunk.
pub const CHUNK_BYTES: usize = 256 * 1024;
/// Most streams kept open at once, over all publishers.
pub const MAX_STREAMS: usize = 64;
/// Most bytes buffered over all open streams.
pub const MAX_BUFFERED: usize = 32 * 1024 * 1024;

/// The stream of a block: `Init`, `Data`…, `Fin`, then the end-of-stream marker.
pub fn split(
    stream_id: &StreamId,
    height: Height,
    round: Round,
    proposer: ConsensusAddress,
    block: &[u8],
    signature: Signature,
) -> Vec<StreamMessage<ProposalPart>> {
    let chunks: Vec<Bytes> = block
        .chunks(CHUNK_BYTES)
        .map(Bytes::copy_from_slice)
        .collect();
    let mut parts = Vec::with_capacity(chunks.len().saturating_add(3));
    parts.push(ProposalPart::Init {
        height,
        round,
        proposer,
        block_len: u32::try_from(block.len()).unwrap_or(u32::MAX),
        chunks: u32::try_from(chunks.len()).unwrap_or(u32::MAX),
    });
    for (i, bytes) in chunks.into_iter().enumerate() {
        parts.push(ProposalPart::Data {
            index: u32::try_from(i).unwrap_or(u32::MAX),
            bytes,
        });
    }
    parts.push(ProposalPart::Fin { signature });
    let mut messages: Vec<StreamMessage<ProposalPart>> = parts
        .into_iter()
        .enumerate()
        .map(|(seq, part)| {
            StreamMessage::new(
                stream_id.clone(),
                u64::try_from(seq).unwrap_or(u64::MAX),
                StreamContent::Data(part),
            )
        })
        .collect();
    let last = u64::try_from(messages.len()).unwrap_or(u64::MAX);
    messages.push(StreamMessage::new(
        stream_id.clone(),
        last,
        StreamContent::Fin,
    ));
    messages
}

/// A complete block received as a stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assembled {
    /// Height in `Init`.
    pub height: Height,
    /// The round it was first proposed in.
    pub round: Round,
    /// Its proposer, as `Init` says (checked by the caller).
    pub proposer: ConsensusAddress,
    /// The block's bytes.
    pub block: Vec<u8>,
    /// The `Fin` signature (checked by the caller).
    pub signature: Signature,
}

#[derive(Debug, Default)]
struct Partial {
    init: Option<(Height, Round, ConsensusAddress, u32, u32)>,
    data: BTreeMap<u32, Bytes>,
    fin: Option<Signature>,
    bytes: usize,
}

/// Streams being reassembled.
#[derive(Debug, Default)]
pub struct Streams {
    open: BTreeMap<(Vec<u8>, Bytes), Partial>,
    buffered: usize,
}

impl Streams {
    /// Adds a part from `publisher`; returns the block when its stream is complete. Parts that
    /// break the stream's own description (a chunk past the count, more bytes than announced,
    /// a second `Init`) drop the stream; over the bounds, the stream is refused.
    pub fn insert(
        &mut self,
        publisher: &PeerId,
        message: StreamMessage<ProposalPart>,
    ) -> Option<Assembled> {
        let StreamContent::Data(part) = message.content else {
            return None;
        };
        let key = (publisher.to_bytes(), message.stream_id.to_bytes());
        if !self.open.contains_key(&key) && self.open.len() >= MAX_STREAMS {
            tracing::debug!("too many open proposal streams; a part is dropped");
            return None;
        }
        let size = match &part {
            ProposalPart::Data { bytes, .. } => bytes.len(),
            _ => 0,
        };
        if self.buffered.saturating_add(size) > MAX_BUFFERED {
            tracing::debug!("proposal streams over their byte budget; a part is dropped");
            return None;
        }
        let partial = self.open.entry(key.clone()).or_default();
        let broken = match part {
            ProposalPart::Init {
                height,
                round,
                proposer,
                block_len,
                chunks,
            } => {
                let fits = usize::try_from(block_len)
                    .ok()
                    .is_some_and(|len| len.div_ceil(CHUNK_BYTES) == chunks as usize);
                let again = partial.init.is_some();
                partial.init = Some((height, round, proposer, block_len, chunks));
                again || !fits
            }
            ProposalPart::Data { index, bytes } => {
                partial.bytes = partial.bytes.saturating_add(bytes.len());
                self.buffered = self.buffered.saturating_add(bytes.len());
                bytes.len() > CHUNK_BYTES || partial.data.insert(index, bytes).is_some()
            }
            ProposalPart::Fin { signature } => {
                let again = partial.fin.is_some();
                partial.fin = Some(signature);
                again
            }
        };
        let over = partial.init.is_some_and(|(_, _, _, len, chunks)| {
            partial.bytes > len as usize || partial.data.keys().any(|i| *i >= chunks)
        });
        if broken || over {
            self.remove(&key);
            return None;
        }
        let complete = match (&partial.init, &partial.fin) {
            (Some((_, _, _, _, chunks)), Some(_)) => partial.data.len() == *chunks as usize,
            _ => false,
        };
        if !complete {
            return None;
        }
        let partial = self.remove(&key)?;
        let (height, round, proposer, len, _) = partial.init?;
        let mut block = Vec::with_capacity(len as usize);
        for bytes in partial.data.values() {
            block.extend_from_slice(bytes);
        }
        if block.len() != len as usize {
            return None;
        }
        Some(Assembled {
            height,
            round,
            proposer,
            block,
            signature: partial.fin?,
        })
    }

    fn remove(&mut self, key: &(Vec<u8>, Bytes)) -> Option<Partial> {
        let partial = self.open.remove(key)?;
        self.buffered = self.buffered.saturating_sub(partial.bytes);
        Some(partial)
    }

    /// Forgets every stream of a height below `height`, and every stream still without an
    /// `Init` (its `Init` was refused, or never comes).
    pub fn prune_below(&mut self, height: Height) {
        let stale: Vec<_> = self
            .open
            .iter()
            .filter(|(_, p)| p.init.is_none_or(|(h, ..)| h < height))
            .map(|(k, _)| k.clone())
            .collect();
        for k in stale {
            self.remove(&k);
        }
    }

    /// Streams open.
    pub fn len(&self) -> usize {
        self.open.len()
    }

    /// Whether no stream is open.
    pub fn is_empty(&self) -> bool {
        self.open.is_empty()
    }
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects,
        clippy::cast_possible_truncation
    )]
    use super::*;
    use proptest::prelude::*;

    fn peer(i: u8) -> PeerId {
        PeerId::from_bytes(
            &malachitebft_app_channel::app::types::Keypair::ed25519_from_bytes([i; 32])
                .unwrap()
                .public()
                .to_peer_id()
                .to_bytes(),
        )
        .unwrap()
    }

    fn stream(block: &[u8], id: u8) -> Vec<StreamMessage<ProposalPart>> {
        split(
            &StreamId::new(Bytes::from(vec![id])),
            Height(3),
            Round::new(1),
            ConsensusAddress::new([7; 20]),
            block,
            Signature::from_bytes([9; 64]),
        )
    }

    proptest! {
        #[test]
        fn a_stream_reassembles_in_any_order_and_duplicates_change_nothing(
            len in 0usize..(3 * CHUNK_BYTES + 10),
            seed in any::<u64>(),
        ) {
            let block: Vec<u8> = (0..len).map(|i| ((i as u64 ^ seed) % 256) as u8).collect();
            let mut parts = stream(&block, 1);
            // A deterministic shuffle, and every part twice.
            let n = parts.len();
            for i in 0..n {
                let j = ((seed % 1_000_003) as usize).wrapping_mul(i + 7) % n;
                parts.swap(i, j);
            }
            let mut streams = Streams::default();
            let mut done = None;
            for p in parts.iter().cloned().chain(parts.iter().take(1).cloned()) {
                if let Some(a) = streams.insert(&peer(1), p) {
                    prop_assert!(done.is_none());
                    done = Some(a);
                }
            }
            let a = done.unwrap();
            prop_assert_eq!(a.block, block);
            prop_assert_eq!(a.round, Round::new(1));
        }
    }

    #[test]
    fn interleaved_publishers_are_kept_apart_and_a_lying_stream_is_dropped() {
        let a = vec![1u8; CHUNK_BYTES + 5];
        let b = vec![2u8; 10];
        let mut streams = Streams::default();
        let (pa, pb) = (stream(&a, 1), stream(&b, 1));
        let mut out = Vec::new();
        for i in 0..pa.len().max(pb.len()) {
            if let Some(x) = pa.get(i) {
                out.extend(streams.insert(&peer(1), x.clone()));
            }
            if let Some(y) = pb.get(i) {
                out.extend(streams.insert(&peer(2), y.clone()));
            }
        }
        assert!(streams.is_empty());
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].block.len() + out[1].block.len(), a.len() + b.len());
        // An Init that announces fewer chunks than its length needs is dropped.
        let mut lying = stream(&a, 5);
        if let StreamContent::Data(ProposalPart::Init { chunks, .. }) = &mut lying[0].content {
            *chunks = 1;
        }
        for p in lying {
            assert!(streams.insert(&peer(3), p).is_none());
        }
        // What arrived after the lie waits without an `Init`, until the next round forgets it.
        streams.prune_below(Height(3));
        assert!(streams.is_empty());
    }

    #[test]
    fn streams_below_the_current_height_are_forgotten() {
        let mut streams = Streams::default();
        let parts = stream(&[1, 2, 3], 1);
        streams.insert(&peer(1), parts[0].clone());
        assert_eq!(streams.len(), 1);
        streams.prune_below(Height(4));
        assert!(streams.is_empty());
    }
}
