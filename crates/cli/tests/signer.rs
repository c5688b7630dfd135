//! `restake signer`: a local signer process that signs a task's answer once, refuses a
//! conflicting one, keeps refusing after a restart, and hands its record to a second machine
//! through the interchange file so that the fail-over cannot double-sign either.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::panic,
    missing_docs
)]

mod common;

use alloy_primitives::{Address, Bytes, keccak256};
use common::{BIN, TempDir};
use restake_client::keystore::{Kdf, Keystore, Web3Keystore};
use restake_primitives::bls;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};

const PASSWORD: &str = "operator pass";

/// A folder with one BLS and one ECDSA set key, in the standard keystore formats.
fn keys(dir: &Path) -> (Bytes, Bytes) {
    std::fs::create_dir_all(dir).unwrap();
    let sk = bls::SecretKey::derive(&[4u8; 32]).unwrap();
    let light = Kdf::Pbkdf2 { c: 16 };
    let ks = Keystore::encrypt(&sk, PASSWORD, light, [1; 32], [2; 16], "a".into(), None).unwrap();
    std::fs::write(dir.join("bls.json"), serde_json::to_string(&ks).unwrap()).unwrap();
    let wallet = restake_client::Wallet::from_bytes([0x42; 32]).unwrap();
    let v3 = Web3Keystore::encrypt(
        &[0x42; 32],
        &wallet.address().to_string(),
        PASSWORD,
        light,
        [3; 32],
        [4; 16],
        "b".into(),
    )
    .unwrap();
    std::fs::write(dir.join("ecdsa.json"), serde_json::to_string(&v3).unwrap()).unwrap();
    (
        Bytes::copy_from_slice(&sk.public().to_bytes()),
        Bytes::copy_from_slice(wallet.address().as_slice()),
    )
}

struct Running {
    child: Child,
    url: std::net::SocketAddr,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(keys: &Path, db: &Path) -> Running {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let mut child = Command::new(BIN)
        .args(["signer", "run", "--keys"])
        .arg(keys)
        .arg("--db")
        .arg(db)
        .args(["--listen", &listen])
        .env("RESTAKE_KEYSTORE_PASSWORD", PASSWORD)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(
        line.contains("signer listening") && line.contains("2 key"),
        "{line}"
    );
    Running {
        child,
        url: listen.parse().unwrap(),
    }
}

fn call(addr: std::net::SocketAddr, method: &str, params: Value) -> Value {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).to_string();
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    write!(
        s,
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    serde_json::from_str(out.split_once("\r\n\r\n").unwrap().1).unwrap()
}

fn request(key: &Bytes, task: u64, answer: &str) -> Value {
    json!([{
        "keyData": key,
        "avs": Address::repeat_byte(0xAA),
        "setId": 1,
        "referenceHeight": 12,
        "duty": {"kind": "task", "id": task},
        "messageHash": keccak256(answer.as_bytes()),
    }])
}

#[test]
fn the_signer_process_never_signs_two_answers_to_one_task_across_restarts_and_a_fail_over() {
    let tmp = TempDir::new("signer");
    let (bls_key, ecdsa_key) = keys(&tmp.path().join("keys"));
    let db_a = tmp.path().join("a.redb");
    let signer = start(&tmp.path().join("keys"), &db_a);
    let held = call(signer.url, "signer_keys", json!([]));
    let held: Vec<Bytes> = serde_json::from_value(held["result"].clone()).unwrap();
    assert!(
        held.contains(&bls_key) && held.contains(&ecdsa_key),
        "{held:?}"
    );
    let first = call(signer.url, "signer_sign", request(&bls_key, 7, "3120"));
    let sig: Bytes = serde_json::from_value(first["result"]["signature"].clone()).unwrap();
    assert_eq!(sig.len(), 96);
    // The same answer again: the same signature. Another answer: refused, with the reason.
    let again = call(signer.url, "signer_sign", request(&bls_key, 7, "3120"));
    assert_eq!(again["result"]["signature"], first["result"]["signature"]);
    let conflict = call(signer.url, "signer_sign", request(&bls_key, 7, "9999"));
    assert_eq!(conflict["error"]["code"], 1, "{conflict}");
    assert!(
        conflict["error"]["message"]
            .as_str()
            .unwrap()
            .contains("double signature"),
        "{conflict}"
    );
    let ecdsa = call(signer.url, "signer_sign", request(&ecdsa_key, 7, "9999"));
    assert_eq!(
        serde_json::from_value::<Bytes>(ecdsa["result"]["signature"].clone())
            .unwrap()
            .len(),
        65
    );
    drop(signer);
    // Restarted on the same record: still refused.
    let signer = start(&tmp.path().join("keys"), &db_a);
    let conflict = call(signer.url, "signer_sign", request(&bls_key, 7, "9999"));
    assert_eq!(conflict["error"]["code"], 1, "{conflict}");
    drop(signer);
    // Fail-over: export from A, import on B, B refuses too.
    let file = tmp.path().join("interchange.json");
    let out = Command::new(BIN)
        .args(["signer", "export", "--db"])
        .arg(&db_a)
        .arg("--out")
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let db_b = tmp.path().join("b.redb");
    let out = Command::new(BIN)
        .args(["signer", "import"])
        .arg(&file)
        .arg("--db")
        .arg(&db_b)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("2 record(s) imported"));
    let b = start(&tmp.path().join("keys"), &db_b);
    let conflict = call(b.url, "signer_sign", request(&bls_key, 7, "9999"));
    assert_eq!(conflict["error"]["code"], 1, "{conflict}");
    let same = call(b.url, "signer_sign", request(&bls_key, 7, "3120"));
    assert_eq!(same["result"]["signature"], first["result"]["signature"]);
}

#[test]
fn the_signer_refuses_to_listen_beyond_loopback() {
    let tmp = TempDir::new("signer-remote");
    keys(&tmp.path().join("keys"));
    let out = Command::new(BIN)
        .args(["signer", "run", "--keys"])
        .arg(tmp.path().join("keys"))
        .arg("--db")
        .arg(tmp.path().join("db.redb"))
        .args(["--listen", "0.0.0.0:0"])
        .env("RESTAKE_KEYSTORE_PASSWORD", PASSWORD)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("loopback"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
