//! [`RestakeCodec`]: the bytes of every consensus message Malachite writes to its WAL, gossips,
//! or exchanges in value sync.
//!
//! Each encoding is one version byte ([`VERSION`], 1) followed by the Borsh encoding of a mirror
//! struct defined in this crate (`mirror.rs`), never a Malachite derive: Malachite's `borsh`
//! features stay off, so our bytes change only when this crate changes them (a new version
//! byte). Integers are little-endian (Borsh), a round is `Option<u32>` (nil = `None`), an
//! address 20 bytes, a hash 32, a signature 64, byte strings and lists a `u32` length and their
//! items; enum variants are numbered in declaration order, and new ones are only ever appended.
//!
//! Decoding refuses, with a [`CodecError`]:
//! - inputs longer than the type's maximum ([`MAX_MESSAGE_BYTES`], or
//!   [`MAX_SYNC_RESPONSE_BYTES`] for a sync response), before reading them;
//! - an empty input or a version byte other than [`VERSION`];
//! - lists longer than their bound ([`MAX_SIGNATURES`], [`MAX_SYNC_VALUES`]), checked before
//!   anything is allocated for them; byte strings are read as they arrive, never reserved from
//!   their stated length;
//! - malformed Borsh (short input, unknown variant) and trailing bytes;
//! - a peer id that does not parse.
//!
//! Encoding refuses what decoding would refuse, so an oversized message fails at its sender.

mod mirror;

use crate::context::RestakeContext;
use crate::types::ProposalPart;
use borsh::{BorshDeserialize, BorshSerialize};
use bytes::Bytes;
use malachitebft_codec::{Codec, HasEncodedLen};
use malachitebft_core_consensus::{LivenessMsg, ProposedValue, SignedConsensusMsg};
use malachitebft_core_types::{PolkaCertificate, ValidatorProof};
use malachitebft_engine::util::streaming::StreamMessage;
use malachitebft_sync::{Request, Response, Status};
use mirror::Mirror;
use thiserror::Error;

/// The version byte every encoding starts with.
pub const VERSION: u8 = 1;
/// Largest encoding of any message but a sync response: Malachite's default gossip limit
/// (`pubsub_max_size`, 4 MiB). A proposal part is far smaller (256 KiB chunks).
pub const MAX_MESSAGE_BYTES: usize = 4 * 1024 * 1024;
/// Largest encoding of a sync response: Malachite's default `max_response_size` (10 MiB).
/// The node's `value_sync.max_response_size` must not exceed it, and `p2p.rpc_max_size` must
/// be at least it.
pub const MAX_SYNC_RESPONSE_BYTES: usize = 10 * 1024 * 1024;
/// Most signatures in one certificate: a prevote and a precommit of every validator of the
/// largest set core allows.
pub const MAX_SIGNATURES: u32 = 300;
const _: () =
    assert!(MAX_SIGNATURES as usize >= restake_core::validators::MAX_VALIDATORS.saturating_mul(2));
/// Most decided values in one sync response (Malachite asks for `batch_size` of them).
pub const MAX_SYNC_VALUES: u32 = 1024;

/// Why bytes were not decoded, or a value not encoded.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CodecError {
    /// More bytes than the type allows.
    #[error("{len} bytes, at most {max} allowed")]
    TooLarge {
        /// Length of the input (or of the encoding).
        len: usize,
        /// The type's maximum.
        max: usize,
    },
    /// No bytes at all.
    #[error("empty input")]
    Empty,
    /// A version this build does not know.
    #[error("unknown encoding version {0}")]
    UnknownVersion(u8),
    /// A list longer than its bound.
    #[error("a list of {len} entries, at most {max} allowed")]
    TooMany {
        /// Stated (or actual) length.
        len: u64,
        /// The bound.
        max: u32,
    },
    /// Bytes after the encoded value.
    #[error("{0} trailing bytes")]
    TrailingBytes(usize),
    /// Not a valid Borsh encoding of the type.
    #[error("malformed: {0}")]
    Malformed(String),
    /// A libp2p peer id that does not parse.
    #[error("invalid peer id: {0}")]
    InvalidPeerId(String),
}

impl From<std::io::Error> for CodecError {
    fn from(e: std::io::Error) -> Self {
        match e
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<CodecError>())
        {
            Some(inner) => inner.clone(),
            None => Self::Malformed(e.to_string()),
        }
    }
}

/// The codec of every consensus message: WAL, network and sync (see the module doc).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RestakeCodec;

fn encoded_len_of<M: BorshSerialize>(mirror: &M, max: usize) -> Result<usize, CodecError> {
    let len = borsh::object_length(mirror)?.saturating_add(1);
    if len > max {
        return Err(CodecError::TooLarge { len, max });
    }
    Ok(len)
}

fn encode_mirror<M: BorshSerialize>(mirror: &M, max: usize) -> Result<Bytes, CodecError> {
    let len = encoded_len_of(mirror, max)?;
    let mut out = Vec::with_capacity(len);
    out.push(VERSION);
    mirror.serialize(&mut out)?;
    Ok(Bytes::from(out))
}

fn decode_mirror<M: BorshDeserialize>(bytes: &[u8], max: usize) -> Result<M, CodecError> {
    if bytes.len() > max {
        return Err(CodecError::TooLarge {
            len: bytes.len(),
            max,
        });
    }
    let (version, mut body) = bytes.split_first().ok_or(CodecError::Empty)?;
    if *version != VERSION {
        return Err(CodecError::UnknownVersion(*version));
    }
    let mirror = M::deserialize(&mut body)?;
    if !body.is_empty() {
        return Err(CodecError::TrailingBytes(body.len()));
    }
    Ok(mirror)
}

macro_rules! codec_for {
    ($t:ty, $max:expr) => {
        impl Codec<$t> for RestakeCodec {
            type Error = CodecError;

            fn decode(&self, bytes: Bytes) -> Result<$t, CodecError> {
                let mirror = decode_mirror::<<$t as Mirror>::M>(&bytes, $max)?;
                <$t as Mirror>::from_mirror(mirror)
            }

            fn encode(&self, msg: &$t) -> Result<Bytes, CodecError> {
                encode_mirror(&msg.to_mirror(), $max)
            }
        }
    };
}

// WAL.
codec_for!(SignedConsensusMsg<RestakeContext>, MAX_MESSAGE_BYTES);
codec_for!(ProposedValue<RestakeContext>, MAX_MESSAGE_BYTES);
codec_for!(PolkaCertificate<RestakeContext>, MAX_MESSAGE_BYTES);
// Network (and `SignedConsensusMsg` above).
codec_for!(ProposalPart, MAX_MESSAGE_BYTES);
codec_for!(LivenessMsg<RestakeContext>, MAX_MESSAGE_BYTES);
codec_for!(StreamMessage<ProposalPart>, MAX_MESSAGE_BYTES);
codec_for!(ValidatorProof<RestakeContext>, MAX_MESSAGE_BYTES);
// Sync.
codec_for!(Status<RestakeContext>, MAX_MESSAGE_BYTES);
codec_for!(Request<RestakeContext>, MAX_MESSAGE_BYTES);
codec_for!(Response<RestakeContext>, MAX_SYNC_RESPONSE_BYTES);

impl HasEncodedLen<Response<RestakeContext>> for RestakeCodec {
    /// The length [`Codec::encode`] would produce, without encoding (value bytes are
    /// reference-counted, not copied).
    fn encoded_len(&self, msg: &Response<RestakeContext>) -> Result<usize, CodecError> {
        encoded_len_of(&msg.to_mirror(), MAX_SYNC_RESPONSE_BYTES)
    }
}

/// [`RestakeCodec`] is every codec the engine builder asks for: WAL, network (consensus and
/// sync) and sync. Checked at compile time.
const _: fn() = || {
    fn engine_codec<C>()
    where
        C: malachitebft_engine::wal::WalCodec<RestakeContext>
            + malachitebft_engine::consensus::ConsensusCodec<RestakeContext>
            + malachitebft_engine::sync::SyncCodec<RestakeContext>,
    {
    }
    engine_codec::<RestakeCodec>();
};
