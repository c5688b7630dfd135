//! The web app's files on the RPC port: `GET /` is the page, with an entity tag that a revisit
//! turns into `304`, a policy that lets the page talk to this node only, and 404 for what is not
//! a file of the app; JSON-RPC and WebSocket upgrades on the same path are untouched.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::panic,
    missing_docs
)]

mod common;
use restake_node::node::NodeConfig;
use restake_store::Store;
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A raw GET; returns the status line's code, the headers (lowercase names) and the body.
async fn get(addr: SocketAddr, path: &str, extra: &str) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!("GET {path} HTTP/1.1\r\nHost: x\r\n{extra}Connection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.unwrap();
    let split = out.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8(out[..split].to_vec()).unwrap();
    let body = out[split + 4..].to_vec();
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    (status, headers, body)
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_node_serves_the_app_with_tags_a_strict_policy_and_404s() {
    let served = common::serve_manual(Store::in_memory().unwrap(), NodeConfig::default()).await;
    let (status, headers, body) = get(served.addr, "/", "").await;
    assert_eq!(status, 200);
    assert_eq!(
        header(&headers, "content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(body, restake_web::embedded("/").unwrap().bytes.to_vec());
    let csp = header(&headers, "content-security-policy").unwrap();
    assert!(csp.contains("default-src 'self'") && csp.contains("connect-src 'self'"));
    assert_eq!(header(&headers, "x-content-type-options"), Some("nosniff"));
    let tag = header(&headers, "etag").unwrap().to_string();
    // A revisit with the tag costs no body.
    let (status, _, body) = get(served.addr, "/", &format!("If-None-Match: {tag}\r\n")).await;
    assert_eq!(status, 304);
    assert!(body.is_empty());
    // Every built-in file, with its type.
    for (name, len) in restake_web::names() {
        let (status, headers, body) = get(served.addr, &format!("/{name}"), "").await;
        assert_eq!((status, body.len()), (200, len), "{name}");
        assert!(header(&headers, "content-type").is_some(), "{name}");
    }
    for path in ["/nope.js", "/../Cargo.toml", "/health/x"] {
        let (status, _, _) = get(served.addr, path, "").await;
        assert_eq!(status, 404, "{path}");
    }
    // JSON-RPC on the same path still answers.
    let reply = common::call(served.addr, "restake_chainId", serde_json::json!([])).await;
    assert_eq!(reply["result"], 31337);
    served.server.stop().unwrap();
}
