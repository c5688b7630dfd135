//! Subscriptions under load: risk reports are computed once per block and parameter set however
//! many subscribe, the caps per connection, in total and on parameter sets answer their
//! documented codes, and a client that leaves takes everything it held with it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::panic,
    missing_docs
)]

mod common;
use jsonrpsee_core::client::{Error as ClientError, Subscription, SubscriptionClientT};
use jsonrpsee_core::params::ArrayParams;
use jsonrpsee_ws_client::{WsClient, WsClientBuilder};
use restake_client::Wallet;
use restake_core::Action;
use restake_node::devnet;
use restake_node::engine::ManualEngine;
use restake_node::node::{NodeConfig, NodeHandle, SubscriptionLimits};
use restake_node::rpc::codes;
use restake_store::Store;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Every wait in these tests is bounded by this; nothing is measured against it.
const PATIENCE: Duration = Duration::from_secs(30);

struct Node {
    handle: NodeHandle,
    engine: ManualEngine,
    addr: SocketAddr,
    server: jsonrpsee::server::ServerHandle,
    avs: Wallet,
    pfc: u64,
}

async fn start(limits: SubscriptionLimits) -> Node {
    let config = NodeConfig {
        block_interval: Duration::from_millis(1_000),
        subscriptions: limits,
        ..NodeConfig::default()
    };
    let served = common::serve_manual(Store::in_memory().unwrap(), config).await;
    Node {
        handle: served.handle,
        engine: served.engine,
        addr: served.addr,
        server: served.server,
        avs: Wallet::from_hex(devnet::DEV_ACCOUNTS[6].1).unwrap(),
        pfc: 5,
    }
}

impl Node {
    fn submit(&self, action: Value) {
        let action: Action = serde_json::from_value(action).unwrap();
        let nonce = self.handle.next_nonce(&self.avs.address()).unwrap();
        let tx = self.avs.sign(action, nonce, devnet::CHAIN_ID);
        self.handle.submit(tx).unwrap();
    }

    async fn block(&mut self) -> u64 {
        self.engine.produce_block().await.unwrap().height
    }

    /// An AVS with operator set 1 and a declared risk profile: a graph with one service.
    async fn declare_a_service(&mut self) {
        self.submit(json!({"type": "updateAvsMetadataUri", "metadataUri": "https://avs.example"}));
        self.block().await;
        self.submit(
            json!({"type": "createOperatorSets", "params": [{"operatorSetId": 1, "strategies": []}]}),
        );
        self.block().await;
        self.change_the_graph();
        self.block().await;
    }

    /// Raises the declared profit from corruption: the next block changes the report.
    fn change_the_graph(&mut self) {
        self.pfc += 1;
        self.submit(
            json!({"type": "setOperatorSetRiskProfile", "operatorSetId": 1,
            "pfcLow": "1", "pfcHigh": self.pfc.to_string(), "alphaWad": "500000000000000000"}),
        );
    }

    fn analyses(&self) -> u64 {
        self.handle
            .metrics()
            .risk_analyses
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    async fn ws(&self) -> WsClient {
        WsClientBuilder::default()
            .max_concurrent_requests(4_096)
            .build(format!("ws://{}", self.addr))
            .await
            .unwrap()
    }

    /// `GET /metrics`, as a scraper reads it.
    async fn metric(&self, name: &str) -> u64 {
        let mut s = tokio::net::TcpStream::connect(self.addr).await.unwrap();
        s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).await.unwrap();
        out.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
            .unwrap_or_else(|| panic!("no metric {name}"))
    }

    async fn stop(self) {
        self.server.stop().unwrap();
        tokio::time::timeout(PATIENCE, self.server.stopped())
            .await
            .unwrap();
    }
}

fn params(values: &[Value]) -> ArrayParams {
    let mut p = ArrayParams::new();
    for v in values {
        p.insert(v).unwrap();
    }
    p
}

async fn reports(ws: &WsClient, p: &[Value]) -> Result<Subscription<Value>, ClientError> {
    ws.subscribe(
        "restake_subscribeRiskReport",
        params(p),
        "restake_unsubscribeRiskReport",
    )
    .await
}

async fn heads(ws: &WsClient) -> Result<Subscription<Value>, ClientError> {
    ws.subscribe(
        "restake_subscribeNewHeads",
        params(&[]),
        "restake_unsubscribeNewHeads",
    )
    .await
}

async fn events(ws: &WsClient) -> Result<Subscription<Value>, ClientError> {
    ws.subscribe(
        "restake_subscribeEvents",
        params(&[]),
        "restake_unsubscribeEvents",
    )
    .await
}

async fn next(s: &mut Subscription<Value>) -> Value {
    tokio::time::timeout(PATIENCE, s.next())
        .await
        .expect("an item within the test's patience")
        .expect("the subscription is open")
        .unwrap()
}

/// The error code of a refused subscription.
fn code(r: Result<Subscription<Value>, ClientError>) -> i32 {
    match r {
        Err(ClientError::Call(e)) => e.code(),
        Err(e) => panic!("not a call error: {e}"),
        Ok(_) => panic!("the subscription was accepted"),
    }
}

/// Polls `/metrics` until `name` reads `want` (bounded by the test's patience).
async fn settles(node: &Node, name: &str, want: u64) {
    tokio::time::timeout(PATIENCE, async {
        while node.metric(name).await != want {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("{name} never reached {want}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_hundred_report_subscribers_cost_one_analysis_per_block_and_parameter_set() {
    let mut node = start(SubscriptionLimits {
        per_connection: 400,
        total: 1_000,
        ..SubscriptionLimits::default()
    })
    .await;
    node.declare_a_service().await;
    let ws = node.ws().await;
    // Three parameter sets, some spelled differently: the default psi is 1/100 = 0.01.
    let spellings = [
        vec![json!("1/100")],
        vec![],
        vec![json!("0.01"), Value::Null],
        vec![json!("1/10")],
        vec![Value::Null, json!({"stETH": "1/2"})],
    ];
    let mut subs = Vec::new();
    for i in 0..300 {
        let spelling = &spellings[i % spellings.len()];
        subs.push(reports(&ws, spelling).await.unwrap());
    }
    for s in &mut subs {
        assert_eq!(next(s).await["graph"]["services"][0]["pfc"], "6");
    }
    assert_eq!(node.metric("restake_risk_report_feeds").await, 3);
    assert_eq!(
        node.metric("restake_subscriptions{kind=\"riskReport\"}")
            .await,
        300
    );

    for round in 0..5u64 {
        let before = node.analyses();
        let height_before = node.handle.head().height;
        node.change_the_graph();
        let height = node.block().await;
        assert_eq!(height, height_before + 1, "one block per round");
        for s in &mut subs {
            let item = next(s).await;
            assert_eq!(item["block"], height);
            assert_eq!(item["graph"]["services"][0]["pfc"], (7 + round).to_string());
        }
        assert_eq!(
            node.analyses() - before,
            3,
            "one analysis per parameter set in block {height}, not one per subscriber"
        );
    }
    // A block that changes nothing the report depends on is not analysed at all.
    let before = node.analyses();
    node.block().await;
    let fresh = reports(&ws, &[json!("1/100")]).await.unwrap();
    drop(fresh);
    assert_eq!(node.analyses(), before);
    drop(subs);
    drop(ws);
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscriptions_beyond_the_connection_and_node_caps_are_refused_with_their_codes() {
    let mut node = start(SubscriptionLimits {
        per_connection: 3,
        total: 5,
        report_parameter_sets: 2,
        concurrent_analyses: 1,
    })
    .await;
    node.declare_a_service().await;
    let a = node.ws().await;
    let b = node.ws().await;
    // Every kind counts against the caps.
    let mut held = vec![
        heads(&a).await.unwrap(),
        events(&a).await.unwrap(),
        reports(&a, &[]).await.unwrap(),
    ];
    assert_eq!(code(heads(&a).await), codes::TOO_MANY_SUBSCRIPTIONS);
    assert_eq!(code(reports(&a, &[]).await), codes::TOO_MANY_SUBSCRIPTIONS);
    held.push(reports(&b, &[json!("1/10")]).await.unwrap());
    // A third parameter set is over its cap; a set in use is shared.
    assert_eq!(
        code(reports(&b, &[json!("1/2")]).await),
        codes::REPORT_PARAMETERS_FULL
    );
    held.push(reports(&b, &[json!("0.1")]).await.unwrap());
    // Five open on the node: the total cap holds for a connection below its own.
    assert_eq!(code(events(&b).await), codes::SUBSCRIPTIONS_FULL);
    assert_eq!(node.metric("restake_subscriptions_refused_total").await, 4);
    // Giving one back makes room.
    let one = held.remove(0);
    one.unsubscribe().await.unwrap();
    settles(&node, "restake_subscriptions{kind=\"newHeads\"}", 0).await;
    let again = events(&b).await.unwrap();
    node.block().await;
    // The subscriptions still held keep working.
    let mut report = held.remove(1);
    assert_eq!(next(&mut report).await["graph"]["services"][0]["pfc"], "6");
    drop((again.unsubscribe().await, report, held, a, b));
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_disconnects_leaves_no_subscription_and_no_shared_computation_behind() {
    let mut node = start(SubscriptionLimits {
        per_connection: 300,
        ..SubscriptionLimits::default()
    })
    .await;
    node.declare_a_service().await;
    let ws = node.ws().await;
    let mut subs = Vec::new();
    for i in 0..240 {
        let s = match i % 4 {
            0 => heads(&ws).await,
            1 => events(&ws).await,
            2 => reports(&ws, &[json!("1/100")]).await,
            _ => reports(&ws, &[json!("1/20"), json!({"rETH": "2"})]).await,
        };
        subs.push(s.unwrap());
    }
    assert_eq!(
        node.metric("restake_subscriptions{kind=\"newHeads\"}")
            .await,
        60
    );
    assert_eq!(
        node.metric("restake_subscriptions{kind=\"events\"}").await,
        60
    );
    assert_eq!(
        node.metric("restake_subscriptions{kind=\"riskReport\"}")
            .await,
        120
    );
    assert_eq!(node.metric("restake_risk_report_feeds").await, 2);
    node.block().await;

    // The client leaves without unsubscribing (its subscription handles outlive the
    // connection, so no unsubscribe call is sent).
    drop(ws);
    for kind in ["newHeads", "events", "riskReport"] {
        settles(
            &node,
            &format!("restake_subscriptions{{kind=\"{kind}\"}}"),
            0,
        )
        .await;
    }
    settles(&node, "restake_risk_report_feeds", 0).await;
    // Nothing computes for it any more.
    let before = node.analyses();
    node.change_the_graph();
    node.block().await;
    node.block().await;
    assert_eq!(node.analyses(), before);
    drop(subs);
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_off_reports_queue_on_the_bounded_analysis_pool_and_every_call_is_answered() {
    // One analysis at a time for the whole node: a live feed and forty concurrent one-off calls
    // share it, and every call still gets its report.
    let mut node = start(SubscriptionLimits {
        concurrent_analyses: 1,
        ..SubscriptionLimits::default()
    })
    .await;
    node.declare_a_service().await;
    let ws = node.ws().await;
    let mut feed = reports(&ws, &[json!("1/100")]).await.unwrap();
    next(&mut feed).await;
    let body =
        json!({"jsonrpc": "2.0", "id": 1, "method": "restake_getRiskReport", "params": ["1/50"]})
            .to_string();
    let calls: Vec<_> = (0..40)
        .map(|_| {
            let (addr, body) = (node.addr, body.clone());
            tokio::spawn(async move { common::post(addr, &body).await })
        })
        .collect();
    node.block().await;
    for call in calls {
        let (status, reply) = tokio::time::timeout(PATIENCE, call).await.unwrap().unwrap();
        assert_eq!(status, 200);
        let reply: Value = serde_json::from_str(&reply).unwrap();
        assert!(reply["result"]["report"].is_object(), "{reply}");
    }
    drop((feed, ws));
    node.stop().await;
}
