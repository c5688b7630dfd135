//! Malachite's [`Signer`] and [`Verifier`] over `restake_primitives::ed25519`, and the block
//! envelope a proposer signs in the `Fin` part of its stream.
//!
//! What each signature covers (every preimage opens with its own ASCII tag, ADR 0006):
//!
//! - a vote: core's [`vote_preimage`], so a precommit signed here *is* a signature of a core
//!   [`Certificate`](restake_core::block::Certificate); the extension is never part of it;
//! - a proposal: core's [`proposal_preimage`], with the nil POL round as `-1`;
//! - a block envelope (the `Fin` part): [`block_envelope_preimage`], defined here;
//! - a validator proof: exactly Malachite's
//!   [`ValidatorProof::signing_bytes`] (`"PoV" ‖ len ‖ key ‖ len ‖ peer id`), as its network
//!   layer requires; it cannot collide with the `restake/` tags;
//! - a vote extension: never. Restake uses none; the signer refuses to make one and the
//!   verifier calls every one invalid.
//!
//! Votes and proposals with a nil round have no preimage: the signer refuses them and the
//! verifier calls them invalid. A signature that is not canonical or does not verify is
//! reported [`VerificationResult::Invalid`]; nothing here panics on untrusted input.

use crate::context::RestakeContext;
use crate::types::{BlockHash, ConsensusAddress, Height, Proposal, Vote};
use async_trait::async_trait;
use malachitebft_core_types::{
    NilOrVal, Round, SignedMessage, ValidatorProof, VoteExtensionScope, VoteType,
};
use malachitebft_signing::{Error, Signer, VerificationResult, Verifier};
use restake_core::block::commit::{VoteKind, proposal_preimage, vote_preimage};
use restake_primitives::ed25519::{Ed25519Error, PublicKey, SecretKey, Signature};
use restake_primitives::{Address, B256};
use thiserror::Error;

/// The tag that opens a block envelope preimage.
pub const BLOCK_ENVELOPE_TAG: &[u8] = b"restake/block/v1";

/// The bytes a proposer signs in the `Fin` part of a block's stream:
/// `"restake/block/v1" ‖ chainId:u64 ‖ height:u64 ‖ round:u32 ‖ blockHash:32 ‖ proposer:20`,
/// integers big-endian. `round` is the round the block was first proposed in (the `Init`
/// part's), so a re-proposal streams the original envelope unchanged.
pub fn block_envelope_preimage(
    chain_id: u64,
    height: u64,
    round: u32,
    block_hash: B256,
    proposer: Address,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(BLOCK_ENVELOPE_TAG.len().saturating_add(72));
    out.extend_from_slice(BLOCK_ENVELOPE_TAG);
    out.extend_from_slice(&chain_id.to_be_bytes());
    out.extend_from_slice(&height.to_be_bytes());
    out.extend_from_slice(&round.to_be_bytes());
    out.extend_from_slice(block_hash.as_slice());
    out.extend_from_slice(proposer.as_slice());
    out
}

/// The bytes signed for `vote` on chain `chain_id` (core's vote preimage); `None` for a nil
/// round. The extension is not part of them.
pub fn vote_signing_bytes(chain_id: u64, vote: &Vote) -> Option<Vec<u8>> {
    let kind = match vote.kind {
        VoteType::Prevote => VoteKind::Prevote,
        VoteType::Precommit => VoteKind::Precommit,
    };
    let value = match vote.value {
        NilOrVal::Nil => None,
        NilOrVal::Val(hash) => Some(hash.to_b256()),
    };
    Some(vote_preimage(
        chain_id,
        kind,
        vote.height.get(),
        vote.round.as_u32()?,
        value,
        vote.voter.to_address(),
    ))
}

/// The bytes signed for `proposal` on chain `chain_id` (core's proposal preimage, nil POL
/// round as `-1`); `None` for a nil round.
pub fn proposal_signing_bytes(chain_id: u64, proposal: &Proposal) -> Option<Vec<u8>> {
    Some(proposal_preimage(
        chain_id,
        proposal.height.get(),
        proposal.round.as_u32()?,
        proposal.pol_round.as_i64(),
        proposal.value.to_b256(),
        proposal.proposer.to_address(),
    ))
}

/// Why something was not signed, or a signature was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SigningError {
    /// Votes, proposals and envelopes of a nil round are never signed.
    #[error("a nil round has no signing preimage")]
    NilRound,
    /// The signer signs only for its own address and key.
    #[error("this signer is {ours}, asked to sign for {asked}")]
    NotOurs {
        /// The signer's address.
        ours: ConsensusAddress,
        /// The address (or key's address) in the message.
        asked: ConsensusAddress,
    },
    /// Restake uses no vote extensions.
    #[error("Restake uses no vote extensions")]
    NoExtensions,
    /// The key or signature was refused.
    #[error(transparent)]
    Ed25519(#[from] Ed25519Error),
}

/// Signs with one validator's consensus key, for one chain. It signs only messages that name
/// its own address (or key): a misconfigured node errors instead of signing for another.
#[derive(Clone, Debug)]
pub struct RestakeSigner {
    chain_id: u64,
    key: SecretKey,
    public: PublicKey,
    address: ConsensusAddress,
}

impl RestakeSigner {
    /// A signer of `key` on chain `chain_id`.
    pub fn new(chain_id: u64, key: SecretKey) -> Self {
        let public = key.public();
        Self {
            chain_id,
            key,
            public,
            address: ConsensusAddress::of(&public),
        }
    }

    /// The consensus address of the key.
    pub fn address(&self) -> ConsensusAddress {
        self.address
    }

    /// The public key.
    pub fn public_key(&self) -> PublicKey {
        self.public
    }

    fn ours(&self, asked: ConsensusAddress) -> Result<(), SigningError> {
        if asked == self.address {
            Ok(())
        } else {
            Err(SigningError::NotOurs {
                ours: self.address,
                asked,
            })
        }
    }

    /// The signature of `vote` (its voter must be this signer).
    pub fn vote_signature(&self, vote: &Vote) -> Result<Signature, SigningError> {
        self.ours(vote.voter)?;
        let preimage = vote_signing_bytes(self.chain_id, vote).ok_or(SigningError::NilRound)?;
        Ok(self.key.sign(&preimage))
    }

    /// The signature of `proposal` (its proposer must be this signer).
    pub fn proposal_signature(&self, proposal: &Proposal) -> Result<Signature, SigningError> {
        self.ours(proposal.proposer)?;
        let preimage =
            proposal_signing_bytes(self.chain_id, proposal).ok_or(SigningError::NilRound)?;
        Ok(self.key.sign(&preimage))
    }

    /// The `Fin` signature of a block this signer proposed at `(height, round)`.
    /// Deterministic: signing again after a restart gives the same bytes.
    pub fn block_envelope_signature(
        &self,
        height: Height,
        round: Round,
        block_hash: BlockHash,
    ) -> Result<Signature, SigningError> {
        let round = round.as_u32().ok_or(SigningError::NilRound)?;
        Ok(self.key.sign(&block_envelope_preimage(
            self.chain_id,
            height.get(),
            round,
            block_hash.to_b256(),
            self.address.to_address(),
        )))
    }

    /// A proof binding this signer's key to a libp2p peer id: the signature over
    /// [`ValidatorProof::signing_bytes`]. `public_key` must be this signer's key.
    pub fn validator_proof(
        &self,
        public_key: Vec<u8>,
        peer_id: Vec<u8>,
    ) -> Result<ValidatorProof<RestakeContext>, SigningError> {
        let key = PublicKey::from_slice(&public_key)?;
        self.ours(ConsensusAddress::of(&key))?;
        let signature = self
            .key
            .sign(&ValidatorProof::<RestakeContext>::signing_bytes(
                &public_key,
                &peer_id,
            ));
        Ok(ValidatorProof::new(public_key, peer_id, signature))
    }
}

fn engine_error(e: SigningError) -> Error {
    Error::from_source(e)
}

#[async_trait]
impl Signer<RestakeContext> for RestakeSigner {
    async fn sign_vote(&self, vote: Vote) -> Result<SignedMessage<RestakeContext, Vote>, Error> {
        let signature = self.vote_signature(&vote).map_err(engine_error)?;
        Ok(SignedMessage::new(vote, signature))
    }

    async fn sign_proposal(
        &self,
        proposal: Proposal,
    ) -> Result<SignedMessage<RestakeContext, Proposal>, Error> {
        let signature = self.proposal_signature(&proposal).map_err(engine_error)?;
        Ok(SignedMessage::new(proposal, signature))
    }

    async fn sign_vote_extension(
        &self,
        _scope: VoteExtensionScope<RestakeContext>,
        _extension: (),
    ) -> Result<SignedMessage<RestakeContext, ()>, Error> {
        Err(engine_error(SigningError::NoExtensions))
    }

    async fn sign_validator_proof(
        &self,
        public_key: Vec<u8>,
        peer_id: Vec<u8>,
    ) -> Result<ValidatorProof<RestakeContext>, Error> {
        self.validator_proof(public_key, peer_id)
            .map_err(engine_error)
    }
}

/// Checks signatures for one chain. Holds no key; every node, validator or not, has one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RestakeVerifier {
    chain_id: u64,
}

impl RestakeVerifier {
    /// A verifier for chain `chain_id`.
    pub fn new(chain_id: u64) -> Self {
        Self { chain_id }
    }

    /// Checks `signature` of `vote` under `key`.
    pub fn check_vote(
        &self,
        vote: &Vote,
        signature: &Signature,
        key: &PublicKey,
    ) -> Result<(), SigningError> {
        let preimage = vote_signing_bytes(self.chain_id, vote).ok_or(SigningError::NilRound)?;
        Ok(key.verify(&preimage, signature)?)
    }

    /// Checks `signature` of `proposal` under `key`.
    pub fn check_proposal(
        &self,
        proposal: &Proposal,
        signature: &Signature,
        key: &PublicKey,
    ) -> Result<(), SigningError> {
        let preimage =
            proposal_signing_bytes(self.chain_id, proposal).ok_or(SigningError::NilRound)?;
        Ok(key.verify(&preimage, signature)?)
    }

    /// Checks a `Fin` signature: `proposer`'s key `key` signed the envelope of `block_hash` at
    /// `(height, round)`. The caller checks that `key` is `proposer`'s in the height's set.
    pub fn check_block_envelope(
        &self,
        key: &PublicKey,
        height: Height,
        round: Round,
        block_hash: BlockHash,
        proposer: ConsensusAddress,
        signature: &Signature,
    ) -> Result<(), SigningError> {
        let round = round.as_u32().ok_or(SigningError::NilRound)?;
        let preimage = block_envelope_preimage(
            self.chain_id,
            height.get(),
            round,
            block_hash.to_b256(),
            proposer.to_address(),
        );
        Ok(key.verify(&preimage, signature)?)
    }

    /// Checks a validator proof under the key it carries (which must be a valid key).
    pub fn check_validator_proof(
        &self,
        proof: &ValidatorProof<RestakeContext>,
    ) -> Result<(), SigningError> {
        let key = PublicKey::from_slice(&proof.public_key)?;
        Ok(key.verify(&proof.preimage(), &proof.signature)?)
    }
}

fn verdict(result: Result<(), SigningError>) -> VerificationResult {
    VerificationResult::from_bool(result.is_ok())
}

#[async_trait]
impl Verifier<RestakeContext> for RestakeVerifier {
    async fn verify_signed_vote(
        &self,
        vote: &Vote,
        signature: &Signature,
        public_key: &PublicKey,
    ) -> Result<VerificationResult, Error> {
        Ok(verdict(self.check_vote(vote, signature, public_key)))
    }

    async fn verify_signed_proposal(
        &self,
        proposal: &Proposal,
        signature: &Signature,
        public_key: &PublicKey,
    ) -> Result<VerificationResult, Error> {
        Ok(verdict(
            self.check_proposal(proposal, signature, public_key),
        ))
    }

    async fn verify_signed_vote_extension(
        &self,
        _scope: &VoteExtensionScope<RestakeContext>,
        _extension: &(),
        _signature: &Signature,
        _public_key: &PublicKey,
    ) -> Result<VerificationResult, Error> {
        Ok(VerificationResult::Invalid)
    }

    async fn verify_validator_proof(
        &self,
        proof: &ValidatorProof<RestakeContext>,
    ) -> Result<VerificationResult, Error> {
        Ok(verdict(self.check_validator_proof(proof)))
    }
}
