//! Keys and signing through the record.

use crate::protection::{Duty, ProtectionDb, ProtectionError, SignedRecord};
use alloy_primitives::{Address, B256, Bytes, keccak256};
use restake_client::Wallet;
use restake_primitives::OperatorSet;
use restake_primitives::bls;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use thiserror::Error;

/// An operator-set key the signer holds.
pub enum SigningKey {
    /// ECDSA (secp256k1): the key's registered bytes are its address.
    Ecdsa(Wallet),
    /// BLS12-381: the key's registered bytes are its 48-byte public key.
    Bls(bls::SecretKey),
}

impl SigningKey {
    /// The bytes registered for this key (`keyData` of `registerKey`).
    pub fn key_data(&self) -> Bytes {
        match self {
            SigningKey::Ecdsa(w) => Bytes::copy_from_slice(w.address().as_slice()),
            SigningKey::Bls(k) => Bytes::copy_from_slice(&k.public().to_bytes()),
        }
    }

    fn sign(&self, digest: &B256) -> Bytes {
        match self {
            SigningKey::Ecdsa(w) => w.sign_digest(*digest),
            SigningKey::Bls(k) => Bytes::copy_from_slice(&k.sign(digest.as_slice()).to_bytes()),
        }
    }
}

/// What a service asks the signer to sign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SignRequest {
    /// The key to sign with (its registered bytes).
    pub key_data: Bytes,
    /// The set's AVS.
    pub avs: Address,
    /// The set.
    pub set_id: u32,
    /// The table the answer counts in.
    pub reference_height: u64,
    /// What the signature answers for.
    pub duty: Duty,
    /// The certificate's `messageHash` (for a task, `task_response_hash(taskId, payloadHash,
    /// response)`; the signer checks it when the request names the task's payload and response).
    pub message_hash: B256,
}

/// Why the signer refused or failed.
#[derive(Debug, Error)]
pub enum SignerError {
    /// It holds no such key.
    #[error("this signer holds no key {0}")]
    UnknownKey(Bytes),
    /// The record refused (a conflicting signature) or failed.
    #[error(transparent)]
    Protection(#[from] ProtectionError),
}

/// The signer: keys and the record.
pub struct Signer {
    chain_id: u64,
    keys: BTreeMap<Bytes, SigningKey>,
    db: ProtectionDb,
}

impl Signer {
    /// A signer for `chain_id` with `keys`, recording in `db`.
    pub fn new(chain_id: u64, keys: Vec<SigningKey>, db: ProtectionDb) -> Self {
        let keys = keys.into_iter().map(|k| (k.key_data(), k)).collect();
        Self { chain_id, keys, db }
    }

    /// The registered bytes of every key held.
    pub fn key_data(&self) -> Vec<Bytes> {
        self.keys.keys().cloned().collect()
    }

    /// The record.
    pub fn protection(&self) -> &ProtectionDb {
        &self.db
    }

    /// Signs the certificate digest of `req` — after recording it durably, and only if it
    /// conflicts with nothing this signer signed for the same duty.
    pub fn sign(&self, req: &SignRequest) -> Result<Bytes, SignerError> {
        let key = self
            .keys
            .get(&req.key_data)
            .ok_or_else(|| SignerError::UnknownKey(req.key_data.clone()))?;
        let set = OperatorSet::new(req.avs, req.set_id);
        let digest = restake_certificate::message_digest(
            self.chain_id,
            &set,
            req.reference_height,
            &req.message_hash,
        );
        self.db.check_and_record(
            &keccak256(&req.key_data),
            &req.avs,
            req.set_id,
            req.duty,
            &SignedRecord {
                message_hash: req.message_hash,
                signing_root: digest,
            },
        )?;
        Ok(key.sign(&digest))
    }
}
