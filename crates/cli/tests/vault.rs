//! The liquid restaking vault through the real `restake dev` binary: an LRT is created over two
//! LSTs, stakers deposit, the manager restakes through a node delegator, a holder asks to exit,
//! anyone finalizes after the cooldown, the holder claims — balances checked to the wei, and the
//! vault seen through `restake query vault` and `restake_getVaults`.
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

const ADMIN: &str = "dev:4";
const OPERATOR: &str = "dev:2";
const ALICE: &str = "dev:1";
const BOB: &str = "dev:5";
/// Devnet withdrawal delay, which the vault's cooldown defaults to.
const COOLDOWN: u64 = 10;

fn u(v: &Value) -> U256 {
    v.as_str().unwrap().parse().unwrap()
}

fn eth(x: u64) -> U256 {
    U256::from(x) * U256::from(1_000_000_000_000_000_000u128)
}

fn balance(node: &Node, who: Address, symbol: &str) -> U256 {
    let rt = runtime();
    let client = node.client();
    let tokens = rt
        .block_on(client.call("restake_getTokens", vec![]))
        .unwrap();
    let token = tokens
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["symbol"] == symbol)
        .unwrap()["token"]
        .clone();
    let v = rt
        .block_on(client.call("restake_getTokenBalance", vec![token, json!(who)]))
        .unwrap();
    u(&v)
}

#[test]
fn a_vault_takes_deposits_restakes_and_pays_an_exit_through_the_node() {
    let tmp = TempDir::new("vault");
    let node = Node::start(&tmp.path().join("data"), 100);
    let client = node.client();
    let rt = runtime();
    let (alice, bob, operator) = (dev(1), dev(5), dev(2));

    node.tx(
        OPERATOR,
        "registerAsOperator",
        &[
            &format!("delegationApprover={}", Address::ZERO),
            "allocationDelay:=0",
            "metadataUri=https://operator.example",
        ],
    );
    let r = node.tx(
        ADMIN,
        "createVault",
        &[
            "symbol=rsETH",
            "assets:=[{\"token\":\"@stETH\",\"rateWad\":\"1000000000000000000\"},{\"token\":\"@rETH\",\"rateWad\":\"1100000000000000000\"}]",
        ],
    );
    let created = events(&r, "VaultCreated");
    let vault = created[0]["vault"].as_str().unwrap().to_string();
    let lrt = created[0]["lrt"].as_str().unwrap().to_string();
    node.tx(
        ADMIN,
        "addVaultOperator",
        &[
            &format!("vault={vault}"),
            &format!("operator={operator}"),
            "weightBps:=10000",
        ],
    );

    // 10 stETH at 1.0 and 10 rETH at 1.1: 10 and 11 LRT.
    let r = node.tx(
        ALICE,
        "depositIntoVault",
        &[
            &format!("vault={vault}"),
            "token=@stETH",
            &format!("amount={}wei", eth(10)),
            &format!("minSharesOut={}wei", eth(10)),
        ],
    );
    assert_eq!(u(&events(&r, "VaultDeposit")[0]["shares"]), eth(10));
    // The preview is the execution: simulating Bob's deposit shows the shares it then mints.
    let tokens = rt
        .block_on(client.call("restake_getTokens", vec![]))
        .unwrap();
    let reth = tokens
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["symbol"] == "rETH")
        .unwrap()["token"]
        .clone();
    let deposit = json!({"type": "depositIntoVault", "vault": vault, "token": reth, "amount": eth(10).to_string()});
    let sim = rt
        .block_on(client.call(
            "restake_simulateTransaction",
            vec![json!({"from": bob, "action": deposit})],
        ))
        .unwrap();
    assert_eq!(sim["status"], "success", "{sim:#}");
    let previewed = sim["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == "VaultDeposit")
        .unwrap()["shares"]
        .clone();
    assert_eq!(u(&previewed), eth(11));
    let too_much =
        json!({"type": "depositIntoVault", "vault": vault, "token": reth, "amount": "1"});
    let sim = rt
        .block_on(client.call(
            "restake_simulateTransaction",
            vec![json!({"from": bob, "action": too_much})],
        ))
        .unwrap();
    assert_eq!(sim["status"], "failed");
    assert_eq!(sim["error"]["name"], "BelowMinimumDeposit");
    let r = node.tx(
        BOB,
        "depositIntoVault",
        &[
            &format!("vault={vault}"),
            "token=@rETH",
            &format!("amount={}wei", eth(10)),
        ],
    );
    assert_eq!(u(&events(&r, "VaultDeposit")[0]["shares"]), eth(11));

    // `restake tx --simulate` previews without sending.
    let out = node.cli(&[
        "tx",
        "requestRedeem",
        &format!("vault={vault}"),
        &format!("shares={}wei", eth(1)),
        "token=@stETH",
        "--key",
        ALICE,
        "--simulate",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let preview: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(preview["status"], "success");
    assert_eq!(balance(&node, alice, "rsETH"), eth(10), "nothing was sent");
    // The manager restakes 15 stETH... of which only 10 are idle: refused with a clear error.
    let (ok, receipt) = node.tx_receipt(
        ADMIN,
        "restakeVaultAssets",
        &[
            &format!("vault={vault}"),
            "token=@stETH",
            &format!("amount={}wei", eth(15)),
        ],
    );
    assert!(!ok);
    assert_eq!(receipt["error"]["code"], 16000, "{receipt:#}");
    // 6 stETH it is; the operator now holds them as delegated shares.
    let r = node.tx(
        ADMIN,
        "restakeVaultAssets",
        &[
            &format!("vault={vault}"),
            "token=@stETH",
            &format!("amount={}wei", eth(6)),
        ],
    );
    assert_eq!(
        events(&r, "VaultRestaked")[0]["operator"]
            .as_str()
            .unwrap()
            .to_lowercase(),
        operator.to_string().to_lowercase()
    );

    let v = node.query(&["vault", &vault, "--account", &alice.to_string()]);
    assert_eq!(u(&v["books"]["totalAssets"]), eth(21));
    assert_eq!(u(&v["books"]["totalSupply"]), eth(21));
    assert_eq!(u(&v["books"]["assets"][0]["delegated"]), eth(6));
    assert_eq!(u(&v["holder"]["shares"]), eth(10));
    assert_eq!(v["delegatorsInPlace"], json!([true]));

    // Alice asks for 4 LRT in stETH; after the cooldown a stranger finalizes; she claims.
    let r = node.tx(
        ALICE,
        "requestRedeem",
        &[
            &format!("vault={vault}"),
            &format!("shares={}wei", eth(4)),
            "token=@stETH",
        ],
    );
    let id = events(&r, "RedeemRequested")[0]["requestId"]
        .as_u64()
        .unwrap();
    let at = r["blockNumber"].as_u64().unwrap() + COOLDOWN;
    rt.block_on(wait_for_height(&client, at));
    let r = node.tx(
        BOB,
        "finalizeRedeemRequests",
        &[&format!("vault={vault}"), "maxRequests:=10"],
    );
    assert_eq!(u(&events(&r, "RedeemFinalized")[0]["amount"]), eth(4));
    let before = balance(&node, alice, "stETH");
    node.tx(
        ALICE,
        "claimRedeem",
        &[&format!("vault={vault}"), &format!("requestId:={id}")],
    );
    assert_eq!(balance(&node, alice, "stETH") - before, eth(4));
    assert_eq!(balance(&node, alice, "rsETH"), eth(6));

    // Every vault is listed; the human table prints.
    let all = rt
        .block_on(client.call("restake_getVaults", vec![]))
        .unwrap();
    assert_eq!(all[0]["symbol"], "rsETH");
    assert_eq!(
        all[0]["lrt"].as_str().unwrap().to_lowercase(),
        lrt.to_lowercase()
    );
    assert_eq!(u(&all[0]["totalAssets"]), eth(17));
    let out = node.cli(&["query", "vault", &vault]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("rsETH"));
    let _ = bob;
}
