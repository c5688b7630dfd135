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
use proptest::prelude::*;
use restake_risk::elastic::{Elastic, max_attack_profit, robustness, symmetric_min_stake};
use restake_risk::error::RiskError;
use restake_risk::flow::Network;
use restake_risk::number::{Frac, lcm};
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

/// The previous exact solver, kept as an independent oracle: every set of attacked services and
/// of saturated validators, with the others' commitments solved as a capped flow.
fn flow_oracle(e: &Elastic) -> Result<Option<(bool, Frac)>, RiskError> {
    let nv = e.stake.len();
    let ns = e.pfc.len();
    // Scale thresholds to integers: need_j = θ_j W_j, kept as a fraction over a common q.
    let mut q = U256::from(1);
    for (_, d) in &e.theta {
        q = lcm(q, *d)?;
    }
    let mut best: Option<(bool, U256)> = None; // (negative, |profit|) in units of 1/q
    for services in 1u32..(1u32 << ns) {
        let chosen: Vec<usize> = (0..ns).filter(|j| services & (1 << j) != 0).collect();
        let prize = chosen
            .iter()
            .fold(U256::ZERO, |a, j| a.saturating_add(e.pfc[*j]));
        // need_j · q
        let mut need = Vec::with_capacity(chosen.len());
        for j in &chosen {
            let w: U256 = (0..nv).fold(U256::ZERO, |a, i| a.saturating_add(e.alloc[i][*j]));
            let (p, d) = e.theta[*j];
            let scaled = w
                .checked_mul(p)
                .and_then(|x| x.checked_mul(q.checked_div(d).unwrap_or_default()))
                .ok_or(RiskError::Overflow)?;
            need.push(scaled);
        }
        for saturated in 0u32..(1u32 << nv) {
            // Saturated validators commit everything they allocated and pay their stake.
            let mut cost = U256::ZERO;
            let mut rest = need.clone();
            for i in (0..nv).filter(|i| saturated & (1 << i) != 0) {
                cost = cost.saturating_add(e.stake[i].saturating_mul(q));
                for (k, j) in chosen.iter().enumerate() {
                    rest[k] = rest[k].saturating_sub(e.alloc[i][*j].saturating_mul(q));
                }
            }
            let total_need = rest.iter().fold(U256::ZERO, |a, x| a.saturating_add(*x));
            // The others pay what they commit, at most their stake each: a flow from services
            // (demand `rest`) through allocations (capacity `w q`) to validators (`σ q`).
            let free: Vec<usize> = (0..nv).filter(|i| saturated & (1 << i) == 0).collect();
            let src = chosen.len().saturating_add(free.len());
            let sink = src.saturating_add(1);
            let mut net = Network::new(sink.saturating_add(1));
            for (k, r) in rest.iter().enumerate() {
                net.add(src, k, *r);
                for (f, i) in free.iter().enumerate() {
                    net.add(
                        k,
                        chosen.len().saturating_add(f),
                        e.alloc[*i][chosen[k]].saturating_mul(q),
                    );
                }
            }
            for (f, i) in free.iter().enumerate() {
                net.add(
                    chosen.len().saturating_add(f),
                    sink,
                    e.stake[*i].saturating_mul(q),
                );
            }
            if net.max_flow(src, sink) < total_need {
                continue;
            }
            cost = cost.saturating_add(total_need);
            let prize_q = prize.saturating_mul(q);
            let candidate = if prize_q >= cost {
                (false, prize_q.saturating_sub(cost))
            } else {
                (true, cost.saturating_sub(prize_q))
            };
            let better = match (best, candidate) {
                (None, _) => true,
                (Some((true, b)), (true, c)) => c < b,
                (Some((true, _)), (false, _)) => true,
                (Some((false, _)), (true, _)) => false,
                (Some((false, b)), (false, c)) => c > b,
            };
            if better {
                best = Some(candidate);
            }
        }
    }
    best.map(|(neg, v)| Ok((neg, Frac::new(v, q)?))).transpose()
}

fn network() -> impl Strategy<Value = Elastic> {
    (1usize..=5, 1usize..=4).prop_flat_map(|(nv, ns)| {
        (
            proptest::collection::vec(1u64..20, nv),
            proptest::collection::vec(
                (
                    0u64..30,
                    prop_oneof![Just((1u64, 2u64)), Just((2, 3)), Just((1, 1)), Just((1, 3))],
                ),
                ns,
            ),
            proptest::collection::vec(proptest::collection::vec(0u64..=100, ns), nv),
        )
            .prop_map(|(stakes, services, pct)| Elastic {
                stake: stakes.iter().map(|s| U256::from(*s)).collect(),
                pfc: services.iter().map(|(p, _)| U256::from(*p)).collect(),
                theta: services
                    .iter()
                    .map(|(_, (p, q))| (U256::from(*p), U256::from(*q)))
                    .collect(),
                // w_ij ≤ σ_i: a percentage of the stake, rounded down.
                alloc: pct
                    .iter()
                    .zip(&stakes)
                    .map(|(row, s)| row.iter().map(|p| U256::from(s * p / 100)).collect())
                    .collect(),
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn the_one_pass_elastic_solver_agrees_with_the_flow_oracle(e in network()) {
        prop_assert_eq!(max_attack_profit(&e).unwrap(), flow_oracle(&e).unwrap());
        // And after any one service turns Byzantine (the stretch rule applied).
        for b in 0..e.pfc.len() {
            let after = e.after_byzantine(&[b]);
            prop_assert_eq!(max_attack_profit(&after).unwrap(), flow_oracle(&after).unwrap());
        }
    }
}

#[test]
fn a_twenty_validator_elastic_network_is_solved_exactly() {
    // 20 validators of stake 10 allocate 6 to each of 3 services (degree 1.8); θ = 1/2 of a
    // service's 120 is 60. A validator that commits everything (18 units) pays only its stake 10,
    // so attacking all three (180 units) costs least with ten saturated validators: 100. One
    // service alone costs 60 (saturating does not help), two cost 100 (ten saturated give 120).
    let e = Elastic {
        stake: vec![U256::from(10); 20],
        pfc: vec![U256::from(34); 3],
        theta: vec![(U256::from(1), U256::from(2)); 3],
        alloc: vec![vec![U256::from(6); 3]; 20],
    };
    // 3 · 34 = 102 > 100: an attack on all three pays 2.
    assert_eq!(
        max_attack_profit(&e).unwrap(),
        Some((false, Frac::int(U256::from(2))))
    );
    let safe = Elastic {
        pfc: vec![U256::from(33); 3],
        ..e.clone()
    };
    // 99 < 100, and one or two services cost at least as much per prize: secure, best −1.
    assert_eq!(
        max_attack_profit(&safe).unwrap(),
        Some((true, Frac::int(U256::from(1))))
    );
    let too_many = Elastic {
        stake: vec![U256::from(10); 25],
        alloc: vec![vec![U256::from(6); 3]; 25],
        ..e
    };
    assert!(
        max_attack_profit(&too_many)
            .unwrap_err()
            .to_string()
            .contains("too large")
    );
}

#[test]
fn amounts_whose_sums_overflow_are_refused_rather_than_saturated() {
    // u = MAX/10: the two stakes sum past 256 bits, which a saturating sum would hide.
    let u = U256::MAX / U256::from(10);
    let e = Elastic {
        stake: vec![u * U256::from(7), u * U256::from(5)],
        pfc: vec![u * U256::from(4)],
        theta: vec![(U256::from(1), U256::from(1))],
        alloc: vec![vec![U256::ZERO], vec![u * U256::from(5)]],
    };
    assert!(matches!(max_attack_profit(&e), Err(RiskError::Overflow)));
}
