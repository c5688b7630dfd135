//! Histories from the index, over RPC: slashes by operator, AVS, set and the stakers they
//! reached; the withdrawal queue with completion heights and payouts after slashes; a strategy's
//! TVL over time equal to the token amount it holds; all of it the same from a rebuild.
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
use common::{act, call, dev, indexed};
use restake_core::pool::strategy_address;
use restake_core::tokens::token_address;
use restake_node::devnet;
use restake_node::index::{Index, Series, SlashFilter};
use restake_node::node::NodeConfig;
use restake_store::Store;
use serde_json::{Value, json};

const WAD: u128 = 1_000_000_000_000_000_000;

fn u(v: &Value) -> U256 {
    v.as_str().unwrap().parse().unwrap()
}

/// Staker 1 deposits 100 stETH and delegates to operator 2, which allocates half of it to set 1
/// of AVS 3; staker 1 queues half its shares; the AVS slashes 10% of the allocation.
async fn slashed_chain() -> common::Served {
    let mut served = common::serve_manual(Store::in_memory().unwrap(), NodeConfig::default()).await;
    let node = served.handle.clone();
    let (steth, strategy) = (
        token_address("stETH"),
        strategy_address(&token_address("stETH")),
    );
    let amount = U256::from(100u128 * WAD);
    act(
        &node,
        1,
        json!({"type": "depositIntoStrategy", "strategy": strategy, "token": steth, "amount": amount.to_string()}),
    );
    act(
        &node,
        2,
        json!({"type": "registerAsOperator", "delegationApprover": Address::ZERO, "allocationDelay": 0, "metadataUri": "https://op.example"}),
    );
    act(
        &node,
        3,
        json!({"type": "updateAvsMetadataUri", "metadataUri": "https://avs.example"}),
    );
    served.engine.produce_block().await.unwrap();
    act(&node, 1, json!({"type": "delegateTo", "operator": dev(2)}));
    act(
        &node,
        3,
        json!({"type": "createOperatorSets", "params": [{"operatorSetId": 1, "strategies": [strategy]}]}),
    );
    served.engine.produce_block().await.unwrap();
    act(
        &node,
        2,
        json!({"type": "registerForOperatorSets", "avs": dev(3), "operatorSetIds": [1]}),
    );
    served.engine.produce_block().await.unwrap();
    act(
        &node,
        2,
        json!({"type": "modifyAllocations", "params": [{"avs": dev(3), "operatorSetId": 1, "strategies": [strategy], "newMagnitudes": [(WAD / 2).to_string()]}]}),
    );
    for _ in 0..3 {
        served.engine.produce_block().await.unwrap();
    }
    act(
        &node,
        1,
        json!({"type": "queueWithdrawals", "params": [{"strategies": [strategy], "depositShares": [(50 * WAD).to_string()]}]}),
    );
    served.engine.produce_block().await.unwrap();
    act(
        &node,
        3,
        json!({"type": "slashOperator", "operator": dev(2), "operatorSetId": 1, "strategies": [strategy], "wadsToSlash": [(WAD / 10).to_string()], "description": "missed attestations"}),
    );
    served.engine.produce_block().await.unwrap();
    indexed(&node, node.head().height).await;
    served
}

fn failed(receipts: &Value) -> bool {
    receipts.to_string().contains("\"failed\"")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slash_is_listed_by_operator_avs_set_and_the_stakers_it_reached() {
    let served = slashed_chain().await;
    let node = served.handle.clone();
    let strategy = strategy_address(&token_address("stETH"));
    let all = call(served.addr, "restake_getSlashes", json!([])).await;
    let items = all["result"]["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{all:#}");
    let slash = &items[0];
    assert_eq!(slash["operator"], json!(dev(2)));
    assert_eq!(slash["operatorSet"], json!({"avs": dev(3), "id": 1}));
    assert_eq!(slash["slashId"], 1);
    assert_eq!(slash["description"], "missed attestations");
    assert_eq!(slash["strategies"][0]["strategy"], json!(strategy));
    // Half the stake allocated, 10% of it slashed: 5% of the magnitude.
    assert_eq!(
        u(&slash["strategies"][0]["wadSlashed"]),
        U256::from(WAD / 20)
    );
    // The operator's cut is the slash's OperatorSharesDecreased event (no staker); all that was
    // set aside, its OperatorSharesSlashed and BurnOrRedistributableSharesIncreased events.
    let receipt = call(
        served.addr,
        "restake_getTransactionReceipt",
        json!([slash["transactionHash"]]),
    )
    .await;
    assert!(!failed(&receipt["result"]["status"]), "{receipt:#}");
    let event = |kind: &str| {
        receipt["result"]["events"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["type"] == kind)
            .unwrap_or_else(|| panic!("no {kind}"))
            .clone()
    };
    let cut = event("OperatorSharesDecreased");
    assert_eq!(cut["staker"], json!(Address::ZERO));
    assert_eq!(slash["strategies"][0]["sharesSlashed"], cut["shares"]);
    // 5% of the operator's 50 delegated shares, and as much of the 50 queued.
    assert_eq!(
        u(&slash["strategies"][0]["sharesSlashed"]),
        U256::from(5 * WAD / 2)
    );
    assert_eq!(
        event("OperatorSharesSlashed")["totalSlashedShares"],
        json!((5 * WAD).to_string())
    );
    let set_aside = receipt["result"]["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == "BurnOrRedistributableSharesIncreased")
        .expect("the slash set shares aside")
        .clone();
    assert_eq!(
        slash["strategies"][0]["burnOrRedistributableShares"],
        set_aside["shares"]
    );
    assert_eq!(slash["blockNumber"], receipt["result"]["blockNumber"]);
    for query in [
        json!({"operator": dev(2)}),
        json!({"avs": dev(3)}),
        json!({"avs": dev(3), "operatorSetId": 1}),
        json!({"staker": dev(1)}),
        json!({"staker": dev(1), "operator": dev(2)}),
    ] {
        let r = call(served.addr, "restake_getSlashes", json!([query])).await;
        assert_eq!(r["result"]["items"], all["result"]["items"], "{query}");
    }
    for query in [
        json!({"operator": dev(3)}),
        json!({"avs": dev(2)}),
        json!({"avs": dev(3), "operatorSetId": 2}),
        json!({"staker": dev(4)}),
    ] {
        let r = call(served.addr, "restake_getSlashes", json!([query])).await;
        assert_eq!(r["result"]["items"], json!([]), "{query}");
    }
    // The operators list counts it.
    let operators = call(served.addr, "restake_getOperators", json!([])).await;
    let slashed = operators["result"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["operator"]["operator"] == json!(dev(2)))
        .unwrap();
    assert_eq!(slashed["slashes"], 1);
    // Its commission for the one AVS it allocated to: the default, as it set none.
    let default = restake_core::config::Params::devnet().default_operator_split_bips;
    assert_eq!(
        slashed["commissions"],
        json!([{"avs": dev(3), "splitBips": default}])
    );
    let bad = call(
        served.addr,
        "restake_getSlashes",
        json!([{"operatorSetId": 1}]),
    )
    .await;
    assert_eq!(bad["error"]["code"], -32602, "{bad:#}");
    let rebuilt = Index::in_memory().unwrap();
    rebuilt.rebuild(node.store(), devnet::CHAIN_ID).unwrap();
    let filter = SlashFilter {
        staker: Some(dev(1)),
        ..SlashFilter::default()
    };
    assert_eq!(
        rebuilt.slashes(&filter, None, 10).unwrap(),
        node.index().slashes(&filter, None, 10).unwrap()
    );
    served.server.stop().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_withdrawal_queue_shows_completion_heights_and_payouts_after_slashes() {
    let mut served = slashed_chain().await;
    let node = served.handle.clone();
    let staker = call(served.addr, "restake_getStaker", json!([dev(1)])).await;
    let view = &staker["result"]["queuedWithdrawals"][0];
    let queue = call(served.addr, "restake_getWithdrawals", json!([])).await;
    let items = queue["result"]["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{queue:#}");
    let w = &items[0];
    assert_eq!(w["status"], "queued");
    assert_eq!(w["completedAt"], Value::Null);
    assert_eq!(w["staker"], json!(dev(1)));
    assert_eq!(w["delegatedTo"], json!(dev(2)));
    assert_eq!(w["withdrawalRoot"], view["withdrawalRoot"]);
    assert_eq!(w["completableAt"], view["completableAtBlock"]);
    // Queued before the slash: 50 shares then; the slash (5% of the operator's magnitude) is
    // still within the withdrawal's slashable window, so it pays 47.5 now.
    assert_eq!(
        u(&w["strategies"][0]["sharesAtQueue"]),
        U256::from(50 * WAD)
    );
    assert_eq!(w["strategies"][0]["payout"], view["shares"][0]);
    assert_eq!(
        u(&w["strategies"][0]["payout"]),
        U256::from(50 * WAD - 50 * WAD / 20)
    );
    // By staker and status.
    let mine = call(
        served.addr,
        "restake_getWithdrawals",
        json!([{"staker": dev(1), "status": "queued"}]),
    )
    .await;
    assert_eq!(mine["result"]["items"], queue["result"]["items"]);
    let none = call(
        served.addr,
        "restake_getWithdrawals",
        json!([{"status": "completed"}]),
    )
    .await;
    assert_eq!(none["result"]["items"], json!([]));
    // Complete it once it may be: it is listed as completed at that height, with no payout.
    let completable = w["completableAt"].as_u64().unwrap();
    while node.head().height + 1 < completable {
        served.engine.produce_block().await.unwrap();
    }
    act(
        &node,
        1,
        json!({"type": "completeQueuedWithdrawal", "withdrawalRoot": w["withdrawalRoot"], "receiveAsTokens": true}),
    );
    served.engine.produce_block().await.unwrap();
    let done_at = node.head().height;
    indexed(&node, done_at).await;
    let done = call(
        served.addr,
        "restake_getWithdrawals",
        json!([{"status": "completed"}]),
    )
    .await;
    let d = &done["result"]["items"][0];
    assert_eq!(d["withdrawalRoot"], w["withdrawalRoot"], "{done:#}");
    assert_eq!(d["status"], "completed");
    assert_eq!(d["completedAt"], done_at);
    assert_eq!(d["strategies"][0]["payout"], Value::Null);
    let queued = call(
        served.addr,
        "restake_getWithdrawals",
        json!([{"status": "queued"}]),
    )
    .await;
    assert_eq!(queued["result"]["items"], json!([]));
    let rebuilt = Index::in_memory().unwrap();
    rebuilt.rebuild(node.store(), devnet::CHAIN_ID).unwrap();
    assert_eq!(
        rebuilt.withdrawals(None, None, None, 10).unwrap(),
        node.index().withdrawals(None, None, None, 10).unwrap()
    );
    served.server.stop().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_strategys_tvl_over_time_is_the_token_amount_it_holds_at_each_height() {
    let mut served = slashed_chain().await;
    let node = served.handle.clone();
    let (steth, strategy) = (
        token_address("stETH"),
        strategy_address(&token_address("stETH")),
    );
    // Another deposit, then the series against the balance at the head.
    act(
        &node,
        4,
        json!({"type": "depositIntoStrategy", "strategy": strategy, "token": steth, "amount": (7 * WAD).to_string()}),
    );
    served.engine.produce_block().await.unwrap();
    let head = node.head().height;
    indexed(&node, head).await;
    let balance = call(
        served.addr,
        "restake_getTokenBalance",
        json!([steth, strategy]),
    )
    .await;
    let series = call(served.addr, "restake_getTvlHistory", json!([strategy])).await;
    let points = series["result"]["points"].as_array().unwrap();
    // Fewer heights than the default 200 points: every height, the last the head.
    assert_eq!(points.last().unwrap()["blockNumber"], head, "{series:#}");
    assert_eq!(
        u(&points.last().unwrap()["tvl"]),
        u(&balance["result"]),
        "{balance:#}"
    );
    // One block before the second deposit it held exactly the first one.
    let before = points
        .iter()
        .find(|p| p["blockNumber"] == head - 1)
        .unwrap();
    assert_eq!(u(&before["tvl"]), U256::from(100 * WAD));
    assert_eq!(u(&points.last().unwrap()["tvl"]), U256::from(107 * WAD));
    // Three points over the whole range: the first height, the middle one and the head.
    let three = call(
        served.addr,
        "restake_getTvlHistory",
        json!([strategy, {"fromBlock": 0, "toBlock": head, "points": 3}]),
    )
    .await;
    let heights: Vec<u64> = three["result"]["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["blockNumber"].as_u64().unwrap())
        .collect();
    assert_eq!(heights.last(), Some(&head));
    assert!(heights.len() <= 3 && heights.windows(2).all(|w| w[0] < w[1]));
    for (params, why) in [
        (json!([strategy, {"points": 0}]), "points"),
        (json!([strategy, {"points": 1001}]), "points"),
        (json!([strategy, {"fromBlock": head + 5}]), "fromBlock"),
    ] {
        let r = call(served.addr, "restake_getTvlHistory", params).await;
        assert_eq!(r["error"]["code"], -32602, "{r:#}");
        assert!(r["error"]["message"].as_str().unwrap().contains(why));
    }
    let rebuilt = Index::in_memory().unwrap();
    rebuilt.rebuild(node.store(), devnet::CHAIN_ID).unwrap();
    assert_eq!(
        rebuilt.series(Series::Tvl, &strategy, 0, head, 50).unwrap(),
        node.index()
            .series(Series::Tvl, &strategy, 0, head, 50)
            .unwrap()
    );
    served.server.stop().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_totals_count_the_chain_and_sum_delegated_shares_exactly() {
    let served = slashed_chain().await;
    let node = served.handle.clone();
    let strategy = strategy_address(&token_address("stETH"));
    let t = call(served.addr, "restake_getTotals", json!([])).await;
    let t = &t["result"];
    assert_eq!(t["operators"], 1, "{t:#}");
    // The operator (delegated to itself) and staker 1.
    assert_eq!(t["delegatedStakers"], 2);
    assert_eq!(t["stakers"], 1);
    assert_eq!(t["avss"], 1);
    assert_eq!(t["operatorSets"], 1);
    assert_eq!(t["slashes"], 1);
    assert_eq!(t["withdrawalsQueued"], 1);
    assert_eq!(t["withdrawalsPending"], 1);
    assert_eq!(t["indexHeight"], node.head().height);
    // Delegated shares equal the operator's shares in the state, to the wei.
    let op = call(served.addr, "restake_getOperator", json!([dev(2)])).await;
    let held = op["result"]["strategies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["strategy"] == json!(strategy))
        .unwrap()["operatorShares"]
        .clone();
    assert_eq!(
        t["delegatedShares"],
        json!([{"shares": held, "strategy": strategy}])
    );
    let rebuilt = Index::in_memory().unwrap();
    rebuilt.rebuild(node.store(), devnet::CHAIN_ID).unwrap();
    assert_eq!(rebuilt.totals().unwrap(), node.index().totals().unwrap());
    served.server.stop().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vaults_rate_over_time_is_what_its_deposits_paid_and_its_redeem_requests_state() {
    let mut served = common::serve_manual(Store::in_memory().unwrap(), NodeConfig::default()).await;
    let node = served.handle.clone();
    let steth = token_address("stETH");
    act(
        &node,
        5,
        json!({"type": "createVault", "symbol": "rsETH", "assets": [{"token": steth, "rateWad": WAD.to_string()}]}),
    );
    served.engine.produce_block().await.unwrap();
    let vaults = call(served.addr, "restake_getVaults", json!([])).await;
    let vault = vaults["result"][0]["vault"].clone();
    let mut deposits = Vec::new();
    for (i, amount) in [(1usize, 10u128), (2, 5)] {
        act(
            &node,
            i,
            json!({"type": "depositIntoVault", "vault": vault, "token": steth, "amount": (amount * WAD).to_string()}),
        );
        served.engine.produce_block().await.unwrap();
        deposits.push(node.head().height);
    }
    act(
        &node,
        1,
        json!({"type": "requestRedeem", "vault": vault, "shares": (2 * WAD).to_string(), "token": steth}),
    );
    served.engine.produce_block().await.unwrap();
    let head = node.head().height;
    indexed(&node, head).await;
    let events = call(
        served.addr,
        "restake_getEvents",
        json!([{"fromBlock": 0, "address": vault}]),
    )
    .await;
    let events = events["result"]["items"].as_array().unwrap();
    let series = call(served.addr, "restake_getVaultRateHistory", json!([vault])).await;
    let points = series["result"]["points"].as_array().unwrap();
    let at = |h: u64| {
        points
            .iter()
            .find(|p| p["blockNumber"] == h)
            .unwrap_or_else(|| panic!("no point at {h}: {series:#}"))["rate"]
            .clone()
    };
    // Before the first deposit there is no rate; at each deposit, the price it paid.
    assert_eq!(points[0]["blockNumber"], deposits[0], "{series:#}");
    for height in &deposits {
        let d = events
            .iter()
            .find(|e| e["blockNumber"] == *height && e["event"]["type"] == "VaultDeposit")
            .unwrap();
        let price = u(&d["event"]["value"]) * U256::from(WAD) / u(&d["event"]["shares"]);
        assert_eq!(u(&at(*height)), price);
    }
    // At the redeem request, the rate it states, which is the vault's rate then.
    let request = events
        .iter()
        .find(|e| e["event"]["type"] == "RedeemRequested")
        .unwrap();
    assert_eq!(at(head), request["event"]["rateAtRequest"]);
    let view = call(served.addr, "restake_getVault", json!([vault])).await;
    assert_eq!(at(head), view["result"]["rate"], "{view:#}");
    let rebuilt = Index::in_memory().unwrap();
    rebuilt.rebuild(node.store(), devnet::CHAIN_ID).unwrap();
    let vault: Address = serde_json::from_value(vault).unwrap();
    assert_eq!(
        rebuilt
            .series(Series::VaultRate, &vault, 0, head, 100)
            .unwrap(),
        node.index()
            .series(Series::VaultRate, &vault, 0, head, 100)
            .unwrap()
    );
    served.server.stop().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paging_the_withdrawal_queue_while_withdrawals_arrive_never_repeats_or_skips_one() {
    let mut served = common::serve_manual(Store::in_memory().unwrap(), NodeConfig::default()).await;
    let node = served.handle.clone();
    let (steth, strategy) = (
        token_address("stETH"),
        strategy_address(&token_address("stETH")),
    );
    act(
        &node,
        1,
        json!({"type": "depositIntoStrategy", "strategy": strategy, "token": steth, "amount": (100 * WAD).to_string()}),
    );
    served.engine.produce_block().await.unwrap();
    let queue_one = |node: &restake_node::NodeHandle| {
        act(
            node,
            1,
            json!({"type": "queueWithdrawals", "params": [{"strategies": [strategy], "depositShares": [WAD.to_string()]}]}),
        );
    };
    for _ in 0..7 {
        queue_one(&node);
        served.engine.produce_block().await.unwrap();
    }
    indexed(&node, node.head().height).await;
    let before: Vec<Value> = call(served.addr, "restake_getWithdrawals", json!([])).await["result"]
        ["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["withdrawalRoot"].clone())
        .collect();
    assert_eq!(before.len(), 7);
    // Two at a time, with a new withdrawal in a new block between pages.
    let mut seen = Vec::new();
    let mut cursor = Value::Null;
    loop {
        let page = if cursor.is_null() {
            json!({"limit": 2})
        } else {
            json!({"limit": 2, "cursor": cursor})
        };
        let r = call(
            served.addr,
            "restake_getWithdrawals",
            json!([{"staker": dev(1)}, page]),
        )
        .await;
        seen.extend(
            r["result"]["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|w| w["withdrawalRoot"].clone()),
        );
        cursor = r["result"]["next"].clone();
        if cursor.is_null() {
            break;
        }
        queue_one(&node);
        served.engine.produce_block().await.unwrap();
        indexed(&node, node.head().height).await;
    }
    // Newest first from the first page on: exactly the ones there were, each once, in order.
    assert_eq!(seen, before);
    served.server.stop().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_validators_proposed_blocks_are_listed_newest_first_with_their_transactions() {
    let mut served = common::serve_manual(Store::in_memory().unwrap(), NodeConfig::default()).await;
    let node = served.handle.clone();
    let start = node.head().height;
    act(
        &node,
        1,
        json!({"type": "transfer", "token": token_address("rETH"), "to": dev(2), "amount": "1"}),
    );
    served.engine.produce_block().await.unwrap();
    served.engine.produce_block().await.unwrap();
    let head = node.head().height;
    indexed(&node, head).await;
    let proposer = node.head().proposer;
    let first = call(
        served.addr,
        "restake_getBlocksByProposer",
        json!([proposer, {"limit": 1}]),
    )
    .await;
    assert_eq!(
        first["result"]["items"],
        json!([{"blockNumber": head, "transactions": 0}])
    );
    let rest = call(
        served.addr,
        "restake_getBlocksByProposer",
        json!([proposer, {"cursor": first["result"]["next"], "limit": 1}]),
    )
    .await;
    assert_eq!(
        rest["result"]["items"],
        json!([{"blockNumber": start + 1, "transactions": 1}])
    );
    let nobody = call(served.addr, "restake_getBlocksByProposer", json!([dev(9)])).await;
    assert_eq!(nobody["result"]["items"], json!([]));
    let rebuilt = Index::in_memory().unwrap();
    rebuilt.rebuild(node.store(), devnet::CHAIN_ID).unwrap();
    assert_eq!(
        rebuilt.blocks_by_proposer(&proposer, None, 100).unwrap(),
        node.index()
            .blocks_by_proposer(&proposer, None, 100)
            .unwrap()
    );
    served.server.stop().unwrap();
}
