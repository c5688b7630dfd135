//! The elastic vectors (`shared/vectors/risk/elastic.json`): EV1's attack profit and robustness,
//! EV2's minimum stakes of symmetric networks (the vector rounds to 4 decimals; `null` = no
//! finite stake suffices).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::panic,
    clippy::cast_possible_truncation,
    missing_docs
)]

use alloy_primitives::U256;
use restake_risk::elastic::{Elastic, max_attack_profit, robustness, symmetric_min_stake};
use restake_risk::number::Frac;
use serde_json::Value;

fn vectors() -> Vec<Value> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/vectors/risk/elastic.json"
    );
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v["cases"].as_array().unwrap().clone()
}

/// `p/q` rounded half-up to 4 decimals, as the vector prints it.
fn four_places(f: Frac) -> String {
    let scaled = (f.num * U256::from(10_000u64) * U256::from(2) + f.den) / (f.den * U256::from(2));
    let s = scaled.to::<u128>();
    let (whole, frac) = (s / 10_000, s % 10_000);
    if frac == 0 {
        whole.to_string()
    } else {
        format!("{whole}.{frac:04}")
            .trim_end_matches('0')
            .to_string()
    }
}

#[test]
fn ev1_three_by_three_with_full_allocations_is_secure_and_one_third_robust() {
    let case = vectors().into_iter().find(|c| c["id"] == "EV1").unwrap();
    let n = case["services"].as_u64().unwrap() as usize;
    let m = case["validators"].as_u64().unwrap() as usize;
    let stake = Frac::parse(case["stake"].as_str().unwrap()).unwrap().num;
    let w = Frac::parse(case["allocation_each_edge"].as_str().unwrap())
        .unwrap()
        .num;
    let theta = Frac::parse(case["theta"].as_str().unwrap()).unwrap();
    let pfc = Frac::parse(case["pfc"].as_str().unwrap()).unwrap().num;
    let e = Elastic {
        stake: vec![stake; m],
        pfc: vec![pfc; n],
        theta: vec![(theta.num, theta.den); n],
        alloc: vec![vec![w; n]; m],
    };
    let (negative, profit) = max_attack_profit(&e).unwrap().unwrap();
    let expect = case["expect"]["max_attack_profit"].as_str().unwrap();
    assert_eq!(
        format!("{}{}", if negative { "-" } else { "" }, profit.render()),
        expect
    );
    assert_eq!(case["expect"]["secure"], true);
    assert!(negative, "secure: the best attack loses");
    assert_eq!(
        robustness(&e).unwrap().render(),
        case["expect"]["robustness"].as_str().unwrap()
    );
}

#[test]
fn ev2_minimum_stake_of_symmetric_networks_matches_every_cell() {
    let case = vectors().into_iter().find(|c| c["id"] == "EV2").unwrap();
    let mut cells = 0;
    for row in case["rows"].as_array().unwrap() {
        let n = row["n"].as_u64().unwrap();
        let theta = Frac::parse(row["theta"].as_str().unwrap()).unwrap();
        let degree = Frac::parse(row["degree"].as_str().unwrap()).unwrap();
        for (f, expect) in row["min_stake"].as_object().unwrap() {
            let f = Frac::parse(f).unwrap();
            // ⌊f n⌋ services are Byzantine.
            let b = (f.num * U256::from(n) / f.den).to::<u64>();
            let got = symmetric_min_stake(n, theta, degree, b, Frac::int(U256::from(1))).unwrap();
            match (got, expect) {
                (None, Value::Null) => {}
                (Some(s), Value::String(e)) => {
                    assert_eq!(
                        four_places(s),
                        *e,
                        "n {n} θ {theta:?} d {degree:?} b {b}: {}",
                        s.render()
                    )
                }
                (g, e) => panic!("n {n} d {degree:?} b {b}: got {g:?}, expected {e}"),
            }
            cells += 1;
        }
    }
    assert_eq!(cells, 20);
}

#[test]
fn the_hand_checked_cell_is_exactly_nine_quarters() {
    // n = 10, θ = 1/2, d = 2, one Byzantine service: σ ≥ 9/4.
    let s = symmetric_min_stake(
        10,
        Frac::parse("1/2").unwrap(),
        Frac::parse("2").unwrap(),
        1,
        Frac::int(U256::from(1)),
    )
    .unwrap()
    .unwrap();
    assert_eq!(s.render(), "9/4");
}
