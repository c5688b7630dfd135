//! EIP-2335's own test vectors (`shared/vectors/keystore/`): both keystores, one under scrypt and
//! one under PBKDF2, decrypt with the EIP's password to the published secret, whose BLS public
//! key is the one each file names — which checks the key derivation, the checksum, the cipher and
//! the BLS library at once.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use restake_client::keystore::{Keystore, KeystoreError};

const SECRET: &str = "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f";
const PASSWORD: &str = "𝔱𝔢𝔰𝔱𝔭𝔞𝔰𝔰𝔴𝔬𝔯𝔡🔑";

fn vector(name: &str) -> Keystore {
    let path = format!(
        "{}/../../../shared/vectors/keystore/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).expect("the shared vectors are beside the repo");
    Keystore::from_json(&text).unwrap()
}

#[test]
fn both_eip_2335_vectors_decrypt_to_the_published_secret_and_public_key() {
    for name in ["eip2335_scrypt.json", "eip2335_pbkdf2.json"] {
        let ks = vector(name);
        let sk = ks.decrypt(PASSWORD).unwrap();
        assert_eq!(
            alloy_primitives::hex::encode(sk.to_bytes()),
            SECRET,
            "{name}"
        );
        assert_eq!(
            alloy_primitives::hex::encode(sk.public().to_bytes()),
            ks.pubkey.clone().unwrap(),
            "{name}"
        );
        assert!(
            matches!(ks.decrypt("testpassword"), Err(KeystoreError::Checksum)),
            "{name}: the password without its key emoji is another password"
        );
    }
}
