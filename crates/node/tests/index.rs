//! The index outside consensus: fed block by block it answers exactly as one rebuilt from the
//! stored blocks; lists page without repeating or skipping an item while blocks arrive; bad
//! cursors and out-of-order blocks are refused with their reason.
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
use restake_client::Wallet;
use restake_core::Action;
use restake_core::event::Event;
use restake_node::engine::ManualEngine;
use restake_node::index::{EventFilter, Index, IndexError, IndexedEvent, TxRef};
use restake_node::node::NodeConfig;
use restake_node::{NodeHandle, devnet};
use restake_store::Store;
use serde_json::{Value, json};

const GENESIS_TIME: u64 = 1_700_000_000;

fn node() -> (NodeHandle, ManualEngine) {
    restake_node::start_manual(
        Store::in_memory().unwrap(),
        &devnet::genesis(),
        GENESIS_TIME,
        NodeConfig::default(),
    )
    .unwrap()
}

/// Development account `i` sends `amount` rETH to `to`.
fn transfer(node: &NodeHandle, i: usize, to: Address, amount: u64) {
    let key = Wallet::from_hex(devnet::DEV_ACCOUNTS[i].1).unwrap();
    let nonce = node.next_nonce(&key.address()).unwrap();
    let action = Action::Transfer {
        token: restake_core::tokens::token_address("rETH"),
        to,
        amount: U256::from(amount),
    };
    node.submit(key.sign(action, nonce, devnet::CHAIN_ID))
        .unwrap();
}

/// Makes one block and indexes it.
async fn block(node: &NodeHandle, engine: &mut ManualEngine, index: &Index) {
    engine.produce_block().await.unwrap();
    index.catch_up(node.store(), devnet::CHAIN_ID).unwrap();
}

fn all_events(index: &Index, filter: &EventFilter, limit: usize) -> Vec<IndexedEvent> {
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let page = index.events(filter, cursor.as_deref(), limit).unwrap();
        out.extend(page.items);
        match page.next {
            Some(c) => cursor = Some(c),
            None => return out,
        }
    }
}

fn all_txs(index: &Index, address: &Address, limit: usize) -> Vec<TxRef> {
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let page = index
            .transactions_by_address(address, cursor.as_deref(), limit)
            .unwrap();
        out.extend(page.items);
        match page.next {
            Some(c) => cursor = Some(c),
            None => return out,
        }
    }
}

fn everything() -> EventFilter {
    EventFilter {
        from: 0,
        to: u64::MAX,
        ..EventFilter::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_index_rebuilt_from_the_stored_blocks_answers_exactly_as_the_live_one() {
    let (node, mut engine) = node();
    let live = Index::in_memory().unwrap();
    let (alice, bob) = (Address::repeat_byte(0xa1), Address::repeat_byte(0xb0));
    for round in 0..4u64 {
        transfer(&node, 1, alice, 10 + round);
        transfer(&node, 2, bob, 20 + round);
        transfer(&node, 3, alice, 30 + round);
        block(&node, &mut engine, &live).await;
        block(&node, &mut engine, &live).await;
    }
    let rebuilt = Index::in_memory().unwrap();
    let head = node.head().height;
    assert_eq!(
        rebuilt.rebuild(node.store(), devnet::CHAIN_ID).unwrap(),
        head + 1
    );
    assert_eq!(rebuilt.next_height().unwrap(), live.next_height().unwrap());
    for filter in [
        everything(),
        EventFilter {
            address: Some(alice),
            ..everything()
        },
        EventFilter {
            kind: Some("Transfer".into()),
            from: 3,
            to: 6,
            ..everything()
        },
    ] {
        assert_eq!(
            all_events(&rebuilt, &filter, 5),
            all_events(&live, &filter, 7)
        );
    }
    // Alice received eight transfers, each a Transfer event naming her; newest first by address.
    let to_alice = all_events(
        &live,
        &EventFilter {
            address: Some(alice),
            kind: Some("Transfer".into()),
            ..everything()
        },
        3,
    );
    assert_eq!(to_alice.len(), 8);
    assert!(
        to_alice
            .iter()
            .all(|e| matches!(e.event, Event::Transfer { to, .. } if to == alice))
    );
    let alice_txs = all_txs(&live, &alice, 3);
    assert_eq!(alice_txs.len(), 8);
    assert!(
        alice_txs
            .windows(2)
            .all(|w| (w[0].height, w[0].index) > (w[1].height, w[1].index))
    );
    assert_eq!(alice_txs, all_txs(&rebuilt, &alice, 100));
    // The sender's own transactions are listed under it too.
    let sender = Wallet::from_hex(devnet::DEV_ACCOUNTS[2].1)
        .unwrap()
        .address();
    assert_eq!(all_txs(&live, &sender, 2).len(), 4);
    // A receipt's transaction is the one the index names.
    let first = &to_alice[0];
    let receipt = restake_node::chain::read_receipt(node.store(), &first.tx)
        .unwrap()
        .unwrap();
    assert_eq!(receipt.block_number, first.position.height);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paging_while_blocks_arrive_never_repeats_or_skips_an_item() {
    let (node, mut engine) = node();
    let index = Index::in_memory().unwrap();
    let carol = Address::repeat_byte(0xc0);
    for (sender, amount) in [1, 2, 3, 1, 2, 3].into_iter().zip(1u64..) {
        transfer(&node, sender, carol, amount);
    }
    block(&node, &mut engine, &index).await;
    // Oldest first over all events, a block arriving between every two pages.
    let mut events = Vec::new();
    let mut cursor = None;
    loop {
        let page = index.events(&everything(), cursor.as_deref(), 2).unwrap();
        events.extend(page.items);
        transfer(&node, 4, carol, 100);
        block(&node, &mut engine, &index).await;
        match page.next {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    let positions: Vec<_> = events.iter().map(|e| e.position).collect();
    let mut sorted = positions.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(positions, sorted, "in order, none twice");
    let full = all_events(&index, &everything(), 100);
    assert!(full.len() > events.len(), "blocks kept arriving");
    assert_eq!(&full[..events.len()], &events[..], "nothing skipped");

    // Newest first over carol's transactions: the pages hold exactly those there were when the
    // first page was read, however many arrive meanwhile.
    let before = all_txs(&index, &carol, 100);
    let mut txs = Vec::new();
    let mut cursor = None;
    loop {
        let page = index
            .transactions_by_address(&carol, cursor.as_deref(), 2)
            .unwrap();
        txs.extend(page.items);
        transfer(&node, 4, carol, 100);
        block(&node, &mut engine, &index).await;
        match page.next {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(txs, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_cursor_and_a_block_out_of_order_are_refused() {
    let (node, mut engine) = node();
    let index = Index::in_memory().unwrap();
    block(&node, &mut engine, &index).await;
    for bad in ["zz", "00", "0102"] {
        assert!(matches!(
            index.events(&everything(), Some(bad), 10),
            Err(IndexError::BadCursor)
        ));
        assert!(matches!(
            index.transactions_by_address(&Address::ZERO, Some(bad), 10),
            Err(IndexError::BadCursor)
        ));
    }
    let next = index.next_height().unwrap();
    assert!(matches!(
        index.apply(next + 1, &Address::ZERO, &[]),
        Err(IndexError::Gap { next: n, got }) if n == next && got == next + 1
    ));
    // A replayed height changes nothing.
    index.apply(next - 1, &Address::ZERO, &[]).unwrap();
    assert_eq!(index.next_height().unwrap(), next);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_node_keeps_its_own_index_and_an_index_of_another_chain_is_replaced() {
    let (node, mut engine) = node();
    let dave = Address::repeat_byte(0xd0);
    transfer(&node, 1, dave, 7);
    engine.produce_block().await.unwrap();
    // The node's index follows committed blocks by itself, off the block path.
    let head = node.head().height;
    indexed(&node, head).await;
    assert_eq!(all_txs(node.index(), &dave, 10).len(), 1);

    // Another chain (another genesis time): the index is cleared, not mixed.
    let other = restake_node::start_manual(
        Store::in_memory().unwrap(),
        &devnet::genesis(),
        GENESIS_TIME + 1,
        NodeConfig::default(),
    )
    .unwrap()
    .0;
    let index = Index::in_memory().unwrap();
    index.catch_up(node.store(), devnet::CHAIN_ID).unwrap();
    assert_eq!(all_txs(&index, &dave, 10).len(), 1);
    index.catch_up(other.store(), devnet::CHAIN_ID).unwrap();
    assert!(all_txs(&index, &dave, 10).is_empty());
    assert_eq!(index.next_height().unwrap(), other.head().height + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lists_page_over_rpc_and_refuse_bad_pages_with_invalid_params() {
    let mut served = common::serve_manual(Store::in_memory().unwrap(), NodeConfig::default()).await;
    let node = served.handle.clone();
    let erin = Address::repeat_byte(0xe1);
    for (sender, amount) in [1, 2, 3].into_iter().zip(1u64..) {
        transfer(&node, sender, erin, amount);
    }
    served.engine.produce_block().await.unwrap();
    let head = node.head().height;
    indexed(&node, head).await;
    let addr = served.addr;
    // Two pages of erin's Transfer events: 2, then 1 and no next cursor.
    let query = json!({"fromBlock": 1, "address": erin, "type": "Transfer"});
    let first = call(addr, "restake_getEvents", json!([query, {"limit": 2}])).await;
    let items = first["result"]["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{first}");
    assert_eq!(items[0]["blockNumber"], head);
    assert_eq!(items[0]["event"]["type"], "Transfer");
    assert_eq!(items[0]["event"]["to"], json!(erin));
    let next = first["result"]["next"].clone();
    assert!(next.is_string());
    let second = call(
        addr,
        "restake_getEvents",
        json!([query, {"cursor": next, "limit": 2}]),
    )
    .await;
    assert_eq!(second["result"]["items"].as_array().unwrap().len(), 1);
    assert_eq!(second["result"]["next"], Value::Null);
    // Newest first, three transactions.
    let txs = call(addr, "restake_getTransactionsByAddress", json!([erin])).await;
    let txs = txs["result"]["items"].as_array().unwrap().clone();
    assert_eq!(txs.len(), 3);
    assert!(txs[0]["transactionIndex"].as_u64() > txs[2]["transactionIndex"].as_u64());
    // Bad pages: -32602 with words.
    for (method, params) in [
        ("restake_getEvents", json!([query, {"cursor": "nonsense"}])),
        ("restake_getEvents", json!([query, {"limit": 0}])),
        ("restake_getEvents", json!([query, {"limit": 101}])),
        ("restake_getEvents", json!([{"fromBlock": head + 5}])),
        (
            "restake_getEvents",
            json!([{"fromBlock": 0, "colour": "red"}]),
        ),
        (
            "restake_getTransactionsByAddress",
            json!([erin, {"cursor": "00"}]),
        ),
    ] {
        let reply = call(addr, method, params.clone()).await;
        assert_eq!(reply["error"]["code"], -32602, "{method} {params}: {reply}");
    }
    served.server.stop().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_of_another_index_layout_is_replaced_by_an_empty_index() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(restake_node::index::FILE_NAME);
    {
        // A file whose table of the same name holds other types, as an older index would.
        let db = redb::Database::create(&path).unwrap();
        let txn = db.begin_write().unwrap();
        let old: redb::TableDefinition<&[u8], ()> = redb::TableDefinition::new("events_by_address");
        txn.open_table(old).unwrap().insert(&[1u8][..], ()).unwrap();
        txn.commit().unwrap();
    }
    let (node, mut engine) = node();
    transfer(&node, 1, Address::repeat_byte(0xf0), 1);
    engine.produce_block().await.unwrap();
    let index = Index::open(&path).unwrap();
    assert_eq!(index.next_height().unwrap(), 0);
    index.catch_up(node.store(), devnet::CHAIN_ID).unwrap();
    assert_eq!(all_txs(&index, &Address::repeat_byte(0xf0), 10).len(), 1);
    // Opened again, the file keeps what it holds.
    drop(index);
    let again = Index::open(&path).unwrap();
    assert_eq!(again.next_height().unwrap(), node.head().height + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operators_and_their_stakers_follow_registrations_delegations_and_undelegations() {
    let (node, mut engine) = node();
    let index = Index::in_memory().unwrap();
    let register = json!({"type": "registerAsOperator", "delegationApprover": Address::ZERO,
        "allocationDelay": 0, "metadataUri": ""});
    act(&node, 1, register.clone());
    act(&node, 2, register);
    block(&node, &mut engine, &index).await;
    let registered = node.head().height;
    for staker in [3, 4, 5] {
        act(
            &node,
            staker,
            json!({"type": "delegateTo", "operator": dev(1)}),
        );
    }
    act(&node, 6, json!({"type": "delegateTo", "operator": dev(2)}));
    block(&node, &mut engine, &index).await;
    let delegated = node.head().height;
    // The operator undelegates staker 4.
    act(&node, 1, json!({"type": "undelegate", "staker": dev(4)}));
    block(&node, &mut engine, &index).await;

    let first = index.operators(None, 1).unwrap();
    assert_eq!(first.items.len(), 1);
    let rest = index.operators(first.next.as_deref(), 10).unwrap();
    assert_eq!(rest.next, None);
    let mut all: Vec<_> = first.items.into_iter().chain(rest.items).collect();
    all.sort_by_key(|o| o.operator);
    // An operator is delegated to itself from its registration (as in EigenLayer): it counts.
    let mut expected = vec![(dev(1), registered, 3), (dev(2), registered, 2)];
    expected.sort();
    assert_eq!(
        all.iter()
            .map(|o| (o.operator, o.registered_at, o.stakers))
            .collect::<Vec<_>>(),
        expected
    );
    let stakers = index.operator_stakers(&dev(1), None, 10).unwrap();
    let mut want = vec![
        (dev(1), registered),
        (dev(3), delegated),
        (dev(5), delegated),
    ];
    want.sort();
    assert_eq!(
        stakers
            .items
            .iter()
            .map(|s| (s.staker, s.delegated_at))
            .collect::<Vec<_>>(),
        want
    );
    // The same from a rebuild.
    let rebuilt = Index::in_memory().unwrap();
    rebuilt.rebuild(node.store(), devnet::CHAIN_ID).unwrap();
    assert_eq!(rebuilt.operators(None, 10).unwrap().items.len(), 2);
    assert_eq!(
        rebuilt.operator_stakers(&dev(1), None, 10).unwrap(),
        index.operator_stakers(&dev(1), None, 10).unwrap()
    );
    assert!(matches!(
        index.operators(Some("not an address"), 10),
        Err(IndexError::BadCursor)
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operators_and_their_stakers_are_listed_over_rpc_with_the_operators_view() {
    let mut served = common::serve_manual(Store::in_memory().unwrap(), NodeConfig::default()).await;
    let node = served.handle.clone();
    act(
        &node,
        1,
        json!({"type": "registerAsOperator", "delegationApprover": Address::ZERO,
            "allocationDelay": 0, "metadataUri": "https://op.example"}),
    );
    act(&node, 3, json!({"type": "delegateTo", "operator": dev(1)}));
    served.engine.produce_block().await.unwrap();
    let head = node.head().height;
    indexed(&node, head).await;
    let ops = call(served.addr, "restake_getOperators", json!([])).await;
    let items = ops["result"]["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{ops}");
    assert_eq!(items[0]["operator"]["operator"], json!(dev(1)));
    assert_eq!(
        items[0]["operator"]["details"]["metadataUri"],
        "https://op.example"
    );
    assert_eq!(items[0]["registeredAt"], head);
    assert_eq!(items[0]["stakers"], 2);
    let stakers = call(
        served.addr,
        "restake_getOperatorStakers",
        json!([dev(1), {"limit": 1}]),
    )
    .await;
    assert_eq!(stakers["result"]["items"].as_array().unwrap().len(), 1);
    let next = stakers["result"]["next"].clone();
    let rest = call(
        served.addr,
        "restake_getOperatorStakers",
        json!([dev(1), {"cursor": next}]),
    )
    .await;
    assert_eq!(rest["result"]["items"].as_array().unwrap().len(), 1);
    assert_eq!(rest["result"]["next"], Value::Null);
    let bad = call(
        served.addr,
        "restake_getOperators",
        json!([{"cursor": "0x12"}]),
    )
    .await;
    assert_eq!(bad["error"]["code"], -32602);
    served.server.stop().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn avss_and_their_operator_sets_are_listed_over_rpc_and_from_a_rebuild() {
    let mut served = common::serve_manual(Store::in_memory().unwrap(), NodeConfig::default()).await;
    let node = served.handle.clone();
    act(
        &node,
        3,
        json!({"type": "updateAvsMetadataUri", "metadataUri": "https://avs.example"}),
    );
    served.engine.produce_block().await.unwrap();
    let seen = node.head().height;
    act(
        &node,
        3,
        json!({"type": "createOperatorSets", "params": [
            {"operatorSetId": 1, "strategies": []},
            {"operatorSetId": 7, "strategies": []},
            {"operatorSetId": 2, "strategies": []}]}),
    );
    // An AVS is one from its metadata on (as in EigenLayer): account 4 becomes one in this block.
    act(
        &node,
        4,
        json!({"type": "updateAvsMetadataUri", "metadataUri": "https://b.example"}),
    );
    act(
        &node,
        4,
        json!({"type": "createOperatorSets", "params": [{"operatorSetId": 1, "strategies": []}]}),
    );
    served.engine.produce_block().await.unwrap();
    let created = node.head().height;
    indexed(&node, created).await;
    let list = call(served.addr, "restake_getAvsList", json!([])).await;
    let mut avss: Vec<(Value, Value, Value)> = list["result"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["avs"].clone(),
                a["firstSeenAt"].clone(),
                a["operatorSets"].clone(),
            )
        })
        .collect();
    avss.sort_by_key(|a| a.0.to_string());
    let mut want = vec![
        (json!(dev(3)), json!(seen), json!(3)),
        (json!(dev(4)), json!(created), json!(1)),
    ];
    want.sort_by_key(|a| a.0.to_string());
    assert_eq!(avss, want);
    // Each with its newest metadata URI.
    let uri_of = |a: Address| {
        list["result"]["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["avs"] == json!(a))
            .unwrap()["metadataUri"]
            .clone()
    };
    assert_eq!(uri_of(dev(3)), "https://avs.example");
    assert_eq!(uri_of(dev(4)), "https://b.example");
    // Sets by id, two pages.
    let first = call(
        served.addr,
        "restake_getOperatorSets",
        json!([dev(3), {"limit": 2}]),
    )
    .await;
    let ids: Vec<Value> = first["result"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].clone())
        .collect();
    assert_eq!(ids, vec![json!(1), json!(2)]);
    assert_eq!(first["result"]["items"][0]["createdAt"], created);
    let rest = call(
        served.addr,
        "restake_getOperatorSets",
        json!([dev(3), {"cursor": first["result"]["next"]}]),
    )
    .await;
    assert_eq!(rest["result"]["items"][0]["id"], 7);
    assert_eq!(rest["result"]["next"], Value::Null);
    // A rebuild answers the same.
    let rebuilt = Index::in_memory().unwrap();
    rebuilt.rebuild(node.store(), devnet::CHAIN_ID).unwrap();
    assert_eq!(
        rebuilt.avss(None, 10).unwrap(),
        node.index().avss(None, 10).unwrap()
    );
    assert_eq!(
        rebuilt.operator_sets(&dev(3), None, 10).unwrap(),
        node.index().operator_sets(&dev(3), None, 10).unwrap()
    );
    let bad = call(
        served.addr,
        "restake_getOperatorSets",
        json!([dev(3), {"cursor": "x"}]),
    )
    .await;
    assert_eq!(bad["error"]["code"], -32602);
    served.server.stop().unwrap();
}
