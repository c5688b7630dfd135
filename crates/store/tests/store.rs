//! The store's contract: state reads, roots, proofs, durability, pruning and height rules.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::panic,
    clippy::expect_used,
    missing_docs
)]

use alloy_primitives::B256;
use proptest::prelude::*;
use restake_core::state::{Changes, Entry, MemoryState, StateRead, StateWrite};
use restake_store::{BlockRecord, EMPTY_ROOT, ProofError, Store, StoreConfig, StoreError, proof};

fn block_hash(height: u64, salt: u8) -> B256 {
    let mut h = [0u8; 32];
    h[..8].copy_from_slice(&height.to_be_bytes());
    h[31] = salt;
    B256::from(h)
}

fn record(height: u64) -> BlockRecord {
    BlockRecord {
        height,
        hash: block_hash(height, 0),
        bytes: format!("block {height}").into_bytes(),
        receipts: vec![],
        certificate: vec![],
        parent_certificate: None,
    }
}

/// Prepares and commits `changes` as the next height; returns the new root.
fn commit_next(store: &Store, changes: &Changes) -> B256 {
    let height = store.height().unwrap().map_or(0, |h| h + 1);
    let prepared = store.prepare(height, changes).unwrap();
    let root = prepared.state_root;
    store.commit(prepared, record(height)).unwrap();
    root
}

fn changes(entries: &[(&[u8], Option<&[u8]>)]) -> Changes {
    entries
        .iter()
        .map(|(k, v)| (k.to_vec(), v.map(<[u8]>::to_vec)))
        .collect()
}

fn no_pruning() -> StoreConfig {
    StoreConfig {
        keep_versions: None,
    }
}

/// The greatest entry starting with `prefix` and at or below `upper`, by brute force.
fn naive_last_below(
    model: &MemoryState,
    prefix: &[u8],
    upper: &[u8],
    inclusive: bool,
) -> Option<Entry> {
    model
        .iter()
        .filter(|(k, _)| k.starts_with(prefix))
        .filter(|(k, _)| {
            if inclusive {
                k.as_slice() <= upper
            } else {
                k.as_slice() < upper
            }
        })
        .last()
        .map(|(k, v)| (k.clone(), v.clone()))
}

// ---------------------------------------------------------------------------------------------
// StateView against the reference MemoryState

fn key_strategy() -> impl Strategy<Value = Vec<u8>> {
    // A small alphabet with the boundary bytes, so prefixes, 0xFF runs and neighbours collide.
    prop::collection::vec(
        prop::sample::select(vec![0x00u8, 0x01, 0x2f, 0xfe, 0xff]),
        0..4,
    )
}

fn changes_strategy() -> impl Strategy<Value = Changes> {
    prop::collection::btree_map(
        key_strategy(),
        prop::option::weighted(0.75, prop::collection::vec(any::<u8>(), 0..6)),
        0..12,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn state_view_agrees_with_memory_state_on_random_change_sets(
        rounds in prop::collection::vec(changes_strategy(), 1..5),
        probes in prop::collection::vec((key_strategy(), key_strategy(), any::<bool>()), 1..24),
    ) {
        let store = Store::in_memory().unwrap();
        let mut model = MemoryState::new();
        for round in &rounds {
            commit_next(&store, round);
            model.apply(round.clone());
        }
        let view = store.state().unwrap();
        prop_assert_eq!(view.height(), Some(rounds.len() as u64 - 1));
        prop_assert_eq!(view.scan_prefix(b"").unwrap(), model.scan_prefix(b"").unwrap());
        for (a, b, inclusive) in &probes {
            prop_assert_eq!(view.get_raw(a).unwrap(), model.get_raw(a).unwrap());
            prop_assert_eq!(view.scan_prefix(a).unwrap(), model.scan_prefix(a).unwrap());
            // `upper` inside the prefix: how the protocol calls it, and where MemoryState is
            // defined. Compare with it there.
            let mut upper = a.clone();
            upper.extend_from_slice(b);
            prop_assert_eq!(
                view.last_below(a, &upper, *inclusive).unwrap(),
                model.last_below(a, &upper, *inclusive).unwrap()
            );
            // Any `upper`, in or out of the prefix: compare with brute force.
            prop_assert_eq!(
                view.last_below(a, b, *inclusive).unwrap(),
                naive_last_below(&model, a, b, *inclusive)
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn every_key_stays_provable_at_the_last_height_under_aggressive_pruning(
        rounds in prop::collection::vec(changes_strategy(), 1..8),
        absent in key_strategy(),
    ) {
        let store = Store::in_memory_with(StoreConfig { keep_versions: Some(1) }).unwrap();
        let mut model = MemoryState::new();
        for round in &rounds {
            commit_next(&store, round);
            model.apply(round.clone());
        }
        let height = rounds.len() as u64 - 1;
        let root = store.state_root().unwrap();
        for (k, v) in model.iter() {
            let (value, p) = store.get_with_proof(k, height).unwrap();
            prop_assert_eq!(value.as_ref(), Some(v));
            prop_assert!(proof::verify(root, k, Some(v), &p).is_ok());
        }
        let (value, p) = store.get_with_proof(&absent, height).unwrap();
        prop_assert_eq!(value.clone(), model.get_raw(&absent).unwrap());
        prop_assert!(proof::verify(root, &absent, value.as_deref(), &p).is_ok());
        // A fresh store given only the final state reaches the same root.
        let fresh = Store::in_memory().unwrap();
        let all: Changes = model.iter().map(|(k, v)| (k.clone(), Some(v.clone()))).collect();
        prop_assert_eq!(commit_next(&fresh, &all), root);
    }
}

#[test]
fn last_below_handles_ff_prefixes_and_bounds_outside_the_prefix() {
    let store = Store::in_memory().unwrap();
    commit_next(
        &store,
        &changes(&[
            (b"a/\x01", Some(b"1")),
            (b"a/\xff", Some(b"2")),
            (b"a/\xff\xff", Some(b"3")),
            (b"a0", Some(b"x")),
            (b"\xff\xff", Some(b"f")),
            (b"\xff\xff\x00", Some(b"g")),
        ]),
    );
    let view = store.state().unwrap();
    let entry = |k: &[u8], v: &[u8]| Some((k.to_vec(), v.to_vec()));

    // Upper beyond the prefix range: the last key of the prefix, not a neighbour.
    assert_eq!(
        view.last_below(b"a/", b"b", true).unwrap(),
        entry(b"a/\xff\xff", b"3")
    );
    assert_eq!(
        view.last_below(b"a/\xff", b"z", false).unwrap(),
        entry(b"a/\xff\xff", b"3")
    );
    // Inclusive and exclusive bounds on an existing key.
    assert_eq!(
        view.last_below(b"a/", b"a/\xff", true).unwrap(),
        entry(b"a/\xff", b"2")
    );
    assert_eq!(
        view.last_below(b"a/", b"a/\xff", false).unwrap(),
        entry(b"a/\x01", b"1")
    );
    // Upper below the prefix, or equal to it and exclusive: nothing.
    assert_eq!(view.last_below(b"a/", b"a", true).unwrap(), None);
    assert_eq!(view.last_below(b"a/", b"a/", false).unwrap(), None);
    // A prefix of only 0xFF bytes has no end key.
    assert_eq!(
        view.last_below(b"\xff\xff", b"\xff\xff\xff", true).unwrap(),
        entry(b"\xff\xff\x00", b"g")
    );
    assert_eq!(
        view.scan_prefix(b"\xff").unwrap(),
        vec![
            (b"\xff\xff".to_vec(), b"f".to_vec()),
            (b"\xff\xff\x00".to_vec(), b"g".to_vec())
        ]
    );
    assert_eq!(view.scan_prefix(b"a/\xff").unwrap().len(), 2);
    assert_eq!(view.scan_prefix(b"a/").unwrap().len(), 3);
}

#[test]
fn a_state_view_is_a_snapshot_that_later_commits_do_not_change() {
    let store = Store::in_memory().unwrap();
    commit_next(&store, &changes(&[(b"k", Some(b"1"))]));
    let before = store.state().unwrap();
    commit_next(&store, &changes(&[(b"k", Some(b"2")), (b"j", Some(b"3"))]));
    assert_eq!(before.height(), Some(0));
    assert_eq!(before.get_raw(b"k").unwrap(), Some(b"1".to_vec()));
    assert_eq!(before.get_raw(b"j").unwrap(), None);
    let after = store.state().unwrap();
    assert_eq!(after.get_raw(b"k").unwrap(), Some(b"2".to_vec()));
}

#[test]
fn store_and_state_view_can_be_shared_across_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<Store>();
    shareable::<restake_store::StateView>();
    shareable::<restake_store::Prepared>();
}

// ---------------------------------------------------------------------------------------------
// Roots

#[test]
fn the_root_before_any_commit_and_of_an_empty_genesis_is_the_empty_tree_root() {
    let store = Store::in_memory().unwrap();
    assert_eq!(store.height().unwrap(), None);
    assert_eq!(store.state_root().unwrap(), EMPTY_ROOT);
    let root = commit_next(&store, &Changes::new());
    assert_eq!(root, EMPTY_ROOT);
    assert_eq!(store.root_at(0).unwrap(), Some(EMPTY_ROOT));
}

#[test]
fn the_same_changes_give_the_same_root_in_two_stores() {
    let a = Store::in_memory().unwrap();
    let b = Store::in_memory().unwrap();
    let blocks = [
        changes(&[(b"x", Some(b"1")), (b"y", Some(b"2"))]),
        changes(&[(b"y", None), (b"z", Some(b""))]),
        Changes::new(),
    ];
    for c in &blocks {
        let ra = commit_next(&a, c);
        let rb = commit_next(&b, c);
        assert_eq!(ra, rb);
        assert_ne!(ra, EMPTY_ROOT);
    }
    assert_eq!(a.state_root().unwrap(), b.state_root().unwrap());
}

#[test]
fn the_root_depends_on_the_final_state_not_on_the_path_to_it() {
    let direct = Store::in_memory().unwrap();
    commit_next(&direct, &changes(&[(b"a", Some(b"1")), (b"b", Some(b"2"))]));

    let winding = Store::in_memory().unwrap();
    commit_next(
        &winding,
        &changes(&[(b"b", Some(b"9")), (b"c", Some(b"3"))]),
    );
    commit_next(&winding, &changes(&[(b"a", Some(b"1")), (b"c", None)]));
    commit_next(&winding, &changes(&[(b"b", Some(b"2"))]));

    assert_eq!(direct.state_root().unwrap(), winding.state_root().unwrap());
}

#[test]
fn the_root_changes_when_a_value_changes_and_returns_when_it_is_restored() {
    let store = Store::in_memory().unwrap();
    let r0 = commit_next(
        &store,
        &changes(&[(b"k", Some(b"v1")), (b"other", Some(b"o"))]),
    );
    let r1 = commit_next(&store, &changes(&[(b"k", Some(b"v2"))]));
    assert_ne!(r0, r1);
    let r2 = commit_next(&store, &changes(&[(b"k", Some(b"v1"))]));
    assert_eq!(r2, r0);
    // Deleting a key changes it too; deleting an absent key does not.
    let r3 = commit_next(&store, &changes(&[(b"other", None)]));
    assert_ne!(r3, r2);
    let r4 = commit_next(&store, &changes(&[(b"never-there", None)]));
    assert_eq!(r4, r3);
    // Deleting everything comes back to the empty tree.
    let r5 = commit_next(&store, &changes(&[(b"k", None)]));
    assert_eq!(r5, EMPTY_ROOT);
}

#[test]
fn the_prepared_root_is_the_committed_root() {
    let store = Store::in_memory().unwrap();
    commit_next(&store, &changes(&[(b"a", Some(b"1"))]));
    let prepared = store.prepare(1, &changes(&[(b"b", Some(b"2"))])).unwrap();
    assert_eq!(prepared.height, 1);
    let root = prepared.state_root;
    store.commit(prepared, record(1)).unwrap();
    assert_eq!(store.state_root().unwrap(), root);
    assert_eq!(store.root_at(1).unwrap(), Some(root));
    assert_eq!(store.root_at(2).unwrap(), None);
}

#[test]
fn prepare_writes_nothing() {
    let store = Store::in_memory().unwrap();
    let root0 = commit_next(&store, &changes(&[(b"a", Some(b"1"))]));
    let before = store.state().unwrap().scan_prefix(b"").unwrap();

    let prepared = store
        .prepare(1, &changes(&[(b"a", None), (b"b", Some(b"2"))]))
        .unwrap();
    assert_ne!(prepared.state_root, root0);
    drop(prepared);

    assert_eq!(store.height().unwrap(), Some(0));
    assert_eq!(store.state_root().unwrap(), root0);
    assert_eq!(store.root_at(1).unwrap(), None);
    assert_eq!(store.block(1).unwrap(), None);
    assert_eq!(store.state().unwrap().scan_prefix(b"").unwrap(), before);
    // The tree has no version 1, and version 0 still proves the old value.
    assert!(matches!(
        store.get_with_proof(b"a", 1),
        Err(StoreError::UnknownHeight {
            height: 1,
            latest: Some(0)
        })
    ));
    let (value, p) = store.get_with_proof(b"a", 0).unwrap();
    assert_eq!(value, Some(b"1".to_vec()));
    proof::verify(root0, b"a", Some(b"1"), &p).unwrap();
    // Preparing the same height again gives the same root.
    let again = store
        .prepare(1, &changes(&[(b"a", None), (b"b", Some(b"2"))]))
        .unwrap();
    let root1 = again.state_root;
    store.commit(again, record(1)).unwrap();
    assert_eq!(store.state_root().unwrap(), root1);
}

// ---------------------------------------------------------------------------------------------
// Heights

#[test]
fn heights_must_be_consecutive_from_zero() {
    let store = Store::in_memory().unwrap();
    assert!(matches!(
        store.prepare(1, &Changes::new()),
        Err(StoreError::NotConsecutive {
            expected: 0,
            got: 1
        })
    ));
    commit_next(&store, &Changes::new());
    assert!(matches!(
        store.prepare(0, &Changes::new()),
        Err(StoreError::NotConsecutive {
            expected: 1,
            got: 0
        })
    ));
    assert!(matches!(
        store.prepare(2, &Changes::new()),
        Err(StoreError::NotConsecutive {
            expected: 1,
            got: 2
        })
    ));
    assert_eq!(store.height().unwrap(), Some(0));
}

#[test]
fn a_prepared_height_cannot_be_committed_twice_or_after_another_commit() {
    let store = Store::in_memory().unwrap();
    commit_next(&store, &Changes::new());
    let first = store.prepare(1, &changes(&[(b"a", Some(b"1"))])).unwrap();
    let second = store.prepare(1, &changes(&[(b"a", Some(b"2"))])).unwrap();
    let root = first.state_root;
    store.commit(first, record(1)).unwrap();
    let mut other = record(1);
    other.hash = block_hash(1, 7);
    assert!(matches!(
        store.commit(second, other),
        Err(StoreError::NotConsecutive {
            expected: 2,
            got: 1
        })
    ));
    assert_eq!(store.state_root().unwrap(), root);
    assert_eq!(
        store.state().unwrap().get_raw(b"a").unwrap(),
        Some(b"1".to_vec())
    );
}

#[test]
fn a_preparation_from_another_store_is_refused() {
    let a = Store::in_memory().unwrap();
    let b = Store::in_memory().unwrap();
    commit_next(&a, &changes(&[(b"a", Some(b"1"))]));
    commit_next(&b, &changes(&[(b"b", Some(b"1"))]));
    let prepared = a.prepare(1, &Changes::new()).unwrap();
    assert!(matches!(
        b.commit(prepared, record(1)),
        Err(StoreError::StaleBase { .. })
    ));
    assert_eq!(b.height().unwrap(), Some(0));
}

#[test]
fn a_block_record_for_another_height_is_refused_and_nothing_is_written() {
    let store = Store::in_memory().unwrap();
    let prepared = store.prepare(0, &changes(&[(b"a", Some(b"1"))])).unwrap();
    assert!(matches!(
        store.commit(prepared, record(3)),
        Err(StoreError::HeightMismatch {
            prepared: 0,
            block: 3
        })
    ));
    assert_eq!(store.height().unwrap(), None);
    assert_eq!(store.block(3).unwrap(), None);
    assert_eq!(store.state().unwrap().get_raw(b"a").unwrap(), None);
}

// ---------------------------------------------------------------------------------------------
// Blocks and receipts

#[test]
fn blocks_and_receipts_are_found_by_height_and_hash() {
    let store = Store::in_memory().unwrap();
    let tx = |n: u8| B256::repeat_byte(n);
    let prepared = store.prepare(0, &Changes::new()).unwrap();
    store
        .commit(
            prepared,
            BlockRecord {
                height: 0,
                hash: block_hash(0, 1),
                bytes: b"genesis".to_vec(),
                receipts: vec![(tx(1), b"r1".to_vec()), (tx(2), b"r2".to_vec())],
                certificate: vec![],
                parent_certificate: None,
            },
        )
        .unwrap();
    let prepared = store.prepare(1, &Changes::new()).unwrap();
    store
        .commit(
            prepared,
            BlockRecord {
                height: 1,
                hash: block_hash(1, 1),
                bytes: b"one".to_vec(),
                receipts: vec![(tx(3), Vec::new())],
                certificate: vec![],
                parent_certificate: None,
            },
        )
        .unwrap();

    assert_eq!(store.block(0).unwrap(), Some(b"genesis".to_vec()));
    assert_eq!(store.block(1).unwrap(), Some(b"one".to_vec()));
    assert_eq!(store.block(2).unwrap(), None);
    assert_eq!(
        store.block_height_by_hash(&block_hash(1, 1)).unwrap(),
        Some(1)
    );
    assert_eq!(store.block_height_by_hash(&block_hash(9, 9)).unwrap(), None);
    assert_eq!(store.receipt(&tx(1)).unwrap(), Some((0, 0, b"r1".to_vec())));
    assert_eq!(store.receipt(&tx(2)).unwrap(), Some((0, 1, b"r2".to_vec())));
    assert_eq!(store.receipt(&tx(3)).unwrap(), Some((1, 0, Vec::new())));
    assert_eq!(store.receipt(&tx(4)).unwrap(), None);
}

#[test]
fn a_repeated_transaction_hash_fails_the_whole_commit() {
    let store = Store::in_memory().unwrap();
    let tx = B256::repeat_byte(5);
    let prepared = store.prepare(0, &Changes::new()).unwrap();
    let mut genesis = record(0);
    genesis.receipts = vec![(tx, b"first".to_vec())];
    store.commit(prepared, genesis).unwrap();
    let root0 = store.state_root().unwrap();

    // Across blocks.
    let prepared = store.prepare(1, &changes(&[(b"a", Some(b"1"))])).unwrap();
    let mut one = record(1);
    one.receipts = vec![
        (B256::repeat_byte(6), b"ok".to_vec()),
        (tx, b"again".to_vec()),
    ];
    assert!(matches!(
        store.commit(prepared, one),
        Err(StoreError::DuplicateTx(h)) if h == tx
    ));
    // Nothing of the failed commit is visible: state, block, receipts, head.
    assert_eq!(store.height().unwrap(), Some(0));
    assert_eq!(store.state_root().unwrap(), root0);
    assert_eq!(store.state().unwrap().get_raw(b"a").unwrap(), None);
    assert_eq!(store.block(1).unwrap(), None);
    assert_eq!(store.block_height_by_hash(&block_hash(1, 0)).unwrap(), None);
    assert_eq!(store.receipt(&B256::repeat_byte(6)).unwrap(), None);
    assert_eq!(store.receipt(&tx).unwrap(), Some((0, 0, b"first".to_vec())));

    // Within one block.
    let prepared = store.prepare(1, &Changes::new()).unwrap();
    let mut one = record(1);
    one.receipts = vec![
        (B256::repeat_byte(7), vec![]),
        (B256::repeat_byte(7), vec![]),
    ];
    assert!(matches!(
        store.commit(prepared, one),
        Err(StoreError::DuplicateTx(_))
    ));
    assert_eq!(store.receipt(&B256::repeat_byte(7)).unwrap(), None);
}

#[test]
fn a_repeated_block_hash_is_refused() {
    let store = Store::in_memory().unwrap();
    commit_next(&store, &Changes::new());
    let prepared = store.prepare(1, &Changes::new()).unwrap();
    let mut one = record(1);
    one.hash = block_hash(0, 0);
    assert!(matches!(
        store.commit(prepared, one),
        Err(StoreError::DuplicateBlockHash { height: 0, .. })
    ));
    assert_eq!(store.height().unwrap(), Some(0));
}

// ---------------------------------------------------------------------------------------------
// Durability

#[test]
fn commits_survive_closing_and_reopening_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("nested").join("data");
    let (root, entries) = {
        let store = Store::open(&data).unwrap();
        commit_next(&store, &changes(&[(b"a", Some(b"1")), (b"b", Some(b"2"))]));
        let prepared = store
            .prepare(1, &changes(&[(b"b", None), (b"c", Some(b"3"))]))
            .unwrap();
        let mut one = record(1);
        one.receipts = vec![(B256::repeat_byte(1), b"r".to_vec())];
        store.commit(prepared, one).unwrap();
        let view = store.state().unwrap();
        (store.state_root().unwrap(), view.scan_prefix(b"").unwrap())
    };
    assert!(data.join(restake_store::FILE_NAME).is_file());

    let store = Store::open(&data).unwrap();
    assert_eq!(store.height().unwrap(), Some(1));
    assert_eq!(store.state_root().unwrap(), root);
    assert_eq!(store.root_at(1).unwrap(), Some(root));
    assert_eq!(store.state().unwrap().scan_prefix(b"").unwrap(), entries);
    assert_eq!(store.block(1).unwrap(), Some(b"block 1".to_vec()));
    assert_eq!(
        store.receipt(&B256::repeat_byte(1)).unwrap(),
        Some((1, 0, b"r".to_vec()))
    );
    let (value, p) = store.get_with_proof(b"c", 1).unwrap();
    assert_eq!(value, Some(b"3".to_vec()));
    proof::verify(root, b"c", Some(b"3"), &p).unwrap();
    // And the chain goes on from there.
    let r2 = commit_next(&store, &changes(&[(b"d", Some(b"4"))]));
    assert_eq!(store.height().unwrap(), Some(2));
    assert_ne!(r2, root);
}

#[test]
fn a_file_of_another_format_is_refused_with_a_message_that_says_to_recreate_it() {
    let dir = tempfile::tempdir().unwrap();
    drop(Store::open(dir.path()).unwrap());
    {
        use redb::{Database, TableDefinition};
        const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
        let db = Database::open(dir.path().join(restake_store::FILE_NAME)).unwrap();
        let txn = db.begin_write().unwrap();
        txn.open_table(META)
            .unwrap()
            .insert("format", &99u32.to_be_bytes()[..])
            .unwrap();
        txn.commit().unwrap();
    }
    let err = Store::open(dir.path()).err().unwrap();
    assert!(matches!(
        err,
        StoreError::IncompatibleFormat {
            found: 99,
            expected: 5
        }
    ));
    let message = err.to_string();
    assert!(message.contains("remove the directory"), "{message}");
}

#[test]
fn a_commit_certificate_is_stored_with_its_block() {
    let store = Store::in_memory().unwrap();
    for (height, cert) in [(0u64, Vec::new()), (1, vec![7u8; 100])] {
        let prepared = store.prepare(height, &Changes::new()).unwrap();
        let mut block = record(height);
        block.certificate = cert;
        store.commit(prepared, block).unwrap();
    }
    assert_eq!(store.certificate(0).unwrap(), Some(Vec::new()));
    assert_eq!(store.certificate(1).unwrap(), Some(vec![7u8; 100]));
    assert_eq!(store.certificate(2).unwrap(), None);
}

// ---------------------------------------------------------------------------------------------
// Proofs

#[test]
fn proofs_verify_for_present_and_absent_keys() {
    let store = Store::in_memory().unwrap();
    let mut c = Changes::new();
    for i in 0u8..40 {
        c.insert(vec![b'k', i], Some(vec![i; (i % 5) as usize]));
    }
    let root = commit_next(&store, &c);
    for i in 0u8..40 {
        let key = [b'k', i];
        let (value, p) = store.get_with_proof(&key, 0).unwrap();
        assert_eq!(value, Some(vec![i; (i % 5) as usize]));
        proof::verify(root, &key, value.as_deref(), &p).unwrap();
    }
    for absent in [&b"missing"[..], b"", b"k", b"k\xff"] {
        let (value, p) = store.get_with_proof(absent, 0).unwrap();
        assert_eq!(value, None);
        proof::verify(root, absent, None, &p).unwrap();
    }
}

#[test]
fn proofs_fail_for_a_wrong_value_key_or_root_and_for_garbage() {
    let store = Store::in_memory().unwrap();
    let root = commit_next(
        &store,
        &changes(&[(b"a", Some(b"1")), (b"b", Some(b"2")), (b"c", Some(b"3"))]),
    );
    let (_, present) = store.get_with_proof(b"a", 0).unwrap();
    let (_, absent) = store.get_with_proof(b"zz", 0).unwrap();

    let invalid = |r: Result<(), ProofError>| matches!(r, Err(ProofError::Invalid(_)));
    assert!(invalid(proof::verify(root, b"a", Some(b"2"), &present)));
    assert!(invalid(proof::verify(root, b"a", None, &present)));
    assert!(invalid(proof::verify(root, b"b", Some(b"1"), &present)));
    assert!(invalid(proof::verify(
        EMPTY_ROOT,
        b"a",
        Some(b"1"),
        &present
    )));
    assert!(invalid(proof::verify(
        B256::repeat_byte(1),
        b"a",
        Some(b"1"),
        &present
    )));
    // An absence proof cannot be passed off as presence, nor for a present key.
    assert!(invalid(proof::verify(root, b"zz", Some(b""), &absent)));
    assert!(invalid(proof::verify(root, b"a", None, &absent)));
    assert!(invalid(proof::verify(
        B256::repeat_byte(1),
        b"zz",
        None,
        &absent
    )));
    // Bytes that are not a proof.
    assert_eq!(
        proof::verify(root, b"a", Some(b"1"), b"\x07junk"),
        Err(ProofError::Malformed)
    );
    let mut trailing = present.clone();
    trailing.push(0);
    assert_eq!(
        proof::verify(root, b"a", Some(b"1"), &trailing),
        Err(ProofError::Malformed)
    );
    // The genuine ones still pass.
    proof::verify(root, b"a", Some(b"1"), &present).unwrap();
    proof::verify(root, b"zz", None, &absent).unwrap();
}

#[test]
fn old_heights_prove_their_own_values() {
    let store = Store::in_memory_with(no_pruning()).unwrap();
    let r0 = commit_next(&store, &changes(&[(b"k", Some(b"old"))]));
    let r1 = commit_next(&store, &changes(&[(b"k", Some(b"new"))]));
    let r2 = commit_next(&store, &changes(&[(b"k", None)]));
    for (height, root, expected) in [
        (0, r0, Some(&b"old"[..])),
        (1, r1, Some(&b"new"[..])),
        (2, r2, None),
    ] {
        let (value, p) = store.get_with_proof(b"k", height).unwrap();
        assert_eq!(value.as_deref(), expected);
        assert_eq!(store.root_at(height).unwrap(), Some(root));
        proof::verify(root, b"k", expected, &p).unwrap();
    }
}

// ---------------------------------------------------------------------------------------------
// Pruning

/// Ten heights rewriting the same keys, so every height leaves stale nodes behind.
fn churn(store: &Store) -> Vec<B256> {
    (0u8..10)
        .map(|i| {
            let mut c = Changes::new();
            for k in 0u8..8 {
                c.insert(vec![k], Some(vec![i, k]));
            }
            if i % 3 == 2 {
                // Some heights change nothing at all.
                c.clear();
            }
            commit_next(store, &c)
        })
        .collect()
}

#[test]
fn pruning_removes_stale_nodes_but_keeps_recent_heights_provable() {
    let store = Store::in_memory_with(no_pruning()).unwrap();
    let roots = churn(&store);
    let removed = store.prune(3).unwrap();
    assert!(removed > 0);
    assert_eq!(store.prune(3).unwrap(), 0);

    // Heights 7, 8, 9 stay provable.
    for height in 7..=9u64 {
        let root = roots[usize::try_from(height).unwrap()];
        for k in 0u8..8 {
            let (value, p) = store.get_with_proof(&[k], height).unwrap();
            let value = value.expect("every key is present");
            assert_eq!(value[1], k);
            proof::verify(root, &[k], Some(&value), &p).unwrap();
        }
        let (absent, p) = store.get_with_proof(b"none", height).unwrap();
        assert_eq!(absent, None);
        proof::verify(root, b"none", None, &p).unwrap();
    }
    // Older heights keep their root but are no longer provable.
    assert_eq!(store.root_at(2).unwrap(), Some(roots[2]));
    assert!(matches!(
        store.get_with_proof(&[0], 6),
        Err(StoreError::Pruned {
            height: 6,
            oldest: 7
        })
    ));
    // The state and the next commits are unaffected.
    assert_eq!(store.state_root().unwrap(), roots[9]);
    assert_eq!(store.state().unwrap().scan_prefix(b"").unwrap().len(), 8);
    let next = commit_next(&store, &changes(&[(&[0u8][..], Some(b"z"))]));
    let (value, p) = store.get_with_proof(&[0], 10).unwrap();
    proof::verify(next, &[0], value.as_deref(), &p).unwrap();
    assert_eq!(value, Some(b"z".to_vec()));
}

#[test]
fn pruning_to_one_version_keeps_the_latest_tree_complete() {
    let store = Store::in_memory_with(no_pruning()).unwrap();
    let roots = churn(&store);
    assert!(store.prune(0).unwrap() > 0);
    for k in 0u8..8 {
        let (value, p) = store.get_with_proof(&[k], 9).unwrap();
        proof::verify(roots[9], &[k], value.as_deref(), &p).unwrap();
    }
    assert!(matches!(
        store.get_with_proof(&[0], 8),
        Err(StoreError::Pruned { .. })
    ));
}

#[test]
fn commit_prunes_with_the_configured_window() {
    let pruned = Store::in_memory_with(StoreConfig {
        keep_versions: Some(2),
    })
    .unwrap();
    let kept = Store::in_memory_with(no_pruning()).unwrap();
    let roots = churn(&pruned);
    assert_eq!(churn(&kept), roots);
    // The automatic pruning already removed what a manual prune with the same window would.
    assert_eq!(pruned.prune(2).unwrap(), 0);
    assert!(kept.prune(2).unwrap() > 0);
    assert!(matches!(
        pruned.get_with_proof(&[1], 7),
        Err(StoreError::Pruned {
            height: 7,
            oldest: 8
        })
    ));
    for height in [8u64, 9] {
        let (value, p) = pruned.get_with_proof(&[1], height).unwrap();
        proof::verify(
            roots[usize::try_from(height).unwrap()],
            &[1],
            value.as_deref(),
            &p,
        )
        .unwrap();
    }
}

#[test]
fn pruning_an_empty_store_removes_nothing() {
    let store = Store::in_memory().unwrap();
    assert_eq!(store.prune(1).unwrap(), 0);
    assert_eq!(store.height().unwrap(), None);
}

#[test]
fn keys_untouched_since_genesis_stay_provable_after_pruning() {
    let store = Store::in_memory_with(StoreConfig {
        keep_versions: Some(1),
    })
    .unwrap();
    commit_next(
        &store,
        &changes(&[(b"stable", Some(b"s")), (b"gone", Some(b"g"))]),
    );
    for round in 0u8..12 {
        // Many new keys around the stable one, so its leaf is pushed down and rewritten under
        // new internal nodes without its value changing.
        let mut c: Changes = (0u8..16)
            .map(|k| (vec![b'n', round, k], Some(vec![round])))
            .collect();
        if round == 3 {
            c.insert(b"gone".to_vec(), None);
        }
        commit_next(&store, &c);
    }
    let root = store.state_root().unwrap();
    let (value, p) = store.get_with_proof(b"stable", 12).unwrap();
    assert_eq!(value, Some(b"s".to_vec()));
    proof::verify(root, b"stable", Some(b"s"), &p).unwrap();
    let (value, p) = store.get_with_proof(b"gone", 12).unwrap();
    assert_eq!(value, None);
    proof::verify(root, b"gone", None, &p).unwrap();
    let (value, p) = store.get_with_proof(&[b'n', 0, 5], 12).unwrap();
    assert_eq!(value, Some(vec![0]));
    proof::verify(root, &[b'n', 0, 5], Some(&[0]), &p).unwrap();
}

#[test]
fn candidates_and_own_proposals_survive_a_reopen_and_go_when_their_height_is_committed() {
    let dir = tempfile::tempdir().unwrap();
    let (own, received) = (B256::repeat_byte(1), B256::repeat_byte(2));
    {
        let store = Store::open(dir.path()).unwrap();
        commit_next(&store, &changes(&[(b"a", Some(b"1"))]));
        store
            .keep_own_proposal(1, 0, &own, b"round 0", b"own block")
            .unwrap();
        store
            .keep_candidate(1, &received, b"", b"their block")
            .unwrap();
        store
            .keep_candidate(2, &received, b"early", b"next height")
            .unwrap();
    }
    // A crash: nothing but the file remains.
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.own_proposal(1, 0).unwrap(), Some(own));
    assert_eq!(store.own_proposal(1, 1).unwrap(), None);
    let kept = store.candidate(1, &own).unwrap().unwrap();
    assert_eq!(
        (kept.note.as_slice(), kept.block.as_slice()),
        (&b"round 0"[..], &b"own block"[..])
    );
    let at_one: Vec<B256> = store
        .candidates(1)
        .unwrap()
        .iter()
        .map(|c| c.hash)
        .collect();
    assert_eq!(at_one, vec![own, received]);
    assert_eq!(store.candidates(2).unwrap().len(), 1);
    // Committing height 1 drops its candidates and proposals, not those of height 2.
    commit_next(&store, &changes(&[(b"b", Some(b"2"))]));
    assert!(store.candidates(1).unwrap().is_empty());
    assert_eq!(store.own_proposal(1, 0).unwrap(), None);
    let next = store.candidates(2).unwrap();
    assert_eq!(next.len(), 1);
    assert_eq!(next[0].note, b"early");
    assert_eq!(next[0].block, b"next height");
}
