//! Building certificates, as an aggregator does: from a table's entries and the signatures
//! collected from its operators.

use crate::certificate::{Certificate, CertificateProof, SignedWitness, Witness};
use crate::table::{KeyScheme, OperatorTable, TableEntry, TableError, TableTree};
use alloy_primitives::{Address, B256, Bytes};
use restake_primitives::bls;
use std::collections::BTreeMap;
use thiserror::Error;

/// Why a certificate could not be built.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BuildError {
    /// The entries are not the table's (their root differs).
    #[error("the entries do not hash to the table's root")]
    NotTheTable,
    /// A signature from an operator that is not in the table.
    #[error("operator {0} is not in the table")]
    NotInTable(Address),
    /// No signatures.
    #[error("no signatures to aggregate")]
    NoSignatures,
    /// A BLS signature that does not decode.
    #[error("the signature of {0} is not a BLS signature")]
    BadSignature(Address),
    /// The table's tree.
    #[error(transparent)]
    Table(#[from] TableError),
}

/// Builds the certificate that `signatures` (operator → its signature over the certificate
/// digest of `message_hash`) make for `table`, whose entries are `entries`. Signatures are not
/// checked here: the verifier does that; a bad one makes the whole certificate fail.
pub fn build_certificate(
    table: &OperatorTable,
    entries: &[TableEntry],
    message_hash: B256,
    signatures: &BTreeMap<Address, Bytes>,
) -> Result<Certificate, BuildError> {
    let tree = TableTree::new(entries)?;
    if tree.root() != table.root {
        return Err(BuildError::NotTheTable);
    }
    if signatures.is_empty() {
        return Err(BuildError::NoSignatures);
    }
    for op in signatures.keys() {
        if !entries.iter().any(|e| e.operator == *op) {
            return Err(BuildError::NotInTable(*op));
        }
    }
    let witness = |i: u32, e: &TableEntry| -> Result<Witness, BuildError> {
        Ok(Witness {
            index: i,
            entry: e.clone(),
            proof: tree.proof(i)?,
        })
    };
    let proof = match table.key_scheme {
        KeyScheme::Bls12381 => {
            let mut sigs = Vec::with_capacity(signatures.len());
            let mut non_signers = Vec::new();
            for (i, e) in (0u32..).zip(entries) {
                match signatures.get(&e.operator) {
                    Some(s) => sigs.push(
                        bls::Signature::from_bytes(s)
                            .map_err(|_| BuildError::BadSignature(e.operator))?,
                    ),
                    None => non_signers.push(witness(i, e)?),
                }
            }
            let aggregate =
                bls::Signature::aggregate(&sigs).map_err(|_| BuildError::NoSignatures)?;
            CertificateProof::Bls12381 {
                signature: Bytes::copy_from_slice(&aggregate.to_bytes()),
                non_signers,
            }
        }
        KeyScheme::Ecdsa => {
            let mut signers = Vec::with_capacity(signatures.len());
            for (i, e) in (0u32..).zip(entries) {
                if let Some(s) = signatures.get(&e.operator) {
                    signers.push(SignedWitness {
                        witness: witness(i, e)?,
                        signature: s.clone(),
                    });
                }
            }
            CertificateProof::Ecdsa { signers }
        }
    };
    Ok(Certificate {
        operator_set: table.operator_set,
        reference_height: table.reference_height,
        message_hash,
        proof,
    })
}
