//! The one place where BLS12-381 keys and signatures are made and checked: the aggregatable keys
//! operators register per operator set (ADR 0009).
//!
//! The scheme is Ethereum's: public keys in G1 (48 bytes compressed), signatures in G2 (96
//! bytes), the proof-of-possession ciphersuite of the IETF BLS draft
//! (`BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_`), and proofs of possession under their own
//! domain (`BLS_POP_…`), so a signature over a key's bytes is never a proof of possession and
//! the other way round. With possession proven at registration, signatures on one message
//! aggregate and verify against the sum of the signers' keys (rogue keys cannot be registered).
//!
//! Every encoding is checked before any pairing, and the rules are strict: a public key is 48
//! bytes that decompress to a point of G1 (on the curve, in the subgroup), not the identity, and
//! re-encode to the same bytes; a signature is 96 bytes that decompress to a point of G2, in the
//! subgroup, re-encoding to the same bytes; a secret is 32 big-endian bytes in `[1, r)`.

use blst::BLST_ERROR;
use blst::min_pk;
use thiserror::Error;

/// Length of a public key (G1, compressed), in bytes.
pub const PUBLIC_KEY_LEN: usize = 48;
/// Length of a signature (G2, compressed), in bytes.
pub const SIGNATURE_LEN: usize = 96;
/// Length of a secret key, in bytes.
pub const SECRET_LEN: usize = 32;

/// Domain of signatures over messages.
pub const DST_SIGN: &[u8] = b"BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";
/// Domain of proofs of possession (a signature over the key's own bytes).
pub const DST_POP: &[u8] = b"BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";

/// Why a BLS key or signature was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum BlsError {
    /// Not 48 bytes.
    #[error("BLS public key must be 48 bytes, got {0}")]
    KeyLength(usize),
    /// Not 96 bytes.
    #[error("BLS signature must be 96 bytes, got {0}")]
    SignatureLength(usize),
    /// Not 32 bytes.
    #[error("BLS secret key must be 32 bytes, got {0}")]
    SecretLength(usize),
    /// Zero, or not below the group order.
    #[error("BLS secret key is out of range")]
    SecretRange,
    /// Not a canonical compressed encoding of a curve point.
    #[error("BLS public key is not a canonical compressed G1 point")]
    KeyEncoding,
    /// The identity: it would verify anything aggregated with it.
    #[error("BLS public key is the identity")]
    KeyIdentity,
    /// On the curve, but outside the prime-order subgroup.
    #[error("BLS public key is not in the G1 subgroup")]
    KeyGroup,
    /// Not a canonical compressed encoding of a curve point.
    #[error("BLS signature is not a canonical compressed G2 point")]
    SignatureEncoding,
    /// On the curve, but outside the prime-order subgroup.
    #[error("BLS signature is not in the G2 subgroup")]
    SignatureGroup,
    /// Well formed, but not a signature of this message by this key (or keys).
    #[error("BLS signature does not verify")]
    Invalid,
    /// Nothing to aggregate.
    #[error("nothing to aggregate")]
    Empty,
}

/// A secret key.
#[derive(Clone)]
pub struct SecretKey(min_pk::SecretKey);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretKey({})", self.public())
    }
}

/// A public key of G1, checked.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PublicKey(min_pk::PublicKey);

/// A signature of G2, checked.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Signature(min_pk::Signature);

impl SecretKey {
    /// A key from its 32 big-endian bytes; zero and values not below the group order are refused.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, BlsError> {
        if bytes.len() != SECRET_LEN {
            return Err(BlsError::SecretLength(bytes.len()));
        }
        min_pk::SecretKey::from_bytes(bytes)
            .map(Self)
            .map_err(|_| BlsError::SecretRange)
    }

    /// A key derived from at least 32 bytes of input keying material (the IETF draft's KeyGen).
    pub fn derive(ikm: &[u8]) -> Result<Self, BlsError> {
        min_pk::SecretKey::key_gen(ikm, &[])
            .map(Self)
            .map_err(|_| BlsError::SecretLength(ikm.len()))
    }

    /// Its 32 big-endian bytes.
    pub fn to_bytes(&self) -> [u8; SECRET_LEN] {
        self.0.to_bytes()
    }

    /// Its public key.
    pub fn public(&self) -> PublicKey {
        PublicKey(self.0.sk_to_pk())
    }

    /// Signs `message`.
    pub fn sign(&self, message: &[u8]) -> Signature {
        Signature(self.0.sign(message, DST_SIGN, &[]))
    }

    /// The proof that whoever registers this key holds its secret: a signature over the key's
    /// bytes under the possession domain.
    pub fn prove_possession(&self) -> Signature {
        self.prove_possession_bound(&[])
    }

    /// A proof of possession bound to `context` (who registers the key, where, on which chain):
    /// a signature over the key's bytes followed by `context`, under the possession domain. With
    /// an empty context it is the standard proof; a bound one cannot be replayed by someone who
    /// copies the key into another registration.
    pub fn prove_possession_bound(&self, context: &[u8]) -> Signature {
        let message = [self.public().to_bytes().as_slice(), context].concat();
        Signature(self.0.sign(&message, DST_POP, &[]))
    }
}

impl PublicKey {
    /// A key from its compressed bytes, under the rules of the module.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, BlsError> {
        if bytes.len() != PUBLIC_KEY_LEN {
            return Err(BlsError::KeyLength(bytes.len()));
        }
        let key = min_pk::PublicKey::uncompress(bytes).map_err(|e| match e {
            BLST_ERROR::BLST_PK_IS_INFINITY => BlsError::KeyIdentity,
            _ => BlsError::KeyEncoding,
        })?;
        if key.compress().as_slice() != bytes {
            return Err(BlsError::KeyEncoding);
        }
        key.validate().map_err(|e| match e {
            BLST_ERROR::BLST_PK_IS_INFINITY => BlsError::KeyIdentity,
            _ => BlsError::KeyGroup,
        })?;
        Ok(Self(key))
    }

    /// Its compressed bytes.
    pub fn to_bytes(&self) -> [u8; PUBLIC_KEY_LEN] {
        self.0.compress()
    }

    /// Checks `signature` over `message` by this key.
    pub fn verify(&self, message: &[u8], signature: &Signature) -> Result<(), BlsError> {
        // Both points were checked when they were decoded.
        match signature
            .0
            .verify(false, message, DST_SIGN, &[], &self.0, false)
        {
            BLST_ERROR::BLST_SUCCESS => Ok(()),
            _ => Err(BlsError::Invalid),
        }
    }

    /// Checks that `proof` proves possession of this key's secret.
    pub fn verify_possession(&self, proof: &Signature) -> Result<(), BlsError> {
        self.verify_possession_bound(&[], proof)
    }

    /// Checks a proof of possession bound to `context`
    /// ([`SecretKey::prove_possession_bound`]).
    pub fn verify_possession_bound(
        &self,
        context: &[u8],
        proof: &Signature,
    ) -> Result<(), BlsError> {
        let message = [self.to_bytes().as_slice(), context].concat();
        match proof
            .0
            .verify(false, &message, DST_POP, &[], &self.0, false)
        {
            BLST_ERROR::BLST_SUCCESS => Ok(()),
            _ => Err(BlsError::Invalid),
        }
    }

    /// A key read back from where it was stored after the checks of [`PublicKey::from_bytes`]
    /// (a committed operator table, whose keys were checked when they were registered), or its
    /// negation: decompressed onto the curve without repeating the subgroup check, the costly
    /// part of decoding. Never for bytes that were not checked before.
    pub fn from_registered_bytes(bytes: &[u8], negate: bool) -> Result<Self, BlsError> {
        let mut b: [u8; PUBLIC_KEY_LEN] = bytes
            .try_into()
            .map_err(|_| BlsError::KeyLength(bytes.len()))?;
        if negate {
            // In the compressed encoding a point and its negation differ only in the sign bit
            // of y (0x20 of the first byte).
            b[0] ^= 0x20;
        }
        let key = min_pk::PublicKey::uncompress(&b).map_err(|e| match e {
            BLST_ERROR::BLST_PK_IS_INFINITY => BlsError::KeyIdentity,
            _ => BlsError::KeyEncoding,
        })?;
        Ok(Self(key))
    }

    /// `-self`.
    pub fn negate(&self) -> PublicKey {
        // The negation of a valid key decodes; keep the key rather than panic if it did not.
        Self::from_registered_bytes(&self.to_bytes(), true).unwrap_or(*self)
    }

    /// `self − Σ keys`: an aggregate of every key of a table less its non-signers, the key their
    /// signers' aggregate signature verifies against. Refused if it is the identity.
    pub fn subtract(&self, keys: &[PublicKey]) -> Result<PublicKey, BlsError> {
        let mut all = Vec::with_capacity(keys.len().saturating_add(1));
        all.push(*self);
        all.extend(keys.iter().map(PublicKey::negate));
        PublicKey::aggregate(&all)
    }

    /// The sum of `keys` (each checked when decoded): the key a signature aggregated from all of
    /// theirs on one message verifies against.
    pub fn aggregate(keys: &[PublicKey]) -> Result<PublicKey, BlsError> {
        let refs: Vec<&min_pk::PublicKey> = keys.iter().map(|k| &k.0).collect();
        if refs.is_empty() {
            return Err(BlsError::Empty);
        }
        let sum = min_pk::AggregatePublicKey::aggregate(&refs, false)
            .map_err(|_| BlsError::KeyEncoding)?
            .to_public_key();
        // A sum of keys can be the identity (a key and its negation): nothing verifies then. A
        // sum of subgroup points is one, so only the identity needs checking (by its encoding).
        let bytes = sum.compress();
        if bytes.first() == Some(&0xc0) && bytes.iter().skip(1).all(|b| *b == 0) {
            return Err(BlsError::KeyIdentity);
        }
        Ok(PublicKey(sum))
    }
}

impl Signature {
    /// A signature from its compressed bytes, under the rules of the module.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, BlsError> {
        if bytes.len() != SIGNATURE_LEN {
            return Err(BlsError::SignatureLength(bytes.len()));
        }
        let sig = min_pk::Signature::uncompress(bytes).map_err(|_| BlsError::SignatureEncoding)?;
        if sig.compress().as_slice() != bytes {
            return Err(BlsError::SignatureEncoding);
        }
        sig.validate(false).map_err(|_| BlsError::SignatureGroup)?;
        Ok(Self(sig))
    }

    /// Its compressed bytes.
    pub fn to_bytes(&self) -> [u8; SIGNATURE_LEN] {
        self.0.compress()
    }

    /// The sum of `signatures` (each checked when decoded).
    pub fn aggregate(signatures: &[Signature]) -> Result<Signature, BlsError> {
        let refs: Vec<&min_pk::Signature> = signatures.iter().map(|s| &s.0).collect();
        if refs.is_empty() {
            return Err(BlsError::Empty);
        }
        min_pk::AggregateSignature::aggregate(&refs, false)
            .map(|a| Signature(a.to_signature()))
            .map_err(|_| BlsError::SignatureEncoding)
    }
}

impl std::fmt::Display for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "0x{}", alloy_primitives::hex::encode(self.to_bytes()))
    }
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PublicKey({self})")
    }
}

impl std::fmt::Display for Signature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "0x{}", alloy_primitives::hex::encode(self.to_bytes()))
    }
}

impl std::fmt::Debug for Signature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Signature({self})")
    }
}

/// Checks `signature`, aggregated from signatures over `message`, against `keys` (each of which
/// proved possession when registered).
pub fn fast_aggregate_verify(
    keys: &[PublicKey],
    message: &[u8],
    signature: &Signature,
) -> Result<(), BlsError> {
    PublicKey::aggregate(keys)?.verify(message, signature)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::hex;

    /// Ethereum's BLS test vectors (github.com/ethereum/bls12-381-tests): secret keys, their
    /// public keys, and signatures of 32-byte messages.
    const SECRETS: [&str; 3] = [
        "263dbd792f5b1be47ed85f8938c0f29586af0d3ac7b977f21c278fe1462040e3",
        "47b8192d77bf871b62e87859d653922725724a5c031afeabc60bcef5ff665138",
        "328388aff0d4a5b7dc9205abd374e7e98f3cd9f3418edb4eafda5fb16473d216",
    ];
    const PUBLICS: [&str; 2] = [
        "a491d1b0ecd9bb917989f0e74f0dea0422eac4a873e5e2644f368dffb9a6e20fd6e10c1b77654d067c0618f6e5a7f79a",
        "b301803f8b5ac4a1133581fc676dfedc60d891dd5fa99028805e5ea5b08d3491af75d0707adab3b70c6a6a580217bf81",
    ];
    /// (secret index, message byte, signature).
    const SIGNED: [(usize, u8, &str); 3] = [
        (
            0,
            0x00,
            "b6ed936746e01f8ecf281f020953fbf1f01debd5657c4a383940b020b26507f6076334f91e2366c96e9ab279fb5158090352ea1c5b0c9274504f4f0e7053af24802e51e4568d164fe986834f41e55c8e850ce1f98458c0cfc9ab380b55285a55",
        ),
        (
            1,
            0x56,
            "af1390c3c47acdb37131a51216da683c509fce0e954328a59f93aebda7e4ff974ba208d9a4a2a2389f892a9d418d618418dd7f7a6bc7aa0da999a9d3a5b815bc085e14fd001f6a1948768a3f4afefc8b8240dda329f984cb345c6363272ba4fe",
        ),
        (
            2,
            0x56,
            "a4efa926610b8bd1c8330c918b7a5e9bf374e53435ef8b7ec186abf62e1b1f65aeaaeb365677ac1d1172a1f5b44b4e6d022c252c58486c0a759fbdc7de15a756acc4d343064035667a594b4c2a6f0b0b421975977f297dba63ee2f63ffe47bb6",
        ),
    ];

    fn secret(i: usize) -> SecretKey {
        SecretKey::from_bytes(&hex::decode(SECRETS[i]).unwrap()).unwrap()
    }

    #[test]
    fn the_published_vectors_derive_the_same_keys_and_signatures() {
        for (i, public) in PUBLICS.iter().enumerate() {
            assert_eq!(hex::encode(secret(i).public().to_bytes()), *public);
        }
        for (i, byte, expected) in SIGNED {
            let message = [byte; 32];
            let sig = secret(i).sign(&message);
            assert_eq!(hex::encode(sig.to_bytes()), expected);
            let decoded = Signature::from_bytes(&hex::decode(expected).unwrap()).unwrap();
            secret(i).public().verify(&message, &decoded).unwrap();
            assert_eq!(
                secret(i).public().verify(&[byte ^ 1; 32], &decoded),
                Err(BlsError::Invalid)
            );
        }
    }

    #[test]
    fn a_signature_verifies_only_for_its_key_and_message() {
        let (a, b) = (secret(0), secret(1));
        let sig = a.sign(b"answer 42");
        a.public().verify(b"answer 42", &sig).unwrap();
        assert_eq!(
            a.public().verify(b"answer 43", &sig),
            Err(BlsError::Invalid)
        );
        assert_eq!(
            b.public().verify(b"answer 42", &sig),
            Err(BlsError::Invalid)
        );
    }

    #[test]
    fn a_proof_of_possession_is_not_a_signature_of_the_keys_bytes_and_the_other_way_round() {
        let a = secret(0);
        let pop = a.prove_possession();
        a.public().verify_possession(&pop).unwrap();
        // The same bytes signed under the message domain prove nothing.
        let plain = a.sign(&a.public().to_bytes());
        assert_eq!(a.public().verify_possession(&plain), Err(BlsError::Invalid));
        assert_eq!(
            a.public().verify(&a.public().to_bytes(), &pop),
            Err(BlsError::Invalid)
        );
        // Another key's proof proves nothing for this key.
        assert_eq!(
            secret(1).public().verify_possession(&pop),
            Err(BlsError::Invalid)
        );
    }

    #[test]
    fn subtracting_keys_from_an_aggregate_leaves_the_others() {
        let sk: Vec<SecretKey> = (0..4u8)
            .map(|i| SecretKey::derive(&[i; 32]).unwrap())
            .collect();
        let keys: Vec<PublicKey> = sk.iter().map(SecretKey::public).collect();
        let all = PublicKey::aggregate(&keys).unwrap();
        let two = PublicKey::aggregate(&keys[..2]).unwrap();
        assert_eq!(all.subtract(&keys[2..]).unwrap(), two);
        assert_eq!(keys[0].negate().negate(), keys[0]);
        // A key minus itself is the identity, which verifies nothing: refused.
        assert_eq!(keys[0].subtract(&keys[..1]), Err(BlsError::KeyIdentity));
        // The signers' signature verifies against the aggregate less the non-signers.
        let message = b"m";
        let sig = Signature::aggregate(&[sk[0].sign(message), sk[1].sign(message)]).unwrap();
        all.subtract(&keys[2..])
            .unwrap()
            .verify(message, &sig)
            .unwrap();
        assert_eq!(
            all.subtract(&keys[3..]).unwrap().verify(message, &sig),
            Err(BlsError::Invalid)
        );
    }

    #[test]
    fn a_bound_proof_of_possession_holds_only_for_its_context() {
        let a = secret(0);
        let bound = a.prove_possession_bound(b"operator 1 in set 7");
        a.public()
            .verify_possession_bound(b"operator 1 in set 7", &bound)
            .unwrap();
        // Copied into another registration, or offered as the plain proof, it proves nothing.
        assert_eq!(
            a.public()
                .verify_possession_bound(b"operator 2 in set 7", &bound),
            Err(BlsError::Invalid)
        );
        assert_eq!(a.public().verify_possession(&bound), Err(BlsError::Invalid));
        // The empty context is the standard proof.
        a.public()
            .verify_possession_bound(&[], &a.prove_possession())
            .unwrap();
    }

    #[test]
    fn signatures_on_one_message_aggregate_and_verify_against_the_signers_only() {
        let keys: Vec<SecretKey> = (0..3).map(secret).collect();
        let publics: Vec<PublicKey> = keys.iter().map(SecretKey::public).collect();
        let message = b"price ETH/USD 3120.55 at task 7";
        let sigs: Vec<Signature> = keys.iter().map(|k| k.sign(message)).collect();
        let all = Signature::aggregate(&sigs).unwrap();
        fast_aggregate_verify(&publics, message, &all).unwrap();
        // Claiming a signer who did not sign, or leaving out one who did, fails.
        let two = Signature::aggregate(&sigs[..2]).unwrap();
        assert_eq!(
            fast_aggregate_verify(&publics, message, &two),
            Err(BlsError::Invalid)
        );
        fast_aggregate_verify(&publics[..2], message, &two).unwrap();
        assert_eq!(
            fast_aggregate_verify(&[], message, &two),
            Err(BlsError::Empty)
        );
        assert_eq!(Signature::aggregate(&[]), Err(BlsError::Empty));
    }

    #[test]
    fn bad_encodings_are_refused_before_any_pairing() {
        let key = secret(0).public().to_bytes();
        let sig = secret(0).sign(b"x").to_bytes();
        assert_eq!(
            PublicKey::from_bytes(&key[..47]),
            Err(BlsError::KeyLength(47))
        );
        assert_eq!(
            Signature::from_bytes(&sig[..95]),
            Err(BlsError::SignatureLength(95))
        );
        // The identity, compressed (flag bits 0b110 then zeros).
        let mut identity = [0u8; PUBLIC_KEY_LEN];
        identity[0] = 0xc0;
        assert_eq!(PublicKey::from_bytes(&identity), Err(BlsError::KeyIdentity));
        // Without the compression flag, or with an x past the field modulus.
        let mut uncompressed = key;
        uncompressed[0] &= 0x7f;
        assert!(PublicKey::from_bytes(&uncompressed).is_err());
        let mut too_big = [0xffu8; PUBLIC_KEY_LEN];
        too_big[0] = 0x9f;
        assert_eq!(PublicKey::from_bytes(&too_big), Err(BlsError::KeyEncoding));
        // A flipped sign bit is another point, or none: never this key.
        let mut flipped = key;
        flipped[0] ^= 0x20;
        assert_ne!(
            PublicKey::from_bytes(&flipped).ok(),
            Some(secret(0).public())
        );
        let mut bad_sig = sig;
        bad_sig[0] &= 0x7f;
        assert!(Signature::from_bytes(&bad_sig).is_err());
        // Secrets: zero and the group order itself are out of range.
        assert_eq!(
            SecretKey::from_bytes(&[0u8; 32]).err(),
            Some(BlsError::SecretRange)
        );
        let order = hex::decode("73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001")
            .unwrap();
        assert_eq!(
            SecretKey::from_bytes(&order).err(),
            Some(BlsError::SecretRange)
        );
        assert_eq!(
            SecretKey::from_bytes(&[1u8; 31]).err(),
            Some(BlsError::SecretLength(31))
        );
    }

    #[test]
    fn a_key_is_its_own_bytes_round_trip() {
        let k = secret(2);
        let back = SecretKey::from_bytes(&k.to_bytes()).unwrap();
        assert_eq!(back.public(), k.public());
        let public = PublicKey::from_bytes(&k.public().to_bytes()).unwrap();
        assert_eq!(public, k.public());
        let derived = SecretKey::derive(&[7u8; 32]).unwrap();
        assert_eq!(
            SecretKey::derive(&[7u8; 32]).unwrap().public(),
            derived.public()
        );
        assert!(SecretKey::derive(&[7u8; 16]).is_err());
    }
}
