//! Wallet interoperability: an independent Ethereum library (Python eth-account) signs the typed
//! data the node prepares, unchanged, and the node accepts and executes the transactions.
//! Needs `python3` with `eth_account`; without it the test fails under CI and is skipped
//! elsewhere.
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
use std::process::Command;

fn eth_account_available() -> Result<(), String> {
    match Command::new("python3")
        .args(["-c", "import eth_account"])
        .output()
    {
        Ok(out) if out.status.success() => Ok(()),
        Ok(out) => Err(String::from_utf8_lossy(&out.stderr).into_owned()),
        Err(e) => Err(format!("python3 cannot run: {e}")),
    }
}

fn u(v: &Value) -> U256 {
    v.as_str().unwrap().parse().unwrap()
}

#[test]
fn transactions_signed_by_eth_account_from_the_prepared_typed_data_are_accepted_and_executed() {
    if let Err(why) = eth_account_available() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but python3 cannot import eth_account: {why}"
        );
        eprintln!(
            "SKIPPED: wallet interoperability needs python3 with eth-account \
             (pip install eth-account==0.14.0): {why}"
        );
        return;
    }
    let tmp = TempDir::new("interop");
    let node = Node::start(&tmp.path().join("data"), 200);
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/wallet_interop.py");
    let out = Command::new("python3")
        .args([script, &node.url])
        .output()
        .unwrap();
    assert!(out.status.success(), "the script failed:\n{}", text(&out));
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(printed.contains("6 transactions signed by eth-account committed"));

    // The script's transactions took effect: read them back through the RPC.
    let signer = dev(7);
    let rt = runtime();
    let client = node.client();
    rt.block_on(async {
        assert_eq!(client.nonce(signer).await.unwrap(), 6);
        let (steth_strategy, steth) = client.strategy_by_symbol("stETH").await.unwrap();
        let (reth_strategy, _) = client.strategy_by_symbol("rETH").await.unwrap();
        let one = U256::from(10u8).pow(U256::from(18u8));

        let bal = client
            .call("restake_getTokenBalance", vec![json!(steth), json!(dev(0))])
            .await
            .unwrap();
        assert_eq!(u(&bal), U256::from(10_000u32) * one + U256::from(12_345u32));

        let staker = client
            .call("restake_getStaker", vec![json!(signer)])
            .await
            .unwrap();
        let pos = &staker["positions"];
        assert_eq!(pos.as_array().unwrap().len(), 1, "{staker:#}");
        assert_eq!(
            serde_json::from_value::<Address>(pos[0]["strategy"].clone()).unwrap(),
            reth_strategy
        );
        assert_eq!(
            u(&pos[0]["depositShares"]),
            one * U256::from(6u8) / U256::from(10u8)
        );
        let queued = staker["queuedWithdrawals"].as_array().unwrap();
        assert_eq!(queued.len(), 1);
        assert_eq!(
            u(&queued[0]["shares"][0]),
            one * U256::from(4u8) / U256::from(10u8)
        );

        let op = client
            .call("restake_getOperator", vec![json!(signer)])
            .await
            .unwrap();
        assert_eq!(op["allocationDelay"], 5, "{op:#}");
        assert_eq!(
            op["details"]["metadataUri"],
            "https://operator.example/meta.json"
        );

        let set = client
            .call("restake_getOperatorSet", vec![json!(signer), json!(1)])
            .await
            .unwrap();
        assert_eq!(set["registrationPolicy"], "allowlist", "{set:#}");
        assert_eq!(u(&set["equivocationWadToSlash"]), one / U256::from(20u8));
        let mut expected = vec![steth_strategy, reth_strategy];
        expected.sort();
        let mut got: Vec<Address> = serde_json::from_value(set["strategies"].clone()).unwrap();
        got.sort();
        assert_eq!(got, expected);
    });
}
