//! [`RestakeContext`]: Malachite's [`Context`] for Restake, and the ed25519 signing scheme over
//! `restake_primitives::ed25519`.

use crate::types::{
    BlockHash, ConsensusAddress, Height, Proposal, ProposalPart, Validator, ValidatorSet, Vote,
};
use malachitebft_core_types::{Context, LinearTimeouts, NilOrVal, Round, SigningScheme, VoteType};
use restake_primitives::ed25519::{Ed25519Error, PublicKey, SecretKey, Signature};

/// Restake's consensus context: one chain, identified by its chain id (which every signed
/// preimage carries).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RestakeContext {
    /// The chain id of the genesis.
    pub chain_id: u64,
}

impl RestakeContext {
    /// The context of chain `chain_id`.
    pub fn new(chain_id: u64) -> Self {
        Self { chain_id }
    }
}

/// The ed25519 scheme of ADR 0006: keys and signatures of `restake_primitives::ed25519`, so
/// a public key is canonical-checked whenever it is decoded and verification is strict.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ed25519Scheme;

impl SigningScheme for Ed25519Scheme {
    type DecodingError = Ed25519Error;
    type Signature = Signature;
    type PublicKey = PublicKey;
    type PrivateKey = SecretKey;

    fn decode_signature(bytes: &[u8]) -> Result<Signature, Ed25519Error> {
        Signature::from_slice(bytes)
    }

    fn encode_signature(signature: &Signature) -> Vec<u8> {
        signature.to_bytes().to_vec()
    }

    fn decode_public_key(bytes: &[u8]) -> Result<PublicKey, Ed25519Error> {
        PublicKey::from_slice(bytes)
    }

    fn encode_public_key(public_key: &PublicKey) -> Vec<u8> {
        public_key.to_bytes().to_vec()
    }
}

impl Context for RestakeContext {
    type Address = ConsensusAddress;
    type Height = Height;
    type ProposalPart = ProposalPart;
    type Proposal = Proposal;
    type Validator = Validator;
    type ValidatorSet = ValidatorSet;
    type Timeouts = LinearTimeouts;
    type Value = BlockHash;
    type Vote = Vote;
    type Extension = ();
    type SigningScheme = Ed25519Scheme;

    /// Core's round-robin ([`ValidatorSet::proposer`]). Never panics: a [`ValidatorSet`] is
    /// never empty (the conversion from core's set refuses an empty one).
    fn select_proposer<'a>(
        &self,
        validator_set: &'a ValidatorSet,
        height: Height,
        round: Round,
    ) -> &'a Validator {
        validator_set.proposer(height, round)
    }

    fn new_proposal(
        &self,
        height: Height,
        round: Round,
        value: BlockHash,
        pol_round: Round,
        address: ConsensusAddress,
    ) -> Proposal {
        Proposal {
            height,
            round,
            value,
            pol_round,
            proposer: address,
        }
    }

    fn new_prevote(
        &self,
        height: Height,
        round: Round,
        value_id: NilOrVal<BlockHash>,
        address: ConsensusAddress,
    ) -> Vote {
        Vote {
            kind: VoteType::Prevote,
            height,
            round,
            value: value_id,
            voter: address,
            extension: None,
        }
    }

    fn new_precommit(
        &self,
        height: Height,
        round: Round,
        value_id: NilOrVal<BlockHash>,
        address: ConsensusAddress,
    ) -> Vote {
        Vote {
            kind: VoteType::Precommit,
            height,
            round,
            value: value_id,
            voter: address,
            extension: None,
        }
    }
}
