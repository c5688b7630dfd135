//! The record as a JSON file, to move an operator's signing history between machines.
//!
//! ```json
//! {"metadata": {"interchangeFormatVersion": "1", "chainId": 31337},
//!  "records": [{"keyHash": "0x…", "avs": "0x…", "setId": 1, "duty": {"kind": "task", "id": 7},
//!               "messageHash": "0x…", "signingRoot": "0x…"}]}
//! ```
//!
//! Importing merges the file into the record: a duty the record already holds with another
//! message is a double signature that already happened — the import stops with the conflict, and
//! nothing of the file is taken.

use crate::protection::{Duty, ProtectionDb, ProtectionError, SignedRecord};
use alloy_primitives::{Address, B256};
use serde::{Deserialize, Serialize};

/// The version this code writes and reads.
pub const FORMAT_VERSION: &str = "1";

/// The file's metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Metadata {
    /// `"1"`.
    pub interchange_format_version: String,
    /// The chain the signatures are for.
    pub chain_id: u64,
}

/// One signature given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InterchangeRecord {
    /// `keccak256` of the signing key's bytes.
    pub key_hash: B256,
    /// The set's AVS.
    pub avs: Address,
    /// The set.
    pub set_id: u32,
    /// The duty.
    pub duty: Duty,
    /// What was signed for it.
    pub message_hash: B256,
    /// The digest signed.
    pub signing_root: B256,
}

/// An interchange file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Interchange {
    /// Version and chain.
    pub metadata: Metadata,
    /// Every record.
    pub records: Vec<InterchangeRecord>,
}

/// Why an import failed.
#[derive(Debug, thiserror::Error)]
pub enum InterchangeError {
    /// Another version of the format.
    #[error("interchange format version {0} is not supported (only {FORMAT_VERSION})")]
    Version(String),
    /// Signatures for another chain.
    #[error("the file is for chain {file}, this signer for chain {signer}")]
    Chain {
        /// In the file.
        file: u64,
        /// This signer's.
        signer: u64,
    },
    /// The record refused a record of the file (a conflict), or failed.
    #[error(transparent)]
    Protection(#[from] ProtectionError),
}

impl ProtectionDb {
    /// The whole record as an interchange file for `chain_id`.
    pub fn export(&self, chain_id: u64) -> Result<Interchange, ProtectionError> {
        let records = self
            .records()?
            .into_iter()
            .map(|(key_hash, avs, set_id, duty, r)| InterchangeRecord {
                key_hash,
                avs,
                set_id,
                duty,
                message_hash: r.message_hash,
                signing_root: r.signing_root,
            })
            .collect();
        Ok(Interchange {
            metadata: Metadata {
                interchange_format_version: FORMAT_VERSION.into(),
                chain_id,
            },
            records,
        })
    }

    /// Merges `file` into the record, all or nothing as far as conflicts go: every record is
    /// checked before any is written.
    pub fn import(&self, file: &Interchange, chain_id: u64) -> Result<usize, InterchangeError> {
        if file.metadata.interchange_format_version != FORMAT_VERSION {
            return Err(InterchangeError::Version(
                file.metadata.interchange_format_version.clone(),
            ));
        }
        if file.metadata.chain_id != chain_id {
            return Err(InterchangeError::Chain {
                file: file.metadata.chain_id,
                signer: chain_id,
            });
        }
        let existing = self.records()?;
        for (i, r) in file.records.iter().enumerate() {
            // Two records of the file for one duty with different messages: the file itself
            // holds a double signature.
            if let Some(other) = file.records.iter().take(i).find(|o| {
                o.key_hash == r.key_hash
                    && o.avs == r.avs
                    && o.set_id == r.set_id
                    && o.duty == r.duty
                    && o.message_hash != r.message_hash
            }) {
                return Err(ProtectionError::Conflict {
                    avs: r.avs,
                    set_id: r.set_id,
                    duty: r.duty,
                    signed: other.message_hash,
                    asked: r.message_hash,
                }
                .into());
            }
            if let Some((.., prev)) = existing.iter().find(|(k, a, s, d, prev)| {
                *k == r.key_hash
                    && *a == r.avs
                    && *s == r.set_id
                    && *d == r.duty
                    && prev.message_hash != r.message_hash
            }) {
                return Err(ProtectionError::Conflict {
                    avs: r.avs,
                    set_id: r.set_id,
                    duty: r.duty,
                    signed: prev.message_hash,
                    asked: r.message_hash,
                }
                .into());
            }
        }
        for r in &file.records {
            self.check_and_record(
                &r.key_hash,
                &r.avs,
                r.set_id,
                r.duty,
                &SignedRecord {
                    message_hash: r.message_hash,
                    signing_root: r.signing_root,
                },
            )?;
        }
        Ok(file.records.len())
    }
}
