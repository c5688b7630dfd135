//! The one place where signatures are checked and recovered.
//!
//! Libraries disagree on non-canonical signatures (high-S, odd `v` values), and nodes must never
//! disagree, so every signature is checked for canonical form *before* recovery:
//! 65 bytes `r || s || v`, `v` in `{0, 1, 27, 28}`, `0 < r < n`, `0 < s <= n/2` (EIP-2).
//! Recovery then runs through alloy-primitives on libsecp256k1.

use alloy_primitives::{Address, B256, Signature, U256};
use thiserror::Error;

/// Order of the secp256k1 group.
const SECP256K1_N: U256 = U256::from_be_slice(&[
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE,
    0xBA, 0xAE, 0xDC, 0xE6, 0xAF, 0x48, 0xA0, 0x3B, 0xBF, 0xD2, 0x5E, 0x8C, 0xD0, 0x36, 0x41, 0x41,
]);

/// Half the group order: the largest canonical `s` (EIP-2).
const SECP256K1_HALF_N: U256 = U256::from_be_slice(&[
    0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0x5D, 0x57, 0x6E, 0x73, 0x57, 0xA4, 0x50, 0x1D, 0xDF, 0xE9, 0x2F, 0x46, 0x68, 0x1B, 0x20, 0xA0,
]);

/// Why a signature was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum SignatureError {
    /// Not 65 bytes.
    #[error("signature must be 65 bytes, got {0}")]
    InvalidLength(usize),
    /// `v` is not 0, 1, 27 or 28.
    #[error("signature recovery id v={0} is not 0, 1, 27 or 28")]
    InvalidV(u8),
    /// `r` is zero or not below the group order.
    #[error("signature r is zero or out of range")]
    InvalidR,
    /// `s` is zero.
    #[error("signature s is zero")]
    ZeroS,
    /// `s` is in the upper half of the group order (EIP-2 forbids it).
    #[error("signature s is not canonical (high-S, EIP-2)")]
    HighS,
    /// The curve math found no public key.
    #[error("signature does not recover to a public key")]
    Unrecoverable,
}

/// A canonical, parsed signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CanonicalSignature(Signature);

impl CanonicalSignature {
    /// Parses `r || s || v` and enforces canonical form.
    pub fn parse(bytes: &[u8]) -> Result<Self, SignatureError> {
        let raw: &[u8; 65] = bytes
            .try_into()
            .map_err(|_| SignatureError::InvalidLength(bytes.len()))?;
        let (r, rest) = raw.split_at(32);
        let (s, v) = rest.split_at(32);
        let v = v
            .first()
            .copied()
            .ok_or(SignatureError::InvalidLength(bytes.len()))?;
        let parity = match v {
            0 | 27 => false,
            1 | 28 => true,
            other => return Err(SignatureError::InvalidV(other)),
        };
        let r = U256::from_be_slice(r);
        let s = U256::from_be_slice(s);
        if r.is_zero() || r >= SECP256K1_N {
            return Err(SignatureError::InvalidR);
        }
        if s.is_zero() {
            return Err(SignatureError::ZeroS);
        }
        if s > SECP256K1_HALF_N {
            return Err(SignatureError::HighS);
        }
        Ok(Self(Signature::new(r, s, parity)))
    }

    /// Recovers the signer of a 32-byte prehash (an EIP-712 digest).
    pub fn recover(&self, prehash: &B256) -> Result<Address, SignatureError> {
        self.0
            .recover_address_from_prehash(prehash)
            .map_err(|_| SignatureError::Unrecoverable)
    }

    /// The 65-byte `r || s || v` encoding with `v` in `{27, 28}`.
    pub fn to_bytes(&self) -> [u8; 65] {
        self.0.as_bytes()
    }
}

/// Parses, checks and recovers in one step.
pub fn recover_signer(prehash: &B256, signature: &[u8]) -> Result<Address, SignatureError> {
    CanonicalSignature::parse(signature)?.recover(prehash)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::{b256, hex};

    // Shape-only checks: these bytes are not a real signature; recovery is tested in core.
    const DIGEST: B256 = b256!("1c8aff950685c2ed4bc3174f3472287b56d9517b9c948127319a09a7a36deac8");

    fn sample() -> [u8; 65] {
        let mut sig = [0u8; 65];
        sig.copy_from_slice(&hex!(
            "1b8e5e9a1b2a6d7c6e5b8d9f4e2c1a3b5d7f9e1c3a5b7d9f1e3c5a7b9d1f3e5a"
            "2c4e6a8b0d2f4a6c8e0b2d4f6a8c0e2b4d6f8a0c2e4b6d8f0a2c4e6b8d0f2a41"
            "1b"
        ));
        sig
    }

    #[test]
    fn wrong_length_is_refused() {
        assert_eq!(
            recover_signer(&DIGEST, &[0u8; 64]),
            Err(SignatureError::InvalidLength(64))
        );
    }

    #[test]
    fn bad_v_is_refused() {
        let mut sig = sample();
        sig[64] = 2;
        assert_eq!(
            CanonicalSignature::parse(&sig),
            Err(SignatureError::InvalidV(2))
        );
    }

    #[test]
    fn zero_r_and_zero_s_are_refused() {
        let mut sig = sample();
        sig[..32].fill(0);
        assert_eq!(
            CanonicalSignature::parse(&sig),
            Err(SignatureError::InvalidR)
        );
        let mut sig = sample();
        sig[32..64].fill(0);
        assert_eq!(CanonicalSignature::parse(&sig), Err(SignatureError::ZeroS));
    }

    #[test]
    fn high_s_twin_is_refused() {
        let sig = sample();
        let s = U256::from_be_slice(&sig[32..64]);
        let mut twin = sig;
        twin[32..64].copy_from_slice(&(SECP256K1_N - s).to_be_bytes::<32>());
        twin[64] = 0x1c;
        assert_eq!(CanonicalSignature::parse(&twin), Err(SignatureError::HighS));
    }

    #[test]
    fn half_order_is_the_largest_canonical_s() {
        let mut sig = sample();
        sig[32..64].copy_from_slice(&SECP256K1_HALF_N.to_be_bytes::<32>());
        assert!(CanonicalSignature::parse(&sig).is_ok());
        sig[32..64].copy_from_slice(&(SECP256K1_HALF_N + U256::from(1)).to_be_bytes::<32>());
        assert_eq!(CanonicalSignature::parse(&sig), Err(SignatureError::HighS));
    }
}
