//! A whole restaking story against the real `restake dev` binary, driven through `restake tx`,
//! `restake query ... --json` and the typed RPC client, checked to the wei.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::panic,
    missing_docs
)]

mod common;
use alloy_primitives::{Address, B256, U256};
use common::*;
use serde_json::{Value, json};

const WAD: u128 = 1_000_000_000_000_000_000;
/// Pool virtual offsets (spec §2).
const SHARES_OFFSET: u128 = 1_000;
const BALANCE_OFFSET: u128 = 1_000;
/// Every development account starts with 10,000 of each token.
const START_BALANCE: u128 = 10_000 * WAD;
/// Devnet `MIN_WITHDRAWAL_DELAY_BLOCKS`.
const D: u64 = 10;

const STAKER: &str = "dev:1";
const OPERATOR: &str = "dev:2";
const AVS: &str = "dev:3";

fn u(v: &Value) -> U256 {
    v.as_str()
        .unwrap_or_else(|| panic!("expected a decimal string, got {v}"))
        .parse()
        .unwrap()
}

fn a(v: &Value) -> Address {
    serde_json::from_value(v.clone()).unwrap()
}

fn ceil_div(x: U256, y: U256) -> U256 {
    x.div_ceil(y)
}

#[test]
fn deposit_delegate_allocate_slash_and_withdraw_through_the_cli_pays_the_staker_to_the_wei() {
    let tmp = TempDir::new("e2e");
    let node = Node::start(&tmp.path().join("data"), 200);
    let rt = runtime();
    let client = node.client();
    let (staker, operator, avs) = (dev(1), dev(2), dev(3));

    // The devnet is up: chain id and a height.
    let status = node.query(&["status"]);
    assert_eq!(status["chainId"], 31337);
    assert!(status["height"].is_u64(), "{status:#}");

    let strategies = node.query(&["strategies"]);
    let steth = strategies
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["symbol"] == "stETH")
        .expect("a stETH pool");
    let (strategy, token) = (a(&steth["strategy"]), a(&steth["token"]));
    assert_eq!(
        rt.block_on(client.strategy_by_symbol("stETH")).unwrap(),
        (strategy, token)
    );
    assert_eq!(u(&steth["totalShares"]), U256::ZERO);
    assert_eq!(u(&steth["balance"]), U256::ZERO);

    let balance = |who: Address| -> U256 {
        let v = node.query(&["balance", "@stETH", &who.to_string()]);
        assert_eq!(a(&v["token"]), token);
        u(&v["balance"])
    };
    assert_eq!(balance(staker), U256::from(START_BALANCE));

    // 1. Deposit into the empty pool: shares = amount * (0 + 1e3) / (0 + 1e3) = amount.
    let amount = U256::from(123_456_789_000_000_000_000u128);
    // newShares = amount * (totalShares + 1e3) / (balance before + 1e3), both zero before.
    let shares = amount * (U256::ZERO + U256::from(SHARES_OFFSET))
        / (U256::ZERO + U256::from(BALANCE_OFFSET));
    let r = node.tx(
        STAKER,
        "depositIntoStrategy",
        &[
            "strategy=@stETH",
            "token=@stETH",
            &format!("amount={amount}wei"),
        ],
    );
    let dep = events(&r, "Deposit");
    assert_eq!(dep.len(), 1, "{r:#}");
    assert_eq!(u(&dep[0]["shares"]), shares);
    assert_eq!(a(&dep[0]["strategy"]), strategy);
    // The receipt the CLI printed is the one the node stores.
    let hash: B256 = serde_json::from_value(r["transactionHash"].clone()).unwrap();
    let stored = node.query(&["receipt", &hash.to_string()]);
    assert_eq!(stored, r);
    let typed = rt.block_on(client.receipt(hash)).unwrap().unwrap();
    assert_eq!(serde_json::to_value(&typed).unwrap(), r);
    assert_eq!(balance(staker), U256::from(START_BALANCE) - amount);

    // 2. Operator with an allocation delay of 3 blocks, in force at once (set at registration).
    node.tx(
        OPERATOR,
        "registerAsOperator",
        &[
            &format!("delegationApprover={}", Address::ZERO),
            "allocationDelay:=3",
            "metadataUri=https://operator.example/meta.json",
        ],
    );
    // 3. Delegate: the operator receives the staker's shares.
    node.tx(STAKER, "delegateTo", &[&format!("operator={operator}")]);
    let v = node.query(&["staker", &staker.to_string()]);
    assert_eq!(a(&v["delegatedTo"]), operator);
    assert_eq!(v["positions"].as_array().unwrap().len(), 1);
    assert_eq!(u(&v["positions"][0]["depositShares"]), shares);
    assert_eq!(u(&v["positions"][0]["withdrawableShares"]), shares);
    let v = node.query(&["operator", &operator.to_string()]);
    assert_eq!(v["allocationDelay"], 3);
    // (The operator's per-strategy rows are checked once it has allocated: before that the view
    // omits delegated-only strategies, see the test below.)

    // 4. The AVS registers and creates set 1 over stETH (nested objects take addresses).
    node.tx(
        AVS,
        "updateAvsMetadataUri",
        &["metadataUri=https://avs.example/meta.json"],
    );
    let params = json!([{ "operatorSetId": 1, "strategies": [strategy] }]);
    node.tx(AVS, "createOperatorSets", &[&format!("params:={params}")]);
    let set = node.query(&["operator-set", &avs.to_string(), "1"]);
    assert_eq!(a(&set["avs"]), avs);
    assert_eq!(
        set["strategies"],
        json!([strategy]),
        "the set slashes stETH only"
    );
    assert_eq!(a(&set["slasher"]), avs, "the AVS is the default slasher");

    // 5. The operator joins the set.
    node.tx(
        OPERATOR,
        "registerForOperatorSets",
        &[&format!("avs={avs}"), "operatorSetIds:=[1]"],
    );
    let set = node.query(&["operator-set", &avs.to_string(), "1"]);
    assert_eq!(set["members"], json!([operator]));

    // 6. Allocate a third of the stake (magnitude 333333333333333333 of 1e18).
    let magnitude: u64 = 333_333_333_333_333_333;
    let params = json!([{
        "avs": avs,
        "operatorSetId": 1,
        "strategies": [strategy],
        "newMagnitudes": [magnitude.to_string()],
    }]);
    let r = node.tx(
        OPERATOR,
        "modifyAllocations",
        &[&format!("params:={params}")],
    );
    let upd = events(&r, "AllocationUpdated");
    assert_eq!(upd.len(), 1, "{r:#}");
    let effect = upd[0]["effectBlock"].as_u64().unwrap();
    assert_eq!(effect, r["blockNumber"].as_u64().unwrap() + 3);
    assert_eq!(u(&upd[0]["magnitude"]), U256::from(magnitude));
    let v = node.query(&["operator", &operator.to_string()]);
    assert_eq!(a(&v["strategies"][0]["strategy"]), strategy);
    assert_eq!(u(&v["strategies"][0]["operatorShares"]), shares);
    assert_eq!(u(&v["strategies"][0]["maxMagnitude"]), U256::from(WAD));
    assert_eq!(
        u(&v["strategies"][0]["allocatableMagnitude"]),
        U256::from(WAD - u128::from(magnitude))
    );
    rt.block_on(wait_for_height(&client, effect));

    // In force: the staker's stETH is slashable by the set in proportion.
    let v = node.query(&["staker", &staker.to_string()]);
    let exp = &v["exposures"];
    assert_eq!(exp.as_array().unwrap().len(), 1, "{v:#}");
    assert_eq!(a(&exp[0]["operatorSet"]["avs"]), avs);
    assert_eq!(exp[0]["operatorSet"]["id"], 1);
    let fraction = U256::from(magnitude) * U256::from(WAD) / U256::from(WAD);
    assert_eq!(u(&exp[0]["allocatedFraction"]), fraction);
    assert_eq!(
        u(&exp[0]["slashableShares"]),
        shares * fraction / U256::from(WAD)
    );
    assert_eq!(
        u(&exp[0]["slashableShares"]),
        U256::from(41_152_262_999_999_999_958u128)
    );

    // 7. The AVS slashes 37% of the allocation.
    let wad_to_slash = U256::from(370_000_000_000_000_000u128);
    let slashed_mag = ceil_div(U256::from(magnitude) * wad_to_slash, U256::from(WAD));
    let new_max = U256::from(WAD) - slashed_mag;
    // calcSlashedAmount(op, prevMax, newMax) = op - ceil(op * newMax / prevMax) (spec §4.2).
    let op_slashed = shares - ceil_div(shares * new_max, U256::from(WAD));
    assert_eq!(slashed_mag, U256::from(123_333_333_333_333_334u128));
    assert_eq!(new_max, U256::from(876_666_666_666_666_666u128));
    assert_eq!(op_slashed, U256::from(15_226_337_310_000_000_082u128));
    let r = node.tx(
        AVS,
        "slashOperator",
        &[
            &format!("operator={operator}"),
            "operatorSetId:=1",
            "strategies:=[\"@stETH\"]",
            &format!("wadsToSlash:=[\"{wad_to_slash}\"]"),
            "description=double signing",
        ],
    );
    let slashed = events(&r, "OperatorSharesSlashed");
    assert_eq!(slashed.len(), 1, "{r:#}");
    assert_eq!(u(&slashed[0]["totalSlashedShares"]), op_slashed);
    let mm = events(&r, "MaxMagnitudeUpdated");
    assert_eq!(u(&mm[0]["maxMagnitude"]), new_max);
    let os = events(&r, "OperatorSlashed");
    assert_eq!(os[0]["slashId"], 1);
    assert_eq!(
        u(&os[0]["wadSlashed"][0]),
        slashed_mag * U256::from(WAD) / U256::from(WAD)
    );

    let v = node.query(&["operator", &operator.to_string()]);
    assert_eq!(u(&v["strategies"][0]["maxMagnitude"]), new_max);
    assert_eq!(
        u(&v["strategies"][0]["operatorShares"]),
        shares - op_slashed
    );
    let alloc = rt
        .block_on(client.call(
            "restake_getAllocation",
            vec![json!(operator), json!(avs), json!(1), json!(strategy)],
        ))
        .unwrap();
    assert_eq!(
        u(&alloc["currentMagnitude"]),
        U256::from(magnitude) - slashed_mag
    );
    assert_eq!(u(&alloc["maxMagnitude"]), new_max);
    assert_eq!(
        u(&alloc["encumberedMagnitude"]),
        U256::from(magnitude) - slashed_mag
    );
    // The staker's withdrawable shares: s * k * m' with k = 1 (spec §4.1).
    let withdrawable = shares * new_max / U256::from(WAD);
    assert_eq!(withdrawable, U256::from(108_230_451_689_999_999_917u128));
    let v = node.query(&["staker", &staker.to_string()]);
    assert_eq!(u(&v["positions"][0]["withdrawableShares"]), withdrawable);
    assert_eq!(u(&v["positions"][0]["depositShares"]), shares);

    // 8. Queue every deposit share.
    let params = json!([{ "strategies": [strategy], "depositShares": [shares.to_string()] }]);
    let r = node.tx(STAKER, "queueWithdrawals", &[&format!("params:={params}")]);
    let queued_at = r["blockNumber"].as_u64().unwrap();
    let q = events(&r, "SlashingWithdrawalQueued");
    assert_eq!(q.len(), 1, "{r:#}");
    let root: B256 = serde_json::from_value(q[0]["withdrawalRoot"].clone()).unwrap();
    assert_eq!(u(&q[0]["withdrawableShares"][0]), withdrawable);
    assert_eq!(u(&q[0]["withdrawal"]["scaledShares"][0]), shares);
    assert_eq!(
        q[0]["withdrawal"]["startBlock"].as_u64().unwrap(),
        queued_at
    );
    let v = node.query(&["staker", &staker.to_string()]);
    let w = &v["queuedWithdrawals"];
    assert_eq!(w.as_array().unwrap().len(), 1, "{v:#}");
    assert_eq!(
        serde_json::from_value::<B256>(w[0]["withdrawalRoot"].clone()).unwrap(),
        root
    );
    let completable = w[0]["completableAtBlock"].as_u64().unwrap();
    assert_eq!(completable, queued_at + D + 1);
    assert_eq!(u(&w[0]["shares"][0]), withdrawable);
    assert_eq!(v["positions"], json!([]));
    // The operator loses the staker's withdrawable shares; the rounding dust of the slash stays
    // with it (op >= sum of its stakers' withdrawable shares, spec §4.4).
    let op_dust = shares - op_slashed - withdrawable;
    assert_eq!(op_dust, U256::from(1u8));
    let v = node.query(&["operator", &operator.to_string()]);
    assert_eq!(u(&v["strategies"][0]["operatorShares"]), op_dust);

    // A completion may only land in a block at or after `completableAtBlock`; one sent now is
    // usually early and must then fail, leaving the withdrawal queued.
    let complete = [
        format!("withdrawalRoot={root}"),
        "receiveAsTokens:=true".to_string(),
    ];
    let complete: Vec<&str> = complete.iter().map(String::as_str).collect();
    let (ok, r) = node.tx_receipt(STAKER, "completeQueuedWithdrawal", &complete);
    let landed = r["blockNumber"].as_u64().unwrap();
    let completed_early = if landed < completable {
        assert!(!ok, "completed at block {landed} < {completable}: {r:#}");
        assert_eq!(r["status"], "failed");
        assert!(
            r["error"]["message"]
                .as_str()
                .unwrap()
                .contains("completable at block"),
            "{r:#}"
        );
        false
    } else {
        assert!(ok, "{r:#}");
        true
    };

    // 9. Wait out the delay, then complete as tokens.
    if !completed_early {
        rt.block_on(wait_for_height(&client, completable));
        let r = node.tx(STAKER, "completeQueuedWithdrawal", &complete);
        assert!(r["blockNumber"].as_u64().unwrap() >= completable);
        assert_eq!(events(&r, "SlashingWithdrawalCompleted").len(), 1, "{r:#}");
    }

    // One depositor: the pool holds `amount` tokens for `shares` shares (slashed shares stay in
    // the pool until the bucket is cleared), so the payout is
    // floor((amount + 1e3) * withdrawable / (shares + 1e3)) = withdrawable exactly.
    let payout =
        (amount + U256::from(BALANCE_OFFSET)) * withdrawable / (shares + U256::from(SHARES_OFFSET));
    assert_eq!(payout, withdrawable);
    let expected = U256::from(START_BALANCE) - amount + payout;
    assert_eq!(expected, U256::from(9_984_773_662_689_999_999_917u128));
    assert_eq!(balance(staker), expected);

    let v = node.query(&["staker", &staker.to_string()]);
    assert_eq!(v["queuedWithdrawals"], json!([]));
    assert_eq!(v["positions"], json!([]));
    // What is left in the pool: the slashed bucket and the operator's dust, backed 1:1.
    let steth = node
        .query(&["strategies"])
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["symbol"] == "stETH")
        .cloned()
        .unwrap();
    assert_eq!(u(&steth["totalShares"]), shares - withdrawable);
    assert_eq!(u(&steth["balance"]), amount - payout);
    assert_eq!(shares - withdrawable, op_slashed + op_dust);
}

#[test]
fn an_operator_query_lists_the_stake_delegated_to_it_before_any_allocation() {
    let tmp = TempDir::new("e2e-operator");
    let node = Node::start(&tmp.path().join("data"), 200);
    let operator = dev(5);
    let amount = U256::from(7_000_000_000_000_000_000u128);
    node.tx(
        "dev:4",
        "depositIntoStrategy",
        &[
            "strategy=@rETH",
            "token=@rETH",
            &format!("amount={amount}wei"),
        ],
    );
    node.tx(
        "dev:5",
        "registerAsOperator",
        &[
            &format!("delegationApprover={}", Address::ZERO),
            "allocationDelay:=0",
            "metadataUri=https://operator.example",
        ],
    );
    let r = node.tx("dev:4", "delegateTo", &[&format!("operator={operator}")]);
    let inc = events(&r, "OperatorSharesIncreased");
    assert_eq!(u(&inc[0]["shares"]), amount);
    let strategy = a(&inc[0]["strategy"]);

    // The operator now holds `amount` delegated rETH shares: "stake per strategy" must show it.
    let v = node.query(&["operator", &operator.to_string()]);
    let rows = v["strategies"].as_array().unwrap();
    assert_eq!(
        rows.len(),
        1,
        "no stake row for the delegated strategy: {v:#}"
    );
    assert_eq!(a(&rows[0]["strategy"]), strategy);
    assert_eq!(u(&rows[0]["operatorShares"]), amount);
}

#[test]
fn bench_funds_derived_senders_and_reports_every_transaction_committed() {
    let tmp = TempDir::new("e2e-bench");
    let node = Node::start(&tmp.path().join("data"), 100);
    // 12 senders: the 10 development accounts and 2 derived keys the run must fund first; batches
    // of 7 so the last batch of a round is partial.
    let out = node.cli(&[
        "bench",
        "--txs",
        "240",
        "--senders",
        "12",
        "--concurrency",
        "3",
        "--batch",
        "7",
        "--recoveries",
        "200",
        "--json",
    ]);
    assert!(
        out.status.success(),
        "bench failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["transactions"], 240);
    assert_eq!(report["batch"], 7);
    assert_eq!(report["failedTransactions"], 0);
    assert_eq!(report["refusedAtAdmission"], 0);
    assert!(report["blocks"].as_u64().unwrap() >= 1);
    assert_eq!(report["recoveries"], 200);
    // Every transfer of 1 unit landed, the derived senders' too.
    let recipient = format!("0x{}", "be".repeat(20));
    let held = node.query(&["balance", "@stETH", &recipient]);
    assert_eq!(held["balance"], "240");
}
