//! The signer and verifier: Malachite's precommits are core certificate signatures, every bad
//! signature is refused without a panic, and nothing signs what Restake does not use.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::panic,
    clippy::expect_used,
    clippy::cast_possible_truncation,
    missing_docs
)]

mod common;
use common::*;
use malachitebft_core_types::{
    CommitCertificate, Context, NilOrVal, Round, SignedVote, ThresholdParams, ValidatorProof,
    ValidatorSet as _, VoteExtensionScope,
};
use malachitebft_signing::{Signer, Verifier, VerifierExt};
use restake_consensus::certificate::{extended_from_core, from_core, to_core};
use restake_consensus::signing::{BLOCK_ENVELOPE_TAG, block_envelope_preimage};
use restake_consensus::{
    BlockHash, ConsensusAddress, Height, RestakeCodec, RestakeContext, RestakeSigner,
    RestakeVerifier, SigningError,
};
use restake_core::block::{Certificate, CertificateError};
use restake_primitives::ed25519::{PublicKey, Signature};
use restake_primitives::{Address, B256};

const HASH: B256 = B256::repeat_byte(0xab);

fn ctx() -> RestakeContext {
    RestakeContext::new(CHAIN_ID)
}

/// The group order ℓ, little-endian.
const ELL: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

/// The same signature with `S + ℓ`: equal modulo ℓ, not canonical.
fn non_canonical(signature: &Signature) -> Signature {
    let mut raw = signature.to_bytes();
    let mut carry = 0u16;
    for i in 0..32 {
        let sum = u16::from(raw[32 + i]) + u16::from(ELL[i]) + carry;
        raw[32 + i] = (sum & 0xff) as u8;
        carry = sum >> 8;
    }
    Signature::from_bytes(raw)
}

fn flip(signature: &Signature, bit: usize) -> Signature {
    let mut raw = signature.to_bytes();
    raw[bit / 8] ^= 1 << (bit % 8);
    Signature::from_bytes(raw)
}

async fn precommits(
    signers: &[RestakeSigner],
    height: u64,
    round: u32,
    hash: B256,
) -> Vec<SignedVote<RestakeContext>> {
    let mut out = Vec::new();
    for s in signers {
        let vote = ctx().new_precommit(
            Height(height),
            Round::new(round),
            NilOrVal::Val(BlockHash(hash)),
            s.address(),
        );
        out.push(s.sign_vote(vote).await.unwrap());
    }
    out
}

#[tokio::test]
async fn a_malachite_commit_signature_verifies_as_a_core_certificate_signature() {
    let k = keys(4);
    let set = set(&k);
    let all = signers(&k);
    // Three of four sign their precommits through Malachite's `Signer`.
    let votes = precommits(&all[..3], 5, 1, HASH).await;
    let malachite = CommitCertificate::new(Height(5), Round::new(1), BlockHash(HASH), votes);
    assert_eq!(malachite.commit_signatures.len(), 3);

    // Malachite accepts it with our verifier …
    RestakeVerifier::new(CHAIN_ID)
        .verify_commit_certificate(&ctx(), &malachite, &set, ThresholdParams::default())
        .await
        .unwrap();
    // … and so does core, as a Restake certificate.
    let core = to_core(&malachite).unwrap();
    assert_eq!(core.verify_for(CHAIN_ID, 5, HASH, set.core()), Ok(3));
    // Byte for byte the certificate core's own signer makes.
    let refs: Vec<_> = k[..3].iter().collect();
    assert_eq!(core, Certificate::sign(CHAIN_ID, 5, 1, HASH, &refs));
    // And back: the certificate sync serves is the one Malachite decided.
    let back = from_core(&core);
    let mut sorted = malachite.clone();
    sorted.commit_signatures.sort_by_key(|s| s.address);
    assert_eq!(back, sorted);
    assert_eq!(extended_from_core(&core).trim_vote_extensions(), sorted);

    // Tampering with any signature, the round or the block breaks it.
    let mut tampered = core.clone();
    tampered.signatures[1].signature = flip(&tampered.signatures[1].signature, 9);
    assert!(matches!(
        tampered.verify(CHAIN_ID, set.core()),
        Err(CertificateError::BadSignature { .. })
    ));
    let mut moved = core.clone();
    moved.round = 2;
    assert!(moved.verify(CHAIN_ID, set.core()).is_err());
    let mut other_block = core.clone();
    other_block.block_hash = B256::repeat_byte(0xac);
    assert!(other_block.verify(CHAIN_ID, set.core()).is_err());
    assert!(core.verify(CHAIN_ID + 1, set.core()).is_err());
    let mut bad = malachite.clone();
    bad.commit_signatures[0].signature = flip(&bad.commit_signatures[0].signature, 200);
    assert!(
        RestakeVerifier::new(CHAIN_ID)
            .verify_commit_certificate(&ctx(), &bad, &set, ThresholdParams::default())
            .await
            .is_err()
    );
    // Two of four is not a certificate for either.
    let two = CommitCertificate::new(
        Height(5),
        Round::new(1),
        BlockHash(HASH),
        precommits(&all[..2], 5, 1, HASH).await,
    );
    assert!(to_core(&two).unwrap().verify(CHAIN_ID, set.core()).is_err());
}

#[tokio::test]
async fn a_duplicate_or_nil_round_certificate_has_no_core_form() {
    let k = keys(2);
    let mut votes = precommits(&signers(&k), 5, 0, HASH).await;
    votes.push(votes[0].clone());
    let mut cert = CommitCertificate::new(Height(5), Round::new(0), BlockHash(HASH), votes);
    assert!(to_core(&cert).is_err());
    cert.commit_signatures.pop();
    assert!(to_core(&cert).is_ok());
    cert.round = Round::Nil;
    assert!(to_core(&cert).is_err());
}

#[tokio::test]
async fn a_non_canonical_or_bit_flipped_signature_is_refused_by_the_verifier() {
    let k = keys(1);
    let signer = RestakeSigner::new(CHAIN_ID, k[0].clone());
    let key = k[0].public();
    let verifier = RestakeVerifier::new(CHAIN_ID);
    let vote = ctx().new_prevote(
        Height(9),
        Round::new(0),
        NilOrVal::Val(BlockHash(HASH)),
        signer.address(),
    );
    let signed = signer.sign_vote(vote.clone()).await.unwrap();
    assert!(
        verifier
            .verify_signed_vote(&vote, &signed.signature, &key)
            .await
            .unwrap()
            .is_valid()
    );
    let mut refused = vec![
        non_canonical(&signed.signature),
        Signature::from_bytes([0; 64]),
        Signature::from_bytes([0xff; 64]),
    ];
    refused.extend((0..512).step_by(7).map(|bit| flip(&signed.signature, bit)));
    for bad in &refused {
        assert!(
            verifier
                .verify_signed_vote(&vote, bad, &key)
                .await
                .unwrap()
                .is_invalid(),
            "{bad:?}"
        );
    }
    // Under another key, for another chain, or for another vote: invalid too.
    let other = keys(2)[1].public();
    assert!(
        verifier
            .verify_signed_vote(&vote, &signed.signature, &other)
            .await
            .unwrap()
            .is_invalid()
    );
    assert!(
        RestakeVerifier::new(CHAIN_ID + 1)
            .verify_signed_vote(&vote, &signed.signature, &key)
            .await
            .unwrap()
            .is_invalid()
    );
    let nil = ctx().new_prevote(Height(9), Round::new(0), NilOrVal::Nil, signer.address());
    assert!(
        verifier
            .verify_signed_vote(&nil, &signed.signature, &key)
            .await
            .unwrap()
            .is_invalid()
    );

    // Proposals alike.
    let proposal = ctx().new_proposal(
        Height(9),
        Round::new(2),
        BlockHash(HASH),
        Round::new(1),
        signer.address(),
    );
    let signed = signer.sign_proposal(proposal.clone()).await.unwrap();
    assert!(
        verifier
            .verify_signed_proposal(&proposal, &signed.signature, &key)
            .await
            .unwrap()
            .is_valid()
    );
    for bad in [
        non_canonical(&signed.signature),
        flip(&signed.signature, 300),
    ] {
        assert!(
            verifier
                .verify_signed_proposal(&proposal, &bad, &key)
                .await
                .unwrap()
                .is_invalid()
        );
    }
    let mut re_proposal = proposal.clone();
    re_proposal.pol_round = Round::Nil;
    assert!(
        verifier
            .verify_signed_proposal(&re_proposal, &signed.signature, &key)
            .await
            .unwrap()
            .is_invalid()
    );
}

#[tokio::test]
async fn the_signer_signs_only_for_itself_and_never_a_nil_round() {
    let k = keys(2);
    let signer = RestakeSigner::new(CHAIN_ID, k[0].clone());
    let stranger = ConsensusAddress::of(&k[1].public());
    let vote = ctx().new_precommit(Height(1), Round::new(0), NilOrVal::Nil, stranger);
    assert!(signer.sign_vote(vote.clone()).await.is_err());
    assert!(matches!(
        signer.vote_signature(&vote),
        Err(SigningError::NotOurs { .. })
    ));
    let proposal = ctx().new_proposal(
        Height(1),
        Round::new(0),
        BlockHash(HASH),
        Round::Nil,
        stranger,
    );
    assert!(signer.sign_proposal(proposal).await.is_err());
    let nil_round = ctx().new_precommit(Height(1), Round::Nil, NilOrVal::Nil, signer.address());
    assert_eq!(
        signer.vote_signature(&nil_round),
        Err(SigningError::NilRound)
    );
    // Nil votes (for no block) are signed, with core's nil encoding.
    let nil_vote = ctx().new_precommit(Height(1), Round::new(0), NilOrVal::Nil, signer.address());
    let sig = signer.vote_signature(&nil_vote).unwrap();
    let preimage = restake_core::block::commit::vote_preimage(
        CHAIN_ID,
        restake_core::block::VoteKind::Precommit,
        1,
        0,
        None,
        signer.address().to_address(),
    );
    k[0].public().verify(&preimage, &sig).unwrap();
}

#[tokio::test]
async fn vote_extensions_are_never_signed_and_never_valid() {
    let k = keys(1);
    let signer = RestakeSigner::new(CHAIN_ID, k[0].clone());
    let scope =
        VoteExtensionScope::new(Height(1), Round::new(0), BlockHash(HASH), signer.address());
    assert!(signer.sign_vote_extension(scope.clone(), ()).await.is_err());
    // Not even a signature over the would-be bytes of anything.
    let anything = k[0].sign(b"restake/vote-ext/v1");
    assert!(
        RestakeVerifier::new(CHAIN_ID)
            .verify_signed_vote_extension(&scope, &(), &anything, &k[0].public())
            .await
            .unwrap()
            .is_invalid()
    );
}

#[tokio::test]
async fn a_validator_proof_signs_exactly_malachites_bytes_and_binds_the_peer_id() {
    let k = keys(2);
    let signer = RestakeSigner::new(CHAIN_ID, k[0].clone());
    let verifier = RestakeVerifier::new(CHAIN_ID);
    let key = k[0].public().to_bytes().to_vec();
    let peer_id = vec![0x12, 0x20, 7, 7, 7];
    let proof = signer
        .sign_validator_proof(key.clone(), peer_id.clone())
        .await
        .unwrap();
    assert_eq!(proof.public_key, key);
    let bytes = ValidatorProof::<RestakeContext>::signing_bytes(&key, &peer_id);
    assert!(bytes.starts_with(b"PoV"));
    k[0].public().verify(&bytes, &proof.signature).unwrap();
    assert!(
        verifier
            .verify_validator_proof(&proof)
            .await
            .unwrap()
            .is_valid()
    );
    // What the network layer carries: the codec's bytes, which still verify after the trip.
    let wire = malachitebft_codec::Codec::encode(&RestakeCodec, &proof).unwrap();
    let received: ValidatorProof<RestakeContext> =
        malachitebft_codec::Codec::decode(&RestakeCodec, wire).unwrap();
    assert!(
        verifier
            .verify_validator_proof(&received)
            .await
            .unwrap()
            .is_valid()
    );

    let mut moved = proof.clone();
    moved.peer_id.push(0);
    assert!(
        verifier
            .verify_validator_proof(&moved)
            .await
            .unwrap()
            .is_invalid()
    );
    let mut bad_sig = proof.clone();
    bad_sig.signature = non_canonical(&proof.signature);
    assert!(
        verifier
            .verify_validator_proof(&bad_sig)
            .await
            .unwrap()
            .is_invalid()
    );
    // A key that is not a canonical point, or of the wrong length: invalid, no panic.
    let mut not_a_key = proof.clone();
    not_a_key.public_key = vec![0xff; 32];
    assert!(
        verifier
            .verify_validator_proof(&not_a_key)
            .await
            .unwrap()
            .is_invalid()
    );
    not_a_key.public_key = vec![1; 3];
    assert!(
        verifier
            .verify_validator_proof(&not_a_key)
            .await
            .unwrap()
            .is_invalid()
    );
    // The signer proves only its own key.
    let foreign = k[1].public().to_bytes().to_vec();
    assert!(
        signer
            .sign_validator_proof(foreign, peer_id.clone())
            .await
            .is_err()
    );
    assert!(
        signer
            .sign_validator_proof(vec![0; 31], peer_id)
            .await
            .is_err()
    );
}

#[test]
fn the_block_envelope_preimage_is_pinned_byte_for_byte() {
    let bytes = block_envelope_preimage(31337, 7, 2, HASH, Address::repeat_byte(0x11));
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(
        hex,
        concat!(
            "72657374616b652f626c6f636b2f7631", // "restake/block/v1"
            "0000000000007a69",                 // chain id 31337
            "0000000000000007",                 // height
            "00000002",                         // round
            "abababababababababababababababababababababababababababababababab",
            "1111111111111111111111111111111111111111"
        )
    );
    assert!(bytes.starts_with(BLOCK_ENVELOPE_TAG));
}

#[test]
fn a_block_envelope_verifies_only_for_its_chain_height_round_block_and_proposer() {
    let k = keys(2);
    let signer = RestakeSigner::new(CHAIN_ID, k[0].clone());
    let key: PublicKey = signer.public_key();
    let verifier = RestakeVerifier::new(CHAIN_ID);
    let (h, r, v, p) = (Height(4), Round::new(1), BlockHash(HASH), signer.address());
    let sig = signer.block_envelope_signature(h, r, v).unwrap();
    assert_eq!(sig, signer.block_envelope_signature(h, r, v).unwrap());
    verifier
        .check_block_envelope(&key, h, r, v, p, &sig)
        .unwrap();
    let other = BlockHash(B256::repeat_byte(1));
    let stranger = ConsensusAddress::of(&k[1].public());
    assert!(
        verifier
            .check_block_envelope(&key, Height(5), r, v, p, &sig)
            .is_err()
    );
    assert!(
        verifier
            .check_block_envelope(&key, h, Round::new(0), v, p, &sig)
            .is_err()
    );
    assert!(
        verifier
            .check_block_envelope(&key, h, Round::Nil, v, p, &sig)
            .is_err()
    );
    assert!(
        verifier
            .check_block_envelope(&key, h, r, other, p, &sig)
            .is_err()
    );
    assert!(
        verifier
            .check_block_envelope(&key, h, r, v, stranger, &sig)
            .is_err()
    );
    assert!(
        RestakeVerifier::new(CHAIN_ID + 1)
            .check_block_envelope(&key, h, r, v, p, &sig)
            .is_err()
    );
    assert!(
        verifier
            .check_block_envelope(&key, h, r, v, p, &non_canonical(&sig))
            .is_err()
    );
    // A vote signature is never an envelope signature (distinct tags).
    let vote = ctx().new_precommit(h, r, NilOrVal::Val(v), p);
    let vote_sig = signer.vote_signature(&vote).unwrap();
    assert!(
        verifier
            .check_block_envelope(&key, h, r, v, p, &vote_sig)
            .is_err()
    );
    assert_eq!(
        signer.block_envelope_signature(h, Round::Nil, v),
        Err(SigningError::NilRound)
    );
}

#[test]
fn every_signer_holds_the_key_its_validator_set_names() {
    let k = keys(4);
    let set = set(&k);
    for s in signers(&k) {
        let v = set.get_by_address(&s.address()).unwrap();
        assert_eq!(v.core().consensus_key, s.public_key());
    }
}
