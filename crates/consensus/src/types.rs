//! The values Malachite's [`Context`](malachitebft_core_types::Context) is made of: heights,
//! addresses, block hashes, validators, proposals, votes and proposal parts.
//!
//! Every rule lives in `restake-core` or `restake-primitives`: a validator set is core's
//! [`ValidatorSet`](CoreValidatorSet) (sorted by address, checked powers, round-robin proposer),
//! a key is the primitives' canonical-checked ed25519 [`PublicKey`]. The types here only give
//! them the shape Malachite's traits ask for.

use crate::context::RestakeContext;
use bytes::Bytes;
use malachitebft_core_types::{
    self as mc, NilOrVal, Round, SignedExtension, VoteType, VotingPower,
};
use restake_core::validators::{Validator as CoreValidator, ValidatorSet as CoreValidatorSet};
use restake_primitives::ed25519::{PublicKey, Signature};
use restake_primitives::{Address, B256};
use std::fmt;
use thiserror::Error;

/// Writes `bytes` as lowercase hex after `0x`.
fn write_hex(f: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    f.write_str("0x")?;
    for b in bytes {
        write!(f, "{b:02x}")?;
    }
    Ok(())
}

/// A block height. Height 0 is genesis (never decided by consensus); the first height
/// consensus decides is 1 ([`Height::INITIAL`](mc::Height::INITIAL)).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Height(pub u64);

impl Height {
    /// The height as a number.
    pub fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for Height {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl mc::Height for Height {
    const ZERO: Self = Self(0);
    const INITIAL: Self = Self(1);

    /// Saturates at `u64::MAX`, a height no chain reaches (core refuses heights above
    /// `u32::MAX` long before).
    fn increment_by(&self, n: u64) -> Self {
        Self(self.0.saturating_add(n))
    }

    fn decrement_by(&self, n: u64) -> Option<Self> {
        self.0.checked_sub(n).map(Self)
    }

    fn as_u64(&self) -> u64 {
        self.0
    }
}

/// A validator's consensus address: `keccak256(ed25519 key)[12..]`, as in core's validator sets
/// and certificates. `Display` is lowercase `0x` + 40 hex digits: the string Malachite's network
/// layer matches validators by, so it must never change.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ConsensusAddress(Address);

impl ConsensusAddress {
    /// The address of 20 bytes.
    pub const fn new(bytes: [u8; 20]) -> Self {
        Self(Address::new(bytes))
    }

    /// The address of a consensus key.
    pub fn of(key: &PublicKey) -> Self {
        Self(key.address())
    }

    /// The 20 bytes.
    pub fn to_bytes(self) -> [u8; 20] {
        self.0.into_array()
    }

    /// The same address as core and the headers spell it.
    pub fn to_address(self) -> Address {
        self.0
    }
}

impl From<Address> for ConsensusAddress {
    fn from(address: Address) -> Self {
        Self(address)
    }
}

impl From<ConsensusAddress> for Address {
    fn from(address: ConsensusAddress) -> Self {
        address.0
    }
}

impl fmt::Display for ConsensusAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_hex(f, self.0.as_slice())
    }
}

impl mc::Address for ConsensusAddress {}

/// A block header hash: both the value consensus decides and its id. The block itself travels
/// only as proposal parts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BlockHash(pub B256);

impl BlockHash {
    /// The hash.
    pub fn to_b256(self) -> B256 {
        self.0
    }
}

impl From<B256> for BlockHash {
    fn from(hash: B256) -> Self {
        Self(hash)
    }
}

impl fmt::Display for BlockHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_hex(f, self.0.as_slice())
    }
}

impl mc::Value for BlockHash {
    type Id = BlockHash;

    fn id(&self) -> Self::Id {
        *self
    }
}

/// A validator: core's [`Validator`](CoreValidator) with its address in the form Malachite
/// names validators by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Validator {
    address: ConsensusAddress,
    core: CoreValidator,
}

impl Validator {
    /// Wraps core's validator.
    pub fn new(core: CoreValidator) -> Self {
        Self {
            address: ConsensusAddress(core.address),
            core,
        }
    }

    /// Core's validator.
    pub fn core(&self) -> &CoreValidator {
        &self.core
    }
}

impl mc::Validator<RestakeContext> for Validator {
    fn address(&self) -> &ConsensusAddress {
        &self.address
    }

    fn public_key(&self) -> &PublicKey {
        &self.core.consensus_key
    }

    fn voting_power(&self) -> VotingPower {
        self.core.power
    }
}

/// Why a core validator set cannot be a consensus validator set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum ValidatorSetError {
    /// An empty set has no proposer and no quorum: no consensus runs on it.
    #[error("an empty validator set cannot run consensus")]
    Empty,
}

/// A validator set for one height: core's [`ValidatorSet`](CoreValidatorSet), in its order
/// (address ascending), never empty.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidatorSet {
    core: CoreValidatorSet,
    /// `core`'s validators, same order.
    validators: Vec<Validator>,
    /// A copy of the first validator, so that [`RestakeContext`]'s `select_proposer` has a
    /// validator to return even if core named none — which it never does for a non-empty set.
    fallback: Validator,
}

impl ValidatorSet {
    /// Core's set.
    pub fn core(&self) -> &CoreValidatorSet {
        &self.core
    }

    /// The validators, by address.
    pub fn validators(&self) -> &[Validator] {
        &self.validators
    }

    /// The proposer of `round` at `height`: core's [`CoreValidatorSet::proposer`], so the
    /// engine and the application agree by construction. A nil round counts as round 0 (the
    /// engine never asks for one).
    pub fn proposer(&self, height: Height, round: Round) -> &Validator {
        self.core
            .proposer(height.0, round.as_u32().unwrap_or(0))
            .and_then(|v| self.get(&ConsensusAddress(v.address)))
            .unwrap_or(&self.fallback)
    }

    /// The validator with `address`.
    pub fn get(&self, address: &ConsensusAddress) -> Option<&Validator> {
        self.validators
            .binary_search_by(|v| v.address.cmp(address))
            .ok()
            .and_then(|i| self.validators.get(i))
    }
}

impl TryFrom<CoreValidatorSet> for ValidatorSet {
    type Error = ValidatorSetError;

    fn try_from(core: CoreValidatorSet) -> Result<Self, Self::Error> {
        let validators: Vec<Validator> = core
            .validators()
            .iter()
            .cloned()
            .map(Validator::new)
            .collect();
        let fallback = validators
            .first()
            .cloned()
            .ok_or(ValidatorSetError::Empty)?;
        Ok(Self {
            core,
            validators,
            fallback,
        })
    }
}

impl mc::ValidatorSet<RestakeContext> for ValidatorSet {
    fn count(&self) -> usize {
        self.validators.len()
    }

    fn total_voting_power(&self) -> VotingPower {
        self.core.total_power()
    }

    fn get_by_address(&self, address: &ConsensusAddress) -> Option<&Validator> {
        self.get(address)
    }

    fn get_by_index(&self, index: usize) -> Option<&Validator> {
        self.validators.get(index)
    }
}

/// A proposal: the proposer's claim that `value` is the block of `(height, round)`. Only
/// deterministic content, so WAL replay compares it with `Eq`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proposal {
    /// Height.
    pub height: Height,
    /// Round.
    pub round: Round,
    /// Hash of the proposed block.
    pub value: BlockHash,
    /// The round of the polka that re-proposes this value, or nil.
    pub pol_round: Round,
    /// Who proposes.
    pub proposer: ConsensusAddress,
}

impl mc::Proposal<RestakeContext> for Proposal {
    fn height(&self) -> Height {
        self.height
    }

    fn round(&self) -> Round {
        self.round
    }

    fn value(&self) -> &BlockHash {
        &self.value
    }

    fn take_value(self) -> BlockHash {
        self.value
    }

    fn pol_round(&self) -> Round {
        self.pol_round
    }

    fn validator_address(&self) -> &ConsensusAddress {
        &self.proposer
    }
}

/// A prevote or precommit. Equality ignores [`Vote::extension`] (Malachite's rule for WAL
/// replay), and so does the signed preimage.
#[derive(Clone, Debug)]
pub struct Vote {
    /// Prevote or precommit.
    pub kind: VoteType,
    /// Height.
    pub height: Height,
    /// Round.
    pub round: Round,
    /// The block voted for, or nil.
    pub value: NilOrVal<BlockHash>,
    /// Who votes.
    pub voter: ConsensusAddress,
    /// A vote extension: Restake uses none (the extension type is `()` and the policy is
    /// `Disabled`), so this is always `None` for an honest vote.
    pub extension: Option<SignedExtension<RestakeContext>>,
}

impl PartialEq for Vote {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind
            && self.height == other.height
            && self.round == other.round
            && self.value == other.value
            && self.voter == other.voter
    }
}

impl Eq for Vote {}

impl mc::Vote<RestakeContext> for Vote {
    fn height(&self) -> Height {
        self.height
    }

    fn round(&self) -> Round {
        self.round
    }

    fn value(&self) -> &NilOrVal<BlockHash> {
        &self.value
    }

    fn take_value(self) -> NilOrVal<BlockHash> {
        self.value
    }

    fn vote_type(&self) -> VoteType {
        self.kind
    }

    fn validator_address(&self) -> &ConsensusAddress {
        &self.voter
    }

    fn extension(&self) -> Option<&SignedExtension<RestakeContext>> {
        self.extension.as_ref()
    }

    fn take_extension(&mut self) -> Option<SignedExtension<RestakeContext>> {
        self.extension.take()
    }

    fn extend(self, extension: SignedExtension<RestakeContext>) -> Self {
        Self {
            extension: Some(extension),
            ..self
        }
    }
}

/// One message of a proposed block's stream: `Init`, then the block's bytes in `Data` chunks,
/// then `Fin` with the proposer's signature over the block envelope
/// ([`block_envelope_preimage`](crate::signing::block_envelope_preimage)).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProposalPart {
    /// Opens the stream.
    Init {
        /// Height of the block.
        height: Height,
        /// The round the block was first proposed in (a re-proposal keeps it).
        round: Round,
        /// Who built and signed the block.
        proposer: ConsensusAddress,
        /// Length of the block's encoding, in bytes.
        block_len: u32,
        /// How many `Data` parts follow.
        chunks: u32,
    },
    /// A chunk of the block's encoding.
    Data {
        /// Position of the chunk, from 0.
        index: u32,
        /// The bytes.
        bytes: Bytes,
    },
    /// Closes the stream.
    Fin {
        /// The proposer's signature over the block envelope.
        signature: Signature,
    },
}

impl mc::ProposalPart<RestakeContext> for ProposalPart {
    fn is_first(&self) -> bool {
        matches!(self, Self::Init { .. })
    }

    fn is_last(&self) -> bool {
        matches!(self, Self::Fin { .. })
    }
}
