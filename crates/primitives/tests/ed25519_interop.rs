//! Consensus-key interoperability: OpenSSL's ed25519 (Python `cryptography`) and the wrapper
//! derive the same keys, produce the same signatures, accept each other's, and both refuse a
//! malleated `S`. Needs `python3` with `cryptography`; without it the test fails under CI and is
//! skipped elsewhere.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    missing_docs
)]

use alloy_primitives::{hex, keccak256};
use restake_primitives::ed25519::{Ed25519Error, PublicKey, SecretKey, Signature};
use std::io::Write;
use std::process::{Command, Stdio};

fn cryptography_available() -> Result<(), String> {
    match Command::new("python3")
        .args([
            "-c",
            "import cryptography.hazmat.primitives.asymmetric.ed25519",
        ])
        .output()
    {
        Ok(out) if out.status.success() => Ok(()),
        Ok(out) => Err(String::from_utf8_lossy(&out.stderr).into_owned()),
        Err(e) => Err(format!("python3 cannot run: {e}")),
    }
}

/// The group order ℓ, little-endian, to malleate `S` into `S + ℓ`.
const ELL: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

fn malleate(sig: [u8; 64]) -> [u8; 64] {
    let mut out = sig;
    let mut carry = 0u16;
    for i in 0..32 {
        let v = u16::from(sig[32 + i]) + u16::from(ELL[i]) + carry;
        out[32 + i] = (v & 0xff) as u8;
        carry = v >> 8;
    }
    out
}

#[test]
fn openssl_and_the_wrapper_agree_on_keys_signatures_and_refusals() {
    if let Err(why) = cryptography_available() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but python3 cannot import cryptography: {why}"
        );
        eprintln!("SKIPPED: ed25519 interoperability needs python3 with cryptography: {why}");
        return;
    }
    // Seeds and messages derived from a counter: lengths 0..=129, vote-sized and longer.
    let cases: Vec<(SecretKey, Vec<u8>)> = (0u32..40)
        .map(|i| {
            let seed = keccak256(i.to_be_bytes()).0;
            let message: Vec<u8> = (0..(i * 13 % 130))
                .map(|j| ((j * 7 + i) % 256) as u8)
                .collect();
            (SecretKey::from_seed(&seed), message)
        })
        .collect();
    // Every fifth case sends a malleated signature: OpenSSL must refuse it as the wrapper does.
    let sent: Vec<[u8; 64]> = cases
        .iter()
        .enumerate()
        .map(|(i, (key, message))| {
            let sig = key.sign(message).to_bytes();
            if i % 5 == 4 { malleate(sig) } else { sig }
        })
        .collect();
    let mut input = String::new();
    for ((key, message), sig) in cases.iter().zip(&sent) {
        input.push_str(&format!(
            "{{\"seed\":\"{}\",\"message\":\"{}\",\"signature\":\"{}\"}}\n",
            hex::encode(key.seed()),
            hex::encode(message),
            hex::encode(sig)
        ));
    }
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/ed25519_interop.py");
    let mut child = Command::new("python3")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), cases.len());
    for (i, (((key, message), sig), answer)) in cases.iter().zip(&sent).zip(&lines).enumerate() {
        let malleated = i % 5 == 4;
        assert_eq!(
            answer["public"],
            hex::encode(key.public().to_bytes()),
            "case {i}"
        );
        let theirs: [u8; 64] = hex::decode(answer["signature"].as_str().unwrap())
            .unwrap()
            .try_into()
            .unwrap();
        assert_eq!(
            theirs,
            key.sign(message).to_bytes(),
            "case {i}: same deterministic bytes"
        );
        let public = PublicKey::from_bytes(key.public().to_bytes()).unwrap();
        public
            .verify(message, &Signature::from_bytes(theirs))
            .unwrap();
        assert_eq!(
            answer["accepted"], !malleated,
            "case {i}: OpenSSL on our signature"
        );
        if malleated {
            assert_eq!(
                public.verify(message, &Signature::from_bytes(*sig)),
                Err(Ed25519Error::NonCanonicalS)
            );
        }
    }
}
