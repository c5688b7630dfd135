//! The Borsh mirror of every encoded Malachite type (version 1), and the conversions.
//!
//! Field order and variant order are the wire format: change them only with a new version.

use super::{CodecError, MAX_SIGNATURES, MAX_SYNC_VALUES};
use crate::context::RestakeContext;
use crate::types::{BlockHash, ConsensusAddress, Height, Proposal, ProposalPart, Vote};
use borsh::{BorshDeserialize, BorshSerialize};
use bytes::Bytes;
use malachitebft_core_consensus::{LivenessMsg, ProposedValue, SignedConsensusMsg};
use malachitebft_core_types::{
    ExtendedCommitCertificate, ExtendedCommitSignature, NilOrVal, PolkaCertificate, PolkaSignature,
    Round, RoundCertificate, RoundCertificateType, RoundSignature, SignedMessage, ValidatorProof,
    Validity, VoteType,
};
use malachitebft_engine::util::streaming::{StreamContent, StreamId, StreamMessage};
use malachitebft_sync::{
    PeerId, RawDecidedValue, Request, Response, Status, ValueRequest, ValueResponse,
};
use restake_primitives::B256;
use restake_primitives::ed25519::Signature;
use std::io::{self, Read, Write};

/// A Malachite type and its mirror.
pub(super) trait Mirror: Sized {
    /// The mirror.
    type M: BorshSerialize + BorshDeserialize;
    /// The mirror of `self`.
    fn to_mirror(&self) -> Self::M;
    /// The value of a decoded mirror.
    fn from_mirror(m: Self::M) -> Result<Self, CodecError>;
}

fn limit_error(e: CodecError) -> io::Error {
    io::Error::other(e)
}

/// A byte string: `u32` length, then the bytes. Decoding reads the bytes as they arrive and
/// never reserves memory from the stated length.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Blob(Bytes);

impl BorshSerialize for Blob {
    fn serialize<W: Write>(&self, writer: &mut W) -> io::Result<()> {
        let len = u32::try_from(self.0.len()).map_err(|_| {
            limit_error(CodecError::TooLarge {
                len: self.0.len(),
                max: usize::try_from(u32::MAX).unwrap_or(usize::MAX),
            })
        })?;
        len.serialize(writer)?;
        writer.write_all(&self.0)
    }
}

impl BorshDeserialize for Blob {
    fn deserialize_reader<R: Read>(reader: &mut R) -> io::Result<Self> {
        let len = u32::deserialize_reader(reader)?;
        let mut remaining = usize::try_from(len).map_err(io::Error::other)?;
        // Read in chunks: the string grows only with bytes that actually arrived, so a false
        // length costs at most one chunk before the input runs out.
        let mut chunk = [0u8; 8192];
        let mut bytes = Vec::new();
        while remaining > 0 {
            let n = remaining.min(chunk.len());
            let buf = chunk.get_mut(..n).unwrap_or_default();
            reader.read_exact(buf)?;
            bytes.extend_from_slice(buf);
            remaining = remaining.saturating_sub(n);
        }
        Ok(Self(Bytes::from(bytes)))
    }
}

/// A list of at most `MAX` items: `u32` length, then the items. Decoding checks the length
/// against `MAX` first and grows the list only as items decode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct List<T, const MAX: u32>(Vec<T>);

fn too_many(len: usize, max: u32) -> io::Error {
    limit_error(CodecError::TooMany {
        len: u64::try_from(len).unwrap_or(u64::MAX),
        max,
    })
}

impl<T: BorshSerialize, const MAX: u32> BorshSerialize for List<T, MAX> {
    fn serialize<W: Write>(&self, writer: &mut W) -> io::Result<()> {
        let len = u32::try_from(self.0.len())
            .ok()
            .filter(|len| *len <= MAX)
            .ok_or_else(|| too_many(self.0.len(), MAX))?;
        len.serialize(writer)?;
        for item in &self.0 {
            item.serialize(writer)?;
        }
        Ok(())
    }
}

impl<T: BorshDeserialize, const MAX: u32> BorshDeserialize for List<T, MAX> {
    fn deserialize_reader<R: Read>(reader: &mut R) -> io::Result<Self> {
        let len = u32::deserialize_reader(reader)?;
        if len > MAX {
            return Err(limit_error(CodecError::TooMany {
                len: u64::from(len),
                max: MAX,
            }));
        }
        let mut items = Vec::new();
        for _ in 0..len {
            items.push(T::deserialize_reader(reader)?);
        }
        Ok(Self(items))
    }
}

type Signatures<T> = List<T, MAX_SIGNATURES>;

fn round_m(round: Round) -> Option<u32> {
    round.as_u32()
}

fn round_of(round: Option<u32>) -> Round {
    Round::from(round)
}

fn hash_m(hash: &BlockHash) -> [u8; 32] {
    hash.to_b256().0
}

fn hash_of(bytes: [u8; 32]) -> BlockHash {
    BlockHash(B256::new(bytes))
}

fn value_m(value: &NilOrVal<BlockHash>) -> Option<[u8; 32]> {
    match value {
        NilOrVal::Nil => None,
        NilOrVal::Val(hash) => Some(hash_m(hash)),
    }
}

fn value_of(value: Option<[u8; 32]>) -> NilOrVal<BlockHash> {
    match value {
        None => NilOrVal::Nil,
        Some(bytes) => NilOrVal::Val(hash_of(bytes)),
    }
}

fn peer_id_of(bytes: &[u8]) -> Result<PeerId, CodecError> {
    PeerId::from_bytes(bytes).map_err(|e| CodecError::InvalidPeerId(e.to_string()))
}

/// Prevote or precommit.
#[derive(BorshSerialize, BorshDeserialize)]
pub(super) enum VoteTypeM {
    Prevote,
    Precommit,
}

impl From<VoteType> for VoteTypeM {
    fn from(kind: VoteType) -> Self {
        match kind {
            VoteType::Prevote => Self::Prevote,
            VoteType::Precommit => Self::Precommit,
        }
    }
}

impl From<VoteTypeM> for VoteType {
    fn from(kind: VoteTypeM) -> Self {
        match kind {
            VoteTypeM::Prevote => Self::Prevote,
            VoteTypeM::Precommit => Self::Precommit,
        }
    }
}

/// A vote; the extension is its signature alone (the extension type is `()`).
#[derive(BorshSerialize, BorshDeserialize)]
pub(super) struct VoteM {
    kind: VoteTypeM,
    height: u64,
    round: Option<u32>,
    value: Option<[u8; 32]>,
    voter: [u8; 20],
    extension: Option<Signature>,
}

impl Mirror for Vote {
    type M = VoteM;

    fn to_mirror(&self) -> VoteM {
        VoteM {
            kind: self.kind.into(),
            height: self.height.get(),
            round: round_m(self.round),
            value: value_m(&self.value),
            voter: self.voter.to_bytes(),
            extension: self.extension.as_ref().map(|e| e.signature),
        }
    }

    fn from_mirror(m: VoteM) -> Result<Self, CodecError> {
        Ok(Self {
            kind: m.kind.into(),
            height: Height(m.height),
            round: round_of(m.round),
            value: value_of(m.value),
            voter: ConsensusAddress::new(m.voter),
            extension: m.extension.map(|s| SignedMessage::new((), s)),
        })
    }
}

/// A proposal.
#[derive(BorshSerialize, BorshDeserialize)]
pub(super) struct ProposalM {
    height: u64,
    round: Option<u32>,
    value: [u8; 32],
    pol_round: Option<u32>,
    proposer: [u8; 20],
}

impl Mirror for Proposal {
    type M = ProposalM;

    fn to_mirror(&self) -> ProposalM {
        ProposalM {
            height: self.height.get(),
            round: round_m(self.round),
            value: hash_m(&self.value),
            pol_round: round_m(self.pol_round),
            proposer: self.proposer.to_bytes(),
        }
    }

    fn from_mirror(m: ProposalM) -> Result<Self, CodecError> {
        Ok(Self {
            height: Height(m.height),
            round: round_of(m.round),
            value: hash_of(m.value),
            pol_round: round_of(m.pol_round),
            proposer: ConsensusAddress::new(m.proposer),
        })
    }
}

/// A signed message.
#[derive(BorshSerialize, BorshDeserialize)]
pub(super) struct SignedM<M> {
    message: M,
    signature: Signature,
}

impl<T: Mirror> Mirror for SignedMessage<RestakeContext, T> {
    type M = SignedM<T::M>;

    fn to_mirror(&self) -> Self::M {
        SignedM {
            message: self.message.to_mirror(),
            signature: self.signature,
        }
    }

    fn from_mirror(m: Self::M) -> Result<Self, CodecError> {
        Ok(SignedMessage::new(T::from_mirror(m.message)?, m.signature))
    }
}

/// A signed vote or proposal.
#[derive(BorshSerialize, BorshDeserialize)]
pub(super) enum SignedConsensusMsgM {
    Vote(SignedM<VoteM>),
    Proposal(SignedM<ProposalM>),
}

impl Mirror for SignedConsensusMsg<RestakeContext> {
    type M = SignedConsensusMsgM;

    fn to_mirror(&self) -> Self::M {
        match self {
            Self::Vote(v) => SignedConsensusMsgM::Vote(v.to_mirror()),
            Self::Proposal(p) => SignedConsensusMsgM::Proposal(p.to_mirror()),
        }
    }

    fn from_mirror(m: Self::M) -> Result<Self, CodecError> {
        Ok(match m {
            SignedConsensusMsgM::Vote(v) => Self::Vote(Mirror::from_mirror(v)?),
            SignedConsensusMsgM::Proposal(p) => Self::Proposal(Mirror::from_mirror(p)?),
        })
    }
}

/// Valid or invalid.
#[derive(BorshSerialize, BorshDeserialize)]
pub(super) enum ValidityM {
    Valid,
    Invalid,
}

/// A value the application proposed or validated.
#[derive(BorshSerialize, BorshDeserialize)]
pub(super) struct ProposedValueM {
    height: u64,
    round: Option<u32>,
    valid_round: Option<u32>,
    proposer: [u8; 20],
    value: [u8; 32],
    validity: ValidityM,
}

impl Mirror for ProposedValue<RestakeContext> {
    type M = ProposedValueM;

    fn to_mirror(&self) -> Self::M {
        ProposedValueM {
            height: self.height.get(),
            round: round_m(self.round),
            valid_round: round_m(self.valid_round),
            proposer: self.proposer.to_bytes(),
            value: hash_m(&self.value),
            validity: match self.validity {
                Validity::Valid => ValidityM::Valid,
                Validity::Invalid => ValidityM::Invalid,
            },
        }
    }

    fn from_mirror(m: Self::M) -> Result<Self, CodecError> {
        Ok(Self {
            height: Height(m.height),
            round: round_of(m.round),
            valid_round: round_of(m.valid_round),
            proposer: ConsensusAddress::new(m.proposer),
            value: hash_of(m.value),
            validity: match m.validity {
                ValidityM::Valid => Validity::Valid,
                ValidityM::Invalid => Validity::Invalid,
            },
        })
    }
}

/// A validator's signature in a certificate.
#[derive(BorshSerialize, BorshDeserialize)]
pub(super) struct AddressSignatureM {
    address: [u8; 20],
    signature: Signature,
}

/// A polka certificate.
#[derive(BorshSerialize, BorshDeserialize)]
pub(super) struct PolkaCertificateM {
    height: u64,
    round: Option<u32>,
    value_id: [u8; 32],
    signatures: Signatures<AddressSignatureM>,
}

impl Mirror for PolkaCertificate<RestakeContext> {
    type M = PolkaCertificateM;

    fn to_mirror(&self) -> Self::M {
        PolkaCertificateM {
            height: self.height.get(),
            round: round_m(self.round),
            value_id: hash_m(&self.value_id),
            signatures: List(
                self.polka_signatures
                    .iter()
                    .map(|s| AddressSignatureM {
                        address: s.address.to_bytes(),
                        signature: s.signature,
                    })
                    .collect(),
            ),
        }
    }

    fn from_mirror(m: Self::M) -> Result<Self, CodecError> {
        Ok(Self {
            height: Height(m.height),
            round: round_of(m.round),
            value_id: hash_of(m.value_id),
            polka_signatures: m
                .signatures
                .0
                .into_iter()
                .map(|s| PolkaSignature::new(ConsensusAddress::new(s.address), s.signature))
                .collect(),
        })
    }
}

/// Skip or precommit.
#[derive(BorshSerialize, BorshDeserialize)]
pub(super) enum RoundCertificateTypeM {
    Skip,
    Precommit,
}

/// A vote's signature in a round certificate.
#[derive(BorshSerialize, BorshDeserialize)]
pub(super) struct RoundSignatureM {
    kind: VoteTypeM,
    value_id: Option<[u8; 32]>,
    address: [u8; 20],
    signature: Signature,
}

/// A round certificate.
#[derive(BorshSerialize, BorshDeserialize)]
pub(super) struct RoundCertificateM {
    height: u64,
    round: Option<u32>,
    cert_type: RoundCertificateTypeM,
    signatures: Signatures<RoundSignatureM>,
}

impl Mirror for RoundCertificate<RestakeContext> {
    type M = RoundCertificateM;

    fn to_mirror(&self) -> Self::M {
        RoundCertificateM {
            height: self.height.get(),
            round: round_m(self.round),
            cert_type: match self.cert_type {
                RoundCertificateType::Skip => RoundCertificateTypeM::Skip,
                RoundCertificateType::Precommit => RoundCertificateTypeM::Precommit,
            },
            signatures: List(
                self.round_signatures
                    .iter()
                    .map(|s| RoundSignatureM {
                        kind: s.vote_type.into(),
                        value_id: value_m(&s.value_id),
                        address: s.address.to_bytes(),
                        signature: s.signature,
                    })
                    .collect(),
            ),
        }
    }

    fn from_mirror(m: Self::M) -> Result<Self, CodecError> {
        Ok(Self {
            height: Height(m.height),
            round: round_of(m.round),
            cert_type: match m.cert_type {
                RoundCertificateTypeM::Skip => RoundCertificateType::Skip,
                RoundCertificateTypeM::Precommit => RoundCertificateType::Precommit,
            },
            round_signatures: m
                .signatures
                .0
                .into_iter()
                .map(|s| {
                    RoundSignature::new(
                        s.kind.into(),
                        value_of(s.value_id),
                        ConsensusAddress::new(s.address),
                        s.signature,
                    )
                })
                .collect(),
        })
    }
}

/// A liveness message.
#[derive(BorshSerialize, BorshDeserialize)]
pub(super) enum LivenessMsgM {
    Vote(SignedM<VoteM>),
    PolkaCertificate(PolkaCertificateM),
    SkipRoundCertificate(RoundCertificateM),
}

impl Mirror for LivenessMsg<RestakeContext> {
    type M = LivenessMsgM;

    fn to_mirror(&self) -> Self::M {
        match self {
            Self::Vote(v) => LivenessMsgM::Vote(v.to_mirror()),
            Self::PolkaCertificate(c) => LivenessMsgM::PolkaCertificate(c.to_mirror()),
            Self::SkipRoundCertificate(c) => LivenessMsgM::SkipRoundCertificate(c.to_mirror()),
        }
    }

    fn from_mirror(m: Self::M) -> Result<Self, CodecError> {
        Ok(match m {
            LivenessMsgM::Vote(v) => Self::Vote(Mirror::from_mirror(v)?),
            LivenessMsgM::PolkaCertificate(c) => Self::PolkaCertificate(Mirror::from_mirror(c)?),
            LivenessMsgM::SkipRoundCertificate(c) => {
                Self::SkipRoundCertificate(Mirror::from_mirror(c)?)
            }
        })
    }
}

/// A proposal part.
#[derive(BorshSerialize, BorshDeserialize)]
pub(super) enum ProposalPartM {
    Init {
        height: u64,
        round: Option<u32>,
        proposer: [u8; 20],
        block_len: u32,
        chunks: u32,
    },
    Data {
        index: u32,
        bytes: Blob,
    },
    Fin {
        signature: Signature,
    },
}

impl Mirror for ProposalPart {
    type M = ProposalPartM;

    fn to_mirror(&self) -> Self::M {
        match self {
            Self::Init {
                height,
                round,
                proposer,
                block_len,
                chunks,
            } => ProposalPartM::Init {
                height: height.get(),
                round: round_m(*round),
                proposer: proposer.to_bytes(),
                block_len: *block_len,
                chunks: *chunks,
            },
            Self::Data { index, bytes } => ProposalPartM::Data {
                index: *index,
                bytes: Blob(bytes.clone()),
            },
            Self::Fin { signature } => ProposalPartM::Fin {
                signature: *signature,
            },
        }
    }

    fn from_mirror(m: Self::M) -> Result<Self, CodecError> {
        Ok(match m {
            ProposalPartM::Init {
                height,
                round,
                proposer,
                block_len,
                chunks,
            } => Self::Init {
                height: Height(height),
                round: round_of(round),
                proposer: ConsensusAddress::new(proposer),
                block_len,
                chunks,
            },
            ProposalPartM::Data { index, bytes } => Self::Data {
                index,
                bytes: bytes.0,
            },
            ProposalPartM::Fin { signature } => Self::Fin { signature },
        })
    }
}

/// A stream message's content.
#[derive(BorshSerialize, BorshDeserialize)]
pub(super) enum StreamContentM {
    Data(ProposalPartM),
    Fin,
}

/// A stream message.
#[derive(BorshSerialize, BorshDeserialize)]
pub(super) struct StreamMessageM {
    stream_id: Blob,
    sequence: u64,
    content: StreamContentM,
}

impl Mirror for StreamMessage<ProposalPart> {
    type M = StreamMessageM;

    fn to_mirror(&self) -> Self::M {
        StreamMessageM {
            stream_id: Blob(self.stream_id.to_bytes()),
            sequence: self.sequence,
            content: match &self.content {
                StreamContent::Data(part) => StreamContentM::Data(part.to_mirror()),
                StreamContent::Fin => StreamContentM::Fin,
            },
        }
    }

    fn from_mirror(m: Self::M) -> Result<Self, CodecError> {
        Ok(Self {
            stream_id: StreamId::new(m.stream_id.0),
            sequence: m.sequence,
            content: match m.content {
                StreamContentM::Data(part) => StreamContent::Data(Mirror::from_mirror(part)?),
                StreamContentM::Fin => StreamContent::Fin,
            },
        })
    }
}

/// A proof of validator: raw key and peer id bytes (the verifier checks them) and the
/// signature.
#[derive(BorshSerialize, BorshDeserialize)]
pub(super) struct ValidatorProofM {
    public_key: Blob,
    peer_id: Blob,
    signature: Signature,
}

impl Mirror for ValidatorProof<RestakeContext> {
    type M = ValidatorProofM;

    fn to_mirror(&self) -> Self::M {
        ValidatorProofM {
            public_key: Blob(Bytes::copy_from_slice(&self.public_key)),
            peer_id: Blob(Bytes::copy_from_slice(&self.peer_id)),
            signature: self.signature,
        }
    }

    fn from_mirror(m: Self::M) -> Result<Self, CodecError> {
        Ok(Self::new(
            m.public_key.0.to_vec(),
            m.peer_id.0.to_vec(),
            m.signature,
        ))
    }
}

/// A sync status.
#[derive(BorshSerialize, BorshDeserialize)]
pub(super) struct StatusM {
    peer_id: Blob,
    tip_height: u64,
    history_min_height: u64,
}

impl Mirror for Status<RestakeContext> {
    type M = StatusM;

    fn to_mirror(&self) -> Self::M {
        StatusM {
            peer_id: Blob(Bytes::from(self.peer_id.to_bytes())),
            tip_height: self.tip_height.get(),
            history_min_height: self.history_min_height.get(),
        }
    }

    fn from_mirror(m: Self::M) -> Result<Self, CodecError> {
        Ok(Self {
            peer_id: peer_id_of(&m.peer_id.0)?,
            tip_height: Height(m.tip_height),
            history_min_height: Height(m.history_min_height),
        })
    }
}

/// A sync request.
#[derive(BorshSerialize, BorshDeserialize)]
pub(super) enum RequestM {
    /// Decided values from `start` to `end`, both included.
    ValueRequest { start: u64, end: u64 },
}

impl Mirror for Request<RestakeContext> {
    type M = RequestM;

    fn to_mirror(&self) -> Self::M {
        match self {
            Self::ValueRequest(r) => RequestM::ValueRequest {
                start: r.range.start().get(),
                end: r.range.end().get(),
            },
        }
    }

    fn from_mirror(m: Self::M) -> Result<Self, CodecError> {
        Ok(match m {
            RequestM::ValueRequest { start, end } => {
                Self::ValueRequest(ValueRequest::new(Height(start)..=Height(end)))
            }
        })
    }
}

/// A commit signature and its (never used) extension's signature.
#[derive(BorshSerialize, BorshDeserialize)]
pub(super) struct ExtendedCommitSignatureM {
    address: [u8; 20],
    signature: Signature,
    extension: Option<Signature>,
}

/// An extended commit certificate.
#[derive(BorshSerialize, BorshDeserialize)]
pub(super) struct ExtendedCommitCertificateM {
    height: u64,
    round: Option<u32>,
    value_id: [u8; 32],
    signatures: Signatures<ExtendedCommitSignatureM>,
}

impl Mirror for ExtendedCommitCertificate<RestakeContext> {
    type M = ExtendedCommitCertificateM;

    fn to_mirror(&self) -> Self::M {
        ExtendedCommitCertificateM {
            height: self.height.get(),
            round: round_m(self.round),
            value_id: hash_m(&self.value_id),
            signatures: List(
                self.commit_signatures
                    .iter()
                    .map(|s| ExtendedCommitSignatureM {
                        address: s.address.to_bytes(),
                        signature: s.signature,
                        extension: s.extension.as_ref().map(|e| e.signature),
                    })
                    .collect(),
            ),
        }
    }

    fn from_mirror(m: Self::M) -> Result<Self, CodecError> {
        Ok(Self {
            height: Height(m.height),
            round: round_of(m.round),
            value_id: hash_of(m.value_id),
            commit_signatures: m
                .signatures
                .0
                .into_iter()
                .map(|s| {
                    ExtendedCommitSignature::new(
                        ConsensusAddress::new(s.address),
                        s.signature,
                        s.extension.map(|e| SignedMessage::new((), e)),
                    )
                })
                .collect(),
        })
    }
}

/// A decided value as sync serves it.
#[derive(BorshSerialize, BorshDeserialize)]
pub(super) struct RawDecidedValueM {
    value_bytes: Blob,
    certificate: ExtendedCommitCertificateM,
}

/// A sync response.
#[derive(BorshSerialize, BorshDeserialize)]
pub(super) enum ResponseM {
    /// Decided values from `start_height` on.
    ValueResponse {
        start_height: u64,
        values: List<RawDecidedValueM, MAX_SYNC_VALUES>,
    },
}

impl Mirror for Response<RestakeContext> {
    type M = ResponseM;

    fn to_mirror(&self) -> Self::M {
        match self {
            Self::ValueResponse(r) => ResponseM::ValueResponse {
                start_height: r.start_height.get(),
                values: List(
                    r.values
                        .iter()
                        .map(|v| RawDecidedValueM {
                            value_bytes: Blob(v.value_bytes.clone()),
                            certificate: v.certificate.to_mirror(),
                        })
                        .collect(),
                ),
            },
        }
    }

    fn from_mirror(m: Self::M) -> Result<Self, CodecError> {
        Ok(match m {
            ResponseM::ValueResponse {
                start_height,
                values,
            } => Self::ValueResponse(ValueResponse::new(
                Height(start_height),
                values
                    .0
                    .into_iter()
                    .map(|v| {
                        Ok(RawDecidedValue::new(
                            v.value_bytes.0,
                            Mirror::from_mirror(v.certificate)?,
                        ))
                    })
                    .collect::<Result<_, CodecError>>()?,
            )),
        })
    }
}
