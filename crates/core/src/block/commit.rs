//! Commit certificates: the precommits of more than two thirds of a validator set's power for
//! one block, and the bytes every consensus key signs.
//!
//! Every signed message starts with its own ASCII tag and the chain id (ADR 0006), so a vote
//! cannot pass for a proposal, nor travel to another chain; integers are big-endian:
//!
//! - vote: `"restake/vote/v1" ‖ chainId:u64 ‖ kind:u8 (1 prevote, 2 precommit) ‖ height:u64 ‖
//!   round:u32 ‖ value (0x00 for nil, 0x01 ‖ blockHash) ‖ validator:20`;
//! - proposal: `"restake/proposal/v1" ‖ chainId ‖ height ‖ round:u32 ‖ polRound:i64 ‖
//!   blockHash ‖ proposer:20`.
//!
//! A [`Certificate`] holds precommit signatures sorted by validator address, so one certificate
//! has one encoding and one hash. [`Certificate::verify`] refuses the whole certificate for any
//! signature that does not verify, any signer not in the set and any duplicate, and requires
//! `3 × signed > 2 × total` power.

use crate::validators::ValidatorSet;
use alloy_primitives::{Address, B256, keccak256};
use borsh::{BorshDeserialize, BorshSerialize};
use restake_primitives::ed25519::{Ed25519Error, SecretKey, Signature};
use serde::{Deserialize, Serialize};
use thiserror::Error;

const VOTE_TAG: &[u8] = b"restake/vote/v1";
const PROPOSAL_TAG: &[u8] = b"restake/proposal/v1";

/// Which step of a round a vote belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum VoteKind {
    /// First voting step.
    Prevote,
    /// Second voting step; a certificate is made of these.
    Precommit,
}

/// The bytes a validator signs for a vote. `value` is `None` for a nil vote.
pub fn vote_preimage(
    chain_id: u64,
    kind: VoteKind,
    height: u64,
    round: u32,
    value: Option<B256>,
    validator: Address,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(VOTE_TAG.len().saturating_add(98));
    out.extend_from_slice(VOTE_TAG);
    out.extend_from_slice(&chain_id.to_be_bytes());
    out.push(match kind {
        VoteKind::Prevote => 1,
        VoteKind::Precommit => 2,
    });
    out.extend_from_slice(&height.to_be_bytes());
    out.extend_from_slice(&round.to_be_bytes());
    match value {
        None => out.push(0),
        Some(hash) => {
            out.push(1);
            out.extend_from_slice(hash.as_slice());
        }
    }
    out.extend_from_slice(validator.as_slice());
    out
}

/// The bytes a proposer signs for a proposal. `pol_round` is -1 when there is none.
pub fn proposal_preimage(
    chain_id: u64,
    height: u64,
    round: u32,
    pol_round: i64,
    block_hash: B256,
    proposer: Address,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(PROPOSAL_TAG.len().saturating_add(92));
    out.extend_from_slice(PROPOSAL_TAG);
    out.extend_from_slice(&chain_id.to_be_bytes());
    out.extend_from_slice(&height.to_be_bytes());
    out.extend_from_slice(&round.to_be_bytes());
    out.extend_from_slice(&pol_round.to_be_bytes());
    out.extend_from_slice(block_hash.as_slice());
    out.extend_from_slice(proposer.as_slice());
    out
}

/// One validator's precommit in a certificate.
#[derive(Debug, Clone, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CommitSignature {
    /// The validator's consensus address.
    pub validator: Address,
    /// Its signature over the precommit's [`vote_preimage`].
    pub signature: Signature,
}

/// The precommits that decided a block.
#[derive(Debug, Clone, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Certificate {
    /// Height of the decided block.
    pub height: u64,
    /// Round in which it was decided.
    pub round: u32,
    /// Hash of the decided block's header.
    pub block_hash: B256,
    /// Precommit signatures, strictly increasing by validator address.
    pub signatures: Vec<CommitSignature>,
}

/// Why a certificate was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CertificateError {
    /// Signers not strictly increasing by address (unsorted or duplicated).
    #[error("signatures are not sorted by validator address without duplicates")]
    Unsorted,
    /// A signer the set does not hold.
    #[error("validator {0} is not in the set")]
    UnknownValidator(Address),
    /// A signature that does not verify.
    #[error("signature of validator {validator} does not verify: {reason}")]
    BadSignature {
        /// The signer.
        validator: Address,
        /// Why.
        reason: Ed25519Error,
    },
    /// Not more than two thirds of the power signed.
    #[error("signed power {signed} of {total} is not more than two thirds")]
    NotEnoughPower {
        /// Power of the valid signers.
        signed: u64,
        /// The set's total.
        total: u64,
    },
    /// For another height or block than expected.
    #[error(
        "certificate for height {got_height} block {got_hash}, expected height {height} block {hash}"
    )]
    WrongBlock {
        /// In the certificate.
        got_height: u64,
        /// In the certificate.
        got_hash: B256,
        /// Expected.
        height: u64,
        /// Expected.
        hash: B256,
    },
}

impl Certificate {
    /// `keccak256` of the certificate's Borsh encoding: what the next header names as
    /// `lastCommitHash`.
    pub fn hash(&self) -> B256 {
        keccak256(borsh::to_vec(self).unwrap_or_default())
    }

    /// A certificate signed by each of `keys` (sorted for the caller), for tests and the
    /// single-validator engine.
    pub fn sign(
        chain_id: u64,
        height: u64,
        round: u32,
        block_hash: B256,
        keys: &[&SecretKey],
    ) -> Self {
        let mut signatures: Vec<CommitSignature> = keys
            .iter()
            .map(|key| {
                let validator = key.public().address();
                let preimage = vote_preimage(
                    chain_id,
                    VoteKind::Precommit,
                    height,
                    round,
                    Some(block_hash),
                    validator,
                );
                CommitSignature {
                    validator,
                    signature: key.sign(&preimage),
                }
            })
            .collect();
        signatures.sort_by_key(|s| s.validator);
        signatures.dedup_by_key(|s| s.validator);
        Self {
            height,
            round,
            block_hash,
            signatures,
        }
    }

    /// Checks that this certificate decides block `block_hash` at `height` of chain `chain_id`
    /// under `set`, and returns the signed power. Cheap checks first: order, membership, power,
    /// then each signature.
    pub fn verify_for(
        &self,
        chain_id: u64,
        height: u64,
        block_hash: B256,
        set: &ValidatorSet,
    ) -> Result<u64, CertificateError> {
        if self.height != height || self.block_hash != block_hash {
            return Err(CertificateError::WrongBlock {
                got_height: self.height,
                got_hash: self.block_hash,
                height,
                hash: block_hash,
            });
        }
        self.verify(chain_id, set)
    }

    /// Checks the signatures and the power against `set`; the caller checks which block it is
    /// for (or uses [`Certificate::verify_for`]).
    pub fn verify(&self, chain_id: u64, set: &ValidatorSet) -> Result<u64, CertificateError> {
        let sorted = self
            .signatures
            .windows(2)
            .all(|w| matches!(w, [a, b] if a.validator < b.validator));
        if !sorted {
            return Err(CertificateError::Unsorted);
        }
        let mut signed = 0u64;
        let mut signers = Vec::with_capacity(self.signatures.len());
        for s in &self.signatures {
            let v = set
                .get(&s.validator)
                .ok_or(CertificateError::UnknownValidator(s.validator))?;
            signed = signed.saturating_add(v.power);
            signers.push((v, s));
        }
        let total = set.total_power();
        // 3·signed > 2·total; both sides fit in u64 because total ≤ 2^60.
        if signed.saturating_mul(3) <= total.saturating_mul(2) {
            return Err(CertificateError::NotEnoughPower { signed, total });
        }
        for (v, s) in signers {
            let preimage = vote_preimage(
                chain_id,
                VoteKind::Precommit,
                self.height,
                self.round,
                Some(self.block_hash),
                s.validator,
            );
            v.consensus_key
                .verify(&preimage, &s.signature)
                .map_err(|reason| CertificateError::BadSignature {
                    validator: s.validator,
                    reason,
                })?;
        }
        Ok(signed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validators::Validator;
    use alloy_primitives::hex;

    fn keys(n: u8) -> Vec<SecretKey> {
        (1..=n).map(|i| SecretKey::from_seed(&[i; 32])).collect()
    }

    fn set(keys: &[SecretKey], powers: &[u64]) -> ValidatorSet {
        ValidatorSet::new(
            keys.iter()
                .zip(powers)
                .map(|(k, p)| Validator::new(k.public(), *p, None))
                .collect(),
        )
        .unwrap()
    }

    const HASH: B256 = B256::repeat_byte(0xab);

    #[test]
    fn the_vote_preimage_is_pinned_byte_for_byte() {
        let validator = Address::repeat_byte(0x11);
        let bytes = vote_preimage(31337, VoteKind::Precommit, 7, 2, Some(HASH), validator);
        assert_eq!(
            hex::encode(&bytes),
            concat!(
                "72657374616b652f766f74652f7631", // "restake/vote/v1"
                "0000000000007a69",               // chain id 31337
                "02",                             // precommit
                "0000000000000007",               // height
                "00000002",                       // round
                "01",                             // a value
                "abababababababababababababababababababababababababababababababab",
                "1111111111111111111111111111111111111111"
            )
        );
        let nil = vote_preimage(31337, VoteKind::Prevote, 7, 2, None, validator);
        assert_eq!(nil.len(), bytes.len() - 32);
        assert_eq!(nil[VOTE_TAG.len() + 8], 1);
        let proposal = proposal_preimage(1, 2, 3, -1, HASH, validator);
        assert!(proposal.starts_with(PROPOSAL_TAG));
        assert_eq!(proposal.len(), PROPOSAL_TAG.len() + 8 + 8 + 4 + 8 + 32 + 20);
    }

    #[test]
    fn three_of_four_equal_validators_decide_and_two_do_not() {
        let k = keys(4);
        let s = set(&k, &[1, 1, 1, 1]);
        let three = Certificate::sign(9, 5, 0, HASH, &[&k[0], &k[1], &k[2]]);
        assert_eq!(three.verify_for(9, 5, HASH, &s), Ok(3));
        let two = Certificate::sign(9, 5, 0, HASH, &[&k[0], &k[1]]);
        assert_eq!(
            two.verify(9, &s),
            Err(CertificateError::NotEnoughPower {
                signed: 2,
                total: 4
            })
        );
    }

    #[test]
    fn exactly_two_thirds_of_the_power_is_not_enough() {
        let k = keys(2);
        let s = set(&k, &[2, 1]);
        let big = k
            .iter()
            .find(|key| s.get(&key.public().address()).unwrap().power == 2);
        let cert = Certificate::sign(9, 5, 0, HASH, &[big.unwrap()]);
        assert_eq!(
            cert.verify(9, &s),
            Err(CertificateError::NotEnoughPower {
                signed: 2,
                total: 3
            })
        );
    }

    #[test]
    fn one_bad_signature_an_unknown_signer_or_a_duplicate_refuses_the_whole_certificate() {
        let k = keys(5);
        let s = set(&k[..4], &[1, 1, 1, 1]);
        let mut cert = Certificate::sign(9, 5, 0, HASH, &[&k[0], &k[1], &k[2], &k[3]]);
        let mut bad = cert.clone();
        let mut raw = bad.signatures[3].signature.to_bytes();
        raw[0] ^= 1;
        bad.signatures[3].signature = Signature::from_bytes(raw);
        assert!(matches!(
            bad.verify(9, &s),
            Err(CertificateError::BadSignature { .. })
        ));
        let stranger = Certificate::sign(9, 5, 0, HASH, &[&k[0], &k[1], &k[2], &k[4]]);
        assert_eq!(
            stranger.verify(9, &s),
            Err(CertificateError::UnknownValidator(k[4].public().address()))
        );
        let first = cert.signatures[0].clone();
        cert.signatures.insert(1, first);
        assert_eq!(cert.verify(9, &s), Err(CertificateError::Unsorted));
        cert.signatures.remove(1);
        cert.signatures.swap(0, 1);
        assert_eq!(cert.verify(9, &s), Err(CertificateError::Unsorted));
    }

    #[test]
    fn a_certificate_for_another_chain_round_height_or_block_does_not_verify() {
        let k = keys(4);
        let s = set(&k, &[1, 1, 1, 1]);
        let cert = Certificate::sign(9, 5, 0, HASH, &[&k[0], &k[1], &k[2]]);
        assert!(matches!(
            cert.verify(10, &s),
            Err(CertificateError::BadSignature { .. })
        ));
        let mut moved = cert.clone();
        moved.round = 1;
        assert!(matches!(
            moved.verify(9, &s),
            Err(CertificateError::BadSignature { .. })
        ));
        assert!(matches!(
            cert.verify_for(9, 6, HASH, &s),
            Err(CertificateError::WrongBlock { .. })
        ));
        assert!(matches!(
            cert.verify_for(9, 5, B256::ZERO, &s),
            Err(CertificateError::WrongBlock { .. })
        ));
    }

    #[test]
    fn a_certificate_has_one_encoding_and_its_hash_commits_to_every_signature() {
        let k = keys(4);
        let a = Certificate::sign(9, 5, 0, HASH, &[&k[2], &k[0], &k[1]]);
        let b = Certificate::sign(9, 5, 0, HASH, &[&k[0], &k[1], &k[2]]);
        assert_eq!(a, b);
        assert_eq!(a.hash(), b.hash());
        let four = Certificate::sign(9, 5, 0, HASH, &[&k[0], &k[1], &k[2], &k[3]]);
        assert_ne!(a.hash(), four.hash());
        let bytes = borsh::to_vec(&a).unwrap();
        assert_eq!(bytes.len(), 8 + 4 + 32 + 4 + 3 * (20 + 64));
    }
}
