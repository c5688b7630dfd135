//! Cascades after shocks: the DR24 worst paths happen round by round, a cascade never loses more
//! than the exact worst case for its shock size, and Monte Carlo is deterministic per seed.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::panic,
    clippy::cast_possible_truncation,
    missing_docs
)]

use proptest::prelude::*;
use restake_risk::cascade::{FaultKind, FaultModel, monte_carlo, simulate};
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

#[derive(Debug, Clone)]
struct Small {
    stakes: Vec<u64>,
    services: Vec<(u64, (u64, u64), Vec<usize>)>,
    shock: Vec<bool>,
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
        let v = json!({
            "services": c.services.iter().enumerate().map(|(i, (pfc, (p, q), m))| json!({
                "id": format!("s{i}"), "pfc": pfc.to_string(), "alpha": format!("{p}/{q}"),
                "validators": m.iter().map(|x| format!("v{x}")).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "validators": c.stakes.iter().enumerate().map(|(i, s)| json!({"id": format!("v{i}"), "stake": s.to_string()})).collect::<Vec<_>>(),
        });
        let g = Graph::from_json(&v).unwrap();
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
