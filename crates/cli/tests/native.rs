//! Native restaking through the real `restake dev` binary: a pod, beacon roots posted by the
//! oracle quorum, credentials proven from a proof file in EigenLayer's layout, delegation, a
//! beacon-chain balance drop (checkpoint), an AVS slash on top, the validator's exit and the ETH
//! leaving through the withdrawal queue as a payout instruction — with the dual-slashing
//! numbers of the specification.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::panic,
    missing_docs
)]

mod common;
use alloy_primitives::{Address, B256, U256, hex};
use common::*;
use restake_beacon::generate::{BeaconStateBuilder, BuiltState, credentials_for, validator_fields};
use restake_beacon::{FAR_FUTURE_EPOCH, ProofVersion};
use serde_json::{Value, json};

const STAKER: &str = "dev:1";
const OPERATOR: &str = "dev:2";
const AVS: &str = "dev:3";
const ORACLE_A: &str = "dev:7";
const ORACLE_B: &str = "dev:8";
const BEACON_ETH: &str = "0xbeaC0eeEeeeeEEeEeEEEEeeEEeEeeeEeeEEBEaC0";
const GWEI: u64 = 1_000_000_000;
const D: u64 = 10;

fn u(v: &Value) -> U256 {
    v.as_str()
        .unwrap_or_else(|| panic!("expected a decimal string, got {v}"))
        .parse()
        .unwrap()
}

fn eth(x: u64) -> U256 {
    U256::from(x) * U256::from(1_000_000_000_000_000_000u128)
}

/// A one-validator beacon state (Pectra layout: devnet timestamps are after the fork).
fn state(pod: Address, balance_gwei: u64) -> (Vec<B256>, BuiltState) {
    let fields = validator_fields(
        B256::repeat_byte(0x5a),
        credentials_for(pod, 1),
        32 * GWEI,
        false,
        0,
        1,
        FAR_FUTURE_EPOCH,
        FAR_FUTURE_EPOCH,
    );
    let built = BeaconStateBuilder {
        version: ProofVersion::Pectra,
        validators: vec![fields.clone()],
        balances_gwei: vec![balance_gwei],
    }
    .build()
    .unwrap();
    (fields, built)
}

fn concat(words: &[B256]) -> String {
    let mut bytes = Vec::new();
    for w in words {
        bytes.extend_from_slice(w.as_slice());
    }
    format!("0x{}", hex::encode(bytes))
}

/// `restake tx ... --proofs FILE` that must succeed; returns the receipt.
fn tx_with_proofs(node: &Node, key: &str, action: &str, fields: &[&str], proofs: &Value) -> Value {
    let file = node.data_dir.with_extension(format!("{action}.json"));
    std::fs::write(&file, serde_json::to_vec_pretty(proofs).unwrap()).unwrap();
    let mut args = vec!["tx", action];
    args.extend_from_slice(fields);
    let path = file.to_str().unwrap().to_string();
    args.extend(["--proofs", &path, "--key", key, "--json"]);
    let out = node.cli(&args);
    let receipt: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{action}: no receipt ({e}): {}", text(&out)));
    assert!(out.status.success(), "{action} failed: {receipt:#}");
    assert_eq!(receipt["status"], "success", "{receipt:#}");
    receipt
}

/// Both oracle members post `root` for `ts`.
fn post_root(node: &Node, ts: u64, root: B256) {
    for key in [ORACLE_A, ORACLE_B] {
        node.tx(
            key,
            "postBeaconRoot",
            &[&format!("timestamp:={ts}"), &format!("blockRoot={root}")],
        );
    }
}

fn post_pod_balance(node: &Node, pod: Address, ts: u64, wei: U256, executed: u64) {
    for key in [ORACLE_A, ORACLE_B] {
        node.tx(
            key,
            "postPodBalance",
            &[
                &format!("pod={pod}"),
                &format!("timestamp:={ts}"),
                &format!("balanceWei={wei}wei"),
                &format!("payoutsExecuted:={executed}"),
            ],
        );
    }
}

/// Starts a checkpoint at `ts` and proves the one validator's balance.
fn checkpoint(
    node: &Node,
    pod: Address,
    ts: u64,
    built: &BuiltState,
    pod_wei: U256,
    executed: u64,
) -> Value {
    post_root(node, ts, built.block_root);
    post_pod_balance(node, pod, ts, pod_wei, executed);
    node.tx(
        STAKER,
        "startCheckpoint",
        &[&format!("beaconTimestamp:={ts}")],
    );
    let container = built.balance_container_proof();
    let balance = built.balance_proof(0).unwrap();
    // Anyone may submit checkpoint proofs: the operator does it here.
    tx_with_proofs(
        node,
        OPERATOR,
        "verifyCheckpointProofs",
        &[&format!("pod={pod}")],
        &json!({
            "balanceContainerProof": {
                "balanceContainerRoot": container.balance_container_root,
                "proof": concat(&container.proof),
            },
            "proofs": [{
                "pubkeyHash": balance.pubkey_hash,
                "balanceRoot": balance.balance_root,
                "proof": balance.proof,
            }],
        }),
    )
}

#[test]
fn a_validator_restaked_through_the_node_pays_out_exactly_what_both_slashes_leave() {
    let tmp = TempDir::new("native");
    let node = Node::start(&tmp.path().join("data"), 100);
    let client = node.client();
    let rt = runtime();
    let staker = dev(1);
    let operator = dev(2);
    let avs = dev(3);

    // 1. The staker creates its pod.
    let r = node.tx(STAKER, "createPod", &[]);
    let pod: Address = serde_json::from_value(events(&r, "PodDeployed")[0]["pod"].clone()).unwrap();
    let v = node.query(&["pod", &staker.to_string()]);
    assert_eq!(v["address"], json!(pod));
    assert_eq!(v["owner"], json!(staker));

    // Beacon timestamps a few minutes behind the chain, one slot apart.
    let head = rt
        .block_on(client.call("restake_getBlock", vec![json!("latest")]))
        .unwrap();
    let base = head["header"]["timestamp"].as_u64().unwrap() - 600;
    let (t1, t2, t3) = (base, base + 12, base + 24);

    // 2. The oracle quorum posts the root; 3. credentials from a file in the proof tool's layout.
    let (fields, built) = state(pod, 32 * GWEI);
    post_root(&node, t1, built.block_root);
    let v = node.query(&["oracle"]);
    assert_eq!(v["quorum"], 2);
    assert_eq!(v["latestRoot"]["timestamp"], t1);
    let srp = built.state_root_proof();
    let r = tx_with_proofs(
        &node,
        STAKER,
        "verifyWithdrawalCredentials",
        &[&format!("beaconTimestamp:={t1}")],
        &json!({
            "StateRootProof": { "beaconStateRoot": srp.beacon_state_root, "proof": concat(&srp.proof) },
            "ValidatorIndices": [0],
            "ValidatorFieldsProofs": [concat(&built.validator_proof(0).unwrap())],
            "ValidatorFields": [fields],
        }),
    );
    assert_eq!(events(&r, "ValidatorRestaked").len(), 1);
    let v = node.query(&["pod", &pod.to_string()]);
    assert_eq!(u(&v["depositShares"]), eth(32));
    assert_eq!(v["validators"][0]["status"], "active");

    // 4. An operator, an AVS set over beacon ETH, all of the operator's ETH allocated.
    node.tx(
        OPERATOR,
        "registerAsOperator",
        &[
            &format!("delegationApprover={}", Address::ZERO),
            "allocationDelay:=0",
            "metadataUri=https://operator.example",
        ],
    );
    node.tx(
        AVS,
        "updateAvsMetadataUri",
        &["metadataUri=https://avs.example"],
    );
    let params = json!([{ "operatorSetId": 1, "strategies": [BEACON_ETH] }]);
    node.tx(AVS, "createOperatorSets", &[&format!("params:={params}")]);
    node.tx(
        OPERATOR,
        "registerForOperatorSets",
        &[&format!("avs={avs}"), "operatorSetIds:=[1]"],
    );
    let params = json!([{ "avs": avs, "operatorSetId": 1, "strategies": [BEACON_ETH], "newMagnitudes": ["1000000000000000000"] }]);
    let r = node.tx(
        OPERATOR,
        "modifyAllocations",
        &[&format!("params:={params}")],
    );
    let effect = events(&r, "AllocationUpdated")[0]["effectBlock"]
        .as_u64()
        .unwrap();
    rt.block_on(wait_for_height(&client, effect));

    // 5. The staker delegates: the operator holds 32 ETH.
    node.tx(STAKER, "delegateTo", &[&format!("operator={operator}")]);
    let v = node.query(&["operator", &operator.to_string()]);
    assert_eq!(u(&v["strategies"][0]["operatorShares"]), eth(32));

    // 6. The validator loses 8 ETH on the beacon chain: l = 24/32 = 0.75.
    let (_, built) = state(pod, 24 * GWEI);
    let r = checkpoint(&node, pod, t2, &built, U256::ZERO, 0);
    let dec = events(&r, "BeaconChainSlashingFactorDecreased");
    assert_eq!(dec[0]["newBeaconChainSlashingFactor"], "750000000000000000");
    let v = node.query(&["pod", &pod.to_string()]);
    assert_eq!(u(&v["withdrawableShares"]), eth(24));
    let v = node.query(&["operator", &operator.to_string()]);
    assert_eq!(u(&v["strategies"][0]["operatorShares"]), eth(24));

    // 7. The AVS slashes half: a = 32 * 0.5 * 0.75 = 12.
    node.tx(
        AVS,
        "slashOperator",
        &[
            &format!("operator={operator}"),
            "operatorSetId:=1",
            &format!("strategies:=[\"{BEACON_ETH}\"]"),
            "wadsToSlash:=[\"500000000000000000\"]",
            "description=equivocation",
        ],
    );
    let v = node.query(&["pod", &pod.to_string()]);
    assert_eq!(u(&v["withdrawableShares"]), eth(12));

    // 8. The validator exits: 24 ETH land in the pod; the checkpoint credits them, no new shares.
    let (_, built) = state(pod, 0);
    let r = checkpoint(&node, pod, t3, &built, eth(24), 0);
    assert_eq!(events(&r, "ValidatorWithdrawn").len(), 1);
    let v = node.query(&["pod", &pod.to_string()]);
    assert_eq!(u(&v["withdrawableRestakedExecutionLayerWei"]), eth(24));
    assert_eq!(u(&v["depositShares"]), eth(32));

    // 9. Withdraw everything: queue, wait D blocks, complete as tokens -> a payout instruction.
    let params = json!([{ "strategies": [BEACON_ETH], "depositShares": [eth(32).to_string()] }]);
    let r = node.tx(STAKER, "queueWithdrawals", &[&format!("params:={params}")]);
    let root = events(&r, "SlashingWithdrawalQueued")[0]["withdrawalRoot"]
        .as_str()
        .unwrap()
        .to_string();
    let start = r["blockNumber"].as_u64().unwrap();
    rt.block_on(wait_for_height(&client, start + D + 1));
    let r = node.tx(
        STAKER,
        "completeQueuedWithdrawal",
        &[&format!("withdrawalRoot={root}"), "receiveAsTokens:=true"],
    );
    let payout = events(&r, "PodPayout");
    assert_eq!(payout.len(), 1, "{r:#}");
    assert_eq!(u(&payout[0]["amountWei"]), eth(12));
    assert_eq!(payout[0]["recipient"], json!(staker));
    assert_eq!(payout[0]["payoutIndex"], 1);
    let v = node.query(&["pod", &pod.to_string()]);
    assert_eq!(u(&v["withdrawableRestakedExecutionLayerWei"]), eth(12));
    assert_eq!(u(&v["depositShares"]), U256::ZERO);
}

#[test]
fn the_devnet_beacon_simulator_posts_roots_and_writes_proof_files_the_pod_actions_take() {
    let tmp = TempDir::new("beacon-sim");
    let node = Node::start(&tmp.path().join("data"), 100);
    let client = node.client();
    let rt = runtime();
    let owner = "dev:4";
    let r = node.tx(owner, "createPod", &[]);
    let pod: Address = serde_json::from_value(events(&r, "PodDeployed")[0]["pod"].clone()).unwrap();
    let head = rt
        .block_on(client.call("restake_getBlock", vec![json!("latest")]))
        .unwrap();
    let base = head["header"]["timestamp"].as_u64().unwrap() - 100;
    let out = tmp.path().join("proofs");
    let simulate = |balances: &str, ts: u64| {
        let o = node.cli(&[
            "beacon",
            "simulate",
            "--pod",
            &pod.to_string(),
            "--balances",
            balances,
            "--timestamp",
            &ts.to_string(),
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", text(&o));
    };

    // Two validators of 32 ETH: restake them from the written file.
    simulate("32000000000,32000000000", base);
    let creds = out.join("credentials.json");
    let o = node.cli(&[
        "tx",
        "verifyWithdrawalCredentials",
        "--proofs",
        creds.to_str().unwrap(),
        "--key",
        owner,
        "--json",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let v = node.query(&["pod", &pod.to_string()]);
    assert_eq!(u(&v["depositShares"]), eth(64));

    // One of them loses 1 ETH: a checkpoint moves the factor to 63/64.
    simulate("31000000000,32000000000", base + 12);
    node.tx(
        owner,
        "startCheckpoint",
        &[&format!("beaconTimestamp:={}", base + 12)],
    );
    let ckpt = out.join("checkpoint.json");
    let o = node.cli(&[
        "tx",
        "verifyCheckpointProofs",
        "--proofs",
        ckpt.to_str().unwrap(),
        "--key",
        "dev:9",
        "--json",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let v = node.query(&["pod", &pod.to_string()]);
    assert_eq!(v["beaconChainSlashingFactor"], "984375000000000000");
    assert_eq!(u(&v["withdrawableShares"]), eth(63));
}
