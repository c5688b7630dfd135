//! The conventions of `docs/rpc.md` (and the pause pages of `docs/spec/`), each checked by
//! sending requests to a node over raw HTTP.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::panic,
    missing_docs
)]

mod common;
use restake_client::Wallet;
use restake_core::Action;
use restake_node::devnet;
use restake_node::node::{NodeConfig, NodeHandle};
use restake_node::rpc::{Api, RestakeApiServer, params};
use restake_store::Store;
use serde_json::{Value, json};
use std::net::SocketAddr;

struct Node {
    handle: NodeHandle,
    addr: SocketAddr,
    server: jsonrpsee::server::ServerHandle,
}

async fn start() -> Node {
    let served = common::serve_manual(Store::in_memory().unwrap(), NodeConfig::default()).await;
    Node {
        handle: served.handle,
        addr: served.addr,
        server: served.server,
    }
}

impl Node {
    /// Posts `body` as JSON; returns the HTTP status and the body of the answer.
    async fn post(&self, body: &str) -> (u16, String) {
        common::post(self.addr, body).await
    }

    /// One call; returns the response object.
    async fn call(&self, method: &str, params: Value) -> Value {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let (status, reply) = self.post(&body.to_string()).await;
        assert_eq!(status, 200, "{reply}");
        serde_json::from_str(&reply).unwrap()
    }

    async fn stop(self) {
        self.server.stop().unwrap();
        self.server.stopped().await;
    }
}

fn code(reply: &Value) -> i64 {
    reply["error"]["code"]
        .as_i64()
        .unwrap_or_else(|| panic!("no error: {reply}"))
}

const ALICE: &str = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parameters_are_positional_and_more_than_a_method_takes_are_invalid_params() {
    let node = start().await;
    // No parameters: `[]` or no `params` member.
    assert_eq!(
        node.call("restake_chainId", json!([])).await["result"],
        31337
    );
    let (_, reply) = node
        .post(r#"{"jsonrpc":"2.0","id":1,"method":"restake_chainId"}"#)
        .await;
    assert_eq!(
        serde_json::from_str::<Value>(&reply).unwrap()["result"],
        31337
    );
    // Trailing optional parameters may be left out.
    assert!(node.call("restake_getProof", json!(["0x00"])).await["result"].is_object());
    // One too many, named parameters, or `null` are -32602.
    assert_eq!(
        code(&node.call("restake_chainId", json!([1])).await),
        -32602
    );
    assert_eq!(
        code(&node.call("restake_getNonce", json!([ALICE, 5])).await),
        -32602
    );
    assert_eq!(
        code(
            &node
                .call("restake_getNonce", json!({"address": ALICE}))
                .await
        ),
        -32602
    );
    assert_eq!(
        code(&node.call("restake_getNonce", Value::Null).await),
        -32602
    );
    // A missing required one too.
    assert_eq!(
        code(&node.call("restake_getNonce", json!([])).await),
        -32602
    );
    // In a batch, each call is judged on its own.
    let (status, reply) = node
        .post(&format!(
            r#"[{{"jsonrpc":"2.0","id":1,"method":"restake_getNonce","params":["{ALICE}",1]}},{{"jsonrpc":"2.0","id":2,"method":"restake_getNonce","params":["{ALICE}"]}}]"#
        ))
        .await;
    assert_eq!(status, 200);
    let replies: Value = serde_json::from_str(&reply).unwrap();
    assert_eq!(code(&replies[0]), -32602);
    assert_eq!(replies[1]["result"], 0);
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_method_declares_how_many_parameters_it_takes() {
    let node = start().await;
    let module = Api::new(node.handle.clone()).into_rpc();
    let mut served: Vec<&str> = module.method_names().collect();
    let mut declared: Vec<&str> = params::PARAMETERS.iter().map(|(m, _)| *m).collect();
    served.sort_unstable();
    declared.sort_unstable();
    assert_eq!(served, declared);
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hex_is_read_with_or_without_0x_and_always_written_with_it() {
    let node = start().await;
    let bare = ALICE.trim_start_matches("0x");
    assert_eq!(
        node.call("restake_getNonce", json!([bare])).await["result"],
        0
    );
    // A transaction whose sender and signature come without `0x` is admitted.
    let key = Wallet::from_hex(devnet::DEV_ACCOUNTS[1].1).unwrap();
    let action: Action = serde_json::from_value(
        json!({"type": "updateAvsMetadataUri", "metadataUri": "https://avs.example"}),
    )
    .unwrap();
    let mut tx = serde_json::to_value(key.sign(action, 0, devnet::CHAIN_ID)).unwrap();
    for field in ["from", "signature"] {
        let written = tx[field].as_str().unwrap().to_string();
        assert!(written.starts_with("0x"), "{field} is written with 0x");
        tx[field] = json!(written.trim_start_matches("0x"));
    }
    let sent = node.call("restake_sendTransaction", json!([tx])).await;
    let hash = sent["result"].as_str().unwrap_or_else(|| panic!("{sent}"));
    assert!(hash.starts_with("0x") && hash.len() == 66);
    let block = node.call("restake_getBlock", json!([0])).await;
    assert!(block["result"]["hash"].as_str().unwrap().starts_with("0x"));
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_is_not_json_is_a_parse_error_with_http_400() {
    let node = start().await;
    for body in ["", "  ", "{", "nonsense", "[1,", r#"{"jsonrpc":"2.0"} x"#] {
        let (status, reply) = node.post(body).await;
        assert_eq!(status, 400, "{body:?}: {reply}");
        let reply: Value = serde_json::from_str(&reply).unwrap();
        assert_eq!(code(&reply), -32700, "{body:?}");
        assert_eq!(reply["id"], Value::Null);
    }
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_that_is_not_a_request_object_is_an_invalid_request_with_http_200() {
    let node = start().await;
    for body in [
        "{}",
        "[]",
        "[{}]",
        "1",
        "null",
        r#"{"jsonrpc":"2.0","id":1}"#,
        r#"{"jsonrpc":"1.0","id":1,"method":"restake_chainId"}"#,
        r#"{"jsonrpc":"2.0","id":1,"method":5}"#,
    ] {
        let (status, reply) = node.post(body).await;
        assert_eq!(status, 200, "{body:?}: {reply}");
        let reply: Value = serde_json::from_str(&reply).unwrap();
        let reply = if reply.is_array() {
            reply[0].clone()
        } else {
            reply
        };
        assert_eq!(code(&reply), -32600, "{body:?}");
    }
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notification_is_answered_with_nothing_and_not_executed() {
    let node = start().await;
    let key = Wallet::from_hex(devnet::DEV_ACCOUNTS[1].1).unwrap();
    let action: Action = serde_json::from_value(
        json!({"type": "updateAvsMetadataUri", "metadataUri": "https://avs.example"}),
    )
    .unwrap();
    let tx = key.sign(action, 0, devnet::CHAIN_ID);
    let body = json!({"jsonrpc": "2.0", "method": "restake_sendTransaction", "params": [tx]});
    let (status, reply) = node.post(&body.to_string()).await;
    assert_eq!(status, 200);
    assert_eq!(reply, "null", "no response object");
    assert_eq!(
        node.handle.mempool_len(),
        0,
        "the transaction was not admitted"
    );
    node.stop().await;
}

/// Every pause target the core knows, as the pause page spells it in JSON.
const PAUSE_TARGETS: [&str; 7] = [
    r#""tokenManager""#,
    r#""delegationManager""#,
    r#""allocationManager""#,
    r#""evidence""#,
    r#""podManager""#,
    r#""rewards""#,
    r#"{"pool": "0x…"}"#,
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pause_pages_list_every_target_and_a_decimal_string_status() {
    let node = start().await;
    let page = |name: &str| {
        std::fs::read_to_string(format!(
            "{}/../../docs/spec/{name}.md",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    };
    let (pause, unpause) = (page("pause"), page("unpause"));
    for target in PAUSE_TARGETS {
        assert!(pause.contains(&format!("`{target}`")), "pause.md: {target}");
        assert!(
            unpause.contains(&format!("`{target}`")),
            "unpause.md: {target}"
        );
        let target: Value =
            serde_json::from_str(&target.replace("0x…", &format!("0x{}", "11".repeat(20))))
                .unwrap();
        for kind in ["pause", "unpause"] {
            let action = json!({"type": kind, "target": target, "newPausedStatus": "3"});
            let r = node
                .call(
                    "restake_prepareTransaction",
                    json!([{"from": ALICE, "action": action}]),
                )
                .await;
            assert!(r["result"].is_object(), "{kind} {target}: {r}");
            // The status is a decimal string: a JSON number is refused.
            let action = json!({"type": kind, "target": target, "newPausedStatus": 3});
            let r = node
                .call(
                    "restake_prepareTransaction",
                    json!([{"from": ALICE, "action": action}]),
                )
                .await;
            assert_eq!(code(&r), -32602, "{kind} {target}");
        }
    }
    for page in [&pause, &unpause] {
        assert!(page.contains("| `newPausedStatus` | decimal string (u64) |"));
    }
    node.stop().await;
}
