//! Restake on the Malachite BFT engine (`arc-malachitebft-*` 0.8.2): the consensus
//! [`RestakeContext`] and its types, the signer and verifier over Restake's ed25519 consensus
//! keys, and the versioned codecs of everything Malachite writes to its WAL, gossips or syncs.
//!
//! What belongs here: the adapter between Malachite's traits and Restake's own rules — and
//! later the engine driver that answers Malachite's application messages. What does not: any
//! protocol rule. Validator sets, the proposer order, the vote and proposal preimages and
//! certificate checks are `restake-core`'s; ed25519 is `restake_primitives::ed25519`'s. Only
//! this crate (and the binary that starts it) depends on Malachite or libp2p.
//!
//! A precommit signed by [`RestakeSigner`] is a signature of a core
//! [`Certificate`](restake_core::block::Certificate): both sign core's vote preimage.

pub mod certificate;
pub mod codec;
pub mod context;
pub mod engine;
pub mod parts;
pub mod signing;
pub mod types;

pub use codec::{CodecError, RestakeCodec};
pub use context::{Ed25519Scheme, RestakeContext};
pub use engine::{ConsensusSettings, MalachiteEngine, TimeoutSettings, peer_id};
pub use signing::{RestakeSigner, RestakeVerifier, SigningError};
pub use types::{
    BlockHash, ConsensusAddress, Height, Proposal, ProposalPart, Validator, ValidatorSet,
    ValidatorSetError, Vote,
};
