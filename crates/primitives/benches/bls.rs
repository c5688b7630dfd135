//! BLS12-381 on one core, at the size the issue sets for certificates: 200 operators, 10% of
//! them not signing. What a verifier does for a certificate is to decode and sum the signers'
//! keys (here: the total minus the non-signers', the usual shortcut) and check one aggregate
//! signature with one pairing equation.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, missing_docs)]

use divan::{Bencher, black_box};
use restake_primitives::bls::{PublicKey, SecretKey, Signature, fast_aggregate_verify};

fn main() {
    divan::main();
}

const OPERATORS: usize = 200;
const SIGNERS: usize = 180;

fn keys() -> Vec<SecretKey> {
    (0..OPERATORS)
        .map(|i| {
            let mut ikm = [7u8; 32];
            ikm[..8].copy_from_slice(&(i as u64).to_be_bytes());
            SecretKey::derive(&ikm).unwrap()
        })
        .collect()
}

#[divan::bench]
fn sign(bencher: Bencher) {
    let k = &keys()[0];
    bencher.bench(|| k.sign(black_box(b"price ETH/USD 3120.55 at task 7")));
}

#[divan::bench]
fn verify_one(bencher: Bencher) {
    let k = &keys()[0];
    let sig = k.sign(b"m");
    let public = k.public();
    bencher.bench(|| public.verify(black_box(b"m"), black_box(&sig)).unwrap());
}

#[divan::bench]
fn decode_public_key(bencher: Bencher) {
    let bytes = keys()[0].public().to_bytes();
    bencher.bench(|| PublicKey::from_bytes(black_box(&bytes)).unwrap());
}

#[divan::bench]
fn decode_signature(bencher: Bencher) {
    let bytes = keys()[0].sign(b"m").to_bytes();
    bencher.bench(|| Signature::from_bytes(black_box(&bytes)).unwrap());
}

/// A certificate of 180 of 200 signers from already-decoded keys (a stake table held in memory).
#[divan::bench]
fn certificate_180_of_200_keys_in_memory(bencher: Bencher) {
    let keys = keys();
    let message = b"task 7: 3120.55";
    let publics: Vec<PublicKey> = keys.iter().map(SecretKey::public).collect();
    let sigs: Vec<Signature> = keys[..SIGNERS].iter().map(|k| k.sign(message)).collect();
    let aggregate = Signature::aggregate(&sigs).unwrap();
    bencher.bench(|| {
        fast_aggregate_verify(
            black_box(&publics[..SIGNERS]),
            message,
            black_box(&aggregate),
        )
        .unwrap()
    });
}

/// The same from bytes: every signer's key and the aggregate signature decoded and checked first
/// (subgroup checks included), as a light client or another chain's verifier would.
#[divan::bench]
fn certificate_180_of_200_from_bytes(bencher: Bencher) {
    let keys = keys();
    let message = b"task 7: 3120.55";
    let publics: Vec<[u8; 48]> = keys[..SIGNERS]
        .iter()
        .map(|k| k.public().to_bytes())
        .collect();
    let sigs: Vec<Signature> = keys[..SIGNERS].iter().map(|k| k.sign(message)).collect();
    let aggregate = Signature::aggregate(&sigs).unwrap().to_bytes();
    bencher.bench(|| {
        let decoded: Vec<PublicKey> = publics
            .iter()
            .map(|b| PublicKey::from_bytes(b).unwrap())
            .collect();
        let sig = Signature::from_bytes(black_box(&aggregate)).unwrap();
        fast_aggregate_verify(&decoded, message, &sig).unwrap()
    });
}
