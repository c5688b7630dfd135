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
}
