//! `restake_getOperatorTable`: a set's table at a height, each entry proven against the table's
//! root and the table's header proven against the block's state root; older tables stay
//! readable after newer ones replace their entries.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use alloy_primitives::{Address, B256, Bytes, U256};
use common::{act, call, dev};
use restake_certificate::{OperatorTable, TableEntry, verify_entry};
use restake_core::pool::strategy_address;
use restake_core::tables::table_key_at;
use restake_core::tokens::token_address;
use restake_node::node::NodeConfig;
use restake_primitives::OperatorSet;

const WAD: u128 = 1_000_000_000_000_000_000;
use restake_store::Store;
use serde_json::{Value, json};

fn registration(op: Address, avs: Address, key: &restake_client::Wallet) -> Value {
    let key_data = Bytes::copy_from_slice(key.address().as_slice());
    let digest = restake_core::eip712::digest(
        &restake_core::eip712::KeyRegistration {
            operator: op,
            avs,
            operatorSetId: 1,
            keyData: key_data.clone(),
        },
        restake_node::devnet::CHAIN_ID,
    );
    let sig = key.sign_digest(digest);
    json!({"type": "registerKey", "avs": avs, "operatorSetId": 1, "keyData": key_data, "signature": sig})
}

/// Operators 2 and 4 with 100 stETH each, all of it allocated to set 1 of AVS 3 (ECDSA keys).
async fn two_operators() -> (common::Served, Vec<restake_client::Wallet>) {
    let mut served = common::serve_manual(Store::in_memory().unwrap(), NodeConfig::default()).await;
    let node = served.handle.clone();
    let (steth, strategy) = (
        token_address("stETH"),
        strategy_address(&token_address("stETH")),
    );
    let avs = dev(3);
    // Operators 2 and 4, each with 100 stETH delegated by itself, all of it allocated to set 1.
    for op in [2, 4] {
        act(
            &node,
            op,
            json!({"type": "depositIntoStrategy", "strategy": strategy, "token": steth, "amount": (100 * WAD).to_string()}),
        );
        act(
            &node,
            op,
            json!({"type": "registerAsOperator", "delegationApprover": Address::ZERO, "allocationDelay": 0, "metadataUri": "https://op.example"}),
        );
    }
    act(
        &node,
        3,
        json!({"type": "updateAvsMetadataUri", "metadataUri": "https://avs.example"}),
    );
    act(
        &node,
        3,
        json!({"type": "createOperatorSets", "params": [{"operatorSetId": 1, "strategies": [strategy]}]}),
    );
    act(
        &node,
        3,
        json!({"type": "configureOperatorSet", "operatorSetId": 1, "keyScheme": "ecdsa"}),
    );
    served.engine.produce_block().await.unwrap();
    let keys: Vec<restake_client::Wallet> = (0..2u8)
        .map(|i| restake_client::Wallet::from_bytes([i + 0x21; 32]).unwrap())
        .collect();
    for (op, key) in [2usize, 4].into_iter().zip(&keys) {
        act(
            &node,
            op,
            json!({"type": "registerForOperatorSets", "avs": avs, "operatorSetIds": [1]}),
        );
        act(&node, op, registration(dev(op), avs, key));
        act(
            &node,
            op,
            json!({"type": "modifyAllocations", "params": [{"avs": avs, "operatorSetId": 1, "strategies": [strategy], "newMagnitudes": [WAD.to_string()]}]}),
        );
    }
    served.engine.produce_block().await.unwrap();
    served.engine.produce_block().await.unwrap();
    (served, keys)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_table_comes_with_proofs_to_the_state_root_at_any_later_height() {
    let (mut served, keys) = two_operators().await;
    let node = served.handle.clone();
    let strategy = strategy_address(&token_address("stETH"));
    let avs = dev(3);
    act(
        &node,
        1,
        json!({"type": "updateOperatorTable", "avs": avs, "operatorSetId": 1}),
    );
    served.engine.produce_block().await.unwrap();
    let first_height = node.head().height;
    // Operator 4 leaves; a later table has operator 2 only.
    act(
        &node,
        4,
        json!({"type": "modifyAllocations", "params": [{"avs": avs, "operatorSetId": 1, "strategies": [strategy], "newMagnitudes": ["0"]}]}),
    );
    for _ in 0..12 {
        served.engine.produce_block().await.unwrap();
    }
    act(
        &node,
        1,
        json!({"type": "updateOperatorTable", "avs": avs, "operatorSetId": 1}),
    );
    served.engine.produce_block().await.unwrap();
    let last = node.head().height;

    let table = |height: Option<u64>| {
        let mut q = json!({"avs": avs, "setId": 1});
        if let Some(h) = height {
            q["height"] = json!(h);
        }
        call(served.addr, "restake_getOperatorTable", json!([q]))
    };
    let set_view = call(served.addr, "restake_getOperatorSet", json!([avs, 1])).await;
    assert_eq!(set_view["result"]["keyScheme"], "ecdsa", "{set_view:#}");
    assert_eq!(set_view["result"]["latestTable"]["referenceHeight"], last);
    assert_eq!(set_view["result"]["latestTable"]["operatorCount"], 1);
    let latest = table(None).await;
    let r = &latest["result"];
    assert_eq!(r["operatorCount"], 1, "{latest:#}");
    assert_eq!(r["entries"][0]["operator"], json!(dev(2)));
    assert_eq!(r["referenceHeight"], last);
    // The first table, read at a height after it was replaced: both operators, 100 stETH each.
    let old = table(Some(first_height + 3)).await;
    let r = &old["result"];
    assert_eq!(r["referenceHeight"], first_height, "{old:#}");
    assert_eq!(r["operatorCount"], 2);
    assert_eq!(r["totalWeight"], (200 * WAD).to_string());
    assert_eq!(r["keyScheme"], "ecdsa");
    let root: B256 = serde_json::from_value(r["root"].clone()).unwrap();
    let mut operators = Vec::new();
    for (i, e) in r["entries"].as_array().unwrap().iter().enumerate() {
        let entry = TableEntry {
            operator: serde_json::from_value(e["operator"].clone()).unwrap(),
            key_data: serde_json::from_value(e["keyData"].clone()).unwrap(),
            weight: e["weight"].as_str().unwrap().parse::<U256>().unwrap(),
            stakes: vec![e["stakes"][0].as_str().unwrap().parse::<U256>().unwrap()],
        };
        let proof: Vec<B256> = serde_json::from_value(e["proof"].clone()).unwrap();
        assert!(verify_entry(
            &root,
            2,
            u32::try_from(i).unwrap(),
            &entry,
            &proof
        ));
        let k = if entry.operator == dev(2) { 0 } else { 1 };
        assert_eq!(entry.key_data.as_ref(), keys[k].address().as_slice());
        operators.push(entry.operator);
    }
    // By ascending address.
    let mut sorted = vec![dev(2), dev(4)];
    sorted.sort();
    assert_eq!(operators, sorted);
    // The header is proven in the state of the asked height, under the key of its height.
    let p = &r["stateProof"];
    let set = OperatorSet::new(avs, 1);
    let key = table_key_at(&set, first_height);
    assert_eq!(p["key"], json!(Bytes::from(key.clone())));
    assert_eq!(p["height"], first_height + 3);
    let value: Bytes = serde_json::from_value(p["value"].clone()).unwrap();
    let proof: Bytes = serde_json::from_value(p["proof"].clone()).unwrap();
    let block = call(served.addr, "restake_getBlock", json!([first_height + 3])).await;
    let state_root: B256 =
        serde_json::from_value(block["result"]["header"]["stateRoot"].clone()).unwrap();
    assert_eq!(p["stateRoot"], json!(state_root));
    restake_proof::verify(state_root, &key, Some(&value), &proof).unwrap();
    let header: OperatorTable = borsh::from_slice(&value).unwrap();
    assert_eq!(header.root, root);
    // The client checks the same table against the block's state root, entry by entry.
    let client = restake_client::Client::new(&format!("http://{}", served.addr)).unwrap();
    let (checked, entries) = client
        .verified_operator_table(avs, 1, Some(first_height + 3))
        .await
        .unwrap();
    assert_eq!(checked, header);
    assert_eq!(entries.len(), 2);
    // Before any table, after the head, or of an unknown set: not found.
    for q in [
        json!({"avs": avs, "setId": 1, "height": first_height - 1}),
        json!({"avs": avs, "setId": 1, "height": last + 100}),
        json!({"avs": avs, "setId": 7}),
    ] {
        let answer = call(served.addr, "restake_getOperatorTable", json!([q])).await;
        assert!(answer["error"]["message"].is_string(), "{q}: {answer:#}");
    }
    let answer = call(
        served.addr,
        "restake_getOperatorTable",
        json!([{"avs": avs, "setId": 1, "extra": true}]),
    )
    .await;
    assert_eq!(answer["error"]["code"], -32602, "{answer:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_is_answered_with_a_certificate_built_from_the_rpcs_table_and_listed() {
    let (mut served, keys) = two_operators().await;
    let node = served.handle.clone();
    let avs = dev(3);
    let steth = token_address("stETH");
    let payload = alloy_primitives::keccak256(b"ETH/USD");
    for _ in 0..2 {
        act(
            &node,
            3,
            json!({"type": "createTask", "operatorSetId": 1, "payloadHash": payload, "feeToken": steth, "fee": "1000", "thresholdBips": 6667, "deadlineBlocks": 5}),
        );
    }
    served.engine.produce_block().await.unwrap();
    let task = call(served.addr, "restake_getTask", json!([1])).await["result"].clone();
    assert_eq!(task["status"]["state"], "open", "{task:#}");
    let reference: u64 = task["referenceHeight"].as_u64().unwrap();
    // An aggregator: the task's table from the RPC, both operators' signatures, by index.
    let table = call(
        served.addr,
        "restake_getOperatorTable",
        json!([{"avs": avs, "setId": 1, "height": reference}]),
    )
    .await["result"]
        .clone();
    assert_eq!(table["referenceHeight"], reference);
    let response = B256::from(U256::from(3_120u64));
    let set = OperatorSet::new(avs, 1);
    let message = restake_certificate::task_response_hash(1, &payload, &response);
    let digest = restake_certificate::message_digest(
        restake_node::devnet::CHAIN_ID,
        &set,
        reference,
        &message,
    );
    let signers: Vec<Value> = table["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let key = keys
                .iter()
                .find(|k| json!(Bytes::copy_from_slice(k.address().as_slice())) == e["keyData"])
                .unwrap();
            json!({
                "witness": {"index": e["index"], "proof": e["proof"], "entry": {
                    "operator": e["operator"], "keyData": e["keyData"], "weight": e["weight"], "stakes": e["stakes"]}},
                "signature": key.sign_digest(digest),
            })
        })
        .collect();
    let certificate = json!({"operatorSet": {"avs": avs, "id": 1}, "referenceHeight": reference, "messageHash": message, "proof": {"scheme": "ecdsa", "signers": signers}});
    act(
        &node,
        5,
        json!({"type": "respondToTask", "taskId": 1, "response": response, "certificate": certificate}),
    );
    served.engine.produce_block().await.unwrap();
    let task = call(served.addr, "restake_getTask", json!([1])).await["result"].clone();
    assert_eq!(task["status"]["state"], "completed", "{task:#}");
    assert_eq!(task["status"]["response"], json!(response));
    assert_eq!(task["status"]["signedWeight"], (200 * WAD).to_string());
    // Lists: newest first, by state, a page at a time.
    let all = call(served.addr, "restake_getTasks", json!([])).await["result"].clone();
    let ids: Vec<u64> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, vec![2, 1]);
    let open = call(
        served.addr,
        "restake_getTasks",
        json!([{"avs": avs, "setId": 1, "state": "open"}]),
    )
    .await["result"]
        .clone();
    assert_eq!(open["items"].as_array().unwrap().len(), 1);
    assert_eq!(open["items"][0]["id"], 2);
    let first =
        call(served.addr, "restake_getTasks", json!([null, {"limit": 1}])).await["result"].clone();
    assert_eq!(first["items"][0]["id"], 2);
    let second = call(
        served.addr,
        "restake_getTasks",
        json!([null, {"limit": 1, "cursor": first["next"]}]),
    )
    .await["result"]
        .clone();
    assert_eq!(second["items"][0]["id"], 1);
    assert_eq!(second["next"], Value::Null);
    assert_eq!(
        call(served.addr, "restake_getTask", json!([99])).await["result"],
        Value::Null
    );
    let bad = call(served.addr, "restake_getTasks", json!([{"state": "done"}])).await;
    assert_eq!(bad["error"]["code"], -32602, "{bad:#}");
}
