//! Cascades after shocks: the DR24 worst paths happen round by round, a cascade never loses more
//! than the exact worst case for its shock size, and Monte Carlo is deterministic per seed.
//! Price paths: a drop past the slack opens attacks (exactly at it, none: the strict `>`), each
//! collateral is valued at its own price, slashing is not undone when prices recover, and a
//! path never loses more than the worst valid attack at its lowest price.
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
use restake_risk::cascade::{
    FaultKind, FaultModel, monte_carlo, reprice, simulate, simulate_prices,
};
use restake_risk::number::Frac;
use restake_risk::{Graph, Options, analyze};
use serde_json::{Value, json};
use std::cmp::Ordering;

fn case(id: &str) -> Graph {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/vectors/risk/dr24.json"
    );
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let c = v["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap()
        .clone();
    Graph::from_json(&c).unwrap()
}

fn idx(g: &Graph, id: &str) -> usize {
    g.validator_ids.iter().position(|x| x == id).unwrap()
}

#[test]
fn tv1_shocking_a_is_followed_by_b_corrupting_x() {
    let g = case("TV1");
    let c = simulate(&g, &[idx(&g, "a")], &Options::default()).unwrap();
    assert_eq!(c.rounds.len(), 1);
    assert_eq!(c.rounds[0].services, vec!["x"]);
    assert_eq!(c.rounds[0].validators, vec!["b"]);
    assert_eq!(c.total_loss, "1");
    // Without a shock nothing happens.
    let calm = simulate(&g, &[], &Options::default()).unwrap();
    assert!(calm.rounds.is_empty());
    assert_eq!(calm.total_loss, "0");
}

#[test]
fn tv3_one_removed_validator_takes_the_whole_network_down() {
    let g = case("TV3");
    let c = simulate(&g, &[idx(&g, "0")], &Options::default()).unwrap();
    assert_eq!(c.total_loss, "1");
    assert_eq!(c.fallen.len(), 6);
}

#[test]
fn monte_carlo_is_deterministic_per_seed_and_bounded() {
    let g = case("TV2");
    let model = FaultModel {
        kind: FaultKind::Independent,
        validator_failure: Frac::parse("1/10").unwrap(),
        trials: 200,
        seed: 7,
        level: Frac::parse("95/100").unwrap(),
    };
    let a = monte_carlo(&g, &model, &Options::default()).unwrap();
    let b = monte_carlo(&g, &model, &Options::default()).unwrap();
    assert_eq!(a, b);
    let var = Frac::parse(&a.value_at_risk).unwrap();
    let cvar = Frac::parse(&a.conditional_value_at_risk).unwrap();
    let mean = Frac::parse(&a.mean_loss).unwrap();
    assert_ne!(cvar.cmp_frac(&var), Ordering::Less, "CVaR ≥ VaR");
    assert_ne!(var.cmp_frac(&mean), Ordering::Less, "VaR(95%) ≥ mean here");
    assert!(
        a.trials_with_a_fall > 0,
        "a: 1% of stake failing lets b corrupt x"
    );
}

fn f(s: &str) -> Frac {
    Frac::parse(s).unwrap()
}

fn path(steps: &[&[&str]]) -> Vec<Vec<Frac>> {
    steps
        .iter()
        .map(|p| p.iter().map(|x| f(x)).collect())
        .collect()
}

#[test]
fn a_price_drop_past_the_slack_opens_the_attack_and_a_drop_to_it_does_not() {
    // TV2 has γ* = 1/10: x's coalition {a, b} costs 109/10 against a profit of 109/11, so the
    // attack pays once the price is below 10/11, and only breaks even at 10/11.
    let g = case("TV2");
    assert_eq!(g.collateral_names, vec!["default"]);
    let at = simulate_prices(&g, &path(&[&["10/11"]]), &Options::default()).unwrap();
    assert!(at.rounds.is_empty(), "breaking even is not an attack");
    assert_eq!(at.total_loss, "0");
    let below = simulate_prices(&g, &path(&[&["100/111"]]), &Options::default()).unwrap();
    assert_eq!(below.fallen, vec!["x"]);
    assert_eq!(below.rounds[0].validators, vec!["a", "b"]);
    // Valued at the starting price: 109/10 of 100 units of stake.
    assert_eq!(below.total_loss, "109/1000");
}

#[test]
fn slashing_at_a_low_price_is_not_undone_when_the_price_recovers() {
    let g = case("TV2");
    let dip = simulate_prices(&g, &path(&[&["1/2"], &["1"], &["2"]]), &Options::default()).unwrap();
    assert_eq!(dip.total_loss, "109/1000");
    assert_eq!(dip.rounds.len(), 1);
    let flat = simulate_prices(&g, &path(&[&["1"], &["2"]]), &Options::default()).unwrap();
    assert_eq!(flat.total_loss, "0");
}

#[test]
fn each_collateral_is_valued_at_its_own_price() {
    // x (profit 9) needs a and b; a holds stETH, b rETH, c half and half and secures y.
    let g = Graph::from_json_str(
        r#"{"services":[{"id":"x","pfc":"9","validators":["a","b"]},{"id":"y","pfc":"3","validators":["c"]}],
            "validators":[{"id":"a","stake":"5","collateral":"steth"},{"id":"b","stake":"5","collateral":"reth"},
                          {"id":"c","stake":"4","collateral":{"steth":"2","reth":"2"}}]}"#,
    )
    .unwrap();
    assert_eq!(g.collateral_names, vec!["reth", "steth"]);
    let o = Options::default();
    // stETH halves while rETH rises by half: x still costs 5/2 + 15/2 = 10 > 9; c is worth 4.
    assert_eq!(
        simulate_prices(&g, &path(&[&["3/2", "1/2"]]), &o)
            .unwrap()
            .total_loss,
        "0"
    );
    // stETH halves alone: x costs 15/2 < 9 and falls; c is worth 3, which only breaks even.
    let c = simulate_prices(&g, &path(&[&["1", "1/2"]]), &o).unwrap();
    assert_eq!(c.fallen, vec!["x"]);
    assert_eq!(c.total_loss, "5/7");
    // Both fall below 3/4: c is worth less than 3 as well.
    let c = simulate_prices(&g, &path(&[&["7/10", "7/10"]]), &o).unwrap();
    assert_eq!(c.total_loss, "1");
    let h = reprice(&g, &[f("7/10"), f("7/10")]).unwrap();
    assert_eq!(
        h.stake,
        vec![U256::from(35), U256::from(35), U256::from(28)]
    );
}

#[test]
fn price_path_monte_carlo_is_deterministic_and_every_loss_is_a_whole_attack() {
    // TV2 with one step of ±1/2: half the paths halve the price and x falls (loss 109/1000),
    // the others rise and nothing happens; so the mean is exactly falls · 109/1000 / trials.
    let g = case("TV2");
    let model = FaultModel {
        kind: FaultKind::PricePath {
            volatility: f("1/2"),
            steps: 1,
            correlation: f("1"),
        },
        validator_failure: Frac::ZERO,
        trials: 40,
        seed: 5,
        level: f("1/2"),
    };
    let d = monte_carlo(&g, &model, &Options::default()).unwrap();
    assert_eq!(d, monte_carlo(&g, &model, &Options::default()).unwrap());
    assert!(
        d.trials_with_a_fall > 0 && d.trials_with_a_fall < 40,
        "{d:?}"
    );
    let expected = Frac::new(
        U256::from(109 * u64::from(d.trials_with_a_fall)),
        U256::from(1000 * 40),
    )
    .unwrap();
    assert_eq!(d.mean_loss, expected.render());
    assert_eq!(d.longest_cascade, 1);
    for (bad, what) in [
        (
            FaultKind::PricePath {
                volatility: f("1"),
                steps: 1,
                correlation: f("1"),
            },
            "volatility",
        ),
        (
            FaultKind::PricePath {
                volatility: f("1/2"),
                steps: 0,
                correlation: f("1"),
            },
            "steps",
        ),
        (
            FaultKind::PricePath {
                volatility: f("1/2"),
                steps: 65,
                correlation: f("1"),
            },
            "steps",
        ),
        (
            FaultKind::PricePath {
                volatility: f("1/2"),
                steps: 1,
                correlation: f("3/2"),
            },
            "correlation",
        ),
    ] {
        let e = monte_carlo(
            &g,
            &FaultModel {
                kind: bad,
                ..model.clone()
            },
            &Options::default(),
        );
        assert!(e.unwrap_err().to_string().contains(what), "{what}");
    }
}

#[derive(Debug, Clone)]
struct Small {
    stakes: Vec<u64>,
    services: Vec<(u64, (u64, u64), Vec<usize>)>,
    shock: Vec<bool>,
}

fn small_graph(c: &Small) -> Graph {
    let v = json!({
        "services": c.services.iter().enumerate().map(|(i, (pfc, (p, q), m))| json!({
            "id": format!("s{i}"), "pfc": pfc.to_string(), "alpha": format!("{p}/{q}"),
            "validators": m.iter().map(|x| format!("v{x}")).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "validators": c.stakes.iter().enumerate().map(|(i, s)| json!({"id": format!("v{i}"), "stake": s.to_string()})).collect::<Vec<_>>(),
    });
    Graph::from_json(&v).unwrap()
}

fn small() -> impl Strategy<Value = Small> {
    (2usize..=6, 1usize..=4).prop_flat_map(|(nv, ns)| {
        (
            proptest::collection::vec(1u64..20, nv),
            proptest::collection::vec(
                (
                    0u64..40,
                    prop_oneof![Just((1u64, 1u64)), Just((1, 2)), Just((2, 3))],
                    proptest::sample::subsequence((0..nv).collect::<Vec<_>>(), 0..=nv),
                ),
                ns,
            ),
            proptest::collection::vec(any::<bool>(), nv),
        )
            .prop_map(|(stakes, services, shock)| Small {
                stakes,
                services,
                shock,
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn a_simulated_cascade_never_loses_more_than_the_exact_worst_case(c in small()) {
        let g = small_graph(&c);
        let shock: Vec<usize> = c.shock.iter().enumerate().filter(|(_, s)| **s).map(|(i, _)| i).collect();
        let cascade = simulate(&g, &shock, &Options::default()).unwrap();
        // ψ = the shock's own share of the stake.
        let shocked: u64 = shock.iter().map(|i| c.stakes[*i]).sum();
        let total: u64 = c.stakes.iter().sum();
        let psi = Frac::parse(&format!("{shocked}/{total}")).unwrap();
        let worst = analyze(&g, &Options { psi: Some(psi), ..Options::default() }).unwrap();
        let worst = Frac::parse(worst.worst_case_loss.as_ref().unwrap()).unwrap();
        let lost = Frac::parse(&cascade.total_loss).unwrap();
        prop_assert!(lost.cmp_frac(&worst) != Ordering::Greater, "cascade {:?} > worst {:?}", lost, worst);
    }
}

#[test]
fn a_client_bug_takes_down_every_validator_running_it_together() {
    // a and b run the same client; c another. With the client failing every time, each trial
    // loses a and b together: never one without the other.
    let g = Graph::from_json_str(
        r#"{"services":[{"id":"x","pfc":"1","validators":["a","b"]},{"id":"y","pfc":"100","validators":["c"]}],
            "validators":[{"id":"a","stake":"1","client":"lh"},{"id":"b","stake":"2","client":"lh"},{"id":"c","stake":"1000","client":"py"}]}"#,
    )
    .unwrap();
    let always = FaultModel {
        kind: FaultKind::ClientBug,
        validator_failure: Frac::parse("1").unwrap(),
        trials: 5,
        seed: 3,
        level: Frac::parse("1/2").unwrap(),
    };
    let d = monte_carlo(&g, &always, &Options::default()).unwrap();
    assert_eq!(d.mean_loss, "1", "every client fails: all stake is lost");
    let never = FaultModel {
        validator_failure: Frac::parse("0").unwrap(),
        ..always
    };
    let d = monte_carlo(&g, &never, &Options::default()).unwrap();
    assert_eq!(d.mean_loss, "0");
}

#[test]
fn a_key_compromise_takes_every_node_of_one_operator() {
    // Operator o holds two allocations (one per set); the other operator one.
    let g = Graph::from_json_str(
        r#"{"services":[{"id":"s1","pfc":"1","validators":["o@1"]},{"id":"s2","pfc":"1","validators":["o@2","p@2"]}],
            "validators":[{"id":"o@1","stake":"5","operator":"o"},{"id":"o@2","stake":"5","operator":"o"},{"id":"p@2","stake":"10","operator":"p"}]}"#,
    )
    .unwrap();
    let model = FaultModel {
        kind: FaultKind::KeyCompromise,
        validator_failure: Frac::parse("1").unwrap(),
        trials: 40,
        seed: 11,
        level: Frac::parse("1/2").unwrap(),
    };
    let d = monte_carlo(&g, &model, &Options::default()).unwrap();
    // Every trial loses exactly one operator's nodes: 10 of 20 either way, then s1 (no stake
    // left after o) or s2 may fall for free, which slashes nobody more.
    assert_eq!(d.value_at_risk, "1/2");
    assert_eq!(d.mean_loss, "1/2");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// With one collateral, an attack valid at some price is valid at any lower one (costs
    /// shrink, coverage does not change), so by DR24 Corollary 1 the slashed validators of a
    /// whole path form one valid attack at its lowest price: the path can never lose more than
    /// the worst valid attack there.
    #[test]
    fn a_price_path_never_loses_more_than_the_worst_attack_at_its_lowest_price(
        c in small(),
        moves in proptest::collection::vec((1u64..=9, 1u64..=19), 1..5),
    ) {
        let g = small_graph(&c);
        let steps: Vec<Vec<Frac>> = moves.iter().map(|(n, d)| vec![f(&format!("{n}/{d}"))]).collect();
        let lowest = *steps.iter().map(|p| &p[0]).min_by(|a, b| a.cmp_frac(b)).unwrap();
        let cascade = simulate_prices(&g, &steps, &Options::default()).unwrap();
        let at_low = reprice(&g, &[lowest]).unwrap();
        let worst = analyze(&at_low, &Options { psi: Some(Frac::ZERO), ..Options::default() }).unwrap();
        prop_assert!(worst.worst_case.as_ref().unwrap().exact);
        let worst = Frac::parse(worst.worst_case_loss.as_ref().unwrap()).unwrap();
        // Both are shares of all stake; repricing one collateral scales every stake alike.
        let lost = Frac::parse(&cascade.total_loss).unwrap();
        prop_assert!(lost.cmp_frac(&worst) != Ordering::Greater, "path {:?} > worst {:?}", lost, worst);
    }
}
