//! The durable record of what the signer signed.

use alloy_primitives::{Address, B256};
use borsh::{BorshDeserialize, BorshSerialize};
use redb::{Database, Durability, ReadableDatabase, ReadableTable, TableDefinition};
use serde::{Deserialize, Serialize};
use std::path::Path;
use thiserror::Error;

/// Key: `keccak256(key bytes) ‖ avs ‖ set id ‖ duty kind ‖ duty id`; value: borsh [`SignedRecord`].
const SIGNED: TableDefinition<&[u8], &[u8]> = TableDefinition::new("signed");

/// What a signature answers for: one task, or one height of a set's attestation stream. Two
/// different messages for the same duty conflict.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    BorshSerialize,
    BorshDeserialize,
    Serialize,
    Deserialize,
)]
#[serde(
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    tag = "kind"
)]
pub enum Duty {
    /// A response to a task.
    Task {
        /// The task.
        id: u64,
    },
    /// An attestation at a height.
    Height {
        /// The height.
        height: u64,
    },
}

impl Duty {
    fn key_bytes(&self) -> [u8; 9] {
        let (kind, id) = match self {
            Duty::Task { id } => (0u8, *id),
            Duty::Height { height } => (1u8, *height),
        };
        let mut out = [0u8; 9];
        out[0] = kind;
        out[1..].copy_from_slice(&id.to_be_bytes());
        out
    }
}

/// One signature given.
#[derive(Debug, Clone, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignedRecord {
    /// The hash of what was signed for the duty (the certificate's `messageHash`).
    pub message_hash: B256,
    /// The digest the key signed.
    pub signing_root: B256,
}

/// Why the record refused or failed.
#[derive(Debug, Error)]
pub enum ProtectionError {
    /// The duty was signed with another message.
    #[error(
        "refused: {duty:?} of set {avs}/{set_id} was already signed for message {signed}; signing {asked} would be a double signature"
    )]
    Conflict {
        /// The set's AVS.
        avs: Address,
        /// The set.
        set_id: u32,
        /// The duty.
        duty: Duty,
        /// What was signed.
        signed: B256,
        /// What was asked.
        asked: B256,
    },
    /// The file could not be read or written.
    #[error("slashing-protection database: {0}")]
    Db(String),
}

macro_rules! db_errors {
    ($($t:ty),*) => {$(
        impl From<$t> for ProtectionError {
            fn from(e: $t) -> Self {
                ProtectionError::Db(e.to_string())
            }
        }
    )*};
}
db_errors!(
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError,
    redb::SetDurabilityError,
    std::io::Error
);

/// One record as stored: `(key hash, avs, set id, duty, what was signed)`.
pub type RecordEntry = (B256, Address, u32, Duty, SignedRecord);

/// The record, one redb file.
pub struct ProtectionDb {
    db: Database,
}

/// The record's key of a duty.
pub fn record_key(key_hash: &B256, avs: &Address, set_id: u32, duty: &Duty) -> Vec<u8> {
    let mut k = Vec::with_capacity(32 + 20 + 4 + 9);
    k.extend_from_slice(key_hash.as_slice());
    k.extend_from_slice(avs.as_slice());
    k.extend_from_slice(&set_id.to_be_bytes());
    k.extend_from_slice(&duty.key_bytes());
    k
}

impl ProtectionDb {
    /// Opens (or creates) the record at `path`.
    pub fn open(path: &Path) -> Result<Self, ProtectionError> {
        let db = Database::create(path)?;
        let txn = db.begin_write()?;
        txn.open_table(SIGNED)?;
        txn.commit()?;
        Ok(Self { db })
    }

    /// Checks that signing `record` for the duty conflicts with nothing signed before, and
    /// records it durably before returning. The same message again is allowed (and recorded
    /// once); a different one is refused.
    pub fn check_and_record(
        &self,
        key_hash: &B256,
        avs: &Address,
        set_id: u32,
        duty: Duty,
        record: &SignedRecord,
    ) -> Result<(), ProtectionError> {
        let k = record_key(key_hash, avs, set_id, &duty);
        let mut txn = self.db.begin_write()?;
        txn.set_durability(Durability::Immediate)?;
        {
            let mut t = txn.open_table(SIGNED)?;
            let existing = t
                .get(k.as_slice())?
                .map(|v| borsh::from_slice::<SignedRecord>(v.value()))
                .transpose()?;
            match existing {
                Some(prev) if prev.message_hash != record.message_hash => {
                    return Err(ProtectionError::Conflict {
                        avs: *avs,
                        set_id,
                        duty,
                        signed: prev.message_hash,
                        asked: record.message_hash,
                    });
                }
                Some(_) => {}
                None => {
                    let bytes = borsh::to_vec(record)?;
                    t.insert(k.as_slice(), bytes.as_slice())?;
                }
            }
        }
        txn.commit()?;
        Ok(())
    }

    /// Every record, in key order: `(key hash, avs, set id, duty, record)`.
    pub fn records(&self) -> Result<Vec<RecordEntry>, ProtectionError> {
        let txn = self
            .db
            .begin_read()
            .map_err(|e| ProtectionError::Db(e.to_string()))?;
        let t = txn.open_table(SIGNED)?;
        let mut out = Vec::new();
        for entry in t.iter()? {
            let (k, v) = entry?;
            let k = k.value();
            let parsed = (|| {
                let key_hash = B256::try_from(k.get(..32)?).ok()?;
                let avs = Address::try_from(k.get(32..52)?).ok()?;
                let set_id = u32::from_be_bytes(k.get(52..56)?.try_into().ok()?);
                let id = u64::from_be_bytes(k.get(57..65)?.try_into().ok()?);
                let duty = match k.get(56)? {
                    0 => Duty::Task { id },
                    1 => Duty::Height { height: id },
                    _ => return None,
                };
                Some((key_hash, avs, set_id, duty))
            })()
            .ok_or_else(|| ProtectionError::Db("a record's key is malformed".into()))?;
            let record: SignedRecord = borsh::from_slice(v.value())?;
            out.push((parsed.0, parsed.1, parsed.2, parsed.3, record));
        }
        Ok(out)
    }
}
