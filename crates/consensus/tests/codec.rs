//! The codecs: every encoded type round-trips, its version-1 bytes are pinned, and bad input —
//! another version, trailing bytes, truncation, oversize, over-long lists — is refused with a
//! typed error.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::panic,
    clippy::expect_used,
    clippy::cast_possible_truncation,
    missing_docs
)]

use bytes::Bytes;
use malachitebft_codec::{Codec, HasEncodedLen};
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
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use restake_consensus::codec::{
    CodecError, MAX_MESSAGE_BYTES, MAX_SIGNATURES, MAX_SYNC_RESPONSE_BYTES, MAX_SYNC_VALUES,
    RestakeCodec, VERSION,
};
use restake_consensus::{
    BlockHash, ConsensusAddress, Height, Proposal, ProposalPart, RestakeContext, Vote,
};
use restake_primitives::B256;
use restake_primitives::ed25519::Signature;

type Ctx = RestakeContext;

fn encode<T>(value: &T) -> Bytes
where
    RestakeCodec: Codec<T, Error = CodecError>,
{
    RestakeCodec.encode(value).unwrap()
}

fn decode<T>(bytes: &[u8]) -> Result<T, CodecError>
where
    RestakeCodec: Codec<T, Error = CodecError>,
{
    RestakeCodec.decode(Bytes::copy_from_slice(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn rep(byte: &str, n: usize) -> String {
    byte.repeat(n)
}

// --- Samples for the golden bytes -------------------------------------------------------------

const H: &str = "0700000000000000"; // height 7, u64 little-endian

fn sig() -> Signature {
    Signature::from_bytes([0x22; 64])
}

fn addr() -> ConsensusAddress {
    ConsensusAddress::new([0x11; 20])
}

fn hash() -> BlockHash {
    BlockHash(B256::repeat_byte(0xab))
}

fn peer_id() -> PeerId {
    let mut raw = vec![0x12, 0x20];
    raw.extend([0x44; 32]);
    PeerId::from_bytes(&raw).unwrap()
}

fn sample_vote() -> Vote {
    Vote {
        kind: VoteType::Precommit,
        height: Height(7),
        round: Round::new(2),
        value: NilOrVal::Val(hash()),
        voter: addr(),
        extension: None,
    }
}

fn sample_proposal() -> Proposal {
    Proposal {
        height: Height(7),
        round: Round::new(2),
        value: hash(),
        pol_round: Round::Nil,
        proposer: addr(),
    }
}

/// Checks `value` encodes to `expected` (hex), decodes back, and that the bytes with another
/// version, a trailing byte, or one byte missing are refused.
fn golden<T>(value: &T, expected: &str)
where
    T: PartialEq + std::fmt::Debug,
    RestakeCodec: Codec<T, Error = CodecError>,
{
    let bytes = encode(value);
    assert_eq!(hex(&bytes), expected, "golden bytes of {value:?}");
    assert_eq!(bytes[0], VERSION);
    assert_eq!(&decode::<T>(&bytes).unwrap(), value);
    for version in [0u8, 2, 0xff] {
        let mut other = bytes.to_vec();
        other[0] = version;
        assert_eq!(
            decode::<T>(&other),
            Err(CodecError::UnknownVersion(version))
        );
    }
    let mut trailing = bytes.to_vec();
    trailing.push(0);
    assert_eq!(decode::<T>(&trailing), Err(CodecError::TrailingBytes(1)));
    assert!(matches!(
        decode::<T>(&bytes[..bytes.len() - 1]),
        Err(CodecError::Malformed(_))
    ));
    assert_eq!(decode::<T>(&[]), Err(CodecError::Empty));
    assert!(matches!(
        decode::<T>(&[VERSION]),
        Err(CodecError::Malformed(_))
    ));
}

#[test]
fn a_signed_vote_and_a_signed_proposal_have_pinned_bytes() {
    let vote = SignedConsensusMsg::<Ctx>::Vote(SignedMessage::new(sample_vote(), sig()));
    golden(
        &vote,
        &[
            "01", // version
            "00", // a vote
            "01", // precommit
            H,
            "0102000000", // round Some(2)
            &format!("01{}", rep("ab", 32)),
            &rep("11", 20),
            "00", // no extension
            &rep("22", 64),
        ]
        .concat(),
    );
    let proposal =
        SignedConsensusMsg::<Ctx>::Proposal(SignedMessage::new(sample_proposal(), sig()));
    golden(
        &proposal,
        &[
            "01",
            "01", // a proposal
            H,
            "0102000000",
            &rep("ab", 32),
            "00", // POL round nil
            &rep("11", 20),
            &rep("22", 64),
        ]
        .concat(),
    );
}

#[test]
fn a_proposed_value_has_pinned_bytes() {
    let value = ProposedValue::<Ctx> {
        height: Height(7),
        round: Round::new(2),
        valid_round: Round::Nil,
        proposer: addr(),
        value: hash(),
        validity: Validity::Invalid,
    };
    golden(
        &value,
        &[
            "01",
            H,
            "0102000000",
            "00",
            &rep("11", 20),
            &rep("ab", 32),
            "01", // invalid
        ]
        .concat(),
    );
}

#[test]
fn a_polka_certificate_has_pinned_bytes() {
    let cert = PolkaCertificate::<Ctx> {
        height: Height(7),
        round: Round::new(1),
        value_id: hash(),
        polka_signatures: vec![PolkaSignature::new(addr(), sig())],
    };
    golden(
        &cert,
        &[
            "01",
            H,
            "0101000000",
            &rep("ab", 32),
            "01000000", // one signature
            &rep("11", 20),
            &rep("22", 64),
        ]
        .concat(),
    );
}

#[test]
fn each_proposal_part_has_pinned_bytes() {
    golden(
        &ProposalPart::Init {
            height: Height(7),
            round: Round::new(2),
            proposer: addr(),
            block_len: 300,
            chunks: 2,
        },
        &[
            "01",
            "00",
            H,
            "0102000000",
            &rep("11", 20),
            "2c010000",
            "02000000",
        ]
        .concat(),
    );
    golden(
        &ProposalPart::Data {
            index: 1,
            bytes: Bytes::from_static(&[1, 2, 3]),
        },
        &["01", "01", "01000000", "03000000", "010203"].concat(),
    );
    golden(
        &ProposalPart::Fin { signature: sig() },
        &["01", "02", &rep("22", 64)].concat(),
    );
}

#[test]
fn a_liveness_message_has_pinned_bytes() {
    let skip = LivenessMsg::<Ctx>::SkipRoundCertificate(RoundCertificate {
        height: Height(7),
        round: Round::new(3),
        cert_type: RoundCertificateType::Skip,
        round_signatures: vec![RoundSignature::new(
            VoteType::Prevote,
            NilOrVal::Nil,
            addr(),
            sig(),
        )],
    });
    golden(
        &skip,
        &[
            "01",
            "02", // a skip-round certificate
            H,
            "0103000000",
            "00",       // skip
            "01000000", // one signature
            "00",       // prevote
            "00",       // for nil
            &rep("11", 20),
            &rep("22", 64),
        ]
        .concat(),
    );
    let vote = LivenessMsg::<Ctx>::Vote(SignedMessage::new(sample_vote(), sig()));
    let bytes = encode(&vote);
    assert_eq!(bytes[1], 0);
    assert_eq!(decode::<LivenessMsg<Ctx>>(&bytes).unwrap(), vote);
}

#[test]
fn a_stream_message_has_pinned_bytes() {
    let data = StreamMessage::new(
        StreamId::new(Bytes::from_static(&[0, 0, 0, 7])),
        3,
        StreamContent::Data(ProposalPart::Fin { signature: sig() }),
    );
    golden(
        &data,
        &[
            "01",
            "04000000",
            "00000007",
            "0300000000000000",
            "00", // data
            "02", // Fin part
            &rep("22", 64),
        ]
        .concat(),
    );
    let fin = StreamMessage::<ProposalPart>::new(
        StreamId::new(Bytes::from_static(&[9])),
        4,
        StreamContent::Fin,
    );
    golden(
        &fin,
        &["01", "01000000", "09", "0400000000000000", "01"].concat(),
    );
}

#[test]
fn a_validator_proof_has_pinned_bytes() {
    let proof = ValidatorProof::<Ctx>::new(vec![0x33; 32], peer_id().to_bytes(), sig());
    golden(
        &proof,
        &[
            "01",
            "20000000",
            &rep("33", 32),
            "22000000",
            "1220",
            &rep("44", 32),
            &rep("22", 64),
        ]
        .concat(),
    );
}

#[test]
fn a_sync_status_request_and_response_have_pinned_bytes() {
    let status = Status::<Ctx> {
        peer_id: peer_id(),
        tip_height: Height(9),
        history_min_height: Height(1),
    };
    golden(
        &status,
        &[
            "01",
            "22000000",
            "1220",
            &rep("44", 32),
            "0900000000000000",
            "0100000000000000",
        ]
        .concat(),
    );
    let request = Request::<Ctx>::ValueRequest(ValueRequest::new(Height(3)..=Height(5)));
    golden(
        &request,
        &["01", "00", "0300000000000000", "0500000000000000"].concat(),
    );
    let response = Response::<Ctx>::ValueResponse(ValueResponse::new(
        Height(3),
        vec![RawDecidedValue::new(
            Bytes::from_static(&[0xde, 0xad]),
            ExtendedCommitCertificate {
                height: Height(3),
                round: Round::new(0),
                value_id: hash(),
                commit_signatures: vec![ExtendedCommitSignature::new(addr(), sig(), None)],
            },
        )],
    ));
    golden(
        &response,
        &[
            "01",
            "00",
            "0300000000000000",
            "01000000", // one value
            "02000000",
            "dead",
            "0300000000000000",
            "0100000000",
            &rep("ab", 32),
            "01000000", // one signature
            &rep("11", 20),
            &rep("22", 64),
            "00", // no extension
        ]
        .concat(),
    );
    assert_eq!(
        RestakeCodec.encoded_len(&response).unwrap(),
        encode(&response).len()
    );
}

// --- Refusals ---------------------------------------------------------------------------------

#[test]
fn an_unknown_version_is_refused() {
    let mut bytes = encode(&ProposalPart::Fin { signature: sig() }).to_vec();
    assert_eq!(bytes[0], 1);
    bytes[0] = 2;
    assert_eq!(
        decode::<ProposalPart>(&bytes),
        Err(CodecError::UnknownVersion(2))
    );
    // Every type checks it (the golden tests do the same for each of them).
    let status = unhex(&["02", "22000000", "1220", &rep("44", 32), H, H].concat());
    assert_eq!(
        decode::<Status<Ctx>>(&status),
        Err(CodecError::UnknownVersion(2))
    );
}

#[test]
fn an_input_over_the_maximum_is_refused_before_it_is_read() {
    let big = vec![VERSION; MAX_MESSAGE_BYTES + 1];
    let too_large = CodecError::TooLarge {
        len: MAX_MESSAGE_BYTES + 1,
        max: MAX_MESSAGE_BYTES,
    };
    assert_eq!(decode::<ProposalPart>(&big).unwrap_err(), too_large);
    assert_eq!(
        decode::<StreamMessage<ProposalPart>>(&big).unwrap_err(),
        too_large
    );
    assert_eq!(
        decode::<SignedConsensusMsg<Ctx>>(&big).unwrap_err(),
        too_large
    );
    assert_eq!(decode::<Status<Ctx>>(&big).unwrap_err(), too_large);
    let huge = vec![VERSION; MAX_SYNC_RESPONSE_BYTES + 1];
    assert!(matches!(
        decode::<Response<Ctx>>(&huge),
        Err(CodecError::TooLarge { .. })
    ));
    // A part whose data would exceed the gossip limit is not encoded either.
    let oversized = ProposalPart::Data {
        index: 0,
        bytes: Bytes::from(vec![0; MAX_MESSAGE_BYTES]),
    };
    assert!(matches!(
        RestakeCodec.encode(&oversized),
        Err(CodecError::TooLarge { .. })
    ));
    // A sync response may be larger than a gossip message, up to its own limit.
    let response = Response::<Ctx>::ValueResponse(ValueResponse::new(
        Height(1),
        vec![RawDecidedValue::new(
            Bytes::from(vec![7; 5 * 1024 * 1024]),
            ExtendedCommitCertificate {
                height: Height(1),
                round: Round::new(0),
                value_id: hash(),
                commit_signatures: vec![],
            },
        )],
    ));
    let bytes = encode(&response);
    assert_eq!(decode::<Response<Ctx>>(&bytes).unwrap(), response);
}

#[test]
fn a_stated_length_beyond_the_input_is_refused_without_allocating_it() {
    // A data part claiming 4 GiB, carrying 3 bytes.
    let bytes = unhex(&["01", "01", "00000000", "ffffffff", "010203"].concat());
    assert!(matches!(
        decode::<ProposalPart>(&bytes),
        Err(CodecError::Malformed(_))
    ));
    // A polka certificate claiming more signatures than any set has.
    let too_many = unhex(
        &[
            "01",
            H,
            "0100000000",
            &rep("ab", 32),
            &hex(&(MAX_SIGNATURES + 1).to_le_bytes()),
        ]
        .concat(),
    );
    assert_eq!(
        decode::<PolkaCertificate<Ctx>>(&too_many),
        Err(CodecError::TooMany {
            len: u64::from(MAX_SIGNATURES + 1),
            max: MAX_SIGNATURES,
        })
    );
    let max_claimed = unhex(&["01", H, "0100000000", &rep("ab", 32), "ffffffff"].concat());
    assert!(matches!(
        decode::<PolkaCertificate<Ctx>>(&max_claimed),
        Err(CodecError::TooMany { .. })
    ));
    // A sync response claiming more values than any batch.
    let values = unhex(&["01", "00", H, &hex(&(MAX_SYNC_VALUES + 1).to_le_bytes())].concat());
    assert_eq!(
        decode::<Response<Ctx>>(&values),
        Err(CodecError::TooMany {
            len: u64::from(MAX_SYNC_VALUES + 1),
            max: MAX_SYNC_VALUES,
        })
    );
}

#[test]
fn a_list_over_its_bound_is_not_encoded() {
    let cert = PolkaCertificate::<Ctx> {
        height: Height(7),
        round: Round::new(1),
        value_id: hash(),
        polka_signatures: vec![PolkaSignature::new(addr(), sig()); MAX_SIGNATURES as usize + 1],
    };
    assert_eq!(
        RestakeCodec.encode(&cert),
        Err(CodecError::TooMany {
            len: u64::from(MAX_SIGNATURES + 1),
            max: MAX_SIGNATURES,
        })
    );
}

#[test]
fn an_unknown_variant_or_a_bad_peer_id_is_refused() {
    let mut bytes = encode(&SignedConsensusMsg::<Ctx>::Vote(SignedMessage::new(
        sample_vote(),
        sig(),
    )))
    .to_vec();
    bytes[1] = 2;
    assert!(matches!(
        decode::<SignedConsensusMsg<Ctx>>(&bytes),
        Err(CodecError::Malformed(_))
    ));
    bytes[1] = 0;
    bytes[2] = 2; // vote type
    assert!(matches!(
        decode::<SignedConsensusMsg<Ctx>>(&bytes),
        Err(CodecError::Malformed(_))
    ));
    // Option tags other than 0 and 1.
    let mut bytes = encode(&sample_proposal_msg()).to_vec();
    bytes[10] = 2; // the round's tag
    assert!(matches!(
        decode::<SignedConsensusMsg<Ctx>>(&bytes),
        Err(CodecError::Malformed(_))
    ));
    // A peer id with an unsupported multihash code.
    let status = unhex(&["01", "03000000", "990101", H, H].concat());
    assert!(matches!(
        decode::<Status<Ctx>>(&status),
        Err(CodecError::InvalidPeerId(_))
    ));
}

fn sample_proposal_msg() -> SignedConsensusMsg<Ctx> {
    SignedConsensusMsg::Proposal(SignedMessage::new(sample_proposal(), sig()))
}

// --- Round trips ------------------------------------------------------------------------------

fn height() -> impl Strategy<Value = Height> {
    any::<u64>().prop_map(Height)
}

fn round() -> impl Strategy<Value = Round> {
    prop_oneof![Just(Round::Nil), any::<u32>().prop_map(Round::new)]
}

fn address() -> impl Strategy<Value = ConsensusAddress> {
    any::<[u8; 20]>().prop_map(ConsensusAddress::new)
}

fn block_hash() -> impl Strategy<Value = BlockHash> {
    any::<[u8; 32]>().prop_map(|b| BlockHash(B256::new(b)))
}

fn signature() -> impl Strategy<Value = Signature> {
    (any::<[u8; 32]>(), any::<[u8; 32]>()).prop_map(|(r, s)| {
        let mut raw = [0u8; 64];
        raw[..32].copy_from_slice(&r);
        raw[32..].copy_from_slice(&s);
        Signature::from_bytes(raw)
    })
}

fn vote_type() -> impl Strategy<Value = VoteType> {
    prop_oneof![Just(VoteType::Prevote), Just(VoteType::Precommit)]
}

fn nil_or_hash() -> impl Strategy<Value = NilOrVal<BlockHash>> {
    option::of(block_hash()).prop_map(|v| v.map_or(NilOrVal::Nil, NilOrVal::Val))
}

fn vote() -> impl Strategy<Value = Vote> {
    (
        vote_type(),
        height(),
        round(),
        nil_or_hash(),
        address(),
        option::of(signature()),
    )
        .prop_map(|(kind, height, round, value, voter, ext)| Vote {
            kind,
            height,
            round,
            value,
            voter,
            extension: ext.map(|s| SignedMessage::new((), s)),
        })
}

fn proposal() -> impl Strategy<Value = Proposal> {
    (height(), round(), block_hash(), round(), address()).prop_map(
        |(height, round, value, pol_round, proposer)| Proposal {
            height,
            round,
            value,
            pol_round,
            proposer,
        },
    )
}

fn signed_consensus_msg() -> impl Strategy<Value = SignedConsensusMsg<Ctx>> {
    prop_oneof![
        (vote(), signature()).prop_map(|(v, s)| SignedConsensusMsg::Vote(SignedMessage::new(v, s))),
        (proposal(), signature())
            .prop_map(|(p, s)| SignedConsensusMsg::Proposal(SignedMessage::new(p, s))),
    ]
}

fn proposed_value() -> impl Strategy<Value = ProposedValue<Ctx>> {
    (
        height(),
        round(),
        round(),
        address(),
        block_hash(),
        any::<bool>(),
    )
        .prop_map(
            |(height, round, valid_round, proposer, value, valid)| ProposedValue {
                height,
                round,
                valid_round,
                proposer,
                value,
                validity: Validity::from_bool(valid),
            },
        )
}

fn polka_certificate() -> impl Strategy<Value = PolkaCertificate<Ctx>> {
    (
        height(),
        round(),
        block_hash(),
        vec((address(), signature()), 0..8),
    )
        .prop_map(|(height, round, value_id, sigs)| PolkaCertificate {
            height,
            round,
            value_id,
            polka_signatures: sigs
                .into_iter()
                .map(|(a, s)| PolkaSignature::new(a, s))
                .collect(),
        })
}

fn round_certificate() -> impl Strategy<Value = RoundCertificate<Ctx>> {
    (
        height(),
        round(),
        any::<bool>(),
        vec((vote_type(), nil_or_hash(), address(), signature()), 0..8),
    )
        .prop_map(|(height, round, skip, sigs)| RoundCertificate {
            height,
            round,
            cert_type: if skip {
                RoundCertificateType::Skip
            } else {
                RoundCertificateType::Precommit
            },
            round_signatures: sigs
                .into_iter()
                .map(|(t, v, a, s)| RoundSignature::new(t, v, a, s))
                .collect(),
        })
}

fn liveness_msg() -> impl Strategy<Value = LivenessMsg<Ctx>> {
    prop_oneof![
        (vote(), signature()).prop_map(|(v, s)| LivenessMsg::Vote(SignedMessage::new(v, s))),
        polka_certificate().prop_map(LivenessMsg::PolkaCertificate),
        round_certificate().prop_map(LivenessMsg::SkipRoundCertificate),
    ]
}

fn proposal_part() -> impl Strategy<Value = ProposalPart> {
    prop_oneof![
        (height(), round(), address(), any::<u32>(), any::<u32>()).prop_map(
            |(height, round, proposer, block_len, chunks)| ProposalPart::Init {
                height,
                round,
                proposer,
                block_len,
                chunks,
            }
        ),
        (any::<u32>(), vec(any::<u8>(), 0..600)).prop_map(|(index, bytes)| ProposalPart::Data {
            index,
            bytes: Bytes::from(bytes),
        }),
        signature().prop_map(|signature| ProposalPart::Fin { signature }),
    ]
}

fn stream_message() -> impl Strategy<Value = StreamMessage<ProposalPart>> {
    (
        vec(any::<u8>(), 0..24),
        any::<u64>(),
        option::of(proposal_part()),
    )
        .prop_map(|(id, sequence, part)| {
            StreamMessage::new(
                StreamId::new(Bytes::from(id)),
                sequence,
                part.map_or(StreamContent::Fin, StreamContent::Data),
            )
        })
}

fn validator_proof() -> impl Strategy<Value = ValidatorProof<Ctx>> {
    (
        vec(any::<u8>(), 0..40),
        vec(any::<u8>(), 0..40),
        signature(),
    )
        .prop_map(|(key, peer, sig)| ValidatorProof::new(key, peer, sig))
}

fn a_peer_id() -> impl Strategy<Value = PeerId> {
    prop_oneof![
        any::<[u8; 32]>().prop_map(|d| {
            let mut raw = vec![0x12, 0x20];
            raw.extend(d);
            PeerId::from_bytes(&raw).unwrap()
        }),
        vec(any::<u8>(), 0..=42).prop_map(|d| {
            let mut raw = vec![0x00, d.len() as u8];
            raw.extend(d);
            PeerId::from_bytes(&raw).unwrap()
        }),
    ]
}

fn status() -> impl Strategy<Value = Status<Ctx>> {
    (a_peer_id(), height(), height()).prop_map(|(peer_id, tip_height, history_min_height)| Status {
        peer_id,
        tip_height,
        history_min_height,
    })
}

fn request() -> impl Strategy<Value = Request<Ctx>> {
    (height(), height())
        .prop_map(|(start, end)| Request::ValueRequest(ValueRequest::new(start..=end)))
}

fn extended_certificate() -> impl Strategy<Value = ExtendedCommitCertificate<Ctx>> {
    (
        height(),
        round(),
        block_hash(),
        vec((address(), signature(), option::of(signature())), 0..6),
    )
        .prop_map(
            |(height, round, value_id, sigs)| ExtendedCommitCertificate {
                height,
                round,
                value_id,
                commit_signatures: sigs
                    .into_iter()
                    .map(|(a, s, e)| {
                        ExtendedCommitSignature::new(a, s, e.map(|e| SignedMessage::new((), e)))
                    })
                    .collect(),
            },
        )
}

fn response() -> impl Strategy<Value = Response<Ctx>> {
    (
        height(),
        vec((vec(any::<u8>(), 0..300), extended_certificate()), 0..4),
    )
        .prop_map(|(start, values)| {
            Response::ValueResponse(ValueResponse::new(
                start,
                values
                    .into_iter()
                    .map(|(bytes, cert)| RawDecidedValue::new(Bytes::from(bytes), cert))
                    .collect(),
            ))
        })
}

/// Encodes, checks the version byte, decodes to an equal value and re-encodes to the same
/// bytes (which also catches a lost vote extension, which `Vote`'s equality ignores).
fn round_trips<T>(value: &T) -> Result<(), TestCaseError>
where
    T: PartialEq + std::fmt::Debug,
    RestakeCodec: Codec<T, Error = CodecError>,
{
    let bytes = encode(value);
    prop_assert_eq!(bytes[0], VERSION);
    let back: T = RestakeCodec.decode(bytes.clone()).unwrap();
    prop_assert_eq!(&back, value);
    prop_assert_eq!(encode(&back), bytes);
    Ok(())
}

proptest! {
    #[test]
    fn every_signed_consensus_message_round_trips(msg in signed_consensus_msg()) {
        round_trips(&msg)?;
    }

    #[test]
    fn every_proposed_value_round_trips(value in proposed_value()) {
        round_trips(&value)?;
    }

    #[test]
    fn every_polka_certificate_round_trips(cert in polka_certificate()) {
        round_trips(&cert)?;
    }

    #[test]
    fn every_proposal_part_round_trips(part in proposal_part()) {
        round_trips(&part)?;
    }

    #[test]
    fn every_liveness_message_round_trips(msg in liveness_msg()) {
        round_trips(&msg)?;
    }

    #[test]
    fn every_stream_message_round_trips(msg in stream_message()) {
        round_trips(&msg)?;
    }

    #[test]
    fn every_validator_proof_round_trips(proof in validator_proof()) {
        round_trips(&proof)?;
    }

    #[test]
    fn every_sync_status_round_trips(status in status()) {
        round_trips(&status)?;
    }

    #[test]
    fn every_sync_request_round_trips(request in request()) {
        round_trips(&request)?;
    }

    #[test]
    fn every_sync_response_round_trips_and_its_encoded_len_is_exact(response in response()) {
        round_trips(&response)?;
        prop_assert_eq!(
            RestakeCodec.encoded_len(&response).unwrap(),
            encode(&response).len()
        );
    }

    #[test]
    fn no_input_makes_a_decoder_panic(bytes in vec(any::<u8>(), 0..300)) {
        let _ = decode::<SignedConsensusMsg<Ctx>>(&bytes);
        let _ = decode::<ProposedValue<Ctx>>(&bytes);
        let _ = decode::<PolkaCertificate<Ctx>>(&bytes);
        let _ = decode::<ProposalPart>(&bytes);
        let _ = decode::<LivenessMsg<Ctx>>(&bytes);
        let _ = decode::<StreamMessage<ProposalPart>>(&bytes);
        let _ = decode::<ValidatorProof<Ctx>>(&bytes);
        let _ = decode::<Status<Ctx>>(&bytes);
        let _ = decode::<Request<Ctx>>(&bytes);
        let _ = decode::<Response<Ctx>>(&bytes);
    }
}
