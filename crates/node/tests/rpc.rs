//! The node in process: RPC admission, block production, receipts, queries and proofs.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::panic,
    missing_docs
)]

mod common;
use alloy_primitives::{Address, B256, Bytes, U256};
use jsonrpsee_core::client::ClientT;
use jsonrpsee_core::rpc_params;
use jsonrpsee_http_client::{HttpClient, HttpClientBuilder};
use restake_client::Wallet;
use restake_core::Action;
use restake_core::block::Header;
use restake_core::tx::Transaction;
use restake_node::devnet;
use restake_node::engine::ManualEngine;
use restake_node::node::NodeConfig;
use restake_store::Store;
use serde_json::{Value, json};
use std::time::Duration;

/// Development account `i` as a signing wallet.
struct Key;

impl Key {
    fn dev(i: usize) -> Wallet {
        Wallet::from_hex(devnet::DEV_ACCOUNTS[i].1).unwrap()
    }
}

/// A node driven by the manual engine: a block is made only when a test asks for one.
struct TestNode {
    client: HttpClient,
    url: String,
    engine: tokio::sync::Mutex<ManualEngine>,
    _server: jsonrpsee::server::ServerHandle,
}

async fn start_node() -> TestNode {
    let config = NodeConfig {
        block_interval: Duration::from_millis(1_000),
        ..NodeConfig::default()
    };
    let common::Served {
        engine,
        addr,
        server,
        ..
    } = common::serve_manual(Store::in_memory().unwrap(), config).await;
    let url = format!("http://{addr}");
    let client = HttpClientBuilder::default().build(&url).unwrap();
    TestNode {
        client,
        url,
        engine: tokio::sync::Mutex::new(engine),
        _server: server,
    }
}

impl TestNode {
    async fn send(&self, key: &Wallet, action: Action) -> B256 {
        let prepared: Value = self
            .client
            .request(
                "restake_prepareTransaction",
                rpc_params![json!({"from": key.address(), "action": action})],
            )
            .await
            .unwrap();
        let nonce = prepared["nonce"].as_u64().unwrap();
        let digest: B256 = serde_json::from_value(prepared["signingHash"].clone()).unwrap();
        let tx = Transaction {
            from: key.address(),
            nonce,
            action,
            signature: key.sign_digest(digest),
        };
        self.client
            .request("restake_sendTransaction", rpc_params![tx])
            .await
            .unwrap()
    }

    /// Makes one block from whatever is pending.
    async fn block(&self) -> Header {
        self.engine.lock().await.produce_block().await.unwrap()
    }

    /// Makes blocks until nothing is pending, then reads the receipt.
    async fn receipt(&self, hash: B256) -> Value {
        self.engine
            .lock()
            .await
            .produce_until_empty(10)
            .await
            .unwrap();
        let r: Value = self
            .client
            .request("restake_getTransactionReceipt", rpc_params![hash])
            .await
            .unwrap();
        assert!(!r.is_null(), "no receipt for {hash}");
        r
    }
}

fn strategy_of(strategies: &[Value], symbol: &str) -> (Address, Address) {
    let s = strategies.iter().find(|s| s["symbol"] == symbol).unwrap();
    (
        serde_json::from_value(s["strategy"].clone()).unwrap(),
        serde_json::from_value(s["token"].clone()).unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_deposit_is_included_and_shows_in_the_stakers_view() {
    let node = start_node().await;
    let chain_id: u64 = node
        .client
        .request("restake_chainId", rpc_params![])
        .await
        .unwrap();
    assert_eq!(chain_id, devnet::CHAIN_ID);
    let strategies: Vec<Value> = node
        .client
        .request("restake_getStrategies", rpc_params![])
        .await
        .unwrap();
    assert_eq!(strategies.len(), 9);
    let (strategy, token) = strategy_of(&strategies, "stETH");
    let staker = Key::dev(1);
    let amount = U256::from(5) * U256::from(10).pow(U256::from(18));
    let hash = node
        .send(
            &staker,
            Action::DepositIntoStrategy {
                strategy,
                token,
                amount,
            },
        )
        .await;
    let r = node.receipt(hash).await;
    assert_eq!(r["status"], "success", "{r}");
    assert_eq!(r["error"], Value::Null);
    let view: Value = node
        .client
        .request("restake_getStaker", rpc_params![staker.address()])
        .await
        .unwrap();
    assert_eq!(view["positions"][0]["depositShares"], amount.to_string());
    let nonce: u64 = node
        .client
        .request("restake_getNonce", rpc_params![staker.address()])
        .await
        .unwrap();
    assert_eq!(nonce, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_action_gets_a_failed_receipt_with_code_and_message() {
    let node = start_node().await;
    let staker = Key::dev(2);
    let hash = node
        .send(
            &staker,
            Action::Undelegate {
                staker: staker.address(),
            },
        )
        .await;
    let r = node.receipt(hash).await;
    assert_eq!(r["status"], "failed");
    assert_eq!(r["error"]["code"], 4000);
    assert_eq!(r["error"]["name"], "NotActivelyDelegated");
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not delegated")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_signatures_replays_and_wrong_nonces_are_refused_at_admission() {
    let node = start_node().await;
    let key = Key::dev(3);
    let action = Action::PauseAll {};
    let digest = Transaction::signing_hash(key.address(), 0, &action, devnet::CHAIN_ID);
    let good = Transaction {
        from: key.address(),
        nonce: 0,
        action: action.clone(),
        signature: key.sign_digest(digest),
    };
    let code = |e: jsonrpsee_core::ClientError| match e {
        jsonrpsee_core::ClientError::Call(o) => o.code(),
        other => panic!("unexpected {other}"),
    };
    // Signed by someone else.
    let forged = Transaction {
        signature: Key::dev(4).sign_digest(digest),
        ..good.clone()
    };
    let e = node
        .client
        .request::<B256, _>("restake_sendTransaction", rpc_params![forged])
        .await
        .unwrap_err();
    assert_eq!(code(e), -32050);
    // Signed for another chain.
    let other_chain = Transaction {
        signature: key.sign_digest(Transaction::signing_hash(key.address(), 0, &action, 1)),
        ..good.clone()
    };
    let e = node
        .client
        .request::<B256, _>("restake_sendTransaction", rpc_params![other_chain])
        .await
        .unwrap_err();
    assert_eq!(code(e), -32050);
    // Accepted once, then a duplicate.
    let h: B256 = node
        .client
        .request("restake_sendTransaction", rpc_params![good.clone()])
        .await
        .unwrap();
    let e = node
        .client
        .request::<B256, _>("restake_sendTransaction", rpc_params![good.clone()])
        .await
        .unwrap_err();
    assert!([-32053, -32051].contains(&code(e)));
    node.receipt(h).await;
    // A replay after inclusion is a stale nonce.
    let e = node
        .client
        .request::<B256, _>("restake_sendTransaction", rpc_params![good])
        .await
        .unwrap_err();
    assert_eq!(code(e), -32051);
    // Far-future nonce.
    let far = Transaction::signing_hash(key.address(), 10_000, &action, devnet::CHAIN_ID);
    let tx = Transaction {
        from: key.address(),
        nonce: 10_000,
        action,
        signature: key.sign_digest(far),
    };
    let e = node
        .client
        .request::<B256, _>("restake_sendTransaction", rpc_params![tx])
        .await
        .unwrap_err();
    assert_eq!(code(e), -32052);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_requests_get_json_rpc_errors() {
    let node = start_node().await;
    let e = node
        .client
        .request::<Value, _>("restake_noSuchMethod", rpc_params![])
        .await
        .unwrap_err();
    assert!(e.to_string().contains("Method not found"), "{e}");
    let e = node
        .client
        .request::<Value, _>(
            "restake_sendTransaction",
            rpc_params![json!({"from": "0x12"})],
        )
        .await
        .unwrap_err();
    assert!(e.to_string().contains("Invalid params"), "{e}");
    let e = node
        .client
        .request::<Value, _>("restake_getStaker", rpc_params![json!(12)])
        .await
        .unwrap_err();
    assert!(e.to_string().contains("Invalid params"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_and_metrics_answer_plain_get_requests() {
    let node = start_node().await;
    let addr = node.url.trim_start_matches("http://").to_string();
    let get = |path: &'static str| {
        let addr = addr.clone();
        async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
            s.write_all(
                format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes(),
            )
            .await
            .unwrap();
            let mut out = String::new();
            s.read_to_string(&mut out).await.unwrap();
            out
        }
    };
    let health = get("/health").await;
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    assert!(health.contains("\"status\":\"ok\""));
    node.block().await;
    let metrics = get("/metrics").await;
    assert!(metrics.contains("restake_blocks_total"), "{metrics}");
    assert!(metrics.contains("restake_commit_latency_seconds_count"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_proofs_verify_against_the_header_state_root() {
    let node = start_node().await;
    let key = b"cfg/params".to_vec();
    let height: u64 = node
        .client
        .request("restake_blockNumber", rpc_params![])
        .await
        .unwrap();
    let p: Value = node
        .client
        .request(
            "restake_getProof",
            rpc_params![Bytes::from(key.clone()), height],
        )
        .await
        .unwrap();
    let block: Value = node
        .client
        .request("restake_getBlock", rpc_params![height])
        .await
        .unwrap();
    assert_eq!(p["stateRoot"], block["header"]["stateRoot"]);
    let root: B256 = serde_json::from_value(p["stateRoot"].clone()).unwrap();
    let value: Bytes = serde_json::from_value(p["value"].clone()).unwrap();
    let proof: Bytes = serde_json::from_value(p["proof"].clone()).unwrap();
    restake_store::proof::verify(root, &key, Some(&value), &proof).unwrap();
    assert!(restake_store::proof::verify(root, &key, Some(b"forged"), &proof).is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websocket_subscribers_receive_new_heads_and_events_on_the_same_port() {
    use jsonrpsee_core::client::{Subscription, SubscriptionClientT};
    let node = start_node().await;
    let ws_url = node.url.replace("http://", "ws://");
    let ws = jsonrpsee_ws_client::WsClientBuilder::default()
        .build(&ws_url)
        .await
        .unwrap();
    let mut heads: Subscription<Value> = ws
        .subscribe(
            "restake_subscribeNewHeads",
            rpc_params![],
            "restake_unsubscribeNewHeads",
        )
        .await
        .unwrap();
    let mut events: Subscription<Value> = ws
        .subscribe(
            "restake_subscribeEvents",
            rpc_params![],
            "restake_unsubscribeEvents",
        )
        .await
        .unwrap();
    node.block().await;
    let head = tokio::time::timeout(Duration::from_secs(5), heads.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(head["height"].as_u64().unwrap() >= 1);
    assert!(head["stateRoot"].is_string());
    let key = Key::dev(5);
    let strategies: Vec<Value> = node
        .client
        .request("restake_getStrategies", rpc_params![])
        .await
        .unwrap();
    let (_, token) = strategy_of(&strategies, "rETH");
    let hash = node
        .send(
            &key,
            Action::Transfer {
                token,
                to: Address::repeat_byte(7),
                amount: U256::from(3),
            },
        )
        .await;
    node.block().await;
    let ev = tokio::time::timeout(Duration::from_secs(5), events.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(ev["transactionHash"], serde_json::to_value(hash).unwrap());
    assert_eq!(ev["event"]["type"], "Transfer");
    assert_eq!(ev["event"]["amount"], "3");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_verifies_state_proofs_against_the_block_header() {
    let node = start_node().await;
    let client = restake_client::Client::new(&node.url).unwrap();
    let (value, height) = client.verified_state(b"cfg/params", None).await.unwrap();
    assert!(value.is_some());
    let (absent, _) = client
        .verified_state(b"no/such/key", Some(height))
        .await
        .unwrap();
    assert_eq!(absent, None);
}

async fn next_report(s: &mut jsonrpsee_core::client::Subscription<Value>) -> Value {
    tokio::time::timeout(Duration::from_secs(10), s.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_risk_report_subscription_pushes_a_new_report_only_when_the_graph_changes() {
    use jsonrpsee_core::client::{Subscription, SubscriptionClientT};
    let node = start_node().await;
    let ws = jsonrpsee_ws_client::WsClientBuilder::default()
        .build(node.url.replace("http://", "ws://"))
        .await
        .unwrap();
    let mut reports: Subscription<Value> = ws
        .subscribe(
            "restake_subscribeRiskReport",
            rpc_params!["1/100"],
            "restake_unsubscribeRiskReport",
        )
        .await
        .unwrap();
    // The current state first: nothing declared yet.
    let first = next_report(&mut reports).await;
    assert_eq!(first["graph"]["services"], json!([]));
    // An AVS creates a set and declares a profit from corruption; no operator secures it yet.
    let avs = Key::dev(6);
    let action = |v: Value| -> Action { serde_json::from_value(v).unwrap() };
    let hash = node
        .send(
            &avs,
            action(json!({"type": "updateAvsMetadataUri", "metadataUri": "https://avs.example"})),
        )
        .await;
    assert_eq!(node.receipt(hash).await["status"], "success");
    // Blocks without a change to the graph push nothing.
    let hash = node
        .send(
            &avs,
            action(json!({"type": "createOperatorSets", "params": [{"operatorSetId": 1, "strategies": []}]})),
        )
        .await;
    assert_eq!(node.receipt(hash).await["status"], "success");
    let hash = node
        .send(
            &avs,
            action(
                json!({"type": "setOperatorSetRiskProfile", "operatorSetId": 1,
                          "pfcLow": "1", "pfcHigh": "5", "alphaWad": "500000000000000000"}),
            ),
        )
        .await;
    assert_eq!(node.receipt(hash).await["status"], "success");
    let second = next_report(&mut reports).await;
    assert_eq!(second["graph"]["services"][0]["pfc"], "5");
    assert!(second["block"].as_u64().unwrap() > first["block"].as_u64().unwrap());
    // A stakeless set falls for free.
    assert_eq!(second["report"]["secure"], false);
    assert_eq!(
        second["avs"][0]["operatorSets"].as_array().unwrap().len(),
        1
    );
    // Its attack costs nothing: the profit is infinitely many times the cost, slack −1.
    assert_eq!(second["avs"][0]["slack"], "-1");
    assert_eq!(second["avs"][0]["setsWithoutSlack"], json!([]));
    // Bad parameters are refused at subscription.
    let refused = ws
        .subscribe::<Value, _>(
            "restake_subscribeRiskReport",
            rpc_params!["1/100", json!({"NOPE": "2"})],
            "restake_unsubscribeRiskReport",
        )
        .await;
    assert!(refused.unwrap_err().to_string().contains("NOPE"));
}
