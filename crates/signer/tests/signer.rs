//! The signer never signs two conflicting messages: not twice in a row, not after a restart, not
//! after a fail-over through the interchange file; and what it signs verifies.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use alloy_primitives::{Address, B256, Bytes, keccak256};
use restake_primitives::{OperatorSet, bls};
use restake_signer::protection::ProtectionError;
use restake_signer::{
    Duty, Interchange, ProtectionDb, SignRequest, Signer, SignerError, SigningKey,
};
use std::path::Path;

const CHAIN: u64 = 31337;
const AVS: Address = Address::repeat_byte(0xAA);

fn bls_key() -> bls::SecretKey {
    bls::SecretKey::derive(&[5u8; 32]).unwrap()
}

fn ecdsa_key() -> restake_client::Wallet {
    restake_client::Wallet::from_bytes([0x31; 32]).unwrap()
}

fn signer(path: &Path) -> Signer {
    Signer::new(
        CHAIN,
        vec![SigningKey::Bls(bls_key()), SigningKey::Ecdsa(ecdsa_key())],
        ProtectionDb::open(path).unwrap(),
    )
}

fn request(key_data: Bytes, task: u64, answer: &str) -> SignRequest {
    SignRequest {
        key_data,
        avs: AVS,
        set_id: 1,
        reference_height: 40,
        duty: Duty::Task { id: task },
        message_hash: keccak256(answer.as_bytes()),
    }
}

fn bls_data() -> Bytes {
    Bytes::copy_from_slice(&bls_key().public().to_bytes())
}

fn is_conflict(e: &SignerError) -> bool {
    matches!(e, SignerError::Protection(ProtectionError::Conflict { .. }))
}

#[test]
fn a_second_answer_to_the_same_task_is_refused_and_the_same_answer_is_signed_again() {
    let dir = tempfile::tempdir().unwrap();
    let s = signer(&dir.path().join("protection.redb"));
    let first = s.sign(&request(bls_data(), 7, "3120")).unwrap();
    // What it signs verifies against the certificate digest.
    let digest = restake_certificate::message_digest(
        CHAIN,
        &OperatorSet::new(AVS, 1),
        40,
        &keccak256(b"3120"),
    );
    bls_key()
        .public()
        .verify(
            digest.as_slice(),
            &bls::Signature::from_bytes(&first).unwrap(),
        )
        .unwrap();
    assert_eq!(s.sign(&request(bls_data(), 7, "3120")).unwrap(), first);
    let err = s.sign(&request(bls_data(), 7, "9999")).unwrap_err();
    assert!(is_conflict(&err), "{err}");
    assert!(err.to_string().contains("double signature"), "{err}");
    // Another task, another key, or another set are other duties.
    s.sign(&request(bls_data(), 8, "9999")).unwrap();
    let ecdsa = Bytes::copy_from_slice(ecdsa_key().address().as_slice());
    let sig = s.sign(&request(ecdsa.clone(), 7, "9999")).unwrap();
    assert_eq!(
        restake_primitives::signature::recover_signer(
            &restake_certificate::message_digest(
                CHAIN,
                &OperatorSet::new(AVS, 1),
                40,
                &keccak256(b"9999")
            ),
            &sig
        )
        .unwrap(),
        ecdsa_key().address()
    );
    let mut other_set = request(bls_data(), 7, "9999");
    other_set.set_id = 2;
    s.sign(&other_set).unwrap();
    // An attestation stream's height is a duty too.
    let mut at = request(bls_data(), 0, "root A");
    at.duty = Duty::Height { height: 100 };
    s.sign(&at).unwrap();
    at.message_hash = keccak256(b"root B");
    assert!(is_conflict(&s.sign(&at).unwrap_err()));
    // A key it does not hold.
    assert!(matches!(
        s.sign(&request(Bytes::from(vec![1u8; 48]), 1, "x")),
        Err(SignerError::UnknownKey(_))
    ));
}

#[test]
fn the_record_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("protection.redb");
    {
        let s = signer(&path);
        s.sign(&request(bls_data(), 7, "3120")).unwrap();
    }
    let s = signer(&path);
    assert!(is_conflict(
        &s.sign(&request(bls_data(), 7, "9999")).unwrap_err()
    ));
}

#[test]
fn a_fail_over_through_the_interchange_file_cannot_double_sign() {
    let dir = tempfile::tempdir().unwrap();
    let a = signer(&dir.path().join("a.redb"));
    a.sign(&request(bls_data(), 7, "3120")).unwrap();
    a.sign(&request(bls_data(), 8, "3121")).unwrap();
    let file = serde_json::to_string(&a.protection().export(CHAIN).unwrap()).unwrap();
    let file: Interchange = serde_json::from_str(&file).unwrap();
    assert_eq!(file.records.len(), 2);
    // The second machine takes over with the first one's record.
    let b = signer(&dir.path().join("b.redb"));
    assert_eq!(b.protection().import(&file, CHAIN).unwrap(), 2);
    assert!(is_conflict(
        &b.sign(&request(bls_data(), 7, "9999")).unwrap_err()
    ));
    b.sign(&request(bls_data(), 7, "3120")).unwrap();
    // Importing twice changes nothing.
    b.protection().import(&file, CHAIN).unwrap();
    assert_eq!(b.protection().records().unwrap().len(), 2);
}

#[test]
fn an_import_that_holds_a_double_signature_is_refused_whole() {
    let dir = tempfile::tempdir().unwrap();
    let a = signer(&dir.path().join("a.redb"));
    a.sign(&request(bls_data(), 7, "3120")).unwrap();
    a.sign(&request(bls_data(), 9, "1")).unwrap();
    let file = a.protection().export(CHAIN).unwrap();
    // Machine C already signed another answer to task 7.
    let c = signer(&dir.path().join("c.redb"));
    c.sign(&request(bls_data(), 7, "9999")).unwrap();
    let err = c.protection().import(&file, CHAIN).unwrap_err();
    assert!(err.to_string().contains("double signature"), "{err}");
    assert_eq!(c.protection().records().unwrap().len(), 1);
    // Another chain's file, or another version, is refused.
    assert!(c.protection().import(&file, 1).is_err());
    let mut v2 = file.clone();
    v2.metadata.interchange_format_version = "2".into();
    assert!(c.protection().import(&v2, CHAIN).is_err());
    // A file with two answers to one task is refused too.
    let mut twice = file;
    let mut dup = twice.records[0].clone();
    dup.message_hash = B256::repeat_byte(9);
    twice.records.push(dup);
    let d = signer(&dir.path().join("d.redb"));
    assert!(d.protection().import(&twice, CHAIN).is_err());
    assert!(d.protection().records().unwrap().is_empty());
}
