//! The context and its types: heights, addresses, validator sets, the proposer, vote equality.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::panic,
    clippy::expect_used,
    clippy::cast_possible_truncation,
    missing_docs
)]

mod common;
use common::*;
use malachitebft_core_types::{
    Context, Height as _, NilOrVal, Round, SignedMessage, Validator as _, ValidatorSet as _,
    Vote as _,
};
use restake_consensus::{
    BlockHash, ConsensusAddress, Height, RestakeContext, ValidatorSet, ValidatorSetError,
};
use restake_core::validators::ValidatorSet as CoreValidatorSet;
use restake_primitives::B256;
use restake_primitives::ed25519::Signature;

#[test]
fn genesis_is_height_zero_and_consensus_starts_at_one() {
    assert_eq!(Height::ZERO, Height(0));
    assert_eq!(Height::INITIAL, Height(1));
    assert_eq!(Height::default(), Height::ZERO);
    assert_eq!(Height(1).increment(), Height(2));
    assert_eq!(Height(0).decrement(), None);
    assert_eq!(Height(u64::MAX).increment(), Height(u64::MAX));
    assert_eq!(Height(7).as_u64(), 7);
}

#[test]
fn an_address_displays_as_lowercase_hex_and_matches_the_keys_core_address() {
    let key = keys(1).remove(0).public();
    let address = ConsensusAddress::of(&key);
    assert_eq!(address.to_address(), key.address());
    let shown = address.to_string();
    assert_eq!(shown.len(), 42);
    assert!(shown.starts_with("0x"));
    assert_eq!(shown, shown.to_lowercase());
    assert_eq!(
        shown,
        format!(
            "0x{}",
            key.address()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        )
    );
    assert_eq!(
        ConsensusAddress::new([0xab; 20]).to_string(),
        format!("0x{}", "ab".repeat(20))
    );
    assert_eq!(
        BlockHash(B256::repeat_byte(0xcd)).to_string(),
        format!("0x{}", "cd".repeat(32))
    );
}

#[test]
fn the_validator_set_is_cores_in_cores_order() {
    let k = keys(4);
    let core = core_set(&k);
    let set = ValidatorSet::try_from(core.clone()).unwrap();
    assert_eq!(set.core(), &core);
    assert_eq!(set.count(), 4);
    assert_eq!(set.total_voting_power(), core.total_power());
    for (i, v) in core.validators().iter().enumerate() {
        let ours = set.get_by_index(i).unwrap();
        assert_eq!(ours.core(), v);
        assert_eq!(ours.address().to_address(), v.address);
        assert_eq!(ours.public_key(), &v.consensus_key);
        assert_eq!(ours.voting_power(), v.power);
        assert_eq!(set.get_by_address(ours.address()), Some(ours));
    }
    assert_eq!(set.get_by_index(4), None);
    assert_eq!(set.get_by_address(&ConsensusAddress::new([0; 20])), None);
}

#[test]
fn an_empty_validator_set_is_refused() {
    assert_eq!(
        ValidatorSet::try_from(CoreValidatorSet::default()),
        Err(ValidatorSetError::Empty)
    );
}

#[test]
fn select_proposer_rotates_over_rounds_as_core_does() {
    let ctx = RestakeContext::new(CHAIN_ID);
    let k = keys(4);
    let set = set(&k);
    for height in [1u64, 2, 9, 1_000_003] {
        let mut seen = Vec::new();
        for round in 0u32..8 {
            let proposer = ctx.select_proposer(&set, Height(height), Round::new(round));
            let core = set.core().proposer(height, round).unwrap();
            assert_eq!(proposer.core(), core);
            if round < 4 {
                assert!(!seen.contains(proposer.address()), "round {round} repeats");
                seen.push(*proposer.address());
            } else {
                assert_eq!(proposer.address(), &seen[(round - 4) as usize]);
            }
        }
    }
    // The next height starts one validator further.
    let at = |h: u64, r: u32| {
        *ctx.select_proposer(&set, Height(h), Round::new(r))
            .address()
    };
    assert_eq!(at(5, 1), at(6, 0));
    // A nil round is treated as round 0 rather than panicking.
    assert_eq!(
        at(5, 0),
        *ctx.select_proposer(&set, Height(5), Round::Nil).address()
    );
    // A single validator proposes every round.
    let solo = common::set(&keys(1));
    for round in 0..5 {
        assert_eq!(
            ctx.select_proposer(&solo, Height(3), Round::new(round)),
            solo.get_by_index(0).unwrap()
        );
    }
}

#[test]
fn vote_equality_ignores_the_extension() {
    let ctx = RestakeContext::new(CHAIN_ID);
    let voter = ConsensusAddress::new([0x11; 20]);
    let value = NilOrVal::Val(BlockHash(B256::repeat_byte(0xab)));
    let plain = ctx.new_precommit(Height(3), Round::new(1), value, voter);
    let extended = plain
        .clone()
        .extend(SignedMessage::new((), Signature::from_bytes([7; 64])));
    assert!(extended.extension().is_some());
    assert_eq!(plain, extended);
    let mut other = extended.clone();
    assert!(other.take_extension().is_some());
    assert_eq!(other, plain);
    // Every other field still counts.
    assert_ne!(
        plain,
        ctx.new_prevote(Height(3), Round::new(1), value, voter)
    );
    assert_ne!(
        plain,
        ctx.new_precommit(Height(3), Round::new(2), value, voter)
    );
    assert_ne!(
        plain,
        ctx.new_precommit(Height(4), Round::new(1), value, voter)
    );
    assert_ne!(
        plain,
        ctx.new_precommit(Height(3), Round::new(1), NilOrVal::Nil, voter)
    );
    assert_ne!(
        plain,
        ctx.new_precommit(
            Height(3),
            Round::new(1),
            value,
            ConsensusAddress::new([0x12; 20])
        )
    );
}

#[test]
fn the_context_builds_proposals_and_votes_from_its_arguments() {
    let ctx = RestakeContext::new(CHAIN_ID);
    let who = ConsensusAddress::new([0x11; 20]);
    let hash = BlockHash(B256::repeat_byte(1));
    let p = ctx.new_proposal(Height(2), Round::new(3), hash, Round::Nil, who);
    assert_eq!(
        (p.height, p.round, p.value, p.pol_round, p.proposer),
        (Height(2), Round::new(3), hash, Round::Nil, who)
    );
    let v = ctx.new_prevote(Height(2), Round::new(3), NilOrVal::Nil, who);
    assert_eq!(v.vote_type(), malachitebft_core_types::VoteType::Prevote);
    assert!(v.extension().is_none());
}
