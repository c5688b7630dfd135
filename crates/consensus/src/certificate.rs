//! Conversions between Malachite's commit certificates and core's
//! [`Certificate`]: the same precommit signatures (the vote
//! preimage is core's), core's canonical order (by address, no duplicate).

use crate::context::RestakeContext;
use crate::types::{BlockHash, ConsensusAddress, Height};
use malachitebft_core_types::{
    CommitCertificate, CommitSignature as MalachiteCommitSignature, ExtendedCommitCertificate,
    ExtendedCommitSignature, Round,
};
use restake_core::block::{Certificate, CommitSignature};
use thiserror::Error;

/// Why a Malachite certificate has no core form.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CertificateConversionError {
    /// A certificate of a nil round decides nothing.
    #[error("a commit certificate of a nil round")]
    NilRound,
    /// One validator signed twice.
    #[error("validator {0} signed twice")]
    Duplicate(ConsensusAddress),
}

/// Core's certificate for `certificate`: the signatures sorted by address. Signatures are not
/// checked here (core's `Certificate::verify` does that).
pub fn to_core(
    certificate: &CommitCertificate<RestakeContext>,
) -> Result<Certificate, CertificateConversionError> {
    let round = certificate
        .round
        .as_u32()
        .ok_or(CertificateConversionError::NilRound)?;
    let mut signatures: Vec<CommitSignature> = certificate
        .commit_signatures
        .iter()
        .map(|s| CommitSignature {
            validator: s.address.to_address(),
            signature: s.signature,
        })
        .collect();
    signatures.sort_by_key(|s| s.validator);
    for pair in signatures.windows(2) {
        if let [a, b] = pair
            && a.validator == b.validator
        {
            return Err(CertificateConversionError::Duplicate(a.validator.into()));
        }
    }
    Ok(Certificate {
        height: certificate.height.get(),
        round,
        block_hash: certificate.value_id.to_b256(),
        signatures,
    })
}

/// Malachite's certificate for core's `certificate`.
pub fn from_core(certificate: &Certificate) -> CommitCertificate<RestakeContext> {
    CommitCertificate {
        height: Height(certificate.height),
        round: Round::new(certificate.round),
        value_id: BlockHash(certificate.block_hash),
        commit_signatures: certificate
            .signatures
            .iter()
            .map(|s| MalachiteCommitSignature::new(s.validator.into(), s.signature))
            .collect(),
    }
}

/// The extended certificate sync serves for core's `certificate`: Restake's votes carry no
/// extensions.
pub fn extended_from_core(certificate: &Certificate) -> ExtendedCommitCertificate<RestakeContext> {
    ExtendedCommitCertificate {
        height: Height(certificate.height),
        round: Round::new(certificate.round),
        value_id: BlockHash(certificate.block_hash),
        commit_signatures: certificate
            .signatures
            .iter()
            .map(|s| ExtendedCommitSignature::new(s.validator.into(), s.signature, None))
            .collect(),
    }
}
