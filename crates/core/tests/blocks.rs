//! The block as a protocol object: building and verifying go through one function; a received
//! block with a wrong lineage, time, size, nonce or root is refused with its reason; the bytes
//! validators hash are pinned; simulation equals the receipt.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::panic,
    clippy::expect_used,
    missing_docs
)]

mod common;
use alloy_primitives::{Address, B256, U256, b256};
use common::*;
use restake_core::allocation::WAD_U64;
use restake_core::block::{
    self, Block, BlockEnv, BlockError, Executed, Header, InvalidBlock, Mode, NextBlock, Receipt,
    ReceiptError, Sealed, Status, VerifiedTx, encoding,
};
use restake_core::config::Params;
use restake_core::rewards::StrategyAndMultiplier;
use restake_core::{Action, Event};
use restake_primitives::WAD;

const OP: Address = Address::repeat_byte(2);
const AVS: Address = Address::repeat_byte(3);
/// A stand-in for the store's state root: the core does not compute it.
const ROOT: B256 = B256::repeat_byte(0x5A);

fn alice() -> Key {
    Key::from_seed(1)
}

fn deposit(c: &Chain, amount: U256) -> Action {
    Action::DepositIntoStrategy {
        strategy: c.strategy("stETH"),
        token: c.token("stETH"),
        amount,
    }
}

fn build(c: &Chain, txs: &[VerifiedTx], timestamp_ms: u64) -> Result<Executed, BlockError> {
    block::execute(
        &c.state,
        &BlockEnv::after(c.head()),
        Mode::Build(&NextBlock {
            timestamp_ms,
            proposer: OP,
            last_commit: None,
        }),
        txs,
    )
}

fn verify(c: &Chain, b: &Block, now_ms: Option<u64>) -> Result<Sealed, BlockError> {
    let txs: Vec<VerifiedTx> = b
        .transactions
        .iter()
        .map(|t| VerifiedTx::check(t.clone(), CHAIN_ID).unwrap())
        .collect();
    block::execute(
        &c.state,
        &BlockEnv::after(c.head()),
        Mode::Verify {
            header: &b.header,
            last_commit: b.last_commit.as_ref(),
            now_ms,
        },
        &txs,
    )?
    .seal(ROOT)
}

fn invalid(r: Result<Sealed, BlockError>) -> InvalidBlock {
    match r {
        Err(BlockError::Invalid(i)) => i,
        other => panic!("expected an invalid block, got {other:?}"),
    }
}

/// Two deposits by alice (the second too large: it fails) and one by bob.
fn three_transactions(c: &Chain) -> Vec<VerifiedTx> {
    let bob = Key::from_seed(2);
    vec![
        c.signed(&alice(), deposit(c, eth(5)), 0),
        c.signed(&alice(), deposit(c, eth(10_000_000)), 1),
        c.signed(&bob, deposit(c, eth(1)), 0),
    ]
}

fn parent_ms(c: &Chain) -> u64 {
    c.head().timestamp_ms
}

#[test]
fn a_built_block_travels_as_bytes_and_verifies_to_the_same_block_elsewhere() {
    let c = Chain::new();
    let built = build(&c, &three_transactions(&c), parent_ms(&c) + 1_000)
        .unwrap()
        .seal(ROOT)
        .unwrap();
    assert!(built.dropped.is_empty());
    assert_eq!(
        built.receipts.iter().map(|r| r.status).collect::<Vec<_>>(),
        [Status::Success, Status::Failed, Status::Success]
    );
    let bytes = built.block.to_bytes();
    let received = Block::from_bytes(&bytes, 2 * 1024 * 1024).unwrap();
    assert_eq!(received, built.block);
    let verified = verify(&c, &received, Some(parent_ms(&c) + 1_000)).unwrap();
    assert_eq!(verified, built);
    assert_eq!(verified.hash, built.block.header.hash());
}

#[test]
fn a_proposer_leaves_out_a_transaction_whose_nonce_does_not_fit_and_a_verifier_refuses_it() {
    let c = Chain::new();
    let gap = c.signed(&alice(), deposit(&c, eth(1)), 1);
    let good = c.signed(&Key::from_seed(2), deposit(&c, eth(1)), 0);
    let built = build(&c, &[gap.clone(), good.clone()], 0)
        .unwrap()
        .seal(ROOT)
        .unwrap();
    assert_eq!(built.dropped, vec![gap.hash]);
    assert_eq!(built.block.transactions, vec![good.tx.clone()]);

    // The same transactions, forced into a block by a byzantine proposer.
    let mut forged = built.block.clone();
    forged.transactions = vec![gap.tx, good.tx];
    forged.header.transactions_root = encoding::transactions_root(&forged.transactions);
    match invalid(verify(&c, &forged, None)) {
        InvalidBlock::Transaction { index, reason } => {
            assert_eq!(index, 0);
            assert!(reason.contains("nonce 1"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_received_block_with_a_wrong_lineage_is_refused_with_the_field_that_is_wrong() {
    let c = Chain::new();
    let good = build(&c, &[], 0).unwrap().seal(ROOT).unwrap().block;
    assert!(verify(&c, &good, None).is_ok());
    let tamper = |f: &dyn Fn(&mut Header)| {
        let mut b = good.clone();
        f(&mut b.header);
        invalid(verify(&c, &b, None))
    };
    assert!(matches!(
        tamper(&|h| h.protocol_version = 1),
        InvalidBlock::ProtocolVersion {
            got: 1,
            expected: 3
        }
    ));
    assert!(matches!(
        tamper(&|h| h.chain_id = 1),
        InvalidBlock::ChainId { got: 1, .. }
    ));
    assert!(matches!(
        tamper(&|h| h.height += 1),
        InvalidBlock::Height { .. }
    ));
    assert!(matches!(
        tamper(&|h| h.parent_hash = B256::repeat_byte(1)),
        InvalidBlock::Parent { .. }
    ));
    assert!(matches!(
        tamper(&|h| h.validator_set_hash = B256::repeat_byte(1)),
        InvalidBlock::ValidatorSetHash { .. }
    ));
    assert!(matches!(
        tamper(&|h| h.last_commit_hash = B256::repeat_byte(1)),
        InvalidBlock::LastCommitHash { .. }
    ));
    assert!(matches!(
        tamper(&|h| h.transactions_root = B256::repeat_byte(1)),
        InvalidBlock::TransactionsRoot { .. }
    ));
    assert!(matches!(
        tamper(&|h| h.receipts_root = B256::repeat_byte(1)),
        InvalidBlock::ReceiptsRoot { .. }
    ));
    assert!(matches!(
        tamper(&|h| h.state_root = B256::repeat_byte(1)),
        InvalidBlock::StateRoot { .. }
    ));
}

#[test]
fn a_block_body_that_does_not_match_its_header_is_refused() {
    let c = Chain::new();
    let built = build(&c, &three_transactions(&c), 0)
        .unwrap()
        .seal(ROOT)
        .unwrap();
    // Drop a transaction, reorder two, or swap a signature for another valid one: the
    // transactions root no longer matches.
    let mut dropped = built.block.clone();
    dropped.transactions.pop();
    assert!(matches!(
        invalid(verify(&c, &dropped, None)),
        InvalidBlock::TransactionsRoot { .. } | InvalidBlock::ReceiptsRoot { .. }
    ));
    let mut reordered = built.block.clone();
    reordered.transactions.swap(1, 2);
    assert!(matches!(
        invalid(verify(&c, &reordered, None)),
        InvalidBlock::TransactionsRoot { .. }
    ));
}

#[test]
fn a_timestamp_is_at_least_the_parent_plus_the_minimum_interval_and_at_most_the_clock_plus_the_drift()
 {
    let c = Chain::new();
    let min = Params::devnet().min_block_interval_ms;
    let drift = Params::devnet().max_block_drift_ms;
    let earliest = parent_ms(&c) + min;
    // A proposer asking for an earlier time gets the earliest allowed.
    let b = build(&c, &[], parent_ms(&c)).unwrap().seal(ROOT).unwrap();
    assert_eq!(b.block.header.timestamp_ms, earliest);

    let at = |ms: u64| {
        let mut b = build(&c, &[], ms).unwrap().seal(ROOT).unwrap().block;
        b.header.timestamp_ms = ms;
        b
    };
    assert!(matches!(
        invalid(verify(&c, &at(earliest - 1), None)),
        InvalidBlock::TooEarly { earliest_ms, .. } if earliest_ms == earliest
    ));
    assert!(verify(&c, &at(earliest), None).is_ok());
    assert!(verify(&c, &at(earliest + 1), None).is_ok());

    let now = earliest + 5_000;
    assert!(verify(&c, &at(now + drift - 1), Some(now)).is_ok());
    assert!(verify(&c, &at(now + drift), Some(now)).is_ok());
    assert!(matches!(
        invalid(verify(&c, &at(now + drift + 1), Some(now))),
        InvalidBlock::TooFarAhead { latest_ms, .. } if latest_ms == now + drift
    ));
    // History is not held to the verifier's clock.
    assert!(verify(&c, &at(now + drift + 1), None).is_ok());
}

#[test]
fn a_delay_counted_in_blocks_takes_at_least_as_many_minimum_intervals_however_fast_blocks_come() {
    let params = Params {
        min_block_interval_ms: 12_000,
        ..Params::devnet()
    };
    let mut c = Chain::with_params(params.clone());
    let start = parent_ms(&c);
    let d = params.min_withdrawal_delay_blocks;
    for _ in 0..d {
        // A proposer whose clock does not move at all.
        let b = build(&c, &[], start).unwrap();
        restake_core::state::StateWrite::apply(&mut c.state, b.changes.clone());
        let h = b.seal(ROOT).unwrap().block.header;
        c.block.number = u32::try_from(h.height).unwrap();
        c.block.timestamp = h.timestamp_secs();
        // The harness's head keeps whole seconds; 12-second steps lose nothing.
        assert_eq!(h.timestamp_ms % 1_000, 0);
    }
    assert!(parent_ms(&c) - start >= u64::from(d) * 12_000);
}

#[test]
fn blocks_over_the_transaction_or_byte_limit_are_refused_and_proposers_stop_at_the_limit() {
    let c = Chain::with_params(Params {
        max_block_transactions: 2,
        ..Params::devnet()
    });
    let txs = three_transactions(&c);
    let built = build(&c, &txs, 0).unwrap().seal(ROOT).unwrap();
    assert_eq!(built.block.transactions.len(), 2);
    assert!(built.dropped.is_empty(), "the third stays pending");

    let open = Chain::new();
    let all = build(&open, &txs, 0).unwrap().seal(ROOT).unwrap().block;
    match invalid(verify(&c, &all, None)) {
        InvalidBlock::TooManyTransactions { count, limit } => assert_eq!((count, limit), (3, 2)),
        other => panic!("{other:?}"),
    }

    // A byte limit that fits the header and one deposit, not two.
    let one = encoding::encoded_len(&txs[0].tx);
    let header = encoding::encoded_len(&all.header);
    let limit = u32::try_from(header + 4 + one + one / 2).unwrap();
    let small = Chain::with_params(Params {
        max_block_bytes: limit,
        ..Params::devnet()
    });
    let built = build(&small, &txs, 0).unwrap().seal(ROOT).unwrap();
    assert_eq!(built.block.transactions.len(), 1);
    assert!(encoding::block_size(&built.block) <= limit as usize);
    match invalid(verify(&small, &all, None)) {
        InvalidBlock::TooLarge { size, limit: l } => {
            assert_eq!(size, encoding::block_size(&all));
            assert_eq!(l, limit);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn malformed_or_oversize_block_bytes_are_refused_with_a_clear_error() {
    let c = Chain::new();
    let bytes = build(&c, &three_transactions(&c), 0)
        .unwrap()
        .seal(ROOT)
        .unwrap()
        .block
        .to_bytes();
    for cut in [0, 1, 100, bytes.len() - 1] {
        assert!(matches!(
            Block::from_bytes(&bytes[..cut], 1 << 21),
            Err(encoding::DecodeError::Malformed(_))
        ));
    }
    let mut trailing = bytes.clone();
    trailing.push(0);
    assert!(matches!(
        Block::from_bytes(&trailing, 1 << 21),
        Err(encoding::DecodeError::Malformed(_))
    ));
    assert!(matches!(
        Block::from_bytes(&bytes, bytes.len() - 1),
        Err(encoding::DecodeError::TooLarge { .. })
    ));
    // A header claiming four billion transactions allocates nothing before failing.
    let mut huge = encoding::to_bytes(&Header::genesis(CHAIN_ID, 0, B256::ZERO, B256::ZERO));
    huge.push(0); // no last commit
    huge.extend_from_slice(&u32::MAX.to_le_bytes());
    assert!(Block::from_bytes(&huge, 1 << 21).is_err());
}

fn golden_header() -> Header {
    Header {
        protocol_version: 1,
        chain_id: 31337,
        height: 7,
        timestamp_ms: 1_700_000_084_250,
        parent_hash: B256::repeat_byte(0x11),
        proposer: Address::repeat_byte(0x22),
        validator_set_hash: B256::ZERO,
        last_commit_hash: B256::ZERO,
        transactions_root: B256::repeat_byte(0x33),
        receipts_root: B256::repeat_byte(0x44),
        state_root: B256::repeat_byte(0x55),
    }
}

fn golden_receipts() -> Vec<Receipt> {
    vec![
        Receipt {
            transaction_hash: B256::repeat_byte(0x66),
            block_number: 7,
            index: 0,
            from: Address::repeat_byte(0x77),
            status: Status::Success,
            events: vec![Event::Deposit {
                staker: Address::repeat_byte(0x77),
                strategy: Address::repeat_byte(0x88),
                shares: U256::from(5_000_000_000_000_000_000u128),
            }],
            error: None,
        },
        Receipt {
            transaction_hash: B256::repeat_byte(0x99),
            block_number: 7,
            index: 1,
            from: Address::repeat_byte(0x77),
            status: Status::Failed,
            events: vec![],
            error: Some(ReceiptError {
                code: 1001,
                name: "InsufficientBalance".into(),
                message: "balance 1 is less than 2".into(),
            }),
        },
    ]
}

#[test]
fn the_header_hash_of_a_fixed_header_is_pinned() {
    let h = golden_header();
    let bytes = encoding::to_bytes(&h);
    // protocol version (u32 LE) first, then chain id, height and time (u64 LE), then 32/20-byte
    // fields in declaration order.
    let mut expected = Vec::new();
    expected.extend_from_slice(&1u32.to_le_bytes());
    expected.extend_from_slice(&31337u64.to_le_bytes());
    expected.extend_from_slice(&7u64.to_le_bytes());
    expected.extend_from_slice(&1_700_000_084_250u64.to_le_bytes());
    expected.extend_from_slice(&[0x11; 32]);
    expected.extend_from_slice(&[0x22; 20]);
    expected.extend_from_slice(&[0; 64]);
    expected.extend_from_slice(&[0x33; 32]);
    expected.extend_from_slice(&[0x44; 32]);
    expected.extend_from_slice(&[0x55; 32]);
    assert_eq!(bytes, expected);
    // Also computed outside Rust, by keccak over the hand-assembled bytes.
    assert_eq!(
        h.hash(),
        b256!("0x651ad8879d6a721b23067e397fbc399cf6ca47ab2bbf847bb1c76ff297378eaf")
    );
}

#[test]
fn receipt_hashes_and_the_receipts_root_of_fixed_receipts_are_pinned() {
    // Computed outside Rust over hand-assembled bytes: transaction id, block number (u64 LE),
    // index (u32 LE), sender, status tag, events (u32 count; Deposit is event tag 8 with U256
    // as 32 bytes LE), then the error as an option of (code i64 LE, name with u32 length).
    let r = golden_receipts();
    assert_eq!(
        r[0].hash(),
        b256!("0xcd1e1d76af4501e0eba31a1b407bb5f838ed5b753ee33cab8cbda3bbe6ef3806")
    );
    assert_eq!(
        r[1].hash(),
        b256!("0x49844c0fcf3e3d0da16c4dfa22aa28acc1abec5df2fe7d240fda5fc882b90534")
    );
    assert_eq!(
        encoding::receipts_root(&r),
        b256!("0x8da2cc12053d92b3e901898a0771d938628565eaa93e59cf34981bf7e645fcfa")
    );
    assert_eq!(
        encoding::hash_list([]),
        b256!("0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"),
        "the empty list hashes to keccak256 of nothing"
    );
}

#[test]
fn rewording_an_error_message_changes_no_receipt_hash_and_no_root() {
    let r = golden_receipts();
    let mut reworded = r.clone();
    if let Some(e) = reworded[1].error.as_mut() {
        e.message = "not enough tokens: you hold 1 and asked for 2".into();
    }
    assert_eq!(reworded[1].hash(), r[1].hash());
    assert_eq!(
        encoding::receipts_root(&reworded),
        encoding::receipts_root(&r)
    );
    // The stable code and name are committed to.
    let mut renamed = r.clone();
    if let Some(e) = renamed[1].error.as_mut() {
        e.name = "Other".into();
    }
    assert_ne!(renamed[1].hash(), r[1].hash());
    let mut recoded = r;
    if let Some(e) = recoded[1].error.as_mut() {
        e.code = 1002;
    }
    assert_ne!(recoded[1].hash(), golden_receipts()[1].hash());
}

#[test]
fn the_transactions_root_commits_to_every_byte_of_every_transaction_signature_included() {
    let c = Chain::new();
    let txs: Vec<_> = three_transactions(&c).into_iter().map(|v| v.tx).collect();
    let root = encoding::transactions_root(&txs);
    let mut other = txs.clone();
    let mut sig = other[0].signature.to_vec();
    sig[64] ^= 1;
    other[0].signature = sig.into();
    assert_ne!(encoding::transactions_root(&other), root);
    // Signatures are deterministic (RFC 6979), so the root of these fixed transactions is too.
    assert_eq!(
        root,
        b256!("0x72cf19b6d615ccde213afde2c52708c34d53dc6fd50300b512ec67288f83a235")
    );
}

#[test]
fn the_header_json_keeps_its_field_names_with_the_time_in_seconds_and_milliseconds() {
    let json = serde_json::to_value(golden_header()).unwrap();
    for field in [
        "protocolVersion",
        "chainId",
        "height",
        "timestamp",
        "timestampMs",
        "parentHash",
        "proposer",
        "validatorSetHash",
        "lastCommitHash",
        "transactionsRoot",
        "receiptsRoot",
        "stateRoot",
    ] {
        assert!(json.get(field).is_some(), "{field} missing from {json}");
    }
    assert_eq!(json["timestamp"], 1_700_000_084u64);
    assert_eq!(json["timestampMs"], 1_700_000_084_250u64);
    let back: Header = serde_json::from_value(json).unwrap();
    assert_eq!(back, golden_header());
}

#[test]
fn a_simulated_claim_at_an_epoch_boundary_equals_the_receipt_the_transaction_gets() {
    let mut c = Chain::new();
    let staker = alice();
    c.create_set(AVS, 1, &["stETH"]);
    c.register_operator(OP);
    c.register_for(OP, AVS, &[1]);
    c.allocate(OP, AVS, 1, "stETH", WAD_U64);
    c.advance(1);
    c.deposit(staker.address(), "stETH", eth(10));
    c.delegate(staker.address(), OP);
    let epoch = restake_core::rewards::epoch_of(&c.state, c.block.number).unwrap();
    c.ok(
        AVS,
        Action::CreateRewardsSubmission {
            avs: None,
            operator_set_id: 1,
            strategies_and_multipliers: vec![StrategyAndMultiplier {
                strategy: c.strategy("stETH"),
                multiplier: WAD,
            }],
            token: c.token("rETH"),
            amount: eth(100),
            operator_rewards: vec![],
            start_epoch: epoch,
            duration_epochs: 1,
        },
    );
    // Stop on the last block of the epoch: the next block distributes it.
    let len = Params::devnet().rewards_epoch_blocks;
    c.advance(len - 1 - c.block.number % len);
    let claim = Action::ClaimRewards {
        tokens: vec![c.token("rETH")],
    };
    // In the current block there is nothing to claim yet.
    let mut probe = Chain {
        state: c.state.clone(),
        block: c.block,
    };
    assert!(probe.exec(staker.address(), claim.clone()).is_err());

    let env = BlockEnv::after(c.head());
    let next_ms = parent_ms(&c) + 12_000;
    let preview = block::simulate(&c.state, &env, next_ms, staker.address(), &claim).unwrap();
    assert_eq!(preview.status, Status::Success, "{:?}", preview.error);
    let tx = c.signed(&staker, claim, 0);
    let receipt = build(&c, &[tx], next_ms)
        .unwrap()
        .seal(ROOT)
        .unwrap()
        .receipts[0]
        .clone();
    assert_eq!(preview.block_number, receipt.block_number);
    assert_eq!(preview.status, receipt.status);
    assert_eq!(preview.events, receipt.events);
    assert_eq!(preview.error, receipt.error);
    assert!(
        preview
            .events
            .iter()
            .any(|e| matches!(e, Event::Transfer { to, .. } if *to == staker.address())),
        "{:?}",
        preview.events
    );
}

#[test]
fn the_hash_of_a_fixed_block_built_on_the_test_genesis_is_pinned() {
    // Genesis of the harness, three deposits (one failing), at a fixed time: any change to
    // execution, receipts, events, the encodings or the roots changes this hash.
    let c = Chain::new();
    let built = build(&c, &three_transactions(&c), parent_ms(&c) + 1_250)
        .unwrap()
        .seal(ROOT)
        .unwrap();
    assert_eq!(built.block.header.timestamp_ms, 1_700_000_001_250);
    assert_eq!(
        built.block.header.transactions_root,
        b256!("0x72cf19b6d615ccde213afde2c52708c34d53dc6fd50300b512ec67288f83a235")
    );
    assert_eq!(
        built.block.header.receipts_root,
        b256!("0xfb26084e7c12bc8d34947c5a238d02798ce43639b6c399d1aedda1e7b33b4b34")
    );
    assert_eq!(
        built.hash,
        b256!("0x26a7c2da86a0d4be4f06175597d06100b67d993bbb2cc02240b38c9a09304ea5")
    );
}

#[test]
fn a_body_that_is_not_the_one_its_header_names_is_found_before_any_signature_work() {
    let c = Chain::new();
    let built = build(&c, &three_transactions(&c), parent_ms(&c) + 1_000)
        .unwrap()
        .seal(ROOT)
        .unwrap();
    assert_eq!(built.block.check_body(), Ok(()));
    let mut swapped = built.block.clone();
    swapped.transactions.swap(0, 1);
    assert!(matches!(
        swapped.check_body(),
        Err(InvalidBlock::TransactionsRoot { .. })
    ));
    let mut dropped = built.block.clone();
    dropped.transactions.pop();
    assert!(matches!(
        dropped.check_body(),
        Err(InvalidBlock::TransactionsRoot { .. })
    ));
}
