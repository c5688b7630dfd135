//! Validators in the protocol: a chain of four validators where every block carries its parent's
//! commit certificate, checked against the parent's set; a block without it, with too little
//! power, with a foreign or forged signature, or naming another set is refused; and
//! `updateValidatorSet` changes the set exactly at its activation height, under its rules.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::panic,
    clippy::expect_used,
    missing_docs
)]

use alloy_primitives::{Address, B256};
use proptest::prelude::*;
use restake_core::Action;
use restake_core::app::{self, Genesis};
use restake_core::block::{
    self, Block, BlockEnv, BlockError, Certificate, CertificateError, Header, InvalidBlock, Mode,
    NextBlock, Sealed,
};
use restake_core::config::{Params, Roles};
use restake_core::context::BlockContext;
use restake_core::error::Error;
use restake_core::state::{MemoryState, StateWrite};
use restake_core::validators::{
    self, GenesisValidator, MAX_VALIDATORS, ValidatorChange, ValidatorError, ValidatorSet,
};
use restake_primitives::ed25519::{SecretKey, Signature};

const CHAIN_ID: u64 = 7;
const OWNER: Address = Address::repeat_byte(0x0a);
const GENESIS_MS: u64 = 1_700_000_000_000;
/// A stand-in for the store's state root: the core does not compute it.
const ROOT: B256 = B256::repeat_byte(0x5a);

fn key(i: u8) -> SecretKey {
    SecretKey::from_seed(&[i; 32])
}

fn genesis(keys: &[SecretKey]) -> Genesis {
    Genesis {
        params: Params {
            validator_set_delay: 3,
            ..Params::devnet()
        },
        roles: Roles {
            owner: OWNER,
            strategy_whitelister: OWNER,
            pausers: vec![OWNER],
            unpauser: OWNER,
        },
        tokens: Vec::new(),
        beacon_oracle: Default::default(),
        validators: keys
            .iter()
            .map(|k| GenesisValidator {
                consensus_key: k.public(),
                power: 10,
                operator: None,
            })
            .collect(),
    }
}

/// A chain kept in memory: its state, its head and the head's certificate.
struct Net {
    state: MemoryState,
    head: Header,
    last_commit: Option<Certificate>,
}

impl Net {
    fn new(keys: &[SecretKey]) -> Self {
        let mut state = MemoryState::new();
        let ctx = BlockContext {
            number: 0,
            timestamp: GENESIS_MS / 1_000,
            chain_id: CHAIN_ID,
        };
        app::init_genesis(&mut state, &genesis(keys), &ctx).unwrap();
        let set_hash = validators::next_set(&state).unwrap().hash();
        Self {
            state,
            head: Header::genesis(CHAIN_ID, GENESIS_MS / 1_000, ROOT, set_hash),
            last_commit: None,
        }
    }

    fn env(&self) -> BlockEnv {
        BlockEnv::after(self.head.clone())
    }

    /// Builds the next block (one second after the head) with the head's certificate.
    fn build(&self, txs: &[block::VerifiedTx]) -> Sealed {
        let next = NextBlock {
            timestamp_ms: self.head.timestamp_ms + 1_000,
            proposer: Address::ZERO,
            last_commit: self.last_commit.clone(),
        };
        block::execute(&self.state, &self.env(), Mode::Build(&next), txs)
            .unwrap()
            .seal(ROOT)
            .unwrap()
    }

    fn verify(&self, block: &Block) -> Result<Sealed, BlockError> {
        block::execute(
            &self.state,
            &self.env(),
            Mode::Verify {
                header: &block.header,
                last_commit: block.last_commit.as_ref(),
                now_ms: None,
            },
            &[],
        )?
        .seal(ROOT)
    }

    /// Commits `sealed`, decided with the precommits of `signers`.
    fn commit(&mut self, sealed: Sealed, signers: &[&SecretKey]) {
        let changes = block::execute(
            &self.state,
            &self.env(),
            Mode::Verify {
                header: &sealed.block.header,
                last_commit: sealed.block.last_commit.as_ref(),
                now_ms: None,
            },
            &[],
        )
        .unwrap()
        .changes;
        self.state.apply(changes);
        let h = sealed.block.header.height;
        self.last_commit = Some(Certificate::sign(CHAIN_ID, h, 0, sealed.hash, signers));
        self.head = sealed.block.header;
    }

    /// Builds and commits an empty block certified by `signers`.
    fn step(&mut self, signers: &[&SecretKey]) -> Header {
        let sealed = self.build(&[]);
        self.commit(sealed, signers);
        self.head.clone()
    }

    fn ctx(&self) -> BlockContext {
        BlockContext {
            number: u32::try_from(self.head.height + 1).unwrap(),
            timestamp: self.head.timestamp_ms / 1_000 + 1,
            chain_id: CHAIN_ID,
        }
    }

    fn exec(&mut self, sender: Address, action: Action) -> Result<(), Error> {
        let ctx = self.ctx();
        app::execute(&mut self.state, &ctx, sender, &action).map(|_| ())
    }
}

fn invalid(r: Result<Sealed, BlockError>) -> InvalidBlock {
    match r {
        Err(BlockError::Invalid(i)) => i,
        other => panic!("expected an invalid block, got {other:?}"),
    }
}

fn keys(n: u8) -> Vec<SecretKey> {
    (1..=n).map(key).collect()
}

#[test]
fn every_block_after_the_first_carries_its_parents_certificate_and_names_the_set() {
    let k = keys(4);
    let mut net = Net::new(&k);
    let set = validators::next_set(&net.state).unwrap();
    assert_eq!(set.len(), 4);
    assert_eq!(net.head.validator_set_hash, set.hash());
    let first = net.build(&[]);
    assert_eq!(first.block.last_commit, None);
    assert_eq!(first.block.header.last_commit_hash, B256::ZERO);
    assert_eq!(first.block.header.validator_set_hash, set.hash());
    net.commit(first, &[&k[0], &k[1], &k[2]]);
    let second = net.build(&[]);
    let carried = second.block.last_commit.clone().unwrap();
    assert_eq!(carried.height, 1);
    assert_eq!(second.block.header.last_commit_hash, carried.hash());
    // Another node verifies it from the bytes.
    let bytes = second.block.to_bytes();
    let received = Block::from_bytes(&bytes, 1 << 21).unwrap();
    assert_eq!(net.verify(&received).unwrap(), second);
}

#[test]
fn a_block_without_the_certificate_or_with_a_short_foreign_or_forged_one_is_refused() {
    let k = keys(4);
    let mut net = Net::new(&k);
    net.step(&[&k[0], &k[1], &k[2]]);
    let good = net.build(&[]).block;
    let with = |cert: Option<Certificate>| {
        let mut b = good.clone();
        b.header.last_commit_hash = cert.as_ref().map_or(B256::ZERO, Certificate::hash);
        b.last_commit = cert;
        b
    };
    assert_eq!(
        invalid(net.verify(&with(None))),
        InvalidBlock::MissingLastCommit
    );
    let parent = net.head.hash();
    let two = Certificate::sign(CHAIN_ID, 1, 0, parent, &[&k[0], &k[1]]);
    assert_eq!(
        invalid(net.verify(&with(Some(two)))),
        InvalidBlock::LastCommit(CertificateError::NotEnoughPower {
            signed: 20,
            total: 40
        })
    );
    let outsider = key(9);
    let foreign = Certificate::sign(CHAIN_ID, 1, 0, parent, &[&k[0], &k[1], &outsider]);
    assert_eq!(
        invalid(net.verify(&with(Some(foreign)))),
        InvalidBlock::LastCommit(CertificateError::UnknownValidator(
            outsider.public().address()
        ))
    );
    let mut forged = Certificate::sign(CHAIN_ID, 1, 0, parent, &[&k[0], &k[1], &k[2]]);
    forged.signatures[1].signature = Signature::from_bytes([7; 64]);
    assert!(matches!(
        invalid(net.verify(&with(Some(forged)))),
        InvalidBlock::LastCommit(CertificateError::BadSignature { .. })
    ));
    let other_chain = Certificate::sign(CHAIN_ID + 1, 1, 0, parent, &[&k[0], &k[1], &k[2]]);
    assert!(matches!(
        invalid(net.verify(&with(Some(other_chain)))),
        InvalidBlock::LastCommit(CertificateError::BadSignature { .. })
    ));
    let wrong_block = Certificate::sign(CHAIN_ID, 1, 0, B256::ZERO, &[&k[0], &k[1], &k[2]]);
    assert!(matches!(
        invalid(net.verify(&with(Some(wrong_block)))),
        InvalidBlock::LastCommit(CertificateError::WrongBlock { .. })
    ));
    // A valid certificate the header does not name.
    let mut unnamed = good.clone();
    unnamed.header.last_commit_hash = B256::repeat_byte(1);
    assert!(matches!(
        invalid(net.verify(&unnamed)),
        InvalidBlock::LastCommitHash { .. }
    ));
    // Naming another validator set.
    let mut other_set = good.clone();
    other_set.header.validator_set_hash = B256::repeat_byte(2);
    assert!(matches!(
        invalid(net.verify(&other_set)),
        InvalidBlock::ValidatorSetHash { .. }
    ));
    // All four signatures are as good as three.
    let all = Certificate::sign(CHAIN_ID, 1, 0, parent, &[&k[0], &k[1], &k[2], &k[3]]);
    assert!(net.verify(&with(Some(all))).is_ok());
    assert!(net.verify(&good).is_ok());
}

#[test]
fn the_first_block_may_not_carry_a_certificate() {
    let k = keys(4);
    let net = Net::new(&k);
    let mut first = net.build(&[]).block;
    let cert = Certificate::sign(CHAIN_ID, 0, 0, net.head.hash(), &[&k[0], &k[1], &k[2]]);
    first.header.last_commit_hash = cert.hash();
    first.last_commit = Some(cert);
    assert_eq!(
        invalid(net.verify(&first)),
        InvalidBlock::UnexpectedLastCommit
    );
}

fn change(k: &SecretKey, power: u64) -> ValidatorChange {
    ValidatorChange {
        consensus_key: k.public(),
        power,
    }
}

fn update(changes: Vec<ValidatorChange>, activation_height: u64) -> Action {
    Action::UpdateValidatorSet {
        changes,
        activation_height,
    }
}

#[test]
fn a_validator_set_change_takes_effect_exactly_at_its_activation_height() {
    let k = keys(5);
    let mut net = Net::new(&k[..4]);
    net.step(&[&k[0], &k[1], &k[2]]); // height 1
    // Queued in block 2 for height 5 (delay 3): add key 5, remove key 4.
    net.exec(OWNER, update(vec![change(&k[4], 10), change(&k[3], 0)], 5))
        .unwrap();
    let old = validators::set_at(&net.state, 1).unwrap();
    for _ in 2..=4 {
        let h = net.step(&[&k[0], &k[1], &k[2]]);
        assert_eq!(h.validator_set_hash, old.hash(), "height {}", h.height);
    }
    // Block 4's begin-block work made the set of height 5.
    let new = validators::next_set(&net.state).unwrap();
    assert_ne!(new, old);
    assert!(new.get(&k[4].public().address()).is_some());
    assert!(new.get(&k[3].public().address()).is_none());
    assert_eq!(validators::set_at(&net.state, 4).unwrap(), old);
    assert_eq!(validators::set_at(&net.state, 5).unwrap(), new);
    // Block 5 names the new set; its certificate (of block 4) is still the old set's.
    let five = net.step(&[&k[1], &k[2], &k[4]]);
    assert_eq!(five.validator_set_hash, new.hash());
    // Block 6 carries block 5's certificate: the removed validator's signature no longer counts.
    let mut net_removed = Net {
        state: net.state.clone(),
        head: net.head.clone(),
        last_commit: Some(Certificate::sign(
            CHAIN_ID,
            5,
            0,
            net.head.hash(),
            &[&k[0], &k[1], &k[3]],
        )),
    };
    let refused = net_removed.build_checked();
    assert!(matches!(
        refused,
        Err(BlockError::Invalid(InvalidBlock::LastCommit(
            CertificateError::UnknownValidator(_)
        )))
    ));
    net_removed.last_commit = net.last_commit.clone();
    assert!(net_removed.build_checked().is_ok());
}

impl Net {
    fn build_checked(&self) -> Result<Sealed, BlockError> {
        let next = NextBlock {
            timestamp_ms: self.head.timestamp_ms + 1_000,
            proposer: Address::ZERO,
            last_commit: self.last_commit.clone(),
        };
        block::execute(&self.state, &self.env(), Mode::Build(&next), &[])?.seal(ROOT)
    }
}

#[test]
fn only_the_owner_updates_the_set_and_only_with_a_valid_future_set() {
    let k = keys(5);
    let mut net = Net::new(&k[..4]);
    net.step(&[&k[0], &k[1], &k[2]]);
    let stranger = Address::repeat_byte(0x99);
    let err = net
        .exec(stranger, update(vec![change(&k[4], 1)], 10))
        .unwrap_err();
    assert_eq!(err, Error::Validator(ValidatorError::OnlyOwner(stranger)));
    // The next block is 2; the delay is 3, so 5 is the earliest.
    assert_eq!(
        net.exec(OWNER, update(vec![change(&k[4], 1)], 4))
            .unwrap_err(),
        Error::Validator(ValidatorError::TooSoon {
            got: 4,
            earliest: 5
        })
    );
    assert_eq!(
        net.exec(OWNER, update(vec![], 9)).unwrap_err(),
        Error::Validator(ValidatorError::NoChanges)
    );
    assert_eq!(
        net.exec(OWNER, update(vec![change(&k[4], 0)], 9))
            .unwrap_err(),
        Error::Validator(ValidatorError::NotInSet(k[4].public().address()))
    );
    let remove_all: Vec<_> = k[..4].iter().map(|key| change(key, 0)).collect();
    assert_eq!(
        net.exec(OWNER, update(remove_all, 9)).unwrap_err(),
        Error::Validator(ValidatorError::Empty)
    );
    assert!(matches!(
        net.exec(OWNER, update(vec![change(&k[4], 1 << 60)], 9)),
        Err(Error::Validator(ValidatorError::TooMuchPower { .. }))
    ));
    // Queued for 9: a later update may not activate before it.
    net.exec(OWNER, update(vec![change(&k[4], 1)], 9)).unwrap();
    assert_eq!(
        net.exec(OWNER, update(vec![change(&k[3], 2)], 8))
            .unwrap_err(),
        Error::Validator(ValidatorError::TooSoon {
            got: 8,
            earliest: 9
        })
    );
    // It is checked against the set after what is queued: key 5 is in it by then.
    net.exec(OWNER, update(vec![change(&k[4], 0)], 9)).unwrap();
}

#[test]
fn genesis_refuses_duplicate_validators_zero_power_and_a_short_delay() {
    let k = keys(2);
    let init = |g: &Genesis| {
        let ctx = BlockContext {
            number: 0,
            timestamp: 0,
            chain_id: CHAIN_ID,
        };
        app::init_genesis(&mut MemoryState::new(), g, &ctx)
    };
    let mut dup = genesis(&[k[0].clone(), k[0].clone()]);
    assert!(matches!(init(&dup), Err(Error::Genesis(m)) if m.contains("twice")));
    dup.validators.pop();
    dup.validators[0].power = 0;
    assert!(matches!(init(&dup), Err(Error::Genesis(m)) if m.contains("power")));
    let mut short = genesis(&k);
    short.params.validator_set_delay = 1;
    assert!(matches!(init(&short), Err(Error::Genesis(m)) if m.contains("validatorSetDelay")));
    let weak = r#"{"consensusKey":"0x0100000000000000000000000000000000000000000000000000000000000000","power":1}"#;
    let err = serde_json::from_str::<GenesisValidator>(weak).unwrap_err();
    assert!(err.to_string().contains("small order"), "{err}");
}

/// A naive model of the set: a map from key seed to power, changed in order.
fn model_apply(model: &mut std::collections::BTreeMap<u8, u64>, changes: &[(u8, u64)]) -> bool {
    let mut next = model.clone();
    for (i, p) in changes {
        if *p == 0 {
            if next.remove(i).is_none() {
                return false;
            }
        } else {
            next.insert(*i, *p);
        }
    }
    if next.is_empty() || next.len() > MAX_VALIDATORS {
        return false;
    }
    *model = next;
    true
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn queued_changes_apply_exactly_as_a_naive_model_says(
        updates in proptest::collection::vec(
            (proptest::collection::vec((1u8..8, 0u64..4), 1..4), 0u64..3),
            1..6,
        )
    ) {
        let k = keys(3);
        let mut net = Net::new(&k);
        let mut model: std::collections::BTreeMap<u8, u64> = (1..=3).map(|i| (i, 10)).collect();
        let mut pending: Vec<(u64, Vec<(u8, u64)>)> = Vec::new();
        let mut latest = 0u64;
        for (changes, extra) in updates {
            let earliest = (net.head.height + 1 + 3).max(latest);
            let activation = earliest + extra;
            let action = update(
                changes.iter().map(|(i, p)| change(&key(*i), *p)).collect(),
                activation,
            );
            // The model of the set at activation: the queued changes, then these.
            let mut projected = model.clone();
            for (_, c) in &pending {
                prop_assert!(model_apply(&mut projected, c));
            }
            let accepted = model_apply(&mut projected, &changes);
            prop_assert_eq!(net.exec(OWNER, action).is_ok(), accepted);
            if accepted {
                pending.push((activation, changes));
                latest = activation;
            }
            // Empty blocks until the next update, signed by the whole set in force.
            let set = validators::next_set(&net.state).unwrap();
            let signers: Vec<SecretKey> =
                (1..8).map(key).filter(|s| set.get(&s.public().address()).is_some()).collect();
            let sealed = net.build(&[]);
            net.commit(sealed, &signers.iter().collect::<Vec<_>>());
            let h = net.head.height;
            for (_, c) in pending.iter().filter(|(a, _)| *a == h + 1) {
                prop_assert!(model_apply(&mut model, c));
            }
            pending.retain(|(a, _)| *a > h + 1);
            let expected: Vec<(u64, u64)> = model.iter().map(|(i, p)| {
                (u64::from_be_bytes(key(*i).public().address()[..8].try_into().unwrap()), *p)
            }).collect();
            let mut expected = expected;
            expected.sort();
            let next = validators::next_set(&net.state).unwrap();
            let mut got: Vec<(u64, u64)> = next.validators().iter().map(|v| {
                (u64::from_be_bytes(v.address[..8].try_into().unwrap()), v.power)
            }).collect();
            got.sort();
            prop_assert_eq!(got, expected);
        }
    }
}

#[test]
fn an_empty_set_is_a_chain_without_certificates() {
    let set = ValidatorSet::default();
    assert!(set.is_empty());
    assert_eq!(set.proposer(1, 0), None);
}
