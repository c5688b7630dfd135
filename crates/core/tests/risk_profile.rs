//! Operator-set risk profiles: only the AVS (or its admin/appointee) declares them, the set must
//! exist, and the interval and threshold must make sense.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::panic,
    clippy::expect_used,
    missing_docs
)]

mod common;
use alloy_primitives::{Address, U256};
use common::*;
use restake_core::risk_profile::{RiskProfile, RiskProfileError, RiskProfileRead};
use restake_core::{Action, Error};
use restake_primitives::{OperatorSet, WAD};

const AVS: Address = Address::repeat_byte(3);

fn declare(low: U256, high: U256, alpha: U256) -> Action {
    Action::SetOperatorSetRiskProfile {
        avs: Some(AVS),
        operator_set_id: 1,
        pfc_low: low,
        pfc_high: high,
        alpha_wad: alpha,
    }
}

#[test]
fn the_avs_declares_a_profile_that_the_state_then_holds() {
    let mut c = Chain::new();
    c.create_set(AVS, 1, &["stETH"]);
    c.ok(AVS, declare(eth(10), eth(50), WAD / U256::from(3)));
    assert_eq!(
        c.state.risk_profile(&OperatorSet::new(AVS, 1)).unwrap(),
        Some(RiskProfile {
            pfc_low: eth(10),
            pfc_high: eth(50),
            alpha_wad: WAD / U256::from(3)
        })
    );
}

#[test]
fn another_account_cannot_declare_an_avs_profile() {
    let mut c = Chain::new();
    c.create_set(AVS, 1, &["stETH"]);
    let e = c.fails(addr(9), declare(eth(1), eth(2), WAD));
    assert!(matches!(e, Error::Permission(_)), "{e:?}");
}

#[test]
fn nonsensical_profiles_and_unknown_sets_are_refused() {
    let mut c = Chain::new();
    assert!(matches!(
        c.fails(AVS, declare(eth(1), eth(2), WAD)),
        Error::RiskProfile(RiskProfileError::UnknownOperatorSet(_))
    ));
    c.create_set(AVS, 1, &["stETH"]);
    assert!(matches!(
        c.fails(AVS, declare(eth(3), eth(2), WAD)),
        Error::RiskProfile(RiskProfileError::InvertedInterval)
    ));
    assert!(matches!(
        c.fails(AVS, declare(eth(1), eth(2), U256::ZERO)),
        Error::RiskProfile(RiskProfileError::BadAlpha)
    ));
    assert!(matches!(
        c.fails(AVS, declare(eth(1), eth(2), WAD + U256::from(1))),
        Error::RiskProfile(RiskProfileError::BadAlpha)
    ));
}
