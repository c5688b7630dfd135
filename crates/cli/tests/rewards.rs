//! Rewards through the real `restake dev` binary: an AVS escrows a submission for its operator
//! set, the epoch ends, `restake query rewards` shows the exact split, and claims pay it out.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::panic,
    missing_docs
)]

mod common;
use alloy_primitives::{Address, U256};
use common::*;
use serde_json::{Value, json};

const STAKER: &str = "dev:1";
const OPERATOR: &str = "dev:2";
const AVS: &str = "dev:3";
/// Devnet rewards epoch, in blocks.
const EPOCH: u64 = 10;

fn u(v: &Value) -> U256 {
    v.as_str().unwrap().parse().unwrap()
}

fn eth(x: u64) -> U256 {
    U256::from(x) * U256::from(1_000_000_000_000_000_000u128)
}

fn claimable(node: &Node, who: Address, symbol: &str) -> U256 {
    let v = node.query(&["rewards", &who.to_string()]);
    v["claimable"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["symbol"] == symbol)
        .map_or(U256::ZERO, |x| u(&x["amount"]))
}

#[test]
fn an_avs_pays_an_operator_and_its_staker_through_the_node() {
    let tmp = TempDir::new("rewards");
    let node = Node::start(&tmp.path().join("data"), 100);
    let client = node.client();
    let rt = runtime();
    let (staker, operator, avs) = (dev(1), dev(2), dev(3));

    node.tx(
        STAKER,
        "depositIntoStrategy",
        &[
            "strategy=@stETH",
            "token=@stETH",
            &format!("amount={}wei", eth(40)),
        ],
    );
    node.tx(
        OPERATOR,
        "registerAsOperator",
        &[
            &format!("delegationApprover={}", Address::ZERO),
            "allocationDelay:=0",
            "metadataUri=https://operator.example",
        ],
    );
    node.tx(STAKER, "delegateTo", &[&format!("operator={operator}")]);
    node.tx(
        AVS,
        "updateAvsMetadataUri",
        &["metadataUri=https://avs.example"],
    );
    node.tx(
        AVS,
        "createOperatorSets",
        &["params:=[{\"operatorSetId\":1,\"strategies\":[\"@stETH\"]}]"],
    );
    node.tx(
        OPERATOR,
        "registerForOperatorSets",
        &[&format!("avs={avs}"), "operatorSetIds:=[1]"],
    );
    let r = node.tx(
        OPERATOR,
        "modifyAllocations",
        &[&format!(
            "params:={}",
            json!([{ "avs": avs, "operatorSetId": 1, "strategies": ["@stETH"], "newMagnitudes": ["1000000000000000000"] }])
        )],
    );
    let effect = events(&r, "AllocationUpdated")[0]["effectBlock"]
        .as_u64()
        .unwrap();
    rt.block_on(wait_for_height(&client, effect));

    // 100 rETH for the epoch in progress.
    let head = rt.block_on(client.block_number()).unwrap();
    let epoch = head / EPOCH;
    let r = node.tx(
        AVS,
        "createRewardsSubmission",
        &[
            "operatorSetId:=1",
            "strategiesAndMultipliers:=[{\"strategy\":\"@stETH\",\"multiplier\":\"1000000000000000000\"}]",
            "token=@rETH",
            &format!("amount={}wei", eth(100)),
            &format!("startEpoch:={}", r_epoch(head, epoch)),
            "durationEpochs:=1",
        ],
    );
    let created = events(&r, "RewardsSubmissionCreated");
    assert_eq!(created.len(), 1, "{r:#}");
    let start = created[0]["submission"]["startEpoch"].as_u64().unwrap();
    // The epoch is distributed at the first block of the next one.
    rt.block_on(wait_for_height(&client, (start + 1) * EPOCH));
    assert_eq!(claimable(&node, operator, "rETH"), eth(10));
    assert_eq!(claimable(&node, staker, "rETH"), eth(90));
    let subs = rt
        .block_on(client.call("restake_getRewardsSubmissions", vec![json!(avs)]))
        .unwrap();
    assert_eq!(u(&subs[0]["distributed"]), eth(100));

    let r = node.tx(STAKER, "claimRewards", &["tokens:=[\"@rETH\"]"]);
    let claimed = events(&r, "RewardsClaimed");
    assert_eq!(u(&claimed[0]["amount"]), eth(90));
    assert_eq!(claimable(&node, staker, "rETH"), U256::ZERO);
}

/// The submission starts in the epoch the transaction lands in; if the head is about to cross
/// into the next epoch, start there instead.
fn r_epoch(head: u64, epoch: u64) -> u64 {
    if head % EPOCH >= EPOCH - 2 {
        epoch + 1
    } else {
        epoch
    }
}
