//! The API's wire format, byte for byte: a deterministic chain (manual engine, virtual clock,
//! deterministic signatures) is driven through a scenario that touches every part of the state,
//! then every query method is called over raw HTTP and the responses are compared with the
//! transcript in `tests/wire/transcript.txt`. Clients outside this repository parse these bytes,
//! so a change of field name, value format, null or key order shows here.
//!
//! After an intended change of the wire format, regenerate the transcript with
//! `RESTAKE_BLESS_WIRE=1 cargo test -p restake-node --test rpc_wire` and update `docs/rpc.md`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::panic,
    missing_docs
)]

use alloy_primitives::{Address, U256};
use jsonrpsee_core::client::{Subscription, SubscriptionClientT};
use restake_client::Wallet;
use restake_core::Action;
use restake_node::devnet;
use restake_node::engine::ManualEngine;
use restake_node::node::{NodeConfig, NodeHandle};
use restake_node::server::{ApiConfig, serve};
use restake_store::Store;
use serde_json::value::RawValue;
use serde_json::{Value, json};
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn dev(i: usize) -> Wallet {
    Wallet::from_hex(devnet::DEV_ACCOUNTS[i].1).unwrap()
}

fn eth(x: u64) -> String {
    (U256::from(x) * U256::from(10).pow(U256::from(18))).to_string()
}

struct Chain {
    handle: NodeHandle,
    engine: ManualEngine,
    addr: SocketAddr,
    transcript: String,
    id: u64,
}

impl Chain {
    /// One JSON-RPC call over a fresh HTTP connection; returns the raw response body.
    async fn raw(&mut self, method: &str, params: Value) -> String {
        self.id += 1;
        let body = json!({"jsonrpc": "2.0", "id": self.id, "method": method, "params": params})
            .to_string();
        let mut s = tokio::net::TcpStream::connect(self.addr).await.unwrap();
        let req = format!(
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        s.write_all(req.as_bytes()).await.unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).await.unwrap();
        let (_, reply) = out.split_once("\r\n\r\n").unwrap();
        reply.to_string()
    }

    /// A call whose request and response go into the transcript.
    async fn call(&mut self, method: &str, params: Value) -> Value {
        let reply = self.raw(method, params.clone()).await;
        let _ = writeln!(self.transcript, "> {method} {params}\n< {reply}");
        let v: Value = serde_json::from_str(&reply).unwrap();
        v.get("result").cloned().unwrap_or(Value::Null)
    }

    /// Signs `action` (as JSON) with the sender's next nonce and submits it.
    fn submit(&self, key: &Wallet, action: Value) {
        let action: Action = serde_json::from_value(action).unwrap();
        let nonce = self.handle.next_nonce(&key.address()).unwrap();
        let tx = key.sign(action, nonce, devnet::CHAIN_ID);
        self.handle.submit(tx).unwrap();
    }

    async fn blocks(&mut self, n: usize) {
        for _ in 0..n {
            self.engine.produce_block().await.unwrap();
        }
    }

    async fn include(&mut self) {
        self.engine.produce_until_empty(10).await.unwrap();
    }

    fn height(&self) -> u64 {
        self.handle.head().height
    }
}

/// The next item of a subscription, as sent.
async fn next(s: &mut Subscription<Box<RawValue>>) -> String {
    tokio::time::timeout(Duration::from_secs(10), s.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap()
        .get()
        .to_string()
}

fn transcript_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/wire/transcript.txt")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_method_answers_the_recorded_bytes() {
    let store = Store::in_memory().unwrap();
    let config = NodeConfig {
        block_interval: Duration::from_millis(1000),
        ..NodeConfig::default()
    };
    let (handle, engine) =
        restake_node::start_manual(store, &devnet::genesis(), 1_700_000_000, config).unwrap();
    let api = ApiConfig {
        addr: "127.0.0.1:0".parse().unwrap(),
        ..ApiConfig::default()
    };
    let (addr, _server) = serve(handle.clone(), &api).await.unwrap();
    let mut c = Chain {
        handle,
        engine,
        addr,
        transcript: String::new(),
        id: 0,
    };

    let (staker, operator, avs, admin, delegator) = (dev(1), dev(2), dev(3), dev(4), dev(5));
    let (pod_owner, oracle_a, oracle_b) = (dev(6), dev(7), dev(8));
    let strategies = c.call("restake_getStrategies", json!([])).await;
    let find = |symbol: &str, field: &str| -> Value {
        strategies
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["symbol"] == symbol)
            .unwrap()[field]
            .clone()
    };
    let (steth_strategy, steth) = (find("stETH", "strategy"), find("stETH", "token"));
    let reth = find("rETH", "token");

    // Restaking: an operator, a delegated staker, an AVS's set with a risk profile, an
    // allocation, a slash, a queued withdrawal.
    c.submit(
        &staker,
        json!({"type": "depositIntoStrategy", "strategy": steth_strategy, "token": steth, "amount": eth(100)}),
    );
    c.submit(
        &delegator,
        json!({"type": "depositIntoStrategy", "strategy": steth_strategy, "token": steth, "amount": eth(40)}),
    );
    c.submit(
        &operator,
        json!({"type": "registerAsOperator", "delegationApprover": Address::ZERO, "allocationDelay": 0, "metadataUri": "https://operator.example"}),
    );
    c.submit(
        &avs,
        json!({"type": "updateAvsMetadataUri", "metadataUri": "https://avs.example"}),
    );
    c.include().await;
    c.submit(
        &staker,
        json!({"type": "delegateTo", "operator": operator.address()}),
    );
    c.submit(
        &delegator,
        json!({"type": "delegateTo", "operator": operator.address()}),
    );
    c.submit(
        &avs,
        json!({"type": "createOperatorSets", "params": [{"operatorSetId": 1, "strategies": [steth_strategy]}]}),
    );
    c.include().await;
    c.submit(
        &operator,
        json!({"type": "registerForOperatorSets", "avs": avs.address(), "operatorSetIds": [1]}),
    );
    c.submit(
        &avs,
        json!({"type": "setOperatorSetRiskProfile", "operatorSetId": 1, "pfcLow": eth(10), "pfcHigh": eth(300), "alphaWad": "500000000000000000"}),
    );
    c.include().await;
    c.submit(
        &operator,
        json!({"type": "modifyAllocations", "params": [{"avs": avs.address(), "operatorSetId": 1, "strategies": [steth_strategy], "newMagnitudes": ["500000000000000000"]}]}),
    );
    c.include().await;
    c.blocks(2).await;
    c.submit(
        &avs,
        json!({"type": "slashOperator", "operator": operator.address(), "operatorSetId": 1, "strategies": [steth_strategy], "wadsToSlash": ["100000000000000000"], "description": "double signing"}),
    );
    c.submit(
        &staker,
        json!({"type": "queueWithdrawals", "params": [{"strategies": [steth_strategy], "depositShares": [eth(10)]}]}),
    );
    c.submit(
        &admin,
        json!({"type": "transfer", "token": reth, "to": "0x000000000000000000000000000000000000dead", "amount": "1000"}),
    );
    c.include().await;
    // A deallocation in progress: stake leaving the set.
    c.submit(
        &operator,
        json!({"type": "modifyAllocations", "params": [{"avs": avs.address(), "operatorSetId": 1, "strategies": [steth_strategy], "newMagnitudes": ["200000000000000000"]}]}),
    );
    c.include().await;

    // Rewards for the epoch in progress, distributed at the next epoch's first block.
    let epoch = c.height() / 10;
    c.submit(
        &avs,
        json!({"type": "createRewardsSubmission", "operatorSetId": 1,
               "strategiesAndMultipliers": [{"strategy": steth_strategy, "multiplier": "1000000000000000000"}],
               "token": reth, "amount": eth(100), "startEpoch": epoch, "durationEpochs": 1}),
    );
    c.include().await;
    while c.height() < (epoch + 1) * 10 + 1 {
        c.blocks(1).await;
    }

    // Native restaking: a pod, a beacon root and a pod balance accepted by the oracle.
    c.submit(&pod_owner, json!({"type": "createPod"}));
    c.include().await;
    let pod = c.call("restake_getPod", json!([pod_owner.address()])).await["address"].clone();
    let root = "0x8d213ce6fe6fe76e3a363bc086485b4494c2c4fe9cce7303b142cd49ca24edf4";
    for key in [&oracle_a, &oracle_b] {
        c.submit(
            key,
            json!({"type": "postBeaconRoot", "timestamp": 1_700_000_100u64, "blockRoot": root}),
        );
        c.submit(
            key,
            json!({"type": "postPodBalance", "pod": pod, "timestamp": 1_700_000_100u64, "balanceWei": "5", "payoutsExecuted": 0}),
        );
    }
    c.include().await;

    // A vault with a deposit.
    c.submit(
        &admin,
        json!({"type": "createVault", "symbol": "rsETH", "assets": [{"token": steth, "rateWad": "1000000000000000000"}, {"token": reth, "rateWad": "1100000000000000000"}]}),
    );
    c.include().await;
    let vaults = c.call("restake_getVaults", json!([])).await;
    let vault = vaults[0]["vault"].clone();
    c.submit(
        &staker,
        json!({"type": "depositIntoVault", "vault": vault, "token": steth, "amount": eth(10)}),
    );
    c.include().await;

    // Subscribers, over WebSocket on the same port.
    let ws = jsonrpsee_ws_client::WsClientBuilder::default()
        .build(format!("ws://{addr}"))
        .await
        .unwrap();
    let subscribe = |method: &'static str, unsubscribe: &'static str, params: Vec<Value>| {
        let ws = &ws;
        async move {
            let mut p = jsonrpsee_core::params::ArrayParams::new();
            for v in params {
                p.insert(v).unwrap();
            }
            ws.subscribe::<Box<RawValue>, _>(method, p, unsubscribe)
                .await
                .unwrap()
        }
    };
    let mut heads = subscribe(
        "restake_subscribeNewHeads",
        "restake_unsubscribeNewHeads",
        vec![],
    )
    .await;
    let mut events = subscribe(
        "restake_subscribeEvents",
        "restake_unsubscribeEvents",
        vec![],
    )
    .await;
    let mut reports = subscribe(
        "restake_subscribeRiskReport",
        "restake_unsubscribeRiskReport",
        vec![json!("1/100"), json!({"stETH": "1/2"})],
    )
    .await;

    // A block with a transaction, and one failed transaction.
    c.submit(
        &avs,
        json!({"type": "transfer", "token": steth, "to": "0x000000000000000000000000000000000000dead", "amount": "7"}),
    );
    c.submit(
        &delegator,
        json!({"type": "undelegate", "staker": admin.address()}),
    );
    c.include().await;
    let head = c.height();
    let item = next(&mut heads).await;
    let _ = writeln!(c.transcript, "~ restake_subscribeNewHeads\n< {item}");
    let item = next(&mut events).await;
    let _ = writeln!(c.transcript, "~ restake_subscribeEvents\n< {item}");
    let item = next(&mut reports).await;
    let _ = writeln!(c.transcript, "~ restake_subscribeRiskReport\n< {item}");

    // Every query.
    c.call("restake_chainId", json!([])).await;
    c.call("restake_blockNumber", json!([])).await;
    let block = c.call("restake_getBlock", json!([head])).await;
    c.call("restake_getBlock", json!(["latest"])).await;
    c.call("restake_getBlock", json!([99_999_999])).await;
    c.call("restake_getBlock", json!(["earliest"])).await;
    c.call("restake_getNonce", json!([staker.address()])).await;
    let transfer = json!({"type": "transfer", "token": steth, "to": "0x000000000000000000000000000000000000dead", "amount": "1000"});
    c.call(
        "restake_prepareTransaction",
        json!([{"from": admin.address(), "action": transfer}]),
    )
    .await;
    c.call(
        "restake_prepareTransaction",
        json!([{"from": admin.address(), "action": transfer, "nonce": 9}]),
    )
    .await;
    for hash in block["transactionHashes"].as_array().unwrap().clone() {
        c.call("restake_getTransactionReceipt", json!([hash])).await;
    }
    c.call(
        "restake_getTransactionReceipt",
        json!(["0x0000000000000000000000000000000000000000000000000000000000000001"]),
    )
    .await;
    c.call(
        "restake_simulateTransaction",
        json!([{"from": delegator.address(), "action": {"type": "depositIntoVault", "vault": vault, "token": steth, "amount": eth(2)}}]),
    )
    .await;
    c.call(
        "restake_simulateTransaction",
        json!([{"from": delegator.address(), "action": {"type": "depositIntoVault", "vault": vault, "token": steth, "amount": "1"}}]),
    )
    .await;
    c.call("restake_getTokens", json!([])).await;
    c.call("restake_getTokenBalance", json!([steth, staker.address()]))
        .await;
    c.call(
        "restake_getTokenBalance",
        json!([
            "0x0000000000000000000000000000000000000001",
            staker.address()
        ]),
    )
    .await;
    c.call("restake_getStrategies", json!([])).await;
    c.call("restake_getStaker", json!([staker.address()])).await;
    c.call("restake_getStaker", json!([pod_owner.address()]))
        .await;
    c.call("restake_getOperator", json!([operator.address()]))
        .await;
    c.call("restake_getOperator", json!([staker.address()]))
        .await;
    c.call("restake_getOperatorSet", json!([avs.address(), 1]))
        .await;
    c.call("restake_getOperatorSet", json!([avs.address(), 7]))
        .await;
    c.call(
        "restake_getAllocation",
        json!([operator.address(), avs.address(), 1, steth_strategy]),
    )
    .await;
    c.call(
        "restake_getAllocation",
        json!([operator.address(), avs.address(), 7, steth_strategy]),
    )
    .await;
    c.call("restake_getPod", json!([pod_owner.address()])).await;
    c.call("restake_getPod", json!([staker.address()])).await;
    c.call("restake_getBeaconOracle", json!([])).await;
    c.call("restake_getBeaconRoot", json!([1_700_000_100u64]))
        .await;
    c.call("restake_getBeaconRoot", json!([1u64])).await;
    c.call("restake_getPodBalance", json!([pod, 1_700_000_100u64]))
        .await;
    c.call("restake_getPodBalance", json!([pod, 1u64])).await;
    c.call("restake_getRewards", json!([staker.address()]))
        .await;
    c.call("restake_getRewards", json!([pod_owner.address()]))
        .await;
    c.call("restake_getRewardsSubmissions", json!([avs.address()]))
        .await;
    c.call("restake_getRewardsSubmissions", json!([null])).await;
    c.call("restake_getVault", json!([vault, staker.address()]))
        .await;
    c.call("restake_getVault", json!([vault, null])).await;
    c.call("restake_getVault", json!([staker.address(), null]))
        .await;
    c.call("restake_getVaults", json!([])).await;
    c.call("restake_getRiskReport", json!(["1/100"])).await;
    c.call("restake_getRiskReport", json!([null, {"stETH": "1/2"}]))
        .await;
    c.call("restake_getRiskReport", json!(["2"])).await;
    c.call("restake_getRiskReport", json!([null, {"NOPE": "1"}]))
        .await;
    c.call("restake_getProof", json!(["0x6366672f706172616d73", head]))
        .await;
    c.call("restake_getProof", json!(["0x6e6f2f737563682f6b6579"]))
        .await;
    c.call(
        "restake_getProof",
        json!(["0x6366672f706172616d73", 99_999_999]),
    )
    .await;
    c.call("restake_subscribeNewHeads", json!([])).await;

    let path = transcript_path();
    if std::env::var_os("RESTAKE_BLESS_WIRE").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &c.transcript).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap();
    for (i, (got, want)) in c.transcript.lines().zip(want.lines()).enumerate() {
        assert_eq!(got, want, "transcript line {} differs", i + 1);
    }
    assert_eq!(
        c.transcript.lines().count(),
        want.lines().count(),
        "transcript length differs"
    );
}
