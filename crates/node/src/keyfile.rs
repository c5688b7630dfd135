//! The consensus key file: `{"type":"ed25519","secret":"0x…","public":"0x…","address":"0x…"}`,
//! written with permissions 0600. `secret` is the 32-byte seed (RFC 8032); `public` and
//! `address` are derived from it and checked when the file is read, so a file edited by hand
//! cannot name another validator than its key signs for.

use crate::error::NodeError;
use alloy_primitives::{Address, B256};
use restake_primitives::ed25519::{PublicKey, SecretKey};
use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct KeyFile {
    #[serde(rename = "type")]
    kind: String,
    secret: B256,
    public: PublicKey,
    address: Address,
}

fn corrupt(path: &Path, reason: impl std::fmt::Display) -> NodeError {
    NodeError::Mismatch(format!("consensus key file {}: {reason}", path.display()))
}

/// Reads and checks a consensus key file.
pub fn read_consensus_key(path: &Path) -> Result<SecretKey, NodeError> {
    let text = std::fs::read_to_string(path).map_err(|e| corrupt(path, e))?;
    let file: KeyFile = serde_json::from_str(&text).map_err(|e| corrupt(path, e))?;
    if file.kind != "ed25519" {
        return Err(corrupt(
            path,
            format!("type {:?}, expected \"ed25519\"", file.kind),
        ));
    }
    let key = SecretKey::from_seed(&file.secret.0);
    if key.public() != file.public || key.public().address() != file.address {
        return Err(corrupt(
            path,
            "the public key or address is not the secret's",
        ));
    }
    Ok(key)
}

/// Writes `key` to a new file at `path` (refusing to overwrite one), readable by its owner only.
pub fn write_consensus_key(path: &Path, key: &SecretKey) -> Result<(), NodeError> {
    let file = KeyFile {
        kind: "ed25519".into(),
        secret: B256::from(key.seed()),
        public: key.public(),
        address: key.public().address(),
    };
    let text = serde_json::to_string_pretty(&file).map_err(|e| corrupt(path, e))?;
    write_private(path, &format!("{text}\n")).map_err(|e| corrupt(path, e))
}

/// Writes `text` to a new file at `path` (refusing to overwrite one), readable by its owner
/// only: how every key file is written.
pub fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    use std::io::Write;
    options
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_written_key_reads_back_and_a_tampered_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("consensus_key.json");
        let key = SecretKey::from_seed(&[4; 32]);
        write_consensus_key(&path, &key).unwrap();
        assert_eq!(read_consensus_key(&path).unwrap().public(), key.public());
        assert!(
            write_consensus_key(&path, &key).is_err(),
            "never overwritten"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let other = SecretKey::from_seed(&[5; 32]).public().address();
        let text = std::fs::read_to_string(&path).unwrap();
        let tampered = text.replace(
            &format!("{:?}", key.public().address()).to_lowercase(),
            &format!("{other:?}").to_lowercase(),
        );
        assert_ne!(tampered, text);
        let bad = dir.path().join("bad.json");
        std::fs::write(&bad, tampered).unwrap();
        let err = read_consensus_key(&bad).err().unwrap().to_string();
        assert!(err.contains("not the secret's"), "{err}");
    }
}
