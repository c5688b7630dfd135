//! JSON forms of proofs. A proof is written as a list of `0x` 32-byte hex siblings; it is also
//! read from one `0x` hex string of concatenated siblings (Solidity `bytes`, as EigenLayer's
//! tools print it). Any other length is refused.

use alloy_primitives::{B256, hex};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

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

/// The proof-file layout of EigenLayer's test data (the shared beacon vectors): one validator's
/// fields, its proof, the state root's header proof and the older 44-sibling balance proof.
/// [`LegacyProofFile::credentials`] and friends re-assemble today's proofs from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LegacyProofFile {
    /// Validator index.
    pub validator_index: u64,
    /// The beacon state root.
    pub beacon_state_root: B256,
    /// The beacon block root the state root is proven against.
    #[serde(default)]
    pub latest_block_header_root: Option<B256>,
    /// The leaf of four balances holding this validator's.
    #[serde(default)]
    pub balance_root: Option<B256>,
    /// The validator's eight fields.
    #[serde(rename = "ValidatorFields")]
    pub validator_fields: Vec<B256>,
    /// Fields proof against the state root.
    #[serde(rename = "WithdrawalCredentialProof", with = "proof")]
    pub withdrawal_credential_proof: Vec<B256>,
    /// State root against the block header.
    #[serde(
        rename = "StateRootAgainstLatestBlockHeaderProof",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub state_root_against_latest_block_header_proof: Option<Vec<B256>>,
    /// 39 siblings to the balances root, then 5 to the state root.
    #[serde(
        rename = "ValidatorBalanceProof",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub validator_balance_proof: Option<Vec<B256>>,
}

impl LegacyProofFile {
    /// The state root proof, if the file has the header proof.
    pub fn state_root_proof(&self) -> Option<crate::StateRootProof> {
        Some(crate::StateRootProof {
            beacon_state_root: self.beacon_state_root,
            proof: self.state_root_against_latest_block_header_proof.clone()?,
        })
    }

    /// The validator's fields and their proof.
    pub fn validator_proof(&self) -> crate::ValidatorProof {
        crate::ValidatorProof {
            validator_fields: self.validator_fields.clone(),
            proof: self.withdrawal_credential_proof.clone(),
        }
    }

    /// Today's balance-container and balance proofs: the first 39 siblings of the old proof lead
    /// from the balance leaf to the balances root; the last 5, followed by the header proof, lead
    /// from there to the block root.
    pub fn checkpoint_proofs(
        &self,
    ) -> Result<(crate::BalanceContainerProof, crate::BalanceProof), crate::BeaconError> {
        let missing = |which| crate::BeaconError::InvalidProofLength {
            which,
            expected: 1,
            actual: 0,
        };
        let old = self
            .validator_balance_proof
            .as_ref()
            .ok_or(missing("balance"))?;
        let balance_root = self.balance_root.ok_or(missing("balance root"))?;
        let header = self
            .state_root_against_latest_block_header_proof
            .as_ref()
            .ok_or(missing("state root"))?;
        let lower = old
            .get(..39)
            .ok_or(crate::BeaconError::InvalidProofLength {
                which: "balance",
                expected: 44,
                actual: old.len(),
            })?;
        let upper = old.get(39..).unwrap_or_default();
        let container =
            crate::process_inclusion_proof(lower, balance_root, self.validator_index / 4)?;
        let mut proof = upper.to_vec();
        proof.extend(header.iter().copied());
        Ok((
            crate::BalanceContainerProof {
                balance_container_root: container,
                proof,
            },
            crate::BalanceProof {
                pubkey_hash: self.validator_fields.first().copied().unwrap_or_default(),
                balance_root,
                proof: lower.to_vec(),
            },
        ))
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

/// `Vec<B256>` siblings.
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

/// A list of proofs, each in either form.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize, Serialize, PartialEq)]
    struct P {
        #[serde(with = "super::proof")]
        proof: Vec<B256>,
    }

    #[test]
    fn a_proof_reads_from_a_list_or_from_concatenated_bytes() {
        let a = format!("0x{}", "11".repeat(32));
        let b = format!("0x{}", "22".repeat(32));
        let list: P = serde_json::from_str(&format!(r#"{{"proof":["{a}","{b}"]}}"#)).unwrap();
        let cat: P = serde_json::from_str(&format!(
            r#"{{"proof":"0x{}{}"}}"#,
            "11".repeat(32),
            "22".repeat(32)
        ))
        .unwrap();
        assert_eq!(list, cat);
        assert_eq!(list.proof.len(), 2);
        let bad = serde_json::from_str::<P>(&format!(r#"{{"proof":"0x{}"}}"#, "11".repeat(33)));
        assert!(bad.unwrap_err().to_string().contains("32-byte"));
    }

    #[test]
    fn proofs_in_the_proof_tools_layout_read_with_their_key_names() {
        use crate::{BalanceContainerProof, BalanceProof, StateRootProof};
        let w = format!("0x{}", "ab".repeat(32));
        let s: StateRootProof = serde_json::from_str(&format!(
            r#"{{"beaconStateRoot":"{w}","stateRootProof":["{w}","{w}","{w}"]}}"#
        ))
        .unwrap();
        assert_eq!(s.proof.len(), 3);
        let c: BalanceContainerProof = serde_json::from_str(&format!(
            r#"{{"validatorBalanceRoot":"{w}","proof":["{w}"]}}"#
        ))
        .unwrap();
        assert_eq!(c.balance_container_root, B256::repeat_byte(0xab));
        let numbers = vec![7u8; 32];
        let b: BalanceProof = serde_json::from_value(serde_json::json!({
            "pubkeyHash": numbers, "balanceRoot": w, "proof": [w]
        }))
        .unwrap();
        assert_eq!(b.pubkey_hash, B256::repeat_byte(7));
        let short = serde_json::from_value::<BalanceProof>(serde_json::json!({
            "pubkeyHash": vec![7u8; 31], "balanceRoot": w, "proof": [w]
        }));
        assert!(short.is_err());
    }
}
