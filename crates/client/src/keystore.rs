//! Encrypted key files in the two formats Ethereum's tools read and write:
//!
//! - [`Keystore`]: EIP-2335 (version 4), for BLS12-381 keys: a password-derived key (scrypt or
//!   PBKDF2-HMAC-SHA256), a SHA-256 checksum that tells a wrong password from a damaged file,
//!   and the secret under AES-128-CTR. Passwords are processed as the EIP says: NFKD-normalised,
//!   control codes (C0, C1 and DEL) removed, UTF-8.
//! - [`Web3Keystore`]: Web3 Secret Storage (version 3), for secp256k1 account keys (geth,
//!   MetaMask exports, eth-account): the same derivations and cipher, a Keccak-256 MAC, and the
//!   password's UTF-8 bytes as given.
//!
//! Key-derivation parameters come from the file, so they are bounded (memory and time) before
//! anything is derived.

use aes::Aes128;
use ctr::cipher::{KeyIvInit, StreamCipher};
use restake_primitives::bls::{self, BlsError};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use thiserror::Error;
use unicode_normalization::UnicodeNormalization;

/// Largest scrypt cost accepted from a file (`n`, 2^20: 1 GiB of memory at `r = 8`).
pub const MAX_SCRYPT_N: u32 = 1 << 20;
/// Largest scrypt block size accepted from a file.
pub const MAX_SCRYPT_R: u32 = 16;
/// Largest PBKDF2 iteration count accepted from a file.
pub const MAX_PBKDF2_C: u32 = 10_000_000;
/// Largest scrypt parallelism accepted from a file (the cost grows linearly with it).
pub const MAX_SCRYPT_P: u32 = 16;

/// Why a key file could not be opened or written.
#[derive(Debug, Error)]
pub enum KeystoreError {
    /// Not a version-4 keystore.
    #[error("keystore version {0} is not supported (only 4, EIP-2335)")]
    Version(u32),
    /// A function the format allows no other of.
    #[error("unsupported {what} function {name:?}")]
    Function {
        /// Which part (kdf, checksum, cipher).
        what: &'static str,
        /// The function named in the file.
        name: String,
    },
    /// Parameters missing, malformed or beyond the bounds.
    #[error("bad {0} parameters")]
    Params(&'static str),
    /// Not hex, or of the wrong length.
    #[error("bad hex in {0}")]
    Hex(&'static str),
    /// The checksum does not match: the password is wrong (or the file damaged).
    #[error("wrong password (the keystore's checksum does not match)")]
    Checksum,
    /// The decrypted secret is not a BLS key.
    #[error("the decrypted secret is not a BLS key: {0}")]
    Key(#[from] BlsError),
    /// The decrypted key's public key is not the one the file names.
    #[error("the file names public key {named}, the secret's is {derived}")]
    PublicKey {
        /// In the file.
        named: String,
        /// Derived from the secret.
        derived: String,
    },
    /// Not JSON of the format.
    #[error("not an EIP-2335 keystore: {0}")]
    Json(#[from] serde_json::Error),
}

/// One module (kdf, checksum or cipher) of the `crypto` object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Module {
    /// Its function.
    pub function: String,
    /// Its parameters.
    pub params: serde_json::Map<String, serde_json::Value>,
    /// Its message (hex).
    pub message: String,
}

/// The `crypto` object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Crypto {
    /// Key derivation.
    pub kdf: Module,
    /// Password check.
    pub checksum: Module,
    /// The encrypted secret.
    pub cipher: Module,
}

/// An EIP-2335 keystore file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Keystore {
    /// The encrypted secret.
    pub crypto: Crypto,
    /// A free description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The public key (hex, no `0x`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pubkey: Option<String>,
    /// The EIP-2334 derivation path, if any (empty when none).
    #[serde(default)]
    pub path: String,
    /// A UUID.
    pub uuid: String,
    /// 4.
    pub version: u32,
}

/// How a new keystore derives its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kdf {
    /// scrypt with `n = 2^log_n`, `r`, `p`.
    Scrypt {
        /// log2 of the cost.
        log_n: u8,
        /// Block size.
        r: u32,
        /// Parallelism.
        p: u32,
    },
    /// PBKDF2-HMAC-SHA256 with `c` iterations.
    Pbkdf2 {
        /// Iterations.
        c: u32,
    },
}

impl Kdf {
    /// EIP-2335's own choice: scrypt, `n = 2^18`, `r = 8`, `p = 1`.
    pub const STANDARD: Kdf = Kdf::Scrypt {
        log_n: 18,
        r: 8,
        p: 1,
    };
}

impl Kdf {
    /// The kdf module a new file records (parameters and salt).
    fn module(self, salt: [u8; 32]) -> Result<Module, KeystoreError> {
        let mut params = serde_json::Map::new();
        params.insert("dklen".into(), 32.into());
        params.insert("salt".into(), hex(salt).into());
        let function = match self {
            Kdf::Scrypt { log_n, r, p } => {
                let n = 1u32
                    .checked_shl(u32::from(log_n))
                    .ok_or(KeystoreError::Params("scrypt"))?;
                params.insert("n".into(), n.into());
                params.insert("r".into(), r.into());
                params.insert("p".into(), p.into());
                "scrypt"
            }
            Kdf::Pbkdf2 { c } => {
                params.insert("c".into(), c.into());
                params.insert("prf".into(), "hmac-sha256".into());
                "pbkdf2"
            }
        };
        Ok(Module {
            function: function.into(),
            params,
            message: String::new(),
        })
    }
}

fn hex(b: impl AsRef<[u8]>) -> String {
    alloy_primitives::hex::encode(b)
}

/// The password as bytes, by EIP-2335's rules: NFKD, without control codes, UTF-8.
pub fn password_bytes(password: &str) -> Vec<u8> {
    password
        .nfkd()
        .filter(|c| !matches!(u32::from(*c), 0x00..=0x1f | 0x7f | 0x80..=0x9f))
        .collect::<String>()
        .into_bytes()
}

fn hex_field(v: &str, what: &'static str) -> Result<Vec<u8>, KeystoreError> {
    alloy_primitives::hex::decode(v).map_err(|_| KeystoreError::Hex(what))
}

fn param_u32(m: &Module, key: &str, what: &'static str) -> Result<u32, KeystoreError> {
    m.params
        .get(key)
        .and_then(serde_json::Value::as_u64)
        .and_then(|v| u32::try_from(v).ok())
        .ok_or(KeystoreError::Params(what))
}

fn param_str<'a>(m: &'a Module, key: &str, what: &'static str) -> Result<&'a str, KeystoreError> {
    m.params
        .get(key)
        .and_then(serde_json::Value::as_str)
        .ok_or(KeystoreError::Params(what))
}

/// The 32-byte decryption key the file's kdf derives from `password`.
fn derive_key(kdf: &Module, password: &[u8]) -> Result<[u8; 32], KeystoreError> {
    if param_u32(kdf, "dklen", "kdf")? != 32 {
        return Err(KeystoreError::Params("kdf"));
    }
    let salt = hex_field(param_str(kdf, "salt", "kdf")?, "kdf salt")?;
    let mut key = [0u8; 32];
    match kdf.function.as_str() {
        "scrypt" => {
            let n = param_u32(kdf, "n", "scrypt")?;
            let r = param_u32(kdf, "r", "scrypt")?;
            let p = param_u32(kdf, "p", "scrypt")?;
            if !n.is_power_of_two()
                || !(2..=MAX_SCRYPT_N).contains(&n)
                || !(1..=MAX_SCRYPT_R).contains(&r)
                || !(1..=MAX_SCRYPT_P).contains(&p)
                || u64::from(r).saturating_mul(u64::from(p)) > u64::from(MAX_SCRYPT_R)
            {
                return Err(KeystoreError::Params("scrypt"));
            }
            let log_n =
                u8::try_from(n.trailing_zeros()).map_err(|_| KeystoreError::Params("scrypt"))?;
            let params = scrypt::Params::new(log_n, r, p, key.len())
                .map_err(|_| KeystoreError::Params("scrypt"))?;
            scrypt::scrypt(password, &salt, &params, &mut key)
                .map_err(|_| KeystoreError::Params("scrypt"))?;
        }
        "pbkdf2" => {
            let c = param_u32(kdf, "c", "pbkdf2")?;
            if param_str(kdf, "prf", "pbkdf2")? != "hmac-sha256" || c == 0 || c > MAX_PBKDF2_C {
                return Err(KeystoreError::Params("pbkdf2"));
            }
            pbkdf2::pbkdf2_hmac::<Sha256>(password, &salt, c, &mut key);
        }
        other => {
            return Err(KeystoreError::Function {
                what: "kdf",
                name: other.to_string(),
            });
        }
    }
    Ok(key)
}

fn checksum(key: &[u8; 32], cipher_message: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(key.get(16..).unwrap_or_default());
    h.update(cipher_message);
    h.finalize().into()
}

fn aes_128_ctr(key: &[u8; 32], iv: &[u8], data: &mut [u8]) -> Result<(), KeystoreError> {
    let k: [u8; 16] = key
        .get(..16)
        .and_then(|k| k.try_into().ok())
        .ok_or(KeystoreError::Params("cipher"))?;
    let iv: [u8; 16] = iv.try_into().map_err(|_| KeystoreError::Hex("cipher iv"))?;
    let mut c = ctr::Ctr128BE::<Aes128>::new(&k.into(), &iv.into());
    c.apply_keystream(data);
    Ok(())
}

impl Keystore {
    /// Reads a keystore's JSON.
    pub fn from_json(text: &str) -> Result<Self, KeystoreError> {
        let k: Keystore = serde_json::from_str(text)?;
        if k.version != 4 {
            return Err(KeystoreError::Version(k.version));
        }
        Ok(k)
    }

    /// Decrypts the BLS secret with `password` (as typed: processed here), and checks that its
    /// public key is the one the file names.
    pub fn decrypt(&self, password: &str) -> Result<bls::SecretKey, KeystoreError> {
        let key = derive_key(&self.crypto.kdf, &password_bytes(password))?;
        if self.crypto.checksum.function != "sha256" {
            return Err(KeystoreError::Function {
                what: "checksum",
                name: self.crypto.checksum.function.clone(),
            });
        }
        if self.crypto.cipher.function != "aes-128-ctr" {
            return Err(KeystoreError::Function {
                what: "cipher",
                name: self.crypto.cipher.function.clone(),
            });
        }
        let mut secret = hex_field(&self.crypto.cipher.message, "cipher message")?;
        let expected = hex_field(&self.crypto.checksum.message, "checksum")?;
        if checksum(&key, &secret).as_slice() != expected.as_slice() {
            return Err(KeystoreError::Checksum);
        }
        let iv = hex_field(param_str(&self.crypto.cipher, "iv", "cipher")?, "cipher iv")?;
        aes_128_ctr(&key, &iv, &mut secret)?;
        let sk = bls::SecretKey::from_bytes(&secret)?;
        if let Some(named) = &self.pubkey {
            let derived = alloy_primitives::hex::encode(sk.public().to_bytes());
            if named.trim_start_matches("0x").to_ascii_lowercase() != derived {
                return Err(KeystoreError::PublicKey {
                    named: named.clone(),
                    derived,
                });
            }
        }
        Ok(sk)
    }

    /// Encrypts `secret` under `password` with `kdf`; `salt` (32 bytes), `iv` (16 bytes) and
    /// `uuid` come from the caller's randomness.
    pub fn encrypt(
        secret: &bls::SecretKey,
        password: &str,
        kdf: Kdf,
        salt: [u8; 32],
        iv: [u8; 16],
        uuid: String,
        description: Option<String>,
    ) -> Result<Self, KeystoreError> {
        let kdf_module = kdf.module(salt)?;
        let key = derive_key(&kdf_module, &password_bytes(password))?;
        let mut message = secret.to_bytes().to_vec();
        aes_128_ctr(&key, &iv, &mut message)?;
        let mut cipher_params = serde_json::Map::new();
        cipher_params.insert("iv".into(), hex(iv).into());
        Ok(Keystore {
            crypto: Crypto {
                checksum: Module {
                    function: "sha256".into(),
                    params: serde_json::Map::new(),
                    message: hex(checksum(&key, &message)),
                },
                cipher: Module {
                    function: "aes-128-ctr".into(),
                    params: cipher_params,
                    message: hex(message),
                },
                kdf: kdf_module,
            },
            description,
            pubkey: Some(hex(secret.public().to_bytes())),
            path: String::new(),
            uuid,
            version: 4,
        })
    }
}

/// The `crypto` object of a version-3 file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Web3Crypto {
    /// `aes-128-ctr`.
    pub cipher: String,
    /// `{iv}`.
    pub cipherparams: serde_json::Map<String, serde_json::Value>,
    /// The encrypted secret (hex).
    pub ciphertext: String,
    /// `scrypt` or `pbkdf2`.
    pub kdf: String,
    /// The kdf's parameters (`dklen`, `salt`, and `n`, `r`, `p` or `c`, `prf`).
    pub kdfparams: serde_json::Map<String, serde_json::Value>,
    /// `keccak256(derivedKey[16..32] ‖ ciphertext)` (hex).
    pub mac: String,
}

/// A Web3 Secret Storage file (version 3): an encrypted secp256k1 account key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Web3Keystore {
    /// The encrypted key (`Crypto` in some writers).
    #[serde(alias = "Crypto")]
    pub crypto: Web3Crypto,
    /// The account's address (hex, no `0x`), if the writer put it in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// A UUID.
    pub id: String,
    /// 3.
    pub version: u32,
}

impl Web3Keystore {
    /// Reads a version-3 file's JSON.
    pub fn from_json(text: &str) -> Result<Self, KeystoreError> {
        let k: Web3Keystore = serde_json::from_str(text)?;
        if k.version != 3 {
            return Err(KeystoreError::Version(k.version));
        }
        Ok(k)
    }

    /// Decrypts the 32-byte account secret with `password` (its UTF-8 bytes, as given).
    pub fn decrypt(&self, password: &str) -> Result<[u8; 32], KeystoreError> {
        let c = &self.crypto;
        let kdf = Module {
            function: c.kdf.clone(),
            params: c.kdfparams.clone(),
            message: String::new(),
        };
        let key = derive_key(&kdf, password.as_bytes())?;
        if c.cipher != "aes-128-ctr" {
            return Err(KeystoreError::Function {
                what: "cipher",
                name: c.cipher.clone(),
            });
        }
        let mut secret = hex_field(&c.ciphertext, "ciphertext")?;
        let mac = alloy_primitives::keccak256(
            [key.get(16..).unwrap_or_default(), secret.as_slice()].concat(),
        );
        if hex_field(&c.mac, "mac")?.as_slice() != mac.as_slice() {
            return Err(KeystoreError::Checksum);
        }
        let iv = c
            .cipherparams
            .get("iv")
            .and_then(serde_json::Value::as_str)
            .ok_or(KeystoreError::Params("cipher"))?;
        aes_128_ctr(&key, &hex_field(iv, "cipher iv")?, &mut secret)?;
        secret
            .try_into()
            .map_err(|_| KeystoreError::Params("ciphertext length"))
    }
}

impl Web3Keystore {
    /// Encrypts a 32-byte account secret under `password` with `kdf` (Web3 Secret Storage's
    /// usual choice is scrypt, `n = 2^18`, `r = 8`, `p = 1`: [`Kdf::STANDARD`]); `salt`, `iv`
    /// and `id` come from the caller's randomness. `address` is the account's, as geth writes it.
    pub fn encrypt(
        secret: &[u8; 32],
        address: &str,
        password: &str,
        kdf: Kdf,
        salt: [u8; 32],
        iv: [u8; 16],
        id: String,
    ) -> Result<Self, KeystoreError> {
        let kdf_module = kdf.module(salt)?;
        let key = derive_key(&kdf_module, password.as_bytes())?;
        let mut ciphertext = secret.to_vec();
        aes_128_ctr(&key, &iv, &mut ciphertext)?;
        let mac = alloy_primitives::keccak256(
            [key.get(16..).unwrap_or_default(), ciphertext.as_slice()].concat(),
        );
        let mut cipherparams = serde_json::Map::new();
        cipherparams.insert("iv".into(), hex(iv).into());
        Ok(Web3Keystore {
            crypto: Web3Crypto {
                cipher: "aes-128-ctr".into(),
                cipherparams,
                ciphertext: hex(ciphertext),
                kdf: kdf_module.function,
                kdfparams: kdf_module.params,
                mac: hex(mac),
            },
            address: Some(address.trim_start_matches("0x").to_ascii_lowercase()),
            id,
            version: 3,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn a_password_is_normalised_and_stripped_of_control_codes() {
        // EIP-2335's test password and its processed bytes (shared/vectors/keystore/README.md).
        assert_eq!(
            alloy_primitives::hex::encode(password_bytes("𝔱𝔢𝔰𝔱𝔭𝔞𝔰𝔰𝔴𝔬𝔯𝔡🔑")),
            "7465737470617373776f7264f09f9491"
        );
        assert_eq!(password_bytes("a\u{7f}b\u{1}c\u{85}"), b"abc");
    }

    #[test]
    fn a_new_keystore_opens_with_its_password_only_and_names_its_key() {
        let sk = bls::SecretKey::derive(&[9u8; 32]).unwrap();
        // A light PBKDF2 keeps the test quick; the format is the same.
        let ks = Keystore::encrypt(
            &sk,
            "correct horse",
            Kdf::Pbkdf2 { c: 16 },
            [1u8; 32],
            [2u8; 16],
            "00000000-0000-4000-8000-000000000000".into(),
            None,
        )
        .unwrap();
        let text = serde_json::to_string(&ks).unwrap();
        let back = Keystore::from_json(&text).unwrap();
        assert_eq!(back.decrypt("correct horse").unwrap().public(), sk.public());
        assert!(matches!(
            back.decrypt("wrong"),
            Err(KeystoreError::Checksum)
        ));
        // A file that names another key is refused even with the right password.
        let mut other = back.clone();
        other.pubkey = Some(alloy_primitives::hex::encode(
            bls::SecretKey::derive(&[8u8; 32])
                .unwrap()
                .public()
                .to_bytes(),
        ));
        assert!(matches!(
            other.decrypt("correct horse"),
            Err(KeystoreError::PublicKey { .. })
        ));
    }

    #[test]
    fn a_new_web3_keystore_opens_with_its_password_only() {
        let secret = [7u8; 32];
        let ks = Web3Keystore::encrypt(
            &secret,
            "0xAbC",
            "pw",
            Kdf::Pbkdf2 { c: 16 },
            [1u8; 32],
            [2u8; 16],
            "id".into(),
        )
        .unwrap();
        let back = Web3Keystore::from_json(&serde_json::to_string(&ks).unwrap()).unwrap();
        assert_eq!(back.decrypt("pw").unwrap(), secret);
        assert_eq!(back.address.as_deref(), Some("abc"));
        assert!(matches!(back.decrypt("Pw"), Err(KeystoreError::Checksum)));
    }

    #[test]
    fn files_with_unknown_functions_or_unbounded_costs_are_refused_before_deriving() {
        let sk = bls::SecretKey::derive(&[9u8; 32]).unwrap();
        let ks = Keystore::encrypt(
            &sk,
            "pw",
            Kdf::Pbkdf2 { c: 16 },
            [1u8; 32],
            [2u8; 16],
            "u".into(),
            None,
        )
        .unwrap();
        let mut v = serde_json::to_value(&ks).unwrap();
        v["version"] = 3.into();
        assert!(matches!(
            Keystore::from_json(&v.to_string()),
            Err(KeystoreError::Version(3))
        ));
        let mut huge = ks.clone();
        huge.crypto
            .kdf
            .params
            .insert("c".into(), (MAX_PBKDF2_C + 1).into());
        assert!(matches!(huge.decrypt("pw"), Err(KeystoreError::Params(_))));
        let mut scrypt_huge = ks.clone();
        scrypt_huge.crypto.kdf.function = "scrypt".into();
        for (k, val) in [("n", 1u64 << 30), ("r", 8), ("p", 1)] {
            scrypt_huge.crypto.kdf.params.insert(k.into(), val.into());
        }
        assert!(matches!(
            scrypt_huge.decrypt("pw"),
            Err(KeystoreError::Params(_))
        ));
        let mut argon = ks;
        argon.crypto.kdf.function = "argon2".into();
        assert!(matches!(
            argon.decrypt("pw"),
            Err(KeystoreError::Function { .. })
        ));
        assert!(Keystore::from_json("{}").is_err());
    }
}
