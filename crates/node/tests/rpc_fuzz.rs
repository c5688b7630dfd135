//! Hostile input against the transaction decoder and a running node's API: random bytes, random
//! JSON, mutated transactions, random method calls, raw HTTP requests, oversize bodies, oversize
//! batches and deeply nested JSON. The properties: nothing panics, every call gets a JSON-RPC
//! answer (or HTTP 413 for an oversize body), and the node still serves afterwards.
//!
//! Inputs come from a small seeded generator (splitmix64), so every run sees the same cases and a
//! failure names the case that broke.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::panic,
    clippy::cast_possible_truncation,
    missing_docs
)]

use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use restake_core::Action;
use restake_core::tx::Transaction;
use restake_node::devnet;
use restake_node::node::NodeConfig;
use restake_node::server::{ApiConfig, serve};
use restake_store::Store;
use serde_json::Value;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

// ---------------------------------------------------------------------------------------------
// Generator

/// splitmix64: tiny, seedable, good enough to spread inputs.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Self(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn bytes(&mut self, max_len: usize) -> Vec<u8> {
        let len = self.below(max_len + 1);
        (0..len).map(|_| self.next() as u8).collect()
    }

    fn hex(&mut self, n_bytes: usize) -> String {
        let mut s = String::from("0x");
        for _ in 0..n_bytes {
            let _ = write!(s, "{:02x}", self.next() as u8);
        }
        s
    }
}

/// Every method of the API.
const METHODS: [&str; 31] = [
    "restake_chainId",
    "restake_blockNumber",
    "restake_getBlock",
    "restake_getNonce",
    "restake_prepareTransaction",
    "restake_sendTransaction",
    "restake_getTransactionReceipt",
    "restake_simulateTransaction",
    "restake_getTokens",
    "restake_getTokenBalance",
    "restake_getStrategies",
    "restake_getStaker",
    "restake_getOperator",
    "restake_getOperatorSet",
    "restake_getAllocation",
    "restake_getPod",
    "restake_getBeaconOracle",
    "restake_getBeaconRoot",
    "restake_getPodBalance",
    "restake_getRewards",
    "restake_getRewardsSubmissions",
    "restake_getVault",
    "restake_getVaults",
    "restake_getRiskReport",
    "restake_getProof",
    "restake_subscribeNewHeads",
    "restake_unsubscribeNewHeads",
    "restake_subscribeEvents",
    "restake_unsubscribeEvents",
    "restake_subscribeRiskReport",
    "restake_unsubscribeRiskReport",
];

/// Every action name on the wire.
const ACTIONS: &[&str] = restake_core::Action::NAMES;

/// Field names that appear in requests, transactions and actions.
const FIELDS: [&str; 44] = [
    "from",
    "nonce",
    "action",
    "signature",
    "type",
    "token",
    "to",
    "amount",
    "symbol",
    "decimals",
    "minter",
    "strategy",
    "strategies",
    "staker",
    "expiry",
    "operator",
    "avs",
    "operatorSetId",
    "operatorSetIds",
    "slashId",
    "delegationApprover",
    "allocationDelay",
    "metadataUri",
    "approverSignature",
    "approverExpiry",
    "approverSalt",
    "newOperator",
    "params",
    "depositShares",
    "withdrawalRoot",
    "withdrawalRoots",
    "receiveAsTokens",
    "newMagnitudes",
    "wadsToSlash",
    "description",
    "height",
    "first",
    "second",
    "payloadHash",
    "target",
    "newPausedStatus",
    "pool",
    "approval",
    "registrationPolicy",
];

/// A JSON scalar as text, biased towards values the decoders care about: addresses, hashes,
/// signatures, decimal strings, edge-case numbers, tags, and a few hostile strings.
fn scalar(rng: &mut Rng) -> String {
    match rng.below(22) {
        0 => "null".into(),
        1 => "true".into(),
        2 => "false".into(),
        3 => rng.below(1000).to_string(),
        4 => rng.next().to_string(),
        5 => format!("-{}", rng.next()),
        6 => (*rng.pick(&[
            "0",
            "-0",
            "1.5",
            "-1.0e3",
            "1e400",
            "18446744073709551616",
            "340282366920938463463374607431768211456",
            "4294967296",
            "99999999999999999999999999999999999999999999999999999999999999999999999999999999",
        ]))
        .into(),
        7 => format!("\"{}\"", rng.hex(20)),
        8 => format!("\"{}\"", rng.hex(32)),
        9 => format!("\"{}\"", rng.hex(65)),
        10 => format!("\"{}\"", {
            let n = rng.below(80);
            rng.hex(n)
        }),
        11 => format!("\"{}\"", rng.next()),
        12 => (*rng.pick(&[
            "\"0\"",
            "\"00\"",
            "\"-1\"",
            "\"+1\"",
            "\" 1\"",
            "\"1e18\"",
            "\"0x10\"",
            "\"115792089237316195423570985008687907853269984665640564039457584007913129639935\"",
            "\"115792089237316195423570985008687907853269984665640564039457584007913129639936\"",
            "\"18446744073709551615\"",
            "\"18446744073709551616\"",
        ]))
        .into(),
        13 => (*rng.pick(&["\"latest\"", "\"earliest\"", "\"pending\"", "\"\""])).into(),
        14 => (*rng.pick(&[
            "\"0x\"",
            "\"0x0\"",
            "\"0xzz\"",
            "\"0X00\"",
            "\"\\u0000\"",
            "\"\\ud800\"",
            "\"\\uDFFF\\uD800\"",
            "\"\\\\\\\"\"",
            "\"\u{1F600}\"",
        ]))
        .into(),
        15 => format!("\"{}\"", rng.pick(ACTIONS)),
        16 => format!("\"{}\"", rng.pick(&FIELDS)),
        17 => format!("\"{}\"", rng.pick(&METHODS)),
        18 => (*rng.pick(&[
            "\"tokenManager\"",
            "\"delegationManager\"",
            "\"allocationManager\"",
            "\"evidence\"",
            "\"open\"",
            "\"allowlist\"",
            "\"approval\"",
        ]))
        .into(),
        19 => format!("\"{}\"", "a".repeat(rng.below(3000))),
        20 => format!("{}", rng.below(1 << 20)),
        _ => format!("\"{}\"", {
            let n = rng.below(40);
            rng.hex(n)
        }),
    }
}

/// Random JSON text up to `depth` levels of nesting; objects use the known field names so they
/// reach the decoders' inner paths.
fn json(rng: &mut Rng, depth: u32) -> String {
    if depth == 0 || rng.chance(45) {
        return scalar(rng);
    }
    if rng.chance(50) {
        let n = rng.below(6);
        let items: Vec<String> = (0..n).map(|_| json(rng, depth - 1)).collect();
        format!("[{}]", items.join(","))
    } else {
        let n = rng.below(6);
        let mut fields: Vec<String> = (0..n)
            .map(|_| {
                let key = if rng.chance(85) {
                    (*rng.pick(&FIELDS)).to_string()
                } else {
                    rng.hex(3)
                };
                format!("\"{key}\":{}", json(rng, depth - 1))
            })
            .collect();
        if rng.chance(40) {
            fields.push(format!("\"type\":\"{}\"", rng.pick(ACTIONS)));
        }
        format!("{{{}}}", fields.join(","))
    }
}

/// An action-shaped object: a real type name and fields from the vocabulary.
fn action_like(rng: &mut Rng) -> String {
    let mut fields = vec![format!("\"type\":\"{}\"", rng.pick(ACTIONS))];
    for _ in 0..rng.below(7) {
        fields.push(format!("\"{}\":{}", rng.pick(&FIELDS), json(rng, 3)));
    }
    format!("{{{}}}", fields.join(","))
}

/// A transaction-shaped object with random (often wrong) members.
fn transaction_like(rng: &mut Rng) -> String {
    let mut fields = Vec::new();
    if rng.chance(90) {
        fields.push(format!(
            "\"from\":{}",
            maybe(rng, |r| format!("\"{}\"", r.hex(20)))
        ));
    }
    if rng.chance(90) {
        fields.push(format!(
            "\"nonce\":{}",
            maybe(rng, |r| r.below(300).to_string())
        ));
    }
    if rng.chance(95) {
        fields.push(format!("\"action\":{}", maybe(rng, action_like)));
    }
    if rng.chance(90) {
        fields.push(format!(
            "\"signature\":{}",
            maybe(rng, |r| format!("\"{}\"", r.hex(65)))
        ));
    }
    if rng.chance(10) {
        fields.push(format!("\"{}\":{}", rng.pick(&FIELDS), json(rng, 2)));
    }
    format!("{{{}}}", fields.join(","))
}

/// Mostly `good(rng)`, sometimes any JSON.
fn maybe(rng: &mut Rng, good: impl Fn(&mut Rng) -> String) -> String {
    if rng.chance(75) {
        good(rng)
    } else {
        json(rng, 2)
    }
}

/// Flips, inserts or deletes a few bytes.
fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..=rng.below(4) {
        let at = rng.below(out.len() + 1);
        match rng.below(4) {
            0 if at < out.len() => out[at] ^= 1 << rng.below(8),
            1 if at < out.len() => {
                out.remove(at);
            }
            2 => out.insert(
                at,
                *rng.pick(b"{}[]\":,0123456789abcdefx-+.eE \\nulltruefalse"),
            ),
            _ => out.insert(at, rng.next() as u8),
        }
    }
    out
}

fn nested(depth: usize, open: &str, close: &str, inner: &str) -> String {
    let mut s = String::with_capacity(depth * (open.len() + close.len()) + inner.len());
    for _ in 0..depth {
        s.push_str(open);
    }
    s.push_str(inner);
    for _ in 0..depth {
        s.push_str(close);
    }
    s
}

// ---------------------------------------------------------------------------------------------
// Keys

struct Key(secp256k1::SecretKey);

impl Key {
    fn dev(i: usize) -> Self {
        let hex = devnet::DEV_ACCOUNTS[i].1.trim_start_matches("0x");
        let raw: [u8; 32] = alloy_primitives::hex::decode(hex)
            .unwrap()
            .try_into()
            .unwrap();
        Self(secp256k1::SecretKey::from_byte_array(raw).unwrap())
    }

    fn address(&self) -> Address {
        let pk = secp256k1::PublicKey::from_secret_key_global(&self.0);
        Address::from_slice(&keccak256(&pk.serialize_uncompressed()[1..])[12..])
    }

    fn sign(&self, action: Action, nonce: u64) -> Transaction {
        let from = self.address();
        let digest = Transaction::signing_hash(from, nonce, &action, devnet::CHAIN_ID);
        let sig = secp256k1::SECP256K1
            .sign_ecdsa_recoverable(secp256k1::Message::from_digest(digest.0), &self.0);
        let (id, rs) = sig.serialize_compact();
        let mut bytes = rs.to_vec();
        bytes.push(27 + u8::try_from(i32::from(id)).unwrap());
        Transaction {
            from,
            nonce,
            action,
            signature: Bytes::from(bytes),
        }
    }
}

/// A valid signed transfer (the transfer itself may fail; decoding and signature hold).
fn valid_transfer(nonce: u64) -> Transaction {
    Key::dev(1).sign(
        Action::Transfer {
            token: restake_core::tokens::token_address("stETH"),
            to: Address::repeat_byte(0x42),
            amount: U256::from(1),
        },
        nonce,
    )
}

// ---------------------------------------------------------------------------------------------
// The decoder

/// Decodes; a transaction that decodes re-encodes to one that decodes to itself, and checking
/// its signature or hashing it does not panic.
fn decode_checked(bytes: &[u8], case: &str) -> bool {
    let Ok(tx) = serde_json::from_slice::<Transaction>(bytes) else {
        return false;
    };
    let again = serde_json::to_vec(&tx).unwrap();
    let back: Transaction = serde_json::from_slice(&again).unwrap_or_else(|e| {
        panic!(
            "{case}: re-encoded transaction does not decode: {e}\n{}",
            String::from_utf8_lossy(&again)
        )
    });
    assert_eq!(back, tx, "{case}: decode(encode(tx)) != tx");
    let _ = tx.verify(devnet::CHAIN_ID);
    assert_eq!(
        tx.hash(devnet::CHAIN_ID),
        back.hash(devnet::CHAIN_ID),
        "{case}"
    );
    true
}

#[test]
fn the_transaction_decoder_survives_random_bytes() {
    let mut rng = Rng::new(0xb17e5);
    for case in 0..50_000 {
        let bytes = rng.bytes(256);
        decode_checked(&bytes, &format!("bytes case {case}: {bytes:?}"));
    }
}

#[test]
fn the_transaction_decoder_survives_random_json_and_round_trips_what_it_accepts() {
    let mut rng = Rng::new(0x150a);
    let mut accepted = 0;
    for case in 0..50_000 {
        let text = if rng.chance(30) {
            json(&mut rng, 5)
        } else {
            transaction_like(&mut rng)
        };
        if decode_checked(text.as_bytes(), &format!("json case {case}: {text}")) {
            accepted += 1;
        }
    }
    // The generator is meant to reach past the outer shape; a few random actions decode.
    assert!(accepted > 0, "no random transaction decoded at all");
}

#[test]
fn the_transaction_decoder_survives_mutated_valid_transactions() {
    let mut rng = Rng::new(0x3a7e);
    let valid = serde_json::to_vec(&valid_transfer(0)).unwrap();
    assert!(decode_checked(&valid, "the valid transaction"));
    for case in 0..50_000 {
        let bytes = mutate(&mut rng, &valid);
        let case = format!("mutation case {case}: {}", String::from_utf8_lossy(&bytes));
        if decode_checked(&bytes, &case) {
            // A mutation that still decodes but changed anything signed no longer verifies.
            let tx: Transaction = serde_json::from_slice(&bytes).unwrap();
            if tx != valid_transfer(0) {
                assert!(tx.verify(devnet::CHAIN_ID).is_err(), "{case}");
            }
        }
    }
}

#[test]
fn the_transaction_decoder_refuses_deep_nesting_without_overflowing_the_stack() {
    for depth in [200, 10_000, 200_000] {
        for (open, close) in [("[", "]"), ("{\"action\":", "}"), ("{\"params\":[", "]}")] {
            let text = nested(depth, open, close, "0");
            assert!(serde_json::from_slice::<Transaction>(text.as_bytes()).is_err());
        }
        let deep_action = format!(
            "{{\"from\":\"0x{}\",\"nonce\":0,\"signature\":\"0x\",\"action\":{{\"type\":\"queueWithdrawals\",\"params\":{}}}}}",
            "11".repeat(20),
            nested(depth, "[", "]", "")
        );
        assert!(serde_json::from_slice::<Transaction>(deep_action.as_bytes()).is_err());
    }
}

// ---------------------------------------------------------------------------------------------
// A node in process, and raw HTTP

/// A node driven by the manual engine: blocks are made only when the test asks.
struct TestNode {
    addr: SocketAddr,
    engine: tokio::sync::Mutex<restake_node::engine::ManualEngine>,
    _server: jsonrpsee::server::ServerHandle,
}

async fn start_node() -> TestNode {
    let store = Store::in_memory().unwrap();
    let (handle, engine) = restake_node::start_manual(
        store,
        &devnet::genesis(),
        1_700_000_000,
        NodeConfig::default(),
    )
    .unwrap();
    let api = ApiConfig {
        addr: "127.0.0.1:0".parse().unwrap(),
        ..ApiConfig::default()
    };
    let (addr, server) = serve(handle, &api).await.unwrap();
    TestNode {
        addr,
        engine: tokio::sync::Mutex::new(engine),
        _server: server,
    }
}

/// One HTTP exchange on a fresh connection.
#[derive(Debug)]
struct HttpReply {
    status: u16,
    body: Vec<u8>,
}

impl HttpReply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "HTTP {} body is not JSON ({e}): {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }
}

/// Sends raw bytes and reads one response; `None` if the server closed without a status line
/// (acceptable only for requests that are not HTTP at all). With `half_close` the write side is
/// shut after the request, so a request that claims more body than it has cannot stall.
async fn exchange(addr: SocketAddr, request: Vec<u8>, half_close: bool) -> Option<HttpReply> {
    let stream = tokio::time::timeout(
        Duration::from_secs(10),
        tokio::net::TcpStream::connect(addr),
    )
    .await
    .expect("connect timed out")
    .expect("the node stopped accepting connections");
    let (mut rd, mut wr) = stream.into_split();
    // Write concurrently: the server may answer (413) and stop reading before the body ends.
    let writer = tokio::spawn(async move {
        let _ = wr.write_all(&request).await;
        let _ = wr.flush().await;
        if half_close {
            let _ = wr.shutdown().await;
        }
        wr
    });
    let mut raw = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    let read = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            match rd.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    raw.extend_from_slice(&buf[..n]);
                    if complete(&raw) {
                        break;
                    }
                }
            }
        }
    })
    .await;
    assert!(read.is_ok(), "no answer within 20 s");
    drop(writer.await);
    parse_reply(&raw)
}

/// True once a full response (headers and a Content-Length body) is in.
fn complete(raw: &[u8]) -> bool {
    let Some(end) = find(raw, b"\r\n\r\n") else {
        return false;
    };
    let head = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
    match content_length(&head) {
        Some(len) => raw.len() >= end + 4 + len,
        None => false,
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn content_length(head_lower: &str) -> Option<usize> {
    head_lower
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
}

fn parse_reply(raw: &[u8]) -> Option<HttpReply> {
    let end = find(raw, b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
    let status: u16 = head.split_whitespace().nth(1)?.parse().ok()?;
    let rest = &raw[end + 4..];
    let body = if let Some(len) = content_length(&head) {
        rest[..len.min(rest.len())].to_vec()
    } else if head.contains("transfer-encoding: chunked") {
        dechunk(rest)
    } else {
        rest.to_vec()
    };
    Some(HttpReply { status, body })
}

fn dechunk(mut rest: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = find(rest, b"\r\n") {
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&rest[..eol]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = eol + 2;
        let stop = (start + size).min(rest.len());
        out.extend_from_slice(&rest[start..stop]);
        rest = &rest[(stop + 2).min(rest.len())..];
    }
    out
}

fn post(addr: SocketAddr, content_type: &str, body: &[u8]) -> Vec<u8> {
    let mut req = format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    req.extend_from_slice(body);
    req
}

async fn post_json(addr: SocketAddr, body: &[u8]) -> HttpReply {
    exchange(addr, post(addr, "application/json", body), false)
        .await
        .unwrap_or_else(|| {
            panic!(
                "no HTTP answer to a JSON POST of {} bytes: {}",
                body.len(),
                String::from_utf8_lossy(&body[..body.len().min(300)])
            )
        })
}

/// The node answers a real call and admits and includes a real transaction.
async fn assert_still_serving(node: &TestNode) {
    let reply = post_json(
        node.addr,
        br#"{"jsonrpc":"2.0","id":7,"method":"restake_blockNumber","params":[]}"#,
    )
    .await;
    assert_eq!(reply.status, 200);
    let v = reply.json();
    assert_eq!(v["id"], 7);
    assert!(v["result"].is_u64(), "{v}");

    let key = Key::dev(2);
    let nonce_reply = post_json(
        node.addr,
        format!(
            r#"{{"jsonrpc":"2.0","id":8,"method":"restake_getNonce","params":["{}"]}}"#,
            key.address()
        )
        .as_bytes(),
    )
    .await;
    let nonce = nonce_reply.json()["result"].as_u64().unwrap();
    let tx = key.sign(
        Action::Transfer {
            token: restake_core::tokens::token_address("rETH"),
            to: Address::repeat_byte(0x77),
            amount: U256::from(5),
        },
        nonce,
    );
    let body = serde_json::to_vec(&serde_json::json!({
        "jsonrpc": "2.0", "id": 9, "method": "restake_sendTransaction", "params": [tx]
    }))
    .unwrap();
    let sent = post_json(node.addr, &body).await.json();
    let hash: B256 = serde_json::from_value(sent["result"].clone())
        .unwrap_or_else(|_| panic!("a valid transaction was refused: {sent}"));
    node.engine
        .lock()
        .await
        .produce_until_empty(10)
        .await
        .unwrap();
    let r = post_json(
        node.addr,
        format!(
            r#"{{"jsonrpc":"2.0","id":10,"method":"restake_getTransactionReceipt","params":["{hash}"]}}"#
        )
        .as_bytes(),
    )
    .await
    .json();
    assert_eq!(
        r["result"]["status"], "success",
        "the transaction sent after the fuzzing was not included: {r}"
    );
}

/// Codes a call may end with, by kind of method.
fn allowed_codes(method: &str) -> &'static [i64] {
    if !METHODS.contains(&method) {
        &[-32601]
    } else if method.contains("ubscribe") {
        // Subscriptions need a WebSocket; over HTTP they are an internal error.
        &[-32600, -32602, -32603]
    } else {
        &[
            -32600, -32602, -32050, -32051, -32052, -32053, -32054, -32055, -32056,
        ]
    }
}

/// A single JSON-RPC response with the request's id and exactly one of `result` and `error`.
fn check_response(v: &Value, id: &Value, method: &str, case: &str) {
    assert_eq!(v["jsonrpc"], "2.0", "{case}: {v}");
    let has_result = v.get("result").is_some();
    let has_error = v.get("error").is_some();
    assert!(has_result != has_error, "{case}: {v}");
    if has_error {
        let code = v["error"]["code"]
            .as_i64()
            .unwrap_or_else(|| panic!("{case}: error without a code: {v}"));
        assert!(v["error"]["message"].is_string(), "{case}: {v}");
        if code != -32600 {
            assert_eq!(&v["id"], id, "{case}: {v}");
        }
        assert!(
            allowed_codes(method).contains(&code),
            "{case}: unexpected code {code}: {v}"
        );
    } else {
        assert_eq!(&v["id"], id, "{case}: {v}");
        assert!(
            METHODS.contains(&method),
            "{case}: an unknown method answered: {v}"
        );
    }
}

/// Random `params`: an array (usually), an object, a scalar, or no member at all.
fn params(rng: &mut Rng, method: &str) -> Option<String> {
    let arity = match method {
        "restake_sendTransaction" if rng.chance(30) => {
            // Well-formed, then perhaps broken: a real signature, a random one, another sender.
            let mut tx = valid_transfer(rng.below(300) as u64);
            match rng.below(3) {
                0 => tx.signature = Bytes::from(rng.bytes(70)),
                1 => tx.from = Address::from_slice(&rng.next().to_be_bytes().repeat(3)[..20]),
                _ => {}
            }
            return Some(format!("[{}]", serde_json::to_string(&tx).unwrap()));
        }
        "restake_sendTransaction" if rng.chance(50) => {
            return Some(format!("[{}]", transaction_like(rng)));
        }
        "restake_prepareTransaction" if rng.chance(50) => {
            return Some(format!(
                "[{{\"from\":\"{}\",\"action\":{}{}}}]",
                rng.hex(20),
                action_like(rng),
                if rng.chance(30) {
                    format!(",\"nonce\":{}", scalar(rng))
                } else {
                    String::new()
                }
            ));
        }
        _ => rng.below(6),
    };
    match rng.below(10) {
        0 => None,
        1 => Some(json(rng, 3)),
        2 => Some(scalar(rng)),
        _ => {
            let items: Vec<String> = (0..arity).map(|_| json(rng, 3)).collect();
            Some(format!("[{}]", items.join(",")))
        }
    }
}

fn request_text(rng: &mut Rng, id: u64) -> (String, String) {
    let method = if rng.chance(90) {
        (*rng.pick(&METHODS)).to_string()
    } else {
        format!("restake_x{}", rng.hex(4).trim_start_matches("0x"))
    };
    let p = params(rng, &method)
        .map(|p| format!(",\"params\":{p}"))
        .unwrap_or_default();
    (
        format!("{{\"jsonrpc\":\"2.0\",\"id\":{id},\"method\":\"{method}\"{p}}}"),
        method,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_calls_to_every_method_get_json_rpc_answers_and_the_node_keeps_serving() {
    let node = start_node().await;
    let mut rng = Rng::new(0xca11);
    let mut outcomes = std::collections::BTreeMap::<i64, usize>::new();
    for case in 0..6_000u64 {
        let (text, method) = request_text(&mut rng, case);
        let reply = post_json(node.addr, text.as_bytes()).await;
        let label = format!("call case {case}: {text}");
        assert_eq!(
            reply.status,
            200,
            "{label}: {}",
            String::from_utf8_lossy(&reply.body)
        );
        let v = reply.json();
        check_response(&v, &Value::from(case), &method, &label);
        *outcomes
            .entry(v["error"]["code"].as_i64().unwrap_or(0))
            .or_insert(0) += 1;
    }
    eprintln!("outcomes by error code (0: result): {outcomes:?}");
    // The generator reaches past parameter decoding: some calls succeed, some are refused by the
    // node's own checks.
    assert!(outcomes.get(&0).is_some_and(|n| *n > 0), "{outcomes:?}");
    assert!(
        outcomes.keys().any(|c| (-32056..=-32050).contains(c)),
        "{outcomes:?}"
    );
    assert_still_serving(&node).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutated_signed_transactions_are_refused_with_admission_codes() {
    let node = start_node().await;
    let mut rng = Rng::new(0x5e9d);
    // Nonces far ahead of the sender's, so a mutation that survives never blocks a real one.
    let valid = serde_json::to_vec(&valid_transfer(200)).unwrap();
    for case in 0..2_000u64 {
        let tx = mutate(&mut rng, &valid);
        let mut body = format!(
            "{{\"jsonrpc\":\"2.0\",\"id\":{case},\"method\":\"restake_sendTransaction\",\"params\":["
        )
        .into_bytes();
        body.extend_from_slice(&tx);
        body.extend_from_slice(b"]}");
        let reply = post_json(node.addr, &body).await;
        let label = format!("mutated case {case}: {}", String::from_utf8_lossy(&body));
        assert!(
            [200, 400].contains(&reply.status),
            "{label}: HTTP {}",
            reply.status
        );
        let v = reply.json();
        if v["error"]["code"] == -32700 {
            // The mutation broke the JSON itself.
            continue;
        }
        check_response(&v, &Value::from(case), "restake_sendTransaction", &label);
    }
    assert_still_serving(&node).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_request_bodies_get_parse_errors_or_answers_never_a_dropped_connection() {
    let node = start_node().await;
    let mut rng = Rng::new(0xb0d1);
    for case in 0..5_000u64 {
        let body: Vec<u8> = match rng.below(4) {
            0 => rng.bytes(600),
            1 => json(&mut rng, 5).into_bytes(),
            2 => {
                let (text, _) = request_text(&mut rng, case);
                mutate(&mut rng, text.as_bytes())
            }
            _ => {
                let n = rng.below(8);
                let items: Vec<String> = (0..n)
                    .map(|i| {
                        if rng.chance(80) {
                            request_text(&mut rng, i as u64).0
                        } else {
                            json(&mut rng, 2)
                        }
                    })
                    .collect();
                format!("[{}]", items.join(",")).into_bytes()
            }
        };
        let reply = post_json(node.addr, &body).await;
        let label = format!("body case {case}: {}", String::from_utf8_lossy(&body));
        assert!(
            [200, 400].contains(&reply.status),
            "{label}: HTTP {} {}",
            reply.status,
            String::from_utf8_lossy(&reply.body)
        );
        if reply.body.is_empty() {
            // A notification (no id) or a batch of notifications: acknowledged, no answer.
            assert_eq!(reply.status, 200, "{label}");
            continue;
        }
        match reply.json() {
            Value::Null => {}
            Value::Array(items) => {
                for v in items {
                    assert_eq!(v["jsonrpc"], "2.0", "{label}: {v}");
                    assert!(
                        v.get("result").is_some() != v.get("error").is_some(),
                        "{label}: {v}"
                    );
                }
            }
            v => {
                assert_eq!(v["jsonrpc"], "2.0", "{label}: {v}");
                assert!(
                    v.get("result").is_some() != v.get("error").is_some(),
                    "{label}: {v}"
                );
                if reply.status == 400 {
                    assert_eq!(v["error"]["code"], -32700, "{label}: {v}");
                }
            }
        }
    }
    assert_still_serving(&node).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_http_requests_do_not_disturb_the_node() {
    let node = start_node().await;
    let mut rng = Rng::new(0x6a7b);
    for case in 0..1_000 {
        let request: Vec<u8> = match rng.below(4) {
            // Not HTTP at all.
            0 => rng.bytes(400),
            // Another method or path, a wrong content type.
            1 => {
                let method = *rng.pick(&["GET", "PUT", "DELETE", "OPTIONS", "POST", "PATCH"]);
                let path = *rng.pick(&["/", "/health", "/metrics", "/x", "/health/x", "//"]);
                let ctype = *rng.pick(&["text/plain", "application/json", "", "application/xml"]);
                let body = json(&mut rng, 2);
                format!(
                    "{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                )
                .into_bytes()
            }
            // A wrong Content-Length.
            2 => {
                let body = request_text(&mut rng, 1).0;
                let claimed = body.len().saturating_sub(rng.below(body.len() + 1));
                format!(
                    "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {claimed}\r\nConnection: close\r\n\r\n{body}"
                )
                .into_bytes()
            }
            // A mangled request head.
            _ => mutate(&mut rng, &post(node.addr, "application/json", b"{}")),
        };
        if let Some(reply) = exchange(node.addr, request, true).await {
            assert!(
                (200..600).contains(&reply.status),
                "garbage case {case}: status {}",
                reply.status
            );
        }
    }
    assert_still_serving(&node).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversize_bodies_get_413_and_batches_over_the_limit_one_error() {
    let node = start_node().await;
    let limit = ApiConfig::default().max_request_bytes as usize;

    // Just over the limit: a real request padded with whitespace, and plain junk.
    let call = br#"{"jsonrpc":"2.0","id":1,"method":"restake_chainId","params":[]}"#;
    let mut padded = call.to_vec();
    padded.resize(limit + 1, b' ');
    let mut junk = vec![b'['; limit + 1];
    junk[0] = b'{';
    for body in [padded, junk, vec![b'x'; 4 * limit]] {
        let reply = post_json(node.addr, &body).await;
        assert_eq!(
            reply.status,
            413,
            "{}",
            String::from_utf8_lossy(&reply.body)
        );
        assert_eq!(reply.json()["error"]["code"], -32007);
    }
    // At the limit exactly it is served.
    let mut at_limit = call.to_vec();
    at_limit.resize(limit, b' ');
    let reply = post_json(node.addr, &at_limit).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["result"], devnet::CHAIN_ID);

    // Batches: 100 calls are answered one by one, 101 get one error and run nothing.
    let batch = |n: usize| {
        let calls: Vec<String> = (0..n)
            .map(|i| {
                format!(
                    r#"{{"jsonrpc":"2.0","id":{i},"method":"restake_blockNumber","params":[]}}"#
                )
            })
            .collect();
        format!("[{}]", calls.join(","))
    };
    let max = ApiConfig::default().max_batch as usize;
    let ok = post_json(node.addr, batch(max).as_bytes()).await.json();
    assert_eq!(ok.as_array().map(Vec::len), Some(max), "{ok}");
    assert!(ok.as_array().unwrap().iter().all(|v| v["result"].is_u64()));
    for n in [max + 1, 5 * max, 20_000] {
        let body = batch(n);
        let reply = post_json(node.addr, body.as_bytes()).await;
        if body.len() > limit {
            assert_eq!(reply.status, 413);
            continue;
        }
        let v = reply.json();
        assert_eq!(v["error"]["code"], -32010, "{v}");
        assert_eq!(v["id"], Value::Null);
        assert!(
            v["error"]["message"]
                .as_str()
                .unwrap()
                .contains("batch request was too large")
        );
    }
    assert_still_serving(&node).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deeply_nested_json_is_refused_without_crashing_the_node() {
    let node = start_node().await;
    let depths = [200, 10_000, 400_000];
    for depth in depths {
        let bodies = [
            // As the whole body (a batch of batches of ...).
            nested(depth, "[", "]", ""),
            nested(depth, "{\"a\":", "}", "1"),
            // As a parameter of every method.
            format!(
                r#"{{"jsonrpc":"2.0","id":1,"method":"restake_sendTransaction","params":[{}]}}"#,
                nested(depth, "{\"action\":", "}", "0")
            ),
            format!(
                r#"{{"jsonrpc":"2.0","id":1,"method":"restake_getProof","params":{}}}"#,
                nested(depth, "[", "]", "")
            ),
            format!(
                r#"{{"jsonrpc":"2.0","id":1,"method":"restake_prepareTransaction","params":[{{"from":"0x{}","action":{{"type":"createOperatorSets","params":{}}}}}]}}"#,
                "11".repeat(20),
                nested(depth, "[", "]", "")
            ),
        ];
        for body in bodies {
            let reply = post_json(node.addr, body.as_bytes()).await;
            if body.len() > ApiConfig::default().max_request_bytes as usize {
                assert_eq!(reply.status, 413);
                continue;
            }
            // One error, or (for a batch whose single entry is the nested rest) an array of
            // errors; never a result, never a dropped connection.
            let v = reply.json();
            let answers = match &v {
                Value::Array(items) => items.clone(),
                other => vec![other.clone()],
            };
            assert!(!answers.is_empty(), "depth {depth}: {v}");
            for a in answers {
                let code = a["error"]["code"].as_i64();
                assert!(
                    matches!(code, Some(-32700 | -32600 | -32602)),
                    "depth {depth}: {v}"
                );
            }
        }
    }
    assert_still_serving(&node).await;
}

/// A body over the limit sent without a `Content-Length` (chunked) is counted as it arrives and
/// refused like a declared one: HTTP 413 with `-32007`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversize_chunked_body_gets_413_like_a_declared_one() {
    let node = start_node().await;
    let limit = ApiConfig::default().max_request_bytes as usize;
    let mut chunked = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n".to_vec();
    let mut piece = vec![b' '; 64 * 1024];
    // A JSON start, so the body is not refused as malformed before its size is known.
    piece[0] = b'{';
    for _ in 0..(limit / piece.len() + 2) {
        chunked.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
        chunked.extend_from_slice(&piece);
        chunked.extend_from_slice(b"\r\n");
        piece[0] = b' ';
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let reply = exchange(node.addr, chunked, false)
        .await
        .expect("an HTTP answer");
    let body = String::from_utf8_lossy(&reply.body).into_owned();
    assert_eq!(reply.status, 413, "{body}");
    assert_eq!(reply.json()["error"]["code"], -32007, "{body}");
    assert_still_serving(&node).await;
}
