//! Certificates: "this message, for this operator set, at this reference height, was signed by
//! operators holding this much of the set's table weight", and their verification.
//!
//! Every operator signs the same 32-byte digest, the EIP-712 hash of
//! `OperatorSetMessage(address avs,uint32 operatorSetId,uint64 referenceHeight,bytes32
//! messageHash)` in the domain `{name: "Restake", version: "1", chainId}` ([`message_digest`]):
//! a signature binds the answer to one set, one table and one chain.
//!
//! - **BLS**: one aggregate signature, and the *non-signers*, each with its entry and Merkle
//!   proof. The signers' key is the table's aggregate key less the non-signers' keys; their
//!   weight the total less the non-signers' weights. A certificate's size and cost grow with the
//!   non-signers only.
//! - **ECDSA**: each signer's signature with its entry and Merkle proof, by ascending index.
//!
//! [`verify`] checks, in order: the set and reference height are the table's; the table is not
//! stale; the proof is of the table's scheme; witnesses are in strictly ascending index order
//! (no one counted twice), within the table, and proven against its root; the signature(s); and
//! the threshold.

use crate::table::{KeyScheme, OperatorTable, TableEntry, verify_entry};
use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_sol_types::{Eip712Domain, SolStruct, sol};
use borsh::{BorshDeserialize, BorshSerialize};
use restake_primitives::OperatorSet;
use restake_primitives::bls;
use serde::{Deserialize, Serialize};
use thiserror::Error;

sol! {
    /// What an operator signs: an answer (`messageHash`) for a set, against a table.
    struct OperatorSetMessage {
        address avs;
        uint32 operatorSetId;
        uint64 referenceHeight;
        bytes32 messageHash;
    }

    /// An answer to a task on the ledger; its EIP-712 struct hash is the `messageHash` a task's
    /// certificate certifies.
    struct TaskResponse {
        uint64 taskId;
        bytes32 payloadHash;
        bytes32 response;
    }
}

/// The `messageHash` of a certificate answering task `task_id` (whose payload hashes to
/// `payload_hash`) with `response`.
pub fn task_response_hash(task_id: u64, payload_hash: &B256, response: &B256) -> B256 {
    TaskResponse {
        taskId: task_id,
        payloadHash: *payload_hash,
        response: *response,
    }
    .eip712_hash_struct()
}

/// The digest every signer of a certificate signs.
pub fn message_digest(
    chain_id: u64,
    set: &OperatorSet,
    reference_height: u64,
    message_hash: &B256,
) -> B256 {
    let domain = Eip712Domain::new(
        Some("Restake".into()),
        Some("1".into()),
        Some(U256::from(chain_id)),
        None,
        None,
    );
    OperatorSetMessage {
        avs: set.avs,
        operatorSetId: set.id,
        referenceHeight: reference_height,
        messageHash: *message_hash,
    }
    .eip712_signing_hash(&domain)
}

/// True when `signature` is by the set key `key_data` (an address for ECDSA, a BLS key) over
/// `digest`: what the verifier checks per ECDSA signer, and what an aggregator or the ledger's
/// equivocation check asks of one operator's signature.
pub fn signed_by(scheme: KeyScheme, key_data: &[u8], digest: &B256, signature: &[u8]) -> bool {
    match scheme {
        KeyScheme::Ecdsa => restake_primitives::signature::recover_signer(digest, signature)
            .is_ok_and(|a| a.as_slice() == key_data),
        KeyScheme::Bls12381 => matches!(
            (bls::PublicKey::from_bytes(key_data), bls::Signature::from_bytes(signature)),
            (Ok(pk), Ok(sig)) if pk.verify(digest.as_slice(), &sig).is_ok()
        ),
    }
}

/// An entry of the table with its proof.
#[derive(Debug, Clone, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Witness {
    /// Its index in the table.
    pub index: u32,
    /// The entry.
    pub entry: TableEntry,
    /// Its Merkle proof.
    pub proof: Vec<B256>,
}

/// An ECDSA signer: its entry and its signature.
#[derive(Debug, Clone, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignedWitness {
    /// The signer's entry.
    pub witness: Witness,
    /// 65-byte `r ‖ s ‖ v` over the message digest.
    pub signature: Bytes,
}

/// The signatures of a certificate.
#[derive(Debug, Clone, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(
    tag = "scheme",
    rename_all = "lowercase",
    rename_all_fields = "camelCase"
)]
pub enum CertificateProof {
    /// One aggregate signature and the operators that did not sign.
    Bls12381 {
        /// The signers' aggregate signature (96 bytes).
        signature: Bytes,
        /// Every operator of the table that did not sign, by ascending index.
        non_signers: Vec<Witness>,
    },
    /// The signers, by ascending index.
    Ecdsa {
        /// Each signer's entry and signature.
        signers: Vec<SignedWitness>,
    },
}

/// A certificate.
#[derive(Debug, Clone, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Certificate {
    /// The set.
    pub operator_set: OperatorSet,
    /// The height of the table it counts weight in.
    pub reference_height: u64,
    /// The hash of the certified message.
    pub message_hash: B256,
    /// The signatures.
    pub proof: CertificateProof,
}

/// How much weight a certificate must carry.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize,
)]
#[serde(rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum Threshold {
    /// At least `bips / 10,000` of the table's total weight (`6667` for two thirds, rounded up).
    Proportion {
        /// Basis points, at most 10,000.
        bips: u16,
    },
    /// At least this much weight.
    Absolute {
        /// The weight.
        #[serde(with = "restake_primitives::decimal::u256")]
        weight: U256,
    },
}

/// What a valid certificate proves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The weight of its signers.
    pub signed_weight: U256,
    /// The table's total.
    pub total_weight: U256,
    /// The signers (ECDSA) or the non-signers (BLS), by ascending index.
    pub named: Vec<Address>,
}

/// Why a certificate was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CertificateError {
    /// It is for another set than the table's.
    #[error("the certificate is for {got}, the table for {table}")]
    WrongSet {
        /// The certificate's set.
        got: OperatorSet,
        /// The table's.
        table: OperatorSet,
    },
    /// It counts weight in another table.
    #[error("the certificate refers to height {got}, the table is of height {table}")]
    WrongReferenceHeight {
        /// The certificate's.
        got: u64,
        /// The table's.
        table: u64,
    },
    /// The table is older than the bound.
    #[error("the table of height {reference} is {age} blocks old, more than {max}")]
    Stale {
        /// The table's height.
        reference: u64,
        /// Its age.
        age: u64,
        /// The bound.
        max: u64,
    },
    /// The table is from a height that has not come.
    #[error("the table of height {reference} is ahead of height {now}")]
    FromTheFuture {
        /// The table's height.
        reference: u64,
        /// Now.
        now: u64,
    },
    /// The proof is not of the set's scheme.
    #[error("the set signs with {expected} keys, the certificate carries {got} signatures")]
    WrongScheme {
        /// The table's scheme.
        expected: &'static str,
        /// The certificate's.
        got: &'static str,
    },
    /// Witnesses out of order or repeated: someone counted twice.
    #[error("witness {index} is not after the one before it (order ascending, no repeats)")]
    NotAscending {
        /// The witness's index.
        index: u32,
    },
    /// A witness that is not in the table.
    #[error("witness {index} is not the table's entry at that index")]
    NotInTable {
        /// The witness's index.
        index: u32,
    },
    /// A key of the table that does not decode.
    #[error("the key of witness {index} is malformed")]
    BadKey {
        /// The witness's index.
        index: u32,
    },
    /// A signature that does not verify (or does not decode).
    #[error("the signature does not verify{}", .index.map(|i| format!(" (signer {i})")).unwrap_or_default())]
    BadSignature {
        /// The ECDSA signer, if one.
        index: Option<u32>,
    },
    /// Nobody signed.
    #[error("no operator signed")]
    NoSigners,
    /// The table has no aggregate key (an empty table, or one committed without it).
    #[error("the table has no aggregate key")]
    NoAggregateKey,
    /// Not enough weight.
    #[error("signed weight {signed} of {total} is below the required {required}")]
    BelowThreshold {
        /// Carried.
        signed: U256,
        /// The table's total.
        total: U256,
        /// Required.
        required: U256,
    },
    /// A proportion above 10,000 bips.
    #[error("a proportion threshold is at most 10000 bips, got {0}")]
    BadThreshold(u16),
    /// Weights that do not add up (the witnesses claim more than the table holds).
    #[error("the witnesses' weights exceed the table's total")]
    WeightOverflow,
}

/// The checks a verifier applies besides the signatures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// The chain whose domain the signatures are in.
    pub chain_id: u64,
    /// The current height, as the caller knows it.
    pub now: u64,
    /// The oldest table accepted, in blocks behind `now`.
    pub max_staleness: u64,
    /// The weight required.
    pub threshold: Threshold,
}

/// Verifies `cert` against `table` under `policy`.
pub fn verify(
    cert: &Certificate,
    table: &OperatorTable,
    policy: &Policy,
) -> Result<Verified, CertificateError> {
    if cert.operator_set != table.operator_set {
        return Err(CertificateError::WrongSet {
            got: cert.operator_set,
            table: table.operator_set,
        });
    }
    if cert.reference_height != table.reference_height {
        return Err(CertificateError::WrongReferenceHeight {
            got: cert.reference_height,
            table: table.reference_height,
        });
    }
    let age =
        policy
            .now
            .checked_sub(table.reference_height)
            .ok_or(CertificateError::FromTheFuture {
                reference: table.reference_height,
                now: policy.now,
            })?;
    if age > policy.max_staleness {
        return Err(CertificateError::Stale {
            reference: table.reference_height,
            age,
            max: policy.max_staleness,
        });
    }
    let required = required_weight(policy.threshold, table.total_weight)?;
    let digest = message_digest(
        policy.chain_id,
        &cert.operator_set,
        cert.reference_height,
        &cert.message_hash,
    );
    let (signed_weight, named) = match (&cert.proof, table.key_scheme) {
        (
            CertificateProof::Bls12381 {
                signature,
                non_signers,
            },
            KeyScheme::Bls12381,
        ) => verify_bls(table, &digest, signature, non_signers)?,
        (CertificateProof::Ecdsa { signers }, KeyScheme::Ecdsa) => {
            verify_ecdsa(table, &digest, signers)?
        }
        (proof, scheme) => {
            return Err(CertificateError::WrongScheme {
                expected: scheme.name(),
                got: match proof {
                    CertificateProof::Bls12381 { .. } => "bls12381",
                    CertificateProof::Ecdsa { .. } => "ecdsa",
                },
            });
        }
    };
    if signed_weight < required || signed_weight.is_zero() {
        return Err(CertificateError::BelowThreshold {
            signed: signed_weight,
            total: table.total_weight,
            required,
        });
    }
    Ok(Verified {
        signed_weight,
        total_weight: table.total_weight,
        named,
    })
}

/// The weight a threshold requires of a table with `total` weight (a proportion rounds up).
pub fn required_weight(threshold: Threshold, total: U256) -> Result<U256, CertificateError> {
    match threshold {
        Threshold::Absolute { weight } => Ok(weight),
        Threshold::Proportion { bips } if bips > 10_000 => {
            Err(CertificateError::BadThreshold(bips))
        }
        Threshold::Proportion { bips } => {
            let scaled = total
                .checked_mul(U256::from(bips))
                .ok_or(CertificateError::WeightOverflow)?;
            let (q, r) = scaled.div_rem(U256::from(10_000u32));
            Ok(if r.is_zero() {
                q
            } else {
                q.saturating_add(U256::from(1))
            })
        }
    }
}

/// Checks that `witnesses` are table entries by strictly ascending index.
fn check_witnesses<'a>(
    table: &OperatorTable,
    witnesses: impl Iterator<Item = &'a Witness>,
) -> Result<(), CertificateError> {
    let mut last: Option<u32> = None;
    for w in witnesses {
        if last.is_some_and(|l| w.index <= l) {
            return Err(CertificateError::NotAscending { index: w.index });
        }
        last = Some(w.index);
        if !verify_entry(
            &table.root,
            table.operator_count,
            w.index,
            &w.entry,
            &w.proof,
        ) {
            return Err(CertificateError::NotInTable { index: w.index });
        }
    }
    Ok(())
}

fn verify_bls(
    table: &OperatorTable,
    digest: &B256,
    signature: &Bytes,
    non_signers: &[Witness],
) -> Result<(U256, Vec<Address>), CertificateError> {
    check_witnesses(table, non_signers.iter())?;
    if non_signers.len() >= usize::try_from(table.operator_count).unwrap_or(usize::MAX) {
        return Err(CertificateError::NoSigners);
    }
    let aggregate = table
        .aggregate_key
        .as_ref()
        .ok_or(CertificateError::NoAggregateKey)?;
    // The table's keys were checked when they were registered, and every witness is proven to
    // be the table's: decoding skips the subgroup check (the costly part).
    let mut keys = Vec::with_capacity(non_signers.len().saturating_add(1));
    keys.push(
        bls::PublicKey::from_registered_bytes(aggregate, false)
            .map_err(|_| CertificateError::NoAggregateKey)?,
    );
    let mut absent = U256::ZERO;
    for w in non_signers {
        absent = absent
            .checked_add(w.entry.weight)
            .ok_or(CertificateError::WeightOverflow)?;
        keys.push(
            bls::PublicKey::from_registered_bytes(&w.entry.key_data, true)
                .map_err(|_| CertificateError::BadKey { index: w.index })?,
        );
    }
    let signed = table
        .total_weight
        .checked_sub(absent)
        .ok_or(CertificateError::WeightOverflow)?;
    // The aggregate less the non-signers: the signers' key.
    let signers_key = bls::PublicKey::aggregate(&keys).map_err(|_| CertificateError::NoSigners)?;
    let signature = bls::Signature::from_bytes(signature)
        .map_err(|_| CertificateError::BadSignature { index: None })?;
    signers_key
        .verify(digest.as_slice(), &signature)
        .map_err(|_| CertificateError::BadSignature { index: None })?;
    Ok((
        signed,
        non_signers.iter().map(|w| w.entry.operator).collect(),
    ))
}

fn verify_ecdsa(
    table: &OperatorTable,
    digest: &B256,
    signers: &[SignedWitness],
) -> Result<(U256, Vec<Address>), CertificateError> {
    check_witnesses(table, signers.iter().map(|s| &s.witness))?;
    let mut signed = U256::ZERO;
    for s in signers {
        let index = s.witness.index;
        let key = Address::try_from(s.witness.entry.key_data.as_ref())
            .map_err(|_| CertificateError::BadKey { index })?;
        let recovered = restake_primitives::signature::recover_signer(digest, &s.signature)
            .map_err(|_| CertificateError::BadSignature { index: Some(index) })?;
        if recovered != key {
            return Err(CertificateError::BadSignature { index: Some(index) });
        }
        signed = signed
            .checked_add(s.witness.entry.weight)
            .ok_or(CertificateError::WeightOverflow)?;
    }
    if signers.is_empty() {
        return Err(CertificateError::NoSigners);
    }
    Ok((
        signed,
        signers.iter().map(|s| s.witness.entry.operator).collect(),
    ))
}
