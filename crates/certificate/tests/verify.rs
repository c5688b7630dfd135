//! The certificate verifier against tables of BLS and ECDSA keys: valid certificates verify with
//! the right weight; forged, short, stale, wrong-set, duplicate-signer and non-signer-lie
//! certificates are refused, each with its reason.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    missing_docs
)]

use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use restake_certificate::certificate::Policy;
use restake_certificate::{
    Certificate, CertificateError as E, CertificateProof, KeyScheme, OperatorTable, SignedWitness,
    TableEntry, TableTree, Threshold, Witness, message_digest, verify,
};
use restake_primitives::{OperatorSet, bls};

const CHAIN: u64 = 31337;
const HEIGHT: u64 = 100;

fn set() -> OperatorSet {
    OperatorSet::new(Address::repeat_byte(0xAA), 1)
}

fn answer() -> B256 {
    keccak256(b"ETH/USD 3120.55 at task 7")
}

fn policy(bips: u16) -> Policy {
    Policy {
        chain_id: CHAIN,
        now: HEIGHT + 5,
        max_staleness: 10,
        threshold: Threshold::Proportion { bips },
    }
}

fn digest() -> B256 {
    message_digest(CHAIN, &set(), HEIGHT, &answer())
}

struct Bls {
    keys: Vec<bls::SecretKey>,
    entries: Vec<TableEntry>,
    table: OperatorTable,
    tree: TableTree,
}

/// `n` operators with BLS keys, operator `i` weighing `i + 1`.
fn bls_table(n: u8) -> Bls {
    let keys: Vec<bls::SecretKey> = (0..n)
        .map(|i| bls::SecretKey::derive(&[i; 32]).unwrap())
        .collect();
    let entries: Vec<TableEntry> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| TableEntry {
            operator: Address::repeat_byte(i as u8 + 1),
            key_data: Bytes::copy_from_slice(&k.public().to_bytes()),
            weight: U256::from(i + 1),
            stakes: vec![U256::from(i + 1)],
        })
        .collect();
    let (table, tree) = OperatorTable::build(
        set(),
        HEIGHT,
        KeyScheme::Bls12381,
        vec![Address::repeat_byte(0x51)],
        &entries,
    )
    .unwrap();
    Bls {
        keys,
        entries,
        table,
        tree,
    }
}

impl Bls {
    fn witness(&self, i: usize) -> Witness {
        Witness {
            index: i as u32,
            entry: self.entries[i].clone(),
            proof: self.tree.proof(i as u32).unwrap(),
        }
    }

    /// A certificate signed by everyone but `absent`, listing `listed` as non-signers.
    fn cert(&self, absent: &[usize], listed: &[usize]) -> Certificate {
        let sigs: Vec<bls::Signature> = self
            .keys
            .iter()
            .enumerate()
            .filter(|(i, _)| !absent.contains(i))
            .map(|(_, k)| k.sign(digest().as_slice()))
            .collect();
        Certificate {
            operator_set: set(),
            reference_height: HEIGHT,
            message_hash: answer(),
            proof: CertificateProof::Bls12381 {
                signature: Bytes::copy_from_slice(
                    &bls::Signature::aggregate(&sigs).unwrap().to_bytes(),
                ),
                non_signers: listed.iter().map(|i| self.witness(*i)).collect(),
            },
        }
    }
}

#[test]
fn a_bls_certificate_counts_the_table_less_its_non_signers() {
    let t = bls_table(10);
    // Weights 1..=10, total 55; operators 0 and 9 (weights 1 and 10) did not sign: 44.
    let v = verify(&t.cert(&[0, 9], &[0, 9]), &t.table, &policy(6667)).unwrap();
    assert_eq!(v.signed_weight, U256::from(44));
    assert_eq!(v.total_weight, U256::from(55));
    assert_eq!(v.named, vec![t.entries[0].operator, t.entries[9].operator]);
    // Everyone signed: no witnesses at all.
    let all = verify(&t.cert(&[], &[]), &t.table, &policy(10_000)).unwrap();
    assert_eq!(all.signed_weight, U256::from(55));
}

#[test]
fn a_bls_certificate_short_of_the_threshold_is_refused() {
    let t = bls_table(10);
    // 44 of 55 is 80%: enough for 80.00%, not for 80.01%.
    verify(&t.cert(&[0, 9], &[0, 9]), &t.table, &policy(8000)).unwrap();
    assert_eq!(
        verify(&t.cert(&[0, 9], &[0, 9]), &t.table, &policy(8001)),
        Err(E::BelowThreshold {
            signed: U256::from(44),
            total: U256::from(55),
            required: U256::from(45), // 55 × 0.8001 = 44.0055, rounded up
        })
    );
    let absolute = Policy {
        threshold: Threshold::Absolute {
            weight: U256::from(45),
        },
        ..policy(0)
    };
    assert!(matches!(
        verify(&t.cert(&[0, 9], &[0, 9]), &t.table, &absolute),
        Err(E::BelowThreshold { .. })
    ));
    assert_eq!(
        verify(&t.cert(&[], &[]), &t.table, &policy(10_001)),
        Err(E::BadThreshold(10_001))
    );
}

#[test]
fn lies_about_non_signers_are_caught() {
    let t = bls_table(10);
    // Hiding a non-signer (claiming it signed): the signature does not match the key.
    assert_eq!(
        verify(&t.cert(&[0, 9], &[0]), &t.table, &policy(5000)),
        Err(E::BadSignature { index: None })
    );
    // Listing a signer as a non-signer: same.
    assert_eq!(
        verify(&t.cert(&[0], &[0, 9]), &t.table, &policy(5000)),
        Err(E::BadSignature { index: None })
    );
    // A non-signer's weight understated: not the table's entry.
    let mut cert = t.cert(&[9], &[9]);
    if let CertificateProof::Bls12381 { non_signers, .. } = &mut cert.proof {
        non_signers[0].entry.weight = U256::from(1);
    }
    assert_eq!(
        verify(&cert, &t.table, &policy(5000)),
        Err(E::NotInTable { index: 9 })
    );
    // A non-signer moved to another index.
    let mut cert = t.cert(&[9], &[9]);
    if let CertificateProof::Bls12381 { non_signers, .. } = &mut cert.proof {
        non_signers[0].index = 8;
    }
    assert_eq!(
        verify(&cert, &t.table, &policy(5000)),
        Err(E::NotInTable { index: 8 })
    );
    // The same non-signer twice, or out of order.
    for listed in [[3, 3], [4, 3]] {
        let mut cert = t.cert(&[3, 4], &[3, 4]);
        if let CertificateProof::Bls12381 { non_signers, .. } = &mut cert.proof {
            *non_signers = listed.iter().map(|i| t.witness(*i)).collect();
        }
        assert_eq!(
            verify(&cert, &t.table, &policy(5000)),
            Err(E::NotAscending { index: 3 })
        );
    }
}

#[test]
fn forged_stale_and_misdirected_bls_certificates_are_refused() {
    let t = bls_table(10);
    let good = t.cert(&[], &[]);
    // Signed by keys outside the table.
    let outsiders = bls_table(11);
    let mut forged = outsiders.cert(&[0], &[]);
    forged.operator_set = set();
    assert_eq!(
        verify(&forged, &t.table, &policy(5000)),
        Err(E::BadSignature { index: None })
    );
    // Another answer than the one signed.
    let mut other = good.clone();
    other.message_hash = keccak256(b"ETH/USD 9999");
    assert_eq!(
        verify(&other, &t.table, &policy(5000)),
        Err(E::BadSignature { index: None })
    );
    // Stale, from the future, for another table or set, on another chain.
    let stale = Policy {
        now: HEIGHT + 11,
        ..policy(5000)
    };
    assert_eq!(
        verify(&good, &t.table, &stale),
        Err(E::Stale {
            reference: HEIGHT,
            age: 11,
            max: 10
        })
    );
    let early = Policy {
        now: HEIGHT - 1,
        ..policy(5000)
    };
    assert!(matches!(
        verify(&good, &t.table, &early),
        Err(E::FromTheFuture { .. })
    ));
    let mut wrong_height = good.clone();
    wrong_height.reference_height = HEIGHT - 1;
    assert!(matches!(
        verify(&wrong_height, &t.table, &policy(5000)),
        Err(E::WrongReferenceHeight { .. })
    ));
    let mut wrong_set = good.clone();
    wrong_set.operator_set = OperatorSet::new(set().avs, 2);
    assert!(matches!(
        verify(&wrong_set, &t.table, &policy(5000)),
        Err(E::WrongSet { .. })
    ));
    let other_chain = Policy {
        chain_id: 1,
        ..policy(5000)
    };
    assert_eq!(
        verify(&good, &t.table, &other_chain),
        Err(E::BadSignature { index: None })
    );
    // Malformed signature bytes.
    let mut garbage = good;
    if let CertificateProof::Bls12381 { signature, .. } = &mut garbage.proof {
        *signature = Bytes::from(vec![0u8; 96]);
    }
    assert_eq!(
        verify(&garbage, &t.table, &policy(5000)),
        Err(E::BadSignature { index: None })
    );
}

#[test]
fn a_certificate_where_nobody_signed_is_refused() {
    let t = bls_table(3);
    let cert = Certificate {
        proof: CertificateProof::Bls12381 {
            signature: Bytes::copy_from_slice(&t.keys[0].sign(digest().as_slice()).to_bytes()),
            non_signers: (0..3).map(|i| t.witness(i)).collect(),
        },
        ..t.cert(&[], &[])
    };
    assert_eq!(verify(&cert, &t.table, &policy(0)), Err(E::NoSigners));
}

struct Ecdsa {
    keys: Vec<secp256k1::SecretKey>,
    entries: Vec<TableEntry>,
    table: OperatorTable,
    tree: TableTree,
}

fn address_of(k: &secp256k1::SecretKey) -> Address {
    let pk = secp256k1::PublicKey::from_secret_key_global(k);
    Address::from_slice(&keccak256(&pk.serialize_uncompressed()[1..])[12..])
}

fn sign(k: &secp256k1::SecretKey, digest: B256) -> Bytes {
    let sig =
        secp256k1::SECP256K1.sign_ecdsa_recoverable(secp256k1::Message::from_digest(digest.0), k);
    let (id, rs) = sig.serialize_compact();
    let mut out = rs.to_vec();
    out.push(27 + i32::from(id) as u8);
    Bytes::from(out)
}

fn ecdsa_table(n: u8) -> Ecdsa {
    let keys: Vec<secp256k1::SecretKey> = (1..=n)
        .map(|i| secp256k1::SecretKey::from_byte_array([i; 32]).unwrap())
        .collect();
    let entries: Vec<TableEntry> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| TableEntry {
            operator: Address::repeat_byte(i as u8 + 1),
            key_data: Bytes::copy_from_slice(address_of(k).as_slice()),
            weight: U256::from(10),
            stakes: vec![U256::from(10)],
        })
        .collect();
    let (table, tree) =
        OperatorTable::build(set(), HEIGHT, KeyScheme::Ecdsa, vec![], &entries).unwrap();
    Ecdsa {
        keys,
        entries,
        table,
        tree,
    }
}

impl Ecdsa {
    fn signer(&self, i: usize, key: usize) -> SignedWitness {
        SignedWitness {
            witness: Witness {
                index: i as u32,
                entry: self.entries[i].clone(),
                proof: self.tree.proof(i as u32).unwrap(),
            },
            signature: sign(&self.keys[key], digest()),
        }
    }

    fn cert(&self, signers: Vec<SignedWitness>) -> Certificate {
        Certificate {
            operator_set: set(),
            reference_height: HEIGHT,
            message_hash: answer(),
            proof: CertificateProof::Ecdsa { signers },
        }
    }
}

#[test]
fn an_ecdsa_certificate_counts_its_proven_signers_once_each() {
    let t = ecdsa_table(4);
    let v = verify(
        &t.cert(vec![t.signer(0, 0), t.signer(2, 2), t.signer(3, 3)]),
        &t.table,
        &policy(7500),
    )
    .unwrap();
    assert_eq!(v.signed_weight, U256::from(30));
    // Counting one signer twice, or out of order.
    for order in [[2, 2], [3, 2]] {
        let signers = order.iter().map(|i| t.signer(*i, *i)).collect();
        assert!(matches!(
            verify(&t.cert(signers), &t.table, &policy(0)),
            Err(E::NotAscending { .. })
        ));
    }
    // A signature by another key than the entry's.
    assert_eq!(
        verify(&t.cert(vec![t.signer(0, 1)]), &t.table, &policy(0)),
        Err(E::BadSignature { index: Some(0) })
    );
    // Short of the threshold: 20 of 40 against 50.01%.
    assert!(matches!(
        verify(
            &t.cert(vec![t.signer(0, 0), t.signer(1, 1)]),
            &t.table,
            &policy(5001)
        ),
        Err(E::BelowThreshold { .. })
    ));
    // No signers.
    assert_eq!(
        verify(&t.cert(vec![]), &t.table, &policy(0)),
        Err(E::NoSigners)
    );
    // A BLS proof for an ECDSA set.
    let mut wrong = t.cert(vec![]);
    wrong.proof = CertificateProof::Bls12381 {
        signature: Bytes::new(),
        non_signers: vec![],
    };
    assert!(matches!(
        verify(&wrong, &t.table, &policy(0)),
        Err(E::WrongScheme { .. })
    ));
}

#[test]
fn a_certificate_reads_and_writes_as_json_and_borsh_unchanged() {
    let t = bls_table(4);
    let cert = t.cert(&[1], &[1]);
    let json = serde_json::to_string(&cert).unwrap();
    assert!(json.contains("\"scheme\":\"bls12381\""), "{json}");
    assert!(json.contains("\"nonSigners\""), "{json}");
    assert_eq!(serde_json::from_str::<Certificate>(&json).unwrap(), cert);
    let bytes = borsh::to_vec(&cert).unwrap();
    assert_eq!(borsh::from_slice::<Certificate>(&bytes).unwrap(), cert);
}

#[test]
fn an_aggregator_builds_certificates_that_verify_from_a_table_and_its_signatures() {
    use restake_certificate::{BuildError, build_certificate};
    use std::collections::BTreeMap;
    // BLS: everyone but operator 0 and 9.
    let t = bls_table(10);
    let sigs: BTreeMap<Address, Bytes> = (1..9)
        .map(|i| {
            (
                t.entries[i].operator,
                Bytes::copy_from_slice(&t.keys[i].sign(digest().as_slice()).to_bytes()),
            )
        })
        .collect();
    let cert = build_certificate(&t.table, &t.entries, answer(), &sigs).unwrap();
    let v = verify(&cert, &t.table, &policy(6667)).unwrap();
    assert_eq!(v.signed_weight, U256::from(44));
    assert_eq!(v.named, vec![t.entries[0].operator, t.entries[9].operator]);
    // ECDSA: operators 1 and 3.
    let e = ecdsa_table(4);
    let sigs: BTreeMap<Address, Bytes> = [3usize, 1]
        .iter()
        .map(|i| (e.entries[*i].operator, sign(&e.keys[*i], digest())))
        .collect();
    let cert = build_certificate(&e.table, &e.entries, answer(), &sigs).unwrap();
    assert_eq!(
        verify(&cert, &e.table, &policy(5000))
            .unwrap()
            .signed_weight,
        U256::from(20)
    );
    // Entries of another table, a stranger's signature, nothing at all.
    assert_eq!(
        build_certificate(&t.table, &e.entries, answer(), &sigs),
        Err(BuildError::NotTheTable)
    );
    let mut stranger = sigs.clone();
    stranger.insert(Address::repeat_byte(0xEE), Bytes::new());
    assert_eq!(
        build_certificate(&e.table, &e.entries, answer(), &stranger),
        Err(BuildError::NotInTable(Address::repeat_byte(0xEE)))
    );
    assert_eq!(
        build_certificate(&e.table, &e.entries, answer(), &BTreeMap::new()),
        Err(BuildError::NoSignatures)
    );
}
