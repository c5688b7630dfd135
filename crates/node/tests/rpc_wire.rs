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

mod common;
use alloy_primitives::{Address, B256, Bytes, U256};
use jsonrpsee_core::client::{Subscription, SubscriptionClientT};
use restake_client::types::{BlockId, PrepareRequest, SimulateRequest};
use restake_client::{RestakeApiClient, Wallet};
use restake_core::Action;
use restake_node::devnet;
use restake_node::engine::ManualEngine;
use restake_node::node::{NodeConfig, NodeHandle};
use restake_store::Store;
use serde_json::value::RawValue;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

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
    /// Each call's method, parameters and raw result (`None`: an error).
    results: Vec<(String, String, Option<String>)>,
}

impl Chain {
    /// One JSON-RPC call over a fresh HTTP connection; returns the raw response body.
    async fn raw(&mut self, method: &str, params: Value) -> String {
        self.id += 1;
        let body = json!({"jsonrpc": "2.0", "id": self.id, "method": method, "params": params})
            .to_string();
        common::post(self.addr, &body).await.1
    }

    /// A call whose request and response go into the transcript.
    async fn call(&mut self, method: &str, params: Value) -> Value {
        let reply = self.raw(method, params.clone()).await;
        let _ = writeln!(self.transcript, "> {method} {params}\n< {reply}");
        /// The raw result, also when it is `null`; `None` for an error.
        #[derive(serde::Deserialize)]
        struct Reply<'a> {
            #[serde(borrow, default, deserialize_with = "present")]
            result: Option<&'a RawValue>,
        }
        fn present<'de, D: serde::Deserializer<'de>>(
            d: D,
        ) -> Result<Option<&'de RawValue>, D::Error> {
            serde::Deserialize::deserialize(d).map(Some)
        }
        let raw: Reply<'_> = serde_json::from_str(&reply).unwrap();
        self.results.push((
            method.to_string(),
            params.to_string(),
            raw.result.map(|r| r.get().to_string()),
        ));
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

/// The next item of a typed subscription, serialized again.
async fn typed_next<T: serde::Serialize + serde::de::DeserializeOwned>(
    s: &mut Subscription<T>,
) -> String {
    let item = tokio::time::timeout(Duration::from_secs(10), s.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    wire(&item)
}

/// A typed value as the node sends it.
fn wire<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap()
}

fn transcript_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/wire/transcript.txt")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_method_answers_the_recorded_bytes() {
    let config = NodeConfig {
        block_interval: Duration::from_millis(1000),
        ..NodeConfig::default()
    };
    let served = common::serve_manual(Store::in_memory().unwrap(), config).await;
    let (addr, _server) = (served.addr, served.server);
    let mut c = Chain {
        handle: served.handle,
        engine: served.engine,
        addr,
        transcript: String::new(),
        id: 0,
        results: Vec::new(),
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
    // The same, through the typed client every jsonrpsee client gets.
    let mut typed_heads = RestakeApiClient::subscribe_new_heads(&ws).await.unwrap();
    let mut typed_events = RestakeApiClient::subscribe_events(&ws).await.unwrap();
    let mut typed_reports = RestakeApiClient::subscribe_risk_report(
        &ws,
        Some("1/100".into()),
        Some(BTreeMap::from([("stETH".to_string(), "1/2".to_string())])),
    )
    .await
    .unwrap();

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
    assert_eq!(typed_next(&mut typed_heads).await, item);
    let item = next(&mut events).await;
    let _ = writeln!(c.transcript, "~ restake_subscribeEvents\n< {item}");
    assert_eq!(typed_next(&mut typed_events).await, item);
    let item = next(&mut reports).await;
    let _ = writeln!(c.transcript, "~ restake_subscribeRiskReport\n< {item}");
    assert_eq!(typed_next(&mut typed_reports).await, item);

    // Every query.
    c.call("restake_chainId", json!([])).await;
    c.call("restake_blockNumber", json!([])).await;
    let block = c.call("restake_getBlock", json!([head])).await;
    c.call("restake_getBlock", json!(["latest"])).await;
    c.call("restake_getBlock", json!([99_999_999])).await;
    c.call("restake_getBlock", json!(["earliest"])).await;
    c.call("restake_getValidators", json!([])).await;
    c.call("restake_getValidators", json!([1])).await;
    c.call("restake_getValidators", json!([99_999_999])).await;
    c.call("restake_getCertificate", json!([head - 1])).await;
    c.call("restake_getCertificate", json!(["latest"])).await;
    c.call("restake_getCertificate", json!([0])).await;
    c.call("restake_nodeInfo", json!([])).await;
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

    // The typed client reads every answer, and its types write it back byte for byte.
    let client = restake_client::Client::new(&format!("http://{addr}")).unwrap();
    // The last answer to the same call (the state no longer changes).
    let recorded = |method: &str, params: Value| -> String {
        let params = params.to_string();
        c.results
            .iter()
            .rev()
            .find(|(m, p, _)| m == method && *p == params)
            .and_then(|(_, _, r)| r.clone())
            .unwrap_or_else(|| panic!("no recorded result for {method} {params}"))
    };
    let same = |method: &str, params: Value, typed: String| {
        assert_eq!(typed, recorded(method, params), "{method}");
    };
    let (s, o, a) = (staker.address(), operator.address(), avs.address());
    let (pod, vault): (Address, Address) = (
        serde_json::from_value(pod).unwrap(),
        serde_json::from_value(vault).unwrap(),
    );
    let (steth_strategy, steth): (Address, Address) = (
        serde_json::from_value(steth_strategy).unwrap(),
        serde_json::from_value(steth).unwrap(),
    );
    same(
        "restake_chainId",
        json!([]),
        wire(&RestakeApiClient::chain_id(&client).await.unwrap()),
    );
    same(
        "restake_blockNumber",
        json!([]),
        wire(&RestakeApiClient::block_number(&client).await.unwrap()),
    );
    same(
        "restake_getBlock",
        json!([head]),
        wire(&client.get_block(head.into()).await.unwrap()),
    );
    same(
        "restake_getBlock",
        json!(["latest"]),
        wire(&client.get_block(BlockId::latest()).await.unwrap()),
    );
    same(
        "restake_getBlock",
        json!([99_999_999]),
        wire(&client.get_block(99_999_999.into()).await.unwrap()),
    );
    same(
        "restake_getValidators",
        json!([1]),
        wire(&client.get_validators(Some(1.into())).await.unwrap()),
    );
    same(
        "restake_getCertificate",
        json!([head - 1]),
        wire(&client.get_certificate((head - 1).into()).await.unwrap()),
    );
    same(
        "restake_getNonce",
        json!([s]),
        wire(&client.get_nonce(s).await.unwrap()),
    );
    let transfer: Action = serde_json::from_value(transfer).unwrap();
    let prepared = client
        .prepare_transaction(PrepareRequest {
            from: admin.address(),
            action: transfer.clone(),
            nonce: Some(9),
        })
        .await
        .unwrap();
    same(
        "restake_prepareTransaction",
        json!([{"from": admin.address(), "action": transfer, "nonce": 9}]),
        wire(&prepared),
    );
    for hash in block["transactionHashes"].as_array().unwrap() {
        let hash: B256 = serde_json::from_value(hash.clone()).unwrap();
        same(
            "restake_getTransactionReceipt",
            json!([hash]),
            wire(&client.get_transaction_receipt(hash).await.unwrap()),
        );
    }
    let deposit =
        json!({"type": "depositIntoVault", "vault": vault, "token": steth, "amount": eth(2)});
    let action: Action = serde_json::from_value(deposit.clone()).unwrap();
    let request = SimulateRequest {
        from: delegator.address(),
        action,
    };
    same(
        "restake_simulateTransaction",
        json!([{"from": delegator.address(), "action": deposit}]),
        wire(&client.simulate_transaction(request).await.unwrap()),
    );
    same(
        "restake_getTokens",
        json!([]),
        wire(&client.get_tokens().await.unwrap()),
    );
    same(
        "restake_getTokenBalance",
        json!([steth, s]),
        wire(&client.get_token_balance(steth, s).await.unwrap()),
    );
    same(
        "restake_getStrategies",
        json!([]),
        wire(&client.get_strategies().await.unwrap()),
    );
    same(
        "restake_getStaker",
        json!([s]),
        wire(&client.get_staker(s).await.unwrap()),
    );
    same(
        "restake_getOperator",
        json!([o]),
        wire(&client.get_operator(o).await.unwrap()),
    );
    same(
        "restake_getOperatorSet",
        json!([a, 1]),
        wire(&client.get_operator_set(a, 1).await.unwrap()),
    );
    same(
        "restake_getAllocation",
        json!([o, a, 1, steth_strategy]),
        wire(
            &client
                .get_allocation(o, a, 1, steth_strategy)
                .await
                .unwrap(),
        ),
    );
    same(
        "restake_getPod",
        json!([pod_owner.address()]),
        wire(&client.get_pod(pod_owner.address()).await.unwrap()),
    );
    same(
        "restake_getBeaconOracle",
        json!([]),
        wire(&client.get_beacon_oracle().await.unwrap()),
    );
    same(
        "restake_getBeaconRoot",
        json!([1_700_000_100u64]),
        wire(&client.get_beacon_root(1_700_000_100).await.unwrap()),
    );
    same(
        "restake_getPodBalance",
        json!([pod, 1_700_000_100u64]),
        wire(&client.get_pod_balance(pod, 1_700_000_100).await.unwrap()),
    );
    same(
        "restake_getRewards",
        json!([s]),
        wire(&client.get_rewards(s).await.unwrap()),
    );
    same(
        "restake_getRewardsSubmissions",
        json!([a]),
        wire(&client.get_rewards_submissions(Some(a)).await.unwrap()),
    );
    same(
        "restake_getRewardsSubmissions",
        json!([null]),
        wire(&client.get_rewards_submissions(None).await.unwrap()),
    );
    same(
        "restake_getVault",
        json!([vault, s]),
        wire(&client.get_vault(vault, Some(s)).await.unwrap()),
    );
    same(
        "restake_getVault",
        json!([vault, null]),
        wire(&client.get_vault(vault, None).await.unwrap()),
    );
    same(
        "restake_getVaults",
        json!([]),
        wire(&client.get_vaults().await.unwrap()),
    );
    same(
        "restake_getRiskReport",
        json!(["1/100"]),
        wire(
            &client
                .get_risk_report(Some("1/100".into()), None)
                .await
                .unwrap(),
        ),
    );
    same(
        "restake_getRiskReport",
        json!([null, {"stETH": "1/2"}]),
        wire(
            &client
                .get_risk_report(
                    None,
                    Some(BTreeMap::from([("stETH".to_string(), "1/2".to_string())])),
                )
                .await
                .unwrap(),
        ),
    );
    let key = Bytes::from(b"cfg/params".to_vec());
    same(
        "restake_getProof",
        json!([key, head]),
        wire(&client.get_proof(key.clone(), Some(head)).await.unwrap()),
    );
    // Errors keep their codes through the typed client.
    let e = client
        .get_allocation(o, a, 7, steth_strategy)
        .await
        .unwrap_err();
    assert!(
        matches!(e, jsonrpsee_core::ClientError::Call(ref o) if o.code() == restake_client::codes::NOT_FOUND),
        "{e}"
    );

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
