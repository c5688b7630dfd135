//! A light client: follows the chain header by header from one trusted point, checking each
//! header's commit certificate against the validator set the previous, already checked, state
//! named — so a state value proven against a followed header is as good as the validators' word,
//! whichever node served it. Pure: the caller fetches, this checks.
//!
//! The trusted point is a header and the set that decides the next block (from genesis, or from
//! an earlier run). Each step takes the next header, its certificate, and the `val/next` value
//! of the new header's state with its proof:
//!
//! 1. the header follows the trusted one (height + 1, parent hash) on the same chain;
//! 2. it names the set the client expects (`validatorSetHash`);
//! 3. the certificate decides exactly this header under that set (more than two thirds of the
//!    power, every signature valid: `Certificate::verify_for`);
//! 4. the `val/next` value is proven against the new header's state root: the set of the step
//!    after.

use alloy_primitives::B256;
use restake_core::block::{Certificate, CertificateError, Header};
use restake_core::validators::ValidatorSet;
use thiserror::Error;

/// The state key that holds the set deciding the next block.
pub const NEXT_SET_KEY: &[u8] = b"val/next";

/// Why a step was refused. The client stays where it was.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LightError {
    /// Not the next header of this chain.
    #[error("header {got_height} (parent {got_parent}) does not follow {height} ({hash})")]
    NotNext {
        /// Offered.
        got_height: u64,
        /// Offered.
        got_parent: B256,
        /// Trusted.
        height: u64,
        /// Trusted.
        hash: B256,
    },
    /// For another chain.
    #[error("header of chain {got}, expected {expected}")]
    ChainId {
        /// Offered.
        got: u64,
        /// Trusted.
        expected: u64,
    },
    /// Names another validator set than the trusted state does.
    #[error("header names validator set {got}, the trusted state says {expected}")]
    ValidatorSet {
        /// In the header.
        got: B256,
        /// Of the expected set.
        expected: B256,
    },
    /// The certificate does not decide this header under the expected set.
    #[error("certificate: {0}")]
    Certificate(#[from] CertificateError),
    /// The next set's proof does not verify against the header's state root.
    #[error("next validator set: {0}")]
    NextSet(String),
}

/// Where the light client stands: a header it trusts and the set that decides the next one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LightClient {
    header: Header,
    next_set: ValidatorSet,
}

impl LightClient {
    /// Trusts `header` and `next_set` (the set deciding the block after it), obtained out of
    /// band: genesis, or a checkpoint.
    pub fn trust(header: Header, next_set: ValidatorSet) -> Self {
        Self { header, next_set }
    }

    /// The last trusted header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The set that decides the next block.
    pub fn next_set(&self) -> &ValidatorSet {
        &self.next_set
    }

    /// Checks the next `header` with its `certificate` and the proven `val/next` bytes of its
    /// state (`proof` in the format of `restake_getProof`); on success, trusts it.
    pub fn advance(
        &mut self,
        header: Header,
        certificate: &Certificate,
        next_set_bytes: &[u8],
        proof: &[u8],
    ) -> Result<(), LightError> {
        let trusted = self.header.hash();
        if header.chain_id != self.header.chain_id {
            return Err(LightError::ChainId {
                got: header.chain_id,
                expected: self.header.chain_id,
            });
        }
        if Some(header.height) != self.header.height.checked_add(1) || header.parent_hash != trusted
        {
            return Err(LightError::NotNext {
                got_height: header.height,
                got_parent: header.parent_hash,
                height: self.header.height,
                hash: trusted,
            });
        }
        let expected = self.next_set.hash();
        if header.validator_set_hash != expected {
            return Err(LightError::ValidatorSet {
                got: header.validator_set_hash,
                expected,
            });
        }
        certificate.verify_for(
            header.chain_id,
            header.height,
            header.hash(),
            &self.next_set,
        )?;
        restake_proof::verify(header.state_root, NEXT_SET_KEY, Some(next_set_bytes), proof)
            .map_err(|e| LightError::NextSet(e.to_string()))?;
        let next_set: ValidatorSet =
            borsh::from_slice(next_set_bytes).map_err(|e| LightError::NextSet(e.to_string()))?;
        self.header = header;
        self.next_set = next_set;
        Ok(())
    }
}
