//! The live state's risk report through the real binary: an AVS declares its operator set's
//! profit from corruption; the report prices corrupting it from the operators' allocations.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::panic,
    missing_docs
)]

mod common;
use alloy_primitives::Address;
use common::*;
use serde_json::{Value, json};

fn report(node: &Node) -> Value {
    let out = node.cli(&["risk", "report", "--json"]);
    assert!(out.status.success(), "{}", text(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn an_undercollateralised_operator_set_shows_as_corruptible_in_the_live_report() {
    let tmp = TempDir::new("risk-live");
    let node = Node::start(&tmp.path().join("data"), 100);
    let client = node.client();
    let rt = runtime();
    let (operator, avs) = (dev(2), dev(3));
    node.tx(
        "dev:1",
        "depositIntoStrategy",
        &[
            "strategy=@stETH",
            "token=@stETH",
            "amount=40000000000000000000wei",
        ],
    );
    node.tx(
        "dev:2",
        "registerAsOperator",
        &[
            &format!("delegationApprover={}", Address::ZERO),
            "allocationDelay:=0",
            "metadataUri=https://operator.example",
        ],
    );
    node.tx("dev:1", "delegateTo", &[&format!("operator={operator}")]);
    node.tx(
        "dev:3",
        "updateAvsMetadataUri",
        &["metadataUri=https://avs.example"],
    );
    node.tx(
        "dev:3",
        "createOperatorSets",
        &["params:=[{\"operatorSetId\":1,\"strategies\":[\"@stETH\"]}]"],
    );
    node.tx(
        "dev:2",
        "registerForOperatorSets",
        &[&format!("avs={avs}"), "operatorSetIds:=[1]"],
    );
    // Half of the operator's stETH (20) is slashable by the set.
    let r = node.tx(
        "dev:2",
        "modifyAllocations",
        &[&format!(
            "params:={}",
            json!([{ "avs": avs, "operatorSetId": 1, "strategies": ["@stETH"], "newMagnitudes": ["500000000000000000"] }])
        )],
    );
    let effect = events(&r, "AllocationUpdated")[0]["effectBlock"]
        .as_u64()
        .unwrap();
    rt.block_on(wait_for_height(&client, effect));
    // Corrupting the set takes half its stake (10 ETH worth, but the only operator must commit its
    // whole 20 ETH allocation), and it could earn up to 30 ETH: corruptible.
    node.tx(
        "dev:3",
        "setOperatorSetRiskProfile",
        &[
            "operatorSetId:=1",
            "pfcLow=10000000000000000000wei",
            "pfcHigh=30000000000000000000wei",
            "alphaWad=500000000000000000wei",
        ],
    );
    let v = report(&node);
    let r = &v["report"];
    assert_eq!(r["secure"], false, "{v:#}");
    assert_eq!(r["maxAttackProfit"], "10000000000000000000");
    assert_eq!(r["gammaStar"], "-1/3");
    // Nothing needs a shock: the attack alone takes all the stake, at every tracked shock size.
    assert_eq!(
        v["losses"][0],
        json!({"psi": "1/1000", "worstCaseLoss": "1", "exact": true})
    );
    assert_eq!(v["graph"]["validators"][0]["stake"], "20000000000000000000");
    assert_eq!(
        v["graph"]["validators"][0]["collateral"],
        json!({ "stETH": "20000000000000000000" })
    );
    // At most 15 ETH to gain: secure with a third of slack.
    node.tx(
        "dev:3",
        "setOperatorSetRiskProfile",
        &[
            "operatorSetId:=1",
            "pfcLow=10000000000000000000wei",
            "pfcHigh=15000000000000000000wei",
            "alphaWad=500000000000000000wei",
        ],
    );
    let live = report(&node);
    let r = &live["report"];
    assert_eq!(r["secure"], true);
    assert_eq!(r["gammaStar"], "1/3");
    // The live graph feeds the offline simulator: stETH halving (one step of ±1/2) makes the
    // 20 ETH allocation worth 10 against a 15 ETH profit, so some paths lose it all.
    let file = tmp.path().join("live.json");
    std::fs::write(&file, live["graph"].to_string()).unwrap();
    let out = std::process::Command::new(BIN)
        .args([
            "risk",
            "simulate",
            "--input",
            file.to_str().unwrap(),
            "--trials",
            "20",
            "--fault",
            "price",
            "--volatility",
            "1/2",
            "--steps",
            "1",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let d: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(d["trialsWithAFall"].as_u64().unwrap() > 0, "{d}");
    assert_eq!(d["valueAtRisk"], "1");
    // Per AVS, the least slack of its sets; per operator, the sets its stake is spread over.
    assert_eq!(live["avs"][0]["slack"], "1/3");
    assert_eq!(live["avs"][0]["setsWithoutSlack"], json!([]));
    assert_eq!(live["operators"][0]["operatorSets"], 1);
    assert_eq!(live["operators"][0]["allocated"], "20000000000000000000");
    assert_eq!(live["leaving"], json!([]));
    // Secure with slack: no shock of up to 5% (the one node is all the stake) opens an attack.
    for (i, psi) in ["1/1000", "1/100", "5/100"].iter().enumerate() {
        assert_eq!(
            live["losses"][i],
            json!({"psi": psi, "worstCaseLoss": "0", "exact": true})
        );
    }

    // Valued at half a unit per stETH, the allocation is worth 10 against a profit of 15.
    let out = node.cli(&["risk", "report", "--price", "stETH=1/2", "--json"]);
    assert!(out.status.success(), "{}", text(&out));
    let halved: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(halved["prices"], json!({ "stETH": "1/2" }));
    assert_eq!(
        halved["graph"]["validators"][0]["stake"],
        "10000000000000000000"
    );
    assert_eq!(halved["report"]["secure"], false);
    let out = node.cli(&["risk", "report", "--price", "XYZ=2"]);
    assert!(!out.status.success());
    assert!(text(&out).contains("no registered token"), "{}", text(&out));

    // Deallocating down to a quarter: half of the allocation is leaving, and stays slashable
    // until the deallocation takes effect.
    let r = node.tx(
        "dev:2",
        "modifyAllocations",
        &[&format!(
            "params:={}",
            json!([{ "avs": avs, "operatorSetId": 1, "strategies": ["@stETH"], "newMagnitudes": ["250000000000000000"] }])
        )],
    );
    let effect = events(&r, "AllocationUpdated")[0]["effectBlock"]
        .as_u64()
        .unwrap();
    let pending = report(&node);
    assert_eq!(
        pending["graph"]["validators"][0]["stake"],
        "20000000000000000000"
    );
    assert_eq!(pending["leaving"][0]["leaving"], "10000000000000000000");
    assert_eq!(pending["leaving"][0]["token"], "stETH");
    assert_eq!(pending["leaving"][0]["slashableUntil"], effect);
    rt.block_on(wait_for_height(&client, effect));
    let after = report(&node);
    assert_eq!(
        after["graph"]["validators"][0]["stake"],
        "10000000000000000000"
    );
    assert_eq!(after["leaving"], json!([]));
    assert_eq!(
        after["report"]["secure"], false,
        "10 now secures a profit of 15"
    );

    // The human summary prints too.
    let out = node.cli(&["risk", "report"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("gamma*"));
}
