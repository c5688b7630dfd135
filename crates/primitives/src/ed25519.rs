//! The one place where ed25519 (RFC 8032) keys and signatures are made and checked: the
//! consensus keys of validators.
//!
//! ed25519 libraries disagree at the edges — non-canonical point encodings, small-order keys,
//! `S` not reduced below the group order, cofactored against cofactorless equations — and every
//! validator must reach the same verdict on every vote, so this wrapper fixes one strict rule set
//! and checks the cheap forms *before* any curve arithmetic:
//!
//! - a public key is 32 bytes that decompress to a curve point, re-encode to the same bytes and
//!   are not of small order;
//! - a signature is 64 bytes `R || S` with `S` canonical (`S < ℓ`), `R` a canonical encoding not
//!   of small order, and the cofactorless equation `[S]B = R + [k]A` holding exactly
//!   (ed25519-dalek's `verify_strict`).
//!
//! A consensus key is not an Ethereum account: its [`PublicKey::address`] is
//! `keccak256(public key)[12..]`, an identity in validator sets and certificates only, and no
//! ed25519 key can produce a secp256k1 signature.

use alloy_primitives::{Address, keccak256};
use curve25519_dalek::edwards::CompressedEdwardsY;
use curve25519_dalek::scalar::Scalar;
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use thiserror::Error;

/// Length of a public key, in bytes.
pub const PUBLIC_KEY_LEN: usize = 32;
/// Length of a signature, in bytes.
pub const SIGNATURE_LEN: usize = 64;
/// Length of a secret seed, in bytes.
pub const SEED_LEN: usize = 32;

/// Why an ed25519 key or signature was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum Ed25519Error {
    /// Not 32 bytes.
    #[error("ed25519 public key must be 32 bytes, got {0}")]
    KeyLength(usize),
    /// Not 64 bytes.
    #[error("ed25519 signature must be 64 bytes, got {0}")]
    SignatureLength(usize),
    /// Not the encoding of a curve point, or not its canonical encoding.
    #[error("ed25519 public key is not a canonical encoding of a curve point")]
    NonCanonicalKey,
    /// A point of small order: anyone could sign for it.
    #[error("ed25519 public key is of small order")]
    WeakKey,
    /// `S` is not reduced below the group order.
    #[error("ed25519 signature S is not canonical (S >= l)")]
    NonCanonicalS,
    /// The equation does not hold, or `R` is not a canonical point of large order.
    #[error("ed25519 signature does not verify")]
    BadSignature,
}

/// A validated public key: canonical and not of small order.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PublicKey([u8; PUBLIC_KEY_LEN]);

impl PublicKey {
    /// Parses and validates 32 bytes.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, Ed25519Error> {
        let raw: [u8; PUBLIC_KEY_LEN] = bytes
            .try_into()
            .map_err(|_| Ed25519Error::KeyLength(bytes.len()))?;
        Self::from_bytes(raw)
    }

    /// Validates 32 bytes: a canonical encoding of a point that is not of small order.
    pub fn from_bytes(raw: [u8; PUBLIC_KEY_LEN]) -> Result<Self, Ed25519Error> {
        let point = CompressedEdwardsY(raw)
            .decompress()
            .ok_or(Ed25519Error::NonCanonicalKey)?;
        // `decompress` reduces y modulo p and ignores nothing else; re-encoding catches y >= p and
        // the negative-zero x encodings.
        if point.compress().to_bytes() != raw {
            return Err(Ed25519Error::NonCanonicalKey);
        }
        if point.is_small_order() {
            return Err(Ed25519Error::WeakKey);
        }
        Ok(Self(raw))
    }

    /// The 32 encoded bytes.
    pub fn to_bytes(&self) -> [u8; PUBLIC_KEY_LEN] {
        self.0
    }

    /// The consensus identity of this key: `keccak256(key)[12..32]`.
    pub fn address(&self) -> Address {
        Address::from_word(keccak256(self.0))
    }

    /// Checks `signature` over `message` under the strict rules of this module.
    pub fn verify(&self, message: &[u8], signature: &Signature) -> Result<(), Ed25519Error> {
        let (_, s) = signature.0.split_at(32);
        let s: [u8; 32] = s.try_into().map_err(|_| Ed25519Error::NonCanonicalS)?;
        if Option::<Scalar>::from(Scalar::from_canonical_bytes(s)).is_none() {
            return Err(Ed25519Error::NonCanonicalS);
        }
        let key = VerifyingKey::from_bytes(&self.0).map_err(|_| Ed25519Error::NonCanonicalKey)?;
        key.verify_strict(message, &ed25519_dalek::Signature::from_bytes(&signature.0))
            .map_err(|_| Ed25519Error::BadSignature)
    }
}

/// Borsh: the 32 bytes; decoding refuses keys [`PublicKey::from_bytes`] refuses.
impl borsh::BorshSerialize for PublicKey {
    fn serialize<W: std::io::Write>(&self, writer: &mut W) -> std::io::Result<()> {
        writer.write_all(&self.0)
    }
}

impl borsh::BorshDeserialize for PublicKey {
    fn deserialize_reader<R: std::io::Read>(reader: &mut R) -> std::io::Result<Self> {
        let raw = <[u8; PUBLIC_KEY_LEN]>::deserialize_reader(reader)?;
        Self::from_bytes(raw)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()))
    }
}

/// JSON: `0x` and 64 hex digits; parsing refuses keys [`PublicKey::from_bytes`] refuses.
impl serde::Serialize for PublicKey {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&alloy_primitives::hex::encode_prefixed(self.0))
    }
}

impl<'de> serde::Deserialize<'de> for PublicKey {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = alloy_primitives::B256::deserialize(deserializer)?;
        Self::from_bytes(raw.0).map_err(serde::de::Error::custom)
    }
}

impl std::fmt::Display for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&alloy_primitives::hex::encode_prefixed(self.0))
    }
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "PublicKey({})",
            alloy_primitives::hex::encode_prefixed(self.0)
        )
    }
}

/// Sixty-four signature bytes `R || S`, as received; [`PublicKey::verify`] decides validity.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Signature([u8; SIGNATURE_LEN]);

impl Signature {
    /// Wraps 64 bytes.
    pub fn from_bytes(raw: [u8; SIGNATURE_LEN]) -> Self {
        Self(raw)
    }

    /// Wraps a slice of exactly 64 bytes.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, Ed25519Error> {
        let raw: [u8; SIGNATURE_LEN] = bytes
            .try_into()
            .map_err(|_| Ed25519Error::SignatureLength(bytes.len()))?;
        Ok(Self(raw))
    }

    /// The 64 bytes.
    pub fn to_bytes(&self) -> [u8; SIGNATURE_LEN] {
        self.0
    }
}

/// Borsh: the 64 bytes.
impl borsh::BorshSerialize for Signature {
    fn serialize<W: std::io::Write>(&self, writer: &mut W) -> std::io::Result<()> {
        writer.write_all(&self.0)
    }
}

impl borsh::BorshDeserialize for Signature {
    fn deserialize_reader<R: std::io::Read>(reader: &mut R) -> std::io::Result<Self> {
        Ok(Self(<[u8; SIGNATURE_LEN]>::deserialize_reader(reader)?))
    }
}

/// JSON: `0x` and 128 hex digits.
impl serde::Serialize for Signature {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&alloy_primitives::hex::encode_prefixed(self.0))
    }
}

impl<'de> serde::Deserialize<'de> for Signature {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = alloy_primitives::Bytes::deserialize(deserializer)?;
        Self::from_slice(&raw).map_err(serde::de::Error::custom)
    }
}

impl std::fmt::Debug for Signature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Signature({})",
            alloy_primitives::hex::encode_prefixed(self.0)
        )
    }
}

/// A secret key, made from a 32-byte seed (RFC 8032 §5.1.5); wiped from memory when dropped.
#[derive(Clone)]
pub struct SecretKey(SigningKey);

impl SecretKey {
    /// The key of a 32-byte seed.
    pub fn from_seed(seed: &[u8; SEED_LEN]) -> Self {
        Self(SigningKey::from_bytes(seed))
    }

    /// The seed, for writing a key file.
    pub fn seed(&self) -> [u8; SEED_LEN] {
        self.0.to_bytes()
    }

    /// The public key. A seed always gives a valid key (clamping leaves a large-order multiple).
    pub fn public(&self) -> PublicKey {
        PublicKey(self.0.verifying_key().to_bytes())
    }

    /// Signs `message`; deterministic: the same key and message give the same bytes.
    pub fn sign(&self, message: &[u8]) -> Signature {
        Signature(self.0.sign(message).to_bytes())
    }
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretKey({:?})", self.public())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::hex;
    use proptest::prelude::*;

    /// RFC 8032 §7.1, TEST 1, 2 and 3: (seed, public key, message, signature).
    const RFC8032: [(&str, &str, &str, &str); 3] = [
        (
            "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
            "",
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155\
             5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
        ),
        (
            "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
            "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
            "72",
            "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da\
             085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
        ),
        (
            "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
            "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
            "af82",
            "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac\
             18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
        ),
    ];

    /// The group order ℓ, little-endian.
    const ELL: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde,
        0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];

    fn arr<const N: usize>(s: &str) -> [u8; N] {
        hex::decode(s).unwrap().try_into().unwrap()
    }

    /// `S + ℓ` (little-endian addition): the same scalar, not reduced.
    fn plus_ell(s: [u8; 32]) -> [u8; 32] {
        let mut out = [0u8; 32];
        let mut carry = 0u16;
        for i in 0..32 {
            let v = u16::from(s[i]) + u16::from(ELL[i]) + carry;
            out[i] = (v & 0xff) as u8;
            carry = v >> 8;
        }
        out
    }

    #[test]
    fn the_rfc_8032_vectors_sign_and_verify_to_the_published_bytes() {
        for (seed, public, message, signature) in RFC8032 {
            let key = SecretKey::from_seed(&arr(seed));
            assert_eq!(hex::encode(key.public().to_bytes()), public);
            let message = hex::decode(message).unwrap();
            let signed = key.sign(&message);
            assert_eq!(hex::encode(signed.to_bytes()), signature);
            let public = PublicKey::from_bytes(arr(public)).unwrap();
            public
                .verify(&message, &Signature::from_bytes(arr(signature)))
                .unwrap();
        }
    }

    #[test]
    fn a_signature_over_another_message_or_under_another_key_is_refused() {
        let (seed, _, _, signature) = RFC8032[1];
        let key = SecretKey::from_seed(&arr(seed));
        let sig = Signature::from_bytes(arr(signature));
        assert_eq!(
            key.public().verify(b"s", &sig),
            Err(Ed25519Error::BadSignature)
        );
        let other = SecretKey::from_seed(&arr(RFC8032[2].0)).public();
        assert_eq!(other.verify(&[0x72], &sig), Err(Ed25519Error::BadSignature));
    }

    #[test]
    fn a_malleated_s_is_refused_before_the_curve_equation() {
        let (seed, _, message, signature) = RFC8032[2];
        let public = SecretKey::from_seed(&arr(seed)).public();
        let mut raw: [u8; 64] = arr(signature);
        let s: [u8; 32] = raw[32..].try_into().unwrap();
        raw[32..].copy_from_slice(&plus_ell(s));
        let message = hex::decode(message).unwrap();
        assert_eq!(
            public.verify(&message, &Signature::from_bytes(raw)),
            Err(Ed25519Error::NonCanonicalS)
        );
    }

    #[test]
    fn small_order_and_non_canonical_public_keys_are_refused() {
        // The identity point (y = 1): small order.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert_eq!(PublicKey::from_bytes(identity), Err(Ed25519Error::WeakKey));
        // The point of order 2 (y = -1 = p - 1).
        let mut order_two = [0xffu8; 32];
        order_two[0] = 0xec;
        order_two[31] = 0x7f;
        assert_eq!(PublicKey::from_bytes(order_two), Err(Ed25519Error::WeakKey));
        // y = p + 1, the non-canonical encoding of the identity.
        let mut above_p = [0xffu8; 32];
        above_p[0] = 0xee;
        above_p[31] = 0x7f;
        assert_eq!(
            PublicKey::from_bytes(above_p),
            Err(Ed25519Error::NonCanonicalKey)
        );
        // The identity with the sign bit set: x = 0 written as "negative".
        let mut negative_zero = identity;
        negative_zero[31] |= 0x80;
        assert_eq!(
            PublicKey::from_bytes(negative_zero),
            Err(Ed25519Error::NonCanonicalKey)
        );
        // y = 2 is not on the curve.
        let mut off_curve = [0u8; 32];
        off_curve[0] = 2;
        assert_eq!(
            PublicKey::from_bytes(off_curve),
            Err(Ed25519Error::NonCanonicalKey)
        );
        assert_eq!(
            PublicKey::from_slice(&[0u8; 31]),
            Err(Ed25519Error::KeyLength(31))
        );
        assert_eq!(
            Signature::from_slice(&[0u8; 65]),
            Err(Ed25519Error::SignatureLength(65))
        );
    }

    #[test]
    fn a_signature_with_a_small_order_r_is_refused_even_when_the_equation_holds() {
        // With R the identity and S = 0, [S]B = R + [k]A holds for A of small order only; with a
        // valid key it must fail, and it must fail as a bad signature, not a panic.
        let public = SecretKey::from_seed(&[7u8; 32]).public();
        let mut raw = [0u8; 64];
        raw[0] = 1;
        assert_eq!(
            public.verify(b"m", &Signature::from_bytes(raw)),
            Err(Ed25519Error::BadSignature)
        );
    }

    #[test]
    fn the_address_is_the_last_twenty_bytes_of_the_keccak_of_the_key() {
        let public = PublicKey::from_bytes(arr(RFC8032[0].1)).unwrap();
        let hash = keccak256(public.to_bytes());
        assert_eq!(public.address().as_slice(), &hash[12..]);
    }

    #[test]
    fn keys_and_signatures_round_trip_through_borsh_and_json_and_bad_keys_do_not_decode() {
        let key = SecretKey::from_seed(&[9u8; 32]);
        let public = key.public();
        let sig = key.sign(b"m");
        let bytes = borsh::to_vec(&(public, sig)).unwrap();
        assert_eq!(bytes.len(), 96);
        assert_eq!(
            borsh::from_slice::<(PublicKey, Signature)>(&bytes).unwrap(),
            (public, sig)
        );
        let json = serde_json::to_string(&(public, sig)).unwrap();
        assert_eq!(
            serde_json::from_str::<(PublicKey, Signature)>(&json).unwrap(),
            (public, sig)
        );
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert!(borsh::from_slice::<PublicKey>(&identity).is_err());
        let weak = format!("\"0x{}\"", hex::encode(identity));
        let err = serde_json::from_str::<PublicKey>(&weak)
            .unwrap_err()
            .to_string();
        assert!(err.contains("small order"), "{err}");
    }

    proptest! {
        #[test]
        fn every_seed_signs_what_its_key_verifies_and_a_flipped_bit_fails(
            seed in any::<[u8; 32]>(),
            message in proptest::collection::vec(any::<u8>(), 0..200),
            bit in 0usize..512,
        ) {
            let key = SecretKey::from_seed(&seed);
            let public = PublicKey::from_bytes(key.public().to_bytes()).unwrap();
            let sig = key.sign(&message);
            prop_assert_eq!(sig, key.sign(&message));
            prop_assert!(public.verify(&message, &sig).is_ok());
            let mut raw = sig.to_bytes();
            raw[bit / 8] ^= 1 << (bit % 8);
            prop_assert!(public.verify(&message, &Signature::from_bytes(raw)).is_err());
        }
    }
}
