//! JSON forms of proofs, so the node accepts proofs in the field layouts EigenLayer's tools
//! write.
//!
//! - A proof (list of siblings) is read from a list of `0x` 32-byte hex strings or from one `0x`
//!   hex string of concatenated siblings (Solidity `bytes`, how EigenLayer's proof generator
//!   writes it); any other length is refused. This crate's own types write lists.
//! - [`LegacyProofFile`]: the layout of EigenLayer's proof test files (the shared beacon vectors),
//!   with methods re-assembling today's proofs from it.
//! - [`CredentialProofs`] and [`CheckpointProofs`]: the output of EigenLayer's proof generator
//!   (`eigenpod-proofs-generation`), read and written with its key names:
//!   - credentials: `{"stateRootProof": {"beaconStateRoot", "stateRootProof"},
//!     "validatorIndices", "validatorFieldsProofs", "validatorFields"}` (older versions add
//!     `"oracleTimestamp"`; the command-line tool wraps it as
//!     `{"ValidatorProofs": {...}, "OracleBeaconTimestamp"}`);
//!   - checkpoints: `{"validatorBalancesRootProof": {"validatorBalanceRoot", "proof"},
//!     "balanceProofs": [{"pubkeyHash", "balanceRoot", "proof"}]}`, where `pubkeyHash` is an
//!     array of 32 numbers (Go's `[32]byte`).
//!
//!   Proofs are written as the generator writes them (concatenated hex), and the generator's
//!   capitalised key spellings are accepted as well, as Go's decoder does.

use crate::error::BeaconError;
use crate::merkle::process_inclusion_proof;
use crate::proofs::{BalanceContainerProof, BalanceProof, StateRootProof, ValidatorProof};
use alloy_primitives::{B256, hex};
use serde::de::Error as _;
use serde::ser::SerializeSeq;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A proof as JSON gives it: a list of words or one hex string.
#[derive(Deserialize)]
#[serde(untagged)]
enum Raw {
    Words(Vec<B256>),
    Bytes(String),
}

fn from_raw(raw: Raw) -> Result<Vec<B256>, String> {
    match raw {
        Raw::Words(w) => Ok(w),
        Raw::Bytes(s) => {
            let bytes = hex::decode(&s).map_err(|e| format!("proof is not hex: {e}"))?;
            if bytes.len() % 32 != 0 {
                return Err(format!(
                    "a proof is whole 32-byte siblings, {} bytes given",
                    bytes.len()
                ));
            }
            Ok(bytes.chunks_exact(32).map(B256::from_slice).collect())
        }
    }
}

/// Siblings written as one `0x` hex string of their concatenation.
struct Concatenated<'a>(&'a [B256]);

impl Serialize for Concatenated<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut out = String::with_capacity(self.0.len().saturating_mul(64).saturating_add(2));
        out.push_str("0x");
        for word in self.0 {
            out.push_str(&hex::encode(word));
        }
        s.serialize_str(&out)
    }
}

/// A 32-byte value from `0x` hex or from an array of 32 numbers (how Go writes `[32]byte`).
pub fn bytes32<'de, D: Deserializer<'de>>(d: D) -> Result<B256, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Hex(B256),
        Numbers(Vec<u8>),
    }
    match Either::deserialize(d)? {
        Either::Hex(h) => Ok(h),
        Either::Numbers(v) => <[u8; 32]>::try_from(v.as_slice())
            .map(B256::from)
            .map_err(|_| D::Error::custom(format!("expected 32 bytes, got {}", v.len()))),
    }
}

/// `Vec<B256>` siblings, for `#[serde(with = "...")]`.
pub mod proof {
    use super::*;

    /// Writes the siblings as a list.
    pub fn serialize<S: Serializer>(v: &[B256], s: S) -> Result<S::Ok, S::Error> {
        v.serialize(s)
    }

    /// Reads a list of siblings or one concatenated hex string.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<B256>, D::Error> {
        from_raw(Raw::deserialize(d)?).map_err(D::Error::custom)
    }
}

/// An optional `Vec<B256>` of siblings (absent or `null` is `None`), for
/// `#[serde(default, with = "...")]`.
pub mod proof_opt {
    use super::*;

    /// Writes the siblings as a list, or `null`.
    pub fn serialize<S: Serializer>(v: &Option<Vec<B256>>, s: S) -> Result<S::Ok, S::Error> {
        v.serialize(s)
    }

    /// Reads a list of siblings or one concatenated hex string.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<B256>>, D::Error> {
        Option::<Raw>::deserialize(d)?
            .map(|r| from_raw(r).map_err(D::Error::custom))
            .transpose()
    }
}

/// A list of proofs, each in either form, for `#[serde(with = "...")]`.
pub mod proof_list {
    use super::*;

    /// Writes each proof as a list.
    pub fn serialize<S: Serializer>(v: &[Vec<B256>], s: S) -> Result<S::Ok, S::Error> {
        v.serialize(s)
    }

    /// Reads each proof as a list of siblings or one concatenated hex string.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Vec<B256>>, D::Error> {
        Vec::<Raw>::deserialize(d)?
            .into_iter()
            .map(|r| from_raw(r).map_err(D::Error::custom))
            .collect()
    }
}

/// The proof-file layout of EigenLayer's test data (the shared beacon vectors): one validator's
/// fields and their proof, the header proof of the state root, and the older 44-sibling balance
/// proof (39 siblings from the balance leaf to the balances list root, then 5 from there to the
/// Deneb state root). Parts a file does not have are `None`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LegacyProofFile {
    /// Validator index.
    pub validator_index: u64,
    /// The beacon state root.
    pub beacon_state_root: B256,
    /// The beacon block root the state root is proven against.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_block_header_root: Option<B256>,
    /// The leaf of four packed balances holding this validator's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub balance_root: Option<B256>,
    /// The state's slot leaf (not used by today's proofs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slot_root: Option<B256>,
    /// The validator's eight fields.
    #[serde(rename = "ValidatorFields")]
    pub validator_fields: Vec<B256>,
    /// Fields proof against the state root (46 siblings, Deneb).
    #[serde(rename = "WithdrawalCredentialProof", with = "proof")]
    pub withdrawal_credential_proof: Vec<B256>,
    /// State root against the block header (3 siblings).
    #[serde(
        rename = "StateRootAgainstLatestBlockHeaderProof",
        default,
        with = "proof_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub state_root_against_latest_block_header_proof: Option<Vec<B256>>,
    /// 39 siblings to the balances list root, then 5 to the state root.
    #[serde(
        rename = "ValidatorBalanceProof",
        default,
        with = "proof_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub validator_balance_proof: Option<Vec<B256>>,
    /// The older oracle format: `latestBlockHeaderRoot` as state field 4
    /// (`BeaconState.latest_block_header`) under the state root (5 siblings).
    #[serde(
        rename = "LatestBlockHeaderProof",
        default,
        with = "proof_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub latest_block_header_proof: Option<Vec<B256>>,
}

/// Siblings of the old balance proof below the balances list root: `BALANCE_TREE_HEIGHT + 1`.
const LEGACY_BALANCE_LOWER: usize = 39;
/// All siblings of the old balance proof, up to the Deneb state root:
/// `LEGACY_BALANCE_LOWER + DENEB_BEACON_STATE_TREE_HEIGHT`.
const LEGACY_BALANCE_TOTAL: usize = 44;

impl LegacyProofFile {
    /// The state root proof, if the file has the header proof.
    pub fn state_root_proof(&self) -> Option<StateRootProof> {
        Some(StateRootProof {
            beacon_state_root: self.beacon_state_root,
            proof: self.state_root_against_latest_block_header_proof.clone()?,
        })
    }

    /// The validator's fields and their proof (against `beacon_state_root`, Deneb layout).
    pub fn validator_proof(&self) -> ValidatorProof {
        ValidatorProof {
            validator_fields: self.validator_fields.clone(),
            proof: self.withdrawal_credential_proof.clone(),
        }
    }

    /// The old 44-sibling proof split at the balances list root.
    fn balance_parts(&self) -> Result<(B256, &[B256], &[B256]), BeaconError> {
        let old = self
            .validator_balance_proof
            .as_deref()
            .ok_or(BeaconError::MissingProof("ValidatorBalanceProof"))?;
        let balance_root = self
            .balance_root
            .ok_or(BeaconError::MissingProof("balanceRoot"))?;
        if old.len() != LEGACY_BALANCE_TOTAL {
            return Err(BeaconError::InvalidProofLength {
                which: "legacy balance",
                expected: LEGACY_BALANCE_TOTAL,
                actual: old.len(),
            });
        }
        let (lower, upper) = old.split_at(LEGACY_BALANCE_LOWER);
        Ok((balance_root, lower, upper))
    }

    /// Today's balance proof: the balance leaf and the first 39 siblings of the old proof.
    pub fn balance_proof(&self) -> Result<BalanceProof, BeaconError> {
        let (balance_root, lower, _) = self.balance_parts()?;
        Ok(BalanceProof {
            pubkey_hash: self.validator_fields.first().copied().unwrap_or_default(),
            balance_root,
            proof: lower.to_vec(),
        })
    }

    /// Today's balance-container proof against `latest_block_header_root` (Deneb, index 108):
    /// the balances list root computed from the balance leaf, proven by the last 5 siblings of
    /// the old proof followed by the 3 header siblings.
    pub fn balance_container_proof(&self) -> Result<BalanceContainerProof, BeaconError> {
        let (balance_root, lower, upper) = self.balance_parts()?;
        let header = self
            .state_root_against_latest_block_header_proof
            .as_deref()
            .ok_or(BeaconError::MissingProof(
                "StateRootAgainstLatestBlockHeaderProof",
            ))?;
        let balance_container_root =
            process_inclusion_proof(lower, balance_root, self.validator_index / 4)?;
        let mut proof = upper.to_vec();
        proof.extend_from_slice(header);
        Ok(BalanceContainerProof {
            balance_container_root,
            proof,
        })
    }

    /// [`Self::balance_container_proof`] and [`Self::balance_proof`] together: the two parts of a
    /// checkpoint proof for this validator.
    pub fn checkpoint_proofs(&self) -> Result<(BalanceContainerProof, BalanceProof), BeaconError> {
        Ok((self.balance_container_proof()?, self.balance_proof()?))
    }

    /// For files without a header proof: the balances list root and its 5-sibling proof as field
    /// 12 of the Deneb state (verify with [`crate::verify_state_field`] against
    /// `beacon_state_root`).
    pub fn balances_in_state(&self) -> Result<(B256, Vec<B256>), BeaconError> {
        let (balance_root, lower, upper) = self.balance_parts()?;
        let root = process_inclusion_proof(lower, balance_root, self.validator_index / 4)?;
        Ok((root, upper.to_vec()))
    }
}

/// Writes a state-root proof as the proof generator does.
fn tool_state_root<S: Serializer>(p: &StateRootProof, s: S) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct Out<'a> {
        #[serde(rename = "beaconStateRoot")]
        root: &'a B256,
        #[serde(rename = "stateRootProof")]
        proof: Concatenated<'a>,
    }
    Out {
        root: &p.beacon_state_root,
        proof: Concatenated(&p.proof),
    }
    .serialize(s)
}

/// Writes each proof as concatenated hex.
fn tool_proof_list<S: Serializer>(v: &[Vec<B256>], s: S) -> Result<S::Ok, S::Error> {
    let mut seq = s.serialize_seq(Some(v.len()))?;
    for p in v {
        seq.serialize_element(&Concatenated(p))?;
    }
    seq.end()
}

/// Writes a balance-container proof as the proof generator does.
fn tool_container<S: Serializer>(p: &BalanceContainerProof, s: S) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct Out<'a> {
        #[serde(rename = "validatorBalanceRoot")]
        root: &'a B256,
        proof: Concatenated<'a>,
    }
    Out {
        root: &p.balance_container_root,
        proof: Concatenated(&p.proof),
    }
    .serialize(s)
}

/// Writes balance proofs as the proof generator does (`pubkeyHash` as 32 numbers).
fn tool_balances<S: Serializer>(v: &[BalanceProof], s: S) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct Out<'a> {
        #[serde(rename = "pubkeyHash")]
        pubkey_hash: &'a [u8; 32],
        #[serde(rename = "balanceRoot")]
        balance_root: &'a B256,
        proof: Concatenated<'a>,
    }
    let mut seq = s.serialize_seq(Some(v.len()))?;
    for p in v {
        seq.serialize_element(&Out {
            pubkey_hash: &p.pubkey_hash.0,
            balance_root: &p.balance_root,
            proof: Concatenated(&p.proof),
        })?;
    }
    seq.end()
}

/// Withdrawal-credential proofs as EigenLayer's proof generator writes them: one state-root
/// proof and, per validator, its index, fields proof and fields. Reads the flat layout and the
/// command-line tool's `{"ValidatorProofs": {...}, "OracleBeaconTimestamp": ...}` wrapper;
/// writes the flat layout. The three lists have equal lengths.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "CredentialProofsIn")]
pub struct CredentialProofs {
    /// The state root and its proof against the block root.
    #[serde(rename = "stateRootProof", serialize_with = "tool_state_root")]
    pub state_root_proof: StateRootProof,
    /// Validator indices.
    #[serde(rename = "validatorIndices")]
    pub validator_indices: Vec<u64>,
    /// Fields proof of each validator against the state root.
    #[serde(rename = "validatorFieldsProofs", serialize_with = "tool_proof_list")]
    pub validator_fields_proofs: Vec<Vec<B256>>,
    /// Each validator's eight fields.
    #[serde(rename = "validatorFields")]
    pub validator_fields: Vec<Vec<B256>>,
    /// Timestamp of the block whose parent root anchors the proofs, when the file has one
    /// (`oracleTimestamp`, or the command-line tool's `OracleBeaconTimestamp`).
    #[serde(rename = "oracleTimestamp", skip_serializing_if = "Option::is_none")]
    pub oracle_timestamp: Option<u64>,
}

/// Every key [`CredentialProofs`] reads, all optional, to accept both layouts.
#[derive(Deserialize)]
struct CredentialProofsIn {
    #[serde(rename = "stateRootProof", alias = "StateRootProof", default)]
    state_root_proof: Option<StateRootProof>,
    #[serde(rename = "validatorIndices", alias = "ValidatorIndices", default)]
    validator_indices: Option<Vec<u64>>,
    #[serde(
        rename = "validatorFieldsProofs",
        alias = "ValidatorFieldsProofs",
        default,
        deserialize_with = "proof_list_opt"
    )]
    validator_fields_proofs: Option<Vec<Vec<B256>>>,
    #[serde(rename = "validatorFields", alias = "ValidatorFields", default)]
    validator_fields: Option<Vec<Vec<B256>>>,
    #[serde(rename = "oracleTimestamp", alias = "OracleTimestamp", default)]
    oracle_timestamp: Option<u64>,
    #[serde(rename = "ValidatorProofs", alias = "validatorProofs", default)]
    wrapped: Option<Box<CredentialProofsIn>>,
    #[serde(
        rename = "OracleBeaconTimestamp",
        alias = "oracleBeaconTimestamp",
        default
    )]
    oracle_beacon_timestamp: Option<u64>,
}

fn proof_list_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<Vec<B256>>>, D::Error> {
    proof_list::deserialize(d).map(Some)
}

impl TryFrom<CredentialProofsIn> for CredentialProofs {
    type Error = BeaconError;

    fn try_from(raw: CredentialProofsIn) -> Result<Self, BeaconError> {
        let (inner, outer_timestamp) = match raw.wrapped {
            Some(inner) => (*inner, raw.oracle_beacon_timestamp),
            None => (raw, None),
        };
        let out = Self {
            state_root_proof: inner
                .state_root_proof
                .ok_or(BeaconError::MissingProof("stateRootProof"))?,
            validator_indices: inner
                .validator_indices
                .ok_or(BeaconError::MissingProof("validatorIndices"))?,
            validator_fields_proofs: inner
                .validator_fields_proofs
                .ok_or(BeaconError::MissingProof("validatorFieldsProofs"))?,
            validator_fields: inner
                .validator_fields
                .ok_or(BeaconError::MissingProof("validatorFields"))?,
            oracle_timestamp: outer_timestamp.or(inner.oracle_timestamp),
        };
        out.check_lengths()?;
        Ok(out)
    }
}

impl CredentialProofs {
    fn check_lengths(&self) -> Result<(), BeaconError> {
        let (indices, proofs, fields) = (
            self.validator_indices.len(),
            self.validator_fields_proofs.len(),
            self.validator_fields.len(),
        );
        if indices != proofs || indices != fields {
            return Err(BeaconError::ListLengthMismatch {
                indices,
                proofs,
                fields,
            });
        }
        Ok(())
    }

    /// Each validator's index with its fields and proof.
    pub fn validators(&self) -> Result<Vec<(u64, ValidatorProof)>, BeaconError> {
        self.check_lengths()?;
        Ok(self
            .validator_indices
            .iter()
            .zip(&self.validator_fields_proofs)
            .zip(&self.validator_fields)
            .map(|((index, proof), fields)| {
                (
                    *index,
                    ValidatorProof {
                        validator_fields: fields.clone(),
                        proof: proof.clone(),
                    },
                )
            })
            .collect())
    }
}

/// Checkpoint proofs as EigenLayer's proof generator writes them: the balance-container proof
/// (`validatorBalancesRootProof`) and one balance proof per validator (`balanceProofs`). Also
/// reads the keys `balanceContainerProof` and `proofs` (this project's action fields).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckpointProofs {
    /// The balances list root and its proof against the checkpoint's block root.
    #[serde(
        rename = "validatorBalancesRootProof",
        alias = "ValidatorBalancesRootProof",
        alias = "balanceContainerProof",
        alias = "BalanceContainerProof",
        serialize_with = "tool_container"
    )]
    pub balance_container_proof: BalanceContainerProof,
    /// One proof per validator checkpointed.
    #[serde(
        rename = "balanceProofs",
        alias = "BalanceProofs",
        alias = "proofs",
        serialize_with = "tool_balances"
    )]
    pub balance_proofs: Vec<BalanceProof>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize, Serialize, PartialEq)]
    struct P {
        #[serde(with = "super::proof")]
        proof: Vec<B256>,
    }

    fn word(b: u8) -> String {
        format!("0x{}", hex::encode([b; 32]))
    }

    #[test]
    fn a_proof_reads_from_a_list_or_from_concatenated_bytes() {
        let list: P = serde_json::from_value(serde_json::json!({
            "proof": [word(0x11), word(0x22)]
        }))
        .unwrap();
        let cat: P = serde_json::from_value(serde_json::json!({
            "proof": format!("0x{}{}", "11".repeat(32), "22".repeat(32))
        }))
        .unwrap();
        assert_eq!(list, cat);
        assert_eq!(
            list.proof,
            vec![B256::repeat_byte(0x11), B256::repeat_byte(0x22)]
        );
    }

    #[test]
    fn a_proof_of_partial_siblings_is_refused_with_its_byte_count() {
        let bad = serde_json::from_str::<P>(&format!(r#"{{"proof":"0x{}"}}"#, "11".repeat(33)));
        let msg = bad.unwrap_err().to_string();
        assert!(msg.contains("33 bytes"), "{msg}");
        let short_word =
            serde_json::from_str::<P>(&format!(r#"{{"proof":["0x{}"]}}"#, "11".repeat(31)));
        assert!(short_word.is_err());
        let not_hex = serde_json::from_str::<P>(r#"{"proof":"0xzz"}"#);
        assert!(not_hex.unwrap_err().to_string().contains("not hex"));
    }

    #[test]
    fn proofs_read_with_the_proof_generators_key_names() {
        let w = word(0xab);
        let s: StateRootProof = serde_json::from_value(serde_json::json!({
            "beaconStateRoot": w, "stateRootProof": [w, w, w]
        }))
        .unwrap();
        assert_eq!(s.proof.len(), 3);
        let c: BalanceContainerProof = serde_json::from_value(serde_json::json!({
            "validatorBalanceRoot": w, "proof": [w]
        }))
        .unwrap();
        assert_eq!(c.balance_container_root, B256::repeat_byte(0xab));
        let b: BalanceProof = serde_json::from_value(serde_json::json!({
            "pubkeyHash": vec![7u8; 32], "balanceRoot": w, "proof": [w]
        }))
        .unwrap();
        assert_eq!(b.pubkey_hash, B256::repeat_byte(7));
        let short = serde_json::from_value::<BalanceProof>(serde_json::json!({
            "pubkeyHash": vec![7u8; 31], "balanceRoot": w, "proof": [w]
        }));
        assert!(short.is_err());
    }

    #[test]
    fn the_legacy_balance_split_follows_the_tree_heights() {
        use crate::{BALANCE_TREE_HEIGHT, DENEB_BEACON_STATE_TREE_HEIGHT};
        assert_eq!(LEGACY_BALANCE_LOWER as u64, BALANCE_TREE_HEIGHT + 1);
        assert_eq!(
            LEGACY_BALANCE_TOTAL as u64,
            BALANCE_TREE_HEIGHT + 1 + DENEB_BEACON_STATE_TREE_HEIGHT
        );
    }

    #[test]
    fn the_crates_proof_types_write_camel_case_keys_and_lists() {
        let p = ValidatorProof {
            validator_fields: vec![B256::repeat_byte(1)],
            proof: vec![B256::repeat_byte(2)],
        };
        let v = serde_json::to_value(&p).unwrap();
        assert_eq!(v["validatorFields"][0], word(1));
        assert_eq!(v["proof"][0], word(2));
        let b = BalanceProof {
            pubkey_hash: B256::repeat_byte(3),
            balance_root: B256::repeat_byte(4),
            proof: vec![B256::repeat_byte(5)],
        };
        let v = serde_json::to_value(&b).unwrap();
        assert_eq!(v["pubkeyHash"], word(3));
        assert_eq!(v["balanceRoot"], word(4));
        assert_eq!(serde_json::from_value::<BalanceProof>(v).unwrap(), b);
    }
}
