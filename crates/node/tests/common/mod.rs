//! What the node's API tests share: a node on the manual engine served on a loopback port, and
//! raw HTTP posts for checking the wire itself.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use restake_node::devnet;
use restake_node::engine::ManualEngine;
use restake_node::node::{NodeConfig, NodeHandle};
use restake_node::server::{ApiConfig, serve};
use restake_store::Store;
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A devnet node stepped by hand, its API on an ephemeral loopback port.
pub struct Served {
    pub handle: NodeHandle,
    pub engine: ManualEngine,
    pub addr: SocketAddr,
    pub server: jsonrpsee::server::ServerHandle,
}

/// Starts a devnet node on `store` with `config` and serves its API on `127.0.0.1:0`.
pub async fn serve_manual(store: Store, config: NodeConfig) -> Served {
    let (handle, engine) =
        restake_node::start_manual(store, &devnet::genesis(), 1_700_000_000, config).unwrap();
    let api = ApiConfig {
        addr: "127.0.0.1:0".parse().unwrap(),
        ..ApiConfig::default()
    };
    let (addr, server) = serve(handle.clone(), &api).await.unwrap();
    Served {
        handle,
        engine,
        addr,
        server,
    }
}

/// Posts `body` as JSON over a fresh HTTP connection; returns the status and the answer's body.
pub async fn post(addr: SocketAddr, body: &str) -> (u16, String) {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!(
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    let (head, reply) = out.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, reply.to_string())
}

/// Posts one JSON-RPC call; returns the whole answer (`result` or `error`).
pub async fn call(addr: SocketAddr, method: &str, params: serde_json::Value) -> serde_json::Value {
    let body = serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    let (_, reply) = post(addr, &body.to_string()).await;
    serde_json::from_str(&reply).unwrap()
}

/// Development account `i` signs and submits `action` (JSON) with its next nonce.
pub fn act(node: &NodeHandle, i: usize, action: serde_json::Value) {
    let key = restake_client::Wallet::from_hex(devnet::DEV_ACCOUNTS[i].1).unwrap();
    let nonce = node.next_nonce(&key.address()).unwrap();
    let action: restake_core::Action = serde_json::from_value(action).unwrap();
    node.submit(key.sign(action, nonce, devnet::CHAIN_ID))
        .unwrap();
}

/// Development account `i`'s address.
pub fn dev(i: usize) -> alloy_primitives::Address {
    restake_client::Wallet::from_hex(devnet::DEV_ACCOUNTS[i].1)
        .unwrap()
        .address()
}

/// Waits (bounded) until the node's own index holds `height`.
pub async fn indexed(node: &NodeHandle, height: u64) {
    tokio::time::timeout(std::time::Duration::from_secs(30), async {
        while node.index().next_height().unwrap() <= height {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("the node's index reaches the height");
}
