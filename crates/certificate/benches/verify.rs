//! The pure verifier on one core, at the size: a table of 200 operators, 20 of them (10%)
//! not signing. BLS: one aggregate signature and 20 non-signer witnesses (entry, Merkle proof, key
//! decoded and subtracted from the table's aggregate). ECDSA: 180 signer witnesses, each proven
//! and recovered. Also: building the table's tree and aggregate key.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    missing_docs
)]

use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use divan::{Bencher, black_box};
use restake_certificate::certificate::Policy;
use restake_certificate::{
    Certificate, CertificateProof, KeyScheme, OperatorTable, SignedWitness, TableEntry, TableTree,
    Threshold, Witness, message_digest, verify,
};
use restake_primitives::{OperatorSet, bls};

fn main() {
    divan::main();
}

const OPERATORS: usize = 200;
const ABSENT: usize = 20;
const HEIGHT: u64 = 1_000;

fn set() -> OperatorSet {
    OperatorSet::new(Address::repeat_byte(0xAA), 1)
}

fn policy() -> Policy {
    Policy {
        chain_id: 31337,
        now: HEIGHT,
        max_staleness: 100,
        threshold: Threshold::Proportion { bips: 6667 },
    }
}

fn digest() -> B256 {
    message_digest(31337, &set(), HEIGHT, &keccak256(b"answer"))
}

fn entry(i: usize, key: &[u8]) -> TableEntry {
    TableEntry {
        operator: Address::from_slice(&keccak256(i.to_be_bytes())[12..]),
        key_data: Bytes::copy_from_slice(key),
        weight: U256::from(1_000_000_000_000_000_000u128 * (i as u128 + 1)),
        stakes: vec![U256::from(i); 3],
    }
}

fn witness(tree: &TableTree, entries: &[TableEntry], i: usize) -> Witness {
    Witness {
        index: i as u32,
        entry: entries[i].clone(),
        proof: tree.proof(i as u32).unwrap(),
    }
}

fn bls_case() -> (Certificate, OperatorTable, Vec<TableEntry>) {
    let keys: Vec<bls::SecretKey> = (0..OPERATORS)
        .map(|i| {
            let mut ikm = [7u8; 32];
            ikm[..8].copy_from_slice(&(i as u64).to_be_bytes());
            bls::SecretKey::derive(&ikm).unwrap()
        })
        .collect();
    let entries: Vec<TableEntry> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| entry(i, &k.public().to_bytes()))
        .collect();
    let (table, tree) =
        OperatorTable::build(set(), HEIGHT, KeyScheme::Bls12381, vec![], &entries).unwrap();
    let sigs: Vec<bls::Signature> = keys[ABSENT..]
        .iter()
        .map(|k| k.sign(digest().as_slice()))
        .collect();
    let cert = Certificate {
        operator_set: set(),
        reference_height: HEIGHT,
        message_hash: keccak256(b"answer"),
        proof: CertificateProof::Bls12381 {
            signature: Bytes::copy_from_slice(
                &bls::Signature::aggregate(&sigs).unwrap().to_bytes(),
            ),
            non_signers: (0..ABSENT).map(|i| witness(&tree, &entries, i)).collect(),
        },
    };
    (cert, table, entries)
}

fn ecdsa_case() -> (Certificate, OperatorTable) {
    let keys: Vec<secp256k1::SecretKey> = (0..OPERATORS)
        .map(|i| {
            let mut b = [0x11u8; 32];
            b[..8].copy_from_slice(&(i as u64).to_be_bytes());
            secp256k1::SecretKey::from_byte_array(b).unwrap()
        })
        .collect();
    let address = |k: &secp256k1::SecretKey| {
        let pk = secp256k1::PublicKey::from_secret_key_global(k);
        Address::from_slice(&keccak256(&pk.serialize_uncompressed()[1..])[12..])
    };
    let entries: Vec<TableEntry> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| entry(i, address(k).as_slice()))
        .collect();
    let (table, tree) =
        OperatorTable::build(set(), HEIGHT, KeyScheme::Ecdsa, vec![], &entries).unwrap();
    let signers = (ABSENT..OPERATORS)
        .map(|i| {
            let sig = secp256k1::SECP256K1
                .sign_ecdsa_recoverable(secp256k1::Message::from_digest(digest().0), &keys[i]);
            let (id, rs) = sig.serialize_compact();
            let mut s = rs.to_vec();
            s.push(27 + i32::from(id) as u8);
            SignedWitness {
                witness: witness(&tree, &entries, i),
                signature: Bytes::from(s),
            }
        })
        .collect();
    let cert = Certificate {
        operator_set: set(),
        reference_height: HEIGHT,
        message_hash: keccak256(b"answer"),
        proof: CertificateProof::Ecdsa { signers },
    };
    (cert, table)
}

#[divan::bench]
fn bls_200_operators_20_non_signers(bencher: Bencher) {
    let (cert, table, _) = bls_case();
    bencher.bench(|| verify(black_box(&cert), black_box(&table), &policy()).unwrap());
}

#[divan::bench]
fn ecdsa_200_operators_180_signers(bencher: Bencher) {
    let (cert, table) = ecdsa_case();
    bencher.bench(|| verify(black_box(&cert), black_box(&table), &policy()).unwrap());
}

#[divan::bench]
fn build_bls_table_of_200(bencher: Bencher) {
    let (_, _, entries) = bls_case();
    bencher.bench(|| {
        OperatorTable::build(
            set(),
            HEIGHT,
            KeyScheme::Bls12381,
            vec![],
            black_box(&entries),
        )
        .unwrap()
    });
}
