//! Operator-set keys: configuring a set's scheme, registering ECDSA and BLS keys with a proof
//! bound to the operator, the set and the chain, uniqueness, and removal only once the set can no
//! longer slash the operator.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use alloy_primitives::{Address, Bytes};
use common::*;
use restake_core::eip712;
use restake_core::keys::{KeyScheme, KeysError, KeysRead, key_hash};
use restake_core::permissions::PermissionError;
use restake_core::{Action, Error, Event};
use restake_primitives::{OperatorSet, bls};

const AVS: Address = Address::repeat_byte(0xAA);
const OP: Address = Address::repeat_byte(0x0B);
const OTHER_OP: Address = Address::repeat_byte(0x0C);
const STRANGER: Address = Address::repeat_byte(0x5E);

/// A chain with an AVS whose set 1 uses ECDSA keys and set 2 BLS keys, and two operators;
/// `OP` is a member of both sets.
fn chain() -> Chain {
    let mut c = Chain::new();
    for op in [OP, OTHER_OP] {
        c.register_operator(op);
    }
    c.create_set(AVS, 1, &["stETH"]);
    c.create_set(AVS, 2, &["stETH"]);
    c.ok(AVS, configure(1, KeyScheme::Ecdsa));
    c.ok(AVS, configure(2, KeyScheme::Bls12381));
    c.register_for(OP, AVS, &[1, 2]);
    c
}

fn configure(id: u32, scheme: KeyScheme) -> Action {
    Action::ConfigureOperatorSet {
        avs: None,
        operator_set_id: id,
        key_scheme: scheme,
    }
}

fn registration_digest(op: Address, set_id: u32, key_data: &Bytes) -> alloy_primitives::B256 {
    eip712::digest(
        &eip712::KeyRegistration {
            operator: op,
            avs: AVS,
            operatorSetId: set_id,
            keyData: key_data.clone(),
        },
        CHAIN_ID,
    )
}

/// `registerKey` for `op` in set 1 with ECDSA key `key`, signed for `signed_for`.
fn ecdsa_registration(op: Address, key: &Key, signed_for: Address) -> Action {
    let key_data = Bytes::copy_from_slice(key.address().as_slice());
    let signature = key.sign(registration_digest(signed_for, 1, &key_data));
    register(op, 1, key_data, signature)
}

/// `registerKey` for `op` in set 2 with BLS key `sk`, its proof bound to `op`.
fn bls_registration(op: Address, sk: &bls::SecretKey) -> Action {
    let key_data = Bytes::copy_from_slice(&sk.public().to_bytes());
    let digest = registration_digest(op, 2, &key_data);
    let proof = sk.prove_possession_bound(digest.as_slice());
    register(op, 2, key_data, Bytes::copy_from_slice(&proof.to_bytes()))
}

fn register(op: Address, set_id: u32, key_data: Bytes, signature: Bytes) -> Action {
    Action::RegisterKey {
        operator: Some(op),
        avs: AVS,
        operator_set_id: set_id,
        key_data,
        signature,
    }
}

fn deregister(op: Address, set_id: u32) -> Action {
    Action::DeregisterKey {
        operator: Some(op),
        avs: AVS,
        operator_set_id: set_id,
    }
}

fn bls_key(seed: u8) -> bls::SecretKey {
    bls::SecretKey::derive(&[seed; 32]).unwrap()
}

fn set(id: u32) -> OperatorSet {
    OperatorSet::new(AVS, id)
}

#[test]
fn only_the_avs_chooses_a_sets_scheme_and_only_once() {
    let mut c = Chain::new();
    c.create_set(AVS, 1, &["stETH"]);
    let action = Action::ConfigureOperatorSet {
        avs: Some(AVS),
        operator_set_id: 1,
        key_scheme: KeyScheme::Bls12381,
    };
    assert_eq!(
        c.fails(STRANGER, action.clone()),
        Error::Permission(PermissionError::InvalidPermissions {
            account: AVS,
            caller: STRANGER,
            selector: "configureOperatorSet".into(),
        })
    );
    assert_eq!(
        c.fails(AVS, configure(9, KeyScheme::Ecdsa)),
        Error::Keys(KeysError::UnknownOperatorSet(set(9)))
    );
    let events = c.ok(AVS, action.clone());
    assert_eq!(
        events,
        vec![Event::OperatorSetConfigured {
            operator_set: set(1),
            key_scheme: KeyScheme::Bls12381
        }]
    );
    assert_eq!(
        c.state.key_scheme(&set(1)).unwrap(),
        Some(KeyScheme::Bls12381)
    );
    assert_eq!(
        c.fails(AVS, configure(1, KeyScheme::Ecdsa)),
        Error::Keys(KeysError::AlreadyConfigured(set(1)))
    );
}

#[test]
fn an_ecdsa_key_is_registered_with_its_own_signature_and_never_twice() {
    let mut c = chain();
    let key = Key::from_seed(1);
    let events = c.ok(OP, ecdsa_registration(OP, &key, OP));
    let key_data = Bytes::copy_from_slice(key.address().as_slice());
    assert_eq!(
        events,
        vec![Event::KeyRegistered {
            operator: OP,
            operator_set: set(1),
            key_scheme: KeyScheme::Ecdsa,
            key_data: key_data.clone(),
        }]
    );
    let stored = c.state.operator_key(&set(1), &OP).unwrap().unwrap();
    assert_eq!(stored.key_data, key_data);
    assert_eq!(stored.registered_at, u64::from(c.block.number));
    let owner = c.state.key_owner(&key_hash(&key_data)).unwrap().unwrap();
    assert_eq!((owner.operator, owner.operator_set), (OP, set(1)));
    assert_eq!(c.state.operator_keys(&set(1)).unwrap(), vec![(OP, stored)]);
    // A second key for the same set waits for the first to go.
    assert_eq!(
        c.fails(OP, ecdsa_registration(OP, &Key::from_seed(2), OP)),
        Error::Keys(KeysError::AlreadyRegistered {
            operator: OP,
            set: set(1)
        })
    );
    // The same key, properly signed for another operator, is refused: keys are unique.
    assert_eq!(
        c.fails(OTHER_OP, ecdsa_registration(OTHER_OP, &key, OTHER_OP)),
        Error::Keys(KeysError::KeyInUse {
            hash: key_hash(&key_data),
            operator: OP,
            set: set(1)
        })
    );
}

#[test]
fn a_registration_signed_by_another_key_or_for_another_operator_is_refused() {
    let mut c = chain();
    let key = Key::from_seed(1);
    // Signed by a different key than the one registered.
    let key_data = Bytes::copy_from_slice(key.address().as_slice());
    let forged = Key::from_seed(2).sign(registration_digest(OP, 1, &key_data));
    assert_eq!(
        c.fails(OP, register(OP, 1, key_data.clone(), forged)),
        Error::Keys(KeysError::BadKeySignature)
    );
    // OP's signed registration, replayed by OTHER_OP for itself.
    assert_eq!(
        c.fails(OTHER_OP, ecdsa_registration(OTHER_OP, &key, OP)),
        Error::Keys(KeysError::BadKeySignature)
    );
    // Signed for another set (3, same AVS) and offered for set 1.
    let other_set = key.sign(registration_digest(OP, 3, &key_data));
    assert_eq!(
        c.fails(OP, register(OP, 1, key_data.clone(), other_set)),
        Error::Keys(KeysError::BadKeySignature)
    );
    // A signature that is not 65 bytes is malformed, not merely wrong.
    assert!(matches!(
        c.fails(OP, register(OP, 1, key_data, Bytes::from(vec![1u8; 64]))),
        Error::Signature(_)
    ));
}

#[test]
fn a_bls_key_is_registered_with_a_proof_of_possession_bound_to_the_operator() {
    let mut c = chain();
    let sk = bls_key(1);
    c.ok(OP, bls_registration(OP, &sk));
    let stored = c.state.operator_key(&set(2), &OP).unwrap().unwrap();
    assert_eq!(stored.key_data.as_ref(), sk.public().to_bytes().as_slice());
    // The standard (unbound) proof of possession is not enough: it could be copied.
    let other = bls_key(2);
    let key_data = Bytes::copy_from_slice(&other.public().to_bytes());
    let plain = Bytes::copy_from_slice(&other.prove_possession().to_bytes());
    assert_eq!(
        c.fails(OTHER_OP, register(OTHER_OP, 2, key_data.clone(), plain)),
        Error::Keys(KeysError::BadKeySignature)
    );
    // A proof bound to OP, offered by OTHER_OP.
    let Action::RegisterKey { signature, .. } = bls_registration(OP, &other) else {
        unreachable!()
    };
    assert_eq!(
        c.fails(OTHER_OP, register(OTHER_OP, 2, key_data, signature)),
        Error::Keys(KeysError::BadKeySignature)
    );
    c.ok(OTHER_OP, bls_registration(OTHER_OP, &other));
}

#[test]
fn keys_of_the_wrong_shape_are_refused_before_any_signature_check() {
    let mut c = chain();
    let sig = Bytes::from(vec![0u8; 65]);
    let cases = [
        (
            1,
            Bytes::from(vec![1u8; 48]),
            KeysError::KeyLength {
                scheme: KeyScheme::Ecdsa,
                length: 48,
            },
        ),
        (1, Bytes::from(vec![0u8; 20]), KeysError::ZeroKey),
        (
            2,
            Bytes::from(vec![1u8; 20]),
            KeysError::KeyLength {
                scheme: KeyScheme::Bls12381,
                length: 20,
            },
        ),
        // The compressed identity (infinity flag) and bytes off the curve.
        (
            2,
            Bytes::from([&[0xc0u8][..], &[0u8; 47][..]].concat()),
            KeysError::BadBlsKey(bls::BlsError::KeyIdentity),
        ),
        (
            2,
            Bytes::from(vec![0xffu8; 48]),
            KeysError::BadBlsKey(bls::BlsError::KeyEncoding),
        ),
    ];
    for (id, key_data, want) in cases {
        assert_eq!(
            c.fails(OP, register(OP, id, key_data, sig.clone())),
            Error::Keys(want)
        );
    }
    // A BLS signature that does not decode.
    let key_data = Bytes::copy_from_slice(&bls_key(3).public().to_bytes());
    assert!(matches!(
        c.fails(OP, register(OP, 2, key_data, Bytes::from(vec![0u8; 96]))),
        Error::Keys(KeysError::BadBlsKey(_))
    ));
}

#[test]
fn keys_need_a_registered_operator_a_configured_set_and_the_operators_permission() {
    let mut c = chain();
    c.create_set(AVS, 3, &["stETH"]);
    let key = Key::from_seed(1);
    let key_data = Bytes::copy_from_slice(key.address().as_slice());
    let signed = |op: Address, id: u32| key.sign(registration_digest(op, id, &key_data));
    assert_eq!(
        c.fails(OP, register(OP, 3, key_data.clone(), signed(OP, 3))),
        Error::Keys(KeysError::NotConfigured(set(3)))
    );
    assert_eq!(
        c.fails(OP, register(OP, 7, key_data.clone(), signed(OP, 7))),
        Error::Keys(KeysError::UnknownOperatorSet(set(7)))
    );
    assert_eq!(
        c.fails(
            STRANGER,
            register(STRANGER, 1, key_data.clone(), signed(STRANGER, 1))
        ),
        Error::Keys(KeysError::NotOperator(STRANGER))
    );
    // Someone else registering for OP, or removing OP's key.
    for action in [
        register(OP, 1, key_data.clone(), signed(OP, 1)),
        deregister(OP, 1),
    ] {
        let selector = if matches!(action, Action::RegisterKey { .. }) {
            "registerKey"
        } else {
            "deregisterKey"
        };
        assert_eq!(
            c.fails(STRANGER, action),
            Error::Permission(PermissionError::InvalidPermissions {
                account: OP,
                caller: STRANGER,
                selector: selector.into(),
            })
        );
    }
    // An appointee for registerKey may register for OP.
    c.ok(
        OP,
        Action::SetAppointee {
            account: OP,
            appointee: STRANGER,
            selector: "registerKey".into(),
        },
    );
    c.ok(STRANGER, register(OP, 1, key_data.clone(), signed(OP, 1)));
}

#[test]
fn a_key_is_removed_only_once_unslashable_and_stays_spent_and_on_record() {
    let mut c = chain();
    let old = Key::from_seed(1);
    c.ok(OP, ecdsa_registration(OP, &old, OP));
    let registered_at = u64::from(c.block.number);
    c.advance(1);
    // Still a member of the set: slashable, so the key stays.
    assert_eq!(
        c.fails(OP, deregister(OP, 1)),
        Error::Keys(KeysError::StillSlashable {
            operator: OP,
            set: set(1)
        })
    );
    assert_eq!(
        c.fails(OTHER_OP, deregister(OTHER_OP, 1)),
        Error::Keys(KeysError::NotRegistered {
            operator: OTHER_OP,
            set: set(1)
        })
    );
    c.ok(
        OP,
        Action::DeregisterFromOperatorSets {
            operator: None,
            avs: AVS,
            operator_set_ids: vec![1],
        },
    );
    // Slashable until the deallocation delay has passed.
    assert!(matches!(
        c.fails(OP, deregister(OP, 1)),
        Error::Keys(KeysError::StillSlashable { .. })
    ));
    let delay = restake_core::config::ConfigRead::params(&c.state)
        .unwrap()
        .deallocation_delay;
    c.advance(delay + 1);
    let removed_at = u64::from(c.block.number);
    let old_data = Bytes::copy_from_slice(old.address().as_slice());
    assert_eq!(
        c.ok(OP, deregister(OP, 1)),
        vec![Event::KeyDeregistered {
            operator: OP,
            operator_set: set(1),
            key_data: old_data.clone(),
        }]
    );
    assert_eq!(c.state.operator_key(&set(1), &OP).unwrap(), None);
    // The record says which key was OP's at each height.
    let at = |c: &Chain, h: u64| c.state.operator_key_at(&set(1), &OP, h).unwrap();
    assert_eq!(at(&c, registered_at - 1), None);
    assert_eq!(at(&c, registered_at), Some(old_data.clone()));
    assert_eq!(at(&c, removed_at - 1), Some(old_data.clone()));
    assert_eq!(at(&c, removed_at), None);
    // The old key can never come back, for anyone; a new one can.
    assert!(matches!(
        c.fails(OP, ecdsa_registration(OP, &old, OP)),
        Error::Keys(KeysError::KeyInUse { .. })
    ));
    c.advance(1);
    c.ok(OP, ecdsa_registration(OP, &Key::from_seed(2), OP));
    assert_eq!(at(&c, removed_at), None);
    let new_at = u64::from(c.block.number);
    assert_eq!(
        c.state.operator_key_at(&set(1), &OP, new_at).unwrap(),
        Some(Bytes::copy_from_slice(
            Key::from_seed(2).address().as_slice()
        ))
    );
}

#[test]
fn a_registration_signed_by_eth_account_registers_its_key() {
    // The example of docs/spec/registerKey.md: eth-account signed `KeyRegistration` for the key
    // of secret 0x11…11, operator 0x7099…79C8, set 1 of 0x3C44…93BC, chain 31337.
    let op: Address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
        .parse()
        .unwrap();
    let avs: Address = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
        .parse()
        .unwrap();
    let mut c = Chain::new();
    c.register_operator(op);
    c.create_set(avs, 1, &["stETH"]);
    c.ok(avs, configure(1, KeyScheme::Ecdsa));
    let page = include_str!("../../../docs/spec/registerKey.md");
    let example = page
        .split("```json\n")
        .nth(1)
        .and_then(|rest| rest.split("\n```").next())
        .unwrap();
    let action: Action = serde_json::from_str(example).unwrap();
    let events = c.ok(op, action);
    assert!(matches!(
        events.as_slice(),
        [Event::KeyRegistered { operator, key_data, .. }]
            if *operator == op
                && key_data.as_ref()
                    == "0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A".parse::<Address>().unwrap().as_slice()
    ));
}
